//! Activities and sign-ups. Places are taken and given back only by conditional updates, so the
//! count can never pass the capacity whatever the concurrency; a refused sign-up writes nothing.

use crate::Tx;
use crate::db::{decode, on_tx};
use hongmajia_domain::activity::{ActivityKind, ActivityState, NotificationKind, SignupState};
use hongmajia_domain::hours::CountingRule;
use hongmajia_domain::team::MembershipState;
use hongmajia_domain::{AccountId, ActivityId, ProjectId, SignupId, TeamId, VolunteerId};
use time::OffsetDateTime;

/// The sign-up states that hold or await a place, bound where a statement asks for them.
const LIVE: [SignupState; 3] = [SignupState::Pending, SignupState::Confirmed, SignupState::Waitlisted];
/// The sign-ups that hold the volunteer's time: live ones, and those checked in at.
const SIGNED_UP: [SignupState; 4] = [
    SignupState::Pending,
    SignupState::Confirmed,
    SignupState::Waitlisted,
    SignupState::Attended,
];

macro_rules! activity_columns {
    () => {
        "id, project_id, region_code, title, address, starts_at, ends_at, signup_opens_at, signup_closes_at,
         capacity, taken, waitlist_size, waitlisted, risk_notice, state, min_age, team_only <> 0 AS team_only,
         latitude, longitude, geofence_m, checkin_opens_min, kind, state_reason,
         requires_approval <> 0 AS requires_approval, count_nothing_up_to, count_half_up_to,
         min_presence_percent, insured <> 0 AS insured, audience_count, required_skills, created_at"
    };
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ActivityRow {
    pub id: ActivityId,
    pub project_id: ProjectId,
    pub region_code: String,
    pub title: String,
    pub address: String,
    pub starts_at: OffsetDateTime,
    pub ends_at: OffsetDateTime,
    pub signup_opens_at: OffsetDateTime,
    pub signup_closes_at: OffsetDateTime,
    pub capacity: i64,
    pub taken: i64,
    pub waitlist_size: i64,
    pub waitlisted: i64,
    pub risk_notice: String,
    #[sqlx(try_from = "String")]
    pub state: ActivityState,
    pub min_age: i64,
    pub team_only: bool,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub geofence_m: Option<i64>,
    pub checkin_opens_min: i64,
    #[sqlx(try_from = "String")]
    pub kind: ActivityKind,
    pub state_reason: Option<String>,
    pub requires_approval: bool,
    pub count_nothing_up_to: i64,
    pub count_half_up_to: i64,
    pub min_presence_percent: i64,
    pub insured: bool,
    pub audience_count: Option<i64>,
    pub required_skills: String,
    pub created_at: OffsetDateTime,
}

impl ActivityRow {
    /// Created more than two hours after its start or after its end
    /// (`domain::activity::is_after_the_fact`).
    pub fn is_after_the_fact(&self) -> bool {
        hongmajia_domain::activity::is_after_the_fact(self.created_at, (self.starts_at, self.ends_at))
    }
}

#[derive(Clone, Copy)]
pub struct NewActivity<'a> {
    pub id: ActivityId,
    pub project_id: ProjectId,
    pub region_code: &'a str,
    pub title: &'a str,
    pub address: &'a str,
    pub starts_at: OffsetDateTime,
    pub ends_at: OffsetDateTime,
    pub signup_opens_at: OffsetDateTime,
    pub signup_closes_at: OffsetDateTime,
    pub capacity: i64,
    pub waitlist_size: i64,
    pub risk_notice: &'a str,
    pub min_age: i64,
    pub team_only: bool,
    /// The activity's point and the geofence radius around it, when check-in is bound to the place.
    pub point: Option<(f64, f64)>,
    pub geofence_m: Option<i64>,
    pub kind: ActivityKind,
    pub requires_approval: bool,
    /// (nothing up to, half an hour up to, least presence in percent)
    pub counting: CountingRule,
    pub insured: bool,
    pub required_skills: &'a str,
    pub checkin_opens_min: i64,
    pub at: OffsetDateTime,
}

