//! The manifest as Rust types. Serde reads them, schemars turns them (and their `///` lines)
//! into `schemas/gold.schema.json`, and the loader fills in every default, so later code sees
//! plain values: `distribution.regions` and each consumer's `regions` are never empty after
//! [`crate::manifest::load`], and optional tables such as `refresh` are always present.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::ami_name::AmiName;

/// A gold manifest: one golden-image pipeline in a producer account and the consumer accounts
/// whose launch templates follow its AMIs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "gold manifest")]
pub struct Manifest {
    /// Prefix of everything gold creates (1-100 characters: letters, digits, `-`, `_`; starts with a letter or digit).
    #[schemars(length(min = 1, max = 100))]
    pub name: String,
    /// Tags added to everything gold creates, besides `gold:manifest` and `gold:managed`.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// Region names gold does not know yet, accepted wherever a region is expected.
    #[serde(default)]
    pub extra_regions: Vec<String>,
    /// The account that builds and shares the AMIs with EC2 Image Builder.
    pub producer: Producer,
    /// Image Builder components built from AWSTOE documents; the key is the component name.
    #[serde(default)]
    pub components: BTreeMap<String, Component>,
    /// The image recipe: parent image, components in build order, extra volumes.
    pub recipe: Recipe,
    /// Where the build instance runs.
    pub infrastructure: Infrastructure,
    /// How the finished AMI is named, tagged, copied and shared.
    pub distribution: Distribution,
    /// The image pipeline tying recipe, infrastructure and distribution together.
    #[serde(default)]
    pub pipeline: Pipeline,
    /// Accounts whose launch templates (and Auto Scaling groups) move to each new AMI.
    #[serde(default)]
    pub consumers: Vec<Consumer>,
    /// Which builds `gold prune` deprecates and deletes; without it `prune` does nothing.
    #[serde(default)]
    pub lifecycle: Option<Lifecycle>,
    /// Share the pipeline's Image Builder image and chosen components through AWS RAM, so
    /// manifests in other accounts can build on them (`recipe.parent_image` = the image's ARN).
    #[serde(default)]
    pub sharing: Option<Sharing>,
    /// How gold reads AWS Organizations, for consumers that select accounts by OU or take the whole organization.
    #[serde(default)]
    pub organization: Option<Organization>,
    /// Release channels, in order: the first takes every build that finishes, each later one
    /// only a build `gold promote` moves from the channel before it. With channels, every
    /// consumer names its `channel`; without, every consumer follows the newest build.
    #[serde(default)]
    pub channels: Vec<Channel>,
    /// Image Builder's image scanning (Amazon Inspector) and the findings that stop a promotion.
    #[serde(default)]
    pub scanning: Option<Scanning>,
}

/// A release channel: a named pointer to one build, with its history kept in AWS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Channel {
    /// The channel's name, which consumers give as `channel` (1-64 characters: letters, digits, `-`, `_`).
    #[schemars(length(min = 1, max = 64))]
    pub name: String,
    /// How long a build must have been in the channel before this one, with no failed instance
    /// refresh there, before `gold promote` moves it here, e.g. `24h` (default: no wait).
    #[serde(default)]
    pub soak: Option<String>,
}

impl Channel {
    /// `soak` as a duration (zero when absent; the loader rejected bad values).
    #[must_use]
    pub fn soak_duration(&self) -> Duration {
        age(self.soak.as_deref())
    }
}

/// Image scanning for the pipeline's builds, and the promotion gate it feeds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Scanning {
    /// Turn on the pipeline's image scanning (`imageScanningConfiguration`); Image Builder then
    /// has Amazon Inspector scan each build that runs its tests.
    pub enabled: bool,
    /// `gold promote` refuses a build with a finding of this severity or worse (default `CRITICAL`).
    #[serde(default)]
    pub block: Severity,
}

/// An Amazon Inspector finding severity, from worst to least.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
pub enum Severity {
    /// `CRITICAL`.
    #[default]
    #[serde(rename = "CRITICAL")]
    Critical,
    /// `HIGH`.
    #[serde(rename = "HIGH")]
    High,
    /// `MEDIUM`.
    #[serde(rename = "MEDIUM")]
    Medium,
    /// `LOW`.
    #[serde(rename = "LOW")]
    Low,
}

