//! `mysql` probe, for MySQL and MariaDB: the same attempt as `postgres` (one fresh
//! connection, the suite's query, `expect`), with a fact like `MariaDB 10.11.6 · 5ms`.
//!
//! The URL is `mysql://user:password@host:port/database` (or `mariadb://`), parsed by
//! sqlx, with `ssl-mode` = DISABLED, PREFERRED (the default), REQUIRED, VERIFY_CA or
//! VERIFY_IDENTITY and `ssl-ca` for a private CA, as in the `mysql` client.

use std::str::FromStr;

use futures_util::future::BoxFuture;
use serde_json::{Map, Value};
use sqlx::ConnectOptions;
use sqlx::mysql::{MySqlConnectOptions, MySqlConnection, MySqlSslMode};
use tokio::time::Instant;

use super::classify::{Context, Engine};
use super::params;
use super::redact::Redactor;
use super::session::{self, Driver, ServerInfo};
use super::words::Phase;
use crate::probe::{Layer, Outcome, ProbeCtx};
use crate::suite::model::DbSpec;

/// Query parameters sqlx understands (anything else is silently dropped by it: we warn).
const KNOWN_PARAMS: &[&str] = &[
    "ssl-mode",
    "sslmode",
    "ssl-ca",
    "sslca",
    "ssl-cert",
    "sslcert",
    "ssl-key",
    "sslkey",
    "charset",
    "collation",
    "statement-cache-capacity",
    "socket",
    "timezone",
    "time-zone",
];

pub async fn run(spec: &DbSpec, ctx: &ProbeCtx, deadline: Instant) -> Outcome {
    let redact = Redactor::from_url(&spec.url);
    let outcome = match Target::parse(&spec.url) {
        Ok(target) => session::attempt(&target, spec, ctx, deadline).await,
        Err(message) => Outcome::fail(Layer::Config, message),
    };
    redact.outcome(outcome)
}

struct Target {
    options: MySqlConnectOptions,
    addr: String,
    host: String,
    ssl_mode: MySqlSslMode,
    warnings: Vec<String>,
}

impl Target {
    fn parse(raw: &str) -> Result<Self, String> {
        let url = params::parse_url(raw, "mysql", &["mysql", "mariadb"])?;
        let warnings = params::unknown_params(&url, KNOWN_PARAMS);
        // sqlx only accepts the `mysql` scheme; `mariadb://` means the same here.
        let normalized = match raw.strip_prefix("mariadb://") {
            Some(rest) => format!("mysql://{rest}"),
            None => raw.to_string(),
        };
        let mut options = MySqlConnectOptions::from_str(&normalized)
            .map_err(|e| format!("invalid mysql URL: {}", session::config_reason(&e)))?;
        if let Some(path) = params::param(&url, &["ssl-ca", "sslca"]) {
            options = options.ssl_ca_from_pem(params::read_ca(&path, "ssl-ca")?);
        }
        let host = options.get_host().to_string();
        let addr = match options.get_socket() {
            Some(path) => path.display().to_string(),
            None => params::host_port(&host, options.get_port()),
        };
        let ssl_mode = options.get_ssl_mode();
        Ok(Target {
            options,
            addr,
            host,
            ssl_mode,
            warnings,
        })
    }
}

impl Driver for Target {
    type Db = sqlx::MySql;

    fn context(&self, phase: Phase) -> Context<'_> {
        Context {
            engine: Engine::Mysql,
            addr: &self.addr,
            host: &self.host,
            phase,
            tls_setting: ssl_mode_text(self.ssl_mode),
            tls_hint: "set ssl-ca to the CA that signed the server's certificate",
        }
    }

    fn details(&self) -> Map<String, Value> {
        let mut details = Map::new();
        details.insert("address".into(), self.addr.clone().into());
        details.insert("user".into(), self.options.get_username().into());
        if let Some(db) = self.options.get_database() {
            details.insert("database".into(), db.into());
        }
        let mode = ssl_mode_text(self.ssl_mode).trim_start_matches("ssl-mode=");
        details.insert("ssl_mode".into(), mode.into());
        details
    }

    fn warnings(&self) -> &[String] {
        &self.warnings
    }

    fn connect(&self) -> BoxFuture<'_, Result<MySqlConnection, sqlx::Error>> {
        Box::pin(self.options.connect())
    }

    fn describe<'c>(
        &'c self,
        conn: &'c mut MySqlConnection,
        deadline: Instant,
    ) -> BoxFuture<'c, ServerInfo> {
        Box::pin(describe(conn, self.ssl_mode, deadline))
    }
}

/// Two small round trips after the timed part: `version()` (which also tells MariaDB from
/// MySQL) and the session's `Ssl_version` status, empty when the session is not encrypted.
async fn describe(conn: &mut MySqlConnection, mode: MySqlSslMode, deadline: Instant) -> ServerInfo {
    let version = session::first_row_texts::<sqlx::MySql>(conn, "select version()", deadline)
        .await
        .and_then(|row| row.into_iter().next().flatten());
    let tls = session::first_row_texts::<sqlx::MySql>(
        conn,
        "show session status like 'Ssl_version'",
        deadline,
    )
    .await
    .and_then(|row| row.into_iter().nth(1))
    .map(Option::unwrap_or_default);
    let encrypted = match (mode, &tls) {
        (MySqlSslMode::Disabled, _) => Some(false),
        (_, Some(v)) => Some(!v.is_empty()),
        (MySqlSslMode::Preferred, None) => None,
        (_, None) => Some(true),
    };
    let product = match &version {
        Some(v) if v.to_ascii_lowercase().contains("mariadb") => "MariaDB",
        _ => "MySQL",
    };
    ServerInfo {
        product,
        version,
        encrypted,
        tls_version: tls.filter(|v| !v.is_empty()),
    }
}

fn ssl_mode_text(mode: MySqlSslMode) -> &'static str {
    match mode {
        MySqlSslMode::Disabled => "ssl-mode=DISABLED",
        MySqlSslMode::Preferred => "ssl-mode=PREFERRED",
        MySqlSslMode::Required => "ssl-mode=REQUIRED",
        MySqlSslMode::VerifyCa => "ssl-mode=VERIFY_CA",
        MySqlSslMode::VerifyIdentity => "ssl-mode=VERIFY_IDENTITY",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert!(Target::parse("mariadb://root@127.0.0.1/test").is_ok());
        let err = Target::parse("postgres://h/db").err().unwrap();
        assert_eq!(
            err,
            "a mysql URL starts with mysql:// or mariadb://, not postgres://"
        );
        let err = Target::parse("mysql://h/db?ssl-mode=SOMETIMES")
            .err()
            .unwrap();
        assert!(err.starts_with("invalid mysql URL: "), "{err}");
        let t = Target::parse("mysql://h/db?ssl_mode=REQUIRED")
            .ok()
            .unwrap();
        assert_eq!(t.warnings.len(), 1, "{:?}", t.warnings);
    }
}
