//! RFC 6125 name matching, written out so a miss can say *why* (the story behind this
//! tool is a wildcard certificate an HTTP library got wrong).
//!
//! Rules (the ones browsers and rustls-webpki apply):
//! - only subjectAltNames count; the subject CN is never used;
//! - DNS names compare as ASCII, case-insensitively; one trailing dot of the checked name
//!   is ignored; a Unicode name is converted to its punycode (`xn--`) form first;
//! - a wildcard is a left-most label that is exactly `*`: it matches one whole, non-empty
//!   label — `*.example.com` covers `a.example.com`, not `example.com`, not
//!   `a.b.example.com`; partial (`f*.example.com`) or inner (`a.*.example.com`) wildcards
//!   never match, and a wildcard needs at least two labels after it (`*.com` is refused);
//! - an IP address matches IP SANs only (a DNS SAN spelling the address does not count).
//!
//! Checking a pattern such as `*.shop.example` (in `covers`) asks whether the certificate
//! lists that wildcard itself: it matches the identical SAN only.

use std::net::IpAddr;

use super::certs::San;

/// A name to check, normalised once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reference {
    /// Lowercase ASCII (punycode), no trailing dot.
    Dns(String),
    Ip(IpAddr),
    /// A name holding `*`: matched literally against the SANs.
    Pattern(String),
}

impl Reference {
    /// Normalises a user-given name. The error is one line naming the name.
    pub fn parse(name: &str) -> Result<Reference, String> {
        let trimmed = name.trim();
        let unbracketed = trimmed
            .strip_prefix('[')
            .and_then(|s| s.strip_suffix(']'))
            .unwrap_or(trimmed);
        if let Ok(ip) = unbracketed.parse::<IpAddr>() {
            return Ok(Reference::Ip(ip));
        }
        let without_dot = trimmed.strip_suffix('.').unwrap_or(trimmed);
        if without_dot.is_empty() || without_dot.contains(char::is_whitespace) {
            return Err(format!("{name:?} is not a hostname"));
        }
        if without_dot.contains('*') {
            return Ok(Reference::Pattern(without_dot.to_ascii_lowercase()));
        }
        if without_dot.is_ascii() {
            return Ok(Reference::Dns(without_dot.to_ascii_lowercase()));
        }
        // Unicode: the IDNA (UTS 46) conversion browsers use, via the url crate.
        match url::Host::parse(without_dot) {
            Ok(url::Host::Domain(ascii)) => Ok(Reference::Dns(ascii.to_ascii_lowercase())),
            _ => Err(format!(
                "{name:?} is not a valid internationalised hostname"
            )),
        }
    }
}

/// Why one SAN does not cover one name; only the informative cases are named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Miss {
    /// Nothing in common worth explaining.
    Different,
    /// `*.example.com` vs `a.b.example.com`.
    WildcardOneLabel,
    /// `*.example.com` vs `example.com`.
    WildcardBareDomain,
    /// `f*.example.com`, `a.*.example.com`, `*.*.example.com`.
    InvalidWildcard,
    /// `*.com`: too few labels after the wildcard.
    WildcardTooBroad,
    /// An IP address checked against a DNS SAN that spells it.
    IpInDnsSan,
}

/// Whether `san` covers `reference` (RFC 6125, see the module doc).
pub fn san_matches(san: &San, reference: &Reference) -> Result<(), Miss> {
    match (san, reference) {
        (San::Ip(ip), Reference::Ip(want)) if ip == want => Ok(()),
        (San::Dns(dns), Reference::Ip(want)) if dns.parse::<IpAddr>().ok() == Some(*want) => {
            Err(Miss::IpInDnsSan)
        }
        (San::Dns(dns), Reference::Pattern(p)) if dns.eq_ignore_ascii_case(p) => Ok(()),
        (San::Dns(dns), Reference::Dns(name)) => dns_matches(dns, name),
        _ => Err(Miss::Different),
    }
}

fn dns_matches(presented: &str, name: &str) -> Result<(), Miss> {
    // A presented name is never absolute (RFC 5280); rustls-webpki rejects it too.
    if presented.is_empty() || presented.ends_with('.') || !presented.is_ascii() {
        return Err(Miss::Different);
    }
    if !presented.contains('*') {
        return if presented.eq_ignore_ascii_case(name) {
            Ok(())
        } else {
            Err(Miss::Different)
        };
    }
    let Some(base) = presented.strip_prefix("*.") else {
        return Err(invalid_wildcard_miss(presented, name));
    };
    if base.contains('*') {
        return Err(invalid_wildcard_miss(presented, name));
    }
    let suffix_matches = name.len() > base.len()
        && name.as_bytes()[name.len() - base.len() - 1] == b'.'
        && name[name.len() - base.len()..].eq_ignore_ascii_case(base);
    if base.split('.').count() < 2 || base.split('.').any(str::is_empty) {
        return Err(if suffix_matches {
            Miss::WildcardTooBroad
        } else {
            Miss::Different
        });
    }
    if name.eq_ignore_ascii_case(base) {
        return Err(Miss::WildcardBareDomain);
    }
    if !suffix_matches {
        return Err(Miss::Different);
    }
    let first = &name[..name.len() - base.len() - 1];
    if first.is_empty() {
        Err(Miss::Different)
    } else if first.contains('.') {
        Err(Miss::WildcardOneLabel)
    } else {
        Ok(())
    }
}

