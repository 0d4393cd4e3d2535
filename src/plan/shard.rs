//! (stub)
#[derive(Debug, Clone, Copy)]
pub struct Shard {}
