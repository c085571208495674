//! `gold build` end to end: the real binary against localcloud, the origin scenario's manifest
//! (`examples/seed`) provisioned with `gold up --yes`, results checked through the SDK and the
//! request log.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{Localcloud, calls, exit_of, runtime, text};
use serde_json::{Value, json};

const PRODUCER: &str = "111122223333";
const REGION: &str = "ap-northeast-1";
/// The step of `examples/seed/files/build.yml` that checks jq is installed.
const VALIDATE_STEP: &str = "validate/jq_install";
/// Polling bounds for tests: fast enough to see every phase of a short build.
const POLL_MIN: Duration = Duration::from_millis(100);
const POLL_MAX: Duration = Duration::from_millis(300);

/// A copy of `examples/seed` in a fresh directory, provisioned with `gold up --yes`.
fn provisioned(localcloud: &Localcloud) -> tempfile::TempDir {
    let dir = common::example("seed");
    let output = localcloud
        .gold(dir.path())
        .args(["up", "--yes"])
        .output()
        .expect("gold up runs");
    assert!(
        output.status.success(),
        "gold up failed:\n{}",
        text(&output.stderr)
    );
    dir
}

/// `gold build …` with the test polling bounds.
fn gold_build(localcloud: &Localcloud, dir: &Path) -> assert_cmd::Command {
    let mut command = localcloud.gold(dir);
    command
        .env(
            "GOLD_POLL_MIN",
            humantime::format_duration(POLL_MIN).to_string(),
        )
        .env(
            "GOLD_POLL_MAX",
            humantime::format_duration(POLL_MAX).to_string(),
        )
        .arg("build");
    command
}

/// The same as [`gold_build`] as a plain child process, for signals and terminals.
fn gold_command(program: &str, localcloud: &Localcloud, dir: &Path) -> Command {
    let mut command = Command::new(program);
    command.current_dir(dir).env_clear();
    command.env("PATH", std::env::var("PATH").unwrap_or_default());
    for (key, value) in localcloud.env() {
        command.env(key, value);
    }
    command
        .env(
            "GOLD_POLL_MIN",
            humantime::format_duration(POLL_MIN).to_string(),
        )
        .env(
            "GOLD_POLL_MAX",
            humantime::format_duration(POLL_MAX).to_string(),
        );
    command
}

fn gold_binary() -> PathBuf {
    assert_cmd::cargo::cargo_bin("gold")
}

/// The image's state as Image Builder reports it to the producer account: (status, reason).
fn image_state(localcloud: &Localcloud, image: &str) -> (String, Option<String>) {
    runtime().block_on(async {
        let config = localcloud.sdk(PRODUCER, REGION).await;
        let client = aws_sdk_imagebuilder::Client::new(&config);
        let output = client
            .get_image()
            .image_build_version_arn(image)
            .send()
            .await
            .expect("GetImage");
        let state = output
            .image()
            .and_then(|i| i.state())
            .expect("an image state");
        (
            state
                .status()
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default(),
            state.reason().map(str::to_owned),
        )
    })
}

/// Where the request log ends now; what follows is the next command's.
///
/// Marks instead of `reset_requests`: a POST whose body localcloud does not read
/// (`/_localcloud/reset`) sometimes leaves the test's control connection hanging.
fn mark(localcloud: &Localcloud) -> usize {
    localcloud.requests().len()
}

/// The requests logged since `since`.
fn requests_since(localcloud: &Localcloud, since: usize) -> Vec<Value> {
    localcloud.requests().split_off(since)
}

/// The calls to Image Builder's `action` in the producer account logged since `since`.
fn producer_calls(localcloud: &Localcloud, since: usize, action: &str) -> usize {
    calls(&requests_since(localcloud, since), "imagebuilder", action)
        .iter()
        .filter(|account| *account == PRODUCER)
        .count()
}

/// The most `GetImage` calls a watch of `seconds` may make: one per floor interval, plus the
/// last look after the build ends and a few for the time gold needs to notice.
fn get_image_bound(seconds: u64) -> usize {
    let floor = POLL_MIN.as_millis();
    let looks = Duration::from_secs(seconds).as_millis().div_ceil(floor);
    let noticing = POLL_MAX.as_millis().div_ceil(floor);
    usize::try_from(looks + 1 + noticing).expect("a small number")
}

/// Every line of a JSON stream, each checked against the documented shape of its event.
fn json_events(stdout: &[u8]) -> Vec<Value> {
    common::assert_stream_shape(stdout)
}

fn attach_hint_arn(stderr: &str) -> String {
    let start = stderr
        .find("gold build --attach ")
        .unwrap_or_else(|| panic!("no re-attach command in:\n{stderr}"))
        + "gold build --attach ".len();
    arn_at(stderr, start)
}

/// The ARN that starts at byte `start` of `text` (it ends at a backtick, a space or a line end).
fn arn_at(text: &str, start: usize) -> String {
    text[start..]
        .split(['`', ' ', '\n'])
        .next()
        .expect("an ARN")
        .to_owned()
}

