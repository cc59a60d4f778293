//! People as the organisation loads them: the CSV import format and its validation.
//!
//! The file needs the columns `name`, `email`, `manager_email` and `team` (in any order, any
//! case); every other column becomes an attribute such as location or function. Every problem is
//! reported with its line number, and nothing is imported unless the whole file is clean.

use serde::{Deserialize, Serialize};
// foldhash: ~100,000 e-mails are hashed several times each in a large file.
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use std::fmt;
use std::io::Read;

/// The most rows one import accepts.
pub const MAX_IMPORT_ROWS: usize = 500_000;
/// The longest name, team or attribute value accepted, in characters.
pub const MAX_TEXT_CHARS: usize = 200;
/// The most problems reported for one file; the rest are counted.
pub const MAX_REPORTED_PROBLEMS: usize = 200;
/// The most columns a people file may have: the four required and up to 46 attributes.
pub const MAX_COLUMNS: usize = 50;

/// A validated, normalised (lowercase, trimmed) email address.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    /// Checks the shape of an address: one `@`, a non-empty local part, a dotted domain, no
    /// spaces or control characters, at most 254 characters.
    pub fn parse(text: &str) -> Result<Email, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("the email address is empty".into());
        }
        if text.len() > 254 || text.to_lowercase().len() > 254 {
            return Err("the email address is longer than 254 characters".into());
        }
        if text
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>,;\"".contains(c))
        {
            return Err(format!(
                "{text:?} contains a character an email address cannot have"
            ));
        }
        let Some((local, domain)) = text.split_once('@') else {
            return Err(format!("{text:?} has no @"));
        };
        if local.is_empty() || domain.contains('@') {
            return Err(format!("{text:?} is not an email address"));
        }
        let labels: Vec<&str> = domain.split('.').collect();
        if labels.len() < 2 || labels.iter().any(|l| l.is_empty()) {
            return Err(format!(
                "{text:?} needs a domain such as example.org after the @"
            ));
        }
        Ok(Email(text.to_lowercase()))
    }

    /// The address as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Checks a person's or team's display text: trimmed, not empty, not too long, no control
/// characters, none that changes the direction of text, and invisible ones removed
/// ([`crate::text::clean_name`]).
pub fn parse_text(what: &str, text: &str) -> Result<String, String> {
    let cleaned = crate::text::clean_name(text).map_err(|e| format!("the {what} {e}"))?;
    let text = cleaned.trim();
    if text.is_empty() {
        return Err(format!("the {what} is empty"));
    }
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err(format!(
            "the {what} is longer than {MAX_TEXT_CHARS} characters"
        ));
    }
    if text.chars().any(char::is_control) {
        return Err(format!("the {what} contains a control character"));
    }
    Ok(text.to_string())
}

/// One valid row of a people file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonRow {
    /// The line of the file the row came from (the header is line 1).
    pub line: u64,
    /// The person's name.
    pub name: String,
    /// The person's email, their identity in Trustloop.
    pub email: Email,
    /// Their manager's email, if they have one.
    pub manager_email: Option<Email>,
    /// Their team, if any.
    pub team: Option<String>,
    /// Extra attributes (column name → value), such as location or function; empty cells left out.
    pub attributes: Vec<(String, String)>,
}

/// One problem found in a people file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowProblem {
    /// The line of the file (1 is the header).
    pub line: u64,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl fmt::Display for RowProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// Why a people file was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportRefused {
    /// The problems, up to [`MAX_REPORTED_PROBLEMS`], in file order.
    pub problems: Vec<RowProblem>,
    /// How many problems were found in all.
    pub total: usize,
}

impl fmt::Display for ImportRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "The file has {} problem(s); nothing was imported.",
            self.total
        )?;
        for p in &self.problems {
            writeln!(f, "  {p}")?;
        }
        if self.total > self.problems.len() {
            writeln!(f, "  … and {} more", self.total - self.problems.len())?;
        }
        Ok(())
    }
}

/// A clean people file, ready to store in one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeopleFile {
    /// The rows, in file order.
    pub rows: Vec<PersonRow>,
    /// The attribute column names, in file order.
    pub attribute_names: Vec<String>,
}

const REQUIRED: [&str; 4] = ["name", "email", "manager_email", "team"];

