//! Volunteer registration: the rules of a registration, one person one registration (also under
//! concurrency), masked answers, audited reveals, lists and search.

use crate::helpers::{PASSWORD, TestApp, error_code, registration, resident_id, resident_id_born};
use crate::privacy::raw_database_text;
use hongmajia_domain::Role;
use hongmajia_domain::{TeamId, VolunteerId};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn staff_register_a_volunteer_and_get_masked_data_and_a_public_code_back() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let admin = app.signed_in(Role::StationAdmin, Some("140824001001")).await;
    let id_number = resident_id(7);
    let mut body = registration("140824001001", &id_number, "13812345678");
    body["name"] = json!("买买提·艾力");
    let response = app.post_json("/api/v1/volunteers", admin.token(), &body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let volunteer: Value = response.json().await.unwrap();
    assert_eq!(volunteer["name"], "买买提·艾力");
    assert_eq!(volunteer["phone"], "138****5678");
    let masked = volunteer["id_number"].as_str().unwrap();
    assert_eq!(masked, format!("{}********{}", &id_number[..6], &id_number[14..]));
    let code = volunteer["code"].as_str().unwrap();
    assert!(hongmajia_domain::person::is_volunteer_code(code), "{code}");
    assert!(
        !id_number.contains(&code[..8]),
        "the code is not derived from the ID number"
    );
    assert_eq!(volunteer["skills"], json!(["急救", "摄影"]));
    assert_eq!(volunteer["registered_by"], "staff");
}

#[tokio::test]
async fn each_broken_rule_is_named_by_its_code_and_field() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let admin = app.signed_in(Role::CenterAdmin, Some("140824")).await;
    let valid = || registration("140824001001", &resident_id(1), "13812345678");
    let mut bad_check = valid();
    let mut id = resident_id(1);
    id.replace_range(17..18, if id.ends_with('0') { "1" } else { "0" });
    bad_check["id_number"] = json!(id);
    let mut wrong_birth = valid();
    wrong_birth["birth_date"] = json!("1990-05-18");
    let mut wrong_gender = valid();
    wrong_gender["gender"] = json!("female");
    let mut no_consent = valid();
    no_consent["consent"] = json!(false);
    let mut township = valid();
    township["region_code"] = json!("140824001");
    let mut bad_phone = valid();
    bad_phone["phone"] = json!("12345");
    let mut bad_name = valid();
    bad_name["name"] = json!("王2");
    let mut future = valid();
    let born_later = resident_id_born("20300101", 3, true);
    future["id_number"] = json!(born_later);
    future["birth_date"] = json!("2030-01-01");
    for (body, code, field) in [
        (bad_check, "invalid_id_number", "id_number"),
        (wrong_birth, "birth_date_mismatch", "birth_date"),
        (wrong_gender, "gender_mismatch", "gender"),
        (no_consent, "consent_required", "consent"),
        (township, "region_level_mismatch", "region_code"),
        (bad_phone, "invalid_phone", "phone"),
        (bad_name, "invalid_name", "name"),
        (future, "invalid_birth_date", "id_number"),
    ] {
        let response = app.post_json("/api/v1/volunteers", admin.token(), &body).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{code}");
        let error: Value = response.json().await.unwrap();
        assert_eq!(
            (error["error"]["code"].as_str(), error["error"]["field"].as_str()),
            (Some(code), Some(field))
        );
    }
    let list: Value = app.get("/api/v1/volunteers", admin.token()).await.json().await.unwrap();
    assert_eq!(list["total"], 0, "no refused registration left anything behind");
}

#[tokio::test]
async fn minors_need_a_guardian_and_children_are_marked_as_childrens_data() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let admin = app.signed_in(Role::CenterAdmin, Some("140824")).await;
    // 2026-11-29 is the test clock's day: 15 years old, then 12.
    let minor_id = resident_id_born("20110301", 11, true);
    let mut minor = registration("140824001001", &minor_id, "13812340001");
    minor["birth_date"] = json!("2011-03-01");
    let refused = app.post_json("/api/v1/volunteers", admin.token(), &minor).await;
    assert_eq!(error_code(refused).await, "guardian_consent_required");
    minor["guardian_name"] = json!("王珺");
    minor["guardian_consent"] = json!(true);
    let accepted: Value = app
        .post_json("/api/v1/volunteers", admin.token(), &minor)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(accepted["child_data"], false);

    let child_id = resident_id_born("20140301", 12, false);
    let mut child = registration("140824001001", &child_id, "13812340002");
    child["birth_date"] = json!("2014-03-01");
    child["gender"] = json!("女");
    child["guardian_name"] = json!("李玥");
    child["guardian_consent"] = json!(true);
    let child: Value = app
        .post_json("/api/v1/volunteers", admin.token(), &child)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(child["child_data"], true);
    assert_eq!(child["gender"], "female");
}

