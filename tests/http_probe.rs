//! The `http` and `tcp` probes against the in-process demo target (and a few ad-hoc
//! servers): every expectation passing and failing, redirects, TLS trust, mTLS, HTTP/2,
//! body caps and the timeouts that must name their step.

#![allow(clippy::unwrap_used, reason = "a test may panic on what it set up")]

mod support;

use std::time::Duration;

use serde_json::json;
use smokecheck::demo;
use smokecheck::probe::{Layer, ProbeCtx};
use smokecheck::suite::model::{HttpVersion, RequestBody, Spec, StatusPattern, ValueMatch};
use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

// ------------------------------------------------------------------ status and facts

#[tokio::test]
async fn health_passes_with_fact_and_details() {
    let t = demo::start().await.unwrap();
    let o = run_http(http(&format!("{}/health", t.http_url)), NORMAL).await;
    assert_pass(&o);
    assert!(o.fact.starts_with("200 OK · "), "fact: {}", o.fact);
    assert!(o.details["latency_ms"].as_f64().is_some());
    assert_eq!(o.details["status"], 200);
    assert_eq!(o.details["http_version"], "HTTP/1.1");
    assert_eq!(o.details["body"], r#"{"status":"ok","checks":{"db":"up"}}"#);
    assert_eq!(o.details["headers"]["content-type"], "application/json");
    assert_eq!(o.details["remote_addr"], t.http_addr.to_string());
    assert_eq!(o.details["body_truncated"], false);
    assert!(o.warnings.is_empty());
}

#[tokio::test]
async fn status_outside_2xx_fails_at_the_http_layer() {
    let t = demo::start().await.unwrap();
    let o = run_http(http(&format!("{}/status/503", t.http_url)), NORMAL).await;
    assert_eq!(
        failure(&o),
        (
            Layer::Http,
            "status 503 Service Unavailable, expected 2xx".into()
        )
    );
    assert!(o.fact.starts_with("503 Service Unavailable · "));
}

#[tokio::test]
async fn status_lists_and_classes() {
    let t = demo::start().await.unwrap();
    let mut spec = http(&format!("{}/status/404", t.http_url));
    spec.expect.status = vec![StatusPattern::Code(404)];
    assert_pass(&run_http(spec.clone(), NORMAL).await);

    spec.expect.status = vec![StatusPattern::Code(200), StatusPattern::Class(3)];
    let o = run_http(spec, NORMAL).await;
    assert_eq!(
        failure(&o),
        (
            Layer::Http,
            "status 404 Not Found, expected 200 or 3xx".into()
        )
    );
}

#[tokio::test]
async fn flaky_endpoint_recovers_on_the_third_request() {
    let t = demo::start().await.unwrap();
    let ctx = ProbeCtx::new();
    let spec = Spec::Http(http(&format!("{}/flaky?key=probe-test", t.http_url)));
    for _ in 0..2 {
        let o = run_in(&ctx, spec.clone(), NORMAL).await;
        assert_eq!(failure(&o).0, Layer::Http);
    }
    assert_pass(&run_in(&ctx, spec, NORMAL).await);
}

// ------------------------------------------------------------------ request shape

#[tokio::test]
async fn method_headers_and_json_body_are_sent() {
    let t = demo::start().await.unwrap();
    let mut spec = http(&format!("{}/echo?x=1", t.http_url));
    spec.method = "POST".into();
    spec.headers = vec![("X-Trace".into(), "abc-123".into())];
    spec.body = Some(RequestBody::Json(json!({"n": 3})));
    spec.expect.json = vec![
        json("$.method", json!("POST")),
        json("$.query", json!("x=1")),
        json("$.headers['x-trace']", json!("abc-123")),
        json("$.headers['content-type']", json!("application/json")),
        json("$.body", json!(r#"{"n":3}"#)),
    ];
    assert_pass(&run_http(spec, NORMAL).await);
}

#[tokio::test]
async fn text_body_keeps_the_users_content_type() {
    let t = demo::start().await.unwrap();
    let mut spec = http(&format!("{}/echo", t.http_url));
    spec.method = "PUT".into();
    spec.headers = vec![("Content-Type".into(), "text/plain".into())];
    spec.body = Some(RequestBody::Text("hello".into()));
    spec.expect.json = vec![
        json("$.method", json!("PUT")),
        json("$.body", json!("hello")),
        json("$.headers['content-type']", json!("text/plain")),
    ];
    assert_pass(&run_http(spec, NORMAL).await);
}

#[tokio::test]
async fn invalid_method_is_a_config_error() {
    let t = demo::start().await.unwrap();
    let mut spec = http(&format!("{}/health", t.http_url));
    spec.method = "GE T".into();
    assert_eq!(failure(&run_http(spec, NORMAL).await).0, Layer::Config);
}

// ------------------------------------------------------------------ expectations

#[tokio::test]
async fn header_expectations() {
    let t = demo::start().await.unwrap();
    let url = format!("{}/headers", t.http_url);
    let mut spec = http(&url);
    spec.expect.headers = vec![
        (
            "Content-Type".into(),
            ValueMatch::Exact("application/json".into()),
        ),
        (
            "x-demo".into(),
            ValueMatch::Regex(regex::Regex::new("^y").unwrap()),
        ),
    ];
    assert_pass(&run_http(spec.clone(), NORMAL).await);

    spec.expect.headers = vec![("content-type".into(), ValueMatch::Exact("text/html".into()))];
    let o = run_http(spec.clone(), NORMAL).await;
    let want = r#"header content-type was "application/json", expected "text/html""#;
    assert_eq!(failure(&o), (Layer::Assert, want.into()));

    spec.expect.headers = vec![("X-Missing".into(), ValueMatch::Exact("1".into()))];
    let o = run_http(spec, NORMAL).await;
    assert_eq!(
        failure(&o),
        (
            Layer::Assert,
            r#"header x-missing is missing, expected "1""#.into()
        )
    );
}

#[tokio::test]
async fn sensitive_response_headers_are_masked() {
    let t = demo::start().await.unwrap();
    let mut spec = http(&format!("{}/headers", t.http_url));
    spec.expect.headers = vec![("set-cookie".into(), ValueMatch::Exact("nope".into()))];
    let o = run_http(spec, NORMAL).await;
    let (layer, msg) = failure(&o);
    assert_eq!(layer, Layer::Assert);
    assert_eq!(msg, r#"header set-cookie was "****", expected "nope""#);
    assert_eq!(o.details["headers"]["set-cookie"], "****");
    assert!(
        !serde_json::to_string(&o.details)
            .unwrap()
            .contains("s3cr3t")
    );
}

#[tokio::test]
async fn body_expectations() {
    let t = demo::start().await.unwrap();
    let url = format!("{}/", t.http_url);
    let mut spec = http(&url);
    spec.expect.body_contains = vec!["Add to cart".into()];
    spec.expect.body_not_contains = vec!["Exception".into()];
    spec.expect.body_matches = Some(regex::Regex::new(r"\d+ EUR").unwrap());
    assert_pass(&run_http(spec, NORMAL).await);

    let mut spec = http(&url);
    spec.expect.body_contains = vec!["Sold out".into()];
    let o = run_http(spec, NORMAL).await;
    assert_eq!(
        failure(&o),
        (Layer::Assert, r#"body does not contain "Sold out""#.into())
    );

    let mut spec = http(&url);
    spec.expect.body_not_contains = vec!["teapot".into()];
    let (layer, msg) = failure(&run_http(spec, NORMAL).await);
    assert_eq!(layer, Layer::Assert);
    assert!(
        msg.starts_with(r#"body contains "teapot" (at byte "#),
        "{msg}"
    );

    let mut spec = http(&url);
    spec.expect.body_matches = Some(regex::Regex::new(r"\d+ USD").unwrap());
    let o = run_http(spec, NORMAL).await;
    assert_eq!(
        failure(&o),
        (Layer::Assert, r"body does not match /\d+ USD/".into())
    );
}

#[tokio::test]
async fn several_failed_expectations_are_counted() {
    let t = demo::start().await.unwrap();
    let mut spec = http(&format!("{}/", t.http_url));
    spec.expect.body_contains = vec!["one".into(), "two".into(), "three".into()];
    let (_, msg) = failure(&run_http(spec, NORMAL).await);
    assert_eq!(
        msg,
        r#"body does not contain "one" (and 2 more failed expectations)"#
    );
}

#[tokio::test]
async fn json_expectations() {
    let t = demo::start().await.unwrap();
    let mut spec = http(&format!("{}/health", t.http_url));
    spec.expect.json = vec![
        json("$.status", json!("ok")),
        json("$.checks.db", json!("up")),
    ];
    assert_pass(&run_http(spec, NORMAL).await);

    let mut spec = http(&format!("{}/degraded", t.http_url));
    spec.expect.json = vec![json("$.status", json!("ok"))];
    let o = run_http(spec, NORMAL).await;
    assert_eq!(
        failure(&o),
        (
            Layer::Assert,
            r#"$.status was "degraded", expected "ok""#.into()
        )
    );

    let mut spec = http(&format!("{}/health", t.http_url));
    spec.expect.json = vec![json("$.x", json!(1))];
    assert_eq!(
        failure(&run_http(spec, NORMAL).await),
        (Layer::Assert, "$.x matched nothing".into())
    );

    let mut spec = http(&format!("{}/", t.http_url));
    spec.expect.json = vec![json("$.status", json!("ok"))];
    let (layer, msg) = failure(&run_http(spec, NORMAL).await);
    assert_eq!(layer, Layer::Assert);
    assert!(msg.starts_with("body is not JSON: "), "{msg}");
}

#[tokio::test]
async fn json_values_from_yaml_strings_compare_by_text() {
    let t = demo::start().await.unwrap();
    // /status/201 answers text: use /echo to get a number back as a JSON number.
    let mut spec = http(&format!("{}/echo", t.http_url));
    spec.method = "POST".into();
    spec.body = Some(RequestBody::Text("x".into()));
    spec.expect.json = vec![json("$.headers['content-length']", json!(1))];
    assert_pass(&run_http(spec, NORMAL).await);
}

#[tokio::test]
async fn cert_valid_for_does_not_fail_until_wired() {
    let t = demo::start().await.unwrap();
    let mut spec = http(&format!("{}/health", t.https_url));
    spec.ca_file = Some(t.ca_file.clone());
    spec.expect.cert_valid_for = Some(Duration::from_secs(14 * 86_400));
    assert_pass(&run_http(spec, NORMAL).await);
}

// ------------------------------------------------------------------ redirects

#[tokio::test]
async fn redirects_are_followed_by_default() {
    let t = demo::start().await.unwrap();
    let o = run_http(http(&format!("{}/redirect/3", t.http_url)), NORMAL).await;
    assert_pass(&o);
    assert_eq!(o.details["final_url"], format!("{}/health", t.http_url));
}

#[tokio::test]
async fn redirects_not_followed_when_disabled() {
    let t = demo::start().await.unwrap();
    let mut spec = http(&format!("{}/redirect/3", t.http_url));
    spec.follow_redirects = false;
    let o = run_http(spec.clone(), NORMAL).await;
    let want = "status 302 Found, expected 2xx (redirect to /redirect/2 not followed)";
    assert_eq!(failure(&o), (Layer::Http, want.into()));

    spec.expect.status = vec![StatusPattern::Code(302)];
    spec.expect.headers = vec![("location".into(), ValueMatch::Exact("/redirect/2".into()))];
    assert_pass(&run_http(spec, NORMAL).await);
}

#[tokio::test]
async fn redirect_loop_is_named() {
    let t = demo::start().await.unwrap();
    let o = run_http(http(&format!("{}/redirect/loop", t.http_url)), NORMAL).await;
    let want = "redirect loop: /redirect/loop → /redirect/loop2 → /redirect/loop";
    assert_eq!(failure(&o), (Layer::Http, want.into()));
}

#[tokio::test]
async fn at_most_ten_redirects() {
    let t = demo::start().await.unwrap();
    assert_pass(&run_http(http(&format!("{}/redirect/10", t.http_url)), NORMAL).await);
    let o = run_http(http(&format!("{}/redirect/11", t.http_url)), NORMAL).await;
    assert_eq!(failure(&o), (Layer::Http, "too many redirects (10)".into()));
}

// ------------------------------------------------------------------ TLS

#[tokio::test]
async fn https_with_ca_file_passes_over_h2() {
    let t = demo::start().await.unwrap();
    let mut spec = http(&format!("{}/health", t.https_url));
    spec.ca_file = Some(t.ca_file.clone());
    let o = run_http(spec, NORMAL).await;
    assert_pass(&o);
    assert!(o.fact.ends_with(" · HTTP/2"), "fact: {}", o.fact);
    assert_eq!(o.details["http_version"], "HTTP/2");
}

#[tokio::test]
async fn https_without_the_ca_fails_at_the_tls_layer() {
    let t = demo::start().await.unwrap();
    let o = run_http(http(&format!("{}/health", t.https_url)), NORMAL).await;
    let (layer, msg) = failure(&o);
    assert_eq!(layer, Layer::Tls);
    assert!(msg.contains("unknown issuer"), "{msg}");
}

#[tokio::test]
async fn a_pooled_verified_connection_does_not_hide_a_tls_failure() {
    let t = demo::start().await.unwrap();
    let ctx = ProbeCtx::new();
    let mut trusted = http(&format!("{}/health", t.https_url));
    trusted.ca_file = Some(t.ca_file.clone());
    assert_pass(&run_in(&ctx, Spec::Http(trusted.clone()), NORMAL).await);
    // Same URL, same run, default trust: the live connection above must not be reused.
    let o = run_in(
        &ctx,
        Spec::Http(http(&format!("{}/health", t.https_url))),
        NORMAL,
    )
    .await;
    assert_eq!(failure(&o).0, Layer::Tls);
    assert_pass(&run_in(&ctx, Spec::Http(trusted), NORMAL).await);
}

#[tokio::test]
async fn insecure_passes_with_a_warning() {
    let t = demo::start().await.unwrap();
    let mut spec = http(&format!("{}/health", t.https_url));
    spec.insecure = true;
    let o = run_http(spec, NORMAL).await;
    assert_pass(&o);
    assert_eq!(
        o.warnings,
        vec!["TLS verification disabled (insecure: true)".to_string()]
    );
}

#[tokio::test]
async fn resolve_keeps_host_and_sni() {
    let t = demo::start().await.unwrap();
    let port = t.https_addr.port();
    // demo.smokecheck.test never resolves (.test is reserved) but the certificate covers it.
    let mut spec = http(&format!("https://demo.smokecheck.test:{port}/health"));
    spec.ca_file = Some(t.ca_file.clone());
    let o = run_http(spec.clone(), NORMAL).await;
    let (layer, msg) = failure(&o);
    assert_eq!(layer, Layer::Dns);
    assert!(
        msg.starts_with("cannot resolve demo.smokecheck.test"),
        "{msg}"
    );

    spec.resolve = Some("127.0.0.1".parse().unwrap());
    spec.http_version = Some(HttpVersion::Http2);
    let o = run_http(spec, NORMAL).await;
    assert_pass(&o);
    assert_eq!(o.details["http_version"], "HTTP/2");

    // A name the certificate does not cover, pinned to the same server: SNI and the
    // name check use the URL's host, not the address.
    let mut spec = http(&format!("https://wrong.smokecheck.test:{port}/health"));
    spec.ca_file = Some(t.ca_file.clone());
    spec.resolve = Some("127.0.0.1".parse().unwrap());
    let (layer, msg) = failure(&run_http(spec, NORMAL).await);
    assert_eq!(layer, Layer::Tls);
    assert!(
        msg.starts_with("wrong.smokecheck.test does not match the certificate (SANs: localhost, demo.smokecheck.test"),
        "{msg}"
    );
}

#[tokio::test]
async fn resolve_sends_the_urls_host_header() {
    let t = demo::start().await.unwrap();
    let port = t.http_addr.port();
    let mut spec = http(&format!("http://shop.invalid:{port}/echo"));
    spec.resolve = Some("127.0.0.1".parse().unwrap());
    spec.expect.json = vec![json(
        "$.headers.host",
        json!(format!("shop.invalid:{port}")),
    )];
    assert_pass(&run_http(spec, NORMAL).await);
}

#[tokio::test]
async fn client_certificates_for_mtls() {
    let t = demo::start().await.unwrap();
    let mut spec = http(&format!("{}/mtls", t.https_url));
    spec.ca_file = Some(t.ca_file.clone());
    let o = run_http(spec.clone(), NORMAL).await;
    assert_eq!(
        failure(&o),
        (Layer::Http, "status 403 Forbidden, expected 2xx".into())
    );

    spec.client_cert = Some(t.client_cert.clone());
    spec.client_key = Some(t.client_key.clone());
    assert_pass(&run_http(spec.clone(), NORMAL).await);

    spec.client_key = None;
    assert_eq!(failure(&run_http(spec, NORMAL).await).0, Layer::Config);
}

#[tokio::test]
async fn unreadable_ca_file_is_a_config_error() {
    let t = demo::start().await.unwrap();
    let mut spec = http(&format!("{}/health", t.https_url));
    spec.ca_file = Some("/nonexistent/ca.pem".into());
    let (layer, msg) = failure(&run_http(spec, NORMAL).await);
    assert_eq!(layer, Layer::Config);
    assert!(msg.contains("/nonexistent/ca.pem"), "{msg}");
}

// ------------------------------------------------------------------ protocol versions

#[tokio::test]
async fn http_version_2_over_cleartext_and_1_1_over_tls() {
    let t = demo::start().await.unwrap();
    let mut spec = http(&format!("{}/health", t.http_url));
    spec.http_version = Some(HttpVersion::Http2);
    let o = run_http(spec, NORMAL).await;
    assert_pass(&o);
    assert_eq!(o.details["http_version"], "HTTP/2");

    let mut spec = http(&format!("{}/health", t.https_url));
    spec.ca_file = Some(t.ca_file.clone());
    spec.http_version = Some(HttpVersion::Http1);
    let o = run_http(spec, NORMAL).await;
    assert_pass(&o);
    assert_eq!(o.details["http_version"], "HTTP/1.1");
}

// ------------------------------------------------------------------ body cap and timeouts

#[tokio::test]
async fn huge_body_is_read_up_to_max_body_only() {
    let t = demo::start().await.unwrap();
    let mut spec = http(&format!("{}/huge", t.http_url));
    spec.max_body = 64 * 1024;
    let o = run_http(spec.clone(), NORMAL).await;
    assert_pass(&o);
    assert_eq!(o.details["body_truncated"], true);
    assert_eq!(o.details["body_bytes"], 64 * 1024);

    spec.expect.body_contains = vec!["needle".into()];
    let (layer, msg) = failure(&run_http(spec, NORMAL).await);
    assert_eq!(layer, Layer::Assert);
    assert_eq!(
        msg,
        r#"body does not contain "needle" (in the first max_body bytes read)"#
    );
}

#[tokio::test]
async fn trickling_body_times_out_reading_the_body() {
    let t = demo::start().await.unwrap();
    let o = run_http(http(&format!("{}/trickle", t.http_url)), SHORT).await;
    let (layer, msg) = failure(&o);
    assert_eq!(layer, Layer::Timeout);
    assert!(msg.starts_with("timed out after "), "{msg}");
    assert!(msg.contains("reading the body (0 bytes received)"), "{msg}");
    assert_eq!(o.details["status"], 200);
}

#[tokio::test]
async fn slow_headers_time_out_waiting_for_headers() {
    let t = demo::start().await.unwrap();
    let o = run_http(http(&format!("{}/slow?ms=5000", t.http_url)), SHORT).await;
    let (layer, msg) = failure(&o);
    assert_eq!(layer, Layer::Timeout);
    assert!(
        msg.contains("waiting for response headers from 127.0.0.1:"),
        "{msg}"
    );
}

#[tokio::test]
async fn hanging_server_times_out_on_headers_or_handshake() {
    let t = demo::start().await.unwrap();
    let o = run_http(http(&format!("http://{}/", t.hang_addr)), SHORT).await;
    let (layer, msg) = failure(&o);
    assert_eq!(layer, Layer::Timeout);
    assert!(msg.contains("waiting for response headers"), "{msg}");

    let o = run_http(http(&format!("https://{}/", t.hang_addr)), SHORT).await;
    let (layer, msg) = failure(&o);
    assert_eq!(layer, Layer::Connect);
    let want = format!("connecting to {} (tcp + tls handshake)", t.hang_addr);
    assert!(
        msg.starts_with("timed out after ") && msg.ends_with(&want),
        "{msg}"
    );
}

// ------------------------------------------------------------------ network failures

async fn closed_port() -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap().port()
}

#[tokio::test]
async fn connection_refused() {
    let port = closed_port().await;
    let o = run_http(http(&format!("http://127.0.0.1:{port}/")), NORMAL).await;
    assert_eq!(
        failure(&o),
        (
            Layer::Connect,
            format!("connection refused to 127.0.0.1:{port}")
        )
    );

    let o = run_http(http(&format!("https://127.0.0.1:{port}/")), NORMAL).await;
    assert_eq!(
        failure(&o),
        (
            Layer::Connect,
            format!("connection refused to 127.0.0.1:{port}")
        )
    );
}

#[tokio::test]
async fn unknown_host_fails_at_dns() {
    let o = run_http(http("http://nonexistent.invalid/"), Duration::from_secs(2)).await;
    let (layer, msg) = failure(&o);
    assert_eq!(layer, Layer::Dns);
    assert!(msg.contains("nonexistent.invalid"), "{msg}");
}

/// A server that answers every connection with an SSH banner and hangs up; with
/// `read_first`, only after the client has sent something (a request, a ClientHello).
async fn garbage_server(read_first: bool) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            if read_first {
                let mut buf = [0u8; 64];
                let _ = s.read(&mut buf).await;
            }
            let _ = s.write_all(b"SSH-2.0-OpenSSH_9.6\r\n").await;
            let _ = s.shutdown().await;
        }
    });
    addr
}

#[tokio::test]
async fn garbage_instead_of_http_or_tls() {
    for read_first in [false, true] {
        let addr = garbage_server(read_first).await;
        let (layer, msg) = failure(&run_http(http(&format!("http://{addr}/")), NORMAL).await);
        assert_eq!(layer, Layer::Http);
        assert!(
            msg.starts_with(&format!("invalid HTTP response from {addr}")),
            "{msg}"
        );

        let (layer, msg) = failure(&run_http(http(&format!("https://{addr}/")), NORMAL).await);
        assert_eq!(layer, Layer::Tls);
        assert!(msg.contains("did not answer with TLS"), "{msg}");
    }
}

#[tokio::test]
async fn sequential_checks_reuse_one_keep_alive_connection() {
    let t = demo::start().await.unwrap();
    let ctx = ProbeCtx::new();
    for _ in 0..20 {
        let spec = Spec::Http(http(&format!("{}/health", t.http_url)));
        assert_pass(&run_in(&ctx, spec, NORMAL).await);
    }
    assert_eq!(t.connections_accepted(), 1);
}

/// A server that closes every connection as soon as it has read something.
async fn hang_up_server() -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf).await;
            drop(s);
        }
    });
    addr
}

