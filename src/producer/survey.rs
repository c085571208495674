//! Reads the producer account's live state and decides, per resource, what `up` must do:
//! nothing, create it, update it in place, or (for immutable components and recipes) create
//! the next version. Only read calls happen here, all of them concurrently.
//!
//! A resource with gold's name that is not tagged `gold:manifest=<name>` is not adopted
//! silently: the survey stops with an error naming it, since changing or later deleting
//! something gold did not create could break whoever did.

use std::cmp::Ordering;

use futures::future::{try_join, try_join_all, try_join5};

use super::desired::{
    Desired, DesiredComponent, KNOWN_AFTER_APPLY, RecipePart, RoleSpec, partition,
};
use super::diff::{
    config_step, distribution_fields, infrastructure_fields, pipeline_fields, show_arn, show_list,
    show_opt,
};
use super::names;
use crate::aws::imagebuilder::{
    self, DistributionSpec, Found, InfrastructureSpec, PipelineSpec, Tags, VersionDetail,
    VersionRef,
};
use crate::aws::{AwsError, CallSite, Session, iam, security_groups};
use crate::plan::{Action, Change, Field, FieldChange, Plan, Resource, ResourceKind};

/// What `up` does with the IAM role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoleStep {
    /// The manifest names an existing instance profile; gold does not touch IAM.
    Unmanaged,
    /// It matches.
    Keep,
    /// It does not exist.
    Create,
    /// It exists without some of the managed policies.
    Attach(Vec<String>),
}

/// What `up` does with the instance profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProfileStep {
    /// An existing profile the manifest names.
    Unmanaged,
    /// It matches.
    Keep,
    /// It does not exist.
    Create,
    /// It exists without the role.
    AddRole,
}

/// What `up` does with the security group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupStep {
    /// The manifest names existing groups.
    Unmanaged,
    /// It exists and is egress-only.
    Keep(String),
    /// It does not exist in the VPC.
    Create {
        /// The VPC to create it in.
        vpc_id: String,
    },
    /// It exists with inbound rules that must go.
    RevokeIngress {
        /// Group id.
        id: String,
        /// How many inbound rules it has.
        rules: usize,
    },
}

/// What `up` does with a component or recipe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionStep {
    /// The newest version has the manifest's content.
    Keep(VersionRef),
    /// A version with the manifest's content is needed.
    Create {
        /// The newest version now, if any.
        from: Option<VersionRef>,
        /// The version to create.
        version: String,
        /// What changed.
        reason: String,
    },
}

impl VersionStep {
    fn version(&self) -> &str {
        match self {
            VersionStep::Keep(live) => &live.version,
            VersionStep::Create { version, .. } => version,
        }
    }
}

/// What `up` does with a configuration that can be updated in place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigStep {
    /// It does not exist.
    Create,
    /// It matches.
    Keep {
        /// Its ARN.
        arn: String,
    },
    /// Settings or tags differ.
    Update {
        /// Its ARN.
        arn: String,
        /// Every difference, for the plan.
        fields: Vec<FieldChange>,
        /// Whether any setting (not only tags) differs.
        settings: bool,
        /// Tags to add or overwrite.
        tags: Tags,
    },
}

impl ConfigStep {
    fn arn(&self) -> Option<&str> {
        match self {
            ConfigStep::Create => None,
            ConfigStep::Keep { arn } | ConfigStep::Update { arn, .. } => Some(arn),
        }
    }
}

/// Every producer resource with what `up` must do to it.
#[derive(Debug, Clone)]
pub struct Survey {
    /// What the manifest asks for, with references to live resources filled in.
    pub desired: Desired,
    /// The role.
    pub role: RoleStep,
    /// The instance profile.
    pub profile: ProfileStep,
    /// The security group.
    pub group: GroupStep,
    /// Each component, in manifest order.
    pub components: Vec<VersionStep>,
    /// The recipe.
    pub recipe: VersionStep,
    /// The infrastructure configuration.
    pub infrastructure: ConfigStep,
    /// The distribution configuration.
    pub distribution: ConfigStep,
    /// The pipeline.
    pub pipeline: ConfigStep,
}

