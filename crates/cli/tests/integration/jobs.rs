//! Jobs (decisions.md D4): scheduled once per (kind, subject, due time) however many servers
//! schedule them, run once however many servers run, taken over when a lease runs out, tried
//! again after a failure; two real `serve` processes on one database never run a sweep twice.

use crate::helpers::{TestApp, serving_address};
use hongmajia_services::jobs::{SWEEP, sweep_slot};

fn sweeps(jobs: &[(i64, String, Option<String>, i64, String)]) -> Vec<&(i64, String, Option<String>, i64, String)> {
    jobs.iter().filter(|j| j.1 == SWEEP).collect()
}

#[tokio::test]
async fn two_servers_schedule_and_run_every_sweep_once() {
    let app = TestApp::spawn().await;
    let (a, b) = (app.services(), app.fresh_services().await);
    let mut ran = 0;
    for _ in 0..12 {
        app.clock.advance(time::Duration::seconds(5));
        let now = a.now();
        a.schedule_sweep(now).await.unwrap();
        b.schedule_sweep(now).await.unwrap();
        let (by_a, by_b) = tokio::join!(a.run_due_jobs("server-a"), b.run_due_jobs("server-b"));
        ran += by_a.unwrap() + by_b.unwrap();
    }
    let jobs = a.jobs().await.unwrap();
    let done = sweeps(&jobs);
    assert_eq!(done.len(), 12, "one sweep a slot, however many servers scheduled it");
    assert_eq!(ran, 12, "each sweep ran once");
    assert!(done.iter().all(|j| j.3 == 1 && j.4 == "done"), "{done:?}");
}

