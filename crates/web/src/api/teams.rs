use super::ErrorBody;
use crate::AppState;
use crate::error::AppError;
use crate::extract::{JsonBody, PathIds, QueryParams};
use crate::session::ApiActor;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use hongmajia_domain::team::{MembershipEvent, TeamEvent, TeamRole};
use hongmajia_domain::{DomainError, ErrorCode, TeamId, VolunteerId};
use hongmajia_services::teams::{Invitation, Member, Team, TeamCounts, TeamDetail, TeamInput};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

/// Found a team under a site (staff of the site's region): active at once.
#[utoipa::path(post, path = "/api/v1/teams", tag = "teams", security(("bearer" = [])), request_body = TeamInput,
    responses((status = 201, body = Team), (status = 404, body = ErrorBody), (status = 409, description = "team_exists", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    JsonBody(input): JsonBody<TeamInput>,
) -> Result<(StatusCode, Json<Team>), AppError> {
    Ok((
        StatusCode::CREATED,
        Json(state.services().create_team(&auth.actor, &input).await?),
    ))
}

/// Apply to found a team under a site (a registered volunteer, who becomes its leader on approval).
#[utoipa::path(post, path = "/api/v1/teams/applications", tag = "teams", security(("bearer" = [])), request_body = TeamInput,
    responses((status = 201, body = Team), (status = 422, description = "not_registered and other rules", body = ErrorBody)))]
pub async fn apply(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    JsonBody(input): JsonBody<TeamInput>,
) -> Result<(StatusCode, Json<Team>), AppError> {
    Ok((
        StatusCode::CREATED,
        Json(state.services().apply_for_team(&auth.actor, &input).await?),
    ))
}

#[derive(Deserialize, IntoParams)]
pub struct TeamListParams {
    /// Division code.
    region: String,
    /// A fragment of the team's name.
    name: Option<String>,
    page: Option<u32>,
}

/// Teams of a region and everything below it.
#[utoipa::path(get, path = "/api/v1/teams", tag = "teams", security(("bearer" = [])), params(TeamListParams),
    responses((status = 200, body = Vec<Team>), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    QueryParams(params): QueryParams<TeamListParams>,
) -> Result<Json<Vec<Team>>, AppError> {
    let page = params.page.unwrap_or(1);
    let name = params.name.unwrap_or_default();
    Ok(Json(
        state.services().teams(&auth.actor, &params.region, &name, page).await?,
    ))
}

/// Active professional and characteristic teams per kind of site: a county's "8+N".
#[utoipa::path(get, path = "/api/v1/regions/{code}/team-counts", tag = "teams", security(("bearer" = [])),
    params(("code" = String, Path)), responses((status = 200, body = Vec<TeamCounts>), (status = 404, body = ErrorBody)))]
pub async fn counts(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    Path(code): Path<String>,
) -> Result<Json<Vec<TeamCounts>>, AppError> {
    Ok(Json(state.services().team_counts(&auth.actor, &code).await?))
}

