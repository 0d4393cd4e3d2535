//! Every `expect` key of `http`, and `tcp`, passing and failing through the binary: the
//! exit code, the plain line (`layer: reason`), and the same verdict in JUnit and JSON.

use crate::harness::{Demo, Dir, closed_port};
use crate::xml;

const PASSING: &str = r#"
suite: pass
defaults: { timeout: 2s }
checks:
  - name: status code
    http: { url: "${base_url}/status/200" }
    expect: { status: 200 }
  - name: status list
    http: { url: "${base_url}/status/204" }
    expect: { status: [201, 204] }
  - name: status class
    http: { url: "${base_url}/status/404" }
    expect: { status: 4xx }
  - name: default status is 2xx after redirects
    http: { url: "${base_url}/redirect/3" }
  - name: headers exact and regex
    http: { url: "${base_url}/headers" }
    expect: { headers: { X-Demo: "yes", content-type: "/^application/json$/" } }
  - name: body contains
    http: { url: "${base_url}/" }
    expect: { body_contains: [Add to cart, teapot] }
  - name: body does not contain
    http: { url: "${base_url}/" }
    expect: { body_not_contains: [Exception, Traceback] }
  - name: body matches
    http: { url: "${base_url}/" }
    expect: { body_matches: "[0-9]+ EUR" }
  - name: json paths
    http: { url: "${base_url}/health" }
    expect: { json: { "$.status": ok, "$.checks.db": up } }
  - name: json of a posted body
    http:
      url: "${base_url}/echo"
      method: POST
      json: { n: 3 }
    expect: { json: { "$.method": POST, "$.headers['content-type']": application/json } }
  - name: latency under
    http: { url: "${base_url}/health" }
    expect: { latency_under: 5s }
  - name: port open
    tcp: { host: "${demo_host}", port: "${demo_port}" }
    expect: { latency_under: 5s }
"#;

#[test]
fn every_expectation_passes() {
    let demo = Demo::start();
    let dir = Dir::with_suite(PASSING);
    let run = dir.run().target(&demo).go();
    run.exits(0);
    let names = [
        "status code",
        "status list",
        "status class",
        "default status is 2xx after redirects",
        "headers exact and regex",
        "body contains",
        "body does not contain",
        "body matches",
        "json paths",
        "json of a posted body",
        "latency under",
        "port open",
    ];
    for name in names {
        assert_eq!(run.word(name), "PASS", "{}", run.shown());
    }
    assert!(
        run.says("status code").starts_with("200 OK · "),
        "{}",
        run.shown()
    );
    assert!(run.says("status list").starts_with("204 No Content · "));
    assert!(run.says("status class").starts_with("404 Not Found · "));
    let port = demo.target.http_addr.port();
    assert!(
        run.says("port open")
            .starts_with(&format!("connected to 127.0.0.1:{port} · ")),
        "{}",
        run.shown()
    );
    assert!(
        run.summary().starts_with("12 passed in "),
        "{}",
        run.shown()
    );
    assert_eq!(run.stderr, "");

    let doc = run.json();
    assert_eq!(doc["totals"]["passed"], 12, "{doc:#}");
    assert_eq!(doc["checks"].as_array().unwrap().len(), 12);
    for check in doc["checks"].as_array().unwrap() {
        assert_eq!(check["status"], "passed", "{check:#}");
        assert!(check["details"]["latency_ms"].is_f64(), "{check:#}");
    }
    let cases = xml::cases(&run.junit());
    assert_eq!(cases.len(), 12);
    assert!(cases.iter().all(|c| c.outcome.is_empty()), "{cases:#?}");
}