pub async fn insert(tx: &mut Tx, a: &NewActivity<'_>) -> sqlx::Result<()> {
    crate::load::insert_activities(tx, &[(*a, 0, None)]).await?;
    crate::figures::bump(tx, a.region_code, &crate::figures::Figures::activity(a.kind, 0, 1)).await?;
    Ok(())
}

pub async fn find(tx: &mut Tx, id: ActivityId) -> sqlx::Result<Option<ActivityRow>> {
    on_tx!(tx, |conn| {
        sqlx::query_as::<_, ActivityRow>(concat!(
            "SELECT ",
            activity_columns!(),
            " FROM activities WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(conn)
        .await
    })
}

/// Takes one place if one is left: the one statement that decides. Only of a published activity:
/// on PostgreSQL another transaction may cancel it between a sign-up's read and this update.
pub async fn take_place(tx: &mut Tx, id: ActivityId) -> sqlx::Result<bool> {
    let done = on_tx!(tx, |conn| {
        sqlx::query("UPDATE activities SET taken = taken + 1 WHERE id = $1 AND taken < capacity AND state = $2")
            .bind(id)
            .bind(ActivityState::Published.as_str())
            .execute(conn)
            .await
            .map(|done| done.rows_affected())
    })?;
    Ok(done == 1)
}

/// Takes one waiting-list place if one is left and the activity is still full (a place freed
/// since is to be taken instead); returns the place in the queue now and the sequence number
/// that orders the queue.
pub async fn take_waitlist_place(tx: &mut Tx, id: ActivityId) -> sqlx::Result<Option<(i64, i64)>> {
    on_tx!(tx, |conn| {
        sqlx::query_as::<_, (i64, i64)>(
            "UPDATE activities SET waitlisted = waitlisted + 1, waitlist_next = waitlist_next + 1
             WHERE id = $1 AND waitlisted < waitlist_size AND taken >= capacity AND state = $2
             RETURNING waitlisted, waitlist_next",
        )
        .bind(id)
        .bind(ActivityState::Published.as_str())
        .fetch_optional(conn)
        .await
    })
}

/// The published activity has a place left.
pub async fn has_free_place(tx: &mut Tx, id: ActivityId) -> sqlx::Result<bool> {
    let free = on_tx!(tx, |conn| {
        sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM activities WHERE id = $1 AND taken < capacity AND state = $2",
        )
        .bind(id)
        .bind(ActivityState::Published.as_str())
        .fetch_one(conn)
        .await
    })?;
    Ok(free > 0)
}

pub async fn give_back_place(tx: &mut Tx, id: ActivityId) -> sqlx::Result<()> {
    on_tx!(tx, |conn| {
        sqlx::query("UPDATE activities SET taken = taken - 1 WHERE id = $1 AND taken > 0")
            .bind(id)
            .execute(conn)
            .await
            .map(|done| done.rows_affected())
    })?;
    Ok(())
}

pub async fn give_back_waitlist_place(tx: &mut Tx, id: ActivityId) -> sqlx::Result<()> {
    on_tx!(tx, |conn| {
        sqlx::query("UPDATE activities SET waitlisted = waitlisted - 1 WHERE id = $1 AND waitlisted > 0")
            .bind(id)
            .execute(conn)
            .await
            .map(|done| done.rows_affected())
    })?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SignupRow {
    pub id: SignupId,
    pub activity_id: ActivityId,
    pub volunteer_id: VolunteerId,
    #[sqlx(try_from = "String")]
    pub state: SignupState,
    pub waitlist_seq: Option<i64>,
    pub position_id: Option<i64>,
}

pub async fn signup_of(tx: &mut Tx, activity: ActivityId, volunteer: VolunteerId) -> sqlx::Result<Option<SignupRow>> {
    on_tx!(tx, |conn| {
        sqlx::query_as::<_, SignupRow>(
            "SELECT id, activity_id, volunteer_id, state, waitlist_seq, position_id FROM signups WHERE activity_id = $1 AND volunteer_id = $2",
        )
        .bind(activity)
        .bind(volunteer)
        .fetch_optional(conn)
        .await
    })
}

pub async fn signup(tx: &mut Tx, id: SignupId) -> sqlx::Result<Option<SignupRow>> {
    on_tx!(tx, |conn| {
        sqlx::query_as::<_, SignupRow>(
            "SELECT id, activity_id, volunteer_id, state, waitlist_seq, position_id FROM signups WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(conn)
        .await
    })
}

/// A sign-up as written.
#[derive(Debug, Clone, Copy)]
pub struct SignupValues {
    pub id: SignupId,
    pub activity: ActivityId,
    pub volunteer: VolunteerId,
    pub state: SignupState,
    /// Its place in the waiting list's order, when it waits.
    pub waitlist_seq: Option<i64>,
    pub position: Option<i64>,
    pub at: OffsetDateTime,
}

/// A new sign-up, or a cancelled one taken up again (one row per volunteer and activity).
pub async fn put_signup(tx: &mut Tx, signup: &SignupValues) -> sqlx::Result<SignupId> {
    let SignupValues {
        id,
        activity,
        volunteer,
        state,
        waitlist_seq,
        position,
        at,
    } = *signup;
    on_tx!(tx, |conn| {
        sqlx::query_scalar::<_, SignupId>(
            "INSERT INTO signups (id, activity_id, volunteer_id, state, waitlist_seq, created_at, updated_at, position_id)
             VALUES ($1, $2, $3, $4, $5, $6, $6, $7)
             ON CONFLICT (activity_id, volunteer_id) DO UPDATE SET state = $4, waitlist_seq = $5, updated_at = $6,
                position_id = $7
             RETURNING id",
        )
        .bind(id)
        .bind(activity)
        .bind(volunteer)
        .bind(state.as_str())
        .bind(waitlist_seq)
        .bind(at)
        .bind(position)
        .fetch_one(conn)
        .await
    })
}

/// Moves a sign-up from `from` to `to`; false when another request moved it first.
pub async fn move_signup(
    tx: &mut Tx,
    id: SignupId,
    from: SignupState,
    to: SignupState,
    at: OffsetDateTime,
) -> sqlx::Result<bool> {
    let done = on_tx!(tx, |conn| {
        sqlx::query("UPDATE signups SET state = $3, updated_at = $4 WHERE id = $1 AND state = $2")
            .bind(id)
            .bind(from.as_str())
            .bind(to.as_str())
            .bind(at)
            .execute(conn)
            .await
            .map(|done| done.rows_affected())
    })?;
    Ok(done == 1)
}

/// The first of an activity's waiting list.
pub async fn first_waiting(tx: &mut Tx, activity: ActivityId) -> sqlx::Result<Option<SignupId>> {
    on_tx!(tx, |conn| {
        sqlx::query_scalar::<_, SignupId>(
            "SELECT id FROM signups WHERE activity_id = $1 AND state = $2 ORDER BY waitlist_seq, id LIMIT 1",
        )
        .bind(activity)
        .bind(SignupState::Waitlisted.as_str())
        .fetch_optional(conn)
        .await
    })
}

/// Where a volunteer stands before signing up for an activity, in one statement: the state of
/// their sign-up for it, if any, and whether a sign-up of theirs that holds their time (live, or
/// checked in at) overlaps `[starts, ends)`.
pub async fn standing(
    tx: &mut Tx,
    volunteer: VolunteerId,
    activity: ActivityId,
    starts: OffsetDateTime,
    ends: OffsetDateTime,
) -> sqlx::Result<(Option<SignupState>, bool)> {
    let (state, overlapping) = on_tx!(tx, |conn| {
        sqlx::query_as::<_, (Option<String>, i64)>(
            "SELECT (SELECT state FROM signups WHERE activity_id = $2 AND volunteer_id = $1),
                    (SELECT COUNT(*) FROM signups s JOIN activities a ON a.id = s.activity_id
                     WHERE s.volunteer_id = $1 AND s.activity_id <> $2 AND s.state IN ($5, $6, $7, $8)
                       AND a.starts_at < $4 AND a.ends_at > $3)",
        )
        .bind(volunteer)
        .bind(activity)
        .bind(starts)
        .bind(ends)
        .bind(SIGNED_UP[0].as_str())
        .bind(SIGNED_UP[1].as_str())
        .bind(SIGNED_UP[2].as_str())
        .bind(SIGNED_UP[3].as_str())
        .fetch_one(conn)
        .await
    })?;
    Ok((state.map(decode).transpose()?, overlapping > 0))
}

/// Sign-ups of an activity per state, for the checks of its counters.
pub async fn counts(tx: &mut Tx, activity: ActivityId) -> sqlx::Result<Vec<(SignupState, i64)>> {
    let rows = on_tx!(tx, |conn| {
        sqlx::query_as::<_, (String, i64)>("SELECT state, COUNT(*) FROM signups WHERE activity_id = $1 GROUP BY state")
            .bind(activity)
            .fetch_all(conn)
            .await
    })?;
    rows.into_iter().map(|(state, n)| Ok((decode(state)?, n))).collect()
}

/// The stored answer of a request made before with this key.
pub async fn remembered(tx: &mut Tx, account: AccountId, key: &str) -> sqlx::Result<Option<(String, i64, String)>> {
    on_tx!(tx, |conn| {
        sqlx::query_as::<_, (String, i64, String)>(
            "SELECT request_hash, status, body FROM idempotency_keys WHERE account_id = $1 AND idempotency_key = $2",
        )
        .bind(account)
        .bind(key)
        .fetch_optional(conn)
        .await
    })
}

pub async fn remember(
    tx: &mut Tx,
    account: AccountId,
    key: &str,
    request_hash: &str,
    status: i64,
    body: &str,
    at: OffsetDateTime,
) -> sqlx::Result<()> {
    on_tx!(tx, |conn| {
        sqlx::query(
            "INSERT INTO idempotency_keys (account_id, idempotency_key, request_hash, status, body, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(account)
        .bind(key)
        .bind(request_hash)
        .bind(status)
        .bind(body)
        .bind(at)
        .execute(conn)
        .await
        .map(|done| done.rows_affected())
    })?;
    Ok(())
}

/// Whether a volunteer is an active member of a team.
pub async fn is_member(tx: &mut Tx, team: TeamId, volunteer: VolunteerId) -> sqlx::Result<bool> {
    on_tx!(tx, |conn| {
        sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM team_members WHERE team_id = $1 AND volunteer_id = $2 AND state = $3",
        )
        .bind(team)
        .bind(volunteer)
        .bind(MembershipState::Member.as_str())
        .fetch_one(conn)
        .await
        .map(|n| n > 0)
    })
}

/// Published activities under a region that end after `from` and start before `until`, soonest
/// first, whose title or address holds `text` (literal, lower-cased; empty matches all) or whose
/// project's category is one of the comma-separated `categories` codes.
pub async fn upcoming(
    tx: &mut Tx,
    prefix: &str,
    (text, categories): (&str, &str),
    (from, until): (OffsetDateTime, OffsetDateTime),
    (limit, offset): (i64, i64),
) -> sqlx::Result<Vec<ActivityRow>> {
    // The project is joined (not an EXISTS) so both engines look it up by key for the few
    // activities found, rather than scan every project for the category.
    macro_rules! upcoming_sql {
        ($where:literal) => {
            concat!(
                "SELECT ",
                activity_columns!(),
                " FROM (SELECT a.* FROM activities a JOIN projects p ON p.id = a.project_id WHERE ",
                $where,
                " a.region_code LIKE $1 || '%' AND a.state = $9 AND a.ends_at > $3 AND a.starts_at < $6
                   AND ($2 = '' OR LOWER(a.title) LIKE '%' || $2 || '%' ESCAPE '\\'
                        OR LOWER(a.address) LIKE '%' || $2 || '%' ESCAPE '\\'
                        OR ',' || $5 || ',' LIKE '%,' || p.category || ',%')) AS a
                 ORDER BY a.starts_at, a.id LIMIT $4 OFFSET $8"
            )
        };
    }
    // In a county or below (what volunteers look through), the county index reads only that
    // county's coming activities. Across the city, the end-time index; planned with its values
    // each time, since a cached generic plan cannot see how few activities are still to come.
    let (sql, county, persistent) = match prefix.get(..6) {
        Some(county) => (upcoming_sql!("substr(a.region_code, 1, 6) = $7 AND"), county, true),
        None => (upcoming_sql!("$7 = $7 AND"), "", false),
    };
    on_tx!(tx, |conn| {
        sqlx::query_as::<_, ActivityRow>(sql)
            .persistent(persistent)
            .bind(prefix)
            .bind(text)
            .bind(from)
            .bind(limit)
            .bind(categories)
            .bind(until)
            .bind(county)
            .bind(offset)
            .bind(ActivityState::Published.as_str())
            .fetch_all(conn)
            .await
    })
}

pub async fn of_project(tx: &mut Tx, project: ProjectId) -> sqlx::Result<Vec<ActivityRow>> {
    let sql = concat!(
        "SELECT ",
        activity_columns!(),
        " FROM activities WHERE project_id = $1 ORDER BY starts_at, id"
    );
    on_tx!(tx, |conn| {
        sqlx::query_as::<_, ActivityRow>(sql)
            .bind(project)
            .fetch_all(conn)
            .await
    })
}

/// A volunteer's sign-ups with their activities, latest first.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OwnSignupRow {
    pub signup_id: SignupId,
    #[sqlx(try_from = "String")]
    pub state: SignupState,
    pub activity_id: ActivityId,
    pub title: String,
    pub address: String,
    pub starts_at: OffsetDateTime,
    pub ends_at: OffsetDateTime,
}

pub async fn signups_of_volunteer(tx: &mut Tx, volunteer: VolunteerId) -> sqlx::Result<Vec<OwnSignupRow>> {
    on_tx!(tx, |conn| {
        sqlx::query_as::<_, OwnSignupRow>(
            "SELECT s.id AS signup_id, s.state, a.id AS activity_id, a.title, a.address, a.starts_at, a.ends_at
             FROM signups s JOIN activities a ON a.id = s.activity_id
             WHERE s.volunteer_id = $1 ORDER BY a.starts_at DESC, s.id LIMIT 200",
        )
        .bind(volunteer)
        .fetch_all(conn)
        .await
    })
}

/// An activity's new time and place.
#[derive(Debug, Clone, Copy)]
pub struct NewTime<'a> {
    pub starts: OffsetDateTime,
    pub ends: OffsetDateTime,
    pub address: &'a str,
}

