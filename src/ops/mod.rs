//! Operations that work on both sides at once: the producer's builds and the consumer accounts
//! that use them. Each verb's whole flow lives here as a plan (read, decide) and an apply (the
//! changes, in order); `commands/` only parses, shows the plan, confirms and renders.
//!
//! - [`build`]: what follows a finished build: its RAM share, the channels' protection, what
//!   `--rollout` moves each consumer to.
//! - [`destroy`]: what `up` and `rollout` created for the manifest, deleted on both sides.
//! - [`plan`]: `gold plan`'s plan of both sides, or one.
//! - [`prune`]: the manifest's `[lifecycle]` applied to the pipeline's builds.
//! - [`up`]: the producer side provisioned, and the consumer templates and parameters `up` creates.
//! - [`retire`]: bad builds taken out of the fleet: targets moved, AMIs deprecated or disabled.

pub mod build;
pub mod destroy;
pub mod plan;
pub mod prune;
pub mod retire;
pub mod up;
