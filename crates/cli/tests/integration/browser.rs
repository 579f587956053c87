//! A county admin's journey in a real headless Chromium: log in, see the county and its sites
//! in Chinese, add a township and found its institute, switch to English, find another county's
//! page answered with the 404 page, and find every write of the journey in the audit log.
//! Needs Debian's `chromium` and `chromium-driver`: `scripts/test` installs them and runs it.

use crate::helpers::{PASSWORD, TestApp};
use fantoccini::{ClientBuilder, Locator};
use hongmajia_domain::Role;
use std::time::Duration;

const CHROME_ARGS: [&str; 10] = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=412,915",
    // A phone in mainland China: Chinese first.
    "--lang=zh-CN",
];

/// A chromedriver on a free port; killed when dropped.
struct Driver {
    child: std::process::Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start_driver() -> Driver {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let binary = std::env::var("HONGMAJIA_CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
    let mut child = std::process::Command::new(&binary)
        .arg(format!("--port={port}"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("starting {binary}: {e} (apt-get install chromium-driver)"));
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return Driver { child, url };
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("chromedriver did not start");
}

async fn browser(driver: &Driver) -> fantoccini::Client {
    let profile = tempfile::tempdir().unwrap().keep();
    let mut args: Vec<String> = CHROME_ARGS.iter().map(|a| a.to_string()).collect();
    args.push(format!("--user-data-dir={}", profile.display()));
    let binary = std::env::var("HONGMAJIA_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({"args": args, "binary": binary, "prefs": {"intl.accept_languages": "zh-CN,zh"}}),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector)
        .capabilities(capabilities)
        .connect(&driver.url)
        .await
        .expect("a browser session")
}

async fn body_text(client: &fantoccini::Client) -> String {
    client.find(Locator::Css("body")).await.unwrap().text().await.unwrap()
}

async fn submit_form(client: &fantoccini::Client, form: &str, fields: &[(&str, &str)]) {
    let form = client.form(Locator::Css(form)).await.unwrap();
    for (name, value) in fields {
        form.set_by_name(name, value).await.unwrap();
    }
    form.submit().await.unwrap();
}

#[tokio::test]
#[ignore = "needs chromium and chromium-driver; scripts/test runs it"]
async fn a_county_admin_works_in_the_browser_in_chinese_and_english_within_its_county() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let admin = app.account(Role::CenterAdmin, Some("140824")).await;
    let driver = start_driver().await;
    let client = browser(&driver).await;

    client.goto(&app.url("/login")).await.unwrap();
    assert!(body_text(&client).await.contains("手机号码"));
    submit_form(
        &client,
        "#login-form",
        &[("phone", &admin.phone), ("password", PASSWORD)],
    )
    .await;
    client.wait().for_element(Locator::Id("scope-link")).await.unwrap();
    let home = body_text(&client).await;
    assert!(home.contains("稷山县") && home.contains("实践中心"), "{home}");

    client
        .find(Locator::Id("scope-link"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client.wait().for_element(Locator::Id("children")).await.unwrap();
    let county = body_text(&client).await;
    assert!(
        county.contains("稷峰镇") && county.contains("稷峰镇实践阵地"),
        "{county}"
    );

    // Two staff writes through the forms: a new township, then its institute.
    submit_form(&client, "#child-form", &[("code", "140824002"), ("name", "化峪镇")]).await;
    client.wait().for_element(Locator::LinkText("化峪镇")).await.unwrap();
    client
        .find(Locator::LinkText("化峪镇"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client.wait().for_element(Locator::Id("no-site")).await.unwrap();
    submit_form(
        &client,
        "#site-form",
        &[("name", "化峪镇新时代文明实践所"), ("secretary", "郭堃")],
    )
    .await;
    client.wait().for_element(Locator::Id("site-name")).await.unwrap();
    assert!(body_text(&client).await.contains("化峪镇新时代文明实践所"));

    // A refused form keeps what was typed and says why, in place.
    client.goto(&app.url("/regions/140824")).await.unwrap();
    submit_form(&client, "#child-form", &[("code", "140824002"), ("name", "重复镇")]).await;
    client.wait().for_element(Locator::Id("form-error")).await.unwrap();
    assert!(body_text(&client).await.contains("该区划代码已存在"));

    client
        .find(Locator::Id("switch-lang"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .for_element(Locator::Css("html[lang='en']"))
        .await
        .unwrap();
    let english = body_text(&client).await;
    assert!(
        english.contains("Practice site") && english.contains("Divisions below"),
        "{english}"
    );
    client.goto(&app.url("/home")).await.unwrap();
    assert!(
        body_text(&client).await.contains("Practice centers"),
        "the choice is remembered"
    );

    client.goto(&app.url("/regions/140825")).await.unwrap();
    let refused = body_text(&client).await;
    assert!(
        refused.contains("Page not found") && !refused.contains("新绛县"),
        "{refused}"
    );

    client.goto(&app.url("/audit")).await.unwrap();
    client.wait().for_element(Locator::Id("audit")).await.unwrap();
    let rows = client.find_all(Locator::Css("#audit tbody tr")).await.unwrap();
    let masked = format!("{}****{} center-admin", &admin.phone[..3], &admin.phone[7..]);
    let mut mine = Vec::new();
    for row in rows {
        let text = row.text().await.unwrap();
        if text.contains(&masked) {
            mine.push(text);
        }
    }
    assert_eq!(mine.len(), 2, "both writes of the journey are logged: {mine:?}");
    assert!(
        mine[0].contains("site.create") && mine[1].contains("region.create"),
        "{mine:?}"
    );

    let png = client.screenshot().await.unwrap();
    let shot = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser-audit.png");
    std::fs::write(&shot, png).unwrap();
    client.close().await.unwrap();
}
