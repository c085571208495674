//! The manifest contract, end to end through the real binary: the examples and `gold init`'s
//! output validate; a corpus of broken manifests and component documents exits 2 with the exact
//! `file:line:column: key: message` lines (snapshotted); the committed JSON Schema matches the
//! model and accepts the examples; arbitrary bytes never make the loader panic.

mod common;

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use common::{repo, stderr, stdout};
use proptest::prelude::*;

fn gold() -> Command {
    let mut command = Command::cargo_bin("gold").expect("the gold binary is built");
    command.env("NO_COLOR", "1");
    command
}

fn example(name: &str) -> PathBuf {
    repo().join("examples").join(name)
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// A temporary copy of an example, to mutate.
fn copy_of(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let source = example(name);
    fs::create_dir_all(dir.path().join("files")).expect("files dir");
    fs::write(
        dir.path().join("gold.toml"),
        read(&source.join("gold.toml")),
    )
    .expect("write");
    for entry in fs::read_dir(source.join("files")).expect("example files") {
        let entry = entry.expect("dir entry");
        fs::copy(
            entry.path(),
            dir.path().join("files").join(entry.file_name()),
        )
        .expect("copy");
    }
    dir
}

fn validate_in(dir: &Path, extra: &[&str]) -> Output {
    gold()
        .current_dir(dir)
        .args(["validate", "-f", "gold.toml"])
        .args(extra)
        .output()
        .expect("gold runs")
}

#[test]
fn examples_validate_offline() {
    for (name, summary) in [
        ("seed", "1 component, 1 consumer, 1 target"),
        ("fleet", "2 components, 3 consumers, 4 targets"),
        // Targets of consumers found in the organization are only known at run time.
        ("org", "1 component, 2 consumers, 0 targets"),
        ("encrypted", "1 component, 1 consumer, 1 target"),
    ] {
        let output = gold()
            .args(["validate", "-f"])
            .arg(example(name).join("gold.toml"))
            .output()
            .expect("gold runs");
        assert_eq!(output.status.code(), Some(0), "{name}: {}", stderr(&output));
        assert!(
            stdout(&output).contains(summary),
            "{name}: {}",
            stdout(&output)
        );
    }
}

/// Line (1-based) of the last line of `text` holding `needle` (a duplicate is reported where
/// it appears the second time).
fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .collect::<Vec<_>>()
        .iter()
        .rposition(|line| line.contains(needle))
        .expect("the needle is in the text")
        + 1
}

