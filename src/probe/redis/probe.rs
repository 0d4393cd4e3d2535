//! One `redis` attempt: the target from the URL, TCP (or a Unix socket), TLS through
//! [`super::tls`], login and command through the `redis` crate, and the fact.

use std::path::PathBuf;
use std::time::Duration;

use redis::aio::MultiplexedConnection;
use redis::{
    AsyncConnectionConfig, ConnectionAddr, IntoConnectionInfo, RedisConnectionInfo, Value,
};
use rustls::pki_types::ServerName;
use serde_json::{Map, Value as Json};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout_at};

use super::reply::{config_reason, failure, render, server_failure};
use super::tls::{TLS_HINT, connector, explain_certificate, rejected_certificate};
use crate::probe::dbs::{self, Phase, Redactor};
use crate::probe::{Layer, Outcome, ProbeCtx, fmt_ms, remaining};
use crate::suite::model::RedisSpec;

const SCHEMES: &[&str] = &[
    "redis",
    "rediss",
    "valkey",
    "valkeys",
    "redis+unix",
    "valkey+unix",
    "unix",
];
/// Query parameters the crate reads (`db`, `user`, `pass` for unix sockets).
const KNOWN_PARAMS: &[&str] = &["protocol", "db", "user", "pass"];

pub async fn run(spec: &RedisSpec, ctx: &ProbeCtx, deadline: Instant) -> Outcome {
    let redact = Redactor::from_url(&spec.url);
    let outcome = match Target::parse(spec) {
        Ok(target) => attempt(spec, &target, ctx, deadline).await,
        Err(message) => Outcome::fail(Layer::Config, message),
    };
    redact.outcome(outcome)
}

enum Endpoint {
    Tcp {
        host: String,
        port: u16,
        tls: Option<Tls>,
    },
    Unix(PathBuf),
}

struct Tls {
    /// `rediss://…#insecure`: the certificate is not verified (said in a warning).
    insecure: bool,
}

struct Target {
    endpoint: Endpoint,
    /// `host:port` or the socket path, for messages.
    addr: String,
    /// Protocol settings for the crate; the login itself is ours (see [`login`]).
    protocol: RedisConnectionInfo,
    username: Option<String>,
    password: Option<String>,
    db: i64,
    warnings: Vec<String>,
}

impl Target {
    fn parse(spec: &RedisSpec) -> Result<Self, String> {
        let url = dbs::parse_url(&spec.url, "redis", SCHEMES)?;
        let mut warnings = dbs::unknown_params(&url, KNOWN_PARAMS);
        let info = spec
            .url
            .as_str()
            .into_connection_info()
            .map_err(|e| format!("invalid redis URL: {}", config_reason(&e)))?;
        let endpoint = match info.addr() {
            ConnectionAddr::Tcp(host, port) => Endpoint::Tcp {
                host: host.clone(),
                port: *port,
                tls: None,
            },
            ConnectionAddr::TcpTls {
                host,
                port,
                insecure,
                ..
            } => Endpoint::Tcp {
                host: host.clone(),
                port: *port,
                tls: Some(Tls {
                    insecure: *insecure,
                }),
            },
            ConnectionAddr::Unix(path) => Endpoint::Unix(path.clone()),
            _ => return Err("unsupported redis address".to_string()),
        };
        let addr = match &endpoint {
            Endpoint::Tcp { host, port, .. } => dbs::host_port(host, *port),
            Endpoint::Unix(path) => path.display().to_string(),
        };
        let tls = matches!(&endpoint, Endpoint::Tcp { tls: Some(_), .. });
        if spec.ca_file.is_some() && !tls {
            warnings.push("ca_file is ignored: the URL is not rediss:// (no TLS)".to_string());
        }
        if matches!(
            &endpoint,
            Endpoint::Tcp {
                tls: Some(Tls { insecure: true }),
                ..
            }
        ) {
            warnings.push("TLS certificate not verified (#insecure in the URL)".to_string());
        }
        let settings = info.redis_settings();
        // The crate would send AUTH/SELECT itself but replaces a refused AUTH's reply with
        // "Password authentication failed"; we send them so WRONGPASS & co. reach the
        // report. No CLIENT SETINFO either: nothing for the server to refuse.
        let protocol = RedisConnectionInfo::default()
            .set_protocol(settings.protocol())
            .set_skip_set_lib_name();
        Ok(Target {
            endpoint,
            addr,
            protocol,
            username: settings.username().map(str::to_string),
            password: settings.password().map(str::to_string),
            db: settings.db(),
            warnings,
        })
    }
}

