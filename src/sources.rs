//! Every file a command reads from the configuration goes through here: module files, files
//! read by `file()` and its family, templates, image provisioner files. While a plan is made
//! the reads are recorded, so the plan file carries a snapshot of exactly what was evaluated;
//! `infra apply PLAN` then serves reads from that snapshot before the disk, so an edit to the
//! working tree after the plan (a changed file, a new `.tf` file, a deleted one) changes nothing
//! the plan promised. Paths are keyed relative to the working directory, so a plan made in one
//! checkout applies in another with the same layout.

use std::collections::BTreeMap;
use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

/// The files of a snapshot, by path relative to the working directory (`/`-separated).
pub type Files = BTreeMap<String, Vec<u8>>;

static RECORDED: Mutex<Option<Files>> = Mutex::new(None);
static SERVED: RwLock<Option<Arc<Files>>> = RwLock::new(None);

/// Starts recording every read (a plan is being made).
pub fn record() {
    *RECORDED.lock().unwrap_or_else(|p| p.into_inner()) = Some(Files::new());
}

/// What was read since `record`, and stops recording.
pub fn take_recorded() -> Files {
    RECORDED
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take()
        .unwrap_or_default()
}

/// Serves reads from `files` first (a saved plan is being applied).
pub fn serve(files: Files) {
    *SERVED.write().unwrap_or_else(|p| p.into_inner()) = Some(Arc::new(files));
}

fn served() -> Option<Arc<Files>> {
    SERVED.read().unwrap_or_else(|p| p.into_inner()).clone()
}

/// `path` relative to the working directory, lexically (no symlinks followed), `/`-separated;
/// `..` steps for paths outside it.
pub fn key(path: &Path) -> String {
    let cwd = std::env::current_dir().unwrap_or_default();
    let abs = normalize(&if path.is_absolute() {
        path.to_path_buf()
    } else {
        cwd.join(path)
    });
    let cwd = normalize(&cwd);
    let common = abs
        .components()
        .zip(cwd.components())
        .take_while(|(a, b)| a == b)
        .count();
    let mut parts: Vec<String> = Vec::new();
    for _ in cwd.components().skip(common) {
        parts.push("..".into());
    }
    for c in abs.components().skip(common) {
        parts.push(c.as_os_str().to_string_lossy().into_owned());
    }
    if parts.is_empty() {
        ".".into()
    } else {
        parts.join("/")
    }
}

/// `a/b/../c` → `a/c`, lexically (no symlinks followed): what a person would write. A `..`
/// that climbs above a relative path's start is kept; above the root it stays at the root.
pub fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir if out.file_name().is_some() => {
                out.pop();
            }
            Component::ParentDir if out.has_root() => {}
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    if out.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        out
    }
}

fn remember(path: &Path, bytes: &[u8]) {
    if let Some(files) = RECORDED.lock().unwrap_or_else(|p| p.into_inner()).as_mut() {
        files.insert(key(path), bytes.to_vec());
    }
}

/// Reads a configuration file: from the served snapshot when it has it, else from disk.
pub fn read(path: &Path) -> io::Result<Vec<u8>> {
    if let Some(files) = served()
        && let Some(bytes) = files.get(&key(path))
    {
        return Ok(bytes.clone());
    }
    let bytes = std::fs::read(path)?;
    remember(path, &bytes);
    Ok(bytes)
}

pub fn read_to_string(path: &Path) -> io::Result<String> {
    String::from_utf8(read(path)?).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            "stream did not contain valid UTF-8",
        )
    })
}

/// What a path is, from the served snapshot or the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    File,
    Dir,
    Other,
}

pub fn kind(path: &Path) -> io::Result<Kind> {
    if let Some(files) = served() {
        let k = key(path);
        if files.contains_key(&k) {
            return Ok(Kind::File);
        }
        let prefix = if k == "." {
            String::new()
        } else {
            format!("{k}/")
        };
        if files.keys().any(|f| f.starts_with(&prefix)) {
            return Ok(Kind::Dir);
        }
    }
    let meta = std::fs::metadata(path)?;
    Ok(if meta.is_file() {
        Kind::File
    } else if meta.is_dir() {
        Kind::Dir
    } else {
        Kind::Other
    })
}

/// The entries of a directory: names and kinds. Served from the snapshot when it holds
/// anything under `dir` (then it is the whole truth: files added since the plan do not exist);
/// listed files are recorded, so what a listing found is in the snapshot too.
pub fn list(dir: &Path) -> io::Result<Vec<(String, Kind)>> {
    if let Some(files) = served() {
        let k = key(dir);
        let prefix = if k == "." {
            String::new()
        } else {
            format!("{k}/")
        };
        let mut out: BTreeMap<String, Kind> = BTreeMap::new();
        for f in files.keys() {
            if let Some(rest) = f.strip_prefix(&prefix) {
                match rest.split_once('/') {
                    Some((d, _)) => {
                        out.entry(d.to_string()).or_insert(Kind::Dir);
                    }
                    None => {
                        out.insert(rest.to_string(), Kind::File);
                    }
                }
            }
        }
        if !out.is_empty() {
            return Ok(out.into_iter().collect());
        }
    }
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir)? {
        let e = e?;
        let name = e.file_name().to_string_lossy().into_owned();
        let kind = match std::fs::metadata(e.path()) {
            Ok(m) if m.is_file() => Kind::File,
            Ok(m) if m.is_dir() => Kind::Dir,
            _ => Kind::Other,
        };
        out.push((name, kind));
    }
    out.sort();
    Ok(out)
}

/// Records a file a listing found (its contents, so the snapshot can serve it).
pub fn note(path: &Path) {
    if RECORDED.lock().unwrap_or_else(|p| p.into_inner()).is_some()
        && served().is_none()
        && let Ok(bytes) = std::fs::read(path)
    {
        remember(path, &bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_relative_to_the_working_directory_and_lexical() {
        let cwd = std::env::current_dir().unwrap();
        assert_eq!(key(Path::new("a/./b/../c.tf")), "a/c.tf");
        assert_eq!(key(&cwd.join("x/y.tf")), "x/y.tf");
        let parent = cwd.parent().unwrap().join("sibling/m.tf");
        assert_eq!(key(&parent), "../sibling/m.tf");
        assert_eq!(key(Path::new(".")), ".");
    }
}
