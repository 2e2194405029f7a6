//! What `infra bake` shows while images build. In a terminal: a spinner per image with its
//! current step, and provisioner output printed above the spinners. Elsewhere (CI, TERM=dumb):
//! every line plainly, prefixed with the image's address (`image.NAME: ...`), since indicatif
//! draws nothing there.

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;

pub struct BakeProgress {
    bars: Option<(MultiProgress, Mutex<HashMap<String, ProgressBar>>)>,
}

impl BakeProgress {
    pub fn for_stderr() -> BakeProgress {
        let terminal =
            std::io::stderr().is_terminal() && std::env::var("TERM").map_or(true, |t| t != "dumb");
        BakeProgress {
            bars: terminal.then(|| {
                (
                    MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
                    Mutex::new(HashMap::new()),
                )
            }),
        }
    }

    /// One line about the image at address `image`. Lines of provisioner output start with two
    /// spaces: they are printed whole; other lines become the image's current step.
    pub fn line(&self, image: &str, line: &str) {
        let line = &*crate::redact::text(line);
        let Some((multi, bars)) = &self.bars else {
            eprintln!("{image}: {line}");
            return;
        };
        let mut bars = bars.lock().unwrap_or_else(|p| p.into_inner());
        let bar = bars.entry(image.to_string()).or_insert_with(|| {
            let b = multi.add(ProgressBar::new_spinner());
            b.set_style(
                ProgressStyle::with_template("{spinner} {prefix} [{elapsed}] {wide_msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            b.set_prefix(image.to_string());
            b.enable_steady_tick(Duration::from_millis(120));
            b
        });
        if line.starts_with("  ") {
            let _ = multi.println(format!("{image}: {line}"));
        } else {
            bar.set_message(line.to_string());
        }
    }

    /// The image is done: its spinner becomes a final line.
    pub fn finish(&self, image: &str, outcome: &str) {
        match &self.bars {
            None => eprintln!("{image}: {outcome}"),
            Some((_, bars)) => {
                let bars = bars.lock().unwrap_or_else(|p| p.into_inner());
                if let Some(b) = bars.get(image) {
                    b.finish_with_message(outcome.to_string());
                }
            }
        }
    }
}

impl crate::bake::graph_walk::Report for BakeProgress {
    fn line(&self, address: &str, line: &str) {
        BakeProgress::line(self, address, line)
    }

    fn finish(&self, address: &str, outcome: &str) {
        BakeProgress::finish(self, address, outcome)
    }
}
