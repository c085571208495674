//! The producer's part of `gold status`, for manifests that take part in layering: the AWS RAM
//! share of `[sharing]` (whom it reaches, what it holds) and, for a derived manifest, which
//! parent build each of its builds used and how far behind the newest parent it is. Manifests
//! that do neither read nothing here.

use serde::Serialize;

use super::layers::{self, Layers};
use super::share::{self, ShareStatus};
use crate::aws::{AwsError, Session};
use crate::manifest::Manifest;
use crate::plan::producer::DesiredShare;

/// What `gold status` shows about the producer.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ProducerStatus {
    /// The RAM share, when the manifest has `[sharing]`.
    pub share: Option<ShareStatus>,
    /// Builds against the parent's, when the parent is another account's shared image.
    pub layers: Option<Layers>,
}

/// Reads the share and the layers.
pub async fn status(session: &Session, manifest: &Manifest) -> Result<ProducerStatus, AwsError> {
    let share = match DesiredShare::from_manifest(manifest) {
        Some(desired) => Some(share::status(session, &desired).await?),
        None => None,
    };
    let layers = layers::layers(session, manifest).await?;
    Ok(ProducerStatus { share, layers })
}
