//! Attendance and service records over HTTP, on both engines: QR token and 6-digit code,
//! the check-in window, the geofence, manual attendance, confirmation with versions, corrections
//! and missing-record reports, evidence-gated backfills with a second approver, overdue activities.

use crate::activities::activity_with;
use crate::helpers::{PASSWORD, TestApp, error_code, registration, resident_id};
use hongmajia_domain::activity::SignupState;
use hongmajia_domain::{ActivityId, Actor, Role, VolunteerId};
use hongmajia_services::Clock;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

pub(crate) const STARTS: &str = "2026-12-06T08:00:00+08:00";
pub(crate) const ENDS: &str = "2026-12-06T11:00:00+08:00";

/// Someone who logs in again for every call: the test clock jumps hours and days, and sessions
/// end after 30 idle minutes.
pub(crate) struct Login<'a> {
    app: &'a TestApp,
    phone: String,
}

impl<'a> Login<'a> {
    pub(crate) fn of(app: &'a TestApp, phone: String) -> Self {
        Self { app, phone }
    }

    pub(crate) fn phone(&self) -> &str {
        &self.phone
    }

    pub(crate) async fn token(&self) -> String {
        let body = json!({"phone": self.phone, "password": PASSWORD});
        let response = self.app.post_json("/api/v1/auth/token", None, &body).await;
        assert_eq!(response.status(), StatusCode::CREATED, "login of {}", self.phone);
        json_of(response).await["token"].as_str().unwrap().to_owned()
    }
}

pub(crate) async fn staff<'a>(app: &'a TestApp, role: Role, region: &str) -> Login<'a> {
    let phone = app.account(role, Some(region)).await.phone;
    Login { app, phone }
}

/// `count` volunteers registered in a village of Jishan, each with a password.
pub(crate) async fn logins(app: &TestApp, count: u32, first_serial: u32) -> Vec<Login<'_>> {
    let mut people = Vec::new();
    for n in 0..count {
        let user = app.signed_in(Role::Citizen, None).await;
        let body = registration("140824001001", &resident_id(first_serial + n), "");
        let made = app.post_json("/api/v1/me/volunteer", user.token(), &body).await;
        assert_eq!(made.status(), StatusCode::CREATED);
        people.push(Login { app, phone: user.phone });
    }
    people
}

/// Moves the test clock forward to `when` (RFC 3339).
pub(crate) fn advance_to(app: &TestApp, when: &str) {
    let target = OffsetDateTime::parse(when, &Rfc3339).unwrap();
    let now = app.clock.now();
    assert!(target >= now, "the clock only moves forward");
    app.clock.advance(target - now);
}

pub(crate) async fn json_of(response: reqwest::Response) -> Value {
    response.json().await.unwrap()
}

/// An activity of Jishan's center from 08:00 to 11:00 on 2026-12-06, with `extra` fields.
pub(crate) async fn morning_activity(app: &TestApp, extra: Value) -> i64 {
    let mut fields = json!({"starts_at": STARTS, "ends_at": ENDS, "capacity": 20});
    if let (Some(fields), Some(extra)) = (fields.as_object_mut(), extra.as_object()) {
        fields.extend(extra.clone());
    }
    activity_with(app, fields).await
}

pub(crate) const AFTERNOON_ENDS: &str = "2026-12-06T16:00:00+08:00";

/// An activity of Jishan's center from 14:00 to 16:00 on 2026-12-06.
pub(crate) async fn afternoon_activity(app: &TestApp) -> i64 {
    let fields = json!({"starts_at": "2026-12-06T14:00:00+08:00", "ends_at": AFTERNOON_ENDS, "capacity": 5});
    activity_with(app, fields).await
}

/// Approves a correction or missing-record report: by the organizer, and when that endorses it
/// for the site above (beyond the adjustment limit), by `reviewer` there. The request as decided.
pub(crate) async fn approve_request(
    app: &TestApp,
    request: i64,
    (organizer, reviewer): (&Login<'_>, &Login<'_>),
) -> Value {
    let decide = format!("/api/v1/corrections/{request}/decision");
    let approve = json!({"approve": true});
    let mut decided = json_of(app.post_json(&decide, Some(&organizer.token().await), &approve).await).await;
    if decided["awaiting_level_above"] == true {
        decided = json_of(app.post_json(&decide, Some(&reviewer.token().await), &approve).await).await;
    }
    assert_eq!(decided["state"], "approved", "{decided}");
    decided
}

/// The volunteer id of the first on an activity's roster, as its organizer reads it.
pub(crate) async fn first_on_roster(app: &TestApp, organizer: &Login<'_>, activity: i64) -> i64 {
    let roster = format!("/api/v1/activities/{activity}/roster");
    let roster = json_of(app.get(&roster, Some(&organizer.token().await)).await).await;
    roster[0]["volunteer_id"].as_i64().expect("someone on the roster")
}

pub(crate) async fn sign_up(app: &TestApp, who: &Login<'_>, activity: i64) {
    let path = format!("/api/v1/activities/{activity}/signups");
    let response = app.post_json(&path, Some(&who.token().await), &json!({})).await;
    assert_eq!(response.status(), StatusCode::CREATED);
}

