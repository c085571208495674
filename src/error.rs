//! The errors a command can end with, the exit code each maps to, and the JSON object every
//! failure prints with `--output json` ([`ErrorReport`]).

use std::sync::Arc;

use serde::Serialize;

use crate::aws::AwsError;
use crate::manifest::Diagnostic;

/// Why a command did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The manifest or a component document is invalid (exit 2).
    #[error(transparent)]
    Manifest(#[from] crate::manifest::Error),
    /// The command line asked for something that cannot be done (exit 2).
    #[error("{message}")]
    Usage {
        /// What is wrong.
        message: String,
        /// The likely fix.
        hint: Option<String>,
    },
    /// An AWS call failed (exit 1).
    #[error(transparent)]
    Aws(#[from] Arc<AwsError>),
    /// An operation ran and did not succeed: a failed build, failed rollout targets (exit 1).
    #[error("{message}")]
    Failed {
        /// What did not succeed.
        message: String,
        /// The likely next step.
        hint: Option<String>,
        /// Each thing that went wrong, when there are several (one per target, say).
        causes: Vec<Cause>,
    },
    /// The user pressed Ctrl-C (exit 130).
    #[error("interrupted")]
    Interrupted {
        /// What to run to pick up where gold stopped.
        hint: Option<String>,
    },
    /// A file could not be read or written (exit 1).
    #[error("{action} `{path}`")]
    Io {
        /// What gold was doing.
        action: &'static str,
        /// The file.
        path: std::path::PathBuf,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },
}

/// One of several things that went wrong, with its own fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Cause {
    /// What went wrong.
    pub message: String,
    /// The likely fix.
    pub hint: Option<String>,
}

impl From<&Error> for Cause {
    /// An error that is one of several: its message and its hint.
    fn from(err: &Error) -> Self {
        Cause {
            message: err.to_string(),
            hint: err.hint().map(str::to_owned),
        }
    }
}

/// Which kind of error, as `--output json` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The manifest or a component document is invalid.
    Manifest,
    /// The command line asked for something that cannot be done.
    Usage,
    /// An AWS call failed.
    Aws,
    /// An operation ran and did not succeed.
    Failed,
    /// The user pressed Ctrl-C.
    Interrupted,
    /// A file could not be read or written.
    Io,
}

/// A failure as `--output json` prints it: the `error` member of the command's last document.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ErrorReport {
    /// Which kind of error.
    pub kind: ErrorKind,
    /// What went wrong, as the human output's `error:` line says it.
    pub message: String,
    /// Each underlying cause, outermost first.
    pub causes: Vec<Cause>,
    /// The likely fix.
    pub hint: Option<String>,
    /// The process exit code.
    pub exit_code: u8,
    /// For manifest errors: every problem, with `file`, `line`, `column` and `key`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub diagnostics: Vec<Diagnostic>,
    /// For AWS errors: the call that failed, where, and AWS's code and message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aws: Option<AwsError>,
}

impl Error {
    /// The process exit code: 2 for usage and manifest errors, 1 for failed operations.
    #[must_use]
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Manifest(_) | Error::Usage { .. } => 2,
            Error::Aws(_) | Error::Failed { .. } | Error::Io { .. } => 1,
            Error::Interrupted { .. } => 130,
        }
    }

    /// Which kind of error this is.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Manifest(_) => ErrorKind::Manifest,
            Error::Usage { .. } => ErrorKind::Usage,
            Error::Aws(_) => ErrorKind::Aws,
            Error::Failed { .. } => ErrorKind::Failed,
            Error::Interrupted { .. } => ErrorKind::Interrupted,
            Error::Io { .. } => ErrorKind::Io,
        }
    }

    /// A line telling the user what to do next, when gold can tell.
    #[must_use]
    pub fn hint(&self) -> Option<&str> {
        match self {
            Error::Usage { hint, .. }
            | Error::Failed { hint, .. }
            | Error::Interrupted { hint } => hint.as_deref(),
            Error::Aws(err) => err.hint.as_deref(),
            Error::Manifest(_) | Error::Io { .. } => None,
        }
    }

    /// Everything under the message: the listed causes, then the chain of sources.
    #[must_use]
    pub fn causes(&self) -> Vec<Cause> {
        let mut causes = match self {
            Error::Failed { causes, .. } => causes.clone(),
            _ => Vec::new(),
        };
        let mut source = std::error::Error::source(self);
        while let Some(cause) = source {
            causes.push(Cause {
                message: cause.to_string(),
                hint: None,
            });
            source = cause.source();
        }
        causes
    }

    /// The error as `--output json` prints it, with the exit code the command ends with.
    #[must_use]
    pub fn report(&self, exit_code: u8) -> ErrorReport {
        ErrorReport {
            kind: self.kind(),
            message: self.to_string(),
            causes: self.causes(),
            hint: self.hint().map(str::to_owned),
            exit_code,
            diagnostics: match self {
                Error::Manifest(err) => err.diagnostics.clone(),
                _ => Vec::new(),
            },
            aws: match self {
                Error::Aws(err) => Some(AwsError::clone(err)),
                _ => None,
            },
        }
    }

    /// An operation that failed, with a hint and no further causes.
    pub fn failed(message: impl Into<String>, hint: Option<String>) -> Self {
        Error::Failed {
            message: message.into(),
            hint,
            causes: Vec::new(),
        }
    }

    /// Ctrl-C before anything changed (at a prompt, or while gold was still reading).
    #[must_use]
    pub fn interrupted_before_changes() -> Self {
        Error::Interrupted {
            hint: Some("nothing was changed".to_owned()),
        }
    }
}

impl From<AwsError> for Error {
    fn from(err: AwsError) -> Self {
        Error::Aws(Arc::new(err))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_its_exit_code() {
        let usage = Error::Usage {
            message: "no".to_owned(),
            hint: None,
        };
        assert_eq!((usage.kind(), usage.exit_code()), (ErrorKind::Usage, 2));
        let failed = Error::failed("a target failed", Some("run it again".to_owned()));
        assert_eq!((failed.kind(), failed.exit_code()), (ErrorKind::Failed, 1));
        let interrupted = Error::Interrupted { hint: None };
        assert_eq!(interrupted.exit_code(), 130);
    }

    #[test]
    fn the_report_carries_causes_hint_and_the_commands_exit_code() {
        let err = Error::Failed {
            message: "cannot plan 1 consumer target".to_owned(),
            hint: None,
            causes: vec![Cause {
                message:
                    "sample-lt (444455556666/ap-northeast-1): the launch template does not exist"
                        .to_owned(),
                hint: Some("create it".to_owned()),
            }],
        };
        let report = serde_json::to_value(err.report(1)).expect("JSON");
        assert_eq!(report["kind"], "failed");
        assert_eq!(report["exit_code"], 1);
        assert_eq!(report["causes"][0]["hint"], "create it");
        assert!(report.get("diagnostics").is_none());
    }
}
