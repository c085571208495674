//! `gold channels`: every release channel with the build it holds, since when, who put it
//! there, the findings accepted with it, its history, and the next candidate with its gates.
//! Reads only.

use std::process::ExitCode;

use serde::Serialize;

use crate::Error;
use crate::channels::{self, Release};
use crate::cli::GlobalArgs;
use crate::manifest;
use crate::plan::channels::ChannelState;
use crate::producer;
use crate::ui::report::{Report, to_json};
use crate::ui::{Printer, render};

use super::{block_on, manifest_path};

/// What `gold channels` prints.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Channels {
    /// Each channel, in the manifest's order.
    pub channels: Vec<ChannelState>,
}

impl Report for Channels {
    fn human(&self, verbose: bool) -> String {
        render::channels(&self.channels, verbose)
    }

    fn json(&self) -> serde_json::Value {
        to_json(self)
    }
}

/// Runs `gold channels`.
pub fn run(global: &GlobalArgs, printer: &Printer) -> Result<ExitCode, Error> {
    let loaded = manifest::load(&manifest_path(global)?)?;
    let manifest = &loaded.manifest;
    if manifest.channels.is_empty() {
        return Err(Error::Usage {
            message: "the manifest has no `[[channels]]`: every consumer follows the newest build"
                .to_owned(),
            hint: Some("add `[[channels]]` (docs/manifest.md, \"channels\")".to_owned()),
        });
    }
    let work = async {
        let sessions =
            super::sessions(global, printer, crate::aws::DEFAULT_CALLS_PER_ACCOUNT).await;
        let session = producer::session(&loaded, &sessions).await?;
        let release = Release::read(manifest, &session).await?;
        let channels = channels::states(&release, &sessions, &session).await?;
        printer.conclude(&Channels { channels });
        Ok::<(), Error>(())
    };
    block_on(work)??;
    Ok(ExitCode::SUCCESS)
}
