//! The binary's planning commands: init, validate, list (filters, skip reasons, shards),
//! schema, completions, man, and the exit codes they promise.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output};

fn bin(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_smokecheck"));
    c.current_dir(dir)
        .env_remove("SMOKECHECK_ENV")
        .env_remove("SMOKECHECK_SHARD")
        .env("NO_COLOR", "1");
    c
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

const SUITE: &str = r#"
suite: shop
environments:
  staging: { base: "http://127.0.0.1:9" }
  production: { base: "http://127.0.0.1:9" }
checks:
  - name: storefront
    tags: [web, critical]
    http: { url: "${base}/" }
  - name: api
    tags: [web]
    http: { url: "${base}/api" }
  - name: db
    tags: [db]
    tcp: { host: 127.0.0.1, port: 5432 }
  - name: prod only
    only: [production]
    tcp: { host: 127.0.0.1, port: 1 }
  - name: disabled
    skip: waiting for the new cluster
    tcp: { host: 127.0.0.1, port: 1 }
"#;

fn suite_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("suites")).unwrap();
    std::fs::write(dir.path().join("suites/shop.yaml"), SUITE).unwrap();
    dir
}

#[test]
fn init_scaffolds_suites_that_validate_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".github")).unwrap();
    let out = bin(dir.path()).arg("init").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    assert!(dir.path().join("suites/smoke.yaml").is_file());
    assert!(dir.path().join("suites/environments.yaml").is_file());
    assert!(
        dir.path()
            .join(".github/workflows/smokecheck.yml")
            .is_file()
    );
    let out = bin(dir.path()).arg("validate").output().unwrap();
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(
        stdout,
        "ok: 1 suite, 9 checks (environments: staging, production)\n"
    );
    // Every kind appears in the scaffold.
    let smoke = std::fs::read_to_string(dir.path().join("suites/smoke.yaml")).unwrap();
    for kind in [
        "http:",
        "tls:",
        "postgres:",
        "mysql:",
        "redis:",
        "tcp:",
        "dns:",
        "exec:",
    ] {
        assert!(smoke.contains(kind), "{kind} missing from the scaffold");
    }
    let out = bin(dir.path()).arg("init").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out)
            .1
            .contains("already exists; init never overwrites")
    );
}

#[test]
fn init_prints_the_gitlab_job_when_gitlab_is_used() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".gitlab-ci.yml"), "stages: [test]\n").unwrap();
    let out = bin(dir.path()).arg("init").output().unwrap();
    let (stdout, _) = text(&out);
    assert!(
        stdout.contains("artifacts:\n    when: always\n    reports:\n      junit: smokecheck.xml"),
        "{stdout}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join(".gitlab-ci.yml")).unwrap(),
        "stages: [test]\n"
    );
}

#[test]
fn list_shows_the_plan_with_reasons() {
    let dir = suite_dir();
    let out = bin(dir.path())
        .args(["list", "--env", "staging", "--skip-tag", "db"])
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stdout.starts_with("shop [staging]\n"), "{stdout}");
    assert!(
        stdout.contains("storefront · http  GET http://127.0.0.1:9/ · timeout 10s, retries 0"),
        "{stdout}"
    );
    assert!(stdout.contains("skipped: --skip-tag db"), "{stdout}");
    assert!(
        stdout.contains("skipped: only runs in production"),
        "{stdout}"
    );
    assert!(
        stdout.contains("skipped: skip: waiting for the new cluster"),
        "{stdout}"
    );
    assert!(
        stdout.ends_with("2 to run, 3 skipped, in 1 group\n"),
        "{stdout}"
    );

    let out = bin(dir.path())
        .args([
            "list",
            "--env",
            "production",
            "--check",
            "prod*",
            "--tag",
            "web",
        ])
        .output()
        .unwrap();
    let (stdout, _) = text(&out);
    assert!(stdout.contains("skipped: not tagged web"), "{stdout}");
    assert!(
        stdout.ends_with("0 to run, 5 skipped, in 1 group\n"),
        "{stdout}"
    );
}

#[test]
fn list_without_env_covers_every_environment() {
    let dir = suite_dir();
    let (stdout, _) = text(&bin(dir.path()).arg("list").output().unwrap());
    assert!(
        stdout.contains("shop [staging]") && stdout.contains("shop [production]"),
        "{stdout}"
    );
}

