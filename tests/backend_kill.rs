//! A CI runner killed at any moment of an apply with its state in S3: the next runner, in a
//! fresh directory on "another machine", force-unlocks, applies and re-plans clean, and every
//! AWS object the killed run created is in the state exactly once (none orphaned), because the
//! intent and the finished changes were kept beside the state in the bucket.

mod support;

use std::time::{Duration, Instant};
use support::s3::{bucket, runner};
use support::{Work, moto, text};

fn stack(subnets: usize) -> String {
    format!(
        r#"
provider "aws" {{}}

resource "aws_vpc" "main" {{
  cidr_block = "10.60.0.0/16"
  tags       = {{ Name = "killed" }}
}}

resource "aws_subnet" "s" {{
  count      = {subnets}
  vpc_id     = aws_vpc.main.id
  cidr_block = cidrsubnet(aws_vpc.main.cidr_block, 8, count.index)
}}

resource "aws_security_group" "g" {{
  count  = {subnets}
  name   = "g-${{count.index}}"
  vpc_id = aws_vpc.main.id
}}

resource "aws_internet_gateway" "gw" {{
  vpc_id = aws_vpc.main.id
}}

resource "aws_route_table" "rt" {{
  vpc_id = aws_vpc.main.id
}}

resource "aws_route_table_association" "a" {{
  count          = {subnets}
  subnet_id      = aws_subnet.s[count.index].id
  route_table_id = aws_route_table.rt.id
}}
"#
    )
}

/// (address, id) of every managed instance in a pulled state.
fn recorded(state: &serde_json::Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for r in state["resources"].as_array().into_iter().flatten() {
        if r["mode"] != "managed" {
            continue;
        }
        for i in r["instances"].as_array().into_iter().flatten() {
            let key = match &i["index_key"] {
                serde_json::Value::Null => String::new(),
                k => format!("[{k}]"),
            };
            out.push((
                format!(
                    "{}.{}{key}",
                    r["type"].as_str().unwrap(),
                    r["name"].as_str().unwrap()
                ),
                i["attributes"]["id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            ));
        }
    }
    out.sort();
    out
}

/// A small deterministic generator, so a failing trial can be replayed: `n` delays below
/// `limit_ms`.
fn delays(n: usize, limit_ms: u64) -> Vec<u64> {
    let mut x: u64 = 0x9e3779b97f4a7c15;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % limit_ms.max(1)
        })
        .collect()
}

#[test]
fn a_runner_killed_anywhere_leaves_nothing_the_next_runner_cannot_find() {
    let m = moto();
    let b = bucket(&m.endpoint());
    let key = "killed/terraform.tfstate";
    let first = runner(&b, key, "", &stack(3));
    // How long a whole apply takes here: kills land anywhere inside it.
    let started = Instant::now();
    first.ok(&["apply", "-auto-approve"]);
    let full = started.elapsed().as_millis() as u64;
    first.ok(&["destroy", "-auto-approve"]);
    let tf = std::fs::read_to_string(first.path().join("main.tf")).unwrap();
    let (mut journals_seen, mut killed_mid_apply, mut locks_left) = (0, 0, 0);
    for (trial, delay) in delays(20, full * 3 / 4).into_iter().enumerate() {
        let subnets = trial % 3 + 1;
        let tf = tf.replace(&stack(3), &stack(subnets));
        // The killed runner, starting from nothing.
        let killed = Work::at(m.endpoint(), first.region, &tf);
        killed.ok(&["init"]);
        let mut child = killed
            .command(&["apply", "-auto-approve"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let started = Instant::now();
        while started.elapsed() < Duration::from_millis(delay) {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        if child.try_wait().unwrap().is_none() {
            killed_mid_apply += 1;
        }
        let _ = child.kill();
        let _ = child.wait();
        let journals = |b: &support::s3::Bucket| {
            b.keys()
                .into_iter()
                .filter(|k| k.starts_with(&format!("{key}.journal/")))
                .count()
        };
        if journals(&b) > 0 {
            journals_seen += 1;
        }

        // The next runner: a fresh directory, the same configuration.
        let next = Work::at(m.endpoint(), first.region, &tf);
        next.ok(&["init"]);
        let out = next.infra(&["plan"]);
        if !out.status.success() {
            let err = text(&out.stderr);
            let id = err
                .split("infra force-unlock ")
                .nth(1)
                .map(|s| s.trim().to_string())
                .unwrap_or_else(|| panic!("trial {trial}: plan failed, not on a lock: {err}"));
            next.ok(&["force-unlock", &id]);
            locks_left += 1;
        }
        next.ok(&["apply", "-auto-approve"]);
        let plan = next.infra(&["plan", "-detailed-exitcode"]);
        assert_eq!(
            plan.status.code(),
            Some(0),
            "trial {trial} (killed after {delay} ms): {}\n{}",
            text(&plan.stdout),
            text(&plan.stderr)
        );
        let state: serde_json::Value = serde_json::from_str(&next.ok(&["state", "pull"])).unwrap();
        let in_state = recorded(&state);
        let live = next.tagged_list();
        for obj in &live {
            assert!(
                in_state.contains(obj),
                "trial {trial} (killed after {delay} ms): {obj:?} is orphaned; state has {in_state:?}"
            );
        }
        assert_eq!(live.len(), 3 + 2 * subnets, "trial {trial}: {live:?}");
        assert_eq!(journals(&b), 0, "trial {trial}: a journal was left behind");
        next.ok(&["destroy", "-auto-approve"]);
        assert!(
            next.tagged_list().is_empty(),
            "trial {trial}: destroy left objects"
        );
    }
    eprintln!(
        "{killed_mid_apply} of 20 runs killed mid-apply; {locks_left} left their lock, {journals_seen} a journal (apply takes {full} ms)"
    );
    assert!(
        killed_mid_apply >= 8,
        "only {killed_mid_apply} of 20 kills landed mid-apply"
    );
    assert!(journals_seen > 0, "no kill ever left a journal behind");
}