#[test]
fn a_build_reaches_available_and_its_ami_exists_with_the_rendered_name() {
    let localcloud = Localcloud::start();
    let dir = provisioned(&localcloud);
    let seconds = 6;
    localcloud.configure(json!({"build_seconds": seconds}));
    let since = mark(&localcloud);

    let output = gold_build(&localcloud, dir.path())
        .args(["--wait", "--output", "json"])
        .output()
        .expect("gold build runs");
    assert!(output.status.success(), "{}", text(&output.stderr));

    let events = json_events(&output.stdout);
    let kinds: Vec<&str> = events.iter().filter_map(|e| e["event"].as_str()).collect();
    assert_eq!(kinds.first(), Some(&"started"), "{kinds:?}");
    assert!(
        kinds.contains(&"step"),
        "no workflow step was reported: {kinds:?}"
    );
    let statuses: Vec<&str> = events
        .iter()
        .filter(|e| e["event"] == "phase")
        .filter_map(|e| e["status"].as_str())
        .collect();
    assert_eq!(statuses.first(), Some(&"PENDING"), "{statuses:?}");
    assert_eq!(statuses.last(), Some(&"AVAILABLE"), "{statuses:?}");

    let result = events.last().expect("events");
    assert_eq!(result["event"], "result");
    assert_eq!(result["status"], "AVAILABLE");
    let image = result["image"].as_str().expect("an image ARN");
    assert!(image.contains(":image/sample/1.0.0/"), "{image}");
    let amis = result["amis"].as_array().expect("AMIs");
    assert_eq!(amis.len(), 1, "{result}");
    let ami = &amis[0];
    assert_eq!(ami["region"], REGION);
    assert_eq!(ami["account"], PRODUCER);
    let ami_id = ami["ami"].as_str().expect("an AMI id");
    let name = ami["name"].as_str().expect("an AMI name");
    assert!(
        name.starts_with("sample_v1_") && !name.contains("{{"),
        "{name}"
    );

    let get_images = producer_calls(&localcloud, since, "GetImage");
    assert!(
        get_images <= get_image_bound(seconds),
        "{get_images} GetImage calls for a {seconds}s build"
    );

    let described = runtime().block_on(async {
        let config = localcloud.sdk(PRODUCER, REGION).await;
        aws_sdk_ec2::Client::new(&config)
            .describe_images()
            .image_ids(ami_id)
            .send()
            .await
            .expect("DescribeImages")
    });
    let images = described.images();
    assert_eq!(images.len(), 1, "{ami_id} is not in EC2");
    assert_eq!(images[0].name(), Some(name));
    assert_eq!(image_state(&localcloud, image).0, "AVAILABLE");
}

#[test]
fn a_failed_step_exits_1_naming_the_step_the_reason_and_the_logs() {
    let localcloud = Localcloud::start();
    let dir = provisioned(&localcloud);
    localcloud.configure(json!({"build_seconds": 4, "fail_build_step": VALIDATE_STEP}));
    let since = mark(&localcloud);

    let output = gold_build(&localcloud, dir.path())
        .args(["--wait", "--timeout", "10m"])
        .output()
        .expect("gold build runs");
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("FAILED"), "{stderr}");
    assert!(stderr.contains("`ApplyBuildComponents`"), "{stderr}");
    let step = VALIDATE_STEP.rsplit('/').next().expect("a step");
    assert!(
        stderr.contains(step),
        "the component step is not named:\n{stderr}"
    );
    assert!(stderr.contains("/aws/imagebuilder/sample"), "{stderr}");
    assert!(!stderr.contains("stopped watching"), "{stderr}");

    // gold stopped at the look that saw FAILED: after its last GetImage it only looked up
    // the failed step, and it never looked more often than the floor allows.
    let log = requests_since(&localcloud, since);
    let gold_calls: Vec<&str> = log
        .iter()
        .filter(|r| r["service"] == "imagebuilder" && r["account"] == PRODUCER)
        .filter_map(|r| r["action"].as_str())
        .collect();
    let last_get = gold_calls
        .iter()
        .rposition(|a| *a == "GetImage")
        .expect("GetImage calls");
    assert!(
        gold_calls[last_get + 1..]
            .iter()
            .all(|a| a.starts_with("ListWorkflow")),
        "{gold_calls:?}"
    );
    let get_images = gold_calls.iter().filter(|a| **a == "GetImage").count();
    assert!(
        get_images <= get_image_bound(4),
        "{get_images} GetImage calls"
    );

    let image = attach_hint_arn_or_arn(&stderr);
    assert_eq!(image_state(&localcloud, &image).0, "FAILED");
}

/// The image ARN named in a failure message (`image build `ARN` is FAILED …`).
fn attach_hint_arn_or_arn(stderr: &str) -> String {
    let start = stderr
        .find("arn:aws:imagebuilder:")
        .expect("an image ARN in the output");
    arn_at(stderr, start)
}

