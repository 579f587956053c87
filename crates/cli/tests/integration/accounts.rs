//! Accounts belong to people (Security 1, decisions.md D2): no admin takes over an account, a
//! grant waits for its holder, admins name only roles below their own, a second account of the
//! same person is no second approver, and revocation, disabling, resets and password changes
//! end sessions at once.

use crate::helpers::ProjectOwner;
use crate::helpers::{PASSWORD, TestApp, error_code, registration, resident_id, staff_id_number};
use crate::records::{Login, PNG, advance_to, backfill, json_of, staff};
use hongmajia_domain::{Actor, Role};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A token of the holder of `phone`, logged in by SMS code (the account is made if new).
async fn sms_token(app: &TestApp, phone: &str) -> reqwest::Response {
    // A phone gets at most one code a minute.
    app.clock.advance(time::Duration::seconds(61));
    let sent = app
        .post_json("/api/v1/auth/sms-code", None, &json!({ "phone": phone }))
        .await;
    assert_eq!(sent.status(), StatusCode::ACCEPTED);
    let code = app.sms_code_for(phone).await;
    app.post_json("/api/v1/auth/token", None, &json!({"phone": phone, "code": code}))
        .await
}

async fn sms_login(app: &TestApp, phone: &str) -> String {
    let response = sms_token(app, phone).await;
    assert_eq!(response.status(), StatusCode::CREATED, "SMS login of {phone}");
    json_of(response).await["token"].as_str().unwrap().to_owned()
}

async fn password_login(app: &TestApp, phone: &str, password: &str) -> reqwest::Response {
    app.post_json(
        "/api/v1/auth/token",
        None,
        &json!({"phone": phone, "password": password}),
    )
    .await
}

async fn grant(app: &TestApp, token: Option<&str>, phone: &str, role: &str, region: &str) -> reqwest::Response {
    let body = json!({"phone": phone, "role": role, "region_code": region});
    app.post_json("/api/v1/accounts", token, &body).await
}

/// Accepts the first grant waiting for the token's phone, with this ID number and password.
async fn accept_first(app: &TestApp, token: &str, id_number: &str, password: &str) -> reqwest::Response {
    let waiting = json_of(app.get("/api/v1/me/grants", Some(token)).await).await;
    let id = waiting[0]["id"].as_i64().expect("a grant waits for this phone");
    let body = json!({"id_number": id_number, "password": password});
    app.post_json(&format!("/api/v1/me/grants/{id}/accept"), Some(token), &body)
        .await
}

/// A volunteer of 新绛县 (another county) who registered themselves and logs in by SMS only.
async fn foreign_volunteer(app: &TestApp, serial: u32) -> (String, String) {
    let phone = app.new_phone();
    let token = sms_login(app, &phone).await;
    let body = registration("140825001001", &resident_id(serial), "");
    let made = app.post_json("/api/v1/me/volunteer", Some(&token), &body).await;
    assert_eq!(made.status(), StatusCode::CREATED);
    (phone, token)
}

