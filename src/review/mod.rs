//! `review`: the access a config change grants or revokes (issue 5).
//!
//! Pure: two validated [`Config`]s (base and head) and the [`Mapping`] in, a list of access
//! [`Change`]s and the policy findings split into "introduced by this change" and "already
//! present" out. Rendering lives in [`markdown`], [`text`], [`json`] and [`github`]; the sticky PR
//! comment logic in [`comment`].
//!
//! People are matched by `github_username` (case-insensitively); a person whose login changed but
//! whose `email` is the same (case-insensitively) is one person whose login changed. People with
//! no login on either side are matched by name. When a person's login and role both change, the
//! change is reported ONCE, with the kind of the role change (`granted`, `revoked`, `escalated`,
//! `reduced`) and `previous_github_username` set: the access change is what a reviewer must
//! judge, and the rename is shown beside it.
//!
//! The access a change adds and removes is generic, through the systems' adapters: for each
//! system, what `adapter.expected(base)` gives the person against what `adapter.expected(head)`
//! gives them ([`Access`]). Each side has its own adapters ([`Side`]), so an adapter that reads
//! inputs beyond the config (AWS's `temporary_admin.yml`, the date) is built with the base's
//! inputs for the base and the head's for the head: entries added or expiring then show as
//! access added or removed, with no edit here. `teams_added`/`teams_removed` are GitHub's.

pub mod comment;
pub mod github;
pub mod json;
pub mod markdown;
pub mod text;

use std::collections::{BTreeMap, BTreeSet};

use crate::access::{Adapter, System};
use crate::config::{Config, Mapping, Person};
use crate::finding::{Finding, Kind};
use crate::policy::Rule;

/// The hidden marker that identifies the sticky review comment. Always the first line.
pub const MARKER: &str = "<!-- access-reconciler:review -->";

/// What happened to one person's access. The order is the report order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ChangeKind {
    /// No role -> a role (including a person added to the file with a role).
    Granted,
    /// A role -> a higher one (deploy < admin < platformengineer); or the same role with access
    /// added (another system's identity changed, or an adapter's own inputs such as AWS
    /// temporary admin entries).
    Escalated,
    /// A role -> a lower one; or the same role with access only removed.
    Reduced,
    /// A role -> no role (including a person with a role removed from the file).
    Revoked,
    /// Same role, new GitHub login (matched by email).
    LoginChanged,
}

impl ChangeKind {
    /// The JSON `change` string.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Granted => "granted",
            ChangeKind::Escalated => "escalated",
            ChangeKind::Reduced => "reduced",
            ChangeKind::Revoked => "revoked",
            ChangeKind::LoginChanged => "login_changed",
        }
    }

    pub const ALL: [ChangeKind; 5] = [
        ChangeKind::Granted,
        ChangeKind::Escalated,
        ChangeKind::Reduced,
        ChangeKind::Revoked,
        ChangeKind::LoginChanged,
    ];
}

/// One person's access change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub kind: ChangeKind,
    /// The login in the head file; for a person removed from the file, their login on the base.
    pub github_username: Option<String>,
    /// The login on the base when it changed (matched by email); otherwise `None`.
    pub previous_github_username: Option<String>,
    pub name: String,
    pub from_role: Option<String>,
    pub to_role: Option<String>,
    /// Teams the person (their new login, for a rename) joins, sorted.
    pub teams_added: Vec<String>,
    /// Teams the person (their old login, for a rename) leaves, sorted. Includes the
    /// `everyone` teams when they are removed from the file.
    pub teams_removed: Vec<String>,
    /// The line of the entry in the head file; for a person removed from the file, the line of
    /// their entry in the base file.
    pub line: usize,
    /// Whether the person was removed from the file (so `line` is a base-file line).
    pub removed_from_file: bool,
    /// The access added and removed, per system (only systems where something changed), in
    /// report order. GitHub's is also `teams_added`/`teams_removed`.
    pub access: Vec<Access>,
}

/// The access one person gains and loses in one system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Access {
    pub system: System,
    /// Resources gained (by the head identity in this system), sorted.
    pub added: Vec<String>,
    /// Resources lost (by the base identity in this system), sorted.
    pub removed: Vec<String>,
    /// A person holds one resource at most in this system (a role): one removed and one added
    /// is a role change.
    pub single_valued: bool,
    /// The identity in this system on the base and on the head, when it changed (a new login or
    /// email): then everything is removed from the old and added to the new.
    pub holder_changed: Option<(String, String)>,
}

impl Access {
    /// `(from, to)` when this is one role replacing another in a single-valued system.
    pub fn role_change(&self) -> Option<(&str, &str)> {
        match (self.added.as_slice(), self.removed.as_slice()) {
            ([to], [from]) if self.single_valued && self.holder_changed.is_none() => {
                Some((from.as_str(), to.as_str()))
            }
            _ => None,
        }
    }
}

/// Which side of an [`Access`] a report lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Added,
    Removed,
}

impl Access {
    /// The resources listed on one side (a role change is listed on neither: see
    /// [`Access::role_change`]), and the identity they belong to when it changed.
    pub fn listed(&self, direction: Direction) -> (&[String], Option<&str>) {
        if self.role_change().is_some() {
            return (&[], None);
        }
        match direction {
            Direction::Added => (
                &self.added,
                self.holder_changed.as_ref().map(|(_, new)| new.as_str()),
            ),
            Direction::Removed => (
                &self.removed,
                self.holder_changed.as_ref().map(|(old, _)| old.as_str()),
            ),
        }
    }
}

/// One side of a review: a config, and the adapters of the configured systems built with that
/// side's inputs.
#[derive(Clone, Copy)]
pub struct Side<'a> {
    pub config: &'a Config,
    pub adapters: &'a [Box<dyn Adapter>],
}

/// The access changes between two configs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Diff {
    /// Sorted by kind, then login/name.
    pub changes: Vec<Change>,
    /// Entries that changed (edited, added or removed) without changing anyone's access.
    pub other_edits: usize,
    /// For head people matched to a base person under a different key: head key -> base key
    /// (keys as [`Finding::person_key`]), so findings can be compared across a rename.
    pub renamed_keys: BTreeMap<String, String>,
}

