//! `gold rollout`, `gold status` and `gold rollback` against localcloud, checked through the SDK
//! and the request log. The producer's AMIs are registered directly in the producer account
//! (`RegisterImage` + a launch permission for the organization), as a finished build leaves them.

mod common;

use std::fmt::Write as _;
use std::path::Path;

use aws_sdk_autoscaling::types::LaunchTemplateSpecification;
use aws_sdk_ec2::types::{
    LaunchPermission, LaunchPermissionModifications, LaunchTemplateBlockDeviceMappingRequest,
    LaunchTemplateEbsBlockDeviceRequest, RequestLaunchTemplateData, VolumeType,
};
use common::{Localcloud, ORG_ARN, PRODUCER, calls, runtime, stderr, stdout, wait_for};
use serde_json::json;

const WORKLOAD: &str = "444455556666";
const REGION: &str = "ap-northeast-1";
const STRANGER: &str = "999988887777";
const OTHER_MEMBER: &str = "222233334444";

/// Who may launch an AMI.
enum Share {
    Organization,
    Public,
}

/// An SDK configuration acting in `account`, patient with a localcloud busy building accounts.
async fn sdk(cloud: &Localcloud, account: &str) -> aws_config::SdkConfig {
    cloud
        .sdk(account, REGION)
        .await
        .to_builder()
        .timeout_config(
            aws_config::timeout::TimeoutConfig::builder()
                .connect_timeout(std::time::Duration::from_secs(30))
                .build(),
        )
        .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(10))
        .build()
}

/// Registers an AMI named `name` in `owner`'s account and shares it.
async fn ami(cloud: &Localcloud, owner: &str, name: &str, share: Share) -> String {
    let ec2 = aws_sdk_ec2::Client::new(&sdk(cloud, owner).await);
    let id = ec2
        .register_image()
        .name(name)
        .root_device_name("/dev/xvda")
        .architecture("x86_64".into())
        .virtualization_type("hvm")
        .send()
        .await
        .expect("RegisterImage")
        .image_id
        .expect("an image id");
    let permission = match share {
        Share::Organization => LaunchPermission::builder()
            .organization_arn(ORG_ARN)
            .build(),
        Share::Public => LaunchPermission::builder().group("all".into()).build(),
    };
    ec2.modify_image_attribute()
        .image_id(&id)
        .launch_permission(
            LaunchPermissionModifications::builder()
                .add(permission)
                .build(),
        )
        .send()
        .await
        .expect("ModifyImageAttribute");
    id
}

/// Build `n` (1 to 3) as a finished pipeline leaves it: an AMI in the producer account named
/// like the manifest's `ami_name`, shared with the organization.
fn build(cloud: &Localcloud, rt: &tokio::runtime::Runtime, n: u32) -> String {
    published(
        cloud,
        rt,
        &format!("sample_v{n}_2022-08-{}T09-01-50.490Z", 9 + n),
    )
}

/// An AMI named `name` in the producer account, shared with the organization.
fn published(cloud: &Localcloud, rt: &tokio::runtime::Runtime, name: &str) -> String {
    rt.block_on(ami(cloud, PRODUCER, name, Share::Organization))
}

/// A launch template like the origin scenario's: t3.small, EBS-optimized, 50 GiB gp3 root, a security group, user data.
async fn template(cloud: &Localcloud, account: &str, name: &str, image: &str) -> String {
    template_with(cloud, account, name, image, None).await
}

/// A snapshot of a fresh 8 GiB volume in `account`.
async fn snapshot(cloud: &Localcloud, account: &str) -> String {
    let ec2 = aws_sdk_ec2::Client::new(&sdk(cloud, account).await);
    let volume = ec2
        .create_volume()
        .availability_zone("ap-northeast-1a")
        .size(8)
        .send()
        .await
        .expect("CreateVolume")
        .volume_id
        .expect("a volume id");
    ec2.create_snapshot()
        .volume_id(volume)
        .send()
        .await
        .expect("CreateSnapshot")
        .snapshot_id
        .expect("a snapshot id")
}

/// [`template`], with a data volume `/dev/xvdb` made from `data` when given.
async fn template_with(
    cloud: &Localcloud,
    account: &str,
    name: &str,
    image: &str,
    data: Option<&str>,
) -> String {
    let config = sdk(cloud, account).await;
    let ec2 = aws_sdk_ec2::Client::new(&config);
    let data = data.map(|snapshot| {
        LaunchTemplateBlockDeviceMappingRequest::builder()
            .device_name("/dev/xvdb")
            .ebs(
                LaunchTemplateEbsBlockDeviceRequest::builder()
                    .snapshot_id(snapshot)
                    .volume_type(VolumeType::Gp3)
                    .delete_on_termination(true)
                    .build(),
            )
            .build()
    });
    let group = ec2
        .create_security_group()
        .group_name(format!("{name}-sg"))
        .description("egress only")
        .send()
        .await
        .expect("CreateSecurityGroup")
        .group_id
        .expect("a group id");
    ec2.create_launch_template()
        .launch_template_name(name)
        .launch_template_data(
            RequestLaunchTemplateData::builder()
                .image_id(image)
                .instance_type("t3.small".into())
                .ebs_optimized(true)
                .security_group_ids(group)
                .user_data("IyEvYmluL3NoCmVjaG8gaGVsbG8K")
                .set_block_device_mappings(Some(
                    std::iter::once(
                        LaunchTemplateBlockDeviceMappingRequest::builder()
                            .device_name("/dev/xvda")
                            .ebs(
                                LaunchTemplateEbsBlockDeviceRequest::builder()
                                    .volume_size(50)
                                    .volume_type(VolumeType::Gp3)
                                    .build(),
                            )
                            .build(),
                    )
                    .chain(data)
                    .collect(),
                ))
                .build(),
        )
        .send()
        .await
        .expect("CreateLaunchTemplate")
        .launch_template
        .and_then(|t| t.launch_template_id)
        .expect("a template id")
}

