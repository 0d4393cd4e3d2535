//! `postgres` and `mysql` probes against real servers on loopback (see
//! `support/services.rs` for the environment variables). Fakes appear only where a real
//! server cannot be made to misbehave on cue (`support/db_fixtures.rs`).

#![allow(clippy::unwrap_used, reason = "a test may panic on what it set up")]

#[path = "support/db_fixtures.rs"]
mod db_fixtures;
#[path = "support/services.rs"]
mod services;

use std::time::Duration;

use db_fixtures::*;
use services::closed_port;
use smokecheck::probe::{self, Layer, ProbeCtx};
use smokecheck::suite::model::{DbExpect, DbSpec, Spec};
use sqlx::Connection;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

fn db(url: &str, query: &str) -> DbSpec {
    DbSpec {
        url: url.to_string(),
        query: query.to_string(),
        expect: DbExpect::default(),
    }
}

// ------------------------------------------------------------------ postgres

const PW_ROLE: &str = "smokecheck_pw";
const PW: &str = "Sm0ke-p@ss word";
const NOLOGIN_ROLE: &str = "smokecheck_nologin";

/// Roles the tests need, created idempotently.
async fn pg_setup(url: &str) {
    let mut conn = sqlx::PgConnection::connect(url)
        .await
        .expect("admin connection to postgres");
    for sql in [
        format!(
            "do $$ begin if not exists (select from pg_roles where rolname = '{PW_ROLE}') \
             then create role {PW_ROLE} login password '{PW}'; end if; end $$"
        ),
        format!(
            "do $$ begin if not exists (select from pg_roles where rolname = '{NOLOGIN_ROLE}') \
             then create role {NOLOGIN_ROLE} nologin; end if; end $$"
        ),
    ] {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&mut conn)
            .await
            .expect("setup");
    }
    conn.close().await.ok();
}

async fn pg_cert_file(url: &str) -> String {
    let mut conn = sqlx::PgConnection::connect(url)
        .await
        .expect("admin connection to postgres");
    let (path,): (String,) = sqlx::query_as("select current_setting('ssl_cert_file')")
        .fetch_one(&mut conn)
        .await
        .expect("ssl_cert_file");
    conn.close().await.ok();
    path
}

fn pg(url: &str, query: &str) -> DbSpec {
    db(url, query)
}

#[tokio::test]
async fn postgres_passes_with_version_tls_and_latency() {
    let Some(url) = services::postgres_url() else {
        return;
    };
    let mut spec = pg(&url, "select 1");
    spec.expect.value = Some("1".into());
    spec.expect.rows_at_least = Some(1);
    let out = run(Spec::Postgres(spec), 10).await;
    assert_pass(&out);
    assert!(out.fact.starts_with("PostgreSQL 1"), "{}", out.fact);
    assert!(
        out.fact.ends_with("ms") || out.fact.ends_with('s'),
        "{}",
        out.fact
    );
    assert!(out.details["latency_ms"].as_f64().is_some());
    assert_eq!(out.details["rows"], 1);
    assert_eq!(out.details["value"], "1");
    assert!(
        out.details["server_version"]
            .as_str()
            .is_some_and(|v| !v.is_empty())
    );
}

#[tokio::test]
async fn postgres_renders_values_as_text() {
    let Some(url) = services::postgres_url() else {
        return;
    };
    for (sql, want) in [
        ("select 42::int8", "42"),
        ("select 1.5::float8", "1.5"),
        ("select 2.50::numeric(5,2)", "2.50"),
        ("select true", "true"),
        ("select 'hello'::text", "hello"),
        ("select null::int", "NULL"),
        ("select date '2024-02-29'", "2024-02-29"),
    ] {
        let mut spec = pg(&url, sql);
        spec.expect.value = Some(want.into());
        let out = run(Spec::Postgres(spec), 10).await;
        assert!(out.is_pass(), "{sql}: {:?}", out.verdict);
    }
}