#[test]
fn the_display_is_live_on_a_terminal_and_plain_lines_in_a_pipe() {
    let localcloud = Localcloud::start();
    let dir = provisioned(&localcloud);
    // Every phase lasts at least 0.8s here, well over the longest poll interval.
    localcloud.configure(json!({"build_seconds": 16}));
    let phases = [
        "pending",
        "creating",
        "building",
        "testing",
        "distributing",
        "integrating",
        "available",
    ];

    let gold = gold_binary();
    let output = gold_command("script", &localcloud, dir.path())
        .args([
            "-qec",
            &format!("{} build --wait", gold.display()),
            "/dev/null",
        ])
        .env("TERM", "xterm")
        .stdin(Stdio::null())
        .output()
        .expect("script runs");
    let terminal = text(&output.stdout);
    assert!(output.status.success(), "{terminal}");
    assert!(terminal.contains("\u{1b}["), "no live display:\n{terminal}");
    for phase in phases {
        assert!(
            terminal.contains(phase),
            "the display never showed {phase}:\n{terminal}"
        );
    }
    assert!(
        terminal.contains("ApplyBuildComponents"),
        "no workflow step:\n{terminal}"
    );
    assert!(terminal.contains("ami-"), "no AMI:\n{terminal}");

    let output = gold_build(&localcloud, dir.path())
        .arg("--wait")
        .output()
        .expect("gold build runs");
    let stderr = text(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        !stderr.contains('\u{1b}'),
        "escape codes in a pipe:\n{stderr}"
    );
    for phase in phases {
        let line = stderr
            .lines()
            .find(|line| line.contains(&format!("] {phase} (")))
            .unwrap_or_else(|| panic!("no line for {phase}:\n{stderr}"));
        let stamp = line.split(' ').next().expect("a timestamp");
        assert!(
            humantime::parse_rfc3339(stamp).is_ok(),
            "not timestamped: {line}"
        );
    }
    let stdout = text(&output.stdout);
    assert!(
        !stdout.contains('\u{1b}'),
        "escape codes in a pipe:\n{stdout}"
    );
    let row = stdout.lines().nth(1).expect("an AMI row");
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(cells[0], REGION, "{stdout}");
    assert!(cells[2].starts_with("ami-"), "{stdout}");
    assert!(cells[3].starts_with("sample_v2_"), "{stdout}");
}

#[test]
fn a_timeout_stops_watching_and_attach_follows_the_build_to_the_end() {
    let localcloud = Localcloud::start();
    let dir = provisioned(&localcloud);
    localcloud.configure(json!({"build_seconds": 8}));

    let output = gold_build(&localcloud, dir.path())
        .args(["--wait", "--timeout", "1s"])
        .output()
        .expect("gold build runs");
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("stopped watching after 1s"), "{stderr}");
    assert!(stderr.contains("the build goes on"), "{stderr}");
    let image = attach_hint_arn(&stderr);
    let (status, _) = image_state(&localcloud, &image);
    assert!(
        !["AVAILABLE", "FAILED", "CANCELLED"].contains(&status.as_str()),
        "the timeout ended the build: {status}"
    );

    let since = mark(&localcloud);
    let output = gold_build(&localcloud, dir.path())
        .args(["--attach", &image, "--output", "json"])
        .output()
        .expect("gold build --attach runs");
    assert!(output.status.success(), "{}", text(&output.stderr));
    let events = json_events(&output.stdout);
    assert!(
        events.iter().all(|e| e["event"] != "started"),
        "attach started a build"
    );
    let result = events.last().expect("events");
    assert_eq!(result["status"], "AVAILABLE");
    assert_eq!(result["image"], image.as_str());
    assert_eq!(
        producer_calls(&localcloud, since, "StartImagePipelineExecution"),
        0
    );
}

#[test]
fn ctrl_c_stops_watching_without_cancelling_the_build() {
    let localcloud = Localcloud::start();
    let dir = provisioned(&localcloud);
    localcloud.configure(json!({"build_seconds": 60}));

    let mut child = gold_command(
        gold_binary().to_str().expect("a UTF-8 path"),
        &localcloud,
        dir.path(),
    )
    .args(["build", "--wait", "--output", "json"])
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .expect("gold starts");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    // The first look at the build comes after gold listens for Ctrl-C.
    let mut line = String::new();
    let image = loop {
        line.clear();
        assert!(
            stdout.read_line(&mut line).expect("a line") > 0,
            "gold ended early"
        );
        let event: Value = serde_json::from_str(&line).expect("a JSON event");
        if event["event"] == "watching" {
            break event["image"].as_str().expect("an image").to_owned();
        }
    };
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let status = exit_of(&mut child, Duration::from_secs(30));
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut stderr)
        .expect("stderr read");
    assert_eq!(status.code(), Some(130), "{stderr}");
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).expect("stdout read");
    let last: Value =
        serde_json::from_str(rest.lines().last().expect("a last event")).expect("a JSON event");
    assert_eq!(last["event"], "detached");
    assert_eq!(last["reason"], "interrupted");
    // With `--output json` the error, and its re-attach hint, are part of the last event.
    assert_eq!(last["error"]["kind"], "interrupted", "{last}");
    assert_eq!(last["error"]["exit_code"], 130, "{last}");
    let hint = last["error"]["hint"].as_str().expect("a hint");
    assert_eq!(attach_hint_arn(hint), image, "{hint}");
    assert!(!stderr.contains("error:"), "{stderr}");
    common::assert_stream_shape(rest.as_bytes());

    assert_eq!(producer_calls(&localcloud, 0, "CancelImageCreation"), 0);
    let (status, _) = image_state(&localcloud, &image);
    assert!(
        !["FAILED", "CANCELLED"].contains(&status.as_str()),
        "Ctrl-C ended the build: {status}"
    );
}

