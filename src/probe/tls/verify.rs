//! The verifier that lets a handshake finish with a bad certificate, so the report can show
//! the chain, its dates and names and the negotiated version instead of a bare
//! "invalid certificate".
//!
//! The handshake's signature checks (TLS 1.2 and 1.3: "does the server own the leaf's
//! key?") are still made, with the provider's algorithms. The chain verdict is computed by the
//! same real verifier right after the handshake ([`Verifiers::verdict`]) on the chain that
//! rustls kept (`peer_certificates`): one shared client config can then serve every
//! concurrent check, because no per-connection state has to travel through the verifier.
//! Nothing but certificates is ever read from such a connection.

use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};

/// Accepts any certificate and any name during the handshake, while still checking the
/// handshake signatures (the server owns the key of the certificate it sent). Used by the
/// inspector (the verdict comes after the handshake), and by `insecure: true` in http and
/// `rediss://…#insecure`.
#[derive(Debug)]
pub struct AcceptAnyCertificate(Arc<CryptoProvider>);

impl AcceptAnyCertificate {
    pub fn new(provider: Arc<CryptoProvider>) -> Self {
        AcceptAnyCertificate(provider)
    }
}

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let algs = &self.0.signature_verification_algorithms;
        rustls::crypto::verify_tls12_signature(message, cert, dss, algs)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let algs = &self.0.signature_verification_algorithms;
        rustls::crypto::verify_tls13_signature(message, cert, dss, algs)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// The real verifier for one set of roots, and the roots themselves (the diagnosis needs
/// to know whether an issuer is a trust anchor).
#[derive(Clone)]
pub struct Verifiers {
    pub real: Arc<WebPkiServerVerifier>,
    pub roots: Arc<RootCertStore>,
}

/// Hundreds of system roots are not worth printing.
impl std::fmt::Debug for Verifiers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifiers")
            .field("roots", &self.roots.len())
            .finish_non_exhaustive()
    }
}

impl Verifiers {
    pub fn new(
        roots: Arc<RootCertStore>,
        provider: Arc<rustls::crypto::CryptoProvider>,
    ) -> Result<Self, String> {
        let real = WebPkiServerVerifier::builder_with_provider(roots.clone(), provider)
            .build()
            .map_err(|e| format!("cannot build a certificate verifier: {e}"))?;
        Ok(Verifiers { real, roots })
    }

    /// What a normal client would say about this chain for this name, now.
    pub fn verdict(
        &self,
        chain: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
    ) -> Result<(), rustls::Error> {
        let Some((end_entity, intermediates)) = chain.split_first() else {
            return Err(rustls::Error::NoCertificatesPresented);
        };
        self.real
            .verify_server_cert(end_entity, intermediates, server_name, &[], UnixTime::now())
            .map(|_| ())
    }

    /// Whether a trust anchor has this subject (DER contents of the Name).
    pub fn is_anchor_subject(&self, subject_raw: &[u8]) -> bool {
        self.roots
            .roots
            .iter()
            .any(|anchor| anchor.subject.as_ref() == subject_raw)
    }
}
