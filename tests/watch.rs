//! `smokecheck watch` through the binary, against the built-in demo target running in
//! this test's runtime: the table after each round (plain, for a pipe), the history a
//! flaky endpoint leaves, the exit codes of `--count` rounds, suite errors, and Ctrl-C
//! both between rounds and during one.

#![expect(clippy::unwrap_used, reason = "tests may unwrap")]

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use smokecheck::demo::Target;

/// Generous bound for "promptly" on a shared, noisy machine.
const PROMPT: Duration = Duration::from_secs(10);

const SUITE: &str = r#"
suite: shop
vars:
  base: http://127.0.0.1:9
checks:
  - name: health
    http: { url: "${base}/health" }
  - name: checkout
    http: { url: "${base}/flaky?key=watch" }
"#;

/// A suite whose only check takes a minute: a round is surely in progress when it is
/// interrupted.
const SLOW_SUITE: &str = r#"
suite: slow
vars:
  base: http://127.0.0.1:9
checks:
  - name: slow page
    timeout: 2m
    http: { url: "${base}/slow?ms=60000" }
"#;

struct Fixture {
    runtime: tokio::runtime::Runtime,
    target: Option<Target>,
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new(suite: &str) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let target = runtime.block_on(smokecheck::demo::start()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("shop.yaml"), suite).unwrap();
        Fixture {
            runtime,
            target: Some(target),
            dir,
        }
    }

    fn target(&self) -> &Target {
        self.target.as_ref().unwrap()
    }

    /// `smokecheck watch shop.yaml --var base=… ARGS`, plain and colourless (a pipe).
    fn watch(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_smokecheck"));
        c.current_dir(self.dir.path())
            .env_remove("SMOKECHECK_ENV")
            .env_remove("SMOKECHECK_SHARD")
            .env_remove("CLICOLOR_FORCE")
            .env("NO_COLOR", "1")
            .env("COLUMNS", "120")
            .arg("watch")
            .arg("shop.yaml")
            .arg("--var")
            .arg(format!("base={}", self.target().http_url))
            .args(args);
        c
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        // The target's tasks must be aborted inside their runtime.
        let _guard = self.runtime.enter();
        self.target.take();
    }
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// The tables in plain output: separated by blank lines, each opening with its header.
fn split_tables(stdout: &str) -> Vec<Vec<&str>> {
    let mut out: Vec<Vec<&str>> = Vec::new();
    for line in stdout.lines() {
        if line.starts_with("smokecheck watch · ") {
            out.push(Vec::new());
        }
        if let Some(table) = out.last_mut() {
            table.push(line);
        }
    }
    out
}

/// The row of `check` in a table, split on runs of two or more spaces.
fn row<'a>(table: &[&'a str], check: &str) -> Vec<&'a str> {
    let line = table
        .iter()
        .find(|l| l.starts_with("shop ") && l.contains(&format!("  {check}  ")))
        .unwrap_or_else(|| panic!("no row for {check} in {table:#?}"));
    line.split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect()
}

#[test]
fn three_rounds_draw_the_history_of_a_flaky_endpoint() {
    let f = Fixture::new(SUITE);
    let out = f
        .watch(&["--count", "3", "--every", "100ms"])
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    // The last round is green, so the exit code is 0 although two rounds failed.
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(
        !stdout.contains('\x1b'),
        "no escape sequence in a pipe: {stdout:?}"
    );
    assert!(
        stdout.contains("\n\nsmokecheck watch · 2 runs"),
        "tables are separated by a blank line: {stdout}"
    );
    let tables = split_tables(&stdout);
    assert_eq!(tables.len(), 3, "{stdout}");
    for (n, table) in tables.iter().enumerate() {
        let runs = if n == 0 { "run" } else { "runs" };
        assert!(
            table[0].starts_with(&format!("smokecheck watch · {} {runs} · last ", n + 1)),
            "{table:#?}"
        );
        assert!(table[0].ends_with(" · every 100ms"), "{table:#?}");
        assert_eq!(
            table[3].split_whitespace().collect::<Vec<_>>(),
            ["GROUP", "CHECK", "HISTORY", "STATUS", "TIME", "LAST"]
        );
    }

    let first = &tables[0];
    assert!(first[1].starts_with("1 passed, 1 failed in "), "{first:#?}");
    let checkout = row(first, "checkout");
    assert_eq!(&checkout[..3], ["shop", "checkout", "✖"], "{checkout:?}");
    assert_eq!(checkout[3], "failed");
    assert_eq!(
        checkout[5],
        "http: status 503 Service Unavailable, expected 2xx"
    );

    let second = row(&tables[1], "checkout");
    assert_eq!(&second[2..4], ["✖✖", "failed"], "{second:?}");

    let last = &tables[2];
    assert!(last[1].starts_with("2 passed in "), "{last:#?}");
    let checkout = row(last, "checkout");
    assert_eq!(
        &checkout[..4],
        ["shop", "checkout", "✖✖✔", "passed"],
        "{checkout:?}"
    );
    assert!(checkout[5].starts_with("200 OK · "), "{checkout:?}");
    let health = row(last, "health");
    assert_eq!(
        &health[..4],
        ["shop", "health", "✔✔✔", "passed"],
        "{health:?}"
    );
}

