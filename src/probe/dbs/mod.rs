//! Database and cache probes: `postgres` and `mysql` (sqlx, one connection per attempt),
//! plus what they share with the `redis` probe — network and TLS errors in plain words, and
//! masking of the connection URL's password.

mod classify;
mod mysql;
mod params;
mod postgres;
mod redact;
mod rows;
mod session;
mod words;

pub use mysql::run as run_mysql;
pub use postgres::run as run_postgres;

pub(crate) use params::{host_port, parse_url, unknown_params};
pub(crate) use redact::Redactor;
pub(crate) use rows::snippet;
pub(crate) use words::{Phase, fmt_budget, io_failure, io_reason};
