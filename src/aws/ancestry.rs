//! Where an AMI came from: EC2 `GetImageAncestry`.
//!
//! AWS facts (EC2 API Reference, "`GetImageAncestry`"; EC2 User Guide, "AMI ancestry"): the
//! entries run from the given AMI to its root, each naming its source AMI and Region when
//! `CreateImage`, `CopyImage` or `CreateRestoreImageTask` made it, so an image built on a
//! parent AMI lists that AMI after itself; an AMI the caller cannot see is
//! `InvalidAMIID.NotFound`.

use super::call::{CallExt, ec2_code};
use super::error::AwsError;
use super::images::UNKNOWN_AMI;
use super::session::Session;

/// The AMIs `ami` descends from, nearest first, as `(region, ami id)`; empty when the caller
/// cannot see it.
pub async fn ancestors(session: &Session, ami: &str) -> Result<Vec<(String, String)>, AwsError> {
    let found = session
        .ec2()
        .get_image_ancestry()
        .image_id(ami)
        .send()
        .await
        .call_found(session, "GetImageAncestry", ami, |err| {
            ec2_code(err, &UNKNOWN_AMI)
        })?;
    Ok(found
        .map(|out| {
            out.image_ancestry_entries()
                .iter()
                .filter_map(|entry| {
                    Some((
                        entry.source_image_region()?.to_owned(),
                        entry.source_image_id()?.to_owned(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default())
}
