//! Times are UTC instants passed in by the caller, never read from a clock
//! here, so that tests and golden files are deterministic.

/// A UTC instant with microsecond precision.
pub type Timestamp = chrono::DateTime<chrono::Utc>;

/// Formats a time as Ground Truth's `creation-date`: ISO 8601 with
/// microseconds and no zone, e.g. `2026-11-28T22:18:13.527256`.
pub fn format_gt_date(at: Timestamp) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.6f").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn gt_date_has_microseconds_and_no_zone() {
        let at = chrono::Utc
            .with_ymd_and_hms(2026, 11, 28, 22, 18, 13)
            .unwrap()
            .checked_add_signed(chrono::Duration::microseconds(527_256))
            .unwrap();
        assert_eq!(format_gt_date(at), "2026-11-28T22:18:13.527256");
        let whole = chrono::Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();
        assert_eq!(format_gt_date(whole), "2026-01-02T03:04:05.000000");
    }
}
