//! The commands of the binary. Only this crate writes to stdout/stderr.

pub mod demo;
pub mod init;
pub mod inspect;
pub mod run;
pub mod watch;
