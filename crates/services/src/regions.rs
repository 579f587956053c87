//! The region tree and its coverage by practice sites (全覆盖: checked, not claimed).

use crate::audit::{Change, event, record};
use crate::error::DbContext;
use crate::sites::Site;
use crate::{ServiceError, ServiceResult, Services, authorize};
use hongmajia_domain::SiteId;
use hongmajia_domain::calendar::OfficeHours;
use hongmajia_domain::{Action, Actor, ErrorCode, RegionCode, RegionLevel, RegionName, Target};
use hongmajia_store::{Tx, regions, sites};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Region {
    pub code: String,
    pub name: String,
    #[schema(value_type = String, example = "county")]
    pub level: RegionLevel,
    pub parent_code: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChildRegion {
    pub code: String,
    pub name: String,
    #[schema(value_type = String)]
    pub level: RegionLevel,
    pub site_id: Option<SiteId>,
    pub site_name: Option<String>,
}

/// A region as its page shows it: the path down to it within the actor's reach, its site and
/// its children with theirs.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RegionDetail {
    pub region: Region,
    pub breadcrumbs: Vec<Region>,
    pub site: Option<Site>,
    pub children: Vec<ChildRegion>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LevelCoverage {
    #[schema(value_type = String)]
    pub level: RegionLevel,
    pub regions: i64,
    pub with_site: i64,
}

/// How far the practice sites cover a region: per level below it, and every region lacking one.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Coverage {
    pub region: Region,
    pub levels: Vec<LevelCoverage>,
    pub missing: Vec<Region>,
    pub complete: bool,
}

impl Region {
    pub(crate) fn from_row(row: regions::RegionRow) -> Self {
        Self {
            level: RegionLevel::parse(&row.level).unwrap_or(RegionLevel::Village),
            code: row.code,
            name: row.name,
            parent_code: row.parent_code,
        }
    }
}

/// Reads a region that must exist; a missing one is "not found" like one out of scope.
pub(crate) async fn existing(tx: &mut Tx, code: &RegionCode) -> ServiceResult<Region> {
    regions::find(tx, code.as_str())
        .await
        .doing("finding the region")?
        .map(Region::from_row)
        .ok_or_else(|| ServiceError::rule(ErrorCode::NotFound))
}

pub(crate) fn parse_code(raw: &str, field: &'static str) -> ServiceResult<RegionCode> {
    RegionCode::parse(raw).map_err(|e| ServiceError::Rule(e.for_field(field)))
}

impl Services {
    pub async fn region(&self, actor: &Actor, code: &str) -> ServiceResult<RegionDetail> {
        crate::refuse_unless_capable(actor, Action::RegionView)?;
        let code = RegionCode::parse(code).map_err(|_| ServiceError::rule(ErrorCode::NotFound))?;
        authorize(actor, Action::RegionView, &Target::in_region(code.clone()))?;
        let mut tx = self.db.read().await.doing("starting a read")?;
        let region = existing(&mut tx, &code).await?;
        let mut breadcrumbs = Vec::new();
        for ancestor in code.lineage().into_iter().skip(1) {
            if authorize(actor, Action::RegionView, &Target::in_region(ancestor.clone())).is_err() {
                break;
            }
            if let Some(row) = regions::find(&mut tx, ancestor.as_str())
                .await
                .doing("finding a parent")?
            {
                breadcrumbs.push(Region::from_row(row));
            }
        }
        breadcrumbs.reverse();
        let site = sites::find_by_region(&mut tx, code.as_str())
            .await
            .doing("finding the site")?
            .map(Site::from_row);
        let children = regions::children(&mut tx, code.as_str())
            .await
            .doing("listing the children")?
            .into_iter()
            .map(|row| ChildRegion {
                level: RegionLevel::parse(&row.level).unwrap_or(RegionLevel::Village),
                code: row.code,
                name: row.name,
                site_id: row.site_id,
                site_name: row.site_name,
            })
            .collect();
        Ok(RegionDetail {
            region,
            breadcrumbs,
            site,
            children,
        })
    }

