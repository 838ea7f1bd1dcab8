//! The one pipeline `drift`, `fix` and `snapshot` share: load the inputs, choose the systems and
//! their adapters, read the sources (concurrently), normalise completeness once, run policy and
//! drift, sort. Engines never pick exit codes: failures are an [`Error`], mapped to a code in
//! `crate::exit` and printed by the command layer.

use std::path::Path;

use chrono::NaiveDate;
use futures::future::join_all;

use crate::access::{Adapter, NoReader, Source, SourceError, System, SystemRead, Unread};
use crate::config::temporary_admin::{self, TemporaryAdmin};
use crate::config::unknown::UnknownKey;
use crate::config::{self, Config, ConfigErrors, Mapping};
use crate::finding::{self, Finding};
use crate::report::evidence::{Evidence, FileDigest, MappingSource, Origin};
use crate::report::{Command, Report, ReportError, Summary};
use crate::sources::accounts::adapter::AccountAdapter;
use crate::sources::aws::adapter::{AwsAdapter, AwsInputs};
use crate::sources::github::adapter::GithubAdapter;
use crate::sources::snapshot::Snapshot;

/// Why a run stopped before it had a report. Each maps to one exit code (`exit::of_error`).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The config or the mapping is invalid (every problem, located): usage.
    #[error("{0}")]
    Config(#[from] ConfigErrors),
    /// A bad flag, file or snapshot: usage.
    #[error("{0}")]
    Usage(String),
    /// A source failed as a whole (the API, the network, permissions).
    #[error("{0}")]
    Source(String),
}

impl From<SourceError> for Error {
    fn from(e: SourceError) -> Self {
        match e {
            SourceError::Usage(m) => Error::Usage(m),
            SourceError::Api(m) => Error::Source(m),
        }
    }
}

/// What `check`, `drift`, `fix` and `snapshot` start from: the date, the mapping and the config,
/// and the evidence of them (tool version, date, the files' SHA-256), which reports carry.
pub struct Inputs {
    pub today: NaiveDate,
    pub mapping: Mapping,
    pub config: Config,
    /// Keys in people's entries the tool does not read (nor near misses of ones it does, nor
    /// the mapping's `extra_keys`): `unknown_key` findings, or errors under `--strict`.
    pub unknown_keys: Vec<UnknownKey>,
    pub evidence: Evidence,
    /// temporary_admin.yml (AWS only; empty when AWS is not configured or there is no file).
    pub temporary: Vec<TemporaryAdmin>,
}

impl Inputs {
    /// Inputs built in memory (tests, benchmarks): the evidence names no file.
    pub fn new(today: NaiveDate, mapping: Mapping, config: Config) -> Inputs {
        Inputs {
            today,
            mapping,
            config,
            unknown_keys: Vec::new(),
            evidence: Evidence::new(today),
            temporary: Vec::new(),
        }
    }

    /// Parse `today` (or take today in UTC), load the mapping (or the built-in one), then the
    /// config at `config_path`, then (when the mapping configures AWS) the temporary admins.
    pub fn load(
        today: Option<&str>,
        mapping: Option<&Path>,
        config_path: &Path,
        temporary_admin: Option<&Path>,
    ) -> Result<Inputs, Error> {
        let today = parse_today(today)?;
        let (mapping, mapping_source) = load_mapping_with_source(mapping)?;
        let (config, text) = load_config_text(config_path, &mapping)?;
        let digest = FileDigest::of(&config.path, text.as_bytes());
        let unknown_keys = config::unknown::unknown_keys(&config.path, &text, &mapping);
        let temporary = load_temporary(temporary_admin, config_path, &mapping)?;
        let mut evidence = Evidence::new(today);
        evidence.mapping = mapping_source;
        evidence.config = Some(digest);
        Ok(Inputs {
            today,
            mapping,
            config,
            unknown_keys,
            evidence,
            temporary,
        })
    }

    /// What the AWS adapter needs from the inputs.
    pub fn aws(&self) -> AwsInputs {
        AwsInputs {
            people: self.config.people.clone(),
            temporary: self.temporary.clone(),
            today: self.today,
        }
    }
}

/// The file name of the temporary admin list looked for beside the config.
pub const TEMPORARY_ADMIN_FILE: &str = "temporary_admin.yml";

/// Load `--temporary-admin PATH`, else `temporary_admin.yml` beside the config when it exists;
/// nothing when the mapping does not configure AWS (the file only grants AWS roles).
pub fn load_temporary(
    explicit: Option<&Path>,
    config_path: &Path,
    mapping: &Mapping,
) -> Result<Vec<TemporaryAdmin>, Error> {
    if mapping.aws.is_none() {
        if let Some(path) = explicit {
            tracing::warn!(
                "--temporary-admin {} is not used: the mapping does not configure aws",
                path.display()
            );
        }
        return Ok(Vec::new());
    }
    let beside = config_path
        .parent()
        .map(|d| d.join(TEMPORARY_ADMIN_FILE))
        .filter(|p| p.is_file());
    let Some(path) = explicit.map(Path::to_path_buf).or(beside) else {
        return Ok(Vec::new());
    };
    let display = path.display().to_string();
    Ok(temporary_admin::read(&path, &display)?)
}

