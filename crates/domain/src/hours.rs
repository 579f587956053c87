//! Counting service time (R-TIME) and star levels (R-STAR), pure and configurable.
//!
//! Minutes are stored; hours are derived by a rounding rule per activity. The default rule is the
//! half-hour one (R-TIME-2): the remainder below an hour counts 0 up to 15 minutes, half an hour up
//! to 45, a whole hour above; but rounding never credits more than the minutes present (Trust 1:
//! more than that is an adjustment, with a reason). Presence shorter than a share of the activity
//! (R-TIME-3, 60 % by default) earns nothing; presence is clipped to the activity, so travel and
//! waiting before the start count nothing (R-TIME-5) and no record exceeds the activity (R-TIME-4).

use time::OffsetDateTime;

/// How minutes of presence become service time: the rounding, and the share of the activity one
/// must have been present for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CountingRule {
    /// Minutes of a remainder up to which it counts nothing.
    pub nothing_up_to: i64,
    /// Minutes of a remainder up to which it counts half an hour; above, a whole hour.
    pub half_up_to: i64,
    /// The least share of the activity's duration, in percent, that earns time at all.
    pub min_presence_percent: i64,
}

impl Default for CountingRule {
    fn default() -> Self {
        Self {
            nothing_up_to: 15,
            half_up_to: 45,
            min_presence_percent: 60,
        }
    }
}

/// Minutes present within the activity: check-in and check-out clipped to its start and end.
pub fn minutes_present(
    checked_in: OffsetDateTime,
    checked_out: OffsetDateTime,
    starts: OffsetDateTime,
    ends: OffsetDateTime,
) -> i64 {
    let from = checked_in.max(starts);
    let to = checked_out.min(ends);
    if to <= from { 0 } else { (to - from).whole_minutes() }
}

impl CountingRule {
    /// A rule as a deployment or an activity sets it: the remainders within an hour, in order,
    /// and a share of presence in percent.
    pub fn new(nothing_up_to: i64, half_up_to: i64, min_presence_percent: i64) -> Option<Self> {
        let ordered = 0 <= nothing_up_to && nothing_up_to <= half_up_to && half_up_to <= 59;
        (ordered && (0..=100).contains(&min_presence_percent)).then_some(Self {
            nothing_up_to,
            half_up_to,
            min_presence_percent,
        })
    }

    /// The service time earned, in minutes, for `present` minutes of an activity lasting
    /// `duration` minutes: the rule's half hours, never more than the minutes present.
    pub fn credited_minutes(&self, present: i64, duration: i64) -> i64 {
        let present = present.clamp(0, duration.max(0));
        if duration <= 0 || present * 100 < duration * self.min_presence_percent {
            return 0;
        }
        let (hours, remainder) = (present / 60, present % 60);
        let extra = if remainder <= self.nothing_up_to {
            0
        } else if remainder <= self.half_up_to {
            30
        } else {
            60
        };
        (hours * 60 + extra).min(present)
    }
}

/// How far an organizer may credit more than the minutes present (an adjustment, with a reason)
/// before it goes to the level above: the smaller of some minutes and a share of the presence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AdjustmentLimit {
    pub minutes: i64,
    pub percent: i64,
}

impl Default for AdjustmentLimit {
    fn default() -> Self {
        Self {
            minutes: 30,
            percent: 25,
        }
    }
}

impl AdjustmentLimit {
    /// The most minutes a limit may allow, and the range of its percentage.
    pub const MAX_MINUTES: i64 = 240;

    /// A limit a county may be given: 0–240 minutes, 0–100 %.
    pub fn new(minutes: i64, percent: i64) -> Result<Self, crate::DomainError> {
        if !(0..=Self::MAX_MINUTES).contains(&minutes) {
            return Err(crate::DomainError::on(crate::ErrorCode::InvalidMinutes, "minutes"));
        }
        if !(0..=100).contains(&percent) {
            return Err(crate::DomainError::on(crate::ErrorCode::InvalidMinutes, "percent"));
        }
        Ok(Self { minutes, percent })
    }

