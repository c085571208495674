//! `gold destroy` in the consumer accounts: the launch templates gold created there for
//! templates the manifest marks `create`, then the egress-only security group it made for them,
//! and the grants on the manifest's KMS key it made for their Auto Scaling roles (in every
//! account with a target that lists groups: named in the manifest or found in the organization).
//!
//! Only a template the manifest marks `create` and that carries `gold:manifest=<name>` is
//! deleted; an adopted one (no `create`, or made by hand without gold's tag) is kept whatever
//! its name. The group goes only when tagged for this manifest, and after the templates of its
//! account and region. A consumer that cannot be reached or read is reported, never fatal to
//! the rest: the producer side and the other consumers are still destroyed. Consumers whose
//! accounts come from AWS Organizations cannot mark `create`, so gold made no template there,
//! only grants.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use futures::future::join_all;

use super::grants::{self, KeyGrant};
use super::{DEFAULT_PARALLELISM, TargetFilter, discover};
use crate::Error;
use crate::aws::launch_templates::{self, TemplateSummary};
use crate::aws::security_groups::{self, SecurityGroup};
use crate::aws::{Access, AwsError, Session, Sessions};
use crate::error::Cause;
use crate::manifest::Manifest;
use crate::names;
use crate::plan::{Action, ApplyReporter, Change, Plan, Resource, ResourceKind, track};

/// What `destroy` deletes in one consumer account and region.
struct Site {
    session: Session,
    templates: Vec<TemplateSummary>,
    groups: Vec<SecurityGroup>,
}

/// Everything `destroy` would delete in consumer accounts, and what it could not look at.
#[derive(Default)]
pub struct Doomed {
    sites: Vec<Site>,
    /// Templates with a `create` name that exist without gold's tag: adopted, so kept.
    pub kept: Vec<Resource>,
    /// Consumer accounts or regions that could not be surveyed.
    pub unreachable: Vec<Cause>,
    /// The grants gold made on the manifest's KMS key, with the session that retires each.
    grants: Vec<(Session, KeyGrant)>,
}

/// What deleting in the consumer accounts came to.
#[derive(Debug, Default)]
pub struct Applied {
    /// Resources deleted (or already gone).
    pub deleted: usize,
    /// Deletions that failed.
    pub failed: Vec<AwsError>,
}

/// Each consumer account × region with templates marked `create`, and the names to look for.
fn sites(manifest: &Manifest) -> BTreeMap<(String, String), (Access, BTreeSet<String>)> {
    let mut sites: BTreeMap<(String, String), (Access, BTreeSet<String>)> = BTreeMap::new();
    for target in manifest.listed_templates() {
        let (Some(_), Some(name)) = (
            &target.launch_template.create,
            target.launch_template.name.as_ref(),
        ) else {
            continue;
        };
        let consumer = target.consumer;
        let Some(account) = &consumer.account else {
            continue;
        };
        sites
            .entry((account.clone(), target.region.to_owned()))
            .or_insert_with(|| {
                (
                    Access::from_manifest(
                        consumer.role_arn.as_deref(),
                        consumer.profile.as_deref(),
                    ),
                    BTreeSet::new(),
                )
            })
            .1
            .insert(name.clone());
    }
    sites
}

/// The grants gold made on the manifest's key, in every account with a target that lists
/// groups: those the manifest names and those AWS Organizations holds now (rollouts made
/// grants there too). With no key, nothing is looked up.
async fn grants_made(
    manifest: &Manifest,
    sessions: &Sessions,
) -> (Vec<(Session, KeyGrant)>, Vec<Cause>) {
    if !grants::encrypts(manifest) {
        return (Vec::new(), Vec::new());
    }
    let every = TargetFilter::default();
    let found = discover::targets(manifest, sessions, &every, DEFAULT_PARALLELISM);
    let found = match Box::pin(found).await {
        Ok(found) => found,
        Err(err) => return (Vec::new(), vec![Cause::from(&err)]),
    };
    // A target whose template could not be read still names an account that may hold a grant.
    let targets = found
        .targets
        .iter()
        .chain(found.failed.iter().map(|(target, _)| target));
    let (made, unreachable) = grants::made(manifest, sessions, targets, DEFAULT_PARALLELISM).await;
    let unreachable = unreachable
        .into_iter()
        .map(|err| Cause::from(&Error::Aws(err)));
    (made, unreachable.collect())
}