pub(crate) async fn pass(app: &TestApp, organizer: &Login<'_>, activity: i64) -> Value {
    let response = app
        .get(
            &format!("/api/v1/activities/{activity}/checkin-pass"),
            Some(&organizer.token().await),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    json_of(response).await
}

pub(crate) async fn attend(
    app: &TestApp,
    who: &Login<'_>,
    activity: i64,
    direction: &str,
    body: Value,
) -> reqwest::Response {
    app.post_json(
        &format!("/api/v1/activities/{activity}/{direction}"),
        Some(&who.token().await),
        &body,
    )
    .await
}

pub(crate) async fn my_hours(app: &TestApp, who: &Login<'_>) -> Value {
    let response = app.get("/api/v1/me/hours", Some(&who.token().await)).await;
    assert_eq!(response.status(), StatusCode::OK);
    json_of(response).await
}

/// A volunteer checked in at 07:40 and out at 10:20 by QR: the id of the pending record, with
/// the clock at the activity's end (11:00), from when it may be confirmed.
pub(crate) async fn attended_record(app: &TestApp, organizer: &Login<'_>, volunteer: &Login<'_>, activity: i64) -> i64 {
    sign_up(app, volunteer, activity).await;
    advance_to(app, "2026-12-06T07:40:00+08:00");
    let token = pass(app, organizer, activity).await["token"].clone();
    let response = attend(app, volunteer, activity, "check-in", json!({"token": token})).await;
    assert_eq!(response.status(), StatusCode::OK);
    advance_to(app, "2026-12-06T10:20:00+08:00");
    let token = pass(app, organizer, activity).await["token"].clone();
    let response = attend(app, volunteer, activity, "check-out", json!({"token": token})).await;
    assert_eq!(response.status(), StatusCode::OK);
    advance_to(app, ENDS);
    json_of(response).await["record_id"].as_i64().unwrap()
}

#[tokio::test]
async fn a_qr_check_in_and_out_makes_a_pending_record_that_the_organizer_confirms_as_a_new_version() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let organizer = staff(&app, Role::CenterAdmin, "140824").await;
    let volunteer = logins(&app, 1, 7100).await.remove(0);
    let activity = morning_activity(&app, json!({})).await;
    sign_up(&app, &volunteer, activity).await;

    // A week early the window is shut; 40 minutes early too (it opens 30 minutes before).
    let token = pass(&app, &organizer, activity).await["token"].clone();
    let early = attend(&app, &volunteer, activity, "check-in", json!({"token": token})).await;
    assert_eq!(error_code(early).await, "outside_checkin_window");
    advance_to(&app, "2026-12-06T07:20:00+08:00");
    let token = pass(&app, &organizer, activity).await["token"].clone();
    let early = attend(&app, &volunteer, activity, "check-in", json!({"token": token.clone()})).await;
    assert_eq!(early.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_code(early).await, "outside_checkin_window");

    advance_to(&app, "2026-12-06T07:40:00+08:00");
    let token = pass(&app, &organizer, activity).await["token"].clone();
    let forged = json!({"token": format!("{activity}.99999999999.{}", "0".repeat(32))});
    let refused = attend(&app, &volunteer, activity, "check-in", forged).await;
    assert_eq!(error_code(refused).await, "invalid_checkin_token");
    let checked_in = attend(&app, &volunteer, activity, "check-in", json!({"token": token.clone()})).await;
    assert_eq!(checked_in.status(), StatusCode::OK);
    assert_eq!(json_of(checked_in).await["check_in_method"], "qr");
    let twice = attend(&app, &volunteer, activity, "check-in", json!({"token": token.clone()})).await;
    assert_eq!(twice.status(), StatusCode::CONFLICT);
    assert_eq!(error_code(twice).await, "already_checked_in");

    // The QR token lives about a minute: at 10:20 the old one is refused, a fresh one works.
    advance_to(&app, "2026-12-06T10:20:00+08:00");
    let stale = attend(&app, &volunteer, activity, "check-out", json!({"token": token})).await;
    assert_eq!(stale.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let token = pass(&app, &organizer, activity).await["token"].clone();
    let out = attend(&app, &volunteer, activity, "check-out", json!({"token": token})).await;
    assert_eq!(out.status(), StatusCode::OK);
    let out = json_of(out).await;
    // Present 08:00–10:20 (time before the start does not count): 140 minutes, no more (the
    // half-hour rule rounds up to 2.5 hours only as far as the presence goes).
    assert_eq!(out["minutes"], 140);
    let record = out["record_id"].as_i64().unwrap();

    let before = my_hours(&app, &volunteer).await;
    assert_eq!(before["confirmed_minutes"], 0, "a pending record counts nothing");
    assert_eq!(before["records"][0]["state"], "pending");

    // Nobody confirms time that is still going on: the record waits for the activity's end.
    let path = format!("/api/v1/records/{record}/confirm");
    let early = app.post_json(&path, Some(&organizer.token().await), &json!({})).await;
    assert_eq!(error_code(early).await, "activity_not_ended");
    advance_to(&app, ENDS);
    let unexplained = app
        .post_json(&path, Some(&organizer.token().await), &json!({"minutes": 180}))
        .await;
    assert_eq!(error_code(unexplained).await, "reason_required");
    let too_long = app
        .post_json(
            &path,
            Some(&organizer.token().await),
            &json!({"minutes": 181, "reason": "多算"}),
        )
        .await;
    assert_eq!(error_code(too_long).await, "invalid_minutes");
    // 40 minutes over the 140 present is an adjustment beyond the county's own say (more than
    // 30 minutes): confirmed, it is held for a second person at the city, and counts nothing yet.
    let adjustment = json!({"minutes": 180, "reason": "提前到场布置，按全程计"});
    let held = app.post_json(&path, Some(&organizer.token().await), &adjustment).await;
    assert_eq!(held.status(), StatusCode::OK);
    let held = json_of(held).await;
    assert_eq!(
        (held["state"].as_str(), held["version"].as_i64()),
        (Some("awaiting_second"), Some(2))
    );
    assert_eq!(my_hours(&app, &volunteer).await["confirmed_minutes"], 0);
    let again = app.post_json(&path, Some(&organizer.token().await), &json!({})).await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    let second = format!("/api/v1/records/{record}/second-approval");
    let by_organizer = app
        .post_json(&second, Some(&organizer.token().await), &json!({"approve": true}))
        .await;
    assert_eq!(
        by_organizer.status(),
        StatusCode::NOT_FOUND,
        "the county is not above itself"
    );
    let city = staff(&app, Role::CityAdmin, "140800").await;
    let approved = app
        .post_json(&second, Some(&city.token().await), &json!({"approve": true}))
        .await;
    assert_eq!(approved.status(), StatusCode::OK);
    assert_eq!(json_of(approved).await["state"], "confirmed");

    let after = my_hours(&app, &volunteer).await;
    assert_eq!(after["confirmed_minutes"], 180);
    assert_eq!(after["confirmed_hours"], "3.0");
    let versions = after["records"][0]["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 3, "the first version stays visible");
    assert_eq!(
        (versions[0]["state"].as_str(), versions[0]["minutes"].as_i64()),
        (Some("pending"), Some(140))
    );
    assert_eq!(versions[1]["reason"], "提前到场布置，按全程计");
    assert_eq!(
        versions[1]["adjusted_from"], 140,
        "shown as an adjustment over the presence"
    );
    assert_eq!(versions[0]["adjusted_from"], serde_json::Value::Null);
    assert_eq!(
        versions[1]["approved_by"],
        serde_json::Value::Null,
        "held, not approved"
    );
    assert!(versions[2]["approved_by"].as_str().is_some());
    let actions: Vec<_> = versions.iter().map(|v| v["action"].as_str()).collect();
    assert_eq!(actions, [Some("entered"), Some("confirm"), Some("approve")]);

    let roster = json_of(
        app.get(
            &format!("/api/v1/activities/{activity}/roster"),
            Some(&organizer.token().await),
        )
        .await,
    )
    .await;
    assert_eq!(roster[0]["state"], "attended");
    assert_eq!(roster[0]["record_state"], "confirmed");
}

#[tokio::test]
async fn the_six_digit_code_checks_in_and_wrong_codes_are_throttled() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let organizer = staff(&app, Role::CenterAdmin, "140824").await;
    let volunteer = logins(&app, 1, 7200).await.remove(0);
    let activity = morning_activity(&app, json!({})).await;
    sign_up(&app, &volunteer, activity).await;
    advance_to(&app, "2026-12-06T08:05:00+08:00");
    let code = pass(&app, &organizer, activity).await["code"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(code.len(), 6);
    let wrong = if code == "000000" { "000001" } else { "000000" };
    for _ in 0..9 {
        let refused = attend(&app, &volunteer, activity, "check-in", json!({"code": wrong})).await;
        assert_eq!(error_code(refused).await, "invalid_checkin_code");
    }
    let right = attend(&app, &volunteer, activity, "check-in", json!({"code": code})).await;
    assert_eq!(right.status(), StatusCode::OK, "the tenth try, right, is let through");
    assert_eq!(json_of(right).await["check_in_method"], "code");
    for _ in 0..10 {
        attend(&app, &volunteer, activity, "check-out", json!({"code": wrong})).await;
    }
    let locked = attend(&app, &volunteer, activity, "check-out", json!({"code": code})).await;
    assert_eq!(
        locked.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "even the right code while locked"
    );
}

#[tokio::test]
async fn a_geofenced_activity_needs_the_phone_nearby_and_keeps_only_the_distance() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let organizer = staff(&app, Role::CenterAdmin, "140824").await;
    let volunteer = logins(&app, 1, 7300).await.remove(0);
    let activity = morning_activity(&app, json!({"latitude": 35.6, "longitude": 110.97, "geofence_m": 200})).await;
    sign_up(&app, &volunteer, activity).await;
    advance_to(&app, "2026-12-06T07:50:00+08:00");
    let token = pass(&app, &organizer, activity).await["token"].clone();
    let nowhere = attend(&app, &volunteer, activity, "check-in", json!({"token": token})).await;
    assert_eq!(error_code(nowhere).await, "location_required");
    let far = json!({"token": token, "latitude": 35.61, "longitude": 110.97});
    let far = attend(&app, &volunteer, activity, "check-in", far).await;
    assert_eq!(error_code(far).await, "outside_geofence");
    let near = json!({"token": token, "latitude": 35.601, "longitude": 110.97});
    let near = attend(&app, &volunteer, activity, "check-in", near).await;
    assert_eq!(near.status(), StatusCode::OK);
    let near = json_of(near).await;
    assert_eq!(near["inside_geofence"], true);
    assert_eq!(near["distance_m"], 111);
    assert!(near.get("latitude").is_none(), "no position is returned or kept");
}

#[tokio::test]
async fn the_organizer_checks_people_in_by_hand_and_outsiders_cannot() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let organizer = staff(&app, Role::CenterAdmin, "140824").await;
    let neighbour = staff(&app, Role::CenterAdmin, "140825").await;
    let tokens = logins(&app, 2, 7400).await;
    let activity = morning_activity(&app, json!({})).await;
    sign_up(&app, &tokens[0], activity).await;
    let roster = json_of(
        app.get(
            &format!("/api/v1/activities/{activity}/roster"),
            Some(&organizer.token().await),
        )
        .await,
    )
    .await;
    let volunteer = roster[0]["volunteer_id"].as_i64().unwrap();
    advance_to(&app, "2026-12-06T08:00:00+08:00");
    let path = format!("/api/v1/activities/{activity}/attendance");
    let body = json!({"volunteer_id": volunteer, "direction": "check_in"});
    let outsider = app.post_json(&path, Some(&neighbour.token().await), &body).await;
    assert_eq!(outsider.status(), StatusCode::NOT_FOUND);
    let by_volunteer = app.post_json(&path, Some(&tokens[1].token().await), &body).await;
    assert_eq!(by_volunteer.status(), StatusCode::FORBIDDEN);
    let done = app.post_json(&path, Some(&organizer.token().await), &body).await;
    assert_eq!(done.status(), StatusCode::OK);
    assert_eq!(json_of(done).await["check_in_method"], "manual");
    advance_to(&app, "2026-12-06T11:30:00+08:00");
    let out = json!({"volunteer_id": volunteer, "direction": "check_out"});
    let out = json_of(app.post_json(&path, Some(&organizer.token().await), &out).await).await;
    assert_eq!(out["minutes"], 180, "clipped to the activity's end");
    let audit = json_of(
        app.get("/api/v1/audit?region=140824", Some(&organizer.token().await))
            .await,
    )
    .await;
    let summaries = audit.to_string();
    assert!(summaries.contains("attendance.checked_in_by_hand"), "{summaries}");
    // Someone not signed up cannot be checked in, even by hand.
    let stranger = json!({"volunteer_id": volunteer + 1_000_000, "direction": "check_in"});
    let refused = app.post_json(&path, Some(&organizer.token().await), &stranger).await;
    assert_eq!(error_code(refused).await, "not_signed_up");
}

