//! `gold plan`: what `gold up` would change in the producer account and what `gold rollout`
//! would change for consumers, read from live state; nothing is changed. A target that cannot
//! be planned is an error: the plan still shows everything else. An account found in the
//! organization that gold skips (it cannot reach it yet, within `skip_unreachable_accounts`)
//! is listed and warned about, not an error, so `--detailed-exitcode` keeps meaning "changes";
//! `--only producer` reads no consumer account at all.

use std::process::ExitCode;

use crate::Error;
use crate::cli::{GlobalArgs, PlanArgs, PlanSide};
use crate::consumer::{self, DEFAULT_PARALLELISM, ImageChoice, TargetFilter};
use crate::manifest::{self, Loaded};
use crate::plan::Plan;
use crate::producer;
use crate::ui::Printer;

use super::{block_on, manifest_path};

/// Runs `gold plan`.
pub fn run(args: &PlanArgs, global: &GlobalArgs, printer: &Printer) -> Result<ExitCode, Error> {
    let loaded = manifest::load(&manifest_path(global)?)?;
    let plan = block_on(whole_plan(&loaded, args.only, global, printer))??;
    printer.conclude(&plan);
    super::rollout::warn_about_plan(printer, &plan);
    cannot_plan(&plan)?;
    super::rollout::strict(args.strict, &plan.unmatched)?;
    Ok(if args.detailed_exitcode && !plan.is_empty() {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

/// The producer's plan and every consumer target's (or one side's, `only`).
async fn whole_plan(
    loaded: &Loaded,
    only: Option<PlanSide>,
    global: &GlobalArgs,
    printer: &Printer,
) -> Result<Plan, Error> {
    let sessions = super::sessions(global, printer, crate::aws::DEFAULT_CALLS_PER_ACCOUNT).await;
    let mut plan = Plan::default();
    if only != Some(PlanSide::Consumers) {
        let session = producer::session(loaded, &sessions).await?;
        plan = producer::plan(loaded, &session).await?.plan();
    }
    if only != Some(PlanSide::Producer) && !loaded.manifest.consumers.is_empty() {
        let choices = crate::channels::follow(loaded, &sessions, ImageChoice::Newest).await?;
        let planned = consumer::rollout::survey(
            &loaded.manifest,
            &sessions,
            &TargetFilter::default(),
            &choices,
            DEFAULT_PARALLELISM,
        )
        .await?;
        plan.extend(planned.plan());
    }
    Ok(plan)
}

/// The error a plan with targets that cannot be planned ends with; the plan lists them.
pub(super) fn cannot_plan(plan: &Plan) -> Result<(), Error> {
    match plan.problems.len() {
        0 => Ok(()),
        n => Err(Error::failed(
            format!(
                "{n} consumer target{} cannot be planned (listed under `Cannot plan`)",
                if n == 1 { "" } else { "s" }
            ),
            Some("fix each cause, then plan again".to_owned()),
        )),
    }
}
