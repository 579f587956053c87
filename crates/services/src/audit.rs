//! The audit log: every staff write appends one entry in the same transaction as the write.

use crate::error::DbContext;
use crate::{ServiceResult, Services, authorize};
use hongmajia_domain::{Action, Actor, ErrorCode, RegionCode, Target};
use hongmajia_store::{Tx, audit, new_id};
use serde::Serialize;
use std::collections::BTreeMap;
use time::OffsetDateTime;
use utoipa::ToSchema;

/// What a staff write did, kept as data: a key (`audit.event.<key>` in the web catalogues, in
/// both languages) and its values, put into words in the reader's language when read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub key: &'static str,
    pub params: BTreeMap<&'static str, String>,
}

/// `event!("region.renamed", from = before.name, to = name)`: an [`Event`] whose
/// values are the `Display` of the expressions.
macro_rules! event {
    ($key:literal $(, $name:ident = $value:expr)* $(,)?) => {
        $crate::audit::Event {
            key: $key,
            params: [$((stringify!($name), ($value).to_string())),*].into_iter().collect(),
        }
    };
}
pub(crate) use event;

/// What a write changed, for its audit entry.
pub(crate) struct Change<'a> {
    pub action: Action,
    pub target_kind: &'static str,
    pub target_id: String,
    /// The region the change belongs to; `None` for accounts outside any region.
    pub region: Option<&'a RegionCode>,
    pub event: Event,
}

pub(crate) async fn record(tx: &mut Tx, actor: &Actor, at: OffsetDateTime, change: Change<'_>) -> ServiceResult<()> {
    let entry = audit::AuditRow {
        id: new_id(),
        at,
        actor_account_id: actor.account_id().map(|id| id.0),
        actor_label: actor.label().to_owned(),
        actor_role: actor.main_role().map_or("system", |r| r.as_str()).to_owned(),
        action: change.action.as_str().to_owned(),
        target_kind: change.target_kind.to_owned(),
        target_id: change.target_id,
        region_code: change.region.map_or("", RegionCode::as_str).to_owned(),
        summary: String::new(),
        event: change.event.key.to_owned(),
        params: serde_json::to_string(&change.event.params).map_err(|e| anyhow::anyhow!("audit values: {e}"))?,
    };
    audit::append(tx, &entry).await.doing("appending to the audit log")
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub at: OffsetDateTime,
    pub actor: String,
    pub role: String,
    pub action: String,
    pub target_kind: String,
    pub target_id: String,
    pub region_code: String,
    /// What the write did and its values; put into words by the reader (`summary`).
    pub event: String,
    pub params: BTreeMap<String, String>,
    /// The entry in the reader's language (the API and the pages fill it in from the event;
    /// entries from before events keep the English text they were written with).
    pub summary: String,
}

#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// The region whose entries (and those below it) are listed; the actor's own by default.
    pub region: Option<String>,
    pub action: Option<String>,
    pub actor: Option<String>,
    pub page: u32,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditPage {
    pub region_code: String,
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
    pub entries: Vec<AuditEntry>,
}

pub const PER_PAGE: u32 = 50;

impl Services {
    pub async fn audit_log(&self, actor: &Actor, query: &AuditQuery) -> ServiceResult<AuditPage> {
        crate::refuse_unless_capable(actor, Action::AuditView)?;
        let region = match query.region.as_deref().filter(|r| !r.is_empty()) {
            Some(raw) => RegionCode::parse(raw).map_err(|e| e.for_field("region"))?,
            None => actor
                .home_region()
                .cloned()
                .ok_or_else(|| crate::ServiceError::rule(ErrorCode::Forbidden))?,
        };
        authorize(actor, Action::AuditView, &Target::in_region(region.clone()))?;
        let filter = audit::AuditFilter {
            scope_prefix: region.scope_prefix(),
            action_prefix: query.action.as_deref().unwrap_or(""),
            actor_label: query.actor.as_deref().unwrap_or(""),
        };
        let page = query.page.max(1);
        let offset = (i64::from(page) - 1) * i64::from(PER_PAGE);
        let mut tx = self.db.read().await.doing("starting a read")?;
        let total = audit::count(&mut tx, &filter).await.doing("counting audit entries")?;
        let rows = audit::list(&mut tx, &filter, i64::from(PER_PAGE), offset)
            .await
            .doing("listing audit entries")?;
        Ok(AuditPage {
            region_code: region.as_str().to_owned(),
            total,
            page,
            per_page: PER_PAGE,
            entries: rows.into_iter().map(AuditEntry::from).collect(),
        })
    }
}

impl From<audit::AuditRow> for AuditEntry {
    fn from(row: audit::AuditRow) -> Self {
        Self {
            id: row.id,
            at: row.at,
            actor: row.actor_label,
            role: row.actor_role,
            action: row.action,
            target_kind: row.target_kind,
            target_id: row.target_id,
            region_code: row.region_code,
            event: row.event,
            // Written by `record` from a map of strings: anything else is an entry from before.
            params: serde_json::from_str(&row.params).unwrap_or_default(),
            summary: row.summary,
        }
    }
}
