//! Who is asking: the bearer token of an API client or the session cookie of a browser, and the
//! cross-site request checks that go with cookies.

use crate::AppState;
use crate::error::AppError;
use crate::i18n::cookie_value;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use hongmajia_domain::ErrorCode;
use hongmajia_services::auth::{Authenticated, SessionKind, constant_time_eq as tokens_match};

pub const SESSION_COOKIE: &str = "hmj_session";
/// Double-submit token of the login form, before there is a session to hold one.
pub const PRE_SESSION_COOKIE: &str = "hmj_pre";
pub const CSRF_HEADER: &str = "x-csrf-token";

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// The raw session token of a request: the bearer token, or else the session cookie.
pub fn request_token(headers: &HeaderMap) -> Option<(String, SessionKind)> {
    bearer(headers)
        .map(|t| (t.to_owned(), SessionKind::Api))
        .or_else(|| cookie_value(headers, SESSION_COOKIE).map(|t| (t, SessionKind::Cookie)))
}

fn is_unsafe(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The signed-in actor of an API call. A browser calling the API with its cookie must also send
/// the session's CSRF token in `X-CSRF-Token` for anything that changes state.
pub struct ApiActor(pub Authenticated);

impl FromRequestParts<AppState> for ApiActor {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let (token, kind) = request_token(&parts.headers).ok_or_else(|| AppError::code(ErrorCode::Unauthenticated))?;
        let auth = state.services().authenticate(&token).await?;
        if kind == SessionKind::Cookie && is_unsafe(&parts.method) {
            let given = parts
                .headers
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if !tokens_match(&auth.csrf_token, given) {
                return Err(AppError::code(ErrorCode::CsrfRejected));
            }
        }
        Ok(Self(auth))
    }
}

/// The login page, asked to come back to the page a GET wanted (a scanned check-in QR code, a
/// bookmarked page); a refused POST comes back nowhere in particular.
fn login_then_back(parts: &Parts) -> String {
    if parts.method != axum::http::Method::GET {
        return "/login".to_owned();
    }
    let wanted = parts.uri.path_and_query().map_or("/home", |p| p.as_str());
    let next: String = url::form_urlencoded::byte_serialize(wanted.as_bytes()).collect();
    format!("/login?next={next}")
}

/// A path of this site to go to after a form, or `/home`: never an open redirect. Browsers drop
/// tabs and newlines from a location (`/\t/evil.example` goes to `//evil.example`), so a path
/// with any control character, a backslash or a second leading slash is refused.
pub fn local_path(next: &str) -> &str {
    let plain = !next.contains('\\') && !next.chars().any(char::is_control);
    if plain && next.starts_with('/') && !next.starts_with("//") {
        next
    } else {
        "/home"
    }
}

/// The signed-in actor of a page; without one the browser is sent to the login page. Forms
/// check the session's CSRF token themselves (`PageActor::check_form`).
pub struct PageActor(pub Authenticated);

impl PageActor {
    pub fn check_form(&self, given: &str) -> Result<(), AppError> {
        if tokens_match(&self.0.csrf_token, given) {
            Ok(())
        } else {
            Err(AppError::code(ErrorCode::CsrfRejected))
        }
    }
}

impl FromRequestParts<AppState> for PageActor {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let login = login_then_back(parts);
        let Some(token) = cookie_value(&parts.headers, SESSION_COOKIE) else {
            return Err(Redirect::to(&login).into_response());
        };
        match state.services().authenticate(&token).await {
            Ok(auth) => Ok(Self(auth)),
            Err(e) if e.code() == Some(ErrorCode::Unauthenticated) => Err(Redirect::to(&login).into_response()),
            Err(e) => Err(AppError::from(e).into_response()),
        }
    }
}

/// Refuses a state-changing request that a browser says comes from another site: by
/// `Sec-Fetch-Site`, or by an `Origin` that is neither our public URL nor the host asked for.
/// Clients that send neither header (scripts, curl) are not browsers and carry no ambient cookie
/// risk beyond what the token checks cover.
pub async fn refuse_cross_site(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if is_unsafe(request.method()) && is_cross_site(request.headers(), state.public_origin()) {
        tracing::warn!(event = "csrf_refused", path = request.uri().path());
        return AppError::code(ErrorCode::CsrfRejected).into_response();
    }
    next.run(request).await
}

fn is_cross_site(headers: &HeaderMap, public_origin: Option<&str>) -> bool {
    let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    if matches!(fetch_site, Some("cross-site" | "same-site")) {
        return true;
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    let same_host = origin
        .split_once("://")
        .is_some_and(|(_, rest)| rest.trim_end_matches('/') == host);
    let same_public = public_origin.is_some_and(|p| p.trim_end_matches('/') == origin.trim_end_matches('/'));
    !(same_host || same_public)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, v.parse().unwrap());
        }
        map
    }

    #[test]
    fn a_foreign_origin_is_cross_site_and_our_own_is_not() {
        assert!(is_cross_site(
            &headers(&[("host", "127.0.0.1:8080"), ("origin", "http://evil.example")]),
            None
        ));
        assert!(!is_cross_site(
            &headers(&[("host", "127.0.0.1:8080"), ("origin", "http://127.0.0.1:8080")]),
            None
        ));
        assert!(!is_cross_site(
            &headers(&[("host", "internal:8080"), ("origin", "https://hmj.example.cn")]),
            Some("https://hmj.example.cn")
        ));
        assert!(is_cross_site(&headers(&[("sec-fetch-site", "cross-site")]), None));
        assert!(!is_cross_site(&headers(&[]), None));
    }

    #[test]
    fn only_a_plain_path_of_this_site_is_gone_back_to() {
        assert_eq!(local_path("/checkin"), "/checkin");
        assert_eq!(local_path("/activities?q=宣讲"), "/activities?q=宣讲");
        for elsewhere in [
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/\r\n/evil",
            "https://x",
            "",
        ] {
            assert_eq!(local_path(elsewhere), "/home", "{elsewhere:?}");
        }
    }
}
