//! The scheduling state of one run: which checks wait for which, which are ready, which
//! gates are closed, and every result so far. Owned by the loop in
//! [`execute`](super::execute), which is its only user: no locks, no shared state.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;
use tokio::sync::watch;
use tokio::time::Instant;

use super::attempts::{deadline_result, fmt_duration};
use super::events::{CheckResult, Event, ReadyResult, Status};
use super::executor::{Stop, internal_error};
use super::ready::GateEnd;
use crate::plan::Plan;

/// What a task hands back to the scheduler.
pub(super) enum Done {
    Check(CheckResult),
    Gate(GateEnd),
}

/// The readiness gate of one group, as the scheduler sees it.
enum Gate {
    None,
    Running(Instant),
    Done(ReadyResult),
}

impl Gate {
    fn into_result(self) -> Option<ReadyResult> {
        match self {
            Gate::Done(r) => Some(r),
            _ => None,
        }
    }
}

/// All scheduling state, owned by the loop in [`execute`](super::execute).
pub(super) struct Scheduler<'a> {
    plan: &'a Plan,
    events: &'a UnboundedSender<Event>,
    fail_fast: bool,
    results: Vec<Option<CheckResult>>,
    /// Prerequisites of each check that have not finished yet.
    waiting: Vec<usize>,
    /// Reverse edges of `needs`.
    dependents: Vec<Vec<usize>>,
    /// When each running check started.
    running: Vec<Option<Instant>>,
    gates: Vec<Gate>,
    /// Checks ready to start, lowest id first (plan order).
    queue: BinaryHeap<Reverse<usize>>,
    in_flight: usize,
    stop: Stop,
    fail_fast_reason: Option<String>,
    /// Reused work list of `finish`.
    cascade: Vec<CheckResult>,
}

impl<'a> Scheduler<'a> {
    pub(super) fn new(plan: &'a Plan, events: &'a UnboundedSender<Event>, fail_fast: bool) -> Self {
        let n = plan.checks.len();
        let mut waiting = vec![0; n];
        let mut dependents = vec![Vec::new(); n];
        // Ids are indices into `plan.checks` (the plan's invariant); the index is used
        // throughout so that no id from elsewhere can index out of bounds.
        for (id, check) in plan.checks.iter().enumerate() {
            // A need outside the plan cannot be waited for; the plan builder only keeps
            // needs that are part of the run, so this is defensive.
            for &need in check.needs.iter().filter(|&&need| need < n) {
                waiting[id] += 1;
                dependents[need].push(id);
            }
        }
        Scheduler {
            plan,
            events,
            fail_fast,
            results: (0..n).map(|_| None).collect(),
            waiting,
            dependents,
            running: vec![None; n],
            gates: plan.groups.iter().map(|_| Gate::None).collect(),
            queue: BinaryHeap::new(),
            in_flight: 0,
            stop: Stop::Run,
            fail_fast_reason: None,
            cascade: Vec::new(),
        }
    }

    fn is_pending(&self, id: usize) -> bool {
        self.results[id].is_none() && self.running[id].is_none()
    }

    fn gate_open(&self, group: usize) -> bool {
        !matches!(self.gates.get(group), Some(Gate::Running(_)))
    }

    fn mask(&self, text: &str) -> String {
        self.plan.masker.mask(text).into_owned()
    }

    /// Excluded checks are skipped with their reason before anything runs.
    pub(super) fn resolve_excluded(&mut self) {
        let plan = self.plan;
        for (id, check) in plan.checks.iter().enumerate() {
            if let Some(reason) = &check.excluded {
                self.finish(CheckResult::skipped(id, self.mask(reason)));
            }
        }
    }

    /// Groups whose gate must be polled: those with a gate and something left to run.
    pub(super) fn gates_to_start(&self) -> Vec<usize> {
        let mut wanted = vec![false; self.plan.groups.len()];
        for (id, check) in self.plan.checks.iter().enumerate() {
            if self.results[id].is_none()
                && let Some(w) = wanted.get_mut(check.group)
            {
                *w = true;
            }
        }
        let gated = |g: &usize| self.plan.groups[*g].ready.is_some();
        (0..wanted.len())
            .filter(|g| wanted[*g])
            .filter(gated)
            .collect()
    }

