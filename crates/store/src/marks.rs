//! Marks of what made a database (the demo's), and whether it holds anything at all.

use crate::Tx;
use crate::db::on_tx;
use time::OffsetDateTime;

pub async fn set(tx: &mut Tx, name: &str, at: OffsetDateTime) -> sqlx::Result<()> {
    on_tx!(tx, |conn| sqlx::query(
        "INSERT INTO platform_marks (name, created_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING"
    )
    .bind(name)
    .bind(at)
    .execute(conn)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(())
}

pub async fn has(tx: &mut Tx, name: &str) -> sqlx::Result<bool> {
    on_tx!(tx, |conn| sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM platform_marks WHERE name = $1"
    )
    .bind(name)
    .fetch_one(conn)
    .await
    .map(|n| n > 0))
}

/// True when the database holds no region and no account (a fresh one).
pub async fn is_empty(tx: &mut Tx) -> sqlx::Result<bool> {
    on_tx!(tx, |conn| sqlx::query_scalar::<_, i64>(
        "SELECT (SELECT COUNT(*) FROM regions) + (SELECT COUNT(*) FROM accounts)"
    )
    .fetch_one(conn)
    .await
    .map(|n| n == 0))
}
