//! The S3 backend, in Terraform's layout so both tools share a bucket: the state object at
//! `key` (`<workspace_key_prefix>/<name>/<key>` for other workspaces), the lock as
//! `<key>.tflock` created with `If-None-Match: *` and/or a DynamoDB item `LockID = bucket/key`
//! (with the `bucket/key-md5` digest item Terraform keeps and checks). Writes are conditional
//! on the ETag read (`If-Match`), so a runner that lost its lock never overwrites a newer state.
//! The apply journal lives beside the state as `<key>.journal/<run id>`, uploaded at most every
//! second, so a killed runner's successor on another machine finds the work it did.

use super::blocking::Bridge;
use super::settings::S3Settings;
use super::{Backend, Storage};
use crate::diag::Diagnostic;
use crate::state::journal::{self, Entry};
use crate::state::lock::{LockInfo, held_error};
use crate::state::model::{FORMAT_VERSION, State};
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_s3::primitives::ByteStream;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How often journal entries are uploaded while an apply runs.
const JOURNAL_EVERY: Duration = Duration::from_secs(1);
/// How long a state whose digest does not match is re-read before giving up (S3 was eventually
/// consistent once; Terraform waits as long).
const DIGEST_WAIT: Duration = Duration::from_secs(10);

/// An object's bytes and its ETag.
type Object = (Vec<u8>, Option<String>);

struct Shared {
    settings: S3Settings,
    bridge: Bridge,
    s3: aws_sdk_s3::Client,
    dynamodb: Option<aws_sdk_dynamodb::Client>,
    sts: aws_sdk_sts::Client,
}

pub struct S3Backend {
    shared: Arc<Shared>,
}

/// An API failure: the operation, the error code and HTTP status, the message.
#[derive(Debug, Clone)]
struct ApiError {
    operation: &'static str,
    code: String,
    status: Option<u16>,
    message: String,
}

impl ApiError {
    fn of<E: ProvideErrorMetadata + std::error::Error + 'static>(
        operation: &'static str,
        e: SdkError<E, HttpResponse>,
    ) -> ApiError {
        let status = e.raw_response().map(|r| r.status().as_u16());
        let (code, message) = match e.as_service_error() {
            Some(se) => (
                se.code().unwrap_or("").to_string(),
                se.message().unwrap_or("").to_string(),
            ),
            None => (String::new(), source_chain(&e)),
        };
        ApiError {
            operation,
            code,
            status,
            message,
        }
    }

    /// A conditional request lost: 412 PreconditionFailed, or 409 ConditionalRequestConflict
    /// (a concurrent conditional write on AWS).
    fn is_condition_failed(&self) -> bool {
        matches!(self.status, Some(412) | Some(409))
            || self.code == "PreconditionFailed"
            || self.code == "ConditionalRequestConflict"
            || self.code == "ConditionalCheckFailedException"
    }

    fn is_not_found(&self) -> bool {
        self.status == Some(404) || self.code == "NoSuchKey" || self.code == "NotFound"
    }

    fn is_no_bucket(&self) -> bool {
        self.code == "NoSuchBucket" || (self.operation == "HeadBucket" && self.status == Some(404))
    }

    fn is_denied(&self) -> bool {
        self.status == Some(403) || self.code == "AccessDenied" || self.code == "Forbidden"
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.operation)?;
        match (&self.code, self.status) {
            (c, Some(s)) if !c.is_empty() => write!(f, " ({c}, HTTP {s})")?,
            (c, None) if !c.is_empty() => write!(f, " ({c})")?,
            (_, Some(s)) => write!(f, " (HTTP {s})")?,
            _ => {}
        }
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        Ok(())
    }
}

fn source_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

async fn sdk_config(s: &S3Settings) -> aws_config::SdkConfig {
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
            aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https();
    let mut loader =
        aws_config::defaults(aws_config::BehaviorVersion::latest()).http_client(http.clone());
    if let Some(r) = &s.region {
        loader = loader.region(aws_config::Region::new(r.clone()));
    }
    if let Some(p) = &s.profile {
        loader = loader.profile_name(p);
    }
    if !s.shared_credentials_files.is_empty() || !s.shared_config_files.is_empty() {
        loader = loader.profile_files(profile_files(s));
    }
    if let (Some(a), Some(k)) = (&s.access_key, &s.secret_key) {
        loader = loader.credentials_provider(aws_sdk_s3::config::Credentials::new(
            a,
            k,
            s.token.clone(),
            None,
            "infra-backend-config",
        ));
    }
    // Terraform's default is 5 attempts for the backend.
    let attempts = s.max_retries.unwrap_or(5).min(100) + 1;
    loader = loader.retry_config(
        aws_config::retry::RetryConfig::standard()
            .with_max_attempts(attempts)
            .with_initial_backoff(Duration::from_millis(200))
            .with_max_backoff(Duration::from_secs(20)),
    );
    let base = loader.load().await;
    let Some(role) = &s.assume_role else {
        return base;
    };
    let mut sts_conf = base.to_builder();
    if let Some(e) = &s.endpoint_sts {
        sts_conf.set_endpoint_url(Some(e.clone()));
    }
    let sts_conf = sts_conf.build();
    let mut b = aws_config::sts::AssumeRoleProvider::builder(role.role_arn.clone())
        .session_name(
            role.session_name
                .clone()
                .unwrap_or_else(|| "infra-backend".into()),
        )
        .configure(&sts_conf);
    if let Some(x) = &role.external_id {
        b = b.external_id(x);
    }
    if let Some(p) = &role.policy {
        b = b.policy(p);
    }
    if let Some(d) = role.duration_seconds {
        b = b.session_length(Duration::from_secs(d));
    }
    let provider = b.build().await;
    base.to_builder()
        .credentials_provider(aws_sdk_s3::config::SharedCredentialsProvider::new(provider))
        .build()
}

