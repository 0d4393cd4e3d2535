//! Turns what went wrong on the wire into one line that names the layer: reqwest errors
//! are walked down their `source()` chain to the error that explains them (our own DNS
//! and redirect errors, `rustls::Error`, `io::Error`, `hyper::Error`).
//!
//! Shared with the `tcp` probe (`io_error_message`, `tls_error_message`).

use std::error::Error as StdError;
use std::fmt;
use std::io;
use std::time::{Duration, SystemTime};

use rustls::pki_types::UnixTime;

use super::progress::Step;
use crate::probe::Layer;

/// The URL's host could not be resolved (raised by our resolver, found again in the chain).
#[derive(Debug)]
pub(crate) struct DnsError {
    pub host: String,
    pub reason: String,
}

impl fmt::Display for DnsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot resolve {}: {}", self.host, self.reason)
    }
}

impl StdError for DnsError {}

/// Raised by our redirect policy; its text is the whole failure message.
#[derive(Debug)]
pub(crate) enum RedirectError {
    /// The chain, as shown: `/a`, `/b`, `/a`.
    Loop(Vec<String>),
    TooMany(usize),
    /// A redirect to another origin while the request carries this credential header.
    CrossOrigin {
        to: String,
        header: String,
    },
}

impl fmt::Display for RedirectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RedirectError::Loop(chain) => write!(f, "redirect loop: {}", chain.join(" → ")),
            RedirectError::TooMany(max) => write!(f, "too many redirects ({max})"),
            RedirectError::CrossOrigin { to, header } => write!(
                f,
                "redirect to {to} not followed: another origin would receive the {header} header"
            ),
        }
    }
}

impl StdError for RedirectError {}

/// What the classifier needs to know about the request besides the error.
pub(crate) struct ErrorContext<'a> {
    /// `host:port` (or `ip:port` with `resolve`), as shown in messages.
    pub target: &'a str,
    pub host: &'a str,
    pub https: bool,
    /// Where the request was when it failed (see `progress`).
    pub step: Step,
    /// The attempt's whole time budget, for "timed out after 2s".
    pub budget: Duration,
}

/// Classifies an error from sending the request (before the response headers arrived).
pub(crate) fn classify_send(err: &reqwest::Error, cx: &ErrorContext<'_>) -> (Layer, String) {
    let chain = chain(err);
    if let Some(e) = find::<RedirectError>(&chain) {
        return (Layer::Http, e.to_string());
    }
    if let Some(e) = find::<DnsError>(&chain) {
        return (Layer::Dns, e.to_string());
    }
    if let Some(e) = find::<rustls::Error>(&chain) {
        return (Layer::Tls, tls_error_message(e));
    }
    if err.is_timeout() {
        return timeout_message(cx);
    }
    // hyper-util's connector says "tcp connect error" for the TCP step; any other failure
    // inside an https connector happened during the TLS handshake.
    let tcp_step = chain.iter().any(|e| e.to_string() == "tcp connect error");
    let in_connect = err.is_connect() || cx.step != Step::Waiting;
    if let Some(io) = find::<io::Error>(&chain) {
        if in_connect && (tcp_step || !cx.https) {
            return (Layer::Connect, io_error_message(io, cx.target));
        }
        if in_connect {
            let what = io_error_message(io, cx.target);
            return (
                Layer::Tls,
                format!("handshake with {} failed: {what}", cx.target),
            );
        }
    }
    if let Some(h) = find::<hyper::Error>(&chain) {
        if h.is_parse() || h.is_parse_status() {
            return (
                Layer::Http,
                format!("invalid HTTP response from {}: {h}", cx.target),
            );
        }
        // Bytes that arrived before the request was even sent (an SSH banner, say). hyper
        // reports them as the error itself, or as the cause of a cancelled request,
        // depending on whether the request was already queued.
        if chain_text(&chain).contains("unexpected message") {
            let msg = format!(
                "invalid HTTP response from {}: unsolicited data before the request",
                cx.target
            );
            return (Layer::Http, msg);
        }
        if h.is_incomplete_message() {
            let msg = format!(
                "connection closed by {} before a complete response",
                cx.target
            );
            return (Layer::Http, msg);
        }
    }
    if let Some(io) = find::<io::Error>(&chain) {
        let msg = format!(
            "{} before a complete response",
            io_error_message(io, cx.target)
        );
        return (Layer::Http, msg);
    }
    let layer = if in_connect {
        Layer::Connect
    } else {
        Layer::Http
    };
    (layer, chain_text(&chain))
}

/// Classifies an error while reading the body (headers were fine).
pub(crate) fn classify_body(
    err: &reqwest::Error,
    cx: &ErrorContext<'_>,
    read: usize,
) -> (Layer, String) {
    if err.is_timeout() {
        return (Layer::Timeout, body_timeout_message(cx.budget, read));
    }
    let chain = chain(err);
    let why = match find::<io::Error>(&chain) {
        Some(io) => io_error_message(io, cx.target),
        None => chain_text(&chain),
    };
    (
        Layer::Http,
        format!("failed reading the body after {read} bytes: {why}"),
    )
}

