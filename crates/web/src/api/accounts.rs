use super::ErrorBody;
use crate::AppState;
use crate::error::AppError;
use crate::extract::{JsonBody, LangOf, PathIds, QueryParams};
use crate::session::ApiActor;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use hongmajia_domain::AccountId;
use hongmajia_services::accounts::Profile;
use hongmajia_services::audit::{AuditPage, AuditQuery};
use hongmajia_services::grants::{AcceptInput, AccountMove, GrantRequest, GrantView, RevokeInput, StaffOverview};
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

/// Grant an admin role to the holder of a phone. The grant waits for its holder (who logs in by
/// SMS code, sets their own password and confirms their ID number) and gives no power until
/// then; the answer is the same whether the phone has an account or not. Only roles strictly
/// below the caller's own level, inside its region.
#[utoipa::path(post, path = "/api/v1/accounts", tag = "accounts", security(("bearer" = [])), request_body = GrantRequest,
    responses(
        (status = 202, description = "pending: waiting for the holder", body = GrantView),
        (status = 403, description = "forbidden: the caller names no one, or not at this level", body = ErrorBody),
        (status = 404, description = "the region is outside the caller's area", body = ErrorBody),
        (status = 422, description = "invalid_role, role_not_grantable, region_level_mismatch, invalid_phone, unknown_region", body = ErrorBody),
    ))]
pub async fn grant(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    JsonBody(input): JsonBody<GrantRequest>,
) -> Result<(StatusCode, Json<GrantView>), AppError> {
    Ok((
        StatusCode::ACCEPTED,
        Json(state.services().grant_role(&auth.actor, &input).await?),
    ))
}

#[derive(Deserialize, IntoParams)]
pub struct PageQuery {
    page: Option<u32>,
}

/// The staff of a region and everything below it (each person with their roles, whether
/// disabled, their last login) and the grants waiting for their holders.
#[utoipa::path(get, path = "/api/v1/regions/{code}/staff", tag = "accounts", security(("bearer" = [])),
    params(("code" = String, Path, description = "division code"), PageQuery),
    responses((status = 200, body = StaffOverview), (status = 404, body = ErrorBody)))]
pub async fn staff(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    Path(code): Path<String>,
    QueryParams(query): QueryParams<PageQuery>,
) -> Result<Json<StaffOverview>, AppError> {
    let page = query.page.unwrap_or(1);
    Ok(Json(state.services().staff(&auth.actor, &code, page).await?))
}

/// The admin roles granted to the signed-in account's phone and waiting for its answer.
#[utoipa::path(get, path = "/api/v1/me/grants", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, body = Vec<GrantView>), (status = 401, body = ErrorBody)))]
pub async fn my_grants(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
) -> Result<Json<Vec<GrantView>>, AppError> {
    Ok(Json(state.services().pending_grants(&auth.actor).await?))
}

/// Accept a role granted to one's phone: one's own ID number, and a new password (an account
/// without one) or the current one again.
#[utoipa::path(post, path = "/api/v1/me/grants/{id}/accept", tag = "accounts", security(("bearer" = [])), request_body = AcceptInput,
    params(("id" = i64, Path, description = "the grant")),
    responses((status = 200, body = GrantView), (status = 404, body = ErrorBody),
        (status = 409, description = "invalid_transition: already answered; grant_lapsed; role_exists", body = ErrorBody),
        (status = 429, description = "too_many_attempts: three ID numbers of others' registrations today", body = ErrorBody),
        (status = 422, description = "invalid_id_number, id_number_mismatch, password_required, password_too_short, password_too_common", body = ErrorBody)))]
pub async fn accept_grant(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<std::net::SocketAddr>,
    PathIds(id): PathIds<i64>,
    JsonBody(input): JsonBody<AcceptInput>,
) -> Result<Json<GrantView>, AppError> {
    let client = peer.ip().to_string();
    let caller = (Some(auth.session_id), client.as_str());
    Ok(Json(
        state.services().accept_grant(&auth.actor, id, &input, caller).await?,
    ))
}

/// Withdraw a grant still waiting for its holder (its granter, or the admins above the role).
#[utoipa::path(post, path = "/api/v1/grants/{id}/withdraw", tag = "accounts", security(("bearer" = [])),
    params(("id" = i64, Path, description = "the grant")),
    responses((status = 200, body = GrantView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "invalid_transition: already answered", body = ErrorBody)))]
pub async fn withdraw_grant(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    PathIds(id): PathIds<i64>,
) -> Result<Json<GrantView>, AppError> {
    Ok(Json(state.services().withdraw_grant(&auth.actor, id).await?))
}

/// Refuse a role granted to one's phone.
#[utoipa::path(post, path = "/api/v1/me/grants/{id}/refuse", tag = "accounts", security(("bearer" = [])),
    params(("id" = i64, Path, description = "the grant")),
    responses((status = 200, body = GrantView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn refuse_grant(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    PathIds(id): PathIds<i64>,
) -> Result<Json<GrantView>, AppError> {
    Ok(Json(state.services().refuse_grant(&auth.actor, id).await?))
}

/// Take an admin role back from an account (the admins above the role); the holder's sessions
/// end at once.
#[utoipa::path(post, path = "/api/v1/accounts/{id}/revoke", tag = "accounts", security(("bearer" = [])), request_body = RevokeInput,
    params(("id" = i64, Path, description = "the account")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn revoke(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    PathIds(id): PathIds<i64>,
    JsonBody(input): JsonBody<RevokeInput>,
) -> Result<StatusCode, AppError> {
    state.services().revoke_role(&auth.actor, AccountId(id), &input).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Disable, enable or reset a staff member's account (the admins above all its roles). Disabled:
/// it logs in no more and its sessions end at once. Reset: its password is removed and every
/// session ends; the holder logs in by SMS code to their own phone and sets a new one (nobody
/// else ever chooses or sees it). An account disabled from above is enabled from that level only.
#[utoipa::path(post, path = "/api/v1/accounts/{id}/{step}", tag = "accounts", security(("bearer" = [])),
    params(("id" = i64, Path, description = "the account"), ("step" = String, Path, description = "`disable`, `enable` or `reset`")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn move_account(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    PathIds((id, step)): PathIds<(i64, String)>,
) -> Result<StatusCode, AppError> {
    let step = AccountMove::parse(&step).ok_or_else(|| AppError::code(hongmajia_domain::ErrorCode::NotFound))?;
    state.services().move_account(&auth.actor, AccountId(id), step).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// End every session of the signed-in account, this one included.
#[utoipa::path(post, path = "/api/v1/me/logout-everywhere", tag = "accounts", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ErrorBody)))]
pub async fn logout_everywhere(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
) -> Result<StatusCode, AppError> {
    state.services().logout_everywhere(&auth.actor).await?;
    Ok(StatusCode::NO_CONTENT)
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
    lang: LangOf,
    ApiActor(auth): ApiActor,
    QueryParams(params): QueryParams<AuditParams>,
) -> Result<Json<AuditPage>, AppError> {
    let query = AuditQuery {
        region: params.region,
        action: params.action,
        actor: params.actor,
        page: params.page.unwrap_or(1),
    };
    let mut page = state.services().audit_log(&auth.actor, &query).await?;
    lang.0.put_into_words(&mut page);
    Ok(Json(page))
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
        .set_own_password(
            &auth.actor,
            Some(auth.session_id),
            body.current_password.as_deref(),
            &body.password,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
