//! Volunteer registration (R-REC-3, R-REG-1, R-AGE, R-ID): by staff within their region, or by
//! a signed-in person for themselves. One person, one registration, decided by a unique keyed
//! hash of the ID document, so two simultaneous registrations of one person cannot both win.

use crate::audit::{Change, event, record};
use crate::error::DbContext;
use crate::regions::{existing, parse_code};
use crate::vault::Field;
use crate::{ServiceError, ServiceResult, Services, authorize};
use hongmajia_domain::TeamId;
use hongmajia_domain::VolunteerId;
use hongmajia_domain::identity::{Gender, IdNumber, IdType};
use hongmajia_domain::person::{AgeGroup, PersonName, volunteer_code};
use hongmajia_domain::{
    AccountId, Action, Actor, DomainError, ErrorCode, Phone, RegionCode, RegionLevel, Role, Target,
};
use hongmajia_store::{Tx, accounts, new_id, throttle, volunteers};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;

/// The version of the volunteer agreement and privacy notice a registration consents to.
pub const CONSENT_VERSION: &str = "2026-11";
const MAX_LIST_ITEMS: usize = 20;
const MAX_ITEM_CHARS: usize = 20;

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegistrationInput {
    pub name: String,
    /// `male` or `female` (男 / 女 accepted).
    pub gender: String,
    /// YYYY-MM-DD; must agree with the ID number when the number carries one.
    pub birth_date: String,
    /// `resident_id` (default), `hmt_residence_permit`, `foreign_permanent_resident`, `passport`.
    #[serde(default)]
    pub id_type: Option<String>,
    pub id_number: String,
    /// The volunteer's mobile number. Ignored for self-registration: the account's own is used.
    #[serde(default)]
    pub phone: Option<String>,
    /// The village or community the volunteer lives in.
    pub region_code: String,
    #[serde(default)]
    pub skills: Vec<String>,
    #[serde(default)]
    pub categories: Vec<String>,
    #[serde(default)]
    pub availability: String,
    /// The volunteer agreement and privacy notice were read and accepted.
    #[serde(default)]
    pub consent: bool,
    /// Required under 18, with `guardian_consent`.
    #[serde(default)]
    pub guardian_name: Option<String>,
    #[serde(default)]
    pub guardian_consent: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Volunteer {
    pub id: VolunteerId,
    /// The public volunteer code (not derived from the ID number).
    pub code: String,
    pub name: String,
    pub gender: String,
    pub birth_date: String,
    pub id_type: String,
    /// Masked: `140824********123X`.
    pub id_number: String,
    /// Masked: `138****1234`.
    pub phone: String,
    pub region_code: String,
    pub skills: Vec<String>,
    pub categories: Vec<String>,
    pub availability: String,
    /// Registered under 14: a child's personal data (PIPL Art. 31).
    pub child_data: bool,
    pub registered_by: String,
    /// Set when this registration was found to be a duplicate: the record kept for the person.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merged_into: Option<VolunteerId>,
    /// Confirmed service hours (one decimal) and the star level they give (R-STAR).
    pub confirmed_hours: String,
    pub star_level: u8,
}

/// The unmasked personal data, for a role that covers the volunteer, on an audited request.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Revealed {
    pub id_number: String,
    pub phone: String,
}

#[derive(Debug, Clone, Default)]
pub struct VolunteerQuery {
    pub region: Option<String>,
    /// A fragment of the name.
    pub name: Option<String>,
    pub code: Option<String>,
    /// The last digits of the phone (up to 4).
    pub phone_tail: Option<String>,
    /// A fragment of a service category.
    pub category: Option<String>,
    /// Only members of this team.
    pub team: Option<TeamId>,
    pub page: u32,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VolunteerPage {
    pub region_code: String,
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
    pub volunteers: Vec<Volunteer>,
}

pub const PER_PAGE: u32 = 50;

/// A registration that passed every rule.
pub(crate) struct Checked {
    pub(crate) name: PersonName,
    gender: Gender,
    birth_date: Date,
    pub(crate) id: IdNumber,
    region: RegionCode,
    skills: Vec<String>,
    categories: Vec<String>,
    availability: String,
    age: AgeGroup,
    guardian_name: Option<String>,
}

fn rule(code: ErrorCode, field: &'static str) -> ServiceError {
    ServiceError::Rule(DomainError::on(code, field))
}

fn parse_date(raw: &str) -> Option<Date> {
    Date::parse(raw.trim(), time::macros::format_description!("[year]-[month]-[day]")).ok()
}

fn clean_list(items: &[String], field: &'static str) -> ServiceResult<Vec<String>> {
    let cleaned: Vec<String> = items
        .iter()
        .map(|i| i.trim().to_owned())
        .filter(|i| !i.is_empty())
        .collect();
    let too_long = cleaned
        .iter()
        .any(|i| i.chars().count() > MAX_ITEM_CHARS || i.chars().any(char::is_control));
    if cleaned.len() > MAX_LIST_ITEMS || too_long {
        return Err(rule(ErrorCode::InvalidName, field));
    }
    Ok(cleaned)
}

/// Where a registration comes from: forms need a village and the person's own consent; an
/// import may give a region of any level, and the importing staff vouch for the consent (R-REC-4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    Form,
    Import,
}

