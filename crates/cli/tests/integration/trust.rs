//! Trust 1: the rules that keep hours honest against insiders — nobody decides on their own
//! hours, only final records count, and the counting bugs stay closed.

use crate::helpers::{TestApp, error_code};
use crate::records::{
    advance_to, attend, attended_record, json_of, logins, morning_activity, my_hours, pass, sign_up, staff,
};
use hongmajia_domain::Role;
use reqwest::StatusCode;
use serde_json::json;

/// Revoked hours do not come back: a correction asked while the record stood, approved after a
/// reviewer revoked it for fraud, is refused and the record stays revoked.
#[tokio::test]
async fn a_revoked_record_takes_no_correction() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let organizer = staff(&app, Role::CenterAdmin, "140824").await;
    let reviewer = staff(&app, Role::CenterAdmin, "140824").await;
    let volunteer = logins(&app, 1, 9100).await.remove(0);
    let activity = morning_activity(&app, json!({})).await;
    let record = attended_record(&app, &organizer, &volunteer, activity).await;
    let confirm = format!("/api/v1/records/{record}/confirm");
    let confirmed = app
        .post_json(&confirm, Some(&organizer.token().await), &json!({}))
        .await;
    assert_eq!(confirmed.status(), StatusCode::OK);
    let ask = format!("/api/v1/records/{record}/corrections");
    let body = json!({"minutes": 180, "reason": "我七点四十就到了"});
    let asked = app.post_json(&ask, Some(&volunteer.token().await), &body).await;
    assert_eq!(asked.status(), StatusCode::CREATED);
    let request = json_of(asked).await["id"].as_i64().unwrap();

    let revoke = format!("/api/v1/records/{record}/revoke");
    let body = json!({"reason": "签到表系伪造"});
    let revoked = app.post_json(&revoke, Some(&reviewer.token().await), &body).await;
    assert_eq!(revoked.status(), StatusCode::OK);
    let decide = format!("/api/v1/corrections/{request}/decision");
    let approved = app
        .post_json(&decide, Some(&organizer.token().await), &json!({"approve": true}))
        .await;
    assert_eq!(approved.status(), StatusCode::CONFLICT);
    assert_eq!(error_code(approved).await, "invalid_transition");

    let hours = my_hours(&app, &volunteer).await;
    assert_eq!(hours["confirmed_minutes"], 0, "the hours stay taken back");
    assert_eq!(hours["records"][0]["state"], "revoked");
}

/// A volunteer checked in at one activity holds that time: an overlapping sign-up is refused.
#[tokio::test]
async fn a_volunteer_checked_in_at_one_activity_cannot_sign_up_for_an_overlapping_one() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let organizer = staff(&app, Role::CenterAdmin, "140824").await;
    let volunteer = logins(&app, 1, 9110).await.remove(0);
    let morning = morning_activity(&app, json!({})).await;
    let overlapping = morning_activity(
        &app,
        json!({"starts_at": "2026-12-06T09:00:00+08:00", "ends_at": "2026-12-06T10:00:00+08:00"}),
    )
    .await;
    sign_up(&app, &volunteer, morning).await;
    advance_to(&app, "2026-12-06T07:40:00+08:00");
    let token = pass(&app, &organizer, morning).await["token"].clone();
    let checked_in = attend(&app, &volunteer, morning, "check-in", json!({"token": token})).await;
    assert_eq!(checked_in.status(), StatusCode::OK);

    let path = format!("/api/v1/activities/{overlapping}/signups");
    let refused = app.post_json(&path, Some(&volunteer.token().await), &json!({})).await;
    assert_eq!(error_code(refused).await, "signup_overlap");
}

/// An activity created more than two hours after its start is after the fact: nobody checks in
/// or out of it, by phone or by hand, or reports time of it; its hours are backfills only.
#[tokio::test]
async fn an_activity_created_after_the_fact_takes_only_backfills() {
    let app = TestApp::spawn().await.with_region_tree().await; // 2026-11-29 16:00 in China
    let county = staff(&app, Role::CenterAdmin, "140824").await;
    let volunteer = logins(&app, 1, 9120).await.remove(0);
    let volunteer_id = crate::helpers::registered_volunteer(&app, "140824001001", 9121).await;
    let afterwards = morning_activity(
        &app,
        json!({"starts_at": "2026-11-29T12:00:00+08:00", "ends_at": "2026-11-29T18:00:00+08:00",
            "signup_closes_at": "2026-11-29T17:00:00+08:00"}),
    )
    .await;
    let live = morning_activity(
        &app,
        json!({"starts_at": "2026-11-29T15:00:00+08:00", "ends_at": "2026-11-29T18:00:00+08:00",
            "signup_closes_at": "2026-11-29T17:00:00+08:00"}),
    )
    .await;
    let read = |id: i64| {
        let app = &app;
        let county = &county;
        async move {
            let path = format!("/api/v1/activities/{id}");
            json_of(app.get(&path, Some(&county.token().await)).await).await
        }
    };
    assert_eq!(read(afterwards).await["after_the_fact"], true);
    assert_eq!(read(live).await["after_the_fact"], false, "an hour late is still live");

    let by_hand = format!("/api/v1/activities/{afterwards}/attendance");
    let body = json!({"volunteer_id": volunteer_id, "direction": "check_in"});
    let refused = app.post_json(&by_hand, Some(&county.token().await), &body).await;
    assert_eq!(error_code(refused).await, "after_the_fact");

    advance_to(&app, "2026-11-29T18:30:00+08:00");
    let report = format!("/api/v1/activities/{afterwards}/missing-record");
    let body = json!({"minutes": 120, "reason": "纸质签到"});
    let refused = app.post_json(&report, Some(&volunteer.token().await), &body).await;
    assert_eq!(error_code(refused).await, "after_the_fact");
    let entered = crate::records::backfill(&app, &county, afterwards, volunteer_id, crate::records::PNG).await;
    assert_eq!(entered.status(), StatusCode::CREATED, "a backfill, with evidence");
    assert_eq!(json_of(entered).await["state"], "awaiting_second");
}

