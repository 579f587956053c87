//! Service categories: the list the city admin edits.

use crate::Tx;
use crate::db::on_tx;
use time::OffsetDateTime;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CategoryRow {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub position: i64,
    pub retired: bool,
}

/// Every category, in their order (retired ones too: old projects still show their names).
pub async fn all(tx: &mut Tx) -> sqlx::Result<Vec<CategoryRow>> {
    on_tx!(tx, |conn| {
        sqlx::query_as::<_, CategoryRow>(
            "SELECT code, name_zh, name_en, position, retired_at IS NOT NULL AS retired
             FROM service_categories ORDER BY position, code",
        )
        .fetch_all(conn)
        .await
    })
}

/// A category as written: its code, names and place in the list.
pub struct CategoryValues<'a> {
    pub code: &'a str,
    pub name_zh: &'a str,
    pub name_en: &'a str,
    pub position: i64,
    pub retired: bool,
}

/// Adds a category; false when its code or Chinese name is taken.
pub async fn insert(tx: &mut Tx, c: &CategoryValues<'_>, (by, at): (&str, OffsetDateTime)) -> sqlx::Result<bool> {
    let done = on_tx!(tx, |conn| {
        sqlx::query(
            "INSERT INTO service_categories (code, name_zh, name_en, position, retired_at, updated_by, updated_at)
             VALUES ($1, $2, $3, $4, CASE WHEN $7 THEN $6 ELSE NULL END, $5, $6) ON CONFLICT DO NOTHING",
        )
        .bind(c.code)
        .bind(c.name_zh)
        .bind(c.name_en)
        .bind(c.position)
        .bind(by)
        .bind(at)
        .bind(c.retired)
        .execute(conn)
        .await
        .map(|done| done.rows_affected())
    })?;
    Ok(done == 1)
}

/// Rewrites a category's names, place and retirement (its code never changes).
pub async fn update(tx: &mut Tx, c: &CategoryValues<'_>, (by, at): (&str, OffsetDateTime)) -> sqlx::Result<bool> {
    let done = on_tx!(tx, |conn| {
        sqlx::query(
            "UPDATE service_categories SET name_zh = $2, name_en = $3, position = $4,
                retired_at = CASE WHEN $5 THEN COALESCE(retired_at, $7) ELSE NULL END, updated_by = $6, updated_at = $7
             WHERE code = $1",
        )
        .bind(c.code)
        .bind(c.name_zh)
        .bind(c.name_en)
        .bind(c.position)
        .bind(c.retired)
        .bind(by)
        .bind(at)
        .execute(conn)
        .await
        .map(|done| done.rows_affected())
    })?;
    Ok(done == 1)
}
