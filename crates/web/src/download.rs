//! What the API and the pages send back as files.

use axum::http::header;
use axum::response::{IntoResponse, Response};

/// A certificate, shown in the browser (inline) under its number.
pub fn pdf_response(pdf: Vec<u8>, number: &str) -> Response {
    let disposition = format!("inline; filename=\"certificate-{number}.pdf\"");
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        pdf,
    )
        .into_response()
}
