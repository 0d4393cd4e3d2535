//! A test PKI and TLS test servers, generated at test time (rcgen, ring backend) and
//! relative to the current clock: a root, an intermediate and every kind of leaf the
//! `tls` kind must judge, plus real TLS servers on 127.0.0.1 that pick the certificate by
//! SNI, and hostile peers (reset, garbage, silence, old protocol versions).
//!
//! Reusable from any test crate: `#[path = "support/pki.rs"] mod pki;`.

// Each test crate that includes this file uses a different part of it.
#![allow(dead_code)]
// Test helpers: a failure to build the PKI should stop the test loudly.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, CustomExtension, DistinguishedName,
    DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose, SignatureAlgorithm,
};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls::{ServerConfig, SupportedProtocolVersion};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

pub const HOUR: i64 = 3_600;
pub const DAY: i64 = 86_400;

/// A fixed RSA 2048 key: ring cannot generate RSA keys, and one RSA leaf shows the
/// key-type reporting works for the most common key of all.
pub const RSA_2048_KEY: &str = "\
-----BEGIN PRIVATE KEY-----
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQCsY/x+f8tSfNgF
nAxxLgfX/JmVMS/+1jhQNxKk3e8gBgLakZTTI2h4nmT2ywUC4LC1YeVpGr/JvRF0
x2vM98ynwr6DN8BZpAMOGLbSv8wvY1t+d9CoBAZM7T1oy6f43wrIbIoJkx8wzOsl
k6pECbEkV+kbiojNxs9eMYR93IdyMfDotBIHqJf0kFVdMZDhy5cpjLOEJDm+1aHN
2xZCIgRA0a4HMlOiM+ALYoYbScbr8m6rw2gdNl9zwrZubkm75H1Y6DRRKolwyCgR
hAKnLy21p7brUKnh0XkOEPXD8Qal6InV4JRqV0eqZVG5POXxAKquj39rDo1QBLQO
u+v9kdA7AgMBAAECggEAKBV1o9pGJg92UVOYBwcLdtq6wVh3Dvuzi19K2//otpr/
NeAs6S0uAQHfewz4xNMG853oMFiyaI+oS+2EsNubgBSFpNAlTxKWTURM2lMTgJ9L
KmxknXSWHHP7V+8mxvThtnmaXSCS24+CS7H6oKhaQpeYUbmUFrjYBdBgvL0210PI
NIsMWlBoHr1HwmN2e5As5vSUW0zlTNY347It73UT0Moir/Cz0TfRSGq16rCySJsc
GVXIbjHGZAB5rO/tPZCYxbqL4Wx3W9cqbXYvkSlMrPnPw5FGzEtJS9H06oFA7int
BeKC9Pt8xIdkdnPBbVz8SSbV+xI0g1Ne/rgR+B8BBQKBgQDqmqkz6tJ4TpZ9Gd1u
JcOzmr+wrifb2np9873ByraeyiHsr0m4LqZhlyh5RZNFLa0ovWcHahyFxl/tJ3D8
SnHKibrP8+V4eOI0pLaPM72jZzBJ7dRnVjPQzqrYJqCAJQouzQRv5yaWyLrDrR4b
cMwyTFQPHgkK11FCXQTBijT9PQKBgQC8HNDEo3BAkrEV/59qqU4YRcpPO97wzwDj
mFwmUNj3g0Ut5HbE5a/F/9btWqd/MWqhxnJ0zx6CwHJ9p9QqcyfrAbjI1aZJ+PTJ
7Y+RwGNBRjOLCcgwErVCUq43JF8oreTP2FedFTzxKAUjYZWXUaelPp+cuG9Lhyz7
xtCL+ivK1wKBgQDoX70NEaDbTWw+CaqMeZd4hOUuCbKtT6BYtV7VXwa4DZrAp3cr
mflvXJvYUxPmR7HmUoSEkZQi5TUK4DBHlS1U4ktJw1kdlQ7p+eRhv2wtN/5am9nx
aS71ul76rnf3tbh6VtP4S0qru7NSMl1J7NY1U+lG+AcY1+FDDIOzeEO4OQKBgQCj
kvsGwogt3mEWm/1npmk+OhG97HXkOFyxjB81QkAomoFhcrTEamX6aoneQ2I6/CGZ
IxML9760O9xS38liUFh5xjmEiiPbVxylKmoZd43XiM/xK0RkaSAs1/CeCoakvPGm
up0U/w7LNN2i8ow91MdOrbHleYttxdGb7joSPiwuaQKBgAyhS62XuyYgCRKm9mnR
Dzeay1PLNo1hxlRe8vZyho+rzM0g3p3Fj7eHA6/Xdy2Htc7pTEsuSSHYlUrYI3q2
P74rIW2Ge0P7c3ssbHHH18/7k/lNGYXnZUj/Ea9akkiqBRbasnXoshF9uUbu2nzj
tH0L7uCW0ZbDT0fy4Up0KHAW
-----END PRIVATE KEY-----
";

