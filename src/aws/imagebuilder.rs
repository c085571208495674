//! EC2 Image Builder: components, image recipes, infrastructure and distribution
//! configurations, image pipelines, their tags, and the images pipelines leave behind
//! (Image Builder images, and the EC2 AMIs and snapshots `destroy --images` removes).
//!
//! AWS facts this relies on (Image Builder API reference):
//! - components and image recipes are immutable: each `Create*` makes a new semantic version,
//!   there is no `Update*`; infrastructure and distribution configurations and pipelines are
//!   updated in place, and an update replaces every setting (unset members are cleared);
//! - `Create*` and `Update*` take a `clientToken`; the SDK generates one per call and reuses it
//!   on retries, so a retried create after a 5xx does not make a second resource;
//! - `List*` filters are exact matches on `name`; `ListComponents` without `byName` returns
//!   every version; image recipe summaries carry the version only in their ARN.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_imagebuilder::Client;
use aws_sdk_imagebuilder::error::BuildError;
use aws_sdk_imagebuilder::types::{
    AmiDistributionConfiguration, ComponentConfiguration, ComponentParameter, Distribution,
    EbsInstanceBlockDeviceSpecification, EbsVolumeType, Filter, ImageTestsConfiguration,
    InstanceBlockDeviceMapping, LaunchPermissionConfiguration, Logging, Ownership,
    PipelineExecutionStartCondition, PipelineStatus, Platform, S3Logs, Schedule,
    SsmParameterConfiguration,
};

use super::error::AwsError;
use super::session::Session;

/// Tag keys and values.
pub type Tags = BTreeMap<String, String>;

/// A component version gold wants to exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComponentSpec {
    /// Component name.
    pub name: String,
    /// Semantic version to create.
    pub version: String,
    /// `Linux`, `Windows` or `macOS`.
    pub platform: String,
    /// Description.
    pub description: Option<String>,
    /// The AWSTOE document.
    pub data: String,
    /// Tags.
    pub tags: Tags,
}

/// An image recipe version gold wants to exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecipeSpec {
    /// Recipe name.
    pub name: String,
    /// Semantic version to create.
    pub version: String,
    /// Parent image: an Image Builder image ARN or an AMI id.
    pub parent_image: String,
    /// Components in build order.
    pub components: Vec<RecipeComponent>,
    /// Extra EBS volumes.
    pub block_devices: Vec<BlockDeviceSpec>,
    /// Working directory on the build instance.
    pub working_directory: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Tags.
    pub tags: Tags,
}

/// A component in a recipe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecipeComponent {
    /// Component version (or build version) ARN.
    pub arn: String,
    /// Parameters passed to it.
    pub parameters: BTreeMap<String, String>,
}

/// An EBS volume in a recipe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockDeviceSpec {
    /// Device name.
    pub device: String,
    /// Size in GiB.
    pub size_gib: u32,
    /// EBS volume type.
    pub volume_type: String,
    /// Provisioned IOPS.
    pub iops: Option<u32>,
    /// Throughput in MiB/s.
    pub throughput: Option<u32>,
    /// Encryption.
    pub encrypted: Option<bool>,
    /// Delete with the instance.
    pub delete_on_termination: bool,
}

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

/// An image pipeline's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PipelineSpec {
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Image recipe version ARN.
    pub recipe_arn: String,
    /// Infrastructure configuration ARN.
    pub infrastructure_arn: String,
    /// Distribution configuration ARN.
    pub distribution_arn: String,
    /// Run image tests.
    pub tests: bool,
    /// Image test timeout in minutes.
    pub test_timeout_minutes: u32,
    /// Cron schedule and start condition.
    pub schedule: Option<(String, String)>,
    /// `ENABLED` or `DISABLED`.
    pub enabled: bool,
    /// Tags on the images the pipeline builds.
    pub image_tags: Tags,
    /// Tags.
    pub tags: Tags,
}

/// A resource that exists, with its settings as AWS reports them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found<T> {
    /// Its ARN.
    pub arn: String,
    /// Its settings.
    pub spec: T,
}

/// One version of a component or recipe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionRef {
    /// The version ARN (no build number).
    pub arn: String,
    /// `major.minor.patch`.
    pub version: String,
}

/// A component or recipe version as AWS reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionDetail {
    /// The ARN.
    pub arn: String,
    /// Its tags.
    pub tags: Tags,
    /// A component's document, a recipe's component ARNs joined by newlines.
    pub content: String,
}