/// The shared credentials and config files the settings name, with the defaults for a kind
/// they name none of. (The SDK's new name for these types lives in a crate infra does not
/// depend on directly.)
#[allow(deprecated)]
fn profile_files(s: &S3Settings) -> aws_config::profile::profile_file::ProfileFiles {
    use aws_config::profile::profile_file::{ProfileFileKind, ProfileFiles};
    let mut files = ProfileFiles::builder()
        .include_default_config_file(s.shared_config_files.is_empty())
        .include_default_credentials_file(s.shared_credentials_files.is_empty());
    for f in &s.shared_credentials_files {
        files = files.with_file(ProfileFileKind::Credentials, expand_home(f));
    }
    for f in &s.shared_config_files {
        files = files.with_file(ProfileFileKind::Config, expand_home(f));
    }
    files.build()
}

fn expand_home(p: &str) -> PathBuf {
    match (p.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(p),
    }
}

impl S3Backend {
    /// Connects the clients the settings describe (no API call is made).
    pub fn connect(settings: S3Settings) -> Result<S3Backend, Diagnostic> {
        let bridge = Bridge::new()
            .map_err(|e| Diagnostic::plain("Failed to start the s3 backend", e.to_string()))?;
        let s = settings.clone();
        let conf = bridge.run(async move { sdk_config(&s).await });
        // Once, here: otherwise every call fails with the SDK's whole credential chain.
        if let Some(p) = conf.credentials_provider() {
            use aws_sdk_s3::config::ProvideCredentials;
            if let Err(e) = bridge.run(async move { p.provide_credentials().await }) {
                return Err(Diagnostic::plain(
                    "No credentials for the state backend",
                    crate::aws_env::missing_credentials(
                        &format!("s3://{}/{}", settings.bucket, settings.key),
                        &e,
                    ),
                ));
            }
        }
        let mut s3 = aws_sdk_s3::config::Builder::from(&conf)
            .force_path_style(settings.use_path_style)
            // Checksums only where S3 requires them: S3-compatible stores reject the others.
            .request_checksum_calculation(
                aws_sdk_s3::config::RequestChecksumCalculation::WhenRequired,
            );
        if let Some(e) = &settings.endpoint_s3 {
            s3 = s3.endpoint_url(e);
        }
        let dynamodb = settings.dynamodb_table.as_ref().map(|_| {
            let mut d = aws_sdk_dynamodb::config::Builder::from(&conf);
            if let Some(e) = &settings.endpoint_dynamodb {
                d = d.endpoint_url(e);
            }
            aws_sdk_dynamodb::Client::from_conf(d.build())
        });
        let mut sts = aws_sdk_sts::config::Builder::from(&conf);
        if let Some(e) = &settings.endpoint_sts {
            sts = sts.endpoint_url(e);
        }
        Ok(S3Backend {
            shared: Arc::new(Shared {
                settings,
                s3: aws_sdk_s3::Client::from_conf(s3.build()),
                dynamodb,
                sts: aws_sdk_sts::Client::from_conf(sts.build()),
                bridge,
            }),
        })
    }

