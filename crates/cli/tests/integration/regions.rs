//! The region tree, practice sites and the coverage report.

use crate::helpers::{TestApp, error_code};
use hongmajia_domain::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn the_coverage_report_lists_every_township_and_village_without_its_site() {
    let app = TestApp::spawn().await.with_region_tree().await;
    app.add_region("140824002", "化峪镇").await;
    app.add_region("140824002001", "北阳村").await;
    app.add_region("140824001002", "南阳村").await;
    app.add_site("140824002001", "北阳村实践站").await;
    let admin = app.signed_in(Role::CenterAdmin, Some("140824")).await;
    let report: Value = app
        .get("/api/v1/regions/140824/coverage", admin.token())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(report["complete"], false);
    let missing: Vec<&str> = report["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    assert_eq!(missing, ["140824001002", "140824002"]);
    let levels = report["levels"].as_array().unwrap();
    assert_eq!(levels[0], json!({"level": "township", "regions": 2, "with_site": 1}));
    assert_eq!(levels[1], json!({"level": "village", "regions": 3, "with_site": 2}));

    let other: Value = app
        .get(
            "/api/v1/regions/140825/coverage",
            app.signed_in(Role::CenterAdmin, Some("140825")).await.token(),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(other["complete"], true);
}

#[tokio::test]
async fn a_region_needs_an_existing_parent_and_a_code_of_its_own() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let admin = app.signed_in(Role::CenterAdmin, Some("140824")).await;
    let orphan = app
        .post_json(
            "/api/v1/regions",
            admin.token(),
            &json!({"code": "140824007001", "name": "孤村"}),
        )
        .await;
    assert_eq!(orphan.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_code(orphan).await, "parent_region_missing");
    let twice = app
        .post_json(
            "/api/v1/regions",
            admin.token(),
            &json!({"code": "140824001001", "name": "姚村"}),
        )
        .await;
    assert_eq!(twice.status(), StatusCode::CONFLICT);
    assert_eq!(error_code(twice).await, "region_exists");
    let blank = app
        .post_json(
            "/api/v1/regions",
            admin.token(),
            &json!({"code": "140824003", "name": "   "}),
        )
        .await;
    assert_eq!(blank.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_code(blank).await, "invalid_name");
    let made = app
        .post_json(
            "/api/v1/regions",
            admin.token(),
            &json!({"code": "140824003", "name": "太阳乡"}),
        )
        .await;
    assert_eq!(made.status(), StatusCode::CREATED);
    let body: Value = made.json().await.unwrap();
    assert_eq!(
        body,
        json!({"code": "140824003", "name": "太阳乡", "level": "township", "parent_code": "140824"})
    );
}

#[tokio::test]
async fn a_site_takes_the_kind_of_its_region_and_each_region_has_one() {
    let app = TestApp::spawn().await.with_region_tree().await;
    app.add_region("140824002", "化峪镇").await;
    let admin = app.signed_in(Role::CenterAdmin, Some("140824")).await;
    let made = app
        .post_json(
            "/api/v1/sites",
            admin.token(),
            &json!({"region_code": "140824002", "name": "化峪镇新时代文明实践所", "secretary": "李堃"}),
        )
        .await;
    assert_eq!(made.status(), StatusCode::CREATED);
    let site: Value = made.json().await.unwrap();
    assert_eq!(site["kind"], "institute");
    assert_eq!(site["secretary"], "李堃");
    let again = app
        .post_json(
            "/api/v1/sites",
            admin.token(),
            &json!({"region_code": "140824002", "name": "第二个"}),
        )
        .await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    assert_eq!(error_code(again).await, "site_exists");

    let city_admin = app.signed_in(Role::CityAdmin, Some("140800")).await;
    let city = app
        .post_json(
            "/api/v1/sites",
            city_admin.token(),
            &json!({"region_code": "140800", "name": "市中心"}),
        )
        .await;
    assert_eq!(city.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_code(city).await, "site_kind_mismatch");
}

#[tokio::test]
async fn a_region_page_shows_the_path_down_from_the_admins_own_region_only() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let admin = app.signed_in(Role::InstituteAdmin, Some("140824001")).await;
    let detail: Value = app
        .get("/api/v1/regions/140824001001", admin.token())
        .await
        .json()
        .await
        .unwrap();
    let crumbs: Vec<&str> = detail["breadcrumbs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        crumbs,
        ["140824001"],
        "the county and city above are not the institute admin's"
    );
    let county: Value = app
        .get(
            "/api/v1/regions/140824",
            app.signed_in(Role::CityAdmin, Some("140800")).await.token(),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(county["children"][0]["code"], "140824001");
    assert!(county["children"][0]["site_name"].as_str().unwrap().contains("稷峰镇"));
}

#[tokio::test]
async fn granting_a_role_to_a_known_phone_adds_it_to_the_same_account() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let admin = app.signed_in(Role::CenterAdmin, Some("140824")).await;
    let phone = app.new_phone();
    let first = app
        .post_json(
            "/api/v1/accounts",
            admin.token(),
            &json!({"phone": phone, "role": "volunteer"}),
        )
        .await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();
    assert_eq!(first["created"], true);
    let no_password = app
        .post_json(
            "/api/v1/accounts",
            admin.token(),
            &json!({"phone": phone, "role": "station-admin", "region_code": "140824001001"}),
        )
        .await;
    assert_eq!(no_password.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_code(no_password).await, "password_required");
    let weak = app
        .post_json("/api/v1/accounts", admin.token(), &json!({"phone": phone, "role": "station-admin", "region_code": "140824001001", "password": "password1234"}))
        .await;
    assert_eq!(error_code(weak).await, "password_too_common");
    let second: Value = app
        .post_json("/api/v1/accounts", admin.token(), &json!({"phone": phone, "role": "station-admin", "region_code": "140824001001", "password": crate::helpers::PASSWORD}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(second["account_id"], first["account_id"]);
    assert_eq!(second["created"], false);
    let wrong_level = app
        .post_json(
            "/api/v1/accounts",
            admin.token(),
            &json!({"phone": app.new_phone(), "role": "center-admin", "region_code": "140824001"}),
        )
        .await;
    assert_eq!(error_code(wrong_level).await, "region_level_mismatch");
    let duplicate = app
        .post_json(
            "/api/v1/accounts",
            admin.token(),
            &json!({"phone": phone, "role": "volunteer"}),
        )
        .await;
    assert_eq!(duplicate.status(), StatusCode::CONFLICT);
}
