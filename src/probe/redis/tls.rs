//! TLS for `rediss://`: a rustls client on the run's cached trust roots plus `ca_file`
//! (the `redis` crate would reload the system store per connection, and its custom root
//! would replace the system roots), `#insecure`, and the `tls` kind's words when a
//! certificate is rejected.

use std::sync::Arc;

use tokio::time::Instant;

use crate::probe::{ProbeCtx, tls};

pub(super) const TLS_HINT: &str = "set ca_file to the CA that signed the server's certificate";

/// The certificate error inside a failed handshake, if that is why it failed.
pub(super) fn rejected_certificate(err: &std::io::Error) -> Option<rustls::CertificateError> {
    match err.get_ref()?.downcast_ref::<rustls::Error>()? {
        rustls::Error::InvalidCertificate(cert) => Some(cert.clone()),
        _ => None,
    }
}

/// The `tls` kind's account of a rejected certificate (which one, which issuer, by how
/// much), from a second handshake on this failure path only.
pub(super) async fn explain_certificate(
    (host, port, ca_file): (&str, u16, Option<&std::path::Path>),
    ctx: &ProbeCtx,
    deadline: Instant,
) -> Option<String> {
    let target = tls::Target {
        host,
        port,
        server_name: host,
        ca_file,
        starttls: None,
        connect_to: None,
    };
    let insp = tls::inspect(&target, ctx, deadline).await.ok()?;
    tls::explain(&insp)
}

/// A rustls client for `rediss://`: the run's system roots plus `ca_file`, or no
/// verification at all for `#insecure`.
pub(super) fn connector(
    ctx: &ProbeCtx,
    ca_file: Option<&std::path::Path>,
    insecure: bool,
) -> Result<tokio_rustls::TlsConnector, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("cannot set up TLS: {e}"))?;
    let config = if insecure {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(
                crate::probe::tls::AcceptAnyCertificate::new(provider),
            ))
            .with_no_client_auth()
    } else {
        builder
            .with_root_certificates(ctx.trust.roots(ca_file)?)
            .with_no_client_auth()
    };
    Ok(tokio_rustls::TlsConnector::from(Arc::new(config)))
}
