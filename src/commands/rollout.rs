//! `gold rollout`: move every consumer target to the AMI the manifest trusts: read and decide
//! ([`crate::consumer::rollout::survey`]), show the plan, confirm, apply in waves, summarise.
//! `gold rollback` and `gold build --rollout` run the same way ([`survey_and_execute`]).

use std::process::ExitCode;

use crate::Error;
use crate::aws::Sessions;
use crate::cli::{GlobalArgs, RolloutArgs, TargetArgs};
use crate::consumer::{self, Choices, ImageChoice, Interrupt, Planned, Surveyed, TargetFilter};
use crate::manifest::{self, Manifest};
use crate::plan::Plan;
use crate::plan::discovery::{Discovered, Unmatched};
use crate::ui::{self, Printer, RolloutProgress, StreamEvent, render};

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
    /// Selectors that match nothing are an error.
    pub strict: bool,
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
    let mut filter = filter(&args.targets);
    if let Some(channel) = &args.channel {
        filter.consumers = channel_consumers(&loaded.manifest, channel, &filter.consumers)?;
    }
    let options = Options {
        parallelism: usize::from(args.parallelism),
        dry_run: args.dry_run,
        yes: global.yes,
        strict: args.targets.strict,
    };
    block_on(interruptible(
        |interrupt| async move {
            let sessions =
                super::sessions(global, printer, usize::from(args.calls_per_account)).await;
            // `--image` and `--ami` override the channels for this run; without them, each
            // consumer follows its channel.
            let choices = match choice {
                ImageChoice::Newest => {
                    crate::channels::follow(&loaded, &sessions, ImageChoice::Newest).await?
                }
                named => Choices::Same(named),
            };
            let moving = Moving::To(&choices);
            survey_and_execute(
                &loaded.manifest,
                &sessions,
                &filter,
                moving,
                options,
                (printer, &interrupt),
            )
            .await
        },
        "gold rollout",
        printer,
    ))??;
    Ok(ExitCode::SUCCESS)
}

/// Where a rollout-like command moves its targets.
pub(super) enum Moving<'a> {
    /// To the image `choices` names (`rollout`, `build --rollout`).
    To(&'a Choices),
    /// Back to the version before gold's last rollout (`rollback`); `force`: to a retired
    /// (deprecated) build too.
    Back { force: bool },
}

/// The flow `rollout`, `rollback` and `build --rollout` share: survey the targets `filter`
/// keeps (read, decide each one's step), then [`execute`] the plan.
pub(super) async fn survey_and_execute(
    manifest: &Manifest,
    sessions: &Sessions,
    filter: &TargetFilter,
    moving: Moving<'_>,
    options: Options,
    (printer, interrupt): (&Printer, &Interrupt),
) -> Result<(), Error> {
    let parallelism = options.parallelism;
    let (surveyed, verb) = match moving {
        Moving::To(choices) => (
            consumer::rollout::survey(manifest, sessions, filter, choices, parallelism).await?,
            "Roll out",
        ),
        Moving::Back { force } => (
            consumer::rollback::survey(manifest, sessions, filter, parallelism, force).await?,
            "Roll back",
        ),
    };
    execute(
        manifest,
        sessions,
        surveyed,
        options,
        (printer, interrupt),
        verb,
    )
    .await
}

