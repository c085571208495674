//! `gold rollback`: each consumer target back to the default version it had before gold's
//! last rollout (see [`crate::consumer::rollback`]), shown, confirmed and applied like a rollout.

use std::process::ExitCode;

use crate::Error;
use crate::cli::{GlobalArgs, RollbackArgs};
use crate::manifest;
use crate::ui::Printer;

use super::rollout::{Moving, Options, filter, interruptible, survey_and_execute};
use super::{block_on, manifest_path};

/// Runs `gold rollback` with `args`.
pub fn run(args: &RollbackArgs, global: &GlobalArgs, printer: &Printer) -> Result<ExitCode, Error> {
    let loaded = manifest::load(&manifest_path(global)?)?;
    let options = Options {
        parallelism: usize::from(args.parallelism),
        dry_run: args.dry_run,
        yes: global.yes,
        strict: args.targets.strict,
    };
    let filter = filter(&args.targets);
    block_on(interruptible(
        |interrupt| async move {
            let sessions =
                super::sessions(global, printer, usize::from(args.calls_per_account)).await;
            let moving = Moving::Back { force: args.force };
            survey_and_execute(
                &loaded.manifest,
                &sessions,
                &filter,
                moving,
                options,
                (printer, &interrupt),
            )
            .await
        },
        "gold rollback",
        printer,
    ))??;
    Ok(ExitCode::SUCCESS)
}
