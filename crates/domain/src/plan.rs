//! An activity as its organizer sets it out (§3.2): every check of the form, in one pure
//! function, so what makes an activity valid is read in one place and tested without a server.
//! Whether the project may have activities at all (published, the organizer's) is the service's.

use crate::activity::ActivityKind;
use crate::attendance::{DEFAULT_CHECKIN_OPENS_MIN, valid_position};
use crate::hours::CountingRule;
use crate::{DomainError, ErrorCode, RegionName};
use std::collections::HashSet;
use time::OffsetDateTime;

/// The form as given: times as RFC 3339 text, everything else as typed.
#[derive(Debug, Clone, Copy)]
pub struct PlanInput<'a> {
    pub now: OffsetDateTime,
    pub title: &'a str,
    pub starts_at: &'a str,
    pub ends_at: &'a str,
    /// When sign-up opens (now when absent) and closes (the start when absent).
    pub signup_opens_at: Option<&'a str>,
    pub signup_closes_at: Option<&'a str>,
    pub capacity: i64,
    pub waitlist_size: i64,
    pub min_age: i64,
    /// For the project's team only, and whether the project has a team.
    pub team_only: (bool, bool),
    pub kind: Option<&'a str>,
    /// Latitude and longitude (both or neither), and the geofence radius around them.
    pub point: (Option<f64>, Option<f64>),
    pub geofence_m: Option<i64>,
    /// Positions with their own places (name, places).
    pub positions: &'a [(&'a str, i64)],
    pub required_skills: &'a [&'a str],
    pub checkin_opens_before_min: Option<i64>,
    /// (nothing up to, half an hour up to, least presence in percent), the default when absent.
    pub counting: Option<(i64, i64, i64)>,
}

/// A checked activity, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub title: RegionName,
    pub starts_at: OffsetDateTime,
    pub ends_at: OffsetDateTime,
    pub signup_window: (OffsetDateTime, OffsetDateTime),
    pub kind: ActivityKind,
    pub point: Option<(f64, f64)>,
    pub geofence_m: Option<i64>,
    pub positions: Vec<(String, i64)>,
    /// Joined by 、 (as volunteers' skills are kept).
    pub required_skills: String,
    pub checkin_opens_min: i64,
    pub counting: CountingRule,
}

pub const MAX_MIN_AGE: i64 = 120;
pub const GEOFENCE_RANGE_M: std::ops::RangeInclusive<i64> = 10..=5000;
pub const MAX_CHECKIN_OPENS_BEFORE_MIN: i64 = 240;
const MAX_SKILLS: usize = 10;
const MAX_SKILL_CHARS: usize = 20;

/// A time as given (any offset), kept in UTC: SQLite compares stored times as text, which is
/// right only when every stored time and every bound one has the same offset.
pub fn instant(raw: &str, field: &'static str) -> Result<OffsetDateTime, DomainError> {
    OffsetDateTime::parse(raw.trim(), &time::format_description::well_known::Rfc3339)
        .map(|t| t.to_offset(time::UtcOffset::UTC))
        .map_err(|_| DomainError::on(ErrorCode::InvalidTime, field))
}

