use crate::Tx;
use crate::db::on_tx;

/// Counts one attempt in the key's window and returns the attempts counted so far in it. A window
/// older than `window_seconds` is replaced by a new one starting `now`. One statement, so
/// simultaneous attempts each get their own number.
pub async fn reserve(tx: &mut Tx, key: &str, now: i64, window_seconds: i64) -> sqlx::Result<i64> {
    on_tx!(tx, |conn| {
        sqlx::query_scalar::<_, i64>(
        "INSERT INTO login_throttle (throttle_key, attempts, window_started) VALUES ($1, 1, $2)
         ON CONFLICT (throttle_key) DO UPDATE SET
           attempts = CASE WHEN login_throttle.window_started <= $2 - $3 THEN 1 ELSE login_throttle.attempts + 1 END,
           window_started = CASE WHEN login_throttle.window_started <= $2 - $3 THEN $2 ELSE login_throttle.window_started END
         RETURNING attempts"
    )
    .bind(key)
    .bind(now)
    .bind(window_seconds)
    .fetch_one(conn)
    .await
    })
}

/// Gives back the attempt a successful login had reserved.
pub async fn release(tx: &mut Tx, key: &str) -> sqlx::Result<()> {
    on_tx!(tx, |conn| sqlx::query(
        "UPDATE login_throttle SET attempts = attempts - 1 WHERE throttle_key = $1 AND attempts > 0"
    )
    .bind(key)
    .execute(conn)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(())
}
