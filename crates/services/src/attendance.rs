//! Attendance (domain.md §3.2): a volunteer checks in and out with the organizer's rotating QR
//! code or its 6-digit code, or the organizer records it by hand. Check-out turns the time present
//! into a pending service record (R-TIME: clipped to the activity, rounded, 60 % presence).
//!
//! The QR code carries a token signed with the deployment's lookup key: the activity, an expiry
//! about a minute ahead, and a MAC. The 6-digit code is derived from the same key and a five
//! minute slot, so the organizer's screen needs no stored state; wrong codes are throttled.

use crate::audit::{Change, event, record};
use crate::error::DbContext;
use crate::vault::Field;
use crate::{ServiceError, ServiceResult, Services, authorize};
use hongmajia_domain::activity::{SignupEvent, SignupState};
use hongmajia_domain::attendance::{Whereabouts, valid_position, whereabouts, within_checkin_window};
use hongmajia_domain::hours::{CountingRule, minutes_present};
use hongmajia_domain::record::{RecordSource, RecordState, VersionAction};
use hongmajia_domain::throttle::{ACCOUNT_LIMIT, WINDOW_SECONDS, may_check};
use hongmajia_domain::{AccountId, Action, Actor, DomainError, ErrorCode, RegionCode, Target};
use hongmajia_domain::{ActivityId, RecordId, SignupId, VolunteerId};
use hongmajia_store::records::{self, CheckIn, NewRecord, Version};
use hongmajia_store::{Tx, activities, new_id, projects, throttle, volunteers};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

/// How long a QR token stays valid after it is shown.
pub const TOKEN_SECONDS: i64 = 90;
/// How often the organizer's screen fetches a new one.
pub const REFRESH_SECONDS: i64 = 30;
/// The slot of a 6-digit code; the code of the slot before is accepted too.
const CODE_SLOT_SECONDS: i64 = 300;

/// What the organizer's screen shows: the token for the QR code and the code to type.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CheckinPass {
    pub activity_id: ActivityId,
    pub token: String,
    pub code: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: OffsetDateTime,
    pub refresh_seconds: i64,
}

/// How a volunteer proves presence: the QR token or the typed code.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PresenceInput {
    #[serde(default)]
    pub token: Option<String>,
    #[serde(default)]
    pub code: Option<String>,
    /// The phone's position, sent only with the volunteer's consent and only for activities with
    /// a geofence; only the distance and inside/outside are kept.
    #[serde(default)]
    pub latitude: Option<f64>,
    #[serde(default)]
    pub longitude: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    CheckIn,
    CheckOut,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AttendanceView {
    pub activity_id: ActivityId,
    pub volunteer_id: VolunteerId,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub checked_in_at: OffsetDateTime,
    pub check_in_method: String,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub checked_out_at: Option<OffsetDateTime>,
    pub check_out_method: Option<String>,
    pub distance_m: Option<i64>,
    pub inside_geofence: Option<bool>,
    /// The pending record a check-out made, and its minutes.
    pub record_id: Option<RecordId>,
    pub minutes: Option<i64>,
}

/// One line of an activity's roster.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RosterLine {
    pub signup_id: SignupId,
    pub volunteer_id: VolunteerId,
    pub name: String,
    pub code: String,
    #[schema(value_type = String)]
    pub state: SignupState,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub checked_in_at: Option<OffsetDateTime>,
    pub check_in_method: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub checked_out_at: Option<OffsetDateTime>,
    pub check_out_method: Option<String>,
    pub record_id: Option<RecordId>,
    #[schema(value_type = Option<String>)]
    pub record_state: Option<RecordState>,
    pub minutes: Option<i64>,
}

fn rule(code: ErrorCode, field: &'static str) -> ServiceError {
    ServiceError::Rule(DomainError::on(code, field))
}

/// Who runs an activity: staff of its region and the runners of its project's team.
pub(crate) async fn run_target(tx: &mut Tx, activity: &activities::ActivityRow) -> ServiceResult<Target> {
    let team = projects::find(tx, activity.project_id)
        .await
        .doing("finding the project")?
        .and_then(|p| p.team_id);
    let region = RegionCode::parse(&activity.region_code).map_err(|e| anyhow::anyhow!("activity region: {e}"))?;
    Ok(Target {
        region: Some(region),
        owner: None,
        team,
    })
}

