//! Sign-ups that never overbook (quality-bars S1–S3, S5, S6): storms of simultaneous sign-ups
//! with retries on one activity, on both engines; and the sign-up rules one by one.

use crate::helpers::ProjectOwner;
use crate::helpers::{TestApp, engine_name, error_code, registration, resident_id, site_of, start_server};
use hongmajia_domain::Actor;
use hongmajia_domain::activity::SignupState;
use hongmajia_domain::project::ProjectEvent;
use hongmajia_domain::{ActivityId, SignupId};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::HashSet;

/// A published project of Jishan's center and an activity of it, on 2026-12-06.
async fn activity(app: &TestApp, capacity: i64, waitlist: i64, risk: &str) -> i64 {
    activity_on(
        app,
        "2026-12-06T08:00:00+08:00",
        "2026-12-06T11:00:00+08:00",
        capacity,
        waitlist,
        risk,
    )
    .await
}

async fn activity_on(app: &TestApp, starts: &str, ends: &str, capacity: i64, waitlist: i64, risk: &str) -> i64 {
    activity_with(app, json!({"starts_at": starts, "ends_at": ends, "capacity": capacity, "waitlist_size": waitlist, "risk_notice": risk})).await
}

/// An activity of a new published project of Jishan's center, with `fields` as given.
pub(crate) async fn activity_with(app: &TestApp, fields: Value) -> i64 {
    let project = app
        .published_project(ProjectOwner::Site("140824"), ("文明交通劝导", "交通劝导"))
        .await;
    let mut fields = fields;
    fields["title"] = json!("十字路口文明劝导");
    app.activity_of(project, fields).await
}

/// `count` registered volunteers, each signed in by SMS code: their bearer tokens.
pub(crate) async fn volunteers(app: &TestApp, count: u32, first_serial: u32) -> Vec<String> {
    let mut tokens = Vec::new();
    for n in 0..count {
        let phone = format!("1370{:07}", first_serial + n);
        app.post_json("/api/v1/auth/sms-code", None, &json!({"phone": phone}))
            .await;
        let code = app.sms_code_for(&phone).await;
        let token: Value = app
            .post_json("/api/v1/auth/token", None, &json!({"phone": phone, "code": code}))
            .await
            .json()
            .await
            .unwrap();
        let token = token["token"].as_str().unwrap().to_owned();
        let body = registration("140824001001", &resident_id(first_serial + n), "");
        let made = app.post_json("/api/v1/me/volunteer", Some(&token), &body).await;
        assert_eq!(made.status(), StatusCode::CREATED);
        tokens.push(token);
    }
    tokens
}

/// One client's sign-up and its retry with the same key: (first status, first body, retry status, retry body).
async fn sign_up_twice(
    client: reqwest::Client,
    url: String,
    token: String,
    key: String,
) -> (StatusCode, String, StatusCode, String) {
    let send = || {
        client
            .post(&url)
            .bearer_auth(&token)
            .header("idempotency-key", &key)
            .json(&json!({}))
            .send()
    };
    let first = send().await.unwrap();
    let (first_status, first_body) = (first.status(), first.text().await.unwrap());
    let retry = send().await.unwrap();
    (first_status, first_body, retry.status(), retry.text().await.unwrap())
}

/// The activity's counters against its rows: (taken, waitlisted, confirmed rows, waitlisted rows).
async fn counters(app: &TestApp, activity: i64) -> (i64, i64, i64, i64) {
    let (taken, waitlisted, counts) = app.services().signup_counts(ActivityId(activity)).await.unwrap();
    let rows = |state: &str| counts.iter().find(|(s, _)| s.as_str() == state).map_or(0, |(_, n)| *n);
    (taken, waitlisted, rows("confirmed"), rows("waitlisted"))
}

