//! `if` and `loop` on a step.
//! - "Use conditional constructs in AWSTOE": the expression holds exactly one operator at its
//!   top level, a comparison or a logical one; `then`/`else` are `Abort`, `Execute` or `Skip`;
//!   logical operators nest at most 4 levels deep. The syntax is shown both as a mapping and as
//!   a one-item list, so both are accepted.
//! - "Use comparison operators in AWSTOE component documents" lists the comparison operators;
//!   those comparing two values take the second in `value`.
//! - "Use logical operators in AWSTOE component documents": `and`/`or` take a list of
//!   expressions, `not` one expression.
//! - "Use looping constructs in AWSTOE": `for` has integer `start`, `end` and a non-zero
//!   `updateBy` that do not loop forever; `forEach` is a list of strings, or `list` with an
//!   optional one-character `delimiter` out of `.,;:\n\t -_`; loop names are unique per phase.

use super::super::diagnostic::{KeyPath, quote};
use super::tree::{Kind, Node};
use super::{Checker, StepAt, hint, integer, list};

const CONDITIONALS: &str = "Use conditional constructs in AWSTOE";
const COMPARISON: &str = "Use comparison operators in AWSTOE component documents";
const LOGICAL: &str = "Use logical operators in AWSTOE component documents";
pub(super) const LOOPS: &str = "Use looping constructs in AWSTOE";

/// Comparison operators that test one value.
const UNARY: &[&str] = &[
    "stringIsEmpty",
    "stringIsWhitespace",
    "binaryExists",
    "fileExists",
    "folderExists",
];
/// Comparison operators that compare with a second value given in `value`.
const BINARY: &[&str] = &[
    "stringEquals",
    "stringLessThan",
    "stringLessThanEquals",
    "stringGreaterThan",
    "stringGreaterThanEquals",
    "patternMatches",
    "numberEquals",
    "numberLessThan",
    "numberLessThanEquals",
    "numberGreaterThan",
    "numberGreaterThanEquals",
];
/// File hash comparisons: the expected hash, with the file in `path`.
const FILE_HASH: &[&str] = &[
    "fileMD5Equals",
    "fileSHA1Equals",
    "fileSHA256Equals",
    "fileSHA512Equals",
];
const LOGICAL_OPERATORS: &[&str] = &["and", "or", "not"];
const STEP_ACTIONS: &[&str] = &["Abort", "Execute", "Skip"];
const MAX_NESTING: usize = 4;
const DELIMITERS: &str = ".,;:\n\t -_";

fn operators() -> Vec<&'static str> {
    [UNARY, BINARY, FILE_HASH, LOGICAL_OPERATORS].concat()
}

