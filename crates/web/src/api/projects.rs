use super::ErrorBody;
use crate::AppState;
use crate::error::AppError;
use crate::extract::{JsonBody, PathIds, QueryParams};
use crate::session::ApiActor;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use hongmajia_domain::project::ProjectEvent;
use hongmajia_domain::{DomainError, ErrorCode, ProjectId};
use hongmajia_services::categories::{Category, CategoryInput};
use hongmajia_services::projects::{Project, ProjectInput};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

/// Draft a volunteer service project for a team (its leaders and admins) or a site (its staff).
#[utoipa::path(post, path = "/api/v1/projects", tag = "projects", security(("bearer" = [])), request_body = ProjectInput,
    responses((status = 201, body = Project), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    JsonBody(input): JsonBody<ProjectInput>,
) -> Result<(StatusCode, Json<Project>), AppError> {
    Ok((
        StatusCode::CREATED,
        Json(state.services().create_project(&auth.actor, &input).await?),
    ))
}

/// A project (drafts only for those who may edit them).
#[utoipa::path(get, path = "/api/v1/projects/{id}", tag = "projects", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = Project), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    PathIds(id): PathIds<ProjectId>,
) -> Result<Json<Project>, AppError> {
    Ok(Json(state.services().project(&auth.actor, id).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectChange {
    /// `submit`, `close` (the owner); `approve`, `return` (the owning site's staff).
    event: String,
    /// Required to return a project.
    #[serde(default)]
    reason: Option<String>,
}

/// Move a project through review and publication.
#[utoipa::path(post, path = "/api/v1/projects/{id}/state", tag = "projects", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = ProjectChange,
    responses((status = 200, body = Project), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "invalid_transition", body = ErrorBody), (status = 422, description = "reason_required", body = ErrorBody)))]
pub async fn change_state(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    PathIds(id): PathIds<ProjectId>,
    JsonBody(change): JsonBody<ProjectChange>,
) -> Result<Json<Project>, AppError> {
    let event =
        ProjectEvent::parse(&change.event).ok_or_else(|| DomainError::on(ErrorCode::InvalidTransition, "event"))?;
    let project = state
        .services()
        .move_project(&auth.actor, id, event, change.reason.as_deref())
        .await?;
    Ok(Json(project))
}

#[derive(Deserialize, IntoParams)]
pub struct ProjectListParams {
    /// Division code.
    region: String,
    /// `draft`, `submitted`, `published` or `closed`; all by default.
    state: Option<String>,
    page: Option<u32>,
}

/// Projects of a region and everything below it.
#[utoipa::path(get, path = "/api/v1/projects", tag = "projects", security(("bearer" = [])), params(ProjectListParams),
    responses((status = 200, body = Vec<Project>), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    QueryParams(params): QueryParams<ProjectListParams>,
) -> Result<Json<Vec<Project>>, AppError> {
    let wanted = params.state.unwrap_or_default();
    Ok(Json(
        state
            .services()
            .projects(&auth.actor, &params.region, &wanted, params.page.unwrap_or(1))
            .await?,
    ))
}

/// The service categories projects are filed under, in order (retired ones flagged).
#[utoipa::path(get, path = "/api/v1/categories", tag = "projects", security(("bearer" = [])),
    responses((status = 200, body = [Category]), (status = 401, body = ErrorBody)))]
pub async fn categories(
    State(state): State<AppState>,
    ApiActor(_auth): ApiActor,
) -> Result<Json<Vec<Category>>, AppError> {
    Ok(Json(state.services().categories().await?))
}

/// Add a service category (the city's admins).
#[utoipa::path(post, path = "/api/v1/categories", tag = "projects", security(("bearer" = [])), request_body = CategoryInput,
    responses((status = 201, body = Category), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn add_category(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    JsonBody(input): JsonBody<CategoryInput>,
) -> Result<(StatusCode, Json<Category>), AppError> {
    Ok((
        StatusCode::CREATED,
        Json(state.services().add_category(&auth.actor, &input).await?),
    ))
}

/// Rename, reorder, retire or restore a service category (the city's admins); its code stays.
#[utoipa::path(put, path = "/api/v1/categories/{code}", tag = "projects", security(("bearer" = [])),
    params(("code" = String, Path)), request_body = CategoryInput,
    responses((status = 200, body = Category), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn edit_category(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    Path(code): Path<String>,
    JsonBody(input): JsonBody<CategoryInput>,
) -> Result<Json<Category>, AppError> {
    Ok(Json(state.services().edit_category(&auth.actor, &code, &input).await?))
}
