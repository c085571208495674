//! The `inputs` of each action module, as "Action modules supported by AWSTOE" documents them:
//! the file system and download modules take a list of items (`- path: …`), the execution and
//! system modules a mapping; required keys must be there and lists of strings must be lists
//! (`commands`, `arguments`, `include`). A key the page does not list is a warning with a "did
//! you mean", not an error: AWSTOE's own samples carry keys the page omits. The page says
//! `ExecuteBash` supports Linux and `ExecutePowerShell` Windows, so using one on the other platform
//! is a warning too. Modules whose inputs the page describes loosely (`ExecuteDocument`,
//! `InstallMSI`, `UninstallMSI`, `Assert`) are checked for their shape only.

use super::super::diagnostic::{KeyPath, did_you_mean};
use super::super::model::Platform;
use super::tree::{Kind, Node};
use super::{Checker, StepAt};

pub(super) const ACTIONS_PAGE: &str = "Action modules supported by AWSTOE";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// A list of mappings, one per file or download.
    Items,
    /// One mapping.
    Map,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Value {
    /// A scalar.
    Text,
    /// A list of scalars.
    Strings,
    /// Anything.
    Any,
}

#[derive(Clone, Copy)]
struct Key {
    name: &'static str,
    required: bool,
    value: Value,
}

const fn req(name: &'static str) -> Key {
    Key {
        name,
        required: true,
        value: Value::Text,
    }
}

const fn opt(name: &'static str) -> Key {
    Key {
        name,
        required: false,
        value: Value::Text,
    }
}

const fn strings(name: &'static str, required: bool) -> Key {
    Key {
        name,
        required,
        value: Value::Strings,
    }
}

const fn any(name: &'static str) -> Key {
    Key {
        name,
        required: false,
        value: Value::Any,
    }
}

struct Module {
    name: &'static str,
    shape: Shape,
    /// The documented keys; `None` when only the shape is checked.
    keys: Option<&'static [Key]>,
    /// Whether `inputs` may be left out.
    optional: bool,
}

const fn items(name: &'static str, keys: &'static [Key]) -> Module {
    Module {
        name,
        shape: Shape::Items,
        keys: Some(keys),
        optional: false,
    }
}

const fn map(name: &'static str, keys: Option<&'static [Key]>, optional: bool) -> Module {
    Module {
        name,
        shape: Shape::Map,
        keys,
        optional,
    }
}

const COPY: &[Key] = &[req("source"), req("destination"), opt("overwrite")];
const ENCODING: &[Key] = &[req("path"), opt("encoding")];

/// Every action module AWSTOE runs.
const MODULES: &[Module] = &[
    items(
        "AppendFile",
        &[req("path"), opt("content"), opt("encoding")],
    ),
    map("Assert", None, false),
    items("CopyFile", COPY),
    items("CopyFolder", COPY),
    items(
        "CreateFile",
        &[
            req("path"),
            opt("content"),
            opt("encoding"),
            opt("owner"),
            opt("group"),
            opt("permissions"),
            opt("overwrite"),
        ],
    ),
    items(
        "CreateFolder",
        &[
            req("path"),
            opt("owner"),
            opt("group"),
            opt("permissions"),
            opt("overwrite"),
        ],
    ),
    items("CreateSymlink", &[req("path"), req("target"), opt("force")]),
    items("DeleteFile", &[req("path")]),
    items("DeleteFolder", &[req("path"), opt("force")]),
    map("ExecuteBash", Some(&[strings("commands", true)]), false),
    map(
        "ExecuteBinary",
        Some(&[req("path"), strings("arguments", false)]),
        false,
    ),
    map("ExecuteDocument", None, false),
    map(
        "ExecutePowerShell",
        Some(&[strings("commands", false), opt("file")]),
        false,
    ),
    map("InstallMSI", None, false),
    items(
        "ListFiles",
        &[req("path"), opt("fileNamePattern"), opt("recursive")],
    ),
    items("MoveFile", COPY),
    items("MoveFolder", COPY),
    items(
        "ReadFile",
        &[req("path"), opt("encoding"), opt("printFileContent")],
    ),
    map("Reboot", Some(&[opt("delaySeconds")]), true),
    items(
        "S3Download",
        &[
            req("source"),
            req("destination"),
            opt("expectedBucketOwner"),
            opt("overwrite"),
        ],
    ),
    items(
        "S3Upload",
        &[
            req("source"),
            req("destination"),
            opt("recurse"),
            opt("expectedBucketOwner"),
        ],
    ),
    items("SetFileEncoding", ENCODING),
    items("SetFileOwner", &[req("path"), req("owner"), opt("group")]),
    items("SetFilePermissions", &[req("path"), req("permissions")]),
    items(
        "SetFolderOwner",
        &[req("path"), req("owner"), opt("group"), opt("recursive")],
    ),
    items(
        "SetFolderPermissions",
        &[req("path"), req("permissions"), opt("recursive")],
    ),
    items(
        "SetRegistry",
        &[req("path"), req("name"), any("value"), req("type")],
    ),
    map("UninstallMSI", None, false),
    map(
        "UpdateOS",
        Some(&[strings("include", false), strings("exclude", false)]),
        true,
    ),
    items(
        "WebDownload",
        &[
            req("source"),
            req("destination"),
            opt("overwrite"),
            opt("checksum"),
            opt("algorithm"),
            opt("ignoreCertificateErrors"),
        ],
    ),
];

