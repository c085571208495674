//! An organization set up for gold the way README's "What gold needs from an organization on
//! AWS" tells a platform team to, then run as AWS runs it: IAM evaluated (`enforce_iam`) and
//! changes reaching other services late (`propagation_seconds`). Each manifest is run by an
//! operator role in its producer account holding exactly `gold iam producer`; consumer accounts
//! hold a rollout role made from exactly `gold iam consumer` and `gold iam trust` (or their
//! CloudFormation template); the `[organization]` reader role holds exactly `gold iam
//! organization` and `gold iam organization --trust`. The administrator's own setup happens
//! before IAM is evaluated, as it would minutes before a first run.
//!
//! [`Team::assert_policies_match_the_calls`] then checks, from localcloud's request log, that
//! every action a call of gold needed was granted and every action granted was needed.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Output;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use gold::aws::permissions::{PERMISSIONS, Side};
use serde_json::{Value, json};

use super::{Localcloud, runtime, text};

/// The management account of localcloud's organization.
pub const MANAGEMENT: &str = "000000000000";
/// The region every example works in first.
pub const REGION: &str = "ap-northeast-1";
/// How long localcloud keeps a change from other services: short, so tests stay quick.
pub const PROPAGATION_SECONDS: u64 = 2;
/// The operator role in a producer account, and its inline policy's name.
pub const OPERATOR: &str = "GoldOperator";
/// The rollout role in consumer accounts.
pub const ROLLOUT: &str = "GoldRollout";
/// The organization reader role in the management account.
pub const READER: &str = "GoldOrgReader";
const POLICY: &str = "gold";

/// The dummy credentials: the root of `111122223333`, which localcloud never evaluates.
pub async fn root(cloud: &Localcloud, region: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(&cloud.url)
        .region(Region::new(region.to_owned()))
        .credentials_provider(Credentials::new("test", "test", None, None, "root"))
        .load()
        .await
}

/// `config` acting with `credentials`.
pub fn with(config: &SdkConfig, credentials: Credentials) -> SdkConfig {
    config
        .to_builder()
        .credentials_provider(SharedCredentialsProvider::new(credentials))
        .build()
}

/// Temporary credentials of `role_arn`, assumed with `config`.
pub async fn assume(config: &SdkConfig, role_arn: &str) -> Result<Credentials, String> {
    let out = aws_sdk_sts::Client::new(config)
        .assume_role()
        .role_arn(role_arn)
        .role_session_name("gold-test")
        .send()
        .await
        .map_err(|err| format!("{:?}", err.into_service_error()))?;
    let c = out.credentials.expect("credentials");
    Ok(Credentials::new(
        c.access_key_id,
        c.secret_access_key,
        Some(c.session_token),
        None,
        "assumed",
    ))
}

/// A policy document with one statement allowing `sts:AssumeRole` to `principal`.
fn trusting(principal: &str) -> Value {
    json!({ "Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": { "AWS": principal }, "Action": "sts:AssumeRole" }] })
}

/// Creates (or keeps) role `name` with `trust`, and puts `policy` as its inline policy.
pub async fn put_role(config: &SdkConfig, name: &str, trust: &Value, policy: &Value) {
    let iam = aws_sdk_iam::Client::new(config);
    if iam.get_role().role_name(name).send().await.is_err() {
        iam.create_role()
            .role_name(name)
            .assume_role_policy_document(trust.to_string())
            .send()
            .await
            .expect("CreateRole");
    }
    put_policy(config, name, policy).await;
}

/// Replaces role `name`'s inline policy.
pub async fn put_policy(config: &SdkConfig, name: &str, policy: &Value) {
    aws_sdk_iam::Client::new(config)
        .put_role_policy()
        .role_name(name)
        .policy_name(POLICY)
        .policy_document(policy.to_string())
        .send()
        .await
        .expect("PutRolePolicy");
}

/// The organization's administrators, before and around the runs.
pub struct Org<'c> {
    /// The localcloud it lives in.
    pub cloud: &'c Localcloud,
    /// For the administrators' SDK calls.
    pub rt: tokio::runtime::Runtime,
    /// Whether IAM is evaluated now.
    enforced: std::cell::Cell<bool>,
    /// Each account's administrator session, made once.
    admins: std::cell::RefCell<std::collections::HashMap<String, Credentials>>,
}

