//! Set-wise statements for imports: look many keys up at once and insert many rows per
//! statement (`IN (…)` and multi-row `VALUES` built with sqlx's `QueryBuilder`, every value a
//! bound parameter). A roster of 100,000 rows then costs a few hundred statements, not a million.

use crate::Tx;
use crate::accounts::StoredPhone;
use crate::db::on_tx;
use crate::volunteers::NewVolunteer;
use hongmajia_domain::TeamId;
use hongmajia_domain::team::{MembershipState, TeamRole};
use hongmajia_domain::{AccountId, VolunteerId};
use sqlx::QueryBuilder;
use time::OffsetDateTime;

/// Keys per `IN (…)` and rows per `INSERT`, well under SQLite's 32,766 bound parameters.
const CHUNK: usize = 500;

/// Runs `SELECT … IN (…)` over `keys` a chunk at a time and gathers the rows: `$head` is the
/// statement up to the opening parenthesis, `$fetch` how the rows are read, `$row` their type.
macro_rules! select_in {
    ($tx:expr, $head:expr, $keys:expr, $fetch:ident, $row:ty) => {
        select_in!($tx, $head, bound: None::<&str>, then: "", $keys, $fetch, $row)
    };
    // With one more condition first: `$head` ends in `column = `, `$bound` is bound there, and
    // `$then` opens the list (` AND key IN (`).
    ($tx:expr, $head:expr, bound: $bound:expr, then: $then:expr, $keys:expr, $fetch:ident, $row:ty) => {{
        let mut found = Vec::new();
        for chunk in $keys.chunks(CHUNK) {
            let rows = on_tx!($tx, |conn| {
                let mut query = QueryBuilder::new($head);
                if let Some(bound) = $bound {
                    query.push_bind(bound);
                    query.push($then);
                }
                let mut list = query.separated(", ");
                for key in chunk {
                    list.push_bind(key.clone());
                }
                query.push(")");
                query.$fetch::<$row>().fetch_all(conn).await
            })?;
            found.extend(rows);
        }
        Ok(found)
    }};
}

/// `(id_lookup, name)` of the registrations among `lookups`.
pub async fn registrations_by_lookup(tx: &mut Tx, lookups: &[String]) -> sqlx::Result<Vec<(String, String)>> {
    select_in!(
        tx,
        "SELECT id_lookup, name FROM volunteers WHERE id_lookup IN (",
        lookups,
        build_query_as,
        (String, String)
    )
}

/// `(phone_lookup, account id)` of the accounts among `lookups`.
pub async fn accounts_by_phone(tx: &mut Tx, lookups: &[String]) -> sqlx::Result<Vec<(String, AccountId)>> {
    select_in!(
        tx,
        "SELECT phone_lookup, id FROM accounts WHERE phone_lookup IN (",
        lookups,
        build_query_as,
        (String, AccountId)
    )
}

/// The accounts among `ids` that already have a registration.
pub async fn accounts_with_registration(tx: &mut Tx, ids: &[AccountId]) -> sqlx::Result<Vec<AccountId>> {
    select_in!(
        tx,
        "SELECT account_id FROM volunteers WHERE account_id IN (",
        ids,
        build_query_scalar,
        AccountId
    )
}

/// The accounts among `ids` tied to a person (a staff account, or one that accepted a grant).
pub async fn accounts_tied_to_person(tx: &mut Tx, ids: &[AccountId]) -> sqlx::Result<Vec<AccountId>> {
    select_in!(
        tx,
        "SELECT id FROM accounts WHERE person_lookup IS NOT NULL AND id IN (",
        ids,
        build_query_scalar,
        AccountId
    )
}

/// The accounts among `ids` that hold `role`.
pub async fn accounts_with_role(tx: &mut Tx, ids: &[AccountId], role: &str) -> sqlx::Result<Vec<AccountId>> {
    let head = "SELECT account_id FROM account_roles WHERE role = ";
    select_in!(tx, head, bound: Some(role), then: " AND account_id IN (", ids, build_query_scalar, AccountId)
}

/// The volunteer codes among `codes` already in use.
pub async fn codes_taken(tx: &mut Tx, codes: &[String]) -> sqlx::Result<Vec<String>> {
    select_in!(
        tx,
        "SELECT code FROM volunteers WHERE code IN (",
        codes,
        build_query_scalar,
        String
    )
}

