//! The executor: runs a [`Plan`](crate::plan::Plan) concurrently (needs, retries,
//! timeouts, deadline, fail-fast, readiness gate, cancellation) and emits
//! [`events::Event`]s. It never prints.

pub mod events;
mod executor;
pub mod retry;

pub use events::{Attempt, CheckResult, Event, ReadyResult, Status};
pub use executor::{Cancel, ExecOptions, RunOutcome, execute};
