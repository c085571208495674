//! `gold rollout`: every target onto the AMI the manifest trusts, shown first, then applied in
//! waves. Also what `gold plan` shows for consumers ([`plan`]) and what `gold up` creates
//! ([`create_templates`]).
//!
//! Running it again finishes an interrupted or failed rollout: a target whose default version
//! already launches the chosen AMI gets no new version, and only its groups that have not
//! been refreshed successfully since that version was made are refreshed.

use std::time::SystemTime;

use super::apply::{self, Summary};
use super::select::{self, ImageChoice};
use super::survey::{self, Context};
use super::{Planned, RunOptions, Step, TargetFilter, each, targets};
use crate::Error;
use crate::aws::Sessions;
use crate::manifest::{Loaded, Manifest};
use crate::plan::Plan;
use crate::ui::{self, Printer};

/// What to roll out, where, and how.
#[derive(Debug, Clone)]
pub struct Request {
    /// Which targets.
    pub filter: TargetFilter,
    /// Which AMI.
    pub choice: ImageChoice,
    /// Parallelism, dry run, confirmation.
    pub options: RunOptions,
}

/// Each consumer target's current image and the image `gold rollout` would set, for `gold plan`.
///
/// Targets that see no AMI of the producer at all (nothing was built or shared yet) are
/// counted as unchanged: there is nothing to roll out. Any other target that cannot be read
/// fails the plan with every such target named.
pub async fn plan(
    loaded: &Loaded,
    sessions: &Sessions,
    filter: &TargetFilter,
) -> Result<Plan, Error> {
    let planned = survey(
        &loaded.manifest,
        sessions,
        filter,
        &ImageChoice::Newest,
        RunOptions::default().parallelism,
    )
    .await?;
    let mut plan = Plan::default();
    let mut problems = Vec::new();
    for item in &planned {
        match &item.step {
            Ok(step) => match apply::change_of(&item.target, step) {
                Some(change) => plan.changes.push(change),
                None => plan.unchanged += 1,
            },
            Err(err) => problems.push(err.to_string()),
        }
    }
    if problems.is_empty() {
        Ok(plan)
    } else {
        Err(Error::Failed {
            message: format!(
                "cannot plan {} consumer target(s):\n  {}",
                problems.len(),
                problems.join("\n  ")
            ),
            hint: None,
        })
    }
}

/// Creates the launch templates the manifest marks `create` that do not exist yet, each on
/// the newest AMI (for `gold up`). Targets without any AMI yet are left for the first rollout.
pub async fn create_templates(
    manifest: &Manifest,
    sessions: &Sessions,
    filter: &TargetFilter,
    reporter: &dyn apply::Reporter,
) -> Result<Summary, Error> {
    let planned = survey(
        manifest,
        sessions,
        filter,
        &ImageChoice::Newest,
        RunOptions::default().parallelism,
    )
    .await?;
    let creations: Vec<Planned> = planned
        .into_iter()
        .filter(|item| item.target.launch_template.create.is_some())
        .filter(|item| {
            matches!(item.step, Ok(Step::Move { template: None, .. })) || item.step.is_err()
        })
        .collect();
    Ok(apply::run_waves(
        manifest,
        sessions,
        creations,
        RunOptions::default().parallelism,
        reporter,
    )
    .await)
}

/// `gold rollout`: survey, show the plan, confirm, apply in waves, summarise.
pub async fn run(
    manifest: &Manifest,
    sessions: &Sessions,
    request: &Request,
    printer: &Printer,
) -> Result<(), Error> {
    let planned = survey(
        manifest,
        sessions,
        &request.filter,
        &request.choice,
        request.options.parallelism,
    )
    .await?;
    execute(
        manifest,
        sessions,
        planned,
        request.options,
        printer,
        "Roll out",
    )
    .await
}

/// Shows the plan, asks, applies wave by wave and reports; shared with rollback.
pub(super) async fn execute(
    manifest: &Manifest,
    sessions: &Sessions,
    planned: Vec<Planned>,
    options: RunOptions,
    printer: &Printer,
    verb: &str,
) -> Result<(), Error> {
    let mut plan = Plan::default();
    let mut problems = Vec::new();
    for item in &planned {
        match &item.step {
            Ok(Step::NothingBuilt { reason }) => problems.push((reason.clone(), None)),
            Ok(step) => match apply::change_of(&item.target, step) {
                Some(change) => plan.changes.push(change),
                None => plan.unchanged += 1,
            },
            Err(err) => problems.push((err.to_string(), err.hint().map(str::to_owned))),
        }
    }
    ui::rollout_progress::show_plan(printer, &plan, &problems);
    if options.dry_run {
        return if problems.is_empty() {
            Ok(())
        } else {
            Err(Error::Failed {
                message: format!("{} target(s) cannot be rolled out", problems.len()),
                hint: None,
            })
        };
    }
    if plan.is_empty() && problems.is_empty() {
        return Ok(());
    }
    if !plan.is_empty() {
        let question = format!("{verb} {} target(s)?", plan.changes.len());
        if !ui::confirm(options.yes, &question)? {
            return Err(Error::Failed {
                message: "nothing was changed: not confirmed".to_owned(),
                hint: None,
            });
        }
    }
    let progress = ui::rollout_progress::RolloutProgress::new(printer);
    let summary =
        apply::run_waves(manifest, sessions, planned, options.parallelism, &progress).await;
    progress.finish();
    ui::rollout_progress::show_summary(printer, &summary);
    match summary.failed() {
        0 => Ok(()),
        failed => Err(Error::Failed {
            message: format!(
                "{failed} of {} target(s) failed; later waves did not start",
                summary.targets.len()
            ),
            hint: Some("fix the cause above, then run the same command again: finished targets are left as they are".to_owned()),
        }),
    }
}

/// Reads every target and decides its step.
pub async fn survey(
    manifest: &Manifest,
    sessions: &Sessions,
    filter: &TargetFilter,
    choice: &ImageChoice,
    parallelism: usize,
) -> Result<Vec<Planned>, Error> {
    let targets = targets::targets(manifest, filter)?;
    let context = Context::new(manifest, sessions);
    let context = &context;
    let lives = each(targets, parallelism, |target| async move {
        let live = context.live(&target).await;
        (target, live)
    })
    .await;
    let choice = match choice {
        ImageChoice::Ami(id) => {
            let seen = lives
                .iter()
                .filter_map(|(_, live)| live.as_ref().ok())
                .flat_map(|live| live.candidates.iter());
            let name = select::resolve_ami(id, seen, &manifest.producer.account).ok_or_else(|| {
                Error::Failed {
                    message: format!(
                        "`--ami {id}` is not an AMI owned by {} named {} that any selected target can see",
                        manifest.producer.account,
                        manifest.distribution.ami_name_pattern()
                    ),
                    hint: Some("gold only rolls out AMIs the producer account owns; check the id and `--region`".to_owned()),
                }
            })?;
            ImageChoice::Name(name)
        }
        other => other.clone(),
    };
    let now = SystemTime::now();
    let choice = &choice;
    Ok(each(lives, parallelism, |(target, live)| async move {
        survey::rollout_step(context, target, live, choice, now).await
    })
    .await)
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            parallelism: 16,
            dry_run: false,
            yes: false,
        }
    }
}