/// An activity that `actor` runs (staff of its region, runners of its team), with the target the
/// policy checked: what every organizer's call starts with.
pub(crate) async fn run_by(
    tx: &mut Tx,
    actor: &Actor,
    id: ActivityId,
) -> ServiceResult<(activities::ActivityRow, Target)> {
    crate::refuse_unless_capable(actor, Action::ActivityRun)?;
    let activity = find_activity(tx, id).await?;
    let target = run_target(tx, &activity).await?;
    authorize(actor, Action::ActivityRun, &target)?;
    Ok((activity, target))
}

pub(crate) async fn find_activity(tx: &mut Tx, id: ActivityId) -> ServiceResult<activities::ActivityRow> {
    activities::find(tx, id)
        .await
        .doing("finding the activity")?
        .ok_or_else(|| ServiceError::rule(ErrorCode::NotFound))
}

/// The activity's own rule of counting service time.
fn counting_rule(activity: &activities::ActivityRow) -> CountingRule {
    CountingRule::new(
        activity.count_nothing_up_to,
        activity.count_half_up_to,
        activity.min_presence_percent,
    )
    .unwrap_or_default()
}

/// The activity's length in minutes, the cap of any record of it (R-TIME-4).
pub(crate) fn duration_minutes(activity: &activities::ActivityRow) -> i64 {
    (activity.ends_at - activity.starts_at).whole_minutes()
}

impl AttendanceView {
    fn from_row(row: records::AttendanceRow, record: Option<(RecordId, i64)>) -> Self {
        Self {
            activity_id: row.activity_id,
            volunteer_id: row.volunteer_id,
            checked_in_at: row.checked_in_at,
            check_in_method: row.check_in_method,
            checked_out_at: row.checked_out_at,
            check_out_method: row.check_out_method,
            distance_m: row.distance_m,
            inside_geofence: row.inside_geofence,
            record_id: record.map(|r| r.0),
            minutes: record.map(|r| r.1),
        }
    }
}

/// A position given with a check-in: both coordinates, plausible, or none.
fn position_of(latitude: Option<f64>, longitude: Option<f64>) -> ServiceResult<Option<(f64, f64)>> {
    match (latitude, longitude) {
        (Some(lat), Some(lng)) if valid_position((lat, lng)) => Ok(Some((lat, lng))),
        (None, None) => Ok(None),
        _ => Err(rule(ErrorCode::LocationRequired, "latitude")),
    }
}

/// How long a check-in nonce lives: the confirm page, and a login it may need first.
const NONCE_LIFE: time::Duration = time::Duration::minutes(10);

/// The method of attendance the organizer marks by hand.
pub(crate) const BY_HAND: &str = "manual";

impl Services {
    fn pass_mac(&self, activity: ActivityId, expires: i64) -> String {
        let mac = self.vault.lookup(Field::CheckinToken, &format!("{activity}.{expires}"));
        mac[..32].to_owned()
    }

    fn code_for_slot(&self, activity: ActivityId, slot: i64) -> String {
        let mac = self
            .vault
            .lookup(Field::CheckinToken, &format!("code.{activity}.{slot}"));
        let value = u64::from_str_radix(&mac[..15], 16).unwrap_or(0);
        format!("{:06}", value % 1_000_000)
    }

    /// The token and code the organizer's screen shows now.
    pub async fn checkin_pass(&self, actor: &Actor, activity_id: ActivityId) -> ServiceResult<CheckinPass> {
        crate::refuse_unless_capable(actor, Action::ActivityRun)?;
        let mut tx = self.db.read().await.doing("starting a read")?;
        run_by(&mut tx, actor, activity_id).await?;
        let now = self.now();
        let expires = now.unix_timestamp() + TOKEN_SECONDS;
        Ok(CheckinPass {
            activity_id,
            token: format!("{activity_id}.{expires}.{}", self.pass_mac(activity_id, expires)),
            code: self.code_for_slot(activity_id, now.unix_timestamp() / CODE_SLOT_SECONDS),
            expires_at: OffsetDateTime::from_unix_timestamp(expires).map_err(|e| anyhow::anyhow!("{e}"))?,
            refresh_seconds: REFRESH_SECONDS,
        })
    }

