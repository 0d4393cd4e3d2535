//! `postgres` probe: one fresh connection per attempt (no pool — the check is that a new
//! client can connect, negotiate TLS as the URL demands and log in), the suite's query run
//! as written, and a fact like `PostgreSQL 15.4 · TLS 1.3 · 12ms`.
//!
//! The URL is a libpq URI parsed by sqlx: `postgres://` or `postgresql://`, percent-encoded
//! credentials, `host`/`port`/`dbname`/`user`/`password` query parameters, `sslmode`
//! (disable, allow, prefer — the default —, require, verify-ca, verify-full) and
//! `sslrootcert`. Like libpq, `PG*` environment variables and `~/.pgpass` fill the gaps.

use std::str::FromStr;
use std::time::Duration;

use serde_json::{Map, Value};
use sqlx::postgres::{PgConnectOptions, PgConnection, PgSslMode};
use sqlx::{ConnectOptions, Connection};
use tokio::time::{Instant, timeout_at};

use super::classify::{self, Context, Engine};
use super::params;
use super::redact::Redactor;
use super::rows::{self, QueryResult};
use super::words::{Phase, fmt_budget};
use crate::probe::{Layer, Outcome, ProbeCtx, fmt_ms, remaining};
use crate::suite::model::DbSpec;

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
];

const ROOT_CERT_PARAMS: &[&str] = &["sslrootcert", "ssl-root-cert", "ssl-ca"];

pub async fn run(spec: &DbSpec, _ctx: &ProbeCtx, deadline: Instant) -> Outcome {
    let redact = Redactor::from_url(&spec.url);
    let outcome = match Target::parse(&spec.url) {
        Ok(target) => attempt(spec, &target, deadline).await,
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
    warnings: Vec<String>,
}

impl Target {
    fn parse(raw: &str) -> Result<Self, String> {
        let url = params::parse_url(raw, "postgres", &["postgres", "postgresql"])?;
        let warnings = params::unknown_params(&url, KNOWN_PARAMS);
        let mut options = PgConnectOptions::from_str(raw)
            .map_err(|e| format!("invalid postgres URL: {}", config_reason(&e)))?;
        // Read the CA once, here, so a missing file is reported as such (sqlx would say
        // "error communicating with database: No such file or directory").
        if let Some(path) = params::param(&url, ROOT_CERT_PARAMS) {
            options = options.ssl_root_cert_from_pem(params::read_ca(&path, "sslrootcert")?);
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
            warnings,
        })
    }

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
}

async fn attempt(spec: &DbSpec, target: &Target, deadline: Instant) -> Outcome {
    let started = Instant::now();
    let budget = fmt_budget(remaining(deadline));
    let mut details = Map::new();
    details.insert("address".into(), target.addr.clone().into());
    details.insert("user".into(), target.options.get_username().into());
    let database = target
        .options
        .get_database()
        .unwrap_or(target.options.get_username());
    details.insert("database".into(), database.into());
    details.insert(
        "sslmode".into(),
        sslmode_text(target.sslmode).replace("sslmode=", "").into(),
    );

    let finish = |outcome: Outcome, details: Map<String, Value>| {
        let mut outcome = outcome;
        outcome.details.extend(details);
        outcome.warnings.extend(target.warnings.iter().cloned());
        outcome
    };

    let mut conn = match timeout_at(deadline, target.options.connect()).await {
        Err(_) => {
            let msg = format!("timed out after {budget} connecting to {}", target.addr);
            details.insert("latency_ms".into(), ms(started.elapsed()).into());
            return finish(Outcome::fail(Layer::Connect, msg), details);
        }
        Ok(Err(e)) => {
            let failure = classify::classify(&e, &target.context(Phase::Connect));
            details.insert("latency_ms".into(), ms(started.elapsed()).into());
            if let Some(code) = &failure.sqlstate {
                details.insert("sqlstate".into(), code.clone().into());
            }
            return finish(Outcome::fail(failure.layer, failure.message), details);
        }
        Ok(Ok(conn)) => conn,
    };
    let connected = started.elapsed();
    details.insert("connect_ms".into(), ms(connected).into());

    let queried = timeout_at(
        deadline,
        rows::run_query::<sqlx::Postgres>(&mut conn, &spec.query),
    )
    .await;
    let latency = started.elapsed();
    details.insert("latency_ms".into(), ms(latency).into());
    details.insert(
        "query_ms".into(),
        ms(latency.saturating_sub(connected)).into(),
    );

    let result = match queried {
        Err(_) => {
            // Dropping the connection is all we can do: sqlx has no cancel request, so the
            // server stops the statement when it notices the client is gone.
            let msg = format!(
                "timed out after {budget} waiting for the query (connected in {})",
                fmt_ms(connected)
            );
            return finish(Outcome::fail(Layer::Query, msg), details);
        }
        Ok(Err(e)) => {
            let failure = classify::classify(&e, &target.context(Phase::Query));
            if let Some(code) = &failure.sqlstate {
                details.insert("sqlstate".into(), code.clone().into());
            }
            let outcome = Outcome::fail(failure.layer, failure.message);
            if failure.layer == Layer::Query {
                // The session is still usable: describe the server for the reader anyway.
                describe_server(&mut conn, target.sslmode, deadline, &mut details).await;
                close(conn, deadline).await;
            }
            return finish(outcome, details);
        }
        Ok(Ok(result)) => result,
    };
    rows::details(&result, &mut details);
    let server = describe_server(&mut conn, target.sslmode, deadline, &mut details).await;
    close(conn, deadline).await;

    let outcome = match rows::check(&spec.expect, &result) {
        Ok(()) => Outcome::pass(fact(&server, latency)),
        Err(msg) => Outcome::fail(Layer::Assert, msg).with_fact(fact(&server, latency)),
    };
    finish(outcome, details)
}

