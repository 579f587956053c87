//! The headline figures of regions (volunteers, teams, projects, activities, service time,
//! lectures, trainings), each row counting its region and everything below it. Every write that
//! changes a figure adds its delta to the rows of the region's whole lineage in the same
//! transaction, so reading a region's figures is reading one row. `recount` computes the same
//! figures from the base tables, for `rollups rebuild [--check]`.

use crate::Tx;
use crate::db::{decode, on_tx};
use hongmajia_domain::RegionCode;
use hongmajia_domain::activity::{ActivityKind, ActivityState};
use hongmajia_domain::project::ProjectState;
use hongmajia_domain::record::RecordState;
use hongmajia_domain::team::{TeamKind, TeamState};
use std::collections::BTreeMap;

/// Changes to the figures, or the figures themselves.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct Figures {
    pub volunteers: i64,
    pub teams: i64,
    pub teams_professional: i64,
    pub teams_characteristic: i64,
    pub projects: i64,
    pub activities: i64,
    pub service_minutes: i64,
    pub lecture_sessions: i64,
    pub lecture_audience: i64,
    pub trainings: i64,
}

impl Figures {
    fn add(&mut self, other: &Figures) {
        self.volunteers += other.volunteers;
        self.teams += other.teams;
        self.teams_professional += other.teams_professional;
        self.teams_characteristic += other.teams_characteristic;
        self.projects += other.projects;
        self.activities += other.activities;
        self.service_minutes += other.service_minutes;
        self.lecture_sessions += other.lecture_sessions;
        self.lecture_audience += other.lecture_audience;
        self.trainings += other.trainings;
    }

    fn is_zero(&self) -> bool {
        *self == Figures::default()
    }

    /// An active team (`sign` +1) or one that stopped being active (−1).
    pub fn team(kind: TeamKind, sign: i64) -> Self {
        Self {
            teams: sign,
            teams_professional: if kind == TeamKind::Professional { sign } else { 0 },
            teams_characteristic: if kind == TeamKind::Characteristic { sign } else { 0 },
            ..Self::default()
        }
    }

    /// A published activity (+1) or a cancelled one (−1), with its lecture or training.
    pub fn activity(kind: ActivityKind, audience: i64, sign: i64) -> Self {
        let lecture = kind == ActivityKind::Lecture;
        Self {
            activities: sign,
            lecture_sessions: if lecture { sign } else { 0 },
            lecture_audience: if lecture { sign * audience } else { 0 },
            trainings: if kind == ActivityKind::Training { sign } else { 0 },
            ..Self::default()
        }
    }
}

macro_rules! figure_columns {
    () => {
        "volunteers, teams, teams_professional, teams_characteristic, projects, activities, service_minutes,
         lecture_sessions, lecture_audience, trainings"
    };
}

/// Adds `delta` to the figures of `region` and of every region above it.
pub async fn bump(tx: &mut Tx, region: &str, delta: &Figures) -> sqlx::Result<()> {
    if delta.is_zero() {
        return Ok(());
    }
    let Ok(code) = RegionCode::parse(region) else {
        return Ok(());
    };
    let sql = concat!(
        "INSERT INTO region_figures (region_code, ",
        figure_columns!(),
        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (region_code) DO UPDATE SET volunteers = region_figures.volunteers + $2,
           teams = region_figures.teams + $3, teams_professional = region_figures.teams_professional + $4,
           teams_characteristic = region_figures.teams_characteristic + $5, projects = region_figures.projects + $6,
           activities = region_figures.activities + $7, service_minutes = region_figures.service_minutes + $8,
           lecture_sessions = region_figures.lecture_sessions + $9, lecture_audience = region_figures.lecture_audience + $10,
           trainings = region_figures.trainings + $11"
    );
    for level in code.lineage() {
        on_tx!(tx, |conn| {
            sqlx::query(sql)
                .bind(level.as_str())
                .bind(delta.volunteers)
                .bind(delta.teams)
                .bind(delta.teams_professional)
                .bind(delta.teams_characteristic)
                .bind(delta.projects)
                .bind(delta.activities)
                .bind(delta.service_minutes)
                .bind(delta.lecture_sessions)
                .bind(delta.lecture_audience)
                .bind(delta.trainings)
                .execute(conn)
                .await
                .map(|done| done.rows_affected())
        })?;
    }
    Ok(())
}

