//! `access-reconciler review`: load base and head, diff them, render, and optionally post the
//! Markdown as the sticky PR comment.

use std::path::Path;
use std::process::Command as Process;

use http::Method;
use serde::Deserialize;

use super::common;
use crate::cli::{GlobalArgs, ReviewArgs};
use crate::config::{self, Config, ConfigError, ConfigErrors, Mapping};
use crate::exit;
use crate::report::Format;
use crate::report::evidence::{Evidence, FileDigest};
use crate::review::comment::{self, CommentApi, CommentError, IssueComment, Posted};
use crate::review::{self, markdown};
use crate::sources::github::SourceError;
use crate::sources::github::rest::{ApiError, RestClient, encode};

/// The login GitHub Actions' own `GITHUB_TOKEN` comments as; it cannot read `GET /user`.
const ACTIONS_BOT: &str = "github-actions[bot]";

pub fn run(global: &GlobalArgs, args: ReviewArgs) -> u8 {
    let (mapping, mapping_source) = match common::load_mapping_with_source(global) {
        Ok(m) => m,
        Err(code) => return code,
    };
    let today = match common::today(global) {
        Ok(d) => d,
        Err(code) => return code,
    };
    let target = match comment_target(&args) {
        Ok(t) => t,
        Err(msg) => {
            crate::errln!("error: {msg}");
            return exit::USAGE;
        }
    };

    let head_path = match (&args.head, &args.base_ref) {
        (Some(head), _) => head.clone(),
        (None, Some(_)) => args.config.clone(),
        (None, None) => {
            crate::errln!(
                "error: --head PATH is needed with --base PATH (or use --base-ref REV to read the \
                 base from git and --config as the head)"
            );
            return exit::USAGE;
        }
    };
    let head_display = head_path.display().to_string();

    let base = match (&args.base, &args.base_ref) {
        (Some(path), _) => common::load_config_digest(path, &mapping),
        (None, Some(rev)) => git_show(rev, &args.config)
            .map_err(ConfigErrors::from)
            .and_then(|(display, text)| {
                let config = config::people::parse(&display, &text, &mapping)?;
                Ok((config, FileDigest::of(&display, text.as_bytes())))
            }),
        (None, None) => {
            crate::errln!("error: give the base config with --base PATH or --base-ref REV");
            return exit::USAGE;
        }
    };
    let base_display = match (&args.base, &args.base_ref) {
        (Some(path), _) => path.display().to_string(),
        (_, Some(rev)) => format!("{rev}:{}", args.config.display()),
        _ => String::new(),
    };
    let head = match common::load_config_text(&head_path, &mapping) {
        Ok((config, text)) => {
            match common::unknown_keys(global, &config.path, &text, &mapping) {
                Ok(unknown) => common::warn_unknown_keys(&config.path, &unknown),
                Err(code) => return code,
            }
            let digest = crate::report::evidence::FileDigest::of(&config.path, text.as_bytes());
            Ok((config, digest))
        }
        Err(e) => Err(e),
    };

    // Head errors first: they are what the author must fix. A broken base cannot be compared
    // either; that is reported the same way, naming the base file.
    let ((base, base_digest), (head, head_digest)) = match (base, head) {
        (Ok(b), Ok(h)) => (b, h),
        (b, h) => {
            let head_errors = h.err().unwrap_or_default();
            let base_errors = b.err().unwrap_or_default();
            if !base_errors.0.is_empty() {
                crate::errln!(
                    "error: the base version of the config could not be read or is invalid, so it cannot be compared"
                );
            }
            return config_errors(
                global,
                &head_errors,
                &base_errors,
                &base_display,
                &head_display,
                &target,
            );
        }
    };
    let exceptions =
        match common::load_exceptions(args.gate.exceptions.as_deref(), &head_path, today) {
            Ok(e) => e,
            Err(code) => return code,
        };

    let mut rendered = render_review(&base, &head, &mapping, today);
    rendered.evidence = Evidence::new(today);
    rendered.evidence.mapping = mapping_source;
    rendered.evidence.config = Some(head_digest);
    rendered.evidence.base_config = Some(base_digest);
    if let Some((exceptions, digest)) = &exceptions {
        rendered.evidence.exceptions = Some(digest.clone());
        rendered.apply_exceptions(exceptions, &head);
    }
    let out = match global.format {
        // csv and html are refused before the run (`commands::run`).
        Format::Text | Format::Csv | Format::Html => crate::report::wrap::wrap_report(
            &review::text::render(&rendered, common::color(global)),
            common::text_width(),
        ),
        Format::Json => review::json::render(&rendered),
        Format::Markdown => markdown::render(&rendered),
        Format::Github => review::github::render(&rendered),
    };
    common::write_stdout(out.as_bytes());

    if let Some(target) = &target {
        let body = markdown::render(&rendered);
        if let Err(code) = post(target, &body) {
            return code;
        }
    }
    rendered.exit_code(args.gate.fail_on.severity())
}

