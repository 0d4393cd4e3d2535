//! Certificate summaries: what a person needs to see about each certificate a server
//! presents (names, dates, issuer, key) parsed once with x509-cert, so the checks and the
//! report work from plain values instead of re-reading DER.

use std::fmt;
use std::net::IpAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rustls_pki_types::CertificateDer;
use serde_json::{Value, json};
use x509_cert::Certificate;
use x509_cert::der::asn1::{ObjectIdentifier, UintRef};
use x509_cert::der::{Decode, Encode};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{AuthorityInfoAccessSyntax, BasicConstraints, SubjectAltName};
use x509_cert::name::Name;

/// A subjectAltName entry that can identify a server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum San {
    Dns(String),
    Ip(IpAddr),
}

impl fmt::Display for San {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            San::Dns(name) => f.write_str(name),
            San::Ip(ip) => write!(f, "{ip}"),
        }
    }
}

/// Where a certificate sits in what the server sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Leaf,
    Intermediate,
    /// A self-issued CA certificate the server sent along (servers need not send roots).
    Root,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Leaf => "leaf",
            Role::Intermediate => "intermediate",
            Role::Root => "root",
        }
    }
}

/// One presented certificate, reduced to what the checks and the report use.
#[derive(Debug, Clone)]
pub struct CertSummary {
    pub role: Role,
    /// RFC 4514 form, e.g. `CN=Test Intermediate,O=Smokecheck`.
    pub subject: String,
    pub subject_cn: Option<String>,
    pub issuer: String,
    pub issuer_cn: Option<String>,
    pub sans: Vec<San>,
    /// Seconds since the Unix epoch.
    pub not_before: i64,
    pub not_after: i64,
    /// Hex, colon-free, lowercase.
    pub serial: String,
    /// `RSA 2048`, `ECDSA P-256`, `Ed25519`…
    pub key_type: String,
    pub is_ca: bool,
    /// Whether the certificate says where to fetch its issuer (AIA caIssuers): every
    /// publicly issued leaf does, which tells a missing intermediate from an unknown CA.
    pub has_ca_issuers_url: bool,
    /// DER contents (without the outer SEQUENCE header) of the subject and issuer names:
    /// compared byte for byte, as path building does, and as rustls stores trust anchors.
    pub(crate) subject_raw: Vec<u8>,
    pub(crate) issuer_raw: Vec<u8>,
}

impl CertSummary {
    /// Subject equals issuer: a root, or a self-signed leaf.
    pub fn is_self_issued(&self) -> bool {
        self.subject_raw == self.issuer_raw
    }

    /// The name a person recognises: first SAN for a leaf, else the CN, else the DN.
    pub fn display_name(&self) -> String {
        if let (Role::Leaf, Some(san)) = (self.role, self.sans.first()) {
            return san.to_string();
        }
        self.subject_cn
            .clone()
            .unwrap_or_else(|| self.subject.clone())
    }

    /// How this certificate is named in messages: `certificate` for the leaf (the one
    /// people mean), `intermediate "CN=…"` / `root "CN=…"` otherwise.
    pub fn label(&self) -> String {
        match self.role {
            Role::Leaf => "certificate".to_string(),
            role => format!("{} \"{}\"", role.as_str(), self.subject),
        }
    }

    /// Seconds until notAfter (negative once expired).
    pub fn secs_left(&self, now: SystemTime) -> i64 {
        self.not_after.saturating_sub(unix_secs(now))
    }

    /// Whole days until notAfter, rounded down (negative once expired).
    pub fn days_left(&self, now: SystemTime) -> i64 {
        self.secs_left(now).div_euclid(86_400)
    }

    pub fn to_json(&self, now: SystemTime) -> Value {
        json!({
            "role": self.role.as_str(),
            "subject": self.subject,
            "sans": self.sans.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "issuer": self.issuer,
            "not_before": rfc3339(self.not_before),
            "not_after": rfc3339(self.not_after),
            "serial": self.serial,
            "key_type": self.key_type,
            "days_left": self.days_left(now),
        })
    }
}

