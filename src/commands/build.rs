//! `gold build`: start the manifest's pipeline (or pick up a running build with `--attach`),
//! and with `--wait` follow it to the AMIs, then with `--rollout` roll them out to every
//! consumer target; `--cancel` stops a build instead.

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;

use serde::Serialize;

use crate::Error;
use crate::aws::{Access, Session, Sessions};
use crate::cli::{BuildArgs, GlobalArgs};
use crate::consumer::{Choices, DEFAULT_PARALLELISM, TargetFilter};
use crate::manifest::{self, Manifest};
use crate::ops;
use crate::ops::build::{Finished, Shared};
use crate::producer::build::{self, BuildEvent, BuildReporter, ImageArn, PollPolicy, WatchOptions};
use crate::ui::report::{Report, StreamEvent, to_json};
use crate::ui::{BuildProgress, Printer};

use super::rollout::{Moving, Options, interruptible, survey_and_execute};
use super::{block_on, manifest_path};

/// A build gold stopped: the `cancelled` event.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Cancelled {
    /// The image build version ARN.
    pub image: String,
}

impl Report for Cancelled {
    fn human(&self, _verbose: bool) -> String {
        format!("cancelled image build `{}`", self.image)
    }

    fn json(&self) -> serde_json::Value {
        let mut value = to_json(self);
        if let Some(object) = value.as_object_mut() {
            object.insert("event".to_owned(), StreamEvent::Cancelled.name().into());
        }
        value
    }
}

/// Runs `gold build` with `args`.
pub fn run(args: &BuildArgs, global: &GlobalArgs, printer: &Printer) -> Result<ExitCode, Error> {
    check_flags(args, global)?;
    let path = manifest_path(global)?;
    let loaded = manifest::load(&path)?;
    let manifest = &loaded.manifest;
    let attach = args.attach.as_deref().map(ImageArn::parse).transpose()?;
    let cancel = args.cancel.as_deref().map(ImageArn::parse).transpose()?;
    for arn in attach.iter().chain(&cancel) {
        belongs_to_producer(arn, manifest, &path)?;
    }
    let options = WatchOptions {
        timeout: args
            .timeout
            .or_else(|| manifest.pipeline.build_timeout_duration())
            .unwrap_or(build::DEFAULT_TIMEOUT),
        poll: {
            let default = PollPolicy::default();
            PollPolicy::new(
                args.poll_min.unwrap_or(default.floor()),
                args.poll_max.unwrap_or(default.cap()),
            )
        },
    };
    block_on(async {
        let sessions =
            super::sessions(global, printer, crate::aws::DEFAULT_CALLS_PER_ACCOUNT).await;
        let producer = &manifest.producer;
        let access =
            Access::from_manifest(producer.role_arn.as_deref(), producer.profile.as_deref());
        let session = sessions
            .session(&producer.account, &access, &producer.region)
            .await?;
        if let Some(arn) = cancel {
            return cancel_build(&session.in_region(&arn.region), &arn.arn, printer).await;
        }
        let mut progress = BuildProgress::new(printer);
        let (session, image) = if let Some(arn) = attach {
            (session.in_region(&arn.region), arn.arn)
        } else {
            let image = build::start(&session, manifest).await?;
            progress.report(&BuildEvent::Started { image: &image });
            (session, image)
        };
        if !args.wait && args.attach.is_none() {
            printer.result(&image);
            printer.info(&format!(
                "follow it with `gold build --attach {image}`, or start builds with `gold build --wait`"
            ));
            return Ok(ExitCode::SUCCESS);
        }
        let amis = build::wait(&session, &image, options, &mut progress).await?;
        let finished = ops::build::finish(manifest, &session, &image).await?;
        say_finished(&finished, &image, printer);
        if args.rollout {
            let choices = ops::build::rollout_choices(manifest, &session, &image, &amis).await?;
            roll_out(manifest, &sessions, choices, global.yes, printer).await?;
        }
        Ok(ExitCode::SUCCESS)
    })?
}

/// What followed the build: its RAM share (`[sharing]`), and protection left as it was.
fn say_finished(finished: &Finished, image: &str, printer: &Printer) {
    match &finished.shared {
        Shared::NotShared => {}
        Shared::Added(share) => printer.info(&format!(
            "shared `{image}` through the AWS RAM resource share `{share}`"
        )),
        Shared::NoShareYet(share) => printer.warn(&format!(
            "`{image}` is not shared: the AWS RAM resource share `{share}` does not exist yet; `gold up` creates it with this build"
        )),
    }
    if let Some(err) = &finished.unprotected {
        printer.warn(&format!(
            "the channels' builds keep their protection as it was: {err}"
        ));
    }
}

/// Flags that only make sense together, checked before anything starts.
fn check_flags(args: &BuildArgs, global: &GlobalArgs) -> Result<(), Error> {
    let watches = args.wait || args.attach.is_some();
    if args.timeout.is_some() && !watches {
        return Err(Error::Usage {
            message: "`--timeout` limits watching, so it needs `--wait` or `--attach`".to_owned(),
            hint: Some("run `gold build --wait --timeout 90m`".to_owned()),
        });
    }
    if args.rollout && !watches {
        return Err(Error::Usage {
            message: "`--rollout` rolls out the finished build, so it needs `--wait` or `--attach`"
                .to_owned(),
            hint: Some("run `gold build --wait --rollout`".to_owned()),
        });
    }
    if args.rollout && !global.yes && !std::io::stdin().is_terminal() {
        // Better to refuse now than after a half-hour build, when the rollout would ask.
        return Err(Error::Usage {
            message: "refusing to start a build whose rollout could not be confirmed: stdin is not a terminal".to_owned(),
            hint: Some("add `--yes` to roll out without asking".to_owned()),
        });
    }
    Ok(())
}

/// `--rollout`: the AMIs named `name` (this build's, in every region) to every target (with
/// channels, to the first channel's targets; the others follow their channel).
async fn roll_out(
    manifest: &Manifest,
    sessions: &Sessions,
    choices: Choices,
    yes: bool,
    printer: &Printer,
) -> Result<(), Error> {
    let options = Options {
        parallelism: DEFAULT_PARALLELISM,
        dry_run: false,
        yes,
        strict: false,
    };
    interruptible(
        |interrupt| async move {
            let filter = TargetFilter::default();
            let moving = Moving::To(&choices);
            survey_and_execute(
                manifest,
                sessions,
                &filter,
                moving,
                options,
                (printer, &interrupt),
            )
            .await
        },
        "gold rollout",
        printer,
    )
    .await
}

async fn cancel_build(
    session: &Session,
    image: &str,
    printer: &Printer,
) -> Result<ExitCode, Error> {
    build::cancel(session, image).await?;
    printer.conclude(&Cancelled {
        image: image.to_owned(),
    });
    Ok(ExitCode::SUCCESS)
}

/// Builds of other accounts are out of reach of the producer's credentials; say so before calling AWS.
fn belongs_to_producer(arn: &ImageArn, manifest: &Manifest, path: &Path) -> Result<(), Error> {
    if arn.account == manifest.producer.account {
        return Ok(());
    }
    Err(Error::Usage {
        message: format!(
            "`{}` is a build in account {}, but the producer account of `{}` is {}",
            arn.arn,
            arn.account,
            path.display(),
            manifest.producer.account
        ),
        hint: Some("pass the manifest of that account's pipeline with `-f PATH`".to_owned()),
    })
}
