//! Data safety: the database knows its seal key, closes cleanly and is backed up while it
//! serves.

use crate::helpers::*;
use crate::upgrades::{
    OLDER_KEY, answered_flags_before_0014, postgres_older, sealed_with_older_key, sqlite_older,
};
use trustloop_domain::campaign::CampaignStatus;
use trustloop_storage::*;

/// Closing waits for every answer already handed to the store: each answer acknowledged as
/// stored is stored, and each refused because the store was closing is not; the store then
/// refuses new work. `url` is a new database, opened with `key`.
async fn closing_stores_every_answer_acknowledged_before_it(url: &str, key: SealKey) {
    let store = connect_with_key(url, key.clone()).await.expect("opens");
    let (campaign, links) = answered_team(&store, 60).await;
    let mut sending = Vec::new();
    for (invitation, _) in &links {
        let store = store.clone();
        let id = invitation.id;
        sending.push(tokio::spawn(async move {
            store.submit_response(id, &answers(4, None), today()).await
        }));
    }
    // Let some answers reach the intake, then close while they are being written.
    for _ in 0..20 {
        tokio::task::yield_now().await;
    }
    store.close().await.expect("closes");
    let mut acknowledged = 0;
    for sent in sending {
        if sent.await.expect("sent").is_ok() {
            acknowledged += 1;
        }
    }
    assert!(
        store.progress(campaign).await.is_err(),
        "a closed store refuses work"
    );
    store.close().await.expect("closing again does nothing");
    let reopened = connect_with_key(url, key).await.expect("opens again");
    let (counted, stored) = answered_and_stored(&reopened, campaign).await;
    assert!(
        acknowledged > 0,
        "some answers were stored before the store closed"
    );
    assert_eq!((counted, stored), (acknowledged, u64::from(acknowledged)));
}

// ------------------------------------------------------------------------------------ SQLite

#[tokio::test]
async fn closing_stores_every_answer_acknowledged_before_it_sqlite() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    closing_stores_every_answer_acknowledged_before_it(&url, SealKey::random()).await;
}

#[tokio::test]
async fn a_new_database_makes_its_key_and_records_its_fingerprint() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("new.db").display());
    let key_file = dir.path().join("new.db.key");

    let store = connect(&url).await.expect("a new database opens");

    let key = SealKey::load(&key_file)
        .expect("read")
        .expect("a key was made");
    assert_eq!(store.key_fingerprint(), key.fingerprint());
    assert_eq!(recorded_fingerprint(&url).await, key.fingerprint());
    close(store).await;
    connect(&url).await.expect("opens again with its key");
}

#[tokio::test]
async fn a_missing_key_file_is_refused_and_never_replaced_once_the_database_holds_data() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let key_file = dir.path().join("t.db.key");
    let store = connect(&url).await.expect("opens");
    import_org(&store).await;
    close(store).await;
    std::fs::remove_file(&key_file).expect("the key file is lost");

    let error = connect(&url).await.err().expect("refused");

    let told = error.to_string();
    assert!(matches!(error, StoreError::SealKey(_)), "{told}");
    assert!(told.contains("does not exist"), "{told}");
    assert!(told.contains("Put that key file back"), "{told}");
    assert!(told.contains("only for a new, empty database"), "{told}");
    assert!(
        !key_file.exists(),
        "no new key is made for a database that has one"
    );
}

#[tokio::test]
async fn another_databases_key_is_refused_with_both_fingerprints() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let key_file = dir.path().join("t.db.key");
    let store = connect(&url).await.expect("opens");
    let own = store.key_fingerprint();
    close(store).await;
    std::fs::remove_file(&key_file).expect("removed");
    let foreign = SealKey::create(&key_file).expect("another key");

    let error = connect(&url).await.err().expect("refused");

    let told = error.to_string();
    assert!(matches!(error, StoreError::SealKey(_)), "{told}");
    assert!(told.contains("does not belong to this database"), "{told}");
    assert!(
        told.contains(&own[..16]) && told.contains(&foreign.fingerprint()[..16]),
        "{told}"
    );
}

#[tokio::test]
async fn an_older_database_records_the_first_key_that_opens_its_sealed_answers_sqlite() {
    let sealed = hex::encode(sealed_with_older_key().await);
    let (dir, url) = sqlite_older(13, &answered_flags_before_0014(&format!("X'{sealed}'"))).await;
    let wrong = connect_with_key(&url, SealKey::random()).await.err();
    assert!(
        matches!(&wrong, Some(StoreError::SealKey(m)) if m.contains("does not open")),
        "{wrong:?}"
    );
    let store = connect(&url).await.expect("the right key opens it");
    let older = SealKey::from_hex(OLDER_KEY).expect("a key");
    assert_eq!(recorded_fingerprint(&url).await, older.fingerprint());
    close(store).await;
    let wrong = connect_with_key(&url, SealKey::random()).await.err();
    assert!(
        matches!(&wrong, Some(StoreError::SealKey(m)) if m.contains("does not belong")),
        "{wrong:?}"
    );
    drop(dir);
}

