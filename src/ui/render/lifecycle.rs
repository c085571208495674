//! The text of `gold retire` and `gold prune`: which builds, which targets move, who holds each
//! AMI gold keeps, and how each step ended.

use std::fmt::Write as _;
use std::time::Duration;

use super::{age, count, plan, summary};
use crate::ops::retire::Retired;
use crate::plan::lifecycle::{
    AmiAction, AmiOutcome, PruneAmi, PruneBuild, PrunePlan, Pruned, RetirePlan,
};

/// The plan of `gold retire`.
pub fn retire_plan(retire: &RetirePlan, verbose: bool) -> String {
    let r = &retire.retirement;
    let mut out = String::new();
    for build in &r.builds {
        let number = build_number(build.build.as_deref());
        let _ = writeln!(out, "Retire {number}({}):", build.name);
        for ami in &build.amis {
            let verb = if r.disable {
                "deprecate and disable"
            } else {
                "deprecate"
            };
            let _ = writeln!(out, "  - {verb} {} in {}", ami.id, ami.region);
        }
    }
    if let Some(reason) = &r.reason {
        let _ = writeln!(out, "Reason: {reason}");
    }
    let to =
        r.to.as_deref()
            .unwrap_or("the newest build that is not retired");
    let _ = writeln!(out, "Targets on it move to {to}:");
    out.push_str(&plan(&retire.moves, verbose));
    if !r.held_by.is_empty() {
        let _ = writeln!(out, "Used now by:");
        for holder in &r.held_by {
            let _ = writeln!(out, "  {holder} ({})", holder.ami);
        }
    }
    for place in &r.unchecked {
        let _ = writeln!(out, "Not checked: {place}");
    }
    if let Some(why) = &r.nothing_to_move_to {
        let _ = writeln!(out, "Nothing to move to: {why}");
    }
    out
}

/// How `gold retire` ended.
pub fn retired(retired: &Retired, verbose: bool) -> String {
    let mut out = summary(&retired.moves, verbose);
    out.push('\n');
    outcomes(&mut out, &retired.amis);
    if let Some(why) = &retired.not_disabled {
        let _ = write!(out, "\nNot disabled: {why}");
        for holder in &retired.launched_by {
            let _ = write!(out, "\n  launched through {holder} ({})", holder.ami);
        }
        for place in &retired.unchecked {
            let _ = write!(out, "\n  not checked: {place}");
        }
    }
    out
}

/// `build 1.0.1/3 ` before a build's name, when it has a stable name.
fn build_number(build: Option<&str>) -> String {
    build.map(|n| format!("build {n} ")).unwrap_or_default()
}

/// Whether prune leaves an AMI as it is (kept, but not because something holds it).
fn left_alone(ami: &PruneAmi) -> bool {
    matches!(
        ami.action,
        AmiAction::Keep {
            protected: false,
            ..
        }
    )
}

/// The plan of `gold prune`: every build and what happens to each of its AMIs.
pub fn prune_plan(prune: &PrunePlan, verbose: bool) -> String {
    let mut out = String::new();
    if prune.builds.is_empty() {
        out.push_str("No builds of this pipeline in any distribution region.\n");
    }
    for build in &prune.builds {
        if verbose || !build.amis.iter().all(left_alone) {
            prune_build(&mut out, build);
        }
    }
    let kept = prune
        .builds
        .iter()
        .filter(|build| build.amis.iter().all(left_alone))
        .count();
    let _ = write!(
        out,
        "Prune: {} to deprecate, {} to delete, {} kept in use or unchecked; {} left as they are.",
        count(prune.amis(false).count(), "AMI"),
        count(prune.amis(true).count(), "AMI"),
        count(prune.protected(), "AMI"),
        count(kept, "build"),
    );
    for place in &prune.unchecked {
        let _ = write!(out, "\nNot checked: {place}");
    }
    out
}

/// One build of the prune plan: what happens to each of its AMIs and to its image.
fn prune_build(out: &mut String, build: &PruneBuild) {
    let number = build_number(build.build.as_deref());
    let age = build
        .age_seconds
        .map(|s| format!(", {} old", age(Duration::from_secs(s))))
        .unwrap_or_default();
    let _ = writeln!(out, "{number}({}{age}):", build.name);
    for ami in &build.amis {
        match &ami.action {
            AmiAction::Deprecate => {
                let _ = writeln!(out, "  ~ deprecate {} in {}", ami.id, ami.region);
            }
            AmiAction::Delete => {
                for version in &ami.frees {
                    let _ = writeln!(out, "  - delete {version}, which alone holds it");
                }
                let _ = writeln!(
                    out,
                    "  - delete {} in {} (and its snapshots)",
                    ami.id, ami.region
                );
            }
            AmiAction::Keep {
                reason, held_by, ..
            } => {
                let _ = writeln!(out, "    keep {} in {}: {reason}", ami.id, ami.region);
                for holder in held_by {
                    let _ = writeln!(out, "      held by {holder}");
                }
            }
        }
    }
    if let Some(arn) = &build.delete_image {
        let _ = writeln!(out, "  - delete Image Builder image {arn}");
    }
}

/// How `gold prune` ended.
pub fn pruned(pruned: &Pruned) -> String {
    let mut out = format!(
        "Pruned: {} done, {} failed; {} Image Builder image(s) deleted; {} kept in use or unchecked.\n",
        count(pruned.amis.iter().filter(|a| !a.failed()).count(), "AMI"),
        pruned.amis.iter().filter(|a| a.failed()).count(),
        pruned.images.iter().filter(|i| i.error.is_none()).count(),
        count(pruned.kept, "AMI"),
    );
    for outcome in &pruned.versions {
        let _ = match &outcome.error {
            Some(error) => writeln!(out, "  FAILED {}: {error}", outcome.version),
            None => writeln!(out, "  deleted {}", outcome.version),
        };
    }
    outcomes(&mut out, &pruned.amis);
    out
}