/// What the tables that hold hours say: sign-ups, attendance, records and their versions,
/// requests, flags and projects, row by row.
async fn ledger(app: &TestApp) -> Vec<String> {
    let queries = [
        "SELECT CAST(id AS TEXT) || ' ' || state FROM signups ORDER BY id",
        "SELECT CAST(signup_id AS TEXT) || ' ' || CAST(checked_in_at AS TEXT) || ' ' || COALESCE(CAST(checked_out_at AS TEXT), '-') FROM attendances ORDER BY signup_id",
        "SELECT CAST(id AS TEXT) || ' ' || state || ' ' || CAST(minutes AS TEXT) || ' ' || CAST(version AS TEXT) FROM service_records ORDER BY id",
        "SELECT CAST(COUNT(*) AS TEXT) FROM record_versions",
        "SELECT CAST(id AS TEXT) || ' ' || state FROM correction_requests ORDER BY id",
        "SELECT CAST(id AS TEXT) || ' ' || state FROM anomaly_flags ORDER BY id",
        "SELECT CAST(id AS TEXT) || ' ' || state FROM projects ORDER BY id",
    ];
    let mut rows = Vec::new();
    for sql in queries {
        let found: Vec<String> = match &app.services().db {
            hongmajia_services::Db::Sqlite(pool, _) => sqlx::query_scalar(sql).fetch_all(pool).await.unwrap(),
            hongmajia_services::Db::Pg(pool) => sqlx::query_scalar(sql).fetch_all(pool).await.unwrap(),
        };
        rows.extend(found);
    }
    rows
}

/// Every decision about a volunteer's time, taken by that volunteer: refused with 403
/// `same_approver`, and not a row of the ledger changed.
struct Beneficiary<'a> {
    app: &'a TestApp,
    decided: std::collections::BTreeSet<&'static str>,
}

impl Beneficiary<'_> {
    async fn refused(&mut self, route: &'static str, response: reqwest::Response, before: Vec<String>) {
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{route}");
        assert_eq!(error_code(response).await, "same_approver", "{route}");
        assert_eq!(ledger(self.app).await, before, "{route} changed nothing");
        self.decided.insert(route);
    }
}

/// The write routes that decide on someone's time (the decider may never be that someone).
const DECISIONS: [&str; 10] = [
    "/api/v1/signups/{id}/decision",
    "/api/v1/activities/{id}/attendance",
    "/api/v1/records/{id}/confirm",
    "/api/v1/records/{id}/reject",
    "/api/v1/corrections/{id}/decision",
    "/api/v1/anomalies/{id}/resolve",
    "/api/v1/records/backfill",
    "/api/v1/records/{id}/second-approval",
    "/api/v1/records/{id}/reinstate",
    "/api/v1/projects/{id}/state",
];

/// The other write routes of those areas: a volunteer's own acts (asking is not deciding), and
/// acts that give nobody time (planning, cancelling, revoking).
const NOT_DECISIONS: [&str; 12] = [
    "/api/v1/activities/{id}/signups",
    "/api/v1/signups/{id}/cancel",
    "/api/v1/activities/{id}/check-in",
    "/api/v1/activities/{id}/check-out",
    "/api/v1/activities/{id}/missing-record",
    "/api/v1/records/{id}/corrections",
    "/api/v1/projects",
    "/api/v1/activities",
    "/api/v1/activities/{id}",
    "/api/v1/activities/{id}/audience",
    "/api/v1/activities/{id}/cancel",
    "/api/v1/records/{id}/revoke",
];

async fn post(
    app: &TestApp,
    path: String,
    who: &crate::records::Login<'_>,
    body: serde_json::Value,
) -> reqwest::Response {
    app.post_json(&path, Some(&who.token().await), &body).await
}

