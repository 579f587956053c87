//! The `hongmajia` binary: serve, migrate, demo data and account administration.
//! Every command opens (creating and migrating) the database named by `--database` or
//! `HONGMAJIA_DATABASE_URL`, and acts as the audited operator `system`.

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use hongmajia_domain::Actor;
use hongmajia_domain::TeamId;
use hongmajia_services::accounts::UserInput;
use hongmajia_services::demo::{self, DemoOptions, DemoSummary};
use hongmajia_services::grants::{AccountMove, RevokeInput};
use hongmajia_services::roster::FileProblem;
use hongmajia_services::roster::volunteers::{ImportFailure, ImportOptions};
use hongmajia_services::sms::{DevelopmentGateway, WebhookGateway};
use hongmajia_services::vault::Vault;
use hongmajia_services::{Db, Services, Settings, SystemClock};
use hongmajia_web::{AppState, Lang, WebConfig, import_report};
use std::io::{IsTerminal, Read};
use std::sync::Arc;

#[derive(Parser)]
#[command(
    name = "hongmajia",
    version,
    about = "红马甲: the volunteer service platform of a city's civilization practice network"
)]
struct Cli {
    /// sqlite://relative.db, sqlite:///absolute/path.db or postgres://…
    #[arg(
        long,
        global = true,
        env = "HONGMAJIA_DATABASE_URL",
        default_value = "sqlite://hongmajia.db"
    )]
    database: String,
    /// The key file for personal data (JSON). With SQLite a missing one is generated beside the
    /// database; with PostgreSQL it is required.
    #[arg(long, global = true, env = "HONGMAJIA_SECRET_KEY_FILE")]
    secret_key_file: Option<std::path::PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web pages and the JSON API.
    Serve(ServeArgs),
    /// Apply the database migrations and exit.
    Migrate,
    /// Load demo data: the small city (regions, sites, admins, a few activities), or Yuncheng at
    /// scale (`--scale city`: 859,000 volunteers, 3,189 teams, 20,000 projects, 12.43 million
    /// hours) or one county's share of it (`--scale county`).
    Demo(DemoArgs),
    /// The keys of personal data.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Import data from files.
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// Accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// The kept figures of every region (volunteers, teams, projects, hours, …).
    Rollups {
        #[command(subcommand)]
        command: RollupsCommand,
    },
    /// The holiday table that working days are counted by (records are due 10 working days
    /// after an activity ends).
    Calendar {
        #[command(subcommand)]
        command: CalendarCommand,
    },
}

#[derive(clap::Args)]
struct ServeArgs {
    #[arg(long, env = "HONGMAJIA_BIND", default_value = "127.0.0.1:8080")]
    bind: String,
    /// Load the small demo city into an empty database and serve it; serve a database the demo
    /// made; refuse any other. Implies --dev (on the demo's own database only).
    #[arg(long)]
    demo: bool,
    /// Development mode: SMS go to the development gateway, whose outbox `/dev/sms` shows to
    /// browsers on this machine. Never on a real deployment: it shows every login code.
    #[arg(long)]
    dev: bool,
    /// Base URL used in links and QR codes; https makes cookies Secure.
    #[arg(long, env = "HONGMAJIA_PUBLIC_URL")]
    public_url: Option<String>,
    /// Where SMS go: a URL that takes POSTed JSON {"phone", "message"} (see README). Without
    /// it and without --dev, SMS-code login answers `sms_not_configured`.
    #[arg(long, env = "HONGMAJIA_SMS_WEBHOOK_URL")]
    sms_webhook_url: Option<String>,
    /// Seconds a session with its roles, and a page of coming activities, are answered from
    /// memory before being read again. Writes end them at once: this server's own, and on
    /// PostgreSQL every server's; others (the CLI on SQLite) are seen after this long. 0: off.
    #[arg(long, env = "HONGMAJIA_CACHE_SECONDS", default_value_t = 2)]
    cache_seconds: u64,
}

