//! The producer side of the plan: what `up` must do to each resource of the Shared account,
//! decided from the manifest ([`Desired`]) and the account's live state ([`LiveProducer`], read
//! by `producer::survey`): nothing, create it, update it in place, or, for immutable components
//! and recipes, create the next version.
//!
//! A resource with gold's name that is not tagged `gold:manifest=<name>` is not adopted
//! silently: [`decide`] refuses with [`Unmanaged`], since changing or later deleting something
//! gold did not create could break whoever did.

mod desired;
mod diff;
mod foreign;
mod share;
mod steps;
mod versions;

pub use desired::{
    Desired, DesiredComponent, DesiredRecipe, KNOWN_AFTER_APPLY, RecipePart, RoleSpec,
    SecurityGroupSpec, parent_image_arn, partition,
};
pub use diff::ConfigStep;
pub use foreign::{Foreign, foreign, has_layers, shared_parent};
pub use share::{Delta, DesiredShare, LiveShare, ShareStep, decide_share};
pub use steps::{GroupStep, ProfileStep, RoleStep, Steps, VersionStep};
pub use versions::{newest, next_version};

use crate::aws::iam::{InstanceProfile, Role};
use crate::aws::imagebuilder::{
    DistributionSpec, Found, InfrastructureSpec, PipelineSpec, Tags, VersionDetail, VersionRef,
};
use crate::aws::security_groups::SecurityGroup;
use crate::names;

use super::ResourceKind;

/// Everything read from the producer account, before any decision.
#[derive(Debug, Clone, Default)]
pub struct LiveProducer {
    /// The build instances' role, when gold manages IAM and it exists.
    pub role: Option<Role>,
    /// The instance profile, when gold manages IAM and it exists.
    pub profile: Option<InstanceProfile>,
    /// The VPC the security group belongs in and the group found there, when gold manages it.
    pub group: Option<(String, Option<SecurityGroup>)>,
    /// Each component's versions and the newest one's detail, in manifest order.
    pub components: Vec<LiveVersions>,
    /// The recipe's versions and the newest one's detail.
    pub recipe: LiveVersions,
    /// The infrastructure configuration.
    pub infrastructure: Option<Found<InfrastructureSpec>>,
    /// The distribution configuration.
    pub distribution: Option<Found<DistributionSpec>>,
    /// The pipeline.
    pub pipeline: Option<Found<PipelineSpec>>,
}

/// The versions of a component or recipe, and the newest one's detail.
#[derive(Debug, Clone, Default)]
pub struct LiveVersions {
    /// Every version.
    pub versions: Vec<VersionRef>,
    /// The newest version's tags and content.
    pub newest: Option<VersionDetail>,
}

/// A resource with gold's name that gold did not create for this manifest.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} `{name}` already exists and {}; gold will not change it", kind.label(), owner.as_ref().map_or_else(|| "was not created by gold".to_owned(), |other| format!("belongs to the gold manifest `{other}`")))]
pub struct Unmanaged {
    /// What kind of resource.
    pub kind: ResourceKind,
    /// Its name (and id, when it has one).
    pub name: String,
    /// The manifest it belongs to, when another gold manifest made it.
    pub owner: Option<String>,
}

/// Refuses a resource not tagged for `manifest`.
fn managed(kind: ResourceKind, name: &str, tags: &Tags, manifest: &str) -> Result<(), Unmanaged> {
    if names::owned_by(tags, manifest) {
        return Ok(());
    }
    Err(Unmanaged {
        kind,
        name: name.to_owned(),
        owner: tags.get(names::MANIFEST_TAG).cloned(),
    })
}

/// Decides every step from live state; references to live resources fill in `desired`.
pub fn decide(desired: Desired, live: &LiveProducer) -> Result<Steps, Unmanaged> {
    steps::decide(desired, live)
}
