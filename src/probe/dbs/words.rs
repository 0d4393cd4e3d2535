//! Network and TLS errors in plain words, shared by the `postgres`, `mysql` and `redis`
//! probes. The drivers bury the real cause (a refused connection, a certificate rejected by
//! rustls, a reset mid-handshake) inside their own error types; these helpers dig it out and
//! say it the way the `tls` and `tcp` kinds do, so one failure reads the same everywhere.

use std::error::Error as StdError;
use std::io;

use rustls::CertificateError;

use crate::probe::Layer;

/// Where in the conversation an I/O error happened: the wording depends on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// TCP connect, TLS handshake and login: the driver does not say which.
    Connect,
    /// Our own TLS handshake (redis), where we know exactly.
    Handshake,
    /// After the session was established.
    Query,
}

/// The first error of type `T` in `err`'s source chain, looking inside `io::Error`s too
/// (rustls reports certificate problems as an `io::Error` wrapping a `rustls::Error`).
pub(crate) fn find_cause<'a, T: StdError + 'static>(
    err: &'a (dyn StdError + 'static),
) -> Option<&'a T> {
    let mut next: Option<&'a (dyn StdError + 'static)> = Some(err);
    while let Some(e) = next {
        if let Some(found) = e.downcast_ref::<T>() {
            return Some(found);
        }
        if let Some(inner) = e.downcast_ref::<io::Error>().and_then(|io| io.get_ref())
            && let Some(found) = find_cause::<T>(inner)
        {
            return Some(found);
        }
        next = e.source();
    }
    None
}

/// Layer and one-line message for an I/O error talking to `addr`.
/// `tls_hint` is appended to certificate problems (e.g. `set sslrootcert to the CA file`).
pub(crate) fn io_failure(
    err: &io::Error,
    addr: &str,
    host: &str,
    phase: Phase,
    tls_hint: &str,
) -> (Layer, String) {
    if let Some(tls) = err
        .get_ref()
        .and_then(|inner| find_cause::<rustls::Error>(inner))
    {
        return (Layer::Tls, tls_failure(tls, host, tls_hint));
    }
    use io::ErrorKind as K;
    match err.kind() {
        K::ConnectionRefused => (Layer::Connect, format!("connection refused to {addr}")),
        K::TimedOut => (Layer::Connect, format!("timed out connecting to {addr}")),
        K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe | K::UnexpectedEof => {
            (Layer::Connect, reset_message(err, addr, phase))
        }
        K::HostUnreachable | K::NetworkUnreachable => (
            Layer::Connect,
            format!("{addr} is unreachable ({})", io_reason(err)),
        ),
        K::AddrNotAvailable => (
            Layer::Connect,
            format!("cannot connect to {addr}: {}", io_reason(err)),
        ),
        K::NotFound if addr.starts_with('/') => (
            Layer::Connect,
            format!("no socket at {addr} (is the server running?)"),
        ),
        _ if is_lookup_failure(err) => (
            Layer::Dns,
            format!("cannot resolve {host}: {}", lookup_reason(err)),
        ),
        _ => (Layer::Connect, format!("{} ({addr})", io_reason(err))),
    }
}

/// A dropped connection is the classic transient failure (libpq's `SSL SYSCALL error: EOF
/// detected`): say plainly that the connection was reset, and when.
fn reset_message(err: &io::Error, addr: &str, phase: Phase) -> String {
    // rustls reports an EOF inside the handshake as a bare `UnexpectedEof` (no message),
    // while sqlx's own reads carry "expected to read N bytes".
    let in_handshake = phase == Phase::Handshake
        || (phase == Phase::Connect
            && err.kind() == io::ErrorKind::UnexpectedEof
            && err.get_ref().is_none());
    let when = match phase {
        _ if in_handshake => "during the TLS handshake",
        Phase::Connect | Phase::Handshake => "while connecting",
        Phase::Query => "during the query",
    };
    format!("connection reset by {addr} {when}")
}

