use crate::Tx;
use crate::db::on_tx;
use hongmajia_domain::VolunteerId;
use hongmajia_domain::team::MembershipState;
use hongmajia_domain::{AccountId, TeamId};
use time::{Date, OffsetDateTime};

/// A volunteer as lists and profiles show them: personal data only in masked form.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct VolunteerRow {
    pub id: VolunteerId,
    pub account_id: Option<AccountId>,
    pub code: String,
    pub name: String,
    pub gender: String,
    pub birth_date: Date,
    pub id_type: String,
    pub id_masked: String,
    pub phone_masked: String,
    pub region_code: String,
    pub skills: String,
    pub categories: String,
    pub availability: String,
    pub child_data: i64,
    pub registered_by: String,
    pub created_at: OffsetDateTime,
    /// Confirmed service time, kept with every change of a record.
    pub confirmed_minutes: i64,
}

/// Everything stored for a new registration.
pub struct NewVolunteer<'a> {
    pub id: VolunteerId,
    pub account_id: Option<AccountId>,
    pub code: &'a str,
    pub name: &'a str,
    pub gender: &'a str,
    pub birth_date: Date,
    pub id_type: &'a str,
    pub id_lookup: &'a str,
    pub id_enc: &'a str,
    pub id_masked: &'a str,
    pub phone_lookup: &'a str,
    pub phone_enc: &'a str,
    pub phone_masked: &'a str,
    pub region_code: &'a str,
    pub skills: &'a str,
    pub categories: &'a str,
    pub availability: &'a str,
    pub child_data: bool,
    pub guardian_name: Option<&'a str>,
    pub guardian_consent_at: Option<OffsetDateTime>,
    pub consent_version: &'a str,
    pub registered_by: &'a str,
    pub at: OffsetDateTime,
}

pub async fn insert(tx: &mut Tx, v: &NewVolunteer<'_>) -> sqlx::Result<()> {
    on_tx!(tx, |conn| {
        sqlx::query(
            "INSERT INTO volunteers (id, account_id, code, name, gender, birth_date, id_type, id_lookup, id_enc, id_masked,
                phone_lookup, phone_enc, phone_masked, region_code, skills, categories, availability, child_data,
                guardian_name, guardian_consent_at, consent_version, consent_at, registered_by, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $22, $22)",
        )
        .bind(v.id)
        .bind(v.account_id)
        .bind(v.code)
        .bind(v.name)
        .bind(v.gender)
        .bind(v.birth_date)
        .bind(v.id_type)
        .bind(v.id_lookup)
        .bind(v.id_enc)
        .bind(v.id_masked)
        .bind(v.phone_lookup)
        .bind(v.phone_enc)
        .bind(v.phone_masked)
        .bind(v.region_code)
        .bind(v.skills)
        .bind(v.categories)
        .bind(v.availability)
        .bind(i64::from(v.child_data))
        .bind(v.guardian_name)
        .bind(v.guardian_consent_at)
        .bind(v.consent_version)
        .bind(v.at)
        .bind(v.registered_by)
        .execute(conn)
        .await
        .map(|done| done.rows_affected())
    })?;
    let one = crate::figures::Figures {
        volunteers: 1,
        ..Default::default()
    };
    crate::figures::bump(tx, v.region_code, &one).await?;
    Ok(())
}

