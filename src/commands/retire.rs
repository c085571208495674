//! `gold retire BUILD…`: take bad builds out of the fleet. The flow is [`ops::retire`]'s: this
//! verb plans, shows the plan, confirms, applies and renders.
//!
//! Exit codes: 0 when every target moved and every AMI was marked as asked; 1 when a move or
//! an AMI step failed, when `--disable` found something that would still launch the AMIs (it
//! deprecates and names each holder), or when targets run the build and there is nothing to
//! move them to (nothing is changed; `--dry-run` ends the same way).

use std::process::ExitCode;

use crate::Error;
use crate::cli::{GlobalArgs, RetireArgs};
use crate::error::Cause;
use crate::manifest;
use crate::ops::retire::{self, Prepared, Request, Retired};
use crate::producer;
use crate::ui::report::{Report, to_json};
use crate::ui::{self, Printer, RolloutProgress, StreamEvent, render};

use super::rollout::interruptible;
use super::{block_on, manifest_path};

impl Report for Retired {
    fn human(&self, verbose: bool) -> String {
        render::retired(self, verbose)
    }

    fn json(&self) -> serde_json::Value {
        to_json(self)
    }
}

/// Runs `gold retire`.
pub fn run(args: &RetireArgs, global: &GlobalArgs, printer: &Printer) -> Result<ExitCode, Error> {
    let loaded = manifest::load(&manifest_path(global)?)?;
    let manifest = &loaded.manifest;
    let loaded = &loaded;
    let request = Request {
        builds: &args.builds,
        to: args.to.as_deref(),
        disable: args.disable,
        reason: args.reason.clone(),
        parallelism: usize::from(args.parallelism),
    };
    let request = &request;
    block_on(interruptible(
        |interrupt| async move {
            let sessions =
                super::sessions(global, printer, crate::aws::DEFAULT_CALLS_PER_ACCOUNT).await;
            let session = producer::session(loaded, &sessions).await?;
            let prepared = retire::plan(manifest, &sessions, &session, request).await?;
            for change in prepared.channels.describe(manifest) {
                printer.info(&change);
            }
            if args.dry_run || prepared.stuck().is_some() {
                printer.conclude(&StreamEvent::RetirePlan.of(&prepared.plan));
                return stuck(&prepared);
            }
            printer.show(&StreamEvent::RetirePlan.of(&prepared.plan));
            if !ui::confirm(global.yes, &question(&prepared)).await? {
                return Err(Error::failed("nothing was changed: not confirmed", None));
            }
            for said in prepared
                .record_channels(manifest, &sessions, &session)
                .await?
            {
                printer.info(&said);
            }
            let progress = RolloutProgress::new(printer);
            let retired = retire::apply(
                manifest, &sessions, &session, prepared, &progress, &interrupt,
            )
            .await;
            progress.finish();
            printer.conclude(&StreamEvent::Retired.of(&retired));
            if interrupt.requested() || retired.finished() {
                return Ok(());
            }
            Err(failure(&retired))
        },
        "gold retire",
        printer,
    ))??;
    Ok(ExitCode::SUCCESS)
}

fn question(prepared: &Prepared) -> String {
    let retirement = &prepared.plan.retirement;
    format!(
        "Retire {}: move {} target(s), then {} {} AMI(s)?",
        prepared
            .builds
            .iter()
            .map(crate::plan::lifecycle::Build::label)
            .collect::<Vec<_>>()
            .join(", "),
        prepared.plan.moves.changes.len(),
        if retirement.disable {
            "deprecate and disable"
        } else {
            "deprecate"
        },
        retirement
            .builds
            .iter()
            .map(|build| build.amis.len())
            .sum::<usize>()
    )
}

/// Fails when targets run the build and there is nothing to move them to.
fn stuck(prepared: &Prepared) -> Result<(), Error> {
    match prepared.stuck() {
        None => Ok(()),
        Some(why) => Err(Error::failed(
            why,
            Some(
                "build a new image first (`gold build --wait`), or name a build with `--to`"
                    .to_owned(),
            ),
        )),
    }
}

/// The error of a retirement that did not finish, naming every cause.
fn failure(retired: &Retired) -> Error {
    let mut causes: Vec<Cause> = retired
        .amis
        .iter()
        .filter_map(|outcome| outcome.error.clone())
        .chain(
            retired
                .images
                .iter()
                .filter_map(|image| image.error.clone()),
        )
        .map(|message| Cause {
            message,
            hint: None,
        })
        .collect();
    causes.extend(retired.launched_by.iter().map(|holder| Cause {
        message: format!("{holder} would still launch {}", holder.ami),
        hint: None,
    }));
    causes.extend(retired.unchecked.iter().map(|place| Cause {
        message: place.to_string(),
        hint: None,
    }));
    let message = match &retired.not_disabled {
        Some(why) => format!("not disabled: {why}"),
        None => format!(
            "{} target(s) did not move and {} step(s) failed",
            retired.moves.failed(),
            causes.len()
        ),
    };
    Error::Failed {
        message,
        hint: Some(
            "fix the causes above (move or delete what still launches the build), then run the same `gold retire` again: finished steps are left as they are"
                .to_owned(),
        ),
        causes,
    }
}