/// `--today`, or today's date in UTC.
pub fn parse_today(today: Option<&str>) -> Result<NaiveDate, Error> {
    match today {
        None => Ok(chrono::Utc::now().date_naive()),
        // Strict, as in the config: `26-11-28` would otherwise be the year 26.
        Some(s) => config::check::parse_date(s).map_err(|_| {
            Error::Usage(format!(
                "--today {s:?} is not a date; use YYYY-MM-DD, e.g. 2026-11-28"
            ))
        }),
    }
}

/// Load the mapping at `path`, or the built-in one.
pub fn load_mapping(path: Option<&Path>) -> Result<Mapping, Error> {
    load_mapping_with_source(path).map(|(m, _)| m)
}

/// [`load_mapping`], and where it came from (the file and its SHA-256, or built in).
pub fn load_mapping_with_source(path: Option<&Path>) -> Result<(Mapping, MappingSource), Error> {
    match path {
        None => Ok((Mapping::builtin(), MappingSource::Builtin)),
        Some(path) => {
            let display = path.display().to_string();
            let text = config::read_file(path, &display).map_err(ConfigErrors::from)?;
            let mapping = Mapping::parse(&display, &text)?;
            let digest = FileDigest::of(&display, text.as_bytes());
            Ok((mapping, MappingSource::File(digest)))
        }
    }
}

/// Load and validate a config file against the mapping.
pub fn load_config(path: &Path, mapping: &Mapping) -> Result<Config, Error> {
    load_config_text(path, mapping).map(|(config, _)| config)
}

/// [`load_config`], and the SHA-256 of the bytes that were checked.
pub fn load_config_digest(path: &Path, mapping: &Mapping) -> Result<(Config, FileDigest), Error> {
    let (config, text) = load_config_text(path, mapping)?;
    let digest = FileDigest::of(&config.path, text.as_bytes());
    Ok((config, digest))
}

/// [`load_config`], also returning the file's text.
pub fn load_config_text(path: &Path, mapping: &Mapping) -> Result<(Config, String), Error> {
    let display = path.display().to_string();
    let text = config::read_file(path, &display).map_err(ConfigErrors::from)?;
    let config = config::people::parse(&display, &text, mapping)?;
    Ok((config, text))
}

/// The systems a run covers: `--system a,b` (each configured), else every configured system.
pub fn select(mapping: &Mapping, list: Option<&str>) -> Result<Vec<System>, Error> {
    let configured = mapping.systems();
    let Some(list) = list else {
        return Ok(configured);
    };
    let mut out = Vec::new();
    for name in list.split(',').map(str::trim) {
        if name.is_empty() {
            return Err(Error::Usage(format!(
                "--system {list:?} has an empty name; write e.g. --system github,aws"
            )));
        }
        let system: System = name
            .parse()
            .map_err(|e| Error::Usage(format!("--system: {e}")))?;
        if !configured.contains(&system) {
            let names: Vec<&str> = configured.iter().map(|s| s.as_str()).collect();
            return Err(Error::Usage(format!(
                "--system {system}: the mapping {} does not configure {system} (it configures {}); add `systems.{system}` to it, or leave {system} out",
                mapping.path,
                names.join(", ")
            )));
        }
        if !out.contains(&system) {
            out.push(system);
        }
    }
    out.sort();
    Ok(out)
}

/// The adapter of a configured system: the one place a system is registered. `aws` is what the
/// AWS checks need beyond the mapping (people, temporary admins, the date).
pub fn adapter(mapping: &Mapping, system: System, aws: &AwsInputs) -> Box<dyn Adapter> {
    match (system, &mapping.github, &mapping.aws) {
        (System::Github, Some(github), _) => Box::new(GithubAdapter::new(github)),
        (System::Aws, _, Some(m)) => Box::new(AwsAdapter::new(m, aws.clone())),
        (other, _, _) if let Some(section) = mapping.accounts.get(&other) => {
            Box::new(AccountAdapter::new(other, section))
        }
        // Systems whose readers have not landed yet: selecting them is an unread system.
        (other, _, _) => Box::new(NoReader(other)),
    }
}

/// The adapters of `systems`, in order.
pub fn adapters(mapping: &Mapping, systems: &[System], aws: &AwsInputs) -> Vec<Box<dyn Adapter>> {
    systems.iter().map(|s| adapter(mapping, *s, aws)).collect()
}

