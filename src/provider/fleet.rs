//! Fleets: resource types whose objects run interchangeable instances (an autoscaling group)
//! that can be replaced in batches. `rollout/` drives a replacement through this interface; a
//! provider says how to read a group and steer it. Nothing here decides a batch.

use super::{BoxFuture, ProviderResult};
use crate::lang::value::Value;
use serde::{Deserialize, Serialize};

/// What a group launches new instances from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LaunchSpec {
    Template {
        id: Option<String>,
        name: Option<String>,
        version: Option<String>,
    },
    Configuration {
        name: String,
    },
}

impl std::fmt::Display for LaunchSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LaunchSpec::Template { id, name, version } => write!(
                f,
                "launch template {} version {}",
                id.as_deref().or(name.as_deref()).unwrap_or("?"),
                version.as_deref().unwrap_or("$Default")
            ),
            LaunchSpec::Configuration { name } => write!(f, "launch configuration {name}"),
        }
    }
}

/// What to do with instances a rollout meets in a special state (Terraform's
/// `scale_in_protected_instances` and `standby_instances`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Special {
    /// Leave them as they are: they are not replaced.
    Ignore,
    /// Replace them like any other (`Refresh` for protected, `Terminate` for standby).
    Replace,
    /// Replace them once they leave that state; the batch waits (and may time out).
    Wait,
}

/// How a rollout goes: Terraform's `instance_refresh.preferences`, defaults filled in, and the
/// group's `timeouts { update }`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Preferences {
    pub min_healthy_percentage: u32,
    pub max_healthy_percentage: u32,
    /// Seconds a new instance must stay healthy before it counts.
    pub instance_warmup: u64,
    pub checkpoint_percentages: Vec<u32>,
    /// Seconds to pause at a checkpoint.
    pub checkpoint_delay: u64,
    pub skip_matching: bool,
    pub auto_rollback: bool,
    pub protected_instances: Special,
    pub standby_instances: Special,
    /// Seconds a batch may take to become healthy before the rollout fails.
    pub batch_timeout: u64,
}

impl Default for Preferences {
    fn default() -> Preferences {
        Preferences {
            min_healthy_percentage: 90,
            max_healthy_percentage: 100,
            instance_warmup: 300,
            checkpoint_percentages: Vec::new(),
            checkpoint_delay: 3600,
            skip_matching: false,
            auto_rollback: false,
            protected_instances: Special::Ignore,
            standby_instances: Special::Ignore,
            batch_timeout: 30 * 60,
        }
    }
}

/// A rollout a change to a group starts.
#[derive(Clone, Debug, PartialEq)]
pub struct RolloutRequest {
    /// The group's name, as the fleet's calls take it.
    pub group: String,
    /// What the group launched from before the change, and what it launches from after.
    pub from: LaunchSpec,
    pub to: LaunchSpec,
    pub preferences: Preferences,
    /// Whether load balancers' health counts (`health_check_type = "ELB"`).
    pub balancer_health: bool,
    /// The group's desired capacity before the change: what the plan says will be replaced.
    pub instances: i64,
}

/// One instance of a group as a rollout sees it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Member {
    pub id: String,
    /// The group's lifecycle state: `Pending`, `InService`, `Standby`, `Terminating`, ...
    pub lifecycle: String,
    /// The group's health status is `Healthy`.
    pub healthy: bool,
    /// The group's health status is `Unhealthy`.
    pub unhealthy: bool,
    /// Every load balancer and target group of the group reports it healthy (true when the
    /// group's health does not include them).
    pub balancers_healthy: bool,
    pub protected: bool,
    /// What the instance was launched from, as the group reports it.
    pub launch: Option<LaunchSpec>,
    /// The image it runs, as EC2 reports it (when the snapshot asked for images).
    pub image: Option<String>,
}

impl Member {
    /// In service and healthy everywhere its health is judged.
    pub fn serving(&self) -> bool {
        self.lifecycle == "InService" && self.healthy && self.balancers_healthy
    }
}

/// A group at one moment.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Snapshot {
    pub desired: i64,
    pub max_size: i64,
    /// What it launches new instances from now.
    pub launching: Option<LaunchSpec>,
    pub members: Vec<Member>,
}

/// A resource type whose objects are groups a rollout can work on.
pub trait Fleet: Send + Sync {
    /// The rollout a change from `prior` to `planned` starts, if any: the group has an
    /// `instance_refresh` block and what it launches from (or a listed trigger) changed.
    /// Values may hold unknowns at plan time; an error is a configuration the rollout refuses.
    fn rollout(&self, prior: &Value, planned: &Value) -> Result<Option<RolloutRequest>, String>;

    /// The group now; with `balancers`, each member's load balancer health, and with `images`
    /// the image each member runs (one call more each).
    fn snapshot(
        &self,
        group: &str,
        balancers: bool,
        images: bool,
    ) -> BoxFuture<ProviderResult<Snapshot>>;

    /// The image instances launched from `spec` run.
    fn image_of(&self, spec: LaunchSpec) -> BoxFuture<ProviderResult<Option<String>>>;

    fn set_launch(&self, group: &str, spec: LaunchSpec) -> BoxFuture<ProviderResult<()>>;

    fn set_desired(&self, group: &str, desired: i64) -> BoxFuture<ProviderResult<()>>;

    /// Terminates one instance of the group; without `decrement` the group launches its
    /// replacement.
    fn terminate(
        &self,
        group: &str,
        instance: &str,
        decrement: bool,
    ) -> BoxFuture<ProviderResult<()>>;
}