fn render_review(
    base: &Config,
    head: &Config,
    mapping: &Mapping,
    today: chrono::NaiveDate,
) -> review::Review {
    let base_findings = crate::policy::check(base, mapping, today);
    let head_findings = crate::policy::check(head, mapping, today);
    // Both sides read the same mapping; an adapter with inputs of its own (AWS's
    // temporary_admin.yml) is built per side, from that side's files.
    // Until review reads each side's temporary_admin.yml, AWS expects no temporary roles here.
    let aws = crate::sources::aws::adapter::AwsInputs::none(today);
    let adapters = crate::engine::adapters(mapping, &mapping.systems(), &aws);
    review::review(
        review::Side {
            config: base,
            adapters: &adapters,
        },
        review::Side {
            config: head,
            adapters: &adapters,
        },
        mapping,
        &base_findings,
        head_findings,
    )
}

/// Report config errors: all of them on stderr; in Markdown (stdout and the comment) they lead.
fn config_errors(
    global: &GlobalArgs,
    head_errors: &ConfigErrors,
    base_errors: &ConfigErrors,
    base: &str,
    head: &str,
    target: &Option<Target>,
) -> u8 {
    let mut all = head_errors.clone();
    all.0.extend(base_errors.0.iter().cloned());
    let code = common::report_config_errors(&all);
    let md = markdown::render_errors(head_errors, base_errors, base, head);
    match global.format {
        Format::Markdown => common::write_stdout(md.as_bytes()),
        Format::Github => {
            let ws = std::env::var("GITHUB_WORKSPACE").ok();
            let out = crate::report::errors::annotations(&all, ws.as_deref());
            common::write_stdout(out.as_bytes());
        }
        Format::Text | Format::Json | Format::Csv | Format::Html => {}
    }
    if let Some(target) = target {
        // Still exit 2: the config error is what must be fixed; a posting error is on stderr.
        let _ = post(target, &md);
    }
    code
}

/// Where the sticky comment goes.
struct Target {
    owner: String,
    repo: String,
    pr: u64,
    github: crate::sources::github::rest::ClientOptions,
}

fn comment_target(args: &ReviewArgs) -> Result<Option<Target>, String> {
    if !args.post_comment {
        return Ok(None);
    }
    let (Some(repo), Some(pr)) = (&args.repo, args.pr) else {
        return Err("--post-comment needs --repo OWNER/NAME and --pr N".into());
    };
    let valid = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    match repo.split_once('/') {
        Some((owner, name)) if valid(owner) && valid(name) => Ok(Some(Target {
            owner: owner.to_owned(),
            repo: name.to_owned(),
            pr,
            github: args.github.options(),
        })),
        _ => Err(format!(
            "--repo {repo:?} is not OWNER/NAME, e.g. --repo alphagov/govuk-user-reviewer"
        )),
    }
}