impl Severity {
    /// As Amazon Inspector and Image Builder write it.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Critical => "CRITICAL",
            Self::High => "HIGH",
            Self::Medium => "MEDIUM",
            Self::Low => "LOW",
        }
    }

    /// Whether a finding of `severity` (as Inspector writes it) is this bad or worse;
    /// `INFORMATIONAL` and `UNTRIAGED` never are.
    #[must_use]
    pub fn blocks(self, severity: &str) -> bool {
        [Self::Critical, Self::High, Self::Medium, Self::Low]
            .into_iter()
            .take_while(|worse| *worse <= self)
            .any(|worse| worse.as_str() == severity)
    }
}

/// The retention policy `gold prune` applies. An AMI some consumer still uses is never
/// deprecated or deleted, whatever its age.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Lifecycle {
    /// The newest builds kept whatever their age (retired builds do not count).
    #[schemars(range(min = 1))]
    pub keep_latest: u32,
    /// Older builds are deprecated once this old, e.g. `30d` (default: at once).
    #[serde(default)]
    pub deprecate_after: Option<String>,
    /// Older builds are deleted (AMIs, snapshots, Image Builder image) once this old, e.g. `90d` (default: never).
    #[serde(default)]
    pub delete_after: Option<String>,
    /// Launch template versions before each template's latest that prune keeps for rollback; older versions gold made, that no group pins, are deleted when they alone hold an AMI to delete (default 3).
    #[serde(default = "default_keep_template_versions")]
    pub keep_template_versions: u32,
}

fn default_keep_template_versions() -> u32 {
    3
}

impl Lifecycle {
    /// `deprecate_after` as a duration (zero when absent; the loader rejected bad values).
    #[must_use]
    pub fn deprecate_after_duration(&self) -> Duration {
        age(self.deprecate_after.as_deref())
    }

    /// `delete_after` as a duration (`None` when absent: never delete).
    #[must_use]
    pub fn delete_after_duration(&self) -> Option<Duration> {
        self.delete_after.as_deref().map(|text| age(Some(text)))
    }
}

fn age(text: Option<&str>) -> Duration {
    text.and_then(|text| humantime::parse_duration(text).ok())
        .unwrap_or_default()
}

/// One AWS RAM resource share, named like the pipeline, holding the Image Builder image (every
/// available build) and the chosen components (every build of every version).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Sharing {
    /// Share the pipeline's image: every available build now, and each new one `gold build --wait` finishes.
    #[serde(default = "yes")]
    pub image: bool,
    /// Components from `[components]` to share, every version.
    #[serde(default)]
    pub components: Vec<String>,
    /// Who the share reaches: organization ARNs, organizational unit ARNs or 12-digit account ids (default: the AMI's `share_with_organizations`, `share_with_ous` and `share_with_accounts`).
    #[serde(default)]
    pub principals: Option<Vec<String>>,
}

impl Manifest {
    /// The principals the RAM share reaches: the manifest's own list, or everyone the AMI is
    /// shared with. Empty when the manifest shares nothing through RAM.
    #[must_use]
    pub fn sharing_principals(&self) -> Vec<String> {
        let Some(sharing) = &self.sharing else {
            return Vec::new();
        };
        if let Some(principals) = &sharing.principals {
            principals.clone()
        } else {
            let d = &self.distribution;
            d.share_with_organizations
                .iter()
                .chain(&d.share_with_ous)
                .chain(&d.share_with_accounts)
                .cloned()
                .collect()
        }
    }
}

/// How gold reaches AWS Organizations: from the management account or a delegated
/// administrator, through a role or a profile; with neither, the ambient credentials.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Organization {
    /// IAM role to assume in the management or delegated administrator account; excludes `profile`.
    #[serde(default)]
    pub role_arn: Option<String>,
    /// Named AWS profile of the management or delegated administrator account; excludes `role_arn`.
    #[serde(default)]
    pub profile: Option<String>,
    /// Accounts found in the organization whose role gold cannot assume (`AccessDenied`: a new
    /// account the role has not reached yet) are skipped with a warning, up to this many: a count
    /// (`2`) or a share of the accounts found (`"10%"`, rounded up); beyond it they fail the run.
    /// `0` fails on the first. Default `"10%"`.
    #[serde(default)]
    pub skip_unreachable_accounts: SkipLimit,
}

