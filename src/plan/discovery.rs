//! What gold found in AWS Organizations for each consumer that selects its accounts by OU or
//! takes the whole organization: how many accounts it works in, how many targets they hold,
//! and which accounts it skipped and why. Plans and status tables carry it.

use serde::Serialize;

/// One consumer entry's accounts, as found at this run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Discovered {
    /// The consumer's name in the manifest.
    pub consumer: String,
    /// The consumer's wave.
    pub wave: u32,
    /// Accounts of its OUs (or organization) that gold works in: active, not excluded, not
    /// claimed by a more specific consumer.
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
    /// Why: suspended, closing, or the role could not be assumed (an error of the command).
    pub reason: String,
    /// Whether skipping it is an error (its role or its templates could not be read).
    pub failed: bool,
}
