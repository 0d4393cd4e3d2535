//! Which layer a `postgres`/`mysql` failure belongs to, in one line.
//!
//! The rule: `connect` when we never got a conversation (refused, unreachable, reset,
//! server full or starting up), `tls` when encryption could not be set up as the URL
//! demands, `auth` when the server answered and refused to open a session for this login —
//! bad password, unknown role, no `pg_hba.conf` entry, *and an unknown database* (it is part
//! of the login, and "connect" would send the reader to check the network) — and `query`
//! when the session was open and the statement failed (SQLSTATE shown).

use std::borrow::Cow;

use sqlx::error::DatabaseError;

use super::words::{self, Phase, find_cause};
use crate::probe::Layer;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Engine {
    Postgres,
    Mysql,
}

impl Engine {
    fn name(self) -> &'static str {
        match self {
            Engine::Postgres => "PostgreSQL",
            Engine::Mysql => "MySQL",
        }
    }
}

/// What the classifier needs to know about the attempt.
pub(crate) struct Context<'a> {
    pub engine: Engine,
    /// `host:port` or the socket path.
    pub addr: &'a str,
    pub host: &'a str,
    pub phase: Phase,
    /// The URL's TLS demand as written, e.g. `sslmode=verify-ca`.
    pub tls_setting: &'a str,
    /// Appended to trust failures, e.g. `set sslrootcert to the server's CA`.
    pub tls_hint: &'a str,
}

/// A classified failure; `sqlstate` goes to the details.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Failure {
    pub layer: Layer,
    pub message: String,
    pub sqlstate: Option<String>,
    /// The certificate was rejected: the caller may ask the `tls` kind's inspector for
    /// the full story (which certificate, which issuer, by how much).
    pub certificate: Option<rustls::CertificateError>,
}

impl Failure {
    fn new(layer: Layer, message: impl Into<String>) -> Self {
        Failure {
            layer,
            message: message.into(),
            sqlstate: None,
            certificate: None,
        }
    }
}

pub(crate) fn classify(err: &sqlx::Error, cx: &Context<'_>) -> Failure {
    let mut failure = layer_and_message(err, cx);
    if let Some(rustls::Error::InvalidCertificate(cert)) = find_cause::<rustls::Error>(err) {
        failure.certificate = Some(cert.clone());
    }
    failure
}

fn layer_and_message(err: &sqlx::Error, cx: &Context<'_>) -> Failure {
    match err {
        sqlx::Error::Database(db) => database(db.as_ref(), cx),
        sqlx::Error::Io(io) => {
            let (layer, message) = words::io_failure(io, cx.addr, cx.host, cx.phase, cx.tls_hint);
            Failure::new(layer, message)
        }
        sqlx::Error::Tls(inner) => {
            if let Some(tls) = find_cause::<rustls::Error>(inner.as_ref()) {
                return Failure::new(Layer::Tls, words::tls_failure(tls, cx.host, cx.tls_hint));
            }
            let text = inner.to_string();
            if text.contains("does not support TLS") {
                let msg = format!(
                    "{} does not support TLS, but {} requires it",
                    cx.addr, cx.tls_setting
                );
                return Failure::new(Layer::Tls, msg);
            }
            Failure::new(Layer::Tls, format!("{text} ({})", cx.addr))
        }
        sqlx::Error::Configuration(e) => {
            Failure::new(Layer::Config, format!("invalid connection URL: {e}"))
        }
        // sqlx reads the one-byte SSLRequest answer without checking for end of stream:
        // a server that hangs up instead of answering shows as a `0x00` answer.
        sqlx::Error::Protocol(text) if text.contains("response from SSLRequest: 0x00") => {
            let msg = format!("connection reset by {} while connecting", cx.addr);
            Failure::new(Layer::Connect, msg)
        }
        sqlx::Error::Protocol(text) => {
            let layer = if cx.phase == Phase::Query {
                Layer::Query
            } else {
                Layer::Connect
            };
            let msg = format!(
                "unexpected reply from {} ({}); is it a {} server?",
                cx.addr,
                without_source_location(text),
                cx.engine.name()
            );
            Failure::new(layer, msg)
        }
        other => {
            let layer = if cx.phase == Phase::Query {
                Layer::Query
            } else {
                Layer::Connect
            };
            Failure::new(layer, other.to_string())
        }
    }
}

/// sqlx's protocol errors end with where in sqlx they were raised
/// (`… (sqlx_postgres::connection::tls:95)`): not for an on-call engineer.
fn without_source_location(text: &str) -> &str {
    match text.rfind(" (sqlx_") {
        Some(i) if text.ends_with(')') => &text[..i],
        _ => text,
    }
}

