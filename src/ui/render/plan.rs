//! A plan as text, like `terraform plan`: changes grouped by account and region, `+` create,
//! `~` update or move, `-/+` new version, `-` delete, then one line of counts and what waits.
//!
//! A fleet of hundreds of targets would print hundreds of identical moves; once the plan is
//! longer than a screen, identical changes to targets (same kind, same action, same images)
//! print once with their count, and `-v` lists each again.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use super::{SCREENFUL, count};
use crate::plan::allowed::Audited;
use crate::plan::consumer::show_image;
use crate::plan::{Action, Change, DefaultVersion, ImageRef, Plan, Resource, ResourceKind};

/// One warning per account whose Allowed AMIs audit the image its targets move to.
pub fn audited(entries: &[Audited]) -> Vec<String> {
    entries
        .iter()
        .map(|entry| {
            format!(
                "account {}'s Allowed AMIs in {} are in audit mode and do not admit {}: its targets move, but enabling the setting as it is would stop every launch of it; {}",
                entry.account, entry.region, entry.image, entry.hint
            )
        })
        .collect()
}

/// The plan as text; `verbose` lists every change even when there are many.
pub fn plan(plan: &Plan, verbose: bool) -> String {
    let mut out = super::discovery::organization(&plan.discovered, &plan.unmatched);
    let grouped = !verbose && plan.changes.len() > SCREENFUL;
    let (targets, others): (Vec<&Change>, Vec<&Change>) = plan
        .changes
        .iter()
        .partition(|change| grouped && is_target(change.resource.kind));
    let mut place = None;
    for change in others {
        let here = (&change.resource.account, &change.resource.region);
        if place != Some(here) {
            let _ = writeln!(out, "{} ({}):", here.0, here.1);
            place = Some(here);
        }
        render_change(&mut out, change);
    }
    if !targets.is_empty() {
        render_groups(&mut out, &targets);
    }
    let _ = writeln!(out, "{}", summary(plan));
    render_waiting(&mut out, plan, verbose);
    render_problems(&mut out, plan);
    out
}

/// Targets that cannot be planned, each with why and its fix (every one: each needs a fix).
fn render_problems(out: &mut String, plan: &Plan) {
    if plan.problems.is_empty() {
        return;
    }
    let _ = writeln!(out, "Cannot plan:");
    for problem in &plan.problems {
        let _ = writeln!(out, "  {}: {}", located(&problem.resource), problem.message);
        if let Some(hint) = &problem.hint {
            let _ = writeln!(out, "    hint: {hint}");
        }
    }
}

/// `launch template app (444455556666/ap-northeast-1)`: a resource where it lives.
fn located(resource: &Resource) -> String {
    format!(
        "{} ({}/{})",
        resource.label(),
        resource.account,
        resource.region
    )
}

fn is_target(kind: ResourceKind) -> bool {
    matches!(
        kind,
        ResourceKind::LaunchTemplate | ResourceKind::AutoScalingGroup | ResourceKind::SsmParameter
    )
}

fn render_change(out: &mut String, change: &Change) {
    let label = change.resource.kind.label();
    let name = &change.resource.name;
    match &change.action {
        Action::Create { fields } => {
            let _ = writeln!(out, "  + {label} {name}");
            for field in fields {
                let _ = writeln!(out, "      {}: {}", field.name, field.value);
            }
        }
        Action::Update { fields } => {
            let _ = writeln!(out, "  ~ {label} {name}");
            for field in fields {
                let _ = writeln!(out, "      {}: {} -> {}", field.name, field.old, field.new);
            }
        }
        Action::NewVersion { from, to, reason } => {
            let _ = writeln!(out, "-/+ {label} {name} {from} -> {to} ({reason})");
        }
        Action::MoveImage {
            from,
            to,
            default_version,
        } => {
            let _ = writeln!(
                out,
                "  ~ {label} {name}: {}{}",
                image_move(from.as_ref(), to),
                version_note(change.resource.kind, *default_version)
            );
        }
        Action::Refresh { image, reason } => {
            let _ = writeln!(
                out,
                "  ~ {label} {name}: instance refresh to {} ({reason})",
                image.id
            );
        }
        Action::Delete => {
            let _ = writeln!(out, "  - {label} {name}");
        }
    }
}

fn image_move(from: Option<&ImageRef>, to: &ImageRef) -> String {
    let from = from.map_or_else(|| "(no image)".to_owned(), show_image);
    format!("{from} -> {}", show_image(to))
}

