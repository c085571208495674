//! Credentials per account: the ambient AWS environment, a named profile, or a role assumed
//! from the ambient credentials. Each account's credentials are obtained and checked once and
//! then shared by every region and call.
//!
//! A role's account is checked from STS's own answer: `AssumeRole` returns the assumed role's
//! ARN (`AssumedRoleUser.Arn`, `arn:aws:sts::ACCOUNT:assumed-role/…`), so no further
//! `GetCallerIdentity` is needed (STS API reference, `AssumeRole`). Ambient and profile
//! credentials name no account until asked, so they are checked with `GetCallerIdentity`.
//! How calls are paced (calls per account, retries with back-off, throttles counted) is
//! [`super::pacing`]'s.
//!
//! Everything the standard AWS environment offers (`AWS_PROFILE`, `AWS_REGION`,
//! `AWS_ENDPOINT_URL`, SSO, `credential_process`) comes from `aws-config`; gold adds nothing.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError};
use std::time::SystemTime;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{self, ProvideCredentials, SharedCredentialsProvider};
use aws_sdk_sts::operation::assume_role::{AssumeRoleError, AssumeRoleOutput};
use aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityError;
use aws_smithy_runtime_api::client::interceptors::context::InterceptorContext;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::client::retries::classifiers::{ClassifyRetry, RetryAction};
use tokio::sync::{Mutex, OnceCell};

use super::error::{AwsError, CallSite};
use super::pacing::{AccountPace, DEFAULT_CALLS_PER_ACCOUNT, Pacing};
use super::propagation::Waits;

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
    pacing: Pacing,
    waits: Waits,
    accounts: Mutex<HashMap<(String, Access), AccountCell>>,
}

impl Sessions {
    /// Reads the ambient AWS configuration; no network call is made yet.
    pub async fn load() -> Self {
        Self::paced(DEFAULT_CALLS_PER_ACCOUNT).await
    }

    /// [`Sessions::load`], with at most `calls_per_account` calls of one account in flight.
    pub async fn paced(calls_per_account: usize) -> Self {
        let pacing = Pacing::new(calls_per_account);
        let ambient = aws_config::defaults(BehaviorVersion::latest())
            .retry_config(Pacing::retry_config())
            .http_client(pacing.http())
            .load()
            .await;
        Self {
            ambient,
            pacing,
            waits: Waits::default(),
            accounts: Mutex::new(HashMap::new()),
        }
    }

    /// The same sessions, telling `waits` what they wait for while a change propagates.
    #[must_use]
    pub fn waiting(mut self, waits: Waits) -> Self {
        self.waits = waits;
        self
    }

    /// How many calls AWS throttled so far in this command (each absorbed by a retry, or
    /// counted in the error of the call that gave up).
    pub fn throttled(&self) -> u64 {
        self.pacing.throttled()
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
        Ok(self.open(&config, account, region))
    }

    /// A session on `config` in `account`, paced as that account's other sessions.
    fn open(&self, config: &SdkConfig, account: &str, region: &str) -> Session {
        Session::new(
            config,
            account,
            region,
            self.pacing.account(account),
            self.waits.clone(),
        )
    }

    /// The ARN of the identity the ambient credentials act as (STS `GetCallerIdentity`, which
    /// needs no permission); `account` and `region` only name the call in an error.
    pub async fn caller_arn(&self, account: &str, region: &str) -> Result<String, AwsError> {
        let config = self.unassumed(None, region).await;
        let site = CallSite {
            account: account.to_owned(),
            region: region.to_owned(),
        };
        caller(&config, &site, &Access::Ambient)
            .await?
            .arn()
            .map(str::to_owned)
            .ok_or_else(|| site.failure("GetCallerIdentity", "the answer names no caller ARN"))
    }