#[tokio::test]
async fn a_lease_that_runs_out_is_taken_over_and_a_failed_job_is_tried_again() {
    let app = TestApp::spawn().await;
    let services = app.services();
    let now = services.now();
    services.schedule_sweep(now).await.unwrap();
    let slot = sweep_slot(now);
    {
        // A server leases the sweep and dies before finishing it.
        let mut tx = services.db.begin().await.unwrap();
        let due = hongmajia_store::jobs::due(&mut tx, now, 10).await.unwrap();
        let leased = hongmajia_store::jobs::lease(&mut tx, due[0].id, "dead", now, now + time::Duration::seconds(60))
            .await
            .unwrap();
        assert!(leased);
        // A kind this build does not run (a newer server's).
        hongmajia_store::jobs::schedule(&mut tx, 42, "future.kind", "x", slot)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    assert_eq!(
        services.run_due_jobs("alive").await.unwrap(),
        1,
        "only the unknown kind: the sweep is held"
    );
    app.clock.advance(time::Duration::seconds(61));
    assert_eq!(
        services.run_due_jobs("alive").await.unwrap(),
        2,
        "the sweep's lease ran out; the other is retried"
    );
    let jobs = services.jobs().await.unwrap();
    let sweep = sweeps(&jobs)[0];
    assert_eq!(
        (sweep.2.as_deref(), sweep.3, sweep.4.as_str()),
        (Some("alive"), 2, "done")
    );
    let future = jobs.iter().find(|j| j.1 == "future.kind").unwrap();
    assert_eq!(
        (future.3, future.4.as_str()),
        (2, "pending"),
        "tried again, still pending"
    );
}

#[tokio::test]
async fn two_serve_processes_on_one_database_never_run_a_sweep_twice() {
    let app = TestApp::builder().real_time().spawn().await;
    let (url, keys) = app.database();
    let start = || {
        tokio::process::Command::new(env!("CARGO_BIN_EXE_hongmajia"))
            .args(["serve", "--dev", "--bind", "127.0.0.1:0"])
            .env("HONGMAJIA_DATABASE_URL", &url)
            .env("HONGMAJIA_SECRET_KEY_FILE", &keys)
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap()
    };
    let (mut first, mut second) = (start(), start());
    serving_address(&mut first).await;
    serving_address(&mut second).await;
    tokio::time::sleep(std::time::Duration::from_secs(11)).await;
    drop((first, second));
    let jobs = app.services().jobs().await.unwrap();
    let done: Vec<_> = sweeps(&jobs).into_iter().filter(|j| j.4 == "done").collect();
    assert!(done.len() >= 2, "the servers swept: {jobs:?}");
    assert!(done.iter().all(|j| j.3 == 1), "no sweep was leased twice: {jobs:?}");
}

/// A 16×16 JPEG, as encoded without metadata.
fn plain_photo() -> Vec<u8> {
    let image = image::RgbImage::from_pixel(16, 16, image::Rgb([10, 120, 40]));
    let mut plain = std::io::Cursor::new(Vec::new());
    image::codecs::jpeg::JpegEncoder::new(&mut plain)
        .encode_image(&image)
        .unwrap();
    plain.into_inner()
}

/// The same photo carrying an EXIF segment with a location, as a phone's photo does.
fn photo_with_location() -> Vec<u8> {
    let plain = plain_photo();
    let payload = b"Exif\0\0GPSLatitude 35.6 GPSLongitude 111.3";
    let length = u16::try_from(payload.len() + 2).unwrap().to_be_bytes();
    let mut photo = plain[..2].to_vec();
    photo.extend_from_slice(&[0xFF, 0xE1, length[0], length[1]]);
    photo.extend_from_slice(payload);
    photo.extend_from_slice(&plain[2..]);
    photo
}

/// Stores evidence as it was stored before uploads were cleaned (no `cleaned_at`).
async fn old_evidence(app: &TestApp, id: i64, content_type: &str, content: &[u8]) {
    let sql = "INSERT INTO evidence_files (id, file_name, content_type, content, uploaded_by, created_at)
               VALUES ($1, 'sign-sheet.jpg', $2, $3, 'someone', $4)";
    let at = app.services().now();
    match &app.services().db {
        hongmajia_services::Db::Sqlite(pool, _) => {
            let query = sqlx::query(sql).bind(id).bind(content_type).bind(content).bind(at);
            query.execute(pool).await.unwrap();
        }
        hongmajia_services::Db::Pg(pool) => {
            let query = sqlx::query(sql).bind(id).bind(content_type).bind(content).bind(at);
            query.execute(pool).await.unwrap();
        }
    };
}

async fn evidence_of(app: &TestApp, id: i64) -> (Vec<u8>, bool) {
    let sql = "SELECT content, cleaned_at IS NOT NULL FROM evidence_files WHERE id = $1";
    match &app.services().db {
        hongmajia_services::Db::Sqlite(pool, _) => sqlx::query_as(sql).bind(id).fetch_one(pool).await.unwrap(),
        hongmajia_services::Db::Pg(pool) => sqlx::query_as(sql).bind(id).fetch_one(pool).await.unwrap(),
    }
}

/// Photos stored before uploads were cleaned lose their EXIF and location to a job, a batch at a
/// time until none is left; a photo without metadata is left exactly as it is (no second lossy
/// pass), a file that no longer passes the checks is kept as it was, and the audit log says how
/// many were cleaned.
#[tokio::test]
async fn old_evidence_photos_are_encoded_again_without_their_location() {
    let app = TestApp::spawn().await;
    let photo = photo_with_location();
    for id in 1..=6 {
        old_evidence(&app, id, "image/jpeg", &photo).await;
    }
    old_evidence(&app, 7, "image/jpeg", &plain_photo()).await;
    let torn = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR-torn".to_vec();
    old_evidence(&app, 8, "image/png", &torn).await;

    let services = app.services();
    services.schedule_evidence_cleaning().await.unwrap();
    services.run_due_jobs("test").await.unwrap();
    let (first, cleaned) = evidence_of(&app, 1).await;
    assert!(cleaned, "the first batch is cleaned");
    assert!(
        !String::from_utf8_lossy(&first).contains("GPSLatitude"),
        "the location is gone"
    );
    assert!(image::load_from_memory(&first).is_ok(), "still a picture");
    assert!(!evidence_of(&app, 6).await.1, "one batch per run");
    app.clock.advance(time::Duration::seconds(1));
    services.run_due_jobs("test").await.unwrap();
    let (last, cleaned) = evidence_of(&app, 6).await;
    assert!(
        cleaned && !String::from_utf8_lossy(&last).contains("Exif"),
        "the next batch follows"
    );
    assert_eq!(
        evidence_of(&app, 7).await,
        (plain_photo(), true),
        "nothing to remove: left as it was"
    );
    assert_eq!(evidence_of(&app, 8).await, (torn, true), "kept as it was, not lost");
    let sql = "SELECT COUNT(*) FROM audit_log WHERE event = 'evidence.cleaned'";
    let entries: i64 = match &services.db {
        hongmajia_services::Db::Sqlite(pool, _) => sqlx::query_scalar(sql).fetch_one(pool).await.unwrap(),
        hongmajia_services::Db::Pg(pool) => sqlx::query_scalar(sql).fetch_one(pool).await.unwrap(),
    };
    assert_eq!(entries, 2, "one audit entry per batch that cleaned a file");
}