/// A taggable resource found by listing, for `destroy`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tagged {
    /// ARN (build version ARN for components and images).
    pub arn: String,
    /// Name.
    pub name: String,
    /// Tags.
    pub tags: Tags,
}

/// An Image Builder image and the AMIs it distributed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuiltImage {
    /// Image build version ARN.
    pub arn: String,
    /// Tags.
    pub tags: Tags,
    /// `(region, ami id)` of every AMI the build distributed in the producer account.
    pub amis: Vec<(String, String)>,
}

fn client(session: &Session) -> Client {
    session.imagebuilder()
}

fn to_tags(tags: Option<&HashMap<String, String>>) -> Tags {
    tags.map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default()
}

fn sdk_tags(tags: &Tags) -> HashMap<String, String> {
    tags.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

fn name_filter(name: &str) -> Filter {
    Filter::builder().name("name").values(name).build()
}

fn invalid(session: &Session, operation: &'static str, err: impl std::fmt::Display) -> AwsError {
    session
        .site()
        .failure(operation, format!("gold built an invalid request: {err}"))
}

/// The version in a versioned ARN (`…/name/1.2.3` or `…/name/1.2.3/4`).
fn version_of(arn: &str) -> Option<String> {
    let mut parts = arn.rsplit('/');
    let last = parts.next()?;
    let version = if last.split('.').count() == 3 {
        last
    } else {
        parts.next()?
    };
    (version.split('.').count() == 3).then(|| version.to_owned())
}

/// Every version of the component `name` owned by this account.
pub async fn component_versions(
    session: &Session,
    name: &str,
) -> Result<Vec<VersionRef>, AwsError> {
    let items = client(session)
        .list_components()
        .owner(Ownership::SelfValue)
        .filters(name_filter(name))
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|err| session.site().error("ListComponents", err).on(name))?;
    Ok(items
        .into_iter()
        .filter(|c| c.name() == Some(name))
        .filter_map(|c| {
            Some(VersionRef {
                arn: c.arn()?.to_owned(),
                version: c.version()?.to_owned(),
            })
        })
        .collect())
}

/// A component version's tags and document.
pub async fn component(session: &Session, arn: &str) -> Result<VersionDetail, AwsError> {
    let out = client(session)
        .get_component()
        .component_build_version_arn(arn)
        .send()
        .await
        .map_err(|err| session.site().error("GetComponent", err).on(arn))?;
    let component = out.component().ok_or_else(|| {
        session
            .site()
            .failure("GetComponent", "no component in the answer")
            .on(arn)
    })?;
    Ok(VersionDetail {
        arn: component.arn().unwrap_or(arn).to_owned(),
        tags: to_tags(component.tags()),
        content: component.data().unwrap_or_default().to_owned(),
    })
}

/// Creates a component version; returns its build version ARN.
pub async fn create_component(session: &Session, spec: &ComponentSpec) -> Result<String, AwsError> {
    let resource = format!("{}/{}", spec.name, spec.version);
    let out = client(session)
        .create_component()
        .name(&spec.name)
        .semantic_version(&spec.version)
        .platform(Platform::from(spec.platform.as_str()))
        .set_description(spec.description.clone())
        .data(&spec.data)
        .set_tags(Some(sdk_tags(&spec.tags)))
        .send()
        .await
        .map_err(|err| session.site().error("CreateComponent", err).on(&resource))?;
    out.component_build_version_arn()
        .map(str::to_owned)
        .ok_or_else(|| {
            session
                .site()
                .failure("CreateComponent", "no ARN in the answer")
                .on(resource)
        })
}

/// Every version of the image recipe `name` owned by this account.
pub async fn recipe_versions(session: &Session, name: &str) -> Result<Vec<VersionRef>, AwsError> {
    let items = client(session)
        .list_image_recipes()
        .owner(Ownership::SelfValue)
        .filters(name_filter(name))
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|err| session.site().error("ListImageRecipes", err).on(name))?;
    Ok(items
        .into_iter()
        .filter(|r| r.name() == Some(name))
        .filter_map(|r| {
            let arn = r.arn()?.to_owned();
            let version = version_of(&arn)?;
            Some(VersionRef { arn, version })
        })
        .collect())
}

