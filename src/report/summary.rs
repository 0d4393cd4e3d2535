//! Run-level figures every reporter and the CLI share: totals per status, the closing
//! summary line (`12 passed, 1 failed, 1 flaky, 2 skipped in 1.84s — production`) and
//! the exit code of a run (SPEC §1). One place, so the terminal, JUnit, JSON and the
//! GitHub summary can never disagree about what happened.

use std::time::Duration;

use crate::exec::{CheckResult, ReadyResult, RunOutcome, Status};
use crate::exit;
use crate::plan::Plan;
use crate::suite::model::Severity;

/// How many checks ended in each status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub passed: usize,
    pub flaky: usize,
    pub warned: usize,
    pub failed: usize,
    pub timed_out: usize,
    pub skipped: usize,
}

impl Totals {
    pub fn get(&self, status: Status) -> usize {
        match status {
            Status::Passed => self.passed,
            Status::Flaky => self.flaky,
            Status::Warned => self.warned,
            Status::Failed => self.failed,
            Status::TimedOut => self.timed_out,
            Status::Skipped => self.skipped,
        }
    }

    fn bump(&mut self, status: Status) {
        let slot = match status {
            Status::Passed => &mut self.passed,
            Status::Flaky => &mut self.flaky,
            Status::Warned => &mut self.warned,
            Status::Failed => &mut self.failed,
            Status::TimedOut => &mut self.timed_out,
            Status::Skipped => &mut self.skipped,
        };
        *slot += 1;
    }

    pub fn total(&self) -> usize {
        Status::ALL.iter().map(|s| self.get(*s)).sum()
    }
}

/// Counts the results of a run by status.
pub fn totals(outcome: &RunOutcome) -> Totals {
    totals_of(outcome.results.iter())
}

pub(crate) fn totals_of<'a>(results: impl Iterator<Item = &'a CheckResult>) -> Totals {
    let mut t = Totals::default();
    for r in results {
        t.bump(r.status);
    }
    t
}

/// The environments of the run, each once, in plan order.
pub fn environments(plan: &Plan) -> Vec<&str> {
    let mut envs: Vec<&str> = Vec::new();
    for env in plan.groups.iter().filter_map(|g| g.env.as_deref()) {
        if !envs.contains(&env) {
            envs.push(env);
        }
    }
    envs
}

/// `12 passed, 1 failed, 1 flaky, 2 skipped in 1.84s — production`.
///
/// `passed` is always shown, the other counts only when nonzero; a readiness gate that
/// never opened and an interrupted run are said at the end, in parentheses.
pub fn summary_line(plan: &Plan, outcome: &RunOutcome) -> String {
    let t = totals(outcome);
    let mut parts = vec![format!("{} passed", t.passed)];
    for (n, word) in [
        (t.failed, "failed"),
        (t.timed_out, "timed out"),
        (t.flaky, "flaky"),
        (t.warned, "warned"),
        (t.skipped, "skipped"),
    ] {
        if n > 0 {
            parts.push(format!("{n} {word}"));
        }
    }
    let mut line = format!("{} in {}", parts.join(", "), fmt_secs(outcome.duration));
    let envs = environments(plan);
    if !envs.is_empty() {
        line.push_str(" — ");
        line.push_str(&envs.join(", "));
    }
    let mut notes = Vec::new();
    if outcome.ready.iter().any(|r| !r.passed) {
        notes.push("not ready");
    }
    if outcome.interrupted {
        notes.push("interrupted");
    }
    if !notes.is_empty() {
        line.push_str(&format!(" ({})", notes.join(", ")));
    }
    plan.masker.mask(&line).into_owned()
}

/// The exit code of a finished run (SPEC §1): [`exit::INTERRUPTED`] if interrupted;
/// [`exit::CHECK_FAILED`] if a selected critical check failed or timed out, or a readiness
/// gate never opened — with `strict`, also if any check was flaky or warned (and a failed
/// `severity: warning` check counts); [`exit::OK`] otherwise.
pub fn run_exit_code(plan: &Plan, outcome: &RunOutcome, strict: bool) -> u8 {
    if outcome.interrupted {
        return exit::INTERRUPTED;
    }
    if outcome.ready.iter().any(|r| !r.passed) {
        return exit::CHECK_FAILED;
    }
    let fails_run = |r: &CheckResult| {
        let Some(check) = plan.checks.get(r.id) else {
            // A result the plan does not know cannot be judged; failures still count.
            return r.status.is_failure()
                || (strict && matches!(r.status, Status::Flaky | Status::Warned));
        };
        if check.excluded.is_some() {
            return false;
        }
        match r.status {
            Status::Failed | Status::TimedOut => strict || check.severity == Severity::Critical,
            Status::Flaky | Status::Warned => strict,
            Status::Passed | Status::Skipped => false,
        }
    };
    if outcome.results.iter().any(fails_run) {
        exit::CHECK_FAILED
    } else {
        exit::OK
    }
}

/// Wall-clock durations in summaries: `0.08s`, `1.84s`, `2m05s`, `1h02m`.
pub fn fmt_secs(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if secs < 60.0 {
        format!("{secs:.2}s")
    } else if secs < 3600.0 {
        let s = d.as_secs();
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        let s = d.as_secs();
        format!("{}h{:02}m", s / 3600, (s % 3600) / 60)
    }
}

/// `ready after 12.40s (5 polls)` / `not ready after 5m00s (60 polls): http: status 503`.
pub fn ready_text(r: &ReadyResult) -> String {
    let polls = if r.polls == 1 {
        "1 poll".to_string()
    } else {
        format!("{} polls", r.polls)
    };
    if r.passed {
        format!("ready after {} ({polls})", fmt_secs(r.waited))
    } else if r.message.is_empty() {
        format!("not ready after {} ({polls})", fmt_secs(r.waited))
    } else {
        format!(
            "not ready after {} ({polls}): {}",
            fmt_secs(r.waited),
            r.message
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(fmt_secs(Duration::from_millis(84)), "0.08s");
        assert_eq!(fmt_secs(Duration::from_millis(1840)), "1.84s");
        assert_eq!(fmt_secs(Duration::from_secs(125)), "2m05s");
        assert_eq!(fmt_secs(Duration::from_secs(3720)), "1h02m");
    }

    #[test]
    fn ready_text_says_why_the_gate_stayed_closed() {
        let mut r = ReadyResult {
            group: 0,
            passed: true,
            waited: Duration::from_millis(12_400),
            polls: 5,
            message: String::new(),
        };
        assert_eq!(ready_text(&r), "ready after 12.40s (5 polls)");
        r.passed = false;
        r.polls = 1;
        r.message = "http: status 503".into();
        assert_eq!(
            ready_text(&r),
            "not ready after 12.40s (1 poll): http: status 503"
        );
    }
}