/// getaddrinfo failures surface as uncategorised I/O errors with a known prefix.
fn is_lookup_failure(err: &io::Error) -> bool {
    let text = err.to_string();
    text.contains("failed to lookup address") || text.contains("Name or service not known")
}

fn lookup_reason(err: &io::Error) -> String {
    let text = err.to_string();
    let reason = text.rsplit(": ").next().unwrap_or(&text);
    lowercase_first(reason)
}

/// The OS's words for an I/O error without Rust's `(os error 111)` suffix.
pub(crate) fn io_reason(err: &io::Error) -> String {
    let text = err.to_string();
    let trimmed = match text.find(" (os error") {
        Some(i) => &text[..i],
        None => &text,
    };
    lowercase_first(trimmed)
}

/// A rustls error in the `tls` kind's words: `unknown issuer`, `certificate expired 3 days
/// ago`, `certificate does not cover 127.0.0.1 (it covers localhost)`.
pub(crate) fn tls_failure(err: &rustls::Error, host: &str, hint: &str) -> String {
    let base = match err {
        rustls::Error::InvalidCertificate(cert) => certificate_words(cert, host),
        rustls::Error::AlertReceived(alert) => {
            format!("server sent TLS alert {}", alert_words(*alert))
        }
        rustls::Error::InvalidMessage(_) => {
            format!("server sent something that is not TLS ({err})")
        }
        rustls::Error::NoCertificatesPresented => "server presented no certificate".to_string(),
        other => format!("handshake failed: {other}"),
    };
    let is_trust_problem = matches!(
        err,
        rustls::Error::InvalidCertificate(
            CertificateError::UnknownIssuer | CertificateError::BadSignature
        )
    );
    if is_trust_problem && !hint.is_empty() {
        format!("{base}; {hint}")
    } else {
        base
    }
}

fn certificate_words(err: &CertificateError, host: &str) -> String {
    match err {
        CertificateError::UnknownIssuer => {
            "unknown issuer: the server's certificate does not chain to a trusted root".to_string()
        }
        CertificateError::ExpiredContext { time, not_after } => {
            let ago = time.as_secs().saturating_sub(not_after.as_secs());
            format!("certificate expired {} ago", fmt_span(ago))
        }
        CertificateError::Expired => "certificate expired".to_string(),
        CertificateError::NotValidYetContext { time, not_before } => {
            let until = not_before.as_secs().saturating_sub(time.as_secs());
            format!(
                "certificate is not valid yet (valid in {})",
                fmt_span(until)
            )
        }
        CertificateError::NotValidYet => "certificate is not valid yet".to_string(),
        CertificateError::NotValidForNameContext {
            expected,
            presented,
        } => {
            let names: Vec<String> = presented.iter().map(|p| clean_presented(p)).collect();
            let covers = if names.is_empty() {
                "it names no host".to_string()
            } else {
                format!("it covers {}", names.join(", "))
            };
            format!(
                "certificate does not cover {} ({covers})",
                expected.to_str()
            )
        }
        CertificateError::NotValidForName => format!("certificate does not cover {host}"),
        CertificateError::Revoked => "certificate was revoked".to_string(),
        CertificateError::BadSignature => "certificate signature is invalid".to_string(),
        CertificateError::BadEncoding => "certificate is malformed".to_string(),
        other => format!("certificate rejected: {other}"),
    }
}

/// webpki lists presented names as `DnsName("a.example")` / `IpAddress(10.0.0.1)`.
fn clean_presented(raw: &str) -> String {
    let inner = raw
        .strip_prefix("DnsName(\"")
        .and_then(|s| s.strip_suffix("\")"))
        .or_else(|| {
            raw.strip_prefix("IpAddress(")
                .and_then(|s| s.strip_suffix(')'))
        });
    inner.unwrap_or(raw).to_string()
}

