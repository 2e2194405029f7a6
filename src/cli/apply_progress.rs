//! Progress of an apply on stderr, Terraform's wording ("Creating...", "Creation complete
//! after 1s [id=...]"), as `cli/` shows the apply's [`Report`]. In a terminal: an overall bar
//! and one line per resource in flight with its elapsed time (indicatif). Elsewhere, or with
//! TERM=dumb: plain lines with a timestamp, so CI logs show when each step happened (indicatif
//! would print nothing there).

use crate::apply::report::Report;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

enum Mode {
    Lines {
        timestamps: bool,
    },
    Bars {
        multi: MultiProgress,
        overall: ProgressBar,
        active: Mutex<HashMap<String, ProgressBar>>,
    },
}

pub struct ApplyProgress {
    mode: Mode,
}

impl ApplyProgress {
    /// Bars on a terminal, timestamped lines elsewhere. `total` sizes the overall bar.
    pub fn for_stderr(total: usize) -> ApplyProgress {
        let terminal =
            std::io::stderr().is_terminal() && std::env::var("TERM").map_or(true, |t| t != "dumb");
        if !terminal {
            return ApplyProgress {
                mode: Mode::Lines { timestamps: true },
            };
        }
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
        let overall = multi.add(ProgressBar::new(total as u64));
        overall.set_style(
            ProgressStyle::with_template("{bar:30} {pos}/{len} changes  [{elapsed}]")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        ApplyProgress {
            mode: Mode::Bars {
                multi,
                overall,
                active: Mutex::new(HashMap::new()),
            },
        }
    }

    /// One line for people; secrets the run has seen are taken out (an id or an error may
    /// carry one).
    fn line(&self, text: &str) {
        let text = &*crate::redact::text(text);
        match &self.mode {
            Mode::Bars { multi, .. } => {
                let _ = multi.println(text);
            }
            Mode::Lines { timestamps } => {
                let mut err = std::io::stderr().lock();
                if *timestamps {
                    let t = SystemTime::now()
                        .duration_since(UNIX_EPOCH)
                        .unwrap_or_default();
                    let secs = t.as_secs() % 86_400;
                    let _ = writeln!(
                        err,
                        "{:02}:{:02}:{:02}.{:03} {text}",
                        secs / 3600,
                        secs % 3600 / 60,
                        secs % 60,
                        t.subsec_millis()
                    );
                } else {
                    let _ = writeln!(err, "{text}");
                }
            }
        }
    }

    fn end(&self, address: &str) {
        if let Mode::Bars {
            overall, active, ..
        } = &self.mode
        {
            if let Some(pb) = active.lock().ok().and_then(|mut a| a.remove(address)) {
                pb.finish_and_clear();
            }
            overall.inc(1);
        }
    }
}

impl Report for ApplyProgress {
    fn start(&self, address: &str, verb: &str) {
        match &self.mode {
            Mode::Bars {
                multi,
                overall,
                active,
            } => {
                let pb = multi.insert_before(overall, ProgressBar::new_spinner());
                pb.set_style(
                    ProgressStyle::with_template("{spinner} {msg} [{elapsed}]")
                        .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                );
                pb.set_message(format!("{address}: {verb}..."));
                pb.enable_steady_tick(Duration::from_millis(120));
                if let Ok(mut a) = active.lock() {
                    a.insert(address.to_string(), pb);
                }
            }
            _ => self.line(&format!("{address}: {verb}...")),
        }
    }

    /// What a long step (a bake) is doing now. Lines starting with two spaces are program
    /// output and printed whole; others replace the step's message in a terminal.
    fn step(&self, address: &str, verb: &str, text: &str) {
        if let Mode::Bars { active, .. } = &self.mode
            && !text.starts_with("  ")
        {
            if let Some(pb) = active.lock().ok().and_then(|a| a.get(address).cloned()) {
                pb.set_message(
                    crate::redact::text(&format!("{address}: {verb}: {text}")).into_owned(),
                );
            }
            return;
        }
        self.line(&format!("{address}: {text}"));
    }

    fn event(&self, address: &str, text: &str) {
        self.line(&format!("{address}: {text}"));
    }

    /// A rollout's instances replaced so far, on its line in a terminal.
    fn progress(&self, address: &str, done: usize, total: usize) {
        if let Mode::Bars { active, .. } = &self.mode
            && let Some(pb) = active.lock().ok().and_then(|a| a.get(address).cloned())
        {
            let width = 20;
            let filled = (done * width).checked_div(total).unwrap_or(width);
            pb.set_message(format!(
                "{address}: Rolling out [{}{}] {done}/{total} replaced",
                "#".repeat(filled),
                "-".repeat(width - filled)
            ));
        }
    }

    fn done(&self, address: &str, what: &str, elapsed: Duration, id: Option<&str>) {
        self.end(address);
        let id = id.map(|i| format!(" [id={i}]")).unwrap_or_default();
        self.line(&format!(
            "{address}: {what} after {}s{id}",
            elapsed.as_secs()
        ));
    }

    fn failed(&self, address: &str, why: &str) {
        self.end(address);
        self.line(&format!("{address}: failed: {why}"));
    }

    /// Removes the bars before the summary is printed.
    fn finish(&self) {
        if let Mode::Bars { overall, .. } = &self.mode {
            overall.finish_and_clear();
        }
    }
}