/// Steps and timings of one attempt, filled as it goes.
struct Attempt<'a> {
    target: &'a Target,
    started: Instant,
    budget: String,
    details: Map<String, Json>,
}

impl Attempt<'_> {
    fn finish(mut self, mut outcome: Outcome) -> Outcome {
        self.details
            .entry("latency_ms")
            .or_insert_with(|| ms(self.started.elapsed()).into());
        outcome.details.extend(self.details);
        outcome
            .warnings
            .extend(self.target.warnings.iter().cloned());
        outcome
    }

    fn timed_out(&self, what: &str) -> String {
        format!("timed out after {} {what}", self.budget)
    }
}

async fn attempt(spec: &RedisSpec, target: &Target, ctx: &ProbeCtx, deadline: Instant) -> Outcome {
    let mut run = Attempt {
        target,
        started: Instant::now(),
        budget: dbs::fmt_budget(remaining(deadline)),
        details: Map::new(),
    };
    run.details
        .insert("address".into(), target.addr.clone().into());
    run.details.insert("db".into(), target.db.into());

    match &target.endpoint {
        Endpoint::Unix(path) => {
            match timeout_at(deadline, tokio::net::UnixStream::connect(path)).await {
                Err(_) => {
                    let msg = run.timed_out(&format!("connecting to {}", target.addr));
                    run.finish(Outcome::fail(Layer::Connect, msg))
                }
                Ok(Err(e)) => {
                    let (layer, msg) =
                        dbs::io_failure(&e, &target.addr, &target.addr, Phase::Connect, "");
                    run.finish(Outcome::fail(layer, msg))
                }
                Ok(Ok(stream)) => session(spec, run, stream, None, deadline).await,
            }
        }
        Endpoint::Tcp { host, port, tls } => {
            let tcp = match timeout_at(deadline, TcpStream::connect((host.as_str(), *port))).await {
                Err(_) => {
                    let msg = run.timed_out(&format!("connecting to {}", target.addr));
                    return run.finish(Outcome::fail(Layer::Connect, msg));
                }
                Ok(Err(e)) => {
                    let (layer, msg) = dbs::io_failure(&e, &target.addr, host, Phase::Connect, "");
                    return run.finish(Outcome::fail(layer, msg));
                }
                Ok(Ok(tcp)) => tcp,
            };
            let _ = tcp.set_nodelay(true);
            run.details
                .insert("connect_ms".into(), ms(run.started.elapsed()).into());
            let Some(tls) = tls else {
                return session(spec, run, tcp, None, deadline).await;
            };
            let connector = match connector(ctx, spec.ca_file.as_deref(), tls.insecure) {
                Ok(c) => c,
                Err(msg) => return run.finish(Outcome::fail(Layer::Config, msg)),
            };
            let name = match ServerName::try_from(host.clone()) {
                Ok(name) => name,
                Err(_) => {
                    let msg = format!("{host} is not a valid TLS server name");
                    return run.finish(Outcome::fail(Layer::Config, msg));
                }
            };
            match timeout_at(deadline, connector.connect(name, tcp)).await {
                Err(_) => {
                    let msg = run.timed_out(&format!(
                        "in the TLS handshake with {} (does it speak TLS on this port?)",
                        target.addr
                    ));
                    run.finish(Outcome::fail(Layer::Tls, msg))
                }
                Ok(Err(e)) => {
                    let (layer, mut msg) =
                        dbs::io_failure(&e, &target.addr, host, Phase::Handshake, TLS_HINT);
                    if let Some(cert) = rejected_certificate(&e) {
                        let place = (host.as_str(), *port, spec.ca_file.as_deref());
                        if let Some(words) = explain_certificate(place, ctx, deadline).await {
                            msg = match cert {
                                rustls::CertificateError::UnknownIssuer => {
                                    format!("{words}; {TLS_HINT}")
                                }
                                _ => words,
                            };
                        }
                    }
                    run.finish(Outcome::fail(layer, msg))
                }
                Ok(Ok(stream)) => {
                    let version = stream
                        .get_ref()
                        .1
                        .protocol_version()
                        .and_then(|v| v.as_str());
                    let version =
                        version.map(|v| v.replace("TLSv1_", "TLS 1.").replace("TLSv", "TLS "));
                    run.details
                        .insert("tls_ms".into(), ms(run.started.elapsed()).into());
                    session(
                        spec,
                        run,
                        stream,
                        Some(version.unwrap_or_else(|| "TLS".into())),
                        deadline,
                    )
                    .await
                }
            }
        }
    }
}

