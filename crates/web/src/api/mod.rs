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
use axum::Router;
use axum::routing::{get, post, put};
use serde::Serialize;
use utoipa::{Modify, OpenApi, ToSchema};

#[derive(OpenApi)]
#[openapi(
    info(title = "hongmajia API", description = "红马甲 volunteer service platform: JSON API v1"),
    paths(
        auth::create_token,
        auth::request_code,
        auth::revoke_token,
        accounts::me,
        accounts::set_password,
        accounts::home,
        accounts::grant,
        accounts::staff,
        accounts::my_grants,
        accounts::accept_grant,
        accounts::refuse_grant,
        accounts::withdraw_grant,
        accounts::revoke,
        accounts::move_account,
        accounts::logout_everywhere,
        accounts::audit_log,
        regions::show,
        regions::create,
        regions::rename,
        regions::coverage,
        regions::figures,
        regions::office_hours,
        projects::categories,
        projects::add_category,
        projects::edit_category,
        regions::set_office_hours,
        sites::show,
        sites::create,
        sites::update,
        exports::volunteers,
        exports::teams,
        activities::create,
        activities::show,
        activities::sign_up,
        activities::cancel,
        activities::search,
        activities::of_project,
        activities::my_signups,
        activities::change,
        activities::cancel_activity,
        activities::my_notifications,
        activities::decide,
        activities::audience,
        records::checkin_pass,
        records::check_in,
        records::check_out,
        records::attend_by_hand,
        records::roster,
        records::corrections,
        records::report_missing,
        records::confirm,
        records::reject,
        records::revoke,
        records::request_correction,
        records::decide_correction,
        records::backfill,
        records::second_approval,
        records::evidence,
        records::record_reviews,
        records::my_hours,
        records::volunteer_hours,
        records::issue_certificate,
        records::certificate_pdf,
        records::verify,
        records::resolve_anomaly,
        projects::create,
        projects::show,
        projects::change_state,
        projects::list,
        imports::template,
        imports::import,
        imports::report,
        teams::create,
        teams::apply,
        teams::list,
        teams::counts,
        teams::show,
        teams::change_state,
        teams::own_membership,
        teams::invite,
        teams::decide,
        volunteers::register,
        volunteers::register_self,
        volunteers::mine,
        volunteers::show,
        volunteers::reveal,
        volunteers::merge,
        volunteers::list,
    ),
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

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/auth/token", post(auth::create_token).delete(auth::revoke_token))
        .route("/auth/sms-code", post(auth::request_code))
        .route("/me", get(accounts::me))
        .route("/me/password", post(accounts::set_password))
        .route("/home", get(accounts::home))
        .route("/accounts", post(accounts::grant))
        .route("/accounts/{id}/revoke", post(accounts::revoke))
        .route("/accounts/{id}/{step}", post(accounts::move_account))
        .route("/me/grants", get(accounts::my_grants))
        .route("/me/grants/{id}/accept", post(accounts::accept_grant))
        .route("/me/grants/{id}/refuse", post(accounts::refuse_grant))
        .route("/grants/{id}/withdraw", post(accounts::withdraw_grant))
        .route("/me/logout-everywhere", post(accounts::logout_everywhere))
        .route("/audit", get(accounts::audit_log))
        .route("/regions", post(regions::create))
        .route("/regions/{code}", get(regions::show).patch(regions::rename))
        .route("/regions/{code}/coverage", get(regions::coverage))
        .route("/regions/{code}/figures", get(regions::figures))
        .route(
            "/regions/{code}/office-hours",
            get(regions::office_hours).put(regions::set_office_hours),
        )
        .route("/regions/{code}/staff", get(accounts::staff))
        .route("/sites", post(sites::create))
        .route("/sites/{id}", get(sites::show).put(sites::update))
        .route("/exports/volunteers", post(exports::volunteers))
        .route("/exports/teams", post(exports::teams))
        .route("/imports/volunteers/template", get(imports::template))
        .route(
            "/imports/volunteers",
            post(imports::import).layer(axum::extract::DefaultBodyLimit::max(IMPORT_LIMIT)),
        )
        .route(
            "/imports/volunteers/error-report",
            post(imports::report).layer(axum::extract::DefaultBodyLimit::max(IMPORT_LIMIT)),
        )
        .route("/activities", post(activities::create).get(activities::search))
        .route("/projects/{id}/activities", get(activities::of_project))
        .route("/me/signups", get(activities::my_signups))
        .route("/activities/{id}", get(activities::show).patch(activities::change))
        .route("/activities/{id}/cancel", post(activities::cancel_activity))
        .route("/activities/{id}/audience", post(activities::audience))
        .route("/me/notifications", get(activities::my_notifications))
        .route("/activities/{id}/signups", post(activities::sign_up))
        .route("/signups/{id}/cancel", post(activities::cancel))
        .route("/signups/{id}/decision", post(activities::decide))
        .route("/activities/{id}/checkin-pass", get(records::checkin_pass))
        .route("/activities/{id}/check-in", post(records::check_in))
        .route("/activities/{id}/check-out", post(records::check_out))
        .route("/activities/{id}/attendance", post(records::attend_by_hand))
        .route("/activities/{id}/roster", get(records::roster))
        .route("/activities/{id}/corrections", get(records::corrections))
        .route("/activities/{id}/missing-record", post(records::report_missing))
        .route("/records/{id}/confirm", post(records::confirm))
        .route("/records/{id}/reject", post(records::reject))
        .route("/records/{id}/revoke", post(records::revoke))
        .route("/records/{id}/corrections", post(records::request_correction))
        .route("/records/{id}/second-approval", post(records::second_approval))
        .route("/records/{id}/evidence", get(records::evidence))
        .route(
            "/records/backfill",
            post(records::backfill).layer(axum::extract::DefaultBodyLimit::max(EVIDENCE_LIMIT)),
        )
        .route("/corrections/{id}/decision", post(records::decide_correction))
        .route("/regions/{code}/record-reviews", get(records::record_reviews))
        .route("/me/hours", get(records::my_hours))
        .route("/volunteers/{id}/hours", get(records::volunteer_hours))
        .route("/me/certificates", post(records::issue_certificate))
        .route("/certificates/{number}/pdf", get(records::certificate_pdf))
        .route("/verify/{number}", get(records::verify))
        .route("/anomalies/{id}/resolve", post(records::resolve_anomaly))
        .route("/projects", post(projects::create).get(projects::list))
        .route("/categories", get(projects::categories).post(projects::add_category))
        .route("/categories/{code}", put(projects::edit_category))
        .route("/projects/{id}", get(projects::show))
        .route("/projects/{id}/state", post(projects::change_state))
        .route("/teams", post(teams::create).get(teams::list))
        .route("/teams/applications", post(teams::apply))
        .route("/teams/{id}", get(teams::show))
        .route("/teams/{id}/state", post(teams::change_state))
        .route("/teams/{id}/membership", post(teams::own_membership))
        .route("/teams/{id}/members", post(teams::invite))
        .route("/teams/{id}/members/{volunteer_id}", post(teams::decide))
        .route("/regions/{code}/team-counts", get(teams::counts))
        .route("/volunteers", post(volunteers::register).get(volunteers::list))
        .route("/volunteers/{id}", get(volunteers::show))
        .route("/volunteers/{id}/reveal", post(volunteers::reveal))
        .route("/volunteers/{id}/merge", post(volunteers::merge))
        .route("/me/volunteer", post(volunteers::register_self).get(volunteers::mine))
}
