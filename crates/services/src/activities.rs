//! Activities and sign-ups (quality-bars S1–S7): a place is taken by one conditional update, so
//! no activity is ever overbooked; a sign-up refused for lack of places writes nothing; a retried
//! request with the same Idempotency-Key gets the first answer again; a cancellation frees exactly
//! one place, which goes to the first of the waiting list.

use crate::audit::{Change, event, record};
use crate::error::DbContext;
use crate::{ServiceError, ServiceResult, Services, authorize};
use hongmajia_domain::activity::{
    ActivityKind, ActivityState, Admission, NotificationKind, SignupEvent, SignupFacts, SignupState, admit,
};
use hongmajia_domain::plan::{self, PlanInput, check_plan};
use hongmajia_domain::project::ProjectState;
use hongmajia_domain::record::Verdict;
use hongmajia_domain::{Action, Actor, DomainError, ErrorCode, RegionCode, Target};
use hongmajia_domain::{ActivityId, ProjectId, SignupId, VolunteerId};
use hongmajia_store::{activities, new_id, projects, volunteers};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivityInput {
    /// A published project.
    pub project_id: ProjectId,
    pub title: String,
    #[serde(default)]
    pub address: String,
    /// RFC 3339, e.g. 2026-12-05T09:00:00+08:00
    pub starts_at: String,
    pub ends_at: String,
    /// When sign-up opens (now by default) and closes (the start by default).
    #[serde(default)]
    pub signup_opens_at: Option<String>,
    #[serde(default)]
    pub signup_closes_at: Option<String>,
    pub capacity: i64,
    /// Places on the waiting list once the activity is full (none by default).
    #[serde(default)]
    pub waitlist_size: i64,
    /// The risks of the service (条例 Art.12): volunteers must acknowledge it to sign up.
    #[serde(default)]
    pub risk_notice: String,
    /// The youngest age, on the activity's day, that may sign up (none by default).
    #[serde(default)]
    pub min_age: i64,
    /// Only members of the project's team may sign up.
    #[serde(default)]
    pub team_only: bool,
    /// `service` (default), `lecture`, `training` (attendance is a training record) or `field_class`.
    #[serde(default)]
    pub kind: Option<String>,
    /// The activity's map point (WGS-84 degrees).
    #[serde(default)]
    pub latitude: Option<f64>,
    #[serde(default)]
    pub longitude: Option<f64>,
    /// When set, a phone must be within this many metres of the point to check in.
    #[serde(default)]
    pub geofence_m: Option<i64>,
    /// Positions with their own places; their places add up to `capacity` (no waiting list then).
    #[serde(default)]
    pub positions: Vec<PositionInput>,
    /// Sign-ups wait for the organizer's approval (`pending`); the place is taken on approval.
    #[serde(default)]
    pub requires_approval: bool,
    /// How service time is counted (R-TIME-2/3); the half-hour rule and 60 % presence by default.
    #[serde(default)]
    pub counting: Option<CountingInput>,
    /// The organizer bought accident insurance for the participants (R-REG-6).
    #[serde(default)]
    pub insured: bool,
    /// Skills every volunteer who signs up must have registered (e.g. 急救).
    #[serde(default)]
    pub required_skills: Vec<String>,
    /// Minutes before the start from which check-in opens (30 by default, at most 240).
    #[serde(default)]
    pub checkin_opens_before_min: Option<i64>,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CountingInput {
    /// Minutes of a remainder within an hour that count nothing.
    pub nothing_up_to: i64,
    /// Minutes of a remainder up to which it counts half an hour (above: a whole hour).
    pub half_up_to: i64,
    /// The least share of the activity, in percent, one must be present for to earn time.
    pub min_presence_percent: i64,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PositionInput {
    pub name: String,
    pub capacity: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Position {
    pub id: i64,
    pub name: String,
    pub capacity: i64,
    pub taken: i64,
}

/// What a sign-up asks (the contract's body).
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignupRequest {
    /// Required when the activity has a risk notice.
    #[serde(default)]
    pub acknowledge_risk: bool,
    /// Required when the activity has positions.
    #[serde(default)]
    pub position_id: Option<i64>,
}

/// A list kept as one text joined by 、 (as volunteers' skills are).
fn split_list(text: &str) -> Vec<String> {
    text.split('、').filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

/// The answer already given to a sign-up with this idempotency key, when it is a retry; the
/// same key with another request is refused.
async fn replayed_signup(
    tx: &mut hongmajia_store::Tx,
    account: hongmajia_domain::AccountId,
    retry: Option<(&str, &str)>,
) -> ServiceResult<Option<SignedUp>> {
    let Some((key, hash)) = retry else { return Ok(None) };
    let Some((stored_hash, status, body)) = activities::remembered(tx, account, key)
        .await
        .doing("reading the idempotency key")?
    else {
        return Ok(None);
    };
    if stored_hash != hash {
        return Err(rule(ErrorCode::IdempotencyKeyReused, "Idempotency-Key"));
    }
    Ok(Some(SignedUp::Replayed {
        status: u16::try_from(status).unwrap_or(201),
        body,
    }))
}

/// Reads what decides a sign-up and asks the rule (`domain::activity::admit`): the published
/// activity, the volunteer's membership where it is for its team only, and their sign-ups.
async fn admitted(
    tx: &mut hongmajia_store::Tx,
    registration: &volunteers::VolunteerRow,
    activity_id: ActivityId,
    request: &SignupRequest,
    now: OffsetDateTime,
) -> ServiceResult<(activities::ActivityRow, Admission)> {
    let activity = activities::find(tx, activity_id)
        .await
        .doing("finding the activity")?
        .filter(|a| a.state.is_open())
        .ok_or_else(|| ServiceError::rule(ErrorCode::NotFound))?;
    let team_member = activity.team_only && is_team_member(tx, &activity, registration.id).await?;
    let (existing, overlapping) =
        activities::standing(tx, registration.id, activity_id, activity.starts_at, activity.ends_at)
            .await
            .doing("reading the volunteer's sign-ups")?;
    let needed = split_list(&activity.required_skills);
    let held = split_list(&registration.skills);
    let (needed, held): (Vec<&str>, Vec<&str>) = (
        needed.iter().map(String::as_str).collect(),
        held.iter().map(String::as_str).collect(),
    );
    let age = hongmajia_domain::person::age_on(registration.birth_date, activity.starts_at.date());
    let facts = SignupFacts {
        now,
        window: (activity.signup_opens_at, activity.signup_closes_at),
        risk: (!activity.risk_notice.is_empty(), request.acknowledge_risk),
        age: (i64::from(age), activity.min_age),
        skills: (&needed, &held),
        team_only: (activity.team_only, team_member),
        existing,
        overlapping,
        requires_approval: activity.requires_approval,
    };
    let admission = admit(&facts)?;
    Ok((activity, admission))
}

/// Whether the volunteer is a member of the team whose project the activity is.
async fn is_team_member(
    tx: &mut hongmajia_store::Tx,
    activity: &activities::ActivityRow,
    volunteer: VolunteerId,
) -> ServiceResult<bool> {
    let team = projects::find(tx, activity.project_id)
        .await
        .doing("finding the project")?
        .and_then(|p| p.team_id);
    match team {
        Some(team) => Ok(activities::is_member(tx, team, volunteer)
            .await
            .doing("checking the membership")?),
        None => Ok(false),
    }
}

/// The position a sign-up asks for: required when the activity has positions, refused when it
/// has none or when it is not one of them.
fn chosen_position(positions: &[activities::PositionRow], asked: Option<i64>) -> ServiceResult<Option<i64>> {
    match (positions.is_empty(), asked) {
        (true, None) => Ok(None),
        (true, Some(_)) => Err(rule(ErrorCode::NotFound, "position_id")),
        (false, None) => Err(rule(ErrorCode::MissingField, "position_id")),
        (false, Some(position)) if positions.iter().any(|p| p.id == position) => Ok(Some(position)),
        (false, Some(_)) => Err(rule(ErrorCode::NotFound, "position_id")),
    }
}

/// Takes a place of the position; a full position refuses the sign-up (nothing written).
async fn take_position_place(tx: &mut hongmajia_store::Tx, activity: ActivityId, position: i64) -> ServiceResult<()> {
    if activities::take_position_place(tx, activity, position)
        .await
        .doing("taking a place of the position")?
    {
        Ok(())
    } else {
        Err(rule(ErrorCode::ActivityFull, "position_id"))
    }
}

/// Where a sign-up got in.
enum Placed {
    Place,
    Waiting { position: i64, seq: i64 },
}

/// A place if one is left, else one on the waiting list while the activity is full; none when
/// both are full. On PostgreSQL a cancellation may free a place between the two updates: the
/// waiting list then refuses (it takes only a full activity's) and the place is tried again, so
/// nobody waits while a place stands empty.
async fn place_or_wait(tx: &mut hongmajia_store::Tx, activity: ActivityId) -> ServiceResult<Option<Placed>> {
    // Each turn after the first follows another transaction's cancellation: a few suffice.
    for _ in 0..3 {
        if activities::take_place(tx, activity).await.doing("taking a place")? {
            return Ok(Some(Placed::Place));
        }
        if let Some((position, seq)) = activities::take_waitlist_place(tx, activity)
            .await
            .doing("taking a waiting place")?
        {
            return Ok(Some(Placed::Waiting { position, seq }));
        }
        if !activities::has_free_place(tx, activity)
            .await
            .doing("looking for a freed place")?
        {
            return Ok(None);
        }
    }
    Ok(None)
}

/// What a page of coming activities is cached by.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct ListingKey {
    prefix: String,
    text: String,
    on: Option<time::Date>,
    page: (i64, i64),
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Activity {
    pub id: ActivityId,
    pub project_id: ProjectId,
    pub region_code: String,
    pub title: String,
    pub address: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub starts_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub ends_at: OffsetDateTime,
    pub capacity: i64,
    pub taken: i64,
    pub waitlist_size: i64,
    pub waitlisted: i64,
    pub risk_notice: String,
    #[schema(value_type = String)]
    pub state: ActivityState,
    pub min_age: i64,
    pub team_only: bool,
    #[schema(value_type = String)]
    pub kind: ActivityKind,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub geofence_m: Option<i64>,
    /// Why the activity was cancelled.
    pub state_reason: Option<String>,
    pub requires_approval: bool,
    pub positions: Vec<Position>,
    pub counting: CountingInput,
    pub insured: bool,
    /// A lecture's audience, recorded afterwards.
    pub audience_count: Option<i64>,
    pub required_skills: Vec<String>,
    pub checkin_opens_before_min: i64,
    /// Created more than two hours after its start: its hours are backfills only (evidence and
    /// a second approver); nobody checks in or out of it or reports time of it.
    pub after_the_fact: bool,
}

/// A change of an activity's time or place, announced to everyone signed up.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivityChange {
    /// RFC 3339; unchanged when absent.
    #[serde(default)]
    pub starts_at: Option<String>,
    #[serde(default)]
    pub ends_at: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
}

/// An in-app notice: an activity one signed up for changed or was cancelled.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Notification {
    pub id: i64,
    /// `activity_changed` or `activity_cancelled`.
    #[schema(value_type = String)]
    pub kind: NotificationKind,
    pub activity_id: ActivityId,
    pub activity_title: String,
    /// What changed, or why it was cancelled.
    pub detail: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub at: OffsetDateTime,
}

/// One of a volunteer's own sign-ups, with its activity.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OwnSignup {
    pub signup_id: SignupId,
    #[schema(value_type = String)]
    pub state: SignupState,
    pub activity_id: ActivityId,
    pub title: String,
    pub address: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub starts_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub ends_at: OffsetDateTime,
}

/// The answer to a sign-up (the contract's shape).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SignupAnswer {
    pub id: SignupId,
    pub activity_id: ActivityId,
    /// `confirmed`, `waitlisted` or `pending`.
    #[schema(value_type = String)]
    pub state: SignupState,
    pub waitlist_position: Option<i64>,
}

