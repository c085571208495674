//! How gold paces its calls across hundreds of accounts, for every client [`super::Sessions`]
//! opens:
//! 1. one HTTP client (one connection pool, one TLS set-up) shared by every account;
//! 2. at most `calls_per_account` requests of one account on the wire at once, apart from the
//!    number of targets in flight (`--parallelism`): AWS limits request rates per account (and
//!    region), so a wide rollout is bounded by each account's own limits, not across accounts;
//! 3. the SDK's standard retry mode (exponential back-off with full jitter, up to 20 s, 10
//!    attempts), one retry partition per account: a throttled call backs off on its own, an
//!    account that is not throttled keeps its pace, and throttled attempts do not drain the
//!    retry quota (that quota stops retry storms during outages; throttling is answered by
//!    backing off instead). Not the adaptive mode: its client-side limiter starts from the
//!    rate it measured, and one account sees only a handful of gold's calls, so the first
//!    throttle drops that account to 0.5 calls a second with a retry costing 5 tokens; at
//!    1,000 accounts with 30% of calls throttled, that took about 90 s per account;
//! 4. every attempt AWS answered with a throttling error is counted ([`Pacing::throttled`]).
//!
//! AWS facts: "Request throttling for the Amazon EC2 API" (EC2 throttles each account per
//! region, a token bucket per API, `RequestLimitExceeded`); the AWS SDKs and Tools reference
//! guide, "Retry behavior" (standard mode: exponential back-off with jitter; adaptive mode: a
//! client-side token bucket, aws-smithy-runtime's `client_rate_limiter`: minimum fill rate 0.5,
//! retry cost 5); the throttling codes are the SDK's own list
//! (`aws-runtime`'s `THROTTLING_ERRORS`), plus HTTP 429.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_sdk_sts::config::retry::{RetryPartition, TokenBucket};
use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::{Builder as HttpBuilder, ConnectorBuilder, tls};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::AfterDeserializationInterceptorContextRef;
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use tokio::sync::Semaphore;

/// AWS calls of one account on the wire at once unless a command says otherwise: two targets'
/// reads in flight together, or one target's writes, stay well inside the request buckets EC2
/// gives every account (e.g. 100 tokens, 20 a second, for a non-mutating action).
pub const DEFAULT_CALLS_PER_ACCOUNT: usize = 4;

/// The error codes AWS answers a throttled call with (the SDK's `THROTTLING_ERRORS`).
const THROTTLING_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
];

/// What every client of one command shares; cheap to clone.
#[derive(Clone, Debug)]
pub struct Pacing {
    http: SharedHttpClient,
    throttles: Throttles,
    calls_per_account: usize,
    accounts: Arc<Mutex<HashMap<String, AccountPace>>>,
}

/// How the clients of one account are paced: its HTTP client (the shared one, bounded) and
/// its retry partition (its retry quota), plus the shared throttle count.
#[derive(Clone, Debug)]
pub struct AccountPace {
    /// The account's bounded HTTP client.
    pub http: SharedHttpClient,
    /// The account's retry partition.
    pub partition: RetryPartition,
    /// Counts throttled attempts.
    pub throttles: Throttles,
}

impl Pacing {
    /// Pacing for one command, `calls_per_account` calls of one account in flight at most.
    pub fn new(calls_per_account: usize) -> Self {
        Self {
            http: shared_http_client(),
            throttles: Throttles::default(),
            calls_per_account: calls_per_account.max(1),
            accounts: Arc::default(),
        }
    }

    /// How retries go: standard, patient with throttling and transient 5xx answers.
    pub fn retry_config() -> RetryConfig {
        RetryConfig::standard()
            .with_max_attempts(10)
            .with_initial_backoff(Duration::from_millis(200))
            .with_max_backoff(Duration::from_secs(20))
    }

    /// How calls made in `account` are paced, the same for every client of that account.
    pub fn account(&self, account: &str) -> AccountPace {
        let mut accounts = self.accounts.lock().unwrap_or_else(PoisonError::into_inner);
        accounts
            .entry(account.to_owned())
            .or_insert_with(|| AccountPace {
                http: SharedHttpClient::new(AccountCalls {
                    inner: self.http.clone(),
                    permits: Arc::new(Semaphore::new(self.calls_per_account)),
                }),
                partition: RetryPartition::custom(format!("gold-{account}"))
                    .token_bucket(TokenBucket::builder().throttling_retry_cost(0).build())
                    .build(),
                throttles: self.throttles.clone(),
            })
            .clone()
    }

    /// The shared HTTP client, bounded by no account (for loading the ambient credentials).
    pub fn http(&self) -> SharedHttpClient {
        self.http.clone()
    }

