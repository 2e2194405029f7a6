//! Interrupted applies lose nothing: after SIGKILL the next apply finishes the job from the
//! journal and state, each instance recorded once; after SIGTERM infra stops starting work,
//! lets what is in flight finish, saves state and releases the lock, within two seconds.

mod support;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn layered_sleeps(n: usize, width: usize, ms: u32) -> String {
    let mut s = String::new();
    for i in 0..n {
        let deps = if i < width {
            String::new()
        } else {
            format!("  depends_on      = [time_sleep.s{}]\n", i - width)
        };
        s.push_str(&format!(
            "resource \"time_sleep\" \"s{i}\" {{\n  create_duration = \"{ms}ms\"\n{deps}}}\n\n"
        ));
    }
    s
}

fn start_apply(dir: &Path) -> Child {
    support::command_in(dir, &["apply", "-auto-approve", "-parallelism=4"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("infra starts")
}

/// Waits (bounded) until the apply has recorded at least `n` finished instances.
fn wait_for_progress(dir: &Path, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        // Finished instances only (a journal also holds its base serial and intents).
        let lines = std::fs::read_to_string(dir.join("infra.tfstate.journal"))
            .map(|s| s.lines().filter(|l| l.contains(r#""op":"upsert""#)).count())
            .unwrap_or(0);
        if lines >= n {
            return;
        }
        assert!(Instant::now() < deadline, "apply made no progress");
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn addresses(dir: &Path) -> Vec<String> {
    let out = support::infra_in(dir, &["state", "list"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn sigkill_mid_apply_then_apply_again_converges_without_duplicates() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("main.tf"), layered_sleeps(120, 8, 15)).unwrap();
    for round in 0..3 {
        let mut child = start_apply(d.path());
        wait_for_progress(d.path(), 10 + round * 20);
        child.kill().unwrap();
        let _ = child.wait();
        // What was finished before the kill is visible at once (journal replay).
        let seen = addresses(d.path());
        let unique: std::collections::HashSet<_> = seen.iter().collect();
        assert_eq!(
            unique.len(),
            seen.len(),
            "an instance recorded twice: {seen:?}"
        );
        assert!(seen.len() >= 10, "finished work was lost: {}", seen.len());
        // The killed process's lock is left behind, as after any crash.
        let lock = d.path().join("infra.tfstate.lock.info");
        if lock.exists() {
            let info: serde_json::Value =
                serde_json::from_slice(&std::fs::read(&lock).unwrap()).unwrap();
            let id = info["ID"].as_str().unwrap().to_string();
            let out = support::infra_in(d.path(), &["force-unlock", &id]);
            assert!(out.status.success());
        }
    }
    let out = support::infra_in(d.path(), &["apply", "-auto-approve"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let all = addresses(d.path());
    assert_eq!(all.len(), 120);
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.path().join("infra.tfstate")).unwrap()).unwrap();
    assert_eq!(state["resources"].as_array().unwrap().len(), 120);
    let out = support::infra_in(d.path(), &["plan", "-detailed-exitcode"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[cfg(unix)]
#[test]
fn sigterm_stops_new_work_saves_state_and_releases_the_lock_quickly() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("main.tf"), layered_sleeps(60, 4, 100)).unwrap();
    let mut child = start_apply(d.path());
    wait_for_progress(d.path(), 4);
    let signalled = Instant::now();
    let rc = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(rc.success());
    let status = child.wait().unwrap();
    let took = signalled.elapsed();
    assert!(took < Duration::from_secs(2), "took {took:?} to stop");
    assert!(!status.success(), "an interrupted apply exits non-zero");
    let mut err = String::new();
    use std::io::Read;
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(err.contains("Interrupt received"), "{err}");
    assert!(
        !d.path().join("infra.tfstate.lock.info").exists(),
        "lock released"
    );
    let done = addresses(d.path()).len();
    assert!((4..60).contains(&done), "{done} instances recorded");
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.path().join("infra.tfstate")).unwrap()).unwrap();
    assert_eq!(
        state["resources"].as_array().unwrap().len(),
        done,
        "the state file itself holds the finished work"
    );
}
