//! (stub: to be implemented)

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::sync::mpsc::UnboundedSender;

use super::events::{CheckResult, Event, ReadyResult};
use crate::plan::Plan;
use crate::probe::ProbeCtx;

#[derive(Debug, Clone)]
pub struct ExecOptions {
    /// Max checks in flight, across every group.
    pub concurrency: usize,
    /// Hard wall-clock budget for the whole run.
    pub deadline: Option<Duration>,
    pub fail_fast: bool,
}

/// Cancels a run (first Ctrl-C): stop scheduling, abort running checks.
#[derive(Clone, Default)]
pub struct Cancel {}

/// What a run produced: one result per planned check (index = id).
#[derive(Debug, Clone)]
pub struct RunOutcome {
    pub started_at: SystemTime,
    pub duration: Duration,
    pub results: Vec<CheckResult>,
    pub ready: Vec<ReadyResult>,
    pub interrupted: bool,
}

pub async fn execute(
    plan: &Plan,
    _opts: &ExecOptions,
    _ctx: Arc<ProbeCtx>,
    _events: UnboundedSender<Event>,
    _cancel: Cancel,
) -> RunOutcome {
    RunOutcome {
        started_at: SystemTime::now(),
        duration: Duration::ZERO,
        results: plan
            .checks
            .iter()
            .map(|c| CheckResult::skipped(c.id, "not implemented"))
            .collect(),
        ready: Vec::new(),
        interrupted: false,
    }
}
