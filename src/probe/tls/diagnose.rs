//! Certificate problems in the words an on-call engineer needs: which certificate, what
//! is wrong with it, by how much. Shared by the `tls` kind and the http probe (which uses
//! [`explain`] when a request fails on its certificate, and [`expiry_shortfall`] for
//! `cert_valid_for`).

use std::time::{Duration, SystemTime};

use rustls::CertificateError;
use rustls_pki_types::ServerName;

use super::certs::{CertSummary, date, unix_secs};
use super::inspect::Inspection;
use super::names;

/// Why a normal client would refuse this server, first reason only, or `None` when it
/// would accept it: dates, then trust, then the server name.
pub fn explain(insp: &Inspection) -> Option<String> {
    date_problem(&insp.chain, insp.checked_at)
        .or_else(|| trust_problem(insp))
        .or_else(|| name_problem(insp))
}

/// An expired or not-yet-valid certificate, leaf first.
pub fn date_problem(chain: &[CertSummary], now: SystemTime) -> Option<String> {
    let now = unix_secs(now);
    chain.iter().find_map(|cert| {
        if now < cert.not_before {
            Some(format!(
                "{} not yet valid: starts in {} (notBefore {})",
                cert.label(),
                span_words(cert.not_before - now),
                date(cert.not_before)
            ))
        } else if now > cert.not_after {
            Some(format!(
                "{} expired {} ago (notAfter {})",
                cert.label(),
                span_words(now - cert.not_after),
                date(cert.not_after)
            ))
        } else {
            None
        }
    })
}

/// The presented certificate that expires within `min` soonest, as
/// `intermediate "CN=…" expires in 3d (2026-11-24)`; the caller appends the expectation.
pub fn expiry_shortfall(chain: &[CertSummary], min: Duration, now: SystemTime) -> Option<String> {
    let min = i64::try_from(min.as_secs()).unwrap_or(i64::MAX);
    let soonest = chain.iter().min_by_key(|c| c.not_after)?;
    let left = soonest.secs_left(now);
    (left < min).then(|| {
        if left < 0 {
            format!(
                "{} expired {} ago ({})",
                soonest.label(),
                span_words(-left),
                date(soonest.not_after)
            )
        } else {
            format!(
                "{} expires in {} ({})",
                soonest.label(),
                span_short(left),
                date(soonest.not_after)
            )
        }
    })
}

/// Why the chain does not verify to a trust anchor (name problems excluded).
pub fn trust_problem(insp: &Inspection) -> Option<String> {
    let err = match &insp.verdict {
        Ok(()) => return None,
        Err(rustls::Error::InvalidCertificate(e)) => e,
        Err(other) => return Some(format!("certificate rejected: {other}")),
    };
    Some(match err {
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
            return None;
        }
        CertificateError::UnknownIssuer => unknown_issuer(insp),
        CertificateError::BadSignature => format!(
            "certificate signature does not verify (issuer {})",
            insp.leaf().issuer
        ),
        CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
            "certificate is not valid for server authentication (extended key usage)".to_string()
        }
        // Said better by `date_problem`, which names the certificate and the date.
        CertificateError::Expired
        | CertificateError::ExpiredContext { .. }
        | CertificateError::NotValidYet
        | CertificateError::NotValidYetContext { .. }
            if date_problem(&insp.chain, insp.checked_at).is_some() =>
        {
            date_problem(&insp.chain, insp.checked_at)?
        }
        other => format!(
            "certificate rejected: {}",
            lower_first(&format!(
                "{}",
                rustls::Error::InvalidCertificate(other.clone())
            ))
        ),
    })
}

/// Tells apart the three usual reasons a chain ends at an unknown issuer.
fn unknown_issuer(insp: &Inspection) -> String {
    let chain = &insp.chain;
    let leaf = insp.leaf();
    // Follow issuer → subject links through what the server sent, from the leaf up.
    let mut top = 0usize;
    let mut steps = 0;
    while steps < chain.len() {
        let current = &chain[top];
        if current.is_self_issued() {
            break;
        }
        match chain
            .iter()
            .position(|c| c.subject_raw == current.issuer_raw)
        {
            Some(next) if next != top => top = next,
            _ => break,
        }
        steps += 1;
    }
    let top_cert = &chain[top];
    if top_cert.is_self_issued() {
        return if top == 0 {
            format!("self-signed certificate {}", leaf.subject)
        } else {
            format!(
                "unknown issuer {}: the server sent this root, which is not trusted",
                top_cert.subject
            )
        };
    }
    if insp.verifiers.is_anchor_subject(&top_cert.issuer_raw) {
        return format!(
            "chain does not verify to the trusted root {}",
            top_cert.issuer
        );
    }
    if top == 0 && leaf.has_ca_issuers_url {
        return format!(
            "server sent no intermediate: chain incomplete (the leaf is issued by {})",
            leaf.issuer
        );
    }
    if top == 0 {
        return format!(
            "unknown issuer {}: not a trusted root (or an intermediate the server did not send)",
            leaf.issuer
        );
    }
    format!("unknown issuer {}: not a trusted root", top_cert.issuer)
}