#[tokio::test]
async fn a_backup_made_while_answers_arrive_restores_with_the_same_counts() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("live.db").display());
    let store = connect(&url).await.expect("opens");
    let (campaign, links) = answered_team(&store, 300).await;
    let answering = {
        let store = store.clone();
        tokio::spawn(async move {
            for (invitation, _) in links {
                store
                    .submit_response(invitation.id, &answers(3, None), today())
                    .await
                    .expect("stored");
            }
        })
    };
    let before = answered(&store, campaign).await;
    let copy = dir.path().join("copy.db");

    let backup = store.backup(&copy).await.expect("backed up");

    let after = answered(&store, campaign).await;
    answering.await.expect("all answered");
    assert_eq!(backup.key_fingerprint, store.key_fingerprint());
    assert!(backup.bytes > 0);
    let error = store.backup(&copy).await.expect_err("never overwritten");
    assert!(error.to_string().contains("already exists"), "{error}");
    // Restored: the copy opens with the live database's key and holds what was answered at
    // one moment during the backup: every answer either counted and stored, or neither.
    let restored = restore(&dir.path().join("live.db.key"), &copy).await;
    let (counted, stored) = answered_and_stored(&restored, campaign).await;
    assert_eq!(u64::from(counted), stored, "each answer counted is stored");
    assert!(
        before.0 <= counted && counted <= after.0,
        "{before:?} {counted} {after:?}"
    );
    // Once the answers stop, a backup holds exactly what the database holds.
    let last = dir.path().join("last.db");
    store.backup(&last).await.expect("backed up");
    let restored = restore(&dir.path().join("live.db.key"), &last).await;
    assert_eq!(
        answered_and_stored(&restored, campaign).await,
        answered_and_stored(&store, campaign).await
    );
    assert_eq!(answered_and_stored(&store, campaign).await.0, 300);
}

#[tokio::test]
async fn a_closed_database_file_holds_every_commit_without_its_log() {
    let fixture = sqlite_fixture().await;
    let dir = fixture._dir.as_ref().expect("a folder");
    let (campaign, links) = answered_team(&fixture.store, 20).await;
    for (invitation, _) in &links {
        fixture
            .store
            .submit_response(invitation.id, &answers(2, None), today())
            .await
            .expect("stored");
    }
    fixture.store.close().await.expect("closed");
    let log = dir.path().join("contract.db-wal");
    assert!(
        std::fs::metadata(&log).map_or(0, |m| m.len()) == 0,
        "the log was copied into the database file and emptied"
    );
    // The file alone, copied as a backup of one file would be, holds everything.
    let copy = dir.path().join("copy.db");
    std::fs::copy(dir.path().join("contract.db"), &copy).expect("copied");
    std::fs::copy(
        dir.path().join("contract.db.key"),
        dir.path().join("copy.db.key"),
    )
    .expect("key");
    let copied = connect(&format!("sqlite://{}", copy.display()))
        .await
        .expect("opens");
    assert_eq!(answered_and_stored(&copied, campaign).await.0, 20);
}

/// Closing closes every connection to the file before it returns, the last of them removing
/// the log and its index: nothing is left for a server started as another user to trip on,
/// and the file system can be unmounted or made read-only at once. Opened and closed many
/// times, because a connection given back at the moment of closing was once left open.
#[tokio::test]
async fn a_closed_database_leaves_no_file_open_and_no_log_behind() {
    let dir = tempfile::tempdir().expect("a folder");
    let file = dir.path().join("closing.db");
    let url = format!("sqlite://{}", file.display());
    let key = SealKey::random();
    for round in 0..20 {
        let store = connect_with_key(&url, key.clone()).await.expect("opens");
        answered_team(&store, 5).await;
        store.close().await.expect("closed");
        let open: Vec<_> = std::fs::read_dir("/proc/self/fd")
            .expect("this process's files")
            .flatten()
            .filter_map(|fd| std::fs::read_link(fd.path()).ok())
            .filter(|target| target.starts_with(dir.path()))
            .collect();
        assert!(open.is_empty(), "round {round}: still open: {open:?}");
        for left in ["closing.db-wal", "closing.db-shm"] {
            assert!(
                !dir.path().join(left).exists(),
                "round {round}: {left} left behind"
            );
        }
        drop(store);
    }
}

