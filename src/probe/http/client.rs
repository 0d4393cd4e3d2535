//! One reqwest client per distinct connection configuration, shared by every check of a
//! run that has it: connections are pooled and reused (1,000 checks of one endpoint open a
//! handful of connections, not 1,000 handshakes), and no check pays for TLS config building
//! beyond the first.
//!
//! Everything that changes what a connection *is* belongs to the key (trust, client
//! certificate, protocol, `resolve`, redirect policy): a check never rides on a connection
//! that was set up — and verified — under another check's rules.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};

use super::errors::RedirectError;
use super::first::FirstRequests;
use super::progress::{TrackConnectLayer, TrackingResolver};
use crate::plan::is_sensitive_header;
use crate::probe::trust::{SystemRoots, Trust};
use crate::suite::model::{HttpSpec, HttpVersion};

/// Redirects followed before giving up (SPEC: `follow_redirects` — max 10).
pub(crate) const MAX_REDIRECTS: usize = 10;

/// The clients of a run, by configuration.
#[derive(Default)]
pub struct Clients {
    map: Mutex<HashMap<ClientKey, Shared>>,
}

/// A client and, for its connection pool, which origins already had a first request.
#[derive(Clone)]
pub(crate) struct Shared {
    pub client: reqwest::Client,
    pub first: Arc<FirstRequests>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct ClientKey {
    insecure: bool,
    ca_file: Option<PathBuf>,
    client_cert: Option<PathBuf>,
    client_key: Option<PathBuf>,
    http_version: Option<HttpVersion>,
    /// `http_version: 2` on `http://` means prior knowledge; on https it is negotiated.
    h2_prior_knowledge: bool,
    follow_redirects: bool,
    /// `resolve`: (lowercased host, address).
    resolve: Option<(String, IpAddr)>,
    /// A credential header that reqwest would carry to another origin on a redirect
    /// (`X-Api-Key`, `*-Token`…): such redirects are refused (see [`redirect_policy`]).
    credential_header: Option<String>,
}

/// Headers reqwest itself drops when a redirect leaves the origin.
const DROPPED_ON_REDIRECT: [&str; 4] = [
    "authorization",
    "cookie",
    "proxy-authorization",
    "www-authenticate",
];

impl ClientKey {
    fn of(spec: &HttpSpec) -> Self {
        let resolve = spec
            .resolve
            .and_then(|ip| spec.url.host_str().map(|h| (h.to_ascii_lowercase(), ip)));
        ClientKey {
            insecure: spec.insecure,
            // `insecure` ignores the trust roots: do not split the cache over them.
            ca_file: if spec.insecure {
                None
            } else {
                spec.ca_file.clone()
            },
            client_cert: spec.client_cert.clone(),
            client_key: spec.client_key.clone(),
            http_version: spec.http_version,
            h2_prior_knowledge: spec.http_version == Some(HttpVersion::Http2)
                && spec.url.scheme() == "http",
            follow_redirects: spec.follow_redirects,
            resolve,
            credential_header: spec
                .headers
                .iter()
                .map(|(name, _)| name)
                .find(|name| {
                    is_sensitive_header(name)
                        && !DROPPED_ON_REDIRECT.contains(&name.to_ascii_lowercase().as_str())
                })
                .cloned(),
        }
    }
}

impl Clients {
    /// The client for this check's configuration, built on first use. The error is a
    /// one-line `config` problem (unreadable `ca_file`, bad client key…).
    pub(crate) fn get(&self, spec: &HttpSpec, trust: &Trust) -> Result<Shared, String> {
        let key = ClientKey::of(spec);
        // Built under the lock: the first burst of identical checks then shares one
        // client (and its pool) instead of each building its own.
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(shared) = map.get(&key) {
            return Ok(shared.clone());
        }
        let shared = Shared {
            client: build(&key, trust)?,
            first: Arc::default(),
        };
        map.insert(key, shared.clone());
        Ok(shared)
    }
}

fn build(key: &ClientKey, trust: &Trust) -> Result<reqwest::Client, String> {
    let mut builder = reqwest::Client::builder()
        .tls_backend_preconfigured(tls_config(key, trust)?)
        .user_agent(concat!("smokecheck/", env!("CARGO_PKG_VERSION")))
        .referer(false)
        .dns_resolver(Arc::new(TrackingResolver))
        .connector_layer(TrackConnectLayer)
        .redirect(redirect_policy(
            key.follow_redirects,
            key.credential_header.clone(),
        ));
    match key.http_version {
        Some(HttpVersion::Http1) => builder = builder.http1_only(),
        Some(HttpVersion::Http2) if key.h2_prior_knowledge => {
            builder = builder.http2_prior_knowledge();
        }
        _ => {}
    }
    if let Some((host, ip)) = &key.resolve {
        // Port 0: the URL's port is used. A proxy would make `resolve` meaningless.
        builder = builder.resolve(host, SocketAddr::new(*ip, 0)).no_proxy();
    }
    builder
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {e}"))
}

/// Follows at most [`MAX_REDIRECTS`], names loops, and never lets a credential header
/// travel to another origin: reqwest drops `Authorization` and cookies there, but sends
/// every other header along, so a target that redirects elsewhere (a misconfigured or
/// compromised one) would receive the check's API key.
fn redirect_policy(follow: bool, credential_header: Option<String>) -> reqwest::redirect::Policy {
    if !follow {
        return reqwest::redirect::Policy::none();
    }
    reqwest::redirect::Policy::custom(move |attempt| {
        let next = attempt.url();
        let previous = attempt.previous();
        if let (Some(header), Some(first)) = (&credential_header, previous.first())
            && first.origin() != next.origin()
        {
            let error = RedirectError::CrossOrigin {
                to: next.to_string(),
                header: header.clone(),
            };
            return attempt.error(error);
        }
        if previous.iter().any(|u| u == next) {
            let origin = previous.first().unwrap_or(next);
            let chain = previous.iter().chain(std::iter::once(next));
            let shown = chain.map(|u| show_url(origin, u)).collect();
            return attempt.error(RedirectError::Loop(shown));
        }
        // `previous` holds the first URL too, so it has MAX+1 entries at the MAX+1th hop.
        if previous.len() > MAX_REDIRECTS {
            return attempt.error(RedirectError::TooMany(MAX_REDIRECTS));
        }
        attempt.follow()
    })
}

/// A URL in a redirect chain: its path when on the first URL's origin, else in full.
fn show_url(origin: &url::Url, u: &url::Url) -> String {
    if u.origin() == origin.origin() {
        match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_string(),
        }
    } else {
        u.to_string()
    }
}

