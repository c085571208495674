//! `gold iam` against localcloud with IAM evaluated (`enforce_iam`): the origin scenario runs
//! with an operator role and a consumer rollout role that hold exactly `gold iam`'s policies;
//! every action the request log shows is in the policy of its side and every action of the
//! policies is used; taking one statement away makes the command that needs it fail, naming
//! the account, the operation and the action; a principal the trust policy does not name
//! cannot assume the rollout role. One localcloud for all of it.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Output;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use common::{Localcloud, edit};
use gold::aws::permissions::{PERMISSIONS, Side};
use serde_json::{Value, json};

const PRODUCER: &str = "111122223333";
const WORKLOAD: &str = "444455556666";
const REGION: &str = "ap-northeast-1";
const OPERATOR: &str = "GoldOperator";
const ROLLOUT: &str = "GoldRollout";
const POLICY: &str = "gold";

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The dummy credentials: the root of the producer account, which localcloud never evaluates.
async fn root(cloud: &Localcloud) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(&cloud.url)
        .region(Region::new(REGION))
        .credentials_provider(Credentials::new("test", "test", None, None, "root"))
        .load()
        .await
}

/// Temporary credentials of `role_arn`, assumed with `config`.
async fn assume(config: &SdkConfig, role_arn: &str) -> Result<Credentials, String> {
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

fn with(config: &SdkConfig, credentials: Credentials) -> SdkConfig {
    config
        .to_builder()
        .credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(credentials),
        )
        .build()
}

/// Creates (or replaces the policy of) role `name` with `trust` and `policy` inline.
async fn put_role(config: &SdkConfig, name: &str, trust: &Value, policy: &Value) {
    let iam = aws_sdk_iam::Client::new(config);
    if iam.get_role().role_name(name).send().await.is_err() {
        iam.create_role()
            .role_name(name)
            .assume_role_policy_document(trust.to_string())
            .send()
            .await
            .expect("CreateRole");
    }
    iam.put_role_policy()
        .role_name(name)
        .policy_name(POLICY)
        .policy_document(policy.to_string())
        .send()
        .await
        .expect("PutRolePolicy");
}

async fn put_policy(config: &SdkConfig, role: &str, policy: &Value) {
    aws_sdk_iam::Client::new(config)
        .put_role_policy()
        .role_name(role)
        .policy_name(POLICY)
        .policy_document(policy.to_string())
        .send()
        .await
        .expect("PutRolePolicy");
}

/// `policy` without the statement `sid` (which must be there).
fn without(policy: &Value, sid: &str) -> Value {
    let mut policy = policy.clone();
    let statements = policy["Statement"].as_array_mut().expect("statements");
    let before = statements.len();
    statements.retain(|s| s["Sid"] != sid);
    assert_eq!(
        statements.len(),
        before - 1,
        "no statement {sid} in {policy}"
    );
    policy
}

fn actions_of(policy: &Value) -> BTreeSet<String> {
    policy["Statement"]
        .as_array()
        .expect("statements")
        .iter()
        .flat_map(|s| s["Action"].as_array().expect("an action list").clone())
        .map(|a| a.as_str().expect("an action").to_owned())
        .collect()
}

/// The actions `operation` of `service` needs on `side` for the manifest at `path`.
fn needed(path: &Path, service: &str, operation: &str, side: Side) -> BTreeSet<String> {
    let loaded = gold::manifest::load(path).expect("the manifest loads");
    gold::access::actions_for(&loaded, side, service, operation)
        .into_iter()
        .map(str::to_owned)
        .collect()
}

/// gold run by the operator role, with every request it makes kept for the coverage check.
struct Operator<'a> {
    cloud: &'a Localcloud,
    dir: &'a Path,
    credentials: Credentials,
    requests: Vec<Value>,
}

impl Operator<'_> {
    fn gold(&mut self, args: &[&str]) -> Output {
        self.cloud.reset_requests();
        let output = self
            .cloud
            .gold(self.dir)
            .env("AWS_ACCESS_KEY_ID", self.credentials.access_key_id())
            .env(
                "AWS_SECRET_ACCESS_KEY",
                self.credentials.secret_access_key(),
            )
            .env(
                "AWS_SESSION_TOKEN",
                self.credentials.session_token().unwrap_or_default(),
            )
            .env("GOLD_POLL_MIN", "100ms")
            .env("GOLD_POLL_MAX", "300ms")
            .args(args)
            .output()
            .expect("gold runs");
        self.requests.extend(self.cloud.requests());
        output
    }

    fn ok(&mut self, args: &[&str]) -> String {
        let output = self.gold(args);
        assert!(
            output.status.success(),
            "gold {args:?} failed:\n{}",
            text(&output.stderr)
        );
        text(&output.stdout)
    }

    /// The command fails with exit 1, naming the account, the operation and the action.
    fn denied(&mut self, args: &[&str], account: &str, operation: &str, action: &str) {
        let output = self.gold(args);
        // A failed rollout target is listed in the summary on stdout; other failures on stderr.
        let stderr = format!("{}{}", text(&output.stdout), text(&output.stderr));
        assert_eq!(output.status.code(), Some(1), "gold {args:?}:\n{stderr}");
        for needle in [
            format!("{operation} failed in account {account}"),
            format!("`{action}`"),
        ] {
            assert!(stderr.contains(&needle), "`{needle}` not in:\n{stderr}");
        }
    }

    fn json(&mut self, args: &[&str]) -> Value {
        serde_json::from_str(&self.ok(args)).expect("gold iam prints JSON")
    }
}

