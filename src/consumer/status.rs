//! `gold status`: for every target, the image its default version launches, the newest image
//! it could run (with channels: its channel's build), how many builds behind that it is, how its groups' last refresh went, and what
//! their instances really run: how many run the newest build (the one a rollout moves to), the
//! producer's build before it, or something else. A template that moved to the newest build
//! while some instances still run another image is "moved, not replaced". An SSM parameter
//! target shows the image it holds and its version; a template that resolves a parameter shows
//! the image the parameter holds.
//!
//! AWS facts relied on: `DescribeAutoScalingGroups` lists each group's instances, but their
//! `ImageId` only after a root volume replacement or with an AMI override (Auto Scaling API
//! Reference, `Instance`), so the image each runs comes from EC2's `DescribeInstances`.
//! With `distribution.kms_key_id`, each account whose targets list groups also shows its grant
//! on the key ([`super::grants`]).
//! Read-only; a target that cannot be read carries its error instead of stopping the others,
//! and the command fails at the end when any did.

use std::time::SystemTime;

use serde::Serialize;

use super::grants::{self, KeyGrant};
use super::parameters;
use super::select::{self, Choices, ImageChoice, Place};
use super::survey::{self, Context, Live};
use super::targets::Object;
use super::{Target, TargetFilter, concurrently, discover};
use crate::Error;
use crate::aws::Sessions;
use crate::aws::autoscaling;
use crate::aws::images::Image;
use crate::aws::parameters as ssm;
use crate::manifest::{AmiName, Manifest};
use crate::plan::TargetId;
use crate::plan::discovery::{Discovered, Unmatched};

/// What `gold status` found: one row per target.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Status {
    /// One row per target, in manifest order.
    pub targets: Vec<Row>,
    /// For each consumer whose accounts come from AWS Organizations: what was found, and the
    /// accounts skipped with why (their targets have no row).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub discovered: Vec<Discovered>,
    /// Selectors that matched nothing.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unmatched: Vec<Unmatched>,
    /// With `distribution.kms_key_id`: the key's grant in each account whose targets list Auto
    /// Scaling groups.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub grants: Vec<KeyGrant>,
}

impl Status {
    /// The rows that could not be read completely.
    pub fn errors(&self) -> impl Iterator<Item = &Row> {
        self.targets.iter().filter(|row| row.error.is_some())
    }
}

/// One row of `gold status`.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Row {
    /// The target.
    pub target: TargetId,
    /// `lt-…`, when the template exists.
    pub template_id: Option<String>,
    /// The default version number.
    pub default_version: Option<i64>,
    /// For an SSM parameter target: the parameter's version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter_version: Option<i64>,
    /// The image the default version launches.
    pub current: Option<ImageInfo>,
    /// The image a rollout would choose: the newest build, or with channels the build of the
    /// consumer's channel.
    pub newest: Option<ImageInfo>,
    /// Usable builds newer than the current image, up to `newest` (`None` when the current
    /// image is not the producer's, or the consumer's channel holds no build yet).
    pub builds_behind: Option<usize>,
    /// Each listed Auto Scaling group's last instance refresh.
    pub refreshes: Vec<GroupRefresh>,
    /// What the listed groups' instances run, when the target lists groups.
    pub instances: Option<InstanceCounts>,
    /// Why the row is incomplete: the target could not be read (an error of the command).
    pub error: Option<String>,
    /// What the target waits for (a template gold creates once there is a build).
    pub waiting: Option<String>,
    /// The release channel the target's consumer follows, when the manifest has channels.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
}

/// An image in the status table.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ImageInfo {
    /// `ami-…`.
    pub id: String,
    /// The AMI name, when visible.
    pub name: Option<String>,
    /// The build number its name renders, when the AMI name template has one.
    pub build: Option<u32>,
    /// Seconds since it was created, when known.
    pub age_seconds: Option<u64>,
    /// Why no rollout would choose it any more (deprecated, disabled, no longer visible).
    pub retired: Option<String>,
}

/// How many of a target's group instances run which image.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct InstanceCounts {
    /// Instances running the newest build (the image a rollout moves to).
    pub new: usize,
    /// Instances running the producer's build before it.
    pub previous: usize,
    /// Instances running anything else (older builds, or images not the producer's).
    pub older: usize,
    /// Every instance of the listed groups.
    pub total: usize,
    /// The template's default launches the newest build, but some instances still run
    /// another image: moved, not replaced yet.
    pub moved_not_replaced: bool,
}

