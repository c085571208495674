//! `gold rollout`: move every consumer target to the AMI the manifest trusts: read and decide
//! ([`crate::consumer::rollout::survey`]), show the plan, confirm, apply in waves, summarise.
//! `gold rollback` and `gold build --rollout` end the same way ([`execute`]).

use std::process::ExitCode;

use crate::Error;
use crate::aws::Sessions;
use crate::cli::{GlobalArgs, RolloutArgs, TargetArgs};
use crate::consumer::{self, ImageChoice, Planned, Surveyed, TargetFilter};
use crate::manifest::{self, Manifest};
use crate::ui::{self, Event, Printer, RolloutProgress};

use super::{block_on, manifest_path};

/// How a rollout-like command runs.
#[derive(Debug, Clone, Copy)]
pub(super) struct Options {
    /// Targets of one wave worked on at once.
    pub parallelism: usize,
    /// Show the plan and stop.
    pub dry_run: bool,
    /// Do not ask.
    pub yes: bool,
}

/// Runs `gold rollout` with `args`.
pub fn run(args: &RolloutArgs, global: &GlobalArgs, printer: &Printer) -> Result<ExitCode, Error> {
    let choice = match (&args.image, &args.ami) {
        (Some(image), _) => ImageChoice::from_image_arg(image).ok_or_else(|| Error::Usage {
            message: format!("`--image {image}`: expected a build number or an Image Builder build version ARN"),
            hint: Some("e.g. `--image 5` or `--image arn:aws:imagebuilder:ap-northeast-1:111122223333:image/sample/1.0.0/5`".to_owned()),
        })?,
        (None, Some(ami)) if ami.starts_with("ami-") => ImageChoice::Ami(ami.clone()),
        (None, Some(ami)) => {
            return Err(Error::Usage {
                message: format!("`--ami {ami}`: expected an AMI id (`ami-…`)"),
                hint: None,
            });
        }
        (None, None) => ImageChoice::Newest,
    };
    let loaded = manifest::load(&manifest_path(global)?)?;
    let options = Options {
        parallelism: usize::from(args.parallelism),
        dry_run: args.dry_run,
        yes: global.yes,
    };
    let filter = filter(&args.targets);
    block_on(interruptible(
        async {
            let sessions = Sessions::paced(usize::from(args.calls_per_account)).await;
            let planned = consumer::rollout::survey(
                &loaded.manifest,
                &sessions,
                &filter,
                &choice,
                options.parallelism,
            )
            .await?;
            execute(
                &loaded.manifest,
                &sessions,
                planned,
                options,
                printer,
                "Roll out",
            )
            .await
        },
        "gold rollout",
    ))??;
    Ok(ExitCode::SUCCESS)
}

/// Shows the plan, asks, applies wave by wave and summarises; `verb` is the question's.
pub(super) async fn execute(
    manifest: &Manifest,
    sessions: &Sessions,
    surveyed: Surveyed,
    options: Options,
    printer: &Printer,
    verb: &str,
) -> Result<(), Error> {
    let plan = surveyed.plan();
    let planned = surveyed.planned;
    let stuck = plan.problems.len() + plan.waiting.len();
    if options.dry_run {
        printer.conclude(&plan);
        return match stuck {
            0 => Ok(()),
            n => Err(Error::failed(
                format!(
                    "{n} target(s) cannot be rolled out (listed under `Cannot plan` and `Waiting for a build`)"
                ),
                None,
            )),
        };
    }
    printer.show(&Event("plan", &plan));
    if plan.is_empty() && stuck == 0 {
        return Ok(());
    }
    if !plan.is_empty() {
        let question = format!("{verb} {} target(s)?", planned_targets(&planned));
        if !ui::confirm(options.yes, &question)? {
            return Err(Error::failed("nothing was changed: not confirmed", None));
        }
    }
    let progress = RolloutProgress::new(printer);
    let summary =
        consumer::rollout::apply(manifest, sessions, planned, options.parallelism, &progress).await;
    progress.finish();
    printer.conclude(&Event("summary", &summary));
    match summary.failed() {
        0 => Ok(()),
        failed => Err(Error::failed(
            format!(
                "{failed} of {} target(s) failed; later waves did not start",
                summary.targets.len()
            ),
            Some("fix the causes above, then run the same command again: finished targets are left as they are".to_owned()),
        )),
    }
}

/// How many targets have something to do.
fn planned_targets(planned: &[Planned]) -> usize {
    planned
        .iter()
        .filter(|item| {
            !matches!(
                item.step,
                Ok(crate::plan::consumer::Step::Unchanged
                    | crate::plan::consumer::Step::NothingBuilt { .. })
            )
        })
        .count()
}

/// The flags' target filter.
pub(super) fn filter(args: &TargetArgs) -> TargetFilter {
    TargetFilter {
        consumers: args.consumers.clone(),
        regions: args.regions.clone(),
        waves: args.waves.clone(),
    }
}

/// Ends the command on Ctrl-C with a hint to run it again, which picks up where it stopped.
pub(super) async fn interruptible(
    work: impl std::future::Future<Output = Result<(), Error>>,
    command: &str,
) -> Result<(), Error> {
    tokio::select! {
        result = work => result,
        _ = tokio::signal::ctrl_c() => Err(Error::Interrupted {
            hint: Some(format!(
                "run `{command}` again: targets already moved are left as they are, the rest continue; instance refreshes already started keep running in AWS"
            )),
        }),
    }
}
