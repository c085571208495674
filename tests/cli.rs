//! The command line's contract, through the real binary: every row of the README's exit code
//! table, failures as one JSON document with `--output json` (and nothing on stderr besides),
//! the documented shape of each JSON document, what users read in the three representative
//! errors (snapshots), completion scripts and `--help`.
//!
//! Rows covered elsewhere: a failed or cancelled build and a watch timeout (exit 1) and Ctrl-C
//! (exit 130) in `tests/build.rs`; a failed rollout target (exit 1) in `tests/rollout.rs`.

mod common;

use std::path::Path;
use std::process::Output;

use common::{Localcloud, assert_shape, assert_stream_shape, edit, example, stderr, stdout};
use serde_json::Value;

/// The real binary without any AWS environment (for commands that never call AWS).
fn gold(dir: &Path) -> assert_cmd::Command {
    let mut command = assert_cmd::Command::cargo_bin("gold").expect("the gold binary");
    command
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("NO_COLOR", "1");
    command
}

fn code(output: &Output) -> i32 {
    output.status.code().expect("an exit code")
}

/// The one JSON document a failed run printed.
fn error_document(output: &Output) -> Value {
    let text = stdout(output);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1, "one JSON document expected:\n{text}");
    let document: Value = serde_json::from_str(lines[0]).expect("a JSON document");
    assert!(
        !stderr(output).contains("error:"),
        "the error is printed twice:\n{}",
        stderr(output)
    );
    document
}

#[test]
fn manifest_and_usage_errors_exit_2_and_plan_detailed_exitcode_makes_every_error_1() {
    let project = example("seed");
    let dir = project.path();
    edit(
        &dir.join("gold.toml"),
        "account = \"444455556666\"   # Workload",
        "account = \"4444\"",
    );
    let validate = gold(dir).arg("validate").output().expect("gold runs");
    assert_eq!(code(&validate), 2, "{}", stderr(&validate));
    let plan = gold(dir).arg("plan").output().expect("gold runs");
    assert_eq!(code(&plan), 2, "{}", stderr(&plan));
    let detailed = gold(dir)
        .args(["-f", "gold.toml", "plan", "--detailed-exitcode"])
        .output()
        .expect("gold runs");
    assert_eq!(code(&detailed), 1, "{}", stderr(&detailed));
    insta::assert_snapshot!("manifest_error", stderr(&detailed));

    let json = gold(dir)
        .args(["--output", "json", "plan", "--detailed-exitcode"])
        .output()
        .expect("gold runs");
    assert_eq!(code(&json), 1);
    let document = error_document(&json);
    assert_shape(&document, "document.error");
    assert_eq!(document["error"]["kind"], "manifest");
    assert_eq!(document["error"]["exit_code"], 1);
    assert_eq!(
        document["error"]["diagnostics"][0]["key"],
        "consumers[workload].account"
    );

    let usage = gold(dir)
        .args(["rollout", "--ami", "nonsense"])
        .output()
        .expect("gold runs");
    assert_eq!(code(&usage), 2, "{}", stderr(&usage));
    let unknown_flag = gold(dir)
        .args(["status", "--bogus"])
        .output()
        .expect("gold runs");
    assert_eq!(code(&unknown_flag), 2, "{}", stderr(&unknown_flag));
    let unknown_flag = gold(dir)
        .args(["plan", "--detailed-exitcode", "--bogus"])
        .output()
        .expect("gold runs");
    assert_eq!(code(&unknown_flag), 1, "{}", stderr(&unknown_flag));
    let json = gold(dir)
        .args(["--output", "json", "status", "--bogus"])
        .output()
        .expect("gold runs");
    assert_eq!(code(&json), 2);
    let document = error_document(&json);
    assert_shape(&document, "document.error");
    assert_eq!(document["error"]["kind"], "usage");
}