/// A policy finding on the head config, and whether this change introduced it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewFinding {
    pub finding: Finding,
    /// Not present on the base for the same person and rule.
    pub introduced: bool,
}

/// Everything the review renderers need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    /// The base as the user named it (`PATH`, or `REV:PATH`).
    pub base_path: String,
    /// The head config path as the user named it.
    pub head_path: String,
    pub diff: Diff,
    /// Policy findings on the head, sorted with `finding::sort`.
    pub findings: Vec<ReviewFinding>,
    /// People in the head file.
    pub people: usize,
    /// Head findings an unexpired exception accepts (not in `findings`; they do not count).
    pub accepted: Vec<Finding>,
    /// Exceptions that matched no head finding.
    pub unused_exceptions: Vec<crate::exceptions::Exception>,
    /// What the review was computed from.
    pub evidence: crate::report::evidence::Evidence,
    /// The systems the mapping configures: reports name systems when there is more than one.
    pub systems: Vec<System>,
}

impl Review {
    /// Findings introduced by the change.
    pub fn introduced(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(|f| f.introduced)
            .map(|f| &f.finding)
    }

    /// Findings already present on the base.
    pub fn present(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(|f| !f.introduced)
            .map(|f| &f.finding)
    }

    /// Whether the reports list access per system: whenever the mapping configures anything but
    /// GitHub alone. With GitHub alone they keep v1's team columns (byte-identical).
    pub fn per_system(&self) -> bool {
        self.systems != [System::Github]
    }

    pub fn introduced_count(&self) -> usize {
        self.introduced().count()
    }

    /// Changes counted by kind (every kind present, zero when none).
    pub fn counts_by_kind(&self) -> BTreeMap<ChangeKind, usize> {
        let mut counts: BTreeMap<ChangeKind, usize> =
            ChangeKind::ALL.iter().map(|k| (*k, 0)).collect();
        for c in &self.diff.changes {
            *counts.entry(c.kind).or_insert(0) += 1;
        }
        counts
    }

    /// Move the head findings that `exceptions` accepts into `accepted`, attach expired
    /// exceptions to the findings they no longer accept, and list the unused ones. Emails come
    /// from the `head` config.
    pub fn apply_exceptions(&mut self, exceptions: &crate::exceptions::Exceptions, head: &Config) {
        let today = self.evidence.today;
        let mut findings: Vec<Finding> = self.findings.iter().map(|f| f.finding.clone()).collect();
        crate::exceptions::fill_emails(&mut findings, head);
        let mut used = vec![false; exceptions.entries.len()];
        let mut kept = Vec::new();
        for (mut f, rf) in findings.into_iter().zip(&self.findings) {
            f.exception = crate::exceptions::decide(&f, &exceptions.entries, today, &mut used);
            if f.exception.as_ref().is_some_and(|a| !a.expired) {
                self.accepted.push(f);
            } else {
                kept.push(ReviewFinding {
                    finding: f,
                    introduced: rf.introduced,
                });
            }
        }
        self.findings = kept;
        self.unused_exceptions = crate::exceptions::unused(&exceptions.entries, &used);
    }

    /// The exit code for a review that was computed: 1 when the change introduces a finding at
    /// or above `fail_on` that no exception accepts.
    pub fn exit_code(&self, fail_on: crate::finding::Severity) -> u8 {
        if self.introduced().any(|f| f.severity >= fail_on) {
            crate::exit::FINDINGS
        } else {
            crate::exit::OK
        }
    }
}

/// Build a review from two sides and the policy findings of each.
pub fn review(
    base: Side<'_>,
    head: Side<'_>,
    mapping: &Mapping,
    base_findings: &[Finding],
    head_findings: Vec<Finding>,
) -> Review {
    let diff = diff_sides(base, head, mapping);
    let findings = classify(base_findings, head_findings, &diff);
    Review {
        base_path: base.config.path.clone(),
        head_path: head.config.path.clone(),
        diff,
        findings,
        accepted: Vec::new(),
        unused_exceptions: Vec::new(),
        evidence: crate::report::evidence::Evidence::default(),
        people: head.config.people.len(),
        systems: mapping.systems(),
    }
}

/// The key findings use for a person: the lower-cased login, else the name.
fn person_key(p: &Person) -> String {
    match p.login() {
        Some(login) => login.to_ascii_lowercase(),
        None => p.name.value.clone(),
    }
}

fn email(p: &Person) -> Option<String> {
    p.email
        .as_ref()
        .map(|e| e.value.trim().to_lowercase())
        .filter(|e| !e.is_empty())
}

fn same_login(a: &Person, b: &Person) -> bool {
    matches!((a.login(), b.login()), (Some(x), Some(y)) if x.eq_ignore_ascii_case(y))
}

/// Pair base and head people: by login, then by email, then (when at most one side has a
/// login) by name. Returns (base index, head index) pairs plus the unmatched on each side.
fn pair(base: &[Person], head: &[Person]) -> (Vec<(usize, usize)>, Vec<usize>, Vec<usize>) {
    let mut base_free: Vec<bool> = vec![true; base.len()];
    let mut head_free: Vec<bool> = vec![true; head.len()];
    let mut pairs = Vec::new();

    let mut by_login: BTreeMap<String, usize> = BTreeMap::new();
    for (i, h) in head.iter().enumerate() {
        if let Some(l) = h.login() {
            by_login.entry(l.to_ascii_lowercase()).or_insert(i);
        }
    }
    for (bi, b) in base.iter().enumerate() {
        if let Some(l) = b.login()
            && let Some(&hi) = by_login.get(&l.to_ascii_lowercase())
            && head_free[hi]
        {
            base_free[bi] = false;
            head_free[hi] = false;
            pairs.push((bi, hi));
        }
    }

    let mut by_email: BTreeMap<String, usize> = BTreeMap::new();
    for (i, h) in head.iter().enumerate() {
        if head_free[i]
            && let Some(e) = email(h)
        {
            by_email.entry(e).or_insert(i);
        }
    }
    for (bi, b) in base.iter().enumerate() {
        if base_free[bi]
            && let Some(e) = email(b)
            && let Some(&hi) = by_email.get(&e)
            && head_free[hi]
        {
            base_free[bi] = false;
            head_free[hi] = false;
            pairs.push((bi, hi));
        }
    }

    for (bi, b) in base.iter().enumerate() {
        if !base_free[bi] {
            continue;
        }
        let found = head.iter().enumerate().find(|(hi, h)| {
            head_free[*hi]
                && h.name.value == b.name.value
                && (b.login().is_none() || h.login().is_none())
        });
        if let Some((hi, _)) = found {
            base_free[bi] = false;
            head_free[hi] = false;
            pairs.push((bi, hi));
        }
    }

    let base_left = (0..base.len()).filter(|&i| base_free[i]).collect();
    let head_left = (0..head.len()).filter(|&i| head_free[i]).collect();
    (pairs, base_left, head_left)
}

