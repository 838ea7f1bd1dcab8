//! The evidence behind a report: which tool, at which date, from which files (with their
//! SHA-256) and, per system, where the data came from and when. Every report carries it: JSON as
//! a top-level `evidence` object, text and Markdown as a footer.
//!
//! The command runners (and the engine) fill [`Evidence::sources`], one [`Provenance`] per system
//! read. The `stale_evidence` check (`--max-age`) reads `fetched_at`/`modified_at` from here.

use std::io::Write;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::access::System;

/// The tool's version, as in Cargo.toml.
pub const TOOL_VERSION: &str = env!("CARGO_PKG_VERSION");

/// A file the report was computed from, and the SHA-256 of the bytes read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileDigest {
    /// As the user named it.
    pub path: String,
    /// Lower-case hex.
    pub sha256: String,
}

impl FileDigest {
    /// The digest of `bytes`, read from `path`.
    pub fn of(path: &str, bytes: &[u8]) -> FileDigest {
        FileDigest {
            path: path.to_owned(),
            sha256: sha256_hex(bytes),
        }
    }
}

/// The SHA-256 of `bytes` in lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Where the mapping came from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum MappingSource {
    /// The mapping compiled into the tool (its text is fixed by the version).
    #[default]
    Builtin,
    File(FileDigest),
}

/// How one system's data was obtained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Read live from the system's API.
    Api {
        url: String,
        /// When the read started, when known.
        read_at: Option<DateTime<Utc>>,
    },
    /// Read from a snapshot file (`--snapshot`).
    Snapshot {
        path: String,
        sha256: Option<String>,
        /// The snapshot's own `fetched_at`; `None` when it does not say.
        fetched_at: Option<DateTime<Utc>>,
    },
    /// Read from an export file (`--export SYSTEM=PATH`).
    Export {
        path: String,
        sha256: Option<String>,
        /// The file's modification time.
        modified_at: Option<DateTime<Utc>>,
    },
}

impl Origin {
    /// The origin a source recorded on its read (`None` when it recorded none). Digests and
    /// the time of a live read are added by the command that read the files.
    pub fn of(p: &crate::access::Provenance) -> Option<Origin> {
        use crate::access::Provenance;
        match p {
            Provenance::Unknown => None,
            Provenance::Live { url } => Some(Origin::Api {
                url: url.clone(),
                read_at: None,
            }),
            Provenance::Snapshot { path, fetched_at } => Some(Origin::Snapshot {
                path: path.clone(),
                sha256: None,
                fetched_at: *fetched_at,
            }),
            Provenance::Export { path, modified } => Some(Origin::Export {
                path: path.clone(),
                sha256: None,
                modified_at: *modified,
            }),
        }
    }

    /// `api`, `snapshot` or `export` (the JSON `source`).
    pub fn kind(&self) -> &'static str {
        match self {
            Origin::Api { .. } => "api",
            Origin::Snapshot { .. } => "snapshot",
            Origin::Export { .. } => "export",
        }
    }

    /// The time the data stands for: the live read, the snapshot's `fetched_at`, the export's
    /// modification time.
    pub fn as_of(&self) -> Option<DateTime<Utc>> {
        match self {
            Origin::Api { read_at, .. } => *read_at,
            Origin::Snapshot { fetched_at, .. } => *fetched_at,
            Origin::Export { modified_at, .. } => *modified_at,
        }
    }
}

/// Where one system's data came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provenance {
    pub system: System,
    pub origin: Origin,
}

/// Everything a reader needs to know to trust (or reproduce) a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    pub tool_version: String,
    /// The date the date rules were checked at (`--today`).
    pub today: NaiveDate,
    /// The config (for `review`: the head).
    pub config: Option<FileDigest>,
    /// `review` only: the base config.
    pub base_config: Option<FileDigest>,
    pub mapping: MappingSource,
    /// The exceptions file, when one was read.
    pub exceptions: Option<FileDigest>,
    /// One entry per system read, in system order.
    pub sources: Vec<Provenance>,
}

impl Default for Evidence {
    fn default() -> Self {
        Evidence::new(NaiveDate::default())
    }
}

impl Evidence {
    /// Evidence of this tool version at `today`, with nothing read yet.
    pub fn new(today: NaiveDate) -> Evidence {
        Evidence {
            tool_version: TOOL_VERSION.to_owned(),
            today,
            config: None,
            base_config: None,
            mapping: MappingSource::Builtin,
            exceptions: None,
            sources: Vec::new(),
        }
    }

    /// Record where a system's data came from (one entry per system; a second replaces it).
    pub fn add_source(&mut self, system: System, origin: Origin) {
        self.sources.retain(|p| p.system != system);
        self.sources.push(Provenance { system, origin });
        self.sources.sort_by_key(|p| p.system);
    }

