//! Errors with stable snake_case codes. The code is the i18n key of the message, so the web layer
//! translates it and scripts can rely on it.

use std::fmt;

/// Every refusal the rules can give. Adding one means adding its message to both catalogues.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    InvalidPhone,
    InvalidRegionCode,
    InvalidName,
    RegionLevelMismatch,
    ParentRegionMissing,
    RegionExists,
    SiteExists,
    SiteKindMismatch,
    PasswordTooShort,
    PasswordTooLong,
    PasswordTooCommon,
    PasswordRequired,
    InvalidCredentials,
    TooManyAttempts,
    Unauthenticated,
    Forbidden,
    NotFound,
    CsrfRejected,
    InvalidJson,
    UnsupportedMediaType,
    InvalidQuery,
    RoleExists,
    InvalidIdNumber,
    InvalidBirthDate,
    InvalidGender,
    GenderMismatch,
    BirthDateMismatch,
    GuardianConsentRequired,
    ConsentRequired,
    AlreadyRegistered,
    InvalidCode,
    CodeExpired,
    TooManyCodes,
    InvalidIdType,
    InvalidTransition,
    ReasonRequired,
    TeamExists,
    TeamNotActive,
    NotRegistered,
    MembershipExists,
    InvalidTeamKind,
    InvalidSpecialty,
    MissingField,
    IdNumberAsNumber,
    UnknownRegion,
    DuplicateInFile,
    ConflictsWithRegistered,
    UnknownTeam,
    UnreadableFile,
    WrongHeaders,
    EmptyRoster,
    InvalidPeriod,
    InvalidCategory,
    ActivityFull,
    AlreadySignedUp,
    OutsideSignupWindow,
    AcknowledgementRequired,
    SignupOverlap,
    IdempotencyKeyReused,
    InvalidCapacity,
    TooYoung,
    TeamMembersOnly,
    OutsideCheckinWindow,
    InvalidCheckinToken,
    InvalidCheckinCode,
    OutsideGeofence,
    LocationRequired,
    NotCheckedIn,
    AlreadyCheckedIn,
    OpenCheckinElsewhere,
    NotSignedUp,
    InvalidMinutes,
    EvidenceRequired,
    EvidenceTooLarge,
    InvalidEvidenceType,
    SameApprover,
    CorrectionExists,
    RecordExists,
    ActivityNotEnded,
    NoConfirmedHours,
    SkillRequired,
    SmsNotConfigured,
    RosterTooLarge,
    FileExpandsTooMuch,
    LegacySpreadsheet,
    InvalidRole,
    RoleNotGrantable,
    PasswordNotSettable,
    IdNumberMismatch,
    AccountDisabled,
    GrantLapsed,
}

