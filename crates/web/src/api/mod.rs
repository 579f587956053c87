//! The JSON API under `/api/v1`. Every handler is annotated for the OpenAPI document.

mod accounts;
mod activities;
mod auth;
mod exports;
mod imports;
mod projects;
mod records;

mod regions;
mod sites;
mod teams;
mod volunteers;

use crate::AppState;
use axum::extract::DefaultBodyLimit;
use serde::Serialize;
use utoipa::{Modify, OpenApi, ToSchema};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

#[derive(OpenApi)]
#[openapi(
    info(title = "hongmajia API", description = "红马甲 volunteer service platform: JSON API v1"),
    components(schemas(ErrorBody, ErrorDetail)),
    modifiers(&BearerAuth),
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The body of every error answer.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable snake_case code, e.g. `not_found`, `invalid_phone`.
    pub code: String,
    /// The message in the request's language (zh-CN by default, or by Accept-Language).
    pub message: String,
    /// The input field the error is about, when there is one.
    pub field: Option<String>,
}

/// The largest roster accepted in one upload (a 100,000-row .xlsx is about 6 MiB).
const IMPORT_LIMIT: usize = 64 * 1024 * 1024;

/// Evidence files are at most 10 MB; a little more is read so the refusal is ours, not a reset.
const EVIDENCE_LIMIT: usize = 16 * 1024 * 1024;

/// The API's routes and its OpenAPI document, from one list: each handler's `#[utoipa::path]`
/// gives its path (under `/api/v1`) and method, so a route cannot be missing from the document.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(auth::create_token, auth::revoke_token))
        .routes(routes!(auth::request_code))
        .routes(routes!(accounts::me))
        .routes(routes!(accounts::set_password))
        .routes(routes!(accounts::home))
        .routes(routes!(accounts::grant))
        .routes(routes!(accounts::revoke))
        .routes(routes!(accounts::move_account))
        .routes(routes!(accounts::my_grants))
        .routes(routes!(accounts::accept_grant))
        .routes(routes!(accounts::refuse_grant))
        .routes(routes!(accounts::withdraw_grant))
        .routes(routes!(accounts::logout_everywhere))
        .routes(routes!(accounts::audit_log))
        .routes(routes!(regions::create))
        .routes(routes!(regions::show, regions::rename))
        .routes(routes!(regions::coverage))
        .routes(routes!(regions::figures))
        .routes(routes!(regions::office_hours, regions::set_office_hours))
        .routes(routes!(accounts::staff))
        .routes(routes!(sites::create))
        .routes(routes!(sites::show, sites::update))
        .routes(routes!(exports::volunteers))
        .routes(routes!(exports::teams))
        .routes(routes!(imports::template))
        .routes(routes!(imports::import).layer(DefaultBodyLimit::max(IMPORT_LIMIT)))
        .routes(routes!(imports::report).layer(DefaultBodyLimit::max(IMPORT_LIMIT)))
        .routes(routes!(activities::create, activities::search))
        .routes(routes!(activities::of_project))
        .routes(routes!(activities::my_signups))
        .routes(routes!(activities::show, activities::change))
        .routes(routes!(activities::cancel_activity))
        .routes(routes!(activities::audience))
        .routes(routes!(activities::my_notifications))
        .routes(routes!(activities::sign_up))
        .routes(routes!(activities::cancel))
        .routes(routes!(activities::decide))
        .routes(routes!(records::checkin_pass))
        .routes(routes!(records::check_in))
        .routes(routes!(records::check_out))
        .routes(routes!(records::attend_by_hand))
        .routes(routes!(records::roster))
        .routes(routes!(records::corrections))
        .routes(routes!(records::report_missing))
        .routes(routes!(records::confirm))
        .routes(routes!(records::reject))
        .routes(routes!(records::revoke))
        .routes(routes!(records::reinstate))
        .routes(routes!(records::request_correction))
        .routes(routes!(records::second_approval))
        .routes(routes!(records::evidence))
        .routes(routes!(records::backfill).layer(DefaultBodyLimit::max(EVIDENCE_LIMIT)))
        .routes(routes!(records::decide_correction))
        .routes(routes!(records::record_reviews))
        .routes(routes!(records::adjustment_limit, records::set_adjustment_limit))
        .routes(routes!(records::my_hours))
        .routes(routes!(records::volunteer_hours))
        .routes(routes!(records::issue_certificate))
        .routes(routes!(records::certificate_pdf))
        .routes(routes!(records::verify))
        .routes(routes!(records::resolve_anomaly))
        .routes(routes!(projects::create, projects::list))
        .routes(routes!(projects::categories, projects::add_category))
        .routes(routes!(projects::edit_category))
        .routes(routes!(projects::show))
        .routes(routes!(projects::change_state))
        .routes(routes!(teams::create, teams::list))
        .routes(routes!(teams::apply))
        .routes(routes!(teams::show))
        .routes(routes!(teams::change_state))
        .routes(routes!(teams::own_membership))
        .routes(routes!(teams::invite))
        .routes(routes!(teams::decide))
        .routes(routes!(teams::counts))
        .routes(routes!(volunteers::register, volunteers::list))
        .routes(routes!(volunteers::show))
        .routes(routes!(volunteers::reveal))
        .routes(routes!(volunteers::merge))
        .routes(routes!(volunteers::register_self, volunteers::mine))
}
