//! `gold iam` against localcloud with IAM evaluated (`enforce_iam`) and changes propagating
//! (`propagation_seconds`): the origin scenario runs with an operator role and a consumer
//! rollout role that hold exactly `gold iam`'s policies (`common::organization`); every action
//! the request log shows is in the policy of its side and every action of the policies is used;
//! taking one statement away makes the command that needs it fail at once (no wait), naming the
//! account, the operation and the action; a principal the trust policy does not name cannot
//! assume the rollout role. One localcloud for all of it.

mod common;

use aws_config::SdkConfig;
use aws_credential_types::Credentials;
use common::organization::{
    OPERATOR, Org, REGION, ROLLOUT, Team, actions_of, assume, put_policy, put_role, root, with,
};
use common::{Localcloud, edit, text};
use serde_json::{Value, json};

const PRODUCER: &str = "111122223333";
const WORKLOAD: &str = "444455556666";

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

/// The command fails with exit 1 at once, naming the account, the operation and the action,
/// and never waits: a denial is not a change that has yet to propagate.
fn denied(team: &mut Team<'_>, args: &[&str], account: &str, operation: &str, action: &str) {
    let before = team.narration.len();
    let output = team.gold(args);
    // A failed rollout target is listed in the summary on stdout; other failures on stderr.
    let said = format!("{}{}", text(&output.stdout), text(&output.stderr));
    assert_eq!(output.status.code(), Some(1), "gold {args:?}:\n{said}");
    for needle in [
        format!("{operation} failed in account {account}"),
        format!("`{action}`"),
    ] {
        assert!(said.contains(&needle), "`{needle}` not in:\n{said}");
    }
    assert!(
        !team.narration[before..].contains("waiting for "),
        "a denial was waited on:\n{said}"
    );
}

