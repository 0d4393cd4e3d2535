//! The readiness gate of one group (SPEC §2.4): right after a deploy, poll the group's
//! `ready:` checks until all of them pass in the same round, or give up after the gate's
//! timeout. The group's checks start only once the gate is open.
//!
//! Readiness is its own phase, apart from retries, so that "not deployed yet" never shows
//! up as flakiness. Polls do not take concurrency permits: a gate is a handful of cheap
//! probes, and making it queue behind another group's checks would skew its timing.

use std::time::Duration;

use futures_util::future::join_all;
use tokio::sync::watch;
use tokio::time::Instant;

use super::attempts::{after, one_attempt};
use super::events::ReadyResult;
use super::executor::{Stop, wait_stop};
use super::runner::Runner;
use crate::plan::{Masker, PlannedCheck, ReadyPlan};
use crate::probe::Verdict;

/// How a gate ended.
pub(crate) struct GateEnd {
    pub result: ReadyResult,
    /// The run stopped the gate (interrupt, deadline, fail-fast) before it opened or gave
    /// up; the scheduler knows why and writes the message.
    pub stopped: bool,
}

#[derive(Default)]
struct Polling {
    polls: u32,
    last_failure: String,
}

/// Polls the gate of `group` until it opens, gives up, or the run stops.
pub(crate) async fn run_gate<R: Runner>(
    runner: &R,
    masker: &Masker,
    group: usize,
    gate: &ReadyPlan,
    mut stop: watch::Receiver<Stop>,
) -> GateEnd {
    let started = Instant::now();
    let give_up = after(started, gate.timeout);
    let mut polling = Polling::default();
    let opened = {
        let work = poll_until_open(runner, masker, gate, give_up, &mut polling);
        tokio::select! {
            biased;
            opened = work => Some(opened),
            _ = wait_stop(&mut stop, Stop::halts_gates) => None,
        }
    };
    let passed = opened == Some(true);
    GateEnd {
        result: ReadyResult {
            group,
            passed,
            waited: started.elapsed(),
            polls: polling.polls,
            message: if passed {
                String::new()
            } else {
                polling.last_failure
            },
        },
        stopped: opened.is_none(),
    }
}

async fn poll_until_open<R: Runner>(
    runner: &R,
    masker: &Masker,
    gate: &ReadyPlan,
    give_up: Instant,
    polling: &mut Polling,
) -> bool {
    loop {
        polling.polls = polling.polls.saturating_add(1);
        match poll_round(runner, masker, &gate.checks, give_up).await {
            None => return true,
            Some(failure) => polling.last_failure = failure,
        }
        let now = Instant::now();
        if now >= give_up {
            return false;
        }
        let next = after(now, gate.interval).min(give_up);
        tokio::time::sleep_until(next).await;
        if next >= give_up {
            return false;
        }
    }
}

/// One round: every ready check once, concurrently, each bounded by its own timeout and by
/// the gate's. Returns the first failure in suite order (`name: message`, masked), or
/// `None` if all passed.
async fn poll_round<R: Runner>(
    runner: &R,
    masker: &Masker,
    checks: &[PlannedCheck],
    give_up: Instant,
) -> Option<String> {
    let now = Instant::now();
    let rounds = checks.iter().map(|check| async move {
        let deadline = after(now, check.timeout).min(give_up);
        let limit: Duration = deadline.saturating_duration_since(now);
        let outcome = one_attempt(runner, check, deadline, limit).await;
        let Verdict::Fail { message, .. } = outcome.verdict else {
            return None;
        };
        Some(
            masker
                .mask(&format!("{}: {message}", check.name))
                .into_owned(),
        )
    });
    join_all(rounds).await.into_iter().flatten().next()
}
