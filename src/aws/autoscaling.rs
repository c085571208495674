//! Auto Scaling groups and their instance refreshes (EC2 Auto Scaling API).
//!
//! AWS facts relied on (EC2 Auto Scaling API Reference, `StartInstanceRefresh`,
//! `DescribeInstanceRefreshes`; User Guide, "Use an instance refresh with skip matching"):
//! a group names its launch template directly or inside a mixed instances policy, with a
//! version that is a number, `$Default` or `$Latest` (`$Default` when omitted); a refresh
//! started with a `DesiredConfiguration` moves the group to it once the refresh succeeds;
//! `DescribeInstanceRefreshes` lists a group's refreshes newest first; only one refresh runs
//! per group at a time (`InstanceRefreshInProgress`); `AlarmSpecification` names `CloudWatch`
//! alarms that fail the refresh in `ALARM`, `BakeTime` keeps it `Baking` (alarms still watched)
//! before it counts as done; a failed refresh with `AutoRollback` ends `RollbackSuccessful` or
//! `RollbackFailed` with `RollbackDetails.RollbackReason` saying why it failed.
//! `DescribeInstanceRefreshes` echoes each refresh's `DesiredConfiguration` and `Preferences`
//! (AWS's defaults filled in), which is how gold tells a refresh it started from another.
//! `DescribeAutoScalingGroups` lists each instance with the launch template version it was
//! launched from; its `ImageId` appears only for root-volume replacements and AMI overrides,
//! so the AMI an instance runs is read from EC2 ([`super::instances`]).

use std::time::SystemTime;

use aws_sdk_autoscaling::types::{
    AlarmSpecification, DesiredConfiguration, LaunchTemplateSpecification, RefreshPreferences,
};

use aws_sdk_autoscaling::operation::start_instance_refresh::StartInstanceRefreshError;

use super::call::CallExt;
use super::error::{AwsError, Reason};
use super::session::Session;

/// How an instance refresh replaces instances (`RefreshPreferences` of the API).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preferences {
    /// Percentage of capacity that stays healthy.
    pub min_healthy_percentage: u32,
    /// Percentage of capacity the refresh may go up to.
    pub max_healthy_percentage: Option<u32>,
    /// Seconds a new instance needs before it counts as healthy.
    pub instance_warmup_seconds: Option<u32>,
    /// Percentages at which the refresh pauses.
    pub checkpoint_percentages: Vec<u32>,
    /// Seconds to wait at each checkpoint.
    pub checkpoint_delay_seconds: Option<u32>,
    /// Skip instances that already match.
    pub skip_matching: bool,
    /// Roll back when the refresh fails.
    pub auto_rollback: bool,
    /// `CloudWatch` alarms that fail the refresh in `ALARM`.
    pub alarms: Vec<String>,
    /// Seconds to stay `Baking` after the last replacement.
    pub bake_time_seconds: Option<u32>,
}

/// One instance of a group, as Auto Scaling lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupInstance {
    /// The group it belongs to.
    pub group: String,
    /// `i-…`.
    pub id: String,
    /// The launch template version it was launched from, when it came from a template.
    pub version: Option<String>,
}

/// An Auto Scaling group as gold needs to know it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// The group name.
    pub name: String,
    /// The launch template it launches from, when it uses one.
    pub template: Option<GroupTemplate>,
    /// Whether the template is named inside a mixed instances policy.
    pub mixed_instances: bool,
}

/// The launch template a group names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupTemplate {
    /// `lt-…`, when AWS gives it.
    pub id: Option<String>,
    /// The template name, when AWS gives it.
    pub name: Option<String>,
    /// A version number, `$Default` or `$Latest`.
    pub version: String,
}

/// One instance refresh.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refresh {
    /// The refresh id.
    pub id: String,
    /// `Pending`, `InProgress`, `Successful`, `Failed`, `Cancelled`, `Rollback…`, `Baking`.
    pub status: String,
    /// Percentage complete, when AWS reports it.
    pub percentage: Option<u8>,
    /// Why it is in this state, when AWS says.
    pub reason: Option<String>,
    /// Instances not yet taken up by the refresh.
    pub instances_to_update: Option<u32>,
    /// Why the refresh was rolled back, when it was.
    pub rollback_reason: Option<String>,
    /// When it started.
    pub started: Option<SystemTime>,
    /// The launch template its `DesiredConfiguration` names, when it has one.
    pub desired: Option<GroupTemplate>,
    /// Its `MinHealthyPercentage`, as AWS echoes the preferences it runs with.
    pub min_healthy_percentage: Option<u32>,
    /// Its `SkipMatching`.
    pub skip_matching: Option<bool>,
}

