//! `gold schema`: print the manifest's JSON Schema, generated from the model.

use std::process::ExitCode;

use crate::Error;
use crate::manifest;
use crate::ui::Printer;

/// Prints the schema to stdout, in either output format (it is JSON either way).
#[expect(
    clippy::unnecessary_wraps,
    reason = "every command returns the dispatcher's type"
)]
pub fn run(printer: &Printer) -> Result<ExitCode, Error> {
    printer.data(manifest::schema_text().trim_end());
    Ok(ExitCode::SUCCESS)
}
