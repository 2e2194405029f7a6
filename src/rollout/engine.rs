//! Runs a rollout: for each phase, read the group, ask `batch::next_step`, act, and read again,
//! until the phase is done, fails, pauses at a checkpoint, or the run is asked to stop. The
//! record goes to the journal whenever what it says changes, so a run killed anywhere leaves
//! the next one a record and a group it can read; nothing here depends on memory that a kill
//! loses except how long new instances have been warming (they warm again).

use super::batch::{self, Step, View};
use super::record::{Phase, PhaseStart, Record};
use crate::diag::Diagnostic;
use crate::provider::fleet::{Fleet, LaunchSpec, Member, Snapshot};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Where a rollout's record goes: the state's journal, under the group's address (None: the
/// rollout is over).
pub trait Journal {
    fn record(&self, address: &str, record: Option<&Record>) -> Result<(), Diagnostic>;
}

/// How a rollout tells what it does.
pub trait Report {
    /// One event: a batch, an instance launching, warming, healthy, terminating.
    fn line(&self, address: &str, text: &str);
    /// `done` of `total` instances replaced in the current phase.
    fn progress(&self, address: &str, done: usize, total: usize);
}

/// How a rollout ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Ended {
    Done,
    /// Stopped at the last checkpoint, below 100%: the next apply continues.
    Paused {
        percent: u32,
    },
    /// Asked to stop (Ctrl-C): the next apply continues.
    Interrupted,
    /// Failed and put back: every instance runs what the group ran before.
    RolledBack {
        reason: String,
    },
    /// Failed without auto_rollback: left where it stopped.
    Stopped {
        reason: String,
    },
}

pub struct Env<'a> {
    pub address: &'a str,
    pub fleet: &'a dyn Fleet,
    pub journal: &'a dyn Journal,
    pub report: &'a dyn Report,
    pub stop: &'a AtomicBool,
    /// How often the group is read while waiting.
    pub poll: Duration,
}

enum PhaseEnd {
    Done,
    Paused(u32),
    Interrupted,
    Failed(String),
}

fn api(env: &Env, what: &str) -> impl Fn(crate::provider::ProviderError) -> Diagnostic {
    let address = env.address.to_string();
    let what = what.to_string();
    move |e| {
        Diagnostic::plain(
            format!("Rollout of {address} failed"),
            format!(
                "{address}: {what}: {e}. The rollout is recorded: infra apply takes it up again."
            ),
        )
    }
}

/// Whether the group's reported launch source is `want` (a template named by id or by name).
pub fn same_launch(have: &LaunchSpec, want: &LaunchSpec) -> bool {
    match (have, want) {
        (
            LaunchSpec::Template {
                id: hi,
                name: hn,
                version: hv,
            },
            LaunchSpec::Template {
                id: wi,
                name: wn,
                version: wv,
            },
        ) => {
            let template = match (wi, wn) {
                (Some(w), _) => hi.as_ref() == Some(w),
                (None, Some(w)) => hn.as_ref() == Some(w),
                (None, None) => false,
            };
            let version = |v: &Option<String>| v.clone().unwrap_or_else(|| "$Default".into());
            template && version(hv) == version(wv)
        }
        (LaunchSpec::Configuration { name: h }, LaunchSpec::Configuration { name: w }) => h == w,
        _ => false,
    }
}

