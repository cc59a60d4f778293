//! Downloads of what the pages show (CSV and XLSX): every cell equals the page's, withheld
//! figures stay withheld, and names that read as formulas stay text.

use crate::helpers::*;
use reqwest::StatusCode;
use std::io::Cursor;

/// A closed campaign with three teams under Dana: Lee's Platform (6 reports, shown), Pat's
/// `=Sales` (3 reports: too few; its name reads as a formula) and Kim's Support (5 reports,
/// hidden with it so that the total cannot give it away).
async fn closed_three_teams(app: &TestApp, admin: &Client) -> i64 {
    let mut csv =
        String::from("name,email,manager_email,team\nDana Director,dana@example.org,,Leadership\n");
    for (leader, team, reports) in [
        ("lee", "Platform", 6),
        ("pat", "=Sales", 3),
        ("kim", "Support", 5),
    ] {
        csv.push_str(&format!(
            "{leader},{leader}@example.org,dana@example.org,{team}\n"
        ));
        for r in 0..reports {
            csv.push_str(&format!(
                "{leader} report {r},{leader}{r}@example.org,{leader}@example.org,{team}\n"
            ));
        }
    }
    upload_people(admin, &csv).await;
    let id = create_campaign(admin, "Team trust: 2026").await;
    for leader in ["lee", "pat", "kim"] {
        admin
            .post_with_csrf(
                &format!("/admin/campaigns/{id}/leaders"),
                &[("email", &format!("{leader}@example.org"))],
            )
            .await;
    }
    admin
        .post_with_csrf(&format!("/admin/campaigns/{id}/open"), &[])
        .await;
    let rater = app.client();
    for (n, link) in issue_links(admin, id)
        .await
        .iter()
        .filter(|l| l.group == "Direct reports")
        .enumerate()
    {
        let point = ["4", "3", "5", "2"][n % 4];
        answer(&rater, &link.url, &survey_form(point, None)).await;
    }
    admin
        .post_with_csrf(&format!("/admin/campaigns/{id}/close"), &[])
        .await;
    id
}