#[tokio::test]
async fn a_forgotten_check_out_becomes_a_make_up_record_capped_at_the_activity() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let organizer = staff(&app, Role::CenterAdmin, "140824").await;
    let volunteer = logins(&app, 1, 7500).await.remove(0);
    let first = morning_activity(&app, json!({})).await;
    let second = afternoon_activity(&app).await;
    sign_up(&app, &volunteer, first).await;
    sign_up(&app, &volunteer, second).await;
    advance_to(&app, "2026-12-06T08:00:00+08:00");
    let token = pass(&app, &organizer, first).await["token"].clone();
    attend(&app, &volunteer, first, "check-in", json!({"token": token})).await;
    advance_to(&app, "2026-12-06T13:50:00+08:00");
    let token = pass(&app, &organizer, second).await["token"].clone();
    let response = attend(&app, &volunteer, second, "check-in", json!({"token": token})).await;
    assert_eq!(response.status(), StatusCode::OK);
    let hours = my_hours(&app, &volunteer).await;
    let makeup = &hours["records"].as_array().unwrap()[0];
    assert_eq!(makeup["source"], "makeup");
    assert_eq!(makeup["state"], "pending");
    assert_eq!(makeup["minutes"], 180, "never more than the activity lasted");
    // Time nobody measured: flagged, so its confirmation is held for a second person.
    let record = makeup["id"].as_i64().unwrap();
    let confirm = format!("/api/v1/records/{record}/confirm");
    let held = json_of(
        app.post_json(&confirm, Some(&organizer.token().await), &json!({}))
            .await,
    )
    .await;
    assert_eq!(held["state"], "awaiting_second");
}

