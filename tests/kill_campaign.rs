//! SIGKILL at random moments of creates, create-before-destroy replacements and destroys of a
//! cluster whose names infra generates (`name_prefix`, unnamed IAM inline policies, launch
//! configurations, which carry no tags): after every kill the next run must converge (apply or
//! destroy succeeds, then a plan shows no changes), and every object that exists must be in
//! the state: no orphans, none left after destroy.
//!
//! `INFRA_KILLS` sets the number of kills (12 by default, so the suite stays quick) and
//! `INFRA_KILL_SEED` where they land; `bench/kill_campaign.sh` runs it with 60 and prints the
//! tally.

mod support;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};
use support::{Work, runtime, text};

fn cluster(prefix: &str) -> String {
    format!(
        r##"
provider "aws" {{}}

variable "v" {{
  type    = string
  default = "1"
}}

resource "aws_vpc" "main" {{
  cidr_block = "10.77.0.0/16"
}}

resource "aws_subnet" "a" {{
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.77.1.0/24"
}}

resource "aws_security_group" "node" {{
  name_prefix = "{prefix}sg-"
  description = "nodes v${{var.v}}"
  vpc_id      = aws_vpc.main.id
  lifecycle {{
    create_before_destroy = true
  }}
}}

resource "aws_iam_role" "node" {{
  name_prefix        = "{prefix}role-"
  assume_role_policy = jsonencode({{
    Version   = "2012-10-17"
    Statement = [{{ Effect = "Allow", Action = "sts:AssumeRole", Principal = {{ Service = "ec2.amazonaws.com" }} }}]
  }})
}}

resource "aws_iam_role_policy" "node" {{
  role   = aws_iam_role.node.id
  policy = jsonencode({{
    Version   = "2012-10-17"
    Statement = [{{ Effect = "Allow", Action = "s3:GetObject", Resource = "arn:aws:s3:::bucket-v${{var.v}}/*" }}]
  }})
}}

resource "aws_iam_instance_profile" "node" {{
  name_prefix = "{prefix}profile-"
  role        = aws_iam_role.node.name
}}

resource "aws_launch_configuration" "node" {{
  name_prefix          = "{prefix}lc-"
  image_id             = "ami-12c6146b"
  instance_type        = "t3.micro"
  iam_instance_profile = aws_iam_instance_profile.node.name
  security_groups      = [aws_security_group.node.id]
  user_data            = "#cloud-config\nruncmd: [echo v${{var.v}}]\n"
  lifecycle {{
    create_before_destroy = true
  }}
}}

resource "aws_launch_template" "node" {{
  name_prefix   = "{prefix}lt-"
  image_id      = "ami-12c6146b"
  instance_type = "t3.micro"
  description   = "v${{var.v}}"
}}

resource "aws_autoscaling_group" "node" {{
  name_prefix          = "{prefix}asg-"
  launch_configuration = aws_launch_configuration.node.name
  vpc_zone_identifier  = [aws_subnet.a.id]
  min_size             = 0
  max_size             = 0
  desired_capacity     = 0
}}
"##
    )
}

/// Every object of the cluster that exists, by kind and identifier, among those named with
/// `prefix` (IAM is global in the emulator: the prefix keeps trials apart).
fn live(w: &Work, prefix: &str) -> BTreeSet<String> {
    let sdk = w.sdk();
    let ec2 = aws_sdk_ec2::Client::new(&sdk);
    let iam = aws_sdk_iam::Client::new(&sdk);
    let asg = aws_sdk_autoscaling::Client::new(&sdk);
    let rt = runtime();
    rt.block_on(async {
        let mut out = BTreeSet::new();
        for g in ec2
            .describe_security_groups()
            .send()
            .await
            .unwrap()
            .security_groups()
        {
            if g.group_name().unwrap_or_default().starts_with(prefix) {
                out.insert(format!("sg {}", g.group_id().unwrap_or_default()));
            }
        }
        for t in ec2
            .describe_launch_templates()
            .send()
            .await
            .unwrap()
            .launch_templates()
        {
            if t.launch_template_name()
                .unwrap_or_default()
                .starts_with(prefix)
            {
                out.insert(format!("lt {}", t.launch_template_id().unwrap_or_default()));
            }
        }
        for r in iam.list_roles().send().await.unwrap().roles() {
            if !r.role_name().starts_with(prefix) {
                continue;
            }
            out.insert(format!("role {}", r.role_name()));
            let policies = iam
                .list_role_policies()
                .role_name(r.role_name())
                .send()
                .await
                .unwrap();
            for p in policies.policy_names() {
                out.insert(format!("policy {}:{p}", r.role_name()));
            }
        }
        for p in iam
            .list_instance_profiles()
            .send()
            .await
            .unwrap()
            .instance_profiles()
        {
            if p.instance_profile_name().starts_with(prefix) {
                out.insert(format!("profile {}", p.instance_profile_name()));
            }
        }
        for c in asg
            .describe_launch_configurations()
            .send()
            .await
            .unwrap()
            .launch_configurations()
        {
            if c.launch_configuration_name()
                .unwrap_or_default()
                .starts_with(prefix)
            {
                out.insert(format!(
                    "lc {}",
                    c.launch_configuration_name().unwrap_or_default()
                ));
            }
        }
        for g in asg
            .describe_auto_scaling_groups()
            .send()
            .await
            .unwrap()
            .auto_scaling_groups()
        {
            if g.auto_scaling_group_name()
                .unwrap_or_default()
                .starts_with(prefix)
            {
                out.insert(format!(
                    "asg {}",
                    g.auto_scaling_group_name().unwrap_or_default()
                ));
            }
        }
        out
    })
}

