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

/// A base image baked in a subnet the same configuration creates, and a role image in a module
/// built from the base image's id.
const CHAINED: &str = r#"
data "aws_ami" "amazon" {
  most_recent = true
  owners      = ["amazon"]
  filter {
    name   = "image-id"
    values = ["SOURCE"]
  }
}

resource "aws_vpc" "build" {
  cidr_block = "10.77.0.0/16"
}

resource "aws_subnet" "build" {
  vpc_id     = aws_vpc.build.id
  cidr_block = "10.77.1.0/24"
}

image "base" {
  source_ami    = data.aws_ami.amazon.id
  instance_type = "t3.small"
  subnet_id     = aws_subnet.build.id
  communicator  = "user-data"
  provisioner "shell" { inline = ["echo base"] }
  ami_name = "base-{{fingerprint}}"
}

module "roles" {
  source   = "./roles"
  base_ami = image.base.id
}

output "web_ami" {
  value = module.roles.web_ami
}
"#;

const ROLES: &str = r#"
variable "base_ami" {
  type = string
}

image "web" {
  source_ami    = var.base_ami
  instance_type = "t3.small"
  communicator  = "user-data"
  provisioner "shell" { inline = ["echo web"] }
  ami_name = "web-{{fingerprint}}"
}

output "web_ami" {
  value = image.web.id
}
"#;

fn source_tag(ec2: &aws_sdk_ec2::Client, image_id: &str) -> String {
    runtime()
        .block_on(ec2.describe_images().image_ids(image_id).send())
        .unwrap()
        .images()[0]
        .tags()
        .iter()
        .find(|t| t.key() == Some("infra:source-ami"))
        .and_then(|t| t.value())
        .unwrap_or_default()
        .to_string()
}

