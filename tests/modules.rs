//! Module sources installed by `infra init` as Terraform installs them: real git repositories
//! made here (tags, branches, commits, subdirectories, a module calling its sibling), archives
//! and a module registry served from loopback by a small server that speaks the documented
//! protocol, and fetches that fail with the module call named.

mod support;

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;
use support::http::{Routes, pack, serve, sha256_hex};
use support::{command_in, infra_in as infra, ok_in as ok, text};

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git {args:?}: {}", text(&out.stderr));
    text(&out.stdout).trim().to_string()
}

fn write(dir: &Path, name: &str, body: &str) {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, body).unwrap();
}

/// A module package: `modules/net` calls its sibling `../common`, and labels itself `tag`.
fn write_package(dir: &Path, tag: &str) {
    write(
        dir,
        "modules/net/main.tf",
        &format!(
            "variable \"name\" {{ type = string }}\nmodule \"common\" {{ source = \"../common\" }}\noutput \"label\" {{ value = \"${{var.name}}-${{module.common.suffix}}-{tag}\" }}\n"
        ),
    );
    write(
        dir,
        "modules/common/main.tf",
        "output \"suffix\" { value = \"net\" }\n",
    );
}

fn fails(dir: &Path, args: &[&str]) -> String {
    let out = infra(dir, args);
    assert_eq!(
        out.status.code(),
        Some(1),
        "infra {args:?} should fail:\n{}",
        text(&out.stdout)
    );
    text(&out.stderr)
}

fn root_with(dir: &Path, source: &str, extra: &str) {
    write(
        dir,
        "main.tf",
        &format!(
            "module \"net\" {{\n  source = \"{source}\"\n  name   = \"prod\"\n{extra}}}\noutput \"label\" {{ value = module.net.label }}\n"
        ),
    );
}

/// A git repository holding the package at `v1`, tagged `v1.0.0`, and its `file://` URL.
fn package_repo() -> (tempfile::TempDir, String) {
    let repo = tempfile::tempdir().unwrap();
    let r = repo.path();
    git(r, &["init", "-q", "-b", "main"]);
    write_package(r, "v1");
    git(r, &["add", "-A"]);
    git(r, &["commit", "-qm", "v1"]);
    git(r, &["tag", "v1.0.0"]);
    let url = format!("file://{}", r.display());
    (repo, url)
}

/// Points the call at `source`, installs it with `infra get`, and insists the module's label
/// is `prod-net-<label>`.
fn installs_as(d: &Path, source: &str, label: &str) {
    root_with(d, source, "");
    ok(d, &["get"]);
    let out = ok(d, &["eval"]);
    assert!(
        out.contains(&format!("label = \"prod-net-{label}\"")),
        "{source}: {out}"
    );
}

