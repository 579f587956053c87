//! The day (decisions.md D4): every "day", "month" and "year", daily cap and working day is a
//! day in Asia/Shanghai (UTC+8 all year, no daylight saving), whatever the server's zone; and
//! working days (R-REC-7: records are due within 10 working days after the activity ends).
//!
//! A working day is Monday to Friday, unless the deployment's table lists it as a public holiday;
//! a Saturday or Sunday the table lists as a make-up working day (调休) is one too. Deadlines
//! counted in working hours use the county's office hours (08:30–17:30 unless it set others).

use crate::{DomainError, ErrorCode};
use std::collections::BTreeSet;
use time::{Date, Duration, Month, OffsetDateTime, Time, UtcOffset, Weekday};

/// China's one time zone (UTC+8): the dates people read, and the days deadlines count.
pub const CHINA: UtcOffset = time::macros::offset!(+8);

/// The day in China at an instant.
pub fn china_day(at: OffsetDateTime) -> Date {
    at.to_offset(CHINA).date()
}

/// The instant a day in China begins, in UTC (stored times are UTC, and SQLite compares them
/// as text, so a bound time must be UTC too).
pub fn day_start(day: Date) -> OffsetDateTime {
    day.with_time(Time::MIDNIGHT)
        .assume_offset(CHINA)
        .to_offset(UtcOffset::UTC)
}

/// A day in China as `[start, end)` in UTC.
pub fn day_span(day: Date) -> (OffsetDateTime, OffsetDateTime) {
    let start = day_start(day);
    (start, start + Duration::days(1))
}

/// A month in China as `[start, end)` in UTC; `None` for a year `time` cannot hold.
pub fn month_span(year: i32, month: Month) -> Option<(OffsetDateTime, OffsetDateTime)> {
    let first = Date::from_calendar_date(year, month, 1).ok()?;
    let next = match month {
        Month::December => Date::from_calendar_date(year + 1, Month::January, 1).ok()?,
        _ => Date::from_calendar_date(year, month.next(), 1).ok()?,
    };
    Some((day_start(first), day_start(next)))
}

/// A year in China as `[start, end)` in UTC.
pub fn year_span(year: i32) -> Option<(OffsetDateTime, OffsetDateTime)> {
    let (start, _) = month_span(year, Month::January)?;
    let (_, end) = month_span(year, Month::December)?;
    Some((start, end))
}

/// A time of day as people type it: `8:30`, `08:30` or `8：30` (a full-width colon).
fn clock_time(raw: &str) -> Option<Time> {
    let (hour, minute) = raw.trim().split_once([':', '：'])?;
    let digits = |part: &str, widths: std::ops::RangeInclusive<usize>| {
        widths.contains(&part.len()) && part.bytes().all(|b| b.is_ascii_digit())
    };
    if !digits(hour, 1..=2) || !digits(minute, 2..=2) {
        return None;
    }
    Time::from_hms(hour.parse().ok()?, minute.parse().ok()?, 0).ok()
}

/// The longest deadline counted in office hours (about a year of them).
pub const MAX_DEADLINE_HOURS: u32 = 2_500;

/// When a county's offices are open on a working day, in China's time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OfficeHours {
    // Private, so that every value went through `parse` (or is the default): closes at least an
    // hour after opening, which `after` relies on to move forward.
    opens: Time,
    closes: Time,
}

impl Default for OfficeHours {
    fn default() -> Self {
        Self {
            opens: time::macros::time!(08:30),
            closes: time::macros::time!(17:30),
        }
    }
}

impl OfficeHours {
    /// Office hours as `HH:MM` texts: opening before closing, at least an hour apart.
    pub fn parse(opens: &str, closes: &str) -> Result<Self, DomainError> {
        let read = |raw: &str, field| clock_time(raw).ok_or(DomainError::on(ErrorCode::InvalidTime, field));
        let (opens, closes) = (read(opens, "opens")?, read(closes, "closes")?);
        if closes - opens < Duration::HOUR {
            return Err(DomainError::on(ErrorCode::InvalidPeriod, "closes"));
        }
        Ok(Self { opens, closes })
    }

    pub const fn opens(&self) -> Time {
        self.opens
    }

    pub const fn closes(&self) -> Time {
        self.closes
    }

