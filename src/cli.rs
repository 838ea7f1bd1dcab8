//! The command line (clap derive). Global flags are accepted before or after the subcommand.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::builder::PossibleValue;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::report::Format;
use crate::sources::accounts::http::RetryPolicy;
use crate::sources::accounts::source::{AccountOptions, ExportArg};
use crate::sources::github::rest::ClientOptions;

/// Keep GOV.UK's production access config and GitHub team membership in agreement.
#[derive(Debug, Parser)]
#[command(name = "access-reconciler", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    #[command(flatten)]
    pub global: GlobalArgs,
}

/// Flags every command accepts.
#[derive(Debug, Args, Clone)]
pub struct GlobalArgs {
    /// The role -> GitHub teams mapping (YAML). Default: the built-in mapping (see README).
    #[arg(long, global = true, value_name = "PATH", help_heading = "Input")]
    pub mapping: Option<PathBuf>,

    /// The date the date rules are checked at (YYYY-MM-DD). Default: today in UTC.
    #[arg(long, global = true, value_name = "DATE", help_heading = "Input")]
    pub today: Option<String>,

    /// Time-boxed AWS admin access (YAML list of name, email_address, expires_at,
    /// why_do_they_need_access). Default: temporary_admin.yml beside the config, when it exists.
    #[arg(long, global = true, value_name = "PATH")]
    pub temporary_admin: Option<PathBuf>,

    /// Report format.
    #[arg(long, global = true, value_enum, default_value_t = Format::Text, help_heading = "Output")]
    pub format: Format,

    /// Colour in text reports and log lines. `auto` colours a terminal unless NO_COLOR is set.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, help_heading = "Output")]
    pub color: ColorChoice,

    /// More logging on stderr (-v info, -vv debug, -vvv trace).
    #[arg(short, long, global = true, action = clap::ArgAction::Count, help_heading = "Output")]
    pub verbose: u8,

    /// No progress and no logging below errors.
    #[arg(
        short,
        long,
        global = true,
        conflicts_with = "verbose",
        help_heading = "Output"
    )]
    pub quiet: bool,

    /// Treat warnings as errors (exit 2): unknown keys in the config; for `fix
    /// --codify-unexpected`, the policy findings its edits would create.
    #[arg(long, global = true, help_heading = "Safety")]
    pub strict: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// How to reach GitHub. Used by every command that talks to the API.
#[derive(Debug, Args, Clone)]
pub struct GithubArgs {
    /// GitHub API base URL (GitHub Enterprise: https://HOST/api/v3).
    #[arg(long, value_name = "URL", default_value = "https://api.github.com")]
    pub api_url: String,

    /// GitHub App id, to authenticate as the App's installation for the org.
    #[arg(long, env = "GITHUB_APP_ID", value_name = "ID")]
    pub app_id: Option<u64>,

    /// The GitHub App's private key (PEM file). Also env GITHUB_APP_PRIVATE_KEY (the PEM text, or
    /// the file's path).
    #[arg(long, value_name = "PATH")]
    pub app_private_key: Option<PathBuf>,

    /// Keep conditional-request (ETag) pages here; a rerun with nothing changed costs no rate limit.
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,

    /// Give up (exit 3) rather than wait longer than this many seconds for a rate limit.
    #[arg(long, value_name = "SECONDS", default_value_t = 900)]
    pub max_wait: u64,

    /// Requests in flight at once (1 or more).
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = at_least_one)]
    pub concurrency: usize,

    /// Retries after the first try for a retryable failure (5xx, connection error; AWS
    /// throttling too), as in curl and gh: 0 means one try and no retry.
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub retries: u32,

    /// Base delay for exponential backoff, in milliseconds (0 in tests).
    #[arg(long, value_name = "MS", default_value_t = 1000, hide = true)]
    pub backoff_ms: u64,

    /// Minimum wait for a secondary rate limit without headers, in seconds (0 in tests).
    #[arg(long, value_name = "SECONDS", default_value_t = 60, hide = true)]
    pub secondary_wait: u64,
}

/// The end of each command's help: the exit codes (the same for every command, README "Exit
/// codes") and two examples.
macro_rules! help_tail {
    ($one:literal, $two:literal $(,)?) => {
        concat!(
            "Exit codes: 0 nothing found; 1 findings (fix: edits); 2 usage or input error (nothing \
             checked); 3 GitHub or network error (the report is incomplete).\n\nExamples:\n  ",
            $one,
            "\n  ",
            $two
        )
    };
}

