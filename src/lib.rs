//! gold: golden-image pipelines as code, across AWS accounts.
//!
//! The flow a newcomer should follow through the tree (imports point down this list only):
//! 1. [`cli`] parses the command line; [`commands`] holds one short module per verb: it loads
//!    the manifest, calls the domain, confirms changes and hands a report to [`ui`].
//! 2. [`manifest`] loads `gold.toml`, checks it offline and knows the AWSTOE document rules.
//! 3. [`producer`] (the Shared account) and [`consumer`] (every workload account) read live
//!    state, apply changes and report progress through traits they own; they never print.
//!    [`ops`] holds the verbs that work on both sides at once (`prune`), as plan and apply.
//! 4. [`plan`] is the change model and the comparison of desired with live state, for both sides;
//!    [`access`] turns the permissions table of [`aws`] into the IAM documents a manifest needs.
//! 5. [`aws`] is the only place that knows AWS SDK types; it takes and returns plain values.
//! 6. [`names`] (what gold calls and tags what it creates), [`version`] (Image Builder's
//!    semantic versions) and [`about`] (which gold is running) are neutral: every layer may use
//!    them.
//! 7. [`ui`] owns every byte written to the terminal: text, progress bars or JSON.
//!
//! `tests/layers.rs` fails when an import points the wrong way.

pub mod about;
pub mod access;
pub mod aws;
pub mod cli;
pub mod commands;
pub mod consumer;
pub mod error;
pub mod manifest;
pub mod names;
pub mod ops;
pub mod plan;
pub mod producer;
pub mod ui;
pub mod version;

pub use error::Error;
