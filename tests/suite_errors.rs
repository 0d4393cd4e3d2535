//! Suite errors through the real binary: each bad input prints `file:line:column: message`
//! (pinned here word for word), a source line with a caret, and exits 2 — every problem
//! of a file at once, never a panic.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_smokecheck"));
    c.env_remove("SMOKECHECK_ENV").env("NO_COLOR", "1");
    c
}

fn write(dir: &Path, name: &str, text: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs `smokecheck validate <file>` in `dir` and returns (exit code, stderr).
fn validate(dir: &Path, file: &str, extra: &[&str]) -> (i32, String, Output) {
    let out = bin()
        .current_dir(dir)
        .arg("validate")
        .arg(file)
        .args(extra)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (out.status.code().unwrap_or(-1), stderr, out)
}

/// The `file:line:col: level: message` lines of stderr.
fn headlines(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| {
            l.starts_with("s.yaml:") || l.starts_with("error:") || l.starts_with("warning:")
        })
        .collect()
}

const CASES: &[(&str, &str, &[&str])] = &[
    (
        "yaml syntax",
        "checks:\n  - name: a\n    http: { url: \"http://x\"\n",
        &["s.yaml:3:11: error: invalid YAML: unclosed bracket '{'"],
    ),
    (
        "unknown field with suggestion",
        "checks:\n  - name: a\n    timout: 5s\n    tcp: { host: x, port: 1 }\n",
        &["s.yaml:3:5: error: unknown field `timout` in a check (did you mean `timeout`?)"],
    ),
    (
        "unknown top-level field",
        "chekcs: []\n",
        &["s.yaml:1:1: error: unknown field `chekcs` in a suite file (did you mean `checks`?)"],
    ),
    (
        "wrong type",
        "checks:\n  - name: a\n    tags: { a: 1 }\n    tcp: { host: x, port: 1 }\n",
        &["s.yaml:3:11: error: `tags` must be a string or a list of strings, found a mapping"],
    ),
    (
        "two kinds",
        "checks:\n  - name: a\n    tcp: { host: x, port: 1 }\n    http: { url: \"http://x\" }\n",
        &[
            "s.yaml:4:5: error: a check needs exactly one of http, tls, postgres, mysql, redis, tcp, dns, exec; found http and tcp",
        ],
    ),
    (
        "no kind",
        "checks:\n  - name: a\n",
        &[
            "s.yaml:2:5: error: a check needs exactly one of http, tls, postgres, mysql, redis, tcp, dns, exec; found none",
        ],
    ),
    (
        "expect key of another kind",
        "checks:\n  - name: a\n    http: { url: \"http://x\" }\n    expect: { valid_for: 3d }\n",
        &[
            "s.yaml:4:15: error: `expect.valid_for` does not apply to http checks (it applies to tls)",
        ],
    ),
    (
        "duplicate check names",
        "checks:\n  - name: a\n    tcp: { host: x, port: 1 }\n  - name: a\n    tcp: { host: x, port: 1 }\n",
        &[
            "s.yaml:4:5: error: duplicate check name `a` (first defined at line 2): names must be unique in a suite",
        ],
    ),
    (
        "unknown needs",
        "checks:\n  - name: a\n    needs: [orders databse]\n    tcp: { host: x, port: 1 }\n  - name: orders database\n    tcp: { host: x, port: 1 }\n",
        &[
            "s.yaml:3:12: error: `needs` names unknown check `orders databse` (did you mean `orders database`?)",
        ],
    ),
    (
        "cyclic needs",
        "checks:\n  - name: a\n    needs: [b]\n    tcp: { host: x, port: 1 }\n  - name: b\n    needs: [a]\n    tcp: { host: x, port: 1 }\n",
        &["s.yaml:3:12: error: cyclic `needs`: a → b → a"],
    ),
    (
        "bad duration",
        "checks:\n  - name: a\n    timeout: 5 seconds\n    tcp: { host: x, port: 1 }\n",
        &[
            "s.yaml:3:14: error: bad duration for `timeout`: unknown unit ` seconds` in `5 seconds` (use ms, s, m, h or d)",
        ],
    ),
    (
        "bad regex",
        "checks:\n  - name: a\n    http: { url: \"http://x\" }\n    expect: { body_matches: \"(\" }\n",
        &["s.yaml:4:29: error: bad regex in `body_matches`: unclosed group"],
    ),
    (
        "bad jsonpath",
        "checks:\n  - name: a\n    http: { url: \"http://x\" }\n    expect: { json: { \"status\": ok } }\n",
        &["s.yaml:4:23: error: bad JSONPath `status`: at position 0, parser error"],
    ),
    (
        "bad url",
        "checks:\n  - name: a\n    http: { url: \"not a url\" }\n",
        &["s.yaml:3:18: error: bad URL \"not a url\" in `url`: relative URL without a base"],
    ),
    (
        "unknown variable",
        "vars: { base_url: \"http://x\" }\nchecks:\n  - name: a\n    http: { url: \"${base_ulr}/health\" }\n",
        &[
            "s.yaml:4:18: error: unknown variable `base_ulr` in `${base_ulr}` (did you mean `base_url`?)",
        ],
    ),
    (
        "missing env var",
        "checks:\n  - name: a\n    http: { url: \"http://x/${env:SMOKECHECK_TEST_SURELY_UNSET}\" }\n",
        &[
            "s.yaml:3:18: error: environment variable `SMOKECHECK_TEST_SURELY_UNSET` is not set (used here as `${env:SMOKECHECK_TEST_SURELY_UNSET}`; give a default with `${env:SMOKECHECK_TEST_SURELY_UNSET:-value}`)",
        ],
    ),
    (
        "no checks",
        "suite: empty\nchecks: []\n",
        &[
            "s.yaml:1:1: error: no checks found: a suite file needs a `checks:` list (see `smokecheck init`)",
        ],
    ),
    (
        "empty file",
        "",
        &[
            "s.yaml:1:1: error: empty suite file: expected `checks:` (and optionally `suite:`, `vars:`, `environments:`)",
        ],
    ),
    (
        "binary file",
        "checks:\n\0\u{1}\u{2}",
        &["s.yaml:2:1: error: not a text file: binary data (NUL byte)"],
    ),
];

