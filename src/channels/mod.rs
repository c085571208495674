//! Release channels: where their state lives, what each consumer follows, and the evidence a
//! promotion is judged on. The decisions themselves are [`crate::plan::channels`]'s.
//!
//! State lives in the producer account's Parameter Store ([`crate::aws::parameter_log`]), one
//! `String` parameter per change of a channel, `/gold/MANIFEST/channels/CHANNEL/NNNNNN`, each
//! created once and never overwritten: its value says which build the channel holds from then
//! on, how (promoted, rolled back, retired), who (the caller's ARN from STS) and which scan
//! findings were accepted; Parameter Store's `LastModifiedDate` says when. A promotion writes
//! entry N + 1 after reading entry N; `PutParameter` refuses to create a name that exists, so of
//! two operators promoting at once exactly one succeeds and the other is refused with the
//! channel's new state. The first channel keeps no log: it holds the newest build that is not
//! retired (AWS's own deprecation and disabled state), so a build the schedule started counts
//! as much as one `gold build --wait` watched.
//!
//! Evidence: the soak gate reads the instance refreshes of the channel before's consumers
//! (`DescribeInstanceRefreshes`, their latest per listed group); the scan gate reads Image
//! Builder's `scanState` (`GetImage`) and findings (`ListImageScanFindings`).
//!
//! Builds a channel holds now or held just before are protected from deregistration
//! (`EnableImageDeregistrationProtection`), and `gold prune` keeps them; protection is taken
//! off a build of the pipeline once no channel holds it or held it just before.

pub mod promote;

use std::collections::{BTreeMap, BTreeSet};
use std::time::SystemTime;

use crate::Error;
use crate::aws::autoscaling;
use crate::aws::image_builds;
use crate::aws::imagebuilder::scans;
use crate::aws::lifecycle as ami;
use crate::aws::parameter_log::{self, VALUE_MAX};
use crate::aws::{Session, Sessions};
use crate::consumer::{Choices, ImageChoice, TargetFilter, discover};
use crate::manifest::{Loaded, Manifest};
use crate::names;
use crate::plan::channels::{
    self as rules, Candidate, Change, ChannelState, Entry, Gate, GateKind, Protection, Stored,
};
use crate::plan::lifecycle::{AmiAction, Build, PrunePlan};
use crate::producer;

/// Targets read at once while looking for failed refreshes.
const PARALLELISM: usize = 16;

/// The builds and every channel's log, read once per command.
pub struct Release<'m> {
    /// The manifest.
    pub manifest: &'m Manifest,
    /// The pipeline's builds, newest first.
    pub builds: Vec<Build>,
    /// Each later channel's entries, newest first.
    logs: BTreeMap<String, Vec<Entry>>,
    /// When it was read.
    pub now: SystemTime,
}

impl<'m> Release<'m> {
    /// Reads the builds and the channels' log.
    pub async fn read(manifest: &'m Manifest, session: &Session) -> Result<Self, Error> {
        let (builds, logs) = futures::join!(
            producer::lifecycle::builds(manifest, session),
            read_logs(manifest, session)
        );
        Ok(Self {
            manifest,
            builds: builds?,
            logs: logs?,
            now: SystemTime::now(),
        })
    }

    /// The position of the channel called `name`.
    pub fn index(&self, name: &str) -> Option<usize> {
        self.manifest.channels.iter().position(|c| c.name == name)
    }

    /// A channel's history, newest first.
    pub fn history(&self, index: usize) -> Vec<Entry> {
        if index == 0 {
            return rules::first_history(&self.builds, self.now);
        }
        self.manifest
            .channels
            .get(index)
            .and_then(|channel| self.logs.get(&channel.name))
            .cloned()
            .unwrap_or_default()
    }

    /// The build a channel holds now (its AMI name).
    pub fn holds(&self, index: usize) -> Option<String> {
        self.history(index).first()?.build.clone()
    }

