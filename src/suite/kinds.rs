//! Conversion of each kind's target fields and `expect` keys (SPEC §2.3) into the model.

use std::path::{Path, PathBuf};

use super::fields::to_json;
use super::fields::{
    check_scheme, json_expects, regex_field, size, status_patterns, url_field, value_match,
};
use super::model::*;
use super::raw::{Node, Value};
use super::read::{self, Cx, Obj, describe, type_name, unresolved};

/// `expect` keys by kind, for "`valid_for` does not apply to http checks".
pub const EXPECT_KEYS: [(Kind, &[&str]); 8] = [
    (
        Kind::Http,
        &[
            "status",
            "headers",
            "body_contains",
            "body_not_contains",
            "body_matches",
            "json",
            "latency_under",
            "cert_valid_for",
        ],
    ),
    (
        Kind::Tls,
        &[
            "valid_for",
            "warn_within",
            "covers",
            "trusted",
            "min_version",
            "issuer_contains",
        ],
    ),
    (Kind::Postgres, &["value", "rows_at_least", "latency_under"]),
    (Kind::Mysql, &["value", "rows_at_least", "latency_under"]),
    (Kind::Redis, &["value", "latency_under"]),
    (Kind::Tcp, &["latency_under"]),
    (Kind::Dns, &["contains", "min_answers"]),
    (
        Kind::Exec,
        &["exit_code", "stdout_contains", "stderr_not_contains"],
    ),
];

/// Context for one check's conversion.
pub struct KindCx<'a> {
    /// Relative paths (`ca_file`…) are relative to the suite file's directory.
    pub base_dir: &'a Path,
}

pub fn convert(
    cx: &mut Cx,
    k: &KindCx,
    kind: Kind,
    target: &Node,
    expect: Option<&Node>,
) -> Option<Spec> {
    let what_target: &'static str = match kind {
        Kind::Http => "an http check",
        Kind::Tls => "a tls check",
        Kind::Postgres => "a postgres check",
        Kind::Mysql => "a mysql check",
        Kind::Redis => "a redis check",
        Kind::Tcp => "a tcp check",
        Kind::Dns => "a dns check",
        Kind::Exec => "an exec check",
    };
    let mut t = Obj::new(cx, target, what_target)?;
    let mut e = match expect {
        Some(node) => Some(Obj::new(cx, node, "`expect`")?),
        None => None,
    };
    let spec = match kind {
        Kind::Http => http(cx, k, &mut t, e.as_mut()).map(Spec::Http),
        Kind::Tls => tls(cx, k, &mut t, e.as_mut()).map(Spec::Tls),
        Kind::Postgres => {
            db(cx, &mut t, e.as_mut(), &["postgres", "postgresql"]).map(Spec::Postgres)
        }
        Kind::Mysql => db(cx, &mut t, e.as_mut(), &["mysql", "mariadb"]).map(Spec::Mysql),
        Kind::Redis => redis(cx, k, &mut t, e.as_mut()).map(Spec::Redis),
        Kind::Tcp => tcp(cx, &mut t, e.as_mut()).map(Spec::Tcp),
        Kind::Dns => dns(cx, &mut t, e.as_mut()).map(Spec::Dns),
        Kind::Exec => exec(cx, k, &mut t, e.as_mut()).map(Spec::Exec),
    };
    t.finish_with(cx, |key| {
        EXPECT_KEYS.iter().any(|(_, keys)| keys.contains(&key)).then(|| {
            format!("`{key}` is an `expect` key, not a field of {what_target}: move it under `expect:`")
        })
    });
    if let Some(e) = e {
        e.finish_with(cx, |key| expect_misplaced(kind, key));
    }
    spec
}

fn expect_misplaced(kind: Kind, key: &str) -> Option<String> {
    let owners: Vec<&str> = EXPECT_KEYS
        .iter()
        .filter(|(_, keys)| keys.contains(&key))
        .map(|(k, _)| k.as_str())
        .collect();
    if owners.is_empty() {
        return None;
    }
    Some(format!(
        "`expect.{key}` does not apply to {} checks (it applies to {})",
        kind.as_str(),
        owners.join(", ")
    ))
}