#[test]
fn exit_codes_against_localcloud_follow_the_readme_table() {
    let localcloud = Localcloud::start();
    let project = example("seed");
    let dir = project.path();
    let run = |args: &[&str]| localcloud.gold(dir).args(args).output().expect("gold runs");

    // Changes pending: 2; the plan is a documented JSON document.
    assert_eq!(code(&run(&["plan", "--detailed-exitcode"])), 2);
    let plan = run(&["--output", "json", "plan"]);
    assert_eq!(code(&plan), 0, "{}", stderr(&plan));
    let document: Value = serde_json::from_slice(&plan.stdout).expect("a JSON plan");
    assert_shape(&document, "document.plan");
    assert_eq!(document["has_changes"], true);
    assert_eq!(document["waiting"][0]["resource"]["name"], "sample-lt");

    // `up` streams documented events and ends with `applied`; then nothing is pending: 0.
    let up = run(&["--output", "json", "up", "--yes"]);
    assert_eq!(code(&up), 0, "{}", stderr(&up));
    let events = assert_stream_shape(&up.stdout);
    assert_eq!(events.first().map(|e| &e["event"]), Some(&"plan".into()));
    assert_eq!(events.last().map(|e| &e["event"]), Some(&"applied".into()));
    assert_eq!(code(&run(&["plan", "--detailed-exitcode"])), 0);
    let status = run(&["--output", "json", "status"]);
    assert_eq!(code(&status), 0, "{}", stderr(&status));
    let document: Value = serde_json::from_slice(&status.stdout).expect("a JSON status");
    assert_shape(&document, "document.status");
    assert!(document["targets"][0]["waiting"].is_string(), "{document}");

    // A launch template the manifest names that does not exist cannot be planned or read: 1.
    let manifest = dir.join("gold.toml");
    let original = std::fs::read_to_string(&manifest).expect("the manifest");
    std::fs::write(
        &manifest,
        format!("{original}\n[[consumers.launch_templates]]\nname = \"missing-lt\"\n"),
    )
    .expect("manifest written");
    let plan = run(&["plan", "--detailed-exitcode"]);
    assert_eq!(code(&plan), 1, "{}", stdout(&plan));
    assert!(
        stdout(&plan).contains("Cannot plan:\n  launch template missing-lt (444455556666/ap-northeast-1): the launch template does not exist"),
        "{}",
        stdout(&plan)
    );
    let status = run(&["status"]);
    assert_eq!(code(&status), 1, "{}", stdout(&status));
    assert!(
        stdout(&status).contains(
            "Cannot read:\n  missing-lt (444455556666/ap-northeast-1): the launch template does not exist"
        ),
        "{}",
        stdout(&status)
    );
    let status = run(&["--output", "json", "status"]);
    assert_eq!(code(&status), 1);
    let document: Value = serde_json::from_slice(&status.stdout).expect("a JSON status");
    assert_shape(&document, "document.status");
    assert_eq!(document["error"]["kind"], "failed");
    std::fs::write(&manifest, &original).expect("manifest restored");

    // A consumer whose role cannot be assumed: AWS's code and message, naming AssumeRole.
    localcloud.configure(serde_json::json!({ "deny_accounts": ["444455556666"] }));
    let status = run(&["status"]);
    assert_eq!(code(&status), 1);
    insta::assert_snapshot!(
        "access_denied",
        format!("{}{}", stdout(&status), stderr(&status))
    );
    localcloud.configure(serde_json::json!({ "deny_accounts": [] }));

    // Credentials that act in another account than the manifest says: 1, nothing changed.
    edit(
        &manifest,
        "account = \"111122223333\"   # Shared",
        "account = \"999999999999\"",
    );
    let wrong = run(&["up", "--yes"]);
    assert_eq!(code(&wrong), 1);
    insta::assert_snapshot!("wrong_account", stderr(&wrong));
    let wrong = run(&["--output", "json", "up", "--yes"]);
    assert_eq!(code(&wrong), 1);
    let document = error_document(&wrong);
    assert_shape(&document, "document.error");
    assert_eq!(document["error"]["kind"], "aws");
    assert_eq!(document["error"]["aws"]["operation"], "GetCallerIdentity");
    assert_eq!(document["error"]["aws"]["account"], "999999999999");
}

#[test]
fn completion_scripts_load_in_their_shell() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let output = gold(dir.path())
            .args(["completions", shell])
            .output()
            .expect("gold runs");
        assert_eq!(code(&output), 0, "{shell}: {}", stderr(&output));
        assert!(stdout(&output).contains("rollout"), "{shell}");
    }
    let gold_binary = assert_cmd::cargo::cargo_bin("gold");
    let loaded = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "source <('{}' completions bash) && complete -p gold",
            gold_binary.display()
        ))
        .output()
        .expect("bash runs");
    assert!(
        loaded.status.success() && stdout(&loaded).contains("gold"),
        "{}{}",
        stdout(&loaded),
        stderr(&loaded)
    );
}

#[test]
fn each_commands_help_lists_its_own_flags_before_the_global_ones() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let help = gold(dir.path())
        .args(["rollout", "--help"])
        .output()
        .expect("gold runs");
    let text = stdout(&help);
    let own = text.find("--dry-run").expect("rollout's own flag");
    let globals = text
        .find("Global options:")
        .expect("a heading for the global flags");
    let yes = text.find("--yes").expect("a global flag");
    assert!(own < globals && globals < yes, "{text}");
}
