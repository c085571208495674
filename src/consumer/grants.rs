//! The grant each consumer account needs on the producer's KMS key before its Auto Scaling
//! groups can launch the AMIs the key encrypts: found or created by gold in that account, for
//! that account's Auto Scaling service-linked role, before any refresh starts; shown by
//! `status`, retired by `destroy`.
//!
//! AWS facts relied on (Amazon EC2 Auto Scaling User Guide, "Required AWS KMS key policy for use
//! with encrypted volumes"; AWS Knowledge Center, "kms-launch-ec2-instance"; AWS KMS Developer
//! Guide, "Grants in AWS KMS", "Retiring and revoking grants"):
//! - an Auto Scaling group launches as its account's `AWSServiceRoleForAutoScaling`, whose
//!   policy holds no KMS permission: with another account's key it launches only through a
//!   grant to that role, made from the role's account (the key policy must allow that account
//!   `kms:CreateGrant`, which `gold iam kms-key` does); without it every instance the group
//!   launches is terminated at once (`Client.InternalError: Client error on launch`);
//! - `ListGrants` filtered by grantee finds a grant again, and `CreateGrant` with the same name
//!   and parameters returns the same grant instead of a second one, so concurrent targets of one
//!   account make one grant; the account that created a grant may retire it.
//!
//! A grant is named `gold-<manifest>`, so each manifest's grant is its own: destroying one
//! manifest leaves the grants other manifests made for the same role.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Planned, Target, concurrently};
use crate::Error;
use crate::aws::kms::{self, AUTO_SCALING_OPERATIONS};
use crate::aws::{AwsError, Session, Sessions};
use crate::manifest::Manifest;
use crate::plan::consumer::{Step, changes};
use crate::plan::{Action, Change, Field, Plan, Resource, ResourceKind};

/// The grant gold makes in one account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct KeyGrant {
    /// The consumer account.
    pub account: String,
    /// The key's region.
    pub region: String,
    /// The key's ARN.
    pub key: String,
    /// The grant's name (`gold-<manifest>`).
    pub name: String,
    /// Its grantee: the account's Auto Scaling service-linked role.
    pub grantee: String,
    /// Whether it exists.
    pub state: GrantState,
}

/// Whether the account holds the grant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum GrantState {
    /// It exists.
    Held {
        /// The grant's id.
        id: String,
    },
    /// It does not exist yet; a rollout creates it before the account's first refresh.
    Missing,
    /// KMS refused the account (the key policy does not let it use the key): its targets are
    /// blocked.
    Refused {
        /// Why, as AWS said it.
        reason: String,
    },
    /// It could not be read for another reason (the account unreachable, a transient failure):
    /// a rollout tries again before the account's first refresh.
    Unread {
        /// Why.
        reason: String,
    },
}

/// The key the manifest encrypts with and its region, when it names one.
fn key_of(manifest: &Manifest) -> Option<(&str, &str)> {
    let key = manifest.distribution.kms_key_id.as_deref()?;
    Some((key, key.split(':').nth(3)?))
}

/// The name gold gives its grants.
fn grant_name(manifest: &Manifest) -> String {
    format!("gold-{}", manifest.name)
}

/// Whether `step` refreshes Auto Scaling groups, so the account's Auto Scaling role will launch
/// the AMI.
pub fn refreshes(target: &Target, step: &Step) -> bool {
    changes(&target.id(), step)
        .iter()
        .any(|change| matches!(change.action, Action::Refresh { .. }))
}

fn planned_refresh(item: &Planned) -> bool {
    item.step
        .as_ref()
        .is_ok_and(|step| refreshes(&item.target, step))
}

