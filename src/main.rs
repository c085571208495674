//! The `gold` binary: parse the command line, run one command, map the outcome to an exit code.

use std::process::ExitCode;

use clap::Parser;

use gold::cli::Cli;
use gold::commands;
use gold::ui::Printer;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let code = if err.use_stderr() { 2 } else { 0 };
            // clap renders help, version and usage errors itself, coloured when it should be.
            let _ = err.print();
            return ExitCode::from(code);
        }
    };
    let printer = Printer::new(&cli.global);
    match commands::run(cli, &printer) {
        Ok(code) => code,
        Err(err) => {
            printer.error(&err);
            ExitCode::from(err.exit_code())
        }
    }
}
