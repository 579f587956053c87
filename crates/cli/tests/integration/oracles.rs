//! No answer tells whether something exists (Security 1, item 7): an action the caller's roles
//! never allow is "forbidden" before anything is looked up; one they allow on an object out of
//! reach or missing is "not found", alike. Registering with a registered ID number is answered
//! at most three times a day per account and per client, says nothing of the registration, and
//! its holder is told by SMS.

use crate::helpers::{TestApp, error_code, registration, resident_id};
use hongmajia_domain::{Actor, Role};
use reqwest::{Method, StatusCode};
use serde_json::json;

/// One path naming an object that exists (in 稷山县) and the same naming one that does not,
/// with a body the route takes.
async fn pairs(app: &TestApp) -> Vec<(Method, String, String, serde_json::Value)> {
    let site = crate::helpers::site_of(app, "140824001001").await;
    let team = app
        .services()
        .create_team(
            &Actor::System,
            &crate::helpers::team_input(site, "宣讲队", "professional", "理论宣讲"),
        )
        .await
        .unwrap()
        .id;
    let activity = crate::records::morning_activity(app, json!({})).await;
    let missing = 987_654_321_i64;
    let both =
        |method: Method, f: &dyn Fn(i64) -> String, id: i64, body: serde_json::Value| (method, f(id), f(missing), body);
    vec![
        both(Method::GET, &|id| format!("/api/v1/sites/{id}"), site, json!({})),
        both(
            Method::PUT,
            &|id| format!("/api/v1/sites/{id}"),
            site,
            json!({"name": "改名", "address": "", "secretary": ""}),
        ),
        both(
            Method::POST,
            &|id| format!("/api/v1/teams/{id}/state"),
            team.0,
            json!({"event": "suspend", "reason": "整顿"}),
        ),
        both(
            Method::GET,
            &|id| format!("/api/v1/activities/{id}/roster"),
            activity,
            json!({}),
        ),
        both(
            Method::POST,
            &|id| format!("/api/v1/records/{id}/second-approval"),
            activity,
            json!({"approve": true}),
        ),
        (
            Method::GET,
            "/api/v1/regions/140824/coverage".into(),
            "/api/v1/regions/140829/coverage".into(),
            json!({}),
        ),
    ]
}

#[tokio::test]
async fn existing_and_missing_objects_get_the_same_answer() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let volunteer = app.signed_in(Role::Volunteer, None).await;
    let foreign = app.signed_in(Role::CenterAdmin, Some("140825")).await;
    for (method, existing, missing, body) in pairs(&app).await {
        let body = Some(&body).filter(|_| method != Method::GET);
        for (who, want) in [(&volunteer, StatusCode::FORBIDDEN), (&foreign, StatusCode::NOT_FOUND)] {
            let a = app.request(method.clone(), &existing, who.token(), body).await.status();
            let b = app.request(method.clone(), &missing, who.token(), body).await.status();
            assert_eq!((a, b), (want, want), "{method} {existing} / {missing}");
        }
    }
}

#[tokio::test]
async fn registered_id_numbers_are_told_three_times_a_day_and_their_holder_hears_of_it() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let owner_phone = app.new_phone();
    let owner = registration("140824001001", &resident_id(5), &owner_phone);
    let input: hongmajia_services::volunteers::RegistrationInput = serde_json::from_value(owner).unwrap();
    app.services().register_volunteer(&Actor::System, &input).await.unwrap();

    let prober = app.signed_in(Role::Citizen, None).await;
    let taken = registration("140824001001", &resident_id(5), "");
    for _ in 0..3 {
        let answer = app.post_json("/api/v1/me/volunteer", prober.token(), &taken).await;
        assert_eq!(answer.status(), StatusCode::CONFLICT);
        let body: serde_json::Value = answer.json().await.unwrap();
        assert_eq!(body["error"]["code"], "already_registered");
        assert!(
            body["error"].get("existing").is_none(),
            "nothing about the registration: {body}"
        );
    }
    let fourth = app.post_json("/api/v1/me/volunteer", prober.token(), &taken).await;
    assert_eq!(error_code(fourth).await, "too_many_attempts");
    let unregistered = registration("140824001001", &resident_id(6), "");
    let fresh = app
        .post_json("/api/v1/me/volunteer", prober.token(), &unregistered)
        .await;
    assert_eq!(
        fresh.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "no more answers today, of any kind"
    );
    // Other accounts from the same client: the address has a budget of its own (ten accounts'
    // worth, for a village's shared connection), spent by every answer it got.
    let mut answered = 3;
    let mut refused_address = false;
    for _ in 0..15 {
        let other = app.signed_in(Role::Citizen, None).await;
        let first = app.post_json("/api/v1/me/volunteer", other.token(), &taken).await;
        if first.status() == StatusCode::TOO_MANY_REQUESTS {
            refused_address = true;
            break;
        }
        assert_eq!(first.status(), StatusCode::CONFLICT);
        answered += 1;
        for _ in 0..2 {
            let next = app.post_json("/api/v1/me/volunteer", other.token(), &taken).await;
            if next.status() == StatusCode::CONFLICT {
                answered += 1;
            }
        }
    }
    assert!(refused_address, "the address is refused at last");
    assert!(answered <= 30, "{answered} answers from one address");

    let told = app
        .services()
        .development_outbox(50)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.phone == owner_phone)
        .count();
    assert_eq!(told, answered, "the holder is told of each try");

    // A day later the budget is back; a registration that tells nothing costs nothing.
    app.clock.advance(time::Duration::hours(25));
    let later = app.signed_in(Role::Citizen, None).await;
    let made = app
        .post_json("/api/v1/me/volunteer", later.token(), &unregistered)
        .await;
    assert_eq!(made.status(), StatusCode::CREATED);
}
