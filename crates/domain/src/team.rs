//! Teams under practice sites (§3.5): professional teams by specialty and characteristic teams
//! by group (a county's "8+N"), their review and life cycle, and membership.
//!
//! ```text
//! Team: applied --approve--> active | --reject(reason)--> rejected --resubmit--> applied
//!       active --suspend(reason)--> suspended --restore--> active ; active|suspended --dissolve--> dissolved
//! Membership: requested --approve--> member | --reject--> rejected ; invited --accept--> member
//!             member --leave|remove--> former
//! ```

use crate::text::text_enum;
use crate::{DomainError, ErrorCode};

text_enum! {
    pub enum TeamKind {
        /// 专业志愿服务队
        Professional,
        /// 特色志愿服务队
        Characteristic,
    }
}

/// Specialties of professional teams and groups of characteristic ones, with their Chinese names.
pub const PROFESSIONAL_SPECIALTIES: [(&str, &str); 9] = [
    ("theory_lecture", "理论宣讲"),
    ("culture_arts", "文化文艺"),
    ("education", "教育服务"),
    ("medical_health", "医疗卫生"),
    ("legal_aid", "法律援助"),
    ("emergency_rescue", "应急救援"),
    ("science", "科学普及"),
    ("environment", "卫生环保"),
    ("other", "其他"),
];
pub const CHARACTERISTIC_GROUPS: [(&str, &str); 7] = [
    ("women", "巾帼"),
    ("youth", "青年"),
    ("party_members", "党员"),
    ("seniors", "银龄"),
    ("always_there", "十必到"),
    ("red_vest", "红马甲"),
    ("other", "其他"),
];

impl TeamKind {
    /// The kind as a form or roster gives it: its code or its Chinese name.
    pub fn from_input(raw: &str) -> Option<Self> {
        match raw.trim() {
            "professional" | "专业" | "专业队伍" => Some(Self::Professional),
            "characteristic" | "特色" | "特色分队" => Some(Self::Characteristic),
            _ => None,
        }
    }

    /// The specialty code, from its code or its Chinese name, if this kind has it.
    pub fn specialty(self, raw: &str) -> Option<&'static str> {
        let list: &[(&str, &str)] = match self {
            Self::Professional => &PROFESSIONAL_SPECIALTIES,
            Self::Characteristic => &CHARACTERISTIC_GROUPS,
        };
        let raw = raw.trim();
        list.iter()
            .find(|(code, name)| *code == raw || *name == raw)
            .map(|(code, _)| *code)
    }
}

text_enum! {
    pub enum TeamState {
        Applied,
        Active,
        Rejected,
        Suspended,
        Dissolved,
    }
}

text_enum! {
    /// What moves a team: its site reviews an application (approve, reject), the applicant sends
    /// a rejected one again (resubmit), its site suspends, restores or dissolves it.
    pub enum TeamEvent {
        Approve,
        Reject,
        Resubmit,
        Suspend,
        Restore,
        Dissolve,
    }
}

impl TeamEvent {
    /// A review of an application, by the site, rather than the running of a team.
    pub const fn is_review(self) -> bool {
        matches!(self, Self::Approve | Self::Reject)
    }

    /// The events a page asks a reason for (the service requires one for them).
    pub const fn asks_reason(self) -> bool {
        matches!(self, Self::Reject | Self::Suspend)
    }
}

impl TeamState {
    /// The state after `event`, or `invalid_transition`. A dissolved team is read-only.
    pub fn after(self, event: TeamEvent) -> Result<Self, DomainError> {
        use TeamEvent::*;
        match (self, event) {
            (Self::Applied, Approve) => Ok(Self::Active),
            (Self::Applied, Reject) => Ok(Self::Rejected),
            (Self::Rejected, Resubmit) => Ok(Self::Applied),
            (Self::Active, Suspend) => Ok(Self::Suspended),
            (Self::Suspended, Restore) => Ok(Self::Active),
            (Self::Active | Self::Suspended, Dissolve) => Ok(Self::Dissolved),
            _ => Err(DomainError::on(ErrorCode::InvalidTransition, "state")),
        }
    }

    /// Only an active team takes members and (later) publishes activities.
    pub const fn is_active(self) -> bool {
        matches!(self, Self::Active)
    }
}

impl TeamEvent {
    /// Rejections and suspensions say why.
    pub const fn needs_reason(self) -> bool {
        matches!(self, Self::Reject | Self::Suspend)
    }
}

