//! Getting to a finished TLS handshake, every step bounded by the attempt's deadline, and
//! naming precisely what went wrong when we do not get there: DNS, refused connection,
//! Postgres refusing TLS, a server that resets, answers in another protocol, never
//! answers, or shares no protocol version with us.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use rustls::{AlertDescription, PeerIncompatible};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout_at};

use crate::probe::{Layer, Outcome};

pub use crate::probe::fmt_budget;

/// Resolves `host` (or takes `connect_to`) and connects to the first address that answers.
pub async fn connect(
    host: &str,
    port: u16,
    connect_to: Option<IpAddr>,
    deadline: Instant,
    budget: &str,
) -> Result<(TcpStream, SocketAddr), Outcome> {
    let addrs = resolve(host, port, connect_to, deadline, budget).await?;
    let mut last = None;
    for addr in addrs {
        match timeout_at(deadline, TcpStream::connect(addr)).await {
            Err(_) => {
                return Err(Outcome::fail(
                    Layer::Connect,
                    format!("timed out after {budget} to {addr}"),
                ));
            }
            Ok(Ok(stream)) => {
                // Handshake messages are small and latency is what we measure.
                let _ = stream.set_nodelay(true);
                return Ok((stream, addr));
            }
            Ok(Err(e)) => last = Some((addr, e)),
        }
    }
    Err(match last {
        Some((addr, e)) if e.kind() == io::ErrorKind::ConnectionRefused => {
            Outcome::fail(Layer::Connect, format!("connection refused to {addr}"))
        }
        Some((addr, e)) => Outcome::fail(Layer::Connect, format!("cannot connect to {addr}: {e}")),
        None => Outcome::fail(Layer::Dns, format!("{host} resolved to no address")),
    })
}

