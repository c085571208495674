//! What happens to old and bad builds: the producer's builds as plain values ([`Build`]), who
//! in the consumer accounts still uses each AMI ([`Usage`]), and the decisions of `gold prune`
//! ([`prune`]) and `gold retire` ([`Retirement`]).
//!
//! The rule behind every decision (ARCHITECTURE.md, "Never delete what someone runs"): an AMI
//! that a launch template version, an Auto Scaling group or an instance in a consumer account uses
//! is kept, and so is every AMI in a place gold could not look at; the plan names the holder
//! or the account that could not be read. Retirement is what AWS itself marks (a deprecation
//! time that has passed, or the `disabled` state), which consumer accounts can see; the tag
//! gold adds only tells people why.

use std::collections::BTreeMap;
use std::fmt;
use std::time::{Duration, SystemTime};

use serde::Serialize;

use crate::version::BuildName;

/// The longest tag value EC2 and Image Builder accept (a longer reason is cut).
pub const TAG_VALUE_MAX: usize = 256;

/// One build of the pipeline: its AMI in every region it was distributed to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Build {
    /// The AMI name (the same in every region).
    pub name: String,
    /// The build number its name renders, when the name template has one.
    pub number: Option<u32>,
    /// Its stable name (`1.0.1/3`), from its Image Builder build version ARN.
    pub stable: Option<BuildName>,
    /// When the oldest of its AMIs was created.
    pub created: Option<SystemTime>,
    /// The Image Builder image (build version ARN), when it still exists.
    pub image_arn: Option<String>,
    /// Its AMIs, one per region.
    pub amis: Vec<BuildAmi>,
    /// Why it was retired, as `gold retire` recorded it.
    pub retired_reason: Option<String>,
}

/// One regional AMI of a build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildAmi {
    /// The region.
    pub region: String,
    /// `ami-…`.
    pub id: String,
    /// `available`, `disabled`, …
    pub state: String,
    /// Its deprecation time.
    pub deprecated_at: Option<SystemTime>,
}

impl BuildAmi {
    /// Whether AWS marks it retired: deprecated (asked for now, or the time has passed) or disabled.
    pub fn retired(&self, now: SystemTime) -> bool {
        self.state == "disabled"
            || self
                .deprecated_at
                .is_some_and(|at| crate::aws::lifecycle::is_deprecated(at, now))
    }
}

impl Build {
    /// Whether any of its AMIs is retired.
    pub fn retired(&self, now: SystemTime) -> bool {
        self.amis.iter().any(|ami| ami.retired(now))
    }

    /// `build 1.0.1/5 (sample_v5_…)`, `build 5 (…)` without an Image Builder ARN, or the name.
    pub fn label(&self) -> String {
        match (&self.stable, self.number) {
            (Some(stable), _) => format!("build {stable} ({})", self.name),
            (None, Some(number)) => format!("build {number} ({})", self.name),
            (None, None) => self.name.clone(),
        }
    }

    /// Its stable name, or its build number when it has no Image Builder ARN.
    pub fn short_name(&self) -> Option<String> {
        self.stable
            .as_ref()
            .map(ToString::to_string)
            .or_else(|| self.number.map(|n| n.to_string()))
    }

    /// Its AMI ids, by region.
    pub fn ami_ids(&self) -> impl Iterator<Item = (&str, &str)> {
        self.amis
            .iter()
            .map(|ami| (ami.region.as_str(), ami.id.as_str()))
    }
}

