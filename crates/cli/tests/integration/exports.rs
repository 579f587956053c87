//! Rosters out: masked by default, in full only after the password is confirmed again, in
//! .xlsx or UTF-8 CSV with a BOM, filtered by region, team and category, every export audited.

use crate::helpers::{PASSWORD, TestApp, error_code, registration, resident_id};
use calamine::Reader;
use hongmajia_domain::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn with_people(app: &TestApp, token: Option<&str>) -> Vec<String> {
    let mut ids = Vec::new();
    for (n, (region, category)) in [
        ("140824001001", "医疗卫生"),
        ("140824001001", "法律援助"),
        ("140825001001", "医疗卫生"),
    ]
    .into_iter()
    .enumerate()
    {
        let id = resident_id(300 + n as u32);
        let mut body = registration(region, &id, &format!("1381111{:04}", n));
        body["categories"] = json!([category]);
        let made = app.post_json("/api/v1/volunteers", token, &body).await;
        assert_eq!(made.status(), StatusCode::CREATED);
        ids.push(id);
    }
    ids
}

#[tokio::test]
async fn a_masked_csv_export_opens_in_chinese_excel_and_holds_no_full_id() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let city = app.signed_in(Role::CityAdmin, Some("140800")).await;
    let ids = with_people(&app, city.token()).await;
    let county = app.signed_in(Role::CenterAdmin, Some("140824")).await;
    let response = app
        .post_json("/api/v1/exports/volunteers", county.token(), &json!({"format": "csv"}))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("volunteers.csv")
    );
    let bytes = response.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "a BOM, so Excel reads UTF-8");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("姓名,证件类型,证件号码,手机号码,所属区域"));
    assert_eq!(lines.len(), 3, "the header and Jishan's two: {text}");
    for id in &ids {
        assert!(!text.contains(id.as_str()), "no full ID number in a masked export");
    }
    assert!(text.contains("138****0000"));

    let filtered = app
        .post_json(
            "/api/v1/exports/volunteers",
            county.token(),
            &json!({"format": "csv", "category": "法律"}),
        )
        .await;
    let filtered = filtered.text().await.unwrap();
    assert_eq!(filtered.lines().count(), 2, "only the legal-aid volunteer: {filtered}");
}

#[tokio::test]
async fn a_full_export_needs_the_password_again_and_every_export_is_audited() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let county = app.signed_in(Role::CenterAdmin, Some("140824")).await;
    let ids = with_people(&app, app.signed_in(Role::CityAdmin, Some("140800")).await.token()).await;
    let no_password = app
        .post_json(
            "/api/v1/exports/volunteers",
            county.token(),
            &json!({"format": "xlsx", "full": true}),
        )
        .await;
    assert_eq!(error_code(no_password).await, "password_required");
    let wrong = app
        .post_json(
            "/api/v1/exports/volunteers",
            county.token(),
            &json!({"format": "xlsx", "full": true, "password": "not-my-password-1"}),
        )
        .await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(wrong).await, "invalid_credentials");
    let full = app
        .post_json(
            "/api/v1/exports/volunteers",
            county.token(),
            &json!({"format": "xlsx", "full": true, "password": PASSWORD}),
        )
        .await;
    assert_eq!(full.status(), StatusCode::OK);
    let mut book =
        calamine::open_workbook_auto_from_rs(std::io::Cursor::new(full.bytes().await.unwrap().to_vec())).unwrap();
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    let cells: Vec<String> = sheet
        .rows()
        .flat_map(|r| r.iter().map(|c| c.to_string()).collect::<Vec<_>>())
        .collect();
    assert!(
        cells.contains(&ids[0]) && cells.contains(&ids[1]),
        "full ID numbers, as text"
    );
    assert!(!cells.contains(&ids[2]), "not another county's");

    let teams = app
        .post_json("/api/v1/exports/teams", county.token(), &json!({"format": "csv"}))
        .await;
    assert_eq!(teams.status(), StatusCode::OK);
    let log: Value = app
        .get("/api/v1/audit?action=roster.export", county.token())
        .await
        .json()
        .await
        .unwrap();
    let summaries: Vec<&str> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["summary"].as_str().unwrap())
        .collect();
    assert_eq!(
        summaries.len(),
        2,
        "two exports ran, the refused ones left nothing: {summaries:?}"
    );
    assert_eq!(log["entries"][1]["event"], "roster.exported_full", "{summaries:?}");
    assert!(
        summaries[1].contains("含完整证件号"),
        "put into words in Chinese by default: {summaries:?}"
    );
}
