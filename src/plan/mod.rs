//! Desired versus live, as a list of changes: what `gold plan` prints and `gold up` /
//! `gold rollout` apply. This module owns the change model and the comparisons that fill it,
//! for both sides:
//! - [`producer`]: the manifest as the settings of every producer resource ([`producer::Desired`]),
//!   compared with what the producer account holds ([`producer::LiveProducer`]) into one step per
//!   resource;
//! - [`consumer`]: a consumer target's live template, groups and refreshes, compared with the AMI
//!   it should run, into one [`consumer::Step`].
//!
//! Nothing here calls AWS or prints; the live state comes in as plain values read by
//! `producer/` and `consumer/`, and `ui/` renders a [`Plan`]. A target is any [`Resource`] a
//! consumer owns (a launch template today), so new kinds of targets add a [`ResourceKind`], not
//! a new model.

pub mod allowed;
pub mod channels;
pub mod consumer;
pub mod discovery;
#[cfg(test)]
pub(crate) mod fixtures;
pub mod key_policy;
pub mod lifecycle;
pub mod producer;
mod progress;

use serde::Serialize;

pub use progress::{ApplyEvent, ApplyReporter, Changed, track};

use crate::version::Version;

/// Every change gold would make, in the order it would make them, and what it cannot plan.
#[derive(Debug, Clone, Default, Serialize, schemars::JsonSchema)]
pub struct Plan {
    /// The changes.
    pub changes: Vec<Change>,
    /// Resources and targets that already match the manifest.
    pub unchanged: usize,
    /// Resources and targets that wait for something before gold can change them.
    pub waiting: Vec<Waiting>,
    /// Changes `gold up` leaves to `gold rollout` (only in `up`'s plan).
    #[serde(skip_serializing_if = "is_zero")]
    pub left_to_rollout: usize,
    /// Targets that cannot be planned; a plan with problems is an error.
    pub problems: Vec<Problem>,
    /// For each consumer whose accounts come from AWS Organizations: what was found.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub discovered: Vec<discovery::Discovered>,
    /// Selectors that matched nothing (a `tag` no template carries, OUs without an active
    /// account): gold warns, and fails with `--strict`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unmatched: Vec<discovery::Unmatched>,
    /// Accounts whose Allowed AMIs, in `audit-mode`, do not admit the image their targets move
    /// to: gold moves them and warns.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub audited: Vec<allowed::Audited>,
}

#[expect(
    clippy::trivially_copy_pass_by_ref,
    reason = "serde's `skip_serializing_if` passes a reference"
)]
fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl Plan {
    /// Whether applying the plan would change nothing.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// Appends another plan.
    pub fn extend(&mut self, other: Plan) {
        self.changes.extend(other.changes);
        self.unchanged += other.unchanged;
        self.waiting.extend(other.waiting);
        self.left_to_rollout += other.left_to_rollout;
        self.problems.extend(other.problems);
        self.discovered.extend(other.discovered);
        self.unmatched.extend(other.unmatched);
        self.audited.extend(other.audited);
    }

    /// The part `gold up` applies: everything but image moves and instance refreshes, which
    /// are counted as left to `gold rollout`.
    #[must_use]
    pub fn for_up(mut self) -> Plan {
        let (rollout, up): (Vec<Change>, Vec<Change>) = self
            .changes
            .into_iter()
            .partition(|change| change.action.is_rollout());
        self.changes = up;
        self.left_to_rollout += rollout.len();
        self
    }

    /// How many changes of each action there are, for summaries.
    pub fn counts(&self) -> Counts {
        let mut counts = Counts::default();
        for change in &self.changes {
            match change.action {
                Action::Create { .. } => counts.create += 1,
                Action::Update { .. } => counts.update += 1,
                Action::NewVersion { .. } => counts.new_version += 1,
                Action::MoveImage { .. } => counts.move_image += 1,
                Action::Refresh { .. } => counts.refresh += 1,
                Action::Delete => counts.delete += 1,
            }
        }
        counts
    }
}

/// Changes per action.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Resources to create.
    pub create: usize,
    /// Resources updated in place.
    pub update: usize,
    /// Immutable resources replaced by a new version.
    pub new_version: usize,
    /// Targets moving to another image.
    pub move_image: usize,
    /// Auto Scaling groups to refresh.
    pub refresh: usize,
    /// Resources to delete.
    pub delete: usize,
}

/// One resource and what would happen to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Change {
    /// The resource.
    pub resource: Resource,
    /// What would happen.
    pub action: Action,
}

/// A resource gold manages, located by account and region.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema)]
pub struct Resource {
    /// What kind of resource.
    pub kind: ResourceKind,
    /// Its name (or id when it has no name).
    pub name: String,
    /// The account it lives in.
    pub account: String,
    /// The region it lives in; IAM resources are global and say `global`.
    pub region: String,
}

impl Resource {
    /// `launch template sample-lt`, the way messages name a resource.
    pub fn label(&self) -> String {
        format!("{} {}", self.kind.label(), self.name)
    }
}