/// Read every selected system from a snapshot: each section through its adapter; a system the
/// snapshot has no section for is unread.
pub fn read_snapshot(
    snapshot: &Snapshot,
    adapters: &[Box<dyn Adapter>],
) -> Result<Vec<SystemRead>, Error> {
    adapters
        .iter()
        .map(|a| match snapshot.sections.get(&a.system()) {
            Some(section) => Ok(a.read_snapshot(section, &snapshot.path, snapshot.fetched_at)?),
            None => Ok(SystemRead::unread(
                a.system(),
                format!(
                    "{} was not recorded in the snapshot {}; record the snapshot again with the current mapping",
                    a.system(),
                    snapshot.path
                ),
            )),
        })
        .collect()
}

/// Read every source concurrently: the run takes as long as the slowest. A source that fails as
/// a whole with an API error (a bad token, the network) is that system unread, with the reason,
/// so the other systems are still read and reported (the run is incomplete, exit 3). A usage
/// error (a bad snapshot, an org mismatch, missing credentials) stops the run.
pub async fn read_all(sources: &[&dyn Source]) -> Result<Vec<SystemRead>, Error> {
    let results = join_all(sources.iter().map(|s| s.read())).await;
    sources
        .iter()
        .zip(results)
        .map(|(source, result)| settle(source.system(), result))
        .collect()
}

/// One source's result: an API failure becomes the system unread; a usage error stops the run.
pub fn settle(
    system: System,
    result: Result<SystemRead, SourceError>,
) -> Result<SystemRead, Error> {
    match result {
        Ok(read) => Ok(read),
        Err(SourceError::Api(reason)) => {
            tracing::info!(%system, "{system} could not be read: {reason}");
            Ok(SystemRead::unread(system, reason))
        }
        Err(e @ SourceError::Usage(_)) => Err(e.into()),
    }
}

pub use crate::access::normalise;

/// Everything a run found.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub systems: Vec<System>,
    /// One read per selected system, normalised.
    pub reads: Vec<SystemRead>,
    /// Policy findings and every system's drift findings, sorted.
    pub findings: Vec<Finding>,
    /// Everything not read whole, across systems, sorted.
    pub unread: Vec<Unread>,
}

impl Outcome {
    pub fn complete(&self) -> bool {
        self.unread.is_empty()
    }

    /// The read of `system`, if it was selected.
    pub fn read(&self, system: System) -> Option<&SystemRead> {
        self.reads.iter().find(|r| r.system == Some(system))
    }
}

/// Normalise the reads, then run the policy rules and every system's drift, and sort.
pub fn evaluate(inputs: &Inputs, adapters: &[Box<dyn Adapter>], reads: Vec<SystemRead>) -> Outcome {
    let mut findings = crate::policy::check(&inputs.config, &inputs.mapping, inputs.today);
    let mut normalised = Vec::with_capacity(reads.len());
    let mut unread = Vec::new();
    for (adapter, mut read) in adapters.iter().zip(reads) {
        normalise(adapter.as_ref(), &mut read);
        findings.extend(crate::drift::findings(
            adapter.as_ref(),
            &inputs.config,
            &read,
            inputs.today,
        ));
        unread.extend(read.unread.iter().cloned());
        normalised.push(read);
    }
    finding::sort(&mut findings);
    unread.sort();
    Outcome {
        systems: adapters.iter().map(|a| a.system()).collect(),
        reads: normalised,
        findings,
        unread,
    }
}

/// The report of an outcome.
pub fn report(
    command: Command,
    config_path: &str,
    inputs: &Inputs,
    adapters: &[Box<dyn Adapter>],
    outcome: Outcome,
) -> Report {
    let people = inputs.config.people.len();
    let (mut teams, mut members_read) = (0, 0);
    for (adapter, read) in adapters.iter().zip(&outcome.reads) {
        if adapter.system() == System::Github {
            teams += read.read_whole.len();
            members_read += read.held_in(|r| adapter.scope_of(r));
        }
    }
    let mut evidence = inputs.evidence.clone();
    for read in &outcome.reads {
        if let (Some(system), Some(origin)) = (read.system, Origin::of(&read.provenance)) {
            evidence.add_source(system, origin);
        }
    }
    Report {
        command,
        config_path: config_path.to_owned(),
        org: inputs.mapping.org().map(str::to_owned),
        complete: outcome.complete(),
        errors: outcome.unread.iter().map(report_error).collect(),
        findings: outcome.findings,
        accepted: Vec::new(),
        unused_exceptions: Vec::new(),
        summary: Summary {
            people,
            teams: Some(teams),
            members_read: Some(members_read),
        },
        fetched_at: None,
        evidence,
        systems: outcome.systems,
    }
}

/// An unread item as a report error: GitHub's keep v1's `team`.
pub fn report_error(u: &Unread) -> ReportError {
    ReportError {
        team: (u.system == System::Github)
            .then(|| u.resource.clone())
            .flatten(),
        system: Some(u.system),
        resource: u.resource.clone(),
        message: u.reason.clone(),
    }
}

pub use crate::finding::by_system;

#[cfg(test)]
mod fake_system_tests;

#[cfg(test)]
mod account_tests;
