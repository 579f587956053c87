//! The team page: state, review and management for the site's staff, members and their requests
//! for staff and the team's leaders and admins.

use super::{Chrome, html, refusal_in_place};
use crate::AppState;
use crate::error::AppError;
use crate::extract::LangOf;
use crate::extract::{FormBody, PathIds};
use crate::session::PageActor;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use hongmajia_domain::SiteId;
use hongmajia_domain::team::{MembershipEvent, TeamEvent};
use hongmajia_domain::team::{MembershipState, TeamState};
use hongmajia_domain::{Action, Decision, ErrorCode, RegionCode, Target, TeamId, VolunteerId, can};
use hongmajia_services::ServiceError;
use hongmajia_services::auth::Authenticated;
use hongmajia_services::teams::TeamDetail;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "team.html")]
struct TeamPage {
    c: Chrome,
    detail: TeamDetail,
    can_manage: bool,
    /// The categories the new-project form offers (those not retired).
    categories: Vec<hongmajia_services::categories::Category>,
    /// The state changes the team's state allows the site's staff.
    events: &'static [TeamEvent],
    error: Option<&'static str>,
}

fn events_for(state: TeamState) -> &'static [TeamEvent] {
    match state {
        TeamState::Applied => &[TeamEvent::Approve, TeamEvent::Reject],
        TeamState::Active => &[TeamEvent::Suspend, TeamEvent::Dissolve],
        TeamState::Suspended => &[TeamEvent::Restore, TeamEvent::Dissolve],
        TeamState::Rejected | TeamState::Dissolved => &[],
    }
}

pub(crate) async fn team_page(
    state: &AppState,
    lang: LangOf,
    auth: &Authenticated,
    id: TeamId,
    error: Option<&'static str>,
) -> Result<Response, AppError> {
    let detail = state.services().team(&auth.actor, id).await?;
    let region = RegionCode::parse(&detail.team.region_code)?;
    let target = Target::of_team(id, region);
    let can_manage = can(&auth.actor, Action::TeamManage, &target) == Decision::Allow;
    let page = TeamPage {
        c: Chrome::signed_in(lang.0, auth, &format!("/teams/{id}")),
        events: events_for(detail.team.state),
        detail,
        can_manage,
        categories: state.services().categories().await?,
        error,
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok(html(&page, status))
}

pub async fn show(
    State(state): State<AppState>,
    lang: LangOf,
    PageActor(auth): PageActor,
    PathIds(id): PathIds<TeamId>,
) -> Result<Response, AppError> {
    team_page(&state, lang, &auth, id, None).await
}

/// Back to the team's page, or the page again with a rule's refusal.
async fn after(
    state: &AppState,
    lang: LangOf,
    auth: &Authenticated,
    id: TeamId,
    result: Result<(), ServiceError>,
) -> Result<Response, AppError> {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/teams/{id}")).into_response()),
        Err(error) => team_page(state, lang, auth, id, Some(refusal_in_place(lang.0, error)?)).await,
    }
}