#[test]
fn an_image_built_from_another_bakes_after_it_in_plan_apply_and_bake() {
    let w = Work::new("");
    let ami = moto_ami(&w);
    w.write(&CHAINED.replace("SOURCE", &ami));
    std::fs::create_dir(w.path().join("roles")).unwrap();
    std::fs::write(w.path().join("roles/main.tf"), ROLES).unwrap();
    let ec2 = w.ec2();

    // Before apply the build subnet does not exist: `infra bake` says so and builds nothing.
    let out = bake(&w, &[]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("image.base") && err.contains("infra apply"),
        "{err}"
    );
    assert!(baked_images(&ec2).is_empty());
    assert_no_leftovers(&w);

    // The plan bakes both; the role image's fingerprint waits for the base image.
    let plan = w.ok(&["plan", "-no-color"]);
    assert!(plan.contains("# image.base will be baked: base-"), "{plan}");
    assert!(
        plan.contains("# module.roles.image.web will be baked: web-{{fingerprint}} from a source known after apply"),
        "{plan}"
    );
    assert!(plan.contains("Plan: 2 images to bake, 2 to add"), "{plan}");

    let out = w
        .command(&["apply", "-auto-approve", "-no-color"])
        .env("INFRA_BAKE_EMULATED_BUILDER", "1")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let images = baked_images(&ec2);
    assert_eq!(images.len(), 2);
    let web_ami = w.ok(&["output", "-raw", "web_ami"]);
    let base_ami = images
        .iter()
        .find(|(id, _)| *id != web_ami)
        .unwrap()
        .0
        .clone();
    assert_eq!(source_tag(&ec2, &web_ami), base_ami);
    assert_eq!(source_tag(&ec2, &base_ami), ami);
    assert_no_leftovers(&w);
    let out = w.infra(&["plan", "-detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));

    // Standalone: the subnet comes from the state, the source from the data source; the
    // base image is found and only the changed role image is built, from it.
    std::fs::write(
        w.path().join("roles/main.tf"),
        ROLES.replace("echo web", "echo web2"),
    )
    .unwrap();
    let (out, err) = bake_ok(&w, &["module.roles.image.web"]);
    assert!(err.contains("image.base: up to date"), "{err}");
    let images = baked_images(&ec2);
    assert_eq!(images.len(), 3, "{out}\n{err}");
    let new_web = images
        .iter()
        .map(|(id, _)| id.clone())
        .find(|id| *id != web_ami && *id != base_ami)
        .unwrap();
    assert!(
        out.contains(&format!("module.roles.image.web = {}:{new_web}", w.region)),
        "{out}"
    );
    assert_eq!(source_tag(&ec2, &new_web), base_ami);

    // Everything up to date now; a name that is not a root image gets a suggestion.
    let (_, err) = bake_ok(&w, &[]);
    assert!(
        err.contains("image.base: up to date") && err.contains("image.web: up to date"),
        "{err}"
    );
    assert!(!err.contains("built"), "{err}");
    assert_eq!(baked_images(&ec2).len(), 3);
    let out = bake(&w, &["web"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("Did you mean module.roles.image.web?"),
        "{}",
        text(&out.stderr)
    );
    assert_no_leftovers(&w);
}

fn launch_template_tf(ami: &str, step: &str) -> String {
    format!(
        r#"
image "base" {{
  source_ami    = "{ami}"
  instance_type = "t3.small"
  communicator  = "user-data"
  provisioner "shell" {{ inline = ["echo {step}"] }}
  ami_name = "base-{{{{fingerprint}}}}"
}}

resource "aws_launch_template" "web" {{
  name          = "web"
  image_id      = image.base.id
  instance_type = "t3.small"
}}
"#
    )
}

fn snapshots_of(ec2: &aws_sdk_ec2::Client, image_id: &str) -> Vec<String> {
    runtime()
        .block_on(ec2.describe_images().image_ids(image_id).send())
        .unwrap()
        .images()
        .iter()
        .flat_map(|i| i.block_device_mappings())
        .filter_map(|m| m.ebs()?.snapshot_id().map(str::to_string))
        .collect()
}

#[test]
fn images_lists_builds_and_what_uses_them_and_keep_removes_only_old_unused_ones() {
    let w = Work::new("");
    let ami = moto_ami(&w);
    let ec2 = w.ec2();
    let rt = runtime();
    // v1 is applied (the launch template and the state use it); v2..v4 are only baked.
    w.write(&launch_template_tf(&ami, "v1"));
    let out = w
        .command(&["apply", "-auto-approve"])
        .env("INFRA_BAKE_EMULATED_BUILDER", "1")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let mut builds: Vec<String> = Vec::new();
    let note_new = |builds: &mut Vec<String>| {
        for (id, _) in baked_images(&ec2) {
            if !builds.contains(&id) {
                builds.push(id);
            }
        }
    };
    note_new(&mut builds);
    for step in ["v2", "v3", "v4"] {
        w.write(&launch_template_tf(&ami, step));
        bake_ok(&w, &[]);
        note_new(&mut builds);
    }
    let [v1, v2, v3, v4] = <[String; 4]>::try_from(builds).unwrap();
    // Something outside the configuration still runs v2.
    rt.block_on(
        ec2.run_instances()
            .image_id(&v2)
            .instance_type(aws_sdk_ec2::types::InstanceType::T3Small)
            .min_count(1)
            .max_count(1)
            .send(),
    )
    .unwrap();

    let table = w.ok(&["images"]);
    let row = |id: &str| {
        table
            .lines()
            .find(|l| l.contains(id))
            .unwrap_or_else(|| panic!("{id} not listed:\n{table}"))
            .to_string()
    };
    assert!(table.starts_with("IMAGE"), "{table}");
    assert!(
        row(&v1).contains("launch template web (version 1)"),
        "{table}"
    );
    assert!(
        row(&v1).contains("aws_launch_template.web (state)"),
        "{table}"
    );
    assert!(row(&v2).contains("1 instance"), "{table}");
    assert!(row(&v3).trim_end().ends_with('-'), "{table}");
    assert!(row(&v4).contains("current build of image.base"), "{table}");
    assert!(row(&v4).starts_with("image.base"), "{table}");

    // Even --keep 0 keeps what is in use; --dry-run changes nothing.
    let out = w.infra(&["images", "--keep", "0", "--dry-run"]);
    let err = text(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains(&format!("Would deregister {v3}")), "{err}");
    assert_eq!(err.matches("Would deregister").count(), 1, "{err}");
    assert_eq!(baked_images(&ec2).len(), 4);

    // --keep 1: v4 is the newest, v1 and v2 are in use, v3 goes with its snapshots.
    let snapshots = snapshots_of(&ec2, &v3);
    assert!(!snapshots.is_empty());
    let out = w.infra(&["images", "--keep", "1", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let action = |id: &str| {
        listed["images"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == id)
            .map(|i| i["action"].as_str().unwrap().to_string())
            .unwrap()
    };
    assert_eq!(action(&v4), "keep (newest)");
    assert_eq!(action(&v1), "keep (in use)");
    assert_eq!(action(&v2), "keep (in use)");
    assert_eq!(action(&v3), "deregister");
    let left: Vec<String> = baked_images(&ec2).into_iter().map(|(id, _)| id).collect();
    assert_eq!(left.len(), 3);
    assert!(!left.contains(&v3));
    let remaining = rt
        .block_on(ec2.describe_snapshots().owner_ids("self").send())
        .unwrap();
    for s in &snapshots {
        assert!(
            !remaining
                .snapshots()
                .iter()
                .any(|r| r.snapshot_id() == Some(s)),
            "snapshot {s} of {v3} left behind"
        );
    }
}
