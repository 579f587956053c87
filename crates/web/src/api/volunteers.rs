use super::ErrorBody;
use crate::AppState;
use crate::error::AppError;
use crate::extract::{JsonBody, PathIds, QueryParams};
use crate::session::ApiActor;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use hongmajia_domain::ErrorCode;
use hongmajia_domain::TeamId;
use hongmajia_domain::VolunteerId;
use hongmajia_services::volunteers::{RegistrationInput, Revealed, Volunteer, VolunteerPage, VolunteerQuery};
use serde::Deserialize;
use utoipa::IntoParams;

/// Register a volunteer of the caller's region (staff). ID number and phone are stored
/// encrypted and answered masked.
#[utoipa::path(post, path = "/api/v1/volunteers", tag = "volunteers", security(("bearer" = [])), request_body = RegistrationInput,
    responses(
        (status = 201, body = Volunteer),
        (status = 404, description = "the region is outside the caller's area", body = ErrorBody),
        (status = 409, description = "already_registered; with `existing` (id, code, region) when the caller's area covers it", body = ErrorBody),
        (status = 422, description = "a field breaks a rule; `field` names it", body = ErrorBody),
    ))]
pub async fn register(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    JsonBody(input): JsonBody<RegistrationInput>,
) -> Result<(StatusCode, Json<Volunteer>), AppError> {
    let services = state.services();
    match services.register_volunteer(&auth.actor, &input).await {
        Ok(volunteer) => Ok((StatusCode::CREATED, Json(volunteer))),
        Err(error) if error.code() == Some(ErrorCode::AlreadyRegistered) => {
            // Staff whose area covers the existing registration see where it lives.
            let existing = services.existing_registration(&auth.actor, &input).await?;
            let refusal = AppError::from(error);
            Err(match existing {
                Some(v) => refusal.with_detail(
                    "existing",
                    serde_json::json!({"volunteer_id": v.id, "code": v.code, "region_code": v.region_code}),
                ),
                None => refusal,
            })
        }
        Err(error) => Err(error.into()),
    }
}

/// Register oneself as a volunteer, with the signed-in account's phone.
#[utoipa::path(post, path = "/api/v1/me/volunteer", tag = "volunteers", security(("bearer" = [])), request_body = RegistrationInput,
    responses(
        (status = 201, body = Volunteer),
        (status = 409, description = "already_registered: log in or recover the account by SMS (its holder is told by SMS)", body = ErrorBody),
        (status = 429, description = "too_many_attempts: three registered ID numbers tried today", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
pub async fn register_self(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<std::net::SocketAddr>,
    JsonBody(input): JsonBody<RegistrationInput>,
) -> Result<(StatusCode, Json<Volunteer>), AppError> {
    let client = peer.ip().to_string();
    let volunteer = state.services().register_self(&auth.actor, &input, &client).await?;
    Ok((StatusCode::CREATED, Json(volunteer)))
}

/// The signed-in account's own registration.
#[utoipa::path(get, path = "/api/v1/me/volunteer", tag = "volunteers", security(("bearer" = [])),
    responses((status = 200, body = Volunteer), (status = 404, description = "not registered", body = ErrorBody)))]
pub async fn mine(State(state): State<AppState>, ApiActor(auth): ApiActor) -> Result<Json<Volunteer>, AppError> {
    state
        .services()
        .my_volunteer(&auth.actor)
        .await?
        .map(Json)
        .ok_or_else(|| AppError::code(ErrorCode::NotFound))
}

/// One volunteer, masked.
#[utoipa::path(get, path = "/api/v1/volunteers/{id}", tag = "volunteers", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = Volunteer), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    PathIds(id): PathIds<VolunteerId>,
) -> Result<Json<Volunteer>, AppError> {
    Ok(Json(state.services().volunteer(&auth.actor, id).await?))
}

/// The full ID number and phone of one volunteer. Every call is written to the audit log.
#[utoipa::path(post, path = "/api/v1/volunteers/{id}/reveal", tag = "volunteers", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = Revealed), (status = 404, body = ErrorBody)))]
pub async fn reveal(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    PathIds(id): PathIds<VolunteerId>,
) -> Result<Json<Revealed>, AppError> {
    Ok(Json(state.services().reveal_volunteer(&auth.actor, id).await?))
}

#[derive(Deserialize, IntoParams)]
pub struct ListParams {
    /// Division code; the caller's own area by default.
    region: Option<String>,
    /// A fragment of the name (one or two Chinese characters work).
    name: Option<String>,
    /// The volunteer code.
    code: Option<String>,
    /// The last digits of the phone, up to four.
    phone_tail: Option<String>,
    /// A fragment of a service category.
    category: Option<String>,
    /// Only members of this team.
    team: Option<TeamId>,
    page: Option<u32>,
}

/// Volunteers of a region and everything below it, masked.
#[utoipa::path(get, path = "/api/v1/volunteers", tag = "volunteers", security(("bearer" = [])), params(ListParams),
    responses((status = 200, body = VolunteerPage), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    QueryParams(params): QueryParams<ListParams>,
) -> Result<Json<VolunteerPage>, AppError> {
    let query = VolunteerQuery {
        region: params.region,
        name: params.name,
        code: params.code,
        phone_tail: params.phone_tail,
        category: params.category,
        team: params.team,
        page: params.page.unwrap_or(1),
    };
    Ok(Json(state.services().volunteers(&auth.actor, &query).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeRequest {
    /// The registration kept for the person.
    into: VolunteerId,
    /// Why the two are one person.
    reason: String,
}

/// Merge this registration into another of the same person, found later: memberships move, the
/// duplicate stays readable with `merged_into` and leaves the lists. Audited.
#[utoipa::path(post, path = "/api/v1/volunteers/{id}/merge", tag = "volunteers", security(("bearer" = [])),
    params(("id" = i64, Path, description = "the duplicate")), request_body = MergeRequest,
    responses((status = 200, description = "the record kept", body = Volunteer), (status = 404, body = ErrorBody),
        (status = 409, description = "invalid_transition (already merged, or into itself)", body = ErrorBody)))]
pub async fn merge(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    PathIds(id): PathIds<VolunteerId>,
    JsonBody(body): JsonBody<MergeRequest>,
) -> Result<Json<Volunteer>, AppError> {
    Ok(Json(
        state
            .services()
            .merge_volunteers(&auth.actor, id, body.into, &body.reason)
            .await?,
    ))
}
