//! The wave engine: jobs on consumer targets run wave by wave, the targets of one wave
//! concurrently (at most `parallelism` at once, a target's slot freed the moment it ends, so one
//! slow instance refresh holds back no other target); wave N+1 starts only when every target of
//! wave N succeeded or was skipped. A failed target stops later waves, the rest of its wave
//! finishes. A skipped target (an account found in the organization that gold cannot reach
//! yet, within the manifest's `skip_unreachable_accounts`) stops nothing.
//!
//! The engine knows nothing about what a job does: rollout, rollback and the template creations
//! of `up` run through it today, and anything else done per target in waves (retiring images,
//! say) can. Progress goes to a [`Reporter`] as typed [`WaveEvent`]s; the engine owns no output.
//!
//! Once an [`Interrupt`] is requested no target starts; targets in flight end as their job
//! decides (a job stops between its steps and says what it left undone).
//!
//! Every target of a wave that starts gets one [`WaveEvent::TargetFinished`] the moment it ends;
//! the [`Summary`] lists every target in plan order (wave, then manifest order), whatever order
//! they ended in.

use std::collections::BTreeMap;

use serde::Serialize;

use super::concurrently;
use super::interrupt::Interrupt;
use crate::Error;
use crate::plan::TargetId;

/// Receives rollout progress (the terminal UI, plain lines or JSON events).
pub trait Reporter: Send + Sync {
    /// Something happened.
    fn event(&self, event: &WaveEvent<'_>);
}

/// Progress of jobs in waves. New kinds of event may be added; readers of `--output json`
/// should skip events they do not know.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum WaveEvent<'a> {
    /// A wave begins.
    WaveStarted {
        /// The wave number.
        wave: u32,
        /// Its targets that have work to do.
        targets: usize,
        /// Its targets that have nothing to do.
        unchanged: usize,
        /// Its targets in accounts gold cannot reach yet and skips (each is named by its
        /// `target_finished`).
        skipped: usize,
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
    /// gold started an instance refresh.
    RefreshStarted {
        /// The target.
        target: &'a TargetId,
        /// The Auto Scaling group.
        group: &'a str,
        /// The refresh id.
        refresh_id: &'a str,
    },
    /// gold found the refresh an earlier run of it started still running, and watches it
    /// instead of starting another.
    RefreshAttached {
        /// The target.
        target: &'a TargetId,
        /// The Auto Scaling group.
        group: &'a str,
        /// The refresh id.
        refresh_id: &'a str,
    },
    /// A refresh gold did not start runs on the group: gold waits for it to end, then starts
    /// its own (AWS runs one refresh per group at a time).
    RefreshWaiting {
        /// The target.
        target: &'a TargetId,
        /// The Auto Scaling group.
        group: &'a str,
        /// The other refresh's id.
        refresh_id: &'a str,
        /// Its status, as Auto Scaling says it.
        status: &'a str,
    },
    /// A look at a refresh failed; gold looks again (the refresh's outcome is AWS's, not the
    /// look's).
    RefreshUnread {
        /// The target.
        target: &'a TargetId,
        /// The Auto Scaling group.
        group: &'a str,
        /// The refresh id.
        refresh_id: &'a str,
        /// Why the look failed.
        error: String,
        /// Failed looks in a row so far.
        failures: u32,
        /// How many in a row gold accepts before it stops watching.
        limit: u32,
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
    /// Left alone on purpose, stopping nothing: an account found in the organization that gold
    /// cannot reach yet (its role cannot be assumed), within `skip_unreachable_accounts`.
    Skipped {
        /// Why.
        reason: String,
    },
    /// Never started.
    NotStarted {
        /// Why.
        because: NotStartedBecause,
    },
    /// Stopped by Ctrl-C between two steps: what was done before it and what is left for a
    /// re-run.
    Interrupted {
        /// The steps finished.
        done: String,
        /// What a re-run still does.
        left: String,
    },
}

/// Why a target never started.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, PartialOrd, Ord, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum NotStartedBecause {
    /// A target of an earlier wave failed.
    EarlierWaveFailed,
    /// Ctrl-C came before it started.
    Interrupted,
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
    /// Left alone in accounts gold cannot reach yet.
    pub skipped: usize,
    /// Never started (an earlier wave failed, or Ctrl-C came first).
    pub not_started: usize,
    /// Stopped by Ctrl-C between two steps.
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
            Outcome::Skipped { .. } => self.counts.skipped += 1,
            Outcome::NotStarted { .. } => self.counts.not_started += 1,
            Outcome::Interrupted { .. } => self.counts.interrupted += 1,
        }
        self.targets.push(TargetOutcome { target, outcome });
    }

    /// How many targets failed.
    pub fn failed(&self) -> usize {
        self.counts.failed
    }
}

