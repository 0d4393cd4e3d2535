//! One check from its first attempt to its result: a timeout on every attempt, retries
//! with a doubling delay, and the folding of the attempts into one [`CheckResult`]
//! (passed, flaky, warned, failed, timed out).
//!
//! This is also the masking choke point: every string an attempt produced is masked here,
//! before it is kept or sent anywhere, so `${secret:…}` values cannot reach a report.

use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;
use tokio::sync::watch;
use tokio::time::Instant;

use super::events::{Attempt, CheckResult, Event, Status};
use super::executor::{Stop, wait_stop};
use super::retry;
use super::runner::Runner;
use crate::plan::{Masker, PlannedCheck};
use crate::probe::{Layer, Outcome, Verdict};
use crate::suite::model::Severity;

/// How long after an attempt's deadline the executor stops waiting for a probe that does
/// not bound itself. Probes normally time out at the deadline with a message naming the
/// step; this net only catches a probe that forgot to.
pub(crate) const SAFETY_GRACE: Duration = Duration::from_millis(100);

/// `start + d`, saturating far in the future instead of panicking on overflow (a
/// `timeout: 100000000d` must not crash the run).
pub(crate) fn after(start: Instant, d: Duration) -> Instant {
    const FAR: Duration = Duration::from_secs(86_400 * 365 * 30);
    start.checked_add(d.min(FAR)).unwrap_or(start)
}

pub(crate) use crate::suite::duration::format as fmt_duration;

/// One attempt, bounded from outside by `deadline` (+ [`SAFETY_GRACE`]). `limit` is the
/// timeout to name if the safety net fires.
pub(crate) async fn one_attempt<R: Runner>(
    runner: &R,
    check: &PlannedCheck,
    deadline: Instant,
    limit: Duration,
) -> Outcome {
    let net = after(deadline, SAFETY_GRACE);
    match tokio::time::timeout_at(net, runner.attempt(check, deadline)).await {
        Ok(outcome) => outcome,
        Err(_) => Outcome::fail(
            Layer::Timeout,
            format!("timed out after {}", fmt_duration(limit)),
        ),
    }
}

/// Masks every string of an outcome in place.
pub(crate) fn mask_outcome(masker: &Masker, outcome: &mut Outcome) {
    if let Verdict::Fail { message, .. } = &mut outcome.verdict {
        masker.mask_in_place(message);
    }
    masker.mask_in_place(&mut outcome.fact);
    for w in &mut outcome.warnings {
        masker.mask_in_place(w);
    }
    if !outcome.details.is_empty() {
        let mut value = serde_json::Value::Object(std::mem::take(&mut outcome.details));
        masker.mask_json(&mut value);
        if let serde_json::Value::Object(map) = value {
            outcome.details = map;
        }
    }
}

/// `used_budget`: the attempt ran into its timeout. Such a failure is `timed_out` whatever
/// layer the probe names (`connect: timed out after 5s to …` keeps its layer and words):
/// one rule for every kind, rather than each probe choosing.
fn record(outcome: &Outcome, duration: Duration, used_budget: bool) -> Attempt {
    match &outcome.verdict {
        Verdict::Pass => Attempt {
            status: Status::Passed,
            duration,
            layer: None,
            message: String::new(),
        },
        Verdict::Fail { layer, message } => Attempt {
            status: if *layer == Layer::Timeout || used_budget {
                Status::TimedOut
            } else {
                Status::Failed
            },
            duration,
            layer: Some(*layer),
            message: message.clone(),
        },
    }
}

/// What a check has done so far; kept outside the attempt loop so that an interrupted
/// check still reports the attempts it made.
#[derive(Default)]
struct Progress {
    attempts: Vec<Attempt>,
    last: Option<Outcome>,
    /// Set while an attempt is in flight.
    attempt_started: Option<Instant>,
}

/// Everything a check task needs besides the check itself.
pub(crate) struct CheckEnv<'a, R> {
    pub runner: &'a R,
    pub masker: &'a Masker,
    pub events: &'a UnboundedSender<Event>,
}

/// Runs a check to its result, or until the run stops (`--deadline`, interrupt).
pub(crate) async fn run_check<R: Runner>(
    env: &CheckEnv<'_, R>,
    check: &PlannedCheck,
    mut stop: watch::Receiver<Stop>,
) -> CheckResult {
    let started = Instant::now();
    let mut progress = Progress::default();
    let stopped = {
        let work = attempt_loop(env, check, &mut progress);
        tokio::select! {
            // A check that finishes in the same instant keeps its real result.
            biased;
            () = work => None,
            stop = wait_stop(&mut stop, Stop::halts_checks) => Some(stop),
        }
    };
    let duration = started.elapsed();
    match stopped {
        None => fold(check, progress, duration),
        Some(stop) => stopped_result(check, progress, duration, stop),
    }
}