/// The takeover of the review, end to end: today no admin can set an account's password, a
/// grant gives no power until its holder accepts, and the victim's county sees the attempt.
#[tokio::test]
async fn no_admin_can_take_over_a_volunteers_account_through_a_grant() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let (victim_phone, victim_token) = foreign_volunteer(&app, 31).await;
    let station = app.signed_in(Role::StationAdmin, Some("140824001001")).await;
    let county = app.signed_in(Role::CenterAdmin, Some("140824")).await;

    // A station admin names no one, and no grant carries a password.
    let refused = grant(&app, station.token(), &victim_phone, "station-admin", "140824001001").await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let with_password =
        json!({"phone": victim_phone, "role": "station-admin", "region_code": "140824001001", "password": PASSWORD});
    let refused = app.post_json("/api/v1/accounts", county.token(), &with_password).await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST, "no field sets a password");

    // The county admin's grant waits, and says nothing of the phone.
    let to_victim = grant(&app, county.token(), &victim_phone, "station-admin", "140824001001").await;
    let stranger = app.new_phone();
    let to_stranger = grant(&app, county.token(), &stranger, "station-admin", "140824001001").await;
    assert_eq!(to_victim.status(), StatusCode::ACCEPTED);
    assert_eq!(to_stranger.status(), StatusCode::ACCEPTED);
    let (to_victim, to_stranger) = (json_of(to_victim).await, json_of(to_stranger).await);
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&to_victim), keys(&to_stranger));
    assert_eq!(
        (to_victim["state"].as_str(), to_stranger["state"].as_str()),
        (Some("pending"), Some("pending"))
    );
    let again = json_of(grant(&app, county.token(), &victim_phone, "station-admin", "140824001001").await).await;
    assert_eq!(again["id"], to_victim["id"], "a repeated grant is the same one");

    // The victim's account is as it was: no password, no role, SMS login works.
    assert_eq!(
        password_login(&app, &victim_phone, PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let me = json_of(app.get("/api/v1/me", Some(&victim_token)).await).await;
    assert!(
        me["roles"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["role"] != "station-admin")
    );
    assert_eq!(
        app.get("/api/v1/regions/140824001001/staff", Some(&victim_token))
            .await
            .status(),
        StatusCode::FORBIDDEN,
        "a pending grant gives no power"
    );
    sms_login(&app, &victim_phone).await;

    // The victim's county (新绛县) sees what was done to its volunteer.
    let other_county = app.signed_in(Role::CenterAdmin, Some("140825")).await;
    let log = json_of(
        app.get("/api/v1/audit?region=140825&action=account.", other_county.token())
            .await,
    )
    .await;
    let entries = log["entries"].as_array().unwrap();
    assert!(
        entries
            .iter()
            .any(|e| e["summary"].as_str().unwrap().contains("station-admin")),
        "{log}"
    );

    // The victim says no; the grant is over.
    let id = to_victim["id"].as_i64().unwrap();
    let no = app
        .post_json(
            &format!("/api/v1/me/grants/{id}/refuse"),
            Some(&victim_token),
            &json!({}),
        )
        .await;
    assert_eq!(json_of(no).await["state"], "refused");
    let body = json!({"id_number": resident_id(31), "password": PASSWORD});
    let late = app
        .post_json(&format!("/api/v1/me/grants/{id}/accept"), Some(&victim_token), &body)
        .await;
    assert_eq!(late.status(), StatusCode::CONFLICT, "a refused grant is over");
    // Nobody else can answer it: another account's grant is "not found".
    let other = sms_login(&app, &app.new_phone()).await;
    let theirs = app
        .post_json(&format!("/api/v1/me/grants/{id}/refuse"), Some(&other), &json!({}))
        .await;
    assert_eq!(theirs.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_grant_takes_effect_when_its_holder_accepts_with_their_own_password_and_id_number() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let county = app.signed_in(Role::CenterAdmin, Some("140824")).await;
    let phone = app.new_phone();
    let granted = grant(&app, county.token(), &phone, "institute-admin", "140824001").await;
    assert_eq!(granted.status(), StatusCode::ACCEPTED);
    let staff_page = "/api/v1/regions/140824001/staff";
    let pending = json_of(app.get(staff_page, county.token()).await).await;
    assert_eq!(pending["pending"][0]["phone"], json_of(granted).await["phone"]);

    let token = sms_login(&app, &phone).await;
    let earlier = sms_login(&app, &phone).await;
    assert_eq!(app.get(staff_page, Some(&token)).await.status(), StatusCode::FORBIDDEN);
    let no_id = accept_first(&app, &token, "", PASSWORD).await;
    assert_eq!(error_code(no_id).await, "invalid_id_number");
    let weak = accept_first(&app, &token, &staff_id_number(900), "password1234").await;
    assert_eq!(error_code(weak).await, "password_too_common");
    let accepted = accept_first(&app, &token, &staff_id_number(900), PASSWORD).await;
    assert_eq!(accepted.status(), StatusCode::OK);
    assert_eq!(json_of(accepted).await["state"], "accepted");

    // The session that accepted holds the role at once, and only it: one opened before (by
    // whoever had the phone then) ends; the holder now logs in with the password only.
    assert_eq!(app.get(staff_page, Some(&token)).await.status(), StatusCode::OK);
    assert_eq!(
        app.get("/api/v1/me", Some(&earlier)).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let by_code = sms_token(&app, &phone).await;
    assert_eq!(error_code(by_code).await, "password_required");
    assert_eq!(
        password_login(&app, &phone, PASSWORD).await.status(),
        StatusCode::CREATED
    );
    let listed = json_of(app.get(staff_page, county.token()).await).await;
    assert!(listed["pending"].as_array().unwrap().is_empty());
    assert_eq!(listed["people"][0]["roles"][0]["role"], "institute-admin");
    assert!(listed["people"][0]["last_login_at"].is_string());
}

#[tokio::test]
async fn a_volunteer_accepts_only_with_the_id_number_of_their_own_registration() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let (phone, token) = foreign_volunteer(&app, 32).await;
    let city = app.signed_in(Role::CityAdmin, Some("140800")).await;
    grant(&app, city.token(), &phone, "station-admin", "140825001001").await;
    let someone_else = accept_first(&app, &token, &resident_id(33), PASSWORD).await;
    assert_eq!(error_code(someone_else).await, "id_number_mismatch");
    let own = accept_first(&app, &token, &resident_id(32), PASSWORD).await;
    assert_eq!(own.status(), StatusCode::OK);
}

#[tokio::test]
async fn admins_name_only_roles_strictly_below_their_own_inside_their_region() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let county = app.signed_in(Role::CenterAdmin, Some("140824")).await;
    let township = app.signed_in(Role::InstituteAdmin, Some("140824001")).await;
    let phone = app.new_phone();
    for (who, role, region, status) in [
        (&county, "center-admin", "140824", StatusCode::FORBIDDEN),
        (&county, "city-admin", "140800", StatusCode::NOT_FOUND),
        (&county, "station-admin", "140825001001", StatusCode::NOT_FOUND),
        (&county, "institute-admin", "140824001", StatusCode::ACCEPTED),
        (&township, "institute-admin", "140824001", StatusCode::FORBIDDEN),
        (&township, "station-admin", "140824001001", StatusCode::ACCEPTED),
    ] {
        let answer = grant(&app, who.token(), &phone, role, region).await;
        assert_eq!(answer.status(), status, "{role} in {region}");
    }
    let volunteer = grant(&app, county.token(), &phone, "volunteer", "140824001001").await;
    assert_eq!(error_code(volunteer).await, "role_not_grantable");
    let unknown = grant(&app, county.token(), &phone, "admin", "140824001").await;
    assert_eq!(error_code(unknown).await, "invalid_role");
}

/// The review's sock puppet: a county admin named a second account of its own as the institute
/// admin above a village's activity and approved its own backfill with it.
#[tokio::test]
async fn a_second_account_of_the_same_person_is_no_second_approver() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let county = staff(&app, Role::CenterAdmin, "140824").await;
    let own_id = staff_id_number(1);
    let puppet_phone = app.new_phone();
    let granted = grant(
        &app,
        Some(&county.token().await),
        &puppet_phone,
        "institute-admin",
        "140824001",
    )
    .await;
    assert_eq!(granted.status(), StatusCode::ACCEPTED);
    let puppet_token = sms_login(&app, &puppet_phone).await;
    let accepted = accept_first(&app, &puppet_token, &own_id, PASSWORD).await;
    assert_eq!(accepted.status(), StatusCode::OK, "one person may hold two accounts");
    let puppet = Login::of(&app, puppet_phone);

    let volunteer = crate::helpers::registered_volunteer(&app, "140824001001", 41).await;
    let activity = village_activity(&app).await;
    advance_to(&app, "2026-12-07T09:00:00+08:00");
    let entered = json_of(backfill(&app, &county, activity, volunteer, PNG).await).await;
    let approve = format!("/api/v1/records/{}/second-approval", entered["id"]);
    let refused = app
        .post_json(&approve, Some(&puppet.token().await), &json!({"approve": true}))
        .await;
    assert_eq!(error_code(refused).await, "same_approver");
    let other = staff(&app, Role::InstituteAdmin, "140824001").await;
    let approved = app
        .post_json(&approve, Some(&other.token().await), &json!({"approve": true}))
        .await;
    assert_eq!(approved.status(), StatusCode::OK, "another person may approve");
}

