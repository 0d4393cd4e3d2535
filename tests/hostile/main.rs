//! Hardening tests (issue 6): the real `smokecheck` binary against hostile targets (servers
//! that hang, trickle, reset, send garbage or 5 GB), a whole run bounded by `--deadline`,
//! secrets that must never leave the process, signals at random moments, and report files
//! that are written atomically or not at all.
//!
//! Every fault server listens on 127.0.0.1 and runs in this test process (one shared tokio
//! runtime); every run is a child process with a hard upper bound, killed (and the test
//! failed) if it overruns.
//!
//! Random choices (signal timing, secret values) print their seed; set
//! `SMOKECHECK_HOSTILE_SEED` to replay one.

#![allow(clippy::unwrap_used, reason = "a test may panic on what it set up")]

#[path = "../support/pki.rs"]
mod pki;

mod bounded;
mod faults;
mod fuzz_soak;
mod harness;
mod interrupt;
#[path = "../support/junit_xsd.rs"]
mod junit_xsd;
mod report_files;
mod secrets;
mod servers;
mod service_faults;
