//! Logging: structured JSON lines (one per event, with the span's fields such as the request
//! id), filtered by `RUST_LOG`. Tokens, passwords and email bodies are never logged.

/// Installs the JSON subscriber once; later calls do nothing.
pub fn init() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ =
        tracing_subscriber::fmt().json().with_env_filter(filter).with_current_span(true).with_target(false).try_init();
}

/// For tests: the same JSON lines, written where the test harness captures them, so a failing
/// test shows what its server logged (warnings and errors unless `RUST_LOG` says otherwise).
pub fn init_for_tests() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_current_span(true)
        .with_target(false)
        .with_test_writer()
        .try_init();
}
