//! What a reader of the database learns by watching it: a scripted campaign is answered one
//! person at a time, and after each answer every table (and, on SQLite, the files themselves)
//! is read as someone with a copy of the data folder or SQL access would. Nothing may order,
//! size or time an answer by the person who gave it:
//! - no row that says who was invited changes when someone answers (on PostgreSQL, not even
//!   its transaction ids: `xmin` and `xmax`);
//! - no row written with an answer shares a transaction id with a row about a person;
//! - every sealed value has one of the few padded sizes, whatever its comment's length;
//! - waiting answers have random ids, and SQLite keeps them in the order of those ids;
//! - the words of a comment are nowhere in the files until its batch is released;
//! - after the campaign closes, the log is empty and no deleted sealed value is left in the
//!   database file; the files are readable by their owner only.

use crate::helpers::*;
use sqlx::Row;
use std::collections::{BTreeMap, BTreeSet};
use trustloop_domain::campaign::CampaignStatus;
use trustloop_domain::people::PersonRow;
use trustloop_storage::*;

/// Lee's seven direct reports.
const REPORTS: usize = 7;

/// The sealed sizes allowed: each padded size plus the nonce (24) and the tag (16).
const SEALED_SIZES: [usize; 5] = [296, 1064, 4136, 16424, 65576];

/// The comment of report `n`: lengths from none to thousands of characters, so that an
/// unpadded seal would tell them apart.
fn comment_of(n: usize) -> Option<String> {
    (n > 0).then(|| format!("words of report {n} ").repeat(n * n * 20))
}

fn reports() -> Vec<PersonRow> {
    lee_with_reports(REPORTS, |n| {
        Some(if n % 2 == 0 { "Lisbon" } else { "London" })
    })
}

/// Each waiting answer's id and sealed value, in the table's own order, on any pool.
macro_rules! pending_of {
    ($pool:expr) => {
        sqlx::query_as("SELECT id, sealed FROM pending_answers")
            .fetch_all($pool)
            .await
            .expect("pending")
    };
}

/// What one backend lets a reader see.
trait Watched {
    /// Every row of `table` as text, in the table's own order.
    async fn rows(&self, table: &str) -> Vec<String>;
    /// Each row's transaction ids (inserted by, locked or deleted by), where the backend keeps
    /// them in the row; empty where it does not.
    async fn transaction_ids(&self, table: &str) -> Vec<String>;
    /// The bytes of the database's files, where they are files.
    fn files(&self) -> Vec<Vec<u8>>;
    /// Each waiting answer's id and sealed value, in the table's own order.
    async fn pending(&self) -> Vec<(String, Vec<u8>)>;
}

struct SqliteFile {
    pool: sqlx::SqlitePool,
    path: std::path::PathBuf,
}

impl Watched for SqliteFile {
    async fn rows(&self, table: &str) -> Vec<String> {
        let columns: Vec<String> = sqlx::query(&format!("PRAGMA table_info(\"{table}\")"))
            .fetch_all(&self.pool)
            .await
            .expect("columns")
            .iter()
            .map(|r| r.get::<String, _>("name"))
            .collect();
        let select = columns
            .iter()
            .map(|c| format!("quote(\"{c}\")"))
            .collect::<Vec<_>>()
            .join(" || '|' || ");
        sqlx::query_scalar(&format!("SELECT {select} FROM \"{table}\""))
            .fetch_all(&self.pool)
            .await
            .expect("rows")
    }

    async fn transaction_ids(&self, _table: &str) -> Vec<String> {
        Vec::new()
    }

    async fn pending(&self) -> Vec<(String, Vec<u8>)> {
        pending_of!(&self.pool)
    }

    fn files(&self) -> Vec<Vec<u8>> {
        let mut log = self.path.clone().into_os_string();
        log.push("-wal");
        [self.path.clone(), log.into()]
            .iter()
            .filter_map(|p| std::fs::read(p).ok())
            .collect()
    }
}

struct PostgresDatabase {
    pool: sqlx::PgPool,
}

impl Watched for PostgresDatabase {
    async fn rows(&self, table: &str) -> Vec<String> {
        sqlx::query_scalar(&format!("SELECT CAST(t AS TEXT) FROM \"{table}\" t"))
            .fetch_all(&self.pool)
            .await
            .expect("rows")
    }

    async fn transaction_ids(&self, table: &str) -> Vec<String> {
        sqlx::query_scalar(&format!(
            "SELECT CAST(xmin AS TEXT) || ' ' || CAST(xmax AS TEXT) FROM \"{table}\""
        ))
        .fetch_all(&self.pool)
        .await
        .expect("transaction ids")
    }

    fn files(&self) -> Vec<Vec<u8>> {
        Vec::new()
    }

    async fn pending(&self) -> Vec<(String, Vec<u8>)> {
        pending_of!(&self.pool)
    }
}

/// Tables that say who someone is, was invited, or did.
const ABOUT_PEOPLE: [&str; 4] = ["invitations", "people", "campaign_leaders", "users"];
/// Tables written when answers are stored or released.
const ABOUT_ANSWERS: [&str; 5] = [
    "pending_answers",
    "used_ballots",
    "responses",
    "response_comments",
    "team_aggregates",
];

