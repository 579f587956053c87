//! Pages of attendance and hours: the public certificate check, the QR check-in confirm page, the
//! volunteer's hours with their certificate, and the organizer's QR screen and roster.

use super::{Chrome, html, refusal_and_status, refusal_in_place};
use crate::error::AppError;
use crate::extract::LangOf;
use crate::extract::{FormBody, PathIds, QueryParams};
use crate::session::PageActor;
use crate::{AppState, base_url};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use hongmajia_domain::activity::{ActivityKind, SignupState};
use hongmajia_domain::record::{CorrectionState, RecordState, Verdict};
use hongmajia_domain::{ActivityId, RecordId, SignupId, VolunteerId};
use hongmajia_services::activities::{Activity, ActivityChange};
use hongmajia_services::attendance::{CheckinPass, Direction, RosterLine};
use hongmajia_services::certificates::Verification;
use hongmajia_services::records::{ConfirmInput, CorrectionView, DecisionInput, MyHours, RecordReviews};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "verify.html")]
struct VerifyPage {
    c: Chrome,
    v: Verification,
}

/// `GET /verify/{number}`: public; an unknown or malformed number is the 404 page.
pub async fn verify(
    State(state): State<AppState>,
    lang: LangOf,
    Path(number): Path<String>,
) -> Result<Response, AppError> {
    let v = state.services().verify_certificate(&number).await?;
    let page = VerifyPage {
        c: Chrome::anonymous(lang.0, String::new(), &format!("/verify/{}", v.certificate_number)),
        v,
    };
    Ok(html(&page, StatusCode::OK))
}

#[derive(Template)]
#[template(path = "checkin.html")]
struct CheckinPage {
    c: Chrome,
    activity: Option<Activity>,
    /// The step the button takes: check in, or check out when already in.
    direction: &'static str,
    done: Option<&'static str>,
    error: Option<&'static str>,
}

#[derive(Deserialize)]
pub struct CheckinQuery {
    /// The QR token, exchanged at once for a nonce.
    #[serde(default)]
    t: String,
}

/// The cookie that holds a scan's one-use check-in nonce, in the browser that scanned.
const CHECKIN_COOKIE: &str = "hm_checkin";

/// The page the QR code opens. The token it carries lives 90 s and may be forwarded: the first
/// thing the page does, signed in or not, is exchange it for a one-use nonce that lives ten
/// minutes in a cookie of this browser only (through a login if need be), and come back as
/// `/checkin`. It changes nothing else (a GET); it offers the one button that does.
pub async fn checkin_page(
    State(state): State<AppState>,
    lang: LangOf,
    headers: HeaderMap,
    actor: Result<PageActor, Response>,
    QueryParams(query): QueryParams<CheckinQuery>,
) -> Result<Response, AppError> {
    let services = state.services();
    let exchanged = match query.t.trim() {
        "" => None,
        token => Some(services.checkin_nonce(token).await),
    };
    if let Some(Ok(nonce)) = exchanged {
        let held = super::auth::cookie(
            &state,
            CHECKIN_COOKIE,
            nonce,
            axum_extra::extract::cookie::SameSite::Lax,
            Some(time::Duration::minutes(10)),
        );
        let mut response = Redirect::to("/checkin").into_response();
        response.headers_mut().insert(axum::http::header::SET_COOKIE, held);
        return Ok(response);
    }
    let auth = match actor {
        Ok(PageActor(auth)) => auth,
        Err(to_login) => return Ok(to_login),
    };
    let nonce = crate::i18n::cookie_value(&headers, CHECKIN_COOKIE).unwrap_or_default();
    let (activity, error) = match exchanged {
        Some(Err(e)) => (None, Some(refusal_in_place(lang.0, e)?)),
        _ => match services.activity_of_nonce(&nonce).await {
            Ok(id) => (Some(services.activity(&auth.actor, id).await?), None),
            Err(e) => (None, Some(refusal_in_place(lang.0, e)?)),
        },
    };
    let direction = match &activity {
        Some(a) if services.is_checked_in(&auth.actor, a.id).await? => "check_out",
        _ => "check_in",
    };
    let page = CheckinPage {
        c: Chrome::signed_in(lang.0, &auth, "/checkin"),
        activity,
        direction,
        done: None,
        error,
    };
    Ok(html(&page, StatusCode::OK))
}

