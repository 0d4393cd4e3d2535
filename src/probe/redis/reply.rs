//! Replies and error replies in words: how a reply reads as text (for `expect.value` and
//! the fact) and which layer an error belongs to.

use redis::Value;

use crate::probe::Layer;
use crate::probe::dbs::{self, Phase};

/// A reply as text: bulk and simple strings as they are, integers in decimal, nil as
/// `(nil)` (like redis-cli), arrays and sets joined with `, `, maps as `k: v`.
pub(super) fn render(value: &Value) -> String {
    match value {
        Value::Nil => "(nil)".to_string(),
        Value::Int(i) => i.to_string(),
        Value::BulkString(bytes) => String::from_utf8_lossy(bytes).into_owned(),
        Value::SimpleString(s) => s.clone(),
        Value::Okay => "OK".to_string(),
        Value::Array(items) | Value::Set(items) if items.is_empty() => "(empty array)".to_string(),
        Value::Array(items) | Value::Set(items) => join(items),
        Value::Map(pairs) => pairs
            .iter()
            .map(|(k, v)| format!("{}: {}", render_nested(k), render_nested(v)))
            .collect::<Vec<_>>()
            .join(", "),
        Value::Attribute { data, .. } => render(data),
        Value::Double(d) => d.to_string(),
        Value::Boolean(b) => b.to_string(),
        Value::VerbatimString { text, .. } => text.clone(),
        Value::ServerError(e) => format!("{} {}", e.code(), e.details().unwrap_or_default()),
        other => format!("{other:?}"),
    }
}

fn join(items: &[Value]) -> String {
    items
        .iter()
        .map(render_nested)
        .collect::<Vec<_>>()
        .join(", ")
}

fn render_nested(value: &Value) -> String {
    match value {
        Value::Array(items) | Value::Set(items) => format!("[{}]", join(items)),
        other => render(other),
    }
}

/// Layer and message for an error from the `redis` crate.
pub(super) fn failure(err: &redis::RedisError, addr: &str, phase: Phase) -> (Layer, String) {
    use redis::ErrorKind as K;
    if let Some(code) = err.code() {
        return server_failure(code, err.detail(), phase);
    }
    match err.kind() {
        K::AuthenticationFailed => {
            let detail = err.detail().unwrap_or("authentication failed");
            (Layer::Auth, lowercase_first(detail))
        }
        // Our own code opened the socket and did TLS: I/O errors here are drops.
        K::Io if err.is_connection_dropped() || err.is_connection_refusal() => {
            let reset = std::io::Error::from(std::io::ErrorKind::ConnectionReset);
            dbs::io_failure(&reset, addr, addr, phase, "")
        }
        K::Io => (
            Layer::Connect,
            format!("{} ({addr})", lowercase_first(&err.to_string())),
        ),
        K::InvalidClientConfig => (
            Layer::Config,
            format!("invalid redis URL: {}", config_reason(err)),
        ),
        _ => {
            let layer = if phase == Phase::Query {
                Layer::Query
            } else {
                Layer::Connect
            };
            (layer, format!("{err}"))
        }
    }
}

/// An error reply, shown as redis-cli shows it (`WRONGPASS invalid username-password
/// pair…`). Login refusals are `auth`; "not now" replies (`LOADING`, `MASTERDOWN`…) are
/// `connect`, so retries and flaky reporting apply; the rest is the command's (`query`).
pub(super) fn server_failure(code: &str, detail: Option<&str>, phase: Phase) -> (Layer, String) {
    let message = match detail {
        Some(d) if !d.is_empty() => format!("{code} {}", d.trim()),
        _ => code.to_string(),
    };
    let layer = match code {
        "WRONGPASS" | "NOAUTH" | "NOPERM" => Layer::Auth,
        "LOADING" | "MASTERDOWN" | "CLUSTERDOWN" | "TRYAGAIN" | "BUSY" => Layer::Connect,
        // During login (AUTH, SELECT) any refusal means "this session cannot be had".
        _ if phase != Phase::Query => Layer::Auth,
        _ => Layer::Query,
    };
    let message = if code == "NOAUTH" {
        format!("{message} (put the password in the URL: redis://:password@host)")
    } else {
        message
    };
    (layer, message)
}

/// The crate's config errors read `Invalid database number- InvalidClientConfig`.
pub(super) fn config_reason(err: &redis::RedisError) -> String {
    let text = err.to_string();
    let text = text
        .split("- InvalidClientConfig")
        .next()
        .unwrap_or(&text)
        .trim()
        .to_string();
    lowercase_first(&text)
}

fn lowercase_first(s: &str) -> String {
    let mut chars = s.chars();
    match (chars.next(), chars.next()) {
        (Some(a), Some(b)) if a.is_uppercase() && b.is_lowercase() => {
            a.to_lowercase().chain(s.chars().skip(1)).collect()
        }
        _ => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_replies_like_redis_cli() {
        assert_eq!(render(&Value::Nil), "(nil)");
        assert_eq!(render(&Value::Int(42)), "42");
        assert_eq!(render(&Value::Okay), "OK");
        assert_eq!(render(&Value::SimpleString("PONG".into())), "PONG");
        assert_eq!(render(&Value::BulkString(b"v1".to_vec())), "v1");
        let arr = Value::Array(vec![
            Value::BulkString(b"a".to_vec()),
            Value::Int(2),
            Value::Array(vec![Value::Nil]),
        ]);
        assert_eq!(render(&arr), "a, 2, [(nil)]");
        assert_eq!(render(&Value::Array(vec![])), "(empty array)");
    }

    #[test]
    fn server_errors_by_layer() {
        let (layer, msg) = server_failure(
            "WRONGPASS",
            Some("invalid username-password pair"),
            Phase::Connect,
        );
        assert_eq!(
            (layer, msg.as_str()),
            (Layer::Auth, "WRONGPASS invalid username-password pair")
        );
        assert_eq!(
            server_failure("NOAUTH", Some("Authentication required."), Phase::Query).0,
            Layer::Auth
        );
        assert_eq!(
            server_failure("ERR", Some("unknown command"), Phase::Query).0,
            Layer::Query
        );
        assert_eq!(
            server_failure("ERR", Some("DB index is out of range"), Phase::Connect).0,
            Layer::Auth
        );
        assert_eq!(
            server_failure("LOADING", None, Phase::Query).0,
            Layer::Connect
        );
    }
}
