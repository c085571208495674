//! `gold rollback`: each target's default version goes back to the one it had before gold's
//! last rollout, read from that rollout's version description (`… after v3`). [`survey`]
//! decides the steps; the plan, confirmation, waves and instance refreshes are a rollout's
//! ([`super::rollout::plan`], [`super::rollout::apply`]).
//!
//! "gold's last rollout" is the highest-numbered version whose description gold wrote. When
//! the default is already the version it replaced, the target is unchanged, so a second
//! rollback does nothing; when the default is neither of the two (someone moved it by hand),
//! gold refuses to guess.
//!
//! An SSM parameter (and a template that resolves one) goes back to the value before gold's
//! last rollout, read from the parameter's history ([`super::parameters::way_back`]).

use super::parameters;
use super::survey::{self, Context};
use super::targets::Object;
use super::{
    Planned, Surveyed, Target, TargetFilter, concurrently, discover, grants, previous_version,
};
use crate::Error;
use crate::aws::Sessions;
use crate::aws::launch_templates;
use crate::manifest::Manifest;
use crate::plan::consumer::Step;

/// Reads every target and decides its way back.
pub async fn survey(
    manifest: &Manifest,
    sessions: &Sessions,
    filter: &TargetFilter,
    parallelism: usize,
) -> Result<Surveyed, Error> {
    let found = Box::pin(discover::targets(manifest, sessions, filter, parallelism)).await?;
    let context = Context::new(manifest, sessions);
    let context = &context;
    let mut planned = concurrently(found.targets, parallelism, |target| async move {
        let step = restore_step(context, &target).await;
        Planned { target, step }
    })
    .await;
    planned.extend(found.failed.into_iter().map(|(target, err)| Planned {
        target,
        step: Err(err),
    }));
    planned.extend(found.skipped.into_iter().map(|(target, reason)| Planned {
        target,
        step: Ok(Step::Skipped { reason }),
    }));
    parameters::one_writer(&mut planned);
    let grants = grants::survey(manifest, sessions, &mut planned, parallelism).await;
    Ok(Surveyed {
        planned,
        discovered: found.discovered,
        unmatched: found.unmatched,
        grants,
    })
}

async fn restore_step(context: &Context<'_>, target: &Target) -> Result<Step, Error> {
    let session = context.session(target).await?;
    let manifest_template = match &target.object {
        Object::LaunchTemplate(template) => template,
        Object::Parameter(parameter) => {
            return parameters::restore_step(context, &session, &parameter.name, None).await;
        }
    };
    let key = Target::key(manifest_template);
    let Some(template) = launch_templates::live_template(&session, key).await? else {
        return Err(Error::failed("the launch template does not exist", None));
    };
    // A template that resolves a parameter has no gold versions: its parameter moves back.
    let image_id = template.default.image_id.as_deref().unwrap_or_default();
    if let Ok(Some(name)) = parameters::resolved_parameter(image_id) {
        return parameters::restore_step(
            context,
            &session,
            &name,
            Some((manifest_template, template)),
        )
        .await;
    }
    let versions = launch_templates::versions(&session, &template.default.template_id).await?;
    let last_rollout = versions.iter().rev().find_map(|version| {
        let previous = previous_version(version.description.as_deref()?)?;
        Some((version, previous))
    });
    let Some((rolled_out, previous)) = last_rollout else {
        return Ok(Step::Unchanged);
    };
    let current = template.default.number;
    if current == previous {
        return Ok(Step::Unchanged);
    }
    if current != rolled_out.number {
        return Err(Error::failed(
            format!(
                "the default is version {current}, neither gold's last rollout (version {}) nor the version it replaced (version {previous})",
                rolled_out.number
            ),
            Some(format!(
                "someone changed the default since; set it by hand (`aws ec2 modify-launch-template --launch-template-id {} --default-version {previous}`) or run `gold rollout`",
                template.default.template_id
            )),
        ));
    }
    let Some(to) = versions
        .iter()
        .find(|version| version.number == previous)
        .cloned()
    else {
        return Err(Error::failed(
            format!(
                "version {previous}, the version gold's last rollout replaced, no longer exists"
            ),
            None,
        ));
    };
    let groups = survey::groups_of(&session, manifest_template, &template).await?;
    // The producer's AMIs only name the images; without them each image is looked up by id.
    let candidates = context.candidates(&session).await.unwrap_or_default();
    let from = match &template.default.image_id {
        Some(id) => Some(survey::current_image(&session, &candidates, id).await?),
        None => None,
    };
    let image = match &to.image_id {
        Some(id) => Some(survey::current_image(&session, &candidates, id).await?),
        None => None,
    };
    Ok(Step::Restore {
        template,
        from,
        to,
        image,
        groups,
    })
}
