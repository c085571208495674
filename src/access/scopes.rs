//! How each scope of the permissions table becomes a statement for one manifest: the resources
//! it names (ARNs built from the manifest's names, accounts and regions) and the condition that
//! narrows it, "where AWS allows" (Service Authorization Reference; EC2 User Guide, "Grant
//! permission to tag resources during creation"):
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
//!
//! [`Policy::resolve`] routes each scope to the group of resources it belongs to (reads;
//! launch templates and security groups gold creates; what a rollout moves and launches; gold's
//! AMIs; the build's roles; the pipeline and what it shares and records), one method each.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use super::document::Statement;
use super::{Policy, organization_id};
use crate::aws::permissions::Scope;
use crate::names;
use crate::plan::producer::{DesiredShare, parent_image_arn};

/// The condition key Image Builder's service-linked role is created with.
const IMAGE_BUILDER_SERVICE: &str = "imagebuilder.amazonaws.com";

/// Services whose calls go to a region (the rest are global).
const REGIONAL: [&str; 5] = ["ec2", "autoscaling", "imagebuilder", "ssm", "ram"];

/// What a launch from a template creates, beside the security groups and subnets it joins.
const LAUNCHED: [&str; 3] = ["instance", "volume", "network-interface"];

/// What a scope names in one manifest: its statement, less the actions. No resources: it
/// names nothing, and there is no statement.
#[derive(Default)]
struct Scoped {
    sid: String,
    resources: Vec<String>,
    condition: Option<Value>,
}

fn scoped(sid: &str, resources: Vec<String>, condition: Option<Value>) -> Scoped {
    Scoped {
        sid: sid.to_owned(),
        resources,
        condition,
    }
}

