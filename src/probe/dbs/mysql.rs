//! `mysql` probe (stub).
use crate::probe::{Layer, Outcome, ProbeCtx};
use crate::suite::model::DbSpec;
use tokio::time::Instant;
pub async fn run(_spec: &DbSpec, _ctx: &ProbeCtx, _deadline: Instant) -> Outcome {
    Outcome::fail(Layer::Config, "todo")
}