text_enum! {
    /// Ordered as declared: the leader first.
    pub enum TeamRole {
        Leader,
        Admin,
        Member,
    }
}

impl TeamRole {
    /// Leaders and admins run their team: members, and later its activities and records.
    pub const fn runs_team(self) -> bool {
        matches!(self, Self::Leader | Self::Admin)
    }
}

text_enum! {
    pub enum MembershipState {
        Requested,
        Invited,
        Member,
        Rejected,
        Former,
    }
}

text_enum! {
    /// What moves a membership: the leader approves, rejects or removes; the volunteer accepts
    /// (or rejects) an invitation or leaves.
    pub enum MembershipEvent {
        Approve,
        Reject,
        Accept,
        Leave,
        Remove,
    }
}

impl MembershipEvent {
    /// A decision of the team's leader on someone's membership.
    pub const fn is_leaders(self) -> bool {
        matches!(self, Self::Approve | Self::Reject | Self::Remove)
    }

    /// A volunteer's answer about their own membership (an invitation's `reject` is both).
    pub const fn is_volunteers(self) -> bool {
        matches!(self, Self::Accept | Self::Reject | Self::Leave)
    }
}

impl MembershipState {
    pub fn after(self, event: MembershipEvent) -> Result<Self, DomainError> {
        use MembershipEvent::*;
        match (self, event) {
            (Self::Requested, Approve) => Ok(Self::Member),
            (Self::Requested | Self::Invited, Reject) => Ok(Self::Rejected),
            (Self::Invited, Accept) => Ok(Self::Member),
            (Self::Member, Leave | Remove) => Ok(Self::Former),
            _ => Err(DomainError::on(ErrorCode::InvalidTransition, "state")),
        }
    }

    /// A request or invitation may be made again after it ended.
    pub const fn is_open(self) -> bool {
        matches!(self, Self::Requested | Self::Invited | Self::Member)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const EVENTS: &[TeamEvent] = TeamEvent::ALL;

    #[test]
    fn a_team_is_reviewed_then_lives_until_it_is_dissolved() {
        let active = TeamState::Applied.after(TeamEvent::Approve).unwrap();
        assert_eq!(active, TeamState::Active);
        let suspended = active.after(TeamEvent::Suspend).unwrap();
        assert_eq!(suspended.after(TeamEvent::Restore).unwrap(), TeamState::Active);
        assert_eq!(suspended.after(TeamEvent::Dissolve).unwrap(), TeamState::Dissolved);
        let rejected = TeamState::Applied.after(TeamEvent::Reject).unwrap();
        assert_eq!(rejected.after(TeamEvent::Resubmit).unwrap(), TeamState::Applied);
        assert!(TeamState::Applied.after(TeamEvent::Suspend).is_err());
    }

    #[test]
    fn specialties_parse_from_codes_and_chinese_names_of_their_own_kind() {
        assert_eq!(TeamKind::Professional.specialty("理论宣讲"), Some("theory_lecture"));
        assert_eq!(TeamKind::Characteristic.specialty("巾帼"), Some("women"));
        assert_eq!(TeamKind::Professional.specialty("巾帼"), None);
    }

    #[test]
    fn membership_goes_through_request_or_invitation() {
        assert_eq!(
            MembershipState::Requested.after(MembershipEvent::Approve).unwrap(),
            MembershipState::Member
        );
        assert_eq!(
            MembershipState::Invited.after(MembershipEvent::Accept).unwrap(),
            MembershipState::Member
        );
        assert_eq!(
            MembershipState::Member.after(MembershipEvent::Leave).unwrap(),
            MembershipState::Former
        );
        assert!(
            MembershipState::Requested.after(MembershipEvent::Accept).is_err(),
            "one cannot accept one's own request"
        );
        assert!(MembershipState::Former.after(MembershipEvent::Approve).is_err());
    }

    proptest! {
        #[test]
        fn nothing_ever_leaves_the_dissolved_state(events in proptest::collection::vec(0usize..6, 0..30)) {
            let mut state = TeamState::Applied;
            let mut dissolved = false;
            for index in events {
                if let Ok(next) = state.after(EVENTS[index]) {
                    prop_assert!(!dissolved, "left dissolved by {:?}", EVENTS[index]);
                    state = next;
                }
                dissolved |= state == TeamState::Dissolved;
            }
        }
    }
}
