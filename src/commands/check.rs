//! `access-reconciler check`.

use crate::cli::{CheckArgs, GlobalArgs};

pub fn run(global: &GlobalArgs, args: CheckArgs) -> u8 {
    let _ = (global, args);
    eprintln!("error: `check` is not built yet");
    crate::exit::USAGE
}
