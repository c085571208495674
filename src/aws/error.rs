//! One error type for every AWS call: it names the account, region, operation and resource,
//! and keeps AWS's own error code and message; `super::call` turns SDK results into it and
//! classifies what an error means ([`Reason`]).

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use serde::Serialize;

use super::permissions::{self, Side};

/// An AWS call that failed, with everything a user needs to find out why.
#[derive(Debug, Clone, thiserror::Error, Serialize, schemars::JsonSchema)]
#[error("{operation} failed in account {account} ({region}){}: {}", resource_suffix(.resource.as_deref()), aws_message(.code.as_deref(), .message))]
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
    /// What the error means for gold, when the call site classified it.
    #[serde(skip)]
    pub reason: Option<Reason>,
}

/// What a failed call means, as far as gold acts on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// The resource does not exist (or is not visible to the caller).
    NotFound,
    /// A resource with that name or version exists already.
    AlreadyExists,
    /// A quota or a one-at-a-time rule refused the call.
    LimitExceeded,
    /// AWS documents this answer as a change that has not reached the service yet (IAM's
    /// eventual consistency); [`super::propagation`] tries again, within its bound.
    NotVisibleYet,
    /// AWS documents the failure as transient: a throttle, a 5xx answer, a timeout or a
    /// connection that failed (the SDK already retried it, with back-off).
    Transient,
}

/// The codes AWS answers a call the caller may not make with (STS and IAM, Image Builder and
/// others, EC2).
const DENIED_CODES: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
];

fn resource_suffix(resource: Option<&str>) -> String {
    resource.map(|r| format!(" for `{r}`")).unwrap_or_default()
}

/// `AccessDenied: User … is not authorized …`: AWS's code, then its message.
fn aws_message(code: Option<&str>, message: &str) -> String {
    match code {
        Some(code) if !message.starts_with(code) => format!("{code}: {message}"),
        _ => message.to_owned(),
    }
}

impl AwsError {
    /// Whether AWS said the resource does not exist.
    pub fn is_not_found(&self) -> bool {
        self.reason == Some(Reason::NotFound)
    }

    /// Whether AWS said the resource already exists.
    pub fn is_already_exists(&self) -> bool {
        self.reason == Some(Reason::AlreadyExists)
    }

    /// Whether AWS answered that a change has not reached the service yet (or, when nothing
    /// changed, that what the call names does not exist for it).
    pub fn is_not_visible_yet(&self) -> bool {
        self.reason == Some(Reason::NotVisibleYet)
    }

    /// Whether AWS refused the call because the caller may not make it.
    pub fn is_denied(&self) -> bool {
        self.code
            .as_deref()
            .is_some_and(|code| DENIED_CODES.contains(&code))
    }

    /// Whether the call failed in a way AWS documents as transient: trying again later may
    /// succeed.
    pub fn is_transient(&self) -> bool {
        self.reason == Some(Reason::Transient)
    }

    /// Whether AWS refused the call for a limit (a quota, one role per instance profile).
    pub fn is_limit_exceeded(&self) -> bool {
        self.reason == Some(Reason::LimitExceeded)
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
    /// Wraps an SDK error from `operation` made here, marked transient when it is.
    pub fn error<E>(&self, operation: &'static str, err: &SdkError<E, HttpResponse>) -> AwsError
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let (code, message, transient) = match err {
            SdkError::ServiceError(service) => {
                let inner = service.err();
                let status = service.raw().status().as_u16();
                (
                    inner.code().map(str::to_owned),
                    inner
                        .message()
                        .map_or_else(|| inner.to_string(), str::to_owned),
                    status >= 500 || super::pacing::is_throttling(status, inner.code()),
                )
            }
            SdkError::TimeoutError(_)
            | SdkError::DispatchFailure(_)
            | SdkError::ResponseError(_) => (None, deepest_message(err), true),
            other => (None, deepest_message(other), false),
        };
        let mut failed = self.answer(operation, code, message);
        failed.reason = transient.then_some(Reason::Transient);
        failed
    }

    /// An error AWS answered with `code` and `message` (or a transport failure without a code).
    pub fn answer(
        &self,
        operation: &'static str,
        code: Option<String>,
        message: String,
    ) -> AwsError {
        let hint = hint_for(code.as_deref(), operation);
        AwsError {
            account: self.account.clone(),
            region: self.region.clone(),
            operation,
            resource: None,
            code,
            message,
            hint,
            reason: None,
        }
    }

    /// An error that gold itself detected about an AWS answer.
    pub fn failure(&self, operation: &'static str, message: impl Into<String>) -> AwsError {
        self.answer(operation, None, message.into())
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
        code if DENIED_CODES.contains(&code) => Some(denied_hint(operation)),
        "ExpiredToken" | "ExpiredTokenException" | "RequestExpired" => {
            Some("the credentials expired; refresh them (e.g. `aws sso login`)".to_owned())
        }
        _ => None,
    }
}

/// What a refused `operation` needs, from the permissions table, and which `gold iam` prints it.
fn denied_hint(operation: &str) -> String {
    let actions = permissions::actions(operation);
    let needs = match actions.as_slice() {
        [] => format!("permission for `{operation}`"),
        actions => format!(
            "{} for `{operation}`",
            actions
                .iter()
                .map(|action| format!("`{action}`"))
                .collect::<Vec<_>>()
                .join(" and ")
        ),
    };
    let commands: Vec<&str> = permissions::sides(operation)
        .into_iter()
        .map(|side| match side {
            Side::Producer => "`gold iam producer`",
            Side::Consumer => "`gold iam consumer`",
            Side::OrganizationReader => "`gold iam organization`",
        })
        .collect();
    if commands.is_empty() {
        return format!("the credentials lack {needs}; check the role's policy");
    }
    format!(
        "the credentials lack {needs}; {} prints the policy gold needs",
        commands.join(" or ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> CallSite {
        CallSite {
            account: "444455556666".to_owned(),
            region: "ap-northeast-1".to_owned(),
        }
    }

    #[test]
    fn the_message_names_the_call_the_resource_and_awss_code() {
        let err = site()
            .answer(
                "AssumeRole",
                Some("AccessDenied".to_owned()),
                "User is not authorized to perform: sts:AssumeRole".to_owned(),
            )
            .on("arn:aws:iam::444455556666:role/GoldRollout");
        assert_eq!(
            err.to_string(),
            "AssumeRole failed in account 444455556666 (ap-northeast-1) for `arn:aws:iam::444455556666:role/GoldRollout`: AccessDenied: User is not authorized to perform: sts:AssumeRole"
        );
        assert!(err.hint.is_some_and(|hint| hint.contains("`AssumeRole`")));
    }

    #[test]
    fn a_denial_names_the_actions_the_operation_needs_and_the_policy_that_holds_them() {
        let err = site().answer(
            "CreateLaunchTemplate",
            Some("UnauthorizedOperation".to_owned()),
            "You are not authorized to perform this operation.".to_owned(),
        );
        assert_eq!(
            err.hint.as_deref(),
            Some(
                "the credentials lack `ec2:CreateLaunchTemplate` and `ec2:CreateTags` for `CreateLaunchTemplate`; `gold iam consumer` prints the policy gold needs"
            )
        );
    }

    #[test]
    fn a_failure_gold_detected_has_no_code() {
        let err = site().failure("GetCallerIdentity", "the credentials act in account 1");
        assert_eq!(
            err.to_string(),
            "GetCallerIdentity failed in account 444455556666 (ap-northeast-1): the credentials act in account 1"
        );
        assert!(!err.is_not_found());
    }
}
