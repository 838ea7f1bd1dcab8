//! The membership snapshot file (JSON), read with `--snapshot PATH` and written by `snapshot --out`.
//!
//! ```json
//! {"org":"alphagov","fetched_at":"2026-11-28T09:00:00Z",
//!  "teams":{"gov-uk-production-admin":{
//!     "members":[{"login":"alice","role":"maintainer"},{"login":"bob","role":"member","via_team":"child"}],
//!     "invitations":[{"login":"carol","created_at":"2026-11-20T10:00:00Z"}]}},
//!  "org_membership":{"dave":"none"}}
//! ```
//!
//! `role` defaults to `member`; `via_team` is absent for direct members; `fetched_at` and
//! `org_membership` are optional. Unknown keys are an error (a misspelt `via_team` must not
//! silently turn a child-team member into a direct one). A managed team missing from the file is
//! reported as unread ("team X was not recorded"), never as an empty team.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{
    Invitation, Member, MemberRole, MembershipRead, MembershipSource, OrgMembership, SourceError,
    TeamError, TeamMembership,
};

pub use crate::sources::snapshot::MAX_SNAPSHOT_BYTES;

/// The snapshot file, as written on disk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapshotFile {
    pub org: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fetched_at: Option<DateTime<Utc>>,
    pub teams: BTreeMap<String, TeamFile>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_membership: Option<BTreeMap<String, OrgMembershipFile>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamFile {
    #[serde(default)]
    pub members: Vec<MemberFile>,
    #[serde(default)]
    pub invitations: Vec<InvitationFile>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberFile {
    pub login: String,
    #[serde(default)]
    pub role: RoleFile,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via_team: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RoleFile {
    #[default]
    Member,
    Maintainer,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InvitationFile {
    pub login: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OrgMembershipFile {
    Active,
    Pending,
    None,
}

impl From<OrgMembershipFile> for OrgMembership {
    fn from(m: OrgMembershipFile) -> Self {
        match m {
            OrgMembershipFile::Active => OrgMembership::Active,
            OrgMembershipFile::Pending => OrgMembership::Pending,
            OrgMembershipFile::None => OrgMembership::None,
        }
    }
}

impl From<OrgMembership> for OrgMembershipFile {
    fn from(m: OrgMembership) -> Self {
        match m {
            OrgMembership::Active => OrgMembershipFile::Active,
            OrgMembership::Pending => OrgMembershipFile::Pending,
            OrgMembership::None => OrgMembershipFile::None,
        }
    }
}

/// Build the file form of a read. Teams in `read.errors` are not written: reading the file back
/// reports them as not recorded, so an incomplete read can never pass for an empty team.
/// Members and invitations are sorted by lower-cased login, so the file is deterministic.
pub fn to_file(read: &MembershipRead) -> SnapshotFile {
    let teams = read
        .teams
        .iter()
        .filter(|(slug, _)| !read.errors.iter().any(|e| &e.team == *slug))
        .map(|(slug, team)| {
            let mut members: Vec<MemberFile> = team
                .members
                .iter()
                .map(|m| MemberFile {
                    login: m.login.clone(),
                    role: match m.role {
                        MemberRole::Member => RoleFile::Member,
                        MemberRole::Maintainer => RoleFile::Maintainer,
                    },
                    via_team: m.via_team.clone(),
                })
                .collect();
            members.sort_by(|a, b| {
                (a.login.to_ascii_lowercase(), &a.via_team)
                    .cmp(&(b.login.to_ascii_lowercase(), &b.via_team))
            });
            let mut invitations: Vec<InvitationFile> = team
                .invitations
                .iter()
                .map(|i| InvitationFile {
                    login: i.login.clone(),
                    created_at: i.created_at,
                })
                .collect();
            invitations.sort_by_key(|i| (i.login.to_ascii_lowercase(), i.created_at));
            (
                slug.clone(),
                TeamFile {
                    members,
                    invitations,
                },
            )
        })
        .collect();
    SnapshotFile {
        org: read.org.clone(),
        fetched_at: read.fetched_at,
        teams,
        org_membership: read.org_membership.as_ref().map(|m| {
            m.iter()
                .map(|(login, state)| (login.to_ascii_lowercase(), (*state).into()))
                .collect()
        }),
    }
}

/// Serialise a read to the snapshot JSON (pretty, deterministic, with a final newline).
/// `snapshot --out` writes this.
pub fn to_json(read: &MembershipRead) -> Result<String, serde_json::Error> {
    let mut json = serde_json::to_string_pretty(&to_file(read))?;
    json.push('\n');
    Ok(json)
}

impl From<SnapshotFile> for MembershipRead {
    fn from(file: SnapshotFile) -> Self {
        MembershipRead {
            org: file.org,
            fetched_at: file.fetched_at,
            teams: file
                .teams
                .into_iter()
                .map(|(slug, team)| {
                    let members = team
                        .members
                        .into_iter()
                        .map(|m| Member {
                            login: m.login,
                            role: match m.role {
                                RoleFile::Member => MemberRole::Member,
                                RoleFile::Maintainer => MemberRole::Maintainer,
                            },
                            via_team: m.via_team,
                        })
                        .collect();
                    let invitations = team
                        .invitations
                        .into_iter()
                        .map(|i| Invitation {
                            login: i.login,
                            created_at: i.created_at,
                        })
                        .collect();
                    (
                        slug,
                        TeamMembership {
                            members,
                            invitations,
                        },
                    )
                })
                .collect(),
            errors: Vec::new(),
            org_membership: file.org_membership.map(|m| {
                m.into_iter()
                    .map(|(login, state)| (login.to_ascii_lowercase(), state.into()))
                    .collect()
            }),
        }
    }
}

/// A recorded snapshot, as a [`MembershipSource`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotSource {
    /// The path as the user named it, for messages.
    pub path: String,
    pub read: MembershipRead,
}

impl SnapshotSource {
    /// Parse snapshot JSON. `path` is only used in messages. Errors are usage errors (exit 2)
    /// located at `path:line:col`.
    pub fn parse(path: &str, text: &str) -> Result<SnapshotSource, SourceError> {
        // Never suggest `snapshot --out` over an input: a config given here would be replaced.
        let record = "record one with `access-reconciler snapshot --out SNAPSHOT.json` (a new file), or see the snapshot format in README.md";
        if crate::jsonin::looks_like_yaml(text) {
            return Err(SourceError::Usage(format!(
                "{path}: this looks like a YAML file (a config or mapping?), not a snapshot; a snapshot is the JSON file `snapshot --out` writes\n  help: pass the snapshot's path to --snapshot, and the config to --config; {record}"
            )));
        }
        let file: SnapshotFile = crate::jsonin::from_str(text).map_err(|e| {
            SourceError::Usage(format!(
                "{path}:{}:{}: the snapshot is not valid: {}\n  help: correct the file, or {record}",
                e.line, e.col, e.message
            ))
        })?;
        Self::from_file(path, file)
    }

    /// Check a parsed snapshot (or the `github` section of a v2 one): a non-empty org, and
    /// valid logins listed once per team.
    pub fn from_file(path: &str, file: SnapshotFile) -> Result<SnapshotSource, SourceError> {
        let problem = |msg: String| SourceError::Usage(format!("{path}: {msg}"));
        if file.org.trim().is_empty() {
            return Err(problem("the snapshot's `org` is empty".to_owned()));
        }
        for (slug, team) in &file.teams {
            check_logins(
                slug,
                "member",
                team.members.iter().map(|m| m.login.as_str()),
            )
            .and_then(|()| {
                check_logins(
                    slug,
                    "invitation",
                    team.invitations.iter().map(|i| i.login.as_str()),
                )
            })
            .map_err(problem)?;
        }
        Ok(SnapshotSource {
            path: path.to_owned(),
            read: file.into(),
        })
    }

    /// Read and parse a snapshot file. `display` is the path as the user named it.
    pub fn open(path: &Path, display: &str) -> Result<SnapshotSource, SourceError> {
        let text = crate::sources::snapshot::read_text(path, display)?;
        Self::parse(display, &text)
    }

    /// The teams requested of `org`: those recorded, and an error for each one that was not.
    pub fn select(&self, org: &str, teams: &[String]) -> Result<MembershipRead, SourceError> {
        if !self.read.org.eq_ignore_ascii_case(org) {
            return Err(SourceError::Usage(format!(
                "{}: the snapshot is of org {:?} but the mapping's org is {org:?}; record a snapshot of {org:?} or use the matching --mapping",
                self.path, self.read.org
            )));
        }
        let mut read = MembershipRead {
            org: self.read.org.clone(),
            fetched_at: self.read.fetched_at,
            org_membership: self.read.org_membership.clone(),
            ..MembershipRead::default()
        };
        for team in teams {
            match self.read.teams.get(team) {
                Some(m) => {
                    read.teams.insert(team.clone(), m.clone());
                }
                None => read.errors.push(TeamError {
                    team: team.clone(),
                    reason: format!(
                        "team {team} was not recorded in the snapshot {}; record the snapshot again with the current mapping",
                        self.path
                    ),
                }),
            }
        }
        Ok(read)
    }
}

/// Every login of one list in a team is a valid GitHub login and appears once (compared without
/// case): GitHub never lists a member twice, so a repeat means the file was edited by hand or
/// merged badly, and counting it twice would make the report wrong.
fn check_logins<'a>(
    team: &str,
    what: &str,
    logins: impl Iterator<Item = &'a str>,
) -> Result<(), String> {
    let mut seen: BTreeMap<String, &str> = BTreeMap::new();
    for login in logins {
        // Looser than the config's rule on purpose: GitHub still has legacy logins with a
        // trailing or doubled hyphen, and a snapshot we recorded must read back.
        let plausible = !login.is_empty()
            && login.len() <= 39
            && login.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        if login.trim().is_empty() {
            return Err(format!("team {team} has a {what} with an empty login"));
        }
        if !plausible {
            return Err(format!(
                "team {team} has a {what} with login {login:?}, which is not a GitHub login (1-39 ASCII letters, digits and hyphens)"
            ));
        }
        if let Some(first) = seen.insert(login.to_ascii_lowercase(), login) {
            return Err(format!(
                "team {team} lists the {what} {login:?} twice (also as {first:?}); each login appears once per list\n  help: record the snapshot again with `access-reconciler snapshot --out PATH`"
            ));
        }
    }
    Ok(())
}

impl MembershipSource for SnapshotSource {
    async fn read_teams(&self, org: &str, teams: &[String]) -> Result<MembershipRead, SourceError> {
        self.select(org, teams)
    }

    async fn org_membership(
        &self,
        org: &str,
        logins: &[String],
    ) -> Result<Option<BTreeMap<String, OrgMembership>>, SourceError> {
        if !self.read.org.eq_ignore_ascii_case(org) {
            return Err(SourceError::Usage(format!(
                "{}: the snapshot is of org {:?}, not {org:?}",
                self.path, self.read.org
            )));
        }
        Ok(self.read.org_membership.as_ref().map(|all| {
            logins
                .iter()
                .filter_map(|l| {
                    let key = l.to_ascii_lowercase();
                    all.get(&key).map(|s| (key, *s))
                })
                .collect()
        }))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    const SAMPLE: &str = r#"{"org":"alphagov","fetched_at":"2026-11-28T09:00:00Z",
 "teams":{"gov-uk-production-admin":{
    "members":[{"login":"alice","role":"maintainer"},{"login":"bob","role":"member","via_team":"child-team-slug"},{"login":"cy"}],
    "invitations":[{"login":"carol","created_at":"2026-11-20T10:00:00Z"}]}},
 "org_membership":{"Dave":"none","erin":"active"}}"#;

    fn parse_err(text: &str) -> String {
        match SnapshotSource::parse("snap.json", text) {
            Err(e) => e.to_string(),
            Ok(_) => panic!("expected an error for {text}"),
        }
    }

    #[test]
    fn a_byte_order_mark_is_ignored() {
        let with_bom = format!("\u{feff}{SAMPLE}");
        let source = SnapshotSource::parse("snap.json", &with_bom).unwrap();
        assert_eq!(source.read.org, "alphagov");
    }

    #[test]
    fn json_errors_say_where_once() {
        let msg = parse_err("{\"org\": \"alphagov\",\n \"teams\": 3}");
        assert!(msg.starts_with("snap.json:2:"), "{msg}");
        assert!(!msg.contains(" at line "), "{msg}");
    }

    #[test]
    fn a_member_listed_twice_is_an_error_whatever_the_case() {
        let msg = parse_err(
            r#"{"org":"alphagov","teams":{"t":{"members":[{"login":"Alice"},{"login":"alice","via_team":"c"}]}}}"#,
        );
        assert!(
            msg.contains("team t lists the member \"alice\" twice"),
            "{msg}"
        );
        // The same login as a member and an invitation is two lists: not an error here.
        SnapshotSource::parse(
            "s",
            r#"{"org":"alphagov","teams":{"t":{"members":[{"login":"alice"}],"invitations":[{"login":"alice","created_at":"2026-11-20T10:00:00Z"}]}}}"#,
        )
        .unwrap();
    }

    #[test]
    fn logins_must_look_like_github_logins() {
        let msg =
            parse_err(r#"{"org":"alphagov","teams":{"t":{"members":[{"login":"bad login"}]}}}"#);
        assert!(msg.contains("not a GitHub login"), "{msg}");
        let msg = parse_err(
            r#"{"org":"alphagov","teams":{"t":{"invitations":[{"login":"","created_at":"2026-11-20T10:00:00Z"}]}}}"#,
        );
        assert!(msg.contains("invitation with an empty login"), "{msg}");
        // Legacy logins with a trailing hyphen exist on GitHub and must read back.
        SnapshotSource::parse(
            "s",
            r#"{"org":"alphagov","teams":{"t":{"members":[{"login":"old-"}]}}}"#,
        )
        .unwrap();
    }

    fn teams(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn reads_the_documented_format() {
        let src = SnapshotSource::parse("snap.json", SAMPLE).unwrap();
        let team = &src.read.teams["gov-uk-production-admin"];
        assert_eq!(team.members[0].role, MemberRole::Maintainer);
        assert_eq!(team.members[1].via_team.as_deref(), Some("child-team-slug"));
        assert_eq!(
            team.members[2].role,
            MemberRole::Member,
            "role defaults to member"
        );
        assert_eq!(team.members[2].via_team, None);
        assert_eq!(
            team.invitations[0].created_at.to_rfc3339(),
            "2026-11-20T10:00:00+00:00"
        );
        let om = src.read.org_membership.as_ref().unwrap();
        assert_eq!(om["dave"], OrgMembership::None, "logins are lower-cased");
    }

    #[test]
    fn a_team_not_recorded_is_an_error_never_empty() {
        let src = SnapshotSource::parse("snap.json", SAMPLE).unwrap();
        let read = src
            .select("alphagov", &teams(&["gov-uk", "gov-uk-production-admin"]))
            .unwrap();
        assert!(!read.complete());
        assert_eq!(read.errors.len(), 1);
        assert_eq!(read.errors[0].team, "gov-uk");
        assert!(
            read.errors[0]
                .reason
                .contains("team gov-uk was not recorded")
        );
        assert!(!read.teams.contains_key("gov-uk"));
        assert!(read.teams.contains_key("gov-uk-production-admin"));
    }

    #[test]
    fn only_requested_teams_are_returned() {
        let src = SnapshotSource::parse("snap.json", SAMPLE).unwrap();
        let read = src.select("AlphaGov", &teams(&[])).unwrap();
        assert!(read.teams.is_empty() && read.complete());
    }

    #[test]
    fn org_mismatch_is_a_usage_error() {
        let src = SnapshotSource::parse("snap.json", SAMPLE).unwrap();
        let err = src.select("other-org", &teams(&["gov-uk"])).unwrap_err();
        assert!(
            matches!(&err, SourceError::Usage(m) if m.contains("\"alphagov\"") && m.contains("\"other-org\"")),
            "{err}"
        );
    }

    #[test]
    fn invalid_files_are_located_usage_errors() {
        for (text, needle) in [
            ("", "snap.json:1:1"),
            (
                "{\"org\":\"a\",\n\"teams\":{\"t\":{\"members\":[{\"login\":\"x\",\"via_tem\":\"c\"}]}}}",
                "snap.json:2:",
            ),
            (
                "{\"org\":\"a\",\"teams\":{\"t\":{\"members\":[{\"login\":\"x\",\"role\":\"owner\"}]}}}",
                "unknown variant",
            ),
            (
                "{\"org\":\"a\",\"teams\":{\"t\":{\"invitations\":[{\"login\":\"x\",\"created_at\":\"yesterday\"}]}}}",
                "snap.json:1:",
            ),
            ("{\"teams\":{}}", "missing field `org`"),
            ("{\"org\":\" \",\"teams\":{}}", "`org` is empty"),
            (
                "{\"org\":\"a\",\"teams\":{\"t\":{\"members\":[{\"login\":\"\"}]}}}",
                "empty login",
            ),
            ("[1,2]", "snap.json:1:"),
        ] {
            match SnapshotSource::parse("snap.json", text) {
                Err(SourceError::Usage(m)) => assert!(m.contains(needle), "{text}: {m}"),
                other => panic!("{text}: {other:?}"),
            }
        }
    }

    #[test]
    fn serialising_round_trips_and_is_deterministic() {
        let src = SnapshotSource::parse("snap.json", SAMPLE).unwrap();
        let mut read = src.read.clone();
        read.teams
            .get_mut("gov-uk-production-admin")
            .unwrap()
            .members
            .reverse();
        let json = to_json(&read).unwrap();
        assert!(json.ends_with("}\n"));
        let again = SnapshotSource::parse("again.json", &json).unwrap();
        assert_eq!(to_json(&again.read).unwrap(), json);
        // Sorted by login on the way out.
        let logins: Vec<_> = again.read.teams["gov-uk-production-admin"]
            .members
            .iter()
            .map(|m| m.login.as_str())
            .collect();
        assert_eq!(logins, ["alice", "bob", "cy"]);
        assert_eq!(again.read.org_membership, src.read.org_membership);
        assert!(json.contains("\"role\": \"maintainer\""));
        assert!(!json.contains("via_team\": null"));
    }

    #[test]
    fn unread_teams_are_not_written() {
        let mut read = SnapshotSource::parse("snap.json", SAMPLE).unwrap().read;
        read.errors.push(TeamError {
            team: "gov-uk-production-admin".to_owned(),
            reason: "403".to_owned(),
        });
        let json = to_json(&read).unwrap();
        let back = SnapshotSource::parse("s", &json).unwrap();
        let sel = back
            .select("alphagov", &teams(&["gov-uk-production-admin"]))
            .unwrap();
        assert!(!sel.complete(), "an unread team reads back as not recorded");
    }

    #[test]
    fn org_membership_lookup() {
        let src = SnapshotSource::parse("snap.json", SAMPLE).unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let got = rt
            .block_on(src.org_membership("alphagov", &teams(&["DAVE", "zed"])))
            .unwrap()
            .unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got["dave"], OrgMembership::None);
        let none = SnapshotSource::parse("s", r#"{"org":"alphagov","teams":{}}"#).unwrap();
        assert_eq!(
            rt.block_on(none.org_membership("alphagov", &teams(&["dave"])))
                .unwrap(),
            None
        );
    }
}