/// Finds the build a user named: its stable name (`1.0.1/5`), a build number, a build version
/// ARN or an AMI id — every form gold prints.
pub fn find_build<'b>(builds: &'b [Build], text: &str) -> Result<&'b Build, String> {
    if text.starts_with("ami-") {
        return builds
            .iter()
            .find(|build| build.amis.iter().any(|ami| ami.id == text))
            .ok_or_else(|| {
                format!("`{text}` is not an AMI of this pipeline in any distribution region")
            });
    }
    if let Some(build) = builds
        .iter()
        .find(|build| build.image_arn.as_deref() == Some(text))
    {
        return Ok(build);
    }
    if let Some(name) = BuildName::parse(text) {
        return builds
            .iter()
            .find(|build| build.stable.as_ref() == Some(&name))
            .ok_or_else(|| format!("no AMI of build {name} in any distribution region"));
    }
    let Ok(number) = text.parse::<u32>() else {
        return Err(format!(
            "`{text}`: expected a build (`1.0.1/3`, or its number `3`), an Image Builder build version ARN or an AMI id"
        ));
    };
    let found: Vec<&Build> = builds
        .iter()
        .filter(|build| build.number == Some(number))
        .collect();
    match found.as_slice() {
        [build] => Ok(build),
        [] => Err(format!(
            "no AMI of build {number} in any distribution region"
        )),
        many => Err(format!(
            "build {number} names {} builds (of different recipe versions): {}; name one as shown",
            many.len(),
            many.iter()
                .map(|build| build.label())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// What uses an AMI.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum HolderKind {
    /// A launch template version whose image it is.
    LaunchTemplateVersion,
    /// An Auto Scaling group whose launch template version launches it.
    AutoScalingGroup,
    /// An instance launched from it (not terminated).
    Instance,
    /// An SSM parameter (data type `aws:ec2:image`) whose value it is.
    Parameter,
    /// Instances of an account gold does not read, counted by an AMI usage report.
    ReportedInstances,
    /// Launch templates of an account gold does not read, counted by an AMI usage report.
    ReportedLaunchTemplates,
}

/// One user of an AMI.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
pub struct Holder {
    /// The account.
    pub account: String,
    /// The region.
    pub region: String,
    /// What it is.
    pub kind: HolderKind,
    /// Which one: `web`, `i-…`, `app (lt-…) version 3`, `/app/ami`, `2 instance(s)`.
    pub resource: String,
    /// The AMI it uses.
    pub ami: String,
    /// Whether something would still launch the AMI through it: a template's default version,
    /// its latest when a group launches `$Latest`, a group, a parameter, another account's
    /// launch template. A running instance, or an old template version, launches nothing new.
    pub launches: bool,
    /// The launch template version it is, when it is one.
    #[serde(skip)]
    pub version: Option<HeldVersion>,
}

/// A launch template version that holds an AMI, as `prune` decides whether it may go.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct HeldVersion {
    /// `lt-…`.
    pub template_id: String,
    /// The template's name.
    pub template: String,
    /// The version number.
    pub number: i64,
    /// The template's latest version number.
    pub latest: i64,
    /// Whether gold made it (a rollout's description).
    pub by_gold: bool,
    /// Whether it is the template's default or latest, or a group pins it.
    pub in_use: bool,
}

impl HeldVersion {
    /// Whether `prune` deletes it: gold made it, nothing uses it, and it is older than the
    /// `keep` versions before the latest (kept for rollback).
    pub fn freed(&self, keep: usize) -> bool {
        let keep = i64::try_from(keep).unwrap_or(i64::MAX);
        self.by_gold && !self.in_use && self.number < self.latest.saturating_sub(keep)
    }
}

impl fmt::Display for Holder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            HolderKind::LaunchTemplateVersion => "launch template",
            HolderKind::AutoScalingGroup => "auto scaling group",
            HolderKind::Instance => "instance",
            HolderKind::Parameter => "SSM parameter",
            HolderKind::ReportedInstances | HolderKind::ReportedLaunchTemplates => {
                return write!(
                    f,
                    "account {} (no consumer gold reads) in {}: {}, per the AMI usage report",
                    self.account, self.region, self.resource
                );
            }
        };
        write!(
            f,
            "{kind} {} in {}/{}",
            self.resource, self.account, self.region
        )
    }
}

/// A place gold could not look at: a whole account (`region` is `None`) or one of its regions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Unchecked {
    /// The account.
    pub account: String,
    /// The region, or `None` for every region.
    pub region: Option<String>,
    /// Why.
    pub error: String,
}

impl fmt::Display for Unchecked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.region {
            Some(region) => write!(
                f,
                "{}/{region} could not be checked: {}",
                self.account, self.error
            ),
            None => write!(f, "{} could not be checked: {}", self.account, self.error),
        }
    }
}

/// Who uses which AMI, across every consumer account gold can reach.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Usage {
    /// The holders of each AMI id.
    pub holders: BTreeMap<String, Vec<Holder>>,
    /// Places that could not be read.
    pub unchecked: Vec<Unchecked>,
}