/// A sign-up's outcome: decided now, or the stored answer of the first request with this key.
pub enum SignedUp {
    Fresh(SignupAnswer),
    Replayed { status: u16, body: String },
}

/// An activity with its positions.
async fn with_positions(tx: &mut hongmajia_store::Tx, id: ActivityId) -> ServiceResult<Activity> {
    let row = activities::find(tx, id)
        .await
        .doing("finding the activity")?
        .ok_or_else(|| ServiceError::rule(ErrorCode::NotFound))?;
    let mut activity = Activity::from_row(row);
    activity.positions = activities::positions(tx, id)
        .await
        .doing("reading positions")?
        .into_iter()
        .map(|p| Position {
            id: p.id,
            name: p.name,
            capacity: p.capacity,
            taken: p.taken,
        })
        .collect();
    Ok(activity)
}

fn rule(code: ErrorCode, field: &'static str) -> ServiceError {
    ServiceError::Rule(DomainError::on(code, field))
}

impl Activity {
    fn from_row(row: activities::ActivityRow) -> Self {
        let after_the_fact = row.is_after_the_fact();
        Self {
            id: row.id,
            project_id: row.project_id,
            region_code: row.region_code,
            title: row.title,
            address: row.address,
            starts_at: row.starts_at,
            ends_at: row.ends_at,
            capacity: row.capacity,
            taken: row.taken,
            waitlist_size: row.waitlist_size,
            waitlisted: row.waitlisted,
            risk_notice: row.risk_notice,
            state: row.state,
            min_age: row.min_age,
            team_only: row.team_only,
            kind: row.kind,
            latitude: row.latitude,
            longitude: row.longitude,
            geofence_m: row.geofence_m,
            state_reason: row.state_reason,
            requires_approval: row.requires_approval,
            positions: Vec::new(),
            counting: CountingInput {
                nothing_up_to: row.count_nothing_up_to,
                half_up_to: row.count_half_up_to,
                min_presence_percent: row.min_presence_percent,
            },
            insured: row.insured,
            audience_count: row.audience_count,
            required_skills: split_list(&row.required_skills),
            checkin_opens_before_min: row.checkin_opens_min,
            after_the_fact,
        }
    }
}

