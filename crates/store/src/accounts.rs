use crate::Tx;
use crate::db::on_tx;
use time::OffsetDateTime;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AccountRow {
    pub id: i64,
    pub phone_masked: String,
    pub display_name: String,
    pub password_hash: Option<String>,
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RoleRow {
    pub role: String,
    pub region_code: Option<String>,
}

/// One staff role of an account in a scope, as the account list shows it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StaffRow {
    pub id: i64,
    pub phone_masked: String,
    pub display_name: String,
    pub role: String,
    pub region_code: String,
}

/// The account of a phone, found by the phone's keyed hash.
pub async fn find_by_phone(tx: &mut Tx, phone_lookup: &str) -> sqlx::Result<Option<AccountRow>> {
    on_tx!(tx, |conn| {
        sqlx::query_as::<_, AccountRow>(
            "SELECT id, phone_masked, display_name, password_hash, created_at FROM accounts WHERE phone_lookup = $1",
        )
        .bind(phone_lookup)
        .fetch_optional(conn)
        .await
    })
}

pub async fn find(tx: &mut Tx, id: i64) -> sqlx::Result<Option<AccountRow>> {
    on_tx!(tx, |conn| {
        sqlx::query_as::<_, AccountRow>(
            "SELECT id, phone_masked, display_name, password_hash, created_at FROM accounts WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(conn)
        .await
    })
}

/// The phone as the account table holds it: keyed hash, ciphertext, masked form.
pub struct StoredPhone<'a> {
    pub lookup: &'a str,
    pub sealed: &'a str,
    pub masked: &'a str,
}

pub async fn insert(
    tx: &mut Tx,
    id: i64,
    phone: &StoredPhone<'_>,
    display_name: &str,
    password_hash: Option<&str>,
    at: OffsetDateTime,
) -> sqlx::Result<()> {
    on_tx!(tx, |conn| {
        sqlx::query(
            "INSERT INTO accounts (id, phone_lookup, phone_enc, phone_masked, display_name, password_hash, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id)
        .bind(phone.lookup)
        .bind(phone.sealed)
        .bind(phone.masked)
        .bind(display_name)
        .bind(password_hash)
        .bind(at)
        .execute(conn)
        .await
        .map(|done| done.rows_affected())
    })?;
    Ok(())
}

pub async fn set_password_hash(tx: &mut Tx, id: i64, password_hash: &str) -> sqlx::Result<()> {
    on_tx!(tx, |conn| sqlx::query(
        "UPDATE accounts SET password_hash = $2 WHERE id = $1"
    )
    .bind(id)
    .bind(password_hash)
    .execute(conn)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(())
}

/// A role of an account: a staff or volunteer role in a region (`team_id` empty), or its role in
/// an active team it is a member of.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct GrantRow {
    pub role: String,
    pub region_code: Option<String>,
    pub team_id: Option<i64>,
}

/// Every role of an account, its teams' included, in one statement (each request reads them).
pub async fn grants(tx: &mut Tx, account_id: i64) -> sqlx::Result<Vec<GrantRow>> {
    on_tx!(tx, |conn| sqlx::query_as::<_, GrantRow>(
        "SELECT role, region_code, CAST(NULL AS BIGINT) AS team_id FROM account_roles WHERE account_id = $1
         UNION ALL
         SELECT m.role, CAST(NULL AS TEXT), m.team_id FROM team_members m
         JOIN volunteers v ON v.id = m.volunteer_id JOIN teams t ON t.id = m.team_id
         WHERE v.account_id = $1 AND m.state = 'member' AND t.state = 'active'
         ORDER BY 3, 1"
    )
    .bind(account_id)
    .fetch_all(conn)
    .await)
}

pub async fn roles(tx: &mut Tx, account_id: i64) -> sqlx::Result<Vec<RoleRow>> {
    on_tx!(tx, |conn| sqlx::query_as::<_, RoleRow>(
        "SELECT role, region_code FROM account_roles WHERE account_id = $1 ORDER BY role"
    )
    .bind(account_id)
    .fetch_all(conn)
    .await)
}

pub async fn insert_role(
    tx: &mut Tx,
    account_id: i64,
    role: &str,
    region_code: Option<&str>,
    at: OffsetDateTime,
) -> sqlx::Result<()> {
    on_tx!(tx, |conn| {
        sqlx::query("INSERT INTO account_roles (account_id, role, region_code, created_at) VALUES ($1, $2, $3, $4)")
            .bind(account_id)
            .bind(role)
            .bind(region_code)
            .bind(at)
            .execute(conn)
            .await
            .map(|done| done.rows_affected())
    })?;
    Ok(())
}

/// Staff roles held for regions under a scope prefix, a page at a time.
pub async fn staff_in_scope(tx: &mut Tx, prefix: &str, limit: i64, offset: i64) -> sqlx::Result<Vec<StaffRow>> {
    on_tx!(tx, |conn| sqlx::query_as::<_, StaffRow>(
        "SELECT a.id, a.phone_masked, a.display_name, r.role, r.region_code
         FROM account_roles r JOIN accounts a ON a.id = r.account_id
         WHERE r.region_code LIKE $1 || '%'
         ORDER BY r.region_code, r.role, a.id LIMIT $2 OFFSET $3"
    )
    .bind(prefix)
    .bind(limit)
    .bind(offset)
    .fetch_all(conn)
    .await)
}

/// Distinct accounts holding a staff role under a scope prefix.
pub async fn count_staff_in_scope(tx: &mut Tx, prefix: &str) -> sqlx::Result<i64> {
    on_tx!(tx, |conn| sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(DISTINCT account_id) FROM account_roles WHERE region_code LIKE $1 || '%'"
    )
    .bind(prefix)
    .fetch_one(conn)
    .await)
}

/// The sealed phone of an account, as stored (to copy into a registration without decrypting).
pub async fn sealed_phone(tx: &mut Tx, id: i64) -> sqlx::Result<Option<(String, String, String)>> {
    on_tx!(tx, |conn| {
        sqlx::query_as::<_, (String, String, String)>(
            "SELECT phone_lookup, phone_enc, phone_masked FROM accounts WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(conn)
        .await
    })
}

pub async fn has_role(tx: &mut Tx, account_id: i64, role: &str) -> sqlx::Result<bool> {
    on_tx!(tx, |conn| {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM account_roles WHERE account_id = $1 AND role = $2")
            .bind(account_id)
            .bind(role)
            .fetch_one(conn)
            .await
            .map(|n| n > 0)
    })
}

/// What a password re-confirmation needs: the hash and the phone's keyed hash (for throttling).
pub async fn credentials(tx: &mut Tx, id: i64) -> sqlx::Result<Option<(Option<String>, String)>> {
    on_tx!(tx, |conn| {
        sqlx::query_as::<_, (Option<String>, String)>("SELECT password_hash, phone_lookup FROM accounts WHERE id = $1")
            .bind(id)
            .fetch_optional(conn)
            .await
    })
}
