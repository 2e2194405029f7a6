//! Bringing a remote package into a directory: git repositories through the `git` binary (it
//! is everywhere CI runs, and knows the user's credentials and SSH setup), archives over HTTP
//! (checked against `?checksum=` when given, unpacked without letting an entry escape the
//! directory), and HTTP URLs whose `X-Terraform-Get` header names the package.

use super::source::{ArchiveKind, Fetch};
use sha2::Digest;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// The largest archive infra downloads.
const MAX_ARCHIVE: u64 = 512 * 1024 * 1024;

/// How many `X-Terraform-Get` hops one source may take.
const MAX_LOOKUPS: usize = 5;

/// Fetches `what` into `dest` (which must not exist yet).
pub fn fetch(what: &Fetch, dest: &Path) -> Result<(), String> {
    fetch_hops(what, dest, 0)
}

fn fetch_hops(what: &Fetch, dest: &Path, hops: usize) -> Result<(), String> {
    match what {
        Fetch::Git {
            url,
            reference,
            depth,
        } => git_clone(url, reference.as_deref(), *depth, dest),
        Fetch::Archive {
            url,
            kind,
            checksum,
        } => {
            let body = http_get(url, None)?.body;
            if let Some(c) = checksum {
                verify_checksum(&body, c).map_err(|e| format!("{url}: {e}"))?;
            }
            unpack(&body, *kind, dest).map_err(|e| format!("{url}: {e}"))
        }
        Fetch::Lookup { url } => {
            if hops >= MAX_LOOKUPS {
                return Err(format!(
                    "{url}: more than {MAX_LOOKUPS} X-Terraform-Get hops"
                ));
            }
            let lookup = format!(
                "{url}{}terraform-get=1",
                if url.contains('?') { '&' } else { '?' }
            );
            let r = http_get(&lookup, None)?;
            let Some(next) = r.terraform_get else {
                return Err(format!(
                    "{url}: the server answered without an X-Terraform-Get header, and the URL does not end in .zip, .tar.gz, .tgz or .tar (add ?archive=zip if it is an archive)"
                ));
            };
            let next = resolve_url(url, &next);
            let super::source::Source::Remote(remote) = super::source::Source::parse(&next)? else {
                return Err(format!(
                    "{url}: X-Terraform-Get names {next:?}, not a package"
                ));
            };
            if remote.subdir.is_some() {
                return Err(format!(
                    "{url}: X-Terraform-Get names a subdirectory ({next:?}); put it in the module source instead"
                ));
            }
            fetch_hops(&remote.fetch, dest, hops + 1)
        }
    }
}

fn git_clone(
    url: &str,
    reference: Option<&str>,
    depth: Option<u32>,
    dest: &Path,
) -> Result<(), String> {
    let git = |args: &[&str], dir: Option<&Path>| -> Result<(), String> {
        let mut cmd = Command::new("git");
        if let Some(d) = dir {
            cmd.arg("-C").arg(d);
        }
        // Never wait for a password on a terminal CI does not have.
        cmd.args(args)
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_SSH_COMMAND", ssh_command());
        let out = cmd.output().map_err(|e| {
            format!("could not run git ({e}); installing git sources needs the git binary on PATH")
        })?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "git {} failed: {}",
                args.first().copied().unwrap_or(""),
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        }
    };
    let dest_s = dest.to_string_lossy().to_string();
    match (depth, reference) {
        // A shallow clone can only start at a branch or tag, as Terraform's does.
        (Some(d), r) => {
            let d = d.to_string();
            let mut args = vec!["clone", "--quiet", "--depth", d.as_str()];
            if let Some(r) = r {
                args.extend(["--branch", r]);
            }
            args.extend(["--", url, dest_s.as_str()]);
            git(&args, None)
        }
        (None, r) => {
            git(&["clone", "--quiet", "--", url, dest_s.as_str()], None)?;
            match r {
                Some(r) => git(&["checkout", "--quiet", r, "--"], Some(dest))
                    .map_err(|e| format!("{e} (ref {r:?} of {url})")),
                None => Ok(()),
            }
        }
    }
}

/// SSH for git never asks: a host it does not know, or a key with a passphrase, fails at once.
fn ssh_command() -> String {
    std::env::var("GIT_SSH_COMMAND").unwrap_or_else(|_| "ssh -o BatchMode=yes".to_string())
}

pub struct HttpAnswer {
    pub status: u16,
    pub body: Vec<u8>,
    pub terraform_get: Option<String>,
}

