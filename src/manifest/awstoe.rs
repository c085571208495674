//! Offline check of AWSTOE component documents ("Use the AWSTOE component document framework
//! for custom components" and "Action modules supported by AWSTOE" in the Image Builder user
//! guide): YAML syntax, `schemaVersion: 1.0`, phases `build`, `validate` and `test` only, step
//! names unique per phase, known action modules. Every problem carries the document's line and
//! column. The YAML event stream is consumed in a loop rather than through the recursive loader,
//! so nesting depth cannot exhaust the stack.

use std::collections::BTreeSet;
use std::path::Path;

use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use super::diagnostic::{Diagnostic, KeyPath, did_you_mean, quote};

/// The action modules AWSTOE runs.
pub(crate) const ACTIONS: &[&str] = &[
    "AppendFile",
    "Assert",
    "CopyFile",
    "CopyFolder",
    "CreateFile",
    "CreateFolder",
    "CreateSymlink",
    "DeleteFile",
    "DeleteFolder",
    "ExecuteBash",
    "ExecuteBinary",
    "ExecuteDocument",
    "ExecutePowerShell",
    "InstallMSI",
    "ListFiles",
    "MoveFile",
    "MoveFolder",
    "ReadFile",
    "Reboot",
    "S3Download",
    "S3Upload",
    "SetFileEncoding",
    "SetFileOwner",
    "SetFilePermissions",
    "SetFolderOwner",
    "SetFolderPermissions",
    "SetRegistry",
    "UninstallMSI",
    "UpdateOS",
    "WebDownload",
];

/// Phases Image Builder runs for AMI builds.
const PHASES: &[&str] = &["build", "validate", "test"];
const DOCUMENT_KEYS: &[&str] = &[
    "name",
    "description",
    "schemaVersion",
    "parameters",
    "constants",
    "phases",
];
const PHASE_KEYS: &[&str] = &["name", "steps"];
const STEP_KEYS: &[&str] = &[
    "name",
    "action",
    "inputs",
    "onFailure",
    "timeoutSeconds",
    "maxAttempts",
    "if",
    "loop",
];
const ON_FAILURE: &[&str] = &["Abort", "Continue", "Ignore"];
/// Actions whose `inputs` may be left out.
const INPUTS_OPTIONAL: &[&str] = &["UpdateOS", "Reboot"];

/// A YAML node with the position it starts at.
#[derive(Debug)]
struct Node {
    kind: Kind,
    line: usize,
    column: usize,
}

#[derive(Debug)]
enum Kind {
    Scalar { value: String, plain: bool },
    Sequence(Vec<Node>),
    Mapping(Vec<(Node, Node)>),
    Alias,
}

impl Node {
    fn new(kind: Kind, mark: Marker) -> Self {
        Self {
            kind,
            line: mark.line(),
            column: mark.col() + 1,
        }
    }

    fn scalar(&self) -> Option<&str> {
        match &self.kind {
            Kind::Scalar { value, .. } => Some(value),
            _ => None,
        }
    }

    fn describe(&self) -> String {
        match &self.kind {
            Kind::Scalar { value, plain } if *plain && value.is_empty() => "nothing".to_owned(),
            Kind::Scalar { value, .. } => quote(value),
            Kind::Sequence(_) => "a list".to_owned(),
            Kind::Mapping(_) => "a mapping".to_owned(),
            Kind::Alias => "an alias".to_owned(),
        }
    }
}

// Dropping a deeply nested tree recursively could exhaust the stack; flatten it instead.
impl Drop for Node {
    fn drop(&mut self) {
        let mut pending = Vec::new();
        take_children(&mut self.kind, &mut pending);
        while let Some(mut node) = pending.pop() {
            take_children(&mut node.kind, &mut pending);
        }
    }
}

fn take_children(kind: &mut Kind, out: &mut Vec<Node>) {
    match kind {
        Kind::Sequence(items) => out.append(items),
        Kind::Mapping(entries) => {
            for (key, value) in entries.drain(..) {
                out.push(key);
                out.push(value);
            }
        }
        Kind::Scalar { .. } | Kind::Alias => {}
    }
}

enum Frame {
    Sequence(Vec<Node>, Marker),
    Mapping(Vec<(Node, Node)>, Option<Node>, Marker),
}

/// Checks one AWSTOE document; returns its problems (none when it is valid).
pub(crate) fn check(file: &Path, text: &str) -> Vec<Diagnostic> {
    let mut doc = Document {
        file,
        diagnostics: Vec::new(),
    };
    match parse(text) {
        Ok(Some(root)) => doc.document(&root),
        Ok(None) => doc.report_at(
            1,
            1,
            &KeyPath::root(),
            "expected a mapping with `schemaVersion` and `phases`, found an empty document"
                .to_owned(),
            "a mapping with `schemaVersion` and `phases`",
        ),
        Err((line, column, message)) => {
            doc.report_at(line, column, &KeyPath::root(), message, "valid YAML");
        }
    }
    doc.diagnostics
}

