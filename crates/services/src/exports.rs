//! Rosters out: volunteers (and teams) of an area as .xlsx or as CSV in UTF-8 with a BOM (so
//! Chinese Excel opens it right). Personal data is masked unless the exporter asks for it in
//! full and confirms their password again (ASVS 3.7.1); every export is audited.

use crate::audit::{Change, event, record};
use crate::error::DbContext;
use crate::roster::volunteers::COLUMNS;
use crate::vault::Field;
use crate::{ServiceError, ServiceResult, Services, authorize};
use argon2::Argon2;
use argon2::password_hash::{PasswordVerifier, phc::PasswordHash};
use hongmajia_domain::TeamId;
use hongmajia_domain::spreadsheet::neutralise_formula;
use hongmajia_domain::throttle::{ACCOUNT_LIMIT, WINDOW_SECONDS, may_check};
use hongmajia_domain::{Action, Actor, ErrorCode, RegionCode, Target};
use hongmajia_store::{accounts, teams, throttle, volunteers};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Xlsx,
    Csv,
}

impl Format {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "xlsx" => Some(Self::Xlsx),
            "csv" => Some(Self::Csv),
            _ => None,
        }
    }

    pub const fn extension(self) -> &'static str {
        match self {
            Self::Xlsx => "xlsx",
            Self::Csv => "csv",
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct VolunteerExport {
    pub region: Option<String>,
    pub team: Option<TeamId>,
    pub category: Option<String>,
    /// Full ID numbers and phones; needs `password`.
    pub full: bool,
    pub password: Option<String>,
}

/// A table to write: headers and rows of text.
struct Sheet {
    headers: Vec<&'static str>,
    rows: Vec<Vec<String>>,
}

impl Sheet {
    fn write(&self, format: Format) -> ServiceResult<Vec<u8>> {
        match format {
            Format::Csv => {
                let mut writer = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
                writer
                    .write_record(&self.headers)
                    .map_err(|e| anyhow::anyhow!("writing CSV: {e}"))?;
                for row in &self.rows {
                    // A CSV cell that starts a formula is run by the spreadsheet that opens it;
                    // .xlsx cells are typed strings and never are.
                    let cells = row.iter().map(|cell| neutralise_formula(cell));
                    writer
                        .write_record(cells.map(|cell| cell.into_owned()))
                        .map_err(|e| anyhow::anyhow!("writing CSV: {e}"))?;
                }
                writer
                    .into_inner()
                    .map_err(|e| ServiceError::Internal(anyhow::anyhow!("writing CSV: {e}")))
            }
            Format::Xlsx => {
                let mut book = rust_xlsxwriter::Workbook::new();
                let sheet = book.add_worksheet();
                let text = rust_xlsxwriter::Format::new().set_num_format("@");
                let bold = rust_xlsxwriter::Format::new().set_bold();
                for (col, header) in self.headers.iter().enumerate() {
                    sheet.set_column_format(col as u16, &text).map_err(xlsx_error)?;
                    sheet
                        .write_string_with_format(0, col as u16, *header, &bold)
                        .map_err(xlsx_error)?;
                }
                for (r, row) in self.rows.iter().enumerate() {
                    for (col, value) in row.iter().enumerate() {
                        sheet
                            .write_string(r as u32 + 1, col as u16, value)
                            .map_err(xlsx_error)?;
                    }
                }
                book.save_to_buffer().map_err(xlsx_error)
            }
        }
    }
}

fn xlsx_error(error: rust_xlsxwriter::XlsxError) -> ServiceError {
    ServiceError::Internal(anyhow::anyhow!("writing the workbook: {error}"))
}

impl Services {
    /// The area an export covers: the given region, or the actor's own.
    fn export_region(&self, actor: &Actor, region: Option<&str>) -> ServiceResult<RegionCode> {
        let region = match region.filter(|r| !r.is_empty()) {
            Some(raw) => RegionCode::parse(raw).map_err(|_| ServiceError::rule(ErrorCode::NotFound))?,
            None => actor
                .home_region()
                .cloned()
                .ok_or_else(|| ServiceError::rule(ErrorCode::Forbidden))?,
        };
        authorize(actor, Action::RosterExport, &Target::in_region(region.clone()))?;
        Ok(region)
    }

    /// Checks the signed-in account's password again, throttled like a login.
    pub async fn confirm_password(&self, actor: &Actor, password: &str) -> ServiceResult<()> {
        let account = actor
            .account_id()
            .ok_or_else(|| ServiceError::rule(ErrorCode::InvalidCredentials))?;
        let (hash, lookup) = {
            let mut tx = self.db.read().await.doing("starting a read")?;
            accounts::credentials(&mut tx, account)
                .await
                .doing("reading the credentials")?
                .ok_or_else(|| ServiceError::rule(ErrorCode::InvalidCredentials))?
        };
        let key = format!("account:{lookup}");
        let mut tx = self.db.begin().await.doing("starting the throttle check")?;
        let attempts = throttle::reserve(&mut tx, &key, self.now().unix_timestamp(), WINDOW_SECONDS)
            .await
            .doing("counting the attempt")?;
        tx.commit().await.doing("committing the throttle check")?;
        if !may_check(attempts, ACCOUNT_LIMIT) {
            return Err(ServiceError::on(ErrorCode::TooManyAttempts, "password"));
        }
        let plain = password.to_owned();
        let matches = tokio::task::spawn_blocking(move || {
            hash.as_deref()
                .and_then(|h| PasswordHash::new(h).ok())
                .is_some_and(|parsed| Argon2::default().verify_password(plain.as_bytes(), &parsed).is_ok())
        })
        .await
        .map_err(|e| anyhow::anyhow!("the verifying task failed: {e}"))?;
        if !matches {
            tracing::warn!(event = "reauthentication_failed", actor = actor.label());
            return Err(ServiceError::on(ErrorCode::InvalidCredentials, "password"));
        }
        let mut tx = self.db.begin().await.doing("starting the release")?;
        throttle::release(&mut tx, &key).await.doing("releasing the attempt")?;
        tx.commit().await.doing("committing the release")?;
        Ok(())
    }

    /// Volunteers of an area as a file; masked unless `full` with the password confirmed.
    pub async fn export_volunteers(
        &self,
        actor: &Actor,
        request: &VolunteerExport,
        format: Format,
    ) -> ServiceResult<Vec<u8>> {
        let region = self.export_region(actor, request.region.as_deref())?;
        if request.full {
            let password = request.password.as_deref().unwrap_or("");
            if password.is_empty() {
                return Err(ServiceError::on(ErrorCode::PasswordRequired, "password"));
            }
            self.confirm_password(actor, password).await?;
        }
        let category = volunteers::like_literal(request.category.as_deref().unwrap_or("").trim());
        let mut tx = self.db.begin().await.doing("starting the export")?;
        let rows = volunteers::export_rows(&mut tx, region.scope_prefix(), request.team, &category)
            .await
            .doing("reading the volunteers")?;
        let mut sheet = Sheet {
            headers: COLUMNS
                .iter()
                .take(7)
                .map(|(_, header, _)| *header)
                .chain(["志愿者编号", "性别", "出生日期"])
                .collect(),
            rows: Vec::with_capacity(rows.len()),
        };
        for row in &rows {
            let v = &row.volunteer;
            let (id_number, phone) = if request.full {
                (
                    self.vault.decrypt(Field::IdNumber, &row.id_enc)?,
                    self.vault.decrypt(Field::Phone, &row.phone_enc)?,
                )
            } else {
                (v.id_masked.clone(), v.phone_masked.clone())
            };
            sheet.rows.push(vec![
                v.name.clone(),
                v.id_type.clone(),
                id_number,
                phone,
                v.region_code.clone(),
                v.skills.clone(),
                v.categories.clone(),
                v.code.clone(),
                v.gender.clone(),
                v.birth_date.to_string(),
            ]);
        }
        let change = Change {
            action: Action::RosterExport,
            target_kind: "volunteers",
            target_id: region.to_string(),
            region: Some(&region),
            event: if request.full {
                event!("roster.exported_full", count = rows.len(), format = format.extension())
            } else {
                event!("roster.exported", count = rows.len(), format = format.extension())
            },
        };
        record(&mut tx, actor, self.now(), change).await?;
        tx.commit().await.doing("committing the export")?;
        sheet.write(format)
    }

    /// Teams of an area as a file.
    pub async fn export_teams(&self, actor: &Actor, region: Option<&str>, format: Format) -> ServiceResult<Vec<u8>> {
        let region = self.export_region(actor, region)?;
        let mut tx = self.db.begin().await.doing("starting the export")?;
        let rows = teams::in_scope(&mut tx, region.scope_prefix(), "", i64::MAX / 2, 0)
            .await
            .doing("reading the teams")?;
        let sheet = Sheet {
            headers: vec!["队伍名称", "类型", "方向", "状态", "所属区域", "服务类别"],
            rows: rows
                .iter()
                .map(|t| {
                    vec![
                        t.name.clone(),
                        t.kind.to_string(),
                        t.specialty.clone(),
                        t.state.to_string(),
                        t.region_code.clone(),
                        t.categories.clone(),
                    ]
                })
                .collect(),
        };
        let change = Change {
            action: Action::RosterExport,
            target_kind: "teams",
            target_id: region.to_string(),
            region: Some(&region),
            event: event!("teams.exported", count = rows.len(), format = format.extension()),
        };
        record(&mut tx, actor, self.now(), change).await?;
        tx.commit().await.doing("committing the export")?;
        sheet.write(format)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_csv_export_writes_formulas_as_text_and_an_xlsx_as_typed_strings() {
        let sheet = Sheet {
            headers: vec!["name", "skills", "hours"],
            rows: vec![vec![
                "=HYPERLINK(\"http://evil.example\",\"点我\")".into(),
                "@SUM(A1)".into(),
                "-5".into(),
            ]],
        };
        let csv = String::from_utf8(sheet.write(Format::Csv).unwrap()).unwrap();
        let mut reader = csv::Reader::from_reader(csv.trim_start_matches('\u{feff}').as_bytes());
        let row = reader.records().next().unwrap().unwrap();
        assert_eq!(
            row.iter().collect::<Vec<_>>(),
            ["'=HYPERLINK(\"http://evil.example\",\"点我\")", "'@SUM(A1)", "-5"]
        );
        assert!(sheet.write(Format::Xlsx).is_ok());
    }
}
