//! One step per producer resource, decided from [`Desired`] and [`LiveProducer`], and the steps
//! as a [`Plan`].

use super::desired::{Desired, DesiredComponent, KNOWN_AFTER_APPLY, RecipePart, partition};
use super::diff::{
    ConfigStep, config_step, distribution_fields, infrastructure_fields, pipeline_fields, show_arn,
    show_list, show_opt,
};
use super::versions::{newest, next_version};
use super::{LiveProducer, LiveVersions, Unmanaged, managed};
use crate::aws::imagebuilder::VersionRef;
use crate::names;
use crate::plan::{Action, Change, Field, FieldChange, Plan, Resource, ResourceKind};
use crate::version::Version;

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
        version: Version,
        /// What changed.
        reason: String,
    },
}

impl VersionStep {
    /// The version the resource will have.
    pub fn version(&self) -> Version {
        match self {
            VersionStep::Keep(live) => live.version,
            VersionStep::Create { version, .. } => *version,
        }
    }
}

/// Every producer resource with what `up` must do to it.
#[derive(Debug, Clone)]
pub struct Steps {
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
    /// The AWS RAM resource share, when the manifest has `[sharing]` (decided apart, by
    /// [`super::decide_share`]).
    pub share: Option<(super::DesiredShare, super::ShareStep)>,
    /// What waits for a build (a derived image behind its parent).
    pub waiting: Vec<crate::plan::Waiting>,
}

