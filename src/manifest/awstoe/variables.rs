//! Parameters, constants and references, as "Use variables in your custom component document"
//! and the chaining section of the framework page define them:
//! - a parameter is `- NAME: {type: string, default, description}`, a constant
//!   `- NAME: {type: string, value}`; names are 3-128 letters, digits, `-` or `_`, unique across
//!   both lists; `string` is the only type;
//! - `{{ NAME }}` must name a declared parameter or constant, exactly (references are
//!   case-sensitive); `{{ phase.step.inputs… }}` / `{{ phase.step.outputs… }}` must name a step of
//!   that phase, an earlier one when it is the same phase ("used as inputs for a subsequent
//!   step"); `{{ loop.index }}` / `{{ loop.value }}` (or the loop's own name) belong in a step
//!   with a loop, elsewhere AWSTOE leaves them unreplaced ("Use looping constructs in AWSTOE");
//! - `{{ imagebuilder:… }}` and `{{ aws:… }}` are Image Builder's and AWS's own and pass as
//!   they are. Text in `{{ }}` that is no reference at all (a Go or Jinja template in a script,
//!   `{{ .Id }}`) is left alone, as AWSTOE leaves it.

use std::collections::BTreeMap;

use super::super::diagnostic::{KeyPath, listed, quote};
use super::constructs::LOOPS;
use super::tree::{Kind, Node};
use super::{Checker, FRAMEWORK, PHASES, StepAt, hint};

pub(super) const VARIABLES: &str = "Use variables in your custom component document";

const PARAMETER_KEYS: &[&str] = &["type", "default", "description"];
const CONSTANT_KEYS: &[&str] = &["type", "value"];

/// A declared parameter or constant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Declared {
    parameter: bool,
    /// Whether a parameter has a default (a constant always has its value).
    pub(crate) has_default: bool,
    line: usize,
}

impl Declared {
    pub(super) fn is_parameter(self) -> bool {
        self.parameter
    }
}