    /// `infra init`'s checks: the credentials work (unless skip_credentials_validation), the
    /// bucket exists and may be read, and the lock table exists when one is named. Returns
    /// whose credentials these are (an ARN), when they were checked.
    pub fn check(&self) -> Result<Option<String>, Diagnostic> {
        let sh = self.shared.clone();
        let s = &self.shared.settings;
        let place = format!("s3://{}/{}", s.bucket, s.key);
        let mut identity = None;
        if !s.skip_credentials_validation {
            let sts = sh.sts.clone();
            identity = self
                .shared
                .bridge
                .run(async move { sts.get_caller_identity().send().await })
                .map_err(|e| {
                    let e = ApiError::of("GetCallerIdentity", e);
                    Diagnostic::plain(
                        "Invalid backend credentials",
                        format!("{place}: the credentials were refused: {e}. Set them through the AWS environment, profile or shared_credentials_files, or set skip_credentials_validation = true for an S3-compatible store."),
                    )
                })?
                .arn()
                .map(str::to_string);
        }
        let s3 = sh.s3.clone();
        let bucket = s.bucket.clone();
        self.shared
            .bridge
            .run(async move { s3.head_bucket().bucket(bucket).send().await })
            .map_err(|e| bucket_error(&ApiError::of("HeadBucket", e), s))?;
        if let (Some(ddb), Some(table)) = (sh.dynamodb.clone(), s.dynamodb_table.clone()) {
            let t = table.clone();
            self.shared
                .bridge
                .run(async move { ddb.describe_table().table_name(t).send().await })
                .map_err(|e| {
                    let e = ApiError::of("DescribeTable", e);
                    Diagnostic::plain(
                        "Invalid lock table",
                        format!("{place}: the DynamoDB table {table:?} (dynamodb_table) cannot be used: {e}. It needs a string partition key named LockID."),
                    )
                })?;
        }
        Ok(identity)
    }
}

impl Backend for S3Backend {
    fn storage(&self, workspace: &str) -> Result<Box<dyn Storage>, Diagnostic> {
        Ok(Box::new(S3Storage::new(self.shared.clone(), workspace)))
    }

    fn workspaces(&self) -> Result<Vec<String>, Diagnostic> {
        let s = &self.shared.settings;
        let keys = list_keys(&self.shared, format!("{}/", s.workspace_key_prefix))
            .map(|found| found.into_iter().map(|(_, k)| k).collect::<Vec<_>>())
            .map_err(|e| {
                Diagnostic::plain(
                    "Failed to list workspaces",
                    format!("s3://{}/{}: {e}", s.bucket, s.workspace_key_prefix),
                )
            })?;
        let mut names: Vec<String> = keys
            .iter()
            .filter_map(|k| workspace_of(k, &s.workspace_key_prefix, &s.key))
            .filter(|n| n != "default")
            .collect();
        names.sort();
        names.dedup();
        names.insert(0, "default".into());
        Ok(names)
    }
}

/// Every object under `prefix`, all pages: (last modified, key).
fn list_keys(sh: &Shared, prefix: String) -> Result<Vec<(Option<i128>, String)>, ApiError> {
    let s3 = sh.s3.clone();
    let bucket = sh.settings.bucket.clone();
    sh.bridge.run(async move {
        let mut found = Vec::new();
        let mut pages = s3
            .list_objects_v2()
            .bucket(bucket)
            .prefix(prefix)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| ApiError::of("ListObjectsV2", e))?;
            for o in page.contents() {
                if let Some(k) = o.key() {
                    found.push((o.last_modified().map(|t| t.as_nanos()), k.to_string()));
                }
            }
        }
        Ok(found)
    })
}

/// Why the state bucket cannot be used, naming bucket and key.
fn bucket_error(e: &ApiError, s: &S3Settings) -> Diagnostic {
    let why = if e.is_no_bucket() {
        format!(
            "the bucket {:?} does not exist (in region {}). Create it (with versioning on) first.",
            s.bucket,
            s.region.as_deref().unwrap_or("?")
        )
    } else if e.is_denied() {
        format!(
            "access to the bucket {:?} is denied to these credentials ({e}). They need s3:ListBucket on the bucket and s3:GetObject, s3:PutObject and s3:DeleteObject on the key and its .tflock.",
            s.bucket
        )
    } else {
        format!("the bucket {:?} cannot be reached: {e}.", s.bucket)
    };
    Diagnostic::plain(
        "Cannot use the state bucket",
        format!("s3://{}/{}: {why}", s.bucket, s.key),
    )
}

/// The workspace a listed key is the state of: `<prefix>/<name>/<key>` exactly.
fn workspace_of(object: &str, prefix: &str, key: &str) -> Option<String> {
    let rest = object.strip_prefix(prefix)?.strip_prefix('/')?;
    let (name, tail) = rest.split_once('/')?;
    (tail == key && !name.is_empty()).then(|| name.to_string())
}

/// The entries since the state was last written, and how far they have been uploaded. Appends
/// take only this (synchronous, short) lock; uploads and the delete after a state write are
/// serialised by `RemoteJournal::upload`, so an upload in flight never lands after a delete.
#[derive(Default)]
struct JournalBuffer {
    lines: Vec<u8>,
    /// Bumped by every append (and by a clear).
    generation: u64,
    /// The generation the journal object holds.
    uploaded_generation: u64,
    /// Whether a journal object may exist (uploaded by us, or found at open).
    uploaded: bool,
    error: Option<String>,
}

#[derive(Clone)]
struct RemoteJournal {
    buffer: Arc<std::sync::Mutex<JournalBuffer>>,
    upload: Arc<tokio::sync::Mutex<()>>,
    s3: aws_sdk_s3::Client,
    bucket: String,
    key: String,
}

