//! What every command needs: inputs loaded, the date, colour, logging, and writing the report.

use std::io::{IsTerminal, Write};
use std::path::Path;

use crate::access::{Adapter, Source, SourceError, System, SystemRead};
use crate::cli::{ColorChoice, GlobalArgs};
use crate::commands::live::Live;
use crate::config::{Config, ConfigErrors, Mapping};
use crate::engine;
use crate::exceptions::{self, Exceptions};
use crate::report::evidence::{Evidence, FileDigest, MappingSource, Origin, sha256_hex};
use crate::report::{self, Color, Report};
use crate::sources::accounts::http::TokioDelay;
use crate::sources::accounts::source::{AccountOptions, AccountSource};
use crate::sources::aws::adapter::AwsInputs;
use crate::sources::snapshot::Snapshot;
use chrono::{DateTime, NaiveDate, Utc};

pub use crate::engine::Inputs;

/// Load the inputs named on the command line (`--today`, `--mapping`, `--config`). On failure
/// the errors are on stderr and `Err` holds the exit code.
pub fn load_inputs(global: &GlobalArgs, config_path: &Path) -> Result<Inputs, u8> {
    Inputs::load(
        global.today.as_deref(),
        global.mapping.as_deref(),
        config_path,
        global.temporary_admin.as_deref(),
    )
    .map_err(|e| fail(&e, ""))
}

/// Load the mapping named by `--mapping`, or the built-in one. Errors are reported on stderr;
/// `Err` holds the exit code.
pub fn load_mapping(global: &GlobalArgs) -> Result<Mapping, u8> {
    engine::load_mapping(global.mapping.as_deref()).map_err(|e| fail(&e, ""))
}

/// [`load_mapping`], and where the mapping came from (for the evidence).
pub fn load_mapping_with_source(global: &GlobalArgs) -> Result<(Mapping, MappingSource), u8> {
    engine::load_mapping_with_source(global.mapping.as_deref()).map_err(|e| fail(&e, ""))
}

