//! The on-disk ETag cache (`--cache-dir`): one JSON file per URL and token identity (a hash,
//! never the token), written atomically. A 304 reuses the stored page and its Link header.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::github::SourceError;

/// One page as fetched (or reused from the cache).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct Page {
    pub(super) body: String,
    pub(super) link: Option<String>,
    pub(super) etag: Option<String>,
}

/// The on-disk ETag cache: one JSON file per URL and token identity, written atomically.
#[derive(Debug, Clone)]
pub(super) struct DiskCache {
    pub(super) dir: PathBuf,
    pub(super) identity: String,
}

impl DiskCache {
    fn file(&self, url: &str) -> PathBuf {
        let mut h = Sha256::new();
        h.update(self.identity.as_bytes());
        h.update(b"\n");
        h.update(url.as_bytes());
        let hex: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
        self.dir.join(format!("{hex}.json"))
    }

    pub(super) fn load(&self, url: &str) -> Option<Page> {
        let text = std::fs::read_to_string(self.file(url)).ok()?;
        match serde_json::from_str::<Page>(&text) {
            Ok(page) => Some(page),
            Err(e) => {
                tracing::debug!("ignoring unreadable cache entry for {url}: {e}");
                None
            }
        }
    }

    pub(super) fn store(&self, url: &str, page: &Page) {
        let result = (|| -> std::io::Result<()> {
            std::fs::create_dir_all(&self.dir)?;
            let mut tmp = tempfile::NamedTempFile::new_in(&self.dir)?;
            serde_json::to_writer(&mut tmp, page)?;
            tmp.persist(self.file(url)).map_err(|e| e.error)?;
            Ok(())
        })();
        if let Err(e) = result {
            tracing::warn!("could not write the cache in {}: {e}", self.dir.display());
        }
    }
}

/// Whether a cache directory is usable, for an early, clear error.
pub fn check_cache_dir(dir: &Path) -> Result<(), SourceError> {
    std::fs::create_dir_all(dir).map_err(|e| {
        SourceError::Usage(format!(
            "--cache-dir {} cannot be created: {e}",
            dir.display()
        ))
    })
}
