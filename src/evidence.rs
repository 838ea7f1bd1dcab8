//! Evidence freshness: a `stale_evidence` finding when recorded data (a snapshot today; export
//! files and per-system reads later) is older than `--max-age` days at `--today`, or dated after
//! `--today`. Pure: the caller passes the dates. An undated snapshot (no `fetched_at`, allowed
//! by the format) gives no finding; the commands say so on stderr ([`undated_warning`]).

use chrono::{DateTime, NaiveDate, Utc};

use crate::finding::{Finding, Kind, Severity};

/// The default `--max-age`, in days.
pub const DEFAULT_MAX_AGE_DAYS: u32 = 7;

/// A `stale_evidence` finding (medium) for `source_label` (e.g. "the snapshot
/// fixtures/github_snapshot.json"), or `None` when the data is fresh: recorded on a day from
/// `today - max_age` to `today` inclusive (a snapshot taken on `today` is fresh).
pub fn stale_evidence(
    source_label: &str,
    fetched_at: Option<DateTime<Utc>>,
    today: NaiveDate,
    max_age_days: u32,
) -> Option<Finding> {
    let finding = |message: String, fix: &str| {
        let mut c = message.chars();
        let message: String = c
            .next()
            .map(|f| f.to_uppercase().chain(c).collect())
            .unwrap_or_default();
        let mut c = fix.chars();
        let fix: String = c
            .next()
            .map(|f| f.to_uppercase().chain(c).collect())
            .unwrap_or_default();
        Finding {
            resource: Some(source_label.to_owned()),
            fix,
            ..Finding::new(Kind::StaleEvidence, Severity::Medium, message)
        }
    };
    let record_again =
        "record it again (`access-reconciler snapshot --out NEW.json`), or read GitHub live";
    let at = fetched_at?;
    let day = at.date_naive();
    if day > today {
        return Some(finding(
            format!(
                "{source_label} was recorded at {}, after --today {today}: the dates do not agree",
                at.format("%Y-%m-%dT%H:%M:%SZ")
            ),
            "check --today and the clock of the machine that recorded it, or record it again",
        ));
    }
    let age = (today - day).num_days();
    if age > i64::from(max_age_days) {
        return Some(finding(
            format!(
                "{source_label} was recorded at {}, {age} days before {today} (more than --max-age {max_age_days}): access may have changed since",
                at.format("%Y-%m-%dT%H:%M:%SZ")
            ),
            &format!("{record_again}; or raise --max-age if older data is intended"),
        ));
    }
    None
}

/// The warning for an undated snapshot: its age cannot be checked.
pub fn undated_warning(source_label: &str) -> String {
    format!(
        "warning: {source_label} does not say when it was recorded (no `fetched_at`), so its age cannot be checked against --max-age"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Option<DateTime<Utc>> {
        s.parse().ok()
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap_or_default()
    }

    #[test]
    fn fresh_stale_future_and_undated() {
        let today = day("2026-11-28");
        let stale = |f: &str, max| stale_evidence("the snapshot s.json", at(f), today, max);
        assert!(stale("2026-11-28T23:59:59Z", 7).is_none(), "taken today");
        assert!(stale("2026-11-21T00:00:00Z", 7).is_none(), "exactly 7 days");
        let old = stale("2026-11-20T12:00:00Z", 7).map(|f| f.message);
        assert!(old.is_some_and(|m| m.contains("8 days before 2026-11-28")));
        let future = stale("2026-11-29T00:00:00Z", 7).map(|f| (f.kind, f.severity));
        assert_eq!(future, Some((Kind::StaleEvidence, Severity::Medium)));
        assert!(stale_evidence("x", None, today, 7).is_none());
        assert!(stale("2019-01-01T00:00:00Z", 10_000).is_none());
    }
}
