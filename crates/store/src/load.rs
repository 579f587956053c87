//! Multi-row inserts (sqlx's `QueryBuilder`, every value bound, as many rows per statement as
//! the parameter bound allows): the one place each of these tables' columns is listed. The
//! one-row writes (`activities::insert`, `teams::insert`, …) call them with one row and keep
//! the figures in their transaction; the generator (`hongmajia demo --scale county|city`) calls
//! them with many and recounts the figures and volunteers' confirmed totals once at the end
//! (`confirmed_minutes_recount`, `figures::recount`), which is what a bulk load wants.

use crate::Tx;
use crate::activities::NewActivity;
use crate::db::on_tx;
use crate::projects::NewProject;
use crate::records::{NewRecord, Version};
use crate::regions::NewRegion;
use crate::teams::NewTeam;
use hongmajia_domain::activity::{ActivityState, SignupState};
use hongmajia_domain::project::ProjectState;
use hongmajia_domain::record::RecordState;
use hongmajia_domain::team::{MembershipState, TeamRole};
use hongmajia_domain::{ActivityId, RecordId, SignupId, SiteId, TeamId, VolunteerId};
use sqlx::QueryBuilder;
use time::OffsetDateTime;

/// Bound parameters per statement stay well under SQLite's 32,766.
const PARAMETERS: usize = 30_000;

/// Inserts `$rows` with `$head` (the statement up to `VALUES`), as many per statement as the
/// parameter bound allows for `$columns` columns; `$push` binds one row.
macro_rules! insert_values {
    ($tx:expr, $head:expr, $columns:expr, $rows:expr, |$row:ident, $item:ident| $push:block) => {{
        for chunk in $rows.chunks(PARAMETERS / $columns) {
            on_tx!($tx, |conn| {
                let mut query = QueryBuilder::new($head);
                query.push_values(chunk, |mut $row, $item| $push);
                query.build().execute(conn).await.map(|done| done.rows_affected())
            })?;
        }
        sqlx::Result::<()>::Ok(())
    }};
}

pub async fn insert_regions(tx: &mut Tx, regions: &[NewRegion<'_>]) -> sqlx::Result<()> {
    insert_values!(
        tx,
        "INSERT INTO regions (code, parent_code, name, level, created_at, updated_at) ",
        6,
        regions,
        |row, r| {
            row.push_bind(r.code)
                .push_bind(r.parent_code)
                .push_bind(r.name)
                .push_bind(r.level)
                .push_bind(r.at)
                .push_bind(r.at);
        }
    )
}

/// A practice site: (id, region, kind, name, address, secretary, founded).
pub type NewSite<'a> = (SiteId, &'a str, &'a str, &'a str, &'a str, &'a str, OffsetDateTime);

