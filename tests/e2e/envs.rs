//! Several environments in one run (`--env a,b`, `--all-envs`): each (suite, env) is its
//! own result group — its own lines, its own JUnit testsuite with `classname` =
//! `suite.env` — and environments only get the variables they declare.

use std::collections::BTreeSet;

use crate::golden::normalise;
use crate::harness::{Demo, Dir, Ran, Sc};
use crate::xml;

const ENVIRONMENTS: &str = r#"
environments:
  staging: { code: "200" }
  production: { code: "503" }
  canary: { code: "204" }
"#;

const SHOP: &str = r#"
suite: shop
defaults: { timeout: 2s }
checks:
  - name: storefront
    http: { url: "${base_url}/status/${code}" }
  - name: production only
    only: [production]
    http: { url: "${base_url}/health" }
"#;

const API: &str = r#"
suite: api
defaults: { timeout: 2s }
checks:
  - name: health
    http: { url: "${base_url}/health" }
"#;

fn run_in(demo: &Demo, dir: &Dir, args: &[&str]) -> Ran {
    Sc::new(dir.path())
        .args(["run", ".", "--format", "plain", "--color", "never"])
        .args(["--junit", "junit.xml", "--json", "report.json"])
        .target(demo)
        .args(args)
        .go()
}

fn dir() -> Dir {
    Dir::with_files(&[
        ("environments.yaml", ENVIRONMENTS),
        ("shop.yaml", SHOP),
        ("api.yaml", API),
    ])
}

#[test]
fn each_environment_is_its_own_group() {
    let demo = Demo::start();
    let dir = dir();
    let run = run_in(&demo, &dir, &["--env", "staging,production"]);
    run.exits(1);
    let lines: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with(' '))
        .collect();
    // Grouped by environment, each with every suite (files sorted).
    let lines: Vec<String> = lines[..lines.len() - 1]
        .iter()
        .map(|l| normalise(l))
        .collect();
    assert_eq!(
        lines,
        [
            "PASS  api [staging] › health — 200 OK · <t>",
            "PASS  shop [staging] › storefront — 200 OK · <t>",
            "SKIP  shop [staging] › production only — only runs in production",
            "PASS  api [production] › health — 200 OK · <t>",
            "FAIL  shop [production] › storefront — http: status 503 Service Unavailable, expected 2xx",
            "PASS  shop [production] › production only — 200 OK · <t>",
        ],
        "{}",
        run.shown()
    );
    assert!(
        run.summary().ends_with(" — staging, production"),
        "{}",
        run.summary()
    );

    let root = run.junit();
    let suites: Vec<(&str, Vec<&str>)> = root
        .all("testsuite")
        .map(|s| {
            let props = s.child("properties").unwrap();
            let prop = |name: &str| {
                props
                    .all("property")
                    .find(|p| p.get("name") == name)
                    .map(|p| p.get("value"))
                    .unwrap()
            };
            let classnames: BTreeSet<&str> =
                s.all("testcase").map(|c| c.get("classname")).collect();
            assert_eq!(classnames.len(), 1, "{s:?}");
            assert_eq!(
                classnames.first().unwrap(),
                &format!("{}.{}", prop("suite"), prop("environment")).as_str(),
            );
            (
                s.get("name"),
                s.all("testcase").map(|c| c.get("name")).collect(),
            )
        })
        .collect();
    assert_eq!(
        suites,
        [
            ("api [staging]", vec!["health"]),
            ("shop [staging]", vec!["storefront", "production only"]),
            ("api [production]", vec!["health"]),
            ("shop [production]", vec!["storefront", "production only"]),
        ]
    );
    let failed = xml::cases(&root)
        .into_iter()
        .filter(|c| c.outcome == "failure")
        .map(|c| (c.suite, c.classname, c.name))
        .collect::<Vec<_>>();
    assert_eq!(
        failed,
        [(
            "shop [production]".to_string(),
            "shop.production".to_string(),
            "storefront".to_string()
        )]
    );
    let doc = run.json();
    let envs: Vec<(&str, &str, &str)> = doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["suite"].as_str().unwrap(),
                c["env"].as_str().unwrap(),
                c["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        envs,
        [
            ("api", "staging", "passed"),
            ("shop", "staging", "passed"),
            ("shop", "staging", "skipped"),
            ("api", "production", "passed"),
            ("shop", "production", "failed"),
            ("shop", "production", "passed"),
        ]
    );

    // One environment alone is green.
    let staging = run_in(&demo, &dir, &["--env", "staging"]);
    staging.exits(0);
    assert!(staging.summary().ends_with(" — staging"));
    assert_eq!(staging.junit().all("testsuite").count(), 2);
}

#[test]
fn all_envs_covers_every_declared_environment() {
    let demo = Demo::start();
    let dir = dir();
    let run = run_in(&demo, &dir, &["--all-envs"]);
    run.exits(1);
    let names: Vec<String> = run
        .junit()
        .all("testsuite")
        .map(|s| s.get("name").to_string())
        .collect();
    assert_eq!(names.len(), 6, "{names:?}");
    for suite in ["api", "shop"] {
        for env in ["staging", "production", "canary"] {
            assert!(names.contains(&format!("{suite} [{env}]")), "{names:?}");
        }
    }
    assert!(
        run.stdout
            .contains("PASS  shop [canary] › storefront — 204 No Content · "),
        "{}",
        run.shown()
    );
}

#[test]
fn environments_must_be_chosen_and_known() {
    let demo = Demo::start();
    let dir = dir();
    // Several declared and none chosen: a usage error listing them, nothing run.
    let none = run_in(&demo, &dir, &[]);
    none.exits(2);
    for env in ["staging", "production", "canary"] {
        assert!(none.stderr.contains(env), "{}", none.shown());
    }
    assert_eq!(none.stdout, "");
    assert!(!dir.path().join("junit.xml").exists());
    let unknown = run_in(&demo, &dir, &["--env", "prod"]);
    unknown.exits(2);
    assert!(unknown.stderr.contains("prod"), "{}", unknown.shown());
    assert!(unknown.stderr.contains("production"), "{}", unknown.shown());
}