/// What one target's job has to do.
pub enum Work<W> {
    /// Something to change.
    Change(W),
    /// Nothing: the target is as it should be.
    Unchanged,
    /// Nothing can be done: the target fails with this error.
    Fails(Error),
    /// The target is left alone on purpose, for this reason; it stops nothing.
    Skipped(String),
}

/// One target's job.
pub struct Job<W> {
    /// The target.
    pub target: TargetId,
    /// What it has to do.
    pub work: Work<W>,
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
    let mut failed_wave = false;
    let work = &work;
    for (wave, jobs) in waves {
        let stopped_by = if failed_wave {
            Some(NotStartedBecause::EarlierWaveFailed)
        } else {
            interrupt
                .requested()
                .then_some(NotStartedBecause::Interrupted)
        };
        if let Some(because) = stopped_by {
            for job in jobs {
                let outcome = never_started(job.work, because);
                summary.push(job.target, outcome);
            }
            continue;
        }
        reporter.event(&wave_started(wave, &jobs));
        let outcomes = concurrently(jobs, parallelism, |job| async move {
            let outcome = match job.work {
                Work::Change(_) if interrupt.requested() => Outcome::NotStarted {
                    because: NotStartedBecause::Interrupted,
                },
                Work::Change(item) => {
                    reporter.event(&WaveEvent::TargetStarted {
                        target: &job.target,
                    });
                    Box::pin(work(job.target.clone(), item)).await
                }
                Work::Unchanged => Outcome::Unchanged,
                Work::Fails(err) => Outcome::failed(&err),
                Work::Skipped(reason) => Outcome::Skipped { reason },
            };
            reporter.event(&WaveEvent::TargetFinished {
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
        reporter.event(&WaveEvent::WaveFinished { wave, failed });
        failed_wave = failed > 0;
        for (target, outcome) in outcomes {
            summary.push(target, outcome);
        }
    }
    summary
}

fn wave_started<W>(wave: u32, jobs: &[Job<W>]) -> WaveEvent<'static> {
    let count = |kind: fn(&Work<W>) -> bool| jobs.iter().filter(|job| kind(&job.work)).count();
    let unchanged = count(|work| matches!(work, Work::Unchanged));
    let skipped = count(|work| matches!(work, Work::Skipped(_)));
    WaveEvent::WaveStarted {
        wave,
        targets: jobs.len() - unchanged - skipped,
        unchanged,
        skipped,
    }
}

/// How a job of a wave that never started ends: unchanged or skipped as it would have been,
/// else not started `because`.
fn never_started<W>(work: Work<W>, because: NotStartedBecause) -> Outcome {
    match work {
        Work::Unchanged => Outcome::Unchanged,
        Work::Skipped(reason) => Outcome::Skipped { reason },
        Work::Change(_) | Work::Fails(_) => Outcome::NotStarted { because },
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use tokio::sync::Notify;

    use super::*;
    use crate::plan::{Resource, ResourceKind};

    fn target(name: &str, wave: u32) -> TargetId {
        TargetId {
            consumer: "c".to_owned(),
            wave,
            resource: Resource {
                kind: ResourceKind::LaunchTemplate,
                name: name.to_owned(),
                account: "444455556666".to_owned(),
                region: "ap-northeast-1".to_owned(),
            },
        }
    }

    fn job(name: &str, wave: u32) -> Job<()> {
        Job {
            target: target(name, wave),
            work: Work::Change(()),
        }
    }

    /// Records which targets finished, in order, and opens `gate` once `opens_after` did.
    struct Recorder {
        finished: Mutex<Vec<String>>,
        gate: Notify,
        opens_after: usize,
    }

    impl Reporter for Recorder {
        fn event(&self, event: &WaveEvent<'_>) {
            if let WaveEvent::TargetFinished { target, .. } = event
                && let Ok(mut finished) = self.finished.lock()
            {
                finished.push(target.resource.name.clone());
                if finished.len() == self.opens_after {
                    self.gate.notify_one();
                }
            }
        }
    }

    fn done() -> Outcome {
        Outcome::Done {
            detail: "moved".to_owned(),
        }
    }

    #[tokio::test]
    async fn a_target_that_ends_frees_its_slot_while_an_earlier_one_still_runs() {
        let jobs: Vec<Job<()>> = ["slow", "a", "b", "c", "d", "e"]
            .iter()
            .map(|name| job(name, 1))
            .collect();
        let recorder = Recorder {
            finished: Mutex::new(Vec::new()),
            gate: Notify::new(),
            opens_after: 5,
        };
        let interrupt = Interrupt::default();
        // The slow target ends only once the five quick ones have: with two slots, that needs
        // the second slot to free as each quick one ends (the bound turns a hang into a failure).
        let run = run(jobs, 2, &recorder, &interrupt, |id, ()| {
            let recorder = &recorder;
            async move {
                if id.resource.name == "slow" {
                    recorder.gate.notified().await;
                }
                done()
            }
        });
        let summary = tokio::time::timeout(std::time::Duration::from_mins(1), run)
            .await
            .expect("the quick targets ended while the slow one ran");
        let finished = recorder
            .finished
            .lock()
            .map(|f| f.clone())
            .unwrap_or_default();
        assert_eq!(finished, ["a", "b", "c", "d", "e", "slow"]);
        let order: Vec<&str> = summary
            .targets
            .iter()
            .map(|t| t.target.resource.name.as_str())
            .collect();
        assert_eq!(order, ["slow", "a", "b", "c", "d", "e"], "plan order");
        assert_eq!(summary.counts.done, 6);
    }

    #[tokio::test]
    async fn after_ctrl_c_every_target_is_counted_once_and_skipped_ones_stop_nothing() {
        let mut jobs = vec![
            job("first", 1),
            Job {
                target: target("new-account", 1),
                work: Work::Skipped("its role cannot be assumed yet".to_owned()),
            },
            job("second", 1),
            job("third", 2),
            job("fourth", 2),
        ];
        jobs.push(Job {
            target: target("same", 2),
            work: Work::Unchanged,
        });
        let recorder = Recorder {
            finished: Mutex::new(Vec::new()),
            gate: Notify::new(),
            opens_after: usize::MAX,
        };
        let interrupt = Interrupt::default();
        let summary = run(jobs, 1, &recorder, &interrupt, |_, ()| {
            let interrupt = &interrupt;
            async move {
                interrupt.request();
                Outcome::Interrupted {
                    done: "default version 1 -> 2".to_owned(),
                    left: "the instance refresh of `web`".to_owned(),
                }
            }
        })
        .await;
        let c = summary.counts;
        assert_eq!(
            (c.interrupted, c.skipped, c.not_started, c.unchanged),
            (1, 1, 3, 1)
        );
        assert_eq!(
            summary.targets.len(),
            c.done + c.unchanged + c.failed + c.skipped + c.not_started + c.interrupted
        );
        let outcomes: Vec<(&str, &Outcome)> = summary
            .targets
            .iter()
            .map(|t| (t.target.resource.name.as_str(), &t.outcome))
            .collect();
        let not_started = Outcome::NotStarted {
            because: NotStartedBecause::Interrupted,
        };
        assert_eq!(outcomes[2], ("second", &not_started));
        assert_eq!(outcomes[3], ("third", &not_started));
        assert_eq!(outcomes[5], ("same", &Outcome::Unchanged));
    }
}