impl Refresh {
    /// Whether the refresh has ended (successfully or not).
    pub fn is_finished(&self) -> bool {
        matches!(
            self.status.as_str(),
            "Successful" | "Failed" | "Cancelled" | "RollbackSuccessful" | "RollbackFailed"
        )
    }

    /// Whether the refresh ended with every instance replaced.
    pub fn is_successful(&self) -> bool {
        self.status == "Successful"
    }

    /// Whether AWS rolled the group back to its previous configuration.
    pub fn rolled_back(&self) -> bool {
        self.status == "RollbackSuccessful"
    }
}

/// The named groups that exist (missing names are simply absent from the answer); every group
/// of the account and region when `names` is empty.
pub async fn groups(session: &Session, names: &[String]) -> Result<Vec<Group>, AwsError> {
    let client = session.autoscaling();
    let mut pages = client
        .describe_auto_scaling_groups()
        .set_auto_scaling_group_names((!names.is_empty()).then(|| names.to_vec()))
        .into_paginator()
        .send();
    let mut found = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.call_on(session, "DescribeAutoScalingGroups", names.join(", "))?;
        found.extend(page.auto_scaling_groups().iter().map(group_of));
    }
    Ok(found)
}

/// Every group of the account and region (pages of 100, the API's largest), for finding the
/// groups that launch from a template: no filter selects groups by launch template.
pub async fn all_groups(session: &Session) -> Result<Vec<Group>, AwsError> {
    let client = session.autoscaling();
    let mut pages = client
        .describe_auto_scaling_groups()
        .max_records(100)
        .into_paginator()
        .send();
    let mut found = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.call(session, "DescribeAutoScalingGroups")?;
        found.extend(page.auto_scaling_groups().iter().map(group_of));
    }
    Ok(found)
}

/// Every instance of the named groups, with the template version each was launched from.
pub async fn instances(
    session: &Session,
    names: &[String],
) -> Result<Vec<GroupInstance>, AwsError> {
    let client = session.autoscaling();
    let mut pages = client
        .describe_auto_scaling_groups()
        .set_auto_scaling_group_names(Some(names.to_vec()))
        .into_paginator()
        .send();
    let mut found = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.call_on(session, "DescribeAutoScalingGroups", names.join(", "))?;
        for group in page.auto_scaling_groups() {
            for instance in group.instances() {
                let Some(id) = instance.instance_id() else {
                    continue;
                };
                found.push(GroupInstance {
                    group: group
                        .auto_scaling_group_name()
                        .unwrap_or_default()
                        .to_owned(),
                    id: id.to_owned(),
                    version: instance
                        .launch_template()
                        .and_then(|spec| spec.version())
                        .map(str::to_owned),
                });
            }
        }
    }
    Ok(found)
}

fn group_of(group: &aws_sdk_autoscaling::types::AutoScalingGroup) -> Group {
    let mixed = group
        .mixed_instances_policy()
        .and_then(|policy| policy.launch_template())
        .and_then(|template| template.launch_template_specification());
    let spec = group.launch_template().or(mixed);
    Group {
        name: group
            .auto_scaling_group_name()
            .unwrap_or_default()
            .to_owned(),
        template: spec.map(|spec| GroupTemplate {
            id: spec.launch_template_id().map(str::to_owned),
            name: spec.launch_template_name().map(str::to_owned),
            version: spec.version().unwrap_or("$Default").to_owned(),
        }),
        mixed_instances: group.launch_template().is_none() && mixed.is_some(),
    }
}

