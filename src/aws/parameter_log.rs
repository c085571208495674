//! An append-only log in Parameter Store: one `String` parameter per entry, all under one path,
//! each created once and never overwritten. Creating is the log's compare-and-swap: two
//! writers that both read entry N and both create entry N + 1 cannot both succeed.
//!
//! AWS facts relied on (Systems Manager API Reference):
//! - `PutParameter` without `Overwrite` (it defaults to false) refuses a name that exists with
//!   `ParameterAlreadyExists`, so only one of two concurrent creates of a name succeeds; `Tags`
//!   are accepted only on such a create.
//! - `GetParametersByPath` with `Recursive` lists every parameter below a path, at most 10 per
//!   page (`NextToken` pages on), each with its `Value` and `LastModifiedDate`, the time Parameter
//!   Store wrote it (AWS's clock, not the writer's).
//! - A `String` parameter's value holds at most 4 KB in the standard tier; an account holds
//!   10,000 standard parameters per region ("Managing parameter tiers").

use std::collections::BTreeMap;
use std::time::SystemTime;

use aws_sdk_ssm::operation::put_parameter::PutParameterError;
use aws_sdk_ssm::types::{ParameterType, Tag};

use super::call::CallExt;
use super::error::{AwsError, Reason};
use super::session::Session;

/// The longest value a standard parameter holds.
pub const VALUE_MAX: usize = 4096;

/// One entry of the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The parameter's full name.
    pub name: String,
    /// What the entry says.
    pub value: String,
    /// When Parameter Store wrote it.
    pub written: Option<SystemTime>,
}

/// Every entry below `path`, ordered by name.
pub async fn read(session: &Session, path: &str) -> Result<Vec<Record>, AwsError> {
    let mut pages = session
        .ssm()
        .get_parameters_by_path()
        .path(path)
        .recursive(true)
        .into_paginator()
        .send();
    let mut records = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.call_on(session, "GetParametersByPath", path)?;
        records.extend(page.parameters.unwrap_or_default().into_iter().map(|p| {
            Record {
                name: p.name.unwrap_or_default(),
                value: p.value.unwrap_or_default(),
                written: p
                    .last_modified_date
                    .and_then(|time| SystemTime::try_from(time).ok()),
            }
        }));
    }
    records.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(records)
}

/// Creates the entry `name`; `Ok(false)` when it exists already (another writer took it).
pub async fn append(
    session: &Session,
    name: &str,
    value: &str,
    description: &str,
    tags: &BTreeMap<String, String>,
) -> Result<bool, AwsError> {
    let mut request = session
        .ssm()
        .put_parameter()
        .name(name)
        .value(value)
        .description(description)
        .r#type(ParameterType::String)
        .overwrite(false);
    for (key, value) in tags {
        request = request.tags(
            Tag::builder()
                .key(key)
                .value(value)
                .build()
                .map_err(|err| session.site().failure("PutParameter", err.to_string()))?,
        );
    }
    match request
        .send()
        .await
        .call_classified(session, "PutParameter", name, |err| {
            matches!(err, PutParameterError::ParameterAlreadyExists(_))
                .then_some(Reason::AlreadyExists)
        }) {
        Ok(_) => Ok(true),
        Err(err) if err.is_already_exists() => Ok(false),
        Err(err) => Err(err),
    }
}
