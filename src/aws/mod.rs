//! Thin adapters over the AWS SDK: the only module that knows SDK types. Everything it returns
//! is a gold type; every failure is an [`AwsError`] naming account, region and operation.

pub mod allowed_images;
pub mod ancestry;
pub mod autoscaling;
mod call;
mod error;
pub mod iam;
pub mod image_builds;
pub mod image_usage;
pub mod imagebuilder;
pub mod images;
pub mod instance_images;
pub mod kms;
pub mod launch_templates;
pub mod lifecycle;
pub mod organizations;
mod pacing;
pub mod parameter_log;
pub mod parameters;
pub mod permissions;
mod propagation;
pub mod ram;
pub mod security_groups;
mod session;

pub use error::{AwsError, CallSite};
pub use pacing::DEFAULT_CALLS_PER_ACCOUNT;
pub use propagation::{DEFAULT_BOUND as PROPAGATION_BOUND, WaitReporter, Waiting, Waits};
pub use session::{Access, Session, Sessions};
