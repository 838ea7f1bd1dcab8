//! The roster: who holds what, everywhere. One row per person in the config plus one per holder
//! found in a system who is not in it; per system, what they hold, what the config expects, and
//! whether the two agree.
//!
//! [`build`] is pure: the config, the adapters and the normalised reads of a run, and its
//! findings, in; a [`Roster`] out. Renderers ([`text`], [`json`], [`markdown`], [`csv`],
//! [`html`]) write a roster to `impl Write`.

pub mod csv;
pub mod html;
pub mod json;
pub mod markdown;
pub mod text;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDate;

use crate::access::{Adapter, Identity, System, SystemRead};
use crate::config::{Config, Mapping, Person};
use crate::exceptions::Exception;
use crate::finding::Finding;
use crate::report::ReportError;
use crate::report::evidence::Evidence;

/// Whether what a person holds in a system matches what the config declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    /// They hold exactly what the config grants there (possibly nothing).
    Ok,
    /// Nothing expected, nothing held.
    None,
    /// Everything expected is held or offered; some of it is an invitation not yet accepted.
    Pending,
    /// Something the config grants is not held (nor offered).
    Missing,
    /// They hold (or are offered) a managed resource the config does not grant.
    Excess,
    /// Both: something granted is missing and something held is not granted (a wrong role).
    Mismatch,
    /// The system (or the scope that matters) was not read whole: nothing can be said.
    Unread,
}

impl Status {
    /// The JSON/CSV string.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::None => "none",
            Status::Pending => "pending",
            Status::Missing => "missing",
            Status::Excess => "excess",
            Status::Mismatch => "mismatch",
            Status::Unread => "unread",
        }
    }

    /// A short mark for text cells that reads without colour (and on paper).
    pub fn mark(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::None => "-",
            Status::Pending => "pending",
            Status::Missing => "MISSING",
            Status::Excess => "EXCESS",
            Status::Mismatch => "MISMATCH",
            Status::Unread => "UNREAD",
        }
    }

    /// What it means, for legends.
    pub fn meaning(self) -> &'static str {
        match self {
            Status::Ok => "holds exactly what the config grants",
            Status::None => "nothing granted, nothing held",
            Status::Pending => "granted and invited; the invitation is not accepted yet",
            Status::Missing => "the config grants access that is not held",
            Status::Excess => "holds access the config does not grant",
            Status::Mismatch => "holds access the config does not grant, and lacks access it does",
            Status::Unread => "not read whole: unknown, never assumed clean",
        }
    }

    /// Every status, in legend order.
    pub const ALL: [Status; 7] = [
        Status::Ok,
        Status::None,
        Status::Pending,
        Status::Missing,
        Status::Excess,
        Status::Mismatch,
        Status::Unread,
    ];
}

/// One resource held (or offered) in a system.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Held {
    pub resource: String,
    /// An invitation not accepted yet.
    pub pending: bool,
}

/// One person's access in one system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    /// What they hold (and are offered), sorted.
    pub held: Vec<Held>,
    /// What the config grants them there, sorted.
    pub expected: Vec<String>,
    pub status: Status,
}

