//! Login throttling (ASVS 2.2.1). Every attempt reserves one slot in a fixed window that opens at
//! the first attempt (the store counts it in one statement); a success gives the slot back. So
//! only failures use the budget up, and at most `limit` attempts are ever checked in one window,
//! even when they arrive all at once: the slot is taken before the password is checked, not after.

pub const ACCOUNT_LIMIT: i64 = 10;
pub const DEFAULT_IP_LIMIT: i64 = 50;
pub const WINDOW_SECONDS: i64 = 15 * 60;

/// Whether the attempt that brought the counter to `attempts` may be checked.
pub fn may_check(attempts: i64, limit: i64) -> bool {
    attempts <= limit
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attempts_up_to_the_limit_are_checked_and_no_more() {
        let checked = (1..=200).filter(|&n| may_check(n, ACCOUNT_LIMIT)).count();
        assert_eq!(checked as i64, ACCOUNT_LIMIT);
    }
}
