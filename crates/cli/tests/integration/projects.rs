//! Volunteer service projects: drafted by a team's leader, reviewed by the owning site, published,
//! closed by the owner or when the period ends; drafts stay with those who may edit them.

use crate::helpers::{TestApp, error_code, registration, resident_id};
use hongmajia_domain::ProjectId;
use hongmajia_domain::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A team of Jishan's first village led by a signed-in volunteer; returns (leader token, team).
async fn led_team(app: &TestApp) -> (String, i64) {
    let leader = app.signed_in(Role::Citizen, None).await;
    let me: Value = app
        .post_json(
            "/api/v1/me/volunteer",
            leader.token(),
            &registration("140824001001", &resident_id(1), ""),
        )
        .await
        .json()
        .await
        .unwrap();
    let site = crate::helpers::site_of(app, "140824001001").await;
    let input = hongmajia_services::teams::TeamInput {
        leader_code: me["code"].as_str().map(str::to_owned),
        ..crate::helpers::team_input(site, "姚村文艺队", "professional", "文化文艺")
    };
    let team = app
        .services()
        .create_team(&hongmajia_domain::Actor::System, &input)
        .await
        .unwrap()
        .id;
    (leader.token.unwrap(), team.0)
}

async fn change(app: &TestApp, token: Option<&str>, id: i64, body: Value) -> reqwest::Response {
    app.post_json(&format!("/api/v1/projects/{id}/state"), token, &body)
        .await
}