impl<'c> Org<'c> {
    /// Administrators of `cloud`'s organization; nothing is evaluated yet.
    pub fn new(cloud: &'c Localcloud) -> Self {
        Self {
            cloud,
            rt: runtime(),
            enforced: std::cell::Cell::new(false),
            admins: std::cell::RefCell::default(),
        }
    }

    /// An administrator of `account`: `OrganizationAccountAccessRole` (with its
    /// `AdministratorAccess`), or any role of the management account, assumed once while IAM
    /// is not evaluated (its trust names the management account, not the caller) and kept.
    pub fn admin(&self, account: &str, region: &str) -> SdkConfig {
        self.rt.block_on(async {
            let root = root(self.cloud, region).await;
            with(&root, self.admin_credentials(&root, account).await)
        })
    }

    async fn admin_credentials(&self, root: &SdkConfig, account: &str) -> Credentials {
        if let Some(credentials) = self.admins.borrow().get(account) {
            return credentials.clone();
        }
        let role = if account == MANAGEMENT {
            format!("arn:aws:iam::{account}:role/Administrator")
        } else {
            format!("arn:aws:iam::{account}:role/OrganizationAccountAccessRole")
        };
        let enforced = self.enforced.get();
        if enforced {
            self.relax();
        }
        let credentials = assume(root, &role).await.expect("an administrator");
        if enforced {
            self.enforce();
        }
        self.admins
            .borrow_mut()
            .insert(account.to_owned(), credentials.clone());
        credentials
    }

    fn relax(&self) {
        self.cloud
            .configure(json!({ "enforce_iam": false, "propagation_seconds": 0 }));
        self.enforced.set(false);
    }

    /// Runs `change` as administrators do between runs: seen at once, not evaluated.
    pub fn meanwhile<T>(&self, change: impl FnOnce(&Self) -> T) -> T {
        self.relax();
        let done = change(self);
        self.enforce();
        done
    }

    /// IAM evaluated and changes propagating, as on AWS.
    pub fn enforce(&self) {
        self.cloud
            .configure(json!({ "enforce_iam": true, "propagation_seconds": PROPAGATION_SECONDS }));
        self.enforced.set(true);
    }

