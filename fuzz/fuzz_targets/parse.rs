//! The parser's entry points never panic, whatever the bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = infra::syntax::parse_body(0, text);
        let _ = infra::syntax::parse_expression(0, text);
        let _ = infra::syntax::parse_template(0, text);
    }
});
