//! `.infra/modules/modules.json`: what `infra init` installed for each module call, in
//! Terraform's layout (`{"Modules":[{"Key":"net.subnets","Source":...,"Version":...,"Dir":...}]}`),
//! keyed by the call path from the root. Later commands read it and never touch the network.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub const MODULES_DIR: &str = ".infra/modules";
const FILE: &str = "modules.json";

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Manifest {
    #[serde(rename = "Modules", default)]
    pub modules: Vec<Record>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// The call path, names joined by dots (`net.subnets`); empty for the root.
    #[serde(rename = "Key")]
    pub key: String,
    /// The source as the call writes it.
    #[serde(rename = "Source")]
    pub source: String,
    /// The registry version chosen.
    #[serde(rename = "Version", default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The module's directory, relative to the root module's.
    #[serde(rename = "Dir")]
    pub dir: String,
}

impl Manifest {
    pub fn path(root: &Path) -> PathBuf {
        root.join(MODULES_DIR).join(FILE)
    }

    /// The manifest of `root`, or `None` when `infra init` has installed nothing there. Read
    /// through `sources`, so a saved plan carries it with the module files it names.
    pub fn load(root: &Path) -> Result<Option<Manifest>, String> {
        let p = Manifest::path(root);
        match crate::sources::read(&p) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| format!("{}: {e}; run infra init again", p.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!("{}: {e}", p.display())),
        }
    }

    /// Writes the manifest whole, through a temporary file: a reader sees the old one or the
    /// new one.
    pub fn save(&self, root: &Path) -> Result<(), String> {
        let p = Manifest::path(root);
        let dir = p.parent().unwrap_or(root);
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let tmp = dir.join(format!(".{FILE}.tmp"));
        let text = serde_json::to_string_pretty(self).map_err(|e| e.to_string())?;
        std::fs::write(&tmp, text + "\n").map_err(|e| format!("{}: {e}", tmp.display()))?;
        std::fs::rename(&tmp, &p).map_err(|e| format!("{}: {e}", p.display()))
    }

    pub fn get(&self, key: &str) -> Option<&Record> {
        self.modules.iter().find(|r| r.key == key)
    }
}

/// The manifest key of a call path: `["net", "subnets"]` → `net.subnets`.
pub fn key(path: &[String]) -> String {
    path.join(".")
}
