//! Service categories (服务类别): the list projects are filed under, kept as data the city admin
//! edits (a table, seeded with the categories counties use). Points and the wish menu key on the
//! codes, so a code never changes and a category in use is retired, never deleted.

use crate::{DomainError, ErrorCode, RegionName};

/// A category's stable code: lower-case ASCII words joined by `_` (e.g. `elderly_care`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CategoryCode(String);

impl CategoryCode {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let raw = raw.trim();
        let words_ok = raw
            .split('_')
            .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
        let starts_with_letter = raw.bytes().next().is_some_and(|b| b.is_ascii_lowercase());
        if !(2..=40).contains(&raw.len()) || !words_ok || !starts_with_letter {
            return Err(DomainError::on(ErrorCode::InvalidCategoryCode, "code"));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A category's names: Chinese (what people type and read) and English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryNames {
    pub zh: RegionName,
    pub en: RegionName,
}

impl CategoryNames {
    pub fn parse(zh: &str, en: &str) -> Result<Self, DomainError> {
        Ok(Self {
            zh: RegionName::parse(zh).map_err(|e| e.for_field("name_zh"))?,
            en: RegionName::parse(en).map_err(|e| e.for_field("name_en"))?,
        })
    }
}

/// The category a form's text names, among `(code, Chinese name)` pairs of the categories in
/// use: its code or its Chinese name, as typed (trimmed).
pub fn find<'a>(categories: impl IntoIterator<Item = (&'a str, &'a str)>, raw: &str) -> Option<&'a str> {
    let raw = raw.trim();
    categories
        .into_iter()
        .find(|(code, name)| *code == raw || *name == raw)
        .map(|(code, _)| code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_category_is_found_by_code_or_chinese_name() {
        let list = [("elderly_care", "关爱老人"), ("other", "其他")];
        assert_eq!(find(list, "关爱老人"), Some("elderly_care"));
        assert_eq!(find(list, " other "), Some("other"));
        assert_eq!(find(list, "打麻将"), None);
    }

    #[test]
    fn codes_are_lower_snake_case_ascii() {
        for good in ["elderly_care", "a1", "public_safety_2"] {
            assert!(CategoryCode::parse(good).is_ok(), "{good}");
        }
        for bad in ["", "a", "Elderly", "关爱", "_x", "x_", "a__b", "1abc", "a-b"] {
            assert_eq!(
                CategoryCode::parse(bad).unwrap_err().code,
                ErrorCode::InvalidCategoryCode,
                "{bad}"
            );
        }
    }

    proptest! {
        #[test]
        fn any_lower_snake_code_reads_back_unchanged(code in "[a-z][a-z0-9]{1,10}(_[a-z0-9]{1,8}){0,3}") {
            let parsed = CategoryCode::parse(&code).unwrap();
            prop_assert_eq!(parsed.as_str(), code.as_str());
        }
    }
}
