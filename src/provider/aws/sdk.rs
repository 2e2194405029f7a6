//! The SDK side of the AWS provider: clients built from one shared configuration (region,
//! credentials chain, endpoint overrides from `AWS_ENDPOINT_URL*`, retries), an interceptor that
//! counts API calls per operation, error conversion that keeps the API's error code, and the
//! retry loops AWS asks for beyond the SDK's own (eventual consistency after create, dependents
//! draining before delete).

use crate::provider::{ProviderError, ProviderResult};
use aws_smithy_async::future::pagination_stream::PaginationStream;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// API calls made, by `service:Operation`, counted per attempt (retries count).
#[derive(Debug, Clone, Default)]
pub struct CallCounter(Arc<Mutex<BTreeMap<String, u64>>>);

impl CallCounter {
    pub fn snapshot(&self) -> BTreeMap<String, u64> {
        self.0.lock().map(|m| m.clone()).unwrap_or_default()
    }
}

/// All API calls of this process, across provider configurations (`--stats` prints them).
pub fn global_calls() -> &'static CallCounter {
    static CALLS: std::sync::OnceLock<CallCounter> = std::sync::OnceLock::new();
    CALLS.get_or_init(CallCounter::default)
}

impl Intercept for CallCounter {
    fn name(&self) -> &'static str {
        "infra-call-counter"
    }

    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let op = cfg
            .load::<Metadata>()
            .map(|m| format!("{}:{}", m.service(), m.name()))
            .unwrap_or_else(|| "unknown".into());
        tracing::debug!(operation = %op, "AWS API call");
        if let Ok(mut m) = self.0.lock() {
            *m.entry(op).or_default() += 1;
        }
        Ok(())
    }
}

/// Converts an SDK error into a provider error naming the operation, keeping the error code.
pub fn api_error<E, R>(operation: &str, e: SdkError<E, R>) -> ProviderError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    let code = e.code().map(str::to_string);
    let message = match (e.code(), e.message()) {
        (Some(c), Some(m)) => format!("{c}: {m}"),
        (Some(c), None) => c.to_string(),
        _ => aws_smithy_types::error::display::DisplayErrorContext(&e).to_string(),
    };
    let err = ProviderError::new(operation, message);
    match code {
        Some(c) => err.with_code(c),
        None => err,
    }
}

/// Every item of every page of a paginated call:
/// `ec2.describe_vpcs().into_paginator().items().send().all("ec2:DescribeVpcs").await`.
pub trait AllPages<T> {
    /// The items, or the first failure, named `operation`.
    fn all(
        self,
        operation: &'static str,
    ) -> impl std::future::Future<Output = ProviderResult<Vec<T>>> + Send;
}

impl<T, E, R> AllPages<T> for PaginationStream<Result<T, SdkError<E, R>>>
where
    T: Send,
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
    Self: Send,
{
    async fn all(self, operation: &'static str) -> ProviderResult<Vec<T>> {
        self.collect::<Result<Vec<T>, _>>()
            .await
            .map_err(err(operation))
    }
}

/// `.map_err(err("ec2:CreateVpc"))`.
pub fn err<E, R>(operation: &'static str) -> impl FnOnce(SdkError<E, R>) -> ProviderError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    move |e| api_error(operation, e)
}

/// How long AWS says a newly created object may stay invisible to reads.
/// The error AWS answers for a missing object, made here when a describe call answers with an
/// empty list instead (`id` names the object, `code` is AWS's own code for it).
/// A built request as the future of its call, the answer dropped and a failure named `op`:
/// what `tags::sync` and other calls whose answer says nothing take.
macro_rules! sent {
    ($call:expr, $op:expr) => {{
        let call = $call;
        async move {
            call.send()
                .await
                .map(drop)
                .map_err($crate::provider::aws::sdk::err($op))
        }
    }};
}
pub(crate) use sent;

pub fn not_found(operation: &str, id: &str, code: &str) -> ProviderError {
    ProviderError::new(operation, format!("{id} not found")).with_code(code)
}

pub const EVENTUAL_CONSISTENCY: Duration = Duration::from_secs(120);

/// How long a delete waits for dependents (network interfaces, instances) to drain.
pub const DEPENDENTS_DRAIN: Duration = Duration::from_secs(300);

/// Exponential backoff with full jitter: 200 ms doubling to at most 10 s.
fn backoff(attempt: u32) -> Duration {
    let cap = 10_000u64.min(200u64.saturating_mul(1u64 << attempt.min(16)));
    let jitter = uuid::Uuid::new_v4().as_u128() as u64 % (cap + 1);
    Duration::from_millis(jitter.max(50))
}

/// Runs `f` again while it fails with an error `retryable` accepts, until `limit` has passed.
pub async fn retry_while<T, F, Fut>(
    limit: Duration,
    retryable: impl Fn(&ProviderError) -> bool,
    mut f: F,
) -> ProviderResult<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ProviderResult<T>>,
{
    let start = Instant::now();
    let mut attempt = 0;
    loop {
        match f().await {
            Err(e) if retryable(&e) && start.elapsed() < limit => {
                tracing::debug!(operation = %e.operation, error = %e.message, attempt, "retrying");
                tokio::time::sleep(backoff(attempt)).await;
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// A delete's result with "already gone" counted as success.
pub fn gone_is_ok<T>(r: ProviderResult<T>) -> ProviderResult<()> {
    match r {
        Err(e) if !e.is_not_found() => Err(e),
        _ => Ok(()),
    }
}

/// A not-found answer as `None`, other errors as they are: a lookup of an object that may be
/// gone.
pub fn absent_if_not_found<T>(r: ProviderResult<T>) -> ProviderResult<Option<T>> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

/// Runs a delete again while dependents still hold the object (DependencyViolation), for up
/// to [`DEPENDENTS_DRAIN`]; an object already gone counts as deleted.
pub async fn delete_when_released<T, F, Fut>(delete: F) -> ProviderResult<()>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ProviderResult<T>>,
{
    gone_is_ok(retry_while(DEPENDENTS_DRAIN, |e| e.in_use(), delete).await)
}

/// Polls `probe` until it yields a value, for up to `limit`: waiting for an object to reach a
/// state (a NAT gateway `available`, a group's instances `InService`).
pub async fn wait_for<T, F, Fut>(what: &str, limit: Duration, mut probe: F) -> ProviderResult<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ProviderResult<Option<T>>>,
{
    let start = Instant::now();
    let mut attempt = 0;
    loop {
        if let Some(v) = probe().await? {
            return Ok(v);
        }
        if start.elapsed() >= limit {
            return Err(ProviderError::new(
                "wait",
                format!("timed out after {} s waiting for {what}", limit.as_secs()),
            ));
        }
        tokio::time::sleep(backoff(attempt).min(Duration::from_secs(5))).await;
        attempt += 1;
    }
}

/// The import of a type the AWS provider cannot import either: an error naming the type and
/// what to do instead.
pub fn not_importable(
    type_name: &str,
    id: &str,
    instead: &str,
) -> ProviderResult<crate::lang::value::Value> {
    Err(ProviderError::new(
        "import",
        format!("{type_name} cannot be imported ({id}), as in the AWS provider; {instead}"),
    ))
}