#[test]
#[expect(
    clippy::too_many_lines,
    reason = "one scenario on one localcloud: setup, the origin flow, four denials, coverage, trust"
)]
fn the_origin_scenario_runs_on_exactly_gold_iams_policies_and_each_statement_is_needed() {
    let cloud = Localcloud::start();
    cloud.configure(json!({ "build_seconds": 2 }));
    let rt = runtime();
    let dir = common::example("seed");
    let manifest = dir.path().join("gold.toml");
    let root = rt.block_on(root(&cloud));
    let operator_arn = format!("arn:aws:iam::{PRODUCER}:role/{OPERATOR}");
    let rollout_arn = format!("arn:aws:iam::{WORKLOAD}:role/{ROLLOUT}");
    let trusts_root = json!({ "Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": { "AWS": format!("arn:aws:iam::{PRODUCER}:root") },
        "Action": "sts:AssumeRole" }] });

    // Step 1 of "Set up your organization": the operator role holds `gold iam producer`.
    let producer_policy: Value = serde_json::from_slice(
        &cloud
            .gold(dir.path())
            .args(["iam", "producer"])
            .output()
            .expect("gold iam producer")
            .stdout,
    )
    .expect("a policy document");
    rt.block_on(put_role(&root, OPERATOR, &trusts_root, &producer_policy));
    let credentials = rt
        .block_on(assume(&root, &operator_arn))
        .expect("the operator role");
    let mut operator = Operator {
        cloud: &cloud,
        dir: dir.path(),
        credentials,
        requests: Vec::new(),
    };

    // Step 2: the rollout role, trusting whoever runs gold (found through STS).
    let trust = operator.json(&["iam", "trust"]);
    assert_eq!(
        trust["Statement"][0]["Principal"]["AWS"],
        operator_arn.as_str()
    );
    assert_eq!(
        trust["Statement"][0]["Condition"]["StringEquals"]["aws:PrincipalOrgID"],
        "o-xxxxxxxxxx"
    );
    let workload = rt.block_on(cloud.sdk(WORKLOAD, REGION));
    let consumer_policy = operator.json(&["iam", "consumer"]);
    rt.block_on(put_role(&workload, ROLLOUT, &trust, &consumer_policy));
    cloud.configure(json!({ "enforce_iam": true }));

    operator.ok(&["up", "--yes"]);
    // Image Builder: without the pipeline statement, no build starts.
    rt.block_on(put_policy(
        &root,
        OPERATOR,
        &without(&producer_policy, "Pipeline"),
    ));
    operator.denied(
        &["build"],
        PRODUCER,
        "StartImagePipelineExecution",
        "imagebuilder:StartImagePipelineExecution",
    );
    rt.block_on(put_policy(&root, OPERATOR, &producer_policy));
    operator.ok(&["build", "--wait"]);
    operator.ok(&["rollout", "--yes"]);

    // The template exists now: put an Auto Scaling group on it, list it, and give the rollout
    // role the policy for the changed manifest (set up as an administrator would, unevaluated).
    cloud.configure(json!({ "enforce_iam": false }));
    rt.block_on(group_on_template(&workload, "web", "sample-lt"));
    edit(
        &manifest,
        "name = \"sample-lt\"",
        "name = \"sample-lt\"\nauto_scaling_groups = [\"web\"]",
    );
    let consumer_policy = operator.json(&["iam", "consumer"]);
    assert!(actions_of(&consumer_policy).contains("autoscaling:StartInstanceRefresh"));
    rt.block_on(put_policy(&workload, ROLLOUT, &consumer_policy));
    cloud.configure(json!({ "enforce_iam": true }));

    operator.ok(&["build", "--wait"]);
    // EC2: without the statement for tagged templates, the template cannot move.
    set_consumer_policy(
        &cloud,
        &rt,
        &workload,
        &without(&consumer_policy, "MoveLaunchTemplatesTaggedForManifest"),
    );
    operator.denied(
        &["rollout", "--yes"],
        WORKLOAD,
        "CreateLaunchTemplateVersion",
        "ec2:CreateLaunchTemplateVersion",
    );
    // Auto Scaling: the template moves, the refresh is refused.
    set_consumer_policy(
        &cloud,
        &rt,
        &workload,
        &without(&consumer_policy, "RefreshListedAutoScalingGroups"),
    );
    operator.denied(
        &["rollout", "--yes"],
        WORKLOAD,
        "StartInstanceRefresh",
        "autoscaling:StartInstanceRefresh",
    );
    set_consumer_policy(&cloud, &rt, &workload, &consumer_policy);
    operator.ok(&["rollout", "--yes"]);
    let status: Value =
        serde_json::from_str(&operator.ok(&["status", "--output", "json"])).expect("status JSON");
    let row = &status["targets"][0];
    assert_eq!(row["current"]["id"], row["newest"]["id"], "{status}");
    operator.ok(&["rollback", "--yes"]);
    // Retiring the build the target went back to: reads who uses it in the consumer account,
    // moves the target, deprecates, disables and tags the AMI and tags the Image Builder image.
    let out = operator.ok(&[
        "retire",
        "1",
        "--reason",
        "broken agent",
        "--disable",
        "--yes",
        "--output",
        "json",
    ]);
    let last: Value = out
        .lines()
        .rev()
        .find_map(|line| serde_json::from_str(line).ok())
        .expect("a final event");
    assert_eq!(last["event"], "retired", "{out}");
    assert_eq!(last["moves"]["counts"]["done"], 1, "{out}");

    // IAM: without the build role statement, gold cannot even read the producer's state.
    rt.block_on(put_policy(
        &root,
        OPERATOR,
        &without(&producer_policy, "BuildRole"),
    ));
    operator.denied(&["plan"], PRODUCER, "GetRole", "iam:GetRole");
    rt.block_on(put_policy(&root, OPERATOR, &producer_policy));

    // Updates: drift on gold's group, a new instance type, component and AMI tag.
    rt.block_on(open_ingress(&root, "sample-imagebuilder"));
    edit(
        &manifest,
        "instance_types = [\"t3.small\"]",
        "instance_types = [\"t3.medium\"]",
    );
    edit(
        &manifest,
        "ami_tags = { ImageBuilder = \"true\" }",
        "ami_tags = { ImageBuilder = \"yes\" }",
    );
    let build_yml = dir.path().join("files/build.yml");
    let document = std::fs::read_to_string(&build_yml).expect("build.yml");
    std::fs::write(&build_yml, format!("{document}\n# changed\n")).expect("build.yml written");
    operator.ok(&["up", "--yes"]);
    let started = operator.ok(&["build"]);
    let image = started
        .split_whitespace()
        .find(|word| word.starts_with("arn:aws:imagebuilder:"))
        .expect("the build's ARN")
        .to_owned();
    operator.ok(&["build", "--cancel", &image]);
    operator.ok(&["destroy", "--yes", "--images"]);

    assert_policies_match_the_calls(
        &manifest,
        &operator.requests,
        &producer_policy,
        &consumer_policy,
    );
    assert_only_the_trusted_principal_assumes(&rt, &root, &operator.credentials, &rollout_arn);
}