impl Checker<'_> {
    pub(super) fn conditional(&mut self, node: &Node, path: &KeyPath, at: StepAt<'_>) {
        let expression = match node.sequence() {
            Some([only]) => only,
            Some(_) => {
                self.error(
                    node,
                    path,
                    "expected one conditional expression, found a list of several",
                    CONDITIONALS,
                );
                return;
            }
            None => node,
        };
        self.expression(expression, path, 0, true);
        self.references(expression, path, at);
    }

    /// One conditional expression; `depth` counts the logical operators around it.
    fn expression(&mut self, node: &Node, path: &KeyPath, depth: usize, top: bool) {
        let mut pending = vec![(node, path.clone(), depth, top)];
        while let Some((node, path, depth, top)) = pending.pop() {
            let Kind::Mapping(entries) = &node.kind else {
                self.error(
                    node,
                    &path,
                    &format!(
                        "expected a conditional expression such as `stringEquals: …` with `value: …`, found {}",
                        node.describe()
                    ),
                    CONDITIONALS,
                );
                continue;
            };
            let all = operators();
            let operator = self.operator(entries, &path, top);
            let Some((name, value, op_path)) = operator else {
                if entries.iter().all(|(k, _)| {
                    k.scalar().is_some_and(|k| {
                        all.contains(&k) || matches!(k, "then" | "else" | "value" | "path")
                    })
                }) {
                    self.error(
                        node,
                        &path,
                        "expected a comparison or logical operator, found none",
                        CONDITIONALS,
                    );
                }
                continue;
            };
            match name {
                "and" | "or" => {
                    if depth + 1 > MAX_NESTING {
                        self.nesting(node, &op_path);
                        continue;
                    }
                    match value.sequence() {
                        Some(items) if !items.is_empty() => {
                            for (i, item) in items.iter().enumerate().rev() {
                                pending.push((item, op_path.index(i), depth + 1, false));
                            }
                        }
                        _ => self.error(
                            value,
                            &op_path,
                            &format!("expected a list of expressions, found {}", value.describe()),
                            LOGICAL,
                        ),
                    }
                }
                "not" => {
                    if depth + 1 > MAX_NESTING {
                        self.nesting(node, &op_path);
                        continue;
                    }
                    pending.push((value, op_path, depth + 1, false));
                }
                _ => self.comparison(node, entries, name, value, &path, &op_path),
            }
        }
    }

    /// A comparison: a value to compare, and the second `value` a binary operator needs.
    fn comparison(
        &mut self,
        node: &Node,
        entries: &[(Node, Node)],
        name: &str,
        value: &Node,
        path: &KeyPath,
        op_path: &KeyPath,
    ) {
        if value.scalar().is_none() {
            self.error(
                value,
                op_path,
                &format!("expected a value to compare, found {}", value.describe()),
                COMPARISON,
            );
        }
        let has_value = entries.iter().any(|(k, _)| k.scalar() == Some("value"));
        if BINARY.contains(&name) && !has_value {
            self.error(
                node,
                path,
                &format!("missing key `value`: `{name}` compares with a second value"),
                COMPARISON,
            );
        }
    }

    /// The one operator of an expression (the first, after an error for any other), with the
    /// other keys checked: `value`/`path` anywhere, `then`/`else` at the top only.
    fn operator<'n>(
        &mut self,
        entries: &'n [(Node, Node)],
        path: &KeyPath,
        top: bool,
    ) -> Option<(&'n str, &'n Node, KeyPath)> {
        let all = operators();
        let mut operator = None;
        for (key, value) in entries {
            let Some(name) = key.scalar() else { continue };
            let key_path = path.key(name);
            if all.contains(&name) {
                if let Some((first, _, _)) = &operator {
                    self.error(
                        key,
                        &key_path,
                        &format!("expected one operator per expression, found `{first}` and `{name}`; combine them with `and` or `or`"),
                        CONDITIONALS,
                    );
                } else {
                    operator = Some((name, value, key_path));
                }
                continue;
            }
            let extra_ok = match name {
                "then" | "else" => top,
                "value" | "path" => true,
                _ => false,
            };
            if !extra_ok {
                self.error(
                    key,
                    &key_path,
                    &format!(
                        "expected a comparison or logical operator, found `{name}`{}",
                        hint(name, &all)
                    ),
                    COMPARISON,
                );
            } else if matches!(name, "then" | "else")
                && !value.scalar().is_some_and(|v| STEP_ACTIONS.contains(&v))
            {
                self.error(
                    value,
                    &key_path,
                    &format!(
                        "expected {}, found {}",
                        list(STEP_ACTIONS),
                        value.describe()
                    ),
                    CONDITIONALS,
                );
            }
        }
        operator
    }

    fn nesting(&mut self, node: &Node, path: &KeyPath) {
        self.error(
            node,
            path,
            &format!("expected logical operators nested at most {MAX_NESTING} levels deep"),
            CONDITIONALS,
        );
    }

    /// Checks a step's `loop`; returns its name (`""` when it has none).
    pub(super) fn loop_construct<'n>(&mut self, node: &'n Node, path: &KeyPath) -> &'n str {
        let Some(entries) = self.mapping(
            node,
            path,
            &["name", "for", "forEach"],
            "a loop with `for` or `forEach`",
            LOOPS,
            true,
        ) else {
            return "";
        };
        let get = |key: &str| entries.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
        let name = match get("name") {
            Some(name) => name.scalar().unwrap_or_else(|| {
                self.error(
                    name,
                    &path.key("name"),
                    &format!("expected a loop name, found {}", name.describe()),
                    LOOPS,
                );
                ""
            }),
            None => "",
        };
        match (get("for"), get("forEach")) {
            (Some(_), Some(each)) => self.error(
                each,
                &path.key("forEach"),
                "expected either `for` or `forEach`, found both",
                LOOPS,
            ),
            (None, None) => self.error(
                node,
                path,
                "missing key `for` or `forEach`: expected what the loop iterates over",
                LOOPS,
            ),
            (Some(range), None) => self.for_loop(range, &path.key("for")),
            (None, Some(each)) => self.for_each(each, &path.key("forEach")),
        }
        name
    }

    fn for_loop(&mut self, node: &Node, path: &KeyPath) {
        let Some(entries) = self.mapping(
            node,
            path,
            &["start", "end", "updateBy"],
            "`start`, `end` and `updateBy`",
            LOOPS,
            true,
        ) else {
            return;
        };
        let mut values = [None; 3];
        for (slot, key) in ["start", "end", "updateBy"].iter().enumerate() {
            match entries.iter().find(|(k, _)| k == key) {
                None => self.error(
                    node,
                    path,
                    &format!("missing key `{key}`: expected an integer"),
                    LOOPS,
                ),
                Some((_, value)) => match integer(value) {
                    Some(number) => values[slot] = Some(number),
                    None => self.error(
                        value,
                        &path.key(key),
                        &format!(
                            "expected an integer (no chaining expression), found {}",
                            value.describe()
                        ),
                        LOOPS,
                    ),
                },
            }
        }
        let [Some(start), Some(end), Some(step)] = values else {
            return;
        };
        let update_path = path.key("updateBy");
        let update = entries
            .iter()
            .find(|(k, _)| *k == "updateBy")
            .map_or(node, |(_, v)| *v);
        if step == 0 {
            self.error(
                update,
                &update_path,
                "expected a non-zero `updateBy`, found 0",
                LOOPS,
            );
        } else if (end > start && step < 0) || (end < start && step > 0) {
            self.error(
                update,
                &update_path,
                &format!("expected `updateBy` to lead from {start} to {end}, found {step}, which never gets there"),
                LOOPS,
            );
        }
    }

    fn for_each(&mut self, node: &Node, path: &KeyPath) {
        if let Some(items) = node.sequence() {
            self.strings(items, path, LOOPS);
            return;
        }
        let Some(entries) = self.mapping(
            node,
            path,
            &["list", "delimiter"],
            "a list of strings, or `list` with an optional `delimiter`",
            LOOPS,
            true,
        ) else {
            return;
        };
        match entries.iter().find(|(k, _)| *k == "list") {
            None => self.error(
                node,
                path,
                "missing key `list`: expected the delimited string to iterate over",
                LOOPS,
            ),
            Some((_, value)) => self.string(value, &path.key("list"), LOOPS),
        }
        if let Some((_, delimiter)) = entries.iter().find(|(k, _)| *k == "delimiter") {
            let ok = delimiter.scalar().is_some_and(|d| {
                let mut chars = d.chars();
                chars.next().is_some_and(|c| DELIMITERS.contains(c)) && chars.next().is_none()
            });
            if !ok {
                self.error(
                    delimiter,
                    &path.key("delimiter"),
                    &format!(
                        "expected one delimiter character out of {}, found {}",
                        quote(DELIMITERS),
                        delimiter.describe()
                    ),
                    LOOPS,
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::messages;

    fn step(construct: &str) -> String {
        format!(
            "schemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n      - name: Step\n        action: ExecuteBash\n{construct}        inputs:\n          commands:\n            - echo hi\n"
        )
    }

    #[test]
    fn the_guide_conditional_example_is_valid() {
        let text = step(
            "        if:\n          and:\n            - binaryExists: 'apt-get'\n            - not:\n                binaryExists: 'unzip'\n",
        );
        assert_eq!(messages(&text), Vec::<String>::new());
    }

    #[test]
    fn an_unknown_comparison_operator_is_suggested() {
        let found = messages(&step(
            "        if:\n          stringEqual: 'a'\n          value: 'a'\n",
        ));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].contains("did you mean `stringEquals`"),
            "{found:?}"
        );
    }

    #[test]
    fn logical_operators_nest_at_most_four_deep() {
        let deep = "        if:\n          not:\n            not:\n              not:\n                not:\n                  not:\n                    fileExists: /a\n";
        let found = messages(&step(deep));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("at most 4 levels"), "{found:?}");
        let ok = "        if:\n          not:\n            not:\n              not:\n                not:\n                  fileExists: /a\n";
        assert_eq!(messages(&step(ok)), Vec::<String>::new());
    }

    #[test]
    fn loops_follow_the_looping_page() {
        let ok = "        loop:\n          name: Each\n          for:\n            start: 10\n            end: 0\n            updateBy: -5\n";
        assert_eq!(messages(&step(ok)), Vec::<String>::new());
        let zero = messages(&step(
            "        loop:\n          for:\n            start: 1\n            end: 3\n            updateBy: 0\n",
        ));
        assert_eq!(zero.len(), 1, "{zero:?}");
        assert!(zero[0].contains("non-zero"), "{zero:?}");
        let forever = messages(&step(
            "        loop:\n          for:\n            start: 1\n            end: 3\n            updateBy: -1\n",
        ));
        assert!(forever[0].contains("never gets there"), "{forever:?}");
        let delimited = "        loop:\n          forEach:\n            list: 'a;b'\n            delimiter: ';'\n";
        assert_eq!(messages(&step(delimited)), Vec::<String>::new());
        let bad = messages(&step(
            "        loop:\n          forEach:\n            list: 'a;b'\n            delimiter: '=>'\n",
        ));
        assert_eq!(bad.len(), 1, "{bad:?}");
    }
}
