//! EC2 security groups for build instances, and the VPC they belong in.
//!
//! AWS facts this relies on (EC2 API reference, "Security groups for your VPC"): a new group
//! has no inbound rules and one rule allowing all outbound traffic, which is exactly an
//! egress-only group; group names are unique per VPC; without a subnet Image Builder launches
//! into the region's default VPC; a group still used by an instance cannot be deleted
//! (`DependencyViolation`).

use std::collections::BTreeMap;

use aws_sdk_ec2::Client;
use aws_sdk_ec2::types::{Filter, ResourceType, Tag, TagSpecification};

use super::call::{CallExt, ec2_code};
use super::error::{AwsError, Reason};
use super::session::Session;

/// A security group that exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityGroup {
    /// `sg-…`.
    pub id: String,
    /// Group name.
    pub name: String,
    /// Number of inbound rules (an egress-only group has none).
    pub ingress_rules: usize,
    /// Tags.
    pub tags: BTreeMap<String, String>,
}

fn client(session: &Session) -> Client {
    session.ec2()
}

fn filter(name: &str, value: &str) -> Filter {
    Filter::builder().name(name).values(value).build()
}

fn to_group(group: &aws_sdk_ec2::types::SecurityGroup) -> Option<SecurityGroup> {
    Some(SecurityGroup {
        id: group.group_id()?.to_owned(),
        name: group.group_name().unwrap_or_default().to_owned(),
        ingress_rules: group.ip_permissions().len(),
        tags: group
            .tags()
            .iter()
            .filter_map(|t| Some((t.key()?.to_owned(), t.value()?.to_owned())))
            .collect(),
    })
}

/// The VPC of `subnet_id`, or the region's default VPC.
pub async fn vpc_for(session: &Session, subnet_id: Option<&str>) -> Result<String, AwsError> {
    let client = client(session);
    if let Some(subnet) = subnet_id {
        let out = client
            .describe_subnets()
            .subnet_ids(subnet)
            .send()
            .await
            .call_on(session, "DescribeSubnets", subnet)?;
        return out
            .subnets()
            .first()
            .and_then(|s| s.vpc_id())
            .map(str::to_owned)
            .ok_or_else(|| {
                session
                    .site()
                    .failure("DescribeSubnets", "the subnet does not exist")
                    .on(subnet)
            });
    }
    let out = client
        .describe_vpcs()
        .filters(filter("is-default", "true"))
        .send()
        .await
        .call_on(session, "DescribeVpcs", "default VPC")?;
    out.vpcs()
        .first()
        .and_then(|v| v.vpc_id())
        .map(str::to_owned)
        .ok_or_else(|| {
            session
                .site()
                .failure("DescribeVpcs", "the region has no default VPC")
                .on("default VPC")
                .with_hint("set `infrastructure.subnet_id` to a subnet the build instance can use")
        })
}

/// The group called `name` in `vpc_id`, if it exists.
pub async fn find(
    session: &Session,
    vpc_id: &str,
    name: &str,
) -> Result<Option<SecurityGroup>, AwsError> {
    let out = client(session)
        .describe_security_groups()
        .filters(filter("vpc-id", vpc_id))
        .filters(filter("group-name", name))
        .send()
        .await
        .call_on(session, "DescribeSecurityGroups", name)?;
    Ok(out.security_groups().iter().find_map(to_group))
}

/// Every group carrying the tag `key` = `value`.
pub async fn tagged(
    session: &Session,
    key: &str,
    value: &str,
) -> Result<Vec<SecurityGroup>, AwsError> {
    let groups = client(session)
        .describe_security_groups()
        .filters(filter(&format!("tag:{key}"), value))
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .call_on(
            session,
            "DescribeSecurityGroups",
            format!("groups tagged {key}={value}"),
        )?;
    Ok(groups.iter().filter_map(to_group).collect())
}

/// Creates a group with AWS's defaults (no inbound, all outbound); returns its id.
pub async fn create(
    session: &Session,
    vpc_id: &str,
    name: &str,
    description: &str,
    tags: &BTreeMap<String, String>,
) -> Result<String, AwsError> {
    let tags = TagSpecification::builder()
        .resource_type(ResourceType::SecurityGroup)
        .set_tags(Some(
            tags.iter()
                .map(|(k, v)| Tag::builder().key(k).value(v).build())
                .collect(),
        ))
        .build();
    let out = client(session)
        .create_security_group()
        .group_name(name)
        .description(description)
        .vpc_id(vpc_id)
        .tag_specifications(tags)
        .send()
        .await
        .call_classified(session, "CreateSecurityGroup", name, |err| {
            ec2_code(err, &["InvalidGroup.Duplicate"]).then_some(Reason::AlreadyExists)
        })?;
    out.group_id().map(str::to_owned).ok_or_else(|| {
        session
            .site()
            .failure("CreateSecurityGroup", "no group id in the answer")
            .on(name)
    })
}

/// Removes every inbound rule, so the group is egress-only again.
pub async fn revoke_ingress(session: &Session, group_id: &str) -> Result<(), AwsError> {
    let client = client(session);
    let out = client
        .describe_security_groups()
        .group_ids(group_id)
        .send()
        .await
        .call_on(session, "DescribeSecurityGroups", group_id)?;
    let permissions: Vec<_> = out
        .security_groups()
        .iter()
        .flat_map(|g| g.ip_permissions().iter().cloned())
        .collect();
    if permissions.is_empty() {
        return Ok(());
    }
    client
        .revoke_security_group_ingress()
        .group_id(group_id)
        .set_ip_permissions(Some(permissions))
        .send()
        .await
        .call_on(session, "RevokeSecurityGroupIngress", group_id)?;
    Ok(())
}

/// Deletes a group; a missing one counts as deleted.
pub async fn delete(session: &Session, group_id: &str) -> Result<(), AwsError> {
    client(session)
        .delete_security_group()
        .group_id(group_id)
        .send()
        .await
        .call_found(session, "DeleteSecurityGroup", group_id, |err| {
            ec2_code(err, &["InvalidGroup.NotFound"])
        })?;
    Ok(())
}
