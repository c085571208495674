//! The closing summary of a rollout or rollback: the totals, then every target that failed and
//! how many of each later wave did not start (every target with `-v`), so a fleet of hundreds
//! ends with what needs attention. After Ctrl-C, every target stopped half-done is listed with
//! what was done and what a re-run does.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::count;
use crate::consumer::{Outcome, Summary};

/// The summary as text.
pub fn summary(summary: &Summary, verbose: bool) -> String {
    let c = summary.counts;
    let mut text = format!(
        "Summary: {} done, {} unchanged, {} failed, {} not started.",
        c.done, c.unchanged, c.failed, c.not_started
    );
    if c.interrupted > 0 {
        text.insert_str(text.len() - 1, &format!(", {} interrupted", c.interrupted));
    }
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
    let mut never_started: BTreeMap<u32, usize> = BTreeMap::new();
    let mut not_started: BTreeMap<u32, usize> = BTreeMap::new();
    for entry in &summary.targets {
        if !verbose && entry.outcome == Outcome::NotStarted {
            *not_started.entry(entry.target.wave).or_default() += 1;
            continue;
        }
        let (word, detail, hint) = match &entry.outcome {
            Outcome::Done { detail } => ("done", format!(": {detail}"), None),
            Outcome::Unchanged => ("unchanged", String::new(), None),
            Outcome::Failed { error, hint } => ("FAILED", format!(": {error}"), hint.as_ref()),
            Outcome::NotStarted => ("not started", String::new(), None),
            Outcome::Interrupted { done: None, .. } if !verbose => {
                *never_started.entry(entry.target.wave).or_default() += 1;
                continue;
            }
            Outcome::Interrupted { done, left } => (
                "INTERRUPTED",
                match done {
                    Some(done) => format!(": done: {done}; left: {left}"),
                    None => format!(": left: {left}"),
                },
                None,
            ),
        };
        let attention = matches!(
            entry.outcome,
            Outcome::Failed { .. } | Outcome::NotStarted | Outcome::Interrupted { .. }
        );
        if !(attention || verbose) {
            continue;
        }
        let _ = write!(
            text,
            "\n  {word:<11} wave {} {}{detail}",
            entry.target.wave,
            entry.target.label()
        );
        if let Some(hint) = hint {
            let _ = write!(text, "\n              hint: {hint}");
        }
    }
    // Every target of a wave that never started shares its reason: one line per wave.
    for (wave, n) in not_started {
        let _ = write!(
            text,
            "\n  not started wave {wave}: {} (an earlier wave failed; `-v` lists each)",
            count(n, "target")
        );
    }
    for (wave, n) in never_started {
        let _ = write!(
            text,
            "\n  not started wave {wave}: {} (interrupted before they started; `-v` lists each)",
            count(n, "target")
        );
    }
    text
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
                outcome: Outcome::NotStarted,
            },
        ];
        Summary {
            targets,
            counts: OutcomeCounts {
                done: 1,
                unchanged: 0,
                failed: 1,
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
}
