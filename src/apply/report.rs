//! How an apply tells what it is doing: a [`Report`] the command that runs it implements
//! (`cli/apply_progress.rs` draws bars or timestamped lines), as a bake reports through
//! `bake::graph_walk::Report`. Nothing here prints.

use std::sync::Arc;
use std::time::Duration;

/// What an apply says about each object it works on, in Terraform's words.
pub trait Report: Send + Sync {
    /// Work on `address` began (`verb`: "Creating", "Modifying", "Destroying", "Baking").
    fn start(&self, address: &str, verb: &str);
    /// What a long step (a bake) is doing now. Lines starting with two spaces are program
    /// output, to show whole.
    fn step(&self, address: &str, verb: &str, text: &str);
    /// The work finished (`what`: "Creation complete"), with the object's id when it has one.
    fn done(&self, address: &str, what: &str, elapsed: Duration, id: Option<&str>);
    fn failed(&self, address: &str, why: &str);
    /// One event of work under way (a rollout's batch or instance), always its own line.
    fn event(&self, address: &str, text: &str) {
        self.step(address, "", &format!("  {text}"));
    }
    /// `done` of `total` parts of the work on `address` are done (a rollout's instances).
    fn progress(&self, address: &str, done: usize, total: usize) {
        let _ = (address, done, total);
    }
    /// The apply is over: anything drawn can go before the summary.
    fn finish(&self);
}

/// A handle on a [`Report`], cheap to clone: jobs that outlive the walk's borrow (a bake)
/// report through a clone.
#[derive(Clone)]
pub struct Progress(Arc<dyn Report>);

impl Progress {
    pub fn new(report: Arc<dyn Report>) -> Progress {
        Progress(report)
    }

    /// Says nothing (for callers that show no progress).
    pub fn quiet() -> Progress {
        Progress(Arc::new(Quiet))
    }

    pub fn start(&self, address: &str, verb: &str) {
        self.0.start(address, verb);
    }

    pub fn step(&self, address: &str, verb: &str, text: &str) {
        self.0.step(address, verb, text);
    }

    pub fn done(&self, address: &str, what: &str, elapsed: Duration, id: Option<&str>) {
        self.0.done(address, what, elapsed, id);
    }

    pub fn failed(&self, address: &str, why: &str) {
        self.0.failed(address, why);
    }

    pub fn event(&self, address: &str, text: &str) {
        self.0.event(address, text);
    }

    pub fn progress(&self, address: &str, done: usize, total: usize) {
        self.0.progress(address, done, total);
    }

    pub fn finish(&self) {
        self.0.finish();
    }
}

struct Quiet;

impl Report for Quiet {
    fn start(&self, _: &str, _: &str) {}
    fn step(&self, _: &str, _: &str, _: &str) {}
    fn done(&self, _: &str, _: &str, _: Duration, _: Option<&str>) {}
    fn failed(&self, _: &str, _: &str) {}
    fn finish(&self) {}
}
