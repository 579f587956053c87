//! Server-rendered pages, Chinese first. A handler extracts, calls one service, renders.

mod auth;
mod categories;
mod projects;
mod records;
mod regions;
mod staff;
mod teams;
mod volunteers;

use crate::AppState;
use crate::error::{AppError, message};
use crate::extract::{FormBody, LangOf, PathIds, QueryParams};
use crate::i18n::Lang;
use crate::session::PageActor;
use askama::Template;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use hongmajia_domain::{ErrorCode, RegionLevel};
use hongmajia_services::audit::AuditQuery;
use hongmajia_services::auth::Authenticated;
use hongmajia_services::home::Home;
use serde::Deserialize;
use time::OffsetDateTime;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(root))
        .route("/login", get(auth::login_page).post(auth::login_submit))
        .route("/login/sms-code", post(auth::request_code))
        .route("/dev/sms", get(development_outbox))
        .route("/logout", post(auth::logout))
        .route("/lang", post(auth::switch_language))
        .route("/home", get(home))
        .route("/me/password", post(set_password))
        .route("/me/grants/{id}/accept", post(accept_grant))
        .route("/me/grants/{id}/refuse", post(refuse_grant))
        .route("/me/logout-everywhere", post(logout_everywhere))
        .route("/regions/{code}/staff", get(staff::show).post(staff::grant))
        .route("/accounts/{id}/revoke", post(staff::revoke))
        .route("/grants/{id}/withdraw", post(staff::withdraw))
        .route("/accounts/{id}/{step}", post(staff::move_account))
        .route("/audit", get(audit))
        .route("/categories", get(categories::show).post(categories::add))
        .route("/categories/{code}", post(categories::edit))
        .route("/regions/{code}", get(regions::show))
        .route("/regions/{code}/coverage", get(regions::coverage))
        .route("/regions/{code}/rename", post(regions::rename))
        .route("/regions/{code}/children", post(regions::add_child))
        .route("/regions/{code}/site", post(regions::save_site))
        .route("/assets/app.css", get(stylesheet))
        .route("/assets/import.js", get(import_script))
        .route("/assets/backfill.js", get(backfill_script))
        .route(
            "/volunteer/register",
            get(volunteers::self_form).post(volunteers::self_submit),
        )
        .route("/volunteers", get(volunteers::roster))
        .route(
            "/volunteers/new",
            get(volunteers::staff_form).post(volunteers::staff_submit),
        )
        .route("/volunteers/{id}/reveal", post(volunteers::reveal))
        .route("/volunteers/export", post(volunteers::export))
        .route("/imports/volunteers", get(volunteers::import_page))
        .route("/teams/{id}", get(teams::show))
        .route("/my/teams", get(teams::mine))
        .route("/my/teams/apply", post(teams::apply))
        .route("/my/teams/{id}", post(teams::own_step))
        .route("/teams/{id}/state", post(teams::change_state))
        .route("/teams/{id}/invite", post(teams::invite))
        .route("/regions/{code}/teams", post(regions::found_team))
        .route("/teams/{id}/members/{volunteer_id}", post(teams::decide_member))
        .route("/verify/{number}", get(records::verify))
        .route("/teams/{id}/projects", post(projects::create_for_team))
        .route("/projects", get(projects::list))
        .route("/projects/{id}", get(projects::show))
        .route("/projects/{id}/state", post(projects::step))
        .route("/projects/{id}/activities", post(projects::create_activity))
        .route("/activities", get(projects::browse))
        .route("/activities/{id}", get(projects::activity))
        .route("/activities/{id}/signup", post(projects::sign_up))
        .route("/activities/{id}/code", post(projects::code_attendance))
        .route("/activities/{id}/cancel-signup", post(projects::cancel_signup))
        .route("/activities/{id}/missing", post(projects::report_missing))
        .route("/my/records/{id}/correction", post(records::request_correction))
        .route("/assets/checkin.js", get(checkin_script))
        .route("/checkin", get(records::checkin_page).post(records::checkin_submit))
        .route("/my/hours", get(records::my_hours))
        .route("/volunteers/{id}/hours", get(records::volunteer_hours))
        .route("/my/certificates", post(records::issue_certificate))
        .route("/my/certificates/{number}", get(records::certificate_pdf))
        .route("/activities/{id}/qr", get(records::qr_screen))
        .route("/activities/{id}/run", get(records::run).post(records::run_step))
        .route(
            "/regions/{code}/records",
            get(records::reviews).post(records::review_step),
        )
        .route("/records/{id}/evidence", get(records::evidence))
}

