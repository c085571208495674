//! IAM: the role and instance profile Image Builder's build instances run as.
//!
//! AWS facts this relies on (IAM API reference): IAM is global, so the region of the session
//! does not matter; a missing role or profile is `NoSuchEntity`; an instance profile holds at
//! most one role (`LimitExceeded` when a second is added); a role can be deleted only after its
//! managed policies are detached and it is removed from every instance profile.

use std::collections::BTreeMap;

use aws_sdk_iam::Client;
use aws_sdk_iam::operation::add_role_to_instance_profile::AddRoleToInstanceProfileError;
use aws_sdk_iam::operation::create_instance_profile::CreateInstanceProfileError;
use aws_sdk_iam::operation::create_role::CreateRoleError;
use aws_sdk_iam::operation::delete_instance_profile::DeleteInstanceProfileError;
use aws_sdk_iam::operation::delete_role::DeleteRoleError;
use aws_sdk_iam::operation::detach_role_policy::DetachRolePolicyError;
use aws_sdk_iam::operation::get_instance_profile::GetInstanceProfileError;
use aws_sdk_iam::operation::get_role::GetRoleError;
use aws_sdk_iam::operation::remove_role_from_instance_profile::RemoveRoleFromInstanceProfileError;
use aws_sdk_iam::types::Tag;

use super::call::CallExt;
use super::error::{AwsError, Reason};
use super::session::Session;

/// A role that exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    /// Role name.
    pub name: String,
    /// Managed policy ARNs attached to it (sorted).
    pub policy_arns: Vec<String>,
    /// Tags.
    pub tags: BTreeMap<String, String>,
}

/// An instance profile that exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceProfile {
    /// Profile name.
    pub name: String,
    /// Names of the roles in it (at most one).
    pub roles: Vec<String>,
    /// Tags.
    pub tags: BTreeMap<String, String>,
}

fn client(session: &Session) -> Client {
    session.iam()
}

fn iam_tags(tags: &BTreeMap<String, String>) -> Result<Vec<Tag>, aws_sdk_iam::error::BuildError> {
    tags.iter()
        .map(|(key, value)| Tag::builder().key(key).value(value).build())
        .collect()
}

fn invalid_tag(
    session: &Session,
    operation: &'static str,
    err: &aws_sdk_iam::error::BuildError,
) -> AwsError {
    session
        .site()
        .failure(operation, format!("gold built an invalid tag: {err}"))
}

fn to_tags(tags: &[Tag]) -> BTreeMap<String, String> {
    tags.iter()
        .map(|t| (t.key().to_owned(), t.value().to_owned()))
        .collect()
}

/// The trust policy that lets EC2 instances assume a role (the build role's; `gold iam instance-role` prints it).
pub fn ec2_trust_policy() -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "Service": "ec2.amazonaws.com" },
            "Action": "sts:AssumeRole"
        }]
    })
    .to_string()
}

/// The role called `name`, if it exists.
pub async fn find_role(session: &Session, name: &str) -> Result<Option<Role>, AwsError> {
    let Some(out) = client(session)
        .get_role()
        .role_name(name)
        .send()
        .await
        .call_found(
            session,
            "GetRole",
            name,
            GetRoleError::is_no_such_entity_exception,
        )?
    else {
        return Ok(None);
    };
    let tags = out.role().map(|r| to_tags(r.tags())).unwrap_or_default();
    let attached = client(session)
        .list_attached_role_policies()
        .role_name(name)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .call_on(session, "ListAttachedRolePolicies", name)?;
    let mut policy_arns: Vec<String> = attached
        .iter()
        .filter_map(|p| p.policy_arn().map(str::to_owned))
        .collect();
    policy_arns.sort();
    Ok(Some(Role {
        name: name.to_owned(),
        policy_arns,
        tags,
    }))
}

/// Creates a role EC2 instances can assume.
pub async fn create_role(
    session: &Session,
    name: &str,
    description: &str,
    tags: &BTreeMap<String, String>,
) -> Result<(), AwsError> {
    client(session)
        .create_role()
        .role_name(name)
        .description(description)
        .assume_role_policy_document(ec2_trust_policy())
        .set_tags(Some(
            iam_tags(tags).map_err(|err| invalid_tag(session, "CreateRole", &err))?,
        ))
        .send()
        .await
        .call_classified(session, "CreateRole", name, |err| {
            CreateRoleError::is_entity_already_exists_exception(err)
                .then_some(Reason::AlreadyExists)
        })?;
    Ok(())
}

