//! The executor: runs a [`Plan`](crate::plan::Plan) concurrently (needs, retries,
//! timeouts, deadline, fail-fast, readiness gate, cancellation) and emits
//! [`events::Event`]s. It never prints.

mod attempts;
mod cancel;
pub mod events;
mod executor;
mod ready;
pub mod retry;
mod runner;
mod schedule;

pub use cancel::{Cancel, spawn_signal_handler};
pub use events::{Attempt, CheckResult, Event, ReadyResult, Status};
pub use executor::{ExecOptions, RunOutcome, execute};
pub use runner::Runner;
