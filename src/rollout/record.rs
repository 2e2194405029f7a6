//! What a rollout writes to the state's journal, so the next run can take it up: which group,
//! from what and to what, the preferences it runs with, which phase it is in and what that
//! phase set out to replace. The state keeps it as opaque JSON under the group's address.

use crate::provider::fleet::{LaunchSpec, Preferences, RolloutRequest};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "phase", rename_all = "snake_case")]
pub enum Phase {
    /// Replacing instances with ones launched from `to`.
    Forward,
    /// The forward phase failed for `reason`: the group launches from `from` again and the
    /// instances the forward phase launched are being replaced.
    Rollback { reason: String },
}

/// What a phase set out to do, fixed when it starts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PhaseStart {
    /// The group's desired capacity: the healthy floor and ceiling are percentages of it.
    pub desired: i64,
    /// Every instance of the group when the phase started: any other is one it launched.
    pub members: Vec<String>,
    /// The instances it replaces.
    pub to_replace: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub group: String,
    pub from: LaunchSpec,
    pub to: LaunchSpec,
    pub preferences: Preferences,
    pub balancer_health: bool,
    #[serde(flatten)]
    pub phase: Phase,
    /// None until the phase has read the group (a run may die between recording the rollout
    /// and its first read).
    pub started: Option<PhaseStart>,
    /// The forward phase's members at its start: a rollback replaces every other.
    #[serde(default)]
    pub original: Vec<String>,
    /// Instances terminated so far in this phase.
    #[serde(default)]
    pub replaced: Vec<String>,
    #[serde(default)]
    pub checkpoints_passed: Vec<u32>,
    /// Why the last attempt stopped (without auto_rollback): said again when it resumes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
}

impl Record {
    pub fn new(req: &RolloutRequest) -> Record {
        Record {
            group: req.group.clone(),
            from: req.from.clone(),
            to: req.to.clone(),
            preferences: req.preferences.clone(),
            balancer_health: req.balancer_health,
            phase: Phase::Forward,
            started: None,
            original: Vec::new(),
            replaced: Vec::new(),
            checkpoints_passed: Vec::new(),
            stopped: None,
        }
    }

    /// What the current phase's instances are launched from.
    pub fn target(&self) -> &LaunchSpec {
        match self.phase {
            Phase::Forward => &self.to,
            Phase::Rollback { .. } => &self.from,
        }
    }

    /// Instances still to replace as far as the record knows (the plan's count on resume).
    pub fn remaining(&self) -> Option<usize> {
        let s = self.started.as_ref()?;
        Some(
            s.to_replace
                .iter()
                .filter(|i| !self.replaced.contains(i))
                .count(),
        )
    }

    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }

    pub fn from_json(v: &serde_json::Value) -> Option<Record> {
        serde_json::from_value(v.clone()).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_survives_its_json() {
        let mut r = Record::new(&RolloutRequest {
            group: "web".into(),
            from: LaunchSpec::Template {
                id: Some("lt-1".into()),
                name: None,
                version: Some("1".into()),
            },
            to: LaunchSpec::Template {
                id: Some("lt-1".into()),
                name: None,
                version: Some("2".into()),
            },
            preferences: Preferences::default(),
            balancer_health: true,
            instances: 3,
        });
        r.phase = Phase::Rollback {
            reason: "i-1 reported Unhealthy".into(),
        };
        r.started = Some(PhaseStart {
            desired: 3,
            members: vec!["i-1".into(), "i-2".into()],
            to_replace: vec!["i-1".into()],
        });
        let back = Record::from_json(&r.to_json()).unwrap();
        assert_eq!(back, r);
        assert_eq!(back.target(), &r.from);
        assert_eq!(back.remaining(), Some(1));
    }
}
