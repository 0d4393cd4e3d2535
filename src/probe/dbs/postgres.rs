//! `postgres` probe: one fresh connection per attempt (no pool — the check is that a new
//! client can connect, negotiate TLS as the URL demands and log in), the suite's query run
//! as written, and a fact like `PostgreSQL 15.4 · TLS 1.3 · 12ms`.
//!
//! The URL is a libpq URI parsed by sqlx: `postgres://` or `postgresql://`, percent-encoded
//! credentials, `host`/`port`/`dbname`/`user`/`password` query parameters, `sslmode`
//! (disable, allow, prefer — the default —, require, verify-ca, verify-full) and
//! `sslrootcert`. Like libpq, `PG*` environment variables and `~/.pgpass` fill the gaps.

use std::path::PathBuf;
use std::str::FromStr;

use futures_util::future::BoxFuture;
use serde_json::{Map, Value};
use sqlx::ConnectOptions;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgSslMode};
use tokio::time::Instant;

use super::classify::{Context, Engine};
use super::params;
use super::redact::Redactor;
use super::session::{self, Driver, ServerInfo};
use super::words::Phase;
use crate::probe::tls;
use crate::probe::{Layer, Outcome, ProbeCtx};
use crate::suite::model::{DbSpec, Starttls};

/// Query parameters sqlx understands (anything else is ignored by it: we warn).
const KNOWN_PARAMS: &[&str] = &[
    "sslmode",
    "ssl-mode",
    "sslrootcert",
    "ssl-root-cert",
    "ssl-ca",
    "sslcert",
    "ssl-cert",
    "sslkey",
    "ssl-key",
    "statement-cache-capacity",
    "host",
    "hostaddr",
    "port",
    "dbname",
    "user",
    "password",
    "application_name",
    "options",
    "options[]",
    // libpq's connect timeout: the check's own `timeout` bounds the connection instead,
    // so accepting it silently is honest (sqlx ignores it).
    "connect_timeout",
];

const ROOT_CERT_PARAMS: &[&str] = &["sslrootcert", "ssl-root-cert", "ssl-ca"];

pub async fn run(spec: &DbSpec, ctx: &ProbeCtx, deadline: Instant) -> Outcome {
    let redact = Redactor::from_url(&spec.url);
    let outcome = match Target::parse(&spec.url) {
        Ok(target) => session::attempt(&target, spec, ctx, deadline).await,
        Err(message) => Outcome::fail(Layer::Config, message),
    };
    redact.outcome(outcome)
}

/// Everything known about where and how to connect, before connecting.
struct Target {
    options: PgConnectOptions,
    /// `host:port` or the socket directory, for messages.
    addr: String,
    host: String,
    sslmode: PgSslMode,
    /// `sslrootcert`, for the certificate inspector.
    root_cert: Option<PathBuf>,
    warnings: Vec<String>,
}

impl Target {
    fn parse(raw: &str) -> Result<Self, String> {
        let url = params::parse_url(raw, "postgres", &["postgres", "postgresql"])?;
        let warnings = params::unknown_params(&url, KNOWN_PARAMS);
        let mut options = PgConnectOptions::from_str(raw)
            .map_err(|e| format!("invalid postgres URL: {}", session::config_reason(&e)))?;
        // Read the CA once, here, so a missing file is reported as such (sqlx would say
        // "error communicating with database: No such file or directory").
        let root_cert = params::param(&url, ROOT_CERT_PARAMS);
        if let Some(path) = &root_cert {
            options = options.ssl_root_cert_from_pem(params::read_ca(path, "sslrootcert")?);
        }
        if options.get_application_name().is_none() {
            // Lets a DBA tell smoke checks apart in pg_stat_activity.
            options = options.application_name("smokecheck");
        }
        let host = options.get_host().to_string();
        let addr = match options.get_socket() {
            Some(dir) => dir.display().to_string(),
            None => params::host_port(&host, options.get_port()),
        };
        let sslmode = options.get_ssl_mode();
        Ok(Target {
            options,
            addr,
            host,
            sslmode,
            root_cert: root_cert.map(PathBuf::from),
            warnings,
        })
    }
}

impl Driver for Target {
    type Db = sqlx::Postgres;

