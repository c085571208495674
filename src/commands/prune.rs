//! `gold prune`: apply the manifest's `[lifecycle]` to the pipeline's builds.
//!
//! 1. read every build in every distribution region and decide, by age and `keep_latest`, which
//!    AMIs the policy would deprecate or delete;
//! 2. look for users of exactly those AMIs in every consumer account ([`consumer::usage`]); an
//!    AMI in use, or in a region of an account gold could not read, is kept, and the plan says
//!    who holds it;
//! 3. show the plan, confirm, then deprecate, then deregister (with snapshots), then delete the
//!    Image Builder images whose every AMI is gone. One AMI's failure does not stop the rest.
//!
//! An unreadable consumer account makes the command exit 1 even when the rest succeeded: the
//! AMIs it might use are still there, waiting for a run that can look.

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::time::SystemTime;

use crate::Error;
use crate::cli::{GlobalArgs, PruneArgs};
use crate::consumer::{self, DEFAULT_PARALLELISM};
use crate::error::Cause;
use crate::manifest;
use crate::plan::lifecycle::{self, AmiOutcome, ImageOutcome, Policy, PrunePlan, Pruned, Usage};
use crate::producer;
use crate::ui::{self, Event, Printer};

use super::{block_on, manifest_path};

/// Runs `gold prune`.
pub fn run(args: &PruneArgs, global: &GlobalArgs, printer: &Printer) -> Result<ExitCode, Error> {
    let loaded = manifest::load(&manifest_path(global)?)?;
    let manifest = &loaded.manifest;
    let Some(policy) = &manifest.lifecycle else {
        return Err(Error::Usage {
            message: "the manifest has no `[lifecycle]` table, so `gold prune` has nothing to apply".to_owned(),
            hint: Some("add `[lifecycle]` with `keep_latest` (and `deprecate_after`, `delete_after`) to the manifest".to_owned()),
        });
    };
    let policy = Policy {
        keep_latest: usize::try_from(policy.keep_latest).unwrap_or(usize::MAX),
        deprecate_after: policy.deprecate_after_duration(),
        delete_after: policy.delete_after_duration(),
    };
    let work = async {
        let sessions =
            super::sessions(global, printer, crate::aws::DEFAULT_CALLS_PER_ACCOUNT).await;
        let session = producer::session(&loaded, &sessions).await?;
        let builds = producer::lifecycle::builds(manifest, &session).await?;
        let now = SystemTime::now();
        // Look only for users of what the policy would touch.
        let wanted = lifecycle::prune(&builds, &policy, &Usage::default(), now);
        let mut by_region: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (_, ami) in wanted.amis(true).chain(wanted.amis(false)) {
            by_region
                .entry(ami.region.clone())
                .or_default()
                .push(ami.id.clone());
        }
        let usage = if by_region.is_empty() {
            Usage::default()
        } else {
            consumer::usage::usage(manifest, &sessions, &session, &by_region, DEFAULT_PARALLELISM).await
        };
        let plan = lifecycle::prune(&builds, &policy, &usage, now);
        if args.dry_run || plan.is_empty() {
            printer.conclude(&Event("prune_plan", &plan));
            return unreadable(&plan);
        }
        printer.show(&Event("prune_plan", &plan));
        let question = format!(
            "Deprecate {} and delete {} AMI(s) in account {}?",
            plan.amis(false).count(),
            plan.amis(true).count(),
            session.account()
        );
        if !ui::confirm(global.yes, &question).await? {
            return Err(Error::failed("nothing was changed: not confirmed", None));
        }
        let pruned = apply(&session, manifest, &plan).await;
        let causes: Vec<Cause> = pruned
            .amis
            .iter()
            .filter_map(|ami| ami.error.clone())
            .chain(pruned.images.iter().filter_map(|image| image.error.clone()))
            .map(|message| Cause {
                message,
                hint: None,
            })
            .collect();
        printer.conclude(&Event("pruned", &pruned));
        if !causes.is_empty() {
            return Err(Error::Failed {
                message: format!("{} prune step(s) failed", causes.len()),
                hint: Some(
                    "fix the causes above and run `gold prune` again: what is gone stays gone"
                        .to_owned(),
                ),
                causes,
            });
        }
        unreadable(&plan)
    };
    block_on(super::stoppable(
        work,
        "run `gold prune` again: it finishes the rest",
    ))??;
    Ok(ExitCode::SUCCESS)
}

/// Deprecates, then deletes, then removes the Image Builder images of fully deleted builds.
async fn apply(
    session: &crate::aws::Session,
    manifest: &crate::manifest::Manifest,
    plan: &PrunePlan,
) -> Pruned {
    let outcome = |build: &lifecycle::PruneBuild,
                   ami: &lifecycle::PruneAmi,
                   done: &str,
                   result: Result<(), crate::aws::AwsError>| AmiOutcome {
        region: ami.region.clone(),
        id: ami.id.clone(),
        build: build.name.clone(),
        done: result.is_ok().then(|| done.to_owned()),
        error: result.err().map(|err| err.to_string()),
    };
    let deprecated = futures::future::join_all(plan.amis(false).map(|(build, ami)| async move {
        let result = producer::lifecycle::deprecate(session, &ami.region, &ami.id).await;
        outcome(build, ami, "deprecated", result)
    }))
    .await;
    let deleted = futures::future::join_all(plan.amis(true).map(|(build, ami)| async move {
        let result = producer::lifecycle::delete_ami(session, manifest, &ami.region, &ami.id).await;
        outcome(build, ami, "deleted", result)
    }))
    .await;
    let failed_builds: Vec<&str> = deleted
        .iter()
        .filter(|ami| ami.failed())
        .map(|ami| ami.build.as_str())
        .collect();
    let images = futures::future::join_all(
        plan.builds
            .iter()
            .filter(|build| !failed_builds.contains(&build.name.as_str()))
            .filter_map(|build| build.delete_image.as_deref())
            .map(|arn| async move {
                let result = producer::lifecycle::delete_image(session, arn).await;
                ImageOutcome {
                    arn: arn.to_owned(),
                    error: result.err().map(|err| err.to_string()),
                }
            }),
    )
    .await;
    let kept = plan.protected();
    let mut amis = deprecated;
    amis.extend(deleted);
    Pruned { amis, images, kept }
}

/// Fails, naming each consumer account or region that could not be read.
fn unreadable(plan: &PrunePlan) -> Result<(), Error> {
    if plan.unchecked.is_empty() {
        return Ok(());
    }
    Err(Error::Failed {
        message: format!(
            "{} consumer place(s) could not be checked: the AMIs they might use were kept",
            plan.unchecked.len()
        ),
        hint: Some("fix gold's access to those accounts and run `gold prune` again".to_owned()),
        causes: plan
            .unchecked
            .iter()
            .map(|place| Cause {
                message: place.to_string(),
                hint: None,
            })
            .collect(),
    })
}