/// `gold validate` in `dir` exits 2 with an error at `key` saying `message`, located as
/// `error: gold.toml:LINE:COLUMN: KEY: …`; the line and [LINE, COLUMN].
fn located_error(dir: &Path, key: &str, message: &str) -> (String, Vec<usize>) {
    let output = validate_in(dir, &[]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{key}: {err}");
    let line = err
        .lines()
        .find(|line| line.contains(&format!(" {key}: ")))
        .unwrap_or_else(|| panic!("no error at `{key}`: {err}"))
        .to_owned();
    assert!(line.contains(message), "{line}");
    let position: Vec<usize> = line
        .trim_start_matches("error: ")
        .split(':')
        .skip(1)
        .take(2)
        .filter_map(|n| n.parse().ok())
        .collect();
    assert_eq!(position.len(), 2, "no line:column in {line}");
    (line, position)
}

#[test]
fn consumers_from_the_organization_are_checked_offline_with_their_location() {
    for (from, to, key, message) in [
        (
            r#"organizational_units = ["ou-ab12-sandbox1"]"#,
            r#"organizational_units = ["ou-AB-1"]"#,
            "consumers[sandbox].organizational_units[0]",
            "expected an OU id",
        ),
        (
            r#"organizational_units = ["ou-ab12-sandbox1"]"#,
            r#"account = "444455556666"
organizational_units = ["ou-ab12-sandbox1"]"#,
            "consumers[sandbox].organizational_units",
            "expected either `account` or `organizational_units`, found both",
        ),
        (
            r#"organizational_units = ["ou-ab12-sandbox1"]"#,
            r#"organizational_units = ["ou-ab12-workload"]"#,
            "consumers[workloads].organizational_units[0]",
            "expected each OU in one consumer",
        ),
        (
            r#"role_name = "GoldRollout"   #"#,
            r#"role_arn = "arn:aws:iam::444455556666:role/GoldRollout"   #"#,
            "consumers[sandbox].role_arn",
            "expected `role_name`",
        ),
        (
            r#"tag = { key = "gold:follow", value = "sample" }"#,
            r#"tag = { key = "gold:follow", value = "sample" }
name = "app""#,
            "consumers[sandbox].launch_templates[app].tag",
            "expected either `name` or `tag`, found both",
        ),
        (
            r#"tag = { key = "gold:follow", value = "sample" }"#,
            r#"tag = { key = "", value = "sample" }"#,
            "consumers[sandbox].launch_templates[0].tag.key",
            "expected a tag key of 1-128 characters",
        ),
        (
            r#"auto_scaling_groups = "all"   #"#,
            r#"auto_scaling_groups = "every"   #"#,
            // A value of the wrong shape fails parsing, which names consumers by index.
            "consumers[0].launch_templates[0].auto_scaling_groups",
            "expected `all`",
        ),
    ] {
        let dir = copy_of("org");
        let path = dir.path().join("gold.toml");
        let text = read(&path);
        assert!(text.contains(from), "`{from}` is not in examples/org");
        let text = text.replacen(from, to, 1);
        fs::write(&path, &text).expect("write");
        let (line, position) = located_error(dir.path(), key, message);
        // The line the replaced text starts on or the table the key belongs to.
        assert!(
            position[0] <= line_of(&text, to.lines().last().expect("a line")),
            "{line}"
        );
    }
}

/// The seed's manifest with a dev and a prod channel, the workload consumer following `channel`.
fn seed_with_channels(channel: Option<&str>, soak: &str) -> tempfile::TempDir {
    let dir = copy_of("seed");
    let path = dir.path().join("gold.toml");
    let mut text = read(&path);
    if let Some(channel) = channel {
        text = text.replacen(
            "name = \"workload\"\n",
            &format!("name = \"workload\"\nchannel = \"{channel}\"\n"),
            1,
        );
    }
    text = format!(
        "{text}\n[[channels]]\nname = \"dev\"\n\n[[channels]]\nname = \"prod\"\nsoak = \"{soak}\"\n\n[scanning]\nenabled = true\nblock = \"HIGH\"\n"
    );
    fs::write(&path, text).expect("write");
    dir
}

#[test]
fn channels_need_a_channel_on_every_consumer_and_name_only_known_ones() {
    let valid = seed_with_channels(Some("prod"), "24h");
    let output = validate_in(valid.path(), &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));

    for (channel, soak, key, message) in [
        (
            None,
            "24h",
            "consumers[workload]",
            "expected `channel` on consumer \"workload\"",
        ),
        (
            Some("prd"),
            "24h",
            "consumers[workload].channel",
            "found \"prd\" (did you mean `prod`?); channels: dev, prod",
        ),
        (
            Some("prod"),
            "a day",
            "channels[prod].soak",
            "expected a duration such as `24h`",
        ),
    ] {
        let dir = seed_with_channels(channel, soak);
        located_error(dir.path(), key, message);
    }

    // A channel on a consumer of a manifest without channels is a mistake too.
    let dir = copy_of("seed");
    let path = dir.path().join("gold.toml");
    let text = read(&path).replacen(
        "name = \"workload\"\n",
        "name = \"workload\"\nchannel = \"prod\"\n",
        1,
    );
    fs::write(&path, text).expect("write");
    let output = validate_in(dir.path(), &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("the manifest has no `[[channels]]`"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn validate_finds_the_manifest_upward_and_prints_json() {
    let dir = copy_of("seed");
    let nested = dir.path().join("files");
    let output = gold()
        .current_dir(&nested)
        .args(["validate", "--output", "json"])
        .output()
        .expect("gold runs");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let value: serde_json::Value = serde_json::from_str(stdout(&output).trim()).expect("JSON");
    common::assert_shape(&value, "document.validate");
    assert_eq!(value["valid"], true);
    assert_eq!(value["name"], "sample");
    assert_eq!(value["components"], 1);
    assert_eq!(value["targets"], 1);
}

#[test]
fn invalid_manifest_as_json_lists_diagnostics_and_exits_2() {
    let dir = copy_of("seed");
    let manifest = read(&dir.path().join("gold.toml")).replace(
        "account = \"444455556666\"   # Workload",
        "account = \"4444\"",
    );
    fs::write(dir.path().join("gold.toml"), manifest).expect("write");
    let output = validate_in(dir.path(), &["--output", "json"]);
    assert_eq!(output.status.code(), Some(2));
    let value: serde_json::Value = serde_json::from_str(stdout(&output).trim()).expect("JSON");
    common::assert_shape(&value, "document.validate");
    assert_eq!(value["valid"], false);
    assert_eq!(value["error"]["kind"], "manifest");
    assert_eq!(value["error"]["exit_code"], 2);
    let first = &value["error"]["diagnostics"][0];
    assert_eq!(first["file"], "gold.toml");
    assert_eq!(first["line"], 39);
    assert_eq!(first["column"], 11);
    assert_eq!(first["key"], "consumers[workload].account");
    assert_eq!(first["expected"], "a 12-digit AWS account id");
    // With `--output json` the error is printed once: in the JSON document, not on stderr too.
    assert!(!stderr(&output).contains("error:"), "{}", stderr(&output));

    let output = validate_in(dir.path(), &[]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output).lines().next(),
        Some(
            "error: gold.toml:39:11: consumers[workload].account: expected a 12-digit AWS account id, found \"4444\""
        )
    );
    assert_eq!(stdout(&output), "", "a human error goes to stderr only");
}

/// One broken input: how to break a copy of an example.
struct Case {
    name: &'static str,
    example: &'static str,
    /// Replacements in `gold.toml` (each must match).
    manifest: &'static [(&'static str, &'static str)],
    /// Files to (over)write, relative to the manifest.
    files: &'static [(&'static str, &'static str)],
}

const ORG: &str = "share_with_organizations = [\"arn:aws:organizations::000000000000:organization/o-xxxxxxxxxx\"]";

const CASES: &[Case] = &[
    Case {
        name: "toml syntax",
        example: "seed",
        manifest: &[("[producer]", "[producer")],
        files: &[],
    },
    Case {
        name: "toml duplicate key",
        example: "seed",
        manifest: &[(
            "version = \"1.0.0\"\ncomponents",
            "version = \"1.0.0\"\nversion = \"1.0.1\"\ncomponents",
        )],
        files: &[],
    },
    Case {
        name: "type error",
        example: "seed",
        manifest: &[("size_gib = 100", "size_gib = \"100\"")],
        files: &[],
    },
    Case {
        name: "out of range",
        example: "seed",
        manifest: &[("size_gib = 100", "size_gib = 20000")],
        files: &[],
    },
    Case {
        name: "datetime where a string goes",
        example: "seed",
        manifest: &[(
            "version = \"1.0.0\"\ncomponents",
            "version = 1979-05-27\ncomponents",
        )],
        files: &[],
    },
    Case {
        name: "unknown top-level key",
        example: "seed",
        manifest: &[("name = \"sample\"", "name = \"sample\"\nnmae = \"x\"")],
        files: &[],
    },
    Case {
        name: "unknown nested key",
        example: "seed",
        manifest: &[("terminate_on_failure", "terminate_on_failur")],
        files: &[],
    },
    Case {
        name: "unknown deep key",
        example: "seed",
        manifest: &[("ebs_optimized", "ebs_optimised")],
        files: &[],
    },
    Case {
        name: "unknown key, no near miss",
        example: "fleet",
        manifest: &[("auto_rollback = true", "colour = \"blue\"")],
        files: &[],
    },
    Case {
        name: "missing required key",
        example: "seed",
        manifest: &[("instance_types = [\"t3.small\"]\n", "")],
        files: &[],
    },
    Case {
        name: "enum with near miss",
        example: "seed",
        manifest: &[("platform = \"Linux\"", "platform = \"linux\"")],
        files: &[],
    },
    Case {
        name: "wave zero",
        example: "fleet",
        manifest: &[("wave = 1", "wave = 0")],
        files: &[],
    },
    Case {
        name: "empty instance types",
        example: "seed",
        manifest: &[("instance_types = [\"t3.small\"]", "instance_types = []")],
        files: &[],
    },
    Case {
        name: "producer account",
        example: "seed",
        manifest: &[("\"111122223333\"   # Shared", "\"11112222333a\"")],
        files: &[],
    },
    Case {
        name: "consumer account",
        example: "seed",
        manifest: &[("\"444455556666\"   # Workload", "\"4444\"")],
        files: &[],
    },
    Case {
        name: "role ARN of a user",
        example: "seed",
        manifest: &[(
            "region = \"ap-northeast-1\"\n",
            "region = \"ap-northeast-1\"\nrole_arn = \"arn:aws:iam::111122223333:user/alice\"\n",
        )],
        files: &[],
    },
    Case {
        name: "role ARN in another account",
        example: "fleet",
        manifest: &[(
            "arn:aws:iam::444455556666:role/GoldRollout",
            "arn:aws:iam::111122223333:role/GoldRollout",
        )],
        files: &[],
    },
    Case {
        name: "role ARN and profile",
        example: "fleet",
        manifest: &[(
            "role_arn = \"arn:aws:iam::444455556666:role/GoldRollout\"",
            "role_arn = \"arn:aws:iam::444455556666:role/GoldRollout\"\nprofile = \"staging\"",
        )],
        files: &[],
    },
    Case {
        name: "organization ARN",
        example: "seed",
        manifest: &[("organization/o-xxxxxxxxxx", "organization/o-x")],
        files: &[],
    },
    Case {
        name: "OU ARN",
        example: "fleet",
        manifest: &[("ou/o-xxxxxxxxxx/ou-ab12-cdef3456", "ou/o-xxxxxxxxxx")],
        files: &[],
    },
    Case {
        name: "SNS topic ARN",
        example: "fleet",
        manifest: &[(
            "arn:aws:sns:ap-northeast-1:111122223333:image-builds",
            "arn:aws:sqs:ap-northeast-1:111122223333:image-builds",
        )],
        files: &[],
    },
    Case {
        name: "KMS key ARN",
        example: "seed",
        manifest: &[(
            ORG,
            "share_with_organizations = [\"arn:aws:organizations::000000000000:organization/o-xxxxxxxxxx\"]\nkms_key_id = \"alias/images\"",
        )],
        files: &[],
    },
    Case {
        name: "KMS key of another region than the distribution's",
        example: "encrypted",
        manifest: &[(
            "kms_key_id = \"arn:aws:kms:ap-northeast-1:",
            "kms_key_id = \"arn:aws:kms:us-east-1:",
        )],
        files: &[],
    },
    Case {
        name: "parent image ARN of a component",
        example: "seed",
        manifest: &[(
            "\"amazon-linux-2-x86/x.x.x\"",
            "\"arn:aws:imagebuilder:ap-northeast-1:aws:component/amazon-linux-2-x86/x.x.x\"",
        )],
        files: &[],
    },
    Case {
        name: "component ARN of an image",
        example: "fleet",
        manifest: &[(
            "aws:component/amazon-cloudwatch-agent-linux",
            "aws:image/amazon-cloudwatch-agent-linux",
        )],
        files: &[],
    },
    Case {
        name: "component version",
        example: "seed",
        manifest: &[(
            "platform = \"Linux\"\nversion = \"1.0.0\"",
            "platform = \"Linux\"\nversion = \"1.0\"",
        )],
        files: &[],
    },
    Case {
        name: "recipe version",
        example: "seed",
        manifest: &[(
            "version = \"1.0.0\"\ncomponents",
            "version = \"v1.0.0\"\ncomponents",
        )],
        files: &[],
    },
    Case {
        name: "unknown region",
        example: "seed",
        manifest: &[("region = \"ap-northeast-1\"", "region = \"ap-northeast-9\"")],
        files: &[],
    },
    Case {
        name: "malformed extra region",
        example: "seed",
        manifest: &[(
            "name = \"sample\"",
            "name = \"sample\"\nextra_regions = [\"mars\"]",
        )],
        files: &[],
    },
    Case {
        name: "manifest name characters",
        example: "seed",
        manifest: &[("name = \"sample\"", "name = \"sample!\"")],
        files: &[],
    },
    Case {
        name: "manifest name too long",
        example: "seed",
        manifest: &[(
            "name = \"sample\"",
            "name = \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"",
        )],
        files: &[],
    },
    Case {
        name: "launch template name too short",
        example: "seed",
        manifest: &[("name = \"sample-lt\"", "name = \"lt\"")],
        files: &[],
    },
    Case {
        name: "launch template name and id",
        example: "seed",
        manifest: &[(
            "name = \"sample-lt\"",
            "name = \"sample-lt\"\nid = \"lt-0123456789abcdef0\"",
        )],
        files: &[],
    },
    Case {
        name: "duplicate consumer names",
        example: "fleet",
        manifest: &[("name = \"production-batch\"", "name = \"staging\"")],
        files: &[],
    },
    Case {
        name: "consumer region not distributed",
        example: "fleet",
        manifest: &[(
            "regions = [\"us-east-1\"]\nprofile",
            "regions = [\"eu-west-1\"]\nprofile",
        )],
        files: &[],
    },
    Case {
        name: "consumer account not shared",
        example: "seed",
        manifest: &[(ORG, "share_with_accounts = [\"777788889999\"]")],
        files: &[],
    },
    Case {
        name: "AMI name without buildDate",
        example: "seed",
        manifest: &[("_{{imagebuilder:buildDate}}", "")],
        files: &[],
    },
    Case {
        name: "AMI name with unknown placeholder",
        example: "seed",
        manifest: &[("{{imagebuilder:buildVersion}}", "{{imagebuilder:version}}")],
        files: &[],
    },
    Case {
        name: "recipe component not declared",
        example: "seed",
        manifest: &[("components = [\"build\"]", "components = [\"biuld\"]")],
        files: &[],
    },
    Case {
        name: "security group and ids",
        example: "seed",
        manifest: &[(
            "security_group = \"egress-only\"   # outbound",
            "security_group_ids = [\"sg-12345678\"]\nsecurity_group = \"egress-only\"   # outbound",
        )],
        files: &[],
    },
    Case {
        name: "checkpoints out of order",
        example: "fleet",
        manifest: &[("[20, 50, 100]", "[50, 20]")],
        files: &[],
    },
    Case {
        name: "refresh preferences AWS refuses",
        example: "fleet",
        manifest: &[(
            "min_healthy_percentage = 50\ninstance_warmup_seconds = 60",
            "min_healthy_percentage = 150\nmax_healthy_percentage = 300\ncheckpoint_delay_seconds = 200000\nbake_time_seconds = 172801\nalarms = [\"web-5xx\", \"web-5xx\"]",
        )],
        files: &[],
    },
    Case {
        name: "max healthy beyond spread",
        example: "fleet",
        manifest: &[(
            "min_healthy_percentage = 50",
            "min_healthy_percentage = 50\nmax_healthy_percentage = 200",
        )],
        files: &[],
    },
    Case {
        name: "build timeout",
        example: "fleet",
        manifest: &[(
            "build_timeout = \"90m\"",
            "build_timeout = \"ninety minutes\"",
        )],
        files: &[],
    },
    Case {
        name: "several problems at once",
        example: "seed",
        manifest: &[
            ("\"444455556666\"   # Workload", "\"4444\""),
            ("region = \"ap-northeast-1\"", "region = \"tokyo\""),
            (
                "components = [\"build\"]",
                "components = [\"build\", \"build\"]",
            ),
        ],
        files: &[],
    },
    Case {
        name: "component file missing",
        example: "seed",
        manifest: &[("files/build.yml", "files/missing.yml")],
        files: &[],
    },
    Case {
        name: "component YAML syntax",
        example: "seed",
        manifest: &[],
        files: &[(
            "files/build.yml",
            "schemaVersion: 1.0\nphases:\n  - name: build\n    steps: [\n      - name: x\n",
        )],
    },
    Case {
        name: "component schemaVersion",
        example: "seed",
        manifest: &[],
        files: &[(
            "files/build.yml",
            "schemaVersion: 2.0\nphases:\n  - name: build\n    steps:\n      - name: update\n        action: UpdateOS\n",
        )],
    },
    Case {
        name: "component without phases",
        example: "seed",
        manifest: &[],
        files: &[("files/build.yml", "name: nothing\nschemaVersion: 1.0\n")],
    },
    Case {
        name: "component phase name",
        example: "seed",
        manifest: &[],
        files: &[(
            "files/build.yml",
            "schemaVersion: 1.0\nphases:\n  - name: [build]\n    steps:\n      - name: update\n        action: UpdateOS\n",
        )],
    },
    Case {
        name: "component duplicate phase",
        example: "seed",
        manifest: &[],
        files: &[(
            "files/build.yml",
            "schemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n      - name: a\n        action: UpdateOS\n  - name: build\n    steps:\n      - name: b\n        action: UpdateOS\n",
        )],
    },
    Case {
        name: "component duplicate step",
        example: "seed",
        manifest: &[],
        files: &[(
            "files/build.yml",
            "schemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n      - name: update\n        action: UpdateOS\n      - name: update\n        action: Reboot\n",
        )],
    },
    Case {
        name: "component step name rule",
        example: "seed",
        manifest: &[],
        files: &[(
            "files/build.yml",
            "schemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n      - name: yum update\n        action: UpdateOS\n",
        )],
    },
    Case {
        name: "component unknown action",
        example: "seed",
        manifest: &[],
        files: &[(
            "files/build.yml",
            "schemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n      - name: update\n        action: ExecBash\n        inputs:\n          commands: [true]\n",
        )],
    },
    Case {
        name: "component unknown step key",
        example: "seed",
        manifest: &[],
        files: &[(
            "files/build.yml",
            "schemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n      - name: update\n        action: ExecuteBash\n        inptus:\n          commands: [true]\n",
        )],
    },
    Case {
        name: "component not a mapping",
        example: "seed",
        manifest: &[],
        files: &[("files/build.yml", "- just\n- a list\n")],
    },
    Case {
        name: "component two documents",
        example: "seed",
        manifest: &[],
        files: &[(
            "files/build.yml",
            "schemaVersion: 1.0\n---\nschemaVersion: 1.0\n",
        )],
    },
    Case {
        name: "schedule with five fields",
        example: "fleet",
        manifest: &[("cron(0 3 ? * MON *)", "cron(0 4 * * 0)")],
        files: &[],
    },
    Case {
        name: "schedule with both day fields",
        example: "fleet",
        manifest: &[("cron(0 3 ? * MON *)", "cron(0 4 * * SUN *)")],
        files: &[],
    },
    Case {
        name: "schedule hour out of range",
        example: "fleet",
        manifest: &[("cron(0 3 ? * MON *)", "cron(0 25 ? * SUN *)")],
        files: &[],
    },
    Case {
        name: "schedule time zone",
        example: "fleet",
        manifest: &[(
            "schedule = \"cron(0 3 ? * MON *)\"",
            "schedule = \"cron(0 3 ? * MON *)\"\nschedule_timezone = \"Asia Tokyo\"",
        )],
        files: &[],
    },
    Case {
        name: "time zone without schedule",
        example: "seed",
        manifest: &[(
            "[infrastructure]",
            "[pipeline]\nschedule_timezone = \"Asia/Tokyo\"\n\n[infrastructure]",
        )],
        files: &[],
    },
    Case {
        name: "AWS-managed component in another region",
        example: "fleet",
        manifest: &[(
            "arn:aws:imagebuilder:ap-northeast-1:aws:component",
            "arn:aws:imagebuilder:us-east-1:aws:component",
        )],
        files: &[],
    },
    Case {
        name: "misspelt AWS-managed parent image",
        example: "seed",
        manifest: &[("amazon-linux-2-x86/x.x.x", "amazon-linux-2-x68/x.x.x")],
        files: &[],
    },
    Case {
        name: "consumer in another account without credentials",
        example: "seed",
        manifest: &[(
            "role_arn = \"arn:aws:iam::444455556666:role/GoldRollout\"",
            "",
        )],
        files: &[],
    },
    Case {
        name: "account id written as an integer",
        example: "seed",
        manifest: &[("\"111122223333\"   # Shared", "111122223333")],
        files: &[],
    },
    Case {
        name: "regions written as a string",
        example: "fleet",
        manifest: &[(
            "regions = [\"ap-northeast-1\", \"us-east-1\"]",
            "regions = \"ap-northeast-1\"",
        )],
        files: &[],
    },
    Case {
        name: "consumers with single brackets",
        example: "seed",
        manifest: &[("[[consumers]]", "[consumers]")],
        files: &[],
    },
    Case {
        name: "misspelt distribution region is one error",
        example: "fleet",
        manifest: &[(
            "regions = [\"ap-northeast-1\", \"us-east-1\"]",
            "regions = [\"ap-northeast-1\", \"us-east-9\"]",
        )],
        files: &[],
    },
    Case {
        name: "component parameter the document does not declare",
        example: "fleet",
        manifest: &[("sshd_port = \"22\"", "sshd_prot = \"22\"")],
        files: &[],
    },
    Case {
        name: "fleet unknown key in refresh",
        example: "fleet",
        manifest: &[("skip_matching = false", "skip_matchin = false")],
        files: &[],
    },
    Case {
        name: "fleet bad subnet",
        example: "fleet",
        manifest: &[("subnet-0123456789abcdef0", "subnet-xyz")],
        files: &[],
    },
];

#[test]
fn a_last_checkpoint_below_100_is_a_partial_refresh_aws_allows() {
    let dir = copy_of("fleet");
    common::edit(&dir.path().join("gold.toml"), "[20, 50, 100]", "[20, 50]");
    let output = validate_in(dir.path(), &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

#[test]
fn broken_inputs_exit_2_with_located_messages() {
    let mut transcript = String::new();
    for case in CASES {
        let dir = copy_of(case.example);
        let manifest_path = dir.path().join("gold.toml");
        let mut manifest = read(&manifest_path);
        for (from, to) in case.manifest {
            assert!(
                manifest.contains(from),
                "{}: `{from}` not in the example",
                case.name
            );
            manifest = manifest.replacen(from, to, 1);
        }
        fs::write(&manifest_path, manifest).expect("write manifest");
        for (file, text) in case.files {
            fs::write(dir.path().join(file), text).expect("write file");
        }
        let output = validate_in(dir.path(), &[]);
        let err = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{}: {err}", case.name);
        assert!(!err.contains("panicked"), "{}: {err}", case.name);
        assert!(
            err.lines().all(|line| line.starts_with("error: ")),
            "{}: {err}",
            case.name
        );
        writeln!(transcript, "## {}\n{err}", case.name).expect("write to a String");
    }
    insta::assert_snapshot!("corpus", transcript);
}

fn corpus(kind: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(repo().join("tests/awstoe-corpus").join(kind))
        .expect("the corpus folder")
        .map(|entry| entry.expect("dir entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "yml"))
        .collect();
    files.sort();
    files
}

/// A manifest whose components are `documents`, each under `files/`, with the platform its
/// `# gold-platform:` comment names (Linux otherwise).
fn manifest_with(dir: &Path, documents: &[PathBuf]) {
    fs::create_dir_all(dir.join("files")).expect("files dir");
    let mut manifest = String::from(
        "name = \"corpus\"\n\n[producer]\naccount = \"111122223333\"\nregion = \"us-east-1\"\n\n",
    );
    let mut names = Vec::new();
    for document in documents {
        let text = read(document);
        let stem = document
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("a file name");
        let name = stem.trim_start_matches(|c: char| c.is_ascii_digit() || c == '-');
        let platform = if text.contains("# gold-platform: Windows") {
            "Windows"
        } else {
            "Linux"
        };
        fs::write(dir.join("files").join(format!("{name}.yml")), &text).expect("write");
        writeln!(
            manifest,
            "[components.{name}]\nfile = \"files/{name}.yml\"\nplatform = \"{platform}\"\nversion = \"1.0.0\"\n"
        )
        .expect("write to a String");
        names.push(format!("\"{name}\""));
    }
    writeln!(
        manifest,
        "[recipe]\nparent_image = \"amazon-linux-2023-x86/x.x.x\"\nversion = \"1.0.0\"\ncomponents = [{}]\n\n[infrastructure]\ninstance_types = [\"t3.small\"]\n\n[distribution]\nami_name = \"corpus-{{{{imagebuilder:buildDate}}}}\"",
        names.join(", ")
    )
    .expect("write to a String");
    fs::write(dir.join("gold.toml"), manifest).expect("write manifest");
}

#[test]
fn real_awstoe_documents_validate_as_written() {
    let documents = corpus("valid");
    assert!(documents.len() >= 20, "{documents:?}");
    let dir = tempfile::tempdir().expect("temp dir");
    manifest_with(dir.path(), &documents);
    let output = validate_in(dir.path(), &[]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{err}");
    assert!(
        stdout(&output).contains(&format!("{} components", documents.len())),
        "{}",
        stdout(&output)
    );
    // The inspec sample gives DeleteFile a `force` key the action modules page does not list:
    // AWSTOE runs it, gold says so without failing.
    assert!(
        err.lines().any(
            |line| line.starts_with("warning: files/inspec-test-linux.yml:")
                && line.contains("steps[Cleanup].inputs[0].force: unknown key")
        ),
        "{err}"
    );
}

#[test]
fn broken_awstoe_documents_fail_with_their_rule() {
    let mut transcript = String::new();
    for document in corpus("invalid") {
        let dir = tempfile::tempdir().expect("temp dir");
        manifest_with(dir.path(), std::slice::from_ref(&document));
        let output = validate_in(dir.path(), &[]);
        let err = stderr(&output);
        let name = document
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        assert_eq!(output.status.code(), Some(2), "{name}: {err}");
        let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("error: ")).collect();
        assert!(!errors.is_empty(), "{name}: {err}");
        for line in &errors {
            assert!(line.starts_with("error: files/"), "{name}: {line}");
            assert!(
                line.contains("(AWSTOE docs: \"") || line.contains("invalid YAML"),
                "{name}: every rejection names its rule: {line}"
            );
        }
        writeln!(transcript, "## {name}\n{err}").expect("write to a String");
    }
    insta::assert_snapshot!("awstoe_corpus", transcript);
}

/// The blocks of one language in a Markdown file.
fn fenced(markdown: &str, language: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match &mut current {
            None if line == format!("```{language}") => current = Some(String::new()),
            Some(block) if line == "```" => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            Some(block) => {
                block.push_str(line);
                block.push('\n');
            }
            None => {}
        }
    }
    blocks
}

#[test]
fn the_manifest_reference_in_the_docs_validates() {
    let markdown = read(&repo().join("docs/manifest.md"));
    let toml = fenced(&markdown, "toml");
    let yaml = fenced(&markdown, "yaml");
    assert_eq!(
        (toml.len(), yaml.len()),
        (1, 1),
        "one reference and its document"
    );
    let dir = tempfile::tempdir().expect("temp dir");
    fs::create_dir_all(dir.path().join("files")).expect("files dir");
    fs::write(dir.path().join("gold.toml"), &toml[0]).expect("write");
    fs::write(dir.path().join("files/build.yml"), &yaml[0]).expect("write");
    let output = validate_in(dir.path(), &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stderr(&output), "", "no warnings either");
    let instance = toml_as_json(&toml[0]);
    let errors: Vec<String> = schema_validator()
        .iter_errors(&instance)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
}

#[test]
fn component_document_over_the_inline_limit_is_rejected() {
    let dir = copy_of("seed");
    let mut text = read(&dir.path().join("files/build.yml"));
    text.push_str("# ");
    text.push_str(&"x".repeat(16_000));
    text.push('\n');
    fs::write(dir.path().join("files/build.yml"), text).expect("write");
    let output = validate_in(dir.path(), &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).starts_with(
            "error: gold.toml:11:8: components.build.file: expected `files/build.yml` to have at most 16,000 characters"
        ),
        "{}",
        stderr(&output)
    );
}

#[test]
fn empty_binary_and_huge_manifests_exit_2() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("gold.toml");
    let mut cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "empty",
            Vec::new(),
            "error: gold.toml:1:1: missing key `name`",
        ),
        (
            "not UTF-8",
            b"name = \"sample\"\nregion = \"\xff\xfe\"\n".to_vec(),
            "error: gold.toml:2:11: expected UTF-8 text, found the byte 0xFF",
        ),
        (
            "binary",
            (0..=255u8).cycle().take(4096).collect(),
            "error: gold.toml:",
        ),
        (
            "deep nesting",
            format!("a = {}", "[".repeat(200_000)).into_bytes(),
            "error: gold.toml:",
        ),
    ];
    let mut huge = Vec::with_capacity(20 << 20);
    while huge.len() < 20 << 20 {
        huge.extend_from_slice(b"# padding padding padding padding padding padding padding\n");
    }
    cases.push((
        "20 MB",
        huge,
        "error: gold.toml: expected a manifest of at most 1024 KiB, found 20481 KiB",
    ));
    for (name, bytes, expected) in cases {
        fs::write(&path, bytes).expect("write");
        let output = validate_in(dir.path(), &[]);
        let err = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{name}: {err}");
        assert!(err.starts_with(expected), "{name}: {err}");
        assert!(!err.contains("panicked"), "{name}: {err}");
    }
}

#[test]
fn missing_manifest_is_a_usage_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = gold()
        .current_dir(dir.path())
        .arg("validate")
        .output()
        .expect("gold runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("no `gold.toml`"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn init_writes_a_starter_that_validates_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().expect("temp dir");
    let project = dir.path().join("images");
    let first = gold()
        .arg("init")
        .arg(&project)
        .output()
        .expect("gold runs");
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let manifest = read(&project.join("gold.toml"));
    assert!(manifest.contains("name = \"images\""), "{manifest}");
    assert!(project.join("files/build.yml").is_file());

    let output = gold()
        .current_dir(&project)
        .arg("validate")
        .output()
        .expect("gold runs");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));

    fs::write(project.join("gold.toml"), "edited").expect("write");
    let again = gold()
        .arg("init")
        .arg(&project)
        .output()
        .expect("gold runs");
    assert_eq!(again.status.code(), Some(2));
    assert!(
        stderr(&again).contains("already exist"),
        "{}",
        stderr(&again)
    );
    assert_eq!(
        read(&project.join("gold.toml")),
        "edited",
        "init must not overwrite"
    );

    let forced = gold()
        .arg("init")
        .arg(&project)
        .arg("--force")
        .output()
        .expect("gold runs");
    assert_eq!(forced.status.code(), Some(0), "{}", stderr(&forced));
    assert_eq!(read(&project.join("gold.toml")), manifest);
}

