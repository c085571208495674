//! The release, as users get it: the archives and installers `dist` makes for every platform
//! (`dist-workspace.toml`, `.github/workflows/release.yml`), what `cargo binstall` and
//! crates.io find, and what `gold --version` says about the binary.
//!
//! Every `cargo test` runs the checks that need only this repository and the `gold` binary.
//! Those that run `dist` or reach crates.io are `#[ignore]`d: `tests/run` installs the pinned
//! dist (`tests/release/dist`) and runs them with `GOLD_DIST` naming it. No test here builds a
//! release binary (the AWS SDK crates take many minutes with LTO): the install test packs the
//! binary `cargo test` built, through dist's own archive, checksum and installer steps.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

use clap_complete::Generator;
use common::{assert_shape, repo, text};
use serde_json::Value;

/// Setting this rewrites the committed completion scripts and man pages instead of comparing.
const REGENERATE: &str = "GOLD_REGENERATE";

/// `output`'s stdout, after checking the command succeeded.
fn succeeded(what: &str, output: &Output) -> String {
    assert!(
        output.status.success(),
        "{what} failed ({}):\n{}\n{}",
        output.status,
        text(&output.stdout),
        text(&output.stderr)
    );
    text(&output.stdout)
}

fn run(what: &str, command: &mut Command) -> String {
    let output = command
        .output()
        .unwrap_or_else(|err| panic!("{what} cannot start: {err}"));
    succeeded(what, &output)
}

fn gold() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_gold"));
    command.env_clear().env("NO_COLOR", "1");
    command
}

fn git(args: &[&str]) -> String {
    run(
        &format!("git {}", args.join(" ")),
        Command::new("git").arg("-C").arg(repo()).args(args),
    )
}

fn toml_file(name: &str) -> toml::Table {
    let text = std::fs::read_to_string(repo().join(name)).expect(name);
    toml::from_str(&text).unwrap_or_else(|err| panic!("{name}: {err}"))
}

/// A string at `path` (keys separated by dots) in a TOML table.
fn toml_str<'a>(table: &'a toml::Table, path: &str) -> &'a str {
    let mut value = None;
    let mut current = table;
    for key in path.split('.') {
        let found = current.get(key).unwrap_or_else(|| panic!("no `{path}`"));
        if let Some(table) = found.as_table() {
            current = table;
        }
        value = Some(found);
    }
    value
        .and_then(toml::Value::as_str)
        .unwrap_or_else(|| panic!("`{path}` is not a string"))
}

