//! The history is append-only in the database itself (Architecture 1, per-engine SQL steps):
//! an UPDATE or DELETE of a service record's version or of an audit entry fails on both engines,
//! whatever path would ask for it, and a service record changes only to its next version.

use crate::helpers::TestApp;
use crate::records::{attended_record, logins, morning_activity, staff};
use hongmajia_domain::Role;

/// Runs one statement on the app's database and says whether the database took it.
async fn taken(app: &TestApp, sql: &'static str) -> bool {
    match &app.services().db {
        hongmajia_services::Db::Sqlite(pool, _) => sqlx::query(sql).execute(pool).await.is_ok(),
        hongmajia_services::Db::Pg(pool) => sqlx::query(sql).execute(pool).await.is_ok(),
    }
}

async fn count(app: &TestApp, sql: &'static str) -> i64 {
    match &app.services().db {
        hongmajia_services::Db::Sqlite(pool, _) => sqlx::query_scalar(sql).fetch_one(pool).await.unwrap(),
        hongmajia_services::Db::Pg(pool) => sqlx::query_scalar(sql).fetch_one(pool).await.unwrap(),
    }
}

#[tokio::test]
async fn record_versions_and_the_audit_log_refuse_update_and_delete() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let organizer = staff(&app, Role::CenterAdmin, "140824").await;
    let volunteer = logins(&app, 1, 8800).await.remove(0);
    let activity = morning_activity(&app, serde_json::json!({})).await;
    attended_record(&app, &organizer, &volunteer, activity).await;
    let versions = count(&app, "SELECT COUNT(*) FROM record_versions").await;
    let entries = count(&app, "SELECT COUNT(*) FROM audit_log").await;
    assert!(versions > 0 && entries > 0, "there is history to protect");

    for statement in [
        "UPDATE record_versions SET minutes = minutes + 60",
        "UPDATE service_records SET minutes = minutes + 60",
        "UPDATE service_records SET state = 'confirmed'",
        "UPDATE service_records SET version = version + 1",
        "UPDATE service_records SET region_code = '140824001001'",
        "DELETE FROM record_versions",
        "UPDATE audit_log SET summary = 'nothing happened'",
        "DELETE FROM audit_log",
    ] {
        assert!(!taken(&app, statement).await, "the database took: {statement}");
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM record_versions").await, versions);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM audit_log").await, entries);
    assert!(
        taken(&app, "UPDATE service_records SET updated_at = updated_at").await,
        "other tables are not locked by this"
    );
}

/// Anomaly flags are never changed once raised: a resolution is a row of its own, written once;
/// the database refuses to update or delete either.
#[tokio::test]
async fn a_flag_and_its_resolution_are_never_changed() {
    use crate::helpers::error_code;
    use crate::records::{advance_to, json_of};
    use serde_json::json;
    let app = TestApp::spawn().await.with_region_tree().await;
    let county = staff(&app, Role::CenterAdmin, "140824").await;
    let volunteer = crate::helpers::registered_volunteer(&app, "140824001001", 8810).await;
    let activity = morning_activity(&app, json!({})).await;
    advance_to(&app, crate::records::ENDS);
    let entered = crate::records::backfill(&app, &county, activity, volunteer, crate::records::PNG).await;
    assert_eq!(
        entered.status(),
        reqwest::StatusCode::CREATED,
        "a backfill, flagged as entered by hand"
    );
    let entered = json_of(entered).await;
    let reviews = app
        .get("/api/v1/regions/140824/record-reviews", Some(&county.token().await))
        .await;
    let flag = json_of(reviews).await["anomalies"][0]["id"].as_i64().unwrap();
    // Cleared with the backfill by its second approver: a resolution of its own.
    let city = staff(&app, Role::CityAdmin, "140800").await;
    let approve = format!("/api/v1/records/{}/second-approval", entered["id"]);
    let body = json!({"approve": true, "note": "已电话核实"});
    let approved = app.post_json(&approve, Some(&city.token().await), &body).await;
    assert_eq!(json_of(approved).await["state"], "confirmed");
    let resolve = format!("/api/v1/anomalies/{flag}/resolve");
    let body = json!({"note": "已电话核实"});
    let again = app.post_json(&resolve, Some(&county.token().await), &body).await;
    assert_eq!(error_code(again).await, "invalid_transition", "resolved once");

    for statement in [
        "UPDATE anomaly_flags SET detail = 'nothing'",
        "DELETE FROM anomaly_flags",
        "UPDATE flag_resolutions SET note = 'something else'",
        "DELETE FROM flag_resolutions",
    ] {
        assert!(!taken(&app, statement).await, "the database took: {statement}");
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM flag_resolutions").await, 1);
}

/// A record moves only by a version whose action is the move it makes, and never changes who
/// entered it, its evidence or when it was made (per-engine step 0034).
#[tokio::test]
async fn a_record_moves_only_by_a_version_that_names_the_move() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let organizer = staff(&app, Role::CenterAdmin, "140824").await;
    let volunteer = logins(&app, 1, 8820).await.remove(0);
    let activity = morning_activity(&app, serde_json::json!({})).await;
    attended_record(&app, &organizer, &volunteer, activity).await;
    for statement in [
        "UPDATE service_records SET entered_by = (SELECT MIN(id) FROM accounts)",
        "UPDATE service_records SET created_at = created_at - 1",
    ] {
        assert!(!taken(&app, statement).await, "the database took: {statement}");
    }
    // A next version that calls confirming a pending record a correction: written (versions are
    // appended freely), but the record does not move to it.
    assert!(
        taken(
            &app,
            "INSERT INTO record_versions (record_id, version, state, minutes, reason, requested_by, created_at, action)
             SELECT id, version + 1, 'confirmed', minutes, 'x', 'x', created_at, 'correct' FROM service_records"
        )
        .await
    );
    assert!(
        !taken(
            &app,
            "UPDATE service_records SET state = 'confirmed', version = version + 1"
        )
        .await,
        "pending to confirmed is a confirmation"
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM service_records WHERE state = 'pending'").await,
        1
    );
}