/// How to reach the account systems: Sentry, Fastly and PagerDuty live (tokens from
/// SENTRY_AUTH_TOKEN, FASTLY_API_TOKEN, PAGERDUTY_TOKEN), any account system from an export file.
/// Retries and rate-limit waits follow the GitHub flags (--retries, --max-wait).
#[derive(Debug, Args, Clone)]
pub struct AccountArgs {
    /// Sentry base URL (self-hosted Sentry). Token: SENTRY_AUTH_TOKEN (scope member:read).
    #[arg(long, value_name = "URL", default_value = "https://sentry.io")]
    pub sentry_url: String,

    /// Fastly API base URL. Token: FASTLY_API_TOKEN (a read-only key).
    #[arg(long, value_name = "URL", default_value = "https://api.fastly.com")]
    pub fastly_url: String,

    /// PagerDuty API base URL. Token: PAGERDUTY_TOKEN (a read-only key).
    #[arg(long, value_name = "URL", default_value = "https://api.pagerduty.com")]
    pub pagerduty_url: String,

    /// Read SYSTEM from this export file instead of its API or the snapshot (repeatable), e.g.
    /// signon=signon-users.csv: Signon's "Export users as CSV", or a CSV with header email,role.
    #[arg(long = "export", value_name = "SYSTEM=PATH", value_parser = parse_export)]
    pub exports: Vec<ExportArg>,
}

fn parse_export(s: &str) -> Result<ExportArg, String> {
    s.parse()
}

impl AccountArgs {
    /// The library's options, with the retry policy of the GitHub flags.
    pub fn options(&self, github: &GithubArgs) -> AccountOptions {
        AccountOptions {
            sentry_url: self.sentry_url.clone(),
            fastly_url: self.fastly_url.clone(),
            pagerduty_url: self.pagerduty_url.clone(),
            exports: self.exports.clone(),
            policy: RetryPolicy {
                // --retries N: N retries after the first try.
                tries: github.retries.saturating_add(1),
                backoff_ms: github.backoff_ms,
                max_wait: github.max_wait,
            },
        }
    }
}

impl GithubArgs {
    /// The library's options for the GitHub client (the library never sees clap types).
    pub fn options(&self) -> ClientOptions {
        let GithubArgs {
            api_url,
            app_id,
            app_private_key,
            cache_dir,
            max_wait,
            concurrency,
            retries,
            backoff_ms,
            secondary_wait,
        } = self.clone();
        ClientOptions {
            api_url,
            app_id,
            app_private_key,
            cache_dir,
            max_wait,
            concurrency,
            retries,
            backoff_ms,
            secondary_wait,
        }
    }
}

/// `--format`: the report's [`Format`] is a library type without clap's derive, so its command
/// line spelling lives here.
impl ValueEnum for Format {
    fn value_variants<'a>() -> &'a [Self] {
        &[
            Format::Text,
            Format::Json,
            Format::Markdown,
            Format::Github,
            Format::Csv,
            Format::Html,
        ]
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(match self {
            Format::Text => PossibleValue::new("text"),
            Format::Json => PossibleValue::new("json"),
            Format::Markdown => PossibleValue::new("markdown"),
            Format::Github => {
                PossibleValue::new("github").help("GitHub Actions workflow commands (annotations)")
            }
            Format::Csv => PossibleValue::new("csv").help("RFC 4180 (roster, changes)"),
            Format::Html => PossibleValue::new("html").help("one self-contained page (roster)"),
        })
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate the config and check it against the production access rules.
    #[command(after_help = help_tail!(
        "access-reconciler check --config config/govuk_tech.yml",
        "access-reconciler check --config config/govuk_tech.yml --format json --strict > check.json",
    ))]
    Check(CheckArgs),
    /// Compare declared roles with GitHub team membership (live, or from --snapshot).
    #[command(after_help = help_tail!(
        "GITHUB_TOKEN=... access-reconciler drift --config config/govuk_tech.yml --format github",
        "access-reconciler drift --config config/govuk_tech.yml --snapshot membership.json --max-age 7",
    ))]
    Drift(DriftArgs),
    /// Record the membership of the managed teams to a snapshot file.
    #[command(after_help = help_tail!(
        "GITHUB_TOKEN=... access-reconciler snapshot --config config/govuk_tech.yml --out membership.json",
        "access-reconciler snapshot --app-id 12345 --app-private-key app.pem --out membership.json",
    ))]
    Snapshot(SnapshotArgs),
    /// Show the access a config change grants or revokes; optionally as a sticky PR comment.
    #[command(after_help = help_tail!(
        "access-reconciler review --base-ref origin/main --config config/govuk_tech.yml",
        "GITHUB_TOKEN=... access-reconciler review --base-ref \"$BASE_SHA\" --post-comment --repo OWNER/NAME --pr 123",
    ))]
    Review(ReviewArgs),
    /// Propose config edits that resolve drift; print, write, or open a PR.
    #[command(after_help = help_tail!(
        "access-reconciler fix --config config/govuk_tech.yml --snapshot membership.json --write",
        "GITHUB_TOKEN=... access-reconciler fix --open-pr --repo OWNER/NAME --path config/govuk_tech.yml",
    ))]
    Fix(FixArgs),
    /// Who holds what, everywhere: one row per person (and per holder not in the config), one
    /// column per system. Formats: text, json, markdown, csv, html.
    Roster(RosterArgs),
    /// Who gained or lost which access in which system between two snapshots. Formats: text,
    /// json, markdown, csv.
    Changes(ChangesArgs),
    /// One page about one person: their config entry, every rule with its evidence, what each
    /// system holds, every finding with its fix. Formats: text, json, markdown.
    Explain(ExplainArgs),
}