/// The committed file's path when it differs from `expected`; with `GOLD_REGENERATE=1`, writes
/// `expected` instead.
fn stale_unless_current(path: &Path, expected: &str) -> Option<String> {
    if std::env::var_os(REGENERATE).is_some() {
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("directory created");
        std::fs::write(path, expected).expect("file written");
        return None;
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    (committed != expected).then(|| path.display().to_string())
}

#[test]
fn committed_completion_scripts_and_man_pages_are_current() {
    let mut stale = Vec::new();
    for shell in [
        clap_complete::Shell::Bash,
        clap_complete::Shell::Zsh,
        clap_complete::Shell::Fish,
        clap_complete::Shell::PowerShell,
        clap_complete::Shell::Elvish,
    ] {
        let script = run(
            "gold completions",
            gold().args(["completions", &shell.to_string()]),
        );
        let path = repo()
            .join("share/completions")
            .join(shell.file_name("gold"));
        stale.extend(stale_unless_current(&path, &script));
    }

    // The pages carry the version alone: they must not change with every commit.
    let command = <gold::cli::Cli as clap::CommandFactory>::command()
        .version(env!("CARGO_PKG_VERSION"))
        .long_version(None::<&str>);
    let pages = tempfile::tempdir().expect("a temporary directory");
    clap_mangen::generate_to(command, pages.path()).expect("man pages written");
    let committed_dir = repo().join("share/man");
    let mut names = Vec::new();
    for entry in std::fs::read_dir(pages.path()).expect("generated pages") {
        let path = entry.expect("an entry").path();
        let name = path.file_name().expect("a name").to_owned();
        let page = std::fs::read_to_string(&path).expect("a page");
        stale.extend(stale_unless_current(&committed_dir.join(&name), &page));
        names.push(name);
    }
    if std::env::var_os(REGENERATE).is_none() {
        for entry in std::fs::read_dir(&committed_dir).expect("share/man") {
            let name = entry.expect("an entry").file_name();
            if !names.contains(&name) {
                stale.push(format!(
                    "share/man/{} (no such command)",
                    name.to_string_lossy()
                ));
            }
        }
    }
    assert!(
        stale.is_empty(),
        "stale: {}\nregenerate with:\n  {REGENERATE}=1 cargo test --test release committed_",
        stale.join(", ")
    );
}

#[test]
fn version_names_the_commit_and_whether_the_sources_were_modified() {
    let document: Value = serde_json::from_str(&run(
        "gold version",
        gold().args(["version", "--output", "json"]),
    ))
    .expect("one JSON document");
    assert_shape(&document, "document.version");
    assert_eq!(document["version"], env!("CARGO_PKG_VERSION"));

    // This test runs from a clone, so the binary knows the commit it was built from.
    let head = git(&["log", "-1", "--format=%H %cs"]);
    let (commit, date) = head.trim().split_once(' ').expect("hash and date");
    assert_eq!(document["commit"], commit);
    assert_eq!(document["commit_date"], date);
    let changes = git(&[
        "status",
        "--porcelain",
        "--",
        "src",
        "build.rs",
        "Cargo.toml",
        "Cargo.lock",
    ]);
    let modified = !changes.trim().is_empty();
    assert_eq!(document["modified"], modified, "{changes}");
    assert_eq!(
        document["target"]
            .as_str()
            .map(|target| target.contains('-')),
        Some(true)
    );

    let mut line = format!(
        "gold {} ({} {date}",
        env!("CARGO_PKG_VERSION"),
        &commit[..9]
    );
    line.push_str(if modified { ", modified)" } else { ")" });
    for flag in ["--version", "-V"] {
        assert_eq!(run("gold --version", gold().arg(flag)).trim_end(), line);
    }
    let human = run("gold version", gold().arg("version"));
    assert_eq!(human.lines().next(), Some(line.as_str()), "{human}");
    assert!(human.contains(&format!("commit: {commit}\n")), "{human}");
}

#[test]
fn the_crate_package_holds_only_what_building_gold_needs() {
    let target = tempfile::tempdir().expect("a temporary directory");
    let listed = run(
        "cargo package --list",
        Command::new(env!("CARGO"))
            .args([
                "package",
                "--list",
                "--allow-dirty",
                "--locked",
                "--offline",
            ])
            .current_dir(repo())
            .env("CARGO_TARGET_DIR", target.path()),
    );
    let files: Vec<&str> = listed.lines().collect();
    // What git tracks and what it would (cargo packages uncommitted files with `--allow-dirty`).
    let sources = git(&[
        "ls-files",
        "--cached",
        "--others",
        "--exclude-standard",
        "src",
    ]);
    let mut needed: Vec<&str> = sources.lines().collect();
    needed.extend([
        "build.rs",
        "Cargo.toml",
        "Cargo.lock",
        "README.md",
        "LICENSE",
        "CHANGELOG.md",
    ]);
    let missing: Vec<&&str> = needed.iter().filter(|file| !files.contains(file)).collect();
    assert!(missing.is_empty(), "the package lacks {missing:?}");
    let unneeded: Vec<&&str> = files
        .iter()
        .filter(|file| {
            !needed.contains(file) && !["Cargo.toml.orig", ".cargo_vcs_info.json"].contains(file)
        })
        .collect();
    assert!(
        unneeded.is_empty(),
        "the package needs none of {unneeded:?}"
    );
}

/// The Install section's commands, from `Cargo.toml` and `dist-workspace.toml`: a renamed
/// package, tap or repository must be renamed in the README too.
#[test]
fn readme_install_commands_name_what_the_release_publishes() {
    let cargo = toml_file("Cargo.toml");
    let dist = toml_file("dist-workspace.toml");
    let package = toml_str(&cargo, "package.name");
    let repository = toml_str(&cargo, "package.repository");
    let latest = format!("{repository}/releases/latest/download");
    let tap = toml_str(&dist, "dist.tap");
    let tap = tap.replace("/homebrew-", "/");
    let formula = toml_str(&dist, "dist.formula");
    let readme = std::fs::read_to_string(repo().join("README.md")).expect("README.md");
    let install = readme
        .split_once("## Install\n")
        .and_then(|(_, rest)| rest.split("\n## ").next())
        .expect("an Install section");
    let commands = [
        format!("curl --proto '=https' --tlsv1.2 -LsSf {latest}/{package}-installer.sh | sh"),
        format!(
            "powershell -ExecutionPolicy Bypass -c \"irm {latest}/{package}-installer.ps1 | iex\""
        ),
        format!("brew install {tap}/{formula}"),
        format!("cargo binstall {package}"),
        format!("cargo install {package} --locked"),
    ];
    let mut previous = 0;
    for command in &commands {
        let at = install
            .find(command.as_str())
            .unwrap_or_else(|| panic!("README's Install section lacks `{command}`:\n{install}"));
        assert!(at >= previous, "`{command}` is out of order");
        previous = at;
    }
}

/// The dist `tests/run` installed (`tests/release/dist`).
fn dist() -> Command {
    let path = std::env::var_os("GOLD_DIST")
        .expect("GOLD_DIST names the pinned dist; run `tests/run`, which installs it");
    let mut command = Command::new(path);
    command.current_dir(repo());
    command
}

#[test]
#[ignore = "runs dist: tests/run installs it and sets GOLD_DIST"]
fn release_workflow_is_what_the_pinned_dist_generates() {
    let dist_config = toml_file("dist-workspace.toml");
    let pinned = toml_str(&dist_config, "dist.cargo-dist-version");
    let version = run("dist --version", dist().arg("--version"));
    assert_eq!(version.trim(), format!("cargo-dist {pinned}"));
    // Exit 1 and the difference when `.github/workflows/release.yml` is not what
    // `dist-workspace.toml` makes.
    run(
        "dist generate --check",
        dist().args(["generate", "--check"]),
    );
}

/// What `dist manifest` plans to publish: every artifact by name.
fn dist_manifest() -> Value {
    let text = run(
        "dist manifest",
        dist().args([
            "manifest",
            "--artifacts=all",
            "--output-format=json",
            "--no-local-paths",
        ]),
    );
    serde_json::from_str(&text).expect("dist's manifest is JSON")
}

/// `cargo binstall` reads `[package.metadata.binstall]`: for every archive dist makes, the URL
/// template must name that archive and the binary's path inside it.
#[test]
#[ignore = "runs dist: tests/run installs it and sets GOLD_DIST"]
fn binstall_metadata_names_every_archive_dist_makes() {
    let cargo = toml_file("Cargo.toml");
    let package = toml_str(&cargo, "package.name");
    let repository = toml_str(&cargo, "package.repository");
    let version = toml_str(&cargo, "package.version");
    let binstall = cargo["package"]["metadata"]["binstall"]
        .as_table()
        .expect("[package.metadata.binstall]");
    let manifest = dist_manifest();
    let artifacts = manifest["artifacts"].as_object().expect("artifacts");
    let archives: Vec<&Value> = artifacts
        .values()
        .filter(|artifact| artifact["kind"] == "executable-zip")
        .collect();
    assert!(archives.len() >= 7, "{archives:#?}");
    for archive in archives {
        let name = archive["name"].as_str().expect("a name");
        let target = archive["target_triples"][0].as_str().expect("a target");
        let setting = |key: &str| {
            binstall
                .get("overrides")
                .and_then(|overrides| overrides.get(target))
                .and_then(|table| table.get(key))
                .or_else(|| binstall.get(key))
                .and_then(toml::Value::as_str)
                .unwrap_or_else(|| panic!("binstall has no `{key}` for {target}"))
                .to_owned()
        };
        let (suffix, root) = match setting("pkg-fmt").as_str() {
            // dist's tarballs hold one directory named like the archive; its zips hold the files.
            "txz" => (".tar.xz", format!("{}/", name.trim_end_matches(".tar.xz"))),
            "zip" => (".zip", String::new()),
            other => panic!("pkg-fmt {other} for {target}"),
        };
        let binary_ext = if target.contains("windows") {
            ".exe"
        } else {
            ""
        };
        let expand = |template: &str| {
            let mut out = template.replace(' ', "");
            for (placeholder, value) in [
                ("{repo}", repository),
                ("{name}", package),
                ("{version}", version),
                ("{target}", target),
                ("{archive-suffix}", suffix),
                ("{binary-ext}", binary_ext),
                ("{bin}", "gold"),
            ] {
                out = out.replace(placeholder, value);
            }
            out
        };
        assert_eq!(
            expand(&setting("pkg-url")),
            format!("{repository}/releases/download/v{version}/{name}"),
            "{target}"
        );
        let executable = archive["assets"]
            .as_array()
            .and_then(|assets| assets.iter().find(|asset| asset["kind"] == "executable"))
            .and_then(|asset| asset["path"].as_str())
            .expect("the archive's executable");
        assert_eq!(
            expand(&setting("bin-dir")),
            format!("{root}{executable}"),
            "{target}"
        );
    }
}

/// `cargo publish --dry-run` without its verification build: that build compiles every
/// dependency again with the features a plain `cargo build` uses (not those `cargo test`
/// shares), which is most of CI's time; the package list test above shows the package holds
/// every source file `cargo test` compiled.
#[test]
#[ignore = "reaches crates.io: tests/run runs it"]
fn crate_publishes() {
    let target = tempfile::tempdir().expect("a temporary directory");
    run(
        "cargo publish --dry-run",
        Command::new(env!("CARGO"))
            .args([
                "publish",
                "--dry-run",
                "--no-verify",
                "--locked",
                "--allow-dirty",
            ])
            .current_dir(repo())
            .env("CARGO_TARGET_DIR", target.path()),
    );
}

/// A directory served over HTTP on 127.0.0.1, like a GitHub release's download URL; it
/// records every path asked for. The thread ends with the test process.
struct LocalRelease {
    url: String,
    asked: Arc<Mutex<Vec<String>>>,
}

impl LocalRelease {
    fn serve(dir: PathBuf) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a local port");
        let url = format!("http://{}", listener.local_addr().expect("an address"));
        let asked = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&asked);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                if let Some(path) = answer(stream, &dir) {
                    log.lock().expect("the request log").push(path);
                }
            }
        });
        Self { url, asked }
    }

    fn asked(&self) -> Vec<String> {
        self.asked.lock().expect("the request log").clone()
    }
}