/// The text of an HTML fragment: tags dropped, the template's entities decoded, a line break
/// as a space.
fn text_of(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.replace("<br>", " ").chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&#x3d;", "=")
        .replace("&#61;", "=")
        .replace("&amp;", "&")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A page's table rows as the reader sees them: the row's heading, the answers, each score (a
/// dash when withheld) followed, `with_intervals`, by its interval (empty when none is shown),
/// and the note under the heading.
pub(crate) fn page_rows(page: &str, with_intervals: bool) -> Vec<Vec<String>> {
    let body = extract_between(page, "<tbody>", "</tbody>").expect("the table's body");
    body.split("<tr")
        .skip(1)
        .map(|row| {
            let head = extract_between(row, "<th scope=\"row\">", "</th>").expect("a row heading");
            let (label, note) = match head.split_once("<br>") {
                Some((label, note)) => (text_of(label), text_of(note)),
                None => (text_of(&head), String::new()),
            };
            let mut cells = vec![label];
            for (n, td) in row.split("<td").skip(1).enumerate() {
                let inner = &td[td.find('>').expect("td") + 1..td.find("</td>").expect("end")];
                let (value, interval) = inner.split_once("<br>").unwrap_or((inner, ""));
                cells.push(text_of(value));
                if with_intervals && n > 0 {
                    cells.push(text_of(interval));
                }
            }
            cells.push(note);
            cells
        })
        .collect()
}

/// A downloaded heatmap cell as the page would show it: an empty figure is the page's dash.
fn as_page(column: usize, cell: &str) -> String {
    if cell.is_empty() && (1..=5).contains(&column) {
        "–".to_string()
    } else {
        cell.to_string()
    }
}

#[tokio::test]
async fn the_heatmap_downloads_hold_exactly_the_cells_the_page_shows() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let id = closed_three_teams(&app, &admin).await;
    let (status, page) = admin
        .get_text(&format!("/admin/campaigns/{id}/teams"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let shown = page_rows(&page, false);
    assert_eq!(shown.len(), 4, "three teams and the total: {shown:?}");
    assert!(
        shown.iter().any(|r| r[2] == "–") && shown.iter().any(|r| r[2] != "–"),
        "some rows withheld, some shown: {shown:?}"
    );

    let r = admin.get(&format!("/admin/campaigns/{id}/teams.csv")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.headers()["content-disposition"],
        "attachment; filename=\"team-trust-2026-trust-by-team.csv\""
    );
    let bytes = r.bytes().await.expect("csv");
    let text = std::str::from_utf8(&bytes).expect("utf-8");
    let text = text.strip_prefix('\u{feff}').expect("a byte-order mark");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .expect("headers")
        .iter()
        .map(String::from)
        .collect();
    assert_eq!(headers.len(), 7);
    assert!(
        headers[2].starts_with("Trust Index (") && headers[2].contains("0-100"),
        "each heading explains its column: {headers:?}"
    );
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.expect("row").iter().map(String::from).collect())
        .collect();
    assert_eq!(rows.len(), shown.len());
    for (row, on_page) in rows.iter().zip(&shown) {
        let mut row: Vec<String> = row.iter().enumerate().map(|(c, v)| as_page(c, v)).collect();
        // A name that reads as a formula is kept as text with an apostrophe.
        if let Some(name) = row[0].strip_prefix('\'') {
            assert!(name.starts_with('='), "{row:?}");
            row[0] = name.to_string();
        }
        assert_eq!(&row, on_page);
    }
    assert!(text.contains("'=Sales"), "{text}");

    let r = admin
        .get(&format!("/admin/campaigns/{id}/teams.xlsx"))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.expect("xlsx").to_vec();
    use calamine::{Data, Reader};
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes)).expect("a workbook");
    let sheet = book.worksheet_range("Figures").expect("the figures sheet");
    let mut cells = sheet.rows();
    let heading: Vec<String> = cells
        .next()
        .expect("heading")
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(heading[0], "Team");
    assert_eq!(heading[2], "Trust Index");
    let rows: Vec<Vec<Data>> = cells.map(|r| r.to_vec()).collect();
    assert_eq!(rows.len(), shown.len());
    for (row, on_page) in rows.iter().zip(&shown) {
        for (c, (cell, expected)) in row.iter().zip(on_page).enumerate() {
            match cell {
                Data::Float(value) => {
                    assert!((1..=5).contains(&c), "a number in column {c}");
                    assert_eq!(&value.to_string(), expected, "a figure as shown");
                }
                Data::String(text) => {
                    assert!(matches!(c, 0 | 6), "text in column {c}: {text}");
                    assert_eq!(text, expected);
                }
                Data::Empty => assert_eq!(as_page(c, ""), *expected, "column {c}"),
                other => panic!("unexpected cell {other:?}"),
            }
        }
    }
    assert!(
        book.worksheet_range("About").is_ok(),
        "a sheet says what the figures are"
    );

    let events = app.store.audit_events(20, None).await.expect("audit");
    let viewed: Vec<&str> = events
        .iter()
        .filter(|(_, e)| e.action == "team_results_viewed")
        .map(|(_, e)| e.detail.as_str())
        .collect();
    assert!(
        viewed.contains(&"csv") && viewed.contains(&"xlsx"),
        "each download is logged like a view: {viewed:?}"
    );
}

#[tokio::test]
async fn the_heatmap_downloads_are_refused_to_leaders_and_while_a_campaign_is_open() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    upload_people(
        &admin,
        "name,email,manager_email,team\nLee,lee@example.org,,Platform\nR1,r1@example.org,lee@example.org,Platform\n",
    )
    .await;
    let id = create_campaign(&admin, "Open").await;
    admin
        .post_with_csrf(
            &format!("/admin/campaigns/{id}/leaders"),
            &[("email", "lee@example.org")],
        )
        .await;
    admin
        .post_with_csrf(&format!("/admin/campaigns/{id}/open"), &[])
        .await;
    for format in ["csv", "xlsx"] {
        let r = admin
            .get(&format!("/admin/campaigns/{id}/teams.{format}"))
            .await;
        assert_eq!(r.status(), StatusCode::CONFLICT, "not while answers arrive");
    }
    app.create_user(
        "lee@example.org",
        "Lee",
        trustloop_storage::Role::Leader,
        Some("lee@example.org"),
    )
    .await;
    let lee = app.signed_in("lee@example.org").await;
    let r = lee.get(&format!("/admin/campaigns/{id}/teams.csv")).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

