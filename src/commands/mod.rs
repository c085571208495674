//! One module per verb; each `run` takes parsed flags, does the work through the domain
//! modules, confirms where something changes, hands its report to the printer, and returns
//! the exit code on success. [`exit_code`] maps failures to the README's table.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::Error;
use crate::aws::{PROPAGATION_BOUND, Sessions, Waits};
use crate::cli::{Cli, Command, GlobalArgs};
use crate::ui::Printer;

mod build;
mod completions;
mod destroy;
mod iam;
mod init;
mod plan;
mod prune;
mod retire;
mod rollback;
mod rollout;
mod schema;
mod status;
mod up;
mod validate;
mod version;

/// Runs the command the user asked for.
pub fn run(cli: &Cli, printer: &Printer) -> Result<ExitCode, Error> {
    let global = &cli.global;
    match &cli.command {
        Command::Init { dir, force } => init::run(dir, *force, printer),
        Command::Validate => validate::run(&manifest_path(global)?, printer),
        Command::Schema { of } => schema::run(*of, printer),
        Command::Plan(args) => plan::run(args, global, printer),
        Command::Up => up::run(global, printer),
        Command::Destroy(args) => destroy::run(args, global, printer),
        Command::Build(args) => build::run(args, global, printer),
        Command::Rollout(args) => rollout::run(args, global, printer),
        Command::Status(args) => status::run(args, global, printer),
        Command::Rollback(args) => rollback::run(args, global, printer),
        Command::Retire(args) => retire::run(args, global, printer),
        Command::Prune(args) => prune::run(args, global, printer),
        Command::Iam(args) => iam::run(args, global, printer),
        Command::Version => version::run(printer),
        Command::Completions { shell } => completions::run(*shell, printer),
    }
}

/// The exit code a failed command ends with (README, "Exit codes"): 2 for usage and manifest
/// errors, 1 for failed operations, 130 when interrupted; but `plan --detailed-exitcode`
/// keeps 2 for "changes pending", so any error of it is 1, like `terraform plan`'s.
pub fn exit_code(command: &Command, err: &Error) -> u8 {
    match (command, err) {
        (_, Error::Interrupted { .. }) => err.exit_code(),
        (Command::Plan(args), _) if args.detailed_exitcode => 1,
        _ => err.exit_code(),
    }
}

/// Ends a run whose command line could not be parsed: clap's help and version exit 0; a usage
/// error exits 2 (1 for `plan --detailed-exitcode`), printed by clap, or as the JSON error
/// document when the command line asked for `--output json`.
pub fn command_line_error(err: &clap::Error) -> ExitCode {
    if !err.use_stderr() {
        // clap renders help and version itself, coloured when it should be.
        let _ = err.print();
        return ExitCode::SUCCESS;
    }
    let args: Vec<String> = std::env::args().collect();
    let detailed = args.iter().any(|arg| arg == "--detailed-exitcode");
    let code = if detailed { 1 } else { 2 };
    let json = args
        .windows(2)
        .any(|pair| pair[0] == "--output" && pair[1] == "json")
        || args.iter().any(|arg| arg == "--output=json");
    if !json {
        let _ = err.print();
        return ExitCode::from(code);
    }
    let text = err.render().to_string();
    let message = text
        .lines()
        .next()
        .unwrap_or_default()
        .trim_start_matches("error: ")
        .to_owned();
    let usage = Error::Usage {
        message,
        hint: Some("run `gold --help`, or `gold COMMAND --help`".to_owned()),
    };
    let printer = Printer::json_only();
    printer.finish(Some((&usage, code)));
    ExitCode::from(code)
}

/// Runs an async command on a multi-threaded runtime; only commands that call AWS need one.
fn block_on<F: std::future::Future>(future: F) -> Result<F::Output, Error> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|source| Error::Io {
            action: "cannot start the async runtime in",
            path: PathBuf::from("."),
            source,
        })?;
    Ok(runtime.block_on(future))
}

/// The AWS sessions of one command: at most `calls_per_account` calls of one account in flight,
/// and a line on stderr for each pause while a change propagates (silenced by `-q`).
async fn sessions(global: &GlobalArgs, printer: &Printer, calls_per_account: usize) -> Sessions {
    let printer = printer.clone();
    let waits = Waits::new(
        std::sync::Arc::new(move |waiting: &crate::aws::Waiting| {
            printer.info(&waiting.to_string());
        }),
        global.propagation_timeout.unwrap_or(PROPAGATION_BOUND),
    );
    Sessions::paced(calls_per_account).await.waiting(waits)
}

/// Runs `work`, a command that Ctrl-C may stop at any point (each of its changes is one AWS
/// call, and running it again finishes the job): Ctrl-C ends it with exit 130 and `hint`. Once
/// gold listens for Ctrl-C (the prompt does), the signal no longer ends the process by itself,
/// so every command that prompts listens to the end.
async fn stoppable<T>(
    work: impl std::future::Future<Output = Result<T, Error>>,
    hint: &str,
) -> Result<T, Error> {
    tokio::select! {
        result = work => result,
        _ = tokio::signal::ctrl_c() => Err(Error::Interrupted {
            hint: Some(hint.to_owned()),
        }),
    }
}

/// The manifest to use: `-f` as given, otherwise the nearest `gold.toml` here or above, like Cargo.toml.
fn manifest_path(global: &GlobalArgs) -> Result<PathBuf, Error> {
    if let Some(path) = &global.manifest {
        return Ok(path.clone());
    }
    let cwd = std::env::current_dir().map_err(|source| Error::Io {
        action: "cannot read the current directory",
        path: PathBuf::from("."),
        source,
    })?;
    cwd.ancestors()
        .map(|dir| dir.join("gold.toml"))
        .find(|candidate| candidate.is_file())
        .ok_or_else(|| Error::Usage {
            message: format!(
                "no `gold.toml` in `{}` or any parent directory",
                cwd.display()
            ),
            hint: Some("pass `-f PATH`, or create one with `gold init`".to_owned()),
        })
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    fn command(args: &[&str]) -> Command {
        Cli::try_parse_from(std::iter::once("gold").chain(args.iter().copied()))
            .expect("valid arguments")
            .command
    }

    #[test]
    fn detailed_exitcode_turns_every_error_of_plan_into_1() {
        let manifest = Error::Manifest(crate::manifest::Error {
            diagnostics: Vec::new(),
        });
        assert_eq!(exit_code(&command(&["plan"]), &manifest), 2);
        assert_eq!(
            exit_code(&command(&["plan", "--detailed-exitcode"]), &manifest),
            1
        );
        assert_eq!(
            exit_code(
                &command(&["plan", "--detailed-exitcode"]),
                &Error::Interrupted { hint: None }
            ),
            130
        );
        assert_eq!(exit_code(&command(&["validate"]), &manifest), 2);
    }
}