/// The grant in the account the session acts in: found by grantee and name, with the key's ARN
/// (the manifest may name an alias).
async fn find(session: &Session, manifest: &Manifest, key: &str) -> Result<KeyGrant, AwsError> {
    let described = kms::describe_key(session, key).await?;
    let partition = crate::plan::producer::partition(session.region());
    let grantee = kms::auto_scaling_role(partition, session.account());
    let name = grant_name(manifest);
    let held = kms::grants_to(session, &described.arn, &grantee)
        .await?
        .into_iter()
        .find(|grant| grant.name.as_deref() == Some(name.as_str()));
    Ok(KeyGrant {
        account: session.account().to_owned(),
        region: session.region().to_owned(),
        key: described.arn,
        name,
        grantee,
        state: held.map_or(GrantState::Missing, |grant| GrantState::Held {
            id: grant.id,
        }),
    })
}

/// Each account whose targets refresh groups, checked once; the targets of an account that may
/// not use the key are blocked (their step becomes that error), so nothing there moves.
pub async fn survey(
    manifest: &Manifest,
    sessions: &Sessions,
    planned: &mut [Planned],
    parallelism: usize,
) -> Vec<KeyGrant> {
    let Some((key, _)) = key_of(manifest) else {
        return Vec::new();
    };
    let refreshing = planned
        .iter()
        .filter(|item| planned_refresh(item))
        .map(|item| &item.target);
    let grants = of_accounts(manifest, sessions, refreshing, parallelism).await;
    for grant in &grants {
        let GrantState::Refused { reason } = &grant.state else {
            continue;
        };
        for item in planned
            .iter_mut()
            .filter(|item| item.target.account == grant.account && planned_refresh(item))
        {
            item.step = Err(blocked(&grant.account, key, reason));
        }
    }
    grants
}

/// The grant of each account of `targets` that lists Auto Scaling groups, for `status`.
pub async fn status(
    manifest: &Manifest,
    sessions: &Sessions,
    targets: &[Target],
    parallelism: usize,
) -> Vec<KeyGrant> {
    of_accounts(manifest, sessions, with_groups(targets.iter()), parallelism).await
}

/// The targets whose templates list Auto Scaling groups.
fn with_groups<'t>(targets: impl Iterator<Item = &'t Target>) -> impl Iterator<Item = &'t Target> {
    targets.filter(|target| {
        target
            .template()
            .is_some_and(|t| !t.auto_scaling_groups.is_empty())
    })
}

/// The first of `targets` in each account: whose credentials read the account's grant.
fn first_per_account<'t>(targets: impl Iterator<Item = &'t Target>) -> Vec<Target> {
    let mut accounts: BTreeMap<&str, &Target> = BTreeMap::new();
    for target in targets {
        accounts.entry(target.account.as_str()).or_insert(target);
    }
    accounts.into_values().cloned().collect()
}

/// The grant of each account of `targets`, read once per account (through the first target's
/// credentials); an account that cannot read it carries the reason.
async fn of_accounts(
    manifest: &Manifest,
    sessions: &Sessions,
    targets: impl Iterator<Item = &Target>,
    parallelism: usize,
) -> Vec<KeyGrant> {
    let Some((key, region)) = key_of(manifest) else {
        return Vec::new();
    };
    concurrently(
        first_per_account(targets),
        parallelism,
        |target| async move {
            let found = async {
                let session = sessions
                    .session(&target.account, &target.access, region)
                    .await?;
                Ok::<_, std::sync::Arc<AwsError>>(find(&session, manifest, key).await?)
            }
            .await;
            found.unwrap_or_else(|err| {
                let reason = err.to_string();
                KeyGrant {
                    account: target.account.clone(),
                    region: region.to_owned(),
                    key: key.to_owned(),
                    name: grant_name(manifest),
                    grantee: String::new(),
                    state: if err.is_denied() {
                        GrantState::Refused { reason }
                    } else {
                        GrantState::Unread { reason }
                    },
                }
            })
        },
    )
    .await
}

