use crate::Tx;
use crate::db::on_tx;
use hongmajia_domain::{AccountId, TeamId};
use time::OffsetDateTime;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AccountRow {
    pub id: AccountId,
    pub phone_lookup: String,
    pub phone_masked: String,
    pub display_name: String,
    pub password_hash: Option<String>,
    /// The keyed hash of the ID number of the person the account is tied to, if it is.
    pub person_lookup: Option<String>,
    pub disabled_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
}

macro_rules! account_columns {
    () => {
        "id, phone_lookup, phone_masked, display_name, password_hash, person_lookup, disabled_at, created_at"
    };
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RoleRow {
    pub role: String,
    pub region_code: Option<String>,
    pub region_name: Option<String>,
}

/// One staff role of an account in a scope, as the account list shows it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StaffRow {
    pub id: AccountId,
    pub phone_masked: String,
    pub display_name: String,
    pub role: String,
    pub region_code: String,
}

/// The account of a phone, found by the phone's keyed hash.
pub async fn find_by_phone(tx: &mut Tx, phone_lookup: &str) -> sqlx::Result<Option<AccountRow>> {
    let sql = concat!("SELECT ", account_columns!(), " FROM accounts WHERE phone_lookup = $1");
    on_tx!(tx, |conn| {
        sqlx::query_as::<_, AccountRow>(sql)
            .bind(phone_lookup)
            .fetch_optional(conn)
            .await
    })
}

pub async fn find(tx: &mut Tx, id: AccountId) -> sqlx::Result<Option<AccountRow>> {
    let sql = concat!("SELECT ", account_columns!(), " FROM accounts WHERE id = $1");
    on_tx!(tx, |conn| {
        sqlx::query_as::<_, AccountRow>(sql).bind(id).fetch_optional(conn).await
    })
}

/// The person an account is tied to, as stored: the ID type, the keyed hash and the sealed number.
pub struct StoredPerson<'a> {
    pub id_type: &'a str,
    pub lookup: &'a str,
    pub sealed: &'a str,
}

/// Ties an account to a person; an account already tied keeps its person (false).
pub async fn set_person(tx: &mut Tx, id: AccountId, person: &StoredPerson<'_>) -> sqlx::Result<bool> {
    let done = on_tx!(tx, |conn| {
        sqlx::query(
        "UPDATE accounts SET person_id_type = $2, person_lookup = $3, person_enc = $4 WHERE id = $1 AND person_lookup IS NULL"
    )
    .bind(id)
    .bind(person.id_type)
    .bind(person.lookup)
    .bind(person.sealed)
    .execute(conn)
    .await
    .map(|done| done.rows_affected())
    })?;
    Ok(done == 1)
}

/// Who is behind an account as far as is known: its own tie, else its volunteer registration.
pub async fn person_of(tx: &mut Tx, id: AccountId) -> sqlx::Result<Option<String>> {
    on_tx!(tx, |conn| sqlx::query_scalar::<_, Option<String>>(
        "SELECT COALESCE(a.person_lookup, v.id_lookup) FROM accounts a
         LEFT JOIN volunteers v ON v.account_id = a.id WHERE a.id = $1"
    )
    .bind(id)
    .fetch_optional(conn)
    .await
    .map(Option::flatten))
}

/// The account of another registration or tie of this person, if any (one person may not claim
/// another's registration).
pub async fn registration_of_person(tx: &mut Tx, person_lookup: &str) -> sqlx::Result<Option<Option<AccountId>>> {
    on_tx!(tx, |conn| sqlx::query_scalar::<_, Option<AccountId>>(
        "SELECT account_id FROM volunteers WHERE id_lookup = $1"
    )
    .bind(person_lookup)
    .fetch_optional(conn)
    .await)
}

