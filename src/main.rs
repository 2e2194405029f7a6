use std::io::Write;

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
        .with_writer(RedactingStderr::default)
        .with_ansi(false)
        .try_init();
}

/// A writer for log lines that redacts each line before it reaches standard error. The tracing
/// formatter writes one event per writer, so the buffer is one event.
#[derive(Default)]
struct RedactingStderr {
    buffer: Vec<u8>,
}

impl Write for RedactingStderr {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let line = String::from_utf8_lossy(&self.buffer).into_owned();
        self.buffer.clear();
        std::io::stderr().write_all(infra::redact::text(&line).as_bytes())
    }
}

impl Drop for RedactingStderr {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}
