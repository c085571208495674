//! The `encrypted` example as an organization runs it (IAM evaluated, changes propagating, gold
//! holding exactly the policies it prints): a producer that encrypts EBS by default is stopped
//! by `plan` until the manifest names a customer managed key; with the key policy of
//! `gold iam kms-key`, every build's snapshots are encrypted with that key, a group in an
//! account without a grant fails to launch as AWS's do, and `rollout` grants the key to each
//! consumer account's Auto Scaling role (once) before the refresh replaces every instance.

mod common;

use common::organization::{Org, REGION, built_ami, last_event};
use common::{Localcloud, edit, text, wait_for};
use serde_json::{Value, json};

const SHARED: &str = "111122223333";
const WORKLOAD: &str = "444455556666";
const PLACEHOLDER: &str =
    "arn:aws:kms:ap-northeast-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
/// What EC2 says of an instance that could not use the key its volumes need.
const LAUNCH_FAILED: &str = "Instance became unhealthy while waiting for instance to be in InService state. Termination Reason: Client.InternalError: Client error on launch";

/// Operations the flow does not run (tests/iam.rs runs them for the origin scenario).
const NOT_RUN: &[&str] = &[
    "UpdateInfrastructureConfiguration",
    "UpdateImagePipeline",
    "RevokeSecurityGroupIngress",
    "CancelImageCreation",
    "EnableImageDeprecation",
    "DisableImage",
    // `retire` and `prune` read every template of a consumer account, and `prune` deletes
    // old versions; this flow runs neither.
    "DescribeLaunchTemplates",
    "DeleteLaunchTemplateVersions",
    // Read only when an account sees none of the producer's AMIs (its Allowed AMIs may hide
    // them); every account here sees them.
    "GetAllowedImagesSettings",
];

/// What changes from run to run: key and AMI ids, AMI names' build dates.
fn volatile() -> Vec<(&'static str, &'static str)> {
    vec![
        (r"key/[0-9a-f-]{36}", "key/[KEY]"),
        (r"ami-[0-9a-f]{17}", "ami-[ID]"),
        (r"_\d{4}-\d{2}-\d{2}T[0-9.:-]+Z", "_[DATE]"),
    ]
}