    /// Queues the pending checks (of `group`, or of every group) whose needs are met.
    pub(super) fn queue_ready_checks(&mut self, group: Option<usize>) {
        let plan = self.plan;
        for (id, check) in plan.checks.iter().enumerate() {
            if group.is_none_or(|g| g == check.group)
                && self.is_pending(id)
                && self.waiting[id] == 0
                && self.gate_open(check.group)
            {
                self.queue.push(Reverse(id));
            }
        }
    }

    /// The next check to start, if the run is still scheduling and `limit` allows one
    /// more in flight; it is counted as running from now on.
    pub(super) fn start_next(&mut self, limit: usize) -> Option<usize> {
        if self.stop != Stop::Run || self.in_flight >= limit {
            return None;
        }
        while let Some(Reverse(id)) = self.queue.pop() {
            if self.is_pending(id) {
                self.in_flight += 1;
                self.running[id] = Some(Instant::now());
                return Some(id);
            }
        }
        None
    }

    pub(super) fn gate_started(&mut self, group: usize) {
        if let Some(gate) = self.gates.get_mut(group) {
            *gate = Gate::Running(Instant::now());
        }
    }

    pub(super) fn stop(&self) -> Stop {
        self.stop
    }

    pub(super) fn on_done(&mut self, done: Done, stop_tx: &watch::Sender<Stop>) {
        match done {
            Done::Check(result) => {
                let id = result.id;
                if id >= self.results.len() || self.results[id].is_some() {
                    return;
                }
                if self.running[id].take().is_some() {
                    self.in_flight -= 1;
                }
                let trips = self.fail_fast && self.stop == Stop::Run && result.status.is_failure();
                let verb = if result.status == Status::TimedOut {
                    "timed out"
                } else {
                    "failed"
                };
                self.finish(result);
                if trips {
                    self.trip_fail_fast(id, verb, stop_tx);
                }
            }
            Done::Gate(end) => self.on_gate(end),
        }
    }

    fn on_gate(&mut self, end: GateEnd) {
        let GateEnd {
            mut result,
            stopped,
        } = end;
        let group = result.group;
        if stopped {
            result.message = match self.stop {
                Stop::FailFast => self.fail_fast_reason.clone().unwrap_or_default(),
                Stop::Deadline(budget) => {
                    format!("run deadline of {} reached", fmt_duration(budget))
                }
                Stop::Interrupt | Stop::Run => "interrupted".to_string(),
            };
        }
        let _ = self.events.send(Event::ReadyFinished(result.clone()));
        let (passed, message) = (result.passed, result.message.clone());
        let Some(slot) = self.gates.get_mut(group) else {
            return;
        };
        *slot = Gate::Done(result);
        if passed {
            self.queue_ready_checks(Some(group));
        } else if self.stop == Stop::Run {
            let timeout = self.plan.groups[group]
                .ready
                .as_ref()
                .map_or(Duration::ZERO, |r| r.timeout);
            let reason = format!(
                "not ready: {message} (gave up after {})",
                fmt_duration(timeout)
            );
            self.resolve_pending(Some(group), |id| CheckResult::skipped(id, reason.clone()));
        }
    }

    fn trip_fail_fast(&mut self, id: usize, verb: &str, stop_tx: &watch::Sender<Stop>) {
        let reason = format!(
            "not run: --fail-fast after \"{}\" {verb}",
            self.mask(&self.plan.checks[id].name)
        );
        self.stop = Stop::FailFast;
        stop_tx.send_replace(Stop::FailFast);
        self.resolve_pending(None, |id| CheckResult::skipped(id, reason.clone()));
        self.fail_fast_reason = Some(reason);
    }

