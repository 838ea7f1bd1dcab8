//! `access-reconciler fix`.

use crate::cli::{FixArgs, GlobalArgs};

pub fn run(global: &GlobalArgs, args: FixArgs) -> u8 {
    let _ = (global, args);
    eprintln!("error: `fix` is not built yet");
    crate::exit::USAGE
}
