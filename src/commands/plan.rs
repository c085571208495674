//! `gold plan`: what `gold up` would change in the producer account and what `gold rollout`
//! would change for consumers, read from live state; nothing is changed. A target that cannot
//! be planned is an error: the plan still shows everything else. An account found in the
//! organization that gold skips (it cannot reach it yet, within `skip_unreachable_accounts`)
//! is listed and warned about, not an error, so `--detailed-exitcode` keeps meaning "changes";
//! `--only producer` reads no consumer account at all.

use std::process::ExitCode;

use crate::Error;
use crate::cli::{GlobalArgs, PlanArgs, PlanSide};
use crate::manifest;
use crate::ops;
use crate::ops::plan::Sides;
use crate::plan::Plan;
use crate::ui::Printer;

use super::{block_on, manifest_path};

/// Runs `gold plan`.
pub fn run(args: &PlanArgs, global: &GlobalArgs, printer: &Printer) -> Result<ExitCode, Error> {
    let loaded = manifest::load(&manifest_path(global)?)?;
    let sides = match args.only {
        None => Sides::Both,
        Some(PlanSide::Producer) => Sides::Producer,
        Some(PlanSide::Consumers) => Sides::Consumers,
    };
    let plan = block_on(async {
        let sessions =
            super::sessions(global, printer, crate::aws::DEFAULT_CALLS_PER_ACCOUNT).await;
        ops::plan::plan(&loaded, &sessions, sides).await
    })??;
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
