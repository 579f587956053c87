//! Account roles. Admin roles are held for one region of the matching level; volunteers and
//! citizens act only on what is their own. Team roles belong to team memberships, not here.

use crate::{DomainError, ErrorCode, RegionCode, RegionLevel};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, strum::VariantArray)]
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
    pub const ALL: &'static [Role] = <Self as strum::VariantArray>::VARIANTS;

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
        Self::ALL.iter().copied().find(|r| r.as_str() == raw)
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

    /// The admin role held for a region of this level (the inverse of `region_level`).
    pub const fn admin_of(level: RegionLevel) -> Self {
        match level {
            RegionLevel::City => Self::CityAdmin,
            RegionLevel::County => Self::CenterAdmin,
            RegionLevel::Township => Self::InstituteAdmin,
            RegionLevel::Village => Self::StationAdmin,
        }
    }
}

/// A role held by an account, with the region it is held for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Grant {
    pub role: Role,
    pub region: Option<RegionCode>,
}

impl Grant {
    /// A role as stored (its name and region, if any); `None` for one this build does not know
    /// or that does not fit its region, so a stored role is skipped, never widened.
    pub fn from_stored(role: &str, region: Option<&str>) -> Option<Self> {
        let role = Role::parse(role)?;
        let region = region.map(RegionCode::parse).transpose().ok()?;
        Self::new(role, region).ok()
    }

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

crate::text::text_enum! {
    /// A grant to a phone waits for its holder's answer (D2); the granter may withdraw it first.
    pub enum GrantState {
        Pending,
        Accepted,
        Refused,
        Withdrawn,
    }
}

/// Whether holders of `grants` may give (or take back) `role` in `region`: only a staff role,
/// only strictly below the level of a role of theirs whose region covers it (a county's center
/// admin names institute and station admins of the county, never another center admin nor
/// itself). The operator `system` is not asked: it may do anything.
pub fn may_grant(grants: &[Grant], role: Role, region: &RegionCode) -> bool {
    let Some(level) = role.region_level() else {
        return false;
    };
    grants
        .iter()
        .any(|held| match (&held.region, held.role.region_level()) {
            (Some(own), Some(own_level)) => own_level < level && own.covers(region),
            _ => false,
        })
}

/// Whether any of `grants` could grant some role somewhere (the grant action is theirs at all).
pub fn grants_any(grants: &[Grant]) -> bool {
    grants.iter().any(|held| {
        held.role
            .region_level()
            .is_some_and(|level| level < RegionLevel::Village)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> Option<RegionCode> {
        Some(RegionCode::parse(s).unwrap())
    }

    #[test]
    fn role_names_round_trip() {
        for &role in Role::ALL {
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

    fn held(role: Role, region: &str) -> Vec<Grant> {
        vec![Grant::new(role, code(region)).unwrap()]
    }

    #[test]
    fn an_admin_grants_only_strictly_below_its_own_level_and_inside_its_region() {
        let county = held(Role::CenterAdmin, "140824");
        let township = RegionCode::parse("140824001").unwrap();
        let village = RegionCode::parse("140824001001").unwrap();
        assert!(may_grant(&county, Role::InstituteAdmin, &township));
        assert!(may_grant(&county, Role::StationAdmin, &village));
        assert!(!may_grant(
            &county,
            Role::CenterAdmin,
            &RegionCode::parse("140824").unwrap()
        ));
        assert!(!may_grant(
            &county,
            Role::CenterAdmin,
            &RegionCode::parse("140825").unwrap()
        ));
        assert!(!may_grant(
            &county,
            Role::StationAdmin,
            &RegionCode::parse("140825001001").unwrap()
        ));
        assert!(
            !may_grant(&county, Role::Volunteer, &village),
            "volunteers come from registration"
        );
        let station = held(Role::StationAdmin, "140824001001");
        assert!(
            !may_grant(&station, Role::StationAdmin, &village),
            "a station admin names no one"
        );
        assert!(!grants_any(&station));
        assert!(grants_any(&county));
        let city = held(Role::CityAdmin, "140800");
        assert!(may_grant(
            &city,
            Role::CenterAdmin,
            &RegionCode::parse("140824").unwrap()
        ));
        assert!(!may_grant(
            &city,
            Role::CityAdmin,
            &RegionCode::parse("140800").unwrap()
        ));
    }

    #[test]
    fn each_level_has_its_admin_role_and_stored_roles_are_never_widened() {
        for &level in RegionLevel::ALL {
            assert_eq!(Role::admin_of(level).region_level(), Some(level));
        }
        assert_eq!(
            Grant::from_stored("center-admin", Some("140824")),
            Grant::new(Role::CenterAdmin, code("140824")).ok()
        );
        assert_eq!(Grant::from_stored("center-admin", Some("140824001")), None);
        assert_eq!(Grant::from_stored("super-admin", Some("140824")), None);
        assert_eq!(
            Grant::from_stored("volunteer", None),
            Grant::new(Role::Volunteer, None).ok()
        );
    }
}