/// How many accounts a run may skip: a count or a share of the accounts found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum SkipLimit {
    /// At most this many accounts.
    Count(u32),
    /// At most this share of the accounts found, `"10%"` (0-100, rounded up to whole accounts).
    Share(String),
}

impl Default for SkipLimit {
    fn default() -> Self {
        SkipLimit::Share("10%".to_owned())
    }
}

impl SkipLimit {
    /// The percentage a share names, when it is one `gold validate` accepts (0 to 100).
    #[must_use]
    pub fn percent(text: &str) -> Option<u32> {
        let digits = text.strip_suffix('%')?;
        let percent: u32 = digits.parse().ok()?;
        (digits.bytes().all(|b| b.is_ascii_digit()) && percent <= 100).then_some(percent)
    }

    /// How many of `found` accounts may be skipped.
    #[must_use]
    pub fn allowed(&self, found: usize) -> usize {
        match self {
            SkipLimit::Count(count) => usize::try_from(*count).unwrap_or(usize::MAX),
            SkipLimit::Share(text) => {
                let percent = usize::try_from(Self::percent(text).unwrap_or(0)).unwrap_or(0);
                (found * percent).div_ceil(100)
            }
        }
    }
}

impl std::fmt::Display for SkipLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SkipLimit::Count(count) => write!(f, "{count}"),
            SkipLimit::Share(text) => write!(f, "\"{text}\""),
        }
    }
}

impl Manifest {
    /// `organization.skip_unreachable_accounts`, or its default without `[organization]`.
    #[must_use]
    pub fn skip_unreachable_accounts(&self) -> SkipLimit {
        self.organization
            .as_ref()
            .map(|organization| organization.skip_unreachable_accounts.clone())
            .unwrap_or_default()
    }
}

/// The producer account (the "Shared" account of the origin scenario).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Producer {
    /// 12-digit AWS account id; it is also the AMI owner every consumer filters on.
    #[schemars(regex(pattern = r"^[0-9]{12}$"))]
    pub account: String,
    /// Home region of the pipeline.
    pub region: String,
    /// IAM role to assume in the producer account (an IAM role ARN in `account`); excludes `profile`.
    #[serde(default)]
    pub role_arn: Option<String>,
    /// Named AWS profile for the producer account; excludes `role_arn`.
    #[serde(default)]
    pub profile: Option<String>,
}

/// An Image Builder component made from an AWSTOE document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Component {
    /// AWSTOE YAML document, relative to the manifest's directory.
    pub file: PathBuf,
    /// Operating system family the component runs on.
    pub platform: Platform,
    /// Semantic version `major.minor.patch`.
    #[schemars(regex(pattern = r"^[0-9]+\.[0-9]+\.[0-9]+$"))]
    pub version: String,
    /// Description shown in Image Builder.
    #[serde(default)]
    pub description: Option<String>,
    /// Parameters passed to the component in the recipe.
    #[serde(default)]
    pub parameters: BTreeMap<String, String>,
}

/// Operating system family of a component.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum Platform {
    /// Linux.
    Linux,
    /// Windows.
    Windows,
    /// macOS.
    #[serde(rename = "macOS")]
    MacOs,
}

impl Platform {
    /// The name Image Builder uses.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Linux => "Linux",
            Platform::Windows => "Windows",
            Platform::MacOs => "macOS",
        }
    }
}

/// The image recipe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Recipe {
    /// AWS-managed image name (`amazon-linux-2-x86/x.x.x`), an Image Builder image ARN, or an AMI id (`ami-…`).
    pub parent_image: String,
    /// Semantic version `major.minor.patch`.
    #[schemars(regex(pattern = r"^[0-9]+\.[0-9]+\.[0-9]+$"))]
    pub version: String,
    /// Components in build order: names from `[components]` or Image Builder component ARNs.
    #[schemars(length(min = 1))]
    pub components: Vec<String>,
    /// Working directory on the build instance.
    #[serde(default)]
    pub working_directory: Option<String>,
    /// Description shown in Image Builder.
    #[serde(default)]
    pub description: Option<String>,
    /// Extra EBS volumes of the image.
    #[serde(default, rename = "block_device")]
    pub block_devices: Vec<BlockDevice>,
}