/// Parses every presented certificate; the first is the leaf. A certificate that does not
/// parse is an error naming its position (the handshake layer reports it).
pub fn summarize_chain(chain: &[CertificateDer<'_>]) -> Result<Vec<CertSummary>, String> {
    let mut out = Vec::with_capacity(chain.len());
    for (i, der) in chain.iter().enumerate() {
        let mut summary = summarize(der).map_err(|e| {
            let which = if i == 0 {
                "the leaf certificate".to_string()
            } else {
                format!("certificate #{}", i + 1)
            };
            format!("server sent a certificate that does not parse ({which}): {e}")
        })?;
        summary.role = if i == 0 {
            Role::Leaf
        } else if summary.is_self_issued() {
            Role::Root
        } else {
            Role::Intermediate
        };
        out.push(summary);
    }
    Ok(out)
}

/// Parses one DER certificate. The role is `Leaf` until `summarize_chain` places it.
pub fn summarize(der: &CertificateDer<'_>) -> Result<CertSummary, String> {
    let cert = Certificate::from_der(der.as_ref()).map_err(|e| e.to_string())?;
    let tbs = cert.tbs_certificate();
    let validity = tbs.validity();
    let sans = match tbs.get_extension::<SubjectAltName>() {
        Ok(Some((_, san))) => san.0.iter().filter_map(general_name_to_san).collect(),
        _ => Vec::new(),
    };
    let is_ca = matches!(tbs.get_extension::<BasicConstraints>(), Ok(Some((_, bc))) if bc.ca);
    let has_ca_issuers_url = match tbs.get_extension::<AuthorityInfoAccessSyntax>() {
        Ok(Some((_, aia))) => aia.0.iter().any(|d| d.access_method == CA_ISSUERS),
        _ => false,
    };
    Ok(CertSummary {
        role: Role::Leaf,
        subject: tbs.subject().to_string(),
        subject_cn: common_name(tbs.subject()),
        issuer: tbs.issuer().to_string(),
        issuer_cn: common_name(tbs.issuer()),
        sans,
        not_before: secs(validity.not_before.to_unix_duration()),
        not_after: secs(validity.not_after.to_unix_duration()),
        serial: hex(tbs.serial_number().as_bytes()),
        key_type: key_type(tbs.subject_public_key_info()),
        is_ca,
        has_ca_issuers_url,
        subject_raw: name_contents(tbs.subject()),
        issuer_raw: name_contents(tbs.issuer()),
    })
}

const CA_ISSUERS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.2");
const RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const EC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const P384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
const P521: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.35");
const ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
const ED448: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.113");

fn general_name_to_san(name: &GeneralName) -> Option<San> {
    match name {
        GeneralName::DnsName(dns) => Some(San::Dns(dns.to_string())),
        GeneralName::IpAddress(octets) => match octets.as_bytes().len() {
            4 => <[u8; 4]>::try_from(octets.as_bytes())
                .ok()
                .map(|b| San::Ip(IpAddr::from(b))),
            16 => <[u8; 16]>::try_from(octets.as_bytes())
                .ok()
                .map(|b| San::Ip(IpAddr::from(b))),
            _ => None,
        },
        _ => None,
    }
}

fn common_name(name: &Name) -> Option<String> {
    name.common_name()
        .ok()
        .flatten()
        .map(|cn| cn.value().into_owned())
}

/// The Name's DER encoding without its outer SEQUENCE header.
fn name_contents(name: &Name) -> Vec<u8> {
    let Ok(der) = name.to_der() else {
        return Vec::new();
    };
    let header = match der.get(1) {
        Some(&len) if len < 0x80 => 2,
        Some(&len) => 2 + usize::from(len & 0x7f),
        None => return der,
    };
    der.get(header..).map(<[u8]>::to_vec).unwrap_or_default()
}

fn key_type(spki: &x509_cert::spki::SubjectPublicKeyInfoOwned) -> String {
    let oid = spki.algorithm.oid;
    if oid == RSA {
        let bits = spki
            .subject_public_key
            .as_bytes()
            .and_then(|key| Vec::<UintRef<'_>>::from_der(key).ok())
            .and_then(|ints| ints.first().map(|n| bit_len(n.as_bytes())));
        return match bits {
            Some(bits) => format!("RSA {bits}"),
            None => "RSA".to_string(),
        };
    }
    if oid == EC {
        let curve = spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
        return match curve {
            Some(c) if c == P256 => "ECDSA P-256".to_string(),
            Some(c) if c == P384 => "ECDSA P-384".to_string(),
            Some(c) if c == P521 => "ECDSA P-521".to_string(),
            Some(c) => format!("ECDSA {c}"),
            None => "ECDSA".to_string(),
        };
    }
    if oid == ED25519 {
        return "Ed25519".to_string();
    }
    if oid == ED448 {
        return "Ed448".to_string();
    }
    oid.to_string()
}

/// Bit length of a big-endian unsigned integer (leading zero bytes already stripped).
fn bit_len(bytes: &[u8]) -> usize {
    match bytes.first() {
        Some(&first) => bytes.len() * 8 - first.leading_zeros() as usize,
        None => 0,
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

fn secs(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}

pub(crate) fn unix_secs(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => secs(d),
        Err(e) => -secs(e.duration()),
    }
}

/// `2026-11-18T12:00:00Z`.
pub fn rfc3339(unix: i64) -> String {
    let t = UNIX_EPOCH + Duration::from_secs(u64::try_from(unix).unwrap_or(0));
    humantime::format_rfc3339_seconds(t).to_string()
}

/// `2026-11-18`: the date people act on.
pub fn date(unix: i64) -> String {
    let mut s = rfc3339(unix);
    s.truncate(10);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_length_of_moduli() {
        assert_eq!(bit_len(&[0x80, 0, 0]), 24);
        assert_eq!(bit_len(&[0x01, 0]), 9);
        assert_eq!(bit_len(&[]), 0);
    }

    #[test]
    fn dates_are_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(date(1_795_003_200), "2026-11-18");
    }

    #[test]
    fn summary_of_an_rcgen_certificate() {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let mut params =
            rcgen::CertificateParams::new(vec!["*.example.test".into(), "127.0.0.1".into()])
                .unwrap();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "Test Leaf");
        params.serial_number = Some(rcgen::SerialNumber::from_slice(&[0x0a, 0xbc]));
        let cert = params.self_signed(&key).unwrap();
        let s = summarize(cert.der()).unwrap();
        assert_eq!(s.subject, "CN=Test Leaf");
        assert_eq!(s.subject_cn.as_deref(), Some("Test Leaf"));
        assert_eq!(
            s.sans,
            vec![
                San::Dns("*.example.test".into()),
                San::Ip([127, 0, 0, 1].into())
            ]
        );
        assert_eq!(s.serial, "0abc");
        assert_eq!(s.key_type, "ECDSA P-256");
        assert!(s.is_self_issued());
        assert!(!s.has_ca_issuers_url);
        assert_eq!(s.display_name(), "*.example.test");
    }

    #[test]
    fn ed25519_keys_are_named() {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap();
        let cert = rcgen::CertificateParams::new(vec!["a.test".into()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        assert_eq!(summarize(cert.der()).unwrap().key_type, "Ed25519");
    }

    #[test]
    fn garbage_does_not_parse() {
        let der = CertificateDer::from(vec![0x30, 0x03, 0x02, 0x01, 0x00]);
        assert!(summarize(&der).is_err());
        assert!(
            summarize_chain(&[der])
                .unwrap_err()
                .contains("the leaf certificate")
        );
    }
}