/// The figures of one region (zeros when nothing was ever counted there).
pub async fn of_region(tx: &mut Tx, region: &str) -> sqlx::Result<Figures> {
    let sql = concat!(
        "SELECT ",
        figure_columns!(),
        " FROM region_figures WHERE region_code = $1"
    );
    let row = on_tx!(tx, |conn| sqlx::query_as::<_, Figures>(sql)
        .bind(region)
        .fetch_optional(conn)
        .await)?;
    Ok(row.unwrap_or_default())
}

/// The regions one level below `parent` (code, name, level) with their figures, in one read.
pub async fn of_children(tx: &mut Tx, parent: &str) -> sqlx::Result<Vec<(String, String, String, Figures)>> {
    let sql = "SELECT r.code, r.name, r.level, COALESCE(f.volunteers, 0) AS volunteers, COALESCE(f.teams, 0) AS teams,
            COALESCE(f.teams_professional, 0) AS teams_professional,
            COALESCE(f.teams_characteristic, 0) AS teams_characteristic, COALESCE(f.projects, 0) AS projects,
            COALESCE(f.activities, 0) AS activities, COALESCE(f.service_minutes, 0) AS service_minutes,
            COALESCE(f.lecture_sessions, 0) AS lecture_sessions, COALESCE(f.lecture_audience, 0) AS lecture_audience,
            COALESCE(f.trainings, 0) AS trainings
         FROM regions r LEFT JOIN region_figures f ON f.region_code = r.code
         WHERE r.parent_code = $1 ORDER BY r.code";
    #[derive(sqlx::FromRow)]
    struct Row {
        code: String,
        name: String,
        level: String,
        #[sqlx(flatten)]
        figures: Figures,
    }
    let rows = on_tx!(tx, |conn| sqlx::query_as::<_, Row>(sql)
        .bind(parent)
        .fetch_all(conn)
        .await)?;
    Ok(rows.into_iter().map(|r| (r.code, r.name, r.level, r.figures)).collect())
}

/// Every stored row.
pub async fn all(tx: &mut Tx) -> sqlx::Result<BTreeMap<String, Figures>> {
    let sql = concat!("SELECT region_code, ", figure_columns!(), " FROM region_figures");
    #[derive(sqlx::FromRow)]
    struct Row {
        region_code: String,
        #[sqlx(flatten)]
        figures: Figures,
    }
    let rows = on_tx!(tx, |conn| sqlx::query_as::<_, Row>(sql).fetch_all(conn).await)?;
    Ok(rows
        .into_iter()
        .filter(|r| !r.figures.is_zero())
        .map(|r| (r.region_code, r.figures))
        .collect())
}

/// How a counted number (of a region, with a kind) becomes figures.
type FromCount = fn(i64, String) -> sqlx::Result<Figures>;

