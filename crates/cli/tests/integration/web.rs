//! The HTTP surface: cookies, cross-site refusals, error bodies in both languages, the pages'
//! login, and the operational endpoints.

use crate::helpers::{PASSWORD, TestApp, error_code};
use hongmajia_domain::Role;
use hongmajia_domain::VolunteerId;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, LOCATION, SET_COOKIE};
use serde_json::{Value, json};

/// The login form's double-submit token, read from the page a client just fetched.
async fn login_form_token(client: &reqwest::Client, app: &TestApp) -> String {
    let page = client
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    hidden_value(&page, "_csrf")
}

pub(crate) fn hidden_value(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page.find(&marker).unwrap_or_else(|| panic!("no {name} in the page")) + marker.len();
    page[start..].split('"').next().unwrap().to_owned()
}

pub(crate) async fn page_login(app: &TestApp, client: &reqwest::Client, phone: &str) -> reqwest::Response {
    let token = login_form_token(client, app).await;
    client
        .post(app.url("/login"))
        .form(&[("phone", phone), ("password", PASSWORD), ("_csrf", &token)])
        .send()
        .await
        .unwrap()
}

fn session_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("hmj_session="))
        .map(str::to_owned)
}

#[tokio::test]
async fn the_login_page_is_chinese_by_default_and_english_when_the_browser_asks() {
    let app = TestApp::spawn().await;
    let zh = app.get("/login", None).await.text().await.unwrap();
    assert!(zh.contains("登录") && zh.contains("lang=\"zh-CN\""));
    let en = reqwest::Client::new()
        .get(app.url("/login"))
        .header("accept-language", "en-GB,en;q=0.8")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(en.contains("Log in") && en.contains("lang=\"en\""));
}

#[tokio::test]
async fn a_page_login_sets_a_fresh_httponly_samesite_cookie_each_time() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let admin = app.account(Role::CenterAdmin, Some("140824")).await;
    let client = app.browser_client();
    let first = page_login(&app, &client, &admin.phone).await;
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    assert_eq!(first.headers()[LOCATION], "/home");
    let first_cookie = session_cookie(&first).expect("a session cookie");
    assert!(
        first_cookie.contains("HttpOnly") && first_cookie.contains("SameSite=Lax"),
        "{first_cookie}"
    );
    assert!(
        !first_cookie.contains("Secure"),
        "plain http deployment: {first_cookie}"
    );
    let second = session_cookie(&page_login(&app, &client, &admin.phone).await).unwrap();
    assert_ne!(first_cookie, second, "a new session at every login");
    let home = client.get(app.url("/home")).send().await.unwrap();
    assert_eq!(home.status(), StatusCode::OK);
    let home = home.text().await.unwrap();
    assert!(home.contains("稷山县"));
    assert!(home.contains("<title>工作台 · 红马甲</title>"), "a plain title");
}

#[tokio::test]
async fn cookies_are_secure_when_the_public_url_is_https() {
    let app = TestApp::builder()
        .public_url("https://hmj.example.cn")
        .spawn()
        .await
        .with_region_tree()
        .await;
    let admin = app.account(Role::CenterAdmin, Some("140824")).await;
    let client = app.browser_client();
    let login = page_login(&app, &client, &admin.phone).await;
    assert!(session_cookie(&login).unwrap().contains("Secure"));
}