/// The consumer role's policy, changed as its administrator would (IAM not evaluated meanwhile).
fn set_consumer_policy(
    cloud: &Localcloud,
    rt: &tokio::runtime::Runtime,
    workload: &SdkConfig,
    policy: &Value,
) {
    cloud.configure(json!({ "enforce_iam": false }));
    rt.block_on(put_policy(workload, ROLLOUT, policy));
    cloud.configure(json!({ "enforce_iam": true }));
}

/// Every action a logged call needed is in its side's policy, and every action of each policy
/// was needed by some call.
fn assert_policies_match_the_calls(
    manifest: &Path,
    requests: &[Value],
    producer: &Value,
    consumer: &Value,
) {
    for (side, account, policy) in [
        (Side::Producer, PRODUCER, producer),
        (Side::Consumer, WORKLOAD, consumer),
    ] {
        let mut used = BTreeSet::new();
        let mut unknown = BTreeSet::new();
        for request in requests.iter().filter(|r| r["account"] == account) {
            let service = request["service"].as_str().expect("a service");
            let operation = request["action"].as_str().expect("an action");
            if PERMISSIONS
                .iter()
                .all(|p| !(p.service == service && p.operation == operation && p.side == side))
            {
                unknown.insert(format!("{service}:{operation}"));
            }
            used.extend(needed(manifest, service, operation, side));
        }
        assert!(
            unknown.is_empty(),
            "{side:?} calls outside the table: {unknown:?}"
        );
        let allowed = actions_of(policy);
        let missing: Vec<_> = used.difference(&allowed).collect();
        assert!(missing.is_empty(), "{side:?} policy lacks {missing:?}");
        let unused: Vec<_> = allowed.difference(&used).collect();
        assert!(
            unused.is_empty(),
            "{side:?} policy grants unused {unused:?}"
        );
    }
}

