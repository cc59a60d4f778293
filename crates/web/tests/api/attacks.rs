//! The attack suite: each known way of identifying a respondent is a test that must fail to
//! identify anyone. Attacks on segment filters (two overlapping filters, a view close to one
//! already seen, subtracting compare-by rows from their total, odd API parameters) are in
//! `segments.rs`; attacks on who is in a rater group in `attacks/raters.rs`; docs/privacy.md
//! lists every attack with its test.
//!
//! Tests that read the database itself run on an SQLite file whatever the backend of the run,
//! since they open the file; the others run on the run's backend.

use crate::helpers::*;
use reqwest::StatusCode;
use sqlx::Row;
use std::collections::{BTreeMap, BTreeSet};
use trustloop_storage::Role;

/// Attacks on who is in a rater group (filling a group with raters one controls).
mod raters;

/// Three teams under Dana: Lee's Platform (6 reports), Pat's Sales (2 reports: one fewer than a
/// rater group's k of 3) and Kim's Support (5 reports); reports alternate between London and
/// Lisbon.
fn org_csv() -> String {
    org_csv_placed(|_, r| if r % 2 == 0 { "London" } else { "Lisbon" })
}

/// The same organisation with each leader's `r`th report placed by `place(leader, r)`.
fn org_csv_placed(place: fn(&str, usize) -> &'static str) -> String {
    let mut csv = String::from(
        "name,email,manager_email,team,location\nDana Director,dana@example.org,,Leadership,London\n",
    );
    for (leader, name, team, reports) in [
        ("lee", "Lee Leader", "Platform", 6),
        ("pat", "Pat Lead", "Sales", 2),
        ("kim", "Kim Lead", "Support", 5),
    ] {
        csv.push_str(&format!(
            "{name},{leader}@example.org,dana@example.org,{team},London\n"
        ));
        for r in 0..reports {
            let place = place(leader, r);
            csv.push_str(&format!(
                "{leader} report {r},{leader}{r}@example.org,{leader}@example.org,{team},{place}\n"
            ));
        }
    }
    csv
}

/// An open campaign with Lee, Pat and Kim, and its links.
async fn open_campaign(admin: &Client, name: &str) -> (i64, Vec<Link>) {
    let leaders = ["lee@example.org", "pat@example.org", "kim@example.org"];
    open_campaign_led_by(admin, name, &leaders).await
}

