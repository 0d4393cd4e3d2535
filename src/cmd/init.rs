//! `smokecheck init`: TODO
use std::path::Path;
pub fn command(_dir: Option<&Path>) -> u8 {
    0
}