/// An Auto Scaling group launching `template_id` at `$Default`.
async fn group(cloud: &Localcloud, account: &str, name: &str, template_id: &str) {
    aws_sdk_autoscaling::Client::new(&sdk(cloud, account).await)
        .create_auto_scaling_group()
        .auto_scaling_group_name(name)
        .launch_template(
            LaunchTemplateSpecification::builder()
                .launch_template_id(template_id)
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

/// The default version of a template: (number, image id, description, the whole data as text).
async fn default_version(
    cloud: &Localcloud,
    account: &str,
    name: &str,
) -> (i64, String, String, String) {
    let versions = aws_sdk_ec2::Client::new(&sdk(cloud, account).await)
        .describe_launch_template_versions()
        .launch_template_name(name)
        .versions("$Default")
        .send()
        .await
        .expect("DescribeLaunchTemplateVersions");
    let version = &versions.launch_template_versions()[0];
    let data = version.launch_template_data().expect("template data");
    (
        version.version_number().expect("a number"),
        data.image_id().unwrap_or_default().to_owned(),
        version.version_description().unwrap_or_default().to_owned(),
        format!("{data:?}"),
    )
}

/// The highest version number of a template.
async fn latest_version(cloud: &Localcloud, account: &str, name: &str) -> i64 {
    aws_sdk_ec2::Client::new(&sdk(cloud, account).await)
        .describe_launch_templates()
        .launch_template_names(name)
        .send()
        .await
        .expect("DescribeLaunchTemplates")
        .launch_templates()[0]
        .latest_version_number()
        .expect("a latest version")
}

/// A project directory with `gold.toml` (producer and distribution of the origin scenario plus `consumers`).
fn project(consumers: &str) -> tempfile::TempDir {
    common::project(&common::sample_manifest(REGION, "", consumers))
}

/// A `[[consumers]]` table acting through the account's `OrganizationAccountAccessRole`.
fn consumer(name: &str, account: &str, wave: u32, template: &str, groups: &[&str]) -> String {
    consumer_with(
        name,
        account,
        wave,
        template,
        groups,
        "min_healthy_percentage = 50\ninstance_warmup_seconds = 0",
    )
}

/// [`consumer`] with the template's `refresh` table.
fn consumer_with(
    name: &str,
    account: &str,
    wave: u32,
    template: &str,
    groups: &[&str],
    refresh: &str,
) -> String {
    let groups = groups
        .iter()
        .map(|g| format!("\"{g}\""))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        r#"
[[consumers]]
name = "{name}"
account = "{account}"
role_arn = "arn:aws:iam::{account}:role/OrganizationAccountAccessRole"
wave = {wave}
[[consumers.launch_templates]]
name = "{template}"
auto_scaling_groups = [{groups}]
[consumers.launch_templates.refresh]
{refresh}
"#
    )
}

/// A fleet ready for its rollout: `accounts` as members of the organization, each with
/// template `app` on the producer's build 1 and a wave-1 consumer of it, and build 2 waiting.
struct Fleet {
    cloud: Localcloud,
    rt: tokio::runtime::Runtime,
    /// Build 1's AMI, which every template launches.
    first: String,
    /// Build 2's AMI, the one a rollout moves to.
    second: String,
    /// Each account's template id, in the order of the accounts.
    templates: Vec<String>,
    project: tempfile::TempDir,
}

fn fleet(dir: &Path, accounts: &[String]) -> Fleet {
    let cloud = members(dir, accounts);
    let rt = runtime();
    let first = build(&cloud, &rt, 1);
    let templates = rt.block_on(futures::future::join_all(
        accounts
            .iter()
            .map(|account| template(&cloud, account, "app", &first)),
    ));
    let second = build(&cloud, &rt, 2);
    let consumers: String = accounts
        .iter()
        .enumerate()
        .map(|(i, account)| consumer(&format!("c{i}"), account, 1, "app", &[]))
        .collect();
    Fleet {
        cloud,
        rt,
        first,
        second,
        templates,
        project: project(&consumers),
    }
}

/// localcloud with `accounts` as members of the organization, beside the producer.
fn members(dir: &Path, accounts: &[String]) -> Localcloud {
    let members: Vec<(&str, bool)> = accounts.iter().map(|a| (a.as_str(), true)).collect();
    Localcloud::start_with(Some(&seed(dir, &members)))
}

fn seed(dir: &Path, accounts: &[(&str, bool)]) -> std::path::PathBuf {
    let mut text = format!(
        "caller_account = \"{PRODUCER}\"\n\n[organization]\nid = \"o-xxxxxxxxxx\"\nmanagement_account = \"000000000000\"\n\n[[accounts]]\nid = \"{PRODUCER}\"\nname = \"Shared\"\n"
    );
    for (id, in_org) in accounts {
        let _ = write!(
            text,
            "\n[[accounts]]\nid = \"{id}\"\nname = \"a{id}\"\nin_organization = {in_org}\n"
        );
    }
    let path = dir.join("seed.toml");
    std::fs::write(&path, text).expect("seed written");
    path
}

/// What changes from run to run in gold's text: AMI and template ids, refresh ids, ages.
fn volatile() -> Vec<(&'static str, &'static str)> {
    vec![
        (r"ami-[0-9a-f]{17}", "ami-[ID]"),
        (r"lt-[0-9a-f]{17}", "lt-[ID]"),
        (
            r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
            "[REFRESH-ID]",
        ),
        (r" \d{1,2}[smhd] +", " [AGE] "),
    ]
}

/// Calls that change something, made in `account` since the request log was last cleared.
fn writes_in(cloud: &Localcloud, account: &str) -> Vec<String> {
    cloud
        .requests()
        .into_iter()
        .filter(|r| r["account"] == account)
        .filter_map(|r| r["action"].as_str().map(str::to_owned))
        .filter(|action| {
            ["Create", "Modify", "Start", "Delete"]
                .iter()
                .any(|verb| action.starts_with(verb))
        })
        .collect()
}

#[test]
fn origin_scenario_moves_the_workload_template_to_the_second_ami_and_keeps_every_other_setting() {
    let cloud = Localcloud::start();
    let rt = runtime();
    let first = published(&cloud, &rt, "sample_v4_2022-08-10T09-01-50.490Z");
    // Its data volume comes from a snapshot: EC2 drops inherited snapshots from a new version
    // unless the request gives them again, which gold must, for only the image to change.
    let data = rt.block_on(snapshot(&cloud, WORKLOAD));
    rt.block_on(template_with(
        &cloud,
        WORKLOAD,
        "sample-lt",
        &first,
        Some(&data),
    ));
    let second = published(&cloud, &rt, "sample_v5_2022-08-11T09-01-50.490Z");
    let dir = project(&consumer("workload", WORKLOAD, 1, "sample-lt", &[]));

    cloud.reset_requests();
    let plan = cloud.ok(dir.path(), &["rollout", "--dry-run"]);
    let text = stdout(&plan)
        .replace(&first, "ami-FIRST")
        .replace(&second, "ami-SECOND");
    assert_eq!(
        text,
        "444455556666 (ap-northeast-1):\n  ~ launch template sample-lt: ami-FIRST (sample_v4_2022-08-10T09-01-50.490Z) -> ami-SECOND (sample_v5_2022-08-11T09-01-50.490Z)\nPlan: 0 to create, 0 to update, 0 new versions, 1 images to move, 0 to delete; 0 unchanged.\n"
    );
    assert!(
        writes_in(&cloud, WORKLOAD).is_empty(),
        "a dry run changed something"
    );

    let (v1, image, _, data_before) = rt.block_on(default_version(&cloud, WORKLOAD, "sample-lt"));
    assert_eq!((v1, image.as_str()), (1, first.as_str()));

    cloud.ok(dir.path(), &["rollout", "--yes"]);
    let (v2, image, description, data_after) =
        rt.block_on(default_version(&cloud, WORKLOAD, "sample-lt"));
    assert_eq!(v2, 2);
    assert_eq!(image, second);
    assert_eq!(
        description,
        format!("gold: sample_v5_2022-08-11T09-01-50.490Z ({second}) after v1")
    );
    assert!(data_before.contains(&data), "{data_before}");
    assert_eq!(
        data_after,
        data_before.replace(&first, &second),
        "only the image may change"
    );

    cloud.reset_requests();
    let again = cloud.ok(dir.path(), &["rollout", "--yes"]);
    assert!(stdout(&again).contains("No changes"), "{}", stdout(&again));
    assert!(writes_in(&cloud, WORKLOAD).is_empty());
    assert_eq!(
        rt.block_on(latest_version(&cloud, WORKLOAD, "sample-lt")),
        2
    );

    let status = cloud.ok(dir.path(), &["status", "--output", "json"]);
    let status: serde_json::Value = serde_json::from_slice(&status.stdout).expect("status JSON");
    common::assert_shape(&status, "document.status");
    let row = &status["targets"][0];
    assert_eq!(row["current"]["id"], second.as_str());
    assert_eq!(row["newest"]["id"], second.as_str());
    assert_eq!(row["builds_behind"], 0);
    assert_eq!(row["default_version"], 2);

    let back = cloud.ok(dir.path(), &["rollback", "--yes", "--output", "json"]);
    let events = common::assert_stream_shape(&back.stdout);
    let last = events.last().expect("events");
    assert_eq!(last["event"], "summary");
    assert_eq!(last["counts"]["done"], 1, "{last}");
    let (number, image, _, _) = rt.block_on(default_version(&cloud, WORKLOAD, "sample-lt"));
    assert_eq!((number, image.as_str()), (1, first.as_str()));
    cloud.ok(dir.path(), &["rollback", "--yes"]);
    assert_eq!(
        rt.block_on(default_version(&cloud, WORKLOAD, "sample-lt"))
            .0,
        1
    );
}

#[test]
fn newer_amis_of_a_stranger_or_another_member_with_the_producers_name_are_never_chosen() {
    let dir = tempfile::tempdir().unwrap();
    let seed = seed(
        dir.path(),
        &[(WORKLOAD, true), (OTHER_MEMBER, true), (STRANGER, false)],
    );
    let cloud = Localcloud::start_with(Some(&seed));
    let rt = runtime();
    let old = published(&cloud, &rt, "sample_v3_2022-08-09T09-01-50.490Z");
    let good = published(&cloud, &rt, "sample_v4_2022-08-10T09-01-50.490Z");
    let member = rt.block_on(ami(
        &cloud,
        OTHER_MEMBER,
        "sample_v8_2030-01-01T00-00-00.000Z",
        Share::Organization,
    ));
    let stranger = rt.block_on(ami(
        &cloud,
        STRANGER,
        "sample_v9_2030-01-01T00-00-00.000Z",
        Share::Public,
    ));
    rt.block_on(template(&cloud, WORKLOAD, "sample-lt", &old));
    let project = project(&consumer("workload", WORKLOAD, 1, "sample-lt", &[]));

    // Both impostors are visible to the workload account, so only the owner pin keeps them out.
    let visible = rt.block_on(async {
        aws_sdk_ec2::Client::new(&sdk(&cloud, WORKLOAD).await)
            .describe_images()
            .image_ids(&member)
            .image_ids(&stranger)
            .send()
            .await
            .expect("DescribeImages")
            .images()
            .len()
    });
    assert_eq!(visible, 2);

    let named = cloud
        .gold(project.path())
        .args(["rollout", "--yes", "--ami", &stranger])
        .output()
        .unwrap();
    assert_eq!(named.status.code(), Some(1), "{}", stderr(&named));
    assert!(
        stderr(&named).contains("is not an AMI owned by 111122223333"),
        "{}",
        stderr(&named)
    );

    cloud.ok(project.path(), &["rollout", "--yes"]);
    let (_, image, _, _) = rt.block_on(default_version(&cloud, WORKLOAD, "sample-lt"));
    assert_eq!(image, good);
}

#[test]
#[expect(
    clippy::too_many_lines,
    reason = "one scenario: failing run, then the re-run that finishes it"
)]
fn a_failed_refresh_in_wave_one_stops_wave_two_a_denied_account_fails_alone_and_a_rerun_finishes() {
    let dir = tempfile::tempdir().unwrap();
    let (refresh_fails, healthy, denied) = ("444455550001", "444455550002", "444455550003");
    let (later_a, later_b) = ("444455550004", "444455550005");
    let all = [refresh_fails, healthy, denied, later_a, later_b];
    let seed = seed(dir.path(), &all.map(|a| (a, true)));
    let cloud = Localcloud::start_with(Some(&seed));
    let rt = runtime();
    let first = build(&cloud, &rt, 1);
    for account in all {
        let id = rt.block_on(template(&cloud, account, "app", &first));
        rt.block_on(group(&cloud, account, &format!("web-{account}"), &id));
    }
    let second = build(&cloud, &rt, 2);
    let consumers: String = all
        .iter()
        .enumerate()
        .map(|(i, account)| {
            let wave = if i < 3 { 1 } else { 2 };
            consumer(
                &format!("c{i}"),
                account,
                wave,
                "app",
                &[&format!("web-{account}")],
            )
        })
        .collect();
    let project = project(&consumers);

    cloud.configure(json!({
        "fail_instance_refresh": [format!("web-{refresh_fails}")],
        "deny_accounts": [denied],
    }));
    cloud.reset_requests();
    let failed = cloud
        .gold(project.path())
        .args(["rollout", "--yes"])
        .output()
        .unwrap();
    assert_eq!(failed.status.code(), Some(1), "{}", stderr(&failed));
    let summary = stdout(&failed);
    insta::with_settings!({ filters => volatile() }, {
        insta::assert_snapshot!("failed_rollout", summary);
    });
    let status = cloud
        .gold(project.path())
        .args(["status"])
        .output()
        .unwrap();
    assert_eq!(status.status.code(), Some(1), "{}", stderr(&status));
    insta::with_settings!({ filters => volatile() }, {
        insta::assert_snapshot!(
            "status_after_a_failed_rollout",
            format!("{}{}", stdout(&status), stderr(&status))
        );
    });
    assert!(
        summary.contains("FAILED      wave 1 app (444455550001/ap-northeast-1)"),
        "{summary}"
    );
    assert!(
        summary.contains("FAILED      wave 1 app (444455550003/ap-northeast-1)"),
        "{summary}"
    );
    assert!(summary.contains("not started wave 2"), "{summary}");
    assert_eq!(
        rt.block_on(default_version(&cloud, healthy, "app")).1,
        second
    );
    // The failed refresh sent the template's default back to the version it replaced.
    assert!(
        summary.contains("the template's default moved back to version 1"),
        "{summary}"
    );
    assert_eq!(
        rt.block_on(default_version(&cloud, refresh_fails, "app")).1,
        first
    );
    for account in [later_a, later_b] {
        assert!(
            writes_in(&cloud, account).is_empty(),
            "wave 2 was touched in {account}"
        );
        assert_eq!(
            rt.block_on(default_version(&cloud, account, "app")).1,
            first
        );
    }

    cloud.configure(json!({ "fail_instance_refresh": [], "deny_accounts": [] }));
    assert_eq!(rt.block_on(default_version(&cloud, denied, "app")).1, first);
    cloud.reset_requests();
    cloud.ok(project.path(), &["rollout", "--yes"]);
    for account in all {
        assert_eq!(
            rt.block_on(default_version(&cloud, account, "app")).1,
            second,
            "{account}"
        );
    }
    assert_eq!(writes_in(&cloud, healthy), Vec::<String>::new());
    // The version the failed run made becomes the default again; no second one is made.
    assert_eq!(
        writes_in(&cloud, refresh_fails),
        vec![
            "ModifyLaunchTemplate".to_owned(),
            "StartInstanceRefresh".to_owned()
        ]
    );
    assert_eq!(rt.block_on(latest_version(&cloud, refresh_fails, "app")), 2);
    assert_eq!(rt.block_on(latest_version(&cloud, healthy, "app")), 2);
}

