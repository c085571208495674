//! Image builds in EC2 Image Builder: start a pipeline, read an image's state, its workflow
//! executions and their steps, and cancel a build.
//!
//! AWS facts relied on (Image Builder API Reference):
//! - `StartImagePipelineExecution` and `CancelImageCreation` take a required `clientToken`
//!   (1-64 characters): a retry with the same token returns the first answer instead of acting
//!   twice. The answer names the image build version ARN
//!   (`arn:aws:imagebuilder:REGION:ACCOUNT:image/NAME/1.0.0/5`).
//! - `GetImage` returns the image with `state.status` (`PENDING` … `AVAILABLE`, `FAILED`,
//!   `CANCELLED`), `state.reason`, `state.failureContext` (failed workflow step and component
//!   step, when the service records them), `outputResources.amis` (one per region and account)
//!   and copies of the infrastructure configuration (its `logging.s3Logs`) and distribution
//!   configuration the build used, plus `loggingConfiguration.logGroupName`.
//! - Without a log group in `loggingConfiguration`, build logs go to the `CloudWatch` log group
//!   `/aws/imagebuilder/<image name>` (`ImageLoggingConfiguration`); the image name is the
//!   recipe's name.
//! - `ListWorkflowExecutions` lists a build's workflow runs (`BUILD`, `TEST`, `DISTRIBUTION`),
//!   `ListWorkflowStepExecutions` one run's steps with their status and message.

use std::time::SystemTime;

use aws_sdk_imagebuilder::types::{
    Image, ImageFailureContext, ImageStatus, WorkflowExecutionStatus, WorkflowStepExecutionStatus,
};
use aws_smithy_types::date_time::{DateTime, Format};

use super::call::CallExt;
use super::error::AwsError;
use super::imagebuilder::Listing;
use super::session::Session;

/// Where an image build is in Image Builder's state machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    /// Waiting to start.
    Pending,
    /// Launching the build instance.
    Creating,
    /// Running the build components.
    Building,
    /// Running the test components on a test instance.
    Testing,
    /// Copying and sharing the AMI.
    Distributing,
    /// Integrating with other services (SSM parameters, launch templates).
    Integrating,
    /// Done: the AMIs exist.
    Available,
    /// The build failed.
    Failed,
    /// Someone cancelled the build.
    Cancelled,
    /// Built earlier, since deprecated.
    Deprecated,
    /// Built earlier, since deleted.
    Deleted,
    /// Built earlier, since disabled.
    Disabled,
    /// A status this version of gold does not know.
    Other(String),
}

impl Phase {
    /// The status as Image Builder spells it (`BUILDING`).
    pub fn as_aws(&self) -> &str {
        match self {
            Phase::Pending => "PENDING",
            Phase::Creating => "CREATING",
            Phase::Building => "BUILDING",
            Phase::Testing => "TESTING",
            Phase::Distributing => "DISTRIBUTING",
            Phase::Integrating => "INTEGRATING",
            Phase::Available => "AVAILABLE",
            Phase::Failed => "FAILED",
            Phase::Cancelled => "CANCELLED",
            Phase::Deprecated => "DEPRECATED",
            Phase::Deleted => "DELETED",
            Phase::Disabled => "DISABLED",
            Phase::Other(other) => other,
        }
    }

    /// Whether the build has stopped moving: nothing more will happen to it.
    pub fn is_terminal(&self) -> bool {
        !matches!(
            self,
            Phase::Pending
                | Phase::Creating
                | Phase::Building
                | Phase::Testing
                | Phase::Distributing
                | Phase::Integrating
                | Phase::Other(_)
        )
    }

    fn from_aws(status: &ImageStatus) -> Self {
        match status {
            ImageStatus::Pending => Phase::Pending,
            ImageStatus::Creating => Phase::Creating,
            ImageStatus::Building => Phase::Building,
            ImageStatus::Testing => Phase::Testing,
            ImageStatus::Distributing => Phase::Distributing,
            ImageStatus::Integrating => Phase::Integrating,
            ImageStatus::Available => Phase::Available,
            ImageStatus::Failed => Phase::Failed,
            ImageStatus::Cancelled => Phase::Cancelled,
            ImageStatus::Deprecated => Phase::Deprecated,
            ImageStatus::Deleted => Phase::Deleted,
            ImageStatus::Disabled => Phase::Disabled,
            other => Phase::Other(other.as_str().to_owned()),
        }
    }
}