    /// The build called `name`.
    pub fn build(&self, name: &str) -> Option<&Build> {
        self.builds.iter().find(|build| build.name == name)
    }

    /// What each consumer moves to: the first channel's consumers to `first` (the newest build,
    /// or the one just built), every other to its channel's build.
    pub fn follow(&self, first: &ImageChoice) -> Choices {
        let by = self
            .manifest
            .consumers
            .iter()
            .filter_map(|consumer| {
                let channel = consumer.channel.as_deref()?;
                let index = self.index(channel)?;
                let choice = if index == 0 {
                    Ok(first.clone())
                } else {
                    self.holds(index).map(ImageChoice::Name).ok_or_else(|| {
                        format!(
                            "channel {channel} holds no build yet: `gold promote BUILD --to {channel}` gives it one"
                        )
                    })
                };
                Some((consumer.name.clone(), choice))
            })
            .collect();
        Choices::ByConsumer(by)
    }

    /// Every build a channel holds now or held just before, with those channels' names.
    pub fn held(&self) -> BTreeMap<String, BTreeSet<String>> {
        let mut held: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (index, channel) in self.manifest.channels.iter().enumerate() {
            for entry in self.history(index).iter().take(2) {
                if let Some(build) = &entry.build {
                    held.entry(build.clone())
                        .or_default()
                        .insert(channel.name.clone());
                }
            }
        }
        held
    }

    /// The consumers that follow the channel at `index`.
    pub fn consumers_of(&self, index: usize) -> Vec<String> {
        let Some(channel) = self.manifest.channels.get(index) else {
            return Vec::new();
        };
        self.manifest
            .consumers
            .iter()
            .filter(|c| c.channel.as_deref() == Some(channel.name.as_str()))
            .map(|c| c.name.clone())
            .collect()
    }

    /// The next sequence number of a later channel's log.
    fn next_seq(&self, channel: &str) -> u64 {
        self.logs
            .get(channel)
            .and_then(|entries| entries.first())
            .and_then(|entry| entry.seq)
            .unwrap_or(0)
            + 1
    }
}

/// Each later channel's entries from Parameter Store, newest first. An entry gold cannot read
/// is an error: a channel whose history is unclear must not move.
async fn read_logs(
    manifest: &Manifest,
    session: &Session,
) -> Result<BTreeMap<String, Vec<Entry>>, Error> {
    let mut logs: BTreeMap<String, Vec<Entry>> = BTreeMap::new();
    if manifest.channels.len() < 2 {
        return Ok(logs);
    }
    let path = names::channel_log(&manifest.name);
    let template = manifest.distribution.ami_name_template();
    for record in parameter_log::read(session, &path).await? {
        let unreadable = |why: &str| {
            Error::failed(
                format!(
                    "the channel log entry {} in account {} is not gold's: {why}",
                    record.name,
                    session.account()
                ),
                Some("delete or fix the parameter; gold writes one per channel change".to_owned()),
            )
        };
        let rest = record
            .name
            .strip_prefix(&format!("{path}/"))
            .ok_or_else(|| unreadable("it is outside the channel path"))?;
        let (channel, seq) = rest
            .split_once('/')
            .ok_or_else(|| unreadable("expected CHANNEL/NUMBER"))?;
        let seq: u64 = seq
            .parse()
            .map_err(|_| unreadable("expected CHANNEL/NUMBER"))?;
        let stored: Stored =
            serde_json::from_str(&record.value).map_err(|err| unreadable(&err.to_string()))?;
        logs.entry(channel.to_owned()).or_default().push(Entry {
            seq: Some(seq),
            number: stored.build.as_deref().and_then(|b| template.build_of(b)),
            build: stored.build,
            change: stored.change,
            by: stored.by,
            accepted: stored.accepted,
            note: stored.note,
            at: record.written.map(rules::rfc3339),
            written: record.written,
        });
    }
    for entries in logs.values_mut() {
        entries.sort_by_key(|entry| std::cmp::Reverse(entry.seq));
    }
    Ok(logs)
}