impl Checker<'_> {
    pub(super) fn declarations(&mut self, parameters: Option<&Node>, constants: Option<&Node>) {
        let root = KeyPath::root();
        if let Some(node) = parameters {
            self.declare(node, &root.key("parameters"), true);
        }
        if let Some(node) = constants {
            self.declare(node, &root.key("constants"), false);
        }
    }

    fn declare(&mut self, node: &Node, path: &KeyPath, parameter: bool) {
        let noun = if parameter { "parameter" } else { "constant" };
        let shape = if parameter {
            "`- NAME: {type: string, default: …}`"
        } else {
            "`- NAME: {type: string, value: …}`"
        };
        let Some(items) = node.sequence() else {
            self.error(
                node,
                path,
                &format!(
                    "expected a list of {noun}s ({shape}), found {}",
                    node.describe()
                ),
                VARIABLES,
            );
            return;
        };
        for (i, item) in items.iter().enumerate() {
            let (name_node, body) = match &item.kind {
                Kind::Mapping(entries) if entries.len() == 1 => (&entries[0].0, &entries[0].1),
                _ => {
                    self.error(
                        item,
                        &path.index(i),
                        &format!(
                            "expected a {noun} written {shape}, found {}",
                            item.describe()
                        ),
                        VARIABLES,
                    );
                    continue;
                }
            };
            let Some(name) = name_node.scalar() else {
                self.error(
                    name_node,
                    &path.index(i),
                    &format!("expected a {noun} name, found {}", name_node.describe()),
                    VARIABLES,
                );
                continue;
            };
            let item_path = path.entry(i, Some(name));
            if !is_variable_name(name) {
                self.error(
                    name_node,
                    &item_path,
                    &format!(
                        "expected a {noun} name of 3-128 letters, digits, `-` or `_`, found {}",
                        quote(name)
                    ),
                    VARIABLES,
                );
            }
            let Some(has_default) = self.settings(body, &item_path, name, parameter) else {
                continue;
            };
            let declared = Declared {
                parameter,
                has_default,
                line: name_node.line,
            };
            self.record(name, name_node, &item_path, declared);
        }
    }

    /// Records a declaration; a name declared before (as either kind) is an error.
    fn record(&mut self, name: &str, name_node: &Node, item_path: &KeyPath, declared: Declared) {
        if let Some(first) = self.variables.get(name).copied() {
            let first_noun = if first.parameter {
                "parameter"
            } else {
                "constant"
            };
            self.error(
                name_node,
                item_path,
                &format!(
                    "expected names unique across parameters and constants, found {} again (declared as a {first_noun} on line {})",
                    quote(name),
                    first.line
                ),
                VARIABLES,
            );
        } else {
            self.variables.insert(name.to_owned(), declared);
        }
    }

    /// The settings of one parameter or constant; whether it has a value without the recipe
    /// giving one, or `None` when they are no mapping.
    fn settings(
        &mut self,
        body: &Node,
        item_path: &KeyPath,
        name: &str,
        parameter: bool,
    ) -> Option<bool> {
        let noun = if parameter { "parameter" } else { "constant" };
        let keys = if parameter {
            PARAMETER_KEYS
        } else {
            CONSTANT_KEYS
        };
        let what = format!("the settings of {noun} {}", quote(name));
        let entries = self.mapping(body, item_path, keys, &what, VARIABLES, false)?;
        let get = |key: &str| entries.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
        match get("type") {
            None => self.error(
                body,
                item_path,
                "missing key `type`: expected `type: string`",
                VARIABLES,
            ),
            Some(kind) if kind.scalar() == Some("string") => {}
            Some(kind) => self.error(
                kind,
                &item_path.key("type"),
                &format!(
                    "expected `string`, the only type AWSTOE supports, found {}",
                    kind.describe()
                ),
                VARIABLES,
            ),
        }
        let value_key = if parameter { "default" } else { "value" };
        match get(value_key) {
            None if !parameter => self.error(
                body,
                item_path,
                &format!(
                    "missing key `value`: expected the value of constant {}",
                    quote(name)
                ),
                VARIABLES,
            ),
            Some(value) => self.string(value, &item_path.key(value_key), VARIABLES),
            None => {}
        }
        Some(!parameter || get("default").is_some())
    }

    /// Checks every `{{ … }}` in the scalars under `node`.
    pub(super) fn references(&mut self, node: &Node, path: &KeyPath, at: StepAt<'_>) {
        let mut pending = vec![(node, path.clone())];
        while let Some((node, path)) = pending.pop() {
            match &node.kind {
                Kind::Scalar { value, .. } => {
                    for expression in expressions(value) {
                        self.reference(node, &path, expression, at);
                    }
                }
                Kind::Sequence(items) => {
                    for (i, item) in items.iter().enumerate().rev() {
                        pending.push((item, path.index(i)));
                    }
                }
                Kind::Mapping(entries) => {
                    for (key, value) in entries.iter().rev() {
                        let key_path = key.scalar().map_or_else(|| path.clone(), |k| path.key(k));
                        pending.push((value, key_path));
                    }
                }
                Kind::Alias => {}
            }
        }
    }

    fn reference(&mut self, node: &Node, path: &KeyPath, expression: &str, at: StepAt<'_>) {
        if expression.contains(':') {
            // `imagebuilder:…` and `aws:ssm:resolve(…)` are resolved by Image Builder and AWS.
            return;
        }
        let mut segments = expression.split('.');
        let first = segments.next().unwrap_or_default();
        let rest: Vec<&str> = segments.collect();
        if rest.is_empty() {
            if !self.variables.contains_key(first) {
                self.unknown_variable(node, path, first);
            }
            return;
        }
        let loop_member =
            first == "loop" || at.loop_name.is_some_and(|n| !n.is_empty() && n == first);
        if loop_member {
            self.loop_reference(node, path, expression, &rest, at);
        } else if PHASES.contains(&first) || self.steps.contains_key(first) {
            self.chaining(node, path, expression, first, &rest, at);
        } else {
            self.warn(
                node,
                path,
                &format!(
                    "`{{{{ {expression} }}}}` is neither a loop variable of this step nor `PHASE.STEP.inputs/outputs`; AWSTOE leaves what it cannot resolve unreplaced"
                ),
                FRAMEWORK,
            );
        }
    }

    fn unknown_variable(&mut self, node: &Node, path: &KeyPath, name: &str) {
        let names: Vec<&str> = self.variables.keys().map(String::as_str).collect();
        let declared = if names.is_empty() {
            "this document declares none".to_owned()
        } else {
            format!("declared: {}", listed(names.iter().copied()))
        };
        let hint = hint(name, &names);
        self.error(
            node,
            path,
            &format!(
                "`{{{{ {name} }}}}` names no parameter or constant ({declared}); references are case-sensitive{hint}"
            ),
            VARIABLES,
        );
    }

    fn loop_reference(
        &mut self,
        node: &Node,
        path: &KeyPath,
        expression: &str,
        rest: &[&str],
        at: StepAt<'_>,
    ) {
        if at.loop_name.is_none() {
            self.warn(
                node,
                path,
                &format!(
                    "`{{{{ {expression} }}}}` is used in a step without a loop; AWSTOE leaves it unreplaced"
                ),
                LOOPS,
            );
        } else if !matches!(rest, ["index" | "value"]) {
            self.error(
                node,
                path,
                &format!(
                    "expected `.index` or `.value` of the loop, found `{{{{ {expression} }}}}`"
                ),
                LOOPS,
            );
        }
    }

    fn chaining(
        &mut self,
        node: &Node,
        path: &KeyPath,
        expression: &str,
        phase: &str,
        rest: &[&str],
        at: StepAt<'_>,
    ) {
        let shape = "`{{ PHASE.STEP.inputs… }}` or `{{ PHASE.STEP.outputs… }}`";
        let member = rest.get(1).map(|m| m.split('[').next().unwrap_or_default());
        let (Some(&step), Some("inputs" | "outputs")) = (rest.first(), member) else {
            self.error(
                node,
                path,
                &format!("expected {shape}, found `{{{{ {expression} }}}}`"),
                FRAMEWORK,
            );
            return;
        };
        let Some(steps) = self.steps.get(phase) else {
            let phases: Vec<&str> = self.steps.keys().map(String::as_str).collect();
            let hint = hint(phase, &phases);
            self.error(
                node,
                path,
                &format!(
                    "`{{{{ {expression} }}}}` refers to phase `{phase}`, which this document does not have{hint}"
                ),
                FRAMEWORK,
            );
            return;
        };
        let position = steps.iter().position(|s| s == step);
        match position {
            None => {
                let names: Vec<&str> = steps.iter().map(String::as_str).collect();
                let hint = hint(step, &names);
                self.error(
                    node,
                    path,
                    &format!(
                        "`{{{{ {expression} }}}}` refers to step `{step}`, which phase `{phase}` does not have{hint}"
                    ),
                    FRAMEWORK,
                );
            }
            Some(index) if phase == at.phase && index >= at.index => self.error(
                node,
                path,
                &format!(
                    "`{{{{ {expression} }}}}` refers to step `{step}`, which does not run before this one; a step can use the inputs and outputs of earlier steps"
                ),
                FRAMEWORK,
            ),
            Some(_) => {}
        }
    }
}

