//! Fixtures for the database and cache probe tests: running one attempt and reading its
//! verdict, URL surgery, and the misbehaving peers a real server cannot play on cue — a
//! listener that never answers, a TLS terminator with a private CA in front of a real
//! server, a proxy that cuts a session mid-query.
//!
//! Used as `#[path = "support/db_fixtures.rs"] mod db_fixtures;`.

// Each test crate uses part of this file.
#![allow(dead_code, clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use smokecheck::probe::{self, Layer, Outcome, ProbeCtx, Verdict};
use smokecheck::suite::model::Spec;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::services::deadline;

// ------------------------------------------------------------------ helpers

pub async fn run(spec: Spec, secs: u64) -> Outcome {
    probe::run(&spec, &ProbeCtx::new(), deadline(secs)).await
}

#[track_caller]
pub fn assert_pass(out: &Outcome) {
    assert!(
        out.is_pass(),
        "expected a pass, got {:?} (details {:?})",
        out.verdict,
        out.details
    );
}

#[track_caller]
pub fn assert_fail(out: &Outcome, layer: Layer, needle: &str) {
    match &out.verdict {
        Verdict::Fail {
            layer: got,
            message,
        } => {
            assert_eq!(*got, layer, "wrong layer for {message:?}");
            assert!(
                message.contains(needle),
                "{message:?} does not contain {needle:?}"
            );
        }
        Verdict::Pass => panic!(
            "expected a {layer} failure containing {needle:?}, got a pass: {}",
            out.fact
        ),
    }
}

pub fn message(out: &Outcome) -> String {
    match &out.verdict {
        Verdict::Fail { message, .. } => message.clone(),
        Verdict::Pass => String::new(),
    }
}

/// Replaces the path and query of `url` (keeps scheme, credentials, host and port).
pub fn with_path(url: &str, path_and_query: &str) -> String {
    let mut u = url::Url::parse(url).unwrap();
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    u.set_path(path);
    u.set_query((!query.is_empty()).then_some(query));
    u.to_string()
}

pub fn with_user(url: &str, user: &str, password: Option<&str>) -> String {
    let mut u = url::Url::parse(url).unwrap();
    u.set_username(user).unwrap();
    u.set_password(password).unwrap();
    u.to_string()
}

pub fn with_param(url: &str, param: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}{param}")
}

pub fn with_port(url: &str, port: u16) -> String {
    let mut u = url::Url::parse(url).unwrap();
    u.set_port(Some(port)).unwrap();
    u.to_string()
}

/// A listener that accepts and then never says a word.
pub async fn silent_server() -> (u16, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let task = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = listener.accept().await {
            held.push(sock);
        }
    });
    (port, task)
}

// ------------------------------------------------------------------ TLS fixtures

#[derive(Clone, Copy, PartialEq)]
pub enum Validity {
    Current,
    Expired,
}

/// A private CA (written to a temp file, for `sslrootcert`/`ca_file`) and a server
/// certificate it signed for `names`.
pub struct Pki {
    pub ca_file: tempfile::NamedTempFile,
    pub server: Arc<rustls::ServerConfig>,
}

impl Pki {
    pub fn new(names: &[&str], validity: Validity) -> Pki {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "Smokecheck Test CA");
        let ca_cert = ca_params.self_signed(&ca_key).unwrap();
        let issuer = rcgen::Issuer::new(ca_params, &ca_key);

        let leaf_key = rcgen::KeyPair::generate().unwrap();
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        let mut leaf = rcgen::CertificateParams::new(names).unwrap();
        if validity == Validity::Expired {
            leaf.not_before = rcgen::date_time_ymd(2020, 1, 1);
            leaf.not_after = rcgen::date_time_ymd(2020, 6, 1);
        }
        let leaf_cert = leaf.signed_by(&leaf_key, &issuer).unwrap();

        let mut ca_file = tempfile::NamedTempFile::new().unwrap();
        std::io::Write::write_all(&mut ca_file, ca_cert.pem().as_bytes()).unwrap();
        let key = rustls::pki_types::PrivateKeyDer::try_from(leaf_key.serialize_der()).unwrap();
        let server = rustls::ServerConfig::builder()
            .with_no_client_auth()
            .with_single_cert(vec![leaf_cert.der().clone()], key)
            .unwrap();
        Pki {
            ca_file,
            server: Arc::new(server),
        }
    }

    pub fn ca_path(&self) -> String {
        self.ca_file.path().display().to_string()
    }
}

#[derive(Clone, Copy, PartialEq)]
pub enum Preamble {
    /// PostgreSQL's SSLRequest, answered `S`, before the handshake.
    Postgres,
    /// TLS from the first byte (rediss://).
    None,
}

/// `host:port` of a service URL.
pub fn upstream_of(url: &str, default_port: u16) -> String {
    let u = url::Url::parse(url).unwrap();
    format!(
        "{}:{}",
        u.host_str().unwrap(),
        u.port().unwrap_or(default_port)
    )
}

/// A TLS terminator on 127.0.0.1 in front of a real server: what a managed database or a
/// load balancer does. Returns its port.
pub async fn tls_terminator(
    upstream: String,
    tls: Arc<rustls::ServerConfig>,
    preamble: Preamble,
) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let acceptor = tokio_rustls::TlsAcceptor::from(tls);
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            let upstream = upstream.clone();
            tokio::spawn(async move {
                if preamble == Preamble::Postgres {
                    let mut request = [0u8; 8];
                    if sock.read_exact(&mut request).await.is_err()
                        || sock.write_all(b"S").await.is_err()
                    {
                        return;
                    }
                }
                let Ok(mut tls) = acceptor.accept(sock).await else {
                    return;
                };
                let Ok(mut up) = TcpStream::connect(&upstream).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut up).await;
            });
        }
    });
    port
}

/// Forwards both ways until the client sends `marker`, forwards that too, then drops
/// both connections.
pub async fn cutting_proxy(client: TcpStream, server: TcpStream, marker: &[u8]) {
    let (mut cr, mut cw) = client.into_split();
    let (mut sr, mut sw) = server.into_split();
    let down = tokio::spawn(async move {
        let _ = tokio::io::copy(&mut sr, &mut cw).await;
    });
    let mut buf = vec![0u8; 16 * 1024];
    while let Ok(n) = cr.read(&mut buf).await {
        if n == 0 {
            break;
        }
        let _ = sw.write_all(&buf[..n]).await;
        if buf[..n].windows(marker.len()).any(|w| w == marker) {
            tokio::time::sleep(Duration::from_millis(200)).await;
            break;
        }
    }
    down.abort();
    // Dropping the halves closes both sockets.
}
