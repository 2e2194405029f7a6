//! A real cloud throttles and fails: with a proxy between infra and moto that answers a share
//! of calls with throttling errors and 500s, apply and destroy still converge. And a killed
//! apply loses nothing: the next apply finishes the job without creating twins.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use support::{Work, moto_with_faults, text};

const NETWORK: &str = r#"
resource "aws_vpc" "main" {
  cidr_block = "10.40.0.0/16"
  tags = { Name = "faults" }
}

resource "aws_subnet" "s" {
  count      = 12
  vpc_id     = aws_vpc.main.id
  cidr_block = cidrsubnet(aws_vpc.main.cidr_block, 8, count.index)
  tags = { Name = "s${count.index}" }
}
"#;

/// Alarms: CloudWatch's SDK speaks another protocol (CBOR), whose faults the proxy answers in
/// kind.
const ALARMS: &str = r#"
resource "aws_cloudwatch_metric_alarm" "busy" {
  count               = 4
  alarm_name          = "faults-busy-${count.index}"
  comparison_operator = "GreaterThanThreshold"
  evaluation_periods  = 1
  metric_name         = "CPUUtilization"
  namespace           = "AWS/EC2"
  period              = 60
  statistic           = "Average"
  threshold           = 80
}
"#;

fn proxy_stats(endpoint: &str) -> String {
    // The proxy answers its own statistics on this path (never failed).
    let out = Command::new("python3")
        .args([
            "-c",
            &format!("import urllib.request;print(urllib.request.urlopen('{endpoint}/_fault/stats').read().decode())"),
        ])
        .output()
        .unwrap();
    text(&out.stdout)
}

#[test]
fn apply_and_destroy_converge_through_throttling_and_server_errors() {
    let moto = moto_with_faults(0.25);
    let config = format!("{NETWORK}{ALARMS}");
    let w = Work::at(moto.proxy_endpoint(), "eu-west-1", &config);
    w.ok(&["apply", "-auto-approve"]);
    let stats = proxy_stats(&moto.proxy_endpoint());
    let injected: u64 = stats
        .split_whitespace()
        .filter(|kv| kv.starts_with("throttled=") || kv.starts_with("failed="))
        .filter_map(|kv| kv.split('=').nth(1)?.parse::<u64>().ok())
        .sum();
    assert!(injected > 5, "the proxy injected faults: {stats}");
    w.assert_no_changes();
    // Straight from moto, past the proxy: everything exists once.
    let direct = Work::at(moto.endpoint(), "eu-west-1", &config);
    assert_eq!(direct.tagged_objects().len(), 13);
    let cw = aws_sdk_cloudwatch::Client::new(&direct.sdk());
    let alarms = || {
        support::runtime()
            .block_on(cw.describe_alarms().alarm_name_prefix("faults-").send())
            .unwrap()
            .metric_alarms()
            .len()
    };
    assert_eq!(alarms(), 4);
    w.ok(&["destroy", "-auto-approve"]);
    assert!(direct.tagged_objects().is_empty());
    assert_eq!(alarms(), 0);
    moto.stop();
}

#[test]
fn a_killed_apply_is_finished_by_the_next_without_twins() {
    let w = Work::new(NETWORK);
    // Kill at different points: after the k-th finished object.
    for k in [1usize, 4, 9] {
        if k > 1 {
            w.ok(&["destroy", "-auto-approve"]);
        }
        let mut child = w
            .command(&["apply", "-auto-approve", "--parallelism", "2"])
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let mut done = 0;
        for line in BufReader::new(child.stderr.take().unwrap()).lines() {
            let line = line.unwrap();
            if line.contains("complete") {
                done += 1;
                if done == k {
                    child.kill().unwrap();
                    break;
                }
            }
        }
        let _ = child.wait();
        // The next apply converges; every tagged object is in state exactly once.
        w.ok(&["apply", "-auto-approve"]);
        let tagged = w.tagged_objects();
        assert_eq!(tagged.len(), 13, "no twins, nothing missing: {tagged:?}");
        let state = w.state();
        let mut ids: Vec<String> = Vec::new();
        for r in state["resources"].as_array().unwrap() {
            for i in r["instances"].as_array().unwrap() {
                ids.push(i["attributes"]["id"].as_str().unwrap().to_string());
            }
        }
        ids.sort();
        let mut tagged_ids: Vec<String> = tagged.values().cloned().collect();
        tagged_ids.sort();
        assert_eq!(ids, tagged_ids, "state holds exactly the tagged objects");
        let out = w.infra(&["plan", "-detailed-exitcode"]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    }
}