#[test]
#[expect(
    clippy::too_many_lines,
    reason = "the example end to end: stopped without a key, the key and its policy, the failed launch, the grant, a blocked rollout, destroy"
)]
fn encrypted_images_reach_every_consumer_through_the_key_policy_and_one_grant_per_account() {
    let cloud = Localcloud::start();
    cloud.configure(json!({ "build_seconds": 2, "refresh_seconds": 1 }));
    let org = Org::new(&cloud);
    let dir = common::example("encrypted");
    let manifest = dir.path().join("gold.toml");
    let key_line = format!("kms_key_id = \"{PLACEHOLDER}\"\n");
    edit(&manifest, &key_line, "");

    // Before encryption: the team's template and group run the first build.
    let mut team = org.operator(dir.path(), SHARED);
    org.rollout_roles(&mut team, &[WORKLOAD]);
    org.enforce();
    team.ok(&["up", "--yes"]);
    let first = built_ami(&team.ok(&["build", "--wait", "--output", "json"]));
    org.meanwhile(|org| {
        // Tagged for the manifest: the rollout role moves only such templates.
        let id = org.template(
            (WORKLOAD, REGION),
            "app",
            &first,
            &[("gold:manifest", "sample")],
            None,
        );
        org.group((WORKLOAD, REGION), "app", &id, "$Default", 2);
    });

    // The security team turns on EBS encryption by default: the next build would be
    // encrypted with `aws/ebs`, which cannot be shared. `plan` and `up` stop before any change.
    org.meanwhile(enable_encryption_by_default);
    let stopped = team.gold(&["plan"]);
    assert_eq!(stopped.status.code(), Some(1), "{}", text(&stopped.stderr));
    insta::with_settings!({ filters => volatile() }, {
        insta::assert_snapshot!("plan_with_encryption_by_default_and_no_key", text(&stopped.stderr));
    });
    let refused = team.gold(&["up", "--yes"]);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused.stderr));
    assert!(
        cloud.requests().iter().all(|r| !r["action"]
            .as_str()
            .is_some_and(|a| a.starts_with("Create") || a.starts_with("Update"))),
        "up changed something before it stopped"
    );

    // The key: created in Shared with the policy `gold iam kms-key` prints, named in the
    // manifest; the operator and rollout roles get the policies of the changed manifest.
    let policy = team.ok(&["iam", "kms-key"]);
    let key = org.meanwhile(|org| {
        let key = create_key(org, &policy);
        edit(
            &manifest,
            "then name it here).\n",
            &format!("then name it here).\nkms_key_id = \"{key}\"\n"),
        );
        org.operator_policy(&mut team);
        org.rollout_roles(&mut team, &[WORKLOAD]);
        key
    });
    let plan = team.ok(&["plan"]);
    assert!(plan.contains("kms_key_id"), "{plan}");
    team.ok(&["up", "--yes"]);
    let second = built_ami(&team.ok(&["build", "--wait", "--output", "json"]));
    assert_eq!(snapshot_keys(&org, &second), std::slice::from_ref(&key));

    // Without a grant, a group in the Workload account fails to launch the encrypted AMI,
    // exactly as AWS's do: the instance is terminated and the activity says why.
    org.meanwhile(|org| launch_fails_without_a_grant(org, &second));
    assert!(grants(&org, &key).is_empty());

    // The rollout plans the grant, makes it before the refresh, and the refresh replaces
    // every instance of the group.
    let plan = team.ok(&["plan"]);
    insta::with_settings!({ filters => volatile() }, {
        insta::assert_snapshot!("plan_creates_the_grant_before_the_refresh", plan);
    });
    let out = team.ok(&["rollout", "--yes", "--output", "json"]);
    assert_eq!(last_event(&out)["counts"]["done"], 1, "{out}");
    assert_eq!(org.default_image((WORKLOAD, REGION), "app"), second);
    assert_eq!(
        org.group_images((WORKLOAD, REGION), "app"),
        [second.clone(), second.clone()]
    );
    let made = grants(&org, &key);
    assert_eq!(made.len(), 1, "{made:?}");
    assert_eq!(
        made[0].grantee_principal(),
        Some(format!("arn:aws:iam::{WORKLOAD}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling").as_str())
    );
    assert_eq!(made[0].name(), Some("gold-sample"));
    assert_eq!(
        made[0].issuing_account(),
        Some(format!("arn:aws:iam::{WORKLOAD}:root").as_str())
    );

    // The key policy loses the consumers' statements: the next rollout blocks the Workload
    // account's target (counted failed, nothing moved); with gold's policy back, it rolls out on
    // the same grant, none added.
    org.meanwhile(|org| put_key_policy(org, &key, &root_only()));
    // `plan` and `up` read the policy and stop before any change, naming the key, the account
    // and `gold iam kms-key`.
    let stopped = team.gold(&["plan"]);
    assert_eq!(stopped.status.code(), Some(1), "{}", text(&stopped.stderr));
    insta::with_settings!({ filters => volatile() }, {
        insta::assert_snapshot!("plan_with_a_key_the_consumers_cannot_use", text(&stopped.stderr));
    });
    let refused = team.gold(&["up", "--yes"]);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused.stderr));
    let third = built_ami(&team.ok(&["build", "--wait", "--output", "json"]));
    let blocked = team.gold(&["rollout", "--yes"]);
    assert_eq!(blocked.status.code(), Some(1), "{}", text(&blocked.stderr));
    let said = format!("{}{}", text(&blocked.stdout), text(&blocked.stderr));
    assert!(
        said.contains(&format!(
            "blocked: account {WORKLOAD} cannot use KMS key {key}"
        )),
        "{said}"
    );
    assert!(said.contains("gold iam kms-key"), "{said}");
    assert_eq!(org.default_image((WORKLOAD, REGION), "app"), second);
    org.meanwhile(|org| put_key_policy(org, &key, &policy));
    team.ok(&["rollout", "--yes"]);
    assert_eq!(
        org.group_images((WORKLOAD, REGION), "app"),
        [third.clone(), third]
    );
    assert_eq!(grants(&org, &key).len(), 1);
    let status = team.ok(&["status"]);
    assert!(status.contains("gold-sample"), "{status}");

    // `destroy` retires the grant gold made.
    team.ok(&["destroy", "--yes", "--images", "--force"]);
    assert!(grants(&org, &key).is_empty());
    team.assert_policies_match_the_calls(NOT_RUN);
}

