//! `hongmajia-bench city --database URL --key-file PATH`: the benchmarks of a city-scale
//! database (made by `hongmajia demo --scale city`), each beside its limit measured in the same
//! run. The server is the real `hongmajia serve` in its own process (so its peak RSS is its
//! own); the load generator is this process, on 127.0.0.1, bounded in time. Volunteers log in
//! the way they do, by SMS code: the codes go to a gateway here that keeps them (the one fake,
//! at the true outside boundary). Prints one Markdown table row per figure.

use crate::{Roster, engine_name, hot_row_updates, import_rows, import_xlsx_row, percentile};
use anyhow::Context;
use hongmajia_domain::Actor;
use hongmajia_domain::activity::SignupState;
use hongmajia_domain::{ActivityId, VolunteerId};
use hongmajia_services::auth::SessionKind;
use hongmajia_services::sms::{SendFuture, SmsGateway};
use hongmajia_services::vault::{Field, Vault};
use hongmajia_services::{Db, Services, Settings, SystemClock};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(clap::Args)]
pub struct CityArgs {
    #[arg(long)]
    pub database: String,
    #[arg(long)]
    pub key_file: PathBuf,
    /// The `hongmajia` binary to serve with (the one beside this benchmark by default).
    #[arg(long)]
    pub server: Option<PathBuf>,
    /// Seconds of each timed load.
    #[arg(long, default_value_t = 10.0)]
    pub seconds: f64,
    #[arg(long, default_value_t = 32)]
    pub connections: usize,
    /// Volunteers in the sign-up storm (places for half of them).
    #[arg(long, default_value_t = 2000)]
    pub storm: usize,
    /// Rows of the roster import into the city (0: none).
    #[arg(long, default_value_t = 100_000)]
    pub rows: usize,
}

/// Keeps the last message sent to each phone, and the token each phone logged in with (a
/// phone asks for one code per run: codes are throttled per phone).
#[derive(Default)]
struct KeptSms(Mutex<HashMap<String, String>>, Mutex<HashMap<String, String>>);

impl SmsGateway for KeptSms {
    fn name(&self) -> &'static str {
        "bench"
    }

    fn send<'a>(&'a self, phone: &'a str, message: &'a str) -> SendFuture<'a> {
        if let Ok(mut kept) = self.0.lock() {
            kept.insert(phone.to_owned(), message.to_owned());
        }
        Box::pin(async { Ok(()) })
    }
}

impl KeptSms {
    /// The six-digit code of the last message to `phone`.
    fn code(&self, phone: &str) -> Option<String> {
        let kept = self.0.lock().ok()?;
        let message = kept.get(phone)?;
        let digits: Vec<char> = message.chars().collect();
        digits
            .windows(6)
            .find(|w| w.iter().all(char::is_ascii_digit))
            .map(|w| w.iter().collect())
    }
}

/// The real server, in its own process, stopped when dropped.
struct Server {
    child: std::process::Child,
    base: String,
}

impl Server {
    /// The server as deployed, or with its caches kept `cache_seconds`.
    async fn start(binary: &std::path::Path, args: &CityArgs, cache_seconds: Option<u64>) -> anyhow::Result<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let mut command = std::process::Command::new(binary);
        if let Some(seconds) = cache_seconds {
            command.env("HONGMAJIA_CACHE_SECONDS", seconds.to_string());
        }
        let child = command
            .args(["--database", &args.database, "--secret-key-file"])
            .arg(&args.key_file)
            .args(["serve", "--dev", "--bind", &format!("127.0.0.1:{port}")])
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .with_context(|| format!("starting {}", binary.display()))?;
        let server = Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        let client = reqwest::Client::new();
        for _ in 0..600 {
            if client
                .get(format!("{}/healthz", server.base))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                return Ok(server);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        anyhow::bail!("the server did not answer /healthz within a minute")
    }

