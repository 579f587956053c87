//! Service records (domain.md §3.3; R-REC-5, 7, 9): confirmation by the organizer, corrections and
//! missing-record reports from the volunteer, evidence-gated backfills with a second approver, the
//! overdue list, and the volunteer's own hours with every version. A record is never changed in
//! place: each change is a new version with its reason, who asked and who approved.

use crate::attendance::{duration_minutes, find_activity, run_by, run_target};
use crate::audit::{Change, Event, event, record};
use crate::error::DbContext;
use crate::uploads::{self, Download, FileType, UploadKind};
use crate::{ServiceError, ServiceResult, Services, authorize};
use hongmajia_domain::activity::{ActivityKind, SignupState};
use hongmajia_domain::calendar::{RECORD_DEADLINE_WORKING_DAYS, WorkCalendar};
use hongmajia_domain::hours::{AdjustmentLimit, hours_text, minutes_present, star_level};
use hongmajia_domain::record::{
    CorrectionState, RecordEvent, RecordSource, RecordState, Verdict, VersionAction, confirmable_from,
};
use hongmajia_domain::region::RegionLevel;
use hongmajia_domain::{AccountId, ActivityId, RecordId, VolunteerId};
use hongmajia_domain::{Action, Actor, DomainError, ErrorCode, RegionCode, Target};
use hongmajia_store::records::{self, NewCorrection, NewRecord, RecordRow, Version};
use hongmajia_store::{Tx, activities, new_id, volunteers};
use serde::{Deserialize, Serialize};
use time::{Date, Duration, OffsetDateTime};
use utoipa::ToSchema;

/// The largest evidence file a backfill takes.
pub const MAX_EVIDENCE_BYTES: usize = 10 * 1024 * 1024;

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmInput {
    /// Minutes to confirm instead of the computed ones (a reason is then required).
    #[serde(default)]
    pub minutes: Option<i64>,
    #[serde(default)]
    pub reason: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionInput {
    pub approve: bool,
    #[serde(default)]
    pub note: String,
}

impl DecisionInput {
    pub const fn verdict(&self) -> Verdict {
        Verdict::from_approval(self.approve)
    }
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CorrectionInput {
    /// The minutes the volunteer says are right.
    pub minutes: i64,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VersionView {
    pub version: i64,
    /// Set on an adjustment: the minutes present that this version credits more than.
    pub adjusted_from: Option<i64>,
    /// `entered` for the first version; then `confirm`, `reject`, `approve`, `refuse`, `correct`
    /// or `revoke`.
    #[schema(value_type = String)]
    pub action: VersionAction,
    #[schema(value_type = String)]
    pub state: RecordState,
    pub minutes: i64,
    pub hours: String,
    pub reason: String,
    pub requested_by: String,
    pub approved_by: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub at: OffsetDateTime,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RecordView {
    pub id: RecordId,
    pub activity_id: ActivityId,
    pub activity_title: String,
    #[schema(value_type = String)]
    pub activity_kind: ActivityKind,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub starts_at: OffsetDateTime,
    pub organizer: String,
    /// `checkin`, `makeup`, `reported` or `backfill` (shown as backfilled everywhere).
    #[schema(value_type = String)]
    pub source: RecordSource,
    #[schema(value_type = String)]
    pub state: RecordState,
    pub minutes: i64,
    pub hours: String,
    pub versions: Vec<VersionView>,
}

/// A volunteer's hours: confirmed total, star level, and every record with its versions.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MyHours {
    pub volunteer_id: VolunteerId,
    pub name: String,
    pub code: String,
    pub confirmed_minutes: i64,
    pub confirmed_hours: String,
    pub star_level: u8,
    pub records: Vec<RecordView>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CorrectionView {
    pub id: i64,
    pub record_id: Option<RecordId>,
    pub activity_id: ActivityId,
    pub volunteer_id: VolunteerId,
    pub minutes: i64,
    pub reason: String,
    #[schema(value_type = String)]
    pub state: CorrectionState,
    pub decided_by: Option<String>,
    pub decision_note: Option<String>,
    /// Approved by the organizer beyond the adjustment limit: waiting for someone else at the
    /// site above.
    pub awaiting_level_above: bool,
}

/// An activity whose records are past the 10-working-day deadline (R-REC-7).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OverdueActivity {
    pub activity_id: ActivityId,
    pub title: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub ended_at: OffsetDateTime,
    pub deadline: String,
    pub unconfirmed_records: i64,
}

/// The review page of a region's admins: backfills waiting for their approval, overdue activities.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RecordReviews {
    /// Backfills, and confirmations beyond the adjustment limit, awaiting a second approver.
    pub awaiting_second_approval: Vec<PendingBackfill>,
    /// Corrections and missing-record reports the organizer endorsed beyond the adjustment limit.
    pub endorsed_corrections: Vec<CorrectionView>,
    pub overdue: Vec<OverdueActivity>,
    pub anomalies: Vec<crate::anomalies::AnomalyFlag>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PendingBackfill {
    pub record_id: RecordId,
    /// `backfill`, or the source of a record confirmed beyond the adjustment limit.
    #[schema(value_type = String)]
    pub source: RecordSource,
    pub activity_id: ActivityId,
    pub volunteer_id: VolunteerId,
    pub minutes: i64,
    pub region_code: String,
    pub evidence_id: Option<i64>,
    /// The last day of its review: 10 working days after it began to wait.
    pub deadline: String,
    /// The region it was escalated to when the deadline passed, if it was.
    pub escalated_to: Option<String>,
}

/// A county's adjustment limit (its own, or the deployment's when the city set none).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CountyAdjustmentLimit {
    pub county_code: String,
    pub minutes: i64,
    pub percent: i64,
}

/// A county's adjustment limit as the city sets it: 0–240 minutes, 0–100 %.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdjustmentLimitInput {
    pub minutes: i64,
    pub percent: i64,
}

/// A backfill as entered: the evidence file travels beside it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BackfillInput {
    pub activity_id: ActivityId,
    pub volunteer_id: VolunteerId,
    pub minutes: i64,
    pub reason: String,
}

/// A record as it stands now (its current version).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RecordSummary {
    pub id: RecordId,
    pub volunteer_id: VolunteerId,
    pub activity_id: ActivityId,
    #[schema(value_type = String)]
    pub source: RecordSource,
    #[schema(value_type = String)]
    pub state: RecordState,
    pub minutes: i64,
    pub hours: String,
    pub version: i64,
}

impl From<RecordRow> for RecordSummary {
    fn from(r: RecordRow) -> Self {
        Self {
            id: r.id,
            volunteer_id: r.volunteer_id,
            activity_id: r.activity_id,
            source: r.source,
            state: r.state,
            hours: hours_text(r.minutes),
            minutes: r.minutes,
            version: r.version,
        }
    }
}

pub struct Evidence<'a> {
    pub file_name: &'a str,
    pub bytes: &'a [u8],
}

/// The last day to review a record that began to wait for its second approver at `since`.
fn review_deadline(calendar: &WorkCalendar, since: OffsetDateTime) -> Date {
    calendar.working_days_after(
        hongmajia_domain::calendar::china_day(since),
        RECORD_DEADLINE_WORKING_DAYS,
    )
}