/// An image recipe version's tags and component ARNs.
pub async fn recipe(session: &Session, arn: &str) -> Result<VersionDetail, AwsError> {
    let out = client(session)
        .get_image_recipe()
        .image_recipe_arn(arn)
        .send()
        .await
        .map_err(|err| session.site().error("GetImageRecipe", err).on(arn))?;
    let recipe = out.image_recipe().ok_or_else(|| {
        session
            .site()
            .failure("GetImageRecipe", "no recipe in the answer")
            .on(arn)
    })?;
    let components: Vec<&str> = recipe
        .components()
        .iter()
        .map(ComponentConfiguration::component_arn)
        .collect();
    Ok(VersionDetail {
        arn: recipe.arn().unwrap_or(arn).to_owned(),
        tags: to_tags(recipe.tags()),
        content: components.join("\n"),
    })
}

/// Creates an image recipe version; returns its ARN.
pub async fn create_recipe(session: &Session, spec: &RecipeSpec) -> Result<String, AwsError> {
    const OP: &str = "CreateImageRecipe";
    let resource = format!("{}/{}", spec.name, spec.version);
    let mut components = Vec::new();
    for component in &spec.components {
        let mut parameters = Vec::new();
        for (name, value) in &component.parameters {
            parameters.push(
                ComponentParameter::builder()
                    .name(name)
                    .value(value)
                    .build()
                    .map_err(|err| invalid(session, OP, err))?,
            );
        }
        components.push(
            ComponentConfiguration::builder()
                .component_arn(&component.arn)
                .set_parameters((!parameters.is_empty()).then_some(parameters))
                .build()
                .map_err(|err| invalid(session, OP, err))?,
        );
    }
    let mappings: Vec<InstanceBlockDeviceMapping> =
        spec.block_devices.iter().map(block_device).collect();
    let out = client(session)
        .create_image_recipe()
        .name(&spec.name)
        .semantic_version(&spec.version)
        .parent_image(&spec.parent_image)
        .set_components(Some(components))
        .set_block_device_mappings((!mappings.is_empty()).then_some(mappings))
        .set_working_directory(spec.working_directory.clone())
        .set_description(spec.description.clone())
        .set_tags(Some(sdk_tags(&spec.tags)))
        .send()
        .await
        .map_err(|err| session.site().error(OP, err).on(&resource))?;
    out.image_recipe_arn().map(str::to_owned).ok_or_else(|| {
        session
            .site()
            .failure(OP, "no ARN in the answer")
            .on(resource)
    })
}

fn block_device(spec: &BlockDeviceSpec) -> InstanceBlockDeviceMapping {
    let to_i32 = |value: u32| i32::try_from(value).unwrap_or(i32::MAX);
    InstanceBlockDeviceMapping::builder()
        .device_name(&spec.device)
        .ebs(
            EbsInstanceBlockDeviceSpecification::builder()
                .volume_size(to_i32(spec.size_gib))
                .volume_type(EbsVolumeType::from(spec.volume_type.as_str()))
                .set_iops(spec.iops.map(to_i32))
                .set_throughput(spec.throughput.map(to_i32))
                .set_encrypted(spec.encrypted)
                .delete_on_termination(spec.delete_on_termination)
                .build(),
        )
        .build()
}

/// The infrastructure configuration called `name`, if any.
pub async fn find_infrastructure(
    session: &Session,
    name: &str,
) -> Result<Option<Found<InfrastructureSpec>>, AwsError> {
    let items = client(session)
        .list_infrastructure_configurations()
        .filters(name_filter(name))
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|err| {
            session
                .site()
                .error("ListInfrastructureConfigurations", err)
                .on(name)
        })?;
    let Some(arn) = items
        .iter()
        .find(|i| i.name() == Some(name))
        .and_then(|i| i.arn())
    else {
        return Ok(None);
    };
    let out = client(session)
        .get_infrastructure_configuration()
        .infrastructure_configuration_arn(arn)
        .send()
        .await
        .map_err(|err| {
            session
                .site()
                .error("GetInfrastructureConfiguration", err)
                .on(arn)
        })?;
    let Some(live) = out.infrastructure_configuration() else {
        return Ok(None);
    };
    let logs = live.logging().and_then(Logging::s3_logs);
    Ok(Some(Found {
        arn: arn.to_owned(),
        spec: InfrastructureSpec {
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
        },
    }))
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

