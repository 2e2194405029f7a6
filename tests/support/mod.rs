//! What the AWS tests share: one moto server per test binary (started on first use, on a free
//! loopback port; it exits when this process does, because it watches its stdin pipe), a region
//! per test so tests do not see each other's objects, SDK clients pointed at it, and a way to
//! run the `infra` binary against it.

#![allow(dead_code)]

pub mod bake;
pub mod http;
pub mod s3;
pub mod sshd;
pub mod terraform;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

pub struct Moto {
    child: Mutex<Child>,
    pub port: u16,
    /// The fault-injecting proxy in front of moto, when started with faults.
    pub proxy_port: Option<u16>,
}

impl Moto {
    fn start(faults: Option<f64>) -> Moto {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/moto_server.py");
        let mut cmd = Command::new("python3");
        cmd.arg(script);
        if let Some(rate) = faults {
            cmd.args(["--faults", &rate.to_string()]);
        }
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 with moto[server] installed (scripts/test installs it)");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("moto starts");
        let ports: Vec<u16> = line
            .split_whitespace()
            .skip(1)
            .filter_map(|p| p.parse().ok())
            .collect();
        assert!(!ports.is_empty(), "moto did not start: {line:?}");
        // Keep stdin open for as long as this process lives.
        std::mem::forget(child.stdin.take());
        Moto {
            child: Mutex::new(child),
            port: ports[0],
            proxy_port: ports.get(1).copied(),
        }
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn proxy_endpoint(&self) -> String {
        format!(
            "http://127.0.0.1:{}",
            self.proxy_port.expect("started with faults")
        )
    }

    /// Stops the server now (by PID) instead of at process exit.
    pub fn stop(&self) {
        if let Ok(mut c) = self.child.lock() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// The test binary's moto server.
pub fn moto() -> &'static Moto {
    static MOTO: OnceLock<Moto> = OnceLock::new();
    MOTO.get_or_init(|| {
        let m = Moto::start(None);
        // Warm it: the first EC2 call loads moto's AMI catalogue, which takes seconds.
        let rt = runtime();
        rt.block_on(async {
            let ec2 = ec2_client(&m.endpoint(), "us-east-1").await;
            ec2.describe_availability_zones()
                .send()
                .await
                .expect("moto answers EC2");
        });
        m
    })
}

/// A moto server with a fault-injecting proxy that fails `rate` of requests.
pub fn moto_with_faults(rate: f64) -> Moto {
    Moto::start(Some(rate))
}

const REGIONS: &[&str] = &[
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-central-1",
    "eu-north-1",
    "ap-south-1",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ca-central-1",
    "sa-east-1",
    "ap-northeast-3",
    "eu-south-1",
    "me-south-1",
    "af-south-1",
    "ap-southeast-3",
    "us-east-1",
    "ap-south-2",
    "eu-south-2",
    "ap-east-1",
    "ap-southeast-4",
    "ca-west-1",
    "eu-central-2",
    "il-central-1",
    "me-central-1",
];

/// A region no other test of this binary uses.
pub fn fresh_region() -> &'static str {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let i = NEXT.fetch_add(1, Ordering::SeqCst);
    REGIONS
        .get(i)
        .copied()
        .expect("more tests than regions: add regions or use accounts")
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

pub async fn sdk_config(endpoint: &str, region: &str) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .http_client(
            aws_smithy_http_client::Builder::new()
                .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
                    aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
                ))
                .build_https(),
        )
        .region(aws_config::Region::new(region.to_string()))
        .endpoint_url(endpoint)
        .credentials_provider(aws_sdk_ec2::config::Credentials::new(
            "testing", "testing", None, None, "tests",
        ))
        .load()
        .await
}

pub async fn ec2_client(endpoint: &str, region: &str) -> aws_sdk_ec2::Client {
    aws_sdk_ec2::Client::new(&sdk_config(endpoint, region).await)
}

/// A working directory with `main.tf`, for one test against one region.
pub struct Work {
    pub dir: tempfile::TempDir,
    pub region: &'static str,
    pub endpoint: String,
}