/// Reads an optional field with `f`; absent → `None`, bad → diagnostic and `None`.
fn opt<T>(
    cx: &mut Cx,
    o: &mut Obj,
    field: &'static str,
    f: impl Fn(&mut Cx, &Node, &str) -> Option<T>,
) -> Option<T> {
    o.get(field).and_then(|n| f(cx, n, field))
}

/// Like `opt` for the `expect` object, which may itself be absent.
fn exp<T>(
    cx: &mut Cx,
    o: &mut Option<&mut Obj>,
    field: &'static str,
    f: impl Fn(&mut Cx, &Node, &str) -> Option<T>,
) -> Option<T> {
    o.as_mut()
        .and_then(|o| o.get(field))
        .and_then(|n| f(cx, n, field))
}

fn required<T>(
    cx: &mut Cx,
    o: &mut Obj,
    field: &'static str,
    f: impl Fn(&mut Cx, &Node, &str) -> Option<T>,
) -> Option<T> {
    match o.get(field) {
        Some(n) => f(cx, n, field),
        None => {
            cx.error(o.node.pos, format!("{} needs `{field}`", o.what()));
            None
        }
    }
}

fn path<'a>(k: &'a KindCx<'a>) -> impl Fn(&mut Cx, &Node, &str) -> Option<PathBuf> + 'a {
    move |cx, n, f| {
        let s = read::string(cx, n, f)?;
        let p = PathBuf::from(s);
        Some(if p.is_relative() {
            k.base_dir.join(p)
        } else {
            p
        })
    }
}

// ---------------------------------------------------------------- http

fn http(cx: &mut Cx, k: &KindCx, t: &mut Obj, mut e: Option<&mut Obj>) -> Option<HttpSpec> {
    let url = required(cx, t, "url", url_field(&["http", "https"]));
    let method = opt(cx, t, "method", read::string)
        .map(|m| m.to_ascii_uppercase())
        .unwrap_or_else(|| "GET".into());
    if !method.bytes().all(|b| b.is_ascii_alphabetic()) {
        cx.error(
            t.node.pos,
            format!("`method` must be an HTTP method like GET or POST, found {method:?}"),
        );
    }
    let headers = opt(cx, t, "headers", read::string_map).unwrap_or_default();
    let text_body = opt(cx, t, "body", read::string);
    let json_body = t.get("json").map(to_json);
    if text_body.is_some() && json_body.is_some() {
        cx.error(t.node.pos, "an http check takes `body` or `json`, not both");
    }
    let body = text_body
        .map(RequestBody::Text)
        .or(json_body.map(RequestBody::Json));
    let follow_redirects = opt(cx, t, "follow_redirects", read::boolean).unwrap_or(true);
    let insecure = opt(cx, t, "insecure", read::boolean).unwrap_or(false);
    let ca_file = opt(cx, t, "ca_file", path(k));
    let client_cert = opt(cx, t, "client_cert", path(k));
    let client_key = opt(cx, t, "client_key", path(k));
    if client_cert.is_some() != client_key.is_some() {
        cx.error(
            t.node.pos,
            "`client_cert` and `client_key` go together (mTLS needs both)",
        );
    }
    let http_version = opt(cx, t, "http_version", |cx, n, f| {
        match describe(n).trim_matches('"') {
            "1.1" | "1" => Some(HttpVersion::Http1),
            "2" | "2.0" => Some(HttpVersion::Http2),
            other => {
                cx.error(n.pos, format!("`{f}` must be 1.1 or 2, found {other}"));
                None
            }
        }
    });
    let resolve = opt(cx, t, "resolve", |cx, n, f| {
        let s = read::string(cx, n, f)?;
        if unresolved(n) {
            return Some(std::net::IpAddr::from([127, 0, 0, 1]));
        }
        s.parse()
            .map_err(|_| cx.error(n.pos, format!("`{f}` must be an IP address, found {s:?}")))
            .ok()
    });
    let max_body = opt(cx, t, "max_body", size).unwrap_or(1024 * 1024);

    let status =
        exp(cx, &mut e, "status", status_patterns).unwrap_or_else(|| vec![StatusPattern::Class(2)]);
    let headers_expect = exp(cx, &mut e, "headers", |cx, n, f| {
        let pairs = read::string_map(cx, n, f)?;
        Some(
            pairs
                .into_iter()
                .filter_map(|(name, v)| Some((name, value_match(cx, n, &v)?)))
                .collect::<Vec<_>>(),
        )
    })
    .unwrap_or_default();
    let body_contains = exp(cx, &mut e, "body_contains", read::string_list).unwrap_or_default();
    let body_not_contains =
        exp(cx, &mut e, "body_not_contains", read::string_list).unwrap_or_default();
    let body_matches = exp(cx, &mut e, "body_matches", regex_field);
    let json = exp(cx, &mut e, "json", json_expects).unwrap_or_default();
    let latency_under = exp(cx, &mut e, "latency_under", read::duration);
    let cert_valid_for = exp(cx, &mut e, "cert_valid_for", read::duration);
    Some(HttpSpec {
        url: url?,
        method,
        headers,
        body,
        follow_redirects,
        insecure,
        ca_file,
        client_cert,
        client_key,
        http_version,
        resolve,
        max_body,
        expect: HttpExpect {
            status,
            headers: headers_expect,
            body_contains,
            body_not_contains,
            body_matches,
            json,
            latency_under,
            cert_valid_for,
        },
    })
}

