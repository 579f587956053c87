use super::ErrorBody;
use crate::AppState;
use crate::error::AppError;
use crate::extract::{JsonBody, PathIds};
use crate::session::ApiActor;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use hongmajia_domain::SiteId;
use hongmajia_services::sites::{Site, SiteInput};
use serde::Deserialize;
use utoipa::ToSchema;

/// A practice site.
#[utoipa::path(get, path = "/api/v1/sites/{id}", tag = "sites", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = Site), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    PathIds(id): PathIds<SiteId>,
) -> Result<Json<Site>, AppError> {
    Ok(Json(state.services().site(&auth.actor, id).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSite {
    #[schema(example = "140824001")]
    region_code: String,
    name: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    secretary: String,
}

/// Found the practice site of a region: a center (county), institute (township) or station (village).
#[utoipa::path(post, path = "/api/v1/sites", tag = "sites", security(("bearer" = [])), request_body = NewSite,
    responses((status = 201, body = Site), (status = 409, description = "site_exists", body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    JsonBody(body): JsonBody<NewSite>,
) -> Result<(StatusCode, Json<Site>), AppError> {
    let input = SiteInput {
        name: body.name,
        address: body.address,
        secretary: body.secretary,
    };
    let site = state
        .services()
        .create_site(&auth.actor, &body.region_code, &input)
        .await?;
    Ok((StatusCode::CREATED, Json(site)))
}

/// Change a site's name, address and secretary.
#[utoipa::path(put, path = "/api/v1/sites/{id}", tag = "sites", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = SiteInput,
    responses((status = 200, body = Site), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    PathIds(id): PathIds<SiteId>,
    JsonBody(input): JsonBody<SiteInput>,
) -> Result<Json<Site>, AppError> {
    Ok(Json(state.services().update_site(&auth.actor, id, &input).await?))
}
