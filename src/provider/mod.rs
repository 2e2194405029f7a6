//! Providers: the interface every resource type implements (schema, plan hook, create, read,
//! update, delete, import) and the registry that finds a type by name. `builtin/` holds the
//! provider-free resources; cloud providers live beside it. Nothing here knows the graph.

pub mod async_type;
pub mod aws;
pub mod builtin;
pub mod fleet;
pub mod marks;
pub mod schema;

pub use crate::addrs::{config_address, provider_name_of, source_of};
use crate::lang::value::Value;
pub use async_type::AsyncResourceType;
pub use schema::{AttrSchema, Schema};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;
/// A boxed future that borrows what it was called with.
pub type RefFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What kind of failure an API answered with, whatever the service spells its codes: callers
/// decide on the kind (retry, adopt, count as deleted) instead of matching codes or messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The object does not exist (`InvalidVpcID.NotFound`, `NoSuchEntity`, ...).
    NotFound,
    /// An object of that name or key exists already (`EntityAlreadyExists`, `Duplicate...`).
    AlreadyExists,
    /// Other objects still use it (`DependencyViolation`, `DeleteConflict`, `ResourceInUse`).
    InUse,
    /// Too many requests (`Throttling`, `RequestLimitExceeded`).
    Throttled,
    /// The credentials may not do this, or are no good (`AccessDenied`, `AuthFailure`).
    Denied,
    /// Anything else: a bad argument, a limit, a failure of the service.
    Other,
}

impl ErrorKind {
    /// The kind of an API error code (and, for services that only say `ValidationError`, its
    /// message).
    pub fn of(code: &str, message: &str) -> ErrorKind {
        let has = |part: &str| code.contains(part);
        if code.ends_with("NotFound")
            || code.ends_with(".NotFound")
            || code.ends_with("NotFoundException")
            || code.ends_with("NotFoundError")
            || code.starts_with("NoSuch")
            || code == "QueueDoesNotExist"
            || code == "InvalidPlacementGroup.Unknown"
            || code.ends_with("NotFoundFault")
            || code.ends_with("NonExistentQueue")
            || code == "ValidationError" && message.contains("not found")
        {
            ErrorKind::NotFound
        } else if has("AlreadyExists") || has("Duplicate") || code == "BucketAlreadyOwnedByYou" {
            ErrorKind::AlreadyExists
        } else if code == "DependencyViolation"
            || code == "DeleteConflict"
            || code == "ResourceInUse"
            || code == "VolumeInUse"
            || code == "BucketNotEmpty"
            || code.ends_with(".InUse")
            || code == "ScalingActivityInProgress"
        {
            ErrorKind::InUse
        } else if has("Throttl") || code == "RequestLimitExceeded" || code == "SlowDown" {
            ErrorKind::Throttled
        } else if code == "AccessDenied"
            || code == "AccessDeniedException"
            || code == "AuthFailure"
            || code == "UnauthorizedOperation"
            || code == "ExpiredToken"
            || code == "InvalidClientTokenId"
        {
            ErrorKind::Denied
        } else {
            ErrorKind::Other
        }
    }
}

/// A failed provider call, with the API operation that failed when there was one.
#[derive(Debug, Clone)]
pub struct ProviderError {
    pub operation: String,
    pub message: String,
    /// The API's error code (`DependencyViolation`, `InvalidVpcID.NotFound` ...), when the
    /// failure was an API answer.
    pub code: Option<String>,
    /// What the code means, for callers to decide on.
    pub kind: ErrorKind,
}

impl ProviderError {
    pub fn new(operation: impl Into<String>, message: impl Into<String>) -> ProviderError {
        ProviderError {
            operation: operation.into(),
            message: message.into(),
            code: None,
            kind: ErrorKind::Other,
        }
    }

    pub fn with_code(mut self, code: impl Into<String>) -> ProviderError {
        let code = code.into();
        self.kind = ErrorKind::of(&code, &self.message);
        self.code = Some(code);
        self
    }