    /// The operator of the manifest `dir/gold.toml`: a role in `producer` holding exactly
    /// `gold iam producer`, trusted by that account.
    pub fn operator(&self, dir: &Path, producer: &str) -> Team<'c> {
        let manifest = dir.join("gold.toml");
        let policy = document(self.cloud, dir, &["iam", "producer"], None);
        let admin = self.admin(producer, REGION);
        let credentials = self.rt.block_on(async {
            let trust = trusting(&format!("arn:aws:iam::{producer}:root"));
            put_role(&admin, OPERATOR, &trust, &policy).await;
            assume(&admin, &format!("arn:aws:iam::{producer}:role/{OPERATOR}"))
                .await
                .expect("the operator role")
        });
        Team {
            cloud: self.cloud,
            dir: dir.to_owned(),
            manifest,
            producer: producer.to_owned(),
            credentials,
            producer_policy: policy,
            consumer_policy: None,
            organization_policy: None,
            requests: Vec::new(),
            narration: String::new(),
            env: Vec::new(),
        }
    }

    /// The operator's role gets `gold iam producer` of the manifest as it is now (after an edit).
    pub fn operator_policy(&self, team: &mut Team<'_>) {
        let policy = document(self.cloud, &team.dir, &["iam", "producer"], None);
        let admin = self.admin(&team.producer, REGION);
        self.rt.block_on(put_policy(&admin, OPERATOR, &policy));
        team.producer_policy = policy;
    }

    /// A rollout role in each of `accounts` made from `gold iam trust` and `gold iam consumer`
    /// (run by `team`'s operator, so the role trusts it).
    pub fn rollout_roles(&self, team: &mut Team<'_>, accounts: &[&str]) {
        let trust = document(self.cloud, &team.dir, &["iam", "trust"], Some(team));
        let policy = document(self.cloud, &team.dir, &["iam", "consumer"], Some(team));
        for account in accounts {
            let admin = self.admin(account, REGION);
            self.rt.block_on(put_role(&admin, ROLLOUT, &trust, &policy));
        }
        team.consumer_policy = Some(policy);
    }

    /// The rollout role in each of `accounts` from the one CloudFormation template `gold iam
    /// consumer --cloudformation` prints, as a StackSet would deploy it; `manifests` are the
    /// paths of every manifest the role serves.
    pub fn rollout_stacks(&self, team: &mut Team<'_>, manifests: &[&Path], accounts: &[&str]) {
        let mut args = vec!["iam".to_owned(), "consumer".to_owned()];
        args.extend(manifests.iter().map(|m| m.display().to_string()));
        let policy = document(self.cloud, &team.dir, &strs(&args), Some(team));
        args.push("--cloudformation".to_owned());
        let template = document(self.cloud, &team.dir, &strs(&args), Some(team));
        for account in accounts {
            let credentials = self.rt.block_on(async {
                let root = root(self.cloud, REGION).await;
                self.admin_credentials(&root, account).await
            });
            self.create_stack(&credentials, &template);
        }
        team.consumer_policy = Some(policy);
    }

    /// CloudFormation `CreateStack` of `template` with `credentials`, waiting until the stack
    /// is complete.
    fn create_stack(&self, credentials: &Credentials, template: &Value) {
        let script = "import sys, boto3\n\
cf = boto3.client('cloudformation')\n\
cf.create_stack(StackName='gold-rollout', TemplateBody=sys.stdin.read(), Capabilities=['CAPABILITY_NAMED_IAM'])\n\
cf.get_waiter('stack_create_complete').wait(StackName='gold-rollout', WaiterConfig={'Delay': 1, 'MaxAttempts': 60})\n";
        self.boto3(credentials, REGION, script, &template.to_string());
    }

    /// Runs a Python `script` with boto3 (a client of services gold's tests do not otherwise
    /// call: CloudFormation, S3, SNS) as `credentials` in `region`, `input` on its stdin.
    pub fn boto3(&self, credentials: &Credentials, region: &str, script: &str, input: &str) {
        let mut child =
            std::process::Command::new(super::repo().join("tests/localcloud/.venv/bin/python"))
                .args(["-c", script])
                .env("AWS_ENDPOINT_URL", &self.cloud.url)
                .env("AWS_DEFAULT_REGION", region)
                .env("AWS_ACCESS_KEY_ID", credentials.access_key_id())
                .env("AWS_SECRET_ACCESS_KEY", credentials.secret_access_key())
                .env(
                    "AWS_SESSION_TOKEN",
                    credentials.session_token().unwrap_or_default(),
                )
                .env("AWS_CONFIG_FILE", "/dev/null")
                .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
                .stdin(std::process::Stdio::piped())
                .spawn()
                .expect("the venv's python runs");
        std::io::Write::write_all(child.stdin.as_mut().expect("stdin"), input.as_bytes())
            .expect("input written");
        drop(child.stdin.take());
        assert!(
            child.wait().expect("python ends").success(),
            "boto3 failed:\n{script}"
        );
    }

    /// The administrator credentials of `account` (see [`Org::admin`]).
    pub fn admin_of(&self, account: &str) -> Credentials {
        self.rt.block_on(async {
            let root = root(self.cloud, REGION).await;
            self.admin_credentials(&root, account).await
        })
    }

    /// The `[organization]` reader role in the management account, from `gold iam
    /// organization` and `gold iam organization --trust`.
    pub fn reader_role(&self, team: &mut Team<'_>) {
        let trust = document(
            self.cloud,
            &team.dir,
            &["iam", "organization", "--trust"],
            Some(team),
        );
        let policy = document(self.cloud, &team.dir, &["iam", "organization"], None);
        let admin = self.admin(MANAGEMENT, REGION);
        self.rt.block_on(put_role(&admin, READER, &trust, &policy));
        team.organization_policy = Some(policy);
    }
}

fn strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