#[test]
fn fifty_accounts_roll_out_through_throttling_and_errors_and_roll_back() {
    let dir = tempfile::tempdir().unwrap();
    let accounts: Vec<String> = (0..50).map(|i| format!("5000000000{i:02}")).collect();
    let Fleet {
        cloud,
        rt,
        first,
        second,
        project,
        ..
    } = fleet(dir.path(), &accounts);

    cloud.configure(json!({ "throttle_rate": 0.2, "error_rate": 0.05 }));
    cloud.reset_requests();
    cloud.ok(project.path(), &["rollout", "--yes"]);
    let log = cloud.requests();
    assert!(
        log.iter().any(|r| r["status"] != 200),
        "no fault was injected"
    );
    cloud.configure(json!({ "throttle_rate": 0.0, "error_rate": 0.0 }));
    for account in &accounts {
        let (number, image, _, _) = rt.block_on(default_version(&cloud, account, "app"));
        assert_eq!((number, image.as_str()), (2, second.as_str()), "{account}");
    }

    cloud.configure(json!({ "throttle_rate": 0.2, "error_rate": 0.05 }));
    cloud.ok(project.path(), &["rollback", "--yes"]);
    cloud.configure(json!({ "throttle_rate": 0.0, "error_rate": 0.0 }));
    for account in &accounts {
        let (number, image, _, _) = rt.block_on(default_version(&cloud, account, "app"));
        assert_eq!((number, image.as_str()), (1, first.as_str()), "{account}");
        assert_eq!(
            rt.block_on(latest_version(&cloud, account, "app")),
            2,
            "{account}"
        );
    }
    let moved = rt.block_on(async {
        let versions = aws_sdk_ec2::Client::new(&sdk(&cloud, &accounts[0]).await)
            .describe_launch_template_versions()
            .launch_template_name("app")
            .versions("2")
            .send()
            .await
            .expect("DescribeLaunchTemplateVersions");
        versions.launch_template_versions()[0]
            .launch_template_data()
            .and_then(|d| d.image_id())
            .map(str::to_owned)
    });
    assert_eq!(moved.as_deref(), Some(second.as_str()));
}

#[test]
fn a_rollout_costs_five_calls_a_target_and_moves_every_template_through_heavy_throttling() {
    let dir = tempfile::tempdir().unwrap();
    let accounts: Vec<String> = (0..20).map(|i| format!("6000000000{i:02}")).collect();
    let cloud = members(dir.path(), &accounts);
    let rt = runtime();
    let first = build(&cloud, &rt, 1);
    // The last account holds three templates: they share its credentials and AMI lookup.
    let shared = accounts[accounts.len() - 1].as_str();
    let mut templates: Vec<(&str, &str)> = accounts.iter().map(|a| (a.as_str(), "app")).collect();
    templates.extend([(shared, "api"), (shared, "worker")]);
    for (account, name) in &templates {
        rt.block_on(template(&cloud, account, name, &first));
    }
    let second = build(&cloud, &rt, 2);
    let mut consumers: String = accounts
        .iter()
        .enumerate()
        .map(|(i, account)| consumer(&format!("c{i}"), account, 1, "app", &[]))
        .collect();
    for name in ["api", "worker"] {
        let _ = write!(
            consumers,
            "[[consumers.launch_templates]]\nname = \"{name}\"\n"
        );
    }
    let project = project(&consumers);

    cloud.reset_requests();
    cloud.ok(project.path(), &["rollout", "--yes"]);
    let log = cloud.requests();
    let calls = |account: &str, action: &str| {
        log.iter()
            .filter(|r| r["account"] == account && r["action"] == action)
            .count()
    };
    assert!(
        log.len() <= 5 * templates.len(),
        "{} calls for {} targets",
        log.len(),
        templates.len()
    );
    assert_eq!(
        calls(PRODUCER, "AssumeRole"),
        accounts.len(),
        "one per account"
    );
    assert!(
        log.iter().all(|r| r["action"] != "GetCallerIdentity"),
        "the AssumeRole answer names the account"
    );
    assert_eq!(
        calls(shared, "DescribeImages"),
        1,
        "shared by its templates"
    );
    for (account, name) in &templates {
        let (number, image, _, _) = rt.block_on(default_version(&cloud, account, name));
        assert_eq!(
            (number, image.as_str()),
            (2, second.as_str()),
            "{account} {name}"
        );
    }

    let third = build(&cloud, &rt, 3);
    cloud.configure(json!({ "throttle_rate": 0.3 }));
    cloud.reset_requests();
    let throttled = cloud
        .gold(project.path())
        .args(["--output", "json", "rollout", "--yes"])
        .output()
        .unwrap();
    let log = cloud.requests();
    cloud.configure(json!({ "throttle_rate": 0.0 }));
    assert!(throttled.status.success(), "{}", stderr(&throttled));
    let events = common::assert_stream_shape(&throttled.stdout);
    let summary = events.last().expect("events");
    assert_eq!(summary["event"], "summary");
    assert_eq!(summary["counts"]["done"], templates.len(), "{summary}");
    let refused = log.iter().filter(|r| r["status"] != 200).count();
    assert!(refused > 0, "no call was throttled");
    assert_eq!(
        summary["throttled_calls"], refused,
        "every throttled answer is counted, and only those"
    );
    for (account, name) in &templates {
        let (number, image, _, _) = rt.block_on(default_version(&cloud, account, name));
        assert_eq!(
            (number, image.as_str()),
            (3, third.as_str()),
            "{account} {name}"
        );
    }
}

#[test]
fn a_template_marked_create_is_created_on_first_rollout_on_the_newest_ami() {
    let cloud = Localcloud::start();
    let rt = runtime();
    build(&cloud, &rt, 1);
    let newest = build(&cloud, &rt, 2);
    let dir = project(&format!(
        r#"
[[consumers]]
name = "workload"
account = "{WORKLOAD}"
role_arn = "arn:aws:iam::{WORKLOAD}:role/OrganizationAccountAccessRole"
[[consumers.launch_templates]]
name = "sample-lt"
[consumers.launch_templates.create]
instance_type = "t3.small"
ebs_optimized = true
root_volume_gib = 50
security_group = "egress-only"
"#
    ));
    let plan = cloud.ok(dir.path(), &["rollout", "--dry-run"]);
    // A template gold creates is a creation, not an image move from nothing.
    let text = stdout(&plan);
    assert!(
        text.contains("  + launch template sample-lt\n")
            && text.contains(&format!("      image: {newest} (sample_v2_"))
            && text.contains("Plan: 1 to create, 0 to update, 0 new versions, 0 images to move"),
        "{text}"
    );
    cloud.ok(dir.path(), &["rollout", "--yes"]);
    let (number, image, description, data) =
        rt.block_on(default_version(&cloud, WORKLOAD, "sample-lt"));
    assert_eq!((number, image.as_str()), (1, newest.as_str()));
    assert!(description.starts_with("gold: sample_v2_"), "{description}");
    assert!(
        data.contains("T3Small") && data.contains("volume_size: Some(50)"),
        "{data}"
    );
    let groups = rt.block_on(async {
        aws_sdk_ec2::Client::new(&sdk(&cloud, WORKLOAD).await)
            .describe_security_groups()
            .group_names("sample-egress-only")
            .send()
            .await
            .expect("DescribeSecurityGroups")
            .security_groups()
            .iter()
            .map(|g| {
                (
                    g.group_id().unwrap_or_default().to_owned(),
                    g.ip_permissions().len(),
                )
            })
            .collect::<Vec<_>>()
    });
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0].1, 0, "the group must allow no inbound traffic");
    assert!(data.contains(&groups[0].0), "{data}");
}

const MANAGEMENT: &str = "000000000000";
const TAG_KEY: &str = "gold:follow";

/// A launch template launching `image`, tagged `gold:follow=sample` when `tagged`.
async fn tagged_template(
    cloud: &Localcloud,
    account: &str,
    name: &str,
    image: &str,
    tagged: bool,
) -> String {
    let tags: &[(&str, &str)] = if tagged { &[(TAG_KEY, "sample")] } else { &[] };
    common::organization::create_template(&sdk(cloud, account).await, name, image, tags, None).await
}

/// The role gold assumes in `account`, trusting the producer (the identity running gold) and
/// allowed everything.
async fn trusted_role(cloud: &Localcloud, account: &str, name: &str) {
    let trust = json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{PRODUCER}:root")}, "Action": "sts:AssumeRole"}]
    });
    let everything = json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]
    });
    common::organization::put_role(&sdk(cloud, account).await, name, &trust, &everything).await;
}

/// The image of template `name`'s default version in `account`.
async fn default_image(cloud: &Localcloud, account: &str, name: &str) -> String {
    default_version(cloud, account, name).await.1
}

/// A seed with nested OUs: Workloads (accounts 7000000001xx) holds Sandbox (…02xx) and Prod
/// (…03xx), Prod holds Payments (…04xx); Security (…05xx) is outside the selection.
fn org_seed(dir: &Path, layout: &[(&str, &[&str])], suspended: &[&str]) -> std::path::PathBuf {
    let mut text = format!(
        "caller_account = \"{PRODUCER}\"\n\n[organization]\nid = \"o-xxxxxxxxxx\"\nmanagement_account = \"{MANAGEMENT}\"\n
[[organizational_units]]\nid = \"ou-ab12-workload\"\nname = \"Workloads\"\n
[[organizational_units]]\nid = \"ou-ab12-sandbox1\"\nname = \"Sandbox\"\nparent = \"ou-ab12-workload\"\n
[[organizational_units]]\nid = \"ou-ab12-prodteam\"\nname = \"Prod\"\nparent = \"ou-ab12-workload\"\n
[[organizational_units]]\nid = \"ou-ab12-payments\"\nname = \"Payments\"\nparent = \"ou-ab12-prodteam\"\n
[[organizational_units]]\nid = \"ou-ab12-security\"\nname = \"Security\"\n
[[accounts]]\nid = \"{PRODUCER}\"\nname = \"Shared\"\n"
    );
    for (ou, accounts) in layout {
        for account in *accounts {
            let status = if suspended.contains(account) {
                "SUSPENDED"
            } else {
                "ACTIVE"
            };
            let _ = write!(
                text,
                "\n[[accounts]]\nid = \"{account}\"\nname = \"a{account}\"\nou = \"{ou}\"\nstatus = \"{status}\"\n"
            );
        }
    }
    let path = dir.join("seed.toml");
    std::fs::write(&path, text).expect("seed written");
    path
}

const ORG_CONSUMERS: &str = r#"
[organization]
role_arn = "arn:aws:iam::000000000000:role/GoldOrgReader"

[[consumers]]
name = "sandbox"
organizational_units = ["ou-ab12-sandbox1"]
role_name = "GoldRollout"
wave = 1
[[consumers.launch_templates]]
tag = { key = "gold:follow", value = "sample" }
auto_scaling_groups = "all"
[consumers.launch_templates.refresh]
min_healthy_percentage = 50
instance_warmup_seconds = 0

[[consumers]]
name = "workloads"
organizational_units = ["ou-ab12-workload"]
role_name = "GoldRollout"
wave = 2
[[consumers.launch_templates]]
tag = { key = "gold:follow", value = "sample" }
"#;

