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

/// The consumer role's name and path: the one every manifest's consumers name in `role_arn`
/// or `role_name` (one StackSet makes one role, the same in every account).
pub fn role_name(manifests: &[&Manifest]) -> Result<(String, String), String> {
    let mut names: Vec<(String, String)> = manifests
        .iter()
        .flat_map(|m| m.consumers.iter())
        .filter_map(|c| {
            if let Some(arn) = c.role_arn.as_deref() {
                let path = arn.split_once(":role")?.1;
                let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
                return Some((name.to_owned(), format!("{dir}/")));
            }
            c.role_name.clone().map(|name| (name, "/".to_owned()))
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

/// The template: the role with `trust` as its trust policy and `policy` inline. Its name and
/// its policy's name do not depend on which manifests it serves, so adding a manifest updates
/// the same role in place (a StackSet update), where each manifest used to need a role.
pub fn template(manifests: &[&Manifest], policy: &Value, trust: &Value) -> Result<Value, String> {
    let (name, path) = role_name(manifests)?;
    let served = manifests
        .iter()
        .map(|m| m.name.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    Ok(json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": format!(
            "gold: the rollout role {name} that gold assumes in every consumer account of manifests {served}. Deploy as a service-managed StackSet with automatic deployment to the organization's OUs (capability CAPABILITY_NAMED_IAM)."
        ),
        "Resources": {
            "GoldRolloutRole": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "RoleName": name,
                    "Path": path,
                    "Description": format!("gold rollout role for manifests {served}"),
                    "AssumeRolePolicyDocument": trust,
                    "Policies": [{
                        "PolicyName": POLICY_NAME,
                        "PolicyDocument": policy,
                    }],
                    "Tags": [
                        { "Key": crate::names::MANAGED_TAG, "Value": "true" },
                    ],
                }
            }
        },
        "Outputs": {
            "RoleArn": {
                "Description": "The role to name in the manifests' consumers.role_arn (or role_name)",
                "Value": { "Fn::GetAtt": ["GoldRolloutRole", "Arn"] },
            }
        }
    }))
}

/// The role's inline policy, the same whatever manifests it serves.
const POLICY_NAME: &str = "gold-rollout";