#[test]
fn committed_schema_is_current() {
    let committed = read(&repo().join("schemas/gold.schema.json"));
    let output = gold().arg("schema").output().expect("gold runs");
    assert_eq!(output.status.code(), Some(0));
    assert!(
        committed == stdout(&output),
        "schemas/gold.schema.json is stale; regenerate it with:\n  cargo run -q -- schema > schemas/gold.schema.json"
    );
}

#[test]
fn committed_output_schema_is_current() {
    let committed = read(&repo().join("schemas/output.schema.json"));
    let output = gold()
        .args(["schema", "output"])
        .output()
        .expect("gold runs");
    assert_eq!(output.status.code(), Some(0));
    assert!(
        committed == stdout(&output),
        "schemas/output.schema.json is stale; regenerate it with:\n  cargo run -q -- schema output > schemas/output.schema.json"
    );
    jsonschema::validator_for(&serde_json::from_str(&committed).expect("JSON"))
        .expect("a valid JSON Schema");
}

fn schema_validator() -> jsonschema::Validator {
    let schema: serde_json::Value =
        serde_json::from_str(&read(&repo().join("schemas/gold.schema.json"))).expect("schema JSON");
    jsonschema::validator_for(&schema).expect("a valid JSON Schema")
}

fn toml_as_json(text: &str) -> serde_json::Value {
    let value: toml::Value = toml::from_str(text).expect("TOML");
    serde_json::to_value(value).expect("JSON")
}

