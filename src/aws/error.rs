//! One error type for every AWS call: it names the account, region, operation and resource,
//! and keeps AWS's own error code and message.

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// An AWS call that failed, with everything a user needs to find out why.
#[derive(Debug, thiserror::Error)]
#[error("{operation} failed in account {account} ({region}){}: {message}", resource_suffix(.resource.as_deref()))]
pub struct AwsError {
    /// The account the call acted in.
    pub account: String,
    /// The region the call went to.
    pub region: String,
    /// The API operation, as AWS names it (`CreateImageRecipe`).
    pub operation: &'static str,
    /// The resource concerned, when there is one.
    pub resource: Option<String>,
    /// AWS's error code (`ResourceNotFoundException`), when AWS answered.
    pub code: Option<String>,
    /// AWS's message, or the transport failure.
    pub message: String,
    /// The likely fix, when gold can tell.
    pub hint: Option<String>,
}

fn resource_suffix(resource: Option<&str>) -> String {
    resource.map(|r| format!(" for `{r}`")).unwrap_or_default()
}

impl AwsError {
    /// Whether AWS said the resource does not exist.
    pub fn is_not_found(&self) -> bool {
        self.code.as_deref().is_some_and(|code| {
            code.contains("NotFound") || code.ends_with(".NotFound") || code == "NoSuchEntity"
        })
    }

    /// Whether AWS said the resource already exists.
    pub fn is_already_exists(&self) -> bool {
        self.code.as_deref().is_some_and(|code| {
            matches!(
                code,
                "ResourceAlreadyExistsException"
                    | "EntityAlreadyExists"
                    | "InvalidGroup.Duplicate"
                    | "InvalidLaunchTemplateName.AlreadyExistsException"
                    | "AlreadyExists"
            )
        })
    }

    /// Adds the resource the call was about.
    #[must_use]
    pub fn on(mut self, resource: impl Into<String>) -> Self {
        self.resource = Some(resource.into());
        self
    }

    /// Adds the likely fix.
    #[must_use]
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

/// Where a call was made: turns SDK errors into [`AwsError`]s that say so.
#[derive(Debug, Clone)]
pub struct CallSite {
    /// Account id.
    pub account: String,
    /// Region name.
    pub region: String,
}

impl CallSite {
    /// Wraps an SDK error from `operation` made here.
    #[expect(
        clippy::needless_pass_by_value,
        reason = "taking the error lets callers write `.map_err(|err| site.error(op, err))`"
    )]
    pub fn error<E, R>(&self, operation: &'static str, err: SdkError<E, R>) -> AwsError
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug,
    {
        let (code, message) = match &err {
            SdkError::ServiceError(service) => {
                let inner = service.err();
                (
                    inner.code().map(str::to_owned),
                    inner
                        .message()
                        .map_or_else(|| inner.to_string(), str::to_owned),
                )
            }
            other => (None, deepest_message(other)),
        };
        let hint = hint_for(code.as_deref(), operation);
        AwsError {
            account: self.account.clone(),
            region: self.region.clone(),
            operation,
            resource: None,
            code,
            message,
            hint,
        }
    }

    /// An error that gold itself detected about an AWS answer.
    pub fn failure(&self, operation: &'static str, message: impl Into<String>) -> AwsError {
        AwsError {
            account: self.account.clone(),
            region: self.region.clone(),
            operation,
            resource: None,
            code: None,
            message: message.into(),
            hint: None,
        }
    }
}

/// Transport and credential failures nest their cause; the innermost message is the useful one.
fn deepest_message(err: &dyn std::error::Error) -> String {
    let mut messages = vec![err.to_string()];
    let mut source = err.source();
    while let Some(cause) = source {
        messages.push(cause.to_string());
        source = cause.source();
    }
    messages.dedup();
    messages.join(": ")
}

fn hint_for(code: Option<&str>, operation: &str) -> Option<String> {
    match code? {
        "AccessDenied" | "AccessDeniedException" | "UnauthorizedOperation" => Some(format!(
            "the credentials lack permission for `{operation}`; check the role's policy"
        )),
        "ExpiredToken" | "ExpiredTokenException" | "RequestExpired" => {
            Some("the credentials expired; refresh them (e.g. `aws sso login`)".to_owned())
        }
        _ => None,
    }
}
