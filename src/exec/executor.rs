//! The scheduler: runs a plan's checks concurrently (one limit across every group), in
//! dependency order, behind each group's readiness gate, and stops cleanly on
//! `--fail-fast`, `--deadline` or an interrupt. It never prints: it emits [`Event`]s.
//!
//! One loop owns all scheduling state (prerequisite counts, the ready queue, the results)
//! and is the only place that spawns, so no lock is shared between checks and a check
//! waiting for its `needs` holds no concurrency slot — it is simply not spawned yet.
//! Check tasks run on the tokio pool and report back through a `JoinSet`.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use futures_util::FutureExt;
use tokio::sync::mpsc::UnboundedSender;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::attempts::{CheckEnv, after, run_check};
use super::cancel::Cancel;
use super::events::{CheckResult, Event, ReadyResult, Status};
use super::ready::{GateEnd, run_gate};
use super::runner::Runner;
use super::schedule::{Done, Scheduler};
use crate::plan::{Masker, Plan, PlannedCheck, ReadyPlan};

/// How long a stopped run waits for its running checks to hand back what they did
/// before abandoning them (they are dropped at their next await, so this is ample).
const STOP_GRACE: Duration = Duration::from_millis(250);

#[derive(Debug, Clone)]
pub struct ExecOptions {
    /// Max checks in flight, across every group (0 is taken as 1).
    pub concurrency: usize,
    /// Hard wall-clock budget for the whole run.
    pub deadline: Option<Duration>,
    pub fail_fast: bool,
}

/// What a run produced: one result per planned check (index = id).
#[derive(Debug, Clone)]
pub struct RunOutcome {
    pub started_at: SystemTime,
    pub duration: Duration,
    pub results: Vec<CheckResult>,
    /// One per group that has a readiness gate and something to run, in group order.
    pub ready: Vec<ReadyResult>,
    pub interrupted: bool,
}

/// Why the run is stopping, broadcast to every running task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stop {
    Run,
    /// `--fail-fast` tripped: no new checks; running ones finish, gates stop.
    FailFast,
    /// `--deadline` (the budget) expired: everything stops.
    Deadline(Duration),
    Interrupt,
}

impl Stop {
    pub(crate) fn halts_checks(&self) -> bool {
        matches!(self, Stop::Deadline(_) | Stop::Interrupt)
    }

    pub(crate) fn halts_gates(&self) -> bool {
        *self != Stop::Run
    }
}

/// Completes when the run's stop signal satisfies `halts` (never, if the run is gone).
pub(crate) async fn wait_stop(rx: &mut watch::Receiver<Stop>, halts: fn(&Stop) -> bool) -> Stop {
    let stop = rx.wait_for(halts).await.ok().map(|s| *s);
    match stop {
        Some(stop) => stop,
        None => std::future::pending().await,
    }
}

/// Runs every check of `plan` and returns one result per check, in plan order.
///
/// `runner` runs single attempts: the probes ([`ProbeCtx`](crate::probe::ProbeCtx)) in a
/// real run. Emits `RunStarted`, then `CheckStarted`/`AttemptFailed`/`CheckFinished` (each
/// check finishes exactly once, skipped ones included) and `ReadyStarted`/`ReadyFinished`,
/// then `RunFinished`. Returns promptly after `cancel` fires or the deadline expires.
pub async fn execute<R: Runner>(
    plan: &Plan,
    opts: &ExecOptions,
    runner: Arc<R>,
    events: UnboundedSender<Event>,
    cancel: Cancel,
) -> RunOutcome {
    let started_at = SystemTime::now();
    let t0 = Instant::now();
    let _ = events.send(Event::RunStarted {
        total: plan.checks.len(),
        started_at,
    });

    let (stop_tx, _) = watch::channel(Stop::Run);
    let mut tasks: JoinSet<Done> = JoinSet::new();
    let work = Work::of(plan);
    let mut s = Scheduler::new(plan, &events, opts.fail_fast);
    s.resolve_excluded();
    for group in s.gates_to_start() {
        let _ = events.send(Event::ReadyStarted { group });
        s.gate_started(group);
        spawn_gate(&mut tasks, &work, &runner, stop_tx.subscribe(), group);
    }
    s.queue_ready_checks(None);

    let limit = opts.concurrency.max(1);
    let deadline = opts.deadline.map(|budget| (after(t0, budget), budget));
    let expiry =
        tokio::time::sleep_until(deadline.map_or_else(|| after(t0, Duration::MAX), |(at, _)| at));
    tokio::pin!(expiry);
    let cancelled = cancel.cancelled();
    tokio::pin!(cancelled);

    loop {
        if cancel.is_cancelled() {
            s.halt(Stop::Interrupt, &stop_tx);
            break;
        }
        if let Some((at, budget)) = deadline
            && Instant::now() >= at
        {
            s.halt(Stop::Deadline(budget), &stop_tx);
            break;
        }
        while let Some(id) = s.start_next(limit) {
            let _ = events.send(Event::CheckStarted { id });
            spawn_check(&mut tasks, &work, &runner, &events, stop_tx.subscribe(), id);
        }
        if tasks.is_empty() {
            break;
        }
        let next = tokio::select! {
            biased;
            () = &mut cancelled => Next::Interrupt,
            () = &mut expiry, if deadline.is_some() => Next::Deadline,
            joined = tasks.join_next() => Next::Joined(joined),
        };
        match next {
            Next::Interrupt => s.halt(Stop::Interrupt, &stop_tx),
            Next::Deadline => {
                if let Some((_, budget)) = deadline {
                    s.halt(Stop::Deadline(budget), &stop_tx);
                }
            }
            Next::Joined(None) => break,
            // Tasks catch their own panics, so a join error only means the task was
            // cancelled by the runtime shutting down; its check is resolved below.
            Next::Joined(Some(Err(_))) => {}
            Next::Joined(Some(Ok(done))) => s.on_done(done, &stop_tx),
        }
        if s.stop().halts_checks() {
            break;
        }
    }

    if s.stop().halts_checks() {
        // Running tasks have been told to stop; collect what they did, briefly.
        let until = after(Instant::now(), STOP_GRACE);
        while let Ok(Some(joined)) = tokio::time::timeout_at(until, tasks.join_next()).await {
            if let Ok(done) = joined {
                s.on_done(done, &stop_tx);
            }
        }
    }
    // Anything still running is abandoned: dropping the set aborts it.
    drop(tasks);
    s.resolve_leftovers();

    let interrupted = s.stop() == Stop::Interrupt;
    let (results, ready) = s.into_results();
    let _ = events.send(Event::RunFinished);
    RunOutcome {
        started_at,
        duration: t0.elapsed(),
        results,
        ready,
        interrupted,
    }
}