#[test]
#[expect(
    clippy::too_many_lines,
    reason = "one scenario on one localcloud: setup, the origin flow, five denials, coverage, trust"
)]
fn the_origin_scenario_runs_on_exactly_gold_iams_policies_and_each_statement_is_needed() {
    let cloud = Localcloud::start();
    cloud.configure(json!({ "build_seconds": 2, "refresh_seconds": 1 }));
    let org = Org::new(&cloud);
    let dir = common::example("seed");
    let manifest = dir.path().join("gold.toml");
    let operator_arn = format!("arn:aws:iam::{PRODUCER}:role/{OPERATOR}");
    let rollout_arn = format!("arn:aws:iam::{WORKLOAD}:role/{ROLLOUT}");

    // "Set up your organization": the operator holds `gold iam producer`; the rollout role
    // trusts whoever runs gold (found through STS) and holds `gold iam consumer`.
    let mut team = org.operator(dir.path(), PRODUCER);
    org.rollout_roles(&mut team, &[WORKLOAD]);
    let trust: Value = serde_json::from_str(&team.ok(&["iam", "trust"])).expect("a trust policy");
    assert_eq!(
        trust["Statement"][0]["Principal"]["AWS"],
        operator_arn.as_str()
    );
    assert_eq!(
        trust["Statement"][0]["Condition"]["StringEquals"]["aws:PrincipalOrgID"],
        "o-xxxxxxxxxx"
    );
    let producer_policy = team.producer_policy.clone();
    let shared = org.admin(PRODUCER, REGION);
    let workload = org.admin(WORKLOAD, REGION);
    org.enforce();

    team.ok(&["up", "--yes"]);
    // IAM had not shown the new instance profile to Image Builder yet: gold waited for it.
    team.assert_waited_for(
        "IAM: instance profile sample-imagebuilder is not visible to Image Builder yet",
    );
    // Image Builder: without the pipeline statement, no build starts.
    org.meanwhile(|org| {
        org.rt.block_on(put_policy(
            &shared,
            OPERATOR,
            &without(&producer_policy, "Pipeline"),
        ));
    });
    denied(
        &mut team,
        &["build"],
        PRODUCER,
        "StartImagePipelineExecution",
        "imagebuilder:StartImagePipelineExecution",
    );
    org.meanwhile(|org| {
        org.rt
            .block_on(put_policy(&shared, OPERATOR, &producer_policy));
    });
    team.ok(&["build", "--wait"]);
    team.ok(&["rollout", "--yes"]);

    // The template exists now: put an Auto Scaling group on it pinned to its version, list it
    // (gold then sends the version it moves the group to, which Auto Scaling authorizes as a
    // launch), and give the rollout role the policy for the changed manifest.
    org.meanwhile(|org| {
        let template = org.default_template_id((WORKLOAD, REGION), "sample-lt");
        org.group((WORKLOAD, REGION), "web", &template, "1", 1);
    });
    edit(
        &manifest,
        "name = \"sample-lt\"",
        "name = \"sample-lt\"\nauto_scaling_groups = [\"web\"]",
    );
    org.meanwhile(|org| org.rollout_roles(&mut team, &[WORKLOAD]));
    let consumer_policy = team
        .consumer_policy
        .clone()
        .expect("the rollout role's policy");
    assert!(actions_of(&consumer_policy).contains("autoscaling:StartInstanceRefresh"));
    let set_consumer_policy = |policy: &Value| {
        org.meanwhile(|org| {
            org.rt.block_on(put_policy(&workload, ROLLOUT, policy));
        });
    };

    team.ok(&["build", "--wait"]);
    // EC2: without the statement for tagged templates, the template cannot move.
    set_consumer_policy(&without(
        &consumer_policy,
        "MoveLaunchTemplatesTaggedForManifest",
    ));
    denied(
        &mut team,
        &["rollout", "--yes"],
        WORKLOAD,
        "CreateLaunchTemplateVersion",
        "ec2:CreateLaunchTemplateVersion",
    );
    // Auto Scaling: the template moves, the refresh is refused.
    set_consumer_policy(&without(&consumer_policy, "RefreshListedAutoScalingGroups"));
    denied(
        &mut team,
        &["rollout", "--yes"],
        WORKLOAD,
        "StartInstanceRefresh",
        "autoscaling:StartInstanceRefresh",
    );
    // The refresh of a pinned group is a launch from the template: without the producer's
    // images, Auto Scaling refuses to use the template.
    set_consumer_policy(&without(&consumer_policy, "LaunchProducerImages"));
    denied(
        &mut team,
        &["rollout", "--yes"],
        WORKLOAD,
        "StartInstanceRefresh",
        "ec2:RunInstances",
    );
    set_consumer_policy(&consumer_policy);
    team.ok(&["rollout", "--yes"]);
    let status: Value =
        serde_json::from_str(&team.ok(&["status", "--output", "json"])).expect("status JSON");
    let row = &status["targets"][0];
    assert_eq!(row["current"]["id"], row["newest"]["id"], "{status}");
    team.ok(&["rollback", "--yes"]);
    // Retiring the build the target went back to: reads who uses it in the consumer account,
    // moves the target, deprecates, disables and tags the AMI and tags the Image Builder image.
    let out = team.ok(&[
        "retire",
        "1",
        "--reason",
        "broken agent",
        "--disable",
        "--yes",
        "--output",
        "json",
    ]);
    let last = common::organization::last_event(&out);
    assert_eq!(last["event"], "retired", "{out}");
    assert_eq!(last["moves"]["counts"]["done"], 1, "{out}");

    // IAM: without the build role statement, gold cannot even read the producer's state.
    org.meanwhile(|org| {
        org.rt.block_on(put_policy(
            &shared,
            OPERATOR,
            &without(&producer_policy, "BuildRole"),
        ));
    });
    denied(&mut team, &["plan"], PRODUCER, "GetRole", "iam:GetRole");
    org.meanwhile(|org| {
        org.rt
            .block_on(put_policy(&shared, OPERATOR, &producer_policy));
    });

    // Updates: drift on gold's group, a new instance type, component and AMI tag.
    org.meanwhile(|org| {
        org.rt
            .block_on(open_ingress(&shared, "sample-imagebuilder"));
    });
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
    team.ok(&["up", "--yes"]);
    let started = team.ok(&["build"]);
    let image = started
        .split_whitespace()
        .find(|word| word.starts_with("arn:aws:imagebuilder:"))
        .expect("the build's ARN")
        .to_owned();
    team.ok(&["build", "--cancel", &image]);
    team.ok(&["destroy", "--yes", "--images", "--force"]);

    // `gold prune` is not run (the seed manifest has no `[lifecycle]`): nothing deletes
    // template versions. The consumer sees the producer's AMIs, so gold never needs to ask
    // whether its Allowed AMIs hide them.
    team.assert_policies_match_the_calls(&[
        "DeleteLaunchTemplateVersions",
        "GetAllowedImagesSettings",
    ]);
    let operator = team.credentials();
    org.meanwhile(|org| {
        org.rt.block_on(assert_only_the_trusted_principal_assumes(
            &cloud,
            &operator,
            &rollout_arn,
        ));
    });
}

