//! Practice sites: a center for a county, an institute for a township, a station for a village.

use crate::audit::{Change, event, record};
use crate::error::DbContext;
use crate::regions::{existing, parse_code};
use crate::{ServiceError, ServiceResult, Services, authorize};
use hongmajia_domain::SiteId;
use hongmajia_domain::{Action, Actor, ErrorCode, RegionCode, RegionName, SiteKind, Target};
use hongmajia_store::{new_id, sites};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Site {
    pub id: SiteId,
    pub region_code: String,
    #[schema(value_type = String, example = "center")]
    pub kind: SiteKind,
    pub name: String,
    pub address: String,
    /// The responsible secretary (三级书记负责制).
    pub secretary: String,
}

/// What a staff member fills in for a site.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SiteInput {
    pub name: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub secretary: String,
}

impl Site {
    pub(crate) fn from_row(row: sites::SiteRow) -> Self {
        Self {
            id: row.id,
            kind: SiteKind::parse(&row.kind).unwrap_or(SiteKind::Station),
            region_code: row.region_code,
            name: row.name,
            address: row.address,
            secretary: row.secretary,
        }
    }
}

/// Checked fields: a name like a region's, address and secretary up to 200 characters.
struct SiteFields {
    name: RegionName,
    address: String,
    secretary: String,
}

fn parse_fields(input: &SiteInput) -> ServiceResult<SiteFields> {
    let bounded = |value: &str, field: &'static str| {
        let value = value.trim();
        if value.chars().count() > 200 || value.chars().any(char::is_control) {
            Err(ServiceError::on(ErrorCode::InvalidName, field))
        } else {
            Ok(value.to_owned())
        }
    };
    Ok(SiteFields {
        name: RegionName::parse(&input.name)?,
        address: bounded(&input.address, "address")?,
        secretary: bounded(&input.secretary, "secretary")?,
    })
}

impl SiteFields {
    fn as_row(&self) -> sites::SiteFields<'_> {
        sites::SiteFields {
            name: self.name.as_str(),
            address: &self.address,
            secretary: &self.secretary,
        }
    }
}

impl Services {
    pub async fn site(&self, actor: &Actor, id: SiteId) -> ServiceResult<Site> {
        crate::refuse_unless_capable(actor, Action::SiteView)?;
        let mut tx = self.db.read().await.doing("starting a read")?;
        let site = sites::find(&mut tx, id)
            .await
            .doing("finding the site")?
            .map(Site::from_row)
            .ok_or_else(|| ServiceError::rule(ErrorCode::NotFound))?;
        authorize(actor, Action::SiteView, &Target::in_region(site_region(&site)?))?;
        Ok(site)
    }

    /// Founds the site of a region; its kind follows from the region's level.
    pub async fn create_site(&self, actor: &Actor, region_code: &str, input: &SiteInput) -> ServiceResult<Site> {
        crate::refuse_unless_capable(actor, Action::SiteCreate)?;
        let code = parse_code(region_code, "region_code")?;
        authorize(actor, Action::SiteCreate, &Target::in_region(code.clone()))?;
        let fields = parse_fields(input)?;
        let kind = code
            .level()
            .site_kind()
            .ok_or_else(|| ServiceError::on(ErrorCode::SiteKindMismatch, "region_code"))?;
        let mut tx = self.db.begin().await.doing("starting the site creation")?;
        existing(&mut tx, &code)
            .await
            .map_err(|_| ServiceError::on(ErrorCode::ParentRegionMissing, "region_code"))?;
        let id = new_id();
        sites::insert(&mut tx, id, code.as_str(), kind.as_str(), &fields.as_row(), self.now())
            .await
            .unique_or(ErrorCode::SiteExists, "region_code", "inserting the site")?;
        let change = Change {
            action: Action::SiteCreate,
            target_kind: "site",
            target_id: id.to_string(),
            region: Some(&code),
            event: event!("site.founded", kind = kind.as_str(), site = fields.name.as_str()),
        };
        record(&mut tx, actor, self.now(), change).await?;
        let site = sites::find(&mut tx, id).await.doing("reading the site back")?;
        tx.commit().await.doing("committing the site")?;
        site.map(Site::from_row)
            .ok_or_else(|| ServiceError::Internal(anyhow::anyhow!("the new site vanished")))
    }

    pub async fn update_site(&self, actor: &Actor, id: SiteId, input: &SiteInput) -> ServiceResult<Site> {
        crate::refuse_unless_capable(actor, Action::SiteEdit)?;
        let mut tx = self.db.begin().await.doing("starting the site update")?;
        let before = sites::find(&mut tx, id)
            .await
            .doing("finding the site")?
            .map(Site::from_row)
            .ok_or_else(|| ServiceError::rule(ErrorCode::NotFound))?;
        let region = site_region(&before)?;
        authorize(actor, Action::SiteEdit, &Target::in_region(region.clone()))?;
        let fields = parse_fields(input)?;
        sites::update(&mut tx, id, &fields.as_row(), self.now())
            .await
            .doing("updating the site")?;
        let change = Change {
            action: Action::SiteEdit,
            target_kind: "site",
            target_id: id.to_string(),
            region: Some(&region),
            event: event!(
                "site.changed",
                site = before.name,
                changes = site_changes(&before, &fields)
            ),
        };
        record(&mut tx, actor, self.now(), change).await?;
        let site = sites::find(&mut tx, id).await.doing("reading the site back")?;
        tx.commit().await.doing("committing the site")?;
        site.map(Site::from_row)
            .ok_or_else(|| ServiceError::Internal(anyhow::anyhow!("the site vanished")))
    }
}

fn site_region(site: &Site) -> ServiceResult<RegionCode> {
    RegionCode::parse(&site.region_code)
        .map_err(|e| ServiceError::Internal(anyhow::anyhow!("a stored site has an invalid region: {e}")))
}

/// "name: A → B; address: C → D", listing only what changed.
fn site_changes(before: &Site, after: &SiteFields) -> String {
    let pairs = [
        ("name", before.name.as_str(), after.name.as_str()),
        ("address", before.address.as_str(), after.address.as_str()),
        ("secretary", before.secretary.as_str(), after.secretary.as_str()),
    ];
    let changed: Vec<String> = pairs
        .iter()
        .filter(|(_, old, new)| old != new)
        .map(|(field, old, new)| format!("{field}: {old} → {new}"))
        .collect();
    if changed.is_empty() {
        "no change".to_owned()
    } else {
        changed.join("; ")
    }
}
