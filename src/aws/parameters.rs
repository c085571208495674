//! SSM Parameter Store parameters that hold an AMI id (`GetParameter`, `PutParameter`,
//! `GetParameterHistory`).
//!
//! AWS facts relied on:
//! - `PutParameter` (API Reference, `DataType`): with `aws:ec2:image` "a successful HTTP 200
//!   response does not guarantee that your parameter was successfully created or updated": the
//!   value is validated asynchronously and an invalid one leaves the parameter uncreated or
//!   unchanged. The answer's `Version` is the version the value gets if it passes, so reading the
//!   parameter back is the only way to know (see `consumer::parameters`).
//! - `PutParameter` refuses `Tags` together with `Overwrite` (`ValidationException`): tags are
//!   given only when the parameter is created.
//! - "Parameter data types in Parameter Store" (Systems Manager User Guide): a parameter's data
//!   type cannot change to or from `aws:ec2:image`, so a new version keeps the parameter's own.
//! - `GetParameter` on an unknown name answers `ParameterNotFound`; `GetParameterHistory` pages with
//!   `NextToken` (at most 50 per page) and lists each version's value, description and labels.

use std::time::SystemTime;

use aws_sdk_ssm::operation::get_parameter::GetParameterError;
use aws_sdk_ssm::types::{ParameterType, Tag};

use super::call::CallExt;
use super::error::AwsError;
use super::session::Session;

/// The data type that makes Parameter Store check the value is an AMI the account may use.
pub const IMAGE_DATA_TYPE: &str = "aws:ec2:image";

/// A parameter as it is now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parameter {
    /// Its name.
    pub name: String,
    /// Its value (an AMI id for the parameters gold keeps).
    pub value: String,
    /// Its version.
    pub version: i64,
    /// `String`, `StringList` or `SecureString`.
    pub kind: String,
    /// `text`, `aws:ec2:image`, …
    pub data_type: String,
    /// When the current version was written.
    pub modified: Option<SystemTime>,
}

/// One version from the parameter's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParameterVersion {
    /// The version number.
    pub version: i64,
    /// The value it held.
    pub value: String,
    /// The description written with it.
    pub description: Option<String>,
}

/// The parameter, or `None` when it does not exist.
pub async fn get(session: &Session, name: &str) -> Result<Option<Parameter>, AwsError> {
    let output = session
        .ssm()
        .get_parameter()
        .name(name)
        .send()
        .await
        .call_found(session, "GetParameter", name, |err| {
            matches!(err, GetParameterError::ParameterNotFound(_))
        })?;
    Ok(output.and_then(|output| {
        let parameter = output.parameter?;
        Some(Parameter {
            name: parameter.name.unwrap_or_else(|| name.to_owned()),
            value: parameter.value.unwrap_or_default(),
            version: parameter.version,
            kind: parameter
                .r#type
                .map(|kind| kind.as_str().to_owned())
                .unwrap_or_default(),
            data_type: parameter.data_type.unwrap_or_default(),
            modified: parameter
                .last_modified_date
                .and_then(|time| SystemTime::try_from(time).ok()),
        })
    }))
}

/// How a put writes a parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Write<'a> {
    /// A new `String` parameter of data type `aws:ec2:image`, with these tags.
    Create {
        /// Its tags (given only on creation: `Tags` and `Overwrite` exclude each other).
        tags: std::collections::BTreeMap<String, String>,
    },
    /// A new version of an existing parameter, keeping its data type (Parameter Store refuses a
    /// change to or from `aws:ec2:image`).
    Overwrite {
        /// The parameter's data type.
        data_type: &'a str,
    },
}

/// Writes `image_id` as a `String` parameter, and returns the version Parameter Store gave it.
/// With data type `aws:ec2:image` the value is checked only afterwards, asynchronously: read
/// the parameter back.
pub async fn put(
    session: &Session,
    name: &str,
    image_id: &str,
    description: &str,
    write: &Write<'_>,
) -> Result<i64, AwsError> {
    let mut request = session
        .ssm()
        .put_parameter()
        .name(name)
        .value(image_id)
        .description(description)
        .r#type(ParameterType::String);
    request =
        match write {
            Write::Create { tags } => {
                for (key, value) in tags {
                    request =
                        request.tags(Tag::builder().key(key).value(value).build().map_err(
                            |err| session.site().failure("PutParameter", err.to_string()),
                        )?);
                }
                request.data_type(IMAGE_DATA_TYPE).overwrite(false)
            }
            Write::Overwrite { data_type } => request.data_type(*data_type).overwrite(true),
        };
    let output = request
        .send()
        .await
        .call_on(session, "PutParameter", name)?;
    Ok(output.version)
}

/// Every version of the parameter, oldest first.
pub async fn history(session: &Session, name: &str) -> Result<Vec<ParameterVersion>, AwsError> {
    let mut pages = session
        .ssm()
        .get_parameter_history()
        .name(name)
        .into_paginator()
        .send();
    let mut versions = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.call_on(session, "GetParameterHistory", name)?;
        versions.extend(
            page.parameters
                .unwrap_or_default()
                .into_iter()
                .map(|entry| ParameterVersion {
                    version: entry.version,
                    value: entry.value.unwrap_or_default(),
                    description: entry.description,
                }),
        );
    }
    versions.sort_by_key(|entry| entry.version);
    Ok(versions)
}
