//! Whether a KMS key policy lets the consumers use the key: who must use it (each account the
//! manifest names, or any account of its organization) and what they need, checked against the
//! policy's statements. `gold plan` and `gold up` stop when a consumer is refused; `gold iam
//! kms-key` prints a policy that serves them all. No AWS call.
//!
//! AWS facts relied on (AWS KMS Developer Guide, "Determining access to AWS KMS keys", "AWS KMS
//! condition keys"; Amazon EBS User Guide, "Permissions for users" under "Amazon EBS
//! encryption"; Amazon EC2 Auto Scaling User Guide, "Required AWS KMS key policy for use with
//! encrypted volumes"; IAM User Guide, "Policy evaluation logic", "IAM JSON policy elements:
//! Condition operators"):
//! - a use is allowed when some `Allow` statement matches it (principal, action, resource,
//!   every condition) and no `Deny` does; a statement naming the key's account
//!   (`arn:aws:iam::ACCOUNT:root`) serves that account's principals;
//! - a launch from an AMI the key encrypts makes EC2 use the key for the launching principal:
//!   `kms:Decrypt`, `kms:DescribeKey`, `kms:GenerateDataKeyWithoutPlaintext` and
//!   `kms:CreateGrant` (`kms:GrantIsForAWSResource` true), each with `kms:ViaService`
//!   `ec2.REGION.amazonaws.com`;
//! - the grant gold creates from a consumer account for its Auto Scaling role is a direct call
//!   (no `kms:ViaService`, `kms:GrantIsForAWSResource` false) with `kms:GranteePrincipal` and
//!   `kms:GrantOperations`, after `kms:DescribeKey` and `kms:ListGrants`.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::aws::kms::{AUTO_SCALING_OPERATIONS, auto_scaling_role};
use crate::manifest::{Manifest, glob};
use crate::plan::producer::partition;

/// What EC2 does with the key when a principal launches from an AMI it encrypts.
const EBS_ACTIONS: [&str; 4] = [
    "kms:CreateGrant",
    "kms:Decrypt",
    "kms:DescribeKey",
    "kms:GenerateDataKeyWithoutPlaintext",
];

/// What gold does with the key from a consumer account: find its grant, then create it.
const GRANT_ACTIONS: [&str; 3] = ["kms:CreateGrant", "kms:DescribeKey", "kms:ListGrants"];

/// Where the key lives and who uses it, read from the manifest.
pub struct KeyPlace {
    /// The key's account: the key ARN's, or the producer's.
    pub account: String,
    /// The partition (`aws`, `aws-cn`, …).
    pub partition: &'static str,
    /// The key ARN's region, or every distribution region.
    pub regions: Vec<String>,
}

impl KeyPlace {
    /// Where the manifest's key is (or would be).
    pub fn of(manifest: &Manifest) -> Self {
        let producer = &manifest.producer;
        let named = manifest
            .distribution
            .kms_key_id
            .as_deref()
            .and_then(arn_parts);
        let (account, regions) = if let Some((region, account)) = named {
            (account.to_owned(), vec![region.to_owned()])
        } else {
            let mut regions = manifest.distribution.regions.clone();
            if regions.is_empty() {
                regions.push(producer.region.clone());
            }
            (producer.account.clone(), regions)
        };
        Self {
            account,
            partition: partition(&producer.region),
            regions,
        }
    }

    /// `kms:ViaService` for EC2 in the key's regions.
    pub fn via_ec2(&self) -> Value {
        let services: Vec<String> = self
            .regions
            .iter()
            .map(|region| format!("ec2.{region}.amazonaws.com"))
            .collect();
        one_or_many(services)
    }
}

/// `(region, account)` of a KMS key or alias ARN.
fn arn_parts(arn: &str) -> Option<(&str, &str)> {
    let mut parts = arn.split(':');
    let (_, _, service, region, account) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    (service == "kms").then_some((region, account))
}

