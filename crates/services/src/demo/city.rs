//! The city-scale demo (`hongmajia demo --scale city|county`): Yuncheng as the article counts
//! it (859,000 volunteers, 3,189 teams, 20,000 projects, 12.43 million confirmed hours) or one
//! county's share of it, through the storage layer's bulk writes.
//!
//! Two steps. `plan` decides everything from the seed and the as-of date alone, in memory and
//! in a fixed order (one random stream per county, so a county's plan is the same whether it is
//! generated alone or with the city): regions, who lives where, teams and members, projects,
//! activities, and who took part in which activity for how long. `write` then stores it stage by
//! stage, in large transactions of multi-row inserts; personal details (names, ID numbers,
//! phones) are derived per volunteer from the seed at that point, so the plan stays small.
//! Finally each volunteer's confirmed total and the region figures are recounted once.
//!
//! Every ID number is valid and unique (the county's code, a birth date for ages 14–80 and a
//! sequence number taken by a bijection of the volunteer's index, so no two collide); phones and
//! volunteer codes are bijections of the index too. Volunteers' hours are spread the way real
//! ones are: most give a little, a long tail gives a lot (activity weights from a clipped Pareto).

use super::{CITY_CODE, CITY_NAME, COUNTIES, DemoAccount, GIVEN, SURNAMES, person_name};
use crate::Services;
use crate::audit::{self, Change, Event, event};
use crate::figures::RegionFigures;
use crate::volunteers::{RegistrationInput, Source, check};
use anyhow::Context;
use hongmajia_domain::activity::{ActivityKind, SignupState};
use hongmajia_domain::calendar::CHINA;
use hongmajia_domain::project::ProjectState;
use hongmajia_domain::record::{RecordSource, RecordState, VersionAction};
use hongmajia_domain::team::{CHARACTERISTIC_GROUPS, PROFESSIONAL_SPECIALTIES};
use hongmajia_domain::team::{TeamKind, TeamRole, TeamState};
use hongmajia_domain::{
    AccountId, Action, ActivityId, Actor, ProjectId, RegionCode, RegionLevel, SiteId, TeamId, VolunteerId,
};
use hongmajia_store::accounts::StoredPhone;
use hongmajia_store::activities::NewActivity;
use hongmajia_store::projects::NewProject;
use hongmajia_store::records::{NewRecord, Version};
use hongmajia_store::regions::NewRegion;
use hongmajia_store::teams::NewTeam;
use hongmajia_store::{bulk, load, new_id};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use std::collections::HashSet;
use std::ops::Range;
use time::{Date, Duration, OffsetDateTime, Time, UtcOffset};

/// Rough population of each county (10,000s), in `COUNTIES` order: volunteers, townships,
/// teams, projects and hours are shared out in these proportions.
const COUNTY_WEIGHTS: [u64; 13] = [70, 53, 38, 38, 32, 32, 26, 21, 33, 24, 39, 41, 38];
/// Professional teams at every county center ("8+N": eight professional, N characteristic).
const PROFESSIONAL_PER_COUNTY: usize = 8;
const YEARS: i32 = 5;
/// A volunteer's weight in the draw for an activity is at most this many times the least one.
const MAX_WEIGHT: f64 = 400.0;
const SKILLS: [&str; 10] = [
    "急救",
    "驾驶",
    "摄影",
    "书法",
    "文艺表演",
    "法律咨询",
    "心理疏导",
    "电脑操作",
    "烹饪",
    "理发",
];
const AVAILABILITY: [&str; 5] = ["周末", "工作日晚上", "节假日", "随时", ""];
const PHONE_PREFIXES: [&str; 10] = ["150", "151", "152", "157", "158", "159", "182", "183", "187", "188"];
const DURATIONS_MIN: [i64; 8] = [120, 180, 240, 240, 240, 300, 360, 480];
const START_TIMES: [(u8, u8); 4] = [(8, 30), (9, 0), (14, 0), (15, 0)];

/// The size of the generated city.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Targets {
    pub volunteers: u64,
    pub teams: u64,
    pub projects: u64,
    pub service_hours: u64,
    pub townships: u64,
}

impl Targets {
    /// Yuncheng as the article counts it.
    pub const YUNCHENG: Targets = Targets {
        volunteers: 859_000,
        teams: 3_189,
        projects: 20_000,
        service_hours: 12_430_000,
        townships: 150,
    };

