//! Staff roles between people (decisions.md D2). An admin names admins strictly below its own
//! level, inside its region; the grant waits for its holder, who logs in by SMS code, sets (or
//! gives) their own password and confirms their ID number, and only then holds the role. The
//! granter's answer is the same whether the phone had an account or not. The admins above a
//! role take it back, disable its holder's account or reset its password; each ends the
//! holder's sessions at once. Everything here is audited, in the role's region and, where the
//! holder is a volunteer elsewhere, in theirs too.

use crate::accounts::{RoleView, display_name, parse_role};
use crate::audit::{Change, Event, event, record};
use crate::auth::hash_password;
use crate::error::DbContext;
use crate::regions::{existing, parse_code};
use crate::{ServiceError, ServiceResult, Services, authorize};
use hongmajia_domain::role::GrantState;
use hongmajia_domain::role::may_grant;
use hongmajia_domain::{
    AccountId, Action, Actor, Decision, ErrorCode, Grant, Password, Phone, RegionCode, Role, Target, can,
};
use hongmajia_store::{Tx, accounts, grants, new_id, sessions};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::OffsetDateTime;
use utoipa::ToSchema;

/// An admin role for the holder of a phone.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantRequest {
    pub phone: String,
    /// `center-admin`, `institute-admin` or `station-admin` (`city-admin` by the operator).
    pub role: String,
    /// A region of the role's level, inside the granter's.
    pub region_code: String,
}

/// A grant as its granter, its holder and the staff page see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GrantView {
    pub id: i64,
    /// Masked: `138****1234`.
    pub phone: String,
    pub role: String,
    pub region_code: String,
    pub region_name: String,
    /// `pending` until its holder accepts (`accepted`) or refuses (`refused`).
    #[schema(value_type = String)]
    pub state: GrantState,
    /// How the audit log names the granter.
    pub granted_by: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

impl GrantView {
    fn from_row(row: grants::GrantRow) -> Self {
        Self {
            id: row.id,
            phone: row.phone_masked,
            role: row.role,
            region_code: row.region_code,
            region_name: row.region_name,
            state: row.state,
            granted_by: row.granted_by_label,
            created_at: row.created_at,
        }
    }
}

/// The holder's acceptance of a grant.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptInput {
    /// The holder's own ID number (the person the role is tied to).
    pub id_number: String,
    /// `resident_id` (default) or another document type.
    #[serde(default)]
    pub id_type: Option<String>,
    /// For an account without a password: the new one (at least 12 characters, not a common
    /// one). For an account with one: the current one, again.
    #[serde(default)]
    pub password: Option<String>,
    #[serde(default)]
    pub display_name: Option<String>,
}

/// A role to take back from an account.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevokeInput {
    pub role: String,
    pub region_code: String,
}

/// One person holding staff roles under a region, as the staff page lists them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StaffPerson {
    pub account_id: AccountId,
    /// Masked.
    pub phone: String,
    pub display_name: String,
    pub roles: Vec<RoleView>,
    pub disabled: bool,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_login_at: Option<OffsetDateTime>,
}

/// The staff of a region and everything below it, and the grants waiting for their holders.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StaffOverview {
    pub region_code: String,
    pub people: Vec<StaffPerson>,
    pub pending: Vec<GrantView>,
}

/// What an admin did to another's account, for the answer and the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountMove {
    Disable,
    Enable,
    /// The password is removed and every session ends: the holder sets a new one after an SMS
    /// code to their own phone.
    Reset,
}

impl AccountMove {
    /// `disable`, `enable` or `reset`, as the routes name them.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "disable" => Some(Self::Disable),
            "enable" => Some(Self::Enable),
            "reset" => Some(Self::Reset),
            _ => None,
        }
    }

    fn action(self) -> Action {
        match self {
            Self::Disable | Self::Enable => Action::AccountDisable,
            Self::Reset => Action::AccountReset,
        }
    }
}

const STAFF_PAGE: i64 = 200;

/// A grant not answered within this lapses (a phone number changes hands in time).
const GRANT_LIFETIME: time::Duration = time::Duration::days(14);

/// A grant as it is now, read back in the transaction that changed it.
async fn settled(tx: &mut Tx, id: i64) -> ServiceResult<GrantView> {
    grants::find(tx, id)
        .await
        .doing("reading the grant back")?
        .map(GrantView::from_row)
        .ok_or_else(|| ServiceError::Internal(anyhow::anyhow!("the grant vanished")))
}

