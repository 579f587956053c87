//! SMS login codes (ASVS 2.7.2, 2.7.3, 2.7.6) and the outbox, with the development gateway and
//! the webhook gateway against a local test server.

use crate::helpers::{PASSWORD, TestApp, error_code, registration, resident_id};
use crate::privacy::raw_database_text;
use hongmajia_domain::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

async fn request_code(app: &TestApp, phone: &str) -> reqwest::Response {
    app.post_json("/api/v1/auth/sms-code", None, &json!({"phone": phone}))
        .await
}

async fn code_login(app: &TestApp, phone: &str, code: &str) -> reqwest::Response {
    app.post_json("/api/v1/auth/token", None, &json!({"phone": phone, "code": code}))
        .await
}

#[tokio::test]
async fn a_code_logs_a_new_phone_in_as_a_citizen_once_and_only_once() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let phone = "13700001111";
    let sent = request_code(&app, phone).await;
    assert_eq!(sent.status(), StatusCode::ACCEPTED);
    let code = app.sms_code_for(phone).await;
    let login = code_login(&app, phone, &code).await;
    assert_eq!(login.status(), StatusCode::CREATED);
    let token: Value = login.json().await.unwrap();
    let token = token["token"].as_str().unwrap().to_owned();
    let me: Value = app.get("/api/v1/me", Some(&token)).await.json().await.unwrap();
    assert_eq!(me["roles"][0]["role"], "citizen");
    assert_eq!(me["phone"], "137****1111");

    let reuse = code_login(&app, phone, &code).await;
    assert_eq!(reuse.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(reuse).await, "invalid_code");

    // The same person then registers as a volunteer with the phone the code proved.
    let registered = app
        .post_json(
            "/api/v1/me/volunteer",
            Some(&token),
            &registration("140824001001", &resident_id(5), ""),
        )
        .await;
    assert_eq!(registered.status(), StatusCode::CREATED);
    let volunteer: Value = registered.json().await.unwrap();
    assert_eq!(volunteer["phone"], "137****1111");
    let states = app.services().outbox_states().await.unwrap();
    assert_eq!(states[0].1.as_str(), "sent");
    assert!(
        !raw_database_text(&app).await.contains(&code),
        "the code is stored hashed, the message sealed"
    );
}

#[tokio::test]
async fn a_code_expires_after_ten_minutes() {
    let app = TestApp::spawn().await;
    let phone = "13700002222";
    request_code(&app, phone).await;
    let code = app.sms_code_for(phone).await;
    app.clock
        .advance(time::Duration::minutes(10) + time::Duration::seconds(1));
    let late = code_login(&app, phone, &code).await;
    assert_eq!(late.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(late).await, "code_expired");
}

#[tokio::test]
async fn five_wrong_codes_burn_the_code() {
    let app = TestApp::spawn().await;
    let phone = "13700003333";
    request_code(&app, phone).await;
    let code = app.sms_code_for(phone).await;
    let wrong = if code == "000000" { "000001" } else { "000000" };
    for _ in 0..5 {
        assert_eq!(error_code(code_login(&app, phone, wrong).await).await, "invalid_code");
    }
    assert_eq!(error_code(code_login(&app, phone, &code).await).await, "invalid_code");
}

