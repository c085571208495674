//! Waiting out AWS's eventual consistency: the one back-off gold uses when AWS documents that a
//! change is not visible everywhere at once, with a bound and a line that says what gold waits
//! for. Nothing else is retried here: a denial, a missing resource that gold did not just make,
//! a throttle (the SDK's retries handle those) fail or retry elsewhere.
//!
//! What waits, and why (each answer is classified where the call is made, [`super::call`]):
//! - IAM is eventually consistent (IAM User Guide, "Troubleshoot IAM", "Changes that I make are
//!   not always immediately visible"): for seconds after gold creates or changes the build role
//!   or instance profile, Image Builder's `Create`/`UpdateInfrastructureConfiguration` answers
//!   `InvalidParameterValueException` "The provided instance profile does not exist";
//! - Parameter Store validates an `aws:ec2:image` value asynchronously (Systems Manager User
//!   Guide, "Native parameter support for Amazon Machine Image IDs"): the new version becomes
//!   readable later, or never when the value is refused;
//! - AWS RAM answers an association `ASSOCIATING` before it is `ASSOCIATED` (RAM API Reference,
//!   `ResourceShareAssociation`).
//!
//! The bound is the Terraform AWS provider's for the same waits: two minutes for IAM
//! propagation (`PropagationTimeout` of its IAM waiters, used around
//! `CreateInfrastructureConfiguration`) and for an `aws:ec2:image` parameter's validation.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::error::AwsError;

/// How long gold waits for a change to propagate before it gives up.
pub const DEFAULT_BOUND: Duration = Duration::from_mins(2);

/// The pauses between two looks, in units of [`Waits`]'s `unit` (a second): doubling up to 8,
/// then 8 until the bound.
const PAUSES: [u32; 4] = [1, 2, 4, 8];

/// What gold waits for, as its progress line says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiting {
    /// The service whose change has not reached everywhere yet (`IAM`, `Parameter Store`).
    pub service: &'static str,
    /// What is not visible yet (`instance profile sample-imagebuilder is not visible to Image Builder yet`).
    pub what: String,
    /// How long gold will have waited when it looks again.
    pub waited: Duration,
}

impl fmt::Display for Waiting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "waiting for {}: {} ({} s)",
            self.service,
            self.what,
            self.waited.as_secs()
        )
    }
}

/// Receives each progress line of a wait.
pub type WaitReporter = Arc<dyn Fn(&Waiting) + Send + Sync>;

/// How one command waits: where its lines go, and for how long at most.
#[derive(Clone)]
pub struct Waits {
    report: WaitReporter,
    bound: Duration,
    unit: Duration,
}

impl fmt::Debug for Waits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Waits")
            .field("bound", &self.bound)
            .field("unit", &self.unit)
            .finish_non_exhaustive()
    }
}

impl Default for Waits {
    fn default() -> Self {
        Self::new(Arc::new(|_: &Waiting| {}), DEFAULT_BOUND)
    }
}

impl Waits {
    /// Waits that tell `report` about each pause and give up after `bound`.
    pub fn new(report: WaitReporter, bound: Duration) -> Self {
        Self {
            report,
            bound,
            unit: Duration::from_secs(1),
        }
    }

    /// How long a wait lasts at most.
    pub fn bound(&self) -> Duration {
        self.bound
    }

    /// Looks with `check` until it finds what it waits for (`Some`), pausing with a growing
    /// back-off and a line for each pause; `None` once the bound has passed.
    pub(crate) async fn until<T, F, Fut>(
        &self,
        service: &'static str,
        what: &str,
        mut check: F,
    ) -> Result<Option<T>, AwsError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<Option<T>, AwsError>>,
    {
        let mut backoff = Backoff::new(self);
        loop {
            if let Some(found) = check().await? {
                return Ok(Some(found));
            }
            if !backoff.pause(service, what).await {
                return Ok(None);
            }
        }
    }

    /// Runs `attempt` again while AWS answers that a change has not propagated yet
    /// ([`super::error::Reason::NotVisibleYet`]); any other error, or the last one after the bound (with a
    /// hint that says how long gold waited), is returned.
    pub(crate) async fn through<T, F, Fut>(
        &self,
        service: &'static str,
        what: &str,
        mut attempt: F,
    ) -> Result<T, AwsError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, AwsError>>,
    {
        let mut backoff = Backoff::new(self);
        loop {
            match attempt().await {
                Err(err) if err.is_not_visible_yet() => {
                    if !backoff.pause(service, what).await {
                        return Err(self.gave_up(err, service));
                    }
                }
                other => return other,
            }
        }
    }

