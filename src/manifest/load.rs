//! Reads `gold.toml` and its component documents and runs every check, turning key paths into
//! `file:line:column`. Input is untrusted: size is capped before reading, bytes that are not
//! UTF-8 are reported with their position, and TOML errors are recovered from so one run shows
//! every problem.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use sha2::{Digest, Sha256};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::diagnostic::{
    Diagnostic, Error, KeyPath, LineIndex, Report, Segment, listed, suggestion,
};
use super::model::{Component, Manifest};
use super::structure::Checker;
use super::{ComponentDocument, Loaded, awstoe, schema, validate};

/// Largest manifest gold reads; real ones are a few KiB.
const MAX_MANIFEST_BYTES: u64 = 1024 * 1024;
/// Image Builder's limit for inline component data (`InlineComponentData`), in characters.
const MAX_COMPONENT_CHARS: usize = 16_000;
/// Largest component file gold reads before counting its characters.
const MAX_COMPONENT_BYTES: u64 = 256 * 1024;

/// Loads and checks a manifest and its component documents; on failure returns every problem
/// found. The steps: read the bytes (capped, UTF-8), parse the TOML ([`parse`]: syntax, then
/// shape against the schema, then the model), check the values ([`validate::check`]), read and
/// check every component document ([`check_components`]), fill in defaults.
pub fn load(path: &Path) -> Result<Loaded, Error> {
    let text = read_text(path, MAX_MANIFEST_BYTES, "a manifest").map_err(|diagnostic| Error {
        diagnostics: vec![diagnostic],
    })?;
    let mut report = Report::new(path, &text);
    let Some((document, mut manifest)) = parse(&text, &mut report) else {
        return Err(finish(report.diagnostics, Vec::new()));
    };
    for problem in validate::check(&manifest) {
        let offset = locate(&document, &problem.path);
        report.at_offset(offset, &problem.path, problem.message, problem.expected);
    }
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let checked = check_components(path, &text, &document, &manifest, &mut report);
    if !report.diagnostics.is_empty() || !checked.diagnostics.is_empty() {
        return Err(finish(report.diagnostics, checked.diagnostics));
    }
    manifest.resolve_defaults();
    Ok(Loaded {
        path: path.to_path_buf(),
        dir,
        manifest,
        components: checked.documents,
        warnings: checked.warnings,
    })
}

/// The TOML document and the manifest it holds, or `None` with every syntax problem (or every
/// shape problem) in `report`.
fn parse<'t>(text: &'t str, report: &mut Report<'_>) -> Option<(Spanned<DeTable<'t>>, Manifest)> {
    let (document, syntax_errors) = DeTable::parse_recoverable(text);
    for error in &syntax_errors {
        let offset = error.span().map_or(0, |span| span.start);
        let mut message = error.message().trim().replace('\n', "; ");
        if message == "duplicate key"
            && let Some(span) = error.span()
        {
            message = duplicate_key(text, span);
        }
        report.at_offset(
            offset,
            &KeyPath::root(),
            format!("invalid TOML: {message}"),
            Some("valid TOML".to_owned()),
        );
    }
    if !syntax_errors.is_empty() {
        return None;
    }
    let schema = schema();
    Checker::new(&schema).check_document(&document, report);
    if !report.diagnostics.is_empty() {
        return None;
    }
    match Manifest::deserialize(toml::de::Deserializer::from(document.clone())) {
        Ok(manifest) => Some((document, manifest)),
        Err(error) => {
            // The shape check above mirrors the model, so this is a backstop, not a path users hit.
            let offset = error.span().map_or(0, |span| span.start);
            report.at_offset(
                offset,
                &KeyPath::root(),
                error.message().trim().to_owned(),
                None,
            );
            None
        }
    }
}

/// What reading the component documents found.
#[derive(Default)]
struct CheckedComponents {
    /// The documents that passed, by component key.
    documents: BTreeMap<String, ComponentDocument>,
    /// Problems inside the documents (problems of the manifest's keys go to its report).
    diagnostics: Vec<Diagnostic>,
    /// What AWS accepts but may not be meant.
    warnings: Vec<Diagnostic>,
}