/// Who may act on a disabled account, highest first: the operator, then each admin level.
const RANKS: [&str; 4] = ["system", "city", "county", "township"];

/// A level's rank; anything else (none recorded) ranks lowest.
fn rank_of(level: &str) -> usize {
    RANKS.iter().position(|r| *r == level).unwrap_or(RANKS.len() - 1)
}

/// The rank of an actor: the operator's, or that of its highest staff role.
fn level_rank(actor: &Actor) -> usize {
    match (actor, actor.home_region()) {
        (Actor::System, _) => 0,
        (Actor::Account { .. }, Some(region)) => rank_of(region.level().as_str()),
        (Actor::Account { .. }, None) => RANKS.len() - 1,
    }
}

/// Admins name, remove and disable only roles strictly below their own (the operator any).
fn refuse_unless_above(actor: &Actor, role: Role, region: &RegionCode) -> ServiceResult<()> {
    match actor {
        Actor::System => Ok(()),
        Actor::Account { grants, .. } if may_grant(grants, role, region) => Ok(()),
        Actor::Account { .. } => {
            tracing::warn!(
                event = "access_denied",
                reason = "not_above",
                actor = actor.label(),
                role = role.as_str()
            );
            Err(ServiceError::rule(ErrorCode::Forbidden))
        }
    }
}

/// A staff role as stored (its region parsed), skipping a role this build does not know.
fn held_grant(row: &accounts::RoleRow) -> Option<Grant> {
    Grant::from_stored(&row.role, Some(row.region_code.as_deref()?))
}

impl Services {
    /// Grants an admin role to the holder of a phone: pending, with no power until they accept.
    /// The same answer whether the phone has an account, holds the role or was granted it before.
    pub async fn grant_role(&self, actor: &Actor, input: &GrantRequest) -> ServiceResult<GrantView> {
        crate::refuse_unless_capable(actor, Action::AccountGrant)?;
        let role = parse_role(&input.role)?;
        let region = parse_code(&input.region_code, "region_code")?;
        authorize(actor, Action::AccountGrant, &Target::in_region(region.clone()))?;
        if !role.is_staff() {
            return Err(ServiceError::on(ErrorCode::RoleNotGrantable, "role"));
        }
        Grant::new(role, Some(region.clone())).map_err(|e| e.for_field("region_code"))?;
        refuse_unless_above(actor, role, &region)?;
        let phone = Phone::parse(&input.phone)?;
        let sealed = self.seal_phone(&phone)?;
        let mut tx = self.db.begin().await.doing("starting the grant")?;
        existing(&mut tx, &region)
            .await
            .map_err(|_| ServiceError::on(ErrorCode::UnknownRegion, "region_code"))?;
        let waiting = grants::find_pending(&mut tx, &sealed.lookup, role.as_str(), region.as_str())
            .await
            .doing("finding a waiting grant")?;
        let row = match waiting {
            Some(row) => row,
            None => {
                let id = new_id();
                let label = actor.label().to_owned();
                let new = grants::NewGrant {
                    id,
                    phone_lookup: &sealed.lookup,
                    phone_enc: &sealed.sealed,
                    phone_masked: &sealed.masked,
                    role: role.as_str(),
                    region_code: region.as_str(),
                    granted_by: actor.account_id(),
                    granted_by_label: &label,
                    at: self.now(),
                };
                grants::insert(&mut tx, &new).await.doing("storing the grant")?;
                let what = event!(
                    "grant.made",
                    role = role.as_str(),
                    region = region,
                    phone = sealed.masked
                );
                self.audit_both(
                    &mut tx,
                    actor,
                    (Action::AccountGrant, id),
                    &region,
                    &sealed.lookup,
                    what,
                )
                .await?;
                grants::find(&mut tx, id)
                    .await
                    .doing("reading the grant back")?
                    .ok_or_else(|| ServiceError::Internal(anyhow::anyhow!("the new grant vanished")))?
            }
        };
        tx.commit().await.doing("committing the grant")?;
        Ok(GrantView::from_row(row))
    }