/// Reads and checks a people file. `known_manager` says whether an email that is not in the file
/// belongs to someone already in the organisation (so a file may add people under existing
/// managers). `progress` is called with the number of rows read so far, every 1,000 rows.
pub fn parse_people_csv(
    mut input: impl Read,
    known_manager: impl Fn(&Email) -> bool,
    mut progress: impl FnMut(usize),
) -> Result<PeopleFile, ImportRefused> {
    let mut problems = Vec::new();
    let refuse = |problems: &mut Vec<RowProblem>, line: u64, message: String| {
        problems.push(RowProblem { line, message });
    };
    let mut bytes = Vec::new();
    if let Err(e) = input.read_to_end(&mut bytes) {
        return Err(ImportRefused {
            problems: vec![RowProblem {
                line: 1,
                message: format!("the file cannot be read: {e}"),
            }],
            total: 1,
        });
    }
    // Line numbers come from byte offsets, counting CRLF, LF and lone CR endings alike, as a
    // spreadsheet or text editor shows them.
    let lines = LineIndex::new(&bytes);
    if let Some(problem) = unreadable_file(
        &bytes,
        &lines,
        "a header line (name,email,manager_email,team) and a line per person",
    ) {
        return Err(ImportRefused {
            problems: vec![problem],
            total: 1,
        });
    }
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(bytes.as_slice());
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            return Err(ImportRefused {
                problems: vec![RowProblem {
                    line: 1,
                    message: format!("the header line cannot be read: {e}"),
                }],
                total: 1,
            });
        }
    };
    let names: Vec<String> = headers
        .iter()
        .map(|h| {
            h.trim_start_matches('\u{feff}')
                .trim()
                .to_lowercase()
                .replace([' ', '-'], "_")
        })
        .collect();
    if names.len() > MAX_COLUMNS {
        return Err(ImportRefused {
            problems: vec![RowProblem {
                line: 1,
                message: format!(
                    "the header has {} columns; a file may have at most {MAX_COLUMNS} (name, email, manager_email, team and up to {} attributes such as location)",
                    names.len(),
                    MAX_COLUMNS - REQUIRED.len()
                ),
            }],
            total: 1,
        });
    }
    let mut column = HashMap::new();
    for (i, name) in names.iter().enumerate() {
        if name.is_empty() {
            refuse(&mut problems, 1, format!("column {} has no name", i + 1));
        } else if column.insert(name.clone(), i).is_some() {
            refuse(
                &mut problems,
                1,
                format!("the column {name:?} appears twice"),
            );
        }
    }
    for required in REQUIRED {
        if !column.contains_key(required) {
            refuse(
                &mut problems,
                1,
                format!(
                    "the column {required:?} is missing; the header must include name, email, manager_email and team"
                ),
            );
        }
    }
    if !problems.is_empty() {
        let total = problems.len();
        problems.truncate(MAX_REPORTED_PROBLEMS);
        return Err(ImportRefused { problems, total });
    }
    let attribute_names: Vec<String> = names
        .iter()
        .filter(|n| !REQUIRED.contains(&n.as_str()))
        .cloned()
        .collect();
    let attribute_columns: Vec<(String, usize)> = attribute_names
        .iter()
        .map(|n| (n.clone(), column[n]))
        .collect();

    let mut rows: Vec<PersonRow> = Vec::new();
    let mut first_line_of: HashMap<Email, u64> = HashMap::new();
    for (index, record) in reader.records().enumerate() {
        if index % 1000 == 0 {
            progress(index);
        }
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e
                    .position()
                    .map_or(index as u64 + 2, |p| lines.line_of(p.byte()));
                refuse(&mut problems, line, format!("the line cannot be read: {e}"));
                continue;
            }
        };
        let line = record
            .position()
            .map_or(index as u64 + 2, |p| lines.line_of(p.byte()));
        if rows.len() + problems.len() >= MAX_IMPORT_ROWS {
            refuse(
                &mut problems,
                line,
                format!("a file may have at most {MAX_IMPORT_ROWS} rows"),
            );
            break;
        }
        if record.iter().all(str::is_empty) {
            continue;
        }
        if record.len() != names.len() {
            refuse(
                &mut problems,
                line,
                format!(
                    "has {} cells but the header has {}",
                    record.len(),
                    names.len()
                ),
            );
            continue;
        }
        let cell = |name: &str| record.get(column[name]).unwrap_or("");
        let mut row_problems = Vec::new();
        let name = parse_text("name", cell("name"))
            .map_err(|e| row_problems.push(e))
            .ok();
        let email = Email::parse(cell("email"))
            .map_err(|e| row_problems.push(e))
            .ok();
        let manager_email = match cell("manager_email") {
            "" => None,
            m => Email::parse(m)
                .map_err(|e| row_problems.push(format!("manager_email: {e}")))
                .ok(),
        };
        let team = match cell("team") {
            "" => None,
            t => parse_text("team", t).map_err(|e| row_problems.push(e)).ok(),
        };
        let mut attributes = Vec::new();
        for (attr, i) in &attribute_columns {
            let value = record.get(*i).unwrap_or("");
            if value.is_empty() {
                continue;
            }
            match parse_text(attr, value) {
                Ok(v) => attributes.push((attr.clone(), v)),
                Err(e) => row_problems.push(e),
            }
        }
        if let (Some(e), Some(m)) = (&email, &manager_email)
            && e == m
        {
            row_problems.push("a person cannot be their own manager".into());
        }
        if let Some(e) = &email
            && let Some(first) = first_line_of.get(e)
        {
            row_problems.push(format!("{e} is already on line {first}"));
        }
        match (name, email, row_problems.is_empty()) {
            (Some(name), Some(email), true) => {
                first_line_of.insert(email.clone(), line);
                rows.push(PersonRow {
                    line,
                    name,
                    email,
                    manager_email,
                    team,
                    attributes,
                });
            }
            (_, email, _) => {
                if let Some(e) = email {
                    first_line_of.entry(e).or_insert(line);
                }
                for message in row_problems {
                    refuse(&mut problems, line, message);
                }
            }
        }
    }
    progress(rows.len() + problems.len());

    for row in &rows {
        if let Some(m) = &row.manager_email
            && !first_line_of.contains_key(m)
            && !known_manager(m)
        {
            refuse(
                &mut problems,
                row.line,
                format!("the manager {m} is neither in this file nor already in Trustloop"),
            );
        }
    }
    check_reporting_cycles(&rows, &mut problems);
    if rows.is_empty() && problems.is_empty() {
        refuse(&mut problems, 2, "the file has no people in it".into());
    }
    if problems.is_empty() {
        Ok(PeopleFile {
            rows,
            attribute_names,
        })
    } else {
        problems.sort_by_key(|p| p.line);
        let total = problems.len();
        problems.truncate(MAX_REPORTED_PROBLEMS);
        Err(ImportRefused { problems, total })
    }
}

