//! Where the real services for the database tests live, from environment variables.
//!
//! Locally these tests run when the variables are set, e.g.
//! `SMOKECHECK_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test`. When one is
//! missing the test says so loudly on stderr and passes — unless
//! `SMOKECHECK_REQUIRE_SERVICES=1` (CI), where a missing service fails the test.

// Each test crate uses part of this file; skips are announced on stderr on purpose.
#![allow(dead_code, clippy::print_stderr, clippy::unwrap_used)]

use std::time::Duration;

pub fn postgres_url() -> Option<String> {
    service(
        "SMOKECHECK_TEST_POSTGRES_URL",
        "postgres://postgres@127.0.0.1:5432/test",
    )
}

pub fn mysql_url() -> Option<String> {
    service(
        "SMOKECHECK_TEST_MYSQL_URL",
        "mysql://root@127.0.0.1:3306/test",
    )
}

pub fn redis_url() -> Option<String> {
    service("SMOKECHECK_TEST_REDIS_URL", "redis://127.0.0.1:6379")
}

/// For fixtures other than the three services (e.g. a `redis-server` binary): skip loudly,
/// or fail under `SMOKECHECK_REQUIRE_SERVICES=1`.
pub fn missing(what: &str) {
    let test = std::thread::current().name().unwrap_or("?").to_string();
    if std::env::var("SMOKECHECK_REQUIRE_SERVICES").is_ok_and(|v| v == "1") {
        panic!("{what} and SMOKECHECK_REQUIRE_SERVICES=1: cannot run {test}");
    }
    loud(&format!("SKIPPED: {test}: {what}"));
}

/// Straight to the process's stderr: `eprintln!` inside a passing test is captured by the
/// test harness and never shown, which would make the skip silent.
fn loud(line: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

fn service(var: &str, example: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            let required = std::env::var("SMOKECHECK_REQUIRE_SERVICES").is_ok_and(|v| v == "1");
            let test = std::thread::current().name().unwrap_or("?").to_string();
            if required {
                panic!("{var} is not set and SMOKECHECK_REQUIRE_SERVICES=1: cannot run {test}");
            }
            loud(&format!(
                "SKIPPED: {test} needs a real service (set {var}={example} to run)"
            ));
            None
        }
    }
}

/// A deadline `secs` from now, as the executor would give a probe.
pub fn deadline(secs: u64) -> tokio::time::Instant {
    tokio::time::Instant::now() + Duration::from_secs(secs)
}

/// A TCP port on 127.0.0.1 with nothing listening (bound, then released).
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    port
}