/// A rollback says which template version becomes the default again (or which parameter
/// version's value comes back); a rollout makes a new one.
fn version_note(kind: ResourceKind, version: DefaultVersion) -> String {
    match version {
        DefaultVersion::New { .. } => String::new(),
        DefaultVersion::Restore { to, .. } if kind == ResourceKind::SsmParameter => {
            format!(" (the value of version {to})")
        }
        DefaultVersion::Restore { from, to } => {
            format!(" (default version {from} -> {to})")
        }
        DefaultVersion::Resume { from, to } => {
            format!(" (default version {from} -> {to}, made by an interrupted rollout)")
        }
    }
}

/// Identical target changes, once each with their count.
fn render_groups(out: &mut String, changes: &[&Change]) {
    let accounts: BTreeSet<&str> = changes
        .iter()
        .map(|c| c.resource.account.as_str())
        .collect();
    let regions: BTreeSet<&str> = changes.iter().map(|c| c.resource.region.as_str()).collect();
    let _ = writeln!(
        out,
        "{} in {} and {} (`-v` lists each):",
        count(changes.len(), "target change"),
        count(accounts.len(), "account"),
        count(regions.len(), "region"),
    );
    let mut groups: BTreeMap<(ResourceKind, String), usize> = BTreeMap::new();
    for change in changes {
        *groups
            .entry((change.resource.kind, group_line(change)))
            .or_default() += 1;
    }
    for ((kind, line), n) in groups {
        let noun = if n == 1 {
            kind.label().to_owned()
        } else {
            kind.plural()
        };
        let _ = writeln!(
            out,
            "{line}",
            line = line.replacen("{}", &format!("{n} {noun}"), 1)
        );
    }
}

/// A change without its resource's name: `  ~ {}: ami-A (…) -> ami-B (…)`, where `{}` becomes
/// the count and the kind.
fn group_line(change: &Change) -> String {
    match &change.action {
        Action::Create { fields } => {
            let image = fields
                .iter()
                .find(|field| field.name == "image")
                .map(|field| format!(" on {}", field.value))
                .unwrap_or_default();
            format!("  + {{}}{image}")
        }
        Action::Update { .. } => "  ~ {} updated".to_owned(),
        Action::NewVersion { to, .. } => format!("-/+ {{}} -> {to}"),
        Action::MoveImage {
            from,
            to,
            default_version,
        } => format!(
            "  ~ {{}}: {}{}",
            image_move(from.as_ref(), to),
            match default_version {
                DefaultVersion::New { .. } => "",
                DefaultVersion::Restore { .. } => " (back to the version before gold's rollout)",
                DefaultVersion::Resume { .. } => " (a version an interrupted rollout made)",
            }
        ),
        Action::Refresh { image, .. } => format!("  ~ {{}}: instance refresh to {}", image.id),
        Action::Delete => "  - {}".to_owned(),
    }
}

/// The closing line: counts per action.
pub fn summary(plan: &Plan) -> String {
    let mut line = if plan.is_empty() {
        format!(
            "No changes: {} resources and targets match the manifest.",
            plan.unchanged
        )
    } else {
        let c = plan.counts();
        let refreshes = if c.refresh > 0 {
            format!(", {} instance refreshes", c.refresh)
        } else {
            String::new()
        };
        format!(
            "Plan: {} to create, {} to update, {} new versions, {} images to move{refreshes}, {} to delete; {} unchanged.",
            c.create, c.update, c.new_version, c.move_image, c.delete, plan.unchanged,
        )
    };
    if !plan.problems.is_empty() {
        let _ = write!(
            line,
            " {} cannot be planned.",
            count(plan.problems.len(), "target")
        );
    }
    if plan.left_to_rollout > 0 {
        let _ = write!(
            line,
            " {} left to `gold rollout`.",
            count(plan.left_to_rollout, "change")
        );
    }
    line
}

