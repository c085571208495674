//! The consumer side of the plan: what one target needs ([`Step`]), decided from what
//! `consumer::survey` read (the template's default version, the producer's AMIs, the listed
//! Auto Scaling groups and their last refresh), and the step as plan entries: the image move,
//! every instance refresh that follows it, creations, and what waits for a build.
//!
//! AWS facts relied on (EC2 Auto Scaling user guide, "Instance refresh"): a group launching
//! from the template keeps its instances until it is refreshed, so a group whose last
//! successful refresh started before the template's default version was made still runs the
//! old image.

use std::time::SystemTime;

use crate::Error;
use crate::aws::autoscaling::{Group, Refresh};
use crate::aws::images::Image;
use crate::aws::launch_templates::{LiveTemplate, TemplateVersion};
use crate::aws::parameters::ParameterVersion;

use super::{
    Action, Change, DefaultVersion, Field, ImageRef, Plan, Problem, Resource, ResourceKind,
    TargetId, Waiting,
};

/// What one target needs, decided from live state before anything changes.
#[derive(Debug, Clone)]
pub enum Step {
    /// Already on the chosen image, groups refreshed since.
    Unchanged,
    /// Left alone: an account found in the organization that gold cannot reach yet, within the
    /// manifest's `skip_unreachable_accounts` (the plan lists the account with the reason).
    Skipped {
        /// Why.
        reason: String,
    },
    /// The producer has no AMI this target can see: nothing was built or shared yet.
    NothingBuilt {
        /// The precise reason, naming owner, pattern, account and region.
        reason: String,
        /// Whether gold creates the template once there is an AMI.
        creates: bool,
    },
    /// gold creates the template (the manifest marks it `create`) on the chosen image.
    Create {
        /// The image its first version launches.
        to: Image,
        /// The settings it gets, for the plan.
        settings: Vec<Field>,
    },
    /// A new default version with another image, then refreshes.
    Move {
        /// The template as it is.
        template: LiveTemplate,
        /// The image it runs now.
        from: Option<ImageRef>,
        /// The image it will run.
        to: Image,
        /// Groups to refresh afterwards.
        groups: Vec<Group>,
    },
    /// The template already runs the image; groups not yet refreshed to it are refreshed.
    Refresh {
        /// The template as it is.
        template: LiveTemplate,
        /// The image it runs.
        image: ImageRef,
        /// The groups to refresh, with their last refresh status.
        groups: Vec<(Group, String)>,
    },
    /// A version an interrupted rollout made for the chosen image (its description says so)
    /// becomes the default instead of another new one, then refreshes.
    Resume {
        /// The template as it is.
        template: LiveTemplate,
        /// The image it runs now.
        from: Option<ImageRef>,
        /// The version to make the default.
        to: TemplateVersion,
        /// The image it launches.
        image: ImageRef,
        /// Groups to refresh afterwards.
        groups: Vec<Group>,
    },
    /// Rollback: an earlier version becomes the default again, then refreshes.
    Restore {
        /// The template as it is.
        template: LiveTemplate,
        /// The image of the current default.
        from: Option<ImageRef>,
        /// The version to make the default.
        to: TemplateVersion,
        /// Its image.
        image: Option<ImageRef>,
        /// Groups to refresh afterwards.
        groups: Vec<Group>,
    },
    /// An SSM parameter gets a new version holding another image; a launch template that
    /// resolves it (`resolve:ssm:`) then has its groups refreshed.
    MoveParameter {
        /// The parameter's name.
        name: String,
        /// Its current version.
        version: i64,
        /// Its data type, which the new version keeps (`aws:ec2:image` or `text`).
        data_type: String,
        /// The image it holds now.
        from: Option<ImageRef>,
        /// The image it will hold.
        to: Image,
        /// The template that resolves it, when the target is that template.
        follower: Option<Follower>,
    },
    /// Rollback: an SSM parameter gets back the value it held before gold's last rollout.
    RestoreParameter {
        /// The parameter's name.
        name: String,
        /// Its current version.
        version: i64,
        /// Its data type, which the new version keeps (`aws:ec2:image` or `text`).
        data_type: String,
        /// The image it holds now.
        from: Option<ImageRef>,
        /// The version whose value comes back.
        to: ParameterVersion,
        /// That value's image, named when visible.
        image: Option<ImageRef>,
        /// The template that resolves it, when the target is that template.
        follower: Option<Follower>,
    },
}

