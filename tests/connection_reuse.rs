//! A burst of checks to one HTTPS origin shares one HTTP/2 connection (SPEC §6: "reuse
//! connections per host/TLS configuration"): the first request goes alone, the others
//! ride on its connection instead of each making a TLS handshake of its own. Over
//! HTTP/1.1 concurrent requests still need connections of their own.
#![allow(clippy::unwrap_used, reason = "a test may panic on what it set up")]

mod support;

use smokecheck::demo;
use smokecheck::probe::ProbeCtx;
use smokecheck::suite::model::{HttpVersion, Spec};
use support::*;

async fn burst(ctx: &ProbeCtx, spec: Spec, n: usize) {
    let runs = (0..n).map(|_| run_in(ctx, spec.clone(), NORMAL));
    for o in futures_util::future::join_all(runs).await {
        assert_pass(&o);
    }
}

#[tokio::test]
async fn a_burst_over_https_shares_one_http2_connection() {
    let t = demo::start().await.unwrap();
    let ctx = ProbeCtx::new();
    let mut spec = http(&format!("{}/health", t.https_url));
    spec.ca_file = Some(t.ca_file.clone());
    burst(&ctx, Spec::Http(spec), 32).await;
    assert_eq!(t.connections_accepted(), 1);
}

#[tokio::test]
async fn over_http1_concurrent_checks_still_connect_on_their_own() {
    let t = demo::start().await.unwrap();
    let ctx = ProbeCtx::new();
    let mut spec = http(&format!("{}/slow?ms=200", t.https_url));
    spec.ca_file = Some(t.ca_file.clone());
    spec.http_version = Some(HttpVersion::Http1);
    burst(&ctx, Spec::Http(spec), 4).await;
    assert_eq!(t.connections_accepted(), 4);
}
