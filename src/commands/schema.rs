//! `gold schema`: print a JSON Schema generated from gold's own types: the manifest's (the file
//! `schemas/gold.schema.json` must equal it), or that of every `--output json` document
//! (`schemas/output.schema.json`).

use std::process::ExitCode;

use serde_json::json;

use crate::Error;
use crate::cli::SchemaKind;
use crate::manifest;
use crate::ui::Printer;

/// Prints the schema to stdout, in either output format (it is JSON either way).
#[expect(
    clippy::unnecessary_wraps,
    reason = "every command returns the dispatcher's type"
)]
pub fn run(of: SchemaKind, printer: &Printer) -> Result<ExitCode, Error> {
    let text = match of {
        SchemaKind::Manifest => manifest::schema_text(),
        SchemaKind::Output => output_schema_text(),
    };
    printer.data(text.trim_end());
    Ok(ExitCode::SUCCESS)
}

/// The JSON Schema of everything `--output json` writes: each document and event under
/// `$defs/document.*` and `$defs/event.*`, and the whole as `anyOf` them.
pub fn output_schema() -> serde_json::Value {
    use crate::consumer::{Summary, WaveEvent};
    use crate::plan::ApplyEvent;
    use crate::producer::build::BuildEvent;
    use crate::ui::report::PlanDocument;

    use super::build::Cancelled;
    use super::channels::Channels;
    use super::destroy::Destroyed;
    use super::init::Created;
    use super::status::StatusReport;
    use super::up::UpReport;
    use super::validate::Validated;
    use crate::ops::retire::Retired;
    use crate::plan::channels::Promotion;
    use crate::plan::lifecycle::{Pruned, RetirePlan};
    use crate::ui::report::PrunePlanDocument;

    let mut schema = OutputSchema::new();
    let plan = schema.of::<PlanDocument>();
    schema.add("document.plan", schema.failable(plan.clone()));
    let status = schema.of::<StatusReport>();
    schema.add("document.status", schema.failable(status));
    let validated = schema.of::<Validated>();
    schema.add("document.validate", schema.failable(validated));
    let channels = schema.of::<Channels>();
    schema.add("document.channels", schema.failable(channels));
    let created = schema.of::<Created>();
    schema.add("document.init", created);
    let about = schema.of::<crate::about::About>();
    schema.add("document.version", about);
    schema.add("document.error", schema.error_only());
    schema.add("event.plan", event("plan", plan));
    let apply = schema.of::<ApplyEvent>();
    schema.add("event.apply", apply);
    let wave = schema.of::<WaveEvent>();
    schema.add("event.wave", wave);
    let build = all_of(
        schema.of::<BuildEvent>(),
        json!({ "properties": { "elapsed_seconds": { "type": "integer", "minimum": 0 } } }),
    );
    schema.add("event.build", schema.failable(build));
    for (name, body) in [
        ("applied", schema.of::<UpReport>()),
        ("destroyed", schema.of::<Destroyed>()),
        ("summary", schema.of::<Summary>()),
        ("retire_plan", schema.of::<RetirePlan>()),
        ("retired", schema.of::<Retired>()),
        ("prune_plan", schema.of::<PrunePlanDocument>()),
        ("pruned", schema.of::<Pruned>()),
        ("promotion_plan", schema.of::<Promotion>()),
        ("promoted", schema.of::<Promotion>()),
    ] {
        schema.add(&format!("event.{name}"), schema.failable(event(name, body)));
    }
    let cancelled = schema.of::<Cancelled>();
    schema.add("event.cancelled", event("cancelled", cancelled));
    schema.add("event.error", event("error", schema.error_only()));
    schema.finish()
}

/// The output schema while it is put together: the generator holds the shared definitions.
struct OutputSchema {
    generator: schemars::SchemaGenerator,
    error: serde_json::Value,
    documents: serde_json::Map<String, serde_json::Value>,
}

