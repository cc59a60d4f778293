//! Upgrades: data stored by an older schema comes through each migration that moves it.

use crate::helpers::*;
use std::collections::BTreeMap;
use trustloop_domain::analytics;
use trustloop_domain::instrument::Instrument;
use trustloop_domain::model::RaterGroup;
use trustloop_domain::rating::Rating;
use trustloop_storage::*;

/// People and their attributes as a database made before migration 0010 held them, one row per
/// attribute in `person_attributes`; the values carry quotes, backslashes and non-ASCII letters.
const PEOPLE_BEFORE_0010: [&str; 2] = [
    "INSERT INTO people (id, name, email) VALUES (1, 'Ana', 'ana@example.org'),
         (2, 'Bo', 'bo@example.org'), (3, 'Cy', 'cy@example.org')",
    "INSERT INTO person_attributes (person_id, name, value) VALUES
         (1, 'location', 'São Paulo \\ \"HQ\"'), (1, 'function', 'Finance'), (2, 'location', 'Lisbon')",
];

/// After the upgrade, each person has the attributes they had, and the segment filters list
/// the same values.
async fn attributes_came_through_the_upgrade(store: &DynStore) {
    let attributes =
        |id| async move { store.person(PersonId(id)).await.expect("person").attributes };
    assert_eq!(
        attributes(1).await,
        vec![
            ("function".to_string(), "Finance".to_string()),
            ("location".to_string(), "São Paulo \\ \"HQ\"".to_string())
        ]
    );
    assert_eq!(
        attributes(2).await,
        vec![("location".to_string(), "Lisbon".to_string())]
    );
    assert!(attributes(3).await.is_empty());
    assert_eq!(
        store.attribute_values(10).await.expect("values"),
        vec![
            ("function".to_string(), Some(vec!["Finance".to_string()])),
            (
                "location".to_string(),
                Some(vec![
                    "Lisbon".to_string(),
                    "São Paulo \\ \"HQ\"".to_string()
                ])
            ),
        ]
    );
}

/// The seal key of the older servers whose databases these tests upgrade.
pub(crate) const OLDER_KEY: &str =
    "6b1f0c5e9d2a47f3b8e0c4d1a7f9e2b35c8d0a1e4f7b2c9d6e3a0f5b8c1d4e7a";

/// An answer waiting for its batch, sealed as a server with [`OLDER_KEY`] sealed it (the form
/// of a sealed value has not changed since padding came in): Ann's answer to Lee, made by the
/// current store on a database of its own.
pub(crate) async fn sealed_with_older_key() -> Vec<u8> {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("sealing.db").display());
    let key = SealKey::from_hex(OLDER_KEY).expect("a key");
    let store = connect_with_key(&url, key).await.expect("opens");
    let org = import_org(&store).await;
    let (_, links) = open_campaign(&store, &[org.lee]).await;
    let (ann, _) = link_for(&links, "ann@example.org");
    store
        .submit_response(ann.id, &answers(3, None), today())
        .await
        .expect("Ann's answer waits");
    let pool = sqlx::SqlitePool::connect(&url).await.expect("opens");
    sqlx::query_scalar("SELECT sealed FROM pending_answers")
        .fetch_one(&pool)
        .await
        .expect("one waiting answer")
}

/// Applies the first `applied` of `migrator`'s migrations to `pool`'s database, runs
/// `inserts` on it and closes the pool.
async fn older_schema<DB: sqlx::Database>(
    pool: &sqlx::Pool<DB>,
    mut migrator: sqlx::migrate::Migrator,
    applied: usize,
    inserts: &[impl AsRef<str>],
) where
    DB::Connection: sqlx::migrate::Migrate,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
{
    migrator.migrations = migrator.migrations[..applied].to_vec().into();
    migrator.run(pool).await.expect("the older schema");
    for insert in inserts {
        sqlx::query(insert.as_ref())
            .execute(pool)
            .await
            .expect("old rows");
    }
    pool.close().await;
}

/// An SQLite store opened on a database that had only the first `applied` migrations when
/// `inserts` were run on it: the upgrade from that schema. The folder holds the file.
pub(crate) async fn sqlite_upgraded_from(
    applied: usize,
    inserts: &[impl AsRef<str>],
) -> (tempfile::TempDir, DynStore) {
    let (dir, url) = sqlite_older(applied, inserts).await;
    let store = connect(&url).await.expect("upgraded");
    (dir, store)
}

