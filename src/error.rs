//! The errors a command can end with, and the exit code each maps to.

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
    Aws(#[from] std::sync::Arc<crate::aws::AwsError>),
    /// An operation ran and did not succeed: a failed build, a failed rollout target (exit 1).
    #[error("{message}")]
    Failed {
        /// What did not succeed.
        message: String,
        /// The likely next step.
        hint: Option<String>,
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
}

impl From<crate::aws::AwsError> for Error {
    fn from(err: crate::aws::AwsError) -> Self {
        Error::Aws(std::sync::Arc::new(err))
    }
}