pub async fn run(env: &Env<'_>, mut record: Record) -> Result<Ended, Diagnostic> {
    loop {
        let target = record.target().clone();
        let snap = env
            .fleet
            .snapshot(
                &record.group,
                record.balancer_health,
                record.started.is_none() && record.preferences.skip_matching,
            )
            .await
            .map_err(api(env, "reading the group"))?;
        // A run that died before the group was changed, or a rollback under way.
        if !snap
            .launching
            .as_ref()
            .is_some_and(|l| same_launch(l, &target))
        {
            env.fleet
                .set_launch(&record.group, target.clone())
                .await
                .map_err(api(env, "setting what the group launches"))?;
        }
        if record.started.is_none() {
            start_phase(env, &mut record, &snap, &target).await?;
        }
        if let Some(reason) = &record.stopped {
            env.report.line(
                env.address,
                &format!("resuming the rollout that stopped: {reason}"),
            );
        }
        let end = drive(env, &mut record).await?;
        match (end, record.phase.clone()) {
            (PhaseEnd::Done, Phase::Forward) => {
                env.journal.record(env.address, None)?;
                return Ok(Ended::Done);
            }
            (PhaseEnd::Done, Phase::Rollback { reason }) => {
                env.journal.record(env.address, None)?;
                return Ok(Ended::RolledBack { reason });
            }
            (PhaseEnd::Paused(percent), _) => return Ok(Ended::Paused { percent }),
            (PhaseEnd::Interrupted, _) => return Ok(Ended::Interrupted),
            (PhaseEnd::Failed(reason), Phase::Forward) if record.preferences.auto_rollback => {
                let line = format!("rollout failed: {reason}; rolling back to {}", record.from);
                record.phase = Phase::Rollback { reason };
                record.started = None;
                record.replaced.clear();
                record.checkpoints_passed.clear();
                record.stopped = None;
                // On record before it is said: what a watcher reads is what a successor finds.
                env.journal.record(env.address, Some(&record))?;
                env.report.line(env.address, &line);
            }
            (PhaseEnd::Failed(reason), Phase::Forward) => {
                record.stopped = Some(reason.clone());
                env.journal.record(env.address, Some(&record))?;
                return Ok(Ended::Stopped { reason });
            }
            (PhaseEnd::Failed(why), Phase::Rollback { reason }) => {
                return Err(Diagnostic::plain(
                    format!("Rollback of {} failed", env.address),
                    format!(
                        "{}: the rollout failed ({reason}) and its rollback failed too: {why}. The rollback is recorded: infra apply takes it up again.",
                        env.address
                    ),
                ));
            }
        }
    }
}

/// Fixes what the phase replaces, and journals it before anything is touched.
async fn start_phase(
    env: &Env<'_>,
    record: &mut Record,
    snap: &Snapshot,
    target: &LaunchSpec,
) -> Result<(), Diagnostic> {
    let to_replace = match &record.phase {
        Phase::Forward => {
            let image = match record.preferences.skip_matching {
                true => env
                    .fleet
                    .image_of(target.clone())
                    .await
                    .map_err(api(env, "reading the launch template"))?,
                false => None,
            };
            // An instance matches when it was launched from the target and runs its image
            // (moto reports every instance on the default version: the image tells).
            let matches = |m: &Member| {
                m.launch.as_ref().is_some_and(|l| same_launch(l, target))
                    && image.is_some()
                    && m.image == image
            };
            batch::to_replace(&snap.members, &record.preferences, &matches)
        }
        Phase::Rollback { .. } => snap
            .members
            .iter()
            .filter(|m| !record.original.contains(&m.id))
            .map(|m| m.id.clone())
            .collect(),
    };
    let members: Vec<String> = snap.members.iter().map(|m| m.id.clone()).collect();
    if record.phase == Phase::Forward {
        record.original = members.clone();
    }
    record.started = Some(PhaseStart {
        desired: snap.desired,
        members,
        to_replace,
    });
    env.journal.record(env.address, Some(record))
}

