//! Enums kept as text: in the database, in JSON and in message keys each value is its snake_case
//! name. `text_enum!` derives that text form, its parsing and the list of values from the enum
//! itself, so a value added to the enum is in the list, and can be stored and read back, at once.

use std::fmt;

/// A stored or sent text that names no value of the enum it was read as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownText {
    pub kind: &'static str,
    pub text: String,
}

impl fmt::Display for UnknownText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} is not a {}", self.text, self.kind)
    }
}

impl std::error::Error for UnknownText {}

/// Declares an enum whose values are stored and sent as their snake_case names, with `ALL`,
/// `as_str`, `parse`, `Display` and `TryFrom<String>` (what the store's rows decode with).
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
            serde::Serialize, serde::Deserialize, strum::IntoStaticStr, strum::VariantArray,
        )]
        #[serde(rename_all = "snake_case")]
        #[strum(serialize_all = "snake_case")]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            pub const ALL: &'static [Self] = <Self as strum::VariantArray>::VARIANTS;

            pub fn as_str(self) -> &'static str {
                self.into()
            }

            pub fn parse(raw: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|value| value.as_str() == raw)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl TryFrom<String> for $name {
            type Error = $crate::text::UnknownText;

            fn try_from(text: String) -> Result<Self, Self::Error> {
                Self::parse(&text).ok_or($crate::text::UnknownText { kind: stringify!($name), text })
            }
        }
    };
}

pub(crate) use text_enum;