impl RemoteJournal {
    fn buffer(&self) -> std::sync::MutexGuard<'_, JournalBuffer> {
        // A panic elsewhere never leaves the buffer half-written: keep using it.
        self.buffer.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn append(&self, line: &[u8]) {
        let mut b = self.buffer();
        b.lines.extend_from_slice(line);
        b.generation += 1;
    }

    /// Uploads the whole journal when it has entries the object lacks; the last error, if any.
    async fn flush(&self) -> Option<String> {
        let _one_at_a_time = self.upload.lock().await;
        let (bytes, generation) = {
            let b = self.buffer();
            if b.generation == b.uploaded_generation {
                return b.error.clone();
            }
            (b.lines.clone(), b.generation)
        };
        let res = self
            .s3
            .put_object()
            .bucket(&self.bucket)
            .key(&self.key)
            .content_type("application/x-ndjson")
            .body(ByteStream::from(bytes))
            .send()
            .await;
        let mut b = self.buffer();
        match res {
            Ok(_) => {
                b.uploaded_generation = b.uploaded_generation.max(generation);
                b.uploaded = true;
                b.error = None;
            }
            Err(e) => b.error = Some(ApiError::of("PutObject", e).to_string()),
        }
        b.error.clone()
    }

    /// Empties the journal and deletes its object, once no upload is in flight.
    async fn clear(&self) -> Result<(), ApiError> {
        let _one_at_a_time = self.upload.lock().await;
        let had_object = {
            let mut b = self.buffer();
            b.lines.clear();
            b.generation += 1;
            b.uploaded_generation = b.generation;
            std::mem::take(&mut b.uploaded)
        };
        if !had_object {
            return Ok(());
        }
        match self
            .s3
            .delete_object()
            .bucket(&self.bucket)
            .key(&self.key)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) => {
                self.buffer().uploaded = true;
                Err(ApiError::of("DeleteObject", e))
            }
        }
    }
}

pub struct S3Storage {
    sh: Arc<Shared>,
    key: String,
    /// The ETag of the state read or written last; `None` when there was none.
    etag: Option<String>,
    /// The lock held: its information, and the lock object's ETag when `use_lockfile`.
    held: Option<(LockInfo, Option<String>, bool)>,
    journal: RemoteJournal,
    /// Journal objects of earlier runs found (and replayed) at open: removed with ours.
    found_journals: Vec<String>,
    flusher: Option<tokio::task::JoinHandle<()>>,
}

impl S3Storage {
    fn new(sh: Arc<Shared>, workspace: &str) -> S3Storage {
        let key = sh.settings.state_key(workspace);
        let journal = RemoteJournal {
            buffer: Arc::default(),
            upload: Arc::default(),
            s3: sh.s3.clone(),
            bucket: sh.settings.bucket.clone(),
            key: format!("{key}.journal/{}", uuid::Uuid::new_v4()),
        };
        S3Storage {
            sh,
            key,
            etag: None,
            held: None,
            journal,
            found_journals: Vec::new(),
            flusher: None,
        }
    }

    fn bucket(&self) -> &str {
        &self.sh.settings.bucket
    }

    fn place(&self) -> String {
        format!("s3://{}/{}", self.bucket(), self.key)
    }

    fn lock_key(&self) -> String {
        format!("{}.tflock", self.key)
    }

    /// Where every run's journal object lives: `<key>.journal/<run id>`. One object per run,
    /// so two runs (one of which lost its lock) never overwrite or delete each other's.
    fn journal_prefix(&self) -> String {
        format!("{}.journal/", self.key)
    }

    fn journal_objects(&self) -> Result<Vec<String>, ApiError> {
        let mut found = list_keys(&self.sh, self.journal_prefix())?;
        // Oldest first: entries replay in the order they were made.
        found.sort();
        Ok(found.into_iter().map(|(_, k)| k).collect())
    }

    /// Terraform's DynamoDB lock item ID: `bucket/key`.
    fn lock_id(&self) -> String {
        format!("{}/{}", self.bucket(), self.key)
    }

    fn fail(&self, title: &str, e: impl std::fmt::Display) -> Diagnostic {
        Diagnostic::plain(title, format!("{}: {e}", self.place()))
    }

    fn get(&self, key: String, version: Option<String>) -> Result<Option<Object>, ApiError> {
        let s3 = self.sh.s3.clone();
        let bucket = self.bucket().to_string();
        self.sh.bridge.run(async move {
            let out = match s3
                .get_object()
                .bucket(bucket)
                .key(key)
                .set_version_id(version)
                .send()
                .await
            {
                Ok(o) => o,
                Err(e) => {
                    let e = ApiError::of("GetObject", e);
                    return if e.is_not_found() && !e.is_no_bucket() {
                        Ok(None)
                    } else {
                        Err(e)
                    };
                }
            };
            let etag = out.e_tag().map(str::to_string);
            let bytes = out.body.collect().await.map_err(|e| ApiError {
                operation: "GetObject",
                code: String::new(),
                status: None,
                message: e.to_string(),
            })?;
            Ok(Some((bytes.into_bytes().to_vec(), etag)))
        })
    }

