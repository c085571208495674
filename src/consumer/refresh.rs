//! Instance refresh of a target's Auto Scaling groups once its template has moved, and the
//! watch over it until AWS says it is done.
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
//!   pinned to it after the refresh. A group already pinned to it needs none, unless the
//!   manifest asks for `auto_rollback`: AWS rejects `AutoRollback` without a desired
//!   configuration, and on a group that names `$Default` or `$Latest` (API Reference,
//!   `RefreshPreferences.AutoRollback`), so gold refuses those before starting anything.
//!
//! A group that names the template inside a mixed instances policy can only be switched by
//! restating the whole policy, which gold does not own; such a group must use `$Default` or
//! `$Latest`, and gold says so instead of guessing.
//!
//! The manifest's `alarms` become the refresh's `AlarmSpecification` and `bake_time_seconds`
//! its `BakeTime`: AWS keeps the refresh `Baking` (alarms still watched) after the last
//! replacement, and since a wave ends only when its refreshes do, the next wave waits too.
//!
//! Waiting polls `DescribeInstanceRefreshes` from every second up to every fifteen, starting
//! over whenever progress moves, so short refreshes finish promptly and long ones cost few
//! calls. Each poll reports the percentage, the instances still to update, the checkpoint
//! reached and whether new instances warm up. A refresh already running on the group (an
//! interrupted run's) is watched instead of failing to start another. When an
//! [`Interrupt`] is requested, watching stops; the refresh goes on in AWS.

use std::time::Duration;

use super::Target;
use super::interrupt::Interrupt;
use super::waves::{Event, Reporter};
use crate::Error;
use crate::aws::Session;
use crate::aws::autoscaling::{self, Group, Preferences, Refresh};
use crate::manifest::RefreshPreferences;
use crate::plan::TargetId;

const FIRST_POLL: Duration = Duration::from_secs(1);
const LONGEST_POLL: Duration = Duration::from_secs(15);

/// AWS's `StatusReason` while new instances warm up ("Check the status of an instance refresh").
const WARMING_UP: &str = "Waiting for instances to warm up";

/// The desired version for a group's refresh, or why gold cannot refresh it.
pub fn desired_version(
    group: &Group,
    target_version: i64,
    latest_version: i64,
    auto_rollback: bool,
) -> Result<Option<String>, String> {
    let named = named_version(group);
    if auto_rollback {
        pinned(group)?;
    }
    let desired = match named {
        "$Default" => None,
        "$Latest" if latest_version == target_version => None,
        "$Latest" => Some("$Default".to_owned()),
        fixed if fixed.parse::<i64>().ok() == Some(target_version) && !auto_rollback => None,
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

/// The version a group names (`$Default` when it names none).
fn named_version(group: &Group) -> &str {
    group
        .template
        .as_ref()
        .map_or("$Default", |spec| spec.version.as_str())
}

/// Refuses a group on `$Default` or `$Latest`: AWS rolls back only a group pinned to a
/// version number.
fn pinned(group: &Group) -> Result<(), String> {
    let named = named_version(group);
    if named.starts_with('$') {
        return Err(format!(
            "Auto Scaling group `{}` launches version {named} of its template, and AWS rolls back only a group on a numbered version; pin the group to a version, or set `auto_rollback = false`",
            group.name
        ));
    }
    Ok(())
}

/// Refuses, when the manifest asks for `auto_rollback`, groups AWS would not roll back: a
/// plan can tell before it knows the version a rollout makes.
pub fn check_auto_rollback(groups: &[Group], manifest: &RefreshPreferences) -> Result<(), Error> {
    if !manifest.auto_rollback {
        return Ok(());
    }
    groups
        .iter()
        .try_for_each(pinned)
        .map_err(|message| Error::failed(message, None))
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
    /// Ctrl-C: stop watching.
    pub interrupt: &'a Interrupt,
}

impl Refreshing<'_> {
    /// The manifest's refresh preferences for the target's groups; only templates have
    /// groups, so a parameter target (which never gets here with any) has the defaults.
    fn manifest(&self) -> RefreshPreferences {
        self.target
            .template()
            .map(|template| template.refresh.clone())
            .unwrap_or_default()
    }
}

/// How watching a target's refreshes ended, when none failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Watched {
    /// Every refresh succeeded.
    Done,
    /// Ctrl-C stopped the watch; these refreshes (`id` of `group`) still run in AWS.
    Left(Vec<String>),
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
        alarms: manifest.alarms.clone(),
        bake_time_seconds: manifest.bake_time_seconds,
    }
}

