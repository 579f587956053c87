//! Cells written for spreadsheets (Security 2, item 4): a CSV cell that begins with `=`, `+`, `-`,
//! `@`, a tab or a carriage return is taken by Excel and WPS for a formula (`=HYPERLINK(…)` in a
//! team name, `=cmd|' /C calc'!A0` in a skill). Such a text cell is written with a leading
//! apostrophe, which the spreadsheet shows as text and hides; numbers stay numbers.

use std::borrow::Cow;

const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// The cell as a spreadsheet should read it: text that would start a formula gets a leading `'`.
pub fn neutralise_formula(cell: &str) -> Cow<'_, str> {
    let starts_formula = cell.starts_with(FORMULA_STARTS);
    if starts_formula && cell.trim().parse::<f64>().is_err() {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn formulas_become_text_and_numbers_stay_numbers() {
        assert_eq!(neutralise_formula("=cmd|' /C calc'!A0"), "'=cmd|' /C calc'!A0");
        assert_eq!(
            neutralise_formula("=HYPERLINK(\"http://x\")"),
            "'=HYPERLINK(\"http://x\")"
        );
        assert_eq!(neutralise_formula("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralise_formula("\t=1"), "'\t=1");
        assert_eq!(neutralise_formula("+86 13900000000"), "'+86 13900000000");
        assert_eq!(neutralise_formula("-5"), "-5");
        assert_eq!(neutralise_formula("+1.5"), "+1.5");
        assert_eq!(neutralise_formula("稷山县"), "稷山县");
        assert_eq!(neutralise_formula(""), "");
    }

    proptest! {
        #[test]
        fn no_cell_starts_a_formula_unless_it_is_a_number_and_none_loses_a_character(cell in "\\PC{0,12}") {
            let safe = neutralise_formula(&cell);
            prop_assert!(!safe.starts_with(FORMULA_STARTS) || safe.trim().parse::<f64>().is_ok());
            prop_assert!(safe == cell || safe.strip_prefix('\'') == Some(cell.as_str()));
        }
    }
}