    /// Appends an entry in the role's region and, when the phone's holder is a volunteer of a
    /// region outside it, one in theirs, so that their county sees what was done to them; but
    /// never where the actor could read it (a second entry would tell a granter where the
    /// phone's holder is registered).
    async fn audit_both(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        (action, grant): (Action, i64),
        region: &RegionCode,
        phone_lookup: &str,
        event: Event,
    ) -> ServiceResult<()> {
        let home = accounts::volunteer_region_of_phone(tx, phone_lookup)
            .await
            .doing("finding the holder's region")?
            .and_then(|code| RegionCode::parse(&code).ok())
            .filter(|home| {
                !region.covers(home)
                    && can(actor, Action::AuditView, &Target::in_region(home.clone())) != Decision::Allow
            });
        for place in std::iter::once(region).chain(home.as_ref()) {
            let change = Change {
                action,
                target_kind: "role_grant",
                target_id: grant.to_string(),
                region: Some(place),
                event: event.clone(),
            };
            record(tx, actor, self.now(), change).await?;
        }
        Ok(())
    }

    /// The grants waiting for the signed-in account's phone.
    pub async fn pending_grants(&self, actor: &Actor) -> ServiceResult<Vec<GrantView>> {
        let id = actor
            .account_id()
            .ok_or_else(|| ServiceError::rule(ErrorCode::Unauthenticated))?;
        authorize(actor, Action::GrantDecide, &Target::owned_by(id))?;
        let mut tx = self.db.read().await.doing("starting a read")?;
        let account = accounts::find(&mut tx, id)
            .await
            .doing("finding the account")?
            .ok_or_else(|| ServiceError::rule(ErrorCode::Unauthenticated))?;
        let rows = grants::pending_for_phone(&mut tx, &account.phone_lookup)
            .await
            .doing("reading the grants")?;
        Ok(rows
            .into_iter()
            .filter(|g| self.is_live(g))
            .map(GrantView::from_row)
            .collect())
    }

    fn is_live(&self, grant: &grants::GrantRow) -> bool {
        self.now() - grant.created_at <= GRANT_LIFETIME
    }

    /// A grant counts only while its granter may still grant it: enabled, and above the role.
    async fn refuse_unless_granter_may(&self, grant: &grants::GrantRow) -> ServiceResult<()> {
        let Some(granter) = grant.granted_by else {
            return Ok(());
        };
        let mut tx = self.db.read().await.doing("starting a read")?;
        let enabled = accounts::find(&mut tx, granter)
            .await
            .doing("finding the granter")?
            .is_some_and(|a| a.disabled_at.is_none());
        let actor = crate::auth::load_actor(&mut tx, granter).await?;
        let role = parse_role(&grant.role)?;
        let region = parse_code(&grant.region_code, "region_code")?;
        if enabled && may_grant(actor.grants(), role, &region) {
            Ok(())
        } else {
            Err(ServiceError::rule(ErrorCode::GrantLapsed))
        }
    }

    /// Withdraws a grant still waiting for its holder (its granter, or the admins above the role).
    pub async fn withdraw_grant(&self, actor: &Actor, grant_id: i64) -> ServiceResult<GrantView> {
        crate::refuse_unless_capable(actor, Action::AccountGrant)?;
        let grant = {
            let mut tx = self.db.read().await.doing("starting a read")?;
            grants::find(&mut tx, grant_id)
                .await
                .doing("finding the grant")?
                .ok_or_else(|| ServiceError::rule(ErrorCode::NotFound))?
        };
        let role = parse_role(&grant.role)?;
        let region = parse_code(&grant.region_code, "region_code")?;
        authorize(actor, Action::AccountGrant, &Target::in_region(region.clone()))?;
        refuse_unless_above(actor, role, &region)?;
        let mut tx = self.db.begin().await.doing("starting the withdrawal")?;
        if !grants::decide(&mut tx, grant.id, GrantState::Withdrawn, None, self.now())
            .await
            .doing("withdrawing the grant")?
        {
            return Err(ServiceError::rule(ErrorCode::InvalidTransition));
        }
        let change = Change {
            action: Action::AccountGrant,
            target_kind: "role_grant",
            target_id: grant.id.to_string(),
            region: Some(&region),
            event: event!(
                "grant.withdrawn",
                role = grant.role,
                region = region,
                phone = grant.phone_masked
            ),
        };
        record(&mut tx, actor, self.now(), change).await?;
        let settled = settled(&mut tx, grant.id).await?;
        tx.commit().await.doing("committing the withdrawal")?;
        Ok(settled)
    }

