//! The SSH side of the ssh communicator: a session to the builder authenticated with the
//! bake's temporary ed25519 key, uploads through `cat`, and commands whose output is handed
//! over line by line as it arrives.
//!
//! Host keys: a fresh builder's host key cannot be known in advance (Packer ignores it). The
//! first key seen is pinned for the rest of the bake, so a later reconnection to a different
//! host is refused instead of being handed the image's provisioners.

use super::shell::quote;
use russh::client::{self, Handle};
use russh::keys::{
    Algorithm, PrivateKey, PrivateKeyWithHashAlg, PublicKey, PublicKeyOrCertificate,
};
use russh::{ChannelMsg, Disconnect};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How many of a command's last output lines a failure reports.
pub const TAIL_LINES: usize = 20;

/// A temporary key pair made on this machine: its private half never leaves the process.
pub struct TempKey {
    pub private: Arc<PrivateKey>,
}

impl TempKey {
    pub fn generate() -> Result<TempKey, String> {
        let key = PrivateKey::random(&mut rand::rng(), Algorithm::Ed25519)
            .map_err(|e| format!("cannot generate an ed25519 key: {e}"))?;
        Ok(TempKey {
            private: Arc::new(key),
        })
    }

    /// `ssh-ed25519 AAAA... comment`, as EC2's ImportKeyPair takes it.
    pub fn public_openssh(&self, comment: &str) -> Result<String, String> {
        let mut public = self.private.public_key().clone();
        public.set_comment(comment);
        public
            .to_openssh()
            .map_err(|e| format!("cannot encode the public key: {e}"))
    }
}

/// Where and as whom to connect.
#[derive(Debug, Clone)]
pub struct Target {
    pub host: String,
    pub port: u16,
    pub user: String,
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}@{}:{}", self.user, self.host, self.port)
    }
}

/// Pins the first host key presented.
struct Pinning {
    pinned: Arc<Mutex<Option<PublicKey>>>,
}

impl client::Handler for Pinning {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        presented: &PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        let key = match presented {
            PublicKeyOrCertificate::PublicKey { key, .. } => key.clone(),
            PublicKeyOrCertificate::Certificate(c) => PublicKey::from(c.public_key().clone()),
        };
        let mut pinned = self.pinned.lock().unwrap_or_else(|p| p.into_inner());
        match pinned.as_ref() {
            Some(known) => Ok(known.key_data() == key.key_data()),
            None => {
                *pinned = Some(key);
                Ok(true)
            }
        }
    }
}

pub struct Session {
    handle: Handle<Pinning>,
}

/// The result of a command: its exit status and its last lines of output.
pub struct Finished {
    pub status: u32,
    pub tail: Vec<String>,
}