    /// A session acting in whichever account `access` leads to: the role's account, or the one
    /// STS `GetCallerIdentity` names for a profile or the ambient credentials. For services
    /// the manifest reaches without naming an account (AWS Organizations).
    pub async fn session_as(
        &self,
        access: &Access,
        region: &str,
    ) -> Result<Session, Arc<AwsError>> {
        let profile = match access {
            Access::Role(role) => {
                // Role ARNs are validated with the manifest, so the account field is there.
                let account = role.split(':').nth(4).unwrap_or_default();
                return self.session(account, access, region).await;
            }
            Access::Ambient => None,
            Access::Profile(profile) => Some(profile.as_str()),
        };
        let config = self.unassumed(profile, region).await;
        let site = CallSite {
            account: "(caller)".to_owned(),
            region: region.to_owned(),
        };
        let identity = caller(&config, &site, access).await.map_err(Arc::new)?;
        let account = identity.account().unwrap_or_default();
        Ok(self.open(&config, account, region))
    }

    /// The ambient credentials, or a profile's, in `region`.
    async fn unassumed(&self, profile: Option<&str>, region: &str) -> SdkConfig {
        match profile {
            None => self
                .ambient
                .to_builder()
                .region(Region::new(region.to_owned()))
                .build(),
            Some(profile) => {
                // The profile's own credentials, not the default chain's: that chain takes
                // `AWS_ACCESS_KEY_ID` and friends first, which would act as the ambient
                // identity where the manifest names a profile.
                let around = aws_config::provider_config::ProviderConfig::default()
                    .with_region(Some(Region::new(region.to_owned())))
                    .with_http_client(self.pacing.http());
                let credentials = aws_config::profile::ProfileFileCredentialsProvider::builder()
                    .configure(&around)
                    .profile_name(profile)
                    .build();
                aws_config::defaults(BehaviorVersion::latest())
                    .retry_config(Pacing::retry_config())
                    .http_client(self.pacing.http())
                    .profile_name(profile)
                    .credentials_provider(credentials)
                    .region(Region::new(region.to_owned()))
                    .load()
                    .await
            }
        }
    }

    async fn verified(&self, account: &str, access: &Access, region: &str) -> Verified {
        let site = CallSite {
            account: account.to_owned(),
            region: region.to_owned(),
        };
        let pace = self.pacing.account(account);
        let config = match access {
            Access::Role(role) => return self.assumed(&site, role, &pace).await,
            Access::Ambient => self.unassumed(None, region).await,
            Access::Profile(profile) => self.unassumed(Some(profile), region).await,
        };
        let identity = sts(&config, &pace)
            .get_caller_identity()
            .send()
            .await
            .map_err(|err| Arc::new(identity_error(&site, access, &err)))?;
        let actual = identity.account().unwrap_or_default();
        if actual != account {
            return Err(Arc::new(wrong_account(&site, "GetCallerIdentity", actual)));
        }
        Ok(config)
    }

    /// Assumes `role` with the ambient credentials; the answer names the account it acts in.
    async fn assumed(&self, site: &CallSite, role: &str, pace: &AccountPace) -> Verified {
        let config = self
            .ambient
            .to_builder()
            .region(Region::new(site.region.clone()))
            .build();
        let role = AssumedRole {
            sts: sts(&config, pace),
            role: role.to_owned(),
            first: std::sync::Mutex::new(None),
        };
        let answer = role.assume().await.map_err(|err| {
            let unreachable = unreachable_hint(&err);
            let err = site.error("AssumeRole", &err).on(role.role.clone());
            Arc::new(match unreachable {
                Some(hint) => err.with_hint(hint),
                None => err.with_hint(format!(
                    "gold could not assume `{}`; its trust policy must allow the ambient identity to call sts:AssumeRole",
                    role.role
                )),
            })
        })?;
        let actual = answer
            .assumed_role_user()
            .and_then(|user| user.arn().split(':').nth(4))
            .unwrap_or_default();
        if actual != site.account {
            return Err(Arc::new(
                wrong_account(site, "AssumeRole", actual).on(role.role.clone()),
            ));
        }
        let first = answer.credentials().map(credentials).ok_or_else(|| {
            Arc::new(site.failure("AssumeRole", "STS answered without credentials"))
        })?;
        *role.first.lock().unwrap_or_else(PoisonError::into_inner) = Some(first);
        // Each account gets its own cache: the shared default holds only 64 identities,
        // so a rollout across more accounts would assume every role again and again.
        Ok(config
            .to_builder()
            .identity_cache(aws_config::identity::IdentityCache::lazy().build())
            .credentials_provider(SharedCredentialsProvider::new(role))
            .build())
    }
}