/// What every page's frame needs: language, who is signed in, the form token, where we are.
pub struct Chrome {
    pub lang: Lang,
    pub user: Option<String>,
    pub home_region: Option<String>,
    pub csrf: String,
    pub path: String,
}

impl Chrome {
    pub fn t(&self, key: &str) -> &'static str {
        self.lang.t(key)
    }

    /// The label of a value under a key prefix: `keyed("team.state", TeamState::Active)`.
    pub fn keyed<T: std::fmt::Display + ?Sized>(&self, prefix: &str, value: &T) -> &'static str {
        self.lang.t(&format!("{prefix}.{value}"))
    }

    /// Of a name kept in both languages (a service category's), the reader's.
    pub fn either<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        match self.lang {
            Lang::ZhCn => zh,
            Lang::En => en,
        }
    }

    pub fn role(&self, role: &str) -> &'static str {
        self.lang.t(&format!("role.{role}"))
    }

    pub fn level(&self, level: &RegionLevel) -> &'static str {
        self.lang.t(&format!("level.{}", level.as_str()))
    }

    /// A star level as stars (★★★).
    pub fn stars(&self, level: &u8) -> String {
        "★".repeat(usize::from(*level))
    }

    /// A time as people in China read it (UTC+8).
    pub fn time(&self, at: &OffsetDateTime) -> String {
        let local = at.to_offset(hongmajia_domain::calendar::CHINA);
        let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
        local.format(&format).unwrap_or_default()
    }

    pub fn signed_in(lang: Lang, auth: &Authenticated, path: &str) -> Self {
        Self {
            lang,
            user: Some(auth.actor.label().to_owned()),
            home_region: auth.actor.home_region().map(|r| r.to_string()),
            csrf: auth.csrf_token.clone(),
            path: path.to_owned(),
        }
    }

    pub fn anonymous(lang: Lang, csrf: String, path: &str) -> Self {
        Self {
            lang,
            user: None,
            home_region: None,
            csrf,
            path: path.to_owned(),
        }
    }
}

/// Renders a template, or a logged 500 if rendering fails.
pub fn html(template: &impl Template, status: StatusCode) -> Response {
    match template.render() {
        Ok(body) => (status, Html(body)).into_response(),
        Err(error) => AppError::from(hongmajia_services::ServiceError::Internal(error.into())).into_response(),
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    c: Chrome,
    title: &'static str,
    text: &'static str,
}

/// The 404 / 403 / 500 page, or a refusal's own message. It knows nothing of the session, so it
/// shows a plain frame.
pub fn render_error_page(lang: Lang, status: StatusCode, code: Option<ErrorCode>) -> Response {
    let (title, text) = match status {
        StatusCode::NOT_FOUND => ("page.not_found", "page.not_found_text"),
        StatusCode::FORBIDDEN if code == Some(ErrorCode::Forbidden) => ("page.forbidden", "page.forbidden_text"),
        s if s.is_server_error() => ("page.error", "page.error_text"),
        _ => ("page.error", ""),
    };
    let text = if text.is_empty() {
        message(lang, code.or(Some(ErrorCode::InvalidQuery)))
    } else {
        lang.t(text)
    };
    let page = ErrorPage {
        c: Chrome::anonymous(lang, String::new(), "/home"),
        title: lang.t(title),
        text,
    };
    match page.render() {
        Ok(body) => (status, Html(body)).into_response(),
        Err(_) => status.into_response(),
    }
}

async fn root(request: Request) -> Redirect {
    let signed_in = crate::i18n::cookie_value(request.headers(), crate::session::SESSION_COOKIE).is_some();
    Redirect::to(if signed_in { "/home" } else { "/login" })
}

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../assets/app.css"),
    )
        .into_response()
}

async fn backfill_script() -> Response {
    script(include_str!("../../assets/backfill.js"))
}