/// The review's fraud, route by route: a county admin who is also a volunteer tries every
/// decision on their own time — their sign-up, attendance, records, correction, flag, backfill
/// and project. Each is refused and changes nothing; someone else at the site may. The routes
/// come from the API document, so a new write route in these areas has to say what it is.
#[tokio::test]
async fn nobody_decides_on_their_own_time_through_any_route() {
    use crate::helpers::{ProjectOwner, registration, staff_id_of};
    use crate::records::{ENDS, Login, PNG, backfill};
    let app = TestApp::spawn().await.with_region_tree().await;
    let me_account = app.account(Role::CenterAdmin, Some("140824")).await;
    let me = Login::of(&app, me_account.phone.clone());
    let colleague = staff(&app, Role::CenterAdmin, "140824").await;
    let mut body = registration("140824001001", &staff_id_of(&me_account.phone), "");
    body["birth_date"] = json!("1980-01-01");
    let registered = app
        .post_json("/api/v1/me/volunteer", Some(&me.token().await), &body)
        .await;
    let status = registered.status();
    assert_eq!(
        status,
        StatusCode::CREATED,
        "the admin is a volunteer too: {}",
        registered.text().await.unwrap()
    );
    let my_volunteer = json_of(registered).await["id"].as_i64().unwrap();
    let mut beneficiary = Beneficiary {
        app: &app,
        decided: std::collections::BTreeSet::new(),
    };

    // A sign-up that needs approval, and attendance by hand.
    let activity = morning_activity(&app, json!({"requires_approval": true})).await;
    let other = crate::records::afternoon_activity(&app).await;
    let project = app
        .published_project(ProjectOwner::Site("140824001001"), ("村口文明劝导", "交通劝导"))
        .await;
    let times = json!({"title": "路口劝导", "starts_at": crate::records::STARTS, "ends_at": ENDS, "capacity": 20});
    let village = app.activity_of(project, times).await;
    let held = post(&app, format!("/api/v1/activities/{other}/signups"), &me, json!({})).await;
    assert_eq!(held.status(), StatusCode::CREATED);
    let signed = post(&app, format!("/api/v1/activities/{activity}/signups"), &me, json!({})).await;
    let signup = json_of(signed).await["id"].as_i64().unwrap();
    let decide = format!("/api/v1/signups/{signup}/decision");
    let before = ledger(&app).await;
    let own = post(&app, decide.clone(), &me, json!({"approve": true})).await;
    beneficiary.refused("/api/v1/signups/{id}/decision", own, before).await;
    assert_eq!(
        post(&app, decide, &colleague, json!({"approve": true})).await.status(),
        StatusCode::OK
    );
    let by_hand = json!({"volunteer_id": my_volunteer, "direction": "check_in"});
    let before = ledger(&app).await;
    let own = post(&app, format!("/api/v1/activities/{activity}/attendance"), &me, by_hand).await;
    beneficiary
        .refused("/api/v1/activities/{id}/attendance", own, before)
        .await;

    // My record: neither confirmed nor rejected by me; my correction not decided by me.
    let mut record = 0;
    for (at, direction) in [
        ("2026-12-06T07:40:00+08:00", "check-in"),
        ("2026-12-06T10:20:00+08:00", "check-out"),
    ] {
        advance_to(&app, at);
        let token = pass(&app, &colleague, activity).await["token"].clone();
        let attended = attend(&app, &me, activity, direction, json!({"token": token})).await;
        assert_eq!(attended.status(), StatusCode::OK, "{direction}");
        record = json_of(attended).await["record_id"].as_i64().unwrap_or(0);
    }
    advance_to(&app, ENDS);
    for (route, path, body) in [
        (
            "/api/v1/records/{id}/confirm",
            "confirm",
            json!({"minutes": 180, "reason": "全程"}),
        ),
        ("/api/v1/records/{id}/reject", "reject", json!({"reason": "不算"})),
    ] {
        let before = ledger(&app).await;
        let own = post(&app, format!("/api/v1/records/{record}/{path}"), &me, body).await;
        beneficiary.refused(route, own, before).await;
    }
    let confirm = format!("/api/v1/records/{record}/confirm");
    assert_eq!(
        post(&app, confirm, &colleague, json!({})).await.status(),
        StatusCode::OK
    );
    let body = json!({"minutes": 180, "reason": "我七点四十就到了"});
    let asked = post(&app, format!("/api/v1/records/{record}/corrections"), &me, body).await;
    let request = json_of(asked).await["id"].as_i64().unwrap();
    let before = ledger(&app).await;
    let own = post(
        &app,
        format!("/api/v1/corrections/{request}/decision"),
        &me,
        json!({"approve": true}),
    )
    .await;
    beneficiary
        .refused("/api/v1/corrections/{id}/decision", own, before)
        .await;

    // A reported omission approved by a colleague and the city carries a flag: not mine to
    // resolve.
    advance_to(&app, crate::records::AFTERNOON_ENDS);
    let body = json!({"minutes": 120, "reason": "纸质签到"});
    let reported = post(&app, format!("/api/v1/activities/{other}/missing-record"), &me, body).await;
    let request = json_of(reported).await["id"].as_i64().unwrap();
    let city = staff(&app, Role::CityAdmin, "140800").await;
    crate::records::approve_request(&app, request, (&colleague, &city)).await;
    let reviews = app
        .get("/api/v1/regions/140824/record-reviews", Some(&colleague.token().await))
        .await;
    let flag = json_of(reviews).await["anomalies"][0]["id"].as_i64().unwrap();
    let before = ledger(&app).await;
    let own = post(
        &app,
        format!("/api/v1/anomalies/{flag}/resolve"),
        &me,
        json!({"note": "属实"}),
    )
    .await;
    beneficiary.refused("/api/v1/anomalies/{id}/resolve", own, before).await;

    // A backfill of a village activity: not entered by me for me, not approved by me.
    let before = ledger(&app).await;
    let own = backfill(&app, &me, village, my_volunteer, PNG).await;
    beneficiary.refused("/api/v1/records/backfill", own, before).await;
    let entered = backfill(&app, &colleague, village, my_volunteer, PNG).await;
    let entered = json_of(entered).await["id"].as_i64().unwrap();
    let before = ledger(&app).await;
    let own = post(
        &app,
        format!("/api/v1/records/{entered}/second-approval"),
        &me,
        json!({"approve": true}),
    )
    .await;
    beneficiary
        .refused("/api/v1/records/{id}/second-approval", own, before)
        .await;
    // Approved at the city, revoked by a colleague: not reinstated by me.
    let second = format!("/api/v1/records/{entered}/second-approval");
    assert_eq!(
        post(&app, second, &city, json!({"approve": true})).await.status(),
        StatusCode::OK
    );
    let revoke = format!("/api/v1/records/{entered}/revoke");
    assert_eq!(
        post(&app, revoke, &colleague, json!({"reason": "签到表存疑"}))
            .await
            .status(),
        StatusCode::OK
    );
    let before = ledger(&app).await;
    let own = post(
        &app,
        format!("/api/v1/records/{entered}/reinstate"),
        &me,
        json!({"reason": "核实无误"}),
    )
    .await;
    beneficiary.refused("/api/v1/records/{id}/reinstate", own, before).await;

    // A project I drafted and sent is not mine to approve.
    let site = crate::helpers::site_of(&app, "140824").await;
    let body = json!({"site_id": site, "title": "七彩假期", "category": "七彩假期", "starts_on": "2026-12-01", "ends_on": "2027-02-28"});
    let drafted = json_of(post(&app, "/api/v1/projects".into(), &me, body).await).await["id"]
        .as_i64()
        .unwrap();
    let state = format!("/api/v1/projects/{drafted}/state");
    assert_eq!(
        post(&app, state.clone(), &me, json!({"event": "submit"}))
            .await
            .status(),
        StatusCode::OK
    );
    let before = ledger(&app).await;
    let own = post(&app, state, &me, json!({"event": "approve"})).await;
    beneficiary.refused("/api/v1/projects/{id}/state", own, before).await;

    assert_eq!(
        beneficiary.decided,
        DECISIONS.into_iter().collect(),
        "every decision was tried"
    );
    let doc: serde_json::Value = app.get("/api/openapi.json", None).await.json().await.unwrap();
    let areas = [
        "/api/v1/signups",
        "/api/v1/activities",
        "/api/v1/records",
        "/api/v1/corrections",
        "/api/v1/anomalies",
        "/api/v1/projects",
    ];
    for (path, operations) in doc["paths"].as_object().unwrap() {
        let writes = ["post", "put", "patch", "delete"]
            .iter()
            .any(|m| operations.get(m).is_some());
        if writes && areas.iter().any(|area| path.starts_with(area)) {
            assert!(
                DECISIONS.contains(&path.as_str()) || NOT_DECISIONS.contains(&path.as_str()),
                "{path} is a new write route: is it a decision on someone's time?"
            );
        }
    }
}

