//! The words every reporter uses for one check — its title, its one-line headline, its
//! attempts and details — written once so the terminal, JUnit, JSON and GitHub reports
//! say the same thing. Everything here is masked (defence in depth: the executor already
//! masked results) and safe to print: control characters never reach a terminal raw.

use crate::exec::{Attempt, CheckResult, Status};
use crate::plan::{Plan, PlannedCheck};
use crate::probe::{Layer, fmt_ms};

/// Detail lines longer than this are cut (a response snippet is for a glance, not a dump).
const MAX_DETAIL_LINES: usize = 40;

/// The planned check a result belongs to (`None` only if the executor misbehaved).
pub(crate) fn planned<'a>(plan: &'a Plan, r: &CheckResult) -> Option<&'a PlannedCheck> {
    plan.checks.get(r.id)
}

/// `shop [production]`.
pub(crate) fn group_name(plan: &Plan, r: &CheckResult) -> String {
    planned(plan, r)
        .and_then(|c| plan.groups.get(c.group))
        .map(|g| mask(plan, &g.display_name()))
        .unwrap_or_default()
}

/// The check's name, masked and on one line.
pub(crate) fn check_name(plan: &Plan, r: &CheckResult) -> String {
    match planned(plan, r) {
        Some(c) => mask(plan, &c.name),
        None => format!("check #{}", r.id),
    }
}

/// `shop [production] › storefront answers`.
pub(crate) fn title(plan: &Plan, r: &CheckResult) -> String {
    let group = group_name(plan, r);
    let name = check_name(plan, r);
    if group.is_empty() {
        name
    } else {
        format!("{group} › {name}")
    }
}

/// How many attempts the check was allowed: `retries + 1` (never fewer than were made).
pub(crate) fn max_attempts(plan: &Plan, r: &CheckResult) -> usize {
    let planned = planned(plan, r).map_or(1, |c| c.retries as usize + 1);
    planned.max(r.attempts.len())
}

/// `passed on attempt 3 of 3`.
pub(crate) fn passed_on(plan: &Plan, r: &CheckResult) -> String {
    format!(
        "passed on attempt {} of {}",
        r.attempts.len().max(1),
        max_attempts(plan, r)
    )
}

/// `http: status 503, expected 2xx`, or the bare message when no layer applies.
pub(crate) fn layered(layer: Option<Layer>, message: &str) -> String {
    match layer {
        Some(layer) if message.is_empty() => layer.to_string(),
        Some(layer) => format!("{layer}: {message}"),
        None => message.to_string(),
    }
}

/// The one thing to say about a check on its line: the key fact when it passed, the
/// layer and reason when it did not, the reason when it was skipped.
pub(crate) fn headline(plan: &Plan, r: &CheckResult) -> String {
    let text = match r.status {
        Status::Passed => r.fact.clone(),
        Status::Flaky if r.fact.is_empty() => passed_on(plan, r),
        Status::Flaky => format!("{} ({})", r.fact, passed_on(plan, r)),
        Status::Warned | Status::Failed | Status::TimedOut => {
            if r.layer.is_none() && r.message.is_empty() {
                r.fact.clone()
            } else {
                layered(r.layer, &r.message)
            }
        }
        Status::Skipped => r.message.clone(),
    };
    mask(plan, &text)
}

/// The layer a failure is filed under in JUnit/JSON: the result's layer, or `timeout`
/// for a timed-out check that did not name one.
pub(crate) fn failure_type(layer: Option<Layer>, status: Status) -> &'static str {
    match (layer, status) {
        (Some(layer), _) => layer.as_str(),
        (None, Status::TimedOut) => "timeout",
        (None, _) => "failure",
    }
}

/// `attempt 1 of 3 · 12ms · connect: connection refused to 127.0.0.1:8080`.
pub(crate) fn attempt_line(plan: &Plan, index: usize, total: usize, a: &Attempt) -> String {
    let what = match a.status {
        Status::Passed => "passed".to_string(),
        _ => layered(a.layer, &a.message),
    };
    mask(
        plan,
        &format!(
            "attempt {} of {total} · {} · {what}",
            index + 1,
            fmt_ms(a.duration)
        ),
    )
}

