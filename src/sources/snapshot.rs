//! The snapshot file, v2: one section per system (`{"version": 2, "fetched_at": ..., "github":
//! {...}, "aws": {...}, ...}`), each section read and written by its system's adapter
//! ([`crate::access::Adapter::read_snapshot`] / `write_snapshot`). A v1 snapshot (top-level
//! `org`/`teams`) is the `github` section alone, read with exactly v1's checks and messages.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::access::{SourceError, System};

/// Snapshot files larger than this are refused (10 teams of 3,000 members is about 1 MiB).
pub const MAX_SNAPSHOT_BYTES: u64 = 64 * 1024 * 1024;

/// The version `snapshot --out` writes.
pub const SNAPSHOT_VERSION: u32 = 2;

/// A snapshot read from a file: its sections, still raw, for each system's adapter.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// The path as the user named it, for messages.
    pub path: String,
    /// 1 for a v1 file (the github section alone), 2 otherwise.
    pub version: u32,
    pub fetched_at: Option<DateTime<Utc>>,
    pub sections: BTreeMap<System, Value>,
}

/// The v2 file, as written on disk: `version`, `fetched_at`, and one section per system, keyed by
/// the system's name. Any other key (a misspelt system) is a located error; systems need no
/// registration here.
#[derive(Debug, Clone, PartialEq)]
struct FileV2 {
    version: u32,
    fetched_at: Option<DateTime<Utc>>,
    sections: BTreeMap<System, Value>,
}

impl<'de> Deserialize<'de> for FileV2 {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;

        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = FileV2;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a snapshot object")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<FileV2, A::Error> {
                use serde::de::Error;
                let (mut version, mut fetched_at, mut sections) = (None, None, BTreeMap::new());
                while let Some(key) = map.next_key::<String>()? {
                    let duplicate = || A::Error::custom(format!("duplicate field `{key}`"));
                    match key.as_str() {
                        "version" if version.is_some() => return Err(duplicate()),
                        "version" => version = Some(map.next_value::<u32>()?),
                        "fetched_at" if fetched_at.is_some() => return Err(duplicate()),
                        "fetched_at" => {
                            fetched_at = Some(map.next_value::<Option<DateTime<Utc>>>()?)
                        }
                        name => {
                            let system: System = name.parse().map_err(|_| {
                                A::Error::custom(format!(
                                    "unknown field `{name}`, expected `version`, `fetched_at` or a system ({})",
                                    System::names().join(", ")
                                ))
                            })?;
                            if sections
                                .insert(system, map.next_value::<Value>()?)
                                .is_some()
                            {
                                return Err(duplicate());
                            }
                        }
                    }
                }
                Ok(FileV2 {
                    version: version.ok_or_else(|| A::Error::missing_field("version"))?,
                    fetched_at: fetched_at.flatten(),
                    sections,
                })
            }
        }

        d.deserialize_map(Visitor)
    }
}

impl Serialize for FileV2 {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("version", &self.version)?;
        if let Some(at) = &self.fetched_at {
            map.serialize_entry("fetched_at", at)?;
        }
        // In report order (System's order), GitHub first.
        for (system, section) in &self.sections {
            map.serialize_entry(system.as_str(), section)?;
        }
        map.end()
    }
}

impl Snapshot {
    /// Read and parse a snapshot file. `display` is the path as the user named it.
    pub fn open(path: &Path, display: &str) -> Result<Snapshot, SourceError> {
        let text = read_text(path, display)?;
        Self::parse(display, &text)
    }

    /// Parse snapshot JSON (v1 or v2). Errors are usage errors (exit 2), located at
    /// `path:line:col` where the JSON says.
    pub fn parse(path: &str, text: &str) -> Result<Snapshot, SourceError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let is_v2 = serde_json::from_str::<Value>(text)
            .ok()
            .is_some_and(|v| v.get("version").is_some());
        if !is_v2 {
            // v1 (or not JSON at all): v1's parser gives v1's messages.
            let v1 = crate::sources::github::snapshot::SnapshotSource::parse(path, text)?;
            let section: Value = crate::jsonin::from_str(text).map_err(|e| invalid(path, &e))?;
            return Ok(Snapshot {
                path: path.to_owned(),
                version: 1,
                fetched_at: v1.read.fetched_at,
                sections: [(System::Github, section)].into(),
            });
        }
        // The strict reader: a key twice anywhere in the file is refused, located.
        let file: FileV2 = crate::jsonin::from_str(text).map_err(|e| invalid(path, &e))?;
        if file.version != SNAPSHOT_VERSION {
            return Err(SourceError::Usage(format!(
                "{path}: snapshot version {} is not one this tool reads (1 or 2)\n  help: record it again with `access-reconciler snapshot --out NEW.json` (a new file)",
                file.version
            )));
        }
        Ok(Snapshot {
            path: path.to_owned(),
            version: 2,
            fetched_at: file.fetched_at,
            sections: file.sections,
        })
    }
}

