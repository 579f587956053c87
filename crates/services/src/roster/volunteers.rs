//! Importing a volunteer roster (the architecture's contract): every row is checked; the result
//! counts imported rows, matched ones (the same person already registered under the same name:
//! nothing is overwritten) and rejected ones with their row, column and reason. The whole import
//! is one transaction, so a failure leaves nothing half-written, and importing the same file
//! again changes nothing.

use super::{Cell, FileProblem, read_table_off_thread};
use crate::audit::{Change, event, record};
use crate::error::DbContext;
use crate::volunteers::{RegistrationInput, RegistrationRow, SealedPhone, Source, check};
use crate::{ServiceError, ServiceResult, Services, authorize};
use hongmajia_domain::TeamId;
use hongmajia_domain::identity::{IdNumber, IdType};
use hongmajia_domain::{
    AccountId, Action, Actor, DomainError, ErrorCode, Phone, RegionCode, Role, Target, VolunteerId,
};
use hongmajia_store::accounts::StoredPhone;
use hongmajia_store::{Tx, bulk, regions, teams};
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    Name,
    IdType,
    IdNumber,
    Phone,
    Region,
    Skills,
    Categories,
    Team,
    Gender,
    BirthDate,
}

/// Each column's Chinese header (as the template writes it) and the aliases accepted.
pub const COLUMNS: [(Column, &str, &[&str]); 10] = [
    (Column::Name, "姓名", &["name"]),
    (Column::IdType, "证件类型", &["id_type"]),
    (Column::IdNumber, "证件号码", &["id_number", "身份证号", "身份证号码"]),
    (Column::Phone, "手机号码", &["phone", "手机号"]),
    (Column::Region, "所属区域", &["region", "区划代码"]),
    (Column::Skills, "技能特长", &["skills"]),
    (Column::Categories, "服务类别", &["categories"]),
    (Column::Team, "所属队伍", &["team"]),
    (Column::Gender, "性别", &["gender"]),
    (Column::BirthDate, "出生日期", &["birth_date"]),
];
const REQUIRED: [Column; 4] = [Column::Name, Column::IdNumber, Column::Phone, Column::Region];

/// One problem of one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowIssue {
    /// The row as Excel numbers it (the header is row 1).
    pub row: usize,
    /// The header as written in the file (the template's when the column is absent).
    pub column: String,
    pub code: ErrorCode,
}

#[derive(Debug, Clone, Default)]
pub struct ImportOutcome {
    pub imported: usize,
    pub matched: usize,
    pub rejected: usize,
    pub issues: Vec<RowIssue>,
    /// The headers and the rejected rows as they were, for the error report.
    pub headers: Vec<String>,
    pub rejected_rows: Vec<(usize, Vec<Cell>, RowIssue)>,
}

impl ImportOutcome {
    fn reject(&mut self, cells: &[Cell], issue: RowIssue) {
        self.rejected += 1;
        self.issues.push(issue.clone());
        self.rejected_rows.push((issue.row, cells.to_vec(), issue));
    }
}

/// Why an import did not run at all.
#[derive(Debug)]
pub enum ImportFailure {
    File(FileProblem),
    Refused(ServiceError),
}

impl From<ServiceError> for ImportFailure {
    fn from(error: ServiceError) -> Self {
        Self::Refused(error)
    }
}

#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Every imported volunteer joins this team.
    pub team: Option<TeamId>,
    /// Only check: nothing is written (the error report).
    pub dry_run: bool,
}

/// The position of each known column in the file.
struct Layout {
    positions: HashMap<Column, usize>,
    headers: Vec<String>,
}

impl Layout {
    fn of(headers: &[String]) -> Result<Self, FileProblem> {
        let mut positions = HashMap::new();
        for (index, header) in headers.iter().enumerate() {
            let header = header.trim();
            let known = COLUMNS.iter().find(|(_, chinese, aliases)| {
                *chinese == header || aliases.iter().any(|a| a.eq_ignore_ascii_case(header))
            });
            if let Some((column, _, _)) = known {
                positions.entry(*column).or_insert(index);
            }
        }
        if REQUIRED.iter().any(|c| !positions.contains_key(c)) {
            return Err(FileProblem::WrongHeaders);
        }
        Ok(Self {
            positions,
            headers: headers.to_vec(),
        })
    }

