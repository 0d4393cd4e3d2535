//! The report outputs of a real run: golden files of one representative run (plain
//! terminal, JUnit, JSON), `--format json` owning stdout, and the report files agreeing
//! with the terminal.

use serde_json::Value;

use crate::golden::{normalise, snapshot};
use crate::harness::{Demo, Dir};
use crate::xml;

/// Every status a run can report, a readiness gate, one environment.
const REPRESENTATIVE: &str = r#"
suite: shop
description: the representative run
defaults: { timeout: 2s, retry_delay: 10ms }
environments:
  production: {}
ready:
  timeout: 5s
  interval: 100ms
  checks:
    - name: new build is live
      http: { url: "${base_url}/version" }
      expect: { json: { "$.build": demo } }
checks:
  - name: storefront answers
    http: { url: "${base_url}/" }
    expect: { status: 200, body_contains: Add to cart }
  - name: health reports ok
    http: { url: "${base_url}/degraded" }
    expect: { json: { "$.status": ok } }
  - name: checkout warms up
    retries: 2
    http: { url: "${base_url}/flaky?key=golden" }
  - name: search is healthy
    severity: warning
    http: { url: "${base_url}/status/503" }
  - name: orders need health
    needs: [health reports ok]
    http: { url: "${base_url}/health" }
  - name: payments sandbox
    skip: the sandbox is down for maintenance
    http: { url: "${base_url}/health" }
  - name: reports page
    timeout: 300ms
    http: { url: "${base_url}/slow?ms=60000" }
  - name: app port accepts connections
    tcp: { host: "${demo_host}", port: "${demo_port}" }
"#;

#[test]
fn representative_run_matches_the_golden_files() {
    // A target of its own: the flaky key starts at zero.
    let demo = Demo::start();
    let dir = Dir::with_suite(REPRESENTATIVE);
    let run = dir.run().target(&demo).go();
    run.exits(1);
    assert_eq!(run.stderr, "");
    let junit = run.file("junit.xml");
    run.junit(); // validated against the schema
    snapshot("plain.txt", &normalise(&run.stdout));
    snapshot("junit.xml", &normalise(&junit));
    snapshot("report.json", &normalise(&run.file("report.json")));
}

#[test]
fn format_json_prints_only_the_document() {
    let demo = Demo::start();
    let dir = Dir::with_suite(REPRESENTATIVE);
    let run = dir.run_as("json").target(&demo).go();
    run.exits(1);
    // The whole of stdout is one JSON document, the same as the --json file.
    let doc: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("stdout is not one JSON document: {e}\n{}", run.shown()));
    assert_eq!(run.stdout, run.file("report.json"));
    assert_eq!(doc["schema_version"], 1);
    assert_eq!(doc["checks"].as_array().unwrap().len(), 8);
    assert_eq!(doc["ready"][0]["passed"], true);
    // The terminal lines went to stderr instead.
    assert!(
        run.stderr
            .contains("FAIL  shop [production] › health reports ok — assert: "),
        "{}",
        run.shown()
    );
    // JUnit was written too, one testcase per check plus the gate.
    let cases = xml::cases(&run.junit());
    assert_eq!(cases.len(), 9);
    assert_eq!(cases[0].name, "readiness gate");
}

#[test]
fn report_files_agree_with_the_terminal() {
    let demo = Demo::start();
    let dir = Dir::with_suite(REPRESENTATIVE);
    let run = dir.run().target(&demo).go();
    run.exits(1);
    let doc = run.json();
    let cases = xml::cases(&run.junit());
    let words = [
        ("passed", "PASS"),
        ("failed", "FAIL"),
        ("timed_out", "TIME"),
        ("flaky", "FLAKY"),
        ("warned", "WARN"),
        ("skipped", "SKIP"),
    ];
    for check in doc["checks"].as_array().unwrap() {
        let name = check["name"].as_str().unwrap();
        let status = check["status"].as_str().unwrap();
        let word = words.iter().find(|(s, _)| *s == status).unwrap().1;
        assert_eq!(run.word(name), word, "{name}");
        let case = cases.iter().find(|c| c.name == name).unwrap();
        let junit = match status {
            "failed" | "timed_out" => "failure",
            "skipped" => "skipped",
            _ => "",
        };
        assert_eq!(case.outcome, junit, "{case:?}");
        assert_eq!(case.classname, "shop.production");
    }
    assert_eq!(
        normalise(run.stdout.lines().next().unwrap()),
        "READY shop [production] — ready after <t> (1 poll)"
    );
}