/// Checks a registration, field by field, in the order of the form.
pub(crate) fn check(input: &RegistrationInput, today: Date, source: Source) -> ServiceResult<Checked> {
    let name = PersonName::parse(&input.name)?;
    let gender = Gender::parse(&input.gender).ok_or_else(|| rule(ErrorCode::InvalidGender, "gender"))?;
    let birth_date = parse_date(&input.birth_date).ok_or_else(|| rule(ErrorCode::InvalidBirthDate, "birth_date"))?;
    let id_type = match input.id_type.as_deref() {
        Some(raw) => IdType::parse(raw).ok_or_else(|| rule(ErrorCode::InvalidIdType, "id_type"))?,
        None => IdType::ResidentId,
    };
    let id = IdNumber::parse(id_type, &input.id_number, today)?;
    if id.birth_date().is_some_and(|carried| carried != birth_date) {
        return Err(rule(ErrorCode::BirthDateMismatch, "birth_date"));
    }
    if id.gender().is_some_and(|carried| carried != gender) {
        return Err(rule(ErrorCode::GenderMismatch, "gender"));
    }
    let age = AgeGroup::of(birth_date, today)?;
    let guardian_name = input.guardian_name.as_deref().map(str::trim).filter(|g| !g.is_empty());
    if age.needs_guardian() && !(input.guardian_consent && guardian_name.is_some()) {
        return Err(rule(ErrorCode::GuardianConsentRequired, "guardian_consent"));
    }
    if let Some(guardian) = guardian_name {
        PersonName::parse(guardian).map_err(|e| e.for_field("guardian_name"))?;
    }
    let region = parse_code(&input.region_code, "region_code")?;
    if source == Source::Form && region.level() != RegionLevel::Village {
        return Err(rule(ErrorCode::RegionLevelMismatch, "region_code"));
    }
    if source == Source::Form && !input.consent {
        return Err(rule(ErrorCode::ConsentRequired, "consent"));
    }
    let availability = input.availability.trim().to_owned();
    if availability.chars().count() > 200 {
        return Err(rule(ErrorCode::InvalidName, "availability"));
    }
    Ok(Checked {
        name,
        gender,
        birth_date,
        id,
        region,
        skills: clean_list(&input.skills, "skills")?,
        categories: clean_list(&input.categories, "categories")?,
        availability,
        age,
        guardian_name: guardian_name.map(str::to_owned),
    })
}

/// A registration as stored, owned, so many can be built before one bulk insert.
pub(crate) struct RegistrationRow {
    pub(crate) id: VolunteerId,
    pub(crate) account: Option<AccountId>,
    pub(crate) code: String,
    name: String,
    gender: &'static str,
    birth_date: Date,
    id_type: &'static str,
    id_lookup: String,
    id_enc: String,
    id_masked: String,
    phone_lookup: String,
    phone_enc: String,
    phone_masked: String,
    region_code: String,
    skills: String,
    categories: String,
    availability: String,
    child_data: bool,
    guardian_name: Option<String>,
    guardian_consent_at: Option<OffsetDateTime>,
    registered_by: &'static str,
    at: OffsetDateTime,
}

impl RegistrationRow {
    /// The same registration made at `at` (generated history: consent and creation then).
    pub(crate) fn registered_at(mut self, at: OffsetDateTime) -> Self {
        self.guardian_consent_at = self.guardian_consent_at.map(|_| at);
        self.at = at;
        self
    }

