//! Anomaly flags (domain.md §3.3; the CCTV 2025 exposé: hours bought and typed in by an admin):
//! hours with no check-in, one volunteer in two places at once, more hours in a day than a day
//! allows, and one person entering many backfills. Raised in the transaction of the write that
//! made the record look so; shown on the review page of the site admins in scope; resolved with a
//! note, never deleted.

use crate::audit::{Change, event, record};
use crate::error::DbContext;
use crate::{ServiceError, ServiceResult, Services, authorize};
use hongmajia_domain::calendar::{china_day, day_span};
use hongmajia_domain::hours::hours_text;
use hongmajia_domain::record::{FlagKind, FlagState, RecordSource, RecordState};
use hongmajia_domain::{Action, Actor, DomainError, ErrorCode, RegionCode, Target};
use hongmajia_domain::{RecordId, VolunteerId};
use hongmajia_store::Tx;
use hongmajia_store::records::{self, NewFlag};
use serde::Serialize;
use time::{Duration, OffsetDateTime};
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AnomalyFlag {
    pub id: i64,
    /// `no_checkin`, `two_places`, `long_day` or `bulk_backfill`.
    #[schema(value_type = String)]
    pub kind: FlagKind,
    pub record_id: RecordId,
    pub region_code: String,
    pub volunteer_id: VolunteerId,
    pub detail: String,
    #[schema(value_type = String)]
    pub state: FlagState,
    pub resolved_by: Option<String>,
    pub resolution_note: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub at: OffsetDateTime,
}

pub(crate) fn flag_view(f: records::FlagRow) -> AnomalyFlag {
    let state = f.state();
    AnomalyFlag {
        id: f.id,
        kind: f.kind,
        record_id: f.record_id,
        region_code: f.region_code,
        volunteer_id: f.volunteer_id,
        detail: f.detail,
        state,
        resolved_by: f.resolved_by,
        resolution_note: f.resolution_note,
        at: f.created_at,
    }
}

impl Services {
    /// Looks at a record just written and raises the flags it deserves.
    pub(crate) async fn flag_record(&self, tx: &mut Tx, record_id: RecordId) -> ServiceResult<()> {
        let Some(r) = records::record(tx, record_id).await.doing("reading the record")? else {
            return Ok(());
        };
        self.raise_flags(tx, &r, r.minutes).await
    }

    /// Raises the flags a record deserves were it to credit `minutes` (a confirmation about to
    /// change them looks before it decides), in the caller's transaction.
    pub(crate) async fn raise_flags(&self, tx: &mut Tx, r: &records::RecordRow, minutes: i64) -> ServiceResult<()> {
        if r.state.is_void() {
            return Ok(());
        }
        let now = self.now();
        for (kind, detail) in self.anomalies_of(tx, r, minutes).await? {
            let flag = NewFlag {
                kind,
                record_id: r.id,
                region_code: &r.region_code,
                volunteer_id: r.volunteer_id,
                detail: &detail,
                minutes,
                at: now,
            };
            records::raise_flag(tx, &flag).await.doing("raising a flag")?;
        }
        Ok(())
    }

    /// What looks wrong about a live record crediting `minutes`.
    async fn anomalies_of(
        &self,
        tx: &mut Tx,
        r: &records::RecordRow,
        minutes: i64,
    ) -> ServiceResult<Vec<(FlagKind, String)>> {
        let activity = crate::attendance::find_activity(tx, r.activity_id).await?;
        let mut raised: Vec<(FlagKind, String)> = Vec::new();
        if r.source.is_entered() {
            raised.push((FlagKind::NoCheckin, format!("{} ({})", hours_text(minutes), r.source)));
        }
        if r.source == RecordSource::Makeup {
            raised.push((FlagKind::NoCheckout, hours_text(minutes)));
        }
        if r.source == RecordSource::Checkin {
            raised.extend(self.attendance_flags(tx, r, &activity).await?);
        }
        let others = records::overlapping_records(
            tx,
            r.volunteer_id,
            r.activity_id,
            (activity.starts_at, activity.ends_at),
        )
        .await
        .doing("looking for overlapping records")?;
        if others > 0 && minutes > 0 {
            raised.push((
                FlagKind::TwoPlaces,
                format!("{others} other record(s) at the same time"),
            ));
        }
        let day = china_day(activity.starts_at);
        // The day as stored counts this record at its stored minutes.
        let in_day = records::minutes_between(tx, r.volunteer_id, day_span(day))
            .await
            .doing("adding up the day")?
            - r.minutes
            + minutes;
        if in_day > self.settings.max_daily_minutes {
            raised.push((FlagKind::LongDay, format!("{day}: {} h", hours_text(in_day))));
        }
        if let (Some(account), RecordSource::Backfill) = (r.entered_by, r.source) {
            let entered = records::backfills_entered_since(tx, account, self.now() - Duration::days(1))
                .await
                .doing("counting backfills")?;
            if entered > self.settings.backfills_per_day {
                raised.push((
                    FlagKind::BulkBackfill,
                    format!("{entered} backfills in 24 h by account {account}"),
                ));
            }
        }
        Ok(raised)
    }