#[derive(clap::Args)]
struct DemoArgs {
    #[arg(long, value_enum, default_value_t = Scale::Small)]
    scale: Scale,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The day the data is generated as of (YYYY-MM-DD); today by default.
    #[arg(long)]
    as_of: Option<String>,
    /// The county of `--scale county`.
    #[arg(long, default_value = "140824")]
    county: String,
    /// Generate 1/N of the city's sizes (volunteers, teams, projects, hours), for quick
    /// runs and tests of `--scale county|city`.
    #[arg(long, default_value_t = 1)]
    shrink: u64,
}

#[derive(Subcommand)]
enum RollupsCommand {
    /// Recounts them from the base tables and keeps the recount; with --check only compares and
    /// exits non-zero on any difference.
    Rebuild {
        #[arg(long)]
        check: bool,
    },
}

#[derive(Subcommand)]
enum CalendarCommand {
    /// Marks days (YYYY-MM-DD) as public holidays, or as weekend days worked instead (调休).
    Set {
        #[arg(value_enum)]
        kind: DayKind,
        #[arg(required = true)]
        days: Vec<String>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum DayKind {
    Holiday,
    Workday,
}

#[derive(Subcommand)]
enum KeysCommand {
    /// New keys: re-encrypts every ID number, phone and message and recomputes every keyed hash
    /// in one transaction. Stop the server first.
    Rotate,
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Import a volunteer roster (.xlsx or .csv in UTF-8 or GBK), as the operator `system`.
    Volunteers {
        file: std::path::PathBuf,
        /// Every imported volunteer joins this team.
        #[arg(long)]
        team: Option<TeamId>,
        /// Print exactly one JSON object: {"imported","matched","rejected","errors":[…]}.
        #[arg(long)]
        json: bool,
        /// The language of the messages.
        #[arg(long, default_value = "zh-CN")]
        lang: String,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Scale {
    Small,
    County,
    City,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account, or add a role to the account of an existing phone. A new account's
    /// password is read from standard input (prompted on a terminal); it is required for staff
    /// roles. An existing account keeps its holder's password: give none (a staff role needs
    /// the holder to have set one first).
    Create {
        #[arg(long)]
        phone: String,
        /// city-admin, center-admin, institute-admin, station-admin, volunteer or citizen
        #[arg(long)]
        role: String,
        /// Region code of the role's level (admin roles).
        #[arg(long)]
        region: Option<String>,
        #[arg(long)]
        name: Option<String>,
        /// The holder's resident ID number: ties the account to its person. Required with a
        /// staff role on an account not tied to one yet.
        #[arg(long)]
        id_number: Option<String>,
    },
    /// Tie the account of a phone to its holder's ID number (a database from before persons:
    /// staff roles count only on accounts tied to a person).
    Tie {
        #[arg(long)]
        phone: String,
        #[arg(long)]
        id_number: String,
    },
    /// Take a staff role back from the account of a phone; its sessions end at once.
    Revoke {
        #[arg(long)]
        phone: String,
        #[arg(long)]
        role: String,
        /// The role's region (by default the one the account holds the role for).
        #[arg(long)]
        region: Option<String>,
    },
    /// Disable the account of a phone: it logs in no more and its sessions end at once.
    Disable {
        #[arg(long)]
        phone: String,
    },
    /// Enable a disabled account again.
    Enable {
        #[arg(long)]
        phone: String,
    },
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(Cli::parse()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let key_path = Vault::path_for(cli.secret_key_file.as_deref(), &cli.database)?;
    let vault = Vault::for_database(cli.secret_key_file.as_deref(), &cli.database)?;
    let db = Db::open(&cli.database).await?;
    let vault = hongmajia_services::keys::align_vault(&db, vault).await?;
    let services = Services::new(db, vault, Arc::new(SystemClock), Settings::default());
    match cli.command {
        Command::Migrate => {
            println!("migrated");
            Ok(())
        }
        Command::Serve(args) => serve_command(services, args).await,
        Command::Demo(args) => demo_command(&services, args).await,
        Command::Keys {
            command: KeysCommand::Rotate,
        } => rotate_keys(&services, &key_path).await,
        Command::Import {
            command: ImportCommand::Volunteers { file, team, json, lang },
        } => import_volunteers(&services, &file, team, json, &lang).await,
        Command::Rollups {
            command: RollupsCommand::Rebuild { check },
        } => rebuild_rollups(&services, check).await,
        Command::Calendar {
            command: CalendarCommand::Set { kind, days },
        } => set_calendar(&services, kind, &days).await,
        Command::User { command } => user(&services, command).await,
    }
}

/// `serve`: the web server, with its SMS gateway and development mode as configured.
async fn serve_command(services: Services, args: ServeArgs) -> anyhow::Result<()> {
    let ServeArgs {
        bind,
        demo,
        dev,
        public_url,
        sms_webhook_url,
        cache_seconds,
    } = args;
    // A malformed deployment setting stops the start, rather than silently using the defaults.
    hongmajia_services::configured_star_thresholds()?;
    let dev = dev || (demo && prepare_demo(&services).await?);
    let services = services.with_cache_ttl(std::time::Duration::from_secs(cache_seconds));
    let services = match (sms_webhook_url, dev) {
        (Some(url), _) => services.with_sms(Arc::new(WebhookGateway::new(&url)?)),
        (None, true) => {
            tracing::warn!("development mode: SMS are only recorded, and shown at /dev/sms to this machine");
            services.with_sms(Arc::new(DevelopmentGateway))
        }
        (None, false) => {
            tracing::warn!("no HONGMAJIA_SMS_WEBHOOK_URL: SMS-code login answers sms_not_configured");
            services
        }
    };
    let dev_outbox_key = if dev {
        Some(hongmajia_services::auth::random_token()?)
    } else {
        None
    };
    let config = WebConfig {
        public_url,
        dev_outbox_key,
    };
    serve(services, &bind, config).await
}

/// `demo`: the small city, or Yuncheng (or one county of it) at scale.
async fn demo_command(services: &Services, args: DemoArgs) -> anyhow::Result<()> {
    let DemoArgs {
        scale,
        seed,
        as_of,
        county,
        shrink,
    } = args;
    let options = demo_options(seed, as_of.as_deref())?;
    let scope = match scale {
        Scale::Small => {
            let summary = demo::load_small(services, &options).await?;
            print_demo(&summary);
            return Ok(());
        }
        Scale::County => demo::city::Scope::County(county),
        Scale::City => demo::city::Scope::City,
    };
    let options = demo::city::ScaleOptions {
        seed,
        as_of: options.as_of,
        scope,
        targets: demo::city::Targets::YUNCHENG.divided_by(shrink),
    };
    let started = std::time::Instant::now();
    let summary = services.load_scaled_demo(&options, &StageBars::default()).await?;
    print_scaled_demo(&summary, started.elapsed());
    Ok(())
}

async fn rotate_keys(services: &Services, key_path: &std::path::Path) -> anyhow::Result<()> {
    let rotated = services
        .rotate_keys(key_path)
        .await
        .map_err(|e| anyhow::anyhow!(describe(&e)))?;
    println!(
        "rotated to key set {}: {} accounts, {} volunteers, {} messages re-sealed",
        rotated.key_id, rotated.accounts, rotated.volunteers, rotated.messages
    );
    Ok(())
}

/// `rollups rebuild [--check]`: the kept figures against a recount, repaired unless checking.
async fn rebuild_rollups(services: &Services, check: bool) -> anyhow::Result<()> {
    let differences = services
        .rebuild_figures(check)
        .await
        .map_err(|e| anyhow::anyhow!(describe(&e)))?;
    for difference in &differences {
        println!("{difference}");
    }
    match (check, differences.len()) {
        (true, 0) => println!("the figures equal a recount"),
        (true, n) => anyhow::bail!("{n} region(s) differ from a recount"),
        (false, n) => println!("figures rebuilt ({n} region(s) corrected)"),
    }
    Ok(())
}

/// `calendar set`: marks days as holidays or working days.
async fn set_calendar(services: &Services, kind: DayKind, days: &[String]) -> anyhow::Result<()> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let parsed = days
        .iter()
        .map(|d| time::Date::parse(d.trim(), &format).map_err(|_| anyhow::anyhow!("{d:?} is not a date (YYYY-MM-DD)")))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let holiday = matches!(kind, DayKind::Holiday);
    for day in &parsed {
        services
            .set_calendar_day(&Actor::System, *day, holiday)
            .await
            .map_err(|e| anyhow::anyhow!(describe(&e)))?;
    }
    println!("{} day(s) set", parsed.len());
    Ok(())
}

async fn user(services: &Services, command: UserCommand) -> anyhow::Result<()> {
    let refused = |e: hongmajia_services::ServiceError| anyhow::anyhow!(describe(&e));
    match command {
        UserCommand::Create {
            phone,
            role,
            region,
            name,
            id_number,
        } => {
            let input = UserInput {
                phone,
                role,
                region_code: region,
                display_name: name,
                password: read_password()?,
                id_number,
            };
            let created = services.create_user(&input).await.map_err(refused)?;
            let verb = if created.created {
                "created account"
            } else {
                "added role to account"
            };
            println!("{verb} {} ({})", created.account_id, created.role.as_str());
        }
        UserCommand::Revoke { phone, role, region } => {
            let account = services.account_by_phone(&phone).await.map_err(refused)?;
            let region = match region {
                Some(region) => region,
                None => services
                    .role_region(account, &role)
                    .await
                    .map_err(refused)?
                    .ok_or_else(|| anyhow::anyhow!("the account of {phone} holds no {role} role"))?,
            };
            let input = RevokeInput {
                role: role.clone(),
                region_code: region.clone(),
            };
            services
                .revoke_role(&Actor::System, account, &input)
                .await
                .map_err(refused)?;
            println!("revoked {role} in {region} from account {account}; its sessions ended");
        }
        UserCommand::Tie { phone, id_number } => {
            let account = services.tie_account(&phone, &id_number).await.map_err(refused)?;
            println!("tied account {account} to its person");
        }
        UserCommand::Disable { phone } => move_account(services, &phone, AccountMove::Disable).await?,
        UserCommand::Enable { phone } => move_account(services, &phone, AccountMove::Enable).await?,
    }
    Ok(())
}

async fn move_account(services: &Services, phone: &str, step: AccountMove) -> anyhow::Result<()> {
    let refused = |e: hongmajia_services::ServiceError| anyhow::anyhow!(describe(&e));
    let account = services.account_by_phone(phone).await.map_err(refused)?;
    services
        .move_account(&Actor::System, account, step)
        .await
        .map_err(refused)?;
    match step {
        AccountMove::Disable => println!("disabled account {account}; its sessions ended"),
        AccountMove::Enable => println!("enabled account {account}"),
        AccountMove::Reset => println!("reset account {account}; its sessions ended"),
    }
    Ok(())
}

/// Imports a roster and reports as the contract says: exit 0 when the import ran, whatever it
/// rejected; non-zero, with `{"error": …}`, when the file cannot be used at all.
async fn import_volunteers(
    services: &Services,
    file: &std::path::Path,
    team: Option<TeamId>,
    json: bool,
    lang: &str,
) -> anyhow::Result<()> {
    let lang = Lang::parse(lang).unwrap_or(Lang::ZhCn);
    let bar = indicatif::ProgressBar::new(0);
    if json {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} rows {elapsed}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let progress = |done: usize, total: usize| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    };
    let options = ImportOptions { team, dry_run: false };
    let result = match std::fs::read(file) {
        Ok(bytes) => {
            services
                .import_volunteers(&Actor::System, &bytes, &options, &progress)
                .await
        }
        Err(_) => Err(ImportFailure::File(FileProblem::Unreadable)),
    };
    bar.finish_and_clear();
    match result {
        Ok(outcome) => {
            let report = import_report::outcome_report(&outcome, lang);
            if json {
                println!("{}", serde_json::to_string(&report)?);
            } else {
                println!(
                    "imported {}, matched {}, rejected {}",
                    report.imported, report.matched, report.rejected
                );
                for error in &report.errors {
                    println!("row {} [{}] {}: {}", error.row, error.column, error.code, error.message);
                }
            }
            Ok(())
        }
        Err(failure) => {
            let report = import_report::failure_json(&failure, lang);
            if json {
                println!("{report}");
            }
            anyhow::bail!(
                "{}: {}",
                report["error"]["code"].as_str().unwrap_or(""),
                report["error"]["message"].as_str().unwrap_or("")
            )
        }
    }
}

/// A refusal in words for the terminal (English; the code is the stable part).
fn describe(error: &hongmajia_services::ServiceError) -> String {
    match error {
        hongmajia_services::ServiceError::Rule(rule) => match rule.field {
            Some(field) => format!("{} (field: {field})", rule.code),
            None => rule.code.to_string(),
        },
        hongmajia_services::ServiceError::Internal(e) => format!("{e:#}"),
    }
}

fn demo_options(seed: u64, as_of: Option<&str>) -> anyhow::Result<DemoOptions> {
    let as_of = match as_of {
        Some(raw) => time::Date::parse(raw, time::macros::format_description!("[year]-[month]-[day]"))
            .with_context(|| format!("--as-of {raw}: expected YYYY-MM-DD"))?,
        None => time::OffsetDateTime::now_utc().date(),
    };
    Ok(DemoOptions { seed, as_of })
}

/// The password from standard input: prompted without echo on a terminal, else the first line.
/// Empty means no password.
fn read_password() -> anyhow::Result<Option<String>> {
    let raw = if std::io::stdin().is_terminal() {
        rpassword::prompt_password("password (empty for none): ").context("reading the password")?
    } else {
        let mut input = String::new();
        std::io::stdin()
            .read_to_string(&mut input)
            .context("reading the password from stdin")?;
        input.lines().next().unwrap_or("").to_owned()
    };
    Ok(Some(raw).filter(|p| !p.is_empty()))
}

/// One progress bar per stage of the scaled demo.
#[derive(Default)]
struct StageBars {
    current: std::sync::Mutex<Option<indicatif::ProgressBar>>,
}

impl demo::city::Progress for StageBars {
    fn stage(&self, name: &str, total: u64) {
        let bar = indicatif::ProgressBar::new(total);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{msg:<26} {bar:40} {pos}/{len} {elapsed}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar.set_message(name.to_owned());
        if let Ok(mut current) = self.current.lock() {
            *current = Some(bar);
        }
    }

    fn advance(&self, done: u64) {
        if let Ok(current) = self.current.lock()
            && let Some(bar) = current.as_ref()
        {
            bar.inc(done);
        }
    }

    fn finish(&self) {
        if let Ok(mut current) = self.current.lock()
            && let Some(bar) = current.take()
        {
            bar.finish();
        }
    }
}

/// The totals as the platform's own figures give them, and the staff accounts made.
fn print_scaled_demo(summary: &demo::city::ScaleSummary, took: std::time::Duration) {
    let f = &summary.figures;
    println!(
        "{} {} loaded in {:.0} s: {} regions, {} volunteers, {} teams ({} professional, {} characteristic), {} projects, \
         {} activities, {} sign-ups, {} records, {} service hours, {} lecture sessions ({} listeners), {} trainings",
        f.region.name,
        f.region.code,
        took.as_secs_f64(),
        summary.regions,
        f.volunteers,
        f.teams.total,
        f.teams.professional,
        f.teams.characteristic,
        f.projects,
        f.activities,
        summary.signups,
        summary.records,
        f.service_hours,
        f.lecture_sessions,
        f.lecture_audience,
        f.trainings
    );
    print_accounts(&summary.accounts);
}

fn print_demo(summary: &DemoSummary) {
    println!(
        "demo city loaded: {} regions, {} practice sites, {} admin accounts, {} activities to sign up for (稷山县)",
        summary.regions,
        summary.sites,
        summary.accounts.len(),
        summary.activities
    );
    print_accounts(&summary.accounts);
}

fn print_accounts(accounts: &[demo::DemoAccount]) {
    println!("passwords are shown this once; store them now");
    println!(
        "{:<16} {:<13} {:<16} {:<8} {:<12} password",
        "role", "region", "region name", "name", "phone"
    );
    for account in accounts {
        println!(
            "{:<16} {:<13} {:<16} {:<8} {:<12} {}",
            account.role.as_str(),
            account.region_code,
            account.region_name,
            account.display_name,
            account.phone,
            account.password
        );
    }
}

/// `serve --demo`: loads the small demo city into an empty database, or finds the demo's own
/// database; either way the server runs in development mode (true). Any other database is
/// refused: development mode would show its login codes.
async fn prepare_demo(services: &Services) -> anyhow::Result<bool> {
    if demo::is_loaded(services).await? {
        println!("the demo city is already loaded; serving it (its passwords were printed when it was loaded)");
    } else if demo::is_empty(services).await? {
        let summary = demo::load_small(services, &demo_options(1, None)?).await?;
        print_demo(&summary);
    } else {
        anyhow::bail!(
            "--demo serves only a database the demo made, and this one holds other data; \
             serve it without --demo, or give --database a new file for the demo"
        );
    }
    Ok(true)
}

async fn serve(services: Services, bind: &str, config: WebConfig) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("binding {bind}"))?;
    let address = listener.local_addr().context("reading the bound address")?;
    if let Some(key) = &config.dev_outbox_key {
        println!("development SMS outbox (this machine only): http://{address}/dev/sms?key={key}");
    }
    println!("hongmajia serving on http://{address}");
    let state = AppState::new(services, config);
    let jobs = tokio::spawn(run_jobs(state.clone()));
    let follower = tokio::spawn(follow_changes(state.clone()));
    hongmajia_web::serve(listener, state.clone(), shutdown_signal()).await?;
    jobs.abort();
    follower.abort();
    state.services().close().await;
    Ok(())
}

/// This server's job runner (every server runs one; the job table makes each job run once):
/// each second it schedules the sweep of a new five-second slot (SMS retries, projects past
/// their end, no-shows), then runs the due jobs it can lease, for as long as the server runs.
async fn run_jobs(state: AppState) {
    let owner = match hongmajia_services::auth::random_token() {
        Ok(token) => format!("server-{}-{}", std::process::id(), &token[..8]),
        Err(error) => {
            tracing::error!(%error, "no job runner: the random source failed");
            return;
        }
    };
    if let Err(error) = state.services().schedule_evidence_cleaning().await {
        tracing::error!(%error, "scheduling the cleaning of old evidence");
    }
    let mut every = tokio::time::interval(std::time::Duration::from_secs(1));
    let mut last_slot = None;
    loop {
        every.tick().await;
        let services = state.services();
        let slot = hongmajia_services::jobs::sweep_slot(services.now());
        if last_slot != Some(slot) {
            match services.schedule_sweep(slot).await {
                Ok(()) => last_slot = Some(slot),
                Err(error) => tracing::error!(%error, "scheduling the sweep"),
            }
        }
        if let Err(error) = services.run_due_jobs(&owner).await {
            tracing::error!(%error, "running the due jobs");
        }
    }
}

/// Hears the writes of the other servers on the same PostgreSQL database, for as long as this
/// one runs (nothing to hear on SQLite).
async fn follow_changes(state: AppState) {
    if let Err(error) = state.services().follow_changes().await {
        tracing::error!(error = %error, "following the other servers' changes: caches now trust only their time to live");
    }
}

/// Ctrl-C or SIGTERM: stop accepting, finish what is in flight.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
