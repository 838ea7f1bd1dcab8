//! The drift pull request (`fix --open-pr`): one branch, one commit on the default branch's head,
//! one PR, updated in place on every run and closed when the drift is resolved.
//!
//! The config is read from the repository's default branch through the API (never the local
//! copy). Mutations run one at a time, at least `--mutation-delay` apart, and are never retried
//! blindly: after a failed create the state is read again and checked first. A run that fails
//! part-way undoes its own branch changes, so no PR is left pointing at a half-made branch.
//!
//! Needs a token with the repository permissions Contents: write and Pull requests: write.

use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use http::{Method, StatusCode};
use serde::Deserialize;
use serde_json::json;

use crate::sources::github::rest::{ApiError, RestClient, encode};

/// The permissions `--open-pr` needs, named in errors and the README.
pub const PR_PERMISSIONS: &str = "the repo scope (classic token), or a fine-grained token or GitHub App \
     installation with the repository permissions \"Contents: write\" and \"Pull requests: write\"";

/// An `--open-pr` failure. Always exit 3: the API or the network failed, or permissions are
/// missing. The message says what was done and what was undone.
#[derive(Debug, thiserror::Error)]
#[error("{message}\n  help: --open-pr needs {PR_PERMISSIONS}")]
pub struct PrError {
    pub message: String,
}

impl PrError {
    fn api(doing: &str, e: &ApiError) -> Self {
        PrError {
            message: format!("{doing}: {}", e.redacted()),
        }
    }
}

/// `OWNER/NAME`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repo {
    pub owner: String,
    pub name: String,
}

impl Repo {
    pub fn parse(s: &str) -> Result<Repo, String> {
        let valid = |part: &str| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        };
        match s.split_once('/') {
            Some((owner, name)) if valid(owner) && valid(name) => Ok(Repo {
                owner: owner.to_owned(),
                name: name.to_owned(),
            }),
            _ => Err(format!(
                "--repo {s:?} is not OWNER/NAME (e.g. alphagov/govuk-user-reviewer)"
            )),
        }
    }

    fn api(&self) -> String {
        format!("/repos/{}/{}", encode(&self.owner), encode(&self.name))
    }
}

impl std::fmt::Display for Repo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.owner, self.name)
    }
}

/// A path inside the repository, each segment encoded.
fn encode_path(path: &str) -> String {
    path.split('/')
        .filter(|s| !s.is_empty())
        .map(encode)
        .collect::<Vec<_>>()
        .join("/")
}

/// The config as it is on the default branch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseFile {
    pub default_branch: String,
    /// The default branch's head commit.
    pub head: String,
    /// The file's blob sha on the default branch.
    pub blob: String,
    pub text: String,
}

/// What the run did to the PR.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Opened {
        number: u64,
        url: String,
    },
    Updated {
        number: u64,
        url: String,
    },
    Closed {
        number: u64,
        url: String,
    },
    /// No edits and no open PR.
    Nothing,
    /// No open PR, and the newest PR from the branch proposed exactly these edits and was
    /// closed without being merged: a human declined them, so no new PR is opened.
    Declined {
        number: u64,
        url: String,
    },
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Outcome::Opened { number, url } => write!(f, "opened pull request #{number}: {url}"),
            Outcome::Updated { number, url } => {
                write!(f, "updated pull request #{number}: {url}")
            }
            Outcome::Closed { number, url } => write!(
                f,
                "closed pull request #{number} (the drift is resolved): {url}"
            ),
            Outcome::Nothing => write!(f, "no edits and no open pull request; nothing to do"),
            Outcome::Declined { number, url } => write!(
                f,
                "pull request #{number} proposed exactly these edits and was closed without \
                 being merged, so no new one is opened: correct GitHub so the drift goes away, \
                 or reopen #{number} to have it updated. A new pull request is opened when the \
                 proposed edits change: {url}"
            ),
        }
    }
}

/// What goes into the PR.
#[derive(Debug, Clone)]
pub struct Change<'a> {
    pub text: &'a str,
    pub title: &'a str,
    pub body: &'a str,
    pub commit_message: &'a str,
    /// [`crate::fix::propose::Plan::fingerprint`] of the edits.
    pub fingerprint: &'a str,
}

/// The hidden line in the PR body that says which edits the PR proposes.
pub fn edits_marker(fingerprint: &str) -> String {
    format!("<!-- access-reconciler:fix edits={fingerprint} -->")
}