#[tokio::test]
async fn a_leaders_project_is_reviewed_by_the_site_before_anyone_sees_it() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let (leader, team) = led_team(&app).await;
    let body = json!({"team_id": team, "title": "送戏下乡", "category": "送文化下乡", "description": "每月一场", "starts_on": "2026-12-01", "ends_on": "2027-11-30"});
    let made = app.post_json("/api/v1/projects", Some(&leader), &body).await;
    assert_eq!(made.status(), StatusCode::CREATED);
    let project: Value = made.json().await.unwrap();
    assert_eq!(
        (project["state"].as_str(), project["category"].as_str()),
        (Some("draft"), Some("culture_to_countryside"))
    );
    let id = project["id"].as_i64().unwrap();

    let citizen = app.signed_in(Role::Citizen, None).await;
    assert_eq!(
        app.get(&format!("/api/v1/projects/{id}"), citizen.token())
            .await
            .status(),
        StatusCode::NOT_FOUND,
        "a draft is the owner's"
    );
    assert_eq!(
        change(&app, Some(&leader), id, json!({"event": "submit"}))
            .await
            .status(),
        StatusCode::OK
    );
    let self_approval = change(&app, Some(&leader), id, json!({"event": "approve"})).await;
    assert_eq!(
        self_approval.status(),
        StatusCode::FORBIDDEN,
        "the site reviews, not the team"
    );

    let station = app.signed_in(Role::StationAdmin, Some("140824001001")).await;
    let no_reason = change(&app, station.token(), id, json!({"event": "return"})).await;
    assert_eq!(error_code(no_reason).await, "reason_required");
    let returned: Value = change(
        &app,
        station.token(),
        id,
        json!({"event": "return", "reason": "请补充活动安排"}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(
        (returned["state"].as_str(), returned["state_reason"].as_str()),
        (Some("draft"), Some("请补充活动安排"))
    );
    change(&app, Some(&leader), id, json!({"event": "submit"})).await;
    let published: Value = change(&app, station.token(), id, json!({"event": "approve"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(published["state"], "published");
    assert_eq!(
        app.get(&format!("/api/v1/projects/{id}"), citizen.token())
            .await
            .status(),
        StatusCode::OK
    );
    let again = change(&app, station.token(), id, json!({"event": "approve"})).await;
    assert_eq!(error_code(again).await, "invalid_transition");
    let closed: Value = change(&app, Some(&leader), id, json!({"event": "close"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(closed["state"], "closed");
    let log: Value = app
        .get("/api/v1/audit?action=project.", station.token())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        log["total"], 6,
        "drafted, submitted, returned, submitted, approved, closed"
    );
}

#[tokio::test]
async fn lists_show_drafts_only_to_those_who_may_edit_them() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let (leader, team) = led_team(&app).await;
    for title in ["理论宣讲进村", "移风易俗"] {
        let body = json!({"team_id": team, "title": title, "category": "理论宣讲", "starts_on": "2026-12-01", "ends_on": "2027-01-31"});
        app.post_json("/api/v1/projects", Some(&leader), &body).await;
    }
    let listed: Value = app
        .get("/api/v1/projects?region=140824", Some(&leader))
        .await
        .json()
        .await
        .unwrap();
    let first = listed[0]["id"].as_i64().unwrap();
    change(&app, Some(&leader), first, json!({"event": "submit"})).await;
    let county = app.signed_in(Role::CenterAdmin, Some("140824")).await;
    change(&app, county.token(), first, json!({"event": "approve"})).await;
    let citizen = app.signed_in(Role::Citizen, None).await;
    let seen: Value = app
        .get("/api/v1/projects?region=140824", citizen.token())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(seen.as_array().unwrap().len(), 1, "only the published one");
    let staff: Value = app
        .get("/api/v1/projects?region=140824", county.token())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(staff.as_array().unwrap().len(), 2);
    let drafts: Value = app
        .get("/api/v1/projects?region=140824&state=draft", county.token())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(drafts.as_array().unwrap().len(), 1);
    let bad = app
        .get("/api/v1/projects?region=140824&state=lost", county.token())
        .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_project_needs_a_known_category_a_real_period_and_an_active_team() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let (leader, team) = led_team(&app).await;
    let base = || json!({"team_id": team, "title": "田间课堂", "category": "田间课堂", "starts_on": "2026-12-01", "ends_on": "2027-03-01"});
    let mut wrong_category = base();
    wrong_category["category"] = json!("打麻将");
    assert_eq!(
        error_code(app.post_json("/api/v1/projects", Some(&leader), &wrong_category).await).await,
        "invalid_category"
    );
    let mut backwards = base();
    backwards["ends_on"] = json!("2026-11-01");
    let refused: Value = app
        .post_json("/api/v1/projects", Some(&leader), &backwards)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (refused["error"]["code"].as_str(), refused["error"]["field"].as_str()),
        (Some("invalid_period"), Some("ends_on"))
    );
    let county = app.signed_in(Role::CenterAdmin, Some("140824")).await;
    app.post_json(
        &format!("/api/v1/teams/{team}/state"),
        county.token(),
        &json!({"event": "suspend", "reason": "整顿"}),
    )
    .await;
    assert_eq!(
        error_code(app.post_json("/api/v1/projects", county.token(), &base()).await).await,
        "team_not_active"
    );
}

#[tokio::test]
async fn a_published_project_closes_by_itself_when_its_period_ends() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let county = app.signed_in(Role::CenterAdmin, Some("140824")).await;
    let site = crate::helpers::site_of(&app, "140824").await;
    // The test clock stands at 2026-11-29.
    let body = json!({"site_id": site, "title": "七彩假期", "category": "七彩假期", "starts_on": "2026-11-01", "ends_on": "2026-11-30"});
    let project: Value = app
        .post_json("/api/v1/projects", county.token(), &body)
        .await
        .json()
        .await
        .unwrap();
    let id = project["id"].as_i64().unwrap();
    change(&app, county.token(), id, json!({"event": "submit"})).await;
    let own = change(&app, county.token(), id, json!({"event": "approve"})).await;
    assert_eq!(
        error_code(own).await,
        "same_approver",
        "nobody approves their own project"
    );
    let reviewer = app.signed_in(Role::CenterAdmin, Some("140824")).await;
    let approved = change(&app, reviewer.token(), id, json!({"event": "approve"})).await;
    assert_eq!(approved.status(), StatusCode::OK);
    assert_eq!(
        app.services().close_ended_projects().await.unwrap(),
        0,
        "the period has not ended yet"
    );
    app.clock.advance(time::Duration::days(2));
    assert_eq!(app.services().close_ended_projects().await.unwrap(), 1);
    let read = app
        .services()
        .project(&hongmajia_domain::Actor::System, ProjectId(id))
        .await
        .unwrap();
    assert_eq!(read.state.as_str(), "closed");
    assert_eq!(read.state_reason.as_deref(), Some("period ended"));
}

/// Service categories are data: seeded with the counties' list, extended, renamed and retired by
/// the city's admins only; a retired one takes no new project and the old ones keep its names.
#[tokio::test]
async fn the_city_admin_keeps_the_list_of_service_categories() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let city = app.signed_in(Role::CityAdmin, Some("140800")).await;
    let county = app.signed_in(Role::CenterAdmin, Some("140824")).await;
    let listed: Value = app
        .get("/api/v1/categories", county.token())
        .await
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name_zh"].as_str().unwrap())
        .collect();
    for seeded in [
        "理论宣讲",
        "关爱老人",
        "关爱儿童",
        "助学支教",
        "平安建设",
        "送文化下乡",
        "其他",
    ] {
        assert!(names.contains(&seeded), "{seeded} is seeded: {names:?}");
    }
    for (code, zh) in hongmajia_services::demo::city::DEMO_CATEGORIES {
        let row = listed.as_array().unwrap().iter().find(|c| c["code"] == code);
        assert_eq!(
            row.map(|c| c["name_zh"].clone()),
            Some(json!(zh)),
            "the demo files under {code}"
        );
    }

    let new = json!({"code": "rural_revitalization", "name_zh": "乡村振兴", "name_en": "Rural revitalisation"});
    let by_county = app.post_json("/api/v1/categories", county.token(), &new).await;
    assert_eq!(
        by_county.status(),
        StatusCode::FORBIDDEN,
        "a county does not edit the city's list"
    );
    let mut bad = new.clone();
    bad["code"] = json!("乡村振兴");
    assert_eq!(
        error_code(app.post_json("/api/v1/categories", city.token(), &bad).await).await,
        "invalid_category_code"
    );
    let added = app.post_json("/api/v1/categories", city.token(), &new).await;
    assert_eq!(added.status(), StatusCode::CREATED);
    let again = app.post_json("/api/v1/categories", city.token(), &new).await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    assert_eq!(error_code(again).await, "category_exists");

    let (leader, team) = led_team(&app).await;
    let project = json!({"team_id": team, "title": "乡村振兴志愿行", "category": "乡村振兴", "starts_on": "2026-12-01", "ends_on": "2027-03-01"});
    let filed: Value = app
        .post_json("/api/v1/projects", Some(&leader), &project)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(filed["category"], "rural_revitalization");
    assert_eq!(filed["category_name_en"], "Rural revitalisation");

    let retire = json!({"name_zh": "乡村振兴", "name_en": "Rural revitalisation", "retired": true});
    let retired = app
        .request(
            reqwest::Method::PUT,
            "/api/v1/categories/rural_revitalization",
            city.token(),
            Some(&retire),
        )
        .await;
    assert_eq!(retired.status(), StatusCode::OK);
    assert_eq!(
        error_code(app.post_json("/api/v1/projects", Some(&leader), &project).await).await,
        "invalid_category",
        "a retired category takes no new project"
    );
    let kept: Value = app
        .get(&format!("/api/v1/projects/{}", filed["id"]), Some(&leader))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(kept["category_name_zh"], "乡村振兴", "old projects keep the names");
    let taken = json!({"name_zh": "理论宣讲", "name_en": "Same name", "retired": false});
    let clash = app
        .request(
            reqwest::Method::PUT,
            "/api/v1/categories/rural_revitalization",
            city.token(),
            Some(&taken),
        )
        .await;
    assert_eq!(error_code(clash).await, "category_exists");
    let audit: Value = app
        .get("/api/v1/audit?region=140800", city.token())
        .await
        .json()
        .await
        .unwrap();
    let shelved = json!({"code": "spare_category", "name_zh": "备用类别", "name_en": "Spare", "retired": true});
    let shelved: Value = app
        .post_json("/api/v1/categories", city.token(), &shelved)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(shelved["retired"], true, "a category may be added retired");
    let far = json!({"name_zh": "乡村振兴", "name_en": "Rural revitalisation", "position": -5});
    let far = app
        .request(
            reqwest::Method::PUT,
            "/api/v1/categories/rural_revitalization",
            city.token(),
            Some(&far),
        )
        .await;
    assert_eq!(error_code(far).await, "invalid_position");
    let events: Vec<&str> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["event"].as_str())
        .collect();
    assert!(events.contains(&"category.retired"), "{events:?}");
    let added = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["event"] == "category.added")
        .expect("the addition is audited");
    assert_eq!(added["params"]["code"], "rural_revitalization");
}

