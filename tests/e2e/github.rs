//! GitHub Actions: with `GITHUB_ACTIONS=true` a run prints workflow-command annotations
//! and appends a Markdown table to `$GITHUB_STEP_SUMMARY`; `--no-ci-annotations` turns
//! both off; `--format github` turns them on anywhere.

use crate::harness::{Demo, Dir, Ran};

const SUITE: &str = r#"
suite: gh
defaults: { timeout: 2s, retry_delay: 10ms }
checks:
  - name: storefront
    http: { url: "${base_url}/" }
  - name: health
    http: { url: "${base_url}/status/503" }
  - name: checkout
    retries: 2
    http: { url: "${base_url}/flaky?key=${flaky_key}" }
  - name: search
    severity: warning
    http: { url: "${base_url}/degraded" }
    expect: { json: { "$.status": ok } }
"#;

/// Earlier steps' summaries are kept: smokecheck appends.
const EARLIER: &str = "## build\n\nok\n";

fn run(demo: &Demo, dir: &Dir, key: &str, github: bool, args: &[&str]) -> Ran {
    run_as(demo, dir, "plain", key, github, args)
}

fn run_as(demo: &Demo, dir: &Dir, format: &str, key: &str, github: bool, args: &[&str]) -> Ran {
    let summary = dir.path().join(format!("summary-{key}.md"));
    std::fs::write(&summary, EARLIER).unwrap();
    let mut sc = dir.run_as(format);
    sc.target(demo)
        .args(["--var", &format!("flaky_key={key}")])
        .args(args)
        .env("GITHUB_STEP_SUMMARY", &summary);
    if github {
        sc.env("GITHUB_ACTIONS", "true");
    }
    sc.go()
}

fn annotations(run: &Ran) -> Vec<&str> {
    run.stdout.lines().filter(|l| l.starts_with("::")).collect()
}

#[test]
fn annotations_and_step_summary_under_github_actions() {
    let demo = Demo::start();
    let dir = Dir::with_suite(SUITE);
    let run = run(&demo, &dir, "on", true, &[]);
    run.exits(1);
    // The plain lines are still there, before the annotations.
    assert_eq!(run.word("health"), "FAIL");
    let notes = annotations(&run);
    assert_eq!(notes.len(), 3, "{}", run.shown());
    assert_eq!(
        notes[0],
        "::error file=suite.yaml,line=7,title=gh › health::http: status 503 Service Unavailable, expected 2xx"
    );
    assert!(
        notes[1]
            .starts_with("::warning file=suite.yaml,line=9,title=gh › checkout::flaky: 200 OK · "),
        "{}",
        notes[1]
    );
    assert!(
        notes[1].contains(" (passed on attempt 3 of 3)%0Aattempt 1 of 3 · "),
        "{}",
        notes[1]
    );
    assert_eq!(
        notes[2],
        "::warning file=suite.yaml,line=12,title=gh › search::assert: $.status was \"degraded\", expected \"ok\""
    );
    let summary = std::fs::read_to_string(dir.path().join("summary-on.md")).unwrap();
    let added = summary
        .strip_prefix(EARLIER)
        .unwrap_or_else(|| panic!("the step summary was not appended to:\n{summary}"));
    assert!(
        added.starts_with("### ❌ smokecheck: 1 passed, 1 failed, 1 flaky, 1 warned in "),
        "{added}"
    );
    // Failures first, then warned, flaky, passed.
    let rows: Vec<&str> = added.lines().filter(|l| l.starts_with("| ")).collect();
    let order: Vec<&str> = rows
        .iter()
        .skip(1) // the header
        .map(|r| r.split(" | ").nth(1).unwrap())
        .collect();
    assert_eq!(
        order,
        [
            "gh › health",
            "gh › search",
            "gh › checkout",
            "gh › storefront"
        ],
        "{added}"
    );
}

#[test]
fn no_ci_annotations_turns_both_off_and_format_github_turns_them_on() {
    let demo = Demo::start();
    let dir = Dir::with_suite(SUITE);
    let off = run(&demo, &dir, "off", true, &["--no-ci-annotations"]);
    off.exits(1);
    assert_eq!(annotations(&off), Vec::<&str>::new(), "{}", off.shown());
    assert_eq!(
        std::fs::read_to_string(dir.path().join("summary-off.md")).unwrap(),
        EARLIER
    );
    assert_eq!(off.word("health"), "FAIL");

    // Outside GitHub Actions: nothing, unless asked for with --format github.
    let outside = run(&demo, &dir, "outside", false, &[]);
    assert!(annotations(&outside).is_empty(), "{}", outside.shown());
    let asked = run_as(&demo, &dir, "github", "asked", false, &[]);
    asked.exits(1);
    assert_eq!(annotations(&asked).len(), 3, "{}", asked.shown());
    assert_eq!(asked.word("storefront"), "PASS");
    let summary = std::fs::read_to_string(dir.path().join("summary-asked.md")).unwrap();
    assert!(summary.contains("### ❌ smokecheck: "), "{summary}");
}

#[test]
fn format_json_under_github_actions_keeps_stdout_json() {
    let demo = Demo::start();
    let dir = Dir::with_suite(SUITE);
    let run = run_as(&demo, &dir, "json", "json", true, &[]);
    run.exits(1);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("stdout is not one JSON document: {e}\n{}", run.shown()));
    assert_eq!(doc["totals"]["failed"], 1);
    // The annotations still reach the runner, which reads workflow commands on stderr too.
    assert!(
        run.stderr
            .lines()
            .any(|l| l.starts_with("::error file=suite.yaml,line=7,title=gh › health::")),
        "{}",
        run.shown()
    );
}