/// The PR body with the edits marker as its last line.
fn with_marker(change: &Change<'_>) -> String {
    let sep = if change.body.ends_with('\n') {
        ""
    } else {
        "\n"
    };
    format!("{}{sep}{}\n", change.body, edits_marker(change.fingerprint))
}

/// What the marker becomes when the tool closes a PR because the drift is resolved, so that a
/// PR closed by the tool is never mistaken for one a human declined.
const RESOLVED_MARKER: &str = "<!-- access-reconciler:fix resolved-edits=";
const MARKER_PREFIX: &str = "<!-- access-reconciler:fix edits=";

#[derive(Deserialize)]
struct RepoBody {
    default_branch: String,
}

#[derive(Deserialize)]
struct RefBody {
    object: RefObject,
}

#[derive(Deserialize)]
struct RefObject {
    sha: String,
}

#[derive(Deserialize)]
struct ContentBody {
    sha: String,
    #[serde(default)]
    content: String,
    #[serde(default)]
    encoding: String,
}

#[derive(Deserialize)]
struct BlobBody {
    content: String,
    encoding: String,
}

#[derive(Deserialize)]
struct CommitBody {
    #[serde(default)]
    parents: Vec<RefObject>,
}

#[derive(Deserialize)]
struct PullBody {
    number: u64,
    #[serde(default)]
    html_url: String,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    merged_at: Option<String>,
}

/// The PR writer: one repository, one branch, mutations spaced out.
pub struct PrWriter<'c> {
    client: &'c RestClient,
    repo: Repo,
    path: String,
    branch: String,
    delay: Duration,
    last_mutation: Option<Instant>,
}

impl<'c> PrWriter<'c> {
    pub fn new(
        client: &'c RestClient,
        repo: Repo,
        path: &str,
        branch: &str,
        delay: Duration,
    ) -> Self {
        PrWriter {
            client,
            repo,
            path: path.trim_matches('/').to_owned(),
            branch: branch.to_owned(),
            delay,
            last_mutation: None,
        }
    }

    /// Read the default branch, its head and the config file on it.
    pub async fn read_base(&self) -> Result<BaseFile, PrError> {
        let repo: RepoBody =
            self.client.get_json(&self.repo.api()).await.map_err(|e| {
                PrError::api(&format!("cannot read the repository {}", self.repo), &e)
            })?;
        let head = self
            .ref_sha(&repo.default_branch)
            .await?
            .ok_or_else(|| PrError {
                message: format!(
                    "the default branch {} of {} has no head commit",
                    repo.default_branch, self.repo
                ),
            })?;
        let (blob, text) = self.read_file(&head).await?.ok_or_else(|| PrError {
            message: format!(
                "{} is not in {} on its default branch {}; check --path",
                self.path, self.repo, repo.default_branch
            ),
        })?;
        Ok(BaseFile {
            default_branch: repo.default_branch,
            head,
            blob,
            text,
        })
    }

    /// The sha a branch points at, `None` when the branch does not exist.
    async fn ref_sha(&self, branch: &str) -> Result<Option<String>, PrError> {
        let path = format!("{}/git/ref/heads/{}", self.repo.api(), encode_path(branch));
        match self.client.get_json::<RefBody>(&path).await {
            Ok(r) => Ok(Some(r.object.sha)),
            Err(ApiError::NotFound { .. }) => Ok(None),
            Err(e) => Err(PrError::api(&format!("cannot read branch {branch}"), &e)),
        }
    }

