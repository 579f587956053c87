use super::ErrorBody;
use crate::AppState;
use crate::error::AppError;
use crate::extract::LangOf;
use crate::extract::QueryParams;
use crate::i18n::Lang;
use crate::import_report::{ImportReport, failure_json, issue_message, outcome_report};
use crate::session::ApiActor;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use hongmajia_domain::TeamId;
use hongmajia_services::roster::volunteers::{ImportFailure, ImportOptions};
use hongmajia_services::roster::{error_report, volunteer_template};
use serde::Deserialize;
use utoipa::IntoParams;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn xlsx(bytes: Vec<u8>, file_name: &str) -> Response {
    let disposition = format!("attachment; filename=\"{file_name}\"");
    (
        [
            (header::CONTENT_TYPE, XLSX.to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response()
}

/// The volunteer roster template (.xlsx), every column formatted as text.
#[utoipa::path(get, path = "/api/v1/imports/volunteers/template", tag = "imports", security(("bearer" = [])),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", description = "the template")))]
pub async fn template(_actor: ApiActor) -> Result<Response, AppError> {
    let bytes = volunteer_template().map_err(|e| anyhow::anyhow!("writing the template: {e}"))?;
    Ok(xlsx(bytes, "volunteer-roster-template.xlsx"))
}

#[derive(Deserialize, IntoParams)]
pub struct ImportParams {
    /// Every imported volunteer joins this team (in the caller's area).
    team: Option<TeamId>,
}

/// The answer to a file that cannot be used: its status and the contract's error body.
fn refused(failure: &ImportFailure, lang: Lang) -> Response {
    let status = match failure {
        ImportFailure::File(_) => StatusCode::UNPROCESSABLE_ENTITY,
        ImportFailure::Refused(error) => crate::error::status_of(error.code()),
    };
    if let ImportFailure::Refused(hongmajia_services::ServiceError::Internal(error)) = failure {
        tracing::error!(error = format!("{error:#}"), "import failed");
    }
    (status, Json(failure_json(failure, lang))).into_response()
}

/// Import a volunteer roster: the file (.xlsx or .csv, UTF-8 or GBK) is the request body.
/// Answers the contract's `{"imported","matched","rejected","errors":[…]}`.
#[utoipa::path(post, path = "/api/v1/imports/volunteers", tag = "imports", security(("bearer" = [])), params(ImportParams),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "the roster file"),
    responses((status = 200, description = "the import ran; see `rejected` and `errors`", body = ImportReport),
        (status = 422, description = "unreadable_file, wrong_headers, empty_roster, unknown_team, roster_too_large, file_expands_too_much, legacy_spreadsheet", body = ErrorBody)))]
pub async fn import(
    State(state): State<AppState>,
    lang: LangOf,
    ApiActor(auth): ApiActor,
    QueryParams(params): QueryParams<ImportParams>,
    body: Bytes,
) -> Response {
    let options = ImportOptions {
        team: params.team,
        dry_run: false,
    };
    match state
        .services()
        .import_volunteers(&auth.actor, &body, &options, &|_, _| {})
        .await
    {
        Ok(outcome) => Json(outcome_report(&outcome, lang.0)).into_response(),
        Err(failure) => refused(&failure, lang.0),
    }
}

/// The rejected rows of a roster as an .xlsx to fix and import again (nothing is written).
#[utoipa::path(post, path = "/api/v1/imports/volunteers/error-report", tag = "imports", security(("bearer" = [])), params(ImportParams),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "the roster file"),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", description = "the rejected rows with their reasons"),
        (status = 422, body = ErrorBody)))]
pub async fn report(
    State(state): State<AppState>,
    lang: LangOf,
    ApiActor(auth): ApiActor,
    QueryParams(params): QueryParams<ImportParams>,
    body: Bytes,
) -> Response {
    let options = ImportOptions {
        team: params.team,
        dry_run: true,
    };
    match state
        .services()
        .import_volunteers(&auth.actor, &body, &options, &|_, _| {})
        .await
    {
        Ok(outcome) => match error_report(&outcome.headers, &outcome.rejected_rows, &issue_message(lang.0)) {
            Ok(bytes) => xlsx(bytes, "roster-errors.xlsx"),
            Err(error) => AppError::from(anyhow::anyhow!("writing the error report: {error}")).into_response(),
        },
        Err(failure) => refused(&failure, lang.0),
    }
}