pub async fn insert_sites(tx: &mut Tx, sites: &[NewSite<'_>]) -> sqlx::Result<()> {
    insert_values!(
        tx,
        "INSERT INTO sites (id, region_code, kind, name, address, secretary, created_at, updated_at) ",
        8,
        sites,
        |row, s| {
            row.push_bind(s.0)
                .push_bind(s.1)
                .push_bind(s.2)
                .push_bind(s.3)
                .push_bind(s.4)
                .push_bind(s.5)
                .push_bind(s.6)
                .push_bind(s.6);
        }
    )
}

pub async fn insert_teams(tx: &mut Tx, teams: &[NewTeam<'_>]) -> sqlx::Result<()> {
    insert_values!(
        tx,
        "INSERT INTO teams (id, site_id, region_code, name, kind, specialty, categories, description, state, applied_by,
            created_at, updated_at) ",
        12,
        teams,
        |row, t| {
            row.push_bind(t.id)
                .push_bind(t.site_id)
                .push_bind(t.region_code)
                .push_bind(t.name)
                .push_bind(t.kind.as_str())
                .push_bind(t.specialty)
                .push_bind(t.categories)
                .push_bind(t.description)
                .push_bind(t.state.as_str())
                .push_bind(t.applied_by)
                .push_bind(t.at)
                .push_bind(t.at);
        }
    )
}

/// A membership: (team, volunteer, role, since).
pub type NewMember = (TeamId, VolunteerId, TeamRole, OffsetDateTime);

pub async fn insert_members(tx: &mut Tx, members: &[NewMember]) -> sqlx::Result<()> {
    insert_values!(
        tx,
        "INSERT INTO team_members (team_id, volunteer_id, role, state, created_at, updated_at) ",
        6,
        members,
        |row, m| {
            row.push_bind(m.0)
                .push_bind(m.1)
                .push_bind(m.2.as_str())
                .push_bind(MembershipState::Member.as_str())
                .push_bind(m.3)
                .push_bind(m.3);
        }
    )
}

/// Projects in the state they reached (`published`, `closed`, …).
pub async fn insert_projects(tx: &mut Tx, projects: &[(NewProject<'_>, ProjectState)]) -> sqlx::Result<()> {
    insert_values!(
        tx,
        "INSERT INTO projects (id, site_id, team_id, region_code, title, category, description, starts_on, ends_on, state,
            created_by, created_at, updated_at) ",
        13,
        projects,
        |row, item| {
            let (p, state) = item;
            row.push_bind(p.id)
                .push_bind(p.site_id)
                .push_bind(p.team_id)
                .push_bind(p.region_code)
                .push_bind(p.title)
                .push_bind(p.category)
                .push_bind(p.description)
                .push_bind(p.starts_on)
                .push_bind(p.ends_on)
                .push_bind(state.as_str())
                .push_bind(p.created_by)
                .push_bind(p.at)
                .push_bind(p.at);
        }
    )
}

/// Published activities with their places taken and, for lectures, the audience.
pub async fn insert_activities(tx: &mut Tx, activities: &[(NewActivity<'_>, i64, Option<i64>)]) -> sqlx::Result<()> {
    insert_values!(
        tx,
        "INSERT INTO activities (id, project_id, region_code, title, address, starts_at, ends_at, signup_opens_at,
            signup_closes_at, capacity, taken, waitlist_size, waitlisted, waitlist_next, risk_notice, state, created_at,
            updated_at, min_age, team_only, latitude, longitude, geofence_m, kind, requires_approval,
            count_nothing_up_to, count_half_up_to, min_presence_percent, insured, required_skills, checkin_opens_min,
            audience_count) ",
        32,
        activities,
        |row, item| {
            let (a, taken, audience) = item;
            row.push_bind(a.id)
                .push_bind(a.project_id)
                .push_bind(a.region_code)
                .push_bind(a.title)
                .push_bind(a.address)
                .push_bind(a.starts_at)
                .push_bind(a.ends_at)
                .push_bind(a.signup_opens_at)
                .push_bind(a.signup_closes_at)
                .push_bind(a.capacity)
                .push_bind(*taken)
                .push_bind(a.waitlist_size)
                .push_bind(0_i64)
                .push_bind(0_i64)
                .push_bind(a.risk_notice)
                .push_bind(ActivityState::Published.as_str())
                .push_bind(a.at)
                .push_bind(a.at)
                .push_bind(a.min_age)
                .push_bind(i64::from(a.team_only))
                .push_bind(a.point.map(|p| p.0))
                .push_bind(a.point.map(|p| p.1))
                .push_bind(a.geofence_m)
                .push_bind(a.kind.as_str())
                .push_bind(i64::from(a.requires_approval))
                .push_bind(a.counting.nothing_up_to)
                .push_bind(a.counting.half_up_to)
                .push_bind(a.counting.min_presence_percent)
                .push_bind(i64::from(a.insured))
                .push_bind(a.required_skills)
                .push_bind(a.checkin_opens_min)
                .push_bind(*audience);
        }
    )
}

/// A sign-up: (id, activity, volunteer, state, made at).
pub type NewSignup = (SignupId, ActivityId, VolunteerId, SignupState, OffsetDateTime);

pub async fn insert_signups(tx: &mut Tx, signups: &[NewSignup]) -> sqlx::Result<()> {
    insert_values!(
        tx,
        "INSERT INTO signups (id, activity_id, volunteer_id, state, created_at, updated_at) ",
        6,
        signups,
        |row, s| {
            row.push_bind(s.0)
                .push_bind(s.1)
                .push_bind(s.2)
                .push_bind(s.3.as_str())
                .push_bind(s.4)
                .push_bind(s.4);
        }
    )
}

/// A finished attendance: the check-in and the check-out (at, method) of a sign-up.
pub struct NewAttendance<'a> {
    pub signup_id: SignupId,
    pub activity_id: ActivityId,
    pub volunteer_id: VolunteerId,
    pub checked_in: (OffsetDateTime, &'a str),
    pub checked_out: (OffsetDateTime, &'a str),
}

pub async fn insert_attendances(tx: &mut Tx, attendances: &[NewAttendance<'_>]) -> sqlx::Result<()> {
    insert_values!(
        tx,
        "INSERT INTO attendances (signup_id, activity_id, volunteer_id, checked_in_at, check_in_method, checked_out_at,
            check_out_method) ",
        7,
        attendances,
        |row, a| {
            row.push_bind(a.signup_id)
                .push_bind(a.activity_id)
                .push_bind(a.volunteer_id)
                .push_bind(a.checked_in.0)
                .push_bind(a.checked_in.1)
                .push_bind(a.checked_out.0)
                .push_bind(a.checked_out.1);
        }
    )
}

/// Records at their latest version (`version`), written with every version they went through.
pub async fn insert_records(
    tx: &mut Tx,
    records: &[(NewRecord<'_>, i64, OffsetDateTime)],
    versions: &[(RecordId, i64, Version<'_>)],
) -> sqlx::Result<()> {
    insert_values!(
        tx,
        "INSERT INTO service_records (id, volunteer_id, activity_id, region_code, source, state, minutes, version,
            evidence_id, entered_by, created_at, updated_at) ",
        12,
        records,
        |row, item| {
            let (r, version, updated) = item;
            row.push_bind(r.id)
                .push_bind(r.volunteer_id)
                .push_bind(r.activity_id)
                .push_bind(r.region_code)
                .push_bind(r.source.as_str())
                .push_bind(r.state.as_str())
                .push_bind(r.minutes)
                .push_bind(*version)
                .push_bind(r.evidence_id)
                .push_bind(r.entered_by)
                .push_bind(r.at)
                .push_bind(*updated);
        }
    )?;
    insert_values!(
        tx,
        "INSERT INTO record_versions (record_id, version, action, state, minutes, reason, requested_by, approved_by,
            created_at) ",
        9,
        versions,
        |row, item| {
            let (record, number, v) = item;
            row.push_bind(*record)
                .push_bind(*number)
                .push_bind(v.action.as_str())
                .push_bind(v.state.as_str())
                .push_bind(v.minutes)
                .push_bind(v.reason)
                .push_bind(v.requested_by)
                .push_bind(v.approved_by)
                .push_bind(v.at);
        }
    )
}

/// Every volunteer's confirmed total, recounted from the records (after a bulk load).
pub async fn confirmed_minutes_recount(tx: &mut Tx) -> sqlx::Result<u64> {
    on_tx!(tx, |conn| {
        sqlx::query(
            "UPDATE volunteers SET confirmed_minutes = COALESCE((SELECT CAST(SUM(r.minutes) AS BIGINT)
                FROM service_records r WHERE r.volunteer_id = volunteers.id AND r.state = $1), 0)",
        )
        .bind(RecordState::Confirmed.as_str())
        .execute(conn)
        .await
        .map(|done| done.rows_affected())
    })
}
