//! A backend's settings: the `backend` block's arguments merged with `-backend-config`, checked
//! against Terraform's names and defaults. The arguments arrive as JSON (the CLI evaluates the
//! block); this module never sees HCL.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};
use std::path::{Path, PathBuf};

/// Which backend holds the state, fully resolved.
// Made once per command and matched everywhere: boxing the S3 variant would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Settings {
    Local(LocalSettings),
    S3(S3Settings),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LocalSettings {
    /// The default workspace's state file.
    pub path: PathBuf,
    /// Where other workspaces' states live: `<workspace_dir>/<name>/<file name>`.
    pub workspace_dir: PathBuf,
    /// The file name of a non-default workspace's state.
    pub workspace_file: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct S3Settings {
    pub bucket: String,
    pub key: String,
    pub region: Option<String>,
    pub encrypt: bool,
    pub kms_key_id: Option<String>,
    pub acl: Option<String>,
    pub use_lockfile: bool,
    pub dynamodb_table: Option<String>,
    pub workspace_key_prefix: String,
    pub profile: Option<String>,
    pub shared_credentials_files: Vec<String>,
    pub shared_config_files: Vec<String>,
    pub access_key: Option<String>,
    pub secret_key: Option<String>,
    pub token: Option<String>,
    pub assume_role: Option<AssumeRole>,
    pub endpoint_s3: Option<String>,
    pub endpoint_dynamodb: Option<String>,
    pub endpoint_sts: Option<String>,
    pub use_path_style: bool,
    pub skip_credentials_validation: bool,
    pub skip_requesting_account_id: bool,
    pub skip_metadata_api_check: bool,
    pub skip_region_validation: bool,
    pub max_retries: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct AssumeRole {
    pub role_arn: String,
    pub session_name: Option<String>,
    pub external_id: Option<String>,
    pub duration_seconds: Option<u64>,
    pub policy: Option<String>,
}

/// The S3 backend's arguments in Terraform 1.15, the deprecated ones included so existing
/// configurations keep loading (those infra does not act on are accepted and named in the README).
const S3_ARGS: &[&str] = &[
    "bucket",
    "key",
    "region",
    "encrypt",
    "kms_key_id",
    "acl",
    "use_lockfile",
    "dynamodb_table",
    "workspace_key_prefix",
    "profile",
    "shared_credentials_files",
    "shared_credentials_file",
    "shared_config_files",
    "access_key",
    "secret_key",
    "token",
    "assume_role",
    "endpoints",
    "use_path_style",
    "force_path_style",
    "skip_credentials_validation",
    "skip_requesting_account_id",
    "skip_metadata_api_check",
    "skip_region_validation",
    "skip_s3_checksum",
    "max_retries",
    "retry_mode",
    "sts_region",
    "insecure",
    "custom_ca_bundle",
    "http_proxy",
    "https_proxy",
    "no_proxy",
    "use_fips_endpoint",
    "use_dualstack_endpoint",
    "sse_customer_key",
    "allowed_account_ids",
    "forbidden_account_ids",
    "ec2_metadata_service_endpoint",
    "ec2_metadata_service_endpoint_mode",
    "endpoint",
    "dynamodb_endpoint",
    "sts_endpoint",
    "iam_endpoint",
    "role_arn",
    "session_name",
    "external_id",
    "assume_role_duration_seconds",
    "assume_role_policy",
];

const LOCAL_ARGS: &[&str] = &["path", "workspace_dir"];

/// The state file when a configuration has no backend block (infra's own default).
pub const IMPLICIT_STATE_FILE: &str = "infra.tfstate";

impl Settings {
    /// The backend a configuration without a backend block uses: `infra.tfstate` in `dir`.
    pub fn implicit_local(dir: &Path) -> Settings {
        Settings::Local(LocalSettings {
            path: dir.join(IMPLICIT_STATE_FILE),
            workspace_dir: dir.join("terraform.tfstate.d"),
            workspace_file: IMPLICIT_STATE_FILE.into(),
        })
    }

    /// Settings from a backend's type and its merged arguments. Relative local paths are
    /// relative to `dir`, as Terraform's are to its working directory.
    pub fn resolve(kind: &str, args: &Map<String, Json>, dir: &Path) -> Result<Settings, String> {
        match kind {
            "s3" => s3(args).map(Settings::S3),
            "local" => local(args, dir).map(Settings::Local),
            other => Err(format!(
                "infra does not support the {other:?} backend. Supported backends: \"s3\" (with use_lockfile or dynamodb_table locking) and \"local\". Move the state with Terraform to one of these first; infra never falls back to a local file on its own."
            )),
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Settings::Local(_) => "local",
            Settings::S3(_) => "s3",
        }
    }

    /// Where the state of `workspace` lives, for messages.
    pub fn describe(&self, workspace: &str) -> String {
        match self {
            Settings::Local(l) => l.state_path(workspace).display().to_string(),
            Settings::S3(s) => format!("s3://{}/{}", s.bucket, s.state_key(workspace)),
        }
    }
}

impl LocalSettings {
    pub fn state_path(&self, workspace: &str) -> PathBuf {
        if workspace == "default" {
            self.path.clone()
        } else {
            self.workspace_dir
                .join(workspace)
                .join(&self.workspace_file)
        }
    }
}

impl S3Settings {
    /// The state object of a workspace: `key` for default, `<prefix>/<name>/<key>` otherwise.
    pub fn state_key(&self, workspace: &str) -> String {
        if workspace == "default" {
            self.key.clone()
        } else {
            format!("{}/{workspace}/{}", self.workspace_key_prefix, self.key)
        }
    }
}

fn check_names(args: &Map<String, Json>, known: &[&str], kind: &str) -> Result<(), String> {
    for k in args.keys() {
        if !known.contains(&k.as_str()) {
            let hint = crate::diag::did_you_mean(k, known.iter().copied())
                .map(|s| format!(" Did you mean {s:?}?"))
                .unwrap_or_default();
            return Err(format!(
                "An argument named {k:?} is not expected in a {kind:?} backend.{hint}"
            ));
        }
    }
    Ok(())
}

fn string(args: &Map<String, Json>, name: &str) -> Result<Option<String>, String> {
    match args.get(name) {
        None | Some(Json::Null) => Ok(None),
        Some(Json::String(s)) if s.is_empty() => Ok(None),
        Some(Json::String(s)) => Ok(Some(s.clone())),
        Some(Json::Number(n)) => Ok(Some(n.to_string())),
        Some(Json::Bool(b)) => Ok(Some(b.to_string())),
        Some(_) => Err(format!("{name} must be a string.")),
    }
}

fn boolean(args: &Map<String, Json>, name: &str) -> Result<bool, String> {
    match args.get(name) {
        None | Some(Json::Null) => Ok(false),
        Some(Json::Bool(b)) => Ok(*b),
        Some(Json::String(s)) if s == "true" => Ok(true),
        Some(Json::String(s)) if s == "false" => Ok(false),
        Some(_) => Err(format!("{name} must be true or false.")),
    }
}

fn strings(args: &Map<String, Json>, name: &str) -> Result<Vec<String>, String> {
    match args.get(name) {
        None | Some(Json::Null) => Ok(Vec::new()),
        Some(Json::String(s)) => Ok(vec![s.clone()]),
        Some(Json::Array(items)) => items
            .iter()
            .map(|i| {
                i.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| format!("{name} must be a list of strings."))
            })
            .collect(),
        Some(_) => Err(format!("{name} must be a list of strings.")),
    }
}

fn object<'a>(
    args: &'a Map<String, Json>,
    name: &str,
) -> Result<Option<&'a Map<String, Json>>, String> {
    match args.get(name) {
        None | Some(Json::Null) => Ok(None),
        Some(Json::Object(m)) => Ok(Some(m)),
        // A block written twice, or a list of one object as some generators write it.
        Some(Json::Array(items)) if items.len() == 1 => match &items[0] {
            Json::Object(m) => Ok(Some(m)),
            _ => Err(format!("{name} must be an object.")),
        },
        Some(_) => Err(format!("{name} must be an object.")),
    }
}

