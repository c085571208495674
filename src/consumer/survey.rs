//! Reads what each target looks like now and decides its rollout [`Step`].
//!
//! The producer's AMIs are read once per account and region (every template there shares
//! them); the current image's name comes from that list, and only an image the producer did
//! not make costs one more `DescribeImages`. Groups are read only when the manifest lists
//! some, and their last refresh only when the template itself does not move.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::SystemTime;

use tokio::sync::{Mutex, OnceCell};

use super::select::{self, ImageChoice, Place};
use super::{Planned, Step, Target, image_ref};
use crate::Error;
use crate::aws::autoscaling::{self, Group};
use crate::aws::images::{self, Image};
use crate::aws::launch_templates::{self, LiveTemplate};
use crate::aws::{AwsError, Session, Sessions};
use crate::manifest::Manifest;
use crate::plan::ImageRef;

type Candidates = Result<Arc<Vec<Image>>, Arc<AwsError>>;
/// Each (account, region)'s AMI list, read at most once.
type CandidateCells = Mutex<HashMap<(String, String), Arc<OnceCell<Candidates>>>>;

/// Everything a survey shares across targets: credentials and each region's AMI list.
pub struct Context<'a> {
    /// The manifest.
    pub manifest: &'a Manifest,
    /// Credentials per account.
    pub sessions: &'a Sessions,
    candidates: CandidateCells,
}

/// What one target looks like before any change.
pub struct Live {
    /// The session acting in the target's account and region.
    pub session: Session,
    /// The producer's AMIs visible there.
    pub candidates: Arc<Vec<Image>>,
    /// The template, when it exists.
    pub template: Option<LiveTemplate>,
}

impl<'a> Context<'a> {
    /// A context for one command.
    pub fn new(manifest: &'a Manifest, sessions: &'a Sessions) -> Self {
        Self {
            manifest,
            sessions,
            candidates: Mutex::new(HashMap::new()),
        }
    }

    /// The session for a target's account and region.
    pub async fn session(&self, target: &Target) -> Result<Session, Error> {
        Ok(self
            .sessions
            .session(&target.account, &target.access, &target.region)
            .await?)
    }

    /// The producer's AMIs that a target's account sees in its region (read once per pair).
    pub async fn candidates(&self, session: &Session) -> Result<Arc<Vec<Image>>, Error> {
        let cell = self
            .candidates
            .lock()
            .await
            .entry((session.account().to_owned(), session.region().to_owned()))
            .or_default()
            .clone();
        let distribution = &self.manifest.distribution;
        let found = cell
            .get_or_init(|| async {
                images::owned_images(
                    session,
                    &self.manifest.producer.account,
                    &distribution.ami_name_pattern(),
                )
                .await
                .map(Arc::new)
                .map_err(Arc::new)
            })
            .await
            .clone()?;
        Ok(found)
    }

    /// Reads the template and the AMIs a target sees, concurrently.
    pub async fn live(&self, target: &Target) -> Result<Live, Error> {
        let session = self.session(target).await?;
        let (candidates, template) = futures::join!(
            self.candidates(&session),
            launch_templates::live_template(&session, target.key())
        );
        Ok(Live {
            candidates: candidates?,
            template: template?,
            session,
        })
    }

    /// Where a target looks for AMIs, for selection messages.
    pub fn place<'t>(&'t self, target: &'t Target, pattern: &'t str) -> Place<'t> {
        Place {
            producer: &self.manifest.producer.account,
            account: &target.account,
            region: &target.region,
            pattern,
            template: &self.manifest.distribution.ami_name,
        }
    }
}

/// The rollout step of one target, given what it sees.
pub async fn rollout_step(
    context: &Context<'_>,
    target: Target,
    live: Result<Live, Error>,
    choice: &ImageChoice,
    now: SystemTime,
) -> Planned {
    let step = match live {
        Ok(live) => decide(context, &target, live, choice, now).await,
        Err(err) => Err(err),
    };
    Planned { target, step }
}

