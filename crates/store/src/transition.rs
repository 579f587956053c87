//! The one way a record with a life cycle (a team, a project) changes state: from the state it
//! was read in, so that of two simultaneous changes only the first applies.

use crate::Tx;
use crate::db::{decode, on_tx};
use hongmajia_domain::project::ProjectState;
use hongmajia_domain::team::TeamState;
use time::OffsetDateTime;

/// The tables whose rows have a `state`, a `state_reason` and an `updated_at`, with the state
/// each moves between.
#[derive(Debug, Clone, Copy)]
pub enum Lifecycle {
    Teams(TeamState, TeamState),
    Projects(ProjectState, ProjectState),
}

impl Lifecycle {
    const fn update(self) -> &'static str {
        match self {
            Self::Teams(..) => {
                "UPDATE teams SET state = $3, state_reason = $4, updated_at = $5 WHERE id = $1 AND state = $2"
            }
            Self::Projects(..) => {
                "UPDATE projects SET state = $3, state_reason = $4, updated_at = $5 WHERE id = $1 AND state = $2"
            }
        }
    }

    fn states(self) -> (&'static str, &'static str) {
        match self {
            Self::Teams(from, to) => (from.as_str(), to.as_str()),
            Self::Projects(from, to) => (from.as_str(), to.as_str()),
        }
    }

    /// How the move changes the counted rows: active teams, projects ever published.
    fn counted_change(self) -> i64 {
        let (was, is) = match self {
            Self::Teams(from, to) => (from.is_active(), to.is_active()),
            Self::Projects(from, to) => (from.was_published(), to.was_published()),
        };
        i64::from(is) - i64::from(was)
    }
}

/// Moves row `id` between the states `change` names; false when another request moved it first.
pub async fn move_state(
    tx: &mut Tx,
    change: Lifecycle,
    id: i64,
    reason: Option<&str>,
    at: OffsetDateTime,
) -> sqlx::Result<bool> {
    let (from, to) = change.states();
    let done = on_tx!(tx, |conn| {
        sqlx::query(change.update())
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
        count_transition(tx, change, id).await?;
    }
    Ok(done == 1)
}

/// Keeps the figures: active teams, and projects ever published (published or closed).
async fn count_transition(tx: &mut Tx, change: Lifecycle, id: i64) -> sqlx::Result<()> {
    let sign = change.counted_change();
    if sign == 0 {
        return Ok(());
    }
    let (region, delta) = match change {
        Lifecycle::Teams(..) => {
            let (region, kind) = on_tx!(tx, |conn| {
                sqlx::query_as::<_, (String, String)>("SELECT region_code, kind FROM teams WHERE id = $1")
                    .bind(id)
                    .fetch_one(conn)
                    .await
            })?;
            (region, crate::figures::Figures::team(decode(kind)?, sign))
        }
        Lifecycle::Projects(..) => {
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
