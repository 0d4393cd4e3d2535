//! One TLS handshake that captures what the server presents, even when a normal client
//! would refuse it, plus the cache of client configurations that makes a run of 200 TLS
//! checks cost 200 handshakes and nothing more (one config per `ca_file`).
//!
//! This is also the entry point for other probes (the http probe uses it to explain a
//! certificate failure precisely and to check `cert_valid_for`).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use rustls::client::Resumption;
use rustls::{ClientConfig, ProtocolVersion};
use rustls_pki_types::{CertificateDer, ServerName};
use serde_json::{Map, Value, json};
use tokio::io::AsyncWriteExt;
use tokio::time::{Instant, timeout, timeout_at};
use tokio_rustls::TlsConnector;

use super::certs::{CertSummary, summarize_chain};
use super::handshake::{self, Recorder};
use super::verify::{AcceptAnyCertificate, Verifiers};
use crate::probe::trust::Trust;
use crate::probe::{Layer, Outcome, ProbeCtx, remaining};
use crate::suite::model::Starttls;

/// Client configurations for inspection, one per `ca_file`, built on first use.
#[derive(Default)]
pub struct Inspector {
    clients: Mutex<HashMap<Option<PathBuf>, Arc<Client>>>,
}

struct Client {
    connector: TlsConnector,
    verifiers: Verifiers,
}

impl Inspector {
    fn client(&self, trust: &Trust, ca_file: Option<&Path>) -> Result<Arc<Client>, String> {
        let key = ca_file.map(Path::to_path_buf);
        if let Some(client) = lock(&self.clients).get(&key) {
            return Ok(client.clone());
        }
        // Built outside the lock: a slow ca_file read must not stall other checks. Two
        // checks racing here build twice and one result wins; both are identical.
        let client = Arc::new(build_client(trust, ca_file)?);
        Ok(lock(&self.clients).entry(key).or_insert(client).clone())
    }
}

fn build_client(trust: &Trust, ca_file: Option<&Path>) -> Result<Client, String> {
    let roots = trust.roots(ca_file)?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifiers = Verifiers::new(roots, provider.clone())?;
    let mut config = ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| format!("cannot configure TLS: {e}"))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AcceptAnyCertificate::new(provider)))
        .with_no_client_auth();
    // A resumed session skips the Certificate message: every check must see the live chain.
    config.resumption = Resumption::disabled();
    Ok(Client {
        connector: TlsConnector::from(Arc::new(config)),
        verifiers,
    })
}

/// What to inspect.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    pub host: &'a str,
    pub port: u16,
    /// SNI and the name checked against the certificate; an IP address sends no SNI.
    pub server_name: &'a str,
    /// Extra trust anchors (PEM), on top of the system roots.
    pub ca_file: Option<&'a Path>,
    pub starttls: Option<Starttls>,
    /// Connect to this address instead of resolving `host` (http's `resolve`).
    pub connect_to: Option<IpAddr>,
}

/// Everything one handshake showed.
#[derive(Debug, Clone)]
pub struct Inspection {
    pub server_name: String,
    pub peer: SocketAddr,
    /// As presented, leaf first.
    pub der: Vec<CertificateDer<'static>>,
    pub chain: Vec<CertSummary>,
    pub version: Option<ProtocolVersion>,
    pub cipher: Option<String>,
    /// What a normal client would have concluded (chain and server name), computed by the
    /// real rustls verifier. Turn an error into words with [`super::explain`].
    pub verdict: Result<(), rustls::Error>,
    /// DNS + connect + (STARTTLS) + handshake.
    pub latency: Duration,
    pub checked_at: SystemTime,
    pub(crate) verifiers: Verifiers,
}

impl Inspection {
    /// The leaf (there is always one: an empty chain is a handshake failure).
    pub fn leaf(&self) -> &CertSummary {
        &self.chain[0]
    }

    /// `TLS1.3`, `TLS1.2`.
    pub fn version_name(&self) -> String {
        match self.version {
            Some(ProtocolVersion::TLSv1_3) => "TLS1.3".to_string(),
            Some(ProtocolVersion::TLSv1_2) => "TLS1.2".to_string(),
            Some(v) => format!("{v:?}"),
            None => "unknown".to_string(),
        }
    }

    /// The certificate that expires first (leaf or not).
    pub fn soonest_expiring(&self) -> &CertSummary {
        self.chain
            .iter()
            .min_by_key(|c| c.not_after)
            .unwrap_or(self.leaf())
    }