async fn decide(
    context: &Context<'_>,
    target: &Target,
    live: Live,
    choice: &ImageChoice,
    now: SystemTime,
) -> Result<Step, Error> {
    let pattern = context.manifest.distribution.ami_name_pattern();
    let place = context.place(target, &pattern);
    if let Some(reason) = select::nothing_built(&live.candidates, &place) {
        return Ok(Step::NothingBuilt { reason });
    }
    let chosen = select::choose(&live.candidates, choice, &place, now)
        .map_err(|err| Error::Failed {
            message: format!("{}: {err}", target.label()),
            hint: None,
        })?
        .clone();
    let Some(template) = live.template else {
        if target.launch_template.create.is_none() {
            return Err(Error::Failed {
                message: format!("{}: the launch template does not exist", target.label()),
                hint: Some(
                    "create it, fix its name or id, or add a `create` table to it in the manifest"
                        .to_owned(),
                ),
            });
        }
        // A template gold creates has no groups using it yet; listed groups get refreshed
        // once they exist and a later rollout moves the template.
        return Ok(Step::Move {
            template: None,
            from: None,
            to: chosen,
            groups: Vec::new(),
        });
    };
    let groups = groups_of(&live.session, target, &template).await?;
    if template.default.image_id.as_deref() != Some(chosen.id.as_str()) {
        let from = match &template.default.image_id {
            Some(id) => Some(current_image(&live.session, &live.candidates, id).await?),
            None => None,
        };
        return Ok(Step::Move {
            template: Some(template),
            from,
            to: chosen,
            groups,
        });
    }
    let stale = stale_groups(&live.session, &template, groups).await?;
    if stale.is_empty() {
        Ok(Step::Unchanged)
    } else {
        Ok(Step::Refresh {
            template,
            image: image_ref(&chosen),
            groups: stale,
        })
    }
}

/// The image a template runs now, named when this account can see it.
pub async fn current_image(
    session: &Session,
    candidates: &[Image],
    id: &str,
) -> Result<ImageRef, Error> {
    if let Some(image) = candidates.iter().find(|image| image.id == id) {
        return Ok(image_ref(image));
    }
    let image = images::image_by_id(session, id).await?;
    Ok(ImageRef {
        id: id.to_owned(),
        name: image.map(|image| image.name),
    })
}

/// The listed groups, each checked to launch from this template.
pub async fn groups_of(
    session: &Session,
    target: &Target,
    template: &LiveTemplate,
) -> Result<Vec<Group>, Error> {
    let names = &target.launch_template.auto_scaling_groups;
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let found = autoscaling::groups(session, names).await?;
    let mut groups = Vec::with_capacity(names.len());
    for name in names {
        let Some(group) = found.iter().find(|group| &group.name == name) else {
            return Err(Error::Failed {
                message: format!(
                    "{}: Auto Scaling group `{name}` does not exist in {}/{}",
                    target.label(),
                    target.account,
                    target.region
                ),
                hint: Some("fix `auto_scaling_groups` in the manifest".to_owned()),
            });
        };
        let uses_template = group.template.as_ref().is_some_and(|spec| {
            spec.id.as_deref() == Some(template.default.template_id.as_str())
                || spec.name.as_deref() == Some(template.default.template_name.as_str())
        });
        if !uses_template {
            return Err(Error::Failed {
                message: format!(
                    "{}: Auto Scaling group `{name}` does not launch from launch template {}",
                    target.label(),
                    template.default.template_id
                ),
                hint: Some(
                    "list the group under the launch template it uses, or point the group at this template"
                        .to_owned(),
                ),
            });
        }
        groups.push(group.clone());
    }
    Ok(groups)
}

/// Groups whose last successful refresh is older than the template's default version (or
/// that never had one), with their last refresh status.
pub async fn stale_groups(
    session: &Session,
    template: &LiveTemplate,
    groups: Vec<Group>,
) -> Result<Vec<(Group, String)>, Error> {
    let latest = futures::future::join_all(
        groups
            .iter()
            .map(|group| autoscaling::latest_refresh(session, &group.name)),
    )
    .await;
    let mut stale = Vec::new();
    for (group, refresh) in groups.into_iter().zip(latest) {
        let refresh = refresh?;
        let fresh = refresh.as_ref().is_some_and(|refresh| {
            refresh.is_successful()
                && match (refresh.started, template.default.created) {
                    (Some(started), Some(created)) => started >= created,
                    _ => true,
                }
        });
        if !fresh {
            let status = refresh.map_or_else(|| "never refreshed".to_owned(), |r| r.status);
            stale.push((group, status));
        }
    }
    Ok(stale)
}
