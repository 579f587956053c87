//! The region and site browser: a region's page, its coverage, and the forms to rename it, add a
//! region below it and found or edit its site. A refused form is shown again, filled in, with
//! the reason in place.

use super::{Chrome, html, refusal_in_place};
use crate::AppState;
use crate::error::AppError;
use crate::extract::FormBody;
use crate::extract::LangOf;
use crate::session::PageActor;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use hongmajia_domain::{Action, Decision, RegionCode, RegionLevel, Target, can};
use hongmajia_services::ServiceError;
use hongmajia_services::auth::Authenticated;
use hongmajia_services::regions::{Coverage, RegionDetail};
use hongmajia_services::sites::SiteInput;
use serde::Deserialize;

#[derive(Default)]
struct ChildForm {
    code: String,
    name: String,
}

#[derive(Template)]
#[template(path = "region.html")]
struct RegionPage {
    c: Chrome,
    detail: RegionDetail,
    can_edit_region: bool,
    can_edit_site: bool,
    can_list_staff: bool,
    is_city: bool,
    is_village: bool,
    teams: Vec<hongmajia_services::teams::Team>,
    /// A county's "8+N": active teams per kind of site.
    team_counts: Option<Vec<hongmajia_services::teams::TeamCounts>>,
    error: Option<&'static str>,
    site_form: SiteInput,
    child_form: ChildForm,
}

/// What a refused form gives back to the page.
struct Refusal {
    message: &'static str,
    site_form: Option<SiteInput>,
    child_form: Option<ChildForm>,
}

async fn region_page(
    state: &AppState,
    lang: LangOf,
    auth: &Authenticated,
    code: &str,
    refusal: Option<Refusal>,
) -> Result<Response, AppError> {
    let detail = state.services().region(&auth.actor, code).await?;
    // The teams of this region's own site (those of the regions below are on their pages).
    let teams = state
        .services()
        .teams(&auth.actor, code, "", 1)
        .await?
        .into_iter()
        .filter(|t| t.region_code == code)
        .collect();
    let team_counts = match detail.region.level {
        RegionLevel::County => Some(state.services().team_counts(&auth.actor, code).await?),
        _ => None,
    };
    let target = RegionCode::parse(code).map(Target::in_region)?;
    let allowed = |action| can(&auth.actor, action, &target) == Decision::Allow;
    let site_form = detail.site.as_ref().map_or_else(SiteInput::default, |s| SiteInput {
        name: s.name.clone(),
        address: s.address.clone(),
        secretary: s.secretary.clone(),
    });
    let status = if refusal.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let (error, site_form, child_form) = match refusal {
        Some(r) => (
            Some(r.message),
            r.site_form.unwrap_or(site_form),
            r.child_form.unwrap_or_default(),
        ),
        None => (None, site_form, ChildForm::default()),
    };
    let page = RegionPage {
        c: Chrome::signed_in(lang.0, auth, &format!("/regions/{code}")),
        can_edit_region: allowed(Action::RegionEdit),
        can_edit_site: allowed(Action::SiteEdit) && allowed(Action::SiteCreate),
        can_list_staff: allowed(Action::AccountList),
        is_city: detail.region.level == RegionLevel::City,
        is_village: detail.region.level == RegionLevel::Village,
        teams,
        team_counts,
        detail,
        error,
        site_form,
        child_form,
    };
    Ok(html(&page, status))
}

pub async fn show(
    State(state): State<AppState>,
    lang: LangOf,
    PageActor(auth): PageActor,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    region_page(&state, lang, &auth, &code, None).await
}

#[derive(Template)]
#[template(path = "coverage.html")]
struct CoveragePage {
    c: Chrome,
    coverage: Coverage,
}

pub async fn coverage(
    State(state): State<AppState>,
    lang: LangOf,
    PageActor(auth): PageActor,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let coverage = state.services().coverage(&auth.actor, &code).await?;
    let page = CoveragePage {
        c: Chrome::signed_in(lang.0, &auth, &format!("/regions/{code}/coverage")),
        coverage,
    };
    Ok(html(&page, StatusCode::OK))
}

