//! What a second system costs: a test-only adapter and source for an account system (it stands
//! in as `pagerduty`, whose mapping section the v2 parser already reads), run through the same
//! engine and drift as GitHub, with no change to either. Everything a real system adds is in
//! this file, plus one arm in `engine::adapter` and its live source at the CLI edge.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use chrono::NaiveDate;
use futures::future::LocalBoxFuture;

use super::*;
use crate::access::{Adapter, Event, Expected, Grant, Source, SourceError, System, SystemRead};
use crate::config::mapping::AccountMapping;
use crate::finding::{Finding, Kind, Severity};

const MAPPING: &str = "\
version: 2
roles:
  production_deploy_access: {level: deploy}
  production_admin_access: {level: admin}
systems:
  github:
    org: alphagov
    everyone: [gov-uk]
    roles:
      production_deploy_access: [gov-uk-production-deploy]
      production_admin_access: [gov-uk-production-admin]
  pagerduty:
    roles: {production_admin_access: admin, production_deploy_access: user}
    managed: [admin, user]
    ignore: [bot@example.gov.uk]
";

const CONFIG: &str = "\
- name: Ada Admin
  email: ada@example.gov.uk
  github_username: ada
  role: production_admin_access
  security_clearance: SC
  sponsor: Sam
  probation_passed: true
  admin_checklist_reviewed_by: Sam
- name: Dee Deploy
  email: Dee@Example.gov.uk
  github_username: dee
  role: production_deploy_access
  security_clearance: BPSS
  sponsor: Sam
- name: Una Upgraded
  email: una@example.gov.uk
  github_username: una
  role: production_deploy_access
  security_clearance: BPSS
  sponsor: Sam
- name: Mia Missing
  email: mia@example.gov.uk
  github_username: mia
  role: production_deploy_access
  security_clearance: BPSS
  sponsor: Sam
";

/// The new system's adapter: expected roles from its mapping section, one role per person.
struct FakeAdapter(AccountMapping);

impl Adapter for FakeAdapter {
    fn system(&self) -> System {
        System::Pagerduty
    }

    fn scopes(&self) -> Vec<String> {
        vec!["pagerduty".to_owned()]
    }

    fn expected(&self, config: &Config) -> Vec<Expected> {
        config
            .people
            .iter()
            .enumerate()
            .filter_map(|(i, p)| {
                let role = self.0.roles.get(p.role()?)?;
                Some(Expected {
                    resource: role.clone(),
                    holder: p.email.as_ref()?.value.clone(),
                    person: i,
                    why: format!("their role {} grants it", p.role()?),
                })
            })
            .collect()
    }

    fn is_managed(&self, resource: &str) -> bool {
        self.0.is_managed(resource)
    }

    fn is_ignored(&self, holder: &str) -> bool {
        self.0.is_ignored(holder)
    }

    fn single_valued(&self) -> bool {
        true
    }

    fn rank(&self, resource: &str) -> Option<usize> {
        System::Pagerduty
            .ranks()?
            .iter()
            .position(|r| *r == resource)
    }

    fn describe(&self, event: &Event<'_>, f: &mut Finding) {
        f.message = match event {
            Event::Missing { expected, .. } => format!("no {} account", expected.resource),
            Event::WrongRole { grant, .. } => format!("holds {}", grant.resource),
            Event::UnexpectedMember { grant, .. } => format!("{} not expected", grant.holder),
            _ => String::new(),
        };
        f.fix = "fix it".to_owned();
    }

    fn read_snapshot(
        &self,
        _: &serde_json::Value,
        _: &str,
        _: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Result<SystemRead, SourceError> {
        unreachable!("not used here")
    }

    fn write_snapshot(&self, _: &SystemRead) -> Result<serde_json::Value, SourceError> {
        unreachable!("not used here")
    }
}

/// The new system's source: an in-memory model of its accounts. `barrier`, when set, makes the
/// read wait until every other source is reading too (so a sequential engine would hang).
struct FakeSource {
    system: System,
    read: SystemRead,
    barrier: Option<Arc<tokio::sync::Barrier>>,
}

impl Source for FakeSource {
    fn system(&self) -> System {
        self.system
    }

    fn read(&self) -> LocalBoxFuture<'_, Result<SystemRead, SourceError>> {
        Box::pin(async move {
            if let Some(b) = &self.barrier {
                b.wait().await;
            }
            Ok(self.read.clone())
        })
    }
}