pub async fn find(tx: &mut Tx, id: VolunteerId) -> sqlx::Result<Option<VolunteerRow>> {
    on_tx!(tx, |conn| {
        sqlx::query_as::<_, VolunteerRow>(
            "SELECT id, account_id, code, name, gender, birth_date, id_type, id_masked, phone_masked, region_code, skills,
                    categories, availability, child_data, registered_by, created_at, confirmed_minutes
             FROM volunteers WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(conn)
        .await
    })
}

pub async fn find_by_account(tx: &mut Tx, account_id: AccountId) -> sqlx::Result<Option<VolunteerRow>> {
    on_tx!(tx, |conn| {
        sqlx::query_as::<_, VolunteerRow>(
            "SELECT id, account_id, code, name, gender, birth_date, id_type, id_masked, phone_masked, region_code, skills,
                    categories, availability, child_data, registered_by, created_at, confirmed_minutes
             FROM volunteers WHERE account_id = $1",
        )
        .bind(account_id)
        .fetch_optional(conn)
        .await
    })
}

/// The registration of a person, found by the keyed hash of their ID document.
pub async fn find_by_id_lookup(tx: &mut Tx, id_lookup: &str) -> sqlx::Result<Option<(VolunteerId, String, String)>> {
    on_tx!(tx, |conn| {
        sqlx::query_as::<_, (VolunteerId, String, String)>(
            "SELECT id, name, region_code FROM volunteers WHERE id_lookup = $1",
        )
        .bind(id_lookup)
        .fetch_optional(conn)
        .await
    })
}

/// The account and the person (keyed hash of the ID number) of a registration.
pub async fn person_of(tx: &mut Tx, id: VolunteerId) -> sqlx::Result<Option<(Option<AccountId>, String)>> {
    on_tx!(tx, |conn| {
        sqlx::query_as::<_, (Option<AccountId>, String)>("SELECT account_id, id_lookup FROM volunteers WHERE id = $1")
            .bind(id)
            .fetch_optional(conn)
            .await
    })
}

/// The sealed ID number and phone of one volunteer, for an audited reveal.
pub async fn sealed_personal_data(tx: &mut Tx, id: VolunteerId) -> sqlx::Result<Option<(String, String)>> {
    on_tx!(tx, |conn| {
        sqlx::query_as::<_, (String, String)>("SELECT id_enc, phone_enc FROM volunteers WHERE id = $1")
            .bind(id)
            .fetch_optional(conn)
            .await
    })
}

/// Filters of the volunteer list. `name` matches a fragment; empty filters match everything.
/// Fragments are matched literally: callers pass them through `like_literal`.
pub struct VolunteerFilter<'a> {
    pub scope_prefix: &'a str,
    pub name: &'a str,
    pub code: &'a str,
    pub phone_tail: &'a str,
    /// A fragment of a service category (literal).
    pub category: &'a str,
    /// Only members of this team.
    pub team: Option<TeamId>,
}

pub async fn list(
    tx: &mut Tx,
    filter: &VolunteerFilter<'_>,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<VolunteerRow>> {
    on_tx!(tx, |conn| {
        sqlx::query_as::<_, VolunteerRow>(
            "SELECT id, account_id, code, name, gender, birth_date, id_type, id_masked, phone_masked, region_code, skills,
                    categories, availability, child_data, registered_by, created_at, confirmed_minutes
             FROM volunteers
             WHERE region_code LIKE $1 || '%' AND merged_into IS NULL
               AND ($2 = '' OR LOWER(name) LIKE '%' || LOWER($2) || '%' ESCAPE '\\')
               AND ($3 = '' OR code = $3)
               AND ($4 = '' OR phone_masked LIKE '%' || $4)
               AND ($7 = '' OR categories LIKE '%' || $7 || '%' ESCAPE '\\')
               AND ($8 IS NULL OR EXISTS (SELECT 1 FROM team_members m WHERE m.volunteer_id = volunteers.id AND m.team_id = $8 AND m.state = $9))
             ORDER BY region_code, id LIMIT $5 OFFSET $6",
        )
        .bind(filter.scope_prefix)
        .bind(filter.name)
        .bind(filter.code)
        .bind(filter.phone_tail)
        .bind(limit)
        .bind(offset)
        .bind(filter.category)
        .bind(filter.team)
        .bind(MembershipState::Member.as_str())
        .fetch_all(conn)
        .await
    })
}

pub async fn count(tx: &mut Tx, filter: &VolunteerFilter<'_>) -> sqlx::Result<i64> {
    on_tx!(tx, |conn| {
        sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM volunteers
             WHERE region_code LIKE $1 || '%' AND merged_into IS NULL
               AND ($2 = '' OR LOWER(name) LIKE '%' || LOWER($2) || '%' ESCAPE '\\')
               AND ($3 = '' OR code = $3)
               AND ($4 = '' OR phone_masked LIKE '%' || $4)
               AND ($5 = '' OR categories LIKE '%' || $5 || '%' ESCAPE '\\')
               AND ($6 IS NULL OR EXISTS (SELECT 1 FROM team_members m WHERE m.volunteer_id = volunteers.id AND m.team_id = $6 AND m.state = $7))",
        )
        .bind(filter.scope_prefix)
        .bind(filter.name)
        .bind(filter.code)
        .bind(filter.phone_tail)
        .bind(filter.category)
        .bind(filter.team)
        .bind(MembershipState::Member.as_str())
        .fetch_one(conn)
        .await
    })
}

/// Escapes `%`, `_` and `\` so a typed fragment matches only itself under `LIKE … ESCAPE '\'`.
pub fn like_literal(fragment: &str) -> String {
    let mut escaped = String::with_capacity(fragment.len());
    for c in fragment.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

pub async fn code_taken(tx: &mut Tx, code: &str) -> sqlx::Result<bool> {
    on_tx!(tx, |conn| {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM volunteers WHERE code = $1")
            .bind(code)
            .fetch_one(conn)
            .await
            .map(|n| n > 0)
    })
}

/// A volunteer for an export: the masked row and the sealed values.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ExportRow {
    #[sqlx(flatten)]
    pub volunteer: VolunteerRow,
    pub id_enc: String,
    pub phone_enc: String,
}

