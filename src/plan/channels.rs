//! Release channels as plain values: each channel's log of changes, the build it holds, and the
//! gates a promotion passes. Nothing here calls AWS; `channels/` reads the log and the evidence
//! (scan findings, instance refreshes) and hands them in.
//!
//! The rules (docs/manifest.md, "Release channels"):
//! - the first channel holds the newest build that is not retired: it takes every build that
//!   finishes, with no log of its own;
//! - every later channel holds what the newest entry of its log names, and takes a build only
//!   from the channel before it;
//! - a promotion passes the soak gate when the build spent at least the channel's `soak` in the
//!   channel before (from the moment it entered until it left, or until now) with no instance
//!   refresh there ending `Failed`, `Cancelled` or rolled back since it entered, and the scan
//!   gate when Image Builder's scan of the build is complete and holds no finding at the
//!   manifest's `block` severity or worse that the promotion does not accept by id;
//! - promoting a build the channel held before is a rollback, and passes without gates.

use std::fmt::Write as _;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use crate::aws::image_builds::ScanState;
use crate::aws::imagebuilder::scans::Finding;
use crate::manifest::Severity;
use crate::plan::lifecycle::Build;

/// How a channel came to hold its build.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// `gold promote` moved it here from the channel before, through the gates.
    #[default]
    Promoted,
    /// `gold promote` moved the channel back to a build it held before (no gates).
    RolledBack,
    /// `gold retire` took the channel's build out; it went back to the one before.
    Retired,
    /// The build finished (the first channel takes every build).
    Built,
}

/// What one entry of a channel's log stores (the parameter's value, as JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stored {
    /// The build the channel holds from this entry on (its AMI name), or `None`: nothing.
    pub build: Option<String>,
    /// How.
    #[serde(default)]
    pub change: Change,
    /// Who: the ARN of the caller that wrote the entry.
    #[serde(default)]
    pub by: String,
    /// Scan findings the promotion let through, by vulnerability id.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accepted: Vec<String>,
    /// Why (a retirement's reason).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One entry of a channel's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Entry {
    /// Its place in the channel's log (1, 2, …); `None` for the first channel's builds.
    pub seq: Option<u64>,
    /// The build the channel held from then on (AMI name), or `None`: nothing.
    pub build: Option<String>,
    /// That build's number, when the AMI name renders one.
    pub number: Option<u32>,
    /// How.
    pub change: Change,
    /// Who: a caller ARN, or `Image Builder` for the first channel.
    pub by: String,
    /// Scan findings let through, by vulnerability id.
    pub accepted: Vec<String>,
    /// Why, when recorded.
    pub note: Option<String>,
    /// When (RFC 3339, AWS's clock).
    pub at: Option<String>,
    /// When, as a time.
    #[serde(skip)]
    #[schemars(skip)]
    pub written: Option<SystemTime>,
}

impl Entry {
    /// `build 5`, or the AMI name, or `nothing`.
    pub fn label(&self) -> String {
        match (&self.build, self.number) {
            (Some(_), Some(number)) => format!("build {number}"),
            (Some(name), None) => name.clone(),
            (None, _) => "nothing".to_owned(),
        }
    }
}

/// Who puts builds into the first channel.
pub const BUILDER: &str = "Image Builder";

/// The first channel's history: every build that is not retired, newest first.
pub fn first_history(builds: &[Build], now: SystemTime) -> Vec<Entry> {
    builds
        .iter()
        .filter(|build| !build.retired(now))
        .map(|build| Entry {
            seq: None,
            build: Some(build.name.clone()),
            number: build.number,
            change: Change::Built,
            by: BUILDER.to_owned(),
            accepted: Vec::new(),
            note: None,
            at: build.created.map(rfc3339),
            written: build.created,
        })
        .collect()
}

/// A time as RFC 3339, to the second.
pub fn rfc3339(time: SystemTime) -> String {
    humantime::format_rfc3339_seconds(time).to_string()
}