fn accounts(rows: &[(&str, &str)]) -> SystemRead {
    let mut read = SystemRead::new(System::Pagerduty);
    read.grants = rows.iter().map(|(e, r)| Grant::held(*r, *e)).collect();
    read.read_whole.insert("pagerduty".to_owned());
    read
}

fn inputs() -> Inputs {
    let mapping = Mapping::parse("m.yml", MAPPING).unwrap();
    let config = crate::config::people::parse("c.yml", CONFIG, &mapping).unwrap();
    Inputs::new(
        NaiveDate::from_ymd_opt(2026, 11, 28).unwrap(),
        mapping,
        config,
    )
}

/// GitHub from an in-memory read where everyone is where the mapping says.
fn github_clean(inputs: &Inputs) -> SystemRead {
    let gh = inputs.mapping.github.as_ref().unwrap();
    let mut read = SystemRead::new(System::Github);
    for team in gh.managed_teams() {
        read.read_whole.insert(team.clone());
        for p in &inputs.config.people {
            if gh.teams_for(p.role()).contains(&team) {
                read.grants.push(Grant::held(&team, p.login().unwrap()));
            }
        }
    }
    read
}

fn run(fake: SystemRead) -> Outcome {
    let inputs = inputs();
    let adapters: Vec<Box<dyn Adapter>> = vec![
        adapter(&inputs.mapping, System::Github, &inputs.aws()),
        Box::new(FakeAdapter(
            inputs.mapping.accounts[&System::Pagerduty].clone(),
        )),
    ];
    let github = github_clean(&inputs);
    evaluate(&inputs, &adapters, vec![github, fake])
}

fn summary(o: &Outcome) -> Vec<(Kind, Severity, String, String)> {
    o.findings
        .iter()
        .map(|f| {
            (
                f.kind,
                f.severity,
                f.resource.clone().unwrap_or_default(),
                f.email.clone().unwrap_or_default(),
            )
        })
        .collect()
}

#[test]
fn a_second_system_runs_through_the_same_engine_and_drift() {
    let o = run(accounts(&[
        ("ada@example.gov.uk", "admin"),
        // Case differs from the config: still Dee's.
        ("dee@example.gov.uk", "user"),
        // Una should be `user`: holding `admin` is one wrong_role (high: it ranks above).
        ("una@example.gov.uk", "admin"),
        ("stranger@example.gov.uk", "user"),
        ("bot@example.gov.uk", "admin"),
        // Not a managed role, not expected: never reported.
        ("viewer@example.gov.uk", "observer"),
    ]));
    assert!(o.complete());
    assert_eq!(
        summary(&o),
        [
            (
                Kind::UnexpectedMember,
                Severity::High,
                "user".to_owned(),
                "stranger@example.gov.uk".to_owned()
            ),
            (
                Kind::WrongRole,
                Severity::High,
                "admin".to_owned(),
                "una@example.gov.uk".to_owned()
            ),
            (
                Kind::Missing,
                Severity::Medium,
                "user".to_owned(),
                "mia@example.gov.uk".to_owned()
            ),
        ]
    );
    let wrong = &o.findings[1];
    assert_eq!(wrong.system, Some(System::Pagerduty));
    assert_eq!(
        (wrong.expected_role.as_deref(), wrong.actual_role.as_deref()),
        (Some("user"), Some("admin"))
    );
    assert_eq!(wrong.name.as_deref(), Some("Una Upgraded"));
    assert_eq!(wrong.message, "holds admin");
    let by = by_system(&o.systems, &o.findings);
    assert_eq!(by[&System::Github], 0);
    assert_eq!(by[&System::Pagerduty], 3);
}

#[test]
fn a_lower_role_is_a_medium_wrong_role() {
    let o = run(accounts(&[
        ("ada@example.gov.uk", "user"),
        ("dee@example.gov.uk", "user"),
        ("una@example.gov.uk", "user"),
        ("mia@example.gov.uk", "user"),
    ]));
    assert_eq!(
        summary(&o),
        [(
            Kind::WrongRole,
            Severity::Medium,
            "user".to_owned(),
            "ada@example.gov.uk".to_owned()
        )]
    );
}

#[test]
fn an_unread_second_system_yields_no_findings_and_is_named() {
    let o = run(SystemRead::unread(System::Pagerduty, "the API said 500"));
    assert!(!o.complete());
    assert!(o.findings.is_empty(), "{:?}", summary(&o));
    assert_eq!(o.unread.len(), 1);
    assert_eq!(o.unread[0].system, System::Pagerduty);
    // A read that forgot to say what it read is unread too, never clean.
    let o = run(SystemRead::new(System::Pagerduty));
    assert!(!o.complete());
    assert!(o.findings.is_empty());
}

