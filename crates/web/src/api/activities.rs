use super::ErrorBody;
use crate::AppState;
use crate::error::AppError;
use crate::extract::{JsonBody, PathIds, QueryParams};
use crate::session::ApiActor;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hongmajia_domain::{ActivityId, DomainError, ErrorCode, ProjectId, SignupId};
use hongmajia_services::activities::{
    Activity, ActivityChange, ActivityInput, Notification, OwnSignup, SignedUp, SignupAnswer, SignupRequest,
};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};

/// Publish an activity of a published project (those who run the project).
#[utoipa::path(post, path = "/api/v1/activities", tag = "activities", security(("bearer" = [])), request_body = ActivityInput,
    responses((status = 201, body = Activity), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    JsonBody(input): JsonBody<ActivityInput>,
) -> Result<(StatusCode, Json<Activity>), AppError> {
    Ok((
        StatusCode::CREATED,
        Json(state.services().create_activity(&auth.actor, &input).await?),
    ))
}

/// An activity, with its places taken and its waiting list.
#[utoipa::path(get, path = "/api/v1/activities/{id}", tag = "activities", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = Activity), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    PathIds(id): PathIds<ActivityId>,
) -> Result<Json<Activity>, AppError> {
    Ok(Json(state.services().activity(&auth.actor, id).await?))
}

/// Sign the signed-in volunteer up. An `Idempotency-Key` header makes a retry harmless: a
/// successful answer is stored with its key and returned again; a refusal stores nothing.
#[utoipa::path(post, path = "/api/v1/activities/{id}/signups", tag = "activities", security(("bearer" = [])),
    params(("id" = i64, Path), ("Idempotency-Key" = Option<String>, Header, description = "makes a retry return the first answer")),
    request_body = SignupRequest,
    responses(
        (status = 201, body = SignupAnswer),
        (status = 409, description = "activity_full, already_signed_up", body = ErrorBody),
        (status = 422, description = "outside_signup_window, acknowledgement_required, signup_overlap, idempotency_key_reused, not_registered, missing_field (position_id)", body = ErrorBody),
    ))]
pub async fn sign_up(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    PathIds(id): PathIds<ActivityId>,
    headers: HeaderMap,
    JsonBody(request): JsonBody<SignupRequest>,
) -> Result<Response, AppError> {
    let key = headers
        .get("idempotency-key")
        .map(|v| v.to_str().map(str::trim).unwrap_or(""));
    if key.is_some_and(|k| k.is_empty() || k.len() > 200) {
        return Err(DomainError::on(ErrorCode::InvalidQuery, "Idempotency-Key").into());
    }
    // The request the key stands for: the activity and the body as it was understood.
    let body = serde_json::to_string(&request).map_err(|e| anyhow::anyhow!("{e}"))?;
    let hash = hex_digest(&format!("{id}:{body}"));
    let retry = key.map(|k| (k, hash.as_str()));
    match state.services().sign_up(&auth.actor, id, &request, retry).await? {
        SignedUp::Fresh(answer) => Ok((StatusCode::CREATED, Json(answer)).into_response()),
        SignedUp::Replayed { status, body } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::CREATED);
            Ok((status, [(header::CONTENT_TYPE, "application/json")], body).into_response())
        }
    }
}

fn hex_digest(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// Cancel one's sign-up before the activity starts; the place goes to the first on the waiting list.
#[utoipa::path(post, path = "/api/v1/signups/{id}/cancel", tag = "activities", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = SignupAnswer), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn cancel(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    PathIds(id): PathIds<SignupId>,
) -> Result<Json<SignupAnswer>, AppError> {
    Ok(Json(state.services().cancel_signup(&auth.actor, id).await?))
}

#[derive(Deserialize, IntoParams)]
pub struct ActivitySearch {
    /// A fragment of the title or the project's category (one or two Chinese characters work).
    #[serde(default)]
    q: String,
    /// A region code; the volunteer's county (or a staff role's region) by default.
    #[serde(default)]
    region: Option<String>,
    /// Only activities on this day (YYYY-MM-DD, China time).
    #[serde(default)]
    date: Option<String>,
    /// Page of 20, from 1 (the default).
    #[serde(default)]
    page: Option<u32>,
}

/// Activities in a page of the search API: a phone's screenful or two.
const ACTIVITIES_PER_PAGE: i64 = 20;

