//! Credentials per account: the ambient AWS environment, a named profile, or a role assumed
//! from the ambient credentials. Each account's credentials are obtained and checked once
//! (STS `GetCallerIdentity`) and then shared by every region and call.
//!
//! Everything the standard AWS environment offers (`AWS_PROFILE`, `AWS_REGION`,
//! `AWS_ENDPOINT_URL`, SSO, `credential_process`) comes from `aws-config`; gold adds nothing.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_sts::operation::assume_role::AssumeRoleError;
use aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityError;
use aws_smithy_runtime_api::client::interceptors::context::InterceptorContext;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::client::retries::classifiers::{ClassifyRetry, RetryAction};
use tokio::sync::{Mutex, OnceCell};

use super::error::{AwsError, CallSite};

/// How gold obtains credentials for one account.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Access {
    /// The credentials the environment provides.
    Ambient,
    /// A role assumed with the ambient credentials.
    Role(String),
    /// A named profile from the AWS config files.
    Profile(String),
}

impl Access {
    /// The access a manifest entry asks for: a role ARN, a profile, or neither.
    pub fn from_manifest(role_arn: Option<&str>, profile: Option<&str>) -> Self {
        match (role_arn, profile) {
            (Some(role), _) => Access::Role(role.to_owned()),
            (None, Some(profile)) => Access::Profile(profile.to_owned()),
            (None, None) => Access::Ambient,
        }
    }
}

type Verified = Result<SdkConfig, Arc<AwsError>>;

/// One account's credentials, checked once and shared by every caller that asks for them.
type AccountCell = Arc<OnceCell<Verified>>;

/// The credentials of every account gold works in during one command.
pub struct Sessions {
    ambient: SdkConfig,
    accounts: Mutex<HashMap<(String, Access), AccountCell>>,
}

/// Retries absorb throttling and transient 5xx answers; a rollout across many accounts meets both.
fn retry_config() -> RetryConfig {
    RetryConfig::standard()
        .with_max_attempts(10)
        .with_initial_backoff(Duration::from_millis(200))
        .with_max_backoff(Duration::from_secs(20))
}

impl Sessions {
    /// Reads the ambient AWS configuration; no network call is made yet.
    pub async fn load() -> Self {
        let ambient = aws_config::defaults(BehaviorVersion::latest())
            .retry_config(retry_config())
            .load()
            .await;
        Self {
            ambient,
            accounts: Mutex::new(HashMap::new()),
        }
    }

    /// A session acting in `account` in `region`, refusing credentials that act elsewhere.
    pub async fn session(
        &self,
        account: &str,
        access: &Access,
        region: &str,
    ) -> Result<Session, Arc<AwsError>> {
        let cell = {
            let mut accounts = self.accounts.lock().await;
            accounts
                .entry((account.to_owned(), access.clone()))
                .or_default()
                .clone()
        };
        let config = cell
            .get_or_init(|| self.verified(account, access, region))
            .await
            .clone()?;
        Ok(Session::new(&config, account, region))
    }

    /// The ARN of the identity the ambient credentials act as (STS `GetCallerIdentity`, which
    /// needs no permission); `account` and `region` only name the call in an error.
    pub async fn caller_arn(&self, account: &str, region: &str) -> Result<String, AwsError> {
        let config = self.credentials_for(&Access::Ambient, region).await;
        let site = CallSite {
            account: account.to_owned(),
            region: region.to_owned(),
        };
        let identity = aws_sdk_sts::Client::new(&config)
            .get_caller_identity()
            .send()
            .await
            .map_err(|err| access_error(&site, &Access::Ambient, &err))?;
        identity
            .arn()
            .map(str::to_owned)
            .ok_or_else(|| site.failure("GetCallerIdentity", "the answer names no caller ARN"))
    }

    async fn verified(&self, account: &str, access: &Access, region: &str) -> Verified {
        let config = self.credentials_for(access, region).await;
        let site = CallSite {
            account: account.to_owned(),
            region: region.to_owned(),
        };
        let identity = aws_sdk_sts::Client::new(&config)
            .get_caller_identity()
            .send()
            .await
            .map_err(|err| Arc::new(access_error(&site, access, &err)))?;
        let actual = identity.account().unwrap_or_default();
        if actual != account {
            return Err(Arc::new(
                site.failure(
                    "GetCallerIdentity",
                    format!(
                        "the credentials act in account {actual}, not {account}; nothing was changed"
                    ),
                )
                .with_hint(
                    "set `role_arn` or `profile` for this account in the manifest, or switch `AWS_PROFILE`",
                ),
            ));
        }
        Ok(config)
    }

    async fn credentials_for(&self, access: &Access, region: &str) -> SdkConfig {
        let region = Region::new(region.to_owned());
        match access {
            Access::Ambient => self.ambient.to_builder().region(region).build(),
            Access::Profile(profile) => {
                aws_config::defaults(BehaviorVersion::latest())
                    .retry_config(retry_config())
                    .profile_name(profile)
                    .region(region)
                    .load()
                    .await
            }
            Access::Role(role_arn) => {
                let provider = aws_config::sts::AssumeRoleProvider::builder(role_arn)
                    .session_name("gold")
                    .region(region.clone())
                    .configure(&self.ambient)
                    .build()
                    .await;
                // Each account gets its own cache: the shared default holds only 64 identities,
                // so a rollout across more accounts would assume every role again and again.
                self.ambient
                    .to_builder()
                    .region(region)
                    .identity_cache(aws_config::identity::IdentityCache::lazy().build())
                    .credentials_provider(
                        aws_credential_types::provider::SharedCredentialsProvider::new(provider),
                    )
                    .build()
            }
        }
    }
}