#[test]
fn sources_are_read_concurrently() {
    // Each source waits until both are reading: read one after the other, this would never end.
    let barrier = Arc::new(tokio::sync::Barrier::new(2));
    let sources = [
        FakeSource {
            system: System::Github,
            read: SystemRead::new(System::Github),
            barrier: Some(barrier.clone()),
        },
        FakeSource {
            system: System::Pagerduty,
            read: accounts(&[]),
            barrier: Some(barrier),
        },
    ];
    let refs: Vec<&dyn Source> = sources.iter().map(|s| s as &dyn Source).collect();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let reads = rt
        .block_on(async {
            tokio::time::timeout(std::time::Duration::from_secs(10), read_all(&refs)).await
        })
        .expect("read concurrently, not one after the other")
        .unwrap();
    assert_eq!(reads.len(), 2);
    assert_eq!(reads[1].system, Some(System::Pagerduty));
}

#[test]
fn a_selected_system_without_a_reader_is_unread() {
    // A system whose reader has not landed is unread, never skipped.
    let none = crate::access::NoReader(System::Aws)
        .read_snapshot(&serde_json::json!({}), "s.json", None)
        .unwrap();
    assert!(!none.complete() && none.unread[0].reason.contains("no reader"));

    let inputs = inputs();
    let systems = select(&inputs.mapping, Some("pagerduty,github")).unwrap();
    assert_eq!(systems, [System::Github, System::Pagerduty]);
    let adapters = adapters(&inputs.mapping, &systems, &inputs.aws());
    // PagerDuty has a reader (issue 12): its empty snapshot section is read whole.
    let snapshot = crate::sources::snapshot::Snapshot::parse(
        "s.json",
        r#"{"version": 2, "github": {"org": "alphagov", "teams": {}}, "pagerduty": {"users": []}}"#,
    )
    .unwrap();
    let reads = read_snapshot(&snapshot, &adapters).unwrap();
    let o = evaluate(&inputs, &adapters, reads);
    assert!(!o.complete());
    assert!(!o.unread.iter().any(|u| u.system == System::Pagerduty));
    // GitHub's teams were not in the snapshot: unread too, and named.
    assert!(o.unread.iter().any(|u| u.system == System::Github));
    assert!(select(&inputs.mapping, Some("aws")).is_err());
    assert!(select(&inputs.mapping, Some("jira")).is_err());
}

/// A source that fails as a whole.
struct FailingSource(System, fn(String) -> SourceError);

impl Source for FailingSource {
    fn system(&self) -> System {
        self.0
    }

    fn read(&self) -> LocalBoxFuture<'_, Result<SystemRead, SourceError>> {
        let e = (self.1)(format!("{} said 401 Bad credentials", self.0));
        Box::pin(async move { Err(e) })
    }
}

#[test]
fn a_failed_system_never_hides_the_others() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let failing = FailingSource(System::Github, SourceError::Api);
    let fake = FakeSource {
        system: System::Pagerduty,
        read: accounts(&[("stranger@example.gov.uk", "user")]),
        barrier: None,
    };
    let sources: [&dyn Source; 2] = [&failing, &fake];
    let reads = rt.block_on(read_all(&sources)).unwrap();
    assert_eq!(
        reads[0],
        SystemRead::unread(System::Github, "github said 401 Bad credentials")
    );
    let inputs = inputs();
    let adapters: Vec<Box<dyn Adapter>> = vec![
        adapter(&inputs.mapping, System::Github, &inputs.aws()),
        Box::new(FakeAdapter(
            inputs.mapping.accounts[&System::Pagerduty].clone(),
        )),
    ];
    let o = evaluate(&inputs, &adapters, reads);
    assert!(!o.complete());
    // GitHub: unread whole, named, no findings (never "missing" for everyone).
    assert_eq!(o.unread.len(), 1);
    assert_eq!(
        (o.unread[0].system, o.unread[0].resource.as_deref()),
        (System::Github, None)
    );
    assert!(o.findings.iter().all(|f| f.system != Some(System::Github)));
    // The other system is still read and reported.
    assert!(
        o.findings
            .iter()
            .any(|f| f.system == Some(System::Pagerduty) && f.kind == Kind::UnexpectedMember)
    );

    // A usage error (bad input, missing credentials) still stops the run.
    let usage = FailingSource(System::Github, SourceError::Usage);
    let sources: [&dyn Source; 2] = [&usage, &fake];
    assert!(matches!(
        rt.block_on(read_all(&sources)),
        Err(Error::Usage(_))
    ));
}
