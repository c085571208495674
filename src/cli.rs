//! The command line: every verb and flag, each with the help line users see.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Golden AMIs as code: build with EC2 Image Builder, share across the Organization, roll out to every account.
#[derive(Debug, Parser)]
#[command(name = "gold", version = crate::about::version_text(), about, propagate_version = true)]
#[command(
    after_help = "Examples:\n  gold init my-images && cd my-images && gold validate\n  gold up --yes && gold build --wait\n  gold rollout --dry-run"
)]
pub struct Cli {
    /// Flags every command accepts.
    #[command(flatten)]
    pub global: GlobalArgs,

    /// The verb to run.
    #[command(subcommand)]
    pub command: Command,
}

/// Where every subcommand's `--help` lists the flags all commands share, after its own.
const GLOBAL: &str = "Global options";

/// Flags every command accepts.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Manifest to use; without it `gold.toml` is searched in this directory and its parents.
    #[arg(short = 'f', long = "manifest", global = true, value_name = "PATH", help_heading = GLOBAL)]
    pub manifest: Option<PathBuf>,

    /// Answer yes to every confirmation; needed to change anything when stdin is not a terminal.
    #[arg(long, global = true, help_heading = GLOBAL)]
    pub yes: bool,

    /// Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md).
    #[arg(long, global = true, value_enum, default_value_t = OutputFormat::Human, help_heading = GLOBAL)]
    pub output: OutputFormat,

    /// Print only results and errors.
    #[arg(short, long, global = true, conflicts_with = "verbose", help_heading = GLOBAL)]
    pub quiet: bool,

    /// Print more detail, such as every target of a long plan (repeat for more).
    #[arg(short, long, global = true, action = clap::ArgAction::Count, help_heading = GLOBAL)]
    pub verbose: u8,

    /// How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM).
    #[arg(long, global = true, hide = true, env = "GOLD_PROPAGATION_TIMEOUT", value_parser = humantime::parse_duration)]
    pub propagation_timeout: Option<std::time::Duration>,
}

/// How results are written to stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Text for people.
    Human,
    /// JSON for programs: one document, or one event per line.
    Json,
}

