//! `tcp` probe. (stub: to be implemented)

use tokio::time::Instant;

use super::{Layer, Outcome, ProbeCtx};
use crate::suite::model::TcpSpec;

pub async fn run(_spec: &TcpSpec, _ctx: &ProbeCtx, _deadline: Instant) -> Outcome {
    Outcome::fail(Layer::Config, "the tcp kind is not implemented yet")
}