/// Moves the time and place of an activity that has not started.
pub async fn reschedule(tx: &mut Tx, id: ActivityId, new: &NewTime<'_>, at: OffsetDateTime) -> sqlx::Result<bool> {
    let NewTime { starts, ends, address } = *new;
    let done = on_tx!(tx, |conn| {
        sqlx::query(
            "UPDATE activities SET starts_at = $2, ends_at = $3, address = $4, updated_at = $5,
                signup_closes_at = CASE WHEN signup_closes_at > $2 THEN $2 ELSE signup_closes_at END
             WHERE id = $1 AND state = $6 AND starts_at > $5",
        )
        .bind(id)
        .bind(starts)
        .bind(ends)
        .bind(address)
        .bind(at)
        .bind(ActivityState::Published.as_str())
        .execute(conn)
        .await
        .map(|done| done.rows_affected())
    })?;
    Ok(done == 1)
}

/// Cancels a published activity with its reason, and every sign-up still holding or awaiting a
/// place; returns the volunteers who held or awaited one.
pub async fn cancel(tx: &mut Tx, id: ActivityId, reason: &str, at: OffsetDateTime) -> sqlx::Result<Option<Vec<i64>>> {
    let done = on_tx!(tx, |conn| {
        sqlx::query(
            "UPDATE activities SET state = $4, state_reason = $2, updated_at = $3
             WHERE id = $1 AND state = $5",
        )
        .bind(id)
        .bind(reason)
        .bind(at)
        .bind(ActivityState::Cancelled.as_str())
        .bind(ActivityState::Published.as_str())
        .execute(conn)
        .await
        .map(|done| done.rows_affected())
    })?;
    if done == 0 {
        return Ok(None);
    }
    let (region, kind, audience) = on_tx!(tx, |conn| {
        sqlx::query_as::<_, (String, String, Option<i64>)>(
            "SELECT region_code, kind, audience_count FROM activities WHERE id = $1",
        )
        .bind(id)
        .fetch_one(conn)
        .await
    })?;
    let gone = crate::figures::Figures::activity(decode(kind)?, audience.unwrap_or(0), -1);
    crate::figures::bump(tx, &region, &gone).await?;
    let holders = holders(tx, id).await?;
    on_tx!(tx, |conn| {
        sqlx::query(
            "UPDATE signups SET state = $3, updated_at = $2
             WHERE activity_id = $1 AND state IN ($4, $5, $6)",
        )
        .bind(id)
        .bind(at)
        .bind(SignupState::Cancelled.as_str())
        .bind(LIVE[0].as_str())
        .bind(LIVE[1].as_str())
        .bind(LIVE[2].as_str())
        .execute(conn)
        .await
        .map(|done| done.rows_affected())
    })?;
    Ok(Some(holders))
}

