//! What every command needs: inputs loaded, the date, colour, logging, and writing the report.

use std::io::IsTerminal;
use std::path::Path;

use crate::access::{Adapter, Source, SourceError, System, SystemRead};
use crate::cli::{ColorChoice, GlobalArgs};
use crate::commands::live::Live;
use crate::config::{self, Config, ConfigErrors, Mapping};
use crate::engine;
use crate::exceptions::{self, Exceptions};
use crate::finding::Finding;
use crate::report::evidence::{Evidence, FileDigest, MappingSource, Origin, sha256_hex};
use crate::report::{self, Color, Format, Report};
use crate::sources::accounts::http::TokioDelay;
use crate::sources::accounts::source::{AccountOptions, AccountSource};
use crate::sources::aws::adapter::AwsInputs;
use crate::sources::snapshot::Snapshot;
use chrono::{DateTime, NaiveDate, Utc};

pub use crate::engine::Inputs;

/// Load the inputs named on the command line (`--today`, `--mapping`, `--config`). On failure
/// the errors are on stderr (config errors also in the report format: see
/// [`report_config_errors_as`]) and `Err` holds the exit code. Under `--strict` an unknown key
/// in a person's entry is an error too.
pub fn load_inputs(global: &GlobalArgs, config_path: &Path) -> Result<Inputs, u8> {
    load_inputs_with_summary(global, config_path, false)
}

/// [`load_inputs`]; with `step_summary`, config errors also go to `$GITHUB_STEP_SUMMARY`.
pub fn load_inputs_with_summary(
    global: &GlobalArgs,
    config_path: &Path,
    step_summary: bool,
) -> Result<Inputs, u8> {
    let inputs = Inputs::load(
        global.today.as_deref(),
        global.mapping.as_deref(),
        config_path,
        global.temporary_admin.as_deref(),
    )
    .map_err(|e| fail_as(global, &e, step_summary))?;
    strict_unknown_keys(global, &inputs.unknown_keys)?;
    Ok(inputs)
}

/// [`fail`], with config errors also in the report format (and, with `step_summary`, in
/// `$GITHUB_STEP_SUMMARY`).
fn fail_as(global: &GlobalArgs, e: &engine::Error, step_summary: bool) -> u8 {
    match e {
        engine::Error::Config(errors) => {
            if step_summary {
                step_summary_errors(errors);
            }
            report_config_errors_as(global, errors)
        }
        other => fail(other, ""),
    }
}

/// Load the mapping named by `--mapping`, or the built-in one. Errors are reported on stderr;
/// `Err` holds the exit code.
pub fn load_mapping(global: &GlobalArgs) -> Result<Mapping, u8> {
    engine::load_mapping(global.mapping.as_deref()).map_err(|e| fail_as(global, &e, false))
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
    let (config, text) = load_config_text(path, mapping)?;
    let digest = FileDigest::of(&config.path, text.as_bytes());
    Ok((config, digest))
}

/// Load and validate a config file against the mapping's roles.
pub fn load_config(path: &Path, mapping: &Mapping) -> Result<Config, ConfigErrors> {
    load_config_text(path, mapping).map(|(config, _)| config)
}

/// [`load_config`], also returning the file's text.
pub fn load_config_text(path: &Path, mapping: &Mapping) -> Result<(Config, String), ConfigErrors> {
    let display = path.display().to_string();
    let text = config::read_file(path, &display)?;
    let config = config::people::parse(&display, &text, mapping)?;
    Ok((config, text))
}

/// Under `--strict`, unknown keys are errors: printed like config errors, and `Err` holds the
/// usage exit code.
pub fn strict_unknown_keys(
    global: &GlobalArgs,
    unknown: &[config::unknown::UnknownKey],
) -> Result<(), u8> {
    if global.strict && !unknown.is_empty() {
        let errors = ConfigErrors(unknown.iter().map(|u| u.error()).collect());
        return Err(report_config_errors_as(global, &errors));
    }
    Ok(())
}

