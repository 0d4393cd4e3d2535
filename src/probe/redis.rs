//! `redis` probe. (stub: to be implemented)

use tokio::time::Instant;

use super::{Layer, Outcome, ProbeCtx};
use crate::suite::model::RedisSpec;

pub async fn run(_spec: &RedisSpec, _ctx: &ProbeCtx, _deadline: Instant) -> Outcome {
    Outcome::fail(Layer::Config, "the redis kind is not implemented yet")
}