/// A launch template whose image id is `resolve:ssm:<parameter>`: moving the parameter moves
/// it, without a new version; its groups are refreshed afterwards.
#[derive(Debug, Clone)]
pub struct Follower {
    /// The template as it is.
    pub template: LiveTemplate,
    /// Groups to refresh once the parameter moved.
    pub groups: Vec<Group>,
}

/// An image as plans and tables show it.
pub fn image_ref(image: &Image) -> ImageRef {
    ImageRef {
        id: image.id.clone(),
        name: Some(image.name.clone()),
    }
}

/// Adds one target's step to `plan`: its changes, or that it is unchanged or waiting.
pub fn add(plan: &mut Plan, target: &TargetId, step: &Step) {
    match step {
        Step::Unchanged => plan.unchanged += 1,
        Step::Skipped { .. } => {}
        Step::NothingBuilt { reason, creates } => plan.waiting.push(Waiting {
            resource: target.resource.clone(),
            reason: if *creates {
                format!(
                    "{reason}; `gold up` or `gold rollout` creates it once a build is available"
                )
            } else {
                format!("{reason}; `gold rollout` moves it once a build is available")
            },
        }),
        _ => plan.changes.extend(changes(target, step)),
    }
}

/// Adds a target that cannot be planned.
pub fn add_problem(plan: &mut Plan, target: &TargetId, err: &Error) {
    plan.problems.push(Problem {
        resource: target.resource.clone(),
        message: err.to_string(),
        hint: err.hint().map(str::to_owned),
    });
}

/// Every change a step makes, in the order it makes them: the template (or the parameter it
/// resolves), then each refresh.
pub fn changes(target: &TargetId, step: &Step) -> Vec<Change> {
    let template = &target.resource;
    match step {
        Step::Unchanged | Step::Skipped { .. } | Step::NothingBuilt { .. } => Vec::new(),
        Step::Create { to, settings } => {
            let mut fields = vec![Field::new("image", show_image(&image_ref(to)))];
            fields.extend(settings.iter().cloned());
            vec![Change {
                resource: template.clone(),
                action: Action::Create { fields },
            }]
        }
        Step::Refresh { image, groups, .. } => refreshes(
            template,
            image,
            groups
                .iter()
                .map(|(g, status)| (g.name.as_str(), format!("last refresh: {status}"))),
        ),
        Step::MoveParameter { .. } | Step::RestoreParameter { .. } => {
            parameter_changes(template, step)
        }
        Step::Move { .. } | Step::Resume { .. } | Step::Restore { .. } => {
            template_changes(template, step)
        }
    }
}

/// The changes of a step that moves the template's default version.
fn template_changes(template: &Resource, step: &Step) -> Vec<Change> {
    let (from, to, default_version, groups, reason) = match step {
        Step::Move {
            template: live,
            from,
            to,
            groups,
        } => (
            from,
            image_ref(to),
            DefaultVersion::New {
                after: live.default.number,
            },
            groups,
            "after the template moves",
        ),
        Step::Resume {
            template: live,
            from,
            to,
            image,
            groups,
        } => (
            from,
            image.clone(),
            DefaultVersion::Resume {
                from: live.default.number,
                to: to.number,
            },
            groups,
            "after the template moves",
        ),
        Step::Restore {
            template: live,
            from,
            to,
            image,
            groups,
        } => (
            from,
            image.clone().unwrap_or_else(|| ImageRef {
                id: to
                    .image_id
                    .clone()
                    .unwrap_or_else(|| "(no image)".to_owned()),
                name: None,
            }),
            DefaultVersion::Restore {
                from: live.default.number,
                to: to.number,
            },
            groups,
            "after the template moves back",
        ),
        _ => return Vec::new(),
    };
    moved(
        template,
        template.clone(),
        from.clone(),
        to,
        default_version,
        after(groups, reason),
    )
}

