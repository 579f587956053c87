//! Account roles. Admin roles are held for one region of the matching level; volunteers and
//! citizens act only on what is their own. Team roles belong to team memberships, not here.

use crate::{DomainError, ErrorCode, RegionCode, RegionLevel};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    CityAdmin,
    CenterAdmin,
    InstituteAdmin,
    StationAdmin,
    Volunteer,
    Citizen,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Self::CityAdmin,
        Self::CenterAdmin,
        Self::InstituteAdmin,
        Self::StationAdmin,
        Self::Volunteer,
        Self::Citizen,
    ];

    /// The name used on the command line, in the API and in the database (contract).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::CityAdmin => "city-admin",
            Self::CenterAdmin => "center-admin",
            Self::InstituteAdmin => "institute-admin",
            Self::StationAdmin => "station-admin",
            Self::Volunteer => "volunteer",
            Self::Citizen => "citizen",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == raw)
    }

    /// The level of the region an admin role is held for; `None` for volunteers and citizens.
    pub const fn region_level(self) -> Option<RegionLevel> {
        match self {
            Self::CityAdmin => Some(RegionLevel::City),
            Self::CenterAdmin => Some(RegionLevel::County),
            Self::InstituteAdmin => Some(RegionLevel::Township),
            Self::StationAdmin => Some(RegionLevel::Village),
            Self::Volunteer | Self::Citizen => None,
        }
    }

    pub const fn is_staff(self) -> bool {
        self.region_level().is_some()
    }
}

/// A role held by an account, with the region it is held for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Grant {
    pub role: Role,
    pub region: Option<RegionCode>,
}

impl Grant {
    /// Checks that an admin role comes with a region of its level and that the others come with
    /// none (a volunteer's residence is part of the volunteer record, not of the role).
    pub fn new(role: Role, region: Option<RegionCode>) -> Result<Self, DomainError> {
        match (role.region_level(), &region) {
            (Some(level), Some(code)) if code.level() == level => Ok(Self { role, region }),
            (Some(_), _) => Err(DomainError::on(ErrorCode::RegionLevelMismatch, "region")),
            (None, None) => Ok(Self { role, region }),
            (None, Some(_)) => Err(DomainError::on(ErrorCode::RegionLevelMismatch, "region")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> Option<RegionCode> {
        Some(RegionCode::parse(s).unwrap())
    }

    #[test]
    fn role_names_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("admin"), None);
    }

    #[test]
    fn an_admin_role_needs_a_region_of_its_own_level() {
        assert!(Grant::new(Role::CenterAdmin, code("140824")).is_ok());
        assert!(Grant::new(Role::CityAdmin, code("140800")).is_ok());
        assert!(Grant::new(Role::StationAdmin, code("140824001001")).is_ok());
        for (role, region) in [
            (Role::CenterAdmin, code("140824001")),
            (Role::CenterAdmin, code("140800")),
            (Role::InstituteAdmin, code("140824")),
            (Role::CityAdmin, None),
            (Role::Volunteer, code("140824")),
        ] {
            assert_eq!(
                Grant::new(role, region).unwrap_err().code,
                ErrorCode::RegionLevelMismatch
            );
        }
        assert!(Grant::new(Role::Citizen, None).is_ok());
    }
}