/// Who `config`'s credentials act as (STS `GetCallerIdentity`, which needs no permission).
async fn caller(
    config: &SdkConfig,
    site: &CallSite,
    access: &Access,
) -> Result<aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityOutput, AwsError> {
    aws_sdk_sts::Client::new(config)
        .get_caller_identity()
        .send()
        .await
        .map_err(|err| identity_error(site, access, &err))
}

/// An STS client for one account's credentials, paced as that account's other clients.
fn sts(config: &SdkConfig, pace: &AccountPace) -> aws_sdk_sts::Client {
    let config = aws_sdk_sts::config::Builder::from(config)
        .http_client(pace.http.clone())
        .retry_partition(pace.partition.clone())
        .interceptor(pace.throttles.clone())
        .build();
    aws_sdk_sts::Client::from_conf(config)
}

/// A role's credentials: the answer of the `AssumeRole` that checked the account first, then a
/// new `AssumeRole` each time the identity cache finds them about to expire.
#[derive(Debug)]
struct AssumedRole {
    sts: aws_sdk_sts::Client,
    role: String,
    first: std::sync::Mutex<Option<Credentials>>,
}

impl AssumedRole {
    async fn assume(
        &self,
    ) -> Result<AssumeRoleOutput, aws_sdk_sts::error::SdkError<AssumeRoleError>> {
        self.sts
            .assume_role()
            .role_arn(&self.role)
            .role_session_name("gold")
            .send()
            .await
    }
}

impl ProvideCredentials for AssumedRole {
    fn provide_credentials<'a>(&'a self) -> provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        provider::future::ProvideCredentials::new(async move {
            let first = self
                .first
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take();
            if let Some(first) = first {
                return Ok(first);
            }
            let answer = self
                .assume()
                .await
                .map_err(CredentialsError::provider_error)?;
            answer.credentials().map(credentials).ok_or_else(|| {
                CredentialsError::provider_error("STS answered AssumeRole without credentials")
            })
        })
    }
}

fn credentials(answer: &aws_sdk_sts::types::Credentials) -> Credentials {
    Credentials::new(
        answer.access_key_id(),
        answer.secret_access_key(),
        Some(answer.session_token().to_owned()),
        SystemTime::try_from(*answer.expiration()).ok(),
        "gold AssumeRole",
    )
}

fn wrong_account(site: &CallSite, operation: &'static str, actual: &str) -> AwsError {
    site.failure(
        operation,
        format!(
            "the credentials act in account {actual}, not {}; nothing was changed",
            site.account
        ),
    )
    .with_hint(
        "set `role_arn` or `profile` for this account in the manifest, or switch `AWS_PROFILE`",
    )
}

/// The hint for a call that never reached AWS.
fn unreachable_hint<E, R>(err: &SdkError<E, R>) -> Option<&'static str> {
    let unreachable = match err {
        SdkError::DispatchFailure(failure) => failure.is_io() || failure.is_timeout(),
        SdkError::TimeoutError(_) => true,
        _ => false,
    };
    unreachable.then_some(
        "gold could not reach AWS STS; check the network, a proxy, or `AWS_ENDPOINT_URL`",
    )
}