/// Lines describing the failed attempts of a check that was retried (none otherwise:
/// a single attempt is already the headline).
pub(crate) fn attempt_lines(plan: &Plan, r: &CheckResult) -> Vec<String> {
    if r.attempts.len() < 2 && r.status != Status::Flaky {
        return Vec::new();
    }
    let total = max_attempts(plan, r);
    r.attempts
        .iter()
        .enumerate()
        .filter(|(_, a)| a.status != Status::Passed)
        .map(|(i, a)| attempt_line(plan, i, total, a))
        .collect()
}

/// `target: https://shop.example/healthz (suites/shop.yaml:20)`.
pub(crate) fn target_line(plan: &Plan, r: &CheckResult) -> Option<String> {
    let c = planned(plan, r)?;
    let text = match (c.target.is_empty(), c.location.is_empty()) {
        (true, true) => return None,
        (false, true) => format!("target: {}", c.target),
        (true, false) => format!("defined at {}", c.location),
        (false, false) => format!("target: {} ({})", c.target, c.location),
    };
    Some(mask(plan, &text))
}

/// Warnings that the headline does not already say.
pub(crate) fn extra_warnings(plan: &Plan, r: &CheckResult) -> Vec<String> {
    let headline = headline(plan, r);
    r.warnings
        .iter()
        .map(|w| mask(plan, w))
        .filter(|w| !headline.contains(w.as_str()))
        .map(|w| format!("warning: {w}"))
        .collect()
}

/// The details map as `key: value` lines: strings as they are (a multi-line string as an
/// indented block under its key, cut after a few dozen lines), anything else as compact
/// JSON. Masked, control characters escaped.
pub(crate) fn detail_lines(plan: &Plan, r: &CheckResult) -> Vec<String> {
    let mut lines = Vec::new();
    for (key, value) in &r.details {
        let key = mask(plan, key);
        match value {
            serde_json::Value::String(s) if s.contains('\n') => {
                lines.push(format!("{key}:"));
                let masked = plan.masker.mask(s);
                let all: Vec<&str> = masked.lines().collect();
                for line in all.iter().take(MAX_DETAIL_LINES) {
                    lines.push(format!("  {}", clean(line)));
                }
                if all.len() > MAX_DETAIL_LINES {
                    lines.push(format!("  … ({} more lines)", all.len() - MAX_DETAIL_LINES));
                }
            }
            serde_json::Value::String(s) => lines.push(format!("{key}: {}", mask(plan, s))),
            other => lines.push(format!("{key}: {}", mask(plan, &other.to_string()))),
        }
    }
    lines
}

/// Masks secrets, then makes `text` one printable line.
pub(crate) fn mask(plan: &Plan, text: &str) -> String {
    clean(&plan.masker.mask(text))
}

/// One printable line: line breaks and tabs become spaces, other control characters
/// (an escape sequence in a response body…) are shown escaped, never sent to a terminal;
/// trailing whitespace goes.
pub(crate) fn clean(text: &str) -> String {
    let text = text.trim_end();
    if !text.chars().any(char::is_control) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => out.extend(c.escape_default()),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_makes_one_safe_line() {
        assert_eq!(clean("a\r\nb\tc\n"), "a b c");
        assert_eq!(clean("x\u{1b}[31my"), "x\\u{1b}[31my");
        assert_eq!(clean("plain · ✔"), "plain · ✔");
    }

    #[test]
    fn layered_names_the_layer_first() {
        assert_eq!(layered(Some(Layer::Http), "status 503"), "http: status 503");
        assert_eq!(layered(None, "needs x"), "needs x");
        assert_eq!(layered(Some(Layer::Timeout), ""), "timeout");
    }
}
