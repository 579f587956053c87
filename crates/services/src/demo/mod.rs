//! The small demo city: Yuncheng with its 13 real county-level divisions, generated townships
//! and villages, a practice site for each, a city admin and one admin per site. Everything goes
//! through the same service calls as the API, as the operator `system`, so it is audited.
//! Same seed → same regions, names and phones; passwords are random and printed once.

pub mod city;

use crate::{ServiceResult, Services};
use anyhow::Context;
use hongmajia_domain::{Actor, Password, RegionLevel, Role};
use hongmajia_store::{Tx, marks};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use std::collections::HashSet;

pub const CITY_CODE: &str = "140800";
pub const CITY_NAME: &str = "运城市";

/// The 13 county-level divisions of Yuncheng (mission.md).
pub const COUNTIES: [(&str, &str); 13] = [
    ("140802", "盐湖区"),
    ("140821", "临猗县"),
    ("140822", "万荣县"),
    ("140823", "闻喜县"),
    ("140824", "稷山县"),
    ("140825", "新绛县"),
    ("140826", "绛县"),
    ("140827", "垣曲县"),
    ("140828", "夏县"),
    ("140829", "平陆县"),
    ("140830", "芮城县"),
    ("140881", "永济市"),
    ("140882", "河津市"),
];

const PLACE_SYLLABLES: [&str; 40] = [
    "清", "河", "东", "西", "南", "北", "安", "平", "兴", "和", "丰", "乐", "新", "龙", "凤", "泉", "石", "柳", "杨",
    "李", "王", "张", "高", "桥", "坡", "原", "庄", "堡", "湾", "寨", "明", "阳", "春", "翟", "化", "峪", "城", "太",
    "宁", "吉",
];
const SURNAMES: [&str; 20] = [
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林", "何", "郭", "马",
    "罗",
];
const GIVEN: [&str; 24] = [
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "霞", "平",
    "刚", "堃", "玥", "珺", "桂英",
];

#[derive(Debug, Clone)]
pub struct DemoOptions {
    pub seed: u64,
    pub as_of: time::Date,
}

/// One account the demo made, with its password (shown once, never stored in clear).
#[derive(Debug, Clone)]
pub struct DemoAccount {
    pub role: Role,
    pub region_code: String,
    pub region_name: String,
    pub display_name: String,
    pub phone: String,
    pub password: String,
}

#[derive(Debug, Clone, Default)]
pub struct DemoSummary {
    pub regions: usize,
    pub sites: usize,
    pub accounts: Vec<DemoAccount>,
    /// Upcoming activities of a published project of Jishan's center.
    pub activities: usize,
}

/// A region to be made, with the admin role its site gets.
struct PlannedRegion {
    code: String,
    name: String,
}

/// The mark the demo leaves in the database it made.
const DEMO_MARK: &str = "demo";

/// Whether this database was made by the demo (its mark, written when a demo finished loading).
pub async fn is_loaded(services: &Services) -> ServiceResult<bool> {
    let mut tx: Tx = services.db.read().await.context("starting a read")?;
    Ok(marks::has(&mut tx, DEMO_MARK)
        .await
        .context("looking for the demo's mark")?)
}

/// Whether the database holds nothing yet (no region, no account).
pub async fn is_empty(services: &Services) -> ServiceResult<bool> {
    let mut tx: Tx = services.db.read().await.context("starting a read")?;
    Ok(marks::is_empty(&mut tx).await.context("looking for any data")?)
}

/// Refuses to load a demo into a database that holds the demo, or anything else.
async fn refuse_unless_empty(services: &Services) -> anyhow::Result<()> {
    if is_loaded(services).await? {
        anyhow::bail!("this database already holds the demo city ({CITY_NAME} {CITY_CODE}); nothing was changed");
    }
    if !is_empty(services).await? {
        anyhow::bail!(
            "this database already holds data that is not the demo's; the demo loads only into an empty database; nothing was changed"
        );
    }
    Ok(())
}

/// Marks the database as the demo's, once everything is loaded.
async fn mark_loaded(services: &Services) -> anyhow::Result<()> {
    let mut tx: Tx = services.db.begin().await.context("starting the demo's mark")?;
    marks::set(&mut tx, DEMO_MARK, services.now())
        .await
        .context("writing the demo's mark")?;
    tx.commit().await.context("committing the demo's mark")
}