impl ErrorCode {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::InvalidPhone => "invalid_phone",
            Self::InvalidRegionCode => "invalid_region_code",
            Self::InvalidName => "invalid_name",
            Self::RegionLevelMismatch => "region_level_mismatch",
            Self::ParentRegionMissing => "parent_region_missing",
            Self::RegionExists => "region_exists",
            Self::SiteExists => "site_exists",
            Self::SiteKindMismatch => "site_kind_mismatch",
            Self::PasswordTooShort => "password_too_short",
            Self::PasswordTooLong => "password_too_long",
            Self::PasswordTooCommon => "password_too_common",
            Self::PasswordRequired => "password_required",
            Self::InvalidCredentials => "invalid_credentials",
            Self::TooManyAttempts => "too_many_attempts",
            Self::Unauthenticated => "unauthenticated",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not_found",
            Self::CsrfRejected => "csrf_rejected",
            Self::InvalidJson => "invalid_json",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::InvalidQuery => "invalid_query",
            Self::RoleExists => "role_exists",
            Self::InvalidIdNumber => "invalid_id_number",
            Self::InvalidBirthDate => "invalid_birth_date",
            Self::InvalidGender => "invalid_gender",
            Self::GenderMismatch => "gender_mismatch",
            Self::BirthDateMismatch => "birth_date_mismatch",
            Self::GuardianConsentRequired => "guardian_consent_required",
            Self::ConsentRequired => "consent_required",
            Self::AlreadyRegistered => "already_registered",
            Self::InvalidCode => "invalid_code",
            Self::CodeExpired => "code_expired",
            Self::TooManyCodes => "too_many_codes",
            Self::InvalidIdType => "invalid_id_type",
            Self::InvalidTransition => "invalid_transition",
            Self::ReasonRequired => "reason_required",
            Self::TeamExists => "team_exists",
            Self::TeamNotActive => "team_not_active",
            Self::NotRegistered => "not_registered",
            Self::MembershipExists => "membership_exists",
            Self::InvalidTeamKind => "invalid_team_kind",
            Self::InvalidSpecialty => "invalid_specialty",
            Self::MissingField => "missing_field",
            Self::IdNumberAsNumber => "id_number_as_number",
            Self::UnknownRegion => "unknown_region",
            Self::DuplicateInFile => "duplicate_in_file",
            Self::ConflictsWithRegistered => "conflicts_with_registered",
            Self::UnknownTeam => "unknown_team",
            Self::UnreadableFile => "unreadable_file",
            Self::WrongHeaders => "wrong_headers",
            Self::EmptyRoster => "empty_roster",
            Self::InvalidPeriod => "invalid_period",
            Self::InvalidCategory => "invalid_category",
            Self::ActivityFull => "activity_full",
            Self::AlreadySignedUp => "already_signed_up",
            Self::OutsideSignupWindow => "outside_signup_window",
            Self::AcknowledgementRequired => "acknowledgement_required",
            Self::SignupOverlap => "signup_overlap",
            Self::IdempotencyKeyReused => "idempotency_key_reused",
            Self::InvalidCapacity => "invalid_capacity",
            Self::TooYoung => "too_young",
            Self::TeamMembersOnly => "team_members_only",
            Self::OutsideCheckinWindow => "outside_checkin_window",
            Self::InvalidCheckinToken => "invalid_checkin_token",
            Self::InvalidCheckinCode => "invalid_checkin_code",
            Self::OutsideGeofence => "outside_geofence",
            Self::LocationRequired => "location_required",
            Self::NotCheckedIn => "not_checked_in",
            Self::AlreadyCheckedIn => "already_checked_in",
            Self::OpenCheckinElsewhere => "open_checkin_elsewhere",
            Self::NotSignedUp => "not_signed_up",
            Self::InvalidMinutes => "invalid_minutes",
            Self::EvidenceRequired => "evidence_required",
            Self::EvidenceTooLarge => "evidence_too_large",
            Self::InvalidEvidenceType => "invalid_evidence_type",
            Self::SameApprover => "same_approver",
            Self::CorrectionExists => "correction_exists",
            Self::RecordExists => "record_exists",
            Self::ActivityNotEnded => "activity_not_ended",
            Self::NoConfirmedHours => "no_confirmed_hours",
            Self::SkillRequired => "skill_required",
            Self::SmsNotConfigured => "sms_not_configured",
            Self::RosterTooLarge => "roster_too_large",
            Self::FileExpandsTooMuch => "file_expands_too_much",
            Self::LegacySpreadsheet => "legacy_spreadsheet",
            Self::InvalidRole => "invalid_role",
            Self::RoleNotGrantable => "role_not_grantable",
            Self::PasswordNotSettable => "password_not_settable",
            Self::IdNumberMismatch => "id_number_mismatch",
            Self::AccountDisabled => "account_disabled",
            Self::GrantLapsed => "grant_lapsed",
        }
    }

    /// All codes, for the test that checks every code has a message in every language.
    pub const ALL: &'static [ErrorCode] = &[
        Self::InvalidPhone,
        Self::InvalidRegionCode,
        Self::InvalidName,
        Self::RegionLevelMismatch,
        Self::ParentRegionMissing,
        Self::RegionExists,
        Self::SiteExists,
        Self::SiteKindMismatch,
        Self::PasswordTooShort,
        Self::PasswordTooLong,
        Self::PasswordTooCommon,
        Self::PasswordRequired,
        Self::InvalidCredentials,
        Self::TooManyAttempts,
        Self::Unauthenticated,
        Self::Forbidden,
        Self::NotFound,
        Self::CsrfRejected,
        Self::InvalidJson,
        Self::UnsupportedMediaType,
        Self::InvalidQuery,
        Self::RoleExists,
        Self::InvalidIdNumber,
        Self::InvalidBirthDate,
        Self::InvalidGender,
        Self::GenderMismatch,
        Self::BirthDateMismatch,
        Self::GuardianConsentRequired,
        Self::ConsentRequired,
        Self::AlreadyRegistered,
        Self::InvalidCode,
        Self::CodeExpired,
        Self::TooManyCodes,
        Self::InvalidIdType,
        Self::InvalidTransition,
        Self::ReasonRequired,
        Self::TeamExists,
        Self::TeamNotActive,
        Self::NotRegistered,
        Self::MembershipExists,
        Self::InvalidTeamKind,
        Self::InvalidSpecialty,
        Self::MissingField,
        Self::IdNumberAsNumber,
        Self::UnknownRegion,
        Self::DuplicateInFile,
        Self::ConflictsWithRegistered,
        Self::UnknownTeam,
        Self::UnreadableFile,
        Self::WrongHeaders,
        Self::EmptyRoster,
        Self::InvalidPeriod,
        Self::InvalidCategory,
        Self::ActivityFull,
        Self::AlreadySignedUp,
        Self::OutsideSignupWindow,
        Self::AcknowledgementRequired,
        Self::SignupOverlap,
        Self::IdempotencyKeyReused,
        Self::InvalidCapacity,
        Self::TooYoung,
        Self::TeamMembersOnly,
        Self::OutsideCheckinWindow,
        Self::InvalidCheckinToken,
        Self::InvalidCheckinCode,
        Self::OutsideGeofence,
        Self::LocationRequired,
        Self::NotCheckedIn,
        Self::AlreadyCheckedIn,
        Self::OpenCheckinElsewhere,
        Self::NotSignedUp,
        Self::InvalidMinutes,
        Self::EvidenceRequired,
        Self::EvidenceTooLarge,
        Self::InvalidEvidenceType,
        Self::SameApprover,
        Self::CorrectionExists,
        Self::RecordExists,
        Self::ActivityNotEnded,
        Self::NoConfirmedHours,
        Self::SkillRequired,
        Self::SmsNotConfigured,
        Self::RosterTooLarge,
        Self::FileExpandsTooMuch,
        Self::LegacySpreadsheet,
        Self::InvalidRole,
        Self::RoleNotGrantable,
        Self::PasswordNotSettable,
        Self::IdNumberMismatch,
        Self::AccountDisabled,
        Self::GrantLapsed,
    ];
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A rule said no. `field` names the input that caused it, when one did.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}{}", field.map(|f| format!(" ({f})")).unwrap_or_default())]
pub struct DomainError {
    pub code: ErrorCode,
    pub field: Option<&'static str>,
}

impl DomainError {
    pub const fn new(code: ErrorCode) -> Self {
        Self { code, field: None }
    }

    pub const fn on(code: ErrorCode, field: &'static str) -> Self {
        Self {
            code,
            field: Some(field),
        }
    }

    /// Moves the error onto another field name (the parser knows the rule, the caller the field).
    pub const fn for_field(mut self, field: &'static str) -> Self {
        self.field = Some(field);
        self
    }
}

impl From<ErrorCode> for DomainError {
    fn from(code: ErrorCode) -> Self {
        Self::new(code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_code_is_listed_once_and_is_snake_case() {
        let names: HashSet<_> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(names.len(), ErrorCode::ALL.len());
        for name in names {
            assert!(name.chars().all(|c| c.is_ascii_lowercase() || c == '_'), "{name}");
        }
    }
}