/// The verbs.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a commented starter manifest and `files/build.yml` into DIR (default: here).
    Init {
        /// Directory to create the project in.
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Overwrite files that already exist.
        #[arg(long)]
        force: bool,
    },
    /// Check the manifest and every component document, offline.
    Validate,
    /// Print a JSON Schema: the manifest's (default), or that of `--output json` documents.
    #[command(
        after_help = "Examples:\n  gold schema > gold.schema.json\n  gold schema output > output.schema.json"
    )]
    Schema {
        /// Which schema.
        #[arg(value_enum, default_value_t = SchemaKind::Manifest)]
        of: SchemaKind,
    },
    /// Show what `gold up` and `gold rollout` would change, read from live state; changes nothing.
    #[command(
        after_help = "Examples:\n  gold plan\n  gold plan --detailed-exitcode   # exit 0: no changes, 2: changes, 1: error\n  gold plan --only producer --detailed-exitcode   # the producer's drift, whatever the consumers\n  gold plan --output json"
    )]
    Plan(PlanArgs),
    /// Create or update the producer's IAM role, security group, components, recipe, configurations and pipeline (and consumer launch templates marked `create`).
    #[command(after_help = "Examples:\n  gold up\n  gold up --yes")]
    Up,
    /// Delete what `gold up` created for this manifest: only resources tagged `gold:manifest=<name>`.
    #[command(after_help = "Examples:\n  gold destroy\n  gold destroy --yes --images")]
    Destroy(DestroyArgs),
    /// Start the pipeline's image build; with `--wait`, follow it to the AMIs or a failure.
    #[command(
        after_help = "Examples:\n  gold build --wait\n  gold build --attach arn:aws:imagebuilder:ap-northeast-1:111122223333:image/sample/1.0.0/5\n  gold build --cancel arn:aws:imagebuilder:ap-northeast-1:111122223333:image/sample/1.0.0/5"
    )]
    Build(BuildArgs),
    /// Move every consumer launch template to the newest trusted AMI, wave by wave, refreshing Auto Scaling groups.
    #[command(
        after_help = "Examples:\n  gold rollout --dry-run\n  gold rollout --yes --wave 1\n  gold rollout --image 5 --consumer workload\n  gold rollout --ami ami-084c429949f8663b0 --region ap-northeast-1"
    )]
    Rollout(RolloutArgs),
    /// Show each consumer target's image, the newest available build and how far behind it is.
    Status(StatusArgs),
    /// Move consumer launch templates back to the default version they had before gold's last rollout.
    #[command(
        after_help = "Examples:\n  gold rollback --dry-run\n  gold rollback --yes --consumer workload"
    )]
    Rollback(RollbackArgs),
    /// Retire builds: move every consumer target off them (in waves), then deprecate their AMIs in every region.
    #[command(
        after_help = "Examples:\n  gold retire 3 --reason \"CVE-2026-1234 in openssl\" --dry-run\n  gold retire 3 --reason \"broken agent\" --yes\n  gold retire ami-084c429949f8663b0 --to 2 --disable --yes"
    )]
    Retire(RetireArgs),
    /// Move a build into a release channel, once it passed the channel's gates (soak, scan).
    #[command(
        after_help = "Examples:\n  gold promote 5 --to prod --dry-run\n  gold promote 5 --to prod --accept CVE-2026-1234 --yes\n  gold promote 4 --to prod --yes   # a build prod held before: a rollback, no gates\n  gold rollout --channel prod --yes"
    )]
    Promote(PromoteArgs),
    /// Show each release channel: its build, since when, who promoted it, its history and the next candidate's gates.
    #[command(after_help = "Examples:\n  gold channels\n  gold channels --output json")]
    Channels,
    /// Apply the manifest's `[lifecycle]`: deprecate, then delete old builds no consumer uses.
    #[command(after_help = "Examples:\n  gold prune --dry-run\n  gold prune --yes")]
    Prune(PruneArgs),
    /// Print the least-privilege IAM documents gold needs for this manifest, as JSON.
    #[command(
        after_help = "Examples:\n  gold iam consumer > consumer-policy.json\n  gold iam trust --principal arn:aws:iam::111122223333:role/GoldOperator\n  gold iam consumer --cloudformation > gold-rollout-role.json\n  gold iam producer\n  gold iam instance-role\n  gold iam kms-key > key-policy.json"
    )]
    Iam(IamArgs),
    /// Print gold's version, the commit it was built from, whether its sources were modified, and its platform.
    #[command(after_help = "Examples:\n  gold version\n  gold version --output json")]
    Version,
    /// Print a shell completion script for SHELL.
    #[command(
        after_help = "Examples:\n  source <(gold completions bash)\n  gold completions zsh > \"${fpath[1]}/_gold\"\n  gold completions fish > ~/.config/fish/completions/gold.fish"
    )]
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// Which JSON Schema `gold schema` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SchemaKind {
    /// The manifest, `gold.toml` (for editors; `schemas/gold.schema.json`).
    Manifest,
    /// Every document and event `--output json` writes (`schemas/output.schema.json`).
    Output,
}

/// Flags of `gold plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Exit 0 when nothing would change, 2 when something would, 1 on error (like `terraform plan`).
    #[arg(long)]
    pub detailed_exitcode: bool,

    /// Plan only this side: `producer` (what `gold up` changes; consumer accounts are not read, so none of them can make the plan fail) or `consumers` (what `gold rollout` changes).
    #[arg(long, value_enum, value_name = "SIDE")]
    pub only: Option<PlanSide>,

    /// Fail when a selector matches nothing (a `tag` no template carries, OUs without an active account) instead of warning.
    #[arg(long)]
    pub strict: bool,
}

/// One side of a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlanSide {
    /// The producer account: what `gold up` changes.
    Producer,
    /// The consumer targets: what `gold rollout` changes.
    Consumers,
}

/// Flags of `gold destroy`.
#[derive(Debug, Args)]
pub struct DestroyArgs {
    /// Also deregister the AMIs the pipeline built (and delete their snapshots) and its Image Builder images.
    #[arg(long)]
    pub images: bool,

