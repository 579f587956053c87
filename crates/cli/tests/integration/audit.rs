//! The audit log: every staff write leaves one entry, visible to admins whose area covers it.

use crate::helpers::TestApp;
use hongmajia_domain::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[tokio::test]
async fn every_staff_write_is_logged_with_who_what_and_where() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let admin = app.signed_in(Role::CenterAdmin, Some("140824")).await;
    let made = app
        .post_json(
            "/api/v1/regions",
            admin.token(),
            &json!({"code": "140824002", "name": "化峪镇"}),
        )
        .await;
    assert_eq!(made.status(), StatusCode::CREATED);
    let site: Value = app
        .post_json(
            "/api/v1/sites",
            admin.token(),
            &json!({"region_code": "140824002", "name": "化峪镇实践所"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let edit = json!({"name": "化峪镇新时代文明实践所", "address": "化峪街1号", "secretary": "张玥"});
    let path = format!("/api/v1/sites/{}", site["id"]);
    assert_eq!(
        app.request(Method::PUT, &path, admin.token(), Some(&edit))
            .await
            .status(),
        StatusCode::OK
    );
    // A refused write leaves no entry.
    let refused = app
        .post_json(
            "/api/v1/regions",
            admin.token(),
            &json!({"code": "140825009", "name": "越界"}),
        )
        .await;
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);

    let log: Value = app.get("/api/v1/audit", admin.token()).await.json().await.unwrap();
    let mine: Vec<&Value> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["actor"] != "system")
        .collect();
    let actions: Vec<&str> = mine.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["site.edit", "site.create", "region.create"]);
    assert_eq!(mine[0]["role"], "center-admin");
    assert_eq!(mine[0]["region_code"], "140824002");
    let summary = mine[0]["summary"].as_str().unwrap();
    assert!(
        summary.contains("化峪镇实践所 → 化峪镇新时代文明实践所") && summary.contains("张玥"),
        "{summary}"
    );
    assert!(
        mine[0]["actor"].as_str().unwrap().contains("****"),
        "the phone is masked"
    );
}

#[tokio::test]
async fn an_admin_sees_the_log_of_its_own_area_only() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let jishan = app.signed_in(Role::CenterAdmin, Some("140824")).await;
    let xinjiang = app.signed_in(Role::CenterAdmin, Some("140825")).await;
    app.post_json(
        "/api/v1/regions",
        jishan.token(),
        &json!({"code": "140824002", "name": "化峪镇"}),
    )
    .await;
    app.post_json(
        "/api/v1/regions",
        xinjiang.token(),
        &json!({"code": "140825002", "name": "泽掌镇"}),
    )
    .await;
    let seen: Value = app
        .get("/api/v1/audit?action=region.create", xinjiang.token())
        .await
        .json()
        .await
        .unwrap();
    let regions: Vec<&str> = seen["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["region_code"].as_str().unwrap())
        .collect();
    assert!(regions.contains(&"140825002"));
    assert!(regions.iter().all(|r| r.starts_with("140825")), "{regions:?}");
    let city = app.signed_in(Role::CityAdmin, Some("140800")).await;
    let all: Value = app
        .get("/api/v1/audit?action=region.create&region=140800", city.token())
        .await
        .json()
        .await
        .unwrap();
    let regions: Vec<&str> = all["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["region_code"].as_str().unwrap())
        .collect();
    assert!(regions.contains(&"140824002") && regions.contains(&"140825002"));
    assert!(
        !regions.iter().any(|r| r.starts_with("1410")),
        "Linfen is not Yuncheng's"
    );
}
