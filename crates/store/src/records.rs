//! Attendance, service records with their versions, correction requests, evidence files,
//! certificates and the working-day calendar. A record's versions are inserted and never updated;
//! the record row carries the current version's state and minutes, changed only together with a
//! new version, and a volunteer's confirmed total changes in that same transaction.

use crate::Tx;
use crate::db::on_tx;
use hongmajia_domain::activity::{ActivityKind, SignupState};
use hongmajia_domain::record::{
    CorrectionState, FlagKind, FlagState, RecordSource, RecordState, Verdict, VersionAction,
};
use hongmajia_domain::{AccountId, ActivityId, RecordId, SignupId, VolunteerId};
use time::OffsetDateTime;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AttendanceRow {
    pub signup_id: SignupId,
    pub activity_id: ActivityId,
    pub volunteer_id: VolunteerId,
    pub checked_in_at: OffsetDateTime,
    pub check_in_method: String,
    pub checked_out_at: Option<OffsetDateTime>,
    pub check_out_method: Option<String>,
    pub distance_m: Option<i64>,
    pub inside_geofence: Option<bool>,
    pub check_out_distance_m: Option<i64>,
    pub check_out_inside: Option<bool>,
}

macro_rules! attendance_columns {
    () => {
        "signup_id, activity_id, volunteer_id, checked_in_at, check_in_method, checked_out_at,
    check_out_method, distance_m, inside_geofence <> 0 AS inside_geofence, check_out_distance_m,
    check_out_inside <> 0 AS check_out_inside"
    };
}

pub struct CheckIn<'a> {
    pub signup_id: SignupId,
    pub activity_id: ActivityId,
    pub volunteer_id: VolunteerId,
    pub at: OffsetDateTime,
    pub method: &'a str,
    pub distance_m: Option<i64>,
    pub inside_geofence: Option<bool>,
    /// The organizer who marked it by hand.
    pub marked_by: Option<AccountId>,
}

/// Opens a check-in; refused by the unique index when the volunteer has another open one.
pub async fn check_in(tx: &mut Tx, c: &CheckIn<'_>) -> sqlx::Result<()> {
    on_tx!(tx, |conn| {
        sqlx::query(
            "INSERT INTO attendances (signup_id, activity_id, volunteer_id, checked_in_at, check_in_method, distance_m,
                inside_geofence, check_in_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(c.signup_id)
        .bind(c.activity_id)
        .bind(c.volunteer_id)
        .bind(c.at)
        .bind(c.method)
        .bind(c.distance_m)
        .bind(c.inside_geofence.map(i64::from))
        .bind(c.marked_by)
        .execute(conn)
        .await
        .map(|done| done.rows_affected())
    })?;
    Ok(())
}

/// Where a check-out was made, as far as it is kept.
#[derive(Debug, Clone, Copy, Default)]
pub struct CheckOutPlace {
    pub distance_m: Option<i64>,
    pub inside: Option<bool>,
}

/// Closes an open check-in (`by` the organizer when marked by hand); false when it was closed
/// already.
pub async fn check_out(
    tx: &mut Tx,
    signup: SignupId,
    at: OffsetDateTime,
    (method, by, place): (&str, Option<AccountId>, CheckOutPlace),
) -> sqlx::Result<bool> {
    let done = on_tx!(tx, |conn| {
        sqlx::query(
            "UPDATE attendances SET checked_out_at = $2, check_out_method = $3, check_out_by = $4,
                 check_out_distance_m = $5, check_out_inside = $6
             WHERE signup_id = $1 AND checked_out_at IS NULL",
        )
        .bind(signup)
        .bind(at)
        .bind(method)
        .bind(by)
        .bind(place.distance_m)
        .bind(place.inside.map(i64::from))
        .execute(conn)
        .await
        .map(|done| done.rows_affected())
    })?;
    Ok(done == 1)
}

/// A volunteer's attendance of an activity (the one behind their record of it), if any.
pub async fn attendance_of(
    tx: &mut Tx,
    activity: ActivityId,
    volunteer: VolunteerId,
) -> sqlx::Result<Option<AttendanceRow>> {
    let sql = concat!(
        "SELECT ",
        attendance_columns!(),
        " FROM attendances WHERE activity_id = $1 AND volunteer_id = $2"
    );
    on_tx!(tx, |conn| {
        sqlx::query_as::<_, AttendanceRow>(sql)
            .bind(activity)
            .bind(volunteer)
            .fetch_optional(conn)
            .await
    })
}

pub async fn attendance(tx: &mut Tx, signup: SignupId) -> sqlx::Result<Option<AttendanceRow>> {
    let sql = concat!(
        "SELECT ",
        attendance_columns!(),
        " FROM attendances WHERE signup_id = $1"
    );
    on_tx!(tx, |conn| {
        sqlx::query_as::<_, AttendanceRow>(sql)
            .bind(signup)
            .fetch_optional(conn)
            .await
    })
}

/// The volunteer's open check-in, in whatever activity.
pub async fn open_attendance(tx: &mut Tx, volunteer: VolunteerId) -> sqlx::Result<Option<AttendanceRow>> {
    let sql = concat!(
        "SELECT ",
        attendance_columns!(),
        " FROM attendances WHERE volunteer_id = $1 AND checked_out_at IS NULL"
    );
    on_tx!(tx, |conn| {
        sqlx::query_as::<_, AttendanceRow>(sql)
            .bind(volunteer)
            .fetch_optional(conn)
            .await
    })
}

/// One line of an activity's roster: the sign-up, the volunteer, attendance and record.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RosterRow {
    pub signup_id: SignupId,
    pub volunteer_id: VolunteerId,
    pub name: String,
    pub code: String,
    #[sqlx(try_from = "String")]
    pub state: SignupState,
    pub checked_in_at: Option<OffsetDateTime>,
    pub check_in_method: Option<String>,
    pub checked_out_at: Option<OffsetDateTime>,
    pub check_out_method: Option<String>,
    pub record_id: Option<RecordId>,
    pub record_state: Option<String>,
    pub minutes: Option<i64>,
}

