fn main() {
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
