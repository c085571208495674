//! Reads what each target looks like now and hands it to [`crate::plan::consumer`], which
//! decides the target's [`Step`].
//!
//! The producer's AMIs are read once per account and region (every template there shares
//! them); the current image's name comes from that list, and only an image the producer did
//! not make costs one more `DescribeImages`. Groups are read only when the manifest lists
//! some, and their last refresh only when the template itself does not move; a group not
//! refreshed since the template's default was made is refreshed only when some instance of it
//! does not run the image yet (`DescribeAutoScalingGroups` for its instances, `DescribeInstances`
//! for their AMIs), so a group listed for the first time on instances already replaced is left
//! alone.

use std::time::SystemTime;

use super::live::stale_groups;
pub use super::live::{Context, Live, current_image, groups_of, running_images};
use super::parameters;
use super::select::{self, ImageChoice};
use super::targets::{Object, Target};
use super::templates;
use crate::Error;
use crate::aws::Session;
use crate::aws::autoscaling::Group;
use crate::aws::images::Image;
use crate::aws::launch_templates::LiveTemplate;
use crate::plan::consumer::{Step, image_ref};

/// The rollout step of one target, given what it sees.
pub async fn rollout_step(
    context: &Context<'_>,
    target: &Target,
    live: Result<Live, Error>,
    choice: &ImageChoice,
    now: SystemTime,
) -> Result<Step, Error> {
    let live = live?;
    let manifest_template = match &target.object {
        Object::LaunchTemplate(template) => template,
        Object::Parameter(parameter) => {
            return parameters::rollout_step(context, target, parameter, choice, now).await;
        }
    };
    let creates = manifest_template.create.as_ref();
    if live.template.is_none() && creates.is_none() {
        return Err(missing_template());
    }
    context.admits(&live.session, &live.candidates).await?;
    let place = context.place(target);
    if let Some(reason) = select::nothing_built(&live.candidates, &place) {
        return Ok(Step::NothingBuilt {
            reason,
            creates: live.template.is_none(),
        });
    }
    let chosen = select::choose(&live.candidates, choice, &place, now)
        .map_err(|err| Error::failed(err.0, None))?
        .clone();
    context.audit(&live.session, &chosen);
    let Some(template) = live.template else {
        // A template gold creates has no groups using it yet; listed groups get refreshed
        // once they exist and a later rollout moves the template.
        return Ok(Step::Create {
            to: chosen,
            settings: creates.map(templates::settings).unwrap_or_default(),
        });
    };
    let resolved = parameters::resolved_parameter(template.default.image_id.as_deref().unwrap_or_default())
        .map_err(|reason| Error::failed(format!("launch template {}: {reason}", template.default.template_name), Some("resolve the parameter's latest version (`resolve:ssm:NAME`), or give the template an AMI id".to_owned())))?;
    if let Some(name) = resolved {
        return parameters::follow_step(
            &live.session,
            manifest_template,
            template,
            &name,
            &live.candidates,
            chosen,
        )
        .await;
    }
    let groups = groups_of(&live.session, manifest_template, &template).await?;
    if template.default.image_id.as_deref() != Some(chosen.id.as_str()) {
        let from = match &template.default.image_id {
            Some(id) => Some(current_image(&live.session, &live.candidates, id).await?),
            None => None,
        };
        if let Some(made) = super::interrupted_version(&template, &chosen) {
            return Ok(Step::Resume {
                template,
                from,
                to: made,
                image: image_ref(&chosen),
                groups,
            });
        }
        return Ok(Step::Move {
            template,
            from,
            to: chosen,
            groups,
        });
    }
    refresh_step(&live.session, template, groups, &chosen).await
}

/// A target whose template does not exist and that the manifest does not let gold create.
fn missing_template() -> Error {
    Error::failed(
        "the launch template does not exist",
        Some(
            "create it, fix its name or id, or add a `create` table to it in the manifest"
                .to_owned(),
        ),
    )
}

/// The step of a template that already launches `chosen`: its groups not refreshed since its
/// default version was made, and still running something else, get a refresh.
async fn refresh_step(
    session: &Session,
    template: LiveTemplate,
    groups: Vec<Group>,
    chosen: &Image,
) -> Result<Step, Error> {
    let stale = stale_groups(session, template.default.created, groups).await?;
    let stale = not_running(session, stale, &chosen.id).await?;
    if stale.is_empty() {
        Ok(Step::Unchanged)
    } else {
        Ok(Step::Refresh {
            template,
            image: image_ref(chosen),
            groups: stale,
        })
    }
}

/// The groups less those whose every instance runs `image` already (a group listed for the
/// first time, or refreshed another way): a refresh would replace them with the same image.
async fn not_running(
    session: &Session,
    groups: Vec<(Group, String)>,
    image: &str,
) -> Result<Vec<(Group, String)>, Error> {
    if groups.is_empty() {
        return Ok(groups);
    }
    let names: Vec<String> = groups.iter().map(|(group, _)| group.name.clone()).collect();
    let running = running_images(session, &names).await?;
    Ok(groups
        .into_iter()
        .filter(|(group, _)| {
            running
                .iter()
                .any(|(name, runs)| name == &group.name && runs != image)
        })
        .collect())
}
