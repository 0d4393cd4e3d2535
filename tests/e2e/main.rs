//! End-to-end tests of `smokecheck run` through the real binary: suites written to a temp
//! dir, run against the demo target (started in this process) and ad-hoc servers on
//! 127.0.0.1; the exit code, the plain terminal lines and the JUnit/JSON/GitHub outputs
//! are what is checked.
//!
//! - Every JUnit file a test reads is validated with `xmllint --schema junit-10.xsd`;
//!   without xmllint or the XSD that is skipped loudly, or fails under
//!   `SMOKECHECK_REQUIRE_SERVICES=1`.
//! - `UPDATE_SNAPSHOTS=1 cargo test --test e2e` rewrites `tests/snapshots/e2e/`.
//! - Each test starts its own target, so `/flaky` counters never leak between tests.

#![allow(clippy::unwrap_used, reason = "a test may panic on what it set up")]

mod databases;
mod demo;
mod envs;
mod expectations;
mod github;
mod golden;
mod harness;
#[path = "../support/junit_xsd.rs"]
mod junit_xsd;
mod network;
#[path = "../support/pki.rs"]
mod pki;
mod reports;
mod secrets;
#[path = "../support/services.rs"]
mod services;
#[path = "../support/snapshot.rs"]
mod snapshot;
mod statuses;
mod stopping;
mod tls;
mod xml;
