//! Pages of projects and activities: a team founds a project and submits it, its site's admin
//! approves or returns it, the team publishes activities; volunteers look for activities near
//! them, sign up, and check in with the 6-digit code when the QR code is not at hand.

use super::{Chrome, html, refusal_and_status, refusal_in_place};
use crate::AppState;
use crate::error::AppError;
use crate::extract::LangOf;
use crate::extract::{FormBody, PathIds, QueryParams};
use crate::session::PageActor;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use hongmajia_domain::SignupId;
use hongmajia_domain::activity::ActivityKind;
use hongmajia_domain::project::ProjectEvent;
use hongmajia_domain::project::ProjectState;
use hongmajia_domain::{Action, ActivityId, Decision, ProjectId, RegionCode, Target, TeamId, can};
use hongmajia_services::ServiceError;
use hongmajia_services::activities::{Activity, ActivityInput, OwnSignup, SignupRequest};
use hongmajia_services::attendance::{Direction, PresenceInput};
use hongmajia_services::auth::Authenticated;
use hongmajia_services::projects::{Project, ProjectInput};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "project.html")]
struct ProjectPage {
    c: Chrome,
    project: Project,
    activities: Vec<Activity>,
    can_edit: bool,
    can_review: bool,
    error: Option<&'static str>,
}

fn target_of(project: &Project) -> Result<Target, AppError> {
    Ok(Target {
        region: Some(RegionCode::parse(&project.region_code)?),
        owner: None,
        team: project.team_id,
    })
}