/// An EBS volume in the recipe's block device mapping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BlockDevice {
    /// Device name, e.g. `/dev/xvdb`.
    pub device: String,
    /// Volume size in GiB.
    #[schemars(range(min = 1, max = 16384))]
    pub size_gib: u32,
    /// EBS volume type.
    #[serde(rename = "type", default)]
    pub volume_type: VolumeType,
    /// Provisioned IOPS (gp3, io1, io2).
    #[serde(default)]
    #[schemars(range(min = 100, max = 256_000))]
    pub iops: Option<u32>,
    /// Throughput in MiB/s (gp3 only).
    #[serde(default)]
    #[schemars(range(min = 125, max = 2000))]
    pub throughput: Option<u32>,
    /// Encrypt the volume.
    #[serde(default)]
    pub encrypted: Option<bool>,
    /// Delete the volume when the instance terminates.
    #[serde(default = "yes")]
    pub delete_on_termination: bool,
}

/// EBS volume type.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum VolumeType {
    /// General purpose SSD, previous generation.
    Gp2,
    /// General purpose SSD.
    #[default]
    Gp3,
    /// Provisioned IOPS SSD.
    Io1,
    /// Provisioned IOPS SSD, durable.
    Io2,
    /// Throughput optimised HDD.
    St1,
    /// Cold HDD.
    Sc1,
    /// Magnetic.
    Standard,
}

impl VolumeType {
    /// The name EC2 uses.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            VolumeType::Gp2 => "gp2",
            VolumeType::Gp3 => "gp3",
            VolumeType::Io1 => "io1",
            VolumeType::Io2 => "io2",
            VolumeType::St1 => "st1",
            VolumeType::Sc1 => "sc1",
            VolumeType::Standard => "standard",
        }
    }
}

/// A security group gold creates and manages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum SecurityGroup {
    /// No inbound rules; all outbound traffic allowed.
    #[serde(rename = "egress-only")]
    EgressOnly,
}

/// The Image Builder infrastructure configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Infrastructure {
    /// Instance types for the build instance, at least one.
    #[schemars(length(min = 1))]
    pub instance_types: Vec<String>,
    /// Subnet of the build instance; without it Image Builder uses the default VPC.
    #[serde(default)]
    pub subnet_id: Option<String>,
    /// A security group gold creates (the default when `security_group_ids` is empty).
    #[serde(default)]
    pub security_group: Option<SecurityGroup>,
    /// Existing security groups instead of one gold creates.
    #[serde(default)]
    pub security_group_ids: Vec<String>,
    /// `create`: gold creates the IAM role and instance profile; otherwise an existing instance profile name.
    #[serde(default = "create")]
    pub instance_profile: String,
    /// Terminate the build instance when the build fails.
    #[serde(default = "yes")]
    pub terminate_on_failure: bool,
    /// EC2 key pair for the build instance.
    #[serde(default)]
    pub key_pair: Option<String>,
    /// S3 bucket for build logs.
    #[serde(default)]
    pub logs_bucket: Option<String>,
    /// Key prefix for build logs in `logs_bucket`.
    #[serde(default)]
    pub logs_prefix: Option<String>,
    /// SNS topic ARN that Image Builder notifies about builds.
    #[serde(default)]
    pub sns_topic_arn: Option<String>,
}

impl Infrastructure {
    /// Whether gold creates the build instance's IAM role and instance profile.
    #[must_use]
    pub fn creates_instance_profile(&self) -> bool {
        self.instance_profile == "create"
    }
}