/// What one side's adapters expect, per system, per person: the holder and the resources.
struct Expectations {
    by_system: BTreeMap<System, (bool, BTreeMap<usize, Held>)>,
}

#[derive(Default)]
struct Held {
    holder: String,
    resources: BTreeSet<String>,
}

impl Expectations {
    fn of(side: Side<'_>) -> Expectations {
        let mut by_system = BTreeMap::new();
        for adapter in side.adapters {
            let mut people: BTreeMap<usize, Held> = BTreeMap::new();
            for e in adapter.expected(side.config) {
                let held = people.entry(e.person).or_insert_with(|| Held {
                    holder: e.holder.clone(),
                    resources: BTreeSet::new(),
                });
                held.resources.insert(e.resource);
            }
            by_system.insert(adapter.system(), (adapter.single_valued(), people));
        }
        Expectations { by_system }
    }

    fn get(&self, system: System, person: Option<usize>) -> Option<&Held> {
        self.by_system.get(&system)?.1.get(&person?)
    }

    fn single_valued(&self, system: System) -> bool {
        self.by_system.get(&system).is_some_and(|(s, _)| *s)
    }
}

/// The access a person gains and loses, per system: `base` is their index in the base config,
/// `head` in the head config (`None` when they are not in that file).
fn access(
    base: &Expectations,
    head: &Expectations,
    b: Option<usize>,
    h: Option<usize>,
) -> Vec<Access> {
    let systems: BTreeSet<System> = base
        .by_system
        .keys()
        .chain(head.by_system.keys())
        .copied()
        .collect();
    let empty = Held::default();
    let mut out = Vec::new();
    for system in systems {
        let before = base.get(system, b).unwrap_or(&empty);
        let after = head.get(system, h).unwrap_or(&empty);
        let holder_changed = !before.resources.is_empty()
            && !after.resources.is_empty()
            && !before.holder.eq_ignore_ascii_case(&after.holder);
        let (added, removed): (Vec<String>, Vec<String>) = if holder_changed {
            (
                after.resources.iter().cloned().collect(),
                before.resources.iter().cloned().collect(),
            )
        } else {
            (
                after
                    .resources
                    .difference(&before.resources)
                    .cloned()
                    .collect(),
                before
                    .resources
                    .difference(&after.resources)
                    .cloned()
                    .collect(),
            )
        };
        if added.is_empty() && removed.is_empty() {
            continue;
        }
        out.push(Access {
            system,
            added,
            removed,
            single_valued: head.single_valued(system) || base.single_valued(system),
            holder_changed: holder_changed.then(|| (before.holder.clone(), after.holder.clone())),
        });
    }
    out
}

/// GitHub's part of `access`: (teams added, teams removed).
fn github_teams(access: &[Access]) -> (Vec<String>, Vec<String>) {
    access
        .iter()
        .find(|a| a.system == System::Github)
        .map(|a| (a.added.clone(), a.removed.clone()))
        .unwrap_or_default()
}

/// The values of a person's known fields (every key of `config::fields::FIELDS`), without
/// positions: equal when nothing was edited.
fn signature(p: &Person) -> Vec<Option<crate::config::fields::Value>> {
    crate::config::fields::values(p)
}

/// The kind of a role change from `from` to `to` (both roles), or `None` when the role is the
/// same. Between two different roles at the same level (possible only with a custom mapping),
/// a change that adds any access (in any system) is an escalation (new access someone must
/// approve), otherwise a reduction.
fn role_change(
    mapping: &Mapping,
    from: Option<&str>,
    to: Option<&str>,
    adds_access: bool,
) -> Option<ChangeKind> {
    match (from, to) {
        (None, None) => None,
        (None, Some(_)) => Some(ChangeKind::Granted),
        (Some(_), None) => Some(ChangeKind::Revoked),
        (Some(a), Some(b)) if a == b => None,
        (Some(a), Some(b)) => {
            let (la, lb) = (mapping.level(a), mapping.level(b));
            Some(if lb > la {
                ChangeKind::Escalated
            } else if lb < la {
                ChangeKind::Reduced
            } else if adds_access {
                ChangeKind::Escalated
            } else {
                ChangeKind::Reduced
            })
        }
    }
}

/// The access changes from `base` to `head`, both read with the mapping's adapters (the
/// configured systems). See [`diff_sides`].
pub fn diff(base: &Config, head: &Config, mapping: &Mapping) -> Diff {
    // No temporary admins here, so AWS's expected roles do not depend on the date.
    let aws = crate::sources::aws::adapter::AwsInputs::none(chrono::NaiveDate::default());
    let adapters = crate::engine::adapters(mapping, &mapping.systems(), &aws);
    diff_sides(
        Side {
            config: base,
            adapters: &adapters,
        },
        Side {
            config: head,
            adapters: &adapters,
        },
        mapping,
    )
}