impl Usage {
    /// The holders of one AMI.
    pub fn of(&self, ami: &str) -> &[Holder] {
        self.holders.get(ami).map_or(&[], Vec::as_slice)
    }

    /// Records one holder.
    pub fn add(&mut self, holder: Holder) {
        self.holders
            .entry(holder.ami.clone())
            .or_default()
            .push(holder);
    }

    /// The holders through which something would still launch `ami`.
    pub fn launching(&self, ami: &str) -> impl Iterator<Item = &Holder> {
        self.of(ami).iter().filter(|holder| holder.launches)
    }

    /// The places that could not be read and might hold an AMI of `region`.
    pub fn unchecked_in(&self, region: &str) -> Vec<&Unchecked> {
        self.unchecked
            .iter()
            .filter(|place| place.region.as_deref().is_none_or(|r| r == region))
            .collect()
    }
}

/// The retention policy of the manifest's `[lifecycle]`, as durations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// The newest builds kept whatever their age (retired builds do not count).
    pub keep_latest: usize,
    /// Older builds are deprecated once this old.
    pub deprecate_after: Duration,
    /// Older builds are deleted once this old; never when `None`.
    pub delete_after: Option<Duration>,
    /// The versions before each template's latest that are kept for rollback, even when gold
    /// made them and they alone hold an AMI to delete.
    pub keep_template_versions: usize,
}

/// What `prune` does with one AMI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum AmiAction {
    /// Deprecated now.
    Deprecate,
    /// Deregistered, with its snapshots.
    Delete,
    /// Left as it is.
    Keep {
        /// Why.
        reason: String,
        /// Who uses it, when that is why.
        held_by: Vec<Holder>,
        /// Whether the policy wanted it gone and only a user, or a place gold could not
        /// read, kept it.
        protected: bool,
    },
}

/// One AMI in the prune plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct PruneAmi {
    /// The region.
    pub region: String,
    /// `ami-…`.
    pub id: String,
    /// What happens to it.
    #[serde(flatten)]
    pub action: AmiAction,
    /// The launch template versions gold made, used by nothing, that alone hold it: deleted
    /// first, so it can go.
    pub frees: Vec<FreedVersion>,
}

/// A launch template version `prune` deletes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
pub struct FreedVersion {
    /// The account.
    pub account: String,
    /// The region.
    pub region: String,
    /// The template's name.
    pub template: String,
    /// `lt-…`.
    pub template_id: String,
    /// The version number.
    pub version: i64,
}

impl fmt::Display for FreedVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "launch template {} ({}) version {} in {}/{}",
            self.template, self.template_id, self.version, self.account, self.region
        )
    }
}

/// One build in the prune plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct PruneBuild {
    /// The AMI name.
    pub name: String,
    /// The build number.
    pub number: Option<u32>,
    /// Its stable name (`1.0.1/3`, or the number without an Image Builder ARN): what
    /// `gold retire` and `rollout --image` take.
    pub build: Option<String>,
    /// Its age in seconds, when known.
    pub age_seconds: Option<u64>,
    /// Each regional AMI and what happens to it.
    pub amis: Vec<PruneAmi>,
    /// The Image Builder image deleted with it (only when every AMI of the build is deleted).
    pub delete_image: Option<String>,
}

/// Everything `gold prune` would do, build by build, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct PrunePlan {
    /// The builds.
    pub builds: Vec<PruneBuild>,
    /// Places gold could not read: the AMIs they might use are kept.
    pub unchecked: Vec<Unchecked>,
}

impl PrunePlan {
    /// The AMIs with `action`'s kind.
    pub fn amis(&self, delete: bool) -> impl Iterator<Item = (&PruneBuild, &PruneAmi)> {
        self.builds.iter().flat_map(move |build| {
            build
                .amis
                .iter()
                .filter(move |ami| {
                    matches!(
                        (&ami.action, delete),
                        (AmiAction::Delete, true) | (AmiAction::Deprecate, false)
                    )
                })
                .map(move |ami| (build, ami))
        })
    }

    /// How many AMIs the policy wanted gone that a user or an unreadable place keeps.
    pub fn protected(&self) -> usize {
        self.builds
            .iter()
            .flat_map(|build| &build.amis)
            .filter(|ami| {
                matches!(
                    ami.action,
                    AmiAction::Keep {
                        protected: true,
                        ..
                    }
                )
            })
            .count()
    }