/// The organization the manifest shares its AMIs with (`o-…`), from an organization or OU ARN.
pub fn organization(manifest: &Manifest) -> Option<String> {
    let d = &manifest.distribution;
    d.share_with_organizations
        .iter()
        .chain(&d.share_with_ous)
        .flat_map(|arn| arn.split('/'))
        .find(|part| part.starts_with("o-"))
        .map(str::to_owned)
}

/// The accounts the manifest names as consumers or shares with, the key's own account aside.
pub fn named_accounts(manifest: &Manifest, key_account: &str) -> Vec<String> {
    let mut accounts: Vec<String> = manifest
        .consumers
        .iter()
        .filter_map(|c| c.account.clone())
        .chain(manifest.distribution.share_with_accounts.iter().cloned())
        .filter(|account| account != key_account)
        .collect();
    accounts.sort();
    accounts.dedup();
    accounts
}

/// Who must be able to use the key: one consumer account, or any account of the organization
/// (the consumers gold finds through AWS Organizations).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyUser {
    /// The account, when the manifest names it.
    pub account: Option<String>,
    /// The organization it belongs to, when the manifest shares with one.
    pub organization: Option<String>,
    /// Whether it has Auto Scaling groups to refresh, so its role needs a grant.
    pub auto_scaling: bool,
}

impl KeyUser {
    /// `account 444455556666`, or `the accounts of organization o-…`.
    pub fn label(&self) -> String {
        match (&self.account, &self.organization) {
            (Some(account), _) => format!("account {account}"),
            (None, Some(org)) => format!("the accounts of organization {org}"),
            (None, None) => "the consumer accounts".to_owned(),
        }
    }
}

/// Every user of the key the manifest implies: each account it names, and the organization's
/// accounts when some consumer is found through AWS Organizations.
pub fn key_users(manifest: &Manifest) -> Vec<KeyUser> {
    let organization = organization(manifest);
    let key_account = KeyPlace::of(manifest).account;
    let groups = |c: &crate::manifest::Consumer| {
        c.launch_templates
            .iter()
            .any(|t| !t.auto_scaling_groups.is_empty())
    };
    let mut users: BTreeMap<Option<String>, bool> = BTreeMap::new();
    for account in named_accounts(manifest, &key_account) {
        users.insert(Some(account), false);
    }
    for consumer in &manifest.consumers {
        if consumer.account.as_deref() == Some(key_account.as_str()) {
            continue;
        }
        *users.entry(consumer.account.clone()).or_default() |= groups(consumer);
    }
    users
        .into_iter()
        .map(|(account, auto_scaling)| KeyUser {
            account,
            organization: organization.clone(),
            auto_scaling,
        })
        .collect()
}

/// What `user` needs of the key `key_arn` (in `region`) that `policy` does not allow: each a
/// phrase naming the use and the actions.
pub fn refusals(policy: &Value, key_arn: &str, region: &str, user: &KeyUser) -> Vec<String> {
    let partition = partition(region);
    let via = format!("ec2.{region}.amazonaws.com");
    let mut refused = Vec::new();
    let ebs = Request::new(user, partition).with("kms:ViaService", &[via.as_str()]);
    let ebs_refused: Vec<&str> = EBS_ACTIONS
        .iter()
        .copied()
        .filter(|action| {
            let request = if *action == "kms:CreateGrant" {
                ebs.clone().with("kms:GrantIsForAWSResource", &["true"])
            } else {
                ebs.clone()
            };
            !request.allowed(policy, action, key_arn)
        })
        .collect();
    if !ebs_refused.is_empty() {
        refused.push(format!(
            "launch from the AMIs it encrypts (EC2 uses {} for the launching principal)",
            ebs_refused.join(", ")
        ));
    }
    if user.auto_scaling {
        let role = auto_scaling_role(partition, user.account.as_deref().unwrap_or("*"));
        let grant = Request::new(user, partition)
            .with("kms:GranteePrincipal", &[role.as_str()])
            .with("kms:GrantOperations", &AUTO_SCALING_OPERATIONS)
            .with("kms:GrantIsForAWSResource", &["false"]);
        let grant_refused: Vec<&str> = GRANT_ACTIONS
            .iter()
            .copied()
            .filter(|action| !grant.allowed(policy, action, key_arn))
            .collect();
        if !grant_refused.is_empty() {
            refused.push(format!(
                "grant it to its Auto Scaling service-linked role ({} from the account itself, for {role})",
                grant_refused.join(", ")
            ));
        }
    }
    refused
}