    /// `HH:MM` of a time, as stored and shown.
    pub fn text(time: Time) -> String {
        format!("{:02}:{:02}", time.hour(), time.minute())
    }

    /// Whether the offices are open at an instant, on this calendar's working days.
    pub fn is_open(&self, calendar: &WorkCalendar, at: OffsetDateTime) -> bool {
        let local = at.to_offset(CHINA);
        calendar.is_working_day(local.date()) && (self.opens..self.closes).contains(&local.time())
    }

    /// The instant `hours` office hours after `from` (a review deadline): counting only the time
    /// the offices are open on working days.
    pub fn after(&self, calendar: &WorkCalendar, from: OffsetDateTime, hours: u32) -> OffsetDateTime {
        // No deadline is years of office hours away; the cap keeps the walk short.
        let mut left = Duration::hours(i64::from(hours.min(MAX_DEADLINE_HOURS)));
        let mut day = china_day(from);
        let mut time = from.to_offset(CHINA).time().max(self.opens);
        loop {
            if calendar.is_working_day(day) && time < self.closes {
                let open = self.closes - time;
                if left <= open {
                    return (day.with_time(time) + left)
                        .assume_offset(CHINA)
                        .to_offset(UtcOffset::UTC);
                }
                left -= open;
            }
            day += Duration::days(1);
            time = self.opens;
        }
    }
}

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
    use time::macros::{date, datetime};

    #[test]
    fn a_chinese_day_starts_at_sixteen_hundred_utc_the_day_before() {
        assert_eq!(china_day(datetime!(2026-12-31 16:00 UTC)), date!(2027 - 01 - 01));
        assert_eq!(china_day(datetime!(2026-12-31 15:59 UTC)), date!(2026 - 12 - 31));
        assert_eq!(
            day_span(date!(2027 - 01 - 01)),
            (datetime!(2026-12-31 16:00 UTC), datetime!(2027-01-01 16:00 UTC))
        );
        assert_eq!(
            month_span(2026, Month::December),
            Some((datetime!(2026-11-30 16:00 UTC), datetime!(2026-12-31 16:00 UTC)))
        );
        assert_eq!(
            year_span(2027),
            Some((datetime!(2026-12-31 16:00 UTC), datetime!(2027-12-31 16:00 UTC)))
        );
    }

    #[test]
    fn office_hours_count_only_open_time_on_working_days() {
        let hours = OfficeHours::default();
        let calendar = WorkCalendar::new([(date!(2026 - 12 - 07), true)]);
        // Friday 16:30 in China: one hour left that day; Monday the 7th is a holiday; Tuesday 08:30 + 2 h.
        let friday = datetime!(2026-12-04 16:30 +8);
        assert_eq!(hours.after(&calendar, friday, 3), datetime!(2026-12-08 10:30 +8));
        assert!(hours.is_open(&calendar, friday));
        assert!(!hours.is_open(&calendar, datetime!(2026-12-05 10:00 +8)), "a Saturday");
        assert!(
            !hours.is_open(&calendar, datetime!(2026-12-04 17:30 +8)),
            "closing time is closed"
        );
        assert_eq!(
            OfficeHours::parse("09:00", "09:30").unwrap_err().code,
            ErrorCode::InvalidPeriod
        );
        assert_eq!(
            OfficeHours::parse("9点", "17:00").unwrap_err().code,
            ErrorCode::InvalidTime
        );
        assert_eq!(OfficeHours::text(hours.opens), "08:30");
        assert_eq!(
            OfficeHours::parse("8：00", "17:30").unwrap().opens,
            time::macros::time!(08:00)
        );
        for bad in ["24:00", "8:5", "08:60", "+8:00", ""] {
            assert!(OfficeHours::parse(bad, "17:30").is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn a_deadline_falls_in_office_hours_and_no_earlier_than_the_hours_asked(
            minutes in 0i64..60 * 24 * 30, hours in 1u32..80,
        ) {
            let office = OfficeHours::default();
            let calendar = WorkCalendar::default();
            let from = datetime!(2026-12-01 00:00 UTC) + Duration::minutes(minutes);
            let due = office.after(&calendar, from, hours);
            prop_assert!(due >= from + Duration::hours(i64::from(hours)));
            let local = due.to_offset(CHINA);
            prop_assert!(calendar.is_working_day(local.date()));
            prop_assert!(local.time() > office.opens && local.time() <= office.closes);
        }
    }

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
