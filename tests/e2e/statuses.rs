//! The statuses a run reports and what they do to the exit code: retries and `flaky`,
//! `needs` (skipped with the reason, cascading), `skip:`, `only:`, `severity: warning`,
//! and `--strict`.

use std::thread;

use crate::harness::{Demo, Dir, Ran, unique};
use crate::xml;

const SUITE: &str = r#"
suite: statuses
defaults: { timeout: 2s, retry_delay: 20ms }
environments:
  staging: {}
  production: {}
checks:
  - name: warms up
    retries: 3
    http: { url: "${base_url}/flaky?key=${flaky_key}" }
  - name: never recovers
    retries: 1
    http: { url: "${base_url}/status/503" }
  - name: after the failure
    needs: [never recovers]
    http: { url: "${base_url}/health" }
  - name: after the skipped one
    needs: [after the failure]
    http: { url: "${base_url}/health" }
  - name: after the flaky one
    needs: [warms up]
    http: { url: "${base_url}/health" }
  - name: disabled
    skip: waiting for the new cluster
    http: { url: "${base_url}/health" }
  - name: production only
    only: [production]
    http: { url: "${base_url}/health" }
  - name: degraded search
    severity: warning
    http: { url: "${base_url}/degraded" }
    expect: { json: { "$.status": ok } }
  - name: after the warning
    needs: [degraded search]
    http: { url: "${base_url}/health" }
"#;

fn run(demo: &Demo, dir: &Dir, args: &[&str]) -> Ran {
    dir.run()
        .target(demo)
        .args(["--env", "staging", "--var"])
        .arg(format!("flaky_key={}", unique("flaky")))
        .args(args)
        .go()
}

#[test]
fn retries_needs_skip_and_only_say_why() {
    let demo = Demo::start();
    let dir = Dir::with_suite(SUITE);
    let run = run(&demo, &dir, &[]);
    // "never recovers" is critical and failed.
    run.exits(1);

    let flaky = run.line("warms up");
    assert!(
        flaky.starts_with("FLAKY statuses [staging] › warms up — 200 OK · ")
            && flaky.ends_with(" (passed on attempt 3 of 4)"),
        "{}",
        run.shown()
    );
    let attempts = run.under("warms up");
    assert_eq!(attempts.len(), 2, "{}", run.shown());
    for (i, line) in attempts.iter().enumerate() {
        assert!(
            line.starts_with(&format!("attempt {} of 4 · ", i + 1))
                && line.ends_with(" · http: status 503 Service Unavailable, expected 2xx"),
            "{line}"
        );
    }
    assert_eq!(
        run.line("never recovers"),
        "FAIL  statuses [staging] › never recovers — http: status 503 Service Unavailable, expected 2xx"
    );
    assert!(
        run.under("never recovers")
            .iter()
            .any(|l| l.starts_with("attempt 1 of 2 · ")),
        "{}",
        run.shown()
    );
    for (name, reason) in [
        (
            "after the failure",
            r#"needs "never recovers", which failed"#,
        ),
        (
            "after the skipped one",
            r#"needs "after the failure", which was skipped"#,
        ),
        ("disabled", "skip: waiting for the new cluster"),
        ("production only", "only runs in production"),
    ] {
        assert_eq!(
            run.line(name),
            format!("SKIP  statuses [staging] › {name} — {reason}"),
        );
        assert_eq!(run.check(name)["status"], "skipped");
        assert_eq!(run.check(name)["message"], reason);
    }
    // flaky and warned prerequisites count as passed.
    assert_eq!(run.word("after the flaky one"), "PASS");
    assert_eq!(run.word("after the warning"), "PASS");
    assert_eq!(
        run.line("degraded search"),
        r#"WARN  statuses [staging] › degraded search — assert: $.status was "degraded", expected "ok""#
    );
    assert!(
        run.summary()
            .starts_with("2 passed, 1 failed, 1 flaky, 1 warned, 4 skipped in "),
        "{}",
        run.shown()
    );
    assert!(run.summary().ends_with(" — staging"), "{}", run.summary());

    // JSON: every attempt, statuses as documented.
    let doc = run.json();
    let totals = &doc["totals"];
    assert_eq!(
        [
            &totals["passed"],
            &totals["flaky"],
            &totals["warned"],
            &totals["failed"],
            &totals["skipped"]
        ],
        [2, 1, 1, 1, 4],
        "{doc:#}"
    );
    let flaky = run.check("warms up");
    assert_eq!(flaky["status"], "flaky");
    assert_eq!(flaky["env"], "staging");
    let statuses: Vec<&str> = flaky["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["failed", "failed", "passed"]);
    assert_eq!(
        flaky["message"],
        "status 503 Service Unavailable, expected 2xx"
    );
    assert_eq!(
        run.check("never recovers")["attempts"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(run.check("degraded search")["status"], "warned");

    // JUnit: flaky passes with a flakyFailure per failed attempt; the failure keeps its
    // earlier attempt as a rerun; skipped carries the reason; warned passes with the
    // warning first in system-out.
    let cases = xml::cases(&run.junit());
    let case = |name: &str| cases.iter().find(|c| c.name == name).unwrap();
    assert_eq!(case("warms up").outcome, "");
    assert_eq!(case("warms up").reruns, ["flakyFailure", "flakyFailure"]);
    assert_eq!(case("never recovers").outcome, "failure");
    assert_eq!(case("never recovers").reruns, ["rerunFailure"]);
    assert_eq!(case("after the failure").outcome, "skipped");
    assert_eq!(
        case("after the failure").message,
        r#"needs "never recovers", which failed"#
    );
    assert_eq!(case("production only").message, "only runs in production");
    assert_eq!(case("degraded search").outcome, "");
    assert!(
        case("degraded search")
            .system_out
            .starts_with(r#"warning: assert: $.status was "degraded", expected "ok""#),
        "{:?}",
        case("degraded search")
    );
    assert!(cases.iter().all(|c| c.classname == "statuses.staging"));
}

#[test]
fn warnings_and_flaky_pass_the_run_unless_strict() {
    let demo = Demo::start();
    let dir = Dir::with_suite(SUITE);
    let select = ["--check", "warms up", "--check", "degraded search"];
    let [plain, strict, strict_warned, strict_flaky, strict_skipped] = thread::scope(|s| {
        [
            s.spawn(|| run(&demo, &dir, &select)),
            s.spawn(|| run(&demo, &dir, &[&select[..], &["--strict"]].concat())),
            s.spawn(|| run(&demo, &dir, &["--strict", "--check", "degraded search"])),
            s.spawn(|| run(&demo, &dir, &["--strict", "--check", "warms up"])),
            s.spawn(|| run(&demo, &dir, &["--strict", "--check", "after the warning"])),
        ]
        .map(|h| h.join().unwrap())
    });
    plain.exits(0);
    assert_eq!(plain.word("warms up"), "FLAKY");
    assert_eq!(plain.word("degraded search"), "WARN");
    assert!(
        plain
            .summary()
            .starts_with("0 passed, 1 flaky, 1 warned, 7 skipped in "),
        "{}",
        plain.shown()
    );
    for run in [&strict, &strict_warned, &strict_flaky] {
        run.exits(1);
    }
    assert_eq!(strict_warned.word("degraded search"), "WARN");
    assert_eq!(strict_flaky.word("warms up"), "FLAKY");
    // Skipped checks do not fail a --strict run (a prerequisite filtered out by --check
    // skips its dependent, as documented).
    strict_skipped.exits(0);
    assert_eq!(
        strict_skipped.says("after the warning"),
        r#"needs "degraded search", which was skipped"#
    );
}