fn tls_config(key: &ClientKey, trust: &Trust) -> Result<rustls::ClientConfig, String> {
    // `main` installs ring as the process default; fall back to it for library users.
    let provider = CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| Arc::new(rustls::crypto::ring::default_provider()));
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("cannot set up TLS: {e}"))?;
    let builder = if key.insecure {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(
                crate::probe::tls::AcceptAnyCertificate::new(provider),
            ))
    } else if key.ca_file.is_none() {
        // Loading the system roots costs milliseconds; a run of http:// checks never
        // needs them, so they are loaded at the first handshake.
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(LazyWebPki {
                roots: trust.system_lazy(),
                provider,
                verifier: OnceLock::new(),
            }))
    } else {
        builder.with_root_certificates(trust.roots(key.ca_file.as_deref())?)
    };
    let mut config = match (&key.client_cert, &key.client_key) {
        (Some(cert), Some(private)) => {
            let chain = crate::probe::trust::load_pem_certs(cert)
                .map_err(|e| e.replace("ca_file", "client_cert"))?;
            builder
                .with_client_auth_cert(chain, load_key(private)?)
                .map_err(|e| format!("client_cert/client_key unusable: {e}"))?
        }
        (None, None) => builder.with_no_client_auth(),
        _ => return Err("client_cert and client_key must be given together".to_string()),
    };
    config.alpn_protocols = match key.http_version {
        Some(HttpVersion::Http1) => vec![b"http/1.1".to_vec()],
        Some(HttpVersion::Http2) => vec![b"h2".to_vec()],
        None => vec![b"h2".to_vec(), b"http/1.1".to_vec()],
    };
    Ok(config)
}

fn load_key(path: &Path) -> Result<PrivateKeyDer<'static>, String> {
    PrivateKeyDer::from_pem_file(path)
        .map_err(|e| format!("cannot read client_key {}: {e}", path.display()))
}

/// The standard webpki verification (what `with_root_certificates` sets up) against the
/// system roots, built at the first handshake instead of with the client.
#[derive(Debug)]
struct LazyWebPki {
    roots: SystemRoots,
    provider: Arc<CryptoProvider>,
    verifier: OnceLock<Result<Arc<WebPkiServerVerifier>, String>>,
}

impl LazyWebPki {
    fn verifier(&self) -> Result<&Arc<WebPkiServerVerifier>, rustls::Error> {
        self.verifier
            .get_or_init(|| {
                WebPkiServerVerifier::builder_with_provider(self.roots.get(), self.provider.clone())
                    .build()
                    .map_err(|e| format!("cannot use the system trust roots: {e}"))
            })
            .as_ref()
            .map_err(|e| rustls::Error::General(e.clone()))
    }
}

impl ServerCertVerifier for LazyWebPki {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.verifier()?.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        )
    }

    // The signature checks need no roots: the same calls webpki's verifier makes.
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let algs = &self.provider.signature_verification_algorithms;
        rustls::crypto::verify_tls12_signature(message, cert, dss, algs)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let algs = &self.provider.signature_verification_algorithms;
        rustls::crypto::verify_tls13_signature(message, cert, dss, algs)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_shows_paths_on_the_same_origin() {
        let a = url::Url::parse("http://h:1/a?x=1").expect("url");
        let b = url::Url::parse("http://h:1/b").expect("url");
        let c = url::Url::parse("https://other/c").expect("url");
        assert_eq!(show_url(&a, &a), "/a?x=1");
        assert_eq!(show_url(&a, &b), "/b");
        assert_eq!(show_url(&a, &c), "https://other/c");
    }
}