#[tokio::test]
async fn a_storm_of_simultaneous_sign_ups_with_retries_fills_exactly_the_places() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let (capacity, waitlist, demand) = (40, 10, 200);
    let id = activity(&app, capacity, waitlist, "").await;
    let tokens = volunteers(&app, demand, 1000).await;
    let client = reqwest::Client::new();
    let url = app.url(&format!("/api/v1/activities/{id}/signups"));
    let storm: Vec<_> = tokens
        .iter()
        .enumerate()
        .map(|(n, token)| {
            tokio::spawn(sign_up_twice(
                client.clone(),
                url.clone(),
                token.clone(),
                format!("key-{n}"),
            ))
        })
        .collect();
    let mut answers = Vec::new();
    for client in storm {
        answers.push(client.await.unwrap());
    }

    let mut states = Vec::new();
    let mut ids = HashSet::new();
    for (first_status, first_body, retry_status, retry_body) in &answers {
        assert!(
            matches!(*first_status, StatusCode::CREATED | StatusCode::CONFLICT),
            "no 5xx: {first_status} {first_body}"
        );
        if *first_status == StatusCode::CREATED {
            assert_eq!(
                (retry_status, retry_body),
                (first_status, first_body),
                "a retry gets the first answer"
            );
            let answer: Value = serde_json::from_str(first_body).unwrap();
            assert!(ids.insert(answer["id"].as_i64().unwrap()), "one sign-up per volunteer");
            states.push(answer["state"].as_str().unwrap().to_owned());
        } else {
            let error: Value = serde_json::from_str(first_body).unwrap();
            assert_eq!(error["error"]["code"], "activity_full");
            assert_eq!(
                *retry_status,
                StatusCode::CONFLICT,
                "a refusal stored nothing; the retry is refused again"
            );
        }
    }
    let confirmed = states.iter().filter(|s| *s == "confirmed").count() as i64;
    let waiting = states.iter().filter(|s| *s == "waitlisted").count() as i64;
    assert_eq!(
        (confirmed, waiting),
        (capacity, waitlist),
        "S1 and S5 on {}",
        engine_name()
    );
    assert_eq!(
        counters(&app, id).await,
        (capacity, waitlist, capacity, waitlist),
        "S2: the counters equal the rows"
    );

    // S6: five cancellations free five places, each taken by the first on the waiting list.
    let confirmed_tokens: Vec<(String, i64)> = answers
        .iter()
        .zip(&tokens)
        .filter_map(|((status, body, _, _), token)| {
            let answer: Value = serde_json::from_str(body).ok()?;
            (*status == StatusCode::CREATED && answer["state"] == "confirmed")
                .then(|| (token.clone(), answer["id"].as_i64().unwrap()))
        })
        .collect();
    for (token, signup) in confirmed_tokens.iter().take(5) {
        let cancelled = app
            .post_json(&format!("/api/v1/signups/{signup}/cancel"), Some(token), &json!({}))
            .await;
        assert_eq!(cancelled.status(), StatusCode::OK);
    }
    assert_eq!(
        counters(&app, id).await,
        (capacity, waitlist - 5, capacity, waitlist - 5)
    );

    // Cancellations racing new sign-ups keep S1 and S2.
    let newcomers = volunteers(&app, 10, 5000).await;
    let mut race = Vec::new();
    for (token, signup) in confirmed_tokens.iter().skip(5).take(10) {
        let (client, url, token) = (
            client.clone(),
            app.url(&format!("/api/v1/signups/{signup}/cancel")),
            token.clone(),
        );
        race.push(tokio::spawn(async move {
            client.post(url).bearer_auth(token).send().await.unwrap().status()
        }));
    }
    for (n, token) in newcomers.iter().enumerate() {
        race.push(
            tokio::spawn(sign_up_twice(
                client.clone(),
                url.clone(),
                token.clone(),
                format!("late-{n}"),
            ))
            .map_status(),
        );
    }
    for task in race {
        let status = task.await.unwrap();
        assert!(!status.is_server_error(), "{status}");
    }
    let (taken, waitlisted, confirmed_rows, waitlisted_rows) = counters(&app, id).await;
    assert!(taken <= capacity, "S1");
    assert_eq!((taken, waitlisted), (confirmed_rows, waitlisted_rows), "S2");
    assert_eq!(
        taken, capacity,
        "demand still exceeds the places: none is left empty (S5)"
    );
}

/// The status of the first answer of `sign_up_twice`, to race it beside plain requests.
trait FirstStatus {
    fn map_status(self) -> tokio::task::JoinHandle<StatusCode>;
}

impl FirstStatus for tokio::task::JoinHandle<(StatusCode, String, StatusCode, String)> {
    fn map_status(self) -> tokio::task::JoinHandle<StatusCode> {
        tokio::spawn(async move { self.await.unwrap().0 })
    }
}