/// Volunteers under a scope prefix, optionally only a team's members or those of a service
/// category (a fragment matched literally), in region and id order.
pub async fn export_rows(
    tx: &mut Tx,
    prefix: &str,
    team: Option<TeamId>,
    category: &str,
) -> sqlx::Result<Vec<ExportRow>> {
    on_tx!(tx, |conn| {
        sqlx::query_as::<_, ExportRow>(
            "SELECT v.id, v.account_id, v.code, v.name, v.gender, v.birth_date, v.id_type, v.id_masked, v.phone_masked,
                    v.region_code, v.skills, v.categories, v.availability, v.child_data, v.registered_by, v.created_at,
                    v.confirmed_minutes,
                    v.id_enc, v.phone_enc
             FROM volunteers v
             WHERE v.region_code LIKE $1 || '%' AND v.merged_into IS NULL
               AND ($2 IS NULL OR EXISTS (SELECT 1 FROM team_members m WHERE m.volunteer_id = v.id AND m.team_id = $2 AND m.state = $4))
               AND ($3 = '' OR v.categories LIKE '%' || $3 || '%' ESCAPE '\\')
             ORDER BY v.region_code, v.id",
        )
        .bind(prefix)
        .bind(team)
        .bind(category)
        .bind(MembershipState::Member.as_str())
        .fetch_all(conn)
        .await
    })
}

/// Marks `duplicate` as merged into `kept`, moving its account link when `kept` has none.
pub async fn merge(
    tx: &mut Tx,
    duplicate: VolunteerId,
    kept: VolunteerId,
    reason: &str,
    at: OffsetDateTime,
) -> sqlx::Result<bool> {
    let found: Option<(Option<AccountId>, String)> = on_tx!(tx, |conn| {
        sqlx::query_as::<_, (Option<AccountId>, String)>(
            "SELECT account_id, region_code FROM volunteers WHERE id = $1 AND merged_into IS NULL",
        )
        .bind(duplicate)
        .fetch_optional(conn)
        .await
    })?;
    let Some((account, region)) = found else {
        return Ok(false);
    };
    let gone = crate::figures::Figures {
        volunteers: -1,
        ..Default::default()
    };
    crate::figures::bump(tx, &region, &gone).await?;
    on_tx!(tx, |conn| {
        sqlx::query("UPDATE volunteers SET merged_into = $2, merged_at = $3, merge_reason = $4, account_id = NULL WHERE id = $1")
            .bind(duplicate)
            .bind(kept)
            .bind(at)
            .bind(reason)
            .execute(conn)
            .await
            .map(|done| done.rows_affected())
    })?;
    if let Some(account) = account {
        on_tx!(tx, |conn| {
            sqlx::query("UPDATE volunteers SET account_id = $2 WHERE id = $1 AND account_id IS NULL")
                .bind(kept)
                .bind(account)
                .execute(conn)
                .await
                .map(|done| done.rows_affected())
        })?;
    }
    Ok(true)
}

/// The record a merged registration points at.
pub async fn merged_into(tx: &mut Tx, id: VolunteerId) -> sqlx::Result<Option<VolunteerId>> {
    on_tx!(tx, |conn| {
        sqlx::query_scalar::<_, Option<VolunteerId>>("SELECT merged_into FROM volunteers WHERE id = $1")
            .bind(id)
            .fetch_optional(conn)
            .await
            .map(Option::flatten)
    })
}

/// The registration with a volunteer code (codes are public; the code names one person).
pub async fn id_by_code(tx: &mut Tx, code: &str) -> sqlx::Result<Option<VolunteerId>> {
    on_tx!(tx, |conn| {
        sqlx::query_scalar::<_, VolunteerId>("SELECT id FROM volunteers WHERE code = $1 AND merged_into IS NULL")
            .bind(code)
            .fetch_optional(conn)
            .await
    })
}

/// The sealed and masked phone of the registration of an ID number's keyed hash, if any.
pub async fn phone_by_id_lookup(tx: &mut Tx, id_lookup: &str) -> sqlx::Result<Option<(String, String)>> {
    on_tx!(tx, |conn| {
        sqlx::query_as::<_, (String, String)>("SELECT phone_enc, phone_masked FROM volunteers WHERE id_lookup = $1")
            .bind(id_lookup)
            .fetch_optional(conn)
            .await
    })
}
