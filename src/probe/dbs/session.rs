//! One attempt of a database check, the same for every engine: connect (a fresh
//! connection, no pool — the check is that a new client can connect, negotiate TLS as the
//! URL demands and log in), run the suite's query, check `expect`, then describe the server
//! for the fact (`PostgreSQL 15.4 · TLS 1.3 · 12ms`) outside the measured time. Every step
//! is bounded by the attempt's deadline, and a timeout names the step.

use std::time::Duration;

use futures_util::future::BoxFuture;
use serde_json::{Map, Value};
use sqlx::{ColumnIndex, Connection, Database, Decode, Executor};
use tokio::time::{Instant, timeout_at};

use super::classify::{self, Context};
use super::rows;
use super::words::{Phase, fmt_budget};
use crate::probe::{Layer, Outcome, ProbeCtx, fmt_ms, remaining};
use crate::suite::model::DbSpec;

type Conn<D> = <<D as Driver>::Db as Database>::Connection;

/// What an engine brings: how to connect, how to describe the server, and the words.
pub(crate) trait Driver: Sync {
    type Db: Database;

    fn context(&self, phase: Phase) -> Context<'_>;
    /// Known before connecting: address, user, database, TLS mode.
    fn details(&self) -> Map<String, Value>;
    /// About the URL (ignored parameters), shown whatever the outcome.
    fn warnings(&self) -> &[String];
    fn connect(&self) -> BoxFuture<'_, Result<Conn<Self>, sqlx::Error>>;
    /// Version and TLS state; best effort, never fails the check.
    fn describe<'c>(
        &'c self,
        conn: &'c mut Conn<Self>,
        deadline: Instant,
    ) -> BoxFuture<'c, ServerInfo>;

    /// After the driver rejected the server's certificate: the `tls` kind's account of
    /// what is wrong with it, from a second handshake (only on this failure path).
    fn explain_certificate<'a>(
        &'a self,
        _ctx: &'a ProbeCtx,
        _deadline: Instant,
    ) -> BoxFuture<'a, Option<String>> {
        Box::pin(async { None })
    }
}

/// What the fact says about the server.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct ServerInfo {
    /// `PostgreSQL`, `MariaDB`, `MySQL`.
    pub product: &'static str,
    /// As the server reports it, e.g. `15.4 (Debian 15.4-1)`.
    pub version: Option<String>,
    /// `None`: unknown (TLS was optional and the server would not say).
    pub encrypted: Option<bool>,
    /// `TLSv1.3`.
    pub tls_version: Option<String>,
}

impl ServerInfo {
    /// `PostgreSQL 15.4 · TLS 1.3 · 12ms`.
    pub fn fact(&self, latency: Duration) -> String {
        let mut parts = Vec::new();
        parts.push(match self.short_version() {
            Some(v) => format!("{} {v}", self.product),
            None => self.product.to_string(),
        });
        match (self.encrypted, &self.tls_version) {
            (Some(true), Some(v)) => parts.push(v.replace("TLSv", "TLS ")),
            (Some(true), None) => parts.push("TLS".to_string()),
            (Some(false), _) => parts.push("no TLS".to_string()),
            (None, _) => {}
        }
        parts.push(fmt_ms(latency));
        parts.join(" · ")
    }

    /// `15.4 (Debian …)` → `15.4`; `10.11.6-MariaDB-0+deb12u1` → `10.11.6`.
    fn short_version(&self) -> Option<&str> {
        let v = self.version.as_deref()?.split_whitespace().next()?;
        v.split('-').next().filter(|s| !s.is_empty())
    }

    fn add_details(&self, details: &mut Map<String, Value>) {
        if let Some(v) = &self.version {
            details.insert("server_version".into(), v.clone().into());
        }
        let tls = self.encrypted.map(Value::from).unwrap_or(Value::Null);
        details.insert("tls".into(), tls);
        if let Some(v) = &self.tls_version {
            details.insert("tls_version".into(), v.clone().into());
        }
    }
}

