//! The JSON report (SPEC §4): one document for scripts and dashboards. Built from serde
//! structs so the keys come out in the documented order; every string is masked.
//!
//! Beyond the keys of SPEC §4 each check carries `fact` (the key fact of its line) and
//! `warnings`, and the document says whether the run was `interrupted`; `ready` appears
//! only when a readiness gate ran.

use serde::Serialize;

use super::summary::{self, Totals};
use super::text;
use crate::exec::{Attempt, CheckResult, ReadyResult, RunOutcome};
use crate::plan::Plan;

/// Bumped on any incompatible change to the document.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct Document {
    schema_version: u32,
    smokecheck: &'static str,
    started_at: String,
    duration_ms: u64,
    interrupted: bool,
    totals: JsonTotals,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    ready: Vec<JsonReady>,
    checks: Vec<JsonCheck>,
}

#[derive(Serialize)]
struct JsonTotals {
    passed: usize,
    flaky: usize,
    warned: usize,
    failed: usize,
    timed_out: usize,
    skipped: usize,
}

impl From<Totals> for JsonTotals {
    fn from(t: Totals) -> Self {
        JsonTotals {
            passed: t.passed,
            flaky: t.flaky,
            warned: t.warned,
            failed: t.failed,
            timed_out: t.timed_out,
            skipped: t.skipped,
        }
    }
}

#[derive(Serialize)]
struct JsonReady {
    suite: String,
    env: Option<String>,
    passed: bool,
    waited_ms: u64,
    polls: u32,
    message: String,
}

#[derive(Serialize)]
struct JsonCheck {
    suite: String,
    env: Option<String>,
    name: String,
    kind: &'static str,
    status: &'static str,
    duration_ms: u64,
    layer: Option<&'static str>,
    message: String,
    fact: String,
    warnings: Vec<String>,
    attempts: Vec<JsonAttempt>,
    details: serde_json::Value,
}

#[derive(Serialize)]
struct JsonAttempt {
    status: &'static str,
    duration_ms: u64,
    layer: Option<&'static str>,
    message: String,
}

/// The JSON report of a run, pretty-printed, ending with a newline.
pub fn render(plan: &Plan, outcome: &RunOutcome) -> String {
    let doc = Document {
        schema_version: SCHEMA_VERSION,
        smokecheck: env!("CARGO_PKG_VERSION"),
        started_at: humantime::format_rfc3339_millis(outcome.started_at).to_string(),
        duration_ms: millis(outcome.duration),
        interrupted: outcome.interrupted,
        totals: summary::totals(outcome).into(),
        ready: outcome.ready.iter().map(|r| ready(plan, r)).collect(),
        checks: outcome.results.iter().map(|r| check(plan, r)).collect(),
    };
    // Serializing plain structs, strings and JSON values cannot fail; should it ever,
    // an empty object is still a parseable document.
    let mut out = serde_json::to_string_pretty(&doc).unwrap_or_else(|_| "{}".to_string());
    out.push('\n');
    out
}

fn ready(plan: &Plan, r: &ReadyResult) -> JsonReady {
    let group = plan.groups.get(r.group);
    JsonReady {
        suite: group.map(|g| mask(plan, &g.suite)).unwrap_or_default(),
        env: group.and_then(|g| g.env.as_deref()).map(|e| mask(plan, e)),
        passed: r.passed,
        waited_ms: millis(r.waited),
        polls: r.polls,
        message: mask(plan, &r.message),
    }
}

fn check(plan: &Plan, r: &CheckResult) -> JsonCheck {
    let planned = text::planned(plan, r);
    let group = planned.and_then(|c| plan.groups.get(c.group));
    let mut details = serde_json::Value::Object(r.details.clone());
    plan.masker.mask_json(&mut details);
    JsonCheck {
        suite: group.map(|g| mask(plan, &g.suite)).unwrap_or_default(),
        env: group.and_then(|g| g.env.as_deref()).map(|e| mask(plan, e)),
        name: planned.map(|c| mask(plan, &c.name)).unwrap_or_default(),
        kind: planned.map_or("", |c| c.kind.as_str()),
        status: r.status.as_str(),
        duration_ms: millis(r.duration),
        layer: r.layer.map(|l| l.as_str()),
        message: mask(plan, &r.message),
        fact: mask(plan, &r.fact),
        warnings: r.warnings.iter().map(|w| mask(plan, w)).collect(),
        attempts: r.attempts.iter().map(|a| attempt(plan, a)).collect(),
        details,
    }
}

fn attempt(plan: &Plan, a: &Attempt) -> JsonAttempt {
    JsonAttempt {
        status: a.status.as_str(),
        duration_ms: millis(a.duration),
        layer: a.layer.map(|l| l.as_str()),
        message: mask(plan, &a.message),
    }
}

/// JSON strings keep their characters (serde escapes them); only secrets go.
fn mask(plan: &Plan, s: &str) -> String {
    plan.masker.mask(s).into_owned()
}

fn millis(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}
