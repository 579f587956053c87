//! `ServiceError` → HTTP. A handler returns `AppError`; the `localize` middleware then writes the
//! body in the request's language: JSON `{"error": {code, message, field}}` under `/api`, an HTML
//! page elsewhere. Internal errors are logged with the request id and never shown in detail.

use crate::i18n::Lang;
use crate::pages::render_error_page;
use axum::Json;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use hongmajia_domain::{DomainError, ErrorCode};
use hongmajia_services::ServiceError;

#[derive(Debug)]
pub struct AppError {
    pub code: Option<ErrorCode>,
    pub field: Option<&'static str>,
    pub internal: Option<anyhow::Error>,
    /// More about the refusal, merged into the API's error object (never into a page).
    pub detail: Option<serde_json::Value>,
}

/// What the response carries for the `localize` middleware.
#[derive(Debug, Clone)]
pub struct ErrorInfo {
    pub code: Option<ErrorCode>,
    pub field: Option<&'static str>,
    pub detail: Option<serde_json::Value>,
}

impl AppError {
    pub fn code(code: ErrorCode) -> Self {
        Self {
            code: Some(code),
            field: None,
            internal: None,
            detail: None,
        }
    }

    /// Adds `key: value` to the error object of the API's answer.
    pub fn with_detail(mut self, key: &str, value: serde_json::Value) -> Self {
        let mut detail = self.detail.take().unwrap_or_else(|| serde_json::json!({}));
        detail[key] = value;
        self.detail = Some(detail);
        self
    }
}

impl From<ServiceError> for AppError {
    fn from(error: ServiceError) -> Self {
        match error {
            ServiceError::Rule(DomainError { code, field }) => Self {
                code: Some(code),
                field,
                internal: None,
                detail: None,
            },
            ServiceError::Internal(error) => Self {
                code: None,
                field: None,
                internal: Some(error),
                detail: None,
            },
        }
    }
}

impl From<anyhow::Error> for AppError {
    fn from(error: anyhow::Error) -> Self {
        ServiceError::Internal(error).into()
    }
}

impl From<DomainError> for AppError {
    fn from(error: DomainError) -> Self {
        ServiceError::Rule(error).into()
    }
}

pub fn status_of(code: Option<ErrorCode>) -> StatusCode {
    use ErrorCode::*;
    match code {
        None => StatusCode::INTERNAL_SERVER_ERROR,
        Some(NotFound) => StatusCode::NOT_FOUND,
        Some(Forbidden | CsrfRejected | AccountDisabled | SameApprover | AdjustmentNeedsLevelAbove) => {
            StatusCode::FORBIDDEN
        }
        Some(Unauthenticated | InvalidCredentials) => StatusCode::UNAUTHORIZED,
        Some(TooManyAttempts | TooManyCodes) => StatusCode::TOO_MANY_REQUESTS,
        Some(UnsupportedMediaType) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        Some(Busy) => StatusCode::SERVICE_UNAVAILABLE,
        Some(InvalidJson | InvalidQuery) => StatusCode::BAD_REQUEST,
        Some(
            RegionExists | SiteExists | RoleExists | AlreadyRegistered | TeamExists | MembershipExists | CategoryExists,
        ) => StatusCode::CONFLICT,
        Some(InvalidTransition | TeamNotActive | ActivityFull | AlreadySignedUp) => StatusCode::CONFLICT,
        Some(InvalidCode | CodeExpired) => StatusCode::UNAUTHORIZED,
        Some(
            InvalidPhone
            | InvalidRegionCode
            | InvalidName
            | RegionLevelMismatch
            | ParentRegionMissing
            | SiteKindMismatch
            | PasswordTooShort
            | PasswordTooLong
            | PasswordTooCommon
            | PasswordRequired
            | InvalidIdNumber
            | InvalidBirthDate
            | InvalidGender
            | GenderMismatch
            | BirthDateMismatch
            | GuardianConsentRequired
            | ConsentRequired
            | InvalidIdType
            | ReasonRequired
            | NotRegistered
            | InvalidTeamKind
            | InvalidSpecialty
            | MissingField
            | IdNumberAsNumber
            | UnknownRegion
            | DuplicateInFile
            | ConflictsWithRegistered
            | UnknownTeam
            | UnreadableFile
            | WrongHeaders
            | EmptyRoster
            | InvalidPeriod
            | InvalidCategory
            | OutsideSignupWindow
            | AcknowledgementRequired
            | SignupOverlap
            | IdempotencyKeyReused
            | InvalidCapacity
            | InvalidPosition
            | InvalidTime
            | InvalidMinAge
            | InvalidGeofence
            | InvalidAudience
            | InvalidActivityKind
            | InvalidCheckinOpening
            | InvalidTeamRole
            | InvalidDate
            | InvalidCategoryCode
            | ImageTooLarge
            | UnreadableUpload
            | TooYoung
            | TeamMembersOnly
            | SkillRequired
            | OutsideCheckinWindow
            | InvalidCheckinToken
            | InvalidCheckinCode
            | OutsideGeofence
            | LocationRequired
            | NotSignedUp
            | InvalidMinutes
            | EvidenceRequired
            | ActivityNotEnded
            | AfterTheFact
            | NoConfirmedHours
            | RosterTooLarge
            | FileExpandsTooMuch
            | LegacySpreadsheet
            | InvalidRole
            | RoleNotGrantable
            | PasswordNotSettable
            | IdNumberMismatch,
        ) => StatusCode::UNPROCESSABLE_ENTITY,
        Some(
            NotCheckedIn | AlreadyCheckedIn | OpenCheckinElsewhere | CorrectionExists | RecordExists | RecordUndecided,
        ) => StatusCode::CONFLICT,
        Some(SmsNotConfigured) => StatusCode::SERVICE_UNAVAILABLE,
        Some(GrantLapsed) => StatusCode::CONFLICT,
        Some(EvidenceTooLarge) => StatusCode::PAYLOAD_TOO_LARGE,
        Some(InvalidEvidenceType) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let Some(error) = &self.internal {
            tracing::error!(error = format!("{error:#}"), "request failed");
        }
        let mut response = status_of(self.code).into_response();
        response.extensions_mut().insert(ErrorInfo {
            code: self.code,
            field: self.field,
            detail: self.detail,
        });
        response
    }
}

/// The localized message of an error code (or of an internal error).
pub fn message(lang: Lang, code: Option<ErrorCode>) -> &'static str {
    match code {
        Some(code) => lang.t(&format!("error.{code}")),
        None => lang.t("error.internal"),
    }
}

/// Writes the body of every error response in the request's language.
pub async fn localize(request: Request, next: Next) -> Response {
    let lang = Lang::from_headers(request.headers());
    let is_api = request.uri().path().starts_with("/api/");
    let response = next.run(request).await;
    let Some(info) = response.extensions().get::<ErrorInfo>().cloned() else {
        return response;
    };
    let status = response.status();
    if is_api {
        let mut error = serde_json::json!({
            "code": info.code.map_or("internal", ErrorCode::as_str),
            "message": message(lang, info.code),
            "field": info.field,
        });
        if let (Some(object), Some(serde_json::Value::Object(detail))) = (error.as_object_mut(), info.detail) {
            object.extend(detail);
        }
        return (status, Json(serde_json::json!({ "error": error }))).into_response();
    }
    if info.code == Some(ErrorCode::Unauthenticated) {
        return Redirect::to("/login").into_response();
    }
    render_error_page(lang, status, info.code)
}