    /// A conditional put: over `if_match`, or only where nothing exists with `if_none`.
    fn put(
        &self,
        key: String,
        body: Vec<u8>,
        if_match: Option<String>,
        if_none: bool,
        encrypt: bool,
    ) -> Result<Option<String>, ApiError> {
        let s3 = self.sh.s3.clone();
        let s = self.sh.settings.clone();
        self.sh.bridge.run(async move {
            let mut req = s3
                .put_object()
                .bucket(&s.bucket)
                .key(key)
                .content_type("application/json")
                .body(ByteStream::from(body))
                .set_if_match(if_match);
            if if_none {
                req = req.if_none_match("*");
            }
            if encrypt && s.encrypt {
                req = match &s.kms_key_id {
                    Some(k) => req
                        .server_side_encryption(aws_sdk_s3::types::ServerSideEncryption::AwsKms)
                        .ssekms_key_id(k),
                    None => {
                        req.server_side_encryption(aws_sdk_s3::types::ServerSideEncryption::Aes256)
                    }
                };
            }
            if let Some(acl) = &s.acl {
                req = req.acl(aws_sdk_s3::types::ObjectCannedAcl::from(acl.as_str()));
            }
            let out = req.send().await.map_err(|e| ApiError::of("PutObject", e))?;
            Ok(out.e_tag().map(str::to_string))
        })
    }

    fn delete_object(&self, key: String, if_match: Option<String>) -> Result<(), ApiError> {
        let s3 = self.sh.s3.clone();
        let bucket = self.bucket().to_string();
        self.sh.bridge.run(async move {
            match s3
                .delete_object()
                .bucket(bucket)
                .key(key)
                .set_if_match(if_match)
                .send()
                .await
            {
                Ok(_) => Ok(()),
                Err(e) => {
                    let e = ApiError::of("DeleteObject", e);
                    if e.is_not_found() { Ok(()) } else { Err(e) }
                }
            }
        })
    }

    fn ddb(&self) -> Option<(aws_sdk_dynamodb::Client, String)> {
        Some((
            self.sh.dynamodb.clone()?,
            self.sh.settings.dynamodb_table.clone()?,
        ))
    }

    fn ddb_get(
        &self,
        id: String,
    ) -> Result<Option<std::collections::HashMap<String, AttributeValue>>, ApiError> {
        let Some((ddb, table)) = self.ddb() else {
            return Ok(None);
        };
        self.sh.bridge.run(async move {
            let out = ddb
                .get_item()
                .table_name(table)
                .key("LockID", AttributeValue::S(id))
                .consistent_read(true)
                .send()
                .await
                .map_err(|e| ApiError::of("GetItem", e))?;
            Ok(out.item().cloned())
        })
    }

    /// The digest Terraform keeps beside a state it wrote, when a lock table is configured.
    fn stored_digest(&self) -> Result<Option<String>, ApiError> {
        Ok(self
            .ddb_get(format!("{}-md5", self.lock_id()))?
            .and_then(|item| item.get("Digest").and_then(|d| d.as_s().ok()).cloned())
            .filter(|d| !d.is_empty()))
    }

