//! Check-in guards (domain.md §3.2): the time window and the optional geofence.

use time::{Duration, OffsetDateTime};

/// Minutes before the start from which check-in opens, unless the activity says otherwise.
pub const DEFAULT_CHECKIN_OPENS_MIN: i64 = 30;

/// Whether `now` lies in the check-in window: from `opens_before_min` minutes before the start
/// until the end.
pub fn within_checkin_window(
    now: OffsetDateTime,
    starts: OffsetDateTime,
    ends: OffsetDateTime,
    opens_before_min: i64,
) -> bool {
    now >= starts - Duration::minutes(opens_before_min) && now <= ends
}

/// Great-circle distance in metres between two points given in degrees (haversine).
pub fn distance_m((lat1, lng1): (f64, f64), (lat2, lng2): (f64, f64)) -> f64 {
    const EARTH_RADIUS_M: f64 = 6_371_000.0;
    let (phi1, phi2) = (lat1.to_radians(), lat2.to_radians());
    let d_phi = (lat2 - lat1).to_radians();
    let d_lambda = (lng2 - lng1).to_radians();
    let a = (d_phi / 2.0).sin().powi(2) + phi1.cos() * phi2.cos() * (d_lambda / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * a.sqrt().asin()
}

/// Whether a position is a plausible point on Earth.
pub fn valid_position((lat, lng): (f64, f64)) -> bool {
    (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lng)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::datetime;

    #[test]
    fn the_window_opens_thirty_minutes_before_and_closes_at_the_end() {
        let (starts, ends) = (datetime!(2026-12-06 09:00 +8), datetime!(2026-12-06 11:00 +8));
        let within = |now| within_checkin_window(now, starts, ends, DEFAULT_CHECKIN_OPENS_MIN);
        assert!(!within(datetime!(2026-12-06 08:29 +8)));
        assert!(within(datetime!(2026-12-06 08:30 +8)));
        assert!(within(datetime!(2026-12-06 11:00 +8)));
        assert!(!within(datetime!(2026-12-06 11:01 +8)));
    }

    #[test]
    fn distances_of_known_places() {
        // One thousandth of a degree of latitude is about 111 m.
        let d = distance_m((35.6, 110.97), (35.601, 110.97));
        assert!((d - 111.2).abs() < 0.5, "{d}");
        // Yuncheng to Taiyuan, about 345 km as the crow flies.
        let d = distance_m((35.0263, 111.0070), (37.8706, 112.5489));
        assert!((340_000.0..=360_000.0).contains(&d), "{d}");
    }

    proptest! {
        #[test]
        fn distance_is_symmetric_and_zero_only_at_the_same_point(
            a in (-80.0f64..80.0, -179.0f64..179.0),
            b in (-80.0f64..80.0, -179.0f64..179.0),
        ) {
            let (ab, ba) = (distance_m(a, b), distance_m(b, a));
            prop_assert!((ab - ba).abs() < 1e-6);
            prop_assert!(distance_m(a, a) < 1e-6);
            prop_assert!((0.0..=20_040_000.0).contains(&ab));
        }
    }
}
