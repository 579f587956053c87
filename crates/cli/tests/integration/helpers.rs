//! `TestApp`: the real router on a random port, a fresh database, an injectable clock, and
//! helpers to make regions, sites and signed-in accounts.

use hongmajia_domain::project::ProjectEvent;
use hongmajia_domain::{Actor, Role, SiteId, TeamId, VolunteerId};
use hongmajia_services::accounts::UserInput;
use hongmajia_services::sites::SiteInput;
use hongmajia_services::{Db, ManualClock, Services, Settings};
use hongmajia_web::{AppState, WebConfig};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

pub const PASSWORD: &str = "Hongmajia-test-2026!";

/// The database URL of a fresh, empty database on the engine under test.
pub async fn fresh_database_url() -> String {
    match std::env::var("HONGMAJIA_TEST_ENGINE").as_deref() {
        Ok("postgres") => fresh_postgres().await,
        _ => fresh_sqlite(),
    }
}

pub fn engine_name() -> &'static str {
    match std::env::var("HONGMAJIA_TEST_ENGINE").as_deref() {
        Ok("postgres") => "postgres",
        _ => "sqlite",
    }
}

fn fresh_sqlite() -> String {
    let dir = tempfile::tempdir().expect("a temp dir").keep();
    format!("sqlite://{}", dir.join("test.db").display())
}

async fn fresh_postgres() -> String {
    use sqlx::Connection;
    let admin_url = std::env::var("HONGMAJIA_TEST_PG_URL").expect("HONGMAJIA_TEST_PG_URL is set for the postgres pass");
    let name = format!("hmj_test_{}", unique_suffix());
    let mut admin = sqlx::PgConnection::connect(&admin_url)
        .await
        .expect("connecting to the test cluster");
    let create = sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"));
    sqlx::query(create)
        .execute(&mut admin)
        .await
        .expect("creating a test database");
    let (base, _) = admin_url.rsplit_once('/').expect("the URL names a database");
    format!("{base}/{name}")
}

fn unique_suffix() -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    format!(
        "{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
    )
}

/// Who a test project belongs to.
#[derive(Debug, Clone, Copy)]
pub enum ProjectOwner<'a> {
    /// The site of this region code.
    Site(&'a str),
    Team(i64),
}

pub struct TestApp {
    pub address: String,
    database_url: String,
    key_file: std::path::PathBuf,
    pub state: AppState,
    pub clock: Arc<ManualClock>,
    client: reqwest::Client,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    phones: AtomicU32,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.shutdown.take() {
            let _ = stop.send(());
        }
    }
}

/// The development outbox's key of every `TestApp` (`/dev/sms?key=…`).
pub const DEV_KEY: &str = "test-development-outbox-key";

pub struct Builder {
    config: WebConfig,
    sms: Option<Arc<dyn hongmajia_services::sms::SmsGateway>>,
    start: time::OffsetDateTime,
}

impl TestApp {
    pub fn builder() -> Builder {
        Builder {
            config: WebConfig {
                dev_outbox_key: Some(DEV_KEY.to_owned()),
                ..WebConfig::default()
            },
            sms: None,
            start: time::macros::datetime!(2026-11-29 08:00 UTC),
        }
    }

    pub async fn spawn() -> Self {
        Self::builder().spawn().await
    }

    /// Services on this app's database, with the key file as it is now (after a rotation, say).
    pub async fn fresh_services(&self) -> Services {
        let db = Db::open(&self.database_url).await.expect("opening the database again");
        let vault = hongmajia_services::vault::Vault::load(&self.key_file).expect("the key file");
        let vault = hongmajia_services::keys::align_vault(&db, vault)
            .await
            .expect("aligning the keys");
        Services::new(db, vault, self.clock.clone(), Settings::default())
            .with_sms(Arc::new(hongmajia_services::sms::DevelopmentGateway))
    }

    /// The URL of this app's database and its key file, for the binary to open the same data.
    pub fn database(&self) -> (String, std::path::PathBuf) {
        (self.database_url.clone(), self.key_file.clone())
    }

