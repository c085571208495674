//! `gold promote BUILD --to CHANNEL`: move a build into a release channel, through its gates.
//! The flow is [`promote`]'s: this verb plans, shows the gates, refuses (exit 1, naming the
//! gates) when one fails, confirms, applies and renders.
//!
//! `gold rollout` then moves the channel's consumers.

use std::process::ExitCode;

use crate::Error;
use crate::channels::promote::{self, Planned};
use crate::cli::{GlobalArgs, PromoteArgs};
use crate::manifest::{self, Manifest};
use crate::plan::channels::Promotion;
use crate::producer;
use crate::ui::report::{Report, to_json};
use crate::ui::{self, Printer, StreamEvent, render};

use super::{block_on, manifest_path};

impl Report for Promotion {
    fn human(&self, _verbose: bool) -> String {
        render::promotion(self)
    }

    fn json(&self) -> serde_json::Value {
        to_json(self)
    }
}

/// Runs `gold promote`.
pub fn run(args: &PromoteArgs, global: &GlobalArgs, printer: &Printer) -> Result<ExitCode, Error> {
    let loaded = manifest::load(&manifest_path(global)?)?;
    let manifest = &loaded.manifest;
    let index = destination(manifest, &args.to)?;
    let work = async {
        let sessions =
            super::sessions(global, printer, crate::aws::DEFAULT_CALLS_PER_ACCOUNT).await;
        let session = producer::session(&loaded, &sessions).await?;
        let prepared = match promote::plan(
            manifest,
            &sessions,
            &session,
            &args.build,
            index,
            &args.accept,
        )
        .await?
        {
            Planned::Held(said) => {
                printer.info(&said);
                return Ok(());
            }
            Planned::Promotion(prepared) => prepared,
        };
        if args.dry_run || !prepared.promotion.allowed {
            printer.conclude(&StreamEvent::PromotionPlan.of(&prepared.promotion));
            return refused(&prepared.promotion);
        }
        printer.show(&StreamEvent::PromotionPlan.of(&prepared.promotion));
        let question = format!(
            "Promote {} to {}?",
            prepared.build.label(),
            prepared.promotion.channel
        );
        if !ui::confirm(global.yes, &question).await? {
            return Err(Error::failed("nothing was changed: not confirmed", None));
        }
        let by = sessions
            .caller_arn(session.account(), session.region())
            .await?;
        let promotion = promote::apply(&session, prepared, by).await?;
        printer.conclude(&StreamEvent::Promoted.of(&promotion));
        Ok(())
    };
    block_on(super::stoppable(
        work,
        "nothing half-done: a promotion is one write; run `gold promote` again",
    ))??;
    Ok(ExitCode::SUCCESS)
}

/// The position of the channel `--to` names: a later channel of the manifest.
fn destination(manifest: &Manifest, to: &str) -> Result<usize, Error> {
    let Some(index) = manifest.channels.iter().position(|c| c.name == to) else {
        let known: Vec<&str> = manifest.channels.iter().map(|c| c.name.as_str()).collect();
        return Err(Error::Usage {
            message: format!("`--to {to}`: the manifest has no such channel"),
            hint: Some(if known.is_empty() {
                "add `[[channels]]` to the manifest first (docs/manifest.md, \"Release channels\")"
                    .to_owned()
            } else {
                format!("its channels: {}", known.join(", "))
            }),
        });
    };
    if index == 0 {
        return Err(Error::Usage {
            message: format!(
                "`--to {to}`: the first channel takes every build that finishes; nothing is promoted into it"
            ),
            hint: Some(
                "promote into a later channel; to take a build out of the first, `gold retire` it"
                    .to_owned(),
            ),
        });
    }
    Ok(index)
}

/// Exit 1 naming the gates that refused, when one did.
fn refused(promotion: &Promotion) -> Result<(), Error> {
    let refused = promotion.refused_by();
    if refused.is_empty() {
        return Ok(());
    }
    Err(Error::failed(
        format!(
            "the {} gate{} refused: {} stays out of {}",
            refused.join(" and "),
            if refused.len() == 1 { "" } else { "s" },
            promotion
                .number
                .map_or_else(|| promotion.build.clone(), |n| format!("build {n}")),
            promotion.channel
        ),
        Some(
            "wait for the soak, fix the finding and build again, or let a finding through with `--accept ID`"
                .to_owned(),
        ),
    ))
}