async fn close(admin: &Client, id: i64) {
    let r = admin
        .post_with_csrf(&format!("/admin/campaigns/{id}/close"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

/// Everyone except the leaders themselves answers; direct reports leave a comment naming
/// themselves (the worst case: the text itself says who wrote it).
async fn everyone_answers(app: &TestApp, links: &[Link]) {
    let rater = app.client();
    for link in links.iter().filter(|l| l.group != "Self") {
        let comment =
            (link.group == "Direct reports").then(|| format!("comment by {}", link.rater));
        let r = answer(&rater, &link.url, &survey_form("4", comment.as_deref())).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", link.rater);
    }
}

/// The JSON body of a GET that must succeed: comparing two bodies proves nothing when both
/// are the same error.
async fn ok_json(client: &Client, path: &str) -> serde_json::Value {
    let response = client.get(path).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    response.json().await.expect("json")
}

async fn raw(app: &TestApp) -> sqlx::SqlitePool {
    assert!(app.db_url.starts_with("sqlite:"), "{}", app.db_url);
    sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .connect(&app.db_url)
        .await
        .expect("the database file opens")
}

/// Every row of `table`, each as the SQL literals of its columns, in the table's own order.
async fn rows_of(pool: &sqlx::SqlitePool, table: &str) -> Vec<String> {
    let columns = columns_of(pool, table).await;
    let select = columns
        .iter()
        .map(|c| format!("quote(\"{c}\")"))
        .collect::<Vec<_>>()
        .join(" || '|' || ");
    sqlx::query_scalar(&format!("SELECT {select} FROM \"{table}\""))
        .fetch_all(pool)
        .await
        .expect("rows")
}

async fn columns_of(pool: &sqlx::SqlitePool, table: &str) -> Vec<String> {
    sqlx::query(&format!("PRAGMA table_info(\"{table}\")"))
        .fetch_all(pool)
        .await
        .expect("columns")
        .iter()
        .map(|r| r.get::<String, _>("name"))
        .collect()
}

/// The tables a reader of the database could learn answers from.
const ANSWER_TABLES: [&str; 3] = ["responses", "response_comments", "team_aggregates"];

/// Everything in the answer tables, for comparing two moments.
async fn readable_answers(pool: &sqlx::SqlitePool) -> BTreeMap<&'static str, Vec<String>> {
    let mut all = BTreeMap::new();
    for table in ANSWER_TABLES {
        let mut rows = rows_of(pool, table).await;
        rows.sort();
        all.insert(table, rows);
    }
    all
}

/// Whether `needle` appears anywhere in the database file or its write-ahead log.
fn in_database_files(db_url: &str, needle: &str) -> bool {
    let path = db_url.trim_start_matches("sqlite://");
    [path.to_string(), format!("{path}-wal")]
        .iter()
        .filter_map(|p| std::fs::read(p).ok())
        .any(|bytes| bytes.windows(needle.len()).any(|w| w == needle.as_bytes()))
}

#[tokio::test]
async fn watching_the_database_between_two_submissions_shows_no_answer() {
    let app = TestApp::spawn_sqlite().await;
    let admin = app.admin().await;
    upload_people(&admin, &org_csv()).await;
    let (campaign, links) = open_campaign(&admin, "Watched").await;
    let pool = raw(&app).await;
    let reports: Vec<&Link> = links
        .iter()
        .filter(|l| l.leader == "Lee Leader" && l.group == "Direct reports")
        .collect();
    let rater = app.client();
    let before = readable_answers(&pool).await;
    // Five of Lee's six direct reports answer (k = 3; a group is released once 2k wait):
    // nothing readable changes, and not even the words of their comments are in the files.
    let words = |link: &Link| format!("watched words of {}", link.rater);
    for link in &reports[..5] {
        let r = answer(&rater, &link.url, &survey_form("2", Some(&words(link)))).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            readable_answers(&pool).await,
            before,
            "an answer became readable on its own"
        );
        assert!(
            !in_database_files(&app.db_url, &words(link)),
            "the comment is stored readable before its batch"
        );
    }
    assert_eq!(
        rows_of(&pool, "pending_answers").await.len(),
        5,
        "five wait, sealed"
    );
    // The sixth: three answers, chosen at random among the six, appear at once with one day.
    answer(
        &rater,
        &reports[5].url,
        &survey_form("2", Some(&words(reports[5]))),
    )
    .await;
    let after = readable_answers(&pool).await;
    assert_eq!(after["responses"].len(), 3);
    assert_eq!(after["response_comments"].len(), 3);
    let days: BTreeSet<String> = sqlx::query_scalar("SELECT submitted_on FROM responses")
        .fetch_all(&pool)
        .await
        .expect("days")
        .into_iter()
        .collect();
    assert_eq!(days.len(), 1, "one day for the whole batch: {days:?}");
    assert_eq!(
        rows_of(&pool, "pending_answers").await.len(),
        3,
        "three stay behind"
    );
    let visible = reports
        .iter()
        .filter(|l| in_database_files(&app.db_url, &words(l)))
        .count();
    assert_eq!(
        visible, 3,
        "the words of exactly the three released answers"
    );
    // Closing releases the three that stayed, together.
    close(&admin, campaign).await;
    assert_eq!(readable_answers(&pool).await["responses"].len(), 6);
    assert!(rows_of(&pool, "pending_answers").await.is_empty());
}

#[tokio::test]
async fn every_table_of_a_finished_campaign_has_no_column_or_order_linking_an_answer_to_a_person() {
    let app = TestApp::spawn_sqlite().await;
    let admin = app.admin().await;
    upload_people(&admin, &org_csv()).await;
    let (id, links) = open_campaign(&admin, "Finished").await;
    everyone_answers(&app, &links).await;
    close(&admin, id).await;
    // A leader and an admin read results, as they would (this writes sessions and audit rows).
    app.create_user(
        "lee@example.org",
        "Lee Leader",
        Role::Leader,
        Some("lee@example.org"),
    )
    .await;
    let lee = app.signed_in("lee@example.org").await;
    assert_eq!(
        lee.get(&format!("/me/campaigns/{id}/report"))
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        admin
            .get(&format!("/api/v1/campaigns/{id}/heatmap"))
            .await
            .status(),
        StatusCode::OK
    );
    let pool = raw(&app).await;

    // Every table is accounted for: a new table must be added to one of these lists, which
    // means someone decided which side of the wall it is on.
    let tables: BTreeSet<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table'
         AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx_%'",
    )
    .fetch_all(&pool)
    .await
    .expect("tables")
    .into_iter()
    .collect();
    let answer_side: BTreeMap<&str, &[&str]> = BTreeMap::from([
        (
            "responses",
            &[
                "id",
                "campaign_id",
                "leader_id",
                "rater_group",
                "submitted_on",
                "team",
                "rater_attributes",
                "scored",
                "m0",
                "m1",
                "m2",
                "m3",
                "ratings",
            ][..],
        ),
        (
            "response_comments",
            &[
                "id",
                "campaign_id",
                "leader_id",
                "rater_group",
                "question_code",
                "body",
            ][..],
        ),
        (
            "team_aggregates",
            &[
                "campaign_id",
                "team",
                "respondents",
                "m0_n",
                "m0_sum",
                "m0_sum_sq",
                "m1_n",
                "m1_sum",
                "m1_sum_sq",
                "m2_n",
                "m2_sum",
                "m2_sum_sq",
                "m3_n",
                "m3_sum",
                "m3_sum_sq",
            ][..],
        ),
        (
            "pending_answers",
            &["id", "campaign_id", "leader_id", "rater_group", "sealed"][..],
        ),
        // Written with each answer: a keyed hash that names no invitation without the key.
        (
            "used_ballots",
            &["mark", "campaign_id", "leader_id", "rater_group"][..],
        ),
    ]);
    // Who was invited, who finished, who signed in, what admins did; and settings.
    let person_side = [
        "people",
        "teams",
        "users",
        "sessions",
        "invitations",
        "rater_list_changes",
        "audit_events",
        "sign_in_failures",
        "api_tokens",
        "password_links",
        "import_jobs",
        "campaigns",
        "campaign_leaders",
        "campaign_contexts",
        "instruments",
        "disclosures",
        "disclosed_heatmaps",
    ];
    let known: BTreeSet<String> = answer_side
        .keys()
        .copied()
        .chain(person_side)
        .map(String::from)
        .collect();
    assert_eq!(
        tables, known,
        "classify every table as holding answers or people"
    );
    // Answer tables hold exactly these columns: nothing about who answered, nothing finer
    // than a day.
    for (table, expected) in &answer_side {
        assert_eq!(columns_of(&pool, table).await, *expected, "{table}");
    }
    // Invitations say who was invited and who chose them, and nothing about what they
    // answered or when...
    assert_eq!(
        columns_of(&pool, "invitations").await,
        [
            "id",
            "campaign_id",
            "leader_id",
            "rater_group",
            "person_id",
            "rater_name",
            "rater_email",
            "token_hash",
            "completed",
            "state",
            "nominated_by",
            "approved_by",
            "outside_directory"
        ]
    );
    // ... and no longer who finished: the retired flag is never set.
    let flagged: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM invitations WHERE completed <> 0")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(flagged, 0, "an invitation says it was answered");

    // Ids: random (version 4), and the tables are stored in the order of those ids, so the
    // order of rows says nothing about the order of answers. (Each query reads a column that
    // no index holds, so it walks the table itself in its stored order.)
    for (table, id, unindexed) in [
        ("responses", "id", "submitted_on"),
        ("response_comments", "id", "body"),
    ] {
        let stored: Vec<String> = sqlx::query(&format!("SELECT {id}, {unindexed} FROM {table}"))
            .fetch_all(&pool)
            .await
            .expect("ids")
            .iter()
            .map(|row| row.get::<String, _>(0))
            .collect();
        assert!(!stored.is_empty(), "{table} has rows");
        let mut sorted = stored.clone();
        sorted.sort();
        assert_eq!(
            stored, sorted,
            "{table} is stored in the order of its random ids"
        );
        for value in &stored {
            let uuid = uuid::Uuid::parse_str(value).expect("a UUID");
            assert_eq!(uuid.get_version_num(), 4, "{table}: {value} is random");
        }
    }

    // Only the day, and every readable rater group of a leader has at least k answers (or is
    // the leader or their manager, who are shown as themselves).
    let cells = sqlx::query(
        "SELECT leader_id, rater_group, COUNT(*) AS n, MIN(submitted_on) AS day FROM responses
         GROUP BY leader_id, rater_group",
    )
    .fetch_all(&pool)
    .await
    .expect("cells");
    for cell in &cells {
        let group: String = cell.get("rater_group");
        let n: i64 = cell.get("n");
        let day: String = cell.get("day");
        assert!(
            n >= 3 || group == "self" || group == "manager",
            "a readable group of {n} ({group})"
        );
        assert!(
            time::Date::parse(
                &day,
                time::macros::format_description!("[year]-[month]-[day]")
            )
            .is_ok()
        );
    }
    // Pat's two direct reports are fewer than k even as "Others": their answers are in no
    // readable table, only sealed.
    let pat: i64 = sqlx::query_scalar("SELECT id FROM people WHERE email = 'pat@example.org'")
        .fetch_one(&pool)
        .await
        .expect("pat");
    let pats: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM responses WHERE leader_id = ? AND rater_group NOT IN ('self', 'manager')",
    )
    .bind(pat)
    .fetch_one(&pool)
    .await
    .expect("count");
    assert_eq!(pats, 0);
    assert_eq!(rows_of(&pool, "pending_answers").await.len(), 2);

    // Nothing on the people side holds an answer's id, and nothing sealed or stored on the
    // answer side names a person: no email, no name (outside the comments' own words, which
    // respondents write), no location in the clear.
    let mut answer_ids: BTreeSet<String> = BTreeSet::new();
    for (table, id) in [("responses", "id"), ("response_comments", "id")] {
        let ids: Vec<String> = sqlx::query_scalar(&format!("SELECT {id} FROM {table}"))
            .fetch_all(&pool)
            .await
            .expect("ids");
        answer_ids.extend(ids);
    }
    for table in person_side {
        for row in rows_of(&pool, table).await {
            for id in &answer_ids {
                assert!(!row.contains(id.as_str()), "{table} mentions answer {id}");
            }
        }
    }
    let people: Vec<(String, String)> = sqlx::query_as("SELECT name, email FROM people")
        .fetch_all(&pool)
        .await
        .expect("people");
    for table in ["responses", "pending_answers"] {
        for row in rows_of(&pool, table).await {
            for (name, email) in &people {
                assert!(
                    !row.contains(email.as_str()) && !row.contains(name.as_str()),
                    "{table}"
                );
            }
            assert!(
                !row.contains("Lisbon") && !row.contains("London"),
                "{table}: attributes in the clear"
            );
        }
    }
    // `quote()` prints a BLOB as hex, where no plain text can be seen: the sealed columns are
    // read as the bytes they are. A raters' location stored unsealed would show here.
    let mut sealed_values = 0;
    for (table, column) in [
        ("responses", "rater_attributes"),
        ("pending_answers", "sealed"),
    ] {
        let blobs: Vec<Option<Vec<u8>>> =
            sqlx::query_scalar(&format!("SELECT {column} FROM {table}"))
                .fetch_all(&pool)
                .await
                .expect("sealed values");
        for blob in blobs.into_iter().flatten() {
            sealed_values += 1;
            let text = String::from_utf8_lossy(&blob);
            for plain in ["Lisbon", "London", "location", "@example.org"] {
                assert!(
                    !text.contains(plain),
                    "{table}.{column} holds {plain:?} unsealed"
                );
            }
        }
    }
    assert!(
        sealed_values >= 3,
        "the check read sealed values: {sealed_values}"
    );
    // Nothing links an answer's arrival to a time: no survey event is logged.
    let actions: Vec<String> = sqlx::query_scalar("SELECT DISTINCT action FROM audit_events")
        .fetch_all(&pool)
        .await
        .expect("actions");
    assert!(
        actions
            .iter()
            .all(|a| !a.contains("survey") && !a.contains("answer")),
        "{actions:?}"
    );
}

