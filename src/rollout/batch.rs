//! The next step of a rollout phase, decided from one look at the group: pure, so every rule
//! (the healthy floor and ceiling, launch before terminate, checkpoints, protected and
//! standby instances, failure) is tested without a cloud. The engine reads, asks, acts, and
//! asks again; a run that dies anywhere takes up where the group is.

use super::record::PhaseStart;
use crate::provider::fleet::{Member, Preferences, Snapshot, Special};
use std::collections::HashSet;

#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    /// The phase cannot succeed.
    Fail(String),
    /// Nothing to do until the group changes: what it waits for.
    Wait(String),
    /// `checkpoint_percentages` reached this percentage.
    Checkpoint(u32),
    /// Terminate these instances; with `decrement` the group does not replace them.
    Terminate {
        ids: Vec<String>,
        decrement: bool,
    },
    /// Raise the desired capacity so new instances launch before old ones go.
    SetDesired(i64),
    Done,
}

/// The fewest instances that must stay healthy: a percentage of the desired capacity, rounded
/// down (AWS's rounding; at least one instance is always replaced at a time).
pub fn floor(desired: i64, percent: u32) -> i64 {
    desired * i64::from(percent) / 100
}

/// The most instances the group may run during the phase, never below the desired capacity.
pub fn ceiling(desired: i64, percent: u32) -> i64 {
    (desired * i64::from(percent) / 100).max(desired)
}

/// Lifecycle states of instances on their way out: they count for nothing.
fn leaving(m: &Member) -> bool {
    m.lifecycle.starts_with("Terminat") || m.lifecycle.starts_with("Detach")
}

/// What the phase replaces, chosen when it starts: every instance but those the preferences
/// leave alone (and, with `skip_matching`, those `matches` says already run the target).
pub fn to_replace(
    members: &[Member],
    prefs: &Preferences,
    matches: &dyn Fn(&Member) -> bool,
) -> Vec<String> {
    members
        .iter()
        .filter(|m| !leaving(m))
        .filter(|m| !(m.protected && prefs.protected_instances == Special::Ignore))
        .filter(|m| {
            !(m.lifecycle.starts_with("Standby") && prefs.standby_instances == Special::Ignore)
        })
        .filter(|m| !(prefs.skip_matching && matches(m)))
        .map(|m| m.id.clone())
        .collect()
}

/// One look at the group during a phase.
pub struct View<'a> {
    pub snapshot: &'a Snapshot,
    pub start: &'a PhaseStart,
    pub prefs: &'a Preferences,
    /// Instances launched by the phase that have served for the whole warmup.
    pub warm: &'a HashSet<String>,
    pub replaced: usize,
    pub checkpoints_passed: &'a [u32],
}

pub fn next_step(v: &View) -> Step {
    let members: Vec<&Member> = v.snapshot.members.iter().filter(|m| !leaving(m)).collect();
    let known: HashSet<&str> = v.start.members.iter().map(String::as_str).collect();
    let launched: Vec<&&Member> = members
        .iter()
        .filter(|m| !known.contains(m.id.as_str()))
        .collect();
    if let Some(m) = launched.iter().find(|m| m.unhealthy) {
        return Step::Fail(format!("new instance {} reported Unhealthy", m.id));
    }
    let stale: Vec<&&Member> = members
        .iter()
        .filter(|m| v.start.to_replace.contains(&m.id))
        .collect();
    let counts =
        |m: &Member| m.serving() && (known.contains(m.id.as_str()) || v.warm.contains(&m.id));
    let cold: Vec<&str> = launched
        .iter()
        .filter(|m| !v.warm.contains(&m.id))
        .map(|m| m.id.as_str())
        .collect();
    let desired = v.start.desired;
    let missing = v.snapshot.desired - members.len() as i64;
    let eligible: Vec<&&Member> = stale
        .iter()
        .copied()
        .filter(|m| !(m.protected && v.prefs.protected_instances == Special::Wait))
        .filter(|m| {
            !(m.lifecycle.starts_with("Standby") && v.prefs.standby_instances == Special::Wait)
        })
        .collect();
    // A launch-before-terminate batch is under way: its new instances first, then as many old
    // ones go as came.
    if v.snapshot.desired > desired {
        if missing > 0 || !cold.is_empty() {
            return Step::Wait(waiting_for(missing, &cold));
        }
        let surplus = (v.snapshot.desired - desired) as usize;
        let ids = pick(&eligible, surplus, counts);
        if ids.is_empty() {
            return Step::SetDesired(desired);
        }
        return Step::Terminate {
            ids,
            decrement: true,
        };
    }
    if missing > 0 || !cold.is_empty() {
        return Step::Wait(waiting_for(missing, &cold));
    }
    if stale.is_empty() {
        return Step::Done;
    }
    let total = v.start.to_replace.len().max(1);
    let percent = (v.replaced.min(total) * 100 / total) as u32;
    if let Some(c) = v
        .prefs
        .checkpoint_percentages
        .iter()
        .find(|c| percent >= **c && !v.checkpoints_passed.contains(c))
    {
        return Step::Checkpoint(*c);
    }
    if eligible.is_empty() {
        return Step::Wait(format!(
            "{} protected or standby instance(s) to leave that state",
            stale.len()
        ));
    }
    // The group's max_size bounds it too: a group sized exactly replaces terminate-first.
    let ceiling =
        ceiling(desired, v.prefs.max_healthy_percentage).min(v.snapshot.max_size.max(desired));
    if ceiling > desired {
        let k = (ceiling - desired).min(stale.len() as i64);
        return Step::SetDesired(desired + k);
    }
    let serving = members.iter().filter(|m| counts(m)).count() as i64;
    let spare = (serving - floor(desired, v.prefs.min_healthy_percentage)).max(0) as usize;
    let not_serving = eligible.iter().filter(|m| !counts(m)).count();
    let k = (not_serving + spare).max(1);
    Step::Terminate {
        ids: pick(&eligible, k, counts),
        decrement: false,
    }
}

