//! Volunteer service projects (志愿服务项目): owned by a team or a site, reviewed by the owning
//! site's admin (who checks it is volunteer service at all, R-REC-12), published, closed.
//!
//! ```text
//! draft --submit--> submitted --approve--> published --close--> closed
//!                   submitted --return(reason)--> draft
//! ```

use crate::text::text_enum;
use crate::{DomainError, ErrorCode};
use time::Date;

text_enum! {
    pub enum ProjectState {
        Draft,
        Submitted,
        Published,
        Closed,
    }
}

text_enum! {
    /// What moves a project: its owner submits or closes it, its site approves or returns it.
    pub enum ProjectEvent {
        Submit,
        Approve,
        Return,
        Close,
    }
}

impl ProjectState {
    /// Published at some time: published now, or closed after. Such a project is public and
    /// counted in the figures.
    pub const fn was_published(self) -> bool {
        matches!(self, Self::Published | Self::Closed)
    }

    pub fn after(self, event: ProjectEvent) -> Result<Self, DomainError> {
        match (self, event) {
            (Self::Draft, ProjectEvent::Submit) => Ok(Self::Submitted),
            (Self::Submitted, ProjectEvent::Approve) => Ok(Self::Published),
            (Self::Submitted, ProjectEvent::Return) => Ok(Self::Draft),
            (Self::Published, ProjectEvent::Close) => Ok(Self::Closed),
            _ => Err(DomainError::on(ErrorCode::InvalidTransition, "state")),
        }
    }
}

impl ProjectEvent {
    /// Approving and returning are the owning site's review, not the owner's.
    pub const fn is_review(self) -> bool {
        matches!(self, Self::Approve | Self::Return)
    }
}

/// A project's period: a start and an end on or after it.
pub fn period(starts_on: Date, ends_on: Date) -> Result<(Date, Date), DomainError> {
    if ends_on < starts_on {
        return Err(DomainError::on(ErrorCode::InvalidPeriod, "ends_on"));
    }
    Ok((starts_on, ends_on))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn a_project_is_reviewed_before_it_is_published_and_closed_after() {
        let submitted = ProjectState::Draft.after(ProjectEvent::Submit).unwrap();
        assert_eq!(submitted.after(ProjectEvent::Return).unwrap(), ProjectState::Draft);
        let published = submitted.after(ProjectEvent::Approve).unwrap();
        assert_eq!(published.after(ProjectEvent::Close).unwrap(), ProjectState::Closed);
        assert!(
            ProjectState::Draft.after(ProjectEvent::Approve).is_err(),
            "a draft is not reviewed"
        );
        assert!(ProjectState::Closed.after(ProjectEvent::Submit).is_err());
    }

    #[test]
    fn a_period_ends_on_or_after_its_start() {
        assert!(period(date!(2026 - 01 - 01), date!(2026 - 01 - 01)).is_ok());
        assert_eq!(
            period(date!(2026 - 02 - 01), date!(2026 - 01 - 01)).unwrap_err().code,
            ErrorCode::InvalidPeriod
        );
    }
}
