//! Hostile and broken targets through the binary: a redirect loop, a 5 GiB body, headers
//! that never come, a trickling body, a refused connection, an unknown host. Every one
//! ends within its timeout and names its layer (and, for timeouts, the step).

use std::time::Duration;

use crate::harness::{Demo, Dir, closed_port};
use crate::xml;

#[test]
fn broken_targets_name_the_layer_and_the_step() {
    let demo = Demo::start();
    let closed = closed_port();
    let http = demo.target.http_addr;
    let yaml = format!(
        r#"
suite: net
defaults: {{ timeout: 2s }}
checks:
  - name: redirect loop
    http: {{ url: "${{base_url}}/redirect/loop" }}
  - name: huge body is cut at max_body
    http: {{ url: "${{base_url}}/huge", max_body: 64KiB }}
    expect: {{ body_contains: "the end" }}
  - name: huge body passes when nothing is asked of it
    http: {{ url: "${{base_url}}/huge" }}
  - name: headers too slow
    timeout: 500ms
    http: {{ url: "${{base_url}}/slow?ms=60000" }}
  - name: body trickles
    timeout: 800ms
    http: {{ url: "${{base_url}}/trickle" }}
  - name: connection refused
    http: {{ url: "http://127.0.0.1:{closed}/health" }}
  - name: unknown host
    http: {{ url: "http://nonexistent.invalid/health" }}
  - name: unknown host over tcp
    tcp: {{ host: nonexistent.invalid, port: 443 }}
"#
    );
    let dir = Dir::with_suite(&yaml);
    let run = dir.run().target(&demo).go();
    run.exits(1);
    // Everything runs at once and each check is bounded by its timeout (2s at most).
    assert!(
        run.elapsed < Duration::from_secs(10),
        "took {:?}\n{}",
        run.elapsed,
        run.shown()
    );
    let lines = [
        (
            "redirect loop",
            "FAIL",
            "http",
            "redirect loop: /redirect/loop → /redirect/loop2 → /redirect/loop".to_string(),
        ),
        (
            "huge body is cut at max_body",
            "FAIL",
            "assert",
            r#"body does not contain "the end" (in the first max_body bytes read)"#.to_string(),
        ),
        (
            "headers too slow",
            "TIME",
            "timeout",
            format!("timed out after 500ms waiting for response headers from {http}"),
        ),
        (
            "body trickles",
            "TIME",
            "timeout",
            "timed out after 800ms reading the body (0 bytes received)".to_string(),
        ),
        (
            "connection refused",
            "FAIL",
            "connect",
            format!("connection refused to 127.0.0.1:{closed}"),
        ),
    ];
    for (name, word, layer, message) in &lines {
        assert_eq!(
            run.line(name),
            format!("{word:<5} net › {name} — {layer}: {message}"),
            "{}",
            run.shown()
        );
        assert_eq!(run.check(name)["layer"], *layer);
    }
    // The resolver's wording varies by system; the layer and the host do not.
    for name in ["unknown host", "unknown host over tcp"] {
        let says = run.says(name);
        assert!(
            says.starts_with("dns: cannot resolve nonexistent.invalid"),
            "{}",
            run.shown()
        );
        assert_eq!(run.check(name)["layer"], "dns");
    }
    let huge = run.check("huge body passes when nothing is asked of it");
    assert_eq!(huge["status"], "passed", "{huge:#}");
    assert_eq!(huge["details"]["body_truncated"], true);
    assert_eq!(huge["details"]["body_bytes"], 1 << 20);
    assert_eq!(
        run.check("huge body is cut at max_body")["details"]["body_bytes"],
        64 << 10
    );
    for name in ["headers too slow", "body trickles"] {
        assert_eq!(run.check(name)["status"], "timed_out");
    }
    assert!(
        run.summary()
            .starts_with("1 passed, 5 failed, 2 timed out in "),
        "{}",
        run.shown()
    );
    let cases = xml::cases(&run.junit());
    let trickle = cases.iter().find(|c| c.name == "body trickles").unwrap();
    assert_eq!(trickle.layer, "timeout");
    let dns = cases.iter().find(|c| c.name == "unknown host").unwrap();
    assert_eq!(
        (dns.outcome.as_str(), dns.layer.as_str()),
        ("failure", "dns")
    );
}