/// Starts an instance refresh; with `desired` (template id, version) the group moves to that version.
pub async fn start_refresh(
    session: &Session,
    group: &str,
    preferences: &Preferences,
    desired: Option<(&str, &str)>,
) -> Result<String, AwsError> {
    let mut prefs = RefreshPreferences::builder()
        .min_healthy_percentage(int(preferences.min_healthy_percentage))
        .skip_matching(preferences.skip_matching)
        .auto_rollback(preferences.auto_rollback)
        .set_max_healthy_percentage(preferences.max_healthy_percentage.map(int))
        .set_instance_warmup(preferences.instance_warmup_seconds.map(int))
        .set_checkpoint_delay(preferences.checkpoint_delay_seconds.map(int))
        .set_bake_time(preferences.bake_time_seconds.map(int));
    if !preferences.alarms.is_empty() {
        prefs = prefs.alarm_specification(
            AlarmSpecification::builder()
                .set_alarms(Some(preferences.alarms.clone()))
                .build(),
        );
    }
    if !preferences.checkpoint_percentages.is_empty() {
        prefs = prefs.set_checkpoint_percentages(Some(
            preferences
                .checkpoint_percentages
                .iter()
                .copied()
                .map(int)
                .collect(),
        ));
    }
    let desired = desired.map(|(template_id, version)| {
        DesiredConfiguration::builder()
            .launch_template(
                LaunchTemplateSpecification::builder()
                    .launch_template_id(template_id)
                    .version(version)
                    .build(),
            )
            .build()
    });
    let output = session.autoscaling()
        .start_instance_refresh()
        .auto_scaling_group_name(group)
        .preferences(prefs.build())
        .set_desired_configuration(desired)
        .send()
        .await
        .call_classified(session, "StartInstanceRefresh", group, |err| {
            StartInstanceRefreshError::is_instance_refresh_in_progress_fault(err)
                .then_some(Reason::LimitExceeded)
        })
        .map_err(|err| {
            if err.is_limit_exceeded() {
                err.with_hint(format!(
                    "another instance refresh is running on `{group}`; wait for it (or cancel it), then run gold again"
                ))
            } else {
                err
            }
        })?;
    output
        .instance_refresh_id()
        .map(str::to_owned)
        .ok_or_else(|| {
            session
                .site()
                .failure("StartInstanceRefresh", "the answer names no refresh id")
                .on(group)
        })
}

/// The current state of one refresh.
pub async fn refresh(session: &Session, group: &str, id: &str) -> Result<Refresh, AwsError> {
    let output = session
        .autoscaling()
        .describe_instance_refreshes()
        .auto_scaling_group_name(group)
        .instance_refresh_ids(id)
        .send()
        .await
        .call_on(session, "DescribeInstanceRefreshes", group)?;
    output
        .instance_refreshes()
        .iter()
        .find_map(refresh_of)
        .ok_or_else(|| {
            session
                .site()
                .failure(
                    "DescribeInstanceRefreshes",
                    format!("instance refresh {id} is not listed"),
                )
                .on(group)
        })
}

/// The group's most recent refresh, if it ever had one.
pub async fn latest_refresh(session: &Session, group: &str) -> Result<Option<Refresh>, AwsError> {
    let output = session
        .autoscaling()
        .describe_instance_refreshes()
        .auto_scaling_group_name(group)
        .max_records(1)
        .send()
        .await
        .call_on(session, "DescribeInstanceRefreshes", group)?;
    // AWS lists newest first; the start time decides in case an emulator does not.
    Ok(output
        .instance_refreshes()
        .iter()
        .filter_map(refresh_of)
        .max_by_key(|refresh| refresh.started))
}

fn refresh_of(refresh: &aws_sdk_autoscaling::types::InstanceRefresh) -> Option<Refresh> {
    Some(Refresh {
        id: refresh.instance_refresh_id()?.to_owned(),
        status: refresh.status()?.as_str().to_owned(),
        percentage: refresh
            .percentage_complete()
            .and_then(|pct| u8::try_from(pct.clamp(0, 100)).ok()),
        reason: refresh.status_reason().map(str::to_owned),
        instances_to_update: refresh
            .instances_to_update()
            .and_then(|n| u32::try_from(n).ok()),
        rollback_reason: refresh
            .rollback_details()
            .and_then(|details| details.rollback_reason())
            .map(str::to_owned),
        started: refresh
            .start_time()
            .and_then(|time| SystemTime::try_from(*time).ok()),
        desired: refresh.desired_configuration().and_then(|desired| {
            let mixed = desired
                .mixed_instances_policy()
                .and_then(|policy| policy.launch_template())
                .and_then(|template| template.launch_template_specification());
            desired
                .launch_template()
                .or(mixed)
                .map(|spec| GroupTemplate {
                    id: spec.launch_template_id().map(str::to_owned),
                    name: spec.launch_template_name().map(str::to_owned),
                    version: spec.version().unwrap_or("$Default").to_owned(),
                })
        }),
        min_healthy_percentage: refresh
            .preferences()
            .and_then(aws_sdk_autoscaling::types::RefreshPreferences::min_healthy_percentage)
            .and_then(|pct| u32::try_from(pct).ok()),
        skip_matching: refresh
            .preferences()
            .and_then(aws_sdk_autoscaling::types::RefreshPreferences::skip_matching),
    })
}

fn int(value: u32) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}
