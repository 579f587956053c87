//! Teams under practice sites (§3.5): founded by a site's admin, or applied for by a volunteer
//! and reviewed by the site's admin; suspended, restored, dissolved (records kept, read-only);
//! members by request and approval or by invitation and acceptance.

use crate::audit::{Change, Event, event, record};
use crate::error::DbContext;
use crate::{ServiceError, ServiceResult, Services, authorize};
use hongmajia_domain::team::{MembershipEvent, MembershipState, TeamEvent, TeamKind, TeamRole, TeamState};
use hongmajia_domain::{AccountId, SiteId, VolunteerId};
use hongmajia_domain::{Action, Actor, DomainError, ErrorCode, RegionCode, RegionName, Target, TeamId};
use hongmajia_store::teams::Membership;
use hongmajia_store::transition::{self, Lifecycle};
use hongmajia_store::{Tx, new_id, sites, teams, volunteers};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamInput {
    /// The practice site the team belongs to.
    pub site_id: SiteId,
    pub name: String,
    /// `professional` (专业队伍) or `characteristic` (特色分队).
    pub kind: String,
    /// A specialty (理论宣讲 …) of a professional team, a group (巾帼 …) of a characteristic one.
    pub specialty: String,
    #[serde(default)]
    pub categories: Vec<String>,
    #[serde(default)]
    pub description: String,
    /// Staff founding a team may name its leader by the volunteer code the person gave them:
    /// the leader is invited and leads once they accept (the operator `system` names one at once).
    #[serde(default)]
    pub leader_code: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Team {
    pub id: TeamId,
    pub site_id: SiteId,
    pub region_code: String,
    pub name: String,
    #[schema(value_type = String)]
    pub kind: TeamKind,
    pub specialty: String,
    pub categories: Vec<String>,
    pub description: String,
    #[schema(value_type = String)]
    pub state: TeamState,
    pub state_reason: Option<String>,
    #[serde(skip)]
    applied_by: Option<AccountId>,
}

/// The answer to an invitation: nothing about the invitee until they accept.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Invitation {
    pub team_id: TeamId,
    /// `invited`.
    #[schema(value_type = String)]
    pub state: MembershipState,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Member {
    pub volunteer_id: VolunteerId,
    pub name: String,
    pub code: String,
    #[schema(value_type = String)]
    pub role: TeamRole,
    #[schema(value_type = String)]
    pub state: MembershipState,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TeamDetail {
    pub team: Team,
    /// Shown to staff of the region and to the team's leaders and admins.
    pub members: Option<Vec<Member>>,
}

/// Active teams of a region per kind of site: the county's "8+N" at a glance.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct TeamCounts {
    pub site_kind: String,
    pub professional: i64,
    pub characteristic: i64,
}

fn rule(code: ErrorCode, field: &'static str) -> ServiceError {
    ServiceError::Rule(DomainError::on(code, field))
}

impl Team {
    fn from_row(row: teams::TeamRow) -> Self {
        Self {
            id: row.id,
            site_id: row.site_id,
            region_code: row.region_code,
            name: row.name,
            kind: row.kind,
            specialty: row.specialty,
            categories: row
                .categories
                .split('、')
                .filter(|c| !c.is_empty())
                .map(str::to_owned)
                .collect(),
            description: row.description,
            state: row.state,
            state_reason: row.state_reason,
            applied_by: row.applied_by,
        }
    }

    fn region(&self) -> ServiceResult<RegionCode> {
        RegionCode::parse(&self.region_code)
            .map_err(|e| ServiceError::Internal(anyhow::anyhow!("a stored team has an invalid region: {e}")))
    }

    fn target(&self) -> ServiceResult<Target> {
        Ok(Target::of_team(self.id, self.region()?))
    }

    /// The account that applied for the team, as the owner of its application.
    fn application(&self) -> Target {
        Target {
            region: None,
            owner: self.applied_by,
            team: None,
        }
    }
}

/// A checked team input.
struct CheckedTeam {
    name: RegionName,
    kind: TeamKind,
    specialty: &'static str,
    categories: String,
    description: String,
}

fn check(input: &TeamInput) -> ServiceResult<CheckedTeam> {
    let name = RegionName::parse(&input.name)?;
    let kind = TeamKind::from_input(&input.kind).ok_or_else(|| rule(ErrorCode::InvalidTeamKind, "kind"))?;
    let specialty = kind
        .specialty(&input.specialty)
        .ok_or_else(|| rule(ErrorCode::InvalidSpecialty, "specialty"))?;
    let categories: Vec<&str> = input
        .categories
        .iter()
        .map(|c| c.trim())
        .filter(|c| !c.is_empty())
        .collect();
    if categories.len() > 20 || categories.iter().any(|c| c.chars().count() > 20) {
        return Err(rule(ErrorCode::InvalidName, "categories"));
    }
    let description = input.description.trim().to_owned();
    if description.chars().count() > 2000 {
        return Err(rule(ErrorCode::InvalidName, "description"));
    }
    Ok(CheckedTeam {
        name,
        kind,
        specialty,
        categories: categories.join("、"),
        description,
    })
}

impl Services {
    async fn load_team(&self, tx: &mut Tx, id: TeamId) -> ServiceResult<Team> {
        teams::find(tx, id)
            .await
            .doing("finding the team")?
            .map(Team::from_row)
            .ok_or_else(|| ServiceError::rule(ErrorCode::NotFound))
    }

    /// The volunteer record of the signed-in account, or `not_registered`.
    async fn own_volunteer(&self, tx: &mut Tx, actor: &Actor) -> ServiceResult<VolunteerId> {
        let account = actor
            .account_id()
            .ok_or_else(|| ServiceError::rule(ErrorCode::NotRegistered))?;
        volunteers::find_by_account(tx, account)
            .await
            .doing("finding the registration")?
            .map(|v| v.id)
            .ok_or_else(|| ServiceError::rule(ErrorCode::NotRegistered))
    }

    /// The site's region, or a refusal that names the field.
    async fn site_region(&self, tx: &mut Tx, site_id: SiteId) -> ServiceResult<RegionCode> {
        let site = sites::find(tx, site_id)
            .await
            .doing("finding the site")?
            .ok_or_else(|| ServiceError::on(ErrorCode::NotFound, "site_id"))?;
        RegionCode::parse(&site.region_code).map_err(|e| ServiceError::Internal(anyhow::anyhow!("site region: {e}")))
    }

    async fn insert_team(
        &self,
        tx: &mut Tx,
        input: &TeamInput,
        region: &RegionCode,
        state: TeamState,
        applied_by: Option<AccountId>,
    ) -> ServiceResult<TeamId> {
        let checked = check(input)?;
        let id = new_id();
        let row = teams::NewTeam {
            id,
            site_id: input.site_id,
            region_code: region.as_str(),
            name: checked.name.as_str(),
            kind: checked.kind,
            specialty: checked.specialty,
            categories: &checked.categories,
            description: &checked.description,
            state,
            applied_by,
            at: self.now(),
        };
        teams::insert(tx, &row)
            .await
            .unique_or(ErrorCode::TeamExists, "name", "storing the team")?;
        Ok(id)
    }

    /// Founded by staff of the site's region: active at once.
    pub async fn create_team(&self, actor: &Actor, input: &TeamInput) -> ServiceResult<Team> {
        crate::refuse_unless_capable(actor, Action::TeamCreate)?;
        let mut tx = self.db.begin().await.doing("starting the team creation")?;
        let region = self.site_region(&mut tx, input.site_id).await?;
        authorize(actor, Action::TeamCreate, &Target::in_region(region.clone()))?;
        let id = self
            .insert_team(&mut tx, input, &region, TeamState::Active, None)
            .await?;
        if let Some(code) = input.leader_code.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
            let leader = self.volunteer_of_code(&mut tx, code, "leader_code").await?;
            // Leading is the volunteer's own choice: staff invite, the operator names at once.
            let state = match actor {
                Actor::System => MembershipState::Member,
                Actor::Account { .. } => MembershipState::Invited,
            };
            let leading = Membership {
                role: TeamRole::Leader,
                state,
            };
            teams::put_membership(&mut tx, id, leader, leading, self.now())
                .await
                .doing("adding the leader")?;
        }
        self.audit_team(
            &mut tx,
            actor,
            Action::TeamCreate,
            id,
            &region,
            event!("team.founded", team = input.name.trim()),
        )
        .await?;
        let team = self.load_team(&mut tx, id).await?;
        self.commit_changing(tx, &crate::cache::ACCESS, "committing the team")
            .await?;
        Ok(team)
    }

    /// Applied for by a registered volunteer, who becomes its leader once the site approves.
    pub async fn apply_for_team(&self, actor: &Actor, input: &TeamInput) -> ServiceResult<Team> {
        let account = actor
            .account_id()
            .ok_or_else(|| ServiceError::rule(ErrorCode::NotRegistered))?;
        authorize(actor, Action::TeamApply, &Target::owned_by(account))?;
        let mut tx = self.db.begin().await.doing("starting the team application")?;
        let volunteer = self.own_volunteer(&mut tx, actor).await?;
        let region = self.site_region(&mut tx, input.site_id).await?;
        let id = self
            .insert_team(&mut tx, input, &region, TeamState::Applied, Some(account))
            .await?;
        let leading = Membership {
            role: TeamRole::Leader,
            state: MembershipState::Member,
        };
        teams::put_membership(&mut tx, id, volunteer, leading, self.now())
            .await
            .doing("adding the applicant as leader")?;
        self.audit_team(
            &mut tx,
            actor,
            Action::TeamApply,
            id,
            &region,
            event!("team.applied", team = input.name.trim()),
        )
        .await?;
        let team = self.load_team(&mut tx, id).await?;
        self.commit_changing(tx, &crate::cache::ACCESS, "committing the application")
            .await?;
        Ok(team)
    }

    /// One step of a team's life, by whoever the event is for: the site's staff approve or
    /// reject (with a reason) an application, and suspend (with a reason), restore or dissolve a
    /// team; the applicant resubmits a rejected application.
    pub async fn change_team(
        &self,
        actor: &Actor,
        id: TeamId,
        event: TeamEvent,
        reason: Option<&str>,
    ) -> ServiceResult<Team> {
        if event == TeamEvent::Resubmit {
            let application = |team: &Team| Ok(team.application());
            return self
                .move_team(actor, id, (Action::TeamApply, application), event, None)
                .await;
        }
        let action = if event.is_review() {
            Action::TeamReview
        } else {
            Action::TeamManage
        };
        self.move_team(actor, id, (action, Team::target), event, reason).await
    }

    /// One step of a team's life, authorized as `action` on the target `target_of` gives.
    async fn move_team(
        &self,
        actor: &Actor,
        id: TeamId,
        (action, target_of): (Action, impl Fn(&Team) -> ServiceResult<Target>),
        event: TeamEvent,
        reason: Option<&str>,
    ) -> ServiceResult<Team> {
        crate::refuse_unless_capable(actor, action)?;
        let mut tx = self.db.begin().await.doing("starting the team change")?;
        let team = self.load_team(&mut tx, id).await?;
        authorize(actor, action, &target_of(&team)?)?;
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        if event.needs_reason() && reason.is_none() {
            return Err(rule(ErrorCode::ReasonRequired, "reason"));
        }
        let from = team.state;
        let to = from.after(event)?;
        if !transition::move_state(&mut tx, Lifecycle::Teams(from, to), id.0, reason, self.now())
            .await
            .doing("changing the team's state")?
        {
            return Err(rule(ErrorCode::InvalidTransition, "state"));
        }
        let region = team.region()?;
        let what = event!(
            "team.moved",
            team = team.name,
            from = from,
            to = to,
            reason = reason.unwrap_or("")
        );
        self.audit_team(&mut tx, actor, action, id, &region, what).await?;
        let team = self.load_team(&mut tx, id).await?;
        self.commit_changing(tx, &crate::cache::ACCESS, "committing the team change")
            .await?;
        Ok(team)
    }

    async fn audit_team(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        action: Action,
        team: TeamId,
        region: &RegionCode,
        event: Event,
    ) -> ServiceResult<()> {
        let change = Change {
            action,
            target_kind: "team",
            target_id: team.to_string(),
            region: Some(region),
            event,
        };
        record(tx, actor, self.now(), change).await
    }

    /// A team; its members for the region's staff and the team's leaders and admins.
    pub async fn team(&self, actor: &Actor, id: TeamId) -> ServiceResult<TeamDetail> {
        let mut tx = self.db.read().await.doing("starting a read")?;
        let team = self.load_team(&mut tx, id).await?;
        let target = team.target()?;
        authorize(actor, Action::TeamView, &target)?;
        let sees_members =
            hongmajia_domain::can(actor, Action::TeamMembersManage, &target) == hongmajia_domain::Decision::Allow;
        let members = if sees_members {
            let rows = teams::members(&mut tx, id).await.doing("listing members")?;
            Some(
                rows.into_iter()
                    .map(|m| Member {
                        volunteer_id: m.volunteer_id,
                        // An invitee's name is theirs to show, by accepting.
                        name: if m.state == MembershipState::Invited {
                            String::new()
                        } else {
                            m.name
                        },
                        code: m.code,
                        role: m.role,
                        state: m.state,
                    })
                    .collect(),
            )
        } else {
            None
        };
        Ok(TeamDetail { team, members })
    }

    /// Teams of a region and below, whose name holds `name` (one or two Chinese characters work).
    pub async fn teams(&self, actor: &Actor, region: &str, name: &str, page: u32) -> ServiceResult<Vec<Team>> {
        let region = RegionCode::parse(region).map_err(|_| ServiceError::rule(ErrorCode::NotFound))?;
        authorize(actor, Action::TeamView, &Target::in_region(region.clone()))?;
        let offset = (i64::from(page.max(1)) - 1) * 100;
        let name = hongmajia_store::like_literal(name.trim());
        let mut tx = self.db.read().await.doing("starting a read")?;
        let rows = teams::in_scope(&mut tx, region.scope_prefix(), &name, 100, offset)
            .await
            .doing("listing teams")?;
        Ok(rows.into_iter().map(Team::from_row).collect())
    }

    /// Active professional and characteristic teams per kind of site under a region.
    pub async fn team_counts(&self, actor: &Actor, region: &str) -> ServiceResult<Vec<TeamCounts>> {
        let region = RegionCode::parse(region).map_err(|_| ServiceError::rule(ErrorCode::NotFound))?;
        authorize(actor, Action::TeamView, &Target::in_region(region.clone()))?;
        let mut tx = self.db.read().await.doing("starting a read")?;
        let rows = teams::count_by_site_and_kind(&mut tx, region.scope_prefix())
            .await
            .doing("counting teams")?;
        let mut counts: Vec<TeamCounts> = ["center", "institute", "station"]
            .into_iter()
            .map(|kind| TeamCounts {
                site_kind: kind.to_owned(),
                ..TeamCounts::default()
            })
            .collect();
        for (site_kind, team_kind, n) in rows {
            if let Some(entry) = counts.iter_mut().find(|c| c.site_kind == site_kind) {
                match TeamKind::parse(&team_kind) {
                    Some(TeamKind::Professional) => entry.professional = n,
                    _ => entry.characteristic = n,
                }
            }
        }
        Ok(counts)
    }

    /// A volunteer asks to join an active team.
    pub async fn request_membership(&self, actor: &Actor, team_id: TeamId) -> ServiceResult<Member> {
        self.own_membership_step(actor, team_id, None).await
    }

    /// A volunteer accepts an invitation, or leaves.
    pub async fn answer_membership(
        &self,
        actor: &Actor,
        team_id: TeamId,
        event: MembershipEvent,
    ) -> ServiceResult<Member> {
        self.own_membership_step(actor, team_id, Some(event)).await
    }

    async fn own_membership_step(
        &self,
        actor: &Actor,
        team_id: TeamId,
        event: Option<MembershipEvent>,
    ) -> ServiceResult<Member> {
        let account = actor
            .account_id()
            .ok_or_else(|| ServiceError::rule(ErrorCode::NotRegistered))?;
        authorize(actor, Action::TeamJoin, &Target::owned_by(account))?;
        let mut tx = self.db.begin().await.doing("starting the membership change")?;
        let team = self.load_team(&mut tx, team_id).await?;
        let volunteer = self.own_volunteer(&mut tx, actor).await?;
        let current = teams::membership(&mut tx, team_id, volunteer)
            .await
            .doing("reading the membership")?;
        let next = match (event, current) {
            (None, Some(current)) if current.state.is_open() => {
                return Err(ServiceError::rule(ErrorCode::MembershipExists));
            }
            (None, _) => {
                if !team.state.is_active() {
                    return Err(ServiceError::rule(ErrorCode::TeamNotActive));
                }
                Membership {
                    role: TeamRole::Member,
                    state: MembershipState::Requested,
                }
            }
            (Some(event), Some(current)) => Membership {
                role: current.role,
                state: current.state.after(event)?,
            },
            (Some(_), None) => return Err(ServiceError::rule(ErrorCode::NotFound)),
        };
        teams::put_membership(&mut tx, team_id, volunteer, next, self.now())
            .await
            .doing("storing the membership")?;
        let member = self.member_of(&mut tx, team_id, volunteer).await?;
        self.commit_changing(tx, &crate::cache::ACCESS, "committing the membership")
            .await?;
        Ok(member)
    }

    /// Staff of the region or the team's leaders and admins invite a registered volunteer.
    /// Invites the volunteer of a volunteer code (the one the person gave) to the team; the
    /// answer says nothing about them until they accept.
    pub async fn invite(&self, actor: &Actor, team_id: TeamId, volunteer_code: &str) -> ServiceResult<Invitation> {
        crate::refuse_unless_capable(actor, Action::TeamMembersManage)?;
        let mut tx = self.db.begin().await.doing("starting the invitation")?;
        let team = self.load_team(&mut tx, team_id).await?;
        let target = team.target()?;
        authorize(actor, Action::TeamMembersManage, &target)?;
        if !team.state.is_active() {
            return Err(ServiceError::rule(ErrorCode::TeamNotActive));
        }
        let volunteer_id = self
            .volunteer_of_code(&mut tx, volunteer_code.trim(), "volunteer_code")
            .await?;
        let current = teams::membership(&mut tx, team_id, volunteer_id)
            .await
            .doing("reading the membership")?;
        if current.is_some_and(|m| m.state.is_open()) {
            return Err(ServiceError::rule(ErrorCode::MembershipExists));
        }
        let invited = Membership {
            role: TeamRole::Member,
            state: MembershipState::Invited,
        };
        teams::put_membership(&mut tx, team_id, volunteer_id, invited, self.now())
            .await
            .doing("storing the invitation")?;
        let region = team.region()?;
        let what = event!("team.invited", team = team.name, volunteer = volunteer_id);
        self.audit_team(&mut tx, actor, Action::TeamMembersManage, team_id, &region, what)
            .await?;
        self.commit_changing(tx, &crate::cache::ACCESS, "committing the invitation")
            .await?;
        Ok(Invitation {
            team_id,
            state: MembershipState::Invited,
        })
    }

    /// The volunteer of a public volunteer code; a code nobody has is `not_registered`.
    async fn volunteer_of_code(&self, tx: &mut Tx, code: &str, field: &'static str) -> ServiceResult<VolunteerId> {
        if !hongmajia_domain::person::is_volunteer_code(code) {
            return Err(rule(ErrorCode::NotRegistered, field));
        }
        volunteers::id_by_code(tx, code)
            .await
            .doing("finding the code")?
            .ok_or_else(|| rule(ErrorCode::NotRegistered, field))
    }

    /// Approve or reject a request, remove a member, or change a member's role.
    pub async fn decide_membership(
        &self,
        actor: &Actor,
        team_id: TeamId,
        volunteer_id: VolunteerId,
        event: Option<MembershipEvent>,
        role: Option<TeamRole>,
    ) -> ServiceResult<Member> {
        crate::refuse_unless_capable(actor, Action::TeamMembersManage)?;
        let mut tx = self.db.begin().await.doing("starting the membership decision")?;
        let team = self.load_team(&mut tx, team_id).await?;
        let target = team.target()?;
        authorize(actor, Action::TeamMembersManage, &target)?;
        let current = teams::membership(&mut tx, team_id, volunteer_id)
            .await
            .doing("reading the membership")?
            .ok_or_else(|| ServiceError::rule(ErrorCode::NotFound))?;
        // Who leads and who runs the team is the leader's (or the staff's) to change: an admin
        // can neither promote, demote nor remove a leader or an admin.
        let touches_runners = role.is_some_and(TeamRole::runs_team) || current.role.runs_team();
        if touches_runners && !leads_or_staff(actor, team_id, &target) {
            tracing::warn!(event = "access_denied", reason = "not_leader", actor = actor.label());
            return Err(ServiceError::rule(ErrorCode::Forbidden));
        }
        let from = current.state;
        let to = match event {
            Some(event @ (MembershipEvent::Approve | MembershipEvent::Reject | MembershipEvent::Remove)) => {
                from.after(event)?
            }
            Some(_) => return Err(rule(ErrorCode::InvalidTransition, "decision")),
            None if from == MembershipState::Member => from,
            None => return Err(rule(ErrorCode::InvalidTransition, "state")),
        };
        let role = role.unwrap_or(current.role);
        teams::put_membership(
            &mut tx,
            team_id,
            volunteer_id,
            Membership { role, state: to },
            self.now(),
        )
        .await
        .doing("storing the decision")?;
        let region = team.region()?;
        let what = event!(
            "team.member_moved",
            team = team.name,
            volunteer = volunteer_id,
            from = from,
            to = to,
            role = role
        );
        self.audit_team(&mut tx, actor, Action::TeamMembersManage, team_id, &region, what)
            .await?;
        let member = self.member_of(&mut tx, team_id, volunteer_id).await?;
        self.commit_changing(tx, &crate::cache::ACCESS, "committing the decision")
            .await?;
        Ok(member)
    }

    async fn member_of(&self, tx: &mut Tx, team_id: TeamId, volunteer_id: VolunteerId) -> ServiceResult<Member> {
        let rows = teams::members(tx, team_id).await.doing("reading the members")?;
        rows.into_iter()
            .find(|m| m.volunteer_id == volunteer_id)
            .map(|m| Member {
                volunteer_id: m.volunteer_id,
                name: m.name,
                code: m.code,
                role: m.role,
                state: m.state,
            })
            .ok_or_else(|| ServiceError::Internal(anyhow::anyhow!("the membership vanished")))
    }
}

