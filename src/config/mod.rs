//! The access config (`govuk_tech.yml`) and the role mapping.
//!
//! YAML is read into a located tree ([`yaml`]) and then validated into [`Person`]s, collecting
//! every problem at once as [`ConfigError`]s with `file:line:col`. The YAML library is used only
//! inside [`yaml`], so it can change in one place.

pub mod check;
pub mod error;
pub mod fields;
pub mod mapping;
pub mod people;
pub mod systems;
pub mod temporary_admin;
pub mod unknown;
pub mod yaml;

pub use error::{ConfigError, ConfigErrors};
pub use mapping::Mapping;
pub use people::{Clearance, Config, Person};

/// A position in a source file: 1-based line and column (columns count characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Pos {
    pub line: usize,
    pub col: usize,
}

/// A value with the position where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located<T> {
    pub value: T,
    pub pos: Pos,
}

impl<T> Located<T> {
    pub fn new(value: T, pos: Pos) -> Self {
        Self { value, pos }
    }
}

/// Files larger than this are refused before parsing (the real file is well under 1 MiB).
pub const MAX_FILE_BYTES: u64 = 10 * 1024 * 1024;

/// Read a config or mapping file as text, refusing what cannot be a config: a missing file, a
/// directory, a file over [`MAX_FILE_BYTES`], or bytes that are not UTF-8 (located at the first
/// bad byte). `display` is the path as the user named it.
pub fn read_file(path: &std::path::Path, display: &str) -> Result<String, ConfigError> {
    use std::io::Read;

    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => ConfigError::file(display, "file not found")
            .with_help("check the path, or pass the right one with --config/--mapping"),
        _ => ConfigError::file(display, format!("cannot read the file: {e}")),
    })?;
    if meta.is_dir() {
        return Err(ConfigError::file(display, "is a directory, not a file")
            .with_help("name the YAML file itself, e.g. config/govuk_tech.yml"));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(ConfigError::file(
            display,
            format!(
                "the file is {} bytes; the limit is {} bytes",
                meta.len(),
                MAX_FILE_BYTES
            ),
        )
        .with_help("this is not a config file the tool expects; check you named the right file"));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| ConfigError::file(display, format!("cannot read the file: {e}")))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(ConfigError::file(
            display,
            "the file grew past the size limit while being read",
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = good.iter().filter(|&&b| b == b'\n').count() + 1;
        let col = good.iter().rev().take_while(|&&b| b != b'\n').count() + 1;
        ConfigError::new(display, Pos { line, col }, "the file is not valid UTF-8")
            .with_help("save the file as UTF-8")
    })
}