/// The operator assumes the rollout role; another role of the same account, allowed by its own
/// policy to assume any role, is refused by the trust policy.
async fn assert_only_the_trusted_principal_assumes(
    cloud: &Localcloud,
    operator: &Credentials,
    rollout_arn: &str,
) {
    let root = root(cloud, REGION).await;
    cloud.configure(json!({ "enforce_iam": true }));
    assume(&with(&root, operator.clone()), rollout_arn)
        .await
        .expect("the operator assumes the rollout role");
    let trusts_root = json!({ "Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": { "AWS": format!("arn:aws:iam::{PRODUCER}:root") },
        "Action": "sts:AssumeRole" }] });
    let anything = json!({ "Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*" }] });
    put_role(&root, "Intruder", &trusts_root, &anything).await;
    let intruder = assume(&root, &format!("arn:aws:iam::{PRODUCER}:role/Intruder"))
        .await
        .expect("the intruder role");
    let refused = assume(&with(&root, intruder), rollout_arn)
        .await
        .expect_err("the trust policy names only the operator");
    assert!(refused.contains("AccessDenied"), "{refused}");
    cloud.configure(json!({ "enforce_iam": false }));
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
    let gold = |args: &[&str]| offline(dir.path(), args);
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

    lint(&dir.path().join("gold-rollout-role.json"), &template);

    // One role for three manifests: the same role and policy names, their policies merged.
    let examples = common::repo().join("examples");
    let (seed, fleet, org) = (
        dir.path().join("gold.toml"),
        examples.join("fleet/gold.toml"),
        examples.join("org/gold.toml"),
    );
    let manifests = [&seed, &fleet, &org].map(|p| p.display().to_string());
    let mut args: Vec<&str> = vec!["iam", "consumer"];
    args.extend(manifests.iter().map(String::as_str));
    let merged = gold(&args);
    args.extend(["--cloudformation", "--principal", &principal]);
    let shared = gold(&args);
    let role = &shared["Resources"]["GoldRolloutRole"]["Properties"];
    assert_eq!(role["RoleName"], ROLLOUT);
    assert_eq!(role["Policies"][0]["PolicyName"], "gold-rollout");
    assert_eq!(role["Policies"][0]["PolicyDocument"], merged);
    lint(&dir.path().join("gold-rollout-roles.json"), &shared);
}

#[test]
fn the_kms_key_policy_keeps_the_account_s_administration_and_its_template_passes_cfn_lint() {
    let dir = common::example("encrypted");
    let gold = |args: &[&str]| offline(dir.path(), args);
    let policy = gold(&["iam", "kms-key"]);
    insta::assert_snapshot!(
        "kms_key_policy",
        serde_json::to_string_pretty(&policy).expect("JSON")
    );
    let template = gold(&["iam", "kms-key", "--cloudformation"]);
    let key = &template["Resources"]["GoldImageKey"];
    assert_eq!(key["Type"], "AWS::KMS::Key");
    assert_eq!(key["Properties"]["KeyPolicy"], policy);
    lint(&dir.path().join("gold-image-key.json"), &template);
}