/// Checks that every group can be refreshed as the manifest asks, before anything changes.
pub fn check_groups(
    groups: &[Group],
    manifest: &RefreshPreferences,
    target_version: i64,
    latest_version: i64,
) -> Result<(), Error> {
    for group in groups {
        desired_version(
            group,
            target_version,
            latest_version,
            manifest.auto_rollback,
        )
        .map_err(|message| Error::failed(message, None))?;
    }
    Ok(())
}

/// Refreshes every group (concurrently) and waits until each succeeded, failed or Ctrl-C
/// stopped the watch.
pub async fn refresh_groups(
    at: &Refreshing<'_>,
    template_id: &str,
    groups: &[Group],
    target_version: i64,
    latest_version: i64,
) -> Result<Watched, Error> {
    let results = futures::future::join_all(
        groups
            .iter()
            .map(|group| refresh_group(at, template_id, group, target_version, latest_version)),
    )
    .await;
    let mut left = Vec::new();
    for result in results {
        if let Some(running) = result? {
            left.push(running);
        }
    }
    Ok(if left.is_empty() {
        Watched::Done
    } else {
        Watched::Left(left)
    })
}

/// Refreshes one group; `Some` names the refresh Ctrl-C left running.
async fn refresh_group(
    at: &Refreshing<'_>,
    template_id: &str,
    group: &Group,
    target_version: i64,
    latest_version: i64,
) -> Result<Option<String>, Error> {
    let manifest = at.manifest();
    let desired = desired_version(
        group,
        target_version,
        latest_version,
        manifest.auto_rollback,
    )
    .map_err(|message| Error::failed(message, None))?;
    let mut preferences = preferences(&manifest);
    preferences.skip_matching &= !at.replace_all;
    let started = autoscaling::start_refresh(
        at.session,
        &group.name,
        &preferences,
        desired.as_deref().map(|version| (template_id, version)),
    )
    .await;
    let id = match started {
        Ok(id) => id,
        Err(err) if err.is_limit_exceeded() => {
            // A refresh already runs (an interrupted run started it): watch it to its end.
            match autoscaling::latest_refresh(at.session, &group.name).await? {
                Some(running) if !running.is_finished() => running.id,
                _ => return Err(err.into()),
            }
        }
        Err(err) => return Err(err.into()),
    };
    at.reporter.event(&Event::RefreshStarted {
        target: at.id,
        group: &group.name,
        refresh_id: &id,
    });
    watch(at, group, &id, &manifest.checkpoint_percentages).await
}

/// Polls one refresh until it ends (`Ok(None)` when it succeeded) or Ctrl-C stops the watch.
async fn watch(
    at: &Refreshing<'_>,
    group: &Group,
    id: &str,
    checkpoints: &[u32],
) -> Result<Option<String>, Error> {
    let mut pause = FIRST_POLL;
    let mut last = None;
    loop {
        tokio::select! {
            () = tokio::time::sleep(pause) => {}
            () = at.interrupt.wait() => {
                return Ok(Some(format!("instance refresh {id} of `{}`", group.name)));
            }
        }
        let refresh = autoscaling::refresh(at.session, &group.name, id).await?;
        let seen = (
            refresh.status.clone(),
            refresh.percentage,
            refresh.instances_to_update,
            refresh.reason.clone(),
        );
        if last.as_ref() == Some(&seen) {
            pause = (pause * 3 / 2).min(LONGEST_POLL);
        } else {
            pause = FIRST_POLL;
            at.reporter.event(&Event::RefreshProgress {
                target: at.id,
                group: &group.name,
                status: &refresh.status,
                percentage: refresh.percentage,
                instances_to_update: refresh.instances_to_update,
                checkpoint: checkpoint_reached(&refresh, checkpoints),
                warming_up: refresh
                    .reason
                    .as_deref()
                    .is_some_and(|reason| reason.starts_with(WARMING_UP)),
                reason: refresh.reason.as_deref(),
            });
            last = Some(seen);
        }
        if refresh.is_finished() {
            if refresh.is_successful() {
                return Ok(None);
            }
            return Err(failure(&refresh, &group.name));
        }
    }
}

/// The checkpoint a refresh in progress has reached and waits at: the highest of the
/// manifest's percentages it has passed, short of the last (reaching that one ends it).
fn checkpoint_reached(refresh: &Refresh, checkpoints: &[u32]) -> Option<u32> {
    let percentage = u32::from(refresh.percentage?);
    if refresh.status != "InProgress" {
        return None;
    }
    let (_, before_last) = checkpoints.split_last()?;
    before_last
        .iter()
        .copied()
        .filter(|&checkpoint| checkpoint <= percentage)
        .max()
}

