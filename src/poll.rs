//! How often gold looks again at something AWS is doing: a build (`gold build --wait` asks
//! Image Builder's `GetImage`) or an instance refresh (`DescribeInstanceRefreshes`). A change
//! (a new phase, step or percentage) is often followed by another soon, so the next look comes
//! quickly; while nothing changes the wait grows by half each time, so a 30-minute build costs
//! a few dozen calls, not thousands. The wait never drops below the floor nor grows past the
//! cap. Neutral: the producer and the consumer side both poll with it.

use std::time::Duration;

/// The bounds of the polling interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollPolicy {
    floor: Duration,
    cap: Duration,
}

impl Default for PollPolicy {
    fn default() -> Self {
        Self {
            floor: Duration::from_secs(1),
            cap: Duration::from_secs(30),
        }
    }
}

impl PollPolicy {
    /// A policy waiting at least `floor` and at most `cap` (a cap below the floor is the floor).
    pub fn new(floor: Duration, cap: Duration) -> Self {
        let floor = floor.max(Duration::from_millis(10));
        Self {
            floor,
            cap: cap.max(floor),
        }
    }

    /// The shortest wait between two looks.
    pub fn floor(&self) -> Duration {
        self.floor
    }

    /// The longest wait between two looks.
    pub fn cap(&self) -> Duration {
        self.cap
    }

    /// The interval for one watch, starting at the floor.
    pub fn start(self) -> Interval {
        Interval {
            policy: self,
            current: self.floor,
        }
    }
}

/// The adapting wait of one watch.
#[derive(Debug, Clone)]
pub struct Interval {
    policy: PollPolicy,
    current: Duration,
}

impl Interval {
    /// The wait before the next look, given whether the last look saw a change.
    pub fn next(&mut self, changed: bool) -> Duration {
        let wait = if changed {
            self.policy.floor
        } else {
            (self.current + self.current / 2).min(self.policy.cap)
        };
        self.current = wait;
        wait
    }

    /// The longest wait, after a look that could not see anything (a failed read): looking
    /// again soon would only add to whatever trouble AWS is in.
    pub fn longest(&mut self) -> Duration {
        self.current = self.policy.cap;
        self.current
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: f64) -> Duration {
        Duration::from_secs_f64(s)
    }

    #[test]
    fn backs_off_by_half_while_nothing_changes_up_to_the_cap() {
        let mut interval = PollPolicy::new(secs(1.0), secs(4.0)).start();
        let waits: Vec<_> = (0..6).map(|_| interval.next(false)).collect();
        assert_eq!(
            waits,
            [
                secs(1.5),
                secs(2.25),
                secs(3.375),
                secs(4.0),
                secs(4.0),
                secs(4.0)
            ]
        );
    }

    #[test]
    fn a_change_brings_the_next_look_back_to_the_floor() {
        let mut interval = PollPolicy::new(secs(1.0), secs(30.0)).start();
        for _ in 0..20 {
            interval.next(false);
        }
        assert_eq!(interval.next(true), secs(1.0));
        assert_eq!(interval.next(false), secs(1.5));
    }

    #[test]
    fn a_cap_below_the_floor_is_the_floor() {
        let policy = PollPolicy::new(secs(2.0), secs(1.0));
        assert_eq!(policy.cap(), secs(2.0));
        let mut interval = policy.start();
        assert_eq!(interval.next(false), secs(2.0));
        assert_eq!(interval.next(true), secs(2.0));
    }

    #[test]
    fn a_zero_floor_cannot_make_a_busy_loop() {
        let mut interval = PollPolicy::new(Duration::ZERO, Duration::ZERO).start();
        assert!(interval.next(true) >= Duration::from_millis(10));
    }

    #[test]
    fn the_default_suits_a_thirty_minute_build() {
        let policy = PollPolicy::default();
        let mut interval = policy.start();
        let mut waited = Duration::ZERO;
        let mut looks = 0;
        while waited < Duration::from_mins(30) {
            waited += interval.next(false);
            looks += 1;
        }
        assert!(looks < 70, "{looks} looks in 30 minutes");
        assert_eq!(policy.floor(), secs(1.0));
    }
}