/// The same identifiers for what the state records, deposed objects included.
fn recorded(state: &serde_json::Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for r in state["resources"].as_array().into_iter().flatten() {
        let kind = match r["type"].as_str().unwrap_or_default() {
            "aws_security_group" => "sg",
            "aws_launch_template" => "lt",
            "aws_iam_role" => "role",
            "aws_iam_role_policy" => "policy",
            "aws_iam_instance_profile" => "profile",
            "aws_launch_configuration" => "lc",
            "aws_autoscaling_group" => "asg",
            _ => continue,
        };
        for i in r["instances"].as_array().into_iter().flatten() {
            out.insert(format!(
                "{kind} {}",
                i["attributes"]["id"].as_str().unwrap_or_default()
            ));
        }
    }
    out
}

/// A small deterministic generator, so a failing trial can be replayed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, limit: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % limit.max(1)
    }
}

#[derive(Clone, Copy, Debug)]
enum Phase {
    Create,
    Replace,
    Destroy,
}

/// Runs `args` and kills it after `delay` unless it finished first; whether it was killed.
fn kill_after(w: &Work, args: &[&str], delay: Duration) -> bool {
    let mut child = w
        .command(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while started.elapsed() < delay {
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let killed = child.try_wait().unwrap().is_none();
    let _ = child.kill();
    let _ = child.wait();
    killed
}

fn timed(w: &Work, args: &[&str]) -> u64 {
    let t = Instant::now();
    w.ok(args);
    t.elapsed().as_millis() as u64
}

#[test]
fn kills_during_creates_replacements_and_destroys_leave_no_orphans_and_no_blocked_runs() {
    let kills: usize = std::env::var("INFRA_KILLS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(12);
    // How long each operation takes here, so kills land inside it.
    let probe_prefix = "kcprobe-";
    let probe = Work::new(&cluster(probe_prefix));
    // Every trial in the probe's region (there are fewer regions than kills): the names'
    // prefixes keep the trials apart.
    let at = |tf: &str| Work::at(probe.endpoint.clone(), probe.region, tf);
    let create_ms = timed(&probe, &["apply", "-auto-approve"]);
    let replace_ms = timed(&probe, &["apply", "-auto-approve", "-var", "v=2"]);
    let destroy_ms = timed(&probe, &["destroy", "-auto-approve", "-var", "v=2"]);
    assert!(live(&probe, probe_prefix).is_empty());

    let seed = std::env::var("INFRA_KILL_SEED")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0x2545f4914f6cdd1d_u64);
    let mut rng = Rng(seed | 1);
    let (mut mid, mut orphans, mut blocked) = (0, 0, 0);
    let mut notes = Vec::new();
    for trial in 0..kills {
        let phase = [Phase::Create, Phase::Replace, Phase::Destroy][trial % 3];
        let prefix = format!("kc{trial}-");
        let w = at(&cluster(&prefix));
        let (args, budget): (&[&str], u64) = match phase {
            Phase::Create => (&["apply", "-auto-approve"], create_ms),
            Phase::Replace => {
                w.ok(&["apply", "-auto-approve"]);
                (&["apply", "-auto-approve", "-var", "v=2"], replace_ms)
            }
            Phase::Destroy => {
                w.ok(&["apply", "-auto-approve"]);
                (&["destroy", "-auto-approve"], destroy_ms)
            }
        };
        let delay = rng.below(budget);
        if kill_after(&w, args, Duration::from_millis(delay)) {
            mid += 1;
        }
        // The next run, on the same machine: it must converge.
        let next: &[&str] = match phase {
            Phase::Create => &["apply", "-auto-approve"],
            Phase::Replace => &["apply", "-auto-approve", "-var", "v=2"],
            Phase::Destroy => &["destroy", "-auto-approve"],
        };
        let out = w.infra(next);
        let converged = out.status.success()
            && match phase {
                Phase::Destroy => true,
                Phase::Create => w.infra(&["plan", "-detailed-exitcode"]).status.code() == Some(0),
                Phase::Replace => {
                    w.infra(&["plan", "-detailed-exitcode", "-var", "v=2"])
                        .status
                        .code()
                        == Some(0)
                }
            };
        if !converged {
            blocked += 1;
            notes.push(format!(
                "trial {trial} ({phase:?}, killed after {delay} ms): next run blocked:\n{}{}",
                text(&out.stdout),
                text(&out.stderr)
            ));
            continue;
        }
        let state: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(w.path().join("infra.tfstate")).unwrap())
                .unwrap();
        let in_state = recorded(&state);
        let stray: Vec<String> = live(&w, &prefix).difference(&in_state).cloned().collect();
        // And destroy takes everything away.
        if !matches!(phase, Phase::Destroy) {
            let d = w.infra(&["destroy", "-auto-approve", "-var", "v=2"]);
            if !d.status.success() {
                blocked += 1;
                notes.push(format!(
                    "trial {trial} ({phase:?}): destroy failed: {}",
                    text(&d.stderr)
                ));
            }
        }
        let left = live(&w, &prefix);
        let lost: BTreeSet<String> = stray.iter().cloned().chain(left.iter().cloned()).collect();
        if !lost.is_empty() {
            orphans += lost.len();
            notes.push(format!(
                "trial {trial} ({phase:?}, killed after {delay} ms): orphaned {stray:?}, left after destroy {left:?}"
            ));
        }
    }
    eprintln!(
        "kill campaign: {kills} kills ({mid} mid-operation; create {create_ms} ms, replace {replace_ms} ms, destroy {destroy_ms} ms), {orphans} orphans, {blocked} blocked next runs"
    );
    assert!(notes.is_empty(), "{}", notes.join("\n"));
    assert!(
        mid * 2 >= kills,
        "only {mid} of {kills} kills landed mid-operation"
    );
}
