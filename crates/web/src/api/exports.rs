use super::ErrorBody;
use crate::AppState;
use crate::error::AppError;
use crate::extract::JsonBody;
use crate::session::ApiActor;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use hongmajia_domain::TeamId;
use hongmajia_domain::{DomainError, ErrorCode};
use hongmajia_services::exports::{Format, VolunteerExport};
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VolunteerExportRequest {
    /// Division code; the caller's own area by default.
    #[serde(default)]
    region: Option<String>,
    /// Only this team's members.
    #[serde(default)]
    team: Option<TeamId>,
    /// Only volunteers of this service category.
    #[serde(default)]
    category: Option<String>,
    /// `xlsx` or `csv` (UTF-8 with a BOM).
    format: String,
    /// Full ID numbers and phones instead of masked ones; needs `password`.
    #[serde(default)]
    full: bool,
    /// The caller's password, confirmed again for a full export.
    #[serde(default)]
    password: Option<String>,
}

fn file(bytes: Vec<u8>, name: &str, format: Format) -> Response {
    let content_type = match format {
        Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        Format::Csv => "text/csv; charset=utf-8",
    };
    let disposition = format!("attachment; filename=\"{name}.{}\"", format.extension());
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response()
}

fn parse_format(raw: &str) -> Result<Format, AppError> {
    Format::parse(raw).ok_or_else(|| DomainError::on(ErrorCode::InvalidQuery, "format").into())
}

/// Volunteers of an area as .xlsx or .csv: masked, or in full after the password is confirmed.
/// Every export is written to the audit log.
#[utoipa::path(post, path = "/api/v1/exports/volunteers", tag = "exports", security(("bearer" = [])),
    request_body = VolunteerExportRequest,
    responses((status = 200, description = "the file"), (status = 401, description = "invalid_credentials (the password)", body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn volunteers(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    JsonBody(request): JsonBody<VolunteerExportRequest>,
) -> Result<Response, AppError> {
    let format = parse_format(&request.format)?;
    let export = VolunteerExport {
        region: request.region,
        team: request.team,
        category: request.category,
        full: request.full,
        password: request.password,
    };
    let bytes = state.services().export_volunteers(&auth.actor, &export, format).await?;
    Ok(file(bytes, "volunteers", format))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamExportRequest {
    #[serde(default)]
    region: Option<String>,
    format: String,
}

/// Teams of an area as .xlsx or .csv (audited).
#[utoipa::path(post, path = "/api/v1/exports/teams", tag = "exports", security(("bearer" = [])), request_body = TeamExportRequest,
    responses((status = 200, description = "the file"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn teams(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    JsonBody(request): JsonBody<TeamExportRequest>,
) -> Result<Response, AppError> {
    let format = parse_format(&request.format)?;
    let bytes = state
        .services()
        .export_teams(&auth.actor, request.region.as_deref(), format)
        .await?;
    Ok(file(bytes, "teams", format))
}
