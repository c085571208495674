//! `gold retire`: which targets run a retired build, and the move of each onto the newest build
//! that is not retired (or the one the user names). The moves are ordinary rollout steps, so
//! [`super::rollout::apply`] carries them out with the same waves, refreshes and safety rules.
//!
//! A target runs a build when its default version launches one of the build's AMIs, or when
//! one of its listed groups launches `$Latest` and the latest version does. Targets that run
//! something else are left alone (no refresh either): retiring a build moves only its users.

use std::collections::BTreeSet;
use std::time::SystemTime;

use super::select::{self, ImageChoice};
use super::survey::{self, Context, Live};
use super::{Planned, Target, TargetFilter, concurrently, discover};
use crate::Error;
use crate::aws::Sessions;
use crate::aws::launch_templates;
use crate::manifest::Manifest;
use crate::plan::consumer::{Step, image_ref};

/// What is retired and where targets go instead.
#[derive(Debug, Clone, Copy)]
pub struct Retiring<'a> {
    /// Every AMI id of the retired builds, in every region.
    pub amis: &'a BTreeSet<String>,
    /// Their names (one per build): never chosen as the destination.
    pub names: &'a BTreeSet<String>,
    /// The build to move to (its AMI name), or the newest that is not retired.
    pub to: Option<&'a str>,
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
    let mut planned = concurrently(found.targets, parallelism, |target| async move {
        let step = match context.live(&target).await {
            Ok(live) => step(context, &target, live, retiring, now).await,
            Err(err) => Err(err),
        };
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
    Ok(planned)
}

async fn step(
    context: &Context<'_>,
    target: &Target,
    live: Live,
    retiring: Retiring<'_>,
    now: SystemTime,
) -> Result<Step, Error> {
    // Parameters are moved by `gold rollout` once the retired build is no longer chosen.
    let (Some(template), Some(manifest_template)) = (live.template, target.template()) else {
        return Ok(Step::Unchanged);
    };
    let runs = |image: Option<&str>| image.is_some_and(|id| retiring.amis.contains(id));
    let groups = survey::groups_of(&live.session, manifest_template, &template).await?;
    let default_retired = runs(template.default.image_id.as_deref());
    let latest_retired = template.latest != template.default.number
        && groups.iter().any(|group| {
            group
                .template
                .as_ref()
                .is_some_and(|spec| spec.version == "$Latest")
        })
        && launch_templates::versions(&live.session, &template.default.template_id)
            .await?
            .iter()
            .any(|version| version.number == template.latest && runs(version.image_id.as_deref()));
    if !default_retired && !latest_retired {
        return Ok(Step::Unchanged);
    }
    let candidates: Vec<_> = live
        .candidates
        .iter()
        .filter(|image| !retiring.names.contains(&image.name))
        .cloned()
        .collect();
    let choice = retiring.to.map_or(ImageChoice::Newest, |name| {
        ImageChoice::Name(name.to_owned())
    });
    let to = select::choose(&candidates, &choice, &context.place(target), now)
        .map_err(|err| {
            Error::failed(
                format!("no build to move to: {}", err.0),
                Some("build a new image first, or name one with `--to`".to_owned()),
            )
        })?
        .clone();
    let from = match &template.default.image_id {
        Some(id) => Some(survey::current_image(&live.session, &live.candidates, id).await?),
        None => None,
    };
    // A re-run after Ctrl-C makes the version the interrupted run made the default.
    if let Some(made) = super::interrupted_version(&template, &to) {
        return Ok(Step::Resume {
            template,
            from,
            to: made,
            image: image_ref(&to),
            groups,
        });
    }
    Ok(Step::Move {
        template,
        from,
        to,
        groups,
    })
}
