//! The consumer side, in every workload account: choose the AMI to trust, move launch
//! templates to it, refresh Auto Scaling groups, report status and roll back.
//!
//! The flow of `gold rollout` (and, with another first step, `gold rollback`):
//! 1. [`discover`]: every consumer × region × launch template or SSM parameter the filter
//!    keeps: the listed ones ([`targets`]) and those found in AWS Organizations and by tag;
//! 2. [`survey`]: per target, concurrently, read the template's default version, the
//!    producer's AMIs and the listed Auto Scaling groups ([`select`] picks the AMI), and let
//!    [`crate::plan::consumer`] decide one [`Step`];
//! 3. [`rollout::plan`]: the steps as a [`crate::plan::Plan`], which the command shows and
//!    confirms before anything changes;
//! 4. [`rollout::apply`]: the [`waves`] engine runs each target's step ([`apply`]: new version,
//!    default, then [`refresh`] of its groups) wave by wave, reporting to a [`waves::Reporter`];
//!    a failed target stops later waves.
//!
//! Cost of the common path per target: `DescribeImages` (shared by the templates of one
//! account and region), `DescribeLaunchTemplateVersions`, `CreateLaunchTemplateVersion`,
//! `ModifyLaunchTemplate`; plus the account's credentials once (`AssumeRole`, whose answer
//! names the account), shared by every region: five calls for a lone template.
//!
//! [`parameters`] adds SSM parameter targets and templates that resolve one (`resolve:ssm:`):
//! the parameter gets a new version instead of the template.
//!
//! [`destroy`] removes what gold created here (templates marked `create`, their security group).

mod apply;
pub mod destroy;
pub mod discover;
pub mod grants;
pub mod interrupt;
mod live;
mod parameters;
mod refresh;
pub mod retire;
pub mod rollback;
pub mod rollout;
pub mod select;
pub mod status;
mod survey;
pub mod targets;
mod templates;
pub mod usage;
pub mod waves;

use futures::StreamExt;

pub use interrupt::Interrupt;
pub use select::{Choices, ImageChoice};
pub use targets::{Target, TargetFilter};
pub use waves::{Outcome, Reporter, Summary, WaveEvent};

use crate::aws::images::Image;
use crate::aws::launch_templates::{LiveTemplate, TemplateVersion};
use crate::plan::consumer::Step;

/// One target with its decided step, or why it cannot proceed.
pub struct Planned {
    /// The target.
    pub target: Target,
    /// The step, or the error that makes this target fail.
    pub step: Result<Step, crate::Error>,
}

/// The end of every survey: the targets surveyed, then the selectors that could not be looked
/// up (each fails alone) and those skipped, with at most one writer per parameter.
fn with_unsurveyed(
    mut planned: Vec<Planned>,
    failed: Vec<(Target, crate::Error)>,
    skipped: Vec<(Target, String)>,
) -> Vec<Planned> {
    planned.extend(failed.into_iter().map(|(target, err)| Planned {
        target,
        step: Err(err),
    }));
    planned.extend(skipped.into_iter().map(|(target, reason)| Planned {
        target,
        step: Ok(Step::Skipped { reason }),
    }));
    parameters::one_writer(&mut planned);
    planned
}

/// Every target of a command with its step, and what AWS Organizations held.
pub struct Surveyed {
    /// Each target with its step, or why it cannot proceed.
    pub planned: Vec<Planned>,
    /// Per consumer that selects its accounts by organization: what was found.
    pub discovered: Vec<crate::plan::discovery::Discovered>,
    /// Selectors that matched nothing.
    pub unmatched: Vec<crate::plan::discovery::Unmatched>,
    /// The KMS grant of each account whose groups a refresh launches from an encrypted AMI.
    pub grants: Vec<grants::KeyGrant>,
    /// Accounts whose Allowed AMIs, in `audit-mode`, do not admit the image chosen for them.
    pub audited: Vec<crate::plan::allowed::Audited>,
}

impl Surveyed {
    /// The end of a rollout's or rollback's survey: the targets' steps with the selectors
    /// `found` could not survey, then the KMS grant each account's refreshes need.
    async fn gather(
        context: &live::Context<'_>,
        planned: Vec<Planned>,
        found: discover::Found,
        parallelism: usize,
    ) -> Self {
        let mut planned = with_unsurveyed(planned, found.failed, found.skipped);
        let grants = grants::survey(
            context.manifest,
            context.sessions,
            &mut planned,
            parallelism,
        )
        .await;
        Surveyed {
            planned,
            discovered: found.discovered,
            unmatched: found.unmatched,
            grants,
            audited: context.audited(),
        }
    }