/// Answers one HTTP GET with the file it names (or 404), then closes the connection.
fn answer(mut stream: TcpStream, dir: &Path) -> Option<String> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line).ok()?;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).ok()? == 0 || header == "\r\n" {
            break;
        }
    }
    let path = request_line.split(' ').nth(1)?.to_owned();
    let file = dir.join(path.trim_start_matches('/'));
    let body = (!path.contains(".."))
        .then(|| std::fs::read(&file).ok())
        .flatten();
    let head = match &body {
        Some(body) => format!(
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        ),
        None => {
            "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_owned()
        }
    };
    stream.write_all(head.as_bytes()).ok()?;
    stream.write_all(body.as_deref().unwrap_or_default()).ok()?;
    Some(path)
}

/// Makes this host's release the way the release workflow does: `dist build` of the host's
/// archive, its manifest handed on, then `dist build` of the installers and checksums. Only the
/// binary differs: dist runs the `cargo` that `CARGO` names, and a stand-in answers its
/// `cargo build` with the compiler message that points at the binary `cargo test` built
/// (stripped, as the release profile strips); every other cargo command goes to cargo.
/// dist writes into `target/distrib/` (its workspace's target directory), which is returned.
fn build_local_release(work: &Path, target: &str) -> PathBuf {
    let cargo = std::env::var("CARGO").expect("cargo test sets CARGO");
    let metadata: Value = serde_json::from_str(&run(
        "cargo metadata",
        Command::new(&cargo)
            .args(["metadata", "--format-version=1", "--no-deps", "--offline"])
            .current_dir(repo()),
    ))
    .expect("cargo metadata's JSON");
    let package = &metadata["packages"][0];
    let binary = work.join("gold");
    run(
        "strip",
        Command::new("strip")
            .arg("-o")
            .arg(&binary)
            .arg(env!("CARGO_BIN_EXE_gold")),
    );
    let message = serde_json::json!({
        "reason": "compiler-artifact",
        "package_id": package["id"],
        "manifest_path": package["manifest_path"],
        "target": {
            "kind": ["bin"], "crate_types": ["bin"], "name": "gold",
            "src_path": repo().join("src/main.rs"), "edition": "2024",
            "doc": true, "doctest": false, "test": true
        },
        "profile": {
            "opt_level": "0", "debuginfo": 0, "debug_assertions": true,
            "overflow_checks": true, "test": false
        },
        "features": [],
        "filenames": [binary],
        "executable": binary,
        "fresh": true
    });
    let messages = work.join("cargo-build-messages.json");
    std::fs::write(
        &messages,
        format!(
            "{message}\n{}\n",
            r#"{"reason":"build-finished","success":true}"#
        ),
    )
    .expect("messages written");
    let stand_in = work.join("cargo");
    std::fs::write(
        &stand_in,
        format!(
            "#!/bin/sh\nif [ \"$1\" = build ]; then exec cat '{}'; fi\nexec '{cargo}' \"$@\"\n",
            messages.display()
        ),
    )
    .expect("stand-in written");
    run("chmod", Command::new("chmod").arg("+x").arg(&stand_in));

    let distrib = repo().join("target/distrib");
    if distrib.exists() {
        // dist merges every manifest it finds there: an earlier run's would mix in.
        std::fs::remove_dir_all(&distrib).expect("old target/distrib removed");
    }
    let local = run(
        "dist build --artifacts=local",
        dist()
            .args([
                "build",
                "--artifacts=local",
                "--target",
                target,
                "--output-format=json",
            ])
            .env("CARGO", &stand_in),
    );
    // The workflow hands each build's manifest to the job that makes the installers, which
    // then carry each archive's SHA-256.
    std::fs::write(distrib.join("local-dist-manifest.json"), local).expect("manifest written");
    run(
        "dist build --artifacts=global",
        dist()
            .args(["build", "--artifacts=global", "--target", target])
            .env("CARGO", &stand_in),
    );
    distrib
}

