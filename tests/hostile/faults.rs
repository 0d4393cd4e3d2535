//! One hostile peer per test (HTTP, TLS and TCP ones here; DNS and databases in
//! `service_faults.rs`), checked through the real binary: each check ends within its
//! timeout, fails at the right layer with words an on-call engineer understands, and the
//! healthy checks of the same run still pass.

use std::time::Duration;

use serde_json::Value;

use crate::harness::{SuiteDir, demo_url, q, run_bounded, verdict};
use crate::servers;

/// The per-check timeout of these suites.
const TIMEOUT_S: u64 = 2;
/// Slack over the timeout for a check's recorded duration (a loaded 2-core machine).
const SLACK_MS: u64 = 3_000;

/// What one hostile check must end as.
pub(crate) struct Want {
    name: &'static str,
    /// Acceptable statuses (`failed`, or `timed_out` for a timeout).
    status: &'static [&'static str],
    layer: &'static str,
    /// Each must appear in the message.
    words: Vec<String>,
}

pub(crate) fn want(
    name: &'static str,
    status: &'static [&'static str],
    layer: &'static str,
    words: &[&str],
) -> Want {
    Want {
        name,
        status,
        layer,
        words: words.iter().map(|w| w.to_string()).collect(),
    }
}

pub(crate) const FAILED: &[&str] = &["failed"];
pub(crate) const TIMED_OUT: &[&str] = &["timed_out"];
const PASSED: &[&str] = &["passed"];

/// Runs `checks` (YAML list items) between two healthy checks of the demo target and
/// holds each to its `Want`. Returns the report for more assertions.
#[expect(clippy::print_stderr, reason = "every verdict is shown with a failure")]
pub(crate) fn run_between_healthy(checks: &str, wants: &[Want]) -> (SuiteDir, Value) {
    let demo = demo_url();
    let suite = format!(
        "suite: hostile\ndefaults: {{ timeout: {TIMEOUT_S}s }}\nchecks:\n  - name: healthy before\n    http: {{ url: {} }}\n{checks}  - name: healthy after\n    http: {{ url: {} }}\n",
        q(&format!("{demo}/health")),
        q(&format!("{demo}/health")),
    );
    let dir = SuiteDir::new(&suite);
    // Checks run concurrently: the run as a whole stays near one timeout, far below this.
    let run = run_bounded(dir.run_cmd(&[]), Duration::from_secs(TIMEOUT_S + 25));
    let expected_code = if wants.iter().all(|w| w.status == PASSED) {
        0
    } else {
        1
    };
    assert_eq!(run.code, Some(expected_code), "{}", run.show());
    let report = dir.json();
    for name in ["healthy before", "healthy after"] {
        let (status, _, message, _) = verdict(&report, name);
        assert_eq!(status, "passed", "{name}: {message}\n{}", run.show());
    }
    for w in wants {
        let (status, layer, message, ms) = verdict(&report, w.name);
        let ctx = format!("{}: {status} {layer}: {message} ({ms}ms)", w.name);
        eprintln!("{ctx}");
        assert!(w.status.contains(&status.as_str()), "status of {ctx}");
        if w.status != PASSED {
            assert_eq!(layer, w.layer, "layer of {ctx}");
        }
        for word in &w.words {
            assert!(message.contains(word.as_str()), "{word:?} not in {ctx}");
        }
        assert!(
            ms <= TIMEOUT_S * 1000 + SLACK_MS,
            "{ctx}: took longer than its {TIMEOUT_S}s timeout"
        );
        // The terminal says the same, on the check's one line.
        let line = run
            .stdout
            .lines()
            .find(|l| l.contains(&format!("› {} —", w.name)))
            .unwrap_or_else(|| panic!("no terminal line for {}\n{}", w.name, run.show()));
        if w.status != PASSED {
            assert!(line.contains(&message), "terminal line {line:?} vs {ctx}");
        }
    }
    (dir, report)
}

fn http_check(name: &str, url: &str, extra: &str) -> String {
    format!("  - name: {name}\n    http: {{ url: {}{extra} }}\n", q(url))
}

fn tls_check(name: &str, addr: std::net::SocketAddr) -> String {
    format!(
        "  - name: {name}\n    tls: {{ host: {}, port: {}, server_name: localhost }}\n",
        addr.ip(),
        addr.port()
    )
}

fn tcp_tls_check(name: &str, addr: std::net::SocketAddr) -> String {
    format!(
        "  - name: {name}\n    tcp: {{ host: {}, port: {}, tls: true }}\n",
        addr.ip(),
        addr.port()
    )
}