/// An SQLite database that has only the first `applied` migrations, with `inserts` run on it,
/// and the key file that [`OLDER_KEY`]'s server made beside it: its folder and URL.
pub(crate) async fn sqlite_older(
    applied: usize,
    inserts: &[impl AsRef<str>],
) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("old.db").display());
    let pool = sqlx::SqlitePool::connect(&url).await.expect("opens");
    let migrations = sqlx::migrate!("./migrations/sqlite");
    older_schema(&pool, migrations, applied, inserts).await;
    // The key the older server made beside the file when it first opened it.
    std::fs::write(dir.path().join("old.db.key"), OLDER_KEY).expect("the older server's key");
    (dir, url)
}

/// [`sqlite_upgraded_from`] on a new database of the PostgreSQL test server.
pub(crate) async fn postgres_upgraded_from(
    applied: usize,
    inserts: &[impl AsRef<str>],
) -> DynStore {
    let url = postgres_older(applied, inserts).await;
    connect_with_key(&url, SealKey::from_hex(OLDER_KEY).expect("a key"))
        .await
        .expect("upgraded")
}

/// [`sqlite_older`] on a new database of the PostgreSQL test server: its URL.
pub(crate) async fn postgres_older(applied: usize, inserts: &[impl AsRef<str>]) -> String {
    let url = new_postgres_database().await;
    let pool = sqlx::PgPool::connect(&url).await.expect("opens");
    let migrations = sqlx::migrate!("./migrations/postgres");
    older_schema(&pool, migrations, applied, inserts).await;
    url
}

#[tokio::test]
async fn attributes_stored_one_row_each_move_into_people_on_upgrade_sqlite() {
    let (_dir, store) = sqlite_upgraded_from(9, &PEOPLE_BEFORE_0010).await;
    attributes_came_through_the_upgrade(&store).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set TRUSTLOOP_TEST_POSTGRES and pass --ignored"]
async fn attributes_stored_one_row_each_move_into_people_on_upgrade_postgres() {
    let store = postgres_upgraded_from(9, &PEOPLE_BEFORE_0010).await;
    attributes_came_through_the_upgrade(&store).await;
}

/// An open campaign (id 1) with one leader (Lea, id 1, of team Core) as any schema from 0010 on
/// holds it.
pub(crate) fn old_campaign(instrument: &Instrument) -> Vec<String> {
    let definition = serde_json::to_string(instrument).expect("instrument");
    vec![
        format!(
            "INSERT INTO instruments (version, definition) VALUES ({}, '{}')",
            instrument.version,
            definition.replace('\'', "''")
        ),
        "INSERT INTO teams (id, name) VALUES (1, 'Core')".to_string(),
        "INSERT INTO people (id, name, email, team_id) VALUES (1, 'Lea', 'lea@example.org', 1)"
            .to_string(),
        format!(
            "INSERT INTO campaigns (id, name, status, instrument_version, deadline, min_rater_group,
                 min_team, min_comments, created_on, min_segment)
             VALUES (1, 'Old', 'open', {}, '2027-01-31', 3, 3, 3, '2026-01-05', 3)",
            instrument.version
        ),
        "INSERT INTO campaign_leaders (campaign_id, leader_id) VALUES (1, 1)".to_string(),
    ]
}

/// Team sums as SQLite held them before migration 0013 made their table clustered by campaign
/// and team: every value must come through exactly, in team order, for its campaign only.
#[tokio::test]
async fn team_sums_come_through_the_move_to_a_clustered_table_sqlite() {
    let mut inserts = old_campaign(&Instrument::current());
    inserts.push(
        "INSERT INTO campaigns (id, name, status, instrument_version, deadline, min_rater_group,
             min_team, min_comments, created_on, min_segment)
         SELECT 2, 'Other', 'open', instrument_version, deadline, 3, 3, 3, created_on, 3
         FROM campaigns WHERE id = 1"
            .to_string(),
    );
    // Not in team order; numbers exact in binary and in short decimals, one with 17 significant
    // digits, which a copy through text at SQLite's 15 would round.
    let rows = [
        (
            1,
            "Zürich \"ops\"",
            7,
            0.375,
            1_000_000_000_000_000.5,
            123_456.781_25,
        ),
        (2, "Elsewhere", 4, 1.0, 2.0, 3.0),
        (1, "Accounts", 3, 7.25, 52.5, 1_000_000_000_000_000.5),
    ];
    for (campaign, team, respondents, sum, sum_sq, other) in rows {
        inserts.push(format!(
            "INSERT INTO team_aggregates (campaign_id, team, respondents, m0_n, m0_sum, m0_sum_sq,
                 m1_n, m1_sum, m1_sum_sq, m2_n, m2_sum, m2_sum_sq, m3_n, m3_sum, m3_sum_sq)
             VALUES ({campaign}, '{team}', {respondents}, {respondents}, {sum:?}, {sum_sq:?},
                 2, {other:?}, {sum:?}, 0, 0, 0, 1, {sum_sq:?}, {other:?})"
        ));
    }
    let (_dir, store) = sqlite_upgraded_from(12, &inserts).await;
    let sums = store.team_sums(CampaignId(1)).await.expect("team sums");
    let expected: Vec<(String, analytics::TeamSums)> = rows
        .iter()
        .filter(|row| row.0 == 1)
        .map(|&(_, team, respondents, sum, sum_sq, other)| {
            let sums = |n: u64, sum: f64, sum_sq: f64| analytics::Sums { n, sum, sum_sq };
            (
                team.to_string(),
                analytics::TeamSums {
                    respondents,
                    measures: [
                        sums(respondents, sum, sum_sq),
                        sums(2, other, sum),
                        sums(0, 0.0, 0.0),
                        sums(1, sum_sq, other),
                    ],
                },
            )
        })
        .rev()
        .collect();
    assert_eq!(sums, expected);
}