#[tokio::test]
async fn full_width_digits_and_spaces_in_an_id_number_are_the_same_person() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let admin = app.signed_in(Role::CenterAdmin, Some("140824")).await;
    let id = resident_id(21);
    let full_width: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_digit() {
                char::from_u32(u32::from(c) - u32::from('0') + 0xFF10).unwrap()
            } else {
                c
            }
        })
        .collect();
    let first = app
        .post_json(
            "/api/v1/volunteers",
            admin.token(),
            &registration("140824001001", &id, "13812340003"),
        )
        .await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let spaced = format!("{} {}", &full_width[..9], &full_width[9..]);
    let again = app
        .post_json(
            "/api/v1/volunteers",
            admin.token(),
            &registration("140824001001", &spaced, "13812340004"),
        )
        .await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    assert_eq!(error_code(again).await, "already_registered");
}

#[tokio::test]
async fn a_second_self_registration_learns_only_that_the_person_is_registered() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let admin = app.signed_in(Role::CenterAdmin, Some("140824")).await;
    let id = resident_id(31);
    app.post_json(
        "/api/v1/volunteers",
        admin.token(),
        &registration("140824001001", &id, "13812340005"),
    )
    .await;
    let person = app.signed_in(Role::Citizen, None).await;
    let response = app
        .post_json(
            "/api/v1/me/volunteer",
            person.token(),
            &registration("140825001001", &id, ""),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let body = response.text().await.unwrap();
    assert!(body.contains("already_registered") && body.contains("短信"), "{body}");
    assert!(
        !body.contains("140824") && !body.contains("稷山"),
        "where the person is registered is not revealed: {body}"
    );
}

#[tokio::test]
async fn simultaneous_registrations_of_one_person_leave_exactly_one() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let admin = app.signed_in(Role::CityAdmin, Some("140800")).await;
    let id = resident_id(41);
    let client = reqwest::Client::new();
    let attempts: Vec<_> = (0..16)
        .map(|n| {
            let region = if n % 2 == 0 { "140824001001" } else { "140825001001" };
            let request = client
                .post(app.url("/api/v1/volunteers"))
                .bearer_auth(admin.token().unwrap())
                .json(&registration(region, &id, &format!("1381234{n:04}")));
            tokio::spawn(async move { request.send().await.unwrap().status() })
        })
        .collect();
    let mut statuses = Vec::new();
    for attempt in attempts {
        statuses.push(attempt.await.unwrap());
    }
    let created = statuses.iter().filter(|s| **s == StatusCode::CREATED).count();
    let conflicts = statuses.iter().filter(|s| **s == StatusCode::CONFLICT).count();
    assert_eq!((created, conflicts), (1, 15), "{statuses:?}");
    let all: Value = app
        .get("/api/v1/volunteers?region=140800", admin.token())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(all["total"], 1);
}

#[tokio::test]
async fn revealing_the_full_id_number_is_for_covering_staff_and_the_volunteer_and_is_audited() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let station = app.signed_in(Role::StationAdmin, Some("140824001001")).await;
    let person = app.signed_in(Role::Citizen, None).await;
    let id = resident_id(51);
    let mine: Value = app
        .post_json(
            "/api/v1/me/volunteer",
            person.token(),
            &registration("140824001001", &id, ""),
        )
        .await
        .json()
        .await
        .unwrap();
    let path = format!("/api/v1/volunteers/{}/reveal", mine["id"]);
    let revealed: Value = app
        .post_json(&path, station.token(), &json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(revealed["id_number"], id);
    assert_eq!(revealed["phone"], person.phone);
    let own: Value = app
        .post_json(&path, person.token(), &json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(own["id_number"], id, "PIPL: a person may see their own data");
    let other_county = app.signed_in(Role::CenterAdmin, Some("140825")).await;
    assert_eq!(
        app.post_json(&path, other_county.token(), &json!({})).await.status(),
        StatusCode::NOT_FOUND
    );

    let log: Value = app
        .get("/api/v1/audit?action=volunteer.reveal", station.token())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        log["total"], 2,
        "every view of the full data is one audit entry, and refusals none"
    );
    let text = log.to_string();
    assert!(!text.contains(&id), "the audit log holds no full ID number");
}

