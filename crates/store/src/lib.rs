//! SQL and nothing else. One set of migrations and one set of query texts serve SQLite and
//! PostgreSQL: every query function is written once and compiled for both engines by the
//! `on_tx!`/`on_pool!` macros, which expand the same body for each arm of the engine enum. The
//! whole integration suite runs on both engines, so any difference in behaviour fails a test.

pub mod accounts;
pub mod activities;
pub mod audit;
pub mod bulk;
pub mod categories;
mod db;
pub mod figures;
pub mod grants;
pub mod jobs;
pub mod load;
pub mod marks;
pub mod projects;
pub mod records;
pub mod regions;
pub mod sealed;
pub mod sessions;
pub mod sites;
pub mod sms;
pub mod teams;
pub mod throttle;
pub mod transition;
pub mod volunteers;

pub use db::{Db, Engine, Tx, is_unique_violation, new_id};
pub use sqlx::Error as DbError;
pub use volunteers::like_literal;