/// The server name is not covered by the leaf.
pub fn name_problem(insp: &Inspection) -> Option<String> {
    match names::find_cover(&insp.server_name, &insp.leaf().sans) {
        Err(reason) => Some(reason),
        // Our matcher and rustls-webpki agree on every tested case; should they ever
        // differ, the stricter answer (the one clients apply) wins.
        Ok(_) if is_name_error(&insp.verdict) => Some(format!(
            "{} does not match the certificate (SANs: {})",
            insp.server_name,
            names::list_sans(&insp.leaf().sans)
        )),
        Ok(_) => None,
    }
}

/// Which SAN of the leaf covers `name` (as in `covers`), or why none does. Our matcher
/// explains; rustls-webpki, which real clients run, must agree before a name counts.
pub fn cover(insp: &Inspection, name: &str) -> Result<String, String> {
    let san = names::find_cover(name, &insp.leaf().sans)?;
    let webpki_accepts = ServerName::try_from(name)
        .ok()
        .and_then(|server_name| {
            let ee = webpki::EndEntityCert::try_from(insp.der.first()?).ok()?;
            Some(ee.verify_is_valid_for_subject_name(&server_name).is_ok())
        })
        // Not a name webpki can check (a wildcard pattern, an odd spelling): ours decides.
        .unwrap_or(true);
    if webpki_accepts {
        Ok(san.to_string())
    } else {
        Err(format!(
            "{name} is refused by rustls-webpki for this certificate (SANs: {})",
            names::list_sans(&insp.leaf().sans)
        ))
    }
}

fn is_name_error(verdict: &Result<(), rustls::Error>) -> bool {
    matches!(
        verdict,
        Err(rustls::Error::InvalidCertificate(
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. }
        ))
    )
}

/// Whether the chain verifies to a trust anchor (a name mismatch aside).
pub fn chain_trusted(verdict: &Result<(), rustls::Error>) -> bool {
    verdict.is_ok() || is_name_error(verdict)
}

/// `3 days`, `1 day`, `5 hours`, `12 minutes`, `30 seconds`.
pub fn span_words(secs: i64) -> String {
    let (n, unit) = match secs {
        s if s >= 86_400 => (s / 86_400, "day"),
        s if s >= 3_600 => (s / 3_600, "hour"),
        s if s >= 60 => (s / 60, "minute"),
        s => (s.max(0), "second"),
    };
    if n == 1 {
        format!("1 {unit}")
    } else {
        format!("{n} {unit}s")
    }
}

/// `61d`, `5h`, `12m`, `30s` (whole units, rounded down).
pub fn span_short(secs: i64) -> String {
    match secs {
        s if s >= 86_400 => format!("{}d", s / 86_400),
        s if s >= 3_600 => format!("{}h", s / 3_600),
        s if s >= 60 => format!("{}m", s / 60),
        s => format!("{}s", s.max(0)),
    }
}

pub use crate::suite::duration::format as fmt_duration;

fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans() {
        assert_eq!(span_words(3 * 86_400 + 5), "3 days");
        assert_eq!(span_words(86_400), "1 day");
        assert_eq!(span_words(7_200), "2 hours");
        assert_eq!(span_words(59), "59 seconds");
        assert_eq!(span_short(61 * 86_400 + 1), "61d");
        assert_eq!(span_short(5 * 3_600), "5h");
        assert_eq!(fmt_duration(Duration::from_secs(14 * 86_400)), "14d");
        assert_eq!(fmt_duration(Duration::from_secs(36 * 3_600)), "1d12h");
        assert_eq!(fmt_duration(Duration::from_secs(45)), "45s");
    }
}
