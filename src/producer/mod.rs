//! The producer side, in the Shared account: provision the Image Builder pipeline (`up`),
//! run and watch builds (`build`), and remove what gold created (`destroy`).
//!
//! The flow of `gold plan` / `gold up`:
//! 1. [`desired`]: the manifest as the settings of every resource (no AWS call);
//! 2. [`survey`]: read live state concurrently and decide one step per resource;
//! 3. the steps become a [`crate::plan::Plan`], shown before anything changes;
//! 4. [`up`]: apply the steps along the dependency graph.
//!
//! State lives in AWS: resources are found by the names in [`names`] and owned through the
//! `gold:manifest` tag; there is no local state file.

pub mod build;
pub mod desired;
pub mod destroy;
mod diff;
pub mod names;
pub mod survey;
pub mod up;

use crate::aws::{Access, AwsError, Session, Sessions};
use crate::manifest::Loaded;

pub use desired::Desired;
pub use survey::Survey;
pub use up::Applied;

/// The producer account's session, refusing credentials that act in another account.
pub async fn session(
    loaded: &Loaded,
    sessions: &Sessions,
) -> Result<Session, std::sync::Arc<AwsError>> {
    let producer = &loaded.manifest.producer;
    let access = Access::from_manifest(producer.role_arn.as_deref(), producer.profile.as_deref());
    sessions
        .session(&producer.account, &access, &producer.region)
        .await
}

/// Reads the producer account and decides what `up` would do.
pub async fn survey(loaded: &Loaded, session: &Session) -> Result<Survey, AwsError> {
    survey::survey(session, Desired::from_manifest(loaded)).await
}