/// The figures counted from the base tables, accumulated up every lineage.
pub async fn recount(tx: &mut Tx) -> sqlx::Result<BTreeMap<String, Figures>> {
    // Each statement counts rows in the states $1 and $2 (the same state twice where one counts).
    let queries: [(&str, [&str; 2], FromCount); 5] = [
        (
            "SELECT region_code, '' AS kind, COUNT(*) AS n FROM volunteers
             WHERE merged_into IS NULL AND $1 = $2 GROUP BY region_code",
            ["", ""],
            |n, _| {
                Ok(Figures {
                    volunteers: n,
                    ..Figures::default()
                })
            },
        ),
        (
            "SELECT region_code, kind, COUNT(*) AS n FROM teams WHERE state IN ($1, $2) GROUP BY region_code, kind",
            [TeamState::Active.as_str(); 2],
            |n, kind| Ok(Figures::team(decode(kind)?, n)),
        ),
        (
            "SELECT region_code, '' AS kind, COUNT(*) AS n FROM projects WHERE state IN ($1, $2) GROUP BY region_code",
            [ProjectState::Published.as_str(), ProjectState::Closed.as_str()],
            |n, _| {
                Ok(Figures {
                    projects: n,
                    ..Figures::default()
                })
            },
        ),
        (
            "SELECT region_code, kind, COUNT(*) AS n FROM activities WHERE state IN ($1, $2) GROUP BY region_code, kind",
            [ActivityState::Published.as_str(); 2],
            |n, kind| Ok(Figures::activity(decode(kind)?, 0, n)),
        ),
        (
            "SELECT region_code, '' AS kind, CAST(COALESCE(SUM(minutes), 0) AS BIGINT) AS n FROM service_records
             WHERE state IN ($1, $2) GROUP BY region_code",
            [RecordState::Confirmed.as_str(); 2],
            |n, _| {
                Ok(Figures {
                    service_minutes: n,
                    ..Figures::default()
                })
            },
        ),
    ];
    let mut own: Vec<(String, Figures)> = Vec::new();
    for (sql, [first, second], make) in queries {
        let rows = on_tx!(tx, |conn| {
            sqlx::query_as::<_, (String, String, i64)>(sql)
                .bind(first)
                .bind(second)
                .fetch_all(conn)
                .await
        })?;
        for (region, kind, n) in rows {
            own.push((region, make(n, kind)?));
        }
    }
    let audiences = on_tx!(tx, |conn| {
        sqlx::query_as::<_, (String, i64)>(
            "SELECT region_code, CAST(COALESCE(SUM(audience_count), 0) AS BIGINT) FROM activities
             WHERE state = $1 AND kind = $2 GROUP BY region_code",
        )
        .bind(ActivityState::Published.as_str())
        .bind(ActivityKind::Lecture.as_str())
        .fetch_all(conn)
        .await
    })?;
    own.extend(audiences.into_iter().map(|(region, n)| {
        (
            region,
            Figures {
                lecture_audience: n,
                ..Figures::default()
            },
        )
    }));
    let mut totals: BTreeMap<String, Figures> = BTreeMap::new();
    for (region, figures) in own {
        let Ok(code) = RegionCode::parse(&region) else {
            continue;
        };
        for level in code.lineage() {
            totals.entry(level.as_str().to_owned()).or_default().add(&figures);
        }
    }
    totals.retain(|_, f| !f.is_zero());
    Ok(totals)
}

/// Replaces every row by `figures` (the rebuild).
pub async fn replace_all(tx: &mut Tx, figures: &BTreeMap<String, Figures>) -> sqlx::Result<()> {
    on_tx!(tx, |conn| {
        sqlx::query("DELETE FROM region_figures")
            .execute(conn)
            .await
            .map(|done| done.rows_affected())
    })?;
    let sql = concat!(
        "INSERT INTO region_figures (region_code, ",
        figure_columns!(),
        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
    );
    for (region, f) in figures {
        on_tx!(tx, |conn| {
            sqlx::query(sql)
                .bind(region)
                .bind(f.volunteers)
                .bind(f.teams)
                .bind(f.teams_professional)
                .bind(f.teams_characteristic)
                .bind(f.projects)
                .bind(f.activities)
                .bind(f.service_minutes)
                .bind(f.lecture_sessions)
                .bind(f.lecture_audience)
                .bind(f.trainings)
                .execute(conn)
                .await
                .map(|done| done.rows_affected())
        })?;
    }
    Ok(())
}