/// The access changes from `base` to `head`. Only people who hold a role on at least one side
/// are listed; everything else that was edited is counted in `other_edits`.
pub fn diff_sides(base_side: Side<'_>, head_side: Side<'_>, mapping: &Mapping) -> Diff {
    let (base, head) = (base_side.config, head_side.config);
    let (before_all, after_all) = (Expectations::of(base_side), Expectations::of(head_side));
    let (pairs, base_left, head_left) = pair(&base.people, &head.people);
    let mut out = Diff::default();

    for (bi, hi) in pairs {
        let (b, h) = (&base.people[bi], &head.people[hi]);
        let (bk, hk) = (person_key(b), person_key(h));
        if bk != hk {
            out.renamed_keys.insert(hk, bk);
        }
        let login_changed = b.login().is_some() && h.login().is_some() && !same_login(b, h);
        let access = access(&before_all, &after_all, Some(bi), Some(hi));
        let (teams_added, teams_removed) = github_teams(&access);
        let adds = access.iter().any(|a| !a.added.is_empty());
        let kind = match role_change(mapping, b.role(), h.role(), adds) {
            Some(kind) => Some(kind),
            None if login_changed && h.role().is_some() => Some(ChangeKind::LoginChanged),
            // Same role, same login, other access: an identity changed in another system, or an
            // adapter's own inputs differ between the sides (AWS temporary admin entries added
            // or expiring). Escalated when it adds access, reduced when it only removes it.
            None if adds => Some(ChangeKind::Escalated),
            None if !access.is_empty() => Some(ChangeKind::Reduced),
            None => None,
        };
        match kind {
            Some(kind) => out.changes.push(Change {
                kind,
                github_username: h.login().or(b.login()).map(str::to_owned),
                previous_github_username: if login_changed {
                    b.login().map(str::to_owned)
                } else {
                    None
                },
                name: h.name.value.clone(),
                from_role: b.role().map(str::to_owned),
                to_role: h.role().map(str::to_owned),
                teams_added,
                teams_removed,
                line: h.pos.line,
                removed_from_file: false,
                access,
            }),
            None => {
                if signature(b) != signature(h) {
                    out.other_edits += 1;
                }
            }
        }
    }

    for bi in base_left {
        let b = &base.people[bi];
        match b.role() {
            Some(role) => out.changes.push({
                let access = access(&before_all, &after_all, Some(bi), None);
                let (_, teams_removed) = github_teams(&access);
                Change {
                    kind: ChangeKind::Revoked,
                    github_username: b.login().map(str::to_owned),
                    previous_github_username: None,
                    name: b.name.value.clone(),
                    from_role: Some(role.to_owned()),
                    to_role: None,
                    teams_added: Vec::new(),
                    teams_removed,
                    line: b.pos.line,
                    removed_from_file: true,
                    access,
                }
            }),
            None => out.other_edits += 1,
        }
    }

    for hi in head_left {
        let h = &head.people[hi];
        match h.role() {
            Some(role) => out.changes.push({
                let access = access(&before_all, &after_all, None, Some(hi));
                let (teams_added, _) = github_teams(&access);
                Change {
                    kind: ChangeKind::Granted,
                    github_username: h.login().map(str::to_owned),
                    previous_github_username: None,
                    name: h.name.value.clone(),
                    from_role: None,
                    to_role: Some(role.to_owned()),
                    teams_added,
                    teams_removed: Vec::new(),
                    line: h.pos.line,
                    removed_from_file: false,
                    access,
                }
            }),
            None => out.other_edits += 1,
        }
    }

    out.changes.sort_by(|a, b| {
        a.kind
            .cmp(&b.kind)
            .then_with(|| {
                let key = |c: &Change| {
                    c.github_username
                        .as_deref()
                        .map(str::to_ascii_lowercase)
                        .unwrap_or_else(|| c.name.clone())
                };
                key(a).cmp(&key(b))
            })
            .then_with(|| a.line.cmp(&b.line))
    });
    out
}

fn rule_of(f: &Finding) -> Option<Rule> {
    match f.kind {
        Kind::PolicyViolation(rule) => Some(rule),
        _ => None,
    }
}

/// Split the head's findings into introduced (no finding for the same person and rule on the
/// base, following renames) and already present. The result is sorted with `finding::sort`.
pub fn classify(base: &[Finding], head: Vec<Finding>, diff: &Diff) -> Vec<ReviewFinding> {
    let on_base: BTreeSet<(String, Option<Rule>, crate::finding::Kind)> = base
        .iter()
        .map(|f| (f.person_key(), rule_of(f), f.kind))
        .collect();
    let mut head = head;
    crate::finding::sort(&mut head);
    head.into_iter()
        .map(|finding| {
            let key = finding.person_key();
            let key = diff.renamed_keys.get(&key).cloned().unwrap_or(key);
            let introduced = !on_base.contains(&(key, rule_of(&finding), finding.kind));
            ReviewFinding {
                finding,
                introduced,
            }
        })
        .collect()
}

/// How a role reads in a sentence: "production admin access".
pub fn role_phrase(role: &str) -> String {
    match role {
        crate::config::mapping::DEPLOY_ROLE => "production deploy access".to_owned(),
        crate::config::mapping::ADMIN_ROLE => "production admin access".to_owned(),
        crate::config::mapping::PLATFORM_ROLE => "platformengineer access".to_owned(),
        other => format!("`{other}` access"),
    }
}

fn people(n: usize) -> String {
    if n == 1 {
        "1 person".to_owned()
    } else {
        format!("{n} people")
    }
}