    /// Every figure divided by `n` (townships at least one per county), for tests.
    pub fn divided_by(self, n: u64) -> Self {
        let n = n.max(1);
        Self {
            volunteers: self.volunteers / n,
            teams: self.teams / n,
            projects: self.projects / n,
            service_hours: self.service_hours / n,
            townships: (self.townships / n).max(COUNTIES.len() as u64),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    City,
    /// One county's share (its code).
    County(String),
}

#[derive(Debug, Clone)]
pub struct ScaleOptions {
    pub seed: u64,
    pub as_of: Date,
    pub scope: Scope,
    pub targets: Targets,
}

/// Where the generator reports its stages (a progress bar per stage in the CLI).
pub trait Progress: Sync {
    fn stage(&self, name: &str, total: u64);
    fn advance(&self, done: u64);
    fn finish(&self);
}

/// Reports nothing.
pub struct Quiet;

impl Progress for Quiet {
    fn stage(&self, _: &str, _: u64) {}
    fn advance(&self, _: u64) {}
    fn finish(&self) {}
}

#[derive(Debug, Clone)]
pub struct ScaleSummary {
    /// Staff accounts made (city, counties, townships), passwords shown once.
    pub accounts: Vec<DemoAccount>,
    pub regions: usize,
    pub signups: u64,
    pub records: u64,
    /// The platform's own figures of the top region after the load.
    pub figures: RegionFigures,
}

struct PlannedRegion {
    code: String,
    name: String,
    level: RegionLevel,
}

struct PlannedVolunteer {
    /// Index of the village in the county's regions.
    home: u32,
    registered: Date,
}

/// The categories (code, Chinese name) the generated projects are filed under: ones the
/// migration seeds (a test checks that each is in the table).
pub const DEMO_CATEGORIES: [(&str, &str); 14] = [
    ("theory_lecture", "理论宣讲"),
    ("changing_customs", "移风易俗"),
    ("culture_to_countryside", "送文化下乡"),
    ("traffic_guidance", "交通劝导"),
    ("poverty_relief", "扶贫济困"),
    ("psychological_counselling", "心理咨询"),
    ("health", "医疗卫生"),
    ("legal_aid", "法律援助"),
    ("emergency_rescue", "应急救援"),
    ("environment", "生态环保"),
    ("science", "科学普及"),
    ("holiday_care", "七彩假期"),
    ("field_class", "田间课堂"),
    ("training", "培训"),
];

struct PlannedTeam {
    region: u32,
    kind: TeamKind,
    specialty: &'static str,
    name: String,
    /// Volunteer indices; the first leads.
    members: Vec<u32>,
    founded: Date,
}

struct PlannedProject {
    region: u32,
    team: Option<u32>,
    category: &'static str,
    title: String,
    starts_on: Date,
    ends_on: Date,
    state: ProjectState,
}

struct PlannedActivity {
    project: u32,
    kind: ActivityKind,
    title: &'static str,
    starts_at: OffsetDateTime,
    minutes: i64,
    capacity: i64,
    audience: Option<i64>,
    takes: Range<usize>,
}

#[derive(Clone, Copy)]
enum Outcome {
    /// Checked in and out; confirmed minutes, and whether the volunteer left an hour early.
    Served(i64, bool),
    NoShow,
    Cancelled,
    /// A place held in an activity still to come.
    Holding,
}

struct Take {
    volunteer: u32,
    outcome: Outcome,
}

struct CountyPlan {
    index: usize,
    /// The county first, then each township followed by its villages.
    regions: Vec<PlannedRegion>,
    volunteers: Vec<PlannedVolunteer>,
    teams: Vec<PlannedTeam>,
    projects: Vec<PlannedProject>,
    activities: Vec<PlannedActivity>,
    takes: Vec<Take>,
}

/// Who may be drawn for an activity, with their cumulative weights.
struct Pool {
    members: Vec<u32>,
    cumulative: Vec<f64>,
}

impl Pool {
    fn new(members: Vec<u32>, weights: &[f64]) -> Self {
        let mut total = 0.0;
        let cumulative = members
            .iter()
            .map(|&m| {
                total += weights[m as usize];
                total
            })
            .collect();
        Self { members, cumulative }
    }

    fn draw(&self, rng: &mut StdRng) -> Option<u32> {
        let total = *self.cumulative.last()?;
        let point = rng.random_range(0.0..total);
        let at = self.cumulative.partition_point(|&c| c <= point);
        self.members.get(at.min(self.members.len() - 1)).copied()
    }

    /// Up to `n` different members.
    fn draw_distinct(&self, rng: &mut StdRng, n: usize, taken: &mut HashSet<u32>) -> Vec<u32> {
        let mut drawn = Vec::with_capacity(n);
        let mut attempts = 0;
        while drawn.len() < n && attempts < n * 8 {
            attempts += 1;
            if let Some(m) = self.draw(rng).filter(|m| taken.insert(*m)) {
                drawn.push(m);
            }
        }
        drawn
    }
}

/// `total` shared out over the counties by weight, the remainders going to the largest
/// fractions so the shares add up exactly.
fn shares(total: u64) -> [u64; 13] {
    let sum: u64 = COUNTY_WEIGHTS.iter().sum();
    let mut out = COUNTY_WEIGHTS.map(|w| total * w / sum);
    let mut rest = total - out.iter().sum::<u64>();
    let mut order: Vec<usize> = (0..13).collect();
    order.sort_by_key(|&i| std::cmp::Reverse((total * COUNTY_WEIGHTS[i]) % sum));
    for i in order {
        if rest == 0 {
            break;
        }
        out[i] += 1;
        rest -= 1;
    }
    out
}

fn county_rng(seed: u64, county: usize, stream: u64) -> StdRng {
    StdRng::seed_from_u64(seed ^ (county as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ stream << 56)
}

fn days(from: Date, to: Date) -> i64 {
    (to - from).whole_days()
}

fn day_between(rng: &mut StdRng, from: Date, to: Date) -> Date {
    from + Duration::days(rng.random_range(0..=days(from, to).max(0)))
}

fn china_time(day: Date, (hour, minute): (u8, u8)) -> OffsetDateTime {
    let time = Time::from_hms(hour, minute, 0).unwrap_or(Time::MIDNIGHT);
    day.with_time(time).assume_offset(CHINA).to_offset(UtcOffset::UTC)
}

/// Plans the counties of `options.scope`.
fn plan(options: &ScaleOptions) -> anyhow::Result<Vec<CountyPlan>> {
    let wanted: Vec<usize> = match &options.scope {
        Scope::City => (0..COUNTIES.len()).collect(),
        Scope::County(code) => vec![
            COUNTIES
                .iter()
                .position(|(c, _)| c == code)
                .with_context(|| format!("--county {code}: not one of Yuncheng's 13 counties"))?,
        ],
    };
    let t = options.targets;
    let (volunteers, teams, projects, hours, townships) = (
        shares(t.volunteers),
        shares(t.teams),
        shares(t.projects),
        shares(t.service_hours),
        shares(t.townships),
    );
    Ok(wanted
        .into_iter()
        .map(|i| {
            let sizes = CountySizes {
                townships: townships[i].max(1) as usize,
                volunteers: volunteers[i] as usize,
                teams: teams[i] as usize,
                projects: projects[i] as usize,
                minutes: hours[i] as i64 * 60,
            };
            plan_county(options.seed, options.as_of, i, &sizes)
        })
        .collect())
}

struct CountySizes {
    townships: usize,
    volunteers: usize,
    teams: usize,
    projects: usize,
    minutes: i64,
}

fn plan_county(seed: u64, as_of: Date, index: usize, sizes: &CountySizes) -> CountyPlan {
    let mut rng = county_rng(seed, index, 0);
    let regions = plan_regions(&mut rng, index, sizes.townships);
    let villages: Vec<u32> = (0..regions.len() as u32)
        .filter(|&r| regions[r as usize].level == RegionLevel::Village)
        .collect();
    let township_of = |region: u32| -> u32 {
        (0..=region)
            .rev()
            .find(|&r| regions[r as usize].level == RegionLevel::Township)
            .unwrap_or(0)
    };
    let start = as_of - Duration::days(365 * i64::from(YEARS));
    let mut volunteers: Vec<PlannedVolunteer> = (0..sizes.volunteers)
        .map(|_| PlannedVolunteer {
            home: villages.choose(&mut rng).copied().unwrap_or(0),
            registered: day_between(&mut rng, start, as_of - Duration::days(1)),
        })
        .collect();
    // Clipped Pareto: most weights near 1, a few up to MAX_WEIGHT (the star volunteers).
    let weights: Vec<f64> = (0..volunteers.len())
        .map(|_| rng.random_range(f64::EPSILON..1.0).powf(-1.0 / 1.3).min(MAX_WEIGHT))
        .collect();
    let county_pool = Pool::new((0..volunteers.len() as u32).collect(), &weights);
    let mut by_township: std::collections::BTreeMap<u32, Vec<u32>> = std::collections::BTreeMap::new();
    for (i, v) in volunteers.iter().enumerate() {
        by_township.entry(township_of(v.home)).or_default().push(i as u32);
    }
    let township_pools: std::collections::BTreeMap<u32, Pool> = by_township
        .into_iter()
        .map(|(t, members)| (t, Pool::new(members, &weights)))
        .collect();
    let pool_of = |region: u32| -> &Pool {
        match regions[region as usize].level {
            RegionLevel::County | RegionLevel::City => &county_pool,
            _ => township_pools.get(&township_of(region)).unwrap_or(&county_pool),
        }
    };
    let teams = plan_teams(&mut rng, &regions, sizes.teams, start, &pool_of);
    let projects = plan_projects(&mut rng, &regions, &teams, sizes.projects, as_of);
    let (activities, takes) = plan_activities(&mut rng, &projects, sizes.minutes, as_of, &pool_of);
    // Nobody serves before registering.
    for activity in &activities {
        let day = activity.starts_at.to_offset(CHINA).date() - Duration::days(1);
        for take in &takes[activity.takes.clone()] {
            let v = &mut volunteers[take.volunteer as usize];
            if day < v.registered {
                v.registered = day;
            }
        }
    }
    CountyPlan {
        index,
        regions,
        volunteers,
        teams,
        projects,
        activities,
        takes,
    }
}

fn plan_regions(rng: &mut StdRng, index: usize, townships: usize) -> Vec<PlannedRegion> {
    let (county_code, county_name) = COUNTIES[index];
    let mut regions = vec![PlannedRegion {
        code: county_code.to_owned(),
        name: county_name.to_owned(),
        level: RegionLevel::County,
    }];
    let mut used = HashSet::new();
    for town in 1..=townships {
        let town_code = format!("{county_code}{town:03}");
        let suffix = if town <= 2 {
            "街道"
        } else {
            ["镇", "乡"][rng.random_range(0..2)]
        };
        regions.push(PlannedRegion {
            name: super::unique_place_name(rng, &mut used, suffix),
            code: town_code.clone(),
            level: RegionLevel::Township,
        });
        for village in 1..=rng.random_range(14..=26) {
            let suffix = if town <= 2 { "社区" } else { "村" };
            regions.push(PlannedRegion {
                name: super::unique_place_name(rng, &mut used, suffix),
                code: format!("{town_code}{village:03}"),
                level: RegionLevel::Village,
            });
        }
    }
    regions
}

fn plan_teams<'p>(
    rng: &mut StdRng,
    regions: &[PlannedRegion],
    count: usize,
    start: Date,
    pool_of: &impl Fn(u32) -> &'p Pool,
) -> Vec<PlannedTeam> {
    let mut names = HashSet::new();
    let mut teams = Vec::with_capacity(count);
    for n in 0..count {
        // The county center's first eight teams are its professional ones ("8+N").
        let professional = PROFESSIONAL_SPECIALTIES.get(n).filter(|_| n < PROFESSIONAL_PER_COUNTY);
        let region = if professional.is_some() {
            0
        } else {
            rng.random_range(1..regions.len() as u32)
        };
        let (kind, (specialty, specialty_name)) = match professional {
            Some(specialty) => (TeamKind::Professional, *specialty),
            None => (
                TeamKind::Characteristic,
                *CHARACTERISTIC_GROUPS.choose(rng).unwrap_or(&CHARACTERISTIC_GROUPS[0]),
            ),
        };
        let base = format!("{}{specialty_name}志愿服务队", regions[region as usize].name);
        let name = (1..)
            .map(|k| {
                if k == 1 {
                    base.clone()
                } else {
                    format!("{base}{k}分队")
                }
            })
            .find(|candidate| names.insert((region, candidate.clone())))
            .unwrap_or(base);
        let size = if professional.is_some() {
            rng.random_range(30..=120)
        } else {
            rng.random_range(12..=60)
        };
        let members = pool_of(region).draw_distinct(rng, size, &mut HashSet::new());
        teams.push(PlannedTeam {
            region,
            kind,
            specialty,
            name,
            members,
            founded: day_between(rng, start, start + Duration::days(365 * 2)),
        });
    }
    teams
}

fn plan_projects(
    rng: &mut StdRng,
    regions: &[PlannedRegion],
    teams: &[PlannedTeam],
    count: usize,
    as_of: Date,
) -> Vec<PlannedProject> {
    const SUFFIXES: [&str; 5] = ["志愿服务", "志愿服务项目", "行动", "进村入户", "关爱行动"];
    let start = as_of - Duration::days(365 * i64::from(YEARS));
    let categories: Vec<&(&str, &str)> = DEMO_CATEGORIES.iter().collect();
    // `count` published (or since closed) as the article counts them, and a few more still in
    // review or drafted.
    let unpublished = count / 25;
    (0..count + unpublished)
        .map(|n| {
            let team = (!teams.is_empty() && rng.random_bool(0.4)).then(|| rng.random_range(0..teams.len() as u32));
            let region = match team {
                Some(t) => teams[t as usize].region,
                None => rng.random_range(0..regions.len() as u32),
            };
            let (category, category_name) = **categories.choose(rng).unwrap_or(&&DEMO_CATEGORIES[0]);
            let starts_on = day_between(rng, start, as_of - Duration::days(30));
            let ends_on = starts_on + Duration::days(rng.random_range(60..=540));
            let state = match n {
                _ if n >= count => [ProjectState::Submitted, ProjectState::Submitted, ProjectState::Draft][n % 3],
                _ if ends_on < as_of => ProjectState::Closed,
                _ => ProjectState::Published,
            };
            let suffix = SUFFIXES.choose(rng).copied().unwrap_or("志愿服务");
            PlannedProject {
                region,
                team,
                category,
                title: format!("{}{category_name}{suffix}", regions[region as usize].name),
                starts_on,
                ends_on,
                state,
            }
        })
        .collect()
}

/// What an activity of a category is called and what kind it is.
fn activity_shape(rng: &mut StdRng, category: &str) -> (ActivityKind, &'static str) {
    use ActivityKind::{Lecture, Service};
    let (kind, titles): (ActivityKind, &[&str]) = match category {
        "theory_lecture" => (Lecture, &["党的创新理论宣讲", "政策进村入户宣讲", "百姓宣讲团进社区"]),
        "training" => (
            ActivityKind::Training,
            &["志愿者通用培训", "应急救护培训", "志愿服务骨干培训"],
        ),
        "field_class" => (
            ActivityKind::FieldClass,
            &["田间课堂：果树管理", "田间课堂：小麦病虫害防治", "农技专家下田头"],
        ),
        "science" => (Lecture, &["科普大篷车进村", "防范电信诈骗讲座", "健康知识讲座"]),
        "traffic_guidance" => (Service, &["十字路口文明劝导", "校门口护学岗", "节假日交通疏导"]),
        "environment" => (Service, &["河道垃圾清理", "村庄环境整治", "植树护绿"]),
        "health" => (Service, &["义诊进乡村", "量血压测血糖", "健康体检服务"]),
        "legal_aid" => (Service, &["法律咨询进村", "普法宣传", "矛盾纠纷调解"]),
        "holiday_care" => (Service, &["七彩假期课业辅导", "留守儿童陪伴", "暑期安全教育"]),
        "culture_to_countryside" => (Service, &["文艺演出下乡", "送春联进万家", "农家书屋读书会"]),
        _ => (Service, &["关爱空巢老人", "爱心助餐", "邻里互助"]),
    };
    (kind, titles.choose(rng).copied().unwrap_or("志愿服务"))
}

fn plan_activities<'p>(
    rng: &mut StdRng,
    projects: &[PlannedProject],
    minutes_target: i64,
    as_of: Date,
    pool_of: &impl Fn(u32) -> &'p Pool,
) -> (Vec<PlannedActivity>, Vec<Take>) {
    let running: Vec<u32> = (0..projects.len() as u32)
        .filter(|&p| projects[p as usize].state.was_published())
        .collect();
    let mut activities = Vec::new();
    let mut takes = Vec::new();
    let mut served = 0_i64;
    while served < minutes_target && !running.is_empty() {
        let p = *running.choose(rng).unwrap_or(&0);
        let project = &projects[p as usize];
        let day = day_between(rng, project.starts_on, project.ends_on.min(as_of - Duration::days(1)));
        let (kind, title) = activity_shape(rng, project.category);
        let minutes = *DURATIONS_MIN.choose(rng).unwrap_or(&240);
        let capacity = match kind {
            ActivityKind::Lecture => rng.random_range(3..=8),
            ActivityKind::Training => rng.random_range(20..=60),
            _ => rng.random_range(10..=40),
        };
        let first = takes.len();
        let mut taken = HashSet::new();
        let pool = pool_of(project.region);
        let attended = ((capacity as f64) * rng.random_range(0.55..=1.0)).ceil() as usize;
        for volunteer in pool.draw_distinct(rng, attended, &mut taken) {
            let early = minutes >= 180 && rng.random_bool(0.1);
            let counted = if early { minutes - 60 } else { minutes };
            served += counted;
            takes.push(Take {
                volunteer,
                outcome: Outcome::Served(counted, early),
            });
        }
        let room = capacity as usize - (takes.len() - first);
        for (outcome, chance) in [(Outcome::NoShow, 0.3), (Outcome::Cancelled, 0.3)] {
            if rng.random_bool(chance) && (room > 0 || matches!(outcome, Outcome::Cancelled)) {
                for volunteer in pool.draw_distinct(rng, 1, &mut taken) {
                    takes.push(Take { volunteer, outcome });
                }
            }
        }
        activities.push(PlannedActivity {
            project: p,
            kind,
            title,
            starts_at: china_time(day, *START_TIMES.choose(rng).unwrap_or(&(9, 0))),
            minutes,
            capacity,
            audience: (kind == ActivityKind::Lecture).then(|| rng.random_range(30..=300)),
            takes: first..takes.len(),
        });
    }
    // Activities still to come in the projects running on `as_of`, some places already held.
    for &p in &running {
        let project = &projects[p as usize];
        if project.state != ProjectState::Published || !rng.random_bool(0.5) {
            continue;
        }
        for _ in 0..rng.random_range(1..=2) {
            let last = project.ends_on.min(as_of + Duration::days(30));
            let day = day_between(rng, as_of + Duration::days(1), last);
            let (kind, title) = activity_shape(rng, project.category);
            let capacity = rng.random_range(10..=40);
            let first = takes.len();
            let holding = rng.random_range(0..=capacity as usize * 6 / 10);
            for volunteer in pool_of(project.region).draw_distinct(rng, holding, &mut HashSet::new()) {
                takes.push(Take {
                    volunteer,
                    outcome: Outcome::Holding,
                });
            }
            activities.push(PlannedActivity {
                project: p,
                kind,
                title,
                starts_at: china_time(day, *START_TIMES.choose(rng).unwrap_or(&(9, 0))),
                minutes: *DURATIONS_MIN.choose(rng).unwrap_or(&240),
                capacity,
                audience: None,
                takes: first..takes.len(),
            });
        }
    }
    (activities, takes)
}

/// The registration of the county's `index`-th volunteer, derived from the seed alone.
fn person(seed: u64, plan: &CountyPlan, index: usize, as_of: Date) -> RegistrationInput {
    let mut rng =
        StdRng::seed_from_u64(seed ^ ((plan.index as u64) << 40 | index as u64).wrapping_mul(0xA24B_AED4_963E_E407));
    let (county_code, _) = COUNTIES[plan.index];
    let (birth, sequence) = birth_and_sequence(seed, index as u64, as_of);
    let first17 = format!(
        "{county_code}{}{sequence:03}",
        birth
            .format(time::macros::format_description!("[year][month][day]"))
            .unwrap_or_default()
    );
    let id_number = format!(
        "{first17}{}",
        hongmajia_domain::identity::check_char(first17.as_bytes())
    );
    let minor = hongmajia_domain::person::age_on(birth, as_of) < 18;
    let name = full_name(&mut rng);
    let categories = (0..rng.random_range(1..=2))
        .filter_map(|_| DEMO_CATEGORIES.choose(&mut rng).map(|(_, zh)| (*zh).to_owned()))
        .collect::<HashSet<_>>();
    let skills = (0..rng.random_range(0..=2))
        .filter_map(|_| SKILLS.choose(&mut rng).map(|s| (*s).to_owned()))
        .collect::<HashSet<_>>();
    let sorted = |set: HashSet<String>| {
        let mut v: Vec<String> = set.into_iter().collect();
        v.sort();
        v
    };
    RegistrationInput {
        guardian_name: minor.then(|| format!("{}{}", &name[..3], GIVEN.choose(&mut rng).unwrap_or(&"明"))),
        guardian_consent: minor,
        name,
        gender: if sequence % 2 == 1 { "male" } else { "female" }.to_owned(),
        birth_date: birth.to_string(),
        id_type: None,
        id_number,
        phone: Some(phone_of(seed, plan.index, index)),
        region_code: plan.regions[plan.volunteers[index].home as usize].code.clone(),
        skills: sorted(skills),
        categories: sorted(categories),
        availability: AVAILABILITY.choose(&mut rng).copied().unwrap_or("").to_owned(),
        consent: true,
    }
}

fn full_name(rng: &mut StdRng) -> String {
    let surname = SURNAMES.choose(rng).copied().unwrap_or("王");
    let given: String = (0..rng.random_range(1..=2))
        .filter_map(|_| GIVEN.choose(rng).copied())
        .collect();
    format!("{surname}{given}")
}

/// The smallest multiplier from `start` that is coprime with `modulus`, so `i * k + offset`
/// mod `modulus` is a bijection: distinct indices give distinct values.
fn coprime_step(start: u64, modulus: u64) -> u64 {
    let gcd = |mut a: u64, mut b: u64| {
        while b != 0 {
            (a, b) = (b, a % b);
        }
        a
    };
    (start..).find(|&k| gcd(k, modulus) == 1).unwrap_or(1)
}

/// A birth date for ages 14 to 80 on `as_of` and a sequence number 1–998, distinct for every
/// index of a county (a bijection onto day × sequence slots).
fn birth_and_sequence(seed: u64, index: u64, as_of: Date) -> (Date, u16) {
    let youngest = years_before(as_of, 14);
    let oldest = years_before(as_of, 81) + Duration::days(1);
    let slots = (days(oldest, youngest) as u64 + 1) * 998;
    let step = coprime_step(1_000_003, slots);
    let slot = (index.wrapping_mul(step) + seed % slots) % slots;
    (oldest + Duration::days((slot / 998) as i64), (slot % 998) as u16 + 1)
}

fn years_before(day: Date, years: i32) -> Date {
    Date::from_calendar_date(day.year() - years, day.month(), day.day())
        .or_else(|_| Date::from_calendar_date(day.year() - years, day.month(), 28))
        .unwrap_or(day)
}

/// A mobile number distinct for every (county, index) and seed.
fn phone_of(seed: u64, county: usize, index: usize) -> String {
    const SPACE: u64 = 1_000_000_000;
    let key = county as u64 * 10_000_000 + index as u64;
    let n = (key.wrapping_mul(coprime_step(387_420_489, SPACE)) + seed % SPACE) % SPACE;
    format!("{}{:08}", PHONE_PREFIXES[(n / 100_000_000) as usize], n % 100_000_000)
}

/// A volunteer code distinct for every (county, index) and seed.
fn code_of(seed: u64, county: usize, index: usize) -> String {
    const SPACE: u64 = 100_000_000_000;
    let key = county as u64 * 10_000_000 + index as u64;
    let n = (key.wrapping_mul(coprime_step(48_271_000_007, SPACE)) + seed % SPACE) % SPACE;
    hongmajia_domain::person::volunteer_code(n)
}

/// Rows per transaction in the big stages.
const ROWS_PER_TX: usize = 20_000;

impl Services {
    /// Generates the city (or one county) at scale. Refuses when the demo city is there already.
    pub async fn load_scaled_demo(
        &self,
        options: &ScaleOptions,
        progress: &dyn Progress,
    ) -> anyhow::Result<ScaleSummary> {
        super::refuse_unless_empty(self).await?;
        progress.stage("planning", 1);
        let plans = plan(options)?;
        progress.advance(1);
        progress.finish();
        let mut sites = Vec::new();
        let (regions, accounts) = self.write_regions(&plans, options, progress, &mut sites).await?;
        let mut volunteer_ids = Vec::new();
        let stage_total = |f: &dyn Fn(&CountyPlan) -> usize| plans.iter().map(f).sum::<usize>() as u64;
        progress.stage("volunteers", stage_total(&|p| p.volunteers.len()));
        for (plan, _) in plans.iter().zip(&sites) {
            volunteer_ids.push(self.write_volunteers(plan, options, progress).await?);
        }
        progress.finish();
        progress.stage("teams", stage_total(&|p| p.teams.len()));
        let mut team_ids = Vec::new();
        for ((plan, sites), volunteers) in plans.iter().zip(&sites).zip(&volunteer_ids) {
            team_ids.push(self.write_teams(plan, sites, volunteers, progress).await?);
        }
        progress.finish();
        progress.stage(
            "projects and activities",
            stage_total(&|p| p.projects.len() + p.activities.len()),
        );
        let mut activity_ids = Vec::new();
        for ((plan, sites), teams) in plans.iter().zip(&sites).zip(&team_ids) {
            activity_ids.push(self.write_projects(plan, sites, teams, progress).await?);
        }
        progress.finish();
        progress.stage("sign-ups and records", stage_total(&|p| p.takes.len()));
        let mut signups = 0;
        let mut records = 0;
        for ((plan, volunteers), activities) in plans.iter().zip(&volunteer_ids).zip(&activity_ids) {
            let (s, r) = self.write_takes(plan, volunteers, activities, progress).await?;
            signups += s;
            records += r;
        }
        progress.finish();
        progress.stage("totals and figures", 1);
        self.recount_after_load(options).await?;
        super::mark_loaded(self).await?;
        progress.advance(1);
        progress.finish();
        let top = match &options.scope {
            Scope::City => CITY_CODE.to_owned(),
            Scope::County(code) => code.clone(),
        };
        let figures = self
            .region_figures(&top)
            .await
            .map_err(|e| anyhow::anyhow!("reading the figures: {e:?}"))?;
        Ok(ScaleSummary {
            accounts,
            regions,
            signups,
            records,
            figures,
        })
    }

