//! The demo target: an HTTP server, an HTTPS server (demo CA, optional client
//! certificates, HTTP/1.1 and h2) and a TCP listener that accepts and never answers, all
//! on 127.0.0.1 ephemeral ports, all stopped when the [`Target`] is dropped.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{AbortHandle, JoinSet};
use tokio_rustls::TlsAcceptor;

use super::certs::{self, PemFiles};
use super::routes::{self, ConnInfo, State};

/// A TLS handshake that has not finished by then is dropped.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Connections the hang listener holds open (the oldest is closed beyond that).
const HANG_KEEP: usize = 256;

/// A running demo target. Dropping it stops every listener and connection and removes
/// the PEM files.
pub struct Target {
    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub http_url: String,
    pub http_addr: SocketAddr,
    /// `https://localhost:PORT`; the certificate also covers `demo.smokecheck.test` and
    /// 127.0.0.1.
    pub https_url: String,
    pub https_addr: SocketAddr,
    /// PEM of the CA that signed the server (and client) certificates.
    pub ca_file: PathBuf,
    /// A client certificate and key the HTTPS server accepts (`/mtls`).
    pub client_cert: PathBuf,
    pub client_key: PathBuf,
    /// Accepts TCP connections and never sends a byte.
    pub hang_addr: SocketAddr,
    /// Connections accepted by the HTTP and HTTPS servers (to see connection reuse).
    accepted: Arc<AtomicU64>,
    tasks: Vec<AbortHandle>,
    _files: PemFiles,
}

impl Target {
    /// The variables `examples/demo.yaml` uses, for `--var`.
    pub fn vars(&self) -> Vec<(&'static str, String)> {
        vec![
            ("base_url", self.http_url.clone()),
            ("tls_url", self.https_url.clone()),
            ("tls_port", self.https_addr.port().to_string()),
            ("ca_file", self.ca_file.display().to_string()),
            ("client_cert", self.client_cert.display().to_string()),
            ("client_key", self.client_key.display().to_string()),
            ("demo_host", self.http_addr.ip().to_string()),
            ("demo_port", self.http_addr.port().to_string()),
            ("hang_port", self.hang_addr.port().to_string()),
        ]
    }

    /// How many connections the HTTP and HTTPS servers have accepted so far.
    pub fn connections_accepted(&self) -> u64 {
        self.accepted.load(Ordering::Relaxed)
    }

    /// Stops the target now (same as dropping it).
    pub fn shutdown(self) {}
}

impl Drop for Target {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// Starts the target on 127.0.0.1. Must be called inside a tokio runtime.
pub async fn start() -> std::io::Result<Target> {
    let pki = certs::generate()?;
    let tls = TlsAcceptor::from(Arc::new(server_tls(&pki)?));
    let state = Arc::new(State::default());

    let http = TcpListener::bind("127.0.0.1:0").await?;
    let https = TcpListener::bind("127.0.0.1:0").await?;
    let hang = TcpListener::bind("127.0.0.1:0").await?;
    let (http_addr, https_addr, hang_addr) =
        (http.local_addr()?, https.local_addr()?, hang.local_addr()?);

    let accepted = Arc::new(AtomicU64::new(0));
    let tasks = vec![
        tokio::spawn(accept_loop(http, None, state.clone(), accepted.clone())).abort_handle(),
        tokio::spawn(accept_loop(https, Some(tls), state, accepted.clone())).abort_handle(),
        tokio::spawn(hang_loop(hang)).abort_handle(),
    ];
    Ok(Target {
        http_url: format!("http://{http_addr}"),
        http_addr,
        https_url: format!("https://localhost:{}", https_addr.port()),
        https_addr,
        ca_file: pki.files.ca.clone(),
        client_cert: pki.files.client_cert.clone(),
        client_key: pki.files.client_key.clone(),
        hang_addr,
        accepted,
        tasks,
        _files: pki.files,
    })
}

fn server_tls(pki: &certs::Pki) -> std::io::Result<rustls::ServerConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    roots.add(pki.ca.clone()).map_err(std::io::Error::other)?;
    // Client certificates are optional: `/mtls` answers 403 without one.
    let clients = rustls::server::WebPkiClientVerifier::builder_with_provider(
        Arc::new(roots),
        provider.clone(),
    )
    .allow_unauthenticated()
    .build()
    .map_err(std::io::Error::other)?;
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(std::io::Error::other)?
        .with_client_cert_verifier(clients)
        .with_single_cert(pki.server_chain.clone(), pki.server_key.clone_key())
        .map_err(std::io::Error::other)?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

/// Accepts until aborted; the connections live in a `JoinSet` owned by this task, so
/// aborting it closes them all.
async fn accept_loop(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    state: Arc<State>,
    accepted: Arc<AtomicU64>,
) {
    let mut conns = JoinSet::new();
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            // Out of file descriptors and the like: back off instead of spinning.
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        accepted.fetch_add(1, Ordering::Relaxed);
        while conns.try_join_next().is_some() {}
        let _ = stream.set_nodelay(true);
        let state = state.clone();
        match &tls {
            None => {
                conns.spawn(serve(stream, state, ConnInfo { client_cert: false }));
            }
            Some(acceptor) => {
                conns.spawn(serve_tls(acceptor.clone(), stream, state));
            }
        }
    }
}

async fn serve_tls(acceptor: TlsAcceptor, stream: TcpStream, state: Arc<State>) {
    let Ok(Ok(tls)) = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await else {
        return;
    };
    let client_cert = tls
        .get_ref()
        .1
        .peer_certificates()
        .is_some_and(|c| !c.is_empty());
    serve(tls, state, ConnInfo { client_cert }).await;
}

/// HTTP/1.1 (keep-alive) or h2 (prior knowledge on http, ALPN on https) on one connection.
async fn serve<IO>(io: IO, state: Arc<State>, conn: ConnInfo)
where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = service_fn(move |req| routes::handle(req, state.clone(), conn));
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new());
    builder.http2().timer(TokioTimer::new());
    let _ = builder.serve_connection(TokioIo::new(io), service).await;
}

/// Holds connections open without a byte of reply: what a wedged server looks like.
async fn hang_loop(listener: TcpListener) {
    let mut held = VecDeque::with_capacity(HANG_KEEP);
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                if held.len() == HANG_KEEP {
                    held.pop_front();
                }
                held.push_back(stream);
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
        }
    }
}
