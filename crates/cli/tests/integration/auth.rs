//! Logins, throttling, sessions and tokens (ASVS 2.2.1, 3.2.1, 3.3.1, 3.3.2, 3.4).

use crate::helpers::{PASSWORD, TestApp, engine_name, error_code, start_server};
use hongmajia_domain::AccountId;
use hongmajia_domain::Role;
use reqwest::StatusCode;
use serde_json::json;
use std::collections::HashSet;

#[tokio::test]
async fn a_wrong_password_and_an_unknown_phone_get_the_same_answer() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let admin = app.account(Role::CenterAdmin, Some("140824")).await;
    let wrong = app
        .post_json(
            "/api/v1/auth/token",
            None,
            &json!({"phone": admin.phone, "password": "not-the-password-1"}),
        )
        .await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let wrong_body: serde_json::Value = wrong.json().await.unwrap();
    let unknown = app
        .post_json(
            "/api/v1/auth/token",
            None,
            &json!({"phone": "13700000000", "password": "not-the-password-1"}),
        )
        .await;
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    let unknown_body: serde_json::Value = unknown.json().await.unwrap();
    assert_eq!(wrong_body, unknown_body);
    assert_eq!(wrong_body["error"]["code"], "invalid_credentials");
}

#[tokio::test]
async fn after_ten_failures_even_the_right_password_is_refused_until_the_window_ends() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let admin = app.account(Role::StationAdmin, Some("140824001001")).await;
    let mut checked = 0;
    let mut throttled = 0;
    for attempt in 0..200 {
        let body = json!({"phone": admin.phone, "password": format!("wrong-password-{attempt}")});
        match app.post_json("/api/v1/auth/token", None, &body).await.status() {
            StatusCode::UNAUTHORIZED => checked += 1,
            StatusCode::TOO_MANY_REQUESTS => throttled += 1,
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!((checked, throttled), (10, 190));
    let right = json!({"phone": admin.phone, "password": PASSWORD});
    let refused = app.post_json("/api/v1/auth/token", None, &right).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(error_code(refused).await, "too_many_attempts");

    app.clock.advance(time::Duration::minutes(15));
    assert_eq!(
        app.post_json("/api/v1/auth/token", None, &right).await.status(),
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn successful_logins_do_not_use_up_the_attempt_budget() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let admin = app.account(Role::CenterAdmin, Some("140824")).await;
    let right = json!({"phone": admin.phone, "password": PASSWORD});
    for _ in 0..15 {
        assert_eq!(
            app.post_json("/api/v1/auth/token", None, &right).await.status(),
            StatusCode::CREATED
        );
    }
}

#[tokio::test]
async fn simultaneous_wrong_passwords_are_checked_at_most_ten_times() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let admin = app.account(Role::CenterAdmin, Some("140824")).await;
    let client = reqwest::Client::new();
    let url = app.url("/api/v1/auth/token");
    let attempts: Vec<_> = (0..40)
        .map(|n| {
            let request = client
                .post(&url)
                .json(&json!({"phone": admin.phone, "password": format!("wrong-password-{n}")}));
            tokio::spawn(async move { request.send().await.unwrap().status() })
        })
        .collect();
    let mut statuses = Vec::new();
    for attempt in attempts {
        statuses.push(attempt.await.unwrap());
    }
    let checked = statuses.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count();
    assert!(checked <= 10, "{checked} attempts were checked");
    assert!(
        statuses
            .iter()
            .all(|s| matches!(*s, StatusCode::UNAUTHORIZED | StatusCode::TOO_MANY_REQUESTS))
    );
}

#[tokio::test]
async fn a_token_stops_working_after_logout_and_after_thirty_idle_minutes() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let admin = app.signed_in(Role::CenterAdmin, Some("140824")).await;
    assert_eq!(app.get("/api/v1/me", admin.token()).await.status(), StatusCode::OK);
    app.clock.advance(time::Duration::minutes(29));
    assert_eq!(app.get("/api/v1/me", admin.token()).await.status(), StatusCode::OK);
    app.clock
        .advance(time::Duration::minutes(30) + time::Duration::seconds(1));
    assert_eq!(
        app.get("/api/v1/me", admin.token()).await.status(),
        StatusCode::UNAUTHORIZED
    );

    let again = app.signed_in(Role::InstituteAdmin, Some("140824001")).await;
    let revoke = app
        .request(reqwest::Method::DELETE, "/api/v1/auth/token", again.token(), None)
        .await;
    assert_eq!(revoke.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        app.get("/api/v1/me", again.token()).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn a_session_in_constant_use_still_ends_twelve_hours_after_login() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let admin = app.signed_in(Role::CenterAdmin, Some("140824")).await;
    for _ in 0..(12 * 3) {
        app.clock.advance(time::Duration::minutes(20));
        assert_eq!(app.get("/api/v1/me", admin.token()).await.status(), StatusCode::OK);
    }
    app.clock.advance(time::Duration::minutes(1));
    assert_eq!(
        app.get("/api/v1/me", admin.token()).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn tokens_are_long_random_and_never_repeat() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let admin = app.account(Role::CenterAdmin, Some("140824")).await;
    let mut seen = HashSet::new();
    for _ in 0..20 {
        let response = app
            .post_json(
                "/api/v1/auth/token",
                None,
                &json!({"phone": admin.phone, "password": PASSWORD}),
            )
            .await;
        let body: serde_json::Value = response.json().await.unwrap();
        let token = body["token"].as_str().unwrap().to_owned();
        assert!(token.len() >= 32 && token.chars().all(|c| c.is_ascii_hexdigit()));
        assert!(seen.insert(token));
    }
}

#[tokio::test]
async fn no_default_accounts_exist_on_a_fresh_install() {
    let app = TestApp::spawn().await;
    for (phone, password) in [
        ("admin", "admin"),
        ("13800000000", "admin123456789"),
        ("root", "root"),
        ("13800138000", "123456789012"),
    ] {
        let status = app
            .post_json(
                "/api/v1/auth/token",
                None,
                &json!({"phone": phone, "password": password}),
            )
            .await
            .status();
        assert!(
            matches!(status, StatusCode::UNAUTHORIZED | StatusCode::UNPROCESSABLE_ENTITY),
            "{phone}: {status}"
        );
    }
}

#[tokio::test]
async fn the_database_holds_argon2id_hashes_with_their_own_salts_and_no_passwords() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let first = app.account(Role::CenterAdmin, Some("140824")).await;
    let second = app.account(Role::CenterAdmin, Some("140825")).await;
    let mut tx = app.services().db.read().await.unwrap();
    let mut hash = async |id: i64| {
        let row = hongmajia_store::accounts::find(&mut tx, AccountId(id))
            .await
            .unwrap()
            .unwrap();
        row.password_hash.unwrap()
    };
    let (a, b) = (hash(first.account_id).await, hash(second.account_id).await);
    assert!(a.starts_with("$argon2id$"), "{a}");
    assert_ne!(a, b, "the same password gives different hashes");
    assert!(!a.contains(PASSWORD) && !b.contains(PASSWORD));
}

#[tokio::test]
async fn one_address_trying_many_phones_is_throttled_too() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let admin = app.account(Role::CenterAdmin, Some("140824")).await;
    let limit = hongmajia_domain::throttle::DEFAULT_IP_LIMIT;
    let mut checked = 0;
    for n in 0..limit + 5 {
        // Never more than 9 tries per phone, so only the address's budget can run out.
        let phone = format!("1370000{:04}", n / 9);
        let body = json!({"phone": phone, "password": format!("wrong-password-{n}")});
        if app.post_json("/api/v1/auth/token", None, &body).await.status() == StatusCode::UNAUTHORIZED {
            checked += 1;
        }
    }
    assert_eq!(checked, limit);
    let right = app
        .post_json(
            "/api/v1/auth/token",
            None,
            &json!({"phone": admin.phone, "password": PASSWORD}),
        )
        .await;
    assert_eq!(
        right.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "the address is throttled for every account"
    );
}

