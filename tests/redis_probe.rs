//! `redis` probe against a real Redis on loopback (`SMOKECHECK_TEST_REDIS_URL`), a second
//! `redis-server` with a password started here, and the real server behind a TLS
//! terminator with a private CA for `rediss://`.

#![allow(clippy::unwrap_used, reason = "a test may panic on what it set up")]

#[path = "support/db_fixtures.rs"]
mod db_fixtures;
#[path = "support/services.rs"]
mod services;

use std::time::Duration;

use db_fixtures::*;
use services::closed_port;
use smokecheck::probe::{self, Layer, ProbeCtx};
use smokecheck::suite::model::{RedisExpect, RedisSpec, Spec};
use tokio::net::TcpStream;

// ------------------------------------------------------------------ redis

fn redis(url: &str, command: &[&str]) -> RedisSpec {
    RedisSpec {
        url: url.to_string(),
        command: command.iter().map(|s| s.to_string()).collect(),
        ca_file: None,
        expect: RedisExpect::default(),
    }
}

/// A second `redis-server` with a password, on a free port, killed when dropped.
struct PasswordRedis {
    child: tokio::process::Child,
    port: u16,
}

impl PasswordRedis {
    async fn start(password: &str) -> Option<PasswordRedis> {
        let port = closed_port();
        let spawned = tokio::process::Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--requirepass",
                password,
            ])
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .stdout(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn();
        let child = match spawned {
            Ok(child) => child,
            Err(e) => {
                services::missing(&format!("cannot start redis-server ({e})"));
                return None;
            }
        };
        for _ in 0..100 {
            if TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return Some(PasswordRedis { child, port });
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("redis-server on port {port} did not come up");
    }

    async fn stop(mut self) {
        self.child.kill().await.ok();
    }
}

#[tokio::test]
async fn redis_ping_passes_with_version() {
    let Some(url) = services::redis_url() else {
        return;
    };
    let out = run(Spec::Redis(redis(&url, &[])), 10).await;
    assert_pass(&out);
    assert!(out.fact.starts_with("Redis "), "{}", out.fact);
    assert!(out.fact.contains(" · PONG · "), "{}", out.fact);
    assert!(
        out.details["server_version"]
            .as_str()
            .is_some_and(|v| !v.is_empty())
    );
    assert_eq!(out.details["tls"], false);
}

