//! What a plan is: the changes per resource instance, in Terraform's vocabulary of actions,
//! the output changes, and what apply must check before it trusts the plan (the prior state's
//! lineage and serial, the variable values it was made with).

use crate::instance::codec::{from_plan_json, to_plan_json};
use crate::lang::value::Value;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    NoOp,
    Create,
    Read,
    Update,
    DeleteThenCreate,
    CreateThenDelete,
    Delete,
}

impl Action {
    pub fn is_replace(self) -> bool {
        matches!(self, Action::DeleteThenCreate | Action::CreateThenDelete)
    }

    /// Terraform's JSON `actions` list.
    pub fn json_actions(self) -> Vec<&'static str> {
        match self {
            Action::NoOp => vec!["no-op"],
            Action::Create => vec!["create"],
            Action::Read => vec!["read"],
            Action::Update => vec!["update"],
            Action::DeleteThenCreate => vec!["delete", "create"],
            Action::CreateThenDelete => vec!["create", "delete"],
            Action::Delete => vec!["delete"],
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ResourceChange {
    pub address: String,
    /// `module.net` (empty for the root module).
    pub module: String,
    pub mode: String,
    #[serde(rename = "type")]
    pub type_name: String,
    pub name: String,
    pub index: Option<serde_json::Value>,
    pub provider: String,
    pub action: Action,
    #[serde(with = "value_opt")]
    pub before: Option<Value>,
    #[serde(with = "value_opt")]
    pub after: Option<Value>,
    /// Attributes whose change forces the replacement.
    #[serde(default)]
    pub replace_paths: Vec<String>,
    /// Why: "tainted", "requested" (--replace), "replace_triggered_by", "orphan".
    #[serde(default)]
    pub reason: Option<String>,
    /// Resource addresses this instance depends on (for delete order and state).
    #[serde(default)]
    pub dependencies: Vec<String>,
    #[serde(default)]
    pub create_before_destroy: bool,
    /// The deposed object (of a create-before-destroy replacement an apply did not finish)
    /// this change destroys, instead of the current one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deposed: Option<String>,
    /// How the type's schema shows its attributes (nested blocks, attributes of any type), so
    /// a plan file renders without the schema.
    #[serde(default)]
    pub layout: super::render::diff::Layout,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OutputChange {
    pub action: Action,
    #[serde(with = "value_opt")]
    pub before: Option<Value>,
    #[serde(with = "value_opt")]
    pub after: Option<Value>,
    pub sensitive: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Plan {
    pub format_version: u32,
    pub infra_version: String,
    /// The state this plan was made against: apply refuses if it changed since.
    pub lineage: Option<String>,
    pub prior_serial: Option<u64>,
    pub destroy: bool,
    /// Root variable values the plan was made with, as plan JSON.
    pub variables: BTreeMap<String, serde_json::Value>,
    pub changes: Vec<ResourceChange>,
    pub outputs: BTreeMap<String, OutputChange>,
    /// `-target` addresses the plan was limited to.
    #[serde(default)]
    pub targets: Vec<String>,
    /// State addresses renamed by `moved` blocks: (from, to).
    #[serde(default)]
    pub moved: Vec<(String, String)>,
    /// What refresh learned that the state must record even where nothing changes: objects
    /// read again (drift, and objects adopted by their tags after an interrupted apply) ...
    #[serde(default)]
    pub refreshed: Vec<RefreshedObject>,
    /// ... and addresses whose objects no longer exist.
    #[serde(default)]
    pub vanished: Vec<String>,
    /// The configuration's images: found by their fingerprint, or to be baked by apply.
    #[serde(default)]
    pub images: Vec<PlannedImage>,
    /// What each data source read while planning (plan JSON): apply uses these, so an AMI
    /// published after the plan was reviewed is not the one launched.
    #[serde(default)]
    pub data: BTreeMap<String, serde_json::Value>,
    /// A `-refresh-only` plan: it changes no object, only records what refresh read.
    #[serde(default)]
    pub refresh_only: bool,
    /// What changed outside infra (refresh-only plans): from the state to what the cloud has.
    #[serde(default)]
    pub drift: Vec<ResourceChange>,
    /// When the plan was made (RFC 3339): `plantimestamp()` at plan and at apply.
    #[serde(default)]
    pub timestamp: Option<String>,
    /// Groups whose instances apply replaces in batches (`rollout/`).
    #[serde(default)]
    pub rollouts: Vec<PlannedRollout>,
}

/// Why a group's instances will be replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RolloutKind {
    /// What the group launches from changes (or a listed trigger does).
    Start,
    /// A rollout an earlier apply left under way (killed, interrupted, paused, stopped).
    Resume,
    /// A rollback an earlier apply left under way.
    Rollback,
}

/// A rollout the plan announces: `~ aws_autoscaling_group.web: 6 instances to replace
/// (rolling, min 90% healthy)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedRollout {
    pub address: String,
    pub kind: RolloutKind,
    /// Instances to replace as far as the plan knows (the group's desired capacity; with
    /// skip_matching, at most that many).
    pub instances: usize,
    pub min_healthy_percentage: u32,
    pub max_healthy_percentage: u32,
    pub skip_matching: bool,
}

/// An `image` as the plan found it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PlannedImage {
    pub address: String,
    pub fingerprint: String,
    pub source_ami: String,
    pub ami_name: String,
    /// Apply bakes it (or copies it to the regions that lack it).
    pub bake: bool,
    /// Region → image id of what exists now.
    pub artifacts: BTreeMap<String, String>,
    /// What `image.NAME` evaluates to, when nothing is to bake.
    #[serde(default, with = "value_opt")]
    pub value: Option<Value>,
}

/// An object as refresh read it, ready to record in state.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RefreshedObject {
    pub resource: crate::state::ResourceState,
    pub instance: crate::state::InstanceState,
    /// Found by its tags, not in the prior state.
    #[serde(default)]
    pub adopted: bool,
}

pub const PLAN_FORMAT: u32 = 1;

impl Plan {
    pub fn has_changes(&self) -> bool {
        if self.refresh_only {
            return !self.drift.is_empty();
        }
        self.changes
            .iter()
            .any(|c| !matches!(c.action, Action::NoOp | Action::Read))
            || self.outputs.values().any(|o| o.action != Action::NoOp)
            || !self.moved.is_empty()
            || self.refreshed.iter().any(|r| r.adopted)
            || self.images_to_bake() > 0
            || !self.rollouts.is_empty()
    }

    pub fn images_to_bake(&self) -> usize {
        self.images.iter().filter(|i| i.bake).count()
    }

    /// (add, change, destroy) as Terraform's summary line counts them.
    pub fn counts(&self) -> (usize, usize, usize) {
        let mut add = 0;
        let mut change = 0;
        let mut destroy = 0;
        for c in &self.changes {
            match c.action {
                Action::Create => add += 1,
                Action::Update => change += 1,
                Action::Delete => destroy += 1,
                Action::DeleteThenCreate | Action::CreateThenDelete => {
                    add += 1;
                    destroy += 1;
                }
                Action::NoOp | Action::Read => {}
            }
        }
        (add, change, destroy)
    }

    pub fn change(&self, address: &str) -> Option<&ResourceChange> {
        self.changes.iter().find(|c| c.address == address)
    }
}

mod value_opt {
    use super::*;
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &Option<Value>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => to_plan_json(v).serialize(s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
        let j: Option<serde_json::Value> = Option::deserialize(d)?;
        Ok(j.map(|j| from_plan_json(&j)))
    }
}
