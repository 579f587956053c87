//! Volunteer service projects: created by a site's staff or a team's leaders and admins, submitted,
//! reviewed by the owning site's staff (is it volunteer service at all? R-REC-12), published,
//! closed by the owner or at the end of the period.

use crate::audit::{Change, event, record};
use crate::error::DbContext;
use crate::{ServiceError, ServiceResult, Services, authorize};
use hongmajia_domain::ProjectId;
use hongmajia_domain::SiteId;
use hongmajia_domain::project::{ProjectEvent, ProjectState, period};
use hongmajia_domain::{Action, Actor, Decision, DomainError, ErrorCode, RegionCode, RegionName, Target, TeamId, can};
use hongmajia_store::transition::{self, Lifecycle};
use hongmajia_store::{Tx, new_id, projects, sites, teams};
use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::ToSchema;

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectInput {
    /// The owning team (its site owns the project too); or give `site_id` for a site's own project.
    #[serde(default)]
    pub team_id: Option<TeamId>,
    #[serde(default)]
    pub site_id: Option<SiteId>,
    pub title: String,
    /// A category code or its Chinese name: 理论宣讲, 移风易俗, 送文化下乡, 交通劝导, …
    pub category: String,
    #[serde(default)]
    pub description: String,
    /// YYYY-MM-DD
    pub starts_on: String,
    /// YYYY-MM-DD, on or after `starts_on`
    pub ends_on: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Project {
    pub id: ProjectId,
    pub site_id: SiteId,
    pub team_id: Option<TeamId>,
    pub region_code: String,
    pub title: String,
    pub category: String,
    /// The category's names, Chinese and English.
    pub category_name_zh: String,
    pub category_name_en: String,
    pub description: String,
    pub starts_on: String,
    pub ends_on: String,
    #[schema(value_type = String)]
    pub state: ProjectState,
    pub state_reason: Option<String>,
}

fn rule(code: ErrorCode, field: &'static str) -> ServiceError {
    ServiceError::Rule(DomainError::on(code, field))
}

fn date(raw: &str, field: &'static str) -> ServiceResult<Date> {
    Date::parse(raw.trim(), time::macros::format_description!("[year]-[month]-[day]"))
        .map_err(|_| rule(ErrorCode::InvalidDate, field))
}

impl Project {
    fn from_row(row: projects::ProjectRow) -> Self {
        Self {
            id: row.id,
            site_id: row.site_id,
            team_id: row.team_id,
            region_code: row.region_code,
            title: row.title,
            category: row.category,
            category_name_zh: row.category_zh,
            category_name_en: row.category_en,
            description: row.description,
            starts_on: row.starts_on.to_string(),
            ends_on: row.ends_on.to_string(),
            state: row.state,
            state_reason: row.state_reason,
        }
    }

    /// The project as the policy sees it: in its site's region, run by its team's runners.
    fn target(&self) -> ServiceResult<Target> {
        let region = RegionCode::parse(&self.region_code)
            .map_err(|e| ServiceError::Internal(anyhow::anyhow!("a stored project has an invalid region: {e}")))?;
        Ok(Target {
            region: Some(region),
            owner: None,
            team: self.team_id,
        })
    }
}

impl Services {
    /// The owning site and region of a new project, and the target its owner is checked on.
    async fn project_owner(&self, tx: &mut Tx, input: &ProjectInput) -> ServiceResult<(SiteId, RegionCode, Target)> {
        let (site_id, team) = match (input.team_id, input.site_id) {
            (Some(team), _) => {
                let row = teams::find(tx, team)
                    .await
                    .doing("finding the team")?
                    .ok_or_else(|| rule(ErrorCode::NotFound, "team_id"))?;
                if !row.state.is_active() {
                    return Err(rule(ErrorCode::TeamNotActive, "team_id"));
                }
                (row.site_id, Some(team))
            }
            (None, Some(site)) => (site, None),
            (None, None) => return Err(rule(ErrorCode::MissingField, "team_id")),
        };
        let site = sites::find(tx, site_id)
            .await
            .doing("finding the site")?
            .ok_or_else(|| rule(ErrorCode::NotFound, "site_id"))?;
        let region = RegionCode::parse(&site.region_code).map_err(|e| anyhow::anyhow!("site region: {e}"))?;
        let target = Target {
            region: Some(region.clone()),
            owner: None,
            team,
        };
        Ok((site_id, region, target))
    }

    /// A new project, as a draft.
    pub async fn create_project(&self, actor: &Actor, input: &ProjectInput) -> ServiceResult<Project> {
        crate::refuse_unless_capable(actor, Action::ProjectEdit)?;
        let mut tx = self.db.begin().await.doing("starting the project")?;
        let (site_id, region, target) = self.project_owner(&mut tx, input).await?;
        authorize(actor, Action::ProjectEdit, &target)?;
        let title = RegionName::parse(&input.title).map_err(|e| e.for_field("title"))?;
        let category = self.category_of(&mut tx, &input.category, "category").await?;
        let description = input.description.trim();
        if description.chars().count() > 2000 {
            return Err(rule(ErrorCode::InvalidName, "description"));
        }
        let (starts_on, ends_on) = period(date(&input.starts_on, "starts_on")?, date(&input.ends_on, "ends_on")?)?;
        let id = new_id();
        let row = projects::NewProject {
            id,
            site_id,
            team_id: target.team,
            region_code: region.as_str(),
            title: title.as_str(),
            category: &category,
            description,
            starts_on,
            ends_on,
            created_by: actor.account_id(),
            at: self.now(),
        };
        projects::insert(&mut tx, &row).await.doing("storing the project")?;
        let change = Change {
            action: Action::ProjectEdit,
            target_kind: "project",
            target_id: id.to_string(),
            region: Some(&region),
            event: event!(
                "project.drafted",
                title = title.as_str(),
                category = category,
                starts_on = starts_on,
                ends_on = ends_on
            ),
        };
        record(&mut tx, actor, self.now(), change).await?;
        let project = self.load_project(&mut tx, id).await?;
        tx.commit().await.doing("committing the project")?;
        Ok(project)
    }

    async fn load_project(&self, tx: &mut Tx, id: ProjectId) -> ServiceResult<Project> {
        projects::find(tx, id)
            .await
            .doing("finding the project")?
            .map(Project::from_row)
            .ok_or_else(|| ServiceError::rule(ErrorCode::NotFound))
    }

    /// A project: published ones for anyone signed in, others for those who may edit them.
    /// Nobody approves a project they drafted or sent for review (persons, not accounts).
    async fn refuse_own_project(&self, tx: &mut Tx, actor: &Actor, id: ProjectId) -> ServiceResult<()> {
        let Some(approver) = actor.account_id() else {
            return Ok(());
        };
        let (drafted, submitted) = projects::authors(tx, id).await.doing("reading the authors")?;
        for author in [drafted, submitted].into_iter().flatten() {
            if !self.distinct_persons(tx, author, approver).await? {
                return Err(ServiceError::rule(ErrorCode::SameApprover));
            }
        }
        Ok(())
    }

    pub async fn project(&self, actor: &Actor, id: ProjectId) -> ServiceResult<Project> {
        let mut tx = self.db.read().await.doing("starting a read")?;
        let project = self.load_project(&mut tx, id).await?;
        let target = project.target()?;
        authorize(actor, Action::ProjectView, &target)?;
        let public = project.state.was_published();
        if !public && can(actor, Action::ProjectEdit, &target) != Decision::Allow {
            return Err(ServiceError::rule(ErrorCode::NotFound));
        }
        Ok(project)
    }

    /// Submit, close (the owner: staff of the region, the team's runners); approve, return with
    /// a reason (the owning site's staff only).
    pub async fn move_project(
        &self,
        actor: &Actor,
        id: ProjectId,
        event: ProjectEvent,
        reason: Option<&str>,
    ) -> ServiceResult<Project> {
        let action = if event.is_review() {
            Action::ProjectReview
        } else {
            Action::ProjectEdit
        };
        crate::refuse_unless_capable(actor, action)?;
        let mut tx = self.db.begin().await.doing("starting the project change")?;
        let project = self.load_project(&mut tx, id).await?;
        let target = project.target()?;
        authorize(actor, action, &target)?;
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        if event == ProjectEvent::Return && reason.is_none() {
            return Err(rule(ErrorCode::ReasonRequired, "reason"));
        }
        let from = project.state;
        let to = from.after(event)?;
        match event {
            ProjectEvent::Approve => self.refuse_own_project(&mut tx, actor, id).await?,
            ProjectEvent::Submit => projects::set_submitted_by(&mut tx, id, actor.account_id())
                .await
                .doing("noting the submitter")?,
            ProjectEvent::Return | ProjectEvent::Close => {}
        }
        if !transition::move_state(&mut tx, Lifecycle::Projects(from, to), id.0, reason, self.now())
            .await
            .doing("changing the project")?
        {
            return Err(rule(ErrorCode::InvalidTransition, "state"));
        }
        let change = Change {
            action,
            target_kind: "project",
            target_id: id.to_string(),
            region: target.region.as_ref(),
            event: event!(
                "project.moved",
                title = project.title,
                from = from,
                to = to,
                reason = reason.unwrap_or("")
            ),
        };
        record(&mut tx, actor, self.now(), change).await?;
        let project = self.load_project(&mut tx, id).await?;
        tx.commit().await.doing("committing the project change")?;
        Ok(project)
    }

    /// Projects of a region and below; drafts and submissions only for those who may edit there.
    pub async fn projects(&self, actor: &Actor, region: &str, state: &str, page: u32) -> ServiceResult<Vec<Project>> {
        let region = RegionCode::parse(region).map_err(|_| ServiceError::rule(ErrorCode::NotFound))?;
        authorize(actor, Action::ProjectView, &Target::in_region(region.clone()))?;
        let state = match state {
            "" => None,
            named => Some(ProjectState::parse(named).ok_or_else(|| rule(ErrorCode::InvalidQuery, "state"))?),
        };
        let offset = (i64::from(page.max(1)) - 1) * 100;
        let mut tx = self.db.read().await.doing("starting a read")?;
        let rows = projects::in_scope(&mut tx, region.scope_prefix(), state, 100, offset)
            .await
            .doing("listing projects")?;
        let visible = rows.into_iter().map(Project::from_row).filter(|p| {
            p.state.was_published()
                || p.target()
                    .is_ok_and(|t| can(actor, Action::ProjectEdit, &t) == Decision::Allow)
        });
        Ok(visible.collect())
    }

    /// Closes the published projects whose period has ended (the server runs this regularly).
    pub async fn close_ended_projects(&self) -> ServiceResult<u64> {
        let now = self.now();
        let mut tx = self.db.begin().await.doing("starting the closing")?;
        let closed = projects::close_ended(&mut tx, now.date(), now)
            .await
            .doing("closing ended projects")?;
        tx.commit().await.doing("committing the closing")?;
        Ok(closed)
    }
}
