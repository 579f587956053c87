use super::{ErrorBody, JsonBody};
use crate::AppState;
use crate::error::AppError;
use crate::session::ApiActor;
use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use hongmajia_services::auth::SessionKind;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    #[schema(example = "13800001234")]
    phone: String,
    password: String,
}

#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    /// Send as `Authorization: Bearer <token>`.
    token: String,
}

/// Log in with a phone number and password and get a bearer token.
#[utoipa::path(post, path = "/api/v1/auth/token", tag = "auth", request_body = TokenRequest,
    responses(
        (status = 201, body = TokenResponse),
        (status = 401, description = "invalid_credentials", body = ErrorBody),
        (status = 422, description = "invalid_phone", body = ErrorBody),
        (status = 429, description = "too_many_attempts", body = ErrorBody),
    ))]
pub async fn create_token(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    JsonBody(body): JsonBody<TokenRequest>,
) -> Result<(StatusCode, Json<TokenResponse>), AppError> {
    let session = state
        .services()
        .login(
            &body.phone,
            &body.password,
            &peer.ip().to_string(),
            SessionKind::Api,
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(TokenResponse {
            token: session.token,
        }),
    ))
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
