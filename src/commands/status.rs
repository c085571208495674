//! `gold status`: one row per consumer target (see [`crate::consumer::status`]).

use std::process::ExitCode;

use crate::Error;
use crate::aws::Sessions;
use crate::cli::{GlobalArgs, StatusArgs};
use crate::consumer::{RunOptions, status};
use crate::manifest;
use crate::ui::{Printer, rollout_progress};

use super::rollout::filter;
use super::{block_on, manifest_path};

/// Runs `gold status` with `args`.
pub fn run(args: &StatusArgs, global: &GlobalArgs, printer: &Printer) -> Result<ExitCode, Error> {
    let loaded = manifest::load(&manifest_path(global)?)?;
    let filter = filter(&args.targets);
    let rows = block_on(async {
        let sessions = Sessions::load().await;
        status::status(
            &loaded.manifest,
            &sessions,
            &filter,
            RunOptions::default().parallelism,
        )
        .await
    })??;
    rollout_progress::show_status(printer, &rows);
    Ok(ExitCode::SUCCESS)
}