    /// Adds a region below an existing one; the code tells the level and the parent.
    pub async fn create_region(&self, actor: &Actor, code: &str, name: &str) -> ServiceResult<Region> {
        crate::refuse_unless_capable(actor, Action::RegionCreate)?;
        let code = parse_code(code, "code")?;
        let name = RegionName::parse(name)?;
        authorize(actor, Action::RegionCreate, &Target::in_region(code.clone()))?;
        let mut tx = self.db.begin().await.doing("starting the region creation")?;
        let parent = code.parent();
        if let Some(parent) = &parent {
            existing(&mut tx, parent)
                .await
                .map_err(|_| ServiceError::on(ErrorCode::ParentRegionMissing, "code"))?;
        }
        let new = regions::NewRegion {
            code: code.as_str(),
            parent_code: parent.as_ref().map(RegionCode::as_str),
            name: name.as_str(),
            level: code.level().as_str(),
            at: self.now(),
        };
        regions::insert(&mut tx, &new)
            .await
            .unique_or(ErrorCode::RegionExists, "code", "inserting the region")?;
        let change = Change {
            action: Action::RegionCreate,
            target_kind: "region",
            target_id: code.to_string(),
            region: Some(&code),
            event: event!(
                "region.created",
                level = code.level().as_str(),
                code = code,
                name = name.as_str()
            ),
        };
        record(&mut tx, actor, self.now(), change).await?;
        let region = existing(&mut tx, &code).await?;
        tx.commit().await.doing("committing the region")?;
        Ok(region)
    }

    pub async fn rename_region(&self, actor: &Actor, code: &str, name: &str) -> ServiceResult<Region> {
        crate::refuse_unless_capable(actor, Action::RegionEdit)?;
        let code = RegionCode::parse(code).map_err(|_| ServiceError::rule(ErrorCode::NotFound))?;
        authorize(actor, Action::RegionEdit, &Target::in_region(code.clone()))?;
        let name = RegionName::parse(name)?;
        let mut tx = self.db.begin().await.doing("starting the rename")?;
        let before = existing(&mut tx, &code).await?;
        regions::rename(&mut tx, code.as_str(), name.as_str(), self.now())
            .await
            .doing("renaming the region")?;
        let change = Change {
            action: Action::RegionEdit,
            target_kind: "region",
            target_id: code.to_string(),
            region: Some(&code),
            event: event!("region.renamed", from = before.name, to = name.as_str()),
        };
        record(&mut tx, actor, self.now(), change).await?;
        let region = existing(&mut tx, &code).await?;
        tx.commit().await.doing("committing the rename")?;
        Ok(region)
    }

    pub async fn coverage(&self, actor: &Actor, code: &str) -> ServiceResult<Coverage> {
        crate::refuse_unless_capable(actor, Action::CoverageView)?;
        let code = RegionCode::parse(code).map_err(|_| ServiceError::rule(ErrorCode::NotFound))?;
        authorize(actor, Action::CoverageView, &Target::in_region(code.clone()))?;
        let mut tx = self.db.read().await.doing("starting a read")?;
        let region = existing(&mut tx, &code).await?;
        let counted = regions::coverage_by_level(&mut tx, code.scope_prefix(), code.as_str())
            .await
            .doing("counting coverage")?;
        let levels: Vec<LevelCoverage> = RegionLevel::ALL
            .iter()
            .copied()
            .filter(|level| *level > code.level())
            .map(|level| {
                let row = counted.iter().find(|row| row.level == level.as_str());
                LevelCoverage {
                    level,
                    regions: row.map_or(0, |r| r.regions),
                    with_site: row.map_or(0, |r| r.with_site),
                }
            })
            .collect();
        let missing: Vec<Region> = regions::without_site(&mut tx, code.scope_prefix(), code.as_str())
            .await
            .doing("listing regions without a site")?
            .into_iter()
            .map(Region::from_row)
            .collect();
        Ok(Coverage {
            region,
            complete: missing.is_empty(),
            levels,
            missing,
        })
    }
}

