//! The one access policy: `can(actor, action, target)`. Every service call asks it first.
//!
//! Admins act inside the region their role is held for (a county admin in the county and
//! everything below it); volunteers and citizens act only on what they own. The answer tells
//! apart "never allowed for these roles" (403) from "allowed, but not here" (404, so that the
//! existence of another county's objects is not revealed).

use crate::team::TeamRole;
use crate::{AccountId, Grant, RegionCode, Role, TeamId};

/// Everything an actor can ask to do. The access-matrix test walks `Action::ALL`, which lists
/// every variant by construction, so a new action cannot be left out of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, strum::VariantArray)]
pub enum Action {
    RegionView,
    RegionCreate,
    RegionEdit,
    SiteView,
    SiteCreate,
    SiteEdit,
    CoverageView,
    AuditView,
    AccountList,
    AccountGrant,
    AccountRevoke,
    AccountDisable,
    AccountReset,
    GrantDecide,
    ProfileView,
    VolunteerRegister,
    VolunteerSelfRegister,
    VolunteerView,
    VolunteerList,
    VolunteerReveal,
    TeamCreate,
    TeamApply,
    TeamReview,
    TeamManage,
    TeamView,
    TeamMembersManage,
    TeamJoin,
    RosterExport,
    VolunteerMerge,
    ProjectEdit,
    ProjectReview,
    ProjectView,
    ActivitySignUp,
    ActivityRun,
    RecordReview,
}

impl Action {
    pub const ALL: &'static [Action] = <Self as strum::VariantArray>::VARIANTS;

    /// Stable name, used in the audit log.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::RegionView => "region.view",
            Self::RegionCreate => "region.create",
            Self::RegionEdit => "region.edit",
            Self::SiteView => "site.view",
            Self::SiteCreate => "site.create",
            Self::SiteEdit => "site.edit",
            Self::CoverageView => "coverage.view",
            Self::AuditView => "audit.view",
            Self::AccountList => "account.list",
            Self::AccountGrant => "account.grant",
            Self::AccountRevoke => "account.revoke",
            Self::AccountDisable => "account.disable",
            Self::AccountReset => "account.reset",
            Self::GrantDecide => "account.grant_decide",
            Self::ProfileView => "profile.view",
            Self::VolunteerRegister => "volunteer.register",
            Self::VolunteerSelfRegister => "volunteer.self_register",
            Self::VolunteerView => "volunteer.view",
            Self::VolunteerList => "volunteer.list",
            Self::VolunteerReveal => "volunteer.reveal",
            Self::TeamCreate => "team.create",
            Self::TeamApply => "team.apply",
            Self::TeamReview => "team.review",
            Self::TeamManage => "team.manage",
            Self::TeamView => "team.view",
            Self::TeamMembersManage => "team.members",
            Self::TeamJoin => "team.join",
            Self::RosterExport => "roster.export",
            Self::VolunteerMerge => "volunteer.merge",
            Self::ProjectEdit => "project.edit",
            Self::ProjectReview => "project.review",
            Self::ProjectView => "project.view",
            Self::ActivitySignUp => "activity.sign_up",
            Self::ActivityRun => "activity.run",
            Self::RecordReview => "record.review",
        }
    }

    /// Who may ever do this, before the region or the owner is looked at.
    const fn rule(self) -> Rule {
        match self {
            Self::RegionView
            | Self::RegionCreate
            | Self::RegionEdit
            | Self::SiteView
            | Self::SiteCreate
            | Self::SiteEdit
            | Self::CoverageView
            | Self::AuditView
            | Self::AccountList
            | Self::VolunteerRegister
            | Self::VolunteerList
            | Self::TeamCreate
            | Self::TeamReview
            | Self::TeamManage
            | Self::RosterExport
            | Self::VolunteerMerge
            | Self::ProjectReview
            // The second approval of a backfill and the anomaly flags: admins of the site above.
            | Self::RecordReview => Rule::StaffInRegion,
            // Naming, removing, disabling and resetting admins: admins of a level that has any
            // below it (the service then asks for a level strictly above the role's).
            Self::AccountGrant | Self::AccountRevoke | Self::AccountDisable | Self::AccountReset => {
                Rule::GrantorInRegion
            }
            // The holder's answer to a role granted to their phone.
            Self::GrantDecide
            | Self::ProfileView
            | Self::VolunteerSelfRegister
            | Self::TeamApply
            | Self::TeamJoin
            // A volunteer's own part in an activity: sign-up, check-in and out, correction requests.
            | Self::ActivitySignUp => Rule::Owner,
            // Teams are public within the platform: volunteers look for one to join.
            Self::TeamView => Rule::SignedIn,
            // A team's leaders and admins run its members and its projects, as do staff of its region.
            // Running an activity: roster, attendance, confirming hours, deciding corrections.
            Self::TeamMembersManage | Self::ProjectEdit | Self::ActivityRun => Rule::StaffInRegionOrTeamRunner,
            // Published projects are public within the platform (drafts: see the projects service).
            Self::ProjectView => Rule::SignedIn,
            // A volunteer sees (and may reveal) their own record; staff those of their region.
            Self::VolunteerView | Self::VolunteerReveal => Rule::StaffInRegionOrOwner,
        }
    }
}

