//! The AWS RAM resource share of `[sharing]` in the producer account: read it for the plan,
//! converge it in `up`, add each new build after `build --wait`, show it in `status`
//! (`destroy` deletes it with the rest).
//!
//! AWS facts (see [`crate::aws::ram`]): RAM shares Image Builder images by build version ARN,
//! so a build the pipeline finishes is not shared until it is associated; the aws-samples
//! "Image Sharing via RAM for Dynamic Versioning" pattern associates each build as it finishes,
//! which `build --wait` does, and `up` catches up on builds nobody waited for. An organization
//! or OU principal needs organization sharing enabled in RAM by the management account. A new
//! association is `ASSOCIATING` before it is `ASSOCIATED` (RAM API Reference,
//! `ResourceShareAssociation`): gold waits for it (within the propagation bound) before it says
//! a share or a build is shared.

use serde::Serialize;

use crate::aws::ram::{self, Association};
use crate::aws::{AwsError, Session, imagebuilder};
use crate::plan::producer::{DesiredShare, LiveShare, ShareStep, decide_share};
use crate::plan::{ApplyReporter, Changed, Resource, ResourceKind, track};

/// Reads the share and the builds it should hold.
pub async fn survey(session: &Session, desired: &DesiredShare) -> Result<LiveShare, AwsError> {
    let found = match ram::find_share(session, &desired.name).await? {
        Some(share) => {
            let associations = ram::associations(session, &share.arn).await?;
            Some((share, associations))
        }
        None => None,
    };
    let mut resources = Vec::new();
    if let Some(image) = &desired.image {
        let builds = imagebuilder::image_builds(session, session.account(), image).await?;
        resources.extend(builds.into_iter().filter(|b| b.available).map(|b| b.arn));
    }
    for component in &desired.components {
        resources.extend(imagebuilder::component_builds(session, component).await?);
    }
    resources.sort();
    Ok(LiveShare { found, resources })
}

/// Converges the share. It is read again first: `up` may just have created component versions
/// whose builds the share must hold. Returns what changed, if anything.
pub async fn apply(
    session: &Session,
    desired: &DesiredShare,
    manifest: &str,
    progress: &dyn ApplyReporter,
) -> Result<Option<Changed>, AwsError> {
    let live = survey(session, desired).await?;
    let step = decide_share(desired, &live, manifest)
        .map_err(|unmanaged| session.failure("GetResourceShares", unmanaged.to_string()))?;
    let resource = Resource {
        kind: ResourceKind::ResourceShare,
        name: desired.name.clone(),
        account: session.account().to_owned(),
        region: session.region().to_owned(),
    };
    let (doing, done) = match &step {
        ShareStep::Keep { .. } => return Ok(None),
        ShareStep::Create { .. } => ("creating", "created"),
        ShareStep::Update { .. } => ("updating", "updated"),
    };
    let work = async {
        match &step {
            ShareStep::Keep { .. } => Ok(()),
            ShareStep::Create {
                principals,
                resources,
            } => {
                let arn =
                    ram::create_share(session, &desired.name, principals, resources, &desired.tags)
                        .await?;
                settle(session, &desired.name, &arn).await
            }
            ShareStep::Update {
                arn,
                principals,
                resources,
            } => {
                ram::disassociate(session, arn, &principals.remove, &resources.remove).await?;
                ram::associate(session, arn, &principals.add, &resources.add).await?;
                settle(session, &desired.name, arn).await
            }
        }
    };
    // Boxed: the RAM calls' futures are large, and this one sits inside `up`'s.
    Box::pin(track(progress, &resource, doing, done, async {
        work.await
            .map_err(|err| organization_sharing_hint(err, desired))
    }))
    .await?;
    Ok(Some(Changed {
        resource,
        done: done.to_owned(),
    }))
}

