//! `gold rollout`: move every consumer target to the AMI the manifest trusts (see
//! [`crate::consumer::rollout`]).

use std::process::ExitCode;

use crate::Error;
use crate::aws::Sessions;
use crate::cli::{GlobalArgs, RolloutArgs, TargetArgs};
use crate::consumer::rollout::{self, Request};
use crate::consumer::{ImageChoice, RunOptions, TargetFilter};
use crate::manifest;
use crate::ui::Printer;

use super::{block_on, manifest_path};

/// Runs `gold rollout` with `args`.
pub fn run(args: &RolloutArgs, global: &GlobalArgs, printer: &Printer) -> Result<ExitCode, Error> {
    let choice = match (&args.image, &args.ami) {
        (Some(image), _) => ImageChoice::from_image_arg(image).ok_or_else(|| Error::Usage {
            message: format!("`--image {image}`: expected a build number or an Image Builder build version ARN"),
            hint: Some("e.g. `--image 5` or `--image arn:aws:imagebuilder:ap-northeast-1:111122223333:image/sample/1.0.0/5`".to_owned()),
        })?,
        (None, Some(ami)) if ami.starts_with("ami-") => ImageChoice::Ami(ami.clone()),
        (None, Some(ami)) => {
            return Err(Error::Usage {
                message: format!("`--ami {ami}`: expected an AMI id (`ami-…`)"),
                hint: None,
            });
        }
        (None, None) => ImageChoice::Newest,
    };
    let loaded = manifest::load(&manifest_path(global)?)?;
    let request = Request {
        filter: filter(&args.targets),
        choice,
        options: RunOptions {
            parallelism: usize::from(args.parallelism),
            dry_run: args.dry_run,
            yes: global.yes,
        },
    };
    block_on(interruptible(
        async {
            let sessions = Sessions::load().await;
            rollout::run(&loaded.manifest, &sessions, &request, printer).await
        },
        "gold rollout",
    ))??;
    Ok(ExitCode::SUCCESS)
}

/// The flags' target filter.
pub(super) fn filter(args: &TargetArgs) -> TargetFilter {
    TargetFilter {
        consumers: args.consumers.clone(),
        regions: args.regions.clone(),
        waves: args.waves.clone(),
    }
}

/// Ends the command on Ctrl-C with a hint to run it again, which picks up where it stopped.
pub(super) async fn interruptible(
    work: impl std::future::Future<Output = Result<(), Error>>,
    command: &str,
) -> Result<(), Error> {
    tokio::select! {
        result = work => result,
        _ = tokio::signal::ctrl_c() => Err(Error::Interrupted {
            hint: Some(format!(
                "run `{command}` again: targets already moved are left as they are, the rest continue; instance refreshes already started keep running in AWS"
            )),
        }),
    }
}
