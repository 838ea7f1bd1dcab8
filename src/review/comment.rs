//! The sticky PR comment: find the comment this tool posted before (the hidden [`MARKER`] in a
//! comment by the token's own login) and update it, or create one. Re-runs never pile up
//! comments, and a comment is never deleted.
//!
//! The API sits behind [`CommentApi`], so the logic is tested without HTTP; the command
//! implements it over the REST client.

use super::MARKER;

/// GitHub's limit on the body of an issue comment, in characters.
pub const MAX_BODY: usize = 65_536;

/// An issue comment as far as the sticky logic needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueComment {
    pub id: u64,
    /// The author's login; `None` for a deleted account ("ghost").
    pub author: Option<String>,
    pub body: String,
}

/// A failed API call, with what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct CommentError {
    pub message: String,
    /// A 5xx, a timeout or a dropped connection: the request may or may not have taken effect.
    pub transient: bool,
    /// GitHub refused for lack of credentials or permission (401, 403, 404).
    pub permission: bool,
}

/// The calls the sticky comment makes. The pull request is fixed by the implementation.
#[allow(async_fn_in_trait)]
pub trait CommentApi {
    /// The login comments are authored as.
    async fn whoami(&self) -> Result<String, CommentError>;
    /// Every comment on the PR (all pages), oldest first.
    async fn list(&self) -> Result<Vec<IssueComment>, CommentError>;
    /// Create a comment; returns its id. Must not be retried by the implementation.
    async fn create(&self, body: &str) -> Result<u64, CommentError>;
    /// Replace the body of a comment (PATCH).
    async fn update(&self, id: u64, body: &str) -> Result<(), CommentError>;
}

/// What [`upsert`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Posted {
    Created(u64),
    Updated(u64),
}

fn ours(comments: &[IssueComment], me: &str) -> Option<u64> {
    comments
        .iter()
        .find(|c| {
            c.body.contains(MARKER)
                && c.author
                    .as_deref()
                    .is_some_and(|a| a.eq_ignore_ascii_case(me))
        })
        .map(|c| c.id)
}

/// Update our earlier comment, or create one. A failed create is not retried blindly: when it
/// failed in a way that may have taken effect (5xx, timeout), the comments are listed again and
/// the create is repeated once only if our comment is still absent.
pub async fn upsert(api: &impl CommentApi, body: &str) -> Result<Posted, CommentError> {
    let me = api.whoami().await?;
    if let Some(id) = ours(&api.list().await?, &me) {
        api.update(id, body).await?;
        return Ok(Posted::Updated(id));
    }
    let first = match api.create(body).await {
        Ok(id) => return Ok(Posted::Created(id)),
        Err(e) => e,
    };
    if !first.transient {
        return Err(first);
    }
    tracing::warn!("creating the review comment failed ({first}); checking whether it was created");
    let after = api.list().await.map_err(|e| CommentError {
        message: format!(
            "{first}; then listing the comments to check whether it was created failed: {e}"
        ),
        transient: e.transient,
        permission: e.permission,
    })?;
    if let Some(id) = ours(&after, &me) {
        // The create went through although the response was an error: it has this body.
        return Ok(Posted::Created(id));
    }
    api.create(body).await.map(Posted::Created)
}