/// A JSON document `gold` prints in `dir`, run as `team`'s operator when given.
fn document(cloud: &Localcloud, dir: &Path, args: &[&str], team: Option<&Team<'_>>) -> Value {
    let mut command = cloud.gold(dir);
    if let Some(team) = team {
        team.as_operator(&mut command);
    }
    let output = command.args(args).output().expect("gold iam runs");
    assert!(
        output.status.success(),
        "gold {args:?}:\n{}",
        text(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("gold iam prints JSON")
}

/// One manifest's operator and what its runs of gold did.
pub struct Team<'c> {
    cloud: &'c Localcloud,
    /// Where gold runs.
    pub dir: PathBuf,
    /// The manifest.
    pub manifest: PathBuf,
    /// The producer account.
    pub producer: String,
    credentials: Credentials,
    /// `gold iam producer`, as the operator holds it.
    pub producer_policy: Value,
    /// `gold iam consumer`, as the rollout roles hold it.
    pub consumer_policy: Option<Value>,
    /// `gold iam organization`, as the reader role holds it.
    pub organization_policy: Option<Value>,
    requests: Vec<Value>,
    /// Everything gold wrote to stderr, for the lines that say what it waited for.
    pub narration: String,
    /// More environment for gold (an AWS config file with profiles, say).
    pub env: Vec<(String, String)>,
}

impl Team<'_> {
    fn as_operator(&self, command: &mut assert_cmd::Command) {
        command
            .env("AWS_ACCESS_KEY_ID", self.credentials.access_key_id())
            .env(
                "AWS_SECRET_ACCESS_KEY",
                self.credentials.secret_access_key(),
            )
            .env(
                "AWS_SESSION_TOKEN",
                self.credentials.session_token().unwrap_or_default(),
            );
    }

    /// The operator's credentials, for checks made as the operator.
    pub fn credentials(&self) -> Credentials {
        self.credentials.clone()
    }

    /// Runs gold as the operator, keeping the calls it made and what it narrated.
    pub fn gold(&mut self, args: &[&str]) -> Output {
        self.cloud.reset_requests();
        let mut command = self.cloud.gold(&self.dir);
        self.as_operator(&mut command);
        command.envs(self.env.iter().map(|(k, v)| (k, v)));
        let output = command
            .env("GOLD_POLL_MIN", "100ms")
            .env("GOLD_POLL_MAX", "300ms")
            .args(args)
            .output()
            .expect("gold runs");
        self.requests.extend(self.cloud.requests());
        self.narration.push_str(&text(&output.stderr));
        output
    }

    /// Runs gold as the operator; it must succeed. Returns stdout.
    pub fn ok(&mut self, args: &[&str]) -> String {
        let output = self.gold(args);
        assert!(
            output.status.success(),
            "gold {args:?} failed:\n{}{}",
            text(&output.stdout),
            text(&output.stderr)
        );
        text(&output.stdout)
    }

    /// Checks gold said it waited for `what` (a part of a `waiting for …` line).
    pub fn assert_waited_for(&self, what: &str) {
        assert!(
            self.narration
                .lines()
                .any(|line| line.starts_with("waiting for ") && line.contains(what)),
            "no `waiting for {what}` in:\n{}",
            self.narration
        );
    }

    /// Every action a logged call of gold needed is in its side's policy, and every action of
    /// each policy was needed by some call, but for those only `skipped` operations need (the
    /// example's flow does not run them; each must really be unused).
    pub fn assert_policies_match_the_calls(&self, skipped: &[&str]) {
        let loaded = gold::manifest::load(&self.manifest).expect("the manifest loads");
        let policies = [
            (Side::Producer, Some(&self.producer_policy)),
            (Side::Consumer, self.consumer_policy.as_ref()),
            (Side::OrganizationReader, self.organization_policy.as_ref()),
        ];
        let mut sparing = BTreeSet::new();
        for (side, policy) in policies {
            let Some(policy) = policy else { continue };
            let mut used = BTreeSet::new();
            let mut unknown = BTreeSet::new();
            for request in self.requests.iter().filter(|r| self.side_of(r) == side) {
                let service = request["service"].as_str().expect("a service");
                let operation = request["action"].as_str().expect("an action");
                if PERMISSIONS
                    .iter()
                    .all(|p| !(p.service == service && p.operation == operation && p.side == side))
                {
                    unknown.insert(format!("{service}:{operation}"));
                }
                used.extend(gold::access::actions_for(&loaded, side, service, operation));
            }
            assert!(
                unknown.is_empty(),
                "{side:?} calls outside the table: {unknown:?}"
            );
            let allowed: BTreeSet<&str> = actions_of(policy);
            let missing: Vec<_> = used.difference(&allowed).collect();
            assert!(missing.is_empty(), "{side:?} policy lacks {missing:?}");
            let unused: BTreeSet<&str> = allowed.difference(&used).copied().collect();
            let mut unexplained = unused.clone();
            for operation in skipped {
                let actions: BTreeSet<&str> = PERMISSIONS
                    .iter()
                    .filter(|p| p.side == side && p.operation == *operation)
                    .flat_map(|p| p.grants.iter().map(|g| g.action))
                    .collect();
                // Listed rightly when it spares an action, or when this policy has none of it.
                if !actions.is_disjoint(&unused) || actions.is_disjoint(&allowed) {
                    sparing.insert(*operation);
                }
                unexplained.retain(|action| !actions.contains(action));
            }
            assert!(
                unexplained.is_empty(),
                "{side:?} policy grants unused {unexplained:?}"
            );
        }
        let stale: Vec<_> = skipped.iter().filter(|op| !sparing.contains(*op)).collect();
        assert!(
            stale.is_empty(),
            "listed as not run, but every action they need was used: {stale:?}"
        );
    }

    /// Whose policy a logged call is held to: the producer's account is the operator's, the
    /// management account the reader's, any other account a rollout role's.
    fn side_of(&self, request: &Value) -> Side {
        match request["account"].as_str() {
            Some(account) if account == self.producer => Side::Producer,
            Some(MANAGEMENT) => Side::OrganizationReader,
            _ => Side::Consumer,
        }
    }
}

