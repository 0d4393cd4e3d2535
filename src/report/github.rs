//! GitHub Actions output (SPEC §4): workflow-command annotations (`::error`/`::warning`)
//! that show up on the run and the pull request, and a Markdown section for
//! `$GITHUB_STEP_SUMMARY`.
//!
//! Workflow commands are one line each, so values are escaped as GitHub's toolkit does
//! (`%`, CR and LF in the message; additionally `:` and `,` in properties). When a
//! check's suite file is a relative path, the annotation points at its line.

use std::fmt::Write as _;

use super::summary::{self, ready_text};
use super::text;
use crate::exec::{CheckResult, RunOutcome, Status};
use crate::plan::Plan;
use crate::probe::fmt_ms;

/// Passed checks listed in the step summary at most (the page has a size limit; failures
/// are always listed).
const MAX_PASSED_ROWS: usize = 200;

/// One `::error`/`::warning` line per check that needs a look: failed and timed out
/// checks and gates that never opened are errors; warned and flaky checks are warnings.
pub fn annotations(plan: &Plan, outcome: &RunOutcome) -> String {
    let mut out = String::new();
    for r in &outcome.ready {
        if r.passed {
            continue;
        }
        let group = plan
            .groups
            .get(r.group)
            .map(|g| g.display_name())
            .unwrap_or_default();
        let title = text::mask(plan, &format!("{group} readiness gate"));
        let message = text::mask(plan, &ready_text(r));
        command(&mut out, "error", &title, None, &message);
    }
    for r in &outcome.results {
        let level = match r.status {
            Status::Failed | Status::TimedOut => "error",
            Status::Warned | Status::Flaky => "warning",
            Status::Passed | Status::Skipped => continue,
        };
        let mut message = text::headline(plan, r);
        if r.status == Status::Flaky {
            message = format!("flaky: {message}");
        }
        for line in text::attempt_lines(plan, r)
            .into_iter()
            .chain(text::extra_warnings(plan, r))
        {
            message.push('\n');
            message.push_str(&line);
        }
        let location = text::planned(plan, r).and_then(|c| file_line(&c.location));
        command(&mut out, level, &text::title(plan, r), location, &message);
    }
    out
}

fn command(
    out: &mut String,
    level: &str,
    title: &str,
    location: Option<(&str, &str)>,
    message: &str,
) {
    let mut props = String::new();
    if let Some((file, line)) = location {
        let _ = write!(
            props,
            "file={},line={},",
            escape_property(file),
            escape_property(line)
        );
    }
    let _ = writeln!(
        out,
        "::{level} {props}title={}::{}",
        escape_property(title),
        escape_data(message)
    );
}

/// `suites/shop.yaml:12` → (`suites/shop.yaml`, `12`), for relative paths only: GitHub
/// resolves annotation files against the repository root.
fn file_line(location: &str) -> Option<(&str, &str)> {
    let (file, line) = location.rsplit_once(':')?;
    let relative = !file.is_empty() && !file.starts_with('/') && !file.contains(":\\");
    let numeric = !line.is_empty() && line.bytes().all(|b| b.is_ascii_digit());
    (relative && numeric).then_some((file, line))
}

/// Escapes a workflow command's message.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// A Markdown section for `$GITHUB_STEP_SUMMARY`: the summary line as a heading, then a
/// table of checks, failures first (plan order within a status).
pub fn summary_markdown(plan: &Plan, outcome: &RunOutcome) -> String {
    let t = summary::totals(outcome);
    let icon = if summary::run_exit_code(plan, outcome, false) != crate::exit::OK {
        "❌"
    } else if t.flaky + t.warned > 0 {
        "⚠️"
    } else {
        "✅"
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "### {icon} smokecheck: {}\n",
        cell(&summary::summary_line(plan, outcome))
    );

    for r in &outcome.ready {
        let group = plan
            .groups
            .get(r.group)
            .map(|g| g.display_name())
            .unwrap_or_default();
        let mark = if r.passed { "✅" } else { "❌" };
        let _ = writeln!(
            out,
            "- {mark} {}: {}",
            cell(&text::mask(plan, &group)),
            cell(&text::mask(plan, &ready_text(r)))
        );
    }
    if !outcome.ready.is_empty() {
        out.push('\n');
    }

    let mut rows: Vec<&CheckResult> = outcome.results.iter().collect();
    rows.sort_by_key(|r| (rank(r.status), r.id));
    let passed = rows.iter().filter(|r| r.status == Status::Passed).count();
    let hidden = passed.saturating_sub(MAX_PASSED_ROWS);
    if rows.is_empty() {
        out.push_str("No checks were selected.\n");
        return out;
    }
    out.push_str("| Status | Check | Environment | Result | Duration |\n");
    out.push_str("|---|---|---|---|---:|\n");
    let mut passed_shown = 0;
    for r in rows {
        if r.status == Status::Passed {
            passed_shown += 1;
            if passed_shown > MAX_PASSED_ROWS {
                continue;
            }
        }
        let planned = text::planned(plan, r);
        let group = planned.and_then(|c| plan.groups.get(c.group));
        let suite = group.map(|g| g.suite.as_str()).unwrap_or_default();
        let env = group.and_then(|g| g.env.as_deref()).unwrap_or("—");
        let name = text::check_name(plan, r);
        let check = if suite.is_empty() {
            name
        } else {
            format!("{suite} › {name}")
        };
        let duration = if r.status == Status::Skipped {
            String::new()
        } else {
            fmt_ms(r.duration)
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            status_cell(r.status),
            cell(&text::mask(plan, &check)),
            cell(&text::mask(plan, env)),
            cell(&text::headline(plan, r)),
            duration
        );
    }
    if hidden > 0 {
        let _ = writeln!(
            out,
            "\n…and {hidden} more passed checks (see the JUnit or JSON report)."
        );
    }
    out
}

/// Table order: what needs a look first.
fn rank(status: Status) -> u8 {
    match status {
        Status::Failed => 0,
        Status::TimedOut => 1,
        Status::Warned => 2,
        Status::Flaky => 3,
        Status::Skipped => 4,
        Status::Passed => 5,
    }
}

fn status_cell(status: Status) -> &'static str {
    match status {
        Status::Passed => "✅ passed",
        Status::Flaky => "🔁 flaky",
        Status::Warned => "⚠️ warned",
        Status::Failed => "❌ failed",
        Status::TimedOut => "⏱️ timed out",
        Status::Skipped => "⏭️ skipped",
    }
}

/// Text safe inside a Markdown table cell: one line, Markdown and HTML punctuation
/// backslash-escaped (CommonMark allows escaping any ASCII punctuation), `|` included.
fn cell(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in text::clean(s).chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '&' | '~' | '#'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_follow_the_actions_toolkit() {
        assert_eq!(escape_data("100% a\r\nb"), "100%25 a%0D%0Ab");
        assert_eq!(escape_property("a: b, c%"), "a%3A b%2C c%25");
    }

    #[test]
    fn cells_cannot_break_the_table() {
        assert_eq!(cell("a|b\nc <d>"), "a\\|b c \\<d\\>");
    }

    #[test]
    fn annotation_files_are_relative_paths_with_a_line() {
        assert_eq!(
            file_line("suites/shop.yaml:12"),
            Some(("suites/shop.yaml", "12"))
        );
        assert_eq!(file_line("/abs/shop.yaml:12"), None);
        assert_eq!(file_line("shop.yaml"), None);
    }
}