    /// The file's blob sha and text at `reference`, `None` when it is not there.
    async fn read_file(&self, reference: &str) -> Result<Option<(String, String)>, PrError> {
        let path = format!(
            "{}/contents/{}?ref={}",
            self.repo.api(),
            encode_path(&self.path),
            encode(reference)
        );
        let doing = format!("cannot read {} at {reference}", self.path);
        let body: ContentBody = match self.client.get_json(&path).await {
            Ok(b) => b,
            Err(ApiError::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(PrError::api(&doing, &e)),
        };
        // Files over 1 MB come without content: read the blob instead.
        let (content, encoding) = if body.encoding == "base64" {
            (body.content, body.encoding)
        } else {
            let blob_path = format!("{}/git/blobs/{}", self.repo.api(), encode(&body.sha));
            let blob: BlobBody = self
                .client
                .get_json(&blob_path)
                .await
                .map_err(|e| PrError::api(&doing, &e))?;
            (blob.content, blob.encoding)
        };
        if encoding != "base64" {
            return Err(PrError {
                message: format!("{doing}: GitHub sent it in an unknown encoding {encoding:?}"),
            });
        }
        let cleaned: String = content.chars().filter(|c| !c.is_whitespace()).collect();
        let bytes = BASE64.decode(cleaned).map_err(|e| PrError {
            message: format!("{doing}: the content is not valid base64 ({e})"),
        })?;
        let text = String::from_utf8(bytes).map_err(|_| PrError {
            message: format!("{doing}: the file is not valid UTF-8"),
        })?;
        Ok(Some((body.sha, text)))
    }

    /// The open PR from the branch, if any.
    async fn open_pr(&self) -> Result<Option<PullBody>, PrError> {
        let head = format!("{}:{}", self.repo.owner, self.branch);
        let path = format!(
            "{}/pulls?state=open&head={}&per_page=100",
            self.repo.api(),
            encode(&head)
        );
        let pulls: Vec<PullBody> = self
            .client
            .get_all_pages(&path)
            .await
            .map_err(|e| PrError::api("cannot list the open pull requests", &e))?;
        Ok(pulls.into_iter().min_by_key(|p| p.number))
    }

    /// Send one mutation, at least `delay` after the previous one. Never retried here.
    async fn mutate(
        &mut self,
        method: Method,
        path: &str,
        body: serde_json::Value,
    ) -> Result<serde_json::Value, ApiError> {
        if let Some(last) = self.last_mutation {
            let wait = self.delay.saturating_sub(last.elapsed());
            if !wait.is_zero() {
                tokio::time::sleep(wait).await;
            }
        }
        let result = self.client.send_json(method, path, &body).await;
        self.last_mutation = Some(Instant::now());
        result
    }

    /// Close the open PR from the branch, with a comment, when there is nothing left to fix.
    pub async fn close_resolved(&mut self) -> Result<Outcome, PrError> {
        let Some(pr) = self.open_pr().await? else {
            return Ok(Outcome::Nothing);
        };
        let comments = format!("{}/issues/{}/comments", self.repo.api(), pr.number);
        let body = "The drift this pull request resolved is gone: the config and GitHub agree on \
                    everything `access-reconciler fix` can change. Closing it.";
        self.mutate(Method::POST, &comments, json!({ "body": body }))
            .await
            .map_err(|e| PrError::api(&format!("cannot comment on #{}", pr.number), &e))?;
        let pull = format!("{}/pulls/{}", self.repo.api(), pr.number);
        let mut close = json!({ "state": "closed" });
        if let Some(body) = pr.body.as_deref().filter(|b| b.contains(MARKER_PREFIX)) {
            close["body"] = json!(body.replace(MARKER_PREFIX, RESOLVED_MARKER));
        }
        self.mutate(Method::PATCH, &pull, close)
            .await
            .map_err(|e| PrError::api(&format!("cannot close #{}", pr.number), &e))?;
        Ok(Outcome::Closed {
            number: pr.number,
            url: pr.html_url,
        })
    }

    /// Put `change` on the branch as one commit on the default branch's head, then open the PR
    /// or update the open one. On failure, the branch is put back as it was.
    pub async fn publish(
        &mut self,
        base: &BaseFile,
        change: &Change<'_>,
    ) -> Result<Outcome, PrError> {
        if self.open_pr().await?.is_none()
            && let Some(pr) = self.declined(change.fingerprint).await?
        {
            tracing::info!(
                "#{} was closed without merging and proposed these edits; not opening another",
                pr.number
            );
            return Ok(Outcome::Declined {
                number: pr.number,
                url: pr.html_url,
            });
        }
        let before = self.ref_sha(&self.branch).await?;
        if let Some(sha) = &before
            && self.branch_is_current(sha, base, change.text).await?
        {
            tracing::info!("branch {} already holds these edits", self.branch);
            return self.upsert_pr(base, change).await;
        }
        let done = self.commit(base, change, before.as_deref()).await;
        let result = match done {
            Ok(()) => self.upsert_pr(base, change).await,
            Err(e) => Err(e),
        };
        match result {
            Ok(outcome) => Ok(outcome),
            Err(mut e) => {
                let undone = self.undo_branch(before.as_deref()).await;
                e.message = format!("{}\n  {undone}", e.message);
                Err(e)
            }
        }
    }

    /// The newest PR from the branch, when it is closed, not merged, and proposed exactly the
    /// edits with this fingerprint (a human declined them).
    async fn declined(&self, fingerprint: &str) -> Result<Option<PullBody>, PrError> {
        let head = format!("{}:{}", self.repo.owner, self.branch);
        // Only the newest matters: one page of one, newest first.
        let path = format!(
            "{}/pulls?state=closed&head={}&sort=created&direction=desc&per_page=1",
            self.repo.api(),
            encode(&head)
        );
        let pulls: Vec<PullBody> = self
            .client
            .get_json(&path)
            .await
            .map_err(|e| PrError::api("cannot list the closed pull requests", &e))?;
        let marker = edits_marker(fingerprint);
        Ok(pulls.into_iter().max_by_key(|p| p.number).filter(|p| {
            p.merged_at.is_none() && p.body.as_deref().is_some_and(|b| b.contains(&marker))
        }))
    }

    /// Whether the branch is one commit on `base.head` whose file is already `text`.
    async fn branch_is_current(
        &self,
        sha: &str,
        base: &BaseFile,
        text: &str,
    ) -> Result<bool, PrError> {
        let path = format!("{}/git/commits/{}", self.repo.api(), encode(sha));
        let commit: CommitBody = self
            .client
            .get_json(&path)
            .await
            .map_err(|e| PrError::api(&format!("cannot read branch {}", self.branch), &e))?;
        if commit.parents.len() != 1 || commit.parents[0].sha != base.head {
            return Ok(false);
        }
        Ok(self
            .read_file(sha)
            .await?
            .is_some_and(|(_, current)| current == text))
    }

    /// Force the branch to the default branch's head, then commit the file on it.
    async fn commit(
        &mut self,
        base: &BaseFile,
        change: &Change<'_>,
        before: Option<&str>,
    ) -> Result<(), PrError> {
        self.point_branch(&base.head, before).await?;
        let path = format!("{}/contents/{}", self.repo.api(), encode_path(&self.path));
        let content = BASE64.encode(change.text.as_bytes());
        let branch = self.branch.clone();
        let body = |sha: &str| {
            json!({
                "message": change.commit_message,
                "content": content,
                "sha": sha,
                "branch": branch,
            })
        };
        let first = self.mutate(Method::PUT, &path, body(&base.blob)).await;
        match first {
            Ok(_) => Ok(()),
            Err(e) if e.status() == Some(StatusCode::CONFLICT) => {
                // The file changed under us: read its sha on the branch again, retry once.
                tracing::warn!(
                    "{} changed on {} while committing (409); reading it again and retrying once",
                    self.path,
                    self.branch
                );
                let (sha, _) = self.read_file(&self.branch).await?.ok_or_else(|| PrError {
                    message: format!("{} disappeared from branch {}", self.path, self.branch),
                })?;
                self.mutate(Method::PUT, &path, body(&sha))
                    .await
                    .map(|_| ())
                    .map_err(|e| {
                        PrError::api(
                            &format!(
                                "cannot commit {} to {} (after one retry)",
                                self.path, self.branch
                            ),
                            &e,
                        )
                    })
            }
            Err(e) => Err(PrError::api(
                &format!("cannot commit {} to {}", self.path, self.branch),
                &e,
            )),
        }
    }

    /// Create the branch at `sha`, or force it there. A failed create is checked by reading
    /// the branch again before anything else is tried.
    async fn point_branch(&mut self, sha: &str, before: Option<&str>) -> Result<(), PrError> {
        let refs = format!("{}/git/refs", self.repo.api());
        let one = format!("{refs}/heads/{}", encode_path(&self.branch));
        let force = json!({ "sha": sha, "force": true });
        match before {
            Some(current) if current == sha => Ok(()),
            Some(_) => self
                .mutate(Method::PATCH, &one, force)
                .await
                .map(|_| ())
                .map_err(|e| PrError::api(&format!("cannot reset branch {}", self.branch), &e)),
            None => {
                let create = json!({ "ref": format!("refs/heads/{}", self.branch), "sha": sha });
                match self.mutate(Method::POST, &refs, create).await {
                    Ok(_) => Ok(()),
                    Err(e) => {
                        // Maybe it was made after all (or by another run): look before acting.
                        match self.ref_sha(&self.branch).await? {
                            Some(now) if now == sha => Ok(()),
                            Some(_) => self
                                .mutate(Method::PATCH, &one, force)
                                .await
                                .map(|_| ())
                                .map_err(|e2| {
                                    PrError::api(
                                        &format!("cannot reset branch {}", self.branch),
                                        &e2,
                                    )
                                }),
                            None => Err(PrError::api(
                                &format!("cannot create branch {}", self.branch),
                                &e,
                            )),
                        }
                    }
                }
            }
        }
    }

    /// Update the open PR's title and body, or open one. A failed create is checked by listing
    /// the open PRs again before anything else is tried.
    async fn upsert_pr(
        &mut self,
        base: &BaseFile,
        change: &Change<'_>,
    ) -> Result<Outcome, PrError> {
        if let Some(pr) = self.open_pr().await? {
            return self.update_pr(pr, change).await;
        }
        let pulls = format!("{}/pulls", self.repo.api());
        let create = json!({
            "title": change.title,
            "head": self.branch,
            "base": base.default_branch,
            "body": with_marker(change),
        });
        match self.mutate(Method::POST, &pulls, create).await {
            Ok(v) => {
                let pr: PullBody = serde_json::from_value(v).map_err(|e| PrError {
                    message: format!(
                        "the answer to opening the pull request is not the JSON expected: {e}"
                    ),
                })?;
                Ok(Outcome::Opened {
                    number: pr.number,
                    url: pr.html_url,
                })
            }
            Err(e) => match self.open_pr().await? {
                // It was opened after all: make sure it says what it should.
                Some(pr) => self.update_pr(pr, change).await,
                None => Err(PrError::api("cannot open the pull request", &e)),
            },
        }
    }

    async fn update_pr(&mut self, pr: PullBody, change: &Change<'_>) -> Result<Outcome, PrError> {
        let path = format!("{}/pulls/{}", self.repo.api(), pr.number);
        self.mutate(
            Method::PATCH,
            &path,
            json!({ "title": change.title, "body": with_marker(change) }),
        )
        .await
        .map_err(|e| PrError::api(&format!("cannot update pull request #{}", pr.number), &e))?;
        Ok(Outcome::Updated {
            number: pr.number,
            url: pr.html_url,
        })
    }

    /// Put the branch back as it was before this run: delete it if this run created it, else
    /// force it back to its old commit. Returns a sentence for the error message.
    async fn undo_branch(&mut self, before: Option<&str>) -> String {
        let now = match self.ref_sha(&self.branch).await {
            Ok(now) => now,
            Err(e) => {
                return format!(
                    "could not check branch {} to undo this run's changes: {}",
                    self.branch, e.message
                );
            }
        };
        if now.as_deref() == before {
            return format!("branch {} was left as it was", self.branch);
        }
        let one = format!(
            "{}/git/refs/heads/{}",
            self.repo.api(),
            encode_path(&self.branch)
        );
        let result = match before {
            None => self.mutate(Method::DELETE, &one, json!({})).await,
            Some(sha) => {
                self.mutate(Method::PATCH, &one, json!({ "sha": sha, "force": true }))
                    .await
            }
        };
        match (result, before) {
            (Ok(_), None) => format!("branch {} (made by this run) was deleted", self.branch),
            (Ok(_), Some(sha)) => format!("branch {} was put back at {sha}", self.branch),
            (Err(e), _) => format!(
                "branch {} could not be put back ({}); check it by hand",
                self.branch,
                e.redacted()
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repo_names() {
        assert_eq!(
            Repo::parse("alphagov/govuk-user-reviewer"),
            Ok(Repo {
                owner: "alphagov".into(),
                name: "govuk-user-reviewer".into()
            })
        );
        assert!(Repo::parse("alphagov").is_err());
        assert!(Repo::parse("a/b/c").is_err());
        assert!(Repo::parse("/b").is_err());
    }

    #[test]
    fn paths_keep_their_slashes() {
        assert_eq!(
            encode_path("config/govuk tech.yml"),
            "config/govuk%20tech.yml"
        );
        assert_eq!(encode_path("/a//b/"), "a/b");
    }
}
