//! `gold plan`: what `gold up` would change in the producer account and what `gold rollout`
//! would change for consumers, read from live state; nothing is changed.

use std::process::ExitCode;

use crate::Error;
use crate::aws::Sessions;
use crate::cli::{GlobalArgs, OutputFormat, PlanArgs};
use crate::consumer::{self, TargetFilter};
use crate::manifest;
use crate::plan::{render_human, render_json};
use crate::producer;
use crate::ui::Printer;

use super::{block_on, manifest_path};

/// Runs `gold plan`.
pub fn run(args: &PlanArgs, global: &GlobalArgs, printer: &Printer) -> Result<ExitCode, Error> {
    let loaded = manifest::load(&manifest_path(global)?)?;
    let plan = block_on(async {
        let sessions = Sessions::load().await;
        let session = producer::session(&loaded, &sessions).await?;
        let mut plan = producer::survey(&loaded, &session).await?.plan();
        plan.extend(consumer::plan(&loaded, &sessions, &TargetFilter::default()).await?);
        Ok::<_, Error>(plan)
    })??;
    match printer.format() {
        OutputFormat::Human => printer.result(render_human(&plan).trim_end()),
        OutputFormat::Json => printer.json(&render_json(&plan)),
    }
    Ok(if args.detailed_exitcode && !plan.is_empty() {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}