/// Login, command, reply: the part the `redis` crate speaks.
async fn session<S>(
    spec: &RedisSpec,
    mut run: Attempt<'_>,
    stream: S,
    tls: Option<String>,
    deadline: Instant,
) -> Outcome
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let target = run.target;
    // No response timeout of the crate's own: every request here is bounded by `deadline`.
    let config = AsyncConnectionConfig::new().set_response_timeout(None);
    let setup = async {
        let (mut conn, driver) =
            MultiplexedConnection::new_with_config(&target.protocol, stream, config).await?;
        let driver = AbortOnDrop(tokio::spawn(driver));
        login(&mut conn, target).await?;
        Ok::<_, redis::RedisError>((conn, driver))
    };
    let (mut conn, driver) = match timeout_at(deadline, setup).await {
        Err(_) => {
            // Silence after connecting is the server's (or a proxy's) problem, not ours.
            let msg = run.timed_out(&format!("waiting for {} to answer the login", target.addr));
            return run.finish(Outcome::fail(Layer::Connect, msg));
        }
        Ok(Err(e)) => {
            let (layer, msg) = failure(&e, &target.addr, Phase::Connect);
            return run.finish(Outcome::fail(layer, msg));
        }
        Ok(Ok(pair)) => pair,
    };
    let argv = command(spec);
    let mut cmd = redis::cmd(&argv[0]);
    for arg in &argv[1..] {
        cmd.arg(arg);
    }
    let reply = timeout_at(deadline, conn.send_packed_command(&cmd)).await;
    let latency = run.started.elapsed();
    run.details.insert("latency_ms".into(), ms(latency).into());
    let reply = match reply {
        Err(_) => {
            let msg = run.timed_out(&format!("waiting for the reply to {}", argv[0]));
            return run.finish(Outcome::fail(Layer::Query, msg));
        }
        Ok(Err(e)) => Err(failure(&e, &target.addr, Phase::Query)),
        Ok(Ok(Value::ServerError(e))) => Err(server_failure(e.code(), e.details(), Phase::Query)),
        Ok(Ok(value)) => Ok(render(&value)),
    };
    let version = match &reply {
        Err((Layer::Connect, _)) => None,
        _ => server_version(&mut conn, deadline).await,
    };
    drop(driver);
    if let Some(v) = &version {
        run.details
            .insert("server_version".into(), v.clone().into());
    }
    run.details.insert("tls".into(), tls.is_some().into());
    if let Some(t) = &tls {
        run.details.insert("tls_version".into(), t.clone().into());
    }
    let text = match reply {
        Err((layer, msg)) => return run.finish(Outcome::fail(layer, msg)),
        Ok(text) => text,
    };
    run.details
        .insert("reply".into(), dbs::snippet(&text).into());
    let fact = fact(version.as_deref(), tls.as_deref(), &text, latency);
    let outcome = match expected(spec, &argv) {
        Some(want) if want != text => {
            let msg = format!("reply was {:?}, expected {want:?}", dbs::snippet(&text));
            Outcome::fail(Layer::Assert, msg).with_fact(fact)
        }
        _ => Outcome::pass(fact),
    };
    run.finish(outcome)
}

