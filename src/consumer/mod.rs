//! The consumer side, in every workload account: choose the AMI to trust, move launch
//! templates to it, refresh Auto Scaling groups, report status and roll back.
//!
//! The flow of `gold rollout` (and, with another first step, `gold rollback`):
//! 1. [`targets`]: every consumer × region × launch template the filter keeps, in waves;
//! 2. [`survey`]: per target, concurrently, read the template's default version, the
//!    producer's AMIs and the listed Auto Scaling groups, and decide one [`Step`]
//!    ([`select`] picks the AMI);
//! 3. the steps become a [`crate::plan::Plan`], shown before anything changes;
//! 4. [`apply`]: wave by wave, each target's step runs (new version, default, then
//!    [`refresh`] of its groups); a failed target stops later waves.
//!
//! Cost of the common path per target: `DescribeImages` (shared by the templates of one
//! account and region), `DescribeLaunchTemplateVersions`, `CreateLaunchTemplateVersion`,
//! `ModifyLaunchTemplate`; plus the account's credentials once (`AssumeRole`,
//! `GetCallerIdentity`), shared by every region.
//!
//! [`destroy`] removes what gold created here (templates marked `create`, their security group).

mod apply;
pub mod destroy;
mod refresh;
pub mod rollback;
pub mod rollout;
pub mod select;
pub mod status;
mod survey;
pub mod targets;

use std::time::Duration;

use futures::StreamExt;
use serde::Serialize;

pub use apply::{Event, Outcome, Reporter, Summary, TargetId};
pub use rollout::{create_templates, plan};
pub use select::ImageChoice;
pub use targets::{Target, TargetFilter};

use crate::aws::autoscaling::Group;
use crate::aws::images::Image;
use crate::aws::launch_templates::{LiveTemplate, TemplateVersion};
use crate::plan::ImageRef;

/// What one target needs, decided from live state before anything changes.
#[derive(Debug, Clone)]
pub enum Step {
    /// Already on the chosen image, groups refreshed since.
    Unchanged,
    /// The producer has no AMI this target can see: nothing was built or shared yet.
    NothingBuilt {
        /// The precise reason, naming owner, pattern, account and region.
        reason: String,
    },
    /// A new default version with another image (or a new template), then refreshes.
    Move {
        /// The template as it is; `None` when gold creates it.
        template: Option<LiveTemplate>,
        /// The image it runs now.
        from: Option<ImageRef>,
        /// The image it will run.
        to: Image,
        /// Groups to refresh afterwards.
        groups: Vec<Group>,
    },
    /// The template already runs the image; groups not yet refreshed to it are refreshed.
    Refresh {
        /// The template as it is.
        template: LiveTemplate,
        /// The image it runs.
        image: ImageRef,
        /// The groups to refresh, with their last refresh status.
        groups: Vec<(Group, String)>,
    },
    /// Rollback: an earlier version becomes the default again, then refreshes.
    Restore {
        /// The template as it is.
        template: LiveTemplate,
        /// The image of the current default.
        from: Option<ImageRef>,
        /// The version to make the default.
        to: TemplateVersion,
        /// Its image.
        image: Option<ImageRef>,
        /// Groups to refresh afterwards.
        groups: Vec<Group>,
    },
}

/// One target with its decided step, or why it cannot proceed.
pub struct Planned {
    /// The target.
    pub target: Target,
    /// The step, or the error that makes this target fail.
    pub step: Result<Step, crate::Error>,
}

/// The version description gold writes: the build and the default it replaced.
pub fn describe_version(image: &Image, previous: Option<i64>) -> String {
    let after = previous.map(|p| format!(" after v{p}")).unwrap_or_default();
    let text = format!("gold: {} ({}){after}", image.name, image.id);
    // EC2 limits version descriptions to 255 characters; the "after" part must survive.
    if text.len() > 255 {
        format!("gold: {}{after}", image.id)
    } else {
        text
    }
}

/// The default version a gold rollout replaced, read back from its description.
pub fn previous_version(description: &str) -> Option<i64> {
    let rest = description.strip_prefix("gold: ")?;
    let (_, previous) = rest.rsplit_once(" after v")?;
    previous.parse().ok()
}

/// A duration the way people say it: `45s`, `12m`, `3h`, `5d`.
pub fn age(duration: Duration) -> String {
    let secs = duration.as_secs();
    match secs {
        0..60 => format!("{secs}s"),
        60..3600 => format!("{}m", secs / 60),
        3600..86_400 => format!("{}h", secs / 3600),
        _ => format!("{}d", secs / 86_400),
    }
}

/// An image as plans and tables show it.
fn image_ref(image: &Image) -> ImageRef {
    ImageRef {
        id: image.id.clone(),
        name: Some(image.name.clone()),
    }
}

/// Runs `work` on every item with at most `parallelism` at once, keeping the input order.
async fn each<T, R, F, Fut>(items: Vec<T>, parallelism: usize, work: F) -> Vec<R>
where
    F: Fn(T) -> Fut,
    Fut: std::future::Future<Output = R>,
{
    futures::stream::iter(items.into_iter().map(work))
        .buffered(parallelism.max(1))
        .collect()
        .await
}

/// How a rollout-like command runs: parallelism and whether to change anything.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct RunOptions {
    /// Targets of one wave worked on at once.
    pub parallelism: usize,
    /// Print the plan and stop.
    pub dry_run: bool,
    /// Skip the confirmation prompt.
    pub yes: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(name: &str) -> Image {
        Image {
            id: "ami-0123456789abcdef0".to_owned(),
            name: name.to_owned(),
            owner: "111122223333".to_owned(),
            state: "available".to_owned(),
            created: None,
            deprecated_at: None,
        }
    }

    #[test]
    fn a_version_description_records_the_default_it_replaced() {
        let text = describe_version(&image("sample_v5_2022-08-10T09-01-50.490Z"), Some(3));
        assert_eq!(
            text,
            "gold: sample_v5_2022-08-10T09-01-50.490Z (ami-0123456789abcdef0) after v3"
        );
        assert_eq!(previous_version(&text), Some(3));
        assert_eq!(previous_version("made by hand after v3"), None);
        assert_eq!(
            previous_version(&describe_version(&image("sample_v1_x"), None)),
            None
        );
    }

    #[test]
    fn long_names_keep_the_previous_version_in_the_description() {
        let text = describe_version(&image(&"n".repeat(250)), Some(12));
        assert!(text.len() <= 255);
        assert_eq!(previous_version(&text), Some(12));
    }

    #[test]
    fn ages_use_the_largest_whole_unit() {
        assert_eq!(age(Duration::from_secs(59)), "59s");
        assert_eq!(age(Duration::from_secs(3 * 3600 + 5)), "3h");
        assert_eq!(age(Duration::from_hours(120)), "5d");
    }
}
