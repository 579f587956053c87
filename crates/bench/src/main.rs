//! `cargo run --release -p hongmajia-bench -- import [--rows N] [--database URL]`
//!
//! Roster import: N volunteers (valid, distinct ID numbers and phones) as a CSV file through the
//! real import (parse, validate, encrypt, hash, dedup, account, write), beside the machine's
//! limit measured in the same run: a bare batched insert of the same number of rows, with the
//! same column count, in one transaction, into a scratch table of the same engine. The figures
//! are printed as a Markdown row for BENCHMARKS.md.

mod city;

use anyhow::Context;
use clap::{Parser, Subcommand};
use hongmajia_domain::Actor;
use hongmajia_domain::ProjectId;
use hongmajia_services::roster::volunteers::ImportOptions;
use hongmajia_services::vault::Vault;
use hongmajia_services::{Db, Services, Settings, SystemClock};
use std::sync::Arc;
use std::time::Instant;

#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    command: Bench,
}

#[derive(Subcommand)]
enum Bench {
    /// A storm of simultaneous sign-ups on one activity (service level, no HTTP), beside the bare
    /// conditional update of one hot row at the same concurrency.
    Signups {
        /// Volunteers signing up, all at once; the activity has places for half of them.
        #[arg(long, default_value_t = 2000)]
        volunteers: usize,
        #[arg(long)]
        database: Option<String>,
    },
    /// Roster import throughput beside a bare batched insert.
    /// A certificate PDF of a volunteer with many confirmed records, beside the bare rendering of
    /// the same content (no database, no checks).
    Certificate {
        #[arg(long, default_value_t = 500)]
        records: usize,
        #[arg(long)]
        database: Option<String>,
    },
    /// Everything against a city-scale database (`hongmajia demo --scale city` made it, with
    /// its key file): figures, list/search over HTTP beside /livez, my hours and certificate, the
    /// sign-up storm over HTTP, a roster import, the server's peak memory.
    City(city::CityArgs),
    Import {
        #[arg(long, default_value_t = 100_000)]
        rows: usize,
        /// A database to measure on (a fresh temporary SQLite file by default). PostgreSQL: an
        /// empty database.
        #[arg(long)]
        database: Option<String>,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Bench::Import { rows, database } => import(rows, database).await,
        Bench::Signups { volunteers, database } => signups(volunteers, database).await,
        Bench::Certificate { records, database } => certificate(records, database).await,
        Bench::City(args) => city::run(args).await,
    }
}

/// A valid resident ID of someone born in `birthplace`, different for every `n` (birth date and
/// sequence vary).
fn resident_id(birthplace: &str, n: usize) -> String {
    let day = 1 + n % 28;
    let month = 1 + (n / 28) % 12;
    let year = 1950 + (n / 336) % 50;
    let sequence = (n / 16_800) % 1000;
    let first17 = format!("{birthplace}{year:04}{month:02}{day:02}{sequence:03}");
    format!(
        "{first17}{}",
        hongmajia_domain::identity::check_char(first17.as_bytes())
    )
}

const SURNAMES: [&str; 10] = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴"];
const GIVEN: [&str; 10] = ["伟", "芳", "娜", "敏", "静", "堃", "玥", "珺", "强", "磊"];

/// A roster of Jishan's village 姚村 (140824001001), people born in `birthplace`.
fn roster_csv(rows: usize, birthplace: &str) -> String {
    roster_with_phones(rows, &Roster::new(birthplace, "139"))
}

/// Who a generated roster's people are: born where (ID numbers), with phones starting how.
struct Roster<'a> {
    birthplace: &'a str,
    phone_prefix: &'a str,
}

impl<'a> Roster<'a> {
    const fn new(birthplace: &'a str, phone_prefix: &'a str) -> Self {
        Self {
            birthplace,
            phone_prefix,
        }
    }
}

fn roster_with_phones(rows: usize, roster: &Roster<'_>) -> String {
    let mut csv = String::from("姓名,证件号码,手机号码,所属区域,技能特长,服务类别\n");
    for n in 0..rows {
        let name = format!("{}{}{}", SURNAMES[n % 10], GIVEN[(n / 10) % 10], GIVEN[(n / 100) % 10]);
        csv.push_str(&format!(
            "{name},{},{}{:08},140824001001,急救、摄影,医疗卫生\n",
            resident_id(roster.birthplace, n),
            roster.phone_prefix,
            n
        ));
    }
    csv
}

