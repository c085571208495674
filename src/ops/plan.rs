//! `gold plan`'s whole plan: what `up` would change in the producer account, then what
//! `rollout` would change for every consumer target (each to its channel's build, with
//! channels), read from live state; or one side alone, which reads nothing of the other.

use crate::Error;
use crate::aws::Sessions;
use crate::channels;
use crate::consumer::{self, DEFAULT_PARALLELISM, ImageChoice, TargetFilter};
use crate::manifest::Loaded;
use crate::plan::Plan;
use crate::producer;

/// Which sides a plan reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sides {
    /// The producer and every consumer target.
    Both,
    /// The producer account alone.
    Producer,
    /// The consumer targets alone.
    Consumers,
}

/// The plan of `sides`.
pub async fn plan(loaded: &Loaded, sessions: &Sessions, sides: Sides) -> Result<Plan, Error> {
    let mut plan = Plan::default();
    if sides != Sides::Consumers {
        let session = producer::session(loaded, sessions).await?;
        plan = producer::plan(loaded, &session).await?.plan();
    }
    if sides != Sides::Producer && !loaded.manifest.consumers.is_empty() {
        let choices = channels::follow(loaded, sessions, ImageChoice::Newest).await?;
        let planned = consumer::rollout::survey(
            &loaded.manifest,
            sessions,
            &TargetFilter::default(),
            &choices,
            DEFAULT_PARALLELISM,
        )
        .await?;
        plan.extend(planned.plan());
    }
    Ok(plan)
}