/// When `build` entered a channel (history newest first) and when it left, if it did: its
/// newest stay.
pub fn stay(history: &[Entry], build: &str) -> Option<(Option<SystemTime>, Option<SystemTime>)> {
    let at = history
        .iter()
        .position(|entry| entry.build.as_deref() == Some(build))?;
    let left = at
        .checked_sub(1)
        .and_then(|newer| history.get(newer))
        .map(|entry| entry.written);
    Some((history[at].written, left.flatten()))
}

/// Whether a channel (history newest first) held `build` before its current entry.
pub fn held_before(history: &[Entry], build: &str) -> bool {
    history
        .iter()
        .skip(1)
        .any(|entry| entry.build.as_deref() == Some(build))
}

/// The build a channel goes back to when `gone` are retired: the newest entry before the
/// current one whose build is not among them (`None`: nothing).
pub fn back_to<'h>(history: &'h [Entry], gone: &[&str]) -> Option<&'h Entry> {
    history.iter().skip(1).find(|entry| {
        entry
            .build
            .as_deref()
            .is_some_and(|build| !gone.contains(&build))
    })
}

/// Which gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum GateKind {
    /// Time in the channel before, without a failed refresh there.
    Soak,
    /// Image Builder's scan findings.
    Scan,
    /// A channel rollback: no gate applies.
    Rollback,
}

/// One gate of a promotion and how it went, with the figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Gate {
    /// Which gate.
    pub gate: GateKind,
    /// Whether it lets the build through.
    pub passed: bool,
    /// What it found: `13 h of 24 h in dev`, `1 CRITICAL finding: CVE-2026-1234 in openssl`.
    pub detail: String,
}

/// The soak gate: `stay` is when the build entered the channel `before` and when it left,
/// `failed` the refreshes there that failed since it entered.
pub fn soak_gate(
    before: &str,
    soak: Duration,
    stay: Option<(Option<SystemTime>, Option<SystemTime>)>,
    failed: &[String],
    now: SystemTime,
) -> Gate {
    let Some((Some(entered), left)) = stay else {
        return Gate {
            gate: GateKind::Soak,
            passed: false,
            detail: format!("the build has not been in {before}"),
        };
    };
    let spent = left
        .unwrap_or(now)
        .duration_since(entered)
        .unwrap_or_default();
    let mut detail = format!("{} of {} in {before}", span(spent, soak), span(soak, soak));
    if left.is_some() {
        detail.push_str(" (it has left it since)");
    }
    if !failed.is_empty() {
        let refreshes = if failed.len() == 1 {
            "1 instance refresh".to_owned()
        } else {
            format!("{} instance refreshes", failed.len())
        };
        let _ = write!(
            detail,
            "; {refreshes} failed there since it entered: {}",
            failed.join(", ")
        );
    }
    Gate {
        gate: GateKind::Soak,
        passed: spent >= soak && failed.is_empty(),
        detail,
    }
}

/// `spent` in the unit that suits `soak` (whole hours, minutes or seconds, rounded down).
pub fn span(spent: Duration, soak: Duration) -> String {
    let seconds = spent.as_secs();
    if soak >= Duration::from_hours(1) {
        format!("{} h", seconds / 3600)
    } else if soak >= Duration::from_mins(1) {
        format!("{} min", seconds / 60)
    } else {
        format!("{seconds} s")
    }
}

