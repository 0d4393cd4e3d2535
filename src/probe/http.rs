//! `http` probe. (stub: to be implemented)

use tokio::time::Instant;

use super::{Layer, Outcome, ProbeCtx};
use crate::suite::model::HttpSpec;

/// One reqwest client per distinct TLS/redirect/resolve configuration.
#[derive(Default)]
pub struct Clients {}

pub async fn run(_spec: &HttpSpec, _ctx: &ProbeCtx, _deadline: Instant) -> Outcome {
    Outcome::fail(Layer::Config, "the http kind is not implemented yet")
}
