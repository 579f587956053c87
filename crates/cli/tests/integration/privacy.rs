//! Personal data at rest: the raw database holds no phone number (and, with volunteers, no ID
//! number) in clear; lists and the audit log show them masked.

use crate::helpers::{TestApp, engine_name};
use hongmajia_domain::Role;
use serde_json::{Value, json};

/// Every byte the database keeps about its rows, as text: the SQLite file with its WAL, or on
/// PostgreSQL every row of every table of the test database cast to text.
pub async fn raw_database_text(app: &TestApp) -> String {
    let db = &app.services().db;
    match db {
        hongmajia_services::Db::Sqlite(pool) => {
            let path: String = sqlx::query_scalar("SELECT file FROM pragma_database_list WHERE name = 'main'")
                .fetch_one(pool)
                .await
                .unwrap();
            let mut bytes = std::fs::read(&path).unwrap();
            bytes.extend(std::fs::read(format!("{path}-wal")).unwrap_or_default());
            String::from_utf8_lossy(&bytes).into_owned()
        }
        hongmajia_services::Db::Pg(pool) => {
            let tables: Vec<String> = sqlx::query_scalar(
                "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public'",
            )
            .fetch_all(pool)
            .await
            .unwrap();
            let mut text = String::new();
            for table in tables {
                let sql = sqlx::AssertSqlSafe(format!("SELECT t::text FROM \"{table}\" t"));
                let rows: Vec<String> = sqlx::query_scalar(sql).fetch_all(pool).await.unwrap();
                text.push_str(&rows.join("\n"));
            }
            text
        }
    }
}

#[tokio::test]
async fn phone_numbers_are_never_stored_in_clear() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let admin = app.signed_in(Role::CenterAdmin, Some("140824")).await;
    let sentinel = "13987650123";
    let made = app
        .post_json("/api/v1/accounts", admin.token(), &json!({"phone": sentinel, "role": "station-admin", "region_code": "140824001001", "password": crate::helpers::PASSWORD}))
        .await;
    assert_eq!(made.status(), reqwest::StatusCode::CREATED);
    // A failed login stores its throttle counter: keyed by hash, not by number.
    app.post_json(
        "/api/v1/auth/token",
        None,
        &json!({"phone": sentinel, "password": "wrong-password-1"}),
    )
    .await;

    let raw = raw_database_text(&app).await;
    assert!(
        !raw.contains(sentinel),
        "the phone is in the {} database in clear",
        engine_name()
    );
    assert!(!raw.contains(&admin.phone), "the admin's phone is in clear");

    let staff: Value = app
        .get("/api/v1/regions/140824001001/staff", admin.token())
        .await
        .json()
        .await
        .unwrap();
    let phones: Vec<&str> = staff
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["phone"].as_str().unwrap())
        .collect();
    assert!(phones.contains(&"139****0123"), "{phones:?}");
    let log: Value = app
        .get("/api/v1/audit?action=account.grant", admin.token())
        .await
        .json()
        .await
        .unwrap();
    let text = log.to_string();
    assert!(text.contains("139****0123") && !text.contains(sentinel));
}
