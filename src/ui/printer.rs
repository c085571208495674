//! The one `Printer`: decides quiet / normal / verbose and human / JSON, so no command prints
//! around it (the crate denies `print_stdout` and `print_stderr` elsewhere).

use std::io::{IsTerminal, Write};

use crate::cli::{GlobalArgs, OutputFormat};

/// Writes results, narration and errors according to the global flags.
#[derive(Debug, Clone)]
pub struct Printer {
    format: OutputFormat,
    quiet: bool,
    verbosity: u8,
    stderr_is_terminal: bool,
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
        }
    }

    /// The output format the user asked for.
    #[must_use]
    pub fn format(&self) -> OutputFormat {
        self.format
    }

    /// Whether narration goes to a terminal (so live progress may redraw lines).
    #[must_use]
    pub fn is_interactive(&self) -> bool {
        self.stderr_is_terminal && !self.quiet && self.format == OutputFormat::Human
    }

    /// A result for people, on stdout (ignored with `--output json`).
    pub fn result(&self, text: &str) {
        if self.format == OutputFormat::Human {
            write_line(&mut std::io::stdout().lock(), text);
        }
    }

    /// A result for programs, on stdout as one JSON line (only with `--output json`).
    pub fn json(&self, value: &serde_json::Value) {
        if self.format == OutputFormat::Json {
            write_line(&mut std::io::stdout().lock(), &value.to_string());
        }
    }

    /// Data on stdout whatever the format, for output that is machine-readable already (a JSON Schema).
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

    /// The error a command ended with: `error:`, its causes, then a `hint:` when there is one.
    pub fn error(&self, err: &crate::Error) {
        let mut out = std::io::stderr().lock();
        // A manifest error holds one diagnostic per line; each reads as an error of its own.
        for line in err.to_string().lines() {
            write_line(&mut out, &format!("error: {line}"));
        }
        let mut source = std::error::Error::source(err);
        while let Some(cause) = source {
            write_line(&mut out, &format!("  caused by: {cause}"));
            source = cause.source();
        }
        if let Some(hint) = err.hint() {
            write_line(&mut out, &format!("hint: {hint}"));
        }
    }
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
