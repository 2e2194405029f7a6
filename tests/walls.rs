//! The walls ARCHITECTURE.md draws, kept by a test rather than by review: only `cli/` (and
//! `main.rs`, which installs the log writer) prints, every room below reporting through return
//! values, report traits or `diag::notify`; `provider/` is an interface and its
//! implementations, knowing nothing of the configuration, the engine or the state.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code of a file without its comments and its `#[cfg(test)]` module.
fn code(text: &str) -> String {
    let text = text.split("#[cfg(test)]").next().unwrap_or(text);
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn nothing_below_cli_prints() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let printing = [
        "println!",
        "eprintln!",
        "print!(",
        "eprint!(",
        "io::stdout()",
        "io::stderr()",
        "dbg!(",
    ];
    let mut offenders = Vec::new();
    for f in &files {
        let rel = f.strip_prefix(&src).unwrap();
        if rel.starts_with("cli") || rel == Path::new("main.rs") {
            continue;
        }
        let text = code(&std::fs::read_to_string(f).unwrap());
        for p in printing {
            if text.contains(p) {
                offenders.push(format!("{}: {p}", rel.display()));
            }
        }
    }
    assert!(files.len() > 50, "no sources found under {}", src.display());
    assert!(offenders.is_empty(), "printing outside cli/: {offenders:?}");
}

#[test]
fn providers_know_nothing_of_the_engine() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/provider");
    let mut files = Vec::new();
    rust_files(&dir, &mut files);
    let rooms = [
        "crate::config",
        "crate::graph",
        "crate::evaluate",
        "crate::plan",
        "crate::apply",
        "crate::state",
        "crate::run",
        "crate::cli",
        "crate::bake",
    ];
    let mut offenders = Vec::new();
    for f in &files {
        let text = code(&std::fs::read_to_string(f).unwrap());
        for r in rooms {
            if text.contains(&format!("{r}::")) || text.contains(&format!("use {r};")) {
                offenders.push(format!("{}: {r}", f.display()));
            }
        }
    }
    assert!(!files.is_empty());
    assert!(
        offenders.is_empty(),
        "provider/ reaches into: {offenders:?}"
    );
}

#[test]
fn bake_does_not_reach_into_plan() {
    // Plan looks images up through bake; the instance logic both need is in instance/.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/bake");
    let mut files = Vec::new();
    rust_files(&dir, &mut files);
    let offenders: Vec<_> = files
        .iter()
        .filter(|f| code(&std::fs::read_to_string(f).unwrap()).contains("crate::plan"))
        .collect();
    assert!(!files.is_empty());
    assert!(offenders.is_empty(), "bake/ imports plan/: {offenders:?}");
}
