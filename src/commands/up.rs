//! `gold up`: provision the producer side and the consumer launch templates marked `create`,
//! after showing the plan and getting a confirmation.

use std::process::ExitCode;
use std::time::Instant;

use crate::Error;
use crate::aws::Sessions;
use crate::cli::{GlobalArgs, OutputFormat};
use crate::consumer::{self, TargetFilter};
use crate::manifest::{self, Loaded};
use crate::plan::{Action, Plan, ResourceKind, render_human, render_json};
use crate::producer;
use crate::ui::rollout_progress::RolloutProgress;
use crate::ui::{self, ApplyProgress, Printer};

use super::{block_on, manifest_path};

/// Runs `gold up`.
pub fn run(global: &GlobalArgs, printer: &Printer) -> Result<ExitCode, Error> {
    let loaded = manifest::load(&manifest_path(global)?)?;
    block_on(up(&loaded, global.yes, printer))??;
    Ok(ExitCode::SUCCESS)
}

/// The consumer part of `up`'s plan: templates gold would create (moving images is `rollout`'s job).
async fn template_creations(loaded: &Loaded, sessions: &Sessions, printer: &Printer) -> Plan {
    if !loaded
        .manifest
        .consumers
        .iter()
        .any(|c| c.launch_templates.iter().any(|t| t.create.is_some()))
    {
        return Plan::default();
    }
    match consumer::plan(loaded, sessions, &TargetFilter::default()).await {
        Ok(plan) => Plan {
            changes: plan
                .changes
                .into_iter()
                .filter(|c| {
                    c.resource.kind == ResourceKind::LaunchTemplate
                        && matches!(c.action, Action::MoveImage { from: None, .. })
                })
                .collect(),
            unchanged: 0,
        },
        Err(err) => {
            printer.warn(&format!("consumer launch templates are left alone: {err}"));
            Plan::default()
        }
    }
}

async fn up(loaded: &Loaded, yes: bool, printer: &Printer) -> Result<(), Error> {
    let sessions = Sessions::load().await;
    let session = producer::session(loaded, &sessions).await?;
    let survey = producer::survey(loaded, &session).await?;
    let mut plan = survey.plan();
    let templates = template_creations(loaded, &sessions, printer).await;
    let create_templates = !templates.is_empty();
    plan.extend(templates);
    if plan.is_empty() {
        match printer.format() {
            OutputFormat::Human => printer.result(render_human(&plan).trim_end()),
            OutputFormat::Json => {
                printer.json(&serde_json::json!({ "plan": render_json(&plan), "applied": false }));
            }
        }
        return Ok(());
    }
    match printer.format() {
        OutputFormat::Human => printer.result(render_human(&plan).trim_end()),
        OutputFormat::Json => printer.json(&serde_json::json!({ "plan": render_json(&plan) })),
    }
    let question = format!("Apply these changes in account {}?", session.account());
    if !ui::confirm(yes, &question)? {
        return Err(Error::Failed {
            message: "not confirmed; nothing was changed".to_owned(),
            hint: None,
        });
    }
    let started = Instant::now();
    let progress = ApplyProgress::new(printer);
    let applied = Box::pin(producer::up::apply(&session, &survey, &progress)).await?;
    let mut failed_templates = 0;
    if create_templates {
        let reporter = RolloutProgress::new(printer);
        let summary = consumer::create_templates(
            &loaded.manifest,
            &sessions,
            &TargetFilter::default(),
            &reporter,
        )
        .await?;
        reporter.finish();
        failed_templates = summary.failed();
    }
    let seconds = started.elapsed().as_secs_f64();
    match printer.format() {
        OutputFormat::Human => printer.result(&format!(
            "Applied: {} producer resources changed in {seconds:.1}s; pipeline {}.",
            applied.changed.len(),
            applied.pipeline_arn
        )),
        OutputFormat::Json => printer.json(&serde_json::json!({
            "applied": true,
            "pipeline_arn": applied.pipeline_arn,
            "recipe_arn": applied.recipe_arn,
            "changed": applied.changed.iter().map(|(r, what)| serde_json::json!({"resource": r, "done": what})).collect::<Vec<_>>(),
            "seconds": seconds,
        })),
    }
    if failed_templates > 0 {
        return Err(Error::Failed {
            message: format!("{failed_templates} consumer launch template(s) could not be created"),
            hint: Some("fix the cause shown above, then run `gold up` again".to_owned()),
        });
    }
    Ok(())
}