    /// Whether the API answered with this error code, or one that starts with it followed by
    /// a dot (`InvalidVpcID` matches `InvalidVpcID.NotFound`).
    pub fn is(&self, code: &str) -> bool {
        self.code.as_deref().is_some_and(|c| c == code)
    }

    /// Whether the API said the object does not exist.
    pub fn is_not_found(&self) -> bool {
        self.kind == ErrorKind::NotFound
    }

    /// Whether an object of that name or key exists already.
    pub fn already_exists(&self) -> bool {
        self.kind == ErrorKind::AlreadyExists
    }

    /// Whether other objects still use the object.
    pub fn in_use(&self) -> bool {
        self.kind == ErrorKind::InUse
    }
}

impl std::fmt::Display for ProviderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.operation, self.message)
    }
}

pub type ProviderResult<T> = Result<T, ProviderError>;

#[cfg(test)]
mod error_kind_tests {
    use super::ErrorKind::{self, *};

    #[test]
    fn codes_of_every_service_map_to_their_kind() {
        for (code, message, kind) in [
            ("InvalidVpcID.NotFound", "", NotFound),
            ("InvalidGroup.NotFound", "", NotFound),
            ("NoSuchEntity", "", NotFound),
            ("NoSuchBucket", "", NotFound),
            (
                "ServerSideEncryptionConfigurationNotFoundError",
                "",
                NotFound,
            ),
            ("BucketAlreadyOwnedByYou", "", AlreadyExists),
            ("BucketNotEmpty", "", InUse),
            ("AWS.SimpleQueueService.NonExistentQueue", "", NotFound),
            ("QueueDoesNotExist", "", NotFound),
            ("InvalidPlacementGroup.Unknown", "", NotFound),
            ("DBSubnetGroupNotFoundFault", "", NotFound),
            ("DBSubnetGroupAlreadyExists", "", AlreadyExists),
            ("InvalidPlacementGroup.Duplicate", "", AlreadyExists),
            ("LoadBalancerNotFound", "", NotFound),
            ("TargetGroupNotFoundException", "", NotFound),
            (
                "ValidationError",
                "AutoScalingGroup name not found - x",
                NotFound,
            ),
            ("ValidationError", "Invalid max size", Other),
            ("EntityAlreadyExists", "", AlreadyExists),
            ("InvalidPermission.Duplicate", "", AlreadyExists),
            ("DuplicateLoadBalancerName", "", AlreadyExists),
            ("RouteAlreadyExists", "", AlreadyExists),
            ("AlreadyExists", "", AlreadyExists),
            ("DependencyViolation", "", InUse),
            ("VolumeInUse", "", InUse),
            ("DeleteConflict", "", InUse),
            ("ResourceInUse", "", InUse),
            ("InvalidIPAddress.InUse", "", InUse),
            ("Throttling", "", Throttled),
            ("RequestLimitExceeded", "", Throttled),
            ("AuthFailure", "", Denied),
            ("AccessDenied", "", Denied),
            ("InvalidParameterValue", "", Other),
        ] {
            assert_eq!(ErrorKind::of(code, message), kind, "{code}: {message}");
        }
    }
}

/// Who is creating an object: what infra tags it with so a crash between the API call and the
/// state write can be recovered by finding the object again.
#[derive(Debug, Clone, Default)]
pub struct CreateContext {
    /// The instance address, `module.net.aws_subnet.private[0]`.
    pub address: String,
    /// The state's lineage.
    pub lineage: String,
    /// What names the configuration leaves to the provider are made from ([`unique_suffix`]).
    /// The engine records it before the call and passes the same one again after a crash, so
    /// an object without tags is found under the name it was given, not orphaned.
    pub token: String,
    /// An earlier apply began this create and died before recording it: the object may
    /// exist, tagged with the lineage and the address.
    pub resumed: bool,
}

