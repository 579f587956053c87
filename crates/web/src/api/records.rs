//! Attendance, service records, corrections, backfills and certificates.

use super::ErrorBody;
use crate::error::AppError;
use crate::extract::{JsonBody, PathIds, QueryParams};
use crate::session::ApiActor;
use crate::{AppState, base_url};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use hongmajia_domain::{ActivityId, RecordId, VolunteerId};
use hongmajia_services::anomalies::AnomalyFlag;
use hongmajia_services::attendance::{AttendanceView, CheckinPass, Direction, PresenceInput, RosterLine};
use hongmajia_services::certificates::{IssuedCertificate, Verification};
use hongmajia_services::records::{
    AdjustmentLimitInput, BackfillInput, ConfirmInput, CorrectionInput, CorrectionView, CountyAdjustmentLimit,
    DecisionInput, Evidence, MyHours, RecordReviews, RecordSummary,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// The organizer's screen: the QR token (with the check-in URL it encodes) and the 6-digit code.
#[derive(Serialize, ToSchema)]
pub struct CheckinScreen {
    #[serde(flatten)]
    pass: CheckinPass,
    /// The URL the QR code encodes: a confirm page that checks the volunteer in or out.
    url: String,
}

#[utoipa::path(get, path = "/api/v1/activities/{id}/checkin-pass", tag = "attendance", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = CheckinScreen), (status = 404, body = ErrorBody)))]
pub async fn checkin_pass(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    PathIds(id): PathIds<ActivityId>,
    headers: HeaderMap,
) -> Result<Json<CheckinScreen>, AppError> {
    let pass = state.services().checkin_pass(&auth.actor, id).await?;
    let url = format!("{}/checkin?t={}", base_url(&state, &headers), pass.token);
    Ok(Json(CheckinScreen { pass, url }))
}

/// Check in with the QR token or the 6-digit code (and the position, for a geofenced activity).
#[utoipa::path(post, path = "/api/v1/activities/{id}/check-in", tag = "attendance", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = PresenceInput,
    responses((status = 200, body = AttendanceView), (status = 409, body = ErrorBody), (status = 422, description = "outside_checkin_window, invalid_checkin_token, invalid_checkin_code, outside_geofence, location_required, not_signed_up", body = ErrorBody)))]
pub async fn check_in(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    PathIds(id): PathIds<ActivityId>,
    JsonBody(input): JsonBody<PresenceInput>,
) -> Result<Json<AttendanceView>, AppError> {
    let view = state
        .services()
        .attend(&auth.actor, id, Direction::CheckIn, &input)
        .await?;
    Ok(Json(view))
}

