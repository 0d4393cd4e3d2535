//! Helpers for probe tests: specs with defaults, running one attempt, reading verdicts.

#![allow(dead_code)]

use std::time::Duration;

use smokecheck::probe::{self, Layer, Outcome, ProbeCtx, Verdict};
use smokecheck::suite::model::{HttpExpect, HttpSpec, JsonExpect, Spec, TcpExpect, TcpSpec};
use tokio::time::Instant;

/// reqwest is built without a default provider: the binary installs ring in `main`.
pub fn install_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

pub fn http(url: &str) -> HttpSpec {
    HttpSpec {
        url: url::Url::parse(url).unwrap(),
        method: "GET".to_string(),
        headers: Vec::new(),
        body: None,
        follow_redirects: true,
        insecure: false,
        ca_file: None,
        client_cert: None,
        client_key: None,
        http_version: None,
        resolve: None,
        max_body: 1 << 20,
        expect: HttpExpect {
            status: Vec::new(),
            headers: Vec::new(),
            body_contains: Vec::new(),
            body_not_contains: Vec::new(),
            body_matches: None,
            json: Vec::new(),
            latency_under: None,
            cert_valid_for: None,
        },
    }
}

pub fn tcp(host: &str, port: u16, tls: bool) -> TcpSpec {
    TcpSpec {
        host: host.to_string(),
        port,
        tls,
        expect: TcpExpect::default(),
    }
}

pub fn json(path: &str, value: serde_json::Value) -> JsonExpect {
    JsonExpect {
        path_text: path.to_string(),
        path: serde_json_path::JsonPath::parse(path).unwrap(),
        value,
    }
}

/// One attempt with its own context, bounded by `timeout`.
pub async fn run_http(spec: HttpSpec, timeout: Duration) -> Outcome {
    let ctx = ProbeCtx::new();
    run_in(&ctx, Spec::Http(spec), timeout).await
}

pub async fn run_tcp(spec: TcpSpec, timeout: Duration) -> Outcome {
    let ctx = ProbeCtx::new();
    run_in(&ctx, Spec::Tcp(spec), timeout).await
}

pub async fn run_in(ctx: &ProbeCtx, spec: Spec, timeout: Duration) -> Outcome {
    install_provider();
    // The executor's safety net, so a probe that ignores its deadline fails the test
    // instead of hanging it.
    let deadline = Instant::now() + timeout;
    let guard = timeout + Duration::from_secs(2);
    tokio::time::timeout(guard, probe::run(&spec, ctx, deadline))
        .await
        .expect("the probe overran its deadline")
}

#[track_caller]
pub fn assert_pass(o: &Outcome) {
    if let Verdict::Fail { layer, message } = &o.verdict {
        panic!("expected a pass, got {layer}: {message}");
    }
}

/// The layer and message of a failure (panics on a pass).
#[track_caller]
pub fn failure(o: &Outcome) -> (Layer, String) {
    match &o.verdict {
        Verdict::Fail { layer, message } => (*layer, message.clone()),
        Verdict::Pass => panic!("expected a failure, got a pass: {} {:?}", o.fact, o.details),
    }
}

pub const SHORT: Duration = Duration::from_millis(400);
pub const NORMAL: Duration = Duration::from_secs(5);
