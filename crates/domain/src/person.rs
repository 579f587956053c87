//! A person as a registration records them (R-REC-3): name, age rules, the public volunteer code.

use crate::{DomainError, ErrorCode};
use time::Date;

/// A real name: Chinese names with rare characters (堃 玥 珺) and names with a middle dot
/// (买买提·艾力) as well as Latin names with spaces. Dots of other widths become `·`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName(String);

impl PersonName {
    pub const MAX_CHARS: usize = 40;

    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let invalid = || DomainError::on(ErrorCode::InvalidName, "name");
        let normalized: String = raw
            .trim()
            .chars()
            .map(|c| {
                if matches!(c, '•' | '・' | '．' | '﹒' | '‧' | '∙') {
                    '·'
                } else {
                    c
                }
            })
            .collect();
        let length = normalized.chars().count();
        if !(1..=Self::MAX_CHARS).contains(&length) {
            return Err(invalid());
        }
        let allowed = |c: char| c.is_alphabetic() || c == '·' || c == ' ';
        let ends_with_dot = normalized.starts_with('·') || normalized.ends_with('·');
        if !normalized.chars().all(allowed) || ends_with_dot || normalized.contains("··") {
            return Err(invalid());
        }
        Ok(Self(normalized))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What a birth date means for a registration (R-AGE, PIPL Art. 31).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgeGroup {
    /// Under 14: a guardian's consent, and the data is marked as a child's.
    Child,
    /// 14 to 17: a guardian's consent.
    Minor,
    Adult,
}

impl AgeGroup {
    pub const MAX_AGE: i32 = 120;

    pub fn of(birth: Date, today: Date) -> Result<Self, DomainError> {
        let invalid = DomainError::on(ErrorCode::InvalidBirthDate, "birth_date");
        if birth > today {
            return Err(invalid);
        }
        let age = age_on(birth, today);
        Ok(match age {
            a if a > Self::MAX_AGE => return Err(invalid),
            a if a < 14 => Self::Child,
            a if a < 18 => Self::Minor,
            _ => Self::Adult,
        })
    }

    pub const fn needs_guardian(self) -> bool {
        matches!(self, Self::Child | Self::Minor)
    }
}

/// Completed years on `today`.
/// A name as public pages show it (the verify page): the first character, the rest starred.
pub fn mask_name(name: &str) -> String {
    name.chars()
        .enumerate()
        .map(|(i, c)| if i == 0 || c == '·' { c } else { '*' })
        .collect()
}

pub fn age_on(birth: Date, today: Date) -> i32 {
    let had_birthday = (today.month() as u8, today.day()) >= (birth.month() as u8, birth.day());
    today.year() - birth.year() - i32::from(!had_birthday)
}

/// The public volunteer code: 11 random digits and a MOD 11-2 check character, never derived
/// from the ID number (the national standard made the code so the ID number stays private).
pub fn volunteer_code(random: u64) -> String {
    let digits = format!("{:011}", random % 100_000_000_000);
    format!("{digits}{}", mod11_2(digits.as_bytes()))
}

/// Whether a typed code has the right shape and check character.
pub fn is_volunteer_code(code: &str) -> bool {
    let bytes = code.as_bytes();
    bytes.len() == 12 && bytes[..11].iter().all(u8::is_ascii_digit) && char::from(bytes[11]) == mod11_2(&bytes[..11])
}

/// ISO 7064 MOD 11-2 over any number of digits (the resident ID's check, generalised).
fn mod11_2(digits: &[u8]) -> char {
    let sum = digits.iter().fold(0u32, |acc, d| (acc + u32::from(d - b'0')) * 2 % 11);
    let check = (12 - sum % 11) % 11;
    if check == 10 {
        'X'
    } else {
        char::from(b'0' + check as u8)
    }
}

/// Who is behind an account, as far as the platform knows it: the keyed hash of the person's ID
/// number (decisions.md D2), from the account's own tie or its volunteer registration.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PersonKey(pub String);

/// One side of a two-person rule: the account that acted, and its person when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Party {
    pub account: crate::AccountId,
    pub person: Option<PersonKey>,
}

/// The one test of every two-person rule (second approver, reviewer of a flag, approver of a
/// request): the same account, or two accounts of the same person, are one person. Two accounts
/// of which either has no known person are told apart by their accounts alone (staff accounts
/// always have a person: their roles take effect only then).
pub fn distinct_persons(a: &Party, b: &Party) -> bool {
    if a.account == b.account {
        return false;
    }
    match (&a.person, &b.person) {
        (Some(x), Some(y)) => x != y,
        _ => true,
    }
}

/// The person a decision is about: a volunteer's registration, with its account if it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    pub account: Option<crate::AccountId>,
    pub person: PersonKey,
}