enum Rule {
    /// Admin roles whose region covers the target's region.
    StaffInRegion,
    /// Admin roles of a level above the village (that can name someone below them) whose region
    /// covers the target's.
    GrantorInRegion,
    /// Only the account that owns the target.
    Owner,
    /// Either of the two.
    StaffInRegionOrOwner,
    /// Staff of the region, or a leader or admin of the target's team.
    StaffInRegionOrTeamRunner,
    /// Anyone signed in.
    SignedIn,
}

/// Who is acting. The CLI acts as the operator `system`, which is audited like a staff account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    System,
    Account {
        id: AccountId,
        /// How the audit log names the account (the masked phone).
        label: String,
        grants: Vec<Grant>,
        /// The teams this account's volunteer belongs to, with the role held in each.
        teams: Vec<(TeamId, TeamRole)>,
    },
}

impl Actor {
    pub fn account_id(&self) -> Option<AccountId> {
        match self {
            Self::System => None,
            Self::Account { id, .. } => Some(*id),
        }
    }

    pub fn label(&self) -> &str {
        match self {
            Self::System => "system",
            Self::Account { label, .. } => label,
        }
    }

    pub fn grants(&self) -> &[Grant] {
        match self {
            Self::System => &[],
            Self::Account { grants, .. } => grants,
        }
    }

    /// The region an actor's staff roles reach furthest into (the widest one), if any.
    pub fn home_region(&self) -> Option<&RegionCode> {
        self.grants()
            .iter()
            .filter_map(|g| g.region.as_ref())
            .min_by_key(|code| code.level())
    }

    /// The highest role, for the audit log's "role" column.
    pub fn main_role(&self) -> Option<Role> {
        self.grants().iter().map(|g| g.role).min()
    }
}

/// What the policy looks at in the object acted upon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub region: Option<RegionCode>,
    pub owner: Option<AccountId>,
    pub team: Option<TeamId>,
}

impl Target {
    pub fn in_region(region: RegionCode) -> Self {
        Self {
            region: Some(region),
            owner: None,
            team: None,
        }
    }

    /// A team's object: in the team's region, run by the team's leaders and admins.
    pub fn of_team(team: TeamId, region: RegionCode) -> Self {
        Self {
            region: Some(region),
            owner: None,
            team: Some(team),
        }
    }

