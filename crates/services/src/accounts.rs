//! Accounts and their roles. One phone is one account; granting a role to an existing phone adds
//! the role to that account.

use crate::audit::{Change, record};
use crate::auth::{hash_password, load_actor};
use crate::error::DbContext;
use crate::regions::{existing, parse_code};
use crate::vault::Field;
use crate::{ServiceError, ServiceResult, Services, authorize};
use hongmajia_domain::{AccountId, Action, Actor, ErrorCode, Grant, Password, Phone, RegionCode, Role, Target};
use hongmajia_store::{accounts, new_id};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A role to give to the account of a phone number (created when the phone is new).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantInput {
    pub phone: String,
    /// `city-admin`, `center-admin`, `institute-admin`, `station-admin`, `volunteer` or `citizen`.
    pub role: String,
    /// Required for admin roles: a region of the role's level.
    #[serde(default)]
    pub region_code: Option<String>,
    #[serde(default)]
    pub display_name: Option<String>,
    /// Required when a staff role is given to an account that has no password yet.
    #[serde(default)]
    pub password: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Granted {
    pub account_id: i64,
    /// True when the phone was new and an account was made for it.
    pub created: bool,
    pub role: String,
    pub region_code: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RoleView {
    pub role: String,
    pub region_code: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Profile {
    pub id: i64,
    /// Masked: `138****1234`.
    pub phone: String,
    pub display_name: String,
    pub roles: Vec<RoleView>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StaffEntry {
    pub account_id: i64,
    pub phone: String,
    pub display_name: String,
    pub role: String,
    pub region_code: String,
}

impl Services {
    pub async fn grant_role(&self, actor: &Actor, input: &GrantInput) -> ServiceResult<Granted> {
        let phone = Phone::parse(&input.phone)?;
        let role = Role::parse(&input.role).ok_or_else(|| ServiceError::on(ErrorCode::InvalidQuery, "role"))?;
        let region = input
            .region_code
            .as_deref()
            .filter(|r| !r.trim().is_empty())
            .map(|r| parse_code(r, "region_code"))
            .transpose()?;
        let grant = Grant::new(role, region).map_err(|e| e.for_field("region_code"))?;
        // Volunteers and citizens have no region; staff may add them from their own region.
        let scope = grant.region.clone().or_else(|| actor.home_region().cloned());
        let target = Target {
            region: scope.clone(),
            owner: None,
            team: None,
        };
        authorize(actor, Action::AccountGrant, &target)?;
        let password = match input.password.as_deref().filter(|p| !p.is_empty()) {
            Some(raw) => Some(Password::parse(raw)?),
            None => None,
        };
        let password_hash = match &password {
            Some(p) => Some(hash_password(p).await?),
            None => None,
        };
        let display_name = input.display_name.as_deref().unwrap_or("").trim().to_owned();
        if display_name.chars().count() > 60 {
            return Err(ServiceError::on(ErrorCode::InvalidName, "display_name"));
        }

        let mut tx = self.db.begin().await.doing("starting the role grant")?;
        if let Some(region) = &grant.region {
            existing(&mut tx, region)
                .await
                .map_err(|_| ServiceError::on(ErrorCode::ParentRegionMissing, "region_code"))?;
        }
        let phone_lookup = self.vault.lookup(Field::Phone, phone.as_str());
        let found = accounts::find_by_phone(&mut tx, &phone_lookup)
            .await
            .doing("finding the account")?;
        let created = found.is_none();
        let (id, has_password) = match found {
            Some(account) => (account.id, account.password_hash.is_some()),
            None => {
                let id = new_id();
                let sealed = self.vault.encrypt(Field::Phone, phone.as_str())?;
                let stored = accounts::StoredPhone {
                    lookup: &phone_lookup,
                    sealed: &sealed,
                    masked: &phone.masked(),
                };
                accounts::insert(
                    &mut tx,
                    id,
                    &stored,
                    &display_name,
                    password_hash.as_deref(),
                    self.now(),
                )
                .await
                .doing("creating the account")?;
                (id, password_hash.is_some())
            }
        };
        if role.is_staff() && !has_password {
            let hash = password_hash
                .as_deref()
                .ok_or_else(|| ServiceError::on(ErrorCode::PasswordRequired, "password"))?;
            accounts::set_password_hash(&mut tx, id, hash)
                .await
                .doing("setting the password")?;
        }
        accounts::insert_role(
            &mut tx,
            id,
            role.as_str(),
            grant.region.as_ref().map(RegionCode::as_str),
            self.now(),
        )
        .await
        .unique_or(ErrorCode::RoleExists, "role", "adding the role")?;
        let change = Change {
            action: Action::AccountGrant,
            target_kind: "account",
            target_id: id.to_string(),
            region: scope.as_ref(),
            summary: format!(
                "{} {} role {}{}",
                if created { "created account" } else { "account" },
                phone.masked(),
                role.as_str(),
                grant.region.as_ref().map(|r| format!(" in {r}")).unwrap_or_default()
            ),
        };
        record(&mut tx, actor, self.now(), change).await?;
        self.commit_changing(tx, &crate::cache::ACCESS, "committing the role grant")
            .await?;
        Ok(Granted {
            account_id: id,
            created,
            role: role.as_str().to_owned(),
            region_code: grant.region.map(String::from),
        })
    }

    /// The signed-in account itself.
    pub async fn profile(&self, actor: &Actor) -> ServiceResult<Profile> {
        let id = actor
            .account_id()
            .ok_or_else(|| ServiceError::rule(ErrorCode::NotFound))?;
        authorize(actor, Action::ProfileView, &Target::owned_by(id))?;
        self.load_profile(id).await
    }

    async fn load_profile(&self, id: AccountId) -> ServiceResult<Profile> {
        let mut tx = self.db.read().await.doing("starting a read")?;
        let account = accounts::find(&mut tx, id.0)
            .await
            .doing("finding the account")?
            .ok_or_else(|| ServiceError::rule(ErrorCode::NotFound))?;
        let roles = accounts::roles(&mut tx, id.0).await.doing("reading the roles")?;
        Ok(Profile {
            id: account.id,
            phone: account.phone_masked,
            display_name: account.display_name,
            roles: roles
                .into_iter()
                .map(|r| RoleView {
                    role: r.role,
                    region_code: r.region_code,
                })
                .collect(),
        })
    }

    /// Staff roles held for a region and everything below it.
    pub async fn staff(&self, actor: &Actor, region_code: &str, page: u32) -> ServiceResult<Vec<StaffEntry>> {
        let code = RegionCode::parse(region_code).map_err(|_| ServiceError::rule(ErrorCode::NotFound))?;
        authorize(actor, Action::AccountList, &Target::in_region(code.clone()))?;
        let per_page = 100;
        let offset = i64::from(page.max(1) - 1) * per_page;
        let mut tx = self.db.read().await.doing("starting a read")?;
        let rows = accounts::staff_in_scope(&mut tx, code.scope_prefix(), per_page, offset)
            .await
            .doing("listing staff")?;
        Ok(rows
            .into_iter()
            .map(|row| StaffEntry {
                account_id: row.id,
                phone: row.phone_masked,
                display_name: row.display_name,
                role: row.role,
                region_code: row.region_code,
            })
            .collect())
    }

    /// The actor of an account id, as a session would load it (CLI and tests).
    pub async fn actor_of(&self, id: AccountId) -> ServiceResult<Actor> {
        let mut tx = self.db.read().await.doing("starting a read")?;
        load_actor(&mut tx, id).await
    }
}

impl Services {
    /// Sets the signed-in account's password (same rules as staff). An account that has one
    /// must give it again; one that logs in by SMS code only may set a first one. Audited.
    pub async fn set_own_password(&self, actor: &Actor, current: Option<&str>, new: &str) -> ServiceResult<()> {
        let id = actor
            .account_id()
            .ok_or_else(|| ServiceError::rule(ErrorCode::Unauthenticated))?;
        authorize(actor, Action::ProfileView, &Target::owned_by(id))?;
        let password = Password::parse(new)?;
        let has_password = {
            let mut tx = self.db.read().await.doing("starting a read")?;
            accounts::find(&mut tx, id.0)
                .await
                .doing("finding the account")?
                .is_some_and(|a| a.password_hash.is_some())
        };
        if has_password {
            self.confirm_password(actor, current.unwrap_or(""))
                .await
                .map_err(|e| match e.code() {
                    Some(ErrorCode::InvalidCredentials) => {
                        ServiceError::on(ErrorCode::InvalidCredentials, "current_password")
                    }
                    _ => e,
                })?;
        }
        let hash = hash_password(&password).await?;
        let mut tx = self.db.begin().await.doing("starting the password change")?;
        accounts::set_password_hash(&mut tx, id.0, &hash)
            .await
            .doing("storing the password")?;
        let change = Change {
            action: Action::ProfileView,
            target_kind: "account",
            target_id: id.to_string(),
            region: None,
            summary: if has_password {
                "changed the password".to_owned()
            } else {
                "set a first password".to_owned()
            },
        };
        record(&mut tx, actor, self.now(), change).await?;
        tx.commit().await.doing("committing the password change")?;
        Ok(())
    }
}
