//! `gold up`: provision the producer side and the consumer launch templates marked `create`,
//! after showing the plan and getting a confirmation. The plan counts what `gold plan` counts;
//! image moves and refreshes it finds are left to `gold rollout`.

use std::fmt::Write as _;
use std::process::ExitCode;
use std::time::Instant;

use serde::Serialize;

use crate::Error;
use crate::cli::GlobalArgs;
use crate::consumer::Summary;
use crate::manifest::{self, Loaded};
use crate::ops;
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

async fn up(loaded: &Loaded, global: &GlobalArgs, printer: &Printer) -> Result<(), Error> {
    let sessions = super::sessions(global, printer, crate::aws::DEFAULT_CALLS_PER_ACCOUNT).await;
    let session = producer::session(loaded, &sessions).await?;
    let up = Box::pin(ops::up::plan(loaded, &sessions, &session)).await?;
    if let Some(err) = &up.consumers_unread {
        printer.warn(&format!("consumer launch templates are left alone: {err}"));
    }
    for problem in &up.left_to_rollout {
        printer.warn(&format!(
            "{} ({}/{}) is left to `gold rollout`: {}",
            problem.resource.label(),
            problem.resource.account,
            problem.resource.region,
            problem.message
        ));
    }
    printer.show(&StreamEvent::Plan.of(&up.plan));
    if up.plan.is_empty() {
        printer.conclude(&UpReport {
            applied: None,
            templates: None,
            seconds: 0.0,
        });
        return super::plan::cannot_plan(&up.plan);
    }
    let question = format!("Apply these changes in account {}?", session.account());
    if !ui::confirm(global.yes, &question).await? {
        return Err(Error::failed("not confirmed; nothing was changed", None));
    }
    let started = Instant::now();
    let applied = ops::up::apply(&session, &up, &ApplyProgress::new(printer)).await?;
    // Targets that cannot be planned fail the run once the rest is done.
    let unplanned = super::plan::cannot_plan(&up.plan);
    let templates = if up.creates() {
        let reporter = RolloutProgress::new(printer);
        let summary = ops::up::create(loaded, &sessions, up, &reporter).await;
        reporter.finish();
        Some(summary)
    } else {
        None
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
    unplanned
}
