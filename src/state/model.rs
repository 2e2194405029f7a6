//! The state: what infra created, as Terraform's state format version 4 lays it out, so tools
//! that read Terraform state read ours. Attributes are kept as JSON and typed by the resource
//! schema when loaded into values.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

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
    #[serde(skip)]
    index: std::cell::RefCell<Option<HashMap<String, usize>>>,
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
            index: Default::default(),
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

    /// Position of each resource by address, built on first use and kept up to date, so a
    /// 10,000-instance apply does not scan the state for every change.
    fn index(&self) -> std::cell::RefMut<'_, HashMap<String, usize>> {
        let mut idx = self.index.borrow_mut();
        if idx.is_none() {
            *idx = Some(
                self.resources
                    .iter()
                    .enumerate()
                    .map(|(i, r)| (r.address(), i))
                    .collect(),
            );
        }
        std::cell::RefMut::map(idx, |i| i.get_or_insert_with(HashMap::new))
    }

    pub fn find(&self, address: &str) -> Option<(&ResourceState, &InstanceState)> {
        let (base, key) = split_instance(address);
        let ri = *self.index().get(base)?;
        let r = self.resources.get(ri)?;
        let inst = r
            .instances
            .iter()
            .find(|i| key_suffix(&i.index_key) == key)?;
        Some((r, inst))
    }

    /// Removes an instance. An emptied resource entry stays until [`State::compact`] (run
    /// before saving), so positions in the index stay valid.
    pub fn remove(&mut self, address: &str) -> Option<(ResourceState, InstanceState)> {
        let (base, key) = split_instance(address);
        let ri = *self.index().get(base)?;
        let r = self.resources.get_mut(ri)?;
        let ii = r
            .instances
            .iter()
            .position(|i| key_suffix(&i.index_key) == key)?;
        let inst = r.instances.remove(ii);
        let header = ResourceState {
            instances: Vec::new(),
            ..r.clone()
        };
        Some((header, inst))
    }

    /// Puts an instance in place of any other with the same address.
    pub fn upsert(&mut self, resource: &ResourceState, inst: InstanceState) {
        let base = resource.address();
        let existing = self.index().get(&base).copied();
        match existing {
            Some(ri) => {
                let r = &mut self.resources[ri];
                r.instances.retain(|i| i.index_key != inst.index_key);
                r.instances.push(inst);
            }
            None => {
                let mut r = resource.clone();
                r.instances = vec![inst];
                self.resources.push(r);
                let at = self.resources.len() - 1;
                self.index().insert(base, at);
            }
        }
    }

    /// Drops emptied resources and puts everything in address order, as saved files have it.
    pub fn compact(&mut self) {
        self.resources.retain(|r| !r.instances.is_empty());
        for r in &mut self.resources {
            r.instances.sort_by_key(|i| key_order(&i.index_key));
        }
        self.resources.sort_by_cached_key(ResourceState::address);
        *self.index.borrow_mut() = None;
    }
}

/// Instances sort by number, then by string key.
fn key_order(k: &Option<serde_json::Value>) -> (u8, u64, String) {
    match k {
        None => (0, 0, String::new()),
        Some(serde_json::Value::Number(n)) => (1, n.as_u64().unwrap_or(0), String::new()),
        Some(v) => (2, 0, v.as_str().unwrap_or_default().to_string()),
    }
}

/// `aws_x.y[0]` → (`aws_x.y`, `[0]`); `module.m["a"].aws_x.y` → (itself, ``).
pub fn split_instance(address: &str) -> (&str, &str) {
    if !address.ends_with(']') {
        return (address, "");
    }
    // The key is the last bracket after the last dot outside quotes.
    let bytes = address.as_bytes();
    let mut in_str = false;
    let mut open = None;
    let mut last_dot = 0;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'"' if i == 0 || bytes[i - 1] != b'\\' => in_str = !in_str,
            b'.' if !in_str => last_dot = i,
            b'[' if !in_str => open = Some(i),
            _ => {}
        }
    }
    match open {
        Some(o) if o > last_dot => (&address[..o], &address[o..]),
        _ => (address, ""),
    }
}