impl InstanceCounts {
    /// Counts `images` (one per instance) against the newest build and the one before it;
    /// `moved` says whether the template's default launches the newest.
    #[must_use]
    pub fn of<'a>(
        images: impl IntoIterator<Item = &'a str>,
        new: &str,
        previous: Option<&str>,
        moved: bool,
    ) -> Self {
        let mut counts = Self::default();
        for image in images {
            counts.total += 1;
            if image == new {
                counts.new += 1;
            } else if Some(image) == previous {
                counts.previous += 1;
            } else {
                counts.older += 1;
            }
        }
        counts.moved_not_replaced = moved && counts.new < counts.total;
        counts
    }
}

/// A group's last instance refresh.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
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
    choices: &Choices,
    parallelism: usize,
) -> Result<Status, Error> {
    let found = Box::pin(discover::targets(manifest, sessions, filter, parallelism)).await?;
    let context = Context::new(manifest, sessions);
    let context = &context;
    let now = SystemTime::now();
    let grants = grants::status(manifest, sessions, &found.targets, parallelism).await;
    let mut targets = concurrently(found.targets, parallelism, |target| async move {
        let mut row = Row::new(target.id());
        let choice = choices.of(&target.consumer);
        let nothing_wanted = choice.is_err();
        if let Err(err) = fill(context, &target, choice, &mut row, now).await {
            row.error = Some(err.to_string());
        }
        if nothing_wanted {
            row.builds_behind = None;
        }
        row
    })
    .await;
    targets.extend(found.failed.into_iter().map(|(target, err)| Row {
        error: Some(err.to_string()),
        ..Row::new(target.id())
    }));
    for row in &mut targets {
        row.channel = manifest
            .channel_of(&row.target.consumer)
            .map(|channel| channel.name.clone());
    }
    Ok(Status {
        targets,
        discovered: found.discovered,
        unmatched: found.unmatched,
        grants,
    })
}

impl Row {
    /// A row with nothing read yet.
    #[must_use]
    pub fn new(target: TargetId) -> Self {
        Row {
            target,
            template_id: None,
            default_version: None,
            parameter_version: None,
            current: None,
            newest: None,
            builds_behind: None,
            refreshes: Vec::new(),
            instances: None,
            error: None,
            waiting: None,
            channel: None,
        }
    }
}

/// Fills `row` for `target`, whose consumer moves to what `choice` picks (the newest build, or
/// its channel's); with no choice (a channel that holds no build yet) the row says why.
async fn fill(
    context: &Context<'_>,
    target: &Target,
    choice: Result<&ImageChoice, String>,
    row: &mut Row,
    now: SystemTime,
) -> Result<(), Error> {
    let live = context.live(target).await?;
    let place = context.place(target);
    let name = &context.ami_name;
    let newest = match choice {
        Ok(choice) => select::choose(&live.candidates, choice, &place, now).ok(),
        Err(why) => {
            row.waiting = Some(why);
            None
        }
    };
    row.newest = newest.map(|image| info(image, name, now));
    let manifest_template = match &target.object {
        Object::LaunchTemplate(template) => template,
        Object::Parameter(parameter) => {
            let Some(held) = ssm::get(&live.session, &parameter.name).await? else {
                row.waiting = Some(
                    "not created yet: `gold up` or `gold rollout` creates it on the newest build"
                        .to_owned(),
                );
                return Ok(());
            };
            row.parameter_version = Some(held.version);
            current(&live, &held.value, (&place, newest), name, now, row).await?;
            return Ok(());
        }
    };
    let Some(template) = &live.template else {
        if manifest_template.create.is_some() {
            row.waiting = Some(
                "not created yet: `gold up` or `gold rollout` creates it on the newest build"
                    .to_owned(),
            );
            return Ok(());
        }
        return Err(Error::failed("the launch template does not exist", None));
    };
    row.template_id = Some(template.default.template_id.clone());
    row.default_version = Some(template.default.number);
    let mut launches = None;
    if let Some(id) = &template.default.image_id {
        // A template that resolves a parameter runs what the parameter holds.
        let id = match parameters::resolved_parameter(id) {
            Ok(Some(parameter)) => ssm::get(&live.session, &parameter)
                .await?
                .map_or_else(|| id.clone(), |held| held.value),
            _ => id.clone(),
        };
        current(&live, &id, (&place, newest), name, now, row).await?;
        launches = Some(id);
    }
    let groups = manifest_template.auto_scaling_groups.names();
    read_refreshes(&live, groups, &mut row.refreshes).await?;
    if let (false, Some(new)) = (groups.is_empty(), newest) {
        let moved = launches.as_deref() == Some(new.id.as_str());
        row.instances = Some(instances(&live, &place, groups, new, moved).await?);
    }
    Ok(())
}