    /// The holder accepts a grant to their phone: their ID number ties the account to their
    /// person (it must be theirs: their registration's, if any), their password is set (an
    /// account without one) or given again, and the role is theirs from now on, in the session
    /// that accepted it only (the account's other sessions end). The granter must still be able
    /// to grant it. An ID number registered to another account is refused as in a registration:
    /// at most three times a day per account and client, its holder told by SMS.
    pub async fn accept_grant(
        &self,
        actor: &Actor,
        grant_id: i64,
        input: &AcceptInput,
        (session, client): (Option<i64>, &str),
    ) -> ServiceResult<GrantView> {
        let id = actor
            .account_id()
            .ok_or_else(|| ServiceError::rule(ErrorCode::Unauthenticated))?;
        authorize(actor, Action::GrantDecide, &Target::owned_by(id))?;
        let person = self.checked_person(input.id_type.as_deref(), &input.id_number)?;
        let name = display_name(input.display_name.as_deref())?;
        let grant = self.own_pending_grant(id, grant_id).await?;
        self.refuse_unless_granter_may(&grant).await?;
        let has_password = self.has_password(actor).await?;
        let given = input.password.as_deref().unwrap_or("");
        let new_hash = if has_password {
            self.confirm_password(actor, given).await?;
            None
        } else if given.is_empty() {
            return Err(ServiceError::on(ErrorCode::PasswordRequired, "password"));
        } else {
            Some(hash_password(&Password::parse(given)?).await?)
        };
        let role = parse_role(&grant.role)?;
        let region = parse_code(&grant.region_code, "region_code")?;

        let keys = crate::volunteers::registered_id_keys(id, client);
        if !self.reserve_daily(&keys).await? {
            return Err(ServiceError::rule(ErrorCode::TooManyAttempts));
        }
        let elsewhere = {
            let mut tx = self.db.read().await.doing("starting a read")?;
            self.registered_elsewhere(&mut tx, id, &person).await?
        };
        if elsewhere {
            tracing::warn!(event = "registered_id_tried", account = id.0, ip = client);
            self.tell_registered_person(person.lookup()).await?;
            return Err(ServiceError::on(ErrorCode::IdNumberMismatch, "id_number"));
        }
        self.release_daily(&keys).await?;
        let mut tx = self.db.begin().await.doing("starting the acceptance")?;
        self.tie_person(&mut tx, id, &person).await?;
        if let Some(hash) = &new_hash {
            accounts::set_password_hash(&mut tx, id, hash)
                .await
                .doing("storing the password")?;
        }
        if !name.is_empty() {
            accounts::set_display_name(&mut tx, id, &name)
                .await
                .doing("storing the name")?;
        }
        accounts::insert_role(&mut tx, id, role.as_str(), Some(region.as_str()), self.now())
            .await
            .unique_or(ErrorCode::RoleExists, "role", "adding the role")?;
        if !grants::decide(&mut tx, grant.id, GrantState::Accepted, Some(id.0), self.now())
            .await
            .doing("settling the grant")?
        {
            return Err(ServiceError::rule(ErrorCode::InvalidTransition));
        }
        sessions::revoke_all(&mut tx, id, session, self.now())
            .await
            .doing("ending the other sessions")?;
        let settled = self.record_answer(&mut tx, actor, &grant, GrantState::Accepted).await?;
        self.commit_changing(tx, &crate::cache::ACCESS, "committing the acceptance")
            .await?;
        Ok(settled)
    }

    /// The holder says no to a grant to their phone.
    pub async fn refuse_grant(&self, actor: &Actor, grant_id: i64) -> ServiceResult<GrantView> {
        let id = actor
            .account_id()
            .ok_or_else(|| ServiceError::rule(ErrorCode::Unauthenticated))?;
        authorize(actor, Action::GrantDecide, &Target::owned_by(id))?;
        let grant = self.own_pending_grant(id, grant_id).await?;
        let mut tx = self.db.begin().await.doing("starting the refusal")?;
        if !grants::decide(&mut tx, grant.id, GrantState::Refused, Some(id.0), self.now())
            .await
            .doing("settling the grant")?
        {
            return Err(ServiceError::rule(ErrorCode::InvalidTransition));
        }
        let settled = self.record_answer(&mut tx, actor, &grant, GrantState::Refused).await?;
        tx.commit().await.doing("committing the refusal")?;
        Ok(settled)
    }