/// A page's text, as a browser with its cookies reads it.
async fn page_text(browser: &reqwest::Client, app: &TestApp, path: &str) -> String {
    browser.get(app.url(path)).send().await.unwrap().text().await.unwrap()
}

/// A form posted by a browser with its cookies.
async fn post_form(browser: &reqwest::Client, app: &TestApp, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    browser.post(app.url(path)).form(fields).send().await.unwrap()
}

/// The same list on a page: the city's admin adds and retires a category through its forms, a
/// refused form comes back with the reason and what was typed; a county's admin reads the list
/// and has no form, and a form posted anyway is refused.
#[tokio::test]
async fn the_category_page_edits_the_list_for_the_city_only() {
    use crate::web::{hidden_value, page_login};
    let app = TestApp::spawn().await.with_region_tree().await;
    let city = app.account(Role::CityAdmin, Some("140800")).await;
    let county = app.account(Role::CenterAdmin, Some("140824")).await;
    let browser = app.browser_client();
    page_login(&app, &browser, &city.phone).await;
    let region = page_text(&browser, &app, "/regions/140800").await;
    assert!(
        region.contains("href=\"/categories\""),
        "the city's page links the list"
    );
    let page = page_text(&browser, &app, "/categories").await;
    assert!(page.contains("理论宣讲") && page.contains("id=\"category-form\""));
    let csrf = hidden_value(&page, "_csrf");

    let bad = [
        ("_csrf", csrf.as_str()),
        ("code", "乡村"),
        ("name_zh", "乡村振兴"),
        ("name_en", "Rural"),
        ("position", ""),
    ];
    let refused = post_form(&browser, &app, "/categories", &bad).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let refused = refused.text().await.unwrap();
    assert!(refused.contains("类别代码须为"), "the reason, in place");
    assert!(refused.contains("value=\"乡村振兴\""), "what was typed stays");
    let far = [
        ("_csrf", csrf.as_str()),
        ("code", "rural"),
        ("name_zh", "乡村振兴"),
        ("name_en", "Rural"),
        ("position", "x"),
    ];
    let refused = post_form(&browser, &app, "/categories", &far)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        refused.contains("排序位置须在"),
        "a position that is no number: {refused}"
    );

    let good = [
        ("_csrf", csrf.as_str()),
        ("code", "rural"),
        ("name_zh", "乡村振兴"),
        ("name_en", "Rural"),
        ("position", ""),
    ];
    let added = post_form(&browser, &app, "/categories", &good).await;
    assert_eq!(added.status(), StatusCode::SEE_OTHER);
    let retire = [
        ("_csrf", csrf.as_str()),
        ("name_zh", "乡村振兴"),
        ("name_en", "Rural revitalisation"),
        ("position", "5"),
        ("retired", "on"),
    ];
    let retired = post_form(&browser, &app, "/categories/rural", &retire).await;
    assert_eq!(retired.status(), StatusCode::SEE_OTHER);
    let reader = app.signed_in(Role::CenterAdmin, Some("140824")).await;
    let listed: Value = app
        .get("/api/v1/categories", reader.token())
        .await
        .json()
        .await
        .unwrap();
    let rural = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "rural")
        .unwrap();
    assert_eq!(
        (&rural["name_en"], &rural["position"], &rural["retired"]),
        (&json!("Rural revitalisation"), &json!(5), &json!(true))
    );

    let reader = app.browser_client();
    page_login(&app, &reader, &county.phone).await;
    let page = page_text(&reader, &app, "/categories").await;
    assert!(
        page.contains("乡村振兴") && !page.contains("id=\"category-form\""),
        "read, not edited"
    );
    let csrf = hidden_value(&page, "_csrf");
    let sneak = [
        ("_csrf", csrf.as_str()),
        ("code", "sneak"),
        ("name_zh", "偷加"),
        ("name_en", "Sneak"),
        ("position", ""),
    ];
    let refused = post_form(&reader, &app, "/categories", &sneak).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
}
