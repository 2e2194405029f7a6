//! Rollouts in an apply: a group's rollout is recorded in the journal before the group is
//! updated (so a kill right after the update still leaves it on record), and after the walk
//! every planned rollout runs, concurrently, through `rollout::run`. The state is re-read for
//! each group afterwards: a rollback changes what the group launches from.

use super::ApplyOutcome;
use super::report::Progress;
use crate::config::Resource;
use crate::diag::Diagnostic;
use crate::instance::codec;
use crate::lang::value::Value;
use crate::plan::model::Plan;
use crate::provider::{Registry, ResourceType};
use crate::rollout::{self, Ended, Record};
use crate::state::State;
use crate::state::store::Store;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;
use std::task::Poll;
use std::time::{Duration, Instant};

/// How often a rollout reads its group while it waits: a quarter of the warmup, between one
/// and five seconds (an unhealthy new instance is seen within that; AWS's rate limits are
/// far).
fn poll_interval(warmup_secs: u64) -> Duration {
    Duration::from_millis((warmup_secs * 250).clamp(1_000, 5_000))
}

/// `timeouts { update = "45m" }` of the resource block (a literal, as Terraform's are), in
/// seconds: how long a batch may take.
fn update_timeout(r: &Resource) -> Result<Option<u64>, Diagnostic> {
    let Some(attr) = r
        .body
        .blocks
        .iter()
        .find(|b| b.kind == "timeouts")
        .and_then(|b| b.body.attribute("update"))
    else {
        return Ok(None);
    };
    let bad = || {
        Diagnostic::error(
            "Invalid timeout",
            "timeouts.update must be a duration such as \"30m\".",
            attr.expr.span,
        )
    };
    let text = attr.expr.as_literal_string().ok_or_else(bad)?;
    let d = crate::lang::duration::parse_go(&text).ok_or_else(bad)?;
    Ok(Some(d.as_secs()))
}

/// Records the rollout an update of `address` starts, before the update; `false` when the
/// change, with every value now known, starts none.
pub(super) fn record_start(
    store: &mut Store,
    state: &mut State,
    address: &str,
    r: &Resource,
    provider: &dyn ResourceType,
    (prior, planned): (&Value, &Value),
) -> Result<bool, Diagnostic> {
    let Some(fleet) = provider.fleet() else {
        return Ok(false);
    };
    let req = fleet
        .rollout(&prior.unmark_deep().0, &planned.unmark_deep().0)
        .map_err(|why| {
            Diagnostic::plain("Invalid instance_refresh", format!("{address}: {why}"))
        })?;
    let Some(mut req) = req else {
        return Ok(false);
    };
    if let Some(secs) = update_timeout(r)? {
        req.preferences.batch_timeout = secs;
    }
    store.rollout(state, address, Some(Record::new(&req).to_json()))?;
    Ok(true)
}

/// The journal, shared by the rollouts of one apply.
struct Shared<'a> {
    inner: Mutex<(&'a mut Store, &'a mut State)>,
}

impl rollout::Journal for Shared<'_> {
    fn record(&self, address: &str, record: Option<&Record>) -> Result<(), Diagnostic> {
        let mut guard = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let (store, state) = &mut *guard;
        store.rollout(state, address, record.map(Record::to_json))
    }
}

struct Lines<'a>(&'a Progress);

impl rollout::Report for Lines<'_> {
    fn line(&self, address: &str, text: &str) {
        self.0.event(address, text);
    }

    fn progress(&self, address: &str, done: usize, total: usize) {
        self.0.progress(address, done, total);
    }
}

/// One rollout under way: its address, how long it took, how it ended.
type Run<'a> = Pin<Box<dyn Future<Output = (String, Duration, Result<Ended, Diagnostic>)> + 'a>>;