#[test]
fn cancel_stops_a_build_and_attach_then_reports_it_cancelled() {
    let localcloud = Localcloud::start();
    let dir = provisioned(&localcloud);
    localcloud.configure(json!({"build_seconds": 60}));

    let output = gold_build(&localcloud, dir.path())
        .output()
        .expect("gold build runs");
    assert!(output.status.success(), "{}", text(&output.stderr));
    let image = text(&output.stdout).trim().to_owned();
    assert!(image.starts_with("arn:aws:imagebuilder:"), "{image}");

    let output = gold_build(&localcloud, dir.path())
        .args(["--cancel", &image])
        .output()
        .expect("gold build --cancel runs");
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(producer_calls(&localcloud, 0, "CancelImageCreation"), 1);
    let (status, _) = image_state(&localcloud, &image);
    assert_eq!(status, "CANCELLED");

    let output = gold_build(&localcloud, dir.path())
        .args(["--attach", &image])
        .output()
        .expect("gold build --attach runs");
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("CANCELLED"), "{stderr}");

    let output = gold_build(&localcloud, dir.path())
        .args(["--attach", "sample/1.0.0/1"])
        .output()
        .expect("gold build runs");
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stderr));
    let output = gold_build(&localcloud, dir.path())
        .args([
            "--cancel",
            "arn:aws:imagebuilder:ap-northeast-1:444455556666:image/sample/1.0.0/1",
        ])
        .output()
        .expect("gold build runs");
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("444455556666"), "{stderr}");
}

