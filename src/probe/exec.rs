//! `exec` probe. (stub: to be implemented)

use tokio::time::Instant;

use super::{Layer, Outcome, ProbeCtx};
use crate::suite::model::ExecSpec;

pub async fn run(_spec: &ExecSpec, _ctx: &ProbeCtx, _deadline: Instant) -> Outcome {
    Outcome::fail(Layer::Config, "the exec kind is not implemented yet")
}