/// One call as the key policy sees it: the caller and the condition keys whose values gold can
/// know. A key missing from `context` is unknown (a condition on it is given the benefit of the
/// doubt in an `Allow` and ignored in a `Deny`); a key mapped to `None` is absent from the call.
#[derive(Debug, Clone)]
struct Request {
    account: Option<String>,
    partition: &'static str,
    context: BTreeMap<String, Option<Vec<String>>>,
}

impl Request {
    fn new(user: &KeyUser, partition: &'static str) -> Self {
        let mut context = BTreeMap::new();
        context.insert(
            "aws:principalorgid".to_owned(),
            user.organization.clone().map(|o| vec![o]),
        );
        if let Some(account) = &user.account {
            for key in ["kms:calleraccount", "aws:principalaccount"] {
                context.insert(key.to_owned(), Some(vec![account.clone()]));
            }
        }
        for absent in [
            "kms:viaservice",
            "kms:grantisforawsresource",
            "kms:granteeprincipal",
            "kms:grantoperations",
        ] {
            context.insert(absent.to_owned(), None);
        }
        Self {
            account: user.account.clone(),
            partition,
            context,
        }
    }

    fn with(mut self, key: &str, values: &[&str]) -> Self {
        self.context.insert(
            key.to_ascii_lowercase(),
            Some(values.iter().map(|v| (*v).to_owned()).collect()),
        );
        self
    }

    /// Whether `policy` allows `action` on `resource` for this call: some `Allow` statement
    /// matches and no `Deny` does.
    fn allowed(&self, policy: &Value, action: &str, resource: &str) -> bool {
        let statements = match &policy["Statement"] {
            Value::Array(items) => items.clone(),
            Value::Object(_) => vec![policy["Statement"].clone()],
            _ => Vec::new(),
        };
        let matching = |effect: &str, benefit_of_doubt: bool| {
            statements.iter().any(|s| {
                s["Effect"] == effect
                    && self.principal_matches(s)
                    && listed(s, "Action", "NotAction", action, true)
                    && listed(s, "Resource", "NotResource", resource, false)
                    && self.conditions_hold(&s["Condition"], benefit_of_doubt)
            })
        };
        matching("Allow", true) && !matching("Deny", false)
    }

    fn principal_matches(&self, statement: &Value) -> bool {
        if !statement["NotPrincipal"].is_null() {
            return false;
        }
        let principal = &statement["Principal"];
        if principal == "*" {
            return true;
        }
        strings(&principal["AWS"]).iter().any(|p| {
            p == "*"
                || self.account.as_deref().is_some_and(|account| {
                    p == account
                        || p.starts_with(&format!("arn:{}:iam::{account}:", self.partition))
                })
        })
    }

    fn conditions_hold(&self, conditions: &Value, benefit_of_doubt: bool) -> bool {
        let Some(conditions) = conditions.as_object() else {
            return true;
        };
        conditions.iter().all(|(operator, keys)| {
            keys.as_object().is_none_or(|keys| {
                keys.iter().all(|(key, values)| {
                    self.condition_holds(operator, key, &strings(values))
                        .unwrap_or(benefit_of_doubt)
                })
            })
        })
    }