#[test]
fn build_wait_rollout_moves_the_consumer_template_to_the_new_ami() {
    let localcloud = Localcloud::start();
    let dir = provisioned(&localcloud);
    localcloud.configure(json!({"build_seconds": 3}));

    let output = gold_build(&localcloud, dir.path())
        .args(["--wait", "--rollout"])
        .output()
        .expect("gold build runs");
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--yes"), "{stderr}");
    assert_eq!(
        producer_calls(&localcloud, 0, "StartImagePipelineExecution"),
        0
    );

    let output = gold_build(&localcloud, dir.path())
        .args(["--wait", "--rollout", "--yes", "--output", "json"])
        .output()
        .expect("gold build runs");
    assert!(output.status.success(), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    let result: Value = stdout
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .find(|event| event["event"] == "result")
        .unwrap_or_else(|| panic!("no build result in:\n{stdout}"));
    let ami = result["amis"][0]["ami"]
        .as_str()
        .expect("an AMI")
        .to_owned();

    let image = runtime().block_on(async {
        let config = localcloud.sdk("444455556666", REGION).await;
        common::template_image(&config, "sample-lt", "$Default").await
    });
    assert_eq!(image, ami);
}

#[test]
fn throttling_and_server_errors_do_not_break_the_watch() {
    let localcloud = Localcloud::start();
    let dir = provisioned(&localcloud);
    localcloud.configure(json!({"build_seconds": 4, "throttle_rate": 0.3, "error_rate": 0.05}));
    let since = mark(&localcloud);

    let output = gold_build(&localcloud, dir.path())
        .args(["--wait", "--output", "json"])
        .output()
        .expect("gold build runs");
    assert!(output.status.success(), "{}", text(&output.stderr));
    let events = json_events(&output.stdout);
    assert_eq!(events.last().expect("events")["status"], "AVAILABLE");
    let refused = requests_since(&localcloud, since)
        .iter()
        .filter(|r| r["service"] == "imagebuilder" && r["status"].as_u64() >= Some(400))
        .count();
    assert!(refused > 0, "localcloud refused no Image Builder call");
}

const WORKLOAD: &str = "444455556666";
/// The parameter `examples/terraform-consumer` keeps in the Workload account.
const PARAMETER: &str = "/gold/sample/ami";

/// `gold build --wait` with the test polling bounds; the AMI it built.
fn built_ami(localcloud: &Localcloud, dir: &Path) -> String {
    let output = gold_build(localcloud, dir)
        .args(["--wait", "--output", "json"])
        .output()
        .expect("gold build runs");
    assert!(output.status.success(), "{}", text(&output.stderr));
    json_events(&output.stdout)
        .into_iter()
        .find(|event| event["event"] == "result")
        .and_then(|result| result["amis"][0]["ami"].as_str().map(str::to_owned))
        .expect("the build's AMI")
}

/// `gold ARGS` in `dir`, which must succeed; its stdout.
fn gold_ok(localcloud: &Localcloud, dir: &Path, args: &[&str]) -> String {
    let output = localcloud.gold(dir).args(args).output().expect("gold runs");
    assert!(
        output.status.success(),
        "gold {args:?} failed:\n{}",
        text(&output.stderr)
    );
    text(&output.stdout)
}

/// The parameter in `account` as Parameter Store shows it: (value, data type, version), or
/// `None` when it does not exist.
fn parameter(localcloud: &Localcloud, account: &str) -> Option<(String, String, i64)> {
    runtime().block_on(async {
        common::parameter(&localcloud.sdk(account, REGION).await, PARAMETER).await
    })
}

/// The Workload parameter's values, oldest version first.
fn parameter_history(localcloud: &Localcloud) -> Vec<String> {
    runtime().block_on(async {
        let config = localcloud.sdk(WORKLOAD, REGION).await;
        let history = aws_sdk_ssm::Client::new(&config)
            .get_parameter_history()
            .name(PARAMETER)
            .send()
            .await
            .expect("GetParameterHistory");
        let mut versions = history.parameters.unwrap_or_default();
        versions.sort_by_key(|v| v.version);
        versions
            .into_iter()
            .map(|v| v.value.unwrap_or_default())
            .collect()
    })
}

/// The Workload team's own launch template `app-lt`, whose image id resolves the parameter, and
/// its group `web` of one instance at `$Default`; the template's id.
fn resolving_template(localcloud: &Localcloud) -> String {
    runtime().block_on(async {
        let config = localcloud.sdk(WORKLOAD, REGION).await;
        let ec2 = aws_sdk_ec2::Client::new(&config);
        let template = ec2
            .create_launch_template()
            .launch_template_name("app-lt")
            .launch_template_data(
                aws_sdk_ec2::types::RequestLaunchTemplateData::builder()
                    .image_id(format!("resolve:ssm:{PARAMETER}"))
                    .instance_type("t3.small".into())
                    .build(),
            )
            .send()
            .await
            .expect("CreateLaunchTemplate")
            .launch_template
            .and_then(|t| t.launch_template_id)
            .expect("a template id");
        aws_sdk_autoscaling::Client::new(&config)
            .create_auto_scaling_group()
            .auto_scaling_group_name("web")
            .launch_template(
                aws_sdk_autoscaling::types::LaunchTemplateSpecification::builder()
                    .launch_template_id(&template)
                    .version("$Default")
                    .build(),
            )
            .min_size(0)
            .max_size(2)
            .desired_capacity(1)
            .availability_zones(format!("{REGION}a"))
            .send()
            .await
            .expect("CreateAutoScalingGroup");
        template
    })
}

/// What group `web` runs: (the AMIs of its instances, its refreshes' statuses, newest first,
/// and the template's latest version number).
fn web(localcloud: &Localcloud, template: &str) -> (Vec<String>, Vec<String>, i64) {
    runtime().block_on(async {
        let config = localcloud.sdk(WORKLOAD, REGION).await;
        let autoscaling = aws_sdk_autoscaling::Client::new(&config);
        let ec2 = aws_sdk_ec2::Client::new(&config);
        let group = autoscaling
            .describe_auto_scaling_groups()
            .auto_scaling_group_names("web")
            .send()
            .await
            .expect("DescribeAutoScalingGroups");
        let ids: Vec<String> = group.auto_scaling_groups()[0]
            .instances()
            .iter()
            .filter_map(|i| i.instance_id().map(str::to_owned))
            .collect();
        let reservations = ec2
            .describe_instances()
            .set_instance_ids(Some(ids))
            .send()
            .await
            .expect("DescribeInstances");
        let images = reservations
            .reservations()
            .iter()
            .flat_map(aws_sdk_ec2::types::Reservation::instances)
            .filter_map(|i| i.image_id().map(str::to_owned))
            .collect();
        let refreshes = autoscaling
            .describe_instance_refreshes()
            .auto_scaling_group_name("web")
            .send()
            .await
            .expect("DescribeInstanceRefreshes")
            .instance_refreshes()
            .iter()
            .filter_map(|r| r.status().map(|s| s.as_str().to_owned()))
            .collect();
        let latest = ec2
            .describe_launch_templates()
            .launch_template_ids(template)
            .send()
            .await
            .expect("DescribeLaunchTemplates")
            .launch_templates()[0]
            .latest_version_number()
            .expect("a latest version");
        (images, refreshes, latest)
    })
}

/// Stops sharing `ami` with the organization (as the producer).
fn unshare(localcloud: &Localcloud, ami: &str) {
    runtime().block_on(async {
        let config = localcloud.sdk(PRODUCER, REGION).await;
        aws_sdk_ec2::Client::new(&config)
            .modify_image_attribute()
            .image_id(ami)
            .launch_permission(
                aws_sdk_ec2::types::LaunchPermissionModifications::builder()
                    .remove(
                        aws_sdk_ec2::types::LaunchPermission::builder()
                            .organization_arn(
                                "arn:aws:organizations::000000000000:organization/o-xxxxxxxxxx",
                            )
                            .build(),
                    )
                    .build(),
            )
            .send()
            .await
            .expect("ModifyImageAttribute");
    });
}

/// `gold rollout` on a terminal (through `script`): `between` runs while gold asks for
/// confirmation, after it read and planned everything; then gold is told yes. Its exit code and
/// everything the terminal showed.
fn rollout_confirmed_after(
    localcloud: &Localcloud,
    dir: &Path,
    between: impl FnOnce(),
) -> (Option<i32>, String) {
    let gold = gold_binary();
    let mut child = gold_command("script", localcloud, dir)
        .args(["-qec", &format!("{} rollout", gold.display()), "/dev/null"])
        .env("TERM", "dumb")
        // A value Parameter Store refuses shows only as a version that never appears: gold
        // waits its whole bound (two minutes) before it says so; a short one keeps this quick.
        .env("GOLD_PROPAGATION_TIMEOUT", "10s")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("script runs");
    let mut stdout = child.stdout.take().expect("piped stdout");
    let mut shown = Vec::new();
    let mut chunk = [0_u8; 4096];
    while !text(&shown).contains("[y/N]") {
        let read = std::io::Read::read(&mut stdout, &mut chunk).expect("terminal output");
        assert!(read > 0, "gold never asked:\n{}", text(&shown));
        shown.extend_from_slice(&chunk[..read]);
    }
    between();
    let mut stdin = child.stdin.take().expect("piped stdin");
    std::io::Write::write_all(&mut stdin, b"y\n").expect("answer written");
    std::io::Read::read_to_end(&mut stdout, &mut shown).expect("terminal output");
    let status = exit_of(&mut child, Duration::from_mins(2));
    (status.code(), text(&shown))
}

#[test]
#[expect(
    clippy::too_many_lines,
    reason = "one scenario in one localcloud: up, two builds, rollouts, a template that follows, rollback, a refused AMI"
)]
fn a_workload_parameter_follows_each_build_in_waves_rolls_back_and_fails_alone_when_ssm_refuses_the_ami()
 {
    let localcloud = Localcloud::start();
    let dir = common::example("terraform-consumer");
    gold_ok(&localcloud, dir.path(), &["up", "--yes"]);
    localcloud.configure(json!({"build_seconds": 3, "refresh_seconds": 1}));

    let first = built_ami(&localcloud, dir.path());
    gold_ok(&localcloud, dir.path(), &["rollout", "--yes"]);
    assert_eq!(
        parameter(&localcloud, WORKLOAD),
        Some((first.clone(), "aws:ec2:image".to_owned(), 1))
    );

    // The team's own template resolves the parameter; gold refreshes its group after moving it.
    let template = resolving_template(&localcloud);
    let manifest = dir.path().join("gold.toml");
    let follower = "\n[[consumers.launch_templates]]\nname = \"app-lt\"\nauto_scaling_groups = [\"web\"]\n[consumers.launch_templates.refresh]\ninstance_warmup_seconds = 0\n";
    let mut text_now = std::fs::read_to_string(&manifest).expect("gold.toml");
    text_now.push_str(follower);
    std::fs::write(&manifest, &text_now).expect("gold.toml written");

    let second = built_ami(&localcloud, dir.path());
    let plan = gold_ok(&localcloud, dir.path(), &["plan"]);
    assert!(
        plan.contains(&format!("~ ssm parameter {PARAMETER}: {first} (sample_v1_"))
            && plan.contains(&format!("-> {second} (sample_v2_")),
        "{plan}"
    );
    assert!(
        plan.contains(&format!(
            "~ auto scaling group web: instance refresh to {second}"
        )),
        "{plan}"
    );
    assert_eq!(
        plan.matches("~ ssm parameter").count(),
        1,
        "one writer per parameter:\n{plan}"
    );

    gold_ok(&localcloud, dir.path(), &["rollout", "--yes"]);
    assert_eq!(
        parameter_history(&localcloud),
        [first.clone(), second.clone()]
    );
    let (images, refreshes, latest) = web(&localcloud, &template);
    assert_eq!(
        images,
        std::slice::from_ref(&second),
        "web runs the new AMI"
    );
    assert_eq!(refreshes, ["Successful"]);
    assert_eq!(latest, 1, "no new template version");

    let status: Value = serde_json::from_str(&gold_ok(
        &localcloud,
        dir.path(),
        &["status", "--output", "json"],
    ))
    .expect("status JSON");
    common::assert_shape(&status, "document.status");
    let row = status["targets"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|row| row["target"]["kind"] == "ssm_parameter")
        .expect("the parameter's row");
    assert_eq!(row["current"]["id"], second.as_str(), "{row}");
    assert_eq!(row["parameter_version"], 2, "{row}");
    assert_eq!(row["builds_behind"], 0, "{row}");

    gold_ok(&localcloud, dir.path(), &["rollback", "--yes"]);
    assert_eq!(
        parameter_history(&localcloud),
        [first.clone(), second.clone(), first.clone()]
    );
    assert_eq!(web(&localcloud, &template).0, std::slice::from_ref(&first));
    gold_ok(&localcloud, dir.path(), &["rollback", "--yes"]);
    assert_eq!(
        parameter_history(&localcloud).len(),
        3,
        "a second rollback does nothing"
    );

    // The producer's own account keeps the parameter too; the Workload account loses the AMI
    // while gold asks for confirmation, so Parameter Store's check refuses it there only.
    std::fs::write(
        &manifest,
        text_now.replace(follower, "")
            + "\n[[consumers]]\nname = \"shared\"\naccount = \"111122223333\"\n[[consumers.parameters]]\nname = \"/gold/sample/ami\"\n",
    )
    .expect("gold.toml written");
    let (code, shown) = rollout_confirmed_after(&localcloud, dir.path(), || {
        unshare(&localcloud, &second);
    });
    assert_eq!(code, Some(1), "{shown}");
    assert!(
        shown.contains(&format!(
            "Parameter Store did not accept {second} for SSM parameter {PARAMETER} within 10 s"
        )),
        "{shown}"
    );
    assert!(shown.contains("1 of 2 target(s) failed"), "{shown}");
    assert!(
        shown.contains(&format!(
            "waiting for Parameter Store: version 4 of SSM parameter {PARAMETER} is not readable yet (Parameter Store checks {second} first)"
        )),
        "{shown}"
    );
    assert_eq!(
        parameter(&localcloud, WORKLOAD),
        Some((first.clone(), "aws:ec2:image".to_owned(), 3)),
        "the refused AMI left the parameter as it was"
    );
    assert_eq!(
        parameter(&localcloud, PRODUCER).map(|(value, ..)| value),
        Some(second)
    );
}

