//! Property-based fuzzing of the parsers that read what people type or upload: the people CSV
//! importer (`parse_people_csv`, `Email::parse`, `parse_text`), the survey form
//! (`SurveyAnswers::parse`), and the campaign form (`CampaignName::parse`, `parse_deadline`,
//! `PrivacyRules::new`).
//!
//! Three kinds of property:
//! - **No panics, consistent results** on arbitrary input: raw bytes (invalid UTF-8, NULs, BOMs,
//!   stray quotes, CR/LF mixes, very long cells) for the CSV, arbitrary field lists for the form.
//!   Whatever the parser says must hold: an accepted file has valid, unique emails, managers that
//!   exist, no reporting loop and increasing line numbers; a refusal lists its problems by line.
//! - **Valid input is accepted and round-trips**: generated organisations (random trees, random
//!   attribute columns, random header case, order and spacing, quoting, BOM, CRLF, blank lines).
//! - **Each defect is reported exactly where it is**: one injected defect (empty name, bad email,
//!   duplicate, unknown manager, reporting loop, …) is reported at exactly its line(s).
//!
//! The default run is bounded (256 cases per property, a few seconds in a debug build) so it runs
//! with every `cargo test`. The number of cases comes from `TRUSTLOOP_FUZZ_CASES`; a longer run:
//!
//! ```text
//! TRUSTLOOP_FUZZ_CASES=100000 cargo test -p trustloop-domain --test fuzz_parsers --release
//! ```
//!
//! A failing case is shrunk and printed; copy it into a plain `#[test]` below as a regression
//! (regression files are not written, so a run leaves the tree untouched).

#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use proptest::sample::{Index, select};
use proptest::test_runner::TestCaseError;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::io::Read;
use time::Date;
use trustloop_domain::campaign::{CampaignName, parse_deadline};
use trustloop_domain::instrument::Instrument;
use trustloop_domain::people::{
    Email, ImportRefused, MAX_COLUMNS, MAX_REPORTED_PROBLEMS, MAX_TEXT_CHARS, PeopleFile,
    parse_people_csv, parse_text,
};
use trustloop_domain::privacy::PrivacyRules;
use trustloop_domain::rating::{
    CANT_SAY_VALUE, MAX_COMMENT_CHARS, Rating, SurveyAnswers, comment_field, item_field,
};

/// Cases per property: `TRUSTLOOP_FUZZ_CASES`, 256 by default.
fn config() -> ProptestConfig {
    let cases = std::env::var("TRUSTLOOP_FUZZ_CASES")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(256);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

// ============================================================================ helpers

/// An email "already in Trustloop" for the fuzzed files.
fn known_manager(e: &Email) -> bool {
    e.as_str().ends_with("@known.example")
}

fn parse_bytes(bytes: &[u8]) -> Result<PeopleFile, ImportRefused> {
    parse_people_csv(bytes, known_manager, |_| {})
}

/// A reader that hands out one byte per `read` after a first read of up to 4 bytes, to check
/// that the result does not depend on how the input arrives. (The csv crate strips a BOM only
/// when it arrives in one read, and takes a first read of exactly the BOM for the end of the
/// file; files and slices never read so little, so that is left out.)
struct Trickle<'a>(&'a [u8], bool);

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = if self.1 { 1 } else { 4 }.min(self.0.len()).min(buf.len());
        self.1 = true;
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

/// The number of lines a file has, counting a final line without a line ending.
/// Lines as an editor counts them: CRLF, LF and a lone CR each end one.
fn line_count(bytes: &[u8]) -> u64 {
    let lf = bytes.iter().filter(|b| **b == b'\n').count();
    let lone_cr = bytes
        .iter()
        .enumerate()
        .filter(|(i, b)| **b == b'\r' && bytes.get(i + 1) != Some(&b'\n'))
        .count();
    (lf + lone_cr) as u64 + 1
}

/// Checks what must hold for any outcome of `parse_people_csv` on `bytes`.
fn check_import_outcome(
    bytes: &[u8],
    outcome: &Result<PeopleFile, ImportRefused>,
) -> Result<(), TestCaseError> {
    match outcome {
        Ok(file) => check_accepted(bytes, file),
        Err(refused) => check_refused(bytes, refused),
    }
}

fn check_accepted(bytes: &[u8], file: &PeopleFile) -> Result<(), TestCaseError> {
    prop_assert!(!file.rows.is_empty(), "an accepted file has people");
    let mut emails = HashSet::new();
    for row in &file.rows {
        // Valid: parsing the stored email again gives the same email.
        prop_assert_eq!(
            Email::parse(row.email.as_str()),
            Ok(row.email.clone()),
            "line {}: accepted email is not valid on its own",
            row.line
        );
        prop_assert!(
            emails.insert(row.email.clone()),
            "line {}: {} is accepted twice",
            row.line,
            row.email
        );
        prop_assert_eq!(parse_text("name", &row.name), Ok(row.name.clone()));
        if let Some(team) = &row.team {
            prop_assert_eq!(parse_text("team", team), Ok(team.clone()));
        }
        for (name, value) in &row.attributes {
            prop_assert!(file.attribute_names.contains(name));
            prop_assert_eq!(parse_text(name, value), Ok(value.clone()));
        }
    }
    let manager_of: HashMap<&Email, &Email> = file
        .rows
        .iter()
        .filter_map(|r| r.manager_email.as_ref().map(|m| (&r.email, m)))
        .collect();
    for row in &file.rows {
        if let Some(m) = &row.manager_email {
            prop_assert!(m != &row.email, "line {}: own manager", row.line);
            prop_assert!(
                emails.contains(m) || known_manager(m),
                "line {}: manager {} is neither in the file nor known",
                row.line,
                m
            );
        }
        // Walk up the chain: it must end within as many steps as there are people.
        let mut current = &row.email;
        let mut steps = 0;
        while let Some(next) = manager_of.get(current) {
            current = next;
            steps += 1;
            prop_assert!(
                steps <= file.rows.len(),
                "line {}: {} is in or under a reporting loop",
                row.line,
                row.email
            );
        }
    }
    let lines: Vec<u64> = file.rows.iter().map(|r| r.line).collect();
    prop_assert!(
        lines.windows(2).all(|w| w[0] < w[1]),
        "line numbers strictly increase: {:?}",
        lines
    );
    prop_assert!(
        lines[0] >= 2,
        "the first person is after the header: {:?}",
        lines
    );
    prop_assert!(*lines.last().unwrap() <= line_count(bytes));
    Ok(())
}

fn check_refused(bytes: &[u8], refused: &ImportRefused) -> Result<(), TestCaseError> {
    prop_assert!(!refused.problems.is_empty(), "a refusal says why");
    prop_assert!(refused.total >= refused.problems.len());
    prop_assert!(
        refused.problems.len() <= MAX_REPORTED_PROBLEMS,
        "{} problems listed",
        refused.problems.len()
    );
    prop_assert!(
        refused.problems.windows(2).all(|w| w[0].line <= w[1].line),
        "problems are sorted by line"
    );
    // "The file has no people" points at line 2 even in a one-line file.
    let last_line = line_count(bytes).max(2);
    for p in &refused.problems {
        prop_assert!(p.line >= 1, "line numbers start at 1: {}", p);
        prop_assert!(
            p.line <= last_line,
            "{} is past the end ({} lines)",
            p,
            last_line
        );
        prop_assert!(!p.message.trim().is_empty());
    }
    prop_assert!(!refused.to_string().is_empty());
    Ok(())
}

// ============================================================================ arbitrary CSV bytes