/// A region code read back from the database: one that does not parse is our fault, not the
/// caller's.
fn stored_region(code: &str) -> ServiceResult<RegionCode> {
    RegionCode::parse(code).map_err(|e| anyhow::anyhow!("stored region {code}: {e}").into())
}

/// The region whose reviewers are the second persons for a record or request of `region`: the one
/// above, or the city itself for the city's own.
fn region_above(region: &str) -> ServiceResult<RegionCode> {
    let region = stored_region(region)?;
    Ok(region.parent().unwrap_or(region))
}

fn rule(code: ErrorCode, field: &'static str) -> ServiceError {
    ServiceError::Rule(DomainError::on(code, field))
}

/// A reason as given, on one line: control characters (line breaks, and the bidirectional
/// overrides that could make one audit entry read like another) become spaces.
fn reason_of(raw: &str, field: &'static str) -> ServiceResult<String> {
    let one_line: String = raw
        .chars()
        .map(|c| if c.is_control() || is_bidi_control(c) { ' ' } else { c })
        .collect();
    let reason = one_line.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(rule(ErrorCode::ReasonRequired, field));
    }
    Ok(reason.to_owned())
}

/// The Unicode bidirectional embedding, override and isolate controls.
const fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
}

fn minutes_within(minutes: i64, activity: &activities::ActivityRow) -> ServiceResult<i64> {
    if minutes < 0 || minutes > duration_minutes(activity) {
        return Err(rule(ErrorCode::InvalidMinutes, "minutes"));
    }
    Ok(minutes)
}

fn version_view(v: records::VersionRow) -> VersionView {
    VersionView {
        version: v.version,
        adjusted_from: v.adjusted_from,
        action: v.action,
        state: v.state,
        minutes: v.minutes,
        hours: hours_text(v.minutes),
        reason: v.reason,
        requested_by: v.requested_by,
        approved_by: v.approved_by,
        at: v.created_at,
    }
}

fn correction_view(c: records::CorrectionRow) -> CorrectionView {
    CorrectionView {
        id: c.id,
        record_id: c.record_id,
        activity_id: c.activity_id,
        volunteer_id: c.volunteer_id,
        minutes: c.minutes,
        reason: c.reason,
        state: c.state,
        decided_by: c.decided_by,
        decision_note: c.decision_note,
        awaiting_level_above: c.endorsed_by.is_some() && c.state == CorrectionState::Open,
    }
}

/// Time of an activity may be reported missing only by a volunteer who held a place in it (and
/// may have been marked a no-show for want of a check-in), of a live (not cancelled, not
/// after-the-fact) activity.
async fn reportable(tx: &mut Tx, activity: &activities::ActivityRow, volunteer: VolunteerId) -> ServiceResult<()> {
    if activity.is_after_the_fact() {
        return Err(ServiceError::rule(ErrorCode::AfterTheFact));
    }
    if !activity.state.is_open() {
        return Err(ServiceError::rule(ErrorCode::NotFound));
    }
    let held_a_place = activities::signup_of(tx, activity.id, volunteer)
        .await
        .doing("finding the sign-up")?
        .is_some_and(|signup| signup.state.may_attend() || signup.state == SignupState::NoShow);
    if !held_a_place {
        return Err(ServiceError::rule(ErrorCode::NotSignedUp));
    }
    Ok(())
}

async fn find_record(tx: &mut Tx, id: RecordId) -> ServiceResult<RecordRow> {
    records::record(tx, id)
        .await
        .doing("finding the record")?
        .ok_or_else(|| ServiceError::rule(ErrorCode::NotFound))
}

/// A staff decision's new version of a record: the event that moves it and the state it moves
/// it to (the domain's, e.g. `after_confirming`), its time, and the minutes present when it
/// credits more (an adjustment).
struct NextVersion<'a> {
    event: RecordEvent,
    state: RecordState,
    minutes: i64,
    reason: &'a str,
    adjusted_from: Option<i64>,
}

/// A county's code, or `not_found` for any other region.
fn county_code(raw: &str) -> ServiceResult<RegionCode> {
    Some(RegionCode::parse(raw)?)
        .filter(|code| code.level() == RegionLevel::County)
        .ok_or_else(|| ServiceError::rule(ErrorCode::NotFound))
}

/// Why a record awaits a second approver.
#[derive(Debug, Clone, Copy)]
struct Hold {
    /// Entered time, or credit beyond the adjustment limit: the site above decides.
    needs_level_above: bool,
    /// It has flags nobody resolved.
    flagged: bool,
}

impl Hold {
    /// The region whose reviewers decide it (those above it may too).
    fn reviewers(self, region: &str) -> ServiceResult<RegionCode> {
        if self.needs_level_above {
            region_above(region)
        } else {
            stored_region(region)
        }
    }

    /// Refused, a measured record held only for its adjustment goes back to pending; entered or
    /// flagged time is rejected.
    fn returns_when_refused(self, source: RecordSource) -> bool {
        !self.flagged && source != RecordSource::Backfill
    }
}

/// What crediting some minutes on a record is: an adjustment when more than the volunteer was
/// present (`adjusted_from` keeps that presence), and beyond the deployment's limit it takes a
/// second person at the site above.
#[derive(Debug, Clone, Copy)]
struct Adjustment {
    adjusted_from: Option<i64>,
    beyond_limit: bool,
}

/// How a decision is audited: under which action, in which region, what it did.
struct Audited<'a> {
    action: Action,
    region: Option<&'a RegionCode>,
    event: Event,
}

/// What a volunteer's correction request is about: the activity, the volunteer, and the
/// record to correct (none for service that has no record at all).
struct RequestAbout<'a> {
    activity: &'a activities::ActivityRow,
    volunteer: VolunteerId,
    record: Option<RecordId>,
}

impl Services {
    /// Writes the next version of a record; a change that lost a race is refused, not merged.
    async fn next_version(&self, tx: &mut Tx, record: &RecordRow, version: &Version<'_>) -> ServiceResult<()> {
        if !records::add_version(tx, record, version)
            .await
            .doing("writing the new version")?
        {
            return Err(rule(ErrorCode::InvalidTransition, "state"));
        }
        Ok(())
    }

    /// A staff decision on a record: the next version, asked and approved by the actor, its flags,
    /// and the audit entry, in the caller's transaction.
    async fn decide_version(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        record_row: &RecordRow,
        NextVersion {
            event: moved_by,
            state,
            minutes,
            adjusted_from,
            reason,
        }: NextVersion<'_>,
        Audited { action, region, event }: Audited<'_>,
    ) -> ServiceResult<RecordSummary> {
        let held = state == RecordState::AwaitingSecond;
        let version = Version {
            action: moved_by.into(),
            state,
            minutes,
            adjusted_from,
            reason,
            requested_by: actor.label(),
            approved_by: (!held).then_some(actor.label()),
            written_by: actor.account_id(),
            at: self.now(),
        };
        self.next_version(tx, record_row, &version).await?;
        self.flag_record(tx, record_row.id).await?;
        let change = Change {
            action,
            target_kind: "service_record",
            target_id: record_row.id.to_string(),
            region,
            event,
        };
        record(tx, actor, self.now(), change).await?;
        Ok(find_record(tx, record_row.id).await?.into())
    }

