//! Progress while `up` or `destroy` changes resources: on a terminal a spinner per resource in
//! flight; otherwise one line per resource as it completes (many run in parallel, so lines
//! appear in completion order); with `--output json` one JSON event per line on stdout.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::Printer;
use crate::cli::OutputFormat;
use crate::plan::Resource;

/// Reports each resource as work on it starts and ends.
pub struct ApplyProgress {
    printer: Printer,
    multi: Option<MultiProgress>,
    running: Mutex<HashMap<String, (Instant, Option<ProgressBar>)>>,
}

fn key(resource: &Resource) -> String {
    format!(
        "{}/{}/{}/{}",
        resource.account,
        resource.region,
        resource.kind.label(),
        resource.name
    )
}

fn label(resource: &Resource) -> String {
    format!("{} {}", resource.kind.label(), resource.name)
}

impl ApplyProgress {
    /// Progress for the printer's output mode.
    pub fn new(printer: &Printer) -> Self {
        let multi = printer
            .is_interactive()
            .then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()));
        Self {
            printer: printer.clone(),
            multi,
            running: Mutex::new(HashMap::new()),
        }
    }

    /// Work on `resource` begins; `doing` says what (`creating`, `updating 2 settings of`).
    pub fn start(&self, resource: &Resource, doing: &str) {
        let bar = self.multi.as_ref().map(|multi| {
            let style = ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                .unwrap_or_else(|_| ProgressStyle::default_spinner());
            let bar = multi.add(ProgressBar::new_spinner().with_style(style));
            bar.set_message(format!("{doing} {}", label(resource)));
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        if let Ok(mut running) = self.running.lock() {
            running.insert(key(resource), (Instant::now(), bar));
        }
    }

    /// Work on `resource` succeeded; `done` says what happened (`created 1.0.1`).
    pub fn finish(&self, resource: &Resource, done: &str) {
        self.end(resource, "done", &format!("{done} {}", label(resource)));
    }

    /// Work on `resource` failed.
    pub fn fail(&self, resource: &Resource, why: &str) {
        self.end(
            resource,
            "failed",
            &format!("failed {}: {why}", label(resource)),
        );
    }

    fn end(&self, resource: &Resource, status: &str, text: &str) {
        let entry = self
            .running
            .lock()
            .ok()
            .and_then(|mut running| running.remove(&key(resource)));
        let elapsed = entry
            .as_ref()
            .map_or(Duration::ZERO, |(start, _)| start.elapsed());
        let line = format!("  {text} ({:.1}s)", elapsed.as_secs_f64());
        if self.printer.format() == OutputFormat::Json {
            self.printer.json(&serde_json::json!({
                "event": status,
                "resource": resource,
                "message": text,
                "seconds": elapsed.as_secs_f64(),
            }));
            return;
        }
        match (entry.and_then(|(_, bar)| bar), &self.multi) {
            (Some(bar), Some(multi)) => {
                bar.finish_and_clear();
                multi.remove(&bar);
                let _ = multi.println(line);
            }
            _ => self.printer.info(&line),
        }
    }
}
