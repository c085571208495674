//! The values unit tests build their cases from, shared by `plan`'s tests and those of the
//! layers above it so that each is written once.

use super::{Resource, ResourceKind, TargetId};
use crate::aws::images::Image;

/// The launch template `app` of the consumer `workload` (wave 1) in `account`.
pub(crate) fn target(account: &str) -> TargetId {
    TargetId {
        consumer: "workload".to_owned(),
        wave: 1,
        resource: Resource {
            kind: ResourceKind::LaunchTemplate,
            name: "app".to_owned(),
            account: account.to_owned(),
            region: "ap-northeast-1".to_owned(),
        },
    }
}

/// An available AMI of the producer account `111122223333`.
pub(crate) fn image(id: &str, name: &str) -> Image {
    Image {
        id: id.to_owned(),
        name: name.to_owned(),
        owner: "111122223333".to_owned(),
        state: "available".to_owned(),
        created: None,
        deprecated_at: None,
        root_device: None,
        allowed: None,
    }
}