/// The changes of a step that moves the parameter a target is (or its template resolves).
fn parameter_changes(template: &Resource, step: &Step) -> Vec<Change> {
    let parameter = |name: &str| Resource {
        kind: ResourceKind::SsmParameter,
        name: name.to_owned(),
        ..template.clone()
    };
    match step {
        Step::MoveParameter {
            name,
            version,
            from,
            to,
            follower,
            ..
        } => moved(
            template,
            parameter(name),
            from.clone(),
            image_ref(to),
            DefaultVersion::New { after: *version },
            after(
                follower.iter().flat_map(|f| &f.groups),
                &format!("after the parameter {name} moves"),
            ),
        ),
        Step::RestoreParameter {
            name,
            version,
            from,
            to,
            image,
            follower,
            ..
        } => moved(
            template,
            parameter(name),
            from.clone(),
            image.clone().unwrap_or_else(|| ImageRef {
                id: to.value.clone(),
                name: None,
            }),
            DefaultVersion::Restore {
                from: *version,
                to: to.version,
            },
            after(
                follower.iter().flat_map(|f| &f.groups),
                &format!("after the parameter {name} moves back"),
            ),
        ),
        _ => Vec::new(),
    }
}

/// Each group with the same reason for its refresh.
fn after<'g>(
    groups: impl IntoIterator<Item = &'g Group>,
    reason: &str,
) -> impl Iterator<Item = (&'g str, String)> {
    groups
        .into_iter()
        .map(move |group| (group.name.as_str(), reason.to_owned()))
}

/// `resource` (the target's template, or the parameter it follows) moving to `to`, then each of
/// the target's `groups` refreshed onto it.
fn moved<'g>(
    target: &Resource,
    resource: Resource,
    from: Option<ImageRef>,
    to: ImageRef,
    default_version: DefaultVersion,
    groups: impl Iterator<Item = (&'g str, String)>,
) -> Vec<Change> {
    let refreshed = refreshes(target, &to, groups);
    let mut changes = vec![Change {
        resource,
        action: Action::MoveImage {
            from,
            to,
            default_version,
        },
    }];
    changes.extend(refreshed);
    changes
}

/// A refresh onto `image` of each of the target's groups, with why it is refreshed.
fn refreshes<'g>(
    target: &Resource,
    image: &ImageRef,
    groups: impl Iterator<Item = (&'g str, String)>,
) -> Vec<Change> {
    groups
        .map(|(name, reason)| Change {
            resource: Resource {
                kind: ResourceKind::AutoScalingGroup,
                name: name.to_owned(),
                ..target.clone()
            },
            action: Action::Refresh {
                image: image.clone(),
                reason,
            },
        })
        .collect()
}

/// `ami-… (name)`, or the id alone when the name is not visible.
pub fn show_image(image: &ImageRef) -> String {
    match &image.name {
        Some(name) => format!("{} ({name})", image.id),
        None => image.id.clone(),
    }
}

/// The listed groups, each checked to exist and to launch from `template`.
pub fn check_groups(
    names: &[String],
    found: &[Group],
    template: &LiveTemplate,
) -> Result<Vec<Group>, Error> {
    let mut groups = Vec::with_capacity(names.len());
    for name in names {
        let Some(group) = found.iter().find(|group| &group.name == name) else {
            return Err(Error::failed(
                format!("Auto Scaling group `{name}` does not exist"),
                Some("fix `auto_scaling_groups` in the manifest".to_owned()),
            ));
        };
        let uses_template = group.template.as_ref().is_some_and(|spec| {
            spec.id.as_deref() == Some(template.default.template_id.as_str())
                || spec.name.as_deref() == Some(template.default.template_name.as_str())
        });
        if !uses_template {
            return Err(Error::failed(
                format!(
                    "Auto Scaling group `{name}` does not launch from launch template {}",
                    template.default.template_id
                ),
                Some(
                    "list the group under the launch template it uses, or point the group at this template"
                        .to_owned(),
                ),
            ));
        }
        groups.push(group.clone());
    }
    Ok(groups)
}

