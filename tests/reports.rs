//! The reporters against a hand-built plan and outcome covering every status: golden
//! files pin the terminal, JUnit, JSON and GitHub output (`UPDATE_SNAPSHOTS=1` rewrites
//! them), JUnit is validated against the Jenkins xUnit schema with xmllint, and no
//! registered secret may appear anywhere.

#![expect(clippy::unwrap_used, reason = "tests may unwrap")]

#[path = "support/junit_xsd.rs"]
mod junit_xsd;
#[path = "support/snapshot.rs"]
mod snapshot;

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use smokecheck::exec::{Attempt, CheckResult, Event, ReadyResult, RunOutcome, Status};
use smokecheck::exit;
use smokecheck::plan::{Group, Masker, Plan, PlannedCheck, ReadyPlan};
use smokecheck::probe::Layer;
use smokecheck::report::terminal::{Format, TermOptions, Terminal, Verbosity};
use smokecheck::report::{self, github, json, junit};
use smokecheck::suite::model::{Kind, Severity, Spec, TcpExpect, TcpSpec};
use smokecheck::suite::raw::Pos;

const SECRET: &str = "s3cr3t-T0ken";
const ODD_NAME: &str = "odd <&\"'> 100%: a, b";

// ------------------------------------------------------------------ fixture

fn planned(id: usize, group: usize, name: &str, kind: Kind) -> PlannedCheck {
    PlannedCheck {
        id,
        group,
        name: name.to_string(),
        description: None,
        kind,
        target: format!("{}://shop.example/{id}", kind.as_str()),
        spec: Arc::new(Spec::Tcp(TcpSpec {
            host: "shop.example".into(),
            port: 443,
            tls: false,
            expect: TcpExpect::default(),
        })),
        tags: Vec::new(),
        severity: Severity::Critical,
        timeout: Duration::from_secs(5),
        retries: 0,
        retry_delay: Duration::from_millis(500),
        needs: Vec::new(),
        excluded: None,
        location: format!("suites/shop.yaml:{}", 10 + id * 4),
        pos: Pos::default(),
    }
}

