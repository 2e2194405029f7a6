//! Which groups' instances an apply replaces: a change the group's type says starts a rollout
//! (`Fleet::rollout`: Terraform's `instance_refresh` rules), and rollouts an earlier apply left
//! in the state. Nothing here names a resource type.

use super::model::{Action, PlannedRollout, ResourceChange, RolloutKind};
use super::run::provider_key;
use crate::diag::Diagnostic;
use crate::provider::Registry;
use crate::rollout::{Phase, Record};
use crate::state::State;

pub fn planned(
    changes: &[ResourceChange],
    prior: Option<&State>,
    registry: &Registry,
) -> Result<Vec<PlannedRollout>, Vec<Diagnostic>> {
    let mut out = Vec::new();
    let mut diags = Vec::new();
    for c in changes.iter().filter(|c| c.deposed.is_none()) {
        let (Action::Update, Some(before), Some(after)) = (c.action, &c.before, &c.after) else {
            continue;
        };
        let Some(t) = registry.get_at(&c.type_name, &provider_key(&c.provider)) else {
            continue;
        };
        let Some(fleet) = t.fleet() else {
            continue;
        };
        match fleet.rollout(&before.unmark_deep().0, &after.unmark_deep().0) {
            Ok(Some(req)) => out.push(PlannedRollout {
                address: c.address.clone(),
                kind: RolloutKind::Start,
                instances: req.instances.max(0) as usize,
                min_healthy_percentage: req.preferences.min_healthy_percentage,
                max_healthy_percentage: req.preferences.max_healthy_percentage,
                skip_matching: req.preferences.skip_matching,
            }),
            Ok(None) => {}
            Err(why) => diags.push(Diagnostic::plain(
                "Invalid instance_refresh",
                format!("{}: {why}", c.address),
            )),
        }
    }
    // What an earlier apply left: taken up unless the group goes, or a new rollout replaces it.
    for (address, json) in prior.map(|s| &s.rollouts).into_iter().flatten() {
        if out.iter().any(|r| &r.address == address) {
            continue;
        }
        let Some(change) = changes
            .iter()
            .find(|c| &c.address == address && c.deposed.is_none())
        else {
            continue;
        };
        if !matches!(change.action, Action::NoOp | Action::Update) {
            continue;
        }
        let Some(record) = Record::from_json(json) else {
            diags.push(Diagnostic::plain(
                "Unreadable rollout record",
                format!(
                    "The state's rollout record of {address} cannot be read by this version of infra."
                ),
            ));
            continue;
        };
        let prefs = &record.preferences;
        out.push(PlannedRollout {
            address: address.clone(),
            kind: match record.phase {
                Phase::Forward => RolloutKind::Resume,
                Phase::Rollback { .. } => RolloutKind::Rollback,
            },
            instances: record.remaining().unwrap_or(0),
            min_healthy_percentage: prefs.min_healthy_percentage,
            max_healthy_percentage: prefs.max_healthy_percentage,
            skip_matching: prefs.skip_matching,
        });
    }
    out.sort_by(|a, b| a.address.cmp(&b.address));
    if diags.is_empty() {
        Ok(out)
    } else {
        Err(diags)
    }
}

/// The plan's line for a rollout.
pub fn describe(r: &PlannedRollout) -> String {
    let n = r.instances;
    let count = match (n, r.skip_matching) {
        (1, false) => "1 instance".to_string(),
        (n, false) => format!("{n} instances"),
        (n, true) => format!("up to {n} instance(s)"),
    };
    let what = match r.kind {
        RolloutKind::Start => format!("{count} to replace"),
        RolloutKind::Resume => format!("resuming a rollout, {count} to replace"),
        RolloutKind::Rollback => format!("finishing a rollback, {count} to replace"),
    };
    let max = match r.max_healthy_percentage {
        100 => String::new(),
        m => format!(", max {m}%"),
    };
    format!(
        "{}: {what} (rolling, min {}% healthy{max})",
        r.address, r.min_healthy_percentage
    )
}
