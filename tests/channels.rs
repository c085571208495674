//! Release channels end to end: the real binary against one localcloud, a dev consumer in the
//! Workload account and a prod consumer in the Prod account. Dev follows every build; prod
//! moves only after `gold promote`, which the soak and scan gates refuse by name until they
//! pass or the finding is accepted; a channel rollback and a retirement move prod back; the
//! builds a channel holds are protected from deregistration and survive `gold prune`; two
//! operators promoting at once never lose a promotion. Every result is checked through the SDK.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::{Localcloud, PRODUCER, build_ami};
use serde_json::{Value, json};

const WORKLOAD: &str = "444455556666";
const PROD: &str = "555555555555";
const TOKYO: &str = "ap-northeast-1";
const CVE: &str = "CVE-2026-1234";

/// The pipeline with scanning, a dev and a prod channel (soak `soak`), and one consumer in each.
fn project(soak: &str, scanning: bool) -> tempfile::TempDir {
    let scan = if scanning {
        "\n[scanning]\nenabled = true\nblock = \"CRITICAL\"\n"
    } else {
        ""
    };
    let rest = format!(
        r#"
[lifecycle]
keep_latest = 1
deprecate_after = "0s"
delete_after = "0s"
{scan}
[[channels]]
name = "dev"

[[channels]]
name = "prod"
soak = "{soak}"

[[consumers]]
name = "workload"
channel = "dev"
account = "{WORKLOAD}"
role_arn = "arn:aws:iam::{WORKLOAD}:role/OrganizationAccountAccessRole"
[[consumers.launch_templates]]
name = "app"

[[consumers]]
name = "prod"
channel = "prod"
account = "{PROD}"
role_arn = "arn:aws:iam::{PROD}:role/OrganizationAccountAccessRole"
wave = 2
[[consumers.launch_templates]]
name = "app"
"#
    );
    let manifest = common::sample_manifest(TOKYO, "", &rest);
    common::project(&manifest)
}

fn gold(cloud: &Localcloud, dir: &Path, args: &[&str]) -> (i32, String, String) {
    cloud.run(dir, args)
}

fn ok(cloud: &Localcloud, dir: &Path, args: &[&str]) -> String {
    let (code, stdout, stderr) = cloud.run(dir, args);
    assert_eq!(code, 0, "gold {args:?} failed:\n{stdout}\n{stderr}");
    stdout
}