/// Shows the plan, asks, applies wave by wave and summarises; `verb` is the question's. Ctrl-C
/// (`interrupt`, see [`interruptible`]) lets the targets in flight finish their step.
async fn execute(
    manifest: &Manifest,
    sessions: &Sessions,
    surveyed: Surveyed,
    options: Options,
    (printer, interrupt): (&Printer, &Interrupt),
    verb: &str,
) -> Result<(), Error> {
    let plan = surveyed.plan();
    let planned = surveyed.planned;
    let stuck = plan.problems.len() + plan.waiting.len();
    if options.dry_run {
        printer.conclude(&plan);
        warn_about_plan(printer, &plan);
        strict(options.strict, &plan.unmatched)?;
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
    printer.show(&StreamEvent::Plan.of(&plan));
    warn_about_plan(printer, &plan);
    strict(options.strict, &plan.unmatched)?;
    if plan.is_empty() && stuck == 0 {
        return Ok(());
    }
    if !plan.is_empty() {
        let question = format!("{verb} {} target(s)?", planned_targets(&planned));
        if !ui::confirm(options.yes, &question).await? {
            return Err(Error::failed("nothing was changed: not confirmed", None));
        }
    }
    let progress = RolloutProgress::new(printer);
    interrupt.changes_begin();
    let summary = consumer::rollout::apply(
        manifest,
        sessions,
        planned,
        options.parallelism,
        &progress,
        interrupt,
    )
    .await;
    progress.finish();
    printer.conclude(&StreamEvent::Summary.of(&summary));
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

/// Says on stderr which accounts are skipped because gold cannot reach them yet and which
/// selectors matched nothing (never silenced: a run that goes on anyway must not hide them).
pub(super) fn warn_about(printer: &Printer, discovered: &[Discovered], unmatched: &[Unmatched]) {
    for warning in render::warnings(discovered, unmatched) {
        printer.warn(&warning);
    }
}

/// [`warn_about`] a plan's organization, then each account whose Allowed AMIs audit the image
/// its targets move to.
pub(super) fn warn_about_plan(printer: &Printer, plan: &Plan) {
    warn_about(printer, &plan.discovered, &plan.unmatched);
    for warning in render::audited(&plan.audited) {
        printer.warn(&warning);
    }
}

/// With `--strict`, a selector that matched nothing is an error (the plan listed each).
pub(super) fn strict(strict: bool, unmatched: &[Unmatched]) -> Result<(), Error> {
    if !strict || unmatched.is_empty() {
        return Ok(());
    }
    Err(Error::failed(
        format!(
            "{} matched nothing (listed under `Matched nothing`); nothing was changed",
            render::count(unmatched.len(), "selector")
        ),
        Some(
            "fix the selector in the manifest (a typo in a tag?), or run without `--strict`"
                .to_owned(),
        ),
    ))
}

/// How many targets have something to do.
fn planned_targets(planned: &[Planned]) -> usize {
    planned
        .iter()
        .filter(|item| {
            !matches!(
                item.step,
                Ok(crate::plan::consumer::Step::Unchanged
                    | crate::plan::consumer::Step::Skipped { .. }
                    | crate::plan::consumer::Step::NothingBuilt { .. })
            )
        })
        .count()
}

/// The consumers `--channel NAME` keeps (those of them `--consumer` names, when it does).
fn channel_consumers(
    manifest: &Manifest,
    channel: &str,
    named: &[String],
) -> Result<Vec<String>, Error> {
    if !manifest.channels.iter().any(|c| c.name == channel) {
        let known: Vec<&str> = manifest.channels.iter().map(|c| c.name.as_str()).collect();
        return Err(Error::Usage {
            message: format!("`--channel {channel}`: the manifest has no such channel"),
            hint: Some(if known.is_empty() {
                "add `[[channels]]` to the manifest first".to_owned()
            } else {
                format!("its channels: {}", known.join(", "))
            }),
        });
    }
    let consumers: Vec<String> = manifest
        .consumers
        .iter()
        .filter(|c| c.channel.as_deref() == Some(channel))
        .filter(|c| named.is_empty() || named.contains(&c.name))
        .map(|c| c.name.clone())
        .collect();
    if consumers.is_empty() {
        return Err(Error::Usage {
            message: format!("`--channel {channel}`: no consumer (of those named) follows it"),
            hint: None,
        });
    }
    Ok(consumers)
}

/// The flags' target filter.
pub(super) fn filter(args: &TargetArgs) -> TargetFilter {
    TargetFilter {
        consumers: args.consumers.clone(),
        regions: args.regions.clone(),
        waves: args.waves.clone(),
    }
}

/// Runs `work` until it ends or Ctrl-C says stop, then exits 130 with a hint to run `command`
/// again, which picks up where it stopped. Before any change (reading, or at the prompt),
/// Ctrl-C stops at once and says nothing was changed. Once
/// changes have begun, the first Ctrl-C asks every target in flight to finish its current
/// step (no other starts) and waits for the summary of what was left half-done; a second one
/// stops at once.
pub(super) async fn interruptible<Fut>(
    work: impl FnOnce(Interrupt) -> Fut,
    command: &str,
    printer: &Printer,
) -> Result<(), Error>
where
    Fut: std::future::Future<Output = Result<(), Error>>,
{
    let interrupt = Interrupt::default();
    let work = work(interrupt.clone());
    tokio::pin!(work);
    let interrupted = || Error::Interrupted {
        hint: Some(format!(
            "run `{command}` again: a version already made for this build becomes the default instead of another, refreshes still running are watched to their end, and targets not started start"
        )),
    };
    tokio::select! {
        result = &mut work => return result,
        _ = tokio::signal::ctrl_c() => {}
    }
    if !interrupt.changing() {
        return Err(Error::interrupted_before_changes());
    }
    interrupt.request();
    printer.warn(
        "interrupted: each target in flight finishes its current step and no other starts; press Ctrl-C again to stop at once",
    );
    tokio::select! {
        // The summary already listed every target, failures included; the exit says Ctrl-C.
        _ = &mut work => Err(interrupted()),
        _ = tokio::signal::ctrl_c() => Err(interrupted()),
    }
}
