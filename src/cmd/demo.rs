//! `smokecheck demo`: TODO
use crate::cli::DemoArgs;
pub fn command(_args: &DemoArgs) -> u8 {
    0
}
