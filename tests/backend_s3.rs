//! The S3 backend against moto: what a team's CI runners see. Each runner is its own
//! directory, as two CI jobs are; they share only the bucket.

mod support;

use support::s3::{Bucket, bucket, lock_table, runner};
use support::{moto, text};

const STACK: &str = r#"
variable "n" {
  type    = number
  default = 1
}
resource "terraform_data" "a" {
  input = "value-${var.n}"
}
output "a" {
  value = terraform_data.a.output
}
output "token" {
  value     = "secret-${var.n}"
  sensitive = true
}
"#;

fn state_keys(b: &Bucket) -> Vec<String> {
    let mut k = b.keys();
    k.sort();
    k
}

#[test]
fn a_second_runner_in_a_fresh_directory_sees_the_first_runners_state() {
    let b = bucket(&moto().endpoint());
    let first = runner(&b, "cluster/terraform.tfstate", "", STACK);
    let out = first.ok(&["apply", "-auto-approve", "-var", "n=7"]);
    assert!(out.contains("a = \"value-7\""), "{out}");
    assert!(
        out.contains("token = <sensitive>") && !out.contains("secret-7"),
        "{out}"
    );
    // The state is in the bucket, the lock is gone, and nothing was written locally.
    assert_eq!(state_keys(&b), ["cluster/terraform.tfstate"]);
    let st = b.state("cluster/terraform.tfstate");
    assert_eq!(st["version"], 4);
    assert_eq!(st["outputs"]["token"]["sensitive"], true);
    assert!(!first.path().join("infra.tfstate").exists());
    assert!(first.path().join(".infra/backend.json").exists());
    let ignore = std::fs::read_to_string(first.path().join(".infra/.gitignore")).unwrap();
    assert!(ignore.lines().any(|l| l == "*"), "{ignore}");

    let second = runner(&b, "cluster/terraform.tfstate", "", STACK);
    let plan = second.infra(&["plan", "-detailed-exitcode", "-var", "n=7"]);
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan.stderr));
    assert_eq!(second.ok(&["output", "-raw", "a"]), "value-7");
    let json: serde_json::Value = serde_json::from_str(&second.ok(&["output", "-json"])).unwrap();
    assert_eq!(json["token"]["sensitive"], true);
    // A change from the second runner is a conditional write over the first's version.
    second.ok(&["apply", "-auto-approve", "-var", "n=8"]);
    assert_eq!(
        b.state("cluster/terraform.tfstate")["serial"],
        st["serial"].as_u64().unwrap() + 1
    );
    assert_eq!(first.ok(&["output", "-raw", "a"]), "value-8");
    assert!(b.versions("cluster/terraform.tfstate").len() >= 2);
}

