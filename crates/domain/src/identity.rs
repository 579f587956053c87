//! Identity documents (R-ID): the 18-character resident ID of GB 11643 with its MOD 11-2 check
//! character, the Hong Kong / Macao / Taiwan residence permits on the same format, the 2023
//! foreigner's permanent-residence ID (first digit 9, same check), and passports.
//! Full-width digits and stray spaces are normalized first, as people paste them from Word.

use crate::{DomainError, ErrorCode};
use serde::{Deserialize, Serialize};
use time::{Date, Month};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdType {
    /// 居民身份证
    ResidentId,
    /// 港澳台居民居住证 (address code 810000 / 820000 / 830000)
    HmtResidencePermit,
    /// 外国人永久居留身份证 (2023 format)
    ForeignPermanentResident,
    /// 护照
    Passport,
}

impl IdType {
    pub const ALL: [IdType; 4] = [
        Self::ResidentId,
        Self::HmtResidencePermit,
        Self::ForeignPermanentResident,
        Self::Passport,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::ResidentId => "resident_id",
            Self::HmtResidencePermit => "hmt_residence_permit",
            Self::ForeignPermanentResident => "foreign_permanent_resident",
            Self::Passport => "passport",
        }
    }

    /// The name certificates print (证件类型).
    pub const fn chinese_name(self) -> &'static str {
        match self {
            Self::ResidentId => "居民身份证",
            Self::HmtResidencePermit => "港澳台居民居住证",
            Self::ForeignPermanentResident => "外国人永久居留身份证",
            Self::Passport => "护照",
        }
    }

    /// Accepts the code or the Chinese name, as rosters write it.
    pub fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        Self::ALL.into_iter().find(|t| t.as_str() == raw).or(match raw {
            "" | "居民身份证" | "身份证" => Some(Self::ResidentId),
            "港澳台居民居住证" | "居住证" => Some(Self::HmtResidencePermit),
            "外国人永久居留身份证" | "永久居留身份证" => Some(Self::ForeignPermanentResident),
            "护照" => Some(Self::Passport),
            _ => None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    Male,
    Female,
}

impl Gender {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Male => "male",
            Self::Female => "female",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw.trim() {
            "male" | "男" | "m" | "M" => Some(Self::Male),
            "female" | "女" | "f" | "F" => Some(Self::Female),
            _ => None,
        }
    }
}

/// A checked identity document number, normalized (upper-case, half-width, no spaces).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdNumber {
    id_type: IdType,
    number: String,
}

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: &[u8; 11] = b"10X98765432";
/// Province-level prefixes of GB/T 2260 (71 Taiwan, 81 Hong Kong, 82 Macao, 83 the permits' own).
const PROVINCES: [u32; 35] = [
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63,
    64, 65, 71, 81, 82, 83,
];

/// The MOD 11-2 check character of the first 17 digits.
pub fn check_char(first17: &[u8]) -> char {
    let sum: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(digit, weight)| u32::from(digit - b'0') * weight)
        .sum();
    char::from(CHECK_CHARS[(sum % 11) as usize])
}

/// Half-width, upper-case, without spaces of any width.
pub fn normalize(raw: &str) -> String {
    raw.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '\u{FF10}'..='\u{FF19}' => char::from_u32(u32::from(c) - 0xFF10 + u32::from('0')).unwrap_or(c),
            '\u{FF21}'..='\u{FF3A}' => char::from_u32(u32::from(c) - 0xFF21 + u32::from('A')).unwrap_or(c),
            '\u{FF41}'..='\u{FF5A}' => char::from_u32(u32::from(c) - 0xFF41 + u32::from('A')).unwrap_or(c),
            other => other.to_ascii_uppercase(),
        })
        .collect()
}

