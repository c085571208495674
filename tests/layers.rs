//! Which way imports point (ARCHITECTURE.md, "Layers"; the same list opens `src/lib.rs`): a
//! module may name only modules of a lower layer, never one of its own layer nor one above,
//! and no two files name each other. Read from the source text, so a new file is checked the
//! day it is added.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers, top first: each module may use only the modules of the layers below its own.
/// Modules of one layer are peers that never use each other (the producer and the consumer
/// side, the AWS adapters and the manifest).
const LAYERS: &[&[&str]] = &[
    // One module per verb: load, call the domain, confirm, hand a report to `ui`.
    &["commands"],
    // Every byte written to the terminal: renders the domain's reports and progress events.
    &["ui"],
    // The clap definitions (what `ui` needs of them: the output format, the global flags).
    &["cli"],
    // The verbs that work on both sides at once (retire, prune): plan and apply.
    &["ops"],
    // Release channels: what each consumer follows, judged on evidence from both sides.
    &["channels"],
    // The domain: both sides, and the IAM documents a manifest needs.
    &["producer", "consumer", "access"],
    // The change model and the comparison of desired with live state.
    &["plan"],
    // The errors a command ends with and their exit codes.
    &["error"],
    // AWS adapters (the only SDK types) and the manifest (the only TOML).
    &["aws", "manifest"],
    // Neutral: plain rules every layer may use.
    &["names", "version", "about", "poll"],
];

/// Modules a module must not name although they sit below it: `aws/` knows the SDK and plain
/// values, never gold's naming and tagging rules (the domain passes names and tags in); `ui`
/// renders reports, it never acts in AWS.
const ALSO_FORBIDDEN: &[(&str, &[&str])] = &[
    ("aws", &["names"]),
    ("ui", &["aws::Session", "aws::Sessions"]),
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

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

/// Every `PREFIX…` path a text names, with its line: `prefix::a::b` and `prefix::{a, b::c}`
/// alike, in code and in doc links.
fn named_after(text: &str, prefix: &str) -> Vec<(usize, String)> {
    let mut named = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let mut rest = line;
        while let Some(at) = rest.find(prefix) {
            // `super::super::x` is read once, from its first `super::`.
            let before = &rest[..at];
            rest = &rest[at + prefix.len()..];
            if prefix == "super::" && before.ends_with("super::") {
                continue;
            }
            let mut prefixes = String::new();
            while let Some(more) = rest.strip_prefix(prefix) {
                prefixes.push_str(prefix);
                rest = more;
            }
            if let Some(list) = rest.strip_prefix('{') {
                let list = &list[..list.find('}').unwrap_or(list.len())];
                for module in list.split(',').map(str::trim) {
                    let module = module.split(['{', ' ']).next().unwrap_or_default();
                    if !module.is_empty() {
                        named.push((number + 1, format!("{prefixes}{module}")));
                    }
                }
                continue;
            }
            let path: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            named.push((number + 1, format!("{prefixes}{path}")));
        }
    }
    named
}

/// Every `crate::MODULE…` a file names, with its line.
fn named_modules(text: &str) -> Vec<(usize, String)> {
    named_after(text, "crate::")
}

/// The top module a file under `src/` belongs to (`consumer` for `consumer/waves.rs`).
fn top_module(file: &Path) -> String {
    let relative = file.strip_prefix(src()).unwrap_or(file);
    let first = relative
        .components()
        .next()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .unwrap_or_default();
    first.trim_end_matches(".rs").to_owned()
}

fn layer_of(module: &str) -> Option<usize> {
    // `crate::Error` is the error module's, re-exported at the root.
    let module = if module == "Error" { "error" } else { module };
    LAYERS.iter().position(|layer| layer.contains(&module))
}

/// The files under `src/` other than the crate roots, with the module each belongs to.
fn crate_files() -> Vec<(PathBuf, String)> {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    files.sort();
    files
        .into_iter()
        .map(|file| {
            let module = top_module(&file);
            (file, module)
        })
        .filter(|(_, module)| module != "main" && module != "lib")
        .collect()
}

