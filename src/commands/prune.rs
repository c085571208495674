//! `gold prune`: apply the manifest's `[lifecycle]` to the pipeline's builds. The flow is
//! [`ops::prune`]'s: this verb plans, shows the plan, confirms, applies and renders.
//!
//! An unreadable consumer account makes the command exit 1 even when the rest succeeded: the
//! AMIs it might use are still there, waiting for a run that can look.

use std::process::ExitCode;

use crate::Error;
use crate::cli::{GlobalArgs, PruneArgs};
use crate::error::Cause;
use crate::manifest;
use crate::ops;
use crate::plan::lifecycle::{Policy, PrunePlan};
use crate::producer;
use crate::ui::{self, Printer, StreamEvent};

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
        keep_template_versions: usize::try_from(policy.keep_template_versions)
            .unwrap_or(usize::MAX),
    };
    let work = async {
        let sessions =
            super::sessions(global, printer, crate::aws::DEFAULT_CALLS_PER_ACCOUNT).await;
        let session = producer::session(&loaded, &sessions).await?;
        let plan = ops::prune::plan(manifest, &sessions, &session, &policy).await?;
        if args.dry_run || plan.is_empty() {
            printer.conclude(&StreamEvent::PrunePlan.of(&plan));
            return unreadable(&plan);
        }
        printer.show(&StreamEvent::PrunePlan.of(&plan));
        let question = format!(
            "Deprecate {} and delete {} AMI(s) in account {}?",
            plan.amis(false).count(),
            plan.amis(true).count(),
            session.account()
        );
        if !ui::confirm(global.yes, &question).await? {
            return Err(Error::failed("nothing was changed: not confirmed", None));
        }
        let pruned = ops::prune::apply(manifest, &sessions, &session, &plan).await?;
        let causes: Vec<Cause> = pruned
            .versions
            .iter()
            .filter_map(|version| version.error.clone())
            .chain(pruned.amis.iter().filter_map(|ami| ami.error.clone()))
            .chain(pruned.images.iter().filter_map(|image| image.error.clone()))
            .map(|message| Cause {
                message,
                hint: None,
            })
            .collect();
        printer.conclude(&StreamEvent::Pruned.of(&pruned));
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