#[tokio::test]
async fn corrections_and_missing_records_are_new_versions_naming_who_asked_and_who_approved() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let organizer = staff(&app, Role::CenterAdmin, "140824").await;
    let volunteer = logins(&app, 1, 7600).await.remove(0);
    let activity = morning_activity(&app, json!({})).await;
    let other = afternoon_activity(&app).await;
    let record = attended_record(&app, &organizer, &volunteer, activity).await;
    let confirm = format!("/api/v1/records/{record}/confirm");
    assert_eq!(
        app.post_json(&confirm, Some(&organizer.token().await), &json!({}))
            .await
            .status(),
        StatusCode::OK
    );

    let path = format!("/api/v1/records/{record}/corrections");
    let unexplained = app
        .post_json(
            &path,
            Some(&volunteer.token().await),
            &json!({"minutes": 180, "reason": " "}),
        )
        .await;
    assert_eq!(error_code(unexplained).await, "reason_required");
    let asked = app
        .post_json(
            &path,
            Some(&volunteer.token().await),
            &json!({"minutes": 180, "reason": "我八点前就到了，签到晚了"}),
        )
        .await;
    assert_eq!(asked.status(), StatusCode::CREATED);
    let request = json_of(asked).await["id"].as_i64().unwrap();
    let twice = app
        .post_json(
            &path,
            Some(&volunteer.token().await),
            &json!({"minutes": 170, "reason": "再问"}),
        )
        .await;
    assert_eq!(error_code(twice).await, "correction_exists");

    let decide = format!("/api/v1/corrections/{request}/decision");
    let bare_denial = app
        .post_json(&decide, Some(&organizer.token().await), &json!({"approve": false}))
        .await;
    assert_eq!(error_code(bare_denial).await, "reason_required");
    let by_volunteer = app
        .post_json(&decide, Some(&volunteer.token().await), &json!({"approve": true}))
        .await;
    assert_eq!(by_volunteer.status(), StatusCode::FORBIDDEN);
    // 180 minutes for 140 present is an adjustment beyond the county's own say: the organizer
    // endorses it, and someone at the city decides it.
    let approval = json!({"approve": true, "note": "核对签到表属实"});
    let endorsed = json_of(app.post_json(&decide, Some(&organizer.token().await), &approval).await).await;
    assert_eq!(
        (endorsed["state"].as_str(), endorsed["awaiting_level_above"].as_bool()),
        (Some("open"), Some(true))
    );
    assert_eq!(my_hours(&app, &volunteer).await["confirmed_minutes"], 140);
    let twice = app.post_json(&decide, Some(&organizer.token().await), &approval).await;
    assert_eq!(error_code(twice).await, "adjustment_needs_level_above");
    let city = staff(&app, Role::CityAdmin, "140800").await;
    let reviews = json_of(
        app.get("/api/v1/regions/140800/record-reviews", Some(&city.token().await))
            .await,
    )
    .await;
    assert_eq!(reviews["endorsed_corrections"][0]["id"], request);
    let approved = app.post_json(&decide, Some(&city.token().await), &approval).await;
    assert_eq!(approved.status(), StatusCode::OK);
    assert_eq!(json_of(approved).await["state"], "approved");

    let hours = my_hours(&app, &volunteer).await;
    assert_eq!(hours["confirmed_minutes"], 180);
    let versions = hours["records"][0]["versions"].as_array().unwrap().clone();
    assert_eq!(versions.len(), 3);
    assert_eq!(versions[2]["reason"], "我八点前就到了，签到晚了");
    assert_ne!(versions[2]["requested_by"], versions[2]["approved_by"]);
    assert_eq!(versions[1]["minutes"], 140, "the replaced version is kept");
    assert_eq!(versions[2]["adjusted_from"], 140);
    let actions: Vec<_> = versions.iter().map(|v| v["action"].as_str()).collect();
    assert_eq!(actions, [Some("entered"), Some("confirm"), Some("correct")]);

    // A missing record: reported by a volunteer who held a place, endorsed by the organizer
    // and approved at the city (time nobody measured is an adjustment over none).
    let report = format!("/api/v1/activities/{other}/missing-record");
    let body = json!({"minutes": 120, "reason": "纸质签到，平台上没有记录"});
    let not_signed_up = app.post_json(&report, Some(&volunteer.token().await), &body).await;
    assert_eq!(error_code(not_signed_up).await, "not_signed_up");
    sign_up(&app, &volunteer, other).await;
    advance_to(&app, AFTERNOON_ENDS);
    let reported = app.post_json(&report, Some(&volunteer.token().await), &body).await;
    assert_eq!(reported.status(), StatusCode::CREATED);
    let request = json_of(reported).await["id"].as_i64().unwrap();
    let decide = format!("/api/v1/corrections/{request}/decision");
    let endorsed = json_of(
        app.post_json(&decide, Some(&organizer.token().await), &json!({"approve": true}))
            .await,
    )
    .await;
    assert_eq!(endorsed["awaiting_level_above"], true);
    app.post_json(&decide, Some(&city.token().await), &json!({"approve": true}))
        .await;
    let hours = my_hours(&app, &volunteer).await;
    assert_eq!(hours["confirmed_minutes"], 300);
    let sources: Vec<&str> = hours["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["source"].as_str())
        .collect();
    assert!(sources.contains(&"reported"), "{sources:?}");
}

