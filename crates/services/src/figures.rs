//! The headline figures of a region, as the article reports them and a city publishes them:
//! aggregates only, readable without login. Each is kept in the transaction of the write that
//! changes it (`store::figures`), so an answer reads a handful of rows; `rebuild_figures`
//! recounts them from the base tables.

use crate::error::DbContext;
use crate::{ServiceError, ServiceResult, Services};
use hongmajia_domain::{ErrorCode, RegionCode};
use hongmajia_store::figures::{self, Figures};
use hongmajia_store::regions;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RegionRef {
    pub code: String,
    pub name: String,
    pub level: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TeamFigures {
    pub total: i64,
    pub professional: i64,
    pub characteristic: i64,
}

/// The contract's shape (architecture.md): the region and everything below it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RegionFigures {
    pub region: RegionRef,
    /// Registered volunteers, imported ones included (merged duplicates not).
    pub volunteers: i64,
    /// Active teams.
    pub teams: TeamFigures,
    /// Published projects (closed ones included: they were published).
    pub projects: i64,
    /// Activities published and not cancelled.
    pub activities: i64,
    /// Hours of confirmed (final) records, one decimal.
    pub service_hours: f64,
    pub lecture_sessions: i64,
    pub lecture_audience: i64,
    pub trainings: i64,
    /// The same figures of each region one level below.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(no_recursion)]
    pub children: Option<Vec<RegionFigures>>,
}

fn shaped(region: RegionRef, f: Figures, children: Option<Vec<RegionFigures>>) -> RegionFigures {
    RegionFigures {
        region,
        volunteers: f.volunteers,
        teams: TeamFigures {
            total: f.teams,
            professional: f.teams_professional,
            characteristic: f.teams_characteristic,
        },
        projects: f.projects,
        activities: f.activities,
        // Truncated to one decimal, as certificates print hours.
        service_hours: (f.service_minutes * 10 / 60) as f64 / 10.0,
        lecture_sessions: f.lecture_sessions,
        lecture_audience: f.lecture_audience,
        trainings: f.trainings,
        children,
    }
}

impl Services {
    /// The figures of a region and of each region one level below; unknown codes are not found.
    pub async fn region_figures(&self, code: &str) -> ServiceResult<RegionFigures> {
        let code = RegionCode::parse(code).map_err(|_| ServiceError::rule(ErrorCode::NotFound))?;
        let mut tx = self.db.read().await.doing("starting a read")?;
        let region = regions::find(&mut tx, code.as_str())
            .await
            .doing("finding the region")?
            .ok_or_else(|| ServiceError::rule(ErrorCode::NotFound))?;
        let own = figures::of_region(&mut tx, code.as_str())
            .await
            .doing("reading the figures")?;
        let children = figures::of_children(&mut tx, code.as_str())
            .await
            .doing("reading the figures below")?
            .into_iter()
            .map(|(code, name, level, f)| shaped(RegionRef { code, name, level }, f, None))
            .collect();
        let r = RegionRef {
            code: region.code,
            name: region.name,
            level: region.level,
        };
        Ok(shaped(r, own, Some(children)))
    }

    /// Recounts every figure from the base tables. With `check`, changes nothing and returns the
    /// regions whose kept figures differ; else replaces the kept figures (and returns the same).
    pub async fn rebuild_figures(&self, check: bool) -> ServiceResult<Vec<String>> {
        let mut tx = self.db.begin().await.doing("starting the recount")?;
        let counted = figures::recount(&mut tx).await.doing("recounting")?;
        let kept = figures::all(&mut tx).await.doing("reading the kept figures")?;
        let mut differences = Vec::new();
        for code in counted.keys().chain(kept.keys().filter(|k| !counted.contains_key(*k))) {
            let (a, b) = (
                counted.get(code).copied().unwrap_or_default(),
                kept.get(code).copied().unwrap_or_default(),
            );
            if a != b {
                differences.push(format!("{code}: kept {b:?}, counted {a:?}"));
            }
        }
        if !check {
            figures::replace_all(&mut tx, &counted)
                .await
                .doing("replacing the figures")?;
            tx.commit().await.doing("committing the recount")?;
        }
        Ok(differences)
    }
}
