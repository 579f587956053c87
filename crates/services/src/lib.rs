//! Use cases shared by the JSON API, the HTML pages and the CLI: one path for each.
//! A call checks permission, parses its input, runs one transaction, appends to the audit log
//! in that same transaction, and commits.

pub mod accounts;
pub mod activities;
pub mod anomalies;
pub mod attendance;
pub mod audit;
pub mod auth;
mod cache;
pub mod categories;
pub mod certificates;
mod clock;
pub mod demo;
mod error;
pub mod exports;
pub mod figures;
pub mod grants;
pub mod home;
pub mod jobs;
pub mod keys;
pub mod projects;
pub mod records;
pub mod regions;
pub mod roster;
pub mod sites;
pub mod sms;
pub mod teams;
pub mod uploads;
pub mod vault;
pub mod volunteers;

pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{ServiceError, ServiceResult};
pub use hongmajia_store::{Db, Engine};

use hongmajia_domain::{Action, Actor, Decision, ErrorCode, Target, can, capable};
use std::sync::Arc;

/// Settings of the service layer that deployments and tests change.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Failed logins counted per client address in one window before it is refused.
    pub ip_attempt_limit: i64,
    /// More service time than this in one day is flagged (12 hours by default).
    pub max_daily_minutes: i64,
    /// More backfills than this entered by one account in 24 hours are flagged.
    pub backfills_per_day: i64,
    /// Crediting more than the minutes present by more than this goes to the level above.
    pub adjustment_limit: hongmajia_domain::hours::AdjustmentLimit,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            ip_attempt_limit: hongmajia_domain::throttle::DEFAULT_IP_LIMIT,
            max_daily_minutes: 12 * 60,
            backfills_per_day: 20,
            adjustment_limit: hongmajia_domain::hours::AdjustmentLimit::default(),
        }
    }
}

pub struct Services {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub settings: Settings,
    pub vault: vault::Vault,
    /// Where SMS go; none configured: SMS-code login answers `sms_not_configured`.
    sms: Option<Arc<dyn sms::SmsGateway>>,
    /// The CJK font of certificates, loaded at the first certificate (or the reason it cannot be).
    certificate_font: std::sync::OnceLock<Result<hongmajia_pdf::CertificateFont, String>>,
    caches: cache::Caches,
}

impl Services {
    pub fn new(db: Db, vault: vault::Vault, clock: Arc<dyn Clock>, settings: Settings) -> Self {
        Self {
            db,
            clock,
            settings,
            vault,
            sms: None,
            certificate_font: std::sync::OnceLock::new(),
            caches: cache::Caches::new(cache::DEFAULT_TTL),
        }
    }

    /// Trusts cached sessions and activity pages for `ttl` (see `cache`); zero turns them off.
    pub fn with_cache_ttl(mut self, ttl: std::time::Duration) -> Self {
        self.caches = cache::Caches::new(ttl);
        self
    }

    /// Sends SMS through `gateway` (the development gateway only in development mode).
    pub fn with_sms(mut self, gateway: Arc<dyn sms::SmsGateway>) -> Self {
        self.sms = Some(gateway);
        self
    }

    pub fn now(&self) -> time::OffsetDateTime {
        self.clock.now()
    }

    /// Whether the database answers (`/healthz`).
    pub async fn health(&self) -> Result<(), hongmajia_store::DbError> {
        self.db.ping().await
    }

    /// The connection pool's size and idle connections, for `/metrics`.
    pub fn pool_stats(&self) -> (u32, usize) {
        self.db.pool_stats()
    }

    /// Closes the database's connections (a server's last act).
    pub async fn close(&self) {
        self.db.close().await;
    }
}

/// The star thresholds of this deployment (`HONGMAJIA_STAR_THRESHOLDS`, hours, e.g.
/// `100,300,600,1000,1500`, the default); `serve` refuses to start with a malformed value.
pub fn star_thresholds() -> [i64; 5] {
    static THRESHOLDS: std::sync::OnceLock<[i64; 5]> = std::sync::OnceLock::new();
    *THRESHOLDS.get_or_init(|| {
        configured_star_thresholds()
            .ok()
            .flatten()
            .unwrap_or(hongmajia_domain::hours::DEFAULT_STAR_THRESHOLDS)
    })
}

/// The thresholds the environment sets, if any; an error names the malformed value.
pub fn configured_star_thresholds() -> anyhow::Result<Option<[i64; 5]>> {
    match std::env::var("HONGMAJIA_STAR_THRESHOLDS") {
        Ok(raw) if !raw.trim().is_empty() => hongmajia_domain::hours::parse_star_thresholds(&raw)
            .map(Some)
            .ok_or_else(|| {
                anyhow::anyhow!("HONGMAJIA_STAR_THRESHOLDS={raw:?}: give five rising hours, e.g. 100,300,600,1000,1500")
            }),
        _ => Ok(None),
    }
}

/// Refuses, as "forbidden", an action none of the actor's roles may ever do: asked before any
/// lookup, so that the answer is the same whether the object named exists or not.
pub fn refuse_unless_capable(actor: &Actor, action: Action) -> ServiceResult<()> {
    if capable(actor, action) {
        return Ok(());
    }
    tracing::warn!(event = "access_denied", actor = actor.label(), action = action.as_str());
    Err(ServiceError::rule(ErrorCode::Forbidden))
}

/// Asks the access policy; a refusal becomes "not found" or "forbidden" as the policy says.
pub fn authorize(actor: &Actor, action: Action, target: &Target) -> ServiceResult<()> {
    match can(actor, action, target) {
        Decision::Allow => Ok(()),
        Decision::OutOfScope => {
            tracing::warn!(
                event = "access_denied",
                reason = "out_of_scope",
                actor = actor.label(),
                action = action.as_str()
            );
            Err(ServiceError::rule(ErrorCode::NotFound))
        }
        Decision::Forbidden => {
            tracing::warn!(event = "access_denied", actor = actor.label(), action = action.as_str());
            Err(ServiceError::rule(ErrorCode::Forbidden))
        }
    }
}