/// A malformed wildcard is only worth explaining when it looks aimed at the name.
fn invalid_wildcard_miss(presented: &str, name: &str) -> Miss {
    let shared_suffix = presented
        .rsplit('.')
        .zip(name.rsplit('.'))
        .take_while(|(a, b)| a.eq_ignore_ascii_case(b))
        .count();
    if shared_suffix >= 2 {
        Miss::InvalidWildcard
    } else {
        Miss::Different
    }
}

/// Which SAN covers `name`, or a one-line reason why none does.
pub fn find_cover<'a>(name: &str, sans: &'a [San]) -> Result<&'a San, String> {
    let reference = Reference::parse(name)?;
    let mut best: Option<(&San, Miss)> = None;
    for san in sans {
        match san_matches(san, &reference) {
            Ok(()) => return Ok(san),
            Err(Miss::Different) => {}
            Err(miss) => {
                if best.is_none() {
                    best = Some((san, miss));
                }
            }
        }
    }
    Err(match best {
        Some((san, miss)) => explain(san, name, miss),
        None if sans.is_empty() => {
            format!(
                "{name} does not match the certificate: it has no DNS or IP subjectAltName (the CN is not used)"
            )
        }
        None => format!(
            "{name} does not match the certificate (SANs: {})",
            list_sans(sans)
        ),
    })
}

fn explain(san: &San, name: &str, miss: Miss) -> String {
    match miss {
        Miss::WildcardOneLabel => {
            format!("{san} does not cover {name}: a wildcard matches one label")
        }
        Miss::WildcardBareDomain => {
            format!("{san} does not cover {name}: a wildcard never covers the bare domain")
        }
        Miss::InvalidWildcard => format!(
            "{san} does not cover {name}: a wildcard must be the whole left-most label, so this SAN matches nothing"
        ),
        Miss::WildcardTooBroad => format!(
            "{san} does not cover {name}: a wildcard needs at least two labels after it, so this SAN matches nothing"
        ),
        Miss::IpInDnsSan => format!(
            "{name} does not match the certificate: an IP address needs an IP SAN, and {san} is listed as a DNS name"
        ),
        Miss::Different => format!("{name} does not match {san}"),
    }
}

