//! `gold destroy`: delete what `gold up` created for this manifest (only resources tagged
//! `gold:manifest=<name>`), after showing the plan and getting a confirmation.

use std::process::ExitCode;
use std::time::Instant;

use crate::Error;
use crate::aws::Sessions;
use crate::cli::{DestroyArgs, GlobalArgs, OutputFormat};
use crate::manifest;
use crate::plan::{render_human, render_json};
use crate::producer::{self, destroy, names};
use crate::ui::{self, ApplyProgress, Printer};

use super::{block_on, manifest_path};

/// Runs `gold destroy`.
pub fn run(args: &DestroyArgs, global: &GlobalArgs, printer: &Printer) -> Result<ExitCode, Error> {
    let loaded = manifest::load(&manifest_path(global)?)?;
    block_on(async {
        let sessions = Sessions::load().await;
        let session = producer::session(&loaded, &sessions).await?;
        let doomed = destroy::survey(&loaded, &session, args.images).await?;
        let plan = doomed.plan(&session);
        if plan.is_empty() {
            let message = format!(
                "Nothing to destroy: no resource in account {} is tagged `{}={}`.",
                session.account(),
                names::MANIFEST_TAG,
                loaded.manifest.name
            );
            match printer.format() {
                OutputFormat::Human => printer.result(&message),
                OutputFormat::Json => {
                    printer.json(&serde_json::json!({ "plan": render_json(&plan), "deleted": 0 }));
                }
            }
            return Ok(());
        }
        match printer.format() {
            OutputFormat::Human => printer.result(render_human(&plan).trim_end()),
            OutputFormat::Json => printer.json(&serde_json::json!({ "plan": render_json(&plan) })),
        }
        if !args.images {
            printer.info("AMIs and snapshots are kept; add `--images` to delete them too.");
        }
        let question = format!(
            "Delete these {} resources in account {}?",
            plan.changes.len(),
            session.account()
        );
        if !ui::confirm(global.yes, &question)? {
            return Err(Error::Failed {
                message: "not confirmed; nothing was deleted".to_owned(),
                hint: None,
            });
        }
        let started = Instant::now();
        let deleted = doomed.apply(&session, &ApplyProgress::new(printer)).await?;
        let seconds = started.elapsed().as_secs_f64();
        match printer.format() {
            OutputFormat::Human => printer.result(&format!(
                "Destroyed: {deleted} resources deleted in {seconds:.1}s."
            )),
            OutputFormat::Json => {
                printer.json(&serde_json::json!({ "deleted": deleted, "seconds": seconds }));
            }
        }
        Ok::<_, Error>(())
    })??;
    Ok(ExitCode::SUCCESS)
}
