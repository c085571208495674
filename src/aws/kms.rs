//! KMS keys as gold checks and uses them: EBS encryption by default (EC2), a key's metadata and
//! key policy, and the grants that let a consumer account's Auto Scaling service-linked role use
//! the producer's key.
//!
//! AWS facts relied on (EC2 API Reference, `GetEbsEncryptionByDefault`, `GetEbsDefaultKmsKeyId`;
//! AWS KMS API Reference, `DescribeKey`, `GetKeyPolicy`, `ListGrants`, `CreateGrant`,
//! `RetireGrant`; AWS KMS Developer Guide, "Grants in AWS KMS", "Retiring and revoking grants"):
//! - encryption by default and its key are settings of one account in one Region;
//! - `GetKeyPolicy` works only in the key's own account ("Cross-account use: No") and takes a key
//!   id or key ARN, never an alias; its one policy is named `default`;
//! - `DescribeKey`, `ListGrants`, `CreateGrant` and `RetireGrant` work across accounts when the key is
//!   named by its ARN (`DescribeKey` also by alias ARN); the key policy decides who may;
//! - a repeated `CreateGrant` with the same `Name` and parameters returns the same grant instead
//!   of a second one; the account that created a grant may retire it.

use aws_sdk_kms::types::{GrantOperation, KeyManagerType, KeyState};

use super::call::CallExt;
use super::error::AwsError;
use super::session::Session;

/// The path of the Auto Scaling service-linked role in every account (IAM User Guide, "Using
/// service-linked roles"; Amazon EC2 Auto Scaling User Guide, "Service-linked role").
pub const AUTO_SCALING_ROLE: &str =
    "role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling";

/// What Auto Scaling's role needs of a key to launch from an AMI it encrypts: the operations of
/// the Auto Scaling User Guide's `create-grant` example ("Required AWS KMS key policy for use
/// with encrypted volumes").
pub const AUTO_SCALING_OPERATIONS: [&str; 8] = [
    "Decrypt",
    "Encrypt",
    "GenerateDataKey",
    "GenerateDataKeyWithoutPlaintext",
    "ReEncryptFrom",
    "ReEncryptTo",
    "CreateGrant",
    "DescribeKey",
];

/// The ARN of `account`'s Auto Scaling service-linked role (`*` for every account).
pub fn auto_scaling_role(partition: &str, account: &str) -> String {
    format!("arn:{partition}:iam::{account}:{AUTO_SCALING_ROLE}")
}

/// EBS encryption by default in the session's account and Region: the default key's ARN when
/// it is on, `None` when it is off.
pub async fn default_encryption(session: &Session) -> Result<Option<String>, AwsError> {
    let client = session.ec2();
    let enabled = client
        .get_ebs_encryption_by_default()
        .send()
        .await
        .call(session, "GetEbsEncryptionByDefault")?
        .ebs_encryption_by_default()
        .unwrap_or(false);
    let key = client
        .get_ebs_default_kms_key_id()
        .send()
        .await
        .call(session, "GetEbsDefaultKmsKeyId")?
        .kms_key_id()
        .map(str::to_owned);
    Ok(if enabled {
        Some(key.unwrap_or_else(|| "alias/aws/ebs".to_owned()))
    } else {
        None
    })
}

/// A KMS key as gold needs to know it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    /// Its ARN (`arn:aws:kms:REGION:ACCOUNT:key/ID`).
    pub arn: String,
    /// Whether AWS manages it (`aws/ebs`): its policy is fixed and its account's alone.
    pub aws_managed: bool,
    /// `Enabled`, `Disabled`, `PendingDeletion`, …
    pub state: String,
}

impl Key {
    /// Whether the key can be used at all.
    pub fn enabled(&self) -> bool {
        self.state == KeyState::Enabled.as_str()
    }
}

/// The key `key` names (key ARN, alias ARN), as the session's account sees it.
pub async fn describe_key(session: &Session, key: &str) -> Result<Key, AwsError> {
    let out = session
        .kms()
        .describe_key()
        .key_id(key)
        .send()
        .await
        .call_on(session, "DescribeKey", key)?;
    let metadata = out.key_metadata().ok_or_else(|| {
        session.failure("DescribeKey", format!("KMS described no key for `{key}`"))
    })?;
    Ok(Key {
        arn: metadata.arn().unwrap_or(key).to_owned(),
        aws_managed: metadata.key_manager() == Some(&KeyManagerType::Aws),
        state: metadata
            .key_state()
            .map_or_else(String::new, |state| state.as_str().to_owned()),
    })
}

/// The key policy of `key_arn` (a key of the session's account), as its JSON text.
pub async fn key_policy(session: &Session, key_arn: &str) -> Result<String, AwsError> {
    let out = session
        .kms()
        .get_key_policy()
        .key_id(key_arn)
        .policy_name("default")
        .send()
        .await
        .call_on(session, "GetKeyPolicy", key_arn)?;
    Ok(out.policy().unwrap_or_default().to_owned())
}

/// One grant on a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// The grant's id.
    pub id: String,
    /// Its name, when it has one.
    pub name: Option<String>,
    /// The principal it lets use the key.
    pub grantee: String,
    /// The operations it allows (`Decrypt`, `CreateGrant`, …).
    pub operations: Vec<String>,
}

/// Every grant on `key_arn` to `grantee`.
pub async fn grants_to(
    session: &Session,
    key_arn: &str,
    grantee: &str,
) -> Result<Vec<Grant>, AwsError> {
    let mut pages = session
        .kms()
        .list_grants()
        .key_id(key_arn)
        .grantee_principal(grantee)
        .into_paginator()
        .send();
    let mut found = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.call_on(session, "ListGrants", key_arn)?;
        found.extend(page.grants().iter().map(|grant| {
            Grant {
                id: grant.grant_id().unwrap_or_default().to_owned(),
                name: grant.name().map(str::to_owned),
                grantee: grant.grantee_principal().unwrap_or_default().to_owned(),
                operations: grant
                    .operations()
                    .iter()
                    .map(|op| op.as_str().to_owned())
                    .collect(),
            }
        }));
    }
    Ok(found)
}

/// Creates (or, for the same name and parameters, finds again) the grant `name` on `key_arn`
/// letting `grantee` use `operations`; its id.
pub async fn create_grant(
    session: &Session,
    key_arn: &str,
    grantee: &str,
    name: &str,
    operations: &[&str],
) -> Result<String, AwsError> {
    let out = session
        .kms()
        .create_grant()
        .key_id(key_arn)
        .grantee_principal(grantee)
        .name(name)
        .set_operations(Some(
            operations
                .iter()
                .map(|op| GrantOperation::from(*op))
                .collect(),
        ))
        .send()
        .await
        .call_on(session, "CreateGrant", key_arn)?;
    Ok(out.grant_id().unwrap_or_default().to_owned())
}

/// Retires the grant `grant_id` on `key_arn` (the session's account created it); `false` when
/// it was gone already.
pub async fn retire_grant(
    session: &Session,
    key_arn: &str,
    grant_id: &str,
) -> Result<bool, AwsError> {
    let retired = session
        .kms()
        .retire_grant()
        .key_id(key_arn)
        .grant_id(grant_id)
        .send()
        .await
        .call_found(session, "RetireGrant", key_arn, |err| {
            err.is_not_found_exception()
        })?;
    Ok(retired.is_some())
}
