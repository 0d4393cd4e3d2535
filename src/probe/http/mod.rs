//! `http` probe: one request on a client shared by every check with the same connection
//! configuration, the body read up to `max_body`, then the expectations. Failures name
//! their layer: `dns`, `connect`, `tls`, `http`, `assert`, or the step that timed out.

mod assert;
mod cert;
mod client;
pub(crate) mod errors;
mod first;
mod progress;
mod run;

pub use client::Clients;
pub use errors::tls_error_message;
pub use run::{INSECURE_WARNING, run};