    /// One condition; `None` when it cannot be told (an unknown key or operator).
    fn condition_holds(&self, operator: &str, key: &str, wanted: &[String]) -> Option<bool> {
        let given = self.context.get(&key.to_ascii_lowercase())?;
        let (set, operator) = match operator.split_once(':') {
            Some((set, rest)) => (Some(set), rest),
            None => (None, operator),
        };
        let (operator, if_exists) = match operator.strip_suffix("IfExists") {
            Some(base) => (base, true),
            None => (operator, false),
        };
        if operator == "Null" {
            let absent = given.is_none();
            return Some(
                wanted
                    .iter()
                    .any(|w| w == if absent { "true" } else { "false" }),
            );
        }
        let (base, negated) = match operator.find("Not") {
            Some(at) => (format!("{}{}", &operator[..at], &operator[at + 3..]), true),
            None => (operator.to_owned(), false),
        };
        let matches_one = |value: &str| -> Option<bool> {
            let hit = wanted.iter().any(|w| match base.as_str() {
                "StringEquals" | "ArnEquals" | "Bool" => w == value,
                "StringEqualsIgnoreCase" => w.eq_ignore_ascii_case(value),
                "StringLike" | "ArnLike" => glob(w, value),
                _ => false,
            });
            matches!(
                base.as_str(),
                "StringEquals"
                    | "ArnEquals"
                    | "Bool"
                    | "StringEqualsIgnoreCase"
                    | "StringLike"
                    | "ArnLike"
            )
            .then_some(hit)
        };
        let Some(values) = given else {
            return Some(if_exists || negated || set == Some("ForAllValues"));
        };
        let results: Option<Vec<bool>> = values.iter().map(|v| matches_one(v)).collect();
        let results = results?;
        Some(match set {
            Some("ForAllValues") => results.iter().all(|hit| *hit != negated),
            _ => results.iter().any(|hit| *hit != negated),
        })
    }
}

/// Whether `name` is among a statement's `member` (or not among its `not_member`), with IAM's
/// wildcards; actions compare without case.
fn listed(statement: &Value, member: &str, not_member: &str, name: &str, no_case: bool) -> bool {
    let matches = |patterns: &[String]| {
        patterns.iter().any(|p| {
            if no_case {
                glob(&p.to_ascii_lowercase(), &name.to_ascii_lowercase())
            } else {
                glob(p, name)
            }
        })
    };
    if !statement[member].is_null() {
        matches(&strings(&statement[member]))
    } else if !statement[not_member].is_null() {
        !matches(&strings(&statement[not_member]))
    } else {
        false
    }
}

/// A policy value as strings (one string, a list, a boolean).
fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::String(s) => vec![s.clone()],
        Value::Bool(b) => vec![b.to_string()],
        Value::Array(items) => items.iter().flat_map(strings).collect(),
        _ => Vec::new(),
    }
}

/// One value as a string, several as a list (how policies write them).
pub fn one_or_many(mut values: Vec<String>) -> Value {
    if values.len() == 1 {
        json!(values.remove(0))
    } else {
        json!(values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_grant_statement_serves_the_auto_scaling_role_and_no_other_grantee() {
        let policy = json!({ "Statement": [{
            "Effect": "Allow",
            "Principal": { "AWS": "*" },
            "Action": "kms:CreateGrant",
            "Resource": "*",
            "Condition": {
                "StringEquals": { "aws:PrincipalOrgID": "o-xxxxxxxxxx" },
                "StringLike": { "kms:GranteePrincipal": auto_scaling_role("aws", "*") },
                "ForAllValues:StringEquals": { "kms:GrantOperations": AUTO_SCALING_OPERATIONS },
            },
        }]});
        let user = KeyUser {
            account: Some("444455556666".to_owned()),
            organization: Some("o-xxxxxxxxxx".to_owned()),
            auto_scaling: true,
        };
        let grant = |grantee: &str, operations: &[&str]| {
            Request::new(&user, "aws")
                .with("kms:GranteePrincipal", &[grantee])
                .with("kms:GrantOperations", operations)
                .with("kms:GrantIsForAWSResource", &["false"])
                .allowed(
                    &policy,
                    "kms:CreateGrant",
                    "arn:aws:kms:ap-northeast-1:111122223333:key/k",
                )
        };
        let role = auto_scaling_role("aws", "444455556666");
        assert!(grant(&role, &AUTO_SCALING_OPERATIONS));
        assert!(!grant("arn:aws:iam::444455556666:role/Other", &["Decrypt"]));
        assert!(!grant(&role, &["Decrypt", "RetireGrant"]));
    }
}
