//! Module source addresses, read as Terraform reads them: local paths (`./`, `../`), registry
//! addresses (`[host/]namespace/name/system`), and remote packages: `git::<url>` with `?ref=`
//! and `?depth=`, the `github.com/org/repo` and `git@host:path` shorthands, and `https://`
//! archives (`.zip`, `.tar.gz`, `?archive=`, `?checksum=`). `//subdir` after the package picks a
//! directory inside it, on every kind.

use std::fmt;

/// The registry host of an address that names none.
pub const DEFAULT_REGISTRY: &str = "registry.terraform.io";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Local(String),
    Registry(RegistryAddress),
    Remote(Remote),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryAddress {
    pub host: String,
    pub namespace: String,
    pub name: String,
    pub system: String,
    pub subdir: Option<String>,
}

impl fmt::Display for RegistryAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{}/{}/{}",
            self.host, self.namespace, self.name, self.system
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remote {
    pub fetch: Fetch,
    /// A directory inside the package (`//modules/vpc`).
    pub subdir: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetch {
    /// A git repository: cloned with the `git` binary.
    Git {
        url: String,
        reference: Option<String>,
        depth: Option<u32>,
    },
    /// An archive over HTTP(S), checked against `checksum` (`sha256:<hex>`) when given.
    Archive {
        url: String,
        kind: ArchiveKind,
        checksum: Option<String>,
    },
    /// An HTTP(S) URL that is not an archive: its `X-Terraform-Get` header says where the
    /// package is.
    Lookup { url: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArchiveKind {
    Zip,
    TarGz,
    Tar,
}

impl ArchiveKind {
    fn from_name(s: &str) -> Option<ArchiveKind> {
        match s {
            "zip" => Some(ArchiveKind::Zip),
            "tar.gz" | "tgz" => Some(ArchiveKind::TarGz),
            "tar" => Some(ArchiveKind::Tar),
            _ => None,
        }
    }

    /// The kind a URL's path names by its ending.
    fn of_path(path: &str) -> Option<ArchiveKind> {
        ["tar.gz", "tgz", "zip", "tar"]
            .iter()
            .find(|ext| path.ends_with(&format!(".{ext}")))
            .and_then(|ext| ArchiveKind::from_name(ext))
    }
}

impl Source {
    pub fn parse(s: &str) -> Result<Source, String> {
        if s.starts_with("./") || s.starts_with("../") || s == "." || s == ".." {
            return Ok(Source::Local(s.to_string()));
        }
        if s.starts_with('/') {
            return Err(format!(
                "{s:?} is an absolute path; Terraform reads local modules only by a path starting with ./ or ../ (or put git::file://{s} to install it as a package)."
            ));
        }
        let (package, subdir) = split_subdir(s);
        if let Some(r) = registry_address(&package, subdir.clone()) {
            return Ok(Source::Registry(r));
        }
        Ok(Source::Remote(Remote {
            fetch: remote(&package)?,
            subdir,
        }))
    }

    pub fn is_local(&self) -> bool {
        matches!(self, Source::Local(_))
    }
}

/// `pkg//sub/dir?q` → (`pkg?q`, `sub/dir`): the `//` after any `scheme://`.
pub fn split_subdir(s: &str) -> (String, Option<String>) {
    let (body, forced) = match s.split_once("::") {
        Some((g, rest)) if !g.contains('/') => (rest, Some(g)),
        _ => (s, None),
    };
    let after_scheme = body.find("://").map(|i| i + 3).unwrap_or(0);
    let Some(i) = body[after_scheme..].find("//").map(|i| i + after_scheme) else {
        return (s.to_string(), None);
    };
    let (pkg, rest) = (&body[..i], &body[i + 2..]);
    let (sub, query) = match rest.split_once('?') {
        Some((sub, q)) => (sub, Some(q)),
        None => (rest, None),
    };
    let mut package = forced.map(|g| format!("{g}::")).unwrap_or_default();
    package.push_str(pkg);
    if let Some(q) = query {
        package.push(if pkg.contains('?') { '&' } else { '?' });
        package.push_str(q);
    }
    let sub = sub.trim_matches('/');
    (package, (!sub.is_empty()).then(|| sub.to_string()))
}

fn is_registry_part(s: &str, max: usize) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= max
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || *c == b'-' || *c == b'_')
}

fn is_hostname(s: &str) -> bool {
    let host = s.rsplit_once(':').map_or(s, |(h, port)| {
        if port.bytes().all(|b| b.is_ascii_digit()) {
            h
        } else {
            s
        }
    });
    (host.contains('.') || host == "localhost")
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
}

fn registry_address(package: &str, subdir: Option<String>) -> Option<RegistryAddress> {
    if package.contains("::") || package.contains('?') || package.contains("://") {
        return None;
    }
    let parts: Vec<&str> = package.split('/').collect();
    let (host, rest) = match parts.as_slice() {
        [ns, name, system] => (DEFAULT_REGISTRY, [*ns, *name, *system]),
        // github.com and bitbucket.org are git hosts, never registries (Terraform's rule).
        [host, ns, name, system]
            if is_hostname(host) && !matches!(*host, "github.com" | "bitbucket.org") =>
        {
            (*host, [*ns, *name, *system])
        }
        _ => return None,
    };
    let [namespace, name, system] = rest;
    let system_ok = !system.is_empty()
        && system.len() <= 64
        && system
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    (is_registry_part(namespace, 64) && is_registry_part(name, 64) && system_ok).then(|| {
        RegistryAddress {
            host: host.to_ascii_lowercase(),
            namespace: namespace.to_string(),
            name: name.to_string(),
            system: system.to_string(),
            subdir,
        }
    })
}

/// The query parameters of a URL, and the URL without them.
fn take_query(url: &str) -> (String, Vec<(String, String)>) {
    match url.split_once('?') {
        None => (url.to_string(), Vec::new()),
        Some((base, q)) => (
            base.to_string(),
            q.split('&')
                .filter(|p| !p.is_empty())
                .map(|p| match p.split_once('=') {
                    Some((k, v)) => (k.to_string(), v.to_string()),
                    None => (p.to_string(), String::new()),
                })
                .collect(),
        ),
    }
}

fn remote(package: &str) -> Result<Fetch, String> {
    if let Some((getter, rest)) = package.split_once("::")
        && !getter.contains('/')
    {
        return match getter {
            "git" => git(rest),
            "http" | "https" => http(rest),
            "s3" | "gcs" | "hg" => Err(format!(
                "{package:?}: infra does not install {getter} module sources; use git, an HTTPS archive or a module registry."
            )),
            _ => Err(format!("{package:?}: unknown source kind {getter:?}.")),
        };
    }
    if let Some(path) = package.strip_prefix("github.com/") {
        let mut segs = path.splitn(3, '/');
        let (org, repo) = (segs.next().unwrap_or(""), segs.next().unwrap_or(""));
        if org.is_empty() || repo.is_empty() {
            return Err(format!(
                "{package:?}: a GitHub source names a repository: github.com/ORG/REPO."
            ));
        }
        let (repo, query) = match repo.split_once('?') {
            Some((r, q)) => (r, format!("?{q}")),
            None => (repo, String::new()),
        };
        let repo = repo.strip_suffix(".git").unwrap_or(repo);
        return git(&format!("https://github.com/{org}/{repo}.git{query}"));
    }
    if package.starts_with("git@") {
        return git(package);
    }
    if package.starts_with("https://") || package.starts_with("http://") {
        return http(package);
    }
    if package.starts_with("bitbucket.org/") {
        return Err(format!(
            "{package:?}: write Bitbucket sources as git::https://bitbucket.org/ORG/REPO.git."
        ));
    }
    Err(format!(
        "{package:?} is not a module source infra knows: a local path starts with ./ or ../, a registry module is NAMESPACE/NAME/SYSTEM (optionally after a host), and a package is git::URL, github.com/ORG/REPO or an https:// archive."
    ))
}

fn git(url: &str) -> Result<Fetch, String> {
    let (base, query) = take_query(url);
    let (mut reference, mut depth) = (None, None);
    for (k, v) in query {
        match k.as_str() {
            "ref" => reference = Some(v),
            "depth" => {
                depth = Some(
                    v.parse::<u32>()
                        .map_err(|_| format!("{url:?}: depth must be a whole number."))?,
                )
            }
            other => {
                return Err(format!(
                    "{url:?}: git sources take ?ref= and ?depth=, not ?{other}=."
                ));
            }
        }
    }
    if base.is_empty() {
        return Err("a git source needs a URL after git::".into());
    }
    Ok(Fetch::Git {
        url: base,
        reference,
        depth,
    })
}

fn http(url: &str) -> Result<Fetch, String> {
    let (base, query) = take_query(url);
    let (mut kind, mut checksum, mut kept) = (None, None, Vec::new());
    for (k, v) in query {
        match k.as_str() {
            "archive" => {
                kind = Some(ArchiveKind::from_name(&v).ok_or_else(|| {
                    format!("{url:?}: archive={v} is not zip, tar.gz, tgz or tar.")
                })?)
            }
            "checksum" => checksum = Some(v),
            _ => kept.push(format!("{k}={v}")),
        }
    }
    // Other parameters (a signed URL's) belong to the URL.
    let full = if kept.is_empty() {
        base.clone()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    Ok(match kind.or_else(|| ArchiveKind::of_path(&base)) {
        Some(kind) => Fetch::Archive {
            url: full,
            kind,
            checksum,
        },
        None => Fetch::Lookup { url: full },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn remote(s: &str) -> Remote {
        match Source::parse(s).unwrap() {
            Source::Remote(r) => r,
            other => panic!("{s}: {other:?}"),
        }
    }

    #[test]
    fn git_sources_with_ref_depth_and_subdir() {
        let r = remote("git::https://example.com/network.git//modules/vpc?ref=v1.2.0&depth=1");
        assert_eq!(r.subdir.as_deref(), Some("modules/vpc"));
        assert_eq!(
            r.fetch,
            Fetch::Git {
                url: "https://example.com/network.git".into(),
                reference: Some("v1.2.0".into()),
                depth: Some(1),
            }
        );
        let r = remote("github.com/hashicorp/example//sub?ref=main");
        assert_eq!(
            r.fetch,
            Fetch::Git {
                url: "https://github.com/hashicorp/example.git".into(),
                reference: Some("main".into()),
                depth: None,
            }
        );
        assert_eq!(r.subdir.as_deref(), Some("sub"));
        let r = remote("git::file:///tmp/repo?ref=abc123");
        assert!(matches!(r.fetch, Fetch::Git { ref url, .. } if url == "file:///tmp/repo"));
        assert!(matches!(
            remote("git@github.com:org/repo.git").fetch,
            Fetch::Git { .. }
        ));
        assert!(Source::parse("git::https://x/y.git?sshkey=abc").is_err());
    }

    #[test]
    fn registry_addresses_with_and_without_a_host() {
        let Source::Registry(r) = Source::parse("hashicorp/consul/aws//modules/x").unwrap() else {
            panic!()
        };
        assert_eq!(r.to_string(), "registry.terraform.io/hashicorp/consul/aws");
        assert_eq!(r.subdir.as_deref(), Some("modules/x"));
        let Source::Registry(r) = Source::parse("127.0.0.1:8080/acme/vpc/aws").unwrap() else {
            panic!()
        };
        assert_eq!(r.host, "127.0.0.1:8080");
        // A git host is never a registry, whatever the shape.
        assert!(matches!(
            Source::parse("github.com/a/b/c").unwrap(),
            Source::Remote(_)
        ));
        assert!(matches!(
            Source::parse("github.com/a/b").unwrap(),
            Source::Remote(_)
        ));
    }

    #[test]
    fn archives_by_extension_or_parameter() {
        let r = remote("https://example.com/vpc.tar.gz//vpc?checksum=sha256:ab");
        assert_eq!(
            r.fetch,
            Fetch::Archive {
                url: "https://example.com/vpc.tar.gz".into(),
                kind: ArchiveKind::TarGz,
                checksum: Some("sha256:ab".into()),
            }
        );
        assert_eq!(r.subdir.as_deref(), Some("vpc"));
        let r = remote("https://example.com/get?archive=zip&sig=1");
        assert_eq!(
            r.fetch,
            Fetch::Archive {
                url: "https://example.com/get?sig=1".into(),
                kind: ArchiveKind::Zip,
                checksum: None,
            }
        );
        assert!(matches!(
            remote("https://example.com/module").fetch,
            Fetch::Lookup { .. }
        ));
    }

    #[test]
    fn local_paths_and_refusals() {
        assert!(Source::parse("./net").unwrap().is_local());
        assert!(Source::parse("../x").unwrap().is_local());
        assert!(Source::parse("/abs").is_err());
        assert!(Source::parse("s3::https://bucket/x.zip").is_err());
        assert!(Source::parse("just-a-word").is_err());
    }
}
