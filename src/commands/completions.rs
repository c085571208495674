//! `gold completions SHELL`: the shell completion script clap generates from the command line's
//! definition, so completions never drift from the flags.

use std::process::ExitCode;

use clap::CommandFactory;

use crate::Error;
use crate::cli::Cli;
use crate::ui::Printer;

/// Prints the completion script for `shell`.
pub fn run(shell: clap_complete::Shell, printer: &Printer) -> Result<ExitCode, Error> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "gold", &mut script);
    let text = String::from_utf8(script).map_err(|err| Error::Io {
        action: "cannot write the completion script to",
        path: "stdout".into(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, err),
    })?;
    printer.data(text.trim_end());
    Ok(ExitCode::SUCCESS)
}
