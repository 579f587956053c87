//! Staff roles granted to a phone and waiting for their holder (pending), and their outcome.

use crate::Tx;
use crate::db::on_tx;
use hongmajia_domain::AccountId;
use hongmajia_domain::role::GrantState;
use time::OffsetDateTime;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct GrantRow {
    pub id: i64,
    pub phone_lookup: String,
    pub phone_masked: String,
    pub role: String,
    pub region_code: String,
    pub region_name: String,
    pub granted_by: Option<AccountId>,
    pub granted_by_label: String,
    #[sqlx(try_from = "String")]
    pub state: GrantState,
    pub created_at: OffsetDateTime,
}

/// The columns of a grant with its region's name, and the tables they come from.
macro_rules! grant_columns {
    () => {
        "g.id, g.phone_lookup, g.phone_masked, g.role, g.region_code, r.name AS region_name, g.granted_by,
         g.granted_by_label, g.state, g.created_at FROM role_grants g JOIN regions r ON r.code = g.region_code"
    };
}

pub struct NewGrant<'a> {
    pub id: i64,
    pub phone_lookup: &'a str,
    pub phone_enc: &'a str,
    pub phone_masked: &'a str,
    pub role: &'a str,
    pub region_code: &'a str,
    pub granted_by: Option<AccountId>,
    pub granted_by_label: &'a str,
    pub at: OffsetDateTime,
}

pub async fn insert(tx: &mut Tx, grant: &NewGrant<'_>) -> sqlx::Result<()> {
    on_tx!(tx, |conn| sqlx::query(
        "INSERT INTO role_grants (id, phone_lookup, phone_enc, phone_masked, role, region_code, granted_by,
             granted_by_label, state, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $10, $9)"
    )
    .bind(grant.id)
    .bind(grant.phone_lookup)
    .bind(grant.phone_enc)
    .bind(grant.phone_masked)
    .bind(grant.role)
    .bind(grant.region_code)
    .bind(grant.granted_by)
    .bind(grant.granted_by_label)
    .bind(grant.at)
    .bind(GrantState::Pending.as_str())
    .execute(conn)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(())
}

pub async fn find(tx: &mut Tx, id: i64) -> sqlx::Result<Option<GrantRow>> {
    let sql = concat!("SELECT ", grant_columns!(), " WHERE g.id = $1");
    on_tx!(tx, |conn| sqlx::query_as::<_, GrantRow>(sql)
        .bind(id)
        .fetch_optional(conn)
        .await)
}

/// The pending grant of this role in this region to this phone, if one is waiting already.
pub async fn find_pending(
    tx: &mut Tx,
    phone_lookup: &str,
    role: &str,
    region_code: &str,
) -> sqlx::Result<Option<GrantRow>> {
    let sql = concat!(
        "SELECT ",
        grant_columns!(),
        " WHERE g.phone_lookup = $1 AND g.role = $2 AND g.region_code = $3 AND g.state = $4"
    );
    on_tx!(tx, |conn| sqlx::query_as::<_, GrantRow>(sql)
        .bind(phone_lookup)
        .bind(role)
        .bind(region_code)
        .bind(GrantState::Pending.as_str())
        .fetch_optional(conn)
        .await)
}

/// The grants waiting for the holder of a phone, oldest first.
pub async fn pending_for_phone(tx: &mut Tx, phone_lookup: &str) -> sqlx::Result<Vec<GrantRow>> {
    let sql = concat!(
        "SELECT ",
        grant_columns!(),
        " WHERE g.phone_lookup = $1 AND g.state = $2 ORDER BY g.created_at, g.id"
    );
    on_tx!(tx, |conn| sqlx::query_as::<_, GrantRow>(sql)
        .bind(phone_lookup)
        .bind(GrantState::Pending.as_str())
        .fetch_all(conn)
        .await)
}

/// The grants waiting in regions under a scope prefix, oldest first.
pub async fn pending_in_scope(tx: &mut Tx, prefix: &str, limit: i64) -> sqlx::Result<Vec<GrantRow>> {
    let sql = concat!(
        "SELECT ",
        grant_columns!(),
        " WHERE g.region_code LIKE $1 || '%' AND g.state = $3 ORDER BY g.region_code, g.created_at, g.id LIMIT $2"
    );
    on_tx!(tx, |conn| sqlx::query_as::<_, GrantRow>(sql)
        .bind(prefix)
        .bind(limit)
        .bind(GrantState::Pending.as_str())
        .fetch_all(conn)
        .await)
}

/// Settles a pending grant (accepted or refused by its holder, withdrawn by the admins above);
/// false when it was not pending any more (decided by a concurrent request).
pub async fn decide(
    tx: &mut Tx,
    id: i64,
    state: GrantState,
    holder: Option<i64>,
    at: OffsetDateTime,
) -> sqlx::Result<bool> {
    let done = on_tx!(tx, |conn| {
        sqlx::query(
            "UPDATE role_grants SET state = $2, holder_account_id = $3, decided_at = $4 WHERE id = $1 AND state = $5",
        )
        .bind(id)
        .bind(state.as_str())
        .bind(holder)
        .bind(at)
        .bind(GrantState::Pending.as_str())
        .execute(conn)
        .await
        .map(|done| done.rows_affected())
    })?;
    Ok(done == 1)
}

/// Every grant's sealed phone, for a key rotation.
pub async fn sealed_phones(tx: &mut Tx) -> sqlx::Result<Vec<(i64, String)>> {
    on_tx!(tx, |conn| sqlx::query_as::<_, (i64, String)>(
        "SELECT id, phone_enc FROM role_grants"
    )
    .fetch_all(conn)
    .await)
}

pub async fn reseal(tx: &mut Tx, id: i64, phone_enc: &str, phone_lookup: &str) -> sqlx::Result<()> {
    on_tx!(tx, |conn| sqlx::query(
        "UPDATE role_grants SET phone_enc = $2, phone_lookup = $3 WHERE id = $1"
    )
    .bind(id)
    .bind(phone_enc)
    .bind(phone_lookup)
    .execute(conn)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(())
}