impl serde::Serialize for Phase {
    fn serialize<S: serde::Serializer>(&self, out: S) -> Result<S::Ok, S::Error> {
        out.serialize_str(self.as_aws())
    }
}

impl schemars::JsonSchema for Phase {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Phase".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "An image build status as Image Builder spells it: `PENDING`, `CREATING`, `BUILDING`, `TESTING`, `DISTRIBUTING`, `INTEGRATING`, `AVAILABLE`, `FAILED`, `CANCELLED`, …"
        })
    }
}

/// One image build as `GetImage` describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageBuild {
    /// The image build version ARN.
    pub arn: String,
    /// Where the build is.
    pub phase: Phase,
    /// Image Builder's reason for the status (set on failure and cancellation).
    pub reason: Option<String>,
    /// What failed, when Image Builder recorded it.
    pub failure: Option<FailureContext>,
    /// When the build started.
    pub created: Option<SystemTime>,
    /// Whether the build runs the test workflow (and so passes through `TESTING`).
    pub tests_enabled: bool,
    /// The regions the distribution configuration copies the AMI to.
    pub regions: Vec<String>,
    /// The AMIs made so far, one per region and account.
    pub amis: Vec<BuiltAmi>,
    /// Where the build's logs are.
    pub logs: LogLocation,
    /// Its image scan (`scanState`), when the build scans.
    pub scan: Option<ScanState>,
}

/// How far Amazon Inspector's scan of a build is (`ImageScanState`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanState {
    /// `PENDING`, `SCANNING`, `COLLECTING`, `COMPLETED`, `ABANDONED`, `FAILED` or `TIMED_OUT`.
    pub status: String,
    /// Why, when Image Builder says.
    pub reason: Option<String>,
}

/// The failure details `GetImage` may carry in `state.failureContext`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailureContext {
    /// The workflow step that failed (`ApplyBuildComponents`).
    pub workflow_step: Option<String>,
    /// The component document's `phase/step` that failed (`validate/jq_install`).
    pub component_step: Option<String>,
    /// The component's or the distribution's error message.
    pub message: Option<String>,
}

/// An AMI a build produced.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct BuiltAmi {
    /// The region it lives in.
    pub region: String,
    /// The account that owns it.
    pub account: String,
    /// `ami-…`.
    #[serde(rename = "ami")]
    pub id: String,
    /// The rendered AMI name.
    pub name: String,
}

/// Where Image Builder writes a build's logs.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct LogLocation {
    /// `s3://bucket/prefix` from the infrastructure configuration, when it has one.
    pub s3: Option<String>,
    /// The `CloudWatch` log group.
    pub log_group: String,
}

/// How far a workflow execution or one of its steps has got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunStatus {
    /// Not started yet.
    Pending,
    /// Running now.
    Running,
    /// Finished successfully.
    Completed,
    /// Not run (its condition was false, or an earlier step failed).
    Skipped,
    /// Failed.
    Failed,
    /// Stopped by a cancellation.
    Cancelled,
    /// Rolling back after a failure.
    RollingBack,
    /// Rolled back after a failure.
    RolledBack,
    /// A status this version of gold does not know.
    Other(String),
}

impl RunStatus {
    /// Whether more is to come (the run or step has not finished).
    pub fn is_active(&self) -> bool {
        matches!(
            self,
            RunStatus::Pending | RunStatus::Running | RunStatus::RollingBack
        )
    }
}

/// One workflow execution of a build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkflowExecution {
    /// The execution id `ListWorkflowStepExecutions` takes.
    pub id: String,
    /// `BUILD`, `TEST` or `DISTRIBUTION`.
    pub kind: String,
    /// How far it has got.
    pub status: RunStatus,
    /// When it started (ISO 8601, which sorts in time order).
    pub started: String,
}

/// One step of a workflow execution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkflowStep {
    /// The step's name in the workflow document (`ApplyBuildComponents`).
    pub name: String,
    /// How far it has got.
    pub status: RunStatus,
    /// Image Builder's message (the failure reason for a failed step).
    pub message: Option<String>,
}