#[tokio::test]
async fn a_group_of_k_minus_one_is_in_no_figure_no_comment_and_no_readable_row() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    upload_people(&admin, &org_csv()).await;
    let (id, links) = open_campaign(&admin, "Small group").await;
    everyone_answers(&app, &links).await;
    close(&admin, id).await;
    app.create_user(
        "pat@example.org",
        "Pat Lead",
        Role::Leader,
        Some("pat@example.org"),
    )
    .await;
    let pat = app.signed_in("pat@example.org").await;
    let (status, page) = pat.get_text(&format!("/me/campaigns/{id}/report")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !page.contains("comment by pat report"),
        "a comment of the small group"
    );
    let report: serde_json::Value = pat
        .get(&format!("/api/v1/me/campaigns/{id}/report"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        report["hidden_groups"],
        serde_json::json!(["direct_report"])
    );
    assert_eq!(
        report["rows"][0]["others"]["n"], 1,
        "only the manager counts among the others"
    );
    let (responses, comments) = app
        .store
        .responses(
            trustloop_storage::CampaignId(id),
            app.store
                .person_by_email(
                    &trustloop_domain::people::Email::parse("pat@example.org").expect("email"),
                )
                .await
                .expect("lookup")
                .expect("pat")
                .id,
        )
        .await
        .expect("responses");
    assert!(
        responses.iter().all(|r| r.group.is_identified()) && comments.is_empty(),
        "the two direct reports' answers are nowhere readable"
    );
}

