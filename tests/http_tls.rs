//! https checks judge certificates with the `tls` kind's inspector: a rejected handshake
//! says precisely what is wrong with the certificate, and `cert_valid_for` covers every
//! certificate presented. Real TLS servers on 127.0.0.1, certificates generated now.

#[path = "support/pki.rs"]
mod pki;

use std::net::SocketAddr;
use std::time::Duration;

use pki::{Pki, TLS12_AND_13};
use smokecheck::probe::{self, Layer, ProbeCtx, Verdict};
use smokecheck::suite::model::{HttpExpect, HttpSpec, Spec, StatusPattern};
use tokio::time::Instant;

/// An https check of `https://NAME:PORT/`, connecting to 127.0.0.1 (`resolve`).
fn spec(addr: SocketAddr, name: &str, pki: &Pki, cert_valid_for: Option<Duration>) -> Spec {
    Spec::Http(HttpSpec {
        url: format!("https://{name}:{}/", addr.port()).parse().unwrap(),
        method: "GET".into(),
        headers: Vec::new(),
        body: None,
        follow_redirects: true,
        insecure: false,
        ca_file: Some(pki.ca_file.clone()),
        client_cert: None,
        client_key: None,
        http_version: None,
        resolve: Some(addr.ip()),
        max_body: 1 << 20,
        expect: HttpExpect {
            status: vec![StatusPattern::Class(2)],
            headers: Vec::new(),
            body_contains: Vec::new(),
            body_not_contains: Vec::new(),
            body_matches: None,
            json: Vec::new(),
            latency_under: None,
            cert_valid_for,
        },
    })
}

async fn start() -> (Pki, SocketAddr) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let pki = Pki::new();
    let addr = pki::serve_https(pki::server_config(pki.resolver(), TLS12_AND_13)).await;
    (pki, addr)
}

async fn verdict(spec: &Spec) -> (Verdict, serde_json::Map<String, serde_json::Value>) {
    let ctx = ProbeCtx::new();
    let outcome = probe::run(spec, &ctx, Instant::now() + Duration::from_secs(10)).await;
    (outcome.verdict, outcome.details)
}

fn tls_failure(v: &Verdict) -> &str {
    match v {
        Verdict::Fail {
            layer: Layer::Tls,
            message,
        } => message,
        other => panic!("expected a tls failure, got {other:?}"),
    }
}

#[tokio::test]
async fn a_good_certificate_passes() {
    let (pki, addr) = start().await;
    let (v, _) = verdict(&spec(addr, "www.example.test", &pki, None)).await;
    assert_eq!(v, Verdict::Pass);
}

#[tokio::test]
async fn rejected_certificates_are_explained_in_the_tls_kinds_words() {
    let (pki, addr) = start().await;
    let cases = [
        ("expired.test", "certificate expired 3 days ago (notAfter "),
        (
            "nochain.test",
            "server sent no intermediate: chain incomplete",
        ),
        (
            "wrong.test",
            "wrong.test does not match the certificate (SANs: a.example, *.b.example)",
        ),
        ("self.test", "self-signed certificate CN="),
    ];
    for (name, words) in cases {
        let (v, _) = verdict(&spec(addr, name, &pki, None)).await;
        let msg = tls_failure(&v);
        assert!(msg.starts_with(words), "{name}: {msg}");
    }
}

#[tokio::test]
async fn cert_valid_for_covers_the_served_chain() {
    let (pki, addr) = start().await;
    let (v, _) = verdict(&spec(
        addr,
        "soon.test",
        &pki,
        Some(Duration::from_secs(14 * 86_400)),
    ))
    .await;
    let msg = tls_failure(&v);
    assert!(msg.starts_with("certificate expires in 5d ("), "{msg}");
    assert!(msg.ends_with("expected at least 14d"), "{msg}");

    let (v, details) = verdict(&spec(
        addr,
        "soon.test",
        &pki,
        Some(Duration::from_secs(3 * 86_400)),
    ))
    .await;
    assert_eq!(v, Verdict::Pass);
    let chain = details["tls"]["chain"]
        .as_array()
        .expect("chain in details.tls");
    assert!(!chain.is_empty());

    // An intermediate that expires before the leaf is the one named.
    let (v, _) = verdict(&spec(
        addr,
        "shortint.test",
        &pki,
        Some(Duration::from_secs(14 * 86_400)),
    ))
    .await;
    let msg = tls_failure(&v);
    assert!(msg.starts_with("intermediate \""), "{msg}");
}