/// Each group's last instance refresh, added to `read` in the groups' order up to the first
/// that cannot be read.
async fn read_refreshes(
    live: &Live,
    groups: &[String],
    read: &mut Vec<GroupRefresh>,
) -> Result<(), Error> {
    let refreshes = futures::future::join_all(
        groups
            .iter()
            .map(|group| autoscaling::latest_refresh(&live.session, group)),
    )
    .await;
    for (group, refresh) in groups.iter().zip(refreshes) {
        let refresh = refresh?;
        read.push(GroupRefresh {
            group: group.clone(),
            status: refresh.as_ref().map(|r| r.status.clone()),
            percentage: refresh.and_then(|r| r.percentage),
        });
    }
    Ok(())
}

/// What the groups' instances run against `new`, the newest build, and the build before it;
/// `moved` says whether the template's default launches `new`.
async fn instances(
    live: &Live,
    place: &Place<'_>,
    groups: &[String],
    new: &Image,
    moved: bool,
) -> Result<InstanceCounts, Error> {
    // The producer's build before the newest, in the order the AMI selection uses.
    let previous = live
        .candidates
        .iter()
        .filter(|image| select::trusted(image, place))
        .filter(|image| select::newer(image, new).is_lt())
        .max_by(|a, b| select::newer(a, b));
    let images = survey::running_images(&live.session, groups).await?;
    Ok(InstanceCounts::of(
        images.iter().map(|(_, image)| image.as_str()),
        &new.id,
        previous.map(|image| image.id.as_str()),
        moved,
    ))
}

/// The row's current image and how many builds it is behind `wanted` (the image a rollout
/// would move it to: the newest build, or its channel's). A build newer than `wanted` does not
/// count: a consumer on a channel is not behind builds the channel has not taken yet.
async fn current(
    live: &Live,
    id: &str,
    (place, wanted): (&Place<'_>, Option<&Image>),
    name: &AmiName,
    now: SystemTime,
    row: &mut Row,
) -> Result<(), Error> {
    let producers = live.candidates.iter().find(|image| image.id == id);
    row.current = Some(if let Some(image) = producers {
        info(image, name, now)
    } else {
        let image = survey::current_image(&live.session, &live.candidates, id).await?;
        ImageInfo {
            build: image.name.as_deref().and_then(|n| name.build_of(n)),
            retired: image.name.is_none().then(|| {
                "no longer visible to this account: disabled, deregistered or no longer shared"
                    .to_owned()
            }),
            id: image.id,
            name: image.name,
            age_seconds: None,
        }
    });
    row.builds_behind = producers.map(|current| {
        live.candidates
            .iter()
            .filter(|image| select::unusable(image, now).is_none())
            .filter(|image| select::trusted(image, place))
            .filter(|image| select::newer(image, current).is_gt())
            .filter(|image| wanted.is_none_or(|wanted| select::newer(image, wanted).is_le()))
            .count()
    });
    Ok(())
}

fn info(image: &Image, name: &AmiName, now: SystemTime) -> ImageInfo {
    ImageInfo {
        id: image.id.clone(),
        name: Some(image.name.clone()),
        build: name.build_of(&image.name),
        age_seconds: image
            .created
            .and_then(|created| now.duration_since(created).ok())
            .map(|age| age.as_secs()),
        retired: select::unusable(image, now),
    }
}

#[cfg(test)]
mod tests {
    use super::InstanceCounts;

    #[test]
    fn instances_count_as_new_previous_or_older() {
        let counts = InstanceCounts::of(
            ["ami-b", "ami-a", "ami-0", "ami-b"],
            "ami-b",
            Some("ami-a"),
            true,
        );
        assert_eq!(
            counts,
            InstanceCounts {
                new: 2,
                previous: 1,
                older: 1,
                total: 4,
                moved_not_replaced: true,
            }
        );
        let replaced = InstanceCounts::of(["ami-b"; 4], "ami-b", None, true);
        assert!(!replaced.moved_not_replaced);
        assert_eq!(replaced.new, 4);
        // Not moved yet: behind, but not "moved, not replaced".
        let behind = InstanceCounts::of(["ami-a"; 4], "ami-b", Some("ami-a"), false);
        assert_eq!((behind.previous, behind.moved_not_replaced), (4, false));
    }
}