/// What makes a whole file unreadable, said so that its owner can fix it: an empty file, text
/// that is not UTF-8 (a spreadsheet's own encoding), or a quote that opens a cell and is never
/// closed (the rest of the file would be read as that one cell).
pub(crate) fn unreadable_file(
    bytes: &[u8],
    lines: &LineIndex<'_>,
    needs: &str,
) -> Option<RowProblem> {
    let problem = |line, message: &str| {
        Some(RowProblem {
            line,
            message: message.to_string(),
        })
    };
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if text.iter().all(u8::is_ascii_whitespace) {
        return problem(1, &format!("the file is empty: it needs {needs}"));
    }
    let start = bytes.len() - text.len();
    // A spreadsheet's own encodings (Windows-1252, UTF-16 with its byte-order mark) are not
    // UTF-8 from their first accented letter or their first byte.
    if let Err(e) = std::str::from_utf8(text) {
        return problem(
            lines.line_of((start + e.valid_up_to()) as u64),
            "the file is not UTF-8 text: save it as UTF-8 (in Excel, \"CSV UTF-8 (Comma delimited)\"; in LibreOffice, character set \"Unicode (UTF-8)\") and upload it again",
        );
    }
    // Quotes open a cell only at its start; inside one, "" is a quote and " closes it.
    let mut opened_at = None;
    let mut at_cell_start = true;
    let mut i = 0;
    while i < text.len() {
        let b = text[i];
        match opened_at {
            Some(_) if b == b'"' && text.get(i + 1) == Some(&b'"') => i += 1,
            Some(_) if b == b'"' => opened_at = None,
            Some(_) => {}
            None if b == b'"' && at_cell_start => opened_at = Some(i),
            None => {}
        }
        at_cell_start = opened_at.is_none() && matches!(b, b',' | b'\n' | b'\r');
        i += 1;
    }
    opened_at.and_then(|at| {
        problem(
            lines.line_of((start + at) as u64),
            "a quote (\") opens a cell on this line and is never closed, so the rest of the file would be read as that one cell: close the quote, or remove it",
        )
    })
}

