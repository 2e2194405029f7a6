//! Malformed input never panics: every corpus and fixture file, mutated thousands of ways
//! (bytes flipped, deleted, duplicated, spliced from other files, truncated), goes through the
//! parser, the template parser, the formatter and the whole loader and evaluator. A seeded
//! generator keeps every run the same; `cargo fuzz` (fuzz/) explores further by coverage.

use infra::evaluate::{Options, evaluate_root};
use std::path::{Path, PathBuf};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*: small, fast, deterministic.
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    "(",
    ")",
    "\"",
    "${",
    "%{",
    "~}",
    "<<EOT\n",
    "<<-EOT\n",
    "\nEOT\n",
    "...",
    ".*",
    "[*]",
    "?",
    ":",
    "=>",
    "for ",
    " in ",
    "if ",
    "endif",
    "endfor",
    "\\u",
    "\\",
    "\n",
    "#",
    "/*",
    "*/",
    "=",
    ",",
    "-",
    "!",
    "null",
    "1e999",
    "0.0000001",
    "9007199254740993",
    "var.",
    "local.",
    "count.index",
    "each.value",
];

fn mutate(rng: &mut Rng, src: &[u8], others: &[Vec<u8>]) -> Vec<u8> {
    let mut s = src.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(s.len() + 1);
        match rng.below(6) {
            0 if !s.is_empty() => {
                let i = rng.below(s.len());
                s[i] = (rng.next() & 0xff) as u8;
            }
            1 if !s.is_empty() => {
                let end = (at + rng.below(16)).min(s.len());
                s.drain(at.min(end)..end);
            }
            2 => {
                let t = TOKENS[rng.below(TOKENS.len())].as_bytes();
                s.splice(at..at, t.iter().copied());
            }
            3 => {
                let o = &others[rng.below(others.len())];
                if !o.is_empty() {
                    let a = rng.below(o.len());
                    let b = (a + rng.below(200)).min(o.len());
                    s.splice(at..at, o[a..b].iter().copied());
                }
            }
            4 => s.truncate(at),
            _ => {
                let end = (at + rng.below(32)).min(s.len());
                let piece = s[at.min(end)..end].to_vec();
                s.splice(at..at, piece);
            }
        }
    }
    s
}

fn corpus_files() -> Vec<PathBuf> {
    fn walk(p: &Path, out: &mut Vec<PathBuf>) {
        let Ok(rd) = std::fs::read_dir(p) else { return };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "tf" || x == "tftpl") {
                out.push(p);
            }
        }
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for d in ["fixtures", "modules", "examples"] {
        walk(&root.join(d), &mut out);
    }
    out.sort();
    out
}

#[test]
fn mutated_configs_never_panic() {
    let files = corpus_files();
    assert!(!files.is_empty());
    let sources: Vec<Vec<u8>> = files.iter().map(|f| std::fs::read(f).unwrap()).collect();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let dir = tempfile::tempdir().unwrap();
    let iterations: usize = std::env::var("INFRA_FUZZ_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000);
    for i in 0..iterations {
        let src = &sources[rng.below(sources.len())];
        let mutated = mutate(&mut rng, src, &sources);
        let text = String::from_utf8_lossy(&mutated).into_owned();
        let result = std::panic::catch_unwind(|| {
            let _ = infra::syntax::parse_body(0, &text);
            let _ = infra::syntax::parse_template(0, &text);
            let _ = infra::syntax::parse_expression(0, &text);
            let _ = infra::fmt::format_source(&text);
        });
        assert!(
            result.is_ok(),
            "iteration {i}: parser or formatter panicked on:\n{text}"
        );
        // Every tenth input also goes through loading and evaluation.
        if i % 10 == 0 {
            std::fs::write(dir.path().join("main.tf"), &mutated).unwrap();
            let opts = Options {
                root_vars: Default::default(),
                workspace: "default".into(),
                require_root_vars: false,
                validate_only: i % 20 == 0,
            };
            let result = std::panic::catch_unwind(|| {
                let _ = evaluate_root(dir.path(), &opts);
            });
            assert!(
                result.is_ok(),
                "iteration {i}: evaluation panicked on:\n{text}"
            );
        }
    }
}