/// Cut a body to GitHub's limit, keeping whole characters and ending with a note saying so.
/// Measured in bytes, which is never less than GitHub's character count.
pub fn truncate(body: &str) -> String {
    if body.len() <= MAX_BODY {
        return body.to_owned();
    }
    let note = format!(
        "\n\n---\n**This comment was cut at GitHub's {MAX_BODY}-character limit** (the full \
         report is {} characters). Run `access-reconciler review` locally, or read the job log, \
         for the rest.\n",
        body.chars().count()
    );
    let mut end = MAX_BODY.saturating_sub(note.len() + 16);
    while end > 0 && !body.is_char_boundary(end) {
        end -= 1;
    }
    // Prefer to cut at the end of a line.
    if let Some(nl) = body[..end].rfind('\n') {
        end = nl;
    }
    let mut out = body[..end].to_owned();
    // A cut inside <details> would swallow the note.
    if out.matches("<details>").count() > out.matches("</details>").count() {
        out.push_str("\n\n</details>");
    }
    out.push_str(&note);
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::sync::Mutex;

    use super::*;

    #[derive(Default)]
    struct Fake {
        comments: Mutex<Vec<IssueComment>>,
        calls: Mutex<Vec<String>>,
        /// Fail this many creates with a transient error; `created_anyway` says whether the
        /// failing create still stores the comment (as a 502 after the write can).
        fail_creates: Mutex<usize>,
        created_anyway: bool,
        permanent: bool,
    }

    impl Fake {
        fn with(comments: Vec<IssueComment>) -> Self {
            Fake {
                comments: Mutex::new(comments),
                ..Fake::default()
            }
        }
        fn calls(&self) -> Vec<String> {
            self.calls.lock().unwrap().clone()
        }
    }

    impl CommentApi for Fake {
        async fn whoami(&self) -> Result<String, CommentError> {
            Ok("review-bot".into())
        }
        async fn list(&self) -> Result<Vec<IssueComment>, CommentError> {
            self.calls.lock().unwrap().push("list".into());
            Ok(self.comments.lock().unwrap().clone())
        }
        async fn create(&self, body: &str) -> Result<u64, CommentError> {
            self.calls.lock().unwrap().push("create".into());
            let mut comments = self.comments.lock().unwrap();
            let id = 100 + comments.len() as u64;
            let mut fails = self.fail_creates.lock().unwrap();
            let fail = *fails > 0;
            if fail {
                *fails -= 1;
            }
            if !fail || self.created_anyway {
                comments.push(IssueComment {
                    id,
                    author: Some("Review-Bot".into()),
                    body: body.into(),
                });
            }
            if fail {
                return Err(CommentError {
                    message: "502".into(),
                    transient: !self.permanent,
                    permission: self.permanent,
                });
            }
            Ok(id)
        }
        async fn update(&self, id: u64, body: &str) -> Result<(), CommentError> {
            self.calls.lock().unwrap().push(format!("update {id}"));
            let mut comments = self.comments.lock().unwrap();
            let c = comments.iter_mut().find(|c| c.id == id).unwrap();
            c.body = body.into();
            Ok(())
        }
    }

    fn body(text: &str) -> String {
        format!("{MARKER}\n{text}")
    }

    #[tokio::test]
    async fn creates_then_updates_the_same_comment() {
        let api = Fake::default();
        assert_eq!(
            upsert(&api, &body("one")).await.unwrap(),
            Posted::Created(100)
        );
        assert_eq!(
            upsert(&api, &body("two")).await.unwrap(),
            Posted::Updated(100)
        );
        let comments = api.comments.lock().unwrap().clone();
        assert_eq!(comments.len(), 1);
        assert!(comments[0].body.ends_with("two"));
        assert_eq!(api.calls(), ["list", "create", "list", "update 100"]);
    }

    #[tokio::test]
    async fn a_marker_comment_by_someone_else_is_not_touched() {
        let other = IssueComment {
            id: 7,
            author: Some("someone".into()),
            body: body("theirs"),
        };
        let ghost = IssueComment {
            id: 8,
            author: None,
            body: body("ghost"),
        };
        let api = Fake::with(vec![other.clone(), ghost]);
        assert_eq!(
            upsert(&api, &body("ours")).await.unwrap(),
            Posted::Created(102)
        );
        assert_eq!(api.comments.lock().unwrap()[0], other);
    }

    #[tokio::test]
    async fn a_failed_create_that_went_through_is_not_repeated() {
        let api = Fake {
            fail_creates: Mutex::new(1),
            created_anyway: true,
            ..Fake::default()
        };
        assert_eq!(
            upsert(&api, &body("x")).await.unwrap(),
            Posted::Created(100)
        );
        assert_eq!(api.comments.lock().unwrap().len(), 1);
        assert_eq!(api.calls(), ["list", "create", "list"]);
    }

    #[tokio::test]
    async fn a_failed_create_that_did_not_go_through_is_tried_once_more() {
        let api = Fake {
            fail_creates: Mutex::new(5),
            ..Fake::default()
        };
        assert!(upsert(&api, &body("x")).await.is_err());
        assert_eq!(api.calls(), ["list", "create", "list", "create"]);

        let api = Fake {
            fail_creates: Mutex::new(1),
            ..Fake::default()
        };
        assert_eq!(
            upsert(&api, &body("x")).await.unwrap(),
            Posted::Created(100)
        );
    }

    #[tokio::test]
    async fn a_permanent_failure_is_not_retried() {
        let api = Fake {
            fail_creates: Mutex::new(1),
            permanent: true,
            ..Fake::default()
        };
        assert!(upsert(&api, &body("x")).await.is_err());
        assert_eq!(api.calls(), ["list", "create"]);
    }

    #[test]
    fn long_bodies_are_cut_with_a_note() {
        let short = body("short");
        assert_eq!(truncate(&short), short);
        let mut long = body("<details><summary>x</summary>\n");
        while long.len() < 100_000 {
            long.push_str("| é | a row of a long table |\n");
        }
        let cut = truncate(&long);
        assert!(cut.len() <= MAX_BODY, "{}", cut.len());
        assert!(cut.starts_with(MARKER));
        assert!(cut.contains("cut at GitHub's 65536-character limit"));
        assert!(cut.contains("</details>"));
    }
}
