//! `fix`: format-preserving config edits for drift, and the drift PR (issue 6).
//!
//! - [`layout`]: where each entry and key sits in the text (byte offsets).
//! - [`edit`]: pure text edits ([`Edit`]) that change only the lines that must change, and the
//!   check that the result parses to exactly the intended change.
//! - [`propose`]: pure: from the config, the findings and the membership, the edits to make.

pub mod edit;
pub mod json;
pub mod layout;
pub mod pr;
pub mod propose;

pub use edit::{Edit, EditError};