    /// Whether it changes nothing.
    pub fn is_empty(&self) -> bool {
        self.amis(true).next().is_none() && self.amis(false).next().is_none()
    }
}

/// Decides what `prune` does with every build (`builds` newest first).
pub fn prune(builds: &[Build], policy: &Policy, usage: &Usage, now: SystemTime) -> PrunePlan {
    let mut kept = 0;
    let builds = builds
        .iter()
        .map(|build| {
            let age = build
                .created
                .and_then(|created| now.duration_since(created).ok());
            let wanted = if !build.retired(now) && kept < policy.keep_latest {
                kept += 1;
                Err(format!("one of the {} newest builds", policy.keep_latest))
            } else {
                let age = age.unwrap_or_default();
                if policy.delete_after.is_some_and(|after| age >= after) {
                    Ok(AmiAction::Delete)
                } else if age >= policy.deprecate_after {
                    Ok(AmiAction::Deprecate)
                } else {
                    Err("younger than `deprecate_after`".to_owned())
                }
            };
            let amis: Vec<PruneAmi> = build
                .amis
                .iter()
                .map(|ami| {
                    let (action, frees) = decide(ami, wanted.clone(), usage, policy, now);
                    PruneAmi {
                        region: ami.region.clone(),
                        id: ami.id.clone(),
                        action,
                        frees,
                    }
                })
                .collect();
            let every_deleted = amis
                .iter()
                .all(|ami| matches!(ami.action, AmiAction::Delete));
            PruneBuild {
                name: build.name.clone(),
                number: build.number,
                build: build.short_name(),
                age_seconds: age.map(|age| age.as_secs()),
                delete_image: every_deleted.then(|| build.image_arn.clone()).flatten(),
                amis,
            }
        })
        .collect();
    PrunePlan {
        builds,
        unchecked: usage.unchecked.clone(),
    }
}

fn keep(reason: impl Into<String>) -> AmiAction {
    AmiAction::Keep {
        reason: reason.into(),
        held_by: Vec::new(),
        protected: false,
    }
}

fn decide(
    ami: &BuildAmi,
    wanted: Result<AmiAction, String>,
    usage: &Usage,
    policy: &Policy,
    now: SystemTime,
) -> (AmiAction, Vec<FreedVersion>) {
    let wanted = match wanted {
        Ok(action) => action,
        Err(reason) => return (keep(reason), Vec::new()),
    };
    let holders = usage.of(&ami.id);
    // Only a deletion frees gold's old versions: a deprecated AMI still launches from them.
    let goes_first = |holder: &Holder| {
        wanted == AmiAction::Delete
            && holder
                .version
                .as_ref()
                .is_some_and(|version| version.freed(policy.keep_template_versions))
    };
    if holders.iter().any(|holder| !goes_first(holder)) {
        return (
            AmiAction::Keep {
                reason: "in use".to_owned(),
                held_by: holders.to_vec(),
                protected: true,
            },
            Vec::new(),
        );
    }
    let unchecked = usage.unchecked_in(&ami.region);
    if !unchecked.is_empty() {
        let accounts: Vec<&str> = unchecked.iter().map(|u| u.account.as_str()).collect();
        return (
            AmiAction::Keep {
                reason: format!(
                    "account {} could not be checked and might use it",
                    accounts.join(", ")
                ),
                held_by: Vec::new(),
                protected: true,
            },
            Vec::new(),
        );
    }
    let frees = holders
        .iter()
        .filter_map(|holder| {
            let version = holder.version.as_ref()?;
            Some(FreedVersion {
                account: holder.account.clone(),
                region: holder.region.clone(),
                template: version.template.clone(),
                template_id: version.template_id.clone(),
                version: version.number,
            })
        })
        .collect();
    match wanted {
        AmiAction::Deprecate if ami.retired(now) => (keep("deprecated already"), Vec::new()),
        action => (action, frees),
    }
}