#[test]
fn every_module_has_a_layer_and_lib_lists_them_in_that_order() {
    let modules: BTreeSet<String> = crate_files().into_iter().map(|(_, m)| m).collect();
    let unplaced: Vec<&String> = modules.iter().filter(|m| layer_of(m).is_none()).collect();
    assert!(
        unplaced.is_empty(),
        "modules without a layer in tests/layers.rs: {unplaced:?}"
    );
    // `src/lib.rs` opens with the same layers, top first, each named as a doc link.
    let lib = std::fs::read_to_string(src().join("lib.rs")).expect("src/lib.rs");
    let doc: String = lib
        .lines()
        .take_while(|line| line.starts_with("//!"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut at = 0;
    for layer in LAYERS {
        for module in *layer {
            let link = format!("[`{module}`]");
            let found = doc[at..].find(&link).map(|found| at + found);
            let Some(found) = found else {
                panic!("the map in src/lib.rs does not name {link} after the layers above it");
            };
            // Peers may be named in any order; the next layer starts after the first peer.
            if *module == layer[layer.len() - 1] {
                at = found;
            }
        }
    }
    let architecture =
        std::fs::read_to_string(src().join("../ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    for layer in LAYERS {
        let row = layer
            .iter()
            .map(|module| format!("`{module}`"))
            .collect::<Vec<_>>()
            .join(", ");
        assert!(
            architecture.contains(&row),
            "ARCHITECTURE.md's layer list does not name {row} as one layer"
        );
    }
}

#[test]
fn imports_point_down_the_layers() {
    let mut wrong = Vec::new();
    for (file, module) in crate_files() {
        let own = layer_of(&module).unwrap_or(0);
        let also = ALSO_FORBIDDEN
            .iter()
            .find(|(m, _)| *m == module)
            .map_or(&[][..], |(_, f)| *f);
        let text = std::fs::read_to_string(&file).expect("a readable source file");
        for (line, path) in named_modules(&text) {
            let named = path.split("::").next().unwrap_or_default();
            if named == module || named.is_empty() {
                continue;
            }
            let up = layer_of(named).is_some_and(|layer| layer <= own);
            let extra = also
                .iter()
                .any(|m| path == *m || path.starts_with(&format!("{m}::")));
            if up || extra {
                wrong.push(format!(
                    "{}:{line}: `crate::{path}` (src/{module} must not use `{named}`)",
                    file.strip_prefix(src()).unwrap_or(&file).display()
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports that point the wrong way:\n{}",
        wrong.join("\n")
    );
}

/// The module path (`["consumer", "survey"]`) of a file under `src/`.
fn module_path(file: &Path) -> Vec<String> {
    let relative = file.strip_prefix(src()).unwrap_or(file);
    let mut path: Vec<String> = relative
        .with_extension("")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if path.last().is_some_and(|last| last == "mod") {
        path.pop();
    }
    path
}

/// The file of the longest module path that `path` starts with.
fn file_of(files: &BTreeMap<Vec<String>, PathBuf>, path: &[String]) -> Option<Vec<String>> {
    (1..=path.len())
        .rev()
        .map(|n| path[..n].to_vec())
        .find(|prefix| files.contains_key(prefix))
}

/// The files a file's code names (not its comments, nor its unit tests), as module paths: a
/// doc link to a neighbour is a pointer for the reader, not a dependency.
fn files_named(
    files: &BTreeMap<Vec<String>, PathBuf>,
    own: &[String],
    is_folder: bool,
    text: &str,
) -> BTreeSet<Vec<String>> {
    let code: String = text[..text.find("#[cfg(test)]").unwrap_or(text.len())]
        .lines()
        .map(|line| {
            if line.trim_start().starts_with("//") {
                ""
            } else {
                line
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let code = code.as_str();
    let mut named = BTreeSet::new();
    for (_, path) in named_modules(code) {
        let path: Vec<String> = path.split("::").map(str::to_owned).collect();
        named.extend(file_of(files, &path));
    }
    for (_, path) in named_after(code, "super::") {
        // A folder's `mod.rs` is the module itself: its `super` is the folder's parent.
        let mut base = own.to_vec();
        if !is_folder {
            base.pop();
        }
        let mut rest = path.as_str();
        while let Some(more) = rest.strip_prefix("super::") {
            base.pop();
            rest = more;
        }
        base.extend(rest.split("::").map(str::to_owned));
        named.extend(file_of(files, &base));
    }
    named
}

#[test]
fn no_two_files_import_each_other() {
    let files: BTreeMap<Vec<String>, PathBuf> = crate_files()
        .into_iter()
        .map(|(file, _)| (module_path(&file), file))
        .collect();
    let mut edges = BTreeMap::new();
    for (own, file) in &files {
        let text = std::fs::read_to_string(file).expect("a readable source file");
        let is_folder = file.ends_with("mod.rs");
        edges.insert(own.clone(), files_named(&files, own, is_folder, &text));
    }
    let mut mutual = Vec::new();
    for (from, named) in &edges {
        for to in named {
            // A folder's `mod.rs` declares its files and they use what it holds: one module.
            let nested = to.starts_with(from) || from.starts_with(to);
            if from < to && !nested && edges.get(to).is_some_and(|back| back.contains(from)) {
                mutual.push(format!("{} <-> {}", from.join("::"), to.join("::")));
            }
        }
    }
    assert!(
        mutual.is_empty(),
        "files that import each other (move what both need into a third, lower file):\n{}",
        mutual.join("\n")
    );
}

#[test]
fn the_check_sees_every_form_of_import() {
    let text = "use crate::ui::Printer;\nuse crate::{manifest, ui};\n/// See [`crate::ui::render`].\nuse super::{self, live::Context, select};\nuse super::super::diagnostic::KeyPath;";
    let named: Vec<String> = named_modules(text).into_iter().map(|(_, p)| p).collect();
    assert!(named.contains(&"ui::Printer".to_owned()));
    assert!(named.contains(&"ui".to_owned()));
    assert!(named.contains(&"manifest".to_owned()));
    assert!(named.contains(&"ui::render".to_owned()));
    let relative: Vec<String> = named_after(text, "super::")
        .into_iter()
        .map(|(_, p)| p)
        .collect();
    assert!(relative.contains(&"live::Context".to_owned()));
    assert!(relative.contains(&"select".to_owned()));
    assert!(relative.contains(&"super::diagnostic::KeyPath".to_owned()));
    assert_eq!(
        relative.len(),
        4,
        "`super::super::` is one path: {relative:?}"
    );
}

#[test]
fn the_check_finds_a_pair_of_files_that_import_each_other() {
    let path = |p: &str| p.split("::").map(str::to_owned).collect::<Vec<_>>();
    let files: BTreeMap<Vec<String>, PathBuf> = ["consumer", "consumer::a", "consumer::b"]
        .into_iter()
        .map(|p| (path(p), PathBuf::new()))
        .collect();
    let a = files_named(&files, &path("consumer::a"), false, "use super::b::Thing;");
    let b = files_named(
        &files,
        &path("consumer::b"),
        false,
        "use crate::consumer::a::f;",
    );
    assert!(a.contains(&path("consumer::b")));
    assert!(b.contains(&path("consumer::a")));
}