#[tokio::test]
async fn each_sign_up_rule_answers_with_its_own_code() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let risky = activity(&app, 1, 0, "路口车流量大，请穿反光背心").await;
    let tokens = volunteers(&app, 3, 100).await;
    let path = format!("/api/v1/activities/{risky}/signups");
    let no_ack = app.post_json(&path, Some(&tokens[0]), &json!({})).await;
    assert_eq!(
        (no_ack.status(), error_code(no_ack).await.as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "acknowledgement_required")
    );
    let ok: Value = app
        .post_json(&path, Some(&tokens[0]), &json!({"acknowledge_risk": true}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ok["state"], "confirmed");
    assert_eq!(ok["waitlist_position"], Value::Null);
    let twice = app
        .post_json(&path, Some(&tokens[0]), &json!({"acknowledge_risk": true}))
        .await;
    assert_eq!(
        (twice.status(), error_code(twice).await.as_str()),
        (StatusCode::CONFLICT, "already_signed_up")
    );
    let full = app
        .post_json(&path, Some(&tokens[1]), &json!({"acknowledge_risk": true}))
        .await;
    assert_eq!(
        (full.status(), error_code(full).await.as_str()),
        (StatusCode::CONFLICT, "activity_full")
    );

    // The same time elsewhere: an overlap.
    let other = activity(&app, 5, 0, "").await;
    let overlap = app
        .post_json(
            &format!("/api/v1/activities/{other}/signups"),
            Some(&tokens[0]),
            &json!({}),
        )
        .await;
    assert_eq!(error_code(overlap).await, "signup_overlap");

    // One key, two different requests.
    let keyed = |body: Value| {
        reqwest::Client::new()
            .post(app.url(&format!("/api/v1/activities/{other}/signups")))
            .bearer_auth(&tokens[2])
            .header("idempotency-key", "abc")
            .json(&body)
            .send()
    };
    assert_eq!(keyed(json!({})).await.unwrap().status(), StatusCode::CREATED);
    let reused = keyed(json!({"acknowledge_risk": true})).await.unwrap();
    assert_eq!(error_code(reused).await, "idempotency_key_reused");

    // The window is the server's clock: after the start, sign-up is closed.
    app.clock.advance(time::Duration::days(8));
    let fresh = volunteers(&app, 1, 200).await;
    let late = app
        .post_json(
            &format!("/api/v1/activities/{other}/signups"),
            Some(&fresh[0]),
            &json!({}),
        )
        .await;
    assert_eq!(error_code(late).await, "outside_signup_window");
}

/// S4: every sign-up answered 201 before the server is killed with SIGKILL is still there after
/// a restart, and the counters still equal the rows.
#[tokio::test]
async fn acknowledged_sign_ups_survive_a_kill_dash_nine_during_a_storm() {
    // The binary runs on the system clock: so does this app, for its sessions to be current.
    let app = TestApp::builder().real_time().spawn().await.with_region_tree().await;
    let rfc3339 = |at: time::OffsetDateTime| at.format(&time::format_description::well_known::Rfc3339).unwrap();
    let starts = time::OffsetDateTime::now_utc() + time::Duration::days(7);
    let id = activity_on(
        &app,
        &rfc3339(starts),
        &rfc3339(starts + time::Duration::hours(3)),
        60,
        20,
        "",
    )
    .await;
    let tokens = volunteers(&app, 150, 3000).await;
    let (mut server, address) = start_server(&app, &[]).await;
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(20))
        .build()
        .unwrap();
    let url = format!("{address}/api/v1/activities/{id}/signups");
    let answered = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let storm: Vec<_> = tokens
        .iter()
        .map(|token| {
            let request = client.post(&url).bearer_auth(token).json(&json!({}));
            let answered = answered.clone();
            tokio::spawn(async move {
                let response = request.send().await.ok()?;
                let status = response.status();
                let body: Value = response.json().await.ok()?;
                answered.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                (status == StatusCode::CREATED).then(|| body["id"].as_i64()).flatten()
            })
        })
        .collect();
    // Kill it in the middle: once some answers are out, while the others are still in flight.
    for _ in 0..2000 {
        if answered.load(std::sync::atomic::Ordering::SeqCst) >= 10 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let pid = server.id().unwrap().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-KILL", &pid])
            .status()
            .unwrap()
            .success()
    );
    server.wait().await.unwrap();
    let mut acknowledged = Vec::new();
    for request in storm {
        if let Some(signup) = request.await.unwrap() {
            acknowledged.push(signup);
        }
    }

    eprintln!(
        "{} of {} sign-ups were acknowledged before the kill",
        acknowledged.len(),
        tokens.len()
    );
    assert!(!acknowledged.is_empty(), "the kill came after some acknowledgements");
    let (mut restarted, _) = start_server(&app, &[]).await;
    let services = app.fresh_services().await;
    let (taken, waitlisted, counts) = services.signup_counts(ActivityId(id)).await.unwrap();
    let rows = |state: &str| counts.iter().find(|(s, _)| s.as_str() == state).map_or(0, |(_, n)| *n);
    let stored = rows("confirmed") + rows("waitlisted");
    assert!(
        stored >= acknowledged.len() as i64,
        "{} acknowledged, {stored} stored on {}",
        acknowledged.len(),
        engine_name()
    );
    for signup in &acknowledged {
        let mut tx = services.db.read().await.unwrap();
        let row = hongmajia_store::activities::signup(&mut tx, SignupId(*signup))
            .await
            .unwrap();
        assert!(
            row.is_some_and(|r| matches!(r.state.as_str(), "confirmed" | "waitlisted")),
            "acknowledged sign-up {signup} was lost"
        );
    }
    assert!(taken <= 60, "S1 after the crash");
    assert_eq!(
        (taken, waitlisted),
        (rows("confirmed"), rows("waitlisted")),
        "S2 after the crash"
    );
    restarted.kill().await.unwrap();
}