    /// Stops the run (deadline or interrupt): every check not started gets its result now;
    /// running ones are told to stop and report back.
    pub(super) fn halt(&mut self, stop: Stop, stop_tx: &watch::Sender<Stop>) {
        self.stop = stop;
        stop_tx.send_replace(stop);
        let plan = self.plan;
        self.resolve_pending(None, |id| match stop {
            Stop::Deadline(_) => deadline_result(
                &plan.checks[id],
                "run deadline reached before the check started".into(),
            ),
            _ => CheckResult::skipped(id, "interrupted"),
        });
    }

    /// Gives every pending check (of `group`, or all) the result `make` builds.
    fn resolve_pending(&mut self, group: Option<usize>, make: impl Fn(usize) -> CheckResult) {
        for id in 0..self.results.len() {
            if self.is_pending(id) && group.is_none_or(|g| g == self.plan.checks[id].group) {
                self.finish(make(id));
            }
        }
    }

    /// After the loop: whatever has no result yet (abandoned tasks, gates, or checks
    /// whose needs form a cycle, which validation normally rejects) gets one.
    pub(super) fn resolve_leftovers(&mut self) {
        for id in 0..self.results.len() {
            if self.results[id].is_some() {
                continue;
            }
            let started = self.running[id].take();
            let mut result = match (self.stop, started) {
                (Stop::Deadline(budget), _) => {
                    let message = format!("run deadline of {} reached", fmt_duration(budget));
                    deadline_result(&self.plan.checks[id], message)
                }
                (Stop::Interrupt, _) => CheckResult::skipped(id, "interrupted"),
                (_, Some(_)) => internal_error(id, "the check task was lost"),
                (_, None) => CheckResult::skipped(id, "not run: its needs could not be resolved"),
            };
            if let Some(started) = started {
                result.duration = started.elapsed();
            }
            self.finish(result);
        }
        for group in 0..self.gates.len() {
            if let Gate::Running(started) = self.gates[group] {
                let waited = started.elapsed();
                let result = ReadyResult {
                    group,
                    passed: false,
                    waited,
                    polls: 0,
                    message: String::new(),
                };
                self.on_gate(GateEnd {
                    result,
                    stopped: true,
                });
            }
        }
    }

    /// Records a result, emits it, and settles its dependents: a passed prerequisite may
    /// make them ready; any other outcome skips them (and theirs, transitively).
    fn finish(&mut self, result: CheckResult) {
        let mut work = std::mem::take(&mut self.cascade);
        work.push(result);
        while let Some(result) = work.pop() {
            let id = result.id;
            if self.results[id].is_some() {
                continue;
            }
            let passed = matches!(
                result.status,
                Status::Passed | Status::Flaky | Status::Warned
            );
            let why = match result.status {
                Status::Failed => "which failed",
                Status::TimedOut => "which timed out",
                _ => "which was skipped",
            };
            let _ = self.events.send(Event::CheckFinished(result.clone()));
            self.results[id] = Some(result);
            let mut skip_reason: Option<String> = None;
            for i in 0..self.dependents[id].len() {
                let dep = self.dependents[id][i];
                if !self.is_pending(dep) {
                    continue;
                }
                if passed {
                    self.waiting[dep] = self.waiting[dep].saturating_sub(1);
                    if self.waiting[dep] == 0
                        && self.stop == Stop::Run
                        && self.gate_open(self.plan.checks[dep].group)
                    {
                        self.queue.push(Reverse(dep));
                    }
                } else {
                    let reason = skip_reason.get_or_insert_with(|| {
                        format!(
                            "needs \"{}\", {why}",
                            self.plan.masker.mask(&self.plan.checks[id].name)
                        )
                    });
                    work.push(CheckResult::skipped(dep, reason.clone()));
                }
            }
        }
        self.cascade = work;
    }

    /// The results in plan order, and the gates' results in group order.
    pub(super) fn into_results(self) -> (Vec<CheckResult>, Vec<ReadyResult>) {
        let ready = self
            .gates
            .into_iter()
            .filter_map(Gate::into_result)
            .collect();
        let results = self.results.into_iter().enumerate();
        let results = results
            .map(|(id, r)| r.unwrap_or_else(|| internal_error(id, "the check has no result")));
        (results.collect(), ready)
    }
}
