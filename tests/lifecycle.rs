//! `gold retire` and `gold prune` end to end: the real binary against one localcloud, three real
//! builds distributed to two regions, consumer templates and an instance in two member
//! accounts; every result checked through the SDK.

mod common;

use std::path::Path;
use std::time::{Duration, SystemTime};

use aws_sdk_ec2::types::AllowedImagesSettingsEnabledState;
use common::{Localcloud, PRODUCER, build_ami, runtime};
use serde_json::{Value, json};
use tokio::runtime::Runtime;

const WORKLOAD: &str = "444455556666";
const PROD: &str = "555555555555";
const TOKYO: &str = "ap-northeast-1";
const VIRGINIA: &str = "us-east-1";
const REGIONS: [&str; 2] = [TOKYO, VIRGINIA];

/// The pipeline distributing to Tokyo and Virginia, and two consumers in two waves.
fn project() -> tempfile::TempDir {
    let consumers = format!(
        r#"
[pipeline]
tests = false

[[consumers]]
name = "workload"
account = "{WORKLOAD}"
role_arn = "arn:aws:iam::{WORKLOAD}:role/OrganizationAccountAccessRole"
regions = ["{TOKYO}", "{VIRGINIA}"]
wave = 1
[[consumers.launch_templates]]
name = "app"

[[consumers]]
name = "prod"
account = "{PROD}"
role_arn = "arn:aws:iam::{PROD}:role/OrganizationAccountAccessRole"
wave = 2
[[consumers.launch_templates]]
name = "app"
"#
    );
    let regions = format!("regions = [\"{TOKYO}\", \"{VIRGINIA}\"]\n");
    common::project(&common::sample_manifest(TOKYO, &regions, &consumers))
}

/// Runs gold and returns its stdout, failing the test unless it exits 0.
fn ok(cloud: &Localcloud, dir: &Path, args: &[&str]) -> String {
    let (code, stdout, stderr) = cloud.run(dir, args);
    assert_eq!(code, 0, "gold {args:?} failed:\n{stdout}\n{stderr}");
    stdout
}

/// The organization's project on a fresh localcloud configured with `config`.
fn organization_cloud(config: Value) -> (tempfile::TempDir, Localcloud) {
    let (project, seed) = organization_project();
    let cloud = Localcloud::start_with(Some(&seed));
    cloud.configure(config);
    (project, cloud)
}

/// `gold up`, then `builds` builds: their AMIs in Tokyo, oldest first.
fn up_and_build(cloud: &Localcloud, dir: &Path, rt: &Runtime, builds: u32) -> Vec<String> {
    ok(cloud, dir, &["up", "--yes"]);
    for _ in 0..builds {
        ok(cloud, dir, &["build", "--wait"]);
    }
    (1..=builds)
        .map(|n| rt.block_on(build_ami(cloud, n, TOKYO)).0)
        .collect()
}

/// The producer's view of an AMI: (state, deprecation time, `gold:retired` tag), or `None` once deregistered.
async fn producer_view(
    cloud: &Localcloud,
    region: &str,
    ami: &str,
) -> Option<(String, Option<String>, Option<String>)> {
    common::producer_image(cloud, region, ami)
        .await
        .map(|image| {
            (
                image
                    .state()
                    .map(|s| s.as_str().to_owned())
                    .unwrap_or_default(),
                image.deprecation_time().map(str::to_owned),
                image
                    .tags()
                    .iter()
                    .find(|tag| tag.key() == Some("gold:retired"))
                    .and_then(|tag| tag.value().map(str::to_owned)),
            )
        })
}

/// Whether a consumer's plain `DescribeImages` (no `IncludeDeprecated`) lists the AMI.
/// Whether a consumer's `DescribeImages` lists `ami`, and the deprecation time it sees on it.
async fn consumer_sees(
    cloud: &Localcloud,
    account: &str,
    region: &str,
    ami: &str,
) -> Option<Option<SystemTime>> {
    cloud
        .ec2(account, region)
        .await
        .describe_images()
        .owners(PRODUCER)
        .send()
        .await
        .expect("DescribeImages")
        .images()
        .iter()
        .find(|image| image.image_id() == Some(ami))
        .map(|image| {
            image
                .deprecation_time()
                .and_then(|t| humantime::parse_rfc3339_weak(t).ok())
        })
}