    /// With `--images`: delete AMIs something still uses (each holder is named) or that an account gold cannot read might use.
    #[arg(long, requires = "images")]
    pub force: bool,
}

/// Flags of `gold build`.
#[derive(Debug, Args)]
pub struct BuildArgs {
    /// Follow the build until its AMIs are available (exit 0) or it fails (exit 1).
    #[arg(long)]
    pub wait: bool,

    /// Follow a build that is already running (one the schedule started, say) instead of starting one.
    #[arg(long, value_name = "IMAGE_ARN", conflicts_with = "cancel")]
    pub attach: Option<String>,

    /// Cancel the build `IMAGE_ARN` (Image Builder stops it; nothing else is touched).
    #[arg(long, value_name = "IMAGE_ARN", conflicts_with_all = ["wait", "timeout", "rollout"])]
    pub cancel: Option<String>,

    /// Once the AMIs are available, roll them out to every consumer target, as `gold rollout` does.
    #[arg(long)]
    pub rollout: bool,

    /// Stop watching after this long (e.g. `90m`, `2h`); the build goes on. Default: `pipeline.build_timeout`, else 2h.
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub timeout: Option<std::time::Duration>,

    /// Shortest wait between two looks at the build.
    #[arg(long, hide = true, env = "GOLD_POLL_MIN", value_parser = humantime::parse_duration)]
    pub poll_min: Option<std::time::Duration>,

    /// Longest wait between two looks at the build.
    #[arg(long, hide = true, env = "GOLD_POLL_MAX", value_parser = humantime::parse_duration)]
    pub poll_max: Option<std::time::Duration>,
}

/// Which consumer targets a command acts on.
#[derive(Debug, Args)]
pub struct TargetArgs {
    /// Only this consumer (repeatable).
    #[arg(long = "consumer", value_name = "NAME")]
    pub consumers: Vec<String>,

    /// Only this region (repeatable).
    #[arg(long = "region", value_name = "REGION")]
    pub regions: Vec<String>,

    /// Only consumers of this wave (repeatable).
    #[arg(long = "wave", value_name = "N")]
    pub waves: Vec<u32>,

    /// Fail when a selector matches nothing (a `tag` no template carries, OUs without an active account) instead of warning.
    #[arg(long)]
    pub strict: bool,
}

/// Flags of `gold rollout`.
#[derive(Debug, Args)]
pub struct RolloutArgs {
    /// Which consumer targets.
    #[command(flatten)]
    pub targets: TargetArgs,

    /// Roll out this build: its name (`1.0.0/5`, as `gold prune --dry-run` and `gold retire` print it), its number (`5`) or its Image Builder build version ARN (`…:image/sample/1.0.0/5`).
    #[arg(long, value_name = "BUILD", conflicts_with = "ami")]
    pub image: Option<String>,

    /// Roll out this AMI (it must be owned by the producer); its copies in other regions are found by name.
    #[arg(long, value_name = "AMI_ID")]
    pub ami: Option<String>,

    /// Only the consumers that follow this release channel (each moves to its channel's build).
    #[arg(long, value_name = "NAME", conflicts_with_all = ["image", "ami"])]
    pub channel: Option<String>,

    /// Print the plan and change nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Targets of one wave worked on at once, across all accounts.
    #[arg(long, value_name = "N", default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub parallelism: u16,

    /// AWS calls in flight in one account at once (AWS limits each account's request rate; throttled calls back off and retry).
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub calls_per_account: u16,
}

/// Flags of `gold status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Which consumer targets.
    #[command(flatten)]
    pub targets: TargetArgs,
}

/// Flags of `gold rollback`.
#[derive(Debug, Args)]
pub struct RollbackArgs {
    /// Which consumer targets.
    #[command(flatten)]
    pub targets: TargetArgs,

    /// Print the plan and change nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Targets of one wave worked on at once, across all accounts.
    #[arg(long, value_name = "N", default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub parallelism: u16,

    /// AWS calls in flight in one account at once (AWS limits each account's request rate; throttled calls back off and retry).
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub calls_per_account: u16,