fn s3(args: &Map<String, Json>) -> Result<S3Settings, String> {
    check_names(args, S3_ARGS, "s3")?;
    let required = |name: &str| -> Result<String, String> {
        string(args, name)?.ok_or_else(|| {
            format!("The {name:?} argument is required by the s3 backend: set it in the backend block or with -backend-config={name}=...")
        })
    };
    let bucket = required("bucket")?;
    let key = required("key")?;
    if key.starts_with('/') || key.ends_with('/') || key.contains("//") {
        return Err(format!(
            "key {key:?} must not start or end with \"/\" nor contain \"//\"."
        ));
    }
    let workspace_key_prefix = match string(args, "workspace_key_prefix")? {
        Some(p) => p,
        None if args.contains_key("workspace_key_prefix") => String::new(),
        None => "env:".into(),
    };
    if workspace_key_prefix.starts_with('/') || workspace_key_prefix.ends_with('/') {
        return Err("workspace_key_prefix must not start or end with \"/\".".into());
    }
    let region = string(args, "region")?
        .or_else(|| std::env::var("AWS_REGION").ok().filter(|r| !r.is_empty()))
        .or_else(|| {
            std::env::var("AWS_DEFAULT_REGION")
                .ok()
                .filter(|r| !r.is_empty())
        });
    if region.is_none() {
        return Err("The \"region\" argument is required by the s3 backend: set it in the backend block, with -backend-config=region=..., or in AWS_REGION.".into());
    }
    let endpoints = object(args, "endpoints")?.cloned().unwrap_or_default();
    for k in endpoints.keys() {
        if !["s3", "dynamodb", "sts", "iam", "sso"].contains(&k.as_str()) {
            return Err(format!(
                "endpoints: an argument named {k:?} is not expected here; infra's s3 backend uses s3, dynamodb and sts."
            ));
        }
    }
    let assume_role = match object(args, "assume_role")? {
        Some(r) => Some(AssumeRole {
            role_arn: string(r, "role_arn")?.ok_or("assume_role needs role_arn.".to_string())?,
            session_name: string(r, "session_name")?,
            external_id: string(r, "external_id")?,
            duration_seconds: match string(r, "duration")? {
                Some(d) => Some(
                    crate::lang::duration::parse_go(&d)
                        .ok_or(format!(
                            "assume_role.duration {d:?} is not a duration like 1h."
                        ))?
                        .as_secs(),
                ),
                None => None,
            },
            policy: string(r, "policy")?,
        }),
        None => string(args, "role_arn")?.map(|role_arn| AssumeRole {
            role_arn,
            session_name: string(args, "session_name").ok().flatten(),
            external_id: string(args, "external_id").ok().flatten(),
            ..AssumeRole::default()
        }),
    };
    let max_retries = match string(args, "max_retries")? {
        Some(n) => Some(
            n.parse::<u32>()
                .map_err(|_| format!("max_retries {n:?} must be a whole number."))?,
        ),
        None => None,
    };
    let mut shared_credentials_files = strings(args, "shared_credentials_files")?;
    shared_credentials_files.extend(strings(args, "shared_credentials_file")?);
    let settings = S3Settings {
        bucket,
        key,
        region,
        encrypt: boolean(args, "encrypt")?,
        kms_key_id: string(args, "kms_key_id")?,
        acl: string(args, "acl")?,
        use_lockfile: boolean(args, "use_lockfile")?,
        dynamodb_table: string(args, "dynamodb_table")?,
        workspace_key_prefix,
        profile: string(args, "profile")?,
        shared_credentials_files,
        shared_config_files: strings(args, "shared_config_files")?,
        access_key: string(args, "access_key")?,
        secret_key: string(args, "secret_key")?,
        token: string(args, "token")?,
        assume_role,
        endpoint_s3: string(&endpoints, "s3")?.or(string(args, "endpoint")?),
        endpoint_dynamodb: string(&endpoints, "dynamodb")?.or(string(args, "dynamodb_endpoint")?),
        endpoint_sts: string(&endpoints, "sts")?.or(string(args, "sts_endpoint")?),
        use_path_style: boolean(args, "use_path_style")? || boolean(args, "force_path_style")?,
        skip_credentials_validation: boolean(args, "skip_credentials_validation")?,
        skip_requesting_account_id: boolean(args, "skip_requesting_account_id")?,
        skip_metadata_api_check: boolean(args, "skip_metadata_api_check")?,
        skip_region_validation: boolean(args, "skip_region_validation")?,
        max_retries,
    };
    if settings.access_key.is_some() != settings.secret_key.is_some() {
        return Err("access_key and secret_key must be set together.".into());
    }
    if settings.kms_key_id.is_some() && !settings.encrypt {
        return Err("kms_key_id needs encrypt = true.".into());
    }
    if !settings.skip_region_validation
        && let Some(r) = &settings.region
        && !looks_like_region(r)
    {
        return Err(format!(
            "region {r:?} is not an AWS region name (like eu-west-1); set skip_region_validation = true for a custom one."
        ));
    }
    Ok(settings)
}

