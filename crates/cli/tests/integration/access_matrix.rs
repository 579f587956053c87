//! Every action of the access policy × every role × a target inside and outside the actor's
//! area, over HTTP, asserting the status of every cell. The list of actions is the domain's own
//! `Action::ALL`, and `request_for` matches on it exhaustively, so a new action cannot be left out.
//!
//! The oracle is written here, independently of the policy code: admins act where their
//! region's code is a prefix of the target's (a city by its first four digits), volunteers and
//! citizens get 403 for staff work, the anonymous get 401, and out-of-area answers are 404.

use crate::helpers::{PASSWORD, TestApp, engine_name, registered_volunteer, registration, resident_id};
use hongmajia_domain::{Action, Role};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[derive(Debug, Clone, Copy)]
enum Who {
    Staff(Role, &'static str),
    Person(Role),
    Anonymous,
}

const WHO: [Who; 7] = [
    Who::Staff(Role::CityAdmin, "140800"),
    Who::Staff(Role::CenterAdmin, "140824"),
    Who::Staff(Role::InstituteAdmin, "140824001"),
    Who::Staff(Role::StationAdmin, "140824001001"),
    Who::Person(Role::Volunteer),
    Who::Person(Role::Citizen),
    Who::Anonymous,
];

/// The village acted upon: one inside every staff role's area, one in a sibling county (inside
/// only for the city admin), one in another city (outside for everyone).
const TARGETS: [&str; 3] = ["140824001001", "140825001001", "141002001001"];

fn oracle_covers(role_region: &str, target: &str) -> bool {
    let prefix = if role_region.len() == 6 && role_region.ends_with("00") {
        &role_region[..4]
    } else {
        role_region
    };
    target.starts_with(prefix)
}

/// One HTTP call doing `action` on (or right under) the village `target`, with the region it
/// really acts on and the status that means "done". `None` when the action has no form that
/// names another account's object (a profile is always one's own).
struct Call {
    method: Method,
    path: String,
    body: Option<Value>,
    acted_region: String,
    success: StatusCode,
}

async fn request_for(app: &TestApp, action: Action, target: &str, serial: u32) -> Option<Call> {
    let township = &target[..9];
    let site_id = || async {
        let detail = app
            .services()
            .region(&hongmajia_domain::Actor::System, target)
            .await
            .unwrap();
        detail.site.expect("every target village has a site").id
    };
    let call = |method, path: String, body, acted_region: String, success| Call {
        method,
        path,
        body,
        acted_region,
        success,
    };
    Some(match action {
        Action::RegionView => call(
            Method::GET,
            format!("/api/v1/regions/{target}"),
            None,
            target.into(),
            StatusCode::OK,
        ),
        Action::RegionCreate => {
            let code = format!("{township}{:03}", 100 + serial);
            let body = json!({"code": code, "name": format!("新村{serial}")});
            call(
                Method::POST,
                "/api/v1/regions".into(),
                Some(body),
                code,
                StatusCode::CREATED,
            )
        }
        Action::RegionEdit => {
            let body = json!({"name": format!("改名{serial}")});
            call(
                Method::PATCH,
                format!("/api/v1/regions/{target}"),
                Some(body),
                target.into(),
                StatusCode::OK,
            )
        }
        Action::SiteView => call(
            Method::GET,
            format!("/api/v1/sites/{}", site_id().await),
            None,
            target.into(),
            StatusCode::OK,
        ),
        Action::SiteCreate => {
            // A fresh village without a site, made by the operator, so only the policy decides.
            let code = format!("{township}{:03}", 500 + serial);
            app.add_region(&code, &format!("空村{serial}")).await;
            let body = json!({"region_code": code, "name": format!("实践站{serial}")});
            call(
                Method::POST,
                "/api/v1/sites".into(),
                Some(body),
                code,
                StatusCode::CREATED,
            )
        }
        Action::SiteEdit => {
            let body = json!({"name": format!("实践站改{serial}"), "address": "文化广场", "secretary": "王珺"});
            call(
                Method::PUT,
                format!("/api/v1/sites/{}", site_id().await),
                Some(body),
                target.into(),
                StatusCode::OK,
            )
        }
        Action::CoverageView => call(
            Method::GET,
            format!("/api/v1/regions/{target}/coverage"),
            None,
            target.into(),
            StatusCode::OK,
        ),
        Action::AuditView => call(
            Method::GET,
            format!("/api/v1/audit?region={target}"),
            None,
            target.into(),
            StatusCode::OK,
        ),
        Action::AccountList => call(
            Method::GET,
            format!("/api/v1/regions/{target}/staff"),
            None,
            target.into(),
            StatusCode::OK,
        ),
        Action::AccountGrant => {
            let body =
                json!({"phone": app.new_phone(), "role": "station-admin", "region_code": target, "password": PASSWORD});
            call(
                Method::POST,
                "/api/v1/accounts".into(),
                Some(body),
                target.into(),
                StatusCode::CREATED,
            )
        }
        Action::VolunteerRegister => {
            let body = registration(target, &resident_id(serial), &app.new_phone());
            call(
                Method::POST,
                "/api/v1/volunteers".into(),
                Some(body),
                target.into(),
                StatusCode::CREATED,
            )
        }
        Action::VolunteerView => {
            let id = registered_volunteer(app, target, 500 + serial).await;
            call(
                Method::GET,
                format!("/api/v1/volunteers/{id}"),
                None,
                target.into(),
                StatusCode::OK,
            )
        }
        Action::VolunteerList => call(
            Method::GET,
            format!("/api/v1/volunteers?region={target}"),
            None,
            target.into(),
            StatusCode::OK,
        ),
        Action::VolunteerReveal => {
            let id = registered_volunteer(app, target, 500 + serial).await;
            call(
                Method::POST,
                format!("/api/v1/volunteers/{id}/reveal"),
                None,
                target.into(),
                StatusCode::OK,
            )
        }
        // Actions on one's own account: no form names another's (see `own_call`).
        Action::ProfileView | Action::VolunteerSelfRegister => return None,
    })
}

/// The call of an action on the caller's own account.
fn own_call(action: Action, serial: u32) -> (Method, &'static str, Option<Value>, StatusCode) {
    match action {
        Action::VolunteerSelfRegister => {
            let body = registration("140824001001", &resident_id(serial), "13900000000");
            (Method::POST, "/api/v1/me/volunteer", Some(body), StatusCode::CREATED)
        }
        _ => (Method::GET, "/api/v1/me", None, StatusCode::OK),
    }
}

fn expected(who: Who, action: Action, acted_region: &str, success: StatusCode) -> StatusCode {
    match (who, action) {
        (Who::Anonymous, _) => StatusCode::UNAUTHORIZED,
        (_, Action::ProfileView | Action::VolunteerSelfRegister) => success,
        // A volunteer may see their own record, so another's is "not found", not "forbidden".
        (Who::Person(_), Action::VolunteerView | Action::VolunteerReveal) => StatusCode::NOT_FOUND,
        (Who::Person(_), _) => StatusCode::FORBIDDEN,
        (Who::Staff(_, region), _) if oracle_covers(region, acted_region) => success,
        (Who::Staff(..), _) => StatusCode::NOT_FOUND,
    }
}

#[tokio::test]
async fn every_action_for_every_role_inside_and_outside_its_area_gets_the_policy_answer() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let mut tokens = Vec::new();
    for who in WHO {
        let token = match who {
            Who::Staff(role, region) => app.signed_in(role, Some(region)).await.token,
            Who::Person(role) => app.signed_in(role, None).await.token,
            Who::Anonymous => None,
        };
        tokens.push(token);
    }