/// Runs `args` until `done` says its outcome is the one awaited, for at most a minute.
fn until(
    cloud: &Localcloud,
    dir: &Path,
    args: &[&str],
    what: &str,
    done: impl Fn(i32, &str, &str) -> bool,
) -> (i32, String, String) {
    let deadline = Instant::now() + Duration::from_mins(1);
    loop {
        let (code, stdout, stderr) = gold(cloud, dir, args);
        if done(code, &stdout, &stderr) {
            return (code, stdout, stderr);
        }
        assert!(
            Instant::now() < deadline,
            "{what}: gold {args:?} still says:\n{stdout}\n{stderr}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// `Some(protection)` while the producer still has the AMI.
async fn protection(cloud: &Localcloud, ami: &str) -> Option<String> {
    common::producer_image(cloud, TOKYO, ami)
        .await
        .map(|image| {
            image
                .deregistration_protection()
                .unwrap_or("disabled")
                .to_owned()
        })
}

async fn create_template(cloud: &Localcloud, account: &str, image: &str) {
    cloud.create_template(account, TOKYO, "app", image).await;
}

async fn default_image(cloud: &Localcloud, account: &str) -> String {
    common::template_image(&cloud.sdk(account, TOKYO).await, "app", "$Default").await
}

/// Every entry of a channel's log in the producer's Parameter Store, oldest first.
async fn log(cloud: &Localcloud, channel: &str) -> Vec<Value> {
    let ssm = aws_sdk_ssm::Client::new(&cloud.sdk(PRODUCER, TOKYO).await);
    let mut pages = ssm
        .get_parameters_by_path()
        .path(format!("/gold/sample/channels/{channel}"))
        .recursive(true)
        .into_paginator()
        .send();
    let mut entries: Vec<(String, Value)> = Vec::new();
    while let Some(page) = pages.next().await {
        for parameter in page.expect("GetParametersByPath").parameters() {
            entries.push((
                parameter.name().expect("a name").to_owned(),
                serde_json::from_str(parameter.value().expect("a value")).expect("JSON"),
            ));
        }
    }
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    entries.into_iter().map(|(_, value)| value).collect()
}

fn volatile() -> Vec<(&'static str, &'static str)> {
    vec![
        (r"ami-[0-9a-f]{17}", "ami-[ID]"),
        (r"sample_v(\d+)_[0-9TZ:.\-]+", "sample_v${1}_[DATE]"),
        (r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "[TIME]"),
        (r"\d+ s of 2 s", "[N] s of 2 s"),
    ]
}

#[test]
#[expect(
    clippy::too_many_lines,
    reason = "one release flow on one localcloud: builds, gates, promotions, rollback, retire"
)]
fn prod_moves_only_through_promote_and_its_gates_and_goes_back_on_rollback_and_retire() {
    let cloud = Localcloud::start();
    cloud.configure(json!({ "build_seconds": 2 }));
    let project = project("1h", true);
    let dir = project.path();
    let manifest = dir.join("gold.toml");
    let rt = common::runtime();
    ok(&cloud, dir, &["up", "--yes"]);
    // `[scanning] enabled` is the pipeline's image scanning.
    let pipelines = rt.block_on(async {
        aws_sdk_imagebuilder::Client::new(&cloud.sdk(PRODUCER, TOKYO).await)
            .list_image_pipelines()
            .send()
            .await
            .expect("ListImagePipelines")
    });
    let scanning = pipelines.image_pipeline_list()[0]
        .image_scanning_configuration()
        .and_then(aws_sdk_imagebuilder::types::ImageScanningConfiguration::image_scanning_enabled);
    assert_eq!(scanning, Some(true));
    ok(&cloud, dir, &["build", "--wait"]);
    let b1 = rt.block_on(build_ami(&cloud, 1, TOKYO)).0;
    // Dev holds build 1 from the moment it finished: protected at once.
    assert_ne!(
        rt.block_on(protection(&cloud, &b1)).as_deref(),
        Some("disabled")
    );
    rt.block_on(async {
        create_template(&cloud, WORKLOAD, &b1).await;
        create_template(&cloud, PROD, &b1).await;
    });

    // Prod holds nothing yet: its consumer waits, and the first promotion waits for the soak.
    let (code, stdout, stderr) = gold(&cloud, dir, &["promote", "1", "--to", "prod", "--yes"]);
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert!(stderr.contains("soak"), "{stderr}");
    // The scan of a build just finished may still run: it refuses too, until it completes.
    assert!(
        stdout.contains("refused scan: not complete") || stdout.contains("passed  scan"),
        "{stdout}"
    );
    assert!(
        stdout.contains("refused soak: 0 h of 1 h in dev"),
        "{stdout}"
    );
    assert!(rt.block_on(log(&cloud, "prod")).is_empty());
    let channels: Value = serde_json::from_str(&ok(&cloud, dir, &["channels", "--output", "json"]))
        .expect("channels JSON");
    assert_eq!(
        channels["channels"][0]["current"]["number"], 1,
        "{channels}"
    );
    assert_eq!(channels["channels"][0]["takes_every_build"], true);
    assert_eq!(
        channels["channels"][1]["current"],
        Value::Null,
        "{channels}"
    );
    assert_eq!(channels["channels"][1]["next"]["number"], 1, "{channels}");
    assert_eq!(
        channels["channels"][1]["next"]["ready"], false,
        "{channels}"
    );
    common::assert_shape(&channels, "document.channels");

    // A short soak: poll until it has passed (and the scan completed), then promote.
    common::edit(&manifest, "soak = \"1h\"", "soak = \"2s\"");
    until(
        &cloud,
        dir,
        &["promote", "1", "--to", "prod", "--dry-run"],
        "build 1 ready for prod",
        |code, _, _| code == 0,
    );
    let out = ok(&cloud, dir, &["promote", "1", "--to", "prod", "--yes"]);
    assert!(out.contains("passed  soak: "), "{out}");
    assert!(
        out.contains("passed  scan: no finding at CRITICAL or worse"),
        "{out}"
    );
    let entries = rt.block_on(log(&cloud, "prod"));
    assert_eq!(entries.len(), 1);
    assert!(
        entries[0]["build"]
            .as_str()
            .is_some_and(|b| b.starts_with("sample_v1_")),
        "{entries:?}"
    );
    assert_eq!(entries[0]["change"], "promoted");
    assert!(
        entries[0]["by"]
            .as_str()
            .is_some_and(|by| by.starts_with("arn:aws:")),
        "the caller is recorded: {entries:?}"
    );
    assert_ne!(
        rt.block_on(protection(&cloud, &b1)).as_deref(),
        Some("disabled")
    );

    // Build 2 carries a critical finding. Dev follows it at once; prod stays on build 1.
    cloud.configure(json!({ "scan_findings": { "sample": [
        { "severity": "CRITICAL", "vulnerability_id": CVE, "package": "openssl" },
        { "severity": "MEDIUM", "vulnerability_id": "CVE-2026-0001", "package": "zlib" },
    ] } }));
    ok(&cloud, dir, &["build", "--wait"]);
    let b2 = rt.block_on(build_ami(&cloud, 2, TOKYO)).0;
    ok(&cloud, dir, &["rollout", "--yes"]);
    assert_eq!(rt.block_on(default_image(&cloud, WORKLOAD)), b2);
    assert_eq!(rt.block_on(default_image(&cloud, PROD)), b1);
    let status: Value =
        serde_json::from_str(&ok(&cloud, dir, &["status", "--output", "json"])).expect("status");
    let channels_of: Vec<&str> = status["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .filter_map(|row| row["channel"].as_str())
        .collect();
    assert_eq!(channels_of, ["dev", "prod"], "{status}");
    // Each row compares with its channel's build: prod is on build 1, which prod holds.
    let (dev, prod) = (row_of(&status, "dev"), row_of(&status, "prod"));
    assert_eq!(dev["newest"]["id"], b2.as_str(), "{status}");
    assert_eq!(dev["builds_behind"], 0, "{status}");
    assert_eq!(prod["current"]["id"], b1.as_str(), "{status}");
    assert_eq!(prod["newest"]["id"], b1.as_str(), "{status}");
    assert_eq!(prod["builds_behind"], 0, "{status}");

    // The scan gate refuses build 2 by name once the soak has passed, until the finding is accepted.
    let (_, refused, stderr) = until(
        &cloud,
        dir,
        &["promote", "2", "--to", "prod", "--yes"],
        "build 2 soaked and scanned",
        |_, stdout, _| stdout.contains("passed  soak") && !stdout.contains("not complete"),
    );
    assert!(stderr.contains("the scan gate refused"), "{stderr}");
    insta::with_settings!({ filters => volatile() }, {
        insta::assert_snapshot!("scan_gate_refuses", refused);
    });
    assert_eq!(rt.block_on(log(&cloud, "prod")).len(), 1);
    let out = ok(
        &cloud,
        dir,
        &[
            "promote", "2", "--to", "prod", "--accept", CVE, "--yes", "--output", "json",
        ],
    );
    let events = common::assert_stream_shape(out.as_bytes());
    let promoted = events.last().expect("a last event");
    assert_eq!(promoted["event"], "promoted", "{out}");
    assert_eq!(promoted["recorded"]["accepted"], json!([CVE]), "{out}");
    assert_eq!(
        rt.block_on(default_image(&cloud, PROD)),
        b1,
        "prod waits for a rollout"
    );
    let status: Value =
        serde_json::from_str(&ok(&cloud, dir, &["status", "--output", "json"])).expect("status");
    let prod = row_of(&status, "prod");
    assert_eq!(prod["newest"]["id"], b2.as_str(), "{status}");
    assert_eq!(prod["builds_behind"], 1, "{status}");
    ok(&cloud, dir, &["rollout", "--channel", "prod", "--yes"]);
    assert_eq!(rt.block_on(default_image(&cloud, PROD)), b2);
    let human = ok(&cloud, dir, &["channels"]);
    insta::with_settings!({ filters => volatile() }, {
        insta::assert_snapshot!("channels_after_promotions", human);
    });

    // A channel rollback needs no gate; rollout follows.
    let out = ok(&cloud, dir, &["promote", "1", "--to", "prod", "--yes"]);
    assert!(
        out.contains("passed  rollback: prod held build 1 before"),
        "{out}"
    );
    ok(&cloud, dir, &["rollout", "--yes"]);
    assert_eq!(rt.block_on(default_image(&cloud, PROD)), b1);
    assert_eq!(rt.block_on(default_image(&cloud, WORKLOAD)), b2);

    // Retiring a build prod holds takes prod back to the build before, and moves its consumer.
    ok(&cloud, dir, &["promote", "2", "--to", "prod", "--yes"]);
    ok(&cloud, dir, &["rollout", "--yes"]);
    assert_eq!(rt.block_on(default_image(&cloud, PROD)), b2);
    let (code, _, stderr) = gold(&cloud, dir, &["retire", "2", "--dry-run"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("channel prod goes back to build 1"),
        "{stderr}"
    );
    assert_eq!(
        rt.block_on(log(&cloud, "prod")).len(),
        4,
        "a dry run writes nothing"
    );
    let (code, stdout, stderr) = gold(
        &cloud,
        dir,
        &["retire", "2", "--reason", "openssl", "--yes"],
    );
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(
        stderr.contains("channel prod went back to build 1"),
        "{stderr}"
    );
    assert_eq!(
        rt.block_on(default_image(&cloud, PROD)),
        b1,
        "{stdout}\n{stderr}"
    );
    assert_eq!(rt.block_on(default_image(&cloud, WORKLOAD)), b1);
    let entries = rt.block_on(log(&cloud, "prod"));
    let last = entries.last().expect("entries");
    assert_eq!(last["change"], "retired", "{entries:?}");
    assert_eq!(last["note"], "openssl");

    // Prod holds build 1 and held build 2 just before: both are protected from deregistration.
    for ami in [&b1, &b2] {
        let state = rt.block_on(protection(&cloud, ami));
        assert!(
            state.is_some_and(|s| s != "disabled"),
            "{ami} is held by a channel: protected"
        );
    }
    // Protection is AWS's: deregistering the build prod holds fails.
    let refused = rt.block_on(async {
        cloud
            .ec2(PRODUCER, TOKYO)
            .await
            .deregister_image()
            .image_id(&b1)
            .send()
            .await
    });
    assert!(refused.is_err(), "a protected AMI was deregistered");
}

#[test]
fn concurrent_promotions_are_never_lost_and_held_builds_survive_prune() {
    let cloud = Localcloud::start();
    cloud.configure(json!({ "build_seconds": 1 }));
    let project = project("0s", false);
    let dir = project.path();
    ok(&cloud, dir, &["up", "--yes"]);
    ok(&cloud, dir, &["build", "--wait"]);
    ok(&cloud, dir, &["build", "--wait"]);
    let rt = common::runtime();

    // Operator A has checked the gates and waits at the prompt; operator B promotes meanwhile.
    let mut a = cloud.gold_in_terminal(dir, &["promote", "1", "--to", "prod"], 40, 200);
    a.wait_for("to prod? [y/N]");
    ok(&cloud, dir, &["promote", "2", "--to", "prod", "--yes"]);
    a.type_line("y");
    let (code, screen) = a.finish();
    assert_eq!(code, Some(1), "{screen}");
    assert!(
        screen.contains("channel prod changed while gold was checking: it holds build 2"),
        "{screen}"
    );
    let entries = rt.block_on(log(&cloud, "prod"));
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert!(
        entries[0]["build"]
            .as_str()
            .is_some_and(|b| b.starts_with("sample_v2_")),
        "B's promotion stands: {entries:?}"
    );

    // Run again, A sees B's promotion and records its own after it: both are in the history.
    ok(&cloud, dir, &["promote", "1", "--to", "prod", "--yes"]);
    let entries = rt.block_on(log(&cloud, "prod"));
    let builds: Vec<&str> = entries
        .iter()
        .filter_map(|entry| entry["build"].as_str())
        .map(|build| &build[..9])
        .collect();
    assert_eq!(builds, ["sample_v2", "sample_v1"], "{entries:?}");

    // Build 3 enters dev and then prod; build 4 enters dev. Dev holds 4 (3 before), prod 3 (1
    // before): build 2 is no channel's any more. Prune (keep the newest, delete the rest at
    // once) deletes build 2 and keeps build 1 for prod.
    ok(&cloud, dir, &["build", "--wait"]);
    ok(&cloud, dir, &["promote", "3", "--to", "prod", "--yes"]);
    ok(&cloud, dir, &["build", "--wait"]);
    let [b1, b2, b3, b4] = [1, 2, 3, 4].map(|n| rt.block_on(build_ami(&cloud, n, TOKYO)).0);
    let plan: Value = serde_json::from_str(&ok(
        &cloud,
        dir,
        &["prune", "--dry-run", "--output", "json"],
    ))
    .expect("prune plan");
    let action = |ami: &str| {
        plan["builds"]
            .as_array()
            .expect("builds")
            .iter()
            .flat_map(|build| build["amis"].as_array().into_iter().flatten())
            .find(|entry| entry["id"] == ami)
            .cloned()
            .unwrap_or_else(|| panic!("{ami} not in {plan}"))
    };
    assert_eq!(action(&b1)["reason"], "channel prod", "{plan}");
    assert_eq!(action(&b3)["reason"], "channel dev, prod", "{plan}");
    assert_eq!(action(&b2)["action"], "delete", "{plan}");
    let human = ok(&cloud, dir, &["prune", "--yes"]);
    assert!(human.contains("channel prod"), "{human}");
    assert!(
        rt.block_on(protection(&cloud, &b2)).is_none(),
        "build 2 is deleted"
    );
    for ami in [&b1, &b3, &b4] {
        let state = rt.block_on(protection(&cloud, ami));
        assert!(
            state.is_some_and(|s| s != "disabled"),
            "{ami} is held by a channel: kept and protected"
        );
    }
}

/// An Auto Scaling group of one instance launching the template `app` at `$Default`.
async fn group(cloud: &Localcloud, account: &str, name: &str) {
    aws_sdk_autoscaling::Client::new(&cloud.sdk(account, TOKYO).await)
        .create_auto_scaling_group()
        .auto_scaling_group_name(name)
        .launch_template(
            aws_sdk_autoscaling::types::LaunchTemplateSpecification::builder()
                .launch_template_name("app")
                .version("$Default")
                .build(),
        )
        .min_size(0)
        .max_size(2)
        .desired_capacity(1)
        .availability_zones(format!("{TOKYO}a"))
        .send()
        .await
        .expect("CreateAutoScalingGroup");
}

#[test]
fn a_failed_refresh_in_dev_holds_the_build_back_from_prod() {
    let cloud = Localcloud::start();
    cloud.configure(json!({ "build_seconds": 1, "refresh_seconds": 1 }));
    let project = project("0s", false);
    let dir = project.path();
    common::edit(
        &dir.join("gold.toml"),
        "name = \"app\"",
        "name = \"app\"\nauto_scaling_groups = [\"web\"]",
    );
    let rt = common::runtime();
    ok(&cloud, dir, &["up", "--yes"]);
    ok(&cloud, dir, &["build", "--wait"]);
    let b1 = rt.block_on(build_ami(&cloud, 1, TOKYO)).0;
    rt.block_on(async {
        create_template(&cloud, WORKLOAD, &b1).await;
        group(&cloud, WORKLOAD, "web").await;
    });
    ok(&cloud, dir, &["build", "--wait"]);

    // Dev's refresh onto build 2 fails: build 2 stays out of prod, the gate names the group.
    cloud.configure(json!({ "fail_instance_refresh": ["web"] }));
    let (code, stdout, stderr) = gold(&cloud, dir, &["rollout", "--yes"]);
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    let (code, stdout, stderr) = gold(&cloud, dir, &["promote", "2", "--to", "prod", "--yes"]);
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert!(stderr.contains("the soak gate refused"), "{stderr}");
    assert!(
        stdout.contains(&format!(
            "1 instance refresh failed there since it entered: web in {WORKLOAD}/{TOKYO} (Failed)"
        )),
        "{stdout}"
    );
    assert!(rt.block_on(log(&cloud, "prod")).is_empty());

    // Once dev's refresh succeeds, the build goes through.
    cloud.configure(json!({ "fail_instance_refresh": [] }));
    ok(&cloud, dir, &["rollout", "--yes"]);
    ok(&cloud, dir, &["promote", "2", "--to", "prod", "--yes"]);
    assert_eq!(rt.block_on(log(&cloud, "prod")).len(), 1);
}

/// The `gold status --output json` row of the consumer that follows `channel`.
fn row_of(status: &Value, channel: &str) -> Value {
    status["targets"]
        .as_array()
        .and_then(|rows| rows.iter().find(|row| row["channel"] == channel))
        .cloned()
        .unwrap_or_default()
}
