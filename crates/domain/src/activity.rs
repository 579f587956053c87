//! Activities and their sign-ups (§3.2): the states an activity and a sign-up go through.
//!
//! ```text
//! Activity: published --cancel(reason)--> cancelled
//! Sign-up:  (new) --> pending (approval) | confirmed (a place) | waitlisted (a waiting place)
//!           pending --approve--> confirmed ; pending --reject--> rejected
//!           waitlisted --promote--> confirmed
//!           pending|confirmed|waitlisted --cancel--> cancelled
//!           confirmed --attend--> attended ; confirmed --miss--> no_show
//! ```

use crate::text::text_enum;
use crate::{DomainError, ErrorCode};
use time::OffsetDateTime;

text_enum! {
    pub enum ActivityState {
        Published,
        Cancelled,
    }
}

impl ActivityState {
    /// Only a published activity takes sign-ups, check-ins and changes.
    pub const fn is_open(self) -> bool {
        matches!(self, Self::Published)
    }
}

text_enum! {
    /// What an activity is: service, a lecture (counted by its audience), a training (its
    /// attendance is a training record, R-REC-6) or a field class.
    pub enum ActivityKind {
        Service,
        Lecture,
        Training,
        FieldClass,
    }
}

text_enum! {
    pub enum SignupState {
        Pending,
        Confirmed,
        Waitlisted,
        Cancelled,
        Rejected,
        Attended,
        NoShow,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignupEvent {
    Approve,
    Reject,
    Promote,
    Cancel,
    Attend,
    Miss,
}

impl SignupState {
    pub const ALL_EVENTS: [SignupEvent; 6] = [
        SignupEvent::Approve,
        SignupEvent::Reject,
        SignupEvent::Promote,
        SignupEvent::Cancel,
        SignupEvent::Attend,
        SignupEvent::Miss,
    ];

    /// The state after `event`, or `invalid_transition`.
    pub fn after(self, event: SignupEvent) -> Result<Self, DomainError> {
        use SignupEvent::*;
        match (self, event) {
            (Self::Pending, Approve) | (Self::Waitlisted, Promote) => Ok(Self::Confirmed),
            (Self::Pending, Reject) => Ok(Self::Rejected),
            (state, Cancel) if state.is_live() => Ok(Self::Cancelled),
            (Self::Confirmed, Attend) => Ok(Self::Attended),
            (Self::Confirmed, Miss) => Ok(Self::NoShow),
            _ => Err(DomainError::on(ErrorCode::InvalidTransition, "state")),
        }
    }

    /// Still waiting for the activity: it holds a place, a waiting place or an open request.
    pub const fn is_live(self) -> bool {
        matches!(self, Self::Pending | Self::Confirmed | Self::Waitlisted)
    }

    /// A volunteer in one of these states has signed up and may not sign up again.
    pub const fn is_signed_up(self) -> bool {
        self.is_live() || matches!(self, Self::Attended)
    }

    /// May check in: holds a place (or checked in already).
    pub const fn may_attend(self) -> bool {
        matches!(self, Self::Confirmed | Self::Attended)
    }
}

text_enum! {
    /// In-app notices to volunteers about an activity they signed up for.
    pub enum NotificationKind {
        ActivityChanged,
        ActivityCancelled,
    }
}

/// What decides a sign-up, read by the service before it takes a place: the activity's rules
/// and the volunteer's standing. Places themselves are decided by the store's conditional
/// updates, since only they hold under concurrency.
#[derive(Debug, Clone)]
pub struct SignupFacts<'a> {
    pub now: OffsetDateTime,
    /// When sign-up opens and closes.
    pub window: (OffsetDateTime, OffsetDateTime),
    /// The activity has a risk notice, and the volunteer acknowledged it.
    pub risk: (bool, bool),
    /// The volunteer's age on the activity's first day, and the least age it asks.
    pub age: (i64, i64),
    /// The skills the activity asks, and the volunteer's.
    pub skills: (&'a [&'a str], &'a [&'a str]),
    /// The activity is for its team's members only, and the volunteer is one.
    pub team_only: (bool, bool),
    /// The volunteer's sign-up for this activity, if any (one row per volunteer and activity).
    pub existing: Option<SignupState>,
    /// A sign-up of the volunteer's that holds their time (live, or checked in at) overlaps
    /// this activity's time.
    pub overlapping: bool,
    pub requires_approval: bool,
}

/// How an admitted sign-up goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// An application the organizer approves or rejects; it holds no place until approved.
    Apply,
    /// A place (or a waiting place) is to be taken now.
    TakePlace,
}

/// Whether a sign-up is admitted, checked in this order: the window, the risk notice, the age,
/// the skills, team-only, an earlier sign-up, an overlapping one; then approval or a place.
/// How long after its start an activity may still be created as a live one.
pub const LIVE_CREATION_GRACE: time::Duration = time::Duration::hours(2);