/// Builds the node tree of the single document in `text`.
fn parse(text: &str) -> Result<Option<Node>, (usize, usize, String)> {
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Frame> = Vec::new();
    let mut root: Option<Node> = None;
    loop {
        let (event, mark) = parser.next_token().map_err(|e| {
            (
                e.marker().line(),
                e.marker().col() + 1,
                format!("invalid YAML: {}", e.info()),
            )
        })?;
        let node = match event {
            Event::StreamEnd => return Ok(root),
            Event::DocumentStart if root.is_some() => {
                return Err((
                    mark.line(),
                    mark.col() + 1,
                    "expected one YAML document, found a second one".to_owned(),
                ));
            }
            Event::Scalar(value, style, _, _) => Node::new(
                Kind::Scalar {
                    value,
                    plain: style == TScalarStyle::Plain,
                },
                mark,
            ),
            Event::Alias(_) => Node::new(Kind::Alias, mark),
            Event::SequenceStart(..) => {
                stack.push(Frame::Sequence(Vec::new(), mark));
                continue;
            }
            Event::MappingStart(..) => {
                stack.push(Frame::Mapping(Vec::new(), None, mark));
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some(Frame::Sequence(items, start)) => Node::new(Kind::Sequence(items), start),
                Some(Frame::Mapping(entries, _, start)) => {
                    // yaml-rust2 marks a block mapping after its first key; users think of the key.
                    let (line, column) = entries
                        .first()
                        .map_or((start.line(), start.col() + 1), |(key, _)| {
                            (key.line, key.column)
                        });
                    Node {
                        kind: Kind::Mapping(entries),
                        line,
                        column,
                    }
                }
                None => continue,
            },
            Event::Nothing | Event::StreamStart | Event::DocumentStart | Event::DocumentEnd => {
                continue;
            }
        };
        match stack.last_mut() {
            None => root = Some(node),
            Some(Frame::Sequence(items, _)) => items.push(node),
            Some(Frame::Mapping(entries, pending, _)) => match pending.take() {
                None => *pending = Some(node),
                Some(key) => entries.push((key, node)),
            },
        }
    }
}

struct Document<'f> {
    file: &'f Path,
    diagnostics: Vec<Diagnostic>,
}