    /// The most memory the server process ever held (VmHWM), in MiB.
    fn peak_rss_mib(&self) -> anyhow::Result<f64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))?;
        let kib: f64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .context("no VmHWM in /proc")?;
        Ok(kib / 1024.0)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Requests answered during a timed load, and their latencies (ms, sorted).
struct Load {
    answered: usize,
    errors: usize,
    seconds: f64,
    latencies: Vec<f64>,
}

impl Load {
    fn rate(&self) -> f64 {
        self.answered as f64 / self.seconds
    }

    fn p(&self, q: f64) -> f64 {
        percentile(&self.latencies, q)
    }
}

/// `connections` clients each sending GETs (cycling through `requests`: URL and bearer token)
/// one after the other for `seconds`.
async fn load(client: &reqwest::Client, requests: &[(String, String)], connections: usize, seconds: f64) -> Load {
    let requests = Arc::new(requests.to_vec());
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let started = Instant::now();
    let workers: Vec<_> = (0..connections)
        .map(|worker| {
            let (client, requests) = (client.clone(), requests.clone());
            tokio::spawn(async move {
                let (mut latencies, mut errors) = (Vec::new(), 0);
                let mut next = worker;
                while Instant::now() < deadline {
                    let (url, token) = &requests[next % requests.len()];
                    next += connections;
                    let asked = Instant::now();
                    let answered = match client.get(url).bearer_auth(token).send().await {
                        Ok(r) if r.status().is_success() => r.bytes().await.is_ok(),
                        _ => false,
                    };
                    if answered {
                        latencies.push(asked.elapsed().as_secs_f64() * 1000.0);
                    } else {
                        errors += 1;
                    }
                }
                (latencies, errors)
            })
        })
        .collect();
    let (mut latencies, mut errors) = (Vec::new(), 0);
    for worker in workers {
        if let Ok((l, e)) = worker.await {
            latencies.extend(l);
            errors += e;
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    latencies.sort_by(f64::total_cmp);
    Load {
        answered: latencies.len(),
        errors,
        seconds,
        latencies,
    }
}

/// API tokens of up to `count` volunteers whose region starts with `prefix`, logged in by SMS
/// code; spread over the city by ordering on their (random) volunteer codes.
async fn log_in(services: &Services, sms: &KeptSms, prefix: &str, count: usize) -> anyhow::Result<Vec<String>> {
    // Nobody who already holds a place (a rerun's storm), so no sign-up overlaps another; from
    // a random point of the (random) volunteer codes, so a rerun logs other people in (SMS
    // codes are limited per phone and hour).
    let sql = "SELECT phone_enc FROM volunteers WHERE region_code LIKE $1 AND account_id IS NOT NULL AND code >= $3
               AND NOT EXISTS (SELECT 1 FROM signups s WHERE s.volunteer_id = volunteers.id AND s.state = $4)
               ORDER BY code LIMIT $2";
    let pattern = format!("{prefix}%");
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .subsec_nanos();
    let from = format!("{:011}", u64::from(nanos) * 50);
    let sealed: Vec<String> = match &services.db {
        Db::Sqlite(pool, _) => {
            sqlx::query_scalar(sql)
                .bind(&pattern)
                .bind(count as i64)
                .bind(&from)
                .bind(SignupState::Confirmed.as_str())
                .fetch_all(pool)
                .await?
        }
        Db::Pg(pool) => {
            sqlx::query_scalar(sql)
                .bind(&pattern)
                .bind(count as i64)
                .bind(&from)
                .bind(SignupState::Confirmed.as_str())
                .fetch_all(pool)
                .await?
        }
    };
    let mut tokens = Vec::with_capacity(sealed.len());
    for sealed in sealed {
        let phone = services.vault.decrypt(Field::Phone, &sealed)?;
        tokens.push(login_token(services, sms, &phone).await?);
    }
    Ok(tokens)
}

async fn login_token(services: &Services, sms: &KeptSms, phone: &str) -> anyhow::Result<String> {
    if let Some(token) = sms.1.lock().ok().and_then(|t| t.get(phone).cloned()) {
        return Ok(token);
    }
    services
        .request_login_code(phone, true)
        .await
        .map_err(|e| anyhow::anyhow!("asking a code for {phone}: {e}"))?;
    let code = sms.code(phone).context("no code was sent")?;
    let token = services
        .login_with_code(phone, &code, SessionKind::Api)
        .await
        .map_err(|e| anyhow::anyhow!("logging in {phone}: {e}"))?
        .token;
    if let Ok(mut tokens) = sms.1.lock() {
        tokens.insert(phone.to_owned(), token.clone());
    }
    Ok(token)
}

/// The phone of the volunteer with the most confirmed time, that time (minutes) and their id.
async fn busiest_volunteer(services: &Services) -> anyhow::Result<(String, i64, VolunteerId)> {
    let sql = "SELECT phone_enc, confirmed_minutes, id FROM volunteers ORDER BY confirmed_minutes DESC LIMIT 1";
    let (sealed, minutes, id): (String, i64, VolunteerId) = match &services.db {
        Db::Sqlite(pool, _) => sqlx::query_as(sql).fetch_one(pool).await?,
        Db::Pg(pool) => sqlx::query_as(sql).fetch_one(pool).await?,
    };
    Ok((services.vault.decrypt(Field::Phone, &sealed)?, minutes, id))
}

/// The limit of "my hours": reading the same rows (records with their activities' titles and
/// times, every version) on the same engine, without HTTP, JSON or checks; p50 in ms.
async fn bare_hours_read(services: &Services, volunteer: VolunteerId) -> anyhow::Result<f64> {
    let records = "SELECT r.id, r.state, r.minutes, r.version, a.title, a.starts_at, a.ends_at FROM service_records r
                   JOIN activities a ON a.id = r.activity_id WHERE r.volunteer_id = $1";
    let versions = "SELECT v.record_id, v.version, v.state, v.minutes, v.reason FROM record_versions v
                    JOIN service_records r ON r.id = v.record_id WHERE r.volunteer_id = $1";
    let mut took = Vec::new();
    for _ in 0..50 {
        let started = Instant::now();
        match &services.db {
            Db::Sqlite(pool, _) => {
                sqlx::query(records).bind(volunteer).fetch_all(pool).await?;
                sqlx::query(versions).bind(volunteer).fetch_all(pool).await?;
            }
            Db::Pg(pool) => {
                sqlx::query(records).bind(volunteer).fetch_all(pool).await?;
                sqlx::query(versions).bind(volunteer).fetch_all(pool).await?;
            }
        }
        took.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    took.sort_by(f64::total_cmp);
    Ok(percentile(&took, 0.5))
}

fn ms<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let started = Instant::now();
    let out = f();
    (out, started.elapsed().as_secs_f64() * 1000.0)
}

pub async fn run(args: CityArgs) -> anyhow::Result<()> {
    let engine = engine_name(&args.database);
    let sms = Arc::new(KeptSms::default());
    let settings = Settings {
        // The benchmark logs thousands of volunteers in from one address.
        ip_attempt_limit: i64::MAX,
        ..Settings::default()
    };
    let db = Db::open(&args.database).await?;
    let vault = Vault::load(&args.key_file)?;
    let services = Services::new(db, vault, Arc::new(SystemClock), settings).with_sms(sms.clone());
    println!("{}", figures(&services, engine, "140800").await?);
    println!("{}", figures(&services, engine, "140824").await?);

    let binary = match &args.server {
        Some(path) => path.clone(),
        None => std::env::current_exe()?.with_file_name("hongmajia"),
    };
    let server = Server::start(&binary, &args, None).await?;
    let client = reqwest::Client::builder().build()?;
    println!(
        "{}",
        list_search(&services, &sms, &client, &server, &args, engine).await?
    );
    {
        // The same with every request read from the database: what the caches are worth.
        let uncached = Server::start(&binary, &args, Some(0)).await?;
        let label = format!("{engine}, uncached: --cache-seconds 0");
        println!(
            "{}",
            list_search(&services, &sms, &client, &uncached, &args, &label).await?
        );
    }
    for row in my_hours_and_certificate(&services, &sms, &client, &server, engine).await? {
        println!("{row}");
    }
    println!(
        "{}",
        http_storm(&services, &sms, &client, &server, args.storm, engine).await?
    );
    // Three rosters born in Beijing (Dongcheng, Xicheng, Chaoyang) with phones of prefixes the
    // generator never gives: every row is a new registration with a new account.
    if args.rows > 0 {
        let rosters = [
            Roster::new("110101", "139"),
            Roster::new("110102", "199"),
            Roster::new("110105", "198"),
        ];
        println!("{}", import_rows(&services, args.rows, &rosters, engine).await?);
        let xlsx_roster = Roster::new("110106", "197");
        println!("{}", import_xlsx_row(&services, args.rows, &xlsx_roster, engine).await?);
    }
    println!(
        "| server peak memory (VmHWM) during all of the above ({engine}) | {:.0} MiB | target: under 300 MiB | |",
        server.peak_rss_mib()?
    );
    Ok(())
}

/// A region's headline figures (the service call behind the public API) beside reading one row
/// of a table on the same pool.
async fn figures(services: &Services, engine: &str, code: &str) -> anyhow::Result<String> {
    const RUNS: usize = 2000;
    let mut ours = Vec::with_capacity(RUNS);
    let mut last = None;
    for _ in 0..RUNS {
        let started = Instant::now();
        let f = services
            .region_figures(code)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        ours.push(started.elapsed().as_secs_f64() * 1000.0);
        last = Some(f);
    }
    let f = last.context("no run")?;
    let name = format!("{} ({} volunteers, {} h)", f.region.name, f.volunteers, f.service_hours);
    let sql = "SELECT name FROM regions WHERE code = $1";
    let mut limit = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let started = Instant::now();
        let _: String = match &services.db {
            Db::Sqlite(pool, _) => sqlx::query_scalar(sql).bind(code).fetch_one(pool).await?,
            Db::Pg(pool) => sqlx::query_scalar(sql).bind(code).fetch_one(pool).await?,
        };
        limit.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    ours.sort_by(f64::total_cmp);
    limit.sort_by(f64::total_cmp);
    Ok(format!(
        "| headline figures of {name}, with its {} ({engine}) | p50 {:.2} ms, p99 {:.2} ms | one row of a table: p50 {:.2} ms | {:.1} % |",
        if code.len() == 6 && code.ends_with("00") {
            "13 counties"
        } else {
            "townships"
        },
        percentile(&ours, 0.5),
        percentile(&ours, 0.99),
        percentile(&limit, 0.5),
        100.0 * percentile(&limit, 0.5) / percentile(&ours, 0.5)
    ))
}

/// Volunteers across the city looking for activities near them (their county, a search word
/// or none), beside the server's `/livez` under the same load.
async fn list_search(
    services: &Services,
    sms: &KeptSms,
    client: &reqwest::Client,
    server: &Server,
    args: &CityArgs,
    engine: &str,
) -> anyhow::Result<String> {
    let tokens = log_in(services, sms, "14", 64).await?;
    let words = ["", "劝导", "义诊", "宣讲", "", "培训"];
    let searches: Vec<(String, String)> = tokens
        .iter()
        .enumerate()
        .map(|(i, t)| {
            (
                format!("{}/api/v1/activities?q={}", server.base, words[i % words.len()]),
                t.clone(),
            )
        })
        .collect();
    let hello: Vec<(String, String)> = tokens
        .iter()
        .map(|t| (format!("{}/livez", server.base), t.clone()))
        .collect();
    // Warm both, then measure each for the same time with the same connections.
    load(client, &searches, args.connections, 1.0).await;
    let limit = load(client, &hello, args.connections, args.seconds).await;
    let ours = load(client, &searches, args.connections, args.seconds).await;
    anyhow::ensure!(
        ours.errors == 0 && limit.errors == 0,
        "errors: {} / {}",
        ours.errors,
        limit.errors
    );
    Ok(format!(
        "| activity list/search API, {} volunteers of the city, {} connections, {:.0} s ({engine}) | {:.0} req/s, p50 {:.1} ms, p99 {:.1} ms | /livez of the same server, same load: {:.0} req/s, p99 {:.1} ms | {:.1} % |",
        tokens.len(),
        args.connections,
        args.seconds,
        ours.rate(),
        ours.p(0.5),
        ours.p(0.99),
        limit.rate(),
        limit.p(0.99),
        100.0 * ours.rate() / limit.rate()
    ))
}

/// The busiest volunteer's "my hours" (every record with its versions) one request at a time
/// beside `/livez` the same way, and their certificate PDF beside the bare rendering of a
/// certificate with as many lines.
async fn my_hours_and_certificate(
    services: &Services,
    sms: &KeptSms,
    client: &reqwest::Client,
    server: &Server,
    engine: &str,
) -> anyhow::Result<Vec<String>> {
    let (phone, minutes, volunteer) = busiest_volunteer(services).await?;
    let token = login_token(services, sms, &phone).await?;
    let hours = vec![(format!("{}/api/v1/me/hours", server.base), token.clone())];
    let ours = load(client, &hours, 1, 5.0).await;
    let limit = bare_hours_read(services, volunteer).await?;
    anyhow::ensure!(ours.errors == 0, "my hours failed {} times", ours.errors);
    let body: serde_json::Value = client.get(&hours[0].0).bearer_auth(&token).send().await?.json().await?;
    let records = body["records"].as_array().map_or(0, Vec::len);
    let mut rows = vec![format!(
        "| \"my hours\" of the busiest volunteer ({records} records, {:.0} h) over HTTP, one request at a time ({engine}) | p50 {:.1} ms, p99 {:.1} ms | a bare read of the same rows (records with their activities, all versions): p50 {limit:.2} ms | {:.1} % |",
        minutes as f64 / 60.0,
        ours.p(0.5),
        ours.p(0.99),
        100.0 * limit / ours.p(0.5)
    )];
    let issued: serde_json::Value = client
        .post(format!("{}/api/v1/me/certificates", server.base))
        .bearer_auth(&token)
        .send()
        .await?
        .json()
        .await?;
    let number = issued["certificate_number"]
        .as_str()
        .context("no certificate number")?
        .to_owned();
    let pdf = vec![(format!("{}/api/v1/certificates/{number}/pdf", server.base), token)];
    let ours = load(client, &pdf, 1, 5.0).await;
    anyhow::ensure!(
        ours.errors == 0 && ours.answered > 0,
        "certificate failed {} times",
        ours.errors
    );
    let font = hongmajia_pdf::CertificateFont::from_environment()?;
    let content = crate::certificate_content(&number, records);
    let mut bare = Vec::new();
    for _ in 0..ours.answered.clamp(3, 20) {
        let (pdf, took) = ms(|| hongmajia_pdf::render(&font, &content));
        pdf?;
        bare.push(took);
    }
    bare.sort_by(f64::total_cmp);
    rows.push(format!(
        "| certificate PDF of the busiest volunteer ({records} records) over HTTP ({engine}) | p50 {:.1} ms, p99 {:.1} ms | bare rendering of as many lines: p50 {:.1} ms | {:.1} % |",
        ours.p(0.5),
        ours.p(0.99),
        percentile(&bare, 0.5),
        100.0 * percentile(&bare, 0.5) / ours.p(0.5)
    ));
    Ok(rows)
}

/// `count` volunteers of Jishan sign up over HTTP for one popular activity with places for half
/// of them, all at once; beside the bare conditional update of one hot row at the same
/// concurrency.
async fn http_storm(
    services: &Services,
    sms: &KeptSms,
    client: &reqwest::Client,
    server: &Server,
    count: usize,
    engine: &str,
) -> anyhow::Result<String> {
    let tokens = log_in(services, sms, "140824", count).await?;
    let capacity = (tokens.len() / 2) as i64;
    let activity = popular_activity(services, capacity).await?;
    let url = format!("{}/api/v1/activities/{activity}/signups", server.base);
    let started = Instant::now();
    let tasks: Vec<_> = tokens
        .iter()
        .map(|token| {
            let (client, url, token) = (client.clone(), url.clone(), token.clone());
            tokio::spawn(async move {
                let asked = Instant::now();
                let answer = client
                    .post(&url)
                    .bearer_auth(token)
                    .json(&serde_json::json!({}))
                    .send()
                    .await;
                let status = match answer {
                    Ok(r) => {
                        let status = r.status().as_u16();
                        let body = r.text().await.unwrap_or_default();
                        (status, body)
                    }
                    Err(e) => (0, e.to_string()),
                };
                (asked.elapsed().as_secs_f64() * 1000.0, status)
            })
        })
        .collect();
    let (mut latencies, mut accepted, mut full, mut failed) = (Vec::new(), 0, 0, Vec::new());
    for task in tasks {
        let (took, (status, body)) = task.await?;
        latencies.push(took);
        match status {
            200 | 201 => accepted += 1,
            _ if body.contains("activity_full") => full += 1,
            _ => failed.push(format!("{status} {body}")),
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    latencies.sort_by(f64::total_cmp);
    let (taken, _, _) = services
        .signup_counts(activity)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    anyhow::ensure!(
        taken == capacity && accepted == capacity && failed.is_empty(),
        "taken {taken}, accepted {accepted}, failed {:?}",
        failed.first()
    );
    let limit = hot_row_updates(&services.db, tokens.len()).await?;
    let rate = accepted as f64 / seconds;
    Ok(format!(
        "| sign-up storm over HTTP, {} volunteers of Jishan at once for {capacity} places ({engine}) | {rate:.0} accepted/s; p50 {:.1} ms, p99 {:.1} ms of all answers; {full} full, 0 overbooked, 0 errors | bare conditional update of one hot row, same concurrency: {limit:.0}/s | {:.1} % |",
        tokens.len(),
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        100.0 * rate / limit
    ))
}

/// A new published project of Jishan's center with one activity six weeks ahead.
async fn popular_activity(services: &Services, capacity: i64) -> anyhow::Result<ActivityId> {
    let err = |e: hongmajia_services::ServiceError| anyhow::anyhow!("{e}");
    let site = services
        .region(&Actor::System, "140824")
        .await
        .map_err(err)?
        .site
        .context("Jishan has no center")?
        .id;
    let today = time::OffsetDateTime::now_utc().date();
    let project = hongmajia_services::projects::ProjectInput {
        team_id: None,
        site_id: Some(site),
        title: "县城马拉松赛事服务".into(),
        category: "其他".into(),
        description: String::new(),
        starts_on: today.to_string(),
        ends_on: (today + time::Duration::days(90)).to_string(),
    };
    let project = crate::publish(services, &project).await?;
    let starts = time::OffsetDateTime::now_utc() + time::Duration::days(42);
    let format = &time::format_description::well_known::Rfc3339;
    let input: hongmajia_services::activities::ActivityInput = serde_json::from_value(serde_json::json!({
        "project_id": project, "title": "马拉松赛道补给站", "capacity": capacity,
        "starts_at": starts.format(format)?, "ends_at": (starts + time::Duration::hours(5)).format(format)?,
    }))?;
    Ok(services.create_activity(&Actor::System, &input).await.map_err(err)?.id)
}
