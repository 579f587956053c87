//! Teams: founded by a site's staff or applied for by a volunteer and reviewed; suspended,
//! restored, dissolved; members by request or invitation; the county's "8+N".

use crate::helpers::{TestApp, TestUser, error_code, registration, resident_id, site_of};
use hongmajia_domain::Role;
use hongmajia_domain::TeamId;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A signed-in person who registered as a volunteer in Jishan's first village.
async fn volunteer(app: &TestApp, serial: u32) -> (TestUser, i64) {
    let user = app.signed_in(Role::Citizen, None).await;
    let me: Value = app
        .post_json(
            "/api/v1/me/volunteer",
            user.token(),
            &registration("140824001001", &resident_id(serial), ""),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = me["id"].as_i64().unwrap();
    (user, id)
}

async fn change(app: &TestApp, token: Option<&str>, team: i64, body: Value) -> reqwest::Response {
    app.post_json(&format!("/api/v1/teams/{team}/state"), token, &body)
        .await
}

#[tokio::test]
async fn a_volunteers_application_is_reviewed_by_the_site_and_a_rejection_says_why() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let station = app.signed_in(Role::StationAdmin, Some("140824001001")).await;
    let (applicant, applicant_id) = volunteer(&app, 1).await;
    let site = site_of(&app, "140824001001").await;
    let body = json!({"site_id": site, "name": "姚村巾帼志愿服务队", "kind": "characteristic", "specialty": "巾帼"});
    let applied: Value = app
        .post_json("/api/v1/teams/applications", applicant.token(), &body)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(applied["state"], "applied");
    assert_eq!(applied["specialty"], "women");
    let team = applied["id"].as_i64().unwrap();

    let no_reason = change(&app, station.token(), team, json!({"event": "reject"})).await;
    assert_eq!(error_code(no_reason).await, "reason_required");
    let rejected: Value = change(
        &app,
        station.token(),
        team,
        json!({"event": "reject", "reason": "名称不规范"}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(
        (rejected["state"].as_str(), rejected["state_reason"].as_str()),
        (Some("rejected"), Some("名称不规范"))
    );
    let resubmitted = change(&app, applicant.token(), team, json!({"event": "resubmit"})).await;
    assert_eq!(resubmitted.status(), StatusCode::OK);
    let approved: Value = change(&app, station.token(), team, json!({"event": "approve"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(approved["state"], "active");
    let twice = change(&app, station.token(), team, json!({"event": "approve"})).await;
    assert_eq!(twice.status(), StatusCode::CONFLICT);
    assert_eq!(error_code(twice).await, "invalid_transition");

    let detail: Value = app
        .get(&format!("/api/v1/teams/{team}"), applicant.token())
        .await
        .json()
        .await
        .unwrap();
    let members = detail["members"].as_array().expect("the leader sees the members");
    assert_eq!(members[0]["volunteer_id"], applicant_id);
    assert_eq!(members[0]["role"], "leader");
}

#[tokio::test]
async fn only_registered_volunteers_apply_and_names_are_unique_per_site() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let citizen = app.signed_in(Role::Citizen, None).await;
    let site = site_of(&app, "140824001001").await;
    let body = json!({"site_id": site, "name": "法律援助队", "kind": "professional", "specialty": "法律援助"});
    let refused = app
        .post_json("/api/v1/teams/applications", citizen.token(), &body)
        .await;
    assert_eq!(error_code(refused).await, "not_registered");
    let station = app.signed_in(Role::StationAdmin, Some("140824001001")).await;
    assert_eq!(
        app.post_json("/api/v1/teams", station.token(), &body).await.status(),
        StatusCode::CREATED
    );
    let again = app.post_json("/api/v1/teams", station.token(), &body).await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    assert_eq!(error_code(again).await, "team_exists");
    let wrong_kind = json!({"site_id": site, "name": "别的队", "kind": "professional", "specialty": "巾帼"});
    let response = app.post_json("/api/v1/teams", station.token(), &wrong_kind).await;
    assert_eq!(error_code(response).await, "invalid_specialty");
}

#[tokio::test]
async fn members_join_by_request_or_invitation_and_a_leader_runs_them() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let station = app.signed_in(Role::StationAdmin, Some("140824001001")).await;
    let (leader, leader_id) = volunteer(&app, 10).await;
    let (asker, asker_id) = volunteer(&app, 11).await;
    let (invitee, invitee_id) = volunteer(&app, 12).await;
    let site = site_of(&app, "140824001001").await;
    let leader_code = crate::helpers::volunteer_code(&app, leader_id).await;
    let body = json!({"site_id": site, "name": "应急救援队", "kind": "professional", "specialty": "应急救援", "leader_code": leader_code});
    let team: Value = app
        .post_json("/api/v1/teams", station.token(), &body)
        .await
        .json()
        .await
        .unwrap();
    let team = team["id"].as_i64().unwrap();

    // Leading is an invitation the volunteer accepts.
    let membership = format!("/api/v1/teams/{team}/membership");
    let led: Value = app
        .post_json(&membership, leader.token(), &json!({"action": "accept"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (led["state"].as_str(), led["role"].as_str()),
        (Some("member"), Some("leader"))
    );
    let requested: Value = app
        .post_json(&membership, asker.token(), &json!({"action": "request"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(requested["state"], "requested");
    let duplicate = app
        .post_json(&membership, asker.token(), &json!({"action": "request"}))
        .await;
    assert_eq!(error_code(duplicate).await, "membership_exists");
    let approved: Value = app
        .post_json(
            &format!("/api/v1/teams/{team}/members/{asker_id}"),
            leader.token(),
            &json!({"decision": "approve"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(approved["state"], "member");

    let invitee_code = crate::helpers::volunteer_code(&app, invitee_id).await;
    let invited = app
        .post_json(
            &format!("/api/v1/teams/{team}/members"),
            leader.token(),
            &json!({"volunteer_code": invitee_code}),
        )
        .await;
    assert_eq!(invited.status(), StatusCode::CREATED);
    let invited: Value = invited.json().await.unwrap();
    assert_eq!(
        invited,
        json!({"team_id": team, "state": "invited"}),
        "nothing about the invitee"
    );
    let detail: Value = app
        .get(&format!("/api/v1/teams/{team}"), leader.token())
        .await
        .json()
        .await
        .unwrap();
    let listed = detail["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["volunteer_id"] == invitee_id)
        .cloned();
    assert_eq!(listed.unwrap()["name"], "", "an invitee's name shows once they accept");
    let accepted: Value = app
        .post_json(&membership, invitee.token(), &json!({"action": "accept"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(accepted["state"], "member");
    let promoted: Value = app
        .post_json(
            &format!("/api/v1/teams/{team}/members/{invitee_id}"),
            leader.token(),
            &json!({"role": "admin"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(promoted["role"], "admin");
    // A plain member runs nothing.
    let by_member = app
        .post_json(
            &format!("/api/v1/teams/{team}/members/{invitee_id}"),
            asker.token(),
            &json!({"decision": "remove"}),
        )
        .await;
    assert_eq!(by_member.status(), StatusCode::FORBIDDEN);
    let left: Value = app
        .post_json(&membership, asker.token(), &json!({"action": "leave"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(left["state"], "former");
    let back: Value = app
        .post_json(&membership, asker.token(), &json!({"action": "request"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(back["state"], "requested", "a former member may ask again");
}

#[tokio::test]
async fn a_suspended_team_takes_no_members_and_a_dissolved_one_stays_readable() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let county = app.signed_in(Role::CenterAdmin, Some("140824")).await;
    let (person, _) = volunteer(&app, 20).await;
    let site = site_of(&app, "140824001").await;
    let body = json!({"site_id": site, "name": "青年突击队", "kind": "characteristic", "specialty": "青年"});
    let team: Value = app
        .post_json("/api/v1/teams", county.token(), &body)
        .await
        .json()
        .await
        .unwrap();
    let team = team["id"].as_i64().unwrap();
    let suspended: Value = change(
        &app,
        county.token(),
        team,
        json!({"event": "suspend", "reason": "年度整顿"}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(suspended["state"], "suspended");
    let join = app
        .post_json(
            &format!("/api/v1/teams/{team}/membership"),
            person.token(),
            &json!({"action": "request"}),
        )
        .await;
    assert_eq!(error_code(join).await, "team_not_active");
    assert_eq!(
        change(&app, county.token(), team, json!({"event": "restore"}))
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        change(&app, county.token(), team, json!({"event": "dissolve"}))
            .await
            .status(),
        StatusCode::OK
    );
    let restore = change(&app, county.token(), team, json!({"event": "restore"})).await;
    assert_eq!(restore.status(), StatusCode::CONFLICT, "dissolved is final");
    let read: Value = app
        .get(&format!("/api/v1/teams/{team}"), person.token())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(read["team"]["state"], "dissolved");
    assert!(
        read["members"].is_null(),
        "members are shown to staff and the team's runners only"
    );
    let log: Value = app
        .get("/api/v1/audit?action=team.manage", county.token())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(log["total"], 3);
}

#[tokio::test]
async fn a_county_sees_its_eight_plus_n_per_kind_of_site() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let county = app.signed_in(Role::CenterAdmin, Some("140824")).await;
    let center = site_of(&app, "140824").await;
    let station = site_of(&app, "140824001001").await;
    for (site, name, kind, specialty) in [
        (center, "理论宣讲队", "professional", "理论宣讲"),
        (center, "文化文艺队", "professional", "文化文艺"),
        (center, "巾帼志愿队", "characteristic", "巾帼"),
        (station, "十必到分队", "characteristic", "十必到"),
    ] {
        let body = json!({"site_id": site, "name": name, "kind": kind, "specialty": specialty});
        assert_eq!(
            app.post_json("/api/v1/teams", county.token(), &body).await.status(),
            StatusCode::CREATED
        );
    }
    let counts: Value = app
        .get("/api/v1/regions/140824/team-counts", county.token())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        counts,
        json!([
            {"site_kind": "center", "professional": 2, "characteristic": 1},
            {"site_kind": "institute", "professional": 0, "characteristic": 0},
            {"site_kind": "station", "professional": 0, "characteristic": 1},
        ])
    );
}

#[tokio::test]
async fn teams_and_their_members_are_found_by_short_name_fragments_and_team() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let county = app.signed_in(Role::CenterAdmin, Some("140824")).await;
    let site = site_of(&app, "140824").await;
    let mut ids = Vec::new();
    for name in ["巾帼志愿服务队", "青年突击队", "巾帼宣讲团"] {
        let body = json!({"site_id": site, "name": name, "kind": "characteristic", "specialty": "巾帼"});
        let team: Value = app
            .post_json("/api/v1/teams", county.token(), &body)
            .await
            .json()
            .await
            .unwrap();
        ids.push(team["id"].as_i64().unwrap());
    }
    let found: Value = app
        .get("/api/v1/teams?region=140824&name=%E5%B7%BE%E5%B8%BC", county.token())
        .await
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = found
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["巾帼宣讲团", "巾帼志愿服务队"], "two characters, 巾帼");

    let (_, member) = volunteer(&app, 30).await;
    let member_code = crate::helpers::volunteer_code(&app, member).await;
    app.services()
        .invite(&hongmajia_domain::Actor::System, TeamId(ids[1]), &member_code)
        .await
        .unwrap();
    let listed: Value = app
        .get(&format!("/api/v1/volunteers?team={}", ids[1]), county.token())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["total"], 0, "an invitation is not yet a membership");
    let led_team = hongmajia_services::teams::TeamInput {
        leader_code: Some(member_code),
        ..crate::helpers::team_input(site, "x", "professional", "其他")
    };
    let led = app
        .services()
        .create_team(&hongmajia_domain::Actor::System, &led_team)
        .await
        .unwrap()
        .id;
    let listed: Value = app
        .get(&format!("/api/v1/volunteers?team={led}"), county.token())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["total"], 1, "the leader is a member of the team they lead");
    assert_eq!(listed["volunteers"][0]["id"], member);
    let by_category: Value = app
        .get("/api/v1/volunteers?category=%E5%8C%BB%E7%96%97", county.token())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(by_category["total"], 1, "registered with 医疗卫生");
    let none: Value = app
        .get("/api/v1/volunteers?category=%E6%B3%95%E5%BE%8B", county.token())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(none["total"], 0);
}

/// The review found a team admin demoting its leader to take over, and staff making a
/// volunteer of another county leader without asking: roles are the leader's (or the staff's)
/// to change, and leading is accepted, never imposed.
#[tokio::test]
async fn a_team_admin_cannot_depose_the_leader_and_nobody_is_made_leader_unasked() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let station = app.signed_in(Role::StationAdmin, Some("140824001001")).await;
    let (leader, leader_id) = volunteer(&app, 70).await;
    let (admin, admin_id) = volunteer(&app, 71).await;
    let (member, member_id) = volunteer(&app, 72).await;
    let site = site_of(&app, "140824001001").await;
    let code = crate::helpers::volunteer_code(&app, leader_id).await;
    let body = json!({"site_id": site, "name": "文艺队", "kind": "professional", "specialty": "文化文艺", "leader_code": code});
    let team: Value = app
        .post_json("/api/v1/teams", station.token(), &body)
        .await
        .json()
        .await
        .unwrap();
    let team = team["id"].as_i64().unwrap();
    let membership = format!("/api/v1/teams/{team}/membership");
    // The staff make an admin while the leader's invitation waits; that admin cannot reject it.
    app.post_json(&membership, admin.token(), &json!({"action": "request"}))
        .await;
    let admin_path = format!("/api/v1/teams/{team}/members/{admin_id}");
    let approved = app
        .post_json(
            &admin_path,
            station.token(),
            &json!({"decision": "approve", "role": "admin"}),
        )
        .await;
    assert_eq!(approved.status(), StatusCode::OK);
    let rejected = app
        .post_json(
            &format!("/api/v1/teams/{team}/members/{leader_id}"),
            admin.token(),
            &json!({"decision": "reject"}),
        )
        .await;
    assert_eq!(
        rejected.status(),
        StatusCode::FORBIDDEN,
        "the leader's invitation is not the admin's to reject"
    );
    // Until the named leader accepts, they run nothing.
    let early = app
        .post_json(&admin_path, leader.token(), &json!({"role": "member"}))
        .await;
    assert_eq!(early.status(), StatusCode::FORBIDDEN);
    app.post_json(&membership, leader.token(), &json!({"action": "accept"}))
        .await;
    app.post_json(&membership, member.token(), &json!({"action": "request"}))
        .await;
    let approved = app
        .post_json(
            &format!("/api/v1/teams/{team}/members/{member_id}"),
            leader.token(),
            &json!({"decision": "approve"}),
        )
        .await;
    assert_eq!(approved.status(), StatusCode::OK);

    let by_admin = |path: String, body: Value| {
        let app = &app;
        let token = admin.token().map(str::to_owned);
        async move { app.post_json(&path, token.as_deref(), &body).await.status() }
    };
    let leader_path = format!("/api/v1/teams/{team}/members/{leader_id}");
    let member_path = format!("/api/v1/teams/{team}/members/{member_id}");
    assert_eq!(
        by_admin(leader_path.clone(), json!({"role": "member"})).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        by_admin(leader_path.clone(), json!({"decision": "remove"})).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        by_admin(member_path.clone(), json!({"role": "leader"})).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        by_admin(member_path.clone(), json!({"role": "admin"})).await,
        StatusCode::FORBIDDEN
    );
    // An admin still runs the members: a plain member may be removed.
    assert_eq!(
        by_admin(member_path, json!({"decision": "remove"})).await,
        StatusCode::OK
    );
    // The staff of the region may change the runners.
    let staff = app
        .post_json(&leader_path, station.token(), &json!({"role": "admin"}))
        .await;
    assert_eq!(staff.status(), StatusCode::OK);

    // A code nobody has names no one.
    let unknown = app
        .post_json(
            &format!("/api/v1/teams/{team}/members"),
            station.token(),
            &json!({"volunteer_code": "V00000000"}),
        )
        .await;
    assert_eq!(error_code(unknown).await, "not_registered");
}
