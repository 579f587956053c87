//! Service records (§3.3, R-REC-5…9): where a record comes from, the states it goes through,
//! corrections a volunteer asks for, and the flags anomaly checks raise.
//!
//! ```text
//! Record: pending --confirm--> confirmed ; pending --reject--> rejected
//!         pending --confirm--> awaiting_second (held: beyond the adjustment limit, or flagged)
//!         awaiting_second --approve--> confirmed ; awaiting_second --refuse--> rejected
//!         awaiting_second --refuse--> pending (a measured record held only for its adjustment)
//!         confirmed --correct--> confirmed (a new version) ; confirmed --revoke--> revoked
//!         revoked --reinstate--> confirmed (by the level above only, with a reason)
//! Correction: open --approve--> approved ; open --deny--> denied
//! Flag: open --resolve--> resolved
//! ```

use crate::calendar::{china_day, day_span};
use crate::text::text_enum;
use crate::{DomainError, ErrorCode};
use time::OffsetDateTime;

text_enum! {
    /// Check-in and out, a make-up by the organizer, a report by the volunteer (an omission
    /// approved on correction), or a backfill of past paper records by staff.
    pub enum RecordSource {
        Checkin,
        Makeup,
        Reported,
        Backfill,
    }
}

impl RecordSource {
    /// Entered by hand rather than measured by check-in and out.
    pub const fn is_entered(self) -> bool {
        matches!(self, Self::Reported | Self::Backfill)
    }
}

text_enum! {
    pub enum RecordState {
        Pending,
        AwaitingSecond,
        Confirmed,
        Rejected,
        Revoked,
    }
}

text_enum! {
    /// What moves a record: the organizer confirms or rejects a pending one, a second approver
    /// approves or refuses a backfill, a confirmed one is corrected or revoked, and a revoked one
    /// reinstated.
    pub enum RecordEvent {
        Confirm,
        Reject,
        Approve,
        Refuse,
        Correct,
        Revoke,
        Reinstate,
    }
}

text_enum! {
    /// What a version of a record did: the first is `entered` (by check-out, make-up, an approved
    /// report or a backfill), each later one is the event that moved the record.
    pub enum VersionAction {
        Entered,
        Confirm,
        Reject,
        Approve,
        Refuse,
        Correct,
        Revoke,
        Reinstate,
    }
}

impl From<RecordEvent> for VersionAction {
    fn from(event: RecordEvent) -> Self {
        match event {
            RecordEvent::Confirm => Self::Confirm,
            RecordEvent::Reject => Self::Reject,
            RecordEvent::Approve => Self::Approve,
            RecordEvent::Refuse => Self::Refuse,
            RecordEvent::Correct => Self::Correct,
            RecordEvent::Revoke => Self::Revoke,
            RecordEvent::Reinstate => Self::Reinstate,
        }
    }
}

impl RecordState {
    /// The state after `event`, or `invalid_transition`.
    pub fn after(self, event: RecordEvent) -> Result<Self, DomainError> {
        use RecordEvent::*;
        match (self, event) {
            (Self::Pending, Confirm) | (Self::AwaitingSecond, Approve) | (Self::Confirmed, Correct) => {
                Ok(Self::Confirmed)
            }
            (Self::Pending, Reject) | (Self::AwaitingSecond, Refuse) => Ok(Self::Rejected),
            (Self::Confirmed, Revoke) => Ok(Self::Revoked),
            (Self::Revoked, Reinstate) => Ok(Self::Confirmed),
            _ => Err(DomainError::on(ErrorCode::InvalidTransition, "state")),
        }
    }

    /// A confirmation that needs a second person (credit beyond the adjustment limit, or a record
    /// that looks wrong) is held for one: not final, counted nowhere (decisions.md D1).
    pub fn after_confirming(self, needs_second: bool) -> Result<Self, DomainError> {
        let next = self.after(RecordEvent::Confirm)?;
        Ok(if needs_second { Self::AwaitingSecond } else { next })
    }

    /// A second approver's refusal: a backfill or a flagged record is rejected; a measured record
    /// held only for its adjustment goes back to pending, its measured time not lost, for the
    /// organizer to confirm as measured.
    pub fn after_refusal(self, returns_to_pending: bool) -> Result<Self, DomainError> {
        let next = self.after(RecordEvent::Refuse)?;
        Ok(if returns_to_pending { Self::Pending } else { next })
    }

    /// Only confirmed time counts: totals, stars, figures, certificates.
    pub const fn counts(self) -> bool {
        matches!(self, Self::Confirmed)
    }

    /// Rejected or revoked: the record stands for no service at all.
    pub const fn is_void(self) -> bool {
        matches!(self, Self::Rejected | Self::Revoked)
    }
}

text_enum! {
    pub enum CorrectionState {
        Open,
        Approved,
        Denied,
    }
}

text_enum! {
    /// A decision on a request or a second approval: given, or refused.
    pub enum Verdict {
        Approve,
        Refuse,
    }
}

impl Verdict {
    pub const fn from_approval(approve: bool) -> Self {
        if approve { Self::Approve } else { Self::Refuse }
    }

    pub const fn approves(self) -> bool {
        matches!(self, Self::Approve)
    }

    /// What a correction request becomes under this verdict.
    pub const fn correction(self) -> CorrectionState {
        match self {
            Self::Approve => CorrectionState::Approved,
            Self::Refuse => CorrectionState::Denied,
        }
    }
}

