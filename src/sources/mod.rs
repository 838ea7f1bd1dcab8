//! Where access is read from: one module per system. Each reads its API, export file or snapshot
//! section into the neutral model of [`crate::access`], and nothing else.

pub mod accounts;
pub mod aws;
pub mod github;
pub mod snapshot;
