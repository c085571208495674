//! Infrastructure and distribution configurations: finding, creating and updating them.
//!
//! AWS facts relied on (Image Builder API Reference, `CreateInfrastructureConfiguration`,
//! `UpdateInfrastructureConfiguration`): the instance profile is named, and Image Builder
//! checks it exists; for a while after IAM creates it (IAM is eventually consistent) the
//! answer is `InvalidParameterValueException`, which is classified [`Reason::NotVisibleYet`].

use aws_sdk_imagebuilder::error::BuildError;
use aws_sdk_imagebuilder::operation::create_distribution_configuration::CreateDistributionConfigurationError;
use aws_sdk_imagebuilder::operation::create_infrastructure_configuration::CreateInfrastructureConfigurationError;
use aws_sdk_imagebuilder::types::{
    AmiDistributionConfiguration, Distribution, LaunchPermissionConfiguration, Logging, S3Logs,
    SsmParameterConfiguration,
};

use super::{
    Found, Listing, Tagged, Tags, client, created, find_named, invalid, name_filter, sdk_tags,
    tagged, to_tags,
};
use crate::aws::call::{CallExt, instance_profile_not_visible};
use crate::aws::error::{AwsError, Reason};
use crate::aws::session::Session;

/// An infrastructure configuration's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InfrastructureSpec {
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Instance types.
    pub instance_types: Vec<String>,
    /// Instance profile name.
    pub instance_profile: String,
    /// Security group ids.
    pub security_group_ids: Vec<String>,
    /// Subnet id.
    pub subnet_id: Option<String>,
    /// Terminate the instance when the build fails.
    pub terminate_on_failure: bool,
    /// EC2 key pair.
    pub key_pair: Option<String>,
    /// S3 bucket for logs.
    pub logs_bucket: Option<String>,
    /// S3 key prefix for logs.
    pub logs_prefix: Option<String>,
    /// SNS topic notified about builds.
    pub sns_topic_arn: Option<String>,
    /// Tags.
    pub tags: Tags,
}

/// A distribution configuration's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistributionSpec {
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// One entry per region, in order.
    pub regions: Vec<RegionDistribution>,
    /// Tags.
    pub tags: Tags,
}

/// What the AMI looks like in one region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionDistribution {
    /// Region.
    pub region: String,
    /// AMI name template.
    pub ami_name: String,
    /// AMI description.
    pub ami_description: Option<String>,
    /// AMI tags.
    pub ami_tags: Tags,
    /// KMS key encrypting the snapshots.
    pub kms_key_id: Option<String>,
    /// Accounts allowed to launch the AMI (sorted).
    pub share_with_accounts: Vec<String>,
    /// Organization ARNs allowed to launch the AMI (sorted).
    pub share_with_organizations: Vec<String>,
    /// OU ARNs allowed to launch the AMI (sorted).
    pub share_with_ous: Vec<String>,
    /// SSM parameter receiving the AMI id.
    pub ssm_parameter: Option<String>,
}

/// The infrastructure configuration called `name`, if any.
pub async fn find_infrastructure(
    session: &Session,
    name: &str,
) -> Result<Option<Found<InfrastructureSpec>>, AwsError> {
    let items = client(session)
        .list_infrastructure_configurations()
        .filters(name_filter(name))
        .every_on(session, "ListInfrastructureConfigurations", name)
        .await?;
    find_named(items, name, |arn| async move {
        let out = client(session)
            .get_infrastructure_configuration()
            .infrastructure_configuration_arn(&arn)
            .send()
            .await
            .call_on(session, "GetInfrastructureConfiguration", &arn)?;
        Ok(out.infrastructure_configuration().map(|live| {
            let logs = live.logging().and_then(Logging::s3_logs);
            InfrastructureSpec {
                name: name.to_owned(),
                description: live.description().map(str::to_owned),
                instance_types: live.instance_types().to_vec(),
                instance_profile: live.instance_profile_name().unwrap_or_default().to_owned(),
                security_group_ids: live.security_group_ids().to_vec(),
                subnet_id: live.subnet_id().map(str::to_owned),
                terminate_on_failure: live.terminate_instance_on_failure().unwrap_or(true),
                key_pair: live.key_pair().map(str::to_owned),
                logs_bucket: logs.and_then(S3Logs::s3_bucket_name).map(str::to_owned),
                logs_prefix: logs.and_then(S3Logs::s3_key_prefix).map(str::to_owned),
                sns_topic_arn: live.sns_topic_arn().map(str::to_owned),
                tags: to_tags(live.tags()),
            }
        }))
    })
    .await
}

