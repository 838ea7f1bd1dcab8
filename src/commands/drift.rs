//! `access-reconciler drift`.

use crate::cli::{DriftArgs, GlobalArgs};

pub fn run(global: &GlobalArgs, args: DriftArgs) -> u8 {
    let _ = (global, args);
    eprintln!("error: `drift` is not built yet");
    crate::exit::USAGE
}
