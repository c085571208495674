//! What is wrong with a manifest or component document, and where: the file, a 1-based line and
//! column, the key path (`consumers[1].account`), and a message that says what was expected.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

/// One problem in a manifest or a component document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// The file the problem is in.
    pub file: PathBuf,
    /// 1-based line; 0 when the problem concerns the file as a whole (it cannot be read).
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// Key path of the offending value, e.g. `consumers[1].launch_templates[0].name`; empty for the document itself.
    pub key: String,
    /// What is wrong, including what was expected.
    pub message: String,
    /// What would have been accepted, when gold can say.
    pub expected: Option<String>,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if self.line > 0 {
            write!(f, ":{}:{}", self.line, self.column)?;
        }
        f.write_str(": ")?;
        if !self.key.is_empty() {
            write!(f, "{}: ", self.key)?;
        }
        f.write_str(&self.message)
    }
}

/// Every problem found in one load, in file order; `Display` prints one per line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Error {
    /// The problems, at least one.
    pub diagnostics: Vec<Diagnostic>,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, diagnostic) in self.diagnostics.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{diagnostic}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

/// A path to a value inside a document, printed the way users write keys.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyPath(Vec<Segment>);

/// One step of a [`KeyPath`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// A table key.
    Key(String),
    /// An array index.
    Index(usize),
    /// An array index whose entry has a name (`consumers[staging]`), which messages show instead.
    Named(usize, String),
}

impl KeyPath {
    /// The document itself.
    #[must_use]
    pub fn root() -> Self {
        Self::default()
    }

    /// This path extended by a table key.
    #[must_use]
    pub fn key(&self, key: &str) -> Self {
        let mut segments = self.0.clone();
        segments.push(Segment::Key(key.to_owned()));
        Self(segments)
    }

    /// This path extended by an array index.
    #[must_use]
    pub fn index(&self, index: usize) -> Self {
        let mut segments = self.0.clone();
        segments.push(Segment::Index(index));
        Self(segments)
    }

    /// This path extended by an array entry, shown by its `name` when it has one.
    #[must_use]
    pub fn entry(&self, index: usize, name: Option<&str>) -> Self {
        let mut segments = self.0.clone();
        segments.push(match name {
            Some(name) if !name.is_empty() => Segment::Named(index, name.to_owned()),
            _ => Segment::Index(index),
        });
        Self(segments)
    }

    /// The steps of this path.
    #[must_use]
    pub fn segments(&self) -> &[Segment] {
        &self.0
    }
}

impl fmt::Display for KeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                Segment::Index(index) => write!(f, "[{index}]")?,
                Segment::Named(_, name) => {
                    let bare = name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "-_./()".contains(c));
                    if bare {
                        write!(f, "[{name}]")?;
                    } else {
                        write!(f, "[{name:?}]")?;
                    }
                }
                Segment::Key(key) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    let bare = !key.is_empty()
                        && key
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
                    if bare {
                        f.write_str(key)?;
                    } else {
                        write!(f, "{key:?}")?;
                    }
                }
            }
        }
        Ok(())
    }
}

/// Turns byte offsets into 1-based line and column numbers.
#[derive(Debug)]
pub struct LineIndex<'a> {
    text: &'a str,
    line_starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    /// Indexes the lines of `text`.
    #[must_use]
    pub fn new(text: &'a str) -> Self {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Self { text, line_starts }
    }

    /// Line and column (1-based, column in characters) of a byte offset.
    #[must_use]
    pub fn position(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&start| start <= offset);
        let start = self.line_starts[line - 1];
        let column = self
            .text
            .get(start..offset)
            .map_or(offset - start, |prefix| prefix.chars().count());
        (line, column + 1)
    }
}

/// Collects diagnostics for one file.
#[derive(Debug)]
pub struct Report<'a> {
    file: &'a Path,
    index: LineIndex<'a>,
    /// The diagnostics so far.
    pub diagnostics: Vec<Diagnostic>,
}

impl<'a> Report<'a> {
    /// A report on `file`, whose text is `text`.
    #[must_use]
    pub fn new(file: &'a Path, text: &'a str) -> Self {
        Self {
            file,
            index: LineIndex::new(text),
            diagnostics: Vec::new(),
        }
    }

