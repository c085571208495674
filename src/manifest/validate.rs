//! The value checks: everything the schema cannot say but AWS (or a safe rollout) requires.
//! Each problem names the key path and what was expected; the loader turns paths into
//! line:column. Runs on the manifest as written, before defaults are filled in, so it can tell
//! an explicit empty list from an omitted one.

use std::collections::{BTreeMap, BTreeSet};

use super::ami_name::{AmiName, AmiNameError};
use super::diagnostic::{KeyPath, did_you_mean, quote, suggestion};
use super::formats::{
    iam_role_account, is_account_id, is_bucket_name, is_ec2_id, is_iam_name, is_image_builder_arn,
    is_image_builder_name, is_instance_type, is_kms_key_arn, is_launch_template_name,
    is_managed_image_name, is_organization_arn, is_ou_arn, is_semantic_version, is_simple_name,
    is_sns_topic_arn, is_tag_key,
};
use super::model::{
    BlockDevice, Consumer, CreateLaunchTemplate, LaunchTemplate, Manifest, RefreshPreferences,
    VolumeType,
};
use super::regions::{KNOWN_REGIONS, looks_like_region};
use super::schedule::{CRON_PAGE, check_expression, check_timezone};

mod organization;

/// One value problem, located by key path.
#[derive(Debug)]
pub(crate) struct Problem {
    pub(crate) path: KeyPath,
    pub(crate) message: String,
    pub(crate) expected: Option<String>,
}

/// Longest AMI name EC2 accepts.
const MAX_AMI_NAME: usize = 128;
/// Common AWS-managed parent images, for "did you mean" (Image Builder's own names all end in
/// their architecture, `-x86` or `-arm64`).
const MANAGED_IMAGES: &[&str] = &[
    "amazon-linux-2-x86",
    "amazon-linux-2-arm64",
    "amazon-linux-2023-x86",
    "amazon-linux-2023-arm64",
    "ubuntu-server-20-lts-x86",
    "ubuntu-server-22-lts-x86",
    "ubuntu-server-22-lts-arm64",
    "ubuntu-server-24-lts-x86",
    "ubuntu-server-24-lts-arm64",
    "red-hat-enterprise-linux-8-x86",
    "red-hat-enterprise-linux-9-x86",
    "suse-linux-enterprise-server-15-x86",
    "windows-server-2019-english-full-base-x86",
    "windows-server-2022-english-full-base-x86",
    "windows-server-2022-english-core-base-x86",
    "windows-server-2025-english-full-base-x86",
];
/// Tags per resource AWS allows (EC2; Image Builder's `TagMap`, at most 50 entries in its model).
const MAX_TAGS: usize = 50;
/// What gold adds to the manifest's `tags`: `gold:manifest`, `gold:managed`, and `gold:hash` on
/// Image Builder components and recipes.
const GOLD_TAGS: usize = 3;
/// What gold adds to `ami_tags`: `gold:manifest` and `gold:managed`.
const GOLD_AMI_TAGS: usize = 2;

/// Checks the values of a structurally valid manifest.
pub(crate) fn check(manifest: &Manifest) -> Vec<Problem> {
    let mut checker = Checker {
        manifest,
        problems: Vec::new(),
    };
    checker.run();
    checker.problems
}

struct Checker<'m> {
    manifest: &'m Manifest,
    problems: Vec<Problem>,
}