async fn consumer_lists(cloud: &Localcloud, account: &str, region: &str, ami: &str) -> bool {
    consumer_sees(cloud, account, region, ami).await.is_some()
}

async fn default_image(cloud: &Localcloud, account: &str, region: &str) -> String {
    common::template_image(&cloud.sdk(account, region).await, "app", "$Default").await
}

async fn run_instance(
    cloud: &Localcloud,
    account: &str,
    region: &str,
    image: &str,
) -> Result<String, String> {
    cloud
        .ec2(account, region)
        .await
        .run_instances()
        .image_id(image)
        .instance_type("t3.small".into())
        .min_count(1)
        .max_count(1)
        .send()
        .await
        .map(|out| {
            out.instances()[0]
                .instance_id()
                .expect("an instance id")
                .to_owned()
        })
        .map_err(|err| {
            aws_smithy_types::error::metadata::ProvideErrorMetadata::code(&err)
                .unwrap_or_default()
                .to_owned()
        })
}

async fn snapshot_exists(cloud: &Localcloud, region: &str, snapshot: &str) -> bool {
    cloud
        .ec2(PRODUCER, region)
        .await
        .describe_snapshots()
        .owner_ids("self")
        .send()
        .await
        .expect("DescribeSnapshots")
        .snapshots()
        .iter()
        .any(|s| s.snapshot_id() == Some(snapshot))
}

/// The Image Builder build version ARNs the producer still has.
async fn image_builder_images(cloud: &Localcloud) -> Vec<String> {
    let client = aws_sdk_imagebuilder::Client::new(&cloud.sdk(PRODUCER, TOKYO).await);
    let versions = client
        .list_images()
        .owner(aws_sdk_imagebuilder::types::Ownership::SelfValue)
        .send()
        .await
        .expect("ListImages");
    let mut arns = Vec::new();
    for version in versions.image_version_list() {
        let builds = client
            .list_image_build_versions()
            .image_version_arn(version.arn().expect("an arn"))
            .send()
            .await
            .expect("ListImageBuildVersions");
        arns.extend(
            builds
                .image_summary_list()
                .iter()
                .filter_map(|b| b.arn().map(str::to_owned)),
        );
    }
    arns
}

fn json_lines(stdout: &str) -> Vec<Value> {
    common::assert_stream_shape(stdout.as_bytes())
}

