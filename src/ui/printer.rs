//! The one `Printer`: decides quiet / normal / verbose and human / JSON, so no command prints
//! around it (the crate denies `print_stdout` and `print_stderr` elsewhere).
//!
//! The output contract it keeps:
//! - human: reports and results on stdout, narration, warnings and errors on stderr;
//! - JSON: stdout holds one JSON document per run, or (for commands that stream) one event per
//!   line whose last line is the report. A failure is printed once, as the `error` member of
//!   that last document (a report that was cut short still carries what it found), or as a
//!   document of its own; never as text on stderr besides.

use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex};

use super::report::{Report, StreamEvent};
use crate::Error;
use crate::cli::{GlobalArgs, OutputFormat};

/// Writes results, narration and errors according to the global flags.
#[derive(Debug, Clone)]
pub struct Printer {
    format: OutputFormat,
    quiet: bool,
    verbosity: u8,
    stderr_is_terminal: bool,
    json: Arc<Mutex<JsonState>>,
}

/// What `--output json` has written and holds back.
#[derive(Debug, Default)]
struct JsonState {
    /// An event line was written, so every further line is an event too.
    streaming: bool,
    /// The report the run ends with, printed (with the error, if any) by [`Printer::finish`].
    last: Option<serde_json::Value>,
}

impl Printer {
    /// A printer for the flags the user gave.
    #[must_use]
    pub fn new(global: &GlobalArgs) -> Self {
        Self {
            format: global.output,
            quiet: global.quiet,
            verbosity: global.verbose,
            stderr_is_terminal: std::io::stderr().is_terminal() && terminal_can_redraw(),
            json: Arc::default(),
        }
    }

    /// A printer for `--output json` before the rest of the command line is known.
    #[must_use]
    pub fn json_only() -> Self {
        Self {
            format: OutputFormat::Json,
            quiet: false,
            verbosity: 0,
            stderr_is_terminal: false,
            json: Arc::default(),
        }
    }

    /// The output format the user asked for.
    #[must_use]
    pub fn format(&self) -> OutputFormat {
        self.format
    }

    /// Whether the user asked for more detail (`-v`).
    #[must_use]
    pub fn is_verbose(&self) -> bool {
        self.verbosity > 0
    }

    /// Whether narration goes to a terminal (so live progress may redraw lines).
    #[must_use]
    pub fn is_interactive(&self) -> bool {
        self.stderr_is_terminal && !self.quiet && self.format == OutputFormat::Human
    }

    /// A report shown before the command acts (the plan it is about to apply): text on stdout,
    /// left out with `-q`; or one JSON line (an event, in a stream), whatever `-q` says.
    pub fn show(&self, report: &impl Report) {
        match self.format {
            OutputFormat::Human if self.quiet => {}
            OutputFormat::Human => self.human(report),
            OutputFormat::Json => self.json_line(&report.json()),
        }
    }

    /// The report the command ends with: text on stdout now, or the last JSON document, held
    /// back until [`Printer::finish`] knows whether the command failed.
    pub fn conclude(&self, report: &impl Report) {
        match self.format {
            OutputFormat::Human => self.human(report),
            OutputFormat::Json => {
                let value = report.json();
                let previous = self.json.lock().ok().and_then(|mut state| {
                    state.streaming |= value.get("event").is_some();
                    state.last.replace(value)
                });
                if let Some(previous) = previous {
                    write_line(&mut std::io::stdout().lock(), &previous.to_string());
                }
            }
        }
    }

    /// A report's text on stdout; a report with nothing to say prints nothing.
    fn human(&self, report: &impl Report) {
        let text = report.human(self.is_verbose());
        let text = text.trim_end();
        if !text.is_empty() {
            self.result(text);
        }
    }

    /// One event of a stream, as a JSON line (only with `--output json`).
    pub fn event(&self, event: &impl serde::Serialize) {
        if self.format == OutputFormat::Json {
            match serde_json::to_value(event) {
                Ok(value) => self.json_line(&value),
                Err(err) => self.warn(&format!("an event could not be written as JSON: {err}")),
            }
        }
    }

    /// Ends the run: prints the held-back report, with the error when the command failed; or,
    /// in human form, the error on stderr.
    pub fn finish(&self, failure: Option<(&Error, u8)>) {
        if self.format == OutputFormat::Human {
            if let Some((err, _)) = failure {
                write_line(&mut std::io::stderr().lock(), &super::render::error(err));
            }
            return;
        }
        let Ok(mut state) = self.json.lock() else {
            return;
        };
        let last = state.last.take();
        let streaming = state.streaming;
        drop(state);
        let error = failure.map(|(err, code)| err.report(code));
        let document = match (last, error) {
            (Some(mut last), Some(error)) => {
                if let Some(object) = last.as_object_mut() {
                    object.insert("error".to_owned(), json_value(&error));
                }
                last
            }
            (Some(last), None) => last,
            (None, Some(error)) => {
                let mut object = serde_json::Map::new();
                if streaming {
                    object.insert("event".to_owned(), StreamEvent::Error.name().into());
                }
                object.insert("error".to_owned(), json_value(&error));
                serde_json::Value::Object(object)
            }
            (None, None) => return,
        };
        write_line(&mut std::io::stdout().lock(), &document.to_string());
    }

    /// Writes one JSON line, after the report held back so far (a stream went on after it).
    fn json_line(&self, value: &serde_json::Value) {
        let held = self.json.lock().ok().and_then(|mut state| {
            state.streaming |= value.get("event").is_some();
            state.last.take()
        });
        let mut out = std::io::stdout().lock();
        if let Some(held) = held {
            write_line(&mut out, &held.to_string());
        }
        write_line(&mut out, &value.to_string());
    }

    /// A result for people, on stdout (ignored with `--output json`).
    pub fn result(&self, text: &str) {
        if self.format == OutputFormat::Human {
            write_line(&mut std::io::stdout().lock(), text);
        }
    }

    /// Data on stdout whatever the format, for output that is machine-readable already (a JSON
    /// Schema, a completion script).
    pub fn data(&self, text: &str) {
        write_line(&mut std::io::stdout().lock(), text);
    }

    /// Narration on stderr, silenced by `-q`.
    pub fn info(&self, text: &str) {
        if !self.quiet {
            write_line(&mut std::io::stderr().lock(), text);
        }
    }

    /// Detail on stderr, shown only with `-v`.
    pub fn verbose(&self, text: &str) {
        if self.verbosity > 0 {
            write_line(&mut std::io::stderr().lock(), text);
        }
    }

    /// A warning on stderr; never silenced.
    pub fn warn(&self, text: &str) {
        write_line(&mut std::io::stderr().lock(), &format!("warning: {text}"));
    }
}

fn json_value(error: &crate::error::ErrorReport) -> serde_json::Value {
    serde_json::to_value(error).unwrap_or_else(|err| {
        serde_json::json!({ "kind": "io", "message": format!("the error could not be written as JSON: {err}") })
    })
}

/// indicatif draws nothing on a terminal without cursor movement, so `TERM` unset or `dumb`
/// (CI runners, `script` without a terminal type) gets plain lines instead of a blank screen.
fn terminal_can_redraw() -> bool {
    cfg!(windows) || std::env::var("TERM").is_ok_and(|term| !term.is_empty() && term != "dumb")
}

/// Writes one line; a closed pipe (`gold status | head`) is not an error worth a panic.
fn write_line(out: &mut impl Write, text: &str) {
    let _ = writeln!(out, "{text}");
}
