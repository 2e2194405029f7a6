//! Progress of an apply, one line per event on stderr, Terraform's wording: "Creating...",
//! "Creation complete after 1s [id=...]". Lines carry a timestamp when stderr is not a terminal,
//! so CI logs show when each step happened.

use std::io::Write;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub struct Progress {
    pub timestamps: bool,
    pub quiet: bool,
}

impl Progress {
    fn line(&self, text: &str) {
        if self.quiet {
            return;
        }
        let mut err = std::io::stderr().lock();
        if self.timestamps {
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

    pub fn start(&self, address: &str, verb: &str) {
        self.line(&format!("{address}: {verb}..."));
    }

    pub fn done(&self, address: &str, what: &str, elapsed: Duration, id: Option<&str>) {
        let id = id.map(|i| format!(" [id={i}]")).unwrap_or_default();
        self.line(&format!(
            "{address}: {what} after {}s{id}",
            elapsed.as_secs()
        ));
    }

    pub fn failed(&self, address: &str, why: &str) {
        self.line(&format!("{address}: failed: {why}"));
    }
}
