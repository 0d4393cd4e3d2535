//! The `tls` kind against real TLS servers on 127.0.0.1 and a test PKI generated now:
//! every row of the certificate matrix passes, or fails with the right words.

#[path = "support/pki.rs"]
mod pki;

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use pki::{DAY, HOUR, Hostile, Pki, TLS12_AND_13, TLS12_ONLY};
use serde_json::Value;
use smokecheck::probe::{self, Layer, Outcome, ProbeCtx, Verdict};
use smokecheck::suite::model::{Spec, Starttls, TlsExpect, TlsSpec, TlsVersion};
use tokio::time::Instant;

/// A test site: the standard PKI served by one SNI-selecting server.
struct Site {
    pki: Pki,
    addr: SocketAddr,
}

impl Site {
    async fn start() -> Site {
        Site::start_with(TLS12_AND_13).await
    }

    async fn start_with(versions: &[&'static rustls::SupportedProtocolVersion]) -> Site {
        let pki = Pki::new();
        let addr = pki::serve_tls(pki::server_config(pki.resolver(), versions)).await;
        Site { pki, addr }
    }

    /// A check of `server_name` on this site, trusting the test root.
    fn spec(&self, server_name: &str) -> TlsSpec {
        spec_for(self.addr, server_name, Some(&self.pki.ca_file))
    }
}

fn spec_for(addr: SocketAddr, server_name: &str, ca_file: Option<&Path>) -> TlsSpec {
    TlsSpec {
        host: addr.ip().to_string(),
        port: addr.port(),
        server_name: server_name.to_string(),
        ca_file: ca_file.map(Path::to_path_buf),
        starttls: None,
        expect: TlsExpect {
            valid_for: None,
            warn_within: None,
            covers: Vec::new(),
            trusted: true,
            min_version: None,
            issuer_contains: None,
        },
    }
}

async fn check(spec: TlsSpec) -> Outcome {
    check_within(spec, Duration::from_secs(10)).await
}

async fn check_within(spec: TlsSpec, timeout: Duration) -> Outcome {
    let ctx = ProbeCtx::new();
    probe::run(&Spec::Tls(spec), &ctx, Instant::now() + timeout).await
}

#[track_caller]
fn assert_pass(o: &Outcome) {
    assert!(
        o.is_pass(),
        "expected a pass, got {:?} (details: {:?})",
        o.verdict,
        o.details
    );
}

#[track_caller]
fn assert_fail(o: &Outcome, layer: Layer, message: &str) {
    match &o.verdict {
        Verdict::Fail {
            layer: l,
            message: m,
        } => {
            assert_eq!(
                (*l, m.as_str()),
                (layer, message),
                "details: {:?}",
                o.details
            );
        }
        Verdict::Pass => panic!("expected `{layer}: {message}`, got a pass ({})", o.fact),
    }
}

#[track_caller]
fn fail_message(o: &Outcome) -> String {
    match &o.verdict {
        Verdict::Fail { message, .. } => message.clone(),
        Verdict::Pass => panic!("expected a failure, got a pass ({})", o.fact),
    }
}

// ------------------------------------------------------------ good chains

#[tokio::test]
async fn wildcard_leaf_passes_and_reports_the_chain() {
    let site = Site::start().await;
    let o = check(site.spec("www.example.test")).await;
    assert_pass(&o);
    assert_eq!(
        o.fact,
        "expires in 90d · *.example.test · TLS1.3 · Test Intermediate"
    );
    assert!(o.warnings.is_empty());
    let d = &o.details;
    assert_eq!(d["tls_version"], "TLS1.3");
    assert!(
        d["cipher"].as_str().unwrap().starts_with("TLS13_"),
        "{}",
        d["cipher"]
    );
    assert_eq!(d["trusted"], true);
    assert_eq!(d["verification_error"], Value::Null);
    assert_eq!(d["server_name_matched_by"], "*.example.test");
    assert!(d["latency_ms"].as_f64().unwrap() > 0.0);
    let chain = d["chain"].as_array().unwrap();
    assert_eq!(chain.len(), 2);
    assert_eq!(chain[0]["role"], "leaf");
    assert_eq!(chain[0]["subject"], "CN=*.example.test");
    assert_eq!(chain[0]["sans"], serde_json::json!(["*.example.test"]));
    assert_eq!(chain[0]["issuer"], "CN=Test Intermediate");
    assert_eq!(chain[0]["key_type"], "ECDSA P-256");
    assert_eq!(chain[0]["days_left"], 90);
    assert!(
        chain[0]["serial"]
            .as_str()
            .unwrap()
            .chars()
            .all(|c| c.is_ascii_hexdigit())
    );
    assert_eq!(
        chain[0]["not_after"].as_str().unwrap()[..10],
        pki::date_in(90 * DAY + HOUR)
    );
    assert!(chain[0]["not_before"].as_str().unwrap().ends_with('Z'));
    assert_eq!(chain[1]["role"], "intermediate");
    assert_eq!(chain[1]["subject"], "CN=Test Intermediate");
    assert_eq!(chain[1]["issuer"], "CN=Test Root");
}

#[tokio::test]
async fn covers_reports_the_matching_san_and_a_wildcard_covers_one_label() {
    let site = Site::start().await;
    let mut spec = site.spec("www.example.test");
    spec.expect.covers = vec!["a.example.test".into(), "API.Example.Test.".into()];
    let o = check(spec.clone()).await;
    assert_pass(&o);
    assert_eq!(
        o.details["covers"],
        serde_json::json!([
            {"name": "a.example.test", "matched_by": "*.example.test"},
            {"name": "API.Example.Test.", "matched_by": "*.example.test"},
        ])
    );

    // SNI and the name check ignore case and a trailing dot.
    let o = check(site.spec("WWW.Example.TEST.")).await;
    assert_pass(&o);
    assert_eq!(o.details["server_name_matched_by"], "*.example.test");

    spec.expect.covers = vec!["a.example.test".into(), "a.b.example.test".into()];
    let o = check(spec.clone()).await;
    assert_fail(
        &o,
        Layer::Tls,
        "*.example.test does not cover a.b.example.test: a wildcard matches one label",
    );
    assert_eq!(o.details["covers"][0]["matched_by"], "*.example.test");
    assert_eq!(o.details["covers"][1]["matched_by"], Value::Null);

    spec.expect.covers = vec!["example.test".into()];
    let o = check(spec).await;
    assert_fail(
        &o,
        Layer::Tls,
        "*.example.test does not cover example.test: a wildcard never covers the bare domain",
    );
}

#[tokio::test]
async fn apex_leaf_with_an_rsa_key() {
    let site = Site::start().await;
    let mut spec = site.spec("example.test");
    let o = check(spec.clone()).await;
    assert_pass(&o);
    assert_eq!(o.details["chain"][0]["key_type"], "RSA 2048");
    spec.expect.covers = vec!["www.example.test".into()];
    let o = check(spec).await;
    assert_fail(
        &o,
        Layer::Tls,
        "www.example.test does not match the certificate (SANs: example.test)",
    );
}

#[tokio::test]
async fn ip_address_is_checked_against_ip_sans_without_sni() {
    let site = Site::start().await;
    let mut spec = site.spec("127.0.0.1");
    spec.expect.covers = vec!["127.0.0.1".into(), "localhost".into()];
    let o = check(spec.clone()).await;
    assert_pass(&o);
    assert_eq!(o.details["server_name_matched_by"], "127.0.0.1");
    assert_eq!(o.details["chain"][0]["key_type"], "Ed25519");
    assert!(o.fact.contains(" · 127.0.0.1 · "), "{}", o.fact);
    spec.expect.covers = vec!["127.0.0.2".into()];
    let o = check(spec).await;
    assert_fail(
        &o,
        Layer::Tls,
        "127.0.0.2 does not match the certificate (SANs: 127.0.0.1, localhost)",
    );
}

#[tokio::test]
async fn a_sent_root_is_reported_and_trusted_through_ca_file() {
    let site = Site::start().await;
    let o = check(site.spec("withroot.test")).await;
    assert_pass(&o);
    assert_eq!(o.details["chain"][2]["role"], "root");
    // Without the ca_file, the root the server sent is not a trust anchor.
    let o = check(spec_for(site.addr, "withroot.test", None)).await;
    assert_fail(
        &o,
        Layer::Tls,
        "unknown issuer CN=Test Root: the server sent this root, which is not trusted",
    );
    assert_eq!(o.details["trusted"], false);
}

// ------------------------------------------------------------ dates

#[tokio::test]
async fn expired_leaf_says_since_when() {
    let site = Site::start().await;
    let want = format!(
        "certificate expired 3 days ago (notAfter {})",
        pki::date_in(-3 * DAY - HOUR)
    );
    let mut spec = site.spec("expired.test");
    assert_fail(&check(spec.clone()).await, Layer::Tls, &want);
    // `trusted: false` still checks dates.
    spec.expect.trusted = false;
    assert_fail(&check(spec).await, Layer::Tls, &want);
}

#[tokio::test]
async fn not_yet_valid_leaf_says_until_when() {
    let site = Site::start().await;
    let o = check(site.spec("future.test")).await;
    let want = format!(
        "certificate not yet valid: starts in 3 days (notBefore {})",
        pki::date_in(3 * DAY + HOUR)
    );
    assert_fail(&o, Layer::Tls, &want);
}

#[tokio::test]
async fn leaf_expiring_in_five_days_fails_valid_for_and_warns_within() {
    let site = Site::start().await;
    let date = pki::date_in(5 * DAY + HOUR);
    let mut spec = site.spec("soon.test");
    spec.expect.valid_for = Some(Duration::from_secs(14 * 86_400));
    spec.expect.warn_within = Some(Duration::from_secs(30 * 86_400));
    let o = check(spec.clone()).await;
    assert_fail(
        &o,
        Layer::Tls,
        &format!("certificate expires in 5d ({date}), expected at least 14d"),
    );

    spec.expect.valid_for = Some(Duration::from_secs(3 * 86_400));
    let o = check(spec).await;
    assert_pass(&o);
    assert_eq!(
        o.warnings,
        vec![format!(
            "certificate expires in 5d ({date}), within the 30d warning window"
        )]
    );
    assert!(
        o.fact.starts_with("expires in 5d · soon.test · "),
        "{}",
        o.fact
    );
}

#[tokio::test]
async fn intermediate_expiring_before_the_leaf_is_named() {
    let site = Site::start().await;
    let date = pki::date_in(3 * DAY + HOUR);
    let mut spec = site.spec("shortint.test");
    let o = check(spec.clone()).await;
    assert_pass(&o);
    // The fact shows the soonest expiry in the chain, not the leaf's.
    assert!(
        o.fact.starts_with("expires in 3d · shortint.test"),
        "{}",
        o.fact
    );

    spec.expect.valid_for = Some(Duration::from_secs(14 * 86_400));
    let o = check(spec.clone()).await;
    assert_fail(
        &o,
        Layer::Tls,
        &format!(
            "intermediate \"CN=Short Intermediate\" expires in 3d ({date}), expected at least 14d"
        ),
    );
    spec.expect.valid_for = None;
    spec.expect.warn_within = Some(Duration::from_secs(7 * 86_400));
    let o = check(spec).await;
    assert_pass(&o);
    assert_eq!(
        o.warnings,
        vec![format!(
            "intermediate \"CN=Short Intermediate\" expires in 3d ({date}), within the 7d warning window"
        )]
    );
}

// ------------------------------------------------------------ trust and names

#[tokio::test]
async fn wrong_host_lists_the_sans_unless_untrusted_is_allowed() {
    let site = Site::start().await;
    let mut spec = site.spec("wrong.test");
    let o = check(spec.clone()).await;
    assert_fail(
        &o,
        Layer::Tls,
        "wrong.test does not match the certificate (SANs: a.example, *.b.example)",
    );
    // The chain itself is fine: only the name is wrong.
    assert_eq!(o.details["trusted"], true);
    spec.expect.trusted = false;
    assert_pass(&check(spec).await);
}

#[tokio::test]
async fn self_signed_certificate() {
    let site = Site::start().await;
    let mut spec = site.spec("self.test");
    assert_fail(
        &check(spec.clone()).await,
        Layer::Tls,
        "self-signed certificate CN=self.test",
    );
    spec.expect.trusted = false;
    let o = check(spec).await;
    assert_pass(&o);
    assert_eq!(o.details["trusted"], false);
    assert_eq!(
        o.details["verification_error"],
        "self-signed certificate CN=self.test"
    );
}

#[tokio::test]
async fn leaf_served_without_its_intermediate() {
    let site = Site::start().await;
    let o = check(site.spec("nochain.test")).await;
    assert_fail(
        &o,
        Layer::Tls,
        "server sent no intermediate: chain incomplete (the leaf is issued by CN=Test Intermediate)",
    );
    assert_eq!(o.details["chain"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn unknown_issuer_is_named() {
    let site = Site::start().await;
    let o = check(site.spec("acme.test")).await;
    assert_fail(
        &o,
        Layer::Tls,
        "unknown issuer CN=Acme Internal CA: not a trusted root (or an intermediate the server did not send)",
    );
    // The good chain is unknown without the test root in ca_file.
    let o = check(spec_for(site.addr, "www.example.test", None)).await;
    assert_fail(
        &o,
        Layer::Tls,
        "unknown issuer CN=Test Root: not a trusted root",
    );
}

#[tokio::test]
async fn min_version_and_issuer_contains() {
    let site = Site::start_with(TLS12_ONLY).await;
    let mut spec = site.spec("www.example.test");
    spec.expect.min_version = Some(TlsVersion::V1_2);
    spec.expect.issuer_contains = Some("test INTERMEDIATE".into());
    let o = check(spec.clone()).await;
    assert_pass(&o);
    assert_eq!(o.details["tls_version"], "TLS1.2");
    assert!(o.fact.contains(" · TLS1.2 · "), "{}", o.fact);
    assert!(
        o.details["cipher"]
            .as_str()
            .unwrap()
            .starts_with("TLS_ECDHE_"),
        "{}",
        o.details["cipher"]
    );

    spec.expect.min_version = Some(TlsVersion::V1_3);
    assert_fail(
        &check(spec.clone()).await,
        Layer::Tls,
        "negotiated TLS1.2, expected at least TLS1.3",
    );

    spec.expect.min_version = None;
    spec.expect.issuer_contains = Some("Acme".into());
    assert_fail(
        &check(spec).await,
        Layer::Tls,
        "issuer \"CN=Test Intermediate\" does not contain \"Acme\"",
    );
}

#[tokio::test]
async fn every_problem_is_listed_in_details() {
    let site = Site::start().await;
    let mut spec = site.spec("expired.test");
    spec.expect.covers = vec!["other.test".into()];
    let o = check(spec).await;
    let problems = o.details["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(
        problems[0]
            .as_str()
            .unwrap()
            .starts_with("certificate expired 3 days ago")
    );
    assert_eq!(
        problems[1],
        "other.test does not match the certificate (SANs: expired.test)"
    );
}

// ------------------------------------------------------------ handshake failures

#[tokio::test]
async fn connection_refused() {
    let addr = pki::serve_hostile(Hostile::Silent).await;
    let refused = pki::refused_addr().await;
    assert_ne!(addr, refused);
    let o = check(spec_for(refused, "a.test", None)).await;
    assert_fail(
        &o,
        Layer::Connect,
        &format!("connection refused to {refused}"),
    );
}

#[tokio::test]
async fn reset_mid_handshake() {
    let addr = pki::serve_hostile(Hostile::Reset).await;
    let o = check(spec_for(addr, "a.test", None)).await;
    assert_fail(&o, Layer::Tls, "connection reset during handshake");
}

#[tokio::test]
async fn garbage_instead_of_tls() {
    let addr = pki::serve_hostile(Hostile::Garbage(
        b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n",
    ))
    .await;
    let o = check(spec_for(addr, "a.test", None)).await;
    assert_fail(
        &o,
        Layer::Tls,
        "server did not speak TLS (received \"HTTP/1.1 400 Bad Request\")",
    );
}

#[tokio::test]
async fn silent_server_times_out_waiting_for_the_server_hello() {
    let addr = pki::serve_hostile(Hostile::Silent).await;
    let started = std::time::Instant::now();
    let o = check_within(spec_for(addr, "a.test", None), Duration::from_secs(1)).await;
    assert_fail(
        &o,
        Layer::Tls,
        "timed out after 1s waiting for the server hello",
    );
    // Generous bound: the point is that it does not hang.
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "took {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn no_common_protocol_version() {
    let addr = pki::serve_hostile(Hostile::ProtocolVersionAlert).await;
    let o = check(spec_for(addr, "a.test", None)).await;
    assert!(
        fail_message(&o).starts_with("no common protocol version"),
        "{:?}",
        o.verdict
    );

    let addr = pki::serve_hostile(Hostile::Tls10ServerHello).await;
    let o = check(spec_for(addr, "a.test", None)).await;
    assert!(
        fail_message(&o).starts_with("no common protocol version"),
        "{:?}",
        o.verdict
    );
}

// ------------------------------------------------------------ starttls, config

#[tokio::test]
async fn postgres_starttls() {
    let pki = Pki::new();
    let config = pki::server_config(pki.resolver(), TLS12_AND_13);
    let addr = pki::serve_postgres(config.clone(), b'S').await;
    let mut spec = spec_for(addr, "db.example.test", Some(&pki.ca_file));
    spec.starttls = Some(Starttls::Postgres);
    let o = check(spec.clone()).await;
    assert_pass(&o);
    assert!(o.fact.contains("*.example.test"), "{}", o.fact);

    let refusing = pki::serve_postgres(config, b'N').await;
    spec.port = refusing.port();
    let o = check(spec).await;
    assert_fail(
        &o,
        Layer::Tls,
        &format!(
            "postgres server at {refusing} does not accept TLS (answered N to the SSLRequest)"
        ),
    );
}

#[tokio::test]
async fn smtp_starttls_is_not_supported_yet() {
    let mut spec = spec_for("127.0.0.1:25".parse().unwrap(), "mail.test", None);
    spec.starttls = Some(Starttls::Smtp);
    assert_fail(
        &check(spec).await,
        Layer::Config,
        "starttls: smtp is not supported yet",
    );
}

#[tokio::test]
async fn unreadable_ca_file_is_a_config_error() {
    let site = Site::start().await;
    let missing = site.pki.ca_file.with_file_name("missing.pem");
    let o = check(spec_for(site.addr, "www.example.test", Some(&missing))).await;
    let Verdict::Fail { layer, message } = &o.verdict else {
        panic!("expected a failure")
    };
    assert_eq!(*layer, Layer::Config);
    assert!(message.starts_with("cannot read ca_file"), "{message}");
}

/// Many concurrent checks share one cached client configuration and each still sees its
/// own server's chain and verdict.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_checks_share_one_config() {
    let site = Site::start().await;
    let ctx = ProbeCtx::new();
    let names = [
        "www.example.test",
        "self.test",
        "expired.test",
        "example.test",
    ];
    let specs: Vec<Spec> = (0..40)
        .map(|i| Spec::Tls(site.spec(names[i % names.len()])))
        .collect();
    let deadline = Instant::now() + Duration::from_secs(20);
    let outcomes =
        futures_util::future::join_all(specs.iter().map(|s| probe::run(s, &ctx, deadline))).await;
    for (i, o) in outcomes.iter().enumerate() {
        match names[i % names.len()] {
            "www.example.test" | "example.test" => assert_pass(o),
            "self.test" => assert_fail(o, Layer::Tls, "self-signed certificate CN=self.test"),
            _ => assert!(fail_message(o).starts_with("certificate expired 3 days ago")),
        }
    }
}

// ------------------------------------------------------------ the API the http probe uses

#[tokio::test]
async fn inspect_and_explain_for_other_probes() {
    use smokecheck::probe::tls;
    let site = Site::start().await;
    let ctx = ProbeCtx::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    let target = |server_name| tls::Target {
        host: "shop.invalid",
        port: site.addr.port(),
        server_name,
        ca_file: Some(&site.pki.ca_file),
        starttls: None,
        // Like http's `resolve`: connect here, keep the name for SNI and checks.
        connect_to: Some(site.addr.ip()),
    };

    let good = tls::inspect(&target("www.example.test"), &ctx, deadline)
        .await
        .unwrap();
    assert_eq!(tls::explain(&good), None);
    assert_eq!(
        tls::expiry_shortfall(
            &good.chain,
            Duration::from_secs(30 * 86_400),
            good.checked_at
        ),
        None
    );

    let soon = tls::inspect(&target("soon.test"), &ctx, deadline)
        .await
        .unwrap();
    assert_eq!(tls::explain(&soon), None);
    let short = tls::expiry_shortfall(
        &soon.chain,
        Duration::from_secs(14 * 86_400),
        soon.checked_at,
    );
    assert_eq!(
        short,
        Some(format!(
            "certificate expires in 5d ({})",
            pki::date_in(5 * DAY + HOUR)
        ))
    );

    let expired = tls::inspect(&target("expired.test"), &ctx, deadline)
        .await
        .unwrap();
    let want = format!(
        "certificate expired 3 days ago (notAfter {})",
        pki::date_in(-3 * DAY - HOUR)
    );
    assert_eq!(tls::explain(&expired), Some(want));
    let wrong = tls::inspect(&target("wrong.test"), &ctx, deadline)
        .await
        .unwrap();
    assert_eq!(
        tls::explain(&wrong).as_deref(),
        Some("wrong.test does not match the certificate (SANs: a.example, *.b.example)")
    );

    // Failures to get a handshake at all come back as the outcome to report.
    let refused = pki::refused_addr().await;
    let mut t = target("www.example.test");
    t.port = refused.port();
    let err = tls::inspect(&t, &ctx, deadline).await.unwrap_err();
    assert_fail(
        &err,
        Layer::Connect,
        &format!("connection refused to {refused}"),
    );
}