/// What `gold retire` does besides moving targets: the builds and where they are retired.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Retirement {
    /// The builds retired.
    pub builds: Vec<RetiredBuild>,
    /// The build targets move to, when one is named (`--to`); otherwise the newest build that
    /// is not retired, as each target sees it.
    pub to: Option<String>,
    /// Whether the AMIs are disabled too (`--disable`).
    pub disable: bool,
    /// The reason recorded.
    pub reason: Option<String>,
    /// Everything that uses them now, targets of the manifest included.
    pub held_by: Vec<Holder>,
    /// Places gold could not read.
    pub unchecked: Vec<Unchecked>,
    /// Why nothing is changed: targets run the builds and no build is left to move them to.
    pub nothing_to_move_to: Option<String>,
}

/// One retired build.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct RetiredBuild {
    /// The AMI name.
    pub name: String,
    /// The build number.
    pub number: Option<u32>,
    /// Its stable name (`1.0.1/3`, or the number without an Image Builder ARN).
    pub build: Option<String>,
    /// Its AMIs: `(region, ami id)`.
    pub amis: Vec<RegionalAmi>,
}

/// An AMI in one region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct RegionalAmi {
    /// The region.
    pub region: String,
    /// `ami-…`.
    pub id: String,
}

impl RetiredBuild {
    /// The plan's view of a build.
    pub fn of(build: &Build) -> Self {
        Self {
            name: build.name.clone(),
            number: build.number,
            build: build.short_name(),
            amis: build
                .amis
                .iter()
                .map(|ami| RegionalAmi {
                    region: ami.region.clone(),
                    id: ami.id.clone(),
                })
                .collect(),
        }
    }
}

/// The plan of `gold retire`: the target moves (a rollout plan) and the retirement itself.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct RetirePlan {
    /// The targets that move off the retired builds.
    pub moves: super::Plan,
    /// The builds, and who uses them.
    pub retirement: Retirement,
}

/// What happened to one AMI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct AmiOutcome {
    /// The region.
    pub region: String,
    /// `ami-…`.
    pub id: String,
    /// The build's AMI name.
    pub build: String,
    /// What was done: `deprecated`, `disabled`, `deleted`.
    pub done: Option<String>,
    /// Why it failed.
    pub error: Option<String>,
}

/// What happened to one launch template version `prune` deleted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct VersionOutcome {
    /// The version.
    #[serde(flatten)]
    pub version: FreedVersion,
    /// Why deleting it failed.
    pub error: Option<String>,
}

/// How `gold prune` ended: every AMI and Image Builder image it worked on.
#[derive(Debug, Clone, Default, Serialize, schemars::JsonSchema)]
pub struct Pruned {
    /// Launch template versions deleted first (or that failed).
    pub versions: Vec<VersionOutcome>,
    /// Each AMI deprecated or deleted (or that failed).
    pub amis: Vec<AmiOutcome>,
    /// Image Builder images deleted (or that failed).
    pub images: Vec<ImageOutcome>,
    /// AMIs kept because someone uses them or a place could not be read.
    pub kept: usize,
}

/// What happened to one Image Builder image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct ImageOutcome {
    /// The build version ARN.
    pub arn: String,
    /// Why deleting it failed.
    pub error: Option<String>,
}

