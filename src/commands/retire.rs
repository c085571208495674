//! `gold retire BUILD…`: take bad builds out of the fleet.
//!
//! 1. read the producer's builds in every distribution region and find the ones named;
//! 2. find the targets that run them ([`consumer::retire::survey`]) and everything else in
//!    the consumer accounts that uses them ([`consumer::usage`]), concurrently;
//! 3. show the plan and confirm;
//! 4. move those targets through the rollout wave engine ([`consumer::rollout::apply`]);
//! 5. record the reason, deprecate every AMI of the builds now and, with `--disable` and only
//!    when every target moved, disable them. Deprecation comes even when a move failed: a
//!    deprecated AMI still launches, and no later rollout, plan or status chooses it. Running
//!    the command again finishes the moves.

use std::collections::{BTreeMap, BTreeSet};
use std::process::ExitCode;
use std::time::SystemTime;

use serde::Serialize;

use crate::Error;
use crate::cli::{GlobalArgs, RetireArgs};
use crate::consumer::{self, Summary, retire::Retiring};
use crate::error::Cause;
use crate::manifest;
use crate::plan::lifecycle::{self, AmiOutcome, Build, RetirePlan, RetiredBuild, Retirement};
use crate::producer;
use crate::ui::report::{Report, to_json};
use crate::ui::{self, Event, Printer, RolloutProgress, render};

use super::rollout::interruptible;
use super::{block_on, manifest_path};

/// How `gold retire` ended: every target's outcome, then every AMI's; the `retired` event its
/// JSON stream ends with.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Retired {
    /// The moves, as a rollout summary.
    pub moves: Summary,
    /// Each AMI of the retired builds and what was done to it.
    pub amis: Vec<AmiOutcome>,
    /// Why `--disable` was not carried out, when it was asked for and was not.
    pub not_disabled: Option<String>,
}

impl Report for Retired {
    fn human(&self, verbose: bool) -> String {
        render::retired(
            &self.moves,
            &self.amis,
            self.not_disabled.as_deref(),
            verbose,
        )
    }

    fn json(&self) -> serde_json::Value {
        to_json(self)
    }
}