#[tokio::test]
async fn hang_up_before_the_response_or_mid_handshake() {
    let addr = hang_up_server().await;
    let o = run_http(http(&format!("http://{addr}/")), NORMAL).await;
    let (layer, msg) = failure(&o);
    assert_eq!(layer, Layer::Http);
    // Closed (FIN) or reset (RST, if unread bytes were left): both before the response.
    assert!(msg.starts_with("connection "), "{msg}");
    assert!(
        msg.ends_with(&format!("by {addr} before a complete response")),
        "{msg}"
    );

    let (layer, msg) = failure(&run_http(http(&format!("https://{addr}/")), NORMAL).await);
    assert_eq!(layer, Layer::Tls);
    assert!(
        msg.starts_with(&format!("handshake with {addr} failed: ")),
        "{msg}"
    );
}

async fn burst_of_https_checks(t: &demo::Target, ctx: &std::sync::Arc<ProbeCtx>, n: usize) {
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..n {
        let ctx = ctx.clone();
        let mut spec = http(&format!("{}/health", t.https_url));
        spec.ca_file = Some(t.ca_file.clone());
        spec.expect.json = vec![json("$.status", json!("ok"))];
        set.spawn(async move { run_in(&ctx, Spec::Http(spec), NORMAL).await });
    }
    while let Some(o) = set.join_next().await {
        assert_pass(&o.unwrap());
    }
}