/// A suffix no other call makes, as Terraform generates them for `name_prefix`: the UTC time
/// to the tenth of a millisecond (18 digits) and a process-wide counter (8 hex digits).
pub fn unique_suffix() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let secs = now.as_secs();
    let (days, rem) = ((secs / 86_400) as i64, secs % 86_400);
    // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}{month:02}{day:02}{:02}{:02}{:02}{:04}{:08x}",
        rem / 3600,
        rem / 60 % 60,
        rem % 60,
        now.subsec_micros() / 100,
        COUNTER.fetch_add(1, Ordering::Relaxed) + 1
    )
}

/// Objects of one type to read again, and who owns them.
pub struct RefreshBatch {
    pub lineage: String,
    pub priors: Vec<Value>,
}

/// The answer to a [`RefreshBatch`].
pub struct Refreshed {
    /// Per prior object, in order: its current value, or `None` if it is gone.
    pub current: Vec<Option<Value>>,
    /// Objects tagged with the batch's lineage that no prior matched, by the address they are
    /// tagged with: created by an apply that died before recording them.
    pub found: Vec<(String, Value)>,
}

/// What the engine holds of a resource type. Types implement [`AsyncResourceType`] (the same
/// methods as `async fn`s, and the defaults); only wrappers around other types (`marks.rs`, the
/// AWS `region.rs`) implement this trait itself, forwarding every method.
pub trait ResourceType: Send + Sync {
    fn schema(&self) -> &Schema;

    /// The address of the provider configuration, as state records it.
    fn provider_address(&self) -> &str;

    /// Adjusts the planned new state: the generic planner has put config values and kept
    /// prior computed values; this marks computed attributes that will change as unknown.
    fn plan(&self, prior: Option<&Value>, planned: Value) -> Value;

    /// Refuses a planned object the cloud would reject later (at apply, or at boot), with a
    /// message the planner puts next to the resource's address.
    fn validate(&self, planned: &Value) -> Result<(), String>;

    fn create(&self, ctx: CreateContext, planned: Value) -> BoxFuture<ProviderResult<Value>>;

    fn update(&self, prior: Value, planned: Value) -> BoxFuture<ProviderResult<Value>>;

    fn delete(&self, prior: Value) -> BoxFuture<ProviderResult<()>>;

    /// The object as it is now, or `None` if it is gone.
    fn read(&self, prior: Value) -> BoxFuture<ProviderResult<Option<Value>>>;

    /// Reads many objects at once. Cloud types do it with one filtered, paginated call per
    /// type; by default they are read one by one.
    fn refresh(&self, batch: RefreshBatch) -> BoxFuture<ProviderResult<Refreshed>>;

    fn import(&self, id: &str) -> BoxFuture<ProviderResult<Value>>;

    /// Whether the type follows the legacy plugin SDK's rule that an empty string or empty
    /// collection in the configuration means the argument is not set (the AWS provider's
    /// types do): see `instance::zero_values`.
    fn zero_is_unset(&self) -> bool;

    /// Changed attributes that replace this object although their schema does not force it
    /// (an instance's user data with `user_data_replace_on_change`): the planner adds them to
    /// the schema's force-new ones.
    fn replacing(&self, prior: &Value, planned: &Value, changed: &[String]) -> Vec<String>;

    /// Its objects are groups of instances a rollout can replace in batches.
    fn fleet(&self) -> Option<&dyn fleet::Fleet>;
}

/// A data source: reads an object given its configuration.
pub trait DataSource: Send + Sync {
    fn schema(&self) -> &Schema;

    fn read(&self, config: Value) -> BoxFuture<ProviderResult<Value>>;
}

/// The resource and data source types of one configured provider.
#[derive(Clone, Default)]
pub struct Configured {
    pub resources: HashMap<&'static str, Arc<dyn ResourceType>>,
    pub data: HashMap<&'static str, Arc<dyn DataSource>>,
    /// The clients and the evaluated `provider` block (images bake with them, and connect to
    /// other regions with the same settings).
    pub aws: Option<(Arc<aws::Aws>, crate::lang::value::Value)>,
}