/// Accepted exceptions and the severity that fails a run (`check`, `drift`, `review`).
#[derive(Debug, Args, Clone)]
pub struct GateArgs {
    /// Accepted exceptions (YAML). Default: access-exceptions.yml beside the config, when it
    /// exists.
    #[arg(long, value_name = "PATH")]
    pub exceptions: Option<PathBuf>,

    /// Exit 1 only when a finding at or above this severity, not accepted, remains.
    #[arg(long, value_enum, value_name = "SEVERITY", default_value_t = FailOn::Info)]
    pub fail_on: FailOn,
}

/// A severity, for `--fail-on`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Info,
    Low,
    Medium,
    High,
}

impl FailOn {
    pub fn severity(self) -> crate::finding::Severity {
        use crate::finding::Severity;
        match self {
            FailOn::Info => Severity::Info,
            FailOn::Low => Severity::Low,
            FailOn::Medium => Severity::Medium,
            FailOn::High => Severity::High,
        }
    }
}

#[derive(Debug, Args)]
pub struct ConfigArg {
    /// The access config (govuk_tech.yml format).
    #[arg(
        long,
        value_name = "PATH",
        default_value = "config/govuk_tech.yml",
        help_heading = "Input"
    )]
    pub config: PathBuf,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub config: ConfigArg,

    #[command(flatten)]
    pub gate: GateArgs,
}

#[derive(Debug, Args)]
pub struct DriftArgs {
    #[command(flatten)]
    pub config: ConfigArg,

    /// Read every selected system from this snapshot (v1 or v2) instead of live.
    #[arg(long, value_name = "PATH", help_heading = "Input")]
    pub snapshot: Option<PathBuf>,

    /// With --snapshot: a snapshot recorded more than this many days before --today, or after
    /// it, gives a stale_evidence finding (an undated one, a warning).
    #[arg(long, value_name = "DAYS", default_value_t = crate::evidence::DEFAULT_MAX_AGE_DAYS, requires = "snapshot", help_heading = "Input")]
    pub max_age: u32,

    /// Only these configured systems, comma-separated (e.g. `github,aws`). Default: every system
    /// the mapping configures.
    #[arg(long, value_name = "LIST", help_heading = "Input")]
    pub system: Option<String>,

    #[command(flatten)]
    pub gate: GateArgs,

    #[command(
        flatten,
        next_help_heading = "GitHub (token: GITHUB_TOKEN or GH_TOKEN; or a GitHub App: GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY)"
    )]
    pub github: GithubArgs,

    #[command(flatten)]
    pub accounts: AccountArgs,
}

#[derive(Debug, Args)]
pub struct RosterArgs {
    #[command(flatten)]
    pub config: ConfigArg,

    /// Read every selected system from this snapshot (v1 or v2) instead of live.
    #[arg(long, value_name = "PATH")]
    pub snapshot: Option<PathBuf>,

    /// Only these configured systems, comma-separated (e.g. `github,aws`). Default: every system
    /// the mapping configures.
    #[arg(long, value_name = "LIST")]
    pub system: Option<String>,

    #[command(flatten)]
    pub gate: GateArgs,

    #[command(flatten)]
    pub github: GithubArgs,

    #[command(flatten)]
    pub accounts: AccountArgs,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A login, an email or a name, in any letter case.
    #[arg(value_name = "WHO")]
    pub who: String,

    #[command(flatten)]
    pub inputs: RosterArgs,
}

#[derive(Debug, Args)]
pub struct ChangesArgs {
    /// The older snapshot (v1 or v2).
    #[arg(long, value_name = "OLD")]
    pub from: PathBuf,

