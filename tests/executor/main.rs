//! Executor semantics (SPEC §3), driven by a scripted [`Runner`]: the scheduling logic is
//! not a protocol, so these tests script what each attempt returns and record what the
//! executor did (start order, attempts, in-flight count).
//!
//! [`Runner`]: smokecheck::exec::Runner

mod ready;
mod scheduling;
mod scripted;
mod stopping;
