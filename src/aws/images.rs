//! AMIs as a consumer account sees them (EC2 `DescribeImages`).
//!
//! AWS facts relied on (EC2 API Reference, "DescribeImages"): `Owners` restricts results to
//! AMIs that account owns, whatever their launch permissions, so a stranger's public AMI with
//! the same name never appears; `IncludeDeprecated` and `IncludeDisabled` default to false for
//! callers who are not the owner, so gold asks for both and judges deprecation and state
//! itself, which lets it say *why* an AMI was not chosen. `CreationDate` and
//! `DeprecationTime` are ISO 8601 strings. Tags are not returned across accounts, so nothing
//! here reads them.

use std::time::SystemTime;

use aws_sdk_ec2::types::{Filter, ImageState};
use aws_smithy_types::date_time::{DateTime, Format};

use super::call::{CallExt, ec2_code};
use super::error::AwsError;
use super::session::Session;

/// EC2's answers for an AMI id that does not exist or is not visible ("Error codes for the
/// Amazon EC2 API").
pub(crate) const UNKNOWN_AMI: [&str; 3] = [
    "InvalidAMIID.NotFound",
    "InvalidAMIID.Unavailable",
    "InvalidAMIID.Malformed",
];

/// An AMI as gold needs to know it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    /// `ami-…`.
    pub id: String,
    /// The AMI name.
    pub name: String,
    /// The owning account.
    pub owner: String,
    /// `available`, `pending`, `disabled`, `failed`, …
    pub state: String,
    /// When the AMI was created.
    pub created: Option<SystemTime>,
    /// When the AMI is (or was) deprecated.
    pub deprecated_at: Option<SystemTime>,
    /// The device its root volume is attached as (`/dev/xvda`), when EC2 says.
    pub root_device: Option<String>,
    /// Whether the viewing account's Allowed AMIs criteria admit it (`ImageAllowed`): EC2 says
    /// only while the setting is `enabled` or `audit-mode`.
    pub allowed: Option<bool>,
}

/// Every AMI `owner` owns in the session's region whose name matches `name_pattern` (EC2 wildcards).
pub async fn owned_images(
    session: &Session,
    owner: &str,
    name_pattern: &str,
) -> Result<Vec<Image>, AwsError> {
    let client = session.ec2();
    let mut pages = client
        .describe_images()
        .owners(owner)
        .filters(Filter::builder().name("name").values(name_pattern).build())
        .include_deprecated(true)
        .include_disabled(true)
        .into_paginator()
        .send();
    let mut images = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.call_on(
            session,
            "DescribeImages",
            format!("AMIs owned by {owner} named {name_pattern}"),
        )?;
        images.extend(page.images().iter().filter_map(image));
    }
    Ok(images)
}

/// One AMI by id, or `None` when this account cannot see it (deregistered, or never shared).
pub async fn image_by_id(session: &Session, id: &str) -> Result<Option<Image>, AwsError> {
    // EC2 answers an id it does not know, or one this account may not see, with an error.
    let output = session
        .ec2()
        .describe_images()
        .image_ids(id)
        .include_deprecated(true)
        .include_disabled(true)
        .send()
        .await
        .call_found(session, "DescribeImages", id, |err| {
            ec2_code(err, &UNKNOWN_AMI)
        })?;
    Ok(output.and_then(|output| output.images().iter().find_map(image)))
}

pub(super) fn image(image: &aws_sdk_ec2::types::Image) -> Option<Image> {
    Some(Image {
        id: image.image_id()?.to_owned(),
        name: image.name().unwrap_or_default().to_owned(),
        owner: image.owner_id().unwrap_or_default().to_owned(),
        state: image
            .state()
            .map_or("unknown", ImageState::as_str)
            .to_owned(),
        created: image.creation_date().and_then(timestamp),
        deprecated_at: image.deprecation_time().and_then(timestamp),
        root_device: image.root_device_name().map(str::to_owned),
        allowed: image.image_allowed(),
    })
}

/// EC2 writes these times as ISO 8601 (`2022-08-10T09:01:50.000Z`).
fn timestamp(text: &str) -> Option<SystemTime> {
    DateTime::from_str(text, Format::DateTime)
        .ok()
        .and_then(|time| SystemTime::try_from(time).ok())
}
