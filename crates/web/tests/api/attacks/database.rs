//! Attacks by someone who reads the database itself: its tables at any moment, the bytes of the
//! file and its write-ahead log. They open the SQLite file, so they run on SQLite whatever the
//! backend of the run (the storage contract's `files.rs` reads PostgreSQL's own bookkeeping).

use super::*;

pub(super) async fn raw(app: &TestApp) -> sqlx::SqlitePool {
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

pub(super) async fn columns_of(pool: &sqlx::SqlitePool, table: &str) -> Vec<String> {
    sqlx::query(&format!("PRAGMA table_info(\"{table}\")"))
        .fetch_all(pool)
        .await
        .expect("columns")
        .iter()
        .map(|r| r.get::<String, _>("name"))
        .collect()
}

/// The ids of `table`'s rows (column `id`) in the table's own stored order: the query reads a
/// column that no index holds (`unindexed`), so it walks the table itself.
pub(super) async fn stored_ids(
    pool: &sqlx::SqlitePool,
    table: &str,
    id: &str,
    unindexed: &str,
) -> Vec<String> {
    sqlx::query(&format!("SELECT {id}, {unindexed} FROM {table}"))
        .fetch_all(pool)
        .await
        .expect("ids")
        .iter()
        .map(|row| row.get::<String, _>(0))
        .collect()
}

/// Asserts that `stored` (ids in stored order) are random (UUID version 4) and in the order of
/// those ids, so that the order of rows says nothing about the order of arrival.
pub(super) fn assert_random_ids_in_order(table: &str, stored: &[String]) {
    let mut sorted = stored.to_vec();
    sorted.sort();
    assert_eq!(
        stored, sorted,
        "{table} is stored in the order of its random ids, not of arrival"
    );
    for value in stored {
        let uuid = uuid::Uuid::parse_str(value).expect("a UUID");
        assert_eq!(uuid.get_version_num(), 4, "{table}: {value} is random");
    }
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
    let (admin, id) = finished_campaign(&app, "Finished").await;
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
        // The team pulse's: the same rules (`attacks::pulse` fills and reads them).
        (
            "pulse_answers",
            &[
                "id",
                "round_id",
                "team_id",
                "trust_index",
                "relationships",
                "judgement",
                "consistency",
                "overall",
            ][..],
        ),
        (
            "pulse_pending",
            &["id", "round_id", "team_id", "sealed"][..],
        ),
        ("pulse_used_ballots", &["mark", "round_id", "team_id"][..]),
        // Anonymous feedback waiting sealed, and the keyed hashes that name no sender without
        // the key (`attacks::feedback` ties delivered items to nobody).
        ("feedback_pending", &["id", "receiver_id", "sealed"][..]),
        ("feedback_waiting_marks", &["mark", "receiver_id"][..]),
        ("feedback_sent_forms", &["mark"][..]),
        ("feedback_request_marks", &["mark"][..]),
        // The anonymous recovery pulse after a breach: the pulse's rules per round
        // (`attacks::repair` fills and reads them).
        (
            "recovery_answers",
            &["id", "round_id", "overall", "element"][..],
        ),
        ("recovery_pending", &["id", "round_id", "sealed"][..]),
        ("recovery_used_ballots", &["mark", "round_id"][..]),
        // A pulse team's round as running sums of its released answers, as `team_aggregates`.
        (
            "pulse_team_rounds",
            &[
                "round_id",
                "team_id",
                "invited",
                "answered",
                "released",
                "trust_index_n",
                "trust_index_sum",
                "trust_index_sq",
                "relationships_n",
                "relationships_sum",
                "relationships_sq",
                "judgement_n",
                "judgement_sum",
                "judgement_sq",
                "consistency_n",
                "consistency_sum",
                "consistency_sq",
                "overall_n",
                "overall_sum",
                "overall_sq",
            ][..],
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
        // The fingerprint of the seal key and when a server last started with it.
        "seal_key",
        // The learning module: each person's own progress and (sealed) reflections, never a
        // rater's answer.
        "lesson_progress",
        "check_attempts",
        "reflections",
        // Plans and the say-do ledger hold no 360 answer: a commitment keeps its recipients'
        // confirmations only as counts, apart from who answered.
        "plans",
        "plan_actions",
        "commitments",
        "commitment_recipients",
        "ledger_settings",
        "pulse_series",
        "pulse_series_teams",
        "pulse_rounds",
        "pulse_invitations",
        "pulse_events",
        "pulse_event_teams",
        "pulse_figures",
        // Team-level outcome figures an admin imports: the organisation's, per team; no one's
        // answer.
        "outcomes",
        // Feedback: a named item names its sender; an anonymous one has no sender, no request
        // and only its batch's weeks (`attacks::feedback`); requests name who asked whom.
        "feedback_items",
        "feedback_requests",
        "feedback_request_people",
        // Breach repair: the leader's own record, the people affected, the rounds and links of
        // the recovery pulse; a named pulse's answers are kept with their respondent, who was
        // told so before answering (fewer than k affected).
        "repairs",
        "repair_people",
        "repair_teams",
        "repair_steps",
        "repair_amends",
        "recovery_rounds",
        "recovery_invitations",
        "recovery_named_answers",
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
        let stored = stored_ids(&pool, table, id, unindexed).await;
        assert!(!stored.is_empty(), "{table} has rows");
        assert_random_ids_in_order(table, &stored);
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
