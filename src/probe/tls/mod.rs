//! The `tls` kind: certificate checks that get wildcards right (RFC 6125), look at every
//! certificate the server presents, and say precisely what is wrong. Also the certificate
//! inspection other probes use ([`inspect`], [`explain`], [`expiry_shortfall`]).

mod certs;
mod diagnose;
mod handshake;
mod inspect;
mod names;
mod probe;
mod verify;

pub use certs::{CertSummary, Role, San, summarize, summarize_chain};
pub use diagnose::{
    chain_trusted, cover, date_problem, expiry_shortfall, explain, fmt_duration, name_problem,
    trust_problem,
};
pub use inspect::{Inspection, Inspector, Target, inspect};
pub use names::{Reference, find_cover, san_matches};
pub use probe::{evaluate, run};
pub use verify::AcceptAnyCertificate;
