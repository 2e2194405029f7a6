//! A small HTTP server on loopback for module archives and a module registry (the protocol
//! Terraform documents), and the archives it serves, packed by the system's tools.

use super::text;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};

/// What the loopback server answers: path → (status, headers, body).
pub type Routes = HashMap<String, (u16, Vec<(String, String)>, Vec<u8>)>;

/// A request the server saw: its path and Authorization header.
pub type Seen = (String, Option<String>);

pub struct Server {
    pub port: u16,
    pub seen: Arc<Mutex<Vec<Seen>>>,
}

/// Serves `routes` on a loopback port, one request per connection, until the test ends.
pub fn serve(routes: Routes, token: Option<&'static str>) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
            let mut auth = None;
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
                    break;
                }
                if let Some((k, v)) = h.split_once(':')
                    && k.eq_ignore_ascii_case("authorization")
                {
                    auth = Some(v.trim().to_string());
                }
            }
            log.lock().unwrap().push((path.clone(), auth.clone()));
            let registry = path.starts_with("/v1/") || path.starts_with("/.well-known");
            let allowed =
                !registry || token.is_none_or(|t| auth.as_deref() == Some(&format!("Bearer {t}")));
            let (status, headers, body) =
                match (allowed, routes.get(path.split('?').next().unwrap())) {
                    (false, _) => (401, vec![], b"unauthorized".to_vec()),
                    (true, Some(r)) => r.clone(),
                    (true, None) => (404, vec![], b"not found".to_vec()),
                };
            let mut head = format!(
                "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n",
                body.len()
            );
            for (k, v) in headers {
                head.push_str(&format!("{k}: {v}\r\n"));
            }
            head.push_str("\r\n");
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
    });
    Server { port, seen }
}

/// `dir` packed as a .tar.gz or .zip by the system's tools.
pub fn pack(dir: &Path, kind: &str) -> Vec<u8> {
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join(format!("p.{kind}"));
    let status = if kind == "zip" {
        Command::new("python3")
            .args(["-m", "zipfile", "-c"])
            .arg(&file)
            .arg("modules")
            .current_dir(dir)
            .status()
    } else {
        Command::new("tar")
            .arg("czf")
            .arg(&file)
            .arg("modules")
            .current_dir(dir)
            .status()
    };
    assert!(status.unwrap().success());
    std::fs::read(file).unwrap()
}

pub fn sha256_hex(b: &[u8]) -> String {
    let out = Command::new("sha256sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            c.stdin.take().unwrap().write_all(b)?;
            c.wait_with_output()
        })
        .unwrap();
    text(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}
