//! The city-scale demo (issue 5, items 1 and 5) at a small fraction of its size, on both
//! engines: the same seed and date give the same data, its printed totals are the platform's
//! own figures, and after registrations, an import, sign-ups, confirmations and a correction
//! made through the running server the kept figures still equal a recount.

use crate::cli::{Target, fresh_target, hongmajia, text};
use crate::helpers::{TestApp, fresh_database_url, resident_id};
use crate::records::{Login, advance_to, attend, json_of, logins, morning_activity, pass, sign_up, staff};
use hongmajia_domain::Role;
use hongmajia_services::Db;
use hongmajia_services::demo::city::{Quiet, ScaleOptions, Scope, Targets};
use reqwest::StatusCode;
use serde_json::json;

/// Jishan at 1/40 of its share: about 1,400 volunteers and 20,000 hours.
const SHRINK: &str = "40";
const ARGS: [&str; 11] = [
    "demo",
    "--scale",
    "county",
    "--county",
    "140824",
    "--seed",
    "7",
    "--as-of",
    "2026-11-01",
    "--shrink",
    SHRINK,
];

/// What the generator decided, without what is random by design (ids, nonces, passwords):
/// one text line per row of every table it fills, sorted.
async fn dump(url: &str) -> Vec<String> {
    let queries = [
        "SELECT code || '|' || name || '|' || level FROM regions",
        "SELECT region_code || '|' || kind || '|' || name || '|' || address || '|' || secretary FROM sites",
        "SELECT code || '|' || name || '|' || gender || '|' || birth_date || '|' || id_masked || '|' || id_lookup || '|'
            || phone_masked || '|' || phone_lookup || '|' || region_code || '|' || skills || '|' || categories || '|'
            || availability || '|' || confirmed_minutes || '|' || created_at FROM volunteers",
        "SELECT t.region_code || '|' || t.name || '|' || t.kind || '|' || t.specialty || '|' || m.role || '|' || v.code
            FROM team_members m JOIN teams t ON t.id = m.team_id JOIN volunteers v ON v.id = m.volunteer_id",
        "SELECT region_code || '|' || title || '|' || category || '|' || state || '|' || starts_on || '|' || ends_on
            FROM projects",
        "SELECT region_code || '|' || title || '|' || kind || '|' || starts_at || '|' || ends_at || '|' || capacity
            || '|' || taken || '|' || COALESCE(audience_count, -1) FROM activities",
        "SELECT v.code || '|' || a.title || '|' || a.starts_at || '|' || s.state FROM signups s
            JOIN volunteers v ON v.id = s.volunteer_id JOIN activities a ON a.id = s.activity_id",
        "SELECT v.code || '|' || a.starts_at || '|' || r.minutes || '|' || r.state || '|' || r.version || '|'
            || t.checked_in_at || '|' || t.checked_out_at FROM service_records r
            JOIN volunteers v ON v.id = r.volunteer_id JOIN activities a ON a.id = r.activity_id
            JOIN attendances t ON t.activity_id = r.activity_id AND t.volunteer_id = r.volunteer_id",
        "SELECT region_code || '|' || volunteers || '|' || teams || '|' || projects || '|' || activities || '|'
            || service_minutes || '|' || lecture_audience FROM region_figures",
    ];
    let db = Db::open(url).await.unwrap();
    let mut lines = Vec::new();
    for sql in queries {
        let mut rows: Vec<String> = match &db {
            Db::Sqlite(pool, _) => sqlx::query_scalar(sql).fetch_all(pool).await.unwrap(),
            Db::Pg(pool) => sqlx::query_scalar(sql).fetch_all(pool).await.unwrap(),
        };
        assert!(!rows.is_empty(), "the generator filled nothing for {sql}");
        rows.sort();
        lines.extend(rows);
    }
    db.close().await;
    lines
}

