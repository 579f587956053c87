//! The staff of a region (人员与任命): each person with their roles, whether disabled, their
//! last login; the grants waiting for their holders; the form that names this region's admin;
//! and, for the admins above, revoke, disable or enable, and reset. A refused form is shown
//! again with the reason in place.

use super::{Chrome, html, refusal_in_place};
use crate::AppState;
use crate::error::AppError;
use crate::extract::LangOf;
use crate::extract::{FormBody, PathIds};
use crate::session::PageActor;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use hongmajia_domain::role::may_grant;
use hongmajia_domain::{AccountId, RegionCode, Role};
use hongmajia_services::auth::Authenticated;
use hongmajia_services::grants::{AccountMove, GrantRequest, GrantView, RevokeInput, StaffPerson};
use serde::Deserialize;

/// One role of a listed person, and whether the viewer may take it back.
struct RoleLine {
    role: String,
    region_code: String,
    region_name: String,
    revocable: bool,
}

/// A listed person, and whether the viewer is above all their roles (disable, reset).
struct PersonLine {
    person: StaffPerson,
    roles: Vec<RoleLine>,
    manageable: bool,
}

#[derive(Template)]
#[template(path = "staff.html")]
struct StaffPage {
    c: Chrome,
    region_code: String,
    region_name: String,
    people: Vec<PersonLine>,
    pending: Vec<GrantView>,
    /// The admin role of this region, when the viewer may name it.
    grantable: Option<&'static str>,
    phone: String,
    notice: Option<&'static str>,
    error: Option<&'static str>,
}

fn may_take(auth: &Authenticated, role: &str, region: &str) -> bool {
    match (Role::parse(role), RegionCode::parse(region)) {
        (Some(role), Ok(region)) => may_grant(auth.actor.grants(), role, &region),
        _ => false,
    }
}

async fn staff_page(
    state: &AppState,
    lang: LangOf,
    auth: &Authenticated,
    code: &str,
    (notice, error, phone): (Option<&'static str>, Option<&'static str>, String),
) -> Result<Response, AppError> {
    let overview = state.services().staff(&auth.actor, code, 1).await?;
    let region = state.services().region(&auth.actor, code).await?.region;
    let parsed = RegionCode::parse(code)?;
    let own_role = Role::admin_of(parsed.level());
    let people = overview
        .people
        .into_iter()
        .map(|person| {
            let roles: Vec<RoleLine> = person
                .roles
                .iter()
                .map(|r| {
                    let region_code = r.region_code.clone().unwrap_or_default();
                    RoleLine {
                        revocable: may_take(auth, &r.role, &region_code),
                        role: r.role.clone(),
                        region_name: r.region_name.clone().unwrap_or_else(|| region_code.clone()),
                        region_code,
                    }
                })
                .collect();
            let manageable = !roles.is_empty() && roles.iter().all(|r| r.revocable);
            PersonLine {
                person,
                roles,
                manageable,
            }
        })
        .collect();
    let page = StaffPage {
        c: Chrome::signed_in(lang.0, auth, &format!("/regions/{code}/staff")),
        region_code: overview.region_code,
        region_name: region.name,
        people,
        pending: overview.pending,
        grantable: may_grant(auth.actor.grants(), own_role, &parsed).then_some(own_role.as_str()),
        phone,
        notice,
        error,
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok(html(&page, status))
}

pub async fn show(
    State(state): State<AppState>,
    lang: LangOf,
    PageActor(auth): PageActor,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    staff_page(&state, lang, &auth, &code, (None, None, String::new())).await
}

#[derive(Deserialize)]
pub struct GrantForm {
    phone: String,
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

/// Names this region's admin: the grant waits for its holder, and the page says so.
pub async fn grant(
    State(state): State<AppState>,
    lang: LangOf,
    actor: PageActor,
    Path(code): Path<String>,
    FormBody(form): FormBody<GrantForm>,
) -> Result<Response, AppError> {
    actor.check_form(&form.csrf)?;
    let auth = &actor.0;
    let role = Role::admin_of(RegionCode::parse(&code)?.level());
    let request = GrantRequest {
        phone: form.phone.clone(),
        role: role.as_str().to_owned(),
        region_code: code.clone(),
    };
    match state.services().grant_role(&auth.actor, &request).await {
        Ok(_) => {
            let notice = Some(lang.0.t("staff.granted"));
            staff_page(&state, lang, auth, &code, (notice, None, String::new())).await
        }
        Err(error) => {
            let message = refusal_in_place(lang.0, error)?;
            staff_page(&state, lang, auth, &code, (None, Some(message), form.phone)).await
        }
    }
}

#[derive(Deserialize)]
pub struct AccountForm {
    /// The staff page to go back to.
    back: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    region_code: String,
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

/// Back to the staff page the form came from (a region code only, never a URL).
fn back_to(form: &AccountForm) -> Result<Redirect, AppError> {
    let region = RegionCode::parse(&form.back)?;
    Ok(Redirect::to(&format!("/regions/{region}/staff")))
}

pub async fn revoke(
    State(state): State<AppState>,
    actor: PageActor,
    PathIds(id): PathIds<i64>,
    FormBody(form): FormBody<AccountForm>,
) -> Result<Response, AppError> {
    actor.check_form(&form.csrf)?;
    let input = RevokeInput {
        role: form.role.clone(),
        region_code: form.region_code.clone(),
    };
    state
        .services()
        .revoke_role(&actor.0.actor, AccountId(id), &input)
        .await?;
    Ok(back_to(&form)?.into_response())
}

pub async fn withdraw(
    State(state): State<AppState>,
    actor: PageActor,
    PathIds(id): PathIds<i64>,
    FormBody(form): FormBody<AccountForm>,
) -> Result<Response, AppError> {
    actor.check_form(&form.csrf)?;
    state.services().withdraw_grant(&actor.0.actor, id).await?;
    Ok(back_to(&form)?.into_response())
}

/// Disables, enables or resets the account (`step`), then back to the staff page.
pub async fn move_account(
    State(state): State<AppState>,
    actor: PageActor,
    PathIds((id, step)): PathIds<(i64, String)>,
    FormBody(form): FormBody<AccountForm>,
) -> Result<Response, AppError> {
    actor.check_form(&form.csrf)?;
    let step = AccountMove::parse(&step).ok_or_else(|| AppError::code(hongmajia_domain::ErrorCode::NotFound))?;
    state
        .services()
        .move_account(&actor.0.actor, AccountId(id), step)
        .await?;
    Ok(back_to(&form)?.into_response())
}