#[derive(Deserialize)]
pub struct CheckinForm {
    direction: String,
    /// Filled by the page's script, with the volunteer's consent, for an activity with a point.
    #[serde(default)]
    latitude: String,
    #[serde(default)]
    longitude: String,
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

pub async fn checkin_submit(
    State(state): State<AppState>,
    lang: LangOf,
    headers: HeaderMap,
    actor: PageActor,
    FormBody(form): FormBody<CheckinForm>,
) -> Result<Response, AppError> {
    actor.check_form(&form.csrf)?;
    let auth = &actor.0;
    let services = state.services();
    let nonce = crate::i18n::cookie_value(&headers, CHECKIN_COOKIE).unwrap_or_default();
    let direction = if form.direction == "check_out" {
        Direction::CheckOut
    } else {
        Direction::CheckIn
    };
    let position = (form.latitude.trim().parse().ok(), form.longitude.trim().parse().ok());
    let outcome = services
        .attend_with_nonce(&auth.actor, &nonce, direction, position)
        .await;
    // Done, the nonce is spent: the other direction takes a fresh scan. Refused, it is not.
    let (activity_id, done, error, status) = match outcome {
        Ok((id, _)) if direction == Direction::CheckOut => (Some(id), Some("checkin.done_out"), None, StatusCode::OK),
        Ok((id, _)) => (Some(id), Some("checkin.done_in"), None, StatusCode::OK),
        Err(e) => {
            let (message, status) = refusal_and_status(lang.0, e)?;
            (
                services.activity_of_nonce(&nonce).await.ok(),
                None,
                Some(message),
                status,
            )
        }
    };
    let activity = match activity_id {
        Some(id) => Some(services.activity(&auth.actor, id).await?),
        None => None,
    };
    let page = CheckinPage {
        c: Chrome::signed_in(lang.0, auth, "/checkin"),
        activity,
        direction: if direction == Direction::CheckIn {
            "check_in"
        } else {
            "check_out"
        },
        done: done.map(|key| lang.0.t(key)),
        error,
    };
    let mut response = html(&page, status);
    if done.is_some() {
        let spent = super::auth::expired(&state, CHECKIN_COOKIE);
        response.headers_mut().insert(axum::http::header::SET_COOKIE, spent);
    }
    Ok(response)
}

#[derive(Template)]
#[template(path = "my_hours.html")]
struct MyHoursPage {
    c: Chrome,
    hours: MyHours,
    error: Option<&'static str>,
    /// The volunteer's own page (with the certificate and correction forms), not staff's view.
    own: bool,
}

async fn my_hours_page(
    state: &AppState,
    lang: LangOf,
    auth: &hongmajia_services::auth::Authenticated,
    (error, status): (Option<&'static str>, StatusCode),
) -> Result<Response, AppError> {
    let hours = state.services().my_hours(&auth.actor).await?;
    let page = MyHoursPage {
        c: Chrome::signed_in(lang.0, auth, "/my/hours"),
        hours,
        error,
        own: true,
    };
    Ok(html(&page, status))
}

/// A volunteer's hours and every version of their records, for staff whose region covers them.
pub async fn volunteer_hours(
    State(state): State<AppState>,
    lang: LangOf,
    PageActor(auth): PageActor,
    PathIds(id): PathIds<VolunteerId>,
) -> Result<Response, AppError> {
    let hours = state.services().hours_of_volunteer(&auth.actor, id).await?;
    let page = MyHoursPage {
        c: Chrome::signed_in(lang.0, &auth, &format!("/volunteers/{id}/hours")),
        hours,
        error: None,
        own: false,
    };
    Ok(html(&page, StatusCode::OK))
}

/// A form of the my-hours page refused: the page again with the reason.
async fn my_hours_refused(
    state: &AppState,
    lang: LangOf,
    auth: &hongmajia_services::auth::Authenticated,
    refusal: hongmajia_services::ServiceError,
) -> Result<Response, AppError> {
    let (message, status) = refusal_and_status(lang.0, refusal)?;
    my_hours_page(state, lang, auth, (Some(message), status)).await
}

pub async fn my_hours(
    State(state): State<AppState>,
    lang: LangOf,
    PageActor(auth): PageActor,
) -> Result<Response, AppError> {
    my_hours_page(&state, lang, &auth, (None, StatusCode::OK)).await
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

/// Issues a certificate and sends the browser to its PDF.
pub async fn issue_certificate(
    State(state): State<AppState>,
    lang: LangOf,
    actor: PageActor,
    FormBody(form): FormBody<CsrfForm>,
) -> Result<Response, AppError> {
    actor.check_form(&form.csrf)?;
    let services = state.services();
    match services.issue_certificate(&actor.0.actor).await {
        Ok(issued) => Ok(Redirect::to(&format!("/my/certificates/{}", issued.certificate_number)).into_response()),
        Err(e) => my_hours_refused(&state, lang, &actor.0, e).await,
    }
}

#[derive(Deserialize)]
pub struct CorrectionForm {
    minutes: String,
    reason: String,
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

/// The volunteer asks for one of their confirmed records to be corrected.
pub async fn request_correction(
    State(state): State<AppState>,
    lang: LangOf,
    actor: PageActor,
    PathIds(id): PathIds<RecordId>,
    FormBody(form): FormBody<CorrectionForm>,
) -> Result<Response, AppError> {
    actor.check_form(&form.csrf)?;
    let services = state.services();
    let input = hongmajia_services::records::CorrectionInput {
        minutes: form.minutes.trim().parse().unwrap_or(-1),
        reason: form.reason,
    };
    match services.request_correction(&actor.0.actor, id, &input).await {
        Ok(_) => Ok(Redirect::to("/my/hours").into_response()),
        Err(e) => my_hours_refused(&state, lang, &actor.0, e).await,
    }
}

pub async fn certificate_pdf(
    State(state): State<AppState>,
    PageActor(auth): PageActor,
    Path(number): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let base = base_url(&state, &headers);
    let pdf = state.services().certificate_pdf(&auth.actor, &number, &base).await?;
    Ok(crate::download::pdf_response(pdf, &number))
}

#[derive(Template)]
#[template(path = "activity_qr.html")]
struct QrPage {
    c: Chrome,
    activity: Activity,
    pass: CheckinPass,
    svg: String,
}

/// The organizer's screen: the QR code and the 6-digit code, renewed every half minute.
pub async fn qr_screen(
    State(state): State<AppState>,
    lang: LangOf,
    PageActor(auth): PageActor,
    PathIds(id): PathIds<ActivityId>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let services = state.services();
    let pass = services.checkin_pass(&auth.actor, id).await?;
    let activity = services.activity(&auth.actor, id).await?;
    let url = format!("{}/checkin?t={}", base_url(&state, &headers), pass.token);
    let svg = qrcode::QrCode::new(url.as_bytes())
        .map_err(|e| anyhow::anyhow!("QR code of the check-in URL: {e}"))?
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(280, 280)
        .build();
    let page = QrPage {
        c: Chrome::signed_in(lang.0, &auth, &format!("/activities/{id}/qr")),
        activity,
        pass,
        svg,
    };
    Ok(html(&page, StatusCode::OK))
}

#[derive(Template)]
#[template(path = "activity_run.html")]
struct RunPage {
    c: Chrome,
    activity: Activity,
    /// The deadline of R-REC-7 when it has passed with records unconfirmed.
    overdue: Option<String>,
    roster: Vec<RosterLine>,
    corrections: Vec<CorrectionView>,
    error: Option<&'static str>,
}

async fn run_page(
    state: &AppState,
    lang: LangOf,
    auth: &hongmajia_services::auth::Authenticated,
    id: ActivityId,
    (error, status): (Option<&'static str>, StatusCode),
) -> Result<Response, AppError> {
    let services = state.services();
    let roster = services.roster(&auth.actor, id).await?;
    let activity = services.activity(&auth.actor, id).await?;
    let corrections = services.corrections(&auth.actor, id).await?;
    let overdue = services.overdue_deadline(&auth.actor, id).await?;
    let page = RunPage {
        c: Chrome::signed_in(lang.0, auth, &format!("/activities/{id}/run")),
        activity,
        overdue,
        roster,
        corrections,
        error,
    };
    Ok(html(&page, status))
}

/// The organizer's page of an activity: roster, attendance, confirmations, corrections.
pub async fn run(
    State(state): State<AppState>,
    lang: LangOf,
    PageActor(auth): PageActor,
    PathIds(id): PathIds<ActivityId>,
) -> Result<Response, AppError> {
    run_page(&state, lang, &auth, id, (None, StatusCode::OK)).await
}

#[derive(Deserialize)]
pub struct RunForm {
    /// `check_in`, `check_out`, `confirm`, `reject`, `approve` or `deny`.
    action: String,
    #[serde(default)]
    volunteer_id: Option<VolunteerId>,
    #[serde(default)]
    record_id: Option<RecordId>,
    #[serde(default)]
    request_id: Option<i64>,
    #[serde(default)]
    signup_id: Option<SignupId>,
    #[serde(default)]
    minutes: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    starts_at: String,
    #[serde(default)]
    ends_at: String,
    #[serde(default)]
    address: String,
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

/// One step on the organizer's page; a refusal is shown on the page again.
pub async fn run_step(
    State(state): State<AppState>,
    lang: LangOf,
    actor: PageActor,
    PathIds(id): PathIds<ActivityId>,
    FormBody(form): FormBody<RunForm>,
) -> Result<Response, AppError> {
    actor.check_form(&form.csrf)?;
    let services = state.services();
    let who = &actor.0.actor;
    let missing = || hongmajia_services::ServiceError::rule(hongmajia_domain::ErrorCode::MissingField);
    let outcome = match form.action.as_str() {
        "check_in" | "check_out" => match form.volunteer_id {
            Some(volunteer) => {
                let direction = if form.action == "check_in" {
                    Direction::CheckIn
                } else {
                    Direction::CheckOut
                };
                services.attend_by_hand(who, id, volunteer, direction).await.map(|_| ())
            }
            None => Err(missing()),
        },
        "confirm" => match form.record_id {
            Some(record) => {
                let input = ConfirmInput {
                    minutes: form.minutes.trim().parse().ok(),
                    reason: form.reason.clone(),
                };
                services.confirm_record(who, record, &input).await.map(|_| ())
            }
            None => Err(missing()),
        },
        "reject" => match form.record_id {
            Some(record) => services.reject_record(who, record, &form.reason).await.map(|_| ()),
            None => Err(missing()),
        },
        "approve" | "deny" => match form.request_id {
            Some(request) => {
                let input = DecisionInput {
                    approve: form.action == "approve",
                    note: form.reason.clone(),
                };
                services.decide_correction(who, request, &input).await.map(|_| ())
            }
            None => Err(missing()),
        },
        "change" => {
            let change = ActivityChange {
                starts_at: Some(form.starts_at.as_str())
                    .filter(|t| !t.is_empty())
                    .map(super::projects::china_time),
                ends_at: Some(form.ends_at.as_str())
                    .filter(|t| !t.is_empty())
                    .map(super::projects::china_time),
                address: Some(form.address.clone()).filter(|a| !a.trim().is_empty()),
            };
            services.change_activity(who, id, &change).await.map(|_| ())
        }
        "cancel" => services.cancel_activity(who, id, &form.reason).await.map(|_| ()),
        // The audience form reuses the number field.
        "audience" => match form.minutes.trim().parse() {
            Ok(count) => services.record_audience(who, id, count).await.map(|_| ()),
            Err(_) => Err(missing()),
        },
        "approve_signup" | "reject_signup" => match form.signup_id {
            Some(signup) => {
                let verdict = Verdict::from_approval(form.action == "approve_signup");
                services
                    .decide_signup(who, signup, verdict, &form.reason)
                    .await
                    .map(|_| ())
            }
            None => Err(missing()),
        },
        _ => Err(missing()),
    };
    match outcome {
        Ok(()) => Ok(Redirect::to(&format!("/activities/{id}/run")).into_response()),
        Err(e) => {
            let (message, status) = refusal_and_status(lang.0, e)?;
            run_page(&state, lang, &actor.0, id, (Some(message), status)).await
        }
    }
}

#[derive(Template)]
#[template(path = "record_reviews.html")]
struct ReviewPage {
    c: Chrome,
    region: String,
    reviews: RecordReviews,
    error: Option<&'static str>,
}

async fn review_page(
    state: &AppState,
    lang: LangOf,
    auth: &hongmajia_services::auth::Authenticated,
    region: &str,
    (error, status): (Option<&'static str>, StatusCode),
) -> Result<Response, AppError> {
    let reviews = state.services().record_reviews(&auth.actor, region).await?;
    let page = ReviewPage {
        c: Chrome::signed_in(lang.0, auth, &format!("/regions/{region}/records")),
        region: region.to_owned(),
        reviews,
        error,
    };
    Ok(html(&page, status))
}

/// The review page of a region's admins: backfills awaiting their approval, overdue activities,
/// anomaly flags.
pub async fn reviews(
    State(state): State<AppState>,
    lang: LangOf,
    PageActor(auth): PageActor,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    review_page(&state, lang, &auth, &code, (None, StatusCode::OK)).await
}

#[derive(Deserialize)]
pub struct ReviewForm {
    /// `approve`, `refuse` (a record awaiting a second approver), `approve_correction`,
    /// `refuse_correction` (an endorsed request) or `resolve` (a flag).
    action: String,
    id: i64,
    #[serde(default)]
    note: String,
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

pub async fn review_step(
    State(state): State<AppState>,
    lang: LangOf,
    actor: PageActor,
    Path(code): Path<String>,
    FormBody(form): FormBody<ReviewForm>,
) -> Result<Response, AppError> {
    actor.check_form(&form.csrf)?;
    let services = state.services();
    let who = &actor.0.actor;
    let outcome = match form.action.as_str() {
        "approve" | "refuse" => {
            let input = DecisionInput {
                approve: form.action == "approve",
                note: form.note.clone(),
            };
            services
                .approve_backfill(who, RecordId(form.id), &input)
                .await
                .map(|_| ())
        }
        "approve_correction" | "refuse_correction" => {
            let input = DecisionInput {
                approve: form.action == "approve_correction",
                note: form.note.clone(),
            };
            services.decide_correction(who, form.id, &input).await.map(|_| ())
        }
        "resolve" => services.resolve_anomaly(who, form.id, &form.note).await.map(|_| ()),
        _ => Err(hongmajia_services::ServiceError::rule(
            hongmajia_domain::ErrorCode::InvalidQuery,
        )),
    };
    match outcome {
        Ok(()) => Ok(Redirect::to(&format!("/regions/{code}/records")).into_response()),
        Err(e) => {
            let (message, status) = refusal_and_status(lang.0, e)?;
            review_page(&state, lang, &actor.0, &code, (Some(message), status)).await
        }
    }
}

/// A backfill's evidence file, for its reviewers and organizers.
pub async fn evidence(
    State(state): State<AppState>,
    PageActor(auth): PageActor,
    PathIds(id): PathIds<RecordId>,
) -> Result<Response, AppError> {
    let file = state.services().evidence(&auth.actor, id).await?;
    Ok(crate::download::shown(file))
}