/// What each consumer moves to: `first` for everyone without channels; with channels, the
/// first channel's consumers `first` and the others their channel's build (read from AWS).
pub async fn follow(
    loaded: &Loaded,
    sessions: &Sessions,
    first: ImageChoice,
) -> Result<Choices, Error> {
    if loaded.manifest.channels.is_empty() {
        return Ok(Choices::Same(first));
    }
    let session = producer::session(loaded, sessions).await?;
    follow_in(&loaded.manifest, &session, first).await
}

/// [`follow`], with the producer's session at hand.
pub async fn follow_in(
    manifest: &Manifest,
    session: &Session,
    first: ImageChoice,
) -> Result<Choices, Error> {
    if manifest.channels.is_empty() {
        return Ok(Choices::Same(first));
    }
    Ok(Release::read(manifest, session).await?.follow(&first))
}

/// The gates `build` faces on its way into the channel at `index` (a later one), with the
/// evidence read from AWS; `accept` lets named findings through.
pub async fn gates(
    release: &Release<'_>,
    sessions: &Sessions,
    session: &Session,
    build: &Build,
    index: usize,
    accept: &[String],
) -> Result<Vec<Gate>, Error> {
    let manifest = release.manifest;
    let channel = &manifest.channels[index];
    let before = &manifest.channels[index - 1];
    let stay = rules::stay(&release.history(index - 1), &build.name);
    let failed = match stay {
        Some((Some(entered), _)) => {
            failed_refreshes(manifest, sessions, release.consumers_of(index - 1), entered).await?
        }
        _ => Vec::new(),
    };
    let mut gates = vec![rules::soak_gate(
        &before.name,
        channel.soak_duration(),
        stay,
        &failed,
        release.now,
    )];
    if let Some(scanning) = manifest.scanning.as_ref().filter(|s| s.enabled) {
        let gate = match &build.image_arn {
            None => Gate {
                gate: GateKind::Scan,
                passed: false,
                detail: "the build's Image Builder image is gone, and its scan with it".to_owned(),
            },
            Some(arn) => {
                let image = image_builds::get_image(session, arn).await?;
                let findings = if image.scan.as_ref().is_some_and(|s| s.status == "COMPLETED") {
                    scans::findings(session, arn).await?
                } else {
                    Vec::new()
                };
                rules::scan_gate(scanning.block, image.scan.as_ref(), &findings, accept)
            }
        };
        gates.push(gate);
    }
    Ok(gates)
}

/// The instance refreshes of `consumers`' listed groups whose latest refresh started at or
/// after `since` and ended without replacing every instance (`Failed`, `Cancelled`, rolled
/// back), as `GROUP in ACCOUNT/REGION (STATUS)`. A target gold cannot read is an error: the
/// gate cannot pass on evidence it did not see.
async fn failed_refreshes(
    manifest: &Manifest,
    sessions: &Sessions,
    consumers: Vec<String>,
    since: SystemTime,
) -> Result<Vec<String>, Error> {
    if consumers.is_empty() {
        return Ok(Vec::new());
    }
    let filter = TargetFilter {
        consumers,
        ..TargetFilter::default()
    };
    let found = Box::pin(discover::targets(manifest, sessions, &filter, PARALLELISM)).await?;
    if let Some((target, err)) = found.failed.first() {
        return Err(Error::failed(
            format!(
                "cannot read the refreshes of consumer {} in {}/{}: {err}",
                target.consumer, target.account, target.region
            ),
            None,
        ));
    }
    let mut failed = Vec::new();
    for target in &found.targets {
        let Some(template) = target.template() else {
            continue;
        };
        let groups = template.auto_scaling_groups.names();
        if groups.is_empty() {
            continue;
        }
        let session = sessions
            .session(&target.account, &target.access, &target.region)
            .await?;
        for group in groups {
            let Some(refresh) = autoscaling::latest_refresh(&session, group).await? else {
                continue;
            };
            let recent = refresh.started.is_some_and(|started| started >= since);
            if recent && refresh.is_finished() && !refresh.is_successful() {
                failed.push(format!(
                    "{group} in {}/{} ({})",
                    target.account, target.region, refresh.status
                ));
            }
        }
    }
    failed.sort();
    failed.dedup();
    Ok(failed)
}