#[tokio::test]
async fn codes_are_sent_at_most_once_a_minute_and_five_times_an_hour() {
    let app = TestApp::spawn().await;
    let phone = "13700004444";
    assert_eq!(request_code(&app, phone).await.status(), StatusCode::ACCEPTED);
    let again = request_code(&app, phone).await;
    assert_eq!(again.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(error_code(again).await, "too_many_codes");
    for _ in 0..4 {
        app.clock.advance(time::Duration::seconds(61));
        assert_eq!(request_code(&app, phone).await.status(), StatusCode::ACCEPTED);
    }
    app.clock.advance(time::Duration::seconds(61));
    assert_eq!(
        request_code(&app, phone).await.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "a sixth within the hour"
    );
    app.clock.advance(time::Duration::hours(1));
    assert_eq!(request_code(&app, phone).await.status(), StatusCode::ACCEPTED);
    // Only the newest code counts.
    let newest = app.sms_code_for(phone).await;
    assert_eq!(code_login(&app, phone, &newest).await.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn a_staff_account_cannot_log_in_by_sms() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let admin = app.account(Role::CenterAdmin, Some("140824")).await;
    request_code(&app, &admin.phone).await;
    let code = app.sms_code_for(&admin.phone).await;
    let refused = code_login(&app, &admin.phone, &code).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_code(refused).await, "password_required");
    let by_password = app
        .post_json(
            "/api/v1/auth/token",
            None,
            &json!({"phone": admin.phone, "password": PASSWORD}),
        )
        .await;
    assert_eq!(by_password.status(), StatusCode::CREATED);
}

/// A local stand-in for a deployment's SMS bridge: records what it receives and answers with a
/// status the test sets.
#[derive(Clone, Default)]
struct Bridge {
    received: Arc<Mutex<Vec<Value>>>,
    failing: Arc<Mutex<bool>>,
}

async fn start_bridge(bridge: Bridge) -> String {
    use axum::routing::post;
    let app = axum::Router::new().route(
        "/sms",
        post(|axum::extract::State(bridge): axum::extract::State<Bridge>, axum::Json(body): axum::Json<Value>| async move {
            bridge.received.lock().unwrap().push(body);
            if *bridge.failing.lock().unwrap() { StatusCode::BAD_GATEWAY } else { StatusCode::OK }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/sms", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app.with_state(bridge)).await.unwrap() });
    url
}

#[tokio::test]
async fn the_webhook_gateway_posts_each_message_and_the_outbox_retries_until_it_is_taken() {
    let bridge = Bridge::default();
    let url = start_bridge(bridge.clone()).await;
    let gateway = Arc::new(hongmajia_services::sms::WebhookGateway::new(&url).unwrap());
    let app = TestApp::builder().sms_gateway(gateway).spawn().await;

    assert_eq!(request_code(&app, "13700005555").await.status(), StatusCode::ACCEPTED);
    let first = bridge.received.lock().unwrap()[0].clone();
    assert_eq!(first["phone"], "13700005555");
    let message = first["message"].as_str().unwrap().to_owned();
    assert!(message.contains("验证码"), "{message}");
    let states = app.services().outbox_states().await.unwrap();
    assert_eq!((states[0].1.as_str(), states[0].2), ("sent", 1));
    assert!(
        app.services().development_outbox(10).await.is_err(),
        "no development page in production"
    );

    *bridge.failing.lock().unwrap() = true;
    app.clock.advance(time::Duration::minutes(2));
    assert_eq!(
        request_code(&app, "13700005555").await.status(),
        StatusCode::ACCEPTED,
        "queued even when the gateway fails"
    );
    let states = app.services().outbox_states().await.unwrap();
    assert_eq!((states[0].1.as_str(), states[0].2), ("queued", 1));
    assert!(states[0].3.as_deref().unwrap().contains("502"), "{:?}", states[0].3);
    assert_eq!(
        app.services().deliver_due().await.unwrap(),
        0,
        "not before its retry time"
    );

    *bridge.failing.lock().unwrap() = false;
    app.clock.advance(time::Duration::minutes(5));
    assert_eq!(app.services().deliver_due().await.unwrap(), 1);
    let states = app.services().outbox_states().await.unwrap();
    assert_eq!((states[0].1.as_str(), states[0].2), ("sent", 2));
    assert_eq!(bridge.received.lock().unwrap().len(), 3);
}

#[tokio::test]
async fn a_message_the_gateway_never_takes_ends_failed_after_five_attempts() {
    let bridge = Bridge::default();
    *bridge.failing.lock().unwrap() = true;
    let url = start_bridge(bridge.clone()).await;
    let gateway = Arc::new(hongmajia_services::sms::WebhookGateway::new(&url).unwrap());
    let app = TestApp::builder().sms_gateway(gateway).spawn().await;
    request_code(&app, "13700006666").await;
    for _ in 0..10 {
        app.clock.advance(time::Duration::hours(1));
        app.services().deliver_due().await.unwrap();
    }
    let states = app.services().outbox_states().await.unwrap();
    assert_eq!((states[0].1.as_str(), states[0].2), ("failed", 5));
    assert_eq!(bridge.received.lock().unwrap().len(), 5);
}

#[tokio::test]
async fn a_volunteer_who_logs_in_by_sms_may_set_a_password_under_the_same_rules() {
    let app = TestApp::spawn().await;
    let phone = "13700008888";
    request_code(&app, phone).await;
    let code = app.sms_code_for(phone).await;
    let token: Value = code_login(&app, phone, &code).await.json().await.unwrap();
    let token = token["token"].as_str().unwrap().to_owned();
    let weak = app
        .post_json("/api/v1/me/password", Some(&token), &json!({"password": "short"}))
        .await;
    assert_eq!(error_code(weak).await, "password_too_short");
    let set = app
        .post_json(
            "/api/v1/me/password",
            Some(&token),
            &json!({"password": "红马甲-my-own-2026"}),
        )
        .await;
    assert_eq!(set.status(), StatusCode::NO_CONTENT);
    let by_password = app
        .post_json(
            "/api/v1/auth/token",
            None,
            &json!({"phone": phone, "password": "红马甲-my-own-2026"}),
        )
        .await;
    assert_eq!(by_password.status(), StatusCode::CREATED);
    let without_current = app
        .post_json(
            "/api/v1/me/password",
            Some(&token),
            &json!({"password": "another-long-one-2026"}),
        )
        .await;
    assert_eq!(
        without_current.status(),
        StatusCode::UNAUTHORIZED,
        "a second change needs the current password"
    );
    let with_current = app
        .post_json(
            "/api/v1/me/password",
            Some(&token),
            &json!({"current_password": "红马甲-my-own-2026", "password": "another-long-one-2026"}),
        )
        .await;
    assert_eq!(with_current.status(), StatusCode::NO_CONTENT);
}
