//! Command runners: load inputs, call the pure engines, render, and choose the exit code.
//! Nothing here is printed to stdout but the report; messages go to stderr.

pub mod check;
pub mod common;
pub mod drift;
pub mod fix;
pub mod live;
pub mod review;
pub mod snapshot;

use crate::cli::{Cli, Command};

/// Run a parsed command line and return the exit code.
pub fn run(cli: Cli) -> u8 {
    common::init_logging(&cli.global);
    let global = &cli.global;
    match cli.command {
        Command::Check(args) => check::run(global, args),
        Command::Drift(args) => drift::run(global, args),
        Command::Snapshot(args) => snapshot::run(global, args),
        Command::Review(args) => review::run(global, args),
        Command::Fix(args) => fix::run(global, args),
    }
}
