//! One module per verb; each `run` takes parsed flags and returns the exit code on success.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::Error;
use crate::cli::{Cli, Command, GlobalArgs};
use crate::ui::Printer;

mod build;
mod destroy;
mod init;
mod plan;
mod rollback;
mod rollout;
mod schema;
mod status;
mod up;
mod validate;

/// Runs the command the user asked for.
pub fn run(cli: Cli, printer: &Printer) -> Result<ExitCode, Error> {
    match cli.command {
        Command::Init { dir, force } => init::run(&dir, force, printer),
        Command::Validate => validate::run(&manifest_path(&cli.global)?, printer),
        Command::Schema => schema::run(printer),
        Command::Plan(args) => plan::run(&args, &cli.global, printer),
        Command::Up => up::run(&cli.global, printer),
        Command::Destroy(args) => destroy::run(&args, &cli.global, printer),
        Command::Build(args) => build::run(&args, &cli.global, printer),
        Command::Rollout(args) => rollout::run(&args, &cli.global, printer),
        Command::Status(args) => status::run(&args, &cli.global, printer),
        Command::Rollback(args) => rollback::run(&args, &cli.global, printer),
    }
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