impl OutputSchema {
    fn new() -> Self {
        let mut generator = schemars::generate::SchemaSettings::draft2020_12()
            .for_serialize()
            .into_generator();
        let error = generator
            .subschema_for::<crate::error::ErrorReport>()
            .to_value();
        Self {
            generator,
            error,
            documents: serde_json::Map::new(),
        }
    }

    fn of<T: schemars::JsonSchema + ?Sized>(&mut self) -> serde_json::Value {
        self.generator.subschema_for::<T>().to_value()
    }

    fn add(&mut self, name: &str, schema: serde_json::Value) {
        self.documents.insert(name.to_owned(), schema);
    }

    /// A document that carries `error` when the command failed.
    fn failable(&self, document: serde_json::Value) -> serde_json::Value {
        all_of(document, json!({ "properties": { "error": self.error } }))
    }

    /// The document of a failure that has no report of its own.
    fn error_only(&self) -> serde_json::Value {
        json!({ "type": "object", "required": ["error"], "properties": { "error": self.error } })
    }

    fn finish(mut self) -> serde_json::Value {
        let any: Vec<serde_json::Value> = self
            .documents
            .keys()
            .map(|name| json!({ "$ref": format!("#/$defs/{name}") }))
            .collect();
        let mut defs = self.generator.take_definitions(true);
        defs.extend(self.documents);
        json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "gold --output json",
            "description": "Every JSON document and event gold writes on stdout with `--output json` (see docs/json.md). Programs should ignore members and event kinds they do not know: new ones may be added.",
            "anyOf": any,
            "$defs": defs,
        })
    }
}

/// A stream event: `body` with `"event": NAME`.
fn event(name: &str, body: serde_json::Value) -> serde_json::Value {
    all_of(
        body,
        json!({
            "type": "object",
            "required": ["event"],
            "properties": { "event": { "const": name } }
        }),
    )
}

/// A value that matches both schemas.
fn all_of(first: serde_json::Value, second: serde_json::Value) -> serde_json::Value {
    let mut object = serde_json::Map::new();
    object.insert(
        "allOf".to_owned(),
        serde_json::Value::Array(vec![first, second]),
    );
    serde_json::Value::Object(object)
}

/// The output schema as `gold schema output` prints it (and `schemas/output.schema.json` reads).
pub fn output_schema_text() -> String {
    let mut text = serde_json::to_string_pretty(&output_schema()).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// Every `"event": {"const": NAME}` the schema allows, wherever it is defined.
    fn events(schema: &serde_json::Value, found: &mut BTreeSet<String>) {
        match schema {
            serde_json::Value::Object(object) => {
                if let Some(name) = object
                    .get("properties")
                    .and_then(|properties| properties.get("event"))
                    .and_then(|event| event.get("const"))
                    .and_then(serde_json::Value::as_str)
                {
                    found.insert(name.to_owned());
                }
                object.values().for_each(|value| events(value, found));
            }
            serde_json::Value::Array(values) => {
                for value in values {
                    events(value, found);
                }
            }
            _ => {}
        }
    }

    /// The names in backticks of one column of the table under `heading` in docs/json.md.
    fn documented(heading: &str, column: usize) -> BTreeSet<String> {
        let docs = include_str!("../../docs/json.md");
        let section = docs
            .split("\n## ")
            .find(|section| section.starts_with(heading))
            .unwrap_or_default();
        section
            .lines()
            .filter(|line| {
                line.starts_with("| ")
                    && !line.starts_with("| event")
                    && !line.starts_with("| command")
            })
            .filter_map(|line| line.split(" | ").nth(column))
            .flat_map(|cell| {
                cell.split('`')
                    .skip(1)
                    .step_by(2)
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    #[test]
    fn docs_json_md_names_every_event_and_document_gold_prints_and_no_other() {
        let schema = output_schema();
        let mut printed = BTreeSet::new();
        events(&schema, &mut printed);
        assert_eq!(documented("A stream of events", 0), printed);
        let documents: BTreeSet<String> = schema["$defs"]
            .as_object()
            .map(|defs| {
                defs.keys()
                    .filter(|name| name.starts_with("document."))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(documented("One document", 1), documents);
    }
}
