//! `gold version`: which gold this is, for people and for programs (`--output json`); the
//! first line is what `gold --version` prints.

use std::process::ExitCode;

use crate::Error;
use crate::about::{About, about};
use crate::ui::Printer;
use crate::ui::report::{Report, to_json};

impl Report for About {
    fn human(&self, _verbose: bool) -> String {
        let unknown = "unknown";
        let modified = match self.modified {
            Some(true) => "yes",
            Some(false) => "no",
            None => unknown,
        };
        format!(
            "gold {self}\ncommit: {}\ncommit-date: {}\nmodified: {modified}\ntarget: {}",
            self.commit.unwrap_or(unknown),
            self.commit_date.unwrap_or(unknown),
            self.target
        )
    }

    fn json(&self) -> serde_json::Value {
        to_json(self)
    }
}

/// Prints the running binary's version and build.
#[expect(
    clippy::unnecessary_wraps,
    reason = "every command returns the dispatcher's type"
)]
pub fn run(printer: &Printer) -> Result<ExitCode, Error> {
    printer.conclude(&about());
    Ok(ExitCode::SUCCESS)
}
