//! The IAM documents gold needs for a manifest, built from the one permissions table
//! ([`crate::aws::permissions`]): the consumer rollout role's policy and its trust policy, the
//! producer operator's policy, the organization reader's, and the build instances' role for
//! review. Nothing here calls AWS; `gold iam` prints what it returns.
//!
//! How each table scope becomes a statement, "where AWS allows" (Service Authorization
//! Reference; EC2 User Guide, "Grant permission to tag resources during creation"):
//! - actions without resource-level permissions get `"*"`, limited to the manifest's regions
//!   with `aws:RequestedRegion` (IAM, STS and Organizations are global and get no region);
//! - launch templates are scoped by the manifest's tag (`aws:ResourceTag/gold:manifest`), which
//!   gold puts on what it creates and a team puts on a template it hands to gold, or by the
//!   `lt-…` ids the manifest names; deleting needs `gold:managed=true` too;
//! - creates carry the manifest's tag (`aws:RequestTag/gold:manifest`), and their tag-on-create
//!   `ec2:CreateTags` is limited to the create with `ec2:CreateAction`;
//! - Auto Scaling groups, IAM roles and profiles and Image Builder resources are named in their
//!   ARNs; `iam:PassRole` only for the build role, only to `ec2.amazonaws.com`;
//!   `iam:AttachRolePolicy` only for the three managed policies the build role needs.
//!
//! Account ids in ARNs are `*` where one document serves every consumer account: an identity
//! policy grants nothing in another account anyway (IAM User Guide, "Cross-account policy
//! evaluation logic").

pub mod cloudformation;
pub mod kms;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

use crate::aws::permissions::{Need, PERMISSIONS, Scope, Side};
use crate::manifest::{Loaded, Manifest, SecurityGroup};
use crate::names;
use crate::plan::producer::{Desired, DesiredShare, parent_image_arn, partition};

/// IAM's policy language version.
const VERSION: &str = "2012-10-17";

/// The condition key Image Builder's service-linked role is created with.
const IMAGE_BUILDER_SERVICE: &str = "imagebuilder.amazonaws.com";

/// Services whose calls go to a region (the rest are global).
const REGIONAL: [&str; 5] = ["ec2", "autoscaling", "imagebuilder", "ssm", "ram"];

/// What a launch from a template creates, beside the security groups and subnets it joins.
const LAUNCHED: [&str; 3] = ["instance", "volume", "network-interface"];

/// The permissions policy of the consumer rollout role (every consumer account).
pub fn consumer(loaded: &Loaded) -> Value {
    Policy::new(loaded, Side::Consumer).document()
}

/// One consumer rollout role's policy for several manifests: each manifest's statements, those
/// that differ only in their resources or in one condition value merged into one (so the policy
/// stays within IAM's size limits as manifests are added), the others kept under their own id.
pub fn consumer_of(manifests: &[Loaded]) -> Value {
    let mut merged: Vec<Statement> = Vec::new();
    for loaded in manifests {
        for statement in Policy::new(loaded, Side::Consumer).statements() {
            absorb(&mut merged, statement);
        }
    }
    document(merged)
}

/// The IAM actions `side`'s policy for `loaded` grants for `operation` of `service`: the
/// table's actions for it, less those whose scope names nothing in this manifest. What the
/// IAM-evaluated tests expect each logged call to have needed.
pub fn actions_for(
    loaded: &Loaded,
    side: Side,
    service: &str,
    operation: &str,
) -> BTreeSet<&'static str> {
    let policy = Policy::new(loaded, side);
    PERMISSIONS
        .iter()
        .filter(|p| p.side == side && p.service == service && p.operation == operation)
        .filter(|p| policy.needs(p.need))
        .flat_map(|p| p.grants)
        .filter(|grant| {
            let service = match grant.scope {
                Scope::Any => service_of(grant.action),
                _ => "",
            };
            !policy
                .resolve(grant.scope, service, &BTreeSet::from([grant.action]))
                .is_empty()
        })
        .map(|grant| grant.action)
        .collect()
}

/// The permissions policy of the identity that runs gold in the producer account.
pub fn producer(loaded: &Loaded) -> Value {
    Policy::new(loaded, Side::Producer).document()
}

/// The permissions policy that reads the organization's OUs and accounts.
pub fn organization(loaded: &Loaded) -> Value {
    Policy::new(loaded, Side::OrganizationReader).document()
}

/// The principal a trust policy names for the identity `arn` that runs gold: a role session
/// is trusted through its role (`arn:aws:sts::A:assumed-role/R/S` → `arn:aws:iam::A:role/R`).
pub fn principal_of(arn: &str) -> String {
    let Some((head, rest)) = arn.split_once(":assumed-role/") else {
        return arn.to_owned();
    };
    let role = rest.split('/').next().unwrap_or(rest);
    format!("{}:role/{role}", head.replacen(":sts:", ":iam:", 1))
}

/// The trust policy of the consumer rollout role: only `principal` may assume it, and only
/// from inside the organization the manifest shares with (`aws:PrincipalOrgID`) when it names one.
pub fn trust(manifest: &Manifest, principal: &str) -> Value {
    trusting(manifest, principal, "GoldRunsRollouts")
}

/// The trust policy of the role `[organization]` names, in the management (or delegated
/// administrator) account: the same principal, under the same organization condition.
pub fn organization_trust(manifest: &Manifest, principal: &str) -> Value {
    trusting(manifest, principal, "GoldReadsTheOrganization")
}

/// The trust policy of one rollout role serving several manifests: [`trust`], from inside any
/// organization they share with.
pub fn trust_of(manifests: &[&Manifest], principal: &str) -> Value {
    let organizations: BTreeSet<&str> = manifests
        .iter()
        .filter_map(|m| organization_id(m))
        .collect();
    trusted(principal, "GoldRunsRollouts", &organizations)
}