/// Up to `k` instances to terminate, those that serve nobody first.
fn pick(eligible: &[&&Member], k: usize, counts: impl Fn(&Member) -> bool) -> Vec<String> {
    let mut order: Vec<&&Member> = eligible.to_vec();
    order.sort_by_key(|m| counts(m));
    order.into_iter().take(k).map(|m| m.id.clone()).collect()
}

fn waiting_for(missing: i64, cold: &[&str]) -> String {
    match (missing > 0, cold.is_empty()) {
        (true, _) => format!("{missing} instance(s) to launch"),
        (false, false) => format!("{} to pass health checks and warm up", cold.join(", ")),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(id: &str) -> Member {
        Member {
            id: id.into(),
            lifecycle: "InService".into(),
            healthy: true,
            balancers_healthy: true,
            ..Member::default()
        }
    }

    fn start(ids: &[&str]) -> PhaseStart {
        PhaseStart {
            desired: ids.len() as i64,
            members: ids.iter().map(|s| s.to_string()).collect(),
            to_replace: ids.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn snapshot(desired: i64, ids: &[&str]) -> Snapshot {
        Snapshot {
            desired,
            max_size: 10,
            launching: None,
            members: ids.iter().map(|i| member(i)).collect(),
        }
    }

    fn step(snap: &Snapshot, start: &PhaseStart, prefs: &Preferences, warm: &[&str]) -> Step {
        let warm: HashSet<String> = warm.iter().map(|s| s.to_string()).collect();
        let replaced = start
            .to_replace
            .iter()
            .filter(|i| !snap.members.iter().any(|m| &m.id == *i))
            .count();
        next_step(&View {
            snapshot: snap,
            start,
            prefs,
            warm: &warm,
            replaced,
            checkpoints_passed: &[],
        })
    }

    #[test]
    fn the_floor_and_ceiling_round_down_as_aws_does() {
        assert_eq!(floor(3, 90), 2);
        assert_eq!(floor(10, 90), 9);
        assert_eq!(floor(10, 100), 10);
        assert_eq!(ceiling(3, 100), 3);
        assert_eq!(ceiling(3, 150), 4);
        assert_eq!(ceiling(10, 110), 11);
    }

    #[test]
    fn terminate_first_replaces_as_many_as_the_floor_allows_and_at_least_one() {
        let prefs = Preferences::default();
        let s = start(&["a", "b", "c"]);
        let snap = snapshot(3, &["a", "b", "c"]);
        assert_eq!(
            step(&snap, &s, &prefs, &[]),
            Step::Terminate {
                ids: vec!["a".into()],
                decrement: false
            }
        );
        let half = Preferences {
            min_healthy_percentage: 50,
            ..Preferences::default()
        };
        let s = start(&["a", "b", "c", "d"]);
        let snap = snapshot(4, &["a", "b", "c", "d"]);
        match step(&snap, &s, &half, &[]) {
            Step::Terminate { ids, .. } => assert_eq!(ids.len(), 2),
            other => panic!("{other:?}"),
        }
        // 100% still makes progress, one at a time.
        let all = Preferences {
            min_healthy_percentage: 100,
            ..Preferences::default()
        };
        match step(&snap, &s, &all, &[]) {
            Step::Terminate { ids, .. } => assert_eq!(ids.len(), 1),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_new_instance_counts_only_once_warm() {
        let prefs = Preferences::default();
        let s = start(&["a", "b", "c"]);
        let snap = snapshot(3, &["b", "c", "n1"]);
        assert!(matches!(step(&snap, &s, &prefs, &[]), Step::Wait(w) if w.contains("n1")));
        assert!(matches!(
            step(&snap, &s, &prefs, &["n1"]),
            Step::Terminate { ids, decrement: false } if ids == vec!["b".to_string()]
        ));
        // A replacement not launched yet is waited for.
        let snap = snapshot(3, &["b", "c"]);
        assert!(matches!(step(&snap, &s, &prefs, &[]), Step::Wait(w) if w.contains("1 instance")));
    }

    #[test]
    fn unhealthy_new_instances_fail_the_phase_but_old_ones_are_just_replaced_first() {
        let prefs = Preferences::default();
        let s = start(&["a", "b", "c"]);
        let mut snap = snapshot(3, &["a", "b", "n1"]);
        snap.members[2].healthy = false;
        snap.members[2].unhealthy = true;
        assert_eq!(
            step(&snap, &s, &prefs, &[]),
            Step::Fail("new instance n1 reported Unhealthy".into())
        );
        let mut snap = snapshot(3, &["a", "b", "c"]);
        snap.members[1].healthy = false;
        // b serves nobody: it goes first, with as many as the floor allows (none here).
        assert_eq!(
            step(&snap, &s, &prefs, &[]),
            Step::Terminate {
                ids: vec!["b".into()],
                decrement: false
            }
        );
    }

    #[test]
    fn launch_before_terminate_raises_capacity_then_removes_as_many_old() {
        let prefs = Preferences {
            max_healthy_percentage: 150,
            ..Preferences::default()
        };
        let s = start(&["a", "b", "c", "d"]);
        let snap = snapshot(4, &["a", "b", "c", "d"]);
        assert_eq!(step(&snap, &s, &prefs, &[]), Step::SetDesired(6));
        let snap = snapshot(6, &["a", "b", "c", "d", "n1"]);
        assert!(matches!(step(&snap, &s, &prefs, &[]), Step::Wait(_)));
        let snap = snapshot(6, &["a", "b", "c", "d", "n1", "n2"]);
        assert_eq!(
            step(&snap, &s, &prefs, &["n1", "n2"]),
            Step::Terminate {
                ids: vec!["a".into(), "b".into()],
                decrement: true
            }
        );
        // A group whose max_size is its desired capacity cannot launch first.
        let mut exact = snapshot(4, &["a", "b", "c", "d"]);
        exact.max_size = 4;
        assert!(matches!(
            step(&exact, &s, &prefs, &[]),
            Step::Terminate {
                decrement: false,
                ..
            }
        ));
        // Nothing left to remove: capacity goes back.
        let snap = snapshot(5, &["n1", "n2", "n3", "n4", "n5"]);
        assert_eq!(
            step(&snap, &s, &prefs, &["n1", "n2", "n3", "n4", "n5"]),
            Step::SetDesired(4)
        );
    }

    #[test]
    fn checkpoints_are_reached_by_the_share_replaced() {
        let prefs = Preferences {
            checkpoint_percentages: vec![50, 100],
            ..Preferences::default()
        };
        let s = start(&["a", "b", "c", "d"]);
        let snap = snapshot(4, &["c", "d", "n1", "n2"]);
        assert_eq!(step(&snap, &s, &prefs, &["n1", "n2"]), Step::Checkpoint(50));
        let snap = snapshot(4, &["n1", "n2", "n3", "n4"]);
        assert_eq!(
            step(&snap, &s, &prefs, &["n1", "n2", "n3", "n4"]),
            Step::Done
        );
    }

    #[test]
    fn protected_and_standby_instances_follow_the_preferences() {
        let mut members = vec![member("a"), member("b"), member("c")];
        members[0].protected = true;
        members[1].lifecycle = "Standby".into();
        let never = |_: &Member| false;
        let prefs = Preferences::default();
        assert_eq!(to_replace(&members, &prefs, &never), vec!["c".to_string()]);
        let wait = Preferences {
            protected_instances: Special::Wait,
            standby_instances: Special::Replace,
            ..Preferences::default()
        };
        assert_eq!(to_replace(&members, &wait, &never).len(), 3);
        // A protected instance is waited for while it stays protected.
        let s = start(&["a"]);
        let snap = Snapshot {
            desired: 1,
            max_size: 1,
            launching: None,
            members: vec![members[0].clone()],
        };
        assert!(matches!(step(&snap, &s, &wait, &[]), Step::Wait(w) if w.contains("protected")));
        let skip = Preferences {
            skip_matching: true,
            ..Preferences::default()
        };
        let only_c = |m: &Member| m.id != "c";
        assert_eq!(
            to_replace(&members[2..], &skip, &only_c),
            vec!["c".to_string()]
        );
    }
}