/// RAM's "Organization o-… could not be found" for a share with organization principals means
/// organization sharing is off (or the ARN is wrong): say so, and how to turn it on.
fn organization_sharing_hint(err: AwsError, desired: &DesiredShare) -> AwsError {
    let organizations = desired.organization_principals();
    if !err.is_not_found() || organizations.is_empty() {
        return err;
    }
    let management = organizations
        .iter()
        .find_map(|arn| arn.split(':').nth(4).filter(|a| !a.is_empty()))
        .unwrap_or("the management account");
    let message = format!(
        "{} (AWS RAM shares with an organization or OU only once sharing with AWS Organizations is enabled)",
        err.message
    );
    AwsError { message, ..err }.with_hint(format!(
        "enable sharing with AWS Organizations in AWS RAM, from the organization's management account {management}: `aws ram enable-sharing-with-aws-organization` (or the RAM console, Settings); then run `gold up` again. Check the ARNs if it is enabled: {}",
        organizations.join(", ")
    ))
}

/// Adds a finished build to the share, if the manifest shares its image and the share exists.
/// `Ok(false)` when there is no share to add it to (`gold up` creates it).
pub async fn share_build(
    session: &Session,
    desired: &DesiredShare,
    build_arn: &str,
) -> Result<bool, AwsError> {
    if desired.image.is_none() {
        return Ok(false);
    }
    let Some(share) = ram::find_share(session, &desired.name).await? else {
        return Ok(false);
    };
    ram::associate(session, &share.arn, &[], &[build_arn.to_owned()]).await?;
    settle(session, &desired.name, &share.arn).await?;
    Ok(true)
}

/// Waits until RAM has associated every resource of the share and every principal inside the
/// organization, so an account that builds on the share sees it when gold says it is shared.
/// A principal outside the organization stays `ASSOCIATING` until its account accepts the
/// invitation, which gold does not wait for.
async fn settle(session: &Session, name: &str, arn: &str) -> Result<(), AwsError> {
    let what = format!("resource share {name} is still associating");
    let settled = session
        .waits()
        .until("RAM", &what, || async {
            let now = ram::associations(session, arn).await?;
            let pending = now
                .resources
                .iter()
                .chain(now.principals.iter().filter(|p| !p.external))
                .any(|a| a.status == ASSOCIATING);
            Ok((!pending).then_some(()))
        })
        .await?;
    settled.ok_or_else(|| {
        session
            .failure(
                "GetResourceShareAssociations",
                format!(
                    "AWS RAM was still associating resource share {name} after {} s",
                    session.waits().bound().as_secs()
                ),
            )
            .on(arn)
            .with_hint(
                "run the command again later; `gold status` lists each association and its status",
            )
    })
}

/// RAM's status of an association that has not settled yet.
const ASSOCIATING: &str = "ASSOCIATING";

/// The share as `gold status` shows it.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ShareStatus {
    /// The share's name.
    pub name: String,
    /// Its ARN, `None` when it does not exist (run `gold up`).
    pub arn: Option<String>,
    /// Whom it reaches: `ASSOCIATED`, or `ASSOCIATING` while an invitation is pending.
    pub principals: Vec<Association>,
    /// What it holds.
    pub resources: Vec<Association>,
    /// Builds that should be shared and are not yet (`gold up` adds them).
    pub unshared: Vec<String>,
}

/// Reads the share for `gold status`.
pub async fn status(session: &Session, desired: &DesiredShare) -> Result<ShareStatus, AwsError> {
    let live = survey(session, desired).await?;
    let (arn, principals, resources) = match live.found {
        Some((share, associations)) => (
            Some(share.arn),
            associations.principals,
            associations.resources,
        ),
        None => (None, Vec::new(), Vec::new()),
    };
    let unshared = live
        .resources
        .into_iter()
        .filter(|r| !resources.iter().any(|a| &a.entity == r))
        .collect();
    Ok(ShareStatus {
        name: desired.name.clone(),
        arn,
        principals,
        resources,
        unshared,
    })
}
