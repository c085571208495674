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
//! reached and whether new instances warm up. A poll that fails is not the refresh failing:
//! a transient failure (throttling, a 5xx, a timeout, which the SDK already retried) is
//! reported and polled again, up to [`UNREAD_LIMIT`] in a row; past that, or on any other
//! failure (a denial), gold stops watching and says the outcome is unknown
//! ([`RefreshError::outcome_unknown`]), so nothing that depends on it (moving the template's
//! default back) happens.
//!
//! AWS runs one refresh per group at a time (`InstanceRefreshInProgress`). When one already
//! runs, gold tells whose it is from what `DescribeInstanceRefreshes` echoes: a refresh started
//! after gold's version was made, with the desired configuration and preferences gold would
//! send, is an interrupted run's, and gold re-attaches to it; any other is someone else's, which
//! gold reports and waits for (it launches whatever it resolved when it started), then starts
//! its own. When an [`Interrupt`] is requested, watching stops; the refresh goes on in AWS.

use std::time::{Duration, SystemTime};

use super::Target;
use super::interrupt::Interrupt;
use super::waves::{Reporter, WaveEvent};
use crate::Error;
use crate::aws::Session;
use crate::aws::autoscaling::{self, Group, Preferences, Refresh};
use crate::manifest::RefreshPreferences;
use crate::plan::TargetId;
use crate::poll::PollPolicy;

const FIRST_POLL: Duration = Duration::from_secs(1);
const LONGEST_POLL: Duration = Duration::from_secs(15);

/// Failed polls in a row gold accepts before it stops watching a refresh; each was already
/// retried by the SDK (up to 10 attempts, backing off up to 20 s), so this is minutes of AWS
/// trouble.
pub const UNREAD_LIMIT: u32 = 5;

/// How many times gold meets another refresh on a group before it gives up starting its own.
const STARTS: usize = 5;

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
    /// When the version the groups move to was made: a running refresh started before it is
    /// not gold's (unknown for a version gold did not just make or resume).
    pub since: Option<SystemTime>,
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

/// Why refreshing a target's groups did not succeed.
#[derive(Debug)]
pub struct RefreshError {
    /// What went wrong.
    pub error: Error,
    /// Whether a refresh may still run in AWS with an outcome gold does not know (it lost sight
    /// of it): nothing that depends on the outcome may happen.
    pub outcome_unknown: bool,
}

impl From<Error> for RefreshError {
    fn from(error: Error) -> Self {
        Self {
            error,
            outcome_unknown: false,
        }
    }
}

impl From<crate::aws::AwsError> for RefreshError {
    fn from(error: crate::aws::AwsError) -> Self {
        Error::from(error).into()
    }
}

