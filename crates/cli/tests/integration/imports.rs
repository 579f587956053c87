//! Roster import (the contract of `hongmajia import volunteers`): real .xlsx files made here,
//! CSV in UTF-8 and GBK, a mix of good and bad rows, re-import, unusable files, the API upload
//! and its error report read back with calamine.

use crate::helpers::{TestApp, engine_name, resident_id, resident_id_born};
use calamine::Reader;
use hongmajia_domain::Role;
use reqwest::StatusCode;
use serde_json::Value;
use std::process::Command;

const HEADERS: [&str; 8] = [
    "姓名",
    "证件类型",
    "证件号码",
    "手机号码",
    "所属区域",
    "技能特长",
    "服务类别",
    "所属队伍",
];

/// A cell of a roster row: text, or a number as Excel keeps a number.
enum Value_ {
    Text(String),
    Number(f64),
}

fn text(s: &str) -> Value_ {
    Value_::Text(s.to_owned())
}

/// A real .xlsx written by rust_xlsxwriter, header in row 1, then the rows, then blank rows.
fn xlsx(rows: &[Vec<Value_>]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (col, header) in HEADERS.iter().enumerate() {
        sheet.write_string(0, col as u16, *header).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (col, cell) in row.iter().enumerate() {
            match cell {
                Value_::Text(s) if s.is_empty() => {}
                Value_::Text(s) => {
                    sheet.write_string(r as u32 + 1, col as u16, s).unwrap();
                }
                Value_::Number(n) => {
                    sheet.write_number(r as u32 + 1, col as u16, *n).unwrap();
                }
            }
        }
    }
    // Trailing blank rows that still carry formatting, as Excel leaves them.
    let blank = rust_xlsxwriter::Format::new().set_bold();
    sheet.write_blank(rows.len() as u32 + 3, 0, &blank).unwrap();
    book.save_to_buffer().unwrap()
}

fn person(name: &str, id: &str, phone: &str, region: &str) -> Vec<Value_> {
    vec![
        text(name),
        text(""),
        text(id),
        text(phone),
        text(region),
        text("急救、摄影"),
        text("医疗卫生，环保"),
        text(""),
    ]
}

/// A roster with every kind of problem, and the problems it must produce (row, column, code).
fn mixed_roster() -> (Vec<u8>, Vec<(u64, &'static str, &'static str)>) {
    let mut rows = vec![
        person("王堃", &resident_id(1), "13800000001", "140824001001"),
        person("李玥", &resident_id(2), "13800000002", "140824"),
        person("", &resident_id(3), "13800000003", "140824001001"),
        person("张珺", "140824199005171230", "13800000004", "140824001001"),
        person("赵伟", &resident_id(5), "1380000", "140824001001"),
        person("孙丽", &resident_id(6), "13800000006", "990000"),
        person("王堃", &resident_id(1), "13800000007", "140824001001"),
        person(
            "周杰",
            &resident_id_born("20120301", 8, true),
            "13800000008",
            "140824001001",
        ),
        person("吴敏", &resident_id(9), "13800000009", "140824001001"),
        person("买买提·艾力", &resident_id(10), "13800000010", "140825001001"),
    ];
    rows[8][2] = Value_::Number(140824199005171234.0);
    rows[8].truncate(8);
    let expected = vec![
        (4, "姓名", "missing_field"),
        (5, "证件号码", "invalid_id_number"),
        (6, "手机号码", "invalid_phone"),
        (7, "所属区域", "unknown_region"),
        (8, "证件号码", "duplicate_in_file"),
        (9, "证件号码", "guardian_consent_required"),
        (10, "证件号码", "id_number_as_number"),
    ];
    (xlsx(&rows), expected)
}

fn run_import(app_db: &(String, std::path::PathBuf), file: &std::path::Path, extra: &[&str]) -> (bool, Value) {
    let mut args = vec!["import", "volunteers", file.to_str().unwrap(), "--json"];
    args.extend_from_slice(extra);
    let output = Command::new(env!("CARGO_BIN_EXE_hongmajia"))
        .args(&args)
        .env("HONGMAJIA_DATABASE_URL", &app_db.0)
        .env("HONGMAJIA_SECRET_KEY_FILE", &app_db.1)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "exactly one JSON object on stdout: {stdout}");
    (
        output.status.success(),
        serde_json::from_str(lines[0]).expect("JSON on stdout"),
    )
}

/// A database with the test region tree, its key file, and the services to look into it.
async fn cli_database() -> ((String, std::path::PathBuf), TestApp) {
    let app = TestApp::spawn().await.with_region_tree().await;
    (app.database(), app)
}