    /// How many attempts AWS throttled so far (each was retried after a back-off).
    pub fn throttled(&self) -> u64 {
        self.throttles.0.load(Ordering::Relaxed)
    }
}

/// The SDK's default HTTPS client (rustls, proxy from the environment), built once so every
/// account's clients share its connections.
fn shared_http_client() -> SharedHttpClient {
    HttpBuilder::new().build_with_connector_fn(|settings, components| {
        let mut connector = ConnectorBuilder::default().tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::AwsLc,
        ));
        connector.set_connector_settings(settings.cloned());
        if let Some(components) = components {
            connector.set_sleep_impl(components.sleep_impl());
        }
        connector.set_proxy_config(Some(ProxyConfig::from_env()));
        connector.build()
    })
}

/// One account's HTTP client: the shared one, at most so many requests on the wire at once.
/// A retry's back-off happens outside, so a throttled call waits without holding a permit.
#[derive(Debug)]
struct AccountCalls {
    inner: SharedHttpClient,
    permits: Arc<Semaphore>,
}

impl HttpClient for AccountCalls {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(BoundedConnector {
            inner: self.inner.http_connector(settings, components),
            permits: Arc::clone(&self.permits),
        })
    }
}

#[derive(Debug)]
struct BoundedConnector {
    inner: SharedHttpConnector,
    permits: Arc<Semaphore>,
}

impl HttpConnector for BoundedConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let inner = self.inner.clone();
        let permits = Arc::clone(&self.permits);
        HttpConnectorFuture::new(async move {
            let _permit = permits
                .acquire_owned()
                .await
                .map_err(|closed| ConnectorError::other(closed.into(), None))?;
            inner.call(request).await
        })
    }
}

/// Counts the attempts AWS answered with a throttling error.
#[derive(Clone, Debug, Default)]
pub struct Throttles(Arc<AtomicU64>);

impl Intercept for Throttles {
    fn name(&self) -> &'static str {
        "gold throttle count"
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let response = context.response();
        let status = response.status().as_u16();
        let code = (status >= 400)
            .then(|| {
                error_code(
                    response.headers().get("x-amzn-errortype"),
                    response.body().bytes().unwrap_or_default(),
                )
            })
            .flatten();
        if is_throttling(status, code.as_deref()) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
        Ok(())
    }
}

/// Whether an answer says "slow down".
pub(super) fn is_throttling(status: u16, code: Option<&str>) -> bool {
    status == 429 || code.is_some_and(|code| THROTTLING_CODES.contains(&code))
}

/// AWS's error code in an error answer, whatever the protocol: the `x-amzn-ErrorType` header
/// (REST-JSON), `__type` or `code` in a JSON body (`"prefix#Code"`), `<Code>` in an XML body
/// (query protocols, EC2).
fn error_code(header: Option<&str>, body: &[u8]) -> Option<String> {
    let bare = |text: &str| {
        let text = text.split(':').next().unwrap_or(text);
        text.rsplit('#').next().unwrap_or(text).trim().to_owned()
    };
    if let Some(header) = header {
        return Some(bare(header));
    }
    let body = std::str::from_utf8(body).ok()?;
    if body.trim_start().starts_with('{') {
        let json: serde_json::Value = serde_json::from_str(body).ok()?;
        let code = json.get("__type").or_else(|| json.get("code"))?.as_str()?;
        return Some(bare(code));
    }
    let start = body.find("<Code>")? + "<Code>".len();
    let end = start + body[start..].find("</Code>")?;
    Some(body[start..end].trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttling_is_read_from_every_protocols_error_answer() {
        let ec2 = b"<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors></Response>";
        assert_eq!(
            error_code(None, ec2).as_deref(),
            Some("RequestLimitExceeded")
        );
        let query = b"<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code></Error></ErrorResponse>";
        assert_eq!(error_code(None, query).as_deref(), Some("Throttling"));
        let json = br#"{"__type":"com.amazonaws.organizations#TooManyRequestsException","message":"slow"}"#;
        assert_eq!(
            error_code(None, json).as_deref(),
            Some("TooManyRequestsException")
        );
        assert_eq!(
            error_code(
                Some("ThrottlingException:http://internal.amazon.com/"),
                b"{}"
            )
            .as_deref(),
            Some("ThrottlingException")
        );
        assert!(is_throttling(503, Some("RequestLimitExceeded")));
        assert!(is_throttling(429, None));
        assert!(!is_throttling(503, Some("Unavailable")));
        assert!(!is_throttling(400, Some("InvalidParameterValue")));
        assert_eq!(error_code(None, b"not an error document"), None);
    }
}