    fn cell<'a>(&self, row: &'a [Cell], column: Column) -> &'a Cell {
        static EMPTY: Cell = Cell::Empty;
        self.positions.get(&column).and_then(|i| row.get(*i)).unwrap_or(&EMPTY)
    }

    fn text(&self, row: &[Cell], column: Column) -> String {
        self.cell(row, column).text()
    }

    /// The header of a column as the file wrote it.
    fn header(&self, column: Column) -> String {
        match self.positions.get(&column) {
            Some(index) => self.headers[*index].clone(),
            None => COLUMNS
                .iter()
                .find(|(c, _, _)| *c == column)
                .map_or(String::new(), |(_, h, _)| (*h).to_owned()),
        }
    }
}

/// `、`, `,`, `，` or `;` separate the items of a list cell.
fn split_list(raw: &str) -> Vec<String> {
    raw.split(['、', ',', '，', ';', '；'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// What the import knows of the importer's area before it looks at rows.
struct Scope {
    regions: HashSet<String>,
    teams_by_name: HashMap<String, TeamId>,
    team_ids: HashSet<TeamId>,
}

/// A row that passed its checks, ready to be written.
struct GoodRow {
    checked: crate::volunteers::Checked,
    phone: Phone,
    id_lookup: String,
    team: Option<TeamId>,
}

impl Services {
    /// Imports a roster file for staff, into their area. `progress` is told the rows done.
    pub async fn import_volunteers(
        &self,
        actor: &Actor,
        bytes: &[u8],
        options: &ImportOptions,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<ImportOutcome, ImportFailure> {
        // The operator imports anywhere; staff into their own area.
        let scope_region = match actor {
            Actor::System => None,
            Actor::Account { .. } => Some(
                actor
                    .home_region()
                    .cloned()
                    .ok_or_else(|| ServiceError::rule(ErrorCode::Forbidden))?,
            ),
        };
        if let Some(region) = &scope_region {
            authorize(actor, Action::VolunteerRegister, &Target::in_region(region.clone()))?;
        }
        let table = read_table_off_thread(bytes.to_vec())
            .await
            .map_err(ImportFailure::File)?;
        let layout = Layout::of(&table.headers).map_err(ImportFailure::File)?;
        if table.rows.is_empty() {
            return Err(ImportFailure::File(FileProblem::NoRows));
        }
        let mut tx = self.db.begin().await.doing("starting the import")?;
        let scope = self.import_scope(&mut tx, scope_region.as_ref()).await?;
        if let Some(team) = options.team
            && !scope.team_ids.contains(&team)
        {
            return Err(ServiceError::on(ErrorCode::UnknownTeam, "team").into());
        }
        let mut outcome = ImportOutcome {
            headers: table.headers.clone(),
            ..ImportOutcome::default()
        };
        let mut seen = HashSet::new();
        let mut candidates = Vec::new();
        let total = table.rows.len();
        // Rows are checked, and their ID numbers keyed, on every core, a thousand at a time.
        for (chunk_index, chunk) in table.rows.chunks(1000).enumerate() {
            let judged: Vec<_> = chunk
                .par_iter()
                .map(|(row, cells)| self.judge(&layout, &scope, *row, cells))
                .collect::<ServiceResult<_>>()?;
            for ((row, cells), verdict) in chunk.iter().zip(judged) {
                match verdict.and_then(|good| first_in_file(good, &mut seen, *row, &layout)) {
                    Ok(good) => candidates.push((*row, cells, good)),
                    Err(issue) => outcome.reject(cells, issue),
                }
            }
            progress((chunk_index * 1000 + chunk.len()).min(total), total);
        }
        // Who is registered already, asked for the whole file at once, in the index's order.
        let mut lookups: Vec<String> = candidates.iter().map(|(_, _, good)| good.id_lookup.clone()).collect();
        lookups.sort_unstable();
        let registered: HashMap<String, String> = bulk::registrations_by_lookup(&mut tx, &lookups)
            .await
            .doing("checking for registrations")?
            .into_iter()
            .collect();
        let mut fresh = Vec::new();
        for (row, cells, good) in candidates {
            match registered.get(&good.id_lookup) {
                Some(name) if name == good.checked.name.as_str() => outcome.matched += 1,
                Some(_) => outcome.reject(
                    cells,
                    RowIssue {
                        row,
                        column: layout.header(Column::IdNumber),
                        code: ErrorCode::ConflictsWithRegistered,
                    },
                ),
                None => fresh.push(*good),
            }
        }
        outcome.imported = fresh.len();
        outcome.issues.sort_by_key(|issue| issue.row);
        outcome.rejected_rows.sort_by_key(|(row, _, _)| *row);
        if options.dry_run {
            return Ok(outcome);
        }
        self.write_rows(&mut tx, actor, &fresh, options.team).await?;
        let change = Change {
            action: Action::VolunteerRegister,
            target_kind: "import",
            target_id: hongmajia_store::new_id::<i64>().to_string(),
            region: scope_region.as_ref(),
            event: event!(
                "roster.imported",
                imported = outcome.imported,
                matched = outcome.matched,
                rejected = outcome.rejected
            ),
        };
        record(&mut tx, actor, self.now(), change).await?;
        self.commit_changing(tx, &crate::cache::ACCESS, "committing the import")
            .await?;
        Ok(outcome)
    }

    async fn import_scope(&self, tx: &mut hongmajia_store::Tx, region: Option<&RegionCode>) -> ServiceResult<Scope> {
        let prefix = region.map_or("", RegionCode::scope_prefix);
        let regions: HashSet<String> = regions::codes_in_scope(tx, prefix)
            .await
            .doing("reading the regions")?
            .into_iter()
            .collect();
        let active: Vec<teams::TeamRow> = teams::in_scope(tx, prefix, "", i64::MAX / 2, 0)
            .await
            .doing("reading the teams")?
            .into_iter()
            .filter(|t| t.state.is_active())
            .collect();
        Ok(Scope {
            regions,
            teams_by_name: active.iter().map(|t| (t.name.clone(), t.id)).collect(),
            team_ids: active.iter().map(|t| t.id).collect(),
        })
    }

    /// Checks one row; the first problem found rejects it. Whether the person is registered
    /// already is asked later, for all rows at once.
    fn judge(
        &self,
        layout: &Layout,
        scope: &Scope,
        row: usize,
        cells: &[Cell],
    ) -> ServiceResult<Result<Box<GoodRow>, RowIssue>> {
        let issue = |column: Column, code: ErrorCode| {
            Ok(Err(RowIssue {
                row,
                column: layout.header(column),
                code,
            }))
        };
        for column in REQUIRED {
            if layout.cell(cells, column).is_blank() {
                return issue(column, ErrorCode::MissingField);
            }
        }
        if matches!(layout.cell(cells, Column::IdNumber), Cell::Number(_)) {
            return issue(Column::IdNumber, ErrorCode::IdNumberAsNumber);
        }
        let region = layout.text(cells, Column::Region);
        if !scope.regions.contains(&region) {
            return issue(Column::Region, ErrorCode::UnknownRegion);
        }
        let team_cell = layout.text(cells, Column::Team);
        let team = if team_cell.is_empty() {
            None
        } else {
            let by_id = team_cell
                .parse::<TeamId>()
                .ok()
                .filter(|id| scope.team_ids.contains(id));
            match by_id.or_else(|| scope.teams_by_name.get(&team_cell).copied()) {
                Some(id) => Some(id),
                None => return issue(Column::Team, ErrorCode::UnknownTeam),
            }
        };
        // The ID number first: gender and birth date are read from it.
        let id_type_text = layout.text(cells, Column::IdType);
        let Some(id_type) = IdType::parse(&id_type_text) else {
            return issue(Column::IdType, ErrorCode::InvalidIdType);
        };
        if let Err(refusal) = IdNumber::parse(id_type, &layout.text(cells, Column::IdNumber), self.now().date()) {
            return issue(Column::IdNumber, refusal.code);
        }
        let input = self.row_input(layout, cells);
        let checked = match check(&input, self.now().date(), Source::Import) {
            Ok(checked) => checked,
            Err(ServiceError::Rule(DomainError { code, field })) => {
                let column = column_of(field, code);
                // Gender and birth date are optional columns: blank where the ID cannot tell them.
                let code = if layout.cell(cells, column).is_blank() {
                    ErrorCode::MissingField
                } else {
                    import_code(code)
                };
                return issue(column, code);
            }
            Err(other) => return Err(other),
        };
        let phone = match Phone::parse(&layout.text(cells, Column::Phone)) {
            Ok(phone) => phone,
            Err(_) => return issue(Column::Phone, ErrorCode::InvalidPhone),
        };
        let id_lookup = self.id_lookup(&checked.id);
        Ok(Ok(Box::new(GoodRow {
            checked,
            phone,
            id_lookup,
            team,
        })))
    }

    /// The row as a registration. Gender and birth date come from the ID number unless the
    /// roster gives them (passports need them).
    fn row_input(&self, layout: &Layout, cells: &[Cell]) -> RegistrationInput {
        let id_type = Some(layout.text(cells, Column::IdType)).filter(|t| !t.is_empty());
        let id_number = layout.text(cells, Column::IdNumber);
        let today = self.now().date();
        let carried =
            IdType::parse(id_type.as_deref().unwrap_or("")).and_then(|t| IdNumber::parse(t, &id_number, today).ok());
        let gender = Some(layout.text(cells, Column::Gender))
            .filter(|g| !g.is_empty())
            .or_else(|| {
                carried
                    .as_ref()
                    .and_then(|id| id.gender())
                    .map(|g| g.as_str().to_owned())
            })
            .unwrap_or_default();
        let birth_date = Some(layout.text(cells, Column::BirthDate))
            .filter(|b| !b.is_empty())
            .or_else(|| carried.as_ref().and_then(|id| id.birth_date()).map(|d| d.to_string()))
            .unwrap_or_default();
        RegistrationInput {
            name: layout.text(cells, Column::Name),
            gender,
            birth_date,
            id_type,
            id_number,
            phone: Some(layout.text(cells, Column::Phone)),
            region_code: layout.text(cells, Column::Region),
            skills: split_list(&layout.text(cells, Column::Skills)),
            categories: split_list(&layout.text(cells, Column::Categories)),
            availability: String::new(),
            consent: true,
            guardian_name: None,
            guardian_consent: false,
        }
    }

    /// Writes the new registrations set-wise: accounts for new phones (a phone already another
    /// volunteer's, as in a family sharing one, links to no account), the volunteer role, unused
    /// codes, the registrations, and team memberships.
    async fn write_rows(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        rows: &[GoodRow],
        team: Option<TeamId>,
    ) -> ServiceResult<()> {
        let now = self.now();
        // Encryption on every core: it is most of the import's own work.
        let phones: Vec<SealedPhone> = rows
            .par_iter()
            .map(|row| self.seal_phone(&row.phone))
            .collect::<ServiceResult<_>>()?;
        let phone_lookups: Vec<String> = phones
            .iter()
            .map(|p| p.lookup.clone())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let existing: HashMap<String, AccountId> = bulk::accounts_by_phone(tx, &phone_lookups)
            .await
            .doing("finding the phones' accounts")?
            .into_iter()
            .collect();
        let existing_ids: Vec<AccountId> = existing.values().copied().collect();
        // A roster row never links to an account that is someone's already: registered, or tied
        // to a person (an admin's phone typed into a roster gives the admin no registration).
        let mut taken: HashSet<AccountId> = bulk::accounts_with_registration(tx, &existing_ids)
            .await
            .doing("finding registered accounts")?
            .into_iter()
            .collect();
        taken.extend(
            bulk::accounts_tied_to_person(tx, &existing_ids)
                .await
                .doing("finding accounts tied to a person")?,
        );
        let mut linked_phones = HashSet::new();
        let mut new_accounts = Vec::new();
        // Only accounts that existed before may have the volunteer role already.
        let mut reused = Vec::new();
        let mut accounts = Vec::with_capacity(rows.len());
        for phone in &phones {
            let first_of_phone = linked_phones.insert(phone.lookup.clone());
            let account = match existing.get(&phone.lookup) {
                _ if !first_of_phone => None,
                Some(id) if taken.contains(id) => None,
                Some(id) => {
                    reused.push(*id);
                    Some(*id)
                }
                None => {
                    let id = hongmajia_store::new_id();
                    new_accounts.push((id, phone));
                    Some(id)
                }
            };
            accounts.push(account);
        }
        let mut stored: Vec<(AccountId, StoredPhone<'_>)> =
            new_accounts.iter().map(|(id, p)| (*id, p.stored())).collect();
        // Written in the order of their random keys: the pages of a big index are then visited
        // once each, in order, not once per row at random.
        stored.sort_unstable_by_key(|(_, phone)| phone.lookup);
        bulk::insert_accounts(tx, &stored, now)
            .await
            .doing("creating accounts")?;
        let linked: Vec<AccountId> = accounts.iter().flatten().copied().collect();
        let volunteer_role = Role::Volunteer.as_str();
        let with_role: HashSet<AccountId> = bulk::accounts_with_role(tx, &reused, volunteer_role)
            .await
            .doing("reading roles")?
            .into_iter()
            .collect();
        let needing: Vec<AccountId> = linked.into_iter().filter(|id| !with_role.contains(id)).collect();
        bulk::insert_roles(tx, &needing, volunteer_role, now)
            .await
            .doing("giving the volunteer role")?;

        // The codes are random and sorted; given in the order of the ID numbers' keys, both
        // unique indexes of the registrations are written in order.
        let mut codes = self.unused_codes(tx, rows.len()).await?;
        let mut by_id_key: Vec<usize> = (0..rows.len()).collect();
        by_id_key.sort_unstable_by_key(|&i| &rows[i].id_lookup);
        let mut code_of = vec![String::new(); rows.len()];
        for (rank, &i) in by_id_key.iter().enumerate() {
            code_of[i] = std::mem::take(&mut codes[rank]);
        }
        let registrations: Vec<RegistrationRow> = rows
            .par_iter()
            .zip(&phones)
            .zip(accounts)
            .zip(code_of)
            .map(|(((row, phone), account), code)| {
                self.registration_row(&row.checked, phone, &row.id_lookup, account, "import", code)
            })
            .collect::<ServiceResult<_>>()?;
        let mut new_rows: Vec<_> = registrations.iter().map(RegistrationRow::as_new).collect();
        new_rows.sort_unstable_by_key(|row| row.id_lookup);
        bulk::insert_volunteers(tx, &new_rows).await.unique_or(
            ErrorCode::AlreadyRegistered,
            "id_number",
            "storing the registrations",
        )?;

        let mut by_team: HashMap<TeamId, Vec<VolunteerId>> = HashMap::new();
        for (row, registration) in rows.iter().zip(&registrations) {
            if let Some(team) = team.or(row.team) {
                by_team.entry(team).or_default().push(registration.id);
            }
        }
        for (team, members) in by_team {
            bulk::insert_members(tx, team, &members, now)
                .await
                .doing("adding team members")?;
        }
        tracing::info!(actor = actor.label(), rows = rows.len(), "roster written");
        Ok(())
    }

    /// `count` volunteer codes, none in use and none twice, in order.
    async fn unused_codes(&self, tx: &mut Tx, count: usize) -> ServiceResult<Vec<String>> {
        let mut codes: Vec<String> = (0..count).map(|_| random_code()).collect::<ServiceResult<_>>()?;
        loop {
            codes.sort_unstable();
            let taken: HashSet<String> = bulk::codes_taken(tx, &codes)
                .await
                .doing("checking volunteer codes")?
                .into_iter()
                .collect();
            let mut seen = HashSet::new();
            let mut clashes = 0;
            for code in &mut codes {
                if taken.contains(code) || !seen.insert(code.clone()) {
                    *code = random_code()?;
                    clashes += 1;
                }
            }
            if clashes == 0 {
                return Ok(codes);
            }
        }
    }
}

/// The row unless an earlier row of the file has the same ID number.
fn first_in_file(
    good: Box<GoodRow>,
    seen: &mut HashSet<String>,
    row: usize,
    layout: &Layout,
) -> Result<Box<GoodRow>, RowIssue> {
    if seen.insert(good.id_lookup.clone()) {
        Ok(good)
    } else {
        Err(RowIssue {
            row,
            column: layout.header(Column::IdNumber),
            code: ErrorCode::DuplicateInFile,
        })
    }
}

fn random_code() -> ServiceResult<String> {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("the OS random source failed: {e}"))?;
    Ok(hongmajia_domain::person::volunteer_code(u64::from_le_bytes(bytes)))
}

/// The column a registration field's refusal belongs to.
fn column_of(field: Option<&'static str>, code: ErrorCode) -> Column {
    match (field, code) {
        (_, ErrorCode::GuardianConsentRequired) => Column::IdNumber,
        (Some("name"), _) => Column::Name,
        (Some("gender"), _) => Column::Gender,
        (Some("birth_date"), _) => Column::BirthDate,
        (Some("id_type"), _) => Column::IdType,
        (Some("region_code"), _) => Column::Region,
        (Some("skills"), _) => Column::Skills,
        (Some("categories"), _) => Column::Categories,
        _ => Column::IdNumber,
    }
}

/// The contract's codes: a region a registration form would call invalid is "unknown" here.
fn import_code(code: ErrorCode) -> ErrorCode {
    match code {
        ErrorCode::InvalidRegionCode | ErrorCode::ParentRegionMissing | ErrorCode::RegionLevelMismatch => {
            ErrorCode::UnknownRegion
        }
        other => other,
    }
}
