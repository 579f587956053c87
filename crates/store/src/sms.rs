use crate::Tx;
use crate::db::on_tx;
use hongmajia_domain::queue::SmsState;
use time::OffsetDateTime;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OutboxRow {
    pub id: i64,
    pub phone_enc: String,
    pub phone_masked: String,
    pub purpose: String,
    pub body_enc: String,
    #[sqlx(try_from = "String")]
    pub state: SmsState,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub gateway: Option<String>,
    pub created_at: OffsetDateTime,
    pub next_attempt_at: OffsetDateTime,
}

pub struct NewMessage<'a> {
    pub id: i64,
    pub phone_enc: &'a str,
    pub phone_masked: &'a str,
    pub purpose: &'a str,
    pub body_enc: &'a str,
    pub at: OffsetDateTime,
}

pub async fn enqueue(tx: &mut Tx, m: &NewMessage<'_>) -> sqlx::Result<()> {
    on_tx!(tx, |conn| {
        sqlx::query(
            "INSERT INTO sms_outbox (id, phone_enc, phone_masked, purpose, body_enc, state, attempts, created_at, next_attempt_at)
             VALUES ($1, $2, $3, $4, $5, $7, 0, $6, $6)",
        )
        .bind(m.id)
        .bind(m.phone_enc)
        .bind(m.phone_masked)
        .bind(m.purpose)
        .bind(m.body_enc)
        .bind(m.at)
        .bind(SmsState::Queued.as_str())
        .execute(conn)
        .await
        .map(|done| done.rows_affected())
    })?;
    Ok(())
}

pub async fn find(tx: &mut Tx, id: i64) -> sqlx::Result<Option<OutboxRow>> {
    on_tx!(tx, |conn| {
        sqlx::query_as::<_, OutboxRow>(
            "SELECT id, phone_enc, phone_masked, purpose, body_enc, state, attempts, last_error, gateway,
                    created_at, next_attempt_at FROM sms_outbox WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(conn)
        .await
    })
}

/// Queued messages, oldest first.
pub async fn queued(tx: &mut Tx, limit: i64) -> sqlx::Result<Vec<OutboxRow>> {
    on_tx!(tx, |conn| {
        sqlx::query_as::<_, OutboxRow>(
            "SELECT id, phone_enc, phone_masked, purpose, body_enc, state, attempts, last_error, gateway,
                    created_at, next_attempt_at FROM sms_outbox WHERE state = $2 ORDER BY id LIMIT $1",
        )
        .bind(limit)
        .bind(SmsState::Queued.as_str())
        .fetch_all(conn)
        .await
    })
}

/// The newest messages, for the development outbox page.
pub async fn recent(tx: &mut Tx, limit: i64) -> sqlx::Result<Vec<OutboxRow>> {
    on_tx!(tx, |conn| {
        sqlx::query_as::<_, OutboxRow>(
            "SELECT id, phone_enc, phone_masked, purpose, body_enc, state, attempts, last_error, gateway,
                    created_at, next_attempt_at FROM sms_outbox ORDER BY id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(conn)
        .await
    })
}

/// Records the outcome of one delivery attempt of a queued message. Only a queued row changes,
/// so two workers never both deliver it.
pub async fn record_attempt(
    tx: &mut Tx,
    id: i64,
    state: SmsState,
    gateway: &str,
    error: Option<&str>,
    next_attempt_at: OffsetDateTime,
    at: OffsetDateTime,
) -> sqlx::Result<bool> {
    let sent_at = (state == SmsState::Sent).then_some(at);
    let done = on_tx!(tx, |conn| {
        sqlx::query(
            "UPDATE sms_outbox SET state = $2, gateway = $3, last_error = $4, next_attempt_at = $5, sent_at = $6,
                    attempts = attempts + 1
             WHERE id = $1 AND state = $7",
        )
        .bind(id)
        .bind(state.as_str())
        .bind(gateway)
        .bind(error)
        .bind(next_attempt_at)
        .bind(sent_at)
        .bind(SmsState::Queued.as_str())
        .execute(conn)
        .await
        .map(|done| done.rows_affected())
    })?;
    Ok(done == 1)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CodeRow {
    pub id: i64,
    pub code_hash: String,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub used_at: Option<OffsetDateTime>,
    pub failed_attempts: i64,
}

pub struct NewCode<'a> {
    pub id: i64,
    pub phone_lookup: &'a str,
    pub purpose: &'a str,
    pub code_hash: &'a str,
    pub at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

pub async fn insert_code(tx: &mut Tx, c: &NewCode<'_>) -> sqlx::Result<()> {
    on_tx!(tx, |conn| {
        sqlx::query(
            "INSERT INTO sms_codes (id, phone_lookup, purpose, code_hash, created_at, expires_at, failed_attempts)
             VALUES ($1, $2, $3, $4, $5, $6, 0)",
        )
        .bind(c.id)
        .bind(c.phone_lookup)
        .bind(c.purpose)
        .bind(c.code_hash)
        .bind(c.at)
        .bind(c.expires_at)
        .execute(conn)
        .await
        .map(|done| done.rows_affected())
    })?;
    Ok(())
}

/// The newest codes of a phone for a purpose, newest first.
pub async fn recent_codes(tx: &mut Tx, phone_lookup: &str, purpose: &str, limit: i64) -> sqlx::Result<Vec<CodeRow>> {
    on_tx!(tx, |conn| {
        sqlx::query_as::<_, CodeRow>(
            "SELECT id, code_hash, created_at, expires_at, used_at, failed_attempts FROM sms_codes
             WHERE phone_lookup = $1 AND purpose = $2 ORDER BY id DESC LIMIT $3",
        )
        .bind(phone_lookup)
        .bind(purpose)
        .bind(limit)
        .fetch_all(conn)
        .await
    })
}

pub async fn count_failure(tx: &mut Tx, id: i64) -> sqlx::Result<()> {
    on_tx!(tx, |conn| {
        sqlx::query("UPDATE sms_codes SET failed_attempts = failed_attempts + 1 WHERE id = $1")
            .bind(id)
            .execute(conn)
            .await
            .map(|done| done.rows_affected())
    })?;
    Ok(())
}

/// Marks a code used; false when it already was (a second use, even a simultaneous one, fails).
pub async fn use_code(tx: &mut Tx, id: i64, at: OffsetDateTime) -> sqlx::Result<bool> {
    let done = on_tx!(tx, |conn| {
        sqlx::query("UPDATE sms_codes SET used_at = $2 WHERE id = $1 AND used_at IS NULL")
            .bind(id)
            .bind(at)
            .execute(conn)
            .await
            .map(|done| done.rows_affected())
    })?;
    Ok(done == 1)
}