/// Seconds since the epoch, now.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// `2026-11-18`, the date the messages show, for a time `offset` seconds from now.
pub fn date_in(offset: i64) -> String {
    let t = UNIX_EPOCH + Duration::from_secs((now() + offset) as u64);
    humantime::format_rfc3339_seconds(t).to_string()[..10].to_string()
}

/// Sets validity relative to now (seconds; negative is in the past).
fn validity(params: &mut CertificateParams, from: i64, until: i64) {
    let epoch = rcgen::date_time_ymd(1970, 1, 1);
    params.not_before = epoch + Duration::from_secs((now() + from) as u64);
    params.not_after = epoch + Duration::from_secs((now() + until) as u64);
}

/// The key algorithm of a generated certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    EcdsaP256,
    Ed25519,
    Rsa2048,
}

impl Key {
    fn generate(self) -> KeyPair {
        match self {
            Key::EcdsaP256 => KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap(),
            Key::Ed25519 => KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap(),
            Key::Rsa2048 => {
                let alg: &'static SignatureAlgorithm = &rcgen::PKCS_RSA_SHA256;
                KeyPair::from_pem_and_sign_algo(RSA_2048_KEY, alg).unwrap()
            }
        }
    }
}

/// A certificate authority (root or intermediate) that can issue certificates.
pub struct Ca {
    pub issuer: CertifiedIssuer<'static, KeyPair>,
    pub name: String,
}

impl Ca {
    /// A self-signed root valid from 30 days ago for ten years.
    pub fn root(cn: &str) -> Ca {
        let params = ca_params(cn, -30 * DAY, 3650 * DAY);
        let issuer = CertifiedIssuer::self_signed(params, Key::EcdsaP256.generate()).unwrap();
        Ca {
            issuer,
            name: cn.to_string(),
        }
    }

    /// An intermediate issued by this CA, valid between the offsets (seconds from now).
    pub fn intermediate(&self, cn: &str, from: i64, until: i64) -> Ca {
        let params = ca_params(cn, from, until);
        let issuer =
            CertifiedIssuer::signed_by(params, Key::EcdsaP256.generate(), &self.issuer).unwrap();
        Ca {
            issuer,
            name: cn.to_string(),
        }
    }

    pub fn der(&self) -> CertificateDer<'static> {
        self.issuer.der().clone()
    }

    pub fn pem(&self) -> String {
        self.issuer.pem()
    }

    /// Issues a server certificate. `chain_extra` is appended after the leaf as the server
    /// will send it (usually this CA's certificate when it is an intermediate).
    pub fn issue(&self, leaf: LeafSpec<'_>) -> Leaf {
        let key = leaf.key.generate();
        let params = leaf.params();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        Leaf::new(vec![cert.der().clone()], &key)
    }
}

fn ca_params(cn: &str, from: i64, until: i64) -> CertificateParams {
    let mut params = CertificateParams::default();
    params.distinguished_name = DistinguishedName::new();
    params.distinguished_name.push(DnType::CommonName, cn);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    validity(&mut params, from, until);
    params
}

/// What a leaf certificate looks like.
#[derive(Debug, Clone)]
pub struct LeafSpec<'a> {
    /// DNS names or IP addresses (rcgen turns `127.0.0.1` into an IP SAN).
    pub sans: &'a [&'a str],
    pub cn: &'a str,
    /// Validity, seconds from now.
    pub from: i64,
    pub until: i64,
    pub key: Key,
    /// Add an AIA caIssuers URL, as every publicly issued leaf has.
    pub aia: bool,
}

