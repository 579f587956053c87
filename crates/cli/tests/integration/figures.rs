//! The headline figures of regions (issue 5, item 4): kept by every write in its transaction,
//! readable without login, equal to a recount from the base tables (`rollups rebuild --check`).

use crate::activities::activity_with;
use crate::helpers::{TestApp, site_of, team_input};
use crate::records::{attended_record, json_of, logins, morning_activity, staff};
use hongmajia_domain::{ActivityId, Actor, Role};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn figures(app: &TestApp, code: &str) -> Value {
    let response = app.get(&format!("/api/v1/regions/{code}/figures"), None).await;
    assert_eq!(response.status(), StatusCode::OK);
    json_of(response).await
}

#[tokio::test]
async fn the_figures_follow_every_write_and_equal_a_recount() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let county = staff(&app, Role::CenterAdmin, "140824").await;
    let people = logins(&app, 3, 8900).await;
    let services = app.services();
    let village_site = site_of(&app, "140824001001").await;
    services
        .create_team(
            &Actor::System,
            &team_input(village_site, "姚村宣讲队", "professional", "理论宣讲"),
        )
        .await
        .unwrap();
    let activity = morning_activity(&app, json!({})).await;
    let lecture = morning_activity(&app, json!({"kind": "lecture"})).await;
    activity_with(
        &app,
        json!({"starts_at": "2026-12-07T08:00:00+08:00", "ends_at": "2026-12-07T09:00:00+08:00",
               "capacity": 5, "kind": "training"}),
    )
    .await;
    let cancelled = morning_activity(&app, json!({})).await;
    services
        .cancel_activity(&Actor::System, ActivityId(cancelled), "人数不足")
        .await
        .unwrap();
    let record = attended_record(&app, &county, &people[0], activity).await;
    let confirm = format!("/api/v1/records/{record}/confirm");
    app.post_json(&confirm, Some(&county.token().await), &json!({})).await;
    let audience = format!("/api/v1/activities/{lecture}/audience");
    app.post_json(&audience, Some(&county.token().await), &json!({"audience_count": 40}))
        .await;
    app.post_json(&audience, Some(&county.token().await), &json!({"audience_count": 46}))
        .await;

    let city = figures(&app, "140800").await;
    assert_eq!(
        city["region"],
        json!({"code": "140800", "name": city["region"]["name"], "level": "city"})
    );
    assert_eq!(city["volunteers"], 3);
    assert_eq!(
        city["teams"],
        json!({"total": 1, "professional": 1, "characteristic": 0})
    );
    assert_eq!(city["projects"], 4, "every test activity has its own published project");
    assert_eq!(city["activities"], 3, "the cancelled one is not counted");
    assert_eq!(city["service_hours"], 2.3);
    assert_eq!(
        (city["lecture_sessions"].as_i64(), city["lecture_audience"].as_i64()),
        (Some(1), Some(46))
    );
    assert_eq!(city["trainings"], 1);
    let children = city["children"].as_array().unwrap();
    let jishan = children.iter().find(|c| c["region"]["code"] == "140824").unwrap();
    assert_eq!(jishan["volunteers"], 3);
    assert_eq!(jishan["service_hours"], 2.3);
    let other = children.iter().find(|c| c["region"]["code"] == "140825").unwrap();
    assert_eq!(
        (other["volunteers"].as_i64(), other["activities"].as_i64()),
        (Some(0), Some(0))
    );
    assert!(jishan.get("children").is_none(), "one level below only");
    let village = figures(&app, "140824001001").await;
    assert_eq!(
        (village["volunteers"].as_i64(), village["teams"]["total"].as_i64()),
        (Some(3), Some(1))
    );

    assert_eq!(services.rebuild_figures(true).await.unwrap(), Vec::<String>::new());

    // The county admin's home page shows the county's figures.
    let admin = app.account(Role::CenterAdmin, Some("140824")).await;
    let browser = app.browser_client();
    crate::web::page_login(&app, &browser, &admin.phone).await;
    let home = browser
        .get(app.url("/home"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        home.contains("id=\"fig-volunteers\">3<") && home.contains("id=\"fig-hours\">2.3<"),
        "{home}"
    );
    let unknown = app.get("/api/v1/regions/149999/figures", None).await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}