/// Plans the tree from the seed alone, so the same seed always gives the same tree.
fn plan(seed: u64) -> Vec<PlannedRegion> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut planned = vec![PlannedRegion {
        code: CITY_CODE.to_owned(),
        name: CITY_NAME.to_owned(),
    }];
    for (county_code, county_name) in COUNTIES {
        planned.push(PlannedRegion {
            code: county_code.to_owned(),
            name: county_name.to_owned(),
        });
        let mut used = HashSet::new();
        for town in 1..=rng.random_range(3..=5) {
            let town_code = format!("{county_code}{town:03}");
            let suffix = if town == 1 {
                "街道"
            } else {
                ["镇", "乡"][rng.random_range(0..2)]
            };
            let name = unique_place_name(&mut rng, &mut used, suffix);
            planned.push(PlannedRegion {
                code: town_code.clone(),
                name,
            });
            for village in 1..=rng.random_range(3..=5) {
                let suffix = if town == 1 { "社区" } else { "村" };
                let name = unique_place_name(&mut rng, &mut used, suffix);
                planned.push(PlannedRegion {
                    code: format!("{town_code}{village:03}"),
                    name,
                });
            }
        }
    }
    planned
}

fn unique_place_name(rng: &mut StdRng, used: &mut HashSet<String>, suffix: &str) -> String {
    loop {
        let first = PLACE_SYLLABLES.choose(rng).copied().unwrap_or("清");
        let second = PLACE_SYLLABLES.choose(rng).copied().unwrap_or("河");
        let name = format!("{first}{second}{suffix}");
        if first != second && used.insert(name.clone()) {
            return name;
        }
    }
}

fn person_name(rng: &mut StdRng) -> String {
    let surname = SURNAMES.choose(rng).copied().unwrap_or("王");
    let given = GIVEN.choose(rng).copied().unwrap_or("伟");
    format!("{surname}{given}")
}

fn unique_phone(rng: &mut StdRng, used: &mut HashSet<String>) -> String {
    loop {
        let phone = format!(
            "13{}{:08}",
            rng.random_range(5..=9),
            rng.random_range(0..100_000_000u32)
        );
        if used.insert(phone.clone()) {
            return phone;
        }
    }
}

/// A random password that passes the password rules (hex from the OS random source).
fn random_password() -> anyhow::Result<String> {
    loop {
        let candidate = crate::auth::random_token()?[..16].to_owned();
        if Password::parse(&candidate).is_ok() {
            return Ok(candidate);
        }
    }
}

fn site_name(code: &str, region_name: &str) -> String {
    let kind = match hongmajia_domain::RegionCode::parse(code).map(|c| c.level()) {
        Ok(RegionLevel::County) => "新时代文明实践中心",
        Ok(RegionLevel::Township) => "新时代文明实践所",
        _ => "新时代文明实践站",
    };
    format!("{region_name}{kind}")
}

/// Where a region's practice site is: its Party-and-people service center.
fn site_address(region_name: &str) -> String {
    format!("{region_name}党群服务中心")
}

/// The admin of a region (code, name, level): a generated name and phone, a random password,
/// granted as the operator `system` (audited).
async fn make_admin(
    services: &Services,
    (code, name, level): (&str, &str, RegionLevel),
    people: &mut StdRng,
    phones: &mut HashSet<String>,
) -> anyhow::Result<DemoAccount> {
    let account = DemoAccount {
        role: Role::admin_of(level),
        region_code: code.to_owned(),
        region_name: name.to_owned(),
        display_name: person_name(people),
        phone: unique_phone(people, phones),
        password: random_password()?,
    };
    let user = crate::accounts::UserInput {
        phone: account.phone.clone(),
        role: account.role.as_str().to_owned(),
        region_code: Some(account.region_code.clone()),
        display_name: Some(account.display_name.clone()),
        password: Some(account.password.clone()),
        id_number: Some(admin_id_number(phones.len(), people)),
    };
    services
        .create_user(&user)
        .await
        .with_context(|| format!("creating the admin of {code}"))?;
    Ok(account)
}

/// A valid resident ID number for the `index`-th admin, unique among the admins (one birthday
/// each) and never a generated volunteer's (whose numbers begin with their county's code).
fn admin_id_number(index: usize, people: &mut StdRng) -> String {
    let birth = time::macros::date!(1965 - 01 - 01) + time::Duration::days(index as i64 * 3);
    let first17 = format!(
        "140800{}{:03}",
        birth
            .format(time::macros::format_description!("[year][month][day]"))
            .unwrap_or_default(),
        people.random_range(0..1000)
    );
    format!(
        "{first17}{}",
        hongmajia_domain::identity::check_char(first17.as_bytes())
    )
}

