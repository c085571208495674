//! `gold build`: start the manifest's pipeline, follow the image build to its AMIs or to a
//! clear failure, or cancel it. Nothing here prints: every change goes to a
//! [`BuildReporter`], which the command backs with a live display, plain lines or JSON events.
//!
//! 1. [`start`] finds the pipeline by the name `gold up` gave it and calls
//!    `StartImagePipelineExecution` with a fresh client token, so an SDK retry of that call can
//!    never start a second build.
//! 2. [`wait`] looks at the build with `GetImage` on an adaptive interval ([`PollPolicy`]), and
//!    while a workflow runs at its current step. It ends with the AMIs, or with an error that
//!    names the failed step, the reason and where the logs are. On timeout or Ctrl-C it stops
//!    watching and leaves the build running.
//! 3. [`cancel`] asks Image Builder to stop a build (`CancelImageCreation`).

mod watch;

use std::fmt::Write as _;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::Error;
use crate::aws::Session;
use crate::aws::image_builds::{self, BuiltAmi, LogLocation, Phase};
use crate::aws::imagebuilder;
use crate::manifest::Manifest;
use crate::names;
use crate::version::Version;

pub use crate::poll::{Interval, PollPolicy};

/// How long `gold build --wait` watches when neither `--timeout` nor `pipeline.build_timeout` says.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_hours(2);

/// Something the watch noticed, for the user to see; with `--output json` each event is one
/// line (`event` names the variant). New kinds of event may be added.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum BuildEvent<'a> {
    /// gold started this build.
    Started {
        /// The image build version ARN.
        image: &'a str,
    },
    /// The first look at the build: the phases it will pass through and when it began.
    Watching {
        /// The image build version ARN.
        image: &'a str,
        /// Every phase from `PENDING` to `AVAILABLE`, in order.
        phases: &'a [Phase],
        /// When the build began, if Image Builder says (RFC 3339).
        #[serde(serialize_with = "rfc3339")]
        #[schemars(with = "Option<String>")]
        created: Option<SystemTime>,
    },
    /// The build entered a new phase.
    Phase {
        /// The phase, as Image Builder spells it (`BUILDING`).
        status: &'a Phase,
    },
    /// A workflow step began running.
    Step {
        /// The workflow's type: `BUILD`, `TEST` or `DISTRIBUTION`.
        workflow: &'a str,
        /// The step's name (`ApplyBuildComponents`).
        step: &'a str,
    },
    /// The distribution in one region changed: started, or its AMI exists.
    Region {
        /// The region.
        region: &'a str,
        /// `distributing`, or `available` once the AMI exists.
        status: RegionStatus,
        /// The AMI there, once it exists.
        ami: Option<&'a BuiltAmi>,
    },
    /// The build ended: its AMIs, or why it failed. The last event of a watch.
    #[serde(rename = "result")]
    Finished(&'a Outcome),
    /// gold stopped watching; the build goes on. The last event of a watch.
    Detached {
        /// The image build version ARN.
        image: &'a str,
        /// Why gold stopped.
        #[serde(rename = "reason")]
        why: Detach,
        /// The last phase seen.
        #[serde(rename = "status")]
        phase: Option<&'a Phase>,
    },
}

/// Where the distribution to one region is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RegionStatus {
    /// The AMI is being copied there.
    Distributing,
    /// The AMI exists there.
    Available,
}

#[expect(
    clippy::ref_option,
    reason = "serde's `serialize_with` passes a reference to the field"
)]
fn rfc3339<S: serde::Serializer>(time: &Option<SystemTime>, out: S) -> Result<S::Ok, S::Error> {
    match time {
        Some(time) => out.collect_str(&humantime::format_rfc3339_seconds(*time)),
        None => out.serialize_none(),
    }
}

/// Why gold stopped watching a build that is still running.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detach {
    /// The timeout passed.
    TimedOut(Duration),
    /// The user pressed Ctrl-C.
    Interrupted,
}

impl Serialize for Detach {
    fn serialize<S: serde::Serializer>(&self, out: S) -> Result<S::Ok, S::Error> {
        out.serialize_str(match self {
            Detach::TimedOut(_) => "timeout",
            Detach::Interrupted => "interrupted",
        })
    }
}

impl schemars::JsonSchema for Detach {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Detach".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "string", "enum": ["timeout", "interrupted"] })
    }
}

/// How a build ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(into = "BuildResult")]
#[schemars(with = "BuildResult", rename = "BuildResult")]
pub enum Outcome {
    /// The AMIs exist.
    Available {
        /// The image build version ARN.
        image: String,
        /// One AMI per region and account.
        amis: Vec<BuiltAmi>,
    },
    /// The build failed or was cancelled.
    Failed(Failure),
}

/// A build's outcome as `--output json` reports it: the `result` event.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct BuildResult {
    /// The image build version ARN.
    pub image: String,
    /// `AVAILABLE`, `FAILED`, `CANCELLED`, …
    pub status: Phase,
    /// One AMI per region and account (none when the build failed).
    pub amis: Vec<BuiltAmi>,
    /// Image Builder's reason, when the build failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The workflow step that failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failed_step: Option<String>,
    /// The component document's `phase/step` that failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub component_step: Option<String>,
    /// Where the logs are, when the build failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logs: Option<LogLocation>,
}