/// Credit beyond the adjustment limit takes two persons: a county admin who runs a township's
/// activity holds the review grant above it, but his own over-limit confirmation waits for
/// someone else at the county.
#[tokio::test]
async fn an_adjustment_beyond_the_limit_takes_a_second_person_even_for_one_who_holds_both_grants() {
    use crate::helpers::ProjectOwner;
    let app = TestApp::spawn().await.with_region_tree().await;
    let county = staff(&app, Role::CenterAdmin, "140824").await;
    let colleague = staff(&app, Role::CenterAdmin, "140824").await;
    let volunteer = logins(&app, 1, 9130).await.remove(0);
    let project = app
        .published_project(ProjectOwner::Site("140824001"), ("文明交通劝导", "交通劝导"))
        .await;
    let township_activity = app.activity_of(project, json!({})).await;
    let record = attended_record(&app, &county, &volunteer, township_activity).await;
    let confirm = format!("/api/v1/records/{record}/confirm");
    let body = json!({"minutes": 180, "reason": "全程在场"});
    let held = json_of(app.post_json(&confirm, Some(&county.token().await), &body).await).await;
    assert_eq!(held["state"], "awaiting_second");

    let second = format!("/api/v1/records/{record}/second-approval");
    let alone = app
        .post_json(&second, Some(&county.token().await), &json!({"approve": true}))
        .await;
    assert_eq!(alone.status(), StatusCode::FORBIDDEN);
    assert_eq!(error_code(alone).await, "same_approver");
    assert_eq!(my_hours(&app, &volunteer).await["confirmed_minutes"], 0);
    let approved = app
        .post_json(&second, Some(&colleague.token().await), &json!({"approve": true}))
        .await;
    assert_eq!(approved.status(), StatusCode::OK);
    assert_eq!(my_hours(&app, &volunteer).await["confirmed_minutes"], 180);
}

/// Corrections do not ratchet: hand-entered time was present for what its first version
/// credited, so a second step is measured from there, not from the first step.
#[tokio::test]
async fn corrections_of_a_backfill_are_measured_from_what_was_entered() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let county = staff(&app, Role::CenterAdmin, "140824").await;
    let city = staff(&app, Role::CityAdmin, "140800").await;
    let volunteer = logins(&app, 1, 9140).await.remove(0);
    let activity = morning_activity(&app, json!({})).await;
    sign_up(&app, &volunteer, activity).await;
    let volunteer_id = crate::records::first_on_roster(&app, &county, activity).await;
    advance_to(&app, "2026-12-06T11:00:00+08:00");
    let entered =
        json_of(crate::records::backfill(&app, &county, activity, volunteer_id, crate::records::PNG).await).await;
    let record = entered["id"].as_i64().unwrap();
    let second = format!("/api/v1/records/{record}/second-approval");
    let approved = app
        .post_json(&second, Some(&city.token().await), &json!({"approve": true}))
        .await;
    assert_eq!(approved.status(), StatusCode::OK);

    // 120 entered: up to 30 more is the organizer's to approve, once; the next 30 are not.
    let correct = |minutes: i64| {
        let (app, volunteer, county) = (&app, &volunteer, &county);
        async move {
            let ask = format!("/api/v1/records/{record}/corrections");
            let body = json!({"minutes": minutes, "reason": "签到表漏记半小时"});
            let asked = json_of(app.post_json(&ask, Some(&volunteer.token().await), &body).await).await;
            let decide = format!("/api/v1/corrections/{}/decision", asked["id"]);
            json_of(
                app.post_json(&decide, Some(&county.token().await), &json!({"approve": true}))
                    .await,
            )
            .await
        }
    };
    // More entered time than its reviewers saw is not the organizer's alone: the site above.
    let first = correct(150).await;
    assert_eq!(first["awaiting_level_above"], true, "{first}");
    let decide = format!("/api/v1/corrections/{}/decision", first["id"]);
    let approved = app
        .post_json(&decide, Some(&city.token().await), &json!({"approve": true}))
        .await;
    assert_eq!(json_of(approved).await["state"], "approved");
    // 30 more would be within the limit over 150; it is 60 over the 120 entered.
    let next = correct(180).await;
    assert_eq!(
        (next["state"].as_str(), next["awaiting_level_above"].as_bool()),
        (Some("open"), Some(true)),
        "60 over the 120 entered"
    );
    assert_eq!(my_hours(&app, &volunteer).await["confirmed_minutes"], 150);
}