/// The message for a timeout before the response headers, naming the step.
pub(crate) fn timeout_message(cx: &ErrorContext<'_>) -> (Layer, String) {
    let after = fmt_budget(cx.budget);
    match cx.step {
        Step::Resolving => (
            Layer::Dns,
            format!("timed out after {after} resolving {}", cx.host),
        ),
        Step::Connecting if cx.https => (
            Layer::Connect,
            format!(
                "timed out after {after} connecting to {} (tcp + tls handshake)",
                cx.target
            ),
        ),
        Step::Connecting => (
            Layer::Connect,
            format!("timed out after {after} connecting to {}", cx.target),
        ),
        Step::Waiting => (
            Layer::Timeout,
            format!(
                "timed out after {after} waiting for response headers from {}",
                cx.target
            ),
        ),
    }
}

pub(crate) fn body_timeout_message(budget: Duration, read: usize) -> String {
    format!(
        "timed out after {} reading the body ({read} {} received)",
        fmt_budget(budget),
        if read == 1 { "byte" } else { "bytes" }
    )
}

/// getaddrinfo's text, minus tokio's "failed to lookup address information: " prefix.
pub(crate) fn dns_reason(e: &std::io::Error) -> String {
    let text = e.to_string();
    let text = text
        .strip_prefix("failed to lookup address information: ")
        .unwrap_or(&text);
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => "unknown error".to_string(),
    }
}

/// One line for a socket-level error, with the address it concerns.
pub(crate) fn io_error_message(err: &io::Error, target: &str) -> String {
    use io::ErrorKind as K;
    match err.kind() {
        K::ConnectionRefused => format!("connection refused to {target}"),
        K::ConnectionReset => format!("connection reset by {target}"),
        K::ConnectionAborted => format!("connection aborted by {target}"),
        K::TimedOut => format!("timed out connecting to {target}"),
        K::HostUnreachable => format!("host unreachable: {target}"),
        K::NetworkUnreachable => format!("network unreachable to {target}"),
        K::UnexpectedEof | K::BrokenPipe => format!("connection closed by {target}"),
        K::AddrNotAvailable => format!("cannot connect to {target}: address not available"),
        // A wrapper (the TLS connector's, say) around the socket's own error: word that.
        _ if let Some(inner) = err.get_ref().and_then(|e| e.downcast_ref::<io::Error>()) => {
            io_error_message(inner, target)
        }
        _ => format!(
            "cannot connect to {target}: {}",
            lower_first(&err.to_string())
        ),
    }
}

/// One readable line for a TLS failure. The single place that words TLS errors, so the
/// `tls` probe and the `http`/`tcp` probes say the same thing about the same certificate.
pub fn tls_error_message(err: &rustls::Error) -> String {
    use rustls::CertificateError as C;
    use rustls::Error as E;
    match err {
        E::InvalidCertificate(cert) => match cert {
            C::Expired => "certificate expired".to_string(),
            C::ExpiredContext { time, not_after } => format!(
                "certificate expired {} ago (not after {})",
                fmt_age(time.as_secs().saturating_sub(not_after.as_secs())),
                fmt_date(*not_after)
            ),
            C::NotValidYet => "certificate is not valid yet".to_string(),
            C::NotValidYetContext { time, not_before } => format!(
                "certificate is not valid yet: valid from {} (in {})",
                fmt_date(*not_before),
                fmt_age(not_before.as_secs().saturating_sub(time.as_secs()))
            ),
            C::NotValidForName => "certificate does not cover the requested host name".to_string(),
            C::NotValidForNameContext {
                expected,
                presented,
            } => {
                let covers = if presented.is_empty() {
                    "no names".to_string()
                } else {
                    presented.join(", ")
                };
                format!(
                    "certificate does not cover {} (it covers {covers})",
                    expected.to_str()
                )
            }
            C::UnknownIssuer => {
                "certificate signed by an unknown issuer (not in the trusted roots; set ca_file?)"
                    .to_string()
            }
            C::BadSignature => "certificate has a bad signature".to_string(),
            C::Revoked => "certificate has been revoked".to_string(),
            C::BadEncoding => "certificate is malformed".to_string(),
            C::InvalidPurpose | C::InvalidPurposeContext { .. } => {
                "certificate is not valid for server authentication".to_string()
            }
            other => format!("invalid certificate: {}", words(&format!("{other:?}"))),
        },
        E::AlertReceived(alert) => {
            use rustls::AlertDescription as A;
            match alert {
                A::CertificateRequired => {
                    "server requires a client certificate (client_cert/client_key)".to_string()
                }
                A::BadCertificate | A::UnknownCA | A::CertificateUnknown => {
                    format!(
                        "server rejected our client certificate ({})",
                        words(&format!("{alert:?}"))
                    )
                }
                A::ProtocolVersion => "no TLS version in common with the server".to_string(),
                A::UnrecognisedName => "server does not know this host name (SNI)".to_string(),
                _ => format!("server sent alert: {}", words(&format!("{alert:?}"))),
            }
        }
        E::InvalidMessage(rustls::InvalidMessage::InvalidContentType) => {
            "server did not answer with TLS (plain HTTP or another protocol on this port?)"
                .to_string()
        }
        E::InvalidMessage(m) => format!(
            "server sent an invalid TLS message ({})",
            words(&format!("{m:?}"))
        ),
        E::PeerIncompatible(p) => format!("server is incompatible: {}", words(&format!("{p:?}"))),
        E::PeerMisbehaved(p) => format!("server misbehaved: {}", words(&format!("{p:?}"))),
        E::NoCertificatesPresented => "server presented no certificate".to_string(),
        E::NoApplicationProtocol => {
            "no application protocol (ALPN) in common with the server".to_string()
        }
        other => lower_first(&other.to_string()),
    }
}