/// The unknown keys in the people entries of a (valid) config, as `unknown_key` findings. Under
/// `--strict` they are errors: printed like config errors, and `Err` holds the usage exit code.
pub fn unknown_keys(
    global: &GlobalArgs,
    path: &str,
    text: &str,
    mapping: &Mapping,
) -> Result<Vec<Finding>, u8> {
    let unknown = config::unknown::unknown_keys(path, text, mapping);
    strict_unknown_keys(global, &unknown)?;
    Ok(unknown.iter().map(|u| u.finding()).collect())
}

/// For commands whose report has no findings list (`snapshot`, `review`, `fix`): say each
/// unknown key on stderr, so none is silent.
pub fn warn_unknown_keys(path: &str, findings: &[Finding]) {
    for f in findings {
        crate::errln!(
            "warning: {path}:{}: {}\n  help: {}",
            f.line.unwrap_or(1),
            f.message,
            f.fix
        );
    }
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
        crate::errln!("warning: {w}");
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
            crate::errln!("{errors}");
            let n = errors.0.len();
            crate::errln!(
                "{n} error{} found; nothing was checked. Fix the errors above and run again.",
                if n == 1 { "" } else { "s" }
            );
        }
        engine::Error::Usage(msg) => crate::errln!("error: {msg}"),
        engine::Error::Source(msg) => {
            crate::errln!("error: {msg}");
            if !consequence.is_empty() {
                crate::errln!("{consequence}");
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

/// Open `--snapshot` (v1 or v2, read by the strict JSON reader). A bad file is a usage error.
pub fn open_snapshot(path: &Path) -> Result<Snapshot, engine::Error> {
    let snapshot = Snapshot::open(path, &path.display().to_string())?;
    match snapshot.fetched_at {
        Some(at) => tracing::info!(
            version = snapshot.version,
            "reading the snapshot {}, recorded at {}",
            path.display(),
            at.format("%Y-%m-%dT%H:%M:%SZ")
        ),
        None => tracing::info!(
            version = snapshot.version,
            "reading the snapshot {}, which does not say when it was recorded",
            path.display()
        ),
    }
    Ok(snapshot)
}

/// `stale_evidence` for an opened `--snapshot`: a finding when it was recorded more than
/// `max_age` days before `today` or after it; an undated snapshot is a warning on stderr.
pub fn snapshot_evidence(snapshot: &Snapshot, today: NaiveDate, max_age: u32) -> Option<Finding> {
    let label = format!("the snapshot {}", snapshot.path);
    if snapshot.fetched_at.is_none() {
        crate::errln!("{}", crate::evidence::undated_warning(&label));
    }
    crate::evidence::stale_evidence(&label, snapshot.fetched_at, today, max_age)
}

/// `stale_evidence` for each `--export` file of a run: a finding when its time (its
/// `# exported_at:` line, else the file's modification time) is more than `max_age` days before
/// `today`, or after it. Issue 13 asks it of snapshots and exports alike.
pub fn export_evidence(evidence: &Evidence, today: NaiveDate, max_age: u32) -> Vec<Finding> {
    evidence
        .sources
        .iter()
        .filter_map(|p| match &p.origin {
            Origin::Export {
                path, modified_at, ..
            } => crate::evidence::stale_evidence(
                &format!("the {} export {path}", p.system),
                *modified_at,
                today,
                max_age,
            ),
            _ => None,
        })
        .collect()
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

/// Read the selected systems: from the opened `--snapshot` when given ([`open_snapshot`]; an
/// account system's `--export` over its section), else live (each system's source from
/// [`Live::source`]), every system at once. Only a usage error is an `Err`: a system whose API
/// failed is unread.
pub async fn read_systems(
    snapshot: Option<&Snapshot>,
    live: &Live<'_>,
    adapters: &[Box<dyn Adapter>],
) -> Result<Vec<SystemRead>, engine::Error> {
    if let Some(snapshot) = snapshot {
        let mut reads = engine::read_snapshot(snapshot, adapters)?;
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
                crate::errln!("error: team {team} was not read: {}", u.reason);
            }
            (system, Some(resource)) => {
                crate::errln!("error: {system} {resource} was not read: {}", u.reason);
            }
            (system, None) => crate::errln!("error: {system} was not read: {}", u.reason),
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

/// The width text reports wrap at: the terminal's when stdout is one, else 100 columns.
pub fn text_width() -> usize {
    terminal_size::terminal_size_of(std::io::stdout())
        .map(|(w, _)| usize::from(w.0))
        .filter(|w| *w >= 20)
        .unwrap_or(report::wrap::DEFAULT_WIDTH)
}

/// Whether log lines on stderr are coloured: `--color`, then NO_COLOR, then whether stderr is
/// a terminal (`auto` never colours a stream that is not one).
pub fn log_color(global: &GlobalArgs) -> bool {
    match global.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
            !no_color && std::io::stderr().is_terminal()
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
        .with_writer(|| crate::output::LogWriter)
        .with_ansi(log_color(global))
        .log_internal_errors(false)
        .with_target(false)
        .try_init();
}

/// Print config errors to stderr, all of them, and in the report format on stdout (annotations
/// for `github`, an error block for `markdown`); return the usage exit code.
pub fn report_config_errors_as(global: &GlobalArgs, errors: &ConfigErrors) -> u8 {
    let code = report_config_errors(errors);
    match global.format {
        Format::Github => {
            let ws = std::env::var("GITHUB_WORKSPACE").ok();
            write_stdout(report::errors::annotations(errors, ws.as_deref()).as_bytes());
        }
        Format::Markdown => {
            write_stdout(report::errors::markdown(command_name(), errors).as_bytes())
        }
        Format::Text | Format::Json | Format::Csv | Format::Html => {}
    }
    code
}

/// Append config errors to `$GITHUB_STEP_SUMMARY` (drift does this whatever `--format` is).
pub fn step_summary_errors(errors: &ConfigErrors) {
    let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) else {
        return;
    };
    let md = report::errors::markdown(command_name(), errors);
    let result = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut f| std::io::Write::write_all(&mut f, md.as_bytes()));
    if let Err(e) = result {
        crate::errln!(
            "warning: could not append the errors to $GITHUB_STEP_SUMMARY ({}): {e}",
            Path::new(&path).display()
        );
    }
}

static COMMAND: std::sync::OnceLock<&'static str> = std::sync::OnceLock::new();

/// Remember the running command's name, for headings of error reports.
pub fn set_command_name(name: &'static str) {
    let _ = COMMAND.set(name);
}

fn command_name() -> &'static str {
    COMMAND.get().copied().unwrap_or("")
}

/// Print config errors to stderr, all of them, and return the usage exit code.
pub fn report_config_errors(errors: &ConfigErrors) -> u8 {
    fail(&engine::Error::Config(errors.clone()), "")
}

/// Write a rendered report to stdout (see [`crate::output::write_stdout`]).
pub fn write_stdout(bytes: &[u8]) {
    crate::output::write_stdout(bytes);
}

/// Whether a report could not be written (see [`crate::output::stdout_failed`]).
pub fn stdout_failed() -> bool {
    crate::output::stdout_failed()
}

/// Render `report` in `--format` (coloured as [`color`] says) and write it to stdout. A render
/// failure is reported on stderr; `Err` holds the exit code.
pub fn print_report(global: &GlobalArgs, report: &Report) -> Result<(), u8> {
    let mut out = Vec::new();
    if let Err(e) = report::render(report, global.format, color(global), &mut out) {
        crate::errln!("error: could not render the report: {e}");
        return Err(crate::exit::USAGE);
    }
    if global.format == Format::Text {
        out = report::wrap::wrap_report(&String::from_utf8_lossy(&out), text_width()).into_bytes();
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
            crate::errln!("error: cannot start the async runtime: {e}");
            crate::exit::SOURCE
        })
}

/// Report a failed read on stderr and return its exit code: usage (2) for a bad flag, file or
/// snapshot; the source code (3) for an API error, followed by `consequence` (what was not done).
pub fn source_error(e: SourceError, consequence: &str) -> u8 {
    fail(&e.into(), consequence)
}