/// Every action of a policy document.
pub fn actions_of(policy: &Value) -> BTreeSet<&str> {
    policy["Statement"]
        .as_array()
        .expect("statements")
        .iter()
        .flat_map(|s| s["Action"].as_array().expect("an action list"))
        .map(|a| a.as_str().expect("an action"))
        .collect()
}

/// What a workload team has in its account before gold: launch templates and groups.
impl Org<'_> {
    /// A launch template `name` in `account` and region launching `image` (see
    /// [`create_template`]). Returns its id.
    pub fn template(
        &self,
        (account, region): (&str, &str),
        name: &str,
        image: &str,
        tags: &[(&str, &str)],
        profile: Option<&str>,
    ) -> String {
        let admin = self.admin(account, region);
        self.rt
            .block_on(create_template(&admin, name, image, tags, profile))
    }

    /// An Auto Scaling group `name` in `account` of `size` instances launching `version` of
    /// `template_id`.
    pub fn group(
        &self,
        (account, region): (&str, &str),
        name: &str,
        template_id: &str,
        version: &str,
        size: i32,
    ) {
        let admin = self.admin(account, region);
        self.rt.block_on(async {
            aws_sdk_autoscaling::Client::new(&admin)
                .create_auto_scaling_group()
                .auto_scaling_group_name(name)
                .launch_template(
                    aws_sdk_autoscaling::types::LaunchTemplateSpecification::builder()
                        .launch_template_id(template_id)
                        .version(version)
                        .build(),
                )
                .min_size(0)
                .max_size(size * 2 + 1)
                .desired_capacity(size)
                .availability_zones(format!("{region}a"))
                .send()
                .await
                .expect("CreateAutoScalingGroup");
        });
    }

    /// The id of template `name` in `account`.
    pub fn default_template_id(&self, (account, region): (&str, &str), name: &str) -> String {
        let admin = self.admin(account, region);
        self.rt.block_on(super::template_id(&admin, name))
    }

    /// The image the default version of template `name` in `account` launches.
    pub fn default_image(&self, (account, region): (&str, &str), name: &str) -> String {
        let admin = self.admin(account, region);
        self.rt.block_on(async {
            aws_sdk_ec2::Client::new(&admin)
                .describe_launch_template_versions()
                .launch_template_name(name)
                .versions("$Default")
                .send()
                .await
                .expect("DescribeLaunchTemplateVersions")
                .launch_template_versions()[0]
                .launch_template_data()
                .and_then(|d| d.image_id())
                .expect("an image")
                .to_owned()
        })
    }

    /// The images the instances of group `name` in `account` run, sorted.
    pub fn group_images(&self, (account, region): (&str, &str), name: &str) -> Vec<String> {
        let admin = self.admin(account, region);
        self.rt.block_on(async {
            let groups = aws_sdk_autoscaling::Client::new(&admin)
                .describe_auto_scaling_groups()
                .auto_scaling_group_names(name)
                .send()
                .await
                .expect("DescribeAutoScalingGroups");
            let ids: Vec<String> = groups.auto_scaling_groups()[0]
                .instances()
                .iter()
                .filter_map(|i| i.instance_id().map(str::to_owned))
                .collect();
            if ids.is_empty() {
                return Vec::new();
            }
            let described = aws_sdk_ec2::Client::new(&admin)
                .describe_instances()
                .set_instance_ids(Some(ids))
                .send()
                .await
                .expect("DescribeInstances");
            let mut images: Vec<String> = described
                .reservations()
                .iter()
                .flat_map(aws_sdk_ec2::types::Reservation::instances)
                .filter_map(|i| i.image_id().map(str::to_owned))
                .collect();
            images.sort();
            images
        })
    }
}