/// Reads every component's document (relative to the manifest) and checks it as AWSTOE would,
/// and the manifest's `parameters` against what the document declares.
fn check_components(
    path: &Path,
    text: &str,
    document: &Spanned<DeTable<'_>>,
    manifest: &Manifest,
    report: &mut Report<'_>,
) -> CheckedComponents {
    let mut checked = CheckedComponents::default();
    let manifest_lines = LineIndex::new(text);
    for (name, component) in &manifest.components {
        let key = KeyPath::root().key("components").key(name).key("file");
        // Relative to the manifest, but shown as the user would type it when that is `.`.
        let file = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.join(&component.file),
            _ => component.file.clone(),
        };
        let text = match read_component(&file) {
            Err(ReadProblem::InManifest(message, expected)) => {
                report.at_offset(locate(document, &key), &key, message, Some(expected));
                continue;
            }
            Err(ReadProblem::InFile(diagnostic)) => {
                checked.diagnostics.push(diagnostic);
                continue;
            }
            Ok(text) => text,
        };
        let found = awstoe::check(&file, &text, component.platform);
        for (key, message) in undeclared_parameters(name, component, &found.parameters, &file) {
            report.at_offset(
                locate(document, &key),
                &key,
                message,
                Some("a parameter the component document declares".to_owned()),
            );
        }
        for parameter in found
            .parameters
            .iter()
            .filter(|(parameter, declared)| {
                !declared.has_default && !component.parameters.contains_key(*parameter)
            })
            .map(|(parameter, _)| parameter)
        {
            let key = KeyPath::root().key("components").key(name);
            let (line, column) = manifest_lines.position(locate(document, &key));
            checked.warnings.push(Diagnostic {
                file: path.to_path_buf(),
                line,
                column,
                key: key.to_string(),
                message: format!(
                    "parameter `{parameter}` of `{}` has no default and `parameters` gives it no value",
                    file.display()
                ),
                expected: None,
            });
        }
        checked.warnings.extend(found.warnings);
        if found.errors.is_empty() {
            let sha256 = hex::encode(Sha256::digest(text.as_bytes()));
            checked.documents.insert(
                name.clone(),
                ComponentDocument {
                    path: file,
                    text,
                    sha256,
                },
            );
        } else {
            checked.diagnostics.extend(found.errors);
        }
    }
    checked
}

/// Each parameter the manifest gives component `name` that its document does not declare,
/// with the message that says so.
fn undeclared_parameters(
    name: &str,
    component: &Component,
    declared: &BTreeMap<String, awstoe::Declared>,
    file: &Path,
) -> Vec<(KeyPath, String)> {
    let parameters = KeyPath::root()
        .key("components")
        .key(name)
        .key("parameters");
    let names: Vec<&str> = declared.keys().map(String::as_str).collect();
    awstoe::undeclared(component.parameters.keys().map(String::as_str), declared)
        .into_iter()
        .map(|given| {
            let hint = suggestion(given, names.iter().copied());
            let listed_names = if names.is_empty() {
                "it declares none".to_owned()
            } else {
                format!("declared: {}", listed(names.iter().copied()))
            };
            (
                parameters.key(given),
                format!(
                    "expected a parameter that `{}` declares ({listed_names}), found `{given}`{hint} (Image Builder docs: \"Manage AWSTOE component parameters with EC2 Image Builder\")",
                    file.display()
                ),
            )
        })
        .collect()
}

/// The manifest's problems in file order, then the component documents'.
fn finish(mut manifest: Vec<Diagnostic>, components: Vec<Diagnostic>) -> Error {
    manifest.sort_by_key(|d| (d.line, d.column));
    manifest.extend(components);
    Error {
        diagnostics: manifest,
    }
}

enum ReadProblem {
    /// Reported at the manifest's `file` key: the file is missing or too large.
    InManifest(String, String),
    /// Reported in the component file itself.
    InFile(Diagnostic),
}

