//! What every command needs: inputs loaded, the date, colour, logging, and writing the report.

use std::io::{IsTerminal, Write};
use std::path::Path;

use chrono::NaiveDate;

use crate::cli::{ColorChoice, GlobalArgs};
use crate::config::{self, Config, ConfigErrors, Mapping};
use crate::report::Color;

/// Load the mapping named by `--mapping`, or the built-in one.
pub fn load_mapping(global: &GlobalArgs) -> Result<Mapping, ConfigErrors> {
    match &global.mapping {
        None => Ok(Mapping::builtin()),
        Some(path) => {
            let display = path.display().to_string();
            let text = config::read_file(path, &display)?;
            Mapping::parse(&display, &text)
        }
    }
}

/// Load and validate a config file against the mapping's roles.
pub fn load_config(path: &Path, mapping: &Mapping) -> Result<Config, ConfigErrors> {
    let display = path.display().to_string();
    let text = config::read_file(path, &display)?;
    config::people::parse(&display, &text, mapping)
}

/// `--today`, or today's date in UTC.
pub fn today(global: &GlobalArgs) -> Result<NaiveDate, String> {
    match &global.today {
        None => Ok(chrono::Utc::now().date_naive()),
        // Strict, as in the config: `26-11-28` would otherwise be the year 26.
        Some(s) => crate::config::check::parse_date(s)
            .map_err(|_| format!("--today {s:?} is not a date; use YYYY-MM-DD, e.g. 2026-11-28")),
    }
}

/// Whether text on stdout is coloured: `--color`, then NO_COLOR, then whether stdout is a terminal.
pub fn color(global: &GlobalArgs) -> Color {
    match global.color {
        ColorChoice::Always => Color::Always,
        ColorChoice::Never => Color::Never,
        ColorChoice::Auto => {
            let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
            if !no_color && std::io::stdout().is_terminal() {
                Color::Always
            } else {
                Color::Never
            }
        }
    }
}

/// Set up logging on stderr: warnings by default, `-v` info, `-vv` debug, `-vvv` trace,
/// `--quiet` errors only. RUST_LOG overrides.
pub fn init_logging(global: &GlobalArgs) {
    let level = if global.quiet {
        "error"
    } else {
        match global.verbose {
            0 => "warn",
            1 => "info",
            2 => "debug",
            _ => "trace",
        }
    };
    // octocrab's HTTP trace layer logs every failed attempt at ERROR, including the ones our
    // retry layer recovers from; its lines are for -vv and above.
    let octocrab = if global.verbose >= 2 { level } else { "off" };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new(format!("{level},octocrab={octocrab}"))
    });
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
}

/// Print config errors to stderr, all of them, and return the usage exit code.
pub fn report_config_errors(errors: &ConfigErrors) -> u8 {
    eprintln!("{errors}");
    let n = errors.0.len();
    eprintln!(
        "{n} error{} found; nothing was checked. Fix the errors above and run again.",
        if n == 1 { "" } else { "s" }
    );
    crate::exit::USAGE
}

/// Write a rendered report to stdout. A closed pipe (e.g. `| head`) is not an error.
pub fn write_stdout(bytes: &[u8]) {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => {}
        // The reader stopped early (`| head`): what it wanted, it has.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        Err(e) => {
            eprintln!(
                "error: could not write the report to stdout: {e}\n  help: check where stdout goes (a full disk, a closed file)"
            );
            STDOUT_FAILED.store(true, std::sync::atomic::Ordering::Relaxed);
        }
    }
}

static STDOUT_FAILED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether a report could not be written (other than the reader closing the pipe): the run
/// must not then exit 0 or 1 as if the report had been delivered.
pub fn stdout_failed() -> bool {
    STDOUT_FAILED.load(std::sync::atomic::Ordering::Relaxed)
}