/// Activities still to come near the caller, soonest first, 20 a page. A page may be answered
/// from memory: its places taken can be up to `--cache-seconds` (2 s) old; a sign-up always counts
/// the live places.
#[utoipa::path(get, path = "/api/v1/activities", tag = "activities", security(("bearer" = [])), params(ActivitySearch),
    responses((status = 200, body = [Activity]), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn search(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    QueryParams(query): QueryParams<ActivitySearch>,
) -> Result<Json<Vec<Activity>>, AppError> {
    let found = state
        .services()
        .upcoming_activities(
            &auth.actor,
            query.region.as_deref(),
            &query.q,
            crate::extract::day_of(query.date.as_deref())?,
            (
                ACTIVITIES_PER_PAGE,
                (i64::from(query.page.unwrap_or(1).max(1)) - 1) * ACTIVITIES_PER_PAGE,
            ),
        )
        .await?;
    Ok(Json(found))
}

/// The activities of a project.
#[utoipa::path(get, path = "/api/v1/projects/{id}/activities", tag = "activities", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = [Activity]), (status = 404, body = ErrorBody)))]
pub async fn of_project(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    PathIds(id): PathIds<ProjectId>,
) -> Result<Json<Vec<Activity>>, AppError> {
    Ok(Json(state.services().project_activities(&auth.actor, id).await?))
}

/// The signed-in volunteer's sign-ups, latest first.
#[utoipa::path(get, path = "/api/v1/me/signups", tag = "activities", security(("bearer" = [])),
    responses((status = 200, body = [OwnSignup])))]
pub async fn my_signups(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
) -> Result<Json<Vec<OwnSignup>>, AppError> {
    Ok(Json(state.services().my_signups(&auth.actor).await?))
}

/// Move an activity that has not started to another time or place; everyone signed up is
/// notified in the app.
#[utoipa::path(patch, path = "/api/v1/activities/{id}", tag = "activities", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = ActivityChange,
    responses((status = 200, body = Activity), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn change(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    PathIds(id): PathIds<ActivityId>,
    JsonBody(change): JsonBody<ActivityChange>,
) -> Result<Json<Activity>, AppError> {
    Ok(Json(state.services().change_activity(&auth.actor, id, &change).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelActivity {
    reason: String,
}

/// Cancel an activity with a reason: every sign-up is cancelled and told why.
#[utoipa::path(post, path = "/api/v1/activities/{id}/cancel", tag = "activities", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = CancelActivity,
    responses((status = 200, body = Activity), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn cancel_activity(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    PathIds(id): PathIds<ActivityId>,
    JsonBody(body): JsonBody<CancelActivity>,
) -> Result<Json<Activity>, AppError> {
    Ok(Json(
        state.services().cancel_activity(&auth.actor, id, &body.reason).await?,
    ))
}

/// The signed-in volunteer's in-app notices, newest first.
#[utoipa::path(get, path = "/api/v1/me/notifications", tag = "activities", security(("bearer" = [])),
    responses((status = 200, body = [Notification])))]
pub async fn my_notifications(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
) -> Result<Json<Vec<Notification>>, AppError> {
    Ok(Json(state.services().my_notifications(&auth.actor).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignupDecision {
    approve: bool,
    #[serde(default)]
    reason: String,
}

/// The organizer approves a pending sign-up or rejects it with a reason.
#[utoipa::path(post, path = "/api/v1/signups/{id}/decision", tag = "activities", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = SignupDecision,
    responses((status = 200, body = SignupAnswer), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn decide(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    PathIds(id): PathIds<SignupId>,
    JsonBody(body): JsonBody<SignupDecision>,
) -> Result<Json<SignupAnswer>, AppError> {
    Ok(Json(
        state
            .services()
            .decide_signup(
                &auth.actor,
                id,
                hongmajia_domain::record::Verdict::from_approval(body.approve),
                &body.reason,
            )
            .await?,
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Audience {
    audience_count: i64,
}

/// Record a lecture's audience once it has taken place.
#[utoipa::path(post, path = "/api/v1/activities/{id}/audience", tag = "activities", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = Audience,
    responses((status = 200, body = Activity), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn audience(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    PathIds(id): PathIds<ActivityId>,
    JsonBody(body): JsonBody<Audience>,
) -> Result<Json<Activity>, AppError> {
    Ok(Json(
        state
            .services()
            .record_audience(&auth.actor, id, body.audience_count)
            .await?,
    ))
}