    /// The activity a QR token was made for, if it is genuine and not expired.
    pub fn activity_of_token(&self, token: &str) -> ServiceResult<ActivityId> {
        let invalid = || rule(ErrorCode::InvalidCheckinToken, "token");
        let mut parts = token.trim().splitn(3, '.');
        let (Some(activity), Some(expires), Some(mac)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(invalid());
        };
        let (activity, expires) = match (activity.parse::<ActivityId>(), expires.parse::<i64>()) {
            (Ok(a), Ok(e)) => (a, e),
            _ => return Err(invalid()),
        };
        let genuine = crate::auth::constant_time_eq(mac, &self.pass_mac(activity, expires));
        if !genuine || self.now().unix_timestamp() > expires {
            return Err(invalid());
        }
        Ok(activity)
    }

    fn nonce_hash(&self, nonce: &str) -> String {
        self.vault
            .lookup(Field::CheckinToken, &format!("nonce.{}", nonce.trim()))
    }

    /// Exchanges a QR token for a one-use nonce of its activity: the confirm page opened by the
    /// scan holds it through a login, for ten minutes, and checks in or out with it once.
    pub async fn checkin_nonce(&self, token: &str) -> ServiceResult<String> {
        let activity = self.activity_of_token(token)?;
        let nonce = crate::auth::random_token()?;
        let now = self.now();
        let mut tx = self.db.begin().await.doing("starting the exchange")?;
        records::insert_nonce(&mut tx, &self.nonce_hash(&nonce), activity, (now, now + NONCE_LIFE))
            .await
            .doing("keeping the nonce")?;
        tx.commit().await.doing("committing the exchange")?;
        Ok(nonce)
    }

    /// The activity of a nonce that is still usable.
    pub async fn activity_of_nonce(&self, nonce: &str) -> ServiceResult<ActivityId> {
        let mut tx = self.db.read().await.doing("starting a read")?;
        records::nonce_activity(&mut tx, &self.nonce_hash(nonce), self.now())
            .await
            .doing("reading the nonce")?
            .ok_or_else(|| rule(ErrorCode::InvalidCheckinToken, "n"))
    }

    /// Checks the presence proof of a volunteer's own check-in or check-out.
    async fn prove_presence(
        &self,
        account: AccountId,
        activity: ActivityId,
        proof: &PresenceInput,
    ) -> ServiceResult<()> {
        if let Some(token) = proof.token.as_deref().filter(|t| !t.trim().is_empty()) {
            return match self.activity_of_token(token)? {
                a if a == activity => Ok(()),
                _ => Err(rule(ErrorCode::InvalidCheckinToken, "token")),
            };
        }
        let Some(code) = proof.code.as_deref().map(str::trim).filter(|c| !c.is_empty()) else {
            return Err(rule(ErrorCode::MissingField, "code"));
        };
        // The attempt is counted in its own transaction, so a wrong code still counts.
        let key = format!("checkin-code:{}", account.0);
        let mut tx = self.db.begin().await.doing("counting the attempt")?;
        let attempts = throttle::reserve(&mut tx, &key, self.now().unix_timestamp(), WINDOW_SECONDS)
            .await
            .doing("counting the attempt")?;
        tx.commit().await.doing("counting the attempt")?;
        if !may_check(attempts, ACCOUNT_LIMIT) {
            return Err(ServiceError::rule(ErrorCode::TooManyAttempts));
        }
        let slot = self.now().unix_timestamp() / CODE_SLOT_SECONDS;
        if [slot, slot - 1]
            .iter()
            .any(|&s| self.code_for_slot(activity, s) == code)
        {
            let mut tx = self.db.begin().await.doing("releasing the attempt")?;
            throttle::release(&mut tx, &key).await.doing("releasing the attempt")?;
            tx.commit().await.doing("releasing the attempt")?;
            Ok(())
        } else {
            Err(rule(ErrorCode::InvalidCheckinCode, "code"))
        }
    }

    /// The signed-in volunteer checks in or out with the QR token or the code.
    pub async fn attend(
        &self,
        actor: &Actor,
        activity_id: ActivityId,
        direction: Direction,
        proof: &PresenceInput,
    ) -> ServiceResult<AttendanceView> {
        let account = actor
            .account_id()
            .ok_or_else(|| ServiceError::rule(ErrorCode::NotRegistered))?;
        authorize(actor, Action::ActivitySignUp, &Target::owned_by(account))?;
        self.prove_presence(account, activity_id, proof).await?;
        let method = if proof.token.as_deref().is_some_and(|t| !t.trim().is_empty()) {
            "qr"
        } else {
            "code"
        };
        let position = position_of(proof.latitude, proof.longitude)?;
        self.attend_proven(account, (activity_id, direction), (method, position), None)
            .await
    }