    /// Audits the holder's answer to a grant and reads the grant back as it now is.
    async fn record_answer(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        grant: &grants::GrantRow,
        answer: GrantState,
    ) -> ServiceResult<GrantView> {
        let region = parse_code(&grant.region_code, "region_code")?;
        let by = &grant.granted_by_label;
        let what = match answer {
            GrantState::Accepted => event!("grant.accepted", role = grant.role, region = region, by = by),
            _ => event!("grant.refused", role = grant.role, region = region, by = by),
        };
        let step = (Action::GrantDecide, grant.id);
        self.audit_both(tx, actor, step, &region, &grant.phone_lookup, what)
            .await?;
        settled(tx, grant.id).await
    }

    /// A pending grant to this account's phone; any other is "not found".
    async fn own_pending_grant(&self, account: AccountId, grant_id: i64) -> ServiceResult<grants::GrantRow> {
        let mut tx = self.db.read().await.doing("starting a read")?;
        let phone = accounts::find(&mut tx, account)
            .await
            .doing("finding the account")?
            .ok_or_else(|| ServiceError::rule(ErrorCode::Unauthenticated))?
            .phone_lookup;
        let grant = grants::find(&mut tx, grant_id)
            .await
            .doing("finding the grant")?
            .filter(|g| g.phone_lookup == phone)
            .ok_or_else(|| ServiceError::rule(ErrorCode::NotFound))?;
        match grant.state {
            GrantState::Pending if self.is_live(&grant) => Ok(grant),
            GrantState::Pending | GrantState::Withdrawn => Err(ServiceError::rule(ErrorCode::GrantLapsed)),
            _ => Err(ServiceError::rule(ErrorCode::InvalidTransition)),
        }
    }

    /// The staff of a region and below: each person with their roles, whether disabled, their
    /// last login; and the grants waiting for their holders.
    pub async fn staff(&self, actor: &Actor, region_code: &str, page: u32) -> ServiceResult<StaffOverview> {
        crate::refuse_unless_capable(actor, Action::AccountList)?;
        let code = RegionCode::parse(region_code).map_err(|_| ServiceError::rule(ErrorCode::NotFound))?;
        authorize(actor, Action::AccountList, &Target::in_region(code.clone()))?;
        let offset = i64::from(page.max(1) - 1) * STAFF_PAGE;
        let mut tx = self.db.read().await.doing("starting a read")?;
        let rows = accounts::staff_roles_in_scope(&mut tx, code.scope_prefix(), STAFF_PAGE, offset)
            .await
            .doing("listing staff")?;
        let mut pending = grants::pending_in_scope(&mut tx, code.scope_prefix(), STAFF_PAGE)
            .await
            .doing("listing waiting grants")?;
        pending.retain(|g| self.is_live(g));
        let mut people: BTreeMap<AccountId, StaffPerson> = BTreeMap::new();
        let mut order = Vec::new();
        for row in rows {
            let person = people.entry(row.id).or_insert_with(|| {
                order.push(row.id);
                StaffPerson {
                    account_id: row.id,
                    phone: row.phone_masked.clone(),
                    display_name: row.display_name.clone(),
                    roles: Vec::new(),
                    disabled: row.disabled_at.is_some(),
                    last_login_at: row.last_login_at,
                }
            });
            person.roles.push(RoleView {
                role: row.role,
                region_code: Some(row.region_code),
                region_name: Some(row.region_name),
            });
        }
        Ok(StaffOverview {
            region_code: code.to_string(),
            people: order.into_iter().filter_map(|id| people.remove(&id)).collect(),
            pending: pending.into_iter().map(GrantView::from_row).collect(),
        })
    }

    /// Takes a staff role back from an account (by the admins above the role); the holder's
    /// sessions end at once.
    pub async fn revoke_role(&self, actor: &Actor, account: AccountId, input: &RevokeInput) -> ServiceResult<()> {
        crate::refuse_unless_capable(actor, Action::AccountRevoke)?;
        let role = parse_role(&input.role)?;
        let region = parse_code(&input.region_code, "region_code")?;
        authorize(actor, Action::AccountRevoke, &Target::in_region(region.clone()))?;
        if !role.is_staff() {
            return Err(ServiceError::on(ErrorCode::RoleNotGrantable, "role"));
        }
        refuse_unless_above(actor, role, &region)?;
        let mut tx = self.db.begin().await.doing("starting the revocation")?;
        if !accounts::delete_role(&mut tx, account, role.as_str(), region.as_str())
            .await
            .doing("removing the role")?
        {
            return Err(ServiceError::rule(ErrorCode::NotFound));
        }
        let ended = sessions::revoke_all(&mut tx, account, None, self.now())
            .await
            .doing("ending the holder's sessions")?;
        let change = Change {
            action: Action::AccountRevoke,
            target_kind: "account",
            target_id: account.to_string(),
            region: Some(&region),
            event: event!("role.revoked", role = role.as_str(), region = region, sessions = ended),
        };
        record(&mut tx, actor, self.now(), change).await?;
        self.commit_changing(tx, &crate::cache::ACCESS, "committing the revocation")
            .await
    }