    pub(crate) fn as_new(&self) -> volunteers::NewVolunteer<'_> {
        volunteers::NewVolunteer {
            id: self.id,
            account_id: self.account,
            code: &self.code,
            name: &self.name,
            gender: self.gender,
            birth_date: self.birth_date,
            id_type: self.id_type,
            id_lookup: &self.id_lookup,
            id_enc: &self.id_enc,
            id_masked: &self.id_masked,
            phone_lookup: &self.phone_lookup,
            phone_enc: &self.phone_enc,
            phone_masked: &self.phone_masked,
            region_code: &self.region_code,
            skills: &self.skills,
            categories: &self.categories,
            availability: &self.availability,
            child_data: self.child_data,
            guardian_name: self.guardian_name.as_deref(),
            guardian_consent_at: self.guardian_consent_at,
            consent_version: CONSENT_VERSION,
            registered_by: self.registered_by,
            at: self.at,
        }
    }
}

/// The phone as a registration stores it, sealed once.
pub(crate) struct SealedPhone {
    pub(crate) lookup: String,
    pub(crate) sealed: String,
    pub(crate) masked: String,
}

impl SealedPhone {
    /// As the accounts table stores it.
    pub(crate) fn stored(&self) -> hongmajia_store::accounts::StoredPhone<'_> {
        hongmajia_store::accounts::StoredPhone {
            lookup: &self.lookup,
            sealed: &self.sealed,
            masked: &self.masked,
        }
    }
}

impl Volunteer {
    fn from_row(row: volunteers::VolunteerRow) -> Self {
        let split = |s: &str| s.split('、').filter(|i| !i.is_empty()).map(str::to_owned).collect();
        Self {
            id: row.id,
            code: row.code,
            name: row.name,
            gender: row.gender,
            birth_date: row.birth_date.to_string(),
            id_type: row.id_type,
            id_number: row.id_masked,
            phone: row.phone_masked,
            skills: split(&row.skills),
            categories: split(&row.categories),
            region_code: row.region_code,
            availability: row.availability,
            child_data: row.child_data == 1,
            registered_by: row.registered_by,
            merged_into: None,
            confirmed_hours: hongmajia_domain::hours::hours_text(row.confirmed_minutes),
            star_level: hongmajia_domain::hours::star_level(row.confirmed_minutes, &crate::star_thresholds()),
        }
    }

    fn target(&self, owner: Option<AccountId>) -> ServiceResult<Target> {
        let region = RegionCode::parse(&self.region_code)
            .map_err(|e| ServiceError::Internal(anyhow::anyhow!("a stored volunteer has an invalid region: {e}")))?;
        Ok(Target {
            region: Some(region),
            owner,
            team: None,
        })
    }
}

impl Services {
    pub(crate) fn id_lookup(&self, id: &IdNumber) -> String {
        self.vault
            .lookup(Field::IdNumber, &format!("{}:{}", id.id_type().as_str(), id.as_str()))
    }

    pub(crate) fn seal_phone(&self, phone: &Phone) -> ServiceResult<SealedPhone> {
        Ok(SealedPhone {
            lookup: self.vault.lookup(Field::Phone, phone.as_str()),
            sealed: self.vault.encrypt(Field::Phone, phone.as_str())?,
            masked: phone.masked(),
        })
    }

    /// Registration by staff whose region covers the volunteer's village. The volunteer gets an
    /// account for their phone (no password: they log in by SMS code) unless the phone already
    /// has one, or that one is already another volunteer's (a family sharing a phone).
    pub async fn register_volunteer(&self, actor: &Actor, input: &RegistrationInput) -> ServiceResult<Volunteer> {
        crate::refuse_unless_capable(actor, Action::VolunteerRegister)?;
        let region = parse_code(&input.region_code, "region_code")?;
        authorize(actor, Action::VolunteerRegister, &Target::in_region(region))?;
        let checked = check(input, self.now().date(), Source::Form)?;
        let phone = Phone::parse(input.phone.as_deref().unwrap_or(""))?;
        let sealed = self.seal_phone(&phone)?;
        let mut tx = self.db.begin().await.doing("starting the registration")?;
        let account = self
            .volunteer_account(&mut tx, actor, &sealed, &self.id_lookup(&checked.id))
            .await?;
        let volunteer = self
            .insert_registration(&mut tx, actor, &checked, &sealed, account, "staff")
            .await?;
        self.commit_changing(tx, &crate::cache::ACCESS, "committing the registration")
            .await?;
        Ok(volunteer)
    }

