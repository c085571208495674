//! Image pipelines: finding, creating and updating them. A schedule carries its cron expression,
//! start condition and time zone (`Schedule.timezone` in the Image Builder API reference: an
//! IANA name, UTC when left out).

use aws_sdk_imagebuilder::operation::create_image_pipeline::CreateImagePipelineError;
use aws_sdk_imagebuilder::types::{
    ImageTestsConfiguration, PipelineExecutionStartCondition, PipelineStatus, Schedule,
};

use super::{
    Found, Listing, Tagged, Tags, client, created, name_filter, named, sdk_tags, tagged, to_tags,
};
use crate::aws::call::CallExt;
use crate::aws::error::{AwsError, Reason};
use crate::aws::session::Session;

/// An image pipeline's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PipelineSpec {
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Image recipe version ARN.
    pub recipe_arn: String,
    /// Infrastructure configuration ARN.
    pub infrastructure_arn: String,
    /// Distribution configuration ARN.
    pub distribution_arn: String,
    /// Run image tests.
    pub tests: bool,
    /// Image test timeout in minutes.
    pub test_timeout_minutes: u32,
    /// Cron schedule, start condition and time zone.
    pub schedule: Option<ScheduleSpec>,
    /// `ENABLED` or `DISABLED`.
    pub enabled: bool,
    /// Tags on the images the pipeline builds.
    pub image_tags: Tags,
    /// Tags.
    pub tags: Tags,
}

/// When a pipeline builds on its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleSpec {
    /// The cron expression.
    pub expression: String,
    /// `EXPRESSION_MATCH_ONLY` or `EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE`.
    pub start_condition: String,
    /// IANA time zone; `None` is UTC.
    pub timezone: Option<String>,
}

impl ScheduleSpec {
    /// The time zone as Image Builder applies it: UTC unless set.
    #[must_use]
    pub fn zone(&self) -> &str {
        match self.timezone.as_deref() {
            None | Some("UTC" | "Etc/UTC") => "UTC",
            Some(zone) => zone,
        }
    }
}

/// The image pipeline called `name`, if any.
pub async fn find_pipeline(
    session: &Session,
    name: &str,
) -> Result<Option<Found<PipelineSpec>>, AwsError> {
    let items = client(session)
        .list_image_pipelines()
        .filters(name_filter(name))
        .every_on(session, "ListImagePipelines", name)
        .await?;
    let Some(live) = named(items, name).into_iter().next() else {
        return Ok(None);
    };
    let tests = live.image_tests_configuration();
    let schedule = live.schedule().and_then(|s| {
        let expression = s.schedule_expression()?.to_owned();
        let condition = s.pipeline_execution_start_condition().map_or(
            PipelineExecutionStartCondition::ExpressionMatchAndDependencyUpdatesAvailable,
            Clone::clone,
        );
        Some(ScheduleSpec {
            expression,
            start_condition: condition.as_str().to_owned(),
            timezone: s.timezone().map(str::to_owned),
        })
    });
    Ok(Some(Found {
        arn: live.arn().unwrap_or_default().to_owned(),
        spec: PipelineSpec {
            name: name.to_owned(),
            description: live.description().map(str::to_owned),
            recipe_arn: live.image_recipe_arn().unwrap_or_default().to_owned(),
            infrastructure_arn: live
                .infrastructure_configuration_arn()
                .unwrap_or_default()
                .to_owned(),
            distribution_arn: live
                .distribution_configuration_arn()
                .unwrap_or_default()
                .to_owned(),
            tests: tests
                .and_then(ImageTestsConfiguration::image_tests_enabled)
                .unwrap_or(true),
            test_timeout_minutes: tests
                .and_then(ImageTestsConfiguration::timeout_minutes)
                .and_then(|m| u32::try_from(m).ok())
                .unwrap_or(720),
            schedule,
            enabled: live.status() != Some(&PipelineStatus::Disabled),
            image_tags: to_tags(live.image_tags()),
            tags: to_tags(live.tags()),
        },
    }))
}

fn tests_configuration(spec: &PipelineSpec) -> ImageTestsConfiguration {
    ImageTestsConfiguration::builder()
        .image_tests_enabled(spec.tests)
        .timeout_minutes(i32::try_from(spec.test_timeout_minutes).unwrap_or(720))
        .build()
}

fn schedule(spec: &PipelineSpec) -> Option<Schedule> {
    spec.schedule.as_ref().map(|schedule| {
        Schedule::builder()
            .schedule_expression(&schedule.expression)
            .pipeline_execution_start_condition(PipelineExecutionStartCondition::from(
                schedule.start_condition.as_str(),
            ))
            .set_timezone(schedule.timezone.clone())
            .build()
    })
}

fn status(spec: &PipelineSpec) -> PipelineStatus {
    if spec.enabled {
        PipelineStatus::Enabled
    } else {
        PipelineStatus::Disabled
    }
}

/// The settings `CreateImagePipeline` and `UpdateImagePipeline` both send, written once for
/// the two SDK builders (different types, the same setters).
trait PipelineSettings: Sized {
    fn pipeline_settings(self, spec: &PipelineSpec) -> Self;
}

macro_rules! pipeline_settings {
    ($($builder:ty),+) => {$(
        impl PipelineSettings for $builder {
            fn pipeline_settings(self, spec: &PipelineSpec) -> Self {
                self.set_description(spec.description.clone())
                    .image_recipe_arn(&spec.recipe_arn)
                    .infrastructure_configuration_arn(&spec.infrastructure_arn)
                    .distribution_configuration_arn(&spec.distribution_arn)
                    .image_tests_configuration(tests_configuration(spec))
                    .set_schedule(schedule(spec))
                    .status(status(spec))
                    .set_image_tags(Some(sdk_tags(&spec.image_tags)))
            }
        }
    )+};
}

pipeline_settings!(
    aws_sdk_imagebuilder::operation::create_image_pipeline::builders::CreateImagePipelineFluentBuilder,
    aws_sdk_imagebuilder::operation::update_image_pipeline::builders::UpdateImagePipelineFluentBuilder
);

/// Creates an image pipeline; returns its ARN.
pub async fn create_pipeline(session: &Session, spec: &PipelineSpec) -> Result<String, AwsError> {
    const OP: &str = "CreateImagePipeline";
    let out = client(session)
        .create_image_pipeline()
        .name(&spec.name)
        .pipeline_settings(spec)
        .set_tags(Some(sdk_tags(&spec.tags)))
        .send()
        .await
        .call_classified(session, OP, &spec.name, |err| {
            CreateImagePipelineError::is_resource_already_exists_exception(err)
                .then_some(Reason::AlreadyExists)
        })?;
    created(session, OP, &spec.name, out.image_pipeline_arn())
}

/// Replaces every setting of an image pipeline (tags are separate).
pub async fn update_pipeline(
    session: &Session,
    arn: &str,
    spec: &PipelineSpec,
) -> Result<(), AwsError> {
    client(session)
        .update_image_pipeline()
        .image_pipeline_arn(arn)
        .pipeline_settings(spec)
        .send()
        .await
        .call_on(session, "UpdateImagePipeline", arn)?;
    Ok(())
}

/// Every image pipeline, with tags.
pub async fn pipelines(session: &Session) -> Result<Vec<Tagged>, AwsError> {
    let items = client(session)
        .list_image_pipelines()
        .every(session, "ListImagePipelines")
        .await?;
    Ok(tagged(items))
}
