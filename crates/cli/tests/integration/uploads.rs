//! A crafted upload cannot exhaust the server (Security 1, item 4): the real `hongmajia serve`
//! process is sent a sheet that names the last cell of Excel, one that names row 1,000,000, a
//! zip bomb, an old .xls, a shared-strings part declaring 10^17 strings and a cell of 3,000
//! characters; each gets 422 with its own code, the process stays up, and its
//! peak memory (VmHWM) grows by less than 150 MiB over its idle peak.

use crate::helpers::{TestApp, error_code, start_server};
use hongmajia_domain::Role;
use reqwest::StatusCode;
use std::io::Write;

/// A real workbook with the roster's header in row 1 and one more cell at (row, column).
fn sheet_with_far_cell(row: u32, column: u16) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "姓名").unwrap();
    sheet.write_string(row, column, "x").unwrap();
    book.save_to_buffer().unwrap()
}

/// A workbook whose sheet part unpacks to 300 MiB (of blanks, which XML allows) from about
/// 300 KiB, every other part as rust_xlsxwriter wrote it.
fn zip_bomb() -> Vec<u8> {
    let real = sheet_with_far_cell(1, 1);
    let mut source = zip::ZipArchive::new(std::io::Cursor::new(real)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(9));
    for index in 0..source.len() {
        let mut part = source.by_index(index).unwrap();
        let name = part.name().unwrap().into_owned();
        out.start_file(name.as_str(), options).unwrap();
        if name == "xl/worksheets/sheet1.xml" {
            let blanks = vec![b' '; 1 << 20];
            out.write_all(br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#)
                .unwrap();
            for _ in 0..300 {
                out.write_all(&blanks).unwrap();
            }
        } else {
            std::io::copy(&mut part, &mut out).unwrap();
        }
    }
    out.finish().unwrap().into_inner()
}

/// A real workbook whose shared-strings part declares `uniqueCount` strings (calamine reserves
/// room for them before reading one).
fn declared_strings(count: &str) -> Vec<u8> {
    let real = sheet_with_far_cell(1, 1);
    let mut source = zip::ZipArchive::new(std::io::Cursor::new(real)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    for index in 0..source.len() {
        let mut part = source.by_index(index).unwrap();
        let name = part.name().unwrap().into_owned();
        let mut text = String::new();
        std::io::Read::read_to_string(&mut part, &mut text).unwrap();
        if name == "xl/sharedStrings.xml" {
            let at = text.find("uniqueCount=\"").unwrap() + "uniqueCount=\"".len();
            let end = at + text[at..].find('"').unwrap();
            text.replace_range(at..end, count);
        }
        out.start_file(name.as_str(), options).unwrap();
        out.write_all(text.as_bytes()).unwrap();
    }
    out.finish().unwrap().into_inner()
}

/// A workbook with a cell of 3,000 characters.
fn long_cell() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "姓名").unwrap();
    sheet.write_string(1, 0, "长".repeat(3_000)).unwrap();
    book.save_to_buffer().unwrap()
}

/// The peak resident memory of a process so far, in KiB.
fn peak_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc/PID/status")
}

#[tokio::test]
async fn crafted_workbooks_are_refused_with_their_own_codes_and_the_server_stays_small() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let admin = app.account(Role::CenterAdmin, Some("140824")).await;
    let (mut server, address) = start_server(&app, &[]).await;
    let pid = server.id().unwrap();
    let client = reqwest::Client::new();
    let token = crate::helpers::token_at(&address, &admin.phone).await;
    let idle = peak_kib(pid);

    let bomb = zip_bomb();
    assert!(bomb.len() < 2 << 20, "the bomb is small: {} bytes", bomb.len());
    let old_excel = [&[0xD0u8, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1][..], &[0u8; 504]].concat();
    let cases = [
        (
            "A1 + XFD1048576",
            sheet_with_far_cell(1_048_575, 16_383),
            "roster_too_large",
        ),
        ("A1 + J1000000", sheet_with_far_cell(999_999, 9), "roster_too_large"),
        ("a zip bomb", bomb, "file_expands_too_much"),
        ("an .xls", old_excel, "legacy_spreadsheet"),
        (
            "10^17 declared strings",
            declared_strings("100000000000000000"),
            "roster_too_large",
        ),
        ("a cell of 3,000 characters", long_cell(), "roster_too_large"),
    ];
    for (what, file, code) in cases {
        let answer = client
            .post(format!("{address}/api/v1/imports/volunteers"))
            .bearer_auth(&token)
            .header("content-type", "application/octet-stream")
            .body(file)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{what}: the server answers ({e})"));
        assert_eq!(answer.status(), StatusCode::UNPROCESSABLE_ENTITY, "{what}");
        assert_eq!(error_code(answer).await, code, "{what}");
    }
    assert!(server.try_wait().unwrap().is_none(), "the server is still running");
    let health = client.get(format!("{address}/healthz")).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    let grown_mib = (peak_kib(pid) - idle) / 1024;
    assert!(grown_mib < 150, "peak memory grew by {grown_mib} MiB");
}
