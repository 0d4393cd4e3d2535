//! The database, cache, DNS and exec kinds through the binary, against the real
//! PostgreSQL, MariaDB and Redis of this machine (URLs from `SMOKECHECK_TEST_*_URL`; a
//! missing one is skipped loudly, or fails under `SMOKECHECK_REQUIRE_SERVICES=1`).

use crate::harness::{Dir, closed_port};
use crate::services;

/// `url` with its port, database or password replaced.
fn with(url: &str, f: impl FnOnce(&mut url::Url)) -> String {
    let mut u = url::Url::parse(url).unwrap();
    f(&mut u);
    u.to_string()
}

fn q(s: &str) -> String {
    format!("{s:?}")
}

#[test]
fn postgres_through_the_binary() {
    let Some(pg) = services::postgres_url() else {
        return;
    };
    let password = with(&pg, |u| u.set_password(Some("S3cret-Pw-99")).unwrap());
    let unknown_db = with(&pg, |u| u.set_path("/smokecheck_no_such_db"));
    let closed = with(&pg, |u| u.set_port(Some(closed_port())).unwrap());
    let suite = format!(
        r#"
suite: pg
defaults: {{ timeout: 5s }}
checks:
  - name: answers
    postgres: {{ url: {pg}, query: select 1 }}
    expect: {{ value: "1", latency_under: 5s }}
  - name: counts rows
    postgres: {{ url: {pg}, query: "select generate_series(1, 5)" }}
    expect: {{ rows_at_least: 5 }}
  - name: wrong value
    postgres: {{ url: {pg}, query: select 2 }}
    expect: {{ value: "1" }}
  - name: query error
    postgres: {{ url: {pg}, query: select * from smokecheck_no_such_table }}
  - name: unknown database
    postgres: {{ url: {unknown_db} }}
  - name: nothing listening
    postgres: {{ url: {closed} }}
  - name: password in the url
    postgres: {{ url: {password} }}
"#,
        pg = q(&pg),
        unknown_db = q(&unknown_db),
        closed = q(&closed),
        password = q(&password),
    );
    let dir = Dir::with_suite(&suite);
    let run = dir.run().go();
    run.exits(1);
    assert_eq!(run.word("answers"), "PASS", "{}", run.shown());
    assert!(
        run.says("answers").starts_with("PostgreSQL "),
        "{}",
        run.shown()
    );
    assert_eq!(run.word("counts rows"), "PASS", "{}", run.shown());
    assert!(
        run.says("wrong value").starts_with("assert: "),
        "{}",
        run.shown()
    );
    let query_error = run.says("query error");
    assert!(
        query_error.starts_with("query: ") && query_error.contains("42P01"),
        "{query_error}"
    );
    assert!(
        run.says("unknown database").starts_with("auth: "),
        "{}",
        run.shown()
    );
    assert!(
        run.says("nothing listening").starts_with("connect: "),
        "{}",
        run.shown()
    );
    assert_eq!(run.word("password in the url"), "PASS", "{}", run.shown());
    for output in [
        &run.stdout,
        &run.stderr,
        &run.file("junit.xml"),
        &run.file("report.json"),
    ] {
        assert!(
            !output.contains("S3cret-Pw-99"),
            "the URL password leaked:\n{output}"
        );
    }
    run.junit();
}

#[test]
fn mysql_through_the_binary() {
    let Some(my) = services::mysql_url() else {
        return;
    };
    let suite = format!(
        r#"
suite: my
checks:
  - name: answers
    mysql: {{ url: {my}, query: select 1 }}
    expect: {{ value: "1" }}
  - name: query error
    mysql: {{ url: {my}, query: select * from smokecheck_no_such_table }}
"#,
        my = q(&my)
    );
    let dir = Dir::with_suite(&suite);
    let run = dir.run().go();
    run.exits(1);
    assert_eq!(run.word("answers"), "PASS", "{}", run.shown());
    assert!(
        run.says("answers").starts_with("MariaDB ") || run.says("answers").starts_with("MySQL "),
        "{}",
        run.shown()
    );
    let query_error = run.says("query error");
    assert!(
        query_error.starts_with("query: ") && query_error.contains("42S02"),
        "{query_error}"
    );
}

#[test]
fn redis_dns_and_exec_through_the_binary() {
    let Some(redis) = services::redis_url() else {
        return;
    };
    let suite = format!(
        r#"
suite: infra
checks:
  - name: cache answers
    redis: {{ url: {redis} }}
  - name: missing key
    redis: {{ url: {redis}, command: [GET, smokecheck-no-such-key] }}
    expect: {{ value: "on" }}
  - name: localhost resolves
    dns: {{ name: localhost, type: A }}
    expect: {{ contains: [127.0.0.1] }}
  - name: command succeeds
    exec: {{ command: [sh, -c, "echo ready"] }}
    expect: {{ stdout_contains: ready }}
  - name: command missing
    exec: {{ command: [smokecheck-no-such-command] }}
"#,
        redis = q(&redis)
    );
    let dir = Dir::with_suite(&suite);
    let run = dir.run().go();
    run.exits(1);
    assert_eq!(run.word("cache answers"), "PASS", "{}", run.shown());
    assert!(
        run.says("cache answers").contains("PONG"),
        "{}",
        run.shown()
    );
    assert!(
        run.says("missing key").starts_with("assert: "),
        "{}",
        run.shown()
    );
    assert_eq!(run.word("localhost resolves"), "PASS", "{}", run.shown());
    assert_eq!(run.word("command succeeds"), "PASS", "{}", run.shown());
    assert_eq!(
        run.says("command missing"),
        "exec: command not found: smokecheck-no-such-command",
        "{}",
        run.shown()
    );
}
