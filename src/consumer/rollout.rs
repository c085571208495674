//! `gold rollout`: every target onto the AMI the manifest trusts. [`survey`] reads and decides
//! each target's step, [`plan`] shows the steps as a plan (also for `gold plan` and `gold up`),
//! and [`apply`] carries them out wave by wave; confirming in between is the command's job.
//!
//! Running it again finishes an interrupted or failed rollout: a target whose default version
//! already launches the chosen AMI gets no new version, and only its groups that have not
//! been refreshed successfully since that version was made are refreshed.

use std::time::SystemTime;

use super::apply::Apply;
use super::select::{self, Choices, ImageChoice, NOT_SHARED};
use super::survey::{self, Context};
use super::waves::{self, Job, Reporter, Summary, Work};
use super::{Interrupt, Planned, Surveyed, TargetFilter, concurrently, discover};
use crate::Error;
use crate::aws::Sessions;
use crate::manifest::Manifest;
use crate::plan::Plan;
use crate::plan::consumer::{self, Step};

/// Finds every target and decides its step.
pub async fn survey(
    manifest: &Manifest,
    sessions: &Sessions,
    filter: &TargetFilter,
    choices: &Choices,
    parallelism: usize,
) -> Result<Surveyed, Error> {
    let mut found = Box::pin(discover::targets(manifest, sessions, filter, parallelism)).await?;
    let targets = std::mem::take(&mut found.targets);
    let context = Context::new(manifest, sessions);
    let context = &context;
    let lives = concurrently(targets, parallelism, |target| async move {
        let live = context.live(&target).await;
        (target, live)
    })
    .await;
    let choices = match choices {
        Choices::Same(ImageChoice::Ami(id)) => {
            let seen = lives
                .iter()
                .filter_map(|(_, live)| live.as_ref().ok())
                .flat_map(|live| live.candidates.iter());
            let name = select::resolve_ami(id, seen, &manifest.producer.account).ok_or_else(|| {
                Error::failed(
                    format!(
                        "`--ami {id}` is not an AMI owned by {} named {} that any selected target can see",
                        manifest.producer.account,
                        context.ami_name.pattern()
                    ),
                    Some("gold only rolls out AMIs the producer account owns; check the id and `--region`".to_owned()),
                )
            })?;
            Choices::Same(ImageChoice::Name(name))
        }
        other => other.clone(),
    };
    let now = SystemTime::now();
    let choices = &choices;
    let planned = concurrently(lives, parallelism, |(target, live)| async move {
        let step = match choices.of(&target.consumer) {
            Ok(choice) => Box::pin(survey::rollout_step(context, &target, live, choice, now)).await,
            // A consumer whose channel holds no build yet waits for a promotion.
            Err(reason) => Ok(Step::Skipped { reason }),
        };
        Planned { target, step }
    })
    .await;
    Ok(Surveyed::gather(context, planned, found, parallelism).await)
}

/// The planned targets as a plan: each target's changes, or that it is unchanged, waits for a
/// build, or cannot be planned.
pub fn plan(planned: &[Planned]) -> Plan {
    let mut plan = Plan::default();
    for item in planned {
        let id = item.target.id();
        match &item.step {
            Ok(step) => consumer::add(&mut plan, &id, step),
            Err(err) => consumer::add_problem(&mut plan, &id, err),
        }
    }
    plan
}

/// Carries out every planned step, wave by wave. A target that cannot be planned, or that has
/// no AMI to move to, fails (and so stops later waves). Once `interrupt` is requested, targets
/// in flight finish their current step and no other starts.
pub async fn apply(
    manifest: &Manifest,
    sessions: &Sessions,
    planned: Vec<Planned>,
    parallelism: usize,
    reporter: &dyn Reporter,
    interrupt: &Interrupt,
) -> Summary {
    let jobs = planned
        .into_iter()
        .map(|item| Job {
            target: item.target.id(),
            work: match item.step {
                Ok(Step::Unchanged) => Work::Unchanged,
                Ok(Step::Skipped { reason }) => Work::Skipped(reason),
                Ok(Step::NothingBuilt { reason, .. }) => Work::Fails(Error::failed(
                    reason,
                    Some(format!(
                        "nothing to roll out yet: build one, or if builds exist, {NOT_SHARED}"
                    )),
                )),
                Ok(step) => Work::Change((item.target, step)),
                Err(err) => Work::Fails(err),
            },
        })
        .collect();
    let apply = Apply {
        manifest,
        sessions,
        reporter,
        interrupt,
    };
    let mut summary = waves::run(
        jobs,
        parallelism,
        reporter,
        interrupt,
        |id, (target, step)| apply.run(id, target, step),
    )
    .await;
    summary.throttled_calls = sessions.throttled();
    summary
}

/// The targets `gold up` creates: templates marked `create` and parameters that do not exist
/// yet and have an AMI to start from.
pub fn creations(planned: Vec<Planned>) -> Vec<Planned> {
    planned
        .into_iter()
        .filter(|item| matches!(item.step, Ok(Step::Create { .. })))
        .collect()
}