/// The result event of `gold build --wait --output json`: (image build ARN, AMI id).
fn built(localcloud: &Localcloud, dir: &Path) -> (String, String) {
    let output = gold_build(localcloud, dir)
        .args(["--wait", "--output", "json"])
        .output()
        .expect("gold build runs");
    assert!(output.status.success(), "{}", text(&output.stderr));
    let result = json_events(&output.stdout).pop().expect("events");
    assert_eq!(result["status"], "AVAILABLE", "{result}");
    (
        result["image"].as_str().expect("an image ARN").to_owned(),
        result["amis"][0]["ami"]
            .as_str()
            .expect("an AMI id")
            .to_owned(),
    )
}

/// The active resource shares called `name` that `account` owns.
fn shares(
    localcloud: &Localcloud,
    account: &str,
    name: &str,
) -> Vec<aws_sdk_ram::types::ResourceShare> {
    runtime().block_on(async {
        let config = localcloud.sdk(account, REGION).await;
        aws_sdk_ram::Client::new(&config)
            .get_resource_shares()
            .resource_owner(aws_sdk_ram::types::ResourceOwner::SelfValue)
            .name(name)
            .resource_share_status(aws_sdk_ram::types::ResourceShareStatus::Active)
            .send()
            .await
            .expect("GetResourceShares")
            .resource_shares()
            .to_vec()
    })
}