/// The JSON document `gold ARGS` prints in `dir` without calling AWS.
fn offline(dir: &std::path::Path, args: &[&str]) -> Value {
    let output = assert_cmd::Command::cargo_bin("gold")
        .expect("the gold binary")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("gold runs");
    assert!(output.status.success(), "{}", text(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("JSON")
}

/// `cfn-lint` finds nothing wrong with `template`, written to `file`.
fn lint(file: &std::path::Path, template: &Value) {
    std::fs::write(file, template.to_string()).expect("template written");
    let lint =
        std::process::Command::new(common::repo().join("tests/localcloud/.venv/bin/cfn-lint"))
            .arg("--")
            .arg(file)
            .output()
            .expect("cfn-lint runs (tests/localcloud/serve --help builds the venv)");
    assert!(
        lint.status.success(),
        "cfn-lint:\n{}{}",
        text(&lint.stdout),
        text(&lint.stderr)
    );
}

/// Release channels with only `gold iam producer`: the operator reads and writes the channels'
/// history in Parameter Store, reads the scan findings, and protects the builds the channels
/// hold (and takes the protection off the one no channel holds any more); every action of the
/// policy for these is used, and each call's action is in it.
#[test]
fn an_operator_with_only_the_producer_policy_promotes_through_the_gates() {
    let cloud = Localcloud::start();
    cloud.configure(json!({ "build_seconds": 2 }));
    let org = Org::new(&cloud);
    let dir = common::example("seed");
    let manifest = dir.path().join("gold.toml");
    edit(
        &manifest,
        "name = \"workload\"",
        "name = \"workload\"\nchannel = \"prod\"",
    );
    let written = std::fs::read_to_string(&manifest).expect("gold.toml");
    std::fs::write(
        &manifest,
        format!(
            "{written}\n[scanning]\nenabled = true\n\n[[channels]]\nname = \"dev\"\n\n[[channels]]\nname = \"prod\"\n"
        ),
    )
    .expect("gold.toml written");
    let mut team = org.operator(dir.path(), PRODUCER);
    org.rollout_roles(&mut team, &[WORKLOAD]);
    let policy = team.producer_policy.clone();
    for action in [
        "ssm:GetParametersByPath",
        "ssm:PutParameter",
        "ec2:EnableImageDeregistrationProtection",
        "imagebuilder:ListImageScanFindings",
    ] {
        assert!(
            actions_of(&policy).contains(action),
            "{action} not in {policy}"
        );
    }
    org.enforce();

    team.ok(&["up", "--yes"]);
    for build in ["1", "2", "3"] {
        team.ok(&["build", "--wait"]);
        // The scan completes a moment after the build: poll until the gates let it through.
        let deadline = std::time::Instant::now() + std::time::Duration::from_mins(1);
        loop {
            let output = team.gold(&["promote", build, "--to", "prod", "--yes"]);
            if output.status.success() {
                break;
            }
            let said = text(&output.stdout);
            assert!(
                said.contains("not complete") && std::time::Instant::now() < deadline,
                "{said}{}",
                text(&output.stderr)
            );
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
        team.ok(&["rollout", "--yes"]);
    }
    let channels: Value =
        serde_json::from_str(&team.ok(&["channels", "--output", "json"])).expect("channels");
    assert_eq!(
        channels["channels"][1]["current"]["number"], 3,
        "{channels}"
    );
    assert!(
        channels["channels"][1]["current"]["by"]
            .as_str()
            .is_some_and(|by| by.contains(OPERATOR)),
        "the operator is recorded: {channels}"
    );
    // Not run here: updates, destroy, cancel, retire and prune (the origin scenario runs them).
    team.assert_policies_match_the_calls(&[
        "DeleteComponent",
        "DeleteSecurityGroup",
        "DeleteSnapshot",
        "DeregisterImage",
        "DisableImage",
        "EnableImageDeprecation",
        "RevokeSecurityGroupIngress",
        "DeleteInstanceProfile",
        "DeleteRole",
        "DetachRolePolicy",
        "ListAttachedRolePolicies",
        "RemoveRoleFromInstanceProfile",
        "CancelImageCreation",
        "DeleteDistributionConfiguration",
        "DeleteImage",
        "DeleteImagePipeline",
        "DeleteImageRecipe",
        "DeleteInfrastructureConfiguration",
        "ListComponentBuildVersions",
        "UpdateDistributionConfiguration",
        "UpdateImagePipeline",
        "UpdateInfrastructureConfiguration",
        "DescribeAutoScalingGroups",
        "DeleteLaunchTemplate",
        "DescribeInstances",
        "DescribeLaunchTemplates",
        // Who uses an AMI, which retire and prune ask.
        "CreateImageUsageReport",
        "DescribeImageUsageReports",
        "DescribeImageUsageReportEntries",
        "DescribeImageReferences",
        "DeleteLaunchTemplateVersions",
        // Read only when an account sees none of the producer's AMIs.
        "GetAllowedImagesSettings",
    ]);
}