/// [`load_config`], and the SHA-256 of the bytes read.
pub fn load_config_digest(
    path: &Path,
    mapping: &Mapping,
) -> Result<(Config, FileDigest), ConfigErrors> {
    let display = path.display().to_string();
    let text = crate::config::read_file(path, &display)?;
    let config = crate::config::people::parse(&display, &text, mapping)?;
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
    let text = crate::config::read_file(&path, &display)
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

/// Complete the evidence of the sources: the SHA-256 of each snapshot and export file (read
/// again now), and when live reads started.
pub fn seal_sources(evidence: &mut Evidence, read_at: DateTime<Utc>) {
    for p in &mut evidence.sources {
        match &mut p.origin {
            Origin::Api { read_at: at, .. } => *at = at.or(Some(read_at)),
            Origin::Snapshot { path, sha256, .. } | Origin::Export { path, sha256, .. } => {
                if sha256.is_none() {
                    *sha256 = std::fs::read(path.as_str()).ok().map(|b| sha256_hex(&b));
                }
            }
        }
    }
}

/// Load and validate a config file against the mapping's roles.
pub fn load_config(path: &Path, mapping: &Mapping) -> Result<Config, ConfigErrors> {
    load_config_digest(path, mapping).map(|(c, _)| c)
}

/// `--today`, or today's date in UTC. An invalid date is reported on stderr; `Err` holds the
/// exit code.
pub fn today(global: &GlobalArgs) -> Result<NaiveDate, u8> {
    engine::parse_today(global.today.as_deref()).map_err(|e| fail(&e, ""))
}

/// Print a run's error on stderr (all config errors at once; `consequence`, when given, says
/// what was not done after a source failure) and return its exit code. The one place errors
/// are printed.
pub fn fail(e: &engine::Error, consequence: &str) -> u8 {
    match e {
        engine::Error::Config(errors) => {
            eprintln!("{errors}");
            let n = errors.0.len();
            eprintln!(
                "{n} error{} found; nothing was checked. Fix the errors above and run again.",
                if n == 1 { "" } else { "s" }
            );
        }
        engine::Error::Usage(msg) => eprintln!("error: {msg}"),
        engine::Error::Source(msg) => {
            eprintln!("error: {msg}");
            if !consequence.is_empty() {
                eprintln!("{consequence}");
            }
        }
    }
    crate::exit::of_error(e)
}

/// The systems a run covers, and their adapters (in the same order).
pub type Selection = (Vec<System>, Vec<Box<dyn Adapter>>);

/// The systems `--system` selects, and their adapters. A bad list is reported; `Err` holds the
/// exit code.
pub fn select(mapping: &Mapping, list: Option<&str>, aws: &AwsInputs) -> Result<Selection, u8> {
    let systems = engine::select(mapping, list).map_err(|e| fail(&e, ""))?;
    let adapters = engine::adapters(mapping, &systems, aws);
    Ok((systems, adapters))
}

/// The account systems' sources of a run: each selected account system's `--export` file, else
/// (live runs only) its API with the token from its variable. A selected account system with
/// neither, an `--export` for a system the run does not cover, or two for one system, is a
/// usage error (exit 2) saying what to set.
pub fn account_sources(
    mapping: &Mapping,
    adapters: &[Box<dyn Adapter>],
    accounts: &AccountOptions,
    from_snapshot: bool,
) -> Result<Vec<AccountSource>, engine::Error> {
    let systems: Vec<System> = adapters.iter().map(|a| a.system()).collect();
    Ok(crate::sources::accounts::source::account_sources(
        mapping,
        &systems,
        accounts,
        from_snapshot,
        std::sync::Arc::new(TokioDelay),
    )?)
}

/// Replace the snapshot's read of each system that has an `--export` with the export's: an
/// export names its system's source outright.
pub async fn read_exports_over(
    adapters: &[Box<dyn Adapter>],
    reads: &mut [SystemRead],
    accounts: &[AccountSource],
) -> Result<(), engine::Error> {
    for source in accounts.iter().filter(|s| s.is_export()) {
        let read = source.read().await?;
        if let Some(i) = adapters.iter().position(|a| a.system() == source.system()) {
            reads[i] = read;
        }
    }
    Ok(())
}

/// Read the selected systems: from `--snapshot` when given (an account system's `--export` over
/// its section), else live (each system's source from [`Live::source`]), every system at once. Only a usage error is an `Err`: a system whose API
/// failed is unread.
pub async fn read_systems(
    snapshot: Option<&Path>,
    live: &Live<'_>,
    adapters: &[Box<dyn Adapter>],
) -> Result<Vec<SystemRead>, engine::Error> {
    if let Some(path) = snapshot {
        let snapshot = Snapshot::open(path, &path.display().to_string())?;
        tracing::info!(snapshot = %path.display(), fetched_at = ?snapshot.fetched_at, version = snapshot.version, "reading the snapshot");
        let mut reads = engine::read_snapshot(&snapshot, adapters)?;
        read_exports_over(adapters, &mut reads, &live.accounts).await?;
        return Ok(reads);
    }
    let sources: Vec<Box<dyn Source + '_>> =
        adapters.iter().map(|a| live.source(a.system())).collect();
    let sources: Vec<&dyn Source> = sources.iter().map(|s| s.as_ref()).collect();
    engine::read_all(&sources).await
}

/// What was not read, on stderr: one line each (the report lists them too).
pub fn print_unread(unread: &[crate::access::Unread]) {
    for u in unread {
        match (u.system, &u.resource) {
            (System::Github, Some(team)) => {
                eprintln!("error: team {team} was not read: {}", u.reason);
            }
            (system, Some(resource)) => {
                eprintln!("error: {system} {resource} was not read: {}", u.reason);
            }
            (system, None) => eprintln!("error: {system} was not read: {}", u.reason),
        }
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
    fail(&engine::Error::Config(errors.clone()), "")
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

/// Report a failed read on stderr and return its exit code: usage (2) for a bad flag, file or
/// snapshot; the source code (3) for an API error, followed by `consequence` (what was not done).
pub fn source_error(e: SourceError, consequence: &str) -> u8 {
    fail(&e.into(), consequence)
}
