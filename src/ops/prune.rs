//! `gold prune`: apply the manifest's `[lifecycle]` to the pipeline's builds.
//!
//! 1. [`plan`]: read every build in every distribution region and decide, by age and
//!    `keep_latest`, which AMIs the policy would deprecate or delete; find who uses exactly
//!    those AMIs ([`consumer::usage`]); an AMI in use, or in a place gold could not read, is
//!    kept and the plan names the holder. Launch template versions gold made, that are neither
//!    default nor latest, that no group pins and that are older than the
//!    `keep_template_versions` before the latest, do not keep an AMI to delete: they are
//!    deleted first.
//! 2. [`apply`]: delete those versions, deprecate, deregister (with snapshots), then delete the
//!    Image Builder images whose every AMI is gone. An AMI whose versions could not all be
//!    deleted stays. One AMI's failure does not stop the rest; a re-run finishes.

use std::collections::{BTreeMap, BTreeSet};
use std::time::SystemTime;

use crate::Error;
use crate::aws::{AwsError, Session, Sessions};
use crate::channels;
use crate::consumer::{self, DEFAULT_PARALLELISM};
use crate::manifest::Manifest;
use crate::plan::lifecycle::{
    self, AmiOutcome, FreedVersion, ImageOutcome, Policy, PruneAmi, PruneBuild, PrunePlan, Pruned,
    Usage,
};
use crate::producer;

/// Reads the builds and who uses them, and decides what `prune` does.
pub async fn plan(
    manifest: &Manifest,
    sessions: &Sessions,
    producer: &Session,
    policy: &Policy,
) -> Result<PrunePlan, Error> {
    let builds = producer::lifecycle::builds(manifest, producer).await?;
    let now = SystemTime::now();
    // Look only for users of what the policy would touch.
    let wanted = lifecycle::prune(&builds, policy, &Usage::default(), now);
    let mut by_region: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (_, ami) in wanted.amis(true).chain(wanted.amis(false)) {
        by_region
            .entry(ami.region.clone())
            .or_default()
            .push(ami.id.clone());
    }
    let usage = if by_region.is_empty() {
        Usage::default()
    } else {
        consumer::usage::usage(
            manifest,
            sessions,
            producer,
            &by_region,
            DEFAULT_PARALLELISM,
        )
        .await
    };
    let plan = lifecycle::prune(&builds, policy, &usage, now);
    channels::keep_held(manifest, producer, plan).await
}

/// Carries out `plan`: protects the builds a channel holds against deregistration before
/// anything is deleted (a failure there stops the prune), frees the versions, deprecates,
/// deletes, then removes the Image Builder images of fully deleted builds.
pub async fn apply(
    manifest: &Manifest,
    sessions: &Sessions,
    producer: &Session,
    plan: &PrunePlan,
) -> Result<Pruned, Error> {
    channels::protect_held(manifest, producer).await?;
    let versions: Vec<FreedVersion> = plan
        .amis(true)
        .flat_map(|(_, ami)| ami.frees.iter().cloned())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let freed = consumer::usage::delete_versions(manifest, sessions, &versions).await;
    let mut amis = deprecate(producer, plan).await;
    let deleted = delete(manifest, producer, plan, &freed).await;
    let images = delete_images(producer, plan, &deleted).await;
    amis.extend(deleted);
    Ok(Pruned {
        versions: versions
            .into_iter()
            .map(|version| {
                let error = freed.get(&version).cloned();
                (version, error)
            })
            .map(|(version, error)| lifecycle::VersionOutcome { version, error })
            .collect(),
        amis,
        images,
        kept: plan.protected(),
    })
}

/// What became of one AMI: `done` when `result` is a success.
fn outcome(
    build: &PruneBuild,
    ami: &PruneAmi,
    done: &str,
    result: Result<(), String>,
) -> AmiOutcome {
    AmiOutcome {
        region: ami.region.clone(),
        id: ami.id.clone(),
        build: build.name.clone(),
        done: result.is_ok().then(|| done.to_owned()),
        error: result.err(),
    }
}

/// Deprecates the AMIs the plan deprecates.
async fn deprecate(producer: &Session, plan: &PrunePlan) -> Vec<AmiOutcome> {
    futures::future::join_all(plan.amis(false).map(|(build, ami)| async move {
        let result = producer::lifecycle::deprecate(producer, &ami.region, &ami.id).await;
        outcome(
            build,
            ami,
            "deprecated",
            result.map_err(|err| err.to_string()),
        )
    }))
    .await
}

/// Deletes the AMIs the plan deletes, but keeps one whose template versions could not all be
/// deleted (`freed` names the refusals).
async fn delete(
    manifest: &Manifest,
    producer: &Session,
    plan: &PrunePlan,
    freed: &BTreeMap<FreedVersion, String>,
) -> Vec<AmiOutcome> {
    futures::future::join_all(plan.amis(true).map(|(build, ami)| async move {
        let refused: Vec<String> = ami
            .frees
            .iter()
            .filter_map(|version| Some(format!("{version}: {}", freed.get(version)?)))
            .collect();
        let result = if refused.is_empty() {
            producer::lifecycle::delete_ami(producer, manifest, &ami.region, &ami.id)
                .await
                .map_err(|err| err.to_string())
        } else {
            Err(format!(
                "kept: launch template versions that hold it could not be deleted ({})",
                refused.join("; ")
            ))
        };
        outcome(build, ami, "deleted", result)
    }))
    .await
}

/// Deletes the Image Builder image of each build the plan deletes whose AMIs all went.
async fn delete_images(
    producer: &Session,
    plan: &PrunePlan,
    deleted: &[AmiOutcome],
) -> Vec<ImageOutcome> {
    let failed_builds: Vec<&str> = deleted
        .iter()
        .filter(|ami| ami.failed())
        .map(|ami| ami.build.as_str())
        .collect();
    futures::future::join_all(
        plan.builds
            .iter()
            .filter(|build| !failed_builds.contains(&build.name.as_str()))
            .filter_map(|build| build.delete_image.as_deref())
            .map(|arn| async move {
                let result: Result<(), AwsError> =
                    producer::lifecycle::delete_image(producer, arn).await;
                ImageOutcome {
                    arn: arn.to_owned(),
                    error: result.err().map(|err| err.to_string()),
                }
            }),
    )
    .await
}
