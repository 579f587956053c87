use crate::Tx;
use crate::db::on_tx;
use hongmajia_domain::AccountId;
use time::OffsetDateTime;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    pub id: i64,
    pub account_id: AccountId,
    pub kind: String,
    pub csrf_token: String,
    pub created_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
    pub revoked_at: Option<OffsetDateTime>,
}

pub struct NewSession<'a> {
    pub id: i64,
    pub token_hash: &'a str,
    pub account_id: AccountId,
    pub kind: &'a str,
    pub csrf_token: &'a str,
    pub at: OffsetDateTime,
}

pub async fn insert(tx: &mut Tx, session: &NewSession<'_>) -> sqlx::Result<()> {
    on_tx!(tx, |conn| {
        sqlx::query(
            "INSERT INTO sessions (id, token_hash, account_id, kind, csrf_token, created_at, last_seen_at)
         VALUES ($1, $2, $3, $4, $5, $6, $6)",
        )
        .bind(session.id)
        .bind(session.token_hash)
        .bind(session.account_id)
        .bind(session.kind)
        .bind(session.csrf_token)
        .bind(session.at)
        .execute(conn)
        .await
        .map(|done| done.rows_affected())
    })?;
    Ok(())
}

/// The session of a token hash with its account's masked phone (the actor's label), in one read.
pub async fn find_with_label(tx: &mut Tx, token_hash: &str) -> sqlx::Result<Option<(SessionRow, String)>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        session: SessionRow,
        phone_masked: String,
    }
    let row = on_tx!(tx, |conn| {
        sqlx::query_as::<_, Row>(
            "SELECT s.id, s.account_id, s.kind, s.csrf_token, s.created_at, s.last_seen_at, s.revoked_at, a.phone_masked
             FROM sessions s JOIN accounts a ON a.id = s.account_id
             WHERE s.token_hash = $1 AND a.disabled_at IS NULL",
        )
        .bind(token_hash)
        .fetch_optional(conn)
        .await
    })?;
    Ok(row.map(|r| (r.session, r.phone_masked)))
}

pub async fn touch(tx: &mut Tx, id: i64, at: OffsetDateTime) -> sqlx::Result<()> {
    on_tx!(tx, |conn| sqlx::query(
        "UPDATE sessions SET last_seen_at = $2 WHERE id = $1"
    )
    .bind(id)
    .bind(at)
    .execute(conn)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(())
}

pub async fn revoke(tx: &mut Tx, token_hash: &str, at: OffsetDateTime) -> sqlx::Result<bool> {
    let done = on_tx!(tx, |conn| sqlx::query(
        "UPDATE sessions SET revoked_at = $2 WHERE token_hash = $1 AND revoked_at IS NULL"
    )
    .bind(token_hash)
    .bind(at)
    .execute(conn)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(done == 1)
}

/// Ends every live session of an account but `keep` (a session id), if given.
pub async fn revoke_all(
    tx: &mut Tx,
    account_id: AccountId,
    keep: Option<i64>,
    at: OffsetDateTime,
) -> sqlx::Result<u64> {
    on_tx!(tx, |conn| sqlx::query(
        "UPDATE sessions SET revoked_at = $2
         WHERE account_id = $1 AND revoked_at IS NULL AND id <> COALESCE($3, 0)"
    )
    .bind(account_id)
    .bind(at)
    .bind(keep)
    .execute(conn)
    .await
    .map(|done| done.rows_affected()))
}