/// Check out: the time present becomes a pending service record.
#[utoipa::path(post, path = "/api/v1/activities/{id}/check-out", tag = "attendance", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = PresenceInput,
    responses((status = 200, body = AttendanceView), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn check_out(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    PathIds(id): PathIds<ActivityId>,
    JsonBody(input): JsonBody<PresenceInput>,
) -> Result<Json<AttendanceView>, AppError> {
    let view = state
        .services()
        .attend(&auth.actor, id, Direction::CheckOut, &input)
        .await?;
    Ok(Json(view))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ManualAttendance {
    volunteer_id: VolunteerId,
    direction: Direction,
}

/// The organizer checks a volunteer in or out by hand (recorded as manual, audited).
#[utoipa::path(post, path = "/api/v1/activities/{id}/attendance", tag = "attendance", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = ManualAttendance,
    responses((status = 200, body = AttendanceView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn attend_by_hand(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    PathIds(id): PathIds<ActivityId>,
    JsonBody(input): JsonBody<ManualAttendance>,
) -> Result<Json<AttendanceView>, AppError> {
    let view = state
        .services()
        .attend_by_hand(&auth.actor, id, input.volunteer_id, input.direction)
        .await?;
    Ok(Json(view))
}

/// The roster of an activity: sign-ups, attendance and records.
#[utoipa::path(get, path = "/api/v1/activities/{id}/roster", tag = "attendance", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = [RosterLine]), (status = 404, body = ErrorBody)))]
pub async fn roster(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    PathIds(id): PathIds<ActivityId>,
) -> Result<Json<Vec<RosterLine>>, AppError> {
    Ok(Json(state.services().roster(&auth.actor, id).await?))
}

/// Correction requests and missing-record reports of an activity.
#[utoipa::path(get, path = "/api/v1/activities/{id}/corrections", tag = "records", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = [CorrectionView]), (status = 404, body = ErrorBody)))]
pub async fn corrections(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    PathIds(id): PathIds<ActivityId>,
) -> Result<Json<Vec<CorrectionView>>, AppError> {
    Ok(Json(state.services().corrections(&auth.actor, id).await?))
}

/// The volunteer reports service in this activity that has no record.
#[utoipa::path(post, path = "/api/v1/activities/{id}/missing-record", tag = "records", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = CorrectionInput,
    responses((status = 201, body = CorrectionView), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn report_missing(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    PathIds(id): PathIds<ActivityId>,
    JsonBody(input): JsonBody<CorrectionInput>,
) -> Result<(StatusCode, Json<CorrectionView>), AppError> {
    let view = state.services().report_missing(&auth.actor, id, &input).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// Confirm a pending record (other minutes need a reason).
#[utoipa::path(post, path = "/api/v1/records/{id}/confirm", tag = "records", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = ConfirmInput,
    responses((status = 200, body = RecordSummary), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn confirm(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    PathIds(id): PathIds<RecordId>,
    JsonBody(input): JsonBody<ConfirmInput>,
) -> Result<Json<RecordSummary>, AppError> {
    Ok(Json(state.services().confirm_record(&auth.actor, id, &input).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonInput {
    reason: String,
}

/// Reject a pending record, with a reason.
#[utoipa::path(post, path = "/api/v1/records/{id}/reject", tag = "records", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = ReasonInput,
    responses((status = 200, body = RecordSummary), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reject(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    PathIds(id): PathIds<RecordId>,
    JsonBody(input): JsonBody<ReasonInput>,
) -> Result<Json<RecordSummary>, AppError> {
    Ok(Json(
        state.services().reject_record(&auth.actor, id, &input.reason).await?,
    ))
}

/// Revoke a confirmed record on a finding of fraud (admins of its region).
#[utoipa::path(post, path = "/api/v1/records/{id}/revoke", tag = "records", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = ReasonInput,
    responses((status = 200, body = RecordSummary), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn revoke(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    PathIds(id): PathIds<RecordId>,
    JsonBody(input): JsonBody<ReasonInput>,
) -> Result<Json<RecordSummary>, AppError> {
    Ok(Json(
        state.services().revoke_record(&auth.actor, id, &input.reason).await?,
    ))
}

/// Reinstate a revoked record, with a reason: by a reviewer of the region above the record's who
/// took no part in it (the revocation is otherwise final).
#[utoipa::path(post, path = "/api/v1/records/{id}/reinstate", tag = "records", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = ReasonInput,
    responses((status = 200, body = RecordSummary), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn reinstate(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    PathIds(id): PathIds<RecordId>,
    JsonBody(input): JsonBody<ReasonInput>,
) -> Result<Json<RecordSummary>, AppError> {
    Ok(Json(
        state
            .services()
            .reinstate_record(&auth.actor, id, &input.reason)
            .await?,
    ))
}

/// The volunteer asks for a confirmed record to be corrected.
#[utoipa::path(post, path = "/api/v1/records/{id}/corrections", tag = "records", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = CorrectionInput,
    responses((status = 201, body = CorrectionView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn request_correction(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    PathIds(id): PathIds<RecordId>,
    JsonBody(input): JsonBody<CorrectionInput>,
) -> Result<(StatusCode, Json<CorrectionView>), AppError> {
    let view = state.services().request_correction(&auth.actor, id, &input).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// The organizer approves or denies a correction request (denial needs a note).
#[utoipa::path(post, path = "/api/v1/corrections/{id}/decision", tag = "records", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = DecisionInput,
    responses((status = 200, body = CorrectionView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn decide_correction(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    PathIds(id): PathIds<i64>,
    JsonBody(input): JsonBody<DecisionInput>,
) -> Result<Json<CorrectionView>, AppError> {
    Ok(Json(state.services().decide_correction(&auth.actor, id, &input).await?))
}

#[derive(Deserialize, IntoParams)]
pub struct BackfillParams {
    activity_id: ActivityId,
    /// The volunteer, by id or by volunteer code.
    #[serde(default)]
    volunteer_id: Option<VolunteerId>,
    #[serde(default)]
    volunteer_code: Option<String>,
    minutes: i64,
    reason: String,
    /// The evidence file's name, as the uploader's computer called it.
    #[serde(default)]
    file_name: String,
}

/// Backfill hours with no check-in: the evidence file (JPEG, PNG or PDF, ≤ 10 MB) is the body; the
/// record waits for a second approver (an admin of the site above).
#[utoipa::path(post, path = "/api/v1/records/backfill", tag = "records", security(("bearer" = [])), params(BackfillParams),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = RecordSummary), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn backfill(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    QueryParams(params): QueryParams<BackfillParams>,
    body: Bytes,
) -> Result<(StatusCode, Json<RecordSummary>), AppError> {
    let volunteer_id = match (params.volunteer_id, params.volunteer_code.as_deref()) {
        (Some(id), _) => id,
        (None, Some(code)) => state.services().volunteer_by_code(code.trim()).await?.ok_or_else(|| {
            hongmajia_domain::DomainError::on(hongmajia_domain::ErrorCode::NotFound, "volunteer_code")
        })?,
        (None, None) => {
            return Err(
                hongmajia_domain::DomainError::on(hongmajia_domain::ErrorCode::MissingField, "volunteer_id").into(),
            );
        }
    };
    let input = BackfillInput {
        activity_id: params.activity_id,
        volunteer_id,
        minutes: params.minutes,
        reason: params.reason,
    };
    let evidence = Evidence {
        file_name: &params.file_name,
        bytes: &body,
    };
    let made = state.services().backfill(&auth.actor, &input, &evidence).await?;
    Ok((StatusCode::CREATED, Json(made)))
}

/// The second approval (or refusal, with a note) of a backfill.
#[utoipa::path(post, path = "/api/v1/records/{id}/second-approval", tag = "records", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = DecisionInput,
    responses((status = 200, body = RecordSummary), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 403, description = "same_approver", body = ErrorBody)))]
pub async fn second_approval(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    PathIds(id): PathIds<RecordId>,
    JsonBody(input): JsonBody<DecisionInput>,
) -> Result<Json<RecordSummary>, AppError> {
    Ok(Json(state.services().approve_backfill(&auth.actor, id, &input).await?))
}

/// A backfill's evidence file.
#[utoipa::path(get, path = "/api/v1/records/{id}/evidence", tag = "records", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, description = "the file"), (status = 404, body = ErrorBody)))]
pub async fn evidence(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    PathIds(id): PathIds<RecordId>,
) -> Result<Response, AppError> {
    let file = state.services().evidence(&auth.actor, id).await?;
    Ok(crate::download::attachment(file))
}

/// Backfills awaiting this region's admins and the activities overdue in it (R-REC-7).
#[utoipa::path(get, path = "/api/v1/regions/{code}/record-reviews", tag = "records", security(("bearer" = [])), params(("code" = String, Path)),
    responses((status = 200, body = RecordReviews), (status = 404, body = ErrorBody)))]
pub async fn record_reviews(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    Path(code): Path<String>,
) -> Result<Json<RecordReviews>, AppError> {
    Ok(Json(state.services().record_reviews(&auth.actor, &code).await?))
}

/// A county's adjustment limit: its own, or the deployment's (reviewers whose region covers it).
#[utoipa::path(get, path = "/api/v1/regions/{code}/adjustment-limit", tag = "records", security(("bearer" = [])), params(("code" = String, Path)),
    responses((status = 200, body = CountyAdjustmentLimit), (status = 404, body = ErrorBody)))]
pub async fn adjustment_limit(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    Path(code): Path<String>,
) -> Result<Json<CountyAdjustmentLimit>, AppError> {
    Ok(Json(
        state.services().county_adjustment_limit(&auth.actor, &code).await?,
    ))
}

/// Set a county's adjustment limit (the city's reviewers): how far a confirmation may credit
/// beyond the minutes present before it takes a second person at the site above.
#[utoipa::path(put, path = "/api/v1/regions/{code}/adjustment-limit", tag = "records", security(("bearer" = [])), params(("code" = String, Path)),
    request_body = AdjustmentLimitInput,
    responses((status = 200, body = CountyAdjustmentLimit), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_adjustment_limit(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    Path(code): Path<String>,
    JsonBody(input): JsonBody<AdjustmentLimitInput>,
) -> Result<Json<CountyAdjustmentLimit>, AppError> {
    Ok(Json(
        state
            .services()
            .set_county_adjustment_limit(&auth.actor, &code, &input)
            .await?,
    ))
}

/// The signed-in volunteer's confirmed hours, star level and records with every version.
#[utoipa::path(get, path = "/api/v1/me/hours", tag = "records", security(("bearer" = [])),
    responses((status = 200, body = MyHours), (status = 422, body = ErrorBody)))]
pub async fn my_hours(State(state): State<AppState>, ApiActor(auth): ApiActor) -> Result<Json<MyHours>, AppError> {
    Ok(Json(state.services().my_hours(&auth.actor).await?))
}

/// A volunteer's hours, for staff whose region covers them.
#[utoipa::path(get, path = "/api/v1/volunteers/{id}/hours", tag = "records", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = MyHours), (status = 404, body = ErrorBody)))]
pub async fn volunteer_hours(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    PathIds(id): PathIds<VolunteerId>,
) -> Result<Json<MyHours>, AppError> {
    Ok(Json(state.services().hours_of_volunteer(&auth.actor, id).await?))
}

/// Issue a certificate of all confirmed records now (free); its PDF is at `pdf_url`.
#[derive(Serialize, ToSchema)]
pub struct CertificateAnswer {
    #[serde(flatten)]
    issued: IssuedCertificate,
    pdf_url: String,
    verify_url: String,
}

#[utoipa::path(post, path = "/api/v1/me/certificates", tag = "certificates", security(("bearer" = [])),
    responses((status = 201, body = CertificateAnswer), (status = 422, description = "no_confirmed_hours, not_registered", body = ErrorBody)))]
pub async fn issue_certificate(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    headers: HeaderMap,
) -> Result<(StatusCode, Json<CertificateAnswer>), AppError> {
    let issued = state.services().issue_certificate(&auth.actor).await?;
    let number = issued.certificate_number.clone();
    let answer = CertificateAnswer {
        issued,
        pdf_url: format!("/api/v1/certificates/{number}/pdf"),
        verify_url: format!("{}/verify/{number}", base_url(&state, &headers)),
    };
    Ok((StatusCode::CREATED, Json(answer)))
}

/// The certificate's PDF (its holder, or staff whose region covers the holder).
#[utoipa::path(get, path = "/api/v1/certificates/{number}/pdf", tag = "certificates", security(("bearer" = [])), params(("number" = String, Path)),
    responses((status = 200, content_type = "application/pdf", description = "the certificate"), (status = 404, body = ErrorBody)))]
pub async fn certificate_pdf(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    Path(number): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let base = base_url(&state, &headers);
    let pdf = state.services().certificate_pdf(&auth.actor, &number, &base).await?;
    Ok(crate::download::pdf_response(pdf, &number))
}

/// The public check of a certificate (also a page at `/verify/{number}`).
#[utoipa::path(get, path = "/api/v1/verify/{number}", tag = "certificates", params(("number" = String, Path)),
    responses((status = 200, body = Verification), (status = 404, body = ErrorBody)))]
pub async fn verify(State(state): State<AppState>, Path(number): Path<String>) -> Result<Json<Verification>, AppError> {
    Ok(Json(state.services().verify_certificate(&number).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteInput {
    note: String,
}

/// Resolve an anomaly flag with a note (admins whose region covers the record's).
#[utoipa::path(post, path = "/api/v1/anomalies/{id}/resolve", tag = "records", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = NoteInput,
    responses((status = 200, body = AnomalyFlag), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn resolve_anomaly(
    State(state): State<AppState>,
    ApiActor(auth): ApiActor,
    PathIds(id): PathIds<i64>,
    JsonBody(input): JsonBody<NoteInput>,
) -> Result<Json<AnomalyFlag>, AppError> {
    Ok(Json(
        state.services().resolve_anomaly(&auth.actor, id, &input.note).await?,
    ))
}