    /// The organizer confirms a pending record, with other minutes and a reason if need be.
    pub async fn confirm_record(
        &self,
        actor: &Actor,
        record_id: RecordId,
        input: &ConfirmInput,
    ) -> ServiceResult<RecordSummary> {
        crate::refuse_unless_capable(actor, Action::ActivityRun)?;
        let mut tx = self.db.begin().await.doing("starting the confirmation")?;
        let record_row = find_record(&mut tx, record_id).await?;
        let (activity, target) = run_by(&mut tx, actor, record_row.activity_id).await?;
        self.refuse_own(&mut tx, actor, record_row.volunteer_id).await?;
        record_row.state.after(RecordEvent::Confirm)?;
        if self.now() < confirmable_from(activity.ends_at, record_row.created_at) {
            return Err(ServiceError::rule(ErrorCode::ActivityNotEnded));
        }
        let (minutes, reason) = match input.minutes {
            Some(m) if m != record_row.minutes => (minutes_within(m, &activity)?, reason_of(&input.reason, "reason")?),
            _ => (record_row.minutes, input.reason.trim().to_owned()),
        };
        let adjustment = self.adjustment(&mut tx, (&record_row, &activity), minutes).await?;
        // A record that looks wrong as confirmed is held for a reviewer who took no part
        // (decisions.md D1), as is credit beyond the limit.
        self.raise_flags(&mut tx, &record_row, minutes).await?;
        let flagged = self.has_open_flags(&mut tx, record_row.id).await?;
        let reason = if reason.is_empty() {
            "confirmed".to_owned()
        } else {
            reason
        };
        let (hours, volunteer) = (hours_text(minutes), record_row.volunteer_id);
        let what = if adjustment.beyond_limit {
            event!("record.held_for_second", hours = hours, volunteer = volunteer)
        } else if flagged {
            event!("record.held_for_review", hours = hours, volunteer = volunteer)
        } else {
            event!("record.confirmed", hours = hours, volunteer = volunteer)
        };
        let step = Audited {
            action: Action::ActivityRun,
            region: target.region.as_ref(),
            event: what,
        };
        let next = NextVersion {
            event: RecordEvent::Confirm,
            minutes,
            reason: &reason,
            adjusted_from: adjustment.adjusted_from,
            state: record_row.state.after_confirming(adjustment.beyond_limit || flagged)?,
        };
        let stored = self.decide_version(&mut tx, actor, &record_row, next, step).await?;
        tx.commit().await.doing("committing the confirmation")?;
        Ok(stored)
    }

    /// Crediting `minutes` on a record (none for a missing record): an adjustment when more than
    /// the volunteer was present, beyond the limit one for two persons.
    async fn adjustment(
        &self,
        tx: &mut Tx,
        (record_row, activity): (&RecordRow, &activities::ActivityRow),
        minutes: i64,
    ) -> ServiceResult<Adjustment> {
        let present = self.presence(tx, record_row, activity).await?;
        self.adjustment_over(tx, &activity.region_code, (present, minutes))
            .await
    }

    async fn adjustment_over(
        &self,
        tx: &mut Tx,
        region: &str,
        (present, minutes): (i64, i64),
    ) -> ServiceResult<Adjustment> {
        let limit = self.adjustment_limit_in(tx, region).await?;
        Ok(Adjustment {
            adjusted_from: (minutes > present).then_some(present),
            beyond_limit: limit.needs_level_above(present, minutes),
        })
    }

    /// The adjustment limit that holds in a region: its county's own, or the deployment's.
    async fn adjustment_limit_in(&self, tx: &mut Tx, region: &str) -> ServiceResult<AdjustmentLimit> {
        let county = stored_region(region)?
            .lineage()
            .into_iter()
            .find(|code| code.level() == RegionLevel::County);
        let Some(county) = county else {
            return Ok(self.settings.adjustment_limit);
        };
        let own = records::adjustment_limit(tx, county.as_str())
            .await
            .doing("reading the county's adjustment limit")?;
        Ok(
            own.map_or(self.settings.adjustment_limit, |(minutes, percent)| AdjustmentLimit {
                minutes,
                percent,
            }),
        )
    }

    /// A county's adjustment limit, for reviewers whose region covers it.
    pub async fn county_adjustment_limit(&self, actor: &Actor, county: &str) -> ServiceResult<CountyAdjustmentLimit> {
        crate::refuse_unless_capable(actor, Action::RecordReview)?;
        let county = county_code(county)?;
        authorize(actor, Action::RecordReview, &Target::in_region(county.clone()))?;
        let mut tx = self.db.read().await.doing("starting a read")?;
        let limit = self.adjustment_limit_in(&mut tx, county.as_str()).await?;
        Ok(CountyAdjustmentLimit {
            county_code: county.to_string(),
            minutes: limit.minutes,
            percent: limit.percent,
        })
    }

    /// Sets a county's adjustment limit: by the city's reviewers, never the county's own (a limit
    /// one sets for oneself is no limit), audited.
    pub async fn set_county_adjustment_limit(
        &self,
        actor: &Actor,
        county: &str,
        input: &AdjustmentLimitInput,
    ) -> ServiceResult<CountyAdjustmentLimit> {
        crate::refuse_unless_capable(actor, Action::RecordReview)?;
        let county = county_code(county)?;
        let city = county.parent().ok_or_else(|| ServiceError::rule(ErrorCode::NotFound))?;
        authorize(actor, Action::RecordReview, &Target::in_region(city.clone()))?;
        let limit = AdjustmentLimit::new(input.minutes, input.percent)?;
        let mut tx = self.db.begin().await.doing("starting the change")?;
        records::put_adjustment_limit(
            &mut tx,
            county.as_str(),
            (limit.minutes, limit.percent),
            (actor.label(), self.now()),
        )
        .await
        .doing("storing the limit")?;
        let change = Change {
            action: Action::RecordReview,
            target_kind: "adjustment_limit",
            target_id: county.to_string(),
            region: Some(&county),
            event: event!("adjustment_limit.set", minutes = limit.minutes, percent = limit.percent),
        };
        record(&mut tx, actor, self.now(), change).await?;
        tx.commit().await.doing("committing the change")?;
        Ok(CountyAdjustmentLimit {
            county_code: county.to_string(),
            minutes: limit.minutes,
            percent: limit.percent,
        })
    }

    /// The minutes the volunteer was present, by their check-in and check-out within the activity.
    /// Time entered by hand (a make-up, a backfill) was present for what its first version
    /// credited, approved as it was entered; a reported record for none. Never the current
    /// minutes: corrections would otherwise ratchet a record up a limit at a time.
    async fn presence(
        &self,
        tx: &mut Tx,
        record_row: &RecordRow,
        activity: &activities::ActivityRow,
    ) -> ServiceResult<i64> {
        if record_row.source == RecordSource::Reported {
            return Ok(0);
        }
        let entered = records::version_of(tx, record_row.id, 1)
            .await
            .doing("reading the first version")?
            .map_or(0, |first| first.minutes);
        if record_row.source != RecordSource::Checkin {
            return Ok(entered);
        }
        let attendance = records::attendance_of(tx, activity.id, record_row.volunteer_id)
            .await
            .doing("reading the attendance")?;
        Ok(
            match attendance.and_then(|a| a.checked_out_at.map(|out| (a.checked_in_at, out))) {
                Some((checked_in, out)) => minutes_present(checked_in, out, activity.starts_at, activity.ends_at),
                None => entered,
            },
        )
    }