/// The scan gate: the build's scan state and findings, `block` the worst severity let through
/// (exclusive), `accept` the vulnerability ids the promotion lets through.
pub fn scan_gate(
    block: Severity,
    scan: Option<&ScanState>,
    findings: &[Finding],
    accept: &[String],
) -> Gate {
    let refused = |detail: String| Gate {
        gate: GateKind::Scan,
        passed: false,
        detail,
    };
    match scan {
        None => {
            return refused("the build was not scanned (its pipeline had scanning off)".to_owned());
        }
        Some(state) if state.status != "COMPLETED" => {
            let why = state
                .reason
                .as_deref()
                .map(|reason| format!(": {reason}"))
                .unwrap_or_default();
            return refused(format!("not complete ({}{why})", state.status));
        }
        Some(_) => {}
    }
    let blocking: Vec<&Finding> = findings
        .iter()
        .filter(|finding| block.blocks(&finding.severity))
        .collect();
    let (accepted, open): (Vec<&Finding>, Vec<&Finding>) = blocking
        .into_iter()
        .partition(|finding| accept.contains(&finding.vulnerability));
    let accepted_note = if accepted.is_empty() {
        String::new()
    } else {
        format!(
            " ({} accepted: {})",
            accepted.len(),
            accepted
                .iter()
                .map(|finding| finding.vulnerability.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    if open.is_empty() {
        return Gate {
            gate: GateKind::Scan,
            passed: true,
            detail: format!("no finding at {} or worse{accepted_note}", block.as_str()),
        };
    }
    let worst = open
        .iter()
        .map(|finding| finding.severity.as_str())
        .min_by_key(|severity| rank(severity))
        .unwrap_or_default();
    let listed: Vec<String> = open
        .iter()
        .map(|finding| match &finding.package {
            Some(package) => format!("{} in {package}", finding.vulnerability),
            None => finding.vulnerability.clone(),
        })
        .collect();
    let count = open.len();
    let severity = if open.iter().all(|f| f.severity == worst) {
        worst.to_owned()
    } else {
        format!("{} or worse", block.as_str())
    };
    refused(format!(
        "{count} {severity} finding{}: {}{accepted_note}",
        if count == 1 { "" } else { "s" },
        listed.join(", ")
    ))
}

fn rank(severity: &str) -> usize {
    ["CRITICAL", "HIGH", "MEDIUM", "LOW"]
        .iter()
        .position(|s| *s == severity)
        .unwrap_or(usize::MAX)
}

/// A build a channel could take next, with its gates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Candidate {
    /// The build (AMI name).
    pub build: String,
    /// Its number.
    pub number: Option<u32>,
    /// Each gate and how it went.
    pub gates: Vec<Gate>,
    /// Whether every gate passed: `gold promote` would move it now.
    pub ready: bool,
}

/// One channel as `gold channels` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct ChannelState {
    /// Its name.
    pub name: String,
    /// The soak it asks of a build, in seconds (`None` for the first channel).
    pub soak_seconds: Option<u64>,
    /// Whether it takes every build that finishes (the first channel).
    pub takes_every_build: bool,
    /// The entry that made it hold what it holds now, `None` when it never held anything.
    pub current: Option<Entry>,
    /// Its history, newest first (the current entry included).
    pub history: Vec<Entry>,
    /// The build of the channel before that it could take next, when that differs from its own.
    pub next: Option<Candidate>,
    /// The consumers that follow it.
    pub consumers: Vec<String>,
}

impl ChannelState {
    /// The build it holds now (AMI name).
    pub fn build(&self) -> Option<&str> {
        self.current.as_ref()?.build.as_deref()
    }
}

/// A promotion: the build, where it goes, its gates and, once written, the new entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Promotion {
    /// The channel it goes to.
    pub channel: String,
    /// The channel before it, which the build comes from.
    pub from: String,
    /// The build (AMI name).
    pub build: String,
    /// Its number.
    pub number: Option<u32>,
    /// What the channel holds now.
    pub holds: Option<Entry>,
    /// Each gate and how it went (a rollback has only the `rollback` gate).
    pub gates: Vec<Gate>,
    /// Whether every gate passed.
    pub allowed: bool,
    /// Findings the promotion lets through, by vulnerability id.
    pub accepted: Vec<String>,
    /// The entry written, once the promotion is recorded.
    pub recorded: Option<Entry>,
    /// The AMIs whose deregistration protection changed with it.
    pub protection: Vec<Protection>,
}

impl Promotion {
    /// The gates that refused, by name: `soak, scan`.
    pub fn refused_by(&self) -> Vec<&'static str> {
        self.gates
            .iter()
            .filter(|gate| !gate.passed)
            .map(|gate| match gate.gate {
                GateKind::Soak => "soak",
                GateKind::Scan => "scan",
                GateKind::Rollback => "rollback",
            })
            .collect()
    }
}

