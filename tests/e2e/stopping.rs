//! What ends or orders a run: `--deadline` against servers that never finish,
//! `--fail-fast`, and `--concurrency 1` (with a `needs` chain that must not deadlock).

use std::time::Duration;

use crate::harness::{Demo, Dir};
use crate::xml;

#[test]
fn deadline_ends_the_run_whatever_hangs() {
    let demo = Demo::start();
    let dir = Dir::with_suite(
        r#"
suite: deadline
defaults: { timeout: 30s }
checks:
  - name: quick
    http: { url: "${base_url}/health" }
  - name: headers never come
    http: { url: "${base_url}/slow?ms=60000" }
  - name: body trickles
    http: { url: "${base_url}/trickle" }
  - name: server never answers
    http: { url: "http://127.0.0.1:${hang_port}/" }
  - name: optional and hung
    severity: warning
    http: { url: "http://127.0.0.1:${hang_port}/optional" }
  - name: never started
    http: { url: "${base_url}/health" }
  - name: after the hung one
    needs: [headers never come]
    http: { url: "${base_url}/health" }
"#,
    );
    // Four slots: "quick" frees one for "optional and hung", then all four hang and
    // "never started" waits for a slot until the deadline.
    let run = dir
        .run()
        .target(&demo)
        .args(["--deadline", "1500ms", "--concurrency", "4"])
        .go();
    run.exits(1);
    // Generous: the deadline plus the binary's start-up and report writing.
    assert!(
        run.elapsed < Duration::from_millis(1500) + Duration::from_secs(5),
        "took {:?}\n{}",
        run.elapsed,
        run.shown()
    );
    assert_eq!(run.word("quick"), "PASS");
    for name in [
        "headers never come",
        "body trickles",
        "server never answers",
    ] {
        assert_eq!(
            run.line(name),
            format!("TIME  deadline › {name} — timeout: run deadline of 1.5s reached"),
            "{}",
            run.shown()
        );
        assert_eq!(run.check(name)["status"], "timed_out");
    }
    // A warning check stopped by the deadline is warned, never a failure.
    assert_eq!(
        run.line("optional and hung"),
        "WARN  deadline › optional and hung — timeout: run deadline of 1.5s reached"
    );
    // Not started when the deadline came: timed out, whether it waited for a slot or
    // for a prerequisite that was itself stopped by the deadline.
    for name in ["never started", "after the hung one"] {
        assert_eq!(
            run.line(name),
            format!(
                "TIME  deadline › {name} — timeout: run deadline reached before the check started"
            ),
            "{}",
            run.shown()
        );
        assert_eq!(run.check(name)["status"], "timed_out");
    }
    assert!(
        run.summary()
            .starts_with("1 passed, 5 timed out, 1 warned in "),
        "{}",
        run.shown()
    );
    let doc = run.json();
    assert_eq!(doc["totals"]["timed_out"], 5, "{doc:#}");
    let cases = xml::cases(&run.junit());
    let case = cases.iter().find(|c| c.name == "body trickles").unwrap();
    assert_eq!(
        (case.outcome.as_str(), case.layer.as_str()),
        ("failure", "timeout")
    );
}