    /// The signed-in volunteer checks in or out on the confirm page, with the nonce it holds
    /// (used once, in the transaction of the check-in); the activity and the attendance.
    pub async fn attend_with_nonce(
        &self,
        actor: &Actor,
        nonce: &str,
        direction: Direction,
        (latitude, longitude): (Option<f64>, Option<f64>),
    ) -> ServiceResult<(ActivityId, AttendanceView)> {
        let account = actor
            .account_id()
            .ok_or_else(|| ServiceError::rule(ErrorCode::NotRegistered))?;
        authorize(actor, Action::ActivitySignUp, &Target::owned_by(account))?;
        let activity_id = self.activity_of_nonce(nonce).await?;
        let position = position_of(latitude, longitude)?;
        let hash = self.nonce_hash(nonce);
        let view = self
            .attend_proven(account, (activity_id, direction), ("qr", position), Some(&hash))
            .await?;
        Ok((activity_id, view))
    }

    async fn attend_proven(
        &self,
        account: AccountId,
        (activity_id, direction): (ActivityId, Direction),
        (method, position): (&str, Option<(f64, f64)>),
        nonce_hash: Option<&str>,
    ) -> ServiceResult<AttendanceView> {
        let mut tx = self.db.begin().await.doing("starting the check-in")?;
        if let Some(hash) = nonce_hash
            && !records::use_nonce(&mut tx, hash, activity_id, (account, self.now()))
                .await
                .doing("using the nonce")?
        {
            return Err(rule(ErrorCode::InvalidCheckinToken, "n"));
        }
        let volunteer = volunteers::find_by_account(&mut tx, account)
            .await
            .doing("finding the registration")?
            .ok_or_else(|| ServiceError::rule(ErrorCode::NotRegistered))?
            .id;
        let activity = find_activity(&mut tx, activity_id).await?;
        let view = self
            .mark(&mut tx, &activity, volunteer, (direction, method, None), position)
            .await?;
        tx.commit().await.doing("committing the check-in")?;
        Ok(view)
    }

    /// Whether the signed-in volunteer is checked in to the activity now (the confirm page offers
    /// the check-out then).
    pub async fn is_checked_in(&self, actor: &Actor, activity_id: ActivityId) -> ServiceResult<bool> {
        let Some(account) = actor.account_id() else {
            return Ok(false);
        };
        let mut tx = self.db.read().await.doing("starting a read")?;
        let Some(volunteer) = volunteers::find_by_account(&mut tx, account)
            .await
            .doing("finding the registration")?
        else {
            return Ok(false);
        };
        let Some(signup) = activities::signup_of(&mut tx, activity_id, volunteer.id)
            .await
            .doing("reading the sign-up")?
        else {
            return Ok(false);
        };
        let attendance = records::attendance(&mut tx, signup.id)
            .await
            .doing("reading attendance")?;
        Ok(attendance.is_some_and(|a| a.checked_out_at.is_none()))
    }

    /// The organizer checks a volunteer in or out by hand (recorded as `manual`).
    pub async fn attend_by_hand(
        &self,
        actor: &Actor,
        activity_id: ActivityId,
        volunteer_id: VolunteerId,
        direction: Direction,
    ) -> ServiceResult<AttendanceView> {
        crate::refuse_unless_capable(actor, Action::ActivityRun)?;
        let mut tx = self.db.begin().await.doing("starting the check-in")?;
        let (activity, target) = run_by(&mut tx, actor, activity_id).await?;
        self.refuse_own(&mut tx, actor, volunteer_id).await?;
        let view = self
            .mark(
                &mut tx,
                &activity,
                volunteer_id,
                (direction, BY_HAND, actor.account_id()),
                None,
            )
            .await?;
        let change = Change {
            action: Action::ActivityRun,
            target_kind: "activity",
            target_id: activity_id.to_string(),
            region: target.region.as_ref(),
            event: match direction {
                Direction::CheckIn => event!("attendance.checked_in_by_hand", volunteer = volunteer_id),
                Direction::CheckOut => event!("attendance.checked_out_by_hand", volunteer = volunteer_id),
            },
        };
        record(&mut tx, actor, self.now(), change).await?;
        tx.commit().await.doing("committing the check-in")?;
        Ok(view)
    }

