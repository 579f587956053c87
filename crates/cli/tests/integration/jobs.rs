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