#[tokio::test]
async fn subtracting_the_shown_teams_from_the_total_leaves_at_least_k() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    upload_people(&admin, &org_csv()).await;
    let (id, links) = open_campaign(&admin, "Teams").await;
    everyone_answers(&app, &links).await;
    close(&admin, id).await;
    let map: serde_json::Value = admin
        .get(&format!("/api/v1/campaigns/{id}/heatmap"))
        .await
        .json()
        .await
        .expect("json");
    let total = map["total"]["respondents"].as_u64().expect("total shown");
    let shown: u64 = map["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|r| r["respondents"].as_u64())
        .sum();
    let leftover = total - shown;
    assert!(
        leftover == 0 || leftover >= 5,
        "total {total} minus shown teams {shown} exposes {leftover} people"
    );
    // Support (5) is shown; Sales' two answers count nowhere, so the total is Platform and
    // Support only and nothing is left to find by subtraction.
    assert_eq!(total, 11);
}

/// A people import after the close changes no population shown: teams are those of when the
/// answers arrived, attributes those of when people answered. Lee's reports are all in London
/// and Kim's all in Lisbon, so that the segment view (London: exactly Lee's team) and the
/// heatmap can both be shown whatever order they come in (a London that split a team shown on
/// the heatmap would be refused, or hide that team).
#[tokio::test]
async fn a_team_view_before_and_after_one_person_leaves_is_the_same() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    upload_people(
        &admin,
        &org_csv_placed(|leader, _| if leader == "kim" { "Lisbon" } else { "London" }),
    )
    .await;
    let (id, links) = open_campaign(&admin, "Leaver").await;
    everyone_answers(&app, &links).await;
    close(&admin, id).await;
    let heatmap_path = format!("/api/v1/campaigns/{id}/heatmap");
    let segments_path = format!("/api/v1/campaigns/{id}/segments?f=location:London");
    let heatmap = || ok_json(&admin, &heatmap_path);
    let segments = || ok_json(&admin, &segments_path);
    let (places_before, teams_before) = (segments().await, heatmap().await);
    let shown: Vec<(&str, u64)> = teams_before["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|r| Some((r["team"].as_str()?, r["respondents"].as_u64()?)))
        .collect();
    assert_eq!(
        shown,
        vec![("Platform", 6), ("Support", 5)],
        "{teams_before}"
    );
    assert_eq!(teams_before["total"]["respondents"], 11, "{teams_before}");
    assert_eq!(places_before["total"]["respondents"], 6, "{places_before}");
    // One of Lee's reports leaves Platform for Sales and moves to Lisbon.
    upload_people(
        &admin,
        "name,email,manager_email,team,location\nlee report 0,lee0@example.org,pat@example.org,Sales,Lisbon\n",
    )
    .await;
    assert_eq!(
        heatmap().await,
        teams_before,
        "teams are counted as they were when answers arrived"
    );
    assert_eq!(
        segments().await,
        places_before,
        "attributes are those of when people answered"
    );
}

