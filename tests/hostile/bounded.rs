//! The whole run is bounded: fifty hostile checks at once, each with a timeout far longer
//! than `--deadline 3s`, and the process still exits within the deadline plus a few
//! seconds, with exit code 1 and both reports written.

use std::net::SocketAddr;
use std::time::Duration;

use crate::harness::{SuiteDir, assert_junit_valid, demo_url, heavy, q, run_bounded};
use crate::servers;

/// The run's `--deadline`.
const DEADLINE_S: u64 = 3;
/// How much later than the deadline the process may exit (the brief's bound).
const GRACE_S: u64 = 5;

/// The hostile peers, started once per test.
struct Peers {
    silent: SocketAddr,
    reset: SocketAddr,
    garbage: SocketAddr,
    headers: SocketAddr,
    body_reset: SocketAddr,
    until_close: SocketAddr,
    redirects: SocketAddr,
    dns: SocketAddr,
    postgres: SocketAddr,
}

impl Peers {
    fn start() -> Peers {
        Peers {
            silent: servers::silent(),
            reset: servers::reset_mid_handshake(),
            garbage: servers::garbage_stream(),
            headers: servers::endless_headers(),
            body_reset: servers::reset_mid_body(1024),
            until_close: servers::five_gib_until_close(),
            redirects: servers::redirects_forever(),
            dns: servers::dns_blackhole(),
            postgres: servers::postgres_hangs_up(),
        }
    }

    /// The `i`-th hostile check (a YAML list item), cycling through every fault.
    fn check(&self, i: usize) -> String {
        let demo = demo_url();
        let body = match i % 13 {
            0 => format!(
                "http: {{ url: {} }}",
                q(&format!("http://{}/", self.silent))
            ),
            1 => format!(
                "http: {{ url: {} }}",
                q(&format!("https://{}/", self.silent))
            ),
            2 => format!(
                "tls: {{ host: 127.0.0.1, port: {}, server_name: localhost }}",
                self.silent.port()
            ),
            3 => format!("http: {{ url: {} }}", q(&format!("{demo}/trickle"))),
            4 => format!("http: {{ url: {} }}", q(&format!("{demo}/slow?ms=60000"))),
            5 => format!(
                "http: {{ url: {} }}",
                q(&format!("https://{}/", self.reset))
            ),
            6 => format!(
                "http: {{ url: {} }}",
                q(&format!("http://{}/", self.garbage))
            ),
            7 => format!(
                "http: {{ url: {} }}",
                q(&format!("http://{}/", self.headers))
            ),
            8 => format!(
                "http: {{ url: {} }}",
                q(&format!("http://{}/", self.body_reset))
            ),
            9 => format!(
                "http: {{ url: {} }}",
                q(&format!("http://{}/", self.until_close))
            ),
            10 => format!(
                "http: {{ url: {} }}",
                q(&format!("http://{}/r", self.redirects))
            ),
            11 => format!(
                "dns: {{ name: shop.example, type: A, server: {} }}",
                q(&self.dns.to_string())
            ),
            _ => format!(
                "postgres: {{ url: {} }}",
                q(&format!(
                    "postgres://u@127.0.0.1:{}/db?sslmode=disable",
                    self.postgres.port()
                ))
            ),
        };
        format!("  - name: hostile {i:02}\n    {body}\n")
    }
}

fn suite(peers: &Peers, n: usize) -> String {
    let mut s = String::from("suite: bounded\ndefaults: { timeout: 60s }\nchecks:\n");
    for i in 0..n {
        s.push_str(&peers.check(i));
    }
    s
}

/// Runs `n` hostile checks with `--deadline 3s` and `--concurrency concurrency`; checks
/// the bound, the exit code and the reports, and returns the JSON report.
fn bounded_run(n: usize, concurrency: usize) -> serde_json::Value {
    let _serial = heavy();
    let peers = Peers::start();
    let dir = SuiteDir::new(&suite(&peers, n));
    let mut cmd = dir.run_cmd(&["--deadline", &format!("{DEADLINE_S}s")]);
    cmd.args(["--concurrency", &concurrency.to_string()]);
    // Killed (and failed) past the bound.
    let run = run_bounded(cmd, Duration::from_secs(DEADLINE_S + GRACE_S));
    assert_eq!(run.code, Some(1), "{}", run.show());
    let report = dir.json();
    let checks = report["checks"].as_array().unwrap();
    assert_eq!(checks.len(), n, "{report}");
    assert_junit_valid(&dir.file("junit.xml"));
    assert_eq!(
        dir.strays(&["junit.xml", "report.json"]),
        Vec::<String>::new()
    );
    assert!(
        run.stdout
            .lines()
            .last()
            .unwrap_or_default()
            .contains(" in "),
        "summary line missing\n{}",
        run.show()
    );
    report
}

#[test]
fn fifty_hostile_checks_at_once_end_by_the_deadline() {
    let report = bounded_run(50, 50);
    let mut deadline_hits = 0;
    for c in report["checks"].as_array().unwrap() {
        let status = c["status"].as_str().unwrap();
        let message = c["message"].as_str().unwrap();
        assert!(["failed", "timed_out", "passed"].contains(&status), "{c}");
        if message == format!("run deadline of {DEADLINE_S}s reached") {
            assert_eq!(status, "timed_out", "{c}");
            assert_eq!(c["layer"], "timeout", "{c}");
            deadline_hits += 1;
        }
        // Only the bodies cut at max_body can pass.
        if status == "passed" {
            assert_eq!(c["details"]["body_truncated"], true, "{c}");
        }
    }
    // The silent servers, the trickle, the slow route (and the silent DNS server) can only
    // be ended by the deadline.
    assert!(
        deadline_hits >= 20,
        "{deadline_hits} checks hit the deadline: {report}"
    );
}

#[test]
fn queued_hostile_checks_are_reported_when_the_deadline_passes() {
    let report = bounded_run(50, 4);
    let never_started = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["message"] == "run deadline reached before the check started")
        .inspect(|c| assert_eq!(c["status"], "timed_out", "{c}"))
        .count();
    assert!(never_started > 0, "every check started: {report}");
}
