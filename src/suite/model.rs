//! The validated suite model: what a check *is*, with every field typed and every
//! variable already substituted (the model is built once per environment).
//!
//! Probes receive these types; nothing here knows about YAML. Defaults that depend on
//! the run (timeout, retries) stay `Option` here and are settled by the plan.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use regex::Regex;

use super::raw::Pos;

/// One check, as written in a suite (after substitution for one environment).
#[derive(Debug, Clone)]
pub struct Check {
    pub name: String,
    pub pos: Pos,
    pub description: Option<String>,
    pub tags: Vec<String>,
    pub needs: Vec<String>,
    pub severity: Severity,
    pub only: Vec<String>,
    pub skip: Option<String>,
    pub timeout: Option<Duration>,
    pub retries: Option<u32>,
    pub retry_delay: Option<Duration>,
    pub spec: Spec,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Severity {
    #[default]
    Critical,
    Warning,
}

/// The kind of a check and everything it needs to run.
#[derive(Debug, Clone)]
#[expect(
    clippy::large_enum_variant,
    reason = "specs live behind an Arc, built once per check"
)]
pub enum Spec {
    Http(HttpSpec),
    Tls(TlsSpec),
    Postgres(DbSpec),
    Mysql(DbSpec),
    Redis(RedisSpec),
    Tcp(TcpSpec),
    Dns(DnsSpec),
    Exec(ExecSpec),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Http,
    Tls,
    Postgres,
    Mysql,
    Redis,
    Tcp,
    Dns,
    Exec,
}

impl Kind {
    pub const ALL: [Kind; 8] = [
        Kind::Http,
        Kind::Tls,
        Kind::Postgres,
        Kind::Mysql,
        Kind::Redis,
        Kind::Tcp,
        Kind::Dns,
        Kind::Exec,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Http => "http",
            Kind::Tls => "tls",
            Kind::Postgres => "postgres",
            Kind::Mysql => "mysql",
            Kind::Redis => "redis",
            Kind::Tcp => "tcp",
            Kind::Dns => "dns",
            Kind::Exec => "exec",
        }
    }

    pub fn from_key(key: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == key)
    }
}

impl Spec {
    pub fn kind(&self) -> Kind {
        match self {
            Spec::Http(_) => Kind::Http,
            Spec::Tls(_) => Kind::Tls,
            Spec::Postgres(_) => Kind::Postgres,
            Spec::Mysql(_) => Kind::Mysql,
            Spec::Redis(_) => Kind::Redis,
            Spec::Tcp(_) => Kind::Tcp,
            Spec::Dns(_) => Kind::Dns,
            Spec::Exec(_) => Kind::Exec,
        }
    }

    /// `latency_under`, which every kind but `tls`/`exec` accepts.
    pub fn latency_under(&self) -> Option<Duration> {
        match self {
            Spec::Http(s) => s.expect.latency_under,
            Spec::Postgres(s) | Spec::Mysql(s) => s.expect.latency_under,
            Spec::Redis(s) => s.expect.latency_under,
            Spec::Tcp(s) => s.expect.latency_under,
            Spec::Tls(_) | Spec::Dns(_) | Spec::Exec(_) => None,
        }
    }
}

// ---------------------------------------------------------------- http

#[derive(Debug, Clone)]
pub struct HttpSpec {
    pub url: url::Url,
    pub method: String,
    /// Request headers in suite order (names as written).
    pub headers: Vec<(String, String)>,
    pub body: Option<RequestBody>,
    pub follow_redirects: bool,
    pub insecure: bool,
    pub ca_file: Option<PathBuf>,
    pub client_cert: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
    pub http_version: Option<HttpVersion>,
    /// Connect to this address instead of resolving the URL's host (Host/SNI unchanged).
    pub resolve: Option<IpAddr>,
    /// Bytes of the body that are read; the rest is discarded unread. Default 1 MiB.
    pub max_body: u64,
    pub expect: HttpExpect,
}

#[derive(Debug, Clone)]
pub enum RequestBody {
    Text(String),
    Json(serde_json::Value),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HttpVersion {
    Http1,
    Http2,
}

#[derive(Debug, Clone)]
pub struct HttpExpect {
    /// Any of these matches; default `[Class(2)]`.
    pub status: Vec<StatusPattern>,
    pub headers: Vec<(String, ValueMatch)>,
    pub body_contains: Vec<String>,
    pub body_not_contains: Vec<String>,
    pub body_matches: Option<Regex>,
    pub json: Vec<JsonExpect>,
    pub latency_under: Option<Duration>,
    pub cert_valid_for: Option<Duration>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusPattern {
    Code(u16),
    /// `2xx` → `Class(2)`.
    Class(u16),
}

impl StatusPattern {
    pub fn matches(self, code: u16) -> bool {
        match self {
            StatusPattern::Code(c) => c == code,
            StatusPattern::Class(c) => code / 100 == c,
        }
    }
}

impl std::fmt::Display for StatusPattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StatusPattern::Code(c) => write!(f, "{c}"),
            StatusPattern::Class(c) => write!(f, "{c}xx"),
        }
    }
}

