//! The extractors the API and the pages share: bodies and query strings that answer our own
//! error (never a bare rejection), and ids in a path, where one that does not parse names
//! nothing (404), as an unknown one does.

use crate::error::AppError;
use crate::i18n::Lang;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use hongmajia_domain::DomainError;
use hongmajia_domain::ErrorCode;
use serde::de::DeserializeOwned;

/// A JSON body that must be sent as `application/json` (else 415) and must parse into `T`,
/// unknown fields included (else 400 `invalid_json`).
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.split(';')
                    .next()
                    .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
            });
        if !is_json {
            return Err(AppError::code(ErrorCode::UnsupportedMediaType));
        }
        let bytes = axum::body::Bytes::from_request(request, state)
            .await
            .map_err(|_| AppError::code(ErrorCode::InvalidJson))?;
        serde_json::from_slice(&bytes)
            .map(Self)
            .map_err(|_| AppError::code(ErrorCode::InvalidJson))
    }
}

/// `?page=N` and friends: a malformed query string is a 400 with our own error body.
pub struct QueryParams<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for QueryParams<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Self(q.0))
            .map_err(|_| AppError::code(ErrorCode::InvalidQuery))
    }
}

/// A form body; one that cannot be read gets our own 400 page instead of a bare rejection.
pub struct FormBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for FormBody<T> {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        axum::Form::<T>::from_request(request, state)
            .await
            .map(|form| Self(form.0))
            .map_err(|_| AppError::code(ErrorCode::InvalidQuery))
    }
}

/// The ids (and other segments) of a path, each parsed as its type: `PathIds(id): PathIds<i64>`,
/// `PathIds((team, volunteer)): PathIds<(i64, i64)>`. A segment that does not parse is 404,
/// exactly as an id nobody has.
pub struct PathIds<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for PathIds<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|path| Self(path.0))
            .map_err(|_| AppError::code(ErrorCode::NotFound))
    }
}

/// The request's language as an extractor.
#[derive(Debug, Clone, Copy)]
pub struct LangOf(pub Lang);

impl<S: Send + Sync> FromRequestParts<S> for LangOf {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(Lang::from_headers(&parts.headers)))
    }
}

/// A `date=YYYY-MM-DD` query value, if one is given; a malformed one is a 400.
pub fn day_of(raw: Option<&str>) -> Result<Option<time::Date>, AppError> {
    match raw.map(str::trim).filter(|d| !d.is_empty()) {
        Some(day) => time::Date::parse(day, time::macros::format_description!("[year]-[month]-[day]"))
            .map(Some)
            .map_err(|_| DomainError::on(ErrorCode::InvalidQuery, "date").into()),
        None => Ok(None),
    }
}