impl RosterRow {
    /// The state of the line's record, if it has one.
    pub fn record_state(&self) -> Option<RecordState> {
        self.record_state.as_deref().and_then(RecordState::parse)
    }
}

pub async fn roster(tx: &mut Tx, activity: ActivityId) -> sqlx::Result<Vec<RosterRow>> {
    on_tx!(tx, |conn| {
        sqlx::query_as::<_, RosterRow>(
            "SELECT s.id AS signup_id, v.id AS volunteer_id, v.name, v.code, s.state, a.checked_in_at, a.check_in_method,
                    a.checked_out_at, a.check_out_method, r.id AS record_id, r.state AS record_state, r.minutes
             FROM signups s JOIN volunteers v ON v.id = s.volunteer_id
             LEFT JOIN attendances a ON a.signup_id = s.id
             LEFT JOIN service_records r ON r.activity_id = s.activity_id AND r.volunteer_id = s.volunteer_id
             WHERE s.activity_id = $1 AND s.state NOT IN ($2, $3)
             ORDER BY s.state, v.name, s.id",
        )
        .bind(activity)
        .bind(SignupState::Cancelled.as_str())
        .bind(SignupState::Rejected.as_str())
        .fetch_all(conn)
        .await
    })
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RecordRow {
    pub id: RecordId,
    pub volunteer_id: VolunteerId,
    pub activity_id: ActivityId,
    pub region_code: String,
    #[sqlx(try_from = "String")]
    pub source: RecordSource,
    #[sqlx(try_from = "String")]
    pub state: RecordState,
    pub minutes: i64,
    pub version: i64,
    pub evidence_id: Option<i64>,
    pub entered_by: Option<AccountId>,
    pub created_at: OffsetDateTime,
}

macro_rules! record_columns {
    () => {
        "id, volunteer_id, activity_id, region_code, source, state, minutes, version, evidence_id, entered_by, created_at"
    };
}

pub struct NewRecord<'a> {
    pub id: RecordId,
    pub volunteer_id: VolunteerId,
    pub activity_id: ActivityId,
    pub region_code: &'a str,
    pub source: RecordSource,
    pub state: RecordState,
    pub minutes: i64,
    pub evidence_id: Option<i64>,
    pub entered_by: Option<AccountId>,
    pub at: OffsetDateTime,
}

/// The version a change writes: who asked, who approved, and why.
pub struct Version<'a> {
    pub action: VersionAction,
    pub state: RecordState,
    pub minutes: i64,
    /// The minutes present an adjustment credited more than.
    pub adjusted_from: Option<i64>,
    pub reason: &'a str,
    pub requested_by: &'a str,
    pub approved_by: Option<&'a str>,
    /// The account that wrote it (none for the system).
    pub written_by: Option<AccountId>,
    pub at: OffsetDateTime,
}

/// A new record and its first version; false when the volunteer has one for the activity already.
pub async fn insert_record(tx: &mut Tx, r: &NewRecord<'_>, first: &Version<'_>) -> sqlx::Result<bool> {
    let done = on_tx!(tx, |conn| {
        sqlx::query(
            "INSERT INTO service_records (id, volunteer_id, activity_id, region_code, source, state, minutes, version,
                evidence_id, entered_by, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $10, $9, $9) ON CONFLICT (volunteer_id, activity_id) DO NOTHING",
        )
        .bind(r.id)
        .bind(r.volunteer_id)
        .bind(r.activity_id)
        .bind(r.region_code)
        .bind(r.source.as_str())
        .bind(r.state.as_str())
        .bind(r.minutes)
        .bind(r.evidence_id)
        .bind(r.at)
        .bind(r.entered_by)
        .execute(conn)
        .await
        .map(|done| done.rows_affected())
    })?;
    if done == 0 {
        return Ok(false);
    }
    insert_version(tx, r.id, 1, first).await?;
    Ok(true)
}

