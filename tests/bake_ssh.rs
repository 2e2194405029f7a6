//! `infra bake` with the ssh communicator: the EC2 side against moto, the SSH side against a
//! real OpenSSH server on loopback (`ssh_host`/`ssh_port` point the builder's connection at
//! it), so uploads and shell provisioners really run and their effects are checked on disk.

mod support;

use support::bake::{api_calls, assert_no_leftovers, baked_images, moto_ami};
use support::sshd::{KeyInstaller, Sshd, free_port, user};
use support::{Work, fresh_region, runtime, text};

/// An image whose provisioners write into `out`, a directory of the test.
fn image_tf(
    ami: &str,
    port: u16,
    out: &std::path::Path,
    provisioners: &str,
    extra: &str,
) -> String {
    format!(
        r#"
image "base" {{
  source_ami    = "{ami}"
  instance_type = "t3.small"
  ssh_username  = "{user}"
  ssh_host      = "127.0.0.1"
  ssh_port      = {port}
  ssh_timeout   = "60s"
  {provisioners}
  ami_name = "base-{{{{fingerprint}}}}"
  tags     = {{ Role = "base" }}
  {extra}
}}
"#,
        user = user(),
        provisioners = provisioners.replace("OUT", &out.display().to_string()),
    )
}

const PROVISIONERS: &str = r#"
  provisioner "file" {
    source      = "agent.conf"
    destination = "OUT/agent.conf"
  }
  provisioner "shell" {
    inline           = ["echo hello from $ROLE", "cp OUT/agent.conf OUT/copied.conf"]
    environment_vars = ["ROLE=base"]
  }
  provisioner "shell" { script = "install.sh" }
"#;

fn bake(w: &Work, args: &[&str]) -> std::process::Output {
    w.command(&["bake"])
        .args(args)
        .output()
        .expect("infra runs")
}

fn bake_ok(w: &Work, args: &[&str]) -> String {
    let out = bake(w, args);
    assert!(
        out.status.success(),
        "infra bake failed:\n{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stderr)
}

#[test]
fn ssh_bake_uploads_runs_provisioners_and_leaves_only_the_image() {
    let sshd = Sshd::start();
    let copy_region = fresh_region();
    let w = Work::new("");
    let out = w.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let ami = moto_ami(&w);
    w.write(&image_tf(
        &ami,
        sshd.port,
        &out,
        PROVISIONERS,
        &format!("ami_regions = [\"{copy_region}\"]\n  ami_users = [\"123456789012\"]"),
    ));
    std::fs::write(w.path().join("agent.conf"), "level=info\n").unwrap();
    std::fs::write(
        w.path().join("install.sh"),
        format!("#!/bin/sh\nid -un > {}/script-ran\n", out.display()),
    )
    .unwrap();
    let installer = KeyInstaller::start(w.ec2(), sshd.authorized_keys());

    let err = bake_ok(&w, &["--manifest", "manifest.json"]);

    // The provisioners ran on the "builder", in order, with their environment.
    assert_eq!(
        std::fs::read_to_string(out.join("agent.conf")).unwrap(),
        "level=info\n"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("copied.conf")).unwrap(),
        "level=info\n"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("script-ran"))
            .unwrap()
            .trim(),
        user()
    );
    // Their output was streamed, prefixed with the image's name.
    assert!(err.contains("image.base:   hello from base"), "{err}");
    // The builder booted with a temporary ed25519 key pair, and its security group let SSH in
    // from this machine only, on the SSH port only.
    let seen = installer.seen();
    assert_eq!(seen.len(), 1, "{err}");
    assert!(
        seen[0].public_key.starts_with("ssh-ed25519 "),
        "{:?}",
        seen[0]
    );
    assert!(
        seen[0].key_name.starts_with("infra-bake-base-"),
        "{:?}",
        seen[0]
    );
    assert_eq!(
        seen[0].ingress,
        vec![(
            "tcp".to_string(),
            i32::from(sshd.port),
            i32::from(sshd.port),
            "127.0.0.1/32".to_string()
        )]
    );

    // One image, tagged, shared and copied; nothing temporary left.
    let ec2 = w.ec2();
    let images = baked_images(&ec2);
    assert_eq!(images.len(), 1, "{err}");
    let (image_id, fp) = images[0].clone();
    let rt = runtime();
    let image = rt
        .block_on(ec2.describe_images().image_ids(&image_id).send())
        .unwrap()
        .images()[0]
        .clone();
    let tag = |k: &str| {
        image
            .tags()
            .iter()
            .find(|t| t.key() == Some(k))
            .and_then(|t| t.value())
            .map(str::to_string)
    };
    assert_eq!(tag("infra:source-ami"), Some(ami.clone()));
    assert!(tag("infra:build-time").is_some() && tag("infra:version").is_some());
    let perms = rt
        .block_on(
            ec2.describe_image_attribute()
                .image_id(&image_id)
                .attribute(aws_sdk_ec2::types::ImageAttributeName::LaunchPermission)
                .send(),
        )
        .unwrap();
    assert_eq!(
        perms.launch_permissions()[0].user_id(),
        Some("123456789012")
    );
    let there = rt.block_on(support::ec2_client(&w.endpoint, copy_region));
    assert_eq!(baked_images(&there).len(), 1);
    assert_eq!(baked_images(&there)[0].1, fp);
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(w.path().join("manifest.json")).unwrap())
            .unwrap();
    assert_eq!(
        manifest["builds"][0]["artifacts"][w.region],
        image_id.as_str()
    );
    assert_no_leftovers(&w);

    // Unchanged inputs: no build, no new image, at most 2 API calls.
    std::fs::remove_file(out.join("script-ran")).unwrap();
    let err = bake_ok(&w, &["--stats"]);
    assert!(err.contains("up to date"), "{err}");
    assert!(api_calls(&err) <= 2, "{err}");
    assert!(!out.join("script-ran").exists(), "nothing ran");
    assert_eq!(baked_images(&ec2).len(), 1);

    // One byte of the script changed: a new image, and the script ran again.
    std::fs::write(
        w.path().join("install.sh"),
        format!("#!/bin/sh\nid -un >>{}/script-ran\n", out.display()),
    )
    .unwrap();
    bake_ok(&w, &[]);
    assert!(out.join("script-ran").exists());
    let images = baked_images(&ec2);
    assert_eq!(images.len(), 2);
    assert!(images.iter().any(|(_, f)| *f != fp));
    assert_no_leftovers(&w);
}