#[test]
fn git_sources_install_by_tag_branch_and_commit_and_plan_never_fetches() {
    let (repo, url) = package_repo();
    let r = repo.path();
    let first = git(r, &["rev-parse", "HEAD"]);
    write_package(r, "v2");
    git(r, &["commit", "-qam", "v2"]);
    git(r, &["tag", "v2.0.0"]);
    git(r, &["checkout", "-q", "-b", "feature"]);
    write_package(r, "feature");
    git(r, &["commit", "-qam", "feature"]);
    git(r, &["checkout", "-q", "main"]);

    let root = tempfile::tempdir().unwrap();
    let d = root.path();
    root_with(d, &format!("git::{url}//modules/net?ref=v1.0.0"), "");
    // Before init: the call is named, with its place, and nothing is written.
    let err = fails(d, &["plan"]);
    assert!(err.contains("Module not installed"), "{err}");
    assert!(err.contains("main.tf:2:"), "{err}");
    assert!(!d.join("infra.tfstate").exists());

    let out = ok(d, &["get"]);
    // Installed packages stay out of the configuration's repository.
    assert!(d.join(".infra/.gitignore").is_file());
    assert!(
        out.contains("- net in .infra/modules/net/modules/net"),
        "{out}"
    );
    assert!(
        out.contains("- net.common in .infra/modules/net/modules/common"),
        "{out}"
    );
    assert!(ok(d, &["eval"]).contains("label = \"prod-net-v1\""));
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join(".infra/modules/modules.json")).unwrap())
            .unwrap();
    let keys: Vec<&str> = manifest["Modules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["Key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["", "net", "net.common"]);

    // A saved plan carries the installed modules: it applies where nothing was installed.
    ok(d, &["plan", "-out", "saved.plan"]);
    let elsewhere = tempfile::tempdir().unwrap();
    std::fs::copy(d.join("main.tf"), elsewhere.path().join("main.tf")).unwrap();
    let saved = d.join("saved.plan");
    let out = ok(elsewhere.path(), &["apply", &saved.to_string_lossy()]);
    assert!(out.contains("prod-net-v1"), "{out}");
    assert!(!elsewhere.path().join(".infra/modules").exists());

    // The package's history changes upstream: plan still uses the installed copy, offline.
    ok(d, &["apply", "-auto-approve"]);
    git(r, &["tag", "-f", "v1.0.0", "v2.0.0"]);
    assert!(ok(d, &["plan"]).contains("No changes"));
    // A second init keeps what is installed; -upgrade fetches again (the moved tag).
    let out = ok(d, &["init"]);
    assert!(!out.contains("Downloading"), "{out}");
    assert!(ok(d, &["init", "-upgrade"]).contains("Downloading"));
    assert!(ok(d, &["eval"]).contains("label = \"prod-net-v2\""));

    // A changed source is refused until init, and the state is left alone.
    let before = std::fs::read(d.join("infra.tfstate")).unwrap();
    root_with(d, &format!("git::{url}//modules/net?ref=feature"), "");
    let err = fails(d, &["plan"]);
    assert!(err.contains("Module source has changed"), "{err}");
    assert_eq!(std::fs::read(d.join("infra.tfstate")).unwrap(), before);
    ok(d, &["get"]);
    assert!(ok(d, &["eval"]).contains("label = \"prod-net-feature\""));

    // A commit, and a shallow clone of a tag.
    installs_as(d, &format!("git::{url}//modules/net?ref={first}"), "v1");
    installs_as(
        d,
        &format!("git::{url}//modules/net?ref=v2.0.0&depth=1"),
        "v2",
    );

    // A version argument belongs to registry modules only.
    root_with(
        d,
        &format!("git::{url}//modules/net"),
        "  version = \"1.0.0\"\n",
    );
    let err = fails(d, &["init"]);
    assert!(
        err.contains("only registry modules take a version"),
        "{err}"
    );
}

