//! junit report (stub: to be implemented).

use crate::exec::RunOutcome;
use crate::plan::Plan;

pub fn render(_plan: &Plan, _outcome: &RunOutcome) -> String {
    String::new()
}