#[tokio::test]
async fn an_age_limit_is_checked_on_the_activitys_day() {
    let app = TestApp::spawn().await.with_region_tree().await;
    // Volunteers of the fixtures are born 1990-05-17: 36 on 2026-12-06.
    let fields = |min_age: i64| json!({"starts_at": "2026-12-06T08:00:00+08:00", "ends_at": "2026-12-06T11:00:00+08:00", "capacity": 5, "min_age": min_age});
    let strict = activity_with(&app, fields(40)).await;
    let open = activity_with(&app, json!({"starts_at": "2026-12-07T08:00:00+08:00", "ends_at": "2026-12-07T11:00:00+08:00", "capacity": 5, "min_age": 36})).await;
    let tokens = volunteers(&app, 1, 700).await;
    let young = app
        .post_json(
            &format!("/api/v1/activities/{strict}/signups"),
            Some(&tokens[0]),
            &json!({}),
        )
        .await;
    assert_eq!(error_code(young).await, "too_young");
    let fine = app
        .post_json(
            &format!("/api/v1/activities/{open}/signups"),
            Some(&tokens[0]),
            &json!({}),
        )
        .await;
    assert_eq!(fine.status(), StatusCode::CREATED, "36 on the day is old enough");
}

#[tokio::test]
async fn a_team_only_activity_takes_the_teams_members_only() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let tokens = volunteers(&app, 2, 800).await;
    let me: Value = app
        .get("/api/v1/me/volunteer", Some(&tokens[0]))
        .await
        .json()
        .await
        .unwrap();
    let site = site_of(&app, "140824").await;
    let team = hongmajia_services::teams::TeamInput {
        leader_code: me["code"].as_str().map(str::to_owned),
        ..crate::helpers::team_input(site, "劝导队", "professional", "其他")
    };
    let team = app.services().create_team(&Actor::System, &team).await.unwrap().id;
    let project = hongmajia_services::projects::ProjectInput {
        team_id: Some(team),
        site_id: None,
        title: "队内劝导".into(),
        category: "交通劝导".into(),
        description: String::new(),
        starts_on: "2026-11-01".into(),
        ends_on: "2027-12-31".into(),
    };
    let services = app.services();
    let project = services.create_project(&Actor::System, &project).await.unwrap().id;
    for event in [ProjectEvent::Submit, ProjectEvent::Approve] {
        services
            .move_project(&Actor::System, project, event, None)
            .await
            .unwrap();
    }
    let input: hongmajia_services::activities::ActivityInput = serde_json::from_value(json!({
        "project_id": project, "title": "队内活动", "starts_at": "2026-12-06T08:00:00+08:00",
        "ends_at": "2026-12-06T11:00:00+08:00", "capacity": 5, "team_only": true,
    }))
    .unwrap();
    let activity = services.create_activity(&Actor::System, &input).await.unwrap().id;
    let path = format!("/api/v1/activities/{activity}/signups");
    let outsider = app.post_json(&path, Some(&tokens[1]), &json!({})).await;
    assert_eq!(error_code(outsider).await, "team_members_only");
    let member = app.post_json(&path, Some(&tokens[0]), &json!({})).await;
    assert_eq!(member.status(), StatusCode::CREATED, "the team's leader is its member");
}

