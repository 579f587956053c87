//! Service categories as data: everyone signed in reads the list (forms, labels); the city admin
//! adds, renames, reorders and retires categories. A retired category takes no new projects but
//! keeps its names on the projects filed under it.

use crate::audit::{Change, Event, event, record};
use crate::error::DbContext;
use crate::{ServiceError, ServiceResult, Services, authorize};
use hongmajia_domain::category::{CategoryCode, CategoryNames, find};
use hongmajia_domain::{Action, Actor, ErrorCode, RegionLevel, Target};
use hongmajia_store::Tx;
use hongmajia_store::categories::{self, CategoryRow, CategoryValues};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Category {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub position: i64,
    pub retired: bool,
}

impl From<CategoryRow> for Category {
    fn from(row: CategoryRow) -> Self {
        Self {
            code: row.code,
            name_zh: row.name_zh,
            name_en: row.name_en,
            position: row.position,
            retired: row.retired,
        }
    }
}

/// A new category, or the new values of one (its code never changes).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoryInput {
    /// Lower-case ASCII words joined by `_`, e.g. `elderly_care`; ignored when editing.
    #[serde(default)]
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// Where it comes in the list (smaller first); after the others when absent.
    #[serde(default)]
    pub position: Option<i64>,
    /// Retired categories take no new projects.
    #[serde(default)]
    pub retired: bool,
}

/// Where a category may stand in the list.
const MAX_POSITION: i64 = 1_000_000;

fn checked_position(position: i64) -> ServiceResult<i64> {
    if (0..=MAX_POSITION).contains(&position) {
        Ok(position)
    } else {
        Err(ServiceError::on(ErrorCode::InvalidPosition, "position"))
    }
}

/// Whether the actor edits the list (the pages show its forms only then).
pub fn may_edit_categories(actor: &Actor) -> bool {
    refuse_unless_city_admin(actor).is_ok()
}

/// Only a city's admins edit the list (or the operator).
fn refuse_unless_city_admin(actor: &Actor) -> ServiceResult<()> {
    crate::refuse_unless_capable(actor, Action::RegionEdit)?;
    if matches!(actor, Actor::System) {
        return Ok(());
    }
    let city = actor
        .home_region()
        .filter(|region| region.level() == RegionLevel::City)
        .ok_or_else(|| ServiceError::rule(ErrorCode::Forbidden))?;
    authorize(actor, Action::RegionEdit, &Target::in_region(city.clone()))
}

impl Services {
    /// Every category in its order, retired ones too.
    pub async fn categories(&self) -> ServiceResult<Vec<Category>> {
        let mut tx = self.db.read().await.doing("starting a read")?;
        Ok(all(&mut tx).await?.into_iter().map(Category::from).collect())
    }

    /// The category a form names (its code or Chinese name), among those not retired.
    pub(crate) async fn category_of(&self, tx: &mut Tx, raw: &str, field: &'static str) -> ServiceResult<String> {
        let rows = all(tx).await?;
        let open = rows
            .iter()
            .filter(|c| !c.retired)
            .map(|c| (c.code.as_str(), c.name_zh.as_str()));
        find(open, raw)
            .map(str::to_owned)
            .ok_or_else(|| ServiceError::on(ErrorCode::InvalidCategory, field))
    }

    pub async fn add_category(&self, actor: &Actor, input: &CategoryInput) -> ServiceResult<Category> {
        refuse_unless_city_admin(actor)?;
        let code = CategoryCode::parse(&input.code)?;
        let names = CategoryNames::parse(&input.name_zh, &input.name_en)?;
        let mut tx = self.db.begin().await.doing("starting the category")?;
        let position = match input.position {
            Some(position) => checked_position(position)?,
            None => {
                let last = all(&mut tx).await?.iter().map(|c| c.position).max().unwrap_or(0);
                last.min(MAX_POSITION - 10) + 10
            }
        };
        let values = values(code.as_str(), &names, position, input.retired);
        if !categories::insert(&mut tx, &values, (actor.label(), self.now()))
            .await
            .doing("storing the category")?
        {
            return Err(ServiceError::on(ErrorCode::CategoryExists, "code"));
        }
        let what = event!("category.added", code = code.as_str(), name = names.zh.as_str());
        self.audit_category(&mut tx, actor, code.as_str(), what).await?;
        let added = find_category(&mut tx, code.as_str()).await?;
        tx.commit().await.doing("committing the category")?;
        Ok(added)
    }

    pub async fn edit_category(&self, actor: &Actor, code: &str, input: &CategoryInput) -> ServiceResult<Category> {
        refuse_unless_city_admin(actor)?;
        let names = CategoryNames::parse(&input.name_zh, &input.name_en)?;
        let mut tx = self.db.begin().await.doing("starting the category change")?;
        let before = find_category(&mut tx, code).await?;
        let position = input.position.map_or(Ok(before.position), checked_position)?;
        let values = values(&before.code, &names, position, input.retired);
        categories::update(&mut tx, &values, (actor.label(), self.now()))
            .await
            .unique_or(ErrorCode::CategoryExists, "name_zh", "changing the category")?;
        let what = match (before.retired, input.retired) {
            (false, true) => event!("category.retired", code = before.code, name = names.zh.as_str()),
            (true, false) => event!("category.restored", code = before.code, name = names.zh.as_str()),
            _ => event!(
                "category.changed",
                code = before.code,
                from = before.name_zh,
                to = names.zh.as_str()
            ),
        };
        self.audit_category(&mut tx, actor, &before.code, what).await?;
        let after = find_category(&mut tx, &before.code).await?;
        tx.commit().await.doing("committing the category change")?;
        Ok(after)
    }

    async fn audit_category(&self, tx: &mut Tx, actor: &Actor, code: &str, event: Event) -> ServiceResult<()> {
        let city = actor.home_region().cloned();
        let change = Change {
            action: Action::RegionEdit,
            target_kind: "service_category",
            target_id: code.to_owned(),
            region: city.as_ref(),
            event,
        };
        record(tx, actor, self.now(), change).await
    }
}

fn values<'a>(code: &'a str, names: &'a CategoryNames, position: i64, retired: bool) -> CategoryValues<'a> {
    CategoryValues {
        code,
        name_zh: names.zh.as_str(),
        name_en: names.en.as_str(),
        position,
        retired,
    }
}

async fn all(tx: &mut Tx) -> ServiceResult<Vec<CategoryRow>> {
    categories::all(tx).await.doing("reading the categories")
}

async fn find_category(tx: &mut Tx, code: &str) -> ServiceResult<Category> {
    all(tx)
        .await?
        .into_iter()
        .find(|c| c.code == code)
        .map(Category::from)
        .ok_or_else(|| ServiceError::rule(ErrorCode::NotFound))
}