/// One of the signed-in volunteer's memberships.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MyMembership {
    pub team_id: TeamId,
    pub team_name: String,
    #[schema(value_type = String)]
    pub team_state: TeamState,
    #[schema(value_type = String)]
    pub role: TeamRole,
    #[schema(value_type = String)]
    pub state: MembershipState,
}

/// What a volunteer's team page shows: their memberships, the active teams of their county, and
/// the sites (village, township, county) they may apply to found a team under.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MyTeams {
    pub memberships: Vec<MyMembership>,
    pub nearby: Vec<Team>,
    pub sites: Vec<crate::sites::Site>,
}

impl Services {
    pub async fn my_teams(&self, actor: &Actor) -> ServiceResult<MyTeams> {
        let mut tx = self.db.read().await.doing("starting a read")?;
        let volunteer = self.own_volunteer(&mut tx, actor).await?;
        let memberships = teams::memberships_of(&mut tx, volunteer)
            .await
            .doing("reading the memberships")?
            .into_iter()
            .map(|m| MyMembership {
                team_id: m.team_id,
                team_name: m.team_name,
                team_state: m.team_state,
                role: m.role,
                state: m.state,
            })
            .collect();
        let row = volunteers::find(&mut tx, volunteer)
            .await
            .doing("reading the registration")?;
        let home = row
            .and_then(|r| RegionCode::parse(&r.region_code).ok())
            .ok_or_else(|| ServiceError::rule(ErrorCode::NotRegistered))?;
        let lineage: Vec<RegionCode> = home
            .lineage()
            .into_iter()
            .filter(|r| r.level().site_kind().is_some())
            .collect();
        let county = lineage.last().cloned().unwrap_or_else(|| home.clone());
        let nearby = teams::in_scope(&mut tx, county.scope_prefix(), "", 200, 0)
            .await
            .doing("listing teams")?
            .into_iter()
            .map(Team::from_row)
            .filter(|t| t.state.is_active())
            .collect();
        let mut found = Vec::new();
        for region in &lineage {
            if let Some(site) = sites::find_by_region(&mut tx, region.as_str())
                .await
                .doing("finding a site")?
            {
                found.push(crate::sites::Site::from_row(site));
            }
        }
        Ok(MyTeams {
            memberships,
            nearby,
            sites: found,
        })
    }
}

/// Whether the actor leads this team or is staff over it (the operator is both).
fn leads_or_staff(actor: &Actor, team: TeamId, target: &Target) -> bool {
    let leads = match actor {
        Actor::System => true,
        Actor::Account { teams, .. } => teams.iter().any(|(t, role)| *t == team && *role == TeamRole::Leader),
    };
    leads || hongmajia_domain::can(actor, Action::TeamManage, target) == hongmajia_domain::Decision::Allow
}
