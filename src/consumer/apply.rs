//! Carries out planned steps wave by wave (design §4): the targets of one wave run
//! concurrently; wave N+1 starts only when every target of wave N succeeded, refreshes
//! included; a failed target lets the rest of its wave finish and stops later waves.
//! Progress is reported through [`Reporter`], so this module never prints.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Planned, Step, Target, describe_version, each, image_ref, refresh};
use crate::Error;
use crate::aws::autoscaling::Group;
use crate::aws::images::Image;
use crate::aws::launch_templates::{self, LiveTemplate, NewTemplate, TemplateVersion};
use crate::aws::security_groups;
use crate::aws::{Session, Sessions};
use crate::manifest::Manifest;

/// Receives rollout progress (the terminal UI, plain lines or JSON events).
pub trait Reporter: Send + Sync {
    /// Something happened.
    fn event(&self, event: &Event<'_>);
}

/// A target as events and summaries name it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TargetId {
    /// The consumer's name.
    pub consumer: String,
    /// The account.
    pub account: String,
    /// The region.
    pub region: String,
    /// The launch template's name or id, as in the manifest.
    pub launch_template: String,
    /// The wave.
    pub wave: u32,
}

impl TargetId {
    /// The id of a target.
    pub fn of(target: &Target) -> Self {
        Self {
            consumer: target.consumer.clone(),
            account: target.account.clone(),
            region: target.region.clone(),
            launch_template: target.launch_template.label().to_owned(),
            wave: target.wave,
        }
    }

    /// `sample-lt (444455556666/ap-northeast-1)`.
    pub fn label(&self) -> String {
        format!(
            "{} ({}/{})",
            self.launch_template, self.account, self.region
        )
    }
}

/// Progress of a rollout or rollback.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event<'a> {
    /// A wave begins.
    WaveStarted {
        /// The wave number.
        wave: u32,
        /// Its targets that have work to do.
        targets: usize,
    },
    /// A target begins.
    TargetStarted {
        /// The target.
        target: TargetId,
    },
    /// The template's default now launches the new image.
    DefaultVersionSet {
        /// The target.
        target: TargetId,
        /// The new default version.
        version: i64,
        /// The image it launches.
        image: &'a str,
    },
    /// An instance refresh began.
    RefreshStarted {
        /// The target.
        target: TargetId,
        /// The Auto Scaling group.
        group: &'a str,
        /// The refresh id.
        refresh_id: &'a str,
    },
    /// An instance refresh moved on.
    RefreshProgress {
        /// The target.
        target: TargetId,
        /// The Auto Scaling group.
        group: &'a str,
        /// Its status.
        status: &'a str,
        /// Percentage complete.
        percentage: Option<u8>,
    },
    /// A target ended.
    TargetFinished {
        /// The target.
        target: TargetId,
        /// How.
        outcome: &'a Outcome,
    },
    /// A wave ended.
    WaveFinished {
        /// The wave number.
        wave: u32,
        /// Targets that failed in it.
        failed: usize,
    },
}

/// How one target ended.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    /// Changed as planned.
    Done {
        /// What changed.
        detail: String,
    },
    /// Nothing to do.
    Unchanged,
    /// Failed; later waves did not start.
    Failed {
        /// Why.
        error: String,
        /// The likely fix.
        hint: Option<String>,
    },
    /// Not attempted because an earlier wave failed.
    NotStarted,
}

/// Every target's outcome, in plan order.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Target and outcome.
    pub targets: Vec<(TargetId, Outcome)>,
}

impl Summary {
    /// How many targets failed.
    pub fn failed(&self) -> usize {
        self.targets
            .iter()
            .filter(|(_, outcome)| matches!(outcome, Outcome::Failed { .. }))
            .count()
    }

    /// The summary as one JSON document.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "targets": self.targets.iter().map(|(target, outcome)| {
                let mut value = serde_json::to_value(target).unwrap_or_default();
                value["outcome"] = serde_json::to_value(outcome).unwrap_or_default();
                value
            }).collect::<Vec<_>>(),
            "failed": self.failed(),
        })
    }
}

