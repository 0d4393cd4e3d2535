//! The interface between the executor and the reporters (after nextest's events.rs):
//! the executor emits these, reporters consume them. Reporters never see YAML or probes.

use std::time::{Duration, SystemTime};

use crate::probe::Layer;

/// Final status of a check (SPEC §3); the strings are the JSON report's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    Passed,
    Flaky,
    Warned,
    Failed,
    TimedOut,
    Skipped,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::Passed,
        Status::Flaky,
        Status::Warned,
        Status::Failed,
        Status::TimedOut,
        Status::Skipped,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Passed => "passed",
            Status::Flaky => "flaky",
            Status::Warned => "warned",
            Status::Failed => "failed",
            Status::TimedOut => "timed_out",
            Status::Skipped => "skipped",
        }
    }

    pub fn is_failure(self) -> bool {
        matches!(self, Status::Failed | Status::TimedOut)
    }
}

/// One attempt of a check.
#[derive(Debug, Clone)]
pub struct Attempt {
    /// `Passed`, `Failed` or `TimedOut`.
    pub status: Status,
    pub duration: Duration,
    pub layer: Option<Layer>,
    pub message: String,
}

/// Everything known about a finished check. `id` is its index in `Plan::checks`.
#[derive(Debug, Clone)]
pub struct CheckResult {
    pub id: usize,
    pub status: Status,
    pub duration: Duration,
    /// The layer and one-line message of the final failure (or skip reason, warning).
    pub layer: Option<Layer>,
    pub message: String,
    /// The key fact of the last attempt (`200 OK · 84ms`).
    pub fact: String,
    pub warnings: Vec<String>,
    pub attempts: Vec<Attempt>,
    /// Detail of the last attempt, for `-v` and reports.
    pub details: serde_json::Map<String, serde_json::Value>,
}

impl CheckResult {
    pub fn skipped(id: usize, reason: impl Into<String>) -> Self {
        CheckResult {
            id,
            status: Status::Skipped,
            duration: Duration::ZERO,
            layer: None,
            message: reason.into(),
            fact: String::new(),
            warnings: Vec::new(),
            attempts: Vec::new(),
            details: serde_json::Map::new(),
        }
    }
}

/// How the readiness gate of one group went (SPEC §2.4).
#[derive(Debug, Clone)]
pub struct ReadyResult {
    pub group: usize,
    pub passed: bool,
    pub waited: Duration,
    pub polls: u32,
    /// Why the gate is still closed (last failure), if it did not open.
    pub message: String,
}

#[derive(Debug, Clone)]
pub enum Event {
    RunStarted {
        total: usize,
        started_at: SystemTime,
    },
    ReadyStarted {
        group: usize,
    },
    ReadyFinished(ReadyResult),
    CheckStarted {
        id: usize,
    },
    /// A failed attempt that will be retried.
    AttemptFailed {
        id: usize,
        attempt: Attempt,
    },
    CheckFinished(CheckResult),
    RunFinished,
}