fn trusting(manifest: &Manifest, principal: &str, sid: &str) -> Value {
    trusted(
        principal,
        sid,
        &organization_id(manifest).into_iter().collect(),
    )
}

fn trusted(principal: &str, sid: &str, organizations: &BTreeSet<&str>) -> Value {
    let mut statement = json!({
        "Sid": sid,
        "Effect": "Allow",
        "Principal": { "AWS": principal },
        "Action": "sts:AssumeRole",
    });
    let org = match organizations.len() {
        0 => None,
        1 => organizations.iter().next().map(|o| json!(o)),
        _ => Some(json!(organizations)),
    };
    if let Some(org) = org {
        statement["Condition"] = json!({ "StringEquals": { "aws:PrincipalOrgID": org } });
    }
    json!({ "Version": VERSION, "Statement": [statement] })
}

/// The `o-…` id of the one organization the manifest shares its AMIs with.
fn organization_id(manifest: &Manifest) -> Option<&str> {
    match manifest.distribution.share_with_organizations.as_slice() {
        [arn] => arn.rsplit('/').next().filter(|id| id.starts_with("o-")),
        _ => None,
    }
}

/// The role `gold up` creates for the build instances, as IAM will hold it; `None` when the
/// manifest names an existing instance profile.
pub fn instance_role(loaded: &Loaded) -> Option<Value> {
    let desired = Desired::from_manifest(loaded);
    let role = desired.role?;
    let trust: Value =
        serde_json::from_str(&crate::aws::iam::ec2_trust_policy()).unwrap_or(Value::Null);
    Some(json!({
        "RoleName": role.name,
        "InstanceProfileName": desired.instance_profile,
        "AssumeRolePolicyDocument": trust,
        "ManagedPolicyArns": role.policy_arns,
        "Tags": role.tags,
    }))
}

/// One side's policy for one manifest.
struct Policy<'a> {
    manifest: &'a Manifest,
    desired: Desired,
    side: Side,
    partition: &'static str,
    regions: Vec<String>,
}

/// One statement before it is written out.
struct Statement {
    sid: String,
    actions: BTreeSet<&'static str>,
    resources: Vec<String>,
    condition: Option<Value>,
}

impl<'a> Policy<'a> {
    fn new(loaded: &'a Loaded, side: Side) -> Self {
        let manifest = &loaded.manifest;
        let desired = Desired::from_manifest(loaded);
        let regions: BTreeSet<String> = match side {
            Side::Consumer => manifest
                .consumers
                .iter()
                .flat_map(|c| manifest.consumer_regions(c).iter().cloned())
                .collect(),
            Side::Producer => std::iter::once(manifest.producer.region.clone())
                .chain(
                    desired
                        .distribution
                        .regions
                        .iter()
                        .map(|r| r.region.clone()),
                )
                .collect(),
            Side::OrganizationReader => BTreeSet::new(),
        };
        Self {
            manifest,
            partition: partition(&manifest.producer.region),
            desired,
            side,
            regions: regions.into_iter().collect(),
        }
    }

    fn needs(&self, need: Need) -> bool {
        let templates = || {
            self.manifest
                .consumers
                .iter()
                .flat_map(|c| c.launch_templates.iter())
        };
        match need {
            // `gold retire` and `gold prune` work on any manifest's builds.
            Need::Always | Need::Retire => true,
            Need::BuildRole => self.desired.role.is_some(),
            Need::BuildSecurityGroup => self.desired.security_group.is_some(),
            Need::BuildSubnet => self
                .desired
                .security_group
                .as_ref()
                .is_some_and(|g| g.subnet_id.is_some()),
            Need::BuildDefaultVpc => self
                .desired
                .security_group
                .as_ref()
                .is_some_and(|g| g.subnet_id.is_none()),
            Need::CreatedTemplates => templates().any(|t| t.create.is_some()),
            Need::ConsumerSecurityGroup => templates().any(|t| {
                t.create
                    .as_ref()
                    .is_some_and(|c| c.security_group == Some(SecurityGroup::EgressOnly))
            }),
            Need::AutoScaling => templates().any(|t| !t.auto_scaling_groups.is_empty()),
            Need::TaggedTemplates => templates().any(|t| t.tag.is_some()),
            Need::ConsumerRoles => !self.rollout_roles().is_empty(),
            Need::OrganizationRole => self.reader_role().is_some(),
            Need::SsmParameters => self
                .manifest
                .consumers
                .iter()
                .any(|c| !c.parameters.is_empty()),
            Need::RamSharing => self.manifest.sharing.is_some(),
            Need::Channels => !self.manifest.channels.is_empty(),
            Need::Scanning => self.manifest.scanning.as_ref().is_some_and(|s| s.enabled),
            Need::WholeOrganization => self.manifest.consumers.iter().any(|c| c.organization),
            Need::SharedParent => crate::plan::producer::shared_parent(self.manifest).is_some(),
            Need::SharedResources => !crate::plan::producer::foreign(self.manifest).is_empty(),
            Need::EncryptionKey => self.manifest.distribution.kms_key_id.is_some(),
            Need::EncryptedAutoScaling => {
                self.manifest.distribution.kms_key_id.is_some() && self.needs(Need::AutoScaling)
            }
        }
    }