/// An expected text value: exact, or `/regex/`.
#[derive(Debug, Clone)]
pub enum ValueMatch {
    Exact(String),
    Regex(Regex),
}

impl ValueMatch {
    pub fn matches(&self, text: &str) -> bool {
        match self {
            ValueMatch::Exact(s) => s == text,
            ValueMatch::Regex(r) => r.is_match(text),
        }
    }
}

impl std::fmt::Display for ValueMatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ValueMatch::Exact(s) => write!(f, "{s:?}"),
            ValueMatch::Regex(r) => write!(f, "/{}/", r.as_str()),
        }
    }
}

/// `"$.status": "ok"` — an RFC 9535 JSONPath and the value its first match must equal.
#[derive(Debug, Clone)]
pub struct JsonExpect {
    pub path_text: String,
    pub path: serde_json_path::JsonPath,
    pub value: serde_json::Value,
}

// ---------------------------------------------------------------- tls

#[derive(Debug, Clone)]
pub struct TlsSpec {
    pub host: String,
    pub port: u16,
    /// SNI and the name the certificate must cover; default `host`.
    pub server_name: String,
    pub ca_file: Option<PathBuf>,
    pub starttls: Option<Starttls>,
    pub expect: TlsExpect,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Starttls {
    Postgres,
    Smtp,
}

#[derive(Debug, Clone)]
pub struct TlsExpect {
    pub valid_for: Option<Duration>,
    pub warn_within: Option<Duration>,
    pub covers: Vec<String>,
    /// Default true: the chain must verify to a trust anchor.
    pub trusted: bool,
    pub min_version: Option<TlsVersion>,
    pub issuer_contains: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TlsVersion {
    V1_2,
    V1_3,
}

// ---------------------------------------------------------------- databases

/// `postgres` and `mysql` share their shape.
#[derive(Debug, Clone)]
pub struct DbSpec {
    /// The connection URL as written (may hold a password: mask before showing).
    pub url: String,
    pub query: String,
    pub expect: DbExpect,
}

#[derive(Debug, Clone, Default)]
pub struct DbExpect {
    pub value: Option<String>,
    pub rows_at_least: Option<u64>,
    pub latency_under: Option<Duration>,
}

#[derive(Debug, Clone)]
pub struct RedisSpec {
    pub url: String,
    /// Default `[PING]`.
    pub command: Vec<String>,
    /// Extra trust anchor for `rediss://`.
    pub ca_file: Option<PathBuf>,
    pub expect: RedisExpect,
}

#[derive(Debug, Clone, Default)]
pub struct RedisExpect {
    /// Default `PONG` when the command is `PING`.
    pub value: Option<String>,
    pub latency_under: Option<Duration>,
}

// ---------------------------------------------------------------- tcp, dns, exec

#[derive(Debug, Clone)]
pub struct TcpSpec {
    pub host: String,
    pub port: u16,
    pub tls: bool,
    pub expect: TcpExpect,
}

#[derive(Debug, Clone, Default)]
pub struct TcpExpect {
    pub latency_under: Option<Duration>,
}

#[derive(Debug, Clone)]
pub struct DnsSpec {
    pub name: String,
    pub record_type: DnsType,
    /// Nameserver; `None` = the system resolver.
    pub server: Option<std::net::SocketAddr>,
    pub expect: DnsExpect,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DnsType {
    A,
    Aaaa,
    Cname,
    Mx,
    Txt,
    Ns,
}

impl DnsType {
    pub fn as_str(self) -> &'static str {
        match self {
            DnsType::A => "A",
            DnsType::Aaaa => "AAAA",
            DnsType::Cname => "CNAME",
            DnsType::Mx => "MX",
            DnsType::Txt => "TXT",
            DnsType::Ns => "NS",
        }
    }
}

#[derive(Debug, Clone)]
pub struct DnsExpect {
    pub contains: Vec<String>,
    /// Default 1.
    pub min_answers: u32,
}

#[derive(Debug, Clone)]
pub struct ExecSpec {
    /// argv; no shell unless the user writes one.
    pub command: Vec<String>,
    pub env: Vec<(String, String)>,
    pub cwd: Option<PathBuf>,
    pub expect: ExecExpect,
}

#[derive(Debug, Clone)]
pub struct ExecExpect {
    /// Default 0.
    pub exit_code: i32,
    pub stdout_contains: Vec<String>,
    pub stderr_not_contains: Vec<String>,
}