impl IdNumber {
    /// Checks the number by the rules of its type; `today` bounds the birth date.
    pub fn parse(id_type: IdType, raw: &str, today: Date) -> Result<Self, DomainError> {
        let number = normalize(raw);
        let invalid = || DomainError::on(ErrorCode::InvalidIdNumber, "id_number");
        match id_type {
            IdType::Passport => {
                let ok = (5..=20).contains(&number.len()) && number.bytes().all(|b| b.is_ascii_alphanumeric());
                if !ok {
                    return Err(invalid());
                }
            }
            IdType::ResidentId | IdType::HmtResidencePermit | IdType::ForeignPermanentResident => {
                check_eighteen(&number).ok_or_else(invalid)?;
                let prefix_ok = match id_type {
                    IdType::ResidentId => number[..2].parse().is_ok_and(|p: u32| PROVINCES.contains(&p)),
                    IdType::HmtResidencePermit => {
                        matches!(&number[..6], "810000" | "820000" | "830000")
                    }
                    _ => number.starts_with('9'),
                };
                if !prefix_ok {
                    return Err(invalid());
                }
                let birth =
                    birth_date_of(&number).ok_or_else(|| DomainError::on(ErrorCode::InvalidBirthDate, "id_number"))?;
                if birth > today {
                    return Err(DomainError::on(ErrorCode::InvalidBirthDate, "id_number"));
                }
            }
        }
        Ok(Self { id_type, number })
    }

    pub fn id_type(&self) -> IdType {
        self.id_type
    }

    pub fn as_str(&self) -> &str {
        &self.number
    }

    /// The birth date the number carries (all types but passports).
    pub fn birth_date(&self) -> Option<Date> {
        match self.id_type {
            IdType::Passport => None,
            _ => birth_date_of(&self.number),
        }
    }

    /// Odd sequence digit = male, even = female (resident IDs and permits).
    pub fn gender(&self) -> Option<Gender> {
        match self.id_type {
            IdType::ResidentId | IdType::HmtResidencePermit => {
                let digit = self.number.as_bytes()[16] - b'0';
                Some(if digit % 2 == 1 { Gender::Male } else { Gender::Female })
            }
            _ => None,
        }
    }

    /// What lists, exports, logs and messages show: `140824********123X`.
    pub fn masked(&self) -> String {
        mask(&self.number)
    }
}

/// Keeps the first 6 and last 4 characters of an 18-character number, the first and the last
/// two of shorter ones.
pub fn mask(number: &str) -> String {
    let chars: Vec<char> = number.chars().collect();
    let (head, tail) = if chars.len() >= 18 {
        (6, 4)
    } else {
        (1, 2.min(chars.len().saturating_sub(1)))
    };
    let hidden = chars.len().saturating_sub(head + tail);
    let mut masked: String = chars.iter().take(head).collect();
    masked.push_str(&"*".repeat(hidden));
    masked.extend(chars.iter().skip(head + hidden));
    masked
}

/// 17 digits then a digit or X, with the right check character.
fn check_eighteen(number: &str) -> Option<()> {
    let bytes = number.as_bytes();
    let shape = bytes.len() == 18
        && bytes[..17].iter().all(u8::is_ascii_digit)
        && (bytes[17].is_ascii_digit() || bytes[17] == b'X');
    (shape && char::from(bytes[17]) == check_char(&bytes[..17])).then_some(())
}

