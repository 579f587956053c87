//! Mainland mobile numbers: `1[3-9]` followed by nine digits.

use crate::{DomainError, ErrorCode};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Phone(String);

impl Phone {
    /// Accepts stray spaces and dashes and a `+86` prefix, as people type them.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let digits: String = raw.chars().filter(|c| !matches!(c, ' ' | '-' | '\u{3000}')).collect();
        let digits = digits.strip_prefix("+86").unwrap_or(&digits);
        let bytes = digits.as_bytes();
        let valid = bytes.len() == 11
            && bytes[0] == b'1'
            && (b'3'..=b'9').contains(&bytes[1])
            && bytes.iter().all(u8::is_ascii_digit);
        if valid {
            Ok(Self(digits.to_owned()))
        } else {
            Err(DomainError::on(ErrorCode::InvalidPhone, "phone"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `138****1234`: what every list, log and message shows.
    pub fn masked(&self) -> String {
        format!("{}****{}", &self.0[..3], &self.0[7..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_common_ways_of_writing_a_number() {
        for raw in ["13812341234", "138 1234 1234", "+8613812341234", "138-1234-1234"] {
            assert_eq!(Phone::parse(raw).unwrap().as_str(), "13812341234");
        }
    }

    #[test]
    fn refuses_numbers_outside_the_mainland_mobile_plan() {
        for raw in [
            "12812341234",
            "1381234123",
            "138123412345",
            "23812341234",
            "1381234123a",
            "",
        ] {
            assert_eq!(Phone::parse(raw).unwrap_err().code, ErrorCode::InvalidPhone, "{raw}");
        }
    }

    #[test]
    fn masks_the_middle_four_digits() {
        assert_eq!(Phone::parse("13812341234").unwrap().masked(), "138****1234");
    }

    proptest! {
        #[test]
        fn every_valid_number_round_trips(second in 3u8..=9, rest in "[0-9]{9}") {
            let raw = format!("1{second}{rest}");
            let phone = Phone::parse(&raw).unwrap();
            prop_assert_eq!(phone.as_str(), raw.as_str());
        }

        #[test]
        fn nothing_but_eleven_digits_is_accepted(raw in "\\PC{0,20}") {
            if let Ok(phone) = Phone::parse(&raw) {
                let s = phone.as_str();
                prop_assert_eq!(s.len(), 11);
                prop_assert!(s.bytes().all(|b| b.is_ascii_digit()));
            }
        }
    }
}
