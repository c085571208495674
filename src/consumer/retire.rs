//! `gold retire`: which targets run a retired build, and the move of each onto the build the
//! retirement names (the newest that is not retired, or `--to`). The moves are ordinary rollout
//! steps ([`survey::rollout_step`] with that build chosen), so [`super::rollout::apply`] carries
//! them out with the same waves, refreshes, preflight checks and safety rules, and parameter
//! targets and templates that resolve a parameter (`resolve:ssm:`) move like any other.
//!
//! A target runs a build when its default version launches one of the build's AMIs (directly or
//! through the parameter it resolves), when one of its listed groups launches `$Latest` and the
//! latest version does, or, for a parameter target, when the parameter holds one. Targets that
//! run something else are left alone (no refresh either): retiring a build moves only its users.

use std::collections::BTreeSet;
use std::time::SystemTime;

use super::select::{Choices, ImageChoice};
use super::survey::{self, Context, Live};
use super::targets::Object;
use super::{Planned, Target, TargetFilter, concurrently, discover, parameters};
use crate::Error;
use crate::aws::launch_templates;
use crate::aws::parameters as ssm;
use crate::aws::{Session, Sessions};
use crate::manifest::Manifest;
use crate::plan::consumer::Step;

/// What is retired and where targets go instead.
#[derive(Debug, Clone, Copy)]
pub struct Retiring<'a> {
    /// Every AMI id of the retired builds, in every region.
    pub amis: &'a BTreeSet<String>,
    /// The build to move to (its AMI name); `None` when there is none, and a target that runs a
    /// retired build cannot move.
    pub to: Option<&'a str>,
    /// With release channels and no `--to`: what each consumer follows once the channels went
    /// back (its channel's build), instead of `to`.
    pub follow: Option<&'a Choices>,
}

/// Every target of the manifest with its step: a move for those that run a retired build,
/// unchanged for the rest.
pub async fn survey(
    manifest: &Manifest,
    sessions: &Sessions,
    retiring: Retiring<'_>,
    parallelism: usize,
) -> Result<Vec<Planned>, Error> {
    let filter = TargetFilter::default();
    let found = Box::pin(discover::targets(manifest, sessions, &filter, parallelism)).await?;
    let context = Context::new(manifest, sessions);
    let context = &context;
    let now = SystemTime::now();
    let planned = concurrently(found.targets, parallelism, |target| async move {
        let step = match context.live(&target).await {
            Ok(live) => Box::pin(step(context, &target, live, retiring, now)).await,
            Err(err) => Err(err),
        };
        Planned { target, step }
    })
    .await;
    let planned = super::with_unsurveyed(planned, found.failed, found.skipped);
    Ok(planned)
}

async fn step(
    context: &Context<'_>,
    target: &Target,
    live: Live,
    retiring: Retiring<'_>,
    now: SystemTime,
) -> Result<Step, Error> {
    if !runs_retired(target, &live, retiring).await? {
        return Ok(Step::Unchanged);
    }
    let followed = match retiring.follow {
        Some(follow) => Some(
            follow
                .of(&target.consumer)
                .map_err(|reason| Error::failed(format!("no build to move to: {reason}"), None))?,
        ),
        None => None,
    };
    // "The newest" must not pick a build being retired (it is not deprecated yet): that is
    // `to`, the newest that is not retired.
    let choice = match (followed, retiring.to) {
        (Some(choice), _) if !matches!(choice, ImageChoice::Newest) => choice.clone(),
        (_, Some(to)) => ImageChoice::Name(to.to_owned()),
        (_, None) => {
            return Err(Error::failed(
                "it runs a retired build and there is no build to move to",
                Some("build a new image first, or name one with `--to`".to_owned()),
            ));
        }
    };
    Box::pin(survey::rollout_step(
        context,
        target,
        Ok(live),
        &choice,
        now,
    ))
    .await
}

/// Whether the target launches one of the retired AMIs now.
async fn runs_retired(target: &Target, live: &Live, retiring: Retiring<'_>) -> Result<bool, Error> {
    let retired = |image: Option<&str>| image.is_some_and(|id| retiring.amis.contains(id));
    let template = match &target.object {
        Object::Parameter(parameter) => {
            return Ok(retired(
                value(&live.session, &parameter.name).await?.as_deref(),
            ));
        }
        Object::LaunchTemplate(manifest_template) => {
            let Some(template) = &live.template else {
                return Ok(false);
            };
            (manifest_template, template)
        }
    };
    let (manifest_template, template) = template;
    let default = template.default.image_id.as_deref().unwrap_or_default();
    let resolved = parameters::resolved_parameter(default).ok().flatten();
    if let Some(name) = resolved {
        return Ok(retired(value(&live.session, &name).await?.as_deref()));
    }
    if retired(Some(default)) {
        return Ok(true);
    }
    if template.latest == template.default.number {
        return Ok(false);
    }
    let groups = survey::groups_of(&live.session, manifest_template, template).await?;
    let latest_launched = groups.iter().any(|group| {
        group
            .template
            .as_ref()
            .is_some_and(|spec| spec.version == "$Latest")
    });
    Ok(latest_launched
        && launch_templates::versions(&live.session, &template.default.template_id)
            .await?
            .iter()
            .any(|version| {
                version.number == template.latest && retired(version.image_id.as_deref())
            }))
}

/// A parameter's value, when it exists.
async fn value(session: &Session, name: &str) -> Result<Option<String>, Error> {
    Ok(ssm::get(session, name)
        .await?
        .map(|parameter| parameter.value))
}