text_enum! {
    /// The checks that flag a record for review (R-REC-13): time entered by hand, one volunteer
    /// in two places, more than a day allows, one person entering many backfills, attendance
    /// the organizer marked by hand, a check-out nobody made (a make-up credits time nobody
    /// measured), and a check-in away from the activity's point or with no location given
    /// where it has one (item 6 of Trust 1: a check-in proves presence).
    pub enum FlagKind {
        NoCheckin,
        TwoPlaces,
        LongDay,
        BulkBackfill,
        ByHand,
        NoCheckout,
        AwayFromActivity,
        NoLocation,
    }
}

/// From when a record may be confirmed: once its activity has ended; for an activity that runs
/// over several days, once the (China) day of the presence it records, up to `recorded_at`, has
/// ended. Nobody confirms time that is still going on.
pub fn confirmable_from(activity_ends: OffsetDateTime, recorded_at: OffsetDateTime) -> OffsetDateTime {
    let (_, day_ends) = day_span(china_day(recorded_at));
    activity_ends.min(day_ends)
}

text_enum! {
    pub enum FlagState {
        Open,
        Resolved,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_record_is_confirmed_once_and_then_only_corrected_or_revoked() {
        use RecordEvent::*;
        assert_eq!(RecordState::Pending.after(Confirm).unwrap(), RecordState::Confirmed);
        assert_eq!(
            RecordState::AwaitingSecond.after(Approve).unwrap(),
            RecordState::Confirmed
        );
        assert_eq!(
            RecordState::AwaitingSecond.after(Refuse).unwrap(),
            RecordState::Rejected
        );
        assert_eq!(RecordState::Confirmed.after(Revoke).unwrap(), RecordState::Revoked);
        assert!(
            RecordState::AwaitingSecond.after(Confirm).is_err(),
            "a backfill needs its second approver"
        );
        assert!(RecordState::Pending.after(Revoke).is_err());
        assert_eq!(RecordState::Revoked.after(Reinstate).unwrap(), RecordState::Confirmed);
        assert!(
            RecordState::Revoked.after(Correct).is_err(),
            "revoked hours come back only by reinstatement"
        );
        assert!(RecordState::Confirmed.after(Reinstate).is_err());
        assert!(RecordState::Confirmed.after(Confirm).is_err());
    }

    #[test]
    fn a_confirmation_needing_a_second_person_waits_and_a_refused_adjustment_returns() {
        use RecordState::*;
        assert_eq!(Pending.after_confirming(true).unwrap(), AwaitingSecond);
        assert_eq!(Pending.after_confirming(false).unwrap(), Confirmed);
        assert!(Confirmed.after_confirming(true).is_err());
        assert_eq!(AwaitingSecond.after_refusal(true).unwrap(), Pending);
        assert_eq!(AwaitingSecond.after_refusal(false).unwrap(), Rejected);
        assert!(Pending.after_refusal(true).is_err(), "only a held record is refused");
    }

    #[test]
    fn a_record_is_confirmed_after_its_activity_or_its_day_ends() {
        use time::macros::datetime;
        let morning_ends = datetime!(2026-12-06 11:00 +8);
        let checked_out = datetime!(2026-12-06 10:20 +8);
        assert_eq!(confirmable_from(morning_ends, checked_out), morning_ends);
        let week_ends = datetime!(2026-12-13 18:00 +8);
        let first_day = datetime!(2026-12-06 18:00 +8);
        assert_eq!(confirmable_from(week_ends, first_day), datetime!(2026-12-07 00:00 +8));
        let made_up_after = datetime!(2026-12-14 09:00 +8);
        assert_eq!(confirmable_from(week_ends, made_up_after), week_ends);
    }

    #[test]
    fn the_states_before_and_after_a_version_name_its_event() {
        // Migration 0025 gave the versions written before actions were kept theirs by this.
        let mut seen = std::collections::HashMap::new();
        for &from in RecordState::ALL {
            for &event in RecordEvent::ALL {
                if let Ok(to) = from.after(event) {
                    assert_eq!(seen.insert((from, to), event), None, "{from} to {to} by two events");
                }
            }
        }
        assert_eq!(seen.len(), 7);
    }

    proptest! {
        #[test]
        fn void_records_stay_void_and_only_confirmed_time_counts(
            state in proptest::sample::select(RecordState::ALL),
            event in proptest::sample::select(RecordEvent::ALL.to_vec()),
        ) {
            // Void stays void, but for the level above's reinstatement of a revoked record.
            if state.is_void() && (state, event) != (RecordState::Revoked, RecordEvent::Reinstate) {
                prop_assert!(state.after(event).is_err());
            }
            if let Ok(next) = state.after(event) {
                prop_assert_eq!(next.counts(), next == RecordState::Confirmed);
                prop_assert!(!matches!(next, RecordState::Pending | RecordState::AwaitingSecond));
            }
            prop_assert_eq!(RecordState::parse(state.as_str()), Some(state));
        }
    }

    #[test]
    fn a_verdict_decides_a_correction() {
        assert_eq!(Verdict::from_approval(true).correction(), CorrectionState::Approved);
        assert_eq!(Verdict::from_approval(false).correction(), CorrectionState::Denied);
    }
}
