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
    if done == 1 {
        count_transition(tx, table, id, (from, to)).await?;
    }
    Ok(done == 1)
}

/// Keeps the figures: active teams, and projects ever published (published or closed).
async fn count_transition(tx: &mut Tx, table: Lifecycle, id: i64, (from, to): (&str, &str)) -> sqlx::Result<()> {
    let counted = |state: &str| match table {
        Lifecycle::Teams => state == "active",
        Lifecycle::Projects => matches!(state, "published" | "closed"),
    };
    let sign = i64::from(counted(to)) - i64::from(counted(from));
    if sign == 0 {
        return Ok(());
    }
    let (region, delta) = match table {
        Lifecycle::Teams => {
            let (region, kind) = on_tx!(tx, |conn| {
                sqlx::query_as::<_, (String, String)>("SELECT region_code, kind FROM teams WHERE id = $1")
                    .bind(id)
                    .fetch_one(conn)
                    .await
            })?;
            (region, crate::figures::Figures::team(&kind, sign))
        }
        Lifecycle::Projects => {
            let region = on_tx!(tx, |conn| {
                sqlx::query_scalar::<_, String>("SELECT region_code FROM projects WHERE id = $1")
                    .bind(id)
                    .fetch_one(conn)
                    .await
            })?;
            let delta = crate::figures::Figures {
                projects: sign,
                ..Default::default()
            };
            (region, delta)
        }
    };
    crate::figures::bump(tx, &region, &delta).await
}
