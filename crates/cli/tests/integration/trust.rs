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
