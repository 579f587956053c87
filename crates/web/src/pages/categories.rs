//! The list of service categories: everyone signed in reads it; the city's admins add, rename,
//! reorder and retire categories here. A refused form is shown again, filled in, with the reason.

use super::{Chrome, html, refusal_in_place};
use crate::AppState;
use crate::error::AppError;
use crate::extract::{FormBody, LangOf};
use crate::session::PageActor;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use hongmajia_services::ServiceError;
use hongmajia_services::auth::Authenticated;
use hongmajia_services::categories::{Category, CategoryInput, may_edit_categories};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "categories.html")]
struct CategoriesPage {
    c: Chrome,
    categories: Vec<Category>,
    can_edit: bool,
    error: Option<&'static str>,
    /// The category whose form was refused (its form stays open), if one was.
    refused: Option<String>,
    new_form: CategoryForm,
}

/// The fields of a category's form, as typed.
#[derive(Debug, Default, Deserialize)]
pub struct CategoryForm {
    #[serde(default)]
    code: String,
    name_zh: String,
    name_en: String,
    #[serde(default)]
    position: String,
    /// Present (as `on`) when the box is ticked.
    #[serde(default)]
    retired: Option<String>,
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

impl CategoryForm {
    /// An empty position puts it last (or leaves it where it is); one that is not a whole number
    /// is refused by the service as out of range.
    fn input(&self) -> CategoryInput {
        let position = self.position.trim();
        CategoryInput {
            code: self.code.trim().to_owned(),
            name_zh: self.name_zh.clone(),
            name_en: self.name_en.clone(),
            position: (!position.is_empty()).then(|| position.parse().unwrap_or(-1)),
            retired: self.retired.is_some(),
        }
    }
}

async fn categories_page(
    state: &AppState,
    lang: LangOf,
    auth: &Authenticated,
    refusal: Option<(&'static str, Option<String>, CategoryForm)>,
) -> Result<Response, AppError> {
    let categories = state.services().categories().await?;
    let status = if refusal.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let (error, refused, new_form) = match refusal {
        Some((message, refused, form)) => (Some(message), refused, form),
        None => (None, None, CategoryForm::default()),
    };
    let page = CategoriesPage {
        c: Chrome::signed_in(lang.0, auth, "/categories"),
        categories,
        can_edit: may_edit_categories(&auth.actor),
        error,
        new_form: if refused.is_none() {
            new_form
        } else {
            CategoryForm::default()
        },
        refused,
    };
    Ok(html(&page, status))
}

pub async fn show(
    State(state): State<AppState>,
    lang: LangOf,
    PageActor(auth): PageActor,
) -> Result<Response, AppError> {
    categories_page(&state, lang, &auth, None).await
}

/// After a form: back to the list on success, or the list with the reason in place.
async fn after(
    state: &AppState,
    lang: LangOf,
    auth: &Authenticated,
    result: Result<Category, ServiceError>,
    (refused, form): (Option<String>, CategoryForm),
) -> Result<Response, AppError> {
    match result {
        Ok(category) => Ok(Redirect::to(&format!("/categories#category-{}", category.code)).into_response()),
        Err(error) => {
            let message = refusal_in_place(lang.0, error)?;
            categories_page(state, lang, auth, Some((message, refused, form))).await
        }
    }
}

pub async fn add(
    State(state): State<AppState>,
    lang: LangOf,
    actor: PageActor,
    FormBody(form): FormBody<CategoryForm>,
) -> Result<Response, AppError> {
    actor.check_form(&form.csrf)?;
    let result = state.services().add_category(&actor.0.actor, &form.input()).await;
    after(&state, lang, &actor.0, result, (None, form)).await
}

pub async fn edit(
    State(state): State<AppState>,
    lang: LangOf,
    actor: PageActor,
    Path(code): Path<String>,
    FormBody(form): FormBody<CategoryForm>,
) -> Result<Response, AppError> {
    actor.check_form(&form.csrf)?;
    let result = state
        .services()
        .edit_category(&actor.0.actor, &code, &form.input())
        .await;
    after(&state, lang, &actor.0, result, (Some(code), form)).await
}
