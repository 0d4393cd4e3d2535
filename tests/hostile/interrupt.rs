//! Ctrl-C and SIGTERM at random moments of a run of 100 checks: exit 130, both reports
//! written and well-formed, every check the terminal showed as finished is in them with
//! the same status, the rest `skipped` "interrupted"; and a second signal ends a run whose
//! graceful shutdown is stuck, at once.

use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::harness::{Rng, Running, SuiteDir, assert_junit_valid, demo_url, heavy, q};

const CHECKS: usize = 100;

/// Sends `signal` (`INT`, `TERM`) with kill(1): no `unsafe` needed in the tests.
fn kill(pid: i32, signal: &str) {
    let status = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(pid.to_string())
        .status()
        .unwrap();
    assert!(status.success(), "kill -{signal} {pid} failed");
}

/// 100 checks against the demo target: fast passes, fast failures, warnings, flaky ones
/// and slow ones; the last few are very slow so the run is always still going when the
/// signal comes.
fn suite(rng: &mut Rng, round: usize) -> String {
    let demo = demo_url();
    let mut s =
        String::from("suite: sig\ndefaults: { timeout: 60s, retry_delay: 10ms }\nchecks:\n");
    for i in 0..CHECKS {
        let name = format!("c{i:03}");
        let item = if i >= CHECKS - 3 {
            format!("http: {{ url: {} }}", q(&format!("{demo}/slow?ms=40000")))
        } else {
            match i % 5 {
                0 => format!("http: {{ url: {} }}", q(&format!("{demo}/health"))),
                1 => {
                    let ms = 100 + rng.below(3000);
                    format!("http: {{ url: {} }}", q(&format!("{demo}/slow?ms={ms}")))
                }
                2 => format!("http: {{ url: {} }}", q(&format!("{demo}/status/503"))),
                3 => format!(
                    "severity: warning\n    http: {{ url: {} }}",
                    q(&format!("{demo}/status/500"))
                ),
                _ => format!(
                    "retries: 2\n    http: {{ url: {} }}",
                    q(&format!("{demo}/flaky?key=sig-{round}-{i}-{}", rng.next()))
                ),
            }
        };
        s.push_str(&format!("  - name: {name}\n    {item}\n"));
    }
    s
}

/// `check name → status` from plain terminal lines (`PASS  sig › c001 — …`).
fn terminal_statuses(lines: &[(Instant, String)]) -> HashMap<String, (Instant, String)> {
    let mut out = HashMap::new();
    for (at, line) in lines {
        let rest = line.as_str();
        let word = rest.get(..5).unwrap_or_default().trim();
        let status = match word {
            "PASS" => "passed",
            "FLAKY" => "flaky",
            "WARN" => "warned",
            "FAIL" => "failed",
            "TIME" => "timed_out",
            "SKIP" => "skipped",
            _ => continue,
        };
        let Some(after) = rest.split_once(" › ") else {
            continue;
        };
        let name = after.1.split(" — ").next().unwrap_or_default().to_string();
        out.insert(name, (*at, status.to_string()));
    }
    out
}

/// `testcase name → what it holds` (`passed`, `skipped`, `failure`) from the JUnit text.
fn junit_statuses(xml: &str) -> HashMap<String, &'static str> {
    let mut out = HashMap::new();
    for chunk in xml.split("<testcase ").skip(1) {
        let Some(name) = chunk
            .split_once("name=\"")
            .and_then(|(_, r)| r.split_once('"'))
            .map(|(n, _)| n.to_string())
        else {
            continue;
        };
        let body = match chunk.find("/>") {
            // `<testcase … />`: nothing inside.
            Some(end) if !chunk[..end].contains('>') => "",
            _ => chunk.split("</testcase>").next().unwrap_or_default(),
        };
        let kind = if body.contains("<skipped") {
            "skipped"
        } else if body.contains("<failure") {
            "failure"
        } else {
            "passed"
        };
        out.insert(name, kind);
    }
    out
}

fn junit_kind(status: &str) -> &'static str {
    match status {
        "skipped" => "skipped",
        "failed" | "timed_out" => "failure",
        _ => "passed",
    }
}

