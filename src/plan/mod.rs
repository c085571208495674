//! Desired versus live, as a list of changes: what `gold plan` prints and `gold up` /
//! `gold rollout` apply. Rendering is separate from computing, so both sides (producer
//! resources, consumer targets) share one vocabulary, one human format and one JSON format.

mod render;

use serde::Serialize;

pub use render::{render_human, render_json};

/// Every change gold would make, in the order it would make them.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Plan {
    /// The changes.
    pub changes: Vec<Change>,
    /// Resources and targets that already match the manifest.
    pub unchanged: usize,
}

impl Plan {
    /// Whether applying the plan would change nothing.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// Appends another plan's changes.
    pub fn extend(&mut self, other: Plan) {
        self.changes.extend(other.changes);
        self.unchanged += other.unchanged;
    }
}

/// One resource and what would happen to it.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    /// The resource.
    pub resource: Resource,
    /// What would happen.
    pub action: Action,
}

/// A resource gold manages, located by account and region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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

/// The kinds of resource gold creates or moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceKind {
    /// IAM role for the build instances.
    Role,
    /// IAM instance profile for the build instances.
    InstanceProfile,
    /// Egress-only security group for the build instances.
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
    /// A consumer's EC2 launch template.
    LaunchTemplate,
    /// An AMI (only `destroy --images` deletes them).
    Image,
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
            ResourceKind::Image => "image",
        }
    }
}

/// What would happen to a resource.
#[derive(Debug, Clone, Serialize)]
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
        from: String,
        /// The version gold will create.
        to: String,
        /// Why: the inputs that changed.
        reason: String,
    },
    /// A consumer launch template moves to another image.
    MoveImage {
        /// The image it uses now (none when gold creates the template).
        from: Option<ImageRef>,
        /// The image it will use.
        to: ImageRef,
    },
    /// It will be deleted.
    Delete,
}

/// A setting and its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Field {
    /// The setting, in the manifest's words.
    pub name: String,
    /// Its value.
    pub value: String,
}

/// A setting that changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    /// The setting, in the manifest's words.
    pub name: String,
    /// The live value.
    pub old: String,
    /// The manifest's value.
    pub new: String,
}

/// An AMI as users recognise it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImageRef {
    /// `ami-…`.
    pub id: String,
    /// The AMI name, when the caller can see it.
    pub name: Option<String>,
}