/// Post or update the sticky comment. Errors are printed; the exit code is returned.
fn post(target: &Target, body: &str) -> Result<(), u8> {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            crate::errln!("error: cannot start the async runtime: {e}");
            return Err(exit::SOURCE);
        }
    };
    let body = comment::truncate(body);
    runtime.block_on(async {
        let client = match RestClient::connect(&target.github, &target.owner).await {
            Ok(c) => c,
            Err(SourceError::Usage(msg)) => {
                // review has no --snapshot: the hint would name a flag it does not take.
                let msg = crate::sources::github::rest::without_offline_hint(&msg);
                crate::errln!("error: {msg}");
                crate::errln!(
                    "  (posting the review comment needs the repository permission \
                     \"Pull requests: write\" or \"Issues: write\")"
                );
                return Err(exit::USAGE);
            }
            Err(SourceError::Api(msg)) => {
                crate::errln!("error: {msg}");
                return Err(exit::SOURCE);
            }
        };
        let api = RestComments {
            client,
            owner: target.owner.clone(),
            repo: target.repo.clone(),
            pr: target.pr,
        };
        match comment::upsert(&api, &body).await {
            Ok(Posted::Created(id)) => {
                tracing::info!(id, "created the review comment");
                crate::errln!(
                    "Posted the review comment on {}/{}#{}.",
                    target.owner, target.repo, target.pr
                );
                Ok(())
            }
            Ok(Posted::Updated(id)) => {
                tracing::info!(id, "updated the review comment");
                crate::errln!(
                    "Updated the review comment on {}/{}#{}.",
                    target.owner, target.repo, target.pr
                );
                Ok(())
            }
            Err(e) => {
                crate::errln!(
                    "error: could not post the review comment on {}/{}#{}: {e}",
                    target.owner, target.repo, target.pr
                );
                if e.permission {
                    crate::errln!(
                        "  The token needs the repository permission \"Pull requests: write\" \
                         (or \"Issues: write\"); in a workflow: `permissions: pull-requests: write`."
                    );
                }
                Err(exit::SOURCE)
            }
        }
    })
}

/// The sticky comment over the REST client.
struct RestComments {
    client: RestClient,
    owner: String,
    repo: String,
    pr: u64,
}

#[derive(Deserialize)]
struct CommentBody {
    id: u64,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    user: Option<UserBody>,
}

#[derive(Deserialize)]
struct UserBody {
    login: String,
}

#[derive(Deserialize)]
struct Created {
    id: u64,
}

fn comment_error(e: ApiError) -> CommentError {
    // A 5xx, a dropped connection or an unreadable answer: the write may have happened.
    let transient = match &e {
        ApiError::Network { .. } | ApiError::Body { .. } => true,
        other => other.status().is_some_and(|s| s.is_server_error()),
    };
    let permission = e.is_auth() || matches!(e, ApiError::NotFound { .. });
    CommentError {
        message: e.redacted(),
        transient,
        permission,
    }
}

impl CommentApi for RestComments {
    async fn whoami(&self) -> Result<String, CommentError> {
        match self.client.whoami().await {
            Ok(login) => Ok(login),
            // Actions' GITHUB_TOKEN cannot read /user; its comments are by github-actions[bot].
            Err(e) if e.is_auth() && std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true") => {
                tracing::info!("GET /user refused ({e}); assuming the token is {ACTIONS_BOT}");
                Ok(ACTIONS_BOT.to_owned())
            }
            Err(e) => Err(comment_error(e)),
        }
    }

    async fn list(&self) -> Result<Vec<IssueComment>, CommentError> {
        let path = format!(
            "/repos/{}/{}/issues/{}/comments?per_page=100",
            encode(&self.owner),
            encode(&self.repo),
            self.pr
        );
        let comments: Vec<CommentBody> = self
            .client
            .get_all_pages(&path)
            .await
            .map_err(comment_error)?;
        Ok(comments
            .into_iter()
            .map(|c| IssueComment {
                id: c.id,
                author: c.user.map(|u| u.login),
                body: c.body.unwrap_or_default(),
            })
            .collect())
    }

    async fn create(&self, body: &str) -> Result<u64, CommentError> {
        let path = format!(
            "/repos/{}/{}/issues/{}/comments",
            encode(&self.owner),
            encode(&self.repo),
            self.pr
        );
        let created: Created = self
            .client
            .send_json(Method::POST, &path, &serde_json::json!({ "body": body }))
            .await
            .map_err(comment_error)?;
        Ok(created.id)
    }

    async fn update(&self, id: u64, body: &str) -> Result<(), CommentError> {
        let path = format!(
            "/repos/{}/{}/issues/comments/{id}",
            encode(&self.owner),
            encode(&self.repo)
        );
        let _: serde_json::Value = self
            .client
            .send_json(Method::PATCH, &path, &serde_json::json!({ "body": body }))
            .await
            .map_err(comment_error)?;
        Ok(())
    }
}