#[expect(
    clippy::print_stderr,
    reason = "the timing of each round is shown with a failure"
)]
fn interrupted_once(rng: &mut Rng, round: usize, signal: &str) {
    let dir = SuiteDir::new(&suite(rng, round));
    let cmd = dir.run_cmd(&["--concurrency", "8"]);
    let mut running = Running::spawn(cmd);
    // The handler is installed before the first check starts, and c000 is fast: once its
    // line is out, a signal lands in the run proper.
    assert!(
        running.wait_line(Duration::from_secs(20), |l| l.contains("› c000 —")),
        "the run did not start: {:?}",
        running.lines()
    );
    let delay = Duration::from_millis(rng.below(4000));
    std::thread::sleep(delay);
    let sent = Instant::now();
    kill(running.pid(), signal);
    let run = running.finish(Duration::from_secs(60));
    let ctx = format!("round {round}, SIG{signal} after {delay:?}\n{}", run.show());
    assert_eq!(run.code, Some(130), "{ctx}");
    assert!(
        run.stdout
            .lines()
            .last()
            .unwrap_or_default()
            .ends_with("(interrupted)"),
        "{ctx}"
    );

    let report: Value = dir.json();
    assert_eq!(report["interrupted"], true, "{ctx}");
    let checks = report["checks"].as_array().unwrap();
    assert_eq!(checks.len(), CHECKS, "{ctx}");
    assert_junit_valid(&dir.file("junit.xml"));
    assert_eq!(
        dir.strays(&["junit.xml", "report.json"]),
        Vec::<String>::new(),
        "{ctx}"
    );

    let terminal = terminal_statuses(&run.lines);
    let junit = junit_statuses(&dir.junit());
    let mut finished_before = 0;
    let mut interrupted = 0;
    for c in checks {
        let name = c["name"].as_str().unwrap();
        let status = c["status"].as_str().unwrap();
        let (at, shown) = terminal
            .get(name)
            .unwrap_or_else(|| panic!("{name} has no terminal line\n{ctx}"));
        assert_eq!(shown, status, "{name}: terminal vs JSON\n{ctx}");
        assert_eq!(
            junit.get(name).copied(),
            Some(junit_kind(status)),
            "{name} ({status}): JUnit vs JSON\n{ctx}"
        );
        if status == "skipped" {
            assert_eq!(c["message"], "interrupted", "{name}\n{ctx}");
            // Shown as finished before the signal, yet reported as interrupted: wrong.
            assert!(*at >= sent, "{name} was shown before the signal\n{ctx}");
            interrupted += 1;
        } else if *at < sent {
            finished_before += 1;
        }
    }
    // The three 40-second checks cannot have finished.
    assert!(interrupted >= 3, "{ctx}");
    eprintln!(
        "round {round}: SIG{signal} after {delay:?}: {finished_before} shown before it, {interrupted} interrupted"
    );
}

#[test]
fn sigint_and_sigterm_at_random_moments_keep_reports_whole() {
    let _serial = heavy();
    let mut rng = Rng::seeded("interrupt timing");
    for round in 0..4 {
        let signal = if round % 2 == 0 { "INT" } else { "TERM" };
        interrupted_once(&mut rng, round, signal);
    }
}

/// A graceful shutdown that cannot finish (stdout is a pipe nobody reads: the terminal
/// reporter is blocked writing) is ended by a second signal, at once, with 130 and no
/// report (the documented behaviour of a second Ctrl-C).
#[test]
fn a_second_signal_exits_at_once() {
    let _serial = heavy();
    let demo = demo_url();
    let mut suite = String::from("suite: stuck\nchecks:\n");
    for i in 0..400 {
        suite.push_str(&format!(
            "  - name: check {i:03}\n    http: {{ url: {} }}\n",
            q(&format!("{demo}/health"))
        ));
    }
    let dir = SuiteDir::new(&suite);
    let mut cmd: Command = dir.run_cmd(&["-v"]);
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = cmd.spawn().unwrap();
    // Held, never read: after 64 KiB the binary blocks writing its output.
    let stdout = child.stdout.take().unwrap();
    let pid = i32::try_from(child.id()).unwrap();
    std::thread::sleep(Duration::from_secs(3));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the run ended before its output filled the pipe"
    );
    kill(pid, "INT");
    std::thread::sleep(Duration::from_secs(1));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the first signal should leave the stuck run waiting (graceful)"
    );
    let second = Instant::now();
    kill(pid, "TERM");
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if second.elapsed() > Duration::from_secs(5) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("still running 5s after the second signal");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    drop(stdout);
    assert_eq!(status.code(), Some(130));
    // No report: the second signal does not wait for anything, and leaves no temp file.
    assert!(!dir.file("report.json").exists());
    assert!(!dir.file("junit.xml").exists());
    assert_eq!(
        dir.strays(&[]),
        Vec::<String>::new(),
        "nothing but the suite in the dir"
    );
}
