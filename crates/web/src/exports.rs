//! Downloads of the tables the pages show, as CSV and as an Excel workbook: the same rows, made
//! by the same code as the page, so an export never shows what the page withholds (the privacy
//! rules are applied once, before either sees the figures).
//!
//! A cell is what the page shows: a text, or a number with the words the page prints for it
//! ("72", "61–80"). A figure the page withholds (a dash) is an empty cell, and the row's note
//! says why. Texts that a spreadsheet would take for a formula (starting with `=`, `+`, `-`,
//! `@`, a tab or a carriage return) are written with a leading apostrophe in CSV, as OWASP
//! advises; the workbook stores every text as text, never as a formula.

use crate::error::{AppError, AppResult};
use axum::http::header;
use axum::response::{IntoResponse, Response};

/// A column of an exported table: its heading and what it holds.
#[derive(Debug, Clone)]
pub struct Column {
    /// The heading, as on the page.
    pub heading: &'static str,
    /// What the column holds, in words: its scale and when it is empty.
    pub explains: &'static str,
}

impl Column {
    /// A column headed `heading`, holding what `explains` says.
    pub const fn new(heading: &'static str, explains: &'static str) -> Column {
        Column { heading, explains }
    }

    /// The heading row's cell: the heading and, in brackets, what it holds, so that a CSV file
    /// explains itself.
    pub fn header(&self) -> String {
        format!("{} ({})", self.heading, self.explains)
    }
}

/// One cell as the page shows it.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// A text.
    Text(String),
    /// A number: the words the page shows, and the value they stand for (the workbook stores
    /// the value, rounded as shown).
    Number(String),
    /// Nothing: the page shows a dash (withheld or not applicable).
    Empty,
}

impl Cell {
    /// A cell for what a page shows as `shown`: a dash is empty, a number is a number, and
    /// anything else is text.
    pub fn shown(shown: &str) -> Cell {
        let shown = shown.trim();
        if shown.is_empty() || shown == "–" || shown == "-" {
            Cell::Empty
        } else if shown.parse::<f64>().is_ok() {
            Cell::Number(shown.to_string())
        } else {
            Cell::Text(shown.to_string())
        }
    }

    /// A text cell, whatever it reads like.
    pub fn text(text: impl Into<String>) -> Cell {
        Cell::Text(text.into())
    }

    /// The cell in a CSV file.
    fn csv(&self) -> String {
        match self {
            Cell::Text(text) => formula_safe(text),
            Cell::Number(shown) => shown.clone(),
            Cell::Empty => String::new(),
        }
    }
}

/// `text` as a spreadsheet reads it as text: with an apostrophe before a first character that
/// would start a formula.
pub fn formula_safe(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_string(),
    }
}

/// A table as a page shows it, ready to download.
#[derive(Debug, Clone)]
pub struct Table {
    /// The file's name without its extension (letters, digits and dashes).
    pub file: String,
    /// The title, as the page's heading.
    pub title: String,
    /// What the figures are and how the privacy rules shaped them, in a sentence or two.
    pub about: String,
    /// The columns.
    pub columns: Vec<Column>,
    /// The rows, each with one cell per column.
    pub rows: Vec<Vec<Cell>>,
}

/// How a table is downloaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated values, UTF-8 with a byte-order mark (which spreadsheets need to read
    /// it as UTF-8).
    Csv,
    /// An Excel workbook (`.xlsx`).
    Xlsx,
}

impl Format {
    /// The format an address's extension names (`csv` or `xlsx`).
    pub fn from_extension(extension: &str) -> Option<Format> {
        match extension {
            "csv" => Some(Format::Csv),
            "xlsx" => Some(Format::Xlsx),
            _ => None,
        }
    }
}

impl Table {
    /// The table as a CSV file: a heading row that explains each column, then the rows.
    pub fn csv(&self) -> AppResult<Vec<u8>> {
        let mut out = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
        let failed = |e: csv::Error| AppError::Internal(anyhow::anyhow!("writing CSV: {e}"));
        out.write_record(self.columns.iter().map(Column::header))
            .map_err(failed)?;
        for row in &self.rows {
            out.write_record(row.iter().map(Cell::csv))
                .map_err(failed)?;
        }
        out.into_inner()
            .map_err(|e| AppError::Internal(anyhow::anyhow!("writing CSV: {e}")))
    }

