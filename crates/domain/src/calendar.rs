//! Working days (R-REC-7: records are due within 10 working days after the activity ends).
//!
//! A working day is Monday to Friday, unless the deployment's table lists it as a public holiday;
//! a Saturday or Sunday the table lists as a make-up working day (调休) is one too.

use std::collections::BTreeSet;
use time::{Date, Duration, Weekday};

/// China's one time zone (UTC+8): the dates people read, and the days deadlines count.
pub const CHINA: time::UtcOffset = time::macros::offset!(+8);

/// Working days allowed to complete an activity's records (办法 Art.11).
pub const RECORD_DEADLINE_WORKING_DAYS: u32 = 10;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkCalendar {
    holidays: BTreeSet<Date>,
    workdays: BTreeSet<Date>,
}

impl WorkCalendar {
    /// A calendar from the table's days: `(day, is_holiday)`; `false` is a make-up working day.
    pub fn new(days: impl IntoIterator<Item = (Date, bool)>) -> Self {
        let mut calendar = Self::default();
        for (day, holiday) in days {
            if holiday {
                calendar.holidays.insert(day);
            } else {
                calendar.workdays.insert(day);
            }
        }
        calendar
    }

    pub fn is_working_day(&self, day: Date) -> bool {
        if self.holidays.contains(&day) {
            return false;
        }
        let weekend = matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday);
        !weekend || self.workdays.contains(&day)
    }

    /// The last day of the `n` working days that follow `day` (the day itself not counted).
    pub fn working_days_after(&self, day: Date, n: u32) -> Date {
        let mut current = day;
        let mut counted = 0;
        while counted < n {
            current += Duration::days(1);
            if self.is_working_day(current) {
                counted += 1;
            }
        }
        current
    }

    /// Whether records of an activity that ended on `ended` are overdue on `today`.
    pub fn records_overdue(&self, ended: Date, today: Date) -> bool {
        today > self.working_days_after(ended, RECORD_DEADLINE_WORKING_DAYS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    #[test]
    fn ten_working_days_skip_two_weekends() {
        let calendar = WorkCalendar::default();
        // Friday 2026-12-04 → Monday 7th is day 1 … Friday 18th is day 10.
        assert_eq!(
            calendar.working_days_after(date!(2026 - 12 - 04), 10),
            date!(2026 - 12 - 18)
        );
        assert!(!calendar.records_overdue(date!(2026 - 12 - 04), date!(2026 - 12 - 18)));
        assert!(calendar.records_overdue(date!(2026 - 12 - 04), date!(2026 - 12 - 19)));
    }

    #[test]
    fn holidays_are_skipped_and_make_up_weekend_days_count() {
        // National Day week: 1–7 October off, Saturday 10 October worked instead.
        let days = (1..=7)
            .map(|d| (Date::from_calendar_date(2026, time::Month::October, d).unwrap(), true))
            .chain([(date!(2026 - 10 - 10), false)]);
        let calendar = WorkCalendar::new(days);
        assert!(!calendar.is_working_day(date!(2026 - 10 - 05)));
        assert!(calendar.is_working_day(date!(2026 - 10 - 10)));
        // Ending on 30 September: 8, 9, 10 (Sat, worked), 12–16, 19, 20 October.
        assert_eq!(
            calendar.working_days_after(date!(2026 - 09 - 30), 10),
            date!(2026 - 10 - 20)
        );
    }

    fn any_day() -> impl Strategy<Value = Date> {
        (0i64..3650).prop_map(|offset| date!(2024 - 01 - 01) + Duration::days(offset))
    }

    proptest! {
        #[test]
        fn the_deadline_is_a_working_day_with_exactly_n_working_days_up_to_it(
            day in any_day(),
            n in 1u32..30,
            holidays in proptest::collection::vec(any_day(), 0..40),
            workdays in proptest::collection::vec(any_day(), 0..10),
        ) {
            let calendar = WorkCalendar::new(
                holidays.into_iter().map(|d| (d, true)).chain(workdays.into_iter().map(|d| (d, false))),
            );
            let deadline = calendar.working_days_after(day, n);
            prop_assert!(calendar.is_working_day(deadline));
            let counted = (1..=(deadline - day).whole_days())
                .filter(|&k| calendar.is_working_day(day + Duration::days(k)))
                .count();
            prop_assert_eq!(counted, n as usize);
        }

        #[test]
        fn without_a_table_only_weekends_are_off(day in any_day()) {
            let weekend = matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday);
            prop_assert_eq!(WorkCalendar::default().is_working_day(day), !weekend);
        }
    }
}