/// Every channel with its build, history and next candidate (gates read from AWS).
pub async fn states(
    release: &Release<'_>,
    sessions: &Sessions,
    session: &Session,
) -> Result<Vec<ChannelState>, Error> {
    let mut states = Vec::new();
    for (index, channel) in release.manifest.channels.iter().enumerate() {
        let history = release.history(index);
        let next = match index
            .checked_sub(1)
            .and_then(|before| release.holds(before))
            .and_then(|name| release.build(&name))
        {
            Some(build) if release.holds(index).as_deref() != Some(build.name.as_str()) => {
                let gates = gates(release, sessions, session, build, index, &[]).await?;
                Some(Candidate {
                    build: build.name.clone(),
                    number: build.number,
                    ready: gates.iter().all(|gate| gate.passed),
                    gates,
                })
            }
            _ => None,
        };
        states.push(ChannelState {
            name: channel.name.clone(),
            soak_seconds: (index > 0).then(|| channel.soak_duration().as_secs()),
            takes_every_build: index == 0,
            current: history.first().cloned(),
            history,
            next,
            consumers: release.consumers_of(index),
        });
    }
    Ok(states)
}

/// Why a new entry could not be written: another writer took its number first.
#[derive(Debug, Clone)]
pub struct Conflict {
    /// The channel.
    pub channel: String,
    /// The entry that won, when it could be read back.
    pub winner: Option<Entry>,
}

/// Appends a change to the channel's log, as entry N + 1 of what `release` read; `Ok(Err)`
/// when another writer took that number first (nothing was written).
pub async fn record(
    release: &Release<'_>,
    session: &Session,
    channel: &str,
    stored: &Stored,
) -> Result<Result<Entry, Conflict>, Error> {
    record_at(
        release.manifest,
        session,
        channel,
        release.next_seq(channel),
        stored,
    )
    .await
}

/// Writes `stored` as entry `seq` of the channel's log; `Ok(Err)` when that entry exists.
async fn record_at(
    manifest: &Manifest,
    session: &Session,
    channel: &str,
    seq: u64,
    stored: &Stored,
) -> Result<Result<Entry, Conflict>, Error> {
    let name = format!("{}/{channel}/{seq:06}", names::channel_log(&manifest.name));
    let value = serde_json::to_string(stored)
        .map_err(|err| Error::failed(format!("cannot write the channel entry: {err}"), None))?;
    if value.len() > VALUE_MAX {
        return Err(Error::Usage {
            message: format!(
                "the channel entry would be {} bytes; Parameter Store holds at most {VALUE_MAX}",
                value.len()
            ),
            hint: Some("accept fewer findings in one promotion".to_owned()),
        });
    }
    let label = stored.build.as_deref().unwrap_or("nothing");
    let description = format!("gold: channel {channel} holds {label}");
    let tags = names::tags(&manifest.name, &manifest.tags);
    if !parameter_log::append(session, &name, &value, &description, &tags).await? {
        let reread = read_logs(manifest, session).await?;
        let winner = reread
            .get(channel)
            .and_then(|entries| entries.iter().find(|entry| entry.seq == Some(seq)))
            .cloned();
        return Ok(Err(Conflict {
            channel: channel.to_owned(),
            winner,
        }));
    }
    let written = parameter_log::read(
        session,
        &format!("{}/{channel}", names::channel_log(&manifest.name)),
    )
    .await?
    .into_iter()
    .find(|record| record.name == name)
    .and_then(|record| record.written);
    Ok(Ok(Entry {
        seq: Some(seq),
        build: stored.build.clone(),
        number: stored
            .build
            .as_deref()
            .and_then(|b| manifest.distribution.ami_name_template().build_of(b)),
        change: stored.change,
        by: stored.by.clone(),
        accepted: stored.accepted.clone(),
        note: stored.note.clone(),
        at: written.map(rules::rfc3339),
        written,
    }))
}

