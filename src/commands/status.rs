//! `gold status`: one row per consumer target (see [`crate::consumer::status`]); a target that
//! cannot be read is listed apart and makes the command fail.

use std::process::ExitCode;

use crate::Error;
use crate::aws::Sessions;
use crate::cli::{GlobalArgs, StatusArgs};
use crate::consumer::{DEFAULT_PARALLELISM, status};
use crate::manifest;
use crate::ui::Printer;

use super::rollout::filter;
use super::{block_on, manifest_path};

/// Runs `gold status` with `args`.
pub fn run(args: &StatusArgs, global: &GlobalArgs, printer: &Printer) -> Result<ExitCode, Error> {
    let loaded = manifest::load(&manifest_path(global)?)?;
    let filter = filter(&args.targets);
    let status = block_on(async {
        let sessions = Sessions::load().await;
        status::status(&loaded.manifest, &sessions, &filter, DEFAULT_PARALLELISM).await
    })??;
    printer.conclude(&status);
    match status.errors().count() {
        0 => Ok(ExitCode::SUCCESS),
        n => Err(Error::failed(
            format!(
                "{n} of {} target(s) could not be read (listed under `Cannot read`)",
                status.targets.len()
            ),
            Some(
                "fix each cause (access, a missing template), then run `gold status` again"
                    .to_owned(),
            ),
        )),
    }
}
