//! The wave engine (design §4): jobs on consumer targets run wave by wave, the targets of one
//! wave concurrently (at most `parallelism` at once); wave N+1 starts only when every target of
//! wave N succeeded. A failed target stops later waves, the rest of its wave finishes.
//!
//! The engine knows nothing about what a job does: rollout, rollback and the template creations
//! of `up` run through it today, and anything else done per target in waves (retiring images,
//! say) can. Progress goes to a [`Reporter`] as typed [`Event`]s; the engine owns no output.
//!
//! Once an [`Interrupt`] is requested no target starts; targets in flight end as their job
//! decides (a job stops between its steps and says what it left undone).

use std::collections::BTreeMap;

use serde::Serialize;

use super::each;
use super::interrupt::Interrupt;
use crate::Error;
use crate::plan::TargetId;

/// Receives rollout progress (the terminal UI, plain lines or JSON events).
pub trait Reporter: Send + Sync {
    /// Something happened.
    fn event(&self, event: &Event<'_>);
}

/// Progress of jobs in waves. New kinds of event may be added; readers of `--output json`
/// should skip events they do not know.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[serde(tag = "event", rename_all = "snake_case")]
#[schemars(rename = "WaveEvent")]
pub enum Event<'a> {
    /// A wave begins.
    WaveStarted {
        /// The wave number.
        wave: u32,
        /// Its targets that have work to do.
        targets: usize,
        /// Its targets that have nothing to do.
        unchanged: usize,
    },
    /// Work on a target begins.
    TargetStarted {
        /// The target.
        target: &'a TargetId,
    },
    /// The template's default version now launches the image.
    DefaultVersionSet {
        /// The target.
        target: &'a TargetId,
        /// The new default version (a launch template version number, not a build).
        version: i64,
        /// The image it launches.
        image: &'a str,
    },
    /// An SSM parameter now holds the image (Parameter Store accepted it).
    ParameterSet {
        /// The target.
        target: &'a TargetId,
        /// The parameter's name.
        parameter: &'a str,
        /// Its new version.
        version: i64,
        /// The image it holds.
        image: &'a str,
    },
    /// An instance refresh began.
    RefreshStarted {
        /// The target.
        target: &'a TargetId,
        /// The Auto Scaling group.
        group: &'a str,
        /// The refresh id.
        refresh_id: &'a str,
    },
    /// An instance refresh moved on.
    RefreshProgress {
        /// The target.
        target: &'a TargetId,
        /// The Auto Scaling group.
        group: &'a str,
        /// Its status, as Auto Scaling says it (`InProgress`).
        status: &'a str,
        /// Percentage complete.
        percentage: Option<u8>,
        /// Instances not yet taken up by the refresh.
        #[serde(skip_serializing_if = "Option::is_none")]
        instances_to_update: Option<u32>,
        /// The checkpoint (one of the manifest's `checkpoint_percentages`) the refresh waits
        /// at, while it waits there.
        #[serde(skip_serializing_if = "Option::is_none")]
        checkpoint: Option<u32>,
        /// Whether new instances are warming up before they count as healthy.
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        warming_up: bool,
        /// Why the refresh is in this state, in Auto Scaling's words (`StatusReason`).
        #[serde(skip_serializing_if = "Option::is_none")]
        reason: Option<&'a str>,
    },
    /// A target ended.
    TargetFinished {
        /// The target.
        target: &'a TargetId,
        /// How.
        outcome: &'a Outcome,
    },
    /// A wave ended.
    WaveFinished {
        /// The wave number.
        wave: u32,
        /// Targets that failed in it.
        failed: usize,
    },
}

/// How one target ended.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, schemars::JsonSchema)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    /// Changed as planned.
    Done {
        /// What changed.
        detail: String,
    },
    /// Nothing to do.
    Unchanged,
    /// Failed; later waves did not start.
    Failed {
        /// Why.
        error: String,
        /// The likely fix.
        hint: Option<String>,
    },
    /// Not attempted because an earlier wave failed.
    NotStarted,
    /// Stopped by Ctrl-C: what was done before it (nothing when the target never started)
    /// and what is left for a re-run.
    Interrupted {
        /// The steps finished.
        done: Option<String>,
        /// What a re-run still does.
        left: String,
    },
}

impl Outcome {
    /// The outcome of a job that ended with `err`.
    pub fn failed(err: &Error) -> Self {
        Outcome::Failed {
            error: err.to_string(),
            hint: err.hint().map(str::to_owned),
        }
    }
}

