//! The YAML of one AWSTOE document as a tree of nodes that remember where they start. The event
//! stream is consumed in a loop rather than through the recursive loader, so nesting depth
//! cannot exhaust the stack, and dropping a deep tree is flattened for the same reason.

use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use super::super::diagnostic::quote;

/// A YAML node with the position it starts at (1-based line and column).
#[derive(Debug)]
pub(super) struct Node {
    pub(super) kind: Kind,
    pub(super) line: usize,
    pub(super) column: usize,
}

#[derive(Debug)]
pub(super) enum Kind {
    /// `plain` is true for an unquoted scalar, which YAML may read as a number or boolean.
    Scalar {
        value: String,
        plain: bool,
    },
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

    pub(super) fn scalar(&self) -> Option<&str> {
        match &self.kind {
            Kind::Scalar { value, .. } => Some(value),
            _ => None,
        }
    }

    pub(super) fn sequence(&self) -> Option<&[Node]> {
        match &self.kind {
            Kind::Sequence(items) => Some(items),
            _ => None,
        }
    }

    pub(super) fn is_mapping(&self) -> bool {
        matches!(self.kind, Kind::Mapping(_))
    }

    /// The value at `key` of a mapping.
    pub(super) fn get(&self, key: &str) -> Option<&Node> {
        match &self.kind {
            Kind::Mapping(entries) => entries
                .iter()
                .find(|(k, _)| k.scalar() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// What the node is, in words, for "found …" in messages.
    pub(super) fn describe(&self) -> String {
        match &self.kind {
            Kind::Scalar { value, plain } if *plain && value.is_empty() => "nothing".to_owned(),
            Kind::Scalar { value, .. } => format!("the string {}", quote(value)),
            Kind::Sequence(_) => "a list".to_owned(),
            Kind::Mapping(entries) if is_unquoted_reference(entries) => {
                "a mapping (an unquoted `{{ … }}` is a YAML mapping: quote it)".to_owned()
            }
            Kind::Mapping(_) => "a mapping".to_owned(),
            Kind::Alias => "an alias".to_owned(),
        }
    }
}

/// `- {{ name }}` written without quotes parses as a flow mapping whose only key is a mapping.
fn is_unquoted_reference(entries: &[(Node, Node)]) -> bool {
    matches!(entries, [(key, _)] if key.is_mapping())
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

/// A YAML error: line, column and message.
pub(super) type SyntaxError = (usize, usize, String);

/// Builds the node tree of the single document in `text`.
pub(super) fn parse(text: &str) -> Result<Option<Node>, SyntaxError> {
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Frame> = Vec::new();
    let mut root: Option<Node> = None;
    loop {
        let (event, mark) = parser.next_token().map_err(|e| {
            let (line, column) = (e.marker().line(), e.marker().col() + 1);
            (line, column, syntax_message(text, line, column, e.info()))
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

/// yaml-rust2's message, corrected where it misleads: it calls every quoted scalar with text
/// after its closing quote "double-quoted", even a single-quoted one (`- 'it's'`).
fn syntax_message(text: &str, line: usize, column: usize, info: &str) -> String {
    const TRAILING: &str = "invalid trailing content after double-quoted scalar";
    let source = text.lines().nth(line.saturating_sub(1)).unwrap_or_default();
    if info != TRAILING {
        // `- {{ build.step.inputs[0].x }}` unquoted is a broken YAML flow mapping.
        let unquoted = source
            .trim_start()
            .trim_start_matches(['-', ' '])
            .split_once(':')
            .map_or(
                source.trim_start().trim_start_matches(['-', ' ']),
                |(_, v)| v,
            )
            .trim_start()
            .starts_with("{{");
        let hint = if unquoted {
            "; a value starting with `{{` must be quoted, e.g. `'{{ name }}'` (AWSTOE docs: \"Use variables in your custom component document\")"
        } else {
            ""
        };
        return format!("invalid YAML: {info}{hint}");
    }
    let before: String = source.chars().take(column.saturating_sub(1)).collect();
    match before.trim_end().chars().last() {
        Some('\'') => "invalid YAML: text after the closing `'` of a single-quoted string; inside single quotes write a quote as `''`, or quote the whole value with `\"`".to_owned(),
        _ => "invalid YAML: text after the closing `\"` of a double-quoted string; inside double quotes write a quote as `\\\"`, or quote the whole value with `'`".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailing_text_names_the_quote_that_closed_the_string() {
        let single = parse("commands:\n  - 'it's here'\n").unwrap_err();
        assert!(single.2.contains("single-quoted"), "{single:?}");
        let double = parse("commands:\n  - \"say \"hi\" now\"\n").unwrap_err();
        assert!(double.2.contains("double-quoted"), "{double:?}");
    }

    #[test]
    fn unquoted_reference_is_described_as_such() {
        let root = parse("- {{ Name }}\n").unwrap().unwrap();
        let item = &root.sequence().unwrap()[0];
        assert!(item.describe().contains("quote it"), "{}", item.describe());
    }
}