    /// Whether crediting `minutes` on a record would raise a flag its reviewers have not seen.
    pub(crate) async fn would_flag(&self, tx: &mut Tx, r: &records::RecordRow, minutes: i64) -> ServiceResult<bool> {
        for (kind, _) in self.anomalies_of(tx, r, minutes).await? {
            if !records::flag_covered(tx, kind, r.id, minutes)
                .await
                .doing("reading the record's flags")?
            {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// What the attendance behind a checked-in record says against it: marked by hand by the
    /// organizer, or (for an activity with a point) checked in away from it or with no location.
    async fn attendance_flags(
        &self,
        tx: &mut Tx,
        r: &records::RecordRow,
        activity: &hongmajia_store::activities::ActivityRow,
    ) -> ServiceResult<Vec<(FlagKind, String)>> {
        let Some(attendance) = records::attendance_of(tx, r.activity_id, r.volunteer_id)
            .await
            .doing("reading the attendance")?
        else {
            return Ok(Vec::new());
        };
        let by_hand = crate::attendance::BY_HAND;
        if attendance.check_in_method == by_hand || attendance.check_out_method.as_deref() == Some(by_hand) {
            return Ok(vec![(FlagKind::ByHand, attendance.check_in_method)]);
        }
        if activity.latitude.is_none() || activity.longitude.is_none() {
            return Ok(Vec::new());
        }
        // Where the activity has a point, both ends of the attendance say where they were made.
        let ends = [
            ("check-in", attendance.distance_m, attendance.inside_geofence),
            (
                "check-out",
                attendance.check_out_distance_m,
                attendance.check_out_inside,
            ),
        ];
        let missing: Vec<&str> = ends.iter().filter(|e| e.1.is_none()).map(|e| e.0).collect();
        let away: Vec<String> = ends
            .iter()
            .filter(|e| e.2 == Some(false))
            .map(|(end, distance, _)| format!("{end} {} m", distance.unwrap_or_default()))
            .collect();
        let mut raised = Vec::new();
        if !missing.is_empty() {
            raised.push((FlagKind::NoLocation, missing.join(", ")));
        }
        if !away.is_empty() {
            raised.push((FlagKind::AwayFromActivity, away.join(", ")));
        }
        Ok(raised)
    }

    /// Whether a record has flags nobody resolved yet.
    pub(crate) async fn has_open_flags(&self, tx: &mut Tx, record_id: RecordId) -> ServiceResult<bool> {
        Ok(!records::open_flags_of_record(tx, record_id)
            .await
            .doing("reading the record's flags")?
            .is_empty())
    }

    /// Resolves every open flag of a record a reviewer who took no part just cleared or rejected.
    pub(crate) async fn resolve_flags_of(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        record_id: RecordId,
        note: &str,
    ) -> ServiceResult<()> {
        for id in records::open_flags_of_record(tx, record_id)
            .await
            .doing("reading the record's flags")?
        {
            records::resolve_flag(tx, id, (actor.label(), note), self.now())
                .await
                .doing("resolving a flag")?;
        }
        Ok(())
    }

    /// Open flags of a region and below.
    pub(crate) async fn open_flags(&self, tx: &mut Tx, prefix: &str) -> ServiceResult<Vec<AnomalyFlag>> {
        let rows = records::open_flags(tx, prefix).await.doing("reading flags")?;
        Ok(rows.into_iter().map(flag_view).collect())
    }

    /// Resolves a flag with a note (admins whose region covers the record's).
    pub async fn resolve_anomaly(&self, actor: &Actor, id: i64, note: &str) -> ServiceResult<AnomalyFlag> {
        crate::refuse_unless_capable(actor, Action::RecordReview)?;
        let note = note.trim();
        let mut tx = self.db.begin().await.doing("starting the resolution")?;
        let flag = records::flag(&mut tx, id)
            .await
            .doing("finding the flag")?
            .ok_or_else(|| ServiceError::rule(ErrorCode::NotFound))?;
        let region = RegionCode::parse(&flag.region_code).map_err(|e| anyhow::anyhow!("flag region: {e}"))?;
        authorize(actor, Action::RecordReview, &Target::in_region(region.clone()))?;
        self.refuse_own(&mut tx, actor, flag.volunteer_id).await?;
        // A flag of a record still being decided is cleared with the record, by its second
        // approver, never beforehand: the organizer could otherwise clear it and confirm alone.
        let record_row = records::record(&mut tx, flag.record_id)
            .await
            .doing("reading the record")?
            .ok_or_else(|| ServiceError::rule(ErrorCode::NotFound))?;
        if flag.state() == FlagState::Resolved {
            return Err(ServiceError::Rule(DomainError::on(
                ErrorCode::InvalidTransition,
                "state",
            )));
        }
        if matches!(record_row.state, RecordState::Pending | RecordState::AwaitingSecond) {
            return Err(ServiceError::Rule(DomainError::on(ErrorCode::RecordUndecided, "state")));
        }
        // Nor by anyone who took part in the record.
        let parties = records::accounts_on(&mut tx, flag.record_id)
            .await
            .doing("reading who took part")?;
        self.refuse_party(&mut tx, actor, &parties).await?;
        if note.is_empty() {
            return Err(ServiceError::Rule(DomainError::on(ErrorCode::ReasonRequired, "note")));
        }
        if !records::resolve_flag(&mut tx, id, (actor.label(), note), self.now())
            .await
            .doing("resolving")?
        {
            return Err(ServiceError::Rule(DomainError::on(
                ErrorCode::InvalidTransition,
                "state",
            )));
        }
        let change = Change {
            action: Action::RecordReview,
            target_kind: "anomaly_flag",
            target_id: id.to_string(),
            region: Some(&region),
            event: event!("flag.resolved", kind = flag.kind, record = flag.record_id, note = note),
        };
        record(&mut tx, actor, self.now(), change).await?;
        let resolved = records::flag(&mut tx, id).await.doing("reading back")?;
        tx.commit().await.doing("committing the resolution")?;
        resolved
            .map(flag_view)
            .ok_or_else(|| ServiceError::Internal(anyhow::anyhow!("the flag vanished")))
    }
}
