//! The one thing the executor asks of the outside world: run one attempt of one check.
//!
//! The executor is generic over it so that its scheduling logic (needs, retries, deadline,
//! fail-fast, readiness gate, interrupts) can be tested with a scripted runner, while the
//! real run uses the probes through [`ProbeCtx`].

use std::future::Future;

use tokio::time::Instant;

use crate::plan::PlannedCheck;
use crate::probe::{self, Outcome, ProbeCtx};

/// Runs one attempt of a check, to be finished by `deadline` (the attempt's timeout).
///
/// The executor also enforces the deadline from outside, and drops the future when the
/// run is interrupted or its `--deadline` expires: implementations must not rely on
/// being polled to completion.
pub trait Runner: Send + Sync + 'static {
    fn attempt(
        &self,
        check: &PlannedCheck,
        deadline: Instant,
    ) -> impl Future<Output = Outcome> + Send;
}

/// The real thing: the probes, sharing one context per run.
impl Runner for ProbeCtx {
    fn attempt(
        &self,
        check: &PlannedCheck,
        deadline: Instant,
    ) -> impl Future<Output = Outcome> + Send {
        probe::run(&check.spec, self, deadline)
    }
}