/// EBS encryption by default in the Shared account, with its default key (`aws/ebs`).
/// A consumer found in the organization (an OU, templates by tag) gets its grant from a
/// rollout like a named one, and `destroy` finds and retires it there too.
#[test]
fn destroy_retires_the_grants_of_accounts_found_in_the_organization() {
    const SANDBOX: &str = "666677778888";
    let cloud = Localcloud::start_with(Some(&common::repo().join("examples/org/localcloud.toml")));
    cloud.configure(json!({ "build_seconds": 2, "refresh_seconds": 1 }));
    let org = Org::new(&cloud);
    let dir = common::example("encrypted");
    let manifest = dir.path().join("gold.toml");
    let named = std::fs::read_to_string(&manifest).expect("the example's manifest");
    let producer_side = named
        .split("[[consumers]]")
        .next()
        .expect("the producer's tables");
    std::fs::write(
        &manifest,
        format!(
            r#"{producer_side}
[organization]
role_arn = "arn:aws:iam::000000000000:role/GoldOrgReader"

[[consumers]]
name = "sandbox"
organizational_units = ["ou-ab12-sandbox1"]
role_name = "GoldRollout"

[[consumers.launch_templates]]
tag = {{ key = "gold:follow", value = "sample" }}
auto_scaling_groups = "all"
"#
        ),
    )
    .expect("the manifest is written");

    let mut team = org.operator(dir.path(), SHARED);
    let policy = team.ok(&["iam", "kms-key"]);
    let key = create_key(&org, &policy);
    edit(&manifest, PLACEHOLDER, &key);
    org.operator_policy(&mut team);
    org.rollout_roles(&mut team, &[SANDBOX]);
    org.reader_role(&mut team);
    org.enforce();
    team.ok(&["up", "--yes"]);
    let first = built_ami(&team.ok(&["build", "--wait", "--output", "json"]));
    org.meanwhile(|org| {
        let id = org.template(
            (SANDBOX, REGION),
            "app",
            &first,
            &[("gold:follow", "sample")],
            None,
        );
        org.group((SANDBOX, REGION), "app", &id, "$Default", 1);
    });
    let second = built_ami(&team.ok(&["build", "--wait", "--output", "json"]));
    team.ok(&["rollout", "--yes"]);
    assert_eq!(org.default_image((SANDBOX, REGION), "app"), second);
    let made = grants(&org, &key);
    assert_eq!(made.len(), 1, "{made:?}");
    assert_eq!(
        made[0].issuing_account(),
        Some(format!("arn:aws:iam::{SANDBOX}:root").as_str())
    );

    let out = team.ok(&["destroy", "--yes", "--images", "--force"]);
    assert!(grants(&org, &key).is_empty(), "{out}");
}

fn enable_encryption_by_default(org: &Org<'_>) {
    let shared = org.admin(SHARED, REGION);
    org.rt.block_on(async {
        aws_sdk_ec2::Client::new(&shared)
            .enable_ebs_encryption_by_default()
            .send()
            .await
            .expect("EnableEbsEncryptionByDefault");
    });
}

/// A customer managed key in Shared with `policy`; its ARN.
fn create_key(org: &Org<'_>, policy: &str) -> String {
    let shared = org.admin(SHARED, REGION);
    org.rt.block_on(async {
        aws_sdk_kms::Client::new(&shared)
            .create_key()
            .description("gold: sample images")
            .policy(policy.trim())
            .send()
            .await
            .expect("CreateKey with gold's policy")
            .key_metadata()
            .and_then(|k| k.arn())
            .expect("a key ARN")
            .to_owned()
    })
}