#[tokio::test]
async fn comments_come_out_in_an_order_unrelated_to_when_they_were_written() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    upload_people(&admin, &org_csv()).await;
    app.create_user(
        "lee@example.org",
        "Lee Leader",
        Role::Leader,
        Some("lee@example.org"),
    )
    .await;
    let lee = app.signed_in("lee@example.org").await;
    let texts: Vec<String> = (0..6).map(|i| format!("Observation number {i}")).collect();
    let mut shown_orders = Vec::new();
    for (name, forwards) in [("Forwards", true), ("Backwards", false)] {
        let (id, links) = open_campaign(&admin, name).await;
        let mut reports: Vec<&Link> = links
            .iter()
            .filter(|l| l.leader == "Lee Leader" && l.group == "Direct reports")
            .collect();
        reports.sort_by(|a, b| a.rater.cmp(&b.rater));
        let rater = app.client();
        for (n, link) in reports.iter().enumerate() {
            let text = if forwards { &texts[n] } else { &texts[5 - n] };
            answer(&rater, &link.url, &survey_form("3", Some(text))).await;
        }
        close(&admin, id).await;
        let (_, page) = lee.get_text(&format!("/me/campaigns/{id}/report")).await;
        let mut positions: Vec<(usize, &String)> = texts
            .iter()
            .map(|t| (page.find(t.as_str()).expect("every comment shown"), t))
            .collect();
        positions.sort();
        shown_orders.push(
            positions
                .into_iter()
                .map(|(_, t)| t.clone())
                .collect::<Vec<_>>(),
        );
    }
    assert_eq!(
        shown_orders[0], shown_orders[1],
        "the order shown does not depend on the order written"
    );
}