    /// The organizer rejects a pending record, with a reason.
    pub async fn reject_record(
        &self,
        actor: &Actor,
        record_id: RecordId,
        reason: &str,
    ) -> ServiceResult<RecordSummary> {
        crate::refuse_unless_capable(actor, Action::ActivityRun)?;
        let mut tx = self.db.begin().await.doing("starting the rejection")?;
        let record_row = find_record(&mut tx, record_id).await?;
        let (_, target) = run_by(&mut tx, actor, record_row.activity_id).await?;
        self.refuse_own(&mut tx, actor, record_row.volunteer_id).await?;
        record_row.state.after(RecordEvent::Reject)?;
        let reason = reason_of(reason, "reason")?;
        let what = event!("record.rejected", volunteer = record_row.volunteer_id, reason = reason);
        let step = Audited {
            action: Action::ActivityRun,
            region: target.region.as_ref(),
            event: what,
        };
        let next = NextVersion {
            event: RecordEvent::Reject,
            state: record_row.state.after(RecordEvent::Reject)?,
            minutes: record_row.minutes,
            reason: &reason,
            adjusted_from: None,
        };
        // A rejected record stands for no service: its flags are closed with it.
        self.resolve_flags_of(&mut tx, actor, record_id, &reason).await?;
        let stored = self.decide_version(&mut tx, actor, &record_row, next, step).await?;
        tx.commit().await.doing("committing the rejection")?;
        Ok(stored)
    }

    /// The volunteer asks to correct a confirmed record (R-REC-9).
    pub async fn request_correction(
        &self,
        actor: &Actor,
        record_id: RecordId,
        input: &CorrectionInput,
    ) -> ServiceResult<CorrectionView> {
        let mut tx = self.db.begin().await.doing("starting the request")?;
        let volunteer = crate::volunteers::own_volunteer(&mut tx, actor).await?;
        let record_row = Some(find_record(&mut tx, record_id).await?)
            .filter(|r| r.volunteer_id == volunteer.id)
            .ok_or_else(|| ServiceError::rule(ErrorCode::NotFound))?;
        record_row.state.after(RecordEvent::Correct)?;
        let activity = find_activity(&mut tx, record_row.activity_id).await?;
        let view = self
            .file_request(
                &mut tx,
                actor,
                RequestAbout {
                    activity: &activity,
                    volunteer: volunteer.id,
                    record: Some(record_id),
                },
                input,
            )
            .await?;
        tx.commit().await.doing("committing the request")?;
        Ok(view)
    }

    /// The volunteer reports service that has no record at all (an omission, R-REC-9).
    pub async fn report_missing(
        &self,
        actor: &Actor,
        activity_id: ActivityId,
        input: &CorrectionInput,
    ) -> ServiceResult<CorrectionView> {
        let mut tx = self.db.begin().await.doing("starting the report")?;
        let volunteer = crate::volunteers::own_volunteer(&mut tx, actor).await?;
        let activity = find_activity(&mut tx, activity_id).await?;
        reportable(&mut tx, &activity, volunteer.id).await?;
        // Approved, a report is a confirmed record: no sooner than the activity's end.
        if self.now() < activity.ends_at {
            return Err(ServiceError::rule(ErrorCode::ActivityNotEnded));
        }
        if records::record_of(&mut tx, volunteer.id, activity_id)
            .await
            .doing("looking for a record")?
            .is_some()
        {
            return Err(ServiceError::rule(ErrorCode::RecordExists));
        }
        let view = self
            .file_request(
                &mut tx,
                actor,
                RequestAbout {
                    activity: &activity,
                    volunteer: volunteer.id,
                    record: None,
                },
                input,
            )
            .await?;
        tx.commit().await.doing("committing the report")?;
        Ok(view)
    }

    async fn file_request(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        RequestAbout {
            activity,
            volunteer,
            record: record_id,
        }: RequestAbout<'_>,
        input: &CorrectionInput,
    ) -> ServiceResult<CorrectionView> {
        let minutes = minutes_within(input.minutes, activity)?;
        let reason = reason_of(&input.reason, "reason")?;
        if records::open_correction_exists(tx, volunteer, activity.id)
            .await
            .doing("looking for open requests")?
        {
            return Err(ServiceError::rule(ErrorCode::CorrectionExists));
        }
        let id = new_id();
        let row = NewCorrection {
            id,
            record_id,
            activity_id: activity.id,
            volunteer_id: volunteer,
            minutes,
            reason: &reason,
            requested_by: actor.label(),
            at: self.now(),
        };
        records::insert_correction(tx, &row)
            .await
            .doing("storing the request")?;
        let stored = records::correction(tx, id).await.doing("reading the request back")?;
        stored
            .map(correction_view)
            .ok_or_else(|| ServiceError::Internal(anyhow::anyhow!("the request vanished")))
    }

    /// The organizer decides a correction request: approving writes a new version (or, for a
    /// missing record, a confirmed record) naming who asked and who approved. Approving one that
    /// credits beyond the adjustment limit endorses it for the site above, where someone else
    /// decides it (a missing record's time was present for none).
    pub async fn decide_correction(
        &self,
        actor: &Actor,
        request_id: i64,
        input: &DecisionInput,
    ) -> ServiceResult<CorrectionView> {
        let mut tx = self.db.begin().await.doing("starting the decision")?;
        let request = records::correction(&mut tx, request_id)
            .await
            .doing("finding the request")?
            .ok_or_else(|| ServiceError::rule(ErrorCode::NotFound))?;
        let activity = find_activity(&mut tx, request.activity_id).await?;
        let (action, region) = match request.endorsed_by {
            Some(endorser) => self.decided_above(&mut tx, actor, &activity, endorser).await?,
            None => {
                crate::refuse_unless_capable(actor, Action::ActivityRun)?;
                (
                    Action::ActivityRun,
                    run_by(&mut tx, actor, request.activity_id).await?.1.region,
                )
            }
        };
        self.refuse_own(&mut tx, actor, request.volunteer_id).await?;
        let note = input.note.trim();
        let verdict = input.verdict();
        if !verdict.approves() && note.is_empty() {
            return Err(rule(ErrorCode::ReasonRequired, "note"));
        }
        let (volunteer, hours) = (request.volunteer_id, hours_text(request.minutes));
        let event = match verdict {
            Verdict::Approve => {
                let adjustment = self.requested_adjustment(&mut tx, &request, &activity).await?;
                if request.endorsed_by.is_none()
                    && (adjustment.beyond_limit || self.correction_flagged(&mut tx, &request).await?)
                {
                    self.endorse(&mut tx, actor, request_id).await?;
                    event!("correction.endorsed", volunteer = volunteer, hours = hours)
                } else {
                    self.close_request(&mut tx, actor, &request, (verdict, note)).await?;
                    self.apply_correction(&mut tx, actor, (&request, &activity), adjustment.adjusted_from)
                        .await?;
                    event!("correction.approved", volunteer = volunteer, hours = hours)
                }
            }
            Verdict::Refuse => {
                self.close_request(&mut tx, actor, &request, (verdict, note)).await?;
                event!("correction.denied", volunteer = volunteer, hours = hours)
            }
        };
        let change = Change {
            action,
            target_kind: "correction_request",
            target_id: request_id.to_string(),
            region: region.as_ref(),
            event,
        };
        record(&mut tx, actor, self.now(), change).await?;
        let stored = records::correction(&mut tx, request_id).await.doing("reading back")?;
        tx.commit().await.doing("committing the decision")?;
        stored
            .map(correction_view)
            .ok_or_else(|| ServiceError::Internal(anyhow::anyhow!("the request vanished")))
    }