/// A team; with its members for the region's staff and the team's leaders and admins.
#[utoipa::path(get, path = "/api/v1/teams/{id}", tag = "teams", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = TeamDetail), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    PathIds(id): PathIds<TeamId>,
) -> Result<Json<TeamDetail>, AppError> {
    Ok(Json(state.services().team(&auth.actor, id).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamChange {
    /// `approve`, `reject` (an application); `suspend`, `restore`, `dissolve` (an active team);
    /// `resubmit` (the applicant, after a rejection).
    event: String,
    /// Required to reject or suspend.
    #[serde(default)]
    reason: Option<String>,
}

/// Move a team through its life: review an application, suspend, restore, dissolve, resubmit.
#[utoipa::path(post, path = "/api/v1/teams/{id}/state", tag = "teams", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = TeamChange,
    responses((status = 200, body = Team), (status = 404, body = ErrorBody), (status = 409, description = "invalid_transition", body = ErrorBody),
        (status = 422, description = "reason_required", body = ErrorBody)))]
pub async fn change_state(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    PathIds(id): PathIds<TeamId>,
    JsonBody(change): JsonBody<TeamChange>,
) -> Result<Json<Team>, AppError> {
    let services = state.services();
    let reason = change.reason.as_deref();
    let actor = &auth.actor;
    let event =
        TeamEvent::parse(&change.event).ok_or_else(|| DomainError::on(ErrorCode::InvalidTransition, "event"))?;
    Ok(Json(services.change_team(actor, id, event, reason).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OwnMembership {
    /// `request` (to join), `accept` (an invitation), `reject` (an invitation), `leave`.
    action: String,
}

/// The signed-in volunteer's own membership: ask to join, answer an invitation, leave.
#[utoipa::path(post, path = "/api/v1/teams/{id}/membership", tag = "teams", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = OwnMembership,
    responses((status = 200, body = Member), (status = 409, description = "membership_exists, team_not_active", body = ErrorBody),
        (status = 422, description = "not_registered", body = ErrorBody)))]
pub async fn own_membership(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    PathIds(id): PathIds<TeamId>,
    JsonBody(body): JsonBody<OwnMembership>,
) -> Result<Json<Member>, AppError> {
    let services = state.services();
    let member = match body.action.as_str() {
        "request" => services.request_membership(&auth.actor, id).await?,
        raw => {
            let event = MembershipEvent::parse(raw)
                .filter(|event| event.is_volunteers())
                .ok_or_else(|| DomainError::on(ErrorCode::InvalidTransition, "action"))?;
            services.answer_membership(&auth.actor, id, event).await?
        }
    };
    Ok(Json(member))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvitationRequest {
    /// The volunteer code (志愿者编号) the person gave.
    volunteer_code: String,
}

/// Invite a registered volunteer by the volunteer code they gave (the region's staff, the
/// team's leaders and admins). The answer says nothing about the invitee until they accept.
#[utoipa::path(post, path = "/api/v1/teams/{id}/members", tag = "teams", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = InvitationRequest, responses((status = 201, body = Invitation), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, description = "not_registered: no volunteer has this code", body = ErrorBody)))]
pub async fn invite(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    PathIds(id): PathIds<TeamId>,
    JsonBody(body): JsonBody<InvitationRequest>,
) -> Result<(StatusCode, Json<Invitation>), AppError> {
    let invitation = state.services().invite(&auth.actor, id, &body.volunteer_code).await?;
    Ok((StatusCode::CREATED, Json(invitation)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberDecision {
    /// `approve` or `reject` a request, `remove` a member; absent to only change the role.
    #[serde(default)]
    decision: Option<String>,
    /// `leader`, `admin` or `member`.
    #[serde(default)]
    role: Option<String>,
}

/// Decide on a member: approve or reject a request, remove a member, change a member's role.
#[utoipa::path(post, path = "/api/v1/teams/{id}/members/{volunteer_id}", tag = "teams", security(("bearer" = [])),
    params(("id" = i64, Path), ("volunteer_id" = i64, Path)), request_body = MemberDecision,
    responses((status = 200, body = Member), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn decide(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    PathIds((id, volunteer_id)): PathIds<(TeamId, VolunteerId)>,
    JsonBody(body): JsonBody<MemberDecision>,
) -> Result<Json<Member>, AppError> {
    let event = match body.decision.as_deref() {
        None => None,
        Some(raw) => Some(
            MembershipEvent::parse(raw)
                .filter(|event| event.is_leaders())
                .ok_or_else(|| DomainError::on(ErrorCode::InvalidTransition, "decision"))?,
        ),
    };
    let role = match body.role.as_deref() {
        None => None,
        Some(raw) => Some(TeamRole::parse(raw).ok_or_else(|| DomainError::on(ErrorCode::InvalidTeamRole, "role"))?),
    };
    let member = state
        .services()
        .decide_membership(&auth.actor, id, volunteer_id, event, role)
        .await?;
    Ok(Json(member))
}
