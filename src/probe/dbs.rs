//! `postgres` and `mysql` probes. (stub: to be implemented)

use tokio::time::Instant;

use super::{Layer, Outcome, ProbeCtx};
use crate::suite::model::DbSpec;

pub async fn run_postgres(_spec: &DbSpec, _ctx: &ProbeCtx, _deadline: Instant) -> Outcome {
    Outcome::fail(Layer::Config, "the postgres kind is not implemented yet")
}

pub async fn run_mysql(_spec: &DbSpec, _ctx: &ProbeCtx, _deadline: Instant) -> Outcome {
    Outcome::fail(Layer::Config, "the mysql kind is not implemented yet")
}
