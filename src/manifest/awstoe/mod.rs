//! Offline check of AWSTOE component documents, as AWSTOE itself checks them and no stricter.
//! Each rejection names the Image Builder user guide page its rule comes from, so a user who
//! disagrees can look it up:
//! - header, phases and steps: "Use the AWSTOE component document framework for custom
//!   components" and "Create a YAML component document" (whose own example writes
//!   `schemaVersion: 1`, so `1`, `1.0` and `'1.0'` are all accepted) ([`header`]);
//! - parameters, constants and every `{{ … }}` reference: "Use variables in your custom component
//!   document" and the chaining rules of the framework page ([`variables`]);
//! - `if` and `loop`: "Use conditional constructs in AWSTOE", "Use comparison operators …",
//!   "Use logical operators …" and "Use looping constructs in AWSTOE" ([`constructs`]);
//! - the inputs of each action module: "Action modules supported by AWSTOE" ([`inputs`]).
//!
//! Where those pages are silent the document is accepted; what is likely a slip but not a rule
//! (an unknown input key, `ExecuteBash` in a Windows component) is a warning, not an error.

mod constructs;
mod header;
mod inputs;
mod tree;
mod variables;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::diagnostic::{Diagnostic, KeyPath, listed, quote, suggestion};
use super::model::Platform;
use tree::{Kind, Node};

pub(crate) use variables::{Declared, undeclared};

/// The component framework page: document, phase and step keys.
const FRAMEWORK: &str = "Use the AWSTOE component document framework for custom components";

/// Phases Image Builder runs for AMI builds; a document must have at least one of them (the
/// framework page's "Rules for phases"; `CreateComponent` refuses a document without).
const PHASES: &[&str] = &["build", "validate", "test"];
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
    "disableLogging",
];
const ON_FAILURE: &[&str] = &["Abort", "Continue", "Ignore"];

/// What the check of one document found.
#[derive(Debug, Default)]
pub(crate) struct Checked {
    /// Problems AWSTOE would reject the document for.
    pub(crate) errors: Vec<Diagnostic>,
    /// Likely slips that AWSTOE accepts.
    pub(crate) warnings: Vec<Diagnostic>,
    /// The parameters the document declares, for the recipe's `parameters`.
    pub(crate) parameters: BTreeMap<String, Declared>,
}

/// Checks one AWSTOE document written for `platform`.
pub(crate) fn check(file: &Path, text: &str, platform: Platform) -> Checked {
    let mut checker = Checker {
        file,
        platform,
        found: Checked::default(),
        variables: BTreeMap::new(),
        steps: BTreeMap::new(),
    };
    match tree::parse(text) {
        Ok(Some(root)) => checker.document(&root),
        Ok(None) => checker.error_at(
            1,
            1,
            &KeyPath::root(),
            "expected a mapping with `schemaVersion` and `phases`, found an empty document",
            FRAMEWORK,
        ),
        Err((line, column, message)) => {
            checker.found.errors.push(Diagnostic {
                file: file.to_path_buf(),
                line,
                column,
                key: String::new(),
                message,
                expected: Some("valid YAML".to_owned()),
            });
        }
    }
    checker.found.parameters = checker
        .variables
        .iter()
        .filter(|(_, declared)| declared.is_parameter())
        .map(|(name, declared)| (name.clone(), *declared))
        .collect();
    checker.found
}

/// Where a step sits, for resolving the references in it.
#[derive(Debug, Clone, Copy)]
struct StepAt<'n> {
    phase: &'n str,
    index: usize,
    /// The step's loop name, if its loop has one; `Some("")` for an unnamed loop.
    loop_name: Option<&'n str>,
}

struct Checker<'f> {
    file: &'f Path,
    platform: Platform,
    found: Checked,
    variables: BTreeMap<String, Declared>,
    /// Step names per phase, in document order.
    steps: BTreeMap<String, Vec<String>>,
}