// ------------------------------------------------------------------------------------ PostgreSQL

#[tokio::test]
#[ignore = "needs PostgreSQL: set TRUSTLOOP_TEST_POSTGRES and pass --ignored"]
async fn closing_stores_every_answer_acknowledged_before_it_postgres() {
    let url = new_postgres_database().await;
    closing_stores_every_answer_acknowledged_before_it(&url, SealKey::random()).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set TRUSTLOOP_TEST_POSTGRES and pass --ignored"]
async fn another_databases_key_is_refused_postgres() {
    let (url, store) = new_postgres_store().await;
    close(store).await;
    let error = connect_with_key(&url, SealKey::random()).await.err();
    assert!(
        matches!(&error, Some(StoreError::SealKey(m)) if m.contains("does not belong")),
        "{error:?}"
    );
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set TRUSTLOOP_TEST_POSTGRES and pass --ignored"]
async fn an_older_database_records_the_first_key_that_opens_its_sealed_answers_postgres() {
    let sealed = hex::encode(sealed_with_older_key().await);
    let url = postgres_older(
        12,
        &answered_flags_before_0014(&format!("'\\x{sealed}'::bytea")),
    )
    .await;
    let wrong = connect_with_key(&url, SealKey::random()).await.err();
    assert!(
        matches!(&wrong, Some(StoreError::SealKey(m)) if m.contains("does not open")),
        "{wrong:?}"
    );
    let older = SealKey::from_hex(OLDER_KEY).expect("a key");
    let store = connect_with_key(&url, older.clone()).await.expect("opens");
    assert_eq!(store.key_fingerprint(), older.fingerprint());
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set TRUSTLOOP_TEST_POSTGRES and pass --ignored"]
async fn a_postgres_backup_is_refused_naming_the_tools_to_use() {
    let (_, store) = new_postgres_store().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let error = store
        .backup(&dir.path().join("x.db"))
        .await
        .expect_err("refused");
    let told = error.to_string();
    assert!(
        told.contains("pg_dump") && told.contains("seal key"),
        "{told}"
    );
}

// ------------------------------------------------------------------------------------ helpers

/// An open campaign for Lee with `reports` direct reports, each with a link: nothing is
/// released before the campaign closes but in groups of the minimum.
/// The backup `copy` restored with the key file `key` beside it, as the server's default
/// finds it, and opened.
async fn restore(key: &std::path::Path, copy: &std::path::Path) -> DynStore {
    std::fs::copy(key, copy.with_extension("db.key")).expect("key");
    connect(&format!("sqlite://{}", copy.display()))
        .await
        .expect("the backup opens with the key")
}

async fn answered_team(
    store: &DynStore,
    reports: usize,
) -> (CampaignId, Vec<(Invitation, String)>) {
    let mut rows = vec![dana(), lee()];
    for n in 0..reports {
        rows.push(row(
            &format!("Report {n}"),
            &format!("report{n}@example.org"),
            Some("lee@example.org"),
            Some("Platform"),
        ));
    }
    import(store, rows).await.expect("imported");
    let lee = id_of(store, "lee@example.org").await;
    let (campaign, links) = open_campaign(store, &[lee]).await;
    let links = links
        .into_iter()
        .filter(|(i, _)| i.group == trustloop_domain::model::RaterGroup::DirectReport)
        .collect();
    (campaign, links)
}

/// How many answered (ballot marks) in a campaign, and how many answers it holds (readable or
/// waiting sealed).
async fn answered_and_stored(store: &DynStore, campaign: CampaignId) -> (u32, u64) {
    let counted = answered(store, campaign).await.0;
    let waiting = store.pending_answers(campaign).await.expect("waiting");
    let lee = id_of(store, "lee@example.org").await;
    let (readable, _) = store.responses(campaign, lee).await.expect("readable");
    (counted, waiting + readable.len() as u64)
}

/// How many answered a campaign, and its status.
async fn answered(store: &DynStore, campaign: CampaignId) -> (u32, CampaignStatus) {
    let progress = store.progress(campaign).await.expect("progress");
    let status = store.campaign(campaign).await.expect("campaign").status;
    (progress.iter().map(|p| p.completed).sum(), status)
}

/// The fingerprint the database at `url` records.
async fn recorded_fingerprint(url: &str) -> String {
    let pool = sqlx::SqlitePool::connect(url).await.expect("opens");
    let recorded = sqlx::query_scalar("SELECT fingerprint FROM seal_key")
        .fetch_one(&pool)
        .await
        .expect("recorded");
    pool.close().await;
    recorded
}

/// Closes a store.
async fn close(store: DynStore) {
    store.close().await.expect("closed");
}
