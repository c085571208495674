//! The AMI each EC2 instance runs (EC2 API Reference, `DescribeInstances`).
//!
//! AWS facts relied on: `DescribeInstances` with `InstanceIds` answers every instance's
//! `ImageId`, in reservations; an id that does not exist fails the whole call with
//! `InvalidInstanceID.NotFound`, so ids come from the filter `instance-id` instead, which
//! simply leaves out instances terminated meanwhile. A filter takes at most 200 values.

use std::collections::HashMap;

use aws_sdk_ec2::types::Filter;

use super::call::CallExt;
use super::error::AwsError;
use super::session::Session;

/// Values one `DescribeInstances` filter accepts.
const FILTER_VALUES: usize = 200;

/// The AMI of each instance that still exists, by instance id.
pub async fn images_of(
    session: &Session,
    ids: &[String],
) -> Result<HashMap<String, String>, AwsError> {
    let mut images = HashMap::new();
    for chunk in ids.chunks(FILTER_VALUES) {
        let mut pages = session
            .ec2()
            .describe_instances()
            .filters(
                Filter::builder()
                    .name("instance-id")
                    .set_values(Some(chunk.to_vec()))
                    .build(),
            )
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.call_on(
                session,
                "DescribeInstances",
                format!("{} instance(s)", chunk.len()),
            )?;
            for instance in page
                .reservations()
                .iter()
                .flat_map(aws_sdk_ec2::types::Reservation::instances)
            {
                if let (Some(id), Some(image)) = (instance.instance_id(), instance.image_id()) {
                    images.insert(id.to_owned(), image.to_owned());
                }
            }
        }
    }
    Ok(images)
}
