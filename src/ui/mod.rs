//! Everything gold writes to the terminal goes through here: results to stdout, narration and
//! errors to stderr, as text for people or JSON for programs.

mod apply;
mod build_progress;
mod confirm;
mod printer;
pub mod rollout_progress;

pub use apply::ApplyProgress;
pub use build_progress::BuildProgress;
pub use confirm::confirm;
pub use printer::Printer;