#[tokio::test]
async fn postgres_value_and_rows_fail_as_assert() {
    let Some(url) = services::postgres_url() else {
        return;
    };
    let mut spec = pg(&url, "select 'degraded'");
    spec.expect.value = Some("ok".into());
    let out = run(Spec::Postgres(spec), 10).await;
    assert_fail(
        &out,
        Layer::Assert,
        r#"first value was "degraded", expected "ok""#,
    );

    let mut spec = pg(&url, "select generate_series(1, 3)");
    spec.expect.rows_at_least = Some(3);
    assert_pass(&run(Spec::Postgres(spec.clone()), 10).await);
    spec.expect.rows_at_least = Some(5);
    let out = run(Spec::Postgres(spec), 10).await;
    assert_fail(
        &out,
        Layer::Assert,
        "query returned 3 rows, expected at least 5",
    );
}

#[tokio::test]
async fn postgres_query_error_shows_sqlstate() {
    let Some(url) = services::postgres_url() else {
        return;
    };
    let out = run(
        Spec::Postgres(pg(&url, "select * from smokecheck_no_such_table")),
        10,
    )
    .await;
    assert_fail(
        &out,
        Layer::Query,
        r#"relation "smokecheck_no_such_table" does not exist (SQLSTATE 42P01)"#,
    );
    assert_eq!(out.details["sqlstate"], "42P01");
}

#[tokio::test]
async fn postgres_login_refusals_are_auth() {
    let Some(url) = services::postgres_url() else {
        return;
    };
    pg_setup(&url).await;

    let out = run(
        Spec::Postgres(pg(&with_user(&url, "smokecheck_nobody", None), "select 1")),
        10,
    )
    .await;
    assert_fail(
        &out,
        Layer::Auth,
        r#"role "smokecheck_nobody" does not exist"#,
    );

    let out = run(
        Spec::Postgres(pg(&with_user(&url, NOLOGIN_ROLE, None), "select 1")),
        10,
    )
    .await;
    assert_fail(
        &out,
        Layer::Auth,
        r#"role "smokecheck_nologin" is not permitted to log in"#,
    );

    let out = run(
        Spec::Postgres(pg(&with_path(&url, "/smokecheck_no_db"), "select 1")),
        10,
    )
    .await;
    assert_fail(
        &out,
        Layer::Auth,
        r#"database "smokecheck_no_db" does not exist"#,
    );
}

/// The password never appears, neither as written (percent-encoded) nor decoded, even
/// when the check fails and the server or driver talks about the login.
#[tokio::test]
async fn postgres_password_is_masked_everywhere() {
    let Some(url) = services::postgres_url() else {
        return;
    };
    let encoded = "S3cr3t%2Fpw%40x";
    let decoded = "S3cr3t/pw@x";
    for (user, query) in [
        ("smokecheck_nobody", "select 1"),
        (PW_ROLE, "select '[S3cr3t/pw@x]'"),
    ] {
        let target = with_user(&url, user, Some(encoded));
        pg_setup(&url).await;
        let out = run(Spec::Postgres(pg(&target, query)), 10).await;
        let everything = format!(
            "{:?} {} {:?} {:?}",
            out.verdict, out.fact, out.warnings, out.details
        );
        assert!(!everything.contains(decoded), "{everything}");
        assert!(!everything.contains(encoded), "{everything}");
    }
}

#[tokio::test]
async fn postgres_nothing_listening_is_connect() {
    let port = closed_port();
    let url = format!("postgres://postgres@127.0.0.1:{port}/test");
    let out = run(Spec::Postgres(pg(&url, "select 1")), 10).await;
    assert_fail(
        &out,
        Layer::Connect,
        &format!("connection refused to 127.0.0.1:{port}"),
    );
}

#[tokio::test]
async fn postgres_silent_server_times_out_at_connect() {
    let (port, _server) = silent_server().await;
    let url = format!("postgres://postgres@127.0.0.1:{port}/test?sslmode=disable");
    let out = probe::run(
        &Spec::Postgres(pg(&url, "select 1")),
        &ProbeCtx::new(),
        tokio::time::Instant::now() + Duration::from_secs(1),
    )
    .await;
    assert_fail(
        &out,
        Layer::Connect,
        &format!("timed out after 1s connecting to 127.0.0.1:{port}"),
    );
}