impl From<Outcome> for BuildResult {
    fn from(outcome: Outcome) -> Self {
        match outcome {
            Outcome::Available { image, amis } => BuildResult {
                image,
                status: Phase::Available,
                amis,
                reason: None,
                failed_step: None,
                component_step: None,
                logs: None,
            },
            Outcome::Failed(failure) => BuildResult {
                image: failure.image,
                status: failure.phase,
                amis: Vec::new(),
                reason: failure.reason,
                failed_step: failure.step,
                component_step: failure.component_step,
                logs: Some(failure.logs),
            },
        }
    }
}

/// Everything gold knows about a build that did not produce AMIs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The image build version ARN.
    pub image: String,
    /// `FAILED`, `CANCELLED`, or the state an old image is in.
    pub phase: Phase,
    /// Image Builder's reason.
    pub reason: Option<String>,
    /// The workflow step that failed or was stopped.
    pub step: Option<String>,
    /// The component document's `phase/step` that failed, when Image Builder says.
    pub component_step: Option<String>,
    /// Where the logs are.
    pub logs: LogLocation,
}

/// Receives what the watch notices; the command backs it with a live display, plain lines or
/// JSON events.
pub trait BuildReporter {
    /// Shows one event.
    fn report(&mut self, event: &BuildEvent<'_>);
}

/// How to watch a build.
#[derive(Debug, Clone, Copy)]
pub struct WatchOptions {
    /// When to give up watching (the build goes on).
    pub timeout: Duration,
    /// How often to look.
    pub poll: PollPolicy,
}

/// An image build version ARN, checked before any AWS call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageArn {
    /// The whole ARN.
    pub arn: String,
    /// Its region.
    pub region: String,
    /// Its account.
    pub account: String,
}

impl ImageArn {
    /// Parses `arn:aws:imagebuilder:REGION:ACCOUNT:image/NAME/1.0.0/BUILD`.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let usage = || {
            Error::Usage {
            message: format!(
                "`{text}` is not an image build version ARN (expected `arn:aws:imagebuilder:REGION:ACCOUNT:image/NAME/VERSION/BUILD`)"
            ),
            hint: Some(
                "`gold build` prints the ARN of the build it starts; the Image Builder console lists the others"
                    .to_owned(),
            ),
        }
        };
        let parts: Vec<&str> = text.splitn(6, ':').collect();
        let [arn, partition, service, region, account, resource] = parts[..] else {
            return Err(usage());
        };
        let path: Vec<&str> = resource.split('/').collect();
        let well_formed = arn == "arn"
            && partition.starts_with("aws")
            && service == "imagebuilder"
            && !region.is_empty()
            && account.len() == 12
            && account.bytes().all(|b| b.is_ascii_digit())
            && path.len() == 4
            && path[0] == "image"
            && !path[1].is_empty()
            && Version::parse(path[2]).is_some()
            && !path[3].is_empty()
            && path[3].bytes().all(|b| b.is_ascii_digit());
        if !well_formed {
            return Err(usage());
        }
        Ok(Self {
            arn: text.to_owned(),
            region: region.to_owned(),
            account: account.to_owned(),
        })
    }
}

/// Starts a build of the manifest's pipeline; returns the image build version ARN.
pub async fn start(session: &Session, manifest: &Manifest) -> Result<String, Error> {
    let name = names::pipeline(&manifest.name);
    let Some(pipeline) = imagebuilder::find_pipeline(session, &name).await? else {
        return Err(Error::failed(
            format!(
                "there is no image pipeline `{name}` in account {} ({})",
                session.account(),
                session.region()
            ),
            Some("create it with `gold up`".to_owned()),
        ));
    };
    let token = client_token(&pipeline.arn);
    let tags = names::tags(&manifest.name, &manifest.tags);
    Ok(image_builds::start_pipeline_execution(session, &pipeline.arn, &token, &tags).await?)
}

/// Follows the build `image` until it ends; the AMIs when it is available, otherwise an error
/// that says what failed and where the logs are, or that gold stopped watching.
pub async fn wait(
    session: &Session,
    image: &str,
    options: WatchOptions,
    reporter: &mut dyn BuildReporter,
) -> Result<Vec<BuiltAmi>, Error> {
    let mut last_phase = None;
    let attach = format!("gold build --attach {image}");
    let ending = watch::watch(session, image, options, reporter, &mut last_phase)
        .await
        .map_err(|err| {
            // A failed look says nothing about the build itself, which goes on.
            if err.hint.is_some() {
                err
            } else {
                err.with_hint(format!(
                    "the build goes on; follow it again with `{attach}`"
                ))
            }
        })?;
    match ending {
        watch::Ending::Finished(Outcome::Available { amis, .. }) => Ok(amis),
        watch::Ending::Finished(Outcome::Failed(failure)) => Err(failed(&failure)),
        watch::Ending::Stopped(why) => {
            reporter.report(&BuildEvent::Detached {
                image,
                why,
                phase: last_phase.as_ref(),
            });
            Err(match why {
                Detach::TimedOut(after) => Error::failed(
                    format!(
                        "stopped watching after {}; the build goes on{}",
                        humantime::format_duration(after),
                        last_phase
                            .as_ref()
                            .map(|p| format!(" (it is {})", p.as_aws()))
                            .unwrap_or_default()
                    ),
                    Some(format!("follow it again with `{attach}`")),
                ),
                Detach::Interrupted => Error::Interrupted {
                    hint: Some(format!(
                        "the build goes on; follow it again with `{attach}` (or stop it with `gold build --cancel {image}`)"
                    )),
                },
            })
        }
    }
}