/// Whether the actor would decide on their own record, request or sign-up: the volunteer it is
/// about is registered on the actor's account, or is the actor's person (decisions.md D2).
pub fn is_own(actor: &Party, subject: &Subject) -> bool {
    subject.account == Some(actor.account) || actor.person.as_ref() == Some(&subject.person)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    #[test]
    fn a_decision_about_ones_own_registration_or_person_is_ones_own() {
        let (mine, other) = (crate::AccountId(1), crate::AccountId(2));
        let me = Party {
            account: mine,
            person: Some(PersonKey("me".into())),
        };
        let subject = |account, person: &str| Subject {
            account,
            person: PersonKey(person.into()),
        };
        assert!(is_own(&me, &subject(Some(mine), "someone")), "registered on my account");
        assert!(is_own(&me, &subject(None, "me")), "an import of me, with no account");
        assert!(is_own(&me, &subject(Some(other), "me")), "my second account");
        assert!(!is_own(&me, &subject(Some(other), "you")));
        let unknown = Party {
            account: mine,
            person: None,
        };
        assert!(
            !is_own(&unknown, &subject(None, "me")),
            "an actor with no person is told by account"
        );
    }

    #[test]
    fn masked_names_keep_the_first_character_only() {
        assert_eq!(mask_name("王玥"), "王*");
        assert_eq!(mask_name("欧阳子珺"), "欧***");
        assert_eq!(mask_name("买买提·艾力"), "买**·**");
    }

    #[test]
    fn names_with_rare_characters_and_middle_dots_are_valid() {
        for name in ["王堃", "李玥", "张珺", "买买提·艾力", "John Smith"] {
            assert_eq!(PersonName::parse(name).unwrap().as_str(), name);
        }
        assert_eq!(PersonName::parse("买买提•艾力").unwrap().as_str(), "买买提·艾力");
    }

    #[test]
    fn names_with_digits_symbols_or_stray_dots_are_refused() {
        for name in [
            "",
            "  ",
            "王2",
            "李@",
            "·艾力",
            "艾力·",
            "买买提··艾力",
            &"王".repeat(41),
        ] {
            assert!(PersonName::parse(name).is_err(), "{name}");
        }
    }

    #[test]
    fn age_groups_follow_the_fourteenth_and_eighteenth_birthdays() {
        let today = date!(2026 - 11 - 29);
        assert_eq!(AgeGroup::of(date!(2012 - 11 - 30), today).unwrap(), AgeGroup::Child);
        assert_eq!(AgeGroup::of(date!(2012 - 11 - 29), today).unwrap(), AgeGroup::Minor);
        assert_eq!(AgeGroup::of(date!(2008 - 11 - 30), today).unwrap(), AgeGroup::Minor);
        assert_eq!(AgeGroup::of(date!(2008 - 11 - 29), today).unwrap(), AgeGroup::Adult);
        assert!(AgeGroup::of(date!(2026 - 11 - 30), today).is_err(), "born tomorrow");
        assert!(AgeGroup::of(date!(1905 - 11 - 28), today).is_err(), "over 120");
    }

    #[test]
    fn the_check_matches_the_resident_id_algorithm() {
        // The generalised check gives the resident ID's check character on its 17 digits.
        assert_eq!(mod11_2(b"11010519491231002"), 'X');
        assert_eq!(mod11_2(b"44052418800101001"), '4');
    }

    proptest! {
        #[test]
        fn every_generated_code_checks_and_any_single_change_does_not(random in any::<u64>(), position in 0usize..11, digit in 0u8..10) {
            let code = volunteer_code(random);
            prop_assert!(is_volunteer_code(&code));
            let mut bytes = code.clone().into_bytes();
            prop_assume!(bytes[position] != b'0' + digit);
            bytes[position] = b'0' + digit;
            prop_assert!(!is_volunteer_code(&String::from_utf8(bytes).unwrap()));
        }
    }

    fn party(account: i64, person: Option<&str>) -> Party {
        Party {
            account: crate::AccountId(account),
            person: person.map(|p| PersonKey(p.to_owned())),
        }
    }

    #[test]
    fn two_accounts_of_one_person_are_one_person() {
        assert!(!distinct_persons(&party(1, Some("p")), &party(1, Some("p"))));
        assert!(
            !distinct_persons(&party(1, None), &party(1, None)),
            "one account is one person"
        );
        assert!(
            !distinct_persons(&party(1, Some("p")), &party(2, Some("p"))),
            "a sock puppet"
        );
        assert!(distinct_persons(&party(1, Some("p")), &party(2, Some("q"))));
        assert!(distinct_persons(&party(1, None), &party(2, Some("q"))));
    }

    proptest::proptest! {
        #[test]
        fn distinct_persons_is_symmetric_and_never_true_for_one_person(
            a in 0i64..4, b in 0i64..4, pa in proptest::option::of(0u8..3), pb in proptest::option::of(0u8..3)
        ) {
            let left = party(a, pa.map(|p| p.to_string()).as_deref());
            let right = party(b, pb.map(|p| p.to_string()).as_deref());
            proptest::prop_assert_eq!(distinct_persons(&left, &right), distinct_persons(&right, &left));
            if pa.is_some() && pa == pb {
                proptest::prop_assert!(!distinct_persons(&left, &right));
            }
        }
    }
}