pub(super) fn decide(mut desired: Desired, live: &LiveProducer) -> Result<Steps, Unmanaged> {
    let manifest = desired.manifest.clone();
    configurations_managed(live, &manifest)?;
    let (role, profile) = iam_steps(&desired, live)?;
    let group = group_step(&desired, live)?;
    let components: Vec<VersionStep> = desired
        .components
        .iter()
        .zip(&live.components)
        .map(|(component, live)| component_step(&manifest, component, live))
        .collect();
    let recipe = recipe_step(&desired, &components, &live.recipe);
    desired.infrastructure.security_group_ids = match &group {
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
    point_pipeline(&mut desired, &recipe, &infrastructure, &distribution);
    let pipeline = config_step(
        live.pipeline.as_ref(),
        &desired.pipeline,
        pipeline_fields,
        |s| &s.tags,
    );
    Ok(Steps {
        desired,
        role,
        profile,
        group,
        components,
        recipe,
        infrastructure,
        distribution,
        pipeline,
        share: None,
        waiting: Vec::new(),
    })
}

/// Refuses to plan over an Image Builder configuration that another manifest (or no manifest)
/// owns.
fn configurations_managed(live: &LiveProducer, manifest: &str) -> Result<(), Unmanaged> {
    for (kind, found) in [
        (
            ResourceKind::InfrastructureConfiguration,
            live.infrastructure.as_ref().map(|f| (&f.arn, &f.spec.tags)),
        ),
        (
            ResourceKind::DistributionConfiguration,
            live.distribution.as_ref().map(|f| (&f.arn, &f.spec.tags)),
        ),
        (
            ResourceKind::ImagePipeline,
            live.pipeline.as_ref().map(|f| (&f.arn, &f.spec.tags)),
        ),
    ] {
        if let Some((arn, tags)) = found {
            managed(kind, arn, tags, manifest)?;
        }
    }
    Ok(())
}

/// Points the desired pipeline at the recipe and configurations it will use: the ARN of what
/// is kept, the ARN Image Builder will give what is created.
fn point_pipeline(
    desired: &mut Desired,
    recipe: &VersionStep,
    infrastructure: &ConfigStep,
    distribution: &ConfigStep,
) {
    desired.pipeline.recipe_arn = match recipe {
        VersionStep::Keep(live) => live.arn.clone(),
        VersionStep::Create { version, .. } => expected_arn(
            desired,
            "image-recipe",
            &desired.recipe.name,
            Some(*version),
        ),
    };
    desired.pipeline.infrastructure_arn = config_arn(
        desired,
        infrastructure,
        "infrastructure-configuration",
        &desired.infrastructure.name,
    );
    desired.pipeline.distribution_arn = config_arn(
        desired,
        distribution,
        "distribution-configuration",
        &desired.distribution.name,
    );
}

/// The ARN of a configuration that exists, or the one Image Builder will give it.
fn config_arn(desired: &Desired, step: &ConfigStep, kind: &str, name: &str) -> String {
    step.arn()
        .map_or_else(|| expected_arn(desired, kind, name, None), str::to_owned)
}

fn iam_steps(desired: &Desired, live: &LiveProducer) -> Result<(RoleStep, ProfileStep), Unmanaged> {
    let Some(role) = &desired.role else {
        return Ok((RoleStep::Unmanaged, ProfileStep::Unmanaged));
    };
    let role_step = match &live.role {
        None => RoleStep::Create,
        Some(live) => {
            managed(
                ResourceKind::Role,
                &live.name,
                &live.tags,
                &desired.manifest,
            )?;
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
    let profile_step = match &live.profile {
        None => ProfileStep::Create,
        Some(live) => {
            managed(
                ResourceKind::InstanceProfile,
                &live.name,
                &live.tags,
                &desired.manifest,
            )?;
            if live.roles.contains(&role.name) {
                ProfileStep::Keep
            } else if live.roles.is_empty() {
                ProfileStep::AddRole
            } else {
                return Err(Unmanaged {
                    kind: ResourceKind::InstanceProfile,
                    name: format!(
                        "{} (it holds the role `{}`, not `{}`)",
                        live.name,
                        live.roles.join(", "),
                        role.name
                    ),
                    owner: None,
                });
            }
        }
    };
    Ok((role_step, profile_step))
}

fn group_step(desired: &Desired, live: &LiveProducer) -> Result<GroupStep, Unmanaged> {
    let (Some(_), Some((vpc_id, found))) = (&desired.security_group, &live.group) else {
        return Ok(GroupStep::Unmanaged);
    };
    let Some(group) = found else {
        return Ok(GroupStep::Create {
            vpc_id: vpc_id.clone(),
        });
    };
    managed(
        ResourceKind::SecurityGroup,
        &format!("{} ({})", group.name, group.id),
        &group.tags,
        &desired.manifest,
    )?;
    Ok(if group.ingress_rules == 0 {
        GroupStep::Keep(group.id.clone())
    } else {
        GroupStep::RevokeIngress {
            id: group.id.clone(),
            rules: group.ingress_rules,
        }
    })
}

fn component_step(
    manifest: &str,
    component: &DesiredComponent,
    live: &LiveVersions,
) -> VersionStep {
    let (Some(newest), Some(detail)) = (newest(&live.versions), &live.newest) else {
        return VersionStep::Create {
            from: None,
            version: component.spec.version,
            reason: "new".to_owned(),
        };
    };
    if detail.tags.get(names::HASH_TAG) == Some(&component.hash) {
        return VersionStep::Keep(newest.clone());
    }
    let reason =
        if !detail.tags.contains_key(names::HASH_TAG) || !names::owned_by(&detail.tags, manifest) {
            "the newest version was not created by gold".to_owned()
        } else if detail.content == component.spec.data {
            "platform or description changed".to_owned()
        } else {
            format!("{} changed", component.file)
        };
    VersionStep::Create {
        version: next_version(component.spec.version, &live.versions),
        from: Some(newest.clone()),
        reason,
    }
}

fn recipe_step(desired: &Desired, components: &[VersionStep], live: &LiveVersions) -> VersionStep {
    let recipe = &desired.recipe;
    let Some(newest) = newest(&live.versions) else {
        return VersionStep::Create {
            from: None,
            version: recipe.version,
            reason: "new".to_owned(),
        };
    };
    if live
        .newest
        .as_ref()
        .and_then(|d| d.tags.get(names::HASH_TAG))
        == Some(&recipe.hash)
    {
        return VersionStep::Keep(newest.clone());
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
        version: next_version(recipe.version, &live.versions),
        from: Some(newest.clone()),
        reason,
    }
}

/// The ARN Image Builder will give a resource gold is about to create (names are lower-cased,
/// spaces and underscores become hyphens).
fn expected_arn(desired: &Desired, kind: &str, name: &str, version: Option<Version>) -> String {
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
        arn.push_str(&version.to_string());
    }
    arn
}

impl Steps {
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

    /// The steps as a plan: one change per resource that is not already as the manifest says.
    pub fn plan(&self) -> Plan {
        let mut plan = Plan::default();
        for (resource, action) in self
            .build_instance_actions()
            .into_iter()
            .chain(self.image_builder_actions())
            .chain(self.share_action())
        {
            match action {
                Some(action) => plan.changes.push(Change { resource, action }),
                None => plan.unchanged += 1,
            }
        }
        plan.waiting.extend(self.waiting.iter().cloned());
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
                        Field::new("trusts", "ec2.amazonaws.com"),
                        Field::new("policies", show_list(&role.policy_arns)),
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
                    fields: vec![Field::new("role", role.name.as_str())],
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
                    fields: vec![
                        Field::new("vpc", vpc_id.as_str()),
                        Field::new("rules", "egress only"),
                    ],
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
                    Field::new("version", step.version().to_string()),
                    Field::new("platform", component.spec.platform.as_str()),
                    Field::new("file", component.file.as_str()),
                ]
            });
            actions.push((self.component_resource(index), action));
        }
        let recipe = version_action(&self.recipe, || {
            vec![
                Field::new("version", self.recipe.version().to_string()),
                Field::new("parent_image", d.recipe.parent_image.as_str()),
                Field::new("components", show_list(&self.recipe_components())),
            ]
        });
        actions.push((self.resource_of(ResourceKind::ImageRecipe), recipe));
        let infrastructure = config_action(&self.infrastructure, || {
            let i = &d.infrastructure;
            vec![
                Field::new("instance_types", show_list(&i.instance_types)),
                Field::new("instance_profile", i.instance_profile.as_str()),
                Field::new("security_group_ids", show_list(&i.security_group_ids)),
                Field::new("subnet_id", show_opt(i.subnet_id.as_ref())),
                Field::new("terminate_on_failure", i.terminate_on_failure.to_string()),
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
                Field::new("recipe", show_arn(&p.recipe_arn)),
                Field::new("tests", p.tests.to_string()),
                Field::new("schedule", schedule),
                Field::new("enabled", p.enabled.to_string()),
            ]
        });
        actions.push((self.resource_of(ResourceKind::ImagePipeline), pipeline));
        actions
    }

    /// The resource share, when the manifest has one.
    fn share_action(&self) -> Option<(Resource, Option<Action>)> {
        let (desired, step) = self.share.as_ref()?;
        let resource =
            super::share::share_resource(desired, &self.desired.account, &self.desired.region);
        Some((resource, super::share::share_action(desired, step)))
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
    let mut fields = vec![Field::new("regions", show_list(&regions))];
    if let Some(r) = desired.distribution.regions.first() {
        fields.push(Field::new("ami_name", r.ami_name.as_str()));
        let shares: Vec<String> = r
            .share_with_organizations
            .iter()
            .chain(&r.share_with_ous)
            .chain(&r.share_with_accounts)
            .cloned()
            .collect();
        fields.push(Field::new("shared_with", show_list(&shares)));
    }
    fields
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
            from: from.version,
            to: *version,
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