async fn insert_version(tx: &mut Tx, record: RecordId, number: i64, v: &Version<'_>) -> sqlx::Result<()> {
    on_tx!(tx, |conn| {
        sqlx::query(
            "INSERT INTO record_versions (record_id, version, action, state, minutes, reason, requested_by, approved_by,
                created_at, adjusted_from, written_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(record)
        .bind(number)
        .bind(v.action.as_str())
        .bind(v.state.as_str())
        .bind(v.minutes)
        .bind(v.reason)
        .bind(v.requested_by)
        .bind(v.approved_by)
        .bind(v.at)
        .bind(v.adjusted_from)
        .bind(v.written_by)
        .execute(conn)
        .await
        .map(|done| done.rows_affected())
    })?;
    Ok(())
}

/// Writes the next version of a record that is still at `expected_version` (so two simultaneous
/// changes cannot both apply), and moves the volunteer's confirmed total by the difference.
/// False when another change came first.
pub async fn add_version(tx: &mut Tx, record: &RecordRow, v: &Version<'_>) -> sqlx::Result<bool> {
    let next = record.version + 1;
    // The version first: the database lets a record change only to a version already written
    // (per-engine step 0028). Another request that wrote it first wins; the caller then rolls
    // this transaction back.
    match insert_version(tx, record.id, next, v).await {
        Err(error) if crate::db::is_unique_violation(&error) => return Ok(false),
        written => written?,
    }
    let done = on_tx!(tx, |conn| {
        sqlx::query(
            "UPDATE service_records SET state = $3, minutes = $4, version = $5, updated_at = $6
             WHERE id = $1 AND version = $2",
        )
        .bind(record.id)
        .bind(record.version)
        .bind(v.state.as_str())
        .bind(v.minutes)
        .bind(next)
        .bind(v.at)
        .execute(conn)
        .await
        .map(|done| done.rows_affected())
    })?;
    if done == 0 {
        return Ok(false);
    }
    let counted = |state: RecordState, minutes: i64| if state.counts() { minutes } else { 0 };
    let delta = counted(v.state, v.minutes) - counted(record.state, record.minutes);
    if delta != 0 {
        add_confirmed_minutes(tx, record.volunteer_id, &record.region_code, delta).await?;
    }
    Ok(true)
}

pub async fn record(tx: &mut Tx, id: RecordId) -> sqlx::Result<Option<RecordRow>> {
    let sql = concat!("SELECT ", record_columns!(), " FROM service_records WHERE id = $1");
    on_tx!(tx, |conn| sqlx::query_as::<_, RecordRow>(sql)
        .bind(id)
        .fetch_optional(conn)
        .await)
}

pub async fn record_of(tx: &mut Tx, volunteer: VolunteerId, activity: ActivityId) -> sqlx::Result<Option<RecordRow>> {
    let sql = concat!(
        "SELECT ",
        record_columns!(),
        " FROM service_records WHERE volunteer_id = $1 AND activity_id = $2"
    );
    on_tx!(tx, |conn| {
        sqlx::query_as::<_, RecordRow>(sql)
            .bind(volunteer)
            .bind(activity)
            .fetch_optional(conn)
            .await
    })
}

/// A record with what a volunteer's list and a certificate show of its activity.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RecordLine {
    pub id: RecordId,
    pub activity_id: ActivityId,
    pub activity_title: String,
    #[sqlx(try_from = "String")]
    pub activity_kind: ActivityKind,
    pub starts_at: OffsetDateTime,
    pub ends_at: OffsetDateTime,
    pub address: String,
    pub organizer: String,
    #[sqlx(try_from = "String")]
    pub source: RecordSource,
    #[sqlx(try_from = "String")]
    pub state: RecordState,
    pub minutes: i64,
    pub version: i64,
}

pub async fn records_of_volunteer(tx: &mut Tx, volunteer: VolunteerId) -> sqlx::Result<Vec<RecordLine>> {
    on_tx!(tx, |conn| {
        sqlx::query_as::<_, RecordLine>(
            "SELECT r.id, r.activity_id, a.title AS activity_title, a.kind AS activity_kind, a.starts_at, a.ends_at,
                    a.address, COALESCE(t.name, s.name, '') AS organizer, r.source, r.state, r.minutes, r.version
             FROM service_records r JOIN activities a ON a.id = r.activity_id
             JOIN projects p ON p.id = a.project_id
             LEFT JOIN teams t ON t.id = p.team_id
             LEFT JOIN sites s ON s.id = p.site_id
             WHERE r.volunteer_id = $1 ORDER BY a.starts_at DESC, r.id",
        )
        .bind(volunteer)
        .fetch_all(conn)
        .await
    })
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct VersionRow {
    pub record_id: RecordId,
    pub version: i64,
    #[sqlx(try_from = "String")]
    pub action: VersionAction,
    #[sqlx(try_from = "String")]
    pub state: RecordState,
    pub minutes: i64,
    pub reason: String,
    pub requested_by: String,
    pub approved_by: Option<String>,
    pub created_at: OffsetDateTime,
    pub adjusted_from: Option<i64>,
}

/// Every version of every record of a volunteer, by record and version.
pub async fn versions_of_volunteer(tx: &mut Tx, volunteer: VolunteerId) -> sqlx::Result<Vec<VersionRow>> {
    on_tx!(tx, |conn| {
        sqlx::query_as::<_, VersionRow>(
            "SELECT v.record_id, v.version, v.action, v.state, v.minutes, v.reason, v.requested_by, v.approved_by, v.created_at,
                    v.adjusted_from
             FROM record_versions v JOIN service_records r ON r.id = v.record_id
             WHERE r.volunteer_id = $1 ORDER BY v.record_id, v.version",
        )
        .bind(volunteer)
        .fetch_all(conn)
        .await
    })
}

/// Adds confirmed minutes to the volunteer's total and to the figures of the region the service
/// was done in (a record confirmed at its creation, or the difference a new version makes).
pub async fn add_confirmed_minutes(
    tx: &mut Tx,
    volunteer: VolunteerId,
    region: &str,
    minutes: i64,
) -> sqlx::Result<()> {
    on_tx!(tx, |conn| {
        sqlx::query("UPDATE volunteers SET confirmed_minutes = confirmed_minutes + $2 WHERE id = $1")
            .bind(volunteer)
            .bind(minutes)
            .execute(conn)
            .await
            .map(|done| done.rows_affected())
    })?;
    let delta = crate::figures::Figures {
        service_minutes: minutes,
        ..Default::default()
    };
    crate::figures::bump(tx, region, &delta).await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CorrectionRow {
    pub id: i64,
    pub record_id: Option<RecordId>,
    pub activity_id: ActivityId,
    pub volunteer_id: VolunteerId,
    pub minutes: i64,
    pub reason: String,
    #[sqlx(try_from = "String")]
    pub state: CorrectionState,
    pub requested_by: String,
    pub decided_by: Option<String>,
    pub decision_note: Option<String>,
    /// The organizer who approved a request crediting beyond the adjustment limit, which then
    /// waits for the site above.
    pub endorsed_by: Option<AccountId>,
}

macro_rules! correction_columns {
    () => {
        "id, record_id, activity_id, volunteer_id, minutes, reason, state, requested_by, decided_by, decision_note,
         endorsed_by"
    };
}

pub struct NewCorrection<'a> {
    pub id: i64,
    pub record_id: Option<RecordId>,
    pub activity_id: ActivityId,
    pub volunteer_id: VolunteerId,
    pub minutes: i64,
    pub reason: &'a str,
    pub requested_by: &'a str,
    pub at: OffsetDateTime,
}

pub async fn insert_correction(tx: &mut Tx, c: &NewCorrection<'_>) -> sqlx::Result<()> {
    on_tx!(tx, |conn| {
        sqlx::query(
            "INSERT INTO correction_requests (id, record_id, activity_id, volunteer_id, minutes, reason, state,
                requested_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $9, $7, $8)",
        )
        .bind(c.id)
        .bind(c.record_id)
        .bind(c.activity_id)
        .bind(c.volunteer_id)
        .bind(c.minutes)
        .bind(c.reason)
        .bind(c.requested_by)
        .bind(c.at)
        .bind(CorrectionState::Open.as_str())
        .execute(conn)
        .await
        .map(|done| done.rows_affected())
    })?;
    Ok(())
}

