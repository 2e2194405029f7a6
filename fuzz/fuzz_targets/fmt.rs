//! The formatter never panics, and formatting is idempotent on what it accepts.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(once) = infra::fmt::format_source(text) {
        // Only inputs that parse are held to idempotence; garbage may tokenise oddly.
        if infra::syntax::parse_body(0, text).is_ok() {
            let twice = infra::fmt::format_source(&once).expect("formatted output tokenises");
            assert_eq!(once, twice, "fmt is not idempotent");
        }
    }
});
