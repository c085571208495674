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

mod builds;
mod components;
mod configurations;
mod images;
mod pipelines;
mod recipes;
pub mod scans;

pub use builds::*;
pub use components::*;
pub use configurations::*;
pub use images::*;
pub use pipelines::*;
pub use recipes::*;

use std::collections::{BTreeMap, HashMap};

use aws_sdk_imagebuilder::Client;
use aws_sdk_imagebuilder::types::Filter;

use super::call::{CallExt, image_builder_not_found};
use super::error::AwsError;
use super::session::Session;
use crate::version::Version;

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
    pub version: Version,
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
        .call_on(session, "TagResource", arn)?;
    Ok(())
}

/// Every page of an Image Builder `List*` call at once, the way [`CallExt`] names a failure:
/// one implementation (below, per operation) instead of a paginator loop at each call site.
/// Image Builder pages with `nextToken`; the SDK's paginator follows it to the last page.
pub(super) trait Listing {
    /// What one page lists.
    type Item;

    /// Every item of every page, any error naming `operation`.
    async fn every(
        self,
        session: &Session,
        operation: &'static str,
    ) -> Result<Vec<Self::Item>, AwsError>;

    /// [`Listing::every`], naming the resource too.
    async fn every_on(
        self,
        session: &Session,
        operation: &'static str,
        resource: impl Into<String>,
    ) -> Result<Vec<Self::Item>, AwsError>;
}

macro_rules! listing {
    ($($operation:ident: $builder:ident => $item:ident),+ $(,)?) => {$(
        impl Listing for aws_sdk_imagebuilder::operation::$operation::builders::$builder {
            type Item = aws_sdk_imagebuilder::types::$item;

            async fn every(
                self,
                session: &Session,
                operation: &'static str,
            ) -> Result<Vec<Self::Item>, AwsError> {
                // Boxed: a paginator's future is large, and callers compose several.
                Box::pin(self.into_paginator().items().send().try_collect())
                    .await
                    .call(session, operation)
            }

            async fn every_on(
                self,
                session: &Session,
                operation: &'static str,
                resource: impl Into<String>,
            ) -> Result<Vec<Self::Item>, AwsError> {
                Box::pin(self.into_paginator().items().send().try_collect())
                    .await
                    .call_on(session, operation, resource)
            }
        }
    )+};
}

listing!(
    list_components: ListComponentsFluentBuilder => ComponentVersion,
    list_component_build_versions: ListComponentBuildVersionsFluentBuilder => ComponentSummary,
    list_image_recipes: ListImageRecipesFluentBuilder => ImageRecipeSummary,
    list_infrastructure_configurations: ListInfrastructureConfigurationsFluentBuilder
        => InfrastructureConfigurationSummary,
    list_distribution_configurations: ListDistributionConfigurationsFluentBuilder
        => DistributionConfigurationSummary,
    list_image_pipelines: ListImagePipelinesFluentBuilder => ImagePipeline,
    list_images: ListImagesFluentBuilder => ImageVersion,
    list_image_build_versions: ListImageBuildVersionsFluentBuilder => ImageSummary,
    list_image_scan_findings: ListImageScanFindingsFluentBuilder => ImageScanFinding,
    list_workflow_executions: ListWorkflowExecutionsFluentBuilder => WorkflowExecutionMetadata,
    list_workflow_step_executions: ListWorkflowStepExecutionsFluentBuilder
        => WorkflowStepMetadata,
);

/// The ARN a `Create*` answered with; an answer without one is a failure of `operation`.
#[expect(
    clippy::result_large_err,
    reason = "every adapter returns `AwsError` by value"
)]
fn created(
    session: &Session,
    operation: &'static str,
    name: &str,
    arn: Option<&str>,
) -> Result<String, AwsError> {
    arn.map(str::to_owned).ok_or_else(|| {
        session
            .site()
            .failure(operation, "no ARN in the answer")
            .on(name)
    })
}