pub(crate) use crate::probe::fmt_budget;

/// The error and everything below it. `io::Error::source()` skips the error it wraps,
/// so the wrapped error is added explicitly.
fn chain<'a>(err: &'a (dyn StdError + 'static)) -> Vec<&'a (dyn StdError + 'static)> {
    let mut out = Vec::new();
    let mut next: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(e) = next {
        out.push(e);
        if out.len() > 32 {
            break;
        }
        next = match e.downcast_ref::<io::Error>().and_then(|io| io.get_ref()) {
            Some(inner) => Some(inner),
            None => e.source(),
        };
    }
    out
}

fn find<'a, T: StdError + 'static>(chain: &[&'a (dyn StdError + 'static)]) -> Option<&'a T> {
    chain.iter().find_map(|e| e.downcast_ref::<T>())
}

/// The chain below reqwest's own "error sending request for url (…)", deduplicated.
fn chain_text(chain: &[&(dyn StdError + 'static)]) -> String {
    let mut parts: Vec<String> = Vec::new();
    for e in chain.iter().skip(1) {
        let text = e.to_string();
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
    }
    if parts.is_empty()
        && let Some(first) = chain.first()
    {
        parts.push(first.to_string());
    }
    lower_first(&parts.join(": "))
}

fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c)
            if c.is_ascii_uppercase() && !chars.next().is_some_and(|n| n.is_ascii_uppercase()) =>
        {
            let mut out = String::with_capacity(s.len());
            out.push(c.to_ascii_lowercase());
            out.push_str(&s[1..]);
            out
        }
        _ => s.to_string(),
    }
}

/// `HandshakeFailure` → `handshake failure` (rustls enums print as CamelCase).
fn words(camel: &str) -> String {
    let name = camel.split(['(', ' ', '{']).next().unwrap_or(camel);
    let mut out = String::with_capacity(name.len() + 4);
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push(' ');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn fmt_age(secs: u64) -> String {
    match secs {
        s if s >= 2 * 86_400 => format!("{}d", s / 86_400),
        s if s >= 3_600 => format!("{}h", s / 3_600),
        s if s >= 60 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

fn fmt_date(t: UnixTime) -> String {
    let at = SystemTime::UNIX_EPOCH + Duration::from_secs(t.as_secs());
    humantime::format_rfc3339_seconds(at).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn camel_case_becomes_words() {
        assert_eq!(words("HandshakeFailure"), "handshake failure");
        assert_eq!(words("MissingData(\"x\")"), "missing data");
    }

    #[test]
    fn certificate_errors_are_one_readable_line() {
        let expired = rustls::Error::InvalidCertificate(rustls::CertificateError::ExpiredContext {
            time: UnixTime::since_unix_epoch(Duration::from_secs(1_700_000_000 + 3 * 86_400)),
            not_after: UnixTime::since_unix_epoch(Duration::from_secs(1_700_000_000)),
        });
        assert_eq!(
            tls_error_message(&expired),
            "certificate expired 3d ago (not after 2023-11-14T22:13:20Z)"
        );
        let unknown = rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        assert!(tls_error_message(&unknown).contains("unknown issuer"));
        let garbage = rustls::Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType);
        assert!(tls_error_message(&garbage).contains("did not answer with TLS"));
    }

    #[test]
    fn io_errors_name_the_address() {
        let refused = io::Error::from(io::ErrorKind::ConnectionRefused);
        assert_eq!(
            io_error_message(&refused, "127.0.0.1:9"),
            "connection refused to 127.0.0.1:9"
        );
    }
}
