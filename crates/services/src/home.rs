//! The figures of an actor's home page: what its scope holds and how well sites cover it.

use crate::accounts::Profile;
use crate::error::DbContext;
use crate::regions::Coverage;
use crate::{ServiceResult, Services};
use hongmajia_domain::{Actor, SiteKind};
use hongmajia_store::{accounts, sites};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SiteCounts {
    pub centers: i64,
    pub institutes: i64,
    pub stations: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ScopeFigures {
    pub coverage: Coverage,
    pub sites: SiteCounts,
    pub staff_accounts: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Home {
    pub profile: Profile,
    /// Present for staff: the figures of the widest region the account administers.
    pub scope: Option<ScopeFigures>,
}

impl Services {
    pub async fn home(&self, actor: &Actor) -> ServiceResult<Home> {
        let profile = self.profile(actor).await?;
        let scope = match actor.home_region() {
            Some(region) => Some(self.scope_figures(actor, region.as_str()).await?),
            None => None,
        };
        Ok(Home { profile, scope })
    }

    async fn scope_figures(&self, actor: &Actor, code: &str) -> ServiceResult<ScopeFigures> {
        let coverage = self.coverage(actor, code).await?;
        let prefix = hongmajia_domain::RegionCode::parse(code)?.scope_prefix().to_owned();
        let mut tx = self.db.read().await.doing("starting a read")?;
        let by_kind = sites::count_by_kind(&mut tx, &prefix).await.doing("counting sites")?;
        let count = |kind: SiteKind| by_kind.iter().find(|(k, _)| k == kind.as_str()).map_or(0, |(_, n)| *n);
        let staff_accounts = accounts::count_staff_in_scope(&mut tx, &prefix)
            .await
            .doing("counting staff")?;
        Ok(ScopeFigures {
            coverage,
            sites: SiteCounts {
                centers: count(SiteKind::Center),
                institutes: count(SiteKind::Institute),
                stations: count(SiteKind::Station),
            },
            staff_accounts,
        })
    }
}