/// Finds what `destroy` would delete in every consumer account and region, concurrently.
///
/// Groups in the producer's own account and region are left to the producer side, which
/// deletes every group tagged for the manifest there.
pub async fn survey(manifest: &Manifest, sessions: &Sessions, producer: &Session) -> Doomed {
    let name = manifest.name.as_str();
    let surveyed = join_all(sites(manifest).into_iter().map(
        |((account, region), (access, templates))| async move {
            let session = sessions.session(&account, &access, &region).await?;
            let found = futures::future::try_join_all(
                templates
                    .iter()
                    .map(|template| launch_templates::find(&session, template)),
            )
            .await?;
            let here = (session.account(), session.region());
            let groups = if here == (producer.account(), producer.region()) {
                Vec::new()
            } else {
                let group = names::consumer_security_group(name);
                security_groups::tagged(&session, names::MANIFEST_TAG, name)
                    .await?
                    .into_iter()
                    .filter(|g| g.name == group)
                    .collect()
            };
            let (owned, adopted): (Vec<_>, Vec<_>) = found
                .into_iter()
                .flatten()
                .partition(|t| names::owned_by(&t.tags, name));
            Ok::<_, Arc<AwsError>>((
                Site {
                    session,
                    templates: owned,
                    groups,
                },
                adopted,
            ))
        },
    ))
    .await;
    let (grants, unreachable) = grants_made(manifest, sessions).await;
    let mut doomed = Doomed {
        unreachable,
        grants,
        ..Doomed::default()
    };
    for result in surveyed {
        match result {
            Ok((site, adopted)) => {
                doomed.kept.extend(
                    adopted
                        .iter()
                        .map(|t| template_resource(&site.session, &t.name)),
                );
                if !site.templates.is_empty() || !site.groups.is_empty() {
                    doomed.sites.push(site);
                }
            }
            Err(err) => doomed.unreachable.push(Cause::from(&Error::Aws(err))),
        }
    }
    doomed
}

fn template_resource(session: &Session, name: &str) -> Resource {
    resource(session, ResourceKind::LaunchTemplate, name.to_owned())
}

fn group_resource(session: &Session, group: &SecurityGroup) -> Resource {
    resource(
        session,
        ResourceKind::SecurityGroup,
        format!("{} ({})", group.name, group.id),
    )
}

fn resource(session: &Session, kind: ResourceKind, name: String) -> Resource {
    Resource {
        kind,
        name,
        account: session.account().to_owned(),
        region: session.region().to_owned(),
    }
}

impl Doomed {
    /// The deletions as a plan, templates before the group in each account and region.
    pub fn plan(&self) -> Plan {
        let mut plan = Plan::default();
        for site in &self.sites {
            let templates = site
                .templates
                .iter()
                .map(|t| template_resource(&site.session, &t.name));
            let groups = site.groups.iter().map(|g| group_resource(&site.session, g));
            plan.changes
                .extend(templates.chain(groups).map(|resource| Change {
                    resource,
                    action: Action::Delete,
                }));
        }
        plan.changes
            .extend(self.grants.iter().map(|(_, grant)| Change {
                resource: grants::resource(grant),
                action: Action::Delete,
            }));
        plan
    }

    /// Deletes every site's templates, then its group; sites run concurrently and a failure
    /// in one leaves the others going.
    pub async fn apply(&self, progress: &dyn ApplyReporter) -> Applied {
        let results = join_all(self.sites.iter().map(|site| apply_site(site, progress))).await;
        let retired = join_all(self.grants.iter().map(|(session, grant)| async move {
            let resource = grants::resource(grant);
            track(
                progress,
                &resource,
                "retiring",
                "retired",
                grants::retire(session, grant),
            )
            .await
        }))
        .await;
        let retired = retired
            .into_iter()
            .map(|result| result.map_or_else(|err| (0, vec![err]), |()| (1, Vec::new())));
        results
            .into_iter()
            .chain(retired)
            .fold(Applied::default(), |mut all, (deleted, failed)| {
                all.deleted += deleted;
                all.failed.extend(failed);
                all
            })
    }
}

async fn apply_site(site: &Site, progress: &dyn ApplyReporter) -> (usize, Vec<AwsError>) {
    let session = &site.session;
    let templates = join_all(site.templates.iter().map(|template| {
        step(
            progress,
            template_resource(session, &template.name),
            launch_templates::delete_template(session, &template.id),
        )
    }))
    .await;
    let mut failed: Vec<AwsError> = templates.into_iter().filter_map(Result::err).collect();
    let mut deleted = site.templates.len() - failed.len();
    // A template still naming the group would keep launching into a deleted group.
    if failed.is_empty() {
        for group in &site.groups {
            match step(
                progress,
                group_resource(session, group),
                security_groups::delete(session, &group.id),
            )
            .await
            {
                Ok(()) => deleted += 1,
                Err(err) => failed.push(err),
            }
        }
    }
    (deleted, failed)
}

async fn step(
    progress: &dyn ApplyReporter,
    resource: Resource,
    work: impl std::future::Future<Output = Result<(), AwsError>>,
) -> Result<(), AwsError> {
    track(progress, &resource, "deleting", "deleted", work).await
}