pub(super) fn is_action(name: &str) -> bool {
    MODULES.iter().any(|m| m.name == name)
}

pub(super) fn action_names() -> Vec<&'static str> {
    MODULES.iter().map(|m| m.name).collect()
}

impl Checker<'_> {
    pub(super) fn inputs(
        &mut self,
        action: &str,
        inputs: Option<&Node>,
        step: &Node,
        path: &KeyPath,
        at: StepAt<'_>,
    ) {
        let Some(module) = MODULES.iter().find(|m| m.name == action) else {
            return;
        };
        let page = &format!("{ACTIONS_PAGE}#{action}");
        self.platform_fit(action, step, path);
        let inputs_path = path.key("inputs");
        let Some(node) = inputs else {
            if !module.optional {
                self.error(
                    step,
                    path,
                    &format!("missing key `inputs`: expected the inputs of `{action}`"),
                    page,
                );
            }
            return;
        };
        self.references(node, &inputs_path, at);
        match (module.shape, &node.kind) {
            (Shape::Items, Kind::Sequence(list)) => {
                if list.is_empty() {
                    self.error(
                        node,
                        &inputs_path,
                        "expected at least one item, found none",
                        page,
                    );
                }
                for (i, item) in list.iter().enumerate() {
                    self.keys(module, item, &inputs_path.index(i), page);
                }
            }
            (Shape::Items, _) => {
                let example = module
                    .keys
                    .unwrap_or_default()
                    .iter()
                    .filter(|k| k.required)
                    .map(|k| format!("{}: …", k.name))
                    .collect::<Vec<_>>()
                    .join(", ");
                self.error(
                    node,
                    &inputs_path,
                    &format!(
                        "expected a list of items (`- {example}`), found {}",
                        node.describe()
                    ),
                    page,
                );
            }
            (Shape::Map, Kind::Mapping(_)) => self.keys(module, node, &inputs_path, page),
            (Shape::Map, _) => self.error(
                node,
                &inputs_path,
                &format!("expected a mapping, found {}", node.describe()),
                page,
            ),
        }
    }

    /// The keys of one input mapping.
    fn keys(&mut self, module: &Module, node: &Node, path: &KeyPath, page: &str) {
        let Some(keys) = module.keys else {
            if !node.is_mapping() {
                self.error(
                    node,
                    path,
                    &format!("expected a mapping, found {}", node.describe()),
                    page,
                );
            }
            return;
        };
        let names: Vec<&str> = keys.iter().map(|k| k.name).collect();
        let what = format!("the inputs of `{}`", module.name);
        let Some(entries) = self.mapping(node, path, &names, &what, page, false) else {
            return;
        };
        let unknown: Vec<&str> = entries
            .iter()
            .map(|(k, _)| *k)
            .filter(|k| !names.contains(k))
            .collect();
        for key in keys {
            match entries.iter().find(|(k, _)| *k == key.name) {
                None if key.required => {
                    let slip = did_you_mean(key.name, unknown.iter().copied())
                        .map(|found| format!(" (found `{found}`: did you mean `{}`?)", key.name))
                        .unwrap_or_default();
                    self.error(
                        node,
                        path,
                        &format!("missing key `{}`{slip}", key.name),
                        page,
                    );
                }
                None => {}
                Some((_, value)) => self.value(key, value, &path.key(key.name), page),
            }
        }
        if module.name == "ExecutePowerShell" {
            let has = |k: &str| entries.iter().any(|(name, _)| *name == k);
            if has("commands") && has("file") {
                self.error(
                    node,
                    path,
                    "expected `commands` or `file`, found both",
                    page,
                );
            } else if !has("commands") && !has("file") {
                let slip = unknown
                    .iter()
                    .find_map(|k| did_you_mean(k, ["commands", "file"]))
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                self.error(
                    node,
                    path,
                    &format!("missing key `commands` or `file`{slip}"),
                    page,
                );
            }
        }
    }

    fn value(&mut self, key: &Key, value: &Node, path: &KeyPath, page: &str) {
        match key.value {
            Value::Text => self.string(value, path, page),
            Value::Any => {}
            Value::Strings => match value.sequence() {
                Some(items) => self.strings(items, path, page),
                None if value.scalar().is_some() => self.error(
                    value,
                    path,
                    &format!(
                        "expected a list of strings, found {}; write each entry as a `- ` item",
                        value.describe()
                    ),
                    page,
                ),
                None => self.error(
                    value,
                    path,
                    &format!("expected a list of strings, found {}", value.describe()),
                    page,
                ),
            },
        }
    }

    fn platform_fit(&mut self, action: &str, step: &Node, path: &KeyPath) {
        let fits = match action {
            "ExecuteBash" => self.platform != Platform::Windows,
            "ExecutePowerShell" => self.platform == Platform::Windows,
            _ => true,
        };
        if !fits {
            let supported = if action == "ExecuteBash" {
                "Linux"
            } else {
                "Windows"
            };
            let page = format!("{ACTIONS_PAGE}#{action}");
            self.warn(
                step.get("action").unwrap_or(step),
                &path.key("action"),
                &format!(
                    "`{action}` supports {supported}, but this component's platform is {}",
                    self.platform.as_str()
                ),
                &page,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{messages, warnings};
    use super::*;

    fn step(action: &str, inputs: &str) -> String {
        format!(
            "schemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n      - name: Step\n        action: {action}\n        inputs:\n{inputs}"
        )
    }

    #[test]
    fn commands_as_a_plain_string_is_an_error() {
        let found = messages(&step("ExecuteBash", "          commands: echo hi\n"));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("expected a list of strings"), "{found:?}");
    }

    #[test]
    fn a_misspelt_required_key_is_suggested() {
        let found = messages(&step(
            "ExecuteBash",
            "          command:\n            - echo hi\n",
        ));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("did you mean `commands`"), "{found:?}");
    }

    #[test]
    fn file_actions_take_a_list_of_items() {
        let found = messages(&step(
            "S3Download",
            "          source: s3://b/k\n          destination: /tmp/k\n",
        ));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("expected a list of items"), "{found:?}");
        assert_eq!(
            messages(&step(
                "S3Download",
                "          - source: s3://b/k\n            destination: /tmp/k\n"
            )),
            Vec::<String>::new()
        );
    }

    #[test]
    fn shell_on_the_other_platform_is_a_warning() {
        let text = step(
            "ExecuteBash",
            "          commands:\n            - echo hi\n",
        );
        assert_eq!(messages(&text), Vec::<String>::new());
        assert_eq!(warnings(&text, Platform::Windows).len(), 1);
        assert_eq!(warnings(&text, Platform::Linux).len(), 0);
    }

    #[test]
    fn every_module_is_known_once() {
        let mut names = action_names();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), MODULES.len());
    }
}