fn plan() -> Plan {
    let mut masker = Masker::new();
    masker.add(SECRET);
    let mut checks = vec![
        planned(0, 0, "storefront answers", Kind::Http),
        planned(1, 0, "health reports ok", Kind::Http),
        planned(2, 0, "orders database", Kind::Postgres),
        planned(3, 0, "certificate covers every public name", Kind::Tls),
        planned(4, 0, "session cache", Kind::Redis),
        planned(5, 0, "cart needs the cache", Kind::Http),
        planned(6, 0, "client certificate", Kind::Http),
        planned(7, 0, "token endpoint", Kind::Http),
        planned(8, 0, ODD_NAME, Kind::Exec),
        planned(9, 0, "nightly report", Kind::Http),
        planned(10, 1, "storefront answers", Kind::Http),
        planned(11, 1, "storefront answers", Kind::Http),
    ];
    checks[2].retries = 2;
    checks[4].retries = 1;
    checks[5].needs = vec![4];
    checks[8].severity = Severity::Warning;
    checks[9].excluded = Some("only: staging".into());
    checks[7].target = format!("https://shop.example/token?key={SECRET}");
    let ready = ReadyPlan {
        timeout: Duration::from_secs(300),
        interval: Duration::from_secs(5),
        checks: vec![planned(0, 0, "new build is live", Kind::Http)],
    };
    Plan {
        groups: vec![
            Group {
                suite: "shop".into(),
                env: Some("production".into()),
                ready: Some(ready),
            },
            Group {
                suite: "shop".into(),
                env: Some("staging".into()),
                ready: None,
            },
        ],
        checks,
        masker: Arc::new(masker),
    }
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn attempt(status: Status, millis: u64, layer: Option<Layer>, message: &str) -> Attempt {
    Attempt {
        status,
        duration: ms(millis),
        layer,
        message: message.to_string(),
    }
}

fn result(id: usize, status: Status, millis: u64) -> CheckResult {
    CheckResult {
        id,
        status,
        duration: ms(millis),
        layer: None,
        message: String::new(),
        fact: String::new(),
        warnings: Vec::new(),
        attempts: Vec::new(),
        details: serde_json::Map::new(),
    }
}

fn details(pairs: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
    match pairs {
        serde_json::Value::Object(map) => map,
        _ => unreachable!("details are an object"),
    }
}

fn failed(id: usize, status: Status, millis: u64, layer: Layer, message: &str) -> CheckResult {
    let mut r = result(id, status, millis);
    r.layer = Some(layer);
    r.message = message.to_string();
    r.attempts = vec![attempt(status, millis, Some(layer), message)];
    r
}

fn results() -> Vec<CheckResult> {
    let mut storefront = result(0, Status::Passed, 84);
    storefront.fact = "200 OK · 84ms".into();
    storefront.attempts = vec![attempt(Status::Passed, 84, None, "")];
    storefront.details = details(serde_json::json!({"latency_ms": 84.2, "status": 200}));

    let mut health = failed(
        1,
        Status::Failed,
        31,
        Layer::Http,
        "status 503 Service Unavailable, expected 2xx",
    );
    health.details = details(serde_json::json!({
        "latency_ms": 30.9,
        "body": "<html>\n  <b>down & \"out\"</b>\n</html>",
    }));

    let mut orders = result(2, Status::Flaky, 1_612);
    orders.fact = "PostgreSQL 15.4 · 12ms".into();
    orders.attempts = vec![
        attempt(
            Status::Failed,
            1,
            Some(Layer::Connect),
            "connection refused to 10.0.0.7:5432",
        ),
        attempt(
            Status::Failed,
            96,
            Some(Layer::Tls),
            "SSL SYSCALL error: EOF detected",
        ),
        attempt(Status::Passed, 12, None, ""),
    ];
    orders.details = details(serde_json::json!({"latency_ms": 12.0, "server_version": "15.4"}));

    let mut cert = result(3, Status::Warned, 41);
    cert.fact = "expires in 20d · *.shop.example".into();
    cert.message = "*.shop.example expires in 20d (warn_within 30d)".into();
    cert.warnings = vec![
        cert.message.clone(),
        "insecure: true, the chain is not verified".into(),
    ];
    cert.attempts = vec![attempt(Status::Passed, 41, None, "")];

    let mut cache = result(4, Status::TimedOut, 10_003);
    cache.layer = Some(Layer::Connect);
    cache.message = "timed out after 5s to 10.0.0.4:6380".into();
    cache.attempts = vec![
        attempt(
            Status::TimedOut,
            5_001,
            Some(Layer::Connect),
            "timed out after 5s to 10.0.0.4:6380",
        ),
        attempt(
            Status::TimedOut,
            5_002,
            Some(Layer::Connect),
            "timed out after 5s to 10.0.0.4:6380",
        ),
    ];

    let cart = CheckResult::skipped(5, "needs \"session cache\", which timed out");

    let client = failed(
        6,
        Status::Failed,
        0,
        Layer::Config,
        "cannot read client_key /etc/smoke/key.pem: permission denied",
    );

    let mut token = failed(
        7,
        Status::Failed,
        52,
        Layer::Http,
        &format!("status 401, expected 2xx; body: bad key {SECRET}"),
    );
    token.details = details(
        serde_json::json!({"latency_ms": 52.0, "body": format!("{{\"error\":\"{SECRET} is revoked\"}}"), SECRET: "as a key"}),
    );

    let mut odd = failed(
        8,
        Status::Warned,
        7,
        Layer::Exec,
        "exit code 1, expected 0: stdout \"\u{1b}[31mred\u{7}\" 100%\nsecond line\r",
    );
    odd.attempts[0].status = Status::Failed;

    let nightly = CheckResult::skipped(9, "only: staging");

    let mut staging = result(10, Status::Passed, 120);
    staging.fact = "200 OK · 120ms".into();
    staging.attempts = vec![attempt(Status::Passed, 120, None, "")];
    let mut staging2 = result(11, Status::Passed, 99);
    staging2.fact = "200 OK · 99ms".into();
    staging2.attempts = vec![attempt(Status::Passed, 99, None, "")];

    vec![
        storefront, health, orders, cert, cache, cart, client, token, odd, nightly, staging,
        staging2,
    ]
}

fn ready() -> ReadyResult {
    ReadyResult {
        group: 0,
        passed: true,
        waited: ms(12_400),
        polls: 5,
        message: String::new(),
    }
}

fn outcome() -> RunOutcome {
    RunOutcome {
        started_at: UNIX_EPOCH + Duration::from_secs(1_700_000_000),
        duration: ms(11_840),
        results: results(),
        ready: vec![ready()],
        interrupted: false,
    }
}

// ------------------------------------------------------------------ helpers

/// Compares `actual` with `tests/snapshots/<name>`; `UPDATE_SNAPSHOTS=1` rewrites it.
/// The crate version is written as `VERSION` so a release does not touch the files.
fn snapshot(name: &str, actual: &str) {
    let actual = actual.replace(env!("CARGO_PKG_VERSION"), "VERSION");
    snapshot::assert_snapshot(name, &actual);
}

fn opts(format: Format, verbosity: Verbosity) -> TermOptions {
    TermOptions {
        format,
        verbosity,
        progress: false,
    }
}

/// Feeds the events of `outcome` to a terminal with checks finishing in `order`.
fn terminal_output(
    plan: &Plan,
    outcome: &RunOutcome,
    opts: TermOptions,
    order: &[usize],
) -> String {
    let mut term = Terminal::new(Vec::new(), opts);
    term.event(
        plan,
        &Event::RunStarted {
            total: plan.checks.len(),
            started_at: SystemTime::now(),
        },
    );
    term.event(plan, &Event::ReadyStarted { group: 0 });
    for &id in order {
        term.event(plan, &Event::CheckStarted { id });
    }
    for (n, &id) in order.iter().enumerate() {
        if n == order.len() / 2 {
            // The gate of group 0 reports late: nothing of group 0 may be printed before it.
            for r in &outcome.ready {
                term.event(plan, &Event::ReadyFinished(r.clone()));
            }
        }
        let r = outcome.results.iter().find(|r| r.id == id).unwrap().clone();
        for a in r.attempts.iter().filter(|a| a.status != Status::Passed) {
            term.event(
                plan,
                &Event::AttemptFailed {
                    id,
                    attempt: a.clone(),
                },
            );
        }
        term.event(plan, &Event::CheckFinished(r));
    }
    term.event(plan, &Event::RunFinished);
    term.finish(plan, outcome);
    String::from_utf8(term.out).unwrap()
}

fn scrambled(n: usize) -> Vec<usize> {
    // Odd ids last-first, then even ids: far from plan order.
    let mut order: Vec<usize> = (0..n).filter(|i| i % 2 == 1).rev().collect();
    order.extend((0..n).filter(|i| i % 2 == 0));
    order
}

fn assert_no_secret(what: &str, text: &str) {
    assert!(!text.contains(SECRET), "{what} leaks the secret:\n{text}");
    assert!(
        !text.contains("s3cr3t"),
        "{what} leaks part of the secret:\n{text}"
    );
}

// ------------------------------------------------------------------ terminal

#[test]
fn plain_output_is_pinned_and_in_plan_order() {
    let (plan, outcome) = (plan(), outcome());
    let out = terminal_output(
        &plan,
        &outcome,
        opts(Format::Plain, Verbosity::Normal),
        &scrambled(12),
    );
    snapshot("plain.txt", &out);
    assert_no_secret("plain output", &out);
    assert!(
        !out.contains('\u{1b}'),
        "plain output must carry no escape sequence:\n{out:?}"
    );

    // The first line of every check appears in plan order.
    let names: Vec<&str> = out
        .lines()
        .filter(|l| !l.starts_with(' ') && l.contains(" › "))
        .collect();
    assert_eq!(names.len(), 12, "{out}");
    for (line, check) in names.iter().zip(&plan.checks) {
        assert!(
            line.contains(&format!("› {}", check.name.replace('\n', " "))),
            "{line} should be {}",
            check.name
        );
    }
    assert!(
        out.starts_with("READY shop [production] — ready after 12.40s (5 polls)\n"),
        "{out}"
    );
    assert!(out.ends_with(
        "\n3 passed, 3 failed, 1 timed out, 1 flaky, 2 warned, 2 skipped in 11.84s — production, staging\n"
    ));
}

#[test]
fn plain_writes_the_longest_finished_prefix_as_results_arrive() {
    let (plan, outcome) = (plan(), outcome());
    let mut term = Terminal::new(Vec::new(), opts(Format::Plain, Verbosity::Normal));
    term.event(
        &plan,
        &Event::RunStarted {
            total: 12,
            started_at: SystemTime::now(),
        },
    );
    term.event(&plan, &Event::ReadyFinished(ready()));
    term.event(&plan, &Event::CheckFinished(outcome.results[1].clone()));
    let text = String::from_utf8(term.out.clone()).unwrap();
    assert!(text.starts_with("READY"), "{text}");
    assert!(
        !text.contains("health reports ok"),
        "check 1 must wait for check 0:\n{text}"
    );
    term.event(&plan, &Event::CheckFinished(outcome.results[0].clone()));
    let text = String::from_utf8(term.out.clone()).unwrap();
    let storefront = text.find("storefront answers").expect("check 0 written");
    let health = text
        .find("health reports ok")
        .expect("check 1 written once check 0 is");
    assert!(storefront < health, "{text}");
}

#[test]
fn plain_verbose_and_quiet_are_pinned() {
    let (plan, outcome) = (plan(), outcome());
    let verbose = terminal_output(
        &plan,
        &outcome,
        opts(Format::Plain, Verbosity::Verbose),
        &scrambled(12),
    );
    snapshot("plain_verbose.txt", &verbose);
    assert_no_secret("verbose output", &verbose);
    assert!(verbose.contains("      server_version: 15.4"), "{verbose}");

    let quiet = terminal_output(
        &plan,
        &outcome,
        opts(Format::Plain, Verbosity::Quiet),
        &scrambled(12),
    );
    snapshot("plain_quiet.txt", &quiet);
    assert!(!quiet.contains("PASS "), "{quiet}");
    assert!(!quiet.contains("SKIP "), "{quiet}");
    assert!(!quiet.contains("READY"), "{quiet}");
    assert!(
        quiet.contains("FAIL  shop [production] › health reports ok"),
        "{quiet}"
    );
    assert!(
        quiet.contains("FLAKY shop [production] › orders database"),
        "{quiet}"
    );
}

#[test]
fn pretty_output_is_pinned_and_colour_can_be_stripped() {
    let (plan, outcome) = (plan(), outcome());
    let out = terminal_output(
        &plan,
        &outcome,
        opts(Format::Pretty, Verbosity::Normal),
        &scrambled(12),
    );
    assert!(
        out.contains('\u{1b}'),
        "pretty output is coloured (anstream strips it when needed)"
    );
    let stripped = anstream::adapter::strip_str(&out).to_string();
    snapshot("pretty.txt", &stripped);
    assert_no_secret("pretty output", &out);
    assert!(
        stripped.contains("  ✖ health reports ok — http: status 503"),
        "{stripped}"
    );
}

#[test]
fn pretty_progress_is_cleared_before_every_line() {
    let (plan, outcome) = (plan(), outcome());
    let mut o = opts(Format::Pretty, Verbosity::Normal);
    o.progress = true;
    let out = terminal_output(&plan, &outcome, o, &scrambled(12));
    assert!(out.contains("running: "), "progress line drawn:\n{out:?}");
    assert!(
        out.contains("waiting for shop [production] to be ready…"),
        "{out:?}"
    );
    // Once the progress lines (each ending in \r after being wiped) are removed, what is
    // left is exactly the output without progress.
    let without = terminal_output(
        &plan,
        &outcome,
        opts(Format::Pretty, Verbosity::Normal),
        &scrambled(12),
    );
    let cleaned: String = out
        .split('\n')
        .map(|line| line.rsplit('\r').next().unwrap_or(line))
        .collect::<Vec<_>>()
        .join("\n");
    assert_eq!(cleaned, without);
}

#[test]
fn interrupted_run_writes_what_the_events_did_not_say() {
    let plan = plan();
    let mut outcome = outcome();
    outcome.interrupted = true;
    for r in &mut outcome.results[6..] {
        *r = CheckResult::skipped(r.id, "interrupted");
    }
    let mut term = Terminal::new(Vec::new(), opts(Format::Plain, Verbosity::Normal));
    term.event(&plan, &Event::ReadyFinished(ready()));
    for r in &outcome.results[..4] {
        term.event(&plan, &Event::CheckFinished(r.clone()));
    }
    term.finish(&plan, &outcome);
    let out = String::from_utf8(term.out).unwrap();
    assert_eq!(out.matches("storefront answers").count(), 3, "{out}");
    assert!(
        out.contains("SKIP  shop [staging] › storefront answers — interrupted"),
        "{out}"
    );
    assert!(out.ends_with("(interrupted)\n"), "{out}");
    assert_eq!(
        report::run_exit_code(&plan, &outcome, false),
        exit::INTERRUPTED
    );
}

// ------------------------------------------------------------------ JUnit

#[test]
fn junit_is_pinned() {
    let xml = junit::render_for_host(&plan(), &outcome(), "ci-runner");
    snapshot("junit.xml", &xml);
    assert_no_secret("JUnit", &xml);
    assert!(
        !xml.contains('\u{1b}') && !xml.contains('\u{7}'),
        "control characters must not reach XML"
    );
    let root = xml.lines().find(|l| l.starts_with("<testsuites")).unwrap();
    assert!(
        !root.contains("skipped="),
        "testsuites allows only name/time/tests/failures/errors: {root}"
    );
    assert_eq!(xml.matches("<flakyFailure").count(), 2, "{xml}");
    assert_eq!(xml.matches("<error ").count(), 1, "{xml}");
    assert_eq!(xml.matches("<skipped ").count(), 2, "{xml}");
    assert!(
        xml.contains("name=\"storefront answers (2)\""),
        "testcase names are unique: {xml}"
    );
    assert!(
        xml.contains("<property name=\"ready.wait\" value=\"12.400\"/>"),
        "{xml}"
    );
}

#[test]
fn junit_validates_against_the_jenkins_schema() {
    let xml = junit::render(&plan(), &outcome());
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("junit.xml");
    std::fs::write(&file, &xml).unwrap();
    junit_xsd::assert_valid(&file);
}

// ------------------------------------------------------------------ JSON

#[test]
fn json_is_pinned_with_exact_keys_and_statuses() {
    let text = json::render(&plan(), &outcome());
    snapshot("report.json", &text);
    assert_no_secret("JSON", &text);
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let keys =
        |v: &serde_json::Value| -> Vec<String> { v.as_object().unwrap().keys().cloned().collect() };
    let mut top = keys(&doc);
    top.sort();
    assert_eq!(
        top,
        [
            "checks",
            "duration_ms",
            "interrupted",
            "ready",
            "schema_version",
            "smokecheck",
            "started_at",
            "totals"
        ]
    );
    assert_eq!(doc["schema_version"], 1);
    assert_eq!(doc["smokecheck"], env!("CARGO_PKG_VERSION"));
    assert_eq!(doc["started_at"], "2023-11-14T22:13:20.000Z");
    assert_eq!(doc["duration_ms"], 11_840);
    assert_eq!(
        doc["totals"],
        serde_json::json!({"passed": 3, "flaky": 1, "warned": 2, "failed": 3, "timed_out": 1, "skipped": 2})
    );
    assert_eq!(doc["ready"][0]["waited_ms"], 12_400);
    let checks = doc["checks"].as_array().unwrap();
    assert_eq!(checks.len(), 12);
    for check in checks {
        for key in [
            "suite",
            "env",
            "name",
            "kind",
            "status",
            "duration_ms",
            "layer",
            "message",
            "attempts",
            "details",
        ] {
            assert!(check.get(key).is_some(), "{key} missing in {check}");
        }
        for a in check["attempts"].as_array().unwrap() {
            assert_eq!(keys(a), ["duration_ms", "layer", "message", "status"]);
        }
    }
    let statuses: Vec<&str> = checks
        .iter()
        .map(|c| c["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        [
            "passed",
            "failed",
            "flaky",
            "warned",
            "timed_out",
            "skipped",
            "failed",
            "failed",
            "warned",
            "skipped",
            "passed",
            "passed"
        ]
    );
    assert_eq!(checks[2]["attempts"][1]["layer"], "tls");
    assert_eq!(checks[8]["name"], ODD_NAME);
    assert_eq!(checks[1]["env"], "production");
    assert_eq!(checks[10]["env"], "staging");
}

#[test]
fn json_has_no_ready_key_without_gates() {
    let mut outcome = outcome();
    outcome.ready.clear();
    let doc: serde_json::Value = serde_json::from_str(&json::render(&plan(), &outcome)).unwrap();
    assert!(doc.get("ready").is_none());
}

// ------------------------------------------------------------------ GitHub

#[test]
fn github_annotations_are_pinned_and_escaped() {
    let text = github::annotations(&plan(), &outcome());
    snapshot("github_annotations.txt", &text);
    assert_no_secret("annotations", &text);
    for line in text.lines() {
        assert!(
            line.starts_with("::error ") || line.starts_with("::warning "),
            "{line}"
        );
        assert!(!line.contains('\r'), "{line:?}");
    }
    assert_eq!(
        text.lines().filter(|l| l.starts_with("::error ")).count(),
        4,
        "{text}"
    );
    assert_eq!(
        text.lines().filter(|l| l.starts_with("::warning ")).count(),
        3,
        "{text}"
    );
    assert!(
        text.contains("title=shop [production] › odd <&\"'> 100%25%3A a%2C b::"),
        "{text}"
    );
}

#[test]
fn github_summary_is_pinned() {
    let md = github::summary_markdown(&plan(), &outcome());
    snapshot("github_summary.md", &md);
    assert_no_secret("step summary", &md);
    let rows: Vec<&str> = md
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| Status"))
        .collect();
    assert_eq!(rows.len(), 12, "{md}");
    assert!(rows[0].starts_with("| ❌ failed |"), "failures first: {md}");
    assert!(rows[11].starts_with("| ✅ passed |"), "{md}");
    for row in rows {
        // Every row has exactly 6 unescaped pipes: escaping keeps the columns.
        let pipes = row
            .match_indices('|')
            .filter(|(i, _)| !row[..*i].ends_with('\\'))
            .count();
        assert_eq!(pipes, 6, "{row}");
    }
}

// ------------------------------------------------------------------ summary and exit code

#[test]
fn summary_line_counts_only_what_happened() {
    let plan = plan();
    let mut outcome = outcome();
    assert_eq!(
        report::summary_line(&plan, &outcome),
        "3 passed, 3 failed, 1 timed out, 1 flaky, 2 warned, 2 skipped in 11.84s — production, staging"
    );
    outcome.results = vec![outcome.results[0].clone()];
    outcome.duration = ms(1_840);
    assert_eq!(
        report::summary_line(&plan, &outcome),
        "1 passed in 1.84s — production, staging"
    );
    let t = report::totals(&outcome);
    assert_eq!((t.passed, t.total()), (1, 1));
}

#[test]
fn exit_code_follows_severity_strictness_and_gates() {
    let plan = plan();
    let base = outcome();
    assert_eq!(
        report::run_exit_code(&plan, &base, false),
        exit::CHECK_FAILED
    );

    // Only passed, flaky and warned (including a warning-severity failure) checks.
    let mut soft = base.clone();
    soft.results.retain(|r| {
        matches!(
            r.status,
            Status::Passed | Status::Flaky | Status::Warned | Status::Skipped
        )
    });
    assert_eq!(report::run_exit_code(&plan, &soft, false), exit::OK);
    assert_eq!(
        report::run_exit_code(&plan, &soft, true),
        exit::CHECK_FAILED
    );

    // A failure of a `severity: warning` check does not fail the run unless strict.
    let mut warning_failed = soft.clone();
    warning_failed
        .results
        .retain(|r| r.status != Status::Flaky && r.status != Status::Warned);
    let mut r = failed(8, Status::Failed, 5, Layer::Exec, "exit code 1");
    r.id = 8;
    warning_failed.results.push(r);
    assert_eq!(
        report::run_exit_code(&plan, &warning_failed, false),
        exit::OK
    );
    assert_eq!(
        report::run_exit_code(&plan, &warning_failed, true),
        exit::CHECK_FAILED
    );

    // An excluded check never fails the run.
    let mut excluded = soft.clone();
    excluded.results.retain(|r| r.status == Status::Passed);
    excluded
        .results
        .push(failed(9, Status::Failed, 1, Layer::Http, "status 500"));
    assert_eq!(report::run_exit_code(&plan, &excluded, true), exit::OK);

    // A readiness gate that never opened fails the run.
    let mut gate = soft.clone();
    gate.ready[0].passed = false;
    assert_eq!(
        report::run_exit_code(&plan, &gate, false),
        exit::CHECK_FAILED
    );

    let mut interrupted = soft;
    interrupted.interrupted = true;
    assert_eq!(
        report::run_exit_code(&plan, &interrupted, false),
        exit::INTERRUPTED
    );
}

#[test]
fn a_gate_that_never_opened_is_reported_everywhere() {
    let plan = plan();
    let mut outcome = outcome();
    outcome.ready[0] = ReadyResult {
        group: 0,
        passed: false,
        waited: Duration::from_secs(300),
        polls: 60,
        message: format!("http: status 503 for key {SECRET}"),
    };
    for r in &mut outcome.results[..10] {
        *r = CheckResult::skipped(r.id, "not ready");
    }
    let plain = terminal_output(
        &plan,
        &outcome,
        opts(Format::Plain, Verbosity::Quiet),
        &scrambled(12),
    );
    assert!(
        plain.starts_with("FAIL  shop [production] — not ready after 5m00s (60 polls): http: status 503 for key ****\n"),
        "{plain}"
    );
    assert!(plain.contains("(not ready)"), "{plain}");
    let xml = junit::render_for_host(&plan, &outcome, "ci-runner");
    assert!(
        xml.contains("<failure message=\"not ready after 5m00s (60 polls)"),
        "{xml}"
    );
    let annotations = github::annotations(&plan, &outcome);
    assert!(
        annotations.starts_with("::error title=shop [production] readiness gate::not ready"),
        "{annotations}"
    );
    for text in [
        plain,
        xml,
        annotations,
        json::render(&plan, &outcome),
        github::summary_markdown(&plan, &outcome),
    ] {
        assert_no_secret("not-ready report", &text);
    }
}

#[test]
fn a_clean_run_in_quiet_mode_prints_only_the_summary() {
    let plan = plan();
    let mut outcome = outcome();
    outcome.results.retain(|r| r.status == Status::Passed);
    let out = terminal_output(
        &plan,
        &outcome,
        opts(Format::Plain, Verbosity::Quiet),
        &[0, 10, 11],
    );
    assert_eq!(out, "3 passed in 11.84s — production, staging\n");
    assert_eq!(report::run_exit_code(&plan, &outcome, true), exit::OK);
    assert!(github::annotations(&plan, &outcome).is_empty());
    let md = github::summary_markdown(&plan, &outcome);
    assert!(
        md.starts_with("### ✅ smokecheck: 3 passed in 11.84s"),
        "{md}"
    );
}