/// A target and how it ended.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, schemars::JsonSchema)]
pub struct TargetOutcome {
    /// The target.
    #[serde(flatten)]
    pub target: TargetId,
    /// How it ended.
    pub outcome: Outcome,
}

/// How many targets ended each way.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq, schemars::JsonSchema)]
pub struct OutcomeCounts {
    /// Changed as planned.
    pub done: usize,
    /// Nothing to do.
    pub unchanged: usize,
    /// Failed.
    pub failed: usize,
    /// Not attempted.
    pub not_started: usize,
    /// Stopped by Ctrl-C, half-done or not started.
    pub interrupted: usize,
}

/// Every target's outcome, in plan order, and the totals.
#[derive(Debug, Clone, Default, Serialize, schemars::JsonSchema)]
pub struct Summary {
    /// Each target and how it ended.
    pub targets: Vec<TargetOutcome>,
    /// How many ended each way.
    pub counts: OutcomeCounts,
    /// AWS calls answered with a throttling error during the whole command (reading included);
    /// gold backed off and retried each.
    pub throttled_calls: u64,
}

impl Summary {
    fn push(&mut self, target: TargetId, outcome: Outcome) {
        match outcome {
            Outcome::Done { .. } => self.counts.done += 1,
            Outcome::Unchanged => self.counts.unchanged += 1,
            Outcome::Failed { .. } => self.counts.failed += 1,
            Outcome::NotStarted => self.counts.not_started += 1,
            Outcome::Interrupted { .. } => self.counts.interrupted += 1,
        }
        self.targets.push(TargetOutcome { target, outcome });
    }

    /// How many targets failed.
    pub fn failed(&self) -> usize {
        self.counts.failed
    }

    /// How many targets Ctrl-C stopped.
    pub fn interrupted(&self) -> usize {
        self.counts.interrupted
    }
}

/// One target's job: work to do, nothing to do (`Ok(None)`), or why it cannot be done.
pub struct Job<W> {
    /// The target.
    pub target: TargetId,
    /// The work.
    pub work: Result<Option<W>, Error>,
}

/// Runs every job wave by wave; `work` does one job and says how it ended. After `interrupt`
/// is requested no job starts.
pub async fn run<W, F, Fut>(
    jobs: Vec<Job<W>>,
    parallelism: usize,
    reporter: &dyn Reporter,
    interrupt: &Interrupt,
    work: F,
) -> Summary
where
    F: Fn(TargetId, W) -> Fut,
    Fut: std::future::Future<Output = Outcome>,
{
    let mut waves: BTreeMap<u32, Vec<Job<W>>> = BTreeMap::new();
    for job in jobs {
        waves.entry(job.target.wave).or_default().push(job);
    }
    let mut summary = Summary::default();
    let mut stopped = false;
    let work = &work;
    for (wave, jobs) in waves {
        if stopped || interrupt.requested() {
            for job in jobs {
                let outcome = if stopped {
                    Outcome::NotStarted
                } else {
                    not_started_by(&job.work)
                };
                summary.push(job.target, outcome);
            }
            continue;
        }
        let unchanged = jobs
            .iter()
            .filter(|job| matches!(job.work, Ok(None)))
            .count();
        reporter.event(&Event::WaveStarted {
            wave,
            targets: jobs.len() - unchanged,
            unchanged,
        });
        let outcomes = each(jobs, parallelism, |job| async move {
            let outcome = match job.work {
                Ok(None) => Outcome::Unchanged,
                Err(err) => Outcome::failed(&err),
                Ok(Some(_)) if interrupt.requested() => interrupted_before_start(),
                Ok(Some(item)) => {
                    reporter.event(&Event::TargetStarted {
                        target: &job.target,
                    });
                    Box::pin(work(job.target.clone(), item)).await
                }
            };
            reporter.event(&Event::TargetFinished {
                target: &job.target,
                outcome: &outcome,
            });
            (job.target, outcome)
        })
        .await;
        let failed = outcomes
            .iter()
            .filter(|(_, outcome)| matches!(outcome, Outcome::Failed { .. }))
            .count();
        reporter.event(&Event::WaveFinished { wave, failed });
        stopped = failed > 0;
        for (target, outcome) in outcomes {
            summary.push(target, outcome);
        }
    }
    summary
}

/// How a job ends that an interruption kept from starting.
fn not_started_by<W>(work: &Result<Option<W>, Error>) -> Outcome {
    match work {
        Ok(None) => Outcome::Unchanged,
        _ => interrupted_before_start(),
    }
}

fn interrupted_before_start() -> Outcome {
    Outcome::Interrupted {
        done: None,
        left: "everything: not started".to_owned(),
    }
}