pub(crate) async fn attempt<D>(
    driver: &D,
    spec: &DbSpec,
    ctx: &ProbeCtx,
    deadline: Instant,
) -> Outcome
where
    D: Driver,
    for<'c> &'c mut Conn<D>: Executor<'c, Database = D::Db>,
    usize: ColumnIndex<<D::Db as Database>::Row>,
    for<'r> &'r str: Decode<'r, D::Db>,
    for<'r> &'r [u8]: Decode<'r, D::Db>,
{
    let started = Instant::now();
    let budget = fmt_budget(remaining(deadline));
    let mut details = driver.details();
    let finish = |outcome: Outcome, details: Map<String, Value>| {
        let mut outcome = outcome;
        outcome.details.extend(details);
        outcome.warnings.extend(driver.warnings().iter().cloned());
        outcome
    };

    let connected = timeout_at(deadline, driver.connect()).await;
    details.insert("latency_ms".into(), ms(started.elapsed()).into());
    let mut conn = match connected {
        Err(_) => {
            let addr = driver.context(Phase::Connect).addr;
            let msg = format!("timed out after {budget} connecting to {addr}");
            return finish(Outcome::fail(Layer::Connect, msg), details);
        }
        Ok(Err(e)) => {
            let cx = driver.context(Phase::Connect);
            let failure = classify::classify(&e, &cx);
            if let Some(code) = &failure.sqlstate {
                details.insert("sqlstate".into(), code.clone().into());
            }
            let mut message = failure.message;
            if let Some(cert) = &failure.certificate
                && let Some(words) = driver.explain_certificate(ctx, deadline).await
            {
                message = words;
                if matches!(cert, rustls::CertificateError::UnknownIssuer) {
                    message = format!("{message}; {}", cx.tls_hint);
                }
            }
            return finish(Outcome::fail(failure.layer, message), details);
        }
        Ok(Ok(conn)) => conn,
    };
    let connect_time = started.elapsed();
    details.insert("connect_ms".into(), ms(connect_time).into());

    let queried = timeout_at(deadline, rows::run_query::<D::Db>(&mut conn, &spec.query)).await;
    let latency = started.elapsed();
    details.insert("latency_ms".into(), ms(latency).into());
    details.insert(
        "query_ms".into(),
        ms(latency.saturating_sub(connect_time)).into(),
    );

    let result = match queried {
        Err(_) => {
            // Dropping the connection is all we can do (sqlx sends no cancel request): the
            // server stops the statement when it notices the client is gone.
            let msg = format!(
                "timed out after {budget} waiting for the query (connected in {})",
                fmt_ms(connect_time)
            );
            return finish(Outcome::fail(Layer::Query, msg), details);
        }
        Ok(Err(e)) => {
            let (layer, message) = failure(&e, &driver.context(Phase::Query), &mut details);
            if layer == Layer::Query {
                // The session survived its statement: describe the server for the reader.
                driver
                    .describe(&mut conn, deadline)
                    .await
                    .add_details(&mut details);
                close(conn, deadline).await;
            }
            return finish(Outcome::fail(layer, message), details);
        }
        Ok(Ok(result)) => result,
    };
    rows::details(&result, &mut details);
    let server = driver.describe(&mut conn, deadline).await;
    server.add_details(&mut details);
    close(conn, deadline).await;

    let fact = server.fact(latency);
    let outcome = match rows::check(&spec.expect, &result) {
        Ok(()) => Outcome::pass(fact),
        Err(msg) => Outcome::fail(Layer::Assert, msg).with_fact(fact),
    };
    finish(outcome, details)
}

fn failure(
    err: &sqlx::Error,
    cx: &Context<'_>,
    details: &mut Map<String, Value>,
) -> (Layer, String) {
    let failure = classify::classify(err, cx);
    if let Some(code) = failure.sqlstate {
        details.insert("sqlstate".into(), code.into());
    }
    (failure.layer, failure.message)
}

/// A graceful goodbye (Terminate / COM_QUIT, TLS close_notify) keeps server logs free of
/// "unexpected EOF on client connection"; it is not part of the measured latency.
async fn close<C: Connection>(conn: C, deadline: Instant) {
    let grace = deadline.max(Instant::now() + Duration::from_millis(100));
    let _ = timeout_at(grace, conn.close()).await;
}

/// sqlx prefixes configuration errors with "error with configuration: ".
pub(crate) fn config_reason(e: &sqlx::Error) -> String {
    let text = e.to_string();
    text.strip_prefix("error with configuration: ")
        .unwrap_or(&text)
        .to_string()
}

/// Milliseconds with two decimals, the unit of every `*_ms` detail.
pub(crate) fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 100_000.0).round() / 100.0
}

/// The first row's columns as text, for introspection queries that return several.
pub(crate) async fn first_row_texts<DB>(
    conn: &mut DB::Connection,
    sql: &'static str,
    deadline: Instant,
) -> Option<Vec<Option<String>>>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    usize: ColumnIndex<DB::Row>,
    for<'r> &'r str: Decode<'r, DB>,
{
    use sqlx::Row;
    let row = timeout_at(deadline, sqlx::raw_sql(sql).fetch_optional(conn))
        .await
        .ok()?
        .ok()??;
    let texts = (0..row.columns().len())
        .map(|i| {
            row.try_get_unchecked::<Option<&str>, usize>(i)
                .ok()
                .flatten()
                .map(str::to_string)
        })
        .collect();
    Some(texts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facts() {
        let pg = ServerInfo {
            product: "PostgreSQL",
            version: Some("15.20 (Debian 15.20-0+deb12u1)".into()),
            encrypted: Some(true),
            tls_version: Some("TLSv1.3".into()),
        };
        assert_eq!(
            pg.fact(Duration::from_millis(12)),
            "PostgreSQL 15.20 · TLS 1.3 · 12ms"
        );
        let maria = ServerInfo {
            product: "MariaDB",
            version: Some("10.11.19-MariaDB-0+deb12u1".into()),
            encrypted: Some(false),
            tls_version: None,
        };
        assert_eq!(
            maria.fact(Duration::from_millis(5)),
            "MariaDB 10.11.19 · no TLS · 5ms"
        );
        let unknown = ServerInfo {
            product: "MySQL",
            ..ServerInfo::default()
        };
        assert_eq!(unknown.fact(Duration::from_millis(5)), "MySQL · 5ms");
    }

    #[test]
    fn ms_has_two_decimals() {
        assert_eq!(ms(Duration::from_micros(12_345)), 12.35);
    }
}
