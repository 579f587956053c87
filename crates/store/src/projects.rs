use crate::Tx;
use crate::db::on_tx;
use hongmajia_domain::ProjectId;
use hongmajia_domain::project::ProjectState;
use hongmajia_domain::{AccountId, SiteId, TeamId};
use time::{Date, OffsetDateTime};

/// A project's columns with its category's names (the code itself if the category is gone).
macro_rules! project_columns {
    () => {
        "p.id, p.site_id, p.team_id, p.region_code, p.title, p.category, p.description, p.starts_on, p.ends_on,
         p.state, p.state_reason, COALESCE(c.name_zh, p.category) AS category_zh, COALESCE(c.name_en, p.category) AS category_en
         FROM projects p LEFT JOIN service_categories c ON c.code = p.category"
    };
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ProjectRow {
    pub id: ProjectId,
    pub site_id: SiteId,
    pub team_id: Option<TeamId>,
    pub region_code: String,
    pub title: String,
    pub category: String,
    pub description: String,
    pub starts_on: Date,
    pub ends_on: Date,
    #[sqlx(try_from = "String")]
    pub state: ProjectState,
    pub state_reason: Option<String>,
    pub category_zh: String,
    pub category_en: String,
}

#[derive(Clone, Copy)]
pub struct NewProject<'a> {
    pub id: ProjectId,
    pub site_id: SiteId,
    pub team_id: Option<TeamId>,
    pub region_code: &'a str,
    pub title: &'a str,
    pub category: &'a str,
    pub description: &'a str,
    pub starts_on: Date,
    pub ends_on: Date,
    pub created_by: Option<AccountId>,
    pub at: OffsetDateTime,
}

pub async fn insert(tx: &mut Tx, p: &NewProject<'_>) -> sqlx::Result<()> {
    crate::load::insert_projects(tx, &[(*p, ProjectState::Draft)]).await
}

/// Who drafted the project and who last sent it for review (accounts; none for the operator).
pub async fn authors(tx: &mut Tx, id: ProjectId) -> sqlx::Result<(Option<AccountId>, Option<AccountId>)> {
    on_tx!(tx, |conn| {
        sqlx::query_as::<_, (Option<AccountId>, Option<AccountId>)>(
            "SELECT created_by, submitted_by FROM projects WHERE id = $1",
        )
        .bind(id)
        .fetch_one(conn)
        .await
    })
}

/// Notes who sent the project for review.
pub async fn set_submitted_by(tx: &mut Tx, id: ProjectId, by: Option<AccountId>) -> sqlx::Result<()> {
    on_tx!(tx, |conn| {
        sqlx::query("UPDATE projects SET submitted_by = $2 WHERE id = $1")
            .bind(id)
            .bind(by)
            .execute(conn)
            .await
            .map(drop)
    })
}

pub async fn find(tx: &mut Tx, id: ProjectId) -> sqlx::Result<Option<ProjectRow>> {
    on_tx!(tx, |conn| {
        sqlx::query_as::<_, ProjectRow>(concat!("SELECT ", project_columns!(), " WHERE p.id = $1"))
            .bind(id)
            .fetch_optional(conn)
            .await
    })
}

/// Projects under a scope prefix in a state (any state for `None`), newest period first.
pub async fn in_scope(
    tx: &mut Tx,
    prefix: &str,
    state: Option<ProjectState>,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<ProjectRow>> {
    on_tx!(tx, |conn| {
        sqlx::query_as::<_, ProjectRow>(concat!(
            "SELECT ",
            project_columns!(),
            " WHERE p.region_code LIKE $1 || '%' AND ($2 = '' OR p.state = $2)
                 ORDER BY p.starts_on DESC, p.id DESC LIMIT $3 OFFSET $4"
        ))
        .bind(prefix)
        .bind(state.map_or("", ProjectState::as_str))
        .bind(limit)
        .bind(offset)
        .fetch_all(conn)
        .await
    })
}

/// Closes every published project whose period ended before `today`; returns how many.
pub async fn close_ended(tx: &mut Tx, today: Date, at: OffsetDateTime) -> sqlx::Result<u64> {
    on_tx!(tx, |conn| {
        sqlx::query(
            "UPDATE projects SET state = $3, state_reason = 'period ended', updated_at = $2 WHERE state = $4 AND ends_on < $1",
        )
        .bind(today)
        .bind(at)
        .bind(ProjectState::Closed.as_str())
        .bind(ProjectState::Published.as_str())
            .execute(conn)
            .await
            .map(|done| done.rows_affected())
    })
}
