//! `gold status`: one row per consumer target (see [`crate::consumer::status`]); a target that
//! cannot be read is listed apart and makes the command fail. A manifest that shares its image
//! or builds on a shared one also shows the producer's share and layers
//! ([`crate::producer::status`]).

use std::process::ExitCode;

use crate::Error;
use crate::channels;
use crate::cli::{GlobalArgs, StatusArgs};
use crate::consumer::select::ImageChoice;
use crate::consumer::status::Status;
use crate::consumer::{DEFAULT_PARALLELISM, status};
use crate::manifest;
use crate::producer::{self, status::ProducerStatus};
use crate::ui::Printer;
use crate::ui::render;
use crate::ui::report::{Report, to_json};

use super::rollout::filter;
use super::{block_on, manifest_path};

/// What `gold status` prints: the consumer targets and, for a manifest that shares its image
/// or builds on a shared one, the producer's share and layers.
#[derive(Debug, serde::Serialize, schemars::JsonSchema)]
pub struct StatusReport<'a> {
    /// The consumer targets.
    #[serde(flatten)]
    pub status: &'a Status,
    /// The producer's AWS RAM share and layers, for manifests with `[sharing]` or a shared parent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub producer: Option<ProducerStatus>,
}

impl Report for StatusReport<'_> {
    fn human(&self, verbose: bool) -> String {
        let producer = self
            .producer
            .as_ref()
            .map(render::layers)
            .unwrap_or_default();
        format!("{producer}{}", self.status.human(verbose))
    }

    fn json(&self) -> serde_json::Value {
        to_json(self)
    }
}

/// Runs `gold status` with `args`.
pub fn run(args: &StatusArgs, global: &GlobalArgs, printer: &Printer) -> Result<ExitCode, Error> {
    let loaded = manifest::load(&manifest_path(global)?)?;
    let filter = filter(&args.targets);
    let (status, producer) = block_on(async {
        let sessions =
            super::sessions(global, printer, crate::aws::DEFAULT_CALLS_PER_ACCOUNT).await;
        let producer = if crate::plan::producer::has_layers(&loaded.manifest) {
            let session = producer::session(&loaded, &sessions).await?;
            Some(producer::status::status(&session, &loaded.manifest).await?)
        } else {
            None
        };
        // A manifest that only builds on a shared image may have no consumers: its status is
        // the producer's layers alone.
        let status = if producer.is_some() && loaded.manifest.consumers.is_empty() {
            Status {
                targets: Vec::new(),
                discovered: Vec::new(),
                unmatched: Vec::new(),
                grants: Vec::new(),
            }
        } else {
            // With channels, each consumer is compared with its channel's build.
            let choices = channels::follow(&loaded, &sessions, ImageChoice::Newest).await?;
            status::status(
                &loaded.manifest,
                &sessions,
                &filter,
                &choices,
                DEFAULT_PARALLELISM,
            )
            .await?
        };
        Ok::<_, Error>((status, producer))
    })??;
    printer.conclude(&StatusReport {
        status: &status,
        producer,
    });
    super::rollout::warn_about(printer, &status.discovered, &status.unmatched);
    super::rollout::strict(args.targets.strict, &status.unmatched)?;
    match status.errors().count() {
        0 => Ok(ExitCode::SUCCESS),
        n => Err(Error::failed(
            format!(
                "{n} of {} target(s) could not be read (listed under `Cannot read`)",
                status.targets.len()
            ),
            Some(
                "fix each cause (access, a missing template), then run `gold status` again"
                    .to_owned(),
            ),
        )),
    }
}