    /// Something that belongs to one account and to no region (an account's own profile).
    pub fn owned_by(owner: AccountId) -> Self {
        Self {
            region: None,
            owner: Some(owner),
            team: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// Some of the actor's roles may do this, but not on this target: answer "not found".
    OutOfScope,
    /// None of the actor's roles may ever do this: answer "forbidden".
    Forbidden,
}

/// Whether any of the actor's roles may ever do this, wherever (the "forbidden" half of `can`):
/// asked before anything is looked up, so that a refusal never tells whether an id exists.
pub fn capable(actor: &Actor, action: Action) -> bool {
    let Actor::Account { grants, teams, .. } = actor else {
        return true;
    };
    let staff = grants.iter().any(|g| g.region.is_some());
    match action.rule() {
        Rule::StaffInRegion => staff,
        Rule::GrantorInRegion => crate::role::grants_any(grants),
        Rule::StaffInRegionOrTeamRunner => staff || teams.iter().any(|(_, role)| role.runs_team()),
        Rule::Owner | Rule::StaffInRegionOrOwner | Rule::SignedIn => true,
    }
}

pub fn can(actor: &Actor, action: Action, target: &Target) -> Decision {
    let Actor::Account { id, grants, teams, .. } = actor else {
        return Decision::Allow;
    };
    let staff: Vec<&RegionCode> = grants.iter().filter_map(|g| g.region.as_ref()).collect();
    let staff_in_scope = target
        .region
        .as_ref()
        .is_some_and(|target| staff.iter().any(|region| region.covers(target)));
    let owner = target.owner == Some(*id);
    let runs_team = |team: &TeamId| teams.iter().any(|(t, role)| t == team && role.runs_team());
    let runner = target.team.as_ref().is_some_and(runs_team);
    let runs_any_team = teams.iter().any(|(_, role)| role.runs_team());
    let (capable, in_scope) = match action.rule() {
        Rule::StaffInRegion => (!staff.is_empty(), staff_in_scope),
        Rule::GrantorInRegion => (crate::role::grants_any(grants), staff_in_scope),
        Rule::Owner => (true, owner),
        Rule::StaffInRegionOrOwner => (true, staff_in_scope || owner),
        Rule::StaffInRegionOrTeamRunner => (!staff.is_empty() || runs_any_team, staff_in_scope || runner),
        Rule::SignedIn => (true, true),
    };
    match (capable, in_scope) {
        (true, true) => Decision::Allow,
        (true, false) => Decision::OutOfScope,
        (false, _) => Decision::Forbidden,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> RegionCode {
        RegionCode::parse(s).unwrap()
    }

    fn actor(role: Role, region: Option<&str>) -> Actor {
        Actor::Account {
            id: AccountId(7),
            label: "138****0007".into(),
            grants: vec![Grant::new(role, region.map(code)).unwrap()],
            teams: vec![],
        }
    }

    #[test]
    fn a_county_admin_acts_in_its_county_and_below_only() {
        let admin = actor(Role::CenterAdmin, Some("140824"));
        let inside = Target::in_region(code("140824003001"));
        let outside = Target::in_region(code("140825003001"));
        let above = Target::in_region(code("140800"));
        assert_eq!(can(&admin, Action::SiteEdit, &inside), Decision::Allow);
        assert_eq!(can(&admin, Action::SiteEdit, &outside), Decision::OutOfScope);
        assert_eq!(can(&admin, Action::RegionView, &above), Decision::OutOfScope);
    }

    #[test]
    fn volunteers_and_citizens_never_do_staff_work() {
        for role in [Role::Volunteer, Role::Citizen] {
            let person = actor(role, None);
            let target = Target::in_region(code("140824"));
            assert_eq!(can(&person, Action::AuditView, &target), Decision::Forbidden);
        }
    }

    #[test]
    fn a_profile_is_visible_to_its_owner_only() {
        let person = actor(Role::Volunteer, None);
        assert_eq!(
            can(&person, Action::ProfileView, &Target::owned_by(AccountId(7))),
            Decision::Allow
        );
        assert_eq!(
            can(&person, Action::ProfileView, &Target::owned_by(AccountId(8))),
            Decision::OutOfScope
        );
    }

    #[test]
    fn a_volunteer_record_is_seen_by_its_owner_and_by_staff_of_its_region() {
        let record = Target {
            region: Some(code("140824001001")),
            owner: Some(AccountId(7)),
            team: None,
        };
        assert_eq!(
            can(&actor(Role::Volunteer, None), Action::VolunteerView, &record),
            Decision::Allow
        );
        let stranger = Actor::Account {
            id: AccountId(8),
            label: "138****0008".into(),
            grants: vec![Grant::new(Role::Volunteer, None).unwrap()],
            teams: vec![],
        };
        assert_eq!(can(&stranger, Action::VolunteerView, &record), Decision::OutOfScope);
        let someone_elses = Target {
            owner: Some(AccountId(42)),
            ..record
        };
        let institute = actor(Role::InstituteAdmin, Some("140824001"));
        assert_eq!(
            can(&institute, Action::VolunteerReveal, &someone_elses),
            Decision::Allow
        );
        let other_county = actor(Role::CenterAdmin, Some("140825"));
        assert_eq!(
            can(&other_county, Action::VolunteerReveal, &someone_elses),
            Decision::OutOfScope
        );
        assert_eq!(
            can(&actor(Role::Volunteer, None), Action::VolunteerList, &someone_elses),
            Decision::Forbidden
        );
    }

    #[test]
    fn a_team_leader_runs_the_members_of_their_own_team_only() {
        let leader = Actor::Account {
            id: AccountId(9),
            label: "138****0009".into(),
            grants: vec![Grant::new(Role::Volunteer, None).unwrap()],
            teams: vec![(TeamId(1), TeamRole::Leader), (TeamId(2), TeamRole::Member)],
        };
        let region = code("140824001001");
        let own = Target::of_team(TeamId(1), region.clone());
        let member_of = Target::of_team(TeamId(2), region.clone());
        let other = Target::of_team(TeamId(3), region.clone());
        assert_eq!(can(&leader, Action::TeamMembersManage, &own), Decision::Allow);
        assert_eq!(
            can(&leader, Action::TeamMembersManage, &member_of),
            Decision::OutOfScope
        );
        assert_eq!(can(&leader, Action::TeamMembersManage, &other), Decision::OutOfScope);
        assert_eq!(
            can(&leader, Action::TeamManage, &own),
            Decision::Forbidden,
            "suspending is the site's"
        );
        let plain = actor(Role::Volunteer, None);
        assert_eq!(can(&plain, Action::TeamMembersManage, &own), Decision::Forbidden);
    }

    #[test]
    fn a_second_role_widens_what_an_account_may_do() {
        let both = Actor::Account {
            id: AccountId(7),
            label: "138****0007".into(),
            grants: vec![
                Grant::new(Role::Volunteer, None).unwrap(),
                Grant::new(Role::StationAdmin, Some(code("140824001001"))).unwrap(),
            ],
            teams: vec![],
        };
        let station = Target::in_region(code("140824001001"));
        assert_eq!(can(&both, Action::SiteEdit, &station), Decision::Allow);
        assert_eq!(both.home_region(), Some(&code("140824001001")));
    }

    #[test]
    fn capable_is_exactly_what_can_does_not_forbid_on_any_target() {
        let targets = [
            Target::in_region(code("140824001001")),
            Target::in_region(code("141002")),
            Target::owned_by(AccountId(7)),
            Target::of_team(TeamId(1), code("140824001001")),
        ];
        let actors = [
            actor(Role::CityAdmin, Some("140800")),
            actor(Role::StationAdmin, Some("140824001001")),
            actor(Role::Volunteer, None),
            Actor::Account {
                id: AccountId(9),
                label: "138****0009".into(),
                grants: vec![Grant::new(Role::Volunteer, None).unwrap()],
                teams: vec![(TeamId(1), TeamRole::Admin)],
            },
        ];
        for who in &actors {
            for &action in Action::ALL {
                for target in &targets {
                    assert_eq!(
                        capable(who, action),
                        can(who, action, target) != Decision::Forbidden,
                        "{action:?} for {who:?} on {target:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_system_operator_may_do_everything() {
        for &action in Action::ALL {
            assert_eq!(
                can(&Actor::System, action, &Target::in_region(code("140800"))),
                Decision::Allow
            );
        }
    }
}
