//! The built-in demo target: real HTTP, HTTPS (own CA, optional mTLS) and a hanging TCP
//! listener on 127.0.0.1, used by `smokecheck demo`, by the tests and by the benchmark.

mod body;
mod certs;
mod routes;
mod server;

pub use certs::SERVER_NAMES;
pub use server::{Target, start};
