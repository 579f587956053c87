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

/// How far from an activity's point, when it has no geofence of its own, a check-in still counts
/// as at the activity (a village square, a large park): beyond it the record is flagged.
pub const NEARBY_M: i64 = 500;

/// Where a check-in was made, as far as it is kept: the distance to the activity's point and
/// whether that is at the activity; nothing when the activity has no point or the phone gave
/// no position (a check-in without a location, flagged where the activity has a point).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Whereabouts {
    Unknown,
    At { distance_m: i64, inside: bool },
}

/// Judges a check-in's position against the activity's point and radius (its geofence, or
/// `NEARBY_M`): `Err(OutsideGeofence)` only for a geofenced activity, which refuses such
/// check-ins; others are kept and flagged.
pub fn whereabouts(
    point: Option<(f64, f64)>,
    geofence_m: Option<i64>,
    position: Option<(f64, f64)>,
) -> Result<Whereabouts, crate::DomainError> {
    let (Some(point), Some(here)) = (point, position) else {
        return Ok(Whereabouts::Unknown);
    };
    let distance_m = distance_m(here, point).round() as i64;
    let inside = distance_m <= geofence_m.unwrap_or(NEARBY_M);
    if geofence_m.is_some() && !inside {
        return Err(crate::DomainError::new(crate::ErrorCode::OutsideGeofence));
    }
    Ok(Whereabouts::At { distance_m, inside })
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

    #[test]
    fn a_check_in_is_judged_against_the_point_and_refused_only_by_a_geofence() {
        let square = (35.6, 110.97);
        let next_street = (35.601, 110.97); // about 111 m
        let across_town = (35.62, 110.97); // about 2.2 km
        assert_eq!(whereabouts(None, None, Some(square)), Ok(Whereabouts::Unknown));
        assert_eq!(whereabouts(Some(square), None, None), Ok(Whereabouts::Unknown));
        assert!(matches!(
            whereabouts(Some(square), None, Some(next_street)),
            Ok(Whereabouts::At { inside: true, .. })
        ));
        assert!(matches!(
            whereabouts(Some(square), None, Some(across_town)),
            Ok(Whereabouts::At { inside: false, distance_m }) if distance_m > 2000
        ));
        assert_eq!(
            whereabouts(Some(square), Some(100), Some(across_town))
                .unwrap_err()
                .code,
            crate::ErrorCode::OutsideGeofence
        );
    }
}
