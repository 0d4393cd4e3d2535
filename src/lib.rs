//! smokecheck: post-deploy smoke checks over real protocols.
//!
//! Data flows one way:
//! ```text
//! files ─ suite::raw ─▶ Node tree ─ plan::vars ─▶ substituted ─ suite::validate ─▶ model
//!       ─ plan::build ─▶ Plan ─ exec ─▶ Events ─▶ report::{terminal, junit, json, github}
//!                                 └─ probe::{http, tls, …} ─▶ Outcome
//! ```
//! The library never prints; the binary owns stdout/stderr.

// Data from files, the network and the environment is never unwrapped (tests may).
#![warn(clippy::unwrap_used, clippy::expect_used)]

pub mod demo;
pub mod exec;
pub mod exit;
pub mod plan;
pub mod probe;
pub mod report;
pub mod suite;