impl Checker<'_> {
    fn diagnostic(
        &self,
        line: usize,
        column: usize,
        key: &KeyPath,
        message: &str,
        page: &str,
    ) -> Diagnostic {
        Diagnostic {
            file: self.file.to_path_buf(),
            line,
            column,
            key: key.to_string(),
            message: match page.split_once('#') {
                Some((title, section)) => {
                    format!("{message} (AWSTOE docs: \"{title}\", section {section})")
                }
                None => format!("{message} (AWSTOE docs: \"{page}\")"),
            },
            expected: None,
        }
    }

    fn error_at(&mut self, line: usize, column: usize, key: &KeyPath, message: &str, page: &str) {
        let diagnostic = self.diagnostic(line, column, key, message, page);
        self.found.errors.push(diagnostic);
    }

    fn error(&mut self, node: &Node, key: &KeyPath, message: &str, page: &str) {
        self.error_at(node.line, node.column, key, message, page);
    }

    fn warn(&mut self, node: &Node, key: &KeyPath, message: &str, page: &str) {
        let diagnostic = self.diagnostic(node.line, node.column, key, message, page);
        self.found.warnings.push(diagnostic);
    }

    /// An error unless `node` is a string.
    fn string(&mut self, node: &Node, path: &KeyPath, page: &str) {
        if node.scalar().is_none() {
            let message = format!("expected a string, found {}", node.describe());
            self.error(node, path, &message, page);
        }
    }

    /// An error for each item of a list that is not a string.
    fn strings(&mut self, items: &[Node], path: &KeyPath, page: &str) {
        for (i, item) in items.iter().enumerate() {
            self.string(item, &path.index(i), page);
        }
    }

    /// The entries of a mapping, each key once; `None` (after an error) when `node` is no
    /// mapping. Keys outside `known` are errors, or warnings when `strict` is false.
    fn mapping<'n>(
        &mut self,
        node: &'n Node,
        path: &KeyPath,
        known: &[&str],
        what: &str,
        page: &str,
        strict: bool,
    ) -> Option<Vec<(&'n str, &'n Node)>> {
        let Kind::Mapping(entries) = &node.kind else {
            self.error(
                node,
                path,
                &format!("expected {what}, found {}", node.describe()),
                page,
            );
            return None;
        };
        let mut seen = BTreeSet::new();
        let mut result = Vec::new();
        for (key, value) in entries {
            let Some(name) = key.scalar() else {
                self.error(
                    key,
                    path,
                    &format!("expected a key name, found {}", key.describe()),
                    page,
                );
                continue;
            };
            let key_path = path.key(name);
            if !seen.insert(name) {
                self.error(
                    key,
                    &key_path,
                    "expected each key once, found it again",
                    page,
                );
                continue;
            }
            if !known.contains(&name) {
                let message = format!("unknown key{}; expected {}", hint(name, known), list(known));
                if strict {
                    self.error(key, &key_path, &message, page);
                    continue;
                }
                self.warn(key, &key_path, &message, page);
            }
            result.push((name, value));
        }
        Some(result)
    }

    fn document(&mut self, root: &Node) {
        let path = KeyPath::root();
        let Some(entries) = self.mapping(
            root,
            &path,
            header::DOCUMENT_KEYS,
            "a mapping with `schemaVersion` and `phases`",
            FRAMEWORK,
            true,
        ) else {
            return;
        };
        let get = |key: &str| entries.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
        self.header(root, &get);
        self.declarations(get("parameters"), get("constants"));
        let Some(phases) = get("phases") else {
            self.error(
                root,
                &path,
                "missing key `phases`: expected a list of phases",
                FRAMEWORK,
            );
            return;
        };
        self.collect_steps(phases);
        self.phases(phases, &path.key("phases"));
    }

    /// Step names per phase, so a reference can be checked against steps further down.
    fn collect_steps(&mut self, phases: &Node) {
        for phase in phases.sequence().unwrap_or_default() {
            let Some(name) = phase.get("name").and_then(Node::scalar) else {
                continue;
            };
            let names = phase
                .get("steps")
                .and_then(Node::sequence)
                .unwrap_or_default()
                .iter()
                .filter_map(|step| step.get("name").and_then(Node::scalar))
                .map(str::to_owned)
                .collect();
            self.steps.entry(name.to_owned()).or_insert(names);
        }
    }

    fn phases(&mut self, node: &Node, path: &KeyPath) {
        let Some(phases) = node.sequence() else {
            self.error(
                node,
                path,
                &format!("expected a list of phases, found {}", node.describe()),
                FRAMEWORK,
            );
            return;
        };
        if phases.is_empty() {
            self.error(
                node,
                path,
                "expected at least one phase, found none",
                FRAMEWORK,
            );
        }
        let mut names = BTreeSet::new();
        let mut unnamed = false;
        for (i, phase) in phases.iter().enumerate() {
            let label = phase.get("name").and_then(Node::scalar);
            unnamed |= label.is_none();
            let phase_path = path.entry(i, label);
            let Some(entries) = self.mapping(
                phase,
                &phase_path,
                PHASE_KEYS,
                "a phase with `name` and `steps`",
                FRAMEWORK,
                true,
            ) else {
                continue;
            };
            let get = |key: &str| entries.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
            let phase_name = self.phase_name(phase, &phase_path, get("name"), &mut names);
            match get("steps") {
                Some(steps) => {
                    self.steps(steps, &phase_path.key("steps"), phase_name.unwrap_or(""));
                }
                None => self.error(
                    phase,
                    &phase_path,
                    "missing key `steps`: expected a list of steps",
                    FRAMEWORK,
                ),
            }
        }
        // A phase without a usable name has its own error already.
        if !phases.is_empty() && !unnamed && !names.iter().any(|name| PHASES.contains(name)) {
            self.error(
                node,
                path,
                &format!(
                    "expected at least one of the phases `build`, `validate` and `test`, found only {}",
                    listed(names.iter().copied())
                ),
                FRAMEWORK,
            );
        }
    }

    /// The name of one phase, checked: present, a string, not seen before in `names`, and one
    /// Image Builder runs (a warning otherwise).
    fn phase_name<'n>(
        &mut self,
        phase: &Node,
        phase_path: &KeyPath,
        name: Option<&'n Node>,
        names: &mut BTreeSet<&'n str>,
    ) -> Option<&'n str> {
        match name.map(|n| (n, n.scalar())) {
            None => {
                self.error(
                    phase,
                    phase_path,
                    "missing key `name`: expected `build`, `validate` or `test`",
                    FRAMEWORK,
                );
                None
            }
            Some((name, Some(value))) => {
                if !names.insert(value) {
                    self.error(
                        name,
                        &phase_path.key("name"),
                        &format!("expected each phase once, found {} again", quote(value)),
                        FRAMEWORK,
                    );
                } else if !PHASES.contains(&value) {
                    let hint = hint(value, PHASES);
                    self.warn(
                        name,
                        &phase_path.key("name"),
                        &format!(
                            "Image Builder runs only the phases `build`, `validate` and `test`; phase {} never runs{hint}",
                            quote(value)
                        ),
                        "Create a YAML component document",
                    );
                }
                Some(value)
            }
            Some((name, None)) => {
                self.error(
                    name,
                    &phase_path.key("name"),
                    &format!("expected a phase name, found {}", name.describe()),
                    FRAMEWORK,
                );
                None
            }
        }
    }

    fn steps(&mut self, node: &Node, path: &KeyPath, phase: &str) {
        let Some(steps) = node.sequence() else {
            self.error(
                node,
                path,
                &format!("expected a list of steps, found {}", node.describe()),
                FRAMEWORK,
            );
            return;
        };
        if steps.is_empty() {
            self.error(
                node,
                path,
                "expected at least one step, found none",
                FRAMEWORK,
            );
        }
        let mut names = BTreeSet::new();
        let mut loop_names = BTreeSet::new();
        for (i, step) in steps.iter().enumerate() {
            let step_path = path.entry(i, step.get("name").and_then(Node::scalar));
            let Some(entries) = self.mapping(
                step,
                &step_path,
                STEP_KEYS,
                "a step with `name` and `action`",
                FRAMEWORK,
                true,
            ) else {
                continue;
            };
            let get = |key: &str| entries.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
            self.step_name(step, get("name"), &step_path, &mut names);
            let action = if let Some(action) = get("action") {
                self.action(action, &step_path.key("action"))
            } else {
                self.error(
                    step,
                    &step_path,
                    "missing key `action`: expected an AWSTOE action module such as `ExecuteBash`",
                    FRAMEWORK,
                );
                None
            };
            self.step_options(&get, &step_path);
            let loop_name = get("loop").map(|node| {
                let name = self.loop_construct(node, &step_path.key("loop"));
                if !name.is_empty() && !loop_names.insert(name) {
                    self.error(
                        node,
                        &step_path.key("loop").key("name"),
                        &format!(
                            "expected loop names unique within the phase, found {} again",
                            quote(name)
                        ),
                        constructs::LOOPS,
                    );
                }
                name
            });
            let at = StepAt {
                phase,
                index: i,
                loop_name,
            };
            if let Some(condition) = get("if") {
                self.conditional(condition, &step_path.key("if"), at);
            }
            if let Some(node) = get("loop") {
                self.references(node, &step_path.key("loop"), at);
            }
            if let Some(action) = action {
                self.inputs(action, get("inputs"), step, &step_path, at);
            }
        }
    }

    fn step_name<'n>(
        &mut self,
        step: &Node,
        name: Option<&'n Node>,
        path: &KeyPath,
        names: &mut BTreeSet<&'n str>,
    ) {
        let rule = "a step name of 1-128 letters, digits, `_` or `-`";
        let Some(name) = name else {
            self.error(
                step,
                path,
                &format!("missing key `name`: expected {rule}"),
                FRAMEWORK,
            );
            return;
        };
        match name.scalar() {
            Some(value) if is_step_name(value) => {
                if !names.insert(value) {
                    self.error(
                        name,
                        &path.key("name"),
                        &format!(
                            "expected step names unique within the phase, found {} again",
                            quote(value)
                        ),
                        FRAMEWORK,
                    );
                }
            }
            _ => self.error(
                name,
                &path.key("name"),
                &format!("expected {rule}, found {}", name.describe()),
                FRAMEWORK,
            ),
        }
    }

    /// Checks the action name; returns it when it is known.
    fn action<'n>(&mut self, node: &'n Node, path: &KeyPath) -> Option<&'n str> {
        let value = node.scalar().filter(|v| inputs::is_action(v));
        if value.is_none() {
            let hint = node
                .scalar()
                .map(|v| hint(v, &inputs::action_names()))
                .unwrap_or_default();
            self.error(
                node,
                path,
                &format!(
                    "expected an AWSTOE action module, found {}{hint}",
                    node.describe()
                ),
                inputs::ACTIONS_PAGE,
            );
        }
        value
    }

    fn step_options<'n>(&mut self, get: &impl Fn(&str) -> Option<&'n Node>, path: &KeyPath) {
        if let Some(on_failure) = get("onFailure")
            && !on_failure.scalar().is_some_and(|v| ON_FAILURE.contains(&v))
        {
            let hint = on_failure
                .scalar()
                .map(|v| hint(v, ON_FAILURE))
                .unwrap_or_default();
            self.error(
                on_failure,
                &path.key("onFailure"),
                &format!(
                    "expected `Abort`, `Continue` or `Ignore`, found {}{hint}",
                    on_failure.describe()
                ),
                FRAMEWORK,
            );
        }
        if let Some(timeout) = get("timeoutSeconds")
            && !integer(timeout).is_some_and(|v| v == -1 || v >= 1)
        {
            self.error(
                timeout,
                &path.key("timeoutSeconds"),
                &format!(
                    "expected a positive number of seconds or -1 (no timeout), found {}",
                    timeout.describe()
                ),
                FRAMEWORK,
            );
        }
        if let Some(attempts) = get("maxAttempts")
            && integer(attempts).is_none_or(|v| v < 1)
        {
            self.error(
                attempts,
                &path.key("maxAttempts"),
                &format!("expected a positive integer, found {}", attempts.describe()),
                FRAMEWORK,
            );
        }
    }
}