/// Starts a build of `pipeline_arn`; returns the new image build version ARN.
pub async fn start_pipeline_execution(
    session: &Session,
    pipeline_arn: &str,
    client_token: &str,
    tags: &std::collections::BTreeMap<String, String>,
) -> Result<String, AwsError> {
    let client = session.imagebuilder();
    let output = client
        .start_image_pipeline_execution()
        .image_pipeline_arn(pipeline_arn)
        .client_token(client_token)
        .set_tags(Some(tags.clone().into_iter().collect()))
        .send()
        .await
        .call_on(session, "StartImagePipelineExecution", pipeline_arn)?;
    output
        .image_build_version_arn()
        .map(str::to_owned)
        .ok_or_else(|| {
            session
                .site()
                .failure(
                    "StartImagePipelineExecution",
                    "the answer names no image build version ARN",
                )
                .on(pipeline_arn)
        })
}

/// The image build `image_arn` as it is now.
pub async fn get_image(session: &Session, image_arn: &str) -> Result<ImageBuild, AwsError> {
    let client = session.imagebuilder();
    let output = client
        .get_image()
        .image_build_version_arn(image_arn)
        .send()
        .await
        .call_on(session, "GetImage", image_arn)?;
    let image = output.image().ok_or_else(|| {
        session
            .site()
            .failure("GetImage", "the answer holds no image")
            .on(image_arn)
    })?;
    Ok(image_build(image, image_arn))
}

fn image_build(image: &Image, image_arn: &str) -> ImageBuild {
    let state = image.state();
    let phase = state
        .and_then(|state| state.status())
        .map_or(Phase::Pending, Phase::from_aws);
    let failure = state
        .and_then(|state| state.failure_context())
        .map(failure_context);
    let amis = image
        .output_resources()
        .map(aws_sdk_imagebuilder::types::OutputResources::amis)
        .unwrap_or_default()
        .iter()
        .filter_map(|ami| {
            Some(BuiltAmi {
                region: ami.region()?.to_owned(),
                account: ami.account_id().unwrap_or_default().to_owned(),
                id: ami.image()?.to_owned(),
                name: ami.name().unwrap_or_default().to_owned(),
            })
        })
        .collect();
    ImageBuild {
        arn: image.arn().unwrap_or(image_arn).to_owned(),
        phase,
        reason: state.and_then(|state| state.reason()).map(str::to_owned),
        failure,
        created: image
            .date_created()
            .and_then(|text| DateTime::from_str(text, Format::DateTime).ok())
            .and_then(|time| SystemTime::try_from(time).ok()),
        tests_enabled: image
            .image_tests_configuration()
            .and_then(aws_sdk_imagebuilder::types::ImageTestsConfiguration::image_tests_enabled)
            .unwrap_or(true),
        regions: image
            .distribution_configuration()
            .map(|config| {
                config
                    .distributions()
                    .iter()
                    .map(|d| d.region().to_owned())
                    .collect()
            })
            .unwrap_or_default(),
        amis,
        logs: log_location(image),
        scan: image.scan_state().and_then(|scan| {
            Some(ScanState {
                status: scan.status()?.as_str().to_owned(),
                reason: scan.reason().map(str::to_owned),
            })
        }),
    }
}

/// Where a failed build says it failed: the workflow step, the component step, AWS's message.
fn failure_context(context: &ImageFailureContext) -> FailureContext {
    let component = context.component_failure();
    FailureContext {
        workflow_step: context.failed_step().map(str::to_owned),
        component_step: component.and_then(|c| match (c.phase_name(), c.step_name()) {
            (Some(phase), Some(step)) => Some(format!("{phase}/{step}")),
            (None, Some(step)) => Some(step.to_owned()),
            _ => None,
        }),
        message: component
            .and_then(|c| c.error_message())
            .or_else(|| {
                context
                    .distribution_failure()
                    .and_then(|d| d.error_message())
            })
            .map(str::to_owned),
    }
}

