//! Errors with stable snake_case codes. The code is the i18n key of the message, so the web layer
//! translates it and scripts can rely on it.

use std::fmt;

/// Every refusal the rules can give. Adding one means adding its message to both catalogues.
/// Its stable name is the variant's in snake case (`ActivityFull` is `activity_full`), and
/// `ALL` lists every variant, both by construction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, strum::IntoStaticStr, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
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
    InvalidPosition,
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
    RecordUndecided,
    ActivityNotEnded,
    AfterTheFact,
    AdjustmentNeedsLevelAbove,
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
    InvalidTime,
    InvalidMinAge,
    InvalidGeofence,
    InvalidAudience,
    InvalidActivityKind,
    InvalidCheckinOpening,
    InvalidTeamRole,
    InvalidDate,
    InvalidCategoryCode,
    CategoryExists,
    ImageTooLarge,
    UnreadableUpload,
    Busy,
}

impl ErrorCode {
    /// The stable name: the i18n key of the message, and what scripts rely on.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// All codes, for the test that checks every code has a message in every language.
    pub const ALL: &'static [ErrorCode] = <Self as strum::VariantArray>::VARIANTS;
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