/// A GET that fails on anything but 2xx, with a bearer token when given.
pub fn http_get(url: &str, token: Option<&str>) -> Result<HttpAnswer, String> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(300)))
        .build()
        .into();
    let mut req = agent.get(url);
    if let Some(t) = token {
        req = req.header("Authorization", format!("Bearer {t}"));
    }
    let mut resp = req.call().map_err(|e| format!("GET {url}: {e}"))?;
    let status = resp.status().as_u16();
    let terraform_get = resp
        .headers()
        .get("X-Terraform-Get")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = resp
        .body_mut()
        .with_config()
        .limit(MAX_ARCHIVE)
        .read_to_vec()
        .map_err(|e| format!("GET {url}: {e}"))?;
    if !(200..300).contains(&status) {
        return Err(format!(
            "GET {url}: HTTP {status}{}",
            match String::from_utf8_lossy(&body).trim() {
                "" => String::new(),
                t => format!(": {}", t.chars().take(200).collect::<String>()),
            }
        ));
    }
    Ok(HttpAnswer {
        status,
        body,
        terraform_get,
    })
}

/// A URL or source address a server answered, made absolute against the URL asked.
pub fn resolve_url(base: &str, reference: &str) -> String {
    if reference.contains("://") || reference.contains("::") || reference.starts_with("git@") {
        return reference.to_string();
    }
    let (scheme, rest) = base.split_once("://").unwrap_or(("https", base));
    let host_end = rest.find('/').unwrap_or(rest.len());
    let origin = format!("{scheme}://{}", &rest[..host_end]);
    if reference.starts_with('/') {
        return format!("{origin}{reference}");
    }
    let path = rest[host_end..].split('?').next().unwrap_or("");
    let dir = &path[..path.rfind('/').map_or(0, |i| i + 1)];
    let dir = if dir.is_empty() { "/" } else { dir };
    let (reference, query) = match reference.split_once('?') {
        Some((r, q)) => (r, format!("?{q}")),
        None => (reference, String::new()),
    };
    // `.` and `..` segments resolved, as a browser (and Go's URL resolution) does.
    let mut segments: Vec<&str> = Vec::new();
    let joined = format!("{dir}{reference}");
    for seg in joined.split('/').skip(1) {
        match seg {
            "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    format!("{origin}/{}{query}", segments.join("/"))
}

/// `sha256:<hex>` (or sha512, sha1, md5) against the bytes downloaded.
fn verify_checksum(body: &[u8], spec: &str) -> Result<(), String> {
    let (kind, want) = spec
        .split_once(':')
        .ok_or_else(|| format!("checksum {spec:?} must be TYPE:HEX (for example sha256:...)"))?;
    let got = match kind {
        "sha256" => hex::encode(sha2::Sha256::digest(body)),
        "sha512" => hex::encode(sha2::Sha512::digest(body)),
        "sha1" => hex::encode(sha1::Sha1::digest(body)),
        "md5" => hex::encode(md5::Md5::digest(body)),
        other => return Err(format!("unknown checksum type {other:?}")),
    };
    if got.eq_ignore_ascii_case(want) {
        Ok(())
    } else {
        Err(format!(
            "checksum mismatch: expected {kind} {want}, downloaded {got}"
        ))
    }
}

fn unpack(body: &[u8], kind: ArchiveKind, dest: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dest).map_err(|e| format!("{}: {e}", dest.display()))?;
    let bad = |e: std::io::Error| format!("could not unpack the archive: {e}");
    match kind {
        // `unpack` refuses entries that would land outside `dest` (`..`, absolute paths).
        ArchiveKind::TarGz => tar::Archive::new(flate2::read::GzDecoder::new(body))
            .unpack(dest)
            .map_err(bad),
        ArchiveKind::Tar => tar::Archive::new(body).unpack(dest).map_err(bad),
        // `extract` checks every name is enclosed in `dest`.
        ArchiveKind::Zip => zip::ZipArchive::new(std::io::Cursor::new(body))
            .and_then(|mut z| z.extract(dest))
            .map_err(|e| format!("could not unpack the zip archive: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_answers_resolve_against_the_url_asked() {
        let base = "http://127.0.0.1:9/v1/modules/a/b/c/1.0.0/download";
        assert_eq!(
            resolve_url(base, "/files/b.tar.gz"),
            "http://127.0.0.1:9/files/b.tar.gz"
        );
        assert_eq!(
            resolve_url(base, "./b.zip"),
            "http://127.0.0.1:9/v1/modules/a/b/c/1.0.0/b.zip"
        );
        assert_eq!(resolve_url("http://h", "x.zip"), "http://h/x.zip");
        assert_eq!(
            resolve_url(base, "../../x.tgz?archive=tgz"),
            "http://127.0.0.1:9/v1/modules/a/b/x.tgz?archive=tgz"
        );
        assert_eq!(
            resolve_url(base, "git::https://example.com/r.git?ref=v1"),
            "git::https://example.com/r.git?ref=v1"
        );
    }

    #[test]
    fn checksums_are_checked() {
        let sha = hex::encode(sha2::Sha256::digest(b"abc"));
        assert!(verify_checksum(b"abc", &format!("sha256:{sha}")).is_ok());
        let err = verify_checksum(b"abd", &format!("sha256:{sha}")).unwrap_err();
        assert!(err.contains("checksum mismatch"), "{err}");
        assert!(verify_checksum(b"abc", "crc:1").is_err());
    }
}
