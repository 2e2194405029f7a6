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
    /// Creates an interrupted apply may have made but not recorded: instance address → the
    /// token its generated names were made from. The next create of that address reuses the
    /// token, so it meets (and adopts, or overwrites) what the interrupted one made instead of
    /// orphaning it under another generated name. Terraform ignores the key.
    #[serde(
        default,
        rename = "infra_pending_creates",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub pending_creates: BTreeMap<String, String>,
    /// Rollouts under way (`rollout/`), by group address: what the next apply takes up after
    /// a kill, a Ctrl-C or a checkpoint. Opaque here. Terraform ignores the key.
    #[serde(
        default,
        rename = "infra_rollouts",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub rollouts: BTreeMap<String, serde_json::Value>,
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
    /// The old object of a create-before-destroy replacement, kept under its address (with
    /// this key, Terraform's `deposed`) from before its successor is created until it is
    /// destroyed, so a crash in between leaves it on record for the next apply to destroy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deposed: Option<String>,
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
            pending_creates: BTreeMap::new(),
            rollouts: BTreeMap::new(),
            index: Default::default(),
        }
    }

    /// Every current instance with its full address, in state order (deposed objects are not
    /// the instance their address names: see [`State::deposed`]).
    pub fn instances(&self) -> impl Iterator<Item = (String, &ResourceState, &InstanceState)> {
        self.resources.iter().flat_map(|r| {
            r.instances
                .iter()
                .filter(|i| i.deposed.is_none())
                .map(move |i| (format!("{}{}", r.address(), key_suffix(&i.index_key)), r, i))
        })
    }

    /// Every deposed object with the address of the instance it was replaced at.
    pub fn deposed(&self) -> impl Iterator<Item = (String, &ResourceState, &InstanceState)> {
        self.resources.iter().flat_map(|r| {
            r.instances
                .iter()
                .filter(|i| i.deposed.is_some())
                .map(move |i| (format!("{}{}", r.address(), key_suffix(&i.index_key)), r, i))
        })
    }

    /// Where the instance at `address` is (resource, instance): the current one, or with
    /// `deposed` the deposed object of that key.
    fn locate(&self, address: &str, deposed: Option<&str>) -> Option<(usize, usize)> {
        let (base, key) = crate::addrs::split_key(address);
        let ri = *self.index().get(base)?;
        let ii = self
            .resources
            .get(ri)?
            .instances
            .iter()
            .position(|i| i.deposed.as_deref() == deposed && key_suffix(&i.index_key) == key)?;
        Some((ri, ii))
    }

    /// Makes the current object at `address` a deposed one under `key`; false if there is none.
    pub fn depose(&mut self, address: &str, key: &str) -> bool {
        let Some((ri, ii)) = self.locate(address, None) else {
            return false;
        };
        self.resources[ri].instances[ii].deposed = Some(key.to_string());
        true
    }

    /// Makes the deposed object `key` at `address` current again (its successor was never
    /// made); false if there is none, or a current object is there already.
    pub fn restore_deposed(&mut self, address: &str, key: &str) -> bool {
        if self.locate(address, None).is_some() {
            return false;
        }
        let Some((ri, ii)) = self.locate(address, Some(key)) else {
            return false;
        };
        self.resources[ri].instances[ii].deposed = None;
        true
    }

    /// Forgets the deposed object `key` at `address` (it was destroyed).
    pub fn remove_deposed(&mut self, address: &str, key: &str) -> bool {
        let Some((ri, ii)) = self.locate(address, Some(key)) else {
            return false;
        };
        self.resources[ri].instances.remove(ii);
        true
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
        let (ri, ii) = self.locate(address, None)?;
        let r = &self.resources[ri];
        Some((r, &r.instances[ii]))
    }

    /// Removes an instance. An emptied resource entry stays until [`State::compact`] (run
    /// before saving), so positions in the index stay valid.
    pub fn remove(&mut self, address: &str) -> Option<(ResourceState, InstanceState)> {
        self.pending_creates.remove(address);
        self.rollouts.remove(address);
        let (ri, ii) = self.locate(address, None)?;
        let r = &mut self.resources[ri];
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
        // Rarely anything pending: no address is built for the 10,000 upserts of a big apply.
        if !self.pending_creates.is_empty() {
            self.pending_creates
                .remove(&format!("{base}{}", key_suffix(&inst.index_key)));
        }
        let existing = self.index().get(&base).copied();
        match existing {
            Some(ri) => {
                let r = &mut self.resources[ri];
                r.instances
                    .retain(|i| i.index_key != inst.index_key || i.deposed != inst.deposed);
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
