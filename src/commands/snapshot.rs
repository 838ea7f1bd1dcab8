//! `access-reconciler snapshot`.

use crate::cli::{GlobalArgs, SnapshotArgs};

pub fn run(global: &GlobalArgs, args: SnapshotArgs) -> u8 {
    let _ = (global, args);
    eprintln!("error: `snapshot` is not built yet");
    crate::exit::USAGE
}
