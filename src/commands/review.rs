//! `access-reconciler review`.

use crate::cli::{GlobalArgs, ReviewArgs};

pub fn run(global: &GlobalArgs, args: ReviewArgs) -> u8 {
    let _ = (global, args);
    eprintln!("error: `review` is not built yet");
    crate::exit::USAGE
}
