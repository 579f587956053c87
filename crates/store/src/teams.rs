use crate::Tx;
use crate::db::on_tx;
use hongmajia_domain::team::{MembershipState, TeamKind, TeamRole, TeamState};
use hongmajia_domain::{AccountId, SiteId, TeamId, VolunteerId};
use time::OffsetDateTime;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TeamRow {
    pub id: TeamId,
    pub site_id: SiteId,
    pub region_code: String,
    pub name: String,
    #[sqlx(try_from = "String")]
    pub kind: TeamKind,
    pub specialty: String,
    pub categories: String,
    pub description: String,
    #[sqlx(try_from = "String")]
    pub state: TeamState,
    pub state_reason: Option<String>,
    pub applied_by: Option<AccountId>,
    pub created_at: OffsetDateTime,
}

#[derive(Clone, Copy)]
pub struct NewTeam<'a> {
    pub id: TeamId,
    pub site_id: SiteId,
    pub region_code: &'a str,
    pub name: &'a str,
    pub kind: TeamKind,
    pub specialty: &'a str,
    pub categories: &'a str,
    pub description: &'a str,
    pub state: TeamState,
    pub applied_by: Option<AccountId>,
    pub at: OffsetDateTime,
}

pub async fn insert(tx: &mut Tx, t: &NewTeam<'_>) -> sqlx::Result<()> {
    crate::load::insert_teams(tx, &[*t]).await?;
    if t.state.is_active() {
        crate::figures::bump(tx, t.region_code, &crate::figures::Figures::team(t.kind, 1)).await?;
    }
    Ok(())
}

