fn main() {
    init_logging();
    // Deeply nested configurations recurse deeply; give the work a roomy stack.
    let worker = std::thread::Builder::new()
        .stack_size(64 * 1024 * 1024)
        .spawn(infra::cli::run);
    let code = match worker.map(|h| h.join()) {
        Ok(Ok(code)) => code,
        _ => 1,
    };
    std::process::exit(code);
}

/// `INFRA_LOG=debug` (or any tracing filter, like `infra=debug`) logs to standard error, with
/// each cloud API call at debug level. Off by default. Every line passes through the redactor,
/// so a secret the SDK logs (a request body, an echoed parameter) is not written.
fn init_logging() {
    let Ok(filter) = std::env::var("INFRA_LOG") else {
        return;
    };
    let filter = tracing_subscriber::EnvFilter::try_new(filter.trim().to_lowercase())
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(infra::redact::RedactingStderr::default)
        .with_ansi(false)
        .try_init();
}
