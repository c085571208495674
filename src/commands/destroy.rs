//! `gold destroy`: delete what `gold up` and `gold rollout` created for this manifest (only
//! resources tagged `gold:manifest=<name>`: producer resources, and consumer launch templates
//! marked `create` with their security group), after showing the plan and getting a
//! confirmation. A consumer that cannot be reached does not stop the rest; it makes the
//! command fail at the end.

use std::collections::BTreeSet;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use crate::Error;
use crate::aws::{AwsError, Sessions};
use crate::cli::{DestroyArgs, GlobalArgs, OutputFormat};
use crate::consumer;
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
        let (doomed, consumers) = futures::future::join(
            destroy::survey(&loaded, &session, args.images),
            consumer::destroy::survey(&loaded.manifest, &sessions, &session),
        )
        .await;
        let doomed = doomed?;
        let mut plan = doomed.plan(&session);
        plan.changes.extend(consumers.plan().changes);
        for kept in &consumers.kept {
            printer.info(&format!(
                "Keeping launch template {} ({}/{}): it is not tagged `{}={}`, so gold did not create it.",
                kept.name,
                kept.account,
                kept.region,
                names::MANIFEST_TAG,
                loaded.manifest.name
            ));
        }
        for err in &consumers.unreachable {
            printer.warn(&format!("Cannot destroy in a consumer account: {err}"));
        }
        if plan.is_empty() {
            let message = format!(
                "Nothing to destroy: no resource in account {} or the consumer accounts is tagged `{}={}`.",
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
            return consumer_problems(&consumers.unreachable, &[]);
        }
        match printer.format() {
            OutputFormat::Human => printer.result(render_human(&plan).trim_end()),
            OutputFormat::Json => printer.json(&serde_json::json!({ "plan": render_json(&plan) })),
        }
        if !args.images {
            printer.info("AMIs and snapshots are kept; add `--images` to delete them too.");
        }
        let accounts: BTreeSet<&str> = plan
            .changes
            .iter()
            .map(|change| change.resource.account.as_str())
            .collect();
        let accounts: Vec<&str> = accounts.into_iter().collect();
        let question = format!(
            "Delete these {} resources in account{} {}?",
            plan.changes.len(),
            if accounts.len() == 1 { "" } else { "s" },
            accounts.join(", ")
        );
        if !ui::confirm(global.yes, &question)? {
            return Err(Error::Failed {
                message: "not confirmed; nothing was deleted".to_owned(),
                hint: None,
            });
        }
        let started = Instant::now();
        let progress = ApplyProgress::new(printer);
        let (deleted, applied) = futures::future::join(
            doomed.apply(&session, &progress),
            consumers.apply(&progress),
        )
        .await;
        let deleted = deleted? + applied.deleted;
        let seconds = started.elapsed().as_secs_f64();
        match printer.format() {
            OutputFormat::Human => printer.result(&format!(
                "Destroyed: {deleted} resources deleted in {seconds:.1}s."
            )),
            OutputFormat::Json => {
                printer.json(&serde_json::json!({ "deleted": deleted, "seconds": seconds }));
            }
        }
        consumer_problems(&consumers.unreachable, &applied.failed)
    })??;
    Ok(ExitCode::SUCCESS)
}

/// Fails naming every consumer that could not be surveyed or whose deletions failed.
fn consumer_problems(surveyed: &[Arc<AwsError>], failed: &[AwsError]) -> Result<(), Error> {
    let problems: Vec<String> = surveyed
        .iter()
        .map(ToString::to_string)
        .chain(failed.iter().map(ToString::to_string))
        .collect();
    if problems.is_empty() {
        return Ok(());
    }
    Err(Error::Failed {
        message: format!(
            "{} consumer problem(s); what gold created there may remain:\n  {}",
            problems.len(),
            problems.join("\n  ")
        ),
        hint: Some(
            "fix the consumer's access and run `gold destroy` again; what is already gone counts as deleted"
                .to_owned(),
        ),
    })
}