impl Document<'_> {
    fn report_at(
        &mut self,
        line: usize,
        column: usize,
        key: &KeyPath,
        message: String,
        expected: &str,
    ) {
        self.diagnostics.push(Diagnostic {
            file: self.file.to_path_buf(),
            line,
            column,
            key: key.to_string(),
            message,
            expected: Some(expected.to_owned()),
        });
    }

    fn report(&mut self, node: &Node, key: &KeyPath, message: String, expected: &str) {
        self.report_at(node.line, node.column, key, message, expected);
    }

    /// The entries of a mapping with only `allowed` keys, each once; `None` when `node` is no mapping.
    fn mapping<'n>(
        &mut self,
        node: &'n Node,
        path: &KeyPath,
        allowed: &[&str],
        what: &str,
    ) -> Option<Vec<(&'n str, &'n Node)>> {
        let Kind::Mapping(entries) = &node.kind else {
            self.report(
                node,
                path,
                format!("expected {what}, found {}", node.describe()),
                what,
            );
            return None;
        };
        let mut seen = BTreeSet::new();
        let mut result = Vec::new();
        for (key, value) in entries {
            let Some(name) = key.scalar() else {
                self.report(
                    key,
                    path,
                    format!("expected a key name, found {}", key.describe()),
                    "a key name",
                );
                continue;
            };
            let key_path = path.key(name);
            if !allowed.contains(&name) {
                let hint = did_you_mean(name, allowed.iter().copied())
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                let expected = format!(
                    "one of {}",
                    allowed
                        .iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                self.report(
                    key,
                    &key_path,
                    format!("unknown key{hint}; expected {expected}"),
                    &expected,
                );
            } else if !seen.insert(name) {
                self.report(
                    key,
                    &key_path,
                    "expected each key once, found it again".to_owned(),
                    "unique keys",
                );
            } else {
                result.push((name, value));
            }
        }
        Some(result)
    }

    fn require<'n>(
        &mut self,
        entries: &[(&str, &'n Node)],
        node: &Node,
        path: &KeyPath,
        key: &str,
        what: &str,
    ) -> Option<&'n Node> {
        let found = entries
            .iter()
            .find(|(name, _)| *name == key)
            .map(|(_, value)| *value);
        if found.is_none() {
            self.report(
                node,
                path,
                format!("missing key `{key}`: expected {what}"),
                what,
            );
        }
        found
    }

    fn document(&mut self, root: &Node) {
        let path = KeyPath::root();
        let what = "a mapping with `schemaVersion` and `phases`";
        let Some(entries) = self.mapping(root, &path, DOCUMENT_KEYS, what) else {
            return;
        };
        if let Some(version) = self.require(&entries, root, &path, "schemaVersion", "`1.0`")
            && version.scalar() != Some("1.0")
        {
            self.report(
                version,
                &path.key("schemaVersion"),
                format!("expected `1.0`, found {}", version.describe()),
                "`1.0`",
            );
        }
        for key in ["name", "description"] {
            if let Some((_, value)) = entries.iter().find(|(name, _)| *name == key)
                && value.scalar().is_none()
            {
                self.report(
                    value,
                    &path.key(key),
                    format!("expected a string, found {}", value.describe()),
                    "a string",
                );
            }
        }
        if let Some(phases) = self.require(&entries, root, &path, "phases", "a list of phases") {
            self.phases(phases, &path.key("phases"));
        }
    }

    fn phases(&mut self, node: &Node, path: &KeyPath) {
        let Kind::Sequence(phases) = &node.kind else {
            self.report(
                node,
                path,
                format!("expected a list of phases, found {}", node.describe()),
                "a list of phases",
            );
            return;
        };
        if phases.is_empty() {
            self.report(
                node,
                path,
                "expected at least one phase, found none".to_owned(),
                "at least one phase",
            );
        }
        let mut names = BTreeSet::new();
        for (i, phase) in phases.iter().enumerate() {
            let phase_path = path.index(i);
            let Some(entries) = self.mapping(
                phase,
                &phase_path,
                PHASE_KEYS,
                "a phase with `name` and `steps`",
            ) else {
                continue;
            };
            let expected = "`build`, `validate` or `test`";
            if let Some(name) = self.require(&entries, phase, &phase_path, "name", expected) {
                match name.scalar() {
                    Some(value) if PHASES.contains(&value) => {
                        if !names.insert(value) {
                            self.report(
                                name,
                                &phase_path.key("name"),
                                format!("expected each phase once, found {} again", quote(value)),
                                "unique phase names",
                            );
                        }
                    }
                    _ => self.report(
                        name,
                        &phase_path.key("name"),
                        format!("expected {expected}, found {}", name.describe()),
                        expected,
                    ),
                }
            }
            if let Some(steps) =
                self.require(&entries, phase, &phase_path, "steps", "a list of steps")
            {
                self.steps(steps, &phase_path.key("steps"));
            }
        }
    }

    fn steps(&mut self, node: &Node, path: &KeyPath) {
        let Kind::Sequence(steps) = &node.kind else {
            self.report(
                node,
                path,
                format!("expected a list of steps, found {}", node.describe()),
                "a list of steps",
            );
            return;
        };
        if steps.is_empty() {
            self.report(
                node,
                path,
                "expected at least one step, found none".to_owned(),
                "at least one step",
            );
        }
        let mut names = BTreeSet::new();
        for (i, step) in steps.iter().enumerate() {
            let step_path = path.index(i);
            let Some(entries) = self.mapping(
                step,
                &step_path,
                STEP_KEYS,
                "a step with `name` and `action`",
            ) else {
                continue;
            };
            let name_rule = "a step name of 1-128 letters, digits, `_` or `-`";
            if let Some(name) = self.require(&entries, step, &step_path, "name", name_rule) {
                match name.scalar() {
                    Some(value) if is_step_name(value) => {
                        if !names.insert(value) {
                            self.report(
                                name,
                                &step_path.key("name"),
                                format!(
                                    "expected step names unique within the phase, found {} again",
                                    quote(value)
                                ),
                                "a unique step name",
                            );
                        }
                    }
                    _ => self.report(
                        name,
                        &step_path.key("name"),
                        format!("expected {name_rule}, found {}", name.describe()),
                        name_rule,
                    ),
                }
            }
            let action = self
                .require(
                    &entries,
                    step,
                    &step_path,
                    "action",
                    "an AWSTOE action module such as `ExecuteBash`",
                )
                .and_then(|action| self.action(action, &step_path.key("action")));
            self.step_options(&entries, &step_path, action, step);
        }
    }

    /// Checks the action name; returns it when it is known.
    fn action<'n>(&mut self, node: &'n Node, path: &KeyPath) -> Option<&'n str> {
        let value = node.scalar().filter(|v| ACTIONS.contains(v));
        if value.is_none() {
            let hint = node
                .scalar()
                .and_then(|v| did_you_mean(v, ACTIONS.iter().copied()))
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
            self.report(
                node,
                path,
                format!(
                    "expected an AWSTOE action module, found {}{hint}",
                    node.describe()
                ),
                "an AWSTOE action module",
            );
        }
        value
    }

    fn step_options(
        &mut self,
        entries: &[(&str, &Node)],
        path: &KeyPath,
        action: Option<&str>,
        step: &Node,
    ) {
        let get = |key: &str| {
            entries
                .iter()
                .find(|(name, _)| *name == key)
                .map(|(_, v)| *v)
        };
        if let Some(on_failure) = get("onFailure")
            && !on_failure.scalar().is_some_and(|v| ON_FAILURE.contains(&v))
        {
            self.report(
                on_failure,
                &path.key("onFailure"),
                format!(
                    "expected `Abort`, `Continue` or `Ignore`, found {}",
                    on_failure.describe()
                ),
                "`Abort`, `Continue` or `Ignore`",
            );
        }
        if let Some(timeout) = get("timeoutSeconds") {
            let ok = timeout
                .scalar()
                .and_then(|v| v.parse::<i64>().ok())
                .is_some_and(|v| v == -1 || (1..=43_200).contains(&v));
            if !ok {
                self.report(
                    timeout,
                    &path.key("timeoutSeconds"),
                    format!(
                        "expected -1 or 1 to 43200 seconds, found {}",
                        timeout.describe()
                    ),
                    "-1 or 1 to 43200",
                );
            }
        }
        if let Some(attempts) = get("maxAttempts") {
            let ok = attempts
                .scalar()
                .and_then(|v| v.parse::<i64>().ok())
                .is_some_and(|v| v >= 1);
            if !ok {
                self.report(
                    attempts,
                    &path.key("maxAttempts"),
                    format!("expected a positive integer, found {}", attempts.describe()),
                    "a positive integer",
                );
            }
        }
        let Some(action) = action else { return };
        match get("inputs") {
            None if !INPUTS_OPTIONAL.contains(&action) => self.report(
                step,
                path,
                format!("missing key `inputs`: expected the inputs of `{action}`"),
                "`inputs`",
            ),
            Some(inputs) if matches!(action, "ExecuteBash" | "ExecutePowerShell") => {
                let has_script = match &inputs.kind {
                    Kind::Mapping(entries) => entries
                        .iter()
                        .any(|(k, _)| matches!(k.scalar(), Some("commands" | "file"))),
                    _ => false,
                };
                if !has_script {
                    self.report(
                        inputs,
                        &path.key("inputs"),
                        format!(
                            "expected a mapping with `commands` (a list) or `file`, found {}",
                            inputs.describe()
                        ),
                        "`commands` or `file`",
                    );
                }
            }
            _ => {}
        }
    }
}