    /// Every statement, grouped by scope (and by service for `"*"`), in a stable order.
    fn statements(&self) -> Vec<Statement> {
        let mut grouped: BTreeMap<(Scope, &'static str), BTreeSet<&'static str>> = BTreeMap::new();
        for permission in PERMISSIONS
            .iter()
            .filter(|p| p.side == self.side && self.needs(p.need))
        {
            for grant in permission.grants {
                let service = match grant.scope {
                    Scope::Any => service_of(grant.action),
                    _ => "",
                };
                grouped
                    .entry((grant.scope, service))
                    .or_default()
                    .insert(grant.action);
            }
        }
        grouped
            .into_iter()
            .flat_map(|((scope, service), actions)| self.resolve(scope, service, &actions))
            .collect()
    }

    fn document(&self) -> Value {
        document(self.statements())
    }

    /// The statements `scope` stands for in this manifest (none when it names nothing).
    fn resolve(
        &self,
        scope: Scope,
        service: &str,
        actions: &BTreeSet<&'static str>,
    ) -> Vec<Statement> {
        let name = self.manifest.name.as_str();
        let tagged = |key: &str| json!({ "StringEquals": { format!("aws:{key}/{}", names::MANIFEST_TAG): name } });
        let tag_on_create = |create: &str| {
            json!({ "StringEquals": {
                "ec2:CreateAction": create,
                format!("aws:RequestTag/{}", names::MANIFEST_TAG): name,
            } })
        };
        let ec2 = |kind: &str, account: &str| self.regional("ec2", &format!("{account}:{kind}"));
        let (sid, resources, condition): (String, Vec<String>, Option<Value>) = match scope {
            Scope::Any => {
                let condition = REGIONAL
                    .contains(&service)
                    .then(|| json!({ "StringEquals": { "aws:RequestedRegion": self.regions } }));
                (
                    format!("Read{}", pascal(service)),
                    vec!["*".to_owned()],
                    condition,
                )
            }
            Scope::RolloutTemplate => return self.rollout_templates(actions),
            Scope::CreatedTemplate => (
                "DeleteLaunchTemplatesGoldCreated".to_owned(),
                ec2("launch-template/*", "*"),
                Some(json!({ "StringEquals": {
                    format!("aws:ResourceTag/{}", names::MANIFEST_TAG): name,
                    format!("aws:ResourceTag/{}", names::MANAGED_TAG): "true",
                } })),
            ),
            Scope::NewTemplate => (
                "CreateLaunchTemplatesTagged".to_owned(),
                ec2("launch-template/*", "*"),
                Some(tagged("RequestTag")),
            ),
            Scope::TagNewTemplate => (
                "TagLaunchTemplatesOnCreate".to_owned(),
                ec2("launch-template/*", "*"),
                Some(tag_on_create("CreateLaunchTemplate")),
            ),
            Scope::GoldSecurityGroup => (
                "ChangeSecurityGroupsGoldCreated".to_owned(),
                ec2("security-group/*", "*"),
                Some(tagged("ResourceTag")),
            ),
            Scope::NewSecurityGroup => (
                "CreateSecurityGroupsTagged".to_owned(),
                ec2("security-group/*", "*"),
                Some(tagged("RequestTag")),
            ),
            Scope::TagNewSecurityGroup => (
                "TagSecurityGroupsOnCreate".to_owned(),
                ec2("security-group/*", "*"),
                Some(tag_on_create("CreateSecurityGroup")),
            ),
            Scope::Vpc => (
                "CreateSecurityGroupsInVpcs".to_owned(),
                ec2("vpc/*", "*"),
                None,
            ),
            Scope::AutoScalingGroup => {
                let templates = || {
                    self.manifest
                        .consumers
                        .iter()
                        .flat_map(|c| c.launch_templates.iter())
                };
                // `auto_scaling_groups = "all"` names no group before the run finds them.
                let groups: BTreeSet<&str> = if templates().any(|t| t.auto_scaling_groups.is_all())
                {
                    BTreeSet::from(["*"])
                } else {
                    templates()
                        .flat_map(|t| t.auto_scaling_groups.names().iter().map(String::as_str))
                        .collect()
                };
                let resources = groups
                    .iter()
                    .flat_map(|group| {
                        self.regional(
                            "autoscaling",
                            &format!("*:autoScalingGroup:*:autoScalingGroupName/{group}"),
                        )
                    })
                    .collect();
                ("RefreshListedAutoScalingGroups".to_owned(), resources, None)
            }
            Scope::BuiltAmi => (
                "RetireAmisGoldBuilt".to_owned(),
                ec2("image/*", ""),
                Some(tagged("ResourceTag")),
            ),
            Scope::UsageReport => (
                "MakeAmiUsageReports".to_owned(),
                ec2("image-usage-report/*", "*"),
                None,
            ),
            Scope::Snapshot => (
                "DeleteSnapshotsOfAmis".to_owned(),
                ec2("snapshot/*", ""),
                Some(tagged("ResourceTag")),
            ),
            Scope::TagSnapshot => (
                "TagSnapshotsOfAmis".to_owned(),
                ec2("snapshot/*", ""),
                Some(json!({
                    "StringEquals": { format!("aws:RequestTag/{}", names::MANIFEST_TAG): name },
                    "ForAllValues:StringEquals": { "aws:TagKeys": [names::MANIFEST_TAG] },
                })),
            ),
            Scope::BuildRole => ("BuildRole".to_owned(), vec![self.build_role()], None),
            Scope::BuildRolePolicy => (
                "BuildRoleManagedPolicies".to_owned(),
                vec![self.build_role()],
                Some(
                    json!({ "ArnEquals": { "iam:PolicyARN": self.desired.role.as_ref().map(|r| r.policy_arns.clone()).unwrap_or_default() } }),
                ),
            ),
            Scope::PassBuildRole => {
                // With an existing instance profile gold cannot know its role's name.
                let role = if self.desired.role.is_some() {
                    self.build_role()
                } else {
                    self.iam("role/*")
                };
                (
                    "PassBuildRoleToEc2".to_owned(),
                    vec![role],
                    Some(json!({ "StringEquals": { "iam:PassedToService": "ec2.amazonaws.com" } })),
                )
            }
            Scope::BuildInstanceProfile => (
                "BuildInstanceProfile".to_owned(),
                vec![self.iam(&format!(
                    "instance-profile/{}",
                    names::instance_profile(name)
                ))],
                None,
            ),
            Scope::ImageBuilderServiceRole => (
                "ImageBuilderServiceLinkedRole".to_owned(),
                vec![self.iam(&format!(
                    "role/aws-service-role/{IMAGE_BUILDER_SERVICE}/AWSServiceRoleForImageBuilder"
                ))],
                Some(json!({ "StringEquals": { "iam:AWSServiceName": IMAGE_BUILDER_SERVICE } })),
            ),
            Scope::Component => (
                "Components".to_owned(),
                self.manifest
                    .components
                    .keys()
                    .map(|key| {
                        self.image_builder(&format!(
                            "component/{}/*",
                            names::image_builder_arn_name(&names::component(name, key))
                        ))
                    })
                    .collect(),
                None,
            ),
            Scope::Recipe => (
                "Recipe".to_owned(),
                vec![self.pipeline_resource("image-recipe", "/*")],
                None,
            ),
            Scope::Infrastructure => (
                "InfrastructureConfiguration".to_owned(),
                vec![self.pipeline_resource("infrastructure-configuration", "")],
                None,
            ),
            Scope::Distribution => (
                "DistributionConfiguration".to_owned(),
                vec![self.pipeline_resource("distribution-configuration", "")],
                None,
            ),
            Scope::Pipeline => (
                "Pipeline".to_owned(),
                vec![self.pipeline_resource("image-pipeline", "")],
                None,
            ),
            Scope::BuiltImage => (
                "Builds".to_owned(),
                vec![self.pipeline_resource("image", "/*")],
                None,
            ),
            Scope::ParentImage => {
                let parent = parent_image_arn(
                    &self.manifest.recipe.parent_image,
                    &self.manifest.producer.region,
                );
                if !parent.starts_with("arn:") {
                    return Vec::new();
                }
                ("ParentImage".to_owned(), vec![every_version(&parent)], None)
            }
            Scope::RecipeComponent => (
                "RecipeComponents".to_owned(),
                self.recipe_components(),
                None,
            ),
            Scope::BuildTopic => (
                "BuildNotifications".to_owned(),
                self.manifest
                    .infrastructure
                    .sns_topic_arn
                    .iter()
                    .cloned()
                    .collect(),
                None,
            ),
            Scope::DistributionParameter => (
                "DistributionParameter".to_owned(),
                self.distribution_parameters(),
                None,
            ),
            Scope::ManifestRole => {
                let mut roles = self.rollout_roles();
                roles.extend(self.reader_role());
                roles.sort();
                roles.dedup();
                // Only roles of accounts inside the organization the AMIs are shared with.
                let condition = organization_id(self.manifest)
                    .filter(|_| self.manifest.distribution.share_with_accounts.is_empty())
                    .map(|org| json!({ "StringEquals": { "aws:ResourceOrgID": org } }));
                ("AssumeRoles".to_owned(), roles, condition)
            }
            Scope::NewResourceShare => return self.new_resource_share(actions),
            Scope::LaunchedImage => (
                "LaunchProducerImages".to_owned(),
                self.regional("ec2", ":image/*"),
                Some(json!({ "StringEquals": { "ec2:Owner": self.manifest.producer.account } })),
            ),
            Scope::LaunchResources => (
                "LaunchFromTemplates".to_owned(),
                LAUNCHED
                    .iter()
                    .chain(&["security-group", "subnet"])
                    .flat_map(|kind| self.regional("ec2", &format!("*:{kind}/*")))
                    .collect(),
                None,
            ),
            Scope::PassLaunchRole => (
                "PassTemplateRolesToEc2".to_owned(),
                vec![format!("arn:{}:iam::*:role/*", self.partition)],
                Some(json!({ "StringEquals": { "iam:PassedToService": "ec2.amazonaws.com" } })),
            ),
            Scope::TagLaunched => (
                "TagWhatTemplatesLaunch".to_owned(),
                LAUNCHED
                    .iter()
                    .flat_map(|kind| self.regional("ec2", &format!("*:{kind}/*")))
                    .collect(),
                Some(json!({ "StringEquals": { "ec2:CreateAction": "RunInstances" } })),
            ),
            Scope::Parameter => {
                // A parameter's ARN is `…:parameter/NAME`, the name without its leading `/`.
                let names: BTreeSet<&str> = self
                    .manifest
                    .consumers
                    .iter()
                    .flat_map(|c| c.parameters.iter())
                    .map(|p| p.name.trim_start_matches('/'))
                    .collect();
                let resources = names
                    .iter()
                    .flat_map(|name| self.regional("ssm", &format!("*:parameter/{name}")))
                    .collect();
                ("Parameters".to_owned(), resources, None)
            }
            Scope::ChannelLog => {
                let path = names::channel_log(&self.manifest.name);
                let path = path.trim_start_matches('/');
                let at = |rest: &str| {
                    format!(
                        "arn:{}:ssm:{}:{}:parameter/{path}{rest}",
                        self.partition,
                        self.manifest.producer.region,
                        self.manifest.producer.account
                    )
                };
                ("ReleaseChannels".to_owned(), vec![at(""), at("/*")], None)
            }
            Scope::EncryptionKey => ("EncryptionKey".to_owned(), self.encryption_key(), None),
            Scope::GrantKeyToAutoScaling => (
                "GrantKeyToAutoScalingRole".to_owned(),
                self.encryption_key(),
                Some(kms::grant_to_auto_scaling(self.partition)),
            ),
            Scope::ResourceShare => (
                "ResourceShares".to_owned(),
                self.regional("ram", "*:resource-share/*"),
                Some(tagged("ResourceTag")),
            ),
        };
        if resources.is_empty() {
            return Vec::new();
        }
        vec![Statement {
            sid,
            actions: actions.clone(),
            resources,
            condition,
        }]
    }

    /// `ram:CreateResourceShare`, which has no resource type: on `"*"`, only with the manifest's
    /// tag, for its own image and components, and for the principals it names.
    fn new_resource_share(&self, actions: &BTreeSet<&'static str>) -> Vec<Statement> {
        let Some(share) = DesiredShare::from_manifest(self.manifest) else {
            return Vec::new();
        };
        let mut types = Vec::new();
        let mut arns = Vec::new();
        if share.image.is_some() {
            types.push("imagebuilder:Image");
            arns.push(self.pipeline_resource("image", "/*"));
        }
        if !share.components.is_empty() {
            types.push("imagebuilder:Component");
        }
        for component in &share.components {
            arns.push(self.image_builder(&format!(
                "component/{}/*",
                names::image_builder_arn_name(component)
            )));
        }
        vec![Statement {
            sid: "CreateResourceShareTagged".to_owned(),
            actions: actions.clone(),
            resources: vec!["*".to_owned()],
            condition: Some(json!({
                "StringEquals": {
                    format!("aws:RequestTag/{}", names::MANIFEST_TAG): self.manifest.name,
                },
                "ForAllValues:StringEquals": {
                    "ram:RequestedResourceType": types,
                    "ram:Principal": share.principals,
                },
                "ForAllValues:ArnLike": { "ram:ResourceArn": arns },
            })),
        }]
    }

    /// The components the recipe names by ARN (AWS-managed ones and other accounts' shared
    /// ones), every version.
    fn recipe_components(&self) -> Vec<String> {
        let mut arns: Vec<String> = self
            .manifest
            .recipe
            .components
            .iter()
            .filter(|reference| !self.manifest.components.contains_key(*reference))
            .map(|arn| every_version(arn))
            .collect();
        arns.sort();
        arns.dedup();
        arns
    }

    /// The parameter Image Builder writes each new AMI id to, in every distribution region.
    fn distribution_parameters(&self) -> Vec<String> {
        let Some(parameter) = &self.manifest.distribution.ssm_parameter else {
            return Vec::new();
        };
        self.desired
            .distribution
            .regions
            .iter()
            .map(|r| {
                format!(
                    "arn:{}:ssm:{}:{}:parameter/{}",
                    self.partition,
                    r.region,
                    self.manifest.producer.account,
                    parameter.name.trim_start_matches('/')
                )
            })
            .collect()
    }

    /// The key `distribution.kms_key_id` names: its ARN, or for an alias ARN every key of that
    /// account and region (IAM authorizes an alias as the key it points to).
    fn encryption_key(&self) -> Vec<String> {
        let Some(key) = &self.manifest.distribution.kms_key_id else {
            return Vec::new();
        };
        match key.split_once(":alias/") {
            Some((head, _)) => vec![format!("{head}:key/*")],
            None => vec![key.clone()],
        }
    }

    /// The role `[organization]` names, which the identity running gold assumes to read it.
    fn reader_role(&self) -> Option<String> {
        self.manifest
            .organization
            .as_ref()
            .and_then(|o| o.role_arn.clone())
    }

    /// Launch templates a rollout may move: those tagged for the manifest (gold's own and those
    /// a team hands over), and those the manifest names by id.
    fn rollout_templates(&self, actions: &BTreeSet<&'static str>) -> Vec<Statement> {
        let templates: Vec<_> = self
            .manifest
            .consumers
            .iter()
            .flat_map(|c| c.launch_templates.iter())
            .collect();
        let mut statements = Vec::new();
        if templates.iter().any(|t| t.name.is_some()) {
            statements.push(Statement {
                sid: "MoveLaunchTemplatesTaggedForManifest".to_owned(),
                actions: actions.clone(),
                resources: self.regional("ec2", "*:launch-template/*"),
                condition: Some(json!({ "StringEquals": {
                    format!("aws:ResourceTag/{}", names::MANIFEST_TAG): self.manifest.name,
                } })),
            });
        }
        // Templates selected by tag are the ones their owners tagged: that tag is the scope.
        let mut by_tag: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for tag in templates.iter().filter_map(|t| t.tag.as_ref()) {
            by_tag
                .entry(tag.key.as_str())
                .or_default()
                .insert(tag.value.as_str());
        }
        for (n, (key, values)) in by_tag.iter().enumerate() {
            let suffix = if n == 0 {
                String::new()
            } else {
                (n + 1).to_string()
            };
            statements.push(Statement {
                sid: format!("MoveLaunchTemplatesSelectedByTag{suffix}"),
                actions: actions.clone(),
                resources: self.regional("ec2", "*:launch-template/*"),
                condition: Some(json!({ "StringEquals": {
                    format!("aws:ResourceTag/{key}"): values.iter().collect::<Vec<_>>(),
                } })),
            });
        }
        let ids: BTreeSet<&str> = templates.iter().filter_map(|t| t.id.as_deref()).collect();
        if !ids.is_empty() {
            statements.push(Statement {
                sid: "MoveLaunchTemplatesNamedById".to_owned(),
                actions: actions.clone(),
                resources: ids
                    .iter()
                    .flat_map(|id| self.regional("ec2", &format!("*:launch-template/{id}")))
                    .collect(),
                condition: None,
            });
        }
        statements
    }

    /// `arn:P:SERVICE:REGION:REST` for each of the side's regions.
    fn regional(&self, service: &str, rest: &str) -> Vec<String> {
        self.regions
            .iter()
            .map(|region| format!("arn:{}:{service}:{region}:{rest}", self.partition))
            .collect()
    }

    fn iam(&self, resource: &str) -> String {
        format!(
            "arn:{}:iam::{}:{resource}",
            self.partition, self.manifest.producer.account
        )
    }

    fn build_role(&self) -> String {
        self.iam(&format!("role/{}", names::role(&self.manifest.name)))
    }

    fn image_builder(&self, resource: &str) -> String {
        format!(
            "arn:{}:imagebuilder:{}:{}:{resource}",
            self.partition, self.manifest.producer.region, self.manifest.producer.account
        )
    }

    /// The recipe, configurations, pipeline and images, all named like the pipeline.
    fn pipeline_resource(&self, kind: &str, suffix: &str) -> String {
        let name = names::image_builder_arn_name(&names::pipeline(&self.manifest.name));
        self.image_builder(&format!("{kind}/{name}{suffix}"))
    }

    /// The roles the identity running gold assumes: each consumer's, and the producer's.
    fn rollout_roles(&self) -> Vec<String> {
        let roles: BTreeSet<String> = self
            .manifest
            .consumers
            .iter()
            .filter_map(|c| {
                c.role_arn.clone().or_else(|| {
                    // A role by name is assumed in every account the consumer finds.
                    let name = c.role_name.as_deref()?;
                    Some(format!("arn:{}:iam::*:role/{name}", self.partition))
                })
            })
            .chain(self.manifest.producer.role_arn.clone())
            .collect();
        roles.into_iter().collect()
    }
}

/// A policy document of `statements`.
fn document(statements: Vec<Statement>) -> Value {
    let statements: Vec<Value> = statements
        .into_iter()
        .map(|s| {
            let mut object = Map::new();
            object.insert("Sid".to_owned(), s.sid.into());
            object.insert("Effect".to_owned(), "Allow".into());
            object.insert("Action".to_owned(), s.actions.into_iter().collect());
            object.insert("Resource".to_owned(), one_or_many(s.resources));
            if let Some(condition) = s.condition {
                object.insert("Condition".to_owned(), condition);
            }
            Value::Object(object)
        })
        .collect();
    json!({ "Version": VERSION, "Statement": statements })
}

/// Adds `next` to `merged`: into the statement of its id when they differ only in resources
/// (resources joined) or only in one condition value (values joined, which IAM reads as "any
/// of"); otherwise as a statement of its own, its id numbered.
fn absorb(merged: &mut Vec<Statement>, mut next: Statement) {
    let same_id = |s: &&mut Statement| s.sid == next.sid && s.actions == next.actions;
    for existing in merged.iter_mut().filter(|s| same_id(s)) {
        if existing.condition == next.condition {
            for resource in next.resources {
                if !existing.resources.contains(&resource) {
                    existing.resources.push(resource);
                }
            }
            return;
        }
        if existing.resources == next.resources
            && let Some(joined) =
                join_conditions(existing.condition.as_ref(), next.condition.as_ref())
        {
            existing.condition = Some(joined);
            return;
        }
    }
    let taken = merged
        .iter()
        .filter(|s| s.sid.starts_with(&next.sid))
        .count();
    if taken > 0 {
        next.sid = format!("{}{}", next.sid, taken + 1);
    }
    merged.push(next);
}

/// Two conditions with the same operators and keys whose values differ for exactly one key:
/// that key with both values. `None` otherwise (joining two keys would allow their mixes).
fn join_conditions(a: Option<&Value>, b: Option<&Value>) -> Option<Value> {
    let (a, b) = (a?.as_object()?, b?.as_object()?);
    if a.keys().ne(b.keys()) {
        return None;
    }
    let mut joined = a.clone();
    let mut differing = 0;
    for (operator, keys) in a {
        let (keys, other) = (keys.as_object()?, b.get(operator)?.as_object()?);
        if keys.keys().ne(other.keys()) {
            return None;
        }
        for (key, value) in keys {
            let theirs = other.get(key)?;
            if value == theirs {
                continue;
            }
            differing += 1;
            let mut values: Vec<Value> = [value, theirs]
                .into_iter()
                .flat_map(|v| v.as_array().cloned().unwrap_or_else(|| vec![v.clone()]))
                .collect();
            values.sort_by_key(Value::to_string);
            values.dedup();
            joined[operator][key] = Value::Array(values);
        }
    }
    (differing == 1).then_some(Value::Object(joined))
}

/// An Image Builder ARN (`…:image/NAME/x.x.x`, `…:component/NAME/1.0.0/1`) for every version
/// of its resource (`…:image/NAME/*`): a recipe names a version filter, and gold reads the
/// builds it resolves to.
fn every_version(arn: &str) -> String {
    let Some((head, resource)) = arn.rsplit_once(':') else {
        return arn.to_owned();
    };
    let mut parts = resource.splitn(3, '/');
    match (parts.next(), parts.next()) {
        (Some(kind), Some(name)) => format!("{head}:{kind}/{name}/*"),
        _ => arn.to_owned(),
    }
}

/// The service prefix of `prefix:Action`.
fn service_of(action: &'static str) -> &'static str {
    action.split_once(':').map_or(action, |(prefix, _)| prefix)
}

/// `ec2` → `Ec2`, `imagebuilder` → `ImageBuilder` (a statement id is alphanumeric).
fn pascal(service: &str) -> &'static str {
    match service {
        "ec2" => "Ec2",
        "autoscaling" => "AutoScaling",
        "imagebuilder" => "ImageBuilder",
        "iam" => "Iam",
        "sts" => "Sts",
        "organizations" => "Organizations",
        "ssm" => "Ssm",
        "ram" => "Ram",
        "kms" => "Kms",
        _ => "Other",
    }
}

/// IAM writes one resource as a string, several as a list.
fn one_or_many(mut resources: Vec<String>) -> Value {
    if resources.len() == 1 {
        Value::String(resources.remove(0))
    } else {
        resources.into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn seed() -> Loaded {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/seed/gold.toml");
        crate::manifest::load(&path).expect("the seed manifest loads")
    }

    #[test]
    fn templates_selected_by_tag_are_moved_only_with_that_tag_and_roles_by_name_are_assumed() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/org/gold.toml");
        let org = crate::manifest::load(&path).expect("the org example loads");
        let policy = consumer(&org);
        let moving = statement(&policy, "MoveLaunchTemplatesSelectedByTag");
        // Refreshing a group launches from the template: Auto Scaling checks `ec2:RunInstances`.
        assert_eq!(
            moving["Action"],
            json!([
                "ec2:CreateLaunchTemplateVersion",
                "ec2:DeleteLaunchTemplateVersions",
                "ec2:ModifyLaunchTemplate",
                "ec2:RunInstances"
            ])
        );
        assert_eq!(
            moving["Condition"],
            json!({ "StringEquals": { "aws:ResourceTag/gold:follow": ["sample"] } })
        );
        let producer = producer(&org);
        let assume = statement(&producer, "AssumeRoles");
        // The organization reader's role, and every account's rollout role inside the organization.
        assert_eq!(
            assume["Resource"],
            json!([
                "arn:aws:iam::*:role/GoldRollout",
                "arn:aws:iam::000000000000:role/GoldOrgReader"
            ])
        );
        assert_eq!(
            assume["Condition"],
            json!({ "StringEquals": { "aws:ResourceOrgID": "o-xxxxxxxxxx" } })
        );
    }

    #[test]
    fn a_refresh_may_launch_only_the_producers_images_from_the_manifests_templates() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/fleet/gold.toml");
        let fleet = crate::manifest::load(&path).expect("the fleet example loads");
        let policy = consumer(&fleet);
        let images = statement(&policy, "LaunchProducerImages");
        assert_eq!(images["Action"], json!(["ec2:RunInstances"]));
        assert_eq!(
            images["Condition"],
            json!({ "StringEquals": { "ec2:Owner": "111122223333" } })
        );
        assert_eq!(
            statement(&policy, "PassTemplateRolesToEc2")["Condition"],
            json!({ "StringEquals": { "iam:PassedToService": "ec2.amazonaws.com" } })
        );
        assert_eq!(
            statement(&policy, "TagWhatTemplatesLaunch")["Condition"],
            json!({ "StringEquals": { "ec2:CreateAction": "RunInstances" } })
        );
        let by_id = statement(&policy, "MoveLaunchTemplatesNamedById");
        assert!(
            by_id["Action"]
                .as_array()
                .is_some_and(|a| a.contains(&json!("ec2:RunInstances"))),
            "{by_id}"
        );
    }