/// The kinds of resource gold creates, moves or refreshes. New kinds may be added; programs
/// reading `--output json` should show a kind they do not know rather than fail on it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ResourceKind {
    /// IAM role for the build instances.
    Role,
    /// IAM instance profile for the build instances.
    InstanceProfile,
    /// Egress-only security group (build instances, or consumer templates gold creates).
    SecurityGroup,
    /// Image Builder component.
    Component,
    /// Image Builder image recipe.
    ImageRecipe,
    /// Image Builder infrastructure configuration.
    InfrastructureConfiguration,
    /// Image Builder distribution configuration.
    DistributionConfiguration,
    /// Image Builder image pipeline.
    ImagePipeline,
    /// A consumer's EC2 launch template (a rollout target).
    LaunchTemplate,
    /// A consumer's Auto Scaling group, refreshed after its template moves.
    AutoScalingGroup,
    /// A consumer's SSM parameter holding the AMI id (a rollout target).
    SsmParameter,
    /// An AMI or an Image Builder image (only `destroy --images` deletes them).
    Image,
    /// The AWS RAM resource share of `[sharing]`.
    ResourceShare,
    /// A KMS grant on the producer's key to a consumer account's Auto Scaling role.
    KmsGrant,
}

impl ResourceKind {
    /// The words a user knows the resource by.
    pub fn label(self) -> &'static str {
        match self {
            ResourceKind::Role => "iam role",
            ResourceKind::InstanceProfile => "instance profile",
            ResourceKind::SecurityGroup => "security group",
            ResourceKind::Component => "component",
            ResourceKind::ImageRecipe => "image recipe",
            ResourceKind::InfrastructureConfiguration => "infrastructure configuration",
            ResourceKind::DistributionConfiguration => "distribution configuration",
            ResourceKind::ImagePipeline => "image pipeline",
            ResourceKind::LaunchTemplate => "launch template",
            ResourceKind::AutoScalingGroup => "auto scaling group",
            ResourceKind::SsmParameter => "ssm parameter",
            ResourceKind::Image => "image",
            ResourceKind::ResourceShare => "resource share",
            ResourceKind::KmsGrant => "kms grant",
        }
    }

    /// The plural, for grouped plans and summaries.
    pub fn plural(self) -> String {
        format!("{}s", self.label())
    }
}

/// What would happen to a resource. New actions may be added.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Action {
    /// It does not exist yet.
    Create {
        /// The settings it will have, for display.
        fields: Vec<Field>,
    },
    /// It exists and some settings differ.
    Update {
        /// The settings that change.
        fields: Vec<FieldChange>,
    },
    /// It is immutable, so a new version replaces the current one.
    NewVersion {
        /// The live version.
        from: Version,
        /// The version gold will create.
        to: Version,
        /// Why: the inputs that changed.
        reason: String,
    },
    /// A target moves to another image.
    MoveImage {
        /// The image it uses now (none when its default version names no image).
        from: Option<ImageRef>,
        /// The image it will use.
        to: ImageRef,
        /// How a launch template's default version changes.
        default_version: DefaultVersion,
    },
    /// An Auto Scaling group gets an instance refresh, so its instances run the image.
    Refresh {
        /// The image the instances will run.
        image: ImageRef,
        /// Why the group is refreshed.
        reason: String,
    },
    /// It will be deleted.
    Delete,
}

impl Action {
    /// Whether `gold rollout` (not `gold up`) carries the action out.
    pub fn is_rollout(&self) -> bool {
        matches!(self, Action::MoveImage { .. } | Action::Refresh { .. })
    }
}

/// How a launch template's default version changes (for an SSM parameter: which of its
/// versions holds the image). Versions are numbered by EC2 and SSM and have nothing to do with
/// build numbers, so they print as `version 3`, never `v3`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum DefaultVersion {
    /// A new version copied from the current default becomes the default (a parameter: a new
    /// version with the image).
    New {
        /// The current default version (a parameter: its current version).
        after: i64,
    },
    /// An existing version becomes the default again (rollback; a parameter: a new version
    /// with that version's value).
    Restore {
        /// The current default version.
        from: i64,
        /// The version that becomes the default.
        to: i64,
    },
    /// The version an interrupted rollout made for this image becomes the default.
    Resume {
        /// The current default version.
        from: i64,
        /// The version that becomes the default.
        to: i64,
    },
}

/// A setting and its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Field {
    /// The setting, in the manifest's words.
    pub name: String,
    /// Its value.
    pub value: String,
}

impl Field {
    /// A setting and its value.
    pub fn new(name: &str, value: impl Into<String>) -> Self {
        Self {
            name: name.to_owned(),
            value: value.into(),
        }
    }
}

/// A setting that changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct FieldChange {
    /// The setting, in the manifest's words.
    pub name: String,
    /// The live value.
    pub old: String,
    /// The manifest's value.
    pub new: String,
}

/// An AMI as users recognise it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, schemars::JsonSchema)]
pub struct ImageRef {
    /// `ami-…`.
    pub id: String,
    /// The AMI name, when the caller can see it.
    pub name: Option<String>,
}

/// Something gold will change once something else has happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Waiting {
    /// The resource or target.
    pub resource: Resource,
    /// What it waits for, and which command then changes it.
    pub reason: String,
}

/// A target (or resource) that cannot be planned, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Problem {
    /// What cannot be planned.
    pub resource: Resource,
    /// Why, naming the AWS call when one failed.
    pub message: String,
    /// The likely fix.
    pub hint: Option<String>,
}

/// A consumer target as plans, events and summaries name it: the consumer it belongs to, its
/// wave, and the resource it is (a launch template today).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, schemars::JsonSchema)]
pub struct TargetId {
    /// The consumer's name in the manifest.
    pub consumer: String,
    /// The consumer's wave.
    pub wave: u32,
    /// The resource.
    #[serde(flatten)]
    pub resource: Resource,
}

impl TargetId {
    /// `sample-lt (444455556666/ap-northeast-1)`, the way every message names a target.
    pub fn label(&self) -> String {
        format!(
            "{} ({}/{})",
            self.resource.name, self.resource.account, self.resource.region
        )
    }
}
