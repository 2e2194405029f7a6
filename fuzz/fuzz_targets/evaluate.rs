//! Loading and evaluating any configuration text never panics.
#![no_main]
use infra::evaluate::{Options, evaluate_module};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let dir = std::env::temp_dir();
    if let Ok(module) = infra::config::load_module_from_str(&dir, "fuzz.tf", text) {
        for validate_only in [false, true] {
            let opts = Options { root_vars: Default::default(), workspace: "default".into(), require_root_vars: false, validate_only };
            let _ = evaluate_module(&module, &opts);
        }
    }
});
