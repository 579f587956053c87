//! The region tree, practice sites and the coverage report.

use crate::helpers::{TestApp, error_code};
use hongmajia_domain::Role;
use hongmajia_services::accounts::UserInput;
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

/// The operator (`hongmajia user create`) adds a role to a known phone's account, never sets
/// its password, and ties a staff role to the holder's person.
#[tokio::test]
async fn the_operator_adds_a_role_to_a_known_phones_account_but_never_its_password() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let services = app.services();
    let phone = app.new_phone();
    let user = |role: &str, region: Option<&str>, password: Option<&str>, id: Option<String>| UserInput {
        phone: phone.clone(),
        role: role.to_owned(),
        region_code: region.map(str::to_owned),
        password: password.map(str::to_owned),
        id_number: id,
        ..Default::default()
    };
    let first = services.create_user(&user("citizen", None, None, None)).await.unwrap();
    assert!(first.created);
    let station = Some("140824001001");
    let refused = services.create_user(&user("station-admin", station, None, None)).await;
    assert_eq!(
        code_of(refused),
        "password_required",
        "the holder sets a password first"
    );
    let refused = services
        .create_user(&user("station-admin", station, Some(crate::helpers::PASSWORD), None))
        .await;
    assert_eq!(code_of(refused), "password_not_settable");

    // The holder sets their own password; a staff role then needs their ID number.
    app.post_json("/api/v1/auth/sms-code", None, &json!({"phone": phone}))
        .await;
    let code = app.sms_code_for(&phone).await;
    let login: Value = app
        .post_json("/api/v1/auth/token", None, &json!({"phone": phone, "code": code}))
        .await
        .json()
        .await
        .unwrap();
    let set = app
        .post_json(
            "/api/v1/me/password",
            login["token"].as_str(),
            &json!({"password": crate::helpers::PASSWORD}),
        )
        .await;
    assert_eq!(set.status(), StatusCode::NO_CONTENT);
    let refused = services.create_user(&user("station-admin", station, None, None)).await;
    assert_eq!(code_of(refused), "missing_field");
    let id = Some(crate::helpers::staff_id_number(77));
    let second = services
        .create_user(&user("station-admin", station, None, id.clone()))
        .await
        .unwrap();
    assert_eq!((second.account_id, second.created), (first.account_id, false));
    let wrong_level = services
        .create_user(&user("institute-admin", Some("140824"), None, None))
        .await;
    assert_eq!(code_of(wrong_level), "region_level_mismatch");
    let duplicate = services.create_user(&user("station-admin", station, None, id)).await;
    assert_eq!(code_of(duplicate), "role_exists");
}

fn code_of<T: std::fmt::Debug>(result: Result<T, hongmajia_services::ServiceError>) -> String {
    result
        .expect_err("refused")
        .code()
        .map(|c| c.as_str().to_owned())
        .unwrap_or_default()
}

/// A county's office hours: the default until its admins set others; only its own (or the
/// city's) admins may; bad times name their field; the change is audited.
#[tokio::test]
async fn a_county_sets_its_office_hours_and_only_its_own_admins_may() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let admin = app.signed_in(Role::CenterAdmin, Some("140824")).await;
    let path = "/api/v1/regions/140824/office-hours";
    let read = |token: Option<String>| {
        let app = &app;
        async move { app.get(path, token.as_deref()).await.json::<Value>().await.unwrap() }
    };
    assert_eq!(
        read(admin.token().map(str::to_owned)).await,
        json!({"opens": "08:30", "closes": "17:30"})
    );
    let put = |token: Option<String>, body: Value| {
        let app = &app;
        async move {
            app.request(reqwest::Method::PUT, path, token.as_deref(), Some(&body))
                .await
        }
    };
    let set = put(
        admin.token().map(str::to_owned),
        json!({"opens": "8:00", "closes": "18:00"}),
    )
    .await;
    assert_eq!(set.status(), StatusCode::OK);
    assert_eq!(
        read(admin.token().map(str::to_owned)).await,
        json!({"opens": "08:00", "closes": "18:00"})
    );

    let neighbour = app.signed_in(Role::CenterAdmin, Some("140825")).await;
    let refused = put(
        neighbour.token().map(str::to_owned),
        json!({"opens": "07:00", "closes": "12:00"}),
    )
    .await;
    assert_eq!(
        refused.status(),
        StatusCode::NOT_FOUND,
        "another county is not found, as everywhere"
    );
    let station = app.signed_in(Role::StationAdmin, Some("140824001001")).await;
    let refused = put(
        station.token().map(str::to_owned),
        json!({"opens": "07:00", "closes": "12:00"}),
    )
    .await;
    assert_eq!(
        refused.status(),
        StatusCode::NOT_FOUND,
        "the county is above a station admin's region"
    );

    let backwards = put(
        admin.token().map(str::to_owned),
        json!({"opens": "17:00", "closes": "09:00"}),
    )
    .await;
    let body: Value = backwards.json().await.unwrap();
    assert_eq!(
        (body["error"]["code"].as_str(), body["error"]["field"].as_str()),
        (Some("invalid_period"), Some("closes"))
    );
    let garbled = put(
        admin.token().map(str::to_owned),
        json!({"opens": "早上八点", "closes": "17:00"}),
    )
    .await;
    assert_eq!(error_code(garbled).await, "invalid_time");
    let not_a_county = app
        .request(
            reqwest::Method::PUT,
            "/api/v1/regions/140824001/office-hours",
            admin.token(),
            Some(&json!({"opens": "08:00", "closes": "17:00"})),
        )
        .await;
    assert_eq!(error_code(not_a_county).await, "region_level_mismatch");
    assert_eq!(
        read(admin.token().map(str::to_owned)).await["opens"],
        "08:00",
        "refused changes left the hours as they were"
    );
    let audit: Value = app
        .get("/api/v1/audit?region=140824&action=region.edit", admin.token())
        .await
        .json()
        .await
        .unwrap();
    let entry = &audit["entries"][0];
    assert_eq!(entry["event"], "region.office_hours", "the change is audited: {audit}");
    assert_eq!(
        (&entry["params"]["opens"], &entry["params"]["closes"]),
        (&json!("08:00"), &json!("18:00"))
    );
    assert_eq!(entry["summary"], "办公时间设为 08:00–18:00", "in the reader's language");
    let in_english: Value = reqwest::Client::new()
        .get(app.url("/api/v1/audit?region=140824&action=region.edit"))
        .bearer_auth(admin.token().unwrap())
        .header("Accept-Language", "en")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(in_english["entries"][0]["summary"], "office hours 08:00–18:00");
}
