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

use super::document::VERSION;
use crate::aws::kms::{AUTO_SCALING_OPERATIONS, auto_scaling_role};
use crate::manifest::Manifest;
use crate::names;
use crate::plan::key_policy::{KeyPlace, named_accounts, one_or_many, organization};

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::key_policy::{KeyUser, key_users, refusals};

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
