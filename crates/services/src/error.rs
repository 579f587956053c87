use hongmajia_domain::{DomainError, ErrorCode};

/// A refusal by a rule (shown to the user with its code), or a failure of the infrastructure
/// (logged in full, shown as a plain "something went wrong").
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error(transparent)]
    Rule(#[from] DomainError),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

pub type ServiceResult<T> = Result<T, ServiceError>;

impl ServiceError {
    pub fn rule(code: ErrorCode) -> Self {
        Self::Rule(DomainError::new(code))
    }

    pub fn on(code: ErrorCode, field: &'static str) -> Self {
        Self::Rule(DomainError::on(code, field))
    }

    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            Self::Rule(e) => Some(e.code),
            Self::Internal(_) => None,
        }
    }

    /// The input a rule's refusal names, if any.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Self::Rule(e) => e.field,
            Self::Internal(_) => None,
        }
    }
}

/// Adds what was being done to a database error, and turns a unique-key violation into the
/// rule's own refusal when the caller names one.
pub(crate) trait DbContext<T> {
    fn doing(self, what: &'static str) -> ServiceResult<T>;
    fn unique_or(self, code: ErrorCode, field: &'static str, what: &'static str) -> ServiceResult<T>;
}

impl<T> DbContext<T> for Result<T, hongmajia_store::DbError> {
    fn doing(self, what: &'static str) -> ServiceResult<T> {
        self.map_err(|e| ServiceError::Internal(anyhow::Error::new(e).context(what)))
    }

    fn unique_or(self, code: ErrorCode, field: &'static str, what: &'static str) -> ServiceResult<T> {
        self.map_err(|e| {
            if hongmajia_store::is_unique_violation(&e) {
                ServiceError::on(code, field)
            } else {
                ServiceError::Internal(anyhow::Error::new(e).context(what))
            }
        })
    }
}