impl Session {
    /// Connects and authenticates, trying again until `timeout` has passed: a booting builder
    /// refuses connections, then accepts them before its key is installed. `on_wait` hears
    /// why each attempt failed.
    pub async fn connect(
        target: &Target,
        key: &TempKey,
        timeout: Duration,
        on_wait: &(dyn Fn(&str) + Send + Sync),
    ) -> Result<Session, String> {
        let deadline = Instant::now() + timeout;
        let pinned = Arc::new(Mutex::new(None));
        let mut last = String::from("no attempt made");
        let mut pause = Duration::from_millis(200);
        let mut reported = String::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(format!(
                    "SSH to {target} did not answer within {}: {last}",
                    crate::lang::duration::format_go(timeout)
                ));
            }
            let attempt = tokio::time::timeout(
                left.min(Duration::from_secs(30)),
                Self::try_connect(target, key, pinned.clone()),
            )
            .await;
            match attempt {
                Ok(Ok(handle)) => return Ok(Session { handle }),
                Ok(Err(e)) => last = e,
                Err(_) => last = "the connection attempt timed out".into(),
            }
            if last != reported {
                on_wait(&format!("waiting for SSH on {target}: {last}"));
                reported = last.clone();
            }
            tokio::time::sleep(pause.min(deadline.saturating_duration_since(Instant::now()))).await;
            pause = (pause * 2).min(Duration::from_secs(5));
        }
    }

    async fn try_connect(
        target: &Target,
        key: &TempKey,
        pinned: Arc<Mutex<Option<PublicKey>>>,
    ) -> Result<Handle<Pinning>, String> {
        let config = Arc::new(client::Config {
            inactivity_timeout: None,
            keepalive_interval: Some(Duration::from_secs(15)),
            ..Default::default()
        });
        let mut handle = client::connect(
            config,
            (target.host.as_str(), target.port),
            Pinning { pinned },
        )
        .await
        .map_err(|e| match e {
            russh::Error::UnknownKey => {
                "the host key differs from the one first presented by this builder".to_string()
            }
            other => other.to_string(),
        })?;
        let auth = handle
            .authenticate_publickey(
                target.user.clone(),
                PrivateKeyWithHashAlg::new(key.private.clone(), None),
            )
            .await
            .map_err(|e| e.to_string())?;
        if !auth.success() {
            return Err(format!(
                "the server refused the temporary key for user {:?}",
                target.user
            ));
        }
        Ok(handle)
    }

    /// Writes `content` to `destination` on the builder (through `cat`, which every image
    /// has), then sets its mode when given.
    pub async fn upload(
        &self,
        content: &[u8],
        destination: &str,
        mode: Option<&str>,
    ) -> Result<(), String> {
        let d = quote(destination);
        let command = match mode {
            Some(mode) => format!("cat > {d} && chmod {mode} {d}"),
            None => format!("cat > {d}"),
        };
        let done = self.run(&command, Some(content), &mut |_| {}).await?;
        if done.status != 0 {
            return Err(format!(
                "writing {destination} failed with exit status {}: {}",
                done.status,
                done.tail.join(" / ")
            ));
        }
        Ok(())
    }

    /// Runs `command`, feeding it `stdin`, handing each output line (stdout and stderr) to
    /// `on_line` as it arrives.
    pub async fn run(
        &self,
        command: &str,
        stdin: Option<&[u8]>,
        on_line: &mut (dyn FnMut(&str) + Send),
    ) -> Result<Finished, String> {
        let mut channel = self
            .handle
            .channel_open_session()
            .await
            .map_err(|e| format!("cannot open an SSH channel: {e}"))?;
        channel
            .exec(true, command)
            .await
            .map_err(|e| format!("cannot start the command: {e}"))?;
        if let Some(bytes) = stdin {
            channel
                .data(bytes)
                .await
                .map_err(|e| format!("cannot send the upload: {e}"))?;
        }
        channel
            .eof()
            .await
            .map_err(|e| format!("cannot close the command's input: {e}"))?;
        let mut lines = LineBuffer::default();
        let mut status = None;
        while let Some(msg) = channel.wait().await {
            match msg {
                ChannelMsg::Data { data } => lines.push(&data, 0, on_line),
                ChannelMsg::ExtendedData { data, .. } => lines.push(&data, 1, on_line),
                ChannelMsg::ExitStatus { exit_status } => status = Some(exit_status),
                ChannelMsg::ExitSignal { signal_name, .. } => {
                    lines.finish(on_line);
                    return Err(format!("the command was killed by signal {signal_name:?}"));
                }
                _ => {}
            }
        }
        lines.finish(on_line);
        let status = status.ok_or("the connection closed before the command finished")?;
        Ok(Finished {
            status,
            tail: lines.tail,
        })
    }

    pub async fn close(self) {
        let _ = self
            .handle
            .disconnect(Disconnect::ByApplication, "", "en")
            .await;
    }
}

/// Splits a channel's byte stream into lines, for stdout and stderr apart, and keeps the last
/// [`TAIL_LINES`] of them.
#[derive(Default)]
struct LineBuffer {
    partial: [Vec<u8>; 2],
    tail: Vec<String>,
}

impl LineBuffer {
    fn push(&mut self, data: &[u8], stream: usize, on_line: &mut (dyn FnMut(&str) + Send)) {
        self.partial[stream].extend_from_slice(data);
        while let Some(end) = self.partial[stream].iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = self.partial[stream].drain(..=end).collect();
            self.emit(&line[..line.len() - 1], on_line);
        }
    }

    fn finish(&mut self, on_line: &mut (dyn FnMut(&str) + Send)) {
        for stream in 0..2 {
            let rest = std::mem::take(&mut self.partial[stream]);
            if !rest.is_empty() {
                self.emit(&rest, on_line);
            }
        }
    }

    fn emit(&mut self, line: &[u8], on_line: &mut (dyn FnMut(&str) + Send)) {
        let text = String::from_utf8_lossy(line);
        let text = text.trim_end_matches('\r');
        on_line(text);
        if self.tail.len() == TAIL_LINES {
            self.tail.remove(0);
        }
        self.tail.push(text.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_split_across_chunks_and_the_tail_keeps_the_last_ones() {
        let mut seen = Vec::new();
        let mut b = LineBuffer::default();
        let mut on = |l: &str| seen.push(l.to_string());
        b.push(b"one\ntw", 0, &mut on);
        b.push(b"o\r\nthr", 0, &mut on);
        b.push(b"err", 1, &mut on);
        b.push(b"ee\n", 0, &mut on);
        b.finish(&mut on);
        assert_eq!(seen, ["one", "two", "three", "err"]);
        for i in 0..30 {
            b.push(format!("line {i}\n").as_bytes(), 0, &mut |_| {});
        }
        assert_eq!(b.tail.len(), TAIL_LINES);
        assert_eq!(b.tail.last().map(String::as_str), Some("line 29"));
    }

    #[test]
    fn a_generated_key_is_ed25519_in_openssh_form() {
        let k = TempKey::generate().unwrap();
        let public = k.public_openssh("infra-bake").unwrap();
        assert!(public.starts_with("ssh-ed25519 AAAA"), "{public}");
        assert!(public.ends_with(" infra-bake"), "{public}");
    }
}