/// Attaches a managed policy to a role (attaching twice is harmless).
pub async fn attach_policy(
    session: &Session,
    role: &str,
    policy_arn: &str,
) -> Result<(), AwsError> {
    client(session)
        .attach_role_policy()
        .role_name(role)
        .policy_arn(policy_arn)
        .send()
        .await
        .call_on(
            session,
            "AttachRolePolicy",
            format!("{role} ({policy_arn})"),
        )?;
    Ok(())
}

/// The instance profile called `name`, if it exists.
pub async fn find_instance_profile(
    session: &Session,
    name: &str,
) -> Result<Option<InstanceProfile>, AwsError> {
    let out = client(session)
        .get_instance_profile()
        .instance_profile_name(name)
        .send()
        .await
        .call_found(
            session,
            "GetInstanceProfile",
            name,
            GetInstanceProfileError::is_no_such_entity_exception,
        )?;
    Ok(out
        .as_ref()
        .and_then(|out| out.instance_profile())
        .map(|p| InstanceProfile {
            name: name.to_owned(),
            roles: p.roles().iter().map(|r| r.role_name().to_owned()).collect(),
            tags: to_tags(p.tags()),
        }))
}

/// Creates an empty instance profile.
pub async fn create_instance_profile(
    session: &Session,
    name: &str,
    tags: &BTreeMap<String, String>,
) -> Result<(), AwsError> {
    client(session)
        .create_instance_profile()
        .instance_profile_name(name)
        .set_tags(Some(iam_tags(tags).map_err(|err| {
            invalid_tag(session, "CreateInstanceProfile", &err)
        })?))
        .send()
        .await
        .call_classified(session, "CreateInstanceProfile", name, |err| {
            CreateInstanceProfileError::is_entity_already_exists_exception(err)
                .then_some(Reason::AlreadyExists)
        })?;
    Ok(())
}

/// Puts `role` into the instance profile `profile`.
pub async fn add_role_to_instance_profile(
    session: &Session,
    profile: &str,
    role: &str,
) -> Result<(), AwsError> {
    client(session)
        .add_role_to_instance_profile()
        .instance_profile_name(profile)
        .role_name(role)
        .send()
        .await
        .call_classified(session, "AddRoleToInstanceProfile", profile, |err| {
            AddRoleToInstanceProfileError::is_limit_exceeded_exception(err)
                .then_some(Reason::LimitExceeded)
        })?;
    Ok(())
}

/// Empties and deletes an instance profile; a missing one counts as deleted.
pub async fn delete_instance_profile(
    session: &Session,
    profile: &InstanceProfile,
) -> Result<(), AwsError> {
    let client = client(session);
    for role in &profile.roles {
        client
            .remove_role_from_instance_profile()
            .instance_profile_name(&profile.name)
            .role_name(role)
            .send()
            .await
            .call_found(
                session,
                "RemoveRoleFromInstanceProfile",
                &profile.name,
                RemoveRoleFromInstanceProfileError::is_no_such_entity_exception,
            )?;
    }
    client
        .delete_instance_profile()
        .instance_profile_name(&profile.name)
        .send()
        .await
        .call_found(
            session,
            "DeleteInstanceProfile",
            &profile.name,
            DeleteInstanceProfileError::is_no_such_entity_exception,
        )?;
    Ok(())
}

/// Detaches every managed policy and deletes the role; a missing one counts as deleted.
pub async fn delete_role(session: &Session, role: &Role) -> Result<(), AwsError> {
    let client = client(session);
    for policy_arn in &role.policy_arns {
        client
            .detach_role_policy()
            .role_name(&role.name)
            .policy_arn(policy_arn)
            .send()
            .await
            .call_found(
                session,
                "DetachRolePolicy",
                format!("{} ({policy_arn})", role.name),
                DetachRolePolicyError::is_no_such_entity_exception,
            )?;
    }
    client
        .delete_role()
        .role_name(&role.name)
        .send()
        .await
        .call_found(
            session,
            "DeleteRole",
            &role.name,
            DeleteRoleError::is_no_such_entity_exception,
        )?;
    Ok(())
}