/// Runs every planned step wave by wave.
pub async fn run_waves(
    manifest: &Manifest,
    sessions: &Sessions,
    planned: Vec<Planned>,
    parallelism: usize,
    reporter: &dyn Reporter,
) -> Summary {
    let mut waves: BTreeMap<u32, Vec<Planned>> = BTreeMap::new();
    for item in planned {
        waves.entry(item.target.wave).or_default().push(item);
    }
    let mut summary = Summary {
        targets: Vec::new(),
    };
    let mut stopped = false;
    for (wave, items) in waves {
        if stopped {
            summary.targets.extend(
                items
                    .iter()
                    .map(|item| (TargetId::of(&item.target), Outcome::NotStarted)),
            );
            continue;
        }
        let busy = items
            .iter()
            .filter(|item| !matches!(item.step, Ok(Step::Unchanged)))
            .count();
        reporter.event(&Event::WaveStarted {
            wave,
            targets: busy,
        });
        let outcomes = each(items, parallelism, |item| async move {
            let id = TargetId::of(&item.target);
            let outcome = Box::pin(run_target(manifest, sessions, item, reporter)).await;
            reporter.event(&Event::TargetFinished {
                target: id.clone(),
                outcome: &outcome,
            });
            (id, outcome)
        })
        .await;
        let failed = outcomes
            .iter()
            .filter(|(_, outcome)| matches!(outcome, Outcome::Failed { .. }))
            .count();
        reporter.event(&Event::WaveFinished { wave, failed });
        stopped = failed > 0;
        summary.targets.extend(outcomes);
    }
    summary
}

async fn run_target(
    manifest: &Manifest,
    sessions: &Sessions,
    item: Planned,
    reporter: &dyn Reporter,
) -> Outcome {
    let target = item.target;
    let step = match item.step {
        Ok(Step::Unchanged) => return Outcome::Unchanged,
        Ok(Step::NothingBuilt { reason }) => {
            return Outcome::Failed {
                error: reason,
                hint: None,
            };
        }
        Ok(step) => step,
        Err(err) => return failed(&err),
    };
    reporter.event(&Event::TargetStarted {
        target: TargetId::of(&target),
    });
    let result = async {
        let session = sessions
            .session(&target.account, &target.access, &target.region)
            .await?;
        apply_step(manifest, &session, &target, step, reporter).await
    }
    .await;
    match result {
        Ok(detail) => Outcome::Done { detail },
        Err(err) => failed(&err),
    }
}

fn failed(err: &Error) -> Outcome {
    Outcome::Failed {
        error: err.to_string(),
        hint: err.hint().map(str::to_owned),
    }
}

async fn apply_step(
    manifest: &Manifest,
    session: &Session,
    target: &Target,
    step: Step,
    reporter: &dyn Reporter,
) -> Result<String, Error> {
    match step {
        Step::Unchanged | Step::NothingBuilt { .. } => Ok(String::new()),
        Step::Move {
            template: None, to, ..
        } => create(manifest, session, target, &to, reporter).await,
        Step::Move {
            template: Some(template),
            to,
            groups,
            ..
        } => move_image(session, target, &template, &to, &groups, reporter).await,
        Step::Refresh {
            template, groups, ..
        } => {
            let names: Vec<&str> = groups.iter().map(|(g, _)| g.name.as_str()).collect();
            let groups: Vec<_> = groups.iter().map(|(g, _)| g.clone()).collect();
            refresh::refresh_groups(
                session,
                target,
                &template.default.template_id,
                &groups,
                template.default.number,
                template.latest,
                reporter,
            )
            .await?;
            Ok(format!(
                "v{} kept{}",
                template.default.number,
                refreshed(names.into_iter())
            ))
        }
        Step::Restore {
            template,
            to,
            groups,
            ..
        } => restore(session, target, &template, &to, &groups, reporter).await,
    }
}

/// A template the manifest marks `create`, made with the chosen image as its first version.
async fn create(
    manifest: &Manifest,
    session: &Session,
    target: &Target,
    to: &Image,
    reporter: &dyn Reporter,
) -> Result<String, Error> {
    let (Some(spec), Some(name)) = (
        &target.launch_template.create,
        target.launch_template.name.as_deref(),
    ) else {
        return Err(Error::Failed {
            message: format!("{}: the launch template does not exist", target.label()),
            hint: None,
        });
    };
    let tags = crate::producer::names::tags(&manifest.name, &manifest.tags);
    let mut template = new_template(spec);
    if spec.security_group.is_some() {
        template
            .security_group_ids
            .push(egress_only_group(session, &manifest.name, &tags).await?);
    }
    let created = launch_templates::create_template(
        session,
        name,
        &template,
        &to.id,
        &describe_version(to, None),
        &tags,
    )
    .await?;
    reporter.event(&Event::DefaultVersionSet {
        target: TargetId::of(target),
        version: created.number,
        image: &to.id,
    });
    Ok(format!(
        "created {name} ({}) on {} ({})",
        created.template_id, to.id, to.name
    ))
}

