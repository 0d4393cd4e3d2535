//! The terminal report (SPEC §4): `pretty` for people at a terminal, `plain` for logs.

mod lines;
mod reporter;

pub use reporter::{Format, TermOptions, Terminal, Verbosity};