fn read_component(file: &Path) -> Result<String, ReadProblem> {
    let text =
        read_text(file, MAX_COMPONENT_BYTES, "an AWSTOE document").map_err(|diagnostic| {
            if diagnostic.line == 0 {
                let expected = "an AWSTOE YAML document".to_owned();
                ReadProblem::InManifest(
                    format!(
                        "expected {expected} at `{}`, {}",
                        file.display(),
                        diagnostic.message
                    ),
                    expected,
                )
            } else {
                ReadProblem::InFile(diagnostic)
            }
        })?;
    let count = text.chars().count();
    if count > MAX_COMPONENT_CHARS {
        let expected =
            "at most 16,000 characters (Image Builder's limit for inline component data)";
        return Err(ReadProblem::InManifest(
            format!(
                "expected `{}` to have {expected}, found {count}",
                file.display()
            ),
            expected.to_owned(),
        ));
    }
    if count == 0 {
        return Err(ReadProblem::InFile(whole_file(
            file,
            "expected an AWSTOE YAML document, found an empty file".to_owned(),
        )));
    }
    Ok(text)
}

/// Reads a file as UTF-8 text, refusing more than `limit` bytes.
fn read_text(path: &Path, limit: u64, what: &str) -> Result<String, Diagnostic> {
    let cannot =
        |reason: std::io::Error| whole_file(path, format!("cannot read the file: {reason}"));
    let file = File::open(path).map_err(cannot)?;
    let size = file.metadata().map_err(cannot)?.len();
    if size > limit {
        return Err(whole_file(
            path,
            format!(
                "expected {what} of at most {} KiB, found {} KiB",
                limit / 1024,
                size.div_ceil(1024)
            ),
        ));
    }
    let mut bytes = Vec::new();
    // `take` also guards against files that grow while being read.
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    String::from_utf8(bytes).map_err(|error| {
        let valid = error.utf8_error().valid_up_to();
        let bytes = error.as_bytes();
        let prefix = std::str::from_utf8(&bytes[..valid]).unwrap_or_default();
        let (line, column) = LineIndex::new(prefix).position(valid);
        Diagnostic {
            file: path.to_path_buf(),
            line,
            column,
            key: String::new(),
            message: format!(
                "expected UTF-8 text, found the byte 0x{:02X}",
                bytes.get(valid).copied().unwrap_or_default()
            ),
            expected: Some("UTF-8 text".to_owned()),
        }
    })
}

/// "duplicate key" named: the key, and the line where its table first set it.
fn duplicate_key(text: &str, span: std::ops::Range<usize>) -> String {
    let key = text.get(span.clone()).unwrap_or_default().trim();
    let line = text[..span.start.min(text.len())].matches('\n').count();
    let lines: Vec<&str> = text.lines().collect();
    // The table the key is in starts at the last header above it.
    let table_start = lines[..line.min(lines.len())]
        .iter()
        .rposition(|l| l.trim_start().starts_with('['))
        .map_or(0, |i| i + 1);
    let first = lines
        .get(table_start..line)
        .unwrap_or_default()
        .iter()
        .position(|l| {
            l.trim_start()
                .strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map(|i| i + table_start + 1);
    match first {
        Some(first) => format!("duplicate key `{key}`, first set on line {first}"),
        None => format!("duplicate key `{key}`"),
    }
}

fn whole_file(path: &Path, message: String) -> Diagnostic {
    Diagnostic {
        file: path.to_path_buf(),
        line: 0,
        column: 0,
        key: String::new(),
        message,
        expected: None,
    }
}

/// Byte offset of the value at `path`, or of the nearest enclosing value that exists (a missing
/// key is reported where its table is).
fn locate(document: &Spanned<DeTable<'_>>, path: &KeyPath) -> usize {
    let mut offset = document.span().start;
    let mut current: Option<&DeValue<'_>> = None;
    for segment in path.segments() {
        let next = match (segment, current) {
            (Segment::Key(key), None) => find_key(document.get_ref(), key),
            (Segment::Key(key), Some(DeValue::Table(table))) => find_key(table, key),
            (Segment::Index(index) | Segment::Named(index, _), Some(DeValue::Array(array))) => {
                array.get(*index)
            }
            _ => None,
        };
        let Some(value) = next else { break };
        offset = value.span().start;
        current = Some(value.get_ref());
    }
    offset
}

fn find_key<'d, 'i>(table: &'d DeTable<'i>, key: &str) -> Option<&'d Spanned<DeValue<'i>>> {
    table
        .iter()
        .find(|(name, _)| name.get_ref().as_ref() == key)
        .map(|(_, value)| value)
}