    /// The table as a workbook: one sheet with the headings (each with a note saying what the
    /// column holds) and the rows, numbers as numbers; a second sheet says what the figures
    /// are.
    pub fn xlsx(&self) -> AppResult<Vec<u8>> {
        use rust_xlsxwriter::{Format as Style, Note, Workbook};
        let failed = |e: rust_xlsxwriter::XlsxError| {
            AppError::Internal(anyhow::anyhow!("writing XLSX: {e}"))
        };
        let mut book = Workbook::new();
        let bold = Style::new().set_bold();
        let sheet = book.add_worksheet();
        sheet.set_name("Figures").map_err(failed)?;
        for (c, column) in self.columns.iter().enumerate() {
            let c = col(c)?;
            sheet
                .write_string_with_format(0, c, column.heading, &bold)
                .map_err(failed)?;
            sheet
                .insert_note(0, c, &Note::new(column.explains).set_author("Trustloop"))
                .map_err(failed)?;
            sheet.set_column_width(c, 16).map_err(failed)?;
        }
        for (r, row) in self.rows.iter().enumerate() {
            let r = u32::try_from(r + 1)
                .map_err(|_| AppError::Internal(anyhow::anyhow!("too many rows")))?;
            for (c, cell) in row.iter().enumerate() {
                let c = col(c)?;
                match cell {
                    Cell::Text(text) => sheet.write_string(r, c, text).map(|_| ()),
                    Cell::Number(shown) => match shown.parse::<f64>() {
                        Ok(value) => sheet.write_number(r, c, value).map(|_| ()),
                        Err(_) => sheet.write_string(r, c, shown).map(|_| ()),
                    },
                    Cell::Empty => Ok(()),
                }
                .map_err(failed)?;
            }
        }
        let about = book.add_worksheet();
        about.set_name("About").map_err(failed)?;
        about.set_column_width(0, 24).map_err(failed)?;
        about.set_column_width(1, 100).map_err(failed)?;
        about
            .write_string_with_format(0, 0, &self.title, &bold)
            .map_err(failed)?;
        about.write_string(1, 0, &self.about).map_err(failed)?;
        for (i, column) in self.columns.iter().enumerate() {
            let r = u32::try_from(i + 3)
                .map_err(|_| AppError::Internal(anyhow::anyhow!("too many columns")))?;
            about
                .write_string_with_format(r, 0, column.heading, &bold)
                .map_err(failed)?;
            about.write_string(r, 1, column.explains).map_err(failed)?;
        }
        book.save_to_buffer().map_err(failed)
    }

    /// The download of the table in `format`.
    pub fn download(&self, format: Format) -> AppResult<Response> {
        let (body, kind, extension) = match format {
            Format::Csv => (self.csv()?, "text/csv; charset=utf-8", "csv"),
            Format::Xlsx => (
                self.xlsx()?,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "xlsx",
            ),
        };
        let disposition = format!("attachment; filename=\"{}.{extension}\"", self.file);
        Ok((
            [
                (header::CONTENT_TYPE, kind.to_string()),
                (header::CONTENT_DISPOSITION, disposition),
            ],
            body,
        )
            .into_response())
    }
}

/// A column number as the workbook counts them.
fn col(c: usize) -> AppResult<u16> {
    u16::try_from(c).map_err(|_| AppError::Internal(anyhow::anyhow!("too many columns")))
}

/// A file name's part made of `text`: lower-case letters and digits, other runs as one dash.
pub fn file_part(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_that_start_a_formula_are_kept_as_text_and_numbers_stay_numbers() {
        for risky in ["=1+1", "+44 20", "-2+3", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(Cell::text(risky).csv(), format!("'{risky}"));
        }
        assert_eq!(Cell::text("Platform").csv(), "Platform");
        assert_eq!(
            Cell::shown("-3").csv(),
            "-3",
            "a negative number is a number"
        );
        assert_eq!(Cell::shown("72"), Cell::Number("72".into()));
        assert_eq!(Cell::shown("–"), Cell::Empty);
        assert_eq!(Cell::shown("61–80"), Cell::Text("61–80".into()));
    }

    #[test]
    fn a_file_name_is_made_of_letters_digits_and_single_dashes() {
        assert_eq!(
            file_part("Spring 2026: Trust 360!"),
            "spring-2026-trust-360"
        );
        assert_eq!(file_part("../etc/passwd"), "etc-passwd");
        assert_eq!(file_part("Équipe"), "quipe");
    }

    #[test]
    fn the_csv_starts_with_a_byte_order_mark_and_a_heading_row_that_explains_itself() {
        let table = Table {
            file: "t".into(),
            title: "T".into(),
            about: "About".into(),
            columns: vec![Column::new("Team", "the team's name")],
            rows: vec![vec![Cell::text("=cmd")], vec![Cell::Empty]],
        };
        let csv = String::from_utf8(table.csv().expect("csv")).expect("utf-8");
        assert_eq!(csv, "\u{feff}Team (the team's name)\n'=cmd\n\"\"\n");
    }
}