#[tokio::test]
async fn logging_out_ends_the_session_on_the_server() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let admin = app.account(Role::CenterAdmin, Some("140824")).await;
    let client = app.browser_client();
    let cookie = session_cookie(&page_login(&app, &client, &admin.phone).await).unwrap();
    let raw = cookie.split(';').next().unwrap().to_owned();
    let home = client.get(app.url("/home")).send().await.unwrap().text().await.unwrap();
    let csrf = hidden_value(&home, "_csrf");
    let logout = client
        .post(app.url("/logout"))
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), StatusCode::SEE_OTHER);
    // Replaying the old cookie by hand: the server no longer knows the session.
    let replay = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(app.url("/api/v1/me"))
        .header("cookie", raw)
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn state_changes_from_another_site_or_without_the_form_token_are_refused() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let admin = app.account(Role::CenterAdmin, Some("140824")).await;
    let client = app.browser_client();
    page_login(&app, &client, &admin.phone).await;
    let page = client
        .get(app.url("/regions/140824"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = hidden_value(&page, "_csrf");

    let no_token = client
        .post(app.url("/regions/140824/rename"))
        .form(&[("name", "改名一")])
        .send()
        .await
        .unwrap();
    assert_eq!(no_token.status(), StatusCode::FORBIDDEN);
    let wrong_token = client
        .post(app.url("/regions/140824/rename"))
        .form(&[("name", "改名二"), ("_csrf", "0000")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_token.status(), StatusCode::FORBIDDEN);
    let foreign = client
        .post(app.url("/regions/140824/rename"))
        .header("origin", "http://evil.example")
        .form(&[("name", "改名三"), ("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), StatusCode::FORBIDDEN);
    let cross = client
        .post(app.url("/regions/140824/rename"))
        .header("sec-fetch-site", "cross-site")
        .form(&[("name", "改名四"), ("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), StatusCode::FORBIDDEN);
    // A cookie-authenticated API write needs the session's token in a header.
    let api = client
        .patch(app.url("/api/v1/regions/140824"))
        .json(&json!({"name": "改名五"}))
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), StatusCode::FORBIDDEN);
    assert_eq!(error_code(api).await, "csrf_rejected");

    let name = app
        .services()
        .region(&hongmajia_domain::Actor::System, "140824")
        .await
        .unwrap()
        .region
        .name;
    assert_eq!(name, "稷山县", "no refused request changed anything");

    let same_site = client
        .post(app.url("/regions/140824/rename"))
        .header("origin", app.address.as_str())
        .form(&[("name", "稷山县（新）"), ("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(same_site.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn the_api_refuses_non_json_bodies_and_unknown_fields_with_clear_codes() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let admin = app.signed_in(Role::CenterAdmin, Some("140824")).await;
    let plain = reqwest::Client::new()
        .post(app.url("/api/v1/regions"))
        .bearer_auth(admin.token().unwrap())
        .header(CONTENT_TYPE, "text/plain")
        .body(r#"{"code":"140824009","name":"x"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(plain.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(error_code(plain).await, "unsupported_media_type");

    let extra = app
        .post_json(
            "/api/v1/accounts",
            admin.token(),
            &json!({"phone": "13912340000", "role": "volunteer", "points": 100}),
        )
        .await;
    assert_eq!(extra.status(), StatusCode::BAD_REQUEST);
    assert_eq!(error_code(extra).await, "invalid_json");

    let broken = reqwest::Client::new()
        .post(app.url("/api/v1/regions"))
        .bearer_auth(admin.token().unwrap())
        .header(CONTENT_TYPE, "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(broken.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_validation_error_names_the_field_in_the_callers_language() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let admin = app.signed_in(Role::CenterAdmin, Some("140824")).await;
    let body = json!({"code": "14082400X", "name": "新镇"});
    let zh: Value = app
        .post_json("/api/v1/regions", admin.token(), &body)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(zh["error"]["code"], "invalid_region_code");
    assert_eq!(zh["error"]["field"], "code");
    assert!(zh["error"]["message"].as_str().unwrap().contains("区划代码"));
    let en: Value = reqwest::Client::new()
        .post(app.url("/api/v1/regions"))
        .bearer_auth(admin.token().unwrap())
        .header("accept-language", "en")
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(en["error"]["message"].as_str().unwrap().contains("division code"));
}

#[tokio::test]
async fn injection_payloads_are_plain_text_to_the_database() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let admin = app.signed_in(Role::CenterAdmin, Some("140824")).await;
    for (n, payload) in [
        "'; DROP TABLE regions; --",
        "\" OR 1=1 --",
        "x' UNION SELECT password_hash FROM accounts --",
    ]
    .into_iter()
    .enumerate()
    {
        let code = format!("14082400{}", n + 5);
        let created = app
            .post_json(
                "/api/v1/regions",
                admin.token(),
                &json!({"code": code, "name": payload}),
            )
            .await;
        assert_eq!(created.status(), StatusCode::CREATED);
        let read: Value = app
            .get(&format!("/api/v1/regions/{code}"), admin.token())
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(read["region"]["name"], payload);
        let search = app
            .get(&format!("/api/v1/audit?actor={}", urlencode(payload)), admin.token())
            .await;
        assert_eq!(search.status(), StatusCode::OK);
    }
    assert_eq!(
        app.get("/api/v1/regions/140824", admin.token()).await.status(),
        StatusCode::OK
    );
}

fn urlencode(raw: &str) -> String {
    url_escape(raw)
}

fn url_escape(raw: &str) -> String {
    raw.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[tokio::test]
async fn unknown_pages_get_the_404_page_and_unknown_api_paths_a_json_404() {
    let app = TestApp::spawn().await;
    let page = app.get("/no/such/page", None).await;
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    assert!(page.text().await.unwrap().contains("页面不存在"));
    let api = app.get("/api/v1/no-such-thing", None).await;
    assert_eq!(api.status(), StatusCode::NOT_FOUND);
    assert_eq!(error_code(api).await, "not_found");
}

#[tokio::test]
async fn pages_need_a_session_and_send_the_anonymous_to_the_login_page() {
    let app = TestApp::spawn().await.with_region_tree().await;
    for path in ["/home", "/regions/140824", "/audit"] {
        let response = app.get(path, None).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{path}");
        let back = path.replace('/', "%2F");
        assert_eq!(response.headers()[LOCATION], format!("/login?next={back}").as_str());
    }
}

#[tokio::test]
async fn health_metrics_and_the_api_document_are_served() {
    let app = TestApp::spawn().await;
    let health = app.get("/healthz", None).await;
    assert_eq!(health.status(), StatusCode::OK);
    let live = app.get("/livez", None).await;
    assert_eq!(live.status(), StatusCode::OK);
    assert_eq!(live.text().await.unwrap(), "ok");
    app.get("/login", None).await;
    let metrics = app.get("/metrics", None).await.text().await.unwrap();
    assert!(metrics.contains("hongmajia_http_requests_total"), "{metrics}");
    assert!(metrics.contains("route=\"/login\""));
    assert!(metrics.contains("hongmajia_db_pool_connections"));
    // The whole document is the contract: any change to a path, a parameter or a schema shows
    // here and is accepted on purpose (`INSTA_UPDATE=always`, then review the snapshot's diff).
    let doc: Value = app.get("/api/openapi.json", None).await.json().await.unwrap();
    insta::assert_json_snapshot!("openapi", doc);
    let docs = app.get("/api/docs/", None).await;
    assert_eq!(docs.status(), StatusCode::OK);
    assert!(docs.text().await.unwrap().contains("swagger"));
}

#[tokio::test]
async fn dynamic_responses_are_never_cached() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let admin = app.signed_in(Role::CenterAdmin, Some("140824")).await;
    let response = app.get("/api/v1/me", admin.token()).await;
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
}

#[tokio::test]
async fn absurd_paths_and_query_values_get_4xx_never_5xx() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let admin = app.signed_in(Role::CenterAdmin, Some("140824")).await;
    for path in [
        "/api/v1/regions/%00",
        "/api/v1/regions/1408240010019999999",
        "/api/v1/sites/99999999999999999999999",
        "/api/v1/sites/-1",
        "/api/v1/audit?page=abc",
        "/api/v1/audit?page=4294967295",
        "/api/v1/audit?region=%27",
        "/api/v1/regions/140824/staff?page=0",
        "/api/v1/regions/140824/staff?page=4294967295",
        "/api/v1/regions/%E4%B8%AD/coverage",
    ] {
        let status = app.get(path, admin.token()).await.status();
        assert!(status.is_success() || status.is_client_error(), "{path}: {status}");
    }
}

#[tokio::test]
async fn a_volunteer_logs_in_on_the_page_with_an_sms_code() {
    let app = TestApp::spawn().await;
    let client = app.browser_client();
    let token = login_form_token(&client, &app).await;
    let sent = client
        .post(app.url("/login/sms-code"))
        .form(&[("phone", "13700007777"), ("_csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), StatusCode::OK);
    let page = sent.text().await.unwrap();
    assert!(page.contains("id=\"code-form\""), "the page asks for the code");
    let csrf = hidden_value(&page, "_csrf");
    let outbox = client
        .get(app.url(&format!("/dev/sms?key={}", crate::helpers::DEV_KEY)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        outbox.contains("13700007777") && outbox.contains("验证码"),
        "the development outbox shows the message"
    );
    let code = app.sms_code_for("13700007777").await;
    let wrong = client
        .post(app.url("/login"))
        .form(&[("phone", "13700007777"), ("code", "12345x"), ("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let page = wrong.text().await.unwrap();
    assert!(
        page.contains("验证码不正确") && page.contains("id=\"code-form\""),
        "the reason, and the code form again"
    );
    let csrf = hidden_value(&page, "_csrf");
    let login = client
        .post(app.url("/login"))
        .form(&[
            ("phone", "13700007777"),
            ("code", code.as_str()),
            ("_csrf", csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::SEE_OTHER);
    let home = client.get(app.url("/home")).send().await.unwrap().text().await.unwrap();
    assert!(home.contains("群众"), "a citizen's home page");
}

#[tokio::test]
async fn the_county_page_shows_its_eight_plus_n_and_the_roster_page_exports() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let admin = app.account(Role::CenterAdmin, Some("140824")).await;
    let site = crate::helpers::site_of(&app, "140824").await;
    let input = crate::helpers::team_input(site, "理论宣讲队", "professional", "理论宣讲");
    app.services()
        .create_team(&hongmajia_domain::Actor::System, &input)
        .await
        .unwrap();
    crate::helpers::registered_volunteer(&app, "140824001001", 1).await;
    let client = app.browser_client();
    page_login(&app, &client, &admin.phone).await;
    let county = client
        .get(app.url("/regions/140824"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        county.contains("id=\"team-counts\"") && county.contains("新时代文明实践中心</td><td>1</td>"),
        "the center has one professional team"
    );

    let roster = client
        .get(app.url("/volunteers"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = hidden_value(&roster, "_csrf");
    let masked = client
        .post(app.url("/volunteers/export"))
        .form(&[("format", "csv"), ("full", ""), ("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(masked.status(), StatusCode::OK);
    let text = masked.text().await.unwrap();
    assert!(text.contains("王堃") && text.contains("********"), "{text}");
    let refused = client
        .post(app.url("/volunteers/export"))
        .form(&[
            ("format", "csv"),
            ("full", "true"),
            ("password", "wrong-password-9"),
            ("_csrf", csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    assert!(
        refused.text().await.unwrap().contains("手机号或密码不正确"),
        "the reason, not the login page"
    );
    let still = client.get(app.url("/volunteers")).send().await.unwrap();
    assert_eq!(
        still.status(),
        StatusCode::OK,
        "a wrong confirmation does not end the session"
    );
}

#[tokio::test]
async fn a_volunteer_joins_applies_and_answers_invitations_on_their_team_page() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let person = app.account(Role::Citizen, None).await;
    let client = app.browser_client();
    page_login(&app, &client, &person.phone).await;
    let before = client.get(app.url("/my/teams")).send().await.unwrap();
    assert_eq!(before.status(), StatusCode::SEE_OTHER, "registering comes first");
    let me = app
        .services()
        .actor_of(hongmajia_domain::AccountId(person.account_id))
        .await
        .unwrap();
    let input: hongmajia_services::volunteers::RegistrationInput = serde_json::from_value(
        crate::helpers::registration("140824001001", &crate::helpers::resident_id(61), ""),
    )
    .unwrap();
    let volunteer = app.services().register_self(&me, &input, "127.0.0.1").await.unwrap().id;
    let site = crate::helpers::site_of(&app, "140824").await;
    let team = |name: &str| crate::helpers::team_input(site, name, "professional", "理论宣讲");
    let open = app
        .services()
        .create_team(&hongmajia_domain::Actor::System, &team("宣讲一队"))
        .await
        .unwrap()
        .id;
    let inviting = app
        .services()
        .create_team(&hongmajia_domain::Actor::System, &team("宣讲二队"))
        .await
        .unwrap()
        .id;
    let code = crate::helpers::volunteer_code(&app, volunteer.0).await;
    app.services()
        .invite(&hongmajia_domain::Actor::System, inviting, &code)
        .await
        .unwrap();

    let page = client
        .get(app.url("/my/teams"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("宣讲一队") && page.contains("已邀请"), "{page}");
    let csrf = hidden_value(&page, "_csrf");
    let post = |path: String, form: Vec<(&'static str, String)>| client.post(app.url(&path)).form(&form).send();
    let joined = post(
        format!("/my/teams/{open}"),
        vec![("action", "request".into()), ("_csrf", csrf.clone())],
    )
    .await
    .unwrap();
    assert_eq!(joined.status(), StatusCode::SEE_OTHER);
    let accepted = post(
        format!("/my/teams/{inviting}"),
        vec![("action", "accept".into()), ("_csrf", csrf.clone())],
    )
    .await
    .unwrap();
    assert_eq!(accepted.status(), StatusCode::SEE_OTHER);
    let twice = post(
        format!("/my/teams/{open}"),
        vec![("action", "request".into()), ("_csrf", csrf.clone())],
    )
    .await
    .unwrap();
    assert_eq!(twice.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(twice.text().await.unwrap().contains("已在该队伍中"));
    let applied = post(
        "/my/teams/apply".into(),
        vec![
            ("site_id", site.to_string()),
            ("name", "姚村巾帼队".into()),
            ("kind", "characteristic".into()),
            ("specialty", "巾帼".into()),
            ("_csrf", csrf.clone()),
        ],
    )
    .await
    .unwrap();
    assert_eq!(applied.status(), StatusCode::SEE_OTHER);
    let page = client
        .get(app.url("/my/teams"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("申请加入") && page.contains("成员") && page.contains("姚村巾帼队"),
        "{page}"
    );
}

#[tokio::test]
async fn a_station_admin_founds_a_team_and_invites_by_volunteer_code_on_the_pages() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let admin = app.account(Role::StationAdmin, Some("140824001001")).await;
    let volunteer = crate::helpers::registered_volunteer(&app, "140824001001", 5).await;
    let code = app
        .services()
        .volunteer(&hongmajia_domain::Actor::System, VolunteerId(volunteer))
        .await
        .unwrap()
        .code;
    let client = app.browser_client();
    page_login(&app, &client, &admin.phone).await;
    let page = client
        .get(app.url("/regions/140824001001"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let site = hidden_value(&page, "site_id");
    let csrf = hidden_value(&page, "_csrf");
    let founded = client
        .post(app.url("/regions/140824001001/teams"))
        .form(&[
            ("site_id", site.as_str()),
            ("name", "姚村文艺队"),
            ("kind", "professional"),
            ("specialty", "文化文艺"),
            ("_csrf", csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(founded.status(), StatusCode::SEE_OTHER);
    let teams = app
        .services()
        .teams(&hongmajia_domain::Actor::System, "140824001001", "文艺", 1)
        .await
        .unwrap();
    assert_eq!(teams.len(), 1);
    let team = teams[0].id;
    let invited = client
        .post(app.url(&format!("/teams/{team}/invite")))
        .form(&[("code", code.as_str()), ("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(invited.status(), StatusCode::SEE_OTHER);
    let page = client
        .get(app.url(&format!("/teams/{team}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("已邀请"), "{page}");
    let unknown = client
        .post(app.url(&format!("/teams/{team}/invite")))
        .form(&[("code", "123"), ("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn anyone_signed_in_sets_their_password_on_the_home_page() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let admin = app.account(Role::CenterAdmin, Some("140824")).await;
    let client = app.browser_client();
    page_login(&app, &client, &admin.phone).await;
    let home = client.get(app.url("/home")).send().await.unwrap().text().await.unwrap();
    let csrf = hidden_value(&home, "_csrf");
    let refused = client
        .post(app.url("/me/password"))
        .form(&[
            ("current_password", "wrong-password-7"),
            ("password", "a-new-long-password-1"),
            ("_csrf", csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let changed = client
        .post(app.url("/me/password"))
        .form(&[
            ("current_password", PASSWORD),
            ("password", "a-new-long-password-1"),
            ("_csrf", csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), StatusCode::OK);
    assert!(changed.text().await.unwrap().contains("密码已保存"));
    let login = app
        .post_json(
            "/api/v1/auth/token",
            None,
            &json!({"phone": admin.phone, "password": "a-new-long-password-1"}),
        )
        .await;
    assert_eq!(login.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn a_signed_out_phone_that_opens_a_check_in_link_comes_back_to_it_after_logging_in() {
    let app = TestApp::spawn().await;
    let user = app.account(Role::Citizen, None).await;
    let client = app.browser_client();
    let scanned = client.get(app.url("/checkin?t=1.2.abc")).send().await.unwrap();
    assert_eq!(scanned.status(), StatusCode::SEE_OTHER);
    let login = scanned.headers()[LOCATION].to_str().unwrap().to_owned();
    assert_eq!(login, "/login?next=%2Fcheckin%3Ft%3D1.2.abc");
    let page = client.get(app.url(&login)).send().await.unwrap().text().await.unwrap();
    let form = &page[page.find("id=\"login-form\"").unwrap()..];
    assert_eq!(hidden_value(form, "next"), "/checkin?t=1.2.abc");
    let token = hidden_value(&page, "_csrf");
    let back = client
        .post(app.url("/login"))
        .form(&[
            ("phone", user.phone.as_str()),
            ("password", PASSWORD),
            ("_csrf", &token),
            ("next", "/checkin?t=1.2.abc"),
        ])
        .send()
        .await
        .unwrap();
    let status = back.status();
    assert_eq!(back.headers()[LOCATION], "/checkin?t=1.2.abc", "{status}");

    // Only this site's paths: anything else lands on the home page.
    for elsewhere in [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "/\t/evil.example",
        "/\n/evil.example",
    ] {
        let client = app.browser_client();
        let token = login_form_token(&client, &app).await;
        let response = client
            .post(app.url("/login"))
            .form(&[
                ("phone", user.phone.as_str()),
                ("password", PASSWORD),
                ("_csrf", &token),
                ("next", elsewhere),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()[LOCATION], "/home", "{elsewhere}");
    }
}

/// An id in a path that is not a number names nothing: 404 with our own answer (the JSON error
/// body, the error page), as an id nobody has, never the framework's bare 400.
#[tokio::test]
async fn an_id_that_does_not_parse_is_not_found_in_the_api_and_on_pages() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let admin = app.signed_in(Role::CenterAdmin, Some("140824")).await;
    for path in [
        "/api/v1/activities/abc",
        "/api/v1/teams/12x",
        "/api/v1/records/-/evidence",
        "/api/v1/projects/99999999999999999999999",
    ] {
        let answer = app.get(path, admin.token()).await;
        assert_eq!(answer.status(), StatusCode::NOT_FOUND, "{path}");
        assert_eq!(error_code(answer).await, "not_found", "{path}");
    }
    let decision = app
        .post_json(
            "/api/v1/teams/1/members/nobody",
            admin.token(),
            &json!({"decision": "approve"}),
        )
        .await;
    assert_eq!(
        error_code(decision).await,
        "not_found",
        "each segment is parsed as its type"
    );
    let unknown = app.get("/api/v1/activities/123456789", admin.token()).await;
    assert_eq!(
        unknown.status(),
        StatusCode::NOT_FOUND,
        "an unknown id answers the same"
    );

    let client = app.browser_client();
    assert_eq!(
        page_login(&app, &client, &admin.phone).await.status(),
        StatusCode::SEE_OTHER
    );
    let page = client.get(app.url("/teams/abc")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    assert!(page.headers()[CONTENT_TYPE].to_str().unwrap().starts_with("text/html"));
}