impl<'a> LeafSpec<'a> {
    /// Valid from a day ago for 90 days and an hour (so it shows as 90d), ECDSA P-256, AIA.
    pub fn new(sans: &'a [&'a str]) -> Self {
        LeafSpec {
            sans,
            cn: sans.first().copied().unwrap_or("leaf"),
            from: -DAY,
            until: 90 * DAY + HOUR,
            key: Key::EcdsaP256,
            aia: true,
        }
    }

    pub fn valid(mut self, from: i64, until: i64) -> Self {
        self.from = from;
        self.until = until;
        self
    }

    pub fn key(mut self, key: Key) -> Self {
        self.key = key;
        self
    }

    pub fn no_aia(mut self) -> Self {
        self.aia = false;
        self
    }

    fn params(&self) -> CertificateParams {
        let mut params =
            CertificateParams::new(self.sans.iter().map(|s| s.to_string()).collect::<Vec<_>>())
                .unwrap();
        params.distinguished_name = DistinguishedName::new();
        params.distinguished_name.push(DnType::CommonName, self.cn);
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        if self.aia {
            params
                .custom_extensions
                .push(aia_extension("http://ca.example.test/intermediate.der"));
        }
        validity(&mut params, self.from, self.until);
        params
    }

    /// A self-signed certificate with these names.
    pub fn self_signed(&self) -> Leaf {
        let key = self.key.generate();
        let cert = self.params().self_signed(&key).unwrap();
        Leaf::new(vec![cert.der().clone()], &key)
    }
}

/// AuthorityInfoAccess with one caIssuers URI (RFC 5280 §4.2.2.1), DER by hand.
fn aia_extension(uri: &str) -> CustomExtension {
    const CA_ISSUERS: [u8; 10] = [0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x02];
    let mut location = vec![0x86, uri.len() as u8];
    location.extend_from_slice(uri.as_bytes());
    let mut description = vec![0x30, (CA_ISSUERS.len() + location.len()) as u8];
    description.extend_from_slice(&CA_ISSUERS);
    description.extend_from_slice(&location);
    let mut aia = vec![0x30, description.len() as u8];
    aia.extend_from_slice(&description);
    CustomExtension::from_oid_content(&[1, 3, 6, 1, 5, 5, 7, 1, 1], aia)
}

/// A certificate chain as a server sends it, with the leaf's key.
pub struct Leaf {
    pub chain: Vec<CertificateDer<'static>>,
    pub key: PrivateKeyDer<'static>,
}

impl Leaf {
    fn new(chain: Vec<CertificateDer<'static>>, key: &KeyPair) -> Leaf {
        Leaf {
            chain,
            key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        }
    }

    /// The same leaf, sent followed by these certificates.
    pub fn with(mut self, extra: &[&Ca]) -> Leaf {
        self.chain.extend(extra.iter().map(|ca| ca.der()));
        self
    }

    pub fn certified_key(&self) -> Arc<CertifiedKey> {
        let signer = rustls::crypto::ring::sign::any_supported_type(&self.key).unwrap();
        Arc::new(CertifiedKey::new(self.chain.clone(), signer))
    }
}

/// The standard test PKI: `Test Root` (written to `ca_file`) → `Test Intermediate` →
/// leaves; `Short Intermediate` expires in 3 days; `Acme Internal CA` is trusted by nobody.
pub struct Pki {
    pub root: Ca,
    pub intermediate: Ca,
    pub short_intermediate: Ca,
    pub acme: Ca,
    dir: tempfile::TempDir,
    /// PEM file holding the root: the `ca_file` of checks that must trust this PKI.
    pub ca_file: PathBuf,
}

impl Pki {
    pub fn new() -> Pki {
        let root = Ca::root("Test Root");
        let intermediate = root.intermediate("Test Intermediate", -30 * DAY, 3 * 365 * DAY);
        let short_intermediate = root.intermediate("Short Intermediate", -30 * DAY, 3 * DAY + HOUR);
        let acme = Ca::root("Acme Internal CA");
        let dir = tempfile::tempdir().unwrap();
        let ca_file = dir.path().join("test-root.pem");
        std::fs::write(&ca_file, root.pem()).unwrap();
        Pki {
            root,
            intermediate,
            short_intermediate,
            acme,
            dir,
            ca_file,
        }
    }

    /// A leaf from the intermediate, sent with the intermediate (a correct server).
    pub fn leaf(&self, spec: LeafSpec<'_>) -> Leaf {
        self.intermediate.issue(spec).with(&[&self.intermediate])
    }

