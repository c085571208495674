//! [`CallExt`] turns the result of an SDK call into gold's in one step, naming the account,
//! region, operation and resource, so no adapter writes the error mapping by hand.
//!
//! What an error *means* ([`Reason`]: the resource does not exist, exists already, a limit) is
//! decided once, where the call is made, from the SDK's typed error (`is_no_such_entity_exception()`
//! and the like). Two kinds of answer have no typed variant in the SDK and are matched on the
//! exact code AWS documents instead, never on a fragment of it: every EC2 error (the EC2 service
//! model lists no errors; "Error codes for the Amazon EC2 API"), and Image Builder's
//! `ResourceNotFoundException` on `Delete*` (the operations' models do not list it). One answer
//! has neither a code nor a variant of its own and is told by AWS's fixed wording: Image
//! Builder's `InvalidParameterValueException` "The provided instance profile does not exist"
//! while IAM has not propagated a new profile ([`instance_profile_not_visible`]; the same words
//! the Terraform AWS provider retries on around `CreateInfrastructureConfiguration`).

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use super::error::{AwsError, Reason};
use super::session::Session;

/// Turns the result of an SDK call into gold's, naming the call; see the module docs for how
/// errors are classified.
#[expect(
    clippy::result_large_err,
    reason = "every adapter returns `AwsError` by value; boxing it here alone would buy nothing"
)]
pub(crate) trait CallExt<T, E> {
    /// The result, any error naming `operation` in the session's account and region.
    fn call(self, session: &Session, operation: &'static str) -> Result<T, AwsError>;

    /// [`CallExt::call_on`], with `classify` saying what the typed error means.
    fn call_classified(
        self,
        session: &Session,
        operation: &'static str,
        resource: impl Into<String>,
        classify: impl FnOnce(&E) -> Option<Reason>,
    ) -> Result<T, AwsError>;

    /// [`CallExt::call`], naming the resource too.
    fn call_on(
        self,
        session: &Session,
        operation: &'static str,
        resource: impl Into<String>,
    ) -> Result<T, AwsError>
    where
        Self: Sized,
    {
        self.call_classified(session, operation, resource, |_| None)
    }

    /// `None` when `missing` says the typed error means "does not exist" (a lookup that may
    /// find nothing, a delete of something already gone).
    fn call_found(
        self,
        session: &Session,
        operation: &'static str,
        resource: impl Into<String>,
        missing: impl FnOnce(&E) -> bool,
    ) -> Result<Option<T>, AwsError>
    where
        Self: Sized,
    {
        match self.call_classified(session, operation, resource, |err| {
            missing(err).then_some(Reason::NotFound)
        }) {
            Ok(value) => Ok(Some(value)),
            Err(err) if err.is_not_found() => Ok(None),
            Err(err) => Err(err),
        }
    }
}

impl<T, E> CallExt<T, E> for Result<T, SdkError<E, HttpResponse>>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    fn call(self, session: &Session, operation: &'static str) -> Result<T, AwsError> {
        self.map_err(|err| session.site().error(operation, &err))
    }

    fn call_classified(
        self,
        session: &Session,
        operation: &'static str,
        resource: impl Into<String>,
        classify: impl FnOnce(&E) -> Option<Reason>,
    ) -> Result<T, AwsError> {
        self.map_err(|err| {
            let reason = err.as_service_error().and_then(classify);
            let mut err = session.site().error(operation, &err).on(resource);
            err.reason = reason.or(err.reason);
            err
        })
    }
}

/// Whether an EC2 error is one of `codes` (EC2 errors are never modeled, see the module docs).
pub(crate) fn ec2_code(err: &impl ProvideErrorMetadata, codes: &[&str]) -> bool {
    err.code().is_some_and(|code| codes.contains(&code))
}

/// Whether an Image Builder error is `ResourceNotFoundException`, which the SDK models for few
/// operations although the service answers it for every unknown ARN.
pub(crate) fn image_builder_not_found(err: &impl ProvideErrorMetadata) -> bool {
    err.code() == Some("ResourceNotFoundException")
}

/// The words of Image Builder's answer while an instance profile is not visible to it yet.
const PROFILE_NOT_VISIBLE: &str = "instance profile does not exist";

/// Whether an Image Builder error says the instance profile does not exist: a profile IAM has
/// not propagated yet, or one that really is missing (the caller knows which it can be).
pub(crate) fn instance_profile_not_visible(err: &impl ProvideErrorMetadata) -> bool {
    err.code() == Some("InvalidParameterValueException")
        && err
            .message()
            .is_some_and(|message| message.contains(PROFILE_NOT_VISIBLE))
}
