use crate::Tx;
use crate::db::on_tx;
use time::OffsetDateTime;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    pub id: i64,
    pub account_id: i64,
    pub kind: String,
    pub csrf_token: String,
    pub created_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
    pub revoked_at: Option<OffsetDateTime>,
}

pub struct NewSession<'a> {
    pub id: i64,
    pub token_hash: &'a str,
    pub account_id: i64,
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

pub async fn find(tx: &mut Tx, token_hash: &str) -> sqlx::Result<Option<SessionRow>> {
    on_tx!(tx, |conn| {
        sqlx::query_as::<_, SessionRow>(
        "SELECT id, account_id, kind, csrf_token, created_at, last_seen_at, revoked_at FROM sessions WHERE token_hash = $1"
    )
    .bind(token_hash)
    .fetch_optional(conn)
    .await
    })
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
