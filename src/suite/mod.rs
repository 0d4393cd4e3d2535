//! Suite files: YAML → [`raw::Node`] → validated [`model`].

pub mod model;
pub mod raw;