    /// Who decides a request endorsed for the site above: a reviewer of the region above the
    /// activity's (the city's own reviewers for the city's activities) who is not the one who
    /// endorsed it. The audit entry goes to that region.
    async fn decided_above(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        activity: &activities::ActivityRow,
        endorser: AccountId,
    ) -> ServiceResult<(Action, Option<RegionCode>)> {
        crate::refuse_unless_capable(actor, Action::RecordReview)?;
        let above = region_above(&activity.region_code)?;
        authorize(actor, Action::RecordReview, &Target::in_region(above.clone()))
            .map_err(|_| rule(ErrorCode::AdjustmentNeedsLevelAbove, "minutes"))?;
        self.refuse_party(tx, actor, &[endorser]).await?;
        Ok((Action::RecordReview, Some(above)))
    }

    /// `same_approver` when the actor is the same person as any of `parties` (decisions.md D2).
    pub(crate) async fn refuse_party(&self, tx: &mut Tx, actor: &Actor, parties: &[AccountId]) -> ServiceResult<()> {
        let Some(approver) = actor.account_id() else {
            return Ok(());
        };
        for &party in parties {
            if !self.distinct_persons(tx, party, approver).await? {
                return Err(ServiceError::rule(ErrorCode::SameApprover));
            }
        }
        Ok(())
    }

    /// What approving the request would credit: over the record's presence, or over none for
    /// a missing record (whose activity must still be live and the volunteer's place held).
    async fn requested_adjustment(
        &self,
        tx: &mut Tx,
        request: &records::CorrectionRow,
        activity: &activities::ActivityRow,
    ) -> ServiceResult<Adjustment> {
        match request.record_id {
            Some(id) => {
                let current = find_record(tx, id).await?;
                // A revoked record's hours do not come back by a correction.
                current.state.after(RecordEvent::Correct)?;
                self.adjustment(tx, (&current, activity), request.minutes).await
            }
            None => {
                reportable(tx, activity, request.volunteer_id).await?;
                self.adjustment_over(tx, &activity.region_code, (0, request.minutes))
                    .await
            }
        }
    }

    /// Whether correcting the record as asked would raise a flag: then, like credit beyond the
    /// limit, it is not the organizer's alone (decisions.md D1).
    async fn correction_flagged(&self, tx: &mut Tx, request: &records::CorrectionRow) -> ServiceResult<bool> {
        match request.record_id {
            Some(id) => {
                let current = find_record(tx, id).await?;
                self.would_flag(tx, &current, request.minutes).await
            }
            None => Ok(false),
        }
    }

    async fn endorse(&self, tx: &mut Tx, actor: &Actor, request_id: i64) -> ServiceResult<()> {
        let by = actor
            .account_id()
            .ok_or_else(|| ServiceError::Internal(anyhow::anyhow!("an endorsement needs an account")))?;
        if !records::endorse_correction(tx, request_id, by, self.now())
            .await
            .doing("endorsing")?
        {
            return Err(rule(ErrorCode::InvalidTransition, "state"));
        }
        Ok(())
    }

    async fn close_request(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        request: &records::CorrectionRow,
        (verdict, note): (Verdict, &str),
    ) -> ServiceResult<()> {
        if !records::decide_correction(
            tx,
            (request.id, request.endorsed_by),
            verdict,
            (actor.label(), note),
            self.now(),
        )
        .await
        .doing("deciding")?
        {
            return Err(rule(ErrorCode::InvalidTransition, "state"));
        }
        Ok(())
    }

    /// An approved request: the record's next version, or a new confirmed record for service that
    /// had none, naming who asked and who approved, and the presence it adjusts.
    async fn apply_correction(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        (request, activity): (&records::CorrectionRow, &activities::ActivityRow),
        adjusted_from: Option<i64>,
    ) -> ServiceResult<()> {
        let version = Version {
            action: match request.record_id {
                Some(_) => RecordEvent::Correct.into(),
                None => VersionAction::Entered,
            },
            state: RecordState::Confirmed,
            minutes: request.minutes,
            adjusted_from,
            reason: &request.reason,
            requested_by: &request.requested_by,
            approved_by: Some(actor.label()),
            written_by: actor.account_id(),
            at: self.now(),
        };
        match request.record_id {
            Some(id) => {
                let current = find_record(tx, id).await?;
                current.state.after(RecordEvent::Correct)?;
                self.next_version(tx, &current, &version).await?;
                self.flag_record(tx, id).await
            }
            None => {
                let id = new_id();
                let row = NewRecord {
                    id,
                    volunteer_id: request.volunteer_id,
                    activity_id: activity.id,
                    region_code: &activity.region_code,
                    source: RecordSource::Reported,
                    state: RecordState::Confirmed,
                    minutes: request.minutes,
                    evidence_id: None,
                    entered_by: None,
                    at: self.now(),
                };
                if !records::insert_record(tx, &row, &version)
                    .await
                    .doing("storing the record")?
                {
                    return Err(ServiceError::rule(ErrorCode::RecordExists));
                }
                records::add_confirmed_minutes(tx, request.volunteer_id, &activity.region_code, request.minutes)
                    .await
                    .doing("adding to the total")?;
                self.flag_record(tx, id).await
            }
        }
    }

    /// Correction requests of an activity, for its organizer.
    pub async fn corrections(&self, actor: &Actor, activity_id: ActivityId) -> ServiceResult<Vec<CorrectionView>> {
        crate::refuse_unless_capable(actor, Action::ActivityRun)?;
        let mut tx = self.db.read().await.doing("starting a read")?;
        run_by(&mut tx, actor, activity_id).await?;
        let rows = records::corrections_of_activity(&mut tx, activity_id)
            .await
            .doing("reading requests")?;
        Ok(rows.into_iter().map(correction_view).collect())
    }

    /// Whether the actor may backfill these hours: the activity is theirs to run and has begun,
    /// the minutes fit it, a reason is given and the volunteer exists.
    async fn backfill_allowed(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        input: &BackfillInput,
    ) -> ServiceResult<(activities::ActivityRow, Target, i64, String)> {
        let (activity, target) = run_by(tx, actor, input.activity_id).await?;
        self.refuse_own(tx, actor, input.volunteer_id).await?;
        if self.now() < activity.ends_at {
            return Err(ServiceError::rule(ErrorCode::ActivityNotEnded));
        }
        let minutes = minutes_within(input.minutes, &activity)?;
        let reason = reason_of(&input.reason, "reason")?;
        volunteers::find(tx, input.volunteer_id)
            .await
            .doing("finding the volunteer")?
            .ok_or_else(|| rule(ErrorCode::NotFound, "volunteer_id"))?;
        Ok((activity, target, minutes, reason))
    }