/// A real 2×2 PNG (a photo of a sign sheet, as far as the upload rules go).
pub(crate) const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00,
    0x02, 0x00, 0x00, 0x00, 0x02, 0x08, 0x02, 0x00, 0x00, 0x00, 0xfd, 0xd4, 0x9a, 0x73, 0x00, 0x00, 0x00, 0x11, 0x49,
    0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xc0, 0xf0, 0x1f, 0x8c, 0x80, 0x18, 0x00, 0x1d, 0xf0, 0x03,
    0xfd, 0xd3, 0xd0, 0x7d, 0x26, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

pub(crate) async fn backfill(
    app: &TestApp,
    who: &Login<'_>,
    activity: i64,
    volunteer: i64,
    evidence: &[u8],
) -> reqwest::Response {
    let path = format!(
        "/api/v1/records/backfill?activity_id={activity}&volunteer_id={volunteer}&minutes=120&reason=%E7%BA%B8%E8%B4%A8%E7%AD%BE%E5%88%B0%E8%A1%A8&file_name=sheet.png"
    );
    app.post_bytes(
        &path,
        Some(&who.token().await),
        "application/octet-stream",
        evidence.to_vec(),
    )
    .await
}

#[tokio::test]
async fn a_backfill_needs_evidence_and_a_second_approver_from_the_site_above() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let county = staff(&app, Role::CenterAdmin, "140824").await;
    let city = staff(&app, Role::CityAdmin, "140800").await;
    let volunteer_token = logins(&app, 1, 7700).await.remove(0);
    let volunteer = my_hours(&app, &volunteer_token).await["volunteer_id"].as_i64().unwrap();
    let activity = morning_activity(&app, json!({})).await;
    let other = morning_activity(&app, json!({})).await;
    advance_to(&app, "2026-12-07T09:00:00+08:00");

    let none = backfill(&app, &county, activity, volunteer, b"").await;
    assert_eq!(error_code(none).await, "evidence_required");
    let text = backfill(&app, &county, activity, volunteer, b"just words, no sheet").await;
    assert_eq!(text.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // A PNG's first bytes on a damaged body: known by its content, refused when it does not decode.
    let damaged = backfill(
        &app,
        &county,
        activity,
        volunteer,
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR-torn",
    )
    .await;
    assert_eq!(error_code(damaged).await, "unreadable_upload");
    let mut huge = PNG.to_vec();
    huge.resize(10 * 1024 * 1024 + 1, 0);
    let huge = backfill(&app, &county, activity, volunteer, &huge).await;
    assert_eq!(huge.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(error_code(huge).await, "evidence_too_large");

    let entered = backfill(&app, &county, activity, volunteer, PNG).await;
    assert_eq!(entered.status(), StatusCode::CREATED);
    let entered = json_of(entered).await;
    assert_eq!(
        (entered["state"].as_str(), entered["source"].as_str()),
        (Some("awaiting_second"), Some("backfill"))
    );
    let record = entered["id"].as_i64().unwrap();
    assert_eq!(my_hours(&app, &volunteer_token).await["confirmed_minutes"], 0);

    let reviews = json_of(
        app.get("/api/v1/regions/140800/record-reviews", Some(&city.token().await))
            .await,
    )
    .await;
    assert_eq!(reviews["awaiting_second_approval"][0]["record_id"], record);
    let approve = format!("/api/v1/records/{record}/second-approval");
    // The county admin who entered it is not above the organizing site; a sibling county neither.
    let own = app
        .post_json(&approve, Some(&county.token().await), &json!({"approve": true}))
        .await;
    assert_eq!(own.status(), StatusCode::NOT_FOUND);
    let sibling = staff(&app, Role::CenterAdmin, "140825").await;
    let sibling = app
        .post_json(&approve, Some(&sibling.token().await), &json!({"approve": true}))
        .await;
    assert_eq!(sibling.status(), StatusCode::NOT_FOUND);
    let evidence = app
        .get(&format!("/api/v1/records/{record}/evidence"), Some(&city.token().await))
        .await;
    assert_eq!(evidence.status(), StatusCode::OK);
    assert_eq!(evidence.headers()["content-type"], "image/png");
    assert_eq!(
        evidence.headers()["content-disposition"],
        format!("attachment; filename=\"evidence-{record}.png\""),
        "a name of our own, never the uploader's"
    );
    assert_eq!(evidence.headers()["x-content-type-options"], "nosniff");
    let kept = evidence.bytes().await.unwrap();
    assert!(
        kept.starts_with(&PNG[..8]),
        "the image was encoded again and kept as a PNG"
    );
    let approved = app
        .post_json(&approve, Some(&city.token().await), &json!({"approve": true}))
        .await;
    assert_eq!(approved.status(), StatusCode::OK);
    assert_eq!(json_of(approved).await["state"], "confirmed");
    let hours = my_hours(&app, &volunteer_token).await;
    assert_eq!(hours["confirmed_minutes"], 120);
    assert_eq!(hours["records"][0]["source"], "backfill", "shown as backfilled");

    // A city admin who enters a backfill cannot be its second approver too.
    let own = json_of(backfill(&app, &city, other, volunteer, PNG).await).await;
    let path = format!("/api/v1/records/{}/second-approval", own["id"]);
    let refused = app
        .post_json(&path, Some(&city.token().await), &json!({"approve": true}))
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(error_code(refused).await, "same_approver");
}

#[tokio::test]
async fn activities_with_unconfirmed_records_are_overdue_after_ten_working_days() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let organizer = staff(&app, Role::CenterAdmin, "140824").await;
    let volunteer = logins(&app, 1, 7800).await.remove(0);
    let activity = morning_activity(&app, json!({})).await;
    attended_record(&app, &organizer, &volunteer, activity).await;
    // Sunday 6 December: ten working days are 7–11 and 14–18 December, but the 16th is a holiday
    // in this deployment's table and Saturday the 19th is worked instead, so the 19th is the last.
    let day = |d: &str| time::Date::parse(d, time::macros::format_description!("[year]-[month]-[day]")).unwrap();
    let services = app.services();
    services
        .set_calendar_day(&Actor::System, day("2026-12-16"), true)
        .await
        .unwrap();
    services
        .set_calendar_day(&Actor::System, day("2026-12-19"), false)
        .await
        .unwrap();
    advance_to(&app, "2026-12-19T20:00:00+08:00");
    let reviews = json_of(
        app.get("/api/v1/regions/140824/record-reviews", Some(&organizer.token().await))
            .await,
    )
    .await;
    assert_eq!(reviews["overdue"].as_array().unwrap().len(), 0, "{reviews}");
    advance_to(&app, "2026-12-20T09:00:00+08:00");
    let reviews = json_of(
        app.get("/api/v1/regions/140824/record-reviews", Some(&organizer.token().await))
            .await,
    )
    .await;
    assert_eq!(reviews["overdue"][0]["activity_id"], activity);
    assert_eq!(reviews["overdue"][0]["deadline"], "2026-12-19");
    assert_eq!(reviews["overdue"][0]["unconfirmed_records"], 1);
    let elsewhere = staff(&app, Role::CenterAdmin, "140825").await;
    let theirs = json_of(
        app.get("/api/v1/regions/140825/record-reviews", Some(&elsewhere.token().await))
            .await,
    )
    .await;
    assert_eq!(theirs["overdue"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn only_the_volunteer_and_staff_in_scope_read_hours_and_only_staff_confirm() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let organizer = staff(&app, Role::CenterAdmin, "140824").await;
    let tokens = logins(&app, 2, 7900).await;
    let activity = morning_activity(&app, json!({})).await;
    let record = attended_record(&app, &organizer, &tokens[0], activity).await;
    let confirm = format!("/api/v1/records/{record}/confirm");
    let by_volunteer = app
        .post_json(&confirm, Some(&tokens[0].token().await), &json!({}))
        .await;
    assert_eq!(by_volunteer.status(), StatusCode::FORBIDDEN);
    let outsider = staff(&app, Role::CenterAdmin, "140825").await;
    let by_outsider = app.post_json(&confirm, Some(&outsider.token().await), &json!({})).await;
    assert_eq!(by_outsider.status(), StatusCode::NOT_FOUND);
    let volunteer = my_hours(&app, &tokens[0]).await["volunteer_id"].as_i64().unwrap();
    let path = format!("/api/v1/volunteers/{volunteer}/hours");
    assert_eq!(
        app.get(&path, Some(&organizer.token().await)).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.get(&path, Some(&outsider.token().await)).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&path, Some(&tokens[1].token().await)).await.status(),
        StatusCode::NOT_FOUND
    );
    let reject = format!("/api/v1/records/{record}/reject");
    let response = app
        .request(
            Method::POST,
            &reject,
            Some(&organizer.token().await),
            Some(&json!({"reason": "当天未见到本人"})),
        )
        .await;
    assert_eq!(json_of(response).await["state"], "rejected");
    assert_eq!(my_hours(&app, &tokens[0]).await["confirmed_minutes"], 0);
}

async fn reviews(app: &TestApp, who: &Login<'_>, region: &str) -> Value {
    let response = app
        .get(
            &format!("/api/v1/regions/{region}/record-reviews"),
            Some(&who.token().await),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    json_of(response).await
}

fn kinds(reviews: &Value) -> Vec<String> {
    let mut kinds: Vec<String> = reviews["anomalies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap().to_owned())
        .collect();
    kinds.sort();
    kinds
}

#[tokio::test]
async fn suspicious_records_are_flagged_for_review_and_resolved_only_with_a_note() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let county = staff(&app, Role::CenterAdmin, "140824").await;
    let volunteer = logins(&app, 1, 8300).await.remove(0);
    // Two activities at the same time, and one of fourteen hours.
    let first = morning_activity(&app, json!({})).await;
    let second = morning_activity(&app, json!({})).await;
    let long = activity_with(
        &app,
        json!({"starts_at": "2026-12-07T06:00:00+08:00", "ends_at": "2026-12-07T20:00:00+08:00", "capacity": 5}),
    )
    .await;
    let city = staff(&app, Role::CityAdmin, "140800").await;
    sign_up(&app, &volunteer, first).await;
    sign_up(&app, &volunteer, long).await;
    let volunteer_id = first_on_roster(&app, &county, first).await;
    advance_to(&app, "2026-12-08T09:00:00+08:00");
    let report = |activity: i64, minutes: i64| {
        let (app, volunteer, county, city) = (&app, &volunteer, &county, &city);
        async move {
            let path = format!("/api/v1/activities/{activity}/missing-record");
            let body = json!({"minutes": minutes, "reason": "纸质签到"});
            let request = json_of(app.post_json(&path, Some(&volunteer.token().await), &body).await).await;
            approve_request(app, request["id"].as_i64().unwrap(), (county, city)).await;
        }
    };
    report(first, 180).await;
    // The same morning elsewhere, on paper: a backfill.
    let entered = backfill(&app, &county, second, volunteer_id, PNG).await;
    assert_eq!(entered.status(), StatusCode::CREATED);
    report(long, 13 * 60).await;
    let found = reviews(&app, &county, "140824").await;
    assert_eq!(
        kinds(&found),
        ["long_day", "no_checkin", "no_checkin", "no_checkin", "two_places"],
        "{found}"
    );
    let elsewhere = staff(&app, Role::CenterAdmin, "140825").await;
    assert!(kinds(&reviews(&app, &elsewhere, "140825").await).is_empty());

    let flag = found["anomalies"][0]["id"].as_i64().unwrap();
    let path = format!("/api/v1/anomalies/{flag}/resolve");
    let silent = app
        .post_json(&path, Some(&county.token().await), &json!({"note": ""}))
        .await;
    assert_eq!(error_code(silent).await, "reason_required", "never resolved silently");
    let outsider = app
        .post_json(&path, Some(&elsewhere.token().await), &json!({"note": "看过"}))
        .await;
    assert_eq!(outsider.status(), StatusCode::NOT_FOUND);
    let resolved = app
        .post_json(
            &path,
            Some(&county.token().await),
            &json!({"note": "已电话核实，确为全天值守"}),
        )
        .await;
    assert_eq!(resolved.status(), StatusCode::OK);
    let resolved = json_of(resolved).await;
    assert_eq!(resolved["state"], "resolved");
    assert_eq!(resolved["resolution_note"], "已电话核实，确为全天值守");
    assert_eq!(
        reviews(&app, &county, "140824").await["anomalies"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
}

#[tokio::test]
async fn one_person_entering_many_backfills_in_a_day_is_flagged() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let county = app.account(Role::CenterAdmin, Some("140824")).await;
    let mut services = app.fresh_services().await;
    services.settings.backfills_per_day = 2;
    let actor = services
        .actor_of(hongmajia_domain::AccountId(county.account_id))
        .await
        .unwrap();
    let activity = morning_activity(&app, json!({})).await;
    advance_to(&app, "2026-12-07T09:00:00+08:00");
    let evidence = hongmajia_services::records::Evidence {
        file_name: "sheet.png",
        bytes: PNG,
    };
    let mut flagged = Vec::new();
    for serial in 0..4 {
        let volunteer = crate::helpers::registered_volunteer(&app, "140824001001", 8400 + serial).await;
        let input = hongmajia_services::records::BackfillInput {
            activity_id: ActivityId(activity),
            volunteer_id: VolunteerId(volunteer),
            minutes: 60,
            reason: "纸质签到表".into(),
        };
        let made = services.backfill(&actor, &input, &evidence).await.unwrap();
        let reviews = services.record_reviews(&Actor::System, "140800").await.unwrap();
        flagged.push(
            reviews
                .anomalies
                .iter()
                .any(|f| f.kind.as_str() == "bulk_backfill" && f.record_id == made.id),
        );
    }
    assert_eq!(flagged, [false, false, true, true], "the third and fourth of the day");
}

#[tokio::test]
async fn an_activity_counts_time_by_its_own_rule_and_a_lecture_records_its_audience() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let organizer = staff(&app, Role::CenterAdmin, "140824").await;
    let volunteer = logins(&app, 1, 8500).await.remove(0);
    // Whole half hours only (a remainder under 30 minutes counts nothing), no least presence.
    let counting = json!({"nothing_up_to": 29, "half_up_to": 59, "min_presence_percent": 0});
    let activity = morning_activity(
        &app,
        json!({"counting": counting, "kind": "lecture", "insured": true, "checkin_opens_before_min": 45}),
    )
    .await;
    let shown = json_of(
        app.get(
            &format!("/api/v1/activities/{activity}"),
            Some(&volunteer.token().await),
        )
        .await,
    )
    .await;
    assert_eq!(shown["counting"], counting);
    assert_eq!(shown["insured"], true);
    assert_eq!(shown["checkin_opens_before_min"], 45);
    let service = morning_activity(&app, json!({})).await;
    let record = attended_record(&app, &organizer, &volunteer, activity).await;
    let hours = my_hours(&app, &volunteer).await;
    // Present 08:00–10:20: 140 minutes = 2 h 20 min → 2 h under this rule (all 140 minutes under the default).
    assert_eq!(hours["records"][0]["id"], record);
    assert_eq!(hours["records"][0]["minutes"], 120);

    let path = format!("/api/v1/activities/{activity}/audience");
    let negative = app
        .post_json(&path, Some(&organizer.token().await), &json!({"audience_count": -1}))
        .await;
    assert_eq!(error_code(negative).await, "invalid_audience");
    let done = app
        .post_json(&path, Some(&organizer.token().await), &json!({"audience_count": 86}))
        .await;
    assert_eq!(done.status(), StatusCode::OK);
    assert_eq!(json_of(done).await["audience_count"], 86);

    let bad = json!({"nothing_up_to": 50, "half_up_to": 40, "min_presence_percent": 60});
    let input: hongmajia_services::activities::ActivityInput = serde_json::from_value(json!({
        "project_id": shown["project_id"], "title": "规则颠倒", "starts_at": "2026-12-20T08:00:00+08:00",
        "ends_at": "2026-12-20T11:00:00+08:00", "capacity": 5, "counting": bad}))
    .unwrap();
    let refused = app
        .services()
        .create_activity(&Actor::System, &input)
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Some(hongmajia_domain::ErrorCode::InvalidMinutes));
    let not_a_lecture = format!("/api/v1/activities/{service}/audience");
    let refused = app
        .post_json(
            &not_a_lecture,
            Some(&organizer.token().await),
            &json!({"audience_count": 3}),
        )
        .await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
}

#[tokio::test]
async fn confirmed_hours_give_the_star_level_shown_on_the_profile_and_in_lists() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let county = staff(&app, Role::CenterAdmin, "140824").await;
    let volunteer = logins(&app, 1, 8600).await.remove(0);
    // A five-day relief operation: 99.5 hours are one short of the first star, 100 reach it.
    let relief = activity_with(
        &app,
        json!({"starts_at": "2026-11-30T00:00:00+08:00", "ends_at": "2026-12-05T00:00:00+08:00", "capacity": 50}),
    )
    .await;
    let city = staff(&app, Role::CityAdmin, "140800").await;
    sign_up(&app, &volunteer, relief).await;
    advance_to(&app, "2026-12-06T09:00:00+08:00");
    let path = format!("/api/v1/activities/{relief}/missing-record");
    let body = json!({"minutes": 99 * 60 + 30, "reason": "抗洪抢险值守"});
    let request = json_of(app.post_json(&path, Some(&volunteer.token().await), &body).await).await;
    approve_request(&app, request["id"].as_i64().unwrap(), (&county, &city)).await;
    let me = json_of(app.get("/api/v1/me/volunteer", Some(&volunteer.token().await)).await).await;
    assert_eq!(
        (me["confirmed_hours"].as_str(), me["star_level"].as_i64()),
        (Some("99.5"), Some(0))
    );

    let record = my_hours(&app, &volunteer).await["records"][0]["id"].as_i64().unwrap();
    let ask = format!("/api/v1/records/{record}/corrections");
    let body = json!({"minutes": 100 * 60, "reason": "交接班半小时漏记"});
    let asked = json_of(app.post_json(&ask, Some(&volunteer.token().await), &body).await).await;
    approve_request(&app, asked["id"].as_i64().unwrap(), (&county, &city)).await;
    let list = json_of(
        app.get("/api/v1/volunteers?region=140824", Some(&county.token().await))
            .await,
    )
    .await;
    let listed = list["volunteers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == me["id"])
        .unwrap()
        .clone();
    assert_eq!(
        (listed["confirmed_hours"].as_str(), listed["star_level"].as_i64()),
        (Some("100.0"), Some(1))
    );
    assert_eq!(my_hours(&app, &volunteer).await["star_level"], 1);
}

#[tokio::test]
async fn confirmed_sign_ups_with_no_check_in_become_no_shows_after_the_end() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let organizer = staff(&app, Role::CenterAdmin, "140824").await;
    let people = logins(&app, 2, 8700).await;
    let activity = morning_activity(&app, json!({})).await;
    sign_up(&app, &people[1], activity).await;
    attended_record(&app, &organizer, &people[0], activity).await;
    assert_eq!(app.services().mark_no_shows().await.unwrap(), 0, "not before the end");
    advance_to(&app, "2026-12-06T11:30:00+08:00");
    assert_eq!(app.services().mark_no_shows().await.unwrap(), 1);
    let counts = app.services().signup_counts(ActivityId(activity)).await.unwrap().2;
    let mut counts = counts;
    counts.sort();
    assert_eq!(counts, [(SignupState::Attended, 1), (SignupState::NoShow, 1)]);
    assert_eq!(app.services().mark_no_shows().await.unwrap(), 0, "once");
}

#[tokio::test]
async fn an_activity_may_open_check_in_earlier_than_thirty_minutes_before() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let organizer = staff(&app, Role::CenterAdmin, "140824").await;
    let people = logins(&app, 2, 8800).await;
    let early = morning_activity(&app, json!({"checkin_opens_before_min": 45})).await;
    let usual = morning_activity(&app, json!({})).await;
    sign_up(&app, &people[0], early).await;
    sign_up(&app, &people[1], usual).await;
    advance_to(&app, "2026-12-06T07:20:00+08:00");
    let token = pass(&app, &organizer, early).await["token"].clone();
    let ok = attend(&app, &people[0], early, "check-in", json!({"token": token})).await;
    assert_eq!(ok.status(), StatusCode::OK, "40 minutes before, within its 45");
    let token = pass(&app, &organizer, usual).await["token"].clone();
    let shut = attend(&app, &people[1], usual, "check-in", json!({"token": token})).await;
    assert_eq!(error_code(shut).await, "outside_checkin_window");
}
