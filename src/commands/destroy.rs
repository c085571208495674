//! `gold destroy`: delete what `gold up` and `gold rollout` created for this manifest (only
//! resources tagged `gold:manifest=<name>`: producer resources, and consumer launch templates
//! marked `create` with their security group), after showing the plan and getting a
//! confirmation. A consumer that cannot be reached does not stop the rest; it makes the
//! command fail at the end.
//!
//! With `--images`, the AMIs go only when nothing uses them ([`consumer::usage`]): otherwise
//! nothing is deleted and every holder is named, unless `--force`.

use std::collections::BTreeSet;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use serde::Serialize;

use crate::Error;
use crate::aws::AwsError;
use crate::cli::{DestroyArgs, GlobalArgs};
use crate::consumer;
use crate::error::Cause;
use crate::manifest;
use crate::names;
use crate::plan::Resource;
use crate::plan::lifecycle::Usage;
use crate::producer::{self, destroy};
use crate::ui::report::{Report, to_json};
use crate::ui::{self, ApplyProgress, Printer, StreamEvent};

use super::{block_on, manifest_path};

/// What `destroy` deleted: the `destroyed` event its JSON stream ends with.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Destroyed {
    /// Resources deleted (or found already gone).
    pub deleted: usize,
    /// Consumer launch templates kept because gold did not create them.
    pub kept: Vec<Resource>,
    /// How long deleting took.
    pub seconds: f64,
    /// What the text says when there was nothing to delete.
    #[serde(skip)]
    pub nothing_in: Option<String>,
}

impl Report for Destroyed {
    fn human(&self, _verbose: bool) -> String {
        match &self.nothing_in {
            Some(message) => message.clone(),
            None => format!(
                "Destroyed: {} resources deleted in {:.1}s.",
                self.deleted, self.seconds
            ),
        }
    }

    fn json(&self) -> serde_json::Value {
        let mut value = to_json(self);
        if let Some(object) = value.as_object_mut() {
            object.insert("event".to_owned(), StreamEvent::Destroyed.name().into());
        }
        value
    }
}

/// Runs `gold destroy`.
pub fn run(args: &DestroyArgs, global: &GlobalArgs, printer: &Printer) -> Result<ExitCode, Error> {
    let loaded = manifest::load(&manifest_path(global)?)?;
    let work = async {
        let sessions =
            super::sessions(global, printer, crate::aws::DEFAULT_CALLS_PER_ACCOUNT).await;
        let session = producer::session(&loaded, &sessions).await?;
        let (doomed, consumers) = futures::future::join(
            destroy::survey(&loaded, &session, args.images),
            consumer::destroy::survey(&loaded.manifest, &sessions, &session),
        )
        .await;
        let doomed = doomed?;
        let amis = doomed.amis_by_region();
        if !amis.is_empty() {
            let usage = consumer::usage::usage(
                &loaded.manifest,
                &sessions,
                &session,
                &amis,
                consumer::DEFAULT_PARALLELISM,
            )
            .await;
            in_use(&usage, args.force, printer)?;
        }
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
            printer.conclude(&Destroyed {
                deleted: 0,
                kept: consumers.kept.clone(),
                seconds: 0.0,
                nothing_in: Some(format!(
                    "Nothing to destroy: no resource in account {} or the consumer accounts is tagged `{}={}`.",
                    session.account(),
                    names::MANIFEST_TAG,
                    loaded.manifest.name
                )),
            });
            return consumer_problems(&consumers.unreachable, &[]);
        }
        printer.show(&StreamEvent::Plan.of(&plan));
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
        if !ui::confirm(global.yes, &question).await? {
            return Err(Error::failed("not confirmed; nothing was deleted", None));
        }
        let started = Instant::now();
        let progress = ApplyProgress::new(printer);
        let (deleted, applied) = futures::future::join(
            doomed.apply(&session, &progress),
            consumers.apply(&progress),
        )
        .await;
        let deleted = deleted? + applied.deleted;
        printer.conclude(&Destroyed {
            deleted,
            kept: consumers.kept.clone(),
            seconds: started.elapsed().as_secs_f64(),
            nothing_in: None,
        });
        consumer_problems(&consumers.unreachable, &applied.failed)
    };
    block_on(super::stoppable(
        work,
        "run `gold destroy` again: it deletes what is left",
    ))??;
    Ok(ExitCode::SUCCESS)
}

/// Refuses to delete AMIs that something uses or that an unreadable account might use, naming
/// each; with `--force`, names them and goes on.
fn in_use(usage: &Usage, force: bool, printer: &Printer) -> Result<(), Error> {
    let causes: Vec<String> = usage
        .holders
        .values()
        .flatten()
        .map(|holder| format!("{} is used by {holder}", holder.ami))
        .chain(usage.unchecked.iter().map(ToString::to_string))
        .collect();
    if causes.is_empty() {
        return Ok(());
    }
    if force {
        for cause in &causes {
            printer.warn(&format!("deleting anyway (`--force`): {cause}"));
        }
        return Ok(());
    }
    Err(Error::Failed {
        message: format!(
            "the pipeline's AMIs are in use or could not be checked ({} finding(s)); nothing was deleted",
            causes.len()
        ),
        hint: Some(
            "move those users to another image first, run without `--images` to keep the AMIs, or add `--force` to delete them anyway"
                .to_owned(),
        ),
        causes: causes
            .into_iter()
            .map(|message| Cause {
                message,
                hint: None,
            })
            .collect(),
    })
}

/// Fails naming every consumer that could not be surveyed or whose deletions failed.
fn consumer_problems(surveyed: &[Arc<AwsError>], failed: &[AwsError]) -> Result<(), Error> {
    let causes: Vec<Cause> = surveyed
        .iter()
        .map(|err| (err.to_string(), err.hint.clone()))
        .chain(failed.iter().map(|err| (err.to_string(), err.hint.clone())))
        .map(|(message, hint)| Cause { message, hint })
        .collect();
    if causes.is_empty() {
        return Ok(());
    }
    Err(Error::Failed {
        message: format!(
            "{} consumer problem(s); what gold created there may remain",
            causes.len()
        ),
        hint: Some(
            "fix the consumer's access and run `gold destroy` again; what is already gone counts as deleted"
                .to_owned(),
        ),
        causes,
    })
}