    /// Registration of the signed-in account's own person, with the account's own phone. A second
    /// registration of the same person gets only "already registered" (where is not revealed);
    /// an account or a client address gets that answer at most three times a day (then
    /// `too_many_attempts`), and the registered person is told by SMS that someone tried.
    pub async fn register_self(
        &self,
        actor: &Actor,
        input: &RegistrationInput,
        client: &str,
    ) -> ServiceResult<Volunteer> {
        let account = actor
            .account_id()
            .ok_or_else(|| ServiceError::rule(ErrorCode::Forbidden))?;
        authorize(actor, Action::VolunteerSelfRegister, &Target::owned_by(account))?;
        let checked = check(input, self.now().date(), Source::Form)?;
        let keys = registered_id_keys(account, client);
        if !self.reserve_daily(&keys).await? {
            tracing::warn!(event = "registration_throttled", account = account.0, ip = client);
            return Err(ServiceError::rule(ErrorCode::TooManyAttempts));
        }
        let outcome = self.register_own(actor, account, &checked).await;
        match &outcome {
            Err(e) if e.code() == Some(ErrorCode::AlreadyRegistered) && e.field() == Some("id_number") => {
                tracing::warn!(event = "registered_id_tried", account = account.0, ip = client);
                self.tell_registered_person(&self.id_lookup(&checked.id)).await?;
            }
            _ => self.release_daily(&keys).await?,
        }
        outcome
    }

    async fn register_own(&self, actor: &Actor, account: AccountId, checked: &Checked) -> ServiceResult<Volunteer> {
        let mut tx = self.db.begin().await.doing("starting the registration")?;
        existing(&mut tx, &checked.region)
            .await
            .map_err(|_| rule(ErrorCode::ParentRegionMissing, "region_code"))?;
        if volunteers::find_by_account(&mut tx, account)
            .await
            .doing("finding a registration")?
            .is_some()
        {
            return Err(ServiceError::rule(ErrorCode::AlreadyRegistered));
        }
        let (lookup, sealed, masked) = accounts::sealed_phone(&mut tx, account)
            .await
            .doing("reading the account's phone")?
            .ok_or_else(|| ServiceError::rule(ErrorCode::Unauthenticated))?;
        let phone = SealedPhone { lookup, sealed, masked };
        // The account becomes this person's: one tied to another person cannot register this one.
        let id_lookup = self.id_lookup(&checked.id);
        let tied = accounts::find(&mut tx, account)
            .await
            .doing("finding the account")?
            .and_then(|a| a.person_lookup);
        if tied.is_some_and(|p| p != id_lookup) {
            return Err(rule(ErrorCode::IdNumberMismatch, "id_number"));
        }
        self.add_volunteer_role(&mut tx, account).await?;
        let volunteer = self
            .insert_registration(&mut tx, actor, checked, &phone, Some(account), "self")
            .await?;
        let person = accounts::StoredPerson {
            id_type: checked.id.id_type().as_str(),
            lookup: &id_lookup,
            sealed: &self.vault.encrypt(Field::IdNumber, checked.id.as_str())?,
        };
        accounts::set_person(&mut tx, account, &person)
            .await
            .doing("tying the account to its person")?;
        self.commit_changing(tx, &crate::cache::ACCESS, "committing the registration")
            .await?;
        Ok(volunteer)
    }

    /// The account a staff registration links to, made when the phone has none. An account that
    /// is someone else's (registered, or tied to another person) gets no link.
    pub(crate) async fn volunteer_account(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        phone: &SealedPhone,
        id_lookup: &str,
    ) -> ServiceResult<Option<AccountId>> {
        let id = match accounts::find_by_phone(tx, &phone.lookup)
            .await
            .doing("finding the phone's account")?
        {
            Some(account) if account.person_lookup.as_ref().is_some_and(|p| p != id_lookup) => return Ok(None),
            Some(account) => {
                if volunteers::find_by_account(tx, account.id)
                    .await
                    .doing("finding a registration")?
                    .is_some()
                {
                    return Ok(None);
                }
                account.id
            }
            None => {
                let id = new_id();
                accounts::insert(tx, id, &phone.stored(), "", None, self.now())
                    .await
                    .doing("creating the volunteer's account")?;
                tracing::debug!(account = %id, actor = actor.label(), "account made for a registration");
                id
            }
        };
        self.add_volunteer_role(tx, id).await?;
        Ok(Some(id))
    }

