use crate::Tx;
use crate::db::on_tx;
use hongmajia_domain::SiteId;
use time::OffsetDateTime;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SiteRow {
    pub id: SiteId,
    pub region_code: String,
    pub kind: String,
    pub name: String,
    pub address: String,
    pub secretary: String,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

pub struct SiteFields<'a> {
    pub name: &'a str,
    pub address: &'a str,
    pub secretary: &'a str,
}

pub async fn insert(
    tx: &mut Tx,
    id: SiteId,
    region_code: &str,
    kind: &str,
    fields: &SiteFields<'_>,
    at: OffsetDateTime,
) -> sqlx::Result<()> {
    let site = (id, region_code, kind, fields.name, fields.address, fields.secretary, at);
    crate::load::insert_sites(tx, &[site]).await
}

pub async fn update(tx: &mut Tx, id: SiteId, fields: &SiteFields<'_>, at: OffsetDateTime) -> sqlx::Result<()> {
    on_tx!(tx, |conn| sqlx::query(
        "UPDATE sites SET name = $2, address = $3, secretary = $4, updated_at = $5 WHERE id = $1"
    )
    .bind(id)
    .bind(fields.name)
    .bind(fields.address)
    .bind(fields.secretary)
    .bind(at)
    .execute(conn)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(())
}

pub async fn find(tx: &mut Tx, id: SiteId) -> sqlx::Result<Option<SiteRow>> {
    on_tx!(tx, |conn| {
        sqlx::query_as::<_, SiteRow>(
            "SELECT id, region_code, kind, name, address, secretary, created_at, updated_at FROM sites WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(conn)
        .await
    })
}

pub async fn find_by_region(tx: &mut Tx, region_code: &str) -> sqlx::Result<Option<SiteRow>> {
    on_tx!(tx, |conn| {
        sqlx::query_as::<_, SiteRow>(
        "SELECT id, region_code, kind, name, address, secretary, created_at, updated_at FROM sites WHERE region_code = $1"
    )
    .bind(region_code)
        .fetch_optional(conn)
        .await
    })
}

/// Sites under a scope prefix, counted per kind.
pub async fn count_by_kind(tx: &mut Tx, prefix: &str) -> sqlx::Result<Vec<(String, i64)>> {
    on_tx!(tx, |conn| sqlx::query_as::<_, (String, i64)>(
        "SELECT kind, COUNT(*) FROM sites WHERE region_code LIKE $1 || '%' GROUP BY kind"
    )
    .bind(prefix)
    .fetch_all(conn)
    .await)
}