    /// The city, the counties' trees, a site for each region below the city, and an admin for
    /// the city, each county and each township (villages' station admins are granted later).
    async fn write_regions(
        &self,
        plans: &[CountyPlan],
        options: &ScaleOptions,
        progress: &dyn Progress,
        sites: &mut Vec<Vec<SiteId>>,
    ) -> anyhow::Result<(usize, Vec<DemoAccount>)> {
        let total: usize = plans.iter().map(|p| p.regions.len()).sum::<usize>() + 1;
        progress.stage("regions, sites and staff", total as u64);
        let now = self.now();
        let parent_of = |code: &str| -> String {
            RegionCode::parse(code)
                .ok()
                .and_then(|c| c.parent())
                .map_or_else(String::new, |p| p.as_str().to_owned())
        };
        let mut new_regions = vec![(
            CITY_CODE.to_owned(),
            String::new(),
            CITY_NAME.to_owned(),
            RegionLevel::City,
        )];
        for plan in plans {
            for r in &plan.regions {
                new_regions.push((r.code.clone(), parent_of(&r.code), r.name.clone(), r.level));
            }
        }
        let rows: Vec<NewRegion<'_>> = new_regions
            .iter()
            .map(|(code, parent, name, level)| NewRegion {
                code,
                parent_code: Some(parent.as_str()).filter(|p| !p.is_empty()),
                name,
                level: level.as_str(),
                at: now,
            })
            .collect();
        let mut people = StdRng::seed_from_u64(options.seed ^ 0x5eed_cafe);
        let mut site_rows = Vec::new();
        for plan in plans {
            let ids: Vec<SiteId> = plan.regions.iter().map(|_| new_id()).collect();
            for (r, id) in plan.regions.iter().zip(&ids) {
                site_rows.push((
                    *id,
                    r.code.clone(),
                    r.level.site_kind().map_or("station", |k| k.as_str()),
                    super::site_name(&r.code, &r.name),
                    super::site_address(&r.name),
                    person_name(&mut people),
                ));
            }
            sites.push(ids);
        }
        let site_refs: Vec<load::NewSite<'_>> = site_rows
            .iter()
            .map(|(id, code, kind, name, address, secretary)| {
                (
                    *id,
                    code.as_str(),
                    *kind,
                    name.as_str(),
                    address.as_str(),
                    secretary.as_str(),
                    now,
                )
            })
            .collect();
        let mut tx = self.db.begin().await.context("starting the regions")?;
        load::insert_regions(&mut tx, &rows)
            .await
            .context("storing the regions")?;
        load::insert_sites(&mut tx, &site_refs)
            .await
            .context("founding the sites")?;
        let what = event!("demo.regions", regions = rows.len(), sites = site_refs.len());
        self.audit_load(&mut tx, Action::RegionCreate, what).await?;
        tx.commit().await.context("committing the regions")?;
        progress.advance(total as u64);
        let mut accounts = Vec::new();
        let mut phones = HashSet::new();
        for (code, _, name, level) in new_regions.iter().filter(|r| r.3 != RegionLevel::Village) {
            let region = (code.as_str(), name.as_str(), *level);
            accounts.push(super::make_admin(self, region, &mut people, &mut phones).await?);
        }
        progress.finish();
        Ok((new_regions.len(), accounts))
    }