/// Loads the small demo city. Refuses when the city is already there.
pub async fn load_small(services: &Services, options: &DemoOptions) -> anyhow::Result<DemoSummary> {
    refuse_unless_empty(services).await?;
    let system = Actor::System;
    let mut people = StdRng::seed_from_u64(options.seed ^ 0x5eed_cafe);
    let mut phones = HashSet::new();
    let mut summary = DemoSummary::default();
    for region in plan(options.seed) {
        let created = services
            .create_region(&system, &region.code, &region.name)
            .await
            .with_context(|| format!("creating region {}", region.code))?;
        summary.regions += 1;
        if created.level != RegionLevel::City {
            let input = crate::sites::SiteInput {
                name: site_name(&region.code, &region.name),
                address: site_address(&region.name),
                secretary: person_name(&mut people),
            };
            services
                .create_site(&system, &region.code, &input)
                .await
                .with_context(|| format!("founding the site of {}", region.code))?;
            summary.sites += 1;
        }
        let region = (region.code.as_str(), region.name.as_str(), created.level);
        let account = make_admin(services, region, &mut people, &mut phones).await?;
        summary.accounts.push(account);
    }
    summary.activities = demo_activities(services, options.as_of).await?;
    mark_loaded(services).await?;
    Ok(summary)
}

/// A published project of Jishan's center with a few activities in the days after `as_of`, so
/// the activity pages have something to sign up for (the dated city-scale data is issue 5's).
async fn demo_activities(services: &Services, as_of: time::Date) -> anyhow::Result<usize> {
    use hongmajia_domain::project::ProjectEvent;
    let system = Actor::System;
    let site = services
        .region(&system, "140824")
        .await
        .context("finding Jishan")?
        .site
        .context("Jishan has its center")?
        .id;
    let project = crate::projects::ProjectInput {
        team_id: None,
        site_id: Some(site),
        title: "文明交通劝导".into(),
        category: "traffic_guidance".into(),
        description: "节假日在县城主要路口劝导文明出行。".into(),
        starts_on: as_of.to_string(),
        ends_on: (as_of + time::Duration::days(180)).to_string(),
    };
    let project = services
        .create_project(&system, &project)
        .await
        .context("the demo project")?
        .id;
    for event in [ProjectEvent::Submit, ProjectEvent::Approve] {
        services
            .move_project(&system, project, event, None)
            .await
            .context("publishing the demo project")?;
    }
    let plans = [
        (2, "十字路口文明劝导", "service", 20, ""),
        (5, "文明交通进校园宣讲", "lecture", 10, ""),
        (
            9,
            "国道路口安全值守",
            "service",
            30,
            "路口车流量大，请穿反光背心，听从交警指挥。",
        ),
    ];
    let format = time::format_description::well_known::Rfc3339;
    for (days, title, kind, capacity, risk) in plans {
        let starts = (as_of + time::Duration::days(days))
            .with_time(time::macros::time!(09:00))
            .assume_offset(hongmajia_domain::calendar::CHINA);
        let at = |t: time::OffsetDateTime| t.format(&format).unwrap_or_default();
        let input: crate::activities::ActivityInput = serde_json::from_value(serde_json::json!({
            "project_id": project, "title": title, "kind": kind, "capacity": capacity, "risk_notice": risk,
            "address": "稷山县城稷峰路与育才街交叉口",
            "starts_at": at(starts), "ends_at": at(starts + time::Duration::hours(2)),
            "signup_opens_at": at(starts - time::Duration::days(14)), "signup_closes_at": at(starts),
        }))
        .context("a demo activity")?;
        services
            .create_activity(&system, &input)
            .await
            .with_context(|| format!("the demo activity {title}"))?;
    }
    Ok(plans.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_plans_the_same_city_and_another_seed_another() {
        let names = |seed| plan(seed).into_iter().map(|r| (r.code, r.name)).collect::<Vec<_>>();
        assert_eq!(names(7), names(7));
        assert_ne!(names(7), names(8));
    }

    #[test]
    fn every_county_gets_three_to_five_townships_of_three_to_five_villages() {
        let planned = plan(42);
        for (county, _) in COUNTIES {
            let towns: Vec<_> = planned
                .iter()
                .filter(|r| r.code.len() == 9 && r.code.starts_with(county))
                .collect();
            assert!((3..=5).contains(&towns.len()), "{county}");
            for town in towns {
                let villages = planned
                    .iter()
                    .filter(|r| r.code.len() == 12 && r.code.starts_with(&town.code))
                    .count();
                assert!((3..=5).contains(&villages), "{}", town.code);
            }
        }
    }
}
