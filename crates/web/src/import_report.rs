//! The import result as the contract prints it, in the caller's language: shared by the API and
//! the CLI (`hongmajia import volunteers --json`).

use crate::error::message;
use crate::i18n::Lang;
use hongmajia_services::roster::volunteers::{ImportFailure, ImportOutcome, RowIssue};
use serde_json::{Value, json};

/// `{"imported","matched","rejected","errors":[{"row","column","code","message"}]}`.
pub fn outcome_json(outcome: &ImportOutcome, lang: Lang) -> Value {
    let errors: Vec<Value> = outcome
        .issues
        .iter()
        .map(|issue| {
            json!({
                "row": issue.row,
                "column": issue.column,
                "code": issue.code.as_str(),
                "message": message(lang, Some(issue.code)),
            })
        })
        .collect();
    json!({
        "imported": outcome.imported,
        "matched": outcome.matched,
        "rejected": outcome.rejected,
        "errors": errors,
    })
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
