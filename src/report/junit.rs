//! The JUnit XML report (SPEC §4), written with quick-junit and valid against the Jenkins
//! xUnit schema (`shared/schemas/junit-10.xsd`).
//!
//! Mapping: one `testsuite` per group (`shop [production]`), one `testcase` per check
//! (classname `shop.production`). failed/timed out → `<failure type=layer>`, earlier
//! failed attempts → `<rerunFailure>`; a check that could not even be set up (layer
//! `config`) → `<error>`; skipped → `<skipped message=reason>`; flaky → passing testcase
//! with one `<flakyFailure>` per failed attempt; warned → passing testcase with the
//! warning in `<system-out>`. Every check that ran gets its key fact and details in
//! `<system-out>`. A readiness gate is a testcase of its own (`readiness gate`) so a gate
//! that never opened fails the JUnit report as it fails the run.
//!
//! Two things quick-junit does that the schema forbids are avoided: the root
//! `testsuites` may carry only name/time/tests/failures/errors (its `skipped` attribute
//! is removed after serializing), and reruns may carry only `message`/`type` (so no
//! `time` is set on them, and `type` always is).

use std::collections::HashSet;
use std::time::Duration;

use quick_junit::{
    NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestRerun, TestSuite,
};

use super::summary::ready_text;
use super::text;
use crate::exec::{Attempt, CheckResult, ReadyResult, RunOutcome, Status};
use crate::plan::{Group, Plan};
use crate::probe::Layer;

/// Name of the testcase that stands for a group's readiness gate.
pub const READY_TESTCASE: &str = "readiness gate";

/// The JUnit report of a run, naming this machine as `hostname`.
pub fn render(plan: &Plan, outcome: &RunOutcome) -> String {
    render_for_host(plan, outcome, &hostname())
}

/// The JUnit report of a run with a given `hostname` (reproducible output for tests).
pub fn render_for_host(plan: &Plan, outcome: &RunOutcome, hostname: &str) -> String {
    let timestamp = humantime::format_rfc3339_millis(outcome.started_at).to_string();
    let mut report = Report::new("smokecheck");
    report.set_time(outcome.duration);

    let mut by_group: Vec<Vec<&CheckResult>> = vec![Vec::new(); plan.groups.len()];
    for r in &outcome.results {
        if let Some(list) = text::planned(plan, r).and_then(|c| by_group.get_mut(c.group)) {
            list.push(r);
        }
    }
    for (g, (group, results)) in plan.groups.iter().zip(by_group).enumerate() {
        let ready = outcome.ready.iter().find(|r| r.group == g);
        report.add_test_suite(suite(plan, group, ready, &results, &timestamp, hostname));
    }

    let xml = match report.to_string() {
        Ok(xml) => xml,
        // Writing into memory cannot fail; should it, an empty report is still valid.
        Err(_) => return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites/>\n".to_string(),
    };
    strip_root_attribute(&xml, "skipped")
}

fn suite(
    plan: &Plan,
    group: &Group,
    ready: Option<&ReadyResult>,
    results: &[&CheckResult],
    timestamp: &str,
    hostname: &str,
) -> TestSuite {
    let mut suite = TestSuite::new(xml_text(plan, &group.display_name()));
    suite.extra.insert("timestamp".into(), timestamp.into());
    suite
        .extra
        .insert("hostname".into(), xml_text(plan, hostname).into());
    suite.set_time(
        results.iter().map(|r| r.duration).sum::<Duration>()
            + ready.map_or(Duration::ZERO, |r| r.waited),
    );

    suite.add_property(Property::new("suite", xml_text(plan, &group.suite)));
    if let Some(env) = &group.env {
        suite.add_property(Property::new("environment", xml_text(plan, env)));
    }
    suite.add_property(Property::new(
        "smokecheck.version",
        env!("CARGO_PKG_VERSION"),
    ));
    if let Some(r) = ready {
        suite.add_property(Property::new(
            "ready.wait",
            format!("{:.3}", r.waited.as_secs_f64()),
        ));
        suite.add_property(Property::new("ready.polls", r.polls.to_string()));
    }

    let classname = xml_text(plan, &group.classname());
    let mut names = HashSet::new();
    if let Some(r) = ready {
        let name = unique_name(&mut names, READY_TESTCASE.to_string());
        suite.add_test_case(ready_case(plan, r, name, &classname));
    }
    for r in results {
        let name = unique_name(&mut names, xml_text(plan, &text::check_name(plan, r)));
        suite.add_test_case(case(plan, r, name, &classname));
    }
    suite
}

fn ready_case(plan: &Plan, r: &ReadyResult, name: String, classname: &str) -> TestCase {
    let what = xml_text(plan, &ready_text(r));
    let status = if r.passed {
        TestCaseStatus::success()
    } else {
        let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
        s.set_type("ready")
            .set_message(one_line(&what))
            .set_description(what.clone());
        s
    };
    let mut tc = TestCase::new(name, status);
    tc.set_classname(classname).set_time(r.waited);
    if r.passed {
        tc.set_system_out(format!("{what}\n"));
    }
    tc
}