fn strs(list: &[String]) -> Vec<&str> {
    list.iter().map(String::as_str).collect()
}

fn accounts(prefix: &str, n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("{prefix}{i:02}")).collect()
}

#[test]
#[expect(
    clippy::too_many_lines,
    reason = "one scenario: discover, roll out, change the organization, roll out again"
)]
fn consumers_from_nested_ous_follow_tagged_templates_and_the_organization_as_it_changes() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = accounts("7000000002", 5);
    let direct = accounts("7000000001", 8);
    let prod = accounts("7000000003", 8);
    let payments = accounts("7000000004", 6);
    let security = accounts("7000000005", 2);
    let suspended = prod[7].clone();
    let no_role = payments[5].clone();
    let layout: Vec<(&str, Vec<&str>)> = vec![
        ("Workloads/Sandbox", strs(&sandbox)),
        ("Workloads", strs(&direct)),
        ("Workloads/Prod", strs(&prod)),
        ("Workloads/Prod/Payments", strs(&payments)),
        ("Security", strs(&security)),
    ];
    let layout: Vec<(&str, &[&str])> = layout.iter().map(|(ou, a)| (*ou, a.as_slice())).collect();
    let seed = org_seed(dir.path(), &layout, &[suspended.as_str()]);
    let cloud = Localcloud::start_with(Some(&seed));
    let rt = runtime();
    let first = build(&cloud, &rt, 1);
    let selected: Vec<&String> = sandbox
        .iter()
        .chain(&direct)
        .chain(&prod)
        .chain(&payments)
        .filter(|a| **a != suspended)
        .collect();
    let everyone: Vec<&String> = selected.iter().copied().chain(&security).collect();
    rt.block_on(async {
        futures::future::join_all(everyone.iter().map(|account| async {
            tagged_template(&cloud, account, "app", &first, true).await;
            tagged_template(&cloud, account, "untagged", &first, false).await;
            if **account != no_role {
                trusted_role(&cloud, account, "GoldRollout").await;
            }
        }))
        .await;
        trusted_role(&cloud, MANAGEMENT, "GoldOrgReader").await;
    });
    // A second tagged template with a group in one sandbox account, and a group on an
    // untagged template: only the first is refreshed ("all" groups of tagged templates).
    let (web_template, other_template) = rt.block_on(async {
        let web = tagged_template(&cloud, &sandbox[0], "web", &first, true).await;
        group(&cloud, &sandbox[0], "web-asg", &web).await;
        let other = common::template_id(&sdk(&cloud, &sandbox[0]).await, "untagged").await;
        group(&cloud, &sandbox[0], "untagged-asg", &other).await;
        (web, other)
    });
    assert_ne!(web_template, other_template);
    let second = build(&cloud, &rt, 2);
    let project = project(ORG_CONSUMERS);
    cloud.configure(json!({ "enforce_iam": true }));

    cloud.reset_requests();
    let plan = cloud
        .gold(project.path())
        .args(["--output", "json", "plan"])
        .output()
        .unwrap();
    // The account whose role is missing is skipped (one of 26 found, within the default 10%):
    // listed with why, warned about, not an error.
    assert_eq!(plan.status.code(), Some(0), "{}", stderr(&plan));
    assert!(
        stderr(&plan).contains(&format!("account {no_role} (a{no_role}) is skipped")),
        "{}",
        stderr(&plan)
    );
    let document: serde_json::Value = serde_json::from_slice(&plan.stdout).expect("plan JSON");
    common::assert_shape(&document, "document.plan");
    let found = &document["discovered"];
    assert_eq!(found[0]["consumer"], "sandbox");
    assert_eq!(found[0]["accounts"], 5, "{found}");
    assert_eq!(found[0]["targets"], 6, "{found}");
    assert_eq!(found[1]["consumer"], "workloads");
    // 8 + 8 + 6 accounts under Workloads outside Sandbox, less the suspended one and the one
    // whose role is missing.
    assert_eq!(found[1]["accounts"], 20, "{found}");
    assert_eq!(found[1]["targets"], 20, "{found}");
    let skipped: Vec<(String, String, bool)> = found[1]["skipped"]
        .as_array()
        .expect("skipped")
        .iter()
        .map(|s| {
            (
                s["account"].as_str().unwrap().to_owned(),
                s["why"].as_str().unwrap().to_owned(),
                s["failed"] == true,
            )
        })
        .collect();
    assert_eq!(
        skipped,
        vec![
            (suspended.clone(), "inactive".to_owned(), false),
            (no_role.clone(), "unreachable".to_owned(), false)
        ]
    );
    assert_eq!(document["problems"].as_array().map(Vec::len), Some(0));
    let log = cloud.requests();
    // Five OUs walked (Sandbox twice: as its own consumer's and inside Workloads), two calls
    // each, every answer one page of at most 20.
    let organizations = log
        .iter()
        .filter(|r| r["service"] == "organizations")
        .count();
    assert_eq!(
        organizations,
        10,
        "{:?}",
        calls(&log, "organizations", "ListAccountsForParent")
    );
    let mut searched = calls(&log, "ec2", "DescribeLaunchTemplates");
    searched.sort();
    let mut expected: Vec<String> = selected
        .iter()
        .filter(|a| ***a != no_role)
        .map(|a| (*a).clone())
        .collect();
    expected.sort();
    assert_eq!(
        searched, expected,
        "one tag-filtered search per account and region"
    );

    let text = cloud.gold(project.path()).args(["plan"]).output().unwrap();
    let human = stdout(&text);
    assert!(
        human.contains(
            "Consumer workloads (wave 2): 20 accounts found in the organization, 20 targets; 2 accounts skipped:\n"
        ) && human.contains(&format!("  {suspended} (a{suspended}): the account is SUSPENDED\n")),
        "{human}"
    );

    let rollout = cloud
        .gold(project.path())
        .args(["rollout", "--yes"])
        .output()
        .unwrap();
    assert_eq!(rollout.status.code(), Some(0), "{}", stderr(&rollout));
    assert!(
        stdout(&rollout).contains(&format!(
            "skipped     wave 2 tag:gold:follow=sample ({no_role}/ap-northeast-1): gold cannot assume"
        )),
        "{}",
        stdout(&rollout)
    );
    cloud.configure(json!({ "enforce_iam": false }));
    for account in &selected {
        let expected = if **account == no_role {
            &first
        } else {
            &second
        };
        assert_eq!(
            &rt.block_on(default_image(&cloud, account, "app")),
            expected,
            "{account}"
        );
        assert_eq!(
            rt.block_on(default_image(&cloud, account, "untagged")),
            first
        );
    }
    for account in &security {
        assert_eq!(rt.block_on(default_image(&cloud, account, "app")), first);
    }
    assert_eq!(
        rt.block_on(default_image(&cloud, &sandbox[0], "web")),
        second
    );
    let refreshed = rt.block_on(async {
        aws_sdk_autoscaling::Client::new(&sdk(&cloud, &sandbox[0]).await)
            .describe_instance_refreshes()
            .auto_scaling_group_name("untagged-asg")
            .send()
            .await
            .expect("DescribeInstanceRefreshes")
            .instance_refreshes()
            .len()
    });
    assert_eq!(
        refreshed, 0,
        "a group of an untagged template was refreshed"
    );
    let log = cloud.requests();
    assert!(
        log.iter()
            .any(|r| r["action"] == "StartInstanceRefresh" && r["account"] == sandbox[0].as_str()),
        "the group of the tagged template was not refreshed"
    );

    // The organization changes: a new account joins Sandbox, a Workloads account moves to
    // Security, the missing role is created. No manifest edit.
    let (joined, moved) = rt.block_on(async {
        let organizations = aws_sdk_organizations::Client::new(&sdk(&cloud, MANAGEMENT).await);
        let request = organizations
            .create_account()
            .email("new@example.com")
            .account_name("New")
            .send()
            .await
            .expect("CreateAccount")
            .create_account_status
            .and_then(|s| s.id)
            .expect("a request id");
        let joined = organizations
            .describe_create_account_status()
            .create_account_request_id(request)
            .send()
            .await
            .expect("DescribeCreateAccountStatus")
            .create_account_status
            .and_then(|s| s.account_id)
            .expect("an account id");
        let root = organizations
            .list_roots()
            .send()
            .await
            .expect("ListRoots")
            .roots()[0]
            .id()
            .expect("a root id")
            .to_owned();
        organizations
            .move_account()
            .account_id(&joined)
            .source_parent_id(root)
            .destination_parent_id("ou-ab12-sandbox1")
            .send()
            .await
            .expect("MoveAccount into Sandbox");
        let moved = direct[0].clone();
        organizations
            .move_account()
            .account_id(&moved)
            .source_parent_id("ou-ab12-workload")
            .destination_parent_id("ou-ab12-security")
            .send()
            .await
            .expect("MoveAccount out of Workloads");
        tagged_template(&cloud, &joined, "app", &first, true).await;
        trusted_role(&cloud, &joined, "GoldRollout").await;
        trusted_role(&cloud, &no_role, "GoldRollout").await;
        (joined, moved)
    });
    let third = build(&cloud, &rt, 3);
    cloud.configure(json!({ "enforce_iam": true }));
    cloud.reset_requests();
    cloud.ok(project.path(), &["rollout", "--yes"]);
    let log = cloud.requests();
    assert!(
        log.iter().all(|r| r["account"] != moved.as_str()),
        "an account moved out of the OU was touched"
    );
    cloud.configure(json!({ "enforce_iam": false }));
    assert_eq!(rt.block_on(default_image(&cloud, &joined, "app")), third);
    assert_eq!(rt.block_on(default_image(&cloud, &no_role, "app")), third);
    assert_eq!(rt.block_on(default_image(&cloud, &moved, "app")), second);
    assert_eq!(
        rt.block_on(default_image(&cloud, &sandbox[1], "app")),
        third
    );
}

