//! The live sources, built at the CLI edge from the flags: [`Live::source`] is the one place a
//! system's live reader is chosen (its adapter is chosen in `engine::adapter`). A new system adds
//! one arm there (and, if it needs them, its flags here).

use futures::future::LocalBoxFuture;

use crate::access::{NoReader, Provenance, Source, SourceError, System, SystemRead};
use crate::cli::GithubArgs;
use crate::config::mapping::GithubMapping;
use crate::config::{Config, Mapping};
use crate::sources::accounts::source::AccountSource;
use crate::sources::aws::adapter::LiveAws;
use crate::sources::github::MembershipSource;
use crate::sources::github::adapter::system_read;
use crate::sources::github::live::LiveSource;
use crate::sources::github::rest::ClientOptions;

/// What live sources are built from, and the connections they share with the command (`fix`
/// looks up GitHub org membership on the connection the read used).
pub struct Live<'a> {
    pub mapping: &'a Mapping,
    /// How to reach GitHub (the library's options, converted from the flags).
    pub github: ClientOptions,
    /// Whether progress bars are drawn (stderr is a terminal and not `--quiet`).
    pub progress: bool,
    /// `snapshot --out`: GitHub also records the org membership of the declared people with a
    /// role who are missing from one of their teams, so an offline `fix` can spot leavers.
    pub org_membership_for: Option<&'a Config>,
    /// The account systems' sources (their `--export` files, or their APIs with the tokens),
    /// from [`crate::commands::common::account_sources`]; an export also wins over `--snapshot`.
    pub accounts: Vec<AccountSource>,
    github_connection: tokio::sync::OnceCell<LiveSource>,
}

impl<'a> Live<'a> {
    pub fn new(mapping: &'a Mapping, github: &'a GithubArgs, progress: bool) -> Self {
        Live {
            mapping,
            github: github.options(),
            progress,
            org_membership_for: None,
            accounts: Vec::new(),
            github_connection: tokio::sync::OnceCell::new(),
        }
    }

    /// The live source of `system`: the one registration point for live readers.
    pub fn source(&self, system: System) -> Box<dyn Source + '_> {
        if let Some(account) = self.accounts.iter().find(|s| s.system() == system) {
            return Box::new(Borrowed(account));
        }
        match (system, &self.mapping.github) {
            (System::Github, Some(mapping)) => Box::new(LiveGithub {
                live: self,
                mapping,
            }),
            // AWS: the standard credential chain and endpoint variables; throttling and 5xx
            // retried as GitHub's --retries (retries after the first try) and --backoff-ms say.
            (System::Aws, _) => match LiveAws::for_mapping(
                self.mapping,
                self.github.retries.saturating_add(1),
                self.github.backoff_ms,
            ) {
                Some(aws) => Box::new(aws),
                None => Box::new(Unreadable(system)),
            },
            // Systems whose live readers have not landed yet: unread, named in `errors`.
            (other, _) => Box::new(Unreadable(other)),
        }
    }

    /// The GitHub connection, made on first use (inside the read, so it is concurrent with the
    /// other systems) and kept for `fix`'s org-membership look-ups.
    pub async fn github_connection(&self) -> Result<&LiveSource, SourceError> {
        let org = self.mapping.org().unwrap_or_default();
        self.github_connection
            .get_or_try_init(|| LiveSource::connect(&self.github, org, self.progress))
            .await
    }
}

/// GitHub read live: the managed teams (and, for a snapshot, org membership).
struct LiveGithub<'l, 'a> {
    live: &'l Live<'a>,
    mapping: &'l GithubMapping,
}

impl Source for LiveGithub<'_, '_> {
    fn system(&self) -> System {
        System::Github
    }

    fn read(&self) -> LocalBoxFuture<'_, Result<SystemRead, SourceError>> {
        Box::pin(async move {
            let source = self.live.github_connection().await?;
            let read = match self.live.org_membership_for {
                Some(config) => {
                    crate::commands::snapshot::read_with_org_membership(
                        source,
                        config,
                        self.live.mapping,
                    )
                    .await?
                }
                None => {
                    source
                        .read_teams(&self.mapping.org, &self.mapping.managed_teams())
                        .await?
                }
            };
            let mut out = system_read(read);
            out.provenance = Provenance::Live {
                url: self.live.github.api_url.clone(),
            };
            Ok(out)
        })
    }
}

/// An account system's source, kept by [`Live`] and lent to a read.
struct Borrowed<'a>(&'a AccountSource);

impl Source for Borrowed<'_> {
    fn system(&self) -> System {
        self.0.system()
    }

    fn read(&self) -> LocalBoxFuture<'_, Result<SystemRead, SourceError>> {
        self.0.read()
    }
}

/// A selected system that has no live reader yet: unread, named in `errors` (exit 3).
pub struct Unreadable(pub System);

impl Source for Unreadable {
    fn system(&self) -> System {
        self.0
    }

    fn read(&self) -> LocalBoxFuture<'_, Result<SystemRead, SourceError>> {
        let reason = NoReader(self.0).reason();
        Box::pin(async move { Ok(SystemRead::unread(self.0, reason)) })
    }
}
