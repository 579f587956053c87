//! Key rotation: `hongmajia keys rotate` re-seals everything under new keys; afterwards every
//! record still decrypts, every lookup (login, one person one registration) still finds, and an
//! interrupted rotation still opens.

use crate::helpers::{PASSWORD, TestApp, registration, resident_id};
use crate::privacy::raw_database_text;
use hongmajia_domain::{AccountId, Actor, Role, VolunteerId};
use hongmajia_services::auth::SessionKind;
use hongmajia_services::volunteers::RegistrationInput;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::process::Command;

/// Every sealed value in the database, as stored.
async fn sealed_values(app: &TestApp) -> Vec<String> {
    use hongmajia_store::sealed;
    let mut tx = app.services().db.read().await.unwrap();
    let mut values: Vec<String> = sealed::account_phones(&mut tx)
        .await
        .unwrap()
        .into_iter()
        .map(|(_, p)| p)
        .collect();
    for (_, _, id_enc, phone_enc) in sealed::volunteer_secrets(&mut tx).await.unwrap() {
        values.extend([id_enc, phone_enc]);
    }
    for (_, phone_enc, body_enc) in sealed::outbox_secrets(&mut tx).await.unwrap() {
        values.extend([phone_enc, body_enc]);
    }
    values.extend(
        sealed::account_persons(&mut tx)
            .await
            .unwrap()
            .into_iter()
            .map(|(_, _, p)| p),
    );
    values.extend(
        hongmajia_store::grants::sealed_phones(&mut tx)
            .await
            .unwrap()
            .into_iter()
            .map(|(_, p)| p),
    );
    values
}

#[tokio::test]
async fn after_a_rotation_everything_decrypts_and_every_lookup_still_finds() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let admin = app.signed_in(Role::CenterAdmin, Some("140824")).await;
    let id = resident_id(3);
    let made: Value = app
        .post_json(
            "/api/v1/volunteers",
            admin.token(),
            &registration("140824001001", &id, "13811112222"),
        )
        .await
        .json()
        .await
        .unwrap();
    let volunteer = made["id"].as_i64().unwrap();
    app.post_json("/api/v1/auth/sms-code", None, &json!({"phone": "13700009999"}))
        .await;
    let grant = json!({"phone": "13700008888", "role": "station-admin", "region_code": "140824001001"});
    let granted = app.post_json("/api/v1/accounts", admin.token(), &grant).await;
    assert_eq!(granted.status(), StatusCode::ACCEPTED);
    assert!(sealed_values(&app).await.iter().all(|v| v.starts_with("k1:")));
    assert!(!raw_database_text(&app).await.contains(&id));

    let (url, keys) = app.database();
    let output = Command::new(env!("CARGO_BIN_EXE_hongmajia"))
        .args(["keys", "rotate"])
        .env("HONGMAJIA_DATABASE_URL", &url)
        .env("HONGMAJIA_SECRET_KEY_FILE", &keys)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(said.contains("key set 2") && said.contains("1 volunteers"), "{said}");

    let sealed = sealed_values(&app).await;
    assert_eq!(
        sealed.len(),
        8,
        "two accounts, an ID number and a phone, a message's phone and body, the admin's person, a grant's phone"
    );
    assert!(
        sealed.iter().all(|v| v.starts_with("k2:")),
        "nothing is left under the old key: {sealed:?}"
    );
    let services = app.fresh_services().await;
    let revealed = services
        .reveal_volunteer(&Actor::System, VolunteerId(volunteer))
        .await
        .unwrap();
    assert_eq!(
        (revealed.id_number.as_str(), revealed.phone.as_str()),
        (id.as_str(), "13811112222")
    );
    let outbox = services.development_outbox(10).await.unwrap();
    assert_eq!(outbox[0].phone, "13700009999");
    assert!(
        services
            .login(&admin.phone, PASSWORD, "127.0.0.1", SessionKind::Api)
            .await
            .is_ok(),
        "the phone lookup finds the account"
    );
    {
        use hongmajia_services::vault::Field;
        let mut tx = services.db.read().await.unwrap();
        let lookup = services.vault.lookup(Field::Phone, "13700008888");
        let waiting = hongmajia_store::grants::pending_for_phone(&mut tx, &lookup)
            .await
            .unwrap();
        assert_eq!(waiting.len(), 1, "the grant waits for the same phone under the new key");
        let person = hongmajia_store::accounts::person_of(&mut tx, AccountId(admin.account_id))
            .await
            .unwrap();
        let expected = services.vault.lookup(
            Field::IdNumber,
            &format!("resident_id:{}", crate::helpers::staff_id_of(&admin.phone)),
        );
        assert_eq!(person, Some(expected), "the admin is the same person under the new key");
    }
    let again: RegistrationInput = serde_json::from_value(registration("140824001001", &id, "13811113333")).unwrap();
    let refused = services.register_volunteer(&Actor::System, &again).await.unwrap_err();
    assert_eq!(
        refused.code(),
        Some(hongmajia_domain::ErrorCode::AlreadyRegistered),
        "dedup under the new lookup key"
    );
    let old_vault = app.services();
    assert!(
        old_vault
            .reveal_volunteer(&Actor::System, VolunteerId(volunteer))
            .await
            .is_err(),
        "the old keys open nothing now"
    );
}

#[tokio::test]
async fn a_rotation_stopped_before_or_after_its_transaction_still_opens() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let admin = app.signed_in(Role::CenterAdmin, Some("140824")).await;
    let made: Value = app
        .post_json(
            "/api/v1/volunteers",
            admin.token(),
            &registration("140824001001", &resident_id(4), "13811114444"),
        )
        .await
        .json()
        .await
        .unwrap();
    let volunteer = made["id"].as_i64().unwrap();
    let (_, keys) = app.database();
    // Stopped after the key file gained the new set, before the transaction: the database still
    // says key set 1, and the file still has it.
    let widened = app.services().vault.with_new_key().unwrap();
    widened.save(&keys).unwrap();
    let services = app.fresh_services().await;
    assert_eq!(services.vault.current_key_id(), 1);
    assert!(
        services
            .reveal_volunteer(&Actor::System, VolunteerId(volunteer))
            .await
            .is_ok()
    );
    let login = app
        .post_json(
            "/api/v1/auth/token",
            None,
            &json!({"phone": admin.phone, "password": PASSWORD}),
        )
        .await;
    assert_eq!(login.status(), StatusCode::CREATED);
}
