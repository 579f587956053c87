//! The `hongmajia` binary itself: migrate, user create, demo, serve.

use crate::helpers::{PASSWORD, fresh_database_url};
use std::io::Write;
use std::process::{Command, Output, Stdio};
use tokio::io::{AsyncBufReadExt, BufReader};

/// A fresh database and its own key file, as the binary and the test both use them.
pub(crate) struct Target {
    pub(crate) url: String,
    pub(crate) keys: std::path::PathBuf,
}

pub(crate) async fn fresh_target() -> Target {
    let keys = tempfile::tempdir().unwrap().keep().join("keys.json");
    hongmajia_services::vault::Vault::generate_file(&keys).unwrap();
    Target {
        url: fresh_database_url().await,
        keys,
    }
}

pub(crate) fn hongmajia(target: &Target, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_hongmajia"))
        .args(args)
        .env("HONGMAJIA_DATABASE_URL", &target.url)
        .env("HONGMAJIA_SECRET_KEY_FILE", &target.keys)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

pub(crate) fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test]
async fn migrate_creates_and_migrates_a_new_database() {
    let database = fresh_target().await;
    let output = hongmajia(&database, &["migrate"], "");
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout).trim(), "migrated");
    let again = hongmajia(&database, &["migrate"], "");
    assert!(again.status.success(), "migrating twice is harmless");
}