/// New accounts without a password (volunteers log in by SMS code).
pub async fn insert_accounts(
    tx: &mut Tx,
    accounts: &[(AccountId, StoredPhone<'_>)],
    at: OffsetDateTime,
) -> sqlx::Result<()> {
    for chunk in accounts.chunks(CHUNK) {
        on_tx!(tx, |conn| {
            let mut query = QueryBuilder::new(
                "INSERT INTO accounts (id, phone_lookup, phone_enc, phone_masked, display_name, password_hash, created_at) ",
            );
            query.push_values(chunk, |mut row, (id, phone)| {
                row.push_bind(*id)
                    .push_bind(phone.lookup)
                    .push_bind(phone.sealed)
                    .push_bind(phone.masked)
                    .push_bind("")
                    .push_bind(None::<String>)
                    .push_bind(at);
            });
            query.build().execute(conn).await.map(|done| done.rows_affected())
        })?;
    }
    Ok(())
}

/// One role (no region) for each account.
pub async fn insert_roles(tx: &mut Tx, accounts: &[AccountId], role: &str, at: OffsetDateTime) -> sqlx::Result<()> {
    for chunk in accounts.chunks(CHUNK) {
        on_tx!(tx, |conn| {
            let mut query = QueryBuilder::new("INSERT INTO account_roles (account_id, role, region_code, created_at) ");
            query.push_values(chunk, |mut row, id| {
                row.push_bind(*id)
                    .push_bind(role)
                    .push_bind(None::<String>)
                    .push_bind(at);
            });
            query.build().execute(conn).await.map(|done| done.rows_affected())
        })?;
    }
    Ok(())
}

pub async fn insert_volunteers(tx: &mut Tx, volunteers: &[NewVolunteer<'_>]) -> sqlx::Result<()> {
    for chunk in volunteers.chunks(CHUNK / 2) {
        on_tx!(tx, |conn| {
            let mut query = QueryBuilder::new(
                "INSERT INTO volunteers (id, account_id, code, name, gender, birth_date, id_type, id_lookup, id_enc, id_masked,
                    phone_lookup, phone_enc, phone_masked, region_code, skills, categories, availability, child_data,
                    guardian_name, guardian_consent_at, consent_version, consent_at, registered_by, created_at, updated_at) ",
            );
            query.push_values(chunk, |mut row, v| {
                row.push_bind(v.id)
                    .push_bind(v.account_id)
                    .push_bind(v.code)
                    .push_bind(v.name)
                    .push_bind(v.gender)
                    .push_bind(v.birth_date)
                    .push_bind(v.id_type)
                    .push_bind(v.id_lookup)
                    .push_bind(v.id_enc)
                    .push_bind(v.id_masked)
                    .push_bind(v.phone_lookup)
                    .push_bind(v.phone_enc)
                    .push_bind(v.phone_masked)
                    .push_bind(v.region_code)
                    .push_bind(v.skills)
                    .push_bind(v.categories)
                    .push_bind(v.availability)
                    .push_bind(i64::from(v.child_data))
                    .push_bind(v.guardian_name)
                    .push_bind(v.guardian_consent_at)
                    .push_bind(v.consent_version)
                    .push_bind(v.at)
                    .push_bind(v.registered_by)
                    .push_bind(v.at)
                    .push_bind(v.at);
            });
            query.build().execute(conn).await.map(|done| done.rows_affected())
        })?;
    }
    let mut per_region: std::collections::BTreeMap<&str, i64> = std::collections::BTreeMap::new();
    for v in volunteers {
        *per_region.entry(v.region_code).or_default() += 1;
    }
    for (region, n) in per_region {
        let added = crate::figures::Figures {
            volunteers: n,
            ..Default::default()
        };
        crate::figures::bump(tx, region, &added).await?;
    }
    Ok(())
}

/// Members of one team, active at once.
pub async fn insert_members(
    tx: &mut Tx,
    team: TeamId,
    volunteers: &[VolunteerId],
    at: OffsetDateTime,
) -> sqlx::Result<()> {
    for chunk in volunteers.chunks(CHUNK) {
        on_tx!(tx, |conn| {
            let mut query = QueryBuilder::new(
                "INSERT INTO team_members (team_id, volunteer_id, role, state, created_at, updated_at) ",
            );
            query.push_values(chunk, |mut row, volunteer| {
                row.push_bind(team)
                    .push_bind(*volunteer)
                    .push_bind(TeamRole::Member.as_str())
                    .push_bind(MembershipState::Member.as_str())
                    .push_bind(at)
                    .push_bind(at);
            });
            query.build().execute(conn).await.map(|done| done.rows_affected())
        })?;
    }
    Ok(())
}
