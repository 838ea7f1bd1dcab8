//! The on-disk ETag cache (`--cache-dir`): one JSON file per request and token identity (a
//! hash, never the token), written atomically. A 304 reuses the stored page and its Link header.
//!
//! Failure modes, each of which must never turn into a wrong read:
//! - The directory cannot be created or written: one warning, and the run goes on without a
//!   cache (a cache only saves rate-limit points; it is never needed for a correct read).
//! - An entry is missing, unreadable, not JSON, for another URL, or its body is not JSON: it is
//!   ignored, so the request is sent unconditionally (no `If-None-Match`) and answered with 200.
//! - An entry whose body the caller cannot use is forgotten and refetched unconditionally by
//!   the client (`RestClient`), never read as an empty page.
//! - Concurrent runs writing the same entry: each write goes to a temporary file in the same
//!   directory and is renamed over the entry, so a reader sees one whole entry or the other
//!   (both are answers GitHub gave for that URL), never a mix.
//!
//! The key covers everything that can change the answer: the cache format version, the token
//! identity (a hash of the token, or the App and installation ids), the `Accept` media type and
//! API version sent, and the full URL with its query (`per_page`, `page`, `role`).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::sources::github::SourceError;

/// Bumped whenever the entry format or the meaning of a key changes.
const CACHE_VERSION: &str = "access-reconciler-cache-v2";

/// One page as fetched (or reused from the cache).
#[derive(Debug, Clone)]
pub(super) struct Page {
    pub(super) body: String,
    pub(super) link: Option<String>,
    pub(super) etag: Option<String>,
    /// Served from the cache after a 304 (so a body the caller cannot use is refetched).
    pub(super) from_cache: bool,
}

/// One cache file.
#[derive(Serialize, Deserialize)]
struct Entry {
    /// The URL the entry answers (checked on load).
    url: String,
    etag: String,
    link: Option<String>,
    body: String,
}

/// The on-disk ETag cache. (`Debug` shows the directory only, not the identity hash.)
#[derive(Clone)]
pub(super) struct DiskCache {
    dir: PathBuf,
    /// A hash naming the credentials, never the token itself.
    identity: String,
    /// What the request asks for (Accept and API version): part of the key.
    accept: String,
    /// Set after the first failed write, so the run warns once and stops trying.
    broken: Arc<AtomicBool>,
}

impl std::fmt::Debug for DiskCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DiskCache")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

impl DiskCache {
    /// Open `dir` as the cache: create it and check that a file can be written there. When it
    /// cannot, warn once and return `None`: the run goes on without a cache.
    pub(super) fn open(dir: &Path, identity: String, accept: &str) -> Option<DiskCache> {
        let probe = std::fs::create_dir_all(dir)
            .and_then(|()| tempfile::NamedTempFile::new_in(dir).map(drop));
        if let Err(e) = probe {
            tracing::warn!(
                "--cache-dir {} is not usable ({e}); going on without the cache (every request \
                 costs a rate-limit point)",
                dir.display()
            );
            return None;
        }
        Some(DiskCache {
            dir: dir.to_owned(),
            identity,
            accept: accept.to_owned(),
            broken: Arc::new(AtomicBool::new(false)),
        })
    }

    fn file(&self, url: &str) -> PathBuf {
        let mut h = Sha256::new();
        for part in [CACHE_VERSION, &self.identity, &self.accept, url] {
            h.update(part.as_bytes());
            h.update(b"\n");
        }
        let hex: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
        self.dir.join(format!("{hex}.json"))
    }

    /// The stored page for `url`, if there is a usable one (its body valid JSON, its ETag set).
    pub(super) fn load(&self, url: &str) -> Option<Page> {
        let path = self.file(url);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
            Err(e) => {
                tracing::debug!("ignoring unreadable cache entry for {url}: {e}");
                return None;
            }
        };
        let entry = match serde_json::from_str::<Entry>(&text) {
            Ok(entry) => entry,
            Err(e) => {
                tracing::debug!("ignoring a corrupt cache entry for {url}: {e}");
                return None;
            }
        };
        if entry.url != url {
            tracing::debug!("ignoring a cache entry for another URL ({})", entry.url);
            return None;
        }
        if entry.etag.is_empty()
            || serde_json::from_str::<serde::de::IgnoredAny>(&entry.body).is_err()
        {
            tracing::debug!("ignoring a cache entry for {url} whose body is not JSON");
            return None;
        }
        Some(Page {
            body: entry.body,
            link: entry.link,
            etag: Some(entry.etag),
            from_cache: false,
        })
    }

    /// Store a page that came with an ETag. Failures warn once, then the cache is left alone.
    pub(super) fn store(&self, url: &str, page: &Page) {
        let Some(etag) = &page.etag else { return };
        if self.broken.load(Ordering::Relaxed) {
            return;
        }
        let entry = Entry {
            url: url.to_owned(),
            etag: etag.clone(),
            link: page.link.clone(),
            body: page.body.clone(),
        };
        let result = (|| -> std::io::Result<()> {
            let mut tmp = tempfile::NamedTempFile::new_in(&self.dir)?;
            serde_json::to_writer(&mut tmp, &entry)?;
            tmp.persist(self.file(url)).map_err(|e| e.error)?;
            Ok(())
        })();
        if let Err(e) = result
            && !self.broken.swap(true, Ordering::Relaxed)
        {
            tracing::warn!(
                "could not write the cache in {} ({e}); going on without storing pages",
                self.dir.display()
            );
        }
    }

    /// Remove the entry for `url` (it turned out unusable).
    pub(super) fn forget(&self, url: &str) {
        let _ = std::fs::remove_file(self.file(url));
    }
}