fn outcomes(out: &mut String, amis: &[AmiOutcome]) {
    for ami in amis {
        match (&ami.done, &ami.error) {
            (_, Some(error)) => {
                let _ = writeln!(
                    out,
                    "  FAILED {} in {} ({}): {error}",
                    ami.id, ami.region, ami.build
                );
            }
            (Some(done), None) => {
                let _ = writeln!(out, "  {done} {} in {} ({})", ami.id, ami.region, ami.build);
            }
            (None, None) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::retire::Retired;
    use crate::plan::lifecycle::{
        FreedVersion, Holder, HolderKind, PruneAmi, PruneBuild, Unchecked,
    };

    #[test]
    fn the_prune_plan_names_who_holds_each_kept_ami() {
        let plan = PrunePlan {
            builds: vec![
                PruneBuild {
                    name: "sample_v2_x".to_owned(),
                    number: Some(2),
                    build: Some("1.0.0/2".to_owned()),
                    age_seconds: Some(7200),
                    amis: vec![PruneAmi {
                        region: "ap-northeast-1".to_owned(),
                        id: "ami-2".to_owned(),
                        frees: Vec::new(),
                        action: AmiAction::Keep {
                            reason: "in use".to_owned(),
                            held_by: vec![Holder {
                                account: "444455556666".to_owned(),
                                region: "ap-northeast-1".to_owned(),
                                kind: HolderKind::LaunchTemplateVersion,
                                resource: "app (lt-1) version 1".to_owned(),
                                ami: "ami-2".to_owned(),
                                launches: false,
                                version: None,
                            }],
                            protected: true,
                        },
                    }],
                    delete_image: None,
                },
                PruneBuild {
                    name: "sample_v1_x".to_owned(),
                    number: Some(1),
                    build: Some("1.0.0/1".to_owned()),
                    age_seconds: Some(3 * 86_400),
                    amis: vec![PruneAmi {
                        region: "ap-northeast-1".to_owned(),
                        id: "ami-1".to_owned(),
                        action: AmiAction::Delete,
                        frees: vec![FreedVersion {
                            account: "444455556666".to_owned(),
                            region: "ap-northeast-1".to_owned(),
                            template: "app".to_owned(),
                            template_id: "lt-1".to_owned(),
                            version: 2,
                        }],
                    }],
                    delete_image: Some(
                        "arn:aws:imagebuilder:ap-northeast-1:111122223333:image/sample/1.0.0/1"
                            .to_owned(),
                    ),
                },
            ],
            unchecked: vec![Unchecked {
                account: "222233334444".to_owned(),
                region: None,
                error: "AccessDenied".to_owned(),
            }],
        };
        insta::assert_snapshot!(prune_plan(&plan, false), @r"
        build 1.0.0/2 (sample_v2_x, 2h old):
            keep ami-2 in ap-northeast-1: in use
              held by launch template app (lt-1) version 1 in 444455556666/ap-northeast-1
        build 1.0.0/1 (sample_v1_x, 3d old):
          - delete launch template app (lt-1) version 2 in 444455556666/ap-northeast-1, which alone holds it
          - delete ami-1 in ap-northeast-1 (and its snapshots)
          - delete Image Builder image arn:aws:imagebuilder:ap-northeast-1:111122223333:image/sample/1.0.0/1
        Prune: 0 AMIs to deprecate, 1 AMI to delete, 1 AMI kept in use or unchecked; 0 builds left as they are.
        Not checked: 222233334444 could not be checked: AccessDenied
        ");
    }

    fn holder(kind: HolderKind, account: &str, resource: &str, launches: bool) -> Holder {
        Holder {
            account: account.to_owned(),
            region: "ap-northeast-1".to_owned(),
            kind,
            resource: resource.to_owned(),
            ami: "ami-2".to_owned(),
            launches,
            version: None,
        }
    }

    #[test]
    fn a_retirement_that_could_not_disable_names_what_still_launches_the_build() {
        let retired = Retired {
            moves: crate::consumer::Summary::default(),
            amis: vec![AmiOutcome {
                region: "ap-northeast-1".to_owned(),
                id: "ami-2".to_owned(),
                build: "sample_v2_x".to_owned(),
                done: Some("deprecated".to_owned()),
                error: None,
            }],
            not_disabled: Some("2 holder(s) would still launch it: deprecated only".to_owned()),
            launched_by: vec![
                holder(HolderKind::Parameter, "444455556666", "/app/ami", true),
                holder(
                    HolderKind::ReportedLaunchTemplates,
                    "666677778888",
                    "1 launch template(s)",
                    true,
                ),
            ],
            unchecked: Vec::new(),
            images: Vec::new(),
        };
        // The moves' summary is the rollout's, snapshotted with it.
        let full = super::retired(&retired, false);
        let text = full
            .strip_prefix(&summary(&retired.moves, false))
            .unwrap_or(&full)
            .trim_start();
        insta::assert_snapshot!(text, @r"
        deprecated ami-2 in ap-northeast-1 (sample_v2_x)

        Not disabled: 2 holder(s) would still launch it: deprecated only
          launched through SSM parameter /app/ami in 444455556666/ap-northeast-1 (ami-2)
          launched through account 666677778888 (no consumer gold reads) in ap-northeast-1: 1 launch template(s), per the AMI usage report (ami-2)
        ");
    }
}
