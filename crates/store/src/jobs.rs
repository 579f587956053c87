//! Jobs: scheduled once per (kind, subject, due time), leased by one server at a time.

use crate::Tx;
use crate::db::on_tx;
use hongmajia_domain::queue::JobState;
use time::OffsetDateTime;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct JobRow {
    pub id: i64,
    pub kind: String,
    pub subject: String,
    pub due_at: OffsetDateTime,
    pub attempts: i64,
}

/// Schedules a job; false when it is scheduled already (by this server or another).
pub async fn schedule(tx: &mut Tx, id: i64, kind: &str, subject: &str, due_at: OffsetDateTime) -> sqlx::Result<bool> {
    let done = on_tx!(tx, |conn| sqlx::query(
        "INSERT INTO jobs (id, kind, subject, due_at, state, attempts) VALUES ($1, $2, $3, $4, $5, 0)
         ON CONFLICT (kind, subject, due_at) DO NOTHING"
    )
    .bind(id)
    .bind(kind)
    .bind(subject)
    .bind(due_at)
    .bind(JobState::Pending.as_str())
    .execute(conn)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(done == 1)
}

/// Pending jobs whose time has come and that nobody holds, oldest first.
pub async fn due(tx: &mut Tx, now: OffsetDateTime, limit: i64) -> sqlx::Result<Vec<JobRow>> {
    on_tx!(tx, |conn| sqlx::query_as::<_, JobRow>(
        "SELECT id, kind, subject, due_at, attempts FROM jobs
         WHERE state = $3 AND due_at <= $1 AND (lease_until IS NULL OR lease_until < $1)
         ORDER BY due_at, id LIMIT $2"
    )
    .bind(now)
    .bind(limit)
    .bind(JobState::Pending.as_str())
    .fetch_all(conn)
    .await)
}

/// Leases a job until `until`; false when another server holds it or it is done (one conditional
/// update decides, on both engines).
pub async fn lease(
    tx: &mut Tx,
    id: i64,
    owner: &str,
    now: OffsetDateTime,
    until: OffsetDateTime,
) -> sqlx::Result<bool> {
    let done = on_tx!(tx, |conn| sqlx::query(
        "UPDATE jobs SET lease_owner = $2, lease_until = $4, attempts = attempts + 1
         WHERE id = $1 AND state = $5 AND (lease_until IS NULL OR lease_until < $3)"
    )
    .bind(id)
    .bind(owner)
    .bind(now)
    .bind(until)
    .bind(JobState::Pending.as_str())
    .execute(conn)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(done == 1)
}

/// Ends a leased job: done, or (with an error) pending again after `retry_at`. Only its holder.
pub async fn finish(
    tx: &mut Tx,
    id: i64,
    owner: &str,
    error: Option<&str>,
    (now, retry_at): (OffsetDateTime, OffsetDateTime),
) -> sqlx::Result<bool> {
    let done = on_tx!(tx, |conn| sqlx::query(
        "UPDATE jobs SET
             state = CASE WHEN $3 IS NULL THEN $6 ELSE $7 END,
             done_at = CASE WHEN $3 IS NULL THEN $4 ELSE NULL END,
             lease_until = CASE WHEN $3 IS NULL THEN NULL ELSE $5 END,
             last_error = $3
         WHERE id = $1 AND lease_owner = $2 AND state = $7"
    )
    .bind(id)
    .bind(owner)
    .bind(error)
    .bind(now)
    .bind(retry_at)
    .bind(JobState::Done.as_str())
    .bind(JobState::Pending.as_str())
    .execute(conn)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(done == 1)
}

/// Forgets done jobs of a kind finished before `before` (the sweeps leave one a tick).
pub async fn forget_done(tx: &mut Tx, kind: &str, before: OffsetDateTime) -> sqlx::Result<u64> {
    on_tx!(tx, |conn| sqlx::query(
        "DELETE FROM jobs WHERE kind = $1 AND state = $3 AND done_at < $2"
    )
    .bind(kind)
    .bind(before)
    .bind(JobState::Done.as_str())
    .execute(conn)
    .await
    .map(|done| done.rows_affected()))
}

/// Every job's holder, attempts and state (for tests and the operator).
pub async fn all(tx: &mut Tx) -> sqlx::Result<Vec<(i64, String, Option<String>, i64, String)>> {
    on_tx!(tx, |conn| {
        sqlx::query_as::<_, (i64, String, Option<String>, i64, String)>(
            "SELECT id, kind, lease_owner, attempts, state FROM jobs ORDER BY id",
        )
        .fetch_all(conn)
        .await
    })
}