#[test]
fn examples_and_starter_satisfy_the_schema_and_unknown_keys_do_not() {
    let validator = schema_validator();
    let starter = tempfile::tempdir().expect("temp dir");
    let init = gold()
        .arg("init")
        .arg(starter.path())
        .output()
        .expect("gold runs");
    assert_eq!(init.status.code(), Some(0));
    for path in [
        example("seed").join("gold.toml"),
        example("fleet").join("gold.toml"),
        example("org").join("gold.toml"),
        starter.path().join("gold.toml"),
    ] {
        let text = read(&path);
        assert!(
            path.starts_with(starter.path())
                || text.starts_with("#:schema ../../schemas/gold.schema.json\n"),
            "{} must start with the #:schema line",
            path.display()
        );
        let instance = toml_as_json(&text);
        let errors: Vec<String> = validator
            .iter_errors(&instance)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}", path.display());
    }
    for (from, to) in [
        ("ebs_optimized = true", "ebs_optimised = true"),
        ("name = \"sample\"", "name = \"sample\"\nextra = 1"),
        ("type = \"gp3\"", "type = \"gp4\""),
    ] {
        let text = read(&example("seed").join("gold.toml")).replacen(from, to, 1);
        assert!(
            !validator.is_valid(&toml_as_json(&text)),
            "schema accepted `{to}`"
        );
    }
}