pub async fn correction(tx: &mut Tx, id: i64) -> sqlx::Result<Option<CorrectionRow>> {
    let sql = concat!(
        "SELECT ",
        correction_columns!(),
        " FROM correction_requests WHERE id = $1"
    );
    on_tx!(tx, |conn| sqlx::query_as::<_, CorrectionRow>(sql)
        .bind(id)
        .fetch_optional(conn)
        .await)
}

/// Whether the volunteer has an open request about this activity.
pub async fn open_correction_exists(tx: &mut Tx, volunteer: VolunteerId, activity: ActivityId) -> sqlx::Result<bool> {
    on_tx!(tx, |conn| {
        sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM correction_requests WHERE volunteer_id = $1 AND activity_id = $2 AND state = $3",
        )
        .bind(volunteer)
        .bind(activity)
        .bind(CorrectionState::Open.as_str())
        .fetch_one(conn)
        .await
        .map(|n| n > 0)
    })
}

pub async fn corrections_of_activity(tx: &mut Tx, activity: ActivityId) -> sqlx::Result<Vec<CorrectionRow>> {
    let sql = concat!(
        "SELECT ",
        correction_columns!(),
        " FROM correction_requests WHERE activity_id = $1 ORDER BY id"
    );
    on_tx!(tx, |conn| {
        sqlx::query_as::<_, CorrectionRow>(sql)
            .bind(activity)
            .fetch_all(conn)
            .await
    })
}

/// Endorses an open request for the site above; false when it was decided or endorsed already.
pub async fn endorse_correction(tx: &mut Tx, id: i64, by: AccountId, at: OffsetDateTime) -> sqlx::Result<bool> {
    let done = on_tx!(tx, |conn| {
        sqlx::query(
            "UPDATE correction_requests SET endorsed_by = $2, endorsed_at = $3
             WHERE id = $1 AND state = $4 AND endorsed_by IS NULL",
        )
        .bind(id)
        .bind(by)
        .bind(at)
        .bind(CorrectionState::Open.as_str())
        .execute(conn)
        .await
        .map(|done| done.rows_affected())
    })?;
    Ok(done == 1)
}

/// Open requests endorsed for the site above, of activities in regions under `prefix`, with the
/// region of each.
pub async fn endorsed_corrections(tx: &mut Tx, prefix: &str) -> sqlx::Result<Vec<(CorrectionRow, String)>> {
    let sql = concat!(
        "SELECT ",
        correction_columns!(),
        ", region_code FROM (SELECT c.*, a.region_code FROM correction_requests c
            JOIN activities a ON a.id = c.activity_id) AS e
         WHERE state = $1 AND endorsed_by IS NOT NULL AND region_code LIKE $2 ORDER BY id"
    );
    let rows: Vec<EndorsedRow> = on_tx!(tx, |conn| {
        sqlx::query_as::<_, EndorsedRow>(sql)
            .bind(CorrectionState::Open.as_str())
            .bind(format!("{prefix}%"))
            .fetch_all(conn)
            .await
    })?;
    Ok(rows.into_iter().map(|r| (r.request, r.region_code)).collect())
}

#[derive(sqlx::FromRow)]
struct EndorsedRow {
    #[sqlx(flatten)]
    request: CorrectionRow,
    region_code: String,
}

/// Every account that took part in the record: wrote a version of it, entered it, or marked the
/// attendance it comes from by hand.
pub async fn accounts_on(tx: &mut Tx, record: RecordId) -> sqlx::Result<Vec<AccountId>> {
    on_tx!(tx, |conn| {
        sqlx::query_scalar::<_, AccountId>(
            "SELECT written_by FROM record_versions WHERE record_id = $1 AND written_by IS NOT NULL
             UNION SELECT entered_by FROM service_records WHERE id = $1 AND entered_by IS NOT NULL
             UNION SELECT a.check_in_by FROM attendances a JOIN service_records r
                 ON r.activity_id = a.activity_id AND r.volunteer_id = a.volunteer_id
                 WHERE r.id = $1 AND a.check_in_by IS NOT NULL
             UNION SELECT a.check_out_by FROM attendances a JOIN service_records r
                 ON r.activity_id = a.activity_id AND r.volunteer_id = a.volunteer_id
                 WHERE r.id = $1 AND a.check_out_by IS NOT NULL",
        )
        .bind(record)
        .fetch_all(conn)
        .await
    })
}

