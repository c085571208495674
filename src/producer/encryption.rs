//! Encrypted images, checked before `plan` and `up` change anything: an AMI the consumers could
//! not launch must not be built, shared or rolled out.
//!
//! AWS facts relied on (Amazon EBS User Guide, "Encryption by default"; EC2 User Guide, "Share
//! an AMI with specific AWS accounts" — "AMIs with encrypted volumes"; EC2 Image Builder User
//! Guide, "Set up cross-account AMI distribution"; AWS KMS Developer Guide, "Allowing users in
//! other accounts to use a KMS key"):
//! - with encryption by default on, every new EBS volume and snapshot of the account and Region
//!   is encrypted, with the account's default key (the AWS managed key `aws/ebs` unless changed)
//!   when nothing names one: Image Builder's builds and their copies too;
//! - an AMI whose snapshots an AWS managed key encrypts cannot be shared with another account;
//!   one a customer managed key encrypts can, and the accounts it is shared with launch it only
//!   if the key policy lets them use the key (their Auto Scaling groups also need a grant, which
//!   the consumer side makes them);
//! - a key policy is read only in the key's own account.
//!
//! Which statements a consumer needs is decided by [`crate::plan::key_policy`]; `gold iam
//! kms-key` prints a policy that serves them.

use serde_json::Value;

use crate::Error;
use crate::aws::{Session, kms as keys};
use crate::error::Cause;
use crate::manifest::Manifest;
use crate::plan::key_policy::{self as kms, KeyUser};

/// The fix for a key the consumers cannot use.
fn policy_hint(key: &str) -> String {
    format!(
        "put the key policy `gold iam kms-key` prints on it: `gold iam kms-key > key-policy.json`, then `aws kms put-key-policy --key-id {key} --policy-name default --policy file://key-policy.json`"
    )
}

/// Checks that what the builds will be encrypted with can serve every consumer.
pub async fn check(session: &Session, manifest: &Manifest) -> Result<(), Error> {
    let mut regions = manifest.distribution.regions.clone();
    if regions.is_empty() {
        regions.push(manifest.producer.region.clone());
    }
    let mut by_default = Vec::new();
    for region in &regions {
        if let Some(key) = keys::default_encryption(&session.in_region(region)).await? {
            by_default.push((region.clone(), key));
        }
    }
    match &manifest.distribution.kms_key_id {
        None if shares(manifest) && !by_default.is_empty() => {
            Err(default_key_error(session, &by_default))
        }
        None => Ok(()),
        Some(key) => check_key(session, manifest, key).await,
    }
}

/// Whether the AMIs reach another account than the producer's.
fn shares(manifest: &Manifest) -> bool {
    let d = &manifest.distribution;
    !(d.share_with_organizations.is_empty()
        && d.share_with_ous.is_empty()
        && d.share_with_accounts.is_empty())
        || manifest
            .consumers
            .iter()
            .any(|c| c.account.as_deref() != Some(manifest.producer.account.as_str()))
}

fn default_key_error(session: &Session, by_default: &[(String, String)]) -> Error {
    let causes = by_default
        .iter()
        .map(|(region, key)| Cause {
            message: format!(
                "in {region}, new EBS volumes are encrypted by default with KMS key {key}"
            ),
            hint: None,
        })
        .collect();
    Error::Failed {
        message: format!(
            "account {} encrypts new EBS volumes by default and the manifest names no `distribution.kms_key_id`: the builds would be encrypted with the account's default key, which (the AWS managed key `aws/ebs` unless changed) cannot be shared, and gold cannot check or grant a key the manifest does not name",
            session.account()
        ),
        hint: Some(
            "create a customer managed key with the policy `gold iam kms-key` prints (or the template of `gold iam kms-key --cloudformation`) and name its ARN in `distribution.kms_key_id`".to_owned(),
        ),
        causes,
    }
}

/// The named key: a customer managed key, enabled, whose policy lets every consumer use it.
async fn check_key(session: &Session, manifest: &Manifest, key: &str) -> Result<(), Error> {
    let region = key.split(':').nth(3).unwrap_or(session.region());
    let in_key_region = session.in_region(region);
    let described = keys::describe_key(&in_key_region, key).await?;
    let refuse = |message: String| {
        Error::Failed {
        message,
        hint: Some(
            "name a customer managed key with the policy `gold iam kms-key` prints in `distribution.kms_key_id`".to_owned(),
        ),
        causes: Vec::new(),
    }
    };
    if described.aws_managed {
        return Err(refuse(format!(
            "KMS key {key} is managed by AWS: AMIs it encrypts cannot be shared with another account"
        )));
    }
    if !described.enabled() {
        return Err(refuse(format!(
            "KMS key {key} is {}: nothing can be encrypted with it",
            described.state
        )));
    }
    // Another account's key policy is not readable from here; that account vouches for it.
    if described.arn.split(':').nth(4) != Some(session.account()) {
        return Ok(());
    }
    let text = keys::key_policy(&in_key_region, &described.arn).await?;
    let policy: Value = serde_json::from_str(&text).map_err(|err| {
        Error::from(in_key_region.failure(
            "GetKeyPolicy",
            format!("the key policy of {key} is not JSON: {err}"),
        ))
    })?;
    let causes: Vec<Cause> = kms::key_users(manifest)
        .iter()
        .filter_map(|user| cause(&policy, &described.arn, region, user))
        .collect();
    if causes.is_empty() {
        return Ok(());
    }
    Err(Error::Failed {
        message: format!(
            "KMS key {key} cannot serve {} consumer(s): its key policy does not let them use it",
            causes.len()
        ),
        hint: Some(policy_hint(&described.arn)),
        causes,
    })
}

fn cause(policy: &Value, key_arn: &str, region: &str, user: &KeyUser) -> Option<Cause> {
    let refused = kms::refusals(policy, key_arn, region, user);
    (!refused.is_empty()).then(|| Cause {
        message: format!("{} cannot {}", user.label(), refused.join(", nor ")),
        hint: None,
    })
}