async fn resolve(
    host: &str,
    port: u16,
    connect_to: Option<IpAddr>,
    deadline: Instant,
    budget: &str,
) -> Result<Vec<SocketAddr>, Outcome> {
    if let Some(ip) = connect_to.or_else(|| parse_ip(host)) {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    match timeout_at(deadline, tokio::net::lookup_host((host, port))).await {
        Err(_) => Err(Outcome::fail(
            Layer::Dns,
            format!("timed out after {budget} resolving {host}"),
        )),
        Ok(Err(e)) => Err(Outcome::fail(
            Layer::Dns,
            format!("cannot resolve {host}: {e}"),
        )),
        Ok(Ok(addrs)) => Ok(addrs.collect()),
    }
}

/// `127.0.0.1`, `::1` or `[::1]`.
pub fn parse_ip(host: &str) -> Option<IpAddr> {
    let inner = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    inner.parse().ok()
}

/// Postgres speaks plain protocol first: an 8-byte SSLRequest, answered by one byte,
/// `S` (go ahead with TLS) or `N` (no TLS here).
pub async fn postgres_ssl_request(
    stream: &mut TcpStream,
    addr: SocketAddr,
    deadline: Instant,
    budget: &str,
) -> Result<(), Outcome> {
    const SSL_REQUEST: [u8; 8] = [0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f];
    let fail = |msg: String| Outcome::fail(Layer::Tls, msg);
    match timeout_at(deadline, stream.write_all(&SSL_REQUEST)).await {
        Err(_) => {
            return Err(fail(format!(
                "timed out after {budget} sending the postgres SSLRequest to {addr}"
            )));
        }
        Ok(Err(e)) => {
            return Err(fail(format!(
                "cannot send the postgres SSLRequest to {addr}: {e}"
            )));
        }
        Ok(Ok(())) => {}
    }
    let mut answer = [0u8; 1];
    match timeout_at(deadline, stream.read(&mut answer)).await {
        Err(_) => Err(fail(format!(
            "timed out after {budget} waiting for the answer to the postgres SSLRequest"
        ))),
        Ok(Err(e)) => Err(fail(format!("postgres SSLRequest to {addr} failed: {e}"))),
        Ok(Ok(0)) => Err(fail(format!(
            "server at {addr} closed the connection after the postgres SSLRequest"
        ))),
        Ok(Ok(_)) => match answer[0] {
            b'S' => Ok(()),
            b'N' => Err(fail(format!(
                "postgres server at {addr} does not accept TLS (answered N to the SSLRequest)"
            ))),
            b'E' => Err(fail(format!(
                "postgres server at {addr} answered the SSLRequest with an error"
            ))),
            other => Err(fail(format!(
                "server at {addr} did not answer the postgres SSLRequest (received {})",
                render_bytes(&[other])
            ))),
        },
    }
}

/// What the server sent before the handshake ended: enough to tell "not TLS at all" and
/// "never answered" apart. Shared with the stream wrapper, which the handshake consumes.
#[derive(Debug, Default)]
pub struct Seen {
    pub total: usize,
    pub first: Vec<u8>,
}

/// A stream that remembers the first bytes the server sent.
pub struct Recorder<S> {
    inner: S,
    seen: Arc<Mutex<Seen>>,
}

impl<S> Recorder<S> {
    pub fn new(inner: S) -> (Self, Arc<Mutex<Seen>>) {
        let seen = Arc::new(Mutex::new(Seen::default()));
        (
            Recorder {
                inner,
                seen: seen.clone(),
            },
            seen,
        )
    }
}

const KEEP: usize = 32;

impl<S: AsyncRead + Unpin> AsyncRead for Recorder<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let result = Pin::new(&mut this.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = result {
            let new = &buf.filled()[before..];
            let mut seen = this.seen.lock().unwrap_or_else(|e| e.into_inner());
            seen.total += new.len();
            let room = KEEP.saturating_sub(seen.first.len());
            seen.first.extend_from_slice(&new[..new.len().min(room)]);
        }
        result
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Recorder<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

/// The handshake did not finish before the deadline.
pub fn timeout_message(seen: &Seen, budget: &str) -> String {
    if seen.total == 0 {
        format!("timed out after {budget} waiting for the server hello")
    } else {
        format!(
            "timed out after {budget} during the handshake (the server sent {} bytes, then nothing)",
            seen.total
        )
    }
}

/// The handshake failed: one line saying how.
pub fn failure_message(err: &io::Error, seen: &Seen, server_name: &str) -> String {
    if let Some(received) = not_tls(&seen.first) {
        return format!("server did not speak TLS (received {received})");
    }
    if let Some(tls) = err
        .get_ref()
        .and_then(|e| e.downcast_ref::<rustls::Error>())
    {
        return rustls_message(tls, server_name);
    }
    match err.kind() {
        io::ErrorKind::ConnectionReset
        | io::ErrorKind::ConnectionAborted
        | io::ErrorKind::BrokenPipe => "connection reset during handshake".to_string(),
        io::ErrorKind::UnexpectedEof if seen.total == 0 => {
            "server closed the connection without answering the client hello".to_string()
        }
        io::ErrorKind::UnexpectedEof => "server closed the connection during handshake".to_string(),
        _ => format!("handshake failed: {err}"),
    }
}

fn rustls_message(err: &rustls::Error, server_name: &str) -> String {
    use rustls::Error as E;
    match err {
        E::AlertReceived(AlertDescription::ProtocolVersion) => {
            "no common protocol version (the server refused TLS 1.2 and TLS 1.3)".to_string()
        }
        E::PeerIncompatible(
            PeerIncompatible::ServerDoesNotSupportTls12Or13
            | PeerIncompatible::ServerTlsVersionIsDisabledByOurConfig
            | PeerIncompatible::SupportedVersionsExtensionRequired
            | PeerIncompatible::Tls12NotOffered
            | PeerIncompatible::Tls12NotOfferedOrEnabled,
        ) => "no common protocol version (the server offered a version older than TLS 1.2)".to_string(),
        E::PeerIncompatible(PeerIncompatible::NoCipherSuitesInCommon) => "no common cipher suite".to_string(),
        E::AlertReceived(AlertDescription::HandshakeFailure) => {
            "server rejected the handshake (alert handshake_failure: no common cipher suite or key exchange)".to_string()
        }
        E::AlertReceived(AlertDescription::UnrecognisedName) => {
            format!("server does not know the name {server_name} (alert unrecognized_name)")
        }
        E::AlertReceived(alert) => format!("server ended the handshake with alert {}", snake_case(&format!("{alert:?}"))),
        E::NoCertificatesPresented => "server presented no certificate".to_string(),
        E::InvalidCertificate(_) | E::DecryptError => {
            format!("the server's handshake signature does not verify against its certificate ({err})")
        }
        E::InvalidMessage(_) => format!("server sent an invalid TLS message ({err})"),
        E::PeerMisbehaved(_) => format!("server broke the TLS protocol ({err})"),
        _ => format!("handshake failed: {err}"),
    }
}

/// A TLS server's first byte is a record type (20–24) followed by major version 3.
fn not_tls(first: &[u8]) -> Option<String> {
    let looks_tls = match first {
        [] => return None,
        [t] => (20..=24).contains(t),
        [t, major, ..] => (20..=24).contains(t) && *major == 3,
    };
    (!looks_tls).then(|| render_bytes(first))
}

/// Printable text is quoted (up to the first line end); anything else is shown as hex.
pub fn render_bytes(bytes: &[u8]) -> String {
    let line: Vec<u8> = bytes
        .iter()
        .copied()
        .take_while(|b| *b != b'\r' && *b != b'\n')
        .collect();
    let printable = !line.is_empty() && line.iter().all(|b| b.is_ascii_graphic() || *b == b' ');
    if printable {
        return format!("{:?}", String::from_utf8_lossy(&line));
    }
    let hex: Vec<String> = bytes.iter().take(8).map(|b| format!("{b:02x}")).collect();
    let more = if bytes.len() > 8 { " …" } else { "" };
    format!("bytes {}{more}", hex.join(" "))
}

/// `HandshakeFailure` → `handshake_failure`, the alert's name in the RFCs.
fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_recognised() {
        assert_eq!(
            not_tls(b"HTTP/1.1 400 Bad Request\r\n"),
            Some("\"HTTP/1.1 400 Bad Request\"".into())
        );
        assert_eq!(
            not_tls(b"SSH-2.0-OpenSSH_9.6\r\n"),
            Some("\"SSH-2.0-OpenSSH_9.6\"".into())
        );
        assert_eq!(not_tls(&[0x16, 0x03, 0x03, 0x00]), None);
        assert_eq!(not_tls(&[0x15]), None);
        assert_eq!(not_tls(&[0x00, 0xff, 0x10]), Some("bytes 00 ff 10".into()));
        assert_eq!(not_tls(&[]), None);
    }

    #[test]
    fn alert_names() {
        assert_eq!(snake_case("HandshakeFailure"), "handshake_failure");
        assert_eq!(snake_case("BadCertificate"), "bad_certificate");
    }
}