#[test]
fn every_bad_input_is_located_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for (name, yaml, expected) in CASES {
        write(dir.path(), "s.yaml", yaml.as_bytes());
        // `run`, not `validate`: unset env vars are errors only there.
        let out = bin()
            .current_dir(dir.path())
            .args(["run", "s.yaml"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        let got = headlines(&stderr);
        if out.status.code() != Some(2) || got != *expected {
            failures.push(format!(
                "--- {name}: exit {:?}\nexpected {expected:#?}\ngot {got:#?}\n{stderr}",
                out.status.code()
            ));
        }
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn all_problems_of_a_file_are_reported_at_once_with_caret() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = "checks:\n  - name: a\n    timout: 5s\n    tcp: { host: x, port: 70000 }\n  - name: b\n    dns: { name: x, type: SRV }\n";
    write(dir.path(), "s.yaml", yaml.as_bytes());
    let (code, stderr, _) = validate(dir.path(), "s.yaml", &[]);
    assert_eq!(code, 2);
    assert_eq!(
        stderr,
        "s.yaml:3:5: error: unknown field `timout` in a check (did you mean `timeout`?)\n  |\n3 |     timout: 5s\n  |     ^^^^^^\n\
         s.yaml:4:27: error: `port` must be a port between 1 and 65535, found 70000\n  |\n4 |     tcp: { host: x, port: 70000 }\n  |                           ^^^^^\n\
         s.yaml:6:27: error: `type` must be one of A, AAAA, CNAME, MX, TXT, NS, found \"SRV\"\n  |\n6 |     dns: { name: x, type: SRV }\n  |                           ^^^\n\
         3 errors found; nothing was run\n"
    );
}

#[test]
fn undeclared_env_lists_the_declared_ones() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = "environments:\n  staging: { u: a }\n  production: { u: b }\nchecks:\n  - name: a\n    tcp: { host: \"${u}\", port: 1 }\n";
    write(dir.path(), "s.yaml", yaml.as_bytes());
    let (code, stderr, _) = validate(dir.path(), "s.yaml", &["--env", "prod"]);
    assert_eq!(code, 2);
    assert_eq!(
        headlines(&stderr),
        [
            "error: unknown environment `prod` (did you mean `production`?); declared: staging, production"
        ]
    );
    // `run` with several environments and no --env is a usage error listing them.
    let out = bin()
        .current_dir(dir.path())
        .args(["run", "s.yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("several environments are declared (staging, production)")
    );
}

#[test]
fn variable_missing_in_one_environment_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = "environments:\n  staging: {}\n  production: { db: x }\nchecks:\n  - name: a\n    tcp: { host: \"${db}\", port: 1 }\n";
    write(dir.path(), "s.yaml", yaml.as_bytes());
    let (code, stderr, _) = validate(dir.path(), "s.yaml", &[]);
    assert_eq!(code, 2);
    assert_eq!(
        headlines(&stderr),
        [
            "s.yaml:6:18: error: variable `db` is not defined for environment `staging` (it is defined for production)"
        ]
    );
}

#[test]
fn conflicting_environment_values_across_files_are_an_error() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "a.yaml",
        b"environments:\n  prod: { base: x }\n",
    );
    write(dir.path(), "b.yaml", b"environments:\n  prod: { base: y }\nchecks:\n  - name: a\n    tcp: { host: \"${base}\", port: 1 }\n");
    let out = bin()
        .current_dir(dir.path())
        .args(["validate", "."])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with("./b.yaml:2:11: error: environment `prod` sets `base` to a different value than ./a.yaml:2:17 does"), "{stderr}");
}

#[test]
fn secrets_are_only_warnings_under_validate_and_never_printed() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = "checks:\n  - name: a\n    postgres: { url: \"${secret:SMOKECHECK_TEST_DB_URL}\" }\n    expect: { value: \"${secret:SMOKECHECK_TEST_PW}\" }\n";
    write(dir.path(), "s.yaml", yaml.as_bytes());
    let (code, stderr, out) = validate(dir.path(), "s.yaml", &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("s.yaml:3:22: warning: secret `SMOKECHECK_TEST_DB_URL` is not set"),
        "{stderr}"
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "ok: 1 suite, 1 check (no environments)\n"
    );
    // Set, the secret never appears: not in list, not in errors.
    let out = bin()
        .current_dir(dir.path())
        .env("SMOKECHECK_TEST_DB_URL", "postgres://u:hunter2@db/x")
        .env("SMOKECHECK_TEST_PW", "tiger-tiger")
        .args(["list", "s.yaml"])
        .output()
        .unwrap();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(0), "{all}");
    assert!(
        !all.contains("hunter2") && !all.contains("tiger-tiger"),
        "{all}"
    );
    assert!(all.contains("a · postgres ****"), "{all}");
}