#[test]
fn a_failing_provisioner_reports_its_last_lines_and_leaves_nothing() {
    let sshd = Sshd::start();
    let w = Work::new("");
    let out = w.path().join("out");
    let ami = moto_ami(&w);
    w.write(&image_tf(
        &ami,
        sshd.port,
        &out,
        r#"provisioner "shell" { inline = ["echo about to fail", "echo on stderr >&2", "exit 3", "echo never"] }"#,
        "",
    ));
    let _installer = KeyInstaller::start(w.ec2(), sshd.authorized_keys());
    let o = bake(&w, &[]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("provisioner 1 (shell inline) exited with status 3"),
        "{err}"
    );
    assert!(
        err.contains("  about to fail") && err.contains("  on stderr"),
        "{err}"
    );
    assert!(!err.contains("never"), "{err}");
    assert_no_leftovers(&w);
    assert!(baked_images(&w.ec2()).is_empty());
}

#[test]
fn an_ssh_timeout_fails_the_bake_and_leaves_nothing() {
    let w = Work::new("");
    let ami = moto_ami(&w);
    // Nothing listens on this port.
    let port = free_port();
    let tf = image_tf(
        &ami,
        port,
        w.path(),
        r#"provisioner "shell" { inline = ["true"] }"#,
        "",
    )
    .replace("ssh_timeout   = \"60s\"", "ssh_timeout   = \"2s\"");
    w.write(&tf);
    let o = bake(&w, &[]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("did not answer within 2s"), "{err}");
    assert_no_leftovers(&w);
}

#[test]
fn ctrl_c_during_a_provisioner_removes_the_builder_key_pair_and_group() {
    let sshd = Sshd::start();
    let w = Work::new("");
    let out = w.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let ami = moto_ami(&w);
    w.write(&image_tf(&ami, sshd.port, &out, HANGING, ""));
    let _installer = KeyInstaller::start(w.ec2(), sshd.authorized_keys());
    let o = interrupt_while_provisioning(&w, &["bake"], &out);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(130), "{err}");
    assert!(
        err.contains("Interrupted: removing the temporary objects"),
        "{err}"
    );
    assert_no_leftovers(&w);
    assert!(baked_images(&w.ec2()).is_empty());
}

#[test]
fn ctrl_c_during_a_bake_in_apply_stops_it_and_removes_its_temporaries() {
    let sshd = Sshd::start();
    let w = Work::new("");
    let out = w.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let ami = moto_ami(&w);
    let config = image_tf(&ami, sshd.port, &out, HANGING, "")
        + r#"
resource "aws_launch_template" "web" {
  name     = "web"
  image_id = image.base.id
}
"#;
    w.write(&config);
    let _installer = KeyInstaller::start(w.ec2(), sshd.authorized_keys());
    let o = interrupt_while_provisioning(&w, &["apply", "-auto-approve"], &out);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("Apply interrupted"), "{err}");
    // The bake was stopped, not waited for: its provisioner never got past the sleep.
    assert!(!out.join("finished").exists(), "{err}");
    assert_no_leftovers(&w);
    assert!(baked_images(&w.ec2()).is_empty());
    let list = w.ok(&["state", "list"]);
    assert!(!list.contains("aws_launch_template.web"), "{list}");
}

const HANGING: &str =
    r#"provisioner "shell" { inline = ["touch OUT/started", "sleep 30", "touch OUT/finished"] }"#;

/// Runs infra with `args`, sends it SIGINT once the provisioner has started (the builder, key
/// pair and group all exist then), and returns what it printed.
fn interrupt_while_provisioning(
    w: &Work,
    args: &[&str],
    out: &std::path::Path,
) -> std::process::Output {
    let mut child = w
        .command(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !out.join("started").exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "the provisioner never started"
        );
        assert!(child.try_wait().unwrap().is_none(), "infra ended early");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let live = support::bake::temporary_objects(w);
    assert_eq!(
        live,
        (1, 1, 1),
        "builder, key pair and group exist while provisioning"
    );
    let killed = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    child.wait_with_output().unwrap()
}
