//! `gold promote BUILD --to CHANNEL`: move a build into a release channel, through its gates.
//!
//! 1. read the builds and the channels' log, and find the build (as `gold retire` does);
//! 2. a build the channel held before is a rollback and passes without gates; otherwise read
//!    the evidence of each gate (time in the channel before and its refreshes, the scan);
//! 3. show the gates; refuse (exit 1, naming the gates) when one fails;
//! 4. confirm, then write the channel's next log entry; when another operator wrote it first,
//!    refuse with the channel's new state (nothing written);
//! 5. protect the AMIs of every build a channel holds now or held just before.
//!
//! `gold rollout` then moves the channel's consumers.

use std::process::ExitCode;

use crate::Error;
use crate::channels::{self, Release};
use crate::cli::{GlobalArgs, PromoteArgs};
use crate::manifest::{self, Manifest};
use crate::plan::channels::{self as rules, Change, Gate, GateKind, Promotion, Stored};
use crate::plan::lifecycle;
use crate::producer;
use crate::ui::report::{Report, to_json};
use crate::ui::{self, Event, Printer, render};

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
        let release = Release::read(manifest, &session).await?;
        let build = lifecycle::find_build(&release.builds, &args.build)
            .map_err(|message| Error::Usage {
                message,
                hint: Some("`gold channels` lists what each channel holds".to_owned()),
            })?
            .clone();
        if build.retired(release.now) {
            return Err(Error::failed(
                format!("{} is retired: no channel takes it", build.label()),
                None,
            ));
        }
        let channel = &manifest.channels[index];
        let history = release.history(index);
        let holds = history.first().cloned();
        if holds.as_ref().and_then(|e| e.build.as_deref()) == Some(build.name.as_str()) {
            printer.info(&format!(
                "channel {} holds {} already; nothing to do",
                channel.name,
                build.label()
            ));
            return Ok(());
        }
        let rollback = rules::held_before(&history, &build.name);
        let gates = if rollback {
            vec![Gate {
                gate: GateKind::Rollback,
                passed: true,
                detail: format!(
                    "{} held {} before: a rollback passes without gates",
                    channel.name,
                    build
                        .number
                        .map_or_else(|| build.name.clone(), |n| format!("build {n}"))
                ),
            }]
        } else {
            channels::gates(&release, &sessions, &session, &build, index, &args.accept).await?
        };
        let mut promotion = Promotion {
            channel: channel.name.clone(),
            from: manifest.channels[index - 1].name.clone(),
            build: build.name.clone(),
            number: build.number,
            holds,
            allowed: gates.iter().all(|gate| gate.passed),
            gates,
            accepted: if rollback {
                Vec::new()
            } else {
                args.accept.clone()
            },
            recorded: None,
            protection: Vec::new(),
        };
        if args.dry_run || !promotion.allowed {
            printer.conclude(&Event("promotion_plan", &promotion));
            return refused(&promotion);
        }
        printer.show(&Event("promotion_plan", &promotion));
        let question = format!("Promote {} to {}?", build.label(), channel.name);
        if !ui::confirm(global.yes, &question).await? {
            return Err(Error::failed("nothing was changed: not confirmed", None));
        }
        let by = sessions
            .caller_arn(session.account(), session.region())
            .await?;
        let stored = Stored {
            build: Some(build.name.clone()),
            change: if rollback {
                Change::RolledBack
            } else {
                Change::Promoted
            },
            by,
            accepted: promotion.accepted.clone(),
            note: None,
        };
        let entry = channels::record(&release, &session, &channel.name, &stored)
            .await?
            .map_err(Error::from)?;
        promotion.recorded = Some(entry);
        let after = Release::read(manifest, &session).await?;
        promotion.protection = channels::protect(&after, &session).await?;
        printer.conclude(&Event("promoted", &promotion));
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