    /// The footer lines of the text report (no trailing newline on each).
    pub fn text_lines(&self) -> Vec<String> {
        let mut lines = vec![format!(
            "Evidence: access-reconciler {} · today {}",
            self.tool_version, self.today
        )];
        let file =
            |label: &str, d: &FileDigest| format!("  {label:<9} {} (sha256 {})", d.path, d.sha256);
        if let Some(d) = &self.base_config {
            lines.push(file("base", d));
        }
        if let Some(d) = &self.config {
            lines.push(file(
                if self.base_config.is_some() {
                    "head"
                } else {
                    "config"
                },
                d,
            ));
        }
        match &self.mapping {
            MappingSource::Builtin => lines.push("  mapping   built-in".to_owned()),
            MappingSource::File(d) => lines.push(file("mapping", d)),
        }
        if let Some(d) = &self.exceptions {
            lines.push(file("exceptions", d));
        }
        for p in &self.sources {
            lines.push(format!(
                "  {:<9} {}",
                p.system.as_str(),
                origin_text(&p.origin)
            ));
        }
        lines
    }

    /// Write the text footer (a blank line, then [`Evidence::text_lines`]).
    pub fn write_text(&self, out: &mut impl Write) -> std::io::Result<()> {
        writeln!(out)?;
        for line in self.text_lines() {
            writeln!(out, "{}", super::visible(&line))?;
        }
        Ok(())
    }

    /// Write the Markdown footer: a heading and one list item per fact.
    pub fn write_markdown(&self, out: &mut impl Write) -> std::io::Result<()> {
        use super::markdown::cell;
        let code = |s: &str| format!("`{}`", s.replace(['`', '\n', '\r'], "'"));
        writeln!(out)?;
        writeln!(out, "#### Evidence")?;
        writeln!(out)?;
        writeln!(
            out,
            "- access-reconciler {} · today {}",
            cell(&self.tool_version),
            self.today
        )?;
        let file = |label: &str, d: &FileDigest| {
            format!("- {label}: {} (sha256 {})", code(&d.path), code(&d.sha256))
        };
        if let Some(d) = &self.base_config {
            writeln!(out, "{}", file("base config", d))?;
        }
        if let Some(d) = &self.config {
            let label = if self.base_config.is_some() {
                "head config"
            } else {
                "config"
            };
            writeln!(out, "{}", file(label, d))?;
        }
        match &self.mapping {
            MappingSource::Builtin => writeln!(out, "- mapping: built-in")?,
            MappingSource::File(d) => writeln!(out, "{}", file("mapping", d))?,
        }
        if let Some(d) = &self.exceptions {
            writeln!(out, "{}", file("exceptions", d))?;
        }
        for p in &self.sources {
            writeln!(
                out,
                "- {}: {}",
                p.system.as_str(),
                origin_markdown(&p.origin)
            )?;
        }
        Ok(())
    }
}

/// [`origin_text`] with the URL, path and digest as code spans.
fn origin_markdown(o: &Origin) -> String {
    let code = |s: &str| format!("`{}`", s.replace(['`', '\n', '\r'], "'"));
    let (what, place, when, sha) = match o {
        Origin::Api { url, read_at } => (
            "API",
            url,
            read_at
                .as_ref()
                .map_or(String::new(), |t| format!("read {}", time(t))),
            None,
        ),
        Origin::Snapshot {
            path,
            sha256,
            fetched_at,
        } => (
            "snapshot",
            path,
            fetched_at
                .as_ref()
                .map_or("fetched_at not recorded".to_owned(), |t| {
                    format!("fetched {}", time(t))
                }),
            sha256.as_ref(),
        ),
        Origin::Export {
            path,
            sha256,
            modified_at,
        } => (
            "export",
            path,
            modified_at
                .as_ref()
                .map_or("modification time unknown".to_owned(), |t| {
                    format!("modified {}", time(t))
                }),
            sha256.as_ref(),
        ),
    };
    let mut s = format!("{what} {}", code(place));
    if !when.is_empty() {
        s.push_str(&format!(", {when}"));
    }
    if let Some(h) = sha {
        s.push_str(&format!(" (sha256 {})", code(h)));
    }
    s
}

fn time(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// One line about an origin: `snapshot PATH, fetched 2026-11-28T09:00:00Z (sha256 ...)`.
fn origin_text(o: &Origin) -> String {
    match o {
        Origin::Api { url, read_at } => match read_at {
            Some(t) => format!("API {url}, read {}", time(t)),
            None => format!("API {url}"),
        },
        Origin::Snapshot {
            path,
            sha256,
            fetched_at,
        } => {
            let mut s = format!("snapshot {path}, ");
            match fetched_at {
                Some(t) => s.push_str(&format!("fetched {}", time(t))),
                None => s.push_str("fetched_at not recorded"),
            }
            if let Some(h) = sha256 {
                s.push_str(&format!(" (sha256 {h})"));
            }
            s
        }
        Origin::Export {
            path,
            sha256,
            modified_at,
        } => {
            let mut s = format!("export {path}, ");
            match modified_at {
                Some(t) => s.push_str(&format!("modified {}", time(t))),
                None => s.push_str("modification time unknown"),
            }
            if let Some(h) = sha256 {
                s.push_str(&format!(" (sha256 {h})"));
            }
            s
        }
    }
}

/// The JSON `evidence` object (schema_version 1, additive).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceV1 {
    pub tool_version: String,
    pub today: String,
    pub config: Option<FileV1>,
    /// `review` only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_config: Option<FileV1>,
    pub mapping: MappingV1,
    pub exceptions: Option<FileV1>,
    pub sources: Vec<SourceV1>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileV1 {
    pub path: String,
    pub sha256: String,
}

/// `{"source": "builtin"}` or `{"source": "file", "path": .., "sha256": ..}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MappingV1 {
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

/// One system's origin. `source` is `api` (with `url`, `read_at`), `snapshot` (`path`,
/// `sha256`, `fetched_at`) or `export` (`path`, `sha256`, `modified_at`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceV1 {
    pub system: String,
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// Snapshots: always present, `null` when the snapshot does not record it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fetched_at: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified_at: Option<Option<String>>,
}