/// A village to choose where one lives, with its township for grouping.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VillageChoice {
    pub code: String,
    pub name: String,
    pub township: String,
}

impl Services {
    /// The villages a registration form offers: the whole tree (region names are public).
    pub async fn village_choices(&self) -> ServiceResult<Vec<VillageChoice>> {
        let mut tx = self.db.read().await.doing("starting a read")?;
        let rows = regions::villages_in_scope(&mut tx, "")
            .await
            .doing("listing villages")?;
        Ok(rows
            .into_iter()
            .map(|(code, name, township)| VillageChoice { code, name, township })
            .collect())
    }
}

/// A county's office hours, in China's time (`HH:MM`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfficeHoursView {
    #[schema(example = "08:30")]
    pub opens: String,
    #[schema(example = "17:30")]
    pub closes: String,
}

impl From<OfficeHours> for OfficeHoursView {
    fn from(hours: OfficeHours) -> Self {
        Self {
            opens: OfficeHours::text(hours.opens()),
            closes: OfficeHours::text(hours.closes()),
        }
    }
}

/// The county a code names: a county itself (office hours are set per county only).
fn county_code(raw: &str) -> ServiceResult<RegionCode> {
    let code = RegionCode::parse(raw).map_err(|_| ServiceError::rule(ErrorCode::NotFound))?;
    if code.level() != RegionLevel::County {
        return Err(ServiceError::on(ErrorCode::RegionLevelMismatch, "code"));
    }
    Ok(code)
}

impl Services {
    /// The office hours a county's deadlines count in (the default where it set none).
    pub(crate) async fn office_hours_of(&self, tx: &mut Tx, county: &RegionCode) -> ServiceResult<OfficeHours> {
        match regions::office_hours(tx, county.as_str())
            .await
            .doing("reading the office hours")?
        {
            Some((opens, closes)) => OfficeHours::parse(&opens, &closes)
                .map_err(|e| ServiceError::Internal(anyhow::anyhow!("stored office hours of {county}: {e}"))),
            None => Ok(OfficeHours::default()),
        }
    }

    /// A county's office hours, for its staff.
    pub async fn office_hours(&self, actor: &Actor, county: &str) -> ServiceResult<OfficeHoursView> {
        crate::refuse_unless_capable(actor, Action::RegionView)?;
        let county = county_code(county)?;
        authorize(actor, Action::RegionView, &Target::in_region(county.clone()))?;
        let mut tx = self.db.read().await.doing("starting a read")?;
        existing(&mut tx, &county).await?;
        Ok(self.office_hours_of(&mut tx, &county).await?.into())
    }

    /// The county's (or the city's) admins set the county's office hours.
    pub async fn set_office_hours(
        &self,
        actor: &Actor,
        county: &str,
        input: &OfficeHoursView,
    ) -> ServiceResult<OfficeHoursView> {
        crate::refuse_unless_capable(actor, Action::RegionEdit)?;
        let county = county_code(county)?;
        authorize(actor, Action::RegionEdit, &Target::in_region(county.clone()))?;
        let hours = OfficeHours::parse(&input.opens, &input.closes)?;
        let stored = OfficeHoursView::from(hours);
        let mut tx = self.db.begin().await.doing("starting the office hours")?;
        existing(&mut tx, &county).await?;
        regions::put_office_hours(
            &mut tx,
            county.as_str(),
            (&stored.opens, &stored.closes),
            (actor.label(), self.now()),
        )
        .await
        .doing("storing the office hours")?;
        let change = Change {
            action: Action::RegionEdit,
            target_kind: "region",
            target_id: county.to_string(),
            region: Some(&county),
            event: event!("region.office_hours", opens = stored.opens, closes = stored.closes),
        };
        record(&mut tx, actor, self.now(), change).await?;
        tx.commit().await.doing("committing the office hours")?;
        Ok(stored)
    }
}
