//! `tcp` probe: resolve, connect (each address in turn) and, with `tls: true`, complete a
//! TLS handshake verified against the system roots with SNI = host. Answers "is the port
//! open and speaking TLS" for services smokecheck has no protocol for.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use rustls::pki_types::ServerName;
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout_at};
use tokio_rustls::TlsConnector;

use super::http::errors::{dns_reason, fmt_budget, io_error_message};
use super::{Layer, Outcome, ProbeCtx, fmt_ms, remaining};
use crate::probe::http::tls_error_message;
use crate::suite::model::TcpSpec;

pub async fn run(spec: &TcpSpec, ctx: &ProbeCtx, deadline: Instant) -> Outcome {
    let budget = remaining(deadline);
    let after = fmt_budget(budget);
    let started = Instant::now();
    let host = spec.host.as_str();

    let lookup = tokio::net::lookup_host((host, spec.port));
    let addrs: Vec<SocketAddr> = match timeout_at(deadline, lookup).await {
        Ok(Ok(addrs)) => addrs.collect(),
        Ok(Err(e)) => {
            return Outcome::fail(
                Layer::Dns,
                format!("cannot resolve {host}: {}", dns_reason(&e)),
            );
        }
        Err(_) => {
            return Outcome::fail(
                Layer::Dns,
                format!("timed out after {after} resolving {host}"),
            );
        }
    };
    if addrs.is_empty() {
        return Outcome::fail(
            Layer::Dns,
            format!("cannot resolve {host}: no addresses found"),
        );
    }

    let mut last_error: Option<(SocketAddr, io::Error)> = None;
    let mut connected = None;
    for addr in &addrs {
        match timeout_at(deadline, TcpStream::connect(addr)).await {
            Ok(Ok(stream)) => {
                connected = Some((stream, *addr));
                break;
            }
            Ok(Err(e)) => last_error = Some((*addr, e)),
            Err(_) => {
                let msg = format!("timed out after {after} connecting to {addr}");
                return Outcome::fail(Layer::Connect, msg);
            }
        }
    }
    let Some((stream, addr)) = connected else {
        let mut msg = match &last_error {
            Some((addr, e)) => io_error_message(e, &addr.to_string()),
            None => format!("cannot connect to {host}:{}", spec.port),
        };
        if addrs.len() > 1 {
            msg.push_str(&format!(
                " (all {} addresses of {host} failed)",
                addrs.len()
            ));
        }
        return Outcome::fail(Layer::Connect, msg);
    };
    let connect_ms = ms(started.elapsed());

    let mut tls_version = None;
    if spec.tls {
        let name = match ServerName::try_from(host.to_string()) {
            Ok(name) => name,
            Err(_) => {
                return Outcome::fail(
                    Layer::Config,
                    format!("{host:?} is not a valid TLS server name"),
                );
            }
        };
        let config = match tls_config(ctx) {
            Ok(config) => config,
            Err(msg) => return Outcome::fail(Layer::Config, msg),
        };
        let connector = TlsConnector::from(Arc::new(config));
        let tls = match timeout_at(deadline, connector.connect(name, stream)).await {
            Ok(Ok(tls)) => tls,
            Ok(Err(e)) => return Outcome::fail(Layer::Tls, handshake_error(&e, addr)),
            Err(_) => {
                let msg = format!("timed out after {after} in the tls handshake with {addr}");
                return Outcome::fail(Layer::Tls, msg);
            }
        };
        tls_version = tls.get_ref().1.protocol_version().map(version_text);
    }

    let latency = started.elapsed();
    let mut fact = format!("connected to {addr} · {}", fmt_ms(latency));
    if let Some(v) = tls_version {
        fact.push_str(&format!(" · {v}"));
    }
    let mut outcome = Outcome::pass(fact)
        .with_detail("address", addr.to_string())
        .with_detail(
            "addresses",
            addrs.iter().map(|a| a.to_string()).collect::<Vec<_>>(),
        )
        .with_detail("connect_ms", connect_ms)
        .with_detail("latency_ms", ms(latency));
    if let Some(v) = tls_version {
        outcome = outcome.with_detail("tls_version", v);
    }
    outcome
}

fn tls_config(ctx: &ProbeCtx) -> Result<rustls::ClientConfig, String> {
    let provider = rustls::crypto::CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| Arc::new(rustls::crypto::ring::default_provider()));
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("cannot set up TLS: {e}"))?;
    Ok(builder
        .with_root_certificates(ctx.trust.system())
        .with_no_client_auth())
}

/// tokio-rustls reports rustls errors wrapped in `io::Error`.
fn handshake_error(e: &io::Error, addr: SocketAddr) -> String {
    match e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    {
        Some(tls) => tls_error_message(tls),
        None => format!(
            "handshake with {addr} failed: {}",
            io_error_message(e, &addr.to_string())
        ),
    }
}

fn version_text(v: rustls::ProtocolVersion) -> &'static str {
    match v {
        rustls::ProtocolVersion::TLSv1_3 => "TLS1.3",
        rustls::ProtocolVersion::TLSv1_2 => "TLS1.2",
        _ => "TLS",
    }
}

fn ms(d: std::time::Duration) -> f64 {
    // Microsecond precision is plenty, and keeps the reports readable.
    (d.as_secs_f64() * 1_000_000.0).round() / 1000.0
}