    async fn add_volunteer_role(&self, tx: &mut Tx, account: AccountId) -> ServiceResult<()> {
        let role = Role::Volunteer.as_str();
        if !accounts::has_role(tx, account, role).await.doing("reading the roles")? {
            accounts::insert_role(tx, account, role, None, self.now())
                .await
                .doing("adding the volunteer role")?;
        }
        Ok(())
    }

    async fn insert_registration(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        checked: &Checked,
        phone: &SealedPhone,
        account: Option<AccountId>,
        registered_by: &'static str,
    ) -> ServiceResult<Volunteer> {
        existing(tx, &checked.region)
            .await
            .map_err(|_| rule(ErrorCode::ParentRegionMissing, "region_code"))?;
        let id_lookup = self.id_lookup(&checked.id);
        if volunteers::find_by_id_lookup(tx, &id_lookup)
            .await
            .doing("checking for a registration")?
            .is_some()
        {
            return Err(ServiceError::on(ErrorCode::AlreadyRegistered, "id_number"));
        }
        let (id, code) = self
            .store_registration(tx, checked, phone, &id_lookup, account, registered_by)
            .await?;
        let now = self.now();
        let change = Change {
            action: if registered_by == "self" {
                Action::VolunteerSelfRegister
            } else {
                Action::VolunteerRegister
            },
            target_kind: "volunteer",
            target_id: id.to_string(),
            region: Some(&checked.region),
            event: event!(
                "volunteer.registered",
                name = checked.name.as_str(),
                id = checked.id.masked(),
                code = code
            ),
        };
        record(tx, actor, now, change).await?;
        let stored = volunteers::find(tx, id).await.doing("reading the registration back")?;
        stored
            .map(Volunteer::from_row)
            .ok_or_else(|| ServiceError::Internal(anyhow::anyhow!("the new registration vanished")))
    }

    /// Writes one registration (no checks beyond the unique keys, no audit): the caller has
    /// checked the person is new and audits the write its own way.
    pub(crate) async fn store_registration(
        &self,
        tx: &mut Tx,
        checked: &Checked,
        phone: &SealedPhone,
        id_lookup: &str,
        account: Option<AccountId>,
        registered_by: &'static str,
    ) -> ServiceResult<(VolunteerId, String)> {
        let code = self.unused_code(tx).await?;
        let row = self.registration_row(checked, phone, id_lookup, account, registered_by, code)?;
        volunteers::insert(tx, &row.as_new()).await.unique_or(
            ErrorCode::AlreadyRegistered,
            "id_number",
            "storing the registration",
        )?;
        Ok((row.id, row.code))
    }

    /// Everything a registration stores, sealed and ready to insert.
    pub(crate) fn registration_row(
        &self,
        checked: &Checked,
        phone: &SealedPhone,
        id_lookup: &str,
        account: Option<AccountId>,
        registered_by: &'static str,
        code: String,
    ) -> ServiceResult<RegistrationRow> {
        let now = self.now();
        Ok(RegistrationRow {
            id: new_id(),
            account,
            code,
            name: checked.name.as_str().to_owned(),
            gender: checked.gender.as_str(),
            birth_date: checked.birth_date,
            id_type: checked.id.id_type().as_str(),
            id_lookup: id_lookup.to_owned(),
            id_enc: self.vault.encrypt(Field::IdNumber, checked.id.as_str())?,
            id_masked: checked.id.masked(),
            phone_lookup: phone.lookup.clone(),
            phone_enc: phone.sealed.clone(),
            phone_masked: phone.masked.clone(),
            region_code: checked.region.to_string(),
            skills: checked.skills.join("、"),
            categories: checked.categories.join("、"),
            availability: checked.availability.clone(),
            child_data: checked.age == AgeGroup::Child,
            guardian_name: checked.guardian_name.clone(),
            guardian_consent_at: checked.guardian_name.as_ref().map(|_| now),
            registered_by,
            at: now,
        })
    }