/// Why ambient or profile credentials could not be checked.
fn identity_error(
    site: &CallSite,
    access: &Access,
    err: &SdkError<GetCallerIdentityError, HttpResponse>,
) -> AwsError {
    let failed = site.error("GetCallerIdentity", err);
    if let Some(hint) = unreachable_hint(err) {
        return failed.with_hint(hint);
    }
    match access {
        Access::Profile(profile) => failed.on(format!("profile {profile}")),
        Access::Ambient | Access::Role(_) => failed.with_hint(
            "no usable AWS credentials; set AWS_PROFILE, run `aws sso login`, or export AWS_ACCESS_KEY_ID",
        ),
    }
}

/// Credentials and region for calls in one account; only `src/aws/` opens clients from it.
#[derive(Clone)]
pub struct Session {
    config: SdkConfig,
    site: CallSite,
    pace: AccountPace,
    waits: Waits,
}

/// One service's client on the session's configuration, with the HTTP 429 classifier every
/// client gets; `paced` adds the account's retry partition and throttle count
/// ([`super::pacing`]). Each SDK crate has its own `config::Builder` with no trait in common,
/// so the clients are written once here as a macro.
macro_rules! client {
    ($session:expr, $sdk:ident) => {
        $sdk::Client::from_conf(
            $sdk::config::Builder::from(&$session.config)
                .retry_classifier(TooManyRequests)
                .build(),
        )
    };
    ($session:expr, $sdk:ident, paced) => {
        $sdk::Client::from_conf(
            $sdk::config::Builder::from(&$session.config)
                .retry_classifier(TooManyRequests)
                .retry_partition($session.pace.partition.clone())
                .interceptor($session.pace.throttles.clone())
                .build(),
        )
    };
}

impl Session {
    fn new(
        config: &SdkConfig,
        account: &str,
        region: &str,
        pace: AccountPace,
        waits: Waits,
    ) -> Self {
        Self {
            config: config
                .to_builder()
                .region(Region::new(region.to_owned()))
                .http_client(pace.http.clone())
                .build(),
            site: CallSite {
                account: account.to_owned(),
                region: region.to_owned(),
            },
            pace,
            waits,
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
        Self::new(
            &self.config,
            &self.site.account,
            region,
            self.pace.clone(),
            self.waits.clone(),
        )
    }

    pub(super) fn site(&self) -> &CallSite {
        &self.site
    }

    /// An error gold itself found about an AWS answer in this account and region.
    pub fn failure(&self, operation: &'static str, message: impl Into<String>) -> AwsError {
        self.site.failure(operation, message)
    }

    /// How this command waits for changes to propagate.
    pub fn waits(&self) -> &Waits {
        &self.waits
    }

    /// An Image Builder client.
    pub(super) fn imagebuilder(&self) -> aws_sdk_imagebuilder::Client {
        client!(self, aws_sdk_imagebuilder, paced)
    }

    /// An EC2 client.
    pub(super) fn ec2(&self) -> aws_sdk_ec2::Client {
        client!(self, aws_sdk_ec2, paced)
    }

    /// An IAM client.
    pub(super) fn iam(&self) -> aws_sdk_iam::Client {
        client!(self, aws_sdk_iam, paced)
    }

    /// A KMS client.
    pub(super) fn kms(&self) -> aws_sdk_kms::Client {
        client!(self, aws_sdk_kms, paced)
    }

    /// An AWS RAM client.
    pub(super) fn ram(&self) -> aws_sdk_ram::Client {
        client!(self, aws_sdk_ram)
    }

    /// An AWS Organizations client.
    pub(super) fn organizations(&self) -> aws_sdk_organizations::Client {
        client!(self, aws_sdk_organizations)
    }

    /// An Auto Scaling client.
    pub(super) fn autoscaling(&self) -> aws_sdk_autoscaling::Client {
        client!(self, aws_sdk_autoscaling, paced)
    }

    /// An SSM (Parameter Store) client.
    pub(super) fn ssm(&self) -> aws_sdk_ssm::Client {
        client!(self, aws_sdk_ssm)
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
