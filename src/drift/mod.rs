//! The drift engine: pure, no I/O. (config, mapping, membership) -> findings.

use chrono::NaiveDate;

use crate::config::{Config, Mapping};
use crate::finding::Finding;
use crate::github::MembershipRead;

/// Compare the declared roles with the membership read. Teams in `read.errors` yield no
/// findings. Policy findings are not included here (see `policy::check`).
pub fn membership_findings(
    config: &Config,
    mapping: &Mapping,
    read: &MembershipRead,
    today: NaiveDate,
) -> Vec<Finding> {
    let _ = (config, mapping, read, today);
    todo!("drift engine (issue 3)")
}