/// Creates an infrastructure configuration; returns its ARN.
pub async fn create_infrastructure(
    session: &Session,
    spec: &InfrastructureSpec,
) -> Result<String, AwsError> {
    const OP: &str = "CreateInfrastructureConfiguration";
    let out = client(session)
        .create_infrastructure_configuration()
        .name(&spec.name)
        .set_description(spec.description.clone())
        .set_instance_types(Some(spec.instance_types.clone()))
        .instance_profile_name(&spec.instance_profile)
        .set_security_group_ids(Some(spec.security_group_ids.clone()))
        .set_subnet_id(spec.subnet_id.clone())
        .terminate_instance_on_failure(spec.terminate_on_failure)
        .set_key_pair(spec.key_pair.clone())
        .set_logging(logging(spec))
        .set_sns_topic_arn(spec.sns_topic_arn.clone())
        .set_tags(Some(sdk_tags(&spec.tags)))
        .send()
        .await
        .map_err(|err| session.site().error(OP, err).on(&spec.name))?;
    out.infrastructure_configuration_arn()
        .map(str::to_owned)
        .ok_or_else(|| {
            session
                .site()
                .failure(OP, "no ARN in the answer")
                .on(&spec.name)
        })
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
        .set_description(spec.description.clone())
        .set_instance_types(Some(spec.instance_types.clone()))
        .instance_profile_name(&spec.instance_profile)
        .set_security_group_ids(Some(spec.security_group_ids.clone()))
        .set_subnet_id(spec.subnet_id.clone())
        .terminate_instance_on_failure(spec.terminate_on_failure)
        .set_key_pair(spec.key_pair.clone())
        .set_logging(logging(spec))
        .set_sns_topic_arn(spec.sns_topic_arn.clone())
        .send()
        .await
        .map_err(|err| {
            session
                .site()
                .error("UpdateInfrastructureConfiguration", err)
                .on(arn)
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
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|err| {
            session
                .site()
                .error("ListDistributionConfigurations", err)
                .on(name)
        })?;
    let Some(arn) = items
        .iter()
        .find(|i| i.name() == Some(name))
        .and_then(|i| i.arn())
    else {
        return Ok(None);
    };
    let out = client(session)
        .get_distribution_configuration()
        .distribution_configuration_arn(arn)
        .send()
        .await
        .map_err(|err| {
            session
                .site()
                .error("GetDistributionConfiguration", err)
                .on(arn)
        })?;
    let Some(live) = out.distribution_configuration() else {
        return Ok(None);
    };
    Ok(Some(Found {
        arn: arn.to_owned(),
        spec: DistributionSpec {
            name: name.to_owned(),
            description: live.description().map(str::to_owned),
            regions: live
                .distributions()
                .iter()
                .map(region_distribution)
                .collect(),
            tags: to_tags(live.tags()),
        },
    }))
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
        .map_err(|err| session.site().error(OP, err).on(&spec.name))?;
    out.distribution_configuration_arn()
        .map(str::to_owned)
        .ok_or_else(|| {
            session
                .site()
                .failure(OP, "no ARN in the answer")
                .on(&spec.name)
        })
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
        .map_err(|err| {
            session
                .site()
                .error("UpdateDistributionConfiguration", err)
                .on(arn)
        })?;
    Ok(())
}

/// The image pipeline called `name`, if any.
pub async fn find_pipeline(
    session: &Session,
    name: &str,
) -> Result<Option<Found<PipelineSpec>>, AwsError> {
    let items = client(session)
        .list_image_pipelines()
        .filters(name_filter(name))
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|err| session.site().error("ListImagePipelines", err).on(name))?;
    let Some(live) = items.iter().find(|p| p.name() == Some(name)) else {
        return Ok(None);
    };
    let tests = live.image_tests_configuration();
    let schedule = live.schedule().and_then(|s| {
        let expression = s.schedule_expression()?.to_owned();
        let condition = s.pipeline_execution_start_condition().map_or(
            PipelineExecutionStartCondition::ExpressionMatchAndDependencyUpdatesAvailable,
            Clone::clone,
        );
        Some((expression, condition.as_str().to_owned()))
    });
    Ok(Some(Found {
        arn: live.arn().unwrap_or_default().to_owned(),
        spec: PipelineSpec {
            name: name.to_owned(),
            description: live.description().map(str::to_owned),
            recipe_arn: live.image_recipe_arn().unwrap_or_default().to_owned(),
            infrastructure_arn: live
                .infrastructure_configuration_arn()
                .unwrap_or_default()
                .to_owned(),
            distribution_arn: live
                .distribution_configuration_arn()
                .unwrap_or_default()
                .to_owned(),
            tests: tests
                .and_then(ImageTestsConfiguration::image_tests_enabled)
                .unwrap_or(true),
            test_timeout_minutes: tests
                .and_then(ImageTestsConfiguration::timeout_minutes)
                .and_then(|m| u32::try_from(m).ok())
                .unwrap_or(720),
            schedule,
            enabled: live.status() != Some(&PipelineStatus::Disabled),
            image_tags: to_tags(live.image_tags()),
            tags: to_tags(live.tags()),
        },
    }))
}