/// Every resource type infra knows, by type name, and the provider configurations of this run
/// by address.
#[derive(Clone)]
pub struct Registry {
    types: HashMap<&'static str, Arc<dyn ResourceType>>,
    /// Data sources that need no provider configuration (`terraform_remote_state`).
    builtin_data: HashMap<&'static str, Arc<dyn DataSource>>,
    configured: HashMap<String, Configured>,
}

impl Registry {
    pub fn new() -> Registry {
        let mut types: HashMap<&'static str, Arc<dyn ResourceType>> = HashMap::new();
        types.insert("terraform_data", Arc::new(builtin::TerraformData::new()));
        types.insert("null_resource", Arc::new(builtin::NullResource::new()));
        types.insert("time_sleep", Arc::new(builtin::TimeSleep::new()));
        types.insert("tls_private_key", Arc::new(builtin::tls::PrivateKey::new()));
        use builtin::random::{Kind, Random};
        for (name, kind) in [
            ("random_string", Kind::String),
            ("random_password", Kind::Password),
            ("random_id", Kind::Id),
            ("random_integer", Kind::Integer),
            ("random_uuid", Kind::Uuid),
            ("random_shuffle", Kind::Shuffle),
            ("random_pet", Kind::Pet),
        ] {
            types.insert(name, Arc::new(Random::new(kind)));
        }
        for t in types.values_mut() {
            *t = marks::Unmarked::wrap(t.clone());
        }
        Registry {
            types,
            builtin_data: HashMap::new(),
            configured: HashMap::new(),
        }
    }

    /// Adds a configured provider under its configuration address.
    pub fn add_configured(&mut self, address: String, mut c: Configured) {
        for t in c.resources.values_mut() {
            *t = marks::Unmarked::wrap(t.clone());
        }
        for d in c.data.values_mut() {
            *d = marks::UnmarkedData::wrap(d.clone());
        }
        self.configured.insert(address, c);
    }

    /// Whether a type needs no cloud (its objects live only in state).
    pub fn is_builtin(&self, type_name: &str) -> bool {
        self.types.contains_key(type_name)
    }

    pub fn is_configured(&self, address: &str) -> bool {
        self.configured.contains_key(address)
    }

    /// A type by name: a built-in one, or the type of the default configuration of the
    /// provider its name starts with.
    pub fn get(&self, type_name: &str) -> Option<Arc<dyn ResourceType>> {
        if let Some(t) = self.types.get(type_name) {
            return Some(t.clone());
        }
        let default = config_address(&source_of(provider_name_of(type_name)), None);
        self.get_at(type_name, &default)
    }

    /// A type as the provider configuration at `address` serves it.
    pub fn get_at(&self, type_name: &str, address: &str) -> Option<Arc<dyn ResourceType>> {
        if let Some(t) = self.types.get(type_name) {
            return Some(t.clone());
        }
        self.configured
            .get(address)?
            .resources
            .get(type_name)
            .cloned()
    }

    /// The AWS clients and configuration of the provider configuration at `address`.
    pub fn aws_at(&self, address: &str) -> Option<(Arc<aws::Aws>, crate::lang::value::Value)> {
        self.configured.get(address)?.aws.clone()
    }

    /// Adds a data source that needs no provider configuration.
    pub fn add_builtin_data(&mut self, type_name: &'static str, d: Arc<dyn DataSource>) {
        self.builtin_data
            .insert(type_name, marks::UnmarkedData::wrap(d));
    }

    pub fn data_at(&self, type_name: &str, address: &str) -> Option<Arc<dyn DataSource>> {
        if let Some(d) = self.builtin_data.get(type_name) {
            return Some(d.clone());
        }
        self.configured.get(address)?.data.get(type_name).cloned()
    }

    /// Every resource type name infra knows, configured or not (for suggestions).
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.types.keys().copied().chain(aws::resource_types())
    }
}

impl Default for Registry {
    fn default() -> Registry {
        Registry::new()
    }
}