    async fn audit_load(&self, tx: &mut hongmajia_store::Tx, action: Action, event: Event) -> anyhow::Result<()> {
        let change = Change {
            action,
            target_kind: "demo",
            target_id: "scale".to_owned(),
            region: None,
            event,
        };
        audit::record(tx, &Actor::System, self.now(), change)
            .await
            .map_err(|e| anyhow::anyhow!("auditing the load: {e:?}"))
    }

    /// Accounts (no password: volunteers log in by SMS code), the volunteer role and the
    /// registrations, checked by the same rules as an import. Returns the volunteers' ids.
    async fn write_volunteers(
        &self,
        plan: &CountyPlan,
        options: &ScaleOptions,
        progress: &dyn Progress,
    ) -> anyhow::Result<Vec<VolunteerId>> {
        let mut ids = Vec::with_capacity(plan.volunteers.len());
        let indices: Vec<usize> = (0..plan.volunteers.len()).collect();
        for chunk in indices.chunks(ROWS_PER_TX / 4) {
            let mut rows = Vec::with_capacity(chunk.len());
            let mut phones = Vec::with_capacity(chunk.len());
            for &i in chunk {
                let input = person(options.seed, plan, i, options.as_of);
                let checked = check(&input, options.as_of, Source::Import)
                    .map_err(|e| anyhow::anyhow!("generated volunteer {i} of {} fails the rules: {e:?}", plan.index))?;
                let phone = hongmajia_domain::Phone::parse(input.phone.as_deref().unwrap_or(""))
                    .map_err(|e| anyhow::anyhow!("generated phone: {e:?}"))?;
                let sealed = self.seal_phone(&phone).map_err(|e| anyhow::anyhow!("{e:?}"))?;
                let id_lookup = self.id_lookup(&checked.id);
                let registered = china_time(plan.volunteers[i].registered, (10, 0));
                let account = new_id();
                let row = self
                    .registration_row(
                        &checked,
                        &sealed,
                        &id_lookup,
                        Some(account),
                        "import",
                        code_of(options.seed, plan.index, i),
                    )
                    .map_err(|e| anyhow::anyhow!("{e:?}"))?
                    .registered_at(registered);
                rows.push(row);
                phones.push((account, sealed));
            }
            let stored: Vec<(AccountId, StoredPhone<'_>)> = phones.iter().map(|(id, p)| (*id, p.stored())).collect();
            let account_ids: Vec<AccountId> = phones.iter().map(|(id, _)| *id).collect();
            let new_rows: Vec<_> = rows.iter().map(|r| r.as_new()).collect();
            let mut tx = self.db.begin().await.context("starting volunteers")?;
            bulk::insert_accounts(&mut tx, &stored, self.now())
                .await
                .context("storing accounts")?;
            bulk::insert_roles(
                &mut tx,
                &account_ids,
                hongmajia_domain::Role::Volunteer.as_str(),
                self.now(),
            )
            .await
            .context("giving the volunteer role")?;
            bulk::insert_volunteers(&mut tx, &new_rows)
                .await
                .context("storing volunteers")?;
            tx.commit().await.context("committing volunteers")?;
            ids.extend(rows.iter().map(|r| r.id));
            progress.advance(chunk.len() as u64);
        }
        let mut tx = self.db.begin().await.context("auditing volunteers")?;
        let what = event!("demo.volunteers", count = ids.len(), county = COUNTIES[plan.index].1);
        self.audit_load(&mut tx, Action::VolunteerRegister, what).await?;
        tx.commit().await.context("committing the audit")?;
        Ok(ids)
    }

    async fn write_teams(
        &self,
        plan: &CountyPlan,
        sites: &[SiteId],
        volunteers: &[VolunteerId],
        progress: &dyn Progress,
    ) -> anyhow::Result<Vec<TeamId>> {
        let ids: Vec<TeamId> = plan.teams.iter().map(|_| new_id()).collect();
        let descriptions: Vec<String> = plan
            .teams
            .iter()
            .map(|t| format!("{}，常年开展志愿服务。", t.name))
            .collect();
        let rows: Vec<NewTeam<'_>> = plan
            .teams
            .iter()
            .zip(&ids)
            .zip(&descriptions)
            .map(|((t, id), description)| NewTeam {
                id: *id,
                site_id: sites[t.region as usize],
                region_code: &plan.regions[t.region as usize].code,
                name: &t.name,
                kind: t.kind,
                specialty: t.specialty,
                categories: "",
                description,
                state: TeamState::Active,
                applied_by: None,
                at: china_time(t.founded, (10, 0)),
            })
            .collect();
        let members: Vec<load::NewMember> = plan
            .teams
            .iter()
            .zip(&ids)
            .flat_map(|(t, id)| {
                let since = china_time(t.founded, (10, 0));
                t.members.iter().enumerate().map(move |(k, &m)| {
                    (
                        *id,
                        volunteers[m as usize],
                        if k == 0 { TeamRole::Leader } else { TeamRole::Member },
                        since,
                    )
                })
            })
            .collect();
        let mut tx = self.db.begin().await.context("starting teams")?;
        load::insert_teams(&mut tx, &rows).await.context("storing teams")?;
        load::insert_members(&mut tx, &members)
            .await
            .context("storing members")?;
        let what = event!("demo.teams", count = ids.len(), county = COUNTIES[plan.index].1);
        self.audit_load(&mut tx, Action::TeamCreate, what).await?;
        tx.commit().await.context("committing teams")?;
        progress.advance(ids.len() as u64);
        Ok(ids)
    }

    /// Projects, then their activities. Returns the activities' ids.
    async fn write_projects(
        &self,
        plan: &CountyPlan,
        sites: &[SiteId],
        teams: &[TeamId],
        progress: &dyn Progress,
    ) -> anyhow::Result<Vec<ActivityId>> {
        let project_ids: Vec<ProjectId> = plan.projects.iter().map(|_| new_id()).collect();
        let descriptions: Vec<String> = plan
            .projects
            .iter()
            .map(|p| format!("{}，面向群众常态化开展。", p.title))
            .collect();
        let rows: Vec<(NewProject<'_>, ProjectState)> = plan
            .projects
            .iter()
            .zip(&project_ids)
            .zip(&descriptions)
            .map(|((p, id), description)| {
                let row = NewProject {
                    id: *id,
                    site_id: sites[p.region as usize],
                    team_id: p.team.map(|t| teams[t as usize]),
                    region_code: &plan.regions[p.region as usize].code,
                    title: &p.title,
                    category: p.category,
                    description,
                    starts_on: p.starts_on,
                    ends_on: p.ends_on,
                    created_by: None,
                    at: china_time(p.starts_on - Duration::days(7), (10, 0)),
                };
                (row, p.state)
            })
            .collect();
        let mut tx = self.db.begin().await.context("starting projects")?;
        load::insert_projects(&mut tx, &rows)
            .await
            .context("storing projects")?;
        let what = event!("demo.projects", count = rows.len(), county = COUNTIES[plan.index].1);
        self.audit_load(&mut tx, Action::ProjectEdit, what).await?;
        tx.commit().await.context("committing projects")?;
        progress.advance(rows.len() as u64);

        let activity_ids: Vec<ActivityId> = plan.activities.iter().map(|_| new_id()).collect();
        let addresses: Vec<String> = plan.regions.iter().map(|r| super::site_address(&r.name)).collect();
        for (chunk, ids) in plan
            .activities
            .chunks(ROWS_PER_TX / 2)
            .zip(activity_ids.chunks(ROWS_PER_TX / 2))
        {
            let rows: Vec<(NewActivity<'_>, i64, Option<i64>)> = chunk
                .iter()
                .zip(ids)
                .map(|(a, id)| {
                    let project = &plan.projects[a.project as usize];
                    let holders = plan.takes[a.takes.clone()]
                        .iter()
                        .filter(|t| matches!(t.outcome, Outcome::Served(..) | Outcome::NoShow | Outcome::Holding))
                        .count() as i64;
                    let row = NewActivity {
                        id: *id,
                        project_id: project_ids[a.project as usize],
                        region_code: &plan.regions[project.region as usize].code,
                        title: a.title,
                        address: &addresses[project.region as usize],
                        starts_at: a.starts_at,
                        ends_at: a.starts_at + Duration::minutes(a.minutes),
                        signup_opens_at: a.starts_at - Duration::days(14),
                        signup_closes_at: a.starts_at,
                        capacity: a.capacity,
                        waitlist_size: 0,
                        risk_notice: "",
                        min_age: 0,
                        team_only: false,
                        point: None,
                        geofence_m: None,
                        kind: a.kind,
                        requires_approval: false,
                        counting: hongmajia_domain::hours::CountingRule::default(),
                        insured: a.kind == ActivityKind::Service,
                        required_skills: "",
                        checkin_opens_min: 30,
                        at: a.starts_at - Duration::days(15),
                    };
                    (row, holders, a.audience)
                })
                .collect();
            let mut tx = self.db.begin().await.context("starting activities")?;
            load::insert_activities(&mut tx, &rows)
                .await
                .context("storing activities")?;
            tx.commit().await.context("committing activities")?;
            progress.advance(rows.len() as u64);
        }
        Ok(activity_ids)
    }

    /// Sign-ups, and for those who served their attendance and their record with both
    /// versions (pending at check-out, confirmed by the organizer the next day). Returns
    /// (sign-ups, records).
    async fn write_takes(
        &self,
        plan: &CountyPlan,
        volunteers: &[VolunteerId],
        activities: &[ActivityId],
        progress: &dyn Progress,
    ) -> anyhow::Result<(u64, u64)> {
        let (mut signups_written, mut records_written) = (0, 0);
        let mut start = 0;
        while start < plan.activities.len() {
            let mut end = start;
            let mut rows = 0;
            while end < plan.activities.len() && rows < ROWS_PER_TX {
                rows += plan.activities[end].takes.len();
                end += 1;
            }
            let mut signups = Vec::with_capacity(rows);
            let mut attendances = Vec::new();
            let mut records = Vec::new();
            let mut versions = Vec::new();
            for (a, activity_id) in plan.activities[start..end].iter().zip(&activities[start..end]) {
                let region = &plan.regions[plan.projects[a.project as usize].region as usize].code;
                let ends_at = a.starts_at + Duration::minutes(a.minutes);
                for (k, take) in plan.takes[a.takes.clone()].iter().enumerate() {
                    let signup_id = new_id();
                    let volunteer_id = volunteers[take.volunteer as usize];
                    let made = a.starts_at - Duration::hours(24 * (1 + (k as i64 % 9)));
                    let state = match take.outcome {
                        Outcome::Served(..) => SignupState::Attended,
                        Outcome::NoShow => SignupState::NoShow,
                        Outcome::Cancelled => SignupState::Cancelled,
                        Outcome::Holding => SignupState::Confirmed,
                    };
                    signups.push((signup_id, *activity_id, volunteer_id, state, made));
                    let Outcome::Served(minutes, early) = take.outcome else {
                        continue;
                    };
                    let checked_in = a.starts_at - Duration::minutes(k as i64 % 25);
                    let checked_out = if early {
                        ends_at - Duration::hours(1)
                    } else {
                        ends_at + Duration::minutes(k as i64 % 10)
                    };
                    attendances.push(load::NewAttendance {
                        signup_id,
                        activity_id: *activity_id,
                        volunteer_id,
                        checked_in: (checked_in, if k % 5 == 0 { "code" } else { "qr" }),
                        checked_out: (checked_out, "qr"),
                    });
                    let record_id = new_id();
                    let confirmed = ends_at + Duration::days(1);
                    records.push((
                        NewRecord {
                            id: record_id,
                            volunteer_id,
                            activity_id: *activity_id,
                            region_code: region,
                            source: RecordSource::Checkin,
                            state: RecordState::Confirmed,
                            minutes,
                            evidence_id: None,
                            entered_by: None,
                            at: checked_out,
                        },
                        2,
                        confirmed,
                    ));
                    versions.push((
                        record_id,
                        1,
                        version(
                            VersionAction::Entered,
                            RecordState::Pending,
                            minutes,
                            "check-out",
                            None,
                            checked_out,
                        ),
                    ));
                    versions.push((
                        record_id,
                        2,
                        version(
                            VersionAction::Confirm,
                            RecordState::Confirmed,
                            minutes,
                            "confirmed",
                            Some("system"),
                            confirmed,
                        ),
                    ));
                }
            }
            let mut tx = self.db.begin().await.context("starting records")?;
            load::insert_signups(&mut tx, &signups)
                .await
                .context("storing sign-ups")?;
            load::insert_attendances(&mut tx, &attendances)
                .await
                .context("storing attendance")?;
            load::insert_records(&mut tx, &records, &versions)
                .await
                .context("storing records")?;
            tx.commit().await.context("committing records")?;
            signups_written += signups.len() as u64;
            records_written += records.len() as u64;
            progress.advance(rows as u64);
            start = end;
        }
        let mut tx = self.db.begin().await.context("auditing records")?;
        let what = event!("demo.records", count = records_written, county = COUNTIES[plan.index].1);
        self.audit_load(&mut tx, Action::RecordReview, what).await?;
        tx.commit().await.context("committing the audit")?;
        Ok((signups_written, records_written))
    }

    /// Volunteers' confirmed totals and every region's figures, counted once from what was stored.
    async fn recount_after_load(&self, options: &ScaleOptions) -> anyhow::Result<()> {
        let mut tx = self.db.begin().await.context("starting the totals")?;
        load::confirmed_minutes_recount(&mut tx)
            .await
            .context("volunteers' totals")?;
        tx.commit().await.context("committing the totals")?;
        self.rebuild_figures(false)
            .await
            .map_err(|e| anyhow::anyhow!("recounting the figures: {e:?}"))?;
        tracing::info!(seed = options.seed, as_of = %options.as_of, "scaled demo loaded");
        Ok(())
    }
}

fn version<'a>(
    action: VersionAction,
    state: RecordState,
    minutes: i64,
    reason: &'a str,
    approved_by: Option<&'a str>,
    at: OffsetDateTime,
) -> Version<'a> {
    Version {
        action,
        state,
        minutes,
        adjusted_from: None,
        reason,
        requested_by: "system",
        approved_by,
        written_by: None,
        at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn options(seed: u64, scope: Scope) -> ScaleOptions {
        ScaleOptions {
            seed,
            as_of: time::macros::date!(2026 - 11 - 01),
            scope,
            targets: Targets::YUNCHENG.divided_by(400),
        }
    }

    fn fingerprint(plans: &[CountyPlan]) -> Vec<(String, usize, usize, usize, i64)> {
        plans
            .iter()
            .flat_map(|p| {
                let minutes: i64 = p
                    .takes
                    .iter()
                    .map(|t| if let Outcome::Served(m, _) = t.outcome { m } else { 0 })
                    .sum();
                p.regions.iter().map(move |r| {
                    (
                        r.name.clone(),
                        p.volunteers.len(),
                        p.teams.len(),
                        p.activities.len(),
                        minutes,
                    )
                })
            })
            .collect()
    }

    #[test]
    fn shares_add_up_to_the_total_in_proportion() {
        for total in [0, 1, 13, 150, 3_189, 859_000] {
            let s = shares(total);
            assert_eq!(s.iter().sum::<u64>(), total);
        }
        let s = shares(859_000);
        assert!(s[0] > s[7], "盐湖区 is larger than 垣曲县");
    }

    #[test]
    fn the_same_seed_plans_the_same_city_and_another_seed_another() {
        let a = plan(&options(3, Scope::City)).unwrap();
        let b = plan(&options(3, Scope::City)).unwrap();
        let c = plan(&options(4, Scope::City)).unwrap();
        assert_eq!(fingerprint(&a), fingerprint(&b));
        assert_ne!(fingerprint(&a), fingerprint(&c));
    }

    #[test]
    fn a_county_alone_is_planned_as_in_the_city() {
        let city = plan(&options(5, Scope::City)).unwrap();
        let county = plan(&options(5, Scope::County("140824".into()))).unwrap();
        let jishan: Vec<_> = city.into_iter().filter(|p| COUNTIES[p.index].0 == "140824").collect();
        assert_eq!(fingerprint(&jishan), fingerprint(&county));
        assert!(plan(&options(5, Scope::County("110101".into()))).is_err());
    }

    #[test]
    fn planned_hours_reach_the_target_and_nobody_serves_before_registering() {
        let o = options(9, Scope::City);
        let plans = plan(&o).unwrap();
        let mut minutes = 0;
        for p in &plans {
            for a in &p.activities {
                for t in &p.takes[a.takes.clone()] {
                    if let Outcome::Served(m, _) = t.outcome {
                        minutes += m;
                        assert!(p.volunteers[t.volunteer as usize].registered < a.starts_at.to_offset(CHINA).date());
                        assert!(a.starts_at.date() <= o.as_of);
                    }
                }
            }
        }
        let target = o.targets.service_hours as i64 * 60;
        assert!(
            minutes >= target && minutes < target + 13 * 60 * 8 * 60,
            "{minutes} vs {target}"
        );
        let volunteers: usize = plans.iter().map(|p| p.volunteers.len()).sum();
        assert_eq!(volunteers as u64, o.targets.volunteers);
        let published = plans
            .iter()
            .flat_map(|p| &p.projects)
            .filter(|p| p.state.was_published())
            .count();
        assert_eq!(published as u64, o.targets.projects);
        let teams: usize = plans.iter().map(|p| p.teams.len()).sum();
        assert_eq!(teams as u64, o.targets.teams);
    }

    #[test]
    fn generated_people_pass_the_registration_rules_with_unique_numbers_phones_and_codes() {
        let o = options(11, Scope::County("140802".into()));
        let plans = plan(&o).unwrap();
        let p = &plans[0];
        let (mut ids, mut phones, mut codes) = (HashSet::new(), HashSet::new(), HashSet::new());
        for i in 0..p.volunteers.len() {
            let input = person(o.seed, p, i, o.as_of);
            check(&input, o.as_of, Source::Import).unwrap();
            assert!(input.id_number.starts_with("140802"));
            let age = hongmajia_domain::person::age_on(checked_birth(&input), o.as_of);
            assert!((14..=80).contains(&age), "{age}");
            assert!(ids.insert(input.id_number.clone()));
            assert!(phones.insert(input.phone.clone()));
            assert!(codes.insert(code_of(o.seed, p.index, i)));
        }
        let genders: HashSet<String> = (0..p.volunteers.len())
            .map(|i| person(o.seed, p, i, o.as_of).gender)
            .collect();
        assert_eq!(genders.len(), 2);
    }

    fn checked_birth(input: &RegistrationInput) -> Date {
        Date::parse(
            &input.birth_date,
            time::macros::format_description!("[year]-[month]-[day]"),
        )
        .unwrap()
    }

    proptest! {
        #[test]
        fn birth_slots_are_distinct_and_in_range(seed in any::<u64>(), a in 0u64..2_000_000, b in 0u64..2_000_000) {
            let as_of = time::macros::date!(2026 - 02 - 28);
            let (da, sa) = birth_and_sequence(seed, a, as_of);
            let (db, sb) = birth_and_sequence(seed, b, as_of);
            prop_assert_eq!(a == b, (da, sa) == (db, sb));
            let age = hongmajia_domain::person::age_on(da, as_of);
            prop_assert!((14..=80).contains(&age));
            prop_assert!((1..=998).contains(&sa));
        }

        #[test]
        fn phones_and_codes_are_distinct(seed in any::<u64>(), a in 0usize..200_000, b in 0usize..200_000, ca in 0usize..13, cb in 0usize..13) {
            prop_assert_eq!((ca, a) == (cb, b), phone_of(seed, ca, a) == phone_of(seed, cb, b));
            prop_assert_eq!((ca, a) == (cb, b), code_of(seed, ca, a) == code_of(seed, cb, b));
        }
    }
}
