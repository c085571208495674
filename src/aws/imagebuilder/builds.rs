//! Build versions of an Image Builder image or component, the account's own or shared with it
//! through AWS RAM: what a share holds, which parent builds a derived pipeline may use, and
//! whether a shared ARN is visible at all.
//!
//! AWS facts this relies on (Image Builder API Reference, `ListImages`,
//! `ListImageBuildVersions`, `ListComponentBuildVersions`, `GetImage`; User Guide, "Share Image
//! Builder resources with AWS RAM"): RAM shares images and components by build version ARN
//! (`image/NAME/1.0.0/3`); `ListImages` with `owner=Shared` lists the image versions shared with
//! the caller; `GetImage` with a version or `x.x.x` ARN answers with the newest build the caller
//! may use; another account's resource that is not shared is `ForbiddenException` (403).

use aws_sdk_imagebuilder::types::{ImageStatus, Ownership};

use super::images::{builds_of, distributed};
use super::{Listing, client, name_filter};
use crate::aws::call::{CallExt, image_builder_not_found};
use crate::aws::error::AwsError;
use crate::aws::session::Session;
use crate::version::Version;

/// One build of an Image Builder image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageBuildVersion {
    /// The build version ARN (`…:image/NAME/1.0.0/3`).
    pub arn: String,
    /// The semantic version.
    pub version: Version,
    /// The build number.
    pub build: u32,
    /// Whether the build is `AVAILABLE`.
    pub available: bool,
    /// `(region, ami id)` of each AMI it distributed in the image owner's account.
    pub amis: Vec<(String, String)>,
}

impl ImageBuildVersion {
    /// `1.0.0/3`, the way people name a build.
    pub fn label(&self) -> String {
        format!("{}/{}", self.version, self.build)
    }
}

/// Every build of the image `name` that `owner` owns, oldest first: the caller's own
/// (`owner` = the caller) or what `owner` shares with the caller.
pub async fn image_builds(
    session: &Session,
    owner: &str,
    name: &str,
) -> Result<Vec<ImageBuildVersion>, AwsError> {
    let ownership = if owner == session.account() {
        Ownership::SelfValue
    } else {
        Ownership::Shared
    };
    let versions = client(session)
        .list_images()
        .owner(ownership)
        .filters(name_filter(name))
        .every_on(session, "ListImages", name)
        .await?;
    let mut found = Vec::new();
    for version in versions {
        let Some(arn) = version.arn() else { continue };
        if version.name() != Some(name) || arn_account(arn) != Some(owner) {
            continue;
        }
        found.extend(builds_of(session, arn).await?.into_iter().filter_map(|b| {
            let arn = b.arn()?.to_owned();
            let (version, build) = version_and_build(&arn)?;
            Some(ImageBuildVersion {
                arn,
                version,
                build,
                available: b.state().and_then(|s| s.status()) == Some(&ImageStatus::Available),
                amis: distributed(&b, owner),
            })
        }));
    }
    found.sort_by_key(|b| (b.version, b.build));
    Ok(found)
}

/// The build version ARNs of every version of this account's component `name`.
pub async fn component_builds(session: &Session, name: &str) -> Result<Vec<String>, AwsError> {
    let mut arns = Vec::new();
    for version in super::component_versions(session, name).await? {
        let builds = client(session)
            .list_component_build_versions()
            .component_version_arn(&version.arn)
            .every_on(session, "ListComponentBuildVersions", &version.arn)
            .await?;
        arns.extend(
            builds
                .into_iter()
                .filter_map(|b| b.arn().map(str::to_owned)),
        );
    }
    arns.sort();
    Ok(arns)
}

/// The build an image ARN (build, version or `x.x.x`) resolves to for the caller, or `None`
/// when the caller may not see it (not shared, or no such image).
pub async fn visible_image(session: &Session, arn: &str) -> Result<Option<String>, AwsError> {
    let found = client(session)
        .get_image()
        .image_build_version_arn(arn)
        .send()
        .await
        .call_found(session, "GetImage", arn, |err| {
            err.is_forbidden_exception() || image_builder_not_found(err)
        })?;
    Ok(found.and_then(|out| out.image().and_then(|i| i.arn()).map(str::to_owned)))
}

/// Whether the caller may see a component ARN (not shared, or no such component: `false`).
pub async fn visible_component(session: &Session, arn: &str) -> Result<bool, AwsError> {
    let found = client(session)
        .get_component()
        .component_build_version_arn(arn)
        .send()
        .await
        .call_found(session, "GetComponent", arn, |err| {
            err.is_forbidden_exception() || image_builder_not_found(err)
        })?;
    Ok(found.is_some())
}

fn arn_account(arn: &str) -> Option<&str> {
    arn.split(':').nth(4)
}

/// `(1.0.0, 3)` from `…/NAME/1.0.0/3`.
fn version_and_build(arn: &str) -> Option<(Version, u32)> {
    let mut parts = arn.rsplit('/');
    let build = parts.next()?.parse().ok()?;
    let version = Version::parse(parts.next()?)?;
    Some((version, build))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_build_arn_gives_its_version_and_build_number() {
        let (version, build) = version_and_build(
            "arn:aws:imagebuilder:ap-northeast-1:111122223333:image/base/1.2.3/4",
        )
        .unwrap_or_else(|| panic!("parses"));
        assert_eq!((version.to_string(), build), ("1.2.3".to_owned(), 4));
        assert!(version_and_build("arn:aws:imagebuilder:r:1:image/base/x.x.x").is_none());
    }
}
