//! An account's Allowed AMIs setting (EC2 User Guide, "Control the discovery and use of AMIs in
//! Amazon EC2 with Allowed AMIs"; EC2 API Reference, `GetAllowedImagesSettings`).
//!
//! AWS facts relied on: the setting is per account and Region, `disabled` (every AMI allowed),
//! `audit-mode` (every AMI allowed; `DescribeImages` sets `ImageAllowed` on each) or `enabled`
//! (only AMIs that match one of the image criteria are discoverable and launchable: other
//! accounts' AMIs that match none are left out of `DescribeImages`, even by id, and
//! `RunInstances` refuses them). An account's own AMIs are always allowed. A criterion matches
//! when the AMI meets every condition it sets; `ImageProviders` takes account ids (and
//! `amazon`, `aws-marketplace`, `aws-backup-vault`). `ManagedBy` is `declarative-policy` when
//! an organization's declarative policy sets it and the account cannot change it.
//! `CreateLaunchTemplateVersion` does not check the criteria: a template can name an AMI its
//! account will refuse to launch.

use super::call::CallExt;
use super::error::AwsError;
use super::session::Session;

/// The Allowed AMIs setting of one account and Region.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AllowedImages {
    /// `disabled`, `audit-mode` or `enabled`.
    pub state: String,
    /// Each criterion's `ImageProviders` (empty when it sets none).
    pub providers: Vec<Vec<String>>,
    /// `account` or `declarative-policy`.
    pub managed_by: Option<String>,
}

/// The session's account's setting in its region.
pub async fn settings(session: &Session) -> Result<AllowedImages, AwsError> {
    let output = session
        .ec2()
        .get_allowed_images_settings()
        .send()
        .await
        .call(session, "GetAllowedImagesSettings")?;
    Ok(AllowedImages {
        state: output.state().unwrap_or("disabled").to_owned(),
        providers: output
            .image_criteria()
            .iter()
            .map(|criterion| criterion.image_providers().to_vec())
            .collect(),
        managed_by: output.managed_by().map(|by| by.as_str().to_owned()),
    })
}