impl Checker<'_> {
    fn expected(&mut self, path: KeyPath, expected: &str, found: &str) {
        self.problems.push(Problem {
            path,
            message: format!("expected {expected}, found {}", quote(found)),
            expected: Some(expected.to_owned()),
        });
    }

    fn problem(&mut self, path: KeyPath, message: String, expected: &str) {
        self.problems.push(Problem {
            path,
            message,
            expected: Some(expected.to_owned()),
        });
    }

    fn run(&mut self) {
        let m = self.manifest;
        let root = KeyPath::root();
        if !is_simple_name(&m.name) {
            self.expected(
                root.key("name"),
                "letters, digits, `-` and `_`, starting with a letter or digit",
                &m.name,
            );
        }
        self.tags(&root.key("tags"), &m.tags, GOLD_TAGS);
        for (i, region) in m.extra_regions.iter().enumerate() {
            if !looks_like_region(region) {
                self.expected(
                    root.key("extra_regions").index(i),
                    "a region name such as `eu-west-4`",
                    region,
                );
            }
        }
        self.producer();
        self.components();
        self.recipe();
        self.infrastructure();
        self.distribution();
        self.pipeline();
        self.organization();
        self.consumers();
        self.lifecycle();
        self.channels();
    }

    /// Channel names are simple and unique, soak times are durations, and once there are
    /// channels every consumer names one of them.
    fn channels(&mut self) {
        let m = self.manifest;
        let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, channel) in m.channels.iter().enumerate() {
            let path = KeyPath::root()
                .key("channels")
                .entry(i, Some(&channel.name));
            if !is_simple_name(&channel.name) {
                self.expected(
                    path.key("name"),
                    "letters, digits, `-` and `_`, starting with a letter or digit",
                    &channel.name,
                );
            }
            if let Some(first) = seen.insert(&channel.name, i) {
                self.problem(
                    path.key("name"),
                    format!(
                        "expected a name unique among channels, found {} again (first at channels[{first}])",
                        quote(&channel.name)
                    ),
                    "a unique channel name",
                );
            }
            if let Some(text) = &channel.soak
                && humantime::parse_duration(text).is_err()
            {
                self.expected(path.key("soak"), "a duration such as `24h` or `30m`", text);
            }
        }
        if m.scanning.as_ref().is_some_and(|s| s.enabled) && !m.pipeline.tests {
            // Image Builder abandons the scan of a build that skips its tests.
            self.problem(
                KeyPath::root().key("scanning").key("enabled"),
                "expected `pipeline.tests = true` with `[scanning] enabled`: Image Builder scans only builds that run their tests".to_owned(),
                "`pipeline.tests = true`",
            );
        }
        let names: Vec<&str> = m.channels.iter().map(|c| c.name.as_str()).collect();
        for (i, consumer) in m.consumers.iter().enumerate() {
            let path = KeyPath::root()
                .key("consumers")
                .entry(i, Some(&consumer.name));
            match &consumer.channel {
                None if !names.is_empty() => self.problem(
                    path,
                    format!(
                        "expected `channel` on consumer {}: with `[[channels]]` every consumer names the channel it follows ({})",
                        quote(&consumer.name),
                        names.join(", ")
                    ),
                    "a `channel` key",
                ),
                Some(channel) if !names.contains(&channel.as_str()) => {
                    let hint = did_you_mean(channel, names.iter().copied())
                        .map(|s| format!(" (did you mean `{s}`?)"))
                        .unwrap_or_default();
                    let known = if names.is_empty() {
                        "the manifest has no `[[channels]]`".to_owned()
                    } else {
                        format!("channels: {}", names.join(", "))
                    };
                    self.problem(
                        path.key("channel"),
                        format!(
                            "expected a channel of `[[channels]]`, found {}{hint}; {known}",
                            quote(channel)
                        ),
                        "a channel of `[[channels]]`",
                    );
                }
                _ => {}
            }
        }
    }

    fn lifecycle(&mut self) {
        let m = self.manifest;
        let Some(lifecycle) = &m.lifecycle else {
            return;
        };
        let path = KeyPath::root().key("lifecycle");
        if lifecycle.keep_latest == 0 {
            self.expected(path.key("keep_latest"), "at least 1", "0");
        }
        for (key, value) in [
            ("deprecate_after", &lifecycle.deprecate_after),
            ("delete_after", &lifecycle.delete_after),
        ] {
            if let Some(text) = value
                && humantime::parse_duration(text).is_err()
            {
                self.expected(path.key(key), "a duration such as `30d` or `12h`", text);
            }
        }
        if lifecycle
            .delete_after_duration()
            .is_some_and(|delete| delete < lifecycle.deprecate_after_duration())
        {
            self.problem(
                path.key("delete_after"),
                "expected `delete_after` at least as long as `deprecate_after`".to_owned(),
                "`delete_after` >= `deprecate_after`",
            );
        }
        self.sharing();
    }

    fn account(&mut self, path: KeyPath, account: &str) {
        if !is_account_id(account) {
            self.expected(path, "a 12-digit AWS account id", account);
        }
    }

    /// Whether gold knows `region` (or the manifest lists it in `extra_regions`).
    fn known_region(&self, region: &str) -> bool {
        KNOWN_REGIONS.contains(&region) || self.manifest.extra_regions.iter().any(|r| r == region)
    }

    fn region(&mut self, path: KeyPath, region: &str) {
        if !self.known_region(region) {
            let hint = did_you_mean(region, KNOWN_REGIONS.iter().copied())
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
            self.problem(
                path,
                format!(
                    "expected a known AWS region, found {}{hint}; a region gold does not know yet can be added to `extra_regions`",
                    quote(region)
                ),
                "a known AWS region",
            );
        }
    }

    fn credentials(
        &mut self,
        path: &KeyPath,
        account: &str,
        role_arn: Option<&str>,
        profile: Option<&str>,
    ) {
        if let Some(role_arn) = role_arn {
            match iam_role_account(role_arn) {
                None => self.expected(
                    path.key("role_arn"),
                    "an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)",
                    role_arn,
                ),
                Some(role_account) if is_account_id(account) && role_account != account => self.problem(
                    path.key("role_arn"),
                    format!("expected a role in account {account}, found a role in account {role_account}"),
                    "a role in the same account",
                ),
                Some(_) => {}
            }
            if profile.is_some() {
                self.problem(
                    path.key("profile"),
                    "expected either `role_arn` or `profile`, found both".to_owned(),
                    "either `role_arn` or `profile`",
                );
            }
        }
        if profile.is_some_and(str::is_empty) {
            self.expected(path.key("profile"), "a profile name", "");
        }
    }

    /// `tags` of which AWS will hold `gold` more on each resource.
    fn tags(&mut self, path: &KeyPath, tags: &BTreeMap<String, String>, gold: usize) {
        let most = MAX_TAGS - gold;
        if tags.len() > most {
            self.problem(
                path.clone(),
                format!(
                    "expected at most {most} tags (AWS allows {MAX_TAGS} on a resource, and gold adds {gold}), found {}",
                    tags.len()
                ),
                &format!("at most {most} tags"),
            );
        }
        for (key, value) in tags {
            if key.starts_with("gold:") {
                self.problem(
                    path.key(key),
                    format!(
                        "expected a tag key outside `gold:`, which gold reserves, found {}",
                        quote(key)
                    ),
                    "a tag key not starting with `gold:`",
                );
            } else if !is_tag_key(key) {
                self.expected(
                    path.key(key),
                    "a tag key of 1-128 letters, digits, spaces or `_.:/=+-@`, not starting with `aws:`",
                    key,
                );
            }
            if value.chars().count() > 256 {
                self.expected(
                    path.key(key),
                    "a tag value of at most 256 characters",
                    value,
                );
            }
        }
    }

    fn text_limit(&mut self, path: KeyPath, text: Option<&str>, max: usize) {
        if let Some(text) = text {
            let count = text.chars().count();
            if count == 0 || count > max {
                self.problem(
                    path,
                    format!("expected 1 to {max} characters, found {count}"),
                    &format!("1 to {max} characters"),
                );
            }
        }
    }

    fn producer(&mut self) {
        let producer = &self.manifest.producer;
        let path = KeyPath::root().key("producer");
        self.account(path.key("account"), &producer.account);
        self.region(path.key("region"), &producer.region);
        self.credentials(
            &path,
            &producer.account,
            producer.role_arn.as_deref(),
            producer.profile.as_deref(),
        );
    }

    fn components(&mut self) {
        for (name, component) in &self.manifest.components {
            let path = KeyPath::root().key("components").key(name);
            if !is_image_builder_name(name) {
                self.problem(
                    path.clone(),
                    format!(
                        "expected a component name of 3-128 letters, digits, `-`, `_` or inner spaces, found {}",
                        quote(name)
                    ),
                    "an Image Builder component name",
                );
            }
            if !is_semantic_version(&component.version) {
                self.expected(
                    path.key("version"),
                    "a version major.minor.patch, e.g. `1.0.0`",
                    &component.version,
                );
            }
            self.text_limit(
                path.key("description"),
                component.description.as_deref(),
                1024,
            );
            if component.file.as_os_str().is_empty() {
                self.expected(path.key("file"), "a path to an AWSTOE YAML document", "");
            }
            for key in component.parameters.keys() {
                if key.is_empty() || key.chars().count() > 256 {
                    self.expected(
                        path.key("parameters").key(key),
                        "a parameter name of 1-256 characters",
                        key,
                    );
                }
            }
        }
    }

    fn recipe(&mut self) {
        let recipe = &self.manifest.recipe;
        let path = KeyPath::root().key("recipe");
        self.parent_image(&path);
        if !is_semantic_version(&recipe.version) {
            self.expected(
                path.key("version"),
                "a version major.minor.patch, e.g. `1.0.0`",
                &recipe.version,
            );
        }
        self.text_limit(path.key("description"), recipe.description.as_deref(), 1024);
        self.text_limit(
            path.key("working_directory"),
            recipe.working_directory.as_deref(),
            1024,
        );
        self.recipe_components(&path);
        let mut devices = BTreeSet::new();
        for (i, device) in recipe.block_devices.iter().enumerate() {
            let device_path = path.key("block_device").entry(i, Some(&device.device));
            self.block_device(&device_path, device);
            if !devices.insert(device.device.as_str()) {
                self.problem(
                    device_path.key("device"),
                    format!(
                        "expected each device once, found {} again",
                        quote(&device.device)
                    ),
                    "unique device names",
                );
            }
        }
    }

    /// `recipe.parent_image`: an Image Builder image ARN in the producer's region, an AMI id,
    /// `ssm:NAME`, or an Amazon-managed image name.
    fn parent_image(&mut self, path: &KeyPath) {
        let parent = self.manifest.recipe.parent_image.as_str();
        let parent_path = path.key("parent_image");
        if parent.starts_with("arn:") {
            if is_image_builder_arn(parent, "image") {
                self.arn_region(parent_path, parent);
            } else {
                self.expected(
                    parent_path,
                    "an Image Builder image ARN (arn:aws:imagebuilder:REGION:OWNER:image/NAME/x.x.x)",
                    parent,
                );
            }
        } else if !(super::formats::is_ec2_id(parent, "ami")
            || parent
                .strip_prefix("ssm:")
                .is_some_and(|name| !name.is_empty()))
        {
            self.managed_image(parent_path, parent);
        }
    }

    /// `recipe.components`: each a declared component or a component ARN, each once.
    fn recipe_components(&mut self, path: &KeyPath) {
        let recipe = &self.manifest.recipe;
        let declared = &self.manifest.components;
        let mut seen = BTreeSet::new();
        for (i, entry) in recipe.components.iter().enumerate() {
            let entry_path = path.key("components").index(i);
            if entry.starts_with("arn:") {
                if is_image_builder_arn(entry, "component") {
                    self.arn_region(entry_path.clone(), entry);
                } else {
                    self.expected(
                        entry_path.clone(),
                        "an Image Builder component ARN (arn:aws:imagebuilder:REGION:aws:component/NAME/x.x.x)",
                        entry,
                    );
                }
            } else if !declared.contains_key(entry) {
                let hint = did_you_mean(entry, declared.keys().map(String::as_str))
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                let names = if declared.is_empty() {
                    "none are declared".to_owned()
                } else {
                    format!(
                        "declared: {}",
                        declared
                            .keys()
                            .map(|k| format!("`{k}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                };
                self.problem(
                    entry_path.clone(),
                    format!(
                        "expected the name of a component in `[components]` ({names}) or a component ARN, found {}{hint}",
                        quote(entry)
                    ),
                    "a declared component name or a component ARN",
                );
            }
            if !seen.insert(entry.as_str()) {
                self.problem(
                    entry_path,
                    format!("expected each component once, found {} again", quote(entry)),
                    "each component once",
                );
            }
        }
    }

    /// Image Builder resources are regional: a recipe can only use images and components of
    /// the region it lives in, the producer's.
    fn arn_region(&mut self, path: KeyPath, arn: &str) {
        let producer = self.manifest.producer.region.as_str();
        let Some(region) = arn.split(':').nth(3) else {
            return;
        };
        if region != producer && self.known_region(producer) {
            self.problem(
                path,
                format!(
                    "expected an ARN in the producer's region `{producer}`, where the recipe is built (Image Builder resources are regional), found one in `{region}`: `{}`",
                    arn.replacen(&format!(":{region}:"), &format!(":{producer}:"), 1)
                ),
                "an ARN in the producer's region",
            );
        }
    }

    /// An AWS-managed image name, with an optional version filter (`amazon-linux-2-x86/x.x.x`).
    fn managed_image(&mut self, path: KeyPath, parent: &str) {
        let (name, version) = parent.split_once('/').unwrap_or((parent, "x.x.x"));
        let expected = "an AWS-managed image name with a version (`amazon-linux-2023-x86/x.x.x`), an Image Builder image ARN, `ssm:PARAMETER` or an AMI id (`ami-…`)";
        if !is_managed_image_name(&format!("{name}/{version}")) {
            self.expected(path, expected, parent);
            return;
        }
        let hint = suggestion(name, MANAGED_IMAGES.iter().copied());
        if !name.ends_with("-x86") && !name.ends_with("-arm64") {
            self.problem(
                path,
                format!(
                    "expected an AWS-managed image name, which ends in its architecture (`-x86` or `-arm64`), found {}{hint}",
                    quote(name)
                ),
                expected,
            );
        }
    }

    fn block_device(&mut self, path: &KeyPath, device: &BlockDevice) {
        if !device_name_ok(&device.device) {
            self.expected(
                path.key("device"),
                "a device name such as `/dev/xvdb` or `/dev/sdb`",
                &device.device,
            );
        }
        if device.iops.is_some()
            && !matches!(
                device.volume_type,
                VolumeType::Gp3 | VolumeType::Io1 | VolumeType::Io2
            )
        {
            self.problem(
                path.key("iops"),
                format!(
                    "expected no `iops` for volume type {}; only gp3, io1 and io2 take it",
                    device.volume_type.as_str()
                ),
                "`iops` only with gp3, io1 or io2",
            );
        }
        if device.throughput.is_some() && device.volume_type != VolumeType::Gp3 {
            self.problem(
                path.key("throughput"),
                format!(
                    "expected no `throughput` for volume type {}; only gp3 takes it",
                    device.volume_type.as_str()
                ),
                "`throughput` only with gp3",
            );
        }
    }

    fn security_groups(&mut self, path: &KeyPath, creates: bool, ids: &[String]) {
        if creates && !ids.is_empty() {
            self.problem(
                path.key("security_group_ids"),
                "expected either `security_group` or `security_group_ids`, found both".to_owned(),
                "either `security_group` or `security_group_ids`",
            );
        }
        for (i, id) in ids.iter().enumerate() {
            if !is_ec2_id(id, "sg") {
                self.expected(
                    path.key("security_group_ids").index(i),
                    "a security group id (`sg-` and 8 or 17 hex digits)",
                    id,
                );
            }
        }
    }

    fn infrastructure(&mut self) {
        let infra = &self.manifest.infrastructure;
        let path = KeyPath::root().key("infrastructure");
        for (i, instance_type) in infra.instance_types.iter().enumerate() {
            if !is_instance_type(instance_type) {
                self.expected(
                    path.key("instance_types").index(i),
                    "an EC2 instance type such as `t3.small`",
                    instance_type,
                );
            }
        }
        if let Some(subnet) = &infra.subnet_id
            && !is_ec2_id(subnet, "subnet")
        {
            self.expected(
                path.key("subnet_id"),
                "a subnet id (`subnet-` and 8 or 17 hex digits)",
                subnet,
            );
        }
        self.security_groups(
            &path,
            infra.security_group.is_some(),
            &infra.security_group_ids,
        );
        if !infra.creates_instance_profile() && !is_iam_name(&infra.instance_profile) {
            self.expected(
                path.key("instance_profile"),
                "`create` or an instance profile name (1-128 letters, digits or `+=,.@_-`)",
                &infra.instance_profile,
            );
        }
        if let Some(key_pair) = &infra.key_pair {
            self.text_limit(path.key("key_pair"), Some(key_pair), 255);
        }
        if let Some(bucket) = &infra.logs_bucket
            && !is_bucket_name(bucket)
        {
            self.expected(
                path.key("logs_bucket"),
                "an S3 bucket name (3-63 lowercase letters, digits, `.` or `-`)",
                bucket,
            );
        }
        if infra.logs_prefix.is_some() && infra.logs_bucket.is_none() {
            self.problem(
                path.key("logs_prefix"),
                "expected `logs_bucket` next to `logs_prefix`, found no bucket".to_owned(),
                "`logs_bucket` with `logs_prefix`",
            );
        }
        if let Some(topic) = &infra.sns_topic_arn
            && !is_sns_topic_arn(topic)
        {
            self.expected(
                path.key("sns_topic_arn"),
                "an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)",
                topic,
            );
        }
    }

    fn distribution(&mut self) {
        let m = self.manifest;
        let dist = &m.distribution;
        let path = KeyPath::root().key("distribution");
        self.ami_name(&path.key("ami_name"), &dist.ami_name);
        self.text_limit(
            path.key("ami_description"),
            dist.ami_description.as_deref(),
            1024,
        );
        self.tags(&path.key("ami_tags"), &dist.ami_tags, GOLD_AMI_TAGS);
        let mut regions = BTreeSet::new();
        for (i, region) in dist.regions.iter().enumerate() {
            self.region(path.key("regions").index(i), region);
            if !regions.insert(region.as_str()) {
                self.problem(
                    path.key("regions").index(i),
                    format!("expected each region once, found {} again", quote(region)),
                    "unique regions",
                );
            }
        }
        let all_known = dist.regions.iter().all(|r| self.known_region(r))
            && self.known_region(&m.producer.region);
        if all_known && !dist.regions.is_empty() && !regions.contains(m.producer.region.as_str()) {
            self.problem(
                path.key("regions"),
                format!(
                    "expected the producer's region `{}` among the regions, where the AMI is built",
                    m.producer.region
                ),
                "the producer's region",
            );
        }
        for (i, arn) in dist.share_with_organizations.iter().enumerate() {
            if !is_organization_arn(arn) {
                self.expected(
                    path.key("share_with_organizations").index(i),
                    "an organization ARN (arn:aws:organizations::ACCOUNT:organization/o-…)",
                    arn,
                );
            }
        }
        for (i, arn) in dist.share_with_ous.iter().enumerate() {
            if !is_ou_arn(arn) {
                self.expected(
                    path.key("share_with_ous").index(i),
                    "an organizational unit ARN (arn:aws:organizations::ACCOUNT:ou/o-…/ou-…)",
                    arn,
                );
            }
        }
        for (i, account) in dist.share_with_accounts.iter().enumerate() {
            self.account(path.key("share_with_accounts").index(i), account);
        }
        if let Some(key) = &dist.kms_key_id {
            if is_kms_key_arn(key) {
                self.key_region(&path.key("kms_key_id"), key);
            } else {
                self.expected(
                    path.key("kms_key_id"),
                    "a KMS key or alias ARN (arn:aws:kms:REGION:ACCOUNT:key/ID)",
                    key,
                );
            }
        }
        if let Some(parameter) = &dist.ssm_parameter {
            self.parameter_name(path.key("ssm_parameter").key("name"), &parameter.name);
        }
    }

    /// A KMS key serves only its own region (AWS KMS Developer Guide, "AWS KMS concepts"), and
    /// Image Builder encrypts each region's copy with that region's key: the distribution's key
    /// must be in its every region.
    fn key_region(&mut self, path: &KeyPath, key: &str) {
        let m = self.manifest;
        let key_region = key.split(':').nth(3).unwrap_or_default();
        let regions: Vec<&str> = if m.distribution.regions.is_empty() {
            vec![m.producer.region.as_str()]
        } else {
            m.distribution.regions.iter().map(String::as_str).collect()
        };
        let elsewhere: Vec<String> = regions
            .iter()
            .filter(|region| **region != key_region)
            .map(|region| quote(region))
            .collect();
        if !elsewhere.is_empty() {
            self.problem(
                path.clone(),
                format!(
                    "expected a key of the distribution's region, found a key of {} while the AMI is distributed to {}: a KMS key serves only its own region",
                    quote(key_region),
                    elsewhere.join(", ")
                ),
                "a key in the distribution's region",
            );
        }
    }

    /// SSM's parameter naming rules (Systems Manager User Guide, "Parameter naming constraints").
    fn parameter_name(&mut self, path: KeyPath, name: &str) {
        let ok = (1..=1011).contains(&name.len())
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_.-/".contains(c))
            && !["aws", "ssm", "/aws", "/ssm"]
                .iter()
                .any(|reserved| name.to_ascii_lowercase().starts_with(reserved));
        if !ok {
            self.expected(
                path,
                "an SSM parameter name (letters, digits, `_.-/`, not starting with `aws` or `ssm`)",
                name,
            );
        }
    }

    /// A consumer's parameters: well named, each once, and the consumer has some target at all.
    fn consumer_parameters(&mut self, path: &KeyPath, consumer: &Consumer) {
        if consumer.launch_templates.is_empty() && consumer.parameters.is_empty() {
            self.problem(
                path.clone(),
                format!(
                    "expected `launch_templates` or `parameters`: consumer {} lists nothing for gold to move",
                    quote(&consumer.name)
                ),
                "at least one `[[consumers.launch_templates]]` or `[[consumers.parameters]]`",
            );
        }
        let mut seen = BTreeSet::new();
        for (p, parameter) in consumer.parameters.iter().enumerate() {
            let parameter_path = path
                .key("parameters")
                .entry(p, Some(parameter.name.as_str()));
            self.parameter_name(parameter_path.key("name"), &parameter.name);
            if !seen.insert(parameter.name.as_str()) {
                self.problem(
                    parameter_path,
                    format!(
                        "expected each parameter once per consumer, found {} again",
                        quote(&parameter.name)
                    ),
                    "each target once",
                );
            }
        }
    }

    fn ami_name(&mut self, path: &KeyPath, template: &str) {
        let parsed = match AmiName::parse(template) {
            Ok(parsed) => parsed,
            Err(AmiNameError::Unclosed) => {
                self.expected(path.clone(), "`}}` closing each `{{`", template);
                return;
            }
            Err(AmiNameError::UnknownPlaceholder(other)) => {
                self.problem(
                    path.clone(),
                    format!(
                        "expected `{{{{imagebuilder:buildDate}}}}` or `{{{{imagebuilder:buildVersion}}}}`, found `{{{{{other}}}}}`"
                    ),
                    "Image Builder placeholders",
                );
                return;
            }
        };
        if !parsed.has_build_date() {
            self.problem(
                path.clone(),
                format!(
                    "expected the template to contain `{{{{imagebuilder:buildDate}}}}` so every build gets a unique AMI name, found {}",
                    quote(template)
                ),
                "a template containing {{imagebuilder:buildDate}}",
            );
        }
        if let Some(bad) = parsed
            .literal_text()
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || "-_ .:".contains(*c)))
        {
            self.problem(
                path.clone(),
                format!("expected letters, digits, spaces or `-_.:` around the placeholders, found {bad:?}"),
                "AMI name characters",
            );
        }
        let rendered = parsed.longest_rendering();
        if template.chars().count() > 127 || rendered > MAX_AMI_NAME - 1 {
            self.problem(
                path.clone(),
                format!("expected a name of at most 127 characters once rendered, found up to {rendered}"),
                "at most 127 characters once rendered",
            );
        }
    }

    fn pipeline(&mut self) {
        let pipeline = &self.manifest.pipeline;
        let path = KeyPath::root().key("pipeline");
        if let Some(schedule) = &pipeline.schedule
            && let Err(why) = check_expression(schedule)
        {
            self.problem(
                path.key("schedule"),
                format!("{why} (Image Builder docs: \"{CRON_PAGE}\")"),
                "an Image Builder cron expression",
            );
        }
        if let Some(zone) = &pipeline.schedule_timezone {
            if let Err(why) = check_timezone(zone) {
                self.problem(
                    path.key("schedule_timezone"),
                    format!("{why} (Image Builder API reference: `Schedule.timezone`)"),
                    "an IANA time zone",
                );
            } else if pipeline.schedule.is_none() {
                self.problem(
                    path.key("schedule_timezone"),
                    "expected `schedule` next to `schedule_timezone`, found no schedule".to_owned(),
                    "`schedule` with `schedule_timezone`",
                );
            }
        }
        if pipeline.schedule_condition.is_some() && pipeline.schedule.is_none() {
            self.problem(
                path.key("schedule_condition"),
                "expected `schedule` next to `schedule_condition`, found no schedule".to_owned(),
                "`schedule` with `schedule_condition`",
            );
        }
        if let Some(timeout) = &pipeline.build_timeout {
            match humantime::parse_duration(timeout) {
                Ok(duration) if !duration.is_zero() => {}
                _ => self.expected(
                    path.key("build_timeout"),
                    "a duration such as `2h` or `90m`",
                    timeout,
                ),
            }
        }
    }

    fn consumers(&mut self) {
        let m = self.manifest;
        let distributed: Vec<&str> = if m.distribution.regions.is_empty() {
            vec![m.producer.region.as_str()]
        } else {
            m.distribution.regions.iter().map(String::as_str).collect()
        };
        let mut names: BTreeMap<&str, usize> = BTreeMap::new();
        let mut targets: BTreeMap<(String, String, String), usize> = BTreeMap::new();
        // A misspelt distribution region is one mistake: it is reported where it is written,
        // not again at every consumer region it fails to match.
        let distribution_known = m.distribution.regions.iter().all(|r| self.known_region(r))
            && self.known_region(&m.producer.region);
        for (i, consumer) in m.consumers.iter().enumerate() {
            let path = KeyPath::root()
                .key("consumers")
                .entry(i, Some(&consumer.name));
            if !is_simple_name(&consumer.name) {
                self.expected(
                    path.key("name"),
                    "letters, digits, `-` and `_`, starting with a letter or digit",
                    &consumer.name,
                );
            }
            if let Some(first) = names.insert(&consumer.name, i) {
                self.problem(
                    path.key("name"),
                    format!(
                        "expected a name unique among consumers, found {} again (first at consumers[{first}])",
                        quote(&consumer.name)
                    ),
                    "a unique consumer name",
                );
            }
            self.consumer_selection(&path, consumer);
            if let Some(account) = &consumer.account {
                self.account(path.key("account"), account);
                self.consumer_needs_credentials(&path, consumer, account);
                self.credentials(
                    &path,
                    account,
                    consumer.role_arn.as_deref(),
                    consumer.profile.as_deref(),
                );
                self.shared_with(&path, account);
            }
            self.consumer_regions(&path, consumer, &distributed, distribution_known);
            self.consumer_parameters(&path, consumer);
            self.consumer_templates(&path, i, consumer, &mut targets);
        }
    }

    /// A consumer's launch templates: each well formed and selected as its consumer says, and
    /// each target (account, region, template) named by one consumer entry only.
    fn consumer_templates(
        &mut self,
        path: &KeyPath,
        i: usize,
        consumer: &Consumer,
        targets: &mut BTreeMap<(String, String, String), usize>,
    ) {
        let m = self.manifest;
        let regions: Vec<&str> = if consumer.regions.is_empty() {
            vec![m.producer.region.as_str()]
        } else {
            consumer.regions.iter().map(String::as_str).collect()
        };
        for (t, template) in consumer.launch_templates.iter().enumerate() {
            let template_path = path
                .key("launch_templates")
                .entry(t, template.name.as_deref().or(template.id.as_deref()));
            self.launch_template(&template_path, template);
            self.selected_template(&template_path, consumer, template);
            // Accounts found in Organizations are checked at run time (`consumer::discover`).
            let Some(account) = &consumer.account else {
                continue;
            };
            for region in &regions {
                let key = (
                    account.clone(),
                    (*region).to_owned(),
                    template.label().into_owned(),
                );
                match targets.get(&key) {
                    Some(&other) if !template.label().is_empty() => {
                        let where_ = if other == i {
                            "in this consumer".to_owned()
                        } else {
                            format!("in consumer {}", quote(&m.consumers[other].name))
                        };
                        self.problem(
                            template_path.clone(),
                            format!(
                                "expected each launch template once per account and region, found {} in {region} again ({where_})",
                                quote(&template.label())
                            ),
                            "each target once",
                        );
                        break;
                    }
                    _ => {
                        targets.insert(key, i);
                    }
                }
            }
        }
    }

    /// gold reaches a consumer outside the producer's account only through a role or profile.
    fn consumer_needs_credentials(&mut self, path: &KeyPath, consumer: &Consumer, account: &str) {
        let m = self.manifest;
        let elsewhere = is_account_id(account)
            && is_account_id(&m.producer.account)
            && account != m.producer.account;
        if elsewhere && consumer.role_arn.is_none() && consumer.profile.is_none() {
            self.problem(
                path.clone(),
                format!(
                    "expected `role_arn` or `profile`: consumer {} is in account {}, not the producer's {}, and gold needs credentials for it",
                    quote(&consumer.name),
                    account,
                    m.producer.account
                ),
                "`role_arn` or `profile` for a consumer in another account",
            );
        }
    }

    /// Each consumer region is known, distributed to, and listed once.
    fn consumer_regions(
        &mut self,
        path: &KeyPath,
        consumer: &Consumer,
        distributed: &[&str],
        distribution_known: bool,
    ) {
        let mut seen = BTreeSet::new();
        for (r, region) in consumer.regions.iter().enumerate() {
            let region_path = path.key("regions").index(r);
            self.region(region_path.clone(), region);
            if self.known_region(region)
                && distribution_known
                && !distributed.contains(&region.as_str())
            {
                self.problem(
                    region_path.clone(),
                    format!(
                        "expected a region the AMI is distributed to ({}), found {}",
                        distributed.join(", "),
                        quote(region)
                    ),
                    "one of `distribution.regions`",
                );
            }
            if !seen.insert(region.as_str()) {
                self.problem(
                    region_path,
                    format!("expected each region once, found {} again", quote(region)),
                    "unique regions",
                );
            }
        }
    }

    /// A consumer in another account can only launch the AMI when the distribution shares it.
    fn shared_with(&mut self, path: &KeyPath, account: &str) {
        let m = self.manifest;
        let dist = &m.distribution;
        if account == m.producer.account || !is_account_id(account) {
            return;
        }
        let org_wide = !dist.share_with_organizations.is_empty() || !dist.share_with_ous.is_empty();
        if !org_wide && !dist.share_with_accounts.iter().any(|a| a == account) {
            self.problem(
                path.key("account"),
                format!(
                    "expected the distribution to share the AMI with account {account} (`share_with_organizations`, `share_with_ous` or `share_with_accounts`), found no such share"
                ),
                "an account the AMI is shared with",
            );
        }
    }

    fn launch_template(&mut self, path: &KeyPath, template: &LaunchTemplate) {
        match (&template.name, &template.id, &template.tag) {
            (Some(_), Some(_), _) => self.problem(
                path.key("id"),
                "expected either `name` or `id`, found both".to_owned(),
                "either `name` or `id`",
            ),
            (Some(_), None, Some(_)) | (None, Some(_), Some(_)) => self.problem(
                path.key("tag"),
                format!(
                    "expected either `{}` or `tag`, found both",
                    if template.name.is_some() {
                        "name"
                    } else {
                        "id"
                    }
                ),
                "one of `name`, `id` and `tag`",
            ),
            (None, None, None) => self.problem(
                path.clone(),
                "expected `name`, `id` or `tag` of the launch template, found none".to_owned(),
                "`name`, `id` or `tag`",
            ),
            _ => {}
        }
        if let Some(name) = &template.name
            && !is_launch_template_name(name)
        {
            self.expected(
                path.key("name"),
                "a launch template name of 3-128 letters, digits or `().-/_`",
                name,
            );
        }
        if let Some(id) = &template.id {
            if !is_ec2_id(id, "lt") {
                self.expected(
                    path.key("id"),
                    "a launch template id (`lt-` and 17 hex digits)",
                    id,
                );
            }
            if template.create.is_some() {
                self.problem(
                    path.key("create"),
                    "expected `name` with `create` (gold creates the template by name), found `id`"
                        .to_owned(),
                    "`name` with `create`",
                );
            }
        }
        let mut groups = BTreeSet::new();
        for (i, group) in template.auto_scaling_groups.names().iter().enumerate() {
            let group_path = path.key("auto_scaling_groups").index(i);
            if group.is_empty() || group.chars().count() > 255 {
                self.expected(
                    group_path.clone(),
                    "an Auto Scaling group name of 1-255 characters",
                    group,
                );
            }
            if !groups.insert(group.as_str()) {
                self.problem(
                    group_path,
                    format!("expected each group once, found {} again", quote(group)),
                    "unique group names",
                );
            }
        }
        if let Some(create) = &template.create {
            self.create(&path.key("create"), create);
        }
        self.refresh(&path.key("refresh"), &template.refresh);
    }

    fn create(&mut self, path: &KeyPath, create: &CreateLaunchTemplate) {
        if !is_instance_type(&create.instance_type) {
            self.expected(
                path.key("instance_type"),
                "an EC2 instance type such as `t3.small`",
                &create.instance_type,
            );
        }
        if !device_name_ok(&create.root_device) {
            self.expected(
                path.key("root_device"),
                "a device name such as `/dev/xvda`",
                &create.root_device,
            );
        }
        self.security_groups(
            path,
            create.security_group.is_some(),
            &create.security_group_ids,
        );
        if let Some(key_pair) = &create.key_pair {
            self.text_limit(path.key("key_pair"), Some(key_pair), 255);
        }
    }

    /// AWS's rules for `StartInstanceRefresh` preferences (EC2 Auto Scaling API Reference,
    /// `RefreshPreferences`, `AlarmSpecification`): the ranges of its model and the rules its
    /// documentation states, and nothing stricter.
    fn refresh(&mut self, path: &KeyPath, refresh: &RefreshPreferences) {
        let min = refresh.min_healthy_percentage;
        if min > 100 {
            self.problem(
                path.key("min_healthy_percentage"),
                format!("expected a percentage from 0 to 100, found {min}"),
                "0 to 100",
            );
        }
        if let Some(max) = refresh.max_healthy_percentage {
            if !(100..=200).contains(&max) {
                self.problem(
                    path.key("max_healthy_percentage"),
                    format!("expected a percentage from 100 to 200, found {max}"),
                    "100 to 200",
                );
            } else if max > min + 100 {
                self.problem(
                    path.key("max_healthy_percentage"),
                    format!(
                        "expected at most min_healthy_percentage + 100 = {}, found {max}",
                        min + 100
                    ),
                    "a spread of at most 100 points",
                );
            }
        }
        let checkpoints = &refresh.checkpoint_percentages;
        for (i, &percentage) in checkpoints.iter().enumerate() {
            let ascending = i == 0 || checkpoints[i - 1] < percentage;
            if !(1..=100).contains(&percentage) || !ascending {
                self.problem(
                    path.key("checkpoint_percentages").index(i),
                    format!(
                        "expected unique ascending percentages from 1 to 100, found {percentage}"
                    ),
                    "unique ascending percentages from 1 to 100",
                );
            }
        }
        if let Some(delay) = refresh.checkpoint_delay_seconds {
            if checkpoints.is_empty() {
                self.problem(
                    path.key("checkpoint_delay_seconds"),
                    "expected `checkpoint_percentages` next to `checkpoint_delay_seconds`, found none"
                        .to_owned(),
                    "`checkpoint_percentages` with `checkpoint_delay_seconds`",
                );
            }
            self.seconds(path.key("checkpoint_delay_seconds"), delay);
        }
        if let Some(bake) = refresh.bake_time_seconds {
            self.seconds(path.key("bake_time_seconds"), bake);
        }
        if refresh.alarms.len() > 10 {
            self.problem(
                path.key("alarms"),
                format!("expected at most 10 alarms, found {}", refresh.alarms.len()),
                "at most 10 CloudWatch alarm names",
            );
        }
        let mut alarms = BTreeSet::new();
        for (i, alarm) in refresh.alarms.iter().enumerate() {
            self.text_limit(path.key("alarms").index(i), Some(alarm), 255);
            if !alarms.insert(alarm.as_str()) {
                self.problem(
                    path.key("alarms").index(i),
                    format!("expected each alarm once, found {} again", quote(alarm)),
                    "unique alarm names",
                );
            }
        }
    }

    /// A duration AWS bounds to two days (`CheckpointDelay`, `BakeTime`).
    fn seconds(&mut self, path: KeyPath, seconds: u32) {
        if seconds > 172_800 {
            self.problem(
                path,
                format!("expected at most 172800 seconds (two days), found {seconds}"),
                "0 to 172800 seconds",
            );
        }
    }
}

fn device_name_ok(name: &str) -> bool {
    let rest = name.strip_prefix("/dev/").unwrap_or(name);
    !rest.is_empty()
        && rest.len() <= 32
        && rest
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && (rest.starts_with("sd") || rest.starts_with("xvd") || rest.starts_with("nvme"))
}

/// `[sharing]`: what the AWS RAM share holds and whom it reaches.
impl Checker<'_> {
    fn sharing(&mut self) {
        let m = self.manifest;
        let Some(sharing) = &m.sharing else {
            return;
        };
        let path = KeyPath::root().key("sharing");
        let mut seen = BTreeSet::new();
        for (i, key) in sharing.components.iter().enumerate() {
            let entry = path.key("components").index(i);
            if !m.components.contains_key(key) {
                let hint = did_you_mean(key, m.components.keys().map(String::as_str))
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                self.problem(
                    entry.clone(),
                    format!(
                        "expected the name of a component in `[components]` (only gold's own components can be shared), found {}{hint}",
                        quote(key)
                    ),
                    "a declared component name",
                );
            }
            if !seen.insert(key.as_str()) {
                self.problem(
                    entry,
                    format!("expected each component once, found {} again", quote(key)),
                    "each component once",
                );
            }
        }
        if let Some(principals) = &sharing.principals {
            for (i, principal) in principals.iter().enumerate() {
                if !(is_account_id(principal)
                    || is_organization_arn(principal)
                    || is_ou_arn(principal))
                {
                    self.expected(
                        path.key("principals").index(i),
                        "an organization ARN, an organizational unit ARN or a 12-digit account id",
                        principal,
                    );
                }
            }
        }
        if m.sharing_principals().is_empty() {
            self.problem(
                path.key("principals"),
                "expected someone to share with: `sharing.principals`, or the AMI's `distribution.share_with_organizations`, `share_with_ous` or `share_with_accounts`, found none".to_owned(),
                "at least one principal",
            );
        }
        if !sharing.image && sharing.components.is_empty() {
            self.problem(
                path.key("image"),
                "expected something to share: `image = true` or some `components`, found neither"
                    .to_owned(),
                "`image = true` or components",
            );
        }
    }
}
