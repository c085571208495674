//! `gold retire BUILD…`: take bad builds out of the fleet.
//!
//! [`plan`]:
//! 1. read the producer's builds in every distribution region and find the ones named, and the
//!    build targets move to (`--to`, or the newest build that is neither retired nor retiring);
//! 2. find the targets that run them ([`consumer::retire::survey`]) and everything else that
//!    uses them ([`consumer::usage`]), concurrently. When a target runs a retired build and
//!    there is no build to move to, the plan says so and nothing is changed.
//!
//! [`apply`], each step in order (a step added later slots in between):
//! 1. move those targets through the rollout wave engine ([`consumer::rollout::apply`]);
//! 2. record the reason and deprecate every AMI of the builds, even when a move failed: a
//!    deprecated AMI still launches, and no later rollout, plan or status chooses it;
//! 3. with `--disable`, look again at who uses the AMIs: they are disabled only when nothing
//!    would launch them any more (a template's default, or its `$Latest` a group launches, a
//!    group, a parameter, another account's template). Running instances do not block: a
//!    disabled AMI keeps running. Otherwise the holders are named and the run fails; a re-run
//!    once they have moved finishes.

use std::collections::{BTreeMap, BTreeSet};
use std::time::SystemTime;

use serde::Serialize;

use crate::Error;
use crate::aws::{Session, Sessions};
use crate::channels;
use crate::consumer::{self, Interrupt, Planned, Reporter, Summary, retire::Retiring};
use crate::manifest::Manifest;
use crate::plan::consumer::Step;
use crate::plan::lifecycle::{
    self, AmiOutcome, Build, Holder, ImageOutcome, RetirePlan, RetiredBuild, Retirement, Unchecked,
};
use crate::producer;

/// What the user asked `gold retire` for.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    /// The builds, as the user named them.
    pub builds: &'a [String],
    /// The build to move to (`--to`).
    pub to: Option<&'a str>,
    /// Disable the AMIs too.
    pub disable: bool,
    /// Why, as recorded on the AMIs.
    pub reason: Option<String>,
    /// Targets worked on at once.
    pub parallelism: usize,
}

/// A retirement read and decided, ready to be shown and applied.
pub struct Prepared {
    /// What the plan shows.
    pub plan: RetirePlan,
    /// The builds retired.
    pub builds: Vec<Build>,
    /// Each target with its step.
    pub planned: Vec<Planned>,
    /// Targets worked on at once.
    pub parallelism: usize,
    /// What the retirement does to the release channels (nothing without channels).
    pub channels: channels::Retiring,
}

impl Prepared {
    /// Why nothing can be changed: some target runs a retired build and there is no build to
    /// move it to.
    pub fn stuck(&self) -> Option<&str> {
        self.plan.retirement.nothing_to_move_to.as_deref()
    }

    /// Writes the channels' changes (each channel that holds a retired build goes back), as
    /// the caller: before any target moves, so a rollout run meanwhile follows the channels.
    /// The lines to say.
    pub async fn record_channels(
        &self,
        manifest: &Manifest,
        sessions: &Sessions,
        producer: &Session,
    ) -> Result<Vec<String>, Error> {
        let caller = sessions
            .caller_arn(producer.account(), producer.region())
            .await?;
        self.channels.record(manifest, producer, &caller).await
    }
}

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
    /// What would still launch the AMIs and so kept them from being disabled.
    pub launched_by: Vec<Holder>,
    /// Places gold could not read, which kept the AMIs from being disabled.
    pub unchecked: Vec<Unchecked>,
    /// The Image Builder images the reason was recorded on.
    pub images: Vec<ImageOutcome>,
}

impl Retired {
    /// Whether everything asked for was done.
    pub fn finished(&self) -> bool {
        self.moves.failed() == 0
            && self.not_disabled.is_none()
            && !self.amis.iter().any(AmiOutcome::failed)
            && self.images.iter().all(|image| image.error.is_none())
    }
}