    /// The steps as a plan (after the grants they need), with what was found in the
    /// organization.
    pub fn plan(&self) -> crate::plan::Plan {
        let mut plan = grants::plan(&self.grants);
        plan.extend(rollout::plan(&self.planned));
        plan.discovered.clone_from(&self.discovered);
        plan.unmatched.clone_from(&self.unmatched);
        plan.audited.clone_from(&self.audited);
        plan
    }
}

/// The version description gold writes: the build and the default it replaced. (`after v3`
/// is stored in AWS and read back by [`previous_version`], so it keeps this spelling.)
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

/// Whether a version's description says gold made it.
pub fn made_by_gold(description: &str) -> bool {
    description.starts_with("gold: ")
}

/// The default version a gold rollout replaced, read back from its description.
pub fn previous_version(description: &str) -> Option<i64> {
    let rest = description.strip_prefix("gold: ")?;
    let (_, previous) = rest.rsplit_once(" after v")?;
    previous.parse().ok()
}

/// The version an interrupted rollout made for `image` but never made the default: the
/// template's newest version, launching `image`, whose description says gold made it from the
/// current default. A re-run makes it the default instead of creating another.
pub fn interrupted_version(template: &LiveTemplate, image: &Image) -> Option<TemplateVersion> {
    let newest = template.newest.as_ref()?;
    let made_after = previous_version(newest.description.as_deref()?)?;
    (made_after == template.default.number && newest.image_id.as_deref() == Some(&image.id))
        .then(|| newest.clone())
}

/// Runs `work` on every item, at most `parallelism` at once. An item's slot frees the moment
/// its work ends, whatever the others do (one slow item never holds back the rest); the results
/// come back in the items' order.
async fn concurrently<T, R, F, Fut>(items: Vec<T>, parallelism: usize, work: F) -> Vec<R>
where
    F: Fn(T) -> Fut,
    Fut: std::future::Future<Output = R>,
{
    let work = &work;
    let mut ended: Vec<(usize, R)> = futures::stream::iter(
        items
            .into_iter()
            .enumerate()
            .map(|(index, item)| async move { (index, work(item).await) }),
    )
    .buffer_unordered(parallelism.max(1))
    .collect()
    .await;
    ended.sort_by_key(|(index, _)| *index);
    ended.into_iter().map(|(_, result)| result).collect()
}

/// How many targets of one wave are worked on at once unless `--parallelism` says otherwise.
pub const DEFAULT_PARALLELISM: usize = 16;

#[cfg(test)]
mod tests {
    use super::*;

    fn image(name: &str) -> Image {
        crate::plan::fixtures::image("ami-0123456789abcdef0", name)
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

    fn version(number: i64, image: &str, description: &str) -> TemplateVersion {
        TemplateVersion {
            template_id: "lt-0123456789abcdef0".to_owned(),
            template_name: "app".to_owned(),
            number,
            image_id: Some(image.to_owned()),
            description: Some(description.to_owned()),
            created: None,
            snapshot_mappings: crate::aws::launch_templates::SnapshotMappings::default(),
        }
    }

    #[test]
    fn a_version_an_interrupted_rollout_made_from_the_default_is_resumed() {
        let new = image("sample_v5_x");
        let made = describe_version(&new, Some(2));
        let template = |newest: Option<TemplateVersion>| LiveTemplate {
            default: version(2, "ami-old", "gold: sample_v4_x (ami-old) after v1"),
            latest: newest.as_ref().map_or(2, |v| v.number),
            newest,
        };
        let resumed = interrupted_version(&template(Some(version(3, &new.id, &made))), &new);
        assert_eq!(resumed.map(|v| v.number), Some(3));
        // Made from another default, by hand, or for another image: a new version is made.
        let stale = describe_version(&new, Some(1));
        assert!(interrupted_version(&template(Some(version(3, &new.id, &stale))), &new).is_none());
        assert!(
            interrupted_version(&template(Some(version(3, &new.id, "by hand"))), &new).is_none()
        );
        assert!(
            interrupted_version(&template(Some(version(3, "ami-other", &made))), &new).is_none()
        );
        assert!(interrupted_version(&template(None), &new).is_none());
    }

    #[test]
    fn long_names_keep_the_previous_version_in_the_description() {
        let text = describe_version(&image(&"n".repeat(250)), Some(12));
        assert!(text.len() <= 255);
        assert_eq!(previous_version(&text), Some(12));
    }
}
