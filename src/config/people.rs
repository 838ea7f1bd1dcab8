//! The validated config: one [`Person`] per entry of `govuk_tech.yml`.

use chrono::NaiveDate;

use super::{ConfigErrors, Located, Mapping, Pos};

/// Security clearance, in increasing order. BPSS is the minimum for any production role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Clearance {
    None,
    Bpss,
    Sc,
    Dv,
}

impl Clearance {
    /// The spelling used in the config file.
    pub fn as_str(self) -> &'static str {
        match self {
            Clearance::None => "none",
            Clearance::Bpss => "BPSS",
            Clearance::Sc => "SC",
            Clearance::Dv => "DV",
        }
    }
}

/// One person in the config. Every field keeps the position it was written at, so findings
/// and edits can point at the exact line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// 0-based index of the entry in the top-level sequence.
    pub index: usize,
    /// Where the entry starts (the first key of the mapping after `- `).
    pub pos: Pos,
    pub name: Located<String>,
    pub email: Option<Located<String>>,
    pub github_username: Option<Located<String>>,
    /// `None` when the key is absent or null (no production access).
    pub role: Option<Located<String>>,
    pub why_do_they_need_access: Option<Located<String>>,
    pub sponsor: Option<Located<String>>,
    pub security_clearance: Option<Located<Clearance>>,
    pub probation_passed: Option<Located<bool>>,
    pub admin_checklist_reviewed_by: Option<Located<String>>,
    pub apprentice: Option<Located<bool>>,
    pub secondary_on_call_approved_by: Option<Located<String>>,
    pub absent_since: Option<Located<NaiveDate>>,
}

impl Person {
    /// The GitHub login, if any.
    pub fn login(&self) -> Option<&str> {
        self.github_username.as_ref().map(|l| l.value.as_str())
    }

    /// The declared role, if any.
    pub fn role(&self) -> Option<&str> {
        self.role.as_ref().map(|r| r.value.as_str())
    }

    /// A person with only a name, at `line`; the building block for tests.
    pub fn named(name: &str, line: usize) -> Self {
        let pos = Pos { line, col: 3 };
        Person {
            index: 0,
            pos,
            name: Located::new(name.to_owned(), pos),
            email: None,
            github_username: None,
            role: None,
            why_do_they_need_access: None,
            sponsor: None,
            security_clearance: None,
            probation_passed: None,
            admin_checklist_reviewed_by: None,
            apprentice: None,
            secondary_on_call_approved_by: None,
            absent_since: None,
        }
    }
}

/// A parsed and validated config file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The path as the user named it (used in messages and annotations).
    pub path: String,
    pub people: Vec<Person>,
}

impl Config {
    /// The person with this login, compared case-insensitively.
    pub fn by_login(&self, login: &str) -> Option<&Person> {
        self.people
            .iter()
            .find(|p| p.login().is_some_and(|l| l.eq_ignore_ascii_case(login)))
    }
}

/// Parse and validate config text. `path` is only used in messages. Every problem is
/// collected; the roles valid here are the mapping's.
pub fn parse(path: &str, text: &str, mapping: &Mapping) -> Result<Config, ConfigErrors> {
    let _ = (path, text, mapping);
    todo!("config parser (issue 2)")
}