/// Everything read from the producer account, before any decision.
struct Live {
    role: RoleStep,
    profile: ProfileStep,
    group: GroupStep,
    components: Vec<VersionStep>,
    recipe_versions: Vec<VersionRef>,
    newest_recipe: Option<VersionRef>,
    recipe_detail: Option<VersionDetail>,
    infrastructure: Option<Found<InfrastructureSpec>>,
    distribution: Option<Found<DistributionSpec>>,
    pipeline: Option<Found<PipelineSpec>>,
}

/// Reads live state and decides every step.
pub async fn survey(session: &Session, desired: Desired) -> Result<Survey, AwsError> {
    let live = Box::pin(read(session, &desired)).await?;
    let manifest = desired.manifest.as_str();
    let unmanaged = [
        live.infrastructure.as_ref().and_then(|f| {
            not_managed(
                session,
                "GetInfrastructureConfiguration",
                "infrastructure configuration",
                &f.arn,
                &f.spec.tags,
                manifest,
            )
        }),
        live.distribution.as_ref().and_then(|f| {
            not_managed(
                session,
                "GetDistributionConfiguration",
                "distribution configuration",
                &f.arn,
                &f.spec.tags,
                manifest,
            )
        }),
        live.pipeline.as_ref().and_then(|f| {
            not_managed(
                session,
                "ListImagePipelines",
                "image pipeline",
                &f.arn,
                &f.spec.tags,
                manifest,
            )
        }),
    ];
    if let Some(err) = unmanaged.into_iter().flatten().next() {
        return Err(err);
    }
    Ok(decide(desired, live))
}

async fn read(session: &Session, desired: &Desired) -> Result<Live, AwsError> {
    let iam = async {
        match &desired.role {
            Some(role) => survey_iam(session, desired, role).await,
            None => Ok((RoleStep::Unmanaged, ProfileStep::Unmanaged)),
        }
    };
    let components = try_join_all(
        desired
            .components
            .iter()
            .map(|component| survey_component(session, &desired.manifest, component)),
    );
    let recipe_versions = async {
        let versions = imagebuilder::recipe_versions(session, &desired.recipe.name).await?;
        let newest = newest(&versions);
        let detail = match &newest {
            Some(v) => Some(imagebuilder::recipe(session, &v.arn).await?),
            None => None,
        };
        Ok::<_, AwsError>((versions, newest, detail))
    };
    let configs = try_join(
        try_join(
            imagebuilder::find_infrastructure(session, &desired.infrastructure.name),
            imagebuilder::find_distribution(session, &desired.distribution.name),
        ),
        imagebuilder::find_pipeline(session, &desired.pipeline.name),
    );
    let (
        (role, profile),
        group,
        components,
        (recipe_versions, newest_recipe, recipe_detail),
        ((infrastructure, distribution), pipeline),
    ) = Box::pin(try_join5(
        iam,
        survey_group(session, desired),
        components,
        recipe_versions,
        configs,
    ))
    .await?;
    Ok(Live {
        role,
        profile,
        group,
        components,
        recipe_versions,
        newest_recipe,
        recipe_detail,
        infrastructure,
        distribution,
        pipeline,
    })
}

/// Decides every step from live state; references to live resources fill in `desired`.
fn decide(mut desired: Desired, live: Live) -> Survey {
    let recipe = recipe_step(
        &desired,
        &live.components,
        &live.recipe_versions,
        live.newest_recipe,
        live.recipe_detail.as_ref(),
    );
    desired.infrastructure.security_group_ids = match &live.group {
        GroupStep::Keep(id) | GroupStep::RevokeIngress { id, .. } => vec![id.clone()],
        GroupStep::Create { .. } => vec![KNOWN_AFTER_APPLY.to_owned()],
        GroupStep::Unmanaged => desired.infrastructure.security_group_ids.clone(),
    };
    let infrastructure = config_step(
        live.infrastructure.as_ref(),
        &desired.infrastructure,
        infrastructure_fields,
        |s| &s.tags,
    );
    let distribution = config_step(
        live.distribution.as_ref(),
        &desired.distribution,
        distribution_fields,
        |s| &s.tags,
    );
    desired.pipeline.recipe_arn = match &recipe {
        VersionStep::Keep(live) => live.arn.clone(),
        VersionStep::Create { version, .. } => expected_arn(
            &desired,
            "image-recipe",
            &desired.recipe.name,
            Some(version),
        ),
    };
    desired.pipeline.infrastructure_arn = infrastructure.arn().map_or_else(
        || {
            expected_arn(
                &desired,
                "infrastructure-configuration",
                &desired.infrastructure.name,
                None,
            )
        },
        str::to_owned,
    );
    desired.pipeline.distribution_arn = distribution.arn().map_or_else(
        || {
            expected_arn(
                &desired,
                "distribution-configuration",
                &desired.distribution.name,
                None,
            )
        },
        str::to_owned,
    );
    let pipeline = config_step(
        live.pipeline.as_ref(),
        &desired.pipeline,
        pipeline_fields,
        |s| &s.tags,
    );
    Survey {
        desired,
        role: live.role,
        profile: live.profile,
        group: live.group,
        components: live.components,
        recipe,
        infrastructure,
        distribution,
        pipeline,
    }
}

