//! The `gold` binary: parse the command line, run one command, map the outcome to an exit code.

use std::process::ExitCode;

use clap::Parser;

use gold::cli::Cli;
use gold::commands;
use gold::ui::Printer;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return commands::command_line_error(&err),
    };
    let printer = Printer::new(&cli.global);
    match commands::run(&cli, &printer) {
        Ok(code) => {
            printer.finish(None);
            code
        }
        Err(err) => {
            let code = commands::exit_code(&cli.command, &err);
            printer.finish(Some((&err, code)));
            ExitCode::from(code)
        }
    }
}