/// The bulk load writes what the services would (Trust 1, item 7): its past activities were
/// created before they began, so they are live ones, not after the fact; and each version of a
/// record is the move its action names.
async fn writes_what_the_services_would(url: &str) {
    use hongmajia_domain::record::{RecordEvent, RecordState, VersionAction};
    use time::OffsetDateTime;
    type Times = (OffsetDateTime, OffsetDateTime, OffsetDateTime);
    type Step = (i64, i64, String, String);
    let activities = "SELECT created_at, starts_at, ends_at FROM activities";
    let versions = "SELECT record_id, version, action, state FROM record_versions ORDER BY record_id, version";
    let db = Db::open(url).await.unwrap();
    let (times, steps): (Vec<Times>, Vec<Step>) = match &db {
        Db::Sqlite(pool, _) => (
            sqlx::query_as(activities).fetch_all(pool).await.unwrap(),
            sqlx::query_as(versions).fetch_all(pool).await.unwrap(),
        ),
        Db::Pg(pool) => (
            sqlx::query_as(activities).fetch_all(pool).await.unwrap(),
            sqlx::query_as(versions).fetch_all(pool).await.unwrap(),
        ),
    };
    db.close().await;
    assert!(
        times
            .iter()
            .all(|&(created, starts, ends)| !hongmajia_domain::activity::is_after_the_fact(created, (starts, ends))),
        "no demo activity is after the fact"
    );
    assert!(!steps.is_empty());
    for pair in steps.windows(2).filter(|w| w[0].0 == w[1].0) {
        let (from, (_, _, action, to)) = (&pair[0].3, &pair[1]);
        let from = RecordState::parse(from).unwrap();
        let to = RecordState::parse(to).unwrap();
        let event = RecordEvent::ALL
            .iter()
            .copied()
            .find(|&e| VersionAction::from(e).as_str() == action)
            .unwrap_or_else(|| panic!("{action} is no move"));
        let moves = [
            from.after(event).ok(),
            from.after_confirming(true)
                .ok()
                .filter(|_| event == RecordEvent::Confirm),
        ];
        assert!(moves.contains(&Some(to)), "{from} to {to} by {action}");
    }
}

#[tokio::test]
async fn the_same_seed_and_date_give_the_same_county_and_it_prints_the_platforms_own_figures() {
    let first = fresh_target().await;
    // The same keys, so the keyed hashes of ID numbers and phones can be compared too.
    let second = Target {
        url: fresh_database_url().await,
        keys: first.keys.clone(),
    };
    let made = hongmajia(&first, &ARGS, "");
    assert!(made.status.success(), "{}", text(&made.stderr));
    let again = hongmajia(&second, &ARGS, "");
    assert!(again.status.success(), "{}", text(&again.stderr));
    let (a, b) = (dump(&first.url).await, dump(&second.url).await);
    assert_eq!(a.len(), b.len());
    assert!(
        a == b,
        "the first difference: {:?}",
        a.iter().zip(&b).find(|(x, y)| x != y)
    );

    let services = hongmajia_services::Services::new(
        Db::open(&first.url).await.unwrap(),
        hongmajia_services::vault::Vault::load(&first.keys).unwrap(),
        std::sync::Arc::new(hongmajia_services::SystemClock),
        Default::default(),
    );
    let f = services.region_figures("140824").await.unwrap();
    let printed = text(&made.stdout);
    for figure in [
        format!("{} volunteers", f.volunteers),
        format!(
            "{} teams ({} professional, {} characteristic)",
            f.teams.total, f.teams.professional, f.teams.characteristic
        ),
        format!("{} projects", f.projects),
        format!("{} activities", f.activities),
        format!("{} service hours", f.service_hours),
        format!(
            "{} lecture sessions ({} listeners)",
            f.lecture_sessions, f.lecture_audience
        ),
        format!("{} trainings", f.trainings),
    ] {
        assert!(printed.contains(&figure), "{figure} not in {printed}");
    }
    let share = Targets::YUNCHENG.divided_by(40);
    assert!(
        f.volunteers > 1000 && (f.volunteers as u64) < share.volunteers,
        "{}",
        f.volunteers
    );
    // "8+N": a county's first eight teams are professional (at 1/40 it has fewer in all).
    assert!(
        f.teams.professional == f.teams.total.min(8) && f.teams.total > 0,
        "{f:?}"
    );
    assert!(
        f.service_hours > 15_000.0 && f.lecture_audience > 0 && f.trainings > 0,
        "{f:?}"
    );
    assert!(printed.contains("center-admin") && printed.contains("institute-admin"));
    let checked = hongmajia(&first, &["rollups", "rebuild", "--check"], "");
    assert!(checked.status.success(), "{}", text(&checked.stdout));
    writes_what_the_services_would(&first.url).await;

    let twice = hongmajia(&first, &ARGS, "");
    assert!(!twice.status.success());
    assert!(text(&twice.stderr).contains("already holds the demo"));
}