#[tokio::test]
async fn postgres_slow_query_times_out_at_query() {
    let Some(url) = services::postgres_url() else {
        return;
    };
    let out = probe::run(
        &Spec::Postgres(pg(&url, "select pg_sleep(5)")),
        &ProbeCtx::new(),
        tokio::time::Instant::now() + Duration::from_millis(1500),
    )
    .await;
    assert_fail(
        &out,
        Layer::Query,
        "timed out after 1.5s waiting for the query",
    );
}

#[tokio::test]
async fn postgres_sslmode_require_and_disable() {
    let Some(url) = services::postgres_url() else {
        return;
    };
    let base = with_path(&url, "/test");
    let out = run(
        Spec::Postgres(pg(&with_param(&base, "sslmode=require"), "select 1")),
        10,
    )
    .await;
    assert_pass(&out);
    assert!(out.fact.contains(" · TLS"), "{}", out.fact);
    assert_eq!(out.details["tls"], true);

    let out = run(
        Spec::Postgres(pg(&with_param(&base, "sslmode=disable"), "select 1")),
        10,
    )
    .await;
    assert_pass(&out);
    assert!(out.fact.contains(" · no TLS · "), "{}", out.fact);
    assert_eq!(out.details["tls"], false);
}

/// Against the real server and its real (Debian snakeoil, self-signed) certificate:
/// verify-ca trusts it through `sslrootcert`; verify-full also checks the name, and the
/// certificate names localhost, never 127.0.0.1. (Whether verify-ca passes *without*
/// `sslrootcert` depends on the machine — Debian puts snakeoil in `SSL_CERT_DIR` — so the
/// unknown-issuer case runs against a private CA below.)
#[tokio::test]
async fn postgres_verify_against_the_servers_own_certificate() {
    let Some(url) = services::postgres_url() else {
        return;
    };
    let cert = pg_cert_file(&url).await;
    let base = with_path(&url, "/test");

    let trusted = with_param(&base, &format!("sslmode=verify-ca&sslrootcert={cert}"));
    let out = run(Spec::Postgres(pg(&trusted, "select 1")), 10).await;
    assert_pass(&out);
    assert!(out.fact.contains(" · TLS"), "{}", out.fact);

    let full = with_param(&base, &format!("sslmode=verify-full&sslrootcert={cert}"));
    let out = run(Spec::Postgres(pg(&full, "select 1")), 10).await;
    assert_fail(
        &out,
        Layer::Tls,
        "127.0.0.1 does not match the certificate (SANs: localhost",
    );
}

/// The real server behind a TLS terminator that presents a certificate from a private CA
/// made here: no system trusts it, so verification is decided by `sslrootcert` alone.
#[tokio::test]
async fn postgres_verify_ca_and_full_with_a_private_ca() {
    let Some(url) = services::postgres_url() else {
        return;
    };
    let pki = Pki::new(&["db.test"], Validity::Current);
    let port = tls_terminator(
        upstream_of(&url, 5432),
        pki.server.clone(),
        Preamble::Postgres,
    )
    .await;
    let base = with_port(&with_path(&url, "/test"), port);
    let ca = pki.ca_path();

    let out = run(
        Spec::Postgres(pg(&with_param(&base, "sslmode=verify-ca"), "select 1")),
        10,
    )
    .await;
    assert_fail(
        &out,
        Layer::Tls,
        "unknown issuer CN=Smokecheck Test CA: not a trusted root",
    );
    assert!(
        message(&out).ends_with("; set sslrootcert to the CA that signed the server's certificate"),
        "{}",
        message(&out)
    );

    let out = run(
        Spec::Postgres(pg(&with_param(&base, "sslmode=require"), "select 1")),
        10,
    )
    .await;
    assert_pass(&out);

    let with_ca = with_param(&base, &format!("sslmode=verify-ca&sslrootcert={ca}"));
    assert_pass(&run(Spec::Postgres(pg(&with_ca, "select 1")), 10).await);

    let full = with_param(&base, &format!("sslmode=verify-full&sslrootcert={ca}"));
    let out = run(Spec::Postgres(pg(&full, "select 1")), 10).await;
    assert_fail(
        &out,
        Layer::Tls,
        "127.0.0.1 does not match the certificate (SANs: db.test)",
    );
}

