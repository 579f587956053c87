//! Accounts, the people behind them, and their roles. One phone is one account; an account may
//! hold several roles. Staff roles take effect only on an account tied to a person (decisions.md
//! D2): the operator `system` makes such accounts at once (`user create --id-number`); an admin's
//! grant waits for its holder (see `grants`). Nobody sets or sees another person's password.

use crate::audit::{Change, event, record};
use crate::auth::{hash_password, load_actor};
use crate::error::DbContext;
use crate::regions::{existing, parse_code};
use crate::vault::Field;
use crate::{ServiceError, ServiceResult, Services, authorize};
use hongmajia_domain::identity::{IdNumber, IdType};
use hongmajia_domain::person::{Party, PersonKey, Subject, distinct_persons, is_own};
use hongmajia_domain::{
    AccountId, Action, Actor, ErrorCode, Grant, Password, Phone, RegionCode, Role, Target, VolunteerId,
};
use hongmajia_store::{Tx, accounts, new_id, sessions, volunteers};
use serde::Serialize;
use utoipa::ToSchema;

/// An account made, or a role added to one, by the operator `system` (CLI, demo, tests).
#[derive(Debug, Clone, Default)]
pub struct UserInput {
    pub phone: String,
    /// `city-admin`, `center-admin`, `institute-admin`, `station-admin`, `volunteer` or `citizen`.
    pub role: String,
    /// Required for admin roles: a region of the role's level.
    pub region_code: Option<String>,
    pub display_name: Option<String>,
    /// Only for a new account (required with a staff role); an existing account keeps its own.
    pub password: Option<String>,
    /// The person's resident ID number: required with a staff role on an account not yet tied
    /// to a person.
    pub id_number: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Created {
    pub account_id: AccountId,
    /// True when the phone was new and an account was made for it.
    pub created: bool,
    pub role: Role,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RoleView {
    pub role: String,
    pub region_code: Option<String>,
    pub region_name: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Profile {
    pub id: AccountId,
    /// Masked: `138****1234`.
    pub phone: String,
    pub display_name: String,
    pub roles: Vec<RoleView>,
}

/// A person's ID number as an account stores it: the keyed hash and the sealed number.
pub(crate) struct CheckedPerson {
    id_type: IdType,
    lookup: String,
    sealed: String,
}

impl CheckedPerson {
    pub(crate) fn lookup(&self) -> &str {
        &self.lookup
    }

    fn stored(&self) -> accounts::StoredPerson<'_> {
        accounts::StoredPerson {
            id_type: self.id_type.as_str(),
            lookup: &self.lookup,
            sealed: &self.sealed,
        }
    }
}

/// The role named in an input (`invalid_role` for anything else).
pub(crate) fn parse_role(raw: &str) -> ServiceResult<Role> {
    Role::parse(raw.trim()).ok_or_else(|| ServiceError::on(ErrorCode::InvalidRole, "role"))
}

fn given(raw: Option<&str>) -> Option<&str> {
    raw.map(str::trim).filter(|s| !s.is_empty())
}

impl Services {
    /// Makes an account, or adds a role to an existing one, as the operator `system`, at once.
    /// A staff role on a new account needs a password and the person's ID number; on an existing
    /// account, a password of its holder's own (else the holder sets one first) and a person
    /// (its registration, an earlier tie, or the ID number given now). An existing account's
    /// password is never set or changed here.
    pub async fn create_user(&self, input: &UserInput) -> ServiceResult<Created> {
        let phone = Phone::parse(&input.phone)?;
        let role = parse_role(&input.role)?;
        let region = given(input.region_code.as_deref())
            .map(|r| parse_code(r, "region_code"))
            .transpose()?;
        let grant = Grant::new(role, region).map_err(|e| e.for_field("region_code"))?;
        let password = given(input.password.as_deref()).map(Password::parse).transpose()?;
        let person = given(input.id_number.as_deref())
            .map(|raw| self.checked_person(None, raw))
            .transpose()?;
        let display_name = display_name(input.display_name.as_deref())?;
        let password_hash = match &password {
            Some(p) => Some(hash_password(p).await?),
            None => None,
        };

        let mut tx = self.db.begin().await.doing("starting the account")?;
        if let Some(region) = &grant.region {
            existing(&mut tx, region)
                .await
                .map_err(|_| ServiceError::on(ErrorCode::ParentRegionMissing, "region_code"))?;
        }
        let sealed_phone = self.seal_phone(&phone)?;
        let found = accounts::find_by_phone(&mut tx, &sealed_phone.lookup)
            .await
            .doing("finding the account")?;
        let created = found.is_none();
        let id = match found {
            None => {
                if role.is_staff() && password_hash.is_none() {
                    return Err(ServiceError::on(ErrorCode::PasswordRequired, "password"));
                }
                if role.is_staff() && person.is_none() {
                    return Err(ServiceError::on(ErrorCode::MissingField, "id_number"));
                }
                let id = new_id();
                let stored = sealed_phone.stored();
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
                id
            }
            Some(account) => {
                if password.is_some() {
                    return Err(ServiceError::on(ErrorCode::PasswordNotSettable, "password"));
                }
                if role.is_staff() && account.password_hash.is_none() {
                    return Err(ServiceError::on(ErrorCode::PasswordRequired, "password"));
                }
                if role.is_staff() && person.is_none() && account.person_lookup.is_none() {
                    return Err(ServiceError::on(ErrorCode::MissingField, "id_number"));
                }
                account.id
            }
        };
        if let Some(person) = &person {
            self.tie_person(&mut tx, id, person).await?;
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
        if role.is_staff() && !created {
            // The new power starts with the holder's next login, not in a session opened before.
            sessions::revoke_all(&mut tx, id, None, self.now())
                .await
                .doing("ending the account's sessions")?;
        }
        let change = Change {
            action: Action::AccountGrant,
            target_kind: "account",
            target_id: id.to_string(),
            region: grant.region.as_ref(),
            event: event!(
                "account.role_given",
                phone = phone.masked(),
                role = role.as_str(),
                region = grant.region.as_ref().map_or("-", |r| r.as_str())
            ),
        };
        record(&mut tx, &Actor::System, self.now(), change).await?;
        self.commit_changing(tx, &crate::cache::ACCESS, "committing the account")
            .await?;
        Ok(Created {
            account_id: id,
            created,
            role,
        })
    }

    /// Ties the account of a phone to its holder's person, as the operator (a database from
    /// before persons: its staff roles count again once their accounts are tied).
    pub async fn tie_account(&self, phone: &str, id_number: &str) -> ServiceResult<AccountId> {
        let account = self.account_by_phone(phone).await?;
        let person = self.checked_person(None, id_number)?;
        let mut tx = self.db.begin().await.doing("starting the tie")?;
        self.tie_person(&mut tx, account, &person).await?;
        let change = Change {
            action: Action::AccountGrant,
            target_kind: "account",
            target_id: account.to_string(),
            region: None,
            event: event!("account.tied"),
        };
        record(&mut tx, &Actor::System, self.now(), change).await?;
        self.commit_changing(tx, &crate::cache::ACCESS, "committing the tie")
            .await?;
        Ok(account)
    }

    /// An ID number given to tie an account to its person, checked and keyed like a
    /// registration's (`id_type` defaults to the resident ID card).
    pub(crate) fn checked_person(&self, id_type: Option<&str>, raw: &str) -> ServiceResult<CheckedPerson> {
        let id_type = match given(id_type) {
            Some(t) => IdType::parse(t).ok_or_else(|| ServiceError::on(ErrorCode::InvalidIdType, "id_type"))?,
            None => IdType::ResidentId,
        };
        let number = IdNumber::parse(id_type, raw, self.now().date())
            .map_err(|e| ServiceError::Rule(e.for_field("id_number")))?;
        Ok(CheckedPerson {
            id_type,
            lookup: self.id_lookup(&number),
            sealed: self.vault.encrypt(Field::IdNumber, number.as_str())?,
        })
    }

    /// Ties an account to a person: refused when the account already belongs to another person
    /// (its tie or its registration), or the person's registration belongs to another account.
    pub(crate) async fn tie_person(
        &self,
        tx: &mut Tx,
        account: AccountId,
        person: &CheckedPerson,
    ) -> ServiceResult<()> {
        let known = accounts::person_of(tx, account)
            .await
            .doing("reading the account's person")?;
        if known.as_ref().is_some_and(|p| *p != person.lookup) {
            return Err(ServiceError::on(ErrorCode::IdNumberMismatch, "id_number"));
        }
        if self.registered_elsewhere(tx, account, person).await? {
            return Err(ServiceError::on(ErrorCode::IdNumberMismatch, "id_number"));
        }
        accounts::set_person(tx, account, &person.stored())
            .await
            .doing("tying the account to its person")?;
        Ok(())
    }

    /// Whether the person's volunteer registration belongs to another account.
    pub(crate) async fn registered_elsewhere(
        &self,
        tx: &mut Tx,
        account: AccountId,
        person: &CheckedPerson,
    ) -> ServiceResult<bool> {
        let registered_to = accounts::registration_of_person(tx, &person.lookup)
            .await
            .doing("finding the person's registration")?;
        Ok(registered_to.is_some_and(|owner| owner.is_some_and(|owner| owner != account)))
    }

    /// Whether two accounts' acts were done by two different persons (every two-person rule).
    pub(crate) async fn distinct_persons(&self, tx: &mut Tx, a: AccountId, b: AccountId) -> ServiceResult<bool> {
        let party = |account: AccountId, person: Option<String>| Party {
            account,
            person: person.map(PersonKey),
        };
        let first = accounts::person_of(tx, a).await.doing("reading a person")?;
        let second = accounts::person_of(tx, b).await.doing("reading a person")?;
        Ok(distinct_persons(&party(a, first), &party(b, second)))
    }

    /// Nobody decides on their own record, request or sign-up (decisions.md D2: persons, not
    /// accounts): `same_approver` when the volunteer `about` is the actor, by account or person.
    /// The operator is no person; such a decision goes to the staff of the site above.
    pub(crate) async fn refuse_own(&self, tx: &mut Tx, actor: &Actor, about: VolunteerId) -> ServiceResult<()> {
        let Some(account) = actor.account_id() else {
            return Ok(());
        };
        let Some((registered_on, person)) = volunteers::person_of(tx, about).await.doing("reading a person")? else {
            return Ok(());
        };
        let actor_person = accounts::person_of(tx, account).await.doing("reading a person")?;
        let actor = Party {
            account,
            person: actor_person.map(PersonKey),
        };
        let subject = Subject {
            account: registered_on,
            person: PersonKey(person),
        };
        if is_own(&actor, &subject) {
            return Err(ServiceError::rule(ErrorCode::SameApprover));
        }
        Ok(())
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
        let account = accounts::find(&mut tx, id)
            .await
            .doing("finding the account")?
            .ok_or_else(|| ServiceError::rule(ErrorCode::NotFound))?;
        let roles = accounts::roles(&mut tx, id).await.doing("reading the roles")?;
        Ok(Profile {
            id: account.id,
            phone: account.phone_masked,
            display_name: account.display_name,
            roles: roles
                .into_iter()
                .map(|r| RoleView {
                    role: r.role,
                    region_code: r.region_code,
                    region_name: r.region_name,
                })
                .collect(),
        })
    }

    /// The actor of an account id, as a session would load it (CLI and tests).
    pub async fn actor_of(&self, id: AccountId) -> ServiceResult<Actor> {
        let mut tx = self.db.read().await.doing("starting a read")?;
        load_actor(&mut tx, id).await
    }

    /// Whether the signed-in account has a password (else it logs in by SMS code only).
    pub async fn has_password(&self, actor: &Actor) -> ServiceResult<bool> {
        let Some(id) = actor.account_id() else {
            return Ok(false);
        };
        let mut tx = self.db.read().await.doing("starting a read")?;
        Ok(accounts::find(&mut tx, id)
            .await
            .doing("finding the account")?
            .is_some_and(|a| a.password_hash.is_some()))
    }

    /// The region an account holds a role for, if it holds it (the CLI's default for revoke).
    pub async fn role_region(&self, account: AccountId, role: &str) -> ServiceResult<Option<String>> {
        let mut tx = self.db.read().await.doing("starting a read")?;
        let roles = accounts::roles(&mut tx, account).await.doing("reading the roles")?;
        Ok(roles.into_iter().find(|r| r.role == role).and_then(|r| r.region_code))
    }

    /// The account of a phone, for the CLI (`user revoke|disable|enable --phone`).
    pub async fn account_by_phone(&self, raw: &str) -> ServiceResult<AccountId> {
        let phone = Phone::parse(raw)?;
        let lookup = self.vault.lookup(Field::Phone, phone.as_str());
        let mut tx = self.db.read().await.doing("starting a read")?;
        accounts::find_by_phone(&mut tx, &lookup)
            .await
            .doing("finding the account")?
            .map(|a| a.id)
            .ok_or_else(|| ServiceError::on(ErrorCode::NotFound, "phone"))
    }
}

/// A display name as given (trimmed, at most 60 characters).
pub(crate) fn display_name(raw: Option<&str>) -> ServiceResult<String> {
    let name = raw.unwrap_or("").trim().to_owned();
    if name.chars().count() > 60 {
        return Err(ServiceError::on(ErrorCode::InvalidName, "display_name"));
    }
    Ok(name)
}

impl Services {
    /// Sets the signed-in account's password (same rules as staff). An account that has one
    /// must give it again; one without (SMS login only, or after a reset) may set one. Every
    /// other session of the account ends. Audited.
    pub async fn set_own_password(
        &self,
        actor: &Actor,
        current_session: Option<i64>,
        current: Option<&str>,
        new: &str,
    ) -> ServiceResult<()> {
        let id = actor
            .account_id()
            .ok_or_else(|| ServiceError::rule(ErrorCode::Unauthenticated))?;
        authorize(actor, Action::ProfileView, &Target::owned_by(id))?;
        let password = Password::parse(new)?;
        let has_password = self.has_password(actor).await?;
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
        accounts::set_password_hash(&mut tx, id, &hash)
            .await
            .doing("storing the password")?;
        sessions::revoke_all(&mut tx, id, current_session, self.now())
            .await
            .doing("ending the other sessions")?;
        let change = Change {
            action: Action::ProfileView,
            target_kind: "account",
            target_id: id.to_string(),
            region: None,
            event: if has_password {
                event!("account.password_changed")
            } else {
                event!("account.password_set")
            },
        };
        record(&mut tx, actor, self.now(), change).await?;
        self.commit_changing(tx, &crate::cache::ACCESS, "committing the password change")
            .await
    }

    /// Ends every session of the signed-in account, this one included ("log out everywhere").
    pub async fn logout_everywhere(&self, actor: &Actor) -> ServiceResult<u64> {
        let id = actor
            .account_id()
            .ok_or_else(|| ServiceError::rule(ErrorCode::Unauthenticated))?;
        authorize(actor, Action::ProfileView, &Target::owned_by(id))?;
        let mut tx = self.db.begin().await.doing("starting the logout")?;
        let ended = sessions::revoke_all(&mut tx, id, None, self.now())
            .await
            .doing("ending the sessions")?;
        let change = Change {
            action: Action::ProfileView,
            target_kind: "account",
            target_id: id.to_string(),
            region: None,
            event: event!("account.logged_out_everywhere", sessions = ended),
        };
        record(&mut tx, actor, self.now(), change).await?;
        self.commit_changing(tx, &crate::cache::ACCESS, "committing the logout")
            .await?;
        Ok(ended)
    }
}