impl Policy<'_> {
    /// The statements `scope` stands for in this manifest (none when it names nothing).
    pub(super) fn resolve(
        &self,
        scope: Scope,
        service: &str,
        actions: &BTreeSet<&'static str>,
    ) -> Vec<Statement> {
        let scoped = match scope {
            Scope::Any => self.reads(service),
            // Several statements, or one on `"*"` whose condition names the resources.
            Scope::RolloutTemplate => return self.rollout_templates(actions),
            Scope::NewResourceShare => return self.new_resource_share(actions),
            Scope::CreatedTemplate
            | Scope::NewTemplate
            | Scope::TagNewTemplate
            | Scope::GoldSecurityGroup
            | Scope::NewSecurityGroup
            | Scope::TagNewSecurityGroup
            | Scope::Vpc => self.created_in_ec2(scope),
            Scope::AutoScalingGroup
            | Scope::LaunchedImage
            | Scope::LaunchResources
            | Scope::PassLaunchRole
            | Scope::TagLaunched
            | Scope::Parameter
            | Scope::EncryptionKey
            | Scope::GrantKeyToAutoScaling => self.fleet(scope),
            Scope::BuiltAmi | Scope::UsageReport | Scope::Snapshot | Scope::TagSnapshot => {
                self.amis(scope)
            }
            Scope::BuildRole
            | Scope::BuildRolePolicy
            | Scope::PassBuildRole
            | Scope::BuildInstanceProfile
            | Scope::ImageBuilderServiceRole
            | Scope::ManifestRole => self.roles(scope),
            Scope::Component
            | Scope::Recipe
            | Scope::Infrastructure
            | Scope::Distribution
            | Scope::Pipeline
            | Scope::BuiltImage
            | Scope::ParentImage
            | Scope::RecipeComponent
            | Scope::BuildTopic
            | Scope::DistributionParameter
            | Scope::ResourceShare
            | Scope::ChannelLog => self.pipeline(scope),
        };
        if scoped.resources.is_empty() {
            return Vec::new();
        }
        vec![Statement {
            sid: scoped.sid,
            actions: actions.clone(),
            resources: scoped.resources,
            condition: scoped.condition,
        }]
    }

    /// Calls without resource-level permissions, one statement per service.
    fn reads(&self, service: &str) -> Scoped {
        let condition = REGIONAL
            .contains(&service)
            .then(|| json!({ "StringEquals": { "aws:RequestedRegion": self.regions } }));
        scoped(
            &format!("Read{}", pascal(service)),
            vec!["*".to_owned()],
            condition,
        )
    }

    /// Launch templates and security groups gold creates (both sides), and the VPCs the groups
    /// go in. `resolve` routes only these scopes here.
    fn created_in_ec2(&self, scope: Scope) -> Scoped {
        let templates = self.ec2("launch-template/*", "*");
        let groups = self.ec2("security-group/*", "*");
        match scope {
            Scope::CreatedTemplate => scoped(
                "DeleteLaunchTemplatesGoldCreated",
                templates,
                Some(json!({ "StringEquals": {
                    format!("aws:ResourceTag/{}", names::MANIFEST_TAG): self.manifest.name,
                    format!("aws:ResourceTag/{}", names::MANAGED_TAG): "true",
                } })),
            ),
            Scope::NewTemplate => scoped(
                "CreateLaunchTemplatesTagged",
                templates,
                Some(self.tagged("RequestTag")),
            ),
            Scope::TagNewTemplate => scoped(
                "TagLaunchTemplatesOnCreate",
                templates,
                Some(self.tag_on_create("CreateLaunchTemplate")),
            ),
            Scope::GoldSecurityGroup => scoped(
                "ChangeSecurityGroupsGoldCreated",
                groups,
                Some(self.tagged("ResourceTag")),
            ),
            Scope::NewSecurityGroup => scoped(
                "CreateSecurityGroupsTagged",
                groups,
                Some(self.tagged("RequestTag")),
            ),
            Scope::TagNewSecurityGroup => scoped(
                "TagSecurityGroupsOnCreate",
                groups,
                Some(self.tag_on_create("CreateSecurityGroup")),
            ),
            Scope::Vpc => scoped("CreateSecurityGroupsInVpcs", self.ec2("vpc/*", "*"), None),
            _ => Scoped::default(),
        }
    }

    /// What a rollout moves and a refresh launches in the consumer accounts, and the key that
    /// encrypts the AMIs. `resolve` routes only these scopes here.
    fn fleet(&self, scope: Scope) -> Scoped {
        match scope {
            Scope::AutoScalingGroup => scoped(
                "RefreshListedAutoScalingGroups",
                self.auto_scaling_groups(),
                None,
            ),
            Scope::LaunchedImage => scoped(
                "LaunchProducerImages",
                self.regional("ec2", ":image/*"),
                Some(json!({ "StringEquals": { "ec2:Owner": self.manifest.producer.account } })),
            ),
            Scope::LaunchResources => scoped(
                "LaunchFromTemplates",
                LAUNCHED
                    .iter()
                    .chain(&["security-group", "subnet"])
                    .flat_map(|kind| self.regional("ec2", &format!("*:{kind}/*")))
                    .collect(),
                None,
            ),
            Scope::PassLaunchRole => scoped(
                "PassTemplateRolesToEc2",
                vec![format!("arn:{}:iam::*:role/*", self.partition)],
                Some(passed_to_ec2()),
            ),
            Scope::TagLaunched => scoped(
                "TagWhatTemplatesLaunch",
                LAUNCHED
                    .iter()
                    .flat_map(|kind| self.regional("ec2", &format!("*:{kind}/*")))
                    .collect(),
                Some(json!({ "StringEquals": { "ec2:CreateAction": "RunInstances" } })),
            ),
            Scope::Parameter => scoped("Parameters", self.parameters(), None),
            Scope::EncryptionKey => scoped("EncryptionKey", self.encryption_key(), None),
            Scope::GrantKeyToAutoScaling => scoped(
                "GrantKeyToAutoScalingRole",
                self.encryption_key(),
                Some(super::kms::grant_to_auto_scaling(self.partition)),
            ),
            _ => Scoped::default(),
        }
    }

    /// The AMIs gold's pipeline built and their snapshots (retire, prune). `resolve` routes
    /// only these scopes here.
    fn amis(&self, scope: Scope) -> Scoped {
        match scope {
            Scope::BuiltAmi => scoped(
                "RetireAmisGoldBuilt",
                self.ec2("image/*", ""),
                Some(self.tagged("ResourceTag")),
            ),
            Scope::UsageReport => scoped(
                "MakeAmiUsageReports",
                self.ec2("image-usage-report/*", "*"),
                None,
            ),
            Scope::Snapshot => scoped(
                "DeleteSnapshotsOfAmis",
                self.ec2("snapshot/*", ""),
                Some(self.tagged("ResourceTag")),
            ),
            Scope::TagSnapshot => scoped(
                "TagSnapshotsOfAmis",
                self.ec2("snapshot/*", ""),
                Some(json!({
                    "StringEquals": {
                        format!("aws:RequestTag/{}", names::MANIFEST_TAG): self.manifest.name,
                    },
                    "ForAllValues:StringEquals": { "aws:TagKeys": [names::MANIFEST_TAG] },
                })),
            ),
            _ => Scoped::default(),
        }
    }

    /// The build instances' role and profile, Image Builder's service-linked role, and the
    /// roles the identity running gold assumes. `resolve` routes only these scopes here.
    fn roles(&self, scope: Scope) -> Scoped {
        match scope {
            Scope::BuildRole => scoped("BuildRole", vec![self.build_role()], None),
            Scope::BuildRolePolicy => {
                let policies = self.desired.role.as_ref().map(|r| r.policy_arns.clone());
                scoped(
                    "BuildRoleManagedPolicies",
                    vec![self.build_role()],
                    Some(json!({ "ArnEquals": { "iam:PolicyARN": policies.unwrap_or_default() } })),
                )
            }
            Scope::PassBuildRole => {
                // With an existing instance profile gold cannot know its role's name.
                let role = if self.desired.role.is_some() {
                    self.build_role()
                } else {
                    self.iam("role/*")
                };
                scoped("PassBuildRoleToEc2", vec![role], Some(passed_to_ec2()))
            }
            Scope::BuildInstanceProfile => {
                let profile = names::instance_profile(&self.manifest.name);
                let profile = self.iam(&format!("instance-profile/{profile}"));
                scoped("BuildInstanceProfile", vec![profile], None)
            }
            Scope::ImageBuilderServiceRole => scoped(
                "ImageBuilderServiceLinkedRole",
                vec![self.iam(&format!(
                    "role/aws-service-role/{IMAGE_BUILDER_SERVICE}/AWSServiceRoleForImageBuilder"
                ))],
                Some(json!({ "StringEquals": { "iam:AWSServiceName": IMAGE_BUILDER_SERVICE } })),
            ),
            Scope::ManifestRole => self.assumed_roles(),
            _ => Scoped::default(),
        }
    }

    /// The pipeline's Image Builder resources and what they name, the share of its builds, and
    /// the release channels' log. `resolve` routes only these scopes here.
    fn pipeline(&self, scope: Scope) -> Scoped {
        let resource = |sid: &str, kind: &str, suffix: &str| {
            scoped(sid, vec![self.pipeline_resource(kind, suffix)], None)
        };
        match scope {
            Scope::Component => scoped("Components", self.components(), None),
            Scope::Recipe => resource("Recipe", "image-recipe", "/*"),
            Scope::Infrastructure => resource(
                "InfrastructureConfiguration",
                "infrastructure-configuration",
                "",
            ),
            Scope::Distribution => resource(
                "DistributionConfiguration",
                "distribution-configuration",
                "",
            ),
            Scope::Pipeline => resource("Pipeline", "image-pipeline", ""),
            Scope::BuiltImage => resource("Builds", "image", "/*"),
            Scope::ParentImage => {
                let parent = parent_image_arn(
                    &self.manifest.recipe.parent_image,
                    &self.manifest.producer.region,
                );
                let arn = parent.starts_with("arn:").then(|| every_version(&parent));
                scoped("ParentImage", arn.into_iter().collect(), None)
            }
            Scope::RecipeComponent => scoped("RecipeComponents", self.recipe_components(), None),
            Scope::BuildTopic => {
                let topic = self.manifest.infrastructure.sns_topic_arn.iter().cloned();
                scoped("BuildNotifications", topic.collect(), None)
            }
            Scope::DistributionParameter => scoped(
                "DistributionParameter",
                self.distribution_parameters(),
                None,
            ),
            Scope::ResourceShare => scoped(
                "ResourceShares",
                self.regional("ram", "*:resource-share/*"),
                Some(self.tagged("ResourceTag")),
            ),
            Scope::ChannelLog => scoped("ReleaseChannels", self.channel_log(), None),
            _ => Scoped::default(),
        }
    }

    /// The manifest's tag under `aws:KEY` (`RequestTag` on a create, `ResourceTag` after).
    fn tagged(&self, key: &str) -> Value {
        json!({ "StringEquals": {
            format!("aws:{key}/{}", names::MANIFEST_TAG): self.manifest.name,
        } })
    }

    /// `ec2:CreateTags` only as part of `create`, and only with the manifest's tag.
    fn tag_on_create(&self, create: &str) -> Value {
        json!({ "StringEquals": {
            "ec2:CreateAction": create,
            format!("aws:RequestTag/{}", names::MANIFEST_TAG): self.manifest.name,
        } })
    }

    /// `arn:P:ec2:REGION:ACCOUNT:KIND` for each of the side's regions.
    fn ec2(&self, kind: &str, account: &str) -> Vec<String> {
        self.regional("ec2", &format!("{account}:{kind}"))
    }

    /// The Auto Scaling groups the manifest's templates list, in every account.
    fn auto_scaling_groups(&self) -> Vec<String> {
        let templates = || {
            self.manifest
                .consumers
                .iter()
                .flat_map(|c| c.launch_templates.iter())
        };
        // `auto_scaling_groups = "all"` names no group before the run finds them.
        let groups: BTreeSet<&str> = if templates().any(|t| t.auto_scaling_groups.is_all()) {
            BTreeSet::from(["*"])
        } else {
            templates()
                .flat_map(|t| t.auto_scaling_groups.names().iter().map(String::as_str))
                .collect()
        };
        groups
            .iter()
            .flat_map(|group| {
                self.regional(
                    "autoscaling",
                    &format!("*:autoScalingGroup:*:autoScalingGroupName/{group}"),
                )
            })
            .collect()
    }

    /// The SSM parameters the consumers name, in every account.
    fn parameters(&self) -> Vec<String> {
        // A parameter's ARN is `…:parameter/NAME`, the name without its leading `/`.
        let names: BTreeSet<&str> = self
            .manifest
            .consumers
            .iter()
            .flat_map(|c| c.parameters.iter())
            .map(|p| p.name.trim_start_matches('/'))
            .collect();
        names
            .iter()
            .flat_map(|name| self.regional("ssm", &format!("*:parameter/{name}")))
            .collect()
    }

    /// The roles gold assumes: the rollout roles and the organization reader's, only inside
    /// the organization the AMIs are shared with.
    fn assumed_roles(&self) -> Scoped {
        let mut roles = self.rollout_roles();
        roles.extend(self.reader_role());
        roles.sort();
        roles.dedup();
        let condition = organization_id(self.manifest)
            .filter(|_| self.manifest.distribution.share_with_accounts.is_empty())
            .map(|org| json!({ "StringEquals": { "aws:ResourceOrgID": org } }));
        scoped("AssumeRoles", roles, condition)
    }

    /// The manifest's components, every version.
    fn components(&self) -> Vec<String> {
        let name = &self.manifest.name;
        self.manifest
            .components
            .keys()
            .map(|key| self.component(&names::component(name, key)))
            .collect()
    }

    /// The channel log parameter and every parameter below it, in the producer account.
    fn channel_log(&self) -> Vec<String> {
        let path = names::channel_log(&self.manifest.name);
        let path = path.trim_start_matches('/');
        let at = |rest: &str| {
            format!(
                "arn:{}:ssm:{}:{}:parameter/{path}{rest}",
                self.partition, self.manifest.producer.region, self.manifest.producer.account
            )
        };
        vec![at(""), at("/*")]
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
            arns.push(self.component(component));
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
                condition: Some(self.tagged("ResourceTag")),
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

    /// A component's ARN for every version.
    fn component(&self, name: &str) -> String {
        self.image_builder(&format!(
            "component/{}/*",
            names::image_builder_arn_name(name)
        ))
    }
}

/// `iam:PassRole` only to EC2 (the build instances, the instances a template launches).
fn passed_to_ec2() -> Value {
    json!({ "StringEquals": { "iam:PassedToService": "ec2.amazonaws.com" } })
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