/// `a.example, *.b.example` — at most eight, then a count.
pub fn list_sans(sans: &[San]) -> String {
    const SHOWN: usize = 8;
    let mut list = sans
        .iter()
        .take(SHOWN)
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    if sans.len() > SHOWN {
        list.push_str(&format!(", … ({} more)", sans.len() - SHOWN));
    }
    list
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls_pki_types::ServerName;

    fn dns(s: &str) -> San {
        San::Dns(s.to_string())
    }

    /// (presented SAN, checked name, covered?)
    const TABLE: &[(&str, &str, bool)] = &[
        ("example.com", "example.com", true),
        ("example.com", "EXAMPLE.COM", true),
        ("EXAMPLE.com", "example.COM", true),
        ("example.com", "example.com.", true),
        ("example.com", "www.example.com", false),
        ("*.example.com", "a.example.com", true),
        ("*.example.com", "A.Example.Com", true),
        ("*.example.com", "a.example.com.", true),
        ("*.EXAMPLE.COM", "a.example.com", true),
        ("*.example.com", "example.com", false),
        ("*.example.com", "a.b.example.com", false),
        ("*.example.com", ".example.com", false),
        ("*.example.com", "aexample.com", false),
        ("*.example.com", "a.example.org", false),
        ("f*.example.com", "foo.example.com", false),
        ("*o.example.com", "foo.example.com", false),
        ("f*o.example.com", "foo.example.com", false),
        ("a.*.example.com", "a.b.example.com", false),
        ("*.*.example.com", "a.b.example.com", false),
        ("*", "foo", false),
        ("*.com", "example.com", false),
        ("*.co.uk", "example.co.uk", true),
        ("example.com.", "example.com", false),
        ("xn--bcher-kva.example", "xn--bcher-kva.example", true),
        ("xn--bcher-kva.example", "XN--BCHER-KVA.EXAMPLE", true),
        (
            "*.xn--bcher-kva.example",
            "shop.xn--bcher-kva.example",
            true,
        ),
        ("*.example.com", "xn--bcher-kva.example.com", true),
        ("xn--*.example.com", "xn--bcher-kva.example.com", false),
        ("127.0.0.1", "127.0.0.1", false),
    ];

    #[test]
    fn rfc6125_table() {
        for &(presented, name, want) in TABLE {
            let reference = Reference::parse(name).unwrap();
            let got = san_matches(&dns(presented), &reference).is_ok();
            assert_eq!(got, want, "{presented} vs {name}");
        }
    }

    #[test]
    fn unicode_names_are_compared_as_punycode() {
        assert_eq!(
            Reference::parse("bücher.example").unwrap(),
            Reference::Dns("xn--bcher-kva.example".into())
        );
        assert_eq!(
            Reference::parse("BÜCHER.example.").unwrap(),
            Reference::Dns("xn--bcher-kva.example".into())
        );
        let sans = [dns("*.xn--bcher-kva.example")];
        assert!(find_cover("shop.bücher.example", &sans).is_ok());
        assert!(
            find_cover("a.shop.bücher.example", &sans)
                .unwrap_err()
                .contains("a wildcard matches one label")
        );
    }

    #[test]
    fn ip_addresses_match_ip_sans_only() {
        let ip = San::Ip("127.0.0.1".parse().unwrap());
        let v6 = San::Ip("::1".parse().unwrap());
        assert_eq!(find_cover("127.0.0.1", std::slice::from_ref(&ip)), Ok(&ip));
        assert_eq!(find_cover("[::1]", std::slice::from_ref(&v6)), Ok(&v6));
        assert_eq!(
            find_cover("0:0:0:0:0:0:0:1", std::slice::from_ref(&v6)),
            Ok(&v6)
        );
        assert!(find_cover("127.0.0.2", std::slice::from_ref(&ip)).is_err());
        // A DNS name never matches an IP SAN, even one that spells it.
        assert!(find_cover("localhost", std::slice::from_ref(&ip)).is_err());
        let err = find_cover("127.0.0.1", &[dns("127.0.0.1")]).unwrap_err();
        assert!(err.contains("an IP address needs an IP SAN"), "{err}");
    }

    #[test]
    fn misses_say_why() {
        let sans = [dns("*.example.com")];
        assert_eq!(
            find_cover("a.b.example.com", &sans).unwrap_err(),
            "*.example.com does not cover a.b.example.com: a wildcard matches one label"
        );
        assert_eq!(
            find_cover("example.com", &sans).unwrap_err(),
            "*.example.com does not cover example.com: a wildcard never covers the bare domain"
        );
        let err = find_cover("foo.example.com", &[dns("f*.example.com")]).unwrap_err();
        assert!(err.contains("must be the whole left-most label"), "{err}");
        let err = find_cover("example.com", &[dns("*.com")]).unwrap_err();
        assert!(err.contains("at least two labels"), "{err}");
        assert_eq!(
            find_cover("wrong.example", &[dns("a.example"), dns("*.b.example")]).unwrap_err(),
            "wrong.example does not match the certificate (SANs: a.example, *.b.example)"
        );
        assert!(
            find_cover("a.test", &[])
                .unwrap_err()
                .contains("no DNS or IP subjectAltName")
        );
    }

    #[test]
    fn the_matching_san_is_reported() {
        let sans = [dns("example.com"), dns("*.example.com")];
        assert_eq!(find_cover("www.example.com", &sans), Ok(&sans[1]));
        assert_eq!(find_cover("example.com", &sans), Ok(&sans[0]));
        // Asking for a wildcard checks that the certificate lists it.
        assert_eq!(find_cover("*.EXAMPLE.com", &sans), Ok(&sans[1]));
        assert!(find_cover("*.other.com", &sans).is_err());
    }

    #[test]
    fn long_san_lists_are_cut() {
        let sans: Vec<San> = (0..10).map(|i| dns(&format!("h{i}.test"))).collect();
        assert!(list_sans(&sans).ends_with("h7.test, … (2 more)"));
    }

    /// Every table row gives the same answer as rustls-webpki, which real clients use.
    #[test]
    fn agrees_with_webpki() {
        for &(presented, name, want) in TABLE {
            let Ok(server_name) = ServerName::try_from(name) else {
                continue;
            };
            let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
            let mut params = rcgen::CertificateParams::default();
            params.subject_alt_names = vec![rcgen::SanType::DnsName(presented.try_into().unwrap())];
            let cert = params.self_signed(&key).unwrap();
            let ee = webpki::EndEntityCert::try_from(cert.der()).unwrap();
            let webpki_says = ee.verify_is_valid_for_subject_name(&server_name).is_ok();
            assert_eq!(
                webpki_says, want,
                "webpki disagrees on {presented} vs {name}"
            );
        }
    }
}