    /// The newer snapshot (v1 or v2).
    #[arg(long, value_name = "NEW")]
    pub to: PathBuf,

    /// An access config, for people's names and roles (optional).
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct SnapshotArgs {
    #[command(flatten)]
    pub config: ConfigArg,

    /// Where to write the snapshot (JSON, written atomically; never over the config or mapping).
    #[arg(long, value_name = "PATH", help_heading = "Output")]
    pub out: PathBuf,

    /// Only these configured systems, comma-separated (e.g. `github,aws`). Default: every system
    /// the mapping configures.
    #[arg(long, value_name = "LIST", help_heading = "Input")]
    pub system: Option<String>,

    #[command(
        flatten,
        next_help_heading = "GitHub (token: GITHUB_TOKEN or GH_TOKEN; or a GitHub App: GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY)"
    )]
    pub github: GithubArgs,

    #[command(flatten)]
    pub accounts: AccountArgs,
}

#[derive(Debug, Args)]
pub struct ReviewArgs {
    /// The config before the change.
    #[arg(
        long,
        value_name = "PATH",
        conflicts_with = "base_ref",
        required_unless_present = "base_ref",
        help_heading = "Input"
    )]
    pub base: Option<PathBuf>,

    /// The config after the change. Default with --base-ref: --config.
    #[arg(long, value_name = "PATH", help_heading = "Input")]
    pub head: Option<PathBuf>,

    /// Read the base config with `git show REV:PATH` (PATH from --config).
    #[arg(long, value_name = "REV", help_heading = "Input")]
    pub base_ref: Option<String>,

    /// The config path, for --base-ref (read at REV and, unless --head is given, as the head).
    #[arg(
        long,
        value_name = "PATH",
        default_value = "config/govuk_tech.yml",
        help_heading = "Input"
    )]
    pub config: PathBuf,

    /// Post the Markdown report as a sticky PR comment (needs --repo and --pr).
    #[arg(long, requires_all = ["repo", "pr"], help_heading = "Output")]
    pub post_comment: bool,

    /// The repository of the PR, OWNER/NAME.
    #[arg(long, value_name = "OWNER/NAME", help_heading = "Output")]
    pub repo: Option<String>,

    /// The pull request number.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..), help_heading = "Output")]
    pub pr: Option<u64>,

    #[command(flatten)]
    pub gate: GateArgs,

    #[command(
        flatten,
        next_help_heading = "GitHub (token: GITHUB_TOKEN or GH_TOKEN; or a GitHub App: GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY)"
    )]
    pub github: GithubArgs,
}

#[derive(Debug, Args)]
pub struct FixArgs {
    #[command(flatten)]
    pub config: ConfigArg,

    /// Read every selected system from this snapshot (v1 or v2) instead of live.
    #[arg(long, value_name = "PATH", help_heading = "Input")]
    pub snapshot: Option<PathBuf>,

    /// With --snapshot: warn (and under --strict, refuse) when the snapshot was recorded more
    /// than this many days before --today, or after it.
    #[arg(long, value_name = "DAYS", default_value_t = crate::evidence::DEFAULT_MAX_AGE_DAYS, requires = "snapshot", help_heading = "Input")]
    pub max_age: u32,

    /// Apply the edits to --config in place (atomically).
    #[arg(long, conflicts_with = "open_pr", help_heading = "Output")]
    pub write: bool,

    /// With --write: replace the config even when the file is read-only.
    #[arg(long, requires = "write", help_heading = "Safety")]
    pub force: bool,

    /// Open (or update) one pull request with the edits, from the repo's default branch.
    #[arg(long, requires = "repo", help_heading = "Output")]
    pub open_pr: bool,

    /// The config repository, OWNER/NAME (for --open-pr).
    #[arg(long, value_name = "OWNER/NAME", help_heading = "Output")]
    pub repo: Option<String>,

    /// The config path inside the repository (for --open-pr).
    #[arg(
        long,
        value_name = "PATH",
        default_value = "config/govuk_tech.yml",
        help_heading = "Output"
    )]
    pub path: String,

    /// The branch the PR is made from; force-updated on every run.
    #[arg(
        long,
        value_name = "BRANCH",
        default_value = "access-reconciler/drift",
        help_heading = "Output"
    )]
    pub branch: String,

    /// Add entries (or raise roles) for unexpected members, so the config matches GitHub.
    #[arg(long)]
    pub codify_unexpected: bool,

    /// Refuse when the edits would revoke more than this share of the roles in the file.
    #[arg(
        long,
        value_name = "RATIO",
        default_value_t = 0.25,
        help_heading = "Safety"
    )]
    pub max_revoke_ratio: f64,

    /// Seconds between API mutations (0 in tests).
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 1.0,
        help_heading = "Safety"
    )]
    pub mutation_delay: f64,

    /// Only these configured systems, comma-separated (e.g. `github,aws`). Default: every system
    /// the mapping configures.
    #[arg(long, value_name = "LIST", help_heading = "Input")]
    pub system: Option<String>,

    #[command(
        flatten,
        next_help_heading = "GitHub (token: GITHUB_TOKEN or GH_TOKEN; or a GitHub App: GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY)"
    )]
    pub github: GithubArgs,

    #[command(flatten)]
    pub accounts: AccountArgs,
}