#[tokio::test]
async fn concurrent_checks_reuse_pooled_connections() {
    let t = demo::start().await.unwrap();
    let ctx = std::sync::Arc::new(ProbeCtx::new());
    burst_of_https_checks(&t, &ctx, 40).await;
    let first = t.connections_accepted();
    assert!(first <= 40, "{first} connections for 40 checks");
    // Every connection of the first burst is still pooled: no new handshake.
    burst_of_https_checks(&t, &ctx, 40).await;
    assert_eq!(t.connections_accepted(), first);
}

// ------------------------------------------------------------------ tcp

#[tokio::test]
async fn tcp_connects() {
    let t = demo::start().await.unwrap();
    let o = run_tcp(tcp("127.0.0.1", t.http_addr.port(), false), NORMAL).await;
    assert_pass(&o);
    assert!(
        o.fact
            .starts_with(&format!("connected to {} · ", t.http_addr)),
        "{}",
        o.fact
    );
    assert!(o.details["latency_ms"].as_f64().is_some());
}

#[tokio::test]
async fn tcp_refused_and_unknown_host() {
    let port = closed_port().await;
    let o = run_tcp(tcp("127.0.0.1", port, false), NORMAL).await;
    assert_eq!(
        failure(&o),
        (
            Layer::Connect,
            format!("connection refused to 127.0.0.1:{port}")
        )
    );

    let o = run_tcp(
        tcp("nonexistent.invalid", 80, false),
        Duration::from_secs(2),
    )
    .await;
    assert_eq!(failure(&o).0, Layer::Dns);
}

#[tokio::test]
async fn tcp_tls_verifies_against_the_system_roots() {
    let t = demo::start().await.unwrap();
    // The demo CA is not a system root: the handshake must fail, and say why.
    let o = run_tcp(tcp("localhost", t.https_addr.port(), true), NORMAL).await;
    let (layer, msg) = failure(&o);
    assert_eq!(layer, Layer::Tls);
    assert!(msg.contains("unknown issuer"), "{msg}");

    // A plain HTTP port answers a ClientHello with an HTTP error page.
    let o = run_tcp(tcp("127.0.0.1", t.http_addr.port(), true), NORMAL).await;
    let (layer, msg) = failure(&o);
    assert_eq!(layer, Layer::Tls);
    assert!(msg.contains("did not answer with TLS"), "{msg}");

    let o = run_tcp(tcp("127.0.0.1", t.hang_addr.port(), true), SHORT).await;
    let (layer, msg) = failure(&o);
    assert_eq!(layer, Layer::Tls);
    assert!(
        msg.contains("in the tls handshake with 127.0.0.1:"),
        "{msg}"
    );
}