    /// `details` every consumer shows: the chain and the session.
    pub fn details(&self) -> Map<String, Value> {
        let mut d = Map::new();
        d.insert(
            "latency_ms".into(),
            json!(self.latency.as_secs_f64() * 1000.0),
        );
        d.insert("address".into(), json!(self.peer.to_string()));
        d.insert("server_name".into(), json!(self.server_name));
        d.insert("tls_version".into(), json!(self.version_name()));
        d.insert("cipher".into(), json!(self.cipher));
        let chain: Vec<Value> = self
            .chain
            .iter()
            .map(|c| c.to_json(self.checked_at))
            .collect();
        d.insert("chain".into(), Value::Array(chain));
        d
    }
}

/// Connects, (optionally) negotiates STARTTLS, completes the handshake whatever the
/// certificate, and captures the chain and the verdict. Every step is bounded by
/// `deadline`; a failure comes back as the `Outcome` to report (layer `dns`, `connect`,
/// `tls` or `config`).
pub async fn inspect(
    target: &Target<'_>,
    ctx: &ProbeCtx,
    deadline: Instant,
) -> Result<Inspection, Outcome> {
    let started = Instant::now();
    let budget = handshake::fmt_budget(deadline.saturating_duration_since(started));
    if target.starttls == Some(Starttls::Smtp) {
        return Err(Outcome::fail(
            Layer::Config,
            "starttls: smtp is not supported yet",
        ));
    }
    let server_name = parse_server_name(target.server_name)?;
    let client = ctx
        .tls
        .client(&ctx.trust, target.ca_file)
        .map_err(|e| Outcome::fail(Layer::Config, e))?;

    let (mut tcp, peer) = handshake::connect(
        target.host,
        target.port,
        target.connect_to,
        deadline,
        &budget,
    )
    .await?;
    if target.starttls == Some(Starttls::Postgres) {
        handshake::postgres_ssl_request(&mut tcp, peer, deadline, &budget).await?;
    }
    let (stream, seen) = Recorder::new(tcp);
    let connecting = client.connector.connect(server_name.clone(), stream);
    let mut tls = match timeout_at(deadline, connecting).await {
        Ok(Ok(tls)) => tls,
        Ok(Err(e)) => {
            let seen = seen.lock().unwrap_or_else(|p| p.into_inner());
            return Err(Outcome::fail(
                Layer::Tls,
                handshake::failure_message(&e, &seen, target.server_name),
            ));
        }
        Err(_) => {
            let seen = seen.lock().unwrap_or_else(|p| p.into_inner());
            return Err(Outcome::fail(
                Layer::Tls,
                handshake::timeout_message(&seen, &budget),
            ));
        }
    };
    let latency = started.elapsed();
    let checked_at = SystemTime::now();

    let (_, conn) = tls.get_ref();
    let version = conn.protocol_version();
    let cipher = conn
        .negotiated_cipher_suite()
        .map(|s| format!("{:?}", s.suite()));
    let der: Vec<CertificateDer<'static>> = conn
        .peer_certificates()
        .map(|certs| certs.iter().map(|c| c.clone().into_owned()).collect())
        .unwrap_or_default();
    // Polite close (close_notify), never waited on for long.
    let _ = timeout(
        remaining(deadline).min(Duration::from_millis(100)),
        tls.shutdown(),
    )
    .await;
    drop(tls);

    if der.is_empty() {
        return Err(Outcome::fail(Layer::Tls, "server presented no certificate"));
    }
    let chain = summarize_chain(&der).map_err(|e| Outcome::fail(Layer::Tls, e))?;
    let verdict = client.verifiers.verdict(&der, &server_name);
    Ok(Inspection {
        server_name: target.server_name.to_string(),
        peer,
        der,
        chain,
        version,
        cipher,
        verdict,
        latency,
        checked_at,
        verifiers: client.verifiers.clone(),
    })
}

fn parse_server_name(name: &str) -> Result<ServerName<'static>, Outcome> {
    if let Some(ip) = handshake::parse_ip(name) {
        return Ok(ServerName::from(ip));
    }
    ServerName::try_from(name.to_string()).map_err(|_| {
        Outcome::fail(
            Layer::Config,
            format!("server_name {name:?} is not a valid DNS name or IP address"),
        )
    })
}

/// A poisoned lock only means another check panicked mid-insert; the map is still usable.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
