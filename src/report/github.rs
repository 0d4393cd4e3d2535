//! GitHub Actions annotations and step summary (stub: to be implemented).

use crate::exec::RunOutcome;
use crate::plan::Plan;

/// `::error title=…::…` lines for failed checks, `::warning` for warned ones.
pub fn annotations(_plan: &Plan, _outcome: &RunOutcome) -> String {
    String::new()
}

/// Markdown table for `$GITHUB_STEP_SUMMARY`.
pub fn summary_markdown(_plan: &Plan, _outcome: &RunOutcome) -> String {
    String::new()
}