    fn put_digest(&self, digest: Option<String>) -> Result<(), ApiError> {
        let Some((ddb, table)) = self.ddb() else {
            return Ok(());
        };
        let id = format!("{}-md5", self.lock_id());
        self.sh.bridge.run(async move {
            match digest {
                Some(d) => ddb
                    .put_item()
                    .table_name(table)
                    .item("LockID", AttributeValue::S(id))
                    .item("Digest", AttributeValue::S(d))
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| ApiError::of("PutItem", e)),
                None => ddb
                    .delete_item()
                    .table_name(table)
                    .key("LockID", AttributeValue::S(id))
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| ApiError::of("DeleteItem", e)),
            }
        })
    }

    fn parse_state(&self, bytes: &[u8], version: Option<&str>) -> Result<State, Diagnostic> {
        let place = match version {
            Some(v) => format!("{} (version {v})", self.place()),
            None => self.place(),
        };
        // Terraform's header check first, so a newer format is named as such.
        let header: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
            Diagnostic::plain(
                "Failed to read state",
                format!("{place} is not valid state JSON: {e}. Nothing was changed and it will not be overwritten; with bucket versioning on, restore an earlier version (see infra state pull --version-id)."),
            )
        })?;
        if let Some(v) = header.get("version").and_then(|v| v.as_u64())
            && v != FORMAT_VERSION
        {
            return Err(Diagnostic::plain(
                "Unsupported state version",
                format!(
                    "{place} has state format version {v}; infra reads version {FORMAT_VERSION}. It was left as it is."
                ),
            ));
        }
        serde_json::from_value(header).map_err(|e| {
            Diagnostic::plain(
                "Failed to read state",
                format!("{place} is not a valid state: {e}. Nothing was changed and it will not be overwritten."),
            )
        })
    }

    fn try_lock(&mut self, info: &LockInfo) -> Result<Result<(), Option<LockInfo>>, Diagnostic> {
        let body = serde_json::to_vec(info).unwrap_or_default();
        let mut file_etag = None;
        if self.sh.settings.use_lockfile {
            match self.put(self.lock_key(), body.clone(), None, true, true) {
                Ok(etag) => file_etag = Some(etag),
                Err(e) if e.is_condition_failed() => return Ok(Err(self.lockfile_holder()?)),
                Err(e) => return Err(self.fail("Error acquiring the state lock", e)),
            }
        }
        if let Some((ddb, table)) = self.ddb() {
            let id = self.lock_id();
            let text = String::from_utf8_lossy(&body).to_string();
            let put = self.sh.bridge.run(async move {
                ddb.put_item()
                    .table_name(table)
                    .item("LockID", AttributeValue::S(id))
                    .item("Info", AttributeValue::S(text))
                    .condition_expression("attribute_not_exists(LockID)")
                    .send()
                    .await
                    .map_err(|e| ApiError::of("PutItem", e))
            });
            if let Err(e) = put {
                // Give back the lock file taken a moment ago, as Terraform does.
                if let Some(etag) = &file_etag {
                    let _ = self.delete_object(self.lock_key(), etag.clone());
                }
                if e.is_condition_failed() {
                    return Ok(Err(self.table_holder()?));
                }
                return Err(self.fail("Error acquiring the state lock", e));
            }
        }
        self.held = Some((
            info.clone(),
            file_etag.flatten(),
            self.sh.settings.use_lockfile,
        ));
        Ok(Ok(()))
    }

    fn lockfile_holder(&self) -> Result<Option<LockInfo>, Diagnostic> {
        match self.get(self.lock_key(), None) {
            Ok(Some((bytes, _))) => Ok(serde_json::from_slice(&bytes).ok()),
            Ok(None) => Ok(None),
            Err(e) => Err(self.fail("Failed to read the state lock", e)),
        }
    }

    fn table_holder(&self) -> Result<Option<LockInfo>, Diagnostic> {
        let item = self
            .ddb_get(self.lock_id())
            .map_err(|e| self.fail("Failed to read the state lock", e))?;
        Ok(item
            .and_then(|i| i.get("Info").and_then(|v| v.as_s().ok()).cloned())
            .and_then(|s| serde_json::from_str(&s).ok()))
    }

    /// Removes the lock file and the lock item when they carry `id`.
    fn release(&mut self, id: &str, lockfile_etag: Option<String>) -> Result<bool, Diagnostic> {
        let mut released = false;
        if self.sh.settings.use_lockfile {
            let current = self
                .get(self.lock_key(), None)
                .map_err(|e| self.fail("Failed to release the state lock", e))?;
            if let Some((bytes, etag)) = current {
                let holder: Option<LockInfo> = serde_json::from_slice(&bytes).ok();
                match holder {
                    Some(h) if h.id == id => {
                        // Conditional on the ETag: never delete a lock someone took since.
                        let etag = lockfile_etag.or(etag);
                        match self.delete_object(self.lock_key(), etag) {
                            Ok(()) => released = true,
                            Err(e) if e.is_condition_failed() => {
                                return Err(self.fail(
                                    "Failed to release the state lock",
                                    "the lock file changed while it was being released; it was left in place",
                                ));
                            }
                            Err(e) => return Err(self.fail("Failed to release the state lock", e)),
                        }
                    }
                    Some(h) => {
                        return Err(self.fail(
                            "Lock ID does not match",
                            format!(
                                "the lock file is held with ID {}, not {id}; it was left in place",
                                h.id
                            ),
                        ));
                    }
                    None => {
                        return Err(self.fail(
                            "Failed to release the state lock",
                            format!(
                                "{} is not a lock Terraform or infra wrote; it was left in place",
                                self.lock_key()
                            ),
                        ));
                    }
                }
            }
        }
        if let Some((ddb, table)) = self.ddb()
            && let Some(h) = self.table_holder()?
        {
            if h.id != id {
                return Err(self.fail(
                    "Lock ID does not match",
                    format!(
                        "the DynamoDB lock is held with ID {}, not {id}; it was left in place",
                        h.id
                    ),
                ));
            }
            let key = self.lock_id();
            self.sh
                .bridge
                .run(async move {
                    ddb.delete_item()
                        .table_name(table)
                        .key("LockID", AttributeValue::S(key))
                        .send()
                        .await
                        .map_err(|e| ApiError::of("DeleteItem", e))
                })
                .map_err(|e| self.fail("Failed to release the state lock", e))?;
            released = true;
        }
        Ok(released)
    }

    fn start_flusher(&mut self) {
        if self.flusher.is_some() {
            return;
        }
        let journal = self.journal.clone();
        self.flusher = Some(self.sh.bridge.handle().spawn(async move {
            let mut tick = tokio::time::interval(JOURNAL_EVERY);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                journal.flush().await;
            }
        }));
    }
}