/// Runs `gold retire`.
#[expect(
    clippy::too_many_lines,
    reason = "the command's steps in order: find, plan, confirm, move, deprecate, disable, report"
)]
pub fn run(args: &RetireArgs, global: &GlobalArgs, printer: &Printer) -> Result<ExitCode, Error> {
    let loaded = manifest::load(&manifest_path(global)?)?;
    let manifest = &loaded.manifest;
    let parallelism = usize::from(args.parallelism);
    let loaded = &loaded;
    block_on(interruptible(
        |interrupt| async move {
            let sessions =
                super::sessions(global, printer, crate::aws::DEFAULT_CALLS_PER_ACCOUNT).await;
            let session = producer::session(loaded, &sessions).await?;
            let builds = producer::lifecycle::builds(manifest, &session).await?;
            let retired = named(&builds, &args.builds)?;
            let to = destination(&builds, args.to.as_deref(), &retired)?;
            let amis: BTreeSet<String> = retired
                .iter()
                .flat_map(|build| build.amis.iter().map(|ami| ami.id.clone()))
                .collect();
            let names: BTreeSet<String> = retired.iter().map(|build| build.name.clone()).collect();
            let mut by_region: BTreeMap<String, Vec<String>> = BTreeMap::new();
            for (region, id) in retired.iter().flat_map(|build| build.ami_ids()) {
                by_region
                    .entry(region.to_owned())
                    .or_default()
                    .push(id.to_owned());
            }
            let retiring = Retiring {
                amis: &amis,
                names: &names,
                to: to.map(|build| build.name.as_str()),
            };
            let (planned, usage) = futures::join!(
                consumer::retire::survey(manifest, &sessions, retiring, parallelism),
                consumer::usage::usage(manifest, &sessions, &session, &by_region, parallelism),
            );
            let planned = planned?;
            let reason = args.reason.clone();
            let plan = RetirePlan {
                moves: consumer::rollout::plan(&planned),
                retirement: Retirement {
                    builds: retired
                        .iter()
                        .map(|build| RetiredBuild::of(build))
                        .collect(),
                    to: to.map(|build| build.name.clone()),
                    disable: args.disable,
                    reason: reason.clone(),
                    held_by: usage.holders.values().flatten().cloned().collect(),
                    unchecked: usage.unchecked.clone(),
                },
            };
            if args.dry_run {
                printer.conclude(&Event("retire_plan", &plan));
                return Ok(());
            }
            printer.show(&Event("retire_plan", &plan));
            let question = format!(
                "Retire {}: move {} target(s), then {} {} AMI(s)?",
                retired
                    .iter()
                    .map(|build| build.label())
                    .collect::<Vec<_>>()
                    .join(", "),
                plan.moves.changes.len(),
                if args.disable {
                    "deprecate and disable"
                } else {
                    "deprecate"
                },
                amis.len()
            );
            if !ui::confirm(global.yes, &question).await? {
                return Err(Error::failed("nothing was changed: not confirmed", None));
            }
            let progress = RolloutProgress::new(printer);
            interrupt.changes_begin();
            let moves = consumer::rollout::apply(
                manifest,
                &sessions,
                planned,
                parallelism,
                &progress,
                &interrupt,
            )
            .await;
            progress.finish();
            if interrupt.requested() {
                // Targets stopped half-done may still launch the build: it stays as it is
                // until a re-run has moved every target.
                printer.conclude(&Event(
                    "retired",
                    &Retired {
                        moves,
                        amis: Vec::new(),
                        not_disabled: Some(
                            "interrupted before every target moved: the build was neither deprecated nor disabled".to_owned(),
                        ),
                    },
                ));
                return Ok(());
            }
            let not_disabled = (args.disable && moves.failed() > 0).then(|| {
                format!(
                    "{} target(s) did not move off the build: disabling it would stop them launching",
                    moves.failed()
                )
            });
            let disable = args.disable && not_disabled.is_none();
            let now = SystemTime::now();
            let reason = reason.unwrap_or_else(|| {
                format!(
                    "retired by gold at {}",
                    humantime::format_rfc3339_seconds(now)
                )
            });
            let reason = reason
                .chars()
                .take(lifecycle::TAG_VALUE_MAX)
                .collect::<String>();
            let outcomes = futures::future::join_all(retired.iter().flat_map(|build| {
                let (session, reason) = (&session, &reason);
                build.amis.iter().map(move |ami| async move {
                    let result = producer::lifecycle::retire(session, ami, reason, disable).await;
                    AmiOutcome {
                        region: ami.region.clone(),
                        id: ami.id.clone(),
                        build: build.name.clone(),
                        done: result.is_ok().then(|| {
                            if disable {
                                "deprecated and disabled"
                            } else {
                                "deprecated"
                            }
                            .to_owned()
                        }),
                        error: result.err().map(|err| err.to_string()),
                    }
                })
            }))
            .await;
            let mut causes: Vec<Cause> = outcomes
                .iter()
                .filter_map(|outcome| {
                    Some(Cause {
                        message: outcome.error.clone()?,
                        hint: None,
                    })
                })
                .collect();
            for build in &retired {
                if let Some(arn) = &build.image_arn
                    && let Err(err) = producer::lifecycle::tag_image(&session, arn, &reason).await
                {
                    causes.push(Cause {
                        message: err.to_string(),
                        hint: None,
                    });
                }
            }
            let failed_moves = moves.failed();
            printer.conclude(&Event(
                "retired",
                &Retired {
                    moves,
                    amis: outcomes,
                    not_disabled,
                },
            ));
            if failed_moves == 0 && causes.is_empty() {
                return Ok(());
            }
            Err(Error::Failed {
                message: format!(
                    "{failed_moves} target(s) did not move and {} AMI step(s) failed",
                    causes.len()
                ),
                hint: Some(
                    "fix the causes above, then run the same `gold retire` again: finished steps are left as they are"
                        .to_owned(),
                ),
                causes,
            })
        },
        "gold retire",
        printer,
    ))??;
    Ok(ExitCode::SUCCESS)
}

/// The builds the arguments name, each once.
fn named<'b>(builds: &'b [Build], args: &[String]) -> Result<Vec<&'b Build>, Error> {
    let mut found: Vec<&Build> = Vec::new();
    for arg in args {
        let build = lifecycle::find_build(builds, arg).map_err(|message| Error::Usage {
            message,
            hint: Some("`gold prune --dry-run` lists the pipeline's builds".to_owned()),
        })?;
        if !found.iter().any(|seen| seen.name == build.name) {
            found.push(build);
        }
    }
    Ok(found)
}

/// The build `--to` names, checked not to be retired.
fn destination<'b>(
    builds: &'b [Build],
    to: Option<&str>,
    retired: &[&Build],
) -> Result<Option<&'b Build>, Error> {
    let Some(to) = to else {
        return Ok(None);
    };
    let build = lifecycle::find_build(builds, to).map_err(|message| Error::Usage {
        message: format!("`--to {to}`: {message}"),
        hint: None,
    })?;
    if retired.iter().any(|r| r.name == build.name) || build.retired(SystemTime::now()) {
        return Err(Error::Usage {
            message: format!("`--to {to}`: {} is retired", build.label()),
            hint: Some("name a build that is neither retired nor being retired".to_owned()),
        });
    }
    Ok(Some(build))
}
