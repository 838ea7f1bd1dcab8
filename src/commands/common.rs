//! What every command needs: inputs loaded, the date, colour, logging, and writing the report.

use std::io::{IsTerminal, Write};
use std::path::Path;

use chrono::{DateTime, NaiveDate, Utc};

use crate::cli::{ColorChoice, GlobalArgs};
use crate::config::{self, Config, ConfigErrors, Mapping};
use crate::exceptions::{self, Exceptions};
use crate::github::SourceError;
use crate::report::evidence::{Evidence, FileDigest, MappingSource, Origin, sha256_hex};
use crate::report::{self, Color, Report};

/// What `check`, `drift` and `snapshot` start from: the date, the mapping and the config, and
/// the evidence of them (version, date, files and their SHA-256).
pub struct Inputs {
    pub today: NaiveDate,
    pub mapping: Mapping,
    pub config: Config,
    pub evidence: Evidence,
}

impl Inputs {
    /// Parse `--today`, load the mapping, then the config at `config_path`. On failure the
    /// errors are on stderr and `Err` holds the exit code (usage).
    pub fn load(global: &GlobalArgs, config_path: &Path) -> Result<Inputs, u8> {
        let today = today(global)?;
        let (mapping, mapping_source) = load_mapping_with_source(global)?;
        let (config, digest) =
            load_config_digest(config_path, &mapping).map_err(|e| report_config_errors(&e))?;
        let mut evidence = Evidence::new(today);
        evidence.mapping = mapping_source;
        evidence.config = Some(digest);
        Ok(Inputs {
            today,
            mapping,
            config,
            evidence,
        })
    }
}

/// Load the mapping named by `--mapping`, or the built-in one. Errors are reported on stderr;
/// `Err` holds the exit code.
pub fn load_mapping(global: &GlobalArgs) -> Result<Mapping, u8> {
    load_mapping_with_source(global).map(|(m, _)| m)
}

/// [`load_mapping`], and where the mapping came from (for the evidence).
pub fn load_mapping_with_source(global: &GlobalArgs) -> Result<(Mapping, MappingSource), u8> {
    let mapping = match &global.mapping {
        None => Ok((Mapping::builtin(), MappingSource::Builtin)),
        Some(path) => {
            let display = path.display().to_string();
            config::read_file(path, &display)
                .map_err(ConfigErrors::from)
                .and_then(|text| {
                    let m = Mapping::parse(&display, &text)?;
                    Ok((
                        m,
                        MappingSource::File(FileDigest::of(&display, text.as_bytes())),
                    ))
                })
        }
    };
    mapping.map_err(|e| report_config_errors(&e))
}

/// Load and validate a config file against the mapping's roles.
pub fn load_config(path: &Path, mapping: &Mapping) -> Result<Config, ConfigErrors> {
    load_config_digest(path, mapping).map(|(c, _)| c)
}

/// [`load_config`], and the SHA-256 of the bytes read.
pub fn load_config_digest(
    path: &Path,
    mapping: &Mapping,
) -> Result<(Config, FileDigest), ConfigErrors> {
    let display = path.display().to_string();
    let text = config::read_file(path, &display)?;
    let config = config::people::parse(&display, &text, mapping)?;
    Ok((config, FileDigest::of(&display, text.as_bytes())))
}

/// Load the exceptions: `--exceptions PATH`, else `access-exceptions.yml` beside the config when
/// it exists, else none. Warnings go to stderr; errors too, and `Err` holds the exit code.
pub fn load_exceptions(
    explicit: Option<&Path>,
    config_path: &Path,
    today: NaiveDate,
) -> Result<Option<(Exceptions, FileDigest)>, u8> {
    let path = match explicit {
        Some(p) => p.to_path_buf(),
        None => {
            let beside = config_path
                .parent()
                .unwrap_or(Path::new(""))
                .join(exceptions::DEFAULT_FILE_NAME);
            if !beside.is_file() {
                return Ok(None);
            }
            beside
        }
    };
    let display = path.display().to_string();
    let text = config::read_file(&path, &display)
        .map_err(|e| report_config_errors(&ConfigErrors::from(e)))?;
    let (exceptions, warnings) =
        exceptions::parse(&display, &text, today).map_err(|e| report_config_errors(&e))?;
    for w in warnings {
        eprintln!("warning: {w}");
    }
    tracing::info!(file = %path.display(), exceptions = exceptions.entries.len(), "read the exceptions");
    let digest = FileDigest::of(&display, text.as_bytes());
    Ok(Some((exceptions, digest)))
}

/// Where a snapshot's data came from: its path, SHA-256 and `fetched_at`.
pub fn snapshot_origin(path: &Path, fetched_at: Option<DateTime<Utc>>) -> Origin {
    Origin::Snapshot {
        path: path.display().to_string(),
        sha256: std::fs::read(path).ok().map(|b| sha256_hex(&b)),
        fetched_at,
    }
}

/// `--today`, or today's date in UTC. An invalid date is reported on stderr; `Err` holds the
/// exit code.
pub fn today(global: &GlobalArgs) -> Result<NaiveDate, u8> {
    match &global.today {
        None => Ok(chrono::Utc::now().date_naive()),
        // Strict, as in the config: `26-11-28` would otherwise be the year 26.
        Some(s) => crate::config::check::parse_date(s).map_err(|_| {
            eprintln!("error: --today {s:?} is not a date; use YYYY-MM-DD, e.g. 2026-11-28");
            crate::exit::USAGE
        }),
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

/// Render `report` in `--format` (coloured as [`color`] says) and write it to stdout. A render
/// failure is reported on stderr; `Err` holds the exit code.
pub fn print_report(global: &GlobalArgs, report: &Report) -> Result<(), u8> {
    let mut out = Vec::new();
    if let Err(e) = report::render(report, global.format, color(global), &mut out) {
        eprintln!("error: could not render the report: {e}");
        return Err(crate::exit::USAGE);
    }
    write_stdout(&out);
    Ok(())
}

/// A small async runtime for the GitHub calls. Failure is reported on stderr; `Err` holds the
/// exit code.
pub fn runtime() -> Result<tokio::runtime::Runtime, u8> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| {
            eprintln!("error: cannot start the async runtime: {e}");
            crate::exit::SOURCE
        })
}

/// Report a failed membership read on stderr and return its exit code: usage (2) for a bad flag,
/// file or snapshot; the source code (3) for a GitHub API error, followed by `consequence` (what
/// was not done).
pub fn source_error(e: SourceError, consequence: &str) -> u8 {
    match e {
        SourceError::Usage(msg) => {
            eprintln!("error: {msg}");
            crate::exit::USAGE
        }
        SourceError::Api(msg) => {
            eprintln!("error: {msg}");
            eprintln!("{consequence}");
            crate::exit::SOURCE
        }
    }
}