/// The v2 JSON of a snapshot (pretty, deterministic, with a final newline): what
/// `snapshot --out` writes.
pub fn to_json(
    fetched_at: Option<DateTime<Utc>>,
    sections: &BTreeMap<System, Value>,
) -> Result<String, serde_json::Error> {
    let file = FileV2 {
        version: SNAPSHOT_VERSION,
        fetched_at,
        sections: sections.clone(),
    };
    let mut json = serde_json::to_string_pretty(&file)?;
    json.push('\n');
    Ok(json)
}

fn invalid(path: &str, e: &crate::jsonin::JsonError) -> SourceError {
    SourceError::Usage(format!(
        "{path}:{}:{}: the snapshot is not valid: {}\n  help: record it again with `access-reconciler snapshot --out NEW.json` (a new file), or see the snapshot format in docs/snapshot.md",
        e.line, e.col, e.message
    ))
}

/// Read a snapshot file as text, refusing what cannot be one: missing, a directory, over
/// [`MAX_SNAPSHOT_BYTES`], not UTF-8.
pub fn read_text(path: &Path, display: &str) -> Result<String, SourceError> {
    use std::io::Read;

    let usage = |msg: String| SourceError::Usage(format!("{display}: {msg}"));
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => {
            usage("snapshot file not found; check the --snapshot path".to_owned())
        }
        _ => usage(format!("cannot read the snapshot: {e}")),
    })?;
    if meta.is_dir() {
        return Err(usage("is a directory, not a snapshot file".to_owned()));
    }
    if meta.len() > MAX_SNAPSHOT_BYTES {
        return Err(usage(format!(
            "the snapshot is {} bytes; the limit is {MAX_SNAPSHOT_BYTES}",
            meta.len()
        )));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_SNAPSHOT_BYTES).read_to_end(&mut bytes))
        .map_err(|e| usage(format!("cannot read the snapshot: {e}")))?;
    String::from_utf8(bytes).map_err(|_| usage("the snapshot is not valid UTF-8".to_owned()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn v1_is_the_github_section_alone() {
        let s = Snapshot::parse(
            "s.json",
            r#"{"org":"o","fetched_at":"2026-11-28T09:00:00Z","teams":{}}"#,
        )
        .unwrap();
        assert_eq!(s.version, 1);
        assert_eq!(
            s.sections.keys().copied().collect::<Vec<_>>(),
            [System::Github]
        );
        assert!(s.fetched_at.is_some());
    }

    #[test]
    fn v2_round_trips_and_refuses_unknown_systems() {
        let sections: BTreeMap<System, Value> = [
            (System::Github, serde_json::json!({"org": "o", "teams": {}})),
            (
                System::Sentry,
                serde_json::json!({"org": "g", "members": []}),
            ),
        ]
        .into();
        let json = to_json(None, &sections).unwrap();
        assert!(json.starts_with("{\n  \"version\": 2,"), "{json}");
        let back = Snapshot::parse("s.json", &json).unwrap();
        assert_eq!((back.version, back.sections), (2, sections));
        let e = Snapshot::parse("s.json", "{\"version\": 2,\n \"jira\": {}}").unwrap_err();
        assert!(e.to_string().starts_with("s.json:2:"), "{e}");
        assert!(e.to_string().contains("unknown field `jira`"), "{e}");
        let e = Snapshot::parse(
            "s.json",
            "{\"version\": 2,\n \"github\": {},\n \"github\": {}}",
        )
        .unwrap_err();
        assert!(e.to_string().starts_with("s.json:3:"), "{e}");
        // The strict JSON reader (crate::jsonin) refuses a key twice, in its own words.
        assert!(
            e.to_string().contains("the key `github` appears twice"),
            "{e}"
        );
        let e = Snapshot::parse("s.json", "{\"github\": {}, \"version\": 2, \"version\": 2}")
            .unwrap_err();
        assert!(
            e.to_string().contains("the key `version` appears twice"),
            "{e}"
        );
        let e = Snapshot::parse("s.json", "{\"version\": 3}").unwrap_err();
        assert!(e.to_string().contains("version 3"), "{e}");
    }
}
