//! A request to stop (Ctrl-C, from the command) that work on targets honours between steps:
//! a target in flight finishes the step it is in (a new default version is made *and* set, a
//! refresh is started *and* its id kept) and starts no other, so a re-run finds each target in
//! a state it can finish. The command owns the signal; the domain only reads this flag.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::Notify;

/// Shared by the command that listens for Ctrl-C and the work that stops at step boundaries.
#[derive(Debug, Clone, Default)]
pub struct Interrupt(Arc<Inner>);

#[derive(Debug, Default)]
struct Inner {
    requested: AtomicBool,
    changing: AtomicBool,
    notify: Notify,
}

impl Interrupt {
    /// Asks every target to stop after its current step.
    pub fn request(&self) {
        self.0.requested.store(true, Ordering::SeqCst);
        self.0.notify.notify_waiters();
    }

    /// Whether a stop was asked for.
    pub fn requested(&self) -> bool {
        self.0.requested.load(Ordering::SeqCst)
    }

    /// Resolves once a stop is asked for (at once if it already was).
    pub async fn wait(&self) {
        let notified = self.0.notify.notified();
        if self.requested() {
            return;
        }
        notified.await;
    }

    /// Marks that changes have begun: from now on a stop lets steps finish.
    pub fn changes_begin(&self) {
        self.0.changing.store(true, Ordering::SeqCst);
    }

    /// Whether changes have begun (before that, stopping at once leaves nothing half-done).
    pub fn changing(&self) -> bool {
        self.0.changing.load(Ordering::SeqCst)
    }
}