/// Keeps a check-in nonce's hash for `activity`, usable until `expires`.
pub async fn insert_nonce(
    tx: &mut Tx,
    hash: &str,
    activity: ActivityId,
    (issued, expires): (OffsetDateTime, OffsetDateTime),
) -> sqlx::Result<()> {
    on_tx!(tx, |conn| {
        sqlx::query(
            "INSERT INTO checkin_nonces (nonce_hash, activity_id, issued_at, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(hash)
        .bind(activity)
        .bind(issued)
        .bind(expires)
        .execute(conn)
        .await
        .map(drop)
    })
}

/// The activity of a nonce nobody used yet and still alive at `now`.
pub async fn nonce_activity(tx: &mut Tx, hash: &str, now: OffsetDateTime) -> sqlx::Result<Option<ActivityId>> {
    on_tx!(tx, |conn| {
        sqlx::query_scalar::<_, ActivityId>(
            "SELECT activity_id FROM checkin_nonces WHERE nonce_hash = $1 AND used_at IS NULL AND expires_at > $2",
        )
        .bind(hash)
        .bind(now)
        .fetch_optional(conn)
        .await
    })
}

/// Uses a live nonce of `activity` for `account`, once; false when it is used, expired or not
/// the activity's.
pub async fn use_nonce(
    tx: &mut Tx,
    hash: &str,
    activity: ActivityId,
    (account, now): (AccountId, OffsetDateTime),
) -> sqlx::Result<bool> {
    let done = on_tx!(tx, |conn| {
        sqlx::query(
            "UPDATE checkin_nonces SET used_at = $4, used_by = $3
             WHERE nonce_hash = $1 AND activity_id = $2 AND used_at IS NULL AND expires_at > $4",
        )
        .bind(hash)
        .bind(activity)
        .bind(account)
        .bind(now)
        .execute(conn)
        .await
        .map(|done| done.rows_affected())
    })?;
    Ok(done == 1)
}

/// Forgets nonces that expired before `before`; how many.
pub async fn forget_nonces(tx: &mut Tx, before: OffsetDateTime) -> sqlx::Result<u64> {
    on_tx!(tx, |conn| {
        sqlx::query("DELETE FROM checkin_nonces WHERE expires_at < $1")
            .bind(before)
            .execute(conn)
            .await
            .map(|done| done.rows_affected())
    })
}

/// A county's own adjustment limit (minutes, percent), if the city set one.
pub async fn adjustment_limit(tx: &mut Tx, county: &str) -> sqlx::Result<Option<(i64, i64)>> {
    on_tx!(tx, |conn| {
        sqlx::query_as::<_, (i64, i64)>("SELECT minutes, percent FROM adjustment_limits WHERE county_code = $1")
            .bind(county)
            .fetch_optional(conn)
            .await
    })
}

/// Sets a county's adjustment limit.
pub async fn put_adjustment_limit(
    tx: &mut Tx,
    county: &str,
    (minutes, percent): (i64, i64),
    (by, at): (&str, OffsetDateTime),
) -> sqlx::Result<()> {
    on_tx!(tx, |conn| {
        sqlx::query(
            "INSERT INTO adjustment_limits (county_code, minutes, percent, set_by, set_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (county_code) DO UPDATE SET minutes = $2, percent = $3, set_by = $4, set_at = $5",
        )
        .bind(county)
        .bind(minutes)
        .bind(percent)
        .bind(by)
        .bind(at)
        .execute(conn)
        .await
        .map(drop)
    })
}

/// One version of a record.
pub async fn version_of(tx: &mut Tx, record: RecordId, number: i64) -> sqlx::Result<Option<VersionRow>> {
    on_tx!(tx, |conn| {
        sqlx::query_as::<_, VersionRow>(
            "SELECT record_id, version, action, state, minutes, reason, requested_by, approved_by, created_at,
                adjusted_from FROM record_versions WHERE record_id = $1 AND version = $2",
        )
        .bind(record)
        .bind(number)
        .fetch_optional(conn)
        .await
    })
}

/// Decides an open request endorsed as it was read; false when it was decided or endorsed since.
pub async fn decide_correction(
    tx: &mut Tx,
    (id, endorsed_by): (i64, Option<AccountId>),
    verdict: Verdict,
    (by, note): (&str, &str),
    at: OffsetDateTime,
) -> sqlx::Result<bool> {
    // Still as it was read: an endorsement that came in between goes to the site above.
    let done = on_tx!(tx, |conn| {
        sqlx::query(
            "UPDATE correction_requests SET state = $2, decided_by = $3, decision_note = $4, decided_at = $5
             WHERE id = $1 AND state = $6 AND endorsed_by IS NOT DISTINCT FROM $7",
        )
        .bind(id)
        .bind(verdict.correction().as_str())
        .bind(by)
        .bind(note)
        .bind(at)
        .bind(CorrectionState::Open.as_str())
        .bind(endorsed_by)
        .execute(conn)
        .await
        .map(|done| done.rows_affected())
    })?;
    Ok(done == 1)
}

pub async fn insert_evidence(
    tx: &mut Tx,
    id: i64,
    (file_name, content_type): (&str, &str),
    content: &[u8],
    (by, at): (&str, OffsetDateTime),
) -> sqlx::Result<()> {
    on_tx!(tx, |conn| {
        sqlx::query(
            "INSERT INTO evidence_files (id, file_name, content_type, content, uploaded_by, created_at, cleaned_at)
             VALUES ($1, $2, $3, $4, $5, $6, $6)",
        )
        .bind(id)
        .bind(file_name)
        .bind(content_type)
        .bind(content)
        .bind(by)
        .bind(at)
        .execute(conn)
        .await
        .map(|done| done.rows_affected())
    })?;
    Ok(())
}

/// Evidence files stored before uploads were cleaned (`cleaned_at` empty): id, type and bytes.
pub async fn uncleaned_evidence(tx: &mut Tx, limit: i64) -> sqlx::Result<Vec<(i64, String, Vec<u8>)>> {
    on_tx!(tx, |conn| {
        sqlx::query_as::<_, (i64, String, Vec<u8>)>(
            "SELECT id, content_type, content FROM evidence_files WHERE cleaned_at IS NULL ORDER BY id LIMIT $1",
        )
        .bind(limit)
        .fetch_all(conn)
        .await
    })
}

/// Marks an evidence file cleaned, with its new bytes (none: kept as they are); false when it
/// was cleaned already.
pub async fn set_cleaned_evidence(
    tx: &mut Tx,
    id: i64,
    content: Option<&[u8]>,
    at: OffsetDateTime,
) -> sqlx::Result<bool> {
    let done = on_tx!(tx, |conn| {
        sqlx::query(
            "UPDATE evidence_files SET content = COALESCE($2, content), cleaned_at = $3
             WHERE id = $1 AND cleaned_at IS NULL",
        )
        .bind(id)
        .bind(content)
        .bind(at)
        .execute(conn)
        .await
        .map(|done| done.rows_affected())
    })?;
    Ok(done == 1)
}

/// An evidence file: name, type and bytes.
pub async fn evidence(tx: &mut Tx, id: i64) -> sqlx::Result<Option<(String, String, Vec<u8>)>> {
    on_tx!(tx, |conn| {
        sqlx::query_as::<_, (String, String, Vec<u8>)>(
            "SELECT file_name, content_type, content FROM evidence_files WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(conn)
        .await
    })
}

/// A record waiting for its second approver: since when, and where it was escalated to, if it was.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AwaitingRow {
    #[sqlx(flatten)]
    pub record: RecordRow,
    pub updated_at: OffsetDateTime,
    pub escalated_to: Option<String>,
}

/// Records of the regions under `prefix` waiting for a second approval, oldest first.
pub async fn awaiting_second(tx: &mut Tx, prefix: &str) -> sqlx::Result<Vec<AwaitingRow>> {
    let sql = concat!(
        "SELECT ",
        record_columns!(),
        ", updated_at, escalated_to FROM (SELECT s.*, e.region_code AS escalated_to FROM service_records s
            LEFT JOIN record_escalations e ON e.record_id = s.id AND e.version = s.version WHERE s.state = $2) AS w
         WHERE region_code LIKE $1 || '%' ORDER BY updated_at, id"
    );
    on_tx!(tx, |conn| {
        sqlx::query_as::<_, AwaitingRow>(sql)
            .bind(prefix)
            .bind(RecordState::AwaitingSecond.as_str())
            .fetch_all(conn)
            .await
    })
}