/// An error the server sent (PostgreSQL `ErrorResponse`, MySQL `ERR` packet).
fn database(db: &dyn DatabaseError, cx: &Context<'_>) -> Failure {
    let code = db.code().map(Cow::into_owned);
    let message = lowercase_first(db.message());
    let (layer, shown) = match cx.engine {
        Engine::Postgres => postgres_layer(code.as_deref().unwrap_or(""), cx.phase),
        Engine::Mysql => mysql_layer(mysql_number(db), cx.phase),
    };
    let message = match (layer, &code) {
        (Layer::Query, Some(code)) => format!("{message} (SQLSTATE {code})"),
        (Layer::Connect, _) if shown => format!("{message} ({})", cx.addr),
        _ => message,
    };
    Failure {
        layer,
        message,
        sqlstate: code,
        certificate: None,
    }
}

/// Layer for a PostgreSQL SQLSTATE, and whether the address is worth adding.
fn postgres_layer(code: &str, phase: Phase) -> (Layer, bool) {
    let class = code.get(..2).unwrap_or("");
    match phase {
        Phase::Connect | Phase::Handshake => match code {
            // too_many_connections, cannot_connect_now (starting up / shutting down)
            "53300" | "57P03" => (Layer::Connect, true),
            _ if class == "08" => (Layer::Connect, true),
            // 28000/28P01 (role, password, pg_hba), 3D000 (database), 42501 (no CONNECT)
            // and anything else the server says at login: it refused this session.
            _ => (Layer::Auth, false),
        },
        Phase::Query => match code {
            // admin_shutdown, crash_shutdown: the session was killed under us.
            "57P01" | "57P02" | "57P03" => (Layer::Connect, true),
            _ if class == "08" => (Layer::Connect, true),
            _ => (Layer::Query, false),
        },
    }
}

/// MySQL/MariaDB error numbers that mean "not now" rather than "not you".
fn mysql_layer(number: Option<u16>, phase: Phase) -> (Layer, bool) {
    const BUSY: [u16; 4] = [
        1040, // too many connections
        1129, // host blocked after too many connection errors
        1203, // max_user_connections
        1226, // user resource limit exceeded
    ];
    const KILLED: [u16; 3] = [
        1053, // server shutdown in progress
        1927, // connection killed
        4031, // disconnected by the server because of inactivity
    ];
    match (phase, number) {
        (Phase::Query, Some(n)) if KILLED.contains(&n) => (Layer::Connect, true),
        (Phase::Query, _) => (Layer::Query, false),
        (_, Some(n)) if BUSY.contains(&n) => (Layer::Connect, true),
        // 1045 access denied, 1044 no access to the database, 1049 unknown database,
        // 1130 host not allowed, 1251/1524 auth plugin, 1862 password expired…
        _ => (Layer::Auth, false),
    }
}

fn mysql_number(db: &dyn DatabaseError) -> Option<u16> {
    db.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>()
        .map(|e| e.number())
}

/// Server messages start with a capital (`Access denied…`); our lines are lowercase.
/// Acronyms and quoted identifiers are left alone.
fn lowercase_first(s: &str) -> String {
    let mut chars = s.chars();
    match (chars.next(), chars.next()) {
        (Some(first), Some(second)) if first.is_uppercase() && second.is_lowercase() => {
            first.to_lowercase().chain(s.chars().skip(1)).collect()
        }
        _ => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_login_refusals_are_auth() {
        for code in ["28P01", "28000", "3D000", "42501"] {
            assert_eq!(
                postgres_layer(code, Phase::Connect).0,
                Layer::Auth,
                "{code}"
            );
        }
        assert_eq!(postgres_layer("53300", Phase::Connect).0, Layer::Connect);
        assert_eq!(postgres_layer("57P03", Phase::Connect).0, Layer::Connect);
    }

    #[test]
    fn postgres_query_errors_are_query_unless_the_session_died() {
        assert_eq!(postgres_layer("42P01", Phase::Query).0, Layer::Query);
        assert_eq!(postgres_layer("42501", Phase::Query).0, Layer::Query);
        assert_eq!(postgres_layer("57P01", Phase::Query).0, Layer::Connect);
        assert_eq!(postgres_layer("08006", Phase::Query).0, Layer::Connect);
    }

    #[test]
    fn mysql_numbers() {
        assert_eq!(mysql_layer(Some(1045), Phase::Connect).0, Layer::Auth);
        assert_eq!(mysql_layer(Some(1049), Phase::Connect).0, Layer::Auth);
        assert_eq!(mysql_layer(Some(1040), Phase::Connect).0, Layer::Connect);
        assert_eq!(mysql_layer(Some(1146), Phase::Query).0, Layer::Query);
        assert_eq!(mysql_layer(Some(1927), Phase::Query).0, Layer::Connect);
    }

    #[test]
    fn lowercases_sentences_not_acronyms() {
        assert_eq!(lowercase_first("Access denied"), "access denied");
        assert_eq!(lowercase_first("SSL off"), "SSL off");
        assert_eq!(lowercase_first("role \"x\""), "role \"x\"");
    }
}