/// A count that must be 1 or more (`--concurrency 0` would never send a request).
fn at_least_one(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(0) => Err("must be 1 or more".to_owned()),
        Ok(n) => Ok(n),
        Err(e) => Err(e.to_string()),
    }
}

/// The GitHub flags: none of them is used when membership comes from --snapshot.
const GITHUB_FLAGS: &[(&str, &str)] = &[
    ("api_url", "--api-url"),
    ("app_id", "--app-id"),
    ("app_private_key", "--app-private-key"),
    ("cache_dir", "--cache-dir"),
    ("max_wait", "--max-wait"),
    ("concurrency", "--concurrency"),
    ("retries", "--retries"),
];

/// Whether `id` was written on the command line (not a default, not from the environment).
fn given(m: &clap::ArgMatches, id: &str) -> bool {
    m.try_contains_id(id).unwrap_or(false)
        && m.value_source(id) == Some(clap::parser::ValueSource::CommandLine)
}

/// Flags that the command would accept and then ignore are refused, with the reason.
pub fn refused(matches: &clap::ArgMatches) -> Result<(), String> {
    let Some((name, sub)) = matches.subcommand() else {
        return Ok(());
    };
    match name {
        "snapshot" => {
            for (id, flag, why) in [
                (
                    "format",
                    "--format",
                    "a snapshot is always the JSON file --out names",
                ),
                ("today", "--today", "a snapshot records GitHub as it is now"),
            ] {
                if given(sub, id) || given(matches, id) {
                    return Err(format!("snapshot does not take {flag}: {why}"));
                }
            }
        }
        // fix --open-pr still talks to GitHub for the pull request.
        "drift" | "fix" if given(sub, "snapshot") && !given(sub, "open_pr") => {
            if let Some((_, flag)) = GITHUB_FLAGS.iter().find(|(id, _)| given(sub, id)) {
                return Err(format!(
                    "{name} --snapshot reads membership from the file, so {flag} would be ignored; drop {flag}, or drop --snapshot to read GitHub live"
                ));
            }
        }
        "review" => {
            if given(sub, "base") && given(sub, "config") {
                return Err(
                    "review --base takes the base file and --head the head; --config is only used with --base-ref (drop --config, or use --base-ref REV --config PATH)"
                        .to_owned(),
                );
            }
            if !given(sub, "post_comment")
                && let Some(flag) = [("repo", "--repo"), ("pr", "--pr")]
                    .iter()
                    .find(|(id, _)| given(sub, id))
                    .map(|(_, f)| f)
            {
                return Err(format!(
                    "review {flag} is only used with --post-comment; add --post-comment, or drop {flag}"
                ));
            }
        }
        _ => {}
    }
    Ok(())
}

/// Parse the command line, run the command, and map the outcome to an exit code.
pub fn main() -> ExitCode {
    use clap::{CommandFactory, FromArgMatches};
    let matches = Cli::command().get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    if let Err(msg) = refused(&matches) {
        crate::errln!("error: {msg}");
        return ExitCode::from(crate::exit::USAGE);
    }
    let code = crate::commands::run(cli);
    // A report that could not be written was not delivered: never exit as if it had been.
    if crate::commands::common::stdout_failed() && code < crate::exit::USAGE {
        return ExitCode::from(crate::exit::USAGE);
    }
    ExitCode::from(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_format_has_one_spelling_and_the_defaults_match_the_library() {
        let names: Vec<String> = Format::value_variants()
            .iter()
            .filter_map(|f| f.to_possible_value())
            .map(|v| v.get_name().to_owned())
            .collect();
        assert_eq!(names, ["text", "json", "markdown", "github", "csv", "html"]);
        let cli = Cli::try_parse_from(["access-reconciler", "drift"]).expect("parses");
        let Command::Drift(args) = cli.command else {
            panic!("drift")
        };
        assert_eq!(args.github.options(), ClientOptions::default());
        assert_eq!(cli.global.format, Format::default());
    }
}
