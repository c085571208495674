//! EC2 Image Builder: components, image recipes, infrastructure and distribution
//! configurations, image pipelines, their tags, and the images pipelines leave behind
//! (Image Builder images, and the EC2 AMIs and snapshots `destroy --images` removes).
//!
//! AWS facts this relies on (Image Builder API reference):
//! - components and image recipes are immutable: each `Create*` makes a new semantic version,
//!   there is no `Update*`; infrastructure and distribution configurations and pipelines are
//!   updated in place, and an update replaces every setting (unset members are cleared);
//! - `Create*` and `Update*` take a `clientToken`; the SDK generates one per call and reuses it
//!   on retries, so a retried create after a 5xx does not make a second resource;
//! - `List*` filters are exact matches on `name`; `ListComponents` without `byName` returns
//!   every version; image recipe summaries carry the version only in their ARN.

mod components;
mod configurations;
mod images;
mod pipelines;
mod recipes;

pub use components::*;
pub use configurations::*;
pub use images::*;
pub use pipelines::*;
pub use recipes::*;

use std::collections::{BTreeMap, HashMap};

use aws_sdk_imagebuilder::Client;
use aws_sdk_imagebuilder::types::Filter;

use super::error::AwsError;
use super::session::Session;

/// Tag keys and values.
pub type Tags = BTreeMap<String, String>;

/// A resource that exists, with its settings as AWS reports them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found<T> {
    /// Its ARN.
    pub arn: String,
    /// Its settings.
    pub spec: T,
}

/// One version of a component or recipe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionRef {
    /// The version ARN (no build number).
    pub arn: String,
    /// `major.minor.patch`.
    pub version: String,
}

/// A component or recipe version as AWS reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionDetail {
    /// The ARN.
    pub arn: String,
    /// Its tags.
    pub tags: Tags,
    /// A component's document, a recipe's component ARNs joined by newlines.
    pub content: String,
}

/// A taggable resource found by listing, for `destroy`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tagged {
    /// ARN (build version ARN for components and images).
    pub arn: String,
    /// Name.
    pub name: String,
    /// Tags.
    pub tags: Tags,
}

fn client(session: &Session) -> Client {
    session.imagebuilder()
}

fn to_tags(tags: Option<&HashMap<String, String>>) -> Tags {
    tags.map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default()
}

fn sdk_tags(tags: &Tags) -> HashMap<String, String> {
    tags.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

fn name_filter(name: &str) -> Filter {
    Filter::builder().name("name").values(name).build()
}

fn invalid(session: &Session, operation: &'static str, err: impl std::fmt::Display) -> AwsError {
    session
        .site()
        .failure(operation, format!("gold built an invalid request: {err}"))
}

/// Adds or overwrites tags on any Image Builder resource.
pub async fn tag(session: &Session, arn: &str, tags: &Tags) -> Result<(), AwsError> {
    client(session)
        .tag_resource()
        .resource_arn(arn)
        .set_tags(Some(sdk_tags(tags)))
        .send()
        .await
        .map_err(|err| session.site().error("TagResource", err).on(arn))?;
    Ok(())
}

/// The list summaries of every Image Builder resource kind carry the same three fields.
trait Summary {
    fn arn(&self) -> Option<&str>;
    fn name(&self) -> Option<&str>;
    fn tags(&self) -> Option<&HashMap<String, String>>;
}

macro_rules! summary {
    ($($kind:ty),+) => {$(
        impl Summary for $kind {
            fn arn(&self) -> Option<&str> {
                <$kind>::arn(self)
            }
            fn name(&self) -> Option<&str> {
                <$kind>::name(self)
            }
            fn tags(&self) -> Option<&HashMap<String, String>> {
                <$kind>::tags(self)
            }
        }
    )+};
}

summary!(
    aws_sdk_imagebuilder::types::ComponentSummary,
    aws_sdk_imagebuilder::types::ImageRecipeSummary,
    aws_sdk_imagebuilder::types::InfrastructureConfigurationSummary,
    aws_sdk_imagebuilder::types::DistributionConfigurationSummary,
    aws_sdk_imagebuilder::types::ImagePipeline
);

/// Listed resources as gold's `Tagged`, skipping any without an ARN.
fn tagged<T: Summary>(items: Vec<T>) -> Vec<Tagged> {
    items
        .into_iter()
        .filter_map(|item| {
            Some(Tagged {
                arn: item.arn()?.to_owned(),
                name: item.name().unwrap_or_default().to_owned(),
                tags: to_tags(item.tags()),
            })
        })
        .collect()
}

/// Which Image Builder resource a delete is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A component build version.
    Component,
    /// An image recipe version.
    Recipe,
    /// An infrastructure configuration.
    Infrastructure,
    /// A distribution configuration.
    Distribution,
    /// An image pipeline.
    Pipeline,
    /// An image build version (the Image Builder resource, not the AMI).
    Image,
}

/// Deletes one Image Builder resource; one that is already gone counts as deleted.
pub async fn delete(session: &Session, kind: Kind, arn: &str) -> Result<(), AwsError> {
    let client = client(session);
    let site = session.site();
    let result = match kind {
        Kind::Component => client
            .delete_component()
            .component_build_version_arn(arn)
            .send()
            .await
            .map(drop)
            .map_err(|err| site.error("DeleteComponent", err)),
        Kind::Recipe => client
            .delete_image_recipe()
            .image_recipe_arn(arn)
            .send()
            .await
            .map(drop)
            .map_err(|err| site.error("DeleteImageRecipe", err)),
        Kind::Infrastructure => client
            .delete_infrastructure_configuration()
            .infrastructure_configuration_arn(arn)
            .send()
            .await
            .map(drop)
            .map_err(|err| site.error("DeleteInfrastructureConfiguration", err)),
        Kind::Distribution => client
            .delete_distribution_configuration()
            .distribution_configuration_arn(arn)
            .send()
            .await
            .map(drop)
            .map_err(|err| site.error("DeleteDistributionConfiguration", err)),
        Kind::Pipeline => client
            .delete_image_pipeline()
            .image_pipeline_arn(arn)
            .send()
            .await
            .map(drop)
            .map_err(|err| site.error("DeleteImagePipeline", err)),
        Kind::Image => client
            .delete_image()
            .image_build_version_arn(arn)
            .send()
            .await
            .map(drop)
            .map_err(|err| site.error("DeleteImage", err)),
    };
    match result {
        Err(err) if !err.is_not_found() => Err(err.on(arn)),
        _ => Ok(()),
    }
}