    /// Hours with no check-in (a paper sign sheet): evidence required, and a second approver.
    pub async fn backfill(
        &self,
        actor: &Actor,
        input: &BackfillInput,
        evidence: &Evidence<'_>,
    ) -> ServiceResult<RecordSummary> {
        crate::refuse_unless_capable(actor, Action::ActivityRun)?;
        // Who may enter it and what it says are checked before the file is read at all, and
        // again in the write (the activity may have changed while the file was read).
        let mut read = self.db.read().await.doing("starting a read")?;
        self.backfill_allowed(&mut read, actor, input).await?;
        drop(read);
        let checked = uploads::check(UploadKind::Evidence, evidence.bytes.to_vec()).await?;
        let mut tx = self.db.begin().await.doing("starting the backfill")?;
        let (activity, target, minutes, reason) = self.backfill_allowed(&mut tx, actor, input).await?;
        let evidence_id = new_id();
        let name: String = evidence.file_name.chars().take(200).collect();
        records::insert_evidence(
            &mut tx,
            evidence_id,
            (&name, checked.file_type.content_type()),
            &checked.bytes,
            (actor.label(), self.now()),
        )
        .await
        .doing("storing the evidence")?;
        let id = new_id();
        let row = NewRecord {
            id,
            volunteer_id: input.volunteer_id,
            activity_id: activity.id,
            region_code: &activity.region_code,
            source: RecordSource::Backfill,
            state: RecordState::AwaitingSecond,
            minutes,
            evidence_id: Some(evidence_id),
            entered_by: actor.account_id(),
            at: self.now(),
        };
        let first = Version {
            action: VersionAction::Entered,
            state: RecordState::AwaitingSecond,
            minutes,
            adjusted_from: None,
            reason: &reason,
            requested_by: actor.label(),
            approved_by: None,
            written_by: actor.account_id(),
            at: self.now(),
        };
        if !records::insert_record(&mut tx, &row, &first)
            .await
            .doing("storing the record")?
        {
            return Err(ServiceError::rule(ErrorCode::RecordExists));
        }
        self.flag_record(&mut tx, id).await?;
        let change = Change {
            action: Action::ActivityRun,
            target_kind: "service_record",
            target_id: id.to_string(),
            region: target.region.as_ref(),
            event: event!(
                "record.backfilled",
                hours = hours_text(minutes),
                volunteer = input.volunteer_id,
                reason = reason
            ),
        };
        record(&mut tx, actor, self.now(), change).await?;
        let stored = find_record(&mut tx, id).await?.into();
        tx.commit().await.doing("committing the backfill")?;
        Ok(stored)
    }

    /// Why a record awaits its second approver, which decides who that is: credit nobody measured
    /// (a backfill) or beyond the adjustment limit goes to the site above; a record held only for
    /// its flags to a reviewer of its own region (or above) who took no part (decisions.md D1).
    async fn hold_of(&self, tx: &mut Tx, record_row: &RecordRow) -> ServiceResult<Hold> {
        let held = records::version_of(tx, record_row.id, record_row.version)
            .await
            .doing("reading the held version")?;
        let limit = self.adjustment_limit_in(tx, &record_row.region_code).await?;
        let beyond_limit = held
            .and_then(|v| v.adjusted_from.map(|present| (present, v.minutes)))
            .is_some_and(|(present, minutes)| limit.needs_level_above(present, minutes));
        Ok(Hold {
            needs_level_above: beyond_limit || record_row.source == RecordSource::Backfill,
            flagged: self.has_open_flags(tx, record_row.id).await?,
        })
    }

    /// The second approval of a record awaiting one (a backfill, a confirmation beyond the
    /// adjustment limit or of a flagged record), by a reviewer who took no part in it: of the site
    /// above the organizing site (the city's own at the top), or for a record held only for its
    /// flags, of its own region.
    pub async fn approve_backfill(
        &self,
        actor: &Actor,
        record_id: RecordId,
        input: &DecisionInput,
    ) -> ServiceResult<RecordSummary> {
        crate::refuse_unless_capable(actor, Action::RecordReview)?;
        let mut tx = self.db.begin().await.doing("starting the approval")?;
        let record_row = find_record(&mut tx, record_id).await?;
        record_row.state.after(RecordEvent::Approve)?;
        let hold = self.hold_of(&mut tx, &record_row).await?;
        let reviewers = hold.reviewers(&record_row.region_code)?;
        authorize(actor, Action::RecordReview, &Target::in_region(reviewers.clone()))?;
        self.refuse_own(&mut tx, actor, record_row.volunteer_id).await?;
        let verdict = input.verdict();
        let (decided_by, state) = match verdict {
            Verdict::Approve => (RecordEvent::Approve, record_row.state.after(RecordEvent::Approve)?),
            Verdict::Refuse => (
                RecordEvent::Refuse,
                record_row
                    .state
                    .after_refusal(hold.returns_when_refused(record_row.source))?,
            ),
        };
        // Two persons, not two accounts: whoever entered the record or confirmed it beyond the
        // limit, by any of their accounts, is no second approver (decisions.md D2).
        let parties = records::accounts_on(&mut tx, record_id)
            .await
            .doing("reading who wrote the record")?;
        self.refuse_party(&mut tx, actor, &parties).await?;
        let note = input.note.trim();
        if !verdict.approves() && note.is_empty() {
            return Err(rule(ErrorCode::ReasonRequired, "note"));
        }
        let reason = if note.is_empty() { "second approval" } else { note };
        let (hours, volunteer) = (hours_text(record_row.minutes), record_row.volunteer_id);
        let what = match verdict {
            Verdict::Approve => event!("backfill.approved", hours = hours, volunteer = volunteer),
            Verdict::Refuse => event!("backfill.refused", hours = hours, volunteer = volunteer),
        };
        let step = Audited {
            action: Action::RecordReview,
            region: Some(&reviewers),
            event: what,
        };
        // Returned to pending, it credits again what it did before the refused confirmation.
        let minutes = match state {
            RecordState::Pending => records::version_of(&mut tx, record_id, record_row.version - 1)
                .await
                .doing("reading the version before")?
                .map_or(record_row.minutes, |before| before.minutes),
            _ => record_row.minutes,
        };
        let next = NextVersion {
            event: decided_by,
            state,
            minutes,
            reason,
            adjusted_from: None,
        };
        let stored = self.decide_version(&mut tx, actor, &record_row, next, step).await?;
        // The second approver reviewed what its flags say, as it credits now (those its new
        // version raised included): cleared, or rejected, with it.
        if state != RecordState::Pending {
            self.resolve_flags_of(&mut tx, actor, record_id, reason).await?;
        }
        tx.commit().await.doing("committing the approval")?;
        Ok(stored)
    }

    /// Revokes a confirmed record on a finding of fraud: its hours leave the totals, and the verify
    /// page of any certificate that certified it says so. By the admins of the record's region.
    pub async fn revoke_record(
        &self,
        actor: &Actor,
        record_id: RecordId,
        reason: &str,
    ) -> ServiceResult<RecordSummary> {
        crate::refuse_unless_capable(actor, Action::RecordReview)?;
        let mut tx = self.db.begin().await.doing("starting the revocation")?;
        let record_row = find_record(&mut tx, record_id).await?;
        let region = stored_region(&record_row.region_code)?;
        authorize(actor, Action::RecordReview, &Target::in_region(region.clone()))?;
        let reason = reason_of(reason, "reason")?;
        let what = event!(
            "record.revoked",
            hours = hours_text(record_row.minutes),
            volunteer = record_row.volunteer_id,
            reason = reason
        );
        let stored = self
            .reviewed(
                &mut tx,
                actor,
                &record_row,
                (RecordEvent::Revoke, what),
                (&region, &reason),
            )
            .await?;
        tx.commit().await.doing("committing the revocation")?;
        Ok(stored)
    }