/// The rows of a CSV download, after its byte-order mark and heading row.
pub(crate) fn csv_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    let text = std::str::from_utf8(bytes).expect("utf-8");
    let text = text.strip_prefix('\u{feff}').expect("a byte-order mark");
    csv::Reader::from_reader(text.as_bytes())
        .records()
        .map(|r| r.expect("row").iter().map(String::from).collect())
        .collect()
}

#[tokio::test]
async fn a_segment_view_downloads_with_the_page_cells_and_a_refused_view_stays_refused() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let id = crate::segments::closed_campaign(&app, &admin).await;
    let (status, page) = admin
        .get_text(&format!("/admin/campaigns/{id}/segments?by=location"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let shown = page_rows(&page, true);
    assert!(
        shown.iter().any(|r| r[2] == "–") && shown.iter().any(|r| !r[3].is_empty()),
        "withheld rows and intervals: {shown:?}"
    );
    assert!(
        page.contains(&format!("/admin/campaigns/{id}/segments.csv?by=location")),
        "the page links its download"
    );
    let r = admin
        .get(&format!("/admin/campaigns/{id}/segments.csv?by=location"))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let rows = csv_rows(&r.bytes().await.expect("csv"));
    let dash = |c: usize, v: &str| {
        // Scores (columns 2, 4, 6, 8) and the answers are the page's dash when empty.
        if v.is_empty() && (c == 1 || ((2..=9).contains(&c) && c.is_multiple_of(2))) {
            "–".to_string()
        } else {
            v.to_string()
        }
    };
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().enumerate().map(|(c, v)| dash(c, v)).collect())
        .collect();
    assert_eq!(rows, shown);

    let r = admin
        .get(&format!("/admin/campaigns/{id}/segments.xlsx?by=location"))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(r.bytes().await.expect("xlsx").to_vec()))
            .expect("a workbook");
    let sheet = book.worksheet_range("Figures").expect("figures");
    let cells: Vec<Vec<String>> = sheet
        .rows()
        .skip(1)
        .map(|r| {
            r.iter()
                .enumerate()
                .map(|(c, v)| dash(c, &v.to_string()))
                .collect()
        })
        .collect();
    assert_eq!(cells, shown);

    // A view the page refuses (it would differ from what was seen by fewer than k) is refused
    // as a download too, in words and without a figure.
    let r = admin
        .get(&format!(
            "/admin/campaigns/{id}/segments.csv?f=function:Sales"
        ))
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.expect("body");
    assert!(!body.contains("Trust Index ("), "{body}");
}

/// A team trend's downloaded row as the trend page's table shows it: answered as "80% (8 of
/// 10)", each score as "72 (65–79)", a round without numbers with its reason under the Trust
/// Index and dashes elsewhere.
pub(crate) fn trend_row_as_page(r: &[String]) -> Vec<String> {
    let score = |c: usize| {
        if r[c].is_empty() {
            None
        } else if r[c + 1].is_empty() {
            Some(r[c].clone())
        } else {
            Some(format!("{} ({}–{})", r[c], r[c + 1], r[c + 2]))
        }
    };
    let answered = if r[2].is_empty() {
        "–".to_string()
    } else {
        let (a, i): (u32, u32) = (
            r[2].parse().expect("answered"),
            r[3].parse().expect("invited"),
        );
        format!("{}% ({a} of {i})", a * 100 / i)
    };
    let mut row = vec![r[0].clone(), r[1].clone(), answered];
    row.push(score(4).unwrap_or_else(|| r[19].clone()));
    for c in [7, 10, 13, 16] {
        row.push(score(c).unwrap_or_else(|| "–".to_string()));
    }
    row.push(String::new());
    row
}