    /// The check-in or check-out itself, whoever asked for it.
    async fn mark(
        &self,
        tx: &mut Tx,
        activity: &activities::ActivityRow,
        volunteer: VolunteerId,
        (direction, method, marked_by): (Direction, &str, Option<AccountId>),
        position: Option<(f64, f64)>,
    ) -> ServiceResult<AttendanceView> {
        let now = self.now();
        if !activity.state.is_open() {
            return Err(ServiceError::rule(ErrorCode::NotFound));
        }
        if activity.is_after_the_fact() {
            return Err(ServiceError::rule(ErrorCode::AfterTheFact));
        }
        let signup = activities::signup_of(tx, activity.id, volunteer)
            .await
            .doing("reading the sign-up")?
            .filter(|s| s.state.may_attend())
            .ok_or_else(|| ServiceError::rule(ErrorCode::NotSignedUp))?;
        let existing = records::attendance(tx, signup.id).await.doing("reading attendance")?;
        match (direction, existing) {
            (Direction::CheckIn, Some(_)) => Err(ServiceError::rule(ErrorCode::AlreadyCheckedIn)),
            (Direction::CheckIn, None) => {
                if !within_checkin_window(now, activity.starts_at, activity.ends_at, activity.checkin_opens_min) {
                    return Err(ServiceError::rule(ErrorCode::OutsideCheckinWindow));
                }
                let (distance, inside) = self.geofence(activity, position, method)?;
                self.close_forgotten(tx, volunteer).await?;
                let row = CheckIn {
                    signup_id: signup.id,
                    activity_id: activity.id,
                    volunteer_id: volunteer,
                    at: now,
                    method,
                    distance_m: distance,
                    inside_geofence: inside,
                    marked_by,
                };
                if let Err(error) = records::check_in(tx, &row).await {
                    return Err(if hongmajia_store::is_unique_violation(&error) {
                        ServiceError::rule(ErrorCode::OpenCheckinElsewhere)
                    } else {
                        ServiceError::Internal(anyhow::Error::new(error).context("checking in"))
                    });
                }
                let attended = signup.state.after(SignupEvent::Attend)?;
                activities::move_signup(tx, signup.id, signup.state, attended, now)
                    .await
                    .doing("marking the sign-up attended")?;
                let stored = records::attendance(tx, signup.id).await.doing("reading attendance")?;
                let stored = stored.ok_or_else(|| anyhow::anyhow!("the check-in vanished"))?;
                Ok(AttendanceView::from_row(stored, None))
            }
            (Direction::CheckOut, None) => Err(ServiceError::rule(ErrorCode::NotCheckedIn)),
            (Direction::CheckOut, Some(open)) if open.checked_out_at.is_none() => {
                let (distance_m, inside) = self.geofence(activity, position, method)?;
                let place = records::CheckOutPlace { distance_m, inside };
                records::check_out(tx, signup.id, now, (method, marked_by, place))
                    .await
                    .doing("checking out")?;
                let present = minutes_present(open.checked_in_at, now, activity.starts_at, activity.ends_at);
                let minutes = counting_rule(activity).credited_minutes(present, duration_minutes(activity));
                let record = self
                    .new_record(tx, activity, volunteer, (RecordSource::Checkin, minutes), "check-out")
                    .await?;
                let stored = records::attendance(tx, signup.id).await.doing("reading attendance")?;
                let stored = stored.ok_or_else(|| anyhow::anyhow!("the check-in vanished"))?;
                Ok(AttendanceView::from_row(stored, Some((record, minutes))))
            }
            (Direction::CheckOut, Some(_)) => Err(rule(ErrorCode::InvalidTransition, "state")),
        }
    }