    /// Go back to a retired (deprecated) build too; a disabled or deregistered one never.
    #[arg(long)]
    pub force: bool,
}

/// Flags of `gold retire`.
#[derive(Debug, Args)]
pub struct RetireArgs {
    /// The builds: a build's name (`1.0.0/5`: recipe version and build number, never reused), its number (`5`), its Image Builder build version ARN or one of its AMI ids.
    #[arg(value_name = "BUILD", required = true)]
    pub builds: Vec<String>,

    /// Why, recorded on the producer's AMIs and Image Builder image (tag `gold:retired`).
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,

    /// Move targets to this build instead of the newest one that is not retired.
    #[arg(long, value_name = "BUILD")]
    pub to: Option<String>,

    /// Also disable the AMIs (private, hidden, not launchable), once every target has moved.
    #[arg(long)]
    pub disable: bool,

    /// Print the plan and change nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Targets of one wave worked on at once.
    #[arg(long, value_name = "N", default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub parallelism: u16,
}

/// Flags of `gold promote`.
#[derive(Debug, Args)]
pub struct PromoteArgs {
    /// The build: a build number (`5`), an Image Builder build version ARN or one of its AMI ids.
    #[arg(value_name = "BUILD")]
    pub build: String,

    /// The channel it goes to; it comes from the channel before that one.
    #[arg(long, value_name = "CHANNEL")]
    pub to: String,

    /// Let this scan finding through (a vulnerability id such as `CVE-2026-1234`; repeatable); recorded with the promotion.
    #[arg(long = "accept", value_name = "ID")]
    pub accept: Vec<String>,

    /// Show the gates and change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// Flags of `gold prune`.
#[derive(Debug, Args)]
pub struct PruneArgs {
    /// Print the plan and change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// Flags of `gold iam`.
#[derive(Debug, Args)]
pub struct IamArgs {
    /// Which document.
    #[command(subcommand)]
    pub document: IamDocument,
}

/// The documents `gold iam` prints.
#[derive(Debug, Subcommand)]
pub enum IamDocument {
    /// The permissions policy of the rollout role in every consumer account (rollout, status, rollback, destroy, and templates marked `create`).
    Consumer {
        /// Manifests the one rollout role serves, their policies merged (default: the manifest of `-f`, or `gold.toml`).
        #[arg(value_name = "MANIFEST")]
        manifests: Vec<PathBuf>,

        /// Print a CloudFormation template creating the role (trust and policy) instead, for a service-managed StackSet.
        #[arg(long)]
        cloudformation: bool,

        /// The identity the role trusts (default: the one these credentials act as).
        #[arg(long, value_name = "ARN", requires = "cloudformation")]
        principal: Option<String>,
    },
    /// The trust policy of the consumer rollout role: who may assume it.
    Trust {
        /// The identity that runs gold (default: the one these credentials act as; a role session is trusted through its role).
        #[arg(long, value_name = "ARN")]
        principal: Option<String>,
    },
    /// The permissions policy of the identity that runs gold in the producer account (up, build, destroy, and assuming the consumer roles).
    Producer,
    /// The permissions policy that reads the organization's OUs and accounts.
    Organization {
        /// Print the trust policy of the role `[organization]` names instead: who may assume it.
        #[arg(long)]
        trust: bool,

        /// The identity that runs gold (default: the one these credentials act as).
        #[arg(long, value_name = "ARN", requires = "trust")]
        principal: Option<String>,
    },
    /// The role and instance profile `gold up` creates for the build instances, for review.
    InstanceRole,
    /// The key policy of `distribution.kms_key_id`: the key's account administers it, the consumer accounts use it for EBS and grant it to their Auto Scaling role (for `aws kms put-key-policy`).
    KmsKey {
        /// Print a CloudFormation template creating the key with that policy instead, for the producer account.
        #[arg(long)]
        cloudformation: bool,
    },
    /// The Allowed AMIs criterion that admits the producer's AMIs: for `ReplaceImageCriteriaInAllowedImagesSettings` (add it to the account's criteria) and for an organization's declarative policy.
    AllowedAmis,
}
