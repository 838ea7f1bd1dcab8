//! The membership snapshot file (JSON), read with `--snapshot PATH` and written by `snapshot --out`.
//!
//! ```json
//! {"org":"alphagov","fetched_at":"2026-11-28T09:00:00Z",
//!  "teams":{"gov-uk-production-admin":{
//!     "members":[{"login":"alice","role":"maintainer"},{"login":"bob","role":"member","via_team":"child"}],
//!     "invitations":[{"login":"carol","created_at":"2026-11-20T10:00:00Z"}]}},
//!  "org_membership":{"dave":"none"}}
//! ```
