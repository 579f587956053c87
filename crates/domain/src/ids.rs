//! Typed ids, so an account id cannot be passed where a site id is meant. Each is the row's
//! integer key; it is stored, sent and shown as that integer (`sqlx` and `openapi` features give
//! the store and the API document their forms without the domain depending on either).

use serde::{Deserialize, Serialize};

macro_rules! typed_id {
    ($($(#[$meta:meta])* $name:ident),+ $(,)?) => {$(
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "sqlx", derive(sqlx::Type), sqlx(transparent))]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<i64> for $name {
            fn from(key: i64) -> Self {
                Self(key)
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::num::ParseIntError;

            fn from_str(raw: &str) -> Result<Self, Self::Err> {
                raw.parse().map(Self)
            }
        }
    )+};
}

typed_id!(
    /// A login: a volunteer's, a staff member's, or both.
    AccountId,
    /// A center, institute or station.
    SiteId,
    TeamId,
    VolunteerId,
    ProjectId,
    ActivityId,
    SignupId,
    /// A service record (its versions share it).
    RecordId,
);
