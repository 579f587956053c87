//! Rosters as counties keep them: .xlsx workbooks and CSV files, the latter in UTF-8 with or
//! without a BOM or in GBK/GB18030 as Chinese Excel saves them. A file is read into a `Table` of
//! cells whose row numbers are Excel's (the header is row 1), within caps that keep a crafted
//! file from exhausting the server, off the async threads and a few at a time.

mod read;
pub mod volunteers;
mod workbook;

pub use read::{MAX_CELLS, MAX_COLUMNS, MAX_ROWS, read_table};

/// Rosters parsed at once (see `uploads::parse_off_thread`); uploads have their own bound, so
/// neither keeps the other waiting.
static PARSING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// `read_table` off the async threads, at most two files at a time.
pub async fn read_table_off_thread(bytes: Vec<u8>) -> Result<Table, FileProblem> {
    match crate::uploads::parse_off_thread(&PARSING, move || read_table(&bytes)).await {
        Ok(Some(table)) => table,
        Ok(None) | Err(_) => Err(FileProblem::Unreadable),
    }
}
pub use workbook::{error_report, volunteer_template};

/// One cell as the roster holds it. A number is kept as a number: an ID number typed into a
/// number cell has already lost its last digits, and must be recognised as such.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64),
    Empty,
}

impl Cell {
    /// The cell as text, trimmed; numbers print without a trailing `.0`.
    pub fn text(&self) -> String {
        match self {
            Self::Text(s) => s.trim().to_owned(),
            Self::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
            Self::Number(n) => n.to_string(),
            Self::Empty => String::new(),
        }
    }

    pub fn is_blank(&self) -> bool {
        self.text().is_empty()
    }
}

/// A roster read from a file: its headers as written, and its data rows with Excel row numbers.
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<(usize, Vec<Cell>)>,
}

/// Why a file cannot be used as a roster at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileProblem {
    /// Not a workbook or a CSV file we can read.
    Unreadable,
    /// A required column is missing.
    WrongHeaders,
    /// A header and no data.
    NoRows,
    /// More rows, columns or cells than a roster may have.
    TooLarge,
    /// An archive that unpacks to far more than a roster can hold (a zip bomb).
    Expands,
    /// An old binary Excel file (.xls).
    LegacyFormat,
}

impl FileProblem {
    pub const fn code(self) -> hongmajia_domain::ErrorCode {
        match self {
            Self::Unreadable => hongmajia_domain::ErrorCode::UnreadableFile,
            Self::WrongHeaders => hongmajia_domain::ErrorCode::WrongHeaders,
            Self::NoRows => hongmajia_domain::ErrorCode::EmptyRoster,
            Self::TooLarge => hongmajia_domain::ErrorCode::RosterTooLarge,
            Self::Expands => hongmajia_domain::ErrorCode::FileExpandsTooMuch,
            Self::LegacyFormat => hongmajia_domain::ErrorCode::LegacySpreadsheet,
        }
    }
}