fn site(session: &Session) -> CallSite {
    CallSite {
        account: session.account().to_owned(),
        region: session.region().to_owned(),
    }
}

fn not_managed(
    session: &Session,
    operation: &'static str,
    what: &str,
    name: &str,
    tags: &Tags,
    manifest: &str,
) -> Option<AwsError> {
    if names::owned_by(tags, manifest) {
        return None;
    }
    let owner = match tags.get(names::MANIFEST_TAG) {
        Some(other) => format!("belongs to the gold manifest `{other}`"),
        None => "was not created by gold".to_owned(),
    };
    Some(
        site(session)
            .failure(
                operation,
                format!("{what} `{name}` already exists and {owner}; gold will not change it"),
            )
            .on(name)
            .with_hint(format!(
                "delete it, rename the manifest, or tag it `{}={manifest}` to let gold manage it",
                names::MANIFEST_TAG
            )),
    )
}

async fn survey_iam(
    session: &Session,
    desired: &Desired,
    role: &RoleSpec,
) -> Result<(RoleStep, ProfileStep), AwsError> {
    let (live_role, live_profile) = try_join(
        iam::find_role(session, &role.name),
        iam::find_instance_profile(session, &desired.instance_profile),
    )
    .await?;
    let role_step = match live_role {
        None => RoleStep::Create,
        Some(live) => {
            if let Some(err) = not_managed(
                session,
                "GetRole",
                "IAM role",
                &live.name,
                &live.tags,
                &desired.manifest,
            ) {
                return Err(err);
            }
            let missing: Vec<String> = role
                .policy_arns
                .iter()
                .filter(|p| !live.policy_arns.contains(p))
                .cloned()
                .collect();
            if missing.is_empty() {
                RoleStep::Keep
            } else {
                RoleStep::Attach(missing)
            }
        }
    };
    let profile_step = match live_profile {
        None => ProfileStep::Create,
        Some(live) => {
            if let Some(err) = not_managed(
                session,
                "GetInstanceProfile",
                "instance profile",
                &live.name,
                &live.tags,
                &desired.manifest,
            ) {
                return Err(err);
            }
            if live.roles.contains(&role.name) {
                ProfileStep::Keep
            } else if live.roles.is_empty() {
                ProfileStep::AddRole
            } else {
                return Err(site(session)
                    .failure(
                        "GetInstanceProfile",
                        format!(
                            "the instance profile holds the role `{}`, not `{}`",
                            live.roles.join(", "),
                            role.name
                        ),
                    )
                    .on(&live.name));
            }
        }
    };
    Ok((role_step, profile_step))
}

async fn survey_group(session: &Session, desired: &Desired) -> Result<GroupStep, AwsError> {
    let Some(group) = &desired.security_group else {
        return Ok(GroupStep::Unmanaged);
    };
    let vpc_id = security_groups::vpc_for(session, group.subnet_id.as_deref()).await?;
    match security_groups::find(session, &vpc_id, &group.name).await? {
        None => Ok(GroupStep::Create { vpc_id }),
        Some(live) => {
            if let Some(err) = not_managed(
                session,
                "DescribeSecurityGroups",
                "security group",
                &live.name,
                &live.tags,
                &desired.manifest,
            ) {
                return Err(err.on(format!("{} ({})", live.name, live.id)));
            }
            Ok(if live.ingress_rules == 0 {
                GroupStep::Keep(live.id)
            } else {
                GroupStep::RevokeIngress {
                    id: live.id,
                    rules: live.ingress_rules,
                }
            })
        }
    }
}

