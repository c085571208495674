//! `gold build`: start the manifest's pipeline (or pick up a running build with `--attach`),
//! and with `--wait` follow it to the AMIs, then with `--rollout` roll them out to every
//! consumer target; `--cancel` stops a build instead.

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;

use serde_json::json;

use crate::Error;
use crate::aws::{Access, Session, Sessions};
use crate::cli::{BuildArgs, GlobalArgs};
use crate::consumer::rollout::{self, Request};
use crate::consumer::{ImageChoice, RunOptions, TargetFilter};
use crate::manifest::{self, Manifest};
use crate::producer::build::{self, BuildEvent, BuildReporter, ImageArn, PollPolicy, WatchOptions};
use crate::ui::{BuildProgress, Printer};

use super::rollout::interruptible;
use super::{block_on, manifest_path};

/// Runs `gold build` with `args`.
pub fn run(args: &BuildArgs, global: &GlobalArgs, printer: &Printer) -> Result<ExitCode, Error> {
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
        let sessions = Sessions::load().await;
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
        if args.rollout {
            // Every regional copy of a build carries the same name: it picks exactly this build.
            let name = amis
                .first()
                .map(|ami| ami.name.clone())
                .ok_or_else(|| Error::Failed {
                    message: format!(
                        "image build `{image}` is available but lists no AMI to roll out"
                    ),
                    hint: None,
                })?;
            let request = Request {
                filter: TargetFilter::default(),
                choice: ImageChoice::Name(name),
                options: RunOptions {
                    yes: global.yes,
                    ..RunOptions::default()
                },
            };
            interruptible(
                rollout::run(manifest, &sessions, &request, printer),
                "gold rollout",
            )
            .await?;
        }
        Ok(ExitCode::SUCCESS)
    })?
}

async fn cancel_build(
    session: &Session,
    image: &str,
    printer: &Printer,
) -> Result<ExitCode, Error> {
    build::cancel(session, image).await?;
    printer.result(&format!("cancelled image build `{image}`"));
    printer.json(&json!({"event": "cancelled", "image": image}));
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