/// The shell installer users run, against a release served on 127.0.0.1: it downloads this
/// host's archive, checks its SHA-256 and installs a `gold` that works.
#[test]
#[ignore = "runs dist: tests/run installs it and sets GOLD_DIST"]
fn shell_installer_installs_gold_from_a_local_release() {
    let about: Value = serde_json::from_str(&run(
        "gold version",
        gold().args(["version", "--output", "json"]),
    ))
    .expect("JSON");
    let target = about["target"].as_str().expect("a target");
    let package = toml_str(&toml_file("Cargo.toml"), "package.name").to_owned();
    let work = tempfile::tempdir().expect("a temporary directory");
    let release = build_local_release(work.path(), target);

    let archive = format!("{package}-{target}.tar.xz");
    let installer = release.join(format!("{package}-installer.sh"));
    let checksum = std::fs::read_to_string(release.join(format!("{archive}.sha256")))
        .expect("the archive's checksum file");
    let checksum = checksum.split_whitespace().next().expect("a SHA-256");
    let script = std::fs::read_to_string(&installer).expect("the installer");
    assert!(
        script.contains(checksum),
        "the installer does not carry the archive's SHA-256"
    );
    let listing = run(
        "tar",
        Command::new("tar").arg("-tJf").arg(release.join(&archive)),
    );
    let root = format!("{package}-{target}");
    for file in [
        "gold",
        "README.md",
        "LICENSE",
        "CHANGELOG.md",
        "completions/gold.bash",
        "completions/_gold",
        "completions/gold.fish",
        "completions/_gold.ps1",
        "completions/gold.elv",
        "man/gold.1",
        "man/gold-rollout.1",
    ] {
        assert!(
            listing.lines().any(|line| line == format!("{root}/{file}")),
            "{archive} lacks {file}:\n{listing}"
        );
    }

    let server = LocalRelease::serve(release.clone());
    let download_url = format!("{}_DOWNLOAD_URL", package.to_uppercase().replace('-', "_"));
    let install = |home: &Path| {
        Command::new("sh")
            .arg(&installer)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", home)
            .env(&download_url, &server.url)
            .output()
            .expect("sh runs the installer")
    };
    let home = work.path().join("home");
    std::fs::create_dir_all(&home).expect("a home directory");
    let output = install(&home);
    succeeded("the installer", &output);
    assert!(
        server.asked().contains(&format!("/{archive}")),
        "the installer did not download {archive}: {:?}",
        server.asked()
    );

    let gold_installed = home.join(".local/bin/gold");
    let expected = run("gold --version", gold().arg("--version"));
    let version = run(
        "the installed gold --version",
        Command::new(&gold_installed).arg("--version"),
    );
    assert_eq!(version, expected);
    let loaded = run(
        "bash with the installed gold's completions",
        Command::new("bash").arg("-c").arg(format!(
            "source <('{}' completions bash) && complete -p gold",
            gold_installed.display()
        )),
    );
    assert!(loaded.contains("gold"), "{loaded}");

    // A tampered archive fails the checksum, and nothing is installed.
    let mut bytes = Vec::new();
    std::fs::File::open(release.join(&archive))
        .and_then(|mut file| file.read_to_end(&mut bytes))
        .expect("the archive");
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    std::fs::write(release.join(&archive), &bytes).expect("archive tampered with");
    let other_home = work.path().join("other-home");
    std::fs::create_dir_all(&other_home).expect("a home directory");
    let tampered = install(&other_home);
    assert!(!tampered.status.success(), "{}", text(&tampered.stdout));
    assert!(
        text(&tampered.stderr).contains("checksum mismatch"),
        "{}",
        text(&tampered.stderr)
    );
    assert!(!other_home.join(".local/bin/gold").exists());
}