    /// Distance and inside/outside of a check-in, for an activity with a point (nothing is kept
    /// otherwise, nor the position itself). A geofenced activity needs the position and refuses
    /// one outside; any other is kept and flagged (`away_from_activity`, `no_location`).
    fn geofence(
        &self,
        activity: &activities::ActivityRow,
        position: Option<(f64, f64)>,
        method: &str,
    ) -> ServiceResult<(Option<i64>, Option<bool>)> {
        // The organizer vouches for a manual check-in (flagged `by_hand`).
        if method == BY_HAND {
            return Ok((None, None));
        }
        let point = activity.latitude.zip(activity.longitude);
        if activity.geofence_m.is_some() && point.is_some() && position.is_none() {
            return Err(rule(ErrorCode::LocationRequired, "latitude"));
        }
        Ok(match whereabouts(point, activity.geofence_m, position)? {
            Whereabouts::Unknown => (None, None),
            Whereabouts::At { distance_m, inside } => (Some(distance_m), Some(inside)),
        })
    }

    /// A check-in left open in an activity that has ended is closed as missing, and becomes a
    /// make-up record for the organizer to confirm, capped at the activity's duration (R-TIME-4).
    async fn close_forgotten(&self, tx: &mut Tx, volunteer: VolunteerId) -> ServiceResult<()> {
        let Some(open) = records::open_attendance(tx, volunteer)
            .await
            .doing("reading open check-ins")?
        else {
            return Ok(());
        };
        let activity = find_activity(tx, open.activity_id).await?;
        if activity.ends_at >= self.now() {
            return Err(ServiceError::rule(ErrorCode::OpenCheckinElsewhere));
        }
        let nowhere = records::CheckOutPlace::default();
        records::check_out(tx, open.signup_id, activity.ends_at, ("missing", None, nowhere))
            .await
            .doing("closing the forgotten check-in")?;
        let present = minutes_present(
            open.checked_in_at,
            activity.ends_at,
            activity.starts_at,
            activity.ends_at,
        );
        // Time of it reported missing and approved meanwhile already has its record: the
        // check-in is closed, and no second record made.
        if records::record_of(tx, volunteer, activity.id)
            .await
            .doing("looking for a record")?
            .is_some()
        {
            return Ok(());
        }
        let minutes = counting_rule(&activity).credited_minutes(present, duration_minutes(&activity));
        self.new_record(
            tx,
            &activity,
            volunteer,
            (RecordSource::Makeup, minutes),
            "check-out missing",
        )
        .await?;
        Ok(())
    }

    /// A new pending record with its first version; `reason` names what made it.
    pub(crate) async fn new_record(
        &self,
        tx: &mut Tx,
        activity: &activities::ActivityRow,
        volunteer: VolunteerId,
        (source, minutes): (RecordSource, i64),
        reason: &str,
    ) -> ServiceResult<RecordId> {
        let state = RecordState::Pending;
        let id = new_id();
        let row = NewRecord {
            id,
            volunteer_id: volunteer,
            activity_id: activity.id,
            region_code: &activity.region_code,
            source,
            state,
            minutes,
            evidence_id: None,
            entered_by: None,
            at: self.now(),
        };
        let first = Version {
            action: VersionAction::Entered,
            state,
            minutes,
            adjusted_from: None,
            reason,
            requested_by: "system",
            approved_by: None,
            written_by: None,
            at: self.now(),
        };
        if !records::insert_record(tx, &row, &first)
            .await
            .doing("storing the record")?
        {
            return Err(ServiceError::rule(ErrorCode::RecordExists));
        }
        self.flag_record(tx, id).await?;
        Ok(id)
    }

    /// The activity's roster with attendance and records, for its organizer.
    pub async fn roster(&self, actor: &Actor, activity_id: ActivityId) -> ServiceResult<Vec<RosterLine>> {
        crate::refuse_unless_capable(actor, Action::ActivityRun)?;
        let mut tx = self.db.read().await.doing("starting a read")?;
        run_by(&mut tx, actor, activity_id).await?;
        let rows = records::roster(&mut tx, activity_id)
            .await
            .doing("reading the roster")?;
        Ok(rows
            .into_iter()
            .map(|r| RosterLine {
                record_state: r.record_state(),
                signup_id: r.signup_id,
                volunteer_id: r.volunteer_id,
                name: r.name,
                code: r.code,
                state: r.state,
                checked_in_at: r.checked_in_at,
                check_in_method: r.check_in_method,
                checked_out_at: r.checked_out_at,
                check_out_method: r.check_out_method,
                record_id: r.record_id,
                minutes: r.minutes,
            })
            .collect())
    }
}