pub async fn find(tx: &mut Tx, id: TeamId) -> sqlx::Result<Option<TeamRow>> {
    on_tx!(tx, |conn| {
        sqlx::query_as::<_, TeamRow>(
            "SELECT id, site_id, region_code, name, kind, specialty, categories, description, state, state_reason, applied_by,
                    created_at FROM teams WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(conn)
        .await
    })
}

/// Teams under a scope prefix whose name holds `name` (a literal fragment; empty for all), by
/// region and name.
pub async fn in_scope(tx: &mut Tx, prefix: &str, name: &str, limit: i64, offset: i64) -> sqlx::Result<Vec<TeamRow>> {
    on_tx!(tx, |conn| {
        sqlx::query_as::<_, TeamRow>(
            "SELECT id, site_id, region_code, name, kind, specialty, categories, description, state, state_reason, applied_by,
                    created_at FROM teams
             WHERE region_code LIKE $1 || '%' AND ($4 = '' OR name LIKE '%' || $4 || '%' ESCAPE '\\')
             ORDER BY region_code, name LIMIT $2 OFFSET $3",
        )
        .bind(prefix)
        .bind(limit)
        .bind(offset)
        .bind(name)
        .fetch_all(conn)
        .await
    })
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MemberRow {
    pub team_id: TeamId,
    pub volunteer_id: VolunteerId,
    pub name: String,
    pub code: String,
    #[sqlx(try_from = "String")]
    pub role: TeamRole,
    #[sqlx(try_from = "String")]
    pub state: MembershipState,
}

pub async fn members(tx: &mut Tx, team_id: TeamId) -> sqlx::Result<Vec<MemberRow>> {
    on_tx!(tx, |conn| {
        sqlx::query_as::<_, MemberRow>(
            "SELECT m.team_id, m.volunteer_id, v.name, v.code, m.role, m.state
             FROM team_members m JOIN volunteers v ON v.id = m.volunteer_id
             WHERE m.team_id = $1 ORDER BY m.role, v.name",
        )
        .bind(team_id)
        .fetch_all(conn)
        .await
    })
}

/// A volunteer's role and membership state in a team, if they have one.
#[derive(Debug, Clone, Copy, sqlx::FromRow)]
pub struct Membership {
    #[sqlx(try_from = "String")]
    pub role: TeamRole,
    #[sqlx(try_from = "String")]
    pub state: MembershipState,
}

pub async fn membership(tx: &mut Tx, team_id: TeamId, volunteer_id: VolunteerId) -> sqlx::Result<Option<Membership>> {
    on_tx!(tx, |conn| {
        sqlx::query_as::<_, Membership>("SELECT role, state FROM team_members WHERE team_id = $1 AND volunteer_id = $2")
            .bind(team_id)
            .bind(volunteer_id)
            .fetch_optional(conn)
            .await
    })
}

/// Creates or reopens a membership (a former member may come back).
pub async fn put_membership(
    tx: &mut Tx,
    team_id: TeamId,
    volunteer_id: VolunteerId,
    Membership { role, state }: Membership,
    at: OffsetDateTime,
) -> sqlx::Result<()> {
    on_tx!(tx, |conn| {
        sqlx::query(
            "INSERT INTO team_members (team_id, volunteer_id, role, state, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)
             ON CONFLICT (team_id, volunteer_id) DO UPDATE SET role = $3, state = $4, updated_at = $5",
        )
        .bind(team_id)
        .bind(volunteer_id)
        .bind(role.as_str())
        .bind(state.as_str())
        .bind(at)
        .execute(conn)
        .await
        .map(|done| done.rows_affected())
    })?;
    Ok(())
}

/// Active teams per site kind and team kind under a scope prefix: the county's "8+N".
pub async fn count_by_site_and_kind(tx: &mut Tx, prefix: &str) -> sqlx::Result<Vec<(String, String, i64)>> {
    on_tx!(tx, |conn| {
        sqlx::query_as::<_, (String, String, i64)>(
            "SELECT s.kind, t.kind, COUNT(*) FROM teams t JOIN sites s ON s.id = t.site_id
             WHERE t.region_code LIKE $1 || '%' AND t.state = $2 GROUP BY s.kind, t.kind",
        )
        .bind(prefix)
        .bind(TeamState::Active.as_str())
        .fetch_all(conn)
        .await
    })
}

/// Moves the memberships of `from` to `to`, except in teams where `to` already has one (there the
/// duplicate's membership ends as former).
pub async fn move_members(tx: &mut Tx, from: VolunteerId, to: VolunteerId, at: OffsetDateTime) -> sqlx::Result<()> {
    on_tx!(tx, |conn| {
        sqlx::query(
            "UPDATE team_members SET volunteer_id = $2, updated_at = $3
             WHERE volunteer_id = $1 AND team_id NOT IN (SELECT team_id FROM team_members WHERE volunteer_id = $2)",
        )
        .bind(from)
        .bind(to)
        .bind(at)
        .execute(conn)
        .await
        .map(|done| done.rows_affected())
    })?;
    on_tx!(tx, |conn| {
        sqlx::query("UPDATE team_members SET state = $3, updated_at = $2 WHERE volunteer_id = $1")
            .bind(from)
            .bind(at)
            .bind(MembershipState::Former.as_str())
            .execute(conn)
            .await
            .map(|done| done.rows_affected())
    })?;
    Ok(())
}

/// The memberships of one volunteer, with their teams.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MembershipRow {
    pub team_id: TeamId,
    pub team_name: String,
    #[sqlx(try_from = "String")]
    pub team_state: TeamState,
    #[sqlx(try_from = "String")]
    pub role: TeamRole,
    #[sqlx(try_from = "String")]
    pub state: MembershipState,
}

pub async fn memberships_of(tx: &mut Tx, volunteer_id: VolunteerId) -> sqlx::Result<Vec<MembershipRow>> {
    on_tx!(tx, |conn| {
        sqlx::query_as::<_, MembershipRow>(
            "SELECT t.id AS team_id, t.name AS team_name, t.state AS team_state, m.role, m.state
             FROM team_members m JOIN teams t ON t.id = m.team_id
             WHERE m.volunteer_id = $1 ORDER BY t.name",
        )
        .bind(volunteer_id)
        .fetch_all(conn)
        .await
    })
}
