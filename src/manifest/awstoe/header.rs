//! The document header: `schemaVersion`, `name`, `description`. The framework page calls
//! `schemaVersion` "currently 1.0"; the guide's own "Create a YAML component document" example
//! (`update-linux-os`) writes `schemaVersion: 1`, which AWSTOE runs, so `1`, `1.0` and `'1.0'`
//! are all accepted.

use super::super::diagnostic::KeyPath;
use super::tree::Node;
use super::{Checker, FRAMEWORK};

/// The keys of a component document.
pub(super) const DOCUMENT_KEYS: &[&str] = &[
    "name",
    "description",
    "schemaVersion",
    "parameters",
    "constants",
    "phases",
];

/// The schema versions AWSTOE accepts, as YAML reads them.
const SCHEMA_VERSIONS: &[&str] = &["1.0", "1"];

impl Checker<'_> {
    pub(super) fn header<'n>(&mut self, root: &Node, get: &impl Fn(&str) -> Option<&'n Node>) {
        let path = KeyPath::root();
        match get("schemaVersion") {
            None => self.error(
                root,
                &path,
                "missing key `schemaVersion`: expected `1.0`",
                FRAMEWORK,
            ),
            Some(version)
                if version
                    .scalar()
                    .is_some_and(|v| SCHEMA_VERSIONS.contains(&v.trim())) => {}
            Some(version) => self.error(
                version,
                &path.key("schemaVersion"),
                &format!("expected `1.0`, found {}", version.describe()),
                FRAMEWORK,
            ),
        }
        for key in ["name", "description"] {
            if let Some(value) = get(key) {
                self.string(value, &path.key(key), FRAMEWORK);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::messages;

    const BODY: &str =
        "phases:\n  - name: build\n    steps:\n    - name: UpdateOS\n      action: UpdateOS\n";

    #[test]
    fn every_form_of_version_one_is_accepted() {
        for version in ["1", "1.0", "'1.0'", "\"1.0\"", "\"1\""] {
            let text = format!("schemaVersion: {version}\n{BODY}");
            assert_eq!(messages(&text), Vec::<String>::new(), "{version}");
        }
    }

    #[test]
    fn another_version_is_rejected_with_its_page() {
        let text = format!("schemaVersion: 2.0\n{BODY}");
        assert_eq!(
            messages(&text),
            vec![
                "c.yml:1:16: schemaVersion: expected `1.0`, found the string \"2.0\" (AWSTOE docs: \"Use the AWSTOE component document framework for custom components\")"
            ]
        );
    }
}
