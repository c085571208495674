//! The producer's side of an image's life: read every build of the pipeline in every region it
//! distributes to ([`builds`]), retire a build's AMIs ([`retire`]: record why, deprecate now,
//! optionally disable), and delete them ([`deprecate`], [`delete_ami`], [`delete_image`]).
//!
//! AWS facts relied on: the owner sees its deprecated and disabled AMIs when it asks with
//! `IncludeDeprecated` / `IncludeDisabled` (EC2 API Reference, "`DescribeImages`"); every regional
//! copy of a build carries the same rendered name, so a build is the AMIs that share a name;
//! `DeleteImage` removes the Image Builder image but not its AMIs (Image Builder API Reference),
//! so the AMIs and their snapshots are deleted first, one by one.

use std::collections::BTreeMap;

use futures::future::try_join_all;

use crate::Error;
use crate::aws::imagebuilder::{self, Kind};
use crate::aws::lifecycle as aws;
use crate::aws::{AwsError, Session};
use crate::manifest::Manifest;
use crate::names::{IMAGE_BUILDER_ARN_TAG, RETIRED_TAG};
use crate::plan::lifecycle::{Build, BuildAmi};
use crate::version::BuildName;

/// Every build of the pipeline, newest first, each with its AMI in every distribution region
/// and its Image Builder image when it still exists.
pub async fn builds(manifest: &Manifest, session: &Session) -> Result<Vec<Build>, Error> {
    let template = manifest.distribution.ami_name_template();
    let pattern = template.pattern();
    let regional = try_join_all(manifest.distribution.regions.iter().map(|region| {
        let here = session.in_region(region);
        let pattern = &pattern;
        async move {
            let images =
                aws::own_images(&here, pattern, (RETIRED_TAG, IMAGE_BUILDER_ARN_TAG)).await?;
            Ok::<_, AwsError>((region.clone(), images))
        }
    }));
    let (regional, built) = futures::future::try_join(regional, imagebuilder::images(session))
        .await
        .map_err(Error::from)?;
    let arn_of: BTreeMap<&str, &str> = built
        .iter()
        .flat_map(|image| {
            image
                .amis
                .iter()
                .map(move |(_, ami)| (ami.as_str(), image.arn.as_str()))
        })
        .collect();
    let mut by_name: BTreeMap<String, Build> = BTreeMap::new();
    for (region, images) in regional {
        for owned in images {
            let image = owned.image;
            if !template.matches(&image.name) {
                continue;
            }
            let entry = by_name.entry(image.name.clone()).or_insert_with(|| Build {
                name: image.name.clone(),
                number: template.build_of(&image.name),
                stable: None,
                created: image.created,
                image_arn: None,
                amis: Vec::new(),
                retired_reason: None,
            });
            entry.created = match (entry.created, image.created) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            if entry.image_arn.is_none() {
                entry.image_arn = arn_of.get(image.id.as_str()).map(|arn| (*arn).to_owned());
            }
            if entry.stable.is_none() {
                entry.stable = entry
                    .image_arn
                    .as_deref()
                    .or(owned.builder_arn.as_deref())
                    .and_then(BuildName::parse);
            }
            entry.retired_reason = entry.retired_reason.take().or(owned.retired_reason);
            entry.amis.push(BuildAmi {
                region: region.clone(),
                id: image.id,
                state: image.state,
                deprecated_at: image.deprecated_at,
            });
        }
    }
    let mut builds: Vec<Build> = by_name.into_values().collect();
    builds.sort_by(|a, b| (b.created, &b.name).cmp(&(a.created, &a.name)));
    Ok(builds)
}

/// Retires one AMI: records `reason`, deprecates it now and, with `disable`, disables it.
pub async fn retire(
    session: &Session,
    ami: &BuildAmi,
    reason: &str,
    disable: bool,
) -> Result<(), AwsError> {
    let here = session.in_region(&ami.region);
    aws::tag_image(
        &here,
        &ami.id,
        &[(RETIRED_TAG.to_owned(), reason.to_owned())],
    )
    .await?;
    aws::deprecate(&here, &ami.id).await?;
    if disable && ami.state != "disabled" {
        aws::disable(&here, &ami.id).await?;
    }
    Ok(())
}

/// Records why a build was retired on its Image Builder image.
pub async fn tag_image(session: &Session, arn: &str, reason: &str) -> Result<(), AwsError> {
    let tags = BTreeMap::from([(RETIRED_TAG.to_owned(), reason.to_owned())]);
    imagebuilder::tag(session, arn, &tags).await
}

/// Deprecates one AMI now.
pub async fn deprecate(session: &Session, region: &str, ami: &str) -> Result<(), AwsError> {
    aws::deprecate(&session.in_region(region), ami).await
}

/// Deregisters one AMI of `manifest` and deletes its snapshots; one already gone counts as deleted.
pub async fn delete_ami(
    session: &Session,
    manifest: &Manifest,
    region: &str,
    ami: &str,
) -> Result<(), AwsError> {
    let tag = (crate::names::MANIFEST_TAG, manifest.name.as_str());
    imagebuilder::delete_ami(&session.in_region(region), ami, tag).await
}

/// Deletes an Image Builder image (its AMIs are deleted first).
pub async fn delete_image(session: &Session, arn: &str) -> Result<(), AwsError> {
    imagebuilder::delete(session, Kind::Image, arn).await
}
