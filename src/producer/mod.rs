//! The producer side, in the Shared account: provision the Image Builder pipeline (`up`),
//! run and watch builds (`build`), and remove what gold created (`destroy`).
//!
//! The flow of `gold plan` / `gold up`:
//! 1. [`crate::plan::producer::Desired`]: the manifest as the settings of every resource (no AWS
//!    call);
//! 2. [`survey`]: read live state concurrently;
//! 3. [`crate::plan::producer::decide`]: one step per resource, shown as a
//!    [`crate::plan::Plan`] before anything changes;
//! 4. [`up`]: apply the steps along the dependency graph, reporting each resource to a
//!    [`crate::plan::ApplyReporter`].
//!
//! State lives in AWS: resources are found by the names in [`crate::names`] and owned through the
//! `gold:manifest` tag; there is no local state file.

pub mod build;
pub mod destroy;
pub mod encryption;
pub mod layers;
pub mod lifecycle;
pub mod share;
pub mod status;
pub mod survey;
pub mod up;

use crate::Error;
use crate::aws::{Access, AwsError, Session, Sessions};
use crate::manifest::Loaded;
use crate::names;
use crate::plan::producer::{self, Desired, DesiredShare, Steps};
use crate::plan::{Resource, ResourceKind};

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

/// Reads the producer account and decides what `up` would do. A derived manifest whose shared
/// parent or components the account cannot see, or whose builds would be encrypted with a key
/// the consumers cannot use, fails here, before anything changes.
pub async fn plan(loaded: &Loaded, session: &Session) -> Result<Steps, Error> {
    let manifest = &loaded.manifest;
    layers::check_visible(session, manifest).await?;
    encryption::check(session, manifest).await?;
    let desired = Desired::from_manifest(loaded);
    let live = Box::pin(survey::read(session, &desired)).await?;
    let pipeline = desired.pipeline.name.clone();
    let mut steps = producer::decide(desired, &live)
        .map_err(|unmanaged| unmanaged_error(loaded, session, &unmanaged))?;
    if let Some(desired) = DesiredShare::from_manifest(manifest) {
        let live = share::survey(session, &desired).await?;
        let step = producer::decide_share(&desired, &live, &manifest.name)
            .map_err(|unmanaged| unmanaged_error(loaded, session, &unmanaged))?;
        steps.share = Some((desired, step));
    }
    if let Some(layers) = layers::layers(session, manifest).await? {
        let pipeline = Resource {
            kind: ResourceKind::ImagePipeline,
            name: pipeline,
            account: session.account().to_owned(),
            region: session.region().to_owned(),
        };
        steps.waiting.extend(layers::behind(&layers, pipeline));
    }
    Ok(steps)
}

fn unmanaged_error(loaded: &Loaded, session: &Session, unmanaged: &producer::Unmanaged) -> Error {
    Error::Failed {
        message: format!(
            "in account {} ({}): {unmanaged}",
            session.account(),
            session.region()
        ),
        hint: Some(format!(
            "delete it, rename the manifest, or tag it `{}={}` to let gold manage it",
            names::MANIFEST_TAG,
            loaded.manifest.name
        )),
        causes: Vec::new(),
    }
}