/// Whether a cache directory can be created. (The client itself no longer fails on an unusable
/// cache directory: it warns and goes on without the cache.)
pub fn check_cache_dir(dir: &Path) -> Result<(), SourceError> {
    std::fs::create_dir_all(dir).map_err(|e| {
        SourceError::Usage(format!(
            "--cache-dir {} cannot be created: {e}",
            dir.display()
        ))
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn page(body: &str) -> Page {
        Page {
            body: body.into(),
            link: Some("<x>; rel=\"next\"".into()),
            etag: Some("W/\"1\"".into()),
            from_cache: false,
        }
    }

    #[test]
    fn the_key_covers_identity_accept_and_query() {
        let dir = tempfile::tempdir().unwrap();
        let a = DiskCache::open(dir.path(), "id-a".into(), "json").unwrap();
        let b = DiskCache::open(dir.path(), "id-b".into(), "json").unwrap();
        let c = DiskCache::open(dir.path(), "id-a".into(), "raw").unwrap();
        let url = "https://api.github.com/orgs/o/teams/t/members?per_page=100";
        let keys = [
            a.file(url),
            b.file(url),
            c.file(url),
            a.file(&format!("{url}&role=maintainer")),
            a.file(&format!("{url}&page=2")),
        ];
        for (i, k) in keys.iter().enumerate() {
            for other in &keys[i + 1..] {
                assert_ne!(k, other);
            }
        }
    }

    #[test]
    fn corrupt_or_foreign_entries_are_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let cache = DiskCache::open(dir.path(), "id".into(), "json").unwrap();
        let url = "https://api.github.com/x";
        cache.store(url, &page("[1]"));
        let loaded = cache.load(url).unwrap();
        assert_eq!(loaded.body, "[1]");
        assert_eq!(loaded.link.as_deref(), Some("<x>; rel=\"next\""));
        // Truncated file.
        std::fs::write(cache.file(url), "{\"url\":").unwrap();
        assert!(cache.load(url).is_none());
        // A body that is not JSON.
        cache.store(url, &page("[{\"login\":"));
        assert!(cache.load(url).is_none());
        // An entry for another URL under this key.
        std::fs::copy(
            {
                cache.store("https://api.github.com/y", &page("[2]"));
                cache.file("https://api.github.com/y")
            },
            cache.file(url),
        )
        .unwrap();
        assert!(cache.load(url).is_none());
        // Forgotten.
        cache.store(url, &page("[3]"));
        cache.forget(url);
        assert!(cache.load(url).is_none());
    }

    #[test]
    fn an_unusable_directory_disables_the_cache() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a-file");
        std::fs::write(&file, "").unwrap();
        assert!(DiskCache::open(&file.join("cache"), "id".into(), "json").is_none());
    }

    #[test]
    fn concurrent_writers_leave_one_whole_entry() {
        let dir = tempfile::tempdir().unwrap();
        let cache = DiskCache::open(dir.path(), "id".into(), "json").unwrap();
        let url = "https://api.github.com/x";
        let big_a = format!("[{}]", vec!["\"a\""; 2_000].join(","));
        let big_b = format!("[{}]", vec!["\"b\""; 2_000].join(","));
        let (a, b) = (big_a.as_str(), big_b.as_str());
        std::thread::scope(|s| {
            for body in [a, b, a, b] {
                let cache = cache.clone();
                s.spawn(move || {
                    for _ in 0..20 {
                        cache.store(url, &page(body));
                        if let Some(p) = cache.load(url) {
                            assert!(p.body == a || p.body == b);
                        }
                    }
                });
            }
        });
        let last = cache.load(url).unwrap();
        assert!(last.body == big_a || last.body == big_b);
        // No temporary files left behind.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
