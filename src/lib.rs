//! access-reconciler keeps GOV.UK's production access config (`govuk_tech.yml`) and the
//! membership of the GitHub teams it grants in agreement.
//!
//! Pure logic (config parsing, policy, drift, review, edits, rendering) does no I/O; the GitHub
//! client lives behind [`sources::github`], and the command runners in [`commands`] tie them together.

pub mod access;
pub mod changes;
pub mod cli;
pub mod commands;
pub mod config;
pub mod drift;
pub mod engine;
pub mod evidence;
pub mod exceptions;
pub mod exit;
pub mod explain;
pub mod finding;
pub mod fix;
pub mod fsutil;
pub mod jsonin;
pub mod output;
pub mod policy;
pub mod report;
pub mod review;
pub mod roster;
pub mod sources;
pub mod system;

#[cfg(test)]
mod layering;