impl Cell {
    /// `team-a, team-b (pending)`.
    pub fn held_text(&self) -> String {
        self.held
            .iter()
            .map(|h| {
                if h.pending {
                    format!("{} (pending)", h.resource)
                } else {
                    h.resource.clone()
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// One row: a person in the config, or a holder found in a system who is not in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub name: Option<String>,
    pub github_username: Option<String>,
    pub email: Option<String>,
    pub in_config: bool,
    /// The line of the entry in the config.
    pub line: Option<usize>,
    pub role: Option<String>,
    /// The role's level (`deploy`, `admin`, `platform`).
    pub level: Option<&'static str>,
    pub security_clearance: Option<&'static str>,
    pub probation_passed: Option<bool>,
    pub sponsor: Option<String>,
    pub admin_checklist_reviewed_by: Option<String>,
    pub absent_since: Option<NaiveDate>,
    /// One per [`Roster::systems`], in that order.
    pub cells: Vec<Cell>,
    /// Findings about this person that count, and those an exception accepts.
    pub findings: usize,
    pub accepted: usize,
    /// A holder the mapping ignores (a bot): listed, never reported.
    pub ignored: bool,
}

impl Row {
    /// The name, else the login or email: how the row is labelled.
    pub fn label(&self) -> String {
        match (&self.name, &self.github_username, &self.email) {
            (Some(n), Some(l), _) => format!("{n} ({l})"),
            (Some(n), None, _) => n.clone(),
            (None, Some(l), _) => l.clone(),
            (None, None, Some(e)) => e.clone(),
            (None, None, None) => "(unknown)".to_owned(),
        }
    }

    /// The worst status across the row's systems (for sorting and filtering).
    pub fn worst(&self) -> Status {
        self.cells
            .iter()
            .map(|c| c.status)
            .max()
            .unwrap_or(Status::None)
    }
}

/// The whole roster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Roster {
    pub config_path: String,
    pub systems: Vec<System>,
    pub rows: Vec<Row>,
    /// False when some system (or scope) was not read whole.
    pub complete: bool,
    pub errors: Vec<ReportError>,
    /// Findings that count / accepted by an exception, in total.
    pub findings: usize,
    pub accepted: usize,
    pub unused_exceptions: Vec<Exception>,
    pub evidence: Evidence,
}

impl Roster {
    /// People in the config (rows with `in_config`).
    pub fn people(&self) -> usize {
        self.rows.iter().filter(|r| r.in_config).count()
    }

    /// Whether any text of the roster holds a control character (see [`Roster::visible`]).
    pub fn has_control_chars(&self) -> bool {
        let bad = |s: &str| s.chars().any(char::is_control);
        let opt = |s: &Option<String>| s.as_deref().is_some_and(bad);
        self.errors.iter().any(|e| bad(&e.message))
            || self.rows.iter().any(|r| {
                opt(&r.name)
                    || opt(&r.github_username)
                    || opt(&r.email)
                    || r.cells.iter().any(|c| {
                        c.held.iter().any(|h| bad(&h.resource)) || c.expected.iter().any(|e| bad(e))
                    })
            })
    }

    /// A copy whose text read from systems is [`crate::report::visible`]: for the text format.
    pub fn visible(&self) -> Roster {
        use crate::report::visible;
        let opt = |s: &Option<String>| s.as_deref().map(visible);
        Roster {
            rows: self
                .rows
                .iter()
                .map(|r| Row {
                    name: opt(&r.name),
                    github_username: opt(&r.github_username),
                    email: opt(&r.email),
                    cells: r
                        .cells
                        .iter()
                        .map(|c| Cell {
                            held: c
                                .held
                                .iter()
                                .map(|h| Held {
                                    resource: visible(&h.resource),
                                    pending: h.pending,
                                })
                                .collect(),
                            expected: c.expected.iter().map(|e| visible(e)).collect(),
                            status: c.status,
                        })
                        .collect(),
                    ..r.clone()
                })
                .collect(),
            errors: self
                .errors
                .iter()
                .map(|e| ReportError {
                    message: visible(&e.message),
                    ..e.clone()
                })
                .collect(),
            ..self.clone()
        }
    }
}

/// Render `roster` in `format` (`github` is refused before the run).
pub fn render(
    roster: &Roster,
    format: crate::report::Format,
    color: crate::report::Color,
    out: &mut impl std::io::Write,
) -> std::io::Result<()> {
    use crate::report::Format;
    match format {
        // Text from the systems goes to a terminal: control characters are escaped (a copy is
        // only made when there is one to escape).
        Format::Text | Format::Github if roster.has_control_chars() => {
            text::render(&roster.visible(), out, color)
        }
        Format::Text | Format::Github => text::render(roster, out, color),
        Format::Json => json::render(roster, out),
        Format::Markdown => markdown::render(roster, out),
        Format::Csv => csv::render(roster, out),
        Format::Html => html::render(roster, out),
    }
}

/// The identity a person has in a system, lower-cased: their login for GitHub, email elsewhere.
fn identity(p: &Person, system: System) -> Option<String> {
    let id = match system.identity() {
        Identity::Login => p.login(),
        Identity::Email => p.email.as_ref().map(|e| e.value.as_str()),
    };
    id.map(|s| s.trim().to_lowercase())
        .filter(|s| !s.is_empty())
}

/// Everything [`build`] needs about one system.
pub struct SystemInput<'a> {
    pub adapter: &'a dyn Adapter,
    /// The normalised read (scopes not read whole are in `unread`).
    pub read: &'a SystemRead,
}

/// A holder's grants, by system index.
type HeldBySystem = BTreeMap<usize, BTreeSet<Held>>;

/// Build the roster of a run. `findings` count towards a person; `accepted` are those an
/// exception accepts.
pub fn build(
    config: &Config,
    mapping: &Mapping,
    systems: &[SystemInput<'_>],
    findings: &[Finding],
    accepted: &[Finding],
) -> Vec<Row> {
    let n = config.people.len();
    // Per system: person index -> expected resources, held grants.
    let mut expected: Vec<HashMap<usize, BTreeSet<String>>> = Vec::new();
    let mut held: Vec<HashMap<usize, BTreeSet<Held>>> = Vec::new();
    // Holders not in the config: (system index, lower-cased holder) -> (as spelt, grants).
    // Keyed by (0 for a login, 1 for an email; the lower-cased holder): logins first.
    let mut strangers: BTreeMap<(u8, String), (String, HeldBySystem)> = BTreeMap::new();
    let mut ignored: BTreeSet<(u8, String)> = BTreeSet::new();

    for (si, s) in systems.iter().enumerate() {
        let system = s.adapter.system();
        let by_id: HashMap<String, usize> = config
            .people
            .iter()
            .enumerate()
            .filter_map(|(i, p)| identity(p, system).map(|id| (id, i)))
            .collect();
        let mut exp: HashMap<usize, BTreeSet<String>> = HashMap::new();
        for e in s.adapter.expected(config) {
            exp.entry(e.person).or_default().insert(e.resource);
        }
        let mut hold: HashMap<usize, BTreeSet<Held>> = HashMap::new();
        for g in &s.read.grants {
            if !s.read.read_whole.contains(&s.adapter.scope_of(&g.resource)) {
                continue;
            }
            let h = Held {
                resource: g.resource.clone(),
                pending: g.pending.is_some(),
            };
            let key = g.holder.trim().to_lowercase();
            match by_id.get(&key) {
                Some(&i) => {
                    hold.entry(i).or_default().insert(h);
                }
                None => {
                    let id = (u8::from(system.identity() == Identity::Email), key);
                    if s.adapter.is_ignored(&g.holder) {
                        ignored.insert(id.clone());
                    }
                    strangers
                        .entry(id)
                        .or_insert_with(|| (g.holder.clone(), BTreeMap::new()))
                        .1
                        .entry(si)
                        .or_default()
                        .insert(h);
                }
            }
        }
        expected.push(exp);
        held.push(hold);
    }

    let facts: Vec<Facts<'_>> = systems
        .iter()
        .map(|s| Facts::new(s.adapter, s.read))
        .collect();
    let cell = |si: usize, exp: BTreeSet<String>, hold: BTreeSet<Held>| -> Cell {
        status_cell(&facts[si], exp, hold)
    };
    let (counted, accepted_ix) = (FindingIndex::new(findings), FindingIndex::new(accepted));

    let mut rows = Vec::with_capacity(n + strangers.len());
    for (i, p) in config.people.iter().enumerate() {
        let cells = (0..systems.len())
            .map(|si| {
                cell(
                    si,
                    expected[si].remove(&i).unwrap_or_default(),
                    held[si].remove(&i).unwrap_or_default(),
                )
            })
            .collect();
        rows.push(Row {
            name: Some(p.name.value.clone()),
            github_username: p.login().map(str::to_owned),
            email: p.email.as_ref().map(|e| e.value.clone()),
            in_config: true,
            line: Some(p.pos.line),
            role: p.role().map(str::to_owned),
            level: p.role().map(|r| mapping.level(r).as_str()),
            security_clearance: p.security_clearance.as_ref().map(|c| c.value.as_str()),
            probation_passed: p.probation_passed.as_ref().map(|b| b.value),
            sponsor: p.sponsor.as_ref().map(|s| s.value.clone()),
            admin_checklist_reviewed_by: p
                .admin_checklist_reviewed_by
                .as_ref()
                .map(|s| s.value.clone()),
            absent_since: p.absent_since.as_ref().map(|d| d.value),
            cells,
            findings: counted.person(p),
            accepted: accepted_ix.person(p),
            ignored: false,
        });
    }
    rows.sort_by_cached_key(|r| (r.name.as_deref().unwrap_or_default().to_lowercase(), r.line));

    for ((kind, key), (spelt, by_system)) in strangers {
        let cells = (0..systems.len())
            .map(|si| {
                cell(
                    si,
                    BTreeSet::new(),
                    by_system.get(&si).cloned().unwrap_or_default(),
                )
            })
            .collect();
        let (github_username, email) = match kind {
            0 => (Some(spelt), None),
            _ => (None, Some(spelt)),
        };
        rows.push(Row {
            name: None,
            github_username,
            email,
            in_config: false,
            line: None,
            role: None,
            level: None,
            security_clearance: None,
            probation_passed: None,
            sponsor: None,
            admin_checklist_reviewed_by: None,
            absent_since: None,
            cells,
            findings: counted.holder(kind == 0, &key),
            accepted: accepted_ix.holder(kind == 0, &key),
            ignored: ignored.contains(&(kind, key)),
        });
    }
    rows
}

/// What `status_cell` needs about a system, worked out once per system.
struct Facts<'a> {
    adapter: &'a dyn Adapter,
    read: &'a SystemRead,
    /// Some scope (or the whole system) was not read whole.
    partly_unread: bool,
    /// Whether a resource is managed, by resource (the adapter's answer, cached).
    managed: std::cell::RefCell<HashMap<String, bool>>,
}

impl<'a> Facts<'a> {
    fn new(adapter: &'a dyn Adapter, read: &'a SystemRead) -> Self {
        let partly_unread = read.unread.iter().any(|u| u.resource.is_none())
            || adapter
                .scopes()
                .iter()
                .any(|s| !read.read_whole.contains(s));
        Facts {
            adapter,
            read,
            partly_unread,
            managed: std::cell::RefCell::new(HashMap::new()),
        }
    }

    fn is_managed(&self, resource: &str) -> bool {
        if let Some(&m) = self.managed.borrow().get(resource) {
            return m;
        }
        let m = self.adapter.is_managed(resource);
        self.managed.borrow_mut().insert(resource.to_owned(), m);
        m
    }
}

/// The cell of one person in one system.
fn status_cell(facts: &Facts<'_>, expected: BTreeSet<String>, held: BTreeSet<Held>) -> Cell {
    let (adapter, read) = (facts.adapter, facts.read);
    let read_whole = |r: &str| read.read_whole.contains(&adapter.scope_of(r));
    let lower = |s: &str| s.to_lowercase();
    let held_now: BTreeSet<String> = held
        .iter()
        .filter(|h| !h.pending)
        .map(|h| lower(&h.resource))
        .collect();
    let offered: BTreeSet<String> = held
        .iter()
        .filter(|h| h.pending)
        .map(|h| lower(&h.resource))
        .collect();
    let exp: BTreeSet<String> = expected.iter().map(|e| lower(e)).collect();
    let missing = expected
        .iter()
        .filter(|e| read_whole(e))
        .any(|e| !held_now.contains(&lower(e)) && !offered.contains(&lower(e)));
    let pending = expected
        .iter()
        .any(|e| !held_now.contains(&lower(e)) && offered.contains(&lower(e)));
    let excess = held
        .iter()
        .any(|h| facts.is_managed(&h.resource) && !exp.contains(&lower(&h.resource)));
    let unread_here = facts.partly_unread || expected.iter().any(|e| !read_whole(e));
    let status = match (missing, excess) {
        (true, true) => Status::Mismatch,
        (false, true) => Status::Excess,
        (true, false) => Status::Missing,
        // Nothing wrong in what was read; but what was not read could hold anything.
        _ if unread_here => Status::Unread,
        _ if pending => Status::Pending,
        _ if expected.is_empty() && held.is_empty() => Status::None,
        _ => Status::Ok,
    };
    Cell {
        held: held.into_iter().collect(),
        expected: expected.into_iter().collect(),
        status,
    }
}

/// Findings counted per person, looked up in O(1): by lower-cased login, lower-cased email, and
/// (for findings with neither) name; separately for people in the config and holders not in it.
#[derive(Default)]
struct FindingIndex {
    by_login: HashMap<(bool, String), usize>,
    by_email: HashMap<(bool, String), usize>,
    by_name: HashMap<String, usize>,
}

impl FindingIndex {
    fn new(findings: &[Finding]) -> Self {
        let mut ix = FindingIndex::default();
        for f in findings {
            // Count each finding once, under its most specific key.
            if let Some(l) = &f.github_username {
                *ix.by_login
                    .entry((f.in_config, l.to_lowercase()))
                    .or_default() += 1;
            } else if let Some(e) = &f.email {
                *ix.by_email
                    .entry((f.in_config, e.trim().to_lowercase()))
                    .or_default() += 1;
            } else if let (Some(n), true) = (&f.name, f.in_config) {
                *ix.by_name.entry(n.clone()).or_default() += 1;
            }
        }
        ix
    }

    /// A config person's count: by login, else by email, plus policy findings by name.
    fn person(&self, p: &Person) -> usize {
        let login = p
            .login()
            .map(|l| {
                self.by_login
                    .get(&(true, l.to_lowercase()))
                    .copied()
                    .unwrap_or(0)
            })
            .unwrap_or(0);
        let email = p
            .email
            .as_ref()
            .map(|e| {
                self.by_email
                    .get(&(true, e.value.trim().to_lowercase()))
                    .copied()
                    .unwrap_or(0)
            })
            .unwrap_or(0);
        let name = self.by_name.get(&p.name.value).copied().unwrap_or(0);
        login + email + name
    }

    fn holder(&self, login: bool, key: &str) -> usize {
        let map = if login {
            &self.by_login
        } else {
            &self.by_email
        };
        map.get(&(false, key.to_owned())).copied().unwrap_or(0)
    }
}

/// Counts of rows by the worst status of the row, for summaries.
pub fn counts(roster: &Roster) -> BTreeMap<Status, usize> {
    let mut m = BTreeMap::new();
    for r in &roster.rows {
        for c in &r.cells {
            *m.entry(c.status).or_insert(0) += 1;
        }
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::{Grant, Pending};
    use crate::sources::github::adapter::GithubAdapter;

    fn config() -> Config {
        let text = "- name: Ann\n  github_username: ann\n  email: ann@x.org\n  role: production_deploy_access\n- name: Bob\n  github_username: bob\n- name: Cat\n  github_username: cat\n  role: production_admin_access\n";
        crate::config::people::parse("c.yml", text, &Mapping::builtin()).expect("valid")
    }

    fn read(grants: Vec<Grant>, whole: &[&str]) -> SystemRead {
        SystemRead {
            grants,
            read_whole: whole.iter().map(|s| (*s).to_owned()).collect(),
            ..SystemRead::new(System::Github)
        }
    }

    const ALL: [&str; 3] = [
        "gov-uk",
        "gov-uk-production-admin",
        "gov-uk-production-deploy",
    ];

    #[test]
    fn rows_per_person_and_per_stranger_with_statuses() {
        let mapping = Mapping::builtin();
        let adapter = GithubAdapter::new(mapping.github.as_ref().expect("github"));
        let mut invite = Grant::held("gov-uk-production-admin", "cat");
        invite.pending = Some(Pending::default());
        let r = read(
            vec![
                Grant::held("gov-uk", "Ann"),
                Grant::held("gov-uk-production-deploy", "ann"),
                Grant::held("gov-uk", "bob"),
                Grant::held("gov-uk-production-admin", "bob"),
                Grant::held("gov-uk", "cat"),
                invite,
                Grant::held("gov-uk", "govuk-ci"),
                Grant::held("gov-uk-production-admin", "zed"),
            ],
            &ALL,
        );
        let systems = [SystemInput {
            adapter: &adapter,
            read: &r,
        }];
        let rows = build(&config(), &mapping, &systems, &[], &[]);
        let got: Vec<(String, Status)> = rows
            .iter()
            .map(|r| (r.label(), r.cells[0].status))
            .collect();
        assert_eq!(
            got,
            vec![
                ("Ann (ann)".to_owned(), Status::Ok),
                ("Bob (bob)".to_owned(), Status::Excess),
                ("Cat (cat)".to_owned(), Status::Pending),
                ("govuk-ci".to_owned(), Status::Excess),
                ("zed".to_owned(), Status::Excess),
            ]
        );
        assert_eq!(rows[0].level, Some("deploy"));
        assert_eq!(rows[2].level, Some("admin"));
        assert!(rows[3].ignored && !rows[3].in_config);
        assert_eq!(
            rows[2].cells[0].held_text(),
            "gov-uk, gov-uk-production-admin (pending)"
        );
    }

    #[test]
    fn an_unread_team_is_never_ok() {
        let mapping = Mapping::builtin();
        let adapter = GithubAdapter::new(mapping.github.as_ref().expect("github"));
        // The deploy team was not read: Ann (deploy) cannot be called ok, and Bob neither.
        let r = read(
            vec![Grant::held("gov-uk", "ann"), Grant::held("gov-uk", "bob")],
            &["gov-uk", "gov-uk-production-admin"],
        );
        let systems = [SystemInput {
            adapter: &adapter,
            read: &r,
        }];
        let rows = build(&config(), &mapping, &systems, &[], &[]);
        assert!(
            rows.iter().all(
                |r| r.cells[0].status == Status::Unread || r.cells[0].status == Status::Missing
            )
        );
        // Cat (admin) is missing from the admin team, which was read: that is real.
        assert_eq!(rows[2].cells[0].status, Status::Missing);
    }
}
