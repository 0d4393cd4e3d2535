//! `redis` probe: connect (TCP, and TLS for `rediss://`), log in (AUTH with the URL's
//! user/password, SELECT the URL's database), send one command, compare the reply.
//!
//! We open the socket and do the TLS handshake ourselves and hand the stream to the
//! `redis` crate for the protocol. That way each step is bounded and named on its own
//! (`connect`, `tls`, `auth`, `query`), `ca_file` is an *extra* trust anchor on top of the
//! run's cached system roots (the crate would reload the system store per connection, and
//! a custom root would replace it), and certificate problems read as in the `tls` kind.

mod probe;
mod reply;
mod tls;

pub use probe::run;
