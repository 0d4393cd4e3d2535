//! Certificates for the demo target, generated at start: a "smokecheck demo CA", a server
//! leaf for `localhost`, `demo.smokecheck.test` and 127.0.0.1, and a client leaf for mTLS.
//! The CA and the client pair are written as PEM files (suites name them in `ca_file`,
//! `client_cert`, `client_key`) in a directory removed when the target stops.

use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use rcgen::{
    BasicConstraints, Certificate, CertificateParams, CertifiedIssuer, DnType,
    ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose, SanType,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// The names the server certificate covers.
pub const SERVER_NAMES: [&str; 2] = ["localhost", "demo.smokecheck.test"];

pub(crate) struct Pki {
    pub ca: CertificateDer<'static>,
    pub server_chain: Vec<CertificateDer<'static>>,
    pub server_key: PrivateKeyDer<'static>,
    pub files: PemFiles,
}

/// The PEM files on disk; the directory goes away with this value.
pub(crate) struct PemFiles {
    pub dir: PathBuf,
    pub ca: PathBuf,
    pub client_cert: PathBuf,
    pub client_key: PathBuf,
}

impl Drop for PemFiles {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub(crate) fn generate() -> std::io::Result<Pki> {
    let (ca, server_cert, server_key, client_cert, client_key) =
        generate_certs().map_err(std::io::Error::other)?;
    let files = write_files(&ca.pem(), &client_cert.pem(), &client_key.serialize_pem())?;
    Ok(Pki {
        ca: ca.der().clone(),
        server_chain: vec![server_cert.der().clone(), ca.der().clone()],
        server_key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der())),
        files,
    })
}

type Generated = (
    CertifiedIssuer<'static, KeyPair>,
    Certificate,
    KeyPair,
    Certificate,
    KeyPair,
);

fn generate_certs() -> Result<Generated, rcgen::Error> {
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "smokecheck demo CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate()?)?;

    let names: Vec<String> = SERVER_NAMES.iter().map(|s| s.to_string()).collect();
    let mut server = CertificateParams::new(names)?;
    server
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    server
        .subject_alt_names
        .push(SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST)));
    server.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let server_key = KeyPair::generate()?;
    let server_cert = server.signed_by(&server_key, &ca)?;

    let mut client = CertificateParams::new(Vec::<String>::new())?;
    client
        .distinguished_name
        .push(DnType::CommonName, "smokecheck demo client");
    client.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let client_key = KeyPair::generate()?;
    let client_cert = client.signed_by(&client_key, &ca)?;
    Ok((ca, server_cert, server_key, client_cert, client_key))
}

fn write_files(ca: &str, client_cert: &str, client_key: &str) -> std::io::Result<PemFiles> {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let unique = format!(
        "smokecheck-demo-{}-{}-{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    let dir = std::env::temp_dir().join(unique);
    std::fs::create_dir_all(&dir)?;
    // From here on the directory is cleaned up even if a write fails.
    let files = PemFiles {
        ca: dir.join("demo-ca.pem"),
        client_cert: dir.join("demo-client.pem"),
        client_key: dir.join("demo-client-key.pem"),
        dir,
    };
    write(&files.ca, ca)?;
    write(&files.client_cert, client_cert)?;
    write(&files.client_key, client_key)?;
    Ok(files)
}

fn write(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}