async fn project_page(
    state: &AppState,
    lang: LangOf,
    auth: &Authenticated,
    id: ProjectId,
    (error, status): (Option<&'static str>, StatusCode),
) -> Result<Response, AppError> {
    let services = state.services();
    let project = services.project(&auth.actor, id).await?;
    let activities = services.project_activities(&auth.actor, id).await?;
    let target = target_of(&project)?;
    let page = ProjectPage {
        c: Chrome::signed_in(lang.0, auth, &format!("/projects/{id}")),
        can_edit: can(&auth.actor, Action::ProjectEdit, &target) == Decision::Allow,
        can_review: can(&auth.actor, Action::ProjectReview, &target) == Decision::Allow,
        project,
        activities,
        error,
    };
    Ok(html(&page, status))
}

pub async fn show(
    State(state): State<AppState>,
    lang: LangOf,
    PageActor(auth): PageActor,
    PathIds(id): PathIds<ProjectId>,
) -> Result<Response, AppError> {
    project_page(&state, lang, &auth, id, (None, StatusCode::OK)).await
}

/// Where a form goes on success, or the project page again with the refusal.
async fn after(
    state: &AppState,
    lang: LangOf,
    auth: &Authenticated,
    id: ProjectId,
    result: Result<String, ServiceError>,
) -> Result<Response, AppError> {
    match result {
        Ok(next) => Ok(Redirect::to(&next).into_response()),
        Err(error) => {
            let (message, status) = refusal_and_status(lang.0, error)?;
            project_page(state, lang, auth, id, (Some(message), status)).await
        }
    }
}

#[derive(Deserialize)]
pub struct ProjectForm {
    title: String,
    category: String,
    #[serde(default)]
    description: String,
    starts_on: String,
    ends_on: String,
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

/// A team's new project: made as a draft and submitted for review at once.
pub async fn create_for_team(
    State(state): State<AppState>,
    lang: LangOf,
    actor: PageActor,
    PathIds(team): PathIds<TeamId>,
    FormBody(form): FormBody<ProjectForm>,
) -> Result<Response, AppError> {
    actor.check_form(&form.csrf)?;
    let input = ProjectInput {
        team_id: Some(team),
        site_id: None,
        title: form.title,
        category: form.category,
        description: form.description,
        starts_on: form.starts_on,
        ends_on: form.ends_on,
    };
    let services = state.services();
    let made = services.create_project(&actor.0.actor, &input).await;
    match made {
        Ok(project) => {
            let submitted = services
                .move_project(&actor.0.actor, project.id, ProjectEvent::Submit, None)
                .await
                .map(|p| format!("/projects/{}", p.id));
            after(&state, lang, &actor.0, project.id, submitted).await
        }
        Err(error) => {
            let message = refusal_in_place(lang.0, error)?;
            super::teams::team_page(&state, lang, &actor.0, team, Some(message)).await
        }
    }
}

#[derive(Deserialize)]
pub struct StepForm {
    event: String,
    #[serde(default)]
    reason: String,
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

/// Submit, approve, return (with a reason) or close a project.
pub async fn step(
    State(state): State<AppState>,
    lang: LangOf,
    actor: PageActor,
    PathIds(id): PathIds<ProjectId>,
    FormBody(form): FormBody<StepForm>,
) -> Result<Response, AppError> {
    actor.check_form(&form.csrf)?;
    let event =
        ProjectEvent::parse(&form.event).ok_or_else(|| AppError::code(hongmajia_domain::ErrorCode::InvalidQuery))?;
    let reason = Some(form.reason.as_str());
    let result = state
        .services()
        .move_project(&actor.0.actor, id, event, reason)
        .await
        .map(|_| format!("/projects/{id}"));
    after(&state, lang, &actor.0, id, result).await
}

#[derive(Deserialize)]
pub struct ActivityForm {
    title: String,
    #[serde(default)]
    address: String,
    /// From a `datetime-local` input: China time, no offset.
    starts_at: String,
    ends_at: String,
    capacity: String,
    #[serde(default)]
    waitlist_size: String,
    #[serde(default)]
    risk_notice: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    insured: Option<String>,
    #[serde(default)]
    latitude: String,
    #[serde(default)]
    longitude: String,
    #[serde(default)]
    geofence_m: String,
    #[serde(default)]
    required_skills: String,
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

/// A `datetime-local` value (`2026-12-06T08:00`) in China time, as RFC 3339.
pub(crate) fn china_time(raw: &str) -> String {
    let raw = raw.trim();
    if raw.len() == 16 {
        format!("{raw}:00+08:00")
    } else {
        raw.to_owned()
    }
}

/// Publishes an activity of the project.
pub async fn create_activity(
    State(state): State<AppState>,
    lang: LangOf,
    actor: PageActor,
    PathIds(id): PathIds<ProjectId>,
    FormBody(form): FormBody<ActivityForm>,
) -> Result<Response, AppError> {
    actor.check_form(&form.csrf)?;
    let number = |raw: &str| {
        raw.trim()
            .parse::<i64>()
            .unwrap_or(if raw.trim().is_empty() { 0 } else { -1 })
    };
    let input = ActivityInput {
        project_id: id,
        title: form.title,
        address: form.address,
        starts_at: china_time(&form.starts_at),
        ends_at: china_time(&form.ends_at),
        signup_opens_at: None,
        signup_closes_at: None,
        capacity: number(&form.capacity),
        waitlist_size: number(&form.waitlist_size),
        risk_notice: form.risk_notice,
        min_age: 0,
        team_only: false,
        kind: Some(form.kind.clone()).filter(|k| !k.is_empty()),
        latitude: form.latitude.trim().parse().ok(),
        longitude: form.longitude.trim().parse().ok(),
        geofence_m: Some(form.geofence_m.trim())
            .filter(|g| !g.is_empty())
            .map(|g| g.parse().unwrap_or(-1)),
        positions: Vec::new(),
        requires_approval: false,
        counting: None,
        insured: form.insured.is_some(),
        required_skills: form
            .required_skills
            .split(['、', ',', '，'])
            .map(str::to_owned)
            .collect(),
        checkin_opens_before_min: None,
    };
    let result = state
        .services()
        .create_activity(&actor.0.actor, &input)
        .await
        .map(|a| format!("/activities/{}/run", a.id));
    after(&state, lang, &actor.0, id, result).await
}

#[derive(Template)]
#[template(path = "projects.html")]
struct ProjectsPage {
    c: Chrome,
    projects: Vec<Project>,
    state: Option<ProjectState>,
}

#[derive(Deserialize)]
pub struct ProjectsQuery {
    #[serde(default)]
    state: String,
}

/// The projects of one's area; `?state=submitted` is a site admin's review queue.
pub async fn list(
    State(state): State<AppState>,
    lang: LangOf,
    PageActor(auth): PageActor,
    QueryParams(query): QueryParams<ProjectsQuery>,
) -> Result<Response, AppError> {
    let region = auth
        .actor
        .home_region()
        .map(|r| r.to_string())
        .ok_or_else(|| AppError::code(hongmajia_domain::ErrorCode::Forbidden))?;
    let projects = state.services().projects(&auth.actor, &region, &query.state, 1).await?;
    let page = ProjectsPage {
        c: Chrome::signed_in(lang.0, &auth, "/projects"),
        projects,
        state: ProjectState::parse(&query.state),
    };
    Ok(html(&page, StatusCode::OK))
}

#[derive(Template)]
#[template(path = "activities.html")]
struct ActivitiesPage {
    c: Chrome,
    activities: Vec<Activity>,
    mine: Vec<OwnSignup>,
    q: String,
    date: String,
}

#[derive(Deserialize)]
pub struct ActivitiesQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    date: String,
}

/// Activities near me (my county), searchable by one or two characters, and my sign-ups.
pub async fn browse(
    State(state): State<AppState>,
    lang: LangOf,
    PageActor(auth): PageActor,
    QueryParams(query): QueryParams<ActivitiesQuery>,
) -> Result<Response, AppError> {
    let services = state.services();
    let region = Some(query.region.as_str()).filter(|r| !r.is_empty());
    let day = crate::extract::day_of(Some(&query.date))?;
    let activities = services
        .upcoming_activities(&auth.actor, region, &query.q, day, (100, 0))
        .await?;
    let mine = services.my_signups(&auth.actor).await.unwrap_or_default();
    let page = ActivitiesPage {
        c: Chrome::signed_in(lang.0, &auth, "/activities"),
        activities,
        mine,
        q: query.q,
        date: query.date,
    };
    Ok(html(&page, StatusCode::OK))
}

#[derive(Template)]
#[template(path = "activity.html")]
struct ActivityPage {
    c: Chrome,
    activity: Activity,
    signup: Option<OwnSignup>,
    checked_in: bool,
    notice: Option<&'static str>,
    error: Option<&'static str>,
}

async fn activity_page(
    state: &AppState,
    lang: LangOf,
    auth: &Authenticated,
    id: ActivityId,
    (notice, error, status): (Option<&'static str>, Option<&'static str>, StatusCode),
) -> Result<Response, AppError> {
    let services = state.services();
    let activity = services.activity(&auth.actor, id).await?;
    let signup = services
        .my_signups(&auth.actor)
        .await
        .unwrap_or_default()
        .into_iter()
        .find(|s| s.activity_id == id);
    let page = ActivityPage {
        c: Chrome::signed_in(lang.0, auth, &format!("/activities/{id}")),
        checked_in: services.is_checked_in(&auth.actor, id).await?,
        activity,
        signup,
        notice,
        error,
    };
    Ok(html(&page, status))
}

pub async fn activity(
    State(state): State<AppState>,
    lang: LangOf,
    PageActor(auth): PageActor,
    PathIds(id): PathIds<ActivityId>,
) -> Result<Response, AppError> {
    activity_page(&state, lang, &auth, id, (None, None, StatusCode::OK)).await
}

#[derive(Deserialize)]
pub struct SignupForm {
    #[serde(default)]
    acknowledge_risk: Option<String>,
    #[serde(default)]
    position_id: Option<i64>,
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

pub async fn sign_up(
    State(state): State<AppState>,
    lang: LangOf,
    actor: PageActor,
    PathIds(id): PathIds<ActivityId>,
    FormBody(form): FormBody<SignupForm>,
) -> Result<Response, AppError> {
    actor.check_form(&form.csrf)?;
    let request = SignupRequest {
        acknowledge_risk: form.acknowledge_risk.is_some(),
        position_id: form.position_id,
    };
    match state.services().sign_up(&actor.0.actor, id, &request, None).await {
        Ok(_) => Ok(Redirect::to(&format!("/activities/{id}")).into_response()),
        Err(error) => {
            let (message, status) = refusal_and_status(lang.0, error)?;
            activity_page(&state, lang, &actor.0, id, (None, Some(message), status)).await
        }
    }
}

#[derive(Deserialize)]
pub struct CodeForm {
    code: String,
    direction: String,
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

/// Check in or out with the 6-digit code shown on the organizer's screen.
pub async fn code_attendance(
    State(state): State<AppState>,
    lang: LangOf,
    actor: PageActor,
    PathIds(id): PathIds<ActivityId>,
    FormBody(form): FormBody<CodeForm>,
) -> Result<Response, AppError> {
    actor.check_form(&form.csrf)?;
    let direction = if form.direction == "check_out" {
        Direction::CheckOut
    } else {
        Direction::CheckIn
    };
    let proof = PresenceInput {
        code: Some(form.code),
        ..PresenceInput::default()
    };
    let outcome = state.services().attend(&actor.0.actor, id, direction, &proof).await;
    match outcome {
        Ok(_) => {
            let notice = if direction == Direction::CheckIn {
                "checkin.done_in"
            } else {
                "checkin.done_out"
            };
            activity_page(
                &state,
                lang,
                &actor.0,
                id,
                (Some(lang.0.t(notice)), None, StatusCode::OK),
            )
            .await
        }
        Err(error) => {
            let (message, status) = refusal_and_status(lang.0, error)?;
            activity_page(&state, lang, &actor.0, id, (None, Some(message), status)).await
        }
    }
}

#[derive(Deserialize)]
pub struct CancelForm {
    signup_id: SignupId,
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

/// The volunteer gives their place back before the start.
pub async fn cancel_signup(
    State(state): State<AppState>,
    lang: LangOf,
    actor: PageActor,
    PathIds(id): PathIds<ActivityId>,
    FormBody(form): FormBody<CancelForm>,
) -> Result<Response, AppError> {
    actor.check_form(&form.csrf)?;
    match state.services().cancel_signup(&actor.0.actor, form.signup_id).await {
        Ok(_) => Ok(Redirect::to(&format!("/activities/{id}")).into_response()),
        Err(error) => {
            let (message, status) = refusal_and_status(lang.0, error)?;
            activity_page(&state, lang, &actor.0, id, (None, Some(message), status)).await
        }
    }
}

#[derive(Deserialize)]
pub struct MissingForm {
    minutes: String,
    reason: String,
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

/// The volunteer reports service in this activity that has no record.
pub async fn report_missing(
    State(state): State<AppState>,
    lang: LangOf,
    actor: PageActor,
    PathIds(id): PathIds<ActivityId>,
    FormBody(form): FormBody<MissingForm>,
) -> Result<Response, AppError> {
    actor.check_form(&form.csrf)?;
    let input = hongmajia_services::records::CorrectionInput {
        minutes: form.minutes.trim().parse().unwrap_or(-1),
        reason: form.reason,
    };
    match state.services().report_missing(&actor.0.actor, id, &input).await {
        Ok(_) => {
            let notice = Some(lang.0.t("missing.sent"));
            activity_page(&state, lang, &actor.0, id, (notice, None, StatusCode::OK)).await
        }
        Err(error) => {
            let (message, status) = refusal_and_status(lang.0, error)?;
            activity_page(&state, lang, &actor.0, id, (None, Some(message), status)).await
        }
    }
}