/// Checks the form in the order a person reads it: title, times, places, who may come, kind,
/// place, positions, skills, check-in, counting. The first problem is the answer.
pub fn check_plan(input: &PlanInput<'_>) -> Result<Plan, DomainError> {
    let title = RegionName::parse(input.title).map_err(|e| e.for_field("title"))?;
    let (starts_at, ends_at) = (
        instant(input.starts_at, "starts_at")?,
        instant(input.ends_at, "ends_at")?,
    );
    if ends_at <= starts_at {
        return Err(DomainError::on(ErrorCode::InvalidPeriod, "ends_at"));
    }
    let opens = input
        .signup_opens_at
        .map_or(Ok(input.now), |raw| instant(raw, "signup_opens_at"))?;
    let closes = input
        .signup_closes_at
        .map_or(Ok(starts_at), |raw| instant(raw, "signup_closes_at"))?;
    if closes < opens {
        return Err(DomainError::on(ErrorCode::InvalidPeriod, "signup_closes_at"));
    }
    if input.capacity <= 0 || input.waitlist_size < 0 {
        return Err(DomainError::on(ErrorCode::InvalidCapacity, "capacity"));
    }
    if !(0..=MAX_MIN_AGE).contains(&input.min_age) {
        return Err(DomainError::on(ErrorCode::InvalidMinAge, "min_age"));
    }
    if input.team_only == (true, false) {
        return Err(DomainError::on(ErrorCode::TeamMembersOnly, "team_only"));
    }
    let kind = match input.kind.map(str::trim) {
        None => ActivityKind::Service,
        Some(raw) => ActivityKind::parse(raw).ok_or(DomainError::on(ErrorCode::InvalidActivityKind, "kind"))?,
    };
    let (point, geofence_m) = place(input.point, input.geofence_m)?;
    let positions = positions(input)?;
    let required_skills = skills(input.required_skills)?;
    let checkin_opens_min = input.checkin_opens_before_min.unwrap_or(DEFAULT_CHECKIN_OPENS_MIN);
    if !(0..=MAX_CHECKIN_OPENS_BEFORE_MIN).contains(&checkin_opens_min) {
        return Err(DomainError::on(
            ErrorCode::InvalidCheckinOpening,
            "checkin_opens_before_min",
        ));
    }
    let counting = match input.counting {
        Some((nothing, half, presence)) => {
            CountingRule::new(nothing, half, presence).ok_or(DomainError::on(ErrorCode::InvalidMinutes, "counting"))?
        }
        None => CountingRule::default(),
    };
    Ok(Plan {
        title,
        starts_at,
        ends_at,
        signup_window: (opens, closes),
        kind,
        point,
        geofence_m,
        positions,
        required_skills,
        checkin_opens_min,
        counting,
    })
}

/// A map point (latitude, longitude), if any, and a geofence radius in metres around it.
type Place = (Option<(f64, f64)>, Option<i64>);

/// The map point and the geofence: a geofence needs a point, and a sane radius.
fn place((latitude, longitude): (Option<f64>, Option<f64>), geofence_m: Option<i64>) -> Result<Place, DomainError> {
    let point = match (latitude, longitude) {
        (Some(lat), Some(lng)) if valid_position((lat, lng)) => Some((lat, lng)),
        (None, None) => None,
        _ => return Err(DomainError::on(ErrorCode::LocationRequired, "latitude")),
    };
    match geofence_m {
        Some(radius) if point.is_none() || !GEOFENCE_RANGE_M.contains(&radius) => {
            Err(DomainError::on(ErrorCode::InvalidGeofence, "geofence_m"))
        }
        radius => Ok((point, radius)),
    }
}

/// Positions: names given and distinct, places that add up to the activity's, no waiting list.
fn positions(input: &PlanInput<'_>) -> Result<Vec<(String, i64)>, DomainError> {
    if input.positions.is_empty() {
        return Ok(Vec::new());
    }
    if input.waitlist_size != 0 {
        return Err(DomainError::on(ErrorCode::InvalidCapacity, "waitlist_size"));
    }
    let mut seen = HashSet::new();
    let mut checked = Vec::new();
    for &(name, places) in input.positions {
        let name = RegionName::parse(name).map_err(|e| e.for_field("positions"))?;
        if places <= 0 || !seen.insert(name.as_str().to_owned()) {
            return Err(DomainError::on(ErrorCode::InvalidCapacity, "positions"));
        }
        checked.push((name.as_str().to_owned(), places));
    }
    if checked.iter().map(|p| p.1).sum::<i64>() != input.capacity {
        return Err(DomainError::on(ErrorCode::InvalidCapacity, "capacity"));
    }
    Ok(checked)
}

