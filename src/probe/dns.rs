//! `dns` probe. (stub: to be implemented)

use tokio::time::Instant;

use super::{Layer, Outcome, ProbeCtx};
use crate::suite::model::DnsSpec;

pub async fn run(_spec: &DnsSpec, _ctx: &ProbeCtx, _deadline: Instant) -> Outcome {
    Outcome::fail(Layer::Config, "the dns kind is not implemented yet")
}