/// A campaign of three direct reports' answers as a database made before migration 0011 held
/// them: a row per rating in `response_ratings`, scores in `response_scores`: the first
/// response's as they were stored (not what its ratings give now, so that a copy can be told
/// from a recomputation), the second's as its ratings give them, the third without any (stored
/// before scores were kept).
fn answers_before_0011() -> (Vec<String>, Vec<BTreeMap<String, Rating>>) {
    let instrument = Instrument::current();
    let mut sql = old_campaign(&instrument);
    let mut all = Vec::new();
    for (n, id) in ["r1", "r2", "r3"].into_iter().enumerate() {
        sql.push(format!(
            "INSERT INTO responses (id, campaign_id, leader_id, rater_group, submitted_on, team)
             VALUES ('{id}', 1, 1, 'direct_report', '2026-01-06', 'Core')"
        ));
        let ratings: BTreeMap<String, Rating> = instrument
            .items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let value = ((i * 7 + n * 3) % (usize::from(instrument.scale.max) + 1)) as u8;
                let rating = if value == 0 {
                    Rating::CantSay
                } else {
                    Rating::Score(value)
                };
                (item.code.clone(), rating)
            })
            .collect();
        for (code, rating) in &ratings {
            sql.push(format!(
                "INSERT INTO response_ratings (response_id, item_code, value) VALUES ('{id}', '{code}', {})",
                rating.to_stored()
            ));
        }
        let scores = match n {
            0 => [Some(11.0), Some(22.0), None, Some(44.0)],
            1 => analytics::Contribution::of(&instrument, &ratings).values,
            _ => {
                all.push(ratings);
                continue;
            }
        };
        let scores: Vec<String> = scores
            .iter()
            .map(|v| v.map_or("NULL".to_string(), |v| format!("{v:?}")))
            .collect();
        sql.push(format!(
            "INSERT INTO response_scores (response_id, campaign_id, leader_id, rater_group, m0, m1, m2, m3)
             VALUES ('{id}', 1, 1, 'direct_report', {})",
            scores.join(", ")
        ));
        all.push(ratings);
    }
    (sql, all)
}

/// After the upgrade, the report reads the same ratings, stored scores are kept as they were,
/// missing ones are computed, and the team's sums recomputed from the answers count all three.
async fn answers_came_through_the_upgrade(store: &DynStore, ratings: &[BTreeMap<String, Rating>]) {
    let instrument = Instrument::current();
    let (responses, _) = store
        .responses(CampaignId(1), PersonId(1))
        .await
        .expect("responses");
    let read: Vec<&BTreeMap<String, Rating>> = responses.iter().map(|r| &r.ratings).collect();
    assert_eq!(read, ratings.iter().collect::<Vec<_>>());
    assert!(
        responses
            .iter()
            .all(|r| r.group == RaterGroup::DirectReport)
    );
    let mut scores: Vec<String> = store
        .campaign_rater_scores(CampaignId(1))
        .await
        .expect("scores")
        .into_iter()
        .map(|(leader, group, values)| format!("{leader:?} {group:?} {values:?}"))
        .collect();
    scores.sort();
    let mut expected: Vec<String> = [
        [Some(11.0), Some(22.0), None, Some(44.0)],
        analytics::Contribution::of(&instrument, &ratings[1]).values,
        analytics::Contribution::of(&instrument, &ratings[2]).values,
    ]
    .iter()
    .map(|values| {
        format!(
            "{:?} {:?} {values:?}",
            PersonId(1),
            RaterGroup::DirectReport
        )
    })
    .collect();
    expected.sort();
    assert_eq!(scores, expected);
    let sums = store
        .recomputed_team_sums(CampaignId(1))
        .await
        .expect("sums");
    assert_eq!(sums.len(), 1);
    assert_eq!(sums[0].0, "Core");
    assert_eq!(sums[0].1.respondents, 3);
}