#[test]
fn discovering_two_hundred_accounts_costs_a_page_per_twenty_accounts_and_one_search_each() {
    let dir = tempfile::tempdir().unwrap();
    let many: Vec<String> = (0..200).map(|i| format!("7100000{i:05}")).collect();
    let (top, nested) = many.split_at(120);
    let (top, nested) = (strs(top), strs(nested));
    let seed = org_seed(
        dir.path(),
        &[("Workloads", &top), ("Workloads/Prod/Payments", &nested)],
        &[],
    );
    let cloud = Localcloud::start_with(Some(&seed));
    // Organizations answers only its management account (or a delegated administrator).
    runtime().block_on(trusted_role(&cloud, MANAGEMENT, "GoldOrgReader"));
    let project = project(
        r#"
[organization]
role_arn = "arn:aws:iam::000000000000:role/GoldOrgReader"

[[consumers]]
name = "everyone"
organizational_units = ["ou-ab12-workload"]
role_name = "OrganizationAccountAccessRole"
[[consumers.launch_templates]]
tag = { key = "gold:follow", value = "sample" }
"#,
    );
    cloud.reset_requests();
    let plan = cloud
        .gold(project.path())
        .args(["--output", "json", "plan"])
        .output()
        .unwrap();
    let document: serde_json::Value = serde_json::from_slice(&plan.stdout).expect("plan JSON");
    assert!(plan.status.success(), "{document}\n{}", stderr(&plan));
    assert_eq!(document["discovered"][0]["accounts"], 200);
    let log = cloud.requests();
    // Pages of 20: 200 accounts are 10 pages, plus at most one more page of accounts and one
    // of child OUs for each of the four OUs walked (Workloads, Sandbox, Prod, Payments).
    let organizations = log
        .iter()
        .filter(|r| r["service"] == "organizations")
        .count();
    assert!(
        (10..=10 + 2 * 4).contains(&organizations),
        "{organizations} Organizations calls"
    );
    let searched = calls(&log, "ec2", "DescribeLaunchTemplates");
    assert_eq!(searched.len(), 200);
    let distinct: std::collections::BTreeSet<&String> = searched.iter().collect();
    assert_eq!(distinct.len(), 200);
}

/// An Auto Scaling group of `size` instances launching `version` of `template_id`.
async fn group_of(
    cloud: &Localcloud,
    account: &str,
    name: &str,
    template_id: &str,
    version: &str,
    size: i32,
) {
    aws_sdk_autoscaling::Client::new(&sdk(cloud, account).await)
        .create_auto_scaling_group()
        .auto_scaling_group_name(name)
        .launch_template(
            LaunchTemplateSpecification::builder()
                .launch_template_id(template_id)
                .version(version)
                .build(),
        )
        .min_size(0)
        .max_size(size * 2)
        .desired_capacity(size)
        .availability_zones(format!("{REGION}a"))
        .send()
        .await
        .expect("CreateAutoScalingGroup");
}

/// The version a group names, and what each instance was launched from and runs:
/// (launch template version, AMI), sorted.
async fn instances_of(
    cloud: &Localcloud,
    account: &str,
    name: &str,
) -> (String, Vec<(String, String)>) {
    let config = sdk(cloud, account).await;
    let groups = aws_sdk_autoscaling::Client::new(&config)
        .describe_auto_scaling_groups()
        .auto_scaling_group_names(name)
        .send()
        .await
        .expect("DescribeAutoScalingGroups");
    let group = &groups.auto_scaling_groups()[0];
    let named = group
        .launch_template()
        .and_then(|t| t.version())
        .unwrap_or_default()
        .to_owned();
    let mut instances = Vec::new();
    for instance in group.instances() {
        let id = instance.instance_id().expect("an instance id");
        let image = aws_sdk_ec2::Client::new(&config)
            .describe_instances()
            .instance_ids(id)
            .send()
            .await
            .expect("DescribeInstances")
            .reservations()[0]
            .instances()[0]
            .image_id()
            .unwrap_or_default()
            .to_owned();
        let version = instance
            .launch_template()
            .and_then(|t| t.version())
            .unwrap_or_default()
            .to_owned();
        instances.push((version, image));
    }
    instances.sort();
    (named, instances)
}

/// The group's newest instance refresh: (status, percentage complete, instances to update).
async fn newest_refresh(
    cloud: &Localcloud,
    account: &str,
    group: &str,
) -> Option<(String, i32, i32)> {
    let refreshes = aws_sdk_autoscaling::Client::new(&sdk(cloud, account).await)
        .describe_instance_refreshes()
        .auto_scaling_group_name(group)
        .send()
        .await
        .expect("DescribeInstanceRefreshes");
    refreshes.instance_refreshes().first().map(|r| {
        (
            r.status()
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default(),
            r.percentage_complete().unwrap_or_default(),
            r.instances_to_update().unwrap_or_default(),
        )
    })
}

/// Creates `CloudWatch` alarm `name` in `account` (`state` = `create`) or sets its state, with
/// boto3 from localcloud's venv (a client we did not write; gold has no `CloudWatch` adapter).
fn alarm(cloud: &Localcloud, account: &str, name: &str, state: &str) {
    const SCRIPT: &str = r#"
import sys, boto3
account, name, state = sys.argv[1:4]
creds = boto3.client("sts").assume_role(
    RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole", RoleSessionName="test"
)["Credentials"]
cloudwatch = boto3.client(
    "cloudwatch",
    aws_access_key_id=creds["AccessKeyId"],
    aws_secret_access_key=creds["SecretAccessKey"],
    aws_session_token=creds["SessionToken"],
)
if state == "create":
    cloudwatch.put_metric_alarm(
        AlarmName=name, MetricName="HTTPCode_Target_5XX_Count", Namespace="AWS/ApplicationELB",
        Statistic="Sum", Period=60, EvaluationPeriods=1, Threshold=1.0,
        ComparisonOperator="GreaterThanThreshold",
    )
else:
    cloudwatch.set_alarm_state(AlarmName=name, StateValue=state, StateReason="gold test")
"#;
    let status =
        std::process::Command::new(common::repo().join("tests/localcloud/.venv/bin/python"))
            .args(["-c", SCRIPT, account, name, state])
            .envs(cloud.env())
            // botocore reads the region from AWS_DEFAULT_REGION, not AWS_REGION.
            .env("AWS_DEFAULT_REGION", REGION)
            .status()
            .expect("the venv's python runs");
    assert!(status.success(), "alarm {name} {state} in {account}");
}

/// A consumer with one template, its groups and a refresh table of its own.
/// Everything `pipe` says, as it says it, and the thread reading it to its end.
fn read_on(
    mut pipe: impl std::io::Read + Send + 'static,
) -> (
    std::sync::Arc<std::sync::Mutex<String>>,
    std::thread::JoinHandle<()>,
) {
    let text = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let into = std::sync::Arc::clone(&text);
    let reader = std::thread::spawn(move || {
        let mut chunk = [0_u8; 4096];
        while let Ok(n @ 1..) = pipe.read(&mut chunk) {
            if let Ok(mut text) = into.lock() {
                text.push_str(&String::from_utf8_lossy(&chunk[..n]));
            }
        }
    });
    (text, reader)
}

/// `gold ARGS…` in `dir` as a child process of its own, for a test that signals it.
fn spawn_gold(cloud: &Localcloud, dir: &Path, args: &[&str]) -> std::process::Child {
    std::process::Command::new(assert_cmd::cargo::cargo_bin("gold"))
        .current_dir(dir)
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(cloud.env())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("gold starts")
}

#[test]
#[expect(
    clippy::too_many_lines,
    reason = "one localcloud for the whole story: batches, checkpoint, alarm, auto rollback, status"
)]
fn refreshes_run_in_batches_pause_at_checkpoints_fail_on_alarms_and_roll_back() {
    let dir = tempfile::tempdir().unwrap();
    let (batches, rolls_back, alarmed, later) = (
        "444455550011",
        "444455550012",
        "444455550013",
        "444455550014",
    );
    let all = [batches, rolls_back, alarmed, later];
    let seed = seed(dir.path(), &all.map(|a| (a, true)));
    let cloud = Localcloud::start_with(Some(&seed));
    let rt = runtime();
    let first = build(&cloud, &rt, 1);
    for account in all {
        let id = rt.block_on(template(&cloud, account, "app", &first));
        // AutoRollback needs a group on a numbered version (AWS refuses it on `$Default`).
        let version = if account == rolls_back {
            "1"
        } else {
            "$Default"
        };
        rt.block_on(group_of(
            &cloud,
            account,
            &format!("web-{account}"),
            &id,
            version,
            4,
        ));
    }
    alarm(&cloud, alarmed, "web-5xx", "create");
    let second = build(&cloud, &rt, 2);
    let quick = "min_healthy_percentage = 50\ninstance_warmup_seconds = 0";
    let consumers = [
        consumer_with("batches", batches, 1, "app", &["web-444455550011"], quick),
        consumer_with(
            "rolls-back",
            rolls_back,
            1,
            "app",
            &["web-444455550012"],
            &format!("{quick}\nauto_rollback = true"),
        ),
        consumer_with("alarmed", alarmed, 1, "app",
            &["web-444455550013"],
            &format!(
                "{quick}\ncheckpoint_percentages = [50, 100]\ncheckpoint_delay_seconds = 3600\nalarms = [\"web-5xx\"]"
            ),
        ),
        consumer_with("later", later, 2, "app", &["web-444455550014"], quick),
    ]
    .concat();
    let project = project(&consumers);

    // One AWS minute lasts a second: an instance comes InService in one, a checkpoint waits an hour (a minute).
    cloud.configure(json!({
        "refresh_seconds": 1,
        "fail_instance_refresh": ["web-444455550012"],
    }));
    cloud.reset_requests();
    let mut child = spawn_gold(&cloud, project.path(), &["rollout", "--yes"]);
    let (stderr_lines, reader) = read_on(child.stderr.take().expect("stderr piped"));
    wait_for("the alarmed group paused at its 50% checkpoint", || {
        rt.block_on(newest_refresh(&cloud, alarmed, "web-444455550013"))
            .is_some_and(|(status, percentage, _)| status == "InProgress" && percentage == 50)
    });
    // The alarm goes off only once gold has said so: its polls slow down while nothing moves.
    wait_for("gold reporting the checkpoint", || {
        std::thread::sleep(std::time::Duration::from_millis(100));
        stderr_lines
            .lock()
            .is_ok_and(|text| text.contains("checkpoint 50% reached"))
    });
    // Paused: half the instances run the new version, the others still the old one.
    let (_, paused) = rt.block_on(instances_of(&cloud, alarmed, "web-444455550013"));
    let on_new = paused.iter().filter(|(_, image)| image == &second).count();
    assert_eq!(on_new, 2, "{paused:?}");
    alarm(&cloud, alarmed, "web-5xx", "ALARM");
    let output = child.wait_with_output().expect("gold ends");
    let out = stdout(&output);
    reader.join().expect("stderr read to its end");
    let err = stderr_lines.lock().expect("stderr read").clone();
    assert_eq!(output.status.code(), Some(1), "{out}\n{err}");

    // Two instances at a time: AWS's InstancesToUpdate went 4 -> 2 -> 0 and its percentage
    // 0 -> 50 -> 100, never a quarter.
    let progress: Vec<&str> = err
        .lines()
        .filter(|line| line.contains("refresh of `web-444455550011`"))
        .collect();
    assert!(progress.iter().any(|l| l.contains(", 2 to go")), "{err}");
    assert!(progress.iter().any(|l| l.contains(" 50%")), "{err}");
    assert!(
        !progress
            .iter()
            .any(|l| [" 1 to go", " 3 to go", " 25%", " 75%"]
                .iter()
                .any(|quarter| l.contains(quarter))),
        "{err}"
    );
    assert!(err.contains("checkpoint 50% reached"), "{err}");
    let (named, replaced) = rt.block_on(instances_of(&cloud, batches, "web-444455550011"));
    assert_eq!(named, "$Default");
    assert_eq!(replaced, vec![("2".to_owned(), second.clone()); 4]);

    // AutoRollback: AWS's reason, the group and its instances back, and the template's default too.
    assert!(
        out.contains("`web-444455550012` ended RollbackSuccessful")
            && out.contains("failed its health checks")
            && out.contains("AWS rolled the group back")
            && out.contains("the template's default moved back to version 1"),
        "{out}"
    );
    let (named, instances) = rt.block_on(instances_of(&cloud, rolls_back, "web-444455550012"));
    assert_eq!(named, "1");
    assert_eq!(instances, vec![("1".to_owned(), first.clone()); 4]);
    assert_eq!(rt.block_on(default_version(&cloud, rolls_back, "app")).0, 1);

    // The alarm failed the paused refresh; nothing rolled it back, but the default went back.
    assert!(
        out.contains("`web-444455550013` ended Failed")
            && out.contains("web-5xx")
            && out.contains("not rolled back"),
        "{out}"
    );
    assert_eq!(rt.block_on(default_version(&cloud, alarmed, "app")).0, 1);

    // Wave 2 never started.
    assert!(writes_in(&cloud, later).is_empty(), "wave 2 was touched");
    assert_eq!(rt.block_on(default_version(&cloud, later, "app")).1, first);

    let status = cloud.ok(project.path(), &["status", "--output", "json"]);
    let status: serde_json::Value = serde_json::from_slice(&status.stdout).expect("status JSON");
    common::assert_shape(&status, "document.status");
    let counts = |account: &str| {
        status["targets"]
            .as_array()
            .expect("rows")
            .iter()
            .find(|row| row["target"]["account"] == account)
            .map(|row| row["instances"].clone())
            .expect("a row")
    };
    assert_eq!(
        counts(batches),
        json!({ "new": 4, "previous": 0, "older": 0, "total": 4, "moved_not_replaced": false })
    );
    // Rolled back and not started: every instance on the build before the new one.
    for account in [rolls_back, later] {
        assert_eq!(
            counts(account),
            json!({ "new": 0, "previous": 4, "older": 0, "total": 4, "moved_not_replaced": false }),
            "{account}"
        );
    }
    // The alarm stopped the refresh at its checkpoint: half replaced, and the template back.
    assert_eq!(
        counts(alarmed),
        json!({ "new": 2, "previous": 2, "older": 0, "total": 4, "moved_not_replaced": false })
    );
    let text = cloud
        .gold(project.path())
        .args(["status"])
        .output()
        .unwrap();
    assert!(stdout(&text).contains("4/4 new"), "{}", stdout(&text));
}