    /// A reviewer's move of a record with a reason (a revocation, a reinstatement), audited in
    /// `region`.
    async fn reviewed(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        record_row: &RecordRow,
        (moved_by, what): (RecordEvent, Event),
        (region, reason): (&RegionCode, &str),
    ) -> ServiceResult<RecordSummary> {
        let step = Audited {
            action: Action::RecordReview,
            region: Some(region),
            event: what,
        };
        let next = NextVersion {
            event: moved_by,
            state: record_row.state.after(moved_by)?,
            minutes: record_row.minutes,
            reason,
            adjusted_from: None,
        };
        self.decide_version(tx, actor, record_row, next, step).await
    }

    /// Reinstates a revoked record, with a reason: revocation is final but for the level above
    /// (reviewers of the region above the record's, the city's own at the top), and only one
    /// who took no part in the record, its revocation included.
    pub async fn reinstate_record(
        &self,
        actor: &Actor,
        record_id: RecordId,
        reason: &str,
    ) -> ServiceResult<RecordSummary> {
        crate::refuse_unless_capable(actor, Action::RecordReview)?;
        let mut tx = self.db.begin().await.doing("starting the reinstatement")?;
        let record_row = find_record(&mut tx, record_id).await?;
        let above = region_above(&record_row.region_code)?;
        authorize(actor, Action::RecordReview, &Target::in_region(above.clone()))?;
        self.refuse_own(&mut tx, actor, record_row.volunteer_id).await?;
        record_row.state.after(RecordEvent::Reinstate)?;
        let parties = records::accounts_on(&mut tx, record_id)
            .await
            .doing("reading who wrote the record")?;
        self.refuse_party(&mut tx, actor, &parties).await?;
        let reason = reason_of(reason, "reason")?;
        let what = event!(
            "record.reinstated",
            hours = hours_text(record_row.minutes),
            volunteer = record_row.volunteer_id,
            reason = reason
        );
        let stored = self
            .reviewed(
                &mut tx,
                actor,
                &record_row,
                (RecordEvent::Reinstate, what),
                (&above, &reason),
            )
            .await?;
        tx.commit().await.doing("committing the reinstatement")?;
        Ok(stored)
    }

    /// A backfill's evidence file, for those who review or run it, under a name of our own
    /// (`evidence-<record>.<type>`): the uploader's name is never sent back as a file name.
    pub async fn evidence(&self, actor: &Actor, record_id: RecordId) -> ServiceResult<Download> {
        crate::refuse_unless_capable(actor, Action::ActivityRun)?;
        let mut tx = self.db.read().await.doing("starting a read")?;
        let record_row = find_record(&mut tx, record_id).await?;
        let region = stored_region(&record_row.region_code)?;
        let above = region.parent().unwrap_or(region);
        let activity = find_activity(&mut tx, record_row.activity_id).await?;
        let runs = authorize(actor, Action::ActivityRun, &run_target(&mut tx, &activity).await?);
        if runs.is_err() {
            authorize(actor, Action::RecordReview, &Target::in_region(above))?;
        }
        let id = record_row
            .evidence_id
            .ok_or_else(|| ServiceError::rule(ErrorCode::NotFound))?;
        let (_, content_type, bytes) = records::evidence(&mut tx, id)
            .await
            .doing("reading the evidence")?
            .ok_or_else(|| ServiceError::rule(ErrorCode::NotFound))?;
        let file_type = FileType::from_content_type(&content_type)
            .ok_or_else(|| ServiceError::Internal(anyhow::anyhow!("stored evidence of type {content_type}")))?;
        Ok(Download {
            file_name: format!("evidence-{record_id}.{}", file_type.extension()),
            content_type: file_type.content_type(),
            bytes,
        })
    }

    /// The working-day calendar of the deployment.
    async fn work_calendar(&self, tx: &mut Tx) -> ServiceResult<WorkCalendar> {
        let days = records::calendar_days(tx).await.doing("reading the calendar")?;
        let format = time::macros::format_description!("[year]-[month]-[day]");
        let parsed = days
            .into_iter()
            .filter_map(|(day, holiday)| Date::parse(&day, &format).ok().map(|d| (d, holiday)));
        Ok(WorkCalendar::new(parsed))
    }

    /// Escalates each record still awaiting its second approver after its review deadline (10
    /// working days) to the region above its reviewers' (the city stays the city), once, audited
    /// as the system's. Part of the sweep; how many it escalated.
    pub async fn escalate_overdue_reviews(&self) -> ServiceResult<usize> {
        let now = self.now();
        let today = hongmajia_domain::calendar::china_day(now);
        // Every five seconds, usually to find nothing: the calendar is read only for candidates.
        let overdue: Vec<_> = {
            let mut read = self.db.read().await.doing("starting a read")?;
            // Ten working days are at least ten calendar days: the query narrows, the calendar
            // decides.
            let candidates = records::awaiting_unescalated(&mut read, now - Duration::days(10))
                .await
                .doing("reading records awaiting review")?;
            if candidates.is_empty() {
                return Ok(0);
            }
            let calendar = self.work_calendar(&mut read).await?;
            candidates
                .into_iter()
                .filter(|waiting| today > review_deadline(&calendar, waiting.updated_at))
                .collect()
        };
        if overdue.is_empty() {
            return Ok(0);
        }
        let mut tx = self.db.begin().await.doing("starting the escalation")?;
        let mut escalated = 0;
        for waiting in overdue {
            let reviewers = self
                .hold_of(&mut tx, &waiting.record)
                .await?
                .reviewers(&waiting.record.region_code)?;
            let to = reviewers.parent().unwrap_or(reviewers);
            let wait = (waiting.record.id, waiting.record.version);
            if !records::escalate(&mut tx, wait, to.as_str(), now)
                .await
                .doing("escalating")?
            {
                continue;
            }
            let change = Change {
                action: Action::RecordReview,
                target_kind: "service_record",
                target_id: waiting.record.id.to_string(),
                region: Some(&to),
                event: event!(
                    "record.escalated",
                    hours = hours_text(waiting.record.minutes),
                    volunteer = waiting.record.volunteer_id
                ),
            };
            record(&mut tx, &Actor::System, now, change).await?;
            escalated += 1;
        }
        tx.commit().await.doing("committing the escalation")?;
        Ok(escalated)
    }

    /// The holiday table: each listed day, and whether it is a holiday (else a worked weekend day).
    pub async fn calendar(&self) -> ServiceResult<Vec<(String, bool)>> {
        let mut tx = self.db.read().await.doing("starting a read")?;
        records::calendar_days(&mut tx).await.doing("reading the calendar")
    }

