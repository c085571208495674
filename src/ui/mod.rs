//! Everything gold writes to the terminal goes through here: results to stdout, narration and
//! errors to stderr, as text for people or JSON for programs.
//!
//! - [`Printer`] picks the form from the global flags and keeps the JSON contract (one
//!   document, or a stream of events ending with the report; errors inside it);
//! - [`Report`] is a command's result; [`render`] holds the text of each report;
//! - the progress types implement the domain's reporter traits: [`ApplyProgress`] for
//!   [`crate::plan::ApplyReporter`], [`BuildProgress`] for
//!   [`crate::producer::build::BuildReporter`], [`RolloutProgress`] for
//!   [`crate::consumer::Reporter`];
//! - [`confirm`] asks before anything changes.

mod apply;
mod build;
mod confirm;
mod printer;
pub mod render;
pub mod report;
mod rollout;

pub use apply::ApplyProgress;
pub use build::BuildProgress;
pub use confirm::confirm;
pub use printer::Printer;
pub use report::{Report, StreamEvent};
pub use rollout::RolloutProgress;