// ---------------------------------------------------------------- tls

fn tls(cx: &mut Cx, k: &KindCx, t: &mut Obj, mut e: Option<&mut Obj>) -> Option<TlsSpec> {
    let host = required(cx, t, "host", read::string);
    let port = opt(cx, t, "port", read::port).unwrap_or(443);
    let server_name = opt(cx, t, "server_name", read::string);
    let ca_file = opt(cx, t, "ca_file", path(k));
    let starttls = opt(cx, t, "starttls", |cx, n, f| {
        match read::string(cx, n, f)?.as_str() {
            "postgres" => Some(Starttls::Postgres),
            "smtp" => Some(Starttls::Smtp),
            other => {
                cx.error(
                    n.pos,
                    format!("`{f}` must be postgres or smtp, found {other:?}"),
                );
                None
            }
        }
    });
    let valid_for = exp(cx, &mut e, "valid_for", read::duration);
    let warn_within = exp(cx, &mut e, "warn_within", read::duration);
    let covers = exp(cx, &mut e, "covers", read::string_list).unwrap_or_default();
    let trusted = exp(cx, &mut e, "trusted", read::boolean).unwrap_or(true);
    let min_version = exp(cx, &mut e, "min_version", |cx, n, f| {
        match describe(n).trim_matches('"') {
            "1.2" => Some(TlsVersion::V1_2),
            "1.3" => Some(TlsVersion::V1_3),
            other => {
                cx.error(n.pos, format!("`{f}` must be 1.2 or 1.3, found {other}"));
                None
            }
        }
    });
    let issuer_contains = exp(cx, &mut e, "issuer_contains", read::string);
    let host = host?;
    Some(TlsSpec {
        server_name: server_name.unwrap_or_else(|| host.clone()),
        host,
        port,
        ca_file,
        starttls,
        expect: TlsExpect {
            valid_for,
            warn_within,
            covers,
            trusted,
            min_version,
            issuer_contains,
        },
    })
}

// ---------------------------------------------------------------- databases

fn db(cx: &mut Cx, t: &mut Obj, mut e: Option<&mut Obj>, schemes: &[&str]) -> Option<DbSpec> {
    let url = required(cx, t, "url", read::string);
    if let (Some(u), Some(n)) = (&url, t.get("url")) {
        check_scheme(cx, n, u, schemes);
    }
    let query = opt(cx, t, "query", read::string).unwrap_or_else(|| "select 1".into());
    let value = exp(cx, &mut e, "value", read::string);
    let rows_at_least = exp(cx, &mut e, "rows_at_least", read::unsigned);
    let latency_under = exp(cx, &mut e, "latency_under", read::duration);
    Some(DbSpec {
        url: url?,
        query,
        expect: DbExpect {
            value,
            rows_at_least,
            latency_under,
        },
    })
}

