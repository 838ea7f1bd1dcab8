//! Times `roster` and `changes` on 10,000 people and 8 systems: GitHub (10 managed teams) and
//! seven account systems (one role per person, identified by email), read from memory.
//!
//! - roster: policy + drift over every system (`engine::evaluate`), the roster rows
//!   (`roster::build`), and every format rendered (text, JSON, Markdown, CSV, HTML);
//! - changes: two snapshots' reads compared system by system (`changes::compare`), and every
//!   format rendered.
//!
//! ```text
//! cargo run --release --example bench_review
//! ```
//! The issue's target: each under a second in a release build.
#![allow(clippy::print_stdout)]

use std::time::{Duration, Instant};

use access_reconciler::access::{Adapter, Event, Expected, Grant, SourceError, SystemRead};
use access_reconciler::changes::{self, Changes, SnapshotInfo};
use access_reconciler::config::{Config, Mapping, people};
use access_reconciler::engine::{self, Inputs};
use access_reconciler::finding::Finding;
use access_reconciler::report::{Color, Format};
use access_reconciler::roster::{self, Roster, SystemInput};
use access_reconciler::sources::github::adapter::GithubAdapter;
use access_reconciler::system::System;
use chrono::NaiveDate;

const PEOPLE: usize = 10_000;
const TEAMS: usize = 10;
const RUNS: usize = 3;

/// An account system in memory: every person with a role should hold `user`; admins `admin`.
struct Accounts(System);

