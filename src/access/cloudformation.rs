//! The CloudFormation template that creates the consumer rollout role in a member account,
//! for a service-managed StackSet with automatic deployment: one deployment to the
//! organization's OUs puts the role in every current account and every account created or
//! moved there later.
//!
//! AWS facts relied on (CloudFormation User Guide, "Create a stack set with service-managed
//! permissions" and the `AWS::IAM::Role` reference): a service-managed StackSet deploys to the
//! accounts of the OUs it targets and, with automatic deployment, to accounts added to them;
//! it never deploys to the management account; a template that names its role (`RoleName`)
//! needs `CAPABILITY_NAMED_IAM`; `Policies` holds inline policies as
//! `{PolicyName, PolicyDocument}`; `Path` defaults to `/`.

use serde_json::{Value, json};

use crate::manifest::Manifest;

/// The role name the examples and `gold iam` use when the manifest names none.
pub const DEFAULT_ROLE: &str = "GoldRollout";

/// The consumer role's name and path: the one the manifest's consumers name in `role_arn`.
pub fn role_name(manifest: &Manifest) -> Result<(String, String), String> {
    let mut names: Vec<(String, String)> = manifest
        .consumers
        .iter()
        .filter_map(|c| c.role_arn.as_deref())
        .filter_map(|arn| arn.split_once(":role").map(|(_, path)| path.to_owned()))
        .map(|path| {
            let (dir, name) = path.rsplit_once('/').unwrap_or(("", &path));
            (name.to_owned(), format!("{dir}/"))
        })
        .collect();
    names.sort();
    names.dedup();
    match names.as_slice() {
        [] => Ok((DEFAULT_ROLE.to_owned(), "/".to_owned())),
        [one] => Ok(one.clone()),
        several => Err(format!(
            "the consumers name {} different roles ({}); one StackSet creates one role in every account",
            several.len(),
            several
                .iter()
                .map(|(name, path)| format!("`{path}{name}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// The template: the role with `trust` as its trust policy and `policy` inline.
pub fn template(manifest: &Manifest, policy: &Value, trust: &Value) -> Result<Value, String> {
    let (name, path) = role_name(manifest)?;
    Ok(json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": format!(
            "gold: the rollout role {name} that gold assumes in every consumer account of manifest {}. Deploy as a service-managed StackSet with automatic deployment to the organization's OUs (capability CAPABILITY_NAMED_IAM).",
            manifest.name
        ),
        "Resources": {
            "GoldRolloutRole": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "RoleName": name,
                    "Path": path,
                    "Description": format!("gold rollout role for manifest {}", manifest.name),
                    "AssumeRolePolicyDocument": trust,
                    "Policies": [{
                        "PolicyName": format!("gold-{}-consumer", manifest.name),
                        "PolicyDocument": policy,
                    }],
                    "Tags": [
                        { "Key": crate::names::MANIFEST_TAG, "Value": manifest.name },
                    ],
                }
            }
        },
        "Outputs": {
            "RoleArn": {
                "Description": "The role to name in the manifest's consumers.role_arn",
                "Value": { "Fn::GetAtt": ["GoldRolloutRole", "Arn"] },
            }
        }
    }))
}