fn csv_token() -> impl Strategy<Value = Vec<u8>> {
    let words = select(vec![
        "name",
        "email",
        "manager_email",
        "team",
        "Manager Email",
        " NAME ",
        "E-mail",
        "manager-email",
        "location",
        "Location",
        "",
    ]);
    let emails = select(vec![
        "a@x.org",
        "A@X.ORG",
        "b@x.org",
        "c@x.org",
        "d@x.org",
        "boss@known.example",
        "ghost@nowhere.example",
        " a@x.org ",
        "not-an-email",
        "a@b",
        "@x.org",
        "a@@x.org",
        "x@y..org",
        "<a@x.org>",
    ]);
    prop_oneof![
        6 => Just(b",".to_vec()),
        4 => Just(b"\n".to_vec()),
        2 => Just(b"\r\n".to_vec()),
        1 => Just(b"\r".to_vec()),
        3 => Just(b"\"".to_vec()),
        1 => Just("\u{feff}".as_bytes().to_vec()),
        1 => Just(vec![0u8]),
        1 => Just(vec![0xff, 0xfe, 0x80]),
        1 => Just(b" \t ".to_vec()),
        3 => words.prop_map(|w| w.as_bytes().to_vec()),
        5 => emails.prop_map(|e| e.as_bytes().to_vec()),
        3 => "[a-zA-Z <>=+@'\"&;/()-]{0,12}".prop_map(String::into_bytes),
        1 => "\\PC{0,8}".prop_map(String::into_bytes),
        1 => proptest::collection::vec(any::<u8>(), 0..16),
        1 => (1usize..3000, select(vec!["x", "é", "\"", ","])).prop_map(|(n, s)| s.repeat(n).into_bytes()),
    ]
}

fn concat(parts: Vec<Vec<u8>>) -> Vec<u8> {
    parts.concat()
}

/// Arbitrary bytes, CSV-shaped noise, and noise after a valid header (so rows get checked).
fn csv_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        1 => proptest::collection::vec(any::<u8>(), 0..400),
        3 => proptest::collection::vec(csv_token(), 0..150).prop_map(concat),
        4 => (
            select(vec![
                "name,email,manager_email,team\n",
                "\u{feff}Name,Email,Manager Email,Team,Location\r\n",
                "team , MANAGER-EMAIL, email ,name\n",
            ]),
            proptest::collection::vec(csv_token(), 0..200),
        )
            .prop_map(|(h, rest)| [h.as_bytes().to_vec(), concat(rest)].concat()),
    ]
}

/// Rows built from a small pool of emails, so duplicates, chains, loops and unknown managers are
/// common, in otherwise well-formed files.
fn pooled_rows_file() -> impl Strategy<Value = Vec<u8>> {
    let pool = select(vec![
        "a@x.org",
        "b@x.org",
        "c@x.org",
        "d@x.org",
        "e@x.org",
        "B@X.org",
        "boss@known.example",
        "ghost@nowhere.example",
        "",
    ]);
    let row = (
        select(vec![
            "Ann",
            "Bo",
            "",
            " ",
            "<b>C</b>",
            "=1+1",
            "Dee \"D\" Lee",
        ]),
        pool.clone(),
        pool,
        select(vec!["", "T", "Platform"]),
    );
    (
        proptest::collection::vec(row, 0..12),
        select(vec!["\n", "\r\n"]),
    )
        .prop_map(|(rows, eol)| {
            let mut text = format!("name,email,manager_email,team{eol}");
            for (name, email, manager, team) in rows {
                let name = format!("\"{}\"", name.replace('"', "\"\""));
                text.push_str(&format!("{name},{email},{manager},{team}{eol}"));
            }
            text.into_bytes()
        })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn any_bytes_are_parsed_without_panic_into_a_consistent_outcome(bytes in csv_bytes()) {
        let outcome = parse_bytes(&bytes);
        check_import_outcome(&bytes, &outcome)?;
        // The same answer however the bytes arrive (error texts may quote other byte offsets).
        let trickled = parse_people_csv(Trickle(&bytes, false), known_manager, |_| {});
        match (&trickled, &outcome) {
            (Ok(a), Ok(b)) => prop_assert_eq!(a, b),
            (Err(a), Err(b)) => {
                let lines = |r: &ImportRefused| r.problems.iter().map(|p| p.line).collect::<Vec<_>>();
                prop_assert_eq!(lines(a), lines(b));
                prop_assert_eq!(a.total, b.total);
            }
            _ => prop_assert!(false, "{:?} read in one go, {:?} byte by byte", outcome, trickled),
        }
    }

    #[test]
    fn files_with_few_distinct_people_are_judged_consistently(bytes in pooled_rows_file()) {
        let outcome = parse_bytes(&bytes);
        check_import_outcome(&bytes, &outcome)?;
    }

    #[test]
    fn progress_is_reported_without_panic_and_never_goes_backwards(bytes in csv_bytes()) {
        let mut seen = Vec::new();
        let _ = parse_people_csv(bytes.as_slice(), known_manager, |n| seen.push(n));
        prop_assert!(seen.windows(2).all(|w| w[0] <= w[1]), "progress {:?}", seen);
    }
}

// ============================================================================ generated valid org files

/// A column of the generated file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Name,
    Email,
    Manager,
    Team,
    Attribute(usize),
}

/// One person of a generated organisation, before rendering.
#[derive(Debug, Clone)]
struct GenPerson {
    /// The name as written in the cell (may carry spaces to trim).
    name: String,
    /// The email as written (random case, may carry spaces).
    email: String,
    /// The index of their manager in the organisation, if in the file.
    manager: Option<usize>,
    /// A manager already in Trustloop, as written, when not in the file.
    known_manager: Option<String>,
    team: Option<String>,
    /// One optional value per attribute column.
    attributes: Vec<Option<String>>,
}

/// A generated organisation and how to write it.
#[derive(Debug, Clone)]
struct GenOrg {
    people: Vec<GenPerson>,
    /// The person shown on each row, in file order (a permutation of the people).
    order: Vec<usize>,
    /// Attribute column names as written in the header.
    attribute_headers: Vec<String>,
    /// Header cells for name, email, manager_email, team as written.
    required_headers: [String; 4],
    columns: Vec<Column>,
    eol: &'static str,
    bom: bool,
    final_eol: bool,
    /// Blank (or all-empty) lines written before each row.
    blank_before: Vec<u8>,
    /// Which cells are written in quotes (a seed; see `quote`).
    quote_seed: u64,
}

/// What a row of the generated file must come back as.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Expected {
    line: u64,
    name: String,
    email: String,
    manager: Option<String>,
    team: Option<String>,
    attributes: Vec<(String, String)>,
}

/// Display text that `parse_text` accepts once trimmed: printable, any script, markup, quotes,
/// commas and formulas included; sometimes exactly the 200-character limit.
fn display_text() -> impl Strategy<Value = String> {
    let core = prop_oneof![
        6 => "[A-Za-z][A-Za-z .'-]{0,30}",
        // Format characters (direction controls, zero-width ones) have tests of their own.
        2 => "[^\\p{Cc}\\p{Cf}\\p{Z}][^\\p{Cc}\\p{Cf}]{0,40}",
        2 => select(vec![
            "<script>window.__xss=1</script>",
            "\"><img src=x onerror=alert(1)>",
            "javascript:alert(1)",
            "=HYPERLINK(\"http://evil.example\",\"x\")",
            "+cmd|' /C calc'!A0",
            "@SUM(1+1)",
            "-2+3",
            "Zoë Ø'Brien-Åström",
            "李小龍",
            "O\"Neil, Pat",
            "Ünïcödé 😀",
        ]).prop_map(String::from),
        1 => Just("x".repeat(MAX_TEXT_CHARS)),
        1 => Just("é".repeat(MAX_TEXT_CHARS)),
    ];
    (
        core,
        select(vec!["", " ", "  ", "\u{a0}"]),
        select(vec!["", " ", "\u{3000}"]),
    )
        .prop_map(|(c, pre, post)| format!("{pre}{c}{post}"))
}