    let mut cells = 0;
    let mut mismatches = Vec::new();
    let mut serial = 0;
    for action in Action::ALL {
        for (who, token) in WHO.iter().zip(&tokens) {
            if matches!(action, Action::ProfileView | Action::VolunteerSelfRegister) {
                serial += 1;
                let (method, path, body, success) = own_call(action, serial);
                let status = app
                    .request(method, path, token.as_deref(), body.as_ref())
                    .await
                    .status();
                let want = expected(*who, action, "", success);
                cells += 1;
                if status != want {
                    mismatches.push(format!("{action:?} {who:?} own profile: got {status}, want {want}"));
                }
                continue;
            }
            for target in TARGETS {
                serial += 1;
                let call = request_for(&app, action, target, serial)
                    .await
                    .expect("a call for every staff action");
                let status = app
                    .request(call.method.clone(), &call.path, token.as_deref(), call.body.as_ref())
                    .await
                    .status();
                let want = expected(*who, action, &call.acted_region, call.success);
                cells += 1;
                if status != want {
                    mismatches.push(format!(
                        "{action:?} {who:?} on {}: got {status}, want {want}",
                        call.acted_region
                    ));
                }
            }
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {cells} cells differ on {}:\n{}",
        mismatches.len(),
        engine_name(),
        mismatches.join("\n")
    );
    let own_actions = 2;
    let expected_cells = (Action::ALL.len() - own_actions) * WHO.len() * TARGETS.len() + own_actions * WHO.len();
    assert_eq!(cells, expected_cells);
}

#[tokio::test]
async fn a_county_admin_cannot_read_or_change_anything_of_another_county_by_id() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let admin = app.signed_in(Role::CenterAdmin, Some("140824")).await;
    let other = app
        .services()
        .region(&hongmajia_domain::Actor::System, "140825001001")
        .await
        .unwrap();
    let site_id = other.site.unwrap().id;
    for path in [
        "/api/v1/regions/140825".to_owned(),
        "/api/v1/regions/140825001".to_owned(),
        "/api/v1/regions/140825/coverage".to_owned(),
        "/api/v1/regions/140825/staff".to_owned(),
        format!("/api/v1/sites/{site_id}"),
        "/api/v1/audit?region=140825".to_owned(),
        "/api/v1/regions/140800".to_owned(),
    ] {
        assert_eq!(
            app.get(&path, admin.token()).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let change = json!({"name": "偷改", "address": "", "secretary": ""});
    let response = app
        .request(
            Method::PUT,
            &format!("/api/v1/sites/{site_id}"),
            admin.token(),
            Some(&change),
        )
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let unchanged = app
        .services()
        .site(&hongmajia_domain::Actor::System, site_id)
        .await
        .unwrap();
    assert_eq!(unchanged.name, "三泉村实践阵地");
}