impl Adapter for Accounts {
    fn system(&self) -> System {
        self.0
    }
    fn scopes(&self) -> Vec<String> {
        vec![self.0.as_str().to_owned()]
    }
    fn expected(&self, config: &Config) -> Vec<Expected> {
        config
            .people
            .iter()
            .enumerate()
            .filter_map(|(i, p)| {
                let role = p.role()?;
                let email = p.email.as_ref()?.value.clone();
                Some(Expected {
                    resource: if role == "production_admin_access" {
                        "admin"
                    } else {
                        "user"
                    }
                    .to_owned(),
                    holder: email,
                    person: i,
                    why: format!("their role {role} grants it"),
                })
            })
            .collect()
    }
    fn is_managed(&self, _: &str) -> bool {
        true
    }
    fn is_ignored(&self, _: &str) -> bool {
        false
    }
    fn single_valued(&self) -> bool {
        true
    }
    fn rank(&self, resource: &str) -> Option<usize> {
        Some(usize::from(resource == "admin"))
    }
    fn describe(&self, _: &Event<'_>, f: &mut Finding) {
        f.message = format!("{} account differs", self.0);
        f.fix = "align it".to_owned();
    }
    fn read_snapshot(
        &self,
        _: &serde_json::Value,
        _: &str,
        _: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Result<SystemRead, SourceError> {
        Err(SourceError::Usage("in memory only".to_owned()))
    }
    fn write_snapshot(&self, _: &SystemRead) -> Result<serde_json::Value, SourceError> {
        Err(SourceError::Usage("in memory only".to_owned()))
    }
}

fn mapping() -> Mapping {
    let mut text = String::from("org: bench-org\neveryone: [team-0]\nroles:\n");
    text.push_str("  production_deploy_access: [team-1]\n  production_admin_access: [team-2]\n  platformengineer: [team-2, team-3]\n");
    for n in 4..TEAMS {
        text.push_str(&format!("  role_{n}: [team-{n}]\n"));
    }
    text.push_str("ignore: [bench-bot]\n");
    Mapping::parse("bench-mapping.yml", &text).expect("valid mapping")
}

fn role(i: usize) -> Option<String> {
    match i % 10 {
        0 => None,
        1..=5 => Some("production_deploy_access".to_owned()),
        6 | 7 => Some("production_admin_access".to_owned()),
        8 => Some("platformengineer".to_owned()),
        n => Some(format!("role_{}", 4 + n % 6)),
    }
}

fn config(mapping: &Mapping) -> Config {
    let mut text = String::new();
    for i in 0..PEOPLE {
        text.push_str(&format!(
            "- name: Person {i}\n  email: person.{i}@example.gov.uk\n  github_username: person-{i}\n  sponsor: Lead {}\n  security_clearance: SC\n  probation_passed: true\n  admin_checklist_reviewed_by: Senior {}\n",
            i % 50,
            i % 3
        ));
        if let Some(r) = role(i) {
            text.push_str(&format!("  role: {r}\n"));
        }
    }
    people::parse("bench.yml", &text, mapping).expect("valid config")
}

/// GitHub: most people where expected, some missing, some strangers. `shift` varies the reads
/// between the two snapshots of `changes`.
fn github_read(adapter: &GithubAdapter, config: &Config, shift: usize) -> SystemRead {
    let mut read = SystemRead::new(System::Github);
    for e in adapter.expected(config) {
        if !(e.person + shift).is_multiple_of(17) {
            read.grants.push(Grant::held(e.resource, e.holder));
        }
    }
    for i in 0..500 {
        read.grants.push(Grant::held(
            format!("team-{}", i % TEAMS),
            format!("stranger-{}", i + shift),
        ));
    }
    read.read_whole = adapter.scopes().into_iter().collect();
    read
}

fn account_read(adapter: &Accounts, config: &Config, shift: usize) -> SystemRead {
    let mut read = SystemRead::new(adapter.0);
    for e in adapter.expected(config) {
        let resource = if (e.person + shift).is_multiple_of(23) {
            "admin".to_owned()
        } else {
            e.resource
        };
        if !(e.person + shift).is_multiple_of(19) {
            read.grants.push(Grant::held(resource, e.holder));
        }
    }
    read.read_whole.insert(adapter.0.as_str().to_owned());
    read
}

fn time<T>(what: &str, f: impl Fn() -> T) -> (Duration, T) {
    let mut best = Duration::MAX;
    let mut out = None;
    for _ in 0..RUNS {
        let start = Instant::now();
        let v = f();
        best = best.min(start.elapsed());
        out = Some(v);
    }
    println!(
        "{what:<48} {:>8.1} ms (best of {RUNS})",
        best.as_secs_f64() * 1000.0
    );
    (best, out.expect("RUNS > 0"))
}

fn main() {
    let mapping = mapping();
    let config = config(&mapping);
    let inputs = Inputs::new(
        NaiveDate::from_ymd_opt(2026, 11, 28).expect("a date"),
        mapping.clone(),
        config.clone(),
    );
    let github = GithubAdapter::new(mapping.github.as_ref().expect("github"));
    let accounts: Vec<Accounts> = System::ALL[1..].iter().map(|s| Accounts(*s)).collect();
    let mut adapters: Vec<Box<dyn Adapter>> = vec![Box::new(github.clone())];
    for a in &accounts {
        adapters.push(Box::new(Accounts(a.0)));
    }
    let reads = |shift: usize| -> Vec<SystemRead> {
        let mut r = vec![github_read(&github, &config, shift)];
        r.extend(accounts.iter().map(|a| account_read(a, &config, shift)));
        r
    };
    let old = reads(0);
    let new = reads(3);
    let grants: usize = old.iter().map(|r| r.grants.len()).sum();
    println!(
        "{PEOPLE} people, {} systems, {grants} grants per snapshot",
        adapters.len()
    );

    let (evaluate_time, outcome) = time("roster: evaluate (policy + drift, the engine)", || {
        engine::evaluate(&inputs, &adapters, old.clone())
    });
    let (build_time, roster) = time("roster: build the rows", || {
        let systems: Vec<SystemInput<'_>> = adapters
            .iter()
            .zip(&outcome.reads)
            .map(|(a, r)| SystemInput {
                adapter: a.as_ref(),
                read: r,
            })
            .collect();
        let rows = roster::build(&config, &mapping, &systems, &outcome.findings, &[]);
        Roster {
            config_path: "bench.yml".to_owned(),
            systems: outcome.systems.clone(),
            rows,
            complete: outcome.complete(),
            errors: Vec::new(),
            findings: outcome.findings.len(),
            accepted: 0,
            unused_exceptions: Vec::new(),
            evidence: inputs.evidence.clone(),
        }
    });
    let mut render_total = Duration::ZERO;
    for format in [
        Format::Text,
        Format::Json,
        Format::Markdown,
        Format::Csv,
        Format::Html,
    ] {
        let (t, bytes) = time(&format!("roster: render {}", format.as_str()), || {
            let mut out = Vec::new();
            roster::render(&roster, format, Color::Never, &mut out).expect("renders");
            out.len()
        });
        render_total = render_total.max(t);
        println!("    {} bytes", bytes);
    }
    println!(
        "roster rows: {}, findings: {}",
        roster.rows.len(),
        roster.findings
    );

    let (changes_time, result) = time("changes: compare 8 systems", || {
        let mut all = Vec::new();
        for ((a, o), n) in adapters.iter().zip(&old).zip(&new) {
            let (mut o, mut n) = (o.clone(), n.clone());
            engine::normalise(a.as_ref(), &mut o);
            engine::normalise(a.as_ref(), &mut n);
            all.extend(changes::compare(a.as_ref(), &o, &n, Some(&config)).0);
        }
        changes::sort(&mut all);
        all
    });
    let info = |p: &str| SnapshotInfo {
        path: p.to_owned(),
        sha256: String::new(),
        version: 2,
        fetched_at: None,
    };
    let result = Changes {
        from: info("old.json"),
        to: info("new.json"),
        config: None,
        systems: System::ALL.to_vec(),
        changes: result,
        not_compared: Vec::new(),
        tool_version: "bench".to_owned(),
    };
    let mut changes_render = Duration::ZERO;
    for format in [Format::Text, Format::Json, Format::Markdown, Format::Csv] {
        let (t, _) = time(&format!("changes: render {}", format.as_str()), || {
            let mut out = Vec::new();
            changes::render::render(&result, format, Color::Never, &mut out).expect("renders");
            out.len()
        });
        changes_render = changes_render.max(t);
    }
    println!("changes: {}", result.changes.len());
    let roster_all = evaluate_time + build_time + render_total;
    let changes_all = changes_time + changes_render;
    println!(
        "TOTAL roster (evaluate + build + slowest format): {:.1} ms; changes (compare + slowest format): {:.1} ms",
        roster_all.as_secs_f64() * 1000.0,
        changes_all.as_secs_f64() * 1000.0
    );
    assert!(
        roster_all < Duration::from_secs(1),
        "roster took {roster_all:?}"
    );
    assert!(
        changes_all < Duration::from_secs(1),
        "changes took {changes_all:?}"
    );
}