/// The Image Builder distribution configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Distribution {
    /// AMI name template; must contain `{{imagebuilder:buildDate}}` so every build gets a unique name.
    pub ami_name: String,
    /// AMI description.
    #[serde(default)]
    pub ami_description: Option<String>,
    /// Tags on the AMI (visible in the producer account only).
    #[serde(default)]
    pub ami_tags: BTreeMap<String, String>,
    /// Regions the AMI is copied to (default: the producer's region).
    #[serde(default)]
    pub regions: Vec<String>,
    /// Organization ARNs allowed to launch the AMI.
    #[serde(default)]
    pub share_with_organizations: Vec<String>,
    /// Organizational unit ARNs allowed to launch the AMI.
    #[serde(default)]
    pub share_with_ous: Vec<String>,
    /// Account ids allowed to launch the AMI.
    #[serde(default)]
    pub share_with_accounts: Vec<String>,
    /// KMS key ARN that encrypts the AMI's snapshots.
    #[serde(default)]
    pub kms_key_id: Option<String>,
    /// SSM parameter Image Builder writes the new AMI id to, in each region.
    #[serde(default)]
    pub ssm_parameter: Option<SsmParameter>,
}

impl Distribution {
    /// The AMI name template, parsed. The loader has rejected templates that do not parse; a
    /// manifest built by hand with one gets a template that matches only its literal text.
    #[must_use]
    pub fn ami_name_template(&self) -> AmiName {
        AmiName::parse(&self.ami_name).unwrap_or_else(|_| AmiName::literal(&self.ami_name))
    }
}

/// Where Image Builder records each new AMI id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SsmParameter {
    /// Parameter name, e.g. `/gold/sample/ami`.
    pub name: String,
}

/// The Image Builder image pipeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Pipeline {
    /// Whether the pipeline is enabled (its schedule runs).
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Run the image tests after the build.
    #[serde(default = "yes")]
    pub tests: bool,
    /// Timeout of the image tests, in minutes.
    #[serde(default)]
    #[schemars(range(min = 60, max = 1440))]
    pub test_timeout_minutes: Option<u32>,
    /// Image Builder schedule: a six-field cron expression, e.g. `cron(0 4 ? * SUN *)`.
    #[serde(default)]
    pub schedule: Option<String>,
    /// IANA time zone the schedule runs in, e.g. `Asia/Tokyo` (default: UTC).
    #[serde(default)]
    pub schedule_timezone: Option<String>,
    /// When a scheduled run builds.
    #[serde(default)]
    pub schedule_condition: Option<ScheduleCondition>,
    /// How long `gold build --wait` waits by default, e.g. `2h` or `90m`.
    #[serde(default)]
    pub build_timeout: Option<String>,
}

impl Default for Pipeline {
    fn default() -> Self {
        Self {
            enabled: true,
            tests: true,
            test_timeout_minutes: None,
            schedule: None,
            schedule_timezone: None,
            schedule_condition: None,
            build_timeout: None,
        }
    }
}

impl Pipeline {
    /// `build_timeout` as a duration (the loader has already rejected values that do not parse).
    #[must_use]
    pub fn build_timeout_duration(&self) -> Option<Duration> {
        self.build_timeout
            .as_deref()
            .and_then(|text| humantime::parse_duration(text).ok())
    }
}

/// When a scheduled pipeline run starts a build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ScheduleCondition {
    /// Build whenever the schedule fires.
    ExpressionMatchOnly,
    /// Build only when a newer parent image or component is available.
    ExpressionMatchAndDependencyUpdatesAvailable,
}

impl ScheduleCondition {
    /// The name Image Builder uses.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ScheduleCondition::ExpressionMatchOnly => "EXPRESSION_MATCH_ONLY",
            ScheduleCondition::ExpressionMatchAndDependencyUpdatesAvailable => {
                "EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE"
            }
        }
    }
}

