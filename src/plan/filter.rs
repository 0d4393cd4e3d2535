//! (stub)
#[derive(Debug, Clone, Default)]
pub struct Filters {}

pub fn glob_match(_pattern: &str, _text: &str) -> bool {
    false
}