#[test]
fn server_that_accepts_and_never_answers() {
    let addr = servers::silent();
    let a = addr.to_string();
    let checks = [
        http_check("http to a silent server", &format!("http://{a}/"), ""),
        http_check("https to a silent server", &format!("https://{a}/"), ""),
        tls_check("tls to a silent server", addr),
        tcp_check_plain("tcp to a silent server", addr),
        tcp_tls_check("tcp+tls to a silent server", addr),
        format!(
            "  - name: postgres to a silent server\n    postgres: {{ url: {} }}\n",
            q(&format!("postgres://u@{a}/db?sslmode=disable"))
        ),
        format!(
            "  - name: mysql to a silent server\n    mysql: {{ url: {} }}\n",
            q(&format!("mysql://u@{a}/db?ssl-mode=DISABLED"))
        ),
        format!(
            "  - name: redis to a silent server\n    redis: {{ url: {} }}\n",
            q(&format!("redis://{a}"))
        ),
    ]
    .concat();
    run_between_healthy(
        &checks,
        &[
            want(
                "http to a silent server",
                TIMED_OUT,
                "timeout",
                &["timed out after 2s waiting for response headers from", &a],
            ),
            want(
                "https to a silent server",
                TIMED_OUT,
                "connect",
                &["timed out after 2s connecting to", &a, "tls handshake"],
            ),
            want(
                "tls to a silent server",
                TIMED_OUT,
                "tls",
                &["timed out after 2s waiting for the server hello"],
            ),
            // Connecting is all a tcp check does: a silent server passes it.
            want("tcp to a silent server", PASSED, "", &[]),
            want(
                "postgres to a silent server",
                TIMED_OUT,
                "connect",
                &[&format!("timed out after 2s connecting to {a}")],
            ),
            want(
                "mysql to a silent server",
                TIMED_OUT,
                "connect",
                &[&format!("timed out after 2s connecting to {a}")],
            ),
            // The connection is made; the answer to PING never comes.
            want(
                "redis to a silent server",
                TIMED_OUT,
                "query",
                &["timed out after 2s waiting for the reply to PING"],
            ),
            want(
                "tcp+tls to a silent server",
                TIMED_OUT,
                "tls",
                &["timed out after 2s in the tls handshake with", &a],
            ),
        ],
    );
}

fn tcp_check_plain(name: &str, addr: std::net::SocketAddr) -> String {
    format!(
        "  - name: {name}\n    tcp: {{ host: {}, port: {} }}\n",
        addr.ip(),
        addr.port()
    )
}

#[test]
fn headers_then_one_byte_a_second() {
    let demo = demo_url();
    let checks = [
        http_check("trickling body", &format!("{demo}/trickle"), ""),
        // The body cap does not wait for bytes it will not read.
        http_check(
            "trickling body, one byte wanted",
            &format!("{demo}/trickle"),
            ", max_body: 1",
        ),
    ]
    .concat();
    let (_, report) = run_between_healthy(
        &checks,
        &[
            want(
                "trickling body",
                TIMED_OUT,
                "timeout",
                &["timed out after 2s reading the body (", " received)"],
            ),
            want("trickling body, one byte wanted", PASSED, "", &[]),
        ],
    );
    let c = crate::harness::check(&report, "trickling body");
    assert_eq!(c["details"]["status"], 200, "{c}");
}

#[test]
fn reset_in_the_middle_of_the_tls_handshake() {
    let addr = servers::reset_mid_handshake();
    let a = addr.to_string();
    let reset = format!("handshake with {a} failed: connection reset by {a}");
    let checks = [
        http_check("https reset mid-handshake", &format!("https://{a}/"), ""),
        tls_check("tls reset mid-handshake", addr),
        tcp_tls_check("tcp+tls reset mid-handshake", addr),
    ]
    .concat();
    run_between_healthy(
        &checks,
        &[
            want("https reset mid-handshake", FAILED, "tls", &[&reset]),
            want(
                "tls reset mid-handshake",
                FAILED,
                "tls",
                &["connection reset during handshake"],
            ),
            want("tcp+tls reset mid-handshake", FAILED, "tls", &[&reset]),
        ],
    );
}

#[test]
fn reset_in_the_middle_of_the_body() {
    let plain = servers::reset_mid_body(4096);
    let (pki, tls) = servers::reset_mid_body_tls(4096);
    let ca = pki.ca_file.display().to_string();
    let checks = [
        http_check("body reset", &format!("http://{plain}/"), ""),
        http_check(
            "body reset over tls",
            &format!("https://localhost:{}/", tls.port()),
            &format!(", ca_file: {}", q(&ca)),
        ),
    ]
    .concat();
    run_between_healthy(
        &checks,
        &[
            want(
                "body reset",
                FAILED,
                "http",
                &[
                    "failed reading the body after 4096 bytes",
                    "reset",
                    &plain.to_string(),
                ],
            ),
            want(
                "body reset over tls",
                FAILED,
                "http",
                &["failed reading the body after 4096 bytes"],
            ),
        ],
    );
}