/// Names of the checks `list` would run.
fn listed(dir: &Path, args: &[&str]) -> BTreeSet<String> {
    let (stdout, stderr) = text(&bin(dir).arg("list").args(args).output().unwrap());
    assert!(stderr.is_empty(), "{stderr}");
    stdout
        .lines()
        .filter(|l| l.trim_start().starts_with("run "))
        .map(|l| {
            l.trim_start()
                .trim_start_matches("run")
                .trim()
                .split(" · ")
                .next()
                .unwrap_or("")
                .to_string()
        })
        .collect()
}

#[test]
fn shards_partition_the_plan() {
    let dir = tempfile::tempdir().unwrap();
    let mut yaml = String::from("checks:\n");
    for i in 0..40 {
        yaml.push_str(&format!(
            "  - name: check {i}\n    tcp: {{ host: 127.0.0.1, port: 1 }}\n"
        ));
    }
    std::fs::write(dir.path().join("s.yaml"), &yaml).unwrap();
    let all = listed(dir.path(), &["s.yaml"]);
    assert_eq!(all.len(), 40);
    let mut seen = BTreeSet::new();
    for k in 1..=3 {
        let shard = listed(dir.path(), &["s.yaml", "--shard", &format!("{k}/3")]);
        assert!(!shard.is_empty(), "shard {k} is empty");
        for name in &shard {
            assert!(seen.insert(name.clone()), "{name} is in two shards");
        }
        // Stable: the same shard again, and with unrelated checks added.
        assert_eq!(
            shard,
            listed(dir.path(), &["s.yaml", "--shard", &format!("{k}/3")])
        );
    }
    assert_eq!(seen, all);
    let first = listed(dir.path(), &["s.yaml", "--shard", "1/3"]);
    yaml.push_str("  - name: a new check\n    tcp: { host: 127.0.0.1, port: 1 }\n");
    std::fs::write(dir.path().join("s.yaml"), &yaml).unwrap();
    let after: BTreeSet<_> = listed(dir.path(), &["s.yaml", "--shard", "1/3"])
        .into_iter()
        .filter(|n| n != "a new check")
        .collect();
    assert_eq!(first, after);
    let out = bin(dir.path())
        .args(["list", "s.yaml", "--shard", "4/3"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn unwritable_report_path_fails_before_running() {
    let dir = suite_dir();
    let out = bin(dir.path())
        .args(["run", "--env", "staging", "--junit", "no/such/dir/r.xml"])
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr.starts_with("error: cannot write report no/such/dir/r.xml:"),
        "{stderr}"
    );
    assert!(stdout.is_empty(), "nothing may run: {stdout}");
}

#[test]
fn missing_suites_directory_says_how_to_start() {
    let dir = tempfile::tempdir().unwrap();
    let out = bin(dir.path()).arg("validate").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).1.starts_with(
        "error: suites does not exist (create one with `smokecheck init`, or pass a suite file)"
    ));
}

#[test]
fn schema_completions_and_man_are_generated() {
    let dir = tempfile::tempdir().unwrap();
    let (schema, _) = text(&bin(dir.path()).arg("schema").output().unwrap());
    let v: serde_json::Value = serde_json::from_str(&schema).unwrap();
    assert_eq!(v["title"], "smokecheck suite");
    for shell in ["bash", "zsh", "fish"] {
        let out = bin(dir.path())
            .args(["completions", shell])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        assert!(text(&out).0.contains("smokecheck"), "{shell}");
    }
    let (man, _) = text(&bin(dir.path()).arg("man").output().unwrap());
    assert!(man.contains(".TH smokecheck"), "{man}");
}

#[test]
fn usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &["run", "--concurrency", "0"][..],
        &["run", "--timeout", "5"],
        &["frobnicate"],
        &["run", "--var", "novalue"],
    ] {
        let out = bin(dir.path()).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
}

#[test]
fn every_example_validates() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut examples: Vec<_> = std::fs::read_dir(root.join("examples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() || p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    examples.sort();
    assert!(examples.len() >= 4, "{examples:?}");
    for example in examples {
        let out = bin(root).arg("validate").arg(&example).output().unwrap();
        let (stdout, stderr) = text(&out);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}: {stderr}",
            example.display()
        );
        assert!(
            stdout.starts_with("ok: "),
            "{}: {stdout}",
            example.display()
        );
        assert!(!stderr.contains("error"), "{}: {stderr}", example.display());
    }
}