/// A record that looks wrong when it is confirmed is held (decisions.md D1): not final, counted
/// nowhere, until someone who took no part clears it, and its flags with it.
#[tokio::test]
async fn a_record_flagged_when_confirmed_is_held_until_someone_who_took_no_part_clears_it() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let county = staff(&app, Role::CenterAdmin, "140824").await;
    let city = staff(&app, Role::CityAdmin, "140800").await;
    let volunteer = logins(&app, 1, 9150).await.remove(0);
    let morning = morning_activity(&app, json!({})).await;
    let elsewhere = morning_activity(&app, json!({})).await;
    let record = attended_record(&app, &county, &volunteer, morning).await;
    let volunteer_id = crate::records::first_on_roster(&app, &county, morning).await;
    // The same morning at another activity, on paper: the volunteer would be in two places.
    let entered = crate::records::backfill(&app, &county, elsewhere, volunteer_id, crate::records::PNG).await;
    assert_eq!(entered.status(), StatusCode::CREATED);

    let confirm = format!("/api/v1/records/{record}/confirm");
    let held = json_of(app.post_json(&confirm, Some(&county.token().await), &json!({})).await).await;
    assert_eq!(held["state"], "awaiting_second", "held: {held}");
    assert_eq!(
        my_hours(&app, &volunteer).await["confirmed_minutes"],
        0,
        "counted nowhere"
    );
    let flags_of = |reviews: &serde_json::Value| {
        reviews["anomalies"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["record_id"] == record)
            .map(|f| f["kind"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    let reviews_path = "/api/v1/regions/140800/record-reviews";
    let reviews = json_of(app.get(reviews_path, Some(&city.token().await)).await).await;
    assert_eq!(flags_of(&reviews), ["two_places"]);
    assert!(
        reviews["awaiting_second_approval"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["record_id"] == record && r["source"] == "checkin")
    );

    let clear = format!("/api/v1/records/{record}/second-approval");
    let by_organizer = app
        .post_json(&clear, Some(&county.token().await), &json!({"approve": true}))
        .await;
    assert_eq!(by_organizer.status(), StatusCode::FORBIDDEN, "the organizer took part");
    assert_eq!(error_code(by_organizer).await, "same_approver");
    let flag = json_of(app.get(reviews_path, Some(&city.token().await)).await).await["anomalies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["record_id"] == record)
        .unwrap()["id"]
        .clone();
    let resolve = format!("/api/v1/anomalies/{flag}/resolve");
    let beforehand = app
        .post_json(&resolve, Some(&county.token().await), &json!({"note": "看过了"}))
        .await;
    assert_eq!(
        error_code(beforehand).await,
        "record_undecided",
        "its flag is cleared with the record, not before by the organizer"
    );
    let cleared = app
        .post_json(
            &clear,
            Some(&city.token().await),
            &json!({"approve": true, "note": "上午先到此处，另一处为下午补记错误"}),
        )
        .await;
    assert_eq!(cleared.status(), StatusCode::OK);
    assert_eq!(
        my_hours(&app, &volunteer).await["confirmed_minutes"],
        140,
        "final, and counted"
    );
    let reviews = json_of(app.get(reviews_path, Some(&city.token().await)).await).await;
    assert!(flags_of(&reviews).is_empty(), "its flag cleared with it");
}

/// A record awaiting its second approver has 10 working days; past them the sweep escalates it,
/// once, to the region above its reviewers, and says so in the audit log.
#[tokio::test]
async fn a_review_left_past_its_deadline_is_escalated_to_the_level_above_once() {
    use crate::helpers::ProjectOwner;
    let app = TestApp::spawn().await.with_region_tree().await;
    let county = staff(&app, Role::CenterAdmin, "140824").await;
    let city = staff(&app, Role::CityAdmin, "140800").await;
    let volunteer = crate::helpers::registered_volunteer(&app, "140824001001", 9160).await;
    let project = app
        .published_project(ProjectOwner::Site("140824001"), ("文明交通劝导", "交通劝导"))
        .await;
    let township_activity = app.activity_of(project, json!({})).await;
    advance_to(&app, crate::records::ENDS); // Sunday 2026-12-06
    let entered = crate::records::backfill(&app, &county, township_activity, volunteer, crate::records::PNG).await;
    let record = json_of(entered).await["id"].as_i64().unwrap();
    let awaiting = |who: &'static str| {
        let (app, county, city) = (&app, &county, &city);
        async move {
            let (login, region) = if who == "county" {
                (county, "140824")
            } else {
                (city, "140800")
            };
            let path = format!("/api/v1/regions/{region}/record-reviews");
            let reviews = json_of(app.get(&path, Some(&login.token().await)).await).await;
            reviews["awaiting_second_approval"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["record_id"] == record)
                .cloned()
                .unwrap()
        }
    };
    let waiting = awaiting("county").await;
    assert_eq!(
        (waiting["deadline"].as_str(), &waiting["escalated_to"]),
        (Some("2026-12-18"), &serde_json::Value::Null),
        "ten working days after the Sunday it was entered"
    );

    advance_to(&app, "2026-12-18T20:00:00+08:00");
    assert_eq!(
        app.services().escalate_overdue_reviews().await.unwrap(),
        0,
        "the last day still"
    );
    advance_to(&app, "2026-12-19T09:00:00+08:00");
    assert_eq!(app.services().escalate_overdue_reviews().await.unwrap(), 1);
    assert_eq!(app.services().escalate_overdue_reviews().await.unwrap(), 0, "once");
    assert_eq!(awaiting("city").await["escalated_to"], "140800");
    let audit = app.get("/api/v1/audit?region=140800", Some(&city.token().await)).await;
    assert!(json_of(audit).await.to_string().contains("record.escalated"));
}

/// Revocation is final but for the level above: a reviewer of the region above the record's who
/// took no part reinstates it with a reason, and its hours count again; the revoker cannot.
#[tokio::test]
async fn only_someone_above_who_took_no_part_reinstates_a_revoked_record() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let county = staff(&app, Role::CenterAdmin, "140824").await;
    let reviewer = staff(&app, Role::CenterAdmin, "140824").await;
    let city = staff(&app, Role::CityAdmin, "140800").await;
    let volunteer = logins(&app, 1, 9170).await.remove(0);
    let activity = morning_activity(&app, json!({})).await;
    let record = attended_record(&app, &county, &volunteer, activity).await;
    let confirm = format!("/api/v1/records/{record}/confirm");
    app.post_json(&confirm, Some(&county.token().await), &json!({})).await;
    let revoke = format!("/api/v1/records/{record}/revoke");
    let revoked = app
        .post_json(
            &revoke,
            Some(&reviewer.token().await),
            &json!({"reason": "签到表系伪造"}),
        )
        .await;
    assert_eq!(revoked.status(), StatusCode::OK);
    assert_eq!(my_hours(&app, &volunteer).await["confirmed_minutes"], 0);

    let reinstate = format!("/api/v1/records/{record}/reinstate");
    let body = json!({"reason": "复查签到原件属实"});
    let by_county = app.post_json(&reinstate, Some(&reviewer.token().await), &body).await;
    assert_eq!(
        by_county.status(),
        StatusCode::NOT_FOUND,
        "the county is not above its own record"
    );
    let bare = app
        .post_json(&reinstate, Some(&city.token().await), &json!({"reason": " "}))
        .await;
    assert_eq!(error_code(bare).await, "reason_required");
    let reinstated = app.post_json(&reinstate, Some(&city.token().await), &body).await;
    assert_eq!(reinstated.status(), StatusCode::OK);
    let hours = my_hours(&app, &volunteer).await;
    assert_eq!(hours["confirmed_minutes"], 140, "counted again");
    let actions: Vec<_> = hours["records"][0]["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["action"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(actions, ["entered", "confirm", "revoke", "reinstate"]);
    let again = app.post_json(&reinstate, Some(&city.token().await), &body).await;
    assert_eq!(again.status(), StatusCode::CONFLICT, "reinstated once");
}

/// A resolved flag covers what its reviewer saw: when the record later credits more, the flag is
/// raised again.
#[tokio::test]
async fn a_flag_is_raised_again_when_a_record_credits_more_than_its_reviewer_saw() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let county = staff(&app, Role::CenterAdmin, "140824").await;
    let city = staff(&app, Role::CityAdmin, "140800").await;
    let volunteer = logins(&app, 1, 9180).await.remove(0);
    let activity = morning_activity(&app, json!({})).await;
    sign_up(&app, &volunteer, activity).await;
    advance_to(&app, crate::records::ENDS);
    let report = format!("/api/v1/activities/{activity}/missing-record");
    let body = json!({"minutes": 60, "reason": "纸质签到"});
    let request = json_of(app.post_json(&report, Some(&volunteer.token().await), &body).await).await;
    crate::records::approve_request(&app, request["id"].as_i64().unwrap(), (&county, &city)).await;
    let open_flags = || {
        let (app, county) = (&app, &county);
        async move {
            let path = "/api/v1/regions/140824/record-reviews";
            let reviews = json_of(app.get(path, Some(&county.token().await)).await).await;
            reviews["anomalies"].as_array().unwrap().clone()
        }
    };
    let flags = open_flags().await;
    assert_eq!(flags.len(), 1, "no check-in: {flags:?}");
    // Resolved by someone at the city who took no part (the approver wrote its first version).
    let other_city = staff(&app, Role::CityAdmin, "140800").await;
    let resolve = format!("/api/v1/anomalies/{}/resolve", flags[0]["id"]);
    let resolved = app
        .post_json(
            &resolve,
            Some(&other_city.token().await),
            &json!({"note": "已核对纸质签到表"}),
        )
        .await;
    assert_eq!(resolved.status(), StatusCode::OK);
    assert!(open_flags().await.is_empty());

    let record = my_hours(&app, &volunteer).await["records"][0]["id"].as_i64().unwrap();
    let ask = format!("/api/v1/records/{record}/corrections");
    let body = json!({"minutes": 180, "reason": "其实是全程"});
    let asked = json_of(app.post_json(&ask, Some(&volunteer.token().await), &body).await).await;
    crate::records::approve_request(&app, asked["id"].as_i64().unwrap(), (&county, &city)).await;
    let flags = open_flags().await;
    assert_eq!(flags.len(), 1, "raised again at 3 hours: {flags:?}");
    assert_eq!(flags[0]["kind"], "no_checkin");
}

/// Attendance the organizer marks by hand proves nothing by itself: the record is flagged, its
/// confirmation held, and a colleague of the region who took no part (neither marked nor
/// confirmed it) clears it (decisions.md D1).
#[tokio::test]
async fn time_marked_by_hand_is_confirmed_only_with_a_colleague_who_took_no_part() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let organizer = staff(&app, Role::CenterAdmin, "140824").await;
    let colleague = staff(&app, Role::CenterAdmin, "140824").await;
    let third = staff(&app, Role::CenterAdmin, "140824").await;
    let volunteer = logins(&app, 1, 9190).await.remove(0);
    let activity = morning_activity(&app, json!({})).await;
    sign_up(&app, &volunteer, activity).await;
    let volunteer_id = crate::records::first_on_roster(&app, &organizer, activity).await;
    let by_hand = format!("/api/v1/activities/{activity}/attendance");
    advance_to(&app, "2026-12-06T08:00:00+08:00");
    let body = json!({"volunteer_id": volunteer_id, "direction": "check_in"});
    app.post_json(&by_hand, Some(&organizer.token().await), &body).await;
    advance_to(&app, "2026-12-06T10:20:00+08:00");
    let body = json!({"volunteer_id": volunteer_id, "direction": "check_out"});
    let out = json_of(app.post_json(&by_hand, Some(&organizer.token().await), &body).await).await;
    let record = out["record_id"].as_i64().unwrap();
    advance_to(&app, crate::records::ENDS);

    // The organizer marked it; a colleague confirms 20 minutes more (within the limit): held.
    let confirm = format!("/api/v1/records/{record}/confirm");
    let body = json!({"minutes": 160, "reason": "提前到场布置"});
    let held = json_of(app.post_json(&confirm, Some(&colleague.token().await), &body).await).await;
    assert_eq!(held["state"], "awaiting_second");
    let reviews = "/api/v1/regions/140824/record-reviews";
    let flags_of_record = || {
        let (app, third) = (&app, &third);
        async move {
            let reviews = json_of(app.get(reviews, Some(&third.token().await)).await).await;
            reviews["anomalies"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|f| f["record_id"] == record)
                .map(|f| f["kind"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(flags_of_record().await, ["by_hand"]);
    let clear = format!("/api/v1/records/{record}/second-approval");
    for took_part in [&organizer, &colleague] {
        let refused = app
            .post_json(&clear, Some(&took_part.token().await), &json!({"approve": true}))
            .await;
        assert_eq!(
            error_code(refused).await,
            "same_approver",
            "the marker and the confirmer"
        );
    }
    let cleared = app
        .post_json(
            &clear,
            Some(&third.token().await),
            &json!({"approve": true, "note": "老人无智能手机，现场核实"}),
        )
        .await;
    assert_eq!(json_of(cleared).await["state"], "confirmed");
    assert_eq!(my_hours(&app, &volunteer).await["confirmed_minutes"], 160);
    assert!(
        flags_of_record().await.is_empty(),
        "cleared, and not flagged again at once"
    );
}

/// A second approver who refuses an adjustment beyond the limit takes nothing measured away: the
/// record goes back to pending, for the organizer to confirm as measured.
#[tokio::test]
async fn a_refused_adjustment_returns_the_record_to_pending_with_its_measured_time() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let county = staff(&app, Role::CenterAdmin, "140824").await;
    let city = staff(&app, Role::CityAdmin, "140800").await;
    let volunteer = logins(&app, 1, 9200).await.remove(0);
    let activity = morning_activity(&app, json!({})).await;
    let record = attended_record(&app, &county, &volunteer, activity).await;
    let confirm = format!("/api/v1/records/{record}/confirm");
    let body = json!({"minutes": 180, "reason": "按全程计"});
    let held = json_of(app.post_json(&confirm, Some(&county.token().await), &body).await).await;
    assert_eq!(held["state"], "awaiting_second");
    let second = format!("/api/v1/records/{record}/second-approval");
    let refused = app
        .post_json(
            &second,
            Some(&city.token().await),
            &json!({"approve": false, "note": "无依据"}),
        )
        .await;
    let refused = json_of(refused).await;
    assert_eq!(
        (refused["state"].as_str(), refused["minutes"].as_i64()),
        (Some("pending"), Some(140)),
        "back to what was measured"
    );
    let measured = json_of(app.post_json(&confirm, Some(&county.token().await), &json!({})).await).await;
    assert_eq!(measured["state"], "confirmed");
    assert_eq!(my_hours(&app, &volunteer).await["confirmed_minutes"], 140);
}

/// A volunteer who signed up, served and never checked in is marked a no-show after the end; they
/// may still report the time missing (for two persons to decide).
#[tokio::test]
async fn a_no_show_may_report_missing_time() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let volunteer = logins(&app, 1, 9210).await.remove(0);
    let activity = morning_activity(&app, json!({})).await;
    sign_up(&app, &volunteer, activity).await;
    advance_to(&app, "2026-12-06T11:30:00+08:00");
    assert_eq!(app.services().mark_no_shows().await.unwrap(), 1);
    let report = format!("/api/v1/activities/{activity}/missing-record");
    let body = json!({"minutes": 120, "reason": "手机没电，未能签到"});
    let reported = app.post_json(&report, Some(&volunteer.token().await), &body).await;
    assert_eq!(reported.status(), StatusCode::CREATED);
}

/// A check-in proves presence where the activity has a point: a check-in or check-out made away
/// from it, or without a location, is kept but flagged, and its record's confirmation held for a
/// second person; one made there at both ends is confirmed by the organizer alone.
#[tokio::test]
async fn a_check_in_away_from_the_activity_or_without_a_location_is_held_for_review() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let organizer = staff(&app, Role::CenterAdmin, "140824").await;
    let people = logins(&app, 4, 9220).await;
    let square = json!({"latitude": 35.6, "longitude": 110.97});
    let activity = morning_activity(&app, square).await;
    for person in &people {
        sign_up(&app, person, activity).await;
    }
    let far = json!({"latitude": 35.62, "longitude": 110.97}); // about 2.2 km away
    let near = json!({"latitude": 35.601, "longitude": 110.97}); // the next street
    let nowhere = json!({});
    // (check-in, check-out) of each: away at the start, no location, there, gone home by the end.
    let positions = [(&far, &far), (&nowhere, &nowhere), (&near, &near), (&near, &far)];
    let attend_at = |person: usize, direction: &'static str, position: &serde_json::Value| {
        let (app, organizer, people) = (&app, &organizer, &people);
        let mut body = position.clone();
        async move {
            body["token"] = pass(app, organizer, activity).await["token"].clone();
            let response = attend(app, &people[person], activity, direction, body).await;
            assert_eq!(response.status(), StatusCode::OK, "kept, whatever the position");
            json_of(response).await
        }
    };
    advance_to(&app, "2026-12-06T07:50:00+08:00");
    for (person, (check_in, _)) in positions.iter().enumerate() {
        attend_at(person, "check-in", check_in).await;
    }
    advance_to(&app, "2026-12-06T11:00:00+08:00");
    let mut states = Vec::new();
    for (person, (_, check_out)) in positions.iter().enumerate() {
        let out = attend_at(person, "check-out", check_out).await;
        let confirm = format!("/api/v1/records/{}/confirm", out["record_id"]);
        let decided = json_of(
            app.post_json(&confirm, Some(&organizer.token().await), &json!({}))
                .await,
        )
        .await;
        states.push(decided["state"].as_str().unwrap().to_owned());
    }
    assert_eq!(
        states,
        ["awaiting_second", "awaiting_second", "confirmed", "awaiting_second"]
    );
    let reviews = "/api/v1/regions/140824/record-reviews";
    let reviews = json_of(app.get(reviews, Some(&organizer.token().await)).await).await;
    let mut kinds: Vec<_> = reviews["anomalies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| format!("{} {}", f["kind"].as_str().unwrap(), f["detail"].as_str().unwrap()))
        .collect();
    kinds.sort_unstable();
    assert_eq!(kinds.len(), 3, "{kinds:?}");
    assert!(kinds[0].starts_with("away_from_activity check-in ") && kinds[0].contains("check-out"));
    assert!(kinds[1].starts_with("away_from_activity check-out "), "{kinds:?}");
    assert_eq!(kinds[2], "no_location check-in, check-out");
}

/// The QR code's token lives 90 s and anyone may open it: the confirm page exchanges it at once,
/// signed in or not, for a one-use nonce held in that browser's cookie, which survives a login
/// and checks in once; the address itself carries nothing worth forwarding.
#[tokio::test]
async fn the_confirm_page_holds_a_one_use_nonce_through_a_login() {
    use crate::web::{hidden_value, page_login};
    use reqwest::header::LOCATION;
    let app = TestApp::spawn().await.with_region_tree().await;
    let organizer = staff(&app, Role::CenterAdmin, "140824").await;
    let volunteer = logins(&app, 1, 9230).await.remove(0);
    let activity = morning_activity(&app, json!({})).await;
    sign_up(&app, &volunteer, activity).await;
    advance_to(&app, "2026-12-06T07:50:00+08:00");
    let token = pass(&app, &organizer, activity).await["token"]
        .as_str()
        .unwrap()
        .to_owned();

    let phone = app.browser_client();
    let scanned = phone.get(app.url(&format!("/checkin?t={token}"))).send().await.unwrap();
    assert_eq!(scanned.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        scanned.headers()[LOCATION],
        "/checkin",
        "neither token nor nonce in the address"
    );
    let held = scanned.headers()[reqwest::header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_owned();
    let nonce = held
        .strip_prefix("hm_checkin=")
        .and_then(|rest| rest.split(';').next())
        .unwrap()
        .to_owned();
    assert!(held.contains("HttpOnly"), "{held}");
    let to_login = phone.get(app.url("/checkin")).send().await.unwrap();
    assert_eq!(to_login.headers()[LOCATION], "/login?next=%2Fcheckin");
    // Three minutes of fumbling with the password: the token is long dead, the nonce is not.
    advance_to(&app, "2026-12-06T07:53:00+08:00");
    assert_eq!(
        page_login(&app, &phone, volunteer.phone()).await.status(),
        StatusCode::SEE_OTHER
    );
    let page = phone
        .get(app.url("/checkin"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("id=\"checkin-submit\""), "{page}");
    let csrf = hidden_value(&page, "_csrf");

    // The address forwarded to a friend at home holds nothing: the nonce is this phone's.
    let friend = logins(&app, 1, 9231).await.remove(0);
    let elsewhere = app.browser_client();
    page_login(&app, &elsewhere, friend.phone()).await;
    let forwarded = elsewhere
        .get(app.url("/checkin"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !forwarded.contains("id=\"checkin-submit\""),
        "no button without the nonce"
    );

    let form = [("direction", "check_in"), ("_csrf", csrf.as_str())];
    let done = phone.post(app.url("/checkin")).form(&form).send().await.unwrap();
    assert_eq!(done.status(), StatusCode::OK);
    assert!(done.text().await.unwrap().contains("id=\"checkin-done\""));
    assert!(app.services().activity_of_nonce(&nonce).await.is_err(), "used once");
    let again = phone.post(app.url("/checkin")).form(&form).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // A nonce dies ten minutes after the scan, used or not.
    let token = pass(&app, &organizer, activity).await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let nonce = app.services().checkin_nonce(&token).await.unwrap();
    advance_to(&app, "2026-12-06T08:04:00+08:00");
    let late = app.services().activity_of_nonce(&nonce).await;
    assert!(late.is_err(), "ten minutes, no more");
}

/// A volunteer who forgot to check out and had the time approved as a missing record is not
/// stuck: the next check-in closes the old one without a second record of it.
#[tokio::test]
async fn a_forgotten_check_out_whose_time_was_reported_does_not_block_the_next_check_in() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let county = staff(&app, Role::CenterAdmin, "140824").await;
    let city = staff(&app, Role::CityAdmin, "140800").await;
    let volunteer = logins(&app, 1, 9240).await.remove(0);
    let morning = morning_activity(&app, json!({})).await;
    let afternoon = crate::records::afternoon_activity(&app).await;
    sign_up(&app, &volunteer, morning).await;
    sign_up(&app, &volunteer, afternoon).await;
    advance_to(&app, "2026-12-06T07:50:00+08:00");
    let body = json!({"token": pass(&app, &county, morning).await["token"].clone()});
    assert_eq!(
        attend(&app, &volunteer, morning, "check-in", body).await.status(),
        StatusCode::OK
    );
    advance_to(&app, crate::records::ENDS);
    let report = format!("/api/v1/activities/{morning}/missing-record");
    let body = json!({"minutes": 180, "reason": "忘记签退"});
    let request = json_of(app.post_json(&report, Some(&volunteer.token().await), &body).await).await;
    crate::records::approve_request(&app, request["id"].as_i64().unwrap(), (&county, &city)).await;

    advance_to(&app, "2026-12-06T13:50:00+08:00");
    let body = json!({"token": pass(&app, &county, afternoon).await["token"].clone()});
    let next = attend(&app, &volunteer, afternoon, "check-in", body).await;
    assert_eq!(next.status(), StatusCode::OK);
    let hours = my_hours(&app, &volunteer).await;
    assert_eq!(
        hours["records"].as_array().unwrap().len(),
        1,
        "one record of the morning: {hours}"
    );
}

/// The adjustment limit is each county's, set by the city (never by the county for itself):
/// Jishan's 10 minutes hold a confirmation the deployment's 30 would let through, Xinjiang keeps
/// the deployment's.
#[tokio::test]
async fn each_county_has_the_adjustment_limit_the_city_sets_for_it() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let county = staff(&app, Role::CenterAdmin, "140824").await;
    let city = staff(&app, Role::CityAdmin, "140800").await;
    let path = "/api/v1/regions/140824/adjustment-limit";
    let strict = json!({"minutes": 10, "percent": 10});
    let put = |token: String, body: serde_json::Value| {
        let app = &app;
        async move { app.request(reqwest::Method::PUT, path, Some(&token), Some(&body)).await }
    };
    let own = put(county.token().await, strict.clone()).await;
    assert_eq!(
        own.status(),
        StatusCode::NOT_FOUND,
        "not the county's to set for itself"
    );
    let wrong = put(city.token().await, json!({"minutes": 300, "percent": 10})).await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let set = put(city.token().await, strict).await;
    assert_eq!(set.status(), StatusCode::OK);
    let read = json_of(app.get(path, Some(&county.token().await)).await).await;
    assert_eq!(
        (read["minutes"].as_i64(), read["percent"].as_i64()),
        (Some(10), Some(10))
    );
    let elsewhere = "/api/v1/regions/140825/adjustment-limit";
    let default = json_of(app.get(elsewhere, Some(&city.token().await)).await).await;
    assert_eq!(default["minutes"], 30);

    // 140 present, 160 credited: within 30 minutes, beyond Jishan's 10.
    let volunteer = logins(&app, 1, 9250).await.remove(0);
    let activity = morning_activity(&app, json!({})).await;
    let record = attended_record(&app, &county, &volunteer, activity).await;
    let confirm = format!("/api/v1/records/{record}/confirm");
    let body = json!({"minutes": 160, "reason": "提前到场"});
    let held = json_of(app.post_json(&confirm, Some(&county.token().await), &body).await).await;
    assert_eq!(held["state"], "awaiting_second");
    let audit = app.get("/api/v1/audit?region=140824", Some(&city.token().await)).await;
    assert!(json_of(audit).await.to_string().contains("adjustment_limit.set"));
}
