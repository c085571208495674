//! `gold up`: provision the producer side and the consumer launch templates marked `create`,
//! after showing the plan and getting a confirmation. The plan counts what `gold plan` counts;
//! image moves and refreshes it finds are left to `gold rollout`.

use std::fmt::Write as _;
use std::process::ExitCode;
use std::time::Instant;

use serde::Serialize;

use crate::Error;
use crate::aws::Sessions;
use crate::cli::GlobalArgs;
use crate::consumer::{self, DEFAULT_PARALLELISM, ImageChoice, Planned, Summary, TargetFilter};
use crate::manifest::{self, Loaded};
use crate::producer::{self, Applied};
use crate::ui::render::count;
use crate::ui::report::{Report, to_json};
use crate::ui::{self, ApplyProgress, Printer, RolloutProgress, StreamEvent};

use super::{block_on, manifest_path};

/// What `up` did: the `applied` event its JSON stream ends with.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct UpReport {
    /// The producer side, when anything was applied.
    #[serde(flatten)]
    pub applied: Option<Applied>,
    /// The consumer launch templates created, when any were due.
    pub templates: Option<Summary>,
    /// How long applying took.
    pub seconds: f64,
}

impl Report for UpReport {
    fn human(&self, _verbose: bool) -> String {
        let Some(applied) = &self.applied else {
            return String::new();
        };
        let mut text = format!(
            "Applied: {} producer resources changed in {:.1}s; pipeline {}.",
            applied.changed.len(),
            self.seconds,
            applied.pipeline_arn
        );
        if let Some(templates) = &self.templates {
            let _ = write!(
                text,
                " {} created.",
                count(templates.counts.done, "consumer launch template")
            );
        }
        text
    }

    fn json(&self) -> serde_json::Value {
        StreamEvent::Applied.of(&Json(self)).json()
    }
}

/// A serializable value as a report with no text of its own.
struct Json<'a, T>(&'a T);

impl<T: Serialize> Report for Json<'_, T> {
    fn human(&self, _verbose: bool) -> String {
        String::new()
    }

    fn json(&self) -> serde_json::Value {
        to_json(self.0)
    }
}

/// Runs `gold up`.
pub fn run(global: &GlobalArgs, printer: &Printer) -> Result<ExitCode, Error> {
    let loaded = manifest::load(&manifest_path(global)?)?;
    block_on(super::stoppable(
        up(&loaded, global, printer),
        "run `gold up` again: what was done stays done, and it finishes the rest",
    ))??;
    Ok(ExitCode::SUCCESS)
}

/// Every consumer target, when some template is marked `create` or some consumer lists
/// parameters (else `up` has nothing to do in consumer accounts and does not look).
async fn consumer_targets(
    loaded: &Loaded,
    sessions: &Sessions,
    printer: &Printer,
) -> Option<Vec<Planned>> {
    // Only consumers that list their account may mark `create`; the others are not searched.
    let creating: Vec<String> = loaded
        .manifest
        .consumers
        .iter()
        .filter(|c| {
            c.launch_templates.iter().any(|t| t.create.is_some()) || !c.parameters.is_empty()
        })
        .map(|c| c.name.clone())
        .collect();
    if creating.is_empty() {
        return None;
    }
    let filter = TargetFilter {
        consumers: creating,
        ..TargetFilter::default()
    };
    let surveyed = async {
        let choices = crate::channels::follow(loaded, sessions, ImageChoice::Newest).await?;
        consumer::rollout::survey(
            &loaded.manifest,
            sessions,
            &filter,
            &choices,
            DEFAULT_PARALLELISM,
        )
        .await
    };
    match surveyed.await {
        Ok(surveyed) => Some(surveyed.planned),
        Err(err) => {
            printer.warn(&format!("consumer launch templates are left alone: {err}"));
            None
        }
    }
}

async fn up(loaded: &Loaded, global: &GlobalArgs, printer: &Printer) -> Result<(), Error> {
    let yes = global.yes;
    let sessions = super::sessions(global, printer, crate::aws::DEFAULT_CALLS_PER_ACCOUNT).await;
    let session = producer::session(loaded, &sessions).await?;
    let steps = producer::plan(loaded, &session).await?;
    let mut plan = steps.plan();
    let planned = consumer_targets(loaded, &sessions, printer).await;
    if let Some(planned) = &planned {
        let mut consumers = consumer::rollout::plan(planned).for_up();
        // Only templates and parameters gold creates are `up`'s business; the others are
        // `rollout`'s.
        let created: Vec<_> = planned
            .iter()
            .filter(|item| item.target.template().is_none_or(|t| t.create.is_some()))
            .map(|item| item.target.id().resource)
            .collect();
        let (mine, others): (Vec<_>, Vec<_>) = consumers
            .problems
            .into_iter()
            .partition(|problem| created.contains(&problem.resource));
        consumers.problems = mine;
        for problem in others {
            printer.warn(&format!(
                "{} ({}/{}) is left to `gold rollout`: {}",
                problem.resource.label(),
                problem.resource.account,
                problem.resource.region,
                problem.message
            ));
        }
        plan.extend(consumers);
    }
    printer.show(&StreamEvent::Plan.of(&plan));
    if plan.is_empty() {
        printer.conclude(&UpReport {
            applied: None,
            templates: None,
            seconds: 0.0,
        });
        return super::plan::cannot_plan(&plan);
    }
    let question = format!("Apply these changes in account {}?", session.account());
    if !ui::confirm(yes, &question).await? {
        return Err(Error::failed("not confirmed; nothing was changed", None));
    }
    let started = Instant::now();
    let progress = ApplyProgress::new(printer);
    let applied = Box::pin(producer::up::apply(&session, &steps, &progress)).await?;
    let creations = planned
        .map(consumer::rollout::creations)
        .unwrap_or_default();
    let templates = if creations.is_empty() {
        None
    } else {
        let reporter = RolloutProgress::new(printer);
        let summary = consumer::rollout::apply(
            &loaded.manifest,
            &sessions,
            creations,
            DEFAULT_PARALLELISM,
            &reporter,
            // `up` stops at Ctrl-C as a whole; creating a template is a single step.
            &consumer::Interrupt::default(),
        )
        .await;
        reporter.finish();
        Some(summary)
    };
    let failed = templates.as_ref().map_or(0, Summary::failed);
    printer.conclude(&UpReport {
        applied: Some(applied),
        templates,
        seconds: started.elapsed().as_secs_f64(),
    });
    if failed > 0 {
        return Err(Error::failed(
            format!("{failed} consumer launch template(s) could not be created"),
            Some("fix the cause shown above, then run `gold up` again".to_owned()),
        ));
    }
    super::plan::cannot_plan(&plan)
}