/// The longest activity search text taken.
const MAX_SEARCH_CHARS: usize = 100;

impl Services {
    /// An activity of a published project, published at once by those who run the project.
    pub async fn create_activity(&self, actor: &Actor, input: &ActivityInput) -> ServiceResult<Activity> {
        crate::refuse_unless_capable(actor, Action::ProjectEdit)?;
        let mut tx = self.db.begin().await.doing("starting the activity")?;
        let project = projects::find(&mut tx, input.project_id)
            .await
            .doing("finding the project")?
            .ok_or_else(|| rule(ErrorCode::NotFound, "project_id"))?;
        let region = RegionCode::parse(&project.region_code).map_err(|e| anyhow::anyhow!("project region: {e}"))?;
        let target = Target {
            region: Some(region.clone()),
            owner: None,
            team: project.team_id,
        };
        authorize(actor, Action::ProjectEdit, &target)?;
        if project.state != ProjectState::Published {
            return Err(rule(ErrorCode::InvalidTransition, "project_id"));
        }
        let positions: Vec<(&str, i64)> = input.positions.iter().map(|p| (p.name.as_str(), p.capacity)).collect();
        let skills: Vec<&str> = input.required_skills.iter().map(String::as_str).collect();
        let plan = check_plan(&PlanInput {
            now: self.now(),
            title: &input.title,
            starts_at: &input.starts_at,
            ends_at: &input.ends_at,
            signup_opens_at: input.signup_opens_at.as_deref(),
            signup_closes_at: input.signup_closes_at.as_deref(),
            capacity: input.capacity,
            waitlist_size: input.waitlist_size,
            min_age: input.min_age,
            team_only: (input.team_only, project.team_id.is_some()),
            kind: input.kind.as_deref(),
            point: (input.latitude, input.longitude),
            geofence_m: input.geofence_m,
            positions: &positions,
            required_skills: &skills,
            checkin_opens_before_min: input.checkin_opens_before_min,
            counting: input
                .counting
                .map(|c| (c.nothing_up_to, c.half_up_to, c.min_presence_percent)),
        })?;
        let id = new_id();
        let row = activities::NewActivity {
            id,
            project_id: input.project_id,
            region_code: region.as_str(),
            title: plan.title.as_str(),
            address: input.address.trim(),
            starts_at: plan.starts_at,
            ends_at: plan.ends_at,
            signup_opens_at: plan.signup_window.0,
            signup_closes_at: plan.signup_window.1,
            capacity: input.capacity,
            waitlist_size: input.waitlist_size,
            risk_notice: input.risk_notice.trim(),
            min_age: input.min_age,
            team_only: input.team_only,
            point: plan.point,
            geofence_m: plan.geofence_m,
            kind: plan.kind,
            requires_approval: input.requires_approval,
            counting: plan.counting,
            insured: input.insured,
            required_skills: &plan.required_skills,
            checkin_opens_min: plan.checkin_opens_min,
            at: self.now(),
        };
        activities::insert(&mut tx, &row).await.doing("storing the activity")?;
        for (name, capacity) in &plan.positions {
            activities::insert_position(&mut tx, new_id(), id, (name, *capacity))
                .await
                .doing("storing a position")?;
        }
        let change = Change {
            action: Action::ProjectEdit,
            target_kind: "activity",
            target_id: id.to_string(),
            region: Some(&region),
            event: event!(
                "activity.published",
                title = plan.title.as_str(),
                places = input.capacity,
                waiting = input.waitlist_size
            ),
        };
        record(&mut tx, actor, self.now(), change).await?;
        let activity = with_positions(&mut tx, id).await?;
        self.commit_changing(tx, &crate::cache::LISTINGS, "committing the activity")
            .await?;
        Ok(activity)
    }