    /// A fresh volunteer code; collisions in 10^11 codes are rare but checked.
    async fn unused_code(&self, tx: &mut Tx) -> ServiceResult<String> {
        loop {
            let mut bytes = [0u8; 8];
            getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("the OS random source failed: {e}"))?;
            let code = volunteer_code(u64::from_le_bytes(bytes));
            if !volunteers::code_taken(tx, &code)
                .await
                .doing("checking a volunteer code")?
            {
                return Ok(code);
            }
        }
    }

    async fn load_volunteer(&self, tx: &mut Tx, id: VolunteerId) -> ServiceResult<(Volunteer, Option<AccountId>)> {
        let row = volunteers::find(tx, id)
            .await
            .doing("finding the volunteer")?
            .ok_or_else(|| ServiceError::rule(ErrorCode::NotFound))?;
        let owner = row.account_id;
        Ok((Volunteer::from_row(row), owner))
    }

    /// The registration of the person a refused registration named, when the actor's area covers
    /// it (staff then see where it lives); `None` otherwise, revealing nothing.
    pub async fn existing_registration(
        &self,
        actor: &Actor,
        input: &RegistrationInput,
    ) -> ServiceResult<Option<Volunteer>> {
        let id_type = input
            .id_type
            .as_deref()
            .and_then(IdType::parse)
            .unwrap_or(IdType::ResidentId);
        let Ok(id) = IdNumber::parse(id_type, &input.id_number, self.now().date()) else {
            return Ok(None);
        };
        let mut tx = self.db.read().await.doing("starting a read")?;
        let Some((volunteer_id, _, _)) = volunteers::find_by_id_lookup(&mut tx, &self.id_lookup(&id))
            .await
            .doing("finding the registration")?
        else {
            return Ok(None);
        };
        let (volunteer, owner) = self.load_volunteer(&mut tx, volunteer_id).await?;
        let visible = hongmajia_domain::can(actor, Action::VolunteerView, &volunteer.target(owner)?)
            == hongmajia_domain::Decision::Allow;
        Ok(visible.then_some(volunteer))
    }

    /// One volunteer, masked: for staff of the region and for the volunteer.
    pub async fn volunteer(&self, actor: &Actor, id: VolunteerId) -> ServiceResult<Volunteer> {
        let mut tx = self.db.read().await.doing("starting a read")?;
        let (mut volunteer, owner) = self.load_volunteer(&mut tx, id).await?;
        authorize(actor, Action::VolunteerView, &volunteer.target(owner)?)?;
        volunteer.merged_into = volunteers::merged_into(&mut tx, id).await.doing("reading the merge")?;
        Ok(volunteer)
    }

    /// Merges `duplicate` into `kept`, two registrations found to be one person: the duplicate's
    /// team memberships (and its account, when the kept one has none) move over; the duplicate
    /// stays readable with a pointer to the kept record and leaves the lists. Audited.
    pub async fn merge_volunteers(
        &self,
        actor: &Actor,
        duplicate: VolunteerId,
        kept: VolunteerId,
        reason: &str,
    ) -> ServiceResult<Volunteer> {
        crate::refuse_unless_capable(actor, Action::VolunteerMerge)?;
        if duplicate == kept {
            return Err(rule(ErrorCode::InvalidTransition, "into"));
        }
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(rule(ErrorCode::ReasonRequired, "reason"));
        }
        let mut tx = self.db.begin().await.doing("starting the merge")?;
        let (gone, gone_owner) = self.load_volunteer(&mut tx, duplicate).await?;
        authorize(actor, Action::VolunteerMerge, &gone.target(gone_owner)?)?;
        let (stays, stays_owner) = self.load_volunteer(&mut tx, kept).await.map_err(|e| match e.code() {
            Some(ErrorCode::NotFound) => rule(ErrorCode::NotFound, "into"),
            _ => e,
        })?;
        authorize(actor, Action::VolunteerMerge, &stays.target(stays_owner)?)?;
        if volunteers::merged_into(&mut tx, kept)
            .await
            .doing("reading the merge")?
            .is_some()
        {
            return Err(rule(ErrorCode::InvalidTransition, "into"));
        }
        let now = self.now();
        hongmajia_store::teams::move_members(&mut tx, duplicate, kept, now)
            .await
            .doing("moving the memberships")?;
        if !volunteers::merge(&mut tx, duplicate, kept, reason, now)
            .await
            .doing("merging")?
        {
            return Err(rule(ErrorCode::InvalidTransition, "state"));
        }
        let region = RegionCode::parse(&stays.region_code).ok();
        let change = Change {
            action: Action::VolunteerMerge,
            target_kind: "volunteer",
            target_id: kept.to_string(),
            region: region.as_ref(),
            event: event!(
                "volunteer.merged",
                gone = format!("{} ({})", gone.name, gone.code),
                kept = format!("{} ({})", stays.name, stays.code),
                reason = reason
            ),
        };
        record(&mut tx, actor, now, change).await?;
        self.commit_changing(tx, &crate::cache::ACCESS, "committing the merge")
            .await?;
        self.volunteer(actor, kept).await
    }

    /// The signed-in account's own registration, if it has one.
    pub async fn my_volunteer(&self, actor: &Actor) -> ServiceResult<Option<Volunteer>> {
        let Some(account) = actor.account_id() else {
            return Ok(None);
        };
        let mut tx = self.db.read().await.doing("starting a read")?;
        let row = volunteers::find_by_account(&mut tx, account)
            .await
            .doing("finding the registration")?;
        Ok(row.map(Volunteer::from_row))
    }

    /// The full ID number and phone, on an explicit request that is audited (ASVS 8.3.5).
    pub async fn reveal_volunteer(&self, actor: &Actor, id: VolunteerId) -> ServiceResult<Revealed> {
        let mut tx = self.db.begin().await.doing("starting the reveal")?;
        let (volunteer, owner) = self.load_volunteer(&mut tx, id).await?;
        let target = volunteer.target(owner)?;
        authorize(actor, Action::VolunteerReveal, &target)?;
        let (id_enc, phone_enc) = volunteers::sealed_personal_data(&mut tx, id)
            .await
            .doing("reading the sealed data")?
            .ok_or_else(|| ServiceError::rule(ErrorCode::NotFound))?;
        let revealed = Revealed {
            id_number: self.vault.decrypt(Field::IdNumber, &id_enc)?,
            phone: self.vault.decrypt(Field::Phone, &phone_enc)?,
        };
        let change = Change {
            action: Action::VolunteerReveal,
            target_kind: "volunteer",
            target_id: id.to_string(),
            region: target.region.as_ref(),
            event: event!("volunteer.revealed", name = volunteer.name, code = volunteer.code),
        };
        record(&mut tx, actor, self.now(), change).await?;
        tx.commit().await.doing("committing the reveal")?;
        Ok(revealed)
    }

    /// Volunteers of a region and below, masked, a page at a time.
    pub async fn volunteers(&self, actor: &Actor, query: &VolunteerQuery) -> ServiceResult<VolunteerPage> {
        crate::refuse_unless_capable(actor, Action::VolunteerList)?;
        let region = match query.region.as_deref().filter(|r| !r.is_empty()) {
            Some(raw) => parse_code(raw, "region")?,
            None => actor
                .home_region()
                .cloned()
                .ok_or_else(|| ServiceError::rule(ErrorCode::Forbidden))?,
        };
        authorize(actor, Action::VolunteerList, &Target::in_region(region.clone()))?;
        let literal = |value: &Option<String>| volunteers::like_literal(value.as_deref().unwrap_or("").trim());
        let (name, code, category) = (
            literal(&query.name),
            query.code.clone().unwrap_or_default(),
            literal(&query.category),
        );
        let phone_tail: String = query
            .phone_tail
            .as_deref()
            .unwrap_or("")
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        if phone_tail.len() > 4 {
            return Err(rule(ErrorCode::InvalidQuery, "phone_tail"));
        }
        let filter = volunteers::VolunteerFilter {
            scope_prefix: region.scope_prefix(),
            name: &name,
            code: code.trim(),
            phone_tail: &phone_tail,
            category: &category,
            team: query.team,
        };
        let page = query.page.max(1);
        let offset = (i64::from(page) - 1) * i64::from(PER_PAGE);
        let mut tx = self.db.read().await.doing("starting a read")?;
        let total = volunteers::count(&mut tx, &filter).await.doing("counting volunteers")?;
        let rows = volunteers::list(&mut tx, &filter, i64::from(PER_PAGE), offset)
            .await
            .doing("listing volunteers")?;
        Ok(VolunteerPage {
            region_code: region.to_string(),
            total,
            page,
            per_page: PER_PAGE,
            volunteers: rows.into_iter().map(Volunteer::from_row).collect(),
        })
    }
}