fn birth_date_of(number: &str) -> Option<Date> {
    let year: i32 = number.get(6..10)?.parse().ok()?;
    let month: u8 = number.get(10..12)?.parse().ok()?;
    let day: u8 = number.get(12..14)?.parse().ok()?;
    if year < 1880 {
        return None;
    }
    Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 29);

    fn resident(raw: &str) -> Result<IdNumber, DomainError> {
        IdNumber::parse(IdType::ResidentId, raw, TODAY)
    }

    #[test]
    fn the_documented_test_vectors_pass() {
        for raw in [
            "11010519491231002X",
            "440524188001010014",
            "11010120000101123X".replace('X', "2").as_str(),
        ] {
            assert!(resident(raw).is_ok(), "{raw}");
        }
    }

    #[test]
    fn full_width_digits_spaces_and_a_small_x_are_normalized() {
        let id = resident(" １１０１０５ 19491231002x ").unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
    }

    #[test]
    fn birth_date_and_gender_come_from_the_number() {
        let id = resident("11010519491231002X").unwrap();
        assert_eq!(id.birth_date(), Some(date!(1949 - 12 - 31)));
        assert_eq!(id.gender(), Some(Gender::Female));
        assert_eq!(resident("440524188001010014").unwrap().gender(), Some(Gender::Male));
    }

    #[test]
    fn an_unknown_province_a_bad_date_or_a_future_birth_is_refused() {
        let with_check = |first17: &str| format!("{first17}{}", check_char(first17.as_bytes()));
        assert_eq!(
            resident(&with_check("99010519491231002")).unwrap_err().code,
            ErrorCode::InvalidIdNumber
        );
        assert_eq!(
            resident(&with_check("11010519490231002")).unwrap_err().code,
            ErrorCode::InvalidBirthDate
        );
        assert_eq!(
            resident(&with_check("11010520301231002")).unwrap_err().code,
            ErrorCode::InvalidBirthDate
        );
    }

    #[test]
    fn permits_and_foreigners_ids_have_their_own_prefixes() {
        let with_check = |first17: &str| format!("{first17}{}", check_char(first17.as_bytes()));
        let hk = with_check("81000019900101001");
        assert!(IdNumber::parse(IdType::HmtResidencePermit, &hk, TODAY).is_ok());
        assert!(IdNumber::parse(IdType::HmtResidencePermit, &with_check("14082419900101001"), TODAY).is_err());
        let foreigner = with_check("93100019900101001");
        assert!(IdNumber::parse(IdType::ForeignPermanentResident, &foreigner, TODAY).is_ok());
        assert!(IdNumber::parse(IdType::ForeignPermanentResident, &hk, TODAY).is_err());
        assert!(IdNumber::parse(IdType::Passport, "E12345678", TODAY).is_ok());
        assert!(IdNumber::parse(IdType::Passport, "E1-234", TODAY).is_err());
    }

    #[test]
    fn masks_keep_only_the_ends() {
        assert_eq!(resident("11010519491231002X").unwrap().masked(), "110105********002X");
        assert_eq!(mask("E12345678"), "E******78");
    }

    #[test]
    fn id_types_parse_from_codes_and_chinese_names() {
        assert_eq!(IdType::parse("居民身份证"), Some(IdType::ResidentId));
        assert_eq!(IdType::parse(""), Some(IdType::ResidentId));
        assert_eq!(IdType::parse("护照"), Some(IdType::Passport));
        assert_eq!(IdType::parse("驾驶证"), None);
    }

    fn valid_resident() -> impl Strategy<Value = String> {
        (
            0usize..PROVINCES.len() - 4,
            0u32..10_000,
            1900i32..2020,
            1u8..=12,
            1u8..=28,
            0u32..1000,
        )
            .prop_map(|(province, area, year, month, day, sequence)| {
                let first17 = format!(
                    "{}{area:04}{year:04}{month:02}{day:02}{sequence:03}",
                    PROVINCES[province]
                );
                format!("{first17}{}", check_char(first17.as_bytes()))
            })
    }

    proptest! {
        #[test]
        fn every_generated_valid_number_is_accepted(number in valid_resident()) {
            prop_assert!(resident(&number).is_ok(), "{}", number);
        }

        #[test]
        fn every_single_character_change_is_refused(number in valid_resident(), position in 0usize..18, replacement in "[0-9X]") {
            let mut chars: Vec<char> = number.chars().collect();
            let new = replacement.chars().next().unwrap();
            prop_assume!(chars[position] != new);
            chars[position] = new;
            let changed: String = chars.into_iter().collect();
            prop_assert!(resident(&changed).is_err(), "{} accepted", changed);
        }
    }
}