fn is_step_name(name: &str) -> bool {
    (1..=128).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &str = "name: yum_install\ndescription: jq_install\nschemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n      - name: UpdateOS\n        action: UpdateOS\n      - name: yum_update\n        action: ExecuteBash\n        inputs:\n          commands:\n            - yum update -y\n  - name: validate\n    steps:\n      - name: jq_install\n        action: ExecuteBash\n        inputs:\n          commands:\n            - rpm -qi jq\n";

    fn messages(text: &str) -> Vec<String> {
        check(Path::new("c.yml"), text)
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn the_origin_document_is_valid() {
        assert_eq!(messages(SEED), Vec::<String>::new());
    }

    #[test]
    fn unknown_action_is_located_and_suggested() {
        let text = SEED.replace(
            "action: ExecuteBash\n        inputs:\n          commands:\n            - yum",
            "action: ExecuteBsh\n        inputs:\n          commands:\n            - yum",
        );
        assert_eq!(
            messages(&text),
            vec![
                "c.yml:10:17: phases[0].steps[1].action: expected an AWSTOE action module, found \"ExecuteBsh\" (did you mean `ExecuteBash`?)"
            ]
        );
    }

    #[test]
    fn yaml_syntax_error_has_a_line() {
        let found = check(Path::new("c.yml"), "phases: [\n  a: b\n  - c");
        assert_eq!(found.len(), 1);
        assert!(found[0].line >= 2, "{found:?}");
        assert!(found[0].message.starts_with("invalid YAML"), "{found:?}");
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let text = format!("{}{}", "[".repeat(15_000), "]".repeat(15_000));
        assert!(!check(Path::new("c.yml"), &text).is_empty());
    }
}
