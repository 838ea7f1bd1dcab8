//! `access-reconciler snapshot --out PATH`: read the managed teams live and record them in the
//! snapshot format (`github::snapshot`), written atomically. Also records org membership for
//! every declared person with a role who is missing from one of their teams, so an offline
//! `fix` can spot leavers.
//!
//! Exit codes: 0 written whole; 2 usage/config error (nothing written); 3 API error. When some
//! teams could not be read, the snapshot is still written without them (reading it back reports
//! them as not recorded, never as empty) and the exit code is 3; when none could, or the whole
//! read failed (bad credentials), nothing is written.

use std::collections::BTreeSet;
use std::io::IsTerminal;

use crate::cli::{GlobalArgs, SnapshotArgs};
use crate::commands::common;
use crate::config::{Config, Mapping};
use crate::exit;
use crate::github::live::LiveSource;
use crate::github::{MembershipRead, MembershipSource, SourceError, snapshot};

pub fn run(global: &GlobalArgs, args: SnapshotArgs) -> u8 {
    // No --today: a snapshot records GitHub as it is now.
    let mapping = match common::load_mapping(global) {
        Ok(m) => m,
        Err(code) => return code,
    };
    let config = match common::load_config(&args.config.config, &mapping) {
        Ok(c) => c,
        Err(e) => return common::report_config_errors(&e),
    };
    let runtime = match common::runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    let progress = !global.quiet && std::io::stderr().is_terminal();
    let read = runtime.block_on(async {
        let source = LiveSource::connect(&args.github.options(), &mapping.org, progress).await?;
        read_with_org_membership(&source, &config, &mapping).await
    });
    let read = match read {
        Ok(r) => r,
        Err(e) => return common::source_error(e, "No snapshot was written."),
    };
    if read.teams.is_empty() && !read.errors.is_empty() {
        for e in &read.errors {
            eprintln!("error: team {} was not read: {}", e.team, e.reason);
        }
        eprintln!("No team could be read; no snapshot was written.");
        return exit::SOURCE;
    }
    let json = match snapshot::to_json(&read) {
        Ok(j) => j,
        Err(e) => {
            eprintln!("error: cannot serialise the snapshot: {e}");
            return exit::SOURCE;
        }
    };
    if let Err(e) = crate::fsutil::write_atomic(&args.out, json.as_bytes()) {
        eprintln!(
            "error: cannot write the snapshot to {}: {e}",
            args.out.display()
        );
        return exit::USAGE;
    }
    if !global.quiet {
        eprintln!(
            "Wrote {}: {} team(s), {} member(s) of org {}.",
            args.out.display(),
            read.teams.len(),
            read.members_read(),
            read.org
        );
    }
    if read.complete() {
        exit::OK
    } else {
        for e in &read.errors {
            eprintln!("error: team {} was not read: {}", e.team, e.reason);
        }
        eprintln!(
            "The snapshot is incomplete: {} team(s) were not read and are not in it; a drift run \
             from it reports them as not recorded.",
            read.errors.len()
        );
        exit::SOURCE
    }
}

/// Read the managed teams, then the org membership of every declared person with a role who
/// is missing from one of their (read) teams.
pub async fn read_with_org_membership<S: MembershipSource>(
    source: &S,
    config: &Config,
    mapping: &Mapping,
) -> Result<MembershipRead, SourceError> {
    let mut read = source
        .read_teams(&mapping.org, &mapping.managed_teams())
        .await?;
    let logins = missing_logins(&read, config, mapping);
    read.org_membership = if logins.is_empty() {
        Some(Default::default())
    } else {
        source.org_membership(&mapping.org, &logins).await?
    };
    Ok(read)
}

/// Declared people with a role and a login who are missing (not a member) from at least one
/// of their teams that was read. Sorted, lower-cased, deduplicated.
pub fn missing_logins(read: &MembershipRead, config: &Config, mapping: &Mapping) -> Vec<String> {
    let mut out = BTreeSet::new();
    for person in &config.people {
        let (Some(login), Some(role)) = (person.login(), person.role()) else {
            continue;
        };
        let missing = mapping.teams_for(Some(role)).iter().any(|team| {
            read.teams.get(team).is_some_and(|t| {
                !t.members
                    .iter()
                    .any(|m| m.login.eq_ignore_ascii_case(login))
            })
        });
        if missing {
            out.insert(login.to_lowercase());
        }
    }
    out.into_iter().collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::config::{Located, Person, Pos};
    use crate::github::{Member, MemberRole, TeamMembership};

    fn person(login: &str, role: Option<&str>) -> Person {
        let mut p = Person::named(login, 1);
        p.github_username = Some(Located::new(login.into(), Pos::default()));
        p.role = role.map(|r| Located::new(r.into(), Pos::default()));
        p
    }

    #[test]
    fn looks_up_only_people_missing_from_a_read_team() {
        let mapping = Mapping {
            path: "m".into(),
            org: "o".into(),
            everyone: vec!["all".into()],
            roles: [("deploy".to_string(), vec!["deployers".to_string()])].into(),
            ignore: vec![],
            senior_tech: vec![],
        };
        let member = |l: &str| Member {
            login: l.into(),
            role: MemberRole::Member,
            via_team: None,
        };
        let mut read = MembershipRead::default();
        read.teams.insert(
            "all".into(),
            TeamMembership {
                members: vec![member("Alice"), member("bob"), member("carol")],
                invitations: vec![],
            },
        );
        read.teams.insert(
            "deployers".into(),
            TeamMembership {
                members: vec![member("alice")],
                invitations: vec![],
            },
        );
        let config = Config {
            path: "c".into(),
            people: vec![
                person("alice", Some("deploy")),
                person("Bob", Some("deploy")),
                person("carol", None),
                person("Dave", Some("deploy")),
            ],
        };
        assert_eq!(
            missing_logins(&read, &config, &mapping),
            vec!["bob", "dave"]
        );
    }
}