/// The `REV:PATH` spec for `git show`: a relative PATH is taken from the current directory
/// (`REV:./PATH`); an absolute one is made relative to the work tree's top.
fn git_spec(rev: &str, path: &Path) -> Result<String, ConfigError> {
    let display = format!("{rev}:{}", path.display());
    if rev.is_empty() || rev.starts_with('-') || rev.contains(char::is_whitespace) {
        return Err(ConfigError::file(
            &display,
            format!("--base-ref {rev:?} is not a git revision"),
        )
        .with_help("pass a commit SHA or a branch, e.g. --base-ref origin/main"));
    }
    if path.is_absolute() {
        let top = git(&["rev-parse", "--show-toplevel"], &display)?;
        let top = std::path::PathBuf::from(top.trim());
        let top = top.canonicalize().unwrap_or(top);
        let dir = path.parent().unwrap_or(path);
        let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
        let file = path.file_name().unwrap_or_default();
        let rel = dir.join(file);
        let rel = rel.strip_prefix(&top).map_err(|_| {
            ConfigError::file(&display, "the config path is outside the git work tree")
                .with_help("run from inside the repository, or give --config relative to it")
        })?;
        Ok(format!("{rev}:{}", rel.display()))
    } else {
        let p = path.display().to_string();
        let p = p.strip_prefix("./").unwrap_or(&p);
        Ok(format!("{rev}:./{p}"))
    }
}

/// Run git with these arguments; its stdout, or a located error naming `display`.
fn git(argv: &[&str], display: &str) -> Result<String, ConfigError> {
    let out = Process::new("git").args(argv).output().map_err(|e| {
        ConfigError::file(display, format!("cannot run git: {e}"))
            .with_help("install git, or pass the base file with --base PATH")
    })?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        return Err(ConfigError::file(
            display,
            format!("`git {}` failed: {}", argv.join(" "), stderr.trim()),
        )
        .with_help(
            "check that the revision exists (fetch it, e.g. `git fetch origin BASE_SHA`) and \
             that the config file existed at it",
        ));
    }
    if out.stdout.len() as u64 > config::MAX_FILE_BYTES {
        return Err(ConfigError::file(
            display,
            format!(
                "the file is {} bytes; the limit is {} bytes",
                out.stdout.len(),
                config::MAX_FILE_BYTES
            ),
        ));
    }
    String::from_utf8(out.stdout).map_err(|e| {
        let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = good.iter().filter(|&&b| b == b'\n').count() + 1;
        let col = good.iter().rev().take_while(|&&b| b != b'\n').count() + 1;
        ConfigError::new(
            display,
            config::Pos { line, col },
            "the file is not valid UTF-8",
        )
        .with_help("save the file as UTF-8")
    })
}

/// Read the config at a git revision: (`REV:PATH` as shown in messages, text).
fn git_show(rev: &str, path: &Path) -> Result<(String, String), ConfigError> {
    let spec = git_spec(rev, path)?;
    let display = format!("{rev}:{}", path.display());
    let text = git(&["show", &spec], &display)?;
    Ok((display, text))
}
