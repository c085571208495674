//! The KMS key policy an organization's encrypted golden images need (`gold iam kms-key`), and
//! the reading of a key policy that tells whether the consumers can use the key (the check
//! `plan` and `up` make before anything changes). Nothing here calls AWS.
//!
//! AWS facts relied on (AWS KMS Developer Guide, "Key policies in AWS KMS", "Default key
//! policy", "Allowing users in other accounts to use a KMS key", "AWS KMS condition keys",
//! "Grants in AWS KMS"; Amazon EBS User Guide, "Permissions for users" under "Amazon EBS
//! encryption"; Amazon EC2 Auto Scaling User Guide, "Required AWS KMS key policy for use with
//! encrypted volumes"; IAM User Guide, "Policy evaluation logic", "IAM JSON policy elements:
//! Condition operators"):
//! - every use of a key needs its key policy to allow it; a statement naming the key's account
//!   (`arn:aws:iam::ACCOUNT:root`) hands the decision to that account's IAM policies, so the
//!   account keeps administering the key; an explicit `Deny` wins;
//! - an instance launched from an AMI encrypted with the key makes EC2 use the key for the
//!   launching principal: `kms:Decrypt`, `kms:DescribeKey`, `kms:GenerateDataKeyWithoutPlaintext`
//!   and `kms:CreateGrant` (a grant EC2 makes for the volume, `kms:GrantIsForAWSResource` true),
//!   each with `kms:ViaService` `ec2.REGION.amazonaws.com`;
//! - an Auto Scaling group launches as its account's service-linked role, whose AWS managed
//!   policy holds no KMS permission: it uses another account's key only through a grant, which
//!   the consumer account creates itself with `CreateGrant`. That call is made by gold, not by
//!   an AWS service, so `kms:GrantIsForAWSResource` is false for it: the statement allowing it
//!   must not carry that condition (the Auto Scaling User Guide's example has none) and is
//!   narrowed instead with `kms:GranteePrincipal` (only the Auto Scaling role) and
//!   `kms:GrantOperations`;
//! - `aws:PrincipalOrgID` is the caller's organization; `Principal: {"AWS": "*"}` with it lets
//!   every account of the organization, and only those, use the key.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::aws::kms::{AUTO_SCALING_OPERATIONS, auto_scaling_role};
use crate::manifest::{Manifest, glob};
use crate::names;
use crate::plan::producer::partition;

/// IAM's policy language version.
const VERSION: &str = "2012-10-17";

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
struct KeyPlace {
    account: String,
    partition: &'static str,
    regions: Vec<String>,
}