fn redis(cx: &mut Cx, k: &KindCx, t: &mut Obj, mut e: Option<&mut Obj>) -> Option<RedisSpec> {
    let url = required(cx, t, "url", read::string);
    if let (Some(u), Some(n)) = (&url, t.get("url")) {
        check_scheme(cx, n, u, &["redis", "rediss"]);
    }
    let command = opt(cx, t, "command", read::string_list).unwrap_or_else(|| vec!["PING".into()]);
    if command.is_empty() {
        cx.error(t.node.pos, "`command` must not be empty");
    }
    let ca_file = opt(cx, t, "ca_file", path(k));
    let value = exp(cx, &mut e, "value", read::string);
    let latency_under = exp(cx, &mut e, "latency_under", read::duration);
    let is_ping = command.len() == 1 && command[0].eq_ignore_ascii_case("ping");
    let value = value.or_else(|| is_ping.then(|| "PONG".to_string()));
    Some(RedisSpec {
        url: url?,
        command,
        ca_file,
        expect: RedisExpect {
            value,
            latency_under,
        },
    })
}

// ---------------------------------------------------------------- tcp, dns, exec

fn tcp(cx: &mut Cx, t: &mut Obj, mut e: Option<&mut Obj>) -> Option<TcpSpec> {
    let host = required(cx, t, "host", read::string);
    let port = required(cx, t, "port", read::port);
    let tls = opt(cx, t, "tls", read::boolean).unwrap_or(false);
    let latency_under = exp(cx, &mut e, "latency_under", read::duration);
    Some(TcpSpec {
        host: host?,
        port: port?,
        tls,
        expect: TcpExpect { latency_under },
    })
}

fn dns(cx: &mut Cx, t: &mut Obj, mut e: Option<&mut Obj>) -> Option<DnsSpec> {
    let name = required(cx, t, "name", read::string);
    let record_type = opt(cx, t, "type", |cx, n, f| {
        let s = read::string(cx, n, f)?.to_ascii_uppercase();
        let ty = [
            DnsType::A,
            DnsType::Aaaa,
            DnsType::Cname,
            DnsType::Mx,
            DnsType::Txt,
            DnsType::Ns,
        ]
        .into_iter()
        .find(|t| t.as_str() == s);
        if ty.is_none() {
            cx.error(
                n.pos,
                format!("`{f}` must be one of A, AAAA, CNAME, MX, TXT, NS, found {s:?}"),
            );
        }
        ty
    })
    .unwrap_or(DnsType::A);
    let server = opt(cx, t, "server", |cx, n, f| {
        let s = read::string(cx, n, f)?;
        if unresolved(n) {
            return None;
        }
        let parsed = s
            .parse::<std::net::SocketAddr>()
            .ok()
            .or_else(|| s.parse::<std::net::IpAddr>().ok().map(|ip| (ip, 53).into()));
        if parsed.is_none() {
            cx.error(n.pos, format!("`{f}` must be an IP address with an optional port (10.0.0.2 or 10.0.0.2:5353), found {s:?}"));
        }
        parsed
    });
    let contains = exp(cx, &mut e, "contains", read::string_list).unwrap_or_default();
    let min_answers = exp(cx, &mut e, "min_answers", read::unsigned)
        .map_or(1, |n| n.min(u64::from(u32::MAX)) as u32);
    Some(DnsSpec {
        name: name?,
        record_type,
        server,
        expect: DnsExpect {
            contains,
            min_answers,
        },
    })
}

fn exec(cx: &mut Cx, k: &KindCx, t: &mut Obj, mut e: Option<&mut Obj>) -> Option<ExecSpec> {
    let command = required(cx, t, "command", read::string_list);
    if command
        .as_ref()
        .is_some_and(|c| c.is_empty() || c[0].is_empty())
    {
        cx.error(t.node.pos, "`command` must name a program");
    }
    let env = opt(cx, t, "env", read::string_map).unwrap_or_default();
    let cwd = opt(cx, t, "cwd", path(k));
    let exit_code = exp(cx, &mut e, "exit_code", |cx, n, f| match n.value {
        Value::Int(i) => i32::try_from(i).ok(),
        _ => {
            cx.error(
                n.pos,
                format!("`{f}` must be a number, found {}", type_name(n)),
            );
            None
        }
    })
    .unwrap_or(0);
    let stdout_contains = exp(cx, &mut e, "stdout_contains", read::string_list).unwrap_or_default();
    let stderr_not_contains =
        exp(cx, &mut e, "stderr_not_contains", read::string_list).unwrap_or_default();
    Some(ExecSpec {
        command: command?,
        env,
        cwd,
        expect: ExecExpect {
            exit_code,
            stdout_contains,
            stderr_not_contains,
        },
    })
}