/// An activity created more than two hours after its start, or after its end when it was shorter,
/// is an after-the-fact one: nobody checks in or out of it, by phone or by hand, and nobody
/// reports time of it; its hours are backfills, with evidence and the second approver.
pub fn is_after_the_fact(created_at: OffsetDateTime, (starts_at, ends_at): (OffsetDateTime, OffsetDateTime)) -> bool {
    created_at > (starts_at + LIVE_CREATION_GRACE).min(ends_at)
}

pub fn admit(facts: &SignupFacts<'_>) -> Result<Admission, DomainError> {
    let (opens, closes) = facts.window;
    if facts.now < opens || facts.now > closes {
        return Err(DomainError::new(ErrorCode::OutsideSignupWindow));
    }
    if facts.risk == (true, false) {
        return Err(DomainError::on(ErrorCode::AcknowledgementRequired, "acknowledge_risk"));
    }
    let (age, min_age) = facts.age;
    if age < min_age {
        return Err(DomainError::new(ErrorCode::TooYoung));
    }
    let (needed, held) = facts.skills;
    if needed.iter().any(|skill| !held.contains(skill)) {
        return Err(DomainError::new(ErrorCode::SkillRequired));
    }
    if facts.team_only == (true, false) {
        return Err(DomainError::new(ErrorCode::TeamMembersOnly));
    }
    if facts.existing.is_some_and(SignupState::is_signed_up) {
        return Err(DomainError::new(ErrorCode::AlreadySignedUp));
    }
    if facts.overlapping {
        return Err(DomainError::new(ErrorCode::SignupOverlap));
    }
    Ok(if facts.requires_approval {
        Admission::Apply
    } else {
        Admission::TakePlace
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::datetime;

    const SIGNUP_OPENS: OffsetDateTime = datetime!(2026-12-01 08:00 UTC);
    const SIGNUP_CLOSES: OffsetDateTime = datetime!(2026-12-05 18:00 UTC);

    /// A sign-up every rule admits.
    fn admissible() -> SignupFacts<'static> {
        SignupFacts {
            now: datetime!(2026-12-02 10:00 UTC),
            window: (SIGNUP_OPENS, SIGNUP_CLOSES),
            risk: (true, true),
            age: (30, 18),
            skills: (&["first_aid"], &["first_aid", "driving"]),
            team_only: (true, true),
            existing: None,
            overlapping: false,
            requires_approval: false,
        }
    }

    fn refused(facts: SignupFacts<'_>) -> ErrorCode {
        admit(&facts).expect_err("refused").code
    }

    #[test]
    fn an_activity_created_over_two_hours_after_its_start_is_after_the_fact() {
        use time::macros::datetime;
        let span = (datetime!(2026-11-29 12:00 +8), datetime!(2026-11-29 17:00 +8));
        assert!(
            !is_after_the_fact(datetime!(2026-11-28 09:00 +8), span),
            "made the day before"
        );
        assert!(
            !is_after_the_fact(datetime!(2026-11-29 14:00 +8), span),
            "two hours late: still live"
        );
        assert!(is_after_the_fact(datetime!(2026-11-29 14:01 +8), span));
    }

    #[test]
    fn a_short_activity_created_after_its_end_is_after_the_fact() {
        use time::macros::datetime;
        let half_hour = (datetime!(2026-11-29 12:00 +8), datetime!(2026-11-29 12:30 +8));
        assert!(!is_after_the_fact(datetime!(2026-11-29 12:30 +8), half_hour));
        assert!(
            is_after_the_fact(datetime!(2026-11-29 12:31 +8), half_hour),
            "created once it was over, though within two hours of its start"
        );
    }
    #[test]
    fn each_rule_refuses_with_its_own_code() {
        assert_eq!(admit(&admissible()), Ok(Admission::TakePlace));
        let late = SignupFacts {
            now: SIGNUP_CLOSES + time::Duration::SECOND,
            ..admissible()
        };
        assert_eq!(refused(late), ErrorCode::OutsideSignupWindow);
        let early = SignupFacts {
            now: SIGNUP_OPENS - time::Duration::SECOND,
            ..admissible()
        };
        assert_eq!(refused(early), ErrorCode::OutsideSignupWindow);
        let unacknowledged = SignupFacts {
            risk: (true, false),
            ..admissible()
        };
        assert_eq!(admit(&unacknowledged).unwrap_err().field, Some("acknowledge_risk"));
        assert_eq!(
            refused(SignupFacts {
                age: (17, 18),
                ..admissible()
            }),
            ErrorCode::TooYoung
        );
        assert_eq!(
            refused(SignupFacts {
                skills: (&["first_aid", "sign_language"], &["first_aid"]),
                ..admissible()
            }),
            ErrorCode::SkillRequired
        );
        assert_eq!(
            refused(SignupFacts {
                team_only: (true, false),
                ..admissible()
            }),
            ErrorCode::TeamMembersOnly
        );
        assert_eq!(
            refused(SignupFacts {
                overlapping: true,
                ..admissible()
            }),
            ErrorCode::SignupOverlap
        );
        let application = SignupFacts {
            requires_approval: true,
            ..admissible()
        };
        assert_eq!(admit(&application), Ok(Admission::Apply));
    }

    #[test]
    fn the_window_includes_its_ends_and_no_notice_needs_no_acknowledgement() {
        for now in [SIGNUP_OPENS, SIGNUP_CLOSES] {
            assert!(admit(&SignupFacts { now, ..admissible() }).is_ok());
        }
        let no_notice = SignupFacts {
            risk: (false, false),
            team_only: (false, false),
            age: (18, 18),
            ..admissible()
        };
        assert_eq!(admit(&no_notice), Ok(Admission::TakePlace));
    }

    proptest! {
        /// Only an ended sign-up (cancelled, rejected, missed) may be taken up again.
        #[test]
        fn an_earlier_sign_up_refuses_unless_it_ended(existing in proptest::sample::select(SignupState::ALL)) {
            let facts = SignupFacts { existing: Some(existing), ..admissible() };
            let again = admit(&facts);
            prop_assert_eq!(again.is_err(), existing.is_signed_up());
            if let Err(refusal) = again {
                prop_assert_eq!(refusal.code, ErrorCode::AlreadySignedUp);
            }
        }

        /// A refusal never depends on what comes after it in the order: breaking the window
        /// refuses with the window's code whatever else is wrong.
        #[test]
        fn the_first_broken_rule_names_the_refusal(
            late_by in 1i64..10_000,
            age in 0i64..18,
            overlapping: bool,
            acknowledged: bool,
        ) {
            let facts = SignupFacts {
                now: SIGNUP_CLOSES + time::Duration::seconds(late_by),
                risk: (true, acknowledged),
                age: (age, 18),
                overlapping,
                ..admissible()
            };
            prop_assert_eq!(refused(facts), ErrorCode::OutsideSignupWindow);
        }
    }

    fn any_state() -> impl Strategy<Value = SignupState> {
        proptest::sample::select(SignupState::ALL)
    }

    fn any_event() -> impl Strategy<Value = SignupEvent> {
        proptest::sample::select(SignupState::ALL_EVENTS.to_vec())
    }

    #[test]
    fn a_pending_sign_up_is_approved_or_rejected_and_a_waiting_one_promoted() {
        use SignupEvent::*;
        assert_eq!(SignupState::Pending.after(Approve).unwrap(), SignupState::Confirmed);
        assert_eq!(SignupState::Pending.after(Reject).unwrap(), SignupState::Rejected);
        assert_eq!(SignupState::Waitlisted.after(Promote).unwrap(), SignupState::Confirmed);
        assert_eq!(SignupState::Confirmed.after(Attend).unwrap(), SignupState::Attended);
        assert_eq!(SignupState::Confirmed.after(Miss).unwrap(), SignupState::NoShow);
        assert!(
            SignupState::Waitlisted.after(Approve).is_err(),
            "a waiting place is promoted, not approved"
        );
        assert!(
            SignupState::Attended.after(Cancel).is_err(),
            "served time is not cancelled"
        );
    }

    #[test]
    fn text_forms_are_the_json_and_database_contract() {
        assert_eq!(SignupState::NoShow.as_str(), "no_show");
        assert_eq!(SignupState::parse("waitlisted"), Some(SignupState::Waitlisted));
        assert_eq!(SignupState::parse("Waitlisted"), None);
        assert_eq!(ActivityKind::FieldClass.as_str(), "field_class");
    }

    proptest! {
        #[test]
        fn every_state_reads_back_from_its_text(state in any_state()) {
            prop_assert_eq!(SignupState::try_from(state.as_str().to_owned()), Ok(state));
        }

        #[test]
        fn only_a_live_sign_up_is_cancelled_and_ended_ones_stay_ended(state in any_state(), event in any_event()) {
            let next = state.after(event);
            if event == SignupEvent::Cancel {
                prop_assert_eq!(next.is_ok(), state.is_live());
            }
            if matches!(state, SignupState::Cancelled | SignupState::Rejected | SignupState::NoShow | SignupState::Attended) {
                prop_assert!(next.is_err(), "{state} is final");
            }
            if let Ok(next) = next {
                prop_assert!(next != SignupState::Pending && next != SignupState::Waitlisted, "nothing goes back to waiting");
            }
        }
    }
}