/// Records waiting for a second approval since before `before`, not escalated yet.
pub async fn awaiting_unescalated(tx: &mut Tx, before: OffsetDateTime) -> sqlx::Result<Vec<AwaitingRow>> {
    let sql = concat!(
        "SELECT ",
        record_columns!(),
        ", updated_at, CAST(NULL AS TEXT) AS escalated_to FROM service_records s
         WHERE state = $1 AND updated_at < $2
           AND NOT EXISTS (SELECT 1 FROM record_escalations e WHERE e.record_id = s.id AND e.version = s.version)
         ORDER BY updated_at, id LIMIT 500"
    );
    on_tx!(tx, |conn| {
        sqlx::query_as::<_, AwaitingRow>(sql)
            .bind(RecordState::AwaitingSecond.as_str())
            .bind(before)
            .fetch_all(conn)
            .await
    })
}

/// Escalates a record still awaiting its second approver at `version` to `region`; false when
/// that wait was escalated already or is over.
pub async fn escalate(
    tx: &mut Tx,
    (record, version): (RecordId, i64),
    region: &str,
    at: OffsetDateTime,
) -> sqlx::Result<bool> {
    let done = on_tx!(tx, |conn| {
        sqlx::query(
            "INSERT INTO record_escalations (record_id, version, region_code, escalated_at)
             SELECT id, version, $2, $3 FROM service_records WHERE id = $1 AND state = $4 AND version = $5
             ON CONFLICT (record_id, version) DO NOTHING",
        )
        .bind(record)
        .bind(region)
        .bind(at)
        .bind(RecordState::AwaitingSecond.as_str())
        .bind(version)
        .execute(conn)
        .await
        .map(|done| done.rows_affected())
    })?;
    Ok(done == 1)
}

/// Activities of the regions under `prefix` that ended before `ended_before` with records not yet
/// all confirmed: sign-ups still checked in, pending records, or records awaiting a second approval.
pub async fn unfinished_activities(
    tx: &mut Tx,
    prefix: &str,
    ended_before: OffsetDateTime,
) -> sqlx::Result<Vec<(ActivityId, String, OffsetDateTime, i64)>> {
    on_tx!(tx, |conn| {
        sqlx::query_as::<_, (ActivityId, String, OffsetDateTime, i64)>(
            "SELECT a.id, a.title, a.ends_at, COUNT(r.id) FROM activities a
             JOIN service_records r ON r.activity_id = a.id AND r.state IN ($3, $4)
             WHERE a.region_code LIKE $1 || '%' AND a.ends_at < $2
             GROUP BY a.id, a.title, a.ends_at ORDER BY a.ends_at",
        )
        .bind(prefix)
        .bind(ended_before)
        .bind(RecordState::Pending.as_str())
        .bind(RecordState::AwaitingSecond.as_str())
        .fetch_all(conn)
        .await
    })
}

/// The deployment's holiday table: `(day, is_holiday)`.
pub async fn calendar_days(tx: &mut Tx) -> sqlx::Result<Vec<(String, bool)>> {
    on_tx!(tx, |conn| {
        sqlx::query_as::<_, (String, String)>("SELECT day, kind FROM calendar_days ORDER BY day")
            .fetch_all(conn)
            .await
    })
    .map(|rows| rows.into_iter().map(|(day, kind)| (day, kind == "holiday")).collect())
}

pub async fn put_calendar_day(tx: &mut Tx, day: &str, holiday: bool) -> sqlx::Result<()> {
    on_tx!(tx, |conn| {
        sqlx::query("INSERT INTO calendar_days (day, kind) VALUES ($1, $2) ON CONFLICT (day) DO UPDATE SET kind = $2")
            .bind(day)
            .bind(if holiday { "holiday" } else { "workday" })
            .execute(conn)
            .await
            .map(|done| done.rows_affected())
    })?;
    Ok(())
}