#[test]
fn loaded_manifest_has_defaults_filled_in() {
    let loaded = gold::manifest::load(&example("seed").join("gold.toml")).expect("seed loads");
    let m = &loaded.manifest;
    assert_eq!(m.distribution.regions, ["ap-northeast-1"]);
    assert_eq!(m.consumers[0].regions, ["ap-northeast-1"]);
    assert_eq!(m.consumers[0].wave, 1);
    assert_eq!(m.distribution.ami_name_template().pattern(), "sample_v*_*");
    assert_eq!(m.consumer_regions(&m.consumers[0]), ["ap-northeast-1"]);
    assert_eq!(
        m.consumers[0].launch_templates[0]
            .refresh
            .min_healthy_percentage,
        90
    );
    assert!(m.infrastructure.creates_instance_profile());
    let build = &loaded.components["build"];
    assert_eq!(build.text, read(&example("seed").join("files/build.yml")));
    assert_eq!(build.sha256.len(), 64);

    let fleet = gold::manifest::load(&example("fleet").join("gold.toml")).expect("fleet loads");
    let waves: Vec<(u32, &str)> = fleet
        .manifest
        .listed_templates()
        .iter()
        .map(|t| (t.consumer.wave, t.region))
        .collect();
    assert_eq!(
        waves,
        [
            (1, "ap-northeast-1"),
            (2, "ap-northeast-1"),
            (2, "us-east-1"),
            (2, "us-east-1")
        ]
    );
}