/// Protects the AMIs of every build a channel holds now or held just before, and takes the
/// protection off the pipeline's other AMIs. Each AMI's failure is reported, not raised.
pub async fn protect(release: &Release<'_>, session: &Session) -> Result<Vec<Protection>, Error> {
    if release.manifest.channels.is_empty() {
        return Ok(Vec::new());
    }
    let held = release.held();
    let mut by_region: BTreeMap<&str, Vec<(&Build, String)>> = BTreeMap::new();
    for build in &release.builds {
        for ami in &build.amis {
            by_region
                .entry(ami.region.as_str())
                .or_default()
                .push((build, ami.id.clone()));
        }
    }
    let mut changed = Vec::new();
    for (region, amis) in by_region {
        let here = session.in_region(region);
        let ids: Vec<String> = amis.iter().map(|(_, id)| id.clone()).collect();
        let protected: BTreeSet<String> = ami::protected(&here, &ids).await?.into_iter().collect();
        for (build, id) in amis {
            let want = held.contains_key(&build.name);
            if want == protected.contains(&id) {
                continue;
            }
            let result = if want {
                ami::protect(&here, &id).await
            } else {
                ami::unprotect(&here, &id).await
            };
            changed.push(Protection {
                region: region.to_owned(),
                id,
                build: build.name.clone(),
                protected: want == result.is_ok(),
                error: result.err().map(|err| err.to_string()),
            });
        }
    }
    Ok(changed)
}

/// Brings deregistration protection in line with the channels now (see [`protect`]); nothing
/// without channels.
pub async fn protect_held(
    manifest: &Manifest,
    session: &Session,
) -> Result<Vec<Protection>, Error> {
    if manifest.channels.is_empty() {
        return Ok(Vec::new());
    }
    protect(&Release::read(manifest, session).await?, session).await
}

/// `gold prune`'s plan, with the AMIs of every build a channel holds now or held just before
/// kept ("channel prod").
pub async fn keep_held(
    manifest: &Manifest,
    session: &Session,
    mut plan: PrunePlan,
) -> Result<PrunePlan, Error> {
    if manifest.channels.is_empty() {
        return Ok(plan);
    }
    let release = Release::read(manifest, session).await?;
    let held = release.held();
    for build in &mut plan.builds {
        let Some(channels) = held.get(&build.name) else {
            continue;
        };
        let reason = format!(
            "channel {}",
            channels.iter().cloned().collect::<Vec<_>>().join(", ")
        );
        for ami in &mut build.amis {
            if matches!(ami.action, AmiAction::Delete | AmiAction::Deprecate) {
                ami.action = AmiAction::Keep {
                    reason: reason.clone(),
                    held_by: Vec::new(),
                    protected: true,
                };
            }
        }
        build.delete_image = None;
    }
    Ok(plan)
}

/// What retiring builds does to the channels: each later channel that holds one goes back to
/// the build it held before that is not being retired.
pub struct Retiring {
    /// What each consumer moves to once the channels went back.
    pub follow: Choices,
    /// The entries to write: channel, the entry's number (the one after what was read), entry.
    pub changes: Vec<(String, u64, Stored)>,
}

