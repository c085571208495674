//! `gold promote BUILD --to CHANNEL` as a plan and an apply.
//!
//! 1. [`plan`]: read the builds and the channels' log and find the build (as `gold retire`
//!    does); a build the channel held before is a rollback and passes without gates; otherwise
//!    read the evidence of each gate (time in the channel before and its refreshes, the scan).
//! 2. [`apply`]: write the channel's next log entry; when another operator wrote it first,
//!    refuse with the channel's new state (nothing written); then protect the AMIs of every
//!    build a channel holds now or held just before.

use crate::Error;
use crate::aws::{Session, Sessions};
use crate::manifest::Manifest;
use crate::plan::channels::{self as rules, Change, Gate, GateKind, Promotion, Stored};
use crate::plan::lifecycle::{self, Build};

use super::Release;

/// What `plan` found.
pub enum Planned<'m> {
    /// The channel holds the build already: nothing to do (the sentence says so).
    Held(String),
    /// A promotion with its gates, to show, confirm and apply.
    Promotion(Box<Prepared<'m>>),
}

/// A promotion read and decided.
pub struct Prepared<'m> {
    /// What the plan shows.
    pub promotion: Promotion,
    /// The build promoted.
    pub build: Build,
    /// Whether it is a channel rollback (no gates).
    pub rollback: bool,
    /// The log as read: the entry is written right after what was read.
    release: Release<'m>,
}

/// Finds `build` and checks the gates of channel `index` for it.
pub async fn plan<'m>(
    manifest: &'m Manifest,
    sessions: &Sessions,
    session: &Session,
    build: &str,
    index: usize,
    accept: &[String],
) -> Result<Planned<'m>, Error> {
    let release = Release::read(manifest, session).await?;
    let build = lifecycle::find_build(&release.builds, build)
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
        return Ok(Planned::Held(format!(
            "channel {} holds {} already; nothing to do",
            channel.name,
            build.label()
        )));
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
        super::gates(&release, sessions, session, &build, index, accept).await?
    };
    let promotion = Promotion {
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
            accept.to_vec()
        },
        recorded: None,
        protection: Vec::new(),
    };
    Ok(Planned::Promotion(Box::new(Prepared {
        promotion,
        build,
        rollback,
        release,
    })))
}

/// Writes the promotion as `by` (the caller's ARN) and protects what the channels hold then.
pub async fn apply(
    session: &Session,
    prepared: Box<Prepared<'_>>,
    by: String,
) -> Result<Promotion, Error> {
    let Prepared {
        mut promotion,
        build,
        rollback,
        release,
    } = *prepared;
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
    let entry = super::record(&release, session, &promotion.channel, &stored)
        .await?
        .map_err(Error::from)?;
    promotion.recorded = Some(entry);
    let after = Release::read(release.manifest, session).await?;
    promotion.protection = super::protect(&after, session).await?;
    Ok(promotion)
}
