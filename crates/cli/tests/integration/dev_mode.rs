//! Development mode is explicit (decisions.md D3): the development SMS gateway and `/dev/sms`
//! only with `serve --dev`; without a gateway SMS login answers `sms_not_configured`; `--demo`
//! implies `--dev` only on the database the demo made.

use crate::cli::{fresh_target, hongmajia, text};
use crate::helpers::{TestApp, error_code, serving_lines};
use reqwest::StatusCode;
use serde_json::json;

async fn code_request(address: &str, phone: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{address}/api/v1/auth/sms-code"))
        .json(&json!({ "phone": phone }))
        .send()
        .await
        .unwrap()
}

async fn outbox_status(url: &str) -> StatusCode {
    reqwest::get(url).await.unwrap().status()
}

/// `hongmajia serve` with these flags on `app`'s database: the process, its address, and the
/// development outbox's URL it printed (in development mode).
async fn serve(app: &TestApp, flags: &[&str]) -> (tokio::process::Child, String, Option<String>) {
    let (url, keys) = app.database();
    serve_database(&url, &keys, flags).await
}

async fn serve_database(
    url: &str,
    keys: &std::path::Path,
    flags: &[&str],
) -> (tokio::process::Child, String, Option<String>) {
    let mut server = tokio::process::Command::new(env!("CARGO_BIN_EXE_hongmajia"))
        .args(["serve", "--bind", "127.0.0.1:0"])
        .args(flags)
        .env("HONGMAJIA_DATABASE_URL", url)
        .env("HONGMAJIA_SECRET_KEY_FILE", keys)
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let (address, before) = serving_lines(&mut server).await;
    let outbox = before
        .iter()
        .find_map(|line| line.split_once("(this machine only): ").map(|(_, url)| url.to_owned()));
    (server, address, outbox)
}

#[tokio::test]
async fn without_dev_the_server_starts_and_sms_login_says_it_is_not_configured() {
    let app = TestApp::spawn().await;
    let (_server, address, outbox) = serve(&app, &[]).await;
    assert_eq!(outbox, None, "no outbox is printed");
    let refused = code_request(&address, &app.new_phone()).await;
    assert_eq!(refused.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(error_code(refused).await, "sms_not_configured");
    assert_eq!(
        outbox_status(&format!("{address}/dev/sms")).await,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn with_dev_codes_go_to_the_outbox_shown_on_this_machine_only() {
    let app = TestApp::spawn().await;
    let (_server, address, outbox) = serve(&app, &["--dev"]).await;
    let outbox = outbox.expect("the outbox's URL is printed");
    let phone = app.new_phone();
    assert_eq!(code_request(&address, &phone).await.status(), StatusCode::ACCEPTED);
    let page = reqwest::get(&outbox).await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains(&phone));
    for guess in ["/dev/sms", "/dev/sms?key=", "/dev/sms?key=0000"] {
        assert_eq!(
            outbox_status(&format!("{address}{guess}")).await,
            StatusCode::NOT_FOUND,
            "without the printed key (a proxy that adds no header): {guess}"
        );
    }
    let forwarded = reqwest::Client::new()
        .get(&outbox)
        .header("x-forwarded-for", "203.0.113.9")
        .send()
        .await
        .unwrap();
    assert_eq!(
        forwarded.status(),
        StatusCode::NOT_FOUND,
        "a request a proxy forwarded is not from this machine"
    );
}

#[tokio::test]
async fn serve_demo_refuses_a_database_the_demo_did_not_make_even_with_yunchengs_code() {
    let target = fresh_target().await;
    let made = hongmajia(
        &target,
        &["user", "create", "--phone", "13900000001", "--role", "citizen"],
        "",
    );
    assert!(made.status.success(), "{}", text(&made.stderr));
    let refused = hongmajia(&target, &["serve", "--demo", "--bind", "127.0.0.1:0"], "");
    assert!(
        !refused.status.success(),
        "a real database is never served in development mode"
    );
    assert!(text(&refused.stderr).contains("--demo serves only a database the demo made"));

    // The real Yuncheng code no longer tells a demo database from a production one.
    let real = TestApp::spawn().await;
    real.add_region("140800", "运城市").await;
    let (url, keys) = real.database();
    let real_target = crate::cli::Target { url, keys };
    let refused = hongmajia(&real_target, &["serve", "--demo", "--bind", "127.0.0.1:0"], "");
    assert!(!refused.status.success());
    let refused = hongmajia(&real_target, &["demo"], "");
    assert!(!refused.status.success(), "the demo loads only into an empty database");
}

#[tokio::test]
async fn serve_demo_on_the_demos_own_database_is_in_development_mode() {
    let target = fresh_target().await;
    let loaded = hongmajia(&target, &["demo", "--seed", "3"], "");
    assert!(loaded.status.success(), "{}", text(&loaded.stderr));
    let app_like = crate::cli::Target {
        url: target.url.clone(),
        keys: target.keys.clone(),
    };
    let mut server = tokio::process::Command::new(env!("CARGO_BIN_EXE_hongmajia"))
        .args(["serve", "--demo", "--bind", "127.0.0.1:0"])
        .env("HONGMAJIA_DATABASE_URL", &app_like.url)
        .env("HONGMAJIA_SECRET_KEY_FILE", &app_like.keys)
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let address = crate::helpers::serving_address(&mut server).await;
    assert_eq!(
        code_request(&address, "13900000002").await.status(),
        StatusCode::ACCEPTED
    );
    assert_eq!(outbox_status(&address).await, StatusCode::OK);
}