/// One AMI whose deregistration protection gold changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Protection {
    /// The region.
    pub region: String,
    /// `ami-…`.
    pub id: String,
    /// The build (AMI name).
    pub build: String,
    /// Whether it is protected now.
    pub protected: bool,
    /// Why the change failed, when it did.
    pub error: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(seconds)
    }

    fn entry(build: Option<&str>, written: u64) -> Entry {
        Entry {
            seq: None,
            build: build.map(str::to_owned),
            number: None,
            change: Change::Promoted,
            by: "me".to_owned(),
            accepted: Vec::new(),
            note: None,
            at: None,
            written: Some(at(written)),
        }
    }

    #[test]
    fn soak_counts_the_stay_in_the_channel_before_until_it_left() {
        let hour = 3600;
        let history = vec![entry(Some("b"), 30 * hour), entry(Some("a"), 0)];
        // `a` stayed 30 h, then `b` came; `b` has been there 13 h of 24 at 43 h.
        let now = at(43 * hour);
        let a = soak_gate(
            "dev",
            Duration::from_secs(24 * hour),
            stay(&history, "a"),
            &[],
            now,
        );
        assert!(a.passed, "{a:?}");
        assert_eq!(a.detail, "30 h of 24 h in dev (it has left it since)");
        let b = soak_gate(
            "dev",
            Duration::from_secs(24 * hour),
            stay(&history, "b"),
            &[],
            now,
        );
        assert!(!b.passed);
        assert_eq!(b.detail, "13 h of 24 h in dev");
        let never = soak_gate("dev", Duration::ZERO, stay(&history, "c"), &[], now);
        assert!(!never.passed);
        assert_eq!(never.detail, "the build has not been in dev");
        let failed = soak_gate(
            "dev",
            Duration::from_secs(hour),
            stay(&history, "b"),
            &["web in 444455556666/ap-northeast-1 (Failed)".to_owned()],
            now,
        );
        assert!(!failed.passed);
        assert!(failed.detail.ends_with(
            "; 1 instance refresh failed there since it entered: web in 444455556666/ap-northeast-1 (Failed)"
        ));
    }

    fn finding(severity: &str, id: &str, package: &str) -> Finding {
        Finding {
            severity: severity.to_owned(),
            vulnerability: id.to_owned(),
            package: Some(package.to_owned()),
        }
    }

    #[test]
    fn the_scan_gate_names_what_blocks_and_lets_accepted_findings_through() {
        let done = ScanState {
            status: "COMPLETED".to_owned(),
            reason: None,
        };
        let findings = [
            finding("CRITICAL", "CVE-2026-1234", "openssl"),
            finding("MEDIUM", "CVE-2026-0001", "zlib"),
        ];
        let gate = scan_gate(Severity::Critical, Some(&done), &findings, &[]);
        assert!(!gate.passed);
        assert_eq!(gate.detail, "1 CRITICAL finding: CVE-2026-1234 in openssl");
        let gate = scan_gate(
            Severity::Critical,
            Some(&done),
            &findings,
            &["CVE-2026-1234".to_owned()],
        );
        assert!(gate.passed);
        assert_eq!(
            gate.detail,
            "no finding at CRITICAL or worse (1 accepted: CVE-2026-1234)"
        );
        let gate = scan_gate(
            Severity::Medium,
            Some(&done),
            &findings,
            &["CVE-2026-1234".to_owned()],
        );
        assert_eq!(
            gate.detail,
            "1 MEDIUM finding: CVE-2026-0001 in zlib (1 accepted: CVE-2026-1234)"
        );
        let scanning = ScanState {
            status: "SCANNING".to_owned(),
            reason: None,
        };
        let gate = scan_gate(Severity::Critical, Some(&scanning), &[], &[]);
        assert_eq!(
            (gate.passed, gate.detail.as_str()),
            (false, "not complete (SCANNING)")
        );
    }

    #[test]
    fn a_retired_build_sends_the_channel_back_past_every_retired_one() {
        let history = vec![
            entry(Some("c"), 3),
            entry(Some("b"), 2),
            entry(Some("a"), 1),
        ];
        assert_eq!(
            back_to(&history, &["c", "b"]).and_then(|e| e.build.as_deref()),
            Some("a")
        );
        assert!(back_to(&history, &["c", "b", "a"]).is_none());
        assert!(held_before(&history, "a"));
        assert!(!held_before(&history, "c"));
    }
}
