//! A plan as text for people (like `terraform plan`) and as JSON for programs.

use std::fmt::Write;

use super::{Action, Change, ImageRef, Plan};

/// The plan as `terraform plan`-like text, grouped by account and region.
pub fn render_human(plan: &Plan) -> String {
    let mut out = String::new();
    let mut place = None;
    for change in &plan.changes {
        let here = (&change.resource.account, &change.resource.region);
        if place != Some(here) {
            let _ = writeln!(out, "{} ({}):", here.0, here.1);
            place = Some(here);
        }
        render_change(&mut out, change);
    }
    let _ = writeln!(out, "{}", summary(plan));
    out
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
        Action::MoveImage { from, to } => {
            let from = from.as_ref().map_or_else(|| "(new)".to_owned(), image);
            let _ = writeln!(out, "  ~ {label} {name}: {from} -> {}", image(to));
        }
        Action::Delete => {
            let _ = writeln!(out, "  - {label} {name}");
        }
    }
}

fn image(image: &ImageRef) -> String {
    match &image.name {
        Some(name) => format!("{} ({name})", image.id),
        None => image.id.clone(),
    }
}

/// The closing line: counts per action.
pub fn summary(plan: &Plan) -> String {
    if plan.is_empty() {
        return format!(
            "No changes: {} resources and targets match the manifest.",
            plan.unchanged
        );
    }
    let count = |f: fn(&Action) -> bool| plan.changes.iter().filter(|c| f(&c.action)).count();
    format!(
        "Plan: {} to create, {} to update, {} new versions, {} images to move, {} to delete; {} unchanged.",
        count(|a| matches!(a, Action::Create { .. })),
        count(|a| matches!(a, Action::Update { .. })),
        count(|a| matches!(a, Action::NewVersion { .. })),
        count(|a| matches!(a, Action::MoveImage { .. })),
        count(|a| matches!(a, Action::Delete)),
        plan.unchanged,
    )
}

/// The plan as one JSON document.
pub fn render_json(plan: &Plan) -> serde_json::Value {
    serde_json::json!({
        "changes": plan.changes,
        "unchanged": plan.unchanged,
        "has_changes": !plan.is_empty(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{FieldChange, Resource, ResourceKind};

    fn resource(kind: ResourceKind, name: &str) -> Resource {
        Resource {
            kind,
            name: name.to_owned(),
            account: "444455556666".to_owned(),
            region: "ap-northeast-1".to_owned(),
        }
    }

    #[test]
    fn renders_the_origin_scenarios_image_move_like_terraform() {
        let plan = Plan {
            changes: vec![
                Change {
                    resource: resource(ResourceKind::LaunchTemplate, "sample-lt"),
                    action: Action::MoveImage {
                        from: Some(ImageRef {
                            id: "ami-009eb3b9fa9967c9d".to_owned(),
                            name: Some("sample_v4_2022-08-10T09-01-50.490Z".to_owned()),
                        }),
                        to: ImageRef {
                            id: "ami-084c429949f8663b0".to_owned(),
                            name: None,
                        },
                    },
                },
                Change {
                    resource: resource(ResourceKind::InfrastructureConfiguration, "sample"),
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
        };
        let text = render_human(&plan);
        assert_eq!(
            text,
            "444455556666 (ap-northeast-1):\n  ~ launch template sample-lt: ami-009eb3b9fa9967c9d (sample_v4_2022-08-10T09-01-50.490Z) -> ami-084c429949f8663b0\n  ~ infrastructure configuration sample\n      instance_types: t3.small -> t3.medium\nPlan: 0 to create, 1 to update, 0 new versions, 1 images to move, 0 to delete; 3 unchanged.\n"
        );
        assert_eq!(
            render_json(&plan)["changes"][0]["action"]["type"],
            "move_image"
        );
    }

    #[test]
    fn an_empty_plan_says_no_changes() {
        let plan = Plan {
            changes: vec![],
            unchanged: 9,
        };
        assert_eq!(
            render_human(&plan),
            "No changes: 9 resources and targets match the manifest.\n"
        );
    }
}
