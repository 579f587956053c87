use super::ErrorBody;
use crate::AppState;
use crate::error::AppError;
use crate::extract::JsonBody;
use crate::session::ApiActor;
use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use hongmajia_domain::{DomainError, ErrorCode};
use hongmajia_services::auth::SessionKind;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use utoipa::ToSchema;

/// A phone with either its password (staff, and anyone who set one) or a code from
/// `POST /api/v1/auth/sms-code` (volunteers and citizens).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    #[schema(example = "13800001234")]
    phone: String,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    code: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeRequest {
    #[schema(example = "13800001234")]
    phone: String,
}

#[derive(Serialize, ToSchema)]
pub struct CodeSent {
    /// How long the code stays valid.
    expires_in_seconds: i64,
}

/// Send a six-digit login code to a phone by SMS (at most one a minute and five an hour).
#[utoipa::path(post, path = "/api/v1/auth/sms-code", tag = "auth", request_body = CodeRequest,
    responses(
        (status = 202, body = CodeSent),
        (status = 422, description = "invalid_phone", body = ErrorBody),
        (status = 429, description = "too_many_codes", body = ErrorBody),
        (status = 503, description = "sms_not_configured: the server has no SMS gateway", body = ErrorBody),
    ))]
pub async fn request_code(
    State(state): State<AppState>,
    lang: crate::extract::LangOf,
    JsonBody(body): JsonBody<CodeRequest>,
) -> Result<(StatusCode, Json<CodeSent>), AppError> {
    let chinese = lang.0 == crate::i18n::Lang::ZhCn;
    state.services().request_login_code(&body.phone, chinese).await?;
    let sent = CodeSent {
        expires_in_seconds: hongmajia_services::sms::CODE_LIFETIME.whole_seconds(),
    };
    Ok((StatusCode::ACCEPTED, Json(sent)))
}

#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    /// Send as `Authorization: Bearer <token>`.
    token: String,
}

/// Log in with a phone number and its password or SMS code, and get a bearer token.
#[utoipa::path(post, path = "/api/v1/auth/token", tag = "auth", request_body = TokenRequest,
    responses(
        (status = 201, body = TokenResponse),
        (status = 401, description = "invalid_credentials, invalid_code or code_expired", body = ErrorBody),
        (status = 422, description = "invalid_phone", body = ErrorBody),
        (status = 429, description = "too_many_attempts", body = ErrorBody),
    ))]
pub async fn create_token(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    JsonBody(body): JsonBody<TokenRequest>,
) -> Result<(StatusCode, Json<TokenResponse>), AppError> {
    let services = state.services();
    let ip = peer.ip().to_string();
    let session = match (body.password, body.code) {
        (Some(password), None) => services.login(&body.phone, &password, &ip, SessionKind::Api).await?,
        (None, Some(code)) => services.login_with_code(&body.phone, &code, SessionKind::Api).await?,
        _ => return Err(DomainError::on(ErrorCode::PasswordRequired, "password").into()),
    };
    Ok((StatusCode::CREATED, Json(TokenResponse { token: session.token })))
}

/// Revoke the token (or session) this request is made with.
#[utoipa::path(delete, path = "/api/v1/auth/token", tag = "auth", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ErrorBody)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    _actor: ApiActor,
    headers: HeaderMap,
) -> Result<StatusCode, AppError> {
    if let Some((token, _)) = crate::session::request_token(&headers) {
        state.services().logout(&token).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}