async fn open(database: Option<String>) -> anyhow::Result<(Services, String)> {
    let url = match database {
        Some(url) => url,
        None => {
            let dir = std::env::temp_dir().join(format!("hongmajia-bench-{}", std::process::id()));
            std::fs::create_dir_all(&dir)?;
            format!("sqlite://{}", dir.join("bench.db").display())
        }
    };
    let db = Db::open(&url).await?;
    let vault = Vault::ephemeral()?;
    Ok((
        Services::new(db, vault, Arc::new(SystemClock), Settings::default()),
        url,
    ))
}

async fn import(rows: usize, database: Option<String>) -> anyhow::Result<()> {
    let (services, url) = open(database).await?;
    for (code, name) in [
        ("140800", "运城市"),
        ("140824", "稷山县"),
        ("140824001", "稷峰镇"),
        ("140824001001", "姚村"),
    ] {
        services
            .create_region(&Actor::System, code, name)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    let engine = engine_name(&url);
    println!(
        "{}",
        import_rows(&services, rows, &[Roster::new("140824", "139")], engine).await?
    );
    println!(
        "{}",
        import_xlsx_row(&services, rows, &Roster::new("110106", "197"), engine).await?
    );
    Ok(())
}

fn engine_name(url: &str) -> &'static str {
    if url.starts_with("sqlite") {
        "SQLite"
    } else {
        "PostgreSQL"
    }
}

