//! Connection-URL handling shared by the database probes: parameters the driver would
//! silently ignore (a typo like `sslmod=require` must not quietly drop the TLS demand), and
//! CA files read up front so a missing file is a `config` error naming the file, not a
//! confusing `connect` failure.

use std::path::Path;

use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

/// Parses `raw` and checks its scheme; the error is the one-line `config` message.
pub(crate) fn parse_url(raw: &str, kind: &str, schemes: &[&str]) -> Result<url::Url, String> {
    let url = url::Url::parse(raw).map_err(|e| format!("invalid {kind} URL: {e}"))?;
    if !schemes.contains(&url.scheme()) {
        let want: Vec<String> = schemes.iter().map(|s| format!("{s}://")).collect();
        return Err(format!(
            "a {kind} URL starts with {}, not {}://",
            want.join(" or "),
            url.scheme()
        ));
    }
    Ok(url)
}

/// One warning per query parameter that is not in `known` (the driver drops those).
pub(crate) fn unknown_params(url: &url::Url, known: &[&str]) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    for (key, _) in url.query_pairs() {
        let key = key.into_owned();
        let is_known = known.contains(&key.as_str())
            || (key.starts_with("options[") && known.contains(&"options[]"));
        if !is_known && !seen.contains(&key) {
            seen.push(key);
        }
    }
    seen.into_iter()
        .map(|key| format!("URL parameter `{key}` is not supported and was ignored"))
        .collect()
}

/// The value of the first of `keys` present in the URL's query.
pub(crate) fn param(url: &url::Url, keys: &[&str]) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| keys.contains(&k.as_ref()))
        .map(|(_, v)| v.into_owned())
}

/// Reads a PEM CA file named by a URL parameter; it must hold at least one certificate.
/// (A small local file: read synchronously, like `probe::trust` does.)
pub(crate) fn read_ca(path: &str, param: &str) -> Result<Vec<u8>, String> {
    let pem = std::fs::read(Path::new(path)).map_err(|e| {
        format!(
            "cannot read {param} {path}: {}",
            super::words::io_reason(&e)
        )
    })?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("cannot parse {param} {path}: {e}"))?;
    if certs.is_empty() {
        return Err(format!("{param} {path} holds no PEM certificate"));
    }
    Ok(pem)
}

/// `host:port`, with brackets around an IPv6 host.
pub(crate) fn host_port(host: &str, port: u16) -> String {
    if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_typos_once() {
        let url =
            url::Url::parse("postgres://h/db?sslmod=require&sslmode=disable&sslmod=x&options[a]=1")
                .unwrap();
        let warnings = unknown_params(&url, &["sslmode", "options[]"]);
        assert_eq!(
            warnings,
            vec!["URL parameter `sslmod` is not supported and was ignored"]
        );
    }

    #[test]
    fn scheme_is_checked() {
        let err = parse_url("mysql://h/db", "postgres", &["postgres", "postgresql"]).unwrap_err();
        assert_eq!(
            err,
            "a postgres URL starts with postgres:// or postgresql://, not mysql://"
        );
        assert!(parse_url("not a url", "postgres", &["postgres"]).is_err());
    }

    #[test]
    fn ipv6_is_bracketed() {
        assert_eq!(host_port("::1", 5432), "[::1]:5432");
        assert_eq!(host_port("db", 5432), "db:5432");
    }

    #[test]
    fn missing_ca_is_named() {
        let err = read_ca("/nonexistent/ca.pem", "sslrootcert").unwrap_err();
        assert!(
            err.starts_with("cannot read sslrootcert /nonexistent/ca.pem: "),
            "{err}"
        );
    }
}