/// The operator assumes the rollout role; another role of the same account, allowed by its own
/// policy to assume any role, is refused by the trust policy.
fn assert_only_the_trusted_principal_assumes(
    rt: &tokio::runtime::Runtime,
    root: &SdkConfig,
    operator: &Credentials,
    rollout_arn: &str,
) {
    rt.block_on(async {
        assume(&with(root, operator.clone()), rollout_arn)
            .await
            .expect("the operator assumes the rollout role");
        let trusts_root = json!({ "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": { "AWS": format!("arn:aws:iam::{PRODUCER}:root") },
            "Action": "sts:AssumeRole" }] });
        let anything = json!({ "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*" }] });
        put_role(root, "Intruder", &trusts_root, &anything).await;
        let intruder = assume(root, &format!("arn:aws:iam::{PRODUCER}:role/Intruder"))
            .await
            .expect("the intruder role");
        let refused = assume(&with(root, intruder), rollout_arn)
            .await
            .expect_err("the trust policy names only the operator");
        assert!(refused.contains("AccessDenied"), "{refused}");
    });
}

/// An empty Auto Scaling group launching `template` (by name) at `$Default`.
async fn group_on_template(config: &SdkConfig, name: &str, template: &str) {
    aws_sdk_autoscaling::Client::new(config)
        .create_auto_scaling_group()
        .auto_scaling_group_name(name)
        .launch_template(
            aws_sdk_autoscaling::types::LaunchTemplateSpecification::builder()
                .launch_template_name(template)
                .version("$Default")
                .build(),
        )
        .min_size(0)
        .max_size(2)
        .desired_capacity(0)
        .availability_zones(format!("{REGION}a"))
        .send()
        .await
        .expect("CreateAutoScalingGroup");
}

/// Adds an inbound rule to the security group `name`, which `gold up` must revoke.
async fn open_ingress(config: &SdkConfig, name: &str) {
    let ec2 = aws_sdk_ec2::Client::new(config);
    let groups = ec2
        .describe_security_groups()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("group-name")
                .values(name)
                .build(),
        )
        .send()
        .await
        .expect("DescribeSecurityGroups");
    let id = groups.security_groups()[0].group_id().expect("a group id");
    ec2.authorize_security_group_ingress()
        .group_id(id)
        .ip_protocol("tcp")
        .from_port(22)
        .to_port(22)
        .cidr_ip("0.0.0.0/0")
        .send()
        .await
        .expect("AuthorizeSecurityGroupIngress");
}

#[test]
fn the_cloudformation_template_passes_cfn_lint_and_holds_gold_iams_role() {
    let dir = common::example("seed");
    let gold = |args: &[&str]| -> Value {
        let output = assert_cmd::Command::cargo_bin("gold")
            .expect("the gold binary")
            .current_dir(dir.path())
            .args(args)
            .output()
            .expect("gold runs");
        assert!(output.status.success(), "{}", text(&output.stderr));
        serde_json::from_slice(&output.stdout).expect("JSON")
    };
    let principal = format!("arn:aws:iam::{PRODUCER}:role/{OPERATOR}");
    let template = gold(&[
        "iam",
        "consumer",
        "--cloudformation",
        "--principal",
        &principal,
    ]);
    let role = &template["Resources"]["GoldRolloutRole"];
    assert_eq!(role["Type"], "AWS::IAM::Role");
    assert_eq!(role["Properties"]["RoleName"], ROLLOUT);
    assert_eq!(
        role["Properties"]["Policies"][0]["PolicyDocument"],
        gold(&["iam", "consumer"])
    );
    assert_eq!(
        role["Properties"]["AssumeRolePolicyDocument"],
        gold(&["iam", "trust", "--principal", &principal])
    );

    let file = dir.path().join("gold-rollout-role.json");
    std::fs::write(&file, template.to_string()).expect("template written");
    let lint =
        std::process::Command::new(common::repo().join("tests/localcloud/.venv/bin/cfn-lint"))
            .arg("--")
            .arg(&file)
            .output()
            .expect("cfn-lint runs (tests/localcloud/serve --help builds the venv)");
    assert!(
        lint.status.success(),
        "cfn-lint:\n{}{}",
        text(&lint.stdout),
        text(&lint.stderr)
    );
}
