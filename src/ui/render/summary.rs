//! The closing summary of a rollout or rollback: the totals, then every target that failed, was
//! skipped or was stopped half-done by Ctrl-C, and how many of each wave never started and why
//! (every target with `-v`), so a fleet of hundreds ends with what needs attention. The counts
//! and the lines agree: each target is counted once, under the word its line shows.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::count;
use crate::consumer::waves::{NotStartedBecause, TargetOutcome};
use crate::consumer::{Outcome, Summary};

/// The summary as text.
pub fn summary(summary: &Summary, verbose: bool) -> String {
    let c = summary.counts;
    let mut totals = vec![
        format!("{} done", c.done),
        format!("{} unchanged", c.unchanged),
        format!("{} failed", c.failed),
    ];
    if c.skipped > 0 {
        totals.push(format!("{} skipped", c.skipped));
    }
    totals.push(format!("{} not started", c.not_started));
    if c.interrupted > 0 {
        totals.push(format!("{} interrupted", c.interrupted));
    }
    let mut text = format!("Summary: {}.", totals.join(", "));
    if summary.throttled_calls > 0 {
        let _ = write!(
            text,
            " AWS throttled {}; gold backed off and retried.",
            count(
                usize::try_from(summary.throttled_calls).unwrap_or(usize::MAX),
                "call"
            )
        );
    }
    // Targets that never started share their reason: one line per wave and reason, so these
    // lines add up to the `not started` count.
    let mut not_started: BTreeMap<(u32, NotStartedBecause), usize> = BTreeMap::new();
    for entry in &summary.targets {
        let attention = !matches!(entry.outcome, Outcome::Done { .. } | Outcome::Unchanged);
        match &entry.outcome {
            Outcome::NotStarted { because } if !verbose => {
                *not_started
                    .entry((entry.target.wave, *because))
                    .or_default() += 1;
            }
            _ if attention || verbose => {
                text.push_str("\n  ");
                text.push_str(&target_line(entry));
            }
            _ => {}
        }
    }
    for ((wave, because), n) in not_started {
        let _ = write!(
            text,
            "\n  not started wave {wave}: {} ({}; `-v` lists each)",
            count(n, "target"),
            not_started_reason(because)
        );
    }
    text
}

/// One target and how it ended, as the summary lists it and a terminal shows it the moment it
/// ends: `done        wave 1 app (444455556666/ap-northeast-1): default version 1 -> 2, …`,
/// with the hint on a line of its own.
pub fn target_line(entry: &TargetOutcome) -> String {
    let (word, detail, hint) = match &entry.outcome {
        Outcome::Done { detail } => ("done", format!(": {detail}"), None),
        Outcome::Unchanged => ("unchanged", String::new(), None),
        Outcome::Failed { error, hint } => ("FAILED", format!(": {error}"), hint.as_ref()),
        Outcome::Skipped { reason } => ("skipped", format!(": {reason}"), None),
        Outcome::NotStarted { because } => (
            "not started",
            format!(" ({})", not_started_reason(*because)),
            None,
        ),
        Outcome::Interrupted { done, left } => {
            ("INTERRUPTED", format!(": done: {done}; left: {left}"), None)
        }
    };
    let mut line = format!(
        "{word:<11} wave {} {}{detail}",
        entry.target.wave,
        entry.target.label()
    );
    if let Some(hint) = hint {
        let _ = write!(line, "\n              hint: {hint}");
    }
    line
}

fn not_started_reason(because: NotStartedBecause) -> &'static str {
    match because {
        NotStartedBecause::EarlierWaveFailed => "an earlier wave failed",
        NotStartedBecause::Interrupted => "Ctrl-C came before they started",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consumer::waves::{OutcomeCounts, TargetOutcome};
    use crate::plan::{Resource, ResourceKind, TargetId};

    fn target(account: &str, wave: u32) -> TargetId {
        TargetId {
            consumer: format!("c{account}"),
            wave,
            resource: Resource {
                kind: ResourceKind::LaunchTemplate,
                name: "app".to_owned(),
                account: account.to_owned(),
                region: "ap-northeast-1".to_owned(),
            },
        }
    }

    fn sample() -> Summary {
        let targets = vec![
            TargetOutcome {
                target: target("444455550001", 1),
                outcome: Outcome::Failed {
                    error: "instance refresh 1234 of Auto Scaling group `web` ended Failed"
                        .to_owned(),
                    hint: Some("`gold rollout` again retries it".to_owned()),
                },
            },
            TargetOutcome {
                target: target("444455550002", 1),
                outcome: Outcome::Done {
                    detail: "default version 1 -> 2, ami-B (sample_v2_x)".to_owned(),
                },
            },
            TargetOutcome {
                target: target("444455550004", 2),
                outcome: Outcome::NotStarted {
                    because: NotStartedBecause::EarlierWaveFailed,
                },
            },
        ];
        Summary {
            targets,
            counts: OutcomeCounts {
                done: 1,
                unchanged: 0,
                failed: 1,
                skipped: 0,
                not_started: 1,
                interrupted: 0,
            },
            throttled_calls: 12,
        }
    }

    #[test]
    fn the_summary_counts_outcomes_and_lists_what_did_not_succeed() {
        insta::assert_snapshot!(summary(&sample(), false), @r"
        Summary: 1 done, 0 unchanged, 1 failed, 1 not started. AWS throttled 12 calls; gold backed off and retried.
          FAILED      wave 1 app (444455550001/ap-northeast-1): instance refresh 1234 of Auto Scaling group `web` ended Failed
                      hint: `gold rollout` again retries it
          not started wave 2: 1 target (an earlier wave failed; `-v` lists each)
        ");
        assert!(summary(&sample(), true).contains("done        wave 1 app (444455550002"));
    }

    #[test]
    fn after_ctrl_c_the_lines_add_up_to_the_counts() {
        let mut interrupted = sample();
        interrupted.throttled_calls = 0;
        interrupted.targets = vec![
            TargetOutcome {
                target: target("444455550001", 1),
                outcome: Outcome::Interrupted {
                    done: "default version 1 -> 2".to_owned(),
                    left: "the instance refresh of `web`".to_owned(),
                },
            },
            TargetOutcome {
                target: target("444455550002", 1),
                outcome: Outcome::Skipped {
                    reason: "gold cannot assume its role".to_owned(),
                },
            },
        ];
        for (account, wave) in [
            ("444455550003", 1),
            ("444455550004", 2),
            ("444455550005", 2),
        ] {
            interrupted.targets.push(TargetOutcome {
                target: target(account, wave),
                outcome: Outcome::NotStarted {
                    because: NotStartedBecause::Interrupted,
                },
            });
        }
        interrupted.counts = OutcomeCounts {
            done: 0,
            unchanged: 0,
            failed: 0,
            skipped: 1,
            not_started: 3,
            interrupted: 1,
        };
        insta::assert_snapshot!(summary(&interrupted, false), @r"
        Summary: 0 done, 0 unchanged, 0 failed, 1 skipped, 3 not started, 1 interrupted.
          INTERRUPTED wave 1 app (444455550001/ap-northeast-1): done: default version 1 -> 2; left: the instance refresh of `web`
          skipped     wave 1 app (444455550002/ap-northeast-1): gold cannot assume its role
          not started wave 1: 1 target (Ctrl-C came before they started; `-v` lists each)
          not started wave 2: 2 targets (Ctrl-C came before they started; `-v` lists each)
        ");
    }
}
