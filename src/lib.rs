//! gold: golden-image pipelines as code, across AWS accounts. `ARCHITECTURE.md` at the root of
//! the repository is the map: what each folder owns, the rules every part keeps, how the tests
//! and localcloud are organised.
//!
//! The layers, top first. A module may use the layers below its own, never its own peers nor a
//! layer above (`tests/layers.rs` fails when an import points the wrong way, or when two files
//! import each other):
//! 1. [`commands`]: one short module per verb. It loads the manifest, calls one domain
//!    operation, confirms changes and hands the report to [`ui`]. (`main.rs`, the binary, sits
//!    above it: parse, run, map the error to an exit code.)
//! 2. [`ui`] owns every byte written to the terminal: it renders the domain's reports and
//!    progress events as text, progress bars or JSON.
//! 3. [`cli`] holds the clap definitions (the output format and global flags `ui` needs).
//! 4. [`ops`]: the verbs that work on both sides at once (`retire`, `prune`), as a plan and an
//!    apply over the producer's and the consumers' domain.
//! 5. [`channels`]: release channels, which need both sides: what each consumer follows, the
//!    channels' log in the producer account, and the gates' evidence from the consumers.
//! 6. The domain: [`producer`] (the Shared account), [`consumer`] (every workload account) and
//!    [`access`] (the IAM documents a manifest needs, from the permissions table in [`aws`]).
//!    They read live state, apply changes and report progress through traits they own; they
//!    never print, and neither side uses the other.
//! 7. [`plan`] is the change model and the comparison of desired with live state, for both
//!    sides, without a network.
//! 8. [`error`]: the errors a command ends with and the exit code of each.
//! 9. [`aws`] is the only place that knows AWS SDK types; it takes and returns plain values.
//!    [`manifest`] loads `gold.toml`, checks it offline and knows the AWSTOE document rules.
//! 10. Neutral, used by every layer: [`names`] (what gold calls and tags what it creates; never
//!     used by [`aws`], which is handed names and tags), [`version`] (Image Builder's semantic
//!     versions), [`about`] (which gold is running) and [`poll`] (how often to look again at
//!     something AWS is doing).

pub mod about;
pub mod access;
pub mod aws;
pub mod channels;
pub mod cli;
pub mod commands;
pub mod consumer;
pub mod error;
pub mod manifest;
pub mod names;
pub mod ops;
pub mod plan;
pub mod poll;
pub mod producer;
pub mod ui;
pub mod version;

pub use error::Error;