    /// The error after the bound: AWS's own, with how long gold waited.
    fn gave_up(&self, err: AwsError, service: &str) -> AwsError {
        let hint = format!(
            "gold waited {} s for the change to reach {service} everywhere (AWS documents such delays as seconds to minutes); run the command again later",
            self.bound.as_secs()
        );
        err.with_hint(hint)
    }
}

/// The pauses of one wait, each announced, until the bound.
struct Backoff<'w> {
    waits: &'w Waits,
    started: Instant,
    paused: usize,
}

impl<'w> Backoff<'w> {
    fn new(waits: &'w Waits) -> Self {
        Self {
            waits,
            started: Instant::now(),
            paused: 0,
        }
    }

    /// Pauses before the next look, saying so; `false` (without pausing) once the bound has passed.
    async fn pause(&mut self, service: &'static str, what: &str) -> bool {
        let waited = self.started.elapsed();
        let Some(left) = self
            .waits
            .bound
            .checked_sub(waited)
            .filter(|left| !left.is_zero())
        else {
            return false;
        };
        let units = PAUSES[self.paused.min(PAUSES.len() - 1)];
        let pause = (self.waits.unit * units).min(left);
        self.paused += 1;
        (self.waits.report)(&Waiting {
            service,
            what: what.to_owned(),
            waited: waited + pause,
        });
        tokio::time::sleep(pause).await;
        true
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::super::error::Reason;
    use super::*;

    /// Waits whose pauses last milliseconds, recording each line.
    fn recording(bound: Duration) -> (Waits, Arc<Mutex<Vec<Waiting>>>) {
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = lines.clone();
        let mut waits = Waits::new(
            Arc::new(move |w: &Waiting| {
                if let Ok(mut lines) = sink.lock() {
                    lines.push(w.clone());
                }
            }),
            bound,
        );
        waits.unit = Duration::from_millis(1);
        (waits, lines)
    }

    fn refusal(reason: Option<Reason>) -> AwsError {
        let mut err = super::super::CallSite {
            account: "111122223333".to_owned(),
            region: "ap-northeast-1".to_owned(),
        }
        .answer(
            "CreateInfrastructureConfiguration",
            Some("InvalidParameterValueException".to_owned()),
            "The provided instance profile does not exist.".to_owned(),
        );
        err.reason = reason;
        err
    }

    #[test]
    fn the_line_says_what_gold_waits_for_and_how_long() {
        let line = Waiting {
            service: "IAM",
            what: "instance profile sample-imagebuilder is not visible to Image Builder yet"
                .to_owned(),
            waited: Duration::from_secs(8),
        };
        assert_eq!(
            line.to_string(),
            "waiting for IAM: instance profile sample-imagebuilder is not visible to Image Builder yet (8 s)"
        );
    }

    #[tokio::test]
    async fn a_change_that_propagates_is_tried_again_after_growing_pauses() {
        let (waits, lines) = recording(DEFAULT_BOUND);
        let mut tries = 0;
        let answer = waits
            .through("IAM", "p", || {
                tries += 1;
                let ready = tries > 5;
                async move {
                    if ready {
                        Ok(tries)
                    } else {
                        Err(refusal(Some(Reason::NotVisibleYet)))
                    }
                }
            })
            .await;
        assert_eq!(answer.ok(), Some(6));
        let waited: Vec<Duration> = lines
            .lock()
            .expect("lines")
            .iter()
            .map(|w| w.waited)
            .collect();
        assert_eq!(waited.len(), 5);
        // 1, 2, 4, 8, 8 units: each line counts the pause it announces.
        assert!(waited[4] >= Duration::from_millis(23), "{waited:?}");
        assert!(waited.windows(2).all(|w| w[0] < w[1]), "{waited:?}");
    }

    #[tokio::test]
    async fn a_real_error_fails_at_once_and_a_wait_gives_up_at_the_bound() {
        let (waits, lines) = recording(Duration::from_millis(30));
        let denied = waits
            .through("IAM", "x", || async { Err::<(), _>(refusal(None)) })
            .await
            .expect_err("a denial");
        assert!(denied.hint.is_none(), "{denied:?}");
        assert!(lines.lock().expect("lines").is_empty());

        let started = Instant::now();
        let late = waits
            .through("IAM", "x", || async {
                Err::<(), _>(refusal(Some(Reason::NotVisibleYet)))
            })
            .await
            .expect_err("never visible");
        assert!(started.elapsed() >= Duration::from_millis(30));
        assert_eq!(late.code.as_deref(), Some("InvalidParameterValueException"));
        assert!(
            late.hint
                .as_deref()
                .is_some_and(|h| h.contains("gold waited")),
            "{late:?}"
        );
        let found = waits
            .until("Parameter Store", "x", || async {
                Ok::<Option<()>, _>(None)
            })
            .await;
        assert!(matches!(found, Ok(None)));
    }
}