    /// Every scenario of the `tls` matrix, by SNI name. The certificate for clients that
    /// send no SNI (IP addresses) is [`Pki::ip_leaf`].
    pub fn sites(&self) -> Vec<(&'static str, Leaf)> {
        vec![
            (
                "www.example.test",
                self.leaf(LeafSpec::new(&["*.example.test"])),
            ),
            (
                "example.test",
                self.leaf(LeafSpec::new(&["example.test"]).key(Key::Rsa2048)),
            ),
            (
                "expired.test",
                self.leaf(LeafSpec::new(&["expired.test"]).valid(-90 * DAY, -3 * DAY - HOUR)),
            ),
            (
                "future.test",
                self.leaf(LeafSpec::new(&["future.test"]).valid(3 * DAY + HOUR, 90 * DAY)),
            ),
            (
                "soon.test",
                self.leaf(LeafSpec::new(&["soon.test"]).valid(-80 * DAY, 5 * DAY + HOUR)),
            ),
            (
                "wrong.test",
                self.leaf(LeafSpec::new(&["a.example", "*.b.example"])),
            ),
            (
                "self.test",
                LeafSpec::new(&["self.test"]).no_aia().self_signed(),
            ),
            (
                "nochain.test",
                self.intermediate.issue(LeafSpec::new(&["nochain.test"])),
            ),
            (
                "shortint.test",
                self.short_intermediate
                    .issue(LeafSpec::new(&["shortint.test"]))
                    .with(&[&self.short_intermediate]),
            ),
            (
                "acme.test",
                self.acme.issue(LeafSpec::new(&["acme.test"]).no_aia()),
            ),
            (
                "withroot.test",
                self.leaf(LeafSpec::new(&["withroot.test"]))
                    .with(&[&self.root]),
            ),
            (
                "db.example.test",
                self.leaf(LeafSpec::new(&["*.example.test"])),
            ),
        ]
    }

    /// For clients that connect to 127.0.0.1 without SNI: an IP SAN, Ed25519.
    pub fn ip_leaf(&self) -> Leaf {
        self.leaf(LeafSpec::new(&["127.0.0.1", "localhost"]).key(Key::Ed25519))
    }

    /// A resolver serving every site of [`Pki::sites`] plus the IP leaf as default.
    pub fn resolver(&self) -> SniResolver {
        let mut resolver = SniResolver::new(Some(self.ip_leaf()));
        for (name, leaf) in self.sites() {
            resolver.add(name, leaf);
        }
        resolver
    }
}

impl Default for Pki {
    fn default() -> Self {
        Pki::new()
    }
}

/// Picks the certificate by SNI, like a virtual-hosting server.
#[derive(Debug)]
pub struct SniResolver {
    by_name: HashMap<String, Arc<CertifiedKey>>,
    default: Option<Arc<CertifiedKey>>,
}

impl SniResolver {
    pub fn new(default: Option<Leaf>) -> Self {
        SniResolver {
            by_name: HashMap::new(),
            default: default.map(|l| l.certified_key()),
        }
    }

    pub fn add(&mut self, name: &str, leaf: Leaf) {
        self.by_name
            .insert(name.to_ascii_lowercase(), leaf.certified_key());
    }
}

impl ResolvesServerCert for SniResolver {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        match hello.server_name() {
            Some(name) => self
                .by_name
                .get(&name.to_ascii_lowercase())
                .cloned()
                .or_else(|| self.default.clone()),
            None => self.default.clone(),
        }
    }
}

pub const TLS12_AND_13: &[&SupportedProtocolVersion] =
    &[&rustls::version::TLS13, &rustls::version::TLS12];
pub const TLS12_ONLY: &[&SupportedProtocolVersion] = &[&rustls::version::TLS12];

/// A rustls server configuration (ring) using `resolver`.
pub fn server_config(
    resolver: SniResolver,
    versions: &[&'static SupportedProtocolVersion],
) -> Arc<ServerConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(versions)
        .unwrap()
        .with_no_client_auth()
        .with_cert_resolver(Arc::new(resolver));
    Arc::new(config)
}

async fn listen() -> (TcpListener, SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    (listener, addr)
}

/// A TLS server on 127.0.0.1 that completes handshakes and then waits for the client to
/// leave. Runs until the test's runtime ends.
pub async fn serve_tls(config: Arc<ServerConfig>) -> SocketAddr {
    serve_tls_after(config, None).await
}

/// A Postgres-like server: answers the 8-byte SSLRequest with `answer`, then (for `S`)
/// does TLS.
pub async fn serve_postgres(config: Arc<ServerConfig>, answer: u8) -> SocketAddr {
    serve_tls_after(config, Some(answer)).await
}