#[tokio::test]
async fn ratings_and_scores_move_onto_responses_on_upgrade_sqlite() {
    let (inserts, ratings) = answers_before_0011();
    let (_dir, store) = sqlite_upgraded_from(10, &inserts).await;
    answers_came_through_the_upgrade(&store, &ratings).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set TRUSTLOOP_TEST_POSTGRES and pass --ignored"]
async fn ratings_and_scores_move_onto_responses_on_upgrade_postgres() {
    let (inserts, ratings) = answers_before_0011();
    let store = postgres_upgraded_from(10, &inserts).await;
    answers_came_through_the_upgrade(&store, &ratings).await;
}

/// Two admins' segment views of two campaigns as each admin's history (`segment_views`, before
/// migration 0016) held them: the same population seen by both, once bare (a filter set, as
/// histories kept before measures were recorded) and once with its measures; one seen by one
/// admin only; one with some measures only; and one in the other campaign.
fn segment_views_before_0016() -> Vec<String> {
    let mut inserts = old_campaign(&Instrument::current());
    inserts.extend([
        "INSERT INTO campaigns (id, name, status, instrument_version, deadline, min_rater_group,
             min_team, min_comments, created_on, min_segment)
         SELECT 2, 'Other', 'closed', instrument_version, deadline, 3, 3, 3, created_on, 3
         FROM campaigns WHERE id = 1"
            .to_string(),
        "INSERT INTO users (id, email, display_name, role) VALUES
             (1, 'ann@example.org', 'Ann', 'admin'), (2, 'bo@example.org', 'Bo', 'admin')"
            .to_string(),
        r#"INSERT INTO segment_views (id, campaign_id, user_id, filters, respondents, seen_on) VALUES
             (1, 1, 1, '{"location":["Lisbon"]}', 12, '2026-02-03'),
             (2, 1, 2, '{"filters":{"location":["Lisbon"]},"measures":[true,true,true,true]}', 12, '2026-02-01'),
             (3, 1, 2, '{}', 30, '2026-02-02'),
             (4, 1, 1, '{"filters":{"function":["Finance"]},"measures":[true,false,true,true]}', 9, '2026-02-04'),
             (5, 2, 1, '{"location":[null]}', 7, '2026-03-01')"#
            .to_string(),
    ]);
    inserts
}

/// After the upgrade, each campaign has one history holding every admin's views, each
/// population once (bare filter sets written with their measures), on the first day any admin
/// saw it.
async fn segment_views_came_through_the_upgrade(store: &DynStore) {
    let day = |text: &str| {
        time::Date::parse(
            text,
            &time::macros::format_description!("[year]-[month]-[day]"),
        )
        .expect("day")
    };
    let segment = |population: &str, respondents, first_seen: &str| Disclosure {
        population: population.into(),
        kind: DisclosureKind::Segment,
        respondents,
        first_seen: day(first_seen),
    };
    assert_eq!(
        store
            .disclosures(CampaignId(1), None)
            .await
            .expect("history"),
        vec![
            segment(
                r#"{"filters":{"location":["Lisbon"]},"measures":[true,true,true,true]}"#,
                12,
                "2026-02-01"
            ),
            segment(
                r#"{"filters":{},"measures":[true,true,true,true]}"#,
                30,
                "2026-02-02"
            ),
            segment(
                r#"{"filters":{"function":["Finance"]},"measures":[true,false,true,true]}"#,
                9,
                "2026-02-04"
            ),
        ]
    );
    assert_eq!(
        store
            .disclosures(CampaignId(2), None)
            .await
            .expect("history"),
        vec![segment(
            r#"{"filters":{"location":[null]},"measures":[true,true,true,true]}"#,
            7,
            "2026-03-01"
        )]
    );
}

