//! A real OpenSSH server on a loopback port standing in for a builder instance: a throwaway
//! host key, logins only by key, for the user running the tests. What cloud-init does on a
//! real builder (install the launch key pair's public key) a [`KeyInstaller`] does here: it
//! watches the emulator for a running builder and writes its key pair's public key into the
//! server's authorized_keys, recording the builder's temporary security group rules as it
//! does.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub struct Sshd {
    child: Child,
    pub port: u16,
    pub dir: tempfile::TempDir,
}

impl Sshd {
    pub fn start() -> Sshd {
        let sshd = Path::new("/usr/sbin/sshd");
        assert!(
            sshd.exists(),
            "/usr/sbin/sshd is missing: install openssh-server (scripts/test does)"
        );
        // sshd refuses to start without its privilege separation directory.
        std::fs::create_dir_all("/run/sshd").ok();
        let dir = tempfile::tempdir().unwrap();
        let host_key = dir.path().join("host_ed25519");
        let made = Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "", "-f"])
            .arg(&host_key)
            .status()
            .expect("ssh-keygen runs");
        assert!(made.success());
        std::fs::write(dir.path().join("authorized_keys"), "").unwrap();
        let port = free_port();
        let config = dir.path().join("sshd_config");
        std::fs::write(
            &config,
            format!(
                "Port {port}\nListenAddress 127.0.0.1\nHostKey {}\nPidFile {}\n\
                 AuthorizedKeysFile {}\nStrictModes no\nPasswordAuthentication no\n\
                 KbdInteractiveAuthentication no\nPubkeyAuthentication yes\n\
                 PermitRootLogin prohibit-password\nUsePAM no\nAllowUsers {}\n",
                host_key.display(),
                dir.path().join("sshd.pid").display(),
                dir.path().join("authorized_keys").display(),
                user()
            ),
        )
        .unwrap();
        let child = Command::new(sshd)
            .args(["-D", "-e", "-f"])
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::from(
                std::fs::File::create(dir.path().join("sshd.log")).unwrap(),
            ))
            .spawn()
            .expect("sshd starts");
        let s = Sshd { child, port, dir };
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "sshd did not listen on {port}: {}",
                s.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        s
    }

    pub fn authorized_keys(&self) -> PathBuf {
        self.dir.path().join("authorized_keys")
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("sshd.log")).unwrap_or_default()
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The user running the tests: the one the server lets in.
pub fn user() -> String {
    let out = Command::new("id").arg("-un").output().expect("id runs");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A port nothing listens on at the moment.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// What the installer saw of a builder.
#[derive(Debug, Clone, Default)]
pub struct Seen {
    pub key_name: String,
    pub public_key: String,
    /// (protocol, from port, to port, CIDR) of the builder's security group ingress rules.
    pub ingress: Vec<(String, i32, i32, String)>,
}

pub struct KeyInstaller {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
    pub seen: Arc<Mutex<Vec<Seen>>>,
}

impl KeyInstaller {
    /// Installs the key of every running builder in `ec2`'s region into `authorized_keys`.
    pub fn start(ec2: aws_sdk_ec2::Client, authorized_keys: PathBuf) -> KeyInstaller {
        let stop = Arc::new(AtomicBool::new(false));
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let (stop2, seen2) = (stop.clone(), seen.clone());
        let thread = std::thread::spawn(move || {
            let rt = super::runtime();
            while !stop2.load(Ordering::SeqCst) {
                if let Some(s) = rt.block_on(look(&ec2)) {
                    let mut all = seen2.lock().unwrap();
                    if !all.iter().any(|x| x.key_name == s.key_name) {
                        std::fs::write(&authorized_keys, format!("{}\n", s.public_key)).unwrap();
                        all.push(s);
                    }
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        });
        KeyInstaller {
            stop,
            thread: Some(thread),
            seen,
        }
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

impl Drop for KeyInstaller {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A running builder's key pair and security group rules, once both are there.
async fn look(ec2: &aws_sdk_ec2::Client) -> Option<Seen> {
    let filter = |k: &str, v: &str| {
        aws_sdk_ec2::types::Filter::builder()
            .name(k)
            .values(v)
            .build()
    };
    let out = ec2
        .describe_instances()
        .filters(filter("tag-key", "infra:bake-temp"))
        .filters(filter("instance-state-name", "running"))
        .send()
        .await
        .ok()?;
    let builder = out
        .reservations()
        .iter()
        .flat_map(|r| r.instances())
        .next()?;
    let key_name = builder.key_name()?.to_string();
    let keys = ec2
        .describe_key_pairs()
        .key_names(&key_name)
        .include_public_key(true)
        .send()
        .await
        .ok()?;
    let public_key = keys.key_pairs().first()?.public_key()?.trim().to_string();
    let group = builder.security_groups().first()?.group_id()?.to_string();
    let groups = ec2
        .describe_security_groups()
        .group_ids(group)
        .send()
        .await
        .ok()?;
    let ingress: Vec<(String, i32, i32, String)> = groups
        .security_groups()
        .first()?
        .ip_permissions()
        .iter()
        .flat_map(|p| {
            p.ip_ranges().iter().map(move |r| {
                (
                    p.ip_protocol().unwrap_or_default().to_string(),
                    p.from_port().unwrap_or_default(),
                    p.to_port().unwrap_or_default(),
                    r.cidr_ip().unwrap_or_default().to_string(),
                )
            })
        })
        .collect();
    // The rule is added once the builder runs: wait for it, as SSH would.
    if ingress.is_empty() {
        return None;
    }
    Some(Seen {
        key_name,
        public_key,
        ingress,
    })
}