#[tokio::test]
async fn api_parameters_cannot_reach_what_the_pages_refuse() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    upload_people(&admin, &org_csv()).await;
    let (id, links) = open_campaign(&admin, "Bypass").await;
    everyone_answers(&app, &links).await;
    app.create_user(
        "lee@example.org",
        "Lee Leader",
        Role::Leader,
        Some("lee@example.org"),
    )
    .await;
    let lee = app.signed_in("lee@example.org").await;
    // While open: no report, no heatmap, whatever the parameters.
    for path in [
        format!("/api/v1/me/campaigns/{id}/report"),
        format!("/api/v1/me/campaigns/{id}/report?status=closed&min_rater_group=1"),
    ] {
        assert_eq!(
            lee.get(&path).await.status(),
            StatusCode::CONFLICT,
            "{path}"
        );
    }
    for path in [
        format!("/api/v1/campaigns/{id}/heatmap"),
        format!("/api/v1/campaigns/{id}/heatmap?min_team=1&k=1"),
    ] {
        assert_eq!(
            admin.get(&path).await.status(),
            StatusCode::CONFLICT,
            "{path}"
        );
    }
    close(&admin, id).await;
    // Closed: thresholds in the query are ignored, another leader's report is not found.
    let plain = ok_json(&admin, &format!("/api/v1/campaigns/{id}/heatmap")).await;
    let tampered = ok_json(
        &admin,
        &format!("/api/v1/campaigns/{id}/heatmap?min_team=1&k=1&show_hidden=true"),
    )
    .await;
    assert!(
        plain["rows"].as_array().is_some_and(|r| !r.is_empty()),
        "{plain}"
    );
    assert_eq!(plain, tampered);
    let pat = app
        .store
        .person_by_email(&trustloop_domain::people::Email::parse("pat@example.org").expect("email"))
        .await
        .expect("lookup")
        .expect("pat")
        .id;
    let own = ok_json(&lee, &format!("/api/v1/me/campaigns/{id}/report")).await;
    assert_eq!(own["campaign_id"], id);
    assert!(
        own["rows"].as_array().is_some_and(|r| r.len() == 4),
        "{own}"
    );
    for path in [
        format!("/api/v1/me/campaigns/{id}/report?leader={}", pat.0),
        format!("/api/v1/me/campaigns/{id}/report?leader_id={}", pat.0),
    ] {
        let report = ok_json(&lee, &path).await;
        assert_eq!(report, own, "{path} still gives Lee's own report");
    }
    // A leader cannot reach the organisation's views at all.
    for path in [
        format!("/api/v1/campaigns/{id}/heatmap"),
        format!("/api/v1/campaigns/{id}/segments?f=location:London"),
        format!("/api/v1/campaigns/{id}/progress"),
    ] {
        let status = lee.get(&path).await.status();
        assert!(
            status == StatusCode::FORBIDDEN || status == StatusCode::NOT_FOUND,
            "{path}: {status}"
        );
    }
}