#[test]
fn archives_and_a_registry_from_loopback_with_version_constraints_and_a_token() {
    let packages: Vec<(String, Vec<u8>, Vec<u8>)> = ["1.1.0", "1.2.0", "2.0.0"]
        .iter()
        .map(|v| {
            let p = tempfile::tempdir().unwrap();
            write_package(p.path(), &format!("r{v}"));
            (
                v.to_string(),
                pack(p.path(), "tar.gz"),
                pack(p.path(), "zip"),
            )
        })
        .collect();
    let mut routes: Routes = HashMap::new();
    let json = |s: &str| {
        (
            200,
            vec![("Content-Type".into(), "application/json".into())],
            s.as_bytes().to_vec(),
        )
    };
    routes.insert(
        "/.well-known/terraform.json".into(),
        json(r#"{"modules.v1":"/v1/modules/"}"#),
    );
    routes.insert(
        "/v1/modules/acme/net/aws/versions".into(),
        json(r#"{"modules":[{"versions":[{"version":"1.1.0"},{"version":"1.2.0"},{"version":"2.0.0"},{"version":"2.1.0-rc1"}]}]}"#),
    );
    for (v, tgz, zip) in &packages {
        routes.insert(
            format!("/v1/modules/acme/net/aws/{v}/download"),
            (
                204,
                vec![("X-Terraform-Get".into(), format!("/files/net-{v}.tar.gz"))],
                vec![],
            ),
        );
        routes.insert(format!("/files/net-{v}.tar.gz"), (200, vec![], tgz.clone()));
        routes.insert(format!("/files/net-{v}.zip"), (200, vec![], zip.clone()));
    }
    // A plain URL whose answer's X-Terraform-Get header says where the package is.
    routes.insert(
        "/get/net".into(),
        (
            200,
            vec![("X-Terraform-Get".into(), "../files/net-1.1.0.tar.gz".into())],
            vec![],
        ),
    );
    let server = serve(routes, Some("s3cr3t-token"));
    let host = format!("127.0.0.1:{}", server.port);
    let cli_config = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        cli_config.path(),
        format!("credentials \"{host}\" {{\n  token = \"s3cr3t-token\"\n}}\n"),
    )
    .unwrap();
    let run = |d: &Path, args: &[&str]| {
        command_in(d, args)
            .env("TF_CLI_CONFIG_FILE", cli_config.path())
            .output()
            .unwrap()
    };

    let root = tempfile::tempdir().unwrap();
    let d = root.path();
    // The registry: `~> 1.1` takes 1.2.0 (not 2.0.0, not the release candidate).
    root_with(
        d,
        &format!("{host}/acme/net/aws//modules/net"),
        "  version = \"~> 1.1\"\n",
    );
    let out = run(d, &["init"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains(&format!("Downloading {host}/acme/net/aws 1.2.0 for net")));
    assert!(ok(d, &["eval"]).contains("label = \"prod-net-r1.2.0\""));
    let manifest = std::fs::read_to_string(d.join(".infra/modules/modules.json")).unwrap();
    assert!(manifest.contains("\"Version\": \"1.2.0\""), "{manifest}");
    // The token went to the registry's own calls, and not to the package download.
    for (path, auth) in server.seen.lock().unwrap().iter() {
        let expect = !path.starts_with("/files/");
        assert_eq!(auth.is_some(), expect, "{path}: {auth:?}");
    }
    // Without the token the registry refuses, and the error says where.
    let bare = tempfile::tempdir().unwrap();
    root_with(
        bare.path(),
        &format!("{host}/acme/net/aws//modules/net"),
        "",
    );
    let err = fails(bare.path(), &["init"]);
    assert!(
        err.contains("HTTP 401") && err.contains("Module \"net\""),
        "{err}"
    );

    // A constraint the installed version no longer meets stops plan until init.
    root_with(
        d,
        &format!("{host}/acme/net/aws//modules/net"),
        "  version = \">= 2.0\"\n",
    );
    let err = fails(d, &["plan"]);
    assert!(
        err.contains("Module version requirements have changed"),
        "{err}"
    );
    assert!(run(d, &["init"]).status.success());
    assert!(ok(d, &["eval"]).contains("label = \"prod-net-r2.0.0\""));

    // Archives: by extension, by ?archive=, with a checksum.
    let port = server.port;
    installs_as(
        d,
        &format!("http://127.0.0.1:{port}/files/net-1.1.0.tar.gz//modules/net"),
        "r1.1.0",
    );
    installs_as(
        d,
        &format!("http://127.0.0.1:{port}/get/net//modules/net"),
        "r1.1.0",
    );
    let zip_sum = sha256_hex(&packages[1].2);
    installs_as(
        d,
        &format!(
            "http://127.0.0.1:{port}/files/net-1.2.0.zip//modules/net?checksum=sha256:{zip_sum}"
        ),
        "r1.2.0",
    );
}

#[test]
fn failed_fetches_name_the_call_and_keep_what_was_installed() {
    let (_repo, url) = package_repo();
    let root = tempfile::tempdir().unwrap();
    let d = root.path();
    root_with(d, &format!("git::{url}//modules/net?ref=v1.0.0"), "");
    ok(d, &["init"]);
    let manifest = std::fs::read(d.join(".infra/modules/modules.json")).unwrap();

    let cases = [
        (
            format!("git::{url}//modules/net?ref=no-such-tag"),
            "no-such-tag",
        ),
        (
            format!("git::{url}//modules/missing?ref=v1.0.0"),
            "no directory \"modules/missing\"",
        ),
        ("http://127.0.0.1:1/net.tar.gz".to_string(), "127.0.0.1:1"),
        (
            "s3::https://bucket.example.com/x.zip".to_string(),
            "does not install s3",
        ),
    ];
    for (source, expect) in cases {
        root_with(d, &source, "");
        let err = fails(d, &["init"]);
        assert!(
            err.contains("Failed to install module") || err.contains("Invalid module source"),
            "{source}: {err}"
        );
        assert!(err.contains("Module \"net\""), "{source}: {err}");
        assert!(
            err.contains(expect),
            "{source}: expected {expect:?} in {err}"
        );
        assert!(err.contains("main.tf:2:"), "{source}: {err}");
        // The manifest and the installed copy are as the last good init left them.
        assert_eq!(
            std::fs::read(d.join(".infra/modules/modules.json")).unwrap(),
            manifest
        );
        assert!(d.join(".infra/modules/net/modules/net/main.tf").is_file());
    }

    // A bad checksum on a real download.
    let p = tempfile::tempdir().unwrap();
    write_package(p.path(), "x");
    let mut routes: Routes = HashMap::new();
    routes.insert(
        "/net.tar.gz".into(),
        (200, vec![], pack(p.path(), "tar.gz")),
    );
    let server = serve(routes, None);
    root_with(
        d,
        &format!(
            "http://127.0.0.1:{}/net.tar.gz//modules/net?checksum=sha256:{}",
            server.port,
            "ab".repeat(32)
        ),
        "",
    );
    let err = fails(d, &["init"]);
    assert!(err.contains("checksum mismatch"), "{err}");
    let leftovers: Vec<String> = std::fs::read_dir(d.join(".infra/modules"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// The CIDR blocks of the VPCs in `region` that start with `prefix`, sorted.
fn vpc_cidrs(w: &support::Work, region: &str, prefix: &str) -> Vec<String> {
    support::runtime().block_on(async {
        let ec2 = support::ec2_client(&w.endpoint, region).await;
        let mut out: Vec<String> = ec2
            .describe_vpcs()
            .send()
            .await
            .unwrap()
            .vpcs()
            .iter()
            .filter_map(|v| v.cidr_block().map(str::to_string))
            .filter(|c| c.starts_with(prefix))
            .collect();
        out.sort();
        out
    })
}

/// One module deployed into two regions through provider aliases: implicit inheritance, a
/// `providers` map, and a module that declares `configuration_aliases`.
#[test]
fn one_module_in_two_regions_through_provider_aliases() {
    let east = support::fresh_region();
    let west = support::fresh_region();
    let w = support::Work::new(&format!(
        r#"
provider "aws" {{
  region = "{east}"
}}
provider "aws" {{
  alias  = "west"
  region = "{west}"
}}
module "east" {{
  source = "./net"
  cidr   = "10.61.0.0/16"
}}
module "west" {{
  source    = "./net"
  cidr      = "10.62.0.0/16"
  providers = {{ aws = aws.west }}
}}
module "pair" {{
  source    = "./pair"
  providers = {{
    aws    = aws
    aws.dr = aws.west
  }}
}}
output "ids" {{ value = [module.east.id, module.west.id] }}
"#
    ));
    write(
        w.path(),
        "net/main.tf",
        "variable \"cidr\" { type = string }\nresource \"aws_vpc\" \"this\" {\n  cidr_block = var.cidr\n}\noutput \"id\" { value = aws_vpc.this.id }\n",
    );
    write(
        w.path(),
        "pair/main.tf",
        r#"terraform {
  required_providers {
    aws = {
      source                = "hashicorp/aws"
      configuration_aliases = [aws.dr]
    }
  }
}
resource "aws_vpc" "primary" {
  cidr_block = "10.63.0.0/16"
}
resource "aws_vpc" "replica" {
  provider   = aws.dr
  cidr_block = "10.64.0.0/16"
}
"#,
    );
    w.ok(&["apply", "-auto-approve"]);
    let cidrs_in = |region: &str| vpc_cidrs(&w, region, "10.6");
    assert_eq!(cidrs_in(east), ["10.61.0.0/16", "10.63.0.0/16"]);
    assert_eq!(cidrs_in(west), ["10.62.0.0/16", "10.64.0.0/16"]);
    // State names the configuration each object was made with, as Terraform writes it.
    let state = w.state();
    let provider_of = |module: &str, name: &str| -> String {
        state["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["module"] == module && r["name"] == name)
            .map(|r| r["provider"].as_str().unwrap().to_string())
            .unwrap_or_else(|| panic!("{module}.{name} not in state"))
    };
    let aws = "provider[\"registry.terraform.io/hashicorp/aws\"]";
    assert_eq!(provider_of("module.east", "this"), aws);
    assert_eq!(provider_of("module.west", "this"), format!("{aws}.west"));
    assert_eq!(provider_of("module.pair", "primary"), aws);
    assert_eq!(provider_of("module.pair", "replica"), format!("{aws}.west"));
    // Refresh reads each object where it is.
    w.assert_no_changes();

    // A configuration the module expects and the call does not pass.
    let good = std::fs::read_to_string(w.path().join("main.tf")).unwrap();
    let broken = good.replace("    aws.dr = aws.west\n", "");
    std::fs::write(w.path().join("main.tf"), broken).unwrap();
    let out = w.infra(&["plan"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("Missing required provider configuration"),
        "{err}"
    );
    assert!(err.contains("aws.dr"), "{err}");
    assert!(
        !err.contains("Provider configuration not present"),
        "said twice: {err}"
    );
    std::fs::write(w.path().join("main.tf"), good).unwrap();
    w.ok(&["destroy", "-auto-approve"]);
    assert!(cidrs_in(west).is_empty());
}

fn repo_root() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every library module's README lists its inputs and outputs as its code declares them.
#[test]
fn library_readmes_match_their_modules() {
    let root = repo_root();
    let mut checked = 0;
    for entry in std::fs::read_dir(root.join("modules")).unwrap() {
        let dir = entry.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        let readme = dir.join("README.md");
        let (d, r) = (dir.to_string_lossy(), readme.to_string_lossy());
        let out = infra(&root, &["docs", &d, "--check", &r]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}: run infra docs {d} --write {r}",
            text(&out.stderr)
        );
        checked += 1;
    }
    assert!(checked >= 3, "only {checked} modules");
    // The check notices a README that fell behind.
    let tmp = tempfile::tempdir().unwrap();
    support::copy_dir(&root.join("modules/network"), tmp.path());
    let readme = tmp.path().join("README.md");
    let stale = std::fs::read_to_string(&readme)
        .unwrap()
        .replace("| `vpc_id` |", "| `the_vpc` |");
    std::fs::write(&readme, stale).unwrap();
    let out = infra(tmp.path(), &["docs", ".", "--check", "README.md"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("out of date"));
}

/// `examples/module-by-tag` as a team runs it: the library released as a tag of a git
/// repository, installed by init, valid, and its outputs known.
#[test]
fn the_library_consumed_by_tag() {
    let repo = tempfile::tempdir().unwrap();
    let r = repo.path();
    git(r, &["init", "-q", "-b", "main"]);
    support::copy_dir(&repo_root().join("modules"), &r.join("modules"));
    git(r, &["add", "-A"]);
    git(r, &["commit", "-qm", "library"]);
    git(r, &["tag", "modules-v1.0.0"]);
    let work = tempfile::tempdir().unwrap();
    let d = work.path();
    let example = std::fs::read_to_string(repo_root().join("examples/module-by-tag/main.tf"))
        .unwrap()
        .replace(
            "https://git.example.com/platform/infra.git",
            &format!("file://{}", r.display()),
        );
    assert!(example.contains("file://"), "the example's source moved");
    write(d, "main.tf", &example);
    let out = ok(d, &["init"]);
    assert!(
        out.contains("- network in .infra/modules/network/modules/network"),
        "{out}"
    );
    ok(d, &["validate"]);
    assert!(ok(d, &["eval"]).contains("private_subnet_ids"));
}

/// A provider block inside a child module (a legacy form still in real configurations): it
/// configures that module's resources from the module's own variables, and state names it as
/// Terraform does. With count on the call it is Terraform's error.
#[test]
fn a_child_modules_own_provider_block() {
    let east = support::fresh_region();
    let west = support::fresh_region();
    let w = support::Work::new(&format!(
        r#"
provider "aws" {{
  region = "{east}"
}}
variable "dr_region" {{
  default = "{west}"
}}
module "legacy" {{
  source = "./legacy"
  region = var.dr_region
}}
"#
    ));
    write(
        w.path(),
        "legacy/main.tf",
        "variable \"region\" { type = string }\nprovider \"aws\" {\n  region = var.region\n}\nresource \"aws_vpc\" \"this\" {\n  cidr_block = \"10.65.0.0/16\"\n}\n",
    );
    w.ok(&["apply", "-auto-approve"]);
    let vpcs_in = |region: &str| vpc_cidrs(&w, region, "10.65.0.0/16").len();
    assert_eq!((vpcs_in(east), vpcs_in(west)), (0, 1));
    let state = w.state();
    let vpc = state["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["module"] == "module.legacy")
        .unwrap();
    assert_eq!(
        vpc["provider"],
        "module.legacy.provider[\"registry.terraform.io/hashicorp/aws\"]"
    );
    w.assert_no_changes();
    w.ok(&["destroy", "-auto-approve"]);
    assert_eq!(vpcs_in(west), 0);

    let counted = std::fs::read_to_string(w.path().join("main.tf"))
        .unwrap()
        .replace(
            "  source = \"./legacy\"\n",
            "  source = \"./legacy\"\n  count  = 1\n",
        );
    std::fs::write(w.path().join("main.tf"), counted).unwrap();
    let out = w.infra(&["plan"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("Module is incompatible with count, for_each, and depends_on"),
        "{err}"
    );
}