#[tokio::test]
async fn a_volunteer_sees_their_own_record_and_no_one_elses() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let person = app.signed_in(Role::Citizen, None).await;
    assert_eq!(
        app.get("/api/v1/me/volunteer", person.token()).await.status(),
        StatusCode::NOT_FOUND
    );
    let mine: Value = app
        .post_json(
            "/api/v1/me/volunteer",
            person.token(),
            &registration("140824001001", &resident_id(61), ""),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine["registered_by"], "self");
    let again: Value = app
        .get("/api/v1/me/volunteer", person.token())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["id"], mine["id"]);
    let profile: Value = app.get("/api/v1/me", person.token()).await.json().await.unwrap();
    let roles: Vec<&str> = profile["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["role"].as_str().unwrap())
        .collect();
    assert!(
        roles.contains(&"volunteer"),
        "self-registration adds the volunteer role: {roles:?}"
    );
    let someone = crate::helpers::registered_volunteer(&app, "140824001001", 62).await;
    let status = app
        .get(&format!("/api/v1/volunteers/{someone}"), person.token())
        .await
        .status();
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn lists_search_by_short_name_fragments_phone_tails_and_codes_within_the_area() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let admin = app.signed_in(Role::CenterAdmin, Some("140824")).await;
    let mut names = Vec::new();
    for (n, name) in ["王堃", "李玥", "张珺", "王伟"].into_iter().enumerate() {
        let mut body = registration(
            "140824001001",
            &resident_id(70 + n as u32),
            &format!("1380000{:04}", 1000 + n),
        );
        body["name"] = json!(name);
        let made: Value = app
            .post_json("/api/v1/volunteers", admin.token(), &body)
            .await
            .json()
            .await
            .unwrap();
        names.push(made);
    }
    let outside = app.signed_in(Role::CityAdmin, Some("140800")).await;
    let mut far = registration("140825001001", &resident_id(80), "13800009999");
    far["name"] = json!("王堃");
    app.post_json("/api/v1/volunteers", outside.token(), &far).await;

    let search = |query: &str| {
        let path = format!("/api/v1/volunteers?{query}");
        let app = &app;
        let token = admin.token().map(str::to_owned);
        async move {
            let page: Value = app.get(&path, token.as_deref()).await.json().await.unwrap();
            page["volunteers"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v["name"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        search(&format!("name={}", urlencode("王"))).await,
        ["王堃", "王伟"],
        "one character, own county only"
    );
    assert_eq!(search(&format!("name={}", urlencode("玥"))).await, ["李玥"]);
    assert_eq!(search("phone_tail=1002").await, ["张珺"]);
    let code = names[3]["code"].as_str().unwrap();
    assert_eq!(search(&format!("code={code}")).await, ["王伟"]);
    assert!(
        search(&format!("name={}", urlencode("%"))).await.is_empty(),
        "a wildcard is matched literally"
    );
    let far_away = app.get("/api/v1/volunteers?region=140825", admin.token()).await;
    assert_eq!(far_away.status(), StatusCode::NOT_FOUND);
}

fn urlencode(raw: &str) -> String {
    raw.bytes().map(|b| format!("%{b:02X}")).collect()
}

#[tokio::test]
async fn id_numbers_and_phones_of_volunteers_are_never_stored_in_clear() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let admin = app.signed_in(Role::CenterAdmin, Some("140824")).await;
    let id = resident_id(91);
    let phone = "13876543210";
    let made = app
        .post_json(
            "/api/v1/volunteers",
            admin.token(),
            &registration("140824001001", &id, phone),
        )
        .await;
    assert_eq!(made.status(), StatusCode::CREATED);
    let volunteer: Value = made.json().await.unwrap();
    app.post_json(
        &format!("/api/v1/volunteers/{}/reveal", volunteer["id"]),
        admin.token(),
        &json!({}),
    )
    .await;
    let raw = raw_database_text(&app).await;
    assert!(!raw.contains(&id), "the ID number is in the database in clear");
    assert!(!raw.contains(phone), "the phone is in the database in clear");
    assert!(!raw.contains(PASSWORD));
}

#[tokio::test]
async fn staff_learn_where_a_duplicate_lives_only_when_their_area_covers_it() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let station = app.signed_in(Role::StationAdmin, Some("140824001001")).await;
    let id = resident_id(95);
    let first: Value = app
        .post_json(
            "/api/v1/volunteers",
            station.token(),
            &registration("140824001001", &id, "13812349501"),
        )
        .await
        .json()
        .await
        .unwrap();
    let county = app.signed_in(Role::CenterAdmin, Some("140824")).await;
    let again: Value = app
        .post_json(
            "/api/v1/volunteers",
            county.token(),
            &registration("140824001001", &id, "13812349502"),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["error"]["code"], "already_registered");
    assert_eq!(again["error"]["existing"]["volunteer_id"], first["id"]);
    assert_eq!(again["error"]["existing"]["region_code"], "140824001001");
    let city = app.signed_in(Role::CityAdmin, Some("140800")).await;
    let elsewhere: Value = app
        .post_json(
            "/api/v1/volunteers",
            city.token(),
            &registration("140825001001", &id, "13812349503"),
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(elsewhere["error"]["existing"].is_object(), "the city covers Jishan");
    let other = app.signed_in(Role::CenterAdmin, Some("140825")).await;
    let hidden: Value = app
        .post_json(
            "/api/v1/volunteers",
            other.token(),
            &registration("140825001001", &id, "13812349504"),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(hidden["error"]["code"], "already_registered");
    assert!(
        hidden["error"].get("existing").is_none(),
        "another county learns nothing of where: {hidden}"
    );
}

#[tokio::test]
async fn merging_two_records_of_one_person_keeps_the_history_and_moves_the_memberships() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let county = app.signed_in(Role::CenterAdmin, Some("140824")).await;
    let kept: Value = app
        .post_json(
            "/api/v1/volunteers",
            county.token(),
            &registration("140824001001", &resident_id(120), "13812341201"),
        )
        .await
        .json()
        .await
        .unwrap();
    let mut passport = registration("140824001001", "E12345678", "13812341202");
    passport["id_type"] = json!("passport");
    let duplicate: Value = app
        .post_json("/api/v1/volunteers", county.token(), &passport)
        .await
        .json()
        .await
        .unwrap();
    let site = crate::helpers::site_of(&app, "140824").await;
    let team: Value = app
        .post_json(
            "/api/v1/teams",
            county.token(),
            &json!({"site_id": site, "name": "应急队", "kind": "professional", "specialty": "应急救援"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let team = team["id"].as_i64().unwrap();
    let duplicate_code = crate::helpers::volunteer_code(&app, duplicate["id"].as_i64().unwrap()).await;
    app.services()
        .invite(&hongmajia_domain::Actor::System, TeamId(team), &duplicate_code)
        .await
        .unwrap();

    let path = format!("/api/v1/volunteers/{}/merge", duplicate["id"]);
    let no_reason = app
        .post_json(&path, county.token(), &json!({"into": kept["id"], "reason": " "}))
        .await;
    assert_eq!(error_code(no_reason).await, "reason_required");
    let merged = app
        .post_json(
            &path,
            county.token(),
            &json!({"into": kept["id"], "reason": "护照与身份证为同一人"}),
        )
        .await;
    assert_eq!(merged.status(), StatusCode::OK);
    let again = app
        .post_json(
            &path,
            county.token(),
            &json!({"into": kept["id"], "reason": "再来一次"}),
        )
        .await;
    assert_eq!(again.status(), StatusCode::CONFLICT, "a merged record merges once");

    let old: Value = app
        .get(&format!("/api/v1/volunteers/{}", duplicate["id"]), county.token())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        old["merged_into"], kept["id"],
        "the duplicate stays readable and says where it went"
    );
    let list: Value = app
        .get("/api/v1/volunteers", county.token())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 1, "only the kept record is listed");
    let detail = app
        .services()
        .team(&hongmajia_domain::Actor::System, TeamId(team))
        .await
        .unwrap();
    let members = detail.members.unwrap();
    assert_eq!(members.len(), 1);
    assert_eq!(
        members[0].volunteer_id,
        VolunteerId(kept["id"].as_i64().unwrap()),
        "the invitation moved to the kept record"
    );
    let log: Value = app
        .get("/api/v1/audit?action=volunteer.merge", county.token())
        .await
        .json()
        .await
        .unwrap();
    assert!(
        log["entries"][0]["summary"]
            .as_str()
            .unwrap()
            .contains("护照与身份证为同一人")
    );
    let again_registered = app.post_json("/api/v1/volunteers", county.token(), &passport).await;
    assert_eq!(
        again_registered.status(),
        StatusCode::CONFLICT,
        "the merged ID still counts as registered"
    );
}