#[test]
fn ctrl_c_lets_targets_in_flight_finish_and_a_rerun_makes_one_version_per_template() {
    let dir = tempfile::tempdir().unwrap();
    let accounts: Vec<String> = (0..12).map(|i| format!("6000000000{i:02}")).collect();
    let Fleet {
        cloud,
        rt,
        second,
        templates: ids,
        project,
        ..
    } = fleet(dir.path(), &accounts);

    cloud.configure(json!({ "latency_ms": 300 }));
    cloud.reset_requests();
    let child = spawn_gold(
        &cloud,
        project.path(),
        &["rollout", "--yes", "--parallelism", "3"],
    );
    wait_for("a first template version being made", || {
        cloud
            .requests()
            .iter()
            .any(|r| r["action"] == "CreateLaunchTemplateVersion")
    });
    let interrupted = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(interrupted.success());
    let output = child.wait_with_output().expect("gold ends");
    let (out, err) = (stdout(&output), stderr(&output));
    assert_eq!(output.status.code(), Some(130), "{out}\n{err}");
    assert!(out.contains("(Ctrl-C came before they started"), "{out}");
    assert!(err.contains("finishes its current step"), "{err}");
    cloud.configure(json!({ "latency_ms": 0 }));

    // Each target in flight finished its step: a version it made is the default.
    let mut untouched = Vec::new();
    for account in &accounts {
        let latest = rt.block_on(latest_version(&cloud, account, "app"));
        let (default, _, _, _) = rt.block_on(default_version(&cloud, account, "app"));
        assert_eq!(
            default, latest,
            "{account}: a version made but not the default"
        );
        if latest == 1 {
            untouched.push(account.clone());
        }
    }
    assert!(
        !untouched.is_empty(),
        "Ctrl-C stopped nothing from starting: {out}"
    );

    // A run killed outright (no chance to finish its step) leaves a version that is not the default.
    let killed = &untouched[0];
    let killed_index = accounts.iter().position(|a| a == killed).expect("listed");
    rt.block_on(async {
        aws_sdk_ec2::Client::new(&sdk(&cloud, killed).await)
            .create_launch_template_version()
            .launch_template_id(&ids[killed_index])
            .source_version("1")
            .version_description(format!(
                "gold: sample_v2_2022-08-11T09-01-50.490Z ({second}) after v1"
            ))
            .launch_template_data(
                RequestLaunchTemplateData::builder()
                    .image_id(&second)
                    .build(),
            )
            .send()
            .await
            .expect("CreateLaunchTemplateVersion");
    });

    cloud.reset_requests();
    cloud.ok(project.path(), &["rollout", "--yes"]);
    for account in &accounts {
        let (default, image, _, _) = rt.block_on(default_version(&cloud, account, "app"));
        assert_eq!((default, image.as_str()), (2, second.as_str()), "{account}");
        assert_eq!(
            rt.block_on(latest_version(&cloud, account, "app")),
            2,
            "{account}"
        );
    }
    assert_eq!(
        writes_in(&cloud, killed),
        vec!["ModifyLaunchTemplate".to_owned()]
    );
}

/// Parameter Store never changes a parameter's data type to or from `aws:ec2:image`, and
/// Terraform's `aws_ssm_parameter` makes `text` ones: a parameter the team made first keeps
/// working with its own data type; one gold cannot write an AMI id into is refused before
/// anything changes, naming its type and the fix.
#[test]
fn a_parameter_the_team_made_as_text_keeps_its_data_type_and_a_string_list_is_refused() {
    const NAME: &str = "/gold/sample/ami";
    let cloud = Localcloud::start();
    let rt = runtime();
    let first = published(&cloud, &rt, "sample_v4_2022-08-10T09-01-50.490Z");
    let second = published(&cloud, &rt, "sample_v5_2022-08-11T09-01-50.490Z");
    rt.block_on(async {
        let ssm = aws_sdk_ssm::Client::new(&sdk(&cloud, WORKLOAD).await);
        ssm.put_parameter()
            .name(NAME)
            .value(&first)
            .r#type(aws_sdk_ssm::types::ParameterType::String)
            .send()
            .await
            .expect("PutParameter, as Terraform's default data type");
        ssm.put_parameter()
            .name("/team/list")
            .value("a,b")
            .r#type(aws_sdk_ssm::types::ParameterType::StringList)
            .send()
            .await
            .expect("PutParameter");
    });
    let parameters = |name: &str| {
        format!(
            "\n[[consumers]]\nname = \"workload\"\naccount = \"{WORKLOAD}\"\nrole_arn = \"arn:aws:iam::{WORKLOAD}:role/OrganizationAccountAccessRole\"\n[[consumers.parameters]]\nname = \"{name}\"\n"
        )
    };
    let dir = project(&parameters(NAME));
    cloud.ok(dir.path(), &["rollout", "--yes"]);
    assert_eq!(
        rt.block_on(async {
            common::parameter(&sdk(&cloud, WORKLOAD).await, NAME)
                .await
                .expect("the parameter")
        }),
        (second, "text".to_owned(), 2)
    );

    let list = project(&parameters("/team/list"));
    cloud.reset_requests();
    let refused = cloud
        .gold(list.path())
        .args(["rollout", "--yes"])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(1));
    let said = format!("{}{}", stdout(&refused), stderr(&refused));
    assert!(
        said.contains("SSM parameter /team/list is a StringList")
            && said.contains("give the manifest another parameter name, or delete this parameter"),
        "{said}"
    );
    assert!(writes_in(&cloud, WORKLOAD).is_empty());
}

#[test]
fn ctrl_c_at_the_prompt_exits_130_at_once_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let account = "444455550021";
    let cloud = members(dir.path(), &[account.to_owned()]);
    let rt = runtime();
    let first = build(&cloud, &rt, 1);
    rt.block_on(template(&cloud, account, "app", &first));
    build(&cloud, &rt, 2);
    let project = project(&consumer("workload", account, 1, "app", &[]));

    cloud.reset_requests();
    let terminal = cloud.gold_in_terminal(project.path(), &["rollout"], 40, 200);
    terminal.wait_for("Roll out 1 target(s)? [y/N]");
    terminal.interrupt();
    let (code, screen) = terminal.finish();

    assert_eq!(code, Some(130), "{screen}");
    assert!(
        screen.ends_with(
            "Roll out 1 target(s)? [y/N]\nerror: interrupted\nhint: nothing was changed"
        ),
        "{screen}"
    );
    assert_eq!(writes_in(&cloud, account), Vec::<String>::new());
    assert_eq!(
        rt.block_on(default_version(&cloud, account, "app")).1,
        first
    );
}

/// The JSON lines `text` holds so far (the last may still be incomplete), parsed.
fn events(text: &str) -> Vec<serde_json::Value> {
    text.lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect()
}

/// The accounts of the targets whose `target_finished` is among `events`, in order.
fn finished_accounts(events: &[serde_json::Value]) -> Vec<String> {
    events
        .iter()
        .filter(|e| e["event"] == "target_finished")
        .filter_map(|e| e["target"]["account"].as_str().map(str::to_owned))
        .collect()
}

