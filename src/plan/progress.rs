//! What happens to each resource while a plan is applied (`gold up`, `gold destroy`), told to
//! an [`ApplyReporter`]. The domain owns the vocabulary; `ui/` draws it as spinners, plain lines
//! or JSON events, and tests can record it.

use std::time::Instant;

use serde::Serialize;

use super::Resource;

/// A resource `up` changed.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Changed {
    /// The resource.
    pub resource: Resource,
    /// What happened to it (`created 1.0.1 of`).
    pub done: String,
}

/// Receives what happens to each resource.
pub trait ApplyReporter: Send + Sync {
    /// Something happened to a resource.
    fn event(&self, event: &ApplyEvent<'_>);
}

/// One step of work on one resource. New kinds of event may be added.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[serde(tag = "event")]
pub enum ApplyEvent<'a> {
    /// Work on the resource began.
    #[serde(rename = "resource_started")]
    Started {
        /// The resource.
        resource: &'a Resource,
        /// What is being done (`creating`, `updating`, `deleting`).
        doing: &'a str,
    },
    /// The work succeeded.
    #[serde(rename = "resource_done")]
    Done {
        /// The resource.
        resource: &'a Resource,
        /// What happened (`created 1.0.1 of`, `deleted`).
        message: &'a str,
        /// How long it took.
        seconds: f64,
    },
    /// The work failed.
    #[serde(rename = "resource_failed")]
    Failed {
        /// The resource.
        resource: &'a Resource,
        /// Why, as AWS said it.
        message: &'a str,
        /// How long it took until it failed.
        seconds: f64,
    },
}

/// Runs `work` on `resource`, telling `reporter` when it starts and how it ends.
pub async fn track<T, E: std::fmt::Display>(
    reporter: &dyn ApplyReporter,
    resource: &Resource,
    doing: &str,
    done: &str,
    work: impl std::future::Future<Output = Result<T, E>>,
) -> Result<T, E> {
    reporter.event(&ApplyEvent::Started { resource, doing });
    let started = Instant::now();
    let result = work.await;
    let seconds = started.elapsed().as_secs_f64();
    match &result {
        Ok(_) => reporter.event(&ApplyEvent::Done {
            resource,
            message: done,
            seconds,
        }),
        Err(err) => reporter.event(&ApplyEvent::Failed {
            resource,
            message: &err.to_string(),
            seconds,
        }),
    }
    result
}