impl Storage for S3Storage {
    fn location(&self) -> String {
        self.place()
    }

    fn read(&mut self) -> Result<Option<State>, Diagnostic> {
        let started = Instant::now();
        loop {
            let got = self
                .get(self.key.clone(), None)
                .map_err(|e| self.fail("Failed to read state", e))?;
            let Some((bytes, etag)) = got else {
                self.etag = None;
                return Ok(None);
            };
            let expected = self
                .stored_digest()
                .map_err(|e| self.fail("Failed to read the state digest", e))?;
            let actual = hex::encode(md5::Md5::digest(&bytes));
            if let Some(want) = &expected
                && *want != actual
            {
                if started.elapsed() < DIGEST_WAIT {
                    std::thread::sleep(Duration::from_millis(500));
                    continue;
                }
                return Err(self.fail(
                    "State does not match its digest",
                    format!("the state's MD5 is {actual}, but the lock table records {want}. The object was changed outside Terraform and infra, or an upload was lost. If the object is right, set the Digest of item {}-md5 to {actual}.", self.lock_id()),
                ));
            }
            let state = self.parse_state(&bytes, None)?;
            self.etag = etag;
            return Ok(Some(state));
        }
    }

    fn write(&mut self, state: &State) -> Result<(), Diagnostic> {
        let text = serde_json::to_string_pretty(state)
            .map_err(|e| Diagnostic::plain("Failed to encode state", e.to_string()))?;
        let body = format!("{text}\n").into_bytes();
        let digest = hex::encode(md5::Md5::digest(&body));
        let if_none = self.etag.is_none();
        match self.put(self.key.clone(), body, self.etag.clone(), if_none, true) {
            Ok(etag) => self.etag = etag,
            Err(e) if e.is_condition_failed() => {
                return Err(self.fail(
                    "State changed by someone else",
                    format!("the state object is no longer the version this run read: another run wrote it, after taking over a lock this run lost (force-unlock while it ran). Nothing was overwritten; what this run changed since its last write stays in {}, which the next run names", self.journal_location()),
                ));
            }
            Err(e) => return Err(self.fail("Failed to write state", e)),
        }
        self.put_digest(Some(digest))
            .map_err(|e| self.fail("Failed to write the state digest", e))
    }

    fn lock(&mut self, operation: &str, timeout: Duration) -> Result<(), Diagnostic> {
        let s = &self.sh.settings;
        if !s.use_lockfile && s.dynamodb_table.is_none() {
            // As in Terraform: without use_lockfile or dynamodb_table the state is not locked.
            return Ok(());
        }
        let info = LockInfo::new(operation, self.lock_id(), false);
        let started = Instant::now();
        let mut wait = Duration::from_millis(200);
        loop {
            match self.try_lock(&info)? {
                Ok(()) => return Ok(()),
                Err(holder) => {
                    if started.elapsed() >= timeout {
                        return Err(held_error(holder.as_ref(), &self.place()));
                    }
                    std::thread::sleep(wait.min(timeout.saturating_sub(started.elapsed())));
                    wait = (wait * 2).min(Duration::from_secs(2));
                }
            }
        }
    }

    fn unlock(&mut self) -> Result<(), Diagnostic> {
        let Some((info, etag, _)) = self.held.take() else {
            return Ok(());
        };
        self.release(&info.id, etag).map(|_| ())
    }

    fn force_unlock(&mut self, id: &str) -> Result<(), Diagnostic> {
        if self.release(id, None)? {
            Ok(())
        } else {
            Err(self.fail("No lock to release", "the state is not locked"))
        }
    }

    fn journal_append(&mut self, entry: &Entry) -> Result<(), Diagnostic> {
        let mut line = serde_json::to_vec(entry)
            .map_err(|e| Diagnostic::plain("Failed to encode journal entry", e.to_string()))?;
        line.push(b'\n');
        self.journal.append(&line);
        self.start_flusher();
        Ok(())
    }

    fn journal_sync(&mut self) -> Result<(), Diagnostic> {
        let journal = self.journal.clone();
        match self.sh.bridge.run(async move { journal.flush().await }) {
            Some(e) => Err(self.fail("Failed to write the state journal", e)),
            None => Ok(()),
        }
    }

    fn journal_commit_intent(&mut self) -> Result<(), Diagnostic> {
        Ok(())
    }