/// AUTH (with the URL's user, if any) and SELECT, as the crate would, but with the
/// server's own words when it refuses.
async fn login(conn: &mut MultiplexedConnection, target: &Target) -> Result<(), redis::RedisError> {
    if let Some(password) = &target.password {
        let mut auth = redis::cmd("AUTH");
        if let Some(user) = &target.username {
            auth.arg(user);
        }
        auth.arg(password);
        refused(conn.send_packed_command(&auth).await?)?;
    }
    if target.db != 0 {
        let mut select = redis::cmd("SELECT");
        select.arg(target.db);
        refused(conn.send_packed_command(&select).await?)?;
    }
    Ok(())
}

/// An error reply as an error.
fn refused(reply: Value) -> Result<(), redis::RedisError> {
    match reply {
        Value::ServerError(e) => Err(e.into()),
        _ => Ok(()),
    }
}

/// `[PING]` unless the suite says otherwise.
fn command(spec: &RedisSpec) -> Vec<String> {
    if spec.command.is_empty() {
        vec!["PING".to_string()]
    } else {
        spec.command.clone()
    }
}

/// `expect.value`, or `PONG` for a bare `PING`.
fn expected<'a>(spec: &'a RedisSpec, argv: &[String]) -> Option<&'a str> {
    match &spec.expect.value {
        Some(v) => Some(v.as_str()),
        None if argv.len() == 1 && argv[0].eq_ignore_ascii_case("PING") => Some("PONG"),
        None => None,
    }
}

/// `Redis 7.2.4 · TLS 1.3 · PONG · 1ms`.
fn fact(version: Option<&str>, tls: Option<&str>, reply: &str, latency: Duration) -> String {
    let mut parts = vec![match version {
        Some(v) => format!("Redis {v}"),
        None => "Redis".to_string(),
    }];
    parts.extend(tls.map(str::to_string));
    // One short line: a multi-line reply (INFO) is summed up by its start.
    let first = reply.lines().next().unwrap_or("").trim_end();
    let short: String = first.chars().take(40).collect();
    parts.push(if short.len() < reply.trim_end().len() {
        format!("{short}…")
    } else {
        short
    });
    parts.push(fmt_ms(latency));
    parts.join(" · ")
}

/// `redis_version` from `INFO server`, outside the measured time; best effort (INFO may
/// be renamed away or denied by ACLs).
async fn server_version(conn: &mut MultiplexedConnection, deadline: Instant) -> Option<String> {
    let mut info = redis::cmd("INFO");
    info.arg("server");
    let reply = timeout_at(deadline, conn.send_packed_command(&info))
        .await
        .ok()?
        .ok()?;
    let text = render(&reply);
    text.lines()
        .find_map(|line| line.trim().strip_prefix("redis_version:"))
        .map(str::to_string)
}

/// Aborts the connection's I/O task when the attempt is over.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 100_000.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ping_expects_pong_by_default() {
        let spec = RedisSpec {
            url: "redis://h".into(),
            command: vec![],
            ca_file: None,
            expect: Default::default(),
        };
        assert_eq!(expected(&spec, &command(&spec)), Some("PONG"));
        let get = vec!["GET".to_string(), "k".to_string()];
        assert_eq!(expected(&spec, &get), None);
    }

    #[test]
    fn facts() {
        assert_eq!(
            fact(Some("7.0.15"), None, "PONG", Duration::from_millis(1)),
            "Redis 7.0.15 · PONG · 1ms"
        );
        let long = "x".repeat(100);
        assert!(
            fact(None, Some("TLS 1.3"), &long, Duration::ZERO)
                .starts_with("Redis · TLS 1.3 · xxxx")
        );
        let info = "# Server\r\nredis_version:7.0.15\r\n";
        assert_eq!(
            fact(None, None, info, Duration::ZERO),
            "Redis · # Server… · 0ms"
        );
    }

    #[test]
    fn bad_urls_are_config() {
        let spec = |url: &str| RedisSpec {
            url: url.into(),
            command: vec![],
            ca_file: None,
            expect: Default::default(),
        };
        assert!(Target::parse(&spec("http://h")).is_err());
        let err = Target::parse(&spec("redis://h/notanumber")).err().unwrap();
        assert!(err.starts_with("invalid redis URL: "), "{err}");
    }
}
