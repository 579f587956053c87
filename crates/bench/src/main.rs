//! `cargo run --release -p hongmajia-bench -- import [--rows N] [--database URL]`
//!
//! Roster import: N volunteers (valid, distinct ID numbers and phones) as a CSV file through the
//! real import (parse, validate, encrypt, hash, dedup, account, write), beside the machine's
//! limit measured in the same run: a bare batched insert of the same number of rows, with the
//! same column count, in one transaction, into a scratch table of the same engine. The figures
//! are printed as a Markdown row for BENCHMARKS.md.

use anyhow::Context;
use clap::{Parser, Subcommand};
use hongmajia_domain::Actor;
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
    /// Roster import throughput beside a bare batched insert.
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
    }
}

/// A valid resident ID of Jishan, different for every `n` (birth date and sequence vary).
fn resident_id(n: usize) -> String {
    let day = 1 + n % 28;
    let month = 1 + (n / 28) % 12;
    let year = 1950 + (n / 336) % 50;
    let sequence = (n / 16_800) % 1000;
    let first17 = format!("140824{year:04}{month:02}{day:02}{sequence:03}");
    format!(
        "{first17}{}",
        hongmajia_domain::identity::check_char(first17.as_bytes())
    )
}

const SURNAMES: [&str; 10] = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴"];
const GIVEN: [&str; 10] = ["伟", "芳", "娜", "敏", "静", "堃", "玥", "珺", "强", "磊"];

fn roster_csv(rows: usize) -> String {
    let mut csv = String::from("姓名,证件号码,手机号码,所属区域,技能特长,服务类别\n");
    for n in 0..rows {
        let name = format!("{}{}{}", SURNAMES[n % 10], GIVEN[(n / 10) % 10], GIVEN[(n / 100) % 10]);
        csv.push_str(&format!(
            "{name},{},139{:08},140824001001,急救、摄影,医疗卫生\n",
            resident_id(n),
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
    let csv = roster_csv(rows);
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
    let ours = rows as f64 / seconds;
    let engine = if url.starts_with("sqlite") {
        "SQLite"
    } else {
        "PostgreSQL"
    };
    println!(
        "| roster import, {rows} rows ({engine}) | {ours:.0} rows/s ({seconds:.1} s) | bare batched insert: {limit:.0} rows/s | {:.1} % |",
        100.0 * ours / limit
    );
    Ok(())
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
        }};
    }
    let started = Instant::now();
    match db {
        Db::Sqlite(pool) => insert_rows!(pool),
        Db::Pg(pool) => insert_rows!(pool),
    }
    Ok(rows as f64 / started.elapsed().as_secs_f64())
}