/// A new version from the default with only the image changed, made the default, then refreshes.
async fn move_image(
    session: &Session,
    target: &Target,
    template: &LiveTemplate,
    to: &Image,
    groups: &[Group],
    reporter: &dyn Reporter,
) -> Result<String, Error> {
    let previous = template.default.number;
    let id = &template.default.template_id;
    let version = launch_templates::create_version(
        session,
        id,
        previous,
        &to.id,
        &describe_version(to, Some(previous)),
    )
    .await?;
    launch_templates::set_default(session, id, version.number).await?;
    reporter.event(&Event::DefaultVersionSet {
        target: TargetId::of(target),
        version: version.number,
        image: &to.id,
    });
    // The new version is the newest, so `$Latest` groups follow it like `$Default` ones.
    refresh::refresh_groups(
        session,
        target,
        id,
        groups,
        version.number,
        version.number,
        reporter,
    )
    .await?;
    Ok(format!(
        "v{previous} -> v{} on {} ({}){}",
        version.number,
        to.id,
        to.name,
        refreshed(groups.iter().map(|g| g.name.as_str()))
    ))
}

/// An earlier version made the default again, then refreshes.
async fn restore(
    session: &Session,
    target: &Target,
    template: &LiveTemplate,
    to: &TemplateVersion,
    groups: &[Group],
    reporter: &dyn Reporter,
) -> Result<String, Error> {
    let id = &template.default.template_id;
    launch_templates::set_default(session, id, to.number).await?;
    reporter.event(&Event::DefaultVersionSet {
        target: TargetId::of(target),
        version: to.number,
        image: to.image_id.as_deref().unwrap_or_default(),
    });
    refresh::refresh_groups(
        session,
        target,
        id,
        groups,
        to.number,
        template.latest,
        reporter,
    )
    .await?;
    Ok(format!(
        "v{} -> v{}{}",
        template.default.number,
        to.number,
        refreshed(groups.iter().map(|g| g.name.as_str()))
    ))
}

fn refreshed<'a>(groups: impl Iterator<Item = &'a str>) -> String {
    let names: Vec<&str> = groups.collect();
    if names.is_empty() {
        String::new()
    } else {
        format!(", refreshed {}", names.join(", "))
    }
}

/// The consumer's egress-only security group in the default VPC, created on first use.
async fn egress_only_group(
    session: &Session,
    manifest: &str,
    tags: &std::collections::BTreeMap<String, String>,
) -> Result<String, Error> {
    let name = crate::producer::names::consumer_security_group(manifest);
    let vpc = security_groups::vpc_for(session, None).await?;
    if let Some(group) = security_groups::find(session, &vpc, &name).await? {
        return Ok(group.id);
    }
    let description = format!("gold {manifest}: outbound traffic only");
    Ok(security_groups::create(session, &vpc, &name, &description, tags).await?)
}

fn new_template(spec: &crate::manifest::CreateLaunchTemplate) -> NewTemplate {
    NewTemplate {
        instance_type: spec.instance_type.clone(),
        ebs_optimized: spec.ebs_optimized,
        root_device: spec.root_device.clone(),
        root_volume_gib: spec.root_volume_gib,
        root_volume_type: spec.root_volume_type.as_str().to_owned(),
        security_group_ids: spec.security_group_ids.clone(),
        key_pair: spec.key_pair.clone(),
    }
}

/// The step's change for the plan, or `None` when nothing changes.
pub fn change_of(target: &Target, step: &Step) -> Option<crate::plan::Change> {
    use crate::plan::{Action, Change, FieldChange, Resource, ResourceKind};
    let resource = Resource {
        kind: ResourceKind::LaunchTemplate,
        name: target.launch_template.label().to_owned(),
        account: target.account.clone(),
        region: target.region.clone(),
    };
    let action = match step {
        Step::Unchanged | Step::NothingBuilt { .. } => return None,
        Step::Move { from, to, .. } => Action::MoveImage {
            from: from.clone(),
            to: image_ref(to),
        },
        Step::Refresh { image, groups, .. } => Action::Update {
            fields: groups
                .iter()
                .map(|(group, status)| FieldChange {
                    name: format!("instance refresh of `{}`", group.name),
                    old: format!("last {status}"),
                    new: format!("refresh to {}", image.id),
                })
                .collect(),
        },
        Step::Restore {
            from, image, to, ..
        } => Action::MoveImage {
            from: from.clone(),
            to: image.clone().unwrap_or_else(|| crate::plan::ImageRef {
                id: to
                    .image_id
                    .clone()
                    .unwrap_or_else(|| format!("v{}", to.number)),
                name: None,
            }),
        },
    };
    Some(Change { resource, action })
}