fn put_key_policy(org: &Org<'_>, key: &str, policy: &str) {
    let shared = org.admin(SHARED, REGION);
    org.rt.block_on(async {
        aws_sdk_kms::Client::new(&shared)
            .put_key_policy()
            .key_id(key)
            .policy(policy.trim())
            .send()
            .await
            .expect("PutKeyPolicy");
    });
}

/// The default key policy: the account administers the key, no other account may use it.
fn root_only() -> String {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "Enable IAM User Permissions",
            "Effect": "Allow",
            "Principal": { "AWS": format!("arn:aws:iam::{SHARED}:root") },
            "Action": "kms:*",
            "Resource": "*",
        }],
    })
    .to_string()
}

/// A group in Workload launching `ami` without a grant: its launch is cancelled with EC2's
/// reason, as AWS's are; the group is deleted again.
fn launch_fails_without_a_grant(org: &Org<'_>, ami: &str) {
    let probe = org.template((WORKLOAD, REGION), "probe", ami, &[], None);
    org.group((WORKLOAD, REGION), "probe", &probe, "$Default", 1);
    let activity = failed_launch(org, "probe");
    assert_eq!(activity["StatusCode"], "Cancelled", "{activity}");
    assert_eq!(activity["StatusMessage"], LAUNCH_FAILED, "{activity}");
    delete_group(org, "probe");
}

/// The KMS keys of the snapshots of `ami` (in the producer account, which owns them).
fn snapshot_keys(org: &Org<'_>, ami: &str) -> Vec<String> {
    let admin = org.admin(SHARED, REGION);
    org.rt.block_on(async {
        let ec2 = aws_sdk_ec2::Client::new(&admin);
        let images = ec2
            .describe_images()
            .image_ids(ami)
            .send()
            .await
            .expect("DescribeImages");
        let snapshots: Vec<String> = images.images()[0]
            .block_device_mappings()
            .iter()
            .filter_map(|m| m.ebs()?.snapshot_id().map(str::to_owned))
            .collect();
        assert!(!snapshots.is_empty(), "{ami} has no snapshot");
        let described = ec2
            .describe_snapshots()
            .set_snapshot_ids(Some(snapshots))
            .send()
            .await
            .expect("DescribeSnapshots");
        let mut keys: Vec<String> = described
            .snapshots()
            .iter()
            .map(|s| s.kms_key_id().unwrap_or("unencrypted").to_owned())
            .collect();
        keys.sort();
        keys.dedup();
        keys
    })
}

/// Every grant on `key`, as the key's account lists them.
fn grants(org: &Org<'_>, key: &str) -> Vec<aws_sdk_kms::types::GrantListEntry> {
    let admin = org.admin(SHARED, REGION);
    org.rt.block_on(async {
        aws_sdk_kms::Client::new(&admin)
            .list_grants()
            .key_id(key)
            .send()
            .await
            .expect("ListGrants")
            .grants()
            .to_vec()
    })
}

/// The first launch of group `name` in Workload that ended.
fn failed_launch(org: &Org<'_>, name: &str) -> Value {
    let admin = org.admin(WORKLOAD, REGION);
    let mut ended = None;
    wait_for(&format!("a launch of {name} that ended"), || {
        ended = org.rt.block_on(async {
            aws_sdk_autoscaling::Client::new(&admin)
                .describe_scaling_activities()
                .auto_scaling_group_name(name)
                .send()
                .await
                .expect("DescribeScalingActivities")
                .activities()
                .iter()
                .find(|a| {
                    a.status_code().is_some_and(|c| {
                        matches!(c.as_str(), "Cancelled" | "Failed" | "Successful")
                    })
                })
                .map(|a| {
                    json!({
                        "StatusCode": a.status_code().map(|c| c.as_str().to_owned()),
                        "StatusMessage": a.status_message(),
                    })
                })
        });
        ended.is_some()
    });
    ended.unwrap_or_default()
}

fn delete_group(org: &Org<'_>, name: &str) {
    let admin = org.admin(WORKLOAD, REGION);
    org.rt.block_on(async {
        aws_sdk_autoscaling::Client::new(&admin)
            .delete_auto_scaling_group()
            .auto_scaling_group_name(name)
            .force_delete(true)
            .send()
            .await
            .expect("DeleteAutoScalingGroup");
    });
}