#[tokio::test]
async fn postgres_expired_certificate_is_tls() {
    let Some(url) = services::postgres_url() else {
        return;
    };
    let pki = Pki::new(&["127.0.0.1"], Validity::Expired);
    let port = tls_terminator(
        upstream_of(&url, 5432),
        pki.server.clone(),
        Preamble::Postgres,
    )
    .await;
    let ca = pki.ca_path();
    let target = with_param(
        &with_port(&url, port),
        &format!("sslmode=verify-full&sslrootcert={ca}"),
    );
    let out = run(Spec::Postgres(pg(&target, "select 1")), 10).await;
    assert_fail(&out, Layer::Tls, " days ago (notAfter 2020-06-01)");
    assert!(message(&out).contains("expired"), "{}", message(&out));
}

#[tokio::test]
async fn postgres_missing_root_cert_is_config() {
    let url =
        "postgres://postgres@127.0.0.1:5432/test?sslmode=verify-ca&sslrootcert=/nonexistent/ca.pem";
    let out = run(Spec::Postgres(pg(url, "select 1")), 10).await;
    assert_fail(
        &out,
        Layer::Config,
        "cannot read sslrootcert /nonexistent/ca.pem",
    );
}

#[tokio::test]
async fn postgres_unknown_url_parameter_warns() {
    let Some(url) = services::postgres_url() else {
        return;
    };
    let out = run(
        Spec::Postgres(pg(&with_param(&url, "sslmod=require"), "select 1")),
        10,
    )
    .await;
    assert_pass(&out);
    assert_eq!(
        out.warnings,
        vec!["URL parameter `sslmod` is not supported and was ignored".to_string()]
    );
}

/// A server that agrees to TLS and then hangs up: libpq's "SSL SYSCALL error: EOF
/// detected". Transient by nature, so it is a `connect` failure that says "reset".
#[tokio::test]
async fn postgres_reset_during_tls_handshake_is_connect() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let mut request = [0u8; 8]; // SSLRequest
            if sock.read_exact(&mut request).await.is_ok() {
                let _ = sock.write_all(b"S").await;
                // Read the whole ClientHello record, then close cleanly (FIN, no RST).
                let mut header = [0u8; 5];
                if sock.read_exact(&mut header).await.is_ok() {
                    let len = u16::from_be_bytes([header[3], header[4]]) as usize;
                    let mut hello = vec![0u8; len];
                    let _ = sock.read_exact(&mut hello).await;
                }
            }
            let _ = sock.shutdown().await;
        }
    });
    let url = format!("postgres://postgres@127.0.0.1:{port}/test?sslmode=require");
    let out = run(Spec::Postgres(pg(&url, "select 1")), 10).await;
    assert_fail(
        &out,
        Layer::Connect,
        &format!("connection reset by 127.0.0.1:{port} during the TLS handshake"),
    );
}

/// A proxy that forwards to the real server and cuts both sides once the query is on
/// its way: the session dies mid-query.
#[tokio::test]
async fn postgres_reset_mid_query_is_connect() {
    let Some(url) = services::postgres_url() else {
        return;
    };
    let real = url::Url::parse(&url).unwrap();
    let upstream = format!(
        "{}:{}",
        real.host_str().unwrap(),
        real.port().unwrap_or(5432)
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let Ok((client, _)) = listener.accept().await else {
            return;
        };
        let server = TcpStream::connect(upstream).await.unwrap();
        cutting_proxy(client, server, b"pg_sleep").await;
    });
    let target = with_param(&with_port(&url, port), "sslmode=disable");
    let out = run(Spec::Postgres(pg(&target, "select pg_sleep(3)")), 10).await;
    assert_fail(
        &out,
        Layer::Connect,
        &format!("connection reset by 127.0.0.1:{port} during the query"),
    );
}