#[tokio::test]
async fn volunteers_find_activities_near_them_by_one_or_two_characters() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let token = volunteers(&app, 1, 7050).await.remove(0);
    let activity = activity(&app, 10, 0, "").await;
    let found = |query: &'static str| {
        let app = &app;
        let token = token.clone();
        async move {
            let listed: Value = app
                .get(&format!("/api/v1/activities{query}"), Some(&token))
                .await
                .json()
                .await
                .unwrap();
            listed
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|a| a["id"].as_i64())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(found("").await, [activity], "the volunteer's county by default");
    assert_eq!(found("?q=劝").await, [activity], "one character of the title");
    assert_eq!(
        found("?q=交通").await,
        [activity],
        "two characters of the project's category"
    );
    assert!(found("?q=宣讲").await.is_empty());
    assert!(found("?q=%25").await.is_empty(), "a % is a character, not a wildcard");
    assert!(found("?region=140825").await.is_empty(), "another county's list");
    assert_eq!(found("?date=2026-12-06").await, [activity], "on its day (China time)");
    assert!(found("?date=2026-12-07").await.is_empty());
    let malformed = app.get("/api/v1/activities?date=12/06", Some(&token)).await;
    assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
    let stadium = activity_with(
        &app,
        json!({"starts_at": "2026-12-08T08:00:00+08:00", "ends_at": "2026-12-08T09:00:00+08:00",
               "capacity": 5, "address": "稷山县体育场"}),
    )
    .await;
    assert_eq!(found("?q=体育").await, [stadium], "by place");

    // Twenty a page, soonest first; page 2 goes on where page 1 stopped.
    let mut later = Vec::new();
    for day in 10..30 {
        let starts = format!("2026-12-{day}T08:00:00+08:00");
        let ends = format!("2026-12-{day}T09:00:00+08:00");
        later.push(activity_with(&app, json!({"starts_at": starts, "ends_at": ends, "capacity": 5})).await);
    }
    let first = found("").await;
    assert_eq!(first.len(), 20);
    assert_eq!(first[..2], [activity, stadium]);
    assert_eq!(first[2..], later[..18]);
    assert_eq!(found("?page=2").await, later[18..]);
    assert!(found("?page=3").await.is_empty());

    let path = format!("/api/v1/activities/{activity}/signups");
    app.post_json(&path, Some(&token), &json!({})).await;
    let mine: Value = app.get("/api/v1/me/signups", Some(&token)).await.json().await.unwrap();
    assert_eq!(mine[0]["activity_id"], activity);
    assert_eq!(mine[0]["state"], "confirmed");

    app.clock.advance(time::Duration::days(10));
    let token = {
        let phone = "13700007050";
        app.post_json("/api/v1/auth/sms-code", None, &json!({"phone": phone}))
            .await;
        let code = app.sms_code_for(phone).await;
        let body: Value = app
            .post_json("/api/v1/auth/token", None, &json!({"phone": phone, "code": code}))
            .await
            .json()
            .await
            .unwrap();
        body["token"].as_str().unwrap().to_owned()
    };
    let listed: Value = app.get("/api/v1/activities", Some(&token)).await.json().await.unwrap();
    let ids: Vec<i64> = listed
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["id"].as_i64())
        .collect();
    assert_eq!(ids, later, "ended activities are not offered, those to come are");
}