impl KeyPlace {
    fn of(manifest: &Manifest) -> Self {
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

    fn via_ec2(&self) -> Value {
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
fn named_accounts(manifest: &Manifest, key_account: &str) -> Vec<String> {
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

/// The `kms:CreateGrant` condition that lets a consumer account grant the key to its own Auto
/// Scaling role and to nothing else, with only the operations a launch needs.
pub fn grant_to_auto_scaling(partition: &str) -> Value {
    json!({
        "StringLike": { "kms:GranteePrincipal": auto_scaling_role(partition, "*") },
        "ForAllValues:StringEquals": { "kms:GrantOperations": AUTO_SCALING_OPERATIONS },
    })
}

/// The key policy: the key's account administers it (through its IAM policies); the
/// organization's accounts (or, without one, the accounts the manifest names) use it for EBS
/// through EC2 and grant it to their own Auto Scaling role.
pub fn key_policy(manifest: &Manifest) -> Value {
    let place = KeyPlace::of(manifest);
    let root = format!("arn:{}:iam::{}:root", place.partition, place.account);
    let mut statements = vec![json!({
        "Sid": "KeyAccountAdministersTheKey",
        "Effect": "Allow",
        "Principal": { "AWS": root },
        "Action": "kms:*",
        "Resource": "*",
    })];
    let (principal, scope): (Value, BTreeMap<&str, Value>) =
        if let Some(org) = organization(manifest) {
            (
                json!({ "AWS": "*" }),
                BTreeMap::from([("aws:PrincipalOrgID", json!(org))]),
            )
        } else {
            let accounts = named_accounts(manifest, &place.account);
            if accounts.is_empty() {
                return document(&statements);
            }
            let roots = accounts
                .iter()
                .map(|a| format!("arn:{}:iam::{a}:root", place.partition))
                .collect();
            (json!({ "AWS": one_or_many(roots) }), BTreeMap::new())
        };
    let mut via_ec2 = scope.clone();
    via_ec2.insert("kms:ViaService", place.via_ec2());
    statements.push(json!({
        "Sid": "ConsumersUseTheKeyThroughEbs",
        "Effect": "Allow",
        "Principal": principal,
        "Action": [
            "kms:Decrypt",
            "kms:DescribeKey",
            "kms:Encrypt",
            "kms:GenerateDataKey*",
            "kms:ReEncrypt*",
        ],
        "Resource": "*",
        "Condition": { "StringEquals": via_ec2 },
    }));
    statements.push(json!({
        "Sid": "ConsumersLetEc2AttachEncryptedVolumes",
        "Effect": "Allow",
        "Principal": principal,
        "Action": "kms:CreateGrant",
        "Resource": "*",
        "Condition": {
            "StringEquals": via_ec2,
            "Bool": { "kms:GrantIsForAWSResource": "true" },
        },
    }));
    let mut grant = grant_to_auto_scaling(place.partition);
    if !scope.is_empty() {
        grant["StringEquals"] = json!(scope);
    }
    statements.push(json!({
        "Sid": "ConsumersGrantTheKeyToTheirAutoScalingRole",
        "Effect": "Allow",
        "Principal": principal,
        "Action": "kms:CreateGrant",
        "Resource": "*",
        "Condition": grant,
    }));
    let mut find = json!({
        "Sid": "ConsumersFindTheirGrants",
        "Effect": "Allow",
        "Principal": principal,
        "Action": ["kms:DescribeKey", "kms:ListGrants"],
        "Resource": "*",
    });
    if !scope.is_empty() {
        find["Condition"] = json!({ "StringEquals": scope });
    }
    statements.push(find);
    document(&statements)
}

/// The CloudFormation template creating a key with [`key_policy`], for the producer account.
pub fn cloudformation(manifest: &Manifest) -> Value {
    let name = &manifest.name;
    json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": format!(
            "gold: the KMS key that encrypts the AMIs of manifest {name}, usable by the consumer accounts. Deploy in the producer account {} ({}), then name the key's ARN in distribution.kms_key_id.",
            manifest.producer.account, manifest.producer.region
        ),
        "Resources": {
            "GoldImageKey": {
                "Type": "AWS::KMS::Key",
                "Properties": {
                    "Description": format!("gold: encrypts the AMIs of manifest {name}"),
                    "EnableKeyRotation": true,
                    "KeyPolicy": key_policy(manifest),
                    "Tags": [
                        { "Key": names::MANIFEST_TAG, "Value": name },
                        { "Key": names::MANAGED_TAG, "Value": "true" },
                    ],
                }
            },
            "GoldImageKeyAlias": {
                "Type": "AWS::KMS::Alias",
                "Properties": {
                    "AliasName": format!("alias/gold/{name}"),
                    "TargetKeyId": { "Ref": "GoldImageKey" },
                }
            }
        },
        "Outputs": {
            "KeyArn": {
                "Description": "The key to name in the manifest's distribution.kms_key_id",
                "Value": { "Fn::GetAtt": ["GoldImageKey", "Arn"] },
            }
        }
    })
}

fn document(statements: &[Value]) -> Value {
    json!({ "Version": VERSION, "Id": "gold-image-key", "Statement": statements })
}

fn one_or_many(mut values: Vec<String>) -> Value {
    if values.len() == 1 {
        json!(values.remove(0))
    } else {
        json!(values)
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str =
        "arn:aws:kms:ap-northeast-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    const REGION: &str = "ap-northeast-1";

    fn manifest() -> Manifest {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/encrypted/gold.toml");
        crate::manifest::load(&path)
            .expect("the encrypted example loads")
            .manifest
    }

    fn member(account: &str) -> KeyUser {
        KeyUser {
            account: Some(account.to_owned()),
            organization: Some("o-xxxxxxxxxx".to_owned()),
            auto_scaling: true,
        }
    }

    #[test]
    fn the_policy_gold_prints_lets_every_consumer_use_and_grant_the_key() {
        let m = manifest();
        let policy = key_policy(&m);
        assert_eq!(key_users(&m), [member("444455556666")]);
        assert!(refusals(&policy, KEY, REGION, &member("444455556666")).is_empty());
        let anyone = KeyUser {
            account: None,
            ..member("x")
        };
        assert!(refusals(&policy, KEY, REGION, &anyone).is_empty());
    }

    #[test]
    fn the_grant_statement_has_no_aws_resource_condition_and_names_only_the_auto_scaling_role() {
        let policy = key_policy(&manifest());
        let grant = &policy["Statement"][3];
        assert_eq!(grant["Sid"], "ConsumersGrantTheKeyToTheirAutoScalingRole");
        assert!(grant["Condition"]["Bool"].is_null(), "{grant}");
        assert_eq!(
            grant["Condition"]["StringLike"]["kms:GranteePrincipal"],
            "arn:aws:iam::*:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"
        );
        assert_eq!(
            grant["Condition"]["StringEquals"]["aws:PrincipalOrgID"],
            "o-xxxxxxxxxx"
        );
        // Another grantee is refused: the statement serves the Auto Scaling role alone.
        let other = Request::new(&member("444455556666"), "aws")
            .with(
                "kms:GranteePrincipal",
                &["arn:aws:iam::444455556666:role/Other"],
            )
            .with("kms:GrantOperations", &["Decrypt"])
            .with("kms:GrantIsForAWSResource", &["false"]);
        assert!(!other.allowed(&policy, "kms:CreateGrant", KEY));
    }

    #[test]
    fn the_default_key_policy_serves_no_other_account() {
        let default = json!({
            "Version": VERSION,
            "Id": "key-default-1",
            "Statement": [{
                "Sid": "Enable IAM User Permissions",
                "Effect": "Allow",
                "Principal": { "AWS": "arn:aws:iam::111122223333:root" },
                "Action": "kms:*",
                "Resource": "*",
            }],
        });
        let refused = refusals(&default, KEY, REGION, &member("444455556666"));
        assert_eq!(refused.len(), 2, "{refused:?}");
        assert!(refused[0].contains("kms:Decrypt"), "{refused:?}");
        assert!(
            refused[1].contains("AWSServiceRoleForAutoScaling"),
            "{refused:?}"
        );
        // The key's own account administers it.
        assert!(refusals(&default, KEY, REGION, &member("111122223333")).is_empty());
    }

    #[test]
    fn a_grant_allowed_only_for_aws_resources_does_not_serve_gold_s_own_grant() {
        let mut policy = key_policy(&manifest());
        let statements = policy["Statement"].as_array_mut().expect("statements");
        statements.remove(3);
        let refused = refusals(&policy, KEY, REGION, &member("444455556666"));
        assert_eq!(refused.len(), 1, "{refused:?}");
        assert!(refused[0].contains("kms:CreateGrant"), "{refused:?}");
    }

    #[test]
    fn an_explicit_deny_wins_and_another_organization_is_refused() {
        let mut policy = key_policy(&manifest());
        policy["Statement"]
            .as_array_mut()
            .expect("statements")
            .push(json!({
                "Effect": "Deny",
                "Principal": "*",
                "Action": "kms:Decrypt",
                "Resource": "*",
                "Condition": { "StringEquals": { "kms:CallerAccount": "444455556666" } },
            }));
        assert_eq!(
            refusals(&policy, KEY, REGION, &member("444455556666")).len(),
            1
        );
        let stranger = KeyUser {
            organization: Some("o-other".to_owned()),
            ..member("999999999999")
        };
        assert_eq!(refusals(&policy, KEY, REGION, &stranger).len(), 2);
    }

    #[test]
    fn consumers_found_in_the_organization_are_any_of_its_accounts_and_need_the_grant() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/org/gold.toml");
        let org = crate::manifest::load(&path)
            .expect("the org example loads")
            .manifest;
        let anyone = KeyUser {
            account: None,
            ..member("x")
        };
        assert_eq!(key_users(&org), std::slice::from_ref(&anyone));
        assert_eq!(anyone.label(), "the accounts of organization o-xxxxxxxxxx");
        // A policy naming accounts one by one serves the named ones, not any account.
        let mut policy = key_policy(&org);
        for statement in policy["Statement"]
            .as_array_mut()
            .expect("statements")
            .iter_mut()
            .skip(1)
        {
            statement["Principal"] = json!({ "AWS": "arn:aws:iam::444455556666:root" });
        }
        assert!(refusals(&policy, KEY, REGION, &member("444455556666")).is_empty());
        assert_eq!(refusals(&policy, KEY, REGION, &anyone).len(), 2);
    }

    #[test]
    fn without_an_organization_the_named_accounts_are_the_principals() {
        let mut m = manifest();
        m.distribution.share_with_organizations.clear();
        m.distribution.share_with_accounts = vec!["555555555555".to_owned()];
        let policy = key_policy(&m);
        assert_eq!(
            policy["Statement"][1]["Principal"]["AWS"],
            json!([
                "arn:aws:iam::444455556666:root",
                "arn:aws:iam::555555555555:root"
            ])
        );
        let user = KeyUser {
            organization: None,
            ..member("444455556666")
        };
        assert!(refusals(&policy, KEY, REGION, &user).is_empty());
    }
}