    pub fn services(&self) -> &Services {
        self.state.services()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// A phone number no other account of this app has.
    pub fn new_phone(&self) -> String {
        format!("139{:08}", self.phones.fetch_add(1, Ordering::Relaxed) + 1)
    }

    /// Yuncheng (140800) with two counties, each with one township and one village, all with
    /// their sites; and a second city, Linfen (141000), with the same shape: "outside" for all.
    pub async fn with_region_tree(self) -> Self {
        let codes = [
            ("140800", "运城市"),
            ("140824", "稷山县"),
            ("140824001", "稷峰镇"),
            ("140824001001", "姚村"),
            ("140825", "新绛县"),
            ("140825001", "龙兴镇"),
            ("140825001001", "三泉村"),
            ("141000", "临汾市"),
            ("141002", "尧都区"),
            ("141002001", "解放路街道"),
            ("141002001001", "鼓楼社区"),
        ];
        for (code, name) in codes {
            self.add_region(code, name).await;
            if !code.ends_with("00") {
                self.add_site(code, &format!("{name}实践阵地")).await;
            }
        }
        self
    }

    pub async fn add_region(&self, code: &str, name: &str) {
        self.services()
            .create_region(&Actor::System, code, name)
            .await
            .unwrap_or_else(|e| panic!("creating {code}: {e}"));
    }

    pub async fn add_site(&self, code: &str, name: &str) -> i64 {
        let input = SiteInput {
            name: name.to_owned(),
            ..SiteInput::default()
        };
        self.services()
            .create_site(&Actor::System, code, &input)
            .await
            .unwrap_or_else(|e| panic!("founding the site of {code}: {e}"))
            .id
            .0
    }

    /// An account with one role (and the test password), made by the operator; a staff role's
    /// account is tied to a person of its own (an ID number born 1980, never a registration's).
    pub async fn account(&self, role: Role, region: Option<&str>) -> TestUser {
        let phone = self.new_phone();
        let input = UserInput {
            phone: phone.clone(),
            role: role.as_str().to_owned(),
            region_code: region.map(str::to_owned),
            display_name: Some(format!("{} {}", role.as_str(), region.unwrap_or(""))),
            password: Some(PASSWORD.to_owned()),
            id_number: role.is_staff().then(|| staff_id_of(&phone)),
        };
        let created = self
            .services()
            .create_user(&input)
            .await
            .unwrap_or_else(|e| panic!("creating a {role:?}: {e}"));
        TestUser {
            phone,
            account_id: created.account_id.0,
            token: None,
        }
    }

    /// An account that has logged in through the API and holds a bearer token.
    pub async fn signed_in(&self, role: Role, region: Option<&str>) -> TestUser {
        let mut user = self.account(role, region).await;
        let response = self
            .post_json(
                "/api/v1/auth/token",
                None,
                &json!({"phone": user.phone, "password": PASSWORD}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED, "login of a fresh {role:?}");
        let body: Value = response.json().await.unwrap();
        user.token = Some(body["token"].as_str().unwrap().to_owned());
        user
    }

    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> reqwest::Response {
        let mut request = self.client.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        request.send().await.expect("the request reaches the app")
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> reqwest::Response {
        self.request(Method::GET, path, token, None).await
    }

    pub async fn post_json(&self, path: &str, token: Option<&str>, body: &Value) -> reqwest::Response {
        self.request(Method::POST, path, token, Some(body)).await
    }

    /// A POST whose body is a file (`content_type` as given).
    pub async fn post_bytes(
        &self,
        path: &str,
        token: Option<&str>,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> reqwest::Response {
        let mut request = self.client.post(self.url(path)).header("content-type", content_type);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.body(bytes).send().await.expect("the request reaches the app")
    }

    /// The code of the newest SMS to `phone` in the development outbox.
    pub async fn sms_code_for(&self, phone: &str) -> String {
        let messages = self
            .services()
            .development_outbox(50)
            .await
            .expect("the development outbox");
        let message = messages
            .iter()
            .find(|m| m.phone == phone)
            .expect("a message to the phone");
        message
            .message
            .split(|c: char| !c.is_ascii_digit())
            .find(|part| part.len() == 6)
            .expect("a six-digit code in the message")
            .to_owned()
    }

    /// A published project, made and reviewed by the operator: a site's own (`ProjectOwner::Site`
    /// with the site's region) or a team's, filed under `category` (a code or a Chinese name),
    /// running 2026-11-01 to 2099-12-31.
    pub async fn published_project(&self, owner: ProjectOwner<'_>, (title, category): (&str, &str)) -> i64 {
        let (team_id, site_id) = match owner {
            ProjectOwner::Site(region) => (None, Some(SiteId(site_of(self, region).await))),
            ProjectOwner::Team(team) => (Some(TeamId(team)), None),
        };
        let input = hongmajia_services::projects::ProjectInput {
            team_id,
            site_id,
            title: title.to_owned(),
            category: category.to_owned(),
            description: String::new(),
            starts_on: "2026-11-01".into(),
            ends_on: "2099-12-31".into(),
        };
        let services = self.services();
        let project = services
            .create_project(&Actor::System, &input)
            .await
            .expect("a project")
            .id;
        for event in [ProjectEvent::Submit, ProjectEvent::Approve] {
            services
                .move_project(&Actor::System, project, event, None)
                .await
                .expect("published");
        }
        project.0
    }

    /// An activity of `project` by the operator: `fields` over a plain one (2026-12-06
    /// 08:00–11:00, 10 places, titled 志愿服务活动).
    pub async fn activity_of(&self, project: i64, fields: Value) -> i64 {
        let mut input = json!({
            "project_id": project, "title": "志愿服务活动", "capacity": 10,
            "starts_at": "2026-12-06T08:00:00+08:00", "ends_at": "2026-12-06T11:00:00+08:00",
        });
        for (key, value) in fields.as_object().expect("fields as an object") {
            input[key] = value.clone();
        }
        let input: hongmajia_services::activities::ActivityInput =
            serde_json::from_value(input).expect("an activity input");
        self.services()
            .create_activity(&Actor::System, &input)
            .await
            .expect("an activity")
            .id
            .0
    }

    /// A browser-like client with its own cookie jar that does not follow redirects.
    pub fn browser_client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
    }
}

impl Builder {
    /// Starts the clock at the real time (for tests where the binary, on the system clock,
    /// shares the database).
    pub fn real_time(mut self) -> Self {
        self.start = time::OffsetDateTime::now_utc();
        self
    }

    pub fn sms_gateway(mut self, gateway: Arc<dyn hongmajia_services::sms::SmsGateway>) -> Self {
        self.sms = Some(gateway);
        self
    }

    pub fn public_url(mut self, url: &str) -> Self {
        self.config.public_url = Some(url.to_owned());
        self
    }

    pub async fn spawn(self) -> TestApp {
        let database_url = fresh_database_url().await;
        let db = Db::open(&database_url).await.expect("opening the test database");
        let clock = Arc::new(ManualClock::new(self.start));
        let key_file = tempfile::tempdir().expect("a temp dir").keep().join("keys.json");
        let vault = hongmajia_services::vault::Vault::generate_file(&key_file).expect("test keys");
        let vault = hongmajia_services::keys::align_vault(&db, vault)
            .await
            .expect("aligning the keys");
        // Development mode, as `serve --dev`: codes are read from the outbox.
        let gateway = self
            .sms
            .unwrap_or_else(|| Arc::new(hongmajia_services::sms::DevelopmentGateway));
        let services = Services::new(db, vault, clock.clone(), Settings::default()).with_sms(gateway);
        let state = AppState::new(services, self.config);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let serving = state.clone();
        tokio::spawn(async move {
            let shutdown = async move {
                let _ = stopped.await;
            };
            hongmajia_web::serve(listener, serving, shutdown)
                .await
                .expect("the app serves");
        });
        TestApp {
            address,
            database_url,
            key_file,
            state,
            clock,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            shutdown: Some(stop),
            phones: AtomicU32::new(0),
        }
    }
}

pub struct TestUser {
    pub phone: String,
    pub account_id: i64,
    pub token: Option<String>,
}

impl TestUser {
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }
}

/// The `error.code` of an API error answer.
pub async fn error_code(response: reqwest::Response) -> String {
    let body: Value = response.json().await.expect("an error body in JSON");
    body["error"]["code"].as_str().unwrap_or("").to_owned()
}

/// The ID number of the person behind the `serial`-th staff account a test makes: born on
/// 1980-01-01, so never one of `resident_id`'s (1990-05-17).
pub fn staff_id_number(serial: u32) -> String {
    resident_id_born("19800101", serial, true)
}

/// The ID number `TestApp::account` gave the staff account of this phone.
pub fn staff_id_of(phone: &str) -> String {
    staff_id_number(phone[3..].parse().expect("a test phone"))
}

/// A valid resident ID number of a man born 1990-05-17 in Shanxi (14…), different for every
/// `serial`, with its check character.
pub fn resident_id(serial: u32) -> String {
    resident_id_born("19900517", serial, true)
}

pub fn resident_id_born(birth: &str, serial: u32, male: bool) -> String {
    let area = format!("14{:04}", serial / 500);
    let sequence = (serial % 500) * 2 + u32::from(male);
    let first17 = format!("{area}{birth}{sequence:03}");
    format!(
        "{first17}{}",
        hongmajia_domain::identity::check_char(first17.as_bytes())
    )
}

/// A registration body that passes every rule, for a male born 1990-05-17.
pub fn registration(region: &str, id_number: &str, phone: &str) -> Value {
    json!({
        "name": "王堃",
        "gender": "male",
        "birth_date": "1990-05-17",
        "id_number": id_number,
        "phone": phone,
        "region_code": region,
        "skills": ["急救", "摄影"],
        "categories": ["医疗卫生"],
        "availability": "周末",
        "consent": true,
    })
}

/// Registers a volunteer as the operator; returns its id.
pub async fn registered_volunteer(app: &TestApp, region: &str, sequence: u32) -> i64 {
    let body = registration(region, &resident_id(sequence), &app.new_phone());
    let input: hongmajia_services::volunteers::RegistrationInput = serde_json::from_value(body).unwrap();
    app.services()
        .register_volunteer(&Actor::System, &input)
        .await
        .unwrap_or_else(|e| panic!("registering a volunteer in {region}: {e}"))
        .id
        .0
}

/// The public volunteer code (志愿者编号) of a registered volunteer, as the person would give it.
pub async fn volunteer_code(app: &TestApp, volunteer: i64) -> String {
    app.services()
        .volunteer(&Actor::System, VolunteerId(volunteer))
        .await
        .expect("the volunteer")
        .code
}

/// The site of a region, by the operator.
pub async fn site_of(app: &TestApp, region: &str) -> i64 {
    app.services()
        .region(&Actor::System, region)
        .await
        .unwrap()
        .site
        .expect("the region has a site")
        .id
        .0
}

/// A team to found under `site`: `kind` professional or characteristic, `specialty` its code or
/// Chinese name.
pub fn team_input(site: i64, name: &str, kind: &str, specialty: &str) -> hongmajia_services::teams::TeamInput {
    hongmajia_services::teams::TeamInput {
        site_id: SiteId(site),
        name: name.to_owned(),
        kind: kind.to_owned(),
        specialty: specialty.to_owned(),
        categories: vec![],
        description: String::new(),
        leader_code: None,
    }
}

/// Starts the real binary in development mode on this app's database, with more environment;
/// returns the process and its address.
pub async fn start_server(app: &TestApp, env: &[(&str, &str)]) -> (tokio::process::Child, String) {
    start_server_with(app, &["--dev"], env).await
}

/// Starts `hongmajia serve` with these flags on this app's database, with more environment.
pub async fn start_server_with(app: &TestApp, flags: &[&str], env: &[(&str, &str)]) -> (tokio::process::Child, String) {
    let (url, keys) = app.database();
    let mut server = tokio::process::Command::new(env!("CARGO_BIN_EXE_hongmajia"))
        .args(["serve", "--bind", "127.0.0.1:0"])
        .args(flags)
        .env("HONGMAJIA_DATABASE_URL", &url)
        .env("HONGMAJIA_SECRET_KEY_FILE", &keys)
        .env("RUST_LOG", "warn")
        .envs(env.iter().copied())
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let address = serving_address(&mut server).await;
    (server, address)
}

/// A bearer token from a running server (`address`) for a phone and the test password.
pub async fn token_at(address: &str, phone: &str) -> String {
    let login: Value = reqwest::Client::new()
        .post(format!("{address}/api/v1/auth/token"))
        .json(&json!({"phone": phone, "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    login["token"].as_str().expect("a token").to_owned()
}

/// Reads a starting server's standard output up to the line that says where it serves.
pub async fn serving_address(server: &mut tokio::process::Child) -> String {
    serving_lines(server).await.0
}

/// The address a starting server serves on, and the lines it printed before.
pub async fn serving_lines(server: &mut tokio::process::Child) -> (String, Vec<String>) {
    use tokio::io::AsyncBufReadExt;
    let mut lines = tokio::io::BufReader::new(server.stdout.take().expect("stdout is piped")).lines();
    let mut before = Vec::new();
    while let Some(line) = lines.next_line().await.unwrap() {
        if let Some(address) = line.strip_prefix("hongmajia serving on ") {
            return (address.to_owned(), before);
        }
        before.push(line);
    }
    panic!("the server did not start");
}