fn tests_configuration(spec: &PipelineSpec) -> ImageTestsConfiguration {
    ImageTestsConfiguration::builder()
        .image_tests_enabled(spec.tests)
        .timeout_minutes(i32::try_from(spec.test_timeout_minutes).unwrap_or(720))
        .build()
}

fn schedule(spec: &PipelineSpec) -> Option<Schedule> {
    spec.schedule.as_ref().map(|(expression, condition)| {
        Schedule::builder()
            .schedule_expression(expression)
            .pipeline_execution_start_condition(PipelineExecutionStartCondition::from(
                condition.as_str(),
            ))
            .build()
    })
}

fn status(spec: &PipelineSpec) -> PipelineStatus {
    if spec.enabled {
        PipelineStatus::Enabled
    } else {
        PipelineStatus::Disabled
    }
}

/// Creates an image pipeline; returns its ARN.
pub async fn create_pipeline(session: &Session, spec: &PipelineSpec) -> Result<String, AwsError> {
    const OP: &str = "CreateImagePipeline";
    let out = client(session)
        .create_image_pipeline()
        .name(&spec.name)
        .set_description(spec.description.clone())
        .image_recipe_arn(&spec.recipe_arn)
        .infrastructure_configuration_arn(&spec.infrastructure_arn)
        .distribution_configuration_arn(&spec.distribution_arn)
        .image_tests_configuration(tests_configuration(spec))
        .set_schedule(schedule(spec))
        .status(status(spec))
        .set_image_tags(Some(sdk_tags(&spec.image_tags)))
        .set_tags(Some(sdk_tags(&spec.tags)))
        .send()
        .await
        .map_err(|err| session.site().error(OP, err).on(&spec.name))?;
    out.image_pipeline_arn().map(str::to_owned).ok_or_else(|| {
        session
            .site()
            .failure(OP, "no ARN in the answer")
            .on(&spec.name)
    })
}

/// Replaces every setting of an image pipeline (tags are separate).
pub async fn update_pipeline(
    session: &Session,
    arn: &str,
    spec: &PipelineSpec,
) -> Result<(), AwsError> {
    client(session)
        .update_image_pipeline()
        .image_pipeline_arn(arn)
        .set_description(spec.description.clone())
        .image_recipe_arn(&spec.recipe_arn)
        .infrastructure_configuration_arn(&spec.infrastructure_arn)
        .distribution_configuration_arn(&spec.distribution_arn)
        .image_tests_configuration(tests_configuration(spec))
        .set_schedule(schedule(spec))
        .status(status(spec))
        .set_image_tags(Some(sdk_tags(&spec.image_tags)))
        .send()
        .await
        .map_err(|err| session.site().error("UpdateImagePipeline", err).on(arn))?;
    Ok(())
}

/// Adds or overwrites tags on any Image Builder resource.
pub async fn tag(session: &Session, arn: &str, tags: &Tags) -> Result<(), AwsError> {
    client(session)
        .tag_resource()
        .resource_arn(arn)
        .set_tags(Some(sdk_tags(tags)))
        .send()
        .await
        .map_err(|err| session.site().error("TagResource", err).on(arn))?;
    Ok(())
}

/// The list summaries of every Image Builder resource kind carry the same three fields.
trait Summary {
    fn arn(&self) -> Option<&str>;
    fn name(&self) -> Option<&str>;
    fn tags(&self) -> Option<&HashMap<String, String>>;
}