    /// Records a problem at a byte offset.
    pub fn at_offset(
        &mut self,
        offset: usize,
        key: &KeyPath,
        message: String,
        expected: Option<String>,
    ) {
        let (line, column) = self.index.position(offset);
        self.at_position(line, column, key, message, expected);
    }

    /// Records a problem at a line and column.
    pub fn at_position(
        &mut self,
        line: usize,
        column: usize,
        key: &KeyPath,
        message: String,
        expected: Option<String>,
    ) {
        self.diagnostics.push(Diagnostic {
            file: self.file.to_path_buf(),
            line,
            column,
            key: key.to_string(),
            message,
            expected,
        });
    }
}

/// A user's value quoted for a message, shortened so a 20 MB string stays one readable line.
#[must_use]
pub fn quote(value: &str) -> String {
    const MAX: usize = 60;
    if value.chars().count() <= MAX {
        format!("{value:?}")
    } else {
        let head: String = value.chars().take(MAX).collect();
        format!("{head:?}… ({} characters)", value.chars().count())
    }
}

/// The candidate closest to `word`, when it is close enough to be a likely typo.
#[must_use]
pub fn did_you_mean<'c>(
    word: &str,
    candidates: impl IntoIterator<Item = &'c str>,
) -> Option<&'c str> {
    let length = word.chars().count();
    let limit = length.div_ceil(3).clamp(1, 4);
    let lower = word.to_lowercase();
    candidates
        .into_iter()
        .map(|candidate| {
            // A truncated key (`subnet` for `subnet_id`) is a near miss however short it is.
            let prefix = length >= 4 && candidate.to_lowercase().starts_with(&lower);
            let distance = if prefix {
                0
            } else {
                edit_distance(word, candidate)
            };
            (distance, candidate)
        })
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// ` (did you mean `x`?)` when `word` is a near miss of one of `candidates`, else nothing.
#[must_use]
pub fn suggestion<'c>(word: &str, candidates: impl IntoIterator<Item = &'c str>) -> String {
    did_you_mean(word, candidates)
        .map(|s| format!(" (did you mean `{s}`?)"))
        .unwrap_or_default()
}

/// Names for a message: `` `a`, `b` ``.
#[must_use]
pub fn listed<'n>(names: impl IntoIterator<Item = &'n str>) -> String {
    names
        .into_iter()
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Levenshtein distance, case-insensitive, so `Subnet_ID` still finds `subnet_id`.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.to_lowercase().chars().collect();
    let b: Vec<char> = b.to_lowercase().chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        current[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_and_count_characters() {
        let index = LineIndex::new("ab\nçd\n");
        assert_eq!(index.position(0), (1, 1));
        assert_eq!(index.position(3), (2, 1));
        assert_eq!(index.position(5), (2, 2));
        assert_eq!(index.position(999), (3, 1));
    }

    #[test]
    fn key_paths_print_like_toml_keys() {
        let path = KeyPath::root()
            .key("consumers")
            .index(1)
            .key("launch_templates")
            .index(0)
            .key("name");
        assert_eq!(path.to_string(), "consumers[1].launch_templates[0].name");
        let named = KeyPath::root()
            .key("consumers")
            .entry(1, Some("staging"))
            .key("launch_templates")
            .entry(0, Some("web lt"));
        assert_eq!(
            named.to_string(),
            "consumers[staging].launch_templates[\"web lt\"]"
        );
        assert_eq!(
            KeyPath::root().key("tags").key("a.b").to_string(),
            "tags.\"a.b\""
        );
    }

    #[test]
    fn near_misses_are_suggested_and_far_ones_are_not() {
        let keys = ["subnet_id", "security_group", "instance_types"];
        assert_eq!(did_you_mean("subnet", keys), Some("subnet_id"));
        assert_eq!(did_you_mean("instance_type", keys), Some("instance_types"));
        assert_eq!(did_you_mean("colour", keys), None);
    }

    #[test]
    fn long_values_are_shortened() {
        let long = "x".repeat(1000);
        assert!(quote(&long).ends_with("(1000 characters)"));
        assert_eq!(quote("4444"), "\"4444\"");
    }
}