/// The required skills, trimmed, each a short name without the separator.
fn skills(raw: &[&str]) -> Result<String, DomainError> {
    let names: Vec<&str> = raw.iter().map(|s| s.trim()).filter(|s| !s.is_empty()).collect();
    if names.len() > MAX_SKILLS
        || names
            .iter()
            .any(|n| n.contains('、') || n.chars().count() > MAX_SKILL_CHARS)
    {
        return Err(DomainError::on(ErrorCode::InvalidSpecialty, "required_skills"));
    }
    Ok(names.join("、"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::datetime;

    fn valid() -> PlanInput<'static> {
        PlanInput {
            now: datetime!(2026-12-01 00:00 UTC),
            title: "河道垃圾清理",
            starts_at: "2026-12-05T09:00:00+08:00",
            ends_at: "2026-12-05T11:00:00+08:00",
            signup_opens_at: None,
            signup_closes_at: None,
            capacity: 10,
            waitlist_size: 0,
            min_age: 0,
            team_only: (false, false),
            kind: None,
            point: (None, None),
            geofence_m: None,
            positions: &[],
            required_skills: &[],
            checkin_opens_before_min: None,
            counting: None,
        }
    }

    fn refusal(input: PlanInput<'_>) -> (ErrorCode, Option<&'static str>) {
        let error = check_plan(&input).expect_err("refused");
        (error.code, error.field)
    }

    #[test]
    fn a_plain_activity_gets_the_defaults() {
        let plan = check_plan(&valid()).unwrap();
        assert_eq!(plan.kind, ActivityKind::Service);
        assert_eq!(plan.signup_window, (valid().now, datetime!(2026-12-05 01:00 UTC)));
        assert_eq!(plan.checkin_opens_min, DEFAULT_CHECKIN_OPENS_MIN);
        assert_eq!(plan.counting, CountingRule::default());
    }

    #[test]
    fn each_field_is_refused_with_its_own_code() {
        let cases: [(PlanInput<'static>, ErrorCode, &str); 9] = [
            (
                PlanInput {
                    starts_at: "next Tuesday",
                    ..valid()
                },
                ErrorCode::InvalidTime,
                "starts_at",
            ),
            (
                PlanInput {
                    ends_at: "2026-12-05T08:00:00+08:00",
                    ..valid()
                },
                ErrorCode::InvalidPeriod,
                "ends_at",
            ),
            (
                PlanInput {
                    signup_closes_at: Some("2026-13-01T00:00:00Z"),
                    ..valid()
                },
                ErrorCode::InvalidTime,
                "signup_closes_at",
            ),
            (
                PlanInput {
                    min_age: 121,
                    ..valid()
                },
                ErrorCode::InvalidMinAge,
                "min_age",
            ),
            (
                PlanInput {
                    kind: Some("party"),
                    ..valid()
                },
                ErrorCode::InvalidActivityKind,
                "kind",
            ),
            (
                PlanInput {
                    geofence_m: Some(200),
                    ..valid()
                },
                ErrorCode::InvalidGeofence,
                "geofence_m",
            ),
            (
                PlanInput {
                    point: (Some(35.0), None),
                    ..valid()
                },
                ErrorCode::LocationRequired,
                "latitude",
            ),
            (
                PlanInput {
                    checkin_opens_before_min: Some(241),
                    ..valid()
                },
                ErrorCode::InvalidCheckinOpening,
                "checkin_opens_before_min",
            ),
            (
                PlanInput {
                    team_only: (true, false),
                    ..valid()
                },
                ErrorCode::TeamMembersOnly,
                "team_only",
            ),
        ];
        for (input, code, field) in cases {
            assert_eq!(refusal(input), (code, Some(field)));
        }
    }

    #[test]
    fn positions_add_up_to_the_places_and_have_distinct_names() {
        let good = PlanInput {
            positions: &[("引导", 4), ("保洁", 6)],
            ..valid()
        };
        assert_eq!(check_plan(&good).unwrap().positions.len(), 2);
        let short = PlanInput {
            positions: &[("引导", 4)],
            ..valid()
        };
        assert_eq!(refusal(short), (ErrorCode::InvalidCapacity, Some("capacity")));
        let twice = PlanInput {
            positions: &[("引导", 5), ("引导", 5)],
            ..valid()
        };
        assert_eq!(refusal(twice), (ErrorCode::InvalidCapacity, Some("positions")));
        let waiting = PlanInput {
            positions: &[("引导", 10)],
            waitlist_size: 2,
            ..valid()
        };
        assert_eq!(refusal(waiting), (ErrorCode::InvalidCapacity, Some("waitlist_size")));
    }

    proptest! {
        #[test]
        fn a_geofence_is_kept_only_with_a_point_and_a_sane_radius(radius in -100i64..10_000, with_point: bool) {
            let point = if with_point { (Some(35.6), Some(111.3)) } else { (None, None) };
            let input = PlanInput { point, geofence_m: Some(radius), ..valid() };
            let kept = check_plan(&input).map(|plan| plan.geofence_m);
            prop_assert_eq!(kept.is_ok(), with_point && GEOFENCE_RANGE_M.contains(&radius));
        }

        #[test]
        fn skills_are_trimmed_and_joined(skills in proptest::collection::vec("[a-z急救驾驶]{1,8}", 0..10)) {
            let raw: Vec<&str> = skills.iter().map(String::as_str).collect();
            let plan = check_plan(&PlanInput { required_skills: &raw, ..valid() }).unwrap();
            prop_assert_eq!(plan.required_skills, skills.join("、"));
        }
    }
}