#[tokio::test]
async fn postgres_bad_url_is_config() {
    let out = run(
        Spec::Postgres(pg("mysql://root@127.0.0.1/test", "select 1")),
        5,
    )
    .await;
    assert_fail(
        &out,
        Layer::Config,
        "a postgres URL starts with postgres:// or postgresql://",
    );
}

// ------------------------------------------------------------------ mysql / mariadb

const MY_USER: &str = "smokecheck_pw";
const MY_PW: &str = "Sm0ke-p@ss";

/// A user with a password, created idempotently (root has no password here).
async fn mysql_setup(url: &str) {
    let mut conn = sqlx::MySqlConnection::connect(url)
        .await
        .expect("admin connection to mysql");
    for sql in [
        format!("create user if not exists '{MY_USER}'@'%' identified by '{MY_PW}'"),
        format!("alter user '{MY_USER}'@'%' identified by '{MY_PW}'"),
        format!("grant select on test.* to '{MY_USER}'@'%'"),
    ] {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&mut conn)
            .await
            .expect("setup");
    }
    conn.close().await.ok();
}

#[tokio::test]
async fn mysql_passes_with_version_and_latency() {
    let Some(url) = services::mysql_url() else {
        return;
    };
    let mut spec = db(&url, "select 1");
    spec.expect.value = Some("1".into());
    spec.expect.rows_at_least = Some(1);
    let out = run(Spec::Mysql(spec), 10).await;
    assert_pass(&out);
    let product = if out.details["server_version"]
        .as_str()
        .unwrap_or("")
        .contains("MariaDB")
    {
        "MariaDB 1"
    } else {
        "MySQL "
    };
    assert!(out.fact.starts_with(product), "{}", out.fact);
    assert!(out.details["latency_ms"].as_f64().is_some());
    assert!(out.details["tls"].is_boolean(), "{:?}", out.details);
}

#[tokio::test]
async fn mysql_renders_values_as_text() {
    let Some(url) = services::mysql_url() else {
        return;
    };
    for (sql, want) in [
        ("select 42", "42"),
        ("select 2.50", "2.50"),
        ("select 'hello'", "hello"),
        ("select null", "NULL"),
        ("select date '2024-02-29'", "2024-02-29"),
    ] {
        let mut spec = db(&url, sql);
        spec.expect.value = Some(want.into());
        let out = run(Spec::Mysql(spec), 10).await;
        assert!(out.is_pass(), "{sql}: {:?}", out.verdict);
    }
}

#[tokio::test]
async fn mysql_value_and_rows_fail_as_assert() {
    let Some(url) = services::mysql_url() else {
        return;
    };
    let mut spec = db(&url, "select 'degraded'");
    spec.expect.value = Some("ok".into());
    let out = run(Spec::Mysql(spec), 10).await;
    assert_fail(
        &out,
        Layer::Assert,
        r#"first value was "degraded", expected "ok""#,
    );

    let mut spec = db(&url, "select 1 union all select 2 union all select 3");
    spec.expect.rows_at_least = Some(3);
    assert_pass(&run(Spec::Mysql(spec.clone()), 10).await);
    spec.expect.rows_at_least = Some(4);
    let out = run(Spec::Mysql(spec), 10).await;
    assert_fail(
        &out,
        Layer::Assert,
        "query returned 3 rows, expected at least 4",
    );
}

#[tokio::test]
async fn mysql_query_error_shows_sqlstate() {
    let Some(url) = services::mysql_url() else {
        return;
    };
    let out = run(
        Spec::Mysql(db(&url, "select * from smokecheck_no_such_table")),
        10,
    )
    .await;
    assert_fail(
        &out,
        Layer::Query,
        "smokecheck_no_such_table' doesn't exist (SQLSTATE 42S02)",
    );
}