/// The names of a parameter or constant: 3-128 letters, digits, `-` or `_`.
fn is_variable_name(name: &str) -> bool {
    (3..=128).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The AWSTOE references in `text`: what stands between `{{` and `}}`, trimmed, when it has
/// the shape of a reference (letters, digits, `_-.:[]()`, starting with a letter, digit or `_`).
fn expressions(text: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        let inner = after[..end].trim();
        let shaped = inner
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
            && inner
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_-.:[]()".contains(c));
        if shaped {
            found.push(inner);
        }
        rest = &after[end + 2..];
    }
    found
}

/// Parameters a recipe passes that the document does not declare, by name, with what the
/// document declares, for the manifest's `parameters = {…}`.
pub(crate) fn undeclared<'m>(
    given: impl IntoIterator<Item = &'m str>,
    declared: &BTreeMap<String, Declared>,
) -> Vec<&'m str> {
    given
        .into_iter()
        .filter(|name| !declared.contains_key(*name))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::tests::{messages, warnings};
    use super::*;
    use crate::manifest::model::Platform;

    fn doc(variables: &str, commands: &str) -> String {
        format!(
            "schemaVersion: 1.0\n{variables}phases:\n  - name: build\n    steps:\n      - name: First\n        action: ExecuteBash\n        inputs:\n          commands:\n            - echo first\n      - name: Second\n        action: ExecuteBash\n        inputs:\n          commands:\n            - {commands}\n"
        )
    }

    #[test]
    fn references_are_found_only_where_they_have_a_reference_shape() {
        assert_eq!(
            expressions("a {{ One }} b {{two.x.outputs.stdout}} {{ .Id }} {{ a | b }}"),
            vec!["One", "two.x.outputs.stdout"]
        );
    }

    #[test]
    fn declared_variables_and_earlier_steps_resolve() {
        let vars = "parameters:\n  - Greeting:\n      type: string\n      default: hi\nconstants:\n  - Target:\n      type: string\n      value: world\n";
        let text = doc(
            vars,
            "'echo {{ Greeting }} {{Target}} {{ build.First.outputs.stdout }} {{ imagebuilder:buildDate }}'",
        );
        assert_eq!(messages(&text), Vec::<String>::new());
    }

    #[test]
    fn a_reference_differing_in_case_is_an_error_with_a_hint() {
        let vars = "parameters:\n  - Greeting:\n      type: string\n";
        let found = messages(&doc(vars, "'echo {{ greeting }}'"));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("did you mean `Greeting`"), "{found:?}");
    }

    #[test]
    fn chaining_to_a_later_or_missing_step_is_an_error() {
        let text = doc(
            "",
            "'echo {{ build.Second.outputs.stdout }} {{ build.Frist.outputs.stdout }}'",
        );
        let found = messages(&text);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(
            found[0].contains("does not run before this one"),
            "{found:?}"
        );
        assert!(found[1].contains("did you mean `First`"), "{found:?}");
    }

    #[test]
    fn loop_variables_outside_a_loop_are_a_warning() {
        let text = doc("", "'echo {{ loop.value }}'");
        assert_eq!(messages(&text), Vec::<String>::new());
        assert_eq!(warnings(&text, Platform::Linux).len(), 1);
    }

    #[test]
    fn manifest_parameters_missing_from_the_document_are_listed() {
        let mut declared = BTreeMap::new();
        declared.insert(
            "port".to_owned(),
            Declared {
                parameter: true,
                has_default: true,
                line: 1,
            },
        );
        assert_eq!(undeclared(["port", "prot"], &declared), vec!["prot"]);
    }
}
