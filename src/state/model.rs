//! The state: what infra created, as Terraform's state format version 4 lays it out, so tools
//! that read Terraform state read ours. Attributes are kept as JSON and typed by the resource
//! schema when loaded into values.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const FORMAT_VERSION: u64 = 4;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct State {
    pub version: u64,
    #[serde(default)]
    pub terraform_version: String,
    pub serial: u64,
    pub lineage: String,
    #[serde(default)]
    pub outputs: BTreeMap<String, OutputState>,
    #[serde(default)]
    pub resources: Vec<ResourceState>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_results: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct OutputState {
    pub value: serde_json::Value,
    #[serde(rename = "type")]
    pub ty: serde_json::Value,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub sensitive: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ResourceState {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub module: String,
    pub mode: String,
    #[serde(rename = "type")]
    pub type_name: String,
    pub name: String,
    pub provider: String,
    pub instances: Vec<InstanceState>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct InstanceState {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index_key: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default)]
    pub schema_version: u64,
    pub attributes: serde_json::Value,
    #[serde(default)]
    pub sensitive_attributes: Vec<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub create_before_destroy: bool,
}

impl InstanceState {
    pub fn is_tainted(&self) -> bool {
        self.status.as_deref() == Some("tainted")
    }
}

impl ResourceState {
    /// `module.net.aws_vpc.main` / `data.aws_ami.base`, without an instance key.
    pub fn address(&self) -> String {
        let mut a = String::new();
        if !self.module.is_empty() {
            a.push_str(&self.module);
            a.push('.');
        }
        if self.mode == "data" {
            a.push_str("data.");
        }
        a.push_str(&format!("{}.{}", self.type_name, self.name));
        a
    }
}

/// `[0]` or `["a"]` for an index key, as addresses print it.
pub fn key_suffix(key: &Option<serde_json::Value>) -> String {
    match key {
        None => String::new(),
        Some(serde_json::Value::String(s)) => format!("[{}]", serde_json::Value::String(s.clone())),
        Some(k) => format!("[{k}]"),
    }
}

impl State {
    pub fn new(lineage: String) -> State {
        State {
            version: FORMAT_VERSION,
            terraform_version: format!("infra-{}", env!("CARGO_PKG_VERSION")),
            serial: 0,
            lineage,
            outputs: BTreeMap::new(),
            resources: Vec::new(),
            check_results: None,
        }
    }

    /// Every instance with its full address, in state order.
    pub fn instances(&self) -> impl Iterator<Item = (String, &ResourceState, &InstanceState)> {
        self.resources.iter().flat_map(|r| {
            r.instances
                .iter()
                .map(move |i| (format!("{}{}", r.address(), key_suffix(&i.index_key)), r, i))
        })
    }

    pub fn find(&self, address: &str) -> Option<(&ResourceState, &InstanceState)> {
        self.instances()
            .find(|(a, _, _)| a == address)
            .map(|(_, r, i)| (r, i))
    }

    /// Removes an instance; drops its resource entry when it was the last.
    pub fn remove(&mut self, address: &str) -> Option<(ResourceState, InstanceState)> {
        for ri in 0..self.resources.len() {
            let r = &self.resources[ri];
            let base = r.address();
            if let Some(ii) = r
                .instances
                .iter()
                .position(|i| format!("{base}{}", key_suffix(&i.index_key)) == address)
            {
                let inst = self.resources[ri].instances.remove(ii);
                let res = self.resources[ri].clone();
                if self.resources[ri].instances.is_empty() {
                    self.resources.remove(ri);
                }
                return Some((
                    ResourceState {
                        instances: Vec::new(),
                        ..res
                    },
                    inst,
                ));
            }
        }
        None
    }

    /// Puts an instance in place of any other with the same address.
    pub fn upsert(&mut self, resource: &ResourceState, inst: InstanceState) {
        let addr = format!("{}{}", resource.address(), key_suffix(&inst.index_key));
        self.remove(&addr);
        match self
            .resources
            .iter_mut()
            .find(|r| r.address() == resource.address())
        {
            Some(r) => {
                r.instances.push(inst);
                r.instances
                    .sort_by_key(|i| i.index_key.as_ref().map(|k| k.to_string()));
            }
            None => {
                let mut r = resource.clone();
                r.instances = vec![inst];
                self.resources.push(r);
                self.resources.sort_by_key(ResourceState::address);
            }
        }
    }
}
