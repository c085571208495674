//! What gold found in AWS Organizations for each consumer that selects its accounts by OU or
//! takes the whole organization: how many accounts it works in, how many targets they hold,
//! and which accounts it skipped and why; and the selectors that matched nothing. Plans and
//! status tables carry it.

use serde::Serialize;

/// One consumer entry's accounts, as found at this run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Discovered {
    /// The consumer's name in the manifest.
    pub consumer: String,
    /// The consumer's wave.
    pub wave: u32,
    /// Accounts of its OUs (or organization) that gold works in: active, not excluded, not
    /// claimed by a more specific consumer, reachable.
    pub accounts: usize,
    /// Targets found in them (account × region × launch template).
    pub targets: usize,
    /// Accounts left out, each with the reason.
    pub skipped: Vec<Skipped>,
}

/// An account gold did not work in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Skipped {
    /// The account id.
    pub account: String,
    /// Its name in the organization.
    pub name: String,
    /// Why it was left out.
    pub why: SkipReason,
    /// Why, in words: the account's status, the exclusion, or AWS's answer.
    pub reason: String,
    /// Whether skipping it is an error of the command (its templates could not be read, or
    /// more accounts could not be reached than `skip_unreachable_accounts` allows).
    pub failed: bool,
}

/// Why an account found in the organization was left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// Suspended or closing.
    Inactive,
    /// Listed in the consumer's `exclude_accounts`.
    Excluded,
    /// Its role cannot be assumed (AccessDenied): a new account the role has not reached yet.
    Unreachable,
    /// Its templates or groups could not be read.
    Unreadable,
}

/// A selector that matched nothing at this run: most often a typo (`gold:folow`), so gold
/// warns (and fails with `--strict`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Unmatched {
    /// The consumer's name in the manifest.
    pub consumer: String,
    /// The consumer's wave.
    pub wave: u32,
    /// The selector as the manifest writes it: `tag gold:follow=sample`, `organizational_units`,
    /// `organization`.
    pub selector: String,
    /// The account × region pairs searched (0 for OUs or an organization with no active
    /// account).
    pub places: usize,
}