    fn context(&self, phase: Phase) -> Context<'_> {
        Context {
            engine: Engine::Postgres,
            addr: &self.addr,
            host: &self.host,
            phase,
            tls_setting: sslmode_text(self.sslmode),
            tls_hint: "set sslrootcert to the CA that signed the server's certificate",
        }
    }

    fn details(&self) -> Map<String, Value> {
        let mut details = Map::new();
        details.insert("address".into(), self.addr.clone().into());
        details.insert("user".into(), self.options.get_username().into());
        // libpq's default database is the user name.
        let database = self
            .options
            .get_database()
            .unwrap_or(self.options.get_username());
        details.insert("database".into(), database.into());
        let mode = sslmode_text(self.sslmode).trim_start_matches("sslmode=");
        details.insert("sslmode".into(), mode.into());
        details
    }

    fn warnings(&self) -> &[String] {
        &self.warnings
    }

    fn connect(&self) -> BoxFuture<'_, Result<PgConnection, sqlx::Error>> {
        Box::pin(self.options.connect())
    }

    fn describe<'c>(
        &'c self,
        conn: &'c mut PgConnection,
        deadline: Instant,
    ) -> BoxFuture<'c, ServerInfo> {
        Box::pin(describe(conn, self.sslmode, deadline))
    }

    fn explain_certificate<'a>(
        &'a self,
        ctx: &'a ProbeCtx,
        deadline: Instant,
    ) -> BoxFuture<'a, Option<String>> {
        Box::pin(async move {
            let target = tls::Target {
                host: &self.host,
                port: self.options.get_port(),
                server_name: &self.host,
                ca_file: self.root_cert.as_deref(),
                starttls: Some(Starttls::Postgres),
                connect_to: None,
            };
            let insp = tls::inspect(&target, ctx, deadline).await.ok()?;
            match self.sslmode {
                PgSslMode::VerifyFull => tls::explain(&insp),
                // verify-ca does not check the name: neither may the explanation.
                _ => tls::date_problem(&insp.chain, insp.checked_at)
                    .or_else(|| tls::trust_problem(&insp)),
            }
        })
    }
}

/// One extra round trip after the timed part: the full version string and, from
/// `pg_stat_ssl`, whether this session is encrypted and with which TLS version. Poolers
/// and PostgreSQL look-alikes may refuse it; then we fall back on the version from the
/// startup parameters and on what sslmode implies.
async fn describe(conn: &mut PgConnection, sslmode: PgSslMode, deadline: Instant) -> ServerInfo {
    const SQL: &str = "select current_setting('server_version'), \
        (select coalesce(version, '') from pg_stat_ssl where pid = pg_backend_pid())";
    let texts = session::first_row_texts::<sqlx::Postgres>(conn, SQL, deadline).await;
    let (version, tls_answer) = match texts.as_deref() {
        Some([version, tls]) => (version.clone(), tls.clone()),
        _ => (None, None),
    };
    let version = version.or_else(|| conn.server_version_num().map(version_from_num));
    // `Some("")`: pg_stat_ssl says the session is not encrypted; `None`: unknown.
    let encrypted = match (sslmode, &tls_answer) {
        (PgSslMode::Disable | PgSslMode::Allow, _) => Some(false),
        (_, Some(tls)) => Some(!tls.is_empty()),
        (PgSslMode::Require | PgSslMode::VerifyCa | PgSslMode::VerifyFull, None) => Some(true),
        (PgSslMode::Prefer, None) => None,
    };
    ServerInfo {
        product: "PostgreSQL",
        version,
        encrypted,
        tls_version: tls_answer.filter(|v| !v.is_empty()),
    }
}

/// 150004 → `15.4`, 90624 → `9.6.24`.
fn version_from_num(num: u32) -> String {
    if num >= 100_000 {
        format!("{}.{}", num / 10_000, num % 10_000)
    } else {
        format!("{}.{}.{}", num / 10_000, (num / 100) % 100, num % 100)
    }
}

fn sslmode_text(mode: PgSslMode) -> &'static str {
    match mode {
        PgSslMode::Disable => "sslmode=disable",
        PgSslMode::Allow => "sslmode=allow",
        PgSslMode::Prefer => "sslmode=prefer",
        PgSslMode::Require => "sslmode=require",
        PgSslMode::VerifyCa => "sslmode=verify-ca",
        PgSslMode::VerifyFull => "sslmode=verify-full",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert_eq!(version_from_num(150004), "15.4");
        assert_eq!(version_from_num(90624), "9.6.24");
    }

    #[test]
    fn bad_urls_are_config_errors() {
        assert!(Target::parse("mysql://h/db").is_err());
        let err = Target::parse("postgres://h/db?sslmode=sometimes")
            .err()
            .unwrap();
        assert!(err.starts_with("invalid postgres URL: "), "{err}");
        let err = Target::parse("postgres://h/db?sslrootcert=/nope/ca.pem")
            .err()
            .unwrap();
        assert!(
            err.contains("cannot read sslrootcert /nope/ca.pem"),
            "{err}"
        );
    }
}
