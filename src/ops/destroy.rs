//! `gold destroy`: delete what `gold up` and `gold rollout` created for this manifest, on both
//! sides (only resources tagged `gold:manifest=<name>`: producer resources, and consumer launch
//! templates marked `create` with their security group and key grants).
//!
//! 1. [`plan`]: survey the producer ([`producer::destroy`]) and the consumers
//!    ([`consumer::destroy`]) at once; with `--images`, find who uses the AMIs
//!    ([`consumer::usage`]: instances, launch template versions, groups, SSM parameters, the
//!    AMI usage reports of EC2 User Guide, "View your AMI usage") and refuse while anything
//!    does or might (a place gold could not read), unless `--force`: an instance launched from
//!    a deregistered AMI keeps running, but nothing can launch from it again (EC2 User Guide,
//!    "Deregister an Amazon EC2 AMI").
//! 2. [`apply`]: delete both sides at once. A consumer that cannot be reached does not stop the
//!    rest; [`DestroyPlan::problems`] makes the command fail at the end. A resource already gone
//!    counts as deleted, so a re-run finishes a partial destroy.

use std::collections::BTreeSet;

use crate::Error;
use crate::aws::{AwsError, Session, Sessions};
use crate::consumer;
use crate::error::Cause;
use crate::manifest::Loaded;
use crate::plan::lifecycle::Usage;
use crate::plan::{ApplyReporter, Plan, Resource};
use crate::producer;

/// What `destroy` would delete on both sides, and what it keeps.
pub struct DestroyPlan {
    producer: producer::destroy::Doomed,
    consumers: consumer::destroy::Doomed,
    /// Every deletion: the producer's, then the consumers'.
    pub plan: Plan,
    /// Why the AMIs should stay (their users, accounts that could not be checked), which
    /// `--force` overrode.
    pub forced: Vec<String>,
}

/// What [`apply`] did.
pub struct Deletions {
    /// Resources deleted (or found already gone), on both sides.
    pub deleted: usize,
    /// Consumer deletions that failed.
    pub failed: Vec<AwsError>,
}

/// Reads what carries the manifest's tag on both sides, and with `images` who uses its AMIs.
/// Fails when something uses them (or might) and `force` is not set: nothing is deleted then.
pub async fn plan(
    loaded: &Loaded,
    sessions: &Sessions,
    session: &Session,
    images: bool,
    force: bool,
) -> Result<DestroyPlan, Error> {
    let (producer, consumers) = futures::future::join(
        producer::destroy::survey(loaded, session, images),
        consumer::destroy::survey(&loaded.manifest, sessions, session),
    )
    .await;
    let producer = producer?;
    let amis = producer.amis_by_region();
    let mut forced = Vec::new();
    if !amis.is_empty() {
        let usage = consumer::usage::usage(
            &loaded.manifest,
            sessions,
            session,
            &amis,
            consumer::DEFAULT_PARALLELISM,
        )
        .await;
        forced = in_use(&usage, force)?;
    }
    let mut plan = producer.plan(session);
    plan.changes.extend(consumers.plan().changes);
    Ok(DestroyPlan {
        producer,
        consumers,
        plan,
        forced,
    })
}

/// Deletes everything `plan` holds, both sides at once.
pub async fn apply(
    plan: &DestroyPlan,
    session: &Session,
    progress: &dyn ApplyReporter,
) -> Result<Deletions, Error> {
    let (deleted, applied) = futures::future::join(
        plan.producer.apply(session, progress),
        plan.consumers.apply(progress),
    )
    .await;
    Ok(Deletions {
        deleted: deleted? + applied.deleted,
        failed: applied.failed,
    })
}

impl DestroyPlan {
    /// Consumer launch templates kept because gold did not create them.
    pub fn kept(&self) -> &[Resource] {
        &self.consumers.kept
    }

    /// Consumers that could not be reached or read.
    pub fn unreachable(&self) -> &[Cause] {
        &self.consumers.unreachable
    }

    /// The accounts the plan deletes in, each once, in order.
    pub fn accounts(&self) -> Vec<&str> {
        let accounts: BTreeSet<&str> = self
            .plan
            .changes
            .iter()
            .map(|change| change.resource.account.as_str())
            .collect();
        accounts.into_iter().collect()
    }

    /// Fails naming every consumer that could not be surveyed or whose deletions `failed`.
    pub fn problems(&self, failed: &[AwsError]) -> Result<(), Error> {
        let causes: Vec<Cause> = self
            .consumers
            .unreachable
            .iter()
            .cloned()
            .chain(failed.iter().map(|err| Cause {
                message: err.to_string(),
                hint: err.hint.clone(),
            }))
            .collect();
        if causes.is_empty() {
            return Ok(());
        }
        Err(Error::Failed {
            message: format!(
                "{} consumer problem(s); what gold created there may remain",
                causes.len()
            ),
            hint: Some(
                "fix the consumer's access and run `gold destroy` again; what is already gone counts as deleted"
                    .to_owned(),
            ),
            causes,
        })
    }
}

/// Refuses to delete AMIs that something uses or that an unreadable account might use, naming
/// each; with `force`, returns them for the command to name, and goes on.
fn in_use(usage: &Usage, force: bool) -> Result<Vec<String>, Error> {
    let causes: Vec<String> = usage
        .holders
        .values()
        .flatten()
        .map(|holder| format!("{} is used by {holder}", holder.ami))
        .chain(usage.unchecked.iter().map(ToString::to_string))
        .collect();
    if causes.is_empty() || force {
        return Ok(causes);
    }
    Err(Error::Failed {
        message: format!(
            "the pipeline's AMIs are in use or could not be checked ({} finding(s)); nothing was deleted",
            causes.len()
        ),
        hint: Some(
            "move those users to another image first, run without `--images` to keep the AMIs, or add `--force` to delete them anyway"
                .to_owned(),
        ),
        causes: causes
            .into_iter()
            .map(|message| Cause {
                message,
                hint: None,
            })
            .collect(),
    })
}