fn load_bytes(bytes: &[u8]) -> Result<(), gold::manifest::Error> {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("gold.toml");
    fs::write(&path, bytes).expect("write");
    gold::manifest::load(&path).map(drop)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        prop_assert!(load_bytes(&bytes).is_err());
    }

    #[test]
    fn toml_ish_text_never_panics(text in "([a-z_]{1,12} ?= ?(\"[a-z0-9:/.{}-]{0,20}\"|[0-9]{1,6}|true|\\[|\\]|\\{|\\})|\\[\\[?[a-z_.]{1,20}\\]\\]?|#[ -~]{0,10}|\n){0,40}") {
        let result = load_bytes(text.as_bytes());
        if let Err(error) = result {
            prop_assert!(error.diagnostics.iter().all(|d| !d.message.is_empty()));
        }
    }

    #[test]
    fn mutated_seed_never_panics(cut in 0usize..1400, len in 0usize..40, insert in "[\\[\\]{}=\",.a-z0-9\n ]{0,6}") {
        let seed = read(&example("seed").join("gold.toml"));
        let mut bytes = seed.into_bytes();
        let start = cut.min(bytes.len());
        let end = (start + len).min(bytes.len());
        bytes.splice(start..end, insert.bytes());
        let dir = tempfile::tempdir().expect("temp dir");
        fs::create_dir_all(dir.path().join("files")).expect("files");
        fs::copy(example("seed").join("files/build.yml"), dir.path().join("files/build.yml")).expect("copy");
        let path = dir.path().join("gold.toml");
        fs::write(&path, &bytes).expect("write");
        if let Err(error) = gold::manifest::load(&path) {
            prop_assert!(error.diagnostics.iter().all(|d| d.line > 0 && d.column > 0));
        }
    }

    #[test]
    fn yaml_ish_component_documents_never_panic(text in "([a-zA-Z:]{0,10}[ \\-:\\[\\]{}&*!|>'\"#]{0,3}\n?){0,60}") {
        let dir = copy_of("seed");
        fs::write(dir.path().join("files/build.yml"), &text).expect("write");
        let result = gold::manifest::load(&dir.path().join("gold.toml"));
        if text.trim().is_empty() {
            prop_assert!(result.is_err());
        }
    }
}

