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
//!
//! The image a target goes back to must still launch: a disabled AMI cannot be launched and
//! is hidden from every account but its owner, a deregistered one is gone (EC2 User Guide,
//! "Disable an AMI", "Deregister an AMI"); either fails the target. A deprecated AMI still
//! launches, but it is a retired build: going back to it needs `--force`.

use std::time::SystemTime;

use super::parameters;
use super::survey::{self, Context};
use super::targets::Object;
use super::{Planned, Surveyed, Target, TargetFilter, concurrently, discover, previous_version};
use crate::Error;
use crate::aws::Sessions;
use crate::aws::images;
use crate::aws::launch_templates;
use crate::aws::lifecycle::is_deprecated;
use crate::manifest::Manifest;
use crate::plan::consumer::Step;

/// Reads every target and decides its way back. A way back to an image the target can no
/// longer launch (disabled, deregistered) fails that target; to a retired (deprecated) one too,
/// unless `force`.
pub async fn survey(
    manifest: &Manifest,
    sessions: &Sessions,
    filter: &TargetFilter,
    parallelism: usize,
    force: bool,
) -> Result<Surveyed, Error> {
    let mut found = Box::pin(discover::targets(manifest, sessions, filter, parallelism)).await?;
    let context = Context::new(manifest, sessions);
    let context = &context;
    let targets = std::mem::take(&mut found.targets);
    let planned = concurrently(targets, parallelism, |target| async move {
        let step = match restore_step(context, &target).await {
            Ok(step) => usable(context, &target, step, force).await,
            Err(err) => Err(err),
        };
        Planned { target, step }
    })
    .await;
    Ok(Surveyed::gather(context, planned, found, parallelism).await)
}

/// The step, when the image it goes back to can still be launched (and, without `force`, is
/// not retired).
async fn usable(
    context: &Context<'_>,
    target: &Target,
    step: Step,
    force: bool,
) -> Result<Step, Error> {
    let (what, image) = match &step {
        Step::Restore { to, .. } => (format!("version {}", to.number), to.image_id.clone()),
        Step::RestoreParameter { to, .. } => (
            format!("the value of version {}", to.version),
            Some(to.value.clone()),
        ),
        _ => return Ok(step),
    };
    let Some(id) = image else {
        return Ok(step);
    };
    let session = context.session(target).await?;
    let seen = images::image_by_id(&session, &id).await?;
    if seen.is_none() {
        // Hidden from this account: Allowed AMIs that refuse the producer say so by name.
        context.admits(&session, &[]).await?;
    }
    let refusal = match seen {
        None => Some(format!(
            "{what} launches {id}, which is deregistered, disabled or no longer shared with this account: the template could not launch it"
        )),
        Some(image) if image.state != "available" => Some(format!(
            "{what} launches {id} ({}), which is {}: the template could not launch it",
            image.name, image.state
        )),
        Some(image)
            if !force
                && image
                    .deprecated_at
                    .is_some_and(|at| is_deprecated(at, SystemTime::now())) =>
        {
            return Err(Error::failed(
                format!(
                    "{what} launches {id} ({}), which is retired (deprecated): rolling back would put the target on a build taken out of the fleet",
                    image.name
                ),
                Some("roll out a newer build instead (`gold rollout`), or add `--force` to go back anyway".to_owned()),
            ));
        }
        Some(_) => None,
    };
    match refusal {
        Some(message) => Err(Error::failed(
            message,
            Some("roll out a build that is available instead (`gold rollout`)".to_owned()),
        )),
        None => Ok(step),
    }
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