/// Join phrases: "a", "a and b", "a, b and c".
fn join(parts: &[String]) -> String {
    match parts {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// The one-sentence headline, e.g. "This PR grants production admin access to 1 person and
/// revokes production deploy access from 2 people." (plain text; renderers add emphasis).
pub fn headline(diff: &Diff) -> String {
    if diff.changes.is_empty() {
        return "This PR does not change anyone's production access.".to_owned();
    }
    format!("This PR {}.", join(&headline_parts(diff)))
}

/// The phrases of the headline ("grants production admin access to 1 person", ...), one per
/// kind of change and role, in report order. Empty when nothing changes.
pub fn headline_parts(diff: &Diff) -> Vec<String> {
    // Group by (kind, role) keeping report order; the role is the one the phrase names.
    let mut groups: Vec<(ChangeKind, Option<String>, usize)> = Vec::new();
    for c in &diff.changes {
        let role = match c.kind {
            ChangeKind::Revoked => c.from_role.clone(),
            ChangeKind::LoginChanged => None,
            // The role is unchanged; the access is not (see `diff_sides`).
            ChangeKind::Escalated | ChangeKind::Reduced if c.from_role == c.to_role => None,
            _ => c.to_role.clone(),
        };
        match groups
            .iter_mut()
            .find(|(k, r, _)| *k == c.kind && *r == role)
        {
            Some(g) => g.2 += 1,
            None => groups.push((c.kind, role, 1)),
        }
    }
    groups
        .iter()
        .map(|(kind, role, n)| {
            let role = role.as_deref().map(role_phrase).unwrap_or_default();
            match kind {
                ChangeKind::Granted => format!("grants {role} to {}", people(*n)),
                ChangeKind::Escalated if role.is_empty() => {
                    format!("adds access for {} with the same role", people(*n))
                }
                ChangeKind::Reduced if role.is_empty() => {
                    format!("removes access from {} with the same role", people(*n))
                }
                ChangeKind::Escalated => format!("raises {} to {role}", people(*n)),
                ChangeKind::Reduced => format!("lowers {} to {role}", people(*n)),
                ChangeKind::Revoked => format!("revokes {role} from {}", people(*n)),
                ChangeKind::LoginChanged => {
                    format!("changes the GitHub login of {}", people(*n))
                }
            }
        })
        .collect()
}

/// "3 other entries changed without changing access", or `None` when there were none.
pub fn other_edits_sentence(n: usize) -> Option<String> {
    match n {
        0 => None,
        1 => Some("1 other entry changed without changing access.".to_owned()),
        n => Some(format!(
            "{n} other entries changed without changing access."
        )),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::config::{Located, Pos};
    use crate::finding::Severity;

    fn loc<T>(v: T, line: usize) -> Located<T> {
        Located::new(v, Pos { line, col: 5 })
    }

    /// Change detection covers every key the parser knows: changing any one field of
    /// `config::fields::FIELDS` is a listed change or an other edit, never nothing.
    #[test]
    fn every_field_change_is_seen() {
        use crate::config::fields::{FIELDS, tests::entry};
        let mapping = Mapping::builtin();
        let parse = |t: &str| crate::config::people::parse("c.yml", t, &mapping).unwrap();
        let base = parse(&entry(None));
        let same = diff(&base, &parse(&entry(None)), &mapping);
        assert!(same.changes.is_empty() && same.other_edits == 0);
        for f in FIELDS {
            let d = diff(&base, &parse(&entry(Some(f.key))), &mapping);
            assert!(
                !d.changes.is_empty() || d.other_edits == 1,
                "changing `{}` went unseen",
                f.key
            );
        }
    }

    /// A person with a login, optional role and optional email, at `line`.
    pub(crate) fn person(
        name: &str,
        login: Option<&str>,
        role: Option<&str>,
        email: Option<&str>,
        line: usize,
    ) -> Person {
        let mut p = Person::named(name, line);
        p.github_username = login.map(|l| loc(l.to_owned(), line + 1));
        p.role = role.map(|r| loc(r.to_owned(), line + 2));
        p.email = email.map(|e| loc(e.to_owned(), line + 3));
        p
    }

    pub(crate) fn config(path: &str, people: Vec<Person>) -> Config {
        let people = people
            .into_iter()
            .enumerate()
            .map(|(i, mut p)| {
                p.index = i;
                p
            })
            .collect();
        Config {
            path: path.to_owned(),
            people,
        }
    }

    const DEPLOY: &str = "production_deploy_access";
    const ADMIN: &str = "production_admin_access";
    const PLATFORM: &str = "platformengineer";

    fn one(base: Vec<Person>, head: Vec<Person>) -> Diff {
        diff(
            &config("base", base),
            &config("head", head),
            &Mapping::builtin(),
        )
    }

    #[test]
    fn granted_when_a_role_is_added() {
        let d = one(
            vec![person("Ann", Some("ann"), None, None, 1)],
            vec![person("Ann", Some("ann"), Some(ADMIN), None, 1)],
        );
        assert_eq!(d.changes.len(), 1);
        let c = &d.changes[0];
        assert_eq!(c.kind, ChangeKind::Granted);
        assert_eq!(c.from_role, None);
        assert_eq!(c.to_role.as_deref(), Some(ADMIN));
        assert_eq!(c.teams_added, vec!["gov-uk-production-admin"]);
        assert!(c.teams_removed.is_empty());
        assert_eq!(d.other_edits, 0);
    }

    #[test]
    fn granted_when_a_person_with_a_role_is_added_includes_everyone_teams() {
        let d = one(
            vec![],
            vec![person("Ann", Some("ann"), Some(DEPLOY), None, 4)],
        );
        let c = &d.changes[0];
        assert_eq!(c.kind, ChangeKind::Granted);
        assert_eq!(c.teams_added, vec!["gov-uk", "gov-uk-production-deploy"]);
        assert_eq!(c.line, 4);
    }

    #[test]
    fn revoked_when_the_role_is_removed_keeps_everyone_teams() {
        let d = one(
            vec![person("Bo", Some("bo"), Some(DEPLOY), None, 1)],
            vec![person("Bo", Some("bo"), None, None, 1)],
        );
        let c = &d.changes[0];
        assert_eq!(c.kind, ChangeKind::Revoked);
        assert_eq!(c.teams_removed, vec!["gov-uk-production-deploy"]);
        assert!(!c.removed_from_file);
    }

    #[test]
    fn revoked_when_a_person_is_removed_from_the_file_lists_every_team() {
        let d = one(vec![person("Bo", Some("bo"), Some(ADMIN), None, 7)], vec![]);
        let c = &d.changes[0];
        assert_eq!(c.kind, ChangeKind::Revoked);
        assert_eq!(c.github_username.as_deref(), Some("bo"));
        assert_eq!(c.teams_removed, vec!["gov-uk", "gov-uk-production-admin"]);
        assert!(c.removed_from_file);
        assert_eq!(c.line, 7);
    }

    #[test]
    fn escalation_ordering_deploy_admin_platformengineer() {
        let cases = [
            (DEPLOY, ADMIN, ChangeKind::Escalated),
            (DEPLOY, PLATFORM, ChangeKind::Escalated),
            (ADMIN, PLATFORM, ChangeKind::Escalated),
            (PLATFORM, ADMIN, ChangeKind::Reduced),
            (PLATFORM, DEPLOY, ChangeKind::Reduced),
            (ADMIN, DEPLOY, ChangeKind::Reduced),
        ];
        for (from, to, kind) in cases {
            let d = one(
                vec![person("Cy", Some("cy"), Some(from), None, 1)],
                vec![person("Cy", Some("cy"), Some(to), None, 1)],
            );
            assert_eq!(d.changes.len(), 1, "{from} -> {to}");
            assert_eq!(d.changes[0].kind, kind, "{from} -> {to}");
        }
        // admin -> platformengineer share a team: nothing added or removed, still escalated.
        let d = one(
            vec![person("Cy", Some("cy"), Some(ADMIN), None, 1)],
            vec![person("Cy", Some("cy"), Some(PLATFORM), None, 1)],
        );
        assert!(d.changes[0].teams_added.is_empty());
        assert!(d.changes[0].teams_removed.is_empty());
        let d = one(
            vec![person("Cy", Some("cy"), Some(ADMIN), None, 1)],
            vec![person("Cy", Some("cy"), Some(DEPLOY), None, 1)],
        );
        assert_eq!(d.changes[0].teams_added, vec!["gov-uk-production-deploy"]);
        assert_eq!(d.changes[0].teams_removed, vec!["gov-uk-production-admin"]);
    }

    #[test]
    fn same_level_custom_roles_escalate_only_when_teams_are_added() {
        let mut m = Mapping::builtin();
        m.roles.insert(
            "support".to_owned(),
            crate::config::mapping::RoleDef {
                level: crate::config::mapping::AccessLevel::Deploy,
            },
        );
        m.github
            .as_mut()
            .unwrap()
            .roles
            .insert("support".to_owned(), vec!["gov-uk-support".to_owned()]);
        let d = diff(
            &config("b", vec![person("Di", Some("di"), Some(DEPLOY), None, 1)]),
            &config(
                "h",
                vec![person("Di", Some("di"), Some("support"), None, 1)],
            ),
            &m,
        );
        assert_eq!(d.changes[0].kind, ChangeKind::Escalated);
    }

    #[test]
    fn login_changed_with_the_same_email_is_one_person() {
        let d = one(
            vec![person(
                "Ed",
                Some("ed-old"),
                Some(DEPLOY),
                Some("Ed@Example.gov.uk"),
                1,
            )],
            vec![person(
                "Ed",
                Some("ed-new"),
                Some(DEPLOY),
                Some("ed@example.gov.uk"),
                1,
            )],
        );
        assert_eq!(d.changes.len(), 1);
        let c = &d.changes[0];
        assert_eq!(c.kind, ChangeKind::LoginChanged);
        assert_eq!(c.github_username.as_deref(), Some("ed-new"));
        assert_eq!(c.previous_github_username.as_deref(), Some("ed-old"));
        assert_eq!(c.teams_added, vec!["gov-uk", "gov-uk-production-deploy"]);
        assert_eq!(c.teams_removed, vec!["gov-uk", "gov-uk-production-deploy"]);
        assert_eq!(
            d.renamed_keys.get("ed-new").map(String::as_str),
            Some("ed-old")
        );
    }

    #[test]
    fn login_and_role_change_together_is_one_change_of_the_role_kind() {
        let d = one(
            vec![person("Ed", Some("ed-old"), Some(DEPLOY), Some("ed@x"), 1)],
            vec![person("Ed", Some("ed-new"), Some(ADMIN), Some("ed@x"), 1)],
        );
        assert_eq!(d.changes.len(), 1);
        let c = &d.changes[0];
        assert_eq!(c.kind, ChangeKind::Escalated);
        assert_eq!(c.previous_github_username.as_deref(), Some("ed-old"));
        assert_eq!(c.teams_added, vec!["gov-uk", "gov-uk-production-admin"]);
        assert_eq!(c.teams_removed, vec!["gov-uk", "gov-uk-production-deploy"]);
    }

    #[test]
    fn different_login_and_no_shared_email_is_a_revoke_and_a_grant() {
        let d = one(
            vec![person("Fay", Some("fay"), Some(DEPLOY), Some("fay@x"), 1)],
            vec![person("Fay", Some("fay2"), Some(DEPLOY), Some("fay2@x"), 1)],
        );
        let kinds: Vec<_> = d.changes.iter().map(|c| c.kind).collect();
        assert_eq!(kinds, vec![ChangeKind::Granted, ChangeKind::Revoked]);
    }

    #[test]
    fn logins_match_case_insensitively() {
        let d = one(
            vec![person("Gus", Some("Gus"), Some(ADMIN), None, 1)],
            vec![person("Gus", Some("gus"), Some(ADMIN), None, 1)],
        );
        assert!(d.changes.is_empty());
        // The spelling changed: an edit, not an access change.
        assert_eq!(d.other_edits, 1);
    }

    #[test]
    fn unchanged_access_with_other_edits_is_counted_not_listed() {
        let mut edited = person("Hal", Some("hal"), Some(DEPLOY), None, 1);
        edited.sponsor = Some(loc("Someone Else".to_owned(), 3));
        let added_without_role = person("Ida", Some("ida"), None, None, 9);
        let d = one(
            vec![
                person("Hal", Some("hal"), Some(DEPLOY), None, 1),
                person("Jo", None, None, None, 5),
            ],
            vec![edited, added_without_role],
        );
        assert!(d.changes.is_empty());
        // Hal edited, Ida added without a role, Jo removed without a role.
        assert_eq!(d.other_edits, 3);
        assert_eq!(
            other_edits_sentence(3).as_deref(),
            Some("3 other entries changed without changing access.")
        );
    }

    #[test]
    fn reordered_and_moved_entries_change_nothing() {
        let base = vec![
            person("Ann", Some("ann"), Some(ADMIN), Some("ann@x"), 1),
            person("Bo", Some("bo"), Some(DEPLOY), None, 10),
            person("Jo", None, None, None, 20),
        ];
        // Same people, reversed, at other lines and columns (as after a re-indent).
        let mut head = vec![
            person("Jo", None, None, None, 2),
            person("Bo", Some("bo"), Some(DEPLOY), None, 12),
            person("Ann", Some("ann"), Some(ADMIN), Some("ann@x"), 30),
        ];
        for p in &mut head {
            p.pos.col = 7;
            p.name.pos.col = 7;
        }
        let d = one(base, head);
        assert!(d.changes.is_empty());
        assert_eq!(d.other_edits, 0);
        assert_eq!(
            headline(&d),
            "This PR does not change anyone's production access."
        );
    }

    #[test]
    fn changes_are_sorted_by_kind_then_login() {
        let d = one(
            vec![
                person("Zed", Some("zed"), Some(DEPLOY), None, 1),
                person("Amy", Some("amy"), Some(DEPLOY), None, 5),
            ],
            vec![
                person("Yan", Some("yan"), Some(ADMIN), None, 1),
                person("Bea", Some("bea"), Some(DEPLOY), None, 5),
            ],
        );
        let order: Vec<_> = d
            .changes
            .iter()
            .map(|c| (c.kind, c.github_username.clone().unwrap()))
            .collect();
        assert_eq!(
            order,
            vec![
                (ChangeKind::Granted, "bea".to_owned()),
                (ChangeKind::Granted, "yan".to_owned()),
                (ChangeKind::Revoked, "amy".to_owned()),
                (ChangeKind::Revoked, "zed".to_owned()),
            ]
        );
        assert_eq!(
            headline(&d),
            "This PR grants production deploy access to 1 person, grants production admin \
             access to 1 person and revokes production deploy access from 2 people."
        );
    }

    #[test]
    fn headline_matches_the_issue_example() {
        let d = one(
            vec![
                person("Al", Some("al"), None, None, 1),
                person("Bo", Some("bo"), Some(DEPLOY), None, 5),
                person("Cy", Some("cy"), Some(DEPLOY), None, 9),
            ],
            vec![person("Al", Some("al"), Some(ADMIN), None, 1)],
        );
        assert_eq!(
            headline(&d),
            "This PR grants production admin access to 1 person and revokes production deploy \
             access from 2 people."
        );
    }

    fn policy(login: &str, rule: Rule, line: usize) -> Finding {
        Finding {
            github_username: Some(login.to_owned()),
            name: Some(login.to_uppercase()),
            line: Some(line),
            ..Finding::new(Kind::PolicyViolation(rule), rule.severity(), "m")
        }
    }

    #[test]
    fn findings_are_introduced_only_when_new_for_that_person_and_rule() {
        let base = vec![
            policy("ann", Rule::SponsorRequired, 1),
            policy("ed-old", Rule::ClearanceRequired, 5),
        ];
        let head = vec![
            // Same person and rule, another line: already present.
            policy("Ann", Rule::SponsorRequired, 40),
            // Same person, new rule: introduced.
            policy("ann", Rule::ProbationRequired, 40),
            // A new person: introduced.
            policy("bo", Rule::SponsorRequired, 50),
            // Renamed person, same rule: already present.
            policy("ed-new", Rule::ClearanceRequired, 60),
        ];
        let d = Diff {
            renamed_keys: [("ed-new".to_owned(), "ed-old".to_owned())].into(),
            ..Diff::default()
        };
        let out = classify(&base, head, &d);
        let got: Vec<(String, &str, bool)> = out
            .iter()
            .map(|f| {
                (
                    f.finding.github_username.clone().unwrap(),
                    rule_of(&f.finding).unwrap().code(),
                    f.introduced,
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("ann".to_owned(), "probation_required", true),
                ("ed-new".to_owned(), "clearance_required", false),
                ("Ann".to_owned(), "sponsor_required", false),
                ("bo".to_owned(), "sponsor_required", true),
            ]
        );
        assert_eq!(out[0].finding.severity, Severity::High);
    }

    /// A test account system: one role per person by email, from the person's role, plus (the
    /// hook for adapters with inputs of their own, like AWS's temporary_admin.yml) extra grants
    /// given when the adapter is built.
    struct RoleSystem {
        roles: BTreeMap<String, String>,
        extra: Vec<(String, String)>,
    }

    impl Adapter for RoleSystem {
        fn system(&self) -> System {
            System::Sentry
        }
        fn scopes(&self) -> Vec<String> {
            vec!["sentry".to_owned()]
        }
        fn expected(&self, config: &Config) -> Vec<crate::access::Expected> {
            let mut out = Vec::new();
            for (i, p) in config.people.iter().enumerate() {
                let Some(email) = p.email.as_ref().map(|e| e.value.clone()) else {
                    continue;
                };
                if let Some(role) = p.role().and_then(|r| self.roles.get(r)) {
                    out.push(crate::access::Expected {
                        resource: role.clone(),
                        holder: email.clone(),
                        person: i,
                        why: String::new(),
                    });
                }
                for (who, resource) in &self.extra {
                    if who.eq_ignore_ascii_case(&email) {
                        out.push(crate::access::Expected {
                            resource: resource.clone(),
                            holder: email.clone(),
                            person: i,
                            why: String::new(),
                        });
                    }
                }
            }
            out
        }
        fn is_managed(&self, _: &str) -> bool {
            true
        }
        fn is_ignored(&self, _: &str) -> bool {
            false
        }
        fn single_valued(&self) -> bool {
            self.extra.is_empty()
        }
        fn describe(&self, _: &crate::access::Event<'_>, _: &mut Finding) {}
        fn read_snapshot(
            &self,
            _: &serde_json::Value,
            _: &str,
            _: Option<chrono::DateTime<chrono::Utc>>,
        ) -> Result<crate::access::SystemRead, crate::access::SourceError> {
            unreachable!()
        }
        fn write_snapshot(
            &self,
            _: &crate::access::SystemRead,
        ) -> Result<serde_json::Value, crate::access::SourceError> {
            unreachable!()
        }
    }

    fn sentry(extra: &[(&str, &str)]) -> Box<dyn Adapter> {
        Box::new(RoleSystem {
            roles: [(DEPLOY, "member"), (ADMIN, "admin"), (PLATFORM, "admin")]
                .into_iter()
                .map(|(a, b)| (a.to_owned(), b.to_owned()))
                .collect(),
            extra: extra
                .iter()
                .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
                .collect(),
        })
    }

    fn two_systems(
        base: Vec<Person>,
        head: Vec<Person>,
        base_extra: &[(&str, &str)],
        head_extra: &[(&str, &str)],
    ) -> Review {
        let mapping = Mapping::builtin();
        let aws = crate::sources::aws::adapter::AwsInputs::none(chrono::NaiveDate::default());
        let github = || crate::engine::adapter(&mapping, System::Github, &aws);
        let base_adapters = vec![github(), sentry(base_extra)];
        let head_adapters = vec![github(), sentry(head_extra)];
        let (base, head) = (config("base.yml", base), config("head.yml", head));
        let mut r = review(
            Side {
                config: &base,
                adapters: &base_adapters,
            },
            Side {
                config: &head,
                adapters: &head_adapters,
            },
            &mapping,
            &[],
            vec![],
        );
        r.systems = vec![System::Github, System::Sentry];
        r
    }

    #[test]
    fn access_is_listed_per_system_through_the_adapters() {
        let r = two_systems(
            vec![person("Ann", Some("ann"), Some(DEPLOY), Some("ann@x"), 1)],
            vec![person("Ann", Some("ann"), Some(ADMIN), Some("ann@x"), 1)],
            &[],
            &[],
        );
        let c = &r.diff.changes[0];
        assert_eq!(c.kind, ChangeKind::Escalated);
        assert_eq!(c.access.len(), 2);
        assert_eq!(
            (c.access[0].system, c.access[0].role_change()),
            (System::Github, None)
        );
        assert_eq!(c.access[0].added, ["gov-uk-production-admin"]);
        assert_eq!(c.access[1].system, System::Sentry);
        assert_eq!(c.access[1].role_change(), Some(("member", "admin")));
        // GitHub's part is still the v1 keys.
        assert_eq!(c.teams_added, ["gov-uk-production-admin"]);
        assert_eq!(c.teams_removed, ["gov-uk-production-deploy"]);

        let text = text::render(&r, crate::report::Color::Never);
        assert!(
            text.contains("                access added: github: gov-uk-production-admin\n"),
            "{text}"
        );
        assert!(
            text.contains("                access removed: github: gov-uk-production-deploy\n"),
            "{text}"
        );
        assert!(
            text.contains("                role changed: sentry: member -> admin\n"),
            "{text}"
        );
        assert!(!text.contains("teams added"), "{text}");
        let md = markdown::render(&r);
        assert!(
            md.contains("| Change | Person | Role | Access added | Access removed | Line |"),
            "{md}"
        );
        assert!(
            md.contains("| `github: gov-uk-production-admin`; `sentry: member → admin` | `github: gov-uk-production-deploy` |"),
            "{md}"
        );
        let v: serde_json::Value = serde_json::from_str(&json::render(&r)).unwrap();
        assert_eq!(
            v["changes"][0]["access"],
            serde_json::json!([
                {"system": "github", "added": ["gov-uk-production-admin"], "removed": ["gov-uk-production-deploy"]},
                {"system": "sentry", "added": ["admin"], "removed": ["member"]},
            ])
        );
        assert_eq!(
            v["changes"][0]["teams_added"],
            serde_json::json!(["gov-uk-production-admin"])
        );
        // One system that is not GitHub: still listed per system (v1's columns are GitHub's).
        let mut sentry_only = r.clone();
        sentry_only.systems = vec![System::Sentry];
        let text = text::render(&sentry_only, crate::report::Color::Never);
        assert!(
            text.contains("role changed: sentry: member -> admin"),
            "{text}"
        );
        sentry_only.systems = vec![System::Github];
        let text = text::render(&sentry_only, crate::report::Color::Never);
        assert!(!text.contains("role changed"), "{text}");
        assert!(
            text.contains("teams added: gov-uk-production-admin"),
            "{text}"
        );
    }

    #[test]
    fn a_person_added_or_removed_lists_every_system_and_an_identity_change_moves_it_all() {
        let r = two_systems(
            vec![
                person("Bo", Some("bo"), Some(DEPLOY), Some("bo@x"), 1),
                person("Cy", Some("cy-old"), Some(DEPLOY), Some("cy@x"), 5),
            ],
            vec![
                person("Cy", Some("cy-new"), Some(DEPLOY), Some("cy@x"), 5),
                person("Di", Some("di"), Some(ADMIN), Some("di@x"), 9),
            ],
            &[],
            &[],
        );
        let text = text::render(&r, crate::report::Color::Never);
        assert!(
            text.contains("access added: github: gov-uk, gov-uk-production-admin; sentry: admin\n"),
            "{text}"
        );
        assert!(
            text.contains(
                "access removed: github: gov-uk, gov-uk-production-deploy; sentry: member\n"
            ),
            "{text}"
        );
        // Cy's login changed: GitHub access moves from the old login to the new; Sentry (by
        // email) is unchanged, so it is not listed.
        assert!(
            text.contains("access added: github: gov-uk, gov-uk-production-deploy (as cy-new)\n"),
            "{text}"
        );
        let cy = r.diff.changes.iter().find(|c| c.name == "Cy").unwrap();
        assert_eq!(cy.kind, ChangeKind::LoginChanged);
        assert_eq!(cy.access.len(), 1);
    }

    #[test]
    fn each_side_has_its_own_adapters_so_their_own_inputs_show_as_access_changes() {
        // The hook for AWS's temporary_admin.yml: the head's adapter is built with an entry
        // the base's has not got; the config itself is unchanged.
        let people = || vec![person("Ann", Some("ann"), Some(DEPLOY), Some("ann@x"), 1)];
        let r = two_systems(people(), people(), &[], &[("ann@x", "temporary-admin")]);
        let c = &r.diff.changes[0];
        assert_eq!(c.kind, ChangeKind::Escalated);
        assert_eq!(c.from_role, c.to_role);
        assert_eq!(c.access[0].added, ["temporary-admin"]);
        assert_eq!(
            headline(&r.diff),
            "This PR adds access for 1 person with the same role."
        );
        // The entry expires (gone from the head): access removed, reduced.
        let r = two_systems(people(), people(), &[("ann@x", "temporary-admin")], &[]);
        let c = &r.diff.changes[0];
        assert_eq!(c.kind, ChangeKind::Reduced);
        assert_eq!(c.access[0].removed, ["temporary-admin"]);
        assert_eq!(
            headline(&r.diff),
            "This PR removes access from 1 person with the same role."
        );
    }
}