fn script(body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

async fn checkin_script() -> Response {
    script(include_str!("../../assets/checkin.js"))
}

async fn import_script() -> Response {
    script(include_str!("../../assets/import.js"))
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    c: Chrome,
    home: Home,
    volunteer: Option<hongmajia_services::volunteers::Volunteer>,
    /// In-app notices of changed and cancelled activities.
    notices: Vec<hongmajia_services::activities::Notification>,
    /// The headline figures of a staff role's region.
    figures: Option<hongmajia_services::figures::RegionFigures>,
    /// A message after a form of the page (the password saved, or why not).
    notice: Option<String>,
    /// Admin roles granted to this phone and waiting for the holder's answer.
    grants: Vec<hongmajia_services::grants::GrantView>,
    /// Whether the account has a password (the acceptance form asks a new one, or it again).
    has_password: bool,
}

async fn home(State(state): State<AppState>, lang: LangOf, PageActor(auth): PageActor) -> Result<Response, AppError> {
    home_page(&state, lang, &auth, None, StatusCode::OK).await
}

async fn home_page(
    state: &AppState,
    lang: LangOf,
    auth: &Authenticated,
    notice: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let home = state.services().home(&auth.actor).await?;
    let volunteer = state.services().my_volunteer(&auth.actor).await?;
    let notices = match volunteer {
        Some(_) => state.services().my_notifications(&auth.actor).await?,
        None => Vec::new(),
    };
    let figures = match auth.actor.home_region() {
        Some(region) => Some(state.services().region_figures(region.as_str()).await?),
        None => None,
    };
    let grants = state.services().pending_grants(&auth.actor).await?;
    let has_password = state.services().has_password(&auth.actor).await?;
    let page = HomePage {
        c: Chrome::signed_in(lang.0, auth, "/home"),
        home,
        volunteer,
        notices,
        figures,
        notice,
        grants,
        has_password,
    };
    Ok(html(&page, status))
}

#[derive(Deserialize)]
struct AcceptForm {
    id_number: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    display_name: String,
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

/// Accepts a role granted to one's phone; the home page says how it went.
async fn accept_grant(
    State(state): State<AppState>,
    lang: LangOf,
    actor: PageActor,
    axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<std::net::SocketAddr>,
    PathIds(id): PathIds<i64>,
    FormBody(form): FormBody<AcceptForm>,
) -> Result<Response, AppError> {
    actor.check_form(&form.csrf)?;
    let input = hongmajia_services::grants::AcceptInput {
        id_number: form.id_number,
        id_type: None,
        password: Some(form.password),
        display_name: Some(form.display_name),
    };
    let client = peer.ip().to_string();
    let caller = (Some(actor.0.session_id), client.as_str());
    match state.services().accept_grant(&actor.0.actor, id, &input, caller).await {
        Ok(_) => {
            // The new role is part of the session from the next request on.
            Ok(Redirect::to("/home").into_response())
        }
        Err(error) => {
            let (message, status) = refusal_and_status(lang.0, error)?;
            home_page(&state, lang, &actor.0, Some(message.to_owned()), status).await
        }
    }
}

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

async fn refuse_grant(
    State(state): State<AppState>,
    lang: LangOf,
    actor: PageActor,
    PathIds(id): PathIds<i64>,
    FormBody(form): FormBody<CsrfForm>,
) -> Result<Response, AppError> {
    actor.check_form(&form.csrf)?;
    state.services().refuse_grant(&actor.0.actor, id).await?;
    home_page(
        &state,
        lang,
        &actor.0,
        Some(lang.0.t("grant.refused").to_owned()),
        StatusCode::OK,
    )
    .await
}

/// Ends every session of one's account, this one included, and goes to the login page.
async fn logout_everywhere(
    State(state): State<AppState>,
    actor: PageActor,
    FormBody(form): FormBody<CsrfForm>,
) -> Result<Response, AppError> {
    actor.check_form(&form.csrf)?;
    state.services().logout_everywhere(&actor.0.actor).await?;
    let mut response = Redirect::to("/login").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        auth::expired(&state, crate::session::SESSION_COOKIE),
    );
    Ok(response)
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    current_password: String,
    password: String,
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

/// Sets or changes one's own password; the home page says how it went.
async fn set_password(
    State(state): State<AppState>,
    lang: LangOf,
    actor: PageActor,
    FormBody(form): FormBody<PasswordForm>,
) -> Result<Response, AppError> {
    actor.check_form(&form.csrf)?;
    let current = Some(form.current_password.as_str()).filter(|c| !c.is_empty());
    match state
        .services()
        .set_own_password(&actor.0.actor, Some(actor.0.session_id), current, &form.password)
        .await
    {
        Ok(()) => {
            home_page(
                &state,
                lang,
                &actor.0,
                Some(lang.0.t("pw.saved").to_owned()),
                StatusCode::OK,
            )
            .await
        }
        Err(error) => {
            let (text, status) = refusal_and_status(lang.0, error)?;
            home_page(&state, lang, &actor.0, Some(text.to_owned()), status).await
        }
    }
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPageView {
    c: Chrome,
    page: hongmajia_services::audit::AuditPage,
    filter_action: String,
    filter_actor: String,
    total_text: String,
    has_next: bool,
    prev_link: String,
    next_link: String,
}

#[derive(Deserialize)]
struct AuditParams {
    region: Option<String>,
    action: Option<String>,
    actor: Option<String>,
    page: Option<u32>,
}

async fn audit(
    State(state): State<AppState>,
    lang: LangOf,
    PageActor(auth): PageActor,
    QueryParams(params): QueryParams<AuditParams>,
) -> Result<Response, AppError> {
    let query = AuditQuery {
        region: params.region,
        action: params.action.clone(),
        actor: params.actor.clone(),
        page: params.page.unwrap_or(1),
    };
    let mut page = state.services().audit_log(&auth.actor, &query).await?;
    lang.0.put_into_words(&mut page);
    let link = |n: u32| {
        let mut url = url::Url::parse("http://x/audit").expect("a fixed URL parses");
        url.query_pairs_mut()
            .append_pair("region", &page.region_code)
            .append_pair("action", query.action.as_deref().unwrap_or(""))
            .append_pair("actor", query.actor.as_deref().unwrap_or(""))
            .append_pair("page", &n.to_string());
        format!("/audit?{}", url.query().unwrap_or(""))
    };
    let view = AuditPageView {
        c: Chrome::signed_in(lang.0, &auth, "/audit"),
        filter_action: query.action.clone().unwrap_or_default(),
        filter_actor: query.actor.clone().unwrap_or_default(),
        total_text: lang.0.t("audit.total").replace("{n}", &page.total.to_string()),
        has_next: i64::from(page.page) * i64::from(page.per_page) < page.total,
        prev_link: link(page.page.saturating_sub(1)),
        next_link: link(page.page.saturating_add(1)),
        page,
    };
    Ok(html(&view, StatusCode::OK))
}

/// A refused form is shown again with the reason in place when a rule refused its input;
/// "not found", "forbidden" and "log in first" become their own pages instead, except a refusal to
/// decide on one's own record, which says in place who must.
pub fn refusal_in_place(lang: Lang, error: hongmajia_services::ServiceError) -> Result<&'static str, AppError> {
    match &error {
        hongmajia_services::ServiceError::Rule(rule)
            if !matches!(
                crate::error::status_of(Some(rule.code)),
                StatusCode::NOT_FOUND | StatusCode::FORBIDDEN | StatusCode::UNAUTHORIZED
            ) || matches!(
                rule.code,
                ErrorCode::InvalidCredentials | ErrorCode::SameApprover | ErrorCode::AdjustmentNeedsLevelAbove
            ) =>
        {
            Ok(message(lang, Some(rule.code)))
        }
        _ => Err(error.into()),
    }
}

/// A refusal to show in place, with the status its page is answered with.
pub fn refusal_and_status(
    lang: Lang,
    error: hongmajia_services::ServiceError,
) -> Result<(&'static str, StatusCode), AppError> {
    let status = crate::error::status_of(error.code());
    Ok((refusal_in_place(lang, error)?, status))
}

#[derive(Template)]
#[template(path = "dev_sms.html")]
struct OutboxPage {
    c: Chrome,
    messages: Vec<hongmajia_services::sms::OutboxMessage>,
}

#[derive(Deserialize)]
struct OutboxQuery {
    #[serde(default)]
    key: String,
}

/// The development gateway's outbox, so a demo can log in by SMS: only in development mode
/// (`serve --dev`), only with the key the server printed at its start, and only to a browser on
/// the server's own machine; 404 otherwise. A request that came through a proxy is never "on
/// this machine", whatever its peer address (and a proxy that adds no header still lacks the key).
async fn development_outbox(
    State(state): State<AppState>,
    lang: LangOf,
    headers: axum::http::HeaderMap,
    axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<std::net::SocketAddr>,
    axum::extract::Query(query): axum::extract::Query<OutboxQuery>,
) -> Result<Response, AppError> {
    let forwarded = ["forwarded", "x-forwarded-for", "x-real-ip"]
        .iter()
        .any(|name| headers.contains_key(*name));
    let keyed = state
        .dev_outbox_key()
        .is_some_and(|key| hongmajia_services::auth::constant_time_eq(key, &query.key));
    if forwarded || !keyed || !peer.ip().is_loopback() {
        return Err(AppError::code(ErrorCode::NotFound));
    }
    let messages = state.services().development_outbox(20).await?;
    let page = OutboxPage {
        c: Chrome::anonymous(lang.0, String::new(), "/dev/sms"),
        messages,
    };
    Ok(html(&page, StatusCode::OK))
}
