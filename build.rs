//! Records which sources the `gold` binary is built from, for `gold --version` and
//! `gold version`: the commit, its date and whether the sources differ from it.
//!
//! Three ways to know, tried in order:
//! 1. a git clone (this directory holds `.git`): `git log` and `git status`;
//! 2. the crates.io package: `cargo package` records the commit it packaged in
//!    `.cargo_vcs_info.json` (`git.sha1`, and `git.dirty` when it packaged uncommitted changes;
//!    Cargo book, "cargo package": "a `.cargo_vcs_info.json` file ... with information about the
//!    current VCS checkout hash");
//! 3. anything else (a source archive without either): no commit, and gold says nothing about it.
//!
//! "Modified" means the files the binary is compiled from ([`SOURCES`]) differ from the
//! commit; an edited README or test does not make a different binary.

use std::path::Path;
use std::process::Command;

/// What the binary is compiled from, relative to this directory.
const SOURCES: &[&str] = &["src", "build.rs", "Cargo.toml", "Cargo.lock"];

/// The commit a build comes from, as far as it can be known.
#[derive(Default)]
struct Origin {
    /// The full commit hash; empty when unknown.
    commit: String,
    /// The commit's date, `YYYY-MM-DD`; empty when unknown.
    date: String,
    /// `true` or `false`; empty when unknown.
    modified: String,
}

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut instructions: Vec<String> = SOURCES
        .iter()
        .map(|source| format!("cargo::rerun-if-changed={source}"))
        .collect();
    let origin = if dir.join(".git").exists() {
        instructions.extend(
            git_files_that_move_with_head(dir)
                .into_iter()
                .map(|file| format!("cargo::rerun-if-changed={file}")),
        );
        from_git(dir)
    } else {
        from_package(dir)
    }
    .unwrap_or_default();
    instructions.push(format!("cargo::rustc-env=GOLD_COMMIT={}", origin.commit));
    instructions.push(format!("cargo::rustc-env=GOLD_COMMIT_DATE={}", origin.date));
    instructions.push(format!(
        "cargo::rustc-env=GOLD_MODIFIED={}",
        origin.modified
    ));
    let target = std::env::var("TARGET").unwrap_or_default();
    instructions.push(format!("cargo::rustc-env=GOLD_TARGET={target}"));
    // Cargo reads a build script's instructions from its stdout, one per line.
    let mut text = instructions.join("\n");
    text.push('\n');
    let _ = std::io::Write::write_all(&mut std::io::stdout(), text.as_bytes());
}

/// The commit checked out and whether [`SOURCES`] differ from it; `None` when git is missing
/// or the clone has no commit yet.
fn from_git(dir: &Path) -> Option<Origin> {
    let head = git(dir, &["log", "-1", "--format=%H %cs"])?;
    let (commit, date) = head.trim().split_once(' ')?;
    let mut status = vec!["status", "--porcelain", "--"];
    status.extend(SOURCES);
    let changes = git(dir, &status)?;
    Some(Origin {
        commit: commit.to_owned(),
        date: date.to_owned(),
        modified: (!changes.trim().is_empty()).to_string(),
    })
}

/// The files git rewrites when HEAD moves to another commit (a commit, a checkout, a reset):
/// HEAD itself, its reflog, the branch it points to and the packed refs. Only files that exist
/// are named: Cargo reruns a build script on every build while a named file is missing.
fn git_files_that_move_with_head(dir: &Path) -> Vec<String> {
    let mut names = vec![
        "HEAD".to_owned(),
        "logs/HEAD".to_owned(),
        "packed-refs".to_owned(),
    ];
    if let Some(branch) = git(dir, &["symbolic-ref", "-q", "HEAD"]) {
        names.push(branch.trim().to_owned());
    }
    names
        .iter()
        .filter_map(|name| git(dir, &["rev-parse", "--git-path", name]))
        .map(|path| dir.join(path.trim()))
        .filter(|path| path.exists())
        .map(|path| path.display().to_string())
        .collect()
}

/// The commit `cargo package` recorded, when this is a packaged crate.
fn from_package(dir: &Path) -> Option<Origin> {
    let info = std::fs::read_to_string(dir.join(".cargo_vcs_info.json")).ok()?;
    let commit = json_string(&info, "sha1")?;
    let dirty = info
        .split_once("\"dirty\"")
        .is_some_and(|(_, rest)| rest.trim_start_matches([':', ' ']).starts_with("true"));
    Some(Origin {
        commit,
        date: String::new(),
        modified: dirty.to_string(),
    })
}

/// The string value of `"key"` in a small JSON document Cargo wrote (no escapes in a hash).
fn json_string(text: &str, key: &str) -> Option<String> {
    let (_, rest) = text.split_once(&format!("\"{key}\""))?;
    let rest = rest.trim_start_matches([':', ' ']).strip_prefix('"')?;
    let (value, _) = rest.split_once('"')?;
    Some(value.to_owned())
}

/// A git command's stdout, when git ran and succeeded.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    String::from_utf8(output.stdout).ok()
}