/// Class 1 of the insider attacks: a threshold on group size alone. Kim's five direct reports
/// answer; four of them say "can't say" to every consistency item and one rates it all 1. The
/// group has five people, but Kim's consistency score from direct reports would be one person's
/// answer: it must be withheld, and left out of every other figure of that row, so that the
/// pooled score minus the shown columns recovers nothing.
#[tokio::test]
async fn a_score_fewer_than_k_could_give_is_withheld_and_counts_nowhere_in_the_report() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    upload_people(&admin, &org_csv()).await;
    app.create_user(
        "kim@example.org",
        "Kim Lead",
        Role::Leader,
        Some("kim@example.org"),
    )
    .await;
    let (campaign, links) = open_campaign(&admin, "Can't say").await;
    let rater = app.client();
    let kims: Vec<&Link> = links
        .iter()
        .filter(|l| l.leader == "Kim Lead" && l.group != "Self")
        .collect();
    let mut lone = None;
    for (n, link) in kims.iter().enumerate() {
        let mut form = survey_form("4", None);
        if link.group == "Direct reports" {
            let point = if lone.is_none() { "1" } else { "cant_say" };
            if lone.is_none() {
                lone = Some(n);
            }
            for (field, value) in &mut form {
                if field.starts_with("item_con_") {
                    *value = point.to_string();
                }
            }
        }
        let r = answer(&rater, &link.url, &form).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
    }
    close(&admin, campaign).await;
    let kim = app.signed_in("kim@example.org").await;
    let report: serde_json::Value = kim
        .get(&format!("/api/v1/me/campaigns/{campaign}/report"))
        .await
        .json()
        .await
        .expect("json");
    let consistency = report["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["measure"] == "consistency")
        .expect("consistency row");
    let direct = consistency["by_group"]
        .as_array()
        .expect("groups")
        .iter()
        .find(|g| g["group"] == "direct_report")
        .expect("direct reports shown: five answered");
    assert_eq!(direct["respondents"], 5);
    assert!(direct["score"].is_null(), "one person's answer: {direct}");
    assert_eq!(direct["withheld"], true);
    // The pooled figure holds the manager alone (Dana's 4s: 75), not the lone 1.
    assert_eq!(consistency["others"]["n"], 1);
    assert_eq!(consistency["others"]["mean"], 75.0);
    let page = kim
        .get_text(&format!("/me/campaigns/{campaign}/report"))
        .await
        .1;
    assert!(
        page.contains("withheld*"),
        "the page says why the cell is empty"
    );
}
