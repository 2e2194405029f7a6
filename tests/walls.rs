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

/// Every Rust file under `src/<room>` (all of `src/` for ""), with its path relative to `src/`
/// and its code.
fn sources(room: &str) -> Vec<(PathBuf, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src.join(room), &mut files);
    assert!(!files.is_empty(), "no sources under src/{room}");
    files
        .into_iter()
        .map(|f| {
            let text = code(&std::fs::read_to_string(&f).unwrap());
            (f.strip_prefix(&src).unwrap().to_path_buf(), text)
        })
        .collect()
}

/// The files of `room` that name any of `rooms` (`crate::plan`), as `file: room` lines.
fn reaches(room: &str, rooms: &[&str]) -> Vec<String> {
    sources(room)
        .iter()
        .flat_map(|(rel, text)| {
            rooms
                .iter()
                .filter(|r| text.contains(&format!("{r}::")) || text.contains(&format!("use {r};")))
                .map(move |r| format!("{}: {r}", rel.display()))
        })
        .collect()
}

#[test]
fn nothing_below_cli_prints() {
    let printing = [
        "println!",
        "eprintln!",
        "print!(",
        "eprint!(",
        "io::stdout()",
        "io::stderr()",
        "dbg!(",
    ];
    let files = sources("");
    assert!(files.len() > 50, "only {} sources found", files.len());
    let offenders: Vec<String> = files
        .iter()
        .filter(|(rel, _)| !rel.starts_with("cli") && rel != Path::new("main.rs"))
        .flat_map(|(rel, text)| {
            printing
                .iter()
                .filter(|p| text.contains(*p))
                .map(move |p| format!("{}: {p}", rel.display()))
        })
        .collect();
    assert!(offenders.is_empty(), "printing outside cli/: {offenders:?}");
}

#[test]
fn providers_know_nothing_of_the_engine() {
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
        "crate::rollout",
    ];
    let offenders = reaches("provider", &rooms);
    assert!(
        offenders.is_empty(),
        "provider/ reaches into: {offenders:?}"
    );
}

#[test]
fn the_module_installer_knows_nothing_of_evaluation() {
    // It reads configuration files and fetches sources; the loader in graph/ reads its manifest.
    let rooms = [
        "crate::graph",
        "crate::evaluate",
        "crate::plan",
        "crate::apply",
        "crate::state",
        "crate::provider",
        "crate::run",
        "crate::cli",
        "crate::bake",
    ];
    let offenders = reaches("modules", &rooms);
    assert!(offenders.is_empty(), "modules/ reaches into: {offenders:?}");
}

#[test]
fn rollouts_know_only_the_fleet_interface() {
    // A rollout steers a group through `provider::fleet::Fleet` and reports through traits the
    // apply implements: no state, no plan, no AWS SDK.
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
        "crate::provider::aws",
        "aws_sdk",
    ];
    let offenders = reaches("rollout", &rooms);
    assert!(offenders.is_empty(), "rollout/ reaches into: {offenders:?}");
}

#[test]
fn bake_does_not_reach_into_plan() {
    // Plan looks images up through bake; the instance logic both need is in instance/.
    let offenders: Vec<PathBuf> = sources("bake")
        .into_iter()
        .filter(|(_, text)| text.contains("crate::plan"))
        .map(|(rel, _)| rel)
        .collect();
    assert!(offenders.is_empty(), "bake/ imports plan/: {offenders:?}");
}

/// The AWS provider stays a place a newcomer can extend: one resource type per file, no file
/// over 700 lines, and every type registered in the one table of `aws/mod.rs` (or, a wrapper,
/// put around the registered ones there).
#[test]
fn the_aws_provider_has_one_small_file_per_type_on_a_table() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src.join("provider/aws"), &mut files);
    let registry = std::fs::read_to_string(src.join("provider/aws/mod.rs")).unwrap();
    let mut problems = Vec::new();
    let mut type_count = 0;
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let rel = f.strip_prefix(&src).unwrap().display().to_string();
        let lines = text.lines().count();
        if lines > 700 {
            problems.push(format!("{rel}: {lines} lines (at most 700)"));
        }
        // A type implements `AsyncResourceType`, or `GroupChild` (which gives it that), or, a
        // wrapper, `ResourceType` itself.
        let types: Vec<&str> = text
            .lines()
            .filter_map(|l| {
                [
                    "impl AsyncResourceType for ",
                    "impl GroupChild for ",
                    "impl ResourceType for ",
                ]
                .iter()
                .find_map(|p| l.strip_prefix(p))
            })
            .map(|l| l.trim_end_matches(" {"))
            .collect();
        type_count += types.len();
        if types.len() > 1 {
            problems.push(format!("{rel}: {} resource types ({types:?})", types.len()));
        }
        // A resource type's schema comes from its attribute table (provider/aws/table.rs),
        // never from a list written beside the code that reads.
        if !types.is_empty() && text.contains("Schema::new(") {
            problems.push(format!(
                "{rel}: builds a Schema by hand; declare the attributes in a Table"
            ));
        }
        // A wrapper `configure` puts around every type (a resource's own region) is no type.
        for t in types {
            if !registry.contains(&format!("{t}::new("))
                && !registry.contains(&format!("{t}::wrap("))
            {
                problems.push(format!("{rel}: {t} is not in the registration table"));
            }
        }
    }
    assert!(
        files.len() > 30,
        "only {} provider files found",
        files.len()
    );
    assert!(
        type_count > 50,
        "only {type_count} resource types found: does the test still recognise them?"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
