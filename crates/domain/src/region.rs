//! The administrative tree under a city, and the practice site that belongs to each level.
//!
//! Codes follow the national division codes: a city `140800` (six digits ending in `00`), a
//! county `140824`, a township `140824001` (county + three digits), a village or community
//! `140824001001` (township + three digits). The code alone tells the level and every ancestor.

use crate::{DomainError, ErrorCode};
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, strum::VariantArray)]
#[serde(rename_all = "snake_case")]
pub enum RegionLevel {
    City,
    County,
    Township,
    Village,
}

impl RegionLevel {
    pub const ALL: &'static [RegionLevel] = <Self as strum::VariantArray>::VARIANTS;

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::City => "city",
            Self::County => "county",
            Self::Township => "township",
            Self::Village => "village",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|l| l.as_str() == s)
    }

    /// The level right below, where children live.
    pub const fn child(self) -> Option<Self> {
        match self {
            Self::City => Some(Self::County),
            Self::County => Some(Self::Township),
            Self::Township => Some(Self::Village),
            Self::Village => None,
        }
    }

    /// The practice site a region of this level has; a city has none of its own.
    pub const fn site_kind(self) -> Option<SiteKind> {
        match self {
            Self::City => None,
            Self::County => Some(SiteKind::Center),
            Self::Township => Some(SiteKind::Institute),
            Self::Village => Some(SiteKind::Station),
        }
    }

    /// How many leading digits of a code are shared by everything inside a region of this level.
    const fn prefix_len(self) -> usize {
        match self {
            Self::City => 4,
            Self::County => 6,
            Self::Township => 9,
            Self::Village => 12,
        }
    }
}

/// Center (county), institute (township) or station (village/community).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, strum::VariantArray)]
#[serde(rename_all = "snake_case")]
pub enum SiteKind {
    Center,
    Institute,
    Station,
}

impl SiteKind {
    pub const ALL: &'static [SiteKind] = <Self as strum::VariantArray>::VARIANTS;

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Center => "center",
            Self::Institute => "institute",
            Self::Station => "station",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RegionCode(String);

impl RegionCode {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let code = raw.trim();
        let digits_only = code.bytes().all(|b| b.is_ascii_digit());
        let known_length = matches!(code.len(), 6 | 9 | 12);
        // A province code (`140000`) is not a city; a county code never ends in `00`.
        let province = code.len() == 6 && code.ends_with("0000");
        if digits_only && known_length && !province {
            Ok(Self(code.to_owned()))
        } else {
            Err(DomainError::on(ErrorCode::InvalidRegionCode, "code"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn level(&self) -> RegionLevel {
        match self.0.len() {
            6 if self.0.ends_with("00") => RegionLevel::City,
            6 => RegionLevel::County,
            9 => RegionLevel::Township,
            _ => RegionLevel::Village,
        }
    }

    /// The region one level up; a city has none here (the tree stops at the city).
    pub fn parent(&self) -> Option<RegionCode> {
        match self.level() {
            RegionLevel::City => None,
            RegionLevel::County => Some(Self(format!("{}00", &self.0[..4]))),
            RegionLevel::Township => Some(Self(self.0[..6].to_owned())),
            RegionLevel::Village => Some(Self(self.0[..9].to_owned())),
        }
    }

    /// The leading digits every region inside this one starts with: `LIKE prefix || '%'` in SQL.
    pub fn scope_prefix(&self) -> &str {
        &self.0[..self.level().prefix_len()]
    }

    /// True when `other` is this region or lies anywhere below it.
    pub fn covers(&self, other: &RegionCode) -> bool {
        other.level() >= self.level() && other.0.starts_with(self.scope_prefix())
    }

    /// This region and its ancestors, nearest first.
    pub fn lineage(&self) -> Vec<RegionCode> {
        std::iter::successors(Some(self.clone()), RegionCode::parent).collect()
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for RegionCode {
    type Error = DomainError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<RegionCode> for String {
    fn from(code: RegionCode) -> Self {
        code.0
    }
}

/// A region's or a site's name: 1 to 60 characters after trimming, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionName(String);

impl RegionName {
    pub const MAX_CHARS: usize = 60;

    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let name = raw.trim();
        let length = name.chars().count();
        if (1..=Self::MAX_CHARS).contains(&length) && !name.chars().any(char::is_control) {
            Ok(Self(name.to_owned()))
        } else {
            Err(DomainError::on(ErrorCode::InvalidName, "name"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn code(s: &str) -> RegionCode {
        RegionCode::parse(s).unwrap()
    }

    #[test]
    fn the_length_and_ending_of_a_code_tell_its_level() {
        assert_eq!(code("140800").level(), RegionLevel::City);
        assert_eq!(code("140824").level(), RegionLevel::County);
        assert_eq!(code("140824001").level(), RegionLevel::Township);
        assert_eq!(code("140824001002").level(), RegionLevel::Village);
    }

    #[test]
    fn codes_that_are_not_regions_of_a_city_are_refused() {
        for raw in ["", "14082", "1408240", "140000", "14082400100a", "1408240010021"] {
            assert_eq!(RegionCode::parse(raw).unwrap_err().code, ErrorCode::InvalidRegionCode);
        }
    }

    #[test]
    fn parents_climb_one_level_at_a_time_to_the_city() {
        let lineage: Vec<String> = code("140824001002").lineage().into_iter().map(String::from).collect();
        assert_eq!(lineage, ["140824001002", "140824001", "140824", "140800"]);
    }

    #[test]
    fn a_region_covers_itself_and_what_lies_below_it_only() {
        let county = code("140824");
        assert!(county.covers(&county));
        assert!(county.covers(&code("140824001002")));
        assert!(!county.covers(&code("140825001")));
        assert!(!county.covers(&code("140800")));
        assert!(code("140800").covers(&code("140882")));
        assert!(!code("140824001").covers(&code("140824002001")));
    }

    #[test]
    fn each_level_below_the_city_has_its_kind_of_site() {
        assert_eq!(RegionLevel::City.site_kind(), None);
        assert_eq!(RegionLevel::County.site_kind(), Some(SiteKind::Center));
        assert_eq!(RegionLevel::Township.site_kind(), Some(SiteKind::Institute));
        assert_eq!(RegionLevel::Village.site_kind(), Some(SiteKind::Station));
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(RegionName::parse("  稷山县 ").unwrap().as_str(), "稷山县");
        assert!(RegionName::parse("   ").is_err());
        assert!(RegionName::parse(&"村".repeat(61)).is_err());
        assert!(RegionName::parse("a\nb").is_err());
    }

    proptest! {
        #[test]
        fn every_ancestor_covers_its_descendant(county in 1u32..99, town in 1u32..999, village in 1u32..999) {
            let leaf = code(&format!("1408{county:02}{town:03}{village:03}"));
            for ancestor in leaf.lineage() {
                prop_assert!(ancestor.covers(&leaf));
                prop_assert!(ancestor == leaf || !leaf.covers(&ancestor));
            }
        }

        #[test]
        fn a_region_never_covers_a_sibling(a in 1u32..999, b in 1u32..999) {
            prop_assume!(a != b);
            let left = code(&format!("140824{a:03}"));
            let right = code(&format!("140824{b:03}001"));
            prop_assert!(!left.covers(&right));
        }
    }
}
