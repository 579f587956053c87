use super::ErrorBody;
use crate::AppState;
use crate::error::AppError;
use crate::extract::JsonBody;
use crate::session::ApiActor;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use hongmajia_services::regions::{Coverage, OfficeHoursView, Region, RegionDetail};
use serde::Deserialize;
use utoipa::ToSchema;

/// A region, its site and the regions right below it.
#[utoipa::path(get, path = "/api/v1/regions/{code}", tag = "regions", security(("bearer" = [])),
    params(("code" = String, Path, description = "division code, e.g. 140824")),
    responses((status = 200, body = RegionDetail), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    Path(code): Path<String>,
) -> Result<Json<RegionDetail>, AppError> {
    Ok(Json(state.services().region(&auth.actor, &code).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRegion {
    /// 9 digits for a township (county + 3), 12 for a village (township + 3).
    #[schema(example = "140824006")]
    code: String,
    name: String,
}

/// Add a region below an existing one (the code tells its parent).
#[utoipa::path(post, path = "/api/v1/regions", tag = "regions", security(("bearer" = [])), request_body = NewRegion,
    responses((status = 201, body = Region), (status = 409, description = "region_exists", body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    JsonBody(body): JsonBody<NewRegion>,
) -> Result<(StatusCode, Json<Region>), AppError> {
    let region = state
        .services()
        .create_region(&auth.actor, &body.code, &body.name)
        .await?;
    Ok((StatusCode::CREATED, Json(region)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RenameRegion {
    name: String,
}

/// Rename a region.
#[utoipa::path(patch, path = "/api/v1/regions/{code}", tag = "regions", security(("bearer" = [])),
    params(("code" = String, Path)), request_body = RenameRegion,
    responses((status = 200, body = Region), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn rename(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    Path(code): Path<String>,
    JsonBody(body): JsonBody<RenameRegion>,
) -> Result<Json<Region>, AppError> {
    Ok(Json(
        state.services().rename_region(&auth.actor, &code, &body.name).await?,
    ))
}

/// How far practice sites cover a region: counts per level and every region without its site.
#[utoipa::path(get, path = "/api/v1/regions/{code}/coverage", tag = "regions", security(("bearer" = [])),
    params(("code" = String, Path)),
    responses((status = 200, body = Coverage), (status = 404, body = ErrorBody)))]
pub async fn coverage(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    Path(code): Path<String>,
) -> Result<Json<Coverage>, AppError> {
    Ok(Json(state.services().coverage(&auth.actor, &code).await?))
}

/// The headline figures of a region and everything below it, with the same figures for each
/// region one level below: aggregates only, readable without login.
#[utoipa::path(get, path = "/api/v1/regions/{code}/figures", tag = "regions", params(("code" = String, Path)),
    responses((status = 200, body = hongmajia_services::figures::RegionFigures), (status = 404, body = super::ErrorBody)))]
pub async fn figures(
    axum::extract::State(state): axum::extract::State<crate::AppState>,
    axum::extract::Path(code): axum::extract::Path<String>,
) -> Result<axum::Json<hongmajia_services::figures::RegionFigures>, crate::error::AppError> {
    Ok(axum::Json(state.services().region_figures(&code).await?))
}

/// A county's office hours: review deadlines count only the time they are open on working days.
#[utoipa::path(get, path = "/api/v1/regions/{code}/office-hours", tag = "regions", security(("bearer" = [])),
    params(("code" = String, Path, description = "a county's code, e.g. 140824")),
    responses((status = 200, body = OfficeHoursView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn office_hours(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    Path(code): Path<String>,
) -> Result<Json<OfficeHoursView>, AppError> {
    Ok(Json(state.services().office_hours(&auth.actor, &code).await?))
}

/// Set a county's office hours (its center admins, or the city's).
#[utoipa::path(put, path = "/api/v1/regions/{code}/office-hours", tag = "regions", security(("bearer" = [])),
    params(("code" = String, Path)), request_body = OfficeHoursView,
    responses((status = 200, body = OfficeHoursView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn set_office_hours(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    Path(code): Path<String>,
    JsonBody(body): JsonBody<OfficeHoursView>,
) -> Result<Json<OfficeHoursView>, AppError> {
    Ok(Json(
        state.services().set_office_hours(&auth.actor, &code, &body).await?,
    ))
}