#[test]
#[expect(
    clippy::too_many_lines,
    reason = "one scenario in one localcloud: three builds, retire, retire --disable, prune, prune fail-safe"
)]
fn retire_moves_the_fleet_off_a_build_and_prune_deletes_only_what_nobody_uses() {
    let cloud = Localcloud::start();
    cloud.configure(json!({"build_seconds": 1}));
    let project = project();
    let dir = project.path();
    ok(&cloud, dir, &["up", "--yes"]);
    for _ in 0..3 {
        ok(&cloud, dir, &["build", "--wait"]);
    }
    let rt = runtime();
    let ami = |n, region| rt.block_on(build_ami(&cloud, n, region));
    let (b1, b2, b3) = (
        REGIONS.map(|r| ami(1, r)),
        REGIONS.map(|r| ami(2, r)),
        REGIONS.map(|r| ami(3, r)),
    );
    // The fleet on build 3: the workload in both regions, prod in Tokyo.
    rt.block_on(async {
        cloud
            .create_template(WORKLOAD, TOKYO, "app", &b3[0].0)
            .await;
        cloud
            .create_template(WORKLOAD, VIRGINIA, "app", &b3[1].0)
            .await;
        cloud.create_template(PROD, TOKYO, "app", &b3[0].0).await;
    });

    // Retire build 3: every target moves to build 2, build 3 is deprecated in both regions.
    let out = ok(
        &cloud,
        dir,
        &[
            "retire",
            "3",
            "--reason",
            "broken agent",
            "--yes",
            "--output",
            "json",
        ],
    );
    let lines = json_lines(&out);
    let last = lines.last().expect("a final event");
    assert_eq!(last["event"], "retired", "{out}");
    assert_eq!(last["moves"]["counts"]["done"], 3, "{out}");
    rt.block_on(async {
        assert_eq!(default_image(&cloud, WORKLOAD, TOKYO).await, b2[0].0);
        assert_eq!(default_image(&cloud, WORKLOAD, VIRGINIA).await, b2[1].0);
        assert_eq!(default_image(&cloud, PROD, TOKYO).await, b2[0].0);
        for (i, region) in REGIONS.iter().enumerate() {
            let (state, deprecated, reason) = producer_view(&cloud, region, &b3[i].0)
                .await
                .expect("build 3 still exists");
            assert_eq!(state, "available");
            assert!(deprecated.is_some(), "build 3 deprecated in {region}");
            assert_eq!(reason.as_deref(), Some("broken agent"));
            // EC2 takes no deprecation time in the past: gold asks for the next whole minute,
            // which every consumer sees at once; until it passes they still list the AMI.
            let seen = consumer_sees(&cloud, WORKLOAD, region, &b3[i].0).await;
            let soon = SystemTime::now() + Duration::from_secs(75);
            assert!(
                seen.is_none_or(|at| at.is_some_and(|at| at <= soon)),
                "a consumer sees build 3 deprecated within the minute in {region}: {seen:?}"
            );
            assert!(consumer_lists(&cloud, WORKLOAD, region, &b2[i].0).await);
        }
    });
    // The next rollout plans nothing, and status shows no target on a retired image.
    let (code, out, err) = cloud.run(dir, &["rollout", "--dry-run", "--output", "json"]);
    assert_eq!(code, 0, "{out}{err}");
    let plan: Value = serde_json::from_str(&out).expect("a plan document");
    assert_eq!(plan["has_changes"], false, "{out}");
    let status = ok(&cloud, dir, &["status"]);
    assert!(!status.contains("RETIRED"), "{status}");

    // --disable: build 3 can no longer be launched anywhere.
    ok(&cloud, dir, &["retire", "3", "--disable", "--yes"]);
    rt.block_on(async {
        for (i, region) in REGIONS.iter().enumerate() {
            let (state, _, _) = producer_view(&cloud, region, &b3[i].0)
                .await
                .expect("build 3 still exists");
            assert_eq!(state, "disabled");
        }
        assert_eq!(
            run_instance(&cloud, WORKLOAD, TOKYO, &b3[0].0).await,
            Err("InvalidAMIID.NotFound".to_owned())
        );
    });

    // Prune, keep 1: build 2 is the newest build not retired; build 3 is still the image of
    // version 1 of every template; build 1 runs an instance in prod's Virginia region only.
    let manifest = dir.join("gold.toml");
    let mut text = std::fs::read_to_string(&manifest).expect("manifest");
    text.push_str("\n[lifecycle]\nkeep_latest = 1\ndelete_after = \"0s\"\n");
    std::fs::write(&manifest, text).expect("manifest written");
    let instance = rt
        .block_on(run_instance(&cloud, PROD, VIRGINIA, &b1[1].0))
        .expect("an instance of build 1");
    let builder_images = rt.block_on(image_builder_images(&cloud));
    assert_eq!(builder_images.len(), 3, "{builder_images:?}");
    let plan = ok(&cloud, dir, &["prune", "--dry-run"]);
    assert!(
        plan.contains(&format!("held by instance {instance}")),
        "{plan}"
    );
    assert!(plan.contains(&format!("{PROD}/{VIRGINIA}")), "{plan}");
    assert!(plan.contains("launch template app ("), "{plan}");
    assert!(plan.contains("version 1"), "{plan}");
    let out = ok(&cloud, dir, &["prune", "--yes", "--output", "json"]);
    let lines = json_lines(&out);
    assert_eq!(lines.last().expect("an event")["event"], "pruned", "{out}");
    rt.block_on(async {
        assert!(
            producer_view(&cloud, TOKYO, &b1[0].0).await.is_none(),
            "build 1 deleted in Tokyo"
        );
        for snapshot in &b1[0].1 {
            assert!(
                !snapshot_exists(&cloud, TOKYO, snapshot).await,
                "{snapshot} deleted"
            );
        }
        assert!(
            producer_view(&cloud, VIRGINIA, &b1[1].0).await.is_some(),
            "the instance keeps it"
        );
        for (i, region) in REGIONS.iter().enumerate() {
            assert!(
                producer_view(&cloud, region, &b2[i].0).await.is_some(),
                "build 2 kept"
            );
            assert!(
                producer_view(&cloud, region, &b3[i].0).await.is_some(),
                "template versions keep build 3"
            );
        }
        assert_eq!(
            image_builder_images(&cloud).await.len(),
            3,
            "build 1 is not gone everywhere yet"
        );
        cloud
            .ec2(PROD, VIRGINIA)
            .await
            .terminate_instances()
            .instance_ids(&instance)
            .send()
            .await
            .expect("TerminateInstances");
    });

    // An account gold cannot reach: everything it might hold stays, and prune fails.
    cloud.configure(json!({"deny_accounts": [PROD]}));
    let (code, out, err) = cloud.run(dir, &["prune", "--yes"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains(&format!("account {PROD} could not be checked")),
        "{out}"
    );
    assert!(err.contains(PROD), "{err}");
    assert!(
        rt.block_on(producer_view(&cloud, VIRGINIA, &b1[1].0))
            .is_some()
    );

    // Reachable again: the last AMI of build 1 goes, and its Image Builder image with it.
    cloud.configure(json!({"deny_accounts": []}));
    ok(&cloud, dir, &["prune", "--yes"]);
    rt.block_on(async {
        assert!(producer_view(&cloud, VIRGINIA, &b1[1].0).await.is_none());
        for snapshot in &b1[1].1 {
            assert!(!snapshot_exists(&cloud, VIRGINIA, snapshot).await);
        }
        let left = image_builder_images(&cloud).await;
        assert_eq!(left.len(), 2, "{left:?}");
        assert!(left.iter().all(|arn| !arn.ends_with("/1")), "{left:?}");
    });
}

const LEGACY: &str = "666677778888";
const OUTSIDER: &str = "777788889999";

/// An organization whose Workloads OU holds the workload and an excluded legacy account, and an
/// outsider account in another OU that is no consumer; one region.
fn organization_project() -> (tempfile::TempDir, std::path::PathBuf) {
    let rest = format!(
        r#"
[pipeline]
tests = false

[organization]
role_arn = "arn:aws:iam::000000000000:role/OrganizationAccountAccessRole"

[[consumers]]
name = "workloads"
organizational_units = ["ou-ab12-workload"]
exclude_accounts = ["{LEGACY}"]
role_name = "OrganizationAccountAccessRole"
[[consumers.launch_templates]]
name = "app"

[lifecycle]
keep_latest = 1
delete_after = "0s"
"#
    );
    let manifest = common::sample_manifest(TOKYO, &format!("regions = [\"{TOKYO}\"]\n"), &rest);
    let project = common::project(&manifest);
    let seed = project.path().join("seed.toml");
    std::fs::write(
        &seed,
        format!(
            r#"caller_account = "{PRODUCER}"

[organization]
id = "o-xxxxxxxxxx"
management_account = "000000000000"

[[organizational_units]]
id = "ou-ab12-workload"
name = "Workloads"

[[accounts]]
id = "{PRODUCER}"
name = "Shared"
ou = "Infrastructure"

[[accounts]]
id = "{WORKLOAD}"
name = "Workload"
ou = "ou-ab12-workload"

[[accounts]]
id = "{LEGACY}"
name = "Legacy"
ou = "ou-ab12-workload"

[[accounts]]
id = "{OUTSIDER}"
name = "Outsider"
ou = "Other"
"#
        ),
    )
    .expect("seed written");
    (project, seed)
}

/// An Auto Scaling group of no instances in `account` (Tokyo) launching `$Default` of `template`.
async fn empty_group(
    cloud: &Localcloud,
    account: &str,
    name: &str,
    template: aws_sdk_autoscaling::types::builders::LaunchTemplateSpecificationBuilder,
) {
    aws_sdk_autoscaling::Client::new(&cloud.sdk(account, TOKYO).await)
        .create_auto_scaling_group()
        .auto_scaling_group_name(name)
        .launch_template(template.version("$Default").build())
        .min_size(0)
        .max_size(1)
        .desired_capacity(0)
        .availability_zones(format!("{TOKYO}a"))
        .send()
        .await
        .expect("CreateAutoScalingGroup");
}

/// The version numbers of template `name` in `account`.
async fn version_numbers(cloud: &Localcloud, account: &str, name: &str) -> Vec<i64> {
    cloud
        .ec2(account, TOKYO)
        .await
        .describe_launch_template_versions()
        .launch_template_name(name)
        .send()
        .await
        .expect("DescribeLaunchTemplateVersions")
        .launch_template_versions()
        .iter()
        .filter_map(aws_sdk_ec2::types::LaunchTemplateVersion::version_number)
        .collect()
}

/// An `aws:ec2:image` parameter holding `ami`, once Parameter Store has validated it.
async fn put_image_parameter(cloud: &Localcloud, account: &str, name: &str, ami: &str) {
    let ssm = aws_sdk_ssm::Client::new(&cloud.sdk(account, TOKYO).await);
    ssm.put_parameter()
        .name(name)
        .value(ami)
        .r#type(aws_sdk_ssm::types::ParameterType::String)
        .data_type("aws:ec2:image")
        .send()
        .await
        .expect("PutParameter");
    let deadline = std::time::Instant::now() + Duration::from_mins(1);
    while ssm.get_parameter().name(name).send().await.is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "{name} never validated"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[test]
fn prune_keeps_what_a_parameter_an_outsider_or_an_excluded_account_uses_and_frees_gold_s_old_versions()
 {
    let (project, cloud) =
        organization_cloud(json!({"build_seconds": 1, "image_usage_report_seconds": 1}));
    let dir = project.path();
    let rt = runtime();
    let b = up_and_build(&cloud, dir, &rt, 5);
    // Build 5 is the workload's template by hand (version 1); gold moves it to build 4 (version
    // 2), then back to build 5 (version 3): version 2 alone holds build 4.
    rt.block_on(cloud.create_template(WORKLOAD, TOKYO, "app", &b[4]));
    ok(&cloud, dir, &["rollout", "--image", "4", "--yes"]);
    ok(&cloud, dir, &["rollout", "--yes"]);
    rt.block_on(async {
        assert_eq!(default_image(&cloud, WORKLOAD, TOKYO).await, b[4]);
        // Build 1: a parameter of the workload; build 2: an outsider's instance; build 3: the
        // excluded legacy account's template and the group that launches from it.
        put_image_parameter(&cloud, WORKLOAD, "/app/ami", &b[0]).await;
        run_instance(&cloud, OUTSIDER, TOKYO, &b[1])
            .await
            .expect("the outsider launches build 2");
        let legacy = cloud.ec2(LEGACY, TOKYO).await;
        let template = legacy
            .create_launch_template()
            .launch_template_name("legacy")
            .launch_template_data(
                aws_sdk_ec2::types::RequestLaunchTemplateData::builder()
                    .image_id(&b[2])
                    .instance_type("t3.small".into())
                    .build(),
            )
            .send()
            .await
            .expect("CreateLaunchTemplate");
        let template_id = template
            .launch_template()
            .and_then(|t| t.launch_template_id())
            .expect("an id");
        empty_group(
            &cloud,
            LEGACY,
            "legacy-web",
            aws_sdk_autoscaling::types::LaunchTemplateSpecification::builder()
                .launch_template_id(template_id),
        )
        .await;
    });

    // Every holder is named; gold's version 2 is one of the 3 kept for rollback.
    let plan = ok(&cloud, dir, &["prune", "--dry-run"]);
    for needle in [
        format!("held by SSM parameter /app/ami in {WORKLOAD}/{TOKYO}"),
        format!("held by account {OUTSIDER} (no consumer gold reads) in {TOKYO}: 1 instance(s)"),
        format!(
            "held by account {LEGACY} (no consumer gold reads) in {TOKYO}: 1 launch template(s)"
        ),
        "held by launch template app (".to_owned(),
        "version 2 in".to_owned(),
    ] {
        assert!(plan.contains(&needle), "`{needle}` not in:\n{plan}");
    }
    assert!(plan.contains("0 AMIs to delete"), "{plan}");

    // Keep no version for rollback: version 2 goes first, then build 4.
    let manifest = dir.join("gold.toml");
    common::edit(
        &manifest,
        "delete_after = \"0s\"",
        "delete_after = \"0s\"\nkeep_template_versions = 0",
    );
    let out = ok(&cloud, dir, &["prune", "--dry-run", "--output", "json"]);
    let lines = json_lines(&out);
    let plan = lines.last().expect("the plan");
    assert_eq!(plan["event"], "prune_plan", "{out}");
    let deleted: Vec<&Value> = plan["builds"]
        .as_array()
        .expect("builds")
        .iter()
        .flat_map(|build| build["amis"].as_array().expect("amis"))
        .filter(|ami| ami["action"] == "delete")
        .collect();
    assert_eq!(deleted.len(), 1, "{plan}");
    assert_eq!(deleted[0]["id"], b[3].as_str(), "{plan}");
    assert_eq!(deleted[0]["frees"][0]["version"], 2, "{plan}");
    let out = ok(&cloud, dir, &["prune", "--yes", "--output", "json"]);
    let lines = json_lines(&out);
    let last = lines.last().expect("an event");
    assert_eq!(last["event"], "pruned", "{out}");
    assert_eq!(last["versions"][0]["version"], 2, "{out}");
    rt.block_on(async {
        assert!(
            producer_view(&cloud, TOKYO, &b[3]).await.is_none(),
            "build 4 deleted"
        );
        for (i, kept) in b[..3].iter().enumerate() {
            assert!(
                producer_view(&cloud, TOKYO, kept).await.is_some(),
                "build {} kept",
                i + 1
            );
        }
        let mut numbers = version_numbers(&cloud, WORKLOAD, "app").await;
        numbers.sort_unstable();
        assert_eq!(numbers, [1, 3]);
    });
}

/// The value of parameter `name` in `account`.
async fn parameter_value(cloud: &Localcloud, account: &str, name: &str) -> String {
    aws_sdk_ssm::Client::new(&cloud.sdk(account, TOKYO).await)
        .get_parameter()
        .name(name)
        .send()
        .await
        .expect("GetParameter")
        .parameter()
        .and_then(|p| p.value())
        .expect("a value")
        .to_owned()
}

#[test]
fn retire_moves_a_parameter_and_disables_only_once_nothing_launches_the_build() {
    const PARAMETER: &str = "/gold/sample/ami";
    let (project, cloud) =
        organization_cloud(json!({"build_seconds": 1, "image_usage_report_seconds": 1}));
    let dir = project.path();
    common::edit(
        &dir.join("gold.toml"),
        "name = \"app\"\n",
        &format!("name = \"app\"\n\n[[consumers.parameters]]\nname = \"{PARAMETER}\"\n"),
    );
    let rt = runtime();
    let b = up_and_build(&cloud, dir, &rt, 2);
    rt.block_on(async {
        cloud.create_template(WORKLOAD, TOKYO, "app", &b[1]).await;
        // The excluded legacy account launches build 2 from its own template's default.
        cloud
            .ec2(LEGACY, TOKYO)
            .await
            .create_launch_template()
            .launch_template_name("legacy")
            .launch_template_data(
                aws_sdk_ec2::types::RequestLaunchTemplateData::builder()
                    .image_id(&b[1])
                    .build(),
            )
            .send()
            .await
            .expect("CreateLaunchTemplate");
    });
    ok(&cloud, dir, &["rollout", "--yes"]);
    assert_eq!(
        rt.block_on(parameter_value(&cloud, WORKLOAD, PARAMETER)),
        b[1]
    );

    // The parameter and the template move to build 1; legacy's template still launches build 2,
    // so it is deprecated, not disabled, and the run fails naming the account.
    let (code, out, err) = cloud.run(dir, &["retire", "2", "--disable", "--yes"]);
    assert_eq!(code, 1, "{out}{err}");
    let said = format!("{out}{err}");
    assert!(said.contains(&format!("account {LEGACY}")), "{said}");
    assert!(said.contains("Not disabled"), "{said}");
    assert!(said.contains("Retire build 1.0.0/2 ("), "{said}");
    rt.block_on(async {
        assert_eq!(parameter_value(&cloud, WORKLOAD, PARAMETER).await, b[0]);
        assert_eq!(default_image(&cloud, WORKLOAD, TOKYO).await, b[0]);
        let (state, deprecated, _) = producer_view(&cloud, TOKYO, &b[1])
            .await
            .expect("build 2 exists");
        assert_eq!(state, "available");
        assert!(deprecated.is_some());
    });

    // Build 1 is the last build that is not retired: retiring it too would leave the targets
    // nowhere to go. Nothing changes, and --dry-run says so with the same exit.
    for args in [
        &["retire", "1", "--dry-run"][..],
        &["retire", "1", "--yes"][..],
    ] {
        let (code, out, err) = cloud.run(dir, args);
        assert_eq!(code, 1, "{args:?}: {out}{err}");
        assert!(out.contains("Nothing to move to"), "{out}");
    }
    rt.block_on(async {
        assert_eq!(parameter_value(&cloud, WORKLOAD, PARAMETER).await, b[0]);
        let (_, deprecated, _) = producer_view(&cloud, TOKYO, &b[0])
            .await
            .expect("build 1 exists");
        assert!(deprecated.is_none(), "build 1 untouched");
    });

    // Legacy moves off build 2: the same command finishes.
    rt.block_on(async {
        cloud
            .ec2(LEGACY, TOKYO)
            .await
            .delete_launch_template()
            .launch_template_name("legacy")
            .send()
            .await
            .expect("DeleteLaunchTemplate");
    });
    let out = ok(
        &cloud,
        dir,
        &["retire", "2", "--disable", "--yes", "--output", "json"],
    );
    let lines = json_lines(&out);
    let last = lines.last().expect("an event");
    assert_eq!(last["event"], "retired", "{out}");
    assert_eq!(last["not_disabled"], Value::Null, "{out}");
    let (state, _, _) = rt
        .block_on(producer_view(&cloud, TOKYO, &b[1]))
        .expect("build 2 exists");
    assert_eq!(state, "disabled");
}

#[test]
fn rollback_and_destroy_refuse_a_retired_image_or_one_in_use() {
    let (project, cloud) =
        organization_cloud(json!({"build_seconds": 1, "image_usage_report_seconds": 1}));
    let dir = project.path();
    let rt = runtime();
    let b = up_and_build(&cloud, dir, &rt, 2);
    rt.block_on(async {
        cloud.create_template(WORKLOAD, TOKYO, "app", &b[0]).await;
        empty_group(
            &cloud,
            WORKLOAD,
            "web",
            aws_sdk_autoscaling::types::LaunchTemplateSpecification::builder()
                .launch_template_name("app"),
        )
        .await;
    });
    common::edit(
        &dir.join("gold.toml"),
        "name = \"app\"\n",
        "name = \"app\"\nauto_scaling_groups = [\"web\"]\n",
    );
    cloud.configure(json!({"refresh_seconds": 1}));
    ok(&cloud, dir, &["rollout", "--yes"]);
    // Build 1, the version before the rollout, is retired: going back to it is refused.
    ok(&cloud, dir, &["retire", "1", "--yes"]);
    let (code, out, err) = cloud.run(dir, &["rollback", "--yes"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(format!("{out}{err}").contains("retired"), "{out}{err}");
    assert_eq!(rt.block_on(default_image(&cloud, WORKLOAD, TOKYO)), b[1]);
    // Insisting, with a refresh that fails: the default goes back, as after a rollout.
    cloud.configure(json!({"fail_instance_refresh": ["web"]}));
    let (code, out, err) = cloud.run(dir, &["rollback", "--yes", "--force"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("the template's default moved back to version 2"),
        "{out}{err}"
    );
    assert_eq!(rt.block_on(default_image(&cloud, WORKLOAD, TOKYO)), b[1]);
    cloud.configure(json!({"fail_instance_refresh": []}));
    ok(&cloud, dir, &["rollback", "--yes", "--force"]);
    assert_eq!(rt.block_on(default_image(&cloud, WORKLOAD, TOKYO)), b[0]);

    // The workload's template launches build 1: destroy --images deletes nothing and names it.
    let (code, out, err) = cloud.run(dir, &["destroy", "--images", "--yes"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains(&format!("{} is used by launch template app (", b[0])),
        "{err}"
    );
    assert!(err.contains(&format!("in {WORKLOAD}/{TOKYO}")), "{err}");
    rt.block_on(async {
        for ami in &b {
            assert!(
                producer_view(&cloud, TOKYO, ami).await.is_some(),
                "{ami} kept"
            );
        }
    });
    // --force insists, naming what it breaks.
    let (code, out, err) = cloud.run(dir, &["destroy", "--images", "--force", "--yes"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(err.contains("deleting anyway"), "{err}");
    rt.block_on(async {
        for ami in &b {
            assert!(
                producer_view(&cloud, TOKYO, ami).await.is_none(),
                "{ami} deleted"
            );
        }
    });
}

/// Sets the workload's Allowed AMIs to `state`, admitting the providers of each criterion.
async fn allow_only(
    cloud: &Localcloud,
    state: aws_sdk_ec2::types::AllowedImagesSettingsEnabledState,
    criteria: &[Vec<String>],
) {
    let client = cloud.ec2(WORKLOAD, TOKYO).await;
    let mut replace = client.replace_image_criteria_in_allowed_images_settings();
    for providers in criteria {
        replace = replace.image_criteria(
            aws_sdk_ec2::types::ImageCriterionRequest::builder()
                .set_image_providers(Some(providers.clone()))
                .build(),
        );
    }
    replace
        .send()
        .await
        .expect("ReplaceImageCriteriaInAllowedImagesSettings");
    client
        .enable_allowed_images_settings()
        .allowed_images_settings_state(state)
        .send()
        .await
        .expect("EnableAllowedImagesSettings");
}

#[test]
fn a_consumer_whose_allowed_amis_refuse_the_producer_is_blocked_until_they_admit_it() {
    let (project, cloud) = organization_cloud(json!({"build_seconds": 1}));
    let dir = project.path();
    ok(&cloud, dir, &["up", "--yes"]);
    ok(&cloud, dir, &["build", "--wait"]);
    let rt = runtime();
    let b1 = rt.block_on(build_ami(&cloud, 1, TOKYO)).0;
    rt.block_on(cloud.create_template(WORKLOAD, TOKYO, "app", &b1));
    ok(&cloud, dir, &["build", "--wait"]);
    let b2 = rt.block_on(build_ami(&cloud, 2, TOKYO)).0;
    let amazon = vec!["amazon".to_owned()];

    // In audit mode nothing is refused: the plan moves the target and warns, naming the image
    // and the criterion that would admit it.
    rt.block_on(allow_only(
        &cloud,
        AllowedImagesSettingsEnabledState::AuditMode,
        std::slice::from_ref(&amazon),
    ));
    let (code, plan, err) = cloud.run(dir, &["plan", "--output", "json"]);
    assert_eq!(code, 0, "{plan}{err}");
    let plan: Value = serde_json::from_str(&plan).expect("plan JSON");
    common::assert_shape(&plan, "document.plan");
    assert_eq!(plan["audited"][0]["account"], WORKLOAD, "{plan}");
    assert_eq!(plan["audited"][0]["image"], b2.as_str(), "{plan}");
    assert!(
        plan["changes"]
            .as_array()
            .is_some_and(|changes| !changes.is_empty()),
        "{plan}"
    );
    assert!(err.contains("are in audit mode and do not admit"), "{err}");
    assert!(
        err.contains(&format!(r#"{{"ImageProviders":["{PRODUCER}"]}}"#)),
        "{err}"
    );
    rt.block_on(allow_only(
        &cloud,
        AllowedImagesSettingsEnabledState::Enabled,
        std::slice::from_ref(&amazon),
    ));

    // Enabled, the plan names the account and the criterion; the rollout fails it, making no version.
    let (_, plan, err) = cloud.run(dir, &["plan"]);
    let said = format!("{plan}{err}");
    assert!(
        said.contains(&format!("account {WORKLOAD}'s Allowed AMIs in {TOKYO}")),
        "{said}"
    );
    assert!(
        said.contains(&format!(r#"{{"ImageProviders":["{PRODUCER}"]}}"#)),
        "{said}"
    );
    let (code, out, err) = cloud.run(dir, &["rollout", "--yes"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(format!("{out}{err}").contains("blocked"), "{out}{err}");
    assert_eq!(rt.block_on(version_numbers(&cloud, WORKLOAD, "app")), [1]);

    // The criterion `gold iam allowed-amis` prints, added to the account's: the target moves.
    let documents: Value =
        serde_json::from_str(&ok(&cloud, dir, &["iam", "allowed-amis"])).expect("JSON");
    let added = &documents["ReplaceImageCriteriaInAllowedImagesSettings"]["ImageCriteria"][0];
    let providers: Vec<String> = added["ImageProviders"]
        .as_array()
        .expect("providers")
        .iter()
        .map(|p| p.as_str().expect("a provider").to_owned())
        .collect();
    assert_eq!(providers, [PRODUCER]);
    assert_eq!(
        documents["DeclarativePolicy"]["ec2_attributes"]["allowed_images_settings"]["image_criteria"]
            ["criteria_1"]["allowed_image_providers"]["@@append"][0],
        PRODUCER
    );
    rt.block_on(allow_only(
        &cloud,
        AllowedImagesSettingsEnabledState::Enabled,
        &[amazon, providers],
    ));
    ok(&cloud, dir, &["rollout", "--yes"]);
    assert_eq!(rt.block_on(default_image(&cloud, WORKLOAD, TOKYO)), b2);
}
