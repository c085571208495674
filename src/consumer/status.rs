//! `gold status`: for every target, the image its default version launches, the newest image
//! it could run, how many builds behind it is, and how its groups' last refresh went.
//! Read-only; a target that cannot be read shows why instead of failing the table.

use std::time::SystemTime;

use serde::Serialize;

use super::apply::TargetId;
use super::select::{self, ImageChoice};
use super::survey::{self, Context};
use super::{Target, TargetFilter, each, targets};
use crate::Error;
use crate::aws::Sessions;
use crate::aws::autoscaling;
use crate::aws::images::Image;
use crate::manifest::Manifest;

/// One row of `gold status`.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// The target.
    pub target: TargetId,
    /// `lt-…`, when the template exists.
    pub template_id: Option<String>,
    /// The default version number.
    pub default_version: Option<i64>,
    /// The image the default version launches.
    pub current: Option<ImageInfo>,
    /// The newest image a rollout would choose.
    pub newest: Option<ImageInfo>,
    /// Usable builds newer than the current image (`None` when the current image is not the producer's).
    pub builds_behind: Option<usize>,
    /// Each listed Auto Scaling group's last instance refresh.
    pub refreshes: Vec<GroupRefresh>,
    /// Why the row is incomplete.
    pub error: Option<String>,
}

/// An image in the status table.
#[derive(Debug, Clone, Serialize)]
pub struct ImageInfo {
    /// `ami-…`.
    pub id: String,
    /// The AMI name, when visible.
    pub name: Option<String>,
    /// Seconds since it was created, when known.
    pub age_seconds: Option<u64>,
}

/// A group's last instance refresh.
#[derive(Debug, Clone, Serialize)]
pub struct GroupRefresh {
    /// The Auto Scaling group.
    pub group: String,
    /// The last refresh's status, or `None` when it never had one.
    pub status: Option<String>,
    /// Its percentage complete.
    pub percentage: Option<u8>,
}

/// Reads every target's status.
pub async fn status(
    manifest: &Manifest,
    sessions: &Sessions,
    filter: &TargetFilter,
    parallelism: usize,
) -> Result<Vec<Row>, Error> {
    let targets = targets::targets(manifest, filter)?;
    let context = Context::new(manifest, sessions);
    let context = &context;
    let now = SystemTime::now();
    Ok(each(targets, parallelism, |target| async move {
        let mut row = Row {
            target: TargetId::of(&target),
            template_id: None,
            default_version: None,
            current: None,
            newest: None,
            builds_behind: None,
            refreshes: Vec::new(),
            error: None,
        };
        if let Err(err) = fill(context, &target, &mut row, now).await {
            row.error = Some(err.to_string());
        }
        row
    })
    .await)
}

async fn fill(
    context: &Context<'_>,
    target: &Target,
    row: &mut Row,
    now: SystemTime,
) -> Result<(), Error> {
    let live = context.live(target).await?;
    let pattern = context.manifest.distribution.ami_name_pattern();
    let place = context.place(target, &pattern);
    let newest = select::choose(&live.candidates, &ImageChoice::Newest, &place, now).ok();
    row.newest = newest.map(|image| info(image, now));
    let Some(template) = live.template else {
        row.error = Some("the launch template does not exist".to_owned());
        return Ok(());
    };
    row.template_id = Some(template.default.template_id.clone());
    row.default_version = Some(template.default.number);
    if let Some(id) = &template.default.image_id {
        let producers = live.candidates.iter().find(|image| &image.id == id);
        row.current = Some(if let Some(image) = producers {
            info(image, now)
        } else {
            let image = survey::current_image(&live.session, &live.candidates, id).await?;
            ImageInfo {
                id: image.id,
                name: image.name,
                age_seconds: None,
            }
        });
        row.builds_behind = producers.map(|current| {
            live.candidates
                .iter()
                .filter(|image| select::unusable(image, now).is_none())
                .filter(|image| image.owner == context.manifest.producer.account)
                .filter(|image| select::glob(&pattern, &image.name))
                .filter(|image| image.created > current.created)
                .count()
        });
    }
    let groups = &target.launch_template.auto_scaling_groups;
    let refreshes = futures::future::join_all(
        groups
            .iter()
            .map(|group| autoscaling::latest_refresh(&live.session, group)),
    )
    .await;
    for (group, refresh) in groups.iter().zip(refreshes) {
        let refresh = refresh?;
        row.refreshes.push(GroupRefresh {
            group: group.clone(),
            status: refresh.as_ref().map(|r| r.status.clone()),
            percentage: refresh.and_then(|r| r.percentage),
        });
    }
    Ok(())
}

fn info(image: &Image, now: SystemTime) -> ImageInfo {
    ImageInfo {
        id: image.id.clone(),
        name: Some(image.name.clone()),
        age_seconds: image
            .created
            .and_then(|created| now.duration_since(created).ok())
            .map(|age| age.as_secs()),
    }
}