async fn a_reader_of_the_database_learns_nothing_of_who_answered_what(
    store: &DynStore,
    watched: &impl Watched,
) {
    import(store, reports()).await.expect("imported");
    let lee = id_of(store, "lee@example.org").await;
    let (campaign, links) = open_campaign(store, &[lee]).await;
    let invitations_before = watched.rows("invitations").await;
    let people_ids: BTreeSet<String> = {
        let mut ids = BTreeSet::new();
        for table in ABOUT_PEOPLE {
            ids.extend(watched.transaction_ids(table).await);
        }
        ids
    };
    let mut pending_seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut released = 0;
    for n in 0..REPORTS {
        let (invitation, _) = link_for(&links, &format!("report{n}@example.org"));
        store
            .submit_response(
                invitation.id,
                &answers(4, comment_of(n).as_deref()),
                today(),
            )
            .await
            .expect("stored");

        // Who was invited is exactly as it was: the answer changed no row about a person.
        assert_eq!(
            watched.rows("invitations").await,
            invitations_before,
            "after answer {n}"
        );
        for table in ABOUT_PEOPLE {
            for ids in watched.transaction_ids(table).await {
                assert!(
                    people_ids.contains(&ids),
                    "{table} got a new transaction id after answer {n}"
                );
            }
        }
        // No row written for answers carries a transaction id that a row about people has.
        let people_xids: BTreeSet<&str> = people_ids
            .iter()
            .flat_map(|ids| ids.split(' '))
            .filter(|id| *id != "0")
            .collect();
        for table in ABOUT_ANSWERS {
            for ids in watched.transaction_ids(table).await {
                let xmin = ids.split(' ').next().expect("xmin");
                assert!(
                    !people_xids.contains(xmin),
                    "{table} shares transaction {xmin} with a row about a person"
                );
            }
        }

        // Waiting answers: random ids, padded sizes.
        for (id, sealed) in watched.pending().await {
            assert!(
                id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()),
                "{id}"
            );
            assert!(
                SEALED_SIZES.contains(&sealed.len()),
                "sealed size {}",
                sealed.len()
            );
            pending_seen.entry(id).or_insert(n);
        }
        // The words of every comment still waiting are in no file.
        let readable = store
            .responses(campaign, lee)
            .await
            .expect("responses")
            .1
            .len();
        if readable > released {
            released = readable;
        }
        let files = watched.files();
        for m in 0..=n {
            let Some(words) = comment_of(m) else { continue };
            let in_files = files
                .iter()
                .any(|bytes| bytes.windows(24).any(|w| w == &words.as_bytes()[..24]));
            let shown = store
                .responses(campaign, lee)
                .await
                .expect("responses")
                .1
                .iter()
                .any(|c| c.text == words);
            assert!(
                !in_files || shown,
                "comment {m} is in the files before its release"
            );
        }
    }
    assert!(released > 0, "a batch was released while the campaign ran");
    // Waiting answers are kept in the order of their random ids on SQLite.
    let order: Vec<String> = watched
        .pending()
        .await
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    if !watched.files().is_empty() {
        let mut sorted = order.clone();
        sorted.sort();
        assert_eq!(order, sorted, "pending answers are stored in id order");
    }

    // Closing releases the rest; then the log is empty and no sealed value that was deleted is
    // left in the database file.
    let sealed_before: Vec<Vec<u8>> = watched
        .pending()
        .await
        .into_iter()
        .map(|(_, sealed)| sealed)
        .collect();
    set_status(store, campaign, CampaignStatus::Closed).await;
    let files = watched.files();
    if let [database, rest @ ..] = files.as_slice() {
        assert!(
            rest.iter().all(Vec::is_empty),
            "the log is truncated at close"
        );
        for sealed in &sealed_before {
            assert!(
                !database.windows(48).any(|w| w == &sealed[..48]),
                "a deleted sealed answer is still in the file"
            );
        }
    }
    assert!(
        !sealed_before.is_empty(),
        "some answers waited until the close"
    );
}

#[tokio::test]
async fn a_reader_of_the_sqlite_files_learns_nothing_of_who_answered_what() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("watched.db");
    let url = format!("sqlite://{}", path.display());
    let store = connect(&url).await.expect("opens");
    let pool = sqlx::SqlitePool::connect(&url).await.expect("reader");
    let watched = SqliteFile {
        pool,
        path: path.clone(),
    };
    a_reader_of_the_database_learns_nothing_of_who_answered_what(&store, &watched).await;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for file in ["watched.db", "watched.db-wal", "watched.db-shm"] {
            let Ok(meta) = std::fs::metadata(dir.path().join(file)) else {
                continue;
            };
            assert_eq!(
                meta.permissions().mode() & 0o077,
                0,
                "{file} is readable by others"
            );
        }
    }
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set TRUSTLOOP_TEST_POSTGRES and pass --ignored"]
async fn a_reader_of_the_postgres_database_learns_nothing_of_who_answered_what() {
    let (url, store) = new_postgres_store().await;
    let pool = sqlx::PgPool::connect(&url).await.expect("reader");
    let watched = PostgresDatabase { pool };
    a_reader_of_the_database_learns_nothing_of_who_answered_what(&store, &watched).await;
}