#[derive(Deserialize)]
pub struct StateForm {
    event: String,
    #[serde(default)]
    reason: String,
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

pub async fn change_state(
    State(state): State<AppState>,
    lang: LangOf,
    actor: PageActor,
    PathIds(id): PathIds<TeamId>,
    FormBody(form): FormBody<StateForm>,
) -> Result<Response, AppError> {
    actor.check_form(&form.csrf)?;
    let services = state.services();
    let who = &actor.0.actor;
    let reason = Some(form.reason.as_str());
    let result = match TeamEvent::parse(&form.event) {
        Some(event) => services.change_team(who, id, event, reason).await,
        None => Err(ServiceError::on(ErrorCode::InvalidTransition, "event")),
    };
    after(&state, lang, &actor.0, id, result.map(drop)).await
}

#[derive(Deserialize)]
pub struct MemberForm {
    decision: String,
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

pub async fn decide_member(
    State(state): State<AppState>,
    lang: LangOf,
    actor: PageActor,
    PathIds((id, volunteer)): PathIds<(TeamId, VolunteerId)>,
    FormBody(form): FormBody<MemberForm>,
) -> Result<Response, AppError> {
    actor.check_form(&form.csrf)?;
    let (id, volunteer) = (id, volunteer);
    let event = MembershipEvent::parse(&form.decision)
        .filter(|event| event.is_leaders())
        .ok_or_else(|| AppError::code(ErrorCode::InvalidTransition))?;
    let result = state
        .services()
        .decide_membership(&actor.0.actor, id, volunteer, Some(event), None)
        .await;
    after(&state, lang, &actor.0, id, result.map(drop)).await
}

#[derive(Template)]
#[template(path = "my_teams.html")]
struct MyTeamsPage {
    c: Chrome,
    mine: hongmajia_services::teams::MyTeams,
    error: Option<&'static str>,
}

async fn my_page(
    state: &AppState,
    lang: LangOf,
    auth: &Authenticated,
    error: Option<&'static str>,
) -> Result<Response, AppError> {
    let mine = match state.services().my_teams(&auth.actor).await {
        Ok(mine) => mine,
        // Not registered yet: registering comes first.
        Err(e) if e.code() == Some(ErrorCode::NotRegistered) => {
            return Ok(Redirect::to("/volunteer/register").into_response());
        }
        Err(e) => return Err(e.into()),
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = MyTeamsPage {
        c: Chrome::signed_in(lang.0, auth, "/my/teams"),
        mine,
        error,
    };
    Ok(html(&page, status))
}

pub async fn mine(
    State(state): State<AppState>,
    lang: LangOf,
    PageActor(auth): PageActor,
) -> Result<Response, AppError> {
    my_page(&state, lang, &auth, None).await
}

/// Back to the volunteer's team page, with a rule's refusal in place.
async fn after_mine(
    state: &AppState,
    lang: LangOf,
    auth: &Authenticated,
    result: Result<(), ServiceError>,
) -> Result<Response, AppError> {
    match result {
        Ok(()) => Ok(Redirect::to("/my/teams").into_response()),
        Err(error) => my_page(state, lang, auth, Some(refusal_in_place(lang.0, error)?)).await,
    }
}

#[derive(Deserialize)]
pub struct OwnForm {
    action: String,
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

pub async fn own_step(
    State(state): State<AppState>,
    lang: LangOf,
    actor: PageActor,
    PathIds(id): PathIds<TeamId>,
    FormBody(form): FormBody<OwnForm>,
) -> Result<Response, AppError> {
    actor.check_form(&form.csrf)?;
    let services = state.services();
    let who = &actor.0.actor;
    let result = match form.action.as_str() {
        "request" => services.request_membership(who, id).await,
        raw => match MembershipEvent::parse(raw).filter(|event| event.is_volunteers()) {
            Some(event) => services.answer_membership(who, id, event).await,
            None => Err(ServiceError::on(ErrorCode::InvalidTransition, "action")),
        },
    };
    after_mine(&state, lang, &actor.0, result.map(drop)).await
}

/// The form that founds a team (staff) or applies for one (a volunteer): the same fields.
#[derive(Deserialize)]
pub struct TeamForm {
    site_id: SiteId,
    name: String,
    kind: String,
    specialty: String,
    #[serde(rename = "_csrf", default)]
    pub(super) csrf: String,
}

impl TeamForm {
    pub(super) fn input(self) -> hongmajia_services::teams::TeamInput {
        hongmajia_services::teams::TeamInput {
            site_id: self.site_id,
            name: self.name,
            kind: self.kind,
            specialty: self.specialty,
            categories: vec![],
            description: String::new(),
            leader_code: None,
        }
    }
}

pub async fn apply(
    State(state): State<AppState>,
    lang: LangOf,
    actor: PageActor,
    FormBody(form): FormBody<TeamForm>,
) -> Result<Response, AppError> {
    actor.check_form(&form.csrf)?;
    let result = state.services().apply_for_team(&actor.0.actor, &form.input()).await;
    after_mine(&state, lang, &actor.0, result.map(drop)).await
}

#[derive(Deserialize)]
pub struct InviteForm {
    code: String,
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

/// Invites the volunteer of a volunteer code (within the inviter's reach) to the team.
pub async fn invite(
    State(state): State<AppState>,
    lang: LangOf,
    actor: PageActor,
    PathIds(id): PathIds<TeamId>,
    FormBody(form): FormBody<InviteForm>,
) -> Result<Response, AppError> {
    actor.check_form(&form.csrf)?;
    let result = state.services().invite(&actor.0.actor, id, &form.code).await.map(drop);
    after(&state, lang, &actor.0, id, result).await
}
