//! The one way a record with a life cycle (a team, a project) changes state: from the state it
//! was read in, so that of two simultaneous changes only the first applies.

use crate::Tx;
use crate::db::on_tx;
use time::OffsetDateTime;

/// The tables whose rows have a `state`, a `state_reason` and an `updated_at`.
#[derive(Debug, Clone, Copy)]
pub enum Lifecycle {
    Teams,
    Projects,
}

impl Lifecycle {
    const fn update(self) -> &'static str {
        match self {
            Self::Teams => {
                "UPDATE teams SET state = $3, state_reason = $4, updated_at = $5 WHERE id = $1 AND state = $2"
            }
            Self::Projects => {
                "UPDATE projects SET state = $3, state_reason = $4, updated_at = $5 WHERE id = $1 AND state = $2"
            }
        }
    }
}

/// Moves row `id` from `from` to `to`; false when another request moved it first.
pub async fn move_state(
    tx: &mut Tx,
    table: Lifecycle,
    id: i64,
    (from, to): (&str, &str),
    reason: Option<&str>,
    at: OffsetDateTime,
) -> sqlx::Result<bool> {
    let done = on_tx!(tx, |conn| {
        sqlx::query(table.update())
            .bind(id)
            .bind(from)
            .bind(to)
            .bind(reason)
            .bind(at)
            .execute(conn)
            .await
            .map(|done| done.rows_affected())
    })?;
    Ok(done == 1)
}