/// Asks Image Builder to stop the build `image`.
pub async fn cancel(session: &Session, image: &str) -> Result<(), Error> {
    let token = client_token(image);
    image_builds::cancel_image_creation(session, image, &token).await?;
    Ok(())
}

fn failed(failure: &Failure) -> Error {
    let mut message = format!(
        "image build `{}` is {}",
        failure.image,
        failure.phase.as_aws()
    );
    if let Some(step) = &failure.step {
        let _ = write!(message, " at workflow step `{step}`");
    }
    if let Some(component) = &failure.component_step {
        let _ = write!(message, " (component step `{component}`)");
    }
    if let Some(reason) = &failure.reason {
        let _ = write!(message, ": {reason}");
    }
    let mut logs = format!(
        "build logs are in the CloudWatch log group `{}`",
        failure.logs.log_group
    );
    if let Some(s3) = &failure.logs.s3 {
        let _ = write!(logs, " and under `{s3}`");
    }
    Error::failed(message, Some(logs))
}

/// A token unique to this call: the same request retried by the SDK carries it, a new
/// `gold build` gets a new one.
fn client_token(subject: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let digest = Sha256::digest(format!("{subject}\n{nanos}\n{}", std::process::id()));
    format!("gold-{}", &hex::encode(digest)[..32])
}

/// The phases a build passes through on its way to `AVAILABLE`.
pub fn phases(tests_enabled: bool) -> Vec<Phase> {
    [
        Phase::Pending,
        Phase::Creating,
        Phase::Building,
        Phase::Testing,
        Phase::Distributing,
        Phase::Integrating,
        Phase::Available,
    ]
    .into_iter()
    .filter(|phase| tests_enabled || *phase != Phase::Testing)
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_image_build_version_arn_parses() {
        let arn = ImageArn::parse(
            "arn:aws:imagebuilder:ap-northeast-1:111122223333:image/sample/1.0.0/5",
        )
        .expect("valid");
        assert_eq!(arn.region, "ap-northeast-1");
        assert_eq!(arn.account, "111122223333");
    }

    #[test]
    fn other_arns_are_usage_errors() {
        for text in [
            "sample",
            "arn:aws:imagebuilder:ap-northeast-1:111122223333:image/sample/1.0.0",
            "arn:aws:imagebuilder:ap-northeast-1:111122223333:image-pipeline/sample",
            "arn:aws:imagebuilder:ap-northeast-1:1111:image/sample/1.0.0/5",
            "arn:aws:imagebuilder:ap-northeast-1:111122223333:image/sample/1.x.0/5",
            "arn:aws:ec2:ap-northeast-1:111122223333:image/sample/1.0.0/5",
        ] {
            let err = ImageArn::parse(text).expect_err(text);
            assert_eq!(err.exit_code(), 2, "{text}");
        }
    }

    #[test]
    fn client_tokens_fit_the_api_and_differ_per_call() {
        let a = client_token("x");
        let b = client_token("x");
        assert!(a.len() <= 64);
        assert_ne!(a, b);
    }

    #[test]
    fn testing_is_a_phase_only_when_tests_run() {
        assert!(phases(true).contains(&Phase::Testing));
        assert!(!phases(false).contains(&Phase::Testing));
        assert_eq!(phases(false).last(), Some(&Phase::Available));
    }

    #[test]
    fn a_failure_names_step_reason_and_logs() {
        let err = failed(&Failure {
            image: "arn:aws:imagebuilder:r:111122223333:image/s/1.0.0/1".to_owned(),
            phase: Phase::Failed,
            reason: Some("exited with status code 1".to_owned()),
            step: Some("ApplyBuildComponents".to_owned()),
            component_step: Some("validate/jq_install".to_owned()),
            logs: LogLocation {
                s3: Some("s3://logs/gold/".to_owned()),
                log_group: "/aws/imagebuilder/s".to_owned(),
            },
        });
        let text = err.to_string();
        assert!(text.contains("`ApplyBuildComponents`"), "{text}");
        assert!(text.contains("`validate/jq_install`"), "{text}");
        assert!(text.contains("exited with status code 1"), "{text}");
        let hint = err.hint().expect("a hint");
        assert!(hint.contains("/aws/imagebuilder/s") && hint.contains("s3://logs/gold/"));
        assert_eq!(err.exit_code(), 1);
    }
}