/// A certificate as issued: its number, holder, total and issuer, and the record versions it
/// certifies.
#[derive(Debug, Clone, Copy)]
pub struct NewCertificate<'a> {
    pub number: &'a str,
    pub volunteer: VolunteerId,
    pub total_minutes: i64,
    pub issuer: &'a str,
    pub lines: &'a [CertifiedRecord],
    pub at: OffsetDateTime,
}

/// A record at the version a certificate certified, with the minutes it had then.
#[derive(Debug, Clone, Copy)]
pub struct CertifiedRecord {
    pub record: RecordId,
    pub version: i64,
    pub minutes: i64,
}

pub async fn insert_certificate(tx: &mut Tx, certificate: &NewCertificate<'_>) -> sqlx::Result<()> {
    let NewCertificate {
        number,
        volunteer,
        total_minutes,
        issuer,
        lines,
        at,
    } = *certificate;
    on_tx!(tx, |conn| {
        sqlx::query(
            "INSERT INTO certificates (certificate_number, volunteer_id, total_minutes, issuer, issued_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(number)
        .bind(volunteer)
        .bind(total_minutes)
        .bind(issuer)
        .bind(at)
        .execute(conn)
        .await
        .map(|done| done.rows_affected())
    })?;
    for &CertifiedRecord {
        record,
        version,
        minutes,
    } in lines
    {
        on_tx!(tx, |conn| {
            sqlx::query(
                "INSERT INTO certificate_lines (certificate_number, record_id, version, minutes) VALUES ($1, $2, $3, $4)",
            )
            .bind(number)
            .bind(record)
            .bind(version)
            .bind(minutes)
            .execute(conn)
            .await
            .map(|done| done.rows_affected())
        })?;
    }
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CertificateRow {
    pub certificate_number: String,
    pub volunteer_id: VolunteerId,
    pub total_minutes: i64,
    pub issuer: String,
    pub issued_at: OffsetDateTime,
}

pub async fn certificate(tx: &mut Tx, number: &str) -> sqlx::Result<Option<CertificateRow>> {
    on_tx!(tx, |conn| {
        sqlx::query_as::<_, CertificateRow>(
            "SELECT certificate_number, volunteer_id, total_minutes, issuer, issued_at FROM certificates
             WHERE certificate_number = $1",
        )
        .bind(number)
        .fetch_optional(conn)
        .await
    })
}

/// The lines of a certificate with the current state and version of each record.
/// A line of a certificate: the record and version it certified, and the record now.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CertificateLine {
    pub record_id: RecordId,
    pub version: i64,
    pub minutes: i64,
    #[sqlx(try_from = "String")]
    pub state_now: RecordState,
    pub version_now: i64,
}

pub async fn certificate_lines(tx: &mut Tx, number: &str) -> sqlx::Result<Vec<CertificateLine>> {
    on_tx!(tx, |conn| {
        sqlx::query_as::<_, CertificateLine>(
            "SELECT l.record_id, l.version, l.minutes, r.state AS state_now, r.version AS version_now
             FROM certificate_lines l JOIN service_records r ON r.id = l.record_id
             WHERE l.certificate_number = $1 ORDER BY l.record_id",
        )
        .bind(number)
        .fetch_all(conn)
        .await
    })
}

/// Whether the volunteer has another live record whose activity overlaps `[starts, ends)`.
pub async fn overlapping_records(
    tx: &mut Tx,
    volunteer: VolunteerId,
    activity: ActivityId,
    (starts, ends): (OffsetDateTime, OffsetDateTime),
) -> sqlx::Result<i64> {
    on_tx!(tx, |conn| {
        sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM service_records r JOIN activities a ON a.id = r.activity_id
             WHERE r.volunteer_id = $1 AND r.activity_id <> $2 AND r.state NOT IN ($5, $6)
               AND r.minutes > 0 AND a.starts_at < $4 AND a.ends_at > $3",
        )
        .bind(volunteer)
        .bind(activity)
        .bind(starts)
        .bind(ends)
        .bind(RecordState::Rejected.as_str())
        .bind(RecordState::Revoked.as_str())
        .fetch_one(conn)
        .await
    })
}

/// The minutes of a volunteer's live records of activities starting in `[from, to)`.
pub async fn minutes_between(
    tx: &mut Tx,
    volunteer: VolunteerId,
    (from, to): (OffsetDateTime, OffsetDateTime),
) -> sqlx::Result<i64> {
    on_tx!(tx, |conn| {
        sqlx::query_scalar::<_, i64>(
            "SELECT CAST(COALESCE(SUM(r.minutes), 0) AS BIGINT) FROM service_records r JOIN activities a ON a.id = r.activity_id
             WHERE r.volunteer_id = $1 AND r.state NOT IN ($4, $5) AND a.starts_at >= $2 AND a.starts_at < $3",
        )
        .bind(volunteer)
        .bind(from)
        .bind(to)
        .bind(RecordState::Rejected.as_str())
        .bind(RecordState::Revoked.as_str())
        .fetch_one(conn)
        .await
    })
}

/// Backfills one account entered since `since`.
pub async fn backfills_entered_since(tx: &mut Tx, account: AccountId, since: OffsetDateTime) -> sqlx::Result<i64> {
    on_tx!(tx, |conn| {
        sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM service_records WHERE source = $3 AND entered_by = $1 AND created_at >= $2",
        )
        .bind(account)
        .bind(since)
        .bind(RecordSource::Backfill.as_str())
        .fetch_one(conn)
        .await
    })
}