/// Randomises the case of ASCII letters (bit i of `seed` decides letter i).
fn mixed_case(text: &str, seed: u64) -> String {
    text.chars()
        .enumerate()
        .map(|(i, c)| {
            if seed.rotate_left(i as u32) & 1 == 1 {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect()
}

/// A header cell for a column named by `words`: random case, separator, and padding.
fn header_cell(words: &'static [&'static str]) -> impl Strategy<Value = String> {
    (
        any::<u64>(),
        select(vec![" ", "-", "_"]),
        select(vec!["", " ", "  "]),
        select(vec!["", " "]),
    )
        .prop_map(move |(seed, sep, pre, post)| {
            format!("{pre}{}{post}", mixed_case(&words.join(sep), seed))
        })
}

fn email_cell(index: usize) -> impl Strategy<Value = String> {
    (
        "[a-zA-Z0-9][a-zA-Z0-9._%+'-]{0,15}",
        "[a-zA-Z0-9-]{1,10}(\\.[a-zA-Z0-9-]{1,8}){1,2}",
        select(vec!["", " "]),
    )
        .prop_map(move |(local, domain, pad)| format!("{pad}{local}.{index}@{domain}{pad}"))
}

fn gen_person(index: usize, attributes: usize) -> impl Strategy<Value = GenPerson> {
    (
        display_text(),
        email_cell(index),
        proptest::option::weighted(0.85, any::<Index>()),
        proptest::option::weighted(0.1, (0u8..3, any::<u64>())),
        proptest::option::weighted(0.7, display_text()),
        proptest::collection::vec(proptest::option::weighted(0.6, display_text()), attributes),
    )
        .prop_map(
            move |(name, email, manager, known, team, attributes)| GenPerson {
                name,
                email,
                // Managers come earlier in generation order, so the tree has no loop.
                manager: if index == 0 {
                    None
                } else {
                    manager.map(|i| i.index(index))
                },
                known_manager: known
                    .map(|(k, seed)| mixed_case(&format!("boss{k}@known.example"), seed)),
                team,
                attributes,
            },
        )
}

fn gen_org() -> impl Strategy<Value = GenOrg> {
    (1usize..25, proptest::collection::btree_set("[a-z]{1,8}( [a-z]{1,6})?", 0..4))
        .prop_flat_map(|(n, attribute_names)| {
            let attribute_names: Vec<String> = attribute_names
                .into_iter()
                .filter(|a| {
                    let norm = a.replace(' ', "_");
                    !["name", "email", "manager_email", "team"].contains(&norm.as_str())
                })
                .collect();
            let attrs = attribute_names.len();
            let people: Vec<_> = (0..n).map(|i| gen_person(i, attrs)).collect();
            let mut columns = vec![Column::Name, Column::Email, Column::Manager, Column::Team];
            columns.extend((0..attrs).map(Column::Attribute));
            (
                people,
                Just((0..n).collect::<Vec<_>>()).prop_shuffle(),
                (
                    proptest::collection::vec(any::<u64>(), attrs),
                    proptest::collection::vec(select(vec![" ", "-", "_"]), attrs),
                )
                    .prop_map(move |(seeds, seps)| {
                        attribute_names
                            .iter()
                            .zip(seeds)
                            .zip(seps)
                            .map(|((a, seed), sep)| mixed_case(&a.replace(' ', sep), seed))
                            .collect::<Vec<_>>()
                    }),
                (
                    header_cell(&["name"]),
                    header_cell(&["email"]),
                    header_cell(&["manager", "email"]),
                    header_cell(&["team"]),
                ),
                Just(columns).prop_shuffle(),
                (
                    prop_oneof![2 => Just("\n"), 1 => Just("\r\n")],
                    any::<bool>(),
                    any::<bool>(),
                    prop_oneof![
                        2 => Just(vec![0u8; n]),
                        1 => proptest::collection::vec(prop_oneof![6 => Just(0u8), 1 => Just(1u8), 1 => Just(2u8)], n),
                    ],
                    any::<u64>(),
                ),
            )
        })
        .prop_map(
            |(people, order, attribute_headers, (h0, h1, h2, h3), columns, (eol, bom, final_eol, blank_before, quote_seed))| {
                GenOrg {
                    people,
                    order,
                    attribute_headers,
                    required_headers: [h0, h1, h2, h3],
                    columns,
                    eol,
                    bom,
                    final_eol,
                    blank_before,
                    quote_seed,
                }
            },
        )
}

/// Writes a cell, in quotes when it needs them and sometimes when it does not.
fn quote(text: &str, seed: u64, position: usize) -> String {
    let needs = text.contains([',', '"', '\n', '\r']);
    let by_choice = seed.rotate_left((position % 64) as u32) & 3 == 0;
    if needs || by_choice {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// A row of cells as the renderer will write it, in `Column` terms.
#[derive(Debug, Clone)]
struct RowCells {
    name: String,
    email: String,
    manager: String,
    team: String,
    attributes: Vec<String>,
    /// Extra cells appended (a row with the wrong number of cells); negative: only name and email.
    extra_cells: i32,
    /// Written verbatim, unquoted (for a defect that needs raw bytes).
    raw_name: bool,
}

impl GenOrg {
    fn email_of(&self, person: usize) -> &str {
        &self.people[person].email
    }

    /// The cells of every row, in file order.
    fn rows(&self) -> Vec<RowCells> {
        self.order
            .iter()
            .map(|&p| {
                let person = &self.people[p];
                RowCells {
                    name: person.name.clone(),
                    email: person.email.clone(),
                    manager: match (person.manager, &person.known_manager) {
                        // Write the manager's email in a different case from their own row.
                        (Some(m), _) => self.email_of(m).trim().to_uppercase(),
                        (None, Some(k)) => k.clone(),
                        (None, None) => String::new(),
                    },
                    team: person.team.clone().unwrap_or_default(),
                    attributes: person
                        .attributes
                        .iter()
                        .map(|a| a.clone().unwrap_or_default())
                        .collect(),
                    extra_cells: 0,
                    raw_name: false,
                }
            })
            .collect()
    }

    /// Writes the file; returns it with the line each row starts on.
    fn render(&self, rows: &[RowCells]) -> (Vec<u8>, Vec<u64>) {
        let mut text = String::new();
        if self.bom {
            text.push('\u{feff}');
        }
        let mut position = 0;
        let header: Vec<String> = self
            .columns
            .iter()
            .map(|c| {
                position += 1;
                let cell = match c {
                    Column::Name => &self.required_headers[0],
                    Column::Email => &self.required_headers[1],
                    Column::Manager => &self.required_headers[2],
                    Column::Team => &self.required_headers[3],
                    Column::Attribute(i) => &self.attribute_headers[*i],
                };
                quote(cell, self.quote_seed, position)
            })
            .collect();
        text.push_str(&header.join(","));
        let mut line = 1u64;
        let mut lines = Vec::new();
        for (i, row) in rows.iter().enumerate() {
            text.push_str(self.eol);
            line += 1;
            for b in 0..self.blank_before.get(i).copied().unwrap_or(0) {
                // A truly empty line, or one whose cells are all empty: both are skipped.
                if b % 2 == 0 {
                    text.push_str(&",".repeat(self.columns.len() - 1));
                }
                text.push_str(self.eol);
                line += 1;
            }
            lines.push(line);
            let mut cells: Vec<String> = self
                .columns
                .iter()
                .map(|c| {
                    position += 1;
                    match c {
                        Column::Name if row.raw_name => row.name.clone(),
                        Column::Name => quote(&row.name, self.quote_seed, position),
                        Column::Email => quote(&row.email, self.quote_seed, position),
                        Column::Manager => quote(&row.manager, self.quote_seed, position),
                        Column::Team => quote(&row.team, self.quote_seed, position),
                        Column::Attribute(a) => {
                            quote(&row.attributes[*a], self.quote_seed, position)
                        }
                    }
                })
                .collect();
            if row.extra_cells > 0 {
                cells.extend((0..row.extra_cells).map(|_| "extra".to_string()));
            } else if row.extra_cells < 0 {
                // Too few cells: just the name and the email (never an all-empty, skipped row).
                cells = vec![
                    quote(&row.name, self.quote_seed, 0),
                    quote(&row.email, self.quote_seed, 1),
                ];
            }
            let written = cells.join(",");
            line += written.matches('\n').count() as u64;
            text.push_str(&written);
        }
        if self.final_eol {
            text.push_str(self.eol);
        }
        (text.into_bytes(), lines)
    }

    fn attribute_name(&self, i: usize) -> String {
        self.attribute_headers[i]
            .trim()
            .to_lowercase()
            .replace([' ', '-'], "_")
    }

    /// What every row must come back as, in file order.
    fn expected(&self, lines: &[u64]) -> Vec<Expected> {
        let mut attribute_order: Vec<usize> = self
            .columns
            .iter()
            .filter_map(|c| {
                if let Column::Attribute(i) = c {
                    Some(*i)
                } else {
                    None
                }
            })
            .collect();
        attribute_order.dedup();
        self.order
            .iter()
            .zip(lines)
            .map(|(&p, &line)| {
                let person = &self.people[p];
                Expected {
                    line,
                    name: person.name.trim().to_string(),
                    email: person.email.trim().to_lowercase(),
                    manager: match (person.manager, &person.known_manager) {
                        (Some(m), _) => Some(self.email_of(m).trim().to_lowercase()),
                        (None, Some(k)) => Some(k.to_lowercase()),
                        (None, None) => None,
                    },
                    team: person.team.as_ref().map(|t| t.trim().to_string()),
                    attributes: attribute_order
                        .iter()
                        .filter_map(|&a| {
                            person.attributes[a]
                                .as_ref()
                                .map(|v| (self.attribute_name(a), v.trim().to_string()))
                        })
                        .collect(),
                }
            })
            .collect()
    }

    /// The people nobody in the file reports to.
    fn leaves(&self) -> Vec<usize> {
        let managers: HashSet<usize> = self.people.iter().filter_map(|p| p.manager).collect();
        (0..self.people.len())
            .filter(|p| !managers.contains(p))
            .collect()
    }

    /// The file position (row index) of a person.
    fn row_of(&self, person: usize) -> usize {
        self.order.iter().position(|&p| p == person).unwrap()
    }
}

fn actual(file: &PeopleFile) -> Vec<Expected> {
    file.rows
        .iter()
        .map(|r| Expected {
            line: r.line,
            name: r.name.clone(),
            email: r.email.as_str().to_string(),
            manager: r.manager_email.as_ref().map(|m| m.as_str().to_string()),
            team: r.team.clone(),
            attributes: r.attributes.clone(),
        })
        .collect()
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn generated_valid_org_files_are_accepted_and_round_trip(org in gen_org()) {
        let (bytes, lines) = org.render(&org.rows());
        let outcome = parse_bytes(&bytes);
        let file = match &outcome {
            Ok(f) => f,
            Err(refused) => {
                return Err(TestCaseError::fail(format!(
                    "a valid file was refused:\n{refused}\nfile:\n{}",
                    String::from_utf8_lossy(&bytes)
                )));
            }
        };
        check_import_outcome(&bytes, &outcome)?;
        let (got, want) = (actual(file), org.expected(&lines));
        prop_assert_eq!(got, want);
        let mut attribute_names: Vec<String> = Vec::new();
        for c in &org.columns {
            if let Column::Attribute(i) = c {
                attribute_names.push(org.attribute_name(*i));
            }
        }
        prop_assert_eq!(&file.attribute_names, &attribute_names);
    }
}

// ============================================================================ injected defects

/// One defect injected into a valid file.
#[derive(Debug, Clone)]
enum Defect {
    /// The name cell is empty or blank.
    EmptyName(Index, &'static str),
    /// The name is one character too long.
    LongName(Index),
    /// The name has a control character (a line break in quotes spans two lines).
    ControlInName(Index, &'static str),
    /// The email of someone nobody reports to is not an address.
    BadEmail(Index, &'static str),
    /// A new row repeats an earlier row's email (in another case).
    Duplicate(Index, Index),
    /// The manager is neither in the file nor known.
    UnknownManager(Index),
    /// Someone is their own manager.
    SelfManager(Index),
    /// Someone's manager is one of their own reports (directly or further down).
    Loop(Index, Index),
    /// A row of someone nobody reports to has the wrong number of cells.
    WrongCells(Index, i32),
}

fn defect() -> impl Strategy<Value = Defect> {
    let bad_emails = select(vec![
        "not-an-email",
        "a@b",
        "@x.org",
        "a@",
        "a b@x.org",
        "a@@x.org",
        "a@x..org",
        "a@.x.org",
        "<a@x.org>",
        "a;b@x.org",
        "a,b@x.org",
        "a\"b@x.org",
        "a\u{7}@x.org",
    ]);
    prop_oneof![
        any::<Index>().prop_flat_map(
            |i| select(vec!["", "   ", "\u{a0}"]).prop_map(move |s| Defect::EmptyName(i, s))
        ),
        any::<Index>().prop_map(Defect::LongName),
        (
            any::<Index>(),
            select(vec![
                "Ann\nLee",
                "Ann\r\nLee",
                "Ann\u{0}Lee",
                "Ann\u{1b}[31mLee",
                "A\u{85}B"
            ])
        )
            .prop_map(|(i, s)| Defect::ControlInName(i, s)),
        (any::<Index>(), bad_emails).prop_map(|(i, s)| Defect::BadEmail(i, s)),
        (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Defect::Duplicate(a, b)),
        any::<Index>().prop_map(Defect::UnknownManager),
        any::<Index>().prop_map(Defect::SelfManager),
        (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Defect::Loop(a, b)),
        (
            any::<Index>(),
            prop_oneof![Just(-2), Just(-1), Just(1), Just(3)]
        )
            .prop_map(|(i, n)| Defect::WrongCells(i, n)),
    ]
}

/// Injects `defect`; returns the rows to write, the row indexes that must be reported, and a
/// fragment each of their messages must contain.
fn inject(org: &mut GenOrg, defect: &Defect) -> (Vec<RowCells>, BTreeSet<usize>, String) {
    let n = org.people.len();
    let leaves = org.leaves();
    match defect {
        Defect::EmptyName(i, blank) => {
            let mut rows = org.rows();
            let r = i.index(n);
            rows[r].name = (*blank).to_string();
            (rows, BTreeSet::from([r]), "name is empty".into())
        }
        Defect::LongName(i) => {
            let mut rows = org.rows();
            let r = i.index(n);
            rows[r].name = "n".repeat(MAX_TEXT_CHARS + 1);
            (
                rows,
                BTreeSet::from([r]),
                format!("longer than {MAX_TEXT_CHARS}"),
            )
        }
        Defect::ControlInName(i, text) => {
            let mut rows = org.rows();
            let r = i.index(n);
            rows[r].name = (*text).to_string();
            (rows, BTreeSet::from([r]), "control character".into())
        }
        Defect::BadEmail(i, bad) => {
            let person = leaves[i.index(leaves.len())];
            let r = org.row_of(person);
            let mut rows = org.rows();
            rows[r].email = (*bad).to_string();
            (rows, BTreeSet::from([r]), String::new())
        }
        Defect::Duplicate(i, at) => {
            let original = org.order[i.index(n)];
            let original_row = org.row_of(original);
            let mut rows = org.rows();
            let mut copy = rows[original_row].clone();
            copy.email = org.people[original].email.trim().to_uppercase();
            copy.name = "Someone Else".into();
            copy.manager = String::new();
            // Insert after the original.
            let position = original_row + 1 + at.index(n - original_row);
            rows.insert(position, copy);
            org.blank_before
                .insert(position.min(org.blank_before.len()), 0);
            (
                rows,
                BTreeSet::from([position]),
                format!("already on line {{line of row {original_row}}}"),
            )
        }
        Defect::UnknownManager(i) => {
            let mut rows = org.rows();
            let r = i.index(n);
            rows[r].manager = format!("Ghost.{r}@Nowhere.example");
            (
                rows,
                BTreeSet::from([r]),
                format!(
                    "ghost.{r}@nowhere.example is neither in this file nor already in Trustloop"
                ),
            )
        }
        Defect::SelfManager(i) => {
            let mut rows = org.rows();
            let r = i.index(n);
            rows[r].manager = rows[r].email.trim().to_uppercase();
            (rows, BTreeSet::from([r]), "own manager".into())
        }
        Defect::Loop(a, d) => {
            // Someone with reports: make one of their reports (at any depth) their manager.
            let with_reports: Vec<usize> = (0..n).filter(|p| !leaves.contains(p)).collect();
            if with_reports.is_empty() {
                // Nobody has reports: the smallest loop is being one's own manager.
                return inject(org, &Defect::SelfManager(*a));
            }
            let top = with_reports[a.index(with_reports.len())];
            let below: Vec<usize> = (0..n)
                .filter(|&p| {
                    let mut m = org.people[p].manager;
                    while let Some(x) = m {
                        if x == top {
                            return true;
                        }
                        m = org.people[x].manager;
                    }
                    false
                })
                .collect();
            let bottom = below[d.index(below.len())];
            // The loop: bottom, bottom's manager, …, top.
            let mut cycle = vec![bottom];
            let mut m = org.people[bottom].manager;
            while let Some(x) = m {
                cycle.push(x);
                if x == top {
                    break;
                }
                m = org.people[x].manager;
            }
            org.people[top].manager = Some(bottom);
            org.people[top].known_manager = None;
            let rows = org.rows();
            let reported = cycle.iter().map(|&p| org.row_of(p)).collect();
            (rows, reported, "reporting loop".into())
        }
        Defect::WrongCells(i, extra) => {
            let person = leaves[i.index(leaves.len())];
            let r = org.row_of(person);
            let mut rows = org.rows();
            rows[r].extra_cells = *extra;
            (rows, BTreeSet::from([r]), "cells but the header has".into())
        }
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn one_injected_defect_is_reported_at_exactly_its_line(mut org in gen_org(), defect in defect()) {
        let (rows, reported_rows, fragment) = inject(&mut org, &defect);
        let (bytes, lines) = org.render(&rows);
        let outcome = parse_bytes(&bytes);
        check_import_outcome(&bytes, &outcome)?;
        let refused = match outcome {
            Ok(_) => {
                return Err(TestCaseError::fail(format!(
                    "{defect:?} was accepted:\n{}",
                    String::from_utf8_lossy(&bytes)
                )));
            }
            Err(r) => r,
        };
        let want: BTreeSet<u64> = reported_rows.iter().map(|&r| lines[r]).collect();
        let got: BTreeSet<u64> = refused.problems.iter().map(|p| p.line).collect();
        prop_assert_eq!(
                &got, &want,
                "{:?}: reported lines differ\n{}\nfile:\n{}",
                defect, refused, String::from_utf8_lossy(&bytes)
            );
        // "already on line {line of row N}" names the original's line.
        let fragment = match fragment.split_once("{line of row ") {
            Some((before, rest)) => {
                let row: usize = rest.trim_end_matches('}').parse().unwrap();
                format!("{before}{}", lines[row])
            }
            None => fragment,
        };
        for p in &refused.problems {
            prop_assert!(
                p.message.contains(&fragment),
                "{:?}: {:?} does not say {:?}", defect, p.message, fragment
            );
        }
        prop_assert_eq!(refused.total, refused.problems.len());
    }

    #[test]
    fn several_row_defects_are_each_reported_at_their_own_line(
        org in gen_org(),
        picks in proptest::collection::vec((any::<Index>(), 0u8..5), 1..6),
    ) {
        // Row-local defects on distinct rows; those that take a row out of the file entirely
        // (bad email, wrong cell count) only on people nobody reports to.
        let n = org.people.len();
        let leaves = org.leaves();
        let mut rows = org.rows();
        let mut want_rows = BTreeSet::new();
        for (i, kind) in picks {
            let r = match kind {
                0..=2 => i.index(n),
                _ => org.row_of(leaves[i.index(leaves.len())]),
            };
            if !want_rows.insert(r) {
                continue;
            }
            match kind {
                0 => rows[r].name = "Multi\nline".into(),
                1 => rows[r].manager = format!("nobody.{r}@nowhere.example"),
                2 => rows[r].team = "Tab\there".into(),
                3 => rows[r].email = "no-at-sign".into(),
                _ => rows[r].extra_cells = 1,
            }
        }
        let (bytes, lines) = org.render(&rows);
        let refused = parse_bytes(&bytes).expect_err("defects are refused");
        check_refused(&bytes, &refused)?;
        let want: BTreeSet<u64> = want_rows.iter().map(|&r| lines[r]).collect();
        let got: BTreeSet<u64> = refused.problems.iter().map(|p| p.line).collect();
        prop_assert_eq!(got, want, "{}\nfile:\n{}", refused, String::from_utf8_lossy(&bytes));
    }
}

// ============================================================================ single fields

/// An independent statement of `parse_text`'s rule.
/// A name as shown, or None when a character in it changes the direction of text (refused):
/// characters that show nothing removed, then trimmed.
fn shown_name(text: &str) -> Option<String> {
    let bidi = text.chars().any(|c| {
        matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
    });
    let shown: String = text
        .chars()
        .filter(|c| {
            !matches!(
                c,
                '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{180E}'
            )
        })
        .collect();
    (!bidi).then(|| shown.trim().to_string())
}

fn name_is_valid(text: &str, limit: usize) -> bool {
    shown_name(text).is_some_and(|t| {
        !t.is_empty() && t.chars().count() <= limit && !t.chars().any(char::is_control)
    })
}

fn text_is_valid(text: &str) -> bool {
    name_is_valid(text, MAX_TEXT_CHARS)
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn email_parse_never_panics_and_what_it_accepts_is_an_address(text in prop_oneof![
        "\\PC{0,40}",
        ".{0,300}",
        "[a-zA-Z0-9.<>\",;@ -]{0,30}",
        "[a-zA-Z0-9._+'-]{1,20}@[a-zA-Z0-9-]{1,10}(\\.[a-zA-Z0-9-]{1,10}){1,3}",
    ]) {
        if let Ok(email) = Email::parse(&text) {
            let s = email.as_str();
            prop_assert_eq!(s, s.to_lowercase());
            prop_assert_eq!(s.matches('@').count(), 1);
            prop_assert!(!s.chars().any(|c| c.is_whitespace() || c.is_control() || "<>,;\"".contains(c)));
            let (local, domain) = s.split_once('@').unwrap();
            prop_assert!(!local.is_empty());
            prop_assert!(domain.split('.').count() >= 2 && domain.split('.').all(|l| !l.is_empty()));
            prop_assert_eq!(s, text.trim().to_lowercase());
            // Idempotent for ASCII addresses (see `an_accepted_email_stays_valid_after_lowercasing`).
            if text.is_ascii() {
                prop_assert!(s.len() <= 254);
                prop_assert_eq!(Email::parse(s), Ok(email.clone()));
            }
        }
    }

    #[test]
    fn parse_text_accepts_exactly_trimmed_short_printable_text(
        text in prop_oneof![".{0,250}", "\\PC{195,205}", "[ \t\r\n\u{0}\u{7f}a]{0,5}", "[ a\u{200B}\u{FEFF}\u{202E}\u{2067}\u{200F}]{0,6}"],
    ) {
        match parse_text("name", &text) {
            Ok(v) => {
                prop_assert!(text_is_valid(&text));
                prop_assert_eq!(Some(v), shown_name(&text));
            }
            Err(e) => {
                prop_assert!(!text_is_valid(&text));
                prop_assert!(e.contains("name"));
            }
        }
    }

    #[test]
    fn campaign_names_are_trimmed_bounded_and_printable(text in prop_oneof![".{0,130}", "\\PC{115,125}", "[ \t\r\n\u{0}a<>\"']{0,6}", "[ a\u{200B}\u{FEFF}\u{202E}\u{2067}\u{200F}]{0,6}"]) {
        // Direction controls refuse a name; characters that show nothing are removed first.
        let valid = name_is_valid(&text, 120);
        let shown = shown_name(&text).unwrap_or_default();
        let t = shown.as_str();
        match CampaignName::parse(&text) {
            Ok(name) => {
                prop_assert!(valid);
                prop_assert_eq!(name.as_str(), t);
                prop_assert_eq!(CampaignName::parse(name.as_str()), Ok(name.clone()));
            }
            Err(e) => {
                prop_assert!(!valid);
                prop_assert!(!e.is_empty());
            }
        }
    }

    #[test]
    fn deadlines_never_panic_and_are_never_in_the_past(
        text in prop_oneof![
            ".{0,20}",
            "[0-9+-]{0,12}",
            "[+-]?[0-9]{1,6}-[0-9]{1,3}-[0-9]{1,3}",
            " ?[0-9]{4}-[0-9]{2}-[0-9]{2} ?",
        ],
        today in (1i32..9999, 1u16..366),
    ) {
        let today = Date::from_ordinal_date(today.0, today.1.min(365)).unwrap();
        if let Ok(date) = parse_deadline(&text, today) {
            prop_assert!(date >= today);
            prop_assert_eq!(parse_deadline(&date.to_string(), today), Ok(date));
        }
    }

    #[test]
    fn well_formed_dates_parse_exactly_when_not_past(
        (y, m, d) in (1i32..=9999, 1u8..=12, 1u8..=31),
        today in (1i32..=9999, 1u16..=365),
        pad in select(vec!["", " ", "\t"]),
    ) {
        let today = Date::from_ordinal_date(today.0, today.1).unwrap();
        let text = format!("{pad}{y:04}-{m:02}-{d:02}{pad}");
        let month = time::Month::try_from(m).unwrap();
        match Date::from_calendar_date(y, month, d) {
            Ok(date) => prop_assert_eq!(
                parse_deadline(&text, today).is_ok(),
                date >= today,
                "{} with today {}", text, today
            ),
            Err(_) => prop_assert!(parse_deadline(&text, today).is_err(), "{} is no date", text),
        }
    }

    #[test]
    fn privacy_thresholds_are_accepted_exactly_from_3_to_50(
        a in prop_oneof![0u32..60, any::<u32>()],
        b in prop_oneof![0u32..60, any::<u32>()],
        c in prop_oneof![0u32..60, any::<u32>()],
        d in prop_oneof![0u32..60, any::<u32>()],
    ) {
        let ok = |v: u32| (3..=50).contains(&v);
        match PrivacyRules::new(a, b, d, c) {
            Ok(rules) => {
                prop_assert!(ok(a) && ok(b) && ok(c) && ok(d));
                prop_assert_eq!(
                    (rules.min_rater_group, rules.min_team, rules.min_segment, rules.min_comments),
                    (a, b, d, c)
                );
            }
            Err(e) => {
                prop_assert!(!(ok(a) && ok(b) && ok(c) && ok(d)));
                prop_assert!(e.to_string().contains("between 3 and 50"));
            }
        }
    }
}

// ============================================================================ the survey form

/// The current instrument with its scale stretched to 1..=`max` (instruments may use 3 to 10).
fn instrument_with_scale(max: u8) -> Instrument {
    let mut instrument = Instrument::current();
    instrument.scale.max = max;
    instrument.scale.labels = (1..=max).map(|p| format!("point {p}")).collect();
    instrument
}

fn any_instrument() -> impl Strategy<Value = Instrument> {
    prop_oneof![3 => Just(5u8), 1 => 3u8..=10].prop_map(instrument_with_scale)
}

/// An independent reading of one rating value: "cant_say", or a whole number on the scale,
/// written in ASCII digits with at most a leading `+` (as Rust's integer parsing allows).
fn oracle_rating(instrument: &Instrument, value: &str) -> Option<Rating> {
    // Exactly as the form writes it: no sign, no padding, no leading zero, ASCII digits.
    if value == CANT_SAY_VALUE {
        return Some(Rating::CantSay);
    }
    if value.is_empty()
        || value.len() > 3
        || !value.bytes().all(|b| b.is_ascii_digit())
        || (value.len() > 1 && value.starts_with('0'))
    {
        return None;
    }
    let n: u32 = value.parse().unwrap();
    (u32::from(instrument.scale.min)..=u32::from(instrument.scale.max))
        .contains(&n)
        .then(|| Rating::Score(u8::try_from(n).unwrap()))
}

/// The values a form gives a field, in the order sent (a field sent twice is refused).
fn sent<'a>(fields: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    fields
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .collect()
}

/// The value a form gives a field sent once.
fn last<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    match sent(fields, name).as_slice() {
        [one] => Some(one),
        _ => None,
    }
}

fn field_name(instrument: &Instrument) -> impl Strategy<Value = String> + use<> {
    let mut real: Vec<String> = instrument
        .items
        .iter()
        .map(|i| item_field(&i.code))
        .collect();
    real.extend(
        instrument
            .open_questions
            .iter()
            .map(|q| comment_field(&q.code)),
    );
    real.extend(
        [
            "csrf",
            "item_",
            "comment_",
            "ITEM_rel_rapport",
            "item_rel_rapport ",
            "item_nope",
            "",
        ]
        .map(String::from),
    );
    prop_oneof![4 => select(real), 1 => "\\PC{0,20}", 1 => ".{0,8}"]
}

fn field_value() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => select(vec![
            "1", "2", "3", "4", "5", "7", "10", " 3 ", "+3", "03", "0", "6", "11", "-1", "255",
            "256", "3.0", "3.5", "1e1", "", "  ", "cant_say", "CANT_SAY", " cant_say ",
            "cant say", "５", "٣", "<script>alert(1)</script>", "=1+1",
        ]).prop_map(String::from),
        2 => "\\PC{0,60}",
        1 => ".{0,200}",
        1 => (MAX_COMMENT_CHARS - 2..MAX_COMMENT_CHARS + 3, select(vec!["a", "é", "😀", " ", "\r\n"]))
            .prop_map(|(n, s)| s.repeat(n)),
    ]
}

fn any_form(instrument: &Instrument) -> impl Strategy<Value = Vec<(String, String)>> + use<> {
    proptest::collection::vec((field_name(instrument), field_value()), 0..60)
}

/// A complete, valid form: every item answered once as the form writes it, some comments, extra
/// fields, in shuffled order.
fn valid_form(instrument: &Instrument) -> impl Strategy<Value = Vec<(String, String)>> + use<> {
    let max = instrument.scale.max;
    let items: Vec<String> = instrument.items.iter().map(|i| i.code.clone()).collect();
    let questions: Vec<String> = instrument
        .open_questions
        .iter()
        .map(|q| q.code.clone())
        .collect();
    (
        proptest::collection::vec(
            prop_oneof![5 => (1..=max).prop_map(|p| p.to_string()), 1 => Just(CANT_SAY_VALUE.to_string())],
            items.len(),
        ),
        proptest::collection::vec(proptest::option::of(comment_text()), questions.len()),
        proptest::collection::vec(("[a-z_]{1,12}", "\\PC{0,10}"), 0..4),
    )
        .prop_flat_map(move |(answers, comments, extras)| {
            let mut form: Vec<(String, String)> = items
                .iter()
                .zip(answers)
                .map(|(code, v)| (item_field(code), v))
                .collect();
            for (code, c) in questions.iter().zip(comments) {
                if let Some(c) = c {
                    form.push((comment_field(code), c));
                }
            }
            form.extend(
                extras
                    .into_iter()
                    .filter(|(k, _)| !k.starts_with("item_") && !k.starts_with("comment_")),
            );
            Just(form).prop_shuffle()
        })
}

/// Comment text: plain words, markup, formulas, line breaks, any script; within the limit.
fn comment_text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[A-Za-z][A-Za-z ,.!?'-]{0,80}",
        2 => select(vec![
            "<script>window.__xss=1</script>",
            "\"><img src=x onerror=alert(1)>",
            "<a href=\"javascript:alert(1)\">click</a>",
            "=HYPERLINK(\"http://evil.example\",\"x\")",
            "+cmd|' /C calc'!A0",
            "@SUM(1+1)",
            "-2+3",
            "{{ 7*7 }} ${7*7} <%= 7*7 %>",
            "</textarea><script>alert(1)</script>",
            "line one\r\nline two\r\n\r\nline four",
            "&lt;already escaped&gt; &amp; &#x3C;",
        ]).prop_map(String::from),
        2 => "\\PC{1,200}",
        1 => Just("x".repeat(MAX_COMMENT_CHARS)),
    ]
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn any_form_is_judged_exactly_as_the_rules_say(
        (instrument, form) in any_instrument().prop_flat_map(|i| { let f = any_form(&i); (Just(i), f) }),
    ) {
        let mut want_errors: Vec<String> = Vec::new();
        let mut want_ratings = BTreeMap::new();
        for item in &instrument.items {
            let values = sent(&form, &item_field(&item.code));
            match values.as_slice() {
                [one] => match oracle_rating(&instrument, one) {
                    Some(r) => { want_ratings.insert(item.code.clone(), r); }
                    None => want_errors.push(item.code.clone()),
                },
                _ => want_errors.push(item.code.clone()),
            }
        }
        let mut want_comments = BTreeMap::new();
        for q in &instrument.open_questions {
            let values = sent(&form, &comment_field(&q.code));
            if values.len() > 1 {
                want_errors.push(q.code.clone());
            } else if let Some(v) = values.first() {
                let t = v.trim();
                if t.chars().count() > MAX_COMMENT_CHARS {
                    want_errors.push(q.code.clone());
                } else if !t.is_empty() {
                    want_comments.insert(q.code.clone(), t.replace("\r\n", "\n"));
                }
            }
        }
        match SurveyAnswers::parse(&instrument, &form) {
            Ok(answers) => {
                prop_assert!(want_errors.is_empty(), "accepted despite {:?}", want_errors);
                prop_assert_eq!(answers.ratings, want_ratings);
                prop_assert_eq!(answers.comments, want_comments);
            }
            Err(errors) => {
                let codes: Vec<String> = errors.iter().map(|e| e.code.clone()).collect();
                prop_assert_eq!(codes, want_errors);
                for e in &errors {
                    prop_assert!(!e.message.trim().is_empty());
                    prop_assert!(e.message.chars().count() < 300, "message stays short: {}", e.message);
                }
            }
        }
    }

    #[test]
    fn a_complete_valid_form_parses_with_exactly_the_instruments_items(
        (instrument, form) in any_instrument().prop_flat_map(|i| { let f = valid_form(&i); (Just(i), f) }),
    ) {
        let answers = SurveyAnswers::parse(&instrument, &form);
        prop_assert!(answers.is_ok(), "{:?}", answers);
        let answers = answers.unwrap();
        let codes: Vec<&String> = answers.ratings.keys().collect();
        let mut want: Vec<&String> = instrument.items.iter().map(|i| &i.code).collect();
        want.sort();
        prop_assert_eq!(codes, want);
        for (code, rating) in &answers.ratings {
            let value = last(&form, &item_field(code)).unwrap();
            match rating {
                Rating::CantSay => prop_assert_eq!(value, CANT_SAY_VALUE),
                Rating::Score(p) => prop_assert_eq!(value, p.to_string()),
            }
        }
        // Comments are kept verbatim (trimmed, CRLF → LF): markup and formulas included.
        for q in &instrument.open_questions {
            let sent = last(&form, &comment_field(&q.code)).map(str::trim).unwrap_or("");
            if sent.is_empty() {
                prop_assert!(!answers.comments.contains_key(&q.code));
            } else {
                prop_assert_eq!(&answers.comments[&q.code], &sent.replace("\r\n", "\n"));
            }
        }
    }

    #[test]
    fn every_missing_or_out_of_range_item_is_named(
        (instrument, form, broken) in any_instrument().prop_flat_map(|i| {
            let n = i.items.len();
            let f = valid_form(&i);
            let b = proptest::collection::btree_map(
                0..n,
                prop_oneof![
                    Just(None),
                    select(vec![
                        "", " ", "0", "-1", "256", "3.5", "three", "cant say", "Cant_say",
                        "５", "<script>alert(1)</script>", "=1+1", "11",
                    ]).prop_map(Some),
                ],
                1..=n,
            );
            (Just(i), f, b)
        }),
    ) {
        let mut form = form;
        let mut want = Vec::new();
        for (index, item) in instrument.items.iter().enumerate() {
            let Some(value) = broken.get(&index) else { continue };
            let name = item_field(&item.code);
            match value {
                None => form.retain(|(k, _)| k != &name),
                Some(v) => {
                    let v = if *v == "11" { (instrument.scale.max + 1).to_string() } else { (*v).to_string() };
                    for field in form.iter_mut().filter(|(k, _)| k == &name) {
                        field.1.clone_from(&v);
                    }
                }
            }
            want.push(item.code.clone());
        }
        let errors = SurveyAnswers::parse(&instrument, &form).expect_err("broken items are refused");
        let codes: Vec<String> = errors.iter().map(|e| e.code.clone()).collect();
        prop_assert_eq!(codes, want);
    }

    #[test]
    fn comments_over_the_limit_are_refused_and_at_the_limit_kept(
        (instrument, form) in any_instrument().prop_flat_map(|i| { let f = valid_form(&i); (Just(i), f) }),
        q in any::<Index>(),
        over in 0usize..50,
        unit in select(vec!["a", "é", "😀", "<", "="]),
    ) {
        let question = &instrument.open_questions[q.index(instrument.open_questions.len())];
        let name = comment_field(&question.code);
        let mut form = form;
        form.retain(|(k, _)| k != &name);

        let mut at_limit = form.clone();
        at_limit.push((name.clone(), format!("  {}  ", unit.repeat(MAX_COMMENT_CHARS))));
        let kept = SurveyAnswers::parse(&instrument, &at_limit).expect("a comment at the limit is kept");
        prop_assert_eq!(kept.comments[&question.code].chars().count(), MAX_COMMENT_CHARS);

        form.push((name, unit.repeat(MAX_COMMENT_CHARS + 1 + over)));
        let errors = SurveyAnswers::parse(&instrument, &form).expect_err("too long");
        prop_assert_eq!(errors.len(), 1);
        prop_assert_eq!(&errors[0].code, &question.code);
        prop_assert!(errors[0].message.contains(&MAX_COMMENT_CHARS.to_string()));
    }
}

// ============================================================================ regressions

#[test]
fn a_file_that_is_only_a_bom_or_nothing_is_refused() {
    for input in [
        &b""[..],
        "\u{feff}".as_bytes(),
        b"\n\n",
        b"\r\n",
        b"\"",
        b"\xff\xfe",
    ] {
        let refused = parse_bytes(input).expect_err("nothing to import");
        assert!(refused.problems.iter().all(|p| p.line >= 1), "{refused}");
    }
}

#[test]
fn invalid_utf8_in_a_row_is_reported_at_that_line_as_a_file_to_save_as_utf8() {
    // A file that is not UTF-8 is refused whole: its other rows would be read in the wrong
    // encoding too, so what to do is to save it again, said once at its first such line.
    let bytes =
        b"name,email,manager_email,team\nAnn,a@x.org,,T\nB\xffb,b@x.org,,T\n,c@x.org,,T\n".to_vec();
    let refused = parse_bytes(&bytes).expect_err("bad bytes");
    let lines: Vec<u64> = refused.problems.iter().map(|p| p.line).collect();
    assert_eq!(lines, vec![3], "{refused}");
    assert!(
        refused.problems[0].message.contains("save it as UTF-8"),
        "{refused}"
    );
}

#[test]
fn an_io_error_mid_file_is_a_refusal_not_a_hang() {
    struct Failing(u32);
    impl Read for Failing {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            self.0 += 1;
            assert!(self.0 < 1000, "the parser keeps reading after an I/O error");
            let header = b"name,email,manager_email,team\nAnn,a@x.org,,T\n";
            if self.0 == 1 {
                let n = header.len().min(buf.len());
                buf[..n].copy_from_slice(&header[..n]);
                Ok(n)
            } else {
                Err(std::io::Error::other("disk gone"))
            }
        }
    }
    let refused = parse_people_csv(Failing(0), known_manager, |_| {}).expect_err("io error");
    assert!(
        refused
            .problems
            .iter()
            .any(|p| p.message.contains("disk gone")),
        "{refused}"
    );
}

/// The lines on which problems are reported for `text`.
fn problem_lines(text: &str) -> Vec<u64> {
    parse_bytes(text.as_bytes())
        .expect_err("the file has a bad row")
        .problems
        .iter()
        .map(|p| p.line)
        .collect()
}

/// Regression (found by `generated_valid_org_files_are_accepted_and_round_trip`): in a file with
/// Windows line endings (CRLF, what Excel writes) every row is numbered one line too early, so
/// each problem points at the row above the bad one and the first row claims to be the header.
/// The cause is the csv crate's record position (BurntSushi/rust-csv#395, open): it counts a line
/// only when it consumes the LF, which for CRLF happens at the start of the next record. A fix is
/// to number lines in `parse_people_csv` itself, e.g. by counting line breaks (CRLF, LF or lone
/// CR) before `record.position().byte()`.
#[test]

fn crlf_files_are_numbered_like_lf_files() {
    let lf = "name,email,manager_email,team\nAnn,a@x.org,,T\nBo,not-an-email,,T\n";
    assert_eq!(problem_lines(lf), vec![3]);
    assert_eq!(problem_lines(&lf.replace('\n', "\r\n")), vec![3]);
}

/// Regression (found by `one_injected_defect_is_reported_at_exactly_its_line`): an empty line is
/// skipped without being counted, so every problem after it points too early (here at line 2,
/// the empty line, instead of line 3). Same cause and fix as above.
#[test]

fn empty_lines_are_counted() {
    assert_eq!(
        problem_lines("name,email,manager_email,team\n\nBo,not-an-email,,T\n"),
        vec![3]
    );
}

/// Regression (found by `any_bytes_are_parsed_without_panic_into_a_consistent_outcome`): problems
/// in the header are returned uncapped (`ImportRefused::problems` promises at most
/// `MAX_REPORTED_PROBLEMS`), so a header of n empty cells yields n problems. A 64 MB upload of
/// commas makes tens of millions of problem strings in memory and in the import job's record.
/// Fix: truncate on the early return too.
#[test]

fn header_problems_are_capped_like_row_problems() {
    // Since a header may have at most MAX_COLUMNS columns, a header of a thousand is one problem.
    let refused = parse_bytes(",".repeat(1000).as_bytes()).expect_err("no names");
    assert_eq!(refused.total, 1);
    assert!(refused.problems[0].message.contains("at most"), "{refused}");
    let refused = parse_bytes(",".repeat(MAX_COLUMNS - 1).as_bytes()).expect_err("no names");
    assert_eq!(refused.total, MAX_COLUMNS + 4);
    assert!(
        refused.problems.len() <= MAX_REPORTED_PROBLEMS,
        "{} listed",
        refused.problems.len()
    );
}

/// Regression (found by `any_bytes_are_parsed_without_panic_into_a_consistent_outcome`): a file
/// whose lines end in a lone CR (classic Mac; Excel for Mac's "CSV (Macintosh)") is parsed, but
/// every row is numbered line 1, because the csv crate counts only LF. So an accepted file's
/// rows claim to be the header, and every problem in such a file is reported at "line 1". Same
/// fix as above.
#[test]

fn lone_cr_line_endings_are_numbered_like_lf() {
    let lf = "name,email,manager_email,team\nAnn,a@x.org,,T\nBo,not-an-email,,T\n";
    assert_eq!(problem_lines(lf), vec![3]);
    assert_eq!(problem_lines(&lf.replace('\n', "\r")), vec![3]);
}

/// Regression (found by `email_parse_never_panics_and_what_it_accepts_is_an_address`): the
/// 254-byte limit is checked before lowercasing, and some letters grow when lowercased (U+023A
/// 'Ⱥ', 2 bytes, becomes U+2C65 'ⱥ', 3 bytes). So `Email::parse` can return an address that
/// `Email::parse` itself refuses, for example when an admin types it again. Fix: check the length
/// of the lowercased text.
#[test]

fn an_accepted_email_stays_valid_after_lowercasing() {
    let text = format!("{}@x.org", "\u{23a}".repeat(120));
    assert!(text.len() <= 254);
    // Either refused for its length once lowercased, or accepted in a form that is accepted again.
    match Email::parse(&text) {
        Ok(email) => assert_eq!(
            Email::parse(email.as_str()),
            Ok(email.clone()),
            "{} bytes",
            email.as_str().len()
        ),
        Err(e) => assert!(e.contains("254"), "{e}"),
    }
}
