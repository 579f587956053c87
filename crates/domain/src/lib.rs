//! Pure rules of hongmajia: value types that only hold valid data, the access policy and the
//! stable error codes. No I/O and no async, so everything here is unit- and property-tested.

pub mod activity;
pub mod attendance;
pub mod calendar;
pub mod category;
pub mod certificate;
pub mod error;
pub mod hours;
pub mod identity;
pub mod ids;
pub mod password;
pub mod person;
pub mod phone;
pub mod plan;
pub mod policy;
pub mod project;
pub mod queue;
pub mod record;
pub mod region;
pub mod role;
pub mod session;
pub mod spreadsheet;
pub mod team;
pub mod text;
pub mod throttle;

pub use error::{DomainError, ErrorCode};
pub use ids::{AccountId, ActivityId, ProjectId, RecordId, SignupId, SiteId, TeamId, VolunteerId};
pub use password::Password;
pub use phone::Phone;
pub use policy::{Action, Actor, Decision, Target, can, capable};
pub use region::{RegionCode, RegionLevel, RegionName, SiteKind};
pub use role::{Grant, Role};
