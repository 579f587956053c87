//! Password rules (ASVS 2.1.1, 2.1.7): at least 12 characters, at most 128, and not a common one.

use crate::{DomainError, ErrorCode};

const COMMON: &str = include_str!("common_passwords.txt");

/// A password that passed the rules. It never prints itself.
pub struct Password(String);

impl Password {
    pub const MIN_CHARS: usize = 12;
    pub const MAX_CHARS: usize = 128;

    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let length = raw.chars().count();
        if length == 0 {
            return Err(DomainError::on(ErrorCode::PasswordRequired, "password"));
        }
        if length < Self::MIN_CHARS {
            return Err(DomainError::on(ErrorCode::PasswordTooShort, "password"));
        }
        if length > Self::MAX_CHARS {
            return Err(DomainError::on(ErrorCode::PasswordTooLong, "password"));
        }
        if is_common(raw) {
            return Err(DomainError::on(ErrorCode::PasswordTooCommon, "password"));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

/// Listed passwords, and passwords built of very few distinct characters (`aaaaaaaaaaaa`,
/// `121212121212`) or a run of consecutive characters (`123456789012` is in the list).
fn is_common(raw: &str) -> bool {
    let lower = raw.to_lowercase();
    if COMMON.lines().any(|line| line == lower) {
        return true;
    }
    let mut distinct: Vec<char> = lower.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() < 4 {
        return true;
    }
    let chars: Vec<u32> = lower.chars().map(u32::from).collect();
    chars.windows(2).all(|w| w[1] == w[0] + 1) || chars.windows(2).all(|w| w[0] == w[1] + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_passwords_are_refused() {
        assert_eq!(
            Password::parse("Short1!pass").unwrap_err().code,
            ErrorCode::PasswordTooShort
        );
        assert_eq!(Password::parse("").unwrap_err().code, ErrorCode::PasswordRequired);
    }

    #[test]
    fn common_and_trivial_passwords_are_refused() {
        for raw in [
            "Password1234",
            "123456789012",
            "aaaaaaaaaaaa",
            "121212121212",
            "abcdefghijklmn",
            "woaini1314520",
        ] {
            assert_eq!(
                Password::parse(raw).unwrap_err().code,
                ErrorCode::PasswordTooCommon,
                "{raw}"
            );
        }
    }

    #[test]
    fn a_long_unusual_password_is_accepted_and_never_printed() {
        let password = Password::parse("稷山红马甲-river-2026").unwrap();
        assert_eq!(password.expose(), "稷山红马甲-river-2026");
        assert_eq!(format!("{password:?}"), "Password(***)");
    }

    #[test]
    fn every_listed_password_is_refused() {
        for line in COMMON.lines() {
            assert!(Password::parse(line).is_err(), "{line}");
        }
    }
}