impl Org<'_> {
    /// SSM parameter `name` in `account`: its value and data type.
    pub fn parameter(&self, account: &str, name: &str) -> (String, String) {
        let admin = self.admin(account, REGION);
        let (value, data_type, _) = self
            .rt
            .block_on(super::parameter(&admin, name))
            .unwrap_or_else(|| panic!("no parameter {name} in {account}"));
        (value, data_type)
    }
}

/// The last JSON line of a `--output json` stream: the command's report.
pub fn last_event(stdout: &str) -> Value {
    stdout
        .lines()
        .rev()
        .find_map(|line| serde_json::from_str(line).ok())
        .unwrap_or_else(|| panic!("no JSON line in:\n{stdout}"))
}

/// Creates a launch template `name` launching `image`, tagged `tags`; with `profile`, its
/// instances get that instance profile (made here, with a role EC2 may assume) and a tag.
/// Returns its id.
pub async fn create_template(
    config: &SdkConfig,
    name: &str,
    image: &str,
    tags: &[(&str, &str)],
    profile: Option<&str>,
) -> String {
    use aws_sdk_ec2::types::{
        LaunchTemplateIamInstanceProfileSpecificationRequest,
        LaunchTemplateTagSpecificationRequest, RequestLaunchTemplateData, ResourceType, Tag,
        TagSpecification,
    };
    let mut data = RequestLaunchTemplateData::builder()
        .image_id(image)
        .instance_type("t3.small".into());
    if let Some(profile) = profile {
        let iam = aws_sdk_iam::Client::new(config);
        let trust = json!({ "Version": "2012-10-17", "Statement": [{ "Effect": "Allow",
            "Principal": { "Service": "ec2.amazonaws.com" }, "Action": "sts:AssumeRole" }] });
        iam.create_role()
            .role_name(profile)
            .assume_role_policy_document(trust.to_string())
            .send()
            .await
            .expect("CreateRole");
        iam.create_instance_profile()
            .instance_profile_name(profile)
            .send()
            .await
            .expect("CreateInstanceProfile");
        iam.add_role_to_instance_profile()
            .instance_profile_name(profile)
            .role_name(profile)
            .send()
            .await
            .expect("AddRoleToInstanceProfile");
        data = data
            .iam_instance_profile(
                LaunchTemplateIamInstanceProfileSpecificationRequest::builder()
                    .name(profile)
                    .build(),
            )
            .tag_specifications(
                LaunchTemplateTagSpecificationRequest::builder()
                    .resource_type(ResourceType::Instance)
                    .tags(Tag::builder().key("team").value(name).build())
                    .build(),
            );
    }
    let mut request = aws_sdk_ec2::Client::new(config)
        .create_launch_template()
        .launch_template_name(name)
        .launch_template_data(data.build());
    if !tags.is_empty() {
        request = request.tag_specifications(
            TagSpecification::builder()
                .resource_type(ResourceType::LaunchTemplate)
                .set_tags(Some(
                    tags.iter()
                        .map(|(k, v)| Tag::builder().key(*k).value(*v).build())
                        .collect(),
                ))
                .build(),
        );
    }
    request
        .send()
        .await
        .expect("CreateLaunchTemplate")
        .launch_template
        .and_then(|t| t.launch_template_id)
        .expect("a template id")
}

/// The AMI of the build `gold build --wait --output json` printed (its result event).
pub fn built_ami(stdout: &str) -> String {
    built_ami_in(stdout, REGION)
}

/// The AMI in `region` of the build `gold build --wait --output json` printed.
pub fn built_ami_in(stdout: &str, region: &str) -> String {
    stdout
        .lines()
        .rev()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .find(|event| event["event"] == "result")
        .and_then(|event| {
            event["amis"]
                .as_array()?
                .iter()
                .find(|ami| ami["region"] == region)?["ami"]
                .as_str()
                .map(str::to_owned)
        })
        .unwrap_or_else(|| panic!("no built AMI in {region} in:\n{stdout}"))
}
