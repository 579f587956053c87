use super::{Cell, FileProblem, Table};
use calamine::{DataRef, Reader};
use std::collections::BTreeMap;
use std::io::{Cursor, Read};

/// What a roster may hold: more is refused before it is read into memory (a 1.5 KB file can
/// name cell XFD1048576, and a sheet's XML compresses a thousandfold).
pub const MAX_ROWS: u32 = 200_000;
pub const MAX_COLUMNS: u32 = 64;
pub const MAX_CELLS: usize = 3_000_000;
/// A cell longer than this is no roster field; all the text kept, together, at most this.
pub const MAX_CELL_BYTES: usize = 2_000;
const MAX_TEXT_BYTES: usize = 128 << 20;
/// What the parts of a workbook may unpack to, each and together, and how many parts it may have.
const MAX_PART_BYTES: u64 = 256 << 20;
const MAX_UNPACKED_BYTES: u64 = 512 << 20;
const MAX_PARTS: usize = 1_000;
/// The shared strings are read whole into memory (one allocation per string, and calamine
/// reserves room for the count the file declares): a smaller part, a declared count within the
/// cells a roster may have, declared near its start.
const MAX_SHARED_STRINGS_BYTES: u64 = 48 << 20;
const SHARED_STRINGS_HEAD: u64 = 64 << 10;

/// Reads a workbook (.xlsx, by its magic bytes) or else a CSV file.
pub fn read_table(bytes: &[u8]) -> Result<Table, FileProblem> {
    let is_zip = bytes.starts_with(b"PK\x03\x04");
    // .xls: calamine reads it whole into a grid of its used rectangle, which the file cannot be
    // checked for first (a tiny file can claim 65,536 × 256 cells): not accepted.
    let is_ole = bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]);
    let table = if is_zip {
        read_workbook(bytes)?
    } else if is_ole {
        return Err(FileProblem::LegacyFormat);
    } else {
        read_csv(bytes)?
    };
    Ok(without_blank_rows(table))
}

/// Unpacks every part of the archive into nothing, counting: a part or a whole that unpacks to
/// more than its cap is refused, whatever sizes the archive declares.
fn check_unpacked_sizes(bytes: &[u8]) -> Result<(), FileProblem> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| FileProblem::Unreadable)?;
    if archive.len() > MAX_PARTS {
        return Err(FileProblem::Expands);
    }
    let mut total = 0u64;
    for index in 0..archive.len() {
        let mut part = archive.by_index(index).map_err(|_| FileProblem::Unreadable)?;
        let shared_strings = part
            .name()
            .is_ok_and(|name| name.to_ascii_lowercase().ends_with("sharedstrings.xml"));
        let cap = if shared_strings {
            let mut head = Vec::new();
            (&mut part)
                .take(SHARED_STRINGS_HEAD)
                .read_to_end(&mut head)
                .map_err(|_| FileProblem::Unreadable)?;
            check_declared_strings(&head)?;
            total += head.len() as u64;
            MAX_SHARED_STRINGS_BYTES.saturating_sub(head.len() as u64)
        } else {
            MAX_PART_BYTES
        };
        let unpacked =
            std::io::copy(&mut part.take(cap + 1), &mut std::io::sink()).map_err(|_| FileProblem::Unreadable)?;
        total += unpacked;
        if unpacked > cap || total > MAX_UNPACKED_BYTES {
            return Err(FileProblem::Expands);
        }
    }
    Ok(())
}

/// The shared strings' `<sst … uniqueCount="N">` within the first bytes of the part, with N (if
/// given) a plain number no larger than the cells a roster may have: calamine reserves N strings
/// before reading one.
fn check_declared_strings(head: &[u8]) -> Result<(), FileProblem> {
    let text = String::from_utf8_lossy(head);
    let Some(start) = text.find("<sst") else {
        return Err(FileProblem::Unreadable);
    };
    let tag = &text[start..text[start..].find('>').map_or(text.len(), |end| start + end)];
    let Some(at) = tag.find("uniqueCount") else {
        return Ok(());
    };
    let value = tag[at + "uniqueCount".len()..]
        .trim_start()
        .strip_prefix('=')
        .map(str::trim_start)
        .and_then(|v| v.strip_prefix(['"', '\'']))
        .and_then(|v| v.split(['"', '\'']).next())
        .unwrap_or("");
    match value.parse::<usize>() {
        Ok(n) if value.bytes().all(|b| b.is_ascii_digit()) && n <= MAX_CELLS => Ok(()),
        _ => Err(FileProblem::TooLarge),
    }
}

fn beyond_caps((row, column): (u32, u32)) -> bool {
    row >= MAX_ROWS || column >= MAX_COLUMNS
}

/// The first sheet, cell by cell (calamine's streaming reader), into rows of the cells that
/// hold something; the sheet's declared dimension and every cell reference are checked against
/// the caps before anything is kept.
fn read_workbook(bytes: &[u8]) -> Result<Table, FileProblem> {
    check_unpacked_sizes(bytes)?;
    let mut book = calamine::Xlsx::new(Cursor::new(bytes)).map_err(|_| FileProblem::Unreadable)?;
    let first = book.sheet_names().first().cloned().ok_or(FileProblem::NoRows)?;
    let mut reader = book
        .worksheet_cells_reader(&first)
        .map_err(|_| FileProblem::Unreadable)?;
    if beyond_caps(reader.dimensions().end) {
        return Err(FileProblem::TooLarge);
    }
    let mut rows: BTreeMap<u32, Vec<Cell>> = BTreeMap::new();
    let (mut kept, mut text) = (0usize, 0usize);
    while let Some(cell) = reader.next_cell().map_err(|_| FileProblem::Unreadable)? {
        let (row, column) = cell.get_position();
        if beyond_caps((row, column)) {
            return Err(FileProblem::TooLarge);
        }
        // Measured before it is copied: one long shared string may be named by every cell.
        let length = text_length(cell.get_value());
        text += length;
        if length > MAX_CELL_BYTES || text > MAX_TEXT_BYTES {
            return Err(FileProblem::TooLarge);
        }
        let value = cell_of(cell.get_value());
        if value == Cell::Empty {
            continue;
        }
        kept += 1;
        if kept > MAX_CELLS {
            return Err(FileProblem::TooLarge);
        }
        let cells = rows.entry(row).or_default();
        let column = column as usize;
        if cells.len() <= column {
            cells.resize(column + 1, Cell::Empty);
        }
        cells[column] = value;
    }
    // Excel numbers rows from 1; the first row holding anything is the header.
    let mut rows = rows.into_iter().map(|(row, cells)| (row as usize + 1, cells));
    let (_, header_cells) = rows.next().ok_or(FileProblem::NoRows)?;
    Ok(Table {
        headers: header_cells.iter().map(Cell::text).collect(),
        rows: rows.collect(),
    })
}

fn text_length(data: &DataRef<'_>) -> usize {
    match data {
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.len(),
        DataRef::SharedString(s) => s.len(),
        _ => 0,
    }
}

fn cell_of(data: &DataRef<'_>) -> Cell {
    match data {
        DataRef::Int(n) => Cell::Number(*n as f64),
        DataRef::Float(n) => Cell::Number(*n),
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => Cell::Text(s.clone()),
        DataRef::SharedString(s) => Cell::Text((*s).to_owned()),
        DataRef::Bool(b) => Cell::Text(b.to_string()),
        DataRef::DateTime(d) => Cell::Text(excel_date(d.as_f64())),
        DataRef::Error(_) | DataRef::Empty => Cell::Empty,
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
