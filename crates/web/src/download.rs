//! What the API and the pages send back as files.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use hongmajia_services::uploads::Download;

/// A certificate, shown in the browser (inline) under its number.
pub fn pdf_response(pdf: Vec<u8>, number: &str) -> Response {
    let file = Download {
        file_name: format!("certificate-{number}.pdf"),
        content_type: "application/pdf",
        bytes: pdf,
    };
    with_disposition("inline", file)
}

/// A stored upload as an attachment, under the name the service gave it (kept to ASCII letters,
/// digits, `-` and `.`, so no header can be bent). `nosniff` comes with every answer (see
/// `security_headers`).
pub fn attachment(file: Download) -> Response {
    with_disposition("attachment", file)
}

/// A stored upload for a page: an image (encoded again on upload, pixels only) is shown in the
/// browser; anything else (a PDF, which may carry scripts) is an attachment.
pub fn shown(file: Download) -> Response {
    let inline = file.content_type.starts_with("image/");
    with_disposition(if inline { "inline" } else { "attachment" }, file)
}

fn with_disposition(how: &str, file: Download) -> Response {
    let disposition = format!("{how}; filename=\"{}\"", safe_name(&file.file_name));
    (
        [
            (header::CONTENT_TYPE, file.content_type.to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        file.bytes,
    )
        .into_response()
}

/// A file name kept to ASCII letters, digits, `-` and `.`, so no header can be bent by it.
fn safe_name(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.'))
        .collect()
}
