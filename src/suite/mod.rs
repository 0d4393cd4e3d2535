//! Suite files: bytes → [`raw::Node`] tree (the only YAML-aware code) → [`load::Document`]s
//! → per environment, after substitution, a validated [`validate::Suite`] of [`model`] checks.

pub mod diag;
pub mod duration;
mod fields;
pub mod kinds;
pub mod load;
pub mod model;
pub mod raw;
pub mod read;
pub mod schema;
pub mod validate;