#[tokio::test]
async fn redis_set_get_and_value_mismatch() {
    let Some(url) = services::redis_url() else {
        return;
    };
    let key = format!("smokecheck:test:{}", std::process::id());
    let mut set = redis(&url, &["SET", &key, "v1"]);
    set.expect.value = Some("OK".into());
    assert_pass(&run(Spec::Redis(set), 10).await);

    let mut get = redis(&url, &["GET", &key]);
    get.expect.value = Some("v1".into());
    assert_pass(&run(Spec::Redis(get.clone()), 10).await);
    get.expect.value = Some("v2".into());
    let out = run(Spec::Redis(get), 10).await;
    assert_fail(&out, Layer::Assert, r#"reply was "v1", expected "v2""#);
    assert!(out.fact.contains(" · v1 · "), "{}", out.fact);

    let mut missing = redis(&url, &["GET", "smokecheck:test:never-set"]);
    missing.expect.value = Some("(nil)".into());
    assert_pass(&run(Spec::Redis(missing), 10).await);

    let mut del = redis(&url, &["DEL", &key]);
    del.expect.value = Some("1".into());
    assert_pass(&run(Spec::Redis(del), 10).await);
}

#[tokio::test]
async fn redis_error_reply_is_query() {
    let Some(url) = services::redis_url() else {
        return;
    };
    let out = run(Spec::Redis(redis(&url, &["SMOKECHECKNOPE"])), 10).await;
    assert_fail(&out, Layer::Query, "ERR unknown command");
}

#[tokio::test]
async fn redis_db_index_from_url() {
    let Some(url) = services::redis_url() else {
        return;
    };
    let out = run(Spec::Redis(redis(&with_path(&url, "/3"), &[])), 10).await;
    assert_pass(&out);
    assert_eq!(out.details["db"], 3);
    let out = run(Spec::Redis(redis(&with_path(&url, "/9999"), &[])), 10).await;
    assert_fail(&out, Layer::Auth, "DB index is out of range");
}

#[tokio::test]
async fn redis_nothing_listening_is_connect() {
    let port = closed_port();
    let out = run(
        Spec::Redis(redis(&format!("redis://127.0.0.1:{port}"), &[])),
        10,
    )
    .await;
    assert_fail(
        &out,
        Layer::Connect,
        &format!("connection refused to 127.0.0.1:{port}"),
    );
}

#[tokio::test]
async fn redis_silent_server_and_slow_command_time_out() {
    let (port, _server) = silent_server().await;
    let out = probe::run(
        &Spec::Redis(redis(&format!("redis://:pw@127.0.0.1:{port}"), &[])),
        &ProbeCtx::new(),
        tokio::time::Instant::now() + Duration::from_secs(1),
    )
    .await;
    assert_fail(
        &out,
        Layer::Connect,
        &format!("timed out after 1s waiting for 127.0.0.1:{port} to answer the login"),
    );

    let Some(url) = services::redis_url() else {
        return;
    };
    let out = probe::run(
        &Spec::Redis(redis(&url, &["BLPOP", "smokecheck:test:empty-list", "5"])),
        &ProbeCtx::new(),
        tokio::time::Instant::now() + Duration::from_secs(1),
    )
    .await;
    assert_fail(
        &out,
        Layer::Query,
        "timed out after 1s waiting for the reply to BLPOP",
    );
}

#[tokio::test]
async fn redis_auth_ok_wrong_and_missing_password() {
    if services::redis_url().is_none() {
        return;
    }
    let password = "Redis-S3cret/pw";
    let Some(server) = PasswordRedis::start(password).await else {
        return;
    };
    let port = server.port;
    let encoded = password.replace('/', "%2F");

    let out = run(
        Spec::Redis(redis(&format!("redis://:{encoded}@127.0.0.1:{port}"), &[])),
        10,
    )
    .await;
    assert_pass(&out);

    let out = run(
        Spec::Redis(redis(&format!("redis://:wrong-pw@127.0.0.1:{port}"), &[])),
        10,
    )
    .await;
    assert_fail(&out, Layer::Auth, "WRONGPASS");
    let everything = format!("{:?} {:?}", out.verdict, out.details);
    assert!(!everything.contains("wrong-pw"), "{everything}");

    let out = run(
        Spec::Redis(redis(&format!("redis://127.0.0.1:{port}"), &[])),
        10,
    )
    .await;
    assert_fail(&out, Layer::Auth, "NOAUTH");

    // An ACL user, created through the probe itself, then used from the URL.
    let admin = format!("redis://:{encoded}@127.0.0.1:{port}");
    let mut acl = redis(
        &admin,
        &["ACL", "SETUSER", "smoke", "on", ">smoke-pw", "+ping"],
    );
    acl.expect.value = Some("OK".into());
    assert_pass(&run(Spec::Redis(acl), 10).await);
    let user = format!("redis://smoke:smoke-pw@127.0.0.1:{port}");
    assert_pass(&run(Spec::Redis(redis(&user, &[])), 10).await);
    let out = run(Spec::Redis(redis(&user, &["GET", "k"])), 10).await;
    assert_fail(&out, Layer::Auth, "NOPERM");
    let everything = format!("{:?} {} {:?}", out.verdict, out.fact, out.details);
    assert!(
        !everything.contains("smoke-pw") && !everything.contains(password),
        "{everything}"
    );

    server.stop().await;
}

/// `rediss://` through a TLS terminator with a private CA: unknown without `ca_file`,
/// trusted with it, name checked, and `#insecure` passes with a warning.
#[tokio::test]
async fn redis_tls_with_ca_file() {
    let Some(url) = services::redis_url() else {
        return;
    };
    let pki = Pki::new(&["127.0.0.1"], Validity::Current);
    let port = tls_terminator(upstream_of(&url, 6379), pki.server.clone(), Preamble::None).await;
    let tls_url = format!("rediss://127.0.0.1:{port}");

    let out = run(Spec::Redis(redis(&tls_url, &[])), 10).await;
    assert_fail(
        &out,
        Layer::Tls,
        "unknown issuer CN=Smokecheck Test CA: not a trusted root",
    );
    assert!(message(&out).contains("ca_file"), "{}", message(&out));

    let mut spec = redis(&tls_url, &[]);
    spec.ca_file = Some(pki.ca_file.path().to_path_buf());
    let out = run(Spec::Redis(spec), 10).await;
    assert_pass(&out);
    assert!(out.fact.contains(" · TLS 1."), "{}", out.fact);
    assert_eq!(out.details["tls"], true);

    let out = run(Spec::Redis(redis(&format!("{tls_url}#insecure"), &[])), 10).await;
    assert_pass(&out);
    assert_eq!(
        out.warnings,
        vec!["TLS certificate not verified (#insecure in the URL)".to_string()]
    );

    let other = Pki::new(&["cache.test"], Validity::Current);
    let port = tls_terminator(
        upstream_of(&url, 6379),
        other.server.clone(),
        Preamble::None,
    )
    .await;
    let mut spec = redis(&format!("rediss://127.0.0.1:{port}"), &[]);
    spec.ca_file = Some(other.ca_file.path().to_path_buf());
    let out = run(Spec::Redis(spec), 10).await;
    assert_fail(
        &out,
        Layer::Tls,
        "127.0.0.1 does not match the certificate (SANs: cache.test)",
    );
}

#[tokio::test]
async fn redis_plaintext_server_behind_rediss_is_tls() {
    let Some(url) = services::redis_url() else {
        return;
    };
    let upstream = url::Url::parse(&url).unwrap();
    let port = upstream.port().unwrap_or(6379);
    // Redis waits for a line that a ClientHello never completes: the handshake times out.
    let out = run(
        Spec::Redis(redis(&format!("rediss://127.0.0.1:{port}"), &[])),
        2,
    )
    .await;
    assert_fail(&out, Layer::Tls, "in the TLS handshake with 127.0.0.1:");
}