async fn survey_component(
    session: &Session,
    manifest: &str,
    component: &DesiredComponent,
) -> Result<VersionStep, AwsError> {
    let versions = imagebuilder::component_versions(session, &component.spec.name).await?;
    let Some(newest) = newest(&versions) else {
        return Ok(VersionStep::Create {
            from: None,
            version: component.spec.version.clone(),
            reason: "new".to_owned(),
        });
    };
    let detail = imagebuilder::component(session, &newest.arn).await?;
    if detail.tags.get(names::HASH_TAG) == Some(&component.hash) {
        return Ok(VersionStep::Keep(newest));
    }
    let reason =
        if !detail.tags.contains_key(names::HASH_TAG) || !names::owned_by(&detail.tags, manifest) {
            "the newest version was not created by gold".to_owned()
        } else if detail.content == component.spec.data {
            "platform or description changed".to_owned()
        } else {
            format!("{} changed", component.file)
        };
    Ok(VersionStep::Create {
        version: next_version(&component.spec.version, &versions),
        from: Some(newest),
        reason,
    })
}

fn recipe_step(
    desired: &Desired,
    components: &[VersionStep],
    versions: &[VersionRef],
    newest: Option<VersionRef>,
    detail: Option<&VersionDetail>,
) -> VersionStep {
    let recipe = &desired.recipe;
    let Some(newest) = newest else {
        return VersionStep::Create {
            from: None,
            version: recipe.version.clone(),
            reason: "new".to_owned(),
        };
    };
    if detail.and_then(|d| d.tags.get(names::HASH_TAG)) == Some(&recipe.hash) {
        return VersionStep::Keep(newest);
    }
    let changed: Vec<&str> = desired
        .components
        .iter()
        .zip(components)
        .filter(|(_, step)| matches!(step, VersionStep::Create { .. }))
        .filter(|(c, _)| {
            recipe
                .components
                .iter()
                .any(|part| matches!(part, RecipePart::Local { key, .. } if key == &c.key))
        })
        .map(|(c, _)| c.key.as_str())
        .collect();
    let reason = if changed.is_empty() {
        "recipe changed".to_owned()
    } else {
        format!("new version of component {}", changed.join(", "))
    };
    VersionStep::Create {
        version: next_version(&recipe.version, versions),
        from: Some(newest),
        reason,
    }
}

fn parse_version(text: &str) -> Option<(u64, u64, u64)> {
    let mut nodes = text.split('.').map(|n| n.parse::<u64>().ok());
    let version = (nodes.next()??, nodes.next()??, nodes.next()??);
    nodes.next().is_none().then_some(version)
}

fn compare_versions(a: &str, b: &str) -> Ordering {
    parse_version(a).cmp(&parse_version(b))
}

fn newest(versions: &[VersionRef]) -> Option<VersionRef> {
    versions
        .iter()
        .max_by(|a, b| compare_versions(&a.version, &b.version))
        .cloned()
}

/// The manifest's version when it is above every existing one, else the next patch above the newest.
pub fn next_version(wanted: &str, existing: &[VersionRef]) -> String {
    let Some(newest) = existing
        .iter()
        .map(|v| v.version.as_str())
        .max_by(|a, b| compare_versions(a, b))
    else {
        return wanted.to_owned();
    };
    if compare_versions(wanted, newest) == Ordering::Greater {
        return wanted.to_owned();
    }
    match parse_version(newest) {
        Some((major, minor, patch)) => format!("{major}.{minor}.{}", patch + 1),
        None => wanted.to_owned(),
    }
}

/// The ARN Image Builder will give a resource gold is about to create (names are lower-cased,
/// spaces and underscores become hyphens).
fn expected_arn(desired: &Desired, kind: &str, name: &str, version: Option<&str>) -> String {
    let name: String = name
        .to_lowercase()
        .chars()
        .map(|c| if c == ' ' || c == '_' { '-' } else { c })
        .collect();
    let mut arn = format!(
        "arn:{}:imagebuilder:{}:{}:{kind}/{name}",
        partition(&desired.region),
        desired.region,
        desired.account
    );
    if let Some(version) = version {
        arn.push('/');
        arn.push_str(version);
    }
    arn
}

impl Survey {
    fn resource(&self, kind: ResourceKind, name: &str) -> Resource {
        let global = matches!(kind, ResourceKind::Role | ResourceKind::InstanceProfile);
        Resource {
            kind,
            name: name.to_owned(),
            account: self.desired.account.clone(),
            region: if global {
                "global".to_owned()
            } else {
                self.desired.region.clone()
            },
        }
    }