/// After a form: back to the region's page on success; on a rule's refusal the page again with
/// the reason and the input; anything else (not found, forbidden, internal) as an error page.
async fn after_form(
    state: &AppState,
    lang: LangOf,
    auth: &Authenticated,
    code: &str,
    result: Result<(), ServiceError>,
    refill: impl FnOnce() -> Refusal,
) -> Result<Response, AppError> {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/regions/{code}")).into_response()),
        Err(error) => {
            let mut refusal = refill();
            refusal.message = refusal_in_place(lang.0, error)?;
            region_page(state, lang, auth, code, Some(refusal)).await
        }
    }
}

#[derive(Deserialize)]
pub struct NameForm {
    name: String,
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

pub async fn rename(
    State(state): State<AppState>,
    lang: LangOf,
    actor: PageActor,
    Path(code): Path<String>,
    FormBody(form): FormBody<NameForm>,
) -> Result<Response, AppError> {
    actor.check_form(&form.csrf)?;
    let auth = &actor.0;
    let result = state
        .services()
        .rename_region(&auth.actor, &code, &form.name)
        .await
        .map(drop);
    after_form(&state, lang, auth, &code, result, || Refusal {
        message: "",
        site_form: None,
        child_form: None,
    })
    .await
}

#[derive(Deserialize)]
pub struct NewChildForm {
    code: String,
    name: String,
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

pub async fn add_child(
    State(state): State<AppState>,
    lang: LangOf,
    actor: PageActor,
    Path(code): Path<String>,
    FormBody(form): FormBody<NewChildForm>,
) -> Result<Response, AppError> {
    actor.check_form(&form.csrf)?;
    let auth = &actor.0;
    // The form adds below this region only: a code elsewhere in the tree is refused here.
    let parent_matches = RegionCode::parse(&form.code).is_ok_and(|c| c.parent().is_some_and(|p| p.as_str() == code));
    let result = if parent_matches {
        state
            .services()
            .create_region(&auth.actor, &form.code, &form.name)
            .await
            .map(drop)
    } else {
        Err(ServiceError::on(hongmajia_domain::ErrorCode::InvalidRegionCode, "code"))
    };
    after_form(&state, lang, auth, &code, result, || Refusal {
        message: "",
        site_form: None,
        child_form: Some(ChildForm {
            code: form.code.clone(),
            name: form.name.clone(),
        }),
    })
    .await
}

#[derive(Deserialize)]
pub struct SiteForm {
    name: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    secretary: String,
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

/// Founds the region's site, or saves it when it exists.
pub async fn save_site(
    State(state): State<AppState>,
    lang: LangOf,
    actor: PageActor,
    Path(code): Path<String>,
    FormBody(form): FormBody<SiteForm>,
) -> Result<Response, AppError> {
    actor.check_form(&form.csrf)?;
    let auth = &actor.0;
    let input = SiteInput {
        name: form.name,
        address: form.address,
        secretary: form.secretary,
    };
    let services = state.services();
    let existing = services.region(&auth.actor, &code).await?.site;
    let result = match existing {
        Some(site) => services.update_site(&auth.actor, site.id, &input).await.map(drop),
        None => services.create_site(&auth.actor, &code, &input).await.map(drop),
    };
    after_form(&state, lang, auth, &code, result, || Refusal {
        message: "",
        site_form: Some(input.clone()),
        child_form: None,
    })
    .await
}

/// Founds a team under the region's site (its staff).
pub async fn found_team(
    State(state): State<AppState>,
    lang: LangOf,
    actor: PageActor,
    Path(code): Path<String>,
    FormBody(form): FormBody<super::teams::TeamForm>,
) -> Result<Response, AppError> {
    actor.check_form(&form.csrf)?;
    let auth = &actor.0;
    let result = state.services().create_team(&auth.actor, &form.input()).await.map(drop);
    after_form(&state, lang, auth, &code, result, || Refusal {
        message: "",
        site_form: None,
        child_form: None,
    })
    .await
}
