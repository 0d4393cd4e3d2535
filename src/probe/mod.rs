//! Probes: one file per kind, each turning a check's spec into an [`Outcome`] that names
//! the layer that failed. Probes share one [`ProbeCtx`] per run (HTTP clients per TLS
//! configuration, trust roots loaded once) and never print.

mod ctx;
pub mod dbs;
pub mod dns;
pub mod exec;
pub mod http;
mod outcome;
pub mod redis;
pub mod tcp;
pub mod tls;
pub mod trust;

pub use ctx::ProbeCtx;
pub use outcome::{Layer, Outcome, Verdict, fmt_budget, fmt_ms};

use std::time::Duration;
use tokio::time::Instant;

use crate::suite::model::Spec;

/// Runs one attempt of a check. `deadline` is when this attempt's timeout expires: probes
/// bound each step by it so a timeout can name the step (connect, tls, body…). The
/// executor also enforces it from outside as a safety net.
pub async fn run(spec: &Spec, ctx: &ProbeCtx, deadline: Instant) -> Outcome {
    let outcome = match spec {
        Spec::Http(s) => http::run(s, ctx, deadline).await,
        Spec::Tls(s) => tls::run(s, ctx, deadline).await,
        Spec::Postgres(s) => dbs::run_postgres(s, ctx, deadline).await,
        Spec::Mysql(s) => dbs::run_mysql(s, ctx, deadline).await,
        Spec::Redis(s) => redis::run(s, ctx, deadline).await,
        Spec::Tcp(s) => tcp::run(s, ctx, deadline).await,
        Spec::Dns(s) => dns::run(s, ctx, deadline).await,
        Spec::Exec(s) => exec::run(s, ctx, deadline).await,
    };
    check_latency(spec.latency_under(), outcome)
}

/// `latency_under` is the same assertion for every kind: applied here once.
fn check_latency(limit: Option<Duration>, outcome: Outcome) -> Outcome {
    let (Some(limit), true) = (limit, outcome.is_pass()) else {
        return outcome;
    };
    let took = outcome
        .details
        .get("latency_ms")
        .and_then(|v| v.as_f64())
        .map(|ms| Duration::from_secs_f64(ms / 1000.0));
    match took {
        Some(took) if took >= limit => {
            let msg = format!("took {}, expected under {}", fmt_ms(took), fmt_ms(limit));
            outcome.into_fail(Layer::Assert, msg)
        }
        _ => outcome,
    }
}

/// Time left before `deadline` (zero if past).
pub fn remaining(deadline: Instant) -> Duration {
    deadline.saturating_duration_since(Instant::now())
}