fn alert_words(alert: rustls::AlertDescription) -> String {
    use rustls::AlertDescription as A;
    match alert {
        A::HandshakeFailure => {
            "handshake_failure (no common cipher or a client certificate is required)".into()
        }
        A::ProtocolVersion => "protocol_version (no common TLS version)".into(),
        A::CertificateRequired => {
            "certificate_required (the server wants a client certificate)".into()
        }
        A::UnknownCA => "unknown_ca (the server does not trust our client certificate)".into(),
        A::UnrecognisedName => "unrecognized_name (the server does not know this host name)".into(),
        other => format!("{other:?}").to_lowercase(),
    }
}

/// `3 days`, `5 hours`, `12 minutes`.
fn fmt_span(secs: u64) -> String {
    let (n, unit) = match secs {
        s if s >= 86_400 => (s / 86_400, "day"),
        s if s >= 3_600 => (s / 3_600, "hour"),
        s => (s.div_ceil(60).max(1), "minute"),
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

pub(crate) use crate::probe::fmt_budget;

fn lowercase_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        // Keep acronyms (`TLS`, `EOF`) as they are.
        Some(c) if c.is_uppercase() && !chars.next().is_some_and(char::is_uppercase) => {
            c.to_lowercase().chain(s.chars().skip(1)).collect()
        }
        _ => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls_pki_types::{ServerName, UnixTime};
    use std::time::Duration;

    #[test]
    fn refused_and_reset_name_the_address() {
        let refused = io::Error::from(io::ErrorKind::ConnectionRefused);
        assert_eq!(
            io_failure(&refused, "127.0.0.1:1", "127.0.0.1", Phase::Connect, ""),
            (
                Layer::Connect,
                "connection refused to 127.0.0.1:1".to_string()
            )
        );
        let eof = io::Error::from(io::ErrorKind::UnexpectedEof);
        let (layer, msg) = io_failure(&eof, "db:5432", "db", Phase::Connect, "");
        assert_eq!(layer, Layer::Connect);
        assert_eq!(msg, "connection reset by db:5432 during the TLS handshake");
        let mid = io::Error::new(io::ErrorKind::UnexpectedEof, "expected to read 5 bytes");
        let (_, msg) = io_failure(&mid, "db:5432", "db", Phase::Query, "");
        assert_eq!(msg, "connection reset by db:5432 during the query");
    }

    #[test]
    fn certificate_problems_read_like_the_tls_kind() {
        let wrap = |e: CertificateError| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                rustls::Error::InvalidCertificate(e),
            )
        };
        let (layer, msg) = io_failure(
            &wrap(CertificateError::UnknownIssuer),
            "h:1",
            "h",
            Phase::Connect,
            "set sslrootcert",
        );
        assert_eq!(layer, Layer::Tls);
        assert!(msg.starts_with("unknown issuer"), "{msg}");
        assert!(msg.ends_with("; set sslrootcert"), "{msg}");

        let expired = CertificateError::ExpiredContext {
            time: UnixTime::since_unix_epoch(Duration::from_secs(10 * 86_400)),
            not_after: UnixTime::since_unix_epoch(Duration::from_secs(7 * 86_400)),
        };
        assert_eq!(
            certificate_words(&expired, "h"),
            "certificate expired 3 days ago"
        );

        let name = CertificateError::NotValidForNameContext {
            expected: ServerName::try_from("127.0.0.1")
                .map(|n| n.to_owned())
                .unwrap(),
            presented: vec![
                "DnsName(\"localhost\")".into(),
                "IpAddress(10.0.0.1)".into(),
            ],
        };
        assert_eq!(
            certificate_words(&name, "h"),
            "certificate does not cover 127.0.0.1 (it covers localhost, 10.0.0.1)"
        );
    }

    #[test]
    fn budgets_read_as_configured() {}

    #[test]
    fn os_suffix_is_dropped() {
        let e = io::Error::from_raw_os_error(111);
        assert_eq!(io_reason(&e), "connection refused");
    }
}