/// Decides what retiring `names` does to the channels (without channels: every consumer
/// follows the newest build that is not retired).
pub async fn retiring(
    manifest: &Manifest,
    session: &Session,
    names: &BTreeSet<String>,
    reason: Option<&str>,
) -> Result<Retiring, Error> {
    if manifest.channels.is_empty() {
        return Ok(Retiring {
            follow: Choices::Same(ImageChoice::Newest),
            changes: Vec::new(),
        });
    }
    let mut release = Release::read(manifest, session).await?;
    let gone: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut changes = Vec::new();
    for index in 1..manifest.channels.len() {
        let history = release.history(index);
        let Some(current) = history.first().and_then(|e| e.build.as_deref()) else {
            continue;
        };
        if !gone.contains(&current) {
            continue;
        }
        let back = rules::back_to(&history, &gone);
        let channel = manifest.channels[index].name.clone();
        let seq = release.next_seq(&channel);
        changes.push((
            channel,
            seq,
            Stored {
                build: back.and_then(|entry| entry.build.clone()),
                change: Change::Retired,
                by: String::new(),
                accepted: back.map(|entry| entry.accepted.clone()).unwrap_or_default(),
                note: reason.map(str::to_owned),
            },
        ));
    }
    // The consumers follow the channels as they will be once the entries are written.
    for (channel, seq, stored) in &changes {
        let entries = release.logs.entry(channel.clone()).or_default();
        entries.insert(
            0,
            Entry {
                seq: Some(*seq),
                build: stored.build.clone(),
                number: None,
                change: Change::Retired,
                by: String::new(),
                accepted: Vec::new(),
                note: None,
                at: None,
                written: None,
            },
        );
    }
    release.builds.retain(|build| !names.contains(&build.name));
    Ok(Retiring {
        follow: release.follow(&ImageChoice::Newest),
        changes,
    })
}

impl Retiring {
    /// What the retirement does to each channel, for people: `channel prod goes back to build 1`.
    pub fn describe(&self, manifest: &Manifest) -> Vec<String> {
        let template = manifest.distribution.ami_name_template();
        self.changes
            .iter()
            .map(|(channel, _, stored)| {
                let to = match &stored.build {
                    Some(build) => template
                        .build_of(build)
                        .map_or_else(|| build.clone(), |n| format!("build {n}")),
                    None => "nothing".to_owned(),
                };
                format!("channel {channel} goes back to {to}")
            })
            .collect()
    }

    /// Writes the channels' new entries, as `by`, each right after the entry it was decided
    /// on; a channel that changed meanwhile is an error (run retire again: nothing moved yet).
    pub async fn record(
        &self,
        manifest: &Manifest,
        session: &Session,
        by: &str,
    ) -> Result<Vec<String>, Error> {
        if self.changes.is_empty() {
            return Ok(Vec::new());
        }
        let mut said = Vec::new();
        for (channel, seq, stored) in &self.changes {
            let stored = Stored {
                by: by.to_owned(),
                ..stored.clone()
            };
            match record_at(manifest, session, channel, *seq, &stored).await? {
                Ok(entry) => said.push(format!("channel {channel} went back to {}", entry.label())),
                Err(conflict) => return Err(conflict.into()),
            }
        }
        protect(&Release::read(manifest, session).await?, session).await?;
        Ok(said)
    }
}

impl From<Conflict> for Error {
    fn from(conflict: Conflict) -> Self {
        let now = conflict.winner.map_or_else(
            || "another change".to_owned(),
            |entry| {
                format!(
                    "{} ({} by {}{})",
                    entry.label(),
                    match entry.change {
                        Change::Promoted => "promoted",
                        Change::RolledBack => "rolled back",
                        Change::Retired => "went back on a retirement",
                        Change::Built => "built",
                    },
                    entry.by,
                    entry.at.map(|at| format!(" at {at}")).unwrap_or_default()
                )
            },
        );
        Error::failed(
            format!(
                "channel {} changed while gold was checking: it holds {now} now; nothing was written",
                conflict.channel
            ),
            Some(
                "look with `gold channels`, then run the command again if it still applies"
                    .to_owned(),
            ),
        )
    }
}