/// Groups whose last successful refresh is older than the template's default version (or that
/// never had one), with their last refresh status.
pub fn stale_groups(
    default_created: Option<SystemTime>,
    groups: Vec<(Group, Option<Refresh>)>,
) -> Vec<(Group, String)> {
    groups
        .into_iter()
        .filter_map(|(group, refresh)| {
            let fresh = refresh.as_ref().is_some_and(|refresh| {
                refresh.is_successful()
                    && match (refresh.started, default_created) {
                        (Some(started), Some(created)) => started >= created,
                        _ => true,
                    }
            });
            (!fresh).then(|| {
                let status = refresh.map_or_else(|| "never refreshed".to_owned(), |r| r.status);
                (group, status)
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::aws::autoscaling::GroupTemplate;
    use crate::plan::fixtures::{self, image};

    fn at(secs: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
    }

    fn template(created: u64) -> LiveTemplate {
        LiveTemplate {
            default: TemplateVersion {
                template_id: "lt-0123456789abcdef0".to_owned(),
                template_name: "app".to_owned(),
                number: 2,
                image_id: Some("ami-1".to_owned()),
                description: None,
                created: Some(at(created)),
                snapshot_mappings: crate::aws::launch_templates::SnapshotMappings::default(),
            },
            latest: 2,
            newest: None,
        }
    }

    fn group(name: &str, template_id: &str) -> Group {
        Group {
            name: name.to_owned(),
            template: Some(GroupTemplate {
                id: Some(template_id.to_owned()),
                name: None,
                version: "$Default".to_owned(),
            }),
            mixed_instances: false,
        }
    }

    fn refresh(status: &str, started: u64) -> Refresh {
        Refresh {
            id: "r-1".to_owned(),
            status: status.to_owned(),
            percentage: Some(100),
            reason: None,
            instances_to_update: Some(0),
            rollback_reason: None,
            desired: None,
            min_healthy_percentage: None,
            skip_matching: None,
            started: Some(at(started)),
        }
    }

    fn target() -> TargetId {
        fixtures::target("444455556666")
    }

    #[test]
    fn a_move_lists_the_refresh_of_every_group_that_follows_it() {
        let step = Step::Move {
            template: template(10),
            from: Some(ImageRef {
                id: "ami-1".to_owned(),
                name: None,
            }),
            to: image("ami-2", "sample_v2_x"),
            groups: vec![group("web", "lt-0123456789abcdef0")],
        };
        let changes = changes(&target(), &step);
        assert_eq!(changes.len(), 2);
        assert!(matches!(
            changes[0].action,
            Action::MoveImage {
                default_version: DefaultVersion::New { after: 2 },
                ..
            }
        ));
        assert_eq!(changes[1].resource.kind, ResourceKind::AutoScalingGroup);
        assert_eq!(changes[1].resource.name, "web");
        assert!(matches!(&changes[1].action, Action::Refresh { image, .. } if image.id == "ami-2"));
    }

    #[test]
    fn a_template_to_create_is_a_creation_and_one_without_a_build_waits() {
        let mut plan = Plan::default();
        add(
            &mut plan,
            &target(),
            &Step::Create {
                to: image("ami-2", "sample_v2_x"),
                settings: vec![Field::new("instance_type", "t3.small")],
            },
        );
        add(
            &mut plan,
            &target(),
            &Step::NothingBuilt {
                reason: "no AMI".to_owned(),
                creates: true,
            },
        );
        assert_eq!(plan.counts().create, 1);
        assert_eq!(plan.counts().move_image, 0);
        assert_eq!(plan.waiting.len(), 1);
        assert!(plan.waiting[0].reason.contains("`gold up`"));
        assert_eq!(plan.unchanged, 0);
    }

    #[test]
    fn groups_refreshed_since_the_default_version_are_fresh() {
        let stale = stale_groups(
            Some(at(100)),
            vec![
                (group("fresh", "lt-1"), Some(refresh("Successful", 150))),
                (group("old", "lt-1"), Some(refresh("Successful", 50))),
                (group("failed", "lt-1"), Some(refresh("Failed", 150))),
                (group("never", "lt-1"), None),
            ],
        );
        let names: Vec<(&str, &str)> = stale
            .iter()
            .map(|(g, s)| (g.name.as_str(), s.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("old", "Successful"),
                ("failed", "Failed"),
                ("never", "never refreshed")
            ]
        );
    }

    #[test]
    fn a_listed_group_must_exist_and_launch_from_the_template() {
        let live = template(10);
        let names = vec!["web".to_owned()];
        assert!(check_groups(&names, &[group("web", "lt-0123456789abcdef0")], &live).is_ok());
        let missing = check_groups(&names, &[], &live).expect_err("missing");
        assert!(missing.to_string().contains("does not exist"));
        let other = check_groups(&names, &[group("web", "lt-other")], &live).expect_err("other");
        assert!(other.to_string().contains("does not launch from"));
    }
}