/// Disables (at and by the level of the disabler) or enables (None) an account; false when it
/// already was so.
pub async fn set_disabled(tx: &mut Tx, id: AccountId, by: Option<(OffsetDateTime, &str)>) -> sqlx::Result<bool> {
    let (at, level) = (by.map(|(at, _)| at), by.map(|(_, level)| level));
    let done = on_tx!(tx, |conn| sqlx::query(
        "UPDATE accounts SET disabled_at = $2, disabled_by = $3
         WHERE id = $1 AND (disabled_at IS NULL) = ($2 IS NOT NULL)"
    )
    .bind(id)
    .bind(at)
    .bind(level)
    .execute(conn)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(done == 1)
}

/// The level that disabled an account, if it is disabled.
pub async fn disabled_by(tx: &mut Tx, id: AccountId) -> sqlx::Result<Option<String>> {
    on_tx!(tx, |conn| sqlx::query_scalar::<_, Option<String>>(
        "SELECT disabled_by FROM accounts WHERE id = $1 AND disabled_at IS NOT NULL"
    )
    .bind(id)
    .fetch_optional(conn)
    .await
    .map(Option::flatten))
}

/// Removes an account's password (a reset: the holder sets a new one after an SMS code).
pub async fn clear_password(tx: &mut Tx, id: AccountId) -> sqlx::Result<()> {
    on_tx!(tx, |conn| sqlx::query(
        "UPDATE accounts SET password_hash = NULL WHERE id = $1"
    )
    .bind(id)
    .execute(conn)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(())
}

/// The phone as the account table holds it: keyed hash, ciphertext, masked form.
pub struct StoredPhone<'a> {
    pub lookup: &'a str,
    pub sealed: &'a str,
    pub masked: &'a str,
}

pub async fn insert(
    tx: &mut Tx,
    id: AccountId,
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

pub async fn set_password_hash(tx: &mut Tx, id: AccountId, password_hash: &str) -> sqlx::Result<()> {
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
    pub team_id: Option<TeamId>,
}

/// Every role of an account, its teams' included, in one statement (each request reads them).
/// Staff roles (those with a region) count only on an account tied to a person that has a
/// password (after a reset, only once the holder has set a new one).
pub async fn grants(tx: &mut Tx, account_id: AccountId) -> sqlx::Result<Vec<GrantRow>> {
    on_tx!(tx, |conn| sqlx::query_as::<_, GrantRow>(
        "SELECT r.role, r.region_code, CAST(NULL AS BIGINT) AS team_id
         FROM account_roles r JOIN accounts a ON a.id = r.account_id
         WHERE r.account_id = $1
           AND (r.region_code IS NULL OR (a.person_lookup IS NOT NULL AND a.password_hash IS NOT NULL))
         UNION ALL
         SELECT m.role, CAST(NULL AS TEXT), m.team_id FROM team_members m
         JOIN volunteers v ON v.id = m.volunteer_id JOIN teams t ON t.id = m.team_id
         WHERE v.account_id = $1 AND m.state = $2 AND t.state = $3
         ORDER BY 3, 1"
    )
    .bind(account_id)
    .bind(hongmajia_domain::team::MembershipState::Member.as_str())
    .bind(hongmajia_domain::team::TeamState::Active.as_str())
    .fetch_all(conn)
    .await)
}

pub async fn roles(tx: &mut Tx, account_id: AccountId) -> sqlx::Result<Vec<RoleRow>> {
    on_tx!(tx, |conn| sqlx::query_as::<_, RoleRow>(
        "SELECT a.role, a.region_code, r.name AS region_name FROM account_roles a
         LEFT JOIN regions r ON r.code = a.region_code WHERE a.account_id = $1 ORDER BY a.role"
    )
    .bind(account_id)
    .fetch_all(conn)
    .await)
}

pub async fn insert_role(
    tx: &mut Tx,
    account_id: AccountId,
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

/// Takes a role from an account; false when it did not hold it there.
pub async fn delete_role(tx: &mut Tx, account_id: AccountId, role: &str, region_code: &str) -> sqlx::Result<bool> {
    let done = on_tx!(tx, |conn| sqlx::query(
        "DELETE FROM account_roles WHERE account_id = $1 AND role = $2 AND region_code = $3"
    )
    .bind(account_id)
    .bind(role)
    .bind(region_code)
    .execute(conn)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(done == 1)
}

/// One staff role under a scope with what the staff page shows of its holder.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StaffRoleRow {
    pub id: AccountId,
    pub phone_masked: String,
    pub display_name: String,
    pub role: String,
    pub region_code: String,
    pub region_name: String,
    pub disabled_at: Option<OffsetDateTime>,
    pub last_login_at: Option<OffsetDateTime>,
}

/// Staff roles held for regions under a scope prefix with their holders' last login, a page at
/// a time (ordered by region, role, account).
pub async fn staff_roles_in_scope(
    tx: &mut Tx,
    prefix: &str,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<StaffRoleRow>> {
    on_tx!(tx, |conn| sqlx::query_as::<_, StaffRoleRow>(
        "SELECT a.id, a.phone_masked, a.display_name, r.role, r.region_code, g.name AS region_name, a.disabled_at,
                (SELECT MAX(s.created_at) FROM sessions s WHERE s.account_id = a.id) AS last_login_at
         FROM account_roles r JOIN accounts a ON a.id = r.account_id JOIN regions g ON g.code = r.region_code
         WHERE r.region_code LIKE $1 || '%'
         ORDER BY r.region_code, r.role, a.id LIMIT $2 OFFSET $3"
    )
    .bind(prefix)
    .bind(limit)
    .bind(offset)
    .fetch_all(conn)
    .await)
}

/// The staff roles (with a region) an account holds.
pub async fn staff_roles(tx: &mut Tx, account_id: AccountId) -> sqlx::Result<Vec<RoleRow>> {
    on_tx!(tx, |conn| sqlx::query_as::<_, RoleRow>(
        "SELECT a.role, a.region_code, r.name AS region_name FROM account_roles a
         JOIN regions r ON r.code = a.region_code WHERE a.account_id = $1 ORDER BY a.role"
    )
    .bind(account_id)
    .fetch_all(conn)
    .await)
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
pub async fn sealed_phone(tx: &mut Tx, id: AccountId) -> sqlx::Result<Option<(String, String, String)>> {
    on_tx!(tx, |conn| {
        sqlx::query_as::<_, (String, String, String)>(
            "SELECT phone_lookup, phone_enc, phone_masked FROM accounts WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(conn)
        .await
    })
}

pub async fn has_role(tx: &mut Tx, account_id: AccountId, role: &str) -> sqlx::Result<bool> {
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
pub async fn credentials(tx: &mut Tx, id: AccountId) -> sqlx::Result<Option<(Option<String>, String)>> {
    on_tx!(tx, |conn| {
        sqlx::query_as::<_, (Option<String>, String)>("SELECT password_hash, phone_lookup FROM accounts WHERE id = $1")
            .bind(id)
            .fetch_optional(conn)
            .await
    })
}

/// The region of the volunteer registration of a phone's account, if it has one.
pub async fn volunteer_region_of_phone(tx: &mut Tx, phone_lookup: &str) -> sqlx::Result<Option<String>> {
    on_tx!(tx, |conn| sqlx::query_scalar::<_, String>(
        "SELECT v.region_code FROM accounts a JOIN volunteers v ON v.account_id = a.id WHERE a.phone_lookup = $1"
    )
    .bind(phone_lookup)
    .fetch_optional(conn)
    .await)
}

pub async fn set_display_name(tx: &mut Tx, id: AccountId, name: &str) -> sqlx::Result<()> {
    on_tx!(tx, |conn| sqlx::query(
        "UPDATE accounts SET display_name = $2 WHERE id = $1"
    )
    .bind(id)
    .bind(name)
    .execute(conn)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(())
}

/// Takes the account's row for a new session: only while it is enabled and, for a password
/// login, still has the password just checked. A disable or reset that commits first wins (its
/// row lock makes this wait, then fail), so no session outlives one.
pub async fn hold_for_session(tx: &mut Tx, id: AccountId, password_hash: Option<&str>) -> sqlx::Result<bool> {
    let done = on_tx!(tx, |conn| sqlx::query(
        "UPDATE accounts SET disabled_at = NULL
         WHERE id = $1 AND disabled_at IS NULL AND (CAST($2 AS TEXT) IS NULL OR password_hash = $2)"
    )
    .bind(id)
    .bind(password_hash)
    .execute(conn)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(done == 1)
}