/// The byte offsets where lines start, to turn a byte position into a line number.
pub(crate) struct LineIndex<'a> {
    bytes: &'a [u8],
    starts: Vec<u64>,
}

impl<'a> LineIndex<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> LineIndex<'a> {
        let mut starts = vec![0];
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\r' if bytes.get(i + 1) == Some(&b'\n') => {
                    starts.push(i as u64 + 2);
                    i += 2;
                    continue;
                }
                b'\r' | b'\n' => starts.push(i as u64 + 1),
                _ => {}
            }
            i += 1;
        }
        LineIndex { bytes, starts }
    }

    /// The 1-based line where the record reported at byte `offset` begins. The csv reader may
    /// report a record's start at the line break (or blank lines) before it; a record never
    /// starts with a line break, so those bytes are skipped first.
    pub(crate) fn line_of(&self, offset: u64) -> u64 {
        let mut at = offset as usize;
        while at < self.bytes.len() && matches!(self.bytes[at], b'\r' | b'\n') {
            at += 1;
        }
        let at = at.min(self.bytes.len().saturating_sub(1)) as u64;
        self.starts.partition_point(|s| *s <= at) as u64
    }
}

/// Reports every row whose chain of managers inside the file comes back to itself.
fn check_reporting_cycles(rows: &[PersonRow], problems: &mut Vec<RowProblem>) {
    let manager_of: HashMap<&Email, &Email> = rows
        .iter()
        .filter_map(|r| r.manager_email.as_ref().map(|m| (&r.email, m)))
        .collect();
    let mut known_good: HashSet<&Email> = HashSet::new();
    let mut seen: HashSet<&Email> = HashSet::new();
    for row in rows {
        seen.clear();
        let mut current = &row.email;
        let mut cyclic = false;
        while let Some(next) = manager_of.get(current) {
            if known_good.contains(next) {
                break;
            }
            if !seen.insert(current) {
                // A loop further up the chain that does not pass through this row.
                break;
            }
            current = next;
            if current == &row.email {
                cyclic = true;
                break;
            }
        }
        if cyclic {
            problems.push(RowProblem {
                line: row.line,
                message: format!(
                    "{} is in a reporting loop (their managers lead back to them)",
                    row.email
                ),
            });
        } else {
            known_good.insert(&row.email);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<PeopleFile, ImportRefused> {
        parse_people_csv(text.as_bytes(), |_| false, |_| {})
    }

    #[test]
    fn a_clean_file_with_extra_columns_becomes_rows_with_attributes() {
        let file = parse(
            "Name,Email,Manager Email,Team,Location\n\
             Ada Lovelace,ADA@example.org,,Leadership,London\n\
             Grace Hopper,grace@example.org,ada@example.org,Platform,\n",
        )
        .expect("clean");
        assert_eq!(file.attribute_names, vec!["location"]);
        assert_eq!(file.rows.len(), 2);
        assert_eq!(file.rows[0].email.as_str(), "ada@example.org");
        assert_eq!(
            file.rows[0].attributes,
            vec![("location".into(), "London".into())]
        );
        assert_eq!(
            file.rows[1].manager_email.as_ref().map(Email::as_str),
            Some("ada@example.org")
        );
        assert!(file.rows[1].attributes.is_empty());
        assert_eq!(file.rows[1].line, 3);
    }

    #[test]
    fn every_bad_row_is_reported_with_its_line() {
        let refused = parse(
            "name,email,manager_email,team\n\
             Ada,ada@example.org,,A\n\
             ,nobody@example.org,,A\n\
             Bob,not-an-email,,A\n\
             Cy,ada@example.org,,A\n\
             Di,di@example.org,ghost@example.org,A\n\
             Ed,ed@example.org,,A,extra\n",
        )
        .expect_err("bad rows");
        let lines: Vec<u64> = refused.problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, vec![3, 4, 5, 6, 7], "{refused}");
        assert!(refused.problems[2].message.contains("already on line 2"));
        assert!(refused.problems[3].message.contains("ghost@example.org"));
    }

    #[test]
    fn unreadable_files_are_refused_saying_what_to_do() {
        let refused = |bytes: &[u8]| {
            let e = parse_people_csv(bytes, |_| false, |_| {}).expect_err("refused");
            assert_eq!(e.total, 1, "{e}");
            e.problems[0].clone()
        };
        for empty in [&b""[..], b"\xEF\xBB\xBF", b"\n\r\n  \n"] {
            assert!(refused(empty).message.starts_with("the file is empty"));
        }
        let latin1 =
            b"name,email,manager_email,team\nA,a@example.org,,T\nJos\xE9,j@example.org,,T\n";
        let problem = refused(latin1);
        assert_eq!(problem.line, 3);
        assert!(
            problem.message.contains("save it as UTF-8"),
            "{}",
            problem.message
        );
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("name,email".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert!(refused(&utf16).message.contains("save it as UTF-8"));
        let unclosed = "name,email,manager_email,team\nA,a@example.org,,T\n\"B,b@example.org,,T\nC,c@example.org,,T\n";
        let problem = refused(unclosed.as_bytes());
        assert_eq!(problem.line, 3);
        assert!(
            problem.message.contains("never closed"),
            "{}",
            problem.message
        );
        let quoted = "name,email,manager_email,team\n\"Lee, \"\"Jr\"\"\",l@example.org,,\"T\"\n";
        assert!(parse_people_csv(quoted.as_bytes(), |_| false, |_| {}).is_ok());
        let wide = format!(
            "name,email,manager_email,team,{}\n",
            (0..47)
                .map(|i| format!("a{i}"))
                .collect::<Vec<_>>()
                .join(",")
        );
        let problem = refused(wide.as_bytes());
        assert!(
            problem.message.contains("at most 50"),
            "{}",
            problem.message
        );
    }

    #[test]
    fn names_that_change_the_direction_of_text_are_refused_and_invisible_characters_removed() {
        let text = "name,email,manager_email,team\nAnn\u{202E}gnp.exe,a@example.org,,T\nBo\u{200B}b,b@example.org,,Te\u{FEFF}am\n";
        let refused = parse_people_csv(text.as_bytes(), |_| false, |_| {}).expect_err("refused");
        assert_eq!(refused.problems[0].line, 2);
        assert!(refused.problems[0].message.contains("U+202E"), "{refused}");
        let fine = "name,email,manager_email,team\nBo\u{200B}b,b@example.org,,Te\u{FEFF}am\n";
        let file = parse_people_csv(fine.as_bytes(), |_| false, |_| {}).expect("clean");
        assert_eq!(file.rows[0].name, "Bob");
        assert_eq!(file.rows[0].team.as_deref(), Some("Team"));
    }

    #[test]
    fn a_missing_column_is_refused_before_any_row() {
        let refused =
            parse("name,email,team\nAda,ada@example.org,A\n").expect_err("no manager column");
        assert_eq!(refused.total, 1);
        assert!(refused.problems[0].message.contains("manager_email"));
    }

    #[test]
    fn reporting_loops_are_found_but_a_chain_is_fine() {
        let refused = parse(
            "name,email,manager_email,team\n\
             A,a@x.org,b@x.org,T\n\
             B,b@x.org,c@x.org,T\n\
             C,c@x.org,a@x.org,T\n\
             D,d@x.org,a@x.org,T\n",
        )
        .expect_err("loop");
        let lines: Vec<u64> = refused.problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, vec![2, 3, 4]);
        let chain = parse(
            "name,email,manager_email,team\nA,a@x.org,,T\nB,b@x.org,a@x.org,T\nC,c@x.org,b@x.org,T\n",
        );
        assert!(chain.is_ok());
    }

    #[test]
    fn a_manager_already_in_trustloop_is_accepted() {
        let text = "name,email,manager_email,team\nA,a@x.org,boss@x.org,T\n";
        let known = |e: &Email| e.as_str() == "boss@x.org";
        assert!(parse_people_csv(text.as_bytes(), known, |_| {}).is_ok());
    }

    #[test]
    fn email_shapes_are_checked() {
        assert!(Email::parse("a@b.co").is_ok());
        for bad in [
            "", "a", "a@b", "@b.co", "a b@c.co", "a@@b.co", "a@b..co", "<a@b.co>",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }
}
