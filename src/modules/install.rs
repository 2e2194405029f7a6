//! `infra init`'s module step: every module call of the root module and, recursively, of the
//! modules it calls, installed into `.infra/modules/<key>` and recorded in the manifest. A call
//! already installed from the same source (at a version its constraint still allows) is kept
//! unless `upgrade`. A package is fetched into a temporary directory and renamed into place,
//! so an interrupted install never leaves a half-copied module where the loader looks.

use super::fetch::fetch;
use super::manifest::{MODULES_DIR, Manifest, Record, key};
use super::registry;
use super::source::{Remote, Source};
use super::version::Constraint;
use crate::config::{Module, ModuleCall, load_module};
use crate::diag::Diagnostic;
use std::collections::VecDeque;
use std::path::{Path, PathBuf};

/// How deep module calls may nest (a module calling itself would never end).
pub const MAX_DEPTH: usize = 32;

/// What the installer does for one call, for the command to print.
pub enum Event {
    /// A package is being fetched (`what`: the source, or the registry module and version).
    Downloading { key: String, what: String },
    /// The call's module is in `dir` (relative to the root): local, kept or just installed.
    Ready { key: String, dir: String },
}

/// Installs every module call under `root`; writes the manifest when all succeeded.
pub fn install(
    root: &Path,
    upgrade: bool,
    report: &mut dyn FnMut(Event),
) -> Result<Manifest, Vec<Diagnostic>> {
    let previous = Manifest::load(root)
        .map_err(|e| vec![Diagnostic::plain("Invalid module manifest", e)])?
        .unwrap_or_default();
    let mut out = Manifest {
        modules: vec![Record {
            key: String::new(),
            source: String::new(),
            version: None,
            dir: ".".into(),
        }],
    };
    let mut diags = Vec::new();
    let mut queue: VecDeque<(Vec<String>, Module)> = VecDeque::new();
    queue.push_back((Vec::new(), load_module(root)?));
    while let Some((path, module)) = queue.pop_front() {
        for (name, call) in &module.module_calls {
            let mut child = path.clone();
            child.push(name.clone());
            if child.len() > MAX_DEPTH {
                diags.push(Diagnostic::error(
                    "Module nesting too deep",
                    format!("Modules call each other more than {MAX_DEPTH} levels deep; is a module calling itself?"),
                    call.span,
                ));
                continue;
            }
            let k = key(&child);
            let installed = install_call(root, &module.dir, &previous, upgrade, &k, call, report);
            let (record, dir) = match installed {
                Ok(r) => r,
                Err(detail) => {
                    diags.push(Diagnostic::error(
                        "Failed to install module",
                        format!("Module \"{k}\" (source {:?}): {detail}", call.source),
                        call.source_span,
                    ));
                    continue;
                }
            };
            match load_module(&dir) {
                Ok(m) => queue.push_back((child, m)),
                Err(d) => diags.extend(d),
            }
            out.modules.push(record);
        }
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    out.save(root)
        .map_err(|e| vec![Diagnostic::plain("Failed to write the module manifest", e)])?;
    Ok(out)
}

fn install_call(
    root: &Path,
    caller_dir: &Path,
    previous: &Manifest,
    upgrade: bool,
    k: &str,
    call: &ModuleCall,
    report: &mut dyn FnMut(Event),
) -> Result<(Record, PathBuf), String> {
    let source = Source::parse(&call.source)?;
    let constraint = match (&call.version, &source) {
        (None, _) => None,
        (Some(v), Source::Registry(_)) => Some(Constraint::parse(v)?),
        (Some(_), _) => {
            return Err(
                "only registry modules take a version argument; pin a git source with ?ref= instead"
                    .into(),
            );
        }
    };
    let remote = match source {
        Source::Local(rel) => {
            // Resolved where the caller is, which inside a package is the package's copy.
            let dir = crate::sources::normalize(&caller_dir.join(&rel));
            if !dir.is_dir() {
                return Err(format!("{} is not a directory", dir.display()));
            }
            let shown = relative_to(root, &dir);
            report(Event::Ready {
                key: k.to_string(),
                dir: shown.clone(),
            });
            let record = Record {
                key: k.to_string(),
                source: call.source.clone(),
                version: None,
                dir: shown,
            };
            return Ok((record, dir));
        }
        other => other,
    };
    if !upgrade
        && let Some(prev) = previous.get(k)
        && prev.source == call.source
        && root.join(&prev.dir).is_dir()
        && constraint
            .as_ref()
            .is_none_or(|c| c.allows_installed(prev.version.as_deref()))
    {
        report(Event::Ready {
            key: k.to_string(),
            dir: prev.dir.clone(),
        });
        return Ok((prev.clone(), root.join(&prev.dir)));
    }
    let (package, subdirs, version) = match remote {
        Source::Registry(addr) => {
            let resolved = registry::resolve(&addr, constraint.as_ref())?;
            report(Event::Downloading {
                key: k.to_string(),
                what: format!("{addr} {}", resolved.version),
            });
            let Source::Remote(package) = Source::parse(&resolved.package)? else {
                return Err(format!(
                    "the registry's download location {:?} is not a package address",
                    resolved.package
                ));
            };
            let subdirs = [package.subdir.clone(), addr.subdir.clone()];
            (package, subdirs, Some(resolved.version.to_string()))
        }
        Source::Remote(package) => {
            report(Event::Downloading {
                key: k.to_string(),
                what: call.source.clone(),
            });
            let subdirs = [package.subdir.clone(), None];
            (package, subdirs, None)
        }
        Source::Local(_) => unreachable!("handled above"),
    };
    let package_dir = fetch_package(root, k, &package)?;
    let mut dir = package_dir.clone();
    for s in subdirs.iter().flatten() {
        dir.push(s);
    }
    if !dir.is_dir() {
        return Err(format!(
            "the package has no directory {:?}",
            subdirs
                .iter()
                .flatten()
                .cloned()
                .collect::<Vec<_>>()
                .join("/")
        ));
    }
    let record = Record {
        key: k.to_string(),
        source: call.source.clone(),
        version,
        dir: relative_to(root, &dir),
    };
    report(Event::Ready {
        key: k.to_string(),
        dir: record.dir.clone(),
    });
    Ok((record, dir))
}

/// Fetches a package into `.infra/modules/<key>` through a temporary directory beside it.
fn fetch_package(root: &Path, k: &str, package: &Remote) -> Result<PathBuf, String> {
    let base = root.join(MODULES_DIR);
    std::fs::create_dir_all(&base).map_err(|e| format!("{}: {e}", base.display()))?;
    let dest = base.join(if k.is_empty() { "_" } else { k });
    let tmp = base.join(format!(".{k}.{}.tmp", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    if let Err(e) = fetch(&package.fetch, &tmp) {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(e);
    }
    if dest.exists() {
        std::fs::remove_dir_all(&dest).map_err(|e| format!("{}: {e}", dest.display()))?;
    }
    std::fs::rename(&tmp, &dest).map_err(|e| format!("{}: {e}", dest.display()))?;
    Ok(dest)
}

/// `dir` relative to `root` when it is inside it, for the manifest; else as it is.
fn relative_to(root: &Path, dir: &Path) -> String {
    let rel = dir
        .strip_prefix(root)
        .map(Path::to_path_buf)
        .ok()
        .or_else(|| {
            let (r, d) = (root.canonicalize().ok()?, dir.canonicalize().ok()?);
            d.strip_prefix(&r).ok().map(Path::to_path_buf)
        });
    match rel {
        Some(p) if p.as_os_str().is_empty() => ".".into(),
        Some(p) => p.display().to_string(),
        None => dir.display().to_string(),
    }
}