    /// The resource a component step is about.
    pub fn component_resource(&self, index: usize) -> Resource {
        self.resource(
            ResourceKind::Component,
            &self.desired.components[index].spec.name,
        )
    }

    /// The resource of each kind that has one name (everything but components).
    pub fn resource_of(&self, kind: ResourceKind) -> Resource {
        let d = &self.desired;
        let name = match kind {
            ResourceKind::Role => d.role.as_ref().map_or("", |r| r.name.as_str()),
            ResourceKind::InstanceProfile => d.instance_profile.as_str(),
            ResourceKind::SecurityGroup => {
                d.security_group.as_ref().map_or("", |g| g.name.as_str())
            }
            ResourceKind::ImageRecipe => d.recipe.name.as_str(),
            ResourceKind::InfrastructureConfiguration => d.infrastructure.name.as_str(),
            ResourceKind::DistributionConfiguration => d.distribution.name.as_str(),
            _ => d.pipeline.name.as_str(),
        };
        self.resource(kind, name)
    }

    /// The survey as a plan: one change per resource that is not already as the manifest says.
    pub fn plan(&self) -> Plan {
        let mut plan = Plan::default();
        for (resource, action) in self
            .build_instance_actions()
            .into_iter()
            .chain(self.image_builder_actions())
        {
            match action {
                Some(action) => plan.changes.push(Change { resource, action }),
                None => plan.unchanged += 1,
            }
        }
        plan
    }

    /// Role, instance profile and security group, for resources gold manages.
    fn build_instance_actions(&self) -> Vec<(Resource, Option<Action>)> {
        let d = &self.desired;
        let mut actions = Vec::new();
        if let Some(role) = &d.role {
            let role_action = match &self.role {
                RoleStep::Create => Some(Action::Create {
                    fields: vec![
                        field("trusts", "ec2.amazonaws.com"),
                        field("policies", &show_list(&role.policy_arns)),
                    ],
                }),
                RoleStep::Attach(missing) => {
                    Some(update("policies", "(missing)", &show_list(missing)))
                }
                RoleStep::Keep | RoleStep::Unmanaged => None,
            };
            actions.push((self.resource_of(ResourceKind::Role), role_action));
            let profile_action = match &self.profile {
                ProfileStep::Create => Some(Action::Create {
                    fields: vec![field("role", &role.name)],
                }),
                ProfileStep::AddRole => Some(update("role", "(none)", &role.name)),
                ProfileStep::Keep | ProfileStep::Unmanaged => None,
            };
            actions.push((
                self.resource_of(ResourceKind::InstanceProfile),
                profile_action,
            ));
        }
        if d.security_group.is_some() {
            let group_action = match &self.group {
                GroupStep::Create { vpc_id } => Some(Action::Create {
                    fields: vec![field("vpc", vpc_id), field("rules", "egress only")],
                }),
                GroupStep::RevokeIngress { id, rules } => Some(update(
                    &format!("{id} inbound rules"),
                    &rules.to_string(),
                    "0",
                )),
                GroupStep::Keep(_) | GroupStep::Unmanaged => None,
            };
            actions.push((self.resource_of(ResourceKind::SecurityGroup), group_action));
        }
        actions
    }

    /// Components, recipe, configurations and pipeline.
    fn image_builder_actions(&self) -> Vec<(Resource, Option<Action>)> {
        let d = &self.desired;
        let mut actions = Vec::new();
        for (index, (component, step)) in d.components.iter().zip(&self.components).enumerate() {
            let action = version_action(step, || {
                vec![
                    field("version", step.version()),
                    field("platform", &component.spec.platform),
                    field("file", &component.file),
                ]
            });
            actions.push((self.component_resource(index), action));
        }
        let recipe = version_action(&self.recipe, || {
            vec![
                field("version", self.recipe.version()),
                field("parent_image", &d.recipe.parent_image),
                field("components", &show_list(&self.recipe_components())),
            ]
        });
        actions.push((self.resource_of(ResourceKind::ImageRecipe), recipe));
        let infrastructure = config_action(&self.infrastructure, || {
            let i = &d.infrastructure;
            vec![
                field("instance_types", &show_list(&i.instance_types)),
                field("instance_profile", &i.instance_profile),
                field("security_group_ids", &show_list(&i.security_group_ids)),
                field("subnet_id", &show_opt(i.subnet_id.as_ref())),
                field("terminate_on_failure", &i.terminate_on_failure.to_string()),
            ]
        });
        actions.push((
            self.resource_of(ResourceKind::InfrastructureConfiguration),
            infrastructure,
        ));
        let distribution = config_action(&self.distribution, || distribution_summary(d));
        actions.push((
            self.resource_of(ResourceKind::DistributionConfiguration),
            distribution,
        ));
        let pipeline = config_action(&self.pipeline, || {
            let p = &d.pipeline;
            let schedule = p.schedule.as_ref().map_or_else(
                || "(none)".to_owned(),
                |s| format!("{} {}", s.expression, s.zone()),
            );
            vec![
                field("recipe", &show_arn(&p.recipe_arn)),
                field("tests", &p.tests.to_string()),
                field("schedule", &schedule),
                field("enabled", &p.enabled.to_string()),
            ]
        });
        actions.push((self.resource_of(ResourceKind::ImagePipeline), pipeline));
        actions
    }

