//! gold: golden-image pipelines as code, across AWS accounts.
//!
//! The flow a newcomer should follow through the tree:
//! 1. [`cli`] parses the command line; [`commands`] holds one short module per verb.
//! 2. [`manifest`] loads `gold.toml`, checks it offline and knows the AWSTOE document rules.
//! 3. [`plan`] compares the manifest with live state and lists the changes.
//! 4. [`aws`] is the only place that knows AWS SDK types; [`producer`] and [`consumer`] drive it.
//! 5. [`ui`] owns every byte written to the terminal: text, progress bars or JSON lines.

pub mod aws;
pub mod cli;
pub mod commands;
pub mod consumer;
pub mod error;
pub mod manifest;
pub mod plan;
pub mod producer;
pub mod ui;

pub use error::Error;