/// Where a build's logs are: its S3 location, if the infrastructure configuration sets one,
/// and its log group (Image Builder's default one unless the image names another).
fn log_location(image: &Image) -> LogLocation {
    let name = image
        .image_recipe()
        .and_then(|recipe| recipe.name())
        .or(image.name())
        .unwrap_or_default();
    let s3 = image
        .infrastructure_configuration()
        .and_then(|infra| infra.logging())
        .and_then(|logging| logging.s3_logs())
        .and_then(|logs| {
            let bucket = logs.s3_bucket_name()?;
            let prefix = logs.s3_key_prefix().unwrap_or_default();
            Some(format!("s3://{bucket}/{}", prefix.trim_start_matches('/')))
        });
    let log_group = image
        .logging_configuration()
        .and_then(|logging| logging.log_group_name())
        .map_or_else(|| format!("/aws/imagebuilder/{name}"), str::to_owned);
    LogLocation { s3, log_group }
}

/// Every workflow execution of the build `image_arn` so far.
pub async fn workflow_executions(
    session: &Session,
    image_arn: &str,
) -> Result<Vec<WorkflowExecution>, AwsError> {
    let executions = session
        .imagebuilder()
        .list_workflow_executions()
        .image_build_version_arn(image_arn)
        .every_on(session, "ListWorkflowExecutions", image_arn)
        .await?;
    Ok(executions
        .iter()
        .filter_map(|execution| {
            Some(WorkflowExecution {
                id: execution.workflow_execution_id()?.to_owned(),
                kind: execution
                    .r#type()
                    .map_or_else(String::new, |kind| kind.as_str().to_owned()),
                status: execution
                    .status()
                    .map_or(RunStatus::Pending, execution_status),
                started: execution.start_time().unwrap_or_default().to_owned(),
            })
        })
        .collect())
}

/// The steps of the workflow execution `execution_id`, in the workflow's order.
pub async fn workflow_steps(
    session: &Session,
    execution_id: &str,
) -> Result<Vec<WorkflowStep>, AwsError> {
    let steps = session
        .imagebuilder()
        .list_workflow_step_executions()
        .workflow_execution_id(execution_id)
        .every_on(session, "ListWorkflowStepExecutions", execution_id)
        .await?;
    Ok(steps
        .iter()
        .filter_map(|step| {
            Some(WorkflowStep {
                name: step.name()?.to_owned(),
                status: step.status().map_or(RunStatus::Pending, step_status),
                message: step.message().map(str::to_owned),
            })
        })
        .collect())
}

/// Asks Image Builder to stop the build `image_arn`; the build ends `CANCELLED`.
pub async fn cancel_image_creation(
    session: &Session,
    image_arn: &str,
    client_token: &str,
) -> Result<(), AwsError> {
    let client = session.imagebuilder();
    client
        .cancel_image_creation()
        .image_build_version_arn(image_arn)
        .client_token(client_token)
        .send()
        .await
        .call_on(session, "CancelImageCreation", image_arn)?;
    Ok(())
}

fn execution_status(status: &WorkflowExecutionStatus) -> RunStatus {
    match status {
        WorkflowExecutionStatus::Pending => RunStatus::Pending,
        WorkflowExecutionStatus::Running => RunStatus::Running,
        WorkflowExecutionStatus::Completed => RunStatus::Completed,
        WorkflowExecutionStatus::Skipped => RunStatus::Skipped,
        WorkflowExecutionStatus::Failed => RunStatus::Failed,
        WorkflowExecutionStatus::Cancelled => RunStatus::Cancelled,
        WorkflowExecutionStatus::RollbackInProgress => RunStatus::RollingBack,
        WorkflowExecutionStatus::RollbackCompleted => RunStatus::RolledBack,
        other => RunStatus::Other(other.as_str().to_owned()),
    }
}