fn write_temp(bytes: &[u8], name: &str) -> std::path::PathBuf {
    let path = tempfile::tempdir().unwrap().keep().join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[tokio::test]
async fn a_mixed_roster_imports_the_good_rows_and_reports_each_bad_one_by_row_and_column() {
    let (db, app) = cli_database().await;
    let (bytes, expected) = mixed_roster();
    let file = write_temp(&bytes, "roster.xlsx");
    let (ok, report) = run_import(&db, &file, &[]);
    assert!(ok, "{report}");
    assert_eq!(
        (
            report["imported"].as_u64(),
            report["matched"].as_u64(),
            report["rejected"].as_u64()
        ),
        (Some(3), Some(0), Some(7)),
        "{report}"
    );
    let errors: Vec<(u64, &str, &str)> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["row"].as_u64().unwrap(),
                e["column"].as_str().unwrap(),
                e["code"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(errors, expected);
    let as_number = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["code"] == "id_number_as_number")
        .unwrap();
    assert!(
        as_number["message"].as_str().unwrap().contains("文本"),
        "the message says how to fix it: {as_number}"
    );

    let city = app.signed_in(Role::CityAdmin, Some("140800")).await;
    let all: Value = app
        .get("/api/v1/volunteers?region=140800", city.token())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(all["total"], 3, "on {}", engine_name());
    let names: Vec<&str> = all["volunteers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"李玥"), "a county-level region is fine for an import");
    let wang = all["volunteers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "王堃")
        .unwrap();
    assert_eq!(wang["skills"], serde_json::json!(["急救", "摄影"]));
    assert_eq!(wang["categories"], serde_json::json!(["医疗卫生", "环保"]));
    assert_eq!(wang["registered_by"], "import");

    // The same file again: everything already there is matched, nothing changes.
    let (_, again) = run_import(&db, &file, &[]);
    assert_eq!(
        (
            again["imported"].as_u64(),
            again["matched"].as_u64(),
            again["rejected"].as_u64()
        ),
        (Some(0), Some(3), Some(7))
    );
    let after: Value = app
        .get("/api/v1/volunteers?region=140800", city.token())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(after["total"], 3);
}

#[tokio::test]
async fn the_same_id_under_another_name_conflicts_and_overwrites_nothing() {
    let (db, app) = cli_database().await;
    let first = write_temp(
        &xlsx(&[person("王堃", &resident_id(1), "13800000001", "140824001001")]),
        "a.xlsx",
    );
    run_import(&db, &first, &[]);
    let renamed = write_temp(
        &xlsx(&[person("王坤", &resident_id(1), "13800000001", "140824001001")]),
        "b.xlsx",
    );
    let (ok, report) = run_import(&db, &renamed, &["--lang", "en"]);
    assert!(ok);
    assert_eq!(report["errors"][0]["code"], "conflicts_with_registered");
    assert!(
        report["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("another name")
    );
    let city = app.signed_in(Role::CityAdmin, Some("140800")).await;
    let all: Value = app
        .get("/api/v1/volunteers?region=140800", city.token())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(all["volunteers"][0]["name"], "王堃");
}

#[tokio::test]
async fn csv_rosters_in_gbk_and_in_utf8_with_english_headers_import_alike() {
    let (db, app) = cli_database().await;
    let chinese = format!(
        "姓名,证件号码,手机号码,所属区域\n王堃,{},13800000001,140824001001\n\n",
        resident_id(1)
    );
    let (gbk, _, _) = encoding_rs::GBK.encode(&chinese);
    let (ok, report) = run_import(&db, &write_temp(&gbk, "gbk.csv"), &[]);
    assert!(ok);
    assert_eq!(report["imported"], 1, "{report}");
    let english = format!(
        "\u{FEFF}name,id_number,phone,region\n李玥,{},13800000002,140824001001\n",
        resident_id(2)
    );
    let (ok, report) = run_import(&db, &write_temp(english.as_bytes(), "utf8.csv"), &[]);
    assert!(ok);
    assert_eq!(report["imported"], 1, "{report}");
    let city = app.signed_in(Role::CityAdmin, Some("140800")).await;
    let all: Value = app
        .get("/api/v1/volunteers?region=140800", city.token())
        .await
        .json()
        .await
        .unwrap();
    let mut names: Vec<&str> = all["volunteers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["李玥", "王堃"], "GBK was decoded, not mangled");
}

#[tokio::test]
async fn a_file_that_is_no_roster_gets_one_error_a_failing_exit_and_changes_nothing() {
    let (db, app) = cli_database().await;
    let cases: [(&[u8], &str); 4] = [
        (b"\x00\x01\x02garbage\xff\xfe", "unreadable_file"),
        ("名字,电话\n王堃,13800000001\n".as_bytes(), "wrong_headers"),
        ("姓名,证件号码,手机号码,所属区域\n\n\n".as_bytes(), "empty_roster"),
        (b"PK\x03\x04broken zip", "unreadable_file"),
    ];
    for (bytes, code) in cases {
        let (ok, report) = run_import(&db, &write_temp(bytes, "bad.csv"), &[]);
        assert!(!ok, "{code}");
        assert_eq!(report["error"]["code"], code);
    }
    let (ok, report) = run_import(&db, std::path::Path::new("/no/such/file.xlsx"), &[]);
    assert!(!ok);
    assert_eq!(report["error"]["code"], "unreadable_file");
    let (ok, report) = run_import(&db, &write_temp(&mixed_roster().0, "r.xlsx"), &["--team", "424242"]);
    assert!(!ok);
    assert_eq!(report["error"]["code"], "unknown_team");
    let city = app.signed_in(Role::CityAdmin, Some("140800")).await;
    let all: Value = app
        .get("/api/v1/volunteers?region=140800", city.token())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(all["total"], 0);
}

#[tokio::test]
async fn a_county_admin_uploads_a_roster_and_downloads_the_rejected_rows_to_fix() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let admin = app.signed_in(Role::CenterAdmin, Some("140824")).await;
    let (bytes, _) = mixed_roster();
    let client = reqwest::Client::new();
    let upload = |path: &'static str| {
        client
            .post(app.url(path))
            .bearer_auth(admin.token().unwrap())
            .header("content-type", "application/octet-stream")
            .body(bytes.clone())
    };
    let report = upload("/api/v1/imports/volunteers/error-report").send().await.unwrap();
    assert_eq!(report.status(), StatusCode::OK);
    let workbook = report.bytes().await.unwrap().to_vec();
    let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(workbook)).unwrap();
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(
        rows.len(),
        1 + 8,
        "the header and the 8 rows rejected for this county (one is in 140825)"
    );
    assert!(rows[0].iter().any(|h| h.contains("错误原因")));
    assert!(
        rows.iter()
            .any(|r| r.iter().any(|c| c.contains("已在文件中重复") || c.contains("重复")))
    );
    let list: Value = app.get("/api/v1/volunteers", admin.token()).await.json().await.unwrap();
    assert_eq!(list["total"], 0, "the report writes nothing");

    let imported: Value = upload("/api/v1/imports/volunteers")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(imported["imported"], 2, "{imported}");
    let outside = imported["errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["row"] == 11)
        .unwrap();
    assert_eq!(
        outside["code"], "unknown_region",
        "another county's village is not this admin's"
    );

    let template = app.get("/api/v1/imports/volunteers/template", admin.token()).await;
    assert_eq!(template.status(), StatusCode::OK);
    let mut book =
        calamine::open_workbook_auto_from_rs(std::io::Cursor::new(template.bytes().await.unwrap().to_vec())).unwrap();
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    let header: Vec<String> = sheet.rows().next().unwrap().iter().map(|c| c.to_string()).collect();
    assert_eq!(header, HEADERS);
    let log: Value = app
        .get("/api/v1/audit?action=volunteer.register", admin.token())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(log["entries"][0]["event"], "roster.imported");
    assert_eq!(log["entries"][0]["params"]["imported"], "2");
}

#[tokio::test]
async fn an_import_into_a_team_makes_the_volunteers_members() {
    let (db, app) = cli_database().await;
    let site = crate::helpers::site_of(&app, "140824").await;
    let input = crate::helpers::team_input(site, "医疗卫生队", "professional", "医疗卫生");
    let team = app
        .services()
        .create_team(&hongmajia_domain::Actor::System, &input)
        .await
        .unwrap()
        .id;
    let mut by_name = person("李玥", &resident_id(2), "13800000002", "140824001001");
    by_name[7] = text("医疗卫生队");
    let rows = [person("王堃", &resident_id(1), "13800000001", "140824001001"), by_name];
    let (ok, report) = run_import(
        &db,
        &write_temp(&xlsx(&rows), "team.xlsx"),
        &["--team", &team.to_string()],
    );
    assert!(ok, "{report}");
    let detail = app
        .services()
        .team(&hongmajia_domain::Actor::System, team)
        .await
        .unwrap();
    assert_eq!(detail.members.unwrap().len(), 2);
    let mut unknown = person("张珺", &resident_id(3), "13800000003", "140824001001");
    unknown[7] = text("不存在的队");
    let (_, report) = run_import(&db, &write_temp(&xlsx(&[unknown]), "unknown.xlsx"), &[]);
    assert_eq!(report["errors"][0]["code"], "unknown_team");
}