/// Server version and TLS state, for the fact and the details.
#[derive(Debug, Default)]
struct ServerInfo {
    version: Option<String>,
    /// `None`: unknown (`sslmode=prefer` and the server would not say).
    encrypted: Option<bool>,
    tls_version: Option<String>,
}

/// One extra round trip after the timed part: the full version string and, from
/// `pg_stat_ssl`, whether this session is encrypted and with which TLS version. Poolers
/// and PostgreSQL look-alikes may refuse it; then we fall back on the version from the
/// startup parameters and on what sslmode implies.
async fn describe_server(
    conn: &mut PgConnection,
    sslmode: PgSslMode,
    deadline: Instant,
    details: &mut Map<String, Value>,
) -> ServerInfo {
    const SQL: &str = "select current_setting('server_version') || '|' || \
        coalesce((select version from pg_stat_ssl where pid = pg_backend_pid()), '')";
    let answer = timeout_at(deadline, rows::run_query::<sqlx::Postgres>(conn, SQL)).await;
    let text = match answer {
        Ok(Ok(QueryResult {
            first: Some(first), ..
        })) => first.text,
        _ => None,
    };
    // `Some("")`: the session is not encrypted; `None`: we could not ask.
    let (version, tls_answer) = match text.as_deref().and_then(|t| t.rsplit_once('|')) {
        Some((v, tls)) => (Some(v.to_string()), Some(tls.to_string())),
        None => (None, None),
    };
    let version = version.or_else(|| conn.server_version_num().map(version_from_num));
    let encrypted = match (sslmode, &tls_answer) {
        (PgSslMode::Disable | PgSslMode::Allow, _) => Some(false),
        (_, Some(tls)) => Some(!tls.is_empty()),
        (PgSslMode::Require | PgSslMode::VerifyCa | PgSslMode::VerifyFull, None) => Some(true),
        (PgSslMode::Prefer, None) => None,
    };
    let tls_version = tls_answer.filter(|v| !v.is_empty());
    if let Some(v) = &version {
        details.insert("server_version".into(), v.clone().into());
    }
    details.insert(
        "tls".into(),
        encrypted.map(Value::from).unwrap_or(Value::Null),
    );
    if let Some(v) = &tls_version {
        details.insert("tls_version".into(), v.clone().into());
    }
    ServerInfo {
        version,
        encrypted,
        tls_version,
    }
}

/// `PostgreSQL 15.4 · TLS 1.3 · 12ms`.
fn fact(server: &ServerInfo, latency: Duration) -> String {
    let mut parts = Vec::new();
    let version = server
        .version
        .as_deref()
        .and_then(|v| v.split_whitespace().next());
    parts.push(match version {
        Some(v) => format!("PostgreSQL {v}"),
        None => "PostgreSQL".to_string(),
    });
    match (server.encrypted, &server.tls_version) {
        (Some(true), Some(v)) => parts.push(v.replace("TLSv", "TLS ")),
        (Some(true), None) => parts.push("TLS".to_string()),
        (Some(false), _) => parts.push("no TLS".to_string()),
        (None, _) => {}
    }
    parts.push(fmt_ms(latency));
    parts.join(" · ")
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

/// A graceful goodbye (Terminate, TLS close_notify) keeps server logs free of "unexpected
/// EOF on client connection"; it is not part of the measured latency.
async fn close(conn: PgConnection, deadline: Instant) {
    let _ = timeout_at(
        deadline.max(Instant::now() + Duration::from_millis(100)),
        conn.close(),
    )
    .await;
}

/// sqlx prefixes configuration errors with "error with configuration: ".
fn config_reason(e: &sqlx::Error) -> String {
    let text = e.to_string();
    text.strip_prefix("error with configuration: ")
        .unwrap_or(&text)
        .to_string()
}

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1000.0 * 100.0).round() / 100.0
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
    fn fact_reads_well() {
        let info = ServerInfo {
            version: Some("15.20 (Debian 15.20-0+deb12u1)".into()),
            encrypted: Some(true),
            tls_version: Some("TLSv1.3".into()),
        };
        assert_eq!(
            fact(&info, Duration::from_millis(12)),
            "PostgreSQL 15.20 · TLS 1.3 · 12ms"
        );
        let plain = ServerInfo {
            version: Some("16.1".into()),
            encrypted: Some(false),
            tls_version: None,
        };
        assert_eq!(
            fact(&plain, Duration::from_millis(3)),
            "PostgreSQL 16.1 · no TLS · 3ms"
        );
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
