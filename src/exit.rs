//! Exit codes (SPEC §1): stable, documented, tested.

/// Every selected critical check passed (flaky and warnings do not fail the run).
pub const OK: u8 = 0;
/// At least one critical check failed or timed out (or the readiness gate never opened).
pub const CHECK_FAILED: u8 = 1;
/// Usage or suite error: nothing was run.
pub const USAGE: u8 = 2;
/// Interrupted (Ctrl-C / SIGTERM); reports were still written with what finished.
pub const INTERRUPTED: u8 = 130;
