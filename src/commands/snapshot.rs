//! `access-reconciler snapshot --out PATH`: read every selected system live (`--system`, default
//! all configured) and record them in a snapshot v2 (`sources::snapshot`), one section per system
//! written by its adapter, atomically. GitHub also records org membership for every declared
//! person with a role who is missing from one of their teams, so an offline `fix` can spot
//! leavers.
//!
//! Exit codes: 0 written whole; 2 usage/config error (nothing written); 3 API error. When some
//! scopes (teams, systems) could not be read, the snapshot is still written without them (reading
//! it back reports them as not recorded, never as empty) and the exit code is 3; when nothing
//! could, or a whole read failed (bad credentials), nothing is written.

use std::collections::{BTreeMap, BTreeSet};
use std::io::IsTerminal;

use crate::access::{SourceError, System};
use crate::cli::{GlobalArgs, SnapshotArgs};
use crate::commands::common;
use crate::commands::live::Live;
use crate::config::{Config, Mapping};
use crate::engine;
use crate::exit;
use crate::sources::aws::adapter::AwsInputs;
use crate::sources::github::{MembershipRead, MembershipSource};
use crate::sources::snapshot;

pub fn run(global: &GlobalArgs, args: SnapshotArgs) -> u8 {
    // No --today: a snapshot records the systems as they are now.
    let mapping = match common::load_mapping(global) {
        Ok(m) => m,
        Err(code) => return code,
    };
    let config = match common::load_config_text(&args.config.config, &mapping) {
        Ok((c, text)) => match common::unknown_keys(global, &c.path, &text, &mapping) {
            Ok(unknown) => {
                common::warn_unknown_keys(&c.path, &unknown);
                c
            }
            Err(code) => return code,
        },
        Err(e) => return common::report_config_errors(&e),
    };
    // Before any request: the destination can be written and is not an input.
    let mut inputs: Vec<(&str, &std::path::Path)> = vec![("config", args.config.config.as_path())];
    if let Some(m) = &global.mapping {
        inputs.push(("mapping", m.as_path()));
    }
    if let Err(msg) = crate::fsutil::check_destination("--out", &args.out, &inputs) {
        crate::errln!("error: {msg}\nNothing was read and no snapshot was written.");
        return exit::USAGE;
    }
    // A snapshot only records what is held: the AWS adapter needs no people or dates here.
    let aws_inputs = AwsInputs::none(chrono::Utc::now().date_naive());
    let (systems, adapters) = match common::select(&mapping, args.system.as_deref(), &aws_inputs) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let runtime = match common::runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    let progress = !global.quiet && std::io::stderr().is_terminal();
    // Every selected system at once; GitHub also records the org membership `fix` needs.
    let mut live = Live::new(&mapping, &args.github, progress);
    live.org_membership_for = Some(&config);
    // The account systems: an --export records its rows; the others are read live.
    live.accounts = match common::account_sources(
        &mapping,
        &adapters,
        &args.accounts.options(&args.github),
        false,
    ) {
        Ok(a) => a,
        Err(e) => return common::fail(&e, "No snapshot was written."),
    };
    let reads = match runtime.block_on(common::read_systems(None, &live, &adapters)) {
        Ok(r) => r,
        // snapshot has no --snapshot: the hint would name a flag it does not take.
        Err(engine::Error::Usage(msg)) => {
            return common::fail(
                &engine::Error::Usage(crate::sources::github::rest::without_offline_hint(&msg)),
                "No snapshot was written.",
            );
        }
        Err(e) => return common::fail(&e, "No snapshot was written."),
    };
    let mut normalised = Vec::new();
    for (adapter, mut read) in adapters.iter().zip(reads) {
        engine::normalise(adapter.as_ref(), &mut read);
        normalised.push(read);
    }
    let unread: Vec<_> = normalised
        .iter()
        .flat_map(|r| r.unread.iter().cloned())
        .collect();
    let print_unread = || common::print_unread(&unread);
    if normalised.iter().all(|r| r.read_whole.is_empty()) {
        print_unread();
        if systems == [System::Github] {
            crate::errln!("No team could be read; no snapshot was written.");
        } else {
            crate::errln!("Nothing could be read; no snapshot was written.");
        }
        return exit::SOURCE;
    }
    let mut sections = BTreeMap::new();
    for (adapter, read) in adapters.iter().zip(&normalised) {
        if read.read_whole.is_empty() {
            continue;
        }
        match adapter.write_snapshot(read) {
            Ok(section) => {
                sections.insert(adapter.system(), section);
            }
            Err(e) => {
                crate::errln!("error: cannot serialise the snapshot: {e}");
                return exit::SOURCE;
            }
        }
    }
    let json = match snapshot::to_json(Some(chrono::Utc::now()), &sections) {
        Ok(j) => j,
        Err(e) => {
            crate::errln!("error: cannot serialise the snapshot: {e}");
            return exit::SOURCE;
        }
    };
    if let Err(e) = crate::fsutil::write_atomic(&args.out, json.as_bytes()) {
        crate::errln!(
            "error: cannot write the snapshot to {}: {e}",
            args.out.display()
        );
        return exit::USAGE;
    }
    if !global.quiet {
        for (adapter, read) in adapters.iter().zip(&normalised) {
            if adapter.system() == System::Github {
                crate::errln!(
                    "Wrote {}: {} team(s), {} member(s) of org {}.",
                    args.out.display(),
                    read.read_whole.len(),
                    read.held_in(|r| adapter.scope_of(r)),
                    mapping.org().unwrap_or_default()
                );
            } else if !read.read_whole.is_empty() {
                crate::errln!(
                    "Wrote {}: {} grant(s) of {}.",
                    args.out.display(),
                    read.grants.len(),
                    adapter.system()
                );
            }
        }
    }
    if unread.is_empty() {
        exit::OK
    } else {
        print_unread();
        if systems == [System::Github] {
            crate::errln!(
                "The snapshot is incomplete: {} team(s) were not read and are not in it; a drift run \
                 from it reports them as not recorded.",
                unread.len()
            );
        } else {
            crate::errln!(
                "The snapshot is incomplete: {} part(s) were not read and are not in it; a drift run \
                 from it reports them as not recorded.",
                unread.len()
            );
        }
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
    let org = mapping.org().unwrap_or_default();
    let mut read = source.read_teams(org, &mapping.managed_teams()).await?;
    let logins = missing_logins(&read, config, mapping);
    read.org_membership = if logins.is_empty() {
        Some(Default::default())
    } else {
        source.org_membership(org, &logins).await?
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
    use crate::sources::github::{Member, MemberRole, TeamMembership};

    fn person(login: &str, role: Option<&str>) -> Person {
        let mut p = Person::named(login, 1);
        p.github_username = Some(Located::new(login.into(), Pos::default()));
        p.role = role.map(|r| Located::new(r.into(), Pos::default()));
        p
    }

    #[test]
    fn looks_up_only_people_missing_from_a_read_team() {
        let mapping = Mapping::parse(
            "m",
            "org: o\neveryone: [all]\nroles:\n  deploy: [deployers]\n",
        )
        .unwrap();
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
