//! Volunteer pages: registering oneself on a phone, staff registering someone, the roster with
//! search and an audited reveal, and the roster import page.

use super::{Chrome, html, refusal_in_place};
use crate::AppState;
use crate::error::AppError;
use crate::extract::LangOf;
use crate::extract::{FormBody, PathIds, QueryParams};
use crate::session::PageActor;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use hongmajia_domain::VolunteerId;
use hongmajia_services::ServiceError;
use hongmajia_services::auth::Authenticated;
use hongmajia_services::regions::VillageChoice;
use hongmajia_services::volunteers::{RegistrationInput, Revealed, Volunteer, VolunteerPage, VolunteerQuery};
use serde::Deserialize;

const ID_TYPES: [&str; 4] = [
    "resident_id",
    "hmt_residence_permit",
    "foreign_permanent_resident",
    "passport",
];

/// The registration form as typed (kept on a refusal, so nothing has to be typed twice).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct VolunteerForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    gender: String,
    #[serde(default)]
    birth_date: String,
    #[serde(default)]
    id_type: String,
    #[serde(default)]
    id_number: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    region_code: String,
    #[serde(default)]
    skills: String,
    #[serde(default)]
    categories: String,
    #[serde(default)]
    availability: String,
    #[serde(default)]
    guardian_name: String,
    #[serde(default)]
    guardian_consent: Option<String>,
    #[serde(default)]
    consent: Option<String>,
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

