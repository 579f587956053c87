use super::{ErrorBody, JsonBody, QueryParams};
use crate::AppState;
use crate::error::AppError;
use crate::session::ApiActor;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use hongmajia_services::accounts::{GrantInput, Granted, Profile, StaffEntry};
use hongmajia_services::audit::{AuditPage, AuditQuery};
use hongmajia_services::home::Home;
use serde::Deserialize;
use utoipa::IntoParams;

/// The signed-in account: masked phone, name and roles.
#[utoipa::path(get, path = "/api/v1/me", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, body = Profile), (status = 401, body = ErrorBody)))]
pub async fn me(State(state): State<AppState>, ApiActor(auth): ApiActor) -> Result<Json<Profile>, AppError> {
    Ok(Json(state.services().profile(&auth.actor).await?))
}

/// The figures of the signed-in account's area (sites, coverage, staff).
#[utoipa::path(get, path = "/api/v1/home", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, body = Home), (status = 401, body = ErrorBody)))]
pub async fn home(State(state): State<AppState>, ApiActor(auth): ApiActor) -> Result<Json<Home>, AppError> {
    Ok(Json(state.services().home(&auth.actor).await?))
}

/// Give a role to the account of a phone number, creating the account when the phone is new.
#[utoipa::path(post, path = "/api/v1/accounts", tag = "accounts", security(("bearer" = [])), request_body = GrantInput,
    responses(
        (status = 201, body = Granted),
        (status = 404, description = "the region is outside the caller's area", body = ErrorBody),
        (status = 409, description = "role_exists", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
pub async fn grant(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    JsonBody(input): JsonBody<GrantInput>,
) -> Result<(StatusCode, Json<Granted>), AppError> {
    Ok((
        StatusCode::CREATED,
        Json(state.services().grant_role(&auth.actor, &input).await?),
    ))
}

#[derive(Deserialize, IntoParams)]
pub struct PageQuery {
    page: Option<u32>,
}

/// Admin accounts of a region and everything below it.
#[utoipa::path(get, path = "/api/v1/regions/{code}/staff", tag = "accounts", security(("bearer" = [])),
    params(("code" = String, Path, description = "division code"), PageQuery),
    responses((status = 200, body = Vec<StaffEntry>), (status = 404, body = ErrorBody)))]
pub async fn staff(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    Path(code): Path<String>,
    QueryParams(query): QueryParams<PageQuery>,
) -> Result<Json<Vec<StaffEntry>>, AppError> {
    let page = query.page.unwrap_or(1);
    Ok(Json(state.services().staff(&auth.actor, &code, page).await?))
}

#[derive(Deserialize, IntoParams)]
pub struct AuditParams {
    /// Division code; the caller's own area by default.
    region: Option<String>,
    /// Action prefix, e.g. `site.` or `region.create`.
    action: Option<String>,
    /// Actor label as shown in the log (masked phone or `system`).
    actor: Option<String>,
    page: Option<u32>,
}

/// The audit log of a region and everything below it, newest first.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", security(("bearer" = [])), params(AuditParams),
    responses((status = 200, body = AuditPage), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn audit_log(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    QueryParams(params): QueryParams<AuditParams>,
) -> Result<Json<AuditPage>, AppError> {
    let query = AuditQuery {
        region: params.region,
        action: params.action,
        actor: params.actor,
        page: params.page.unwrap_or(1),
    };
    Ok(Json(state.services().audit_log(&auth.actor, &query).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    /// Required when the account already has a password.
    #[serde(default)]
    current_password: Option<String>,
    /// At least 12 characters, not a common one.
    password: String,
}

/// Set or change the signed-in account's password (volunteers may add one to SMS login).
#[utoipa::path(post, path = "/api/v1/me/password", tag = "accounts", security(("bearer" = [])), request_body = PasswordChange,
    responses((status = 204), (status = 401, description = "invalid_credentials (current_password)", body = ErrorBody),
        (status = 422, description = "password_too_short, password_too_common", body = ErrorBody)))]
pub async fn set_password(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    JsonBody(body): JsonBody<PasswordChange>,
) -> Result<StatusCode, AppError> {
    state
        .services()
        .set_own_password(&auth.actor, body.current_password.as_deref(), &body.password)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