/// A failed, cancelled or rolled-back refresh as gold's error: the group, AWS's reason, and
/// whether AWS rolled the group back.
fn failure(refresh: &Refresh, group: &str) -> Error {
    let reason = refresh
        .rollback_reason
        .as_deref()
        .or(refresh.reason.as_deref())
        .map_or("Auto Scaling gave no reason", |reason| {
            reason.trim_end_matches('.')
        });
    let rollback = match refresh.status.as_str() {
        "RollbackSuccessful" => "; AWS rolled the group back to its previous configuration",
        "RollbackFailed" => "; AWS's rollback failed too",
        _ => "; not rolled back",
    };
    Error::failed(
        format!(
            "instance refresh {} of Auto Scaling group `{group}` ended {}: {reason}{rollback}",
            refresh.id, refresh.status
        ),
        Some(format!(
            "see `aws autoscaling describe-instance-refreshes --auto-scaling-group-name {group}`; `gold rollout` again retries it"
        )),
    )
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
        assert_eq!(
            desired_version(&group("$Default", false), 5, 5, false),
            Ok(None)
        );
        assert_eq!(
            desired_version(&group("$Latest", false), 5, 5, false),
            Ok(None)
        );
        assert_eq!(
            desired_version(&group("$Default", true), 3, 5, false),
            Ok(None)
        );
    }

    #[test]
    fn latest_behind_the_default_is_switched_to_default() {
        assert_eq!(
            desired_version(&group("$Latest", false), 3, 5, false),
            Ok(Some("$Default".to_owned()))
        );
    }

    #[test]
    fn a_fixed_version_is_pinned_to_golds_version() {
        assert_eq!(
            desired_version(&group("3", false), 5, 5, false),
            Ok(Some("5".to_owned()))
        );
        assert_eq!(desired_version(&group("5", false), 5, 5, false), Ok(None));
        assert!(desired_version(&group("3", true), 5, 5, false).is_err());
    }

    #[test]
    fn auto_rollback_needs_a_numbered_version_and_always_a_desired_configuration() {
        assert_eq!(
            desired_version(&group("5", false), 5, 5, true),
            Ok(Some("5".to_owned()))
        );
        assert_eq!(
            desired_version(&group("3", false), 5, 5, true),
            Ok(Some("5".to_owned()))
        );
        let refused = desired_version(&group("$Default", false), 5, 5, true);
        assert!(refused.is_err_and(|message| message.contains("auto_rollback = false")));
        assert!(desired_version(&group("$Latest", false), 5, 5, true).is_err());
    }

    fn refresh(status: &str, percentage: u8) -> Refresh {
        Refresh {
            id: "r-1".to_owned(),
            status: status.to_owned(),
            percentage: Some(percentage),
            reason: None,
            instances_to_update: Some(2),
            rollback_reason: None,
            started: None,
        }
    }

    #[test]
    fn the_checkpoint_reached_is_the_highest_passed_short_of_the_last() {
        let checkpoints = [25, 50, 100];
        assert_eq!(
            checkpoint_reached(&refresh("InProgress", 10), &checkpoints),
            None
        );
        assert_eq!(
            checkpoint_reached(&refresh("InProgress", 50), &checkpoints),
            Some(50)
        );
        assert_eq!(
            checkpoint_reached(&refresh("InProgress", 75), &checkpoints),
            Some(50)
        );
        assert_eq!(
            checkpoint_reached(&refresh("Successful", 100), &checkpoints),
            None
        );
        assert_eq!(checkpoint_reached(&refresh("InProgress", 50), &[]), None);
    }

    #[test]
    fn a_failure_names_the_group_the_reason_and_the_rollback() {
        let mut rolled = refresh("RollbackSuccessful", 0);
        rolled.reason = Some("The instance refresh was rolled back successfully.".to_owned());
        rolled.rollback_reason = Some("new instance i-1 failed its health checks".to_owned());
        let text = failure(&rolled, "web").to_string();
        assert!(text.contains("`web`"), "{text}");
        assert!(
            text.contains("new instance i-1 failed its health checks"),
            "{text}"
        );
        assert!(text.contains("AWS rolled the group back"), "{text}");
        let mut failed = refresh("Failed", 50);
        failed.reason = Some("alarm went into ALARM".to_owned());
        let text = failure(&failed, "web").to_string();
        assert!(
            text.contains("alarm went into ALARM; not rolled back"),
            "{text}"
        );
    }
}