/// Every listed Image Builder resource has an ARN and a name.
trait Named {
    fn arn(&self) -> Option<&str>;
    fn name(&self) -> Option<&str>;
}

/// The list summaries of most Image Builder resource kinds carry their tags too.
trait Summary: Named {
    fn tags(&self) -> Option<&HashMap<String, String>>;
}

macro_rules! named {
    ($($kind:ty),+) => {$(
        impl Named for $kind {
            fn arn(&self) -> Option<&str> {
                <$kind>::arn(self)
            }
            fn name(&self) -> Option<&str> {
                <$kind>::name(self)
            }
        }
    )+};
}

macro_rules! summary {
    ($($kind:ty),+) => {$(
        named!($kind);
        impl Summary for $kind {
            fn tags(&self) -> Option<&HashMap<String, String>> {
                <$kind>::tags(self)
            }
        }
    )+};
}

named!(aws_sdk_imagebuilder::types::ComponentVersion);
summary!(
    aws_sdk_imagebuilder::types::ComponentSummary,
    aws_sdk_imagebuilder::types::ImageRecipeSummary,
    aws_sdk_imagebuilder::types::InfrastructureConfigurationSummary,
    aws_sdk_imagebuilder::types::DistributionConfigurationSummary,
    aws_sdk_imagebuilder::types::ImagePipeline
);

/// The listed items named exactly `name`. The `name` filter of Image Builder's `List*` calls is
/// an exact match already; gold checks again, so a looser answer cannot hand it another resource.
fn named<T: Named>(items: Vec<T>, name: &str) -> Vec<T> {
    items
        .into_iter()
        .filter(|item| item.name() == Some(name))
        .collect()
}

/// The ARN of the one listed item named exactly `name`, if there is one.
fn arn_named<T: Named>(items: Vec<T>, name: &str) -> Option<String> {
    named(items, name)
        .first()
        .and_then(|item| item.arn().map(str::to_owned))
}

/// The one listed item named exactly `name`, read in full by `read` from its ARN: `None` when
/// there is none, or when it went away between the two calls.
async fn find_named<T: Named, S, F>(
    items: Vec<T>,
    name: &str,
    read: impl FnOnce(String) -> F,
) -> Result<Option<Found<S>>, AwsError>
where
    F: std::future::Future<Output = Result<Option<S>, AwsError>>,
{
    let Some(arn) = arn_named(items, name) else {
        return Ok(None);
    };
    Ok(read(arn.clone()).await?.map(|spec| Found { arn, spec }))
}

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
    match kind {
        Kind::Component => client
            .delete_component()
            .component_build_version_arn(arn)
            .send()
            .await
            .call_found(session, "DeleteComponent", arn, image_builder_not_found)
            .map(drop),
        Kind::Recipe => client
            .delete_image_recipe()
            .image_recipe_arn(arn)
            .send()
            .await
            .call_found(session, "DeleteImageRecipe", arn, image_builder_not_found)
            .map(drop),
        Kind::Infrastructure => client
            .delete_infrastructure_configuration()
            .infrastructure_configuration_arn(arn)
            .send()
            .await
            .call_found(
                session,
                "DeleteInfrastructureConfiguration",
                arn,
                image_builder_not_found,
            )
            .map(drop),
        Kind::Distribution => client
            .delete_distribution_configuration()
            .distribution_configuration_arn(arn)
            .send()
            .await
            .call_found(
                session,
                "DeleteDistributionConfiguration",
                arn,
                image_builder_not_found,
            )
            .map(drop),
        Kind::Pipeline => client
            .delete_image_pipeline()
            .image_pipeline_arn(arn)
            .send()
            .await
            .call_found(session, "DeleteImagePipeline", arn, image_builder_not_found)
            .map(drop),
        Kind::Image => client
            .delete_image()
            .image_build_version_arn(arn)
            .send()
            .await
            .call_found(session, "DeleteImage", arn, image_builder_not_found)
            .map(drop),
    }
}
