//! The watch loop: one `GetImage` per interval, the running workflow step while a workflow runs,
//! each change reported once; it sleeps on tokio between looks, so a long build costs nothing
//! but the calls. A timeout or Ctrl-C ends the watch (never the build).

use std::collections::BTreeMap;

use crate::aws::image_builds::{self, ImageBuild, Phase, RunStatus, WorkflowExecution};
use crate::aws::{AwsError, Session};

use super::{
    BuildEvent, BuildReporter, Detach, Failure, Outcome, RegionStatus, WatchOptions, phases,
};

/// How a watch ended.
pub(super) enum Ending {
    /// The build ended.
    Finished(Outcome),
    /// gold stopped watching.
    Stopped(Detach),
}

/// Watches `image` until it ends, the timeout passes or the user presses Ctrl-C; `last_phase`
/// keeps the last phase seen for the caller to report.
pub(super) async fn watch(
    session: &Session,
    image: &str,
    options: WatchOptions,
    reporter: &mut dyn BuildReporter,
    last_phase: &mut Option<Phase>,
) -> Result<Ending, AwsError> {
    let follow = follow(session, image, options, reporter, last_phase);
    tokio::select! {
        outcome = follow => outcome.map(Ending::Finished),
        () = tokio::time::sleep(options.timeout) => Ok(Ending::Stopped(Detach::TimedOut(options.timeout))),
        () = interrupted() => Ok(Ending::Stopped(Detach::Interrupted)),
    }
}

/// Resolves on Ctrl-C; never, if the signal handler cannot be installed.
async fn interrupted() {
    if tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
}

async fn follow(
    session: &Session,
    image: &str,
    options: WatchOptions,
    reporter: &mut dyn BuildReporter,
    last_phase: &mut Option<Phase>,
) -> Result<Outcome, AwsError> {
    let mut interval = options.poll.start();
    let mut workflow = RunningWorkflow::default();
    let mut step: Option<(String, String)> = None;
    let mut regions: BTreeMap<String, Option<String>> = BTreeMap::new();
    loop {
        let build = image_builds::get_image(session, image).await?;
        if last_phase.is_none() {
            reporter.report(&BuildEvent::Watching {
                image,
                phases: &phases(build.tests_enabled),
                created: build.created,
            });
        }
        let phase_changed = last_phase.as_ref() != Some(&build.phase);
        if phase_changed {
            reporter.report(&BuildEvent::Phase {
                status: &build.phase,
            });
            *last_phase = Some(build.phase.clone());
        }
        if build.phase.is_terminal() {
            let outcome = conclude(session, build).await?;
            reporter.report(&BuildEvent::Finished(&outcome));
            return Ok(outcome);
        }
        let mut changed = phase_changed;
        if let Some(running) = workflow
            .running_step(session, &build, phase_changed)
            .await?
            && step.as_ref() != Some(&running)
        {
            reporter.report(&BuildEvent::Step {
                workflow: &running.0,
                step: &running.1,
            });
            step = Some(running);
            changed = true;
        }
        if matches!(build.phase, Phase::Distributing | Phase::Integrating) {
            for region in &build.regions {
                let ami = build.amis.iter().find(|ami| &ami.region == region);
                let now = ami.map(|ami| ami.id.clone());
                if regions.get(region) != Some(&now) {
                    reporter.report(&BuildEvent::Region {
                        region,
                        status: if ami.is_some() {
                            RegionStatus::Available
                        } else {
                            RegionStatus::Distributing
                        },
                        ami,
                    });
                    regions.insert(region.clone(), now);
                    changed = true;
                }
            }
        }
        tokio::time::sleep(interval.next(changed)).await;
    }
}

/// The workflow execution that runs now, remembered between looks so that most looks need
/// only its steps, not the list of executions.
#[derive(Default)]
struct RunningWorkflow {
    current: Option<WorkflowExecution>,
}

impl RunningWorkflow {
    /// The running step as (workflow type, step name), if a workflow runs a step now.
    async fn running_step(
        &mut self,
        session: &Session,
        build: &ImageBuild,
        phase_changed: bool,
    ) -> Result<Option<(String, String)>, AwsError> {
        let workflow_phase = matches!(
            build.phase,
            Phase::Creating | Phase::Building | Phase::Testing
        );
        if !workflow_phase && !phase_changed && self.current.is_none() {
            return Ok(None);
        }
        if phase_changed || self.current.is_none() {
            let executions = image_builds::workflow_executions(session, &build.arn).await?;
            self.current = executions
                .into_iter()
                .filter(|execution| execution.status.is_active())
                .max_by(|a, b| a.started.cmp(&b.started));
        }
        let Some(execution) = &self.current else {
            return Ok(None);
        };
        let steps = image_builds::workflow_steps(session, &execution.id).await?;
        let kind = execution.kind.clone();
        if !steps.iter().any(|step| step.status.is_active()) {
            self.current = None;
        }
        Ok(steps
            .into_iter()
            .find(|step| step.status == RunStatus::Running)
            .map(|step| (kind, step.name)))
    }
}

/// The outcome of a build that stopped moving, with the failed step looked up when
/// `GetImage` does not name it.
async fn conclude(session: &Session, build: ImageBuild) -> Result<Outcome, AwsError> {
    if build.phase == Phase::Available {
        return Ok(Outcome::Available {
            image: build.arn,
            amis: build.amis,
        });
    }
    let (mut step, component_step, detail) = build
        .failure
        .map(|c| (c.workflow_step, c.component_step, c.message))
        .unwrap_or_default();
    let mut reason = build.reason.or(detail);
    if step.is_none()
        && matches!(build.phase, Phase::Failed | Phase::Cancelled)
        && let Some((name, message)) = stopped_step(session, &build.arn).await?
    {
        step = Some(name);
        reason = reason.or(message);
    }
    Ok(Outcome::Failed(Failure {
        image: build.arn,
        phase: build.phase,
        reason,
        step,
        component_step,
        logs: build.logs,
    }))
}

/// The step that failed (or was cancelled) in the build's newest stopped workflow execution.
async fn stopped_step(
    session: &Session,
    image: &str,
) -> Result<Option<(String, Option<String>)>, AwsError> {
    let mut executions = image_builds::workflow_executions(session, image).await?;
    executions.retain(|e| matches!(e.status, RunStatus::Failed | RunStatus::Cancelled));
    executions.sort_by(|a, b| b.started.cmp(&a.started));
    for execution in executions {
        let steps = image_builds::workflow_steps(session, &execution.id).await?;
        let stopped = steps
            .iter()
            .find(|step| step.status == RunStatus::Failed)
            .or_else(|| {
                steps
                    .iter()
                    .find(|step| step.status == RunStatus::Cancelled)
            });
        if let Some(step) = stopped {
            return Ok(Some((step.name.clone(), step.message.clone())));
        }
    }
    Ok(None)
}