fn logging(spec: &InfrastructureSpec) -> Option<Logging> {
    spec.logs_bucket.as_ref().map(|bucket| {
        Logging::builder()
            .s3_logs(
                S3Logs::builder()
                    .s3_bucket_name(bucket)
                    .set_s3_key_prefix(spec.logs_prefix.clone())
                    .build(),
            )
            .build()
    })
}

/// The settings `CreateInfrastructureConfiguration` and `UpdateInfrastructureConfiguration`
/// both send, written once for the two SDK builders (different types, the same setters).
trait InfrastructureSettings: Sized {
    fn infrastructure_settings(self, spec: &InfrastructureSpec) -> Self;
}

macro_rules! infrastructure_settings {
    ($($builder:ty),+) => {$(
        impl InfrastructureSettings for $builder {
            fn infrastructure_settings(self, spec: &InfrastructureSpec) -> Self {
                self.set_description(spec.description.clone())
                    .set_instance_types(Some(spec.instance_types.clone()))
                    .instance_profile_name(&spec.instance_profile)
                    .set_security_group_ids(Some(spec.security_group_ids.clone()))
                    .set_subnet_id(spec.subnet_id.clone())
                    .terminate_instance_on_failure(spec.terminate_on_failure)
                    .set_key_pair(spec.key_pair.clone())
                    .set_logging(logging(spec))
                    .set_sns_topic_arn(spec.sns_topic_arn.clone())
            }
        }
    )+};
}

infrastructure_settings!(
    aws_sdk_imagebuilder::operation::create_infrastructure_configuration::builders::CreateInfrastructureConfigurationFluentBuilder,
    aws_sdk_imagebuilder::operation::update_infrastructure_configuration::builders::UpdateInfrastructureConfigurationFluentBuilder
);

/// Creates an infrastructure configuration; returns its ARN.
pub async fn create_infrastructure(
    session: &Session,
    spec: &InfrastructureSpec,
) -> Result<String, AwsError> {
    const OP: &str = "CreateInfrastructureConfiguration";
    let out = client(session)
        .create_infrastructure_configuration()
        .name(&spec.name)
        .infrastructure_settings(spec)
        .set_tags(Some(sdk_tags(&spec.tags)))
        .send()
        .await
        .call_classified(session, OP, &spec.name, |err| {
            if CreateInfrastructureConfigurationError::is_resource_already_exists_exception(err) {
                Some(Reason::AlreadyExists)
            } else {
                instance_profile_not_visible(err).then_some(Reason::NotVisibleYet)
            }
        })?;
    created(
        session,
        OP,
        &spec.name,
        out.infrastructure_configuration_arn(),
    )
}

/// Replaces every setting of an infrastructure configuration (tags are separate).
pub async fn update_infrastructure(
    session: &Session,
    arn: &str,
    spec: &InfrastructureSpec,
) -> Result<(), AwsError> {
    client(session)
        .update_infrastructure_configuration()
        .infrastructure_configuration_arn(arn)
        .infrastructure_settings(spec)
        .send()
        .await
        .call_classified(session, "UpdateInfrastructureConfiguration", arn, |err| {
            instance_profile_not_visible(err).then_some(Reason::NotVisibleYet)
        })?;
    Ok(())
}

/// The distribution configuration called `name`, if any.
pub async fn find_distribution(
    session: &Session,
    name: &str,
) -> Result<Option<Found<DistributionSpec>>, AwsError> {
    let items = client(session)
        .list_distribution_configurations()
        .filters(name_filter(name))
        .every_on(session, "ListDistributionConfigurations", name)
        .await?;
    find_named(items, name, |arn| async move {
        let out = client(session)
            .get_distribution_configuration()
            .distribution_configuration_arn(&arn)
            .send()
            .await
            .call_on(session, "GetDistributionConfiguration", &arn)?;
        Ok(out
            .distribution_configuration()
            .map(|live| DistributionSpec {
                name: name.to_owned(),
                description: live.description().map(str::to_owned),
                regions: live
                    .distributions()
                    .iter()
                    .map(region_distribution)
                    .collect(),
                tags: to_tags(live.tags()),
            }))
    })
    .await
}

fn sorted(items: &[String]) -> Vec<String> {
    let mut items = items.to_vec();
    items.sort();
    items.dedup();
    items
}

