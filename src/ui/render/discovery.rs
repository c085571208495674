//! What gold found in AWS Organizations, per consumer entry: one line of counts, then each
//! skipped account with its reason; then the selectors that matched nothing. Plans and the
//! status table both show it; [`warnings`] says on stderr what needs a person's eye.

use std::fmt::Write as _;

use super::count;
use crate::plan::discovery::{Discovered, SkipReason, Unmatched};

/// The entries, then the selectors that matched nothing, as lines each ending in a newline;
/// nothing when there is neither.
pub fn organization(entries: &[Discovered], unmatched: &[Unmatched]) -> String {
    let mut out = discovered(entries);
    if !unmatched.is_empty() {
        out.push_str("Matched nothing (a typo? `--strict` makes this an error):\n");
        for entry in unmatched {
            let _ = writeln!(
                out,
                "  consumer {} (wave {}): {}",
                entry.consumer,
                entry.wave,
                unmatched_text(entry)
            );
        }
    }
    out
}

/// One warning per account skipped because gold cannot reach it yet, and per selector that
/// matched nothing: what a run that goes on anyway should not leave unsaid.
pub fn warnings(entries: &[Discovered], unmatched: &[Unmatched]) -> Vec<String> {
    let skipped = entries.iter().flat_map(|entry| {
        entry
            .skipped
            .iter()
            .filter(|s| s.why == SkipReason::Unreachable && !s.failed)
            .map(move |s| {
                format!(
                    "consumer {}: account {} ({}) is skipped: {}",
                    entry.consumer, s.account, s.name, s.reason
                )
            })
    });
    let unmatched = unmatched.iter().map(|entry| {
        format!(
            "consumer {}: {}; check the manifest for a typo",
            entry.consumer,
            unmatched_text(entry)
        )
    });
    skipped.chain(unmatched).collect()
}

fn unmatched_text(entry: &Unmatched) -> String {
    if entry.places == 0 {
        format!("`{}` holds no active account", entry.selector)
    } else {
        format!(
            "`{}` matched no launch template in {}",
            entry.selector,
            count(entry.places, "account and region")
        )
    }
}

/// The entries as lines, each ending in a newline; nothing when no consumer selects by organization.
fn discovered(entries: &[Discovered]) -> String {
    let mut out = String::new();
    for entry in entries {
        let skipped = if entry.skipped.is_empty() {
            String::new()
        } else {
            format!("; {} skipped:", count(entry.skipped.len(), "account"))
        };
        let _ = writeln!(
            out,
            "Consumer {} (wave {}): {} found in the organization, {}{skipped}",
            entry.consumer,
            entry.wave,
            count(entry.accounts, "account"),
            count(entry.targets, "target"),
        );
        for skipped in &entry.skipped {
            let _ = writeln!(
                out,
                "  {} ({}): {}",
                skipped.account, skipped.name, skipped.reason
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::discovery::Skipped;

    #[test]
    fn each_entry_counts_its_accounts_and_lists_what_it_skipped() {
        let entries = vec![
            Discovered {
                consumer: "sandbox".to_owned(),
                wave: 1,
                accounts: 1,
                targets: 2,
                skipped: Vec::new(),
            },
            Discovered {
                consumer: "workloads".to_owned(),
                wave: 2,
                accounts: 28,
                targets: 30,
                skipped: vec![Skipped {
                    account: "444455550029".to_owned(),
                    name: "Closed".to_owned(),
                    why: crate::plan::discovery::SkipReason::Inactive,
                    reason: "the account is SUSPENDED".to_owned(),
                    failed: false,
                }],
            },
        ];
        insta::assert_snapshot!(organization(&entries, &[]), @r"
        Consumer sandbox (wave 1): 1 account found in the organization, 2 targets
        Consumer workloads (wave 2): 28 accounts found in the organization, 30 targets; 1 account skipped:
          444455550029 (Closed): the account is SUSPENDED
        ");
    }
}