/// A plain scalar that YAML reads as an integer.
fn integer(node: &Node) -> Option<i64> {
    match &node.kind {
        Kind::Scalar { value, plain: true } => value.parse().ok(),
        _ => None,
    }
}

fn is_step_name(name: &str) -> bool {
    (1..=128).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// ` (did you mean `x`?)` when `word` is a near miss of one of `candidates`.
fn hint(word: &str, candidates: &[&str]) -> String {
    suggestion(word, candidates.iter().copied())
}

/// "one of `a`, `b`" or "`a`".
fn list(items: &[&str]) -> String {
    match items {
        [only] => format!("`{only}`"),
        _ => format!("one of {}", listed(items.iter().copied())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &str = "name: yum_install\ndescription: jq_install\nschemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n      - name: UpdateOS\n        action: UpdateOS\n      - name: yum_update\n        action: ExecuteBash\n        inputs:\n          commands:\n            - yum update -y\n  - name: validate\n    steps:\n      - name: jq_install\n        action: ExecuteBash\n        inputs:\n          commands:\n            - rpm -qi jq\n";

    pub(super) fn messages(text: &str) -> Vec<String> {
        check(Path::new("c.yml"), text, Platform::Linux)
            .errors
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    pub(super) fn warnings(text: &str, platform: Platform) -> Vec<String> {
        check(Path::new("c.yml"), text, platform)
            .warnings
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn the_origin_document_is_valid() {
        assert_eq!(messages(SEED), Vec::<String>::new());
        assert_eq!(warnings(SEED, Platform::Linux), Vec::<String>::new());
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
                "c.yml:10:17: phases[build].steps[yum_update].action: expected an AWSTOE action module, found the string \"ExecuteBsh\" (did you mean `ExecuteBash`?) (AWSTOE docs: \"Action modules supported by AWSTOE\")"
            ]
        );
    }

    #[test]
    fn yaml_syntax_error_has_a_line() {
        let found = check(
            Path::new("c.yml"),
            "phases: [\n  a: b\n  - c",
            Platform::Linux,
        )
        .errors;
        assert_eq!(found.len(), 1);
        assert!(found[0].line >= 2, "{found:?}");
        assert!(found[0].message.starts_with("invalid YAML"), "{found:?}");
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let text = format!("{}{}", "[".repeat(15_000), "]".repeat(15_000));
        assert!(
            !check(Path::new("c.yml"), &text, Platform::Linux)
                .errors
                .is_empty()
        );
    }

    #[test]
    fn a_document_without_a_phase_image_builder_runs_is_an_error() {
        let text = SEED
            .replace("name: build", "name: install")
            .replace("name: validate", "name: check");
        assert_eq!(
            messages(&text),
            vec![
                "c.yml:5:3: phases: expected at least one of the phases `build`, `validate` and `test`, found only `check`, `install` (AWSTOE docs: \"Use the AWSTOE component document framework for custom components\")"
            ]
        );
    }

    #[test]
    fn a_phase_image_builder_does_not_run_is_a_warning() {
        let text = SEED.replace("name: validate", "name: install");
        assert_eq!(messages(&text), Vec::<String>::new());
        assert_eq!(warnings(&text, Platform::Linux).len(), 1);
    }
}