/// The volunteers holding or awaiting a place in an activity.
pub async fn holders(tx: &mut Tx, id: ActivityId) -> sqlx::Result<Vec<i64>> {
    on_tx!(tx, |conn| {
        sqlx::query_scalar::<_, i64>(
            "SELECT volunteer_id FROM signups WHERE activity_id = $1 AND state IN ($2, $3, $4)
             ORDER BY volunteer_id",
        )
        .bind(id)
        .bind(LIVE[0].as_str())
        .bind(LIVE[1].as_str())
        .bind(LIVE[2].as_str())
        .fetch_all(conn)
        .await
    })
}

/// What an in-app notice says: which activity, what happened, and the detail.
#[derive(Debug, Clone, Copy)]
pub struct Notice<'a> {
    pub kind: NotificationKind,
    pub activity: ActivityId,
    pub detail: &'a str,
}

/// One notice to each of `volunteers`.
pub async fn notify(tx: &mut Tx, volunteers: &[i64], notice: &Notice<'_>, at: OffsetDateTime) -> sqlx::Result<()> {
    let Notice { kind, activity, detail } = *notice;
    for volunteer in volunteers {
        on_tx!(tx, |conn| {
            sqlx::query(
                "INSERT INTO notifications (id, volunteer_id, kind, activity_id, detail, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(crate::new_id::<i64>())
            .bind(volunteer)
            .bind(kind.as_str())
            .bind(activity)
            .bind(detail)
            .bind(at)
            .execute(conn)
            .await
            .map(|done| done.rows_affected())
        })?;
    }
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct NotificationRow {
    pub id: i64,
    #[sqlx(try_from = "String")]
    pub kind: NotificationKind,
    pub activity_id: ActivityId,
    pub title: String,
    pub detail: String,
    pub created_at: OffsetDateTime,
    pub read_at: Option<OffsetDateTime>,
}

pub async fn notifications(tx: &mut Tx, volunteer: VolunteerId) -> sqlx::Result<Vec<NotificationRow>> {
    on_tx!(tx, |conn| {
        sqlx::query_as::<_, NotificationRow>(
            "SELECT n.id, n.kind, n.activity_id, a.title, n.detail, n.created_at, n.read_at
             FROM notifications n JOIN activities a ON a.id = n.activity_id
             WHERE n.volunteer_id = $1 ORDER BY n.created_at DESC, n.id DESC LIMIT 50",
        )
        .bind(volunteer)
        .fetch_all(conn)
        .await
    })
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PositionRow {
    pub id: i64,
    pub name: String,
    pub capacity: i64,
    pub taken: i64,
}

pub async fn insert_position(
    tx: &mut Tx,
    id: i64,
    activity: ActivityId,
    (name, capacity): (&str, i64),
) -> sqlx::Result<()> {
    on_tx!(tx, |conn| {
        sqlx::query(
            "INSERT INTO activity_positions (id, activity_id, name, capacity, taken) VALUES ($1, $2, $3, $4, 0)",
        )
        .bind(id)
        .bind(activity)
        .bind(name)
        .bind(capacity)
        .execute(conn)
        .await
        .map(|done| done.rows_affected())
    })?;
    Ok(())
}

pub async fn positions(tx: &mut Tx, activity: ActivityId) -> sqlx::Result<Vec<PositionRow>> {
    on_tx!(tx, |conn| {
        sqlx::query_as::<_, PositionRow>(
            "SELECT id, name, capacity, taken FROM activity_positions WHERE activity_id = $1 ORDER BY id",
        )
        .bind(activity)
        .fetch_all(conn)
        .await
    })
}

/// Takes a place of one position of the activity if one is left.
pub async fn take_position_place(tx: &mut Tx, activity: ActivityId, position: i64) -> sqlx::Result<bool> {
    let done = on_tx!(tx, |conn| {
        sqlx::query(
            "UPDATE activity_positions SET taken = taken + 1 WHERE id = $1 AND activity_id = $2 AND taken < capacity",
        )
        .bind(position)
        .bind(activity)
        .execute(conn)
        .await
        .map(|done| done.rows_affected())
    })?;
    Ok(done == 1)
}

pub async fn give_back_position_place(tx: &mut Tx, position: i64) -> sqlx::Result<()> {
    on_tx!(tx, |conn| {
        sqlx::query("UPDATE activity_positions SET taken = taken - 1 WHERE id = $1 AND taken > 0")
            .bind(position)
            .execute(conn)
            .await
            .map(|done| done.rows_affected())
    })?;
    Ok(())
}

/// Records a lecture's audience after it has taken place.
pub async fn set_audience(tx: &mut Tx, id: ActivityId, audience: i64, at: OffsetDateTime) -> sqlx::Result<bool> {
    let before = on_tx!(tx, |conn| {
        sqlx::query_as::<_, (String, Option<i64>)>("SELECT region_code, audience_count FROM activities WHERE id = $1")
            .bind(id)
            .fetch_optional(conn)
            .await
    })?;
    let done = on_tx!(tx, |conn| {
        sqlx::query(
            "UPDATE activities SET audience_count = $2, updated_at = $3
             WHERE id = $1 AND kind = $4 AND state = $5 AND starts_at <= $3",
        )
        .bind(id)
        .bind(audience)
        .bind(at)
        .bind(ActivityKind::Lecture.as_str())
        .bind(ActivityState::Published.as_str())
        .execute(conn)
        .await
        .map(|done| done.rows_affected())
    })?;
    if let (1, Some((region, previous))) = (done, before) {
        let delta = crate::figures::Figures {
            lecture_audience: audience - previous.unwrap_or(0),
            ..Default::default()
        };
        crate::figures::bump(tx, &region, &delta).await?;
    }
    Ok(done == 1)
}

/// Confirmed sign-ups of activities that ended in `[since, now)` with no check-in become
/// `no_show` (domain.md §3.2); returns how many.
pub async fn mark_no_shows(tx: &mut Tx, since: OffsetDateTime, now: OffsetDateTime) -> sqlx::Result<u64> {
    on_tx!(tx, |conn| {
        sqlx::query(
            "UPDATE signups SET state = $3, updated_at = $1
             WHERE state = $4
               AND activity_id IN (SELECT id FROM activities WHERE ends_at < $1 AND ends_at >= $2 AND state = $5)
               AND NOT EXISTS (SELECT 1 FROM attendances t WHERE t.signup_id = signups.id)",
        )
        // Planned with its values (the last week is a sliver of all activities), see `upcoming`.
        .persistent(false)
        .bind(now)
        .bind(since)
        .bind(SignupState::NoShow.as_str())
        .bind(SignupState::Confirmed.as_str())
        .bind(ActivityState::Published.as_str())
        .execute(conn)
        .await
        .map(|done| done.rows_affected())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_state_lists_are_the_domains() {
        let of = |keep: fn(SignupState) -> bool| {
            SignupState::ALL
                .iter()
                .copied()
                .filter(|s| keep(*s))
                .collect::<Vec<_>>()
        };
        assert_eq!(LIVE.to_vec(), of(SignupState::is_live));
        assert_eq!(SIGNED_UP.to_vec(), of(SignupState::is_signed_up));
    }
}