fn file_v1(d: &FileDigest) -> FileV1 {
    FileV1 {
        path: d.path.clone(),
        sha256: d.sha256.clone(),
    }
}

/// The wire form of the evidence.
pub fn evidence_v1(e: &Evidence) -> EvidenceV1 {
    EvidenceV1 {
        tool_version: e.tool_version.clone(),
        today: e.today.to_string(),
        config: e.config.as_ref().map(file_v1),
        base_config: e.base_config.as_ref().map(file_v1),
        mapping: match &e.mapping {
            MappingSource::Builtin => MappingV1 {
                source: "builtin".to_owned(),
                path: None,
                sha256: None,
            },
            MappingSource::File(d) => MappingV1 {
                source: "file".to_owned(),
                path: Some(d.path.clone()),
                sha256: Some(d.sha256.clone()),
            },
        },
        exceptions: e.exceptions.as_ref().map(file_v1),
        sources: e
            .sources
            .iter()
            .map(|p| {
                let mut s = SourceV1 {
                    system: p.system.as_str().to_owned(),
                    source: p.origin.kind().to_owned(),
                    url: None,
                    read_at: None,
                    path: None,
                    sha256: None,
                    fetched_at: None,
                    modified_at: None,
                };
                match &p.origin {
                    Origin::Api { url, read_at } => {
                        s.url = Some(url.clone());
                        s.read_at = read_at.as_ref().map(time);
                    }
                    Origin::Snapshot {
                        path,
                        sha256,
                        fetched_at,
                    } => {
                        s.path = Some(path.clone());
                        s.sha256 = sha256.clone();
                        s.fetched_at = Some(fetched_at.as_ref().map(time));
                    }
                    Origin::Export {
                        path,
                        sha256,
                        modified_at,
                    } => {
                        s.path = Some(path.clone());
                        s.sha256 = sha256.clone();
                        s.modified_at = Some(modified_at.as_ref().map(time));
                    }
                }
                s
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Evidence {
        let mut e = Evidence::new(NaiveDate::from_ymd_opt(2026, 11, 28).unwrap_or_default());
        e.config = Some(FileDigest::of("c.yml", b"abc"));
        e.add_source(
            System::Github,
            Origin::Snapshot {
                path: "s.json".to_owned(),
                sha256: None,
                fetched_at: "2026-11-28T09:00:00Z".parse().ok(),
            },
        );
        e
    }

    #[test]
    fn sha256_is_the_standard_digest() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn text_footer_names_every_input() {
        let lines = sample().text_lines();
        assert_eq!(
            lines,
            vec![
                format!("Evidence: access-reconciler {TOOL_VERSION} · today 2026-11-28"),
                "  config    c.yml (sha256 ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad)".to_owned(),
                "  mapping   built-in".to_owned(),
                "  github    snapshot s.json, fetched 2026-11-28T09:00:00Z".to_owned(),
            ]
        );
    }

    #[test]
    fn json_has_the_snapshot_path_and_fetched_at() {
        let v = serde_json::to_value(evidence_v1(&sample())).unwrap_or_default();
        assert_eq!(v["sources"][0]["source"], "snapshot");
        assert_eq!(v["sources"][0]["path"], "s.json");
        assert_eq!(v["sources"][0]["fetched_at"], "2026-11-28T09:00:00Z");
        assert_eq!(v["mapping"]["source"], "builtin");
        assert!(v.get("base_config").is_none());
        assert!(v["exceptions"].is_null());
        // A snapshot without fetched_at says so with null rather than leaving the key out.
        let mut e = sample();
        e.add_source(
            System::Github,
            Origin::Snapshot {
                path: "s.json".to_owned(),
                sha256: None,
                fetched_at: None,
            },
        );
        let v = serde_json::to_value(evidence_v1(&e)).unwrap_or_default();
        assert!(v["sources"][0]["fetched_at"].is_null());
        assert!(v["sources"][0].get("fetched_at").is_some());
        assert_eq!(v["sources"].as_array().map(Vec::len), Some(1));
    }
}