fn case(plan: &Plan, r: &CheckResult, name: String, classname: &str) -> TestCase {
    let status = match r.status {
        Status::Passed | Status::Warned => TestCaseStatus::success(),
        Status::Flaky => {
            let mut s = TestCaseStatus::success();
            let total = text::max_attempts(plan, r);
            for (i, a) in r
                .attempts
                .iter()
                .enumerate()
                .filter(|(_, a)| a.status != Status::Passed)
            {
                s.add_rerun(rerun(plan, a, i, total));
            }
            s
        }
        Status::Failed | Status::TimedOut => {
            let kind = match r.layer {
                Some(Layer::Config) => NonSuccessKind::Error,
                _ => NonSuccessKind::Failure,
            };
            let mut s = TestCaseStatus::non_success(kind);
            let message = one_line(&xml_text(plan, &r.message));
            s.set_type(text::failure_type(r.layer, r.status))
                .set_message(message)
                .set_description(failure_body(plan, r));
            // The last attempt is the <failure>; earlier ones are reruns.
            let total = text::max_attempts(plan, r);
            let earlier = r.attempts.len().saturating_sub(1);
            for (i, a) in r.attempts.iter().enumerate().take(earlier) {
                s.add_rerun(rerun(plan, a, i, total));
            }
            s
        }
        Status::Skipped => {
            let mut s = TestCaseStatus::skipped();
            s.set_message(one_line(&xml_text(plan, &r.message)));
            s
        }
    };
    let mut tc = TestCase::new(name, status);
    tc.set_classname(classname).set_time(r.duration);
    if r.status != Status::Skipped {
        let out = system_out(plan, r);
        if !out.is_empty() {
            tc.set_system_out(out);
        }
    }
    tc
}

fn rerun(plan: &Plan, a: &Attempt, index: usize, total: usize) -> TestRerun {
    let kind = match a.layer {
        Some(Layer::Config) => NonSuccessKind::Error,
        _ => NonSuccessKind::Failure,
    };
    let mut rerun = TestRerun::new(kind);
    rerun
        .set_type(text::failure_type(a.layer, a.status))
        .set_message(one_line(&xml_text(plan, &a.message)))
        .set_description(xml_text(plan, &text::attempt_line(plan, index, total, a)));
    rerun
}

/// The body of `<failure>`: the one-liner with its layer, what was checked, and every
/// attempt — GitLab shows only this text.
fn failure_body(plan: &Plan, r: &CheckResult) -> String {
    let mut lines = vec![text::headline(plan, r)];
    lines.extend(text::target_line(plan, r));
    lines.extend(text::attempt_lines(plan, r));
    xml_text(plan, &lines.join("\n"))
}

/// `<system-out>`: warnings first (the reason a warned check is marked), then the key
/// fact, the target and the details.
fn system_out(plan: &Plan, r: &CheckResult) -> String {
    let mut lines = Vec::new();
    if r.status == Status::Warned {
        lines.push(format!("warning: {}", text::headline(plan, r)));
    }
    lines.extend(text::extra_warnings(plan, r));
    if r.status == Status::Flaky {
        lines.push(text::passed_on(plan, r));
    }
    if !r.fact.is_empty() {
        lines.push(text::mask(plan, &r.fact));
    }
    lines.extend(text::target_line(plan, r));
    lines.extend(text::detail_lines(plan, r));
    if lines.is_empty() {
        return String::new();
    }
    xml_text(plan, &(lines.join("\n") + "\n"))
}

/// `name`, or `name (2)`, `name (3)`… if a testcase of that name exists in the suite.
fn unique_name(taken: &mut HashSet<String>, name: String) -> String {
    if taken.insert(name.clone()) {
        return name;
    }
    let mut n = 2;
    loop {
        let candidate = format!("{name} ({n})");
        if taken.insert(candidate.clone()) {
            return candidate;
        }
        n += 1;
    }
}

/// Masked text with the characters XML 1.0 cannot hold removed (quick-junit drops the
/// C0 controls; U+FFFE and U+FFFF are not allowed either).
fn xml_text(plan: &Plan, s: &str) -> String {
    plan.masker
        .mask(s)
        .chars()
        .filter(|c| !matches!(c, '\u{FFFE}' | '\u{FFFF}'))
        .collect()
}

/// Attribute values are one line: a newline in an attribute is read back as a space.
fn one_line(s: &str) -> String {
    text::clean(s)
}

/// Removes `name="…"` from the root `<testsuites>` start tag.
fn strip_root_attribute(xml: &str, name: &str) -> String {
    let Some(start) = xml.find("<testsuites") else {
        return xml.to_string();
    };
    let Some(len) = xml[start..].find('>') else {
        return xml.to_string();
    };
    let tag = &xml[start..start + len];
    let needle = format!(" {name}=\"");
    let Some(at) = tag.find(&needle) else {
        return xml.to_string();
    };
    let value_start = at + needle.len();
    let Some(value_len) = tag[value_start..].find('"') else {
        return xml.to_string();
    };
    let cut_from = start + at;
    let cut_to = start + value_start + value_len + 1;
    format!("{}{}", &xml[..cut_from], &xml[cut_to..])
}

/// This machine's name for the `hostname` attribute; `localhost` if it cannot be found.
pub fn hostname() -> String {
    let from_kernel = std::fs::read_to_string("/proc/sys/kernel/hostname").ok();
    let name = from_kernel
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    if name.is_empty() {
        "localhost".to_string()
    } else {
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_attribute_is_removed_only_from_the_root() {
        let xml = "<?xml?>\n<testsuites name=\"s\" tests=\"2\" skipped=\"1\" failures=\"0\">\n<testsuite skipped=\"1\"/>";
        assert_eq!(
            strip_root_attribute(xml, "skipped"),
            "<?xml?>\n<testsuites name=\"s\" tests=\"2\" failures=\"0\">\n<testsuite skipped=\"1\"/>"
        );
    }

    #[test]
    fn names_are_made_unique() {
        let mut taken = HashSet::new();
        assert_eq!(unique_name(&mut taken, "a".into()), "a");
        assert_eq!(unique_name(&mut taken, "a".into()), "a (2)");
        assert_eq!(unique_name(&mut taken, "a".into()), "a (3)");
        assert_eq!(unique_name(&mut taken, "a (2)".into()), "a (2) (2)");
    }
}
