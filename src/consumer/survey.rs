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

use std::collections::HashMap;
use std::sync::Arc;
use std::time::SystemTime;

use tokio::sync::{Mutex, OnceCell};

use super::parameters;
use super::select::{self, ImageChoice, Place};
use super::targets::{Object, Target};
use super::templates;
use crate::Error;
use crate::aws::allowed_images::{self, AllowedImages};
use crate::aws::autoscaling::{self, Group};
use crate::aws::images::{self, Image};
use crate::aws::launch_templates::{self, LiveTemplate};
use crate::aws::{AwsError, Session, Sessions, instance_images};
use crate::manifest::{AmiName, LaunchTemplate, Manifest};
use crate::plan::consumer::{self, Step, image_ref};
use crate::plan::{ImageRef, allowed};

type Candidates = Result<Arc<Vec<Image>>, Arc<AwsError>>;
/// Each (account, region)'s AMI list, read at most once.
type CandidateCells = Mutex<HashMap<(String, String), Arc<OnceCell<Candidates>>>>;
type Allowed = Result<Arc<AllowedImages>, Arc<AwsError>>;
/// Each (account, region)'s Allowed AMIs setting, read at most once.
type AllowedCells = Mutex<HashMap<(String, String), Arc<OnceCell<Allowed>>>>;

/// Everything a survey shares across targets: credentials and each region's AMI list.
pub struct Context<'a> {
    /// The manifest.
    pub manifest: &'a Manifest,
    /// Credentials per account.
    pub sessions: &'a Sessions,
    /// The manifest's AMI name template.
    pub ami_name: AmiName,
    candidates: CandidateCells,
    allowed: AllowedCells,
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
            ami_name: manifest.distribution.ami_name_template(),
            candidates: Mutex::new(HashMap::new()),
            allowed: Mutex::new(HashMap::new()),
        }
    }

    /// Fails a target whose account's Allowed AMIs would refuse the producer's AMIs: the
    /// setting is `enabled`, the account sees none of them (EC2 hides what the criteria do not
    /// admit) and no criterion names the producer as a provider. `audit-mode` and `disabled`
    /// never block. Read once per account and region.
    pub async fn admits(&self, session: &Session, candidates: &[Image]) -> Result<(), Error> {
        let producer = &self.manifest.producer.account;
        if !candidates.is_empty() || session.account() == producer {
            return Ok(());
        }
        let cell = self
            .allowed
            .lock()
            .await
            .entry((session.account().to_owned(), session.region().to_owned()))
            .or_default()
            .clone();
        let settings = cell
            .get_or_init(|| async {
                allowed_images::settings(session)
                    .await
                    .map(Arc::new)
                    .map_err(Arc::new)
            })
            .await
            .clone()?;
        match allowed::refusal(&settings, producer) {
            None => Ok(()),
            Some(refusal) => Err(Error::failed(
                format!(
                    "blocked: account {}'s Allowed AMIs in {} {}",
                    session.account(),
                    session.region(),
                    refusal.reason
                ),
                Some(refusal.hint),
            )),
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
        let found = cell
            .get_or_init(|| async {
                images::owned_images(
                    session,
                    &self.manifest.producer.account,
                    &self.ami_name.pattern(),
                )
                .await
                .map(Arc::new)
                .map_err(Arc::new)
            })
            .await
            .clone()?;
        Ok(found)
    }

    /// Reads the template (for a template target) and the AMIs a target sees, concurrently.
    pub async fn live(&self, target: &Target) -> Result<Live, Error> {
        let session = self.session(target).await?;
        let template = async {
            match target.template() {
                Some(template) => {
                    launch_templates::live_template(&session, Target::key(template)).await
                }
                None => Ok(None),
            }
        };
        let (candidates, template) = futures::join!(self.candidates(&session), template);
        Ok(Live {
            candidates: candidates?,
            template: template?,
            session,
        })
    }

    /// Where a target looks for AMIs, for selection messages.
    pub fn place<'t>(&'t self, target: &'t Target) -> Place<'t> {
        Place {
            producer: &self.manifest.producer.account,
            account: &target.account,
            region: &target.region,
            name: &self.ami_name,
        }
    }
}

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
        return Err(Error::failed(
            "the launch template does not exist",
            Some(
                "create it, fix its name or id, or add a `create` table to it in the manifest"
                    .to_owned(),
            ),
        ));
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
    let refreshes = futures::future::join_all(
        groups
            .iter()
            .map(|group| autoscaling::latest_refresh(&live.session, &group.name)),
    )
    .await;
    let mut read = Vec::with_capacity(groups.len());
    for (group, refresh) in groups.into_iter().zip(refreshes) {
        read.push((group, refresh?));
    }
    let stale = consumer::stale_groups(template.default.created, read);
    let stale = not_running(&live.session, stale, &chosen.id).await?;
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

/// The image each instance of the groups runs, with its group: which instances from Auto
/// Scaling, their AMI from EC2 (instances terminated meanwhile are left out).
pub async fn running_images(
    session: &Session,
    groups: &[String],
) -> Result<Vec<(String, String)>, Error> {
    let instances = autoscaling::instances(session, groups).await?;
    if instances.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<String> = instances.iter().map(|i| i.id.clone()).collect();
    let mut images = instance_images::images_of(session, &ids).await?;
    Ok(instances
        .into_iter()
        .filter_map(|instance| Some((instance.group, images.remove(&instance.id)?)))
        .collect())
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
    manifest_template: &LaunchTemplate,
    template: &LiveTemplate,
) -> Result<Vec<Group>, Error> {
    let names = manifest_template.auto_scaling_groups.names();
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let found = autoscaling::groups(session, names).await?;
    let groups = consumer::check_groups(names, &found, template)?;
    super::refresh::check_auto_rollback(&groups, &manifest_template.refresh)?;
    Ok(groups)
}
