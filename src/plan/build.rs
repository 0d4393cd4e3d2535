//! (stub)
use super::Plan;

#[derive(Debug, Clone, Default)]
pub struct PlanOptions {}

pub fn build() -> Option<Plan> {
    None
}
