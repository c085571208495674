//! A policy document as IAM reads it (IAM User Guide, "IAM JSON policy element reference"):
//! the statements one side's policy resolves to, written out in order, and the statements of
//! several manifests joined into one rollout role's policy so it stays within IAM's size quotas
//! ("IAM and AWS STS quotas": a role's inline policies share 10,240 characters).

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use crate::plan::key_policy::one_or_many;

/// IAM's policy language version.
pub(super) const VERSION: &str = "2012-10-17";

/// One statement before it is written out.
pub(super) struct Statement {
    pub(super) sid: String,
    pub(super) actions: BTreeSet<&'static str>,
    pub(super) resources: Vec<String>,
    pub(super) condition: Option<Value>,
}

/// A policy document of `statements`.
pub(super) fn document(statements: Vec<Statement>) -> Value {
    let statements: Vec<Value> = statements
        .into_iter()
        .map(|s| {
            let mut object = Map::new();
            object.insert("Sid".to_owned(), s.sid.into());
            object.insert("Effect".to_owned(), "Allow".into());
            object.insert("Action".to_owned(), s.actions.into_iter().collect());
            object.insert("Resource".to_owned(), one_or_many(s.resources));
            if let Some(condition) = s.condition {
                object.insert("Condition".to_owned(), condition);
            }
            Value::Object(object)
        })
        .collect();
    json!({ "Version": VERSION, "Statement": statements })
}

/// Adds `next` to `merged`: into the statement of its id when they differ only in resources
/// (resources joined) or only in one condition value (values joined, which IAM reads as "any
/// of"); otherwise as a statement of its own, its id numbered.
pub(super) fn absorb(merged: &mut Vec<Statement>, mut next: Statement) {
    let same_id = |s: &&mut Statement| s.sid == next.sid && s.actions == next.actions;
    for existing in merged.iter_mut().filter(|s| same_id(s)) {
        if existing.condition == next.condition {
            for resource in next.resources {
                if !existing.resources.contains(&resource) {
                    existing.resources.push(resource);
                }
            }
            return;
        }
        if existing.resources == next.resources
            && let Some(joined) =
                join_conditions(existing.condition.as_ref(), next.condition.as_ref())
        {
            existing.condition = Some(joined);
            return;
        }
    }
    let taken = merged
        .iter()
        .filter(|s| s.sid.starts_with(&next.sid))
        .count();
    if taken > 0 {
        next.sid = format!("{}{}", next.sid, taken + 1);
    }
    merged.push(next);
}

/// Two conditions with the same operators and keys whose values differ for exactly one key:
/// that key with both values. `None` otherwise (joining two keys would allow their mixes).
fn join_conditions(a: Option<&Value>, b: Option<&Value>) -> Option<Value> {
    let (a, b) = (a?.as_object()?, b?.as_object()?);
    if a.keys().ne(b.keys()) {
        return None;
    }
    let mut joined = a.clone();
    let mut differing = 0;
    for (operator, keys) in a {
        let (keys, other) = (keys.as_object()?, b.get(operator)?.as_object()?);
        if keys.keys().ne(other.keys()) {
            return None;
        }
        for (key, value) in keys {
            let theirs = other.get(key)?;
            if value == theirs {
                continue;
            }
            differing += 1;
            let mut values: Vec<Value> = [value, theirs]
                .into_iter()
                .flat_map(|v| v.as_array().cloned().unwrap_or_else(|| vec![v.clone()]))
                .collect();
            values.sort_by_key(Value::to_string);
            values.dedup();
            joined[operator][key] = Value::Array(values);
        }
    }
    (differing == 1).then_some(Value::Object(joined))
}