#[tokio::test]
async fn each_admins_segment_views_join_the_campaigns_one_history_on_upgrade_sqlite() {
    let (_dir, store) = sqlite_upgraded_from(13, &segment_views_before_0016()).await;
    segment_views_came_through_the_upgrade(&store).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set TRUSTLOOP_TEST_POSTGRES and pass --ignored"]
async fn each_admins_segment_views_join_the_campaigns_one_history_on_upgrade_postgres() {
    let store = postgres_upgraded_from(12, &segment_views_before_0016()).await;
    segment_views_came_through_the_upgrade(&store).await;
}

/// Before migration 0014: Lea's campaign with two direct reports, Ann (who answered: her
/// invitation's flag is set and her answer waits sealed) and Bo (who has not); comments kept
/// under the manager's, a direct report's and the leader's own label. `blob` is the backend's
/// literal for a few bytes.
pub(crate) fn answered_flags_before_0014(blob: &str) -> Vec<String> {
    let mut inserts = old_campaign(&Instrument::current());
    inserts.extend([
        "INSERT INTO people (id, name, email, team_id, manager_id) VALUES
             (2, 'Ann', 'ann@example.org', 1, 1), (3, 'Bo', 'bo@example.org', 1, 1)"
            .to_string(),
        "INSERT INTO invitations (id, campaign_id, leader_id, rater_group, person_id, rater_name,
             rater_email, completed) VALUES
             (10, 1, 1, 'direct_report', 2, 'Ann', 'ann@example.org', 1),
             (11, 1, 1, 'direct_report', 3, 'Bo', 'bo@example.org', 0)"
            .to_string(),
        format!(
            "INSERT INTO pending_answers (campaign_id, leader_id, rater_group, sealed)
             VALUES (1, 1, 'direct_report', {blob})"
        ),
        "INSERT INTO response_comments (id, campaign_id, leader_id, rater_group, question_code, body)
             VALUES ('c1', 1, 1, 'manager', 'start', 'from the manager'),
                    ('c2', 1, 1, 'direct_report', 'start', 'from a report'),
                    ('c3', 1, 1, 'self', 'start', 'my own')"
            .to_string(),
    ]);
    inserts
}

/// After the upgrade: Ann's flag became a used ballot mark (her invitation refuses a second
/// answer and counts as answered), Bo's invitation still takes his; the waiting answer is still
/// there; comments keep only "self" or the pooled label.
async fn answered_flags_came_through_the_upgrade(store: &DynStore) {
    let campaign = CampaignId(1);
    assert_eq!(
        store
            .answered_by_group(campaign, PersonId(1))
            .await
            .expect("answered"),
        BTreeMap::from([(RaterGroup::DirectReport, 1)])
    );
    assert_eq!(store.pending_answers(campaign).await.expect("pending"), 1);
    let today = time::macros::date!(2026 - 12 - 07);
    let again = store
        .submit_response(InvitationId(10), &answers(3, None), today)
        .await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    store
        .submit_response(InvitationId(11), &answers(3, None), today)
        .await
        .expect("Bo answers");
    let progress = store.progress(campaign).await.expect("progress");
    assert_eq!(
        progress
            .iter()
            .map(|p| (p.invited, p.completed))
            .collect::<Vec<_>>(),
        vec![(2, 2)]
    );
    let (_, comments) = store
        .responses(campaign, PersonId(1))
        .await
        .expect("comments");
    let mut labels: Vec<(RaterGroup, String)> =
        comments.into_iter().map(|c| (c.group, c.text)).collect();
    labels.sort_by(|a, b| a.1.cmp(&b.1));
    assert_eq!(
        labels,
        vec![
            (RaterGroup::Other, "from a report".to_string()),
            (RaterGroup::Other, "from the manager".to_string()),
            (RaterGroup::SelfRating, "my own".to_string()),
        ]
    );
}

#[tokio::test]
async fn answered_flags_become_ballot_marks_on_upgrade_sqlite() {
    let sealed = hex::encode(sealed_with_older_key().await);
    let (_dir, store) =
        sqlite_upgraded_from(13, &answered_flags_before_0014(&format!("X'{sealed}'"))).await;
    answered_flags_came_through_the_upgrade(&store).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set TRUSTLOOP_TEST_POSTGRES and pass --ignored"]
async fn answered_flags_become_ballot_marks_on_upgrade_postgres() {
    let sealed = hex::encode(sealed_with_older_key().await);
    let store = postgres_upgraded_from(
        12,
        &answered_flags_before_0014(&format!("'\\x{sealed}'::bytea")),
    )
    .await;
    answered_flags_came_through_the_upgrade(&store).await;
}