/// Why the account's credentials could not be checked. A refused `AssumeRole` surfaces as a
/// failed `GetCallerIdentity` whose credentials provider failed; the error names `AssumeRole`
/// with STS's own code and message instead.
fn access_error(
    site: &CallSite,
    access: &Access,
    err: &SdkError<GetCallerIdentityError, HttpResponse>,
) -> AwsError {
    let unreachable = match err {
        SdkError::DispatchFailure(failure) => failure.is_io() || failure.is_timeout(),
        SdkError::TimeoutError(_) => true,
        _ => false,
    };
    if unreachable {
        return site.error("GetCallerIdentity", err).with_hint(
            "gold could not reach AWS STS; check the network, a proxy, or `AWS_ENDPOINT_URL`",
        );
    }
    match access {
        Access::Role(role) => {
            let err = assume_role_error(err).map_or_else(
                || site.error("GetCallerIdentity", err),
                |refused| site.error("AssumeRole", refused),
            );
            err.on(role.clone()).with_hint(format!(
                "gold could not assume `{role}`; its trust policy must allow the ambient identity to call sts:AssumeRole"
            ))
        }
        Access::Profile(profile) => site
            .error("GetCallerIdentity", err)
            .on(format!("profile {profile}")),
        Access::Ambient => site.error("GetCallerIdentity", err).with_hint(
            "no usable AWS credentials; set AWS_PROFILE, run `aws sso login`, or export AWS_ACCESS_KEY_ID",
        ),
    }
}

/// The `AssumeRole` answer inside a credentials failure, when STS refused the role.
fn assume_role_error<'e>(
    err: &'e (dyn std::error::Error + 'static),
) -> Option<&'e SdkError<AssumeRoleError, HttpResponse>> {
    let mut source = Some(err);
    while let Some(cause) = source {
        if let Some(refused) = cause.downcast_ref::<SdkError<AssumeRoleError, HttpResponse>>() {
            return Some(refused);
        }
        source = cause.source();
    }
    None
}

/// Credentials and region for calls in one account; only `src/aws/` opens clients from it.
#[derive(Clone)]
pub struct Session {
    config: SdkConfig,
    site: CallSite,
}

impl Session {
    fn new(config: &SdkConfig, account: &str, region: &str) -> Self {
        Self {
            config: config
                .to_builder()
                .region(Region::new(region.to_owned()))
                .build(),
            site: CallSite {
                account: account.to_owned(),
                region: region.to_owned(),
            },
        }
    }

    /// The account this session acts in.
    pub fn account(&self) -> &str {
        &self.site.account
    }

    /// The region this session calls.
    pub fn region(&self) -> &str {
        &self.site.region
    }

    /// The same credentials in another region.
    #[must_use]
    pub fn in_region(&self, region: &str) -> Self {
        Self::new(&self.config, &self.site.account, region)
    }

    pub(super) fn site(&self) -> &CallSite {
        &self.site
    }

    /// An Image Builder client.
    pub(super) fn imagebuilder(&self) -> aws_sdk_imagebuilder::Client {
        let config = aws_sdk_imagebuilder::config::Builder::from(&self.config)
            .retry_classifier(TooManyRequests)
            .build();
        aws_sdk_imagebuilder::Client::from_conf(config)
    }

    /// An EC2 client.
    pub(super) fn ec2(&self) -> aws_sdk_ec2::Client {
        let config = aws_sdk_ec2::config::Builder::from(&self.config)
            .retry_classifier(TooManyRequests)
            .build();
        aws_sdk_ec2::Client::from_conf(config)
    }

    /// An IAM client.
    pub(super) fn iam(&self) -> aws_sdk_iam::Client {
        let config = aws_sdk_iam::config::Builder::from(&self.config)
            .retry_classifier(TooManyRequests)
            .build();
        aws_sdk_iam::Client::from_conf(config)
    }

    /// An Auto Scaling client.
    pub(super) fn autoscaling(&self) -> aws_sdk_autoscaling::Client {
        let config = aws_sdk_autoscaling::config::Builder::from(&self.config)
            .retry_classifier(TooManyRequests)
            .build();
        aws_sdk_autoscaling::Client::from_conf(config)
    }
}

/// Image Builder answers `CallRateLimitExceededException` (HTTP 429) as well as the generic
/// `ThrottlingException`; the SDK's default classifiers know neither the code nor the status, so
/// a burst of calls would fail instead of backing off. HTTP 429 means "slow down" for every AWS
/// service, so every client gets this classifier.
#[derive(Debug)]
struct TooManyRequests;

impl ClassifyRetry for TooManyRequests {
    fn classify_retry(&self, ctx: &InterceptorContext) -> RetryAction {
        match ctx.response().map(|response| response.status().as_u16()) {
            Some(429) => RetryAction::throttling_error(),
            _ => RetryAction::NoActionIndicated,
        }
    }

    fn name(&self) -> &'static str {
        "HTTP 429 Too Many Requests"
    }
}
