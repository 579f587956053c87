//! Login, logout and the language switch.

use super::{Chrome, html};
use crate::AppState;
use crate::error::{AppError, message, status_of};
use crate::extract::LangOf;
use crate::extract::{FormBody, QueryParams};
use crate::i18n::{LANG_COOKIE, Lang, cookie_value};
use crate::session::{PRE_SESSION_COOKIE, PageActor, SESSION_COOKIE};
use askama::Template;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, SameSite};
use hongmajia_domain::ErrorCode;
use hongmajia_services::ServiceError;
use hongmajia_services::auth::constant_time_eq as tokens_match;
use hongmajia_services::auth::{SessionKind, random_token};
use serde::Deserialize;
use std::net::SocketAddr;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    c: Chrome,
    phone: String,
    error: Option<&'static str>,
    code_sent: bool,
    /// Where to go once logged in.
    next: String,
}

/// A cookie with the attributes every one of ours has: HttpOnly, a SameSite mode, Path=/,
/// and Secure whenever the public URL is https.
pub(super) fn cookie(
    state: &AppState,
    name: &'static str,
    value: String,
    same_site: SameSite,
    max_age: Option<time::Duration>,
) -> HeaderValue {
    let mut cookie = Cookie::build((name, value))
        .http_only(true)
        .same_site(same_site)
        .secure(state.secure_cookies())
        .path("/");
    if let Some(age) = max_age {
        cookie = cookie.max_age(age);
    }
    HeaderValue::from_str(&cookie.build().to_string()).unwrap_or_else(|_| HeaderValue::from_static(""))
}

pub(super) fn expired(state: &AppState, name: &'static str) -> HeaderValue {
    cookie(state, name, String::new(), SameSite::Lax, Some(time::Duration::ZERO))
}

/// What the login page shows besides its forms.
#[derive(Default)]
struct LoginState {
    phone: String,
    error: Option<&'static str>,
    code_sent: bool,
    next: String,
}

/// The login form, with a fresh double-submit token in a cookie and in the form.
#[derive(Deserialize)]
pub struct LoginQuery {
    #[serde(default)]
    next: String,
}

pub async fn login_page(
    State(state): State<AppState>,
    lang: LangOf,
    QueryParams(query): QueryParams<LoginQuery>,
) -> Result<Response, AppError> {
    let shown = LoginState {
        next: query.next,
        ..LoginState::default()
    };
    login_form(&state, lang.0, shown, StatusCode::OK)
}

fn login_form(state: &AppState, lang: Lang, shown: LoginState, status: StatusCode) -> Result<Response, AppError> {
    let token = random_token()?;
    let set = cookie(state, PRE_SESSION_COOKIE, token.clone(), SameSite::Strict, None);
    let page = LoginPage {
        c: Chrome::anonymous(lang, token, "/login"),
        phone: shown.phone,
        error: shown.error,
        code_sent: shown.code_sent,
        next: crate::session::local_path(&shown.next).to_owned(),
    };
    let mut response = html(&page, status);
    response.headers_mut().append(header::SET_COOKIE, set);
    Ok(response)
}

/// The double-submit check of the login forms.
fn check_pre_session(headers: &HeaderMap, given: &str) -> Result<(), AppError> {
    let expected = cookie_value(headers, PRE_SESSION_COOKIE).unwrap_or_default();
    if expected.is_empty() || !tokens_match(&expected, given) {
        return Err(AppError::code(ErrorCode::CsrfRejected));
    }
    Ok(())
}

/// A refusal shown on the login page again; anything else is an error page.
fn refused(state: &AppState, lang: Lang, error: ServiceError, shown: LoginState) -> Result<Response, AppError> {
    match error.code() {
        Some(code) => {
            let shown = LoginState {
                error: Some(message(lang, Some(code))),
                ..shown
            };
            login_form(state, lang, shown, status_of(Some(code)))
        }
        None => Err(error.into()),
    }
}

#[derive(Deserialize)]
pub struct LoginForm {
    phone: String,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    next: String,
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

/// Password or SMS code, whichever the form sent.
pub async fn login_submit(
    State(state): State<AppState>,
    lang: LangOf,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    FormBody(form): FormBody<LoginForm>,
) -> Result<Response, AppError> {
    check_pre_session(&headers, &form.csrf)?;
    let services = state.services();
    let by_code = form.code.is_some();
    let result = match (form.password.as_deref(), form.code.as_deref()) {
        (_, Some(code)) => services.login_with_code(&form.phone, code, SessionKind::Cookie).await,
        (password, None) => {
            let ip = peer.ip().to_string();
            services
                .login(&form.phone, password.unwrap_or(""), &ip, SessionKind::Cookie)
                .await
        }
    };
    match result {
        Ok(session) => {
            let mut response = Redirect::to(crate::session::local_path(&form.next)).into_response();
            let headers = response.headers_mut();
            headers.append(
                header::SET_COOKIE,
                cookie(&state, SESSION_COOKIE, session.token, SameSite::Lax, None),
            );
            headers.append(header::SET_COOKIE, expired(&state, PRE_SESSION_COOKIE));
            Ok(response)
        }
        Err(error) => {
            let shown = LoginState {
                phone: form.phone,
                code_sent: by_code,
                next: form.next,
                ..LoginState::default()
            };
            refused(&state, lang.0, error, shown)
        }
    }
}

#[derive(Deserialize)]
pub struct CodeForm {
    phone: String,
    #[serde(default)]
    next: String,
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

/// Sends a login code and shows the form to type it in.
pub async fn request_code(
    State(state): State<AppState>,
    lang: LangOf,
    headers: HeaderMap,
    FormBody(form): FormBody<CodeForm>,
) -> Result<Response, AppError> {
    check_pre_session(&headers, &form.csrf)?;
    let chinese = lang.0 == Lang::ZhCn;
    match state.services().request_login_code(&form.phone, chinese).await {
        Ok(()) => {
            let shown = LoginState {
                phone: form.phone,
                code_sent: true,
                next: form.next,
                ..LoginState::default()
            };
            login_form(&state, lang.0, shown, StatusCode::OK)
        }
        Err(error) => {
            let shown = LoginState {
                phone: form.phone,
                next: form.next,
                ..LoginState::default()
            };
            refused(&state, lang.0, error, shown)
        }
    }
}

#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

pub async fn logout(
    State(state): State<AppState>,
    actor: PageActor,
    headers: HeaderMap,
    FormBody(form): FormBody<TokenForm>,
) -> Result<Response, AppError> {
    actor.check_form(&form.csrf)?;
    if let Some(token) = cookie_value(&headers, SESSION_COOKIE) {
        state.services().logout(&token).await?;
    }
    let mut response = Redirect::to("/login").into_response();
    response
        .headers_mut()
        .append(header::SET_COOKIE, expired(&state, SESSION_COOKIE));
    Ok(response)
}

#[derive(Deserialize)]
pub struct LanguageForm {
    lang: String,
    #[serde(default)]
    next: String,
}

/// Remembers the chosen language for a year. It changes no data, so it needs no session; the
/// cross-site check of every POST still applies.
pub async fn switch_language(State(state): State<AppState>, FormBody(form): FormBody<LanguageForm>) -> Response {
    let lang = Lang::parse(&form.lang).unwrap_or(Lang::ZhCn);
    let mut response = Redirect::to(crate::session::local_path(&form.next)).into_response();
    let remembered = cookie(
        &state,
        LANG_COOKIE,
        lang.tag().to_owned(),
        SameSite::Lax,
        Some(time::Duration::days(365)),
    );
    response.headers_mut().append(header::SET_COOKIE, remembered);
    response
}
