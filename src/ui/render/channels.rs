//! The text of `gold promote` and `gold channels`: each gate with its figures, each channel
//! with its build, history and next candidate.

use std::fmt::Write as _;
use std::time::Duration;

use crate::plan::channels::{Change, ChannelState, Entry, Gate, GateKind, Promotion, span};

/// History entries shown per channel without `-v`.
const SHORT_HISTORY: usize = 5;

/// A promotion: where, its gates, and what was written (once written, only that: the gates
/// were shown before the question).
pub fn promotion(p: &Promotion) -> String {
    let mut out = String::new();
    if p.recorded.is_some() {
        recorded(&mut out, p);
        return out;
    }
    let label = p
        .number
        .map_or_else(|| p.build.clone(), |n| format!("build {n} ({})", p.build));
    let holds = p
        .holds
        .as_ref()
        .map_or_else(|| "nothing".to_owned(), Entry::label);
    let _ = writeln!(
        out,
        "Promote {label} from {} to {} (it holds {holds} now):",
        p.from, p.channel
    );
    gates(&mut out, &p.gates, "  ");
    if !p.accepted.is_empty() {
        let _ = writeln!(out, "  accepted: {}", p.accepted.join(", "));
    }
    out
}

fn recorded(out: &mut String, p: &Promotion) {
    if let Some(entry) = &p.recorded {
        let _ = writeln!(
            out,
            "{} holds {} now (entry {}, {} by {}).",
            p.channel,
            entry.label(),
            entry.seq.unwrap_or_default(),
            change(entry.change),
            entry.by
        );
        for protection in &p.protection {
            let verb = match (protection.protected, &protection.error) {
                (_, Some(err)) => format!("could not change protection of ({err})"),
                (true, None) => "protected from deregistration:".to_owned(),
                (false, None) => "no longer protected:".to_owned(),
            };
            let _ = writeln!(
                out,
                "  {verb} {} in {} ({})",
                protection.id, protection.region, protection.build
            );
        }
        let _ = writeln!(
            out,
            "Next: `gold rollout --channel {}` moves its consumers.",
            p.channel
        );
    }
}

fn gates(out: &mut String, gates: &[Gate], indent: &str) {
    for gate in gates {
        let name = match gate.gate {
            GateKind::Soak => "soak",
            GateKind::Scan => "scan",
            GateKind::Rollback => "rollback",
        };
        let verdict = if gate.passed { "passed " } else { "refused" };
        let _ = writeln!(out, "{indent}{verdict} {name}: {}", gate.detail);
    }
}

fn change(change: Change) -> &'static str {
    match change {
        Change::Promoted => "promoted",
        Change::RolledBack => "rolled back",
        Change::Retired => "back after a retirement",
        Change::Built => "built",
    }
}

/// Every channel.
pub fn channels(channels: &[ChannelState], verbose: bool) -> String {
    let mut out = String::new();
    for (i, channel) in channels.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let rule = match (channel.takes_every_build, channel.soak_seconds) {
            (true, _) => "takes every build that finishes".to_owned(),
            (false, Some(seconds)) if seconds > 0 => {
                let soak = Duration::from_secs(seconds);
                format!("soak {} in the channel before", span(soak, soak))
            }
            (false, _) => "no soak".to_owned(),
        };
        let _ = writeln!(out, "{} ({rule})", channel.name);
        match &channel.current {
            Some(entry) if entry.build.is_some() => {
                let accepted = if entry.accepted.is_empty() {
                    String::new()
                } else {
                    format!("; accepted: {}", entry.accepted.join(", "))
                };
                let _ = writeln!(
                    out,
                    "  holds {} since {}, {} by {}{accepted}",
                    with_name(entry),
                    entry.at.as_deref().unwrap_or("an unknown time"),
                    change(entry.change),
                    entry.by
                );
            }
            _ => {
                let _ = writeln!(out, "  holds nothing yet");
            }
        }
        if !channel.consumers.is_empty() {
            let _ = writeln!(out, "  consumers: {}", channel.consumers.join(", "));
        }
        if let Some(next) = &channel.next {
            let label = next
                .number
                .map_or_else(|| next.build.clone(), |n| format!("build {n}"));
            let ready = if next.ready {
                "ready to promote"
            } else {
                "not ready"
            };
            let _ = writeln!(out, "  next: {label}, {ready}");
            gates(&mut out, &next.gates, "    ");
        }
        let shown = if verbose {
            channel.history.len()
        } else {
            SHORT_HISTORY
        };
        if channel.history.len() > 1 {
            let _ = writeln!(out, "  history:");
            for entry in channel.history.iter().take(shown) {
                let seq = entry.seq.map(|s| format!("#{s} ")).unwrap_or_default();
                let _ = writeln!(
                    out,
                    "    {seq}{} {} at {} by {}",
                    entry.label(),
                    change(entry.change),
                    entry.at.as_deref().unwrap_or("?"),
                    entry.by
                );
            }
            if channel.history.len() > shown {
                let _ = writeln!(
                    out,
                    "    … {} more (`-v` shows them)",
                    channel.history.len() - shown
                );
            }
        }
    }
    out
}

fn with_name(entry: &Entry) -> String {
    match (&entry.build, entry.number) {
        (Some(name), Some(n)) => format!("build {n} ({name})"),
        _ => entry.label(),
    }
}
