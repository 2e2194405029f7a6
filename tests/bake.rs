//! `infra bake` against moto with the user-data communicator. moto runs no user data, so the
//! tests set INFRA_BAKE_EMULATED_BUILDER: infra stops the builder itself where a real one
//! would power itself off.

mod support;

use support::bake::{api_calls, assert_no_leftovers, baked_images, moto_ami};
use support::{Work, fresh_region, runtime, text};

fn main_tf(source_ami: &str, extra: &str) -> String {
    format!(
        r#"
image "base" {{
  source_ami    = "{source_ami}"
  instance_type = "t3.small"
  communicator  = "user-data"
  provisioner "file" {{
    source      = "agent.conf"
    destination = "/etc/agent.conf"
  }}
  provisioner "shell" {{
    inline           = ["echo hello"]
    environment_vars = ["ROLE=base"]
  }}
  provisioner "shell" {{ script = "install.sh" }}
  ami_name = "base-{{{{fingerprint}}}}"
  tags     = {{ Role = "base" }}
  {extra}
}}
"#
    )
}

fn bake(w: &Work, args: &[&str]) -> std::process::Output {
    w.command(&["bake"])
        .args(args)
        .env("INFRA_BAKE_EMULATED_BUILDER", "1")
        .output()
        .expect("infra runs")
}

fn bake_ok(w: &Work, args: &[&str]) -> (String, String) {
    let out = bake(w, args);
    assert!(
        out.status.success(),
        "infra bake failed:\n{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    (text(&out.stdout), text(&out.stderr))
}

#[test]
fn bakes_once_skips_unchanged_and_rebuilds_on_one_changed_byte() {
    let copy_region = fresh_region();
    let w = Work::new("");
    let ami = moto_ami(&w);
    w.write(&main_tf(
        &ami,
        &format!("ami_regions = [\"{copy_region}\"]\n  ami_users = [\"123456789012\"]"),
    ));
    std::fs::write(w.path().join("agent.conf"), "level=info\n").unwrap();
    std::fs::write(w.path().join("install.sh"), "#!/bin/sh\necho install\n").unwrap();

    let (out, err) = bake_ok(&w, &["--manifest", "manifest.json"]);
    let ec2 = w.ec2();
    let images = baked_images(&ec2);
    assert_eq!(images.len(), 1, "{out}\n{err}");
    let (image_id, fp) = images[0].clone();
    assert_eq!(fp.len(), 64);
    assert!(out.contains(&image_id), "{out}");
    assert_no_leftovers(&w);

    let rt = runtime();
    let image = rt
        .block_on(ec2.describe_images().image_ids(&image_id).send())
        .unwrap()
        .images()[0]
        .clone();
    assert_eq!(image.name(), Some(format!("base-{fp}").as_str()));
    let tag = |k: &str| {
        image
            .tags()
            .iter()
            .find(|t| t.key() == Some(k))
            .and_then(|t| t.value())
            .map(str::to_string)
    };
    assert_eq!(tag("infra:source-ami"), Some(ami.clone()));
    assert_eq!(tag("Role").as_deref(), Some("base"));
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

    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(w.path().join("manifest.json")).unwrap())
            .unwrap();
    let build = &manifest["builds"][0];
    assert_eq!(build["name"], "base");
    assert_eq!(build["fingerprint"], fp.as_str());
    assert_eq!(build["artifacts"][w.region], image_id.as_str());
    let copy = build["artifacts"][copy_region]
        .as_str()
        .unwrap()
        .to_string();
    let there = runtime().block_on(support::ec2_client(&w.endpoint, copy_region));
    assert_eq!(baked_images(&there), vec![(copy, fp.clone())]);

    // Unchanged: no new image, at most 2 API calls.
    let (_, err) = bake_ok(&w, &["--stats"]);
    assert!(err.contains("up to date"), "{err}");
    assert!(api_calls(&err) <= 2, "{err}");
    assert_eq!(baked_images(&ec2).len(), 1);

    // One byte of a script changed: a new image.
    std::fs::write(w.path().join("install.sh"), "#!/bin/sh\necho instal!\n").unwrap();
    bake_ok(&w, &[]);
    let images = baked_images(&ec2);
    assert_eq!(images.len(), 2);
    assert!(images.iter().any(|(_, f)| *f != fp));
    assert_no_leftovers(&w);

    // --force rebuilds an unchanged image.
    bake_ok(&w, &["--force"]);
    assert_eq!(baked_images(&ec2).len(), 3);
    assert_no_leftovers(&w);
}

#[test]
fn a_failing_build_leaves_nothing_behind() {
    let w = Work::new(&main_tf("ami-0123456789abcdef0", ""));
    std::fs::write(w.path().join("agent.conf"), "level=info\n").unwrap();
    std::fs::write(w.path().join("install.sh"), "echo install\n").unwrap();
    let out = bake(&w, &[]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("RunInstances"), "{err}");
    assert_no_leftovers(&w);
    assert!(baked_images(&w.ec2()).is_empty());
}

#[test]
fn leftovers_of_a_killed_bake_are_removed_by_the_next_run() {
    let w = Work::new("");
    let ami = moto_ami(&w);
    w.write(&main_tf(&ami, ""));
    std::fs::write(w.path().join("agent.conf"), "level=info\n").unwrap();
    std::fs::write(w.path().join("install.sh"), "echo install\n").unwrap();
    // What a bake killed after launching its builder leaves: a journal entry and tagged objects.
    let ec2 = w.ec2();
    let rt = runtime();
    let tags = |kind| {
        aws_sdk_ec2::types::TagSpecification::builder()
            .resource_type(kind)
            .tags(
                aws_sdk_ec2::types::Tag::builder()
                    .key("infra:bake-temp")
                    .value("killed1")
                    .build(),
            )
            .build()
    };
    let group = rt
        .block_on(
            ec2.create_security_group()
                .group_name("infra-bake-base-killed")
                .description("left behind")
                .tag_specifications(tags(aws_sdk_ec2::types::ResourceType::SecurityGroup))
                .send(),
        )
        .unwrap();
    rt.block_on(
        ec2.run_instances()
            .image_id(&ami)
            .min_count(1)
            .max_count(1)
            .security_group_ids(group.group_id().unwrap())
            .tag_specifications(tags(aws_sdk_ec2::types::ResourceType::Instance))
            .send(),
    )
    .unwrap();
    std::fs::write(
        w.path().join("infra.tfstate.bake.json"),
        serde_json::json!({"pending": [{"bake_id": "killed1", "region": w.region, "image": "base"}]})
            .to_string(),
    )
    .unwrap();
    let (_, err) = bake_ok(&w, &[]);
    assert!(err.contains("interrupted build killed1"), "{err}");
    assert_no_leftovers(&w);
    assert_eq!(baked_images(&ec2).len(), 1);
}
