//! Instance refresh of a target's Auto Scaling groups once its template has moved, and the
//! wait for it.
//!
//! How a group is refreshed depends on the version it names (AWS: without a desired
//! configuration a refresh launches what the group names; with one, the group is switched to
//! it when the refresh succeeds):
//! - `$Default`: the new default is what it launches; no desired configuration.
//! - `$Latest`: the same when gold's version is the newest (a rollout always creates the
//!   newest); otherwise (a rollback, or someone added a version since) the desired
//!   configuration is `$Default`, so the group launches the image gold chose and keeps
//!   following the default afterwards.
//! - a fixed version: the desired configuration is gold's version number, so the group is
//!   pinned to it after the refresh. A group already pinned to it needs none.
//!
//! A group that names the template inside a mixed instances policy can only be switched by
//! restating the whole policy, which gold does not own; such a group must use `$Default` or
//! `$Latest`, and gold says so instead of guessing.
//!
//! Waiting polls `DescribeInstanceRefreshes` from every second up to every fifteen, starting
//! over whenever progress moves, so short refreshes finish promptly and long ones cost few calls.

use std::time::Duration;

use super::Target;
use super::waves::{Event, Reporter};
use crate::Error;
use crate::aws::Session;
use crate::aws::autoscaling::{self, Group, Preferences};
use crate::manifest::RefreshPreferences;
use crate::plan::TargetId;

const FIRST_POLL: Duration = Duration::from_secs(1);
const LONGEST_POLL: Duration = Duration::from_secs(15);

/// The desired version for a group's refresh, or why gold cannot refresh it.
pub fn desired_version(
    group: &Group,
    target_version: i64,
    latest_version: i64,
) -> Result<Option<String>, String> {
    let named = group
        .template
        .as_ref()
        .map_or("$Default", |spec| spec.version.as_str());
    let desired = match named {
        "$Default" => None,
        "$Latest" if latest_version == target_version => None,
        "$Latest" => Some("$Default".to_owned()),
        fixed if fixed.parse::<i64>().ok() == Some(target_version) => None,
        _ => Some(target_version.to_string()),
    };
    if desired.is_some() && group.mixed_instances {
        return Err(format!(
            "Auto Scaling group `{}` names version {named} inside a mixed instances policy; make it `$Default` so gold can move it",
            group.name
        ));
    }
    Ok(desired)
}

/// Where refreshes run and who hears about them.
pub struct Refreshing<'a> {
    /// The session in the target's account and region.
    pub session: &'a Session,
    /// The target whose groups are refreshed.
    pub target: &'a Target,
    /// The target as events name it.
    pub id: &'a TargetId,
    /// Where progress goes.
    pub reporter: &'a dyn Reporter,
    /// Replace every instance, whatever `skip_matching` says: instances of a template that
    /// resolves an SSM parameter match its version whatever AMI they run, so Auto Scaling's
    /// `SkipMatching` (which compares template and version) would skip them all.
    pub replace_all: bool,
}

/// The manifest's refresh preferences as the Auto Scaling adapter takes them.
fn preferences(manifest: &RefreshPreferences) -> Preferences {
    Preferences {
        min_healthy_percentage: manifest.min_healthy_percentage,
        max_healthy_percentage: manifest.max_healthy_percentage,
        instance_warmup_seconds: manifest.instance_warmup_seconds,
        checkpoint_percentages: manifest.checkpoint_percentages.clone(),
        checkpoint_delay_seconds: manifest.checkpoint_delay_seconds,
        skip_matching: manifest.skip_matching,
        auto_rollback: manifest.auto_rollback,
    }
}

/// Refreshes every group (concurrently) and waits until each succeeded.
pub async fn refresh_groups(
    at: &Refreshing<'_>,
    template_id: &str,
    groups: &[Group],
    target_version: i64,
    latest_version: i64,
) -> Result<(), Error> {
    let results = futures::future::join_all(
        groups
            .iter()
            .map(|group| refresh_group(at, template_id, group, target_version, latest_version)),
    )
    .await;
    results.into_iter().collect()
}

async fn refresh_group(
    at: &Refreshing<'_>,
    template_id: &str,
    group: &Group,
    target_version: i64,
    latest_version: i64,
) -> Result<(), Error> {
    let (session, reporter) = (at.session, at.reporter);
    let desired = desired_version(group, target_version, latest_version)
        .map_err(|message| Error::failed(message, None))?;
    // Only templates have groups; a parameter target never gets here with any.
    let defaults = RefreshPreferences::default();
    let manifest = at.target.template().map_or(&defaults, |t| &t.refresh);
    let mut preferences = preferences(manifest);
    preferences.skip_matching &= !at.replace_all;
    let id = autoscaling::start_refresh(
        session,
        &group.name,
        &preferences,
        desired.as_deref().map(|version| (template_id, version)),
    )
    .await?;
    let who = at.id;
    reporter.event(&Event::RefreshStarted {
        target: who,
        group: &group.name,
        refresh_id: &id,
    });
    let mut pause = FIRST_POLL;
    let mut last = None;
    loop {
        tokio::time::sleep(pause).await;
        let refresh = autoscaling::refresh(session, &group.name, &id).await?;
        let seen = (refresh.status.clone(), refresh.percentage);
        if last.as_ref() == Some(&seen) {
            pause = (pause * 3 / 2).min(LONGEST_POLL);
        } else {
            pause = FIRST_POLL;
            reporter.event(&Event::RefreshProgress {
                target: who,
                group: &group.name,
                status: &refresh.status,
                percentage: refresh.percentage,
            });
            last = Some(seen);
        }
        if refresh.is_finished() {
            if refresh.is_successful() {
                return Ok(());
            }
            return Err(Error::failed(
                format!(
                    "instance refresh {id} of Auto Scaling group `{}` ended {}{}",
                    group.name,
                    refresh.status,
                    refresh
                        .reason
                        .map(|reason| format!(": {reason}"))
                        .unwrap_or_default()
                ),
                Some(format!(
                    "see `aws autoscaling describe-instance-refreshes --auto-scaling-group-name {}`; `gold rollout` again retries it",
                    group.name
                )),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::autoscaling::GroupTemplate;

    fn group(version: &str, mixed: bool) -> Group {
        Group {
            name: "web".to_owned(),
            template: Some(GroupTemplate {
                id: Some("lt-0123456789abcdef0".to_owned()),
                name: None,
                version: version.to_owned(),
            }),
            mixed_instances: mixed,
        }
    }

    #[test]
    fn default_and_latest_follow_the_template_without_a_desired_configuration() {
        assert_eq!(desired_version(&group("$Default", false), 5, 5), Ok(None));
        assert_eq!(desired_version(&group("$Latest", false), 5, 5), Ok(None));
        assert_eq!(desired_version(&group("$Default", true), 3, 5), Ok(None));
    }

    #[test]
    fn latest_behind_the_default_is_switched_to_default() {
        assert_eq!(
            desired_version(&group("$Latest", false), 3, 5),
            Ok(Some("$Default".to_owned()))
        );
    }

    #[test]
    fn a_fixed_version_is_pinned_to_golds_version() {
        assert_eq!(
            desired_version(&group("3", false), 5, 5),
            Ok(Some("5".to_owned()))
        );
        assert_eq!(desired_version(&group("5", false), 5, 5), Ok(None));
        assert!(desired_version(&group("3", true), 5, 5).is_err());
    }
}
