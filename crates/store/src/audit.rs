use crate::Tx;
use crate::db::on_tx;
use time::OffsetDateTime;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuditRow {
    pub id: i64,
    pub at: OffsetDateTime,
    pub actor_account_id: Option<i64>,
    pub actor_label: String,
    pub actor_role: String,
    pub action: String,
    pub target_kind: String,
    pub target_id: String,
    pub region_code: String,
    /// The text of entries written before events; empty since.
    pub summary: String,
    /// What the write did (`audit.event.<event>` in the catalogues) and its values, as a JSON object.
    pub event: String,
    pub params: String,
}

/// Appends one entry; there is no function to change or remove one.
pub async fn append(tx: &mut Tx, entry: &AuditRow) -> sqlx::Result<()> {
    on_tx!(tx, |conn| {
        sqlx::query(
        "INSERT INTO audit_log (id, at, actor_account_id, actor_label, actor_role, action, target_kind, target_id, region_code, summary,
             event, params)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
    )
    .bind(entry.id)
    .bind(entry.at)
    .bind(entry.actor_account_id)
    .bind(&entry.actor_label)
    .bind(&entry.actor_role)
    .bind(&entry.action)
    .bind(&entry.target_kind)
    .bind(&entry.target_id)
    .bind(&entry.region_code)
    .bind(&entry.summary)
    .bind(&entry.event)
    .bind(&entry.params)
    .execute(conn)
    .await
    .map(|done| done.rows_affected())
    })?;
    Ok(())
}

/// Filters of the audit list; empty strings match everything.
pub struct AuditFilter<'a> {
    pub scope_prefix: &'a str,
    pub action_prefix: &'a str,
    pub actor_label: &'a str,
}

pub async fn list(tx: &mut Tx, filter: &AuditFilter<'_>, limit: i64, offset: i64) -> sqlx::Result<Vec<AuditRow>> {
    on_tx!(tx, |conn| {
        sqlx::query_as::<_, AuditRow>(
        "SELECT id, at, actor_account_id, actor_label, actor_role, action, target_kind, target_id, region_code, summary,
                event, params
         FROM audit_log
         WHERE region_code LIKE $1 || '%' AND action LIKE $2 || '%' AND ($3 = '' OR actor_label = $3)
         ORDER BY at DESC, id DESC LIMIT $4 OFFSET $5"
    )
    .bind(filter.scope_prefix)
    .bind(filter.action_prefix)
    .bind(filter.actor_label)
    .bind(limit)
    .bind(offset)
    .fetch_all(conn)
    .await
    })
}

pub async fn count(tx: &mut Tx, filter: &AuditFilter<'_>) -> sqlx::Result<i64> {
    on_tx!(tx, |conn| {
        sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM audit_log
         WHERE region_code LIKE $1 || '%' AND action LIKE $2 || '%' AND ($3 = '' OR actor_label = $3)",
        )
        .bind(filter.scope_prefix)
        .bind(filter.action_prefix)
        .bind(filter.actor_label)
        .fetch_one(conn)
        .await
    })
}