/// Reads the builds, the targets that run them and who else uses them.
pub async fn plan(
    manifest: &Manifest,
    sessions: &Sessions,
    producer: &Session,
    request: &Request<'_>,
) -> Result<Prepared, Error> {
    let builds = producer::lifecycle::builds(manifest, producer).await?;
    let retired = named(&builds, request.builds)?;
    let to = destination(&builds, request.to, &retired)?;
    let amis: BTreeSet<String> = retired
        .iter()
        .flat_map(|build| build.amis.iter().map(|ami| ami.id.clone()))
        .collect();
    let names: BTreeSet<String> = retired.iter().map(|build| build.name.clone()).collect();
    let channels =
        channels::retiring(manifest, producer, &names, request.reason.as_deref()).await?;
    let retiring = Retiring {
        amis: &amis,
        to: to.map(|build| build.name.as_str()),
        follow: (!manifest.channels.is_empty() && request.to.is_none()).then_some(&channels.follow),
    };
    let regional = by_region(&retired);
    let (planned, usage) = futures::join!(
        consumer::retire::survey(manifest, sessions, retiring, request.parallelism),
        consumer::usage::usage(manifest, sessions, producer, &regional, request.parallelism),
    );
    let planned = planned?;
    let runs_it = planned
        .iter()
        .any(|item| !matches!(item.step, Ok(Step::Unchanged | Step::Skipped { .. })));
    let nothing_to_move_to = (to.is_none() && runs_it).then(|| {
        "targets run the build and no other build is left to move them to: nothing was changed"
            .to_owned()
    });
    let plan = RetirePlan {
        moves: consumer::rollout::plan(&planned),
        retirement: Retirement {
            builds: retired
                .iter()
                .map(|build| RetiredBuild::of(build))
                .collect(),
            to: to.map(|build| build.name.clone()),
            disable: request.disable,
            reason: request.reason.clone(),
            held_by: usage.holders.values().flatten().cloned().collect(),
            unchecked: usage.unchecked.clone(),
            nothing_to_move_to,
        },
    };
    Ok(Prepared {
        plan,
        builds: retired.into_iter().cloned().collect(),
        planned,
        parallelism: request.parallelism,
        channels,
    })
}

/// Carries out a prepared retirement: move, deprecate, then (with `--disable`) disable when
/// nothing would launch the AMIs any more.
pub async fn apply(
    manifest: &Manifest,
    sessions: &Sessions,
    producer: &Session,
    prepared: Prepared,
    reporter: &dyn Reporter,
    interrupt: &Interrupt,
) -> Retired {
    let Prepared {
        plan,
        builds,
        planned,
        parallelism,
        ..
    } = prepared;
    let request = &plan.retirement;
    interrupt.changes_begin();
    let moves = consumer::rollout::apply(
        manifest,
        sessions,
        planned,
        parallelism,
        reporter,
        interrupt,
    )
    .await;
    let mut retired = Retired {
        moves,
        amis: Vec::new(),
        not_disabled: None,
        launched_by: Vec::new(),
        unchecked: Vec::new(),
        images: Vec::new(),
    };
    if interrupt.requested() {
        // Targets stopped half-done may still launch the build: it stays as it is until a
        // re-run has moved every target.
        retired.not_disabled = Some(
            "interrupted before every target moved: the build was neither deprecated nor disabled"
                .to_owned(),
        );
        return retired;
    }
    let reason = reason(request.reason.as_deref(), SystemTime::now());
    let mut amis = mark(producer, &builds, &reason, false).await;
    if request.disable {
        match still_launched(manifest, sessions, producer, &builds, &retired.moves).await {
            Ok(()) => amis = mark(producer, &builds, &reason, true).await,
            Err(blocked) => {
                retired.not_disabled = Some(blocked.why);
                retired.launched_by = blocked.holders;
                retired.unchecked = blocked.unchecked;
            }
        }
    }
    retired.images = tag_images(producer, &builds, &reason).await;
    retired.amis = amis;
    retired
}

