//! Thin adapters over the AWS SDK: the only module that knows SDK types. Everything it returns
//! is a gold type; every failure is an [`AwsError`] naming account, region and operation.

pub mod autoscaling;
mod call;
mod error;
pub mod iam;
pub mod image_builds;
pub mod imagebuilder;
pub mod images;
pub mod launch_templates;
pub mod permissions;
pub mod security_groups;
mod session;

pub use error::{AwsError, CallSite};
pub use session::{Access, Session, Sessions};
