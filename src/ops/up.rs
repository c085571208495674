//! `gold up`: provision the producer side, and in the consumer accounts the launch templates
//! the manifest marks `create` and the SSM parameters it lists.
//!
//! 1. [`plan`]: the producer's steps ([`producer::plan`]); then, when some consumer creates
//!    something, those consumers' targets surveyed as `rollout` surveys them (each following
//!    its channel) and kept to what `up` creates. Moving images and refreshing groups, and the
//!    problems of targets gold does not create, are left to `gold rollout`. A consumer survey
//!    that fails leaves the consumer side alone; the producer side still goes ahead.
//! 2. [`apply`]: the producer's steps along their dependency graph ([`producer::up`]); then
//!    [`create`]: the consumers' templates and parameters, each a single call
//!    (EC2 API Reference, `CreateLaunchTemplate`; SSM API Reference, `PutParameter`).

use crate::Error;
use crate::aws::{Session, Sessions};
use crate::consumer::{self, DEFAULT_PARALLELISM, ImageChoice, Planned, Summary, TargetFilter};
use crate::manifest::Loaded;
use crate::plan::producer::Steps;
use crate::plan::{ApplyReporter, Plan, Problem};
use crate::producer::{self, Applied};

/// What `up` would change, on both sides.
pub struct UpPlan {
    steps: Steps,
    creations: Vec<Planned>,
    /// Every change `up` makes: the producer's, then the consumers' creations.
    pub plan: Plan,
    /// Why the consumer side is left alone, when its survey failed.
    pub consumers_unread: Option<Error>,
    /// Problems of consumer targets `up` does not create: `gold rollout`'s business.
    pub left_to_rollout: Vec<Problem>,
}

impl UpPlan {
    /// Whether `up` creates anything in the consumer accounts.
    pub fn creates(&self) -> bool {
        !self.creations.is_empty()
    }
}

/// Reads the producer side and the consumers that create something, and decides what `up`
/// changes.
pub async fn plan(
    loaded: &Loaded,
    sessions: &Sessions,
    session: &Session,
) -> Result<UpPlan, Error> {
    let steps = producer::plan(loaded, session).await?;
    let mut up = UpPlan {
        plan: steps.plan(),
        steps,
        creations: Vec::new(),
        consumers_unread: None,
        left_to_rollout: Vec::new(),
    };
    let planned = match consumer_targets(loaded, sessions).await {
        Ok(Some(planned)) => planned,
        Ok(None) => return Ok(up),
        Err(err) => {
            up.consumers_unread = Some(err);
            return Ok(up);
        }
    };
    let mut consumers = consumer::rollout::plan(&planned).for_up();
    // Only templates and parameters gold creates are `up`'s business; the others are
    // `rollout`'s.
    let created: Vec<_> = planned
        .iter()
        .filter(|item| item.target.template().is_none_or(|t| t.create.is_some()))
        .map(|item| item.target.id().resource)
        .collect();
    let (mine, others): (Vec<_>, Vec<_>) = consumers
        .problems
        .into_iter()
        .partition(|problem| created.contains(&problem.resource));
    consumers.problems = mine;
    up.left_to_rollout = others;
    up.plan.extend(consumers);
    up.creations = consumer::rollout::creations(planned);
    Ok(up)
}

/// Carries out the producer's steps.
pub async fn apply(
    session: &Session,
    up: &UpPlan,
    progress: &dyn ApplyReporter,
) -> Result<Applied, Error> {
    Ok(Box::pin(producer::up::apply(session, &up.steps, progress)).await?)
}

/// Creates the consumers' templates and parameters (after [`apply`]: they name the producer's
/// AMIs).
pub async fn create(
    loaded: &Loaded,
    sessions: &Sessions,
    up: UpPlan,
    reporter: &dyn consumer::Reporter,
) -> Summary {
    consumer::rollout::apply(
        &loaded.manifest,
        sessions,
        up.creations,
        DEFAULT_PARALLELISM,
        reporter,
        // `up` stops at Ctrl-C as a whole; creating a template is a single step.
        &consumer::Interrupt::default(),
    )
    .await
}

/// Every target of the consumers that create something (a template marked `create`, or
/// parameters); `None` when none does, and `up` does not look in consumer accounts.
async fn consumer_targets(
    loaded: &Loaded,
    sessions: &Sessions,
) -> Result<Option<Vec<Planned>>, Error> {
    // Only consumers that list their account may mark `create`; the others are not searched.
    let creating: Vec<String> = loaded
        .manifest
        .consumers
        .iter()
        .filter(|c| {
            c.launch_templates.iter().any(|t| t.create.is_some()) || !c.parameters.is_empty()
        })
        .map(|c| c.name.clone())
        .collect();
    if creating.is_empty() {
        return Ok(None);
    }
    let filter = TargetFilter {
        consumers: creating,
        ..TargetFilter::default()
    };
    let choices = crate::channels::follow(loaded, sessions, ImageChoice::Newest).await?;
    let surveyed = consumer::rollout::survey(
        &loaded.manifest,
        sessions,
        &filter,
        &choices,
        DEFAULT_PARALLELISM,
    )
    .await?;
    Ok(Some(surveyed.planned))
}
