//! Every action of the access policy × every role × a target inside and outside the actor's
//! area, over HTTP, asserting the status of every cell. The list of actions is the domain's own
//! `Action::ALL` (every variant, by construction), and `call_for` matches on it exhaustively, so
//! a new action cannot be left out.
//!
//! The oracle is written here, independently of the policy code: admins act where their
//! region's code is a prefix of the target's (a city by its first four digits); volunteers and
//! citizens get 403 for staff work; a team's leader and admin run the members of their own team
//! and of no other (and run its activities); admins name, remove, disable and reset admins only
//! below their own level (a station admin no one); the anonymous get 401; out-of-area answers are
//! 404.

use crate::helpers::ProjectOwner;
use crate::helpers::{TestApp, TestUser, engine_name, registered_volunteer, registration, resident_id};
use hongmajia_domain::team::TeamRole;
use hongmajia_domain::{Action, Actor, Role, TeamId, VolunteerId};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Who {
    Staff(Role, &'static str),
    Person(Role),
    /// A volunteer holding this role in the team of the first target village.
    Team(TeamRole),
    Anonymous,
}

const WHO: [Who; 9] = [
    Who::Staff(Role::CityAdmin, "140800"),
    Who::Staff(Role::CenterAdmin, "140824"),
    Who::Staff(Role::InstituteAdmin, "140824001"),
    Who::Staff(Role::StationAdmin, "140824001001"),
    Who::Person(Role::Volunteer),
    Who::Person(Role::Citizen),
    Who::Team(TeamRole::Leader),
    Who::Team(TeamRole::Admin),
    Who::Anonymous,
];

/// The village acted upon: one inside every staff role's area, one in a sibling county (inside
/// only for the city admin), one in another city (outside for everyone).
const TARGETS: [&str; 3] = ["140824001001", "140825001001", "141002001001"];
const HOME: &str = TARGETS[0];

/// Actions done on one's own account: one call each, no target.
const OWN_ACTIONS: [Action; 6] = [
    Action::ProfileView,
    Action::GrantDecide,
    Action::VolunteerSelfRegister,
    Action::TeamApply,
    Action::TeamJoin,
    Action::ActivitySignUp,
];

fn oracle_covers(role_region: &str, target: &str) -> bool {
    let prefix = if role_region.len() == 6 && role_region.ends_with("00") {
        &role_region[..4]
    } else {
        role_region
    };
    target.starts_with(prefix)
}

/// One HTTP call doing an action, with the region it really acts on and the status of "done".
struct Call {
    method: Method,
    path: String,
    body: Option<Value>,
    acted_region: String,
    success: StatusCode,
}

fn call(method: Method, path: String, body: Option<Value>, acted_region: &str, success: StatusCode) -> Call {
    Call {
        method,
        path,
        body,
        acted_region: acted_region.to_owned(),
        success,
    }
}

/// The app with a team in each target village, and the teams the roles use.
struct Fixture {
    app: TestApp,
    /// Per target: the active team whose leader and admin are the `Who::Team` accounts (home only).
    teams: Vec<i64>,
    /// An active team in the home village that nobody of the matrix belongs to, for joining.
    open_team: i64,
    /// A registered volunteer who applies for teams, so reviews have applications to decide.
    applicant: TestUser,
    /// An activity in the home village with room for everyone of the matrix.
    activity: i64,
}

impl Fixture {
    async fn new() -> Self {
        let app = TestApp::spawn().await.with_region_tree().await;
        let mut teams = Vec::new();
        for (n, target) in TARGETS.iter().enumerate() {
            teams.push(team_in(&app, target, &format!("理论宣讲队{n}")).await);
        }
        let open_team = team_in(&app, HOME, "开放队").await;
        let applicant = app.signed_in(Role::Citizen, None).await;
        let body = registration(HOME, &resident_id(900), "");
        let made = app.post_json("/api/v1/me/volunteer", applicant.token(), &body).await;
        assert_eq!(made.status(), StatusCode::CREATED);
        let activity = activity_in(&app, teams[0]).await;
        Self {
            app,
            teams,
            open_team,
            applicant,
            activity,
        }
    }

    /// The bearer token of one role of the matrix, and a staff account's own ID number (it
    /// registers as a volunteer only as itself).
    async fn sign_in(&self, who: Who, serial: u32) -> (Option<String>, Option<String>) {
        match who {
            Who::Staff(role, region) => {
                let user = self.app.signed_in(role, Some(region)).await;
                (user.token, Some(crate::helpers::staff_id_of(&user.phone)))
            }
            other => (self.sign_in_person(other, serial).await, None),
        }
    }

    async fn sign_in_person(&self, who: Who, serial: u32) -> Option<String> {
        match who {
            Who::Staff(..) => None,
            Who::Person(role) => self.app.signed_in(role, None).await.token,
            Who::Team(role) => {
                let user = self.app.signed_in(Role::Citizen, None).await;
                let body = registration(HOME, &resident_id(800 + serial), "");
                let me: Value = self
                    .app
                    .post_json("/api/v1/me/volunteer", user.token(), &body)
                    .await
                    .json()
                    .await
                    .unwrap();
                let volunteer = me["id"].as_i64().unwrap();
                let code = me["code"].as_str().unwrap();
                self.app
                    .services()
                    .invite(&Actor::System, TeamId(self.teams[0]), code)
                    .await
                    .expect("inviting the team role");
                let path = format!("/api/v1/teams/{}/membership", self.teams[0]);
                self.app
                    .post_json(&path, user.token(), &json!({"action": "accept"}))
                    .await;
                let decision = self.app.services();
                decision
                    .decide_membership(
                        &Actor::System,
                        TeamId(self.teams[0]),
                        VolunteerId(volunteer),
                        None,
                        Some(role),
                    )
                    .await
                    .expect("giving the team role");
                user.token
            }
            Who::Anonymous => None,
        }
    }

    fn team_of(&self, target: &str) -> i64 {
        self.teams[TARGETS.iter().position(|t| *t == target).unwrap()]
    }

    async fn site_of(&self, target: &str) -> i64 {
        let detail = self.app.services().region(&Actor::System, target).await.unwrap();
        detail.site.expect("every target village has a site").id.0
    }

    /// The call of `action` on (or right under) the village `target`.
    async fn call_for(&self, action: Action, target: &str, serial: u32) -> Call {
        let app = &self.app;
        let township = &target[..9];
        match action {
            Action::RegionView => call(
                Method::GET,
                format!("/api/v1/regions/{target}"),
                None,
                target,
                StatusCode::OK,
            ),
            Action::RegionCreate => {
                let code = format!("{township}{:03}", 100 + serial % 400);
                let body = json!({"code": code, "name": format!("新村{serial}")});
                call(
                    Method::POST,
                    "/api/v1/regions".into(),
                    Some(body),
                    &code,
                    StatusCode::CREATED,
                )
            }
            Action::RegionEdit => {
                let body = json!({"name": format!("改名{serial}")});
                call(
                    Method::PATCH,
                    format!("/api/v1/regions/{target}"),
                    Some(body),
                    target,
                    StatusCode::OK,
                )
            }
            Action::SiteView => {
                let path = format!("/api/v1/sites/{}", self.site_of(target).await);
                call(Method::GET, path, None, target, StatusCode::OK)
            }
            Action::SiteCreate => {
                // A fresh village without a site, made by the operator, so only the policy decides.
                let code = format!("{township}{:03}", 500 + serial % 400);
                app.add_region(&code, &format!("空村{serial}")).await;
                let body = json!({"region_code": code, "name": format!("实践站{serial}")});
                call(
                    Method::POST,
                    "/api/v1/sites".into(),
                    Some(body),
                    &code,
                    StatusCode::CREATED,
                )
            }
            Action::SiteEdit => {
                let body = json!({"name": format!("实践站改{serial}"), "address": "文化广场", "secretary": "王珺"});
                let path = format!("/api/v1/sites/{}", self.site_of(target).await);
                call(Method::PUT, path, Some(body), target, StatusCode::OK)
            }
            Action::CoverageView => call(
                Method::GET,
                format!("/api/v1/regions/{target}/coverage"),
                None,
                target,
                StatusCode::OK,
            ),
            Action::AuditView => call(
                Method::GET,
                format!("/api/v1/audit?region={target}"),
                None,
                target,
                StatusCode::OK,
            ),
            Action::AccountList => call(
                Method::GET,
                format!("/api/v1/regions/{target}/staff"),
                None,
                target,
                StatusCode::OK,
            ),
            Action::AccountGrant => {
                let body = json!({"phone": app.new_phone(), "role": "station-admin", "region_code": target});
                call(
                    Method::POST,
                    "/api/v1/accounts".into(),
                    Some(body),
                    target,
                    StatusCode::ACCEPTED,
                )
            }
            Action::VolunteerRegister => {
                let body = registration(target, &resident_id(serial), &app.new_phone());
                call(
                    Method::POST,
                    "/api/v1/volunteers".into(),
                    Some(body),
                    target,
                    StatusCode::CREATED,
                )
            }
            Action::VolunteerView => {
                let id = registered_volunteer(app, target, 5000 + serial).await;
                call(
                    Method::GET,
                    format!("/api/v1/volunteers/{id}"),
                    None,
                    target,
                    StatusCode::OK,
                )
            }
            Action::VolunteerList => call(
                Method::GET,
                format!("/api/v1/volunteers?region={target}"),
                None,
                target,
                StatusCode::OK,
            ),
            Action::VolunteerReveal => {
                let id = registered_volunteer(app, target, 5000 + serial).await;
                call(
                    Method::POST,
                    format!("/api/v1/volunteers/{id}/reveal"),
                    None,
                    target,
                    StatusCode::OK,
                )
            }
            Action::TeamCreate => {
                let body = json!({"site_id": self.site_of(target).await, "name": format!("队伍{serial}"), "kind": "characteristic", "specialty": "巾帼"});
                call(
                    Method::POST,
                    "/api/v1/teams".into(),
                    Some(body),
                    target,
                    StatusCode::CREATED,
                )
            }
            Action::TeamReview => {
                let team = self.application_in(target, serial).await;
                let body = json!({"event": "approve"});
                call(
                    Method::POST,
                    format!("/api/v1/teams/{team}/state"),
                    Some(body),
                    target,
                    StatusCode::OK,
                )
            }
            Action::TeamManage => {
                let team = team_in(app, target, &format!("被暂停队{serial}")).await;
                let body = json!({"event": "suspend", "reason": "整顿"});
                call(
                    Method::POST,
                    format!("/api/v1/teams/{team}/state"),
                    Some(body),
                    target,
                    StatusCode::OK,
                )
            }
            Action::TeamView => call(
                Method::GET,
                format!("/api/v1/teams/{}", self.team_of(target)),
                None,
                target,
                StatusCode::OK,
            ),
            Action::TeamMembersManage => {
                let volunteer = registered_volunteer(app, target, 7000 + serial).await;
                let code = crate::helpers::volunteer_code(app, volunteer).await;
                let path = format!("/api/v1/teams/{}/members", self.team_of(target));
                call(
                    Method::POST,
                    path,
                    Some(json!({"volunteer_code": code})),
                    target,
                    StatusCode::CREATED,
                )
            }
            Action::VolunteerMerge => {
                let duplicate = registered_volunteer(app, target, 9000 + serial).await;
                let kept = registered_volunteer(app, target, 9500 + serial).await;
                let body = json!({"into": kept, "reason": "同一人两次登记"});
                call(
                    Method::POST,
                    format!("/api/v1/volunteers/{duplicate}/merge"),
                    Some(body),
                    target,
                    StatusCode::OK,
                )
            }
            Action::ProjectEdit => {
                let body = json!({"team_id": self.team_of(target), "title": format!("项目{serial}"), "category": "理论宣讲", "starts_on": "2026-12-01", "ends_on": "2027-06-30"});
                call(
                    Method::POST,
                    "/api/v1/projects".into(),
                    Some(body),
                    target,
                    StatusCode::CREATED,
                )
            }
            Action::ProjectReview => {
                let project = self.project_in(target, serial, false).await;
                call(
                    Method::POST,
                    format!("/api/v1/projects/{project}/state"),
                    Some(json!({"event": "approve"})),
                    target,
                    StatusCode::OK,
                )
            }
            Action::ProjectView => {
                let project = self.project_in(target, serial, true).await;
                call(
                    Method::GET,
                    format!("/api/v1/projects/{project}"),
                    None,
                    target,
                    StatusCode::OK,
                )
            }
            Action::ActivityRun => {
                let activity = activity_in(app, self.team_of(target)).await;
                call(
                    Method::GET,
                    format!("/api/v1/activities/{activity}/roster"),
                    None,
                    target,
                    StatusCode::OK,
                )
            }
            Action::RecordReview => call(
                Method::GET,
                format!("/api/v1/regions/{target}/record-reviews"),
                None,
                target,
                StatusCode::OK,
            ),
            Action::RosterExport => {
                let body = json!({"region": target, "format": "csv"});
                call(
                    Method::POST,
                    "/api/v1/exports/volunteers".into(),
                    Some(body),
                    target,
                    StatusCode::OK,
                )
            }
            Action::AccountRevoke => {
                let holder = app.account(Role::StationAdmin, Some(target)).await;
                let body = json!({"role": "station-admin", "region_code": target});
                let path = format!("/api/v1/accounts/{}/revoke", holder.account_id);
                call(Method::POST, path, Some(body), target, StatusCode::NO_CONTENT)
            }
            Action::AccountDisable => {
                let holder = app.account(Role::StationAdmin, Some(target)).await;
                let path = format!("/api/v1/accounts/{}/disable", holder.account_id);
                call(Method::POST, path, None, target, StatusCode::NO_CONTENT)
            }
            Action::AccountReset => {
                let holder = app.account(Role::StationAdmin, Some(target)).await;
                let path = format!("/api/v1/accounts/{}/reset", holder.account_id);
                call(Method::POST, path, None, target, StatusCode::NO_CONTENT)
            }
            Action::ProfileView
            | Action::GrantDecide
            | Action::VolunteerSelfRegister
            | Action::TeamApply
            | Action::TeamJoin
            | Action::ActivitySignUp => self.own_call(action, serial).await,
        }
    }

    /// A submitted (or, with `publish`, a published) project of `target`'s team, by the operator.
    async fn project_in(&self, target: &str, serial: u32, publish: bool) -> i64 {
        let services = self.app.services();
        let input = hongmajia_services::projects::ProjectInput {
            team_id: Some(TeamId(self.team_of(target))),
            site_id: None,
            title: format!("送文化下乡{serial}"),
            category: "送文化下乡".into(),
            description: String::new(),
            starts_on: "2026-12-01".into(),
            ends_on: "2027-06-30".into(),
        };
        let id = services
            .create_project(&Actor::System, &input)
            .await
            .expect("a project")
            .id;
        let submit = hongmajia_domain::project::ProjectEvent::Submit;
        services
            .move_project(&Actor::System, id, submit, None)
            .await
            .expect("submitted");
        if publish {
            let approve = hongmajia_domain::project::ProjectEvent::Approve;
            services
                .move_project(&Actor::System, id, approve, None)
                .await
                .expect("published");
        }
        id.0
    }

    /// An application for a team in `target`'s site, by the fixture's applicant.
    async fn application_in(&self, target: &str, serial: u32) -> i64 {
        let body = json!({"site_id": self.site_of(target).await, "name": format!("申请队{serial}"), "kind": "professional", "specialty": "法律援助"});
        let made: Value = self
            .app
            .post_json("/api/v1/teams/applications", self.applicant.token(), &body)
            .await
            .json()
            .await
            .unwrap();
        made["id"].as_i64().expect("an application")
    }

    /// The call of an action on the caller's own account (no other account's object is named).
    async fn own_call(&self, action: Action, serial: u32) -> Call {
        match action {
            Action::VolunteerSelfRegister => {
                let body = registration(HOME, &resident_id(serial), "");
                call(
                    Method::POST,
                    "/api/v1/me/volunteer".into(),
                    Some(body),
                    HOME,
                    StatusCode::CREATED,
                )
            }
            Action::TeamApply => {
                let body = json!({"site_id": self.site_of(HOME).await, "name": format!("自建队{serial}"), "kind": "professional", "specialty": "科学普及"});
                call(
                    Method::POST,
                    "/api/v1/teams/applications".into(),
                    Some(body),
                    HOME,
                    StatusCode::CREATED,
                )
            }
            Action::ActivitySignUp => {
                let path = format!("/api/v1/activities/{}/signups", self.activity);
                call(Method::POST, path, Some(json!({})), HOME, StatusCode::CREATED)
            }
            Action::TeamJoin => {
                let path = format!("/api/v1/teams/{}/membership", self.open_team);
                call(
                    Method::POST,
                    path,
                    Some(json!({"action": "request"})),
                    HOME,
                    StatusCode::OK,
                )
            }
            Action::GrantDecide => call(Method::GET, "/api/v1/me/grants".into(), None, HOME, StatusCode::OK),
            _ => call(Method::GET, "/api/v1/me".into(), None, HOME, StatusCode::OK),
        }
    }
}

/// A published project of `team` and an activity of it with room for the whole matrix.
async fn activity_in(app: &TestApp, team: i64) -> i64 {
    let project = app
        .published_project(ProjectOwner::Team(team), ("矩阵项目", "其他"))
        .await;
    app.activity_of(project, json!({"title": "矩阵活动", "capacity": 100}))
        .await
}

/// An active team founded by the operator under `target`'s site.
async fn team_in(app: &TestApp, target: &str, name: &str) -> i64 {
    let site = crate::helpers::site_of(app, target).await;
    let input = crate::helpers::team_input(site, name, "professional", "理论宣讲");
    app.services()
        .create_team(&Actor::System, &input)
        .await
        .expect("founding a team")
        .id
        .0
}

fn expected(who: Who, action: Action, acted_region: &str, success: StatusCode) -> StatusCode {
    match (who, action) {
        (Who::Anonymous, _) => StatusCode::UNAUTHORIZED,
        // The team roles' accounts registered as volunteers to join their team.
        (Who::Team(_), Action::VolunteerSelfRegister) => StatusCode::CONFLICT,
        (
            _,
            Action::ProfileView
            | Action::GrantDecide
            | Action::VolunteerSelfRegister
            | Action::TeamApply
            | Action::TeamJoin
            | Action::TeamView
            | Action::ProjectView
            | Action::ActivitySignUp,
        ) => success,
        // A team's leader and admin run their own team's members and projects, and no other's.
        (Who::Team(_), Action::TeamMembersManage | Action::ProjectEdit | Action::ActivityRun)
            if acted_region == HOME =>
        {
            success
        }
        (Who::Team(_), Action::TeamMembersManage | Action::ProjectEdit | Action::ActivityRun) => StatusCode::NOT_FOUND,
        // A volunteer may see their own record, so another's is "not found", not "forbidden".
        (Who::Person(_) | Who::Team(_), Action::VolunteerView | Action::VolunteerReveal) => StatusCode::NOT_FOUND,
        (Who::Person(_) | Who::Team(_), _) => StatusCode::FORBIDDEN,
        // A station admin names, removes and disables no one: no level is below its own.
        (
            Who::Staff(Role::StationAdmin, _),
            Action::AccountGrant | Action::AccountRevoke | Action::AccountDisable | Action::AccountReset,
        ) => StatusCode::FORBIDDEN,
        (Who::Staff(_, region), _) if oracle_covers(region, acted_region) => success,
        (Who::Staff(..), _) => StatusCode::NOT_FOUND,
    }
}

#[tokio::test]
async fn every_action_for_every_role_inside_and_outside_its_area_gets_the_policy_answer() {
    let fixture = Fixture::new().await;
    let mut tokens = Vec::new();
    let mut own_ids = Vec::new();
    for (n, who) in WHO.into_iter().enumerate() {
        let (token, id_number) = fixture.sign_in(who, n as u32).await;
        tokens.push(token);
        own_ids.push(id_number);
    }
    let mut cells = 0;
    let mut mismatches = Vec::new();
    let mut serial = 0;
    for &action in Action::ALL {
        let targets: &[&str] = if OWN_ACTIONS.contains(&action) {
            &[HOME]
        } else {
            &TARGETS
        };
        for ((who, token), own_id) in WHO.iter().zip(&tokens).zip(&own_ids) {
            for target in targets {
                serial += 1;
                let mut call = fixture.call_for(action, target, serial).await;
                if let (Action::VolunteerSelfRegister, Some(id), Some(body)) = (action, own_id, call.body.as_mut()) {
                    body["id_number"] = json!(id);
                    body["birth_date"] = json!("1980-01-01");
                }
                let response = fixture
                    .app
                    .request(call.method.clone(), &call.path, token.as_deref(), call.body.as_ref())
                    .await;
                let status = response.status();
                let want = expected(*who, action, &call.acted_region, call.success);
                cells += 1;
                if status != want {
                    let body = response.text().await.unwrap_or_default();
                    mismatches.push(format!(
                        "{action:?} {who:?} on {}: got {status}, want {want}: {body}",
                        call.acted_region
                    ));
                }
            }
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {cells} cells differ on {}:\n{}",
        mismatches.len(),
        engine_name(),
        mismatches.join("\n")
    );
    let expected_cells =
        (Action::ALL.len() - OWN_ACTIONS.len()) * WHO.len() * TARGETS.len() + OWN_ACTIONS.len() * WHO.len();
    assert_eq!(cells, expected_cells);
}

#[tokio::test]
async fn a_county_admin_cannot_read_or_change_anything_of_another_county_by_id() {
    let app = TestApp::spawn().await.with_region_tree().await;
    let admin = app.signed_in(Role::CenterAdmin, Some("140824")).await;
    let other = app
        .services()
        .region(&hongmajia_domain::Actor::System, "140825001001")
        .await
        .unwrap();
    let site_id = other.site.unwrap().id;
    for path in [
        "/api/v1/regions/140825".to_owned(),
        "/api/v1/regions/140825001".to_owned(),
        "/api/v1/regions/140825/coverage".to_owned(),
        "/api/v1/regions/140825/staff".to_owned(),
        format!("/api/v1/sites/{site_id}"),
        "/api/v1/audit?region=140825".to_owned(),
        "/api/v1/regions/140800".to_owned(),
    ] {
        assert_eq!(
            app.get(&path, admin.token()).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let change = json!({"name": "偷改", "address": "", "secretary": ""});
    let response = app
        .request(
            Method::PUT,
            &format!("/api/v1/sites/{site_id}"),
            admin.token(),
            Some(&change),
        )
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let unchanged = app
        .services()
        .site(&hongmajia_domain::Actor::System, site_id)
        .await
        .unwrap();
    assert_eq!(unchanged.name, "三泉村实践阵地");
}