#[test]
fn fail_fast_starts_nothing_after_a_critical_failure() {
    let demo = Demo::start();
    let dir = Dir::with_suite(
        r#"
suite: ff
defaults: { timeout: 2s }
checks:
  - name: optional
    severity: warning
    http: { url: "${base_url}/status/500" }
  - name: first
    http: { url: "${base_url}/health" }
  - name: breaks
    http: { url: "${base_url}/status/503" }
  - name: later
    http: { url: "${base_url}/health" }
  - name: much later
    tcp: { host: "${demo_host}", port: "${demo_port}" }
"#,
    );
    let run = dir
        .run()
        .target(&demo)
        .args(["--fail-fast", "--concurrency", "1"])
        .go();
    run.exits(1);
    // A warning failure does not trip --fail-fast.
    assert_eq!(run.word("optional"), "WARN");
    assert_eq!(run.word("first"), "PASS");
    assert_eq!(run.word("breaks"), "FAIL");
    for name in ["later", "much later"] {
        assert_eq!(
            run.line(name),
            format!(r#"SKIP  ff › {name} — not run: --fail-fast after "breaks" failed"#),
            "{}",
            run.shown()
        );
    }
    let cases = xml::cases(&run.junit());
    let later = cases.iter().find(|c| c.name == "later").unwrap();
    assert_eq!(later.outcome, "skipped");
    assert_eq!(
        later.message,
        r#"not run: --fail-fast after "breaks" failed"#
    );

    // Without --fail-fast the same suite runs to the end.
    let run = dir.run().target(&demo).args(["--concurrency", "1"]).go();
    run.exits(1);
    assert_eq!(run.word("later"), "PASS");
    assert_eq!(run.word("much later"), "PASS");
}

#[test]
fn concurrency_one_runs_checks_one_at_a_time() {
    let demo = Demo::start();
    let dir = Dir::with_suite(
        r#"
suite: serial
defaults: { timeout: 5s }
checks:
  - name: waits for the last
    needs: [last]
    http: { url: "${base_url}/slow?ms=300" }
  - name: second
    http: { url: "${base_url}/slow?ms=300" }
  - name: last
    http: { url: "${base_url}/slow?ms=300" }
"#,
    );
    let run = dir.run().target(&demo).args(["--concurrency", "1"]).go();
    run.exits(0);
    for name in ["waits for the last", "second", "last"] {
        assert_eq!(run.word(name), "PASS", "{}", run.shown());
    }
    // Not a timing assertion in the noisy sense: each answer takes at least 300ms, so
    // one at a time cannot take less than 900ms, however fast the machine.
    let doc = run.json();
    assert!(
        doc["duration_ms"].as_u64().unwrap() >= 900,
        "the checks overlapped: {doc:#}"
    );
    // Output stays in suite order although "waits for the last" finished last.
    let order: Vec<&str> = run
        .stdout
        .lines()
        .filter_map(|l| l.split(" › ").nth(1)?.split(" — ").next())
        .collect();
    assert_eq!(order, ["waits for the last", "second", "last"]);
}

#[test]
fn a_gate_that_never_opens_fails_the_run_and_the_junit_report() {
    let demo = Demo::start();
    let dir = Dir::with_suite(
        r#"
suite: gated
defaults: { timeout: 1s }
ready:
  timeout: 1m
  interval: 100ms
  checks:
    - name: new build is live
      http: { url: "${base_url}/version" }
      expect: { json: { "$.build": "42" } }
checks:
  - name: storefront
    http: { url: "${base_url}/" }
"#,
    );
    // --ready-timeout overrides the suite's minute.
    let run = dir
        .run()
        .target(&demo)
        .args(["--ready-timeout", "500ms"])
        .go();
    run.exits(1);
    assert!(
        run.elapsed < Duration::from_secs(10),
        "took {:?}\n{}",
        run.elapsed,
        run.shown()
    );
    let gate = run.stdout.lines().next().unwrap();
    assert!(
        gate.starts_with("FAIL  gated — not ready after ")
            && gate.ends_with(r#": new build is live: $.build was "demo", expected "42""#),
        "{}",
        run.shown()
    );
    assert_eq!(
        run.says("storefront"),
        r#"not ready: new build is live: $.build was "demo", expected "42" (gave up after 500ms)"#
    );
    assert_eq!(run.json()["ready"][0]["passed"], false);
    let cases = xml::cases(&run.junit());
    assert_eq!(
        (cases[0].name.as_str(), cases[0].outcome.as_str()),
        ("readiness gate", "failure")
    );
    assert_eq!(cases[1].outcome, "skipped");
}
