use super::{Cell, FileProblem, Table};
use calamine::{Data, Reader};
use std::io::Cursor;

/// Reads a workbook (by its magic bytes) or else a CSV file.
pub fn read_table(bytes: &[u8]) -> Result<Table, FileProblem> {
    let is_zip = bytes.starts_with(b"PK\x03\x04");
    let is_ole = bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]);
    let table = if is_zip || is_ole {
        read_workbook(bytes)?
    } else {
        read_csv(bytes)?
    };
    Ok(without_blank_rows(table))
}

fn read_workbook(bytes: &[u8]) -> Result<Table, FileProblem> {
    let mut book =
        calamine::open_workbook_auto_from_rs(Cursor::new(bytes.to_vec())).map_err(|_| FileProblem::Unreadable)?;
    let range = book
        .worksheet_range_at(0)
        .ok_or(FileProblem::NoRows)?
        .map_err(|_| FileProblem::Unreadable)?;
    let first_row = range.start().map_or(0, |(row, _)| row as usize);
    let first_col = range.start().map_or(0, |(_, col)| col as usize);
    let mut rows = range.rows().enumerate().map(|(index, cells)| {
        // Columns left of the used range are empty: keep positions as Excel shows them.
        let mut row: Vec<Cell> = vec![Cell::Empty; first_col];
        row.extend(cells.iter().map(cell_of));
        (first_row + index + 1, row)
    });
    let (_, header_cells) = rows.next().ok_or(FileProblem::NoRows)?;
    Ok(Table {
        headers: header_cells.iter().map(Cell::text).collect(),
        rows: rows.collect(),
    })
}

fn cell_of(data: &Data) -> Cell {
    match data {
        Data::Int(n) => Cell::Number(*n as f64),
        Data::Float(n) => Cell::Number(*n),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => Cell::Text(s.clone()),
        Data::Bool(b) => Cell::Text(b.to_string()),
        Data::DateTime(d) => Cell::Text(excel_date(d.as_f64())),
        Data::Error(_) | Data::Empty => Cell::Empty,
    }
}

/// An Excel serial date as YYYY-MM-DD (day 0 is 1899-12-30 in the 1900 system).
fn excel_date(serial: f64) -> String {
    let epoch = time::macros::date!(1899 - 12 - 30);
    epoch
        .checked_add(time::Duration::days(serial.floor() as i64))
        .map(|d| d.to_string())
        .unwrap_or_default()
}

/// UTF-8 (a BOM is dropped) or, when the bytes are not UTF-8, GB18030 (a superset of GBK).
fn decode(bytes: &[u8]) -> Result<String, FileProblem> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(text.to_owned());
    }
    let (text, _, had_errors) = encoding_rs::GB18030.decode(bytes);
    if had_errors {
        Err(FileProblem::Unreadable)
    } else {
        Ok(text.into_owned())
    }
}

fn read_csv(bytes: &[u8]) -> Result<Table, FileProblem> {
    let text = decode(bytes)?;
    if text.contains('\0') {
        return Err(FileProblem::Unreadable);
    }
    // The reader skips empty lines, which would shift the row numbers: give each a blank field.
    let text: String = text
        .lines()
        .map(|line| {
            if line.is_empty() {
                " \n".to_owned()
            } else {
                format!("{line}\n")
            }
        })
        .collect();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let header = records
        .next()
        .ok_or(FileProblem::NoRows)?
        .map_err(|_| FileProblem::Unreadable)?;
    let mut rows = Vec::new();
    for record in records {
        let record = record.map_err(|_| FileProblem::Unreadable)?;
        let line = record.position().map_or(rows.len() + 2, |p| p.line() as usize);
        rows.push((line, record.iter().map(csv_cell).collect()));
    }
    Ok(Table {
        headers: header.iter().map(|h| h.trim().to_owned()).collect(),
        rows,
    })
}

/// CSV has no number cells, but Excel writes an ID number it took for a number as `1.40824E+17`.
fn csv_cell(raw: &str) -> Cell {
    let trimmed = raw.trim();
    let scientific = trimmed.contains(['E', 'e']) && trimmed.parse::<f64>().is_ok() && trimmed.len() < 18;
    if scientific {
        Cell::Number(trimmed.parse().unwrap_or_default())
    } else {
        Cell::Text(raw.to_owned())
    }
}

fn without_blank_rows(mut table: Table) -> Table {
    table.rows.retain(|(_, cells)| cells.iter().any(|c| !c.is_blank()));
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gbk_csv_with_chinese_headers_is_decoded() {
        let (bytes, _, _) = encoding_rs::GBK.encode("姓名,证件号码\n王堃,11010519491231002X\n");
        let table = read_table(&bytes).unwrap();
        assert_eq!(table.headers, ["姓名", "证件号码"]);
        assert_eq!(table.rows[0].1[0], Cell::Text("王堃".into()));
        assert_eq!(table.rows[0].0, 2, "the first data row is Excel's row 2");
    }

    #[test]
    fn a_utf8_bom_is_dropped_and_blank_rows_are_ignored() {
        let table = read_table("\u{FEFF}name,phone\nA,1\n,\n\nB,2\n,,\n".as_bytes()).unwrap();
        assert_eq!(table.headers, ["name", "phone"]);
        assert_eq!(table.rows.iter().map(|(n, _)| *n).collect::<Vec<_>>(), [2, 5]);
    }

    #[test]
    fn scientific_notation_in_csv_is_a_number_cell() {
        let table = read_table(b"id\n1.40824E+17\n140824199005171234\n").unwrap();
        assert!(matches!(table.rows[0].1[0], Cell::Number(_)));
        assert!(matches!(table.rows[1].1[0], Cell::Text(_)));
    }

    #[test]
    fn binary_garbage_and_empty_files_are_not_rosters() {
        assert_eq!(
            read_table(&[0xFF, 0xFE, 0x00, 0x81, 0x00]).unwrap_err(),
            FileProblem::Unreadable
        );
        assert_eq!(
            read_table(b"PK\x03\x04not really a zip").unwrap_err(),
            FileProblem::Unreadable
        );
        assert_eq!(read_table(b"").unwrap_err(), FileProblem::NoRows);
    }
}