fn step_status(status: &WorkflowStepExecutionStatus) -> RunStatus {
    match status {
        WorkflowStepExecutionStatus::Pending => RunStatus::Pending,
        WorkflowStepExecutionStatus::Running => RunStatus::Running,
        WorkflowStepExecutionStatus::Completed => RunStatus::Completed,
        WorkflowStepExecutionStatus::Skipped => RunStatus::Skipped,
        WorkflowStepExecutionStatus::Failed => RunStatus::Failed,
        WorkflowStepExecutionStatus::Cancelled => RunStatus::Cancelled,
        other => RunStatus::Other(other.as_str().to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_imagebuilder::types::{
        Ami, ComponentFailureContext, Distribution, DistributionConfiguration, ImageFailureContext,
        ImageLoggingConfiguration, ImageState, ImageTestsConfiguration,
        InfrastructureConfiguration, Logging, OutputResources, S3Logs,
    };

    use super::*;

    const ARN: &str = "arn:aws:imagebuilder:ap-northeast-1:111122223333:image/sample/1.0.0/5";

    #[test]
    fn a_failure_context_names_the_workflow_and_component_steps_and_s3_logs() {
        let image = Image::builder()
            .arn(ARN)
            .name("sample")
            .state(
                ImageState::builder()
                    .status(ImageStatus::Failed)
                    .reason("Workflow failed")
                    .failure_context(
                        ImageFailureContext::builder()
                            .failed_step("ApplyBuildComponents")
                            .component_failure(
                                ComponentFailureContext::builder()
                                    .phase_name("validate")
                                    .step_name("jq_install")
                                    .error_message("exited with status code 1")
                                    .build(),
                            )
                            .build(),
                    )
                    .build(),
            )
            .infrastructure_configuration(
                InfrastructureConfiguration::builder()
                    .logging(
                        Logging::builder()
                            .s3_logs(
                                S3Logs::builder()
                                    .s3_bucket_name("logs")
                                    .s3_key_prefix("/gold/")
                                    .build(),
                            )
                            .build(),
                    )
                    .build(),
            )
            .date_created("2022-08-10T09:01:50.490Z")
            .build();
        let build = image_build(&image, ARN);
        assert_eq!(build.phase, Phase::Failed);
        assert!(build.phase.is_terminal());
        let failure = build.failure.expect("a failure context");
        assert_eq!(
            failure.workflow_step.as_deref(),
            Some("ApplyBuildComponents")
        );
        assert_eq!(
            failure.component_step.as_deref(),
            Some("validate/jq_install")
        );
        assert_eq!(
            failure.message.as_deref(),
            Some("exited with status code 1")
        );
        assert_eq!(build.logs.s3.as_deref(), Some("s3://logs/gold/"));
        assert_eq!(build.logs.log_group, "/aws/imagebuilder/sample");
        assert!(build.created.is_some());
        assert!(
            build.tests_enabled,
            "tests run unless the image says otherwise"
        );
    }

    #[test]
    fn an_available_image_lists_its_amis_regions_and_log_group() {
        let image = Image::builder()
            .arn(ARN)
            .name("sample")
            .state(ImageState::builder().status(ImageStatus::Available).build())
            .image_tests_configuration(
                ImageTestsConfiguration::builder()
                    .image_tests_enabled(false)
                    .build(),
            )
            .logging_configuration(
                ImageLoggingConfiguration::builder()
                    .log_group_name("/custom/group")
                    .build(),
            )
            .distribution_configuration(
                DistributionConfiguration::builder()
                    .timeout_minutes(360)
                    .distributions(
                        Distribution::builder()
                            .region("ap-northeast-1")
                            .build()
                            .expect("a distribution"),
                    )
                    .build()
                    .expect("a distribution configuration"),
            )
            .output_resources(
                OutputResources::builder()
                    .amis(
                        Ami::builder()
                            .region("ap-northeast-1")
                            .image("ami-0123456789abcdef0")
                            .name("sample_v5_2022-08-10T09-01-50.490Z")
                            .account_id("111122223333")
                            .build(),
                    )
                    .build(),
            )
            .build();
        let build = image_build(&image, ARN);
        assert_eq!(build.phase, Phase::Available);
        assert!(!build.tests_enabled);
        assert_eq!(build.regions, ["ap-northeast-1"]);
        assert_eq!(
            build.amis,
            [BuiltAmi {
                region: "ap-northeast-1".to_owned(),
                account: "111122223333".to_owned(),
                id: "ami-0123456789abcdef0".to_owned(),
                name: "sample_v5_2022-08-10T09-01-50.490Z".to_owned(),
            }]
        );
        assert_eq!(build.logs.log_group, "/custom/group");
        assert_eq!(build.logs.s3, None);
    }

    #[test]
    fn unknown_statuses_keep_the_watch_going() {
        let phase = Phase::from_aws(&ImageStatus::from("REHEARSING"));
        assert_eq!(phase.as_aws(), "REHEARSING");
        assert!(!phase.is_terminal());
    }
}
