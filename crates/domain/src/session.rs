//! Session lifetime (ASVS 3.3.2, level 2): a session ends after 30 minutes without use or 12
//! hours after login, whichever comes first. Checked against the injected clock.

use time::{Duration, OffsetDateTime};

pub const IDLE_TIMEOUT: Duration = Duration::minutes(30);
pub const ABSOLUTE_TIMEOUT: Duration = Duration::hours(12);

pub fn is_live(created_at: OffsetDateTime, last_seen_at: OffsetDateTime, now: OffsetDateTime) -> bool {
    now - last_seen_at <= IDLE_TIMEOUT && now - created_at <= ABSOLUTE_TIMEOUT
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn a_session_idle_for_more_than_thirty_minutes_is_over() {
        let start = datetime!(2026-11-29 08:00 UTC);
        assert!(is_live(start, start, start + Duration::minutes(30)));
        assert!(!is_live(
            start,
            start,
            start + Duration::minutes(30) + Duration::seconds(1)
        ));
    }

    #[test]
    fn a_session_in_use_still_ends_twelve_hours_after_login() {
        let start = datetime!(2026-11-29 08:00 UTC);
        let late = start + Duration::hours(12) + Duration::seconds(1);
        assert!(is_live(start, late - Duration::minutes(1), late - Duration::seconds(2)));
        assert!(!is_live(start, late - Duration::minutes(1), late));
    }
}
