//! The saved plan (`infra plan --out FILE`): the plan, where its state lives (backend settings
//! and workspace), and a snapshot of every file the plan evaluated (module files, files read by
//! functions and templates, image provisioner files), so `infra apply FILE` evaluates exactly
//! that. The file is one header line naming the format and the SHA-256 of the body, then the
//! body (JSON); a file altered or cut short fails the digest and is refused.

use super::Plan;
use crate::diag::Diagnostic;
use crate::state::backend::Settings;
use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const MAGIC: &str = "infra-plan";
const FORMAT: u32 = 2;

#[derive(Serialize, Deserialize)]
pub struct PlanFile {
    /// The configuration directory, relative to the working directory the plan was made in.
    pub dir: PathBuf,
    pub plan: Plan,
    /// Where the state is: the plan applies to exactly that state.
    pub backend: Settings,
    pub workspace: String,
    /// The state the plan was made against (`infra show PLAN` needs nothing else).
    pub prior: Option<crate::state::State>,
    /// Every file the plan read, by path relative to the working directory, base64.
    files: BTreeMap<String, String>,
}

impl PlanFile {
    pub fn new(
        dir: PathBuf,
        plan: Plan,
        backend: Settings,
        workspace: String,
        prior: Option<crate::state::State>,
        files: crate::sources::Files,
    ) -> PlanFile {
        let b64 = base64::engine::general_purpose::STANDARD;
        PlanFile {
            dir,
            plan,
            backend,
            workspace,
            prior,
            files: files.into_iter().map(|(k, v)| (k, b64.encode(v))).collect(),
        }
    }

    /// The snapshot's files, decoded.
    pub fn files(&self) -> Result<crate::sources::Files, Diagnostic> {
        let b64 = base64::engine::general_purpose::STANDARD;
        self.files
            .iter()
            .map(|(k, v)| {
                b64.decode(v).map(|bytes| (k.clone(), bytes)).map_err(|e| {
                    Diagnostic::plain("Invalid plan file", format!("the snapshot of {k}: {e}"))
                })
            })
            .collect()
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let body = serde_json::to_vec(self).unwrap_or_default();
        let digest = hex::encode(Sha256::digest(&body));
        let mut out = format!("{MAGIC} {FORMAT} sha256:{digest}\n").into_bytes();
        out.extend(body);
        out
    }

    pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<PlanFile, Diagnostic> {
        let shown = path.display();
        let invalid = |why: String| {
            Diagnostic::plain(
                "Invalid plan file",
                format!("{shown} {why} Make the plan again with infra plan --out."),
            )
        };
        let Some(nl) = bytes.iter().position(|b| *b == b'\n') else {
            return Err(invalid(
                "is not a plan saved by infra plan --out (no header).".into(),
            ));
        };
        let header = String::from_utf8_lossy(&bytes[..nl]);
        let mut parts = header.split(' ');
        if parts.next() != Some(MAGIC) {
            return Err(invalid(
                "is not a plan saved by infra plan --out, or was saved by an older infra.".into(),
            ));
        }
        match parts.next().and_then(|v| v.parse::<u32>().ok()) {
            Some(FORMAT) => {}
            Some(v) => {
                return Err(invalid(format!(
                    "has plan format {v}; this infra reads format {FORMAT}."
                )));
            }
            None => return Err(invalid("has a damaged header.".into())),
        }
        let want = parts
            .next()
            .and_then(|d| d.strip_prefix("sha256:"))
            .ok_or_else(|| invalid("has a damaged header.".into()))?;
        let body = &bytes[nl + 1..];
        let got = hex::encode(Sha256::digest(body));
        if got != want {
            return Err(invalid(format!(
                "was altered or cut short since it was saved: its contents do not match their digest (sha256:{want}, now sha256:{got}). It was not applied."
            )));
        }
        serde_json::from_slice(body).map_err(|e| invalid(format!("cannot be read: {e}.")))
    }

    pub fn read(path: &Path) -> Result<PlanFile, Diagnostic> {
        let bytes = std::fs::read(path).map_err(|e| {
            Diagnostic::plain("Failed to read plan", format!("{}: {e}", path.display()))
        })?;
        PlanFile::from_bytes(&bytes, path)
    }
}