impl AmiOutcome {
    /// Whether it failed.
    pub fn failed(&self) -> bool {
        self.error.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: u64 = 86_400;

    fn at(days: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(days * DAY)
    }

    fn build(number: u32, created_day: u64) -> Build {
        Build {
            name: format!("sample_v{number}_x"),
            number: Some(number),
            stable: BuildName::parse(&format!("1.0.0/{number}")),
            created: Some(at(created_day)),
            image_arn: Some(format!(
                "arn:aws:imagebuilder:r:1:image/sample/1.0.0/{number}"
            )),
            amis: ["ap-northeast-1", "us-east-1"]
                .iter()
                .map(|region| BuildAmi {
                    region: (*region).to_owned(),
                    id: format!("ami-{number}-{region}"),
                    state: "available".to_owned(),
                    deprecated_at: None,
                })
                .collect(),
            retired_reason: None,
        }
    }

    fn policy(keep_latest: usize, deprecate: u64, delete: Option<u64>) -> Policy {
        Policy {
            keep_latest,
            deprecate_after: Duration::from_secs(deprecate * DAY),
            delete_after: delete.map(|days| Duration::from_secs(days * DAY)),
            keep_template_versions: 2,
        }
    }

    fn actions(plan: &PrunePlan) -> Vec<(String, &'static str)> {
        plan.builds
            .iter()
            .flat_map(|build| build.amis.iter())
            .map(|ami| {
                let action = match &ami.action {
                    AmiAction::Deprecate => "deprecate",
                    AmiAction::Delete => "delete",
                    AmiAction::Keep { held_by, .. } if !held_by.is_empty() => "held",
                    AmiAction::Keep { .. } => "keep",
                };
                (ami.id.clone(), action)
            })
            .collect()
    }

    #[test]
    fn the_newest_builds_stay_and_older_ones_age_out() {
        let builds = [build(4, 100), build(3, 80), build(2, 50), build(1, 10)];
        let plan = prune(
            &builds,
            &policy(1, 30, Some(60)),
            &Usage::default(),
            at(100),
        );
        let actions = actions(&plan);
        assert_eq!(actions[0].1, "keep");
        assert_eq!(actions[2].1, "keep", "build 3 is 20 days old");
        assert_eq!(actions[4].1, "deprecate", "build 2 is 50 days old");
        assert_eq!(actions[6].1, "delete", "build 1 is 90 days old");
        assert_eq!(
            plan.builds[3].delete_image.as_deref(),
            builds[3].image_arn.as_deref()
        );
        assert_eq!(plan.builds[2].delete_image, None);
    }

    #[test]
    fn without_delete_after_nothing_is_deleted() {
        let builds = [build(2, 100), build(1, 0)];
        let plan = prune(&builds, &policy(1, 0, None), &Usage::default(), at(100));
        assert_eq!(actions(&plan)[2].1, "deprecate");
    }

    #[test]
    fn an_ami_in_use_or_in_an_unreadable_place_is_kept_and_the_holder_named() {
        let builds = [build(2, 100), build(1, 0)];
        let mut usage = Usage::default();
        usage.holders.insert(
            "ami-1-ap-northeast-1".to_owned(),
            vec![Holder {
                account: "444455556666".to_owned(),
                region: "ap-northeast-1".to_owned(),
                kind: HolderKind::Instance,
                resource: "i-0abc".to_owned(),
                ami: "ami-1-ap-northeast-1".to_owned(),
                launches: false,
                version: None,
            }],
        );
        usage.unchecked.push(Unchecked {
            account: "222233334444".to_owned(),
            region: Some("us-east-1".to_owned()),
            error: "AccessDenied".to_owned(),
        });
        let plan = prune(&builds, &policy(1, 0, Some(0)), &usage, at(100));
        let actions = actions(&plan);
        assert_eq!(actions[2], ("ami-1-ap-northeast-1".to_owned(), "held"));
        assert_eq!(actions[3], ("ami-1-us-east-1".to_owned(), "keep"));
        assert_eq!(
            plan.builds[1].delete_image, None,
            "some AMIs of the build stay"
        );
        assert!(plan.is_empty());
    }

    #[test]
    fn retired_builds_do_not_count_as_kept() {
        let mut newest = build(3, 100);
        newest.amis[0].deprecated_at = Some(at(99));
        let builds = [newest, build(2, 90), build(1, 80)];
        let plan = prune(&builds, &policy(1, 0, Some(0)), &Usage::default(), at(100));
        let actions = actions(&plan);
        assert_eq!(actions[0].1, "delete", "the retired build 3");
        assert_eq!(
            actions[2].1, "keep",
            "build 2 is the newest build not retired"
        );
        assert_eq!(actions[4].1, "delete");
    }

    #[test]
    fn builds_are_found_by_number_arn_or_ami() {
        let builds = [build(2, 100), build(1, 0)];
        assert_eq!(find_build(&builds, "1").unwrap().name, "sample_v1_x");
        assert_eq!(find_build(&builds, "1.0.0/2").unwrap().name, "sample_v2_x");
        assert!(find_build(&builds, "1.0.1/2").is_err());
        assert_eq!(
            find_build(&builds, "arn:aws:imagebuilder:r:1:image/sample/1.0.0/2")
                .unwrap()
                .name,
            "sample_v2_x"
        );
        assert_eq!(
            find_build(&builds, "ami-1-us-east-1").unwrap().name,
            "sample_v1_x"
        );
        assert!(
            find_build(&builds, "7")
                .unwrap_err()
                .contains("no AMI of build 7")
        );
        assert!(find_build(&builds, "v1").is_err());
    }
}
