//! `gold rollback`: each consumer target back to the default version it had before gold's
//! last rollout (see [`crate::consumer::rollback`]).

use std::process::ExitCode;

use crate::Error;
use crate::aws::Sessions;
use crate::cli::{GlobalArgs, RollbackArgs};
use crate::consumer::{RunOptions, rollback};
use crate::manifest;
use crate::ui::Printer;

use super::rollout::{filter, interruptible};
use super::{block_on, manifest_path};

/// Runs `gold rollback` with `args`.
pub fn run(args: &RollbackArgs, global: &GlobalArgs, printer: &Printer) -> Result<ExitCode, Error> {
    let loaded = manifest::load(&manifest_path(global)?)?;
    let options = RunOptions {
        parallelism: usize::from(args.parallelism),
        dry_run: args.dry_run,
        yes: global.yes,
    };
    let filter = filter(&args.targets);
    block_on(interruptible(
        async {
            let sessions = Sessions::load().await;
            rollback::run(&loaded.manifest, &sessions, &filter, options, printer).await
        },
        "gold rollback",
    ))??;
    Ok(ExitCode::SUCCESS)
}