macro_rules! summary {
    ($($kind:ty),+) => {$(
        impl Summary for $kind {
            fn arn(&self) -> Option<&str> {
                <$kind>::arn(self)
            }
            fn name(&self) -> Option<&str> {
                <$kind>::name(self)
            }
            fn tags(&self) -> Option<&HashMap<String, String>> {
                <$kind>::tags(self)
            }
        }
    )+};
}

summary!(
    aws_sdk_imagebuilder::types::ComponentSummary,
    aws_sdk_imagebuilder::types::ImageRecipeSummary,
    aws_sdk_imagebuilder::types::InfrastructureConfigurationSummary,
    aws_sdk_imagebuilder::types::DistributionConfigurationSummary,
    aws_sdk_imagebuilder::types::ImagePipeline
);

/// Listed resources as gold's `Tagged`, skipping any without an ARN.
fn tagged<T: Summary>(items: Vec<T>) -> Vec<Tagged> {
    items
        .into_iter()
        .filter_map(|item| {
            Some(Tagged {
                arn: item.arn()?.to_owned(),
                name: item.name().unwrap_or_default().to_owned(),
                tags: to_tags(item.tags()),
            })
        })
        .collect()
}

/// Every build version of every component this account owns, with tags.
pub async fn components(session: &Session) -> Result<Vec<Tagged>, AwsError> {
    let versions = client(session)
        .list_components()
        .owner(Ownership::SelfValue)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|err| session.site().error("ListComponents", err))?;
    let mut found = Vec::new();
    for version in versions {
        let Some(arn) = version.arn() else { continue };
        let builds = client(session)
            .list_component_build_versions()
            .component_version_arn(arn)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|err| {
                session
                    .site()
                    .error("ListComponentBuildVersions", err)
                    .on(arn)
            })?;
        found.extend(tagged(builds));
    }
    Ok(found)
}

/// Every image recipe version this account owns, with tags.
pub async fn recipes(session: &Session) -> Result<Vec<Tagged>, AwsError> {
    let items = client(session)
        .list_image_recipes()
        .owner(Ownership::SelfValue)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|err| session.site().error("ListImageRecipes", err))?;
    Ok(tagged(items))
}

/// Every infrastructure configuration, with tags.
pub async fn infrastructures(session: &Session) -> Result<Vec<Tagged>, AwsError> {
    let items = client(session)
        .list_infrastructure_configurations()
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|err| {
            session
                .site()
                .error("ListInfrastructureConfigurations", err)
        })?;
    Ok(tagged(items))
}

/// Every distribution configuration, with tags.
pub async fn distributions_tagged(session: &Session) -> Result<Vec<Tagged>, AwsError> {
    let items = client(session)
        .list_distribution_configurations()
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|err| session.site().error("ListDistributionConfigurations", err))?;
    Ok(tagged(items))
}

/// Every image pipeline, with tags.
pub async fn pipelines(session: &Session) -> Result<Vec<Tagged>, AwsError> {
    let items = client(session)
        .list_image_pipelines()
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|err| session.site().error("ListImagePipelines", err))?;
    Ok(tagged(items))
}

/// Every image build this account owns, with tags and the AMIs it distributed.
pub async fn images(session: &Session) -> Result<Vec<BuiltImage>, AwsError> {
    let versions = client(session)
        .list_images()
        .owner(Ownership::SelfValue)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|err| session.site().error("ListImages", err))?;
    let mut found = Vec::new();
    for version in versions {
        let Some(arn) = version.arn() else { continue };
        let builds = client(session)
            .list_image_build_versions()
            .image_version_arn(arn)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|err| session.site().error("ListImageBuildVersions", err).on(arn))?;
        found.extend(builds.into_iter().filter_map(|b| {
            let amis = b
                .output_resources()
                .map(|o| {
                    o.amis()
                        .iter()
                        .filter(|a| {
                            a.account_id()
                                .is_none_or(|account| account == session.account())
                        })
                        .filter_map(|a| Some((a.region()?.to_owned(), a.image()?.to_owned())))
                        .collect()
                })
                .unwrap_or_default();
            Some(BuiltImage {
                arn: b.arn()?.to_owned(),
                tags: to_tags(b.tags()),
                amis,
            })
        }));
    }
    Ok(found)
}

/// Which Image Builder resource a delete is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A component build version.
    Component,
    /// An image recipe version.
    Recipe,
    /// An infrastructure configuration.
    Infrastructure,
    /// A distribution configuration.
    Distribution,
    /// An image pipeline.
    Pipeline,
    /// An image build version (the Image Builder resource, not the AMI).
    Image,
}