fn render_waiting(out: &mut String, plan: &Plan, verbose: bool) {
    if plan.waiting.is_empty() {
        return;
    }
    if !verbose && plan.waiting.len() > SCREENFUL {
        let _ = writeln!(
            out,
            "Waiting for a build: {} (`-v` lists each); the first: {}",
            count(plan.waiting.len(), "target"),
            plan.waiting[0].reason
        );
        return;
    }
    let _ = writeln!(out, "Waiting for a build:");
    for waiting in &plan.waiting {
        let _ = writeln!(out, "  {}: {}", located(&waiting.resource), waiting.reason);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{FieldChange, Waiting};

    fn resource(kind: ResourceKind, name: &str, account: &str) -> Resource {
        Resource {
            kind,
            name: name.to_owned(),
            account: account.to_owned(),
            region: "ap-northeast-1".to_owned(),
        }
    }

    fn image(id: &str, name: Option<&str>) -> ImageRef {
        ImageRef {
            id: id.to_owned(),
            name: name.map(str::to_owned),
        }
    }

    fn moves(accounts: usize) -> Vec<Change> {
        (0..accounts)
            .map(|i| Change {
                resource: resource(ResourceKind::LaunchTemplate, "app", &format!("6{i:011}")),
                action: Action::MoveImage {
                    from: Some(image("ami-A", Some("sample_v1_2022-08-10T09-01-50.490Z"))),
                    to: image("ami-B", Some("sample_v2_2022-08-11T09-01-50.490Z")),
                    default_version: DefaultVersion::New { after: 1 },
                },
            })
            .collect()
    }

    #[test]
    fn renders_the_origin_scenarios_image_move_like_terraform() {
        let plan = Plan {
            changes: vec![
                Change {
                    resource: resource(ResourceKind::LaunchTemplate, "sample-lt", "444455556666"),
                    action: Action::MoveImage {
                        from: Some(image(
                            "ami-009eb3b9fa9967c9d",
                            Some("sample_v4_2022-08-10T09-01-50.490Z"),
                        )),
                        to: image("ami-084c429949f8663b0", None),
                        default_version: DefaultVersion::New { after: 1 },
                    },
                },
                Change {
                    resource: resource(
                        ResourceKind::InfrastructureConfiguration,
                        "sample",
                        "444455556666",
                    ),
                    action: Action::Update {
                        fields: vec![FieldChange {
                            name: "instance_types".to_owned(),
                            old: "t3.small".to_owned(),
                            new: "t3.medium".to_owned(),
                        }],
                    },
                },
            ],
            unchanged: 3,
            ..Plan::default()
        };
        assert_eq!(
            super::plan(&plan, false),
            "444455556666 (ap-northeast-1):\n  ~ launch template sample-lt: ami-009eb3b9fa9967c9d (sample_v4_2022-08-10T09-01-50.490Z) -> ami-084c429949f8663b0\n  ~ infrastructure configuration sample\n      instance_types: t3.small -> t3.medium\nPlan: 0 to create, 1 to update, 0 new versions, 1 images to move, 0 to delete; 3 unchanged.\n"
        );
    }

    #[test]
    fn an_empty_plan_says_no_changes() {
        let plan = Plan {
            unchanged: 9,
            ..Plan::default()
        };
        assert_eq!(
            super::plan(&plan, false),
            "No changes: 9 resources and targets match the manifest.\n"
        );
    }

    #[test]
    fn a_fleet_groups_identical_moves_and_verbose_lists_each() {
        let mut changes = moves(200);
        changes.push(Change {
            resource: resource(ResourceKind::AutoScalingGroup, "web", "600000000000"),
            action: Action::Refresh {
                image: image("ami-B", None),
                reason: "after the template moves".to_owned(),
            },
        });
        let plan = Plan {
            changes,
            ..Plan::default()
        };
        insta::assert_snapshot!(super::plan(&plan, false), @r"
        201 target changes in 200 accounts and 1 region (`-v` lists each):
          ~ 200 launch templates: ami-A (sample_v1_2022-08-10T09-01-50.490Z) -> ami-B (sample_v2_2022-08-11T09-01-50.490Z)
          ~ 1 auto scaling group: instance refresh to ami-B
        Plan: 0 to create, 0 to update, 0 new versions, 200 images to move, 1 instance refreshes, 0 to delete; 0 unchanged.
        ");
        assert_eq!(super::plan(&plan, true).lines().count(), 403);
    }

    #[test]
    fn creations_and_what_waits_for_a_build_are_said_apart() {
        let plan = Plan {
            unchanged: 8,
            waiting: vec![Waiting {
                resource: resource(ResourceKind::LaunchTemplate, "sample-lt", "444455556666"),
                reason: "no AMI owned by 111122223333 named sample_v*_* is visible to 444455556666 in ap-northeast-1; `gold up` or `gold rollout` creates it once a build is available".to_owned(),
            }],
            ..Plan::default()
        };
        insta::assert_snapshot!(super::plan(&plan, false), @r"
        No changes: 8 resources and targets match the manifest.
        Waiting for a build:
          launch template sample-lt (444455556666/ap-northeast-1): no AMI owned by 111122223333 named sample_v*_* is visible to 444455556666 in ap-northeast-1; `gold up` or `gold rollout` creates it once a build is available
        ");
    }
}
