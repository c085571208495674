//! Who uses an AMI in the consumer accounts, before gold deprecates, disables or deletes it
//! (design §6): in every consumer account and every region the AMI is distributed to, the
//! launch template versions whose image it is (any version, not only the default), the Auto
//! Scaling groups whose template version launches it, and the instances launched from it that
//! are not terminated.
//!
//! A place gold cannot read (credentials refused, a call failed) is not "unused": it is
//! reported as [`Unchecked`], and the caller keeps every AMI it might hold.
//!
//! Cost per account and region: `DescribeLaunchTemplates`, one `DescribeLaunchTemplateVersions`
//! per template (filtered by `image-id`), `DescribeAutoScalingGroups` and `DescribeInstances`
//! (filtered by `image-id` and state). Groups that launch from a launch configuration are not
//! read: gold never makes them, and AWS no longer lets new accounts create them.

use std::collections::{BTreeMap, BTreeSet};

use super::{concurrently, discover};
use crate::aws::autoscaling::{self, Group};
use crate::aws::lifecycle::{self, TemplateNumbers};
use crate::aws::{Access, AwsError, Session, Sessions};
use crate::manifest::Manifest;
use crate::plan::lifecycle::{Holder, HolderKind, Unchecked, Usage};

/// Finds who uses `amis` (AMI ids by region) in every consumer account of the manifest,
/// listed or found in the organization.
pub async fn usage(
    manifest: &Manifest,
    sessions: &Sessions,
    amis: &BTreeMap<String, Vec<String>>,
    parallelism: usize,
) -> Usage {
    let mut usage = Usage::default();
    let accounts = match discover::accounts(manifest, sessions).await {
        Ok(accounts) => accounts,
        Err(err) => {
            // The organization could not be read: its accounts may hold any of the AMIs.
            usage.unchecked.push(Unchecked {
                account: "the organization's accounts".to_owned(),
                region: None,
                error: err.to_string(),
            });
            discover::listed_accounts(manifest)
        }
    };
    let places: Vec<(&str, &Access, &str, &[String])> = accounts
        .iter()
        .flat_map(|(account, access)| {
            amis.iter()
                .filter(|(_, ids)| !ids.is_empty())
                .map(move |(region, ids)| {
                    (account.as_str(), access, region.as_str(), ids.as_slice())
                })
        })
        .collect();
    let found = concurrently(
        places,
        parallelism,
        |(account, access, region, ids)| async move {
            let result = match sessions.session(account, access, region).await {
                Ok(session) => holders(&session, ids)
                    .await
                    .map_err(|err| (err, Some(region))),
                // Credentials are per account: none of its regions can be read.
                Err(err) => Err(((*err).clone(), None)),
            };
            (account, result)
        },
    )
    .await;
    let mut unreachable = BTreeSet::new();
    for (account, result) in found {
        match result {
            Ok(holders) => {
                for holder in holders {
                    usage
                        .holders
                        .entry(holder.ami.clone())
                        .or_default()
                        .push(holder);
                }
            }
            Err((err, region)) => {
                if region.is_none() && !unreachable.insert(account) {
                    continue;
                }
                usage.unchecked.push(Unchecked {
                    account: account.to_owned(),
                    region: region.map(str::to_owned),
                    error: err.to_string(),
                });
            }
        }
    }
    for holders in usage.holders.values_mut() {
        holders.sort();
    }
    usage
}

/// The holders of `amis` in one account and region.
async fn holders(session: &Session, amis: &[String]) -> Result<Vec<Holder>, AwsError> {
    let (templates, groups, instances) = futures::try_join!(
        lifecycle::all_templates(session),
        autoscaling::groups(session, &[]),
        lifecycle::instances_of(session, amis),
    )?;
    let versions = futures::future::try_join_all(templates.iter().map(|template| async move {
        let versions = lifecycle::versions_launching(session, &template.id, amis).await?;
        Ok::<_, AwsError>((template, versions))
    }))
    .await?;
    let holder = |kind, resource: String, ami: &str| Holder {
        account: session.account().to_owned(),
        region: session.region().to_owned(),
        kind,
        resource,
        ami: ami.to_owned(),
    };
    let mut found = Vec::new();
    for (template, versions) in &versions {
        for (number, ami) in versions {
            found.push(holder(
                HolderKind::LaunchTemplateVersion,
                format!(
                    "{} ({}) version {number}{}",
                    template.name,
                    template.id,
                    role(template, *number)
                ),
                ami,
            ));
        }
    }
    for group in &groups {
        if let Some((template, ami)) = launched_by(group, &versions) {
            found.push(holder(
                HolderKind::AutoScalingGroup,
                format!("{} (launch template {})", group.name, template.name),
                ami,
            ));
        }
    }
    for instance in instances {
        found.push(holder(
            HolderKind::Instance,
            format!("{} ({})", instance.id, instance.state),
            &instance.image,
        ));
    }
    Ok(found)
}

fn role(template: &TemplateNumbers, number: i64) -> &'static str {
    match (number == template.default, number == template.latest) {
        (true, _) => ", the default",
        (false, true) => ", the latest",
        _ => "",
    }
}

/// The template and AMI a group launches, when its template version launches one of the AMIs.
fn launched_by<'v>(
    group: &Group,
    versions: &'v [(&'v TemplateNumbers, Vec<(i64, String)>)],
) -> Option<(&'v TemplateNumbers, &'v str)> {
    let spec = group.template.as_ref()?;
    let (template, launching) = versions.iter().find(|(template, _)| {
        spec.id.as_deref() == Some(template.id.as_str())
            || spec.name.as_deref() == Some(template.name.as_str())
    })?;
    let number = match spec.version.as_str() {
        "$Default" => template.default,
        "$Latest" => template.latest,
        number => number.parse().ok()?,
    };
    launching
        .iter()
        .find(|(version, _)| *version == number)
        .map(|(_, ami)| (*template, ami.as_str()))
}