pub struct NewFlag<'a> {
    pub kind: FlagKind,
    pub record_id: RecordId,
    pub region_code: &'a str,
    pub volunteer_id: VolunteerId,
    pub detail: &'a str,
    /// The minutes the record credits as it is flagged.
    pub minutes: i64,
    pub at: OffsetDateTime,
}

/// Whether a flag of this kind of the record is open, or was raised when it credited `minutes`
/// or more: raising another would tell its reviewers nothing new.
pub async fn flag_covered(tx: &mut Tx, kind: FlagKind, record: RecordId, minutes: i64) -> sqlx::Result<bool> {
    on_tx!(tx, |conn| {
        sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM anomaly_flags f LEFT JOIN flag_resolutions r ON r.flag_id = f.id
             WHERE f.kind = $1 AND f.record_id = $2 AND (r.flag_id IS NULL OR f.minutes >= $3)",
        )
        .bind(kind.as_str())
        .bind(record)
        .bind(minutes)
        .fetch_one(conn)
        .await
        .map(|n| n > 0)
    })
}

/// Raises a flag of a record crediting `minutes`: unless one of that kind is open, or was raised
/// when it credited as much or more (a resolved flag covers what its reviewer saw, not more).
pub async fn raise_flag(tx: &mut Tx, f: &NewFlag<'_>) -> sqlx::Result<()> {
    on_tx!(tx, |conn| {
        sqlx::query(
            "INSERT INTO anomaly_flags (id, kind, record_id, region_code, volunteer_id, detail, state, created_at, minutes)
             SELECT $1, $2, $3, $4, $5, $6, $8, $7, $9 WHERE NOT EXISTS (
                 SELECT 1 FROM anomaly_flags f LEFT JOIN flag_resolutions r ON r.flag_id = f.id
                 WHERE f.kind = $2 AND f.record_id = $3 AND (r.flag_id IS NULL OR f.minutes >= $9))
             ON CONFLICT (kind, record_id, minutes) DO NOTHING",
        )
        .bind(crate::new_id::<i64>())
        .bind(f.kind.as_str())
        .bind(f.record_id)
        .bind(f.region_code)
        .bind(f.volunteer_id)
        .bind(f.detail)
        .bind(f.at)
        .bind(FlagState::Open.as_str())
        .bind(f.minutes)
        .execute(conn)
        .await
        .map(|done| done.rows_affected())
    })?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FlagRow {
    pub id: i64,
    #[sqlx(try_from = "String")]
    pub kind: FlagKind,
    pub record_id: RecordId,
    pub region_code: String,
    pub volunteer_id: VolunteerId,
    pub detail: String,
    pub resolved_by: Option<String>,
    pub resolution_note: Option<String>,
    pub created_at: OffsetDateTime,
}

impl FlagRow {
    /// Resolved when a resolution was written for it (flags themselves never change).
    pub fn state(&self) -> FlagState {
        if self.resolved_by.is_some() {
            FlagState::Resolved
        } else {
            FlagState::Open
        }
    }
}

/// A flag with its resolution, if it has one.
macro_rules! flag_columns {
    () => {
        "f.id, f.kind, f.record_id, f.region_code, f.volunteer_id, f.detail, r.resolved_by,
         r.note AS resolution_note, f.created_at
         FROM anomaly_flags f LEFT JOIN flag_resolutions r ON r.flag_id = f.id"
    };
}

pub async fn open_flags(tx: &mut Tx, prefix: &str) -> sqlx::Result<Vec<FlagRow>> {
    let sql = concat!(
        "SELECT ",
        flag_columns!(),
        " WHERE r.flag_id IS NULL AND f.region_code LIKE $1 || '%' ORDER BY f.created_at, f.id LIMIT 500"
    );
    on_tx!(tx, |conn| sqlx::query_as::<_, FlagRow>(sql)
        .bind(prefix)
        .fetch_all(conn)
        .await)
}

/// The ids of a record's flags that have no resolution.
pub async fn open_flags_of_record(tx: &mut Tx, record: RecordId) -> sqlx::Result<Vec<i64>> {
    on_tx!(tx, |conn| {
        sqlx::query_scalar::<_, i64>(
            "SELECT f.id FROM anomaly_flags f LEFT JOIN flag_resolutions r ON r.flag_id = f.id
             WHERE f.record_id = $1 AND r.flag_id IS NULL ORDER BY f.id",
        )
        .bind(record)
        .fetch_all(conn)
        .await
    })
}

pub async fn flag(tx: &mut Tx, id: i64) -> sqlx::Result<Option<FlagRow>> {
    let sql = concat!("SELECT ", flag_columns!(), " WHERE f.id = $1");
    on_tx!(tx, |conn| sqlx::query_as::<_, FlagRow>(sql)
        .bind(id)
        .fetch_optional(conn)
        .await)
}

pub async fn flags_of_record(tx: &mut Tx, record: RecordId) -> sqlx::Result<Vec<FlagRow>> {
    let sql = concat!("SELECT ", flag_columns!(), " WHERE f.record_id = $1 ORDER BY f.id");
    on_tx!(tx, |conn| sqlx::query_as::<_, FlagRow>(sql)
        .bind(record)
        .fetch_all(conn)
        .await)
}

/// Resolves an open flag with a note, as a row of its own; false when it was resolved already.
pub async fn resolve_flag(tx: &mut Tx, id: i64, (by, note): (&str, &str), at: OffsetDateTime) -> sqlx::Result<bool> {
    let done = on_tx!(tx, |conn| {
        sqlx::query(
            "INSERT INTO flag_resolutions (flag_id, resolved_by, note, resolved_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (flag_id) DO NOTHING",
        )
        .bind(id)
        .bind(by)
        .bind(note)
        .bind(at)
        .execute(conn)
        .await
        .map(|done| done.rows_affected())
    })?;
    Ok(done == 1)
}