impl From<RefreshError> for Error {
    fn from(failed: RefreshError) -> Self {
        failed.error
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
/// stopped the watch. When several fail, the error is one whose outcome is unknown, if any.
pub async fn refresh_groups(
    at: &Refreshing<'_>,
    template_id: &str,
    groups: &[Group],
    target_version: i64,
    latest_version: i64,
) -> Result<Watched, RefreshError> {
    let results = futures::future::join_all(
        groups
            .iter()
            .map(|group| refresh_group(at, template_id, group, target_version, latest_version)),
    )
    .await;
    let mut left = Vec::new();
    let mut failed: Option<RefreshError> = None;
    for result in results {
        match result {
            Ok(Some(running)) => left.push(running),
            Ok(None) => {}
            Err(err) => {
                if failed
                    .as_ref()
                    .is_none_or(|first| err.outcome_unknown && !first.outcome_unknown)
                {
                    failed = Some(err);
                }
            }
        }
    }
    if let Some(failed) = failed {
        return Err(failed);
    }
    Ok(if left.is_empty() {
        Watched::Done
    } else {
        Watched::Left(left)
    })
}

/// How watching one refresh ended.
enum Watch {
    /// AWS says it ended (successfully or not).
    Ended(Refresh),
    /// Ctrl-C stopped the watch: the refresh, named, goes on in AWS.
    Stopped(String),
}

/// Refreshes one group; `Some` names the refresh Ctrl-C left running.
async fn refresh_group(
    at: &Refreshing<'_>,
    template_id: &str,
    group: &Group,
    target_version: i64,
    latest_version: i64,
) -> Result<Option<String>, RefreshError> {
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
    let desired = desired.as_deref().map(|version| (template_id, version));
    let mut started = None;
    let mut waited = false;
    for _ in 0..STARTS {
        let err = match autoscaling::start_refresh(at.session, &group.name, &preferences, desired)
            .await
        {
            Ok(id) => {
                at.reporter.event(&WaveEvent::RefreshStarted {
                    target: at.id,
                    group: &group.name,
                    refresh_id: &id,
                });
                started = Some(id);
                break;
            }
            Err(err) if err.is_limit_exceeded() => err,
            Err(err) => return Err(err.into()),
        };
        let Some(running) = autoscaling::latest_refresh(at.session, &group.name).await? else {
            return Err(err.into());
        };
        if running.is_finished() {
            // It ended between the two calls: start gold's own.
            continue;
        }
        if !waited && started_by_gold(&running, at.since, &preferences, desired) {
            at.reporter.event(&WaveEvent::RefreshAttached {
                target: at.id,
                group: &group.name,
                refresh_id: &running.id,
            });
            started = Some(running.id);
            break;
        }
        at.reporter.event(&WaveEvent::RefreshWaiting {
            target: at.id,
            group: &group.name,
            refresh_id: &running.id,
            status: &running.status,
        });
        // Whatever its outcome, it is not gold's: once it ends, gold starts its own.
        if let Watch::Stopped(left) = watch(at, group, &running.id, &[]).await? {
            return Ok(Some(left));
        }
        waited = true;
    }
    let Some(id) = started else {
        return Err(Error::failed(
            format!(
                "other instance refreshes kept running on Auto Scaling group `{}`; gold did not start its own",
                group.name
            ),
            Some("wait for them to end, then run gold again".to_owned()),
        )
        .into());
    };
    match watch(at, group, &id, &manifest.checkpoint_percentages).await? {
        Watch::Ended(refresh) if refresh.is_successful() => Ok(None),
        Watch::Ended(refresh) => Err(failure(&refresh, &group.name).into()),
        Watch::Stopped(left) => Ok(Some(left)),
    }
}

/// Whether a running refresh is one an earlier gold run started for this same move: it started
/// after the version was made, with the desired configuration and preferences gold sends.
fn started_by_gold(
    refresh: &Refresh,
    since: Option<SystemTime>,
    preferences: &Preferences,
    desired: Option<(&str, &str)>,
) -> bool {
    let after = match (refresh.started, since) {
        (Some(started), Some(made)) => started >= made,
        (None, Some(_)) => false,
        (_, None) => true,
    };
    let same_desired = match (desired, &refresh.desired) {
        (None, None) => true,
        (Some((id, version)), Some(spec)) => {
            spec.id.as_deref() == Some(id) && spec.version == version
        }
        _ => false,
    };
    after
        && same_desired
        && refresh.min_healthy_percentage == Some(preferences.min_healthy_percentage)
        && refresh.skip_matching.unwrap_or(false) == preferences.skip_matching
}

/// Polls one refresh until it ends or Ctrl-C stops the watch. A failed poll is polled again
/// while it is transient, up to [`UNREAD_LIMIT`] in a row; then (or at once, for any other
/// failure) gold stops watching with the outcome unknown.
async fn watch(
    at: &Refreshing<'_>,
    group: &Group,
    id: &str,
    checkpoints: &[u32],
) -> Result<Watch, RefreshError> {
    let mut interval = PollPolicy::new(FIRST_POLL, LONGEST_POLL).start();
    let mut pause = FIRST_POLL;
    let mut last = None;
    let mut unread = 0;
    loop {
        tokio::select! {
            () = tokio::time::sleep(pause) => {}
            () = at.interrupt.wait() => {
                return Ok(Watch::Stopped(format!("instance refresh {id} of `{}`", group.name)));
            }
        }
        let refresh = match autoscaling::refresh(at.session, &group.name, id).await {
            Ok(refresh) => {
                unread = 0;
                refresh
            }
            Err(err) if err.is_transient() && unread + 1 < UNREAD_LIMIT => {
                unread += 1;
                at.reporter.event(&WaveEvent::RefreshUnread {
                    target: at.id,
                    group: &group.name,
                    refresh_id: id,
                    error: err.to_string(),
                    failures: unread,
                    limit: UNREAD_LIMIT,
                });
                pause = interval.longest();
                continue;
            }
            Err(err) => return Err(lost_sight(&err, id, &group.name)),
        };
        let seen = (
            refresh.status.clone(),
            refresh.percentage,
            refresh.instances_to_update,
            refresh.reason.clone(),
        );
        let changed = last.as_ref() != Some(&seen);
        pause = interval.next(changed);
        if changed {
            at.reporter.event(&WaveEvent::RefreshProgress {
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
            return Ok(Watch::Ended(refresh));
        }
    }
}

/// Gold stopped watching a refresh it could not read: the refresh goes on in AWS, and its
/// outcome is AWS's.
fn lost_sight(err: &crate::aws::AwsError, id: &str, group: &str) -> RefreshError {
    RefreshError {
        error: Error::failed(
            format!(
                "gold lost sight of instance refresh {id} of Auto Scaling group `{group}` ({err}); it goes on in AWS and its outcome is unknown"
            ),
            Some(err.hint.clone().unwrap_or_else(|| {
                format!(
                    "run gold again: it watches the refresh to its end (or see `aws autoscaling describe-instance-refreshes --auto-scaling-group-name {group}`)"
                )
            })),
        ),
        outcome_unknown: true,
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
            desired: None,
            min_healthy_percentage: None,
            skip_matching: None,
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

    #[test]
    fn a_running_refresh_is_golds_only_when_started_after_its_version_as_gold_starts_them() {
        use std::time::{Duration, UNIX_EPOCH};
        let made = UNIX_EPOCH + Duration::from_secs(100);
        let prefs = preferences(&RefreshPreferences {
            min_healthy_percentage: 50,
            skip_matching: false,
            ..RefreshPreferences::default()
        });
        let running = |started: u64, min: u32, desired: Option<&str>| Refresh {
            started: Some(UNIX_EPOCH + Duration::from_secs(started)),
            min_healthy_percentage: Some(min),
            skip_matching: Some(false),
            desired: desired.map(|version| GroupTemplate {
                id: Some("lt-1".to_owned()),
                name: None,
                version: version.to_owned(),
            }),
            ..refresh("InProgress", 10)
        };
        assert!(started_by_gold(
            &running(150, 50, None),
            Some(made),
            &prefs,
            None
        ));
        // Started before gold's version existed: it launches something older.
        assert!(!started_by_gold(
            &running(50, 50, None),
            Some(made),
            &prefs,
            None
        ));
        // Other preferences, or another desired configuration: a person's.
        assert!(!started_by_gold(
            &running(150, 90, None),
            Some(made),
            &prefs,
            None
        ));
        assert!(!started_by_gold(
            &running(150, 50, Some("4")),
            Some(made),
            &prefs,
            Some(("lt-1", "5"))
        ));
        assert!(started_by_gold(
            &running(150, 50, Some("5")),
            Some(made),
            &prefs,
            Some(("lt-1", "5"))
        ));
    }
}
