//! The images pipelines leave behind: Image Builder images, and the AMIs and snapshots
//! `destroy --images` removes.

use aws_sdk_imagebuilder::types::{ImageSummary, Ownership};

use super::{Listing, Tags, client, to_tags};
use crate::aws::call::{CallExt, ec2_code};
use crate::aws::error::AwsError;
use crate::aws::images::UNKNOWN_AMI;
use crate::aws::session::Session;

/// An Image Builder image and the AMIs it distributed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuiltImage {
    /// Image build version ARN.
    pub arn: String,
    /// Tags.
    pub tags: Tags,
    /// `(region, ami id)` of every AMI the build distributed in the producer account.
    pub amis: Vec<(String, String)>,
}

/// Every image build this account owns, with tags and the AMIs it distributed.
pub async fn images(session: &Session) -> Result<Vec<BuiltImage>, AwsError> {
    let versions = client(session)
        .list_images()
        .owner(Ownership::SelfValue)
        .every(session, "ListImages")
        .await?;
    let mut found = Vec::new();
    for version in versions {
        let Some(arn) = version.arn() else { continue };
        found.extend(builds_of(session, arn).await?.into_iter().filter_map(|b| {
            Some(BuiltImage {
                arn: b.arn()?.to_owned(),
                tags: to_tags(b.tags()),
                amis: distributed(&b, session.account()),
            })
        }));
    }
    Ok(found)
}

/// Every build of one image version (`ListImageBuildVersions`).
pub(super) async fn builds_of(
    session: &Session,
    version_arn: &str,
) -> Result<Vec<ImageSummary>, AwsError> {
    client(session)
        .list_image_build_versions()
        .image_version_arn(version_arn)
        .every_on(session, "ListImageBuildVersions", version_arn)
        .await
}

/// `(region, ami id)` of every AMI a build distributed in `owner`'s account.
pub(super) fn distributed(build: &ImageSummary, owner: &str) -> Vec<(String, String)> {
    build
        .output_resources()
        .map(|o| {
            o.amis()
                .iter()
                .filter(|a| a.account_id().is_none_or(|account| account == owner))
                .filter_map(|a| Some((a.region()?.to_owned(), a.image()?.to_owned())))
                .collect()
        })
        .unwrap_or_default()
}

/// The AMIs this account owns in the session's region that carry the tag `key` = `value`.
pub async fn tagged_amis(
    session: &Session,
    key: &str,
    value: &str,
) -> Result<Vec<String>, AwsError> {
    let out = session
        .ec2()
        .describe_images()
        .owners("self")
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name(format!("tag:{key}"))
                .values(value)
                .build(),
        )
        .include_deprecated(true)
        .include_disabled(true)
        .send()
        .await
        .call_on(
            session,
            "DescribeImages",
            format!("AMIs tagged {key}={value}"),
        )?;
    Ok(out
        .images()
        .iter()
        .filter_map(|i| i.image_id().map(str::to_owned))
        .collect())
}

/// Deregisters an AMI and deletes its EBS snapshots (EC2 keeps snapshots after deregistering,
/// and they cost money); an AMI that is already gone counts as deleted. The snapshots are tagged
/// `tag` first: Image Builder tags the AMIs it distributes, not their snapshots, and no IAM
/// condition ties a snapshot to its AMI, so the tag is what limits `ec2:DeleteSnapshot` to
/// the snapshots of the manifest's AMIs.
pub async fn delete_ami(session: &Session, ami: &str, tag: (&str, &str)) -> Result<(), AwsError> {
    let ec2 = session.ec2();
    let Some(described) = ec2
        .describe_images()
        .image_ids(ami)
        .include_deprecated(true)
        .include_disabled(true)
        .send()
        .await
        .call_found(session, "DescribeImages", ami, |err| {
            ec2_code(err, &UNKNOWN_AMI)
        })?
    else {
        return Ok(());
    };
    let snapshots: Vec<String> = described
        .images()
        .iter()
        .flat_map(aws_sdk_ec2::types::Image::block_device_mappings)
        .filter_map(|m| m.ebs().and_then(|e| e.snapshot_id()).map(str::to_owned))
        .collect();
    if !snapshots.is_empty() {
        ec2.create_tags()
            .set_resources(Some(snapshots.clone()))
            .tags(
                aws_sdk_ec2::types::Tag::builder()
                    .key(tag.0)
                    .value(tag.1)
                    .build(),
            )
            .send()
            .await
            .call_found(session, "CreateTags", snapshots.join(", "), |err| {
                ec2_code(err, &["InvalidSnapshot.NotFound"])
            })?;
    }
    ec2.deregister_image()
        .image_id(ami)
        .send()
        .await
        .call_found(session, "DeregisterImage", ami, |err| {
            ec2_code(err, &UNKNOWN_AMI)
        })?;
    for snapshot in snapshots {
        ec2.delete_snapshot()
            .snapshot_id(&snapshot)
            .send()
            .await
            .call_found(session, "DeleteSnapshot", &snapshot, |err| {
                ec2_code(err, &["InvalidSnapshot.NotFound"])
            })?;
    }
    Ok(())
}