/// What the spawned tasks read: the checks, gates and masker of the plan, shared.
///
/// Tasks must own what they use (`'static`), while `execute` borrows the plan; one copy of
/// the checks per run is cheap next to a single network round trip.
struct Work {
    checks: Vec<PlannedCheck>,
    gates: Vec<Option<ReadyPlan>>,
    masker: Arc<Masker>,
}

impl Work {
    fn of(plan: &Plan) -> Arc<Work> {
        let gate = |g: &ReadyPlan| ReadyPlan {
            timeout: g.timeout,
            interval: g.interval,
            checks: g.checks.clone(),
        };
        Arc::new(Work {
            checks: plan.checks.clone(),
            gates: plan
                .groups
                .iter()
                .map(|g| g.ready.as_ref().map(gate))
                .collect(),
            masker: Arc::clone(&plan.masker),
        })
    }
}

enum Next {
    Interrupt,
    Deadline,
    Joined(Option<Result<Done, tokio::task::JoinError>>),
}

fn spawn_check<R: Runner>(
    tasks: &mut JoinSet<Done>,
    work: &Arc<Work>,
    runner: &Arc<R>,
    events: &UnboundedSender<Event>,
    stop: watch::Receiver<Stop>,
    id: usize,
) {
    let (work, runner, events) = (Arc::clone(work), Arc::clone(runner), events.clone());
    tasks.spawn(async move {
        let Some(check) = work.checks.get(id) else {
            return Done::Check(internal_error(id, "the check is not in the plan"));
        };
        let env = CheckEnv {
            runner: &*runner,
            masker: &work.masker,
            events: &events,
        };
        let result = AssertUnwindSafe(run_check(&env, check, stop))
            .catch_unwind()
            .await;
        Done::Check(result.unwrap_or_else(|panic| {
            let why = work.masker.mask(&panic_message(&*panic)).into_owned();
            internal_error(id, &format!("the check panicked: {why}"))
        }))
    });
}

fn spawn_gate<R: Runner>(
    tasks: &mut JoinSet<Done>,
    work: &Arc<Work>,
    runner: &Arc<R>,
    stop: watch::Receiver<Stop>,
    group: usize,
) {
    let (work, runner) = (Arc::clone(work), Arc::clone(runner));
    tasks.spawn(async move {
        let started = Instant::now();
        let failed = |message: String| GateEnd {
            result: ReadyResult {
                group,
                passed: false,
                waited: started.elapsed(),
                polls: 0,
                message,
            },
            stopped: false,
        };
        let Some(gate) = work.gates.get(group).and_then(Option::as_ref) else {
            return Done::Gate(failed(
                "internal error: the group has no readiness gate".into(),
            ));
        };
        let end = AssertUnwindSafe(run_gate(&*runner, &work.masker, group, gate, stop))
            .catch_unwind()
            .await;
        Done::Gate(end.unwrap_or_else(|panic| {
            let why = work.masker.mask(&panic_message(&*panic)).into_owned();
            failed(format!("internal error: a ready check panicked: {why}"))
        }))
    });
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    match (panic.downcast_ref::<&str>(), panic.downcast_ref::<String>()) {
        (Some(s), _) => (*s).to_string(),
        (_, Some(s)) => s.clone(),
        _ => "unknown panic".to_string(),
    }
}

pub(super) fn internal_error(id: usize, why: &str) -> CheckResult {
    let mut r = CheckResult::skipped(id, format!("internal error: {why}"));
    r.status = Status::Failed;
    r
}