#[test]
fn count_exits_with_the_last_rounds_code_and_retries_show_as_flaky() {
    let f = Fixture::new(SUITE);
    let out = f
        .watch(&["--count", "2", "--every", "100ms"])
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    let tables = split_tables(&stdout);
    assert_eq!(tables.len(), 2, "{stdout}");
    assert_eq!(row(&tables[1], "checkout")[2], "✖✖");

    // Same endpoint on a fresh key: with retries the first round passes on its third try.
    let f = Fixture::new(&SUITE.replace("key=watch", "key=retried"));
    let out = f
        .watch(&["--count", "2", "--every", "100ms", "--retries", "2"])
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    let tables = split_tables(&stdout);
    assert_eq!(tables.len(), 2, "{stdout}");
    let first = row(&tables[0], "checkout");
    assert_eq!(&first[2..4], ["↻", "flaky"], "{first:?}");
    assert!(
        first[5].ends_with("(passed on attempt 3 of 3)"),
        "{first:?}"
    );
    assert_eq!(&row(&tables[1], "checkout")[2..4], ["↻✔", "passed"]);
}

#[test]
fn filters_select_the_rows() {
    let f = Fixture::new(SUITE);
    let out = f
        .watch(&["--count", "1", "--check", "health", "--history", "3"])
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    let tables = split_tables(&stdout);
    assert_eq!(tables.len(), 1, "{stdout}");
    assert_eq!(
        &row(&tables[0], "health")[..4],
        ["shop", "health", "✔", "passed"]
    );
    assert!(!stdout.contains("checkout"), "{stdout}");
}

#[test]
fn suite_and_usage_errors_exit_2_before_anything_runs() {
    let f = Fixture::new(SUITE);
    std::fs::write(
        f.dir.path().join("broken.yaml"),
        "suite: broken\nchecks:\n  - name: x\n    htp: { url: \"http://127.0.0.1:9/\" }\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_smokecheck"))
        .current_dir(f.dir.path())
        .env("NO_COLOR", "1")
        .args(["watch", "broken.yaml", "--count", "1"])
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stdout}\n{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(stderr.contains("broken.yaml:4"), "{stderr}");

    for bad in [
        ["--every", "10ms"],
        ["--every", "soon"],
        ["--count", "0"],
        ["--history", "0"],
    ] {
        let out = f.watch(&bad).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad:?}: {:?}", text(&out));
        assert!(out.stdout.is_empty());
    }
    assert_eq!(f.target().connections_accepted(), 0, "nothing ran");
}

/// Sends SIGINT to `child` (through kill(1): the crate forbids `unsafe`).
fn interrupt(child: &Child) {
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// Waits for `child` to exit, at most `PROMPT`; kills it and fails the test otherwise.
fn wait_promptly(child: &mut Child) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if start.elapsed() > PROMPT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("watch did not stop within {PROMPT:?} of SIGINT");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn ctrl_c_between_rounds_stops_at_once_with_130() {
    let f = Fixture::new(SUITE);
    let mut child = f
        .watch(&["--every", "1h"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait for the first table (its last row), then interrupt the hour-long wait.
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut all = String::new();
        for line in BufReader::new(stdout).lines() {
            let line = line.unwrap();
            if line.contains("  checkout  ") {
                let _ = tx.send(());
            }
            all.push_str(&line);
            all.push('\n');
        }
        all
    });
    if rx.recv_timeout(Duration::from_secs(60)).is_err() {
        let _ = child.kill();
        panic!("no table within a minute: {}", reader.join().unwrap());
    }
    interrupt(&child);
    let status = wait_promptly(&mut child);
    let stdout = reader.join().unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(status.code(), Some(130), "{stdout}\n{stderr}");
    assert_eq!(split_tables(&stdout).len(), 1, "{stdout}");
    assert!(
        stderr.contains("watch stopped after 1 complete run"),
        "{stderr}"
    );
}

#[test]
fn ctrl_c_during_a_round_cancels_it_and_exits_130() {
    let f = Fixture::new(SLOW_SUITE);
    let mut child = f
        .watch(&["--every", "1h"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The request reached the target: the round is in progress (and the signal handler,
    // installed before the first round, is in place).
    let start = Instant::now();
    while f.target().connections_accepted() == 0 {
        if start.elapsed() > Duration::from_secs(60) || child.try_wait().unwrap().is_some() {
            let _ = child.kill();
            panic!("the round never reached the target");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    interrupt(&child);
    let status = wait_promptly(&mut child);
    let out = child.wait_with_output().unwrap();
    let (stdout, stderr) = text(&out);
    assert_eq!(status.code(), Some(130), "{stdout}\n{stderr}");
    assert!(
        stdout.is_empty(),
        "an interrupted round draws nothing: {stdout}"
    );
    assert!(
        stderr.contains("watch stopped after 0 complete runs"),
        "{stderr}"
    );
}

#[test]
fn every_round_opens_its_own_connections() {
    // A connection kept alive from the last round would skip DNS, connect and the TLS
    // handshake: a certificate rotated to a bad one, or an address that stopped
    // answering, would stay hidden for as long as the server keeps the connection open.
    let f = Fixture::new(SUITE);
    let out = f
        .watch(&["--count", "3", "--every", "100ms", "--check", "health"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    assert_eq!(f.target().connections_accepted(), 3);
}