/// The error of a target whose account cannot use the key.
fn blocked(account: &str, key: &str, reason: &str) -> Error {
    Error::Failed {
        message: format!(
            "blocked: account {account} cannot use KMS key {key}, which encrypts the AMI, so its Auto Scaling groups could not launch it: {reason}"
        ),
        hint: Some(
            "put the key policy `gold iam kms-key` prints on the key (in the producer account); if AWS names an identity-based policy, give the account's rollout role `gold iam consumer`; then run again"
                .to_owned(),
        ),
        causes: Vec::new(),
    }
}

/// The grants to create, as plan changes.
pub fn plan(grants: &[KeyGrant]) -> Plan {
    let mut plan = Plan::default();
    for grant in grants {
        match grant.state {
            GrantState::Missing => plan.changes.push(Change {
                resource: resource(grant),
                action: Action::Create {
                    fields: vec![
                        Field::new("key", &grant.key),
                        Field::new("grantee", &grant.grantee),
                        Field::new("operations", AUTO_SCALING_OPERATIONS.join(", ")),
                    ],
                },
            }),
            GrantState::Held { .. } => plan.unchanged += 1,
            GrantState::Refused { .. } | GrantState::Unread { .. } => {}
        }
    }
    plan
}

/// The grant as plans and progress name it.
pub fn resource(grant: &KeyGrant) -> Resource {
    Resource {
        kind: ResourceKind::KmsGrant,
        name: grant.name.clone(),
        account: grant.account.clone(),
        region: grant.region.clone(),
    }
}

/// Makes sure the account of `target` holds the grant, before its groups are refreshed: finds
/// it, or creates it (a concurrent target of the same account gets the same grant back).
pub async fn ensure(
    manifest: &Manifest,
    sessions: &Sessions,
    target: &Target,
) -> Result<(), Error> {
    let Some((key, region)) = key_of(manifest) else {
        return Ok(());
    };
    let session = sessions
        .session(&target.account, &target.access, region)
        .await?;
    let grant = find(&session, manifest, key).await?;
    if grant.state == GrantState::Missing {
        kms::create_grant(
            &session,
            &grant.key,
            &grant.grantee,
            &grant.name,
            &AUTO_SCALING_OPERATIONS,
        )
        .await?;
    }
    Ok(())
}

/// Whether the manifest encrypts its AMIs with a key of its own, so consumer accounts hold
/// grants on it.
pub fn encrypts(manifest: &Manifest) -> bool {
    key_of(manifest).is_some()
}

/// The grants gold made in the accounts of `targets` whose templates list groups (the accounts
/// the manifest names and those found in the organization alike), for `destroy`, each with the
/// session that retires it; and the accounts that could not be read.
pub async fn made<'t>(
    manifest: &Manifest,
    sessions: &Sessions,
    targets: impl Iterator<Item = &'t Target>,
    parallelism: usize,
) -> (Vec<(Session, KeyGrant)>, Vec<std::sync::Arc<AwsError>>) {
    let Some((key, region)) = key_of(manifest) else {
        return (Vec::new(), Vec::new());
    };
    let found = concurrently(
        first_per_account(with_groups(targets)),
        parallelism,
        |target| async move {
            let session = sessions
                .session(&target.account, &target.access, region)
                .await?;
            let grant = find(&session, manifest, key).await?;
            Ok::<_, std::sync::Arc<AwsError>>((session, grant))
        },
    )
    .await;
    let mut made = Vec::new();
    let mut unreachable = Vec::new();
    for result in found {
        match result {
            Ok((session, grant)) if matches!(grant.state, GrantState::Held { .. }) => {
                made.push((session, grant));
            }
            Ok(_) => {}
            Err(err) => unreachable.push(err),
        }
    }
    (made, unreachable)
}

/// Retires a grant [`made`] found.
pub async fn retire(session: &Session, grant: &KeyGrant) -> Result<(), AwsError> {
    if let GrantState::Held { id } = &grant.state {
        kms::retire_grant(session, &grant.key, id).await?;
    }
    Ok(())
}