/// A consumer account, or the accounts of OUs or of the whole organization, and the launch
/// templates in them that follow the AMI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Consumer {
    /// Unique name of this consumer (1-64 characters: letters, digits, `-`, `_`).
    #[schemars(length(min = 1, max = 64))]
    pub name: String,
    /// 12-digit AWS account id; exactly one of `account`, `organizational_units` and `organization`.
    #[serde(default)]
    #[schemars(regex(pattern = r"^[0-9]{12}$"))]
    pub account: Option<String>,
    /// OU ids (`ou-…`) whose accounts, nested OUs included, are read from AWS Organizations at each run.
    #[serde(default)]
    pub organizational_units: Vec<String>,
    /// `true`: every account of the organization, read from AWS Organizations at each run.
    #[serde(default)]
    pub organization: bool,
    /// Accounts of the OUs or organization that gold leaves alone.
    #[serde(default)]
    pub exclude_accounts: Vec<String>,
    /// IAM role name assumed in each account found in Organizations (`arn:aws:iam::ACCOUNT:role/NAME`).
    #[serde(default)]
    pub role_name: Option<String>,
    /// Regions to roll out in (default: the producer's region); each must be a distribution region.
    #[serde(default)]
    pub regions: Vec<String>,
    /// IAM role to assume in the consumer account (an IAM role ARN in `account`); excludes `profile`.
    #[serde(default)]
    pub role_arn: Option<String>,
    /// Named AWS profile for the consumer account; excludes `role_arn`.
    #[serde(default)]
    pub profile: Option<String>,
    /// Rollout wave: wave N+1 starts only after every target of wave N succeeded.
    #[serde(default = "one")]
    #[schemars(range(min = 1))]
    pub wave: u32,
    /// Launch templates that move to each new AMI (a consumer lists templates, parameters or both).
    #[serde(default)]
    pub launch_templates: Vec<LaunchTemplate>,
    /// SSM parameters that hold the AMI id for the consumer's own Terraform or `CloudFormation`, kept in each of its regions.
    #[serde(default)]
    pub parameters: Vec<Parameter>,
    /// The release channel whose build this consumer runs (required once `[[channels]]` exist).
    #[serde(default)]
    pub channel: Option<String>,
}

/// An SSM parameter gold keeps pointing at the chosen AMI (type `String`, data type
/// `aws:ec2:image`), created when missing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Parameter {
    /// Parameter name, e.g. `/gold/sample/ami` (letters, digits, `_.-/`, not starting with `aws` or `ssm`).
    #[schemars(length(min = 1, max = 1011))]
    pub name: String,
}

/// A launch template that follows the AMI, found by name, id or tag in every consumer region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LaunchTemplate {
    /// Launch template name (3-128 characters: letters, digits, `( ) . - / _`); exactly one of `name`, `id` and `tag`.
    #[serde(default)]
    pub name: Option<String>,
    /// Launch template id (`lt-` and 17 hex digits); exactly one of `name`, `id` and `tag`.
    #[serde(default)]
    pub id: Option<String>,
    /// Every launch template carrying this tag, in each account and region; exactly one of `name`, `id` and `tag`.
    #[serde(default)]
    pub tag: Option<TagSelector>,
    /// Auto Scaling groups that get an instance refresh after the template moves: their names, or `all` (every group launching from the template).
    #[serde(default)]
    pub auto_scaling_groups: AutoScalingGroups,
    /// Create the template when it does not exist (needs `name`).
    #[serde(default)]
    pub create: Option<CreateLaunchTemplate>,
    /// Instance refresh preferences for `auto_scaling_groups`.
    #[serde(default)]
    pub refresh: RefreshPreferences,
}

impl LaunchTemplate {
    /// The name or id, whichever the manifest gives, for messages; `tag:KEY=VALUE` for a tag.
    #[must_use]
    pub fn label(&self) -> std::borrow::Cow<'_, str> {
        match (&self.name, &self.id, &self.tag) {
            (Some(name), _, _) => name.as_str().into(),
            (None, Some(id), _) => id.as_str().into(),
            (None, None, Some(tag)) => format!("tag:{}={}", tag.key, tag.value).into(),
            (None, None, None) => "".into(),
        }
    }
}

/// A tag a launch template carries: the consumer team opts in by tagging.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TagSelector {
    /// Tag key (1-128 characters, not starting with `aws:`).
    pub key: String,
    /// Tag value (0-256 characters).
    pub value: String,
}

/// Which Auto Scaling groups are refreshed after a template moves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum AutoScalingGroups {
    /// `all`: every group whose launch template, or mixed instances policy, names the template.
    All(EveryGroup),
    /// These groups, by name.
    Named(Vec<String>),
}

/// The word `all`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum EveryGroup {
    /// Every group that uses the template.
    All,
}