/// The retirement's reason as the builds record it (`--reason`, or when gold retired them),
/// cut to what a tag value holds.
fn reason(given: Option<&str>, now: SystemTime) -> String {
    given
        .map_or_else(
            || {
                format!(
                    "retired by gold at {}",
                    humantime::format_rfc3339_seconds(now)
                )
            },
            str::to_owned,
        )
        .chars()
        .take(lifecycle::TAG_VALUE_MAX)
        .collect()
}

/// Tags each build's Image Builder image with the reason, one after the other.
async fn tag_images(producer: &Session, builds: &[Build], reason: &str) -> Vec<ImageOutcome> {
    let mut images = Vec::new();
    for arn in builds.iter().filter_map(|build| build.image_arn.as_ref()) {
        let result = producer::lifecycle::tag_image(producer, arn, reason).await;
        images.push(ImageOutcome {
            arn: arn.clone(),
            error: result.err().map(|err| err.to_string()),
        });
    }
    images
}

/// What keeps the AMIs from being disabled.
struct Blocked {
    why: String,
    holders: Vec<Holder>,
    unchecked: Vec<Unchecked>,
}

/// Looks again, after the moves, at who would launch the AMIs.
async fn still_launched(
    manifest: &Manifest,
    sessions: &Sessions,
    producer: &Session,
    builds: &[Build],
    moves: &Summary,
) -> Result<(), Blocked> {
    let refs: Vec<&Build> = builds.iter().collect();
    let usage = consumer::usage::usage(
        manifest,
        sessions,
        producer,
        &by_region(&refs),
        consumer::DEFAULT_PARALLELISM,
    )
    .await;
    let holders: Vec<Holder> = usage
        .holders
        .values()
        .flatten()
        .filter(|holder| holder.launches)
        .cloned()
        .collect();
    if holders.is_empty() && usage.unchecked.is_empty() && moves.failed() == 0 {
        return Ok(());
    }
    let why = if !holders.is_empty() {
        format!(
            "{} holder(s) would still launch it: deprecated only",
            holders.len()
        )
    } else if !usage.unchecked.is_empty() {
        format!(
            "{} place(s) could not be checked and might launch it: deprecated only",
            usage.unchecked.len()
        )
    } else {
        format!(
            "{} target(s) did not move off the build: deprecated only",
            moves.failed()
        )
    };
    Err(Blocked {
        why,
        holders,
        unchecked: usage.unchecked,
    })
}

/// Records the reason on every AMI of the builds and deprecates it (and disables it).
async fn mark(
    producer: &Session,
    builds: &[Build],
    reason: &str,
    disable: bool,
) -> Vec<AmiOutcome> {
    futures::future::join_all(builds.iter().flat_map(|build| {
        build.amis.iter().map(move |ami| async move {
            let result = producer::lifecycle::retire(producer, ami, reason, disable).await;
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
    .await
}

/// The builds' AMI ids, by region.
fn by_region(builds: &[&Build]) -> BTreeMap<String, Vec<String>> {
    let mut found: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (region, id) in builds.iter().flat_map(|build| build.ami_ids()) {
        found
            .entry(region.to_owned())
            .or_default()
            .push(id.to_owned());
    }
    found
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

/// The build targets move to: the one `--to` names, checked not to be retired, else the newest
/// build that is neither retired nor being retired.
fn destination<'b>(
    builds: &'b [Build],
    to: Option<&str>,
    retired: &[&Build],
) -> Result<Option<&'b Build>, Error> {
    let now = SystemTime::now();
    let retiring = |build: &Build| retired.iter().any(|r| r.name == build.name);
    let Some(to) = to else {
        return Ok(builds
            .iter()
            .find(|build| !retiring(build) && !build.retired(now)));
    };
    let build = lifecycle::find_build(builds, to).map_err(|message| Error::Usage {
        message: format!("`--to {to}`: {message}"),
        hint: None,
    })?;
    if retiring(build) || build.retired(now) {
        return Err(Error::Usage {
            message: format!("`--to {to}`: {} is retired", build.label()),
            hint: Some("name a build that is neither retired nor being retired".to_owned()),
        });
    }
    Ok(Some(build))
}