/// Deletes one Image Builder resource; one that is already gone counts as deleted.
pub async fn delete(session: &Session, kind: Kind, arn: &str) -> Result<(), AwsError> {
    let client = client(session);
    let site = session.site();
    let result = match kind {
        Kind::Component => client
            .delete_component()
            .component_build_version_arn(arn)
            .send()
            .await
            .map(drop)
            .map_err(|err| site.error("DeleteComponent", err)),
        Kind::Recipe => client
            .delete_image_recipe()
            .image_recipe_arn(arn)
            .send()
            .await
            .map(drop)
            .map_err(|err| site.error("DeleteImageRecipe", err)),
        Kind::Infrastructure => client
            .delete_infrastructure_configuration()
            .infrastructure_configuration_arn(arn)
            .send()
            .await
            .map(drop)
            .map_err(|err| site.error("DeleteInfrastructureConfiguration", err)),
        Kind::Distribution => client
            .delete_distribution_configuration()
            .distribution_configuration_arn(arn)
            .send()
            .await
            .map(drop)
            .map_err(|err| site.error("DeleteDistributionConfiguration", err)),
        Kind::Pipeline => client
            .delete_image_pipeline()
            .image_pipeline_arn(arn)
            .send()
            .await
            .map(drop)
            .map_err(|err| site.error("DeleteImagePipeline", err)),
        Kind::Image => client
            .delete_image()
            .image_build_version_arn(arn)
            .send()
            .await
            .map(drop)
            .map_err(|err| site.error("DeleteImage", err)),
    };
    match result {
        Err(err) if !err.is_not_found() => Err(err.on(arn)),
        _ => Ok(()),
    }
}

/// The AMIs this account owns in the session's region that carry the tag `key` = `value`.
pub async fn tagged_amis(
    session: &Session,
    key: &str,
    value: &str,
) -> Result<Vec<String>, AwsError> {
    let out = session
        .ec2()
        .describe_images()
        .owners("self")
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name(format!("tag:{key}"))
                .values(value)
                .build(),
        )
        .include_deprecated(true)
        .include_disabled(true)
        .send()
        .await
        .map_err(|err| {
            session
                .site()
                .error("DescribeImages", err)
                .on(format!("AMIs tagged {key}={value}"))
        })?;
    Ok(out
        .images()
        .iter()
        .filter_map(|i| i.image_id().map(str::to_owned))
        .collect())
}

/// Deregisters an AMI and deletes its EBS snapshots (EC2 keeps snapshots after deregistering,
/// and they cost money); an AMI that is already gone counts as deleted.
pub async fn delete_ami(session: &Session, ami: &str) -> Result<(), AwsError> {
    let ec2 = session.ec2();
    let described = ec2
        .describe_images()
        .image_ids(ami)
        .include_deprecated(true)
        .include_disabled(true)
        .send()
        .await;
    let snapshots: Vec<String> = match described {
        Ok(out) => out
            .images()
            .iter()
            .flat_map(aws_sdk_ec2::types::Image::block_device_mappings)
            .filter_map(|m| m.ebs().and_then(|e| e.snapshot_id()).map(str::to_owned))
            .collect(),
        Err(err) => {
            let err = session.site().error("DescribeImages", err).on(ami);
            if err.is_not_found() {
                return Ok(());
            }
            return Err(err);
        }
    };
    if let Err(err) = ec2.deregister_image().image_id(ami).send().await {
        let err = session.site().error("DeregisterImage", err).on(ami);
        if !err.is_not_found() {
            return Err(err);
        }
    }
    for snapshot in snapshots {
        if let Err(err) = ec2.delete_snapshot().snapshot_id(&snapshot).send().await {
            let err = session.site().error("DeleteSnapshot", err).on(&snapshot);
            if !err.is_not_found() {
                return Err(err);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::version_of;

    #[test]
    fn versions_come_from_version_and_build_arns() {
        let base = "arn:aws:imagebuilder:ap-northeast-1:111122223333:image-recipe/sample";
        assert_eq!(
            version_of(&format!("{base}/1.0.2")).as_deref(),
            Some("1.0.2")
        );
        assert_eq!(
            version_of(&format!("{base}/1.0.2/3")).as_deref(),
            Some("1.0.2")
        );
        assert_eq!(version_of(base), None);
    }
}