    pub async fn activity(&self, actor: &Actor, id: ActivityId) -> ServiceResult<Activity> {
        let mut tx = self.db.read().await.doing("starting a read")?;
        let activity = with_positions(&mut tx, id).await?;
        let region = RegionCode::parse(&activity.region_code).map_err(|e| anyhow::anyhow!("activity region: {e}"))?;
        authorize(actor, Action::ProjectView, &Target::in_region(region))?;
        Ok(activity)
    }

    /// Moves an activity that has not started to another time or place; everyone signed up is told.
    pub async fn change_activity(
        &self,
        actor: &Actor,
        id: ActivityId,
        change: &ActivityChange,
    ) -> ServiceResult<Activity> {
        crate::refuse_unless_capable(actor, Action::ActivityRun)?;
        let mut tx = self.db.begin().await.doing("starting the change")?;
        let (current, target) = crate::attendance::run_by(&mut tx, actor, id).await?;
        let starts = match &change.starts_at {
            Some(raw) => plan::instant(raw, "starts_at")?,
            None => current.starts_at,
        };
        let ends = match &change.ends_at {
            Some(raw) => plan::instant(raw, "ends_at")?,
            None => current.ends_at,
        };
        if ends <= starts {
            return Err(rule(ErrorCode::InvalidPeriod, "ends_at"));
        }
        if starts <= self.now() {
            return Err(rule(ErrorCode::InvalidPeriod, "starts_at"));
        }
        let address = change.address.as_deref().map_or(current.address.as_str(), str::trim);
        let new_time = activities::NewTime { starts, ends, address };
        if !activities::reschedule(&mut tx, id, &new_time, self.now())
            .await
            .doing("moving the activity")?
        {
            return Err(rule(ErrorCode::InvalidTransition, "state"));
        }
        let china = hongmajia_domain::calendar::CHINA;
        let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
        let when = |t: OffsetDateTime| t.to_offset(china).format(&format).unwrap_or_default();
        let detail = format!("{}–{} · {address}", when(starts), when(ends));
        let holders = activities::holders(&mut tx, id)
            .await
            .doing("finding who is signed up")?;
        activities::notify(
            &mut tx,
            &holders,
            &activities::Notice {
                kind: NotificationKind::ActivityChanged,
                activity: id,
                detail: &detail,
            },
            self.now(),
        )
        .await
        .doing("notifying")?;
        let change = Change {
            action: Action::ActivityRun,
            target_kind: "activity",
            target_id: id.to_string(),
            region: target.region.as_ref(),
            event: event!(
                "activity.moved",
                title = current.title,
                to = detail,
                notified = holders.len()
            ),
        };
        record(&mut tx, actor, self.now(), change).await?;
        let moved = crate::attendance::find_activity(&mut tx, id).await?;
        self.commit_changing(tx, &crate::cache::LISTINGS, "committing the change")
            .await?;
        Ok(Activity::from_row(moved))
    }