fn list(raw: &str) -> Vec<String> {
    raw.split(['、', ',', '，', ';', '；'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

impl VolunteerForm {
    fn input(&self) -> RegistrationInput {
        RegistrationInput {
            name: self.name.clone(),
            gender: self.gender.clone(),
            birth_date: self.birth_date.clone(),
            id_type: Some(self.id_type.clone()).filter(|t| !t.is_empty()),
            id_number: self.id_number.clone(),
            phone: Some(self.phone.clone()),
            region_code: self.region_code.clone(),
            skills: list(&self.skills),
            categories: list(&self.categories),
            availability: self.availability.clone(),
            consent: self.consent.is_some(),
            guardian_name: Some(self.guardian_name.clone()).filter(|g| !g.trim().is_empty()),
            guardian_consent: self.guardian_consent.is_some(),
        }
    }
}

#[derive(Template)]
#[template(path = "volunteer_form.html")]
struct FormPage {
    c: Chrome,
    staff: bool,
    action: &'static str,
    form: FormView,
    villages: Vec<VillageChoice>,
    id_types: [&'static str; 4],
    error: Option<String>,
}

/// The form's values for the template (checkboxes as booleans).
struct FormView {
    name: String,
    gender: String,
    birth_date: String,
    id_type: String,
    id_number: String,
    phone: String,
    region_code: String,
    skills: String,
    categories: String,
    availability: String,
    guardian_name: String,
    guardian_consent: bool,
    consent: bool,
}

impl From<&VolunteerForm> for FormView {
    fn from(f: &VolunteerForm) -> Self {
        Self {
            name: f.name.clone(),
            gender: f.gender.clone(),
            birth_date: f.birth_date.clone(),
            id_type: if f.id_type.is_empty() {
                ID_TYPES[0].to_owned()
            } else {
                f.id_type.clone()
            },
            id_number: f.id_number.clone(),
            phone: f.phone.clone(),
            region_code: f.region_code.clone(),
            skills: f.skills.clone(),
            categories: f.categories.clone(),
            availability: f.availability.clone(),
            guardian_name: f.guardian_name.clone(),
            guardian_consent: f.guardian_consent.is_some(),
            consent: f.consent.is_some(),
        }
    }
}

async fn form_page(
    state: &AppState,
    lang: LangOf,
    auth: &Authenticated,
    staff: bool,
    form: &VolunteerForm,
    error: Option<String>,
) -> Result<Response, AppError> {
    let (action, path) = if staff {
        ("/volunteers/new", "/volunteers/new")
    } else {
        ("/volunteer/register", "/volunteer/register")
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = FormPage {
        c: Chrome::signed_in(lang.0, auth, path),
        staff,
        action,
        form: FormView::from(form),
        villages: state.services().village_choices().await?,
        id_types: ID_TYPES,
        error,
    };
    Ok(html(&page, status))
}

/// A rule's refusal shown on the form with the field it concerns; other errors as pages.
fn refusal_text(lang: LangOf, error: ServiceError) -> Result<String, AppError> {
    let field = match &error {
        ServiceError::Rule(rule) => rule.field,
        ServiceError::Internal(_) => None,
    };
    let text = refusal_in_place(lang.0, error)?;
    Ok(match field {
        Some(field) => format!("{text} ({})", field_label(lang, field)),
        None => text.to_owned(),
    })
}

/// The form's label of a field, so the message says where to look.
fn field_label(lang: LangOf, field: &str) -> String {
    let key = match field {
        "region_code" => "vol.region".to_owned(),
        other => format!("vol.{other}"),
    };
    match lang.0.t(&key) {
        "?" => field.to_owned(),
        label => label.to_owned(),
    }
}

pub async fn self_form(
    State(state): State<AppState>,
    lang: LangOf,
    PageActor(auth): PageActor,
) -> Result<Response, AppError> {
    form_page(&state, lang, &auth, false, &VolunteerForm::default(), None).await
}

pub async fn self_submit(
    State(state): State<AppState>,
    lang: LangOf,
    actor: PageActor,
    axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<std::net::SocketAddr>,
    FormBody(form): FormBody<VolunteerForm>,
) -> Result<Response, AppError> {
    submit(&state, lang, &actor, form, Some(peer.ip().to_string())).await
}

/// A registration form sent by the person (with their client address) or by staff (`None`).
async fn submit(
    state: &AppState,
    lang: LangOf,
    actor: &PageActor,
    form: VolunteerForm,
    own_from: Option<String>,
) -> Result<Response, AppError> {
    actor.check_form(&form.csrf)?;
    let services = state.services();
    let staff = own_from.is_none();
    let result = match &own_from {
        None => services.register_volunteer(&actor.0.actor, &form.input()).await,
        Some(client) => services.register_self(&actor.0.actor, &form.input(), client).await,
    };
    match result {
        Ok(volunteer) if staff => Ok(Redirect::to(&format!("/volunteers?code={}", volunteer.code)).into_response()),
        Ok(_) => Ok(Redirect::to("/home").into_response()),
        Err(error) => {
            let text = refusal_text(lang, error)?;
            form_page(state, lang, &actor.0, staff, &form, Some(text)).await
        }
    }
}

pub async fn staff_form(
    State(state): State<AppState>,
    lang: LangOf,
    PageActor(auth): PageActor,
) -> Result<Response, AppError> {
    form_page(&state, lang, &auth, true, &VolunteerForm::default(), None).await
}

pub async fn staff_submit(
    State(state): State<AppState>,
    lang: LangOf,
    actor: PageActor,
    FormBody(form): FormBody<VolunteerForm>,
) -> Result<Response, AppError> {
    submit(&state, lang, &actor, form, None).await
}

#[derive(Template)]
#[template(path = "volunteers.html")]
struct ListPage {
    c: Chrome,
    page: VolunteerPage,
    query_name: String,
    query_phone: String,
    query_code: String,
    query_category: String,
    total_text: String,
}

#[derive(Deserialize)]
pub struct ListParams {
    name: Option<String>,
    phone_tail: Option<String>,
    code: Option<String>,
    category: Option<String>,
    page: Option<u32>,
}

pub async fn roster(
    State(state): State<AppState>,
    lang: LangOf,
    PageActor(auth): PageActor,
    QueryParams(params): QueryParams<ListParams>,
) -> Result<Response, AppError> {
    let query = VolunteerQuery {
        region: None,
        name: params.name.clone(),
        code: params.code.clone(),
        phone_tail: params.phone_tail.clone(),
        category: params.category.clone(),
        team: None,
        page: params.page.unwrap_or(1),
    };
    let page = state.services().volunteers(&auth.actor, &query).await?;
    let view = ListPage {
        c: Chrome::signed_in(lang.0, &auth, "/volunteers"),
        total_text: lang.0.t("vol.total").replace("{n}", &page.total.to_string()),
        page,
        query_name: params.name.unwrap_or_default(),
        query_phone: params.phone_tail.unwrap_or_default(),
        query_code: params.code.unwrap_or_default(),
        query_category: params.category.unwrap_or_default(),
    };
    Ok(html(&view, StatusCode::OK))
}

#[derive(Template)]
#[template(path = "volunteer_revealed.html")]
struct RevealedPage {
    c: Chrome,
    volunteer: Volunteer,
    revealed: Revealed,
}

#[derive(Deserialize)]
pub struct TokenOnly {
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

/// The full ID number and phone, on an explicit POST that the audit log records.
pub async fn reveal(
    State(state): State<AppState>,
    lang: LangOf,
    actor: PageActor,
    PathIds(id): PathIds<VolunteerId>,
    FormBody(form): FormBody<TokenOnly>,
) -> Result<Response, AppError> {
    actor.check_form(&form.csrf)?;
    let services = state.services();
    let revealed = services.reveal_volunteer(&actor.0.actor, id).await?;
    let volunteer = services.volunteer(&actor.0.actor, id).await?;
    let page = RevealedPage {
        c: Chrome::signed_in(lang.0, &actor.0, "/volunteers"),
        volunteer,
        revealed,
    };
    Ok(html(&page, StatusCode::OK))
}

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    c: Chrome,
}

pub async fn import_page(lang: LangOf, PageActor(auth): PageActor) -> Response {
    let page = ImportPage {
        c: Chrome::signed_in(lang.0, &auth, "/imports/volunteers"),
    };
    html(&page, StatusCode::OK)
}

#[derive(Deserialize)]
pub struct ExportForm {
    format: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    full: String,
    #[serde(default)]
    password: String,
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

/// The roster as a file, masked or (with the password confirmed) in full; audited.
pub async fn export(
    State(state): State<AppState>,
    actor: PageActor,
    FormBody(form): FormBody<ExportForm>,
) -> Result<Response, AppError> {
    actor.check_form(&form.csrf)?;
    let format = hongmajia_services::exports::Format::parse(&form.format)
        .ok_or_else(|| AppError::code(hongmajia_domain::ErrorCode::InvalidQuery))?;
    let request = hongmajia_services::exports::VolunteerExport {
        region: None,
        team: None,
        category: Some(form.category),
        full: form.full == "true",
        password: Some(form.password),
    };
    let bytes = state
        .services()
        .export_volunteers(&actor.0.actor, &request, format)
        .await?;
    let content_type = match format {
        hongmajia_services::exports::Format::Xlsx => {
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        }
        hongmajia_services::exports::Format::Csv => "text/csv; charset=utf-8",
    };
    let disposition = format!("attachment; filename=\"volunteers.{}\"", format.extension());
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, content_type.to_owned()),
            (axum::http::header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}