fn grant(phone: &str, role: Role, region: &str) -> hongmajia_services::accounts::UserInput {
    hongmajia_services::accounts::UserInput {
        phone: phone.to_owned(),
        role: role.as_str().to_owned(),
        region_code: Some(region.to_owned()),
        ..Default::default()
    }
}

/// Sessions are answered from memory for a while: a role granted (which ends the account's
/// sessions: the new power starts at the next login) or a session ended by another `Services`
/// of the process still counts at the very next request.
#[tokio::test]
async fn a_cached_session_follows_a_new_role_and_a_logout_at_once() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let admin = app.signed_in(Role::InstituteAdmin, Some("140824001")).await;
    let county_staff = "/api/v1/regions/140824/staff";
    for _ in 0..2 {
        assert_ne!(app.get(county_staff, admin.token()).await.status(), StatusCode::OK);
    }
    let other = app.fresh_services().await;
    other
        .create_user(&grant(&admin.phone, Role::CenterAdmin, "140824"))
        .await
        .unwrap();
    assert_eq!(
        app.get(county_staff, admin.token()).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let login = json!({"phone": admin.phone, "password": PASSWORD});
    let again: serde_json::Value = app
        .post_json("/api/v1/auth/token", None, &login)
        .await
        .json()
        .await
        .unwrap();
    let token = again["token"].as_str().unwrap();
    for _ in 0..2 {
        assert_eq!(app.get(county_staff, Some(token)).await.status(), StatusCode::OK);
    }
    other.logout(token).await.unwrap();
    assert_eq!(
        app.get(county_staff, Some(token)).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

/// Another process's writes reach a running server's cache: on PostgreSQL by NOTIFY (its cache
/// would otherwise trust a session for an hour here), on SQLite within the time to live.
#[tokio::test]
async fn a_running_server_hears_of_a_logout_made_by_another_process() {
    let app = TestApp::builder().real_time().spawn().await.with_region_tree().await;
    let ttl = if engine_name() == "postgres" { "3600" } else { "1" };
    let (_server, address) = start_server(&app, &[("HONGMAJIA_CACHE_SECONDS", ttl)]).await;
    let admin = app.account(Role::CenterAdmin, Some("140824")).await;
    let client = reqwest::Client::new();
    let token = crate::helpers::token_at(&address, &admin.phone).await;
    let me = || client.get(format!("{address}/api/v1/me")).bearer_auth(&token).send();
    assert_eq!(me().await.unwrap().status(), StatusCode::OK);
    assert_eq!(me().await.unwrap().status(), StatusCode::OK);
    app.services().logout(&token).await.unwrap();
    let mut refused = false;
    for _ in 0..200 {
        if me().await.unwrap().status() == StatusCode::UNAUTHORIZED {
            refused = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(refused, "the server still takes a token another process revoked");
}
