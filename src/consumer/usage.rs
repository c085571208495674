//! Who uses an AMI: the one answer `retire`, `prune` and `destroy --images` ask for before
//! they deprecate, disable or delete an AMI.
//!
//! 1. In every consumer account gold reads (listed, or found in the organization) and every
//!    region the AMIs are in: EC2's own `DescribeImageReferences` (10 AMIs a call) names the
//!    instances that are not terminated, the launch templates some version of which names an
//!    AMI, and the `aws:ec2:image` SSM parameters whose value it is. Then, at once: for each
//!    such template, `DescribeLaunchTemplateVersions` (filter `image-id`) gives the exact
//!    versions, `DescribeLaunchTemplates` the default and latest numbers, and
//!    `DescribeAutoScalingGroups` the groups that launch one of those versions (no AWS API
//!    answers "which groups launch this AMI"): three round trips an account and region.
//! 2. Across every other account, from the producer account and without a role anywhere: one
//!    AMI usage report per AMI (EC2 User Guide, "View your AMI usage"). An account the reports
//!    name that gold did not read (no consumer, excluded, or a consumer's account in a region
//!    gold does not target) holds the AMI, and is named. A report never clears an account gold
//!    could not read: AWS says reports may miss the last days' activity.
//!
//! A place gold cannot read (credentials refused, a call failed, reports not ready in time) is
//! not "unused": it is reported as [`Unchecked`], and the caller keeps every AMI it might hold.
//!
//! Each holder says whether something would still *launch* the AMI through it
//! ([`Holder::launches`]): a template's default version, its latest when a group launches
//! `$Latest`, a group, a parameter, another account's launch template. Running instances and
//! old template versions launch nothing new.

use std::collections::{BTreeMap, BTreeSet};

use super::{concurrently, discover};
use crate::aws::autoscaling::{self, Group, GroupTemplate};
use crate::aws::image_usage::{self, Reference, ReportedUse};
use crate::aws::lifecycle::{self, TemplateNumbers, VersionImage};
use crate::aws::{Access, AwsError, Session, Sessions};
use crate::manifest::Manifest;
use crate::plan::lifecycle::{FreedVersion, HeldVersion, Holder, HolderKind, Unchecked, Usage};

/// Finds who uses `amis` (AMI ids by region): every consumer account of the manifest, listed
/// or found in the organization, and every other account the producer's usage reports name.
pub async fn usage(
    manifest: &Manifest,
    sessions: &Sessions,
    producer: &Session,
    amis: &BTreeMap<String, Vec<String>>,
    parallelism: usize,
) -> Usage {
    let amis: BTreeMap<&str, &[String]> = amis
        .iter()
        .filter(|(_, ids)| !ids.is_empty())
        .map(|(region, ids)| (region.as_str(), ids.as_slice()))
        .collect();
    // The reports are made while the consumer accounts are read: each takes a while to be ready.
    let reports = futures::future::join_all(amis.iter().map(|(region, ids)| async move {
        let session = producer.in_region(region);
        let entries = image_usage::usage_reports(&session, ids).await;
        (*region, session.waits().bound(), entries)
    }));
    let ((mut usage, read), reports) = futures::join!(
        Box::pin(consumers(manifest, sessions, &amis, parallelism)),
        reports
    );
    for (region, bound, entries) in reports {
        let error = match entries {
            Ok(Some(entries)) => {
                for entry in entries {
                    if !read.contains(&(entry.account.clone(), region)) {
                        usage.add(reported(&entry, region));
                    }
                }
                continue;
            }
            Ok(None) => format!(
                "the AMI usage reports were not ready within {} s",
                bound.as_secs()
            ),
            Err(err) => err.to_string(),
        };
        usage.unchecked.push(Unchecked {
            account: "accounts outside the manifest's consumers".to_owned(),
            region: Some(region.to_owned()),
            error,
        });
    }
    for holders in usage.holders.values_mut() {
        holders.sort();
    }
    usage
}