#[test]
fn the_quick_targets_of_a_wave_finish_while_a_slow_refresh_still_runs() {
    let dir = tempfile::tempdir().unwrap();
    let slow = "444455550031";
    let quick: Vec<String> = (0..8).map(|i| format!("4444555501{i:02}")).collect();
    let all: Vec<&str> = std::iter::once(slow)
        .chain(quick.iter().map(String::as_str))
        .collect();
    let seed = seed(
        dir.path(),
        &all.iter().map(|a| (*a, true)).collect::<Vec<_>>(),
    );
    let cloud = Localcloud::start_with(Some(&seed));
    let rt = runtime();
    let first = build(&cloud, &rt, 1);
    for account in &all {
        let id = rt.block_on(template(&cloud, account, "app", &first));
        if *account == slow {
            rt.block_on(group_of(&cloud, slow, "web-slow", &id, "$Default", 1));
        }
    }
    build(&cloud, &rt, 2);
    // The slow target comes first in the plan, so it takes a slot before any quick one.
    let consumers: String = std::iter::once(consumer("slow", slow, 1, "app", &["web-slow"]))
        .chain(
            quick
                .iter()
                .enumerate()
                .map(|(i, account)| consumer(&format!("quick{i}"), account, 1, "app", &[])),
        )
        .collect();
    let project = project(&consumers);

    cloud.configure(json!({ "refresh_seconds": 1, "hold_instance_refresh": ["web-slow"] }));
    let mut child = spawn_gold(
        &cloud,
        project.path(),
        &["--output", "json", "rollout", "--yes", "--parallelism", "2"],
    );
    let (out, reader) = read_on(child.stdout.take().expect("stdout piped"));
    // Two slots, one held by the slow refresh: the eight quick targets go through the other.
    wait_for("every quick target finished", || {
        std::thread::sleep(std::time::Duration::from_millis(50));
        let text = out.lock().map(|t| t.clone()).unwrap_or_default();
        finished_accounts(&events(&text)).len() == quick.len()
    });
    let so_far = events(&out.lock().map(|t| t.clone()).unwrap_or_default());
    let mut finished = finished_accounts(&so_far);
    finished.sort();
    assert_eq!(
        finished, quick,
        "the slow target finished before its refresh did"
    );
    let (status, _, _) = rt
        .block_on(newest_refresh(&cloud, slow, "web-slow"))
        .expect("the slow group's refresh");
    assert!(
        ["Pending", "InProgress"].contains(&status.as_str()),
        "{status}"
    );

    cloud.configure(json!({ "hold_instance_refresh": [] }));
    let output = child.wait_with_output().expect("gold ends");
    reader.join().expect("stdout read to its end");
    let text = out.lock().map(|t| t.clone()).unwrap_or_default();
    assert!(output.status.success(), "{text}\n{}", stderr(&output));
    let lines = common::assert_stream_shape(text.as_bytes());
    let order = finished_accounts(&lines);
    assert_eq!(order.len(), all.len());
    assert_eq!(order.last().map(String::as_str), Some(slow), "{order:?}");
    let slow_end = lines
        .iter()
        .find(|e| e["event"] == "target_finished" && e["target"]["account"] == slow)
        .expect("the slow target's end");
    assert_eq!(slow_end["outcome"]["status"], "done", "{slow_end}");
    // The summary lists targets in plan order, whatever order they ended in.
    let summary = lines.last().expect("a summary");
    let listed: Vec<&str> = summary["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .filter_map(|t| t["account"].as_str())
        .collect();
    assert_eq!(listed, all);
}

#[test]
fn on_a_terminal_every_target_leaves_its_line_and_the_summary_agrees() {
    let dir = tempfile::tempdir().unwrap();
    let (refreshed, plain, later) = ("444455550041", "444455550042", "444455550043");
    let all = [refreshed, plain, later];
    let cloud = Localcloud::start_with(Some(&seed(dir.path(), &all.map(|a| (a, true)))));
    let rt = runtime();
    let first = build(&cloud, &rt, 1);
    for account in all {
        let id = rt.block_on(template(&cloud, account, "app", &first));
        if account == refreshed {
            rt.block_on(group_of(&cloud, account, "web", &id, "$Default", 2));
        }
    }
    let second = build(&cloud, &rt, 2);
    let project = project(
        &[
            consumer("web", refreshed, 1, "app", &["web"]),
            consumer("batch", plain, 1, "app", &[]),
            consumer("prod", later, 2, "app", &[]),
        ]
        .concat(),
    );

    cloud.configure(json!({ "refresh_seconds": 1 }));
    // One target at a time, so the lines come in plan order and the transcript is stable.
    let terminal = cloud.gold_in_terminal(
        project.path(),
        &["rollout", "--yes", "--parallelism", "1"],
        30,
        160,
    );
    let (code, screen) = terminal.finish();
    assert_eq!(code, Some(0), "{screen}");
    for account in all {
        assert_eq!(
            rt.block_on(default_version(&cloud, account, "app")).1,
            second
        );
    }
    insta::with_settings!({ filters => volatile() }, {
        insta::assert_snapshot!("rollout_on_a_terminal", screen);
    });
}

#[test]
#[expect(
    clippy::too_many_lines,
    reason = "one organization: rollout, plan, status, then the same with no account to spare"
)]
fn a_new_account_without_the_role_is_skipped_by_name_and_later_waves_still_run() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = accounts("7000000002", 3);
    let direct = accounts("7000000001", 4);
    let new = sandbox[2].clone();
    let seed = org_seed(
        dir.path(),
        &[
            ("Workloads/Sandbox", &strs(&sandbox)),
            ("Workloads", &strs(&direct)),
        ],
        &[],
    );
    let cloud = Localcloud::start_with(Some(&seed));
    let rt = runtime();
    let first = build(&cloud, &rt, 1);
    rt.block_on(async {
        for account in sandbox.iter().chain(&direct) {
            tagged_template(&cloud, account, "app", &first, true).await;
            // The StackSet has not reached the account just moved into Sandbox.
            if *account != new {
                trusted_role(&cloud, account, "GoldRollout").await;
            }
        }
        trusted_role(&cloud, MANAGEMENT, "GoldOrgReader").await;
    });
    let second = build(&cloud, &rt, 2);
    let project = project(ORG_CONSUMERS);
    cloud.configure(json!({ "enforce_iam": true }));

    let rollout = cloud
        .gold(project.path())
        .args(["rollout", "--yes"])
        .output()
        .unwrap();
    let (out, err) = (stdout(&rollout), stderr(&rollout));
    assert_eq!(rollout.status.code(), Some(0), "{out}\n{err}");
    assert!(
        out.contains(&format!(
            "skipped     wave 1 tag:gold:follow=sample ({new}/ap-northeast-1): gold cannot assume `arn:aws:iam::{new}:role/GoldRollout`"
        )),
        "{out}"
    );
    assert!(
        out.starts_with("Consumer sandbox (wave 1): 2 accounts found in the organization, 2 targets; 1 account skipped:\n")
            && out.contains("Summary: 6 done, 0 unchanged, 0 failed, 1 skipped, 0 not started."),
        "{out}"
    );
    assert!(
        err.contains(&format!(
            "warning: consumer sandbox: account {new} (a{new}) is skipped"
        )),
        "{err}"
    );
    cloud.configure(json!({ "enforce_iam": false }));
    // Wave 2 ran: the new account in wave 1 stopped nothing.
    for account in sandbox.iter().chain(&direct) {
        let expected = if *account == new { &first } else { &second };
        assert_eq!(
            &rt.block_on(default_image(&cloud, account, "app")),
            expected,
            "{account}"
        );
    }

    cloud.configure(json!({ "enforce_iam": true }));
    // `plan --detailed-exitcode` still means "changes": the skipped account is no error.
    let plan = cloud
        .gold(project.path())
        .args([
            "--output",
            "json",
            "plan",
            "--only",
            "consumers",
            "--detailed-exitcode",
        ])
        .output()
        .unwrap();
    assert_eq!(plan.status.code(), Some(0), "{}", stderr(&plan));
    let document: serde_json::Value = serde_json::from_slice(&plan.stdout).expect("plan JSON");
    common::assert_shape(&document, "document.plan");
    assert_eq!(
        document["discovered"][0]["skipped"],
        json!([{
            "account": new,
            "name": format!("a{new}"),
            "why": "unreachable",
            "reason": document["discovered"][0]["skipped"][0]["reason"],
            "failed": false
        }])
    );
    let status = cloud.ok(project.path(), &["status"]);
    assert!(
        stdout(&status).contains(&format!("  {new} (a{new}): gold cannot assume")),
        "{}",
        stdout(&status)
    );

    // With no account to spare, the unreachable one is an error again, with the way out.
    common::edit(
        &project.path().join("gold.toml"),
        "[organization]\n",
        "[organization]\nskip_unreachable_accounts = 0\n",
    );
    let strict = cloud
        .gold(project.path())
        .args(["plan", "--only", "consumers", "--detailed-exitcode"])
        .output()
        .unwrap();
    assert_eq!(strict.status.code(), Some(1), "{}", stdout(&strict));
    assert!(
        stdout(&strict)
            .contains("more than `organization.skip_unreachable_accounts = 0` allows (0 of 7)"),
        "{}",
        stdout(&strict)
    );
}

#[test]
fn a_tag_selector_that_matches_nothing_warns_and_fails_with_strict() {
    let dir = tempfile::tempdir().unwrap();
    let account = "444455550051";
    let cloud = members(dir.path(), &[account.to_owned()]);
    let rt = runtime();
    let first = build(&cloud, &rt, 1);
    rt.block_on(tagged_template(&cloud, account, "app", &first, true));
    build(&cloud, &rt, 2);
    let project = project(&format!(
        r#"
[[consumers]]
name = "workload"
account = "{account}"
role_arn = "arn:aws:iam::{account}:role/OrganizationAccountAccessRole"
[[consumers.launch_templates]]
tag = {{ key = "gold:folow", value = "sample" }}
"#
    ));

    let plan = cloud.ok(project.path(), &["plan"]);
    let warning = "warning: consumer workload: `tag gold:folow=sample` matched no launch template in 1 account and region; check the manifest for a typo";
    assert!(stderr(&plan).contains(warning), "{}", stderr(&plan));
    assert!(
        stdout(&plan).contains("Matched nothing (a typo? `--strict` makes this an error):\n  consumer workload (wave 1): `tag gold:folow=sample` matched no launch template in 1 account and region"),
        "{}",
        stdout(&plan)
    );

    let rollout = cloud.ok(project.path(), &["--output", "json", "rollout", "--yes"]);
    assert!(stderr(&rollout).contains(warning), "{}", stderr(&rollout));
    let lines = common::assert_stream_shape(&rollout.stdout);
    assert_eq!(
        lines[0]["unmatched"],
        json!([{ "consumer": "workload", "wave": 1, "selector": "tag gold:folow=sample", "places": 1 }])
    );

    cloud.reset_requests();
    let strict = cloud
        .gold(project.path())
        .args(["rollout", "--yes", "--strict"])
        .output()
        .unwrap();
    assert_eq!(strict.status.code(), Some(1), "{}", stderr(&strict));
    assert!(
        stderr(&strict).contains("error: 1 selector matched nothing"),
        "{}",
        stderr(&strict)
    );
    assert_eq!(writes_in(&cloud, account), Vec::<String>::new());
}

/// The image of version `version` (a number, `$Latest` or `$Default`) of template `name`.
#[test]
fn after_a_failed_refresh_a_group_on_latest_launches_the_previous_image_again() {
    let dir = tempfile::tempdir().unwrap();
    let account = "444455550061";
    let cloud = members(dir.path(), &[account.to_owned()]);
    let rt = runtime();
    let first = build(&cloud, &rt, 1);
    let id = rt.block_on(template(&cloud, account, "app", &first));
    rt.block_on(group_of(&cloud, account, "web", &id, "$Latest", 2));
    build(&cloud, &rt, 2);
    let project = project(&consumer("workload", account, 1, "app", &["web"]));

    cloud.configure(json!({ "refresh_seconds": 1, "fail_instance_refresh": ["web"] }));
    let failed = cloud
        .gold(project.path())
        .args(["rollout", "--yes"])
        .output()
        .unwrap();
    let out = stdout(&failed);
    assert_eq!(failed.status.code(), Some(1), "{out}");
    assert!(
        out.contains(&format!(
            "the template's default moved back to version 1, and version 3 (a copy of version 1) is now the newest, so `web` on `$Latest` launches {first} again"
        )),
        "{out}"
    );
    assert_eq!(rt.block_on(default_version(&cloud, account, "app")).0, 1);
    assert_eq!(rt.block_on(latest_version(&cloud, account, "app")), 3);
    assert_eq!(
        rt.block_on(async {
            common::template_image(&sdk(&cloud, account).await, "app", "$Latest").await
        }),
        first
    );
    // The group still names `$Latest`: what it launches next is the previous image.
    rt.block_on(async {
        aws_sdk_autoscaling::Client::new(&sdk(&cloud, account).await)
            .set_desired_capacity()
            .auto_scaling_group_name("web")
            .desired_capacity(3)
            .send()
            .await
            .expect("SetDesiredCapacity");
    });
    let (named, instances) = rt.block_on(instances_of(&cloud, account, "web"));
    assert_eq!(named, "$Latest");
    assert!(
        instances.contains(&("3".to_owned(), first.clone())),
        "{instances:?}"
    );
}