async fn attempt_loop<R: Runner>(
    env: &CheckEnv<'_, R>,
    check: &PlannedCheck,
    progress: &mut Progress,
) {
    let mut waits = retry::schedule(check.retry_delay, check.retries);
    loop {
        let start = Instant::now();
        progress.attempt_started = Some(start);
        let deadline = after(start, check.timeout);
        let mut outcome = one_attempt(env.runner, check, deadline, check.timeout).await;
        progress.attempt_started = None;
        mask_outcome(env.masker, &mut outcome);
        let attempt = record(&outcome, start.elapsed(), Instant::now() >= deadline);
        let passed = attempt.status == Status::Passed;
        progress.attempts.push(attempt);
        progress.last = Some(outcome);
        if passed {
            return;
        }
        let Some(wait) = waits.next() else { return };
        if let Some(attempt) = progress.attempts.last() {
            let _ = env.events.send(Event::AttemptFailed {
                id: check.id,
                attempt: attempt.clone(),
            });
        }
        tokio::time::sleep(wait).await;
    }
}

/// The attempts of a check that ran to the end → its result.
fn fold(check: &PlannedCheck, progress: Progress, duration: Duration) -> CheckResult {
    let Progress { attempts, last, .. } = progress;
    let Some(last) = last else {
        // Unreachable: the loop always makes one attempt. Reported rather than panicking.
        let mut r = CheckResult::skipped(check.id, "internal error: the check made no attempt");
        r.status = Status::Failed;
        return r;
    };
    let last_failure = attempts.iter().rev().find(|a| a.status != Status::Passed);
    let (status, layer, message) = match last.verdict {
        Verdict::Pass => match last_failure {
            // Flaky keeps the last failure as its message: the one line worth showing.
            Some(f) => (Status::Flaky, f.layer, f.message.clone()),
            None if !last.warnings.is_empty() => (Status::Warned, None, last.warnings.join("; ")),
            None => (Status::Passed, None, String::new()),
        },
        Verdict::Fail { layer, message } => {
            let timed_out = attempts
                .last()
                .is_some_and(|a| a.status == Status::TimedOut);
            let status = match check.severity {
                Severity::Warning => Status::Warned,
                Severity::Critical if timed_out => Status::TimedOut,
                Severity::Critical => Status::Failed,
            };
            (status, Some(layer), message)
        }
    };
    CheckResult {
        id: check.id,
        status,
        duration,
        layer,
        message,
        fact: last.fact,
        warnings: last.warnings,
        attempts,
        details: last.details,
    }
}

/// The result of a check cut short by the run deadline or an interrupt: the attempts it
/// finished are kept; the one in flight is reported as timed out (deadline) or dropped
/// (interrupt).
fn stopped_result(
    check: &PlannedCheck,
    progress: Progress,
    duration: Duration,
    stop: Stop,
) -> CheckResult {
    let Progress {
        mut attempts,
        last,
        attempt_started,
    } = progress;
    let mut result = CheckResult::skipped(check.id, "interrupted");
    if let Stop::Deadline(budget) = stop {
        let message = format!("run deadline of {} reached", fmt_duration(budget));
        if let Some(start) = attempt_started {
            attempts.push(Attempt {
                status: Status::TimedOut,
                duration: start.elapsed(),
                layer: Some(Layer::Timeout),
                message: message.clone(),
            });
        }
        result = deadline_result(check, message);
    }
    if let Some(last) = last {
        result.fact = last.fact;
        result.warnings = last.warnings;
        result.details = last.details;
    }
    result.attempts = attempts;
    result.duration = duration;
    result
}

/// A check stopped by the run deadline: `timed_out`, or `warned` for `severity: warning`
/// (a warning check never fails the run, whatever stopped it).
pub(crate) fn deadline_result(check: &PlannedCheck, message: String) -> CheckResult {
    let mut result = CheckResult::skipped(check.id, message);
    result.status = match check.severity {
        Severity::Critical => Status::TimedOut,
        Severity::Warning => Status::Warned,
    };
    result.layer = Some(Layer::Timeout);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_the_suite() {
        let ms = Duration::from_millis;
        assert_eq!(fmt_duration(ms(0)), "0s");
        assert_eq!(fmt_duration(ms(500)), "500ms");
        assert_eq!(fmt_duration(ms(5000)), "5s");
        assert_eq!(fmt_duration(ms(1500)), "1.5s");
        assert_eq!(fmt_duration(ms(1250)), "1.25s");
        assert_eq!(fmt_duration(ms(120_000)), "2m");
        assert_eq!(fmt_duration(ms(5_400_000)), "1h30m");
        assert_eq!(fmt_duration(ms(90_000)), "1m30s");
        assert_eq!(fmt_duration(ms(61_500)), "61.5s");
    }

    #[test]
    fn after_never_overflows() {
        let now = Instant::now();
        assert!(after(now, Duration::MAX) > now);
        assert_eq!(
            after(now, Duration::from_secs(1)),
            now + Duration::from_secs(1)
        );
    }

    #[test]
    fn masking_reaches_every_string() {
        let mut m = Masker::new();
        m.add("hunter2");
        let mut o = Outcome::fail(Layer::Auth, "bad password hunter2")
            .with_fact("user:hunter2")
            .with_detail("url", "postgres://u:hunter2@db/x")
            .with_detail("nested", serde_json::json!({"hunter2": ["hunter2"]}));
        o.warnings.push("warn hunter2".into());
        mask_outcome(&m, &mut o);
        let all = format!("{o:?}");
        assert!(!all.contains("hunter2"), "{all}");
        assert!(all.contains("bad password ****"), "{all}");
    }
}