#[test]
fn bad_backend_input_is_a_clear_error_and_writes_nothing() {
    let b = bucket(&moto().endpoint());
    let w = support::Work::new(&format!(
        "{}\n{STACK}",
        b.backend_block("app/terraform.tfstate", "")
    ));

    // Not initialized: nothing runs, nothing is written locally or remotely.
    let out = w.infra(&["plan"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("Backend initialization required: run infra init"),
        "{}",
        text(&out.stderr)
    );
    assert!(!w.path().join("infra.tfstate").exists());

    // A missing bucket names bucket and key.
    let out = w.infra(&["init", "-backend-config=bucket=no-such-bucket"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("s3://no-such-bucket/app/terraform.tfstate") && err.contains("does not exist"),
        "{err}"
    );
    assert!(!w.path().join(".infra/backend.json").exists());

    // A misspelled argument is named, with its location and a suggestion.
    w.write(&format!(
        "{}\n{STACK}",
        b.backend_block("app/terraform.tfstate", "use_lockfil = true")
    ));
    let err = text(&w.infra(&["init"]).stderr);
    assert!(
        err.contains("use_lockfil") && err.contains("use_lockfile") && err.contains("main.tf:"),
        "{err}"
    );

    // Another backend type is refused by name, never replaced by a local file.
    w.write(&format!(
        "terraform {{\n  backend \"gcs\" {{\n    bucket = \"x\"\n  }}\n}}\n{STACK}"
    ));
    let out = w.infra(&["init"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        err.contains("\"gcs\"") && err.contains("\"s3\"") && err.contains("\"local\""),
        "{err}"
    );
    let out = w.infra(&["apply", "-auto-approve"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(!w.path().join("infra.tfstate").exists());

    // Initialized, then the block changes: every state command refuses until init.
    w.write(&format!(
        "{}\n{STACK}",
        b.backend_block("app/terraform.tfstate", "")
    ));
    w.ok(&["init"]);
    w.ok(&["apply", "-auto-approve"]);
    w.write(&format!(
        "{}\n{STACK}",
        b.backend_block("moved/terraform.tfstate", "")
    ));
    for args in [
        vec!["plan"],
        vec!["apply", "-auto-approve"],
        vec!["state", "list"],
        vec!["output"],
    ] {
        let out = w.infra(&args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(
            text(&out.stderr).contains("Backend initialization required"),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
    assert_eq!(state_keys(&b), ["app/terraform.tfstate"]);

    // A corrupt state object is named, and never overwritten.
    w.write(&format!(
        "{}\n{STACK}",
        b.backend_block("app/terraform.tfstate", "")
    ));
    b.put("app/terraform.tfstate", b"{ not json");
    let out = w.infra(&["apply", "-auto-approve", "-var", "n=2"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        err.contains(&format!("s3://{}/app/terraform.tfstate", b.name))
            && err.contains("not valid state JSON"),
        "{err}"
    );
    assert_eq!(b.get("app/terraform.tfstate").unwrap(), b"{ not json");
    // ... and so is one of a newer format.
    b.put(
        "app/terraform.tfstate",
        br#"{"version": 5, "serial": 1, "lineage": "x"}"#,
    );
    let err = text(&w.infra(&["plan"]).stderr);
    assert!(err.contains("format version 5"), "{err}");
    // The lock was released each time.
    assert!(!state_keys(&b).iter().any(|k| k.ends_with(".tflock")));
}

#[test]
fn a_held_lock_names_its_holder_and_force_unlock_releases_it() {
    let b = bucket(&moto().endpoint());
    let w = runner(&b, "held/terraform.tfstate", "", STACK);
    w.ok(&["apply", "-auto-approve"]);
    // A lock as Terraform writes it, left by a runner that was killed.
    let lock = serde_json::json!({
        "ID": "3f3f3f3f-0000-4000-8000-000000000001",
        "Operation": "OperationTypeApply",
        "Info": "",
        "Who": "ci@runner-17",
        "Version": "1.15.0",
        "Created": "2026-12-01T10:00:00.000000000Z",
        "Path": format!("{}/held/terraform.tfstate", b.name),
    });
    b.put("held/terraform.tfstate.tflock", lock.to_string().as_bytes());
    let before = b.state("held/terraform.tfstate");
    let out = w.infra(&["apply", "-auto-approve", "-var", "n=3"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    for needle in [
        "Error acquiring the state lock",
        "ci@runner-17",
        "OperationTypeApply",
        "2026-12-01T10:00:00",
        "infra force-unlock 3f3f3f3f-0000-4000-8000-000000000001",
    ] {
        assert!(err.contains(needle), "{needle}: {err}");
    }
    assert_eq!(b.state("held/terraform.tfstate"), before);
    // --lock-timeout waits, then fails the same way.
    let started = std::time::Instant::now();
    let out = w.infra(&["plan", "--lock-timeout", "1s"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(started.elapsed() >= std::time::Duration::from_secs(1));
    // The wrong ID is refused and leaves the lock alone.
    let out = w.infra(&["force-unlock", "not-the-id"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(b.get("held/terraform.tfstate.tflock").is_some());
    w.ok(&["force-unlock", "3f3f3f3f-0000-4000-8000-000000000001"]);
    assert!(b.get("held/terraform.tfstate.tflock").is_none());
    w.ok(&["apply", "-auto-approve", "-var", "n=3"]);
    assert_eq!(w.ok(&["output", "-raw", "a"]), "value-3");
}

#[test]
fn dynamodb_locks_and_digests_in_terraforms_layout() {
    let m = moto();
    let b = bucket(&m.endpoint());
    let table = format!("{}-locks", b.name);
    lock_table(&m.endpoint(), &table);
    let w = runner(
        &b,
        "ddb/terraform.tfstate",
        &format!("dynamodb_table = \"{table}\""),
        STACK,
    );
    w.ok(&["apply", "-auto-approve"]);
    let d = support::s3::dynamodb(&m.endpoint());
    let rt = support::runtime();
    let get = |id: String| {
        rt.block_on(
            d.get_item()
                .table_name(&table)
                .key("LockID", aws_sdk_dynamodb::types::AttributeValue::S(id))
                .send(),
        )
        .unwrap()
        .item()
        .cloned()
    };
    // The digest item Terraform checks: md5 of the state object.
    let body = b.get("ddb/terraform.tfstate").unwrap();
    let digest = get(format!("{}/ddb/terraform.tfstate-md5", b.name)).expect("digest item");
    use md5::Digest as _;
    assert_eq!(
        digest["Digest"].as_s().unwrap(),
        &hex::encode(md5::Md5::digest(&body))
    );
    // No lock is left behind.
    assert!(get(format!("{}/ddb/terraform.tfstate", b.name)).is_none());

    // A lock held in the table alone stops a run and names the holder.
    let info = serde_json::json!({"ID": "ddb-lock-1", "Operation": "OperationTypePlan", "Info": "", "Who": "tf@elsewhere", "Version": "1.15.0", "Created": "2026-12-01T10:00:00Z", "Path": ""});
    rt.block_on(
        d.put_item()
            .table_name(&table)
            .item(
                "LockID",
                aws_sdk_dynamodb::types::AttributeValue::S(format!(
                    "{}/ddb/terraform.tfstate",
                    b.name
                )),
            )
            .item(
                "Info",
                aws_sdk_dynamodb::types::AttributeValue::S(info.to_string()),
            )
            .send(),
    )
    .unwrap();
    let out = w.infra(&["apply", "-auto-approve", "-var", "n=2"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        err.contains("tf@elsewhere") && err.contains("infra force-unlock ddb-lock-1"),
        "{err}"
    );
    // The lock file taken before the table refused was given back.
    assert!(b.get("ddb/terraform.tfstate.tflock").is_none());
    w.ok(&["force-unlock", "ddb-lock-1"]);
    w.ok(&["apply", "-auto-approve", "-var", "n=2"]);

    // A state object changed behind the digest's back is refused, not overwritten.
    b.put("ddb/terraform.tfstate", &body);
    let out = w.infra(&["plan"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("digest") && err.contains("ddb/terraform.tfstate"),
        "{err}"
    );
}

#[test]
fn two_runners_racing_for_the_lock_never_both_change_the_state() {
    let b = bucket(&moto().endpoint());
    // The sleep keeps the winner's lock held while the loser asks for it.
    let stack = r#"
variable "n" {
  type = number
}
resource "time_sleep" "hold" {
  create_duration = "1s"
  triggers        = { n = tostring(var.n) }
}
resource "terraform_data" "a" {
  input = var.n
  depends_on = [time_sleep.hold]
}
"#;
    let runners = [
        runner(&b, "race/terraform.tfstate", "", stack),
        runner(&b, "race/terraform.tfstate", "", stack),
    ];
    let trials = 50;
    let mut lock_failures = 0;
    for n in 1..=trials {
        let n_arg = format!("n={n}");
        let children: Vec<_> = runners
            .iter()
            .map(|r| {
                r.command(&["apply", "-auto-approve", "-var", &n_arg])
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        let outs: Vec<_> = children
            .into_iter()
            .map(|c| c.wait_with_output().unwrap())
            .collect();
        let changed: Vec<bool> = outs
            .iter()
            .map(|o| {
                let out = text(&o.stdout);
                o.status.success()
                    && out.contains("Apply complete!")
                    && !out.contains("Resources: 0 added, 0 changed, 0 destroyed")
            })
            .collect();
        assert_eq!(
            changed.iter().filter(|c| **c).count(),
            1,
            "trial {n}: exactly one runner changes the state:\n{}\n{}",
            text(&outs[0].stderr),
            text(&outs[1].stderr)
        );
        for o in &outs {
            if !o.status.success() {
                assert!(
                    text(&o.stderr).contains("Error acquiring the state lock"),
                    "trial {n}: {}",
                    text(&o.stderr)
                );
                lock_failures += 1;
            }
        }
        let st = b.state("race/terraform.tfstate");
        let resources = st["resources"].as_array().unwrap();
        assert_eq!(resources.len(), 2, "trial {n}: {st}");
        for r in resources {
            assert_eq!(
                r["instances"].as_array().unwrap().len(),
                1,
                "trial {n}: {st}"
            );
        }
        let a = resources
            .iter()
            .find(|r| r["type"] == "terraform_data")
            .unwrap();
        assert_eq!(
            a["instances"][0]["attributes"]["input"]["value"], n,
            "trial {n}"
        );
        assert!(
            b.get("race/terraform.tfstate.tflock").is_none(),
            "trial {n}"
        );
    }
    // Every trial ran both at once: the loser failed on the lock, never ran after the winner.
    assert_eq!(lock_failures, trials);
}

#[test]
fn a_runner_that_lost_its_lock_never_overwrites_the_newer_state() {
    let b = bucket(&moto().endpoint());
    let stack = r#"
variable "n" {
  type = number
}
resource "time_sleep" "hold" {
  create_duration = "3s"
  triggers        = { n = tostring(var.n) }
}
resource "terraform_data" "a" {
  input      = var.n
  depends_on = [time_sleep.hold]
}
"#;
    let key = "lost/terraform.tfstate";
    let slow = runner(&b, key, "", stack);
    let other = runner(&b, key, "", stack);
    other.ok(&["apply", "-auto-approve", "-var", "n=1"]);
    let apply = slow
        .command(&["apply", "-auto-approve", "-var", "n=2"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Someone breaks the lock while the slow run still works, and applies n=3.
    let info: serde_json::Value =
        serde_json::from_slice(&b.wait_for(&format!("{key}.tflock"))).unwrap();
    other.ok(&["force-unlock", info["ID"].as_str().unwrap()]);
    other.ok(&["apply", "-auto-approve", "-var", "n=3"]);
    let newer = b.state(key);
    let out = apply.wait_with_output().unwrap();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}\n{}", text(&out.stdout));
    assert!(err.contains("State changed by someone else"), "{err}");
    assert!(err.contains(&format!("{key}.journal")), "{err}");
    // The newer state is intact.
    assert_eq!(b.state(key), newer);
    assert_eq!(other.ok(&["output", "-json"]).trim(), "{}");
    // The next run is not allowed to apply the stale journal over it, and says what to do.
    let out = other.infra(&["plan", "-var", "n=3"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("older than the state") && err.contains(&format!("{key}.journal")),
        "{err}"
    );
    assert_eq!(b.state(key), newer);
}

#[test]
fn encryption_assume_role_and_service_endpoints_reach_the_api() {
    let m = moto();
    let b = bucket(&m.endpoint());
    // A role to assume, as a CI runner's credentials usually are.
    let iam = aws_sdk_iam::Client::new(&support::runtime().block_on(support::sdk_config(
        &m.endpoint(),
        support::s3::STATE_REGION,
    )));
    let role = support::runtime()
        .block_on(
            iam.create_role()
                .role_name(format!("{}-deployer", b.name))
                .assume_role_policy_document(
                    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}"#,
                )
                .send(),
        )
        .unwrap();
    let arn = role.role().unwrap().arn().to_string();
    let w = runner(
        &b,
        "sse/terraform.tfstate",
        &format!(
            "encrypt = true\n    acl = \"private\"\n    max_retries = 2\n    assume_role = {{\n      role_arn     = \"{arn}\"\n      session_name = \"ci\"\n    }}"
        ),
        STACK,
    );
    let init = w.ok(&["init"]);
    assert!(
        init.contains(&format!("assumed-role/{}-deployer/ci", b.name)),
        "{init}"
    );
    // Only the S3 endpoint variable: the backend needs nothing else for a provider-free stack.
    let out = w
        .command(&["apply", "-auto-approve"])
        .env_remove("AWS_ENDPOINT_URL")
        .env("AWS_ENDPOINT_URL_S3", m.endpoint())
        .env("AWS_ENDPOINT_URL_STS", m.endpoint())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let s3 = support::s3::client(&m.endpoint());
    let head = support::runtime()
        .block_on(
            s3.head_object()
                .bucket(&b.name)
                .key("sse/terraform.tfstate")
                .send(),
        )
        .unwrap();
    assert_eq!(
        head.server_side_encryption(),
        Some(&aws_sdk_s3::types::ServerSideEncryption::Aes256)
    );
    assert_eq!(head.content_type(), Some("application/json"));
}
