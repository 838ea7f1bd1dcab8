//! File-system helpers shared by the commands.

use std::io::{self, Write};
use std::path::Path;

/// Replace `path` with `bytes` atomically: write a temporary file in the same directory, give
/// it the permissions of the file it replaces (a new file keeps the temporary file's: owner
/// read/write only), sync it, and rename it over `path`. Readers see the old file or the new
/// one, never a half-written one; on error `path` is untouched.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let permissions = match std::fs::metadata(path) {
        Ok(m) => Some(m.permissions()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(e),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(bytes)?;
    if let Some(permissions) = permissions {
        tmp.as_file().set_permissions(permissions)?;
    }
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Whether the file at `path` is read-only (no write permission bit set). A missing file is not.
pub fn is_read_only(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.permissions().readonly())
}

/// Check, before any work, that `out` can be written by [`write_atomic`] and is none of
/// `inputs` (`(what, path)`, e.g. `("config", ...)`): not a directory, not read-only, and its
/// directory exists and takes a new file. `Err` says why, for a person.
pub fn check_destination(flag: &str, out: &Path, inputs: &[(&str, &Path)]) -> Result<(), String> {
    let same = |a: &Path, b: &Path| match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    };
    for (what, input) in inputs {
        if same(out, input) {
            return Err(format!(
                "{flag} {} would overwrite the {what} it reads; write to a new file",
                out.display()
            ));
        }
    }
    if out.is_dir() {
        return Err(format!(
            "{flag} {} is a directory; name the file to write, e.g. {}/snapshot.json",
            out.display(),
            out.display()
        ));
    }
    if is_read_only(out) {
        return Err(format!(
            "{flag} {}: the file is read-only; make it writable (chmod u+w) or write to another file",
            out.display()
        ));
    }
    let dir = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    tempfile::NamedTempFile::new_in(dir).map(drop).map_err(|e| {
        format!(
            "{flag} {}: cannot write in {}: {e}",
            out.display(),
            dir.display()
        )
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn replaces_the_file_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.json");
        write_atomic(&path, b"{}\n").unwrap();
        write_atomic(&path, b"{\"a\":1}\n").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "{\"a\":1}\n");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn keeps_the_permissions_of_the_file_it_replaces() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.yml");
        std::fs::write(&path, "a\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        write_atomic(&path, b"b\n").unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o640);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "b\n");
    }
}