#[test]
fn garbage_instead_of_tls_or_http() {
    let once = servers::garbage_once();
    let stream = servers::garbage_stream();
    let headers = servers::endless_headers();
    let checks = [
        http_check("http answered with noise", &format!("http://{once}/"), ""),
        http_check("https answered with noise", &format!("https://{once}/"), ""),
        tls_check("tls answered with noise", once),
        http_check("http flooded with noise", &format!("http://{stream}/"), ""),
        http_check(
            "https flooded with noise",
            &format!("https://{stream}/"),
            "",
        ),
        tls_check("tls flooded with noise", stream),
        http_check("endless response head", &format!("http://{headers}/"), ""),
    ]
    .concat();
    run_between_healthy(
        &checks,
        &[
            want(
                "http answered with noise",
                FAILED,
                "http",
                &["invalid HTTP response from", &once.to_string()],
            ),
            want(
                "https answered with noise",
                FAILED,
                "tls",
                &["did not answer with TLS"],
            ),
            want(
                "tls answered with noise",
                FAILED,
                "tls",
                &["did not speak TLS"],
            ),
            want(
                "http flooded with noise",
                FAILED,
                "http",
                &["invalid HTTP response from", &stream.to_string()],
            ),
            want(
                "https flooded with noise",
                FAILED,
                "tls",
                &["did not answer with TLS"],
            ),
            want(
                "tls flooded with noise",
                FAILED,
                "tls",
                &["did not speak TLS"],
            ),
            want(
                "endless response head",
                FAILED,
                "http",
                &["invalid HTTP response from", &headers.to_string()],
            ),
        ],
    );
}

#[test]
fn five_gib_bodies_are_never_buffered() {
    let demo = demo_url();
    let until_close = servers::five_gib_until_close();
    let suite = format!(
        "suite: huge\ndefaults: {{ timeout: 20s }}\nchecks:\n\
         - name: 5 GiB with a length\n  http: {{ url: {} }}\n\
         - name: 5 GiB until close\n  http: {{ url: {} }}\n\
         - name: needle past the cap\n  http: {{ url: {} }}\n  expect: {{ body_contains: needle }}\n\
         - name: healthy\n  http: {{ url: {} }}\n",
        q(&format!("{demo}/huge")),
        q(&format!("http://{until_close}/")),
        q(&format!("{demo}/huge")),
        q(&format!("{demo}/health")),
    );
    let dir = SuiteDir::new(&suite);
    let run = run_bounded(dir.run_cmd(&[]), Duration::from_secs(60));
    assert_eq!(run.code, Some(1), "{}", run.show());
    let report = dir.json();
    for name in ["5 GiB with a length", "5 GiB until close"] {
        let c = crate::harness::check(&report, name);
        assert_eq!(c["status"], "passed", "{c}");
        assert_eq!(c["details"]["body_truncated"], true, "{c}");
        assert_eq!(c["details"]["body_bytes"], 1 << 20, "{c}");
    }
    let (status, layer, message, _) = verdict(&report, "needle past the cap");
    assert_eq!((status.as_str(), layer.as_str()), ("failed", "assert"));
    assert_eq!(
        message,
        r#"body does not contain "needle" (in the first max_body bytes read)"#
    );
    assert_eq!(verdict(&report, "healthy").0, "passed");
    // Three 1 MiB bodies at most are held at once: the peak stays far from 5 GiB. The
    // bound is loose (a debug build, allocator slack) but a buffered body breaks it by
    // orders of magnitude.
    let peak = run.peak_rss_kib.expect("VmHWM was read from /proc");
    eprintln!("peak RSS of a run reading three 5 GiB bodies: {peak} KiB");
    assert!(peak < 128 * 1024, "peak RSS {peak} KiB\n{}", run.show());
}

#[test]
fn endless_redirects() {
    let demo = demo_url();
    let forever = servers::redirects_forever();
    let checks = [
        http_check("redirect loop", &format!("{demo}/redirect/loop"), ""),
        http_check("a thousand redirects", &format!("{demo}/redirect/1000"), ""),
        http_check("ever longer redirects", &format!("http://{forever}/r"), ""),
        http_check(
            "redirects not followed",
            &format!("http://{forever}/r"),
            ", follow_redirects: false",
        ),
    ]
    .concat();
    run_between_healthy(
        &checks,
        &[
            want(
                "redirect loop",
                FAILED,
                "http",
                &["redirect loop: /redirect/loop → /redirect/loop2 → /redirect/loop"],
            ),
            want(
                "a thousand redirects",
                FAILED,
                "http",
                &["too many redirects (10)"],
            ),
            want(
                "ever longer redirects",
                FAILED,
                "http",
                &["too many redirects (10)"],
            ),
            want(
                "redirects not followed",
                FAILED,
                "http",
                &["status 302 Found, expected 2xx (redirect to /rx not followed)"],
            ),
        ],
    );
}

