//! Every sealed value and keyed hash, for re-encrypting them under new keys (key rotation).

use crate::Tx;
use crate::db::on_tx;
use time::OffsetDateTime;

pub async fn key_id(tx: &mut Tx) -> sqlx::Result<Option<i64>> {
    on_tx!(tx, |conn| {
        sqlx::query_scalar::<_, i64>("SELECT key_id FROM vault_state WHERE singleton = 1")
            .fetch_optional(conn)
            .await
    })
}

pub async fn set_key_id(tx: &mut Tx, key_id: i64) -> sqlx::Result<()> {
    on_tx!(tx, |conn| {
        sqlx::query(
            "INSERT INTO vault_state (singleton, key_id) VALUES (1, $1) ON CONFLICT (singleton) DO UPDATE SET key_id = $1",
        )
        .bind(key_id)
        .execute(conn)
        .await
        .map(|done| done.rows_affected())
    })?;
    Ok(())
}

pub async fn account_phones(tx: &mut Tx) -> sqlx::Result<Vec<(i64, String)>> {
    on_tx!(tx, |conn| sqlx::query_as::<_, (i64, String)>(
        "SELECT id, phone_enc FROM accounts"
    )
    .fetch_all(conn)
    .await)
}

pub async fn reseal_account(tx: &mut Tx, id: i64, phone_enc: &str, phone_lookup: &str) -> sqlx::Result<()> {
    on_tx!(tx, |conn| {
        sqlx::query("UPDATE accounts SET phone_enc = $2, phone_lookup = $3 WHERE id = $1")
            .bind(id)
            .bind(phone_enc)
            .bind(phone_lookup)
            .execute(conn)
            .await
            .map(|done| done.rows_affected())
    })?;
    Ok(())
}

pub async fn volunteer_secrets(tx: &mut Tx) -> sqlx::Result<Vec<(i64, String, String, String)>> {
    on_tx!(tx, |conn| {
        sqlx::query_as::<_, (i64, String, String, String)>("SELECT id, id_type, id_enc, phone_enc FROM volunteers")
            .fetch_all(conn)
            .await
    })
}

pub struct Resealed<'a> {
    pub id_enc: &'a str,
    pub id_lookup: &'a str,
    pub phone_enc: &'a str,
    pub phone_lookup: &'a str,
}

pub async fn reseal_volunteer(tx: &mut Tx, id: i64, v: &Resealed<'_>) -> sqlx::Result<()> {
    on_tx!(tx, |conn| {
        sqlx::query(
            "UPDATE volunteers SET id_enc = $2, id_lookup = $3, phone_enc = $4, phone_lookup = $5 WHERE id = $1",
        )
        .bind(id)
        .bind(v.id_enc)
        .bind(v.id_lookup)
        .bind(v.phone_enc)
        .bind(v.phone_lookup)
        .execute(conn)
        .await
        .map(|done| done.rows_affected())
    })?;
    Ok(())
}

pub async fn outbox_secrets(tx: &mut Tx) -> sqlx::Result<Vec<(i64, String, String)>> {
    on_tx!(tx, |conn| {
        sqlx::query_as::<_, (i64, String, String)>("SELECT id, phone_enc, body_enc FROM sms_outbox")
            .fetch_all(conn)
            .await
    })
}

pub async fn reseal_message(tx: &mut Tx, id: i64, phone_enc: &str, body_enc: &str) -> sqlx::Result<()> {
    on_tx!(tx, |conn| {
        sqlx::query("UPDATE sms_outbox SET phone_enc = $2, body_enc = $3 WHERE id = $1")
            .bind(id)
            .bind(phone_enc)
            .bind(body_enc)
            .execute(conn)
            .await
            .map(|done| done.rows_affected())
    })?;
    Ok(())
}

/// Codes and throttle counters are keyed by the old lookup key: pending codes end, counters reset.
pub async fn forget_keyed_counters(tx: &mut Tx, at: OffsetDateTime) -> sqlx::Result<()> {
    on_tx!(tx, |conn| {
        sqlx::query("UPDATE sms_codes SET used_at = $1 WHERE used_at IS NULL")
            .bind(at)
            .execute(conn)
            .await
            .map(|done| done.rows_affected())
    })?;
    on_tx!(tx, |conn| sqlx::query("DELETE FROM login_throttle")
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))?;
    Ok(())
}

/// Every account's sealed person (type, sealed number), for a key rotation.
pub async fn account_persons(tx: &mut Tx) -> sqlx::Result<Vec<(i64, String, String)>> {
    on_tx!(tx, |conn| sqlx::query_as::<_, (i64, String, String)>(
        "SELECT id, person_id_type, person_enc FROM accounts WHERE person_enc IS NOT NULL"
    )
    .fetch_all(conn)
    .await)
}

pub async fn reseal_account_person(tx: &mut Tx, id: i64, person_enc: &str, person_lookup: &str) -> sqlx::Result<()> {
    on_tx!(tx, |conn| sqlx::query(
        "UPDATE accounts SET person_enc = $2, person_lookup = $3 WHERE id = $1"
    )
    .bind(id)
    .bind(person_enc)
    .bind(person_lookup)
    .execute(conn)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(())
}
