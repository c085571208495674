//! A command's result as a [`Report`]: text for people and a JSON document for programs, from
//! one value. The printer picks the form (`--output`). `gold schema output` prints the JSON
//! Schema of every document and event (`schemas/output.schema.json`, kept current by a test);
//! `docs/json.md` explains them.

use schemars::JsonSchema;
use serde::Serialize;

use super::render;
use crate::consumer::Summary;
use crate::consumer::status::Status;
use crate::plan::Plan;
use crate::plan::lifecycle::{PrunePlan, Pruned, RetirePlan};

/// A result both people and programs read.
pub trait Report {
    /// The report as text for people; `verbose` (`-v`) asks for every detail.
    fn human(&self, verbose: bool) -> String;

    /// The report as one JSON document.
    fn json(&self) -> serde_json::Value;
}

/// Serializes a document; gold's own types always serialize, so a failure is a bug worth
/// seeing in the output rather than a panic.
pub fn to_json(document: &impl Serialize) -> serde_json::Value {
    serde_json::to_value(document).unwrap_or_else(|err| {
        serde_json::json!({ "error": { "kind": "io", "message": format!("gold could not write this document as JSON: {err}") } })
    })
}

/// The name of every report gold writes as one event of an NDJSON stream (`"event": NAME`),
/// in one place; `docs/json.md` describes each. The progress events of a rollout, an apply and
/// a build are typed enums of their own (`WaveEvent`, `ApplyEvent`, `BuildEvent`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamEvent {
    /// A plan, before it is applied (`plan`).
    Plan,
    /// How a rollout ended (`summary`).
    Summary,
    /// What `up` did (`applied`).
    Applied,
    /// What `destroy` deleted (`destroyed`).
    Destroyed,
    /// The build `build` cancelled (`cancelled`).
    Cancelled,
    /// What `promote` would do (`promotion_plan`).
    PromotionPlan,
    /// What `promote` did (`promoted`).
    Promoted,
    /// What `prune` would do (`prune_plan`).
    PrunePlan,
    /// What `prune` did (`pruned`).
    Pruned,
    /// What `retire` would do (`retire_plan`).
    RetirePlan,
    /// What `retire` did (`retired`).
    Retired,
    /// A failure with no report of its own, ending a stream (`error`).
    Error,
}

impl StreamEvent {
    /// The `"event"` value.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Plan => "plan",
            Self::Summary => "summary",
            Self::Applied => "applied",
            Self::Destroyed => "destroyed",
            Self::Cancelled => "cancelled",
            Self::PromotionPlan => "promotion_plan",
            Self::Promoted => "promoted",
            Self::PrunePlan => "prune_plan",
            Self::Pruned => "pruned",
            Self::RetirePlan => "retire_plan",
            Self::Retired => "retired",
            Self::Error => "error",
        }
    }

    /// `report` written as this event.
    pub fn of<R>(self, report: &R) -> Streamed<'_, R> {
        Streamed {
            event: self,
            report,
        }
    }
}

/// A report written as one event of a stream: its JSON document gets `"event": NAME` first.
pub struct Streamed<'a, R> {
    event: StreamEvent,
    report: &'a R,
}

impl<R: Report> Report for Streamed<'_, R> {
    fn human(&self, verbose: bool) -> String {
        self.report.human(verbose)
    }

    fn json(&self) -> serde_json::Value {
        let mut object = serde_json::Map::new();
        object.insert("event".to_owned(), self.event.name().into());
        if let serde_json::Value::Object(fields) = self.report.json() {
            object.extend(fields);
        }
        serde_json::Value::Object(object)
    }
}

/// The plan as JSON: its changes and counts, and whether anything would change.
#[derive(Serialize, JsonSchema)]
pub struct PlanDocument<'a> {
    /// The plan.
    #[serde(flatten)]
    pub plan: &'a Plan,
    /// Whether applying the plan would change anything.
    pub has_changes: bool,
}

impl Report for Plan {
    fn human(&self, verbose: bool) -> String {
        render::plan(self, verbose)
    }

    fn json(&self) -> serde_json::Value {
        to_json(&PlanDocument {
            plan: self,
            has_changes: !self.is_empty(),
        })
    }
}

impl Report for Summary {
    fn human(&self, verbose: bool) -> String {
        render::summary(self, verbose)
    }

    fn json(&self) -> serde_json::Value {
        to_json(self)
    }
}

impl Report for Status {
    fn human(&self, _verbose: bool) -> String {
        render::status(self)
    }

    fn json(&self) -> serde_json::Value {
        to_json(self)
    }
}

impl Report for RetirePlan {
    fn human(&self, verbose: bool) -> String {
        render::retire_plan(self, verbose)
    }

    fn json(&self) -> serde_json::Value {
        to_json(self)
    }
}

impl Report for PrunePlan {
    fn human(&self, verbose: bool) -> String {
        render::prune_plan(self, verbose)
    }

    fn json(&self) -> serde_json::Value {
        to_json(&PrunePlanDocument {
            plan: self,
            has_changes: !self.is_empty(),
        })
    }
}

/// The prune plan as JSON, and whether applying it would change anything.
#[derive(Serialize, JsonSchema)]
pub struct PrunePlanDocument<'a> {
    /// The plan.
    #[serde(flatten)]
    pub plan: &'a PrunePlan,
    /// Whether applying it would deprecate or delete anything.
    pub has_changes: bool,
}

impl Report for Pruned {
    fn human(&self, _verbose: bool) -> String {
        render::pruned(self)
    }

    fn json(&self) -> serde_json::Value {
        to_json(self)
    }
}
