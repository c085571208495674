//! What a consumer target looks like now, read once and shared: the [`Context`] of one
//! command (credentials per account, the producer's AMIs per account and region, each read at
//! most once) and the [`Live`] state of one target (its session, the AMIs it sees, its launch
//! template's default version). Every consumer operation (rollout, rollback, status, retire)
//! reads through here; `survey` and `parameters` decide a target's step from what it returns.
//!
//! AWS facts relied on: `DescribeImages` with an owner filter lists only that account's AMIs the
//! caller may launch (EC2 API Reference, `DescribeImages`, "Owners"), so one list per account
//! and region serves every template there; an account whose Allowed AMIs are `enabled` is not
//! shown the AMIs its criteria do not admit (EC2 User Guide, "Allowed AMIs"), so an empty list
//! there may mean a refusal, which [`Context::admits`] tells apart; `DescribeAutoScalingGroups` and `DescribeInstances`
//! say which AMI each instance of a group runs.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::SystemTime;

use tokio::sync::{Mutex, OnceCell};

use super::select::Place;
use super::targets::Target;
use crate::Error;
use crate::aws::allowed_images::{self, AllowedImages};
use crate::aws::autoscaling::{self, Group};
use crate::aws::images::{self, Image};
use crate::aws::launch_templates::{self, LiveTemplate};
use crate::aws::{AwsError, Session, Sessions, instance_images};
use crate::manifest::{AmiName, LaunchTemplate, Manifest};
use crate::plan::ImageRef;
use crate::plan::allowed::{self, Audited};
use crate::plan::consumer::{self, image_ref};

/// What one account and region answered, read at most once and shared by every target there.
struct PerPlace<T>(Mutex<HashMap<(String, String), Cell<T>>>);

type Read<T> = Result<Arc<T>, Arc<AwsError>>;
type Cell<T> = Arc<OnceCell<Read<T>>>;

impl<T> PerPlace<T> {
    fn new() -> Self {
        Self(Mutex::new(HashMap::new()))
    }

    /// The answer of `session`'s account and region: `read` the first time, then the same.
    async fn get<F>(&self, session: &Session, read: impl FnOnce() -> F) -> Read<T>
    where
        F: Future<Output = Result<T, AwsError>>,
    {
        let cell = self
            .0
            .lock()
            .await
            .entry((session.account().to_owned(), session.region().to_owned()))
            .or_default()
            .clone();
        cell.get_or_init(|| async { read().await.map(Arc::new).map_err(Arc::new) })
            .await
            .clone()
    }
}

/// Everything a survey shares across targets: credentials and each region's AMI list.
pub struct Context<'a> {
    /// The manifest.
    pub manifest: &'a Manifest,
    /// Credentials per account.
    pub sessions: &'a Sessions,
    /// The manifest's AMI name template.
    pub ami_name: AmiName,
    /// Each account and region's AMI list.
    candidates: PerPlace<Vec<Image>>,
    /// Each account and region's Allowed AMIs setting.
    allowed: PerPlace<AllowedImages>,
    /// The accounts whose Allowed AMIs audit the images chosen for their targets.
    audited: std::sync::Mutex<BTreeSet<Audited>>,
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
            candidates: PerPlace::new(),
            allowed: PerPlace::new(),
            audited: std::sync::Mutex::default(),
        }
    }

    /// Notes `chosen`, the image a target of `session`'s account moves to, when that account's
    /// Allowed AMIs run in `audit-mode` and do not admit it (EC2 reports `ImageAllowed` false
    /// only then: while `enabled`, an image not admitted is not listed at all).
    pub fn audit(&self, session: &Session, chosen: &Image) {
        if chosen.allowed == Some(false) {
            self.audited
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .insert(Audited::new(
                    session.account(),
                    session.region(),
                    &chosen.id,
                    &self.manifest.producer.account,
                ));
        }
    }

    /// What [`Self::audit`] noted, in order.
    pub fn audited(&self) -> Vec<Audited> {
        self.audited
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .cloned()
            .collect()
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
        let settings = self
            .allowed
            .get(session, || allowed_images::settings(session))
            .await?;
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
        let pattern = self.ami_name.pattern();
        let read = || images::owned_images(session, &self.manifest.producer.account, &pattern);
        Ok(self.candidates.get(session, read).await?)
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

/// The groups not refreshed since `since` (the moment their instances' image last changed),
/// each with why; every group's last instance refresh is read concurrently.
pub async fn stale_groups(
    session: &Session,
    since: Option<SystemTime>,
    groups: Vec<Group>,
) -> Result<Vec<(Group, String)>, Error> {
    let refreshes = futures::future::join_all(
        groups
            .iter()
            .map(|group| autoscaling::latest_refresh(session, &group.name)),
    )
    .await;
    let mut read = Vec::with_capacity(groups.len());
    for (group, refresh) in groups.into_iter().zip(refreshes) {
        read.push((group, refresh?));
    }
    Ok(consumer::stale_groups(since, read))
}
