//! Progress while `up` or `destroy` changes resources: on a terminal a spinner per resource in
//! flight; otherwise one line per resource as it completes (many run in parallel, so lines
//! appear in completion order); with `--output json` one event per line on stdout.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::Printer;
use crate::cli::OutputFormat;
use crate::plan::{ApplyEvent, ApplyReporter, Resource};

/// Shows each resource as work on it starts and ends.
pub struct ApplyProgress {
    printer: Printer,
    multi: Option<MultiProgress>,
    spinners: Mutex<HashMap<Resource, ProgressBar>>,
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
            spinners: Mutex::new(HashMap::new()),
        }
    }

    fn start(&self, resource: &Resource, doing: &str) {
        let Some(multi) = &self.multi else { return };
        let style = ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_spinner());
        let bar = multi.add(ProgressBar::new_spinner().with_style(style));
        bar.set_message(format!("{doing} {}", resource.label()));
        bar.enable_steady_tick(Duration::from_millis(120));
        if let Ok(mut spinners) = self.spinners.lock() {
            spinners.insert(resource.clone(), bar);
        }
    }

    fn end(&self, resource: &Resource, text: &str, seconds: f64) {
        let line = format!("  {text} ({seconds:.1}s)");
        let spinner = self
            .spinners
            .lock()
            .ok()
            .and_then(|mut spinners| spinners.remove(resource));
        match (spinner, &self.multi) {
            (Some(bar), Some(multi)) => {
                bar.finish_and_clear();
                multi.remove(&bar);
                let _ = multi.println(line);
            }
            _ => self.printer.info(&line),
        }
    }
}

impl ApplyReporter for ApplyProgress {
    fn event(&self, event: &ApplyEvent<'_>) {
        if self.printer.format() == OutputFormat::Json {
            self.printer.event(event);
            return;
        }
        match event {
            ApplyEvent::Started { resource, doing } => self.start(resource, doing),
            ApplyEvent::Done {
                resource,
                message,
                seconds,
            } => self.end(
                resource,
                &format!("{message} {}", resource.label()),
                *seconds,
            ),
            ApplyEvent::Failed {
                resource,
                message,
                seconds,
            } => self.end(
                resource,
                &format!("failed {}: {message}", resource.label()),
                *seconds,
            ),
        }
    }
}