fn region_distribution(live: &Distribution) -> RegionDistribution {
    let ami = live.ami_distribution_configuration();
    let launch = ami.and_then(AmiDistributionConfiguration::launch_permission);
    RegionDistribution {
        region: live.region().to_owned(),
        ami_name: ami
            .and_then(AmiDistributionConfiguration::name)
            .unwrap_or_default()
            .to_owned(),
        ami_description: ami.and_then(|a| a.description()).map(str::to_owned),
        ami_tags: to_tags(ami.and_then(AmiDistributionConfiguration::ami_tags)),
        kms_key_id: ami.and_then(|a| a.kms_key_id()).map(str::to_owned),
        share_with_accounts: launch.map(|l| sorted(l.user_ids())).unwrap_or_default(),
        share_with_organizations: launch
            .map(|l| sorted(l.organization_arns()))
            .unwrap_or_default(),
        share_with_ous: launch
            .map(|l| sorted(l.organizational_unit_arns()))
            .unwrap_or_default(),
        ssm_parameter: live
            .ssm_parameter_configurations()
            .first()
            .map(|p| p.parameter_name().to_owned()),
    }
}

fn distributions(spec: &DistributionSpec) -> Result<Vec<Distribution>, BuildError> {
    spec.regions
        .iter()
        .map(|region| {
            let shares = !region.share_with_accounts.is_empty()
                || !region.share_with_organizations.is_empty()
                || !region.share_with_ous.is_empty();
            let launch = shares.then(|| {
                LaunchPermissionConfiguration::builder()
                    .set_user_ids(non_empty(&region.share_with_accounts))
                    .set_organization_arns(non_empty(&region.share_with_organizations))
                    .set_organizational_unit_arns(non_empty(&region.share_with_ous))
                    .build()
            });
            let ami = AmiDistributionConfiguration::builder()
                .name(&region.ami_name)
                .set_description(region.ami_description.clone())
                .set_ami_tags((!region.ami_tags.is_empty()).then(|| sdk_tags(&region.ami_tags)))
                .set_kms_key_id(region.kms_key_id.clone())
                .set_launch_permission(launch)
                .build();
            let ssm = match &region.ssm_parameter {
                Some(name) => Some(vec![
                    SsmParameterConfiguration::builder()
                        .parameter_name(name)
                        .build()?,
                ]),
                None => None,
            };
            Distribution::builder()
                .region(&region.region)
                .ami_distribution_configuration(ami)
                .set_ssm_parameter_configurations(ssm)
                .build()
        })
        .collect()
}

fn non_empty(items: &[String]) -> Option<Vec<String>> {
    (!items.is_empty()).then(|| items.to_vec())
}

/// Creates a distribution configuration; returns its ARN.
pub async fn create_distribution(
    session: &Session,
    spec: &DistributionSpec,
) -> Result<String, AwsError> {
    const OP: &str = "CreateDistributionConfiguration";
    let out = client(session)
        .create_distribution_configuration()
        .name(&spec.name)
        .set_description(spec.description.clone())
        .set_distributions(Some(
            distributions(spec).map_err(|err| invalid(session, OP, err))?,
        ))
        .set_tags(Some(sdk_tags(&spec.tags)))
        .send()
        .await
        .call_classified(session, OP, &spec.name, |err| {
            CreateDistributionConfigurationError::is_resource_already_exists_exception(err)
                .then_some(Reason::AlreadyExists)
        })?;
    created(
        session,
        OP,
        &spec.name,
        out.distribution_configuration_arn(),
    )
}

/// Replaces every setting of a distribution configuration (tags are separate).
pub async fn update_distribution(
    session: &Session,
    arn: &str,
    spec: &DistributionSpec,
) -> Result<(), AwsError> {
    client(session)
        .update_distribution_configuration()
        .distribution_configuration_arn(arn)
        .set_description(spec.description.clone())
        .set_distributions(Some(
            distributions(spec)
                .map_err(|err| invalid(session, "UpdateDistributionConfiguration", err))?,
        ))
        .send()
        .await
        .call_on(session, "UpdateDistributionConfiguration", arn)?;
    Ok(())
}

/// Every infrastructure configuration, with tags.
pub async fn infrastructures(session: &Session) -> Result<Vec<Tagged>, AwsError> {
    let items = client(session)
        .list_infrastructure_configurations()
        .every(session, "ListInfrastructureConfigurations")
        .await?;
    Ok(tagged(items))
}

/// Every distribution configuration, with tags.
pub async fn distributions_tagged(session: &Session) -> Result<Vec<Tagged>, AwsError> {
    let items = client(session)
        .list_distribution_configurations()
        .every(session, "ListDistributionConfigurations")
        .await?;
    Ok(tagged(items))
}