/// The holders in every consumer account gold reads, and the `(account, region)` places it
/// read completely.
async fn consumers<'a>(
    manifest: &Manifest,
    sessions: &Sessions,
    amis: &BTreeMap<&'a str, &'a [String]>,
    parallelism: usize,
) -> (Usage, BTreeSet<(String, &'a str)>) {
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
    let places: Vec<(&str, &Access, &'a str, &'a [String])> = accounts
        .iter()
        .flat_map(|(account, access)| {
            amis.iter()
                .map(move |(region, ids)| (account.as_str(), access, *region, *ids))
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
            (account, region, result)
        },
    )
    .await;
    let mut read = BTreeSet::new();
    let mut unreachable = BTreeSet::new();
    for (account, region, result) in found {
        match result {
            Ok(holders) => {
                read.insert((account.to_owned(), region));
                for holder in holders {
                    usage.add(holder);
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
    (usage, read)
}

/// An account the usage reports name as a holder.
fn reported(entry: &ReportedUse, region: &str) -> Holder {
    let (kind, what, launches) = if entry.resource_type == "ec2:LaunchTemplate" {
        (HolderKind::ReportedLaunchTemplates, "launch template", true)
    } else {
        (HolderKind::ReportedInstances, "instance", false)
    };
    Holder {
        account: entry.account.clone(),
        region: region.to_owned(),
        kind,
        resource: format!("{} {what}(s)", entry.count),
        ami: entry.ami.clone(),
        launches,
        version: None,
    }
}

/// The holders of `amis` in one account and region.
async fn holders(session: &Session, amis: &[String]) -> Result<Vec<Holder>, AwsError> {
    let references = image_usage::references(session, amis).await?;
    let mut found = Vec::new();
    let mut template_ids = BTreeSet::new();
    for (ami, reference) in &references {
        match reference {
            Reference::Instance(id) => {
                found.push(holder(
                    session,
                    HolderKind::Instance,
                    id.clone(),
                    ami,
                    false,
                ));
            }
            Reference::Parameter(name) => {
                found.push(holder(
                    session,
                    HolderKind::Parameter,
                    name.clone(),
                    ami,
                    true,
                ));
            }
            Reference::LaunchTemplate(id) => {
                template_ids.insert(id.as_str());
            }
        }
    }
    if template_ids.is_empty() {
        return Ok(found);
    }
    // One round trip for the rest: the templates' numbers, the groups, each template's versions.
    let versions_of = futures::future::try_join_all(template_ids.iter().map(|id| async move {
        let versions = lifecycle::versions_launching(session, id, amis).await?;
        Ok::<_, AwsError>((*id, versions))
    }));
    let (templates, groups, versions_of) = futures::try_join!(
        lifecycle::all_templates(session),
        autoscaling::groups(session, &[]),
        versions_of,
    )?;
    // A template deleted meanwhile has no numbers and holds nothing.
    let versions: Vec<(&TemplateNumbers, Vec<VersionImage>)> = versions_of
        .into_iter()
        .filter_map(|(id, versions)| {
            let template = templates.iter().find(|template| template.id == id)?;
            Some((template, versions))
        })
        .collect();
    for (template, versions) in &versions {
        found.extend(version_holders(session, template, versions, &groups));
    }
    for group in &groups {
        if let Some((template, ami)) = launched_by(group, &versions) {
            found.push(holder(
                session,
                HolderKind::AutoScalingGroup,
                format!("{} (launch template {})", group.name, template.name),
                ami,
                true,
            ));
        }
    }
    Ok(found)
}

/// A holder found in `session`'s account and region.
fn holder(
    session: &Session,
    kind: HolderKind,
    resource: String,
    ami: &str,
    launches: bool,
) -> Holder {
    Holder {
        account: session.account().to_owned(),
        region: session.region().to_owned(),
        kind,
        resource,
        ami: ami.to_owned(),
        launches,
        version: None,
    }
}

/// Each of `template`'s versions that launches one of the AMIs: it launches the AMI anew when
/// it is the default, or the latest and some group launches `$Latest`.
fn version_holders(
    session: &Session,
    template: &TemplateNumbers,
    versions: &[VersionImage],
    groups: &[Group],
) -> Vec<Holder> {
    let launching: Vec<&GroupTemplate> = groups
        .iter()
        .filter(|group| names(group, template))
        .filter_map(|group| group.template.as_ref())
        .collect();
    let latest_launched = launching.iter().any(|spec| spec.version == "$Latest");
    versions
        .iter()
        .map(|version| {
            let number = version.number;
            let default = number == template.default;
            let latest = number == template.latest;
            let pinned = launching
                .iter()
                .any(|spec| spec.version == number.to_string());
            let mut found = holder(
                session,
                HolderKind::LaunchTemplateVersion,
                format!(
                    "{} ({}) version {number}{}",
                    template.name,
                    template.id,
                    role(default, latest)
                ),
                &version.image,
                default || (latest && latest_launched),
            );
            found.version = Some(HeldVersion {
                template_id: template.id.clone(),
                template: template.name.clone(),
                number,
                latest: template.latest,
                by_gold: version
                    .description
                    .as_deref()
                    .is_some_and(super::made_by_gold),
                in_use: default || latest || pinned,
            });
            found
        })
        .collect()
}

fn role(default: bool, latest: bool) -> &'static str {
    match (default, latest) {
        (true, _) => ", the default",
        (false, true) => ", the latest",
        _ => "",
    }
}

/// Whether a group launches from `template` (any version).
fn names(group: &Group, template: &TemplateNumbers) -> bool {
    group.template.as_ref().is_some_and(|spec| {
        spec.id.as_deref() == Some(template.id.as_str())
            || spec.name.as_deref() == Some(template.name.as_str())
    })
}

/// The template and AMI a group launches, when its template version launches one of the AMIs.
fn launched_by<'v>(
    group: &Group,
    versions: &'v [(&'v TemplateNumbers, Vec<VersionImage>)],
) -> Option<(&'v TemplateNumbers, &'v str)> {
    let spec = group.template.as_ref()?;
    let (template, launching) = versions
        .iter()
        .find(|(template, _)| names(group, template))?;
    let number = match spec.version.as_str() {
        "$Default" => template.default,
        "$Latest" => template.latest,
        number => number.parse().ok()?,
    };
    launching
        .iter()
        .find(|version| version.number == number)
        .map(|version| (*template, version.image.as_str()))
}

/// Deletes launch template versions `prune` freed, one call per template: the versions that
/// could not be deleted, with why. An account gold can no longer reach keeps its versions.
pub async fn delete_versions(
    manifest: &Manifest,
    sessions: &Sessions,
    versions: &[FreedVersion],
) -> BTreeMap<FreedVersion, String> {
    let mut refused = BTreeMap::new();
    if versions.is_empty() {
        return refused;
    }
    let accounts = match discover::accounts(manifest, sessions).await {
        Ok(accounts) => accounts,
        Err(err) => {
            let error = err.to_string();
            return versions
                .iter()
                .map(|v| (v.clone(), error.clone()))
                .collect();
        }
    };
    let mut by_template: BTreeMap<(&str, &str, &str), Vec<&FreedVersion>> = BTreeMap::new();
    for version in versions {
        by_template
            .entry((&version.account, &version.region, &version.template_id))
            .or_default()
            .push(version);
    }
    let results = futures::future::join_all(by_template.into_iter().map(
        |((account, region, template), versions)| {
            let access = accounts.get(account);
            async move {
                let result = match access {
                    None => Err(format!("account {account} is no consumer of the manifest")),
                    Some(access) => match sessions.session(account, access, region).await {
                        Err(err) => Err(err.to_string()),
                        Ok(session) => {
                            let numbers: Vec<i64> = versions.iter().map(|v| v.version).collect();
                            lifecycle::delete_versions(&session, template, &numbers)
                                .await
                                .map_err(|err| err.to_string())
                        }
                    },
                };
                (versions, result)
            }
        },
    ))
    .await;
    for (versions, result) in results {
        if let Err(error) = result {
            for version in versions {
                refused.insert(version.clone(), error.clone());
            }
        }
    }
    refused
}
