//! Certificates (R-REC-10, R-REC-11), on both engines: the PDF read back with a real text
//! extractor (poppler's pdftotext), rasterised (pdftoppm) and its QR code decoded from the image
//! (zbarimg) to the public verify URL; the verify page, revocation, and unguessable numbers.

use crate::helpers::{TestApp, error_code, resident_id};
use crate::records::{Login, attended_record, json_of, logins, morning_activity, staff};
use hongmajia_domain::Role;
use reqwest::StatusCode;
use serde_json::json;
use std::process::Command;

fn run(program: &str, args: &[&str]) -> String {
    let output = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program} is installed by scripts/test: {e}"));
    assert!(
        output.status.success(),
        "{program} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// A volunteer named with rare characters (堃 玥 珺 are missing from GB2312 fonts).
async fn rare_named_volunteer(app: &TestApp) -> Login<'_> {
    let user = app.signed_in(Role::Citizen, None).await;
    let mut body = crate::helpers::registration("140824001001", &resident_id(8100), "");
    body["name"] = json!("王堃玥珺");
    let made = app.post_json("/api/v1/me/volunteer", user.token(), &body).await;
    assert_eq!(made.status(), StatusCode::CREATED);
    Login::of(app, user.phone)
}

#[tokio::test]
async fn the_certificate_pdf_reads_back_as_text_and_its_qr_code_leads_to_the_verify_page() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let organizer = staff(&app, Role::CenterAdmin, "140824").await;
    let volunteer = rare_named_volunteer(&app).await;
    let activity = morning_activity(&app, json!({})).await;

    let none = app
        .post_json("/api/v1/me/certificates", Some(&volunteer.token().await), &json!({}))
        .await;
    assert_eq!(error_code(none).await, "no_confirmed_hours");

    let record = attended_record(&app, &organizer, &volunteer, activity).await;
    let confirm = format!("/api/v1/records/{record}/confirm");
    let confirmed = app
        .post_json(&confirm, Some(&organizer.token().await), &json!({}))
        .await;
    assert_eq!(confirmed.status(), StatusCode::OK);

    let token = volunteer.token().await;
    let issued = app.post_json("/api/v1/me/certificates", Some(&token), &json!({})).await;
    assert_eq!(issued.status(), StatusCode::CREATED);
    let issued = json_of(issued).await;
    let number = issued["certificate_number"].as_str().unwrap().to_owned();
    assert_eq!(number.len(), 17);
    let pdf = app.get(issued["pdf_url"].as_str().unwrap(), Some(&token)).await;
    assert_eq!(pdf.status(), StatusCode::OK);
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let bytes = pdf.bytes().await.unwrap();

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("certificate.pdf");
    std::fs::write(&file, &bytes).unwrap();
    let file = file.to_str().unwrap();
    let text = run("pdftotext", &["-layout", file, "-"]);
    let me = json_of(app.get("/api/v1/me/volunteer", Some(&token)).await).await;
    let masked_id = me["id_number"].as_str().unwrap();
    for expected in [
        "志愿服务记录证明",
        "王堃玥珺",
        masked_id,
        me["code"].as_str().unwrap(),
        "十字路口文明劝导",
        "2.3",
        "稷山县",
        number.as_str(),
    ] {
        assert!(text.contains(expected), "{expected} missing from the PDF text:\n{text}");
    }
    assert!(
        !text.contains(&resident_id(8100)),
        "the full ID number is never printed"
    );

    let image = dir.path().join("page");
    run(
        "pdftoppm",
        &["-r", "150", "-png", "-f", "1", "-l", "1", file, image.to_str().unwrap()],
    );
    let png = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "png"))
        .expect("pdftoppm wrote the first page");
    let decoded = run("zbarimg", &["--quiet", "--raw", png.to_str().unwrap()]);
    let verify_url = issued["verify_url"].as_str().unwrap();
    assert_eq!(decoded.trim(), verify_url);
    assert!(verify_url.ends_with(&format!("/verify/{number}")));

    let page = app.get(&format!("/verify/{number}"), None).await;
    assert_eq!(page.status(), StatusCode::OK);
    let page = page.text().await.unwrap();
    assert!(page.contains("verify-genuine"), "{page}");
    assert!(page.contains("王***"), "the masked name: {page}");
    assert!(!page.contains("王堃玥珺"), "no personal data beyond the masked name");
    assert!(page.contains("2.3"));

    // Someone else cannot download it; revoking the record shows on the verify page.
    let other = logins(&app, 1, 8200).await.remove(0);
    let theirs = app
        .get(issued["pdf_url"].as_str().unwrap(), Some(&other.token().await))
        .await;
    assert_eq!(theirs.status(), StatusCode::NOT_FOUND);
    let revoke = format!("/api/v1/records/{record}/revoke");
    let revoked = app
        .post_json(
            &revoke,
            Some(&organizer.token().await),
            &json!({"reason": "核查发现未实际参加"}),
        )
        .await;
    assert_eq!(revoked.status(), StatusCode::OK);
    let check = json_of(app.get(&format!("/api/v1/verify/{number}"), None).await).await;
    assert_eq!(check["revoked_records"], 1);
    assert_eq!(check["current_total_hours"], "0.0");
    assert_eq!(check["certified_hours"], "2.3");
    let page = app.get(&format!("/verify/{number}"), None).await.text().await.unwrap();
    assert!(page.contains("verify-revoked"), "{page}");
}

#[tokio::test]
async fn unknown_and_malformed_certificate_numbers_are_not_found() {
    let app = TestApp::spawn().await;
    let valid_looking = hongmajia_domain::certificate::CertificateNumber::from_random([7; 10]);
    for number in [valid_looking.as_str(), "12345", "ZZZZZZZZZZZZZZZZZ", "../../etc/passwd"] {
        let page = app.get(&format!("/verify/{number}"), None).await;
        assert_eq!(page.status(), StatusCode::NOT_FOUND, "{number}");
        let api = app.get(&format!("/api/v1/verify/{number}"), None).await;
        assert_eq!(api.status(), StatusCode::NOT_FOUND, "{number}");
    }
}