    /// Cancels an activity with a reason; every sign-up is cancelled and told why.
    pub async fn cancel_activity(&self, actor: &Actor, id: ActivityId, reason: &str) -> ServiceResult<Activity> {
        crate::refuse_unless_capable(actor, Action::ActivityRun)?;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(rule(ErrorCode::ReasonRequired, "reason"));
        }
        let mut tx = self.db.begin().await.doing("starting the cancellation")?;
        let (current, target) = crate::attendance::run_by(&mut tx, actor, id).await?;
        if current.ends_at <= self.now() {
            return Err(rule(ErrorCode::InvalidTransition, "state"));
        }
        let holders = activities::cancel(&mut tx, id, reason, self.now())
            .await
            .doing("cancelling the activity")?
            .ok_or_else(|| rule(ErrorCode::InvalidTransition, "state"))?;
        activities::notify(
            &mut tx,
            &holders,
            &activities::Notice {
                kind: NotificationKind::ActivityCancelled,
                activity: id,
                detail: reason,
            },
            self.now(),
        )
        .await
        .doing("notifying")?;
        let change = Change {
            action: Action::ActivityRun,
            target_kind: "activity",
            target_id: id.to_string(),
            region: target.region.as_ref(),
            event: event!(
                "activity.cancelled",
                title = current.title,
                reason = reason,
                notified = holders.len()
            ),
        };
        record(&mut tx, actor, self.now(), change).await?;
        let cancelled = crate::attendance::find_activity(&mut tx, id).await?;
        self.commit_changing(tx, &crate::cache::LISTINGS, "committing the cancellation")
            .await?;
        Ok(Activity::from_row(cancelled))
    }

    /// The signed-in volunteer's notices, newest first.
    pub async fn my_notifications(&self, actor: &Actor) -> ServiceResult<Vec<Notification>> {
        let mut tx = self.db.read().await.doing("starting a read")?;
        let Some(volunteer) = crate::volunteers::own_registration(&mut tx, actor).await? else {
            return Ok(Vec::new());
        };
        let rows = activities::notifications(&mut tx, volunteer.id)
            .await
            .doing("reading notices")?;
        Ok(rows
            .into_iter()
            .map(|n| Notification {
                id: n.id,
                kind: n.kind,
                activity_id: n.activity_id,
                activity_title: n.title,
                detail: n.detail,
                at: n.created_at,
            })
            .collect())
    }

    /// Records the audience of a lecture after it has started (宣讲 counted in sessions and people).
    pub async fn record_audience(&self, actor: &Actor, id: ActivityId, audience: i64) -> ServiceResult<Activity> {
        crate::refuse_unless_capable(actor, Action::ActivityRun)?;
        if !(0..=1_000_000).contains(&audience) {
            return Err(rule(ErrorCode::InvalidAudience, "audience_count"));
        }
        let mut tx = self.db.begin().await.doing("starting the audience")?;
        let (current, target) = crate::attendance::run_by(&mut tx, actor, id).await?;
        if !activities::set_audience(&mut tx, id, audience, self.now())
            .await
            .doing("recording the audience")?
        {
            return Err(rule(ErrorCode::InvalidTransition, "kind"));
        }
        let change = Change {
            action: Action::ActivityRun,
            target_kind: "activity",
            target_id: id.to_string(),
            region: target.region.as_ref(),
            event: event!("activity.audience", title = current.title, audience = audience),
        };
        record(&mut tx, actor, self.now(), change).await?;
        let activity = with_positions(&mut tx, id).await?;
        tx.commit().await.doing("committing the audience")?;
        Ok(activity)
    }

    /// Confirmed sign-ups of activities that ended in the last week with no check-in become
    /// no-shows (the server runs this every few seconds; a week covers any downtime worth having).
    pub async fn mark_no_shows(&self) -> ServiceResult<u64> {
        let mut tx = self.db.begin().await.doing("starting the no-shows")?;
        let now = self.now();
        let marked = activities::mark_no_shows(&mut tx, now - time::Duration::days(7), now)
            .await
            .doing("marking no-shows")?;
        tx.commit().await.doing("committing the no-shows")?;
        Ok(marked)
    }

    /// Activities still to come under `region` (the volunteer's county when none is given), whose
    /// title, place or category holds `text`, on the day `on` if given, soonest first, `limit`
    /// (at most 100) from `offset`: what a volunteer looks through on the phone.
    pub async fn upcoming_activities(
        &self,
        actor: &Actor,
        region: Option<&str>,
        text: &str,
        on: Option<time::Date>,
        (limit, offset): (i64, i64),
    ) -> ServiceResult<Vec<Activity>> {
        let region = match region.map(str::trim).filter(|r| !r.is_empty()) {
            Some(code) => RegionCode::parse(code).map_err(|_| ServiceError::rule(ErrorCode::NotFound))?,
            None => self.home_area(actor).await?,
        };
        authorize(actor, Action::ProjectView, &Target::in_region(region.clone()))?;
        let now = self.now();
        let text = text.trim();
        // A search is a few words; a page-long one would only cost the database (Security 2).
        if text.chars().count() > MAX_SEARCH_CHARS {
            return Err(ServiceError::Rule(DomainError::on(ErrorCode::InvalidQuery, "q")));
        }
        let (limit, offset) = (limit.clamp(1, 100), offset.max(0));
        let key = ListingKey {
            prefix: region.scope_prefix().to_owned(),
            text: text.to_owned(),
            on,
            page: (limit, offset),
        };
        if let Some(kept) = self.caches.listings.get(&key, now) {
            return Ok(kept);
        }
        let started = self.caches.listings.start_read(now);
        // The busiest read of all (volunteers browsing): plain reads, no snapshot needed.
        let mut tx = self.db.autocommit().await.doing("starting a read")?;
        // Categories are stored as codes: a query matches those whose Chinese name holds it.
        let named = match text {
            "" => Vec::new(),
            text => hongmajia_store::categories::all(&mut tx)
                .await
                .doing("reading the categories")?
                .into_iter()
                .filter(|c| c.name_zh.contains(text))
                .map(|c| c.code)
                .collect(),
        };
        let categories: Vec<&str> = named.iter().map(String::as_str).collect();
        let literal = hongmajia_store::like_literal(&text.to_lowercase());
        // One day in China when asked for, else everything still to come.
        let window = match on {
            Some(day) => {
                let (start, end) = hongmajia_domain::calendar::day_span(day);
                (start.max(now), end)
            }
            None => (now, now + time::Duration::days(3660)),
        };
        let rows = activities::upcoming(
            &mut tx,
            &key.prefix,
            (&literal, &categories.join(",")),
            window,
            key.page,
        )
        .await
        .doing("listing activities")?;
        let found: Vec<Activity> = rows.into_iter().map(Activity::from_row).collect();
        self.caches.listings.keep(key, started, found.clone());
        Ok(found)
    }

    /// Where "near me" is: the county of the volunteer's registration, or a staff role's region.
    async fn home_area(&self, actor: &Actor) -> ServiceResult<RegionCode> {
        if let Some(region) = actor.home_region() {
            return Ok(region.clone());
        }
        let account = actor
            .account_id()
            .ok_or_else(|| ServiceError::rule(ErrorCode::Unauthenticated))?;
        let now = self.now();
        if let Some(kept) = self.caches.homes.get(&account.0, now) {
            return Ok(kept);
        }
        let started = self.caches.homes.start_read(now);
        let mut tx = self.db.autocommit().await.doing("starting a read")?;
        let registered = volunteers::find_by_account(&mut tx, account)
            .await
            .doing("finding the registration")?
            .ok_or_else(|| ServiceError::rule(ErrorCode::NotRegistered))?;
        let code = RegionCode::parse(&registered.region_code).map_err(|e| anyhow::anyhow!("{e}"))?;
        let county = code
            .lineage()
            .into_iter()
            .find(|c| c.level() == hongmajia_domain::RegionLevel::County)
            .unwrap_or(code);
        self.caches.homes.keep(account.0, started, county.clone());
        Ok(county)
    }

    /// The activities of a project.
    pub async fn project_activities(&self, actor: &Actor, project: ProjectId) -> ServiceResult<Vec<Activity>> {
        self.project(actor, project).await?;
        let mut tx = self.db.read().await.doing("starting a read")?;
        let rows = activities::of_project(&mut tx, project)
            .await
            .doing("listing activities")?;
        Ok(rows.into_iter().map(Activity::from_row).collect())
    }

    /// The signed-in volunteer's sign-ups.
    pub async fn my_signups(&self, actor: &Actor) -> ServiceResult<Vec<OwnSignup>> {
        let mut tx = self.db.read().await.doing("starting a read")?;
        let Some(volunteer) = crate::volunteers::own_registration(&mut tx, actor).await? else {
            return Ok(Vec::new());
        };
        let rows = activities::signups_of_volunteer(&mut tx, volunteer.id)
            .await
            .doing("listing sign-ups")?;
        Ok(rows
            .into_iter()
            .map(|r| OwnSignup {
                signup_id: r.signup_id,
                state: r.state,
                activity_id: r.activity_id,
                title: r.title,
                address: r.address,
                starts_at: r.starts_at,
                ends_at: r.ends_at,
            })
            .collect())
    }

    /// Signs the signed-in volunteer up. `retry` is the Idempotency-Key with the hash of the
    /// request: the same key and request get the first answer again, with no second effect.
    pub async fn sign_up(
        &self,
        actor: &Actor,
        activity_id: ActivityId,
        request: &SignupRequest,
        retry: Option<(&str, &str)>,
    ) -> ServiceResult<SignedUp> {
        let account = actor
            .account_id()
            .ok_or_else(|| ServiceError::rule(ErrorCode::NotRegistered))?;
        authorize(actor, Action::ActivitySignUp, &Target::owned_by(account))?;
        let now = self.now();
        // What a storm does not change (the registration, the activity's positions) is read
        // before the write lock, so that sign-ups queue only for what must be decided in turn.
        // The activity itself is read under the lock: a change or a cancellation is either
        // before this sign-up (and judged by it) or after it (and announced to it).
        let mut read = self.db.autocommit().await.doing("starting a read")?;
        if let Some(replayed) = replayed_signup(&mut read, account, retry).await? {
            return Ok(replayed);
        }
        let registration = volunteers::find_by_account(&mut read, account)
            .await
            .doing("finding the registration")?
            .ok_or_else(|| ServiceError::rule(ErrorCode::NotRegistered))?;
        let positions = activities::positions(&mut read, activity_id)
            .await
            .doing("reading positions")?;
        drop(read);
        let volunteer = registration.id;
        let mut tx = self.db.begin().await.doing("starting the sign-up")?;
        // A retry that raced its own first attempt finds that attempt's answer here.
        if let Some(replayed) = replayed_signup(&mut tx, account, retry).await? {
            return Ok(replayed);
        }
        let (_, admission) = admitted(&mut tx, &registration, activity_id, request, now).await?;
        let chosen = chosen_position(&positions, request.position_id)?;
        let (state, position, seq) = if admission == Admission::Apply {
            // An application holds no place (quality bar S2): the place is taken on approval.
            (SignupState::Pending, None, None)
        } else {
            if let Some(position) = chosen {
                take_position_place(&mut tx, activity_id, position).await?;
            }
            match place_or_wait(&mut tx, activity_id).await? {
                Some(Placed::Place) => (SignupState::Confirmed, None, None),
                Some(Placed::Waiting { .. }) | None if chosen.is_some() => {
                    // Positions add up to the activity's places: taking one leaves one here too.
                    return Err(ServiceError::Internal(anyhow::anyhow!("positions and places disagree")));
                }
                Some(Placed::Waiting { position, seq }) => (SignupState::Waitlisted, Some(position), Some(seq)),
                // Dropping the transaction writes nothing: a full activity costs no commit.
                None => return Err(ServiceError::rule(ErrorCode::ActivityFull)),
            }
        };
        let signup = activities::SignupValues {
            id: new_id(),
            activity: activity_id,
            volunteer,
            state,
            waitlist_seq: seq,
            position: chosen,
            at: now,
        };
        let id = activities::put_signup(&mut tx, &signup)
            .await
            .doing("storing the sign-up")?;
        let answer = SignupAnswer {
            id,
            activity_id,
            state,
            waitlist_position: position,
        };
        if let Some((key, hash)) = retry {
            let body = serde_json::to_string(&answer).map_err(|e| anyhow::anyhow!("encoding the answer: {e}"))?;
            activities::remember(&mut tx, account, key, hash, 201, &body, now)
                .await
                .doing("storing the answer")?;
        }
        tx.commit().await.doing("committing the sign-up")?;
        Ok(SignedUp::Fresh(answer))
    }

    /// Gives back the place of a sign-up that held one; the first of the waiting list takes it.
    async fn free_place(
        &self,
        tx: &mut hongmajia_store::Tx,
        activity: &activities::ActivityRow,
        signup: &activities::SignupRow,
    ) -> ServiceResult<()> {
        let now = self.now();
        if let Some(position) = signup.position_id {
            activities::give_back_position_place(tx, position)
                .await
                .doing("giving the position's place back")?;
        }
        activities::give_back_place(tx, activity.id)
            .await
            .doing("giving the place back")?;
        let Some(next) = activities::first_waiting(tx, activity.id)
            .await
            .doing("reading the waiting list")?
        else {
            return Ok(());
        };
        activities::move_signup(tx, next, SignupState::Waitlisted, SignupState::Confirmed, now)
            .await
            .doing("promoting")?;
        activities::give_back_waitlist_place(tx, activity.id)
            .await
            .doing("shortening the list")?;
        if !activities::take_place(tx, activity.id)
            .await
            .doing("taking the freed place")?
        {
            return Err(ServiceError::Internal(anyhow::anyhow!(
                "a freed place could not be taken"
            )));
        }
        Ok(())
    }

    /// The organizer approves a pending sign-up (taking its place then, or refused as full), or
    /// rejects it with a reason.
    pub async fn decide_signup(
        &self,
        actor: &Actor,
        signup_id: SignupId,
        verdict: Verdict,
        reason: &str,
    ) -> ServiceResult<SignupAnswer> {
        crate::refuse_unless_capable(actor, Action::ActivityRun)?;
        let now = self.now();
        let mut tx = self.db.begin().await.doing("starting the decision")?;
        let signup = activities::signup(&mut tx, signup_id)
            .await
            .doing("finding the sign-up")?
            .ok_or_else(|| ServiceError::rule(ErrorCode::NotFound))?;
        let (activity, target) = crate::attendance::run_by(&mut tx, actor, signup.activity_id).await?;
        self.refuse_own(&mut tx, actor, signup.volunteer_id).await?;
        let reason = reason.trim();
        if !verdict.approves() && reason.is_empty() {
            return Err(rule(ErrorCode::ReasonRequired, "reason"));
        }
        let to = signup.state.after(match verdict {
            Verdict::Approve => SignupEvent::Approve,
            Verdict::Refuse => SignupEvent::Reject,
        })?;
        if !activities::move_signup(&mut tx, signup_id, signup.state, to, now)
            .await
            .doing("deciding")?
        {
            return Err(rule(ErrorCode::InvalidTransition, "state"));
        }
        // Approval takes the place (of the position too); a full activity refuses it, unchanged.
        if verdict.approves() {
            if let Some(position) = signup.position_id {
                take_position_place(&mut tx, activity.id, position).await?;
            }
            if !activities::take_place(&mut tx, activity.id)
                .await
                .doing("taking a place")?
            {
                return Err(ServiceError::rule(ErrorCode::ActivityFull));
            }
        }
        let change = Change {
            action: Action::ActivityRun,
            target_kind: "signup",
            target_id: signup_id.to_string(),
            region: target.region.as_ref(),
            event: match verdict {
                Verdict::Approve => event!(
                    "signup.approved",
                    volunteer = signup.volunteer_id,
                    title = activity.title,
                    reason = reason
                ),
                Verdict::Refuse => event!(
                    "signup.rejected",
                    volunteer = signup.volunteer_id,
                    title = activity.title,
                    reason = reason
                ),
            },
        };
        record(&mut tx, actor, now, change).await?;
        tx.commit().await.doing("committing the decision")?;
        Ok(SignupAnswer {
            id: signup_id,
            activity_id: activity.id,
            state: to,
            waitlist_position: None,
        })
    }

    /// The volunteer cancels before the start: a place goes to the first of the waiting list.
    pub async fn cancel_signup(&self, actor: &Actor, signup_id: SignupId) -> ServiceResult<SignupAnswer> {
        let now = self.now();
        let mut tx = self.db.begin().await.doing("starting the cancellation")?;
        let signup = activities::signup(&mut tx, signup_id)
            .await
            .doing("finding the sign-up")?
            .ok_or_else(|| ServiceError::rule(ErrorCode::NotFound))?;
        let owner = volunteers::find(&mut tx, signup.volunteer_id)
            .await
            .doing("finding the volunteer")?
            .and_then(|v| v.account_id)
            .ok_or_else(|| ServiceError::rule(ErrorCode::NotFound))?;
        authorize(actor, Action::ActivitySignUp, &Target::owned_by(owner))?;
        let activity = activities::find(&mut tx, signup.activity_id)
            .await
            .doing("finding the activity")?
            .ok_or_else(|| ServiceError::rule(ErrorCode::NotFound))?;
        if now >= activity.starts_at {
            return Err(ServiceError::rule(ErrorCode::OutsideSignupWindow));
        }
        let cancelled = signup.state.after(SignupEvent::Cancel)?;
        if !activities::move_signup(&mut tx, signup_id, signup.state, cancelled, now)
            .await
            .doing("cancelling")?
        {
            return Err(rule(ErrorCode::InvalidTransition, "state"));
        }
        match signup.state {
            SignupState::Confirmed => self.free_place(&mut tx, &activity, &signup).await?,
            SignupState::Waitlisted => activities::give_back_waitlist_place(&mut tx, activity.id)
                .await
                .doing("leaving the list")?,
            // An application held no place; nothing else could be cancelled.
            _ => {}
        }
        tx.commit().await.doing("committing the cancellation")?;
        Ok(SignupAnswer {
            id: signup_id,
            activity_id: activity.id,
            state: cancelled,
            waitlist_position: None,
        })
    }

    /// An activity's counters and its sign-ups per state (the storm tests compare them).
    pub async fn signup_counts(&self, activity: ActivityId) -> ServiceResult<(i64, i64, Vec<(SignupState, i64)>)> {
        let mut tx = self.db.read().await.doing("starting a read")?;
        let row = activities::find(&mut tx, activity)
            .await
            .doing("finding the activity")?
            .ok_or_else(|| ServiceError::rule(ErrorCode::NotFound))?;
        let counts = activities::counts(&mut tx, activity).await.doing("counting sign-ups")?;
        Ok((row.taken, row.waitlisted, counts))
    }
}
