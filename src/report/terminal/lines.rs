//! What the terminal prints for one finished check, one readiness gate and the run —
//! as ready-made lines, without knowing about ordering or progress (see `reporter.rs`).
//!
//! Plain lines are built for logs and grep: a status word padded to five columns, the
//! group, the check and one fact, e.g.
//! `FAIL  shop [production] › health — http: status 503, expected 2xx`.
//! Pretty lines say the same under a group header, with a coloured status mark. Colour is
//! always written as ANSI (owo-colors); the `anstream` stream strips it when unwanted.

use owo_colors::OwoColorize;

use super::{Format, Verbosity};
use crate::exec::{CheckResult, ReadyResult, RunOutcome, Status};
use crate::plan::Plan;
use crate::report::summary::{self, ready_text};
use crate::report::text;

/// Indent of the lines expanded under a check (aligned under the name in plain).
const INDENT: &str = "      ";

/// Whether a check gets printed at this verbosity (`-q`: only what needs a look).
pub(crate) fn shown(r: &CheckResult, verbosity: Verbosity) -> bool {
    verbosity != Verbosity::Quiet || !matches!(r.status, Status::Passed | Status::Skipped)
}

/// Whether a readiness gate gets printed at this verbosity.
pub(crate) fn ready_shown(r: &ReadyResult, verbosity: Verbosity) -> bool {
    verbosity != Verbosity::Quiet || !r.passed
}

/// The five-column status word of plain output.
pub(crate) fn word(status: Status) -> &'static str {
    match status {
        Status::Passed => "PASS ",
        Status::Flaky => "FLAKY",
        Status::Warned => "WARN ",
        Status::Failed => "FAIL ",
        Status::TimedOut => "TIME ",
        Status::Skipped => "SKIP ",
    }
}

fn mark(status: Status) -> String {
    match status {
        Status::Passed => "✔".green().to_string(),
        Status::Flaky => "↻".yellow().to_string(),
        Status::Warned => "⚠".yellow().to_string(),
        Status::Failed => "✖".red().bold().to_string(),
        Status::TimedOut => "⏱".red().bold().to_string(),
        Status::Skipped => "○".dimmed().to_string(),
    }
}

fn paint_headline(status: Status, text: &str) -> String {
    match status {
        Status::Passed | Status::Skipped => text.dimmed().to_string(),
        Status::Flaky | Status::Warned => text.yellow().to_string(),
        Status::Failed | Status::TimedOut => text.red().to_string(),
    }
}

/// The line of a check and the lines expanded under it.
pub(crate) fn check_block(
    plan: &Plan,
    r: &CheckResult,
    format: Format,
    verbosity: Verbosity,
) -> Vec<String> {
    let headline = text::headline(plan, r);
    let first = match format {
        Format::Plain => {
            let mut line = format!("{} {}", word(r.status), text::title(plan, r));
            if !headline.is_empty() {
                line.push_str(" — ");
                line.push_str(&headline);
            }
            line
        }
        Format::Pretty => {
            let name = text::check_name(plan, r);
            let name = match r.status {
                Status::Skipped => name.dimmed().to_string(),
                _ => name.bold().to_string(),
            };
            let mut line = format!("  {} {name}", mark(r.status));
            if !headline.is_empty() {
                line.push_str(&" — ".dimmed().to_string());
                line.push_str(&paint_headline(r.status, &headline));
            }
            line
        }
    };

    let verbose = verbosity == Verbosity::Verbose;
    let mut under = Vec::new();
    if verbose || r.status.is_failure() {
        under.extend(text::target_line(plan, r));
    }
    under.extend(text::attempt_lines(plan, r));
    under.extend(text::extra_warnings(plan, r));
    if verbose {
        under.extend(text::detail_lines(plan, r));
    }

    let mut lines = vec![first];
    lines.extend(under.into_iter().map(|l| match format {
        Format::Plain => format!("{INDENT}{l}"),
        Format::Pretty => format!("{INDENT}{}", l.dimmed()),
    }));
    lines
}

/// `READY shop [production] — ready after 12.40s (5 polls)`; a gate that never opened is a
/// `FAIL` line (it fails the run).
pub(crate) fn ready_line(plan: &Plan, r: &ReadyResult, format: Format) -> String {
    let what = text::mask(plan, &ready_text(r));
    match format {
        Format::Plain => {
            let group = plan
                .groups
                .get(r.group)
                .map(|g| text::mask(plan, &g.display_name()));
            let word = if r.passed { "READY" } else { "FAIL " };
            match group {
                Some(group) => format!("{word} {group} — {what}"),
                None => format!("{word} {what}"),
            }
        }
        Format::Pretty if r.passed => format!("  {} {}", "✔".green(), what.dimmed()),
        Format::Pretty => format!("  {} {}", "✖".red().bold(), what.red()),
    }
}

/// The group header of pretty output.
pub(crate) fn group_header(plan: &Plan, group: usize) -> Option<String> {
    let g = plan.groups.get(group)?;
    Some(
        text::mask(plan, &g.display_name())
            .bold()
            .underline()
            .to_string(),
    )
}

/// The closing summary line; in pretty, green when the run is fine, red when it is not.
pub(crate) fn summary_line(plan: &Plan, outcome: &RunOutcome, format: Format) -> String {
    let line = summary::summary_line(plan, outcome);
    match format {
        Format::Plain => line,
        Format::Pretty => {
            let t = summary::totals(outcome);
            let bad = t.failed + t.timed_out > 0
                || outcome.ready.iter().any(|r| !r.passed)
                || outcome.interrupted;
            if bad {
                line.red().bold().to_string()
            } else if t.flaky + t.warned > 0 {
                line.yellow().bold().to_string()
            } else {
                line.green().bold().to_string()
            }
        }
    }
}