/// The registration of the signed-in account, if it has one: what a volunteer's own calls act on
/// (the owner rule of `ActivitySignUp`).
pub(crate) async fn own_registration(tx: &mut Tx, actor: &Actor) -> ServiceResult<Option<volunteers::VolunteerRow>> {
    let account = actor
        .account_id()
        .ok_or_else(|| ServiceError::rule(ErrorCode::NotRegistered))?;
    authorize(actor, Action::ActivitySignUp, &Target::owned_by(account))?;
    volunteers::find_by_account(tx, account)
        .await
        .doing("finding the registration")
}

/// The same, refused as not registered when there is none.
pub(crate) async fn own_volunteer(tx: &mut Tx, actor: &Actor) -> ServiceResult<volunteers::VolunteerRow> {
    own_registration(tx, actor)
        .await?
        .ok_or_else(|| ServiceError::rule(ErrorCode::NotRegistered))
}

/// A registration as the policy sees it: in its region, owned by its account.
pub(crate) fn holder_target(volunteer: &volunteers::VolunteerRow) -> ServiceResult<Target> {
    let region = RegionCode::parse(&volunteer.region_code)
        .map_err(|e| ServiceError::Internal(anyhow::anyhow!("a stored volunteer has an invalid region: {e}")))?;
    Ok(Target {
        region: Some(region),
        owner: volunteer.account_id,
        team: None,
    })
}