/// An activity of 姚村's station (the site above it is 稷峰镇's institute), 08:00–11:00 on
/// 2026-12-06.
async fn village_activity(app: &TestApp) -> i64 {
    let project = app
        .published_project(ProjectOwner::Site("140824001001"), ("村口文明劝导", "交通劝导"))
        .await;
    let times = json!({"title": "路口劝导", "starts_at": crate::records::STARTS, "ends_at": crate::records::ENDS, "capacity": 20});
    app.activity_of(project, times).await
}

/// An institute admin of 稷峰镇 named by the county admin and accepted: its phone and token.
async fn accepted_institute_admin(app: &TestApp, county: Option<&str>, serial: u32) -> (String, String, i64) {
    let phone = app.new_phone();
    grant(app, county, &phone, "institute-admin", "140824001").await;
    let token = sms_login(app, &phone).await;
    let accepted = accept_first(app, &token, &staff_id_number(serial), PASSWORD).await;
    assert_eq!(accepted.status(), StatusCode::OK);
    let me = json_of(app.get("/api/v1/me", Some(&token)).await).await;
    (phone, token, me["id"].as_i64().unwrap())
}

#[tokio::test]
async fn revoking_disabling_and_resetting_end_the_holders_sessions_at_once() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let county = app.signed_in(Role::CenterAdmin, Some("140824")).await;
    let staff_page = "/api/v1/regions/140824001/staff";

    // Revoked: the open session ends; a new login holds no staff power.
    let (phone, token, id) = accepted_institute_admin(&app, county.token(), 901).await;
    let body = json!({"role": "institute-admin", "region_code": "140824001"});
    let revoke = format!("/api/v1/accounts/{id}/revoke");
    let township = app.signed_in(Role::InstituteAdmin, Some("140824001")).await;
    assert_eq!(
        app.post_json(&revoke, township.token(), &body).await.status(),
        StatusCode::FORBIDDEN,
        "only the admins above the role"
    );
    assert_eq!(
        app.post_json(&revoke, county.token(), &body).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.get(staff_page, Some(&token)).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let again = json_of(password_login(&app, &phone, PASSWORD).await).await;
    let again = again["token"].as_str().unwrap();
    assert_eq!(app.get(staff_page, Some(again)).await.status(), StatusCode::FORBIDDEN);

    // Disabled: sessions end, logins are refused; enabled: back.
    let (phone, token, id) = accepted_institute_admin(&app, county.token(), 902).await;
    let disable = format!("/api/v1/accounts/{id}/disable");
    assert_eq!(
        app.post_json(&disable, county.token(), &json!({})).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.get("/api/v1/me", Some(&token)).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        error_code(password_login(&app, &phone, PASSWORD).await).await,
        "account_disabled"
    );
    let listed = json_of(app.get(staff_page, county.token()).await).await;
    let listed = listed["people"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["account_id"] == id)
        .cloned();
    assert_eq!(listed.expect("the disabled admin is listed")["disabled"], true);
    let enable = format!("/api/v1/accounts/{id}/enable");
    assert_eq!(
        app.post_json(&enable, county.token(), &json!({})).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        password_login(&app, &phone, PASSWORD).await.status(),
        StatusCode::CREATED
    );

    // Reset: the password is gone; the holder's SMS code lets them set a new one, and only then
    // does the role count again. The admin never chose or saw it.
    let reset = format!("/api/v1/accounts/{id}/reset");
    assert_eq!(
        app.post_json(&reset, county.token(), &json!({})).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        password_login(&app, &phone, PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let token = sms_login(&app, &phone).await;
    assert_eq!(app.get(staff_page, Some(&token)).await.status(), StatusCode::FORBIDDEN);
    let new_password = "Another-long-pass-2026";
    let set = app
        .post_json("/api/v1/me/password", Some(&token), &json!({"password": new_password}))
        .await;
    assert_eq!(set.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.get(staff_page, Some(&token)).await.status(), StatusCode::OK);
    assert_eq!(
        password_login(&app, &phone, new_password).await.status(),
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn a_password_change_ends_the_other_sessions_and_logout_everywhere_ends_all() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let admin = app.account(Role::StationAdmin, Some("140824001001")).await;
    let token = |r: Value| r["token"].as_str().unwrap().to_owned();
    let first = token(json_of(password_login(&app, &admin.phone, PASSWORD).await).await);
    let second = token(json_of(password_login(&app, &admin.phone, PASSWORD).await).await);
    let new_password = "Another-long-pass-2026";
    let body = json!({"current_password": PASSWORD, "password": new_password});
    let changed = app.post_json("/api/v1/me/password", Some(&first), &body).await;
    assert_eq!(changed.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.get("/api/v1/me", Some(&first)).await.status(), StatusCode::OK);
    assert_eq!(
        app.get("/api/v1/me", Some(&second)).await.status(),
        StatusCode::UNAUTHORIZED
    );

    let third = token(json_of(password_login(&app, &admin.phone, new_password).await).await);
    let everywhere = app
        .post_json("/api/v1/me/logout-everywhere", Some(&third), &json!({}))
        .await;
    assert_eq!(everywhere.status(), StatusCode::NO_CONTENT);
    for ended in [&first, &third] {
        assert_eq!(
            app.get("/api/v1/me", Some(ended)).await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
}

/// A registration typed with an admin's phone (by staff, or in a roster) does not attach a
/// stranger's registration to the admin's account.
#[tokio::test]
async fn a_registration_with_an_admins_phone_gives_the_admins_account_nobody_elses_person() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let county = app.signed_in(Role::CenterAdmin, Some("140824")).await;
    let station = app.signed_in(Role::StationAdmin, Some("140824001001")).await;
    let body = registration("140824001001", &resident_id(51), &county.phone);
    let made = app.post_json("/api/v1/volunteers", station.token(), &body).await;
    assert_eq!(made.status(), StatusCode::CREATED);
    let mine = app.get("/api/v1/me/volunteer", county.token()).await;
    assert_eq!(
        mine.status(),
        StatusCode::NOT_FOUND,
        "the admin's account is not that volunteer"
    );
}

/// The review of Security 1: a granter's audit log does not tell where the phone's holder is
/// registered; accepting with another's registered ID number is counted and reported like a
/// registration; grants lapse after 14 days, when withdrawn, or when the granter loses the power.
#[tokio::test]
async fn grants_tell_nothing_lapse_and_count_probes_of_registered_id_numbers() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let county = app.signed_in(Role::CenterAdmin, Some("140824")).await;
    // A volunteer of the county, registered in a village outside the granted township.
    app.add_region("140824002", "化峪镇").await;
    app.add_region("140824002001", "北阳村").await;
    let holder_phone = app.new_phone();
    let holder = sms_login(&app, &holder_phone).await;
    let body = registration("140824002001", &resident_id(61), "");
    assert_eq!(
        app.post_json("/api/v1/me/volunteer", Some(&holder), &body)
            .await
            .status(),
        StatusCode::CREATED
    );
    grant(&app, county.token(), &holder_phone, "station-admin", "140824001001").await;
    let log = json_of(app.get("/api/v1/audit?action=account.grant", county.token()).await).await;
    let regions: Vec<&str> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["target_kind"] == "role_grant")
        .map(|e| e["region_code"].as_str().unwrap())
        .collect();
    assert_eq!(regions, ["140824001001"], "one entry, in the role's region only");

    // Probing registered ID numbers through an acceptance: counted, reported, then refused.
    let (prober_phone, owner_phone) = (app.new_phone(), app.new_phone());
    let owner = registration("140824001001", &resident_id(62), &owner_phone);
    let input: hongmajia_services::volunteers::RegistrationInput = serde_json::from_value(owner).unwrap();
    app.services().register_volunteer(&Actor::System, &input).await.unwrap();
    grant(&app, county.token(), &prober_phone, "station-admin", "140824001001").await;
    let prober = sms_login(&app, &prober_phone).await;
    for _ in 0..3 {
        let probe = accept_first(&app, &prober, &resident_id(62), PASSWORD).await;
        assert_eq!(error_code(probe).await, "id_number_mismatch");
    }
    let fourth = accept_first(&app, &prober, &resident_id(63), PASSWORD).await;
    assert_eq!(error_code(fourth).await, "too_many_attempts");
    let told = app.services().development_outbox(50).await.unwrap();
    assert_eq!(told.iter().filter(|m| m.phone == owner_phone).count(), 3);

    // Withdrawn, expired, or its granter no longer able: the grant lapses.
    let later_phone = app.new_phone();
    let withdrawn = json_of(grant(&app, county.token(), &later_phone, "station-admin", "140824001001").await).await;
    let path = format!("/api/v1/grants/{}/withdraw", withdrawn["id"]);
    assert_eq!(
        app.post_json(&path, county.token(), &json!({})).await.status(),
        StatusCode::OK
    );
    let later = sms_login(&app, &later_phone).await;
    let accept = format!("/api/v1/me/grants/{}/accept", withdrawn["id"]);
    let body = json!({"id_number": staff_id_number(71), "password": PASSWORD});
    assert_eq!(
        error_code(app.post_json(&accept, Some(&later), &body).await).await,
        "grant_lapsed"
    );

    let township = app.signed_in(Role::InstituteAdmin, Some("140824001")).await;
    let stale = json_of(grant(&app, township.token(), &later_phone, "station-admin", "140824001001").await).await;
    let revoke = format!("/api/v1/accounts/{}/revoke", township.account_id);
    let role = json!({"role": "institute-admin", "region_code": "140824001"});
    assert_eq!(
        app.post_json(&revoke, county.token(), &role).await.status(),
        StatusCode::NO_CONTENT
    );
    let accept = format!("/api/v1/me/grants/{}/accept", stale["id"]);
    assert_eq!(
        error_code(app.post_json(&accept, Some(&later), &body).await).await,
        "grant_lapsed",
        "its granter may grant no more"
    );

    let old = json_of(grant(&app, county.token(), &later_phone, "station-admin", "140824001001").await).await;
    app.clock.advance(time::Duration::days(15));
    let later = sms_login(&app, &later_phone).await;
    assert!(
        json_of(app.get("/api/v1/me/grants", Some(&later)).await)
            .await
            .as_array()
            .unwrap()
            .is_empty()
    );
    let accept = format!("/api/v1/me/grants/{}/accept", old["id"]);
    assert_eq!(
        error_code(app.post_json(&accept, Some(&later), &body).await).await,
        "grant_lapsed"
    );
}

/// An account disabled from above is enabled only from that level or higher.
#[tokio::test]
async fn an_account_disabled_by_the_city_is_not_enabled_by_its_county() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let city = app.signed_in(Role::CityAdmin, Some("140800")).await;
    let county = app.signed_in(Role::CenterAdmin, Some("140824")).await;
    let (_, _, id) = accepted_institute_admin(&app, county.token(), 903).await;
    let disable = format!("/api/v1/accounts/{id}/disable");
    let enable = format!("/api/v1/accounts/{id}/enable");
    assert_eq!(
        app.post_json(&disable, city.token(), &json!({})).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.post_json(&enable, county.token(), &json!({})).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post_json(&enable, city.token(), &json!({})).await.status(),
        StatusCode::NO_CONTENT
    );
}