/// A roster of `rows` people born in `birthplace` through the real import, beside a bare
/// batched insert of as many rows; the table row for BENCHMARKS.md.
/// Imports `rows` rows once per roster (each new to the database), beside a bare batched insert
/// before each; the row gives the median run, and every run's rate when there are several.
async fn import_rows(services: &Services, rows: usize, rosters: &[Roster<'_>], engine: &str) -> anyhow::Result<String> {
    let mut runs = Vec::new();
    for roster in rosters {
        let csv = roster_with_phones(rows, roster);
        let limit = bare_insert(&services.db, rows).await?;
        let started = Instant::now();
        let outcome = services
            .import_volunteers(&Actor::System, csv.as_bytes(), &ImportOptions::default(), &|_, _| {})
            .await
            .map_err(|e| anyhow::anyhow!("the import failed: {e:?}"))?;
        let seconds = started.elapsed().as_secs_f64();
        anyhow::ensure!(
            outcome.imported == rows,
            "imported {} of {rows}: {:?}",
            outcome.imported,
            outcome.issues.first()
        );
        runs.push((rows as f64 / seconds, seconds, limit));
    }
    runs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (ours, seconds, limit) = runs[runs.len() / 2];
    let spread = if runs.len() > 1 {
        let rates: Vec<String> = runs.iter().map(|(rate, _, _)| format!("{rate:.0}")).collect();
        format!("; median of {} imports: {} rows/s", runs.len(), rates.join(", "))
    } else {
        String::new()
    };
    Ok(format!(
        "| roster import, {rows} rows ({engine}) | {ours:.0} rows/s ({seconds:.1} s{spread}) | bare batched insert: {limit:.0} rows/s | {:.1} % |",
        100.0 * ours / limit
    ))
}

/// A roster of `rows` people as a real .xlsx (written by rust_xlsxwriter from the CSV roster),
/// imported through the same service: the upload caps must let a legitimate large roster through.
async fn import_xlsx_row(
    services: &Services,
    rows: usize,
    roster: &Roster<'_>,
    engine: &str,
) -> anyhow::Result<String> {
    let csv = roster_with_phones(rows, roster);
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (row, line) in csv.lines().enumerate() {
        for (column, cell) in line.split(',').enumerate() {
            sheet.write_string(row as u32, column as u16, cell)?;
        }
    }
    let bytes = book.save_to_buffer()?;
    let started = Instant::now();
    let outcome = services
        .import_volunteers(&Actor::System, &bytes, &ImportOptions::default(), &|_, _| {})
        .await
        .map_err(|e| anyhow::anyhow!("the .xlsx import failed: {e:?}"))?;
    let seconds = started.elapsed().as_secs_f64();
    anyhow::ensure!(
        outcome.imported == rows,
        "imported {} of {rows} from the .xlsx",
        outcome.imported
    );
    Ok(format!(
        "| roster import from one .xlsx of {rows} rows, {:.1} MiB, within the upload caps ({engine}) | {:.0} rows/s ({seconds:.1} s) | caps: {} rows, {} columns, {} cells | |",
        bytes.len() as f64 / (1 << 20) as f64,
        rows as f64 / seconds,
        hongmajia_services::roster::MAX_ROWS,
        hongmajia_services::roster::MAX_COLUMNS,
        hongmajia_services::roster::MAX_CELLS
    ))
}

/// The machine's limit: the same number of rows of as many columns, inserted in one transaction
/// with the same driver, without any of the import's work.
async fn bare_insert(db: &Db, rows: usize) -> anyhow::Result<f64> {
    // The same statements on either engine's pool: 500 rows per INSERT, as the import does.
    macro_rules! insert_rows {
        ($pool:expr) => {{
            let mut tx = $pool.begin().await?;
            sqlx::query("CREATE TABLE bench_rows (id BIGINT NOT NULL PRIMARY KEY, a TEXT, b TEXT, c TEXT, d TEXT, e TEXT, f TEXT, g TEXT, h TEXT)")
                .execute(&mut *tx)
                .await?;
            let ids: Vec<i64> = (0..rows as i64).collect();
            let (wide, wider) = ("x".repeat(64), "y".repeat(90));
            for chunk in ids.chunks(500) {
                let mut query = sqlx::QueryBuilder::new("INSERT INTO bench_rows (id, a, b, c, d, e, f, g, h) ");
                query.push_values(chunk, |mut row, n| {
                    row.push_bind(*n)
                        .push_bind("王伟")
                        .push_bind("male")
                        .push_bind("1990-01-01")
                        .push_bind("resident_id")
                        .push_bind(&wide)
                        .push_bind(&wider)
                        .push_bind("140824001001")
                        .push_bind("急救、摄影");
                });
                query.build().execute(&mut *tx).await?;
            }
            tx.commit().await.context("committing the bare insert")?;
            sqlx::query("DROP TABLE bench_rows").execute($pool).await?;
        }};
    }
    let started = Instant::now();
    match db {
        Db::Sqlite(pool, _) => insert_rows!(pool),
        Db::Pg(pool) => insert_rows!(pool),
    }
    Ok(rows as f64 / started.elapsed().as_secs_f64())
}

/// The region tree the benchmarks need: the city, Jishan, a township, a village.
async fn regions(services: &Services) -> anyhow::Result<()> {
    for (code, name) in [
        ("140800", "运城市"),
        ("140824", "稷山县"),
        ("140824001", "稷峰镇"),
        ("140824001001", "姚村"),
    ] {
        services
            .create_region(&Actor::System, code, name)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    Ok(())
}

/// Jishan's center and a published project of it.
async fn published_project(services: &Services) -> anyhow::Result<ProjectId> {
    let site = hongmajia_services::sites::SiteInput {
        name: "稷山县新时代文明实践中心".into(),
        ..Default::default()
    };
    let site = services
        .create_site(&Actor::System, "140824", &site)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .id;
    let project = hongmajia_services::projects::ProjectInput {
        team_id: None,
        site_id: Some(site),
        title: "文明交通劝导".into(),
        category: "交通劝导".into(),
        description: String::new(),
        starts_on: "2026-01-01".into(),
        ends_on: "2099-12-31".into(),
    };
    publish(services, &project).await
}

/// Creates `project` and takes it through review to published, as the operator `system`.
async fn publish(
    services: &Services,
    project: &hongmajia_services::projects::ProjectInput,
) -> anyhow::Result<ProjectId> {
    use hongmajia_domain::project::ProjectEvent;
    let err = |e: hongmajia_services::ServiceError| anyhow::anyhow!("{e}");
    let project = services.create_project(&Actor::System, project).await.map_err(err)?.id;
    for event in [ProjectEvent::Submit, ProjectEvent::Approve] {
        services
            .move_project(&Actor::System, project, event, None)
            .await
            .map_err(err)?;
    }
    Ok(project)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

async fn signups(count: usize, database: Option<String>) -> anyhow::Result<()> {
    let (services, url) = open(database).await?;
    let err = |e: hongmajia_services::ServiceError| anyhow::anyhow!("{e}");
    regions(&services).await?;
    let project = published_project(&services).await?;
    let starts = time::OffsetDateTime::now_utc() + time::Duration::days(7);
    let format = &time::format_description::well_known::Rfc3339;
    let capacity = (count / 2) as i64;
    let activity: hongmajia_services::activities::ActivityInput = serde_json::from_value(serde_json::json!({
        "project_id": project, "title": "十字路口文明劝导", "capacity": capacity,
        "starts_at": starts.format(format)?, "ends_at": (starts + time::Duration::hours(3)).format(format)?,
    }))?;
    let activity = services
        .create_activity(&Actor::System, &activity)
        .await
        .map_err(err)?
        .id;
    // The volunteers arrive the way counties bring them: one roster.
    services
        .import_volunteers(
            &Actor::System,
            roster_csv(count, "140824").as_bytes(),
            &ImportOptions::default(),
            &|_, _| {},
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let accounts: Vec<i64> = match &services.db {
        Db::Sqlite(pool, _) => {
            sqlx::query_scalar("SELECT account_id FROM volunteers WHERE account_id IS NOT NULL")
                .fetch_all(pool)
                .await?
        }
        Db::Pg(pool) => {
            sqlx::query_scalar("SELECT account_id FROM volunteers WHERE account_id IS NOT NULL")
                .fetch_all(pool)
                .await?
        }
    };
    let mut actors = Vec::new();
    for account in accounts {
        actors.push(
            services
                .actor_of(hongmajia_domain::AccountId(account))
                .await
                .map_err(err)?,
        );
    }
    let limit = hot_row_updates(&services.db, actors.len()).await?;

    let services = Arc::new(services);
    let started = Instant::now();
    let storm: Vec<_> = actors
        .into_iter()
        .map(|actor| {
            let services = services.clone();
            tokio::spawn(async move {
                let asked = Instant::now();
                let result = services.sign_up(&actor, activity, &Default::default(), None).await;
                (asked.elapsed().as_secs_f64() * 1000.0, result)
            })
        })
        .collect();
    let (mut latencies, mut accepted, mut full, mut failed) = (Vec::new(), 0usize, 0usize, 0usize);
    for task in storm {
        let (ms, result) = task.await?;
        latencies.push(ms);
        match result {
            Ok(_) => accepted += 1,
            Err(e) if e.code() == Some(hongmajia_domain::ErrorCode::ActivityFull) => full += 1,
            Err(_) => failed += 1,
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    latencies.sort_by(f64::total_cmp);
    let (taken, _, _) = services.signup_counts(activity).await.map_err(err)?;
    remove_sqlite(&services.db, &url).await;
    anyhow::ensure!(
        taken == capacity && accepted as i64 == capacity && failed == 0,
        "taken {taken}, accepted {accepted}, failed {failed}"
    );
    let engine = engine_name(&url);
    let rate = accepted as f64 / seconds;
    println!(
        "| sign-up storm, {} at once for {capacity} places ({engine}) | {rate:.0} accepted/s; p50 {:.1} ms, p99 {:.1} ms; {full} full, 0 overbooked, 0 errors | bare conditional update of one hot row, same concurrency: {limit:.0}/s | {:.1} % |",
        latencies.len(),
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        100.0 * rate / limit
    );
    Ok(())
}

/// The engine's limit for a sign-up: `count` simultaneous transactions, each one conditional
/// update of the same row (`taken = taken + 1 WHERE taken < cap`) and a commit; on SQLite queued
/// on a write gate as ours are (without it SQLite's busy handler sleeps and the limit drops).
async fn hot_row_updates(db: &Db, count: usize) -> anyhow::Result<f64> {
    let gate = std::sync::Arc::new(tokio::sync::Mutex::new(()));
    macro_rules! storm {
        ($pool:expr, $begin:literal, $gated:expr) => {{
            sqlx::query(
                "CREATE TABLE bench_hot (id BIGINT NOT NULL PRIMARY KEY, taken BIGINT NOT NULL, cap BIGINT NOT NULL)",
            )
            .execute($pool)
            .await?;
            sqlx::query("INSERT INTO bench_hot VALUES (1, 0, 1000000000)")
                .execute($pool)
                .await?;
            let started = Instant::now();
            let tasks: Vec<_> = (0..count)
                .map(|_| {
                    let pool = $pool.clone();
                    let gate = gate.clone();
                    tokio::spawn(async move {
                        let _turn = if $gated { Some(gate.lock_owned().await) } else { None };
                        let mut tx = pool.begin_with($begin).await?;
                        sqlx::query("UPDATE bench_hot SET taken = taken + 1 WHERE id = 1 AND taken < cap")
                            .execute(&mut *tx)
                            .await?;
                        tx.commit().await
                    })
                })
                .collect();
            for task in tasks {
                task.await??;
            }
            let rate = count as f64 / started.elapsed().as_secs_f64();
            sqlx::query("DROP TABLE bench_hot").execute($pool).await?;
            rate
        }};
    }
    Ok(match db {
        Db::Sqlite(pool, _) => storm!(pool, "BEGIN IMMEDIATE", true),
        Db::Pg(pool) => storm!(pool, "BEGIN", false),
    })
}

/// Removes a temporary SQLite database once measured.
async fn remove_sqlite(db: &Db, url: &str) {
    if let Some(path) = url.strip_prefix("sqlite://") {
        db.close().await;
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{path}{suffix}"));
        }
    }
}

/// What a certificate of `records` two-hour services prints, for rendering it bare.
fn certificate_content(number: &str, records: usize) -> hongmajia_pdf::Certificate {
    let base = "https://yuncheng.example.org";
    let line = |n: usize| hongmajia_pdf::Line {
        title: format!("文明交通劝导第{}场", n + 1),
        date: "2026-11-01".into(),
        hours: "2.0".into(),
        organizer: "稷山县新时代文明实践中心".into(),
    };
    hongmajia_pdf::Certificate {
        number: number.to_owned(),
        issued_on: "2026-11-29".into(),
        issuer: "稷山县新时代文明实践中心".into(),
        name: "王堃玥".into(),
        id_type: "居民身份证".into(),
        id_masked: "140824********0011".into(),
        volunteer_code: "123456789012".into(),
        total_hours: format!("{}.0", records * 2),
        services: (0..records).map(line).collect(),
        trainings: Vec::new(),
        verify_url: format!("{base}/verify/{number}"),
    }
}

/// `records` confirmed records of one volunteer (past activities reported and approved), then
/// its certificate rendered again and again.
async fn certificate(records: usize, database: Option<String>) -> anyhow::Result<()> {
    use hongmajia_services::records::{CorrectionInput, DecisionInput};
    let (services, url) = open(database).await?;
    let err = |e: hongmajia_services::ServiceError| anyhow::anyhow!("{e}");
    regions(&services).await?;
    let project = published_project(&services).await?;
    services
        .import_volunteers(
            &Actor::System,
            roster_csv(1, "140824").as_bytes(),
            &ImportOptions::default(),
            &|_, _| {},
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let account: i64 = match &services.db {
        Db::Sqlite(pool, _) => {
            sqlx::query_scalar("SELECT account_id FROM volunteers")
                .fetch_one(pool)
                .await?
        }
        Db::Pg(pool) => {
            sqlx::query_scalar("SELECT account_id FROM volunteers")
                .fetch_one(pool)
                .await?
        }
    };
    let volunteer = services
        .actor_of(hongmajia_domain::AccountId(account))
        .await
        .map_err(err)?;
    let format = &time::format_description::well_known::Rfc3339;
    let now = time::OffsetDateTime::now_utc();
    for n in 0..records {
        let starts = now - time::Duration::days(n as i64 + 1);
        let opens = (starts - time::Duration::days(3)).format(format)?;
        let activity: hongmajia_services::activities::ActivityInput = serde_json::from_value(serde_json::json!({
            "project_id": project, "title": format!("文明交通劝导第{}场", n + 1), "capacity": 10,
            "starts_at": starts.format(format)?, "ends_at": (starts + time::Duration::hours(2)).format(format)?,
            "signup_opens_at": opens, "signup_closes_at": starts.format(format)?,
        }))?;
        let activity = services
            .create_activity(&Actor::System, &activity)
            .await
            .map_err(err)?
            .id;
        let report = CorrectionInput {
            minutes: 120,
            reason: "纸质签到表".into(),
        };
        let request = services
            .report_missing(&volunteer, activity, &report)
            .await
            .map_err(err)?
            .id;
        let approve = DecisionInput {
            approve: true,
            note: String::new(),
        };
        services
            .decide_correction(&Actor::System, request, &approve)
            .await
            .map_err(err)?;
    }
    let number = services
        .issue_certificate(&volunteer)
        .await
        .map_err(err)?
        .certificate_number;
    let base = "https://yuncheng.example.org";
    let runs = 20;
    let mut ours = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        let pdf = services.certificate_pdf(&volunteer, &number, base).await.map_err(err)?;
        ours.push(started.elapsed().as_secs_f64() * 1000.0);
        anyhow::ensure!(pdf.starts_with(b"%PDF"), "not a PDF");
    }
    let font = hongmajia_pdf::CertificateFont::from_environment()?;
    let content = certificate_content(&number, records);
    let mut bare = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        hongmajia_pdf::render(&font, &content)?;
        bare.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    remove_sqlite(&services.db, &url).await;
    ours.sort_by(f64::total_cmp);
    bare.sort_by(f64::total_cmp);
    let engine = engine_name(&url);
    let (p50, limit) = (percentile(&ours, 0.5), percentile(&bare, 0.5));
    println!(
        "| certificate PDF of {records} records ({engine}) | p50 {p50:.1} ms, p99 {:.1} ms | bare rendering of the same content: p50 {limit:.1} ms | {:.1} % |",
        percentile(&ours, 0.99),
        100.0 * limit / p50
    );
    Ok(())
}