impl Services {
    /// The registration a public volunteer code names (to invite someone who told their code).
    pub async fn volunteer_by_code(&self, code: &str) -> ServiceResult<Option<VolunteerId>> {
        if !hongmajia_domain::person::is_volunteer_code(code) {
            return Ok(None);
        }
        let mut tx = self.db.read().await.doing("starting a read")?;
        volunteers::id_by_code(&mut tx, code).await.doing("finding the code")
    }
}

/// How often a day an account (and, ten times that, a client address: a village's shared
/// connection) may be told "this ID number is registered".
pub(crate) const REGISTERED_ID_TRIES: i64 = 3;
const DAY_SECONDS: i64 = 24 * 60 * 60;

/// The daily budgets an answer "this ID number is registered" is counted in.
pub(crate) fn registered_id_keys(account: AccountId, client: &str) -> [(String, i64); 2] {
    [
        (format!("registered-id:account:{account}"), REGISTERED_ID_TRIES),
        (format!("registered-id:ip:{client}"), REGISTERED_ID_TRIES * 10),
    ]
}

impl Services {
    /// Takes one slot of each key's daily budget; false when any is spent.
    pub(crate) async fn reserve_daily(&self, keys: &[(String, i64)]) -> ServiceResult<bool> {
        let now = self.now().unix_timestamp();
        let mut tx = self.db.begin().await.doing("starting the daily budget")?;
        let mut within = true;
        for (key, limit) in keys {
            let used = throttle::reserve(&mut tx, key, now, DAY_SECONDS)
                .await
                .doing("counting the attempt")?;
            within &= hongmajia_domain::throttle::may_check(used, *limit);
        }
        tx.commit().await.doing("committing the daily budget")?;
        Ok(within)
    }

    /// Gives back the slots of an attempt that told nothing.
    pub(crate) async fn release_daily(&self, keys: &[(String, i64)]) -> ServiceResult<()> {
        let mut tx = self.db.begin().await.doing("starting the budget release")?;
        for (key, _) in keys {
            throttle::release(&mut tx, key).await.doing("releasing the attempt")?;
        }
        tx.commit().await.doing("committing the budget release")
    }

    /// Tells the registered holder of an ID number, by SMS to their phone, that someone tried to
    /// register with it (nothing about who).
    pub(crate) async fn tell_registered_person(&self, lookup: &str) -> ServiceResult<()> {
        let mut tx = self.db.begin().await.doing("starting the notice")?;
        let Some((phone_enc, phone_masked)) = volunteers::phone_by_id_lookup(&mut tx, lookup)
            .await
            .doing("finding the registration")?
        else {
            return Ok(());
        };
        let message =
            "【红马甲】有人尝试用您的证件号码登记志愿者，未成功。如非您本人操作，请联系所在的新时代文明实践站。";
        let id = new_id();
        let queued = hongmajia_store::sms::NewMessage {
            id,
            phone_enc: &phone_enc,
            phone_masked: &phone_masked,
            purpose: "registration_attempt",
            body_enc: &self.vault.encrypt(Field::SmsBody, message)?,
            at: self.now(),
        };
        hongmajia_store::sms::enqueue(&mut tx, &queued)
            .await
            .doing("queueing the notice")?;
        tx.commit().await.doing("committing the notice")?;
        self.deliver(id).await
    }
}
