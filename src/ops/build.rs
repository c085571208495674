//! What follows a finished build, in order: the build joins the manifest's AWS RAM share (so
//! derived manifests can build on it at once), the builds the channels hold get deregistration
//! protection (the first channel holds the new build now), and with `--rollout` each consumer
//! gets the image it moves to (this build, or with channels its channel's build).
//!
//! A failure to protect does not undo the build: it is reported with the rest.

use crate::Error;
use crate::aws::Session;
use crate::aws::image_builds::BuiltAmi;
use crate::channels;
use crate::consumer::{Choices, ImageChoice};
use crate::manifest::Manifest;
use crate::plan::producer::DesiredShare;
use crate::producer;

/// Where the finished build went in the manifest's AWS RAM share.
pub enum Shared {
    /// The manifest does not share its image.
    NotShared,
    /// Added to the share named.
    Added(String),
    /// The share named does not exist yet (`gold up` creates it with this build).
    NoShareYet(String),
}

/// What followed the build.
pub struct Finished {
    /// The RAM share.
    pub shared: Shared,
    /// Why the channels' builds keep their protection as it was, when protecting failed.
    pub unprotected: Option<Error>,
}

/// Shares the finished build `image` and protects the channels' builds.
pub async fn finish(
    manifest: &Manifest,
    session: &Session,
    image: &str,
) -> Result<Finished, Error> {
    let shared = match DesiredShare::from_manifest(manifest) {
        Some(desired) if desired.image.is_some() => {
            if producer::share::share_build(session, &desired, image).await? {
                Shared::Added(desired.name)
            } else {
                Shared::NoShareYet(desired.name)
            }
        }
        _ => Shared::NotShared,
    };
    let unprotected = channels::protect_held(manifest, session).await.err();
    Ok(Finished {
        shared,
        unprotected,
    })
}

/// What each consumer moves to after the build `image` made `amis`: every regional copy of a
/// build carries the same name, so the name picks exactly this build (with channels, for the
/// first channel's consumers; the others follow their channel).
pub async fn rollout_choices(
    manifest: &Manifest,
    session: &Session,
    image: &str,
    amis: &[BuiltAmi],
) -> Result<Choices, Error> {
    let name = amis.first().map(|ami| ami.name.clone()).ok_or_else(|| {
        Error::failed(
            format!("image build `{image}` is available but lists no AMI to roll out"),
            None,
        )
    })?;
    channels::follow_in(manifest, session, ImageChoice::Name(name)).await
}
