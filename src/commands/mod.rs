//! Command runners: load inputs, call the pure engines, render, and choose the exit code.
//! Nothing here is printed to stdout but the report; messages go to stderr.

pub mod changes;
pub mod check;
pub mod common;
pub mod drift;
pub mod explain;
pub mod fix;
pub mod live;
pub mod review;
pub mod roster;
pub mod snapshot;

use crate::cli::{Cli, Command};
use crate::report::Format;

/// Run a parsed command line and return the exit code.
pub fn run(cli: Cli) -> u8 {
    common::init_logging(&cli.global);
    let global = &cli.global;
    let (name, formats) = formats(&cli.command);
    common::set_command_name(name);
    if !formats.contains(&global.format) {
        let names: Vec<&str> = formats.iter().map(|f| f.as_str()).collect();
        crate::errln!(
            "error: --format {} is not available for `{name}`; use {}",
            global.format.as_str(),
            names.join(", ")
        );
        return crate::exit::USAGE;
    }
    match cli.command {
        Command::Check(args) => check::run(global, args),
        Command::Drift(args) => drift::run(global, args),
        Command::Snapshot(args) => snapshot::run(global, args),
        Command::Review(args) => review::run(global, args),
        Command::Fix(args) => fix::run(global, args),
        Command::Roster(args) => roster::run(global, args),
        Command::Changes(args) => changes::run(global, args),
        Command::Explain(args) => explain::run(global, args),
    }
}

/// The command's name and the `--format`s it renders.
fn formats(command: &Command) -> (&'static str, &'static [Format]) {
    const REPORT: &[Format] = &[Format::Text, Format::Json, Format::Markdown, Format::Github];
    match command {
        Command::Check(_) => ("check", REPORT),
        Command::Drift(_) => ("drift", REPORT),
        Command::Snapshot(_) => ("snapshot", REPORT),
        Command::Review(_) => ("review", REPORT),
        Command::Fix(_) => ("fix", REPORT),
        Command::Explain(_) => ("explain", &[Format::Text, Format::Json, Format::Markdown]),
        Command::Changes(_) => (
            "changes",
            &[Format::Text, Format::Json, Format::Markdown, Format::Csv],
        ),
        Command::Roster(_) => (
            "roster",
            &[
                Format::Text,
                Format::Json,
                Format::Markdown,
                Format::Csv,
                Format::Html,
            ],
        ),
    }
}
