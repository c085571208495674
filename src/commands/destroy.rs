//! `gold destroy`: delete what `gold up` and `gold rollout` created for this manifest (only
//! resources tagged `gold:manifest=<name>`). The flow is [`ops::destroy`]'s: this verb plans,
//! names what it keeps and what it cannot reach, shows the plan, confirms, applies and renders.
//! A consumer that cannot be reached does not stop the rest; it makes the command fail at the
//! end.
//!
//! With `--images`, the AMIs go only when nothing uses them: otherwise nothing is deleted and
//! every holder is named, unless `--force`.

use std::process::ExitCode;
use std::time::Instant;

use serde::Serialize;

use crate::Error;
use crate::cli::{DestroyArgs, GlobalArgs};
use crate::manifest;
use crate::names;
use crate::ops;
use crate::plan::Resource;
use crate::producer;
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
        let doomed =
            ops::destroy::plan(&loaded, &sessions, &session, args.images, args.force).await?;
        for cause in &doomed.forced {
            printer.warn(&format!("deleting anyway (`--force`): {cause}"));
        }
        let tag = format!("{}={}", names::MANIFEST_TAG, loaded.manifest.name);
        for kept in doomed.kept() {
            printer.info(&format!(
                "Keeping launch template {} ({}/{}): it is not tagged `{tag}`, so gold did not create it.",
                kept.name, kept.account, kept.region,
            ));
        }
        for cause in doomed.unreachable() {
            printer.warn(&format!(
                "Cannot destroy in a consumer account: {}",
                cause.message
            ));
        }
        if doomed.plan.is_empty() {
            printer.conclude(&Destroyed {
                deleted: 0,
                kept: doomed.kept().to_vec(),
                seconds: 0.0,
                nothing_in: Some(format!(
                    "Nothing to destroy: no resource in account {} or the consumer accounts is tagged `{tag}`.",
                    session.account(),
                )),
            });
            return doomed.problems(&[]);
        }
        printer.show(&StreamEvent::Plan.of(&doomed.plan));
        if !args.images {
            printer.info("AMIs and snapshots are kept; add `--images` to delete them too.");
        }
        let accounts = doomed.accounts();
        let question = format!(
            "Delete these {} resources in account{} {}?",
            doomed.plan.changes.len(),
            if accounts.len() == 1 { "" } else { "s" },
            accounts.join(", ")
        );
        if !ui::confirm(global.yes, &question).await? {
            return Err(Error::failed("not confirmed; nothing was deleted", None));
        }
        let started = Instant::now();
        let applied = ops::destroy::apply(&doomed, &session, &ApplyProgress::new(printer)).await?;
        printer.conclude(&Destroyed {
            deleted: applied.deleted,
            kept: doomed.kept().to_vec(),
            seconds: started.elapsed().as_secs_f64(),
            nothing_in: None,
        });
        doomed.problems(&applied.failed)
    };
    block_on(super::stoppable(
        work,
        "run `gold destroy` again: it deletes what is left",
    ))??;
    Ok(ExitCode::SUCCESS)
}