#[test]
fn a_group_whose_instances_already_run_the_image_is_not_refreshed() {
    let dir = tempfile::tempdir().unwrap();
    let (replaced, behind) = ("444455550071", "444455550072");
    let cloud =
        Localcloud::start_with(Some(&seed(dir.path(), &[(replaced, true), (behind, true)])));
    let rt = runtime();
    let first = build(&cloud, &rt, 1);
    let second = build(&cloud, &rt, 2);
    // Both templates launch the newest build already; one group's instances run it, the other
    // group's still run the build before (its template was moved by hand, never refreshed).
    let on_new = rt.block_on(template(&cloud, replaced, "app", &second));
    rt.block_on(group_of(&cloud, replaced, "web", &on_new, "$Default", 2));
    let on_old = rt.block_on(template(&cloud, behind, "app", &first));
    rt.block_on(group_of(&cloud, behind, "web", &on_old, "$Default", 2));
    rt.block_on(async {
        let ec2 = aws_sdk_ec2::Client::new(&sdk(&cloud, behind).await);
        ec2.create_launch_template_version()
            .launch_template_id(&on_old)
            .source_version("1")
            .launch_template_data(
                RequestLaunchTemplateData::builder()
                    .image_id(&second)
                    .build(),
            )
            .send()
            .await
            .expect("CreateLaunchTemplateVersion");
        ec2.modify_launch_template()
            .launch_template_id(&on_old)
            .default_version("2")
            .send()
            .await
            .expect("ModifyLaunchTemplate");
    });
    let project = project(
        &[
            consumer("replaced", replaced, 1, "app", &["web"]),
            consumer("behind", behind, 1, "app", &["web"]),
        ]
        .concat(),
    );

    cloud.configure(json!({ "refresh_seconds": 1 }));
    cloud.reset_requests();
    let rollout = cloud.ok(project.path(), &["--output", "json", "rollout", "--yes"]);
    let lines = common::assert_stream_shape(&rollout.stdout);
    let refreshes: Vec<&str> = lines[0]["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .filter_map(|c| c["resource"]["account"].as_str())
        .collect();
    assert_eq!(refreshes, [behind], "{}", lines[0]);
    let started = calls(&cloud.requests(), "autoscaling", "StartInstanceRefresh");
    assert_eq!(started, [behind]);
    let (_, instances) = rt.block_on(instances_of(&cloud, behind, "web"));
    assert!(
        instances.iter().all(|(_, image)| image == &second),
        "{instances:?}"
    );
}

#[test]
#[expect(
    clippy::too_many_lines,
    reason = "one group's story: someone else's refresh, gold's own, Ctrl-C, the re-run"
)]
fn a_refresh_gold_did_not_start_is_waited_for_and_one_it_started_is_reattached() {
    let dir = tempfile::tempdir().unwrap();
    let account = "444455550081";
    let cloud = members(dir.path(), &[account.to_owned()]);
    let rt = runtime();
    let first = build(&cloud, &rt, 1);
    let id = rt.block_on(template(&cloud, account, "app", &first));
    rt.block_on(group_of(&cloud, account, "web", &id, "$Default", 1));
    let second = build(&cloud, &rt, 2);
    let project = project(&consumer("workload", account, 1, "app", &["web"]));
    cloud.configure(json!({ "refresh_seconds": 1, "hold_instance_refresh": ["web"] }));
    // Someone refreshes the group by hand (onto the image it runs) before gold moves it.
    let theirs = rt.block_on(async {
        aws_sdk_autoscaling::Client::new(&sdk(&cloud, account).await)
            .start_instance_refresh()
            .auto_scaling_group_name("web")
            .send()
            .await
            .expect("StartInstanceRefresh")
            .instance_refresh_id
            .expect("a refresh id")
    });

    let mut child = spawn_gold(
        &cloud,
        project.path(),
        &["--output", "json", "rollout", "--yes"],
    );
    let (out, reader) = read_on(child.stdout.take().expect("stdout piped"));
    let seen = |kind: &str| {
        events(&out.lock().map(|t| t.clone()).unwrap_or_default())
            .into_iter()
            .find(|e| e["event"] == kind)
    };
    wait_for("gold waiting for the other refresh", || {
        std::thread::sleep(std::time::Duration::from_millis(50));
        seen("refresh_waiting").is_some()
    });
    assert_eq!(
        seen("refresh_waiting").expect("waiting")["refresh_id"],
        theirs.as_str()
    );
    assert!(
        seen("refresh_started").is_none(),
        "gold took the other refresh over"
    );
    // The other one ends; gold starts its own, which runs (held) until Ctrl-C.
    cloud.configure(json!({ "hold_instance_refresh": [] }));
    wait_for("gold starting its own refresh", || {
        std::thread::sleep(std::time::Duration::from_millis(50));
        seen("refresh_started").is_some()
    });
    cloud.configure(json!({ "hold_instance_refresh": ["web"] }));
    let ours = seen("refresh_started").expect("started")["refresh_id"]
        .as_str()
        .expect("an id")
        .to_owned();
    assert_ne!(ours, theirs);
    let sent = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(sent.success());
    let output = child.wait_with_output().expect("gold ends");
    reader.join().expect("stdout read to its end");
    assert_eq!(output.status.code(), Some(130), "{}", stderr(&output));

    // A re-run finds its own refresh still running: it re-attaches, starts none, and the
    // terminal says so.
    cloud.reset_requests();
    let mut rerun = spawn_gold(&cloud, project.path(), &["rollout", "--yes"]);
    let (err, err_reader) = read_on(rerun.stderr.take().expect("stderr piped"));
    wait_for("gold re-attaching", || {
        std::thread::sleep(std::time::Duration::from_millis(50));
        err.lock().is_ok_and(|text| {
            text.contains(&format!("re-attached to instance refresh {ours} of `web`"))
        })
    });
    cloud.configure(json!({ "hold_instance_refresh": [] }));
    let output = rerun.wait_with_output().expect("gold ends");
    err_reader.join().expect("stderr read to its end");
    let text = err.lock().map(|t| t.clone()).unwrap_or_default();
    assert!(output.status.success(), "{}\n{text}", stdout(&output));
    assert!(!text.contains("of `web` started"), "{text}");
    // Its one try to start another met AWS's `InstanceRefreshInProgress`.
    let starts: Vec<serde_json::Value> = cloud
        .requests()
        .into_iter()
        .filter(|r| r["action"] == "StartInstanceRefresh")
        .collect();
    assert!(starts.iter().all(|r| r["status"] != 200), "{starts:?}");
    let history = rt.block_on(async {
        aws_sdk_autoscaling::Client::new(&sdk(&cloud, account).await)
            .describe_instance_refreshes()
            .auto_scaling_group_name("web")
            .send()
            .await
            .expect("DescribeInstanceRefreshes")
            .instance_refreshes()
            .iter()
            .filter_map(|r| r.instance_refresh_id().map(str::to_owned))
            .collect::<Vec<_>>()
    });
    assert_eq!(history, [ours, theirs]);
    let (_, instances) = rt.block_on(instances_of(&cloud, account, "web"));
    assert!(
        instances.iter().all(|(_, image)| image == &second),
        "{instances:?}"
    );
}

#[test]
fn when_gold_cannot_read_a_refresh_the_default_stays_and_the_refresh_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let account = "444455550091";
    let cloud = members(dir.path(), &[account.to_owned()]);
    let rt = runtime();
    let first = build(&cloud, &rt, 1);
    let id = rt.block_on(template(&cloud, account, "app", &first));
    rt.block_on(group_of(&cloud, account, "web", &id, "$Default", 1));
    rt.block_on(trusted_role(&cloud, account, "GoldRollout"));
    build(&cloud, &rt, 2);
    let project = project(
        &consumer("workload", account, 1, "app", &["web"])
            .replace("role/OrganizationAccountAccessRole", "role/GoldRollout"),
    );
    cloud.configure(
        json!({ "refresh_seconds": 1, "hold_instance_refresh": ["web"], "enforce_iam": true }),
    );
    let mut child = spawn_gold(
        &cloud,
        project.path(),
        &["--output", "json", "rollout", "--yes"],
    );
    let (out, reader) = read_on(child.stdout.take().expect("stdout piped"));
    wait_for("gold watching its refresh", || {
        std::thread::sleep(std::time::Duration::from_millis(50));
        out.lock()
            .is_ok_and(|text| text.contains("\"refresh_started\""))
    });
    // The role loses the right to read refreshes while one runs.
    cloud.configure(json!({ "enforce_iam": false }));
    rt.block_on(async {
        let deny = json!({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Deny", "Action": "autoscaling:DescribeInstanceRefreshes", "Resource": "*"}]
        });
        aws_sdk_iam::Client::new(&sdk(&cloud, account).await)
            .put_role_policy()
            .role_name("GoldRollout")
            .policy_name("no-refresh-reads")
            .policy_document(deny.to_string())
            .send()
            .await
            .expect("PutRolePolicy");
    });
    cloud.configure(json!({ "enforce_iam": true }));
    let output = child.wait_with_output().expect("gold ends");
    reader.join().expect("stdout read to its end");
    let text = out.lock().map(|t| t.clone()).unwrap_or_default();
    assert_eq!(output.status.code(), Some(1), "{text}");
    let summary = events(&text).pop().expect("a summary");
    let error = summary["targets"][0]["outcome"]["error"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        error.contains("gold lost sight of instance refresh")
            && error.contains("AccessDenied")
            && error.ends_with("the template's default stays version 2 (its outcome is unknown)"),
        "{error}"
    );
    cloud.configure(json!({ "enforce_iam": false, "hold_instance_refresh": [] }));
    // Nothing moved back: the refresh goes on in AWS with the version gold made.
    assert_eq!(rt.block_on(default_version(&cloud, account, "app")).0, 2);
    let (status, _, _) = rt
        .block_on(newest_refresh(&cloud, account, "web"))
        .expect("the refresh");
    assert_ne!(status, "Cancelled");
}