/// `eu-west-1`, `us-gov-west-1`, `cn-north-1`: letters, dashes, a trailing number.
fn looks_like_region(r: &str) -> bool {
    let parts: Vec<&str> = r.split('-').collect();
    parts.len() >= 3
        && parts
            .last()
            .is_some_and(|p| p.chars().all(|c| c.is_ascii_digit()))
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
}

fn local(args: &Map<String, Json>, dir: &Path) -> Result<LocalSettings, String> {
    check_names(args, LOCAL_ARGS, "local")?;
    let rel = |p: String| {
        let p = PathBuf::from(p);
        if p.is_absolute() { p } else { dir.join(p) }
    };
    Ok(LocalSettings {
        path: rel(string(args, "path")?.unwrap_or_else(|| "terraform.tfstate".into())),
        workspace_dir: rel(
            string(args, "workspace_dir")?.unwrap_or_else(|| "terraform.tfstate.d".into())
        ),
        workspace_file: "terraform.tfstate".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(j: Json) -> Map<String, Json> {
        j.as_object().cloned().unwrap()
    }

    #[test]
    fn s3_defaults_follow_terraform() {
        let s = Settings::resolve(
            "s3",
            &args(serde_json::json!({"bucket": "b", "key": "a/terraform.tfstate", "region": "eu-west-1"})),
            Path::new("."),
        )
        .unwrap();
        let Settings::S3(s) = s else { panic!() };
        assert_eq!(s.workspace_key_prefix, "env:");
        assert_eq!(s.state_key("default"), "a/terraform.tfstate");
        assert_eq!(s.state_key("staging"), "env:/staging/a/terraform.tfstate");
        assert!(!s.use_lockfile && !s.encrypt);
    }

    #[test]
    fn s3_rejects_unknown_and_missing_arguments_by_name() {
        let e = Settings::resolve(
            "s3",
            &args(serde_json::json!({"bucket": "b", "key": "k", "region": "eu-west-1", "use_lockfil": true})),
            Path::new("."),
        )
        .unwrap_err();
        assert!(
            e.contains("use_lockfil") && e.contains("use_lockfile"),
            "{e}"
        );
        let e = Settings::resolve("s3", &args(serde_json::json!({"key": "k"})), Path::new("."))
            .unwrap_err();
        assert!(
            e.contains("\"bucket\"") && e.contains("-backend-config"),
            "{e}"
        );
    }

    #[test]
    fn other_backends_are_named_and_refused() {
        for kind in ["gcs", "azurerm", "remote", "cloud", "http"] {
            let e = Settings::resolve(kind, &Map::new(), Path::new(".")).unwrap_err();
            assert!(
                e.contains(&format!("{kind:?}")) && e.contains("\"s3\""),
                "{e}"
            );
        }
    }

    #[test]
    fn endpoints_and_assume_role_accept_object_and_legacy_spellings() {
        let s = Settings::resolve(
            "s3",
            &args(serde_json::json!({
                "bucket": "b", "key": "k", "region": "eu-west-1",
                "endpoints": {"s3": "http://127.0.0.1:1", "dynamodb": "http://127.0.0.1:2"},
                "assume_role": [{"role_arn": "arn:aws:iam::1:role/x", "duration": "1h"}],
                "force_path_style": true
            })),
            Path::new("."),
        )
        .unwrap();
        let Settings::S3(s) = s else { panic!() };
        assert_eq!(s.endpoint_s3.as_deref(), Some("http://127.0.0.1:1"));
        assert_eq!(s.endpoint_dynamodb.as_deref(), Some("http://127.0.0.1:2"));
        assert_eq!(s.assume_role.unwrap().duration_seconds, Some(3600));
        assert!(s.use_path_style);
    }

    #[test]
    fn local_paths_are_relative_to_the_configuration() {
        let Settings::Local(l) = Settings::resolve(
            "local",
            &args(serde_json::json!({"path": "st/x.tfstate"})),
            Path::new("/cfg"),
        )
        .unwrap() else {
            panic!()
        };
        assert_eq!(l.state_path("default"), PathBuf::from("/cfg/st/x.tfstate"));
        assert_eq!(
            l.state_path("dev"),
            PathBuf::from("/cfg/terraform.tfstate.d/dev/terraform.tfstate")
        );
    }
}