/// Image Builder and EC2 hold at most 50 tags a resource (Image Builder's `TagMap` in its
/// model); gold adds three to the manifest's `tags` (`gold:hash` on components and recipes), two
/// to `ami_tags`.
#[test]
fn tags_leave_room_for_the_ones_gold_adds() {
    let many = |n: usize| {
        (0..n)
            .map(|i| format!("t{i} = \"v\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let dir = copy_of("seed");
    let manifest = dir.path().join("gold.toml");
    let text = read(&manifest);
    let at = |tags: usize, ami: usize| {
        let edited = text
            .replacen(
                "name = \"sample\"\n",
                &format!("name = \"sample\"\ntags = {{ {} }}\n", many(tags)),
                1,
            )
            .replacen(
                "ami_tags = { ImageBuilder = \"true\" }",
                &format!("ami_tags = {{ {} }}", many(ami)),
                1,
            );
        fs::write(&manifest, edited).expect("write manifest");
        validate_in(dir.path(), &[])
    };
    let fits = at(47, 48);
    assert_eq!(fits.status.code(), Some(0), "{}", stderr(&fits));
    let over = at(48, 49);
    assert_eq!(over.status.code(), Some(2));
    let err = stderr(&over);
    assert!(
        err.contains(": tags: expected at most 47 tags (AWS allows 50 on a resource, and gold adds 3), found 48")
            && err.contains(": distribution.ami_tags: expected at most 48 tags (AWS allows 50 on a resource, and gold adds 2), found 49"),
        "{err}"
    );
}
