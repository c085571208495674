//! Which way imports point (design §3, the map in `src/lib.rs`): the domain (`producer/`,
//! `consumer/`, `plan/`) never reaches the terminal (`ui`) or the command line, `aws/` knows
//! only the SDK and plain values, and neither side of the domain reaches into the other. Read
//! from the source text, so a new file is checked the day it is added.

use std::path::{Path, PathBuf};

/// A folder under `src/` and the crate modules its files must never name.
const RULES: &[(&str, &[&str])] = &[
    ("producer", &["ui", "commands", "cli", "consumer", "ops"]),
    ("consumer", &["ui", "commands", "cli", "producer", "ops"]),
    ("ops", &["ui", "commands", "cli"]),
    (
        "plan",
        &["ui", "commands", "cli", "producer", "consumer", "ops"],
    ),
    ("access", &["ui", "commands", "cli", "producer", "consumer"]),
    (
        "aws",
        &[
            "manifest", "plan", "producer", "consumer", "ops", "ui", "commands", "cli", "names",
        ],
    ),
    (
        "manifest",
        &[
            "aws", "plan", "producer", "consumer", "ops", "ui", "commands", "cli",
        ],
    ),
    ("ui", &["commands", "aws::Session", "aws::Sessions"]),
];

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("a readable source folder") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            found.push(path);
        }
    }
}

/// Every `crate::MODULE` a file names, with its line, in code and in doc links alike.
fn named_modules(text: &str) -> Vec<(usize, String)> {
    let mut named = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let mut rest = line;
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            let path: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            named.push((number + 1, path));
        }
        // `use crate::{ui, …}` and friends name several modules at once.
        if let Some(at) = line.find("crate::{") {
            for module in line[at + "crate::{".len()..].split([',', '}', ' ']) {
                if !module.is_empty() {
                    named.push((number + 1, module.to_owned()));
                }
            }
        }
    }
    named
}

#[test]
fn imports_point_down_the_layers() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut wrong = Vec::new();
    for (folder, forbidden) in RULES {
        let mut files = Vec::new();
        rust_files(&src.join(folder), &mut files);
        assert!(!files.is_empty(), "src/{folder} has no Rust files");
        for file in files {
            let text = std::fs::read_to_string(&file).expect("a readable source file");
            for (line, path) in named_modules(&text) {
                if let Some(module) = forbidden
                    .iter()
                    .find(|module| path == **module || path.starts_with(&format!("{module}::")))
                {
                    wrong.push(format!(
                        "{}:{line}: `crate::{path}` (src/{folder} must not use `{module}`)",
                        file.strip_prefix(&src).unwrap_or(&file).display()
                    ));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports that point the wrong way:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_check_sees_every_form_of_import() {
    let text =
        "use crate::ui::Printer;\nuse crate::{manifest, ui};\n/// See [`crate::ui::render`].";
    let named: Vec<String> = named_modules(text).into_iter().map(|(_, p)| p).collect();
    assert!(named.contains(&"ui::Printer".to_owned()));
    assert!(named.contains(&"ui".to_owned()));
    assert!(named.contains(&"ui::render".to_owned()));
}