#[tokio::test]
async fn moving_or_cancelling_an_activity_tells_everyone_signed_up_in_the_app() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let organizer = app.signed_in(hongmajia_domain::Role::CenterAdmin, Some("140824")).await;
    let tokens = volunteers(&app, 3, 7060).await;
    let activity = activity(&app, 1, 1, "").await;
    for token in &tokens[..2] {
        let path = format!("/api/v1/activities/{activity}/signups");
        assert_eq!(
            app.post_json(&path, Some(token), &json!({})).await.status(),
            StatusCode::CREATED
        );
    }
    let path = format!("/api/v1/activities/{activity}");
    let by_volunteer = app
        .request(
            reqwest::Method::PATCH,
            &path,
            Some(&tokens[0]),
            Some(&json!({"address": "别处"})),
        )
        .await;
    assert_eq!(by_volunteer.status(), StatusCode::FORBIDDEN);
    let backwards = json!({"starts_at": "2026-12-06T12:00:00+08:00"});
    let backwards = app
        .request(reqwest::Method::PATCH, &path, organizer.token(), Some(&backwards))
        .await;
    assert_eq!(error_code(backwards).await, "invalid_period", "the start after the end");
    let moved = json!({"starts_at": "2026-12-13T08:00:00+08:00", "ends_at": "2026-12-13T11:00:00+08:00", "address": "稷山县体育场"});
    let moved = app
        .request(reqwest::Method::PATCH, &path, organizer.token(), Some(&moved))
        .await;
    assert_eq!(moved.status(), StatusCode::OK);
    let notices = |token: String| {
        let app = &app;
        async move {
            let body: Value = app
                .get("/api/v1/me/notifications", Some(&token))
                .await
                .json()
                .await
                .unwrap();
            body.as_array().unwrap().clone()
        }
    };
    // The confirmed and the waiting volunteer are told; the one who never signed up is not.
    for token in &tokens[..2] {
        let mine = notices(token.clone()).await;
        assert_eq!(mine.len(), 1);
        assert_eq!(mine[0]["kind"], "activity_changed");
        assert!(
            mine[0]["detail"].as_str().unwrap().contains("2026-12-13 08:00"),
            "{mine:?}"
        );
        assert!(mine[0]["detail"].as_str().unwrap().contains("稷山县体育场"));
    }
    assert!(notices(tokens[2].clone()).await.is_empty());

    let cancel = format!("/api/v1/activities/{activity}/cancel");
    let bare = app.post_json(&cancel, organizer.token(), &json!({"reason": " "})).await;
    assert_eq!(error_code(bare).await, "reason_required");
    let done = app
        .post_json(&cancel, organizer.token(), &json!({"reason": "暴雨预警"}))
        .await;
    assert_eq!(done.status(), StatusCode::OK);
    let done: Value = done.json().await.unwrap();
    assert_eq!(
        (done["state"].as_str(), done["state_reason"].as_str()),
        (Some("cancelled"), Some("暴雨预警"))
    );
    let mine = notices(tokens[1].clone()).await;
    assert_eq!(mine[0]["kind"], "activity_cancelled");
    assert_eq!(mine[0]["detail"], "暴雨预警");
    let counts = app.services().signup_counts(ActivityId(activity)).await.unwrap().2;
    assert_eq!(counts, vec![(SignupState::Cancelled, 2)], "every sign-up is cancelled");
    let again = app
        .post_json(&cancel, organizer.token(), &json!({"reason": "再取消"}))
        .await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    let late = app
        .post_json(
            &format!("/api/v1/activities/{activity}/signups"),
            Some(&tokens[2]),
            &json!({}),
        )
        .await;
    assert_eq!(
        late.status(),
        StatusCode::NOT_FOUND,
        "a cancelled activity takes no sign-ups"
    );
}

async fn activity_json(app: &TestApp, activity: i64, token: &str) -> Value {
    let path = format!("/api/v1/activities/{activity}");
    app.get(&path, Some(token)).await.json().await.unwrap()
}