    fn example(name: &str) -> Loaded {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("examples")
            .join(name)
            .join("gold.toml");
        crate::manifest::load(&path).expect("the example loads")
    }

    #[test]
    fn one_rollout_role_serves_several_manifests_with_their_statements_joined() {
        let policy = consumer_of(&[seed(), example("fleet")]);
        let statements = policy["Statement"].as_array().expect("statements");
        let mut ids: Vec<&str> = statements
            .iter()
            .filter_map(|s| s["Sid"].as_str())
            .collect();
        let count = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), count, "statement ids are unique: {policy}");
        // Different actions (fleet's refreshes launch from its templates): two statements.
        assert_eq!(
            statement(&policy, "MoveLaunchTemplatesTaggedForManifest")["Condition"],
            json!({ "StringEquals": { "aws:ResourceTag/gold:manifest": "sample" } })
        );
        assert_eq!(
            statement(&policy, "MoveLaunchTemplatesTaggedForManifest2")["Condition"],
            json!({ "StringEquals": { "aws:ResourceTag/gold:manifest": "fleet" } })
        );
        // The same statement but for the manifest's tag: one, with both tags.
        let mut other = seed();
        other.manifest.name = "other".to_owned();
        let joined = consumer_of(&[seed(), other]);
        assert_eq!(
            statement(&joined, "MoveLaunchTemplatesTaggedForManifest")["Condition"],
            json!({ "StringEquals": { "aws:ResourceTag/gold:manifest": ["other", "sample"] } })
        );
        assert_eq!(
            joined["Statement"].as_array().map(Vec::len),
            consumer(&seed())["Statement"].as_array().map(Vec::len)
        );
        // Reads in either manifest's regions.
        assert_eq!(
            statement(&policy, "ReadEc2")["Condition"],
            json!({ "StringEquals": { "aws:RequestedRegion": ["ap-northeast-1", "us-east-1"] } })
        );
        let fleet = example("fleet");
        let one = consumer_of(std::slice::from_ref(&fleet));
        assert_eq!(one, consumer(&fleet), "one manifest: its own policy");
    }

    #[test]
    fn the_stackset_role_keeps_its_name_whatever_manifests_it_serves() {
        let (seed, org) = (seed(), example("org"));
        let both = [&seed.manifest, &org.manifest];
        let policy = consumer_of(&[seed.clone(), org.clone()]);
        let trust = trust_of(&both, "arn:aws:iam::111122223333:role/GoldOperator");
        let template = cloudformation::template(&both, &policy, &trust).expect("one role name");
        let role = &template["Resources"]["GoldRolloutRole"]["Properties"];
        assert_eq!(role["RoleName"], "GoldRollout");
        assert_eq!(role["Policies"][0]["PolicyName"], "gold-rollout");
        let alone = cloudformation::template(&[&seed.manifest], &consumer(&seed), &trust)
            .expect("one role name");
        assert_eq!(
            alone["Resources"]["GoldRolloutRole"]["Properties"]["Policies"][0]["PolicyName"],
            "gold-rollout"
        );
    }

    #[test]
    fn a_share_is_created_on_any_resource_only_with_the_manifests_tag_resources_and_principals() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/layered/base/gold.toml");
        let base = crate::manifest::load(&path).expect("the base example loads");
        let policy = producer(&base);
        let create = statement(&policy, "CreateResourceShareTagged");
        assert_eq!(create["Action"], json!(["ram:CreateResourceShare"]));
        assert_eq!(create["Resource"], "*");
        assert_eq!(
            create["Condition"],
            json!({
                "StringEquals": { "aws:RequestTag/gold:manifest": "base" },
                "ForAllValues:StringEquals": {
                    "ram:RequestedResourceType": ["imagebuilder:Image", "imagebuilder:Component"],
                    "ram:Principal": ["arn:aws:organizations::000000000000:organization/o-xxxxxxxxxx"],
                },
                "ForAllValues:ArnLike": { "ram:ResourceArn": [
                    "arn:aws:imagebuilder:ap-northeast-1:111122223333:image/base/*",
                    "arn:aws:imagebuilder:ap-northeast-1:111122223333:component/base-hardening/*",
                ] },
            })
        );
    }

    fn statement<'v>(policy: &'v Value, sid: &str) -> &'v Value {
        policy["Statement"]
            .as_array()
            .and_then(|s| s.iter().find(|s| s["Sid"] == sid))
            .unwrap_or_else(|| panic!("no statement {sid} in {policy}"))
    }

    #[test]
    fn a_role_session_is_trusted_through_its_role() {
        assert_eq!(
            principal_of("arn:aws:sts::111122223333:assumed-role/GoldOperator/ci-42"),
            "arn:aws:iam::111122223333:role/GoldOperator"
        );
        assert_eq!(
            principal_of("arn:aws:iam::111122223333:user/alice"),
            "arn:aws:iam::111122223333:user/alice"
        );
    }

    #[test]
    fn the_consumer_policy_moves_only_tagged_templates_and_creates_only_with_gold_tags() {
        let policy = consumer(&seed());
        let moving = statement(&policy, "MoveLaunchTemplatesTaggedForManifest");
        assert_eq!(
            moving["Action"],
            json!([
                "ec2:CreateLaunchTemplateVersion",
                "ec2:DeleteLaunchTemplateVersions",
                "ec2:ModifyLaunchTemplate"
            ])
        );
        assert_eq!(
            moving["Resource"],
            "arn:aws:ec2:ap-northeast-1:*:launch-template/*"
        );
        assert_eq!(
            moving["Condition"],
            json!({ "StringEquals": { "aws:ResourceTag/gold:manifest": "sample" } })
        );
        let tagging = statement(&policy, "TagLaunchTemplatesOnCreate");
        assert_eq!(
            tagging["Condition"]["StringEquals"]["ec2:CreateAction"],
            "CreateLaunchTemplate"
        );
        let reads = statement(&policy, "ReadEc2");
        assert_eq!(reads["Resource"], "*");
        assert_eq!(
            reads["Condition"],
            json!({ "StringEquals": { "aws:RequestedRegion": ["ap-northeast-1"] } })
        );
        let text = policy.to_string();
        // Groups are read (who still uses an AMI, for retire and prune), never refreshed.
        assert!(
            !text.contains("autoscaling:StartInstanceRefresh"),
            "no group is listed: {text}"
        );
        assert!(!text.contains("iam:"), "{text}");
    }

    #[test]
    fn the_producer_passes_only_the_build_role_to_ec2_and_assumes_only_the_manifests_roles() {
        let policy = producer(&seed());
        let pass = statement(&policy, "PassBuildRoleToEc2");
        assert_eq!(pass["Action"], json!(["iam:PassRole"]));
        assert_eq!(
            pass["Resource"],
            "arn:aws:iam::111122223333:role/sample-imagebuilder"
        );
        assert_eq!(
            pass["Condition"],
            json!({ "StringEquals": { "iam:PassedToService": "ec2.amazonaws.com" } })
        );
        assert_eq!(
            statement(&policy, "AssumeRoles")["Resource"],
            "arn:aws:iam::444455556666:role/GoldRollout"
        );
        // Snapshots are deleted only once gold tagged them as its AMIs'.
        assert_eq!(
            statement(&policy, "DeleteSnapshotsOfAmis")["Condition"],
            json!({ "StringEquals": { "aws:ResourceTag/gold:manifest": "sample" } })
        );
        assert_eq!(
            statement(&policy, "TagSnapshotsOfAmis")["Condition"]["ForAllValues:StringEquals"],
            json!({ "aws:TagKeys": ["gold:manifest"] })
        );
        assert_eq!(
            statement(&policy, "BuildRoleManagedPolicies")["Condition"]["ArnEquals"]["iam:PolicyARN"]
                .as_array()
                .map(Vec::len),
            Some(3)
        );
        assert_eq!(
            statement(&policy, "Pipeline")["Resource"],
            "arn:aws:imagebuilder:ap-northeast-1:111122223333:image-pipeline/sample"
        );
    }

    #[test]
    fn both_trust_policies_name_the_principal_inside_the_manifests_organization() {
        let principal = "arn:aws:iam::111122223333:role/GoldOperator";
        let rollout = trust(&seed().manifest, principal);
        let reader = organization_trust(&example("org").manifest, principal);
        for (trust, sid) in [
            (rollout, "GoldRunsRollouts"),
            (reader, "GoldReadsTheOrganization"),
        ] {
            let statement = &trust["Statement"][0];
            assert_eq!(statement["Sid"], sid);
            assert_eq!(statement["Principal"]["AWS"], principal);
            assert_eq!(
                statement["Condition"]["StringEquals"]["aws:PrincipalOrgID"],
                "o-xxxxxxxxxx"
            );
        }
    }

    #[test]
    fn the_organization_reader_lists_only_what_discovery_reads() {
        let policy = organization(&seed());
        assert_eq!(
            statement(&policy, "ReadOrganizations")["Action"],
            json!([
                "organizations:ListAccountsForParent",
                "organizations:ListOrganizationalUnitsForParent"
            ])
        );
        assert!(
            statement(&policy, "ReadOrganizations")
                .get("Condition")
                .is_none()
        );
    }
}