#[tokio::test]
async fn mysql_password_is_checked_and_masked() {
    let Some(url) = services::mysql_url() else {
        return;
    };
    mysql_setup(&url).await;
    let encoded_pw = MY_PW.replace('@', "%40");

    let good = with_user(&url, MY_USER, Some(&encoded_pw));
    assert_pass(&run(Spec::Mysql(db(&good, "select 1")), 10).await);

    let bad = with_user(&url, MY_USER, Some("wrong-Pa55"));
    let out = run(Spec::Mysql(db(&bad, "select 1")), 10).await;
    assert_fail(&out, Layer::Auth, "access denied for user 'smokecheck_pw'@");
    assert!(
        message(&out).contains("(using password: YES)"),
        "{}",
        message(&out)
    );
    let everything = format!("{:?} {} {:?}", out.verdict, out.fact, out.details);
    assert!(!everything.contains("wrong-Pa55"), "{everything}");

    // The password, echoed back in a value, is masked too.
    let echo = db(&good, "select 'Sm0ke-p@ss'");
    let out = run(Spec::Mysql(echo), 10).await;
    let everything = format!("{:?} {} {:?}", out.verdict, out.fact, out.details);
    assert!(!everything.contains(MY_PW), "{everything}");
}

#[tokio::test]
async fn mysql_unknown_database_is_auth() {
    let Some(url) = services::mysql_url() else {
        return;
    };
    let out = run(
        Spec::Mysql(db(&with_path(&url, "/smokecheck_no_db"), "select 1")),
        10,
    )
    .await;
    assert_fail(&out, Layer::Auth, "unknown database 'smokecheck_no_db'");
}

#[tokio::test]
async fn mysql_nothing_listening_is_connect() {
    let port = closed_port();
    let url = format!("mysql://root@127.0.0.1:{port}/test");
    let out = run(Spec::Mysql(db(&url, "select 1")), 10).await;
    assert_fail(
        &out,
        Layer::Connect,
        &format!("connection refused to 127.0.0.1:{port}"),
    );
}

#[tokio::test]
async fn mysql_silent_server_times_out_at_connect() {
    let (port, _server) = silent_server().await;
    let url = format!("mysql://root@127.0.0.1:{port}/test");
    let out = probe::run(
        &Spec::Mysql(db(&url, "select 1")),
        &ProbeCtx::new(),
        tokio::time::Instant::now() + Duration::from_secs(1),
    )
    .await;
    assert_fail(
        &out,
        Layer::Connect,
        &format!("timed out after 1s connecting to 127.0.0.1:{port}"),
    );
}

/// The ssl-mode ladder against whatever the server offers: DISABLED always connects in
/// plaintext; REQUIRED passes with TLS on a TLS server and fails at `tls` on one without.
#[tokio::test]
async fn mysql_ssl_modes() {
    let Some(url) = services::mysql_url() else {
        return;
    };
    let out = run(
        Spec::Mysql(db(&with_param(&url, "ssl-mode=DISABLED"), "select 1")),
        10,
    )
    .await;
    assert_pass(&out);
    assert!(out.fact.contains(" · no TLS · "), "{}", out.fact);

    let preferred = run(Spec::Mysql(db(&url, "select 1")), 10).await;
    assert_pass(&preferred);
    let server_has_tls = preferred.details["tls"] == true;

    let out = run(
        Spec::Mysql(db(&with_param(&url, "ssl-mode=REQUIRED"), "select 1")),
        10,
    )
    .await;
    if server_has_tls {
        assert_pass(&out);
        assert!(out.fact.contains(" · TLS"), "{}", out.fact);
    } else {
        let addr = out.details["address"].as_str().unwrap_or("?").to_string();
        assert_fail(
            &out,
            Layer::Tls,
            &format!("{addr} does not support TLS, but ssl-mode=REQUIRED requires it"),
        );
    }
}
