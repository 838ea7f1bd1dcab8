//! Small validators shared by the config and mapping parsers: GitHub logins, team slugs,
//! dates, and "did you mean" suggestions.

use chrono::NaiveDate;

use super::yaml::{self, Mark, Node};
use super::{ConfigError, Pos};

/// Whether `s` is a valid GitHub login (user or organisation): 1-39 characters, ASCII letters,
/// digits and single hyphens, not starting or ending with a hyphen.
pub fn is_valid_login(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 39
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
}

/// Why `s` is not a valid login, for the error message.
pub fn login_problem(s: &str) -> &'static str {
    if s.is_empty() {
        "it is empty"
    } else if s.chars().count() > 39 {
        "it is longer than 39 characters"
    } else if s.starts_with('-') || s.ends_with('-') {
        "it starts or ends with a hyphen"
    } else if s.contains("--") {
        "it has two hyphens in a row"
    } else {
        "only ASCII letters, digits and single hyphens are allowed"
    }
}

/// Whether `s` is a valid team slug: 1-100 characters, lowercase ASCII letters, digits, `-`,
/// `_` and `.`, starting with a letter or digit.
pub fn is_valid_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 100
        && s.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.')
        })
        && s.bytes()
            .next()
            .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// A strict `YYYY-MM-DD` date: exactly that shape, and a day that exists.
pub fn parse_date(s: &str) -> Result<NaiveDate, &'static str> {
    let b = s.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape {
        return Err("is not a date in the form YYYY-MM-DD");
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| "is not a real date")
}

/// Optimal-string-alignment edit distance (insertions, deletions, substitutions and swaps of
/// two neighbours each cost 1), capped: anything above `cap` returns `cap + 1`.
pub fn edit_distance(a: &str, b: &str, cap: usize) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > cap {
        return cap + 1;
    }
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    for (i, row) in d.chunks_mut(w).enumerate() {
        row[0] = i;
    }
    for (j, cell) in d.iter_mut().take(w).enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[(i - 1) * w + j] + 1)
                .min(d[i * w + j - 1] + 1)
                .min(d[(i - 1) * w + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[(i - 2) * w + j - 2] + 1);
            }
            d[i * w + j] = v;
        }
    }
    d[a.len() * w + b.len()].min(cap + 1)
}

/// The closest of `known` to `word` within edit distance 2 (ignoring case), if any, and not
/// equal to it.
pub fn did_you_mean<'k>(word: &str, known: &[&'k str]) -> Option<&'k str> {
    if word.chars().count() > 64 {
        return None;
    }
    let lower = word.to_lowercase();
    known
        .iter()
        .filter(|k| **k != word)
        .map(|k| (edit_distance(&lower, &k.to_lowercase(), 2), *k))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// Collects errors for one file.
pub struct Errors<'p> {
    pub path: &'p str,
    pub list: Vec<ConfigError>,
}

impl<'p> Errors<'p> {
    pub fn new(path: &'p str) -> Self {
        Self {
            path,
            list: Vec::new(),
        }
    }

    pub fn at(&mut self, mark: Mark, message: impl Into<String>, help: impl Into<String>) {
        self.at_pos(mark.pos(), message, help);
    }

    pub fn at_pos(&mut self, pos: Pos, message: impl Into<String>, help: impl Into<String>) {
        self.list
            .push(ConfigError::new(self.path, pos, message).with_help(help));
    }

    /// Parse `text` as YAML (leniently: see [`yaml::parse_lenient`]), recording its syntax
    /// errors here. `None` when there is no tree to read.
    pub fn parse_yaml(&mut self, text: &str) -> Option<Node> {
        let (root, yaml_errors) = yaml::parse_lenient(text);
        for e in yaml_errors {
            let help = e.help.unwrap_or_default();
            self.at(e.mark, e.message, help);
        }
        root
    }

    /// All errors in file order (stable for errors at the same place).
    pub fn into_sorted(mut self) -> Vec<ConfigError> {
        self.list.sort_by_key(|e| (e.line, e.col));
        self.list
    }
}

/// A short, single-line rendering of a scalar for messages (long values are cut).
pub fn show(node: &Node, text: &str) -> String {
    let raw = node.raw(text);
    let one_line = raw.lines().next().unwrap_or("");
    let mut out: String = one_line.chars().take(60).collect();
    if out.len() < raw.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logins() {
        for ok in ["a", "jane-example", "A1", &"x".repeat(39), "0-0"] {
            assert!(is_valid_login(ok), "{ok}");
        }
        for bad in [
            "",
            "-a",
            "a-",
            "a--b",
            "a_b",
            "a b",
            "é",
            &"x".repeat(40),
            "jane.example",
        ] {
            assert!(!is_valid_login(bad), "{bad}");
        }
    }

    #[test]
    fn slugs() {
        for ok in ["gov-uk", "a.b_c", "0team", &"x".repeat(100)] {
            assert!(is_valid_slug(ok), "{ok}");
        }
        for bad in ["", "Gov-uk", "-a", ".a", "_a", "a b", &"x".repeat(101), "ü"] {
            assert!(!is_valid_slug(bad), "{bad}");
        }
    }

    #[test]
    fn dates() {
        assert!(parse_date("2026-02-28").is_ok());
        assert_eq!(parse_date("2026-02-30"), Err("is not a real date"));
        assert!(parse_date("2026-2-3").is_err());
        assert!(parse_date("28/02/2026").is_err());
        assert!(parse_date("2026-02-28x").is_err());
        assert!(parse_date("２026-02-28").is_err());
    }

    #[test]
    fn distances() {
        assert_eq!(edit_distance("githhub_username", "github_username", 2), 1);
        assert_eq!(edit_distance("probation_pased", "probation_passed", 2), 1);
        assert_eq!(edit_distance("rloe", "role", 2), 1);
        assert_eq!(edit_distance("abc", "abcdef", 2), 3);
        assert_eq!(edit_distance("", "", 2), 0);
        let known = ["github_username", "name", "role"];
        assert_eq!(
            did_you_mean("github_usernmae", &known),
            Some("github_username")
        );
        assert_eq!(did_you_mean("Name", &known), Some("name"));
        assert_eq!(did_you_mean("name", &known), None);
        assert_eq!(did_you_mean("slack_handle", &known), None);
    }
}