    /// Disables, enables or resets the account of a staff member, by the admins above every
    /// staff role it holds (the operator: any account). Its sessions end at once.
    pub async fn move_account(&self, actor: &Actor, account: AccountId, step: AccountMove) -> ServiceResult<()> {
        if let Actor::Account { .. } = actor {
            // Who may never do this is told so before anything is looked up.
            let home = actor
                .home_region()
                .cloned()
                .ok_or_else(|| ServiceError::rule(ErrorCode::Forbidden))?;
            authorize(actor, step.action(), &Target::in_region(home))?;
        }
        let mut tx = self.db.begin().await.doing("starting the account change")?;
        let roles: Vec<Grant> = accounts::staff_roles(&mut tx, account)
            .await
            .doing("reading the account's roles")?
            .iter()
            .filter_map(held_grant)
            .collect();
        let exists = accounts::find(&mut tx, account)
            .await
            .doing("finding the account")?
            .is_some();
        let places = self.reach_of(actor, &roles, exists)?;
        let rank = level_rank(actor);
        if step == AccountMove::Enable
            && let Some(by) = accounts::disabled_by(&mut tx, account)
                .await
                .doing("reading who disabled the account")?
            && rank_of(&by) < rank
        {
            // Disabled from above: only that level (or higher) enables it again.
            return Err(ServiceError::rule(ErrorCode::Forbidden));
        }
        let changed = match step {
            AccountMove::Disable => {
                let by = Some((self.now(), RANKS[rank]));
                accounts::set_disabled(&mut tx, account, by).await
            }
            AccountMove::Enable => accounts::set_disabled(&mut tx, account, None).await,
            AccountMove::Reset => accounts::clear_password(&mut tx, account).await.map(|()| true),
        }
        .doing("changing the account")?;
        let ended = if step == AccountMove::Enable {
            0
        } else {
            sessions::revoke_all(&mut tx, account, None, self.now())
                .await
                .doing("ending the account's sessions")?
        };
        for place in &places {
            let change = Change {
                action: step.action(),
                target_kind: "account",
                target_id: account.to_string(),
                region: place.as_ref(),
                event: match (step, changed) {
                    (_, false) => event!("account.unchanged", account = account),
                    (AccountMove::Disable, true) => event!("account.disabled", account = account, sessions = ended),
                    (AccountMove::Enable, true) => event!("account.enabled", account = account),
                    (AccountMove::Reset, true) => event!("account.reset", account = account, sessions = ended),
                },
            };
            record(&mut tx, actor, self.now(), change).await?;
        }
        self.commit_changing(tx, &crate::cache::ACCESS, "committing the account change")
            .await
    }

    /// The regions an account change is audited in, after checking the actor is above every
    /// staff role of the account: one out of reach is "not found", one at or above the actor's
    /// level "forbidden". The operator reaches any account.
    fn reach_of(&self, actor: &Actor, roles: &[Grant], exists: bool) -> ServiceResult<Vec<Option<RegionCode>>> {
        if !exists {
            return Err(ServiceError::rule(ErrorCode::NotFound));
        }
        if let Actor::Account { grants, .. } = actor {
            let covered = |g: &Grant| {
                g.region.as_ref().is_some_and(|r| {
                    grants
                        .iter()
                        .any(|own| own.region.as_ref().is_some_and(|o| o.covers(r)))
                })
            };
            if roles.is_empty() || !roles.iter().all(covered) {
                return Err(ServiceError::rule(ErrorCode::NotFound));
            }
            for role in roles {
                let region = role
                    .region
                    .as_ref()
                    .ok_or_else(|| ServiceError::rule(ErrorCode::NotFound))?;
                refuse_unless_above(actor, role.role, region)?;
            }
        }
        let places: Vec<Option<RegionCode>> = roles.iter().map(|g| g.region.clone()).collect();
        Ok(if places.is_empty() { vec![None] } else { places })
    }
}
