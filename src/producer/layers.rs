//! Derived manifests: a recipe whose parent image (or some component) is another account's
//! Image Builder resource, shared through AWS RAM. Before `plan` and `up` change anything, gold
//! checks the producer account can see each one and says what to fix when it cannot; `status`
//! and `plan` tell which parent build each build used and how many parent builds it is behind.
//!
//! AWS facts (Image Builder User Guide, "Share Image Builder resources with AWS RAM"; RAM User
//! Guide, "Accepting and rejecting invitations"; EC2 API Reference, "GetImageAncestry"):
//! another account's resource that is not shared is `ForbiddenException`; a share reaches only
//! its own Region; an account reached outside organization sharing sees nothing until it
//! accepts the invitation, which waits in that Region; an AMI built on a parent AMI names that
//! AMI as its source, so the ancestry of a build's AMI identifies the parent build.

use serde::Serialize;

use crate::Error;
use crate::aws::imagebuilder::{self, ImageBuildVersion};
use crate::aws::{AwsError, Session, ancestry, ram};
use crate::manifest::Manifest;
use crate::plan::producer::{Foreign, foreign, shared_parent};
use crate::plan::{Resource, Waiting};

impl Foreign {
    /// Whether a build's version matches the filter (`x` matches any number).
    fn matches(&self, build: &ImageBuildVersion) -> bool {
        let version = build.version.to_string();
        self.version
            .split('.')
            .zip(version.split('.'))
            .all(|(want, have)| want == "x" || want == have)
    }
}

/// Checks the producer account can see every shared image and component the recipe uses; the
/// error names each missing share and what to do.
pub async fn check_visible(session: &Session, manifest: &Manifest) -> Result<(), Error> {
    let used = foreign(manifest);
    if used.is_empty() {
        return Ok(());
    }
    let mut missing = Vec::new();
    for resource in &used {
        let visible = if resource.kind == "image" {
            imagebuilder::visible_image(session, &resource.arn)
                .await?
                .is_some()
        } else {
            imagebuilder::visible_component(session, &resource.arn).await?
        };
        if !visible {
            missing.push(resource);
        }
    }
    if missing.is_empty() {
        return Ok(());
    }
    let invitations = ram::invitations(session).await?;
    let causes: Vec<crate::error::Cause> = missing
        .iter()
        .map(|resource| explain(session, resource, &invitations))
        .collect();
    Err(Error::Failed {
        message: format!(
            "account {} cannot use {} shared image or component(s) in {}",
            session.account(),
            causes.len(),
            session.region()
        ),
        hint: Some(
            "fix each share named below, then run `gold plan` or `gold up` again".to_owned(),
        ),
        causes,
    })
}

/// Why one resource is not visible: a pending invitation, or no share reaching this account.
fn explain(
    session: &Session,
    resource: &Foreign,
    invitations: &[ram::Invitation],
) -> crate::error::Cause {
    let account = session.account();
    let region = session.region();
    let pending = invitations
        .iter()
        .find(|i| i.sender == resource.owner && i.status == "PENDING");
    if let Some(invitation) = pending {
        return crate::error::Cause {
            message: format!(
                "the {} `{}` is in the AWS RAM resource share `{}` of {}, whose invitation to {account} is still pending (share pending)",
                resource.kind, resource.arn, invitation.share_name, resource.owner
            ),
            hint: Some(format!(
                "accept it in account {account} ({region}): `aws ram accept-resource-share-invitation --resource-share-invitation-arn {}`",
                invitation.arn
            )),
        };
    }
    crate::error::Cause {
        message: format!(
            "the {} `{}` is not shared with account {account} in {region}: no AWS RAM resource share of {} reaches it (for a gold manifest, the share `{}` of its `[sharing]`)",
            resource.kind, resource.arn, resource.owner, resource.name
        ),
        hint: Some(format!(
            "in account {}, add {account} (or its organization or OU) to the principals of the resource share `{}` in {region} (a share reaches only its own Region; `sharing.principals` of the manifest `{}`), and make sure it holds the {}'s builds; then `gold up` there",
            resource.owner, resource.name, resource.name, resource.kind
        )),
    }
}