/// Runs every planned rollout whose record is in the state, concurrently.
pub(super) async fn run_all(
    plan: &Plan,
    registry: &Registry,
    state: &mut State,
    store: &mut Store,
    progress: &Progress,
    stop: &AtomicBool,
    outcome: &mut ApplyOutcome,
) {
    let mut todo = Vec::new();
    for p in &plan.rollouts {
        let Some(record) = state.rollouts.get(&p.address).and_then(Record::from_json) else {
            continue;
        };
        let Some((r, _)) = state.find(&p.address) else {
            continue;
        };
        let provider_key = crate::plan::run::provider_key(&r.provider);
        match registry.get_at(&r.type_name, &provider_key) {
            Some(t) if t.fleet().is_some() => todo.push((p.address.clone(), record, t)),
            _ => outcome.diagnostics.push(Diagnostic::plain(
                "Rollout cannot run",
                format!("{}: its type has no groups to roll.", p.address),
            )),
        }
    }
    if todo.is_empty() {
        return;
    }
    let shared = Shared {
        inner: Mutex::new((store, state)),
    };
    let lines = Lines(progress);
    let runs: Vec<Run<'_>> = todo
        .iter()
        .map(|(address, record, t)| {
            let (shared, lines) = (&shared, &lines);
            let fut = async move {
                let started = Instant::now();
                progress.start(address, "Rolling out");
                let env = rollout::Env {
                    address,
                    fleet: t.fleet().expect("checked above"),
                    journal: shared,
                    report: lines,
                    stop,
                    poll: poll_interval(record.preferences.instance_warmup),
                };
                let ended = rollout::run(&env, record.clone()).await;
                // Said as each ends; failures are said with their diagnostics below.
                match &ended {
                    Ok(Ended::Done) => {
                        progress.done(address, "Rollout complete", started.elapsed(), None)
                    }
                    Ok(Ended::Paused { percent }) => progress.done(
                        address,
                        &format!(
                            "Rollout paused at checkpoint {percent}% (infra apply continues it)"
                        ),
                        started.elapsed(),
                        None,
                    ),
                    _ => {}
                }
                (address.clone(), started.elapsed(), ended)
            };
            Box::pin(fut) as Run<'_>
        })
        .collect();
    let results = join_all(runs).await;
    let (store, state) = shared.inner.into_inner().unwrap_or_else(|p| p.into_inner());
    for ((address, _, ended), (_, record, t)) in results.into_iter().zip(&todo) {
        match ended {
            Ok(Ended::Done | Ended::Paused { .. }) => {}
            Ok(Ended::Interrupted) => {
                outcome.interrupted = true;
                progress.failed(&address, "rollout interrupted; infra apply continues it");
            }
            Ok(Ended::RolledBack { reason }) => {
                let d = Diagnostic::plain(
                    format!("Rollout of {address} failed and was rolled back"),
                    format!(
                        "{address}: {reason}. The group launches from {} again and every instance the rollout launched was replaced. Fix the cause and apply again to retry the rollout.",
                        record.from
                    ),
                );
                progress.failed(&address, &d.detail);
                outcome.diagnostics.push(d);
            }
            Ok(Ended::Stopped { reason }) => {
                let d = Diagnostic::plain(
                    format!("Rollout of {address} stopped"),
                    format!(
                        "{address}: {reason}. The rollout stopped where it was, instances of both versions running ({} now launches from {}). To continue, fix the cause and run infra apply: it takes the rollout up where it stopped. To roll back, set the group's launch_template back to {} and apply.",
                        record.group, record.to, record.from
                    ),
                );
                progress.failed(&address, &d.detail);
                outcome.diagnostics.push(d);
            }
            Err(d) => {
                progress.failed(&address, &d.detail);
                outcome.diagnostics.push(d);
            }
        }
        if let Err(d) = reread(store, state, &address, t.as_ref()).await {
            outcome.diagnostics.push(d);
        }
    }
}

/// Reads the group again into the state: a rollback changed what it launches from.
async fn reread(
    store: &mut Store,
    state: &mut State,
    address: &str,
    t: &dyn ResourceType,
) -> Result<(), Diagnostic> {
    let Some((prior, _)) = crate::instance::prior_value(Some(state), address, t.schema()) else {
        return Ok(());
    };
    let Some((header, inst)) = state.find(address).map(|(r, i)| (r.clone(), i.clone())) else {
        return Ok(());
    };
    let now = t.read(prior).await.map_err(|e| {
        Diagnostic::plain(
            format!("Failed to read {address}"),
            format!("{address}: after its rollout: {e}"),
        )
    })?;
    let Some(now) = now else {
        return Ok(());
    };
    let (attributes, sensitive) = codec::to_state(&now, t.schema());
    if attributes == inst.attributes {
        return Ok(());
    }
    let header = crate::state::ResourceState {
        instances: Vec::new(),
        ..header
    };
    let inst = crate::state::InstanceState {
        attributes,
        sensitive_attributes: sensitive,
        ..inst
    };
    store.upsert(state, &header, inst)
}

/// Polls every future until all are done, in this task: the rollouts share the journal by
/// reference, which spawning would not allow.
async fn join_all<T>(mut futures: Vec<Pin<Box<dyn Future<Output = T> + '_>>>) -> Vec<T> {
    let mut results: Vec<Option<T>> = futures.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (i, f) in futures.iter_mut().enumerate() {
            if results[i].is_some() {
                continue;
            }
            match f.as_mut().poll(cx) {
                Poll::Ready(v) => results[i] = Some(v),
                Poll::Pending => pending = true,
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })
    .await;
    results.into_iter().flatten().collect()
}