    /// Sets a day of the holiday table: a public holiday, or a weekend day worked (调休).
    pub async fn set_calendar_day(&self, actor: &Actor, day: Date, holiday: bool) -> ServiceResult<()> {
        if !matches!(actor, Actor::System) {
            return Err(ServiceError::rule(ErrorCode::Forbidden));
        }
        let mut tx = self.db.begin().await.doing("starting the change")?;
        records::put_calendar_day(&mut tx, &day.to_string(), holiday)
            .await
            .doing("storing the day")?;
        let change = Change {
            action: Action::RegionEdit,
            target_kind: "calendar_day",
            target_id: day.to_string(),
            region: None,
            event: if holiday {
                event!("calendar.holiday", day = day)
            } else {
                event!("calendar.working_day", day = day)
            },
        };
        record(&mut tx, actor, self.now(), change).await?;
        tx.commit().await.doing("committing the change")?;
        Ok(())
    }

    /// What the admins of a region review: backfills awaiting them, activities overdue.
    pub async fn record_reviews(&self, actor: &Actor, region: &str) -> ServiceResult<RecordReviews> {
        crate::refuse_unless_capable(actor, Action::RecordReview)?;
        let region = RegionCode::parse(region)?;
        authorize(actor, Action::RecordReview, &Target::in_region(region.clone()))?;
        let mut tx = self.db.read().await.doing("starting a read")?;
        let prefix = region.scope_prefix();
        let calendar = self.work_calendar(&mut tx).await?;
        let mut pending = Vec::new();
        for waiting in records::awaiting_second(&mut tx, prefix)
            .await
            .doing("reading records awaiting a second approver")?
        {
            // Those this region's reviewers may decide: held at this region or below it.
            let reviewers = self
                .hold_of(&mut tx, &waiting.record)
                .await?
                .reviewers(&waiting.record.region_code)?;
            if !region.covers(&reviewers) {
                continue;
            }
            pending.push(PendingBackfill {
                record_id: waiting.record.id,
                source: waiting.record.source,
                activity_id: waiting.record.activity_id,
                volunteer_id: waiting.record.volunteer_id,
                minutes: waiting.record.minutes,
                region_code: waiting.record.region_code,
                evidence_id: waiting.record.evidence_id,
                deadline: review_deadline(&calendar, waiting.updated_at).to_string(),
                escalated_to: waiting.escalated_to,
            });
        }
        let endorsed = records::endorsed_corrections(&mut tx, prefix)
            .await
            .doing("reading endorsed corrections")?
            .into_iter()
            .filter(|(_, code)| region_above(code).is_ok_and(|above| region.covers(&above)))
            .map(|(request, _)| correction_view(request))
            .collect();
        let overdue = self.overdue_in(&mut tx, prefix).await?;
        let anomalies = self.open_flags(&mut tx, prefix).await?;
        Ok(RecordReviews {
            awaiting_second_approval: pending,
            endorsed_corrections: endorsed,
            overdue,
            anomalies,
        })
    }

    /// The deadline an activity's records have passed, if they have (the organizer's banner).
    pub async fn overdue_deadline(&self, actor: &Actor, activity_id: ActivityId) -> ServiceResult<Option<String>> {
        crate::refuse_unless_capable(actor, Action::ActivityRun)?;
        let mut tx = self.db.read().await.doing("starting a read")?;
        let (activity, _) = run_by(&mut tx, actor, activity_id).await?;
        let overdue = self.overdue_in(&mut tx, &activity.region_code).await?;
        Ok(overdue
            .into_iter()
            .find(|o| o.activity_id == activity_id)
            .map(|o| o.deadline))
    }

    async fn overdue_in(&self, tx: &mut Tx, prefix: &str) -> ServiceResult<Vec<OverdueActivity>> {
        let calendar = self.work_calendar(tx).await?;
        let now = self.now();
        let today = hongmajia_domain::calendar::china_day(now);
        // Ten working days are at least ten calendar days: the query narrows, the calendar decides.
        let candidates = records::unfinished_activities(tx, prefix, now - Duration::days(10))
            .await
            .doing("reading unfinished activities")?;
        Ok(candidates
            .into_iter()
            .filter_map(|(id, title, ended_at, count)| {
                let ended = hongmajia_domain::calendar::china_day(ended_at);
                calendar.records_overdue(ended, today).then(|| OverdueActivity {
                    activity_id: id,
                    title,
                    ended_at,
                    deadline: calendar
                        .working_days_after(ended, RECORD_DEADLINE_WORKING_DAYS)
                        .to_string(),
                    unconfirmed_records: count,
                })
            })
            .collect())
    }

    /// The signed-in volunteer's hours, star level and records with every version.
    pub async fn my_hours(&self, actor: &Actor) -> ServiceResult<MyHours> {
        let mut tx = self.db.read().await.doing("starting a read")?;
        let volunteer = crate::volunteers::own_volunteer(&mut tx, actor).await?;
        self.hours_of(&mut tx, &volunteer).await
    }

    /// A volunteer's hours, for the volunteer and the staff whose region covers them.
    pub async fn hours_of_volunteer(&self, actor: &Actor, volunteer_id: VolunteerId) -> ServiceResult<MyHours> {
        let mut tx = self.db.read().await.doing("starting a read")?;
        let volunteer = volunteers::find(&mut tx, volunteer_id)
            .await
            .doing("finding the volunteer")?
            .ok_or_else(|| ServiceError::rule(ErrorCode::NotFound))?;
        authorize(
            actor,
            Action::VolunteerView,
            &crate::volunteers::holder_target(&volunteer)?,
        )?;
        self.hours_of(&mut tx, &volunteer).await
    }

    async fn hours_of(&self, tx: &mut Tx, volunteer: &volunteers::VolunteerRow) -> ServiceResult<MyHours> {
        let total = volunteer.confirmed_minutes;
        let lines = records::records_of_volunteer(tx, volunteer.id)
            .await
            .doing("reading the records")?;
        // One read for every version of every record, not one per record.
        let mut versions_of: std::collections::HashMap<RecordId, Vec<VersionView>> = std::collections::HashMap::new();
        for v in records::versions_of_volunteer(tx, volunteer.id)
            .await
            .doing("reading versions")?
        {
            versions_of.entry(v.record_id).or_default().push(version_view(v));
        }
        let mut views = Vec::with_capacity(lines.len());
        for line in lines {
            let versions = versions_of.remove(&line.id).unwrap_or_default();
            views.push(RecordView {
                id: line.id,
                activity_id: line.activity_id,
                activity_title: line.activity_title,
                activity_kind: line.activity_kind,
                starts_at: line.starts_at,
                organizer: line.organizer,
                source: line.source,
                state: line.state,
                minutes: line.minutes,
                hours: hours_text(line.minutes),
                versions,
            });
        }
        Ok(MyHours {
            volunteer_id: volunteer.id,
            name: volunteer.name.clone(),
            code: volunteer.code.clone(),
            confirmed_minutes: total,
            confirmed_hours: hours_text(total),
            star_level: star_level(total, &crate::star_thresholds()),
            records: views,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reason_is_kept_on_one_line_without_direction_overrides() {
        assert_eq!(reason_of("  纸质签到表\n补录 ", "reason").unwrap(), "纸质签到表 补录");
        assert_eq!(reason_of("ok\u{202E}dekaf", "reason").unwrap(), "ok dekaf");
        assert!(
            reason_of("\n\t\u{202E}", "reason").is_err(),
            "nothing left is no reason"
        );
    }
}