#[test]
fn credentials_never_follow_a_redirect_to_another_origin() {
    let (elsewhere, seen) = servers::recording();
    let landing = format!("http://{elsewhere}/landed");
    let redirector = servers::redirect_to(landing.clone());
    let demo = demo_url();
    let checks = [
        http_check(
            "api key, redirected away",
            &format!("http://{redirector}/"),
            ", headers: { X-Api-Key: k-123456, X-Trace: t1 }",
        ),
        http_check(
            "bearer token, redirected away",
            &format!("http://{redirector}/"),
            ", headers: { Authorization: Bearer b-123456, X-Trace: t2 }",
        ),
        http_check(
            "api key, redirected on the same origin",
            &format!("{demo}/redirect/2"),
            ", headers: { X-Api-Key: k-123456 }",
        ),
    ]
    .concat();
    run_between_healthy(
        &checks,
        &[
            want(
                "api key, redirected away",
                FAILED,
                "http",
                &[&format!(
                    "redirect to {landing} not followed: another origin would receive the X-Api-Key header"
                )],
            ),
            // reqwest drops Authorization itself on the way to another origin.
            want("bearer token, redirected away", PASSED, "", &[]),
            want("api key, redirected on the same origin", PASSED, "", &[]),
        ],
    );
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert!(seen[0].contains("x-trace: t2"), "{seen:?}");
    for secret in ["k-123456", "b-123456"] {
        assert!(
            !seen[0].contains(secret),
            "{secret} reached another origin: {seen:?}"
        );
    }
}

/// A body full of terminal control sequences (clear screen, set title, write the
/// clipboard, carriage return, backspace, NUL, the one-character CSI of C1).
const EVIL: &str = "\x1b[2J\x1b]0;pwned\x07\x1b]52;c;ZXZpbA==\x07 shown \r\x08\x00 end \u{9b}31m";

#[test]
fn control_sequences_from_a_target_never_reach_the_terminal() {
    let addr = servers::serve(|mut s| async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut buf = [0u8; 4096];
        let _ = s.read(&mut buf).await;
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            EVIL.len()
        );
        let _ = s.write_all(head.as_bytes()).await;
        let _ = s.write_all(EVIL.as_bytes()).await;
    });
    let suite = format!(
        "suite: evil\nchecks:\n  - name: evil body\n    http: {{ url: {} }}\n    expect: {{ body_contains: never }}\n",
        q(&format!("http://{addr}/"))
    );
    let dir = SuiteDir::new(&suite);
    let plain = run_bounded(dir.run_cmd(&["-v"]), Duration::from_secs(30));
    assert_eq!(plain.code, Some(1), "{}", plain.show());
    assert!(
        plain.stdout.contains("shown"),
        "the body is shown: {}",
        plain.show()
    );
    for c in ['\u{1b}', '\u{7}', '\u{8}', '\u{0}', '\r', '\u{9b}'] {
        assert!(
            !plain.stdout.contains(c) && !plain.stderr.contains(c),
            "{c:?} reached the terminal:\n{}",
            plain.show()
        );
    }
    crate::harness::assert_junit_valid(&dir.file("junit.xml"));
    let report = dir.json();
    let body = crate::harness::check(&report, "evil body")["details"]["body"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(body.contains("shown"), "{body}");

    // Pretty, colour forced: the only escapes are smokecheck's own colours (SGR).
    let mut cmd = crate::harness::smokecheck(dir.path());
    cmd.args([
        "run",
        "suite.yaml",
        "-v",
        "--format",
        "pretty",
        "--color",
        "always",
    ]);
    let pretty = run_bounded(cmd, Duration::from_secs(30));
    let sgr = regex::Regex::new(r"\x1b\[[0-9;]*m").unwrap();
    let rest = sgr.replace_all(&pretty.stdout, "");
    assert!(pretty.stdout.contains('\u{1b}'), "no colour at all?");
    for c in ['\u{1b}', '\u{7}', '\u{8}', '\u{0}', '\r', '\u{9b}'] {
        assert!(!rest.contains(c), "{c:?} reached the terminal:\n{rest}");
    }
}