#[tokio::test]
async fn writes_through_the_running_server_keep_the_figures_equal_to_a_recount() {
    let app = TestApp::spawn().await;
    let options = ScaleOptions {
        seed: 3,
        as_of: time::macros::date!(2026 - 11 - 29),
        scope: Scope::County("140824".into()),
        targets: Targets::YUNCHENG.divided_by(60),
    };
    let services = app.services();
    services.load_scaled_demo(&options, &Quiet).await.unwrap();
    let before = services.region_figures("140824").await.unwrap();

    // A volunteer registers herself; two more arrive by a county admin's roster.
    let county = staff(&app, Role::CenterAdmin, "140824").await;
    let people = logins(&app, 2, 9100).await;
    let roster = format!(
        "姓名,证件号码,手机号码,所属区域\n王堃,{},13912340001,140824001001\n李玥,{},13912340002,140824001002\n",
        resident_id(9200),
        resident_id(9201)
    );
    let imported = app
        .post_bytes(
            "/api/v1/imports/volunteers",
            Some(&county.token().await),
            "text/csv",
            roster.into_bytes(),
        )
        .await;
    assert_eq!(imported.status(), StatusCode::OK);
    assert_eq!(json_of(imported).await["imported"], 2);

    // Both sign up, check in and out; one record is confirmed, then corrected on request.
    let activity = morning_activity(&app, json!({})).await;
    let records = attend_by_qr(&app, &county, &people, activity).await;
    advance_to(&app, crate::records::ENDS);
    let first = records[0];
    for record in records {
        let confirm = format!("/api/v1/records/{record}/confirm");
        let confirmed = app.post_json(&confirm, Some(&county.token().await), &json!({})).await;
        assert_eq!(confirmed.status(), StatusCode::OK);
    }
    let ask = format!("/api/v1/records/{first}/corrections");
    let asked = app
        .post_json(
            &ask,
            Some(&people[0].token().await),
            &json!({"minutes": 120, "reason": "提前离开了一小时"}),
        )
        .await;
    assert_eq!(asked.status(), StatusCode::CREATED);
    let request = json_of(asked).await["id"].as_i64().unwrap();
    let decided = app
        .post_json(
            &format!("/api/v1/corrections/{request}/decision"),
            Some(&county.token().await),
            &json!({"approve": true}),
        )
        .await;
    assert_eq!(decided.status(), StatusCode::OK);

    let after = services.region_figures("140824").await.unwrap();
    assert_eq!(after.volunteers, before.volunteers + 4);
    assert_eq!(after.activities, before.activities + 1);
    // From the start (08:00) to 10:20 counts 140 minutes each (the half-hour rule does not round
    // up past the presence); one was then corrected to 2 h: 260 minutes.
    assert!(
        (after.service_hours - before.service_hours - 260.0 / 60.0).abs() < 0.06,
        "{after:?} vs {before:?}"
    );

    let (url, keys) = app.database();
    let target = Target { url, keys };
    let checked = hongmajia(&target, &["rollups", "rebuild", "--check"], "");
    assert!(
        checked.status.success(),
        "{}{}",
        text(&checked.stdout),
        text(&checked.stderr)
    );
    assert!(text(&checked.stdout).contains("equal a recount"));
}

/// Everyone signs up, checks in at 07:40 and out at 10:20 by the organizer's QR code: the
/// ids of their pending records.
async fn attend_by_qr(app: &TestApp, organizer: &Login<'_>, people: &[Login<'_>], activity: i64) -> Vec<i64> {
    for who in people {
        sign_up(app, who, activity).await;
    }
    let mut records = Vec::new();
    for (when, direction) in [
        ("2026-12-06T07:40:00+08:00", "check-in"),
        ("2026-12-06T10:20:00+08:00", "check-out"),
    ] {
        advance_to(app, when);
        for who in people {
            let token = pass(app, organizer, activity).await["token"].clone();
            let response = attend(app, who, activity, direction, json!({"token": token})).await;
            assert_eq!(response.status(), StatusCode::OK);
            if direction == "check-out" {
                records.push(json_of(response).await["record_id"].as_i64().unwrap());
            }
        }
    }
    records
}