    fn recipe_components(&self) -> Vec<String> {
        self.desired
            .recipe
            .components
            .iter()
            .map(|part| match part {
                RecipePart::Local { key, .. } => {
                    let index = self.desired.components.iter().position(|c| &c.key == key);
                    match index.and_then(|i| self.components.get(i)) {
                        Some(step) => format!("{key} {}", step.version()),
                        None => key.clone(),
                    }
                }
                RecipePart::External { arn, .. } => show_arn(arn),
            })
            .collect()
    }
}

fn update(name: &str, old: &str, new: &str) -> Action {
    Action::Update {
        fields: vec![FieldChange {
            name: name.to_owned(),
            old: old.to_owned(),
            new: new.to_owned(),
        }],
    }
}

/// What a new distribution configuration does, in a few lines.
fn distribution_summary(desired: &Desired) -> Vec<Field> {
    let regions: Vec<String> = desired
        .distribution
        .regions
        .iter()
        .map(|r| r.region.clone())
        .collect();
    let mut fields = vec![field("regions", &show_list(&regions))];
    if let Some(r) = desired.distribution.regions.first() {
        fields.push(field("ami_name", &r.ami_name));
        let shares: Vec<String> = r
            .share_with_organizations
            .iter()
            .chain(&r.share_with_ous)
            .chain(&r.share_with_accounts)
            .cloned()
            .collect();
        fields.push(field("shared_with", &show_list(&shares)));
    }
    fields
}

fn field(name: &str, value: &str) -> Field {
    Field {
        name: name.to_owned(),
        value: value.to_owned(),
    }
}

fn version_action(step: &VersionStep, fields: impl FnOnce() -> Vec<Field>) -> Option<Action> {
    match step {
        VersionStep::Keep(_) => None,
        VersionStep::Create { from: None, .. } => Some(Action::Create { fields: fields() }),
        VersionStep::Create {
            from: Some(from),
            version,
            reason,
        } => Some(Action::NewVersion {
            from: from.version.clone(),
            to: version.clone(),
            reason: reason.clone(),
        }),
    }
}

fn config_action(step: &ConfigStep, fields: impl FnOnce() -> Vec<Field>) -> Option<Action> {
    match step {
        ConfigStep::Keep { .. } => None,
        ConfigStep::Create => Some(Action::Create { fields: fields() }),
        ConfigStep::Update { fields, .. } => Some(Action::Update {
            fields: fields.clone(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn versions(list: &[&str]) -> Vec<VersionRef> {
        list.iter()
            .map(|v| VersionRef {
                arn: format!("arn:aws:imagebuilder:r:1:component/c/{v}"),
                version: (*v).to_owned(),
            })
            .collect()
    }

    #[test]
    fn the_manifest_version_wins_when_it_is_new_and_highest() {
        assert_eq!(next_version("1.0.0", &[]), "1.0.0");
        assert_eq!(
            next_version("2.0.0", &versions(&["1.0.0", "1.0.1"])),
            "2.0.0"
        );
    }

    #[test]
    fn otherwise_the_next_patch_above_the_highest() {
        assert_eq!(next_version("1.0.0", &versions(&["1.0.0"])), "1.0.1");
        assert_eq!(
            next_version("1.0.0", &versions(&["1.0.9", "1.0.10", "1.0.2"])),
            "1.0.11"
        );
        assert_eq!(next_version("0.9.0", &versions(&["1.2.3"])), "1.2.4");
    }
}