/// Runs one phase to its end.
async fn drive(env: &Env<'_>, record: &mut Record) -> Result<PhaseEnd, Diagnostic> {
    let start = record.started.clone().unwrap_or(PhaseStart {
        desired: 0,
        members: Vec::new(),
        to_replace: Vec::new(),
    });
    let prefs = record.preferences.clone();
    let warmup = Duration::from_secs(prefs.instance_warmup);
    let total = start.to_replace.len();
    let min = batch::floor(start.desired, prefs.min_healthy_percentage);
    env.report.line(
        env.address,
        &format!(
            "{} {total} of {} instance(s) onto {} (rolling, min {}% healthy = {min}, max {}%)",
            match record.phase {
                Phase::Forward => "replacing",
                Phase::Rollback { .. } => "rolling back",
            },
            start.members.len(),
            record.target(),
            prefs.min_healthy_percentage,
            prefs.max_healthy_percentage
        ),
    );
    let mut serving_since: HashMap<String, Instant> = HashMap::new();
    let mut seen: HashSet<String> = start.members.iter().cloned().collect();
    let mut warm: HashSet<String> = HashSet::new();
    let mut deadline = Instant::now() + Duration::from_secs(prefs.batch_timeout);
    let mut batch_no = 0;
    loop {
        let snap = env
            .fleet
            .snapshot(&record.group, record.balancer_health, false)
            .await
            .map_err(api(env, "reading the group"))?;
        for m in &snap.members {
            if seen.insert(m.id.clone()) {
                env.report.line(env.address, &format!("{} launching", m.id));
            }
            if start.members.contains(&m.id) {
                continue;
            }
            if m.serving() {
                let since = *serving_since.entry(m.id.clone()).or_insert_with(|| {
                    if !warmup.is_zero() {
                        env.report.line(
                            env.address,
                            &format!("{} in service, warming up for {}s", m.id, warmup.as_secs()),
                        );
                    }
                    Instant::now()
                });
                if since.elapsed() >= warmup && warm.insert(m.id.clone()) {
                    let serving = snap.members.iter().filter(|x| x.serving()).count();
                    env.report.line(
                        env.address,
                        &format!("{} healthy ({serving} of {} serving)", m.id, start.desired),
                    );
                }
            } else {
                serving_since.remove(&m.id);
                warm.remove(&m.id);
            }
        }
        let replaced = start
            .to_replace
            .iter()
            .filter(|i| !snap.members.iter().any(|m| &m.id == *i))
            .count();
        env.report.progress(env.address, replaced, total);
        let step = batch::next_step(&View {
            snapshot: &snap,
            start: &start,
            prefs: &prefs,
            warm: &warm,
            replaced,
            checkpoints_passed: &record.checkpoints_passed,
        });
        if env.stop.load(Ordering::SeqCst) && !matches!(step, Step::Done | Step::Fail(_)) {
            env.report.line(
                env.address,
                "stopping: the rollout is recorded, infra apply continues it",
            );
            return Ok(PhaseEnd::Interrupted);
        }
        match step {
            Step::Done => return Ok(PhaseEnd::Done),
            Step::Fail(reason) => return Ok(PhaseEnd::Failed(reason)),
            Step::Wait(what) => {
                if Instant::now() > deadline {
                    return Ok(PhaseEnd::Failed(format!(
                        "batch not healthy within {}s: waiting for {what}",
                        prefs.batch_timeout
                    )));
                }
                tokio::time::sleep(env.poll).await;
            }
            Step::Checkpoint(percent) => {
                record.checkpoints_passed.push(percent);
                env.journal.record(env.address, Some(record))?;
                let last = prefs.checkpoint_percentages.last() == Some(&percent);
                if last && percent < 100 {
                    env.report.line(
                        env.address,
                        &format!("checkpoint {percent}%: paused ({replaced} of {total} replaced); infra apply continues"),
                    );
                    return Ok(PhaseEnd::Paused(percent));
                }
                env.report.line(
                    env.address,
                    &format!("checkpoint {percent}%: pausing {}s", prefs.checkpoint_delay),
                );
                let until = Instant::now() + Duration::from_secs(prefs.checkpoint_delay);
                while Instant::now() < until {
                    if env.stop.load(Ordering::SeqCst) {
                        return Ok(PhaseEnd::Interrupted);
                    }
                    tokio::time::sleep(env.poll.min(until - Instant::now())).await;
                }
                deadline = Instant::now() + Duration::from_secs(prefs.batch_timeout);
            }
            Step::SetDesired(n) => {
                if n > start.desired {
                    batch_no += 1;
                    env.report.line(
                        env.address,
                        &format!(
                            "batch {batch_no}: launching {} before terminating",
                            n - start.desired
                        ),
                    );
                }
                env.fleet
                    .set_desired(&record.group, n)
                    .await
                    .map_err(api(env, "setting the desired capacity"))?;
                deadline = Instant::now() + Duration::from_secs(prefs.batch_timeout);
            }
            Step::Terminate { ids, decrement } => {
                if !decrement {
                    batch_no += 1;
                }
                let serving = snap.members.iter().filter(|m| m.serving()).count();
                env.report.line(
                    env.address,
                    &format!(
                        "batch {batch_no}: terminating {} ({serving} serving, floor {min})",
                        ids.join(", ")
                    ),
                );
                for id in &ids {
                    env.fleet
                        .terminate(&record.group, id, decrement)
                        .await
                        .map_err(api(env, &format!("terminating {id}")))?;
                    record.replaced.push(id.clone());
                }
                env.journal.record(env.address, Some(record))?;
                deadline = Instant::now() + Duration::from_secs(prefs.batch_timeout);
            }
        }
    }
}
