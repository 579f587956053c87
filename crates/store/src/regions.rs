use crate::Tx;
use crate::db::on_tx;
use hongmajia_domain::SiteId;
use time::OffsetDateTime;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RegionRow {
    pub code: String,
    pub parent_code: Option<String>,
    pub name: String,
    pub level: String,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// A region with its site (if any), as lists of children show it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RegionWithSiteRow {
    pub code: String,
    pub name: String,
    pub level: String,
    pub site_id: Option<SiteId>,
    pub site_name: Option<String>,
}

/// How many regions of one level, and how many of them have their site, under a scope prefix.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LevelCoverageRow {
    pub level: String,
    pub regions: i64,
    pub with_site: i64,
}

#[derive(Clone, Copy)]
pub struct NewRegion<'a> {
    pub code: &'a str,
    pub parent_code: Option<&'a str>,
    pub name: &'a str,
    pub level: &'a str,
    pub at: OffsetDateTime,
}

pub async fn insert(tx: &mut Tx, region: &NewRegion<'_>) -> sqlx::Result<()> {
    crate::load::insert_regions(tx, &[*region]).await
}

pub async fn rename(tx: &mut Tx, code: &str, name: &str, at: OffsetDateTime) -> sqlx::Result<bool> {
    let done = on_tx!(tx, |conn| sqlx::query(
        "UPDATE regions SET name = $2, updated_at = $3 WHERE code = $1"
    )
    .bind(code)
    .bind(name)
    .bind(at)
    .execute(conn)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(done == 1)
}

pub async fn find(tx: &mut Tx, code: &str) -> sqlx::Result<Option<RegionRow>> {
    on_tx!(tx, |conn| sqlx::query_as::<_, RegionRow>(
        "SELECT code, parent_code, name, level, created_at, updated_at FROM regions WHERE code = $1"
    )
    .bind(code)
    .fetch_optional(conn)
    .await)
}

pub async fn children(tx: &mut Tx, parent_code: &str) -> sqlx::Result<Vec<RegionWithSiteRow>> {
    on_tx!(tx, |conn| sqlx::query_as::<_, RegionWithSiteRow>(
        "SELECT r.code, r.name, r.level, s.id AS site_id, s.name AS site_name
         FROM regions r LEFT JOIN sites s ON s.region_code = r.code
         WHERE r.parent_code = $1 ORDER BY r.code"
    )
    .bind(parent_code)
    .fetch_all(conn)
    .await)
}

/// Regions strictly below the scope whose code starts with `prefix`, counted per level.
pub async fn coverage_by_level(tx: &mut Tx, prefix: &str, own_code: &str) -> sqlx::Result<Vec<LevelCoverageRow>> {
    on_tx!(tx, |conn| sqlx::query_as::<_, LevelCoverageRow>(
        "SELECT r.level, COUNT(*) AS regions, COUNT(s.id) AS with_site
         FROM regions r LEFT JOIN sites s ON s.region_code = r.code
         WHERE r.code LIKE $1 || '%' AND r.code <> $2
         GROUP BY r.level"
    )
    .bind(prefix)
    .bind(own_code)
    .fetch_all(conn)
    .await)
}

/// Every region below `prefix` that has no site, in code order.
pub async fn without_site(tx: &mut Tx, prefix: &str, own_code: &str) -> sqlx::Result<Vec<RegionRow>> {
    on_tx!(tx, |conn| sqlx::query_as::<_, RegionRow>(
        "SELECT r.code, r.parent_code, r.name, r.level, r.created_at, r.updated_at
         FROM regions r LEFT JOIN sites s ON s.region_code = r.code
         WHERE r.code LIKE $1 || '%' AND r.code <> $2 AND s.id IS NULL
         ORDER BY r.code"
    )
    .bind(prefix)
    .bind(own_code)
    .fetch_all(conn)
    .await)
}

pub async fn count_all(tx: &mut Tx) -> sqlx::Result<i64> {
    on_tx!(tx, |conn| sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM regions")
        .fetch_one(conn)
        .await)
}

/// Every region code under a scope prefix (a county has a few hundred; the city a few thousand).
pub async fn codes_in_scope(tx: &mut Tx, prefix: &str) -> sqlx::Result<Vec<String>> {
    on_tx!(tx, |conn| {
        sqlx::query_scalar::<_, String>("SELECT code FROM regions WHERE code LIKE $1 || '%'")
            .bind(prefix)
            .fetch_all(conn)
            .await
    })
}

/// Villages under a scope prefix with their township's name, for choosing where one lives.
pub async fn villages_in_scope(tx: &mut Tx, prefix: &str) -> sqlx::Result<Vec<(String, String, String)>> {
    on_tx!(tx, |conn| {
        sqlx::query_as::<_, (String, String, String)>(
            "SELECT v.code, v.name, t.name FROM regions v JOIN regions t ON t.code = v.parent_code
             WHERE v.level = 'village' AND v.code LIKE $1 || '%' ORDER BY v.code",
        )
        .bind(prefix)
        .fetch_all(conn)
        .await
    })
}

/// A county's office hours as stored (`HH:MM`, `HH:MM`), if it set any.
pub async fn office_hours(tx: &mut Tx, county: &str) -> sqlx::Result<Option<(String, String)>> {
    on_tx!(tx, |conn| {
        sqlx::query_as::<_, (String, String)>("SELECT opens, closes FROM office_hours WHERE county_code = $1")
            .bind(county)
            .fetch_optional(conn)
            .await
    })
}

pub async fn put_office_hours(
    tx: &mut Tx,
    county: &str,
    (opens, closes): (&str, &str),
    (by, at): (&str, OffsetDateTime),
) -> sqlx::Result<()> {
    on_tx!(tx, |conn| {
        sqlx::query(
            "INSERT INTO office_hours (county_code, opens, closes, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (county_code) DO UPDATE SET opens = $2, closes = $3, updated_by = $4, updated_at = $5",
        )
        .bind(county)
        .bind(opens)
        .bind(closes)
        .bind(by)
        .bind(at)
        .execute(conn)
        .await
        .map(|done| done.rows_affected())
    })?;
    Ok(())
}
