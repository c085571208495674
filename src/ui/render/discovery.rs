//! What gold found in AWS Organizations, per consumer entry: one line of counts, then each
//! skipped account with its reason. Plans and the status table both show it.

use std::fmt::Write as _;

use super::count;
use crate::plan::discovery::Discovered;

/// The entries as lines, each ending in a newline; nothing when no consumer selects by organization.
pub fn discovered(entries: &[Discovered]) -> String {
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
                    reason: "the account is SUSPENDED".to_owned(),
                    failed: false,
                }],
            },
        ];
        insta::assert_snapshot!(discovered(&entries), @r"
        Consumer sandbox (wave 1): 1 account found in the organization, 2 targets
        Consumer workloads (wave 2): 28 accounts found in the organization, 30 targets; 1 account skipped:
          444455550029 (Closed): the account is SUSPENDED
        ");
    }
}
