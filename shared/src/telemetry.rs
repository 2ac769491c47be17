//! Logging: structured JSON lines (one per event, with the span's fields such as the request
//! id), filtered by `RUST_LOG` (`info`, `info,portal=debug`: a default level and levels by
//! target). Tokens, passwords and email bodies are never logged.
//!
//! The filter is `tracing_subscriber`'s `Targets`, not its `EnvFilter`: the portal filters by
//! target and level only, and `EnvFilter`'s span and field matching links a regex engine
//! into every function.

use tracing::Level;
use tracing_subscriber::Layer as _;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

/// `RUST_LOG` as targets and levels, or `default` for everything when it is unset or not
/// understood.
fn filter(default: Level) -> Targets {
    std::env::var("RUST_LOG")
        .ok()
        .and_then(|directives| directives.parse().ok())
        .unwrap_or_else(|| Targets::new().with_default(default))
}

/// Installs the JSON subscriber once; later calls do nothing.
pub fn init() {
    let layer = tracing_subscriber::fmt::layer().json().with_current_span(true).with_target(false);
    let _ = tracing_subscriber::registry().with(layer.with_filter(filter(Level::INFO))).try_init();
}

/// For tests: the same JSON lines, written where the test harness captures them, so a failing
/// test shows what its server logged (warnings and errors unless `RUST_LOG` says otherwise).
pub fn init_for_tests() {
    let layer = tracing_subscriber::fmt::layer().json().with_current_span(true).with_target(false).with_test_writer();
    let _ = tracing_subscriber::registry().with(layer.with_filter(filter(Level::WARN))).try_init();
}