async fn serve_tls_after(config: Arc<ServerConfig>, postgres_answer: Option<u8>) -> SocketAddr {
    let (listener, addr) = listen().await;
    let acceptor = tokio_rustls::TlsAcceptor::from(config);
    tokio::spawn(async move {
        while let Ok((mut tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                if let Some(answer) = postgres_answer {
                    let mut request = [0u8; 8];
                    if tcp.read_exact(&mut request).await.is_err()
                        || request != [0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]
                    {
                        return;
                    }
                    if tcp.write_all(&[answer]).await.is_err() || answer != b'S' {
                        return;
                    }
                }
                if let Ok(mut tls) = acceptor.accept(tcp).await {
                    let mut sink = [0u8; 1024];
                    while matches!(tls.read(&mut sink).await, Ok(n) if n > 0) {}
                }
            });
        }
    });
    addr
}

/// An HTTPS server (HTTP/1.1 over TLS, certificate chosen by SNI) answering every request
/// `200 ok` and closing: enough for http checks that care about the certificate.
pub async fn serve_https(config: Arc<ServerConfig>) -> SocketAddr {
    let (listener, addr) = listen().await;
    let acceptor = tokio_rustls::TlsAcceptor::from(config);
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut request = Vec::new();
                let mut buf = [0u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buf).await {
                        Ok(n) if n > 0 => request.extend_from_slice(&buf[..n]),
                        _ => return,
                    }
                }
                let response =
                    b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok";
                let _ = tls.write_all(response).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    addr
}

/// Peers that do not behave like TLS servers.
#[derive(Debug, Clone, Copy)]
pub enum Hostile {
    /// Reads the ClientHello, then resets the connection (RST).
    Reset,
    /// Answers the ClientHello with these bytes (e.g. an HTTP error).
    Garbage(&'static [u8]),
    /// Accepts and never answers.
    Silent,
    /// Refuses every version we offer, as OpenSSL does (alert protocol_version).
    ProtocolVersionAlert,
    /// Answers with a TLS 1.0 ServerHello.
    Tls10ServerHello,
}

/// A hostile peer on 127.0.0.1. Runs until the test's runtime ends.
pub async fn serve_hostile(behaviour: Hostile) -> SocketAddr {
    let (listener, addr) = listen().await;
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            tokio::spawn(misbehave(tcp, behaviour));
        }
    });
    addr
}

async fn misbehave(mut tcp: TcpStream, behaviour: Hostile) {
    let mut hello = [0u8; 4096];
    match behaviour {
        Hostile::Silent => {
            // Hold the connection open, reading whatever comes, answering nothing.
            while matches!(tcp.read(&mut hello).await, Ok(n) if n > 0) {}
        }
        Hostile::Reset => {
            let _ = tcp.read(&mut hello).await;
            let _ = tcp.set_zero_linger();
            drop(tcp);
        }
        Hostile::Garbage(bytes) => {
            let _ = tcp.read(&mut hello).await;
            let _ = tcp.write_all(bytes).await;
            let _ = tcp.shutdown().await;
        }
        Hostile::ProtocolVersionAlert => {
            let _ = tcp.read(&mut hello).await;
            // Alert record: fatal (2), protocol_version (70).
            let _ = tcp
                .write_all(&[0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x46])
                .await;
            let _ = tcp.shutdown().await;
        }
        Hostile::Tls10ServerHello => {
            let _ = tcp.read(&mut hello).await;
            let mut body = vec![0x03, 0x01];
            body.extend_from_slice(&[0x42; 32]); // random
            body.extend_from_slice(&[0x00, 0xc0, 0x13, 0x00]); // no session id, ECDHE_RSA_AES128_CBC_SHA, null compression
            let mut handshake = vec![0x02, 0x00, 0x00, body.len() as u8];
            handshake.extend_from_slice(&body);
            let mut record = vec![0x16, 0x03, 0x01, 0x00, handshake.len() as u8];
            record.extend_from_slice(&handshake);
            let _ = tcp.write_all(&record).await;
            while matches!(tcp.read(&mut hello).await, Ok(n) if n > 0) {}
        }
    }
}

/// An address on 127.0.0.1 where nothing listens.
pub async fn refused_addr() -> SocketAddr {
    let (listener, addr) = listen().await;
    drop(listener);
    addr
}
