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
        hongmajia_services::Db::Sqlite(pool, _) => {
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
        .post_json(
            "/api/v1/accounts",
            admin.token(),
            &json!({"phone": sentinel, "role": "station-admin", "region_code": "140824001001"}),
        )
        .await;
    assert_eq!(made.status(), reqwest::StatusCode::ACCEPTED);
    let grant_id = made.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    // The holder accepts with their ID number: it is stored sealed, never in clear.
    let sentinel_id = crate::helpers::staff_id_number(4242);
    app.post_json("/api/v1/auth/sms-code", None, &json!({"phone": sentinel}))
        .await;
    let code = app.sms_code_for(sentinel).await;
    let login: Value = app
        .post_json("/api/v1/auth/token", None, &json!({"phone": sentinel, "code": code}))
        .await
        .json()
        .await
        .unwrap();
    let accepted = app
        .post_json(
            &format!("/api/v1/me/grants/{grant_id}/accept"),
            login["token"].as_str(),
            &json!({"id_number": sentinel_id, "password": crate::helpers::PASSWORD}),
        )
        .await;
    assert_eq!(accepted.status(), reqwest::StatusCode::OK);
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
    assert!(!raw.contains(&sentinel_id), "the holder's ID number is in clear");

    let staff: Value = app
        .get("/api/v1/regions/140824001001/staff", admin.token())
        .await
        .json()
        .await
        .unwrap();
    let phones: Vec<&str> = staff["people"]
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

/// ASVS 7.1.1: run the real server with every log level on, register a person with a sentinel
/// ID number and phone, log in with a wrong password, reveal, import, and find neither in the logs.
#[tokio::test]
async fn the_logs_hold_no_id_number_phone_or_password_even_at_debug_level() {
    use tokio::io::AsyncReadExt;
    let app = TestApp::spawn().await.with_region_tree().await;
    let admin = app.account(Role::CenterAdmin, Some("140824")).await;
    let (url, keys) = app.database();
    let mut server = tokio::process::Command::new(env!("CARGO_BIN_EXE_hongmajia"))
        .args(["serve", "--dev", "--bind", "127.0.0.1:0"])
        .env("HONGMAJIA_DATABASE_URL", &url)
        .env("HONGMAJIA_SECRET_KEY_FILE", &keys)
        .env("RUST_LOG", "debug")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut stdout = tokio::io::BufReader::new(server.stdout.take().unwrap());
    let mut line = String::new();
    let address = loop {
        line.clear();
        tokio::io::AsyncBufReadExt::read_line(&mut stdout, &mut line)
            .await
            .unwrap();
        if let Some(rest) = line.trim().strip_prefix("hongmajia serving on ") {
            break rest.to_owned();
        }
    };
    let client = reqwest::Client::new();
    let login = |password: &str| {
        client
            .post(format!("{address}/api/v1/auth/token"))
            .json(&json!({"phone": admin.phone, "password": password}))
            .send()
    };
    login("a-wrong-password-123").await.unwrap();
    let token: Value = login(crate::helpers::PASSWORD).await.unwrap().json().await.unwrap();
    let token = token["token"].as_str().unwrap().to_owned();
    let sentinel_id = crate::helpers::resident_id(4242);
    let sentinel_phone = "13912344321";
    let body = crate::helpers::registration("140824001001", &sentinel_id, sentinel_phone);
    let made: Value = client
        .post(format!("{address}/api/v1/volunteers"))
        .bearer_auth(&token)
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    client
        .post(format!("{address}/api/v1/volunteers/{}/reveal", made["id"]))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    client
        .post(format!("{address}/api/v1/volunteers"))
        .bearer_auth(&token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let roster = format!("姓名,证件号码,手机号码,所属区域\n王堃,{sentinel_id},{sentinel_phone},140824001001\n");
    client
        .post(format!("{address}/api/v1/imports/volunteers"))
        .bearer_auth(&token)
        .header("content-type", "text/csv")
        .body(roster)
        .send()
        .await
        .unwrap();
    client
        .post(format!("{address}/api/v1/auth/sms-code"))
        .json(&json!({"phone": sentinel_phone}))
        .send()
        .await
        .unwrap();

    let pid = server.id().unwrap().to_string();
    std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    let mut logs = String::new();
    server.stderr.take().unwrap().read_to_string(&mut logs).await.unwrap();
    server.wait().await.unwrap();
    assert!(logs.contains("request"), "the server did log: {}", logs.len());
    for secret in [
        sentinel_id.as_str(),
        sentinel_phone,
        admin.phone.as_str(),
        "a-wrong-password-123",
        crate::helpers::PASSWORD,
        &token,
    ] {
        assert!(!logs.contains(secret), "{secret} is in the logs");
    }
}