#[test]
fn every_expectation_fails_with_its_layer_and_reason() {
    let demo = Demo::start();
    let closed = closed_port();
    let yaml = format!(
        r#"
suite: fail
defaults: {{ timeout: 2s }}
checks:
  - name: status code
    http: {{ url: "${{base_url}}/status/503" }}
  - name: status list
    http: {{ url: "${{base_url}}/status/500" }}
    expect: {{ status: [200, 204] }}
  - name: redirect not followed
    http: {{ url: "${{base_url}}/redirect/1", follow_redirects: false }}
  - name: header value
    http: {{ url: "${{base_url}}/headers" }}
    expect: {{ headers: {{ x-demo: "no" }} }}
  - name: header missing
    http: {{ url: "${{base_url}}/health" }}
    expect: {{ headers: {{ x-build: "42" }} }}
  - name: body contains
    http: {{ url: "${{base_url}}/" }}
    expect: {{ body_contains: Sold out }}
  - name: body does not contain
    http: {{ url: "${{base_url}}/" }}
    expect: {{ body_not_contains: [Exception, teapot] }}
  - name: body matches
    http: {{ url: "${{base_url}}/" }}
    expect: {{ body_matches: "[0-9]+ USD" }}
  - name: json value
    http: {{ url: "${{base_url}}/degraded" }}
    expect: {{ json: {{ "$.status": ok }} }}
  - name: json path matches nothing
    http: {{ url: "${{base_url}}/health" }}
    expect: {{ json: {{ "$.version": "1" }} }}
  - name: json of a non-json body
    http: {{ url: "${{base_url}}/" }}
    expect: {{ json: {{ "$.status": ok }} }}
  - name: latency over
    http: {{ url: "${{base_url}}/slow?ms=300" }}
    expect: {{ latency_under: 50ms }}
  - name: several expectations fail
    http: {{ url: "${{base_url}}/" }}
    expect: {{ body_contains: [one, two], body_matches: three }}
  - name: port closed
    tcp: {{ host: 127.0.0.1, port: {closed} }}
"#
    );
    let dir = Dir::with_suite(&yaml);
    let run = dir.run().target(&demo).go();
    run.exits(1);
    let expected = [
        (
            "status code",
            "http",
            "status 503 Service Unavailable, expected 2xx",
        ),
        (
            "status list",
            "http",
            "status 500 Internal Server Error, expected 200 or 204",
        ),
        (
            "redirect not followed",
            "http",
            "status 302 Found, expected 2xx (redirect to /health not followed)",
        ),
        (
            "header value",
            "assert",
            r#"header x-demo was "yes", expected "no""#,
        ),
        (
            "header missing",
            "assert",
            r#"header x-build is missing, expected "42""#,
        ),
        (
            "body contains",
            "assert",
            r#"body does not contain "Sold out""#,
        ),
        (
            "body does not contain",
            "assert",
            r#"body contains "teapot" (at byte 94)"#,
        ),
        ("body matches", "assert", "body does not match /[0-9]+ USD/"),
        (
            "json value",
            "assert",
            r#"$.status was "degraded", expected "ok""#,
        ),
        (
            "json path matches nothing",
            "assert",
            "$.version matched nothing",
        ),
        (
            "json of a non-json body",
            "assert",
            "body is not JSON: expected value at line 1 column 1",
        ),
        (
            "several expectations fail",
            "assert",
            r#"body does not contain "one" (and 2 more failed expectations)"#,
        ),
        (
            "port closed",
            "connect",
            &format!("connection refused to 127.0.0.1:{closed}"),
        ),
    ];
    let doc = run.json();
    let cases = xml::cases(&run.junit());
    for (name, layer, message) in expected {
        assert_eq!(
            run.line(name),
            format!("FAIL  fail › {name} — {layer}: {message}"),
            "{}",
            run.shown()
        );
        let check = run.check(name);
        assert_eq!(check["status"], "failed", "{check:#}");
        assert_eq!(check["layer"], layer, "{check:#}");
        assert_eq!(check["message"], message, "{check:#}");
        let case = cases.iter().find(|c| c.name == name).unwrap();
        assert_eq!(case.outcome, "failure", "{case:?}");
        assert_eq!(case.layer, layer, "{case:?}");
        assert_eq!(case.message, message, "{case:?}");
    }
    // The target is shown under every failure, with where the check is written.
    assert!(
        run.under("status code")[0].starts_with("target: GET http://127.0.0.1:")
            && run.under("status code")[0].ends_with("/status/503 (suite.yaml:5)"),
        "{}",
        run.shown()
    );
    // latency_under names the time it took, which is at least the server's 300ms.
    let latency = run.says("latency over");
    assert!(
        latency.starts_with("assert: took ") && latency.ends_with(", expected under 50ms"),
        "{latency}"
    );
    assert!(
        run.check("latency over")["details"]["latency_ms"]
            .as_f64()
            .unwrap()
            >= 300.0
    );
    assert!(
        run.summary().starts_with("0 passed, 14 failed in "),
        "{}",
        run.shown()
    );
    assert_eq!(doc["totals"]["failed"], 14, "{doc:#}");
    assert_eq!(doc["totals"]["passed"], 0, "{doc:#}");
}