impl Default for AutoScalingGroups {
    fn default() -> Self {
        AutoScalingGroups::Named(Vec::new())
    }
}

impl AutoScalingGroups {
    /// The groups named in the manifest (none for `all` until they are found).
    #[must_use]
    pub fn names(&self) -> &[String] {
        match self {
            AutoScalingGroups::All(_) => &[],
            AutoScalingGroups::Named(names) => names,
        }
    }

    /// Whether no group is refreshed: an empty list (`all` may find some).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        matches!(self, AutoScalingGroups::Named(names) if names.is_empty())
    }

    /// Whether the manifest says `all`.
    #[must_use]
    pub fn is_all(&self) -> bool {
        matches!(self, AutoScalingGroups::All(_))
    }
}

/// What gold puts into a launch template it creates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateLaunchTemplate {
    /// Instance type, e.g. `t3.small`.
    pub instance_type: String,
    /// Launch EBS-optimized instances.
    #[serde(default)]
    pub ebs_optimized: bool,
    /// Root volume size in GiB (default: the AMI's).
    #[serde(default)]
    #[schemars(range(min = 1, max = 16384))]
    pub root_volume_gib: Option<u32>,
    /// Root volume type.
    #[serde(default)]
    pub root_volume_type: VolumeType,
    /// Root device name.
    #[serde(default = "xvda")]
    pub root_device: String,
    /// A security group gold creates in the consumer account; excludes `security_group_ids`.
    #[serde(default)]
    pub security_group: Option<SecurityGroup>,
    /// Existing security groups; excludes `security_group`.
    #[serde(default)]
    pub security_group_ids: Vec<String>,
    /// EC2 key pair.
    #[serde(default)]
    pub key_pair: Option<String>,
}

/// Auto Scaling instance refresh preferences.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshPreferences {
    /// Percentage of capacity that must stay healthy during the refresh.
    #[serde(default = "ninety")]
    #[schemars(range(max = 100))]
    pub min_healthy_percentage: u32,
    /// Percentage of capacity the refresh may go up to (100-200); at most `min_healthy_percentage` + 100.
    #[serde(default)]
    #[schemars(range(min = 100, max = 200))]
    pub max_healthy_percentage: Option<u32>,
    /// Seconds a new instance needs before it counts as healthy.
    #[serde(default)]
    pub instance_warmup_seconds: Option<u32>,
    /// Percentages (1-100, ascending) at which the refresh pauses; a last one below 100 refreshes only that part of the group.
    #[serde(default)]
    pub checkpoint_percentages: Vec<u32>,
    /// Seconds to wait at each checkpoint (0-172800; AWS's default 3600); needs `checkpoint_percentages`.
    #[serde(default)]
    #[schemars(range(max = 172_800))]
    pub checkpoint_delay_seconds: Option<u32>,
    /// Skip instances that already run the new launch template version.
    #[serde(default = "yes")]
    pub skip_matching: bool,
    /// AWS rolls the group back when the refresh fails (needs a group on a numbered template version).
    #[serde(default)]
    pub auto_rollback: bool,
    /// `CloudWatch` alarms (names, at most 10) that fail the refresh when one goes to `ALARM`.
    #[serde(default)]
    #[schemars(length(max = 10))]
    pub alarms: Vec<String>,
    /// Seconds the refreshed group must stay healthy (its alarms quiet) before the refresh, and so the wave, counts as done (0-172800).
    #[serde(default)]
    #[schemars(range(max = 172_800))]
    pub bake_time_seconds: Option<u32>,
    /// Leave the template's default on the new version when a refresh fails (default: gold moves it back to the version it replaced).
    #[serde(default)]
    pub keep_default_on_failure: bool,
}

impl Default for RefreshPreferences {
    fn default() -> Self {
        Self {
            min_healthy_percentage: 90,
            max_healthy_percentage: None,
            instance_warmup_seconds: None,
            checkpoint_percentages: Vec::new(),
            checkpoint_delay_seconds: None,
            skip_matching: true,
            auto_rollback: false,
            alarms: Vec::new(),
            bake_time_seconds: None,
            keep_default_on_failure: false,
        }
    }
}