impl Work {
    pub fn new(main_tf: &str) -> Work {
        let m = moto();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("main.tf"), main_tf).unwrap();
        Work {
            dir,
            region: fresh_region(),
            endpoint: m.endpoint(),
        }
    }

    /// A working directory whose infra talks to `endpoint` (a fault-injecting proxy) in `region`.
    pub fn at(endpoint: String, region: &'static str, main_tf: &str) -> Work {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("main.tf"), main_tf).unwrap();
        Work {
            dir,
            region,
            endpoint,
        }
    }

    /// Every live EC2 object in this region that carries infra's address tag: address → id.
    pub fn tagged_objects(&self) -> std::collections::BTreeMap<String, String> {
        self.tagged_list().into_iter().collect()
    }

    /// The same as a sorted list that keeps twins (two objects claiming one address).
    /// (moto's DescribeTags still lists the tags of deleted objects, so each type is asked.)
    pub fn tagged_list(&self) -> Vec<(String, String)> {
        let ec2 = self.ec2();
        let rt = runtime();
        let f = || {
            aws_sdk_ec2::types::Filter::builder()
                .name("tag-key")
                .values("infra:address")
                .build()
        };
        let address = |tags: &[aws_sdk_ec2::types::Tag]| {
            tags.iter()
                .find(|t| t.key() == Some("infra:address"))
                .and_then(|t| t.value())
                .unwrap_or_default()
                .to_string()
        };
        let mut out = Vec::new();
        rt.block_on(async {
            for v in ec2
                .describe_vpcs()
                .filters(f())
                .send()
                .await
                .unwrap()
                .vpcs()
            {
                out.push((address(v.tags()), v.vpc_id().unwrap().to_string()));
            }
            for s in ec2
                .describe_subnets()
                .filters(f())
                .send()
                .await
                .unwrap()
                .subnets()
            {
                out.push((address(s.tags()), s.subnet_id().unwrap().to_string()));
            }
            for g in ec2
                .describe_internet_gateways()
                .filters(f())
                .send()
                .await
                .unwrap()
                .internet_gateways()
            {
                out.push((
                    address(g.tags()),
                    g.internet_gateway_id().unwrap().to_string(),
                ));
            }
            for t in ec2
                .describe_route_tables()
                .filters(f())
                .send()
                .await
                .unwrap()
                .route_tables()
            {
                out.push((address(t.tags()), t.route_table_id().unwrap().to_string()));
            }
            for g in ec2
                .describe_security_groups()
                .filters(f())
                .send()
                .await
                .unwrap()
                .security_groups()
            {
                out.push((address(g.tags()), g.group_id().unwrap().to_string()));
            }
            for n in ec2
                .describe_nat_gateways()
                .filter(f())
                .send()
                .await
                .unwrap()
                .nat_gateways()
            {
                if n.state().is_some_and(|s| s.as_str() != "deleted") {
                    out.push((address(n.tags()), n.nat_gateway_id().unwrap().to_string()));
                }
            }
            for a in ec2
                .describe_addresses()
                .filters(f())
                .send()
                .await
                .unwrap()
                .addresses()
            {
                out.push((
                    address(a.tags()),
                    a.allocation_id().unwrap_or_default().to_string(),
                ));
            }
            for r in ec2
                .describe_instances()
                .filters(f())
                .send()
                .await
                .unwrap()
                .reservations()
            {
                for i in r.instances() {
                    if i.state()
                        .and_then(|s| s.name())
                        .is_some_and(|s| s.as_str() != "terminated")
                    {
                        out.push((address(i.tags()), i.instance_id().unwrap().to_string()));
                    }
                }
            }
            for d in ec2
                .describe_dhcp_options()
                .filters(f())
                .send()
                .await
                .unwrap()
                .dhcp_options()
            {
                out.push((address(d.tags()), d.dhcp_options_id().unwrap().to_string()));
            }
            for t in ec2
                .describe_launch_templates()
                .filters(f())
                .send()
                .await
                .unwrap()
                .launch_templates()
            {
                out.push((
                    address(t.tags()),
                    t.launch_template_id().unwrap().to_string(),
                ));
            }
        });
        out.sort();
        out
    }

    pub fn write(&self, main_tf: &str) {
        std::fs::write(self.dir.path().join("main.tf"), main_tf).unwrap();
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn infra(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("infra runs")
    }

    /// The `infra` command for this test's emulator and region, not yet started (to add
    /// environment, or to spawn and kill it).
    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_infra"));
        c.args(args)
            .current_dir(self.dir.path())
            .env("NO_COLOR", "1")
            .env("AWS_ENDPOINT_URL", &self.endpoint)
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_REGION", self.region)
            .env_remove("AWS_PROFILE")
            .env_remove("TF_WORKSPACE");
        c
    }

    /// Runs infra and insists it succeeds; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.infra(args);
        assert!(
            out.status.success(),
            "infra {args:?} failed ({:?}):\n{}\n{}",
            out.status.code(),
            text(&out.stdout),
            text(&out.stderr)
        );
        text(&out.stdout)
    }

    /// Insists a plan has nothing to do.
    pub fn assert_no_changes(&self) {
        assert_unchanged(&self.infra(&["plan", "-detailed-exitcode"]));
    }

    pub fn state(&self) -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(self.path().join("infra.tfstate")).unwrap())
            .unwrap()
    }

    /// The attributes of a root-module instance in the state file (`aws_vpc.main`,
    /// `aws_subnet.public[0]`).
    pub fn attrs(&self, address: &str) -> serde_json::Value {
        let (base, key) = match address.split_once('[') {
            Some((b, k)) => (b, Some(k.trim_end_matches(']').to_string())),
            None => (address, None),
        };
        let (t, n) = base.split_once('.').expect("type.name");
        let st = self.state();
        for r in st["resources"].as_array().into_iter().flatten() {
            if r["type"] == t && r["name"] == n && r["module"].is_null() {
                for i in r["instances"].as_array().into_iter().flatten() {
                    let k = i
                        .get("index_key")
                        .map(|k| k.to_string().trim_matches('"').to_string());
                    if k == key {
                        return i["attributes"].clone();
                    }
                }
            }
        }
        panic!("{address} not in state: {st}")
    }

    /// The SDK configuration for this test's region of the emulator (build any client with it).
    pub fn sdk(&self) -> aws_config::SdkConfig {
        runtime().block_on(sdk_config(&self.endpoint, self.region))
    }

    pub fn ec2(&self) -> aws_sdk_ec2::Client {
        runtime().block_on(ec2_client(&self.endpoint, self.region))
    }

    /// Two real image ids of the emulator's catalogue for this test's region, in a fixed order.
    pub fn two_images(&self) -> (String, String) {
        let out = runtime()
            .block_on(self.ec2().describe_images().owners("amazon").send())
            .unwrap();
        let mut ids: Vec<String> = out
            .images()
            .iter()
            .filter(|i| i.root_device_name().is_some())
            .filter_map(|i| i.image_id().map(str::to_string))
            .collect();
        ids.sort();
        assert!(ids.len() >= 2, "moto has images: {ids:?}");
        (ids[0].clone(), ids[1].clone())
    }
}

/// Copies a directory tree (an example, a module, a fixture) into a test's working directory,
/// leaving out state files an earlier local run may have left there.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let name = e.file_name();
        if name.to_string_lossy().starts_with("infra.tfstate") {
            continue;
        }
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(&name));
        } else {
            std::fs::copy(e.path(), to.join(&name)).unwrap();
        }
    }
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Insists a `plan -detailed-exitcode` found nothing to do (exit 0), showing what it said.
pub fn assert_unchanged(out: &Output) {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

/// The `infra` command in `dir` for tests that need no cloud: no colour, no workspace chosen
/// from outside, not yet started (to add environment, or to spawn it).
pub fn command_in(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_infra"));
    c.args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("TF_WORKSPACE");
    c
}

/// Runs `infra` in `dir` (see [`command_in`]).
pub fn infra_in(dir: &Path, args: &[&str]) -> Output {
    command_in(dir, args).output().expect("infra runs")
}

/// Runs `infra` in `dir` and insists it succeeds; returns stdout.
#[allow(dead_code)]
pub fn ok_in(dir: &Path, args: &[&str]) -> String {
    let out = infra_in(dir, args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "infra {args:?}:\n{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}
