//! Keys in a person's entry that the tool does not know. A near miss of a known key (two edits
//! or fewer) is a config error (`people::parse`); every other unknown key is reported here, so a
//! typo such as `absent_from` or `is_apprentice` can never silently switch a rule off.
//! The mapping's `extra_keys` lists the keys a team's file carries on purpose.

use super::check::{self, Errors};
use super::fields;
use super::yaml::{self, Node};
use super::{ConfigError, Mapping, Pos};
use crate::finding::{Finding, Kind, Severity};

/// One unknown key in one person's entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownKey {
    /// The config file as the user named it.
    pub file: String,
    pub key: String,
    pub pos: Pos,
    /// The entry's name, login and role, when written.
    pub name: Option<String>,
    pub login: Option<String>,
    pub role: Option<String>,
    /// A known key it may stand for (sharing a word with it), if any.
    pub suggestion: Option<&'static str>,
}

/// Every unknown key in the people entries of `text`: not a known key, not a near miss of one
/// (those are errors), not `<<`, and not in the mapping's `extra_keys`. In file order.
pub fn unknown_keys(path: &str, text: &str, mapping: &Mapping) -> Vec<UnknownKey> {
    let (root, _) = yaml::parse_lenient(text);
    let Some(items) = root.as_ref().and_then(Node::as_seq) else {
        return Vec::new();
    };
    let known = fields::keys();
    let mut out = Vec::new();
    for item in items {
        let Some(entries) = item.as_map() else {
            continue;
        };
        let field = |name: &str| {
            entries
                .iter()
                .find(|(k, _)| k.as_str() == Some(name))
                .and_then(|(_, v)| v.as_str())
                .map(str::to_owned)
        };
        for (key, _) in entries {
            let Some(k) = key.as_str() else { continue };
            if k == "<<"
                || known.contains(&k)
                || mapping.extra_keys.iter().any(|e| e == k)
                || check::did_you_mean(k, &known).is_some()
            {
                continue;
            }
            out.push(UnknownKey {
                file: path.to_owned(),
                key: k.to_owned(),
                pos: key.pos(),
                name: field("name"),
                login: field("github_username"),
                role: field("role"),
                suggestion: shares_a_word(k),
            });
        }
    }
    out
}

/// A known key that shares a word with `key` (`absent_from` -> `absent_since`, `is_apprentice`
/// -> `apprentice`), ignoring short words.
fn shares_a_word(key: &str) -> Option<&'static str> {
    let words = |s: &str| -> Vec<String> {
        s.split(|c: char| !c.is_alphanumeric())
            .filter(|w| w.len() > 3)
            .map(str::to_lowercase)
            .collect()
    };
    let mine = words(key);
    fields::keys()
        .into_iter()
        .find(|k| words(k).iter().any(|w| mine.contains(w)))
}

impl UnknownKey {
    fn what(&self) -> String {
        format!(
            "unknown key `{}`: the tool does not read it, so no rule uses it",
            self.key
        )
    }

    fn help(&self) -> String {
        let rename = match self.suggestion {
            Some(known) => format!("if it means `{known}`, rename it; otherwise "),
            None => String::new(),
        };
        format!(
            "{rename}remove it, or list it in the mapping's `extra_keys` if the file carries it on purpose"
        )
    }

    /// As a finding (kind `unknown_key`, medium), for the reports.
    pub fn finding(&self) -> Finding {
        Finding {
            name: self.name.clone(),
            github_username: self.login.clone(),
            declared_role: self.role.clone(),
            in_config: true,
            // No `resource`: the contract keeps it for a system's resource (null for findings
            // about the config), and findings of one person stay in line order.
            line: Some(self.pos.line),
            fix: capitalise(&self.help()),
            ..Finding::new(
                Kind::UnknownKey,
                Severity::Medium,
                format!(
                    "Unknown key `{}` in this person's entry: the tool does not read it, so no rule uses it.",
                    self.key
                ),
            )
        }
    }

    /// As a config error, for `--strict`.
    pub fn error(&self) -> ConfigError {
        ConfigError::new(&self.file, self.pos, self.what()).with_help(self.help())
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// The mapping's `extra_keys`: a list of plain key names.
pub fn extra_keys(value: &Node, text: &str, errors: &mut Errors<'_>) -> Vec<String> {
    if value.is_null() {
        return Vec::new();
    }
    let Some(items) = value.as_seq() else {
        errors.at(
            value.start,
            format!(
                "`extra_keys` must be a list, but it is {}",
                value.describe()
            ),
            format!(
                "write a list of the extra keys people's entries carry, e.g. `extra_keys: [{}]`",
                check::show(value, text)
            ),
        );
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in items {
        match item.as_str() {
            Some(k) if !k.trim().is_empty() => out.push(k.to_owned()),
            _ => errors.at(
                item.start,
                format!(
                    "an item of `extra_keys` must be a key name, but it is {}",
                    item.describe()
                ),
                "write `extra_keys` as a list of key names, e.g. `extra_keys: [slack, team]`",
            ),
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn keys(text: &str, mapping: &Mapping) -> Vec<(String, usize, Option<&'static str>)> {
        unknown_keys("c.yml", text, mapping)
            .into_iter()
            .map(|u| (u.key, u.pos.line, u.suggestion))
            .collect()
    }

    #[test]
    fn far_typos_are_found_and_near_ones_left_to_the_parser() {
        let text =
            "- name: A\n  absent_from: 2026-01-01\n  is_apprentice: true\n  nmae: x\n  slack: a\n";
        let m = Mapping::builtin();
        assert_eq!(
            keys(text, &m),
            vec![
                ("absent_from".into(), 2, Some("absent_since")),
                ("is_apprentice".into(), 3, Some("apprentice")),
                ("slack".into(), 5, None),
            ]
        );
        let m = Mapping {
            extra_keys: vec!["slack".into()],
            ..Mapping::builtin()
        };
        assert_eq!(keys(text, &m).len(), 2);
    }
}