/// A launch template of a consumer that lists its account, in one region: what the manifest
/// alone says about a rollout target (`consumer::Target` is the target itself, found or listed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListedTemplate<'a> {
    /// The consumer the template belongs to.
    pub consumer: &'a Consumer,
    /// The region.
    pub region: &'a str,
    /// The launch template.
    pub launch_template: &'a LaunchTemplate,
}

impl Consumer {
    /// Whether the consumer's accounts are read from AWS Organizations rather than listed.
    #[must_use]
    pub fn selects_by_organization(&self) -> bool {
        self.organization || !self.organizational_units.is_empty()
    }
}

impl Manifest {
    /// The channel a consumer follows, when the manifest has channels.
    #[must_use]
    pub fn channel_of(&self, consumer: &str) -> Option<&Channel> {
        let name = self
            .consumers
            .iter()
            .find(|c| c.name == consumer)?
            .channel
            .as_deref()?;
        self.channels.iter().find(|channel| channel.name == name)
    }

    /// The regions a consumer rolls out in (its own, or the producer's region by default).
    #[must_use]
    pub fn consumer_regions<'a>(&'a self, consumer: &'a Consumer) -> &'a [String] {
        if consumer.regions.is_empty() {
            std::slice::from_ref(&self.producer.region)
        } else {
            &consumer.regions
        }
    }

    /// Every rollout target of the consumers that list their account, ordered by wave, then
    /// manifest order (the accounts of OUs are found at run time by `consumer::discover`).
    #[must_use]
    pub fn listed_templates(&self) -> Vec<ListedTemplate<'_>> {
        let mut consumers: Vec<&Consumer> = self
            .consumers
            .iter()
            .filter(|consumer| consumer.account.is_some())
            .collect();
        consumers.sort_by_key(|consumer| consumer.wave);
        consumers
            .into_iter()
            .flat_map(|consumer| {
                self.consumer_regions(consumer)
                    .iter()
                    .flat_map(move |region| {
                        consumer
                            .launch_templates
                            .iter()
                            .map(move |launch_template| ListedTemplate {
                                consumer,
                                region,
                                launch_template,
                            })
                    })
            })
            .collect()
    }

    /// Fills in defaults that depend on other fields, so later code never sees them empty.
    pub(crate) fn resolve_defaults(&mut self) {
        if self.distribution.regions.is_empty() {
            self.distribution.regions = vec![self.producer.region.clone()];
        }
        for consumer in &mut self.consumers {
            if consumer.regions.is_empty() {
                consumer.regions = vec![self.producer.region.clone()];
            }
        }
        if self.infrastructure.security_group_ids.is_empty()
            && self.infrastructure.security_group.is_none()
        {
            self.infrastructure.security_group = Some(SecurityGroup::EgressOnly);
        }
    }
}

fn yes() -> bool {
    true
}

fn one() -> u32 {
    1
}

fn ninety() -> u32 {
    90
}

fn create() -> String {
    "create".to_owned()
}

fn xvda() -> String {
    "/dev/xvda".to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn distribution(ami_name: &str) -> Distribution {
        Distribution {
            ami_name: ami_name.to_owned(),
            ami_description: None,
            ami_tags: BTreeMap::new(),
            regions: Vec::new(),
            share_with_organizations: Vec::new(),
            share_with_ous: Vec::new(),
            share_with_accounts: Vec::new(),
            kms_key_id: None,
            ssm_parameter: None,
        }
    }

    #[test]
    fn ami_name_pattern_replaces_each_placeholder() {
        let d = distribution("sample_v{{imagebuilder:buildVersion}}_{{imagebuilder:buildDate}}");
        assert_eq!(d.ami_name_template().pattern(), "sample_v*_*");
    }

    #[test]
    fn ami_name_pattern_keeps_text_without_placeholders() {
        assert_eq!(distribution("plain").ami_name_template().pattern(), "plain");
        assert_eq!(distribution("a{{b").ami_name_template().pattern(), "a{{b");
        assert_eq!(
            distribution("x{{ imagebuilder:buildDate }}y")
                .ami_name_template()
                .pattern(),
            "x*y"
        );
    }
}