#[tokio::test]
async fn positions_hold_their_own_places_and_approval_takes_the_place_of_an_application() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let organizer = app.signed_in(hongmajia_domain::Role::CenterAdmin, Some("140824")).await;
    let tokens = volunteers(&app, 5, 7070).await;
    let positions = json!([{"name": "引导员", "capacity": 1}, {"name": "讲解员", "capacity": 2}]);
    let activity = activity_with(
        &app,
        json!({"starts_at": "2026-12-06T08:00:00+08:00", "ends_at": "2026-12-06T11:00:00+08:00",
               "capacity": 3, "positions": positions, "requires_approval": true, "waitlist_size": 0}),
    )
    .await;
    let before = activity_json(&app, activity, &tokens[0]).await;
    let guide = before["positions"][0]["id"].as_i64().unwrap();
    let docent = before["positions"][1]["id"].as_i64().unwrap();
    let path = format!("/api/v1/activities/{activity}/signups");
    let unnamed = app.post_json(&path, Some(&tokens[0]), &json!({})).await;
    assert_eq!(error_code(unnamed).await, "missing_field", "a position must be chosen");
    // Two apply for the one guide's place: applications hold no place (quality bar S2).
    let mut applications = Vec::new();
    for token in &tokens[..2] {
        let applied = app.post_json(&path, Some(token), &json!({"position_id": guide})).await;
        assert_eq!(applied.status(), StatusCode::CREATED);
        let applied: Value = applied.json().await.unwrap();
        assert_eq!(applied["state"], "pending");
        applications.push(applied["id"].as_i64().unwrap());
    }
    let docent_application = app
        .post_json(&path, Some(&tokens[2]), &json!({"position_id": docent}))
        .await;
    assert_eq!(docent_application.status(), StatusCode::CREATED);
    assert_eq!(activity_json(&app, activity, &tokens[0]).await["taken"], 0);

    let decide = |id: i64| format!("/api/v1/signups/{id}/decision");
    let by_volunteer = app
        .post_json(&decide(applications[0]), Some(&tokens[3]), &json!({"approve": true}))
        .await;
    assert_eq!(by_volunteer.status(), StatusCode::FORBIDDEN);
    let approved: Value = app
        .post_json(&decide(applications[0]), organizer.token(), &json!({"approve": true}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(approved["state"], "confirmed");
    let second = app
        .post_json(&decide(applications[1]), organizer.token(), &json!({"approve": true}))
        .await;
    assert_eq!(second.status(), StatusCode::CONFLICT, "the guide's one place is taken");
    assert_eq!(error_code(second).await, "activity_full");
    let bare = app
        .post_json(&decide(applications[1]), organizer.token(), &json!({"approve": false}))
        .await;
    assert_eq!(error_code(bare).await, "reason_required");
    let rejected: Value = app
        .post_json(
            &decide(applications[1]),
            organizer.token(),
            &json!({"approve": false, "reason": "岗位已满"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(rejected["state"], "rejected");
    let twice = app
        .post_json(&decide(applications[0]), organizer.token(), &json!({"approve": true}))
        .await;
    assert_eq!(twice.status(), StatusCode::CONFLICT);
    let after = activity_json(&app, activity, &tokens[0]).await;
    assert_eq!(
        (after["taken"].as_i64(), after["positions"][0]["taken"].as_i64()),
        (Some(1), Some(1))
    );
    let shown = after;

    let uneven = json!({"starts_at": "2026-12-07T08:00:00+08:00", "ends_at": "2026-12-07T11:00:00+08:00",
        "capacity": 5, "positions": [{"name": "引导员", "capacity": 1}]});
    let input: hongmajia_services::activities::ActivityInput = serde_json::from_value(json!({
        "project_id": shown["project_id"], "title": "岗位不符", "starts_at": uneven["starts_at"],
        "ends_at": uneven["ends_at"], "capacity": 5, "positions": uneven["positions"]}))
    .unwrap();
    let refused = app
        .services()
        .create_activity(&Actor::System, &input)
        .await
        .unwrap_err();
    assert_eq!(
        refused.code(),
        Some(hongmajia_domain::ErrorCode::InvalidCapacity),
        "places must add up"
    );
}

#[tokio::test]
async fn an_activity_that_asks_for_a_skill_takes_only_volunteers_who_registered_it() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let tokens = volunteers(&app, 1, 7080).await;
    let first_aid = activity_with(
        &app,
        json!({"starts_at": "2026-12-06T08:00:00+08:00", "ends_at": "2026-12-06T11:00:00+08:00",
               "capacity": 5, "required_skills": ["急救"]}),
    )
    .await;
    let signing = activity_with(
        &app,
        json!({"starts_at": "2026-12-07T08:00:00+08:00", "ends_at": "2026-12-07T11:00:00+08:00",
               "capacity": 5, "required_skills": ["手语"]}),
    )
    .await;
    // The test registrations list 急救 and 摄影.
    let ok = app
        .post_json(
            &format!("/api/v1/activities/{first_aid}/signups"),
            Some(&tokens[0]),
            &json!({}),
        )
        .await;
    assert_eq!(ok.status(), StatusCode::CREATED);
    let refused = app
        .post_json(
            &format!("/api/v1/activities/{signing}/signups"),
            Some(&tokens[0]),
            &json!({}),
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_code(refused).await, "skill_required");
}

/// Pages of coming activities are answered from memory for a while: a move or a cancellation by
/// the organizer shows at the volunteer's very next search all the same.
#[tokio::test]
async fn the_activity_list_shows_a_move_and_a_cancellation_at_once() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let organizer = app.signed_in(hongmajia_domain::Role::CenterAdmin, Some("140824")).await;
    let token = volunteers(&app, 1, 7080).await.remove(0);
    let activity = activity(&app, 5, 0, "").await;
    let listed = || async {
        let body: Value = app.get("/api/v1/activities", Some(&token)).await.json().await.unwrap();
        body.as_array().unwrap().clone()
    };
    for _ in 0..2 {
        let page = listed().await;
        assert_eq!((page.len(), page[0]["id"].as_i64()), (1, Some(activity)));
        assert_ne!(page[0]["address"], "稷山县体育场");
    }
    let path = format!("/api/v1/activities/{activity}");
    let moved = app
        .request(
            reqwest::Method::PATCH,
            &path,
            organizer.token(),
            Some(&json!({"address": "稷山县体育场"})),
        )
        .await;
    assert_eq!(moved.status(), StatusCode::OK);
    assert_eq!(listed().await[0]["address"], "稷山县体育场");
    let cancel = format!("/api/v1/activities/{activity}/cancel");
    let done = app
        .post_json(&cancel, organizer.token(), &json!({"reason": "暴雨预警"}))
        .await;
    assert_eq!(done.status(), StatusCode::OK);
    assert!(listed().await.is_empty(), "a cancelled activity is no longer offered");
}

/// Each bad field of an activity answers its own code and message (they were once all "capacity
/// must be above 0" or "the end before the start"), and nothing is stored.
#[tokio::test]
async fn each_bad_field_of_an_activity_names_its_own_problem() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let organizer = app.signed_in(hongmajia_domain::Role::CenterAdmin, Some("140824")).await;
    let existing = activity(&app, 5, 0, "").await;
    let project = app
        .services()
        .activity(&Actor::System, ActivityId(existing))
        .await
        .unwrap()
        .project_id;
    let good = json!({
        "project_id": project, "title": "十字路口文明劝导", "capacity": 5,
        "starts_at": "2026-12-06T08:00:00+08:00", "ends_at": "2026-12-06T11:00:00+08:00",
    });
    let cases = [
        (json!({"min_age": 130}), "invalid_min_age", "min_age"),
        (json!({"geofence_m": 100}), "invalid_geofence", "geofence_m"),
        (json!({"starts_at": "12月6日上午"}), "invalid_time", "starts_at"),
        (json!({"kind": "banquet"}), "invalid_activity_kind", "kind"),
        (
            json!({"checkin_opens_before_min": 600}),
            "invalid_checkin_opening",
            "checkin_opens_before_min",
        ),
    ];
    let mut messages = std::collections::HashSet::new();
    for (change, code, field) in cases {
        let mut body = good.clone();
        for (key, value) in change.as_object().unwrap() {
            body[key] = value.clone();
        }
        let answer: Value = app
            .post_json("/api/v1/activities", organizer.token(), &body)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(answer["error"]["code"], code, "{body}");
        assert_eq!(answer["error"]["field"], field);
        messages.insert(answer["error"]["message"].as_str().unwrap().to_owned());
    }
    assert_eq!(messages.len(), 5, "every problem reads differently: {messages:?}");
    let listed = app
        .services()
        .project_activities(&Actor::System, project)
        .await
        .unwrap();
    assert_eq!(listed.len(), 1, "no refused activity was stored");
}

/// A search is a few words: up to 100 characters are searched, a longer text is a bad query
/// (50,000 of them used to end in a 500 from the database).
#[tokio::test]
async fn an_overlong_search_is_a_bad_query_not_a_server_error() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let token = volunteers(&app, 1, 9300).await.remove(0);
    let search = |q: String| {
        let (app, token) = (&app, &token);
        async move {
            // Non-ASCII in the address is percent-encoded by the URL parser.
            let path = format!("/api/v1/activities?q={q}");
            app.get(&path, Some(token)).await
        }
    };
    assert_eq!(search("宣".repeat(100)).await.status(), StatusCode::OK);
    let long = search("宣".repeat(2_000)).await;
    assert_eq!(long.status(), StatusCode::BAD_REQUEST);
    assert_eq!(error_code(long).await, "invalid_query");
}
