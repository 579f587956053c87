//! Workbooks we hand out: the roster template and the error report of an import.

use super::Cell;
use super::volunteers::{COLUMNS, RowIssue};
use rust_xlsxwriter::{Format, Workbook, XlsxError};

fn text_format() -> Format {
    // "@" is Excel's Text format: an 18-digit ID number typed here keeps every digit.
    Format::new().set_num_format("@")
}

/// The volunteer roster template: Chinese headers (English aliases are accepted on import), and
/// every column formatted as text so ID numbers and phones are not turned into numbers.
pub fn volunteer_template() -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("志愿者名册")?;
    let bold = Format::new().set_bold().set_num_format("@");
    for (index, (_, header, _)) in COLUMNS.iter().take(8).enumerate() {
        let col = index as u16;
        sheet.set_column_format(col, &text_format())?;
        sheet.set_column_width(col, if *header == "证件号码" { 22 } else { 14 })?;
        sheet.write_string_with_format(0, col, *header, &bold)?;
    }
    let example = [
        "王堃",
        "居民身份证",
        "14082419900517123X",
        "13800001234",
        "140824001001",
        "急救、摄影",
        "医疗卫生",
        "",
    ];
    for (index, value) in example.iter().enumerate() {
        sheet.write_string(1, index as u16, *value)?;
    }
    book.save_to_buffer()
}

/// The rejected rows as they were, each with its row number and reason, so the user can fix them
/// and import this very file again.
pub fn error_report(
    headers: &[String],
    rows: &[(usize, Vec<Cell>, RowIssue)],
    message: &dyn Fn(&RowIssue) -> String,
) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let bold = Format::new().set_bold();
    let text = text_format();
    for (col, header) in headers.iter().enumerate() {
        sheet.set_column_format(col as u16, &text)?;
        sheet.write_string_with_format(0, col as u16, header, &bold)?;
    }
    let reason_col = headers.len() as u16;
    sheet.write_string_with_format(0, reason_col, "错误原因 reason", &bold)?;
    sheet.write_string_with_format(0, reason_col + 1, "原行号 row", &bold)?;
    sheet.set_column_width(reason_col, 50)?;
    for (index, (row_number, cells, issue)) in rows.iter().enumerate() {
        let row = index as u32 + 1;
        for (col, cell) in cells.iter().enumerate() {
            match cell {
                // A number stays a number: the user sees what Excel did to it.
                Cell::Number(n) => sheet.write_number(row, col as u16, *n)?,
                other => sheet.write_string(row, col as u16, other.text())?,
            };
        }
        sheet.write_string(row, reason_col, format!("{}: {}", issue.column, message(issue)))?;
        sheet.write_number(row, reason_col + 1, *row_number as f64)?;
    }
    book.save_to_buffer()
}
