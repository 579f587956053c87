//! The import result as the contract prints it, in the caller's language: shared by the API and
//! the CLI (`hongmajia import volunteers --json`).

use crate::error::message;
use crate::i18n::Lang;
use hongmajia_services::roster::volunteers::{ImportFailure, ImportOutcome, RowIssue};
use serde::Serialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

/// What an import did (contract): rows imported, rows of people already registered (nothing
/// overwritten), rows rejected, and every problem of every rejected row.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportReport {
    pub imported: usize,
    pub matched: usize,
    pub rejected: usize,
    pub errors: Vec<RowError>,
}

/// One problem of one row: `row` as Excel numbers it (the header is 1), `column` the header as
/// written in the file.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RowError {
    pub row: usize,
    pub column: String,
    pub code: &'static str,
    pub message: &'static str,
}

/// The report of an import, in the caller's language.
pub fn outcome_report(outcome: &ImportOutcome, lang: Lang) -> ImportReport {
    ImportReport {
        imported: outcome.imported,
        matched: outcome.matched,
        rejected: outcome.rejected,
        errors: outcome
            .issues
            .iter()
            .map(|issue| RowError {
                row: issue.row,
                column: issue.column.clone(),
                code: issue.code.as_str(),
                message: message(lang, Some(issue.code)),
            })
            .collect(),
    }
}

/// `{"error": {"code","message","field"}}` for a file that cannot be used, or a refusal.
pub fn failure_json(failure: &ImportFailure, lang: Lang) -> Value {
    let (code, field) = match failure {
        ImportFailure::File(problem) => (Some(problem.code()), None),
        ImportFailure::Refused(hongmajia_services::ServiceError::Rule(rule)) => (Some(rule.code), rule.field),
        ImportFailure::Refused(hongmajia_services::ServiceError::Internal(_)) => (None, None),
    };
    json!({"error": {
        "code": code.map_or("internal", |c| c.as_str()),
        "message": message(lang, code),
        "field": field,
    }})
}

/// The error report's reason for one row.
pub fn issue_message(lang: Lang) -> impl Fn(&RowIssue) -> String {
    move |issue| message(lang, Some(issue.code)).to_owned()
}