/// `examples/layered` in one localcloud: the base shares its image and hardening component
/// through RAM (once organization sharing is enabled, which its first `up` asks for), the app
/// builds on them in the Workload account, a second base build puts the app one parent behind,
/// an account outside the organization cannot use the parent, and destroying the base removes
/// its share.
#[test]
#[expect(
    clippy::too_many_lines,
    reason = "one scenario in one localcloud: sharing off, base up and builds, app up and build, layers, an outsider, destroy"
)]
fn a_derived_image_builds_on_the_shared_base_and_knows_how_far_behind_it_is() {
    const WORKLOAD: &str = "444455556666";
    const ORGANIZATION: &str = "arn:aws:organizations::000000000000:organization/o-xxxxxxxxxx";
    let localcloud = Localcloud::start();
    localcloud.configure(json!({"build_seconds": 2}));
    let dir = common::example("layered");
    let (base, app) = (dir.path().join("base"), dir.path().join("app"));
    // The dummy credentials act in the Shared account; the app team's account is reached
    // through the role Organizations made (`tests/examples.rs` runs the app as its own operator).
    common::edit(
        &app.join("gold.toml"),
        "region = \"ap-northeast-1\"",
        "region = \"ap-northeast-1\"\nrole_arn = \"arn:aws:iam::444455556666:role/OrganizationAccountAccessRole\"",
    );

    // A new organization has RAM's organization sharing off: the share cannot reach it.
    let refused = localcloud
        .gold(&base)
        .args(["up", "--yes"])
        .output()
        .expect("gold up runs");
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused.stderr));
    let stderr = text(&refused.stderr);
    assert!(
        stderr.contains("aws ram enable-sharing-with-aws-organization")
            && stderr.contains("management account 000000000000"),
        "{stderr}"
    );
    runtime().block_on(async {
        let config = localcloud.sdk("000000000000", REGION).await;
        aws_sdk_ram::Client::new(&config)
            .enable_sharing_with_aws_organization()
            .send()
            .await
            .expect("EnableSharingWithAwsOrganization");
    });

    let up = localcloud
        .gold(&base)
        .args(["up", "--yes"])
        .output()
        .expect("gold up runs");
    assert!(up.status.success(), "{}", text(&up.stderr));
    let share = shares(&localcloud, PRODUCER, "base");
    assert_eq!(share.len(), 1, "one share `base`");
    assert!(
        share[0]
            .tags()
            .iter()
            .any(|t| t.key() == Some("gold:manifest") && t.value() == Some("base")),
        "{share:?}"
    );
    let (base_first, base_ami) = built(&localcloud, &base);

    let up = localcloud
        .gold(&app)
        .args(["up", "--yes"])
        .output()
        .expect("gold up runs");
    assert!(up.status.success(), "{}", text(&up.stderr));
    let (app_image, app_ami) = built(&localcloud, &app);
    assert!(
        app_image.contains(&format!(":{WORKLOAD}:image/app/1.0.0/")),
        "{app_image}"
    );
    let source = runtime().block_on(async {
        let config = localcloud.sdk(WORKLOAD, REGION).await;
        aws_sdk_ec2::Client::new(&config)
            .get_image_ancestry()
            .image_id(&app_ami)
            .send()
            .await
            .expect("GetImageAncestry")
            .image_ancestry_entries()
            .first()
            .and_then(|entry| entry.source_image_id())
            .map(str::to_owned)
    });
    assert_eq!(
        source.as_deref(),
        Some(base_ami.as_str()),
        "the app AMI is built on the base AMI"
    );

    // A second base build: `build --wait` shares it, and the app is one parent build behind.
    let (base_second, _) = built(&localcloud, &base);
    assert_ne!(base_first, base_second);
    let plan = localcloud
        .gold(&app)
        .arg("plan")
        .output()
        .expect("gold plan runs");
    assert!(plan.status.success(), "{}", text(&plan.stderr));
    assert!(
        text(&plan.stdout).contains("1 parent build(s) behind the newest (1.0.0/2)"),
        "{}",
        text(&plan.stdout)
    );
    let status = localcloud
        .gold(&app)
        .args(["status", "--output", "json"])
        .output()
        .expect("gold status runs");
    assert!(
        status.status.success(),
        "{}{}",
        text(&status.stderr),
        text(&status.stdout)
    );
    let document: Value = serde_json::from_slice(&status.stdout).expect("one JSON document");
    common::assert_shape(&document, "document.status");
    let newest = &document["producer"]["layers"]["builds"][0];
    assert_eq!(newest["arn"], app_image.as_str(), "{document}");
    assert_eq!(newest["parent_build"], "1.0.0/1", "{document}");
    assert_eq!(newest["parents_behind"], 1, "{document}");
    let base_status = localcloud
        .gold(&base)
        .args(["status", "--output", "json"])
        .output()
        .expect("gold status runs");
    let document: Value = serde_json::from_slice(&base_status.stdout).expect("one JSON document");
    let share = &document["producer"]["share"];
    assert_eq!(share["principals"][0]["entity"], ORGANIZATION, "{document}");
    assert_eq!(share["principals"][0]["status"], "ASSOCIATED", "{document}");
    assert_eq!(share["unshared"], json!([]), "{document}");

    // An account outside the organization: the share does not reach it, and `up` says which.
    let outsider = dir.path().join("outsider");
    std::fs::create_dir_all(outsider.join("files")).expect("a directory");
    std::fs::copy(app.join("gold.toml"), outsider.join("gold.toml")).expect("copied");
    std::fs::copy(
        app.join("files/runtime.yml"),
        outsider.join("files/runtime.yml"),
    )
    .expect("copied");
    for (from, to) in [
        ("account = \"444455556666\"", "account = \"999988887777\""),
        ("arn:aws:iam::444455556666:", "arn:aws:iam::999988887777:"),
    ] {
        common::edit(&outsider.join("gold.toml"), from, to);
    }
    localcloud.reset_requests();
    let refused = localcloud
        .gold(&outsider)
        .args(["up", "--yes"])
        .output()
        .expect("gold up runs");
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused.stderr));
    let stderr = text(&refused.stderr);
    assert!(
        stderr.contains("is not shared with account 999988887777")
            && stderr.contains("resource share `base`"),
        "{stderr}"
    );
    let changed: Vec<Value> = localcloud
        .requests()
        .into_iter()
        .filter(|r| r["account"] == "999988887777")
        .filter(|r| {
            let action = r["action"].as_str().unwrap_or_default();
            !["Get", "List", "Describe"]
                .iter()
                .any(|p| action.starts_with(p))
                && action != "AssumeRole"
        })
        .collect();
    assert_eq!(
        changed,
        Vec::<Value>::new(),
        "nothing changed in the outsider account"
    );

    let destroyed = localcloud
        .gold(&base)
        .args(["destroy", "--yes"])
        .output()
        .expect("gold destroy runs");
    assert!(destroyed.status.success(), "{}", text(&destroyed.stderr));
    assert!(
        shares(&localcloud, PRODUCER, "base").is_empty(),
        "the share is gone"
    );
}