    /// Whether crediting `credited` minutes for `present` needs the level above.
    pub fn needs_level_above(&self, present: i64, credited: i64) -> bool {
        let allowed = self.minutes.min(present.max(0) * self.percent / 100);
        credited - present > allowed
    }
}

/// Hours with one decimal, as certificates and figures print them.
pub fn hours_text(minutes: i64) -> String {
    format!("{}.{}", minutes / 60, (minutes % 60) * 10 / 60)
}

/// Star level (0–5) from confirmed hours, with thresholds in hours (default 100/300/600/1000/1500).
pub fn star_level(confirmed_minutes: i64, thresholds_hours: &[i64; 5]) -> u8 {
    thresholds_hours
        .iter()
        .take_while(|&&hours| confirmed_minutes >= hours * 60)
        .count() as u8
}

pub const DEFAULT_STAR_THRESHOLDS: [i64; 5] = [100, 300, 600, 1000, 1500];

/// Thresholds as a deployment writes them (`100,300,600,1000,1500`): five hours, each above the one
/// before.
pub fn parse_star_thresholds(raw: &str) -> Option<[i64; 5]> {
    let hours: Vec<i64> = raw.split(',').map(|h| h.trim().parse().ok()).collect::<Option<_>>()?;
    let hours: [i64; 5] = hours.try_into().ok()?;
    (hours[0] > 0 && hours.windows(2).all(|w| w[0] < w[1])).then_some(hours)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::datetime;

    #[test]
    fn the_half_hour_rule_of_r_time_2() {
        let rule = CountingRule::default();
        let credited = |present| rule.credited_minutes(present, present);
        assert_eq!(credited(14), 0);
        assert_eq!(credited(15), 0);
        assert_eq!(credited(40), 30);
        assert_eq!(credited(45), 30);
        assert_eq!(credited(60), 60);
        assert_eq!(credited(135), 120);
        assert_eq!(credited(165), 150);
        // Rounding up stops at what was present.
        assert_eq!(credited(16), 16);
        assert_eq!(credited(46), 46);
        assert_eq!(credited(136), 136);
    }

    #[test]
    fn a_large_adjustment_goes_to_the_level_above() {
        let limit = AdjustmentLimit::default();
        assert!(!limit.needs_level_above(140, 170), "30 minutes over 140");
        assert!(limit.needs_level_above(140, 171));
        assert!(!limit.needs_level_above(60, 75), "a quarter of an hour over one");
        assert!(limit.needs_level_above(60, 76));
        assert!(limit.needs_level_above(0, 1), "nothing over no presence at all");
        assert!(!limit.needs_level_above(140, 120), "crediting less is no adjustment");
    }

    #[test]
    fn a_county_limit_is_up_to_four_hours_and_a_percentage() {
        assert_eq!(AdjustmentLimit::new(10, 10).unwrap().minutes, 10);
        assert_eq!(AdjustmentLimit::new(241, 10).unwrap_err().field, Some("minutes"));
        assert_eq!(AdjustmentLimit::new(-1, 10).unwrap_err().field, Some("minutes"));
        assert_eq!(AdjustmentLimit::new(30, 101).unwrap_err().field, Some("percent"));
    }

    #[test]
    fn a_lax_rule_credits_no_more_than_was_present() {
        // Under 0/0/0, 3 minutes of a 20-minute activity made an hour.
        let lax = CountingRule::new(0, 0, 0).unwrap();
        assert_eq!(lax.credited_minutes(3, 20), 3);
        assert_eq!(lax.credited_minutes(300, 20), 20);
    }

    #[test]
    fn star_thresholds_are_five_rising_hours() {
        assert_eq!(
            parse_star_thresholds("100,300,600,1000,1500"),
            Some(DEFAULT_STAR_THRESHOLDS)
        );
        assert_eq!(
            parse_star_thresholds(" 50, 100 ,200,400,800"),
            Some([50, 100, 200, 400, 800])
        );
        assert_eq!(parse_star_thresholds("100,300,600,1000"), None);
        assert_eq!(parse_star_thresholds("100,300,300,1000,1500"), None);
        assert_eq!(parse_star_thresholds("0,300,600,1000,1500"), None);
        assert_eq!(parse_star_thresholds("a,b,c,d,e"), None);
    }

    #[test]
    fn rules_out_of_order_are_refused() {
        assert_eq!(CountingRule::new(15, 45, 60), Some(CountingRule::default()));
        assert!(CountingRule::new(30, 20, 60).is_none());
        assert!(CountingRule::new(0, 60, 60).is_none());
        assert!(CountingRule::new(0, 0, 101).is_none());
        // Exact half hours: anything up to 29 minutes counts nothing, 30 and more a half hour.
        let strict = CountingRule::new(29, 59, 0).unwrap();
        assert_eq!(strict.credited_minutes(89, 120), 60);
        assert_eq!(strict.credited_minutes(90, 120), 90);
    }

    #[test]
    fn presence_below_sixty_percent_earns_nothing() {
        let rule = CountingRule::default();
        assert_eq!(rule.credited_minutes(107, 180), 0);
        assert_eq!(rule.credited_minutes(108, 180), 108);
    }

    #[test]
    fn time_before_the_start_and_after_the_end_does_not_count() {
        let starts = datetime!(2026-12-06 08:00 +8);
        let ends = datetime!(2026-12-06 11:00 +8);
        assert_eq!(
            minutes_present(
                datetime!(2026-12-06 07:10 +8),
                datetime!(2026-12-06 12:30 +8),
                starts,
                ends
            ),
            180
        );
        assert_eq!(
            minutes_present(
                datetime!(2026-12-06 09:00 +8),
                datetime!(2026-12-06 10:30 +8),
                starts,
                ends
            ),
            90
        );
        assert_eq!(
            minutes_present(
                datetime!(2026-12-06 12:00 +8),
                datetime!(2026-12-06 13:00 +8),
                starts,
                ends
            ),
            0
        );
    }

    #[test]
    fn stars_follow_the_default_thresholds() {
        let star = |hours: i64| star_level(hours * 60, &DEFAULT_STAR_THRESHOLDS);
        assert_eq!(
            [
                star(99),
                star(100),
                star(299),
                star(300),
                star(600),
                star(1000),
                star(1499),
                star(1500),
                star(9000)
            ],
            [0, 1, 1, 2, 3, 4, 4, 5, 5]
        );
        assert_eq!(hours_text(90), "1.5");
        assert_eq!(hours_text(20), "0.3");
    }

    proptest! {
        #[test]
        fn no_rule_credits_more_than_the_presence_or_the_activity(
            (nothing, half) in (0i64..60).prop_flat_map(|n| (Just(n), n..60)),
            percent in 0i64..=100,
            present in -10i64..2000,
            duration in 1i64..2000,
        ) {
            let rule = CountingRule::new(nothing, half, percent).unwrap();
            let credited = rule.credited_minutes(present, duration);
            prop_assert!(credited >= 0);
            prop_assert!(credited <= present.max(0) && credited <= duration, "{} for {} of {}", credited, present, duration);
        }

        #[test]
        fn more_presence_never_earns_less(
            (nothing, half) in (0i64..60).prop_flat_map(|n| (Just(n), n..60)),
            a in 0i64..1000,
            b in 0i64..1000,
            duration in 1i64..1000,
        ) {
            let rule = CountingRule::new(nothing, half, 60).unwrap();
            let (low, high) = (a.min(b), a.max(b));
            prop_assert!(rule.credited_minutes(low, duration) <= rule.credited_minutes(high, duration));
        }

        #[test]
        fn more_hours_never_lower_the_star_level(a in 0i64..200_000, b in 0i64..200_000) {
            let (low, high) = (a.min(b), a.max(b));
            prop_assert!(star_level(low, &DEFAULT_STAR_THRESHOLDS) <= star_level(high, &DEFAULT_STAR_THRESHOLDS));
        }
    }
}