#[tokio::test]
async fn user_create_reads_the_password_from_a_pipe_and_adds_roles_to_an_existing_phone() {
    let database = fresh_target().await;
    let db = hongmajia_services::Db::open(&database.url).await.unwrap();
    let services = hongmajia_services::Services::new(
        db,
        hongmajia_services::vault::Vault::load(&database.keys).unwrap(),
        std::sync::Arc::new(hongmajia_services::SystemClock),
        Default::default(),
    );
    for (code, name) in [("140800", "运城市"), ("140824", "稷山县"), ("140824001", "稷峰镇")] {
        services
            .create_region(&hongmajia_domain::Actor::System, code, name)
            .await
            .unwrap();
    }
    let created = hongmajia(
        &database,
        &[
            "user",
            "create",
            "--phone",
            "13912345678",
            "--role",
            "center-admin",
            "--region",
            "140824",
            "--id-number",
            &crate::helpers::staff_id_number(1),
        ],
        &format!("{PASSWORD}\n"),
    );
    assert!(created.status.success(), "{}", text(&created.stderr));
    assert!(text(&created.stdout).starts_with("created account"));
    let session = services
        .login(
            "13912345678",
            PASSWORD,
            "127.0.0.1",
            hongmajia_services::auth::SessionKind::Api,
        )
        .await;
    assert!(session.is_ok(), "the piped password works");

    let added = hongmajia(
        &database,
        &["user", "create", "--phone", "13912345678", "--role", "volunteer"],
        "",
    );
    assert!(added.status.success(), "{}", text(&added.stderr));
    assert!(text(&added.stdout).starts_with("added role"));

    let wrong_level = hongmajia(
        &database,
        &[
            "user",
            "create",
            "--phone",
            "13912345679",
            "--role",
            "center-admin",
            "--region",
            "140824001",
        ],
        &format!("{PASSWORD}\n"),
    );
    assert!(!wrong_level.status.success());
    assert!(text(&wrong_level.stderr).contains("region_level_mismatch"));

    let no_password = hongmajia(
        &database,
        &[
            "user",
            "create",
            "--phone",
            "13912345670",
            "--role",
            "institute-admin",
            "--region",
            "140824001",
        ],
        "",
    );
    assert!(!no_password.status.success());
    assert!(text(&no_password.stderr).contains("password_required"));

    let weak = hongmajia(
        &database,
        &[
            "user",
            "create",
            "--phone",
            "13912345670",
            "--role",
            "institute-admin",
            "--region",
            "140824001",
        ],
        "short\n",
    );
    assert!(text(&weak.stderr).contains("password_too_short"));

    let audit = services
        .audit_log(
            &hongmajia_domain::Actor::System,
            &hongmajia_services::audit::AuditQuery {
                region: Some("140800".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let grants = audit
        .entries
        .iter()
        .filter(|e| e.action == "account.grant" && e.actor == "system")
        .count();
    assert_eq!(
        grants, 1,
        "the CLI's center-admin grant is audited as the operator system"
    );
}

/// The demo's account table without its password column, which is random by design.
fn without_passwords(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .skip(3)
        .map(|line| line.split_whitespace().take(5).collect::<Vec<_>>().join(" "))
        .collect()
}

#[tokio::test]
async fn the_demo_is_the_same_for_the_same_seed_and_refuses_to_load_twice() {
    let first_db = fresh_target().await;
    let second_db = fresh_target().await;
    let first = hongmajia(
        &first_db,
        &["demo", "--scale", "small", "--seed", "7", "--as-of", "2026-11-29"],
        "",
    );
    assert!(first.status.success(), "{}", text(&first.stderr));
    let second = hongmajia(
        &second_db,
        &["demo", "--scale", "small", "--seed", "7", "--as-of", "2026-11-29"],
        "",
    );
    let (a, b) = (text(&first.stdout), text(&second.stdout));
    assert_eq!(without_passwords(&a), without_passwords(&b));
    assert!(a.contains("city-admin") && a.contains("运城市") && a.contains("140882"));
    let passwords = |out: &str| {
        out.lines()
            .skip(3)
            .map(|l| l.split_whitespace().last().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_ne!(
        passwords(&a),
        passwords(&b),
        "passwords are random, never derived from the seed"
    );

    let again = hongmajia(&first_db, &["demo", "--scale", "small", "--seed", "7"], "");
    assert!(!again.status.success());
    assert!(text(&again.stderr).contains("already holds the demo"));
}

#[tokio::test]
async fn serve_with_demo_loads_the_city_serves_and_stops_cleanly_on_sigterm() {
    let database = fresh_target().await;
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_hongmajia"))
        .args(["serve", "--demo", "--bind", "127.0.0.1:0"])
        .env("HONGMAJIA_DATABASE_URL", &database.url)
        .env("HONGMAJIA_SECRET_KEY_FILE", &database.keys)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut address = None;
    let mut saw_city_admin = false;
    while let Some(line) = lines.next_line().await.unwrap() {
        saw_city_admin |= line.starts_with("city-admin");
        if let Some(rest) = line.strip_prefix("hongmajia serving on ") {
            address = Some(rest.to_owned());
            break;
        }
    }
    let address = address.expect("the server says where it serves");
    assert!(saw_city_admin, "the demo accounts are printed");
    let login = reqwest::get(format!("{address}/login")).await.unwrap();
    assert_eq!(login.status(), reqwest::StatusCode::OK);
    assert!(login.text().await.unwrap().contains("登录"));

    let pid = child.id().unwrap().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let status = child.wait().await.unwrap();
    assert!(status.success(), "graceful shutdown exits 0: {status}");
}

#[tokio::test]
async fn a_missing_key_file_is_made_beside_a_sqlite_database_and_refused_for_postgres() {
    let url = fresh_database_url().await;
    if crate::helpers::engine_name() == "postgres" {
        let refused = Command::new(env!("CARGO_BIN_EXE_hongmajia"))
            .args(["migrate"])
            .env("HONGMAJIA_DATABASE_URL", &url)
            .env_remove("HONGMAJIA_SECRET_KEY_FILE")
            .output()
            .unwrap();
        assert!(!refused.status.success());
        assert!(text(&refused.stderr).contains("HONGMAJIA_SECRET_KEY_FILE"));
        return;
    }
    let output = Command::new(env!("CARGO_BIN_EXE_hongmajia"))
        .args(["migrate"])
        .env("HONGMAJIA_DATABASE_URL", &url)
        .env_remove("HONGMAJIA_SECRET_KEY_FILE")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output.stderr));
    let keys = format!("{}.keys", url.strip_prefix("sqlite://").unwrap());
    let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&keys).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o600);
    let again = Command::new(env!("CARGO_BIN_EXE_hongmajia"))
        .args(["migrate"])
        .env("HONGMAJIA_DATABASE_URL", &url)
        .output()
        .unwrap();
    assert!(again.status.success(), "the generated keys are read back");
}

#[tokio::test]
async fn calendar_set_fills_the_holiday_table_and_refuses_a_malformed_day_whole() {
    let target = fresh_target().await;
    assert!(hongmajia(&target, &["migrate"], "").status.success());
    let refused = hongmajia(&target, &["calendar", "set", "holiday", "2026-10-01", "10/02"], "");
    assert!(!refused.status.success());
    assert!(text(&refused.stderr).contains("10/02"), "{}", text(&refused.stderr));
    let set = hongmajia(&target, &["calendar", "set", "holiday", "2026-10-01", "2026-10-02"], "");
    assert!(set.status.success(), "{}", text(&set.stderr));
    assert!(text(&set.stdout).contains("2 day(s) set"));
    assert!(
        hongmajia(&target, &["calendar", "set", "workday", "2026-10-10"], "")
            .status
            .success()
    );
    let db = hongmajia_services::Db::open(&target.url).await.unwrap();
    let vault = hongmajia_services::vault::Vault::load(&target.keys).unwrap();
    let services = hongmajia_services::Services::new(
        db,
        vault,
        std::sync::Arc::new(hongmajia_services::SystemClock),
        hongmajia_services::Settings::default(),
    );
    let days = services.calendar().await.unwrap();
    assert_eq!(
        days,
        [
            ("2026-10-01".to_owned(), true),
            ("2026-10-02".to_owned(), true),
            ("2026-10-10".to_owned(), false)
        ]
    );
}

#[tokio::test]
async fn rollups_rebuild_check_fails_on_a_difference_and_rebuild_repairs_it() {
    let target = fresh_target().await;
    assert!(hongmajia(&target, &["demo", "--scale", "small"], "").status.success());
    let check = hongmajia(&target, &["rollups", "rebuild", "--check"], "");
    assert!(check.status.success(), "{}{}", text(&check.stdout), text(&check.stderr));
    assert!(text(&check.stdout).contains("equal a recount"));
    // The demo's project of Jishan's center has its three activities, one a lecture.
    let services = hongmajia_services::Services::new(
        hongmajia_services::Db::open(&target.url).await.unwrap(),
        hongmajia_services::vault::Vault::load(&target.keys).unwrap(),
        std::sync::Arc::new(hongmajia_services::SystemClock),
        hongmajia_services::Settings::default(),
    );
    let jishan = services.region_figures("140824").await.unwrap();
    assert_eq!((jishan.projects, jishan.activities, jishan.lecture_sessions), (1, 3, 1));
    services.db.close().await;
    // A figure that drifted (as a bug or a hand edit would make it).
    let db = hongmajia_store::Db::open(&target.url).await.unwrap();
    let mut tx = db.begin().await.unwrap();
    let delta = hongmajia_store::figures::Figures {
        volunteers: 7,
        ..Default::default()
    };
    hongmajia_store::figures::bump(&mut tx, "140824", &delta).await.unwrap();
    tx.commit().await.unwrap();
    db.close().await;
    let drifted = hongmajia(&target, &["rollups", "rebuild", "--check"], "");
    assert!(!drifted.status.success());
    assert!(text(&drifted.stdout).contains("140824") && text(&drifted.stdout).contains("140800"));
    let rebuilt = hongmajia(&target, &["rollups", "rebuild"], "");
    assert!(rebuilt.status.success(), "{}", text(&rebuilt.stderr));
    assert!(
        hongmajia(&target, &["rollups", "rebuild", "--check"], "")
            .status
            .success()
    );
}

/// `user create` ties a staff role to a person and never sets an existing account's password;
/// `user revoke`, `user disable` and `user enable` take effect at once.
#[tokio::test]
async fn user_commands_tie_staff_to_persons_and_revoke_disable_and_enable() {
    let database = fresh_target().await;
    let make = |args: &[&str], stdin: &str| hongmajia(&database, args, stdin);
    assert!(make(&["migrate"], "").status.success());
    let db = hongmajia_services::Db::open(&database.url).await.unwrap();
    let services = hongmajia_services::Services::new(
        db,
        hongmajia_services::vault::Vault::load(&database.keys).unwrap(),
        std::sync::Arc::new(hongmajia_services::SystemClock),
        Default::default(),
    )
    // The CLI is another process: on SQLite a cached session would hear of it only after the
    // cache's time to live (the server's own acts end sessions at once: accounts.rs).
    .with_cache_ttl(std::time::Duration::ZERO);
    for (code, name) in [("140800", "运城市"), ("140824", "稷山县")] {
        services
            .create_region(&hongmajia_domain::Actor::System, code, name)
            .await
            .unwrap();
    }
    let admin = [
        "user",
        "create",
        "--phone",
        "13912345601",
        "--role",
        "center-admin",
        "--region",
        "140824",
    ];
    let no_person = make(&admin, &format!("{PASSWORD}\n"));
    assert!(!no_person.status.success());
    assert!(text(&no_person.stderr).contains("missing_field (field: id_number)"));
    let id = crate::helpers::staff_id_number(3);
    let with_person = [&admin[..], &["--id-number", &id]].concat();
    let created = make(&with_person, &format!("{PASSWORD}\n"));
    assert!(created.status.success(), "{}", text(&created.stderr));

    // An SMS-only account: no staff role until its holder sets a password; never one from here.
    let citizen = make(&["user", "create", "--phone", "13912345602", "--role", "citizen"], "");
    assert!(citizen.status.success());
    let staff_on_citizen = [
        "user",
        "create",
        "--phone",
        "13912345602",
        "--role",
        "center-admin",
        "--region",
        "140824",
        "--id-number",
        &id,
    ];
    let refused = make(&staff_on_citizen, "");
    assert!(
        text(&refused.stderr).contains("password_required"),
        "{}",
        text(&refused.stderr)
    );
    let refused = make(&staff_on_citizen, &format!("{PASSWORD}\n"));
    assert!(
        text(&refused.stderr).contains("password_not_settable"),
        "{}",
        text(&refused.stderr)
    );

    // An account from before persons is tied by the operator; another person's number is refused.
    let tie = make(&["user", "tie", "--phone", "13912345602", "--id-number", &id], "");
    assert!(tie.status.success(), "{}", text(&tie.stderr));
    let other = crate::helpers::staff_id_number(4);
    let refused = make(&["user", "tie", "--phone", "13912345602", "--id-number", &other], "");
    assert!(
        text(&refused.stderr).contains("id_number_mismatch"),
        "{}",
        text(&refused.stderr)
    );

    let login = || {
        services.login(
            "13912345601",
            PASSWORD,
            "127.0.0.1",
            hongmajia_services::auth::SessionKind::Api,
        )
    };
    let session = login().await.unwrap();
    assert!(services.authenticate(&session.token).await.is_ok());
    let disabled = make(&["user", "disable", "--phone", "13912345601"], "");
    assert!(disabled.status.success(), "{}", text(&disabled.stderr));
    assert!(
        services.authenticate(&session.token).await.is_err(),
        "its session ended"
    );
    let refused = login().await.err().and_then(|e| e.code());
    assert_eq!(refused, Some(hongmajia_domain::ErrorCode::AccountDisabled));
    assert!(make(&["user", "enable", "--phone", "13912345601"], "").status.success());
    let session = login().await.unwrap();

    let revoked = make(
        &["user", "revoke", "--phone", "13912345601", "--role", "center-admin"],
        "",
    );
    assert!(revoked.status.success(), "{}", text(&revoked.stderr));
    assert!(text(&revoked.stdout).contains("revoked center-admin in 140824"));
    assert!(
        services.authenticate(&session.token).await.is_err(),
        "its session ended"
    );
    let again = make(
        &["user", "revoke", "--phone", "13912345601", "--role", "center-admin"],
        "",
    );
    assert!(!again.status.success(), "nothing left to revoke");
}