/// One build of a derived image and the parent build it was made from.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct LayerBuild {
    /// `1.0.0/2`.
    pub build: String,
    /// The build version ARN.
    pub arn: String,
    /// Its AMI in the producer's region.
    pub ami: Option<String>,
    /// The parent build it was made from (`1.0.0/1`), when its AMI's ancestry shows one.
    pub parent_build: Option<String>,
    /// Available parent builds newer than that one.
    pub parents_behind: Option<usize>,
}

/// A derived manifest's builds against its parent's.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Layers {
    /// The parent image ARN as the manifest writes it.
    pub parent: String,
    /// The newest available parent build the account can use.
    pub newest_parent: Option<String>,
    /// The available builds of this manifest's image, newest first.
    pub builds: Vec<LayerBuild>,
}

/// Reads the builds of a derived manifest and of its parent.
pub async fn layers(session: &Session, manifest: &Manifest) -> Result<Option<Layers>, AwsError> {
    let Some(parent) = shared_parent(manifest) else {
        return Ok(None);
    };
    let region = session.region().to_owned();
    let parents: Vec<ImageBuildVersion> =
        imagebuilder::image_builds(session, &parent.owner, &parent.name)
            .await?
            .into_iter()
            .filter(|b| b.available && parent.matches(b))
            .collect();
    let own = imagebuilder::image_builds(session, session.account(), &manifest.name).await?;
    let mut builds = Vec::new();
    for build in own.iter().rev().filter(|b| b.available) {
        let ami = build
            .amis
            .iter()
            .find(|(r, _)| *r == region)
            .map(|(_, ami)| ami.clone());
        let mut parent_index = None;
        if let Some(ami) = &ami {
            let chain = ancestry::ancestors(session, ami).await?;
            parent_index = chain.iter().find_map(|(r, id)| {
                parents
                    .iter()
                    .position(|p| p.amis.iter().any(|(pr, pa)| pr == r && pa == id))
            });
        }
        builds.push(LayerBuild {
            build: build.label(),
            arn: build.arn.clone(),
            ami,
            parent_build: parent_index.map(|i| parents[i].label()),
            parents_behind: parent_index.map(|i| parents.len() - 1 - i),
        });
    }
    Ok(Some(Layers {
        parent: parent.arn,
        newest_parent: parents.last().map(ImageBuildVersion::label),
        builds,
    }))
}

/// What the plan says when the newest build sits on an older parent build.
pub fn behind(layers: &Layers, pipeline: Resource) -> Option<Waiting> {
    let newest = layers.builds.first()?;
    let behind = newest.parents_behind.filter(|n| *n > 0)?;
    Some(Waiting {
        resource: pipeline,
        reason: format!(
            "its newest build {} is on parent build {}, {behind} parent build(s) behind the newest ({}); `gold build` rebuilds it on the newest parent",
            newest.build,
            newest.parent_build.as_deref().unwrap_or("?"),
            layers.newest_parent.as_deref().unwrap_or("?"),
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn another_accounts_image_arn_is_foreign_and_aws_managed_ones_are_not() {
        let parent = Foreign::parse(
            "arn:aws:imagebuilder:ap-northeast-1:111122223333:image/base/x.x.x",
            "444455556666",
        )
        .unwrap_or_else(|| panic!("foreign"));
        assert_eq!(
            (
                parent.owner.as_str(),
                parent.name.as_str(),
                parent.version.as_str()
            ),
            ("111122223333", "base", "x.x.x")
        );
        assert!(
            Foreign::parse(
                "arn:aws:imagebuilder:ap-northeast-1:aws:image/amazon-linux-2-x86/x.x.x",
                "444455556666"
            )
            .is_none()
        );
        assert!(
            Foreign::parse(
                "arn:aws:imagebuilder:ap-northeast-1:444455556666:image/own/x.x.x",
                "444455556666"
            )
            .is_none()
        );
    }
}
