//! Checks the shape of a parsed TOML document against the manifest's JSON Schema, collecting
//! every problem with its location: unknown keys (with a "did you mean"), wrong types, missing
//! keys, values outside an enumeration or range. Driving this from the generated schema keeps
//! `gold validate`, `gold schema` and editors that read the schema in agreement.
//!
//! Only the schema keywords schemars emits for the model are interpreted; string patterns are
//! left to the value checks in `validate`, which can say more than "does not match".

use serde_json::{Map, Value};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::diagnostic::{KeyPath, Report, did_you_mean, quote};

/// Walks a document alongside the schema.
pub(crate) struct Checker<'s> {
    root: &'s Value,
}

impl<'s> Checker<'s> {
    /// A checker for documents described by `root`, a schema with `$defs`.
    pub(crate) fn new(root: &'s Value) -> Self {
        Self { root }
    }

    /// Checks a whole document.
    pub(crate) fn check_document(&self, document: &Spanned<DeTable<'_>>, report: &mut Report<'_>) {
        self.check_table(
            document.get_ref(),
            document.span().start,
            self.root,
            &KeyPath::root(),
            report,
        );
    }

    /// Follows `$ref` to the definition it names.
    fn resolve(&self, schema: &'s Value) -> &'s Value {
        let mut schema = schema;
        // Bounded: the generated schema never chains more than a couple of references.
        for _ in 0..8 {
            let Some(reference) = schema.get("$ref").and_then(Value::as_str) else {
                break;
            };
            let Some(name) = reference.strip_prefix("#/$defs/") else {
                break;
            };
            match self.root.get("$defs").and_then(|defs| defs.get(name)) {
                Some(target) => schema = target,
                None => break,
            }
        }
        schema
    }

    fn check_value(
        &self,
        value: &Spanned<DeValue<'_>>,
        schema: &'s Value,
        path: &KeyPath,
        report: &mut Report<'_>,
    ) {
        let schema = self.resolve(schema);
        let offset = value.span().start;
        if let Some(allowed) = self.allowed_strings(schema) {
            check_allowed(value, &allowed, path, report);
            return;
        }
        if let Some(branch) = Self::single_branch(schema) {
            self.check_value(value, branch, path, report);
            return;
        }
        if let Some(branch) = self.matching_branch(schema, value.get_ref()) {
            self.check_value(value, branch, path, report);
            return;
        }
        match value.get_ref() {
            DeValue::String(text) if accepts(schema, "string") => {
                check_length(text, schema, offset, path, report);
            }
            DeValue::Integer(integer) if accepts(schema, "integer") => {
                let number = i128::from_str_radix(integer.as_str(), integer.radix()).ok();
                let (min, max) = integer_range(schema);
                if number.is_none_or(|n| n < min || n > max) {
                    let expected = describe_integer(min, max);
                    report.at_offset(
                        offset,
                        path,
                        format!("expected {expected}, found {}", found(value.get_ref())),
                        Some(expected),
                    );
                }
            }
            DeValue::Boolean(_) if accepts(schema, "boolean") => {}
            DeValue::Array(items) if accepts(schema, "array") => {
                let min = schema.get("minItems").and_then(Value::as_u64).unwrap_or(0);
                if (items.len() as u64) < min {
                    let expected =
                        format!("at least {min} item{}", if min == 1 { "" } else { "s" });
                    report.at_offset(
                        offset,
                        path,
                        format!("expected {expected}, found an empty array"),
                        Some(expected),
                    );
                }
                if let Some(item_schema) = schema.get("items") {
                    for (i, item) in items.iter().enumerate() {
                        self.check_value(item, item_schema, &path.index(i), report);
                    }
                }
            }
            DeValue::Table(table) if accepts(schema, "object") => {
                self.check_table(table, offset, schema, path, report);
            }
            other => {
                let expected = self.describe(schema);
                report.at_offset(
                    offset,
                    path,
                    format!(
                        "expected {expected}, found {}{}",
                        found(other),
                        slip(schema, other, path)
                    ),
                    Some(expected),
                );
            }
        }
    }

    fn check_table(
        &self,
        table: &DeTable<'_>,
        offset: usize,
        schema: &'s Value,
        path: &KeyPath,
        report: &mut Report<'_>,
    ) {
        let empty = Map::new();
        let properties = schema
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let additional = schema.get("additionalProperties");
        for (key, value) in table {
            let name = key.get_ref().as_ref();
            let key_path = path.key(name);
            if let Some(property) = properties.get(name) {
                self.check_value(value, property, &key_path, report);
            } else if let Some(additional) = additional.filter(|a| a.is_object()) {
                self.check_value(value, additional, &key_path, report);
            } else if additional.and_then(Value::as_bool) == Some(false) {
                let known: Vec<&str> = properties.keys().map(String::as_str).collect();
                let hint = did_you_mean(name, known.iter().copied())
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                let expected = format!(
                    "one of {}",
                    known
                        .iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                report.at_offset(
                    key.span().start,
                    &key_path,
                    format!("unknown key{hint}; expected {expected}"),
                    Some(expected),
                );
            }
        }
        let required = schema.get("required").and_then(Value::as_array);
        for name in required.into_iter().flatten().filter_map(Value::as_str) {
            if !table.iter().any(|(key, _)| key.get_ref().as_ref() == name) {
                let what = properties
                    .get(name)
                    .map(|p| self.summary(p))
                    .unwrap_or_default();
                let expected = format!("key `{name}`{what}");
                report.at_offset(offset, path, format!("missing {expected}"), Some(expected));
            }
        }
    }

    /// The strings an enumeration allows, when `schema` is one.
    fn allowed_strings(&self, schema: &'s Value) -> Option<Vec<String>> {
        if let Some(values) = schema.get("enum").and_then(Value::as_array) {
            return Some(
                values
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect(),
            );
        }
        if let Some(value) = schema.get("const").and_then(Value::as_str) {
            return Some(vec![value.to_owned()]);
        }
        let branches = schema
            .get("oneOf")
            .or_else(|| schema.get("anyOf"))
            .and_then(Value::as_array)?;
        let mut allowed = Vec::new();
        for branch in branches {
            let branch = self.resolve(branch);
            allowed.extend(self.allowed_strings(branch)?);
        }
        Some(allowed)
    }

    /// The one non-null branch of an `anyOf`/`oneOf` (how schemars writes `Option<T>`).
    fn single_branch(schema: &'s Value) -> Option<&'s Value> {
        let branches = schema
            .get("anyOf")
            .or_else(|| schema.get("oneOf"))
            .and_then(Value::as_array)?;
        let mut real = branches
            .iter()
            .filter(|b| b.get("type").and_then(Value::as_str) != Some("null"));
        let first = real.next()?;
        real.next().is_none().then_some(first)
    }

    /// Of several branches (`"all"` or a list, say), the one of the value's type.
    fn matching_branch(&self, schema: &'s Value, value: &DeValue<'_>) -> Option<&'s Value> {
        let kind = match value {
            DeValue::String(_) => "string",
            DeValue::Integer(_) => "integer",
            DeValue::Float(_) => "number",
            DeValue::Boolean(_) => "boolean",
            DeValue::Datetime(_) => "datetime",
            DeValue::Array(_) => "array",
            DeValue::Table(_) => "object",
        };
        schema
            .get("anyOf")
            .or_else(|| schema.get("oneOf"))
            .and_then(Value::as_array)?
            .iter()
            .find(|branch| {
                let branch = self.resolve(branch);
                accepts(branch, kind)
                    || (kind == "string" && self.allowed_strings(branch).is_some())
            })
    }

    /// What a value must be, in words.
    fn describe(&self, schema: &'s Value) -> String {
        let schema = self.resolve(schema);
        if let Some(allowed) = self.allowed_strings(schema) {
            return one_of(&allowed);
        }
        if let Some(branch) = Self::single_branch(schema) {
            return self.describe(branch);
        }
        if let Some(branches) = schema
            .get("anyOf")
            .or_else(|| schema.get("oneOf"))
            .and_then(Value::as_array)
        {
            return branches
                .iter()
                .map(|branch| self.describe(branch))
                .collect::<Vec<_>>()
                .join(" or ");
        }
        if accepts(schema, "string") {
            "a string".to_owned()
        } else if accepts(schema, "integer") {
            let (min, max) = integer_range(schema);
            describe_integer(min, max)
        } else if accepts(schema, "boolean") {
            "`true` or `false`".to_owned()
        } else if accepts(schema, "array") {
            match schema.get("items") {
                Some(items) => format!("an array of {}", plural(&self.describe(items))),
                None => "an array".to_owned(),
            }
        } else {
            "a table".to_owned()
        }
    }

    /// ` (description)` of a property, for "missing key" messages.
    fn summary(&self, schema: &'s Value) -> String {
        let description = schema
            .get("description")
            .or_else(|| self.resolve(schema).get("description"))
            .and_then(Value::as_str);
        match description {
            Some(text) => {
                let first = text.split(['.', ';']).next().unwrap_or(text).trim();
                format!(": {}", first.to_lowercase_first())
            }
            None => String::new(),
        }
    }
}

trait LowercaseFirst {
    fn to_lowercase_first(&self) -> String;
}

impl LowercaseFirst for str {
    fn to_lowercase_first(&self) -> String {
        let mut chars = self.chars();
        match chars.next() {
            // Keep acronyms ("AWSTOE", "IAM") as written.
            Some(first) if chars.clone().next().is_some_and(char::is_lowercase) => {
                first.to_lowercase().chain(chars).collect()
            }
            _ => self.to_owned(),
        }
    }
}

fn accepts(schema: &Value, kind: &str) -> bool {
    match schema.get("type") {
        Some(Value::String(t)) => t == kind,
        Some(Value::Array(types)) => types.iter().any(|t| t.as_str() == Some(kind)),
        _ => false,
    }
}

fn integer_range(schema: &Value) -> (i128, i128) {
    let format_max = match schema.get("format").and_then(Value::as_str) {
        Some("uint8") => i128::from(u8::MAX),
        Some("uint16") => i128::from(u16::MAX),
        Some("uint32") => i128::from(u32::MAX),
        Some("int32") => i128::from(i32::MAX),
        _ => i128::from(i64::MAX),
    };
    let min = schema
        .get("minimum")
        .and_then(Value::as_i64)
        .map_or(i128::from(i64::MIN), i128::from);
    let max = schema
        .get("maximum")
        .and_then(Value::as_i64)
        .map_or(format_max, |m| i128::from(m).min(format_max));
    (min, max)
}

fn describe_integer(min: i128, max: i128) -> String {
    let unbounded_max = max >= i128::from(u32::MAX);
    match (min > i128::from(i64::MIN), unbounded_max) {
        (true, false) => format!("an integer from {min} to {max}"),
        (true, true) => format!("an integer of at least {min}"),
        (false, false) => format!("an integer of at most {max}"),
        (false, true) => "an integer".to_owned(),
    }
}

fn check_length(
    text: &str,
    schema: &Value,
    offset: usize,
    path: &KeyPath,
    report: &mut Report<'_>,
) {
    let length = text.chars().count() as u64;
    let min = schema.get("minLength").and_then(Value::as_u64);
    let max = schema.get("maxLength").and_then(Value::as_u64);
    let too_short = min.is_some_and(|m| length < m);
    let too_long = max.is_some_and(|m| length > m);
    if too_short || too_long {
        let expected = match (min, max) {
            (Some(min), Some(max)) => format!("{min} to {max} characters"),
            (Some(min), None) => format!("at least {min} characters"),
            (None, Some(max)) => format!("at most {max} characters"),
            (None, None) => return,
        };
        report.at_offset(
            offset,
            path,
            format!("expected {expected}, found {length}"),
            Some(expected),
        );
    }
}

fn one_of(allowed: &[String]) -> String {
    match allowed {
        [only] => format!("`{only}`"),
        _ => format!(
            "one of {}",
            allowed
                .iter()
                .map(|a| format!("`{a}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn plural(description: &str) -> String {
    description
        .strip_prefix("a ")
        .or_else(|| description.strip_prefix("an "))
        .map_or_else(|| description.to_owned(), |rest| format!("{rest}s"))
}

/// The fix for a common TOML slip, when the mismatch looks like one.
fn slip(schema: &Value, value: &DeValue<'_>, path: &KeyPath) -> String {
    let key = path.to_string();
    let name = key.rsplit('.').next().unwrap_or(&key);
    match value {
        DeValue::Integer(_) | DeValue::Float(_) | DeValue::Boolean(_) | DeValue::Datetime(_)
            if accepts(schema, "string") =>
        {
            let raw = match value {
                DeValue::Integer(integer) => integer.to_string(),
                DeValue::Float(float) => float.to_string(),
                DeValue::Boolean(flag) => flag.to_string(),
                DeValue::Datetime(datetime) => datetime.to_string(),
                _ => String::new(),
            };
            format!("; quote it: `{name} = \"{raw}\"`")
        }
        DeValue::String(text) if accepts(schema, "array") => {
            format!("; write a list: `{name} = [{}]`", quote(text))
        }
        DeValue::Table(_) if accepts(schema, "array") => {
            format!("; `[[{key}]]` (double brackets) adds an entry to the list")
        }
        DeValue::Array(_) if accepts(schema, "object") => {
            format!("; `[{key}]` (single brackets) is one table")
        }
        _ => String::new(),
    }
}

/// A found value in words, with the value itself when it is short.
fn found(value: &DeValue<'_>) -> String {
    match value {
        DeValue::String(text) => format!("the string {}", quote(text)),
        DeValue::Integer(integer) => format!("the integer {integer}"),
        DeValue::Float(float) => format!("the float {float}"),
        DeValue::Boolean(flag) => format!("the boolean {flag}"),
        DeValue::Datetime(datetime) => format!("the date-time {datetime}"),
        DeValue::Array(_) => "an array".to_owned(),
        DeValue::Table(_) => "a table".to_owned(),
    }
}

/// A value that must be one of `allowed` (an `enum` or `const` of the schema), with a "did you
/// mean" for a near miss.
fn check_allowed(
    value: &Spanned<DeValue<'_>>,
    allowed: &[String],
    path: &KeyPath,
    report: &mut Report<'_>,
) {
    let offset = value.span().start;
    match value.get_ref() {
        DeValue::String(text) if allowed.iter().any(|a| a == text.as_ref()) => {}
        DeValue::String(text) => {
            let hint = did_you_mean(text, allowed.iter().map(String::as_str))
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
            let expected = one_of(allowed);
            report.at_offset(
                offset,
                path,
                format!("expected {expected}, found {}{hint}", quote(text)),
                Some(expected),
            );
        }
        other => {
            let expected = one_of(allowed);
            report.at_offset(
                offset,
                path,
                format!("expected {expected}, found {}", found(other)),
                Some(expected),
            );
        }
    }
}