    fn journal_location(&self) -> String {
        let keys = if self.found_journals.is_empty() {
            vec![self.journal.key.clone()]
        } else {
            self.found_journals.clone()
        };
        keys.iter()
            .map(|k| format!("s3://{}/{k}", self.bucket()))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn journal_read(&mut self) -> Result<Vec<Entry>, Diagnostic> {
        let keys = self
            .journal_objects()
            .map_err(|e| self.fail("Failed to read the state journal", e))?;
        let mut entries = Vec::new();
        for k in &keys {
            match self.get(k.clone(), None) {
                Ok(Some((bytes, _))) => entries.extend(journal::parse(&bytes)),
                Ok(None) => {}
                Err(e) => return Err(self.fail("Failed to read the state journal", e)),
            }
        }
        self.found_journals = keys;
        Ok(entries)
    }

    fn journal_clear(&mut self) -> Result<(), Diagnostic> {
        let journal = self.journal.clone();
        self.sh
            .bridge
            .run(async move { journal.clear().await })
            .map_err(|e| self.fail("Failed to clear the state journal", e))?;
        for k in std::mem::take(&mut self.found_journals) {
            self.delete_object(k, None)
                .map_err(|e| self.fail("Failed to clear the state journal", e))?;
        }
        Ok(())
    }

    fn read_version(&mut self, version: &str) -> Result<Option<State>, Diagnostic> {
        self.read_version_inner(version)
    }

    fn delete(&mut self) -> Result<(), Diagnostic> {
        let journals = self
            .journal_objects()
            .map_err(|e| self.fail("Failed to delete state", e))?;
        for key in std::iter::once(self.key.clone()).chain(journals) {
            self.delete_object(key, None)
                .map_err(|e| self.fail("Failed to delete state", e))?;
        }
        self.put_digest(None)
            .map_err(|e| self.fail("Failed to delete the state digest", e))
    }
}

impl S3Storage {
    fn read_version_inner(&mut self, version: &str) -> Result<Option<State>, Diagnostic> {
        match self.get(self.key.clone(), Some(version.to_string())) {
            Ok(Some((bytes, _))) => self.parse_state(&bytes, Some(version)).map(Some),
            Ok(None) => Ok(None),
            Err(e) => Err(self.fail("Failed to read state", e)),
        }
    }
}

impl Drop for S3Storage {
    fn drop(&mut self) {
        if let Some(f) = self.flusher.take() {
            f.abort();
        }
    }
}

use md5::Digest as _;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workspace_keys_are_recognised_exactly() {
        assert_eq!(
            workspace_of(
                "env:/staging/net/terraform.tfstate",
                "env:",
                "net/terraform.tfstate"
            ),
            Some("staging".into())
        );
        // Another stack's state under the same prefix, and our own side objects, are not workspaces.
        assert_eq!(
            workspace_of(
                "env:/staging/app/terraform.tfstate",
                "env:",
                "net/terraform.tfstate"
            ),
            None
        );
        assert_eq!(
            workspace_of(
                "env:/staging/net/terraform.tfstate.tflock",
                "env:",
                "net/terraform.tfstate"
            ),
            None
        );
        assert_eq!(
            workspace_of(
                "env://net/terraform.tfstate",
                "env:",
                "net/terraform.tfstate"
            ),
            None
        );
    }

    #[test]
    fn a_missing_or_forbidden_bucket_is_named_with_its_key() {
        let s = S3Settings {
            bucket: "team-state".into(),
            key: "prod/terraform.tfstate".into(),
            region: Some("eu-west-1".into()),
            ..S3Settings::default()
        };
        let denied = ApiError {
            operation: "HeadBucket",
            code: String::new(),
            status: Some(403),
            message: String::new(),
        };
        let d = bucket_error(&denied, &s);
        assert!(
            d.detail
                .starts_with("s3://team-state/prod/terraform.tfstate: access"),
            "{}",
            d.detail
        );
        assert!(d.detail.contains("denied") && d.detail.contains("s3:PutObject"));
        let missing = ApiError {
            operation: "HeadBucket",
            code: String::new(),
            status: Some(404),
            message: String::new(),
        };
        let d = bucket_error(&missing, &s);
        assert!(
            d.detail.contains("does not exist") && d.detail.contains("eu-west-1"),
            "{}",
            d.detail
        );
    }

    #[test]
    fn conflicts_and_precondition_failures_both_mean_held() {
        for (status, code) in [
            (412, "PreconditionFailed"),
            (409, "ConditionalRequestConflict"),
        ] {
            let e = ApiError {
                operation: "PutObject",
                code: code.into(),
                status: Some(status),
                message: String::new(),
            };
            assert!(e.is_condition_failed(), "{status} {code}");
        }
        let other = ApiError {
            operation: "PutObject",
            code: "AccessDenied".into(),
            status: Some(403),
            message: String::new(),
        };
        assert!(!other.is_condition_failed() && other.is_denied());
    }
}
